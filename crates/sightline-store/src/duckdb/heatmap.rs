//! Heatmaps and zone metrics of one page, computed in DuckDB from the page's events: clicks, hovers, moves,
//! scroll positions and the element boxes of `layout` events. Every statement starts from the same pageviews
//! (`PAGEVIEWS`) and their viewport spans (`SPANS`: where the viewport was, from when, for how long).

use duckdb::{Connection, ToSql};

use super::all_rows;
use super::experience::with_report_sessions;
use crate::{
    CLICK_CELL, ClickPoint, DEPTH_STEP_PCT, DepthShare, DepthTime, EXPOSURE_MIN_MS, Fold, Heatmap,
    HeatmapKind, HoverSpot, MAX_CLICK_POINTS, MAX_MOVE_CELLS, MAX_ZONE_SESSIONS, MAX_ZONES,
    MOVE_CELL_PX, MoveCell, PageQuery, PageSnapshotRef, Quantiles, Result, ZoneSession, ZoneStats,
};

/// The page's pageviews (`$1` site, `$2`/`$3` range, `$4` path or page group): `pv0` with their start, viewport
/// and document height and device (count them here), `pv` adds each one's end (its last event, so it reads them);
/// `ev`: their events that heatmaps read. `{sessions}` is the report-sessions condition when there are filters.
const PAGEVIEWS: &str = "pv0 AS (
        SELECT pageview, any_value(session) AS session, min(ts) AS start, max(viewport_h) AS vh,
               max(value) AS dh, any_value(device) AS device
        FROM events
        WHERE site_id = $1 AND ts >= $2 AND ts < $3 AND type = 'pageview' AND (path = $4 OR page_group = $4)
              {sessions}
        GROUP BY pageview),
    ev AS (
        SELECT e.pageview, e.type, e.ts, e.selector, e.value, e.scroll_pct, e.rel_x, e.rel_y, e.props
        FROM events e SEMI JOIN pv0 ON pv0.pageview = e.pageview
        WHERE e.site_id = $1 AND e.ts >= $2 AND (e.path = $4 OR e.page_group = $4)
              AND e.type IN ('click', 'hover', 'move', 'scroll', 'layout', 'pageleave')),
    pv AS (
        SELECT pv0.*, greatest(pv0.start, coalesce(l.last, pv0.start)) AS ended
        FROM pv0 LEFT JOIN (SELECT pageview, max(ts) AS last FROM ev GROUP BY pageview) l USING (pageview))";

/// `spans`: where each pageview's viewport was (`top`..`bottom`, page px) and for how long (`ms`): from the
/// pageview's start at the top of the page, then from each scroll pause, until the next one or the pageview's
/// last event. Pageviews without a viewport height have none.
const SPANS: &str = "views AS (
        SELECT pageview, start AS since, 0.0 AS top FROM pv WHERE vh IS NOT NULL
        UNION ALL
        SELECT ev.pageview, ev.ts, greatest(ev.value - pv.vh, 0) FROM ev JOIN pv USING (pageview)
        WHERE ev.type = 'scroll' AND pv.vh IS NOT NULL AND ev.value IS NOT NULL),
    spans AS (
        SELECT v.pageview, v.top, v.top + p.vh AS bottom,
               coalesce(lead(v.since) OVER (PARTITION BY v.pageview ORDER BY v.since), p.ended) - v.since AS ms
        FROM views v JOIN pv p USING (pageview))";

fn with_page<T>(
    conn: &Connection,
    site_id: i64,
    q: &PageQuery,
    f: impl FnOnce(&str, &[&dyn ToSql]) -> Result<T>,
) -> Result<T> {
    with_report_sessions(conn, site_id, (q.from, q.to, &q.filters), |filtered| {
        let sessions = if filtered {
            "AND session IN (SELECT session FROM report_sessions)"
        } else {
            ""
        };
        let prefix = format!(
            "WITH {}, {SPANS}",
            PAGEVIEWS.replace("{sessions}", sessions)
        );
        let args: [&dyn ToSql; 4] = [&site_id, &q.from, &q.to, &q.page];
        f(&prefix, &args)
    })
}

