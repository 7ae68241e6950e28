//! The counts behind the problems report: per problem (kind × page group × element) and stratum (device class ×
//! channel), the report's sessions affected by it and those that saw its page. The statistics on these counts
//! (stratified difference, interval, cost) are `sightline_insight::cost`.

use std::collections::HashMap;

use duckdb::{Connection, ToSql};

use super::report::{begin_report, end_report};
use crate::{ProblemCounts, ProblemQuery, ProblemStratum, Result};

/// Problems counted per report, the most affected first: the long tail of one-off selectors costs time and
/// ranks last anyway.
pub const MAX_PROBLEMS: usize = 500;

pub(super) fn problem_counts(
    conn: &Connection,
    site_id: i64,
    query: &ProblemQuery,
) -> Result<Vec<ProblemCounts>> {
    let report = begin_report(conn, site_id, query.from, query.to, &query.filters)?;
    // The report's sessions as narrow rows (a 64-bit hash of the session, a stratum number): the two joins
    // below build their hash tables on them, and with the session string and the stratum's names in each row
    // they outgrew the memory limit at 100 M events and spilled (3.9 s → 2.4 s). Two of the 3 M sessions share
    // a hash with a chance of about n² / 2⁶⁵, 3 in 10⁷.
    let strata = format!(
        "CREATE OR REPLACE TEMP TABLE problem_strata AS
         SELECT (row_number() OVER (ORDER BY device, channel))::USMALLINT AS stratum, device, channel
         FROM (SELECT DISTINCT s.device, coalesce(s.channel, '') AS channel {})",
        report.sql
    );
    let sessions = format!(
        "CREATE OR REPLACE TEMP TABLE problem_sessions AS
         SELECT hash(s.session) AS session_key, p.stratum, s.conversions > 0 AS converted, s.revenue,
                s.replay_chunks > 0 AS has_replay
         FROM (SELECT s.* {}) s JOIN problem_strata p ON p.device = s.device AND p.channel = coalesce(s.channel, '')",
        report.sql
    );
    let made = conn
        .execute(&strata, report.args().as_slice())
        .and_then(|_| conn.execute(&sessions, report.args().as_slice()));
    end_report(conn)?;
    made?;
    let counts = counts(conn, site_id, query);
    conn.execute_batch(
        "DROP TABLE IF EXISTS problem_sessions; DROP TABLE IF EXISTS problem_strata",
    )?;
    counts
}

