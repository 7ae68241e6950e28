//! Experience monitoring on ClickHouse, as the embedded store answers it: JS errors grouped by fingerprint,
//! failed requests grouped by method and URL pattern (the current analyses' `failed_request` detections), and
//! web vitals per page group and device class.

use std::collections::HashMap;

use serde::Deserialize;
use sightline_insight::vitals;

use super::ClickHouseEventStore;
use super::analysis::current_analysis;
use super::report::report_sessions;
use super::text_list;
use crate::{IssueGroup, MAX_ISSUE_GROUPS, OverviewQuery, Result, SessionFilters, VitalStats};

/// Pages, browsers and sample sessions kept per group.
const TOP_PER_GROUP: usize = 5;
/// The most recent occurrences of a group its sample sessions come from.
const RECENT_OCCURRENCES: usize = 100;
/// The percentile of a vital's samples the report shows (web-vitals rate a page by it).
const VITAL_QUANTILE: f64 = 0.75;

/// The condition restricting rows to the report's sessions, when there are filters (without, an occurrence
/// counts whenever its session started).
fn restriction(site_id: i64, query: &OverviewQuery) -> Result<String> {
    if query.filters == SessionFilters::default() {
        return Ok(String::new());
    }
    let report = report_sessions(site_id, query.from, query.to, &query.filters)?;
    Ok(format!(" AND session IN (SELECT s.session {report})"))
}

/// One occurrence per row: `issue_key, issue_title, issue_ts, issue_session, issue_visitor, issue_page,
/// issue_browser, issue_stack`. Aliases differ from every column (ClickHouse would read a column of the same
/// name as the alias). Low-cardinality columns are CAST to String (18.16's `toString` keeps them low-cardinality,
/// and a UNION ALL of both types fails).
fn errors(site_id: i64, query: &OverviewQuery) -> Result<String> {
    Ok(format!(
        "SELECT assumeNotNull(error_fingerprint) AS issue_key, name AS issue_title, ts AS issue_ts,
                session AS issue_session, visitor AS issue_visitor, page_group AS issue_page,
                CAST(browser AS String) AS issue_browser,
                if(ifNull(visitParamHas(props, 'stack'), 0) = 1,
                   visitParamExtractString(ifNull(props, ''), 'stack'), NULL) AS issue_stack
         FROM events
         WHERE site_id = {site_id} AND ts >= {from} AND ts < {to} AND type = 'error'
           AND error_fingerprint IS NOT NULL{restrict}",
        from = query.from,
        to = query.to,
        restrict = restriction(site_id, query)?,
    ))
}

fn failed(site_id: i64, query: &OverviewQuery) -> Result<String> {
    let detected = format!(
        "site_id = {site_id} AND ts >= {from} AND ts < {to} AND kind = 'failed_request' AND {current}{restrict}",
        from = query.from,
        to = query.to,
        current = current_analysis(site_id),
        restrict = restriction(site_id, query)?,
    );
    // The visitor and browser of each session, merged from its parts as every report merges them.
    Ok(format!(
        "SELECT ifNull(element, '') AS issue_key, toString(toInt64(round(value))) AS issue_title,
                ts AS issue_ts, session AS issue_session, session_visitor AS issue_visitor,
                page_group AS issue_page, session_browser AS issue_browser,
                CAST(NULL AS Nullable(String)) AS issue_stack
         FROM detections
         ANY INNER JOIN (
             SELECT session, argMin(visitor, started) AS session_visitor,
                    CAST(argMin(browser, started) AS String) AS session_browser
             FROM session_parts
             WHERE site_id = {site_id} AND session IN (SELECT session FROM detections WHERE {detected})
             GROUP BY session) USING session
         WHERE {detected}"
    ))
}

pub(super) fn error_groups(
    store: &ClickHouseEventStore,
    site_id: i64,
    query: &OverviewQuery,
) -> Result<Vec<IssueGroup>> {
    groups(
        store,
        &errors(site_id, query)?,
        "argMax(issue_title, issue_ts)",
    )
}

pub(super) fn failed_requests(
    store: &ClickHouseEventStore,
    site_id: i64,
    query: &OverviewQuery,
) -> Result<Vec<IssueGroup>> {
    groups(
        store,
        &failed(site_id, query)?,
        "arrayStringConcat(arraySort(groupUniqArray(issue_title)), ', ')",
    )
}

