-- Rage, dead and error clicks on each element of each pageview (sightline_insight::page_facts::ClickProblems),
-- so that zone metrics read them with the element's other facts instead of joining the page's detections.
-- (Never NULL: DuckDB cannot add a column with a NOT NULL constraint, the default fills the stored rows.)
ALTER TABLE element_facts ADD COLUMN rage_clicks INTEGER DEFAULT 0;
ALTER TABLE element_facts ADD COLUMN dead_clicks INTEGER DEFAULT 0;
ALTER TABLE element_facts ADD COLUMN error_clicks INTEGER DEFAULT 0;

-- Facts already stored take them from their session's stored detections (the same ones the analysis pass wrote
-- with them), so no session has to be analysed again.
UPDATE element_facts f
SET rage_clicks = d.rage, dead_clicks = d.dead, error_clicks = d.error
FROM (
    SELECT session, pageview, element,
           count(*) FILTER (WHERE kind = 'rage_click')::INTEGER AS rage,
           count(*) FILTER (WHERE kind = 'dead_click')::INTEGER AS dead,
           count(*) FILTER (WHERE kind = 'error_click')::INTEGER AS error
    FROM detections
    WHERE element IS NOT NULL AND kind IN ('rage_click', 'dead_click', 'error_click')
    GROUP BY session, pageview, element
) d
WHERE f.session = d.session AND f.pageview = d.pageview AND f.selector = d.element;