fn counts(conn: &Connection, site_id: i64, query: &ProblemQuery) -> Result<Vec<ProblemCounts>> {
    // Exposure: the report's sessions per page group they saw and stratum.
    let mut exposure: HashMap<(String, String, String), (u64, u64, f64)> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT x.g, p.device, p.channel, x.sessions, x.converted, x.revenue
             FROM (SELECT g, stratum, count(*) AS sessions, count(*) FILTER (WHERE converted) AS converted,
                          coalesce(sum(revenue), 0) AS revenue
                   FROM (SELECT r.stratum, r.converted, r.revenue, unnest(a.page_groups) AS g
                         FROM problem_sessions r
                         JOIN session_analysis a ON a.site_id = ? AND hash(a.session) = r.session_key)
                   GROUP BY ALL) x
             JOIN problem_strata p USING (stratum)",
        )?;
        let rows = stmt.query_map([site_id], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get(1)?, r.get(2)?),
                (
                    r.get::<_, i64>(3)?.max(0) as u64,
                    r.get::<_, i64>(4)?.max(0) as u64,
                    r.get::<_, f64>(5)?,
                ),
            ))
        })?;
        for row in rows {
            let (key, value) = row?;
            exposure.insert(key, value);
        }
    }
    let mut filter = String::new();
    let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(site_id)];
    if let Some(kind) = &query.kind {
        filter.push_str(" AND d.kind = ?");
        args.push(Box::new(kind.clone()));
    }
    if let Some(page) = &query.page {
        filter.push_str(" AND d.page_group = ?");
        args.push(Box::new(page.clone()));
    }
    args.push(Box::new(MAX_PROBLEMS as i64));
    // Affected sessions per problem and stratum (a session's `counted` detection of the problem), the problems
    // limited to the most affected; the sample is the latest occurrence, in a session with a replay if any.
    let sql = format!(
        "WITH strata AS (
             SELECT d.kind, d.page_group, d.element, r.stratum, count(*) AS affected,
                    count(*) FILTER (WHERE r.converted) AS converted,
                    max({{'has_replay': r.has_replay, 'ts': d.last_ts, 'session': d.session}}) AS sample,
                    max(d.last_ts) FILTER (WHERE r.has_replay) AS replay_ts, max(d.last_ts) AS last_ts
             FROM detections d JOIN problem_sessions r ON r.session_key = hash(d.session)
             WHERE d.site_id = ? AND d.counted AND d.page_group IS NOT NULL {filter}
             GROUP BY ALL),
         top AS (
             SELECT kind, page_group, element, sum(affected) AS sessions, max(sample).session AS sample_session,
                    max(replay_ts) AS replay_ts, max(last_ts) AS last_ts
             FROM strata GROUP BY ALL
             ORDER BY sessions DESC, kind, page_group, element LIMIT ?)
         SELECT t.kind, t.page_group, t.element, t.sessions::BIGINT, t.sample_session,
                coalesce(t.replay_ts, t.last_ts), p.device, p.channel, s.affected, s.converted
         FROM top t JOIN strata s ON s.kind = t.kind AND s.page_group = t.page_group
                                  AND s.element IS NOT DISTINCT FROM t.element
                    JOIN problem_strata p ON p.stratum = s.stratum
         ORDER BY t.sessions DESC, t.kind, t.page_group, t.element, p.device, p.channel"
    );
    let args: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(args.as_slice())?;
    let mut problems: Vec<ProblemCounts> = Vec::new();
    while let Some(r) = rows.next()? {
        let kind: String = r.get(0)?;
        let page: String = r.get(1)?;
        let element: Option<String> = r.get(2)?;
        let same = problems
            .last()
            .is_some_and(|p| p.kind == kind && p.page == page && p.element == element);
        if !same {
            problems.push(ProblemCounts {
                sessions_affected: r.get::<_, i64>(3)?.max(0) as u64,
                sample: match (r.get::<_, Option<String>>(4)?, r.get::<_, Option<i64>>(5)?) {
                    (Some(session), Some(ts)) => Some((session, ts)),
                    _ => None,
                },
                kind,
                page,
                element,
                strata: Vec::new(),
            });
        }
        let device: String = r.get(6)?;
        let channel: String = r.get(7)?;
        let Some(problem) = problems.last_mut() else {
            continue;
        };
        let (exposed, exposed_conversions, exposed_revenue) = exposure
            .get(&(problem.page.clone(), device.clone(), channel.clone()))
            .copied()
            .unwrap_or_default();
        let affected = r.get::<_, i64>(8)?.max(0) as u64;
        problem.strata.push(ProblemStratum {
            affected,
            affected_conversions: r.get::<_, i64>(9)?.max(0) as u64,
            // An affected session saw the page; the max guards a session analysed between the two queries.
            exposed: exposed.max(affected),
            exposed_conversions,
            exposed_revenue,
            device,
            channel,
        });
    }
    // The page's strata nobody was affected in: they count for the crude unaffected rate (the stratified
    // estimate gives them no weight).
    for problem in &mut problems {
        for ((page, device, channel), (exposed, conversions, revenue)) in &exposure {
            let known = problem
                .strata
                .iter()
                .any(|s| &s.device == device && &s.channel == channel);
            if page == &problem.page && !known {
                problem.strata.push(ProblemStratum {
                    device: device.clone(),
                    channel: channel.clone(),
                    affected: 0,
                    affected_conversions: 0,
                    exposed: *exposed,
                    exposed_conversions: *conversions,
                    exposed_revenue: *revenue,
                });
            }
        }
        problem
            .strata
            .sort_by(|a, b| (&a.device, &a.channel).cmp(&(&b.device, &b.channel)));
    }
    Ok(problems)
}
