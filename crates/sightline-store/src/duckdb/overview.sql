-- Sessions of one site with pageviews in [from, to), with the attributes filters apply to.
-- Session attributes come from pageview rows only (a small share of events); the span (start, end) from
-- all rows. Parameters: [page], site_id, from, to (twice); the caller appends `AND <column> = ?` filters;
-- `{page_match}` is `bool_or(path = ?)` when filtering by a viewed page.
CREATE OR REPLACE TEMP TABLE ov_sessions AS
WITH pv AS (
    SELECT
        session,
        any_value(visitor)       AS visitor,
        count(*)                 AS pageviews,
        arg_min(device, ts)      AS device,
        arg_min(browser, ts)     AS browser,
        arg_min(os, ts)          AS os,
        arg_min(channel, ts)     AS channel,
        arg_min(utm_source, ts)  AS utm_source,
        arg_min(utm_medium, ts)  AS utm_medium,
        arg_min(utm_campaign, ts) AS utm_campaign,
        arg_min(path, ts)        AS entry_page,
        arg_max(path, ts)        AS exit_page,
        {page_match}             AS viewed_page
    FROM events
    WHERE site_id = ? AND ts >= ? AND ts < ? AND type = 'pageview'
    GROUP BY session
), span AS (
    SELECT session, min(ts) AS started, max(ts) AS ended
    FROM events
    WHERE site_id = ? AND ts >= ? AND ts < ?
    GROUP BY session
)
SELECT pv.* EXCLUDE (viewed_page), span.started, span.ended
FROM pv JOIN span USING (session)
WHERE viewed_page
