//! Heatmaps and zone metrics of one page on ClickHouse, as the embedded store answers them: aggregated over the
//! analysis pass's facts of each pageview and element (`pageview_facts`, `element_facts`, the current analysis
//! of each session only: see `analysis.rs`). Page snapshots come from the events and the replay chunk index.
//!
//! Quantiles are interpolated here from the sorted values (as DuckDB's `quantile_cont` and `median` do; no
//! quantile function of 18.16 interpolates), and means are sums over counts, so that an element without samples
//! answers NULL on every release (ClickHouse's `avg` of nothing is nan).

use serde::Deserialize;
use sightline_insight::page_facts::DEPTH_BANDS;

use super::ClickHouseEventStore;
use super::analysis::current_analysis;
use super::http::quote;
use super::report::report_sessions;
use crate::{
    ClickPoint, DEPTH_STEP_PCT, DepthShare, DepthTime, EXPOSURE_MIN_MS, Fold, Heatmap, HeatmapKind,
    HoverSpot, MAX_CLICK_POINTS, MAX_MOVE_CELLS, MAX_ZONE_SESSIONS, MAX_ZONES, MoveCell, PageQuery,
    PageSnapshotRef, Quantiles, Result, SessionFilters, ZoneSession, ZoneStats,
};

/// The deepest point of a page, % of its height (the last step of the scroll reach).
const FULL_DEPTH_PCT: i64 = 100;
const MEDIAN: f64 = 0.5;
const P75: f64 = 0.75;

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

/// The page's rows as conditions: of the facts tables (`facts`) and of the events (`events`, matched by path or
/// page group). A pageview's device class is its session's, so a device filter selects the rows directly; the
/// other filters select the report's sessions.
struct Page {
    level: Level,
    facts: String,
    events: String,
}

fn page(store: &ClickHouseEventStore, site_id: i64, q: &PageQuery) -> Result<Page> {
    let others = SessionFilters {
        device: None,
        ..q.filters.clone()
    };
    let mut restrict = String::new();
    if let Some(device) = &q.filters.device {
        restrict.push_str(&format!(" AND device = {}", quote(device)));
    }
    if others != SessionFilters::default() {
        let report = report_sessions(site_id, q.from, q.to, &others)?;
        restrict.push_str(&format!(" AND session IN (SELECT s.session {report})"));
    }
    let (from, to, page) = (q.from, q.to, quote(&q.page));
    let current = current_analysis(site_id);
    let in_range = format!("site_id = {site_id} AND started >= {from} AND started < {to}");
    let is_group = store.count(&format!(
        "SELECT count() AS n FROM (SELECT 1 FROM pageview_facts
                                   WHERE {in_range} AND page_group = {page} AND {current} LIMIT 1)"
    ))? > 0;
    let level = if is_group { Level::Group } else { Level::Path };
    Ok(Page {
        level,
        facts: format!(
            "{in_range} AND {} = {page}{restrict} AND {current}",
            level.column()
        ),
        events: format!(
            "site_id = {site_id} AND ts >= {from} AND ts < {to} AND (path = {page} OR page_group = {page}){restrict}"
        ),
    })
}

pub(super) fn heatmap(
    store: &ClickHouseEventStore,
    site_id: i64,
    q: &PageQuery,
    kind: HeatmapKind,
) -> Result<Heatmap> {
    let page = page(store, site_id, q)?;
    let facts = page.facts.as_str();
    let pageviews = store.count(&format!(
        "SELECT count() AS n FROM pageview_facts WHERE {facts}"
    ))?;
    let mut map = Heatmap {
        pageviews,
        ..Heatmap::default()
    };
    match kind {
        HeatmapKind::Click => map.points = click_points(store, facts)?,
        HeatmapKind::Move => {
            map.cells = move_cells(store, facts)?;
            map.hovers = hover_spots(store, facts)?;
        }
        HeatmapKind::Scroll => {
            map.reach = reach(store, facts)?;
            map.folds = folds(store, facts)?;
        }
        HeatmapKind::Attention => map.attention = attention(store, facts, pageviews)?,
    }
    Ok(map)
}

