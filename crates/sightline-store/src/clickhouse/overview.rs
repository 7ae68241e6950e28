//! Overview numbers and the daily series on ClickHouse, over the report's merged sessions.

use serde::Deserialize;

use super::ClickHouseEventStore;
use super::report::report_sessions;
use crate::{Breakdown, Overview, OverviewQuery, Result, SeriesPoint};

const DAY_MS: i64 = 86_400_000;

/// The session breakdowns, by the column they group.
const BREAKDOWNS: [&str; 5] = ["entry_page", "exit_page", "channel", "device", "browser"];

/// Aliases are `n_…`: an alias equal to a column's name would stand for the aggregate in the filters too.
#[derive(Deserialize)]
struct Totals {
    #[serde(rename = "n_visitors")]
    visitors: u64,
    #[serde(rename = "n_sessions")]
    sessions: u64,
    #[serde(rename = "n_pageviews")]
    pageviews: u64,
    bounce_rate: f64,
    avg_duration_ms: f64,
}

#[derive(Deserialize)]
struct Row {
    dimension: u8,
    name: String,
    #[serde(rename = "n_visitors")]
    visitors: u64,
    #[serde(rename = "n_pageviews")]
    pageviews: u64,
}

impl From<Row> for Breakdown {
    fn from(r: Row) -> Self {
        Breakdown {
            name: r.name,
            visitors: r.visitors,
            pageviews: r.pageviews,
        }
    }
}

pub(super) fn overview(
    store: &ClickHouseEventStore,
    site_id: i64,
    query: &OverviewQuery,
) -> Result<Overview> {
    let report = report_sessions(site_id, query.from, query.to, &query.filters)?;
    // `count()` of nothing is 0, but avg of nothing is nan: empty reports answer 0 as the embedded store does.
    let totals: Vec<Totals> = store.select(&format!(
        "SELECT uniqExact(s.visitor) AS n_visitors, count() AS n_sessions,
                toUInt64(sum(s.pageviews)) AS n_pageviews,
                if(count() = 0, 0, avg(s.pageviews = 1)) AS bounce_rate,
                if(count() = 0, 0, avg(s.duration_ms)) AS avg_duration_ms
         {report}"
    ))?;
    let limit = query.limit;
    // Every breakdown of the same sessions, the top `limit` of each (LIMIT BY: no window functions on 18.16).
    let parts: Vec<String> = BREAKDOWNS
        .iter()
        .enumerate()
        .map(|(i, column)| {
            format!(
                "SELECT toUInt8({i}) AS dimension, ifNull(s.{column}, '(none)') AS name,
                        uniqExact(s.visitor) AS n_visitors, toUInt64(sum(s.pageviews)) AS n_pageviews
                 {report} GROUP BY name"
            )
        })
        .collect();
    let rows: Vec<Row> = store.select(&format!(
        "SELECT dimension, name, n_visitors, n_pageviews FROM ({})
         ORDER BY dimension, n_visitors DESC, n_pageviews DESC, name LIMIT {limit} BY dimension",
        parts.join(" UNION ALL ")
    ))?;
    let mut breakdowns: [Vec<Breakdown>; 5] = Default::default();
    for row in rows {
        if let Some(list) = breakdowns.get_mut(usize::from(row.dimension)) {
            list.push(row.into());
        }
    }
    let [entry_pages, exit_pages, channels, devices, browsers] = breakdowns;
    // The pageviews of the report's sessions, from their rows' page paths.
    let top_pages: Vec<Row> = store.select(&format!(
        "SELECT toUInt8(0) AS dimension, path AS name, uniqExact(page_visitor) AS n_visitors,
                count() AS n_pageviews
         FROM (SELECT s.visitor AS page_visitor, arrayJoin(s.page_paths) AS path {report})
         GROUP BY path ORDER BY n_visitors DESC, n_pageviews DESC, name LIMIT {limit}"
    ))?;
    let totals = totals.into_iter().next().unwrap_or(Totals {
        visitors: 0,
        sessions: 0,
        pageviews: 0,
        bounce_rate: 0.0,
        avg_duration_ms: 0.0,
    });
    Ok(Overview {
        visitors: totals.visitors,
        sessions: totals.sessions,
        pageviews: totals.pageviews,
        bounce_rate: totals.bounce_rate,
        avg_duration_ms: totals.avg_duration_ms,
        top_pages: top_pages.into_iter().map(Breakdown::from).collect(),
        entry_pages,
        exit_pages,
        channels,
        devices,
        browsers,
    })
}

pub(super) fn series(
    store: &ClickHouseEventStore,
    site_id: i64,
    query: &OverviewQuery,
) -> Result<Vec<SeriesPoint>> {
    #[derive(Deserialize)]
    struct Point {
        day: i64,
        #[serde(rename = "n_visitors")]
        visitors: u64,
        #[serde(rename = "n_sessions")]
        sessions: u64,
        #[serde(rename = "n_pageviews")]
        pageviews: u64,
    }
    let report = report_sessions(site_id, query.from, query.to, &query.filters)?;
    let points: Vec<Point> = store.select(&format!(
        "SELECT intDiv(s.started, {DAY_MS}) * {DAY_MS} AS day, uniqExact(s.visitor) AS n_visitors,
                count() AS n_sessions, toUInt64(sum(s.pageviews)) AS n_pageviews
         {report} GROUP BY day ORDER BY day"
    ))?;
    Ok(points
        .into_iter()
        .map(|p| SeriesPoint {
            day: p.day,
            visitors: p.visitors,
            sessions: p.sessions,
            pageviews: p.pageviews,
        })
        .collect())
}
