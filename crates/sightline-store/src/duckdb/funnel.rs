//! The funnel events of each unit (session or visitor): one scan of the events that match a step, each with the
//! mask of the steps it matches, listed per unit in time order (ClickHouse: `groupArray` + `arraySort`). The
//! funnel itself is `sightline_insight::funnel`.

use duckdb::arrow::array::{Array, Int64Array, ListArray, StringArray};
use duckdb::{Connection, ToSql};

use super::report::report_sessions;
use crate::{
    FunnelBreakdown, FunnelMatch, FunnelQuery, FunnelStepQuery, FunnelUnit,
    MAX_FUNNEL_EVENTS_PER_UNIT, Result, SessionFilters, StoreError,
};

/// How long before the range a session may have started and still hold a funnel's first step: the filters
/// and segments select sessions that started from this much before `from`.
const SESSION_LEAD_MS: i64 = 86_400_000;

fn step_condition(step: &FunnelStepQuery, args: &mut Vec<Box<dyn ToSql>>) -> String {
    let mut sql = match &step.matches {
        FunnelMatch::Page(page) => {
            args.push(Box::new(page.clone()));
            args.push(Box::new(page.clone()));
            "(e.type = 'pageview' AND (e.path = ? OR e.page_group = ?)".to_string()
        }
        FunnelMatch::Click(selector) => {
            args.push(Box::new(selector.clone()));
            "(e.type = 'click' AND e.selector = ?".to_string()
        }
        FunnelMatch::Event(name) => {
            args.push(Box::new(name.clone()));
            "(e.type = 'custom' AND e.name = ?".to_string()
        }
    };
    if let Some(page) = &step.on_page {
        args.push(Box::new(page.clone()));
        args.push(Box::new(page.clone()));
        sql.push_str(" AND (e.path = ? OR e.page_group = ?)");
    }
    sql.push(')');
    sql
}

fn breakdown_column(b: FunnelBreakdown) -> &'static str {
    match b {
        FunnelBreakdown::Device => "s.device",
        FunnelBreakdown::Browser => "s.browser",
        FunnelBreakdown::Os => "s.os",
        FunnelBreakdown::Channel => "coalesce(s.channel, '')",
        FunnelBreakdown::UtmSource => "coalesce(s.utm_source, '')",
        FunnelBreakdown::UtmMedium => "coalesce(s.utm_medium, '')",
        FunnelBreakdown::UtmCampaign => "coalesce(s.utm_campaign, '')",
        FunnelBreakdown::EntryPage => "coalesce(s.entry_group, s.entry_page, '')",
        FunnelBreakdown::Visitor => {
            "CASE WHEN EXISTS (SELECT 1 FROM visitors v WHERE v.site_id = s.site_id
                 AND v.visitor_hash = s.visitor_hash AND v.first_seen < s.started) THEN 'returning' ELSE 'new' END"
        }
    }
}

pub(super) fn units(conn: &Connection, site_id: i64, q: &FunnelQuery) -> Result<Vec<FunnelUnit>> {
    if q.steps.is_empty() || q.steps.len() > 31 {
        return Err(StoreError::Invalid("a funnel has 1 to 31 steps".into()));
    }
    let until = q.to.saturating_add(q.window_ms);
    let joined = q.by_visitor || q.breakdown.is_some() || q.filters != SessionFilters::default();
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    let masks: Vec<String> = q
        .steps
        .iter()
        .enumerate()
        .map(|(k, step)| {
            format!(
                "CASE WHEN {} THEN {} ELSE 0 END",
                step_condition(step, &mut args),
                1u32 << k
            )
        })
        .collect();
    let mask = format!("({})::BIGINT", masks.join(" + "));
    let (unit, join, breakdown) = if joined {
        let report = report_sessions(
            site_id,
            q.from.saturating_sub(SESSION_LEAD_MS),
            until,
            &q.filters,
            None,
        );
        let column = q.breakdown.map_or("NULL", breakdown_column);
        args.extend(report.args);
        (
            if q.by_visitor {
                "s.visitor_hash::VARCHAR"
            } else {
                "e.session"
            },
            format!(
                "JOIN (SELECT s.session, s.visitor_hash, {column} AS breakdown {}) s ON s.session = e.session",
                report.sql
            ),
            "s.breakdown",
        )
    } else {
        ("e.session", String::new(), "NULL")
    };
    args.extend([
        Box::new(site_id) as Box<dyn ToSql>,
        Box::new(q.from),
        Box::new(until),
    ]);
    let any: Vec<String> = q
        .steps
        .iter()
        .map(|s| step_condition(s, &mut args))
        .collect();
    args.extend([Box::new(q.from) as Box<dyn ToSql>, Box::new(q.to)]);
    let max = MAX_FUNNEL_EVENTS_PER_UNIT;
    let sql = format!(
        "SELECT list(ts ORDER BY ts, mask)[1:{max}], list(mask ORDER BY ts, mask)[1:{max}],
                list(session ORDER BY ts, mask)[1:{max}], arg_min(breakdown, ts)::VARCHAR
         FROM (SELECT {unit} AS unit, e.ts, {mask} AS mask, e.session, {breakdown} AS breakdown
               FROM events e {join}
               WHERE e.site_id = ? AND e.ts >= ? AND e.ts < ? AND e.type IN ('pageview', 'click', 'custom')
                 AND ({}))
         GROUP BY unit
         HAVING bool_or(mask % 2 = 1 AND ts >= ? AND ts < ?)",
        any.join(" OR ")
    );
    let args: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
    let mut stmt = conn.prepare(&sql)?;
    let mut units = Vec::new();
    for batch in stmt.query_arrow(args.as_slice())? {
        let lists = |i: usize| {
            batch
                .column(i)
                .as_any()
                .downcast_ref::<ListArray>()
                .ok_or_else(|| StoreError::Corrupt(format!("funnel column {i} is not a list")))
        };
        let (ts, masks, sessions) = (lists(0)?, lists(1)?, lists(2)?);
        let breakdowns = batch.column(3).as_any().downcast_ref::<StringArray>();
        for row in 0..batch.num_rows() {
            let ints = |list: &ListArray| -> Vec<i64> {
                let values = list.value(row);
                values
                    .as_any()
                    .downcast_ref::<Int64Array>()
                    .map(|a| a.values().to_vec())
                    .unwrap_or_default()
            };
            let keys = sessions.value(row);
            let keys = keys.as_any().downcast_ref::<StringArray>();
            units.push(FunnelUnit {
                ts: ints(ts),
                masks: ints(masks).into_iter().map(|m| m as u32).collect(),
                sessions: keys.map_or_else(Vec::new, |k| {
                    (0..k.len()).map(|i| k.value(i).to_string()).collect()
                }),
                breakdown: breakdowns
                    .filter(|b| !b.is_null(row))
                    .map(|b| b.value(row).to_string()),
            });
        }
    }
    Ok(units)
}