pub(super) fn heatmap(
    conn: &Connection,
    site_id: i64,
    q: &PageQuery,
    kind: HeatmapKind,
) -> Result<Heatmap> {
    with_page(conn, site_id, q, |prefix, args| {
        let pageviews: u64 =
            conn.query_row(&format!("{prefix} SELECT count(*) FROM pv0"), args, |r| {
                r.get(0)
            })?;
        let mut map = Heatmap {
            pageviews,
            ..Heatmap::default()
        };
        match kind {
            HeatmapKind::Click => map.points = click_points(conn, prefix, args)?,
            HeatmapKind::Move => {
                map.cells = move_cells(conn, prefix, args)?;
                map.hovers = hover_spots(conn, prefix, args)?;
            }
            HeatmapKind::Scroll => {
                map.reach = reach(conn, prefix, args)?;
                map.folds = folds(conn, prefix, args)?;
            }
            HeatmapKind::Attention => map.attention = attention(conn, prefix, args)?,
        }
        Ok(map)
    })
}

fn click_points(conn: &Connection, prefix: &str, args: &[&dyn ToSql]) -> Result<Vec<ClickPoint>> {
    // A cell's centre: `(floor(r / cell) + 0.5) * cell`, kept inside 0..1 (r = 1 is the last cell).
    let cell = |c: &str| {
        format!(
            "(least(floor({c} / {CLICK_CELL}), {n} - 1) + 0.5) * {CLICK_CELL}",
            n = (1.0 / CLICK_CELL).round()
        )
    };
    let sql = format!(
        "{prefix} SELECT selector, {rx} AS rx, {ry} AS ry, count(*) AS n FROM ev
         WHERE type = 'click' AND selector IS NOT NULL AND rel_x IS NOT NULL AND rel_y IS NOT NULL
         GROUP BY ALL ORDER BY n DESC, selector, rx, ry LIMIT {MAX_CLICK_POINTS}",
        rx = cell("rel_x"),
        ry = cell("rel_y"),
    );
    all_rows(conn, &sql, args, |r| {
        Ok(ClickPoint {
            selector: r.get(0)?,
            rx: round4(r.get(1)?),
            ry: round4(r.get(2)?),
            count: r.get(3)?,
        })
    })
}

fn move_cells(conn: &Connection, prefix: &str, args: &[&dyn ToSql]) -> Result<Vec<MoveCell>> {
    // `move` props are `[[x, y, dt_ms], …]` in page px.
    let sql = format!(
        "{prefix}, points AS (SELECT unnest(CAST(props AS DOUBLE[][])) AS p FROM ev WHERE type = 'move')
         SELECT floor(p[1] / {MOVE_CELL_PX}) * {MOVE_CELL_PX} AS x, floor(p[2] / {MOVE_CELL_PX}) * {MOVE_CELL_PX} AS y,
                count(*) AS n
         FROM points WHERE len(p) >= 2 GROUP BY ALL ORDER BY n DESC, y, x LIMIT {MAX_MOVE_CELLS}"
    );
    all_rows(conn, &sql, args, |r| {
        Ok(MoveCell {
            x: r.get(0)?,
            y: r.get(1)?,
            count: r.get(2)?,
        })
    })
}

fn hover_spots(conn: &Connection, prefix: &str, args: &[&dyn ToSql]) -> Result<Vec<HoverSpot>> {
    let sql = format!(
        "{prefix} SELECT selector, count(*) AS n, coalesce(sum(value), 0) AS dwell FROM ev
         WHERE type = 'hover' AND selector IS NOT NULL GROUP BY selector ORDER BY n DESC, selector LIMIT {MAX_ZONES}"
    );
    all_rows(conn, &sql, args, |r| {
        Ok(HoverSpot {
            selector: r.get(0)?,
            count: r.get(1)?,
            dwell_ms: r.get(2)?,
        })
    })
}

/// Each pageview's deepest point, % of the document: scroll pauses, the page-leave summary, and the first
/// screen (viewport / document height) for pageviews that never scrolled.
const DEPTHS: &str = "depths AS (
        SELECT pv.pageview, least(100, greatest(coalesce(m.depth, 0),
            CASE WHEN pv.dh > 0 AND pv.vh IS NOT NULL THEN pv.vh / pv.dh * 100 ELSE 0 END)) AS depth
        FROM pv LEFT JOIN (SELECT pageview, max(scroll_pct) AS depth FROM ev
                           WHERE type IN ('scroll', 'pageleave') GROUP BY pageview) m USING (pageview))";

