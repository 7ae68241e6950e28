//! Retention cohorts from the sessions table: visitors first seen (or who first did an event) in the range,
//! grouped by the period of that first time, and in which later periods they came back.

use std::collections::BTreeMap;

use duckdb::{Connection, ToSql};
use sightline_insight::dates::utc_date;

use super::report::report_sessions;
use crate::{Cohort, Customers, Result, RetentionQuery, RetentionReport};

/// The first time in a session's journey of the custom event bound at this place.
const FIRST_EVENT_TS: &str = "list_filter(coalesce(s.journey, []), j -> j.event = ?)[1].ts";

pub(super) fn retention(
    conn: &Connection,
    site_id: i64,
    q: &RetentionQuery,
    until: i64,
) -> Result<RetentionReport> {
    let period = q.period.ms();
    let origin = q.period.origin();
    let report = report_sessions(site_id, q.from, q.to, &q.filters, None);
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    // Each member's first time: its first visit ever, or its first occurrence of the cohort event ever, and the
    // session of that first time must be one of the report's (in the range, matching the filters).
    let (firsts, cohort_first) = match &q.cohort_event {
        None => {
            args.push(Box::new(site_id));
            (
                "SELECT visitor_hash, first_seen AS first FROM visitors WHERE site_id = ?"
                    .to_string(),
                "s.started".to_string(),
            )
        }
        Some(event) => {
            args.push(Box::new(event.clone()));
            args.push(Box::new(site_id));
            args.push(Box::new(event.clone()));
            (
                format!(
                    "SELECT s.visitor_hash, min({FIRST_EVENT_TS}) AS first FROM sessions s
                     WHERE s.site_id = ? AND list_contains(list_transform(coalesce(s.journey, []), j -> j.event), ?)
                     GROUP BY ALL"
                ),
                FIRST_EVENT_TS.to_string(),
            )
        }
    };
    if let Some(event) = &q.cohort_event {
        args.push(Box::new(event.clone()));
    }
    args.extend(report.args);
    let (return_ts, return_filter) = match &q.return_event {
        None => ("s.started".to_string(), "s.pageviews > 0".to_string()),
        Some(_) => (
            FIRST_EVENT_TS.to_string(),
            "list_contains(list_transform(coalesce(s.journey, []), j -> j.event), ?)".to_string(),
        ),
    };
    if let Some(event) = &q.return_event {
        args.push(Box::new(event.clone()));
    }
    args.push(Box::new(site_id));
    if let Some(event) = &q.return_event {
        args.push(Box::new(event.clone()));
    }
    let horizon = q.periods as i64;
    // Computed here: DuckDB types two integer literals as INT32, and 8 weeks of milliseconds overflow it.
    let horizon_ms = horizon * period;
    let sql = format!(
        "WITH firsts AS ({firsts}),
         members AS (
             SELECT DISTINCT c.visitor_hash,
                    ((c.first - {origin}) // {period}) * {period} + {origin} AS cohort
             FROM (SELECT s.visitor_hash, {cohort_first} AS first {}) c
             JOIN firsts f ON f.visitor_hash = c.visitor_hash AND f.first = c.first),
         returns AS (
             SELECT s.visitor_hash, {return_ts} AS ts FROM sessions s WHERE s.site_id = ? AND {return_filter})
         SELECT m.cohort, -1 AS k, count(*) FROM members m GROUP BY ALL
         UNION ALL
         SELECT m.cohort, (((r.ts - {origin}) // {period}) * {period} + {origin} - m.cohort) // {period} AS k,
                count(DISTINCT m.visitor_hash)
         FROM members m JOIN returns r ON r.visitor_hash = m.visitor_hash AND r.ts >= m.cohort
         WHERE r.ts < m.cohort + {horizon_ms}
         GROUP BY ALL",
        report.sql
    );
    let args_ref: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
    let mut stmt = conn.prepare(&sql)?;
    let mut cohorts: BTreeMap<i64, (u64, Vec<u64>)> = BTreeMap::new();
    let mut rows = stmt.query(args_ref.as_slice())?;
    while let Some(r) = rows.next()? {
        let (cohort, k, n): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        // Periods that have begun by `until`.
        let begun = ((until - cohort) / period + 1).clamp(0, horizon) as usize;
        let entry = cohorts.entry(cohort).or_insert_with(|| (0, vec![0; begun]));
        match usize::try_from(k) {
            Err(_) => entry.0 = n.max(0) as u64,
            Ok(k) => {
                if let Some(slot) = entry.1.get_mut(k) {
                    *slot = n.max(0) as u64;
                }
            }
        }
    }
    Ok(RetentionReport {
        period: q.period,
        cohorts: cohorts
            .into_iter()
            .map(|(start, (size, returned))| Cohort {
                start: utc_date(start),
                size,
                returned,
            })
            .collect(),
        customers: customers(conn, site_id, q)?,
    })
}

/// Visitors with a converting report session: how many, how many had visited before their first one, and how
/// many converted in two or more.
fn customers(conn: &Connection, site_id: i64, q: &RetentionQuery) -> Result<Customers> {
    let report = report_sessions(site_id, q.from, q.to, &q.filters, None);
    let sql = format!(
        "SELECT count(*), count(*) FILTER (WHERE v.first_seen < c.first_purchase), count(*) FILTER (WHERE c.n >= 2)
         FROM (SELECT s.visitor_hash, min(s.started) AS first_purchase, count(*) AS n {} AND s.conversions > 0
               GROUP BY ALL) c
         JOIN visitors v ON v.site_id = ? AND v.visitor_hash = c.visitor_hash",
        report.sql
    );
    let mut args = report.args();
    args.push(&site_id);
    let (customers, returning, repeat): (i64, i64, i64) =
        conn.query_row(&sql, args.as_slice(), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let customers = customers.max(0) as u64;
    let repeat_customers = repeat.max(0) as u64;
    Ok(Customers {
        customers,
        returning_customers: returning.max(0) as u64,
        repeat_customers,
        repeat_purchase_rate: if customers == 0 {
            0.0
        } else {
            repeat_customers as f64 / customers as f64
        },
    })
}
