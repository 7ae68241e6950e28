//! The funnel events of each unit (session or visitor): one scan of the events that match a step, each with the
//! mask of the steps it matches, listed per unit in time order (ClickHouse: `groupArray` + `arraySort`). The
//! funnel itself is `sightline_insight::funnel`.

use duckdb::arrow::array::{Array, Int64Array, StringArray, UInt32Array, UInt64Array};
use duckdb::{Connection, ToSql};

use super::report::report_sessions;
use crate::{
    FunnelBreakdown, FunnelMatch, FunnelQuery, FunnelStepQuery, FunnelUnit,
    MAX_FUNNEL_EVENTS_PER_UNIT, Result, SessionFilters, StoreError,
};

/// How long before the range a session may have started and still hold a funnel's first step: the filters
/// and segments select sessions that started from this much before `from`.
const SESSION_LEAD_MS: i64 = 86_400_000;

/// What a step matches: an event type, and a condition on an event of that type with its values in order.
struct StepMatch {
    kind: &'static str,
    sql: String,
    values: Vec<String>,
}

fn step_match(step: &FunnelStepQuery) -> StepMatch {
    let (kind, mut sql, mut values) = match &step.matches {
        FunnelMatch::Page(page) => (
            "pageview",
            "(e.path = ? OR e.page_group = ?)".to_string(),
            vec![page.clone(), page.clone()],
        ),
        FunnelMatch::Click(selector) => (
            "click",
            "e.selector = ?".to_string(),
            vec![selector.clone()],
        ),
        FunnelMatch::Event(name) => ("custom", "e.name = ?".to_string(), vec![name.clone()]),
    };
    if let Some(page) = &step.on_page {
        values.extend([page.clone(), page.clone()]);
        sql.push_str(" AND (e.path = ? OR e.page_group = ?)");
    }
    StepMatch {
        kind,
        sql: format!("({sql})"),
        values,
    }
}

fn bind(args: &mut Vec<Box<dyn ToSql>>, values: &[String]) {
    args.extend(values.iter().map(|v| Box::new(v.clone()) as Box<dyn ToSql>));
}