fn reach(conn: &Connection, prefix: &str, args: &[&dyn ToSql]) -> Result<Vec<DepthShare>> {
    let sql = format!(
        "{prefix}, {DEPTHS}
         SELECT d.step, avg(CASE WHEN depths.depth >= d.step THEN 1.0 ELSE 0.0 END)
         FROM depths, range(0, 101, {DEPTH_STEP_PCT}) d(step) GROUP BY d.step ORDER BY d.step"
    );
    all_rows(conn, &sql, args, |r| {
        Ok(DepthShare {
            depth_pct: r.get(0)?,
            share: round4(r.get(1)?),
        })
    })
}

fn folds(conn: &Connection, prefix: &str, args: &[&dyn ToSql]) -> Result<Vec<Fold>> {
    let sql = format!(
        "{prefix} SELECT device, count(*), median(vh)::DOUBLE, median(least(100, vh / dh * 100))::DOUBLE
         FROM pv WHERE vh IS NOT NULL AND dh > 0 GROUP BY device ORDER BY count(*) DESC, device"
    );
    all_rows(conn, &sql, args, |r| {
        Ok(Fold {
            device: r.get(0)?,
            pageviews: r.get(1)?,
            fold_px: r.get(2)?,
            fold_pct: round4(r.get(3)?),
        })
    })
}

fn attention(conn: &Connection, prefix: &str, args: &[&dyn ToSql]) -> Result<Vec<DepthTime>> {
    // A band is in view while its middle is between the viewport's top and bottom.
    let sql = format!(
        "{prefix}, bands AS (SELECT step FROM range(0, 100, {DEPTH_STEP_PCT}) b(step))
         SELECT b.step, coalesce(sum(s.ms) FILTER (
                    WHERE (b.step + {DEPTH_STEP_PCT} / 2.0) / 100 * p.dh BETWEEN s.top AND s.bottom), 0)
                / greatest((SELECT count(*) FROM pv0), 1)
         FROM bands b LEFT JOIN (spans s JOIN pv p USING (pageview)) ON p.dh > 0
         GROUP BY b.step ORDER BY b.step"
    );
    all_rows(conn, &sql, args, |r| {
        Ok(DepthTime {
            depth_pct: r.get(0)?,
            ms: round4(r.get(1)?),
        })
    })
}

