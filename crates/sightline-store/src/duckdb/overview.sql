-- Sessions of one site that had activity in [from, to), with the attributes filters apply to.
-- Parameters: site_id, from, to; the caller appends HAVING conditions for filters.
CREATE OR REPLACE TEMP TABLE ov_sessions AS
SELECT
    session,
    any_value(visitor)                                          AS visitor,
    min(ts)                                                     AS started,
    max(ts)                                                     AS ended,
    count(*) FILTER (WHERE type = 'pageview')                   AS pageviews,
    arg_min(device, ts)                                         AS device,
    arg_min(browser, ts)                                        AS browser,
    arg_min(os, ts)                                             AS os,
    arg_min(channel, ts) FILTER (WHERE type = 'pageview')       AS channel,
    arg_min(utm_source, ts) FILTER (WHERE type = 'pageview')    AS utm_source,
    arg_min(utm_medium, ts) FILTER (WHERE type = 'pageview')    AS utm_medium,
    arg_min(utm_campaign, ts) FILTER (WHERE type = 'pageview')  AS utm_campaign,
    arg_min(path, ts) FILTER (WHERE type = 'pageview')          AS entry_page,
    arg_max(path, ts) FILTER (WHERE type = 'pageview')          AS exit_page
FROM events
WHERE site_id = ? AND ts >= ? AND ts < ?
GROUP BY session
HAVING count(*) FILTER (WHERE type = 'pageview') > 0