fn click_points(store: &ClickHouseEventStore, facts: &str) -> Result<Vec<ClickPoint>> {
    #[derive(Deserialize)]
    struct Point {
        point_selector: String,
        cell_rx: f64,
        cell_ry: f64,
        point_n: u64,
    }
    let points: Vec<Point> = store.select(&format!(
        "SELECT selector AS point_selector, cell_rx, cell_ry, sum(cell_n) AS point_n
         FROM element_facts ARRAY JOIN click_rx AS cell_rx, click_ry AS cell_ry, click_n AS cell_n
         WHERE {facts} AND clicks > 0
         GROUP BY point_selector, cell_rx, cell_ry
         ORDER BY point_n DESC, point_selector, cell_rx, cell_ry LIMIT {MAX_CLICK_POINTS}"
    ))?;
    Ok(points
        .into_iter()
        .map(|p| ClickPoint {
            selector: p.point_selector,
            rx: round4(p.cell_rx),
            ry: round4(p.cell_ry),
            count: p.point_n,
        })
        .collect())
}

fn move_cells(store: &ClickHouseEventStore, facts: &str) -> Result<Vec<MoveCell>> {
    #[derive(Deserialize)]
    struct Cell {
        cell_x: f64,
        cell_y: f64,
        cell_count: u64,
    }
    let cells: Vec<Cell> = store.select(&format!(
        "SELECT cell_x, cell_y, sum(cell_n) AS cell_count
         FROM pageview_facts ARRAY JOIN moves_x AS cell_x, moves_y AS cell_y, moves_n AS cell_n
         WHERE {facts}
         GROUP BY cell_x, cell_y ORDER BY cell_count DESC, cell_y, cell_x LIMIT {MAX_MOVE_CELLS}"
    ))?;
    Ok(cells
        .into_iter()
        .map(|c| MoveCell {
            x: c.cell_x,
            y: c.cell_y,
            count: c.cell_count,
        })
        .collect())
}

fn hover_spots(store: &ClickHouseEventStore, facts: &str) -> Result<Vec<HoverSpot>> {
    #[derive(Deserialize)]
    struct Spot {
        spot_selector: String,
        spot_hovers: u64,
        spot_dwell: f64,
    }
    let spots: Vec<Spot> = store.select(&format!(
        "SELECT selector AS spot_selector, sum(hovers) AS spot_hovers, sum(hover_ms) AS spot_dwell
         FROM element_facts WHERE {facts} AND hovers > 0
         GROUP BY spot_selector ORDER BY spot_hovers DESC, spot_selector LIMIT {MAX_ZONES}"
    ))?;
    Ok(spots
        .into_iter()
        .map(|s| HoverSpot {
            selector: s.spot_selector,
            count: s.spot_hovers,
            dwell_ms: s.spot_dwell,
        })
        .collect())
}

