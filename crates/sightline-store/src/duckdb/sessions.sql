-- Sessions of one site with pageviews in [from, to), one row each with everything reports filter, sort
-- and show on. Session attributes come from pageview rows only (a small share of events); counts and the
-- span from all rows. Used by the overview and the sessions list.
-- Parameters, in order: [page] [clicked] site_id, from, to (three times), site_id; the caller appends
-- `AND <condition>` filters. `{page_match}` / `{clicked_match}` are `bool_or(... = ?)` when filtering on them.
CREATE OR REPLACE TEMP TABLE report_sessions AS
WITH pv AS (
    SELECT
        session,
        any_value(visitor)        AS visitor,
        count(*)                  AS pageviews,
        arg_min(device, ts)       AS device,
        arg_min(browser, ts)      AS browser,
        arg_min(os, ts)           AS os,
        arg_min(channel, ts)      AS channel,
        arg_min(utm_source, ts)   AS utm_source,
        arg_min(utm_medium, ts)   AS utm_medium,
        arg_min(utm_campaign, ts) AS utm_campaign,
        arg_min(path, ts)         AS entry_page,
        arg_max(path, ts)         AS exit_page,
        {page_match}              AS viewed_page
    FROM events
    WHERE site_id = ? AND ts >= ? AND ts < ? AND type = 'pageview'
    GROUP BY session
), span AS (
    SELECT
        session,
        min(ts)                                       AS started,
        max(ts)                                       AS ended,
        count(*) FILTER (WHERE type = 'click')        AS clicks,
        count(*) FILTER (WHERE type = 'error')        AS errors,
        coalesce(sum(revenue), 0)                     AS revenue,
        coalesce(bool_or(revenue > 0), false)         AS converted,
        {clicked_match}                               AS clicked_element
    FROM events
    WHERE site_id = ? AND ts >= ? AND ts < ?
    GROUP BY session
), active AS (
    -- A pageview may report its (cumulative) active time more than once: take the last, i.e. the largest.
    SELECT session, sum(active) AS active_ms
    FROM (
        SELECT session, pageview, max(value) AS active
        FROM events
        WHERE site_id = ? AND ts >= ? AND ts < ? AND type = 'pageleave'
        GROUP BY session, pageview
    )
    GROUP BY session
), replay AS (
    SELECT session, sum(bytes) AS replay_bytes
    FROM replay_chunks
    WHERE site_id = ?
    GROUP BY session
)
SELECT
    pv.* EXCLUDE (viewed_page),
    span.started,
    span.ended,
    span.ended - span.started             AS duration_ms,
    coalesce(active.active_ms, 0)::BIGINT AS active_ms,
    span.clicks,
    span.errors,
    span.revenue,
    span.converted,
    replay.session IS NOT NULL            AS has_replay,
    coalesce(replay.replay_bytes, 0)::BIGINT AS replay_bytes
FROM pv
JOIN span USING (session)
LEFT JOIN active USING (session)
LEFT JOIN replay USING (session)
WHERE viewed_page AND clicked_element