/// Per element and pageview: time in view, clicks, hovers, first click, hesitation; then per element.
const ZONES: &str = "boxes AS (
        SELECT pageview, z.sel AS selector, min(z.y + z.h / 2) AS mid, bool_or(coalesce(z.fixed, false)) AS fixed
        FROM (SELECT pageview, unnest(from_json(zones,
                '[{\"sel\":\"VARCHAR\",\"y\":\"DOUBLE\",\"h\":\"DOUBLE\",\"fixed\":\"BOOLEAN\"}]')) AS z
              FROM (SELECT pageview, arg_min(props, ts) AS zones FROM ev WHERE type = 'layout' GROUP BY pageview))
        WHERE z.sel IS NOT NULL
        GROUP BY ALL),
    exposure AS (
        SELECT b.pageview, b.selector,
               CASE WHEN b.fixed THEN any_value(p.ended - p.start)
                    ELSE coalesce(sum(s.ms) FILTER (WHERE b.mid BETWEEN s.top AND s.bottom), 0) END AS ms
        FROM boxes b JOIN pv p USING (pageview) LEFT JOIN spans s ON s.pageview = b.pageview
        GROUP BY b.pageview, b.selector, b.fixed),
    acts AS (
        SELECT pageview, selector,
               count(*) FILTER (WHERE type = 'click') AS clicks, min(ts) FILTER (WHERE type = 'click') AS first,
               count(*) FILTER (WHERE type = 'hover') AS hovers,
               coalesce(sum(value) FILTER (WHERE type = 'hover'), 0) AS hover_ms,
               list(ts) FILTER (WHERE type = 'hover') AS hovered_at
        FROM ev WHERE type IN ('click', 'hover') AND selector IS NOT NULL GROUP BY ALL),
    -- one aggregate and one outer join rather than one per kind: every operator reserves buffers of its own
    per_view AS (
        SELECT pageview, selector, p.session,
               coalesce(x.ms, 0) >= {EXPOSURE_MIN_MS} AS exposed, x.ms AS exposure_ms,
               coalesce(a.clicks, 0) AS clicks, a.first - p.start AS before_click,
               coalesce(a.hovers, 0) AS hovers, CASE WHEN a.hovers > 0 THEN a.hover_ms END AS hover_ms,
               a.first - list_max(list_filter(a.hovered_at, lambda t: t <= a.first)) AS hesitation
        FROM exposure x FULL JOIN acts a USING (pageview, selector) JOIN pv p USING (pageview)),
    per_session AS (
        SELECT v.selector, v.session, bool_or(v.clicks > 0) AS clicked, bool_or(v.exposed) AS exposed,
               any_value(s.conversions > 0) AS converted, any_value(s.revenue) AS revenue
        FROM per_view v JOIN sessions s ON s.site_id = $1 AND s.session = v.session
        GROUP BY v.selector, v.session),
    by_session AS (
        SELECT selector,
               count(*) FILTER (WHERE clicked) AS clicked,
               count(*) FILTER (WHERE clicked AND converted) AS clicked_converted,
               coalesce(sum(revenue) FILTER (WHERE clicked), 0) AS revenue_clicked,
               count(*) FILTER (WHERE exposed AND NOT clicked) AS exposed_only,
               count(*) FILTER (WHERE exposed AND NOT clicked AND converted) AS exposed_only_converted
        FROM per_session GROUP BY selector),
    detected AS (
        SELECT d.element AS selector,
               count(*) FILTER (WHERE d.kind = 'rage_click') AS rage,
               count(*) FILTER (WHERE d.kind = 'dead_click') AS dead,
               count(*) FILTER (WHERE d.kind = 'error_click') AS error
        FROM detections d SEMI JOIN pv ON pv.pageview = d.pageview
        WHERE d.site_id = $1 AND d.ts >= $2 AND d.element IS NOT NULL GROUP BY d.element),
    by_view AS (
        SELECT selector,
               count(*) FILTER (WHERE exposed) AS exposed,
               avg(exposure_ms) FILTER (WHERE exposed) AS exposure_ms,
               count(*) FILTER (WHERE clicks > 0) AS clicking,
               sum(clicks)::BIGINT AS clicks,
               count(*) FILTER (WHERE hovers > 0) AS hovering,
               avg(hover_ms) FILTER (WHERE hovers > 0) AS hover_ms,
               count(*) FILTER (WHERE clicks > 0 OR hovers > 0) AS engaged,
               count(*) FILTER (WHERE exposed AND clicks > 0) AS exposed_clicked,
               quantile_cont(before_click, 0.5) AS before_click_median,
               quantile_cont(before_click, 0.75) AS before_click_p75,
               quantile_cont(hesitation, 0.5) AS hesitation_median,
               quantile_cont(hesitation, 0.75) AS hesitation_p75
        FROM per_view GROUP BY selector)
    SELECT v.selector, (SELECT count(*) FROM pv0), v.exposed, v.exposure_ms, v.clicking, v.clicks, v.hovering,
           v.hover_ms, v.engaged, v.exposed_clicked, v.before_click_median, v.before_click_p75,
           v.hesitation_median, v.hesitation_p75, coalesce(d.rage, 0), coalesce(d.dead, 0), coalesce(d.error, 0),
           coalesce(s.clicked, 0), coalesce(s.clicked_converted, 0), coalesce(s.revenue_clicked, 0),
           coalesce(s.exposed_only, 0), coalesce(s.exposed_only_converted, 0)
    FROM by_view v LEFT JOIN by_session s USING (selector) LEFT JOIN detected d USING (selector)
    ORDER BY v.clicks DESC, v.exposed DESC, v.selector LIMIT {MAX_ZONES}";