fn groups(store: &ClickHouseEventStore, source: &str, title: &str) -> Result<Vec<IssueGroup>> {
    #[derive(Deserialize)]
    struct Group {
        issue_key: String,
        group_title: Option<String>,
        occurrences: u64,
        group_sessions: u64,
        group_visitors: u64,
        group_first_seen: i64,
        group_last_seen: i64,
        group_stack: Option<String>,
    }
    let found: Vec<Group> = store.select(&format!(
        "SELECT issue_key, {title} AS group_title, count() AS occurrences,
                uniqExact(issue_session) AS group_sessions, uniqExact(issue_visitor) AS group_visitors,
                min(issue_ts) AS group_first_seen, max(issue_ts) AS group_last_seen,
                argMaxIf(issue_stack, issue_ts, isNotNull(issue_stack)) AS group_stack
         FROM ({source}) GROUP BY issue_key
         ORDER BY group_sessions DESC, occurrences DESC, issue_key LIMIT {MAX_ISSUE_GROUPS}"
    ))?;
    let mut groups: Vec<IssueGroup> = found
        .into_iter()
        .map(|g| IssueGroup {
            key: g.issue_key,
            title: g.group_title.unwrap_or_default(),
            count: g.occurrences,
            sessions: g.group_sessions,
            visitors: g.group_visitors,
            first_seen: g.group_first_seen,
            last_seen: g.group_last_seen,
            sample_stack: g.group_stack,
            sample_sessions: Vec::new(),
            pages: Vec::new(),
            browsers: Vec::new(),
        })
        .collect();
    if groups.is_empty() {
        return Ok(groups);
    }
    let index: HashMap<String, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.key.clone(), i))
        .collect();
    let keys: Vec<String> = groups.iter().map(|g| g.key.clone()).collect();
    let of_groups = format!("issue_key IN ({})", text_list(&keys));

    #[derive(Deserialize)]
    struct Top {
        dimension: u8,
        issue_key: String,
        top_value: String,
    }
    // The most frequent pages (0) and browsers (1) of each group (LIMIT BY: no window functions on 18.16).
    let tops: Vec<Top> = store.select(&format!(
        "SELECT dimension, issue_key, top_value FROM (
             SELECT toUInt8(0) AS dimension, issue_key, assumeNotNull(issue_page) AS top_value, count() AS n
             FROM ({source}) WHERE {of_groups} AND issue_page IS NOT NULL GROUP BY issue_key, top_value
             UNION ALL
             SELECT toUInt8(1) AS dimension, issue_key, issue_browser AS top_value, count() AS n
             FROM ({source}) WHERE {of_groups} GROUP BY issue_key, top_value)
         ORDER BY dimension, issue_key, n DESC, top_value LIMIT {TOP_PER_GROUP} BY dimension, issue_key"
    ))?;
    for top in tops {
        if let Some(&i) = index.get(&top.issue_key) {
            let list = if top.dimension == 0 {
                &mut groups[i].pages
            } else {
                &mut groups[i].browsers
            };
            list.push(top.top_value);
        }
    }

    #[derive(Deserialize)]
    struct Recent {
        issue_key: String,
        issue_session: String,
    }
    // Sample sessions: the distinct ones among each group's most recent occurrences, most recent first.
    let recent: Vec<Recent> = store.select(&format!(
        "SELECT issue_key, issue_session FROM ({source}) WHERE {of_groups}
         ORDER BY issue_key, issue_ts DESC LIMIT {RECENT_OCCURRENCES} BY issue_key"
    ))?;
    for r in recent {
        if let Some(&i) = index.get(&r.issue_key) {
            let samples = &mut groups[i].sample_sessions;
            if samples.len() < TOP_PER_GROUP && !samples.contains(&r.issue_session) {
                samples.push(r.issue_session);
            }
        }
    }
    Ok(groups)
}

pub(super) fn vitals(
    store: &ClickHouseEventStore,
    site_id: i64,
    query: &OverviewQuery,
) -> Result<Vec<VitalStats>> {
    #[derive(Deserialize)]
    struct Vital {
        vital_page: String,
        vital_device: String,
        vital_name: String,
        samples: u64,
        p75: f64,
        good_samples: u64,
        needs_improvement_samples: u64,
        poor_samples: u64,
    }
    let restrict = restriction(site_id, query)?;
    // The 75th percentile interpolated between the closest ranks, as DuckDB's quantile_cont (no quantile
    // function of 18.16 interpolates).
    let q = VITAL_QUANTILE;
    let rows: Vec<Vital> = store.select(&format!(
        "SELECT vital_page, vital_device, vital_name, samples,
                arrayElement(sorted_values, toUInt64(floor({q} * (samples - 1))) + 1) AS low,
                arrayElement(sorted_values, toUInt64(ceil({q} * (samples - 1))) + 1) AS high,
                low + ({q} * (samples - 1) - floor({q} * (samples - 1))) * (high - low) AS p75,
                good_samples, needs_improvement_samples, poor_samples
         FROM (SELECT assumeNotNull(page_group) AS vital_page, CAST(device AS String) AS vital_device,
                      assumeNotNull(name) AS vital_name, count() AS samples,
                      arraySort(groupArray(assumeNotNull(value))) AS sorted_values,
                      countIf(ifNull(text, '') = 'good') AS good_samples,
                      countIf(ifNull(text, '') = 'needs-improvement') AS needs_improvement_samples,
                      countIf(ifNull(text, '') = 'poor') AS poor_samples
               FROM events
               WHERE site_id = {site_id} AND ts >= {from} AND ts < {to} AND type = 'vital'
                 AND page_group IS NOT NULL AND name IS NOT NULL AND value IS NOT NULL{restrict}
               GROUP BY vital_page, vital_device, vital_name)
         ORDER BY vital_page, vital_device, vital_name",
        from = query.from,
        to = query.to,
    ))?;
    Ok(rows
        .into_iter()
        .map(|v| {
            let samples = v.samples.max(1) as f64;
            VitalStats {
                rating: vitals::rating(&v.vital_name, v.p75).to_string(),
                page: v.vital_page,
                device: v.vital_device,
                name: v.vital_name,
                samples: v.samples,
                p75: v.p75,
                good: v.good_samples as f64 / samples,
                needs_improvement: v.needs_improvement_samples as f64 / samples,
                poor: v.poor_samples as f64 / samples,
            }
        })
        .collect())
}
