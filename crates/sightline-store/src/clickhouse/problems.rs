//! The counts behind the problems report on ClickHouse, as the embedded store counts them: per problem (kind ×
//! page group × element) and stratum (device class × channel), the report's sessions affected by it (their
//! `counted` detection of it, current analysis only) and those that saw its page (the page groups of their
//! current analysis).

use std::collections::HashMap;

use serde::Deserialize;

use super::ClickHouseEventStore;
use super::analysis::current_analysis;
use super::http::quote;
use super::report::report_sessions;
use crate::{ProblemCounts, ProblemQuery, ProblemStratum, Result};

/// Problems counted per report, the most affected first (the embedded store's bound): the long tail of one-off
/// selectors costs time and ranks last anyway.
pub const MAX_PROBLEMS: usize = 500;

/// Sessions that saw one page, in one stratum.
#[derive(Deserialize)]
struct Exposure {
    exposed_page: String,
    stratum_device: String,
    stratum_channel: String,
    exposed_sessions: u64,
    exposed_conversions: u64,
    exposed_revenue: f64,
}

/// One problem with its strata (parallel arrays) and its sample: the session and time of the greatest (has
/// replay, last time, session) of its affected sessions (taken apart in SQL: current releases may write a tuple
/// as a JSON object).
#[derive(Deserialize)]
struct Problem {
    problem_kind: String,
    problem_page: String,
    problem_element: Option<String>,
    problem_sessions: u64,
    sample_ts: i64,
    sample_session: String,
    strata_devices: Vec<String>,
    strata_channels: Vec<String>,
    strata_affected: Vec<u64>,
    strata_conversions: Vec<u64>,
}

pub(super) fn problem_counts(
    store: &ClickHouseEventStore,
    site_id: i64,
    query: &ProblemQuery,
) -> Result<Vec<ProblemCounts>> {
    let report = report_sessions(site_id, query.from, query.to, &query.filters)?;
    // The report's sessions with their stratum and outcome. Aliases differ from the merged columns (an alias
    // equal to a column's name would stand for it in the whole query).
    let sessions = format!(
        "SELECT s.session AS session, CAST(s.device AS String) AS stratum_device,
                ifNull(s.channel, '') AS stratum_channel, toUInt8(s.conversions > 0) AS session_converted,
                s.revenue AS session_revenue, toUInt8(s.replay_chunks > 0) AS session_replay {report}"
    );
    let current = current_analysis(site_id);
    let exposure: Vec<Exposure> = store.select(&format!(
        "SELECT exposed_page, stratum_device, stratum_channel, count() AS exposed_sessions,
                countIf(session_converted = 1) AS exposed_conversions, sum(session_revenue) AS exposed_revenue
         FROM (SELECT session, arrayJoin(page_groups) AS exposed_page FROM session_analysis
               WHERE site_id = {site_id} AND {current})
         ANY INNER JOIN ({sessions}) USING session
         GROUP BY exposed_page, stratum_device, stratum_channel"
    ))?;
    let exposure: HashMap<(String, String, String), (u64, u64, f64)> = exposure
        .into_iter()
        .map(|e| {
            (
                (e.exposed_page, e.stratum_device, e.stratum_channel),
                (e.exposed_sessions, e.exposed_conversions, e.exposed_revenue),
            )
        })
        .collect();
    let mut filter = String::new();
    if let Some(kind) = &query.kind {
        filter.push_str(&format!(" AND kind = {}", quote(kind)));
    }
    if let Some(page) = &query.page {
        filter.push_str(&format!(" AND page_group = {}", quote(page)));
    }
    // Affected sessions per problem and stratum, then per problem with its strata as arrays (no window
    // functions): the most affected problems only. The sample's time is the greatest tuple's: the latest
    // occurrence in a session with a replay if there is one, else the latest.
    let problems: Vec<Problem> = store.select(&format!(
        "SELECT problem_kind, problem_page, problem_element, sum(affected) AS problem_sessions,
                tupleElement(max(stratum_sample), 2) AS sample_ts,
                tupleElement(max(stratum_sample), 3) AS sample_session,
                groupArray(stratum_device) AS strata_devices,
                groupArray(stratum_channel) AS strata_channels, groupArray(affected) AS strata_affected,
                groupArray(affected_conversions) AS strata_conversions
         FROM (SELECT kind AS problem_kind, assumeNotNull(page_group) AS problem_page,
                      element AS problem_element, stratum_device, stratum_channel, count() AS affected,
                      countIf(session_converted = 1) AS affected_conversions,
                      max(tuple(session_replay, assumeNotNull(last_ts), session)) AS stratum_sample
               FROM detections ANY INNER JOIN ({sessions}) USING session
               WHERE site_id = {site_id} AND counted = 1 AND page_group IS NOT NULL{filter} AND {current}
               GROUP BY problem_kind, problem_page, problem_element, stratum_device, stratum_channel)
         GROUP BY problem_kind, problem_page, problem_element
         ORDER BY problem_sessions DESC, problem_kind, problem_page, problem_element
         LIMIT {MAX_PROBLEMS}"
    ))?;
    Ok(problems
        .into_iter()
        .map(|p| counts_of(p, &exposure))
        .collect())
}

/// A problem's counts, with the exposure of its page in each stratum (also in those nobody was affected in:
/// they count for the crude unaffected rate, the stratified estimate gives them no weight).
fn counts_of(
    p: Problem,
    exposure: &HashMap<(String, String, String), (u64, u64, f64)>,
) -> ProblemCounts {
    let mut strata: Vec<ProblemStratum> = p
        .strata_devices
        .into_iter()
        .zip(p.strata_channels)
        .zip(p.strata_affected.into_iter().zip(p.strata_conversions))
        .map(|((device, channel), (affected, affected_conversions))| {
            let (exposed, exposed_conversions, exposed_revenue) = exposure
                .get(&(p.problem_page.clone(), device.clone(), channel.clone()))
                .copied()
                .unwrap_or_default();
            ProblemStratum {
                affected,
                affected_conversions,
                // An affected session saw the page; the max guards a session analysed between the two queries.
                exposed: exposed.max(affected),
                exposed_conversions,
                exposed_revenue,
                device,
                channel,
            }
        })
        .collect();
    for ((page, device, channel), (exposed, conversions, revenue)) in exposure {
        let known = strata
            .iter()
            .any(|s| &s.device == device && &s.channel == channel);
        if page == &p.problem_page && !known {
            strata.push(ProblemStratum {
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
    strata.sort_by(|a, b| (&a.device, &a.channel).cmp(&(&b.device, &b.channel)));
    ProblemCounts {
        kind: p.problem_kind,
        page: p.problem_page,
        element: p.problem_element,
        sessions_affected: p.problem_sessions,
        strata,
        sample: Some((p.sample_session, p.sample_ts)),
    }
}