pub(super) fn zones(conn: &Connection, site_id: i64, q: &PageQuery) -> Result<Vec<ZoneStats>> {
    with_page(conn, site_id, q, |prefix, args| {
        let sql = format!(
            "{prefix}, {}",
            ZONES
                .replace("{EXPOSURE_MIN_MS}", &EXPOSURE_MIN_MS.to_string())
                .replace("{MAX_ZONES}", &MAX_ZONES.to_string())
        );
        all_rows(conn, &sql, args, |r| {
            let pageviews: u64 = r.get(1)?;
            let exposed: u64 = r.get(2)?;
            let clicking: u64 = r.get(4)?;
            let clicks: u64 = r.get(5)?;
            let hovering: u64 = r.get(6)?;
            let engaged: u64 = r.get(8)?;
            let exposed_clicked: u64 = r.get(9)?;
            let sessions_clicked: u64 = r.get(17)?;
            let revenue_clicked: f64 = r.get(19)?;
            Ok(ZoneStats {
                selector: r.get(0)?,
                pageviews,
                exposure_rate: ratio(exposed, pageviews),
                exposure_time_ms: r.get(3)?,
                click_rate: ratio(clicking, pageviews),
                clicks,
                clicks_per_clicking_pageview: ratio(clicks, clicking),
                hover_rate: ratio(hovering, pageviews),
                hover_time_ms: r.get(7)?,
                engagement_rate: ratio(engaged, pageviews),
                attractiveness_rate: ratio(exposed_clicked, exposed),
                time_before_first_click_ms: Quantiles {
                    median: r.get(10)?,
                    p75: r.get(11)?,
                },
                hesitation_ms: Quantiles {
                    median: r.get(12)?,
                    p75: r.get(13)?,
                },
                rage_clicks: r.get(14)?,
                dead_clicks: r.get(15)?,
                error_clicks: r.get(16)?,
                conversion_rate_clicked: ratio(r.get(18)?, sessions_clicked),
                conversion_rate_exposed_not_clicked: ratio(r.get(21)?, r.get(20)?),
                revenue_per_click: (clicks > 0).then(|| revenue_clicked / clicks as f64),
                revenue_clicked,
            })
        })
    })
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Shares and cell centres to 4 decimals: exact enough to draw, stable to compare.
fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// The newest of the page's pageviews with a snapshot: its own (sampled) or its recording's first chunk; of one
/// pageview with both, the sampled one.
pub(super) fn page_snapshot(
    conn: &Connection,
    site_id: i64,
    q: &PageQuery,
) -> Result<Option<PageSnapshotRef>> {
    with_page(conn, site_id, q, |prefix, args| {
        let sql = format!(
            "{prefix} SELECT pv0.session, pv0.pageview, pv0.start, pv0.device, c.blob_key, c.raw_bytes, c.snapshot
             FROM replay_chunks c JOIN pv0 ON pv0.pageview = c.pageview AND pv0.session = c.session
             WHERE c.site_id = $1 AND c.chunk = 0
             ORDER BY pv0.start DESC, c.snapshot DESC LIMIT 1"
        );
        let found = all_rows(conn, &sql, args, |r| {
            Ok(PageSnapshotRef {
                session: r.get(0)?,
                pageview: r.get(1)?,
                taken_at: r.get(2)?,
                device: r.get(3)?,
                blob_key: r.get(4)?,
                raw_bytes: r.get(5)?,
                sampled: r.get(6)?,
            })
        })?;
        Ok(found.into_iter().next())
    })
}

pub(super) fn zone_sessions(
    conn: &Connection,
    site_id: i64,
    q: &PageQuery,
    selector: &str,
) -> Result<Vec<ZoneSession>> {
    with_page(conn, site_id, q, |prefix, args| {
        let sql = format!(
            "{prefix} SELECT pv0.session, min(e.ts) AS first_click, any_value(pv0.device),
                    coalesce(any_value(s.conversions), 0) > 0, coalesce(any_value(s.revenue), 0)
             FROM events e JOIN pv0 ON pv0.pageview = e.pageview
             LEFT JOIN sessions s ON s.site_id = $1 AND s.session = pv0.session
             WHERE e.site_id = $1 AND e.ts >= $2 AND e.type = 'click' AND e.selector = $5
             GROUP BY pv0.session ORDER BY first_click DESC, pv0.session LIMIT {MAX_ZONE_SESSIONS}"
        );
        let mut all: Vec<&dyn ToSql> = args.to_vec();
        all.push(&selector);
        all_rows(conn, &sql, &all, |r| {
            Ok(ZoneSession {
                session: r.get(0)?,
                at: r.get(1)?,
                device: r.get(2)?,
                converted: r.get(3)?,
                revenue: r.get(4)?,
            })
        })
    })
}
