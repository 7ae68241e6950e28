//! Heatmaps and zone metrics of one page, aggregated in DuckDB over the facts the analysis pass keeps of each
//! pageview and element (`pageview_facts`, `element_facts`: see `sightline_insight::page_facts`), so a report
//! reads one row per pageview or element instead of the page's raw events. A session's pageviews count once
//! the analysis pass has seen it (after it went quiet). Page snapshots come from the events.

use duckdb::{Connection, ToSql};

use super::all_rows;
use super::experience::with_report_sessions;
use crate::{
    ClickPoint, DEPTH_STEP_PCT, DepthShare, DepthTime, EXPOSURE_MIN_MS, Fold, Heatmap, HeatmapKind,
    HoverSpot, MAX_CLICK_POINTS, MAX_MOVE_CELLS, MAX_ZONE_SESSIONS, MAX_ZONES, MoveCell, PageQuery,
    PageSnapshotRef, Quantiles, Result, ZoneSession, ZoneStats,
};

/// Which column `page` is matched against: a page group of the range's pageviews, else a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Group,
    Path,
}

impl Level {
    fn column(self) -> &'static str {
        match self {
            Level::Group => "page_group",
            Level::Path => "path",
        }
    }

    /// The prefix of `element_facts`' session-level columns of this level (`group_first`, `path_first`, …).
    fn prefix(self) -> &'static str {
        match self {
            Level::Group => "group",
            Level::Path => "path",
        }
    }
}

/// The page's rows: `$1` site, `$2`/`$3` the range of the pageview's start, `$4` the page, `$5` the device class
/// when the filters name one (a pageview's device class is its session's, so it filters the facts directly);
/// the other filters select the report's sessions.
struct Page<'a> {
    level: Level,
    filtered: bool,
    args: Vec<&'a dyn ToSql>,
}

impl Page<'_> {
    /// The condition selecting the page's rows of a facts table (`time`: its pageview start column), or of
    /// events by their `path` or `page_group` (`level` `None`).
    fn rows(&self, time: &str, level: Option<Level>) -> String {
        let page = match level {
            Some(level) => format!("{} = $4", level.column()),
            None => "(path = $4 OR page_group = $4)".into(),
        };
        let device = if self.args.len() > 4 {
            " AND device = $5"
        } else {
            ""
        };
        let sessions = if self.filtered {
            " AND session IN (SELECT session FROM report_sessions)"
        } else {
            ""
        };
        format!("site_id = $1 AND {time} >= $2 AND {time} < $3 AND {page}{device}{sessions}")
    }

    /// The rows of `pageview_facts` and `element_facts` of the page.
    fn facts(&self) -> String {
        self.rows("started", Some(self.level))
    }
}

/// Runs `f` with the page's rows.
fn with_page<T>(
    conn: &Connection,
    site_id: i64,
    q: &PageQuery,
    f: impl FnOnce(&Page<'_>) -> Result<T>,
) -> Result<T> {
    let others = crate::SessionFilters {
        device: None,
        ..q.filters.clone()
    };
    with_report_sessions(conn, site_id, (q.from, q.to, &others), |filtered| {
        let mut args: Vec<&dyn ToSql> = vec![&site_id, &q.from, &q.to, &q.page];
        if let Some(device) = &q.filters.device {
            args.push(device);
        }
        let is_group: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM pageview_facts
                            WHERE site_id = $1 AND started >= $2 AND started < $3 AND page_group = $4)",
            &args[..4],
            |r| r.get(0),
        )?;
        let level = if is_group { Level::Group } else { Level::Path };
        f(&Page {
            level,
            filtered,
            args,
        })
    })
}

pub(super) fn heatmap(
    conn: &Connection,
    site_id: i64,
    q: &PageQuery,
    kind: HeatmapKind,
) -> Result<Heatmap> {
    with_page(conn, site_id, q, |page| {
        let (args, page) = (page.args.as_slice(), page.facts());
        let page = page.as_str();
        let pageviews: u64 = conn.query_row(
            &format!("SELECT count(*) FROM pageview_facts WHERE {page}"),
            args,
            |r| r.get(0),
        )?;
        let mut map = Heatmap {
            pageviews,
            ..Heatmap::default()
        };
        match kind {
            HeatmapKind::Click => map.points = click_points(conn, page, args)?,
            HeatmapKind::Move => {
                map.cells = move_cells(conn, page, args)?;
                map.hovers = hover_spots(conn, page, args)?;
            }
            HeatmapKind::Scroll => {
                map.reach = reach(conn, page, args)?;
                map.folds = folds(conn, page, args)?;
            }
            HeatmapKind::Attention => map.attention = attention(conn, page, args)?,
        }
        Ok(map)
    })
}