/// The mask of the steps an event matches: one `CASE` on the event type, each branch the sum of that type's steps
/// (the type is compared once per event, not once per step: about a tenth of the funnel's time at 100 M events),
/// 0 for the other types. Events with a mask of 0 are no step and are left out.
fn step_mask(steps: &[StepMatch], args: &mut Vec<Box<dyn ToSql>>) -> String {
    let mut kinds: Vec<&str> = steps.iter().map(|s| s.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut branches = String::new();
    for kind in kinds {
        let mut sum = Vec::new();
        for (k, step) in steps.iter().enumerate().filter(|(_, s)| s.kind == kind) {
            bind(args, &step.values);
            sum.push(format!(
                "CASE WHEN {} THEN {} ELSE 0 END",
                step.sql,
                1u32 << k
            ));
        }
        branches.push_str(&format!(" WHEN '{kind}' THEN {}", sum.join(" + ")));
    }
    format!("(CASE e.type{branches} ELSE 0 END)::UINTEGER")
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

/// Calls `each` with the funnel events of every unit that has one, unit by unit (they stream in unit order,
/// so memory holds one unit at a time, not all of them; the unit's buffers are reused for the next).
pub(super) fn units(
    conn: &Connection,
    site_id: i64,
    q: &FunnelQuery,
    each: &mut dyn FnMut(&FunnelUnit),
) -> Result<()> {
    if q.steps.is_empty() || q.steps.len() > 31 {
        return Err(StoreError::Invalid("a funnel has 1 to 31 steps".into()));
    }
    let until = q.to.saturating_add(q.window_ms);
    let joined = q.by_visitor || q.breakdown.is_some() || q.filters != SessionFilters::default();
    let steps: Vec<StepMatch> = q.steps.iter().map(step_match).collect();
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    let mask = step_mask(&steps, &mut args);
    let (unit, join, with_breakdown) = if joined {
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
            q.breakdown.is_some(),
        )
    } else {
        ("e.session", String::new(), false)
    };
    args.extend([
        Box::new(site_id) as Box<dyn ToSql>,
        Box::new(q.from),
        Box::new(until),
    ]);
    // Only the columns this funnel reads, a unit told apart by a 64-bit hash of its key (two of a million units
    // share one with a chance of about n² / 2⁶⁵, 3 in 10⁸): the sort below carries every column (a NULL one too),
    // and with wider rows it outgrows the memory limit at 100 M events and spills.
    let mut inner = format!("{unit} AS unit_key, e.ts, {mask} AS mask");
    let mut columns = "hash(unit_key) AS unit, ts, mask".to_string();
    if q.with_sessions {
        inner.push_str(", e.session");
        columns.push_str(", session");
    }
    if with_breakdown {
        inner.push_str(", s.breakdown::VARCHAR AS breakdown");
        columns.push_str(", breakdown");
    }
    // Rows sorted by unit stream out of DuckDB's sort (which spills), instead of a grouped list per unit held
    // in memory by the aggregate.
    let sql = format!(
        "SELECT {columns}
         FROM (SELECT {inner} FROM events e {join} WHERE e.site_id = ? AND e.ts >= ? AND e.ts < ?)
         WHERE mask <> 0
         ORDER BY unit, ts, mask"
    );
    let args: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
    let mut stmt = conn.prepare(&sql)?;
    // One unit's buffers, reused from unit to unit (a million units at 100 M events).
    let mut unit = FunnelUnit::default();
    let mut key: Option<u64> = None;
    let mut finish = |unit: &FunnelUnit| {
        if unit
            .masks
            .iter()
            .zip(&unit.ts)
            .any(|(m, t)| m % 2 == 1 && *t >= q.from && *t < q.to)
        {
            each(unit);
        }
    };
    for batch in stmt.query_arrow(args.as_slice())? {
        let column = |i: usize| batch.column(i).as_any();
        let not_read = || StoreError::Corrupt("funnel rows of an unexpected type".into());
        let units = column(0)
            .downcast_ref::<UInt64Array>()
            .ok_or_else(not_read)?;
        let ts = column(1)
            .downcast_ref::<Int64Array>()
            .ok_or_else(not_read)?;
        let masks = column(2)
            .downcast_ref::<UInt32Array>()
            .ok_or_else(not_read)?;
        // The optional columns, when selected, follow the three above in this order.
        let strings = |selected: bool, i: usize| -> Result<Option<&StringArray>> {
            if !selected {
                return Ok(None);
            }
            column(i)
                .downcast_ref::<StringArray>()
                .map(Some)
                .ok_or_else(not_read)
        };
        let sessions = strings(q.with_sessions, 3)?;
        let breakdowns = strings(with_breakdown, 3 + usize::from(q.with_sessions))?;
        for row in 0..batch.num_rows() {
            let this = units.value(row);
            if key != Some(this) {
                if key.is_some() {
                    finish(&unit);
                }
                key = Some(this);
                unit.ts.clear();
                unit.masks.clear();
                unit.sessions.clear();
                unit.breakdown = breakdowns
                    .filter(|b| !b.is_null(row))
                    .map(|b| b.value(row).to_string());
            }
            if unit.ts.len() < MAX_FUNNEL_EVENTS_PER_UNIT {
                unit.ts.push(ts.value(row));
                unit.masks.push(masks.value(row));
                // A session unit's events are all of its one session: listed once.
                if let Some(sessions) = sessions
                    && (q.by_visitor || unit.sessions.is_empty())
                {
                    unit.sessions.push(sessions.value(row).to_string());
                }
            }
        }
    }
    if key.is_some() {
        finish(&unit);
    }
    Ok(())
}