/// The scroll reach's steps, 0 to 100 % (a literal array: 18.16's `range` has no start and step).
fn depth_steps() -> String {
    (0..=FULL_DEPTH_PCT)
        .step_by(DEPTH_STEP_PCT.unsigned_abs() as usize)
        .map(|step| step.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn reach(store: &ClickHouseEventStore, facts: &str) -> Result<Vec<DepthShare>> {
    #[derive(Deserialize)]
    struct Reach {
        step: i64,
        reached: f64,
    }
    // No pageviews, no rows: as the embedded store's cross join of nothing with the steps.
    let rows: Vec<Reach> = store.select(&format!(
        "SELECT toInt64(depth_step) AS step, avg(depth_pct >= depth_step) AS reached
         FROM pageview_facts ARRAY JOIN [{}] AS depth_step
         WHERE {facts} GROUP BY depth_step ORDER BY depth_step",
        depth_steps()
    ))?;
    Ok(rows
        .into_iter()
        .map(|r| DepthShare {
            depth_pct: r.step,
            share: round4(r.reached),
        })
        .collect())
}

fn folds(store: &ClickHouseEventStore, facts: &str) -> Result<Vec<Fold>> {
    #[derive(Deserialize)]
    struct FoldRow {
        fold_device: String,
        fold_pageviews: u64,
        heights: Vec<f64>,
        shares: Vec<f64>,
    }
    let rows: Vec<FoldRow> = store.select(&format!(
        "SELECT CAST(device AS String) AS fold_device, count() AS fold_pageviews,
                arraySort(groupArray(assumeNotNull(viewport_h))) AS heights,
                arraySort(groupArray(least(100, assumeNotNull(viewport_h) / assumeNotNull(doc_h) * 100))) AS shares
         FROM pageview_facts WHERE {facts} AND viewport_h IS NOT NULL AND doc_h > 0
         GROUP BY fold_device ORDER BY fold_pageviews DESC, fold_device"
    ))?;
    Ok(rows
        .into_iter()
        .map(|r| Fold {
            device: r.fold_device,
            pageviews: r.fold_pageviews,
            // Groups have at least one row, so neither list is empty.
            fold_px: quantile(&r.heights, MEDIAN).unwrap_or_default(),
            fold_pct: round4(quantile(&r.shares, MEDIAN).unwrap_or_default()),
        })
        .collect())
}

fn attention(store: &ClickHouseEventStore, facts: &str, pageviews: u64) -> Result<Vec<DepthTime>> {
    #[derive(Deserialize)]
    struct Band {
        band: usize,
        band_ms: f64,
    }
    // Each pageview's `attention_ms` holds one value per band, in order; the mean is over all its pageviews.
    let sums: Vec<Band> = store.select(&format!(
        "SELECT band, sum(ms) AS band_ms
         FROM pageview_facts ARRAY JOIN attention_ms AS ms, arrayEnumerate(attention_ms) AS band
         WHERE {facts} GROUP BY band"
    ))?;
    let mut totals = [0.0; DEPTH_BANDS];
    for b in sums {
        if let Some(total) = b.band.checked_sub(1).and_then(|i| totals.get_mut(i)) {
            *total = b.band_ms;
        }
    }
    let pageviews = pageviews.max(1) as f64;
    Ok(totals
        .iter()
        .zip((0..).step_by(DEPTH_STEP_PCT.unsigned_abs() as usize))
        .map(|(total, depth_pct)| DepthTime {
            depth_pct,
            ms: round4(total / pageviews),
        })
        .collect())
}

/// One element's sums over the page's facts; the session-level ones count each session on its first row of the
/// page (`{level}_first`) with its conversion and revenue (kept in the row).
#[derive(Deserialize)]
struct ZoneRow {
    zone_selector: String,
    zone_pageviews: u64,
    z_exposed: u64,
    z_exposure_sum: f64,
    z_clicking: u64,
    z_clicks: u64,
    z_hovering: u64,
    z_hover_sum: f64,
    z_engaged: u64,
    z_exposed_clicked: u64,
    z_before_click: Vec<f64>,
    z_hesitation: Vec<f64>,
    z_rage: u64,
    z_dead: u64,
    z_error: u64,
    z_sessions_clicked: u64,
    z_clicked_converted: u64,
    z_revenue_clicked: f64,
    z_exposed_only: u64,
    z_exposed_only_converted: u64,
}

/// Per element in one pass over its facts. Aliases differ from every column (an alias equal to a column's
/// name would stand for it in the whole query).
const ZONES: &str = "SELECT selector AS zone_selector,
        (SELECT count() FROM pageview_facts WHERE {facts}) AS zone_pageviews,
        countIf(ifNull(exposure_ms, 0) >= {EXPOSURE_MIN_MS}) AS z_exposed,
        sumIf(assumeNotNull(exposure_ms), ifNull(exposure_ms, 0) >= {EXPOSURE_MIN_MS}) AS z_exposure_sum,
        countIf(clicks > 0) AS z_clicking,
        sum(clicks) AS z_clicks,
        countIf(hovers > 0) AS z_hovering,
        sumIf(hover_ms, hovers > 0) AS z_hover_sum,
        countIf(clicks > 0 OR hovers > 0) AS z_engaged,
        countIf(ifNull(exposure_ms, 0) >= {EXPOSURE_MIN_MS} AND clicks > 0) AS z_exposed_clicked,
        arraySort(groupArrayIf(assumeNotNull(before_click_ms), isNotNull(before_click_ms))) AS z_before_click,
        arraySort(groupArrayIf(assumeNotNull(hesitation_ms), isNotNull(hesitation_ms))) AS z_hesitation,
        sum(rage_clicks) AS z_rage,
        sum(dead_clicks) AS z_dead,
        sum(error_clicks) AS z_error,
        countIf({level}_first = 1 AND {level}_clicked = 1) AS z_sessions_clicked,
        countIf({level}_first = 1 AND {level}_clicked = 1 AND session_converted = 1) AS z_clicked_converted,
        sumIf(session_revenue, {level}_first = 1 AND {level}_clicked = 1) AS z_revenue_clicked,
        countIf({level}_first = 1 AND {level}_exposed = 1 AND {level}_clicked = 0) AS z_exposed_only,
        countIf({level}_first = 1 AND {level}_exposed = 1 AND {level}_clicked = 0 AND session_converted = 1)
            AS z_exposed_only_converted
    FROM element_facts WHERE {facts}
    GROUP BY zone_selector
    ORDER BY z_clicks DESC, z_exposed DESC, zone_selector LIMIT {MAX_ZONES}";

pub(super) fn zones(
    store: &ClickHouseEventStore,
    site_id: i64,
    q: &PageQuery,
) -> Result<Vec<ZoneStats>> {
    let page = page(store, site_id, q)?;
    let sql = ZONES
        .replace("{facts}", &page.facts)
        .replace("{level}", page.level.prefix())
        .replace("{EXPOSURE_MIN_MS}", &EXPOSURE_MIN_MS.to_string())
        .replace("{MAX_ZONES}", &MAX_ZONES.to_string());
    let rows: Vec<ZoneRow> = store.select(&sql)?;
    Ok(rows
        .into_iter()
        .map(|r| ZoneStats {
            pageviews: r.zone_pageviews,
            exposure_rate: ratio(r.z_exposed, r.zone_pageviews),
            exposure_time_ms: mean(r.z_exposure_sum, r.z_exposed),
            click_rate: ratio(r.z_clicking, r.zone_pageviews),
            clicks: r.z_clicks,
            clicks_per_clicking_pageview: ratio(r.z_clicks, r.z_clicking),
            hover_rate: ratio(r.z_hovering, r.zone_pageviews),
            hover_time_ms: mean(r.z_hover_sum, r.z_hovering),
            engagement_rate: ratio(r.z_engaged, r.zone_pageviews),
            attractiveness_rate: ratio(r.z_exposed_clicked, r.z_exposed),
            time_before_first_click_ms: quantiles(&r.z_before_click),
            hesitation_ms: quantiles(&r.z_hesitation),
            rage_clicks: r.z_rage,
            dead_clicks: r.z_dead,
            error_clicks: r.z_error,
            conversion_rate_clicked: ratio(r.z_clicked_converted, r.z_sessions_clicked),
            conversion_rate_exposed_not_clicked: ratio(
                r.z_exposed_only_converted,
                r.z_exposed_only,
            ),
            revenue_per_click: (r.z_clicks > 0).then(|| r.z_revenue_clicked / r.z_clicks as f64),
            revenue_clicked: r.z_revenue_clicked,
            selector: r.zone_selector,
        })
        .collect())
}

/// The newest of the page's pageviews with a snapshot: its own (sampled) or its recording's first chunk; of one
/// pageview with both, the sampled one. From the pageview events, not their facts: a snapshot is there as soon as
/// its pageview is stored.
pub(super) fn page_snapshot(
    store: &ClickHouseEventStore,
    site_id: i64,
    q: &PageQuery,
) -> Result<Option<PageSnapshotRef>> {
    #[derive(Deserialize)]
    struct Found {
        session: String,
        pageview: String,
        taken_at: i64,
        pageview_device: String,
        blob_key: String,
        raw_bytes: u64,
        sampled: u8,
    }
    let page = page(store, site_id, q)?;
    let pageviews = format!(
        "SELECT session, pageview FROM events WHERE type = 'pageview' AND {}",
        page.events
    );
    // ALL join: a pageview may have both a sampled snapshot and a recording's first chunk.
    let found: Vec<Found> = store.select(&format!(
        "SELECT session, pageview, taken_at, pageview_device, blob_key, raw_bytes, sampled FROM (
             SELECT session, pageview, blob_key, raw_bytes, snapshot AS sampled FROM replay_chunks
             WHERE site_id = {site_id} AND chunk = 0 AND (session, pageview) IN ({pageviews}))
         ALL INNER JOIN (
             SELECT session, pageview, ts AS taken_at, CAST(device AS String) AS pageview_device FROM events
             WHERE type = 'pageview' AND {events}) USING (session, pageview)
         ORDER BY taken_at DESC, sampled DESC, session, pageview LIMIT 1",
        events = page.events
    ))?;
    Ok(found.into_iter().next().map(|f| PageSnapshotRef {
        session: f.session,
        pageview: f.pageview,
        taken_at: f.taken_at,
        device: f.pageview_device,
        blob_key: f.blob_key,
        raw_bytes: f.raw_bytes,
        sampled: f.sampled != 0,
    }))
}

pub(super) fn zone_sessions(
    store: &ClickHouseEventStore,
    site_id: i64,
    q: &PageQuery,
    selector: &str,
) -> Result<Vec<ZoneSession>> {
    #[derive(Deserialize)]
    struct Clicked {
        session: String,
        first_click: f64,
        clicked_device: String,
        clicked_converted: u8,
        clicked_revenue: f64,
    }
    let page = page(store, site_id, q)?;
    let rows: Vec<Clicked> = store.select(&format!(
        "SELECT session, min(started + before_click_ms) AS first_click,
                CAST(any(device) AS String) AS clicked_device, any(session_converted) AS clicked_converted,
                any(session_revenue) AS clicked_revenue
         FROM element_facts WHERE {} AND selector = {} AND clicks > 0
         GROUP BY session ORDER BY first_click DESC, session LIMIT {MAX_ZONE_SESSIONS}",
        page.facts,
        quote(selector)
    ))?;
    Ok(rows
        .into_iter()
        .map(|r| ZoneSession {
            session: r.session,
            // Rounded here as DuckDB casts a double to BIGINT, half to even: ClickHouse's `round` rounds
            // half away from zero on 18.16 and half to even on floats in later releases.
            at: r.first_click.round_ties_even() as i64,
            device: r.clicked_device,
            converted: r.clicked_converted != 0,
            revenue: r.clicked_revenue,
        })
        .collect())
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn mean(sum: f64, count: u64) -> Option<f64> {
    (count > 0).then(|| sum / count as f64)
}

/// Shares and cell centres to 4 decimals: exact enough to draw, stable to compare (as the embedded store).
fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// The `q` quantile of sorted values, interpolated between the two nearest ranks (DuckDB's `quantile_cont`).
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = q.clamp(0.0, 1.0) * last as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    let (a, b) = (*sorted.get(low)?, *sorted.get(high)?);
    Some(a + (b - a) * (rank - low as f64))
}

fn quantiles(sorted: &[f64]) -> Quantiles {
    Quantiles {
        median: quantile(sorted, MEDIAN),
        p75: quantile(sorted, P75),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_ranks_and_are_null_without_samples() {
        assert_eq!(quantile(&[], MEDIAN), None);
        assert_eq!(quantile(&[7.0], P75), Some(7.0));
        assert_eq!(quantile(&[1_000.0, 2_000.0], MEDIAN), Some(1_500.0));
        assert_eq!(quantile(&[1_000.0, 2_000.0], P75), Some(1_750.0));
    }

    #[test]
    fn the_reach_steps_go_from_0_to_100_percent() {
        let steps = depth_steps();
        assert!(steps.starts_with("0, 5, ") && steps.ends_with(", 100"));
    }
}