fn click_points(conn: &Connection, page: &str, args: &[&dyn ToSql]) -> Result<Vec<ClickPoint>> {
    let sql = format!(
        "SELECT selector, c.rx, c.ry, sum(c.n)::BIGINT AS n
         FROM (SELECT selector, unnest(click_cells) AS c FROM element_facts WHERE {page} AND clicks > 0)
         GROUP BY ALL ORDER BY n DESC, selector, c.rx, c.ry LIMIT {MAX_CLICK_POINTS}"
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

fn move_cells(conn: &Connection, page: &str, args: &[&dyn ToSql]) -> Result<Vec<MoveCell>> {
    let sql = format!(
        "SELECT m.x, m.y, sum(m.n)::BIGINT AS n
         FROM (SELECT unnest(moves) AS m FROM pageview_facts WHERE {page})
         GROUP BY ALL ORDER BY n DESC, m.y, m.x LIMIT {MAX_MOVE_CELLS}"
    );
    all_rows(conn, &sql, args, |r| {
        Ok(MoveCell {
            x: r.get(0)?,
            y: r.get(1)?,
            count: r.get(2)?,
        })
    })
}

fn hover_spots(conn: &Connection, page: &str, args: &[&dyn ToSql]) -> Result<Vec<HoverSpot>> {
    let sql = format!(
        "SELECT selector, sum(hovers)::BIGINT AS n, sum(hover_ms) AS dwell FROM element_facts
         WHERE {page} AND hovers > 0 GROUP BY selector ORDER BY n DESC, selector LIMIT {MAX_ZONES}"
    );
    all_rows(conn, &sql, args, |r| {
        Ok(HoverSpot {
            selector: r.get(0)?,
            count: r.get(1)?,
            dwell_ms: r.get(2)?,
        })
    })
}

fn reach(conn: &Connection, page: &str, args: &[&dyn ToSql]) -> Result<Vec<DepthShare>> {
    let sql = format!(
        "SELECT d.step, avg(CASE WHEN p.depth_pct >= d.step THEN 1.0 ELSE 0.0 END)
         FROM (SELECT depth_pct FROM pageview_facts WHERE {page}) p, range(0, 101, {DEPTH_STEP_PCT}) d(step)
         GROUP BY d.step ORDER BY d.step"
    );
    all_rows(conn, &sql, args, |r| {
        Ok(DepthShare {
            depth_pct: r.get(0)?,
            share: round4(r.get(1)?),
        })
    })
}

fn folds(conn: &Connection, page: &str, args: &[&dyn ToSql]) -> Result<Vec<Fold>> {
    let sql = format!(
        "SELECT device, count(*), median(viewport_h)::DOUBLE, median(least(100, viewport_h / doc_h * 100))::DOUBLE
         FROM pageview_facts WHERE {page} AND viewport_h IS NOT NULL AND doc_h > 0
         GROUP BY device ORDER BY count(*) DESC, device"
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

fn attention(conn: &Connection, page: &str, args: &[&dyn ToSql]) -> Result<Vec<DepthTime>> {
    // Each pageview's `attention_ms` holds one value per band, in order; the mean is over all its pageviews.
    let sql = format!(
        "WITH page AS (SELECT attention_ms FROM pageview_facts WHERE {page}),
              per_band AS (SELECT generate_subscripts(attention_ms, 1) AS i, unnest(attention_ms) AS ms FROM page)
         SELECT b.step, coalesce(sum(a.ms), 0) / greatest((SELECT count(*) FROM page), 1)
         FROM range(0, 100, {DEPTH_STEP_PCT}) b(step) LEFT JOIN per_band a ON (a.i - 1) * {DEPTH_STEP_PCT} = b.step
         GROUP BY b.step ORDER BY b.step"
    );
    all_rows(conn, &sql, args, |r| {
        Ok(DepthTime {
            depth_pct: r.get(0)?,
            ms: round4(r.get(1)?),
        })
    })
}

/// Per element, in one pass over its facts: pageview-level counts and quantiles, the frustrated clicks detected on
/// it, and the sessions that clicked it or only saw it, each counted on its first row of the page (`first`, of the
/// page's level) with its conversion and revenue (kept in the row).
const ZONES: &str = "facts AS (
        SELECT f.selector, coalesce(f.exposure_ms, 0) >= {EXPOSURE_MIN_MS} AS exposed, f.exposure_ms, f.clicks,
               f.before_click_ms, f.hovers, f.hover_ms, f.hesitation_ms,
               f.rage_clicks, f.dead_clicks, f.error_clicks,
               f.{level}_first AS first,
               f.{level}_clicked AS session_clicked,
               f.{level}_exposed AS session_exposed,
               f.session_converted AS converted, f.session_revenue AS revenue
        FROM element_facts f WHERE {page}),
    by_element AS (
        SELECT selector,
               sum(exposed::INT) AS exposed,
               avg(CASE WHEN exposed THEN exposure_ms END) AS exposure_ms,
               sum((clicks > 0)::INT) AS clicking,
               sum(clicks)::BIGINT AS clicks,
               sum((hovers > 0)::INT) AS hovering,
               avg(CASE WHEN hovers > 0 THEN hover_ms END) AS hover_ms,
               sum((clicks > 0 OR hovers > 0)::INT) AS engaged,
               sum((exposed AND clicks > 0)::INT) AS exposed_clicked,
               quantile_cont(before_click_ms, [0.5, 0.75]) AS before_click,
               quantile_cont(hesitation_ms, [0.5, 0.75]) AS hesitation,
               sum(rage_clicks)::BIGINT AS rage,
               sum(dead_clicks)::BIGINT AS dead,
               sum(error_clicks)::BIGINT AS error,
               sum((first AND session_clicked)::INT) AS sessions_clicked,
               sum((first AND session_clicked AND converted)::INT) AS clicked_converted,
               coalesce(sum(CASE WHEN first AND session_clicked THEN revenue END), 0) AS revenue_clicked,
               sum((first AND session_exposed AND NOT session_clicked)::INT) AS exposed_only,
               sum((first AND session_exposed AND NOT session_clicked AND converted)::INT) AS exposed_only_converted
        FROM facts GROUP BY selector)
    SELECT v.selector, (SELECT count(*) FROM pageview_facts WHERE {page}), v.exposed, v.exposure_ms, v.clicking,
           v.clicks, v.hovering, v.hover_ms, v.engaged, v.exposed_clicked, v.before_click[1], v.before_click[2],
           v.hesitation[1], v.hesitation[2], v.rage, v.dead, v.error,
           v.sessions_clicked, v.clicked_converted, v.revenue_clicked, v.exposed_only, v.exposed_only_converted
    FROM by_element v
    ORDER BY v.clicks DESC, v.exposed DESC, v.selector LIMIT {MAX_ZONES}";

pub(super) fn zones(conn: &Connection, site_id: i64, q: &PageQuery) -> Result<Vec<ZoneStats>> {
    with_page(conn, site_id, q, |page| {
        let args = page.args.as_slice();
        let sql = format!(
            "WITH {}",
            ZONES
                .replace("{page}", &page.facts())
                .replace("{level}", page.level.prefix())
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
    // From the pageview events, not their facts: a snapshot is there as soon as its pageview is stored.
    with_page(conn, site_id, q, |page| {
        let args = page.args.as_slice();
        let sql = format!(
            "SELECT pv.session, pv.pageview, pv.ts, pv.device, c.blob_key, c.raw_bytes, c.snapshot
             FROM replay_chunks c
             JOIN (SELECT session, pageview, ts, device FROM events WHERE type = 'pageview' AND {}) pv
                  ON pv.pageview = c.pageview AND pv.session = c.session
             WHERE c.site_id = $1 AND c.chunk = 0
             ORDER BY pv.ts DESC, c.snapshot DESC LIMIT 1",
            page.rows("ts", None)
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
    with_page(conn, site_id, q, |page| {
        let selector_arg = page.args.len() + 1;
        let sql = format!(
            "SELECT f.session, min(f.started + f.before_click_ms)::BIGINT AS first_click, any_value(f.device),
                    any_value(f.session_converted), any_value(f.session_revenue)
             FROM element_facts f WHERE {} AND selector = ${selector_arg} AND clicks > 0
             GROUP BY f.session ORDER BY first_click DESC, f.session LIMIT {MAX_ZONE_SESSIONS}",
            page.facts()
        );
        let mut all = page.args.clone();
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
