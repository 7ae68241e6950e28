//! Journeys (paths), funnel events and retention cohorts on ClickHouse, with the embedded store's answers.
//!
//! - Paths: each report session's merged journey (`report.rs`'s `journey`, the parts' steps sorted and cut as the
//!   session merge cuts them) filtered to the query's nodes, collapsed, sliced around the anchor and counted per
//!   step by ClickHouse; the report is shaped by the code every engine shares (`path_report`).
//! - Funnels: one scan of the events that match a step, each with the mask of the steps it matches, grouped per
//!   unit and sorted by ClickHouse (`groupArray` + `arraySort`); `sightline_insight::funnel` evaluates them.
//!   `windowFunnel` is not used: the store answers units, not counts, and its attempts are not the insight
//!   funnel's (best attempt, strict order ending an attempt, ties by mask).
//! - Retention: first visits from the parts (each part's visitor and start, as the embedded `visitors` table
//!   records them), cohort and return events from the merged journeys. The `retention` aggregate is not used: it
//!   counts per fixed condition list, and cohorts here depend on each member's own first period.
//!
//! ClickHouse 18.16 has no CTEs of subqueries and no window functions: a subquery used twice is written twice.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use sightline_insight::dates::utc_date;
use sightline_model::MAX_JOURNEY_STEPS;

use super::ClickHouseEventStore;
use super::http::quote;
use super::report::{merged, merged_sessions, report_sessions};
use crate::path_report::{Counted, shape};
use crate::{
    Cohort, Customers, EXIT_NODE, FunnelBreakdown, FunnelMatch, FunnelQuery, FunnelStepQuery,
    FunnelUnit, MAX_FUNNEL_EVENTS_PER_UNIT, OTHER_NODE, PathNodes, PathQuery, PathReport,
    PathSelection, Result, RetentionQuery, RetentionReport, SessionFilters, StoreError, TOP_PATHS,
};

/// A funnel's steps at most: one bit of a `UInt32` mask each (as the embedded store allows).
const MAX_FUNNEL_STEPS: usize = 31;

/// How long before the range a session may have started and still hold a funnel's first step (or a retention
/// return event): the sessions read start from this much earlier, as the embedded store's do.
const SESSION_LEAD_MS: i64 = 86_400_000;

/// The query's nodes of a report session `s`, in journey order (before repeats collapse).
fn journey_nodes(nodes: PathNodes) -> &'static str {
    match nodes {
        PathNodes::Pages => {
            "arrayMap(x -> assumeNotNull(x), arrayFilter(x -> isNotNull(x), arrayMap(j -> j.2, s.journey)))"
        }
        PathNodes::Events => {
            "arrayMap(x -> assumeNotNull(x), arrayFilter(x -> isNotNull(x), arrayMap(j -> j.3, s.journey)))"
        }
        // a step is a page or an event, never both
        PathNodes::All => "arrayMap(j -> assumeNotNull(coalesce(j.2, j.3)), s.journey)",
    }
}

/// `SELECT session, session_started, path_nodes, path_ended FROM …`: each report session with its path from the
/// anchor (`path_nodes`, in the query's direction, at most `steps + 1` nodes; empty when the session did not
/// reach the anchor) and whether its visit ended there (forward) or began there (backward). The slices are the
/// embedded store's (`duckdb/journeys.rs`), with `indexOf`'s 0 for "not found" where DuckDB has NULL.
fn anchored(site_id: i64, q: &PathQuery) -> Result<String> {
    let report = report_sessions(site_id, q.from, q.to, &q.filters)?;
    let nodes = journey_nodes(q.nodes);
    let collapse = if q.repeats {
        "journey_nodes"
    } else {
        "arrayFilter((x, i) -> i = 1 OR x != journey_nodes[i - 1], journey_nodes, arrayEnumerate(journey_nodes))"
    };
    // No path is longer than a merged journey, so more steps answer the same (and the SQL's `n + 1` stays small).
    let n = i64::try_from(q.steps.min(MAX_JOURNEY_STEPS)).unwrap_or(0);
    let seq = format!(
        "SELECT session, session_started, {collapse} AS g FROM (
             SELECT s.session AS session, s.started AS session_started, {nodes} AS journey_nodes {report})"
    );
    let none = "emptyArrayString()";
    let sql = match (&q.start, &q.end) {
        (None, None) => format!(
            "SELECT session, session_started, arraySlice(g, 1, {n} + 1) AS path_nodes,
                    length(g) <= {n} + 1 AS path_ended
             FROM ({seq})"
        ),
        (Some(start), None) => format!(
            "SELECT session, session_started, if(a > 0, arraySlice(g, a, {n} + 1), {none}) AS path_nodes,
                    a + {n} >= length(g) AS path_ended
             FROM (SELECT session, session_started, g, toInt64(indexOf(g, {start})) AS a FROM ({seq}))",
            start = quote(start)
        ),
        (None, Some(end)) => format!(
            "SELECT session, session_started,
                    if(b > 0, arrayReverse(arraySlice(g, greatest(1, b - {n}), b - greatest(1, b - {n}) + 1)), {none})
                        AS path_nodes,
                    b - {n} <= 1 AS path_ended
             FROM (SELECT session, session_started, g, toInt64(indexOf(g, {end})) AS b FROM ({seq}))",
            end = quote(end)
        ),
        // From the start's first view to the end's first view after it, within the steps.
        (Some(start), Some(end)) => format!(
            "SELECT session, session_started,
                    if(a > 0 AND e > 1 AND e <= {n} + 1, arraySlice(t, 1, e), {none}) AS path_nodes,
                    e = toInt64(length(g)) - a + 1 AS path_ended
             FROM (SELECT session, session_started, g, a, t, toInt64(indexOf(arraySlice(t, 2), {end})) + 1 AS e
                   FROM (SELECT session, session_started, g, a, if(a > 0, arraySlice(g, a), {none}) AS t
                         FROM (SELECT session, session_started, g, toInt64(indexOf(g, {start})) AS a
                               FROM ({seq}))))",
            start = quote(start),
            end = quote(end)
        ),
    };
    Ok(sql)
}

/// One step of the anchored paths with the step after it: what nodes and links are counted from.
#[derive(Deserialize)]
struct StepRow {
    step: u64,
    node: String,
    has_next: u8,
    next_node: String,
    exited: u8,
    n: u64,
}

#[derive(Deserialize)]
struct TopRow {
    top_steps: Vec<String>,
    top_ended: u8,
    n: u64,
}

pub(super) fn paths(
    store: &ClickHouseEventStore,
    site_id: i64,
    q: &PathQuery,
) -> Result<PathReport> {
    let anchored = anchored(site_id, q)?;
    // Each step of each path with the next one: links, and nodes by adding them up.
    let steps: Vec<StepRow> = store.select(&format!(
        "SELECT step, node, has_next, next_node, exited, count() AS n FROM (
             SELECT arrayJoin(arrayEnumerate(path_nodes)) AS i, toUInt64(i - 1) AS step, path_nodes[i] AS node,
                    i < length(path_nodes) AS has_next, if(has_next, path_nodes[i + 1], '') AS next_node,
                    path_ended AND NOT has_next AS exited
             FROM ({anchored}))
         GROUP BY step, node, has_next, next_node, exited"
    ))?;
    let mut nodes: HashMap<(usize, String), (u64, u64)> = HashMap::new();
    let mut links: Vec<(usize, String, String, u64)> = Vec::new();
    for row in steps {
        let step = usize::try_from(row.step).unwrap_or(usize::MAX);
        let node = nodes.entry((step, row.node.clone())).or_default();
        node.0 += row.n;
        node.1 += if row.exited != 0 { row.n } else { 0 };
        if row.has_next != 0 {
            links.push((step, row.node, row.next_node, row.n));
        }
    }
    // The most taken paths, ties by their first session (as the embedded store picks them).
    let top: Vec<TopRow> = store.select(&format!(
        "SELECT min(session) AS example, path_nodes AS top_steps, path_ended AS top_ended, count() AS n
         FROM ({anchored}) WHERE length(path_nodes) > 0
         GROUP BY path_nodes, path_ended
         ORDER BY n DESC, example LIMIT {TOP_PATHS}"
    ))?;
    let counted: Counted = (
        nodes
            .into_iter()
            .map(|((step, name), (sessions, exits))| (step, name, sessions, exits))
            .collect(),
        links,
        top.into_iter()
            .map(|t| (t.top_steps, t.n, t.top_ended != 0))
            .collect(),
    );
    Ok(shape(q, counted))
}

/// The sessions at a node (and link, or exit) of the journey: their keys, newest first, and how many there are.
pub(super) fn path_sessions(
    store: &ClickHouseEventStore,
    site_id: i64,
    q: &PathQuery,
    at: &PathSelection,
    limit: usize,
) -> Result<(Vec<String>, u64)> {
    if at.node == OTHER_NODE || at.next.as_deref() == Some(OTHER_NODE) {
        return Err(StoreError::Invalid(format!(
            "\"{OTHER_NODE}\" groups several nodes; choose one of them"
        )));
    }
    let anchored = anchored(site_id, q)?;
    let i = at.step.saturating_add(1);
    // Out of range, `path_nodes[i]` is '' rather than NULL: the lengths are compared first.
    let mut selected = format!(
        "length(path_nodes) >= {i} AND path_nodes[{i}] = {}",
        quote(&at.node)
    );
    match at.next.as_deref() {
        None => {}
        Some(EXIT_NODE) => {
            selected.push_str(&format!(" AND length(path_nodes) = {i} AND path_ended"))
        }
        Some(next) => selected.push_str(&format!(
            " AND length(path_nodes) > {i} AND path_nodes[{i} + 1] = {}",
            quote(next)
        )),
    }
    let total = store.count(&format!(
        "SELECT count() AS n FROM ({anchored}) WHERE {selected}"
    ))?;
    #[derive(Deserialize)]
    struct Key {
        session: String,
    }
    let keys: Vec<Key> = store.select(&format!(
        "SELECT session FROM ({anchored}) WHERE {selected}
         ORDER BY session_started DESC, session LIMIT {limit}"
    ))?;
    Ok((keys.into_iter().map(|k| k.session).collect(), total))
}

/// When each visitor of `site_id` was first seen, as columns `visitor_alias` and `first_alias`: the earliest start
/// of a part it wrote, with pageviews or not (the embedded store's `visitors` table takes each written row's
/// visitor and start the same way).
fn first_seen(site_id: i64, visitor_alias: &str, first_alias: &str) -> String {
    format!(
        "SELECT visitor AS {visitor_alias}, min(started) AS {first_alias} FROM session_parts
         WHERE site_id = {site_id} GROUP BY visitor"
    )
}

/// `(ifNull(path = 'p', 0) OR …)`: the event is on the path or page group (NULL columns match nothing).
fn on_page(page: &str) -> String {
    let page = quote(page);
    format!("(ifNull(path = {page}, 0) OR ifNull(page_group = {page}, 0))")
}

/// The event type a step matches and its condition on an event of that type.
fn step_match(step: &FunnelStepQuery) -> (&'static str, String) {
    let (kind, mut condition) = match &step.matches {
        FunnelMatch::Page(page) => ("pageview", on_page(page)),
        FunnelMatch::Click(selector) => (
            "click",
            format!("ifNull(selector = {}, 0)", quote(selector)),
        ),
        FunnelMatch::Event(name) => ("custom", format!("ifNull(name = {}, 0)", quote(name))),
    };
    if let Some(page) = &step.on_page {
        condition = format!("({condition} AND {})", on_page(page));
    }
    (kind, condition)
}

/// The mask of the steps an event matches: the type compared once, each branch the sum of that type's steps, 0
/// for the other types (as the embedded store computes it).
fn step_mask(steps: &[FunnelStepQuery]) -> (String, Vec<&'static str>) {
    let matches: Vec<(&str, String)> = steps.iter().map(step_match).collect();
    let mut kinds: Vec<&'static str> = matches.iter().map(|m| m.0).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut branches = Vec::new();
    for kind in &kinds {
        let sum: Vec<String> = matches
            .iter()
            .enumerate()
            .filter(|(_, m)| m.0 == *kind)
            .map(|(k, m)| format!("if({}, {}, 0)", m.1, 1u32 << k))
            .collect();
        branches.push(format!("type = '{kind}', toUInt32({})", sum.join(" + ")));
    }
    (
        format!("multiIf({}, toUInt32(0))", branches.join(", ")),
        kinds,
    )
}

/// A breakdown's value of a report session `s` (`Visitor` is computed by [`breakdown_sessions`]).
fn breakdown_column(b: FunnelBreakdown) -> &'static str {
    match b {
        FunnelBreakdown::Device => "s.device",
        FunnelBreakdown::Browser => "s.browser",
        FunnelBreakdown::Os => "s.os",
        FunnelBreakdown::Channel => "ifNull(s.channel, '')",
        FunnelBreakdown::UtmSource => "ifNull(s.utm_source, '')",
        FunnelBreakdown::UtmMedium => "ifNull(s.utm_medium, '')",
        FunnelBreakdown::UtmCampaign => "ifNull(s.utm_campaign, '')",
        FunnelBreakdown::EntryPage => "coalesce(s.entry_group, s.entry_page, '')",
        FunnelBreakdown::Visitor => "''",
    }
}

/// `SELECT session, unit_visitor, unit_breakdown …`: the report sessions a joined funnel reads.
fn breakdown_sessions(site_id: i64, report: &str, breakdown: Option<FunnelBreakdown>) -> String {
    if breakdown != Some(FunnelBreakdown::Visitor) {
        let column = breakdown.map_or("''", breakdown_column);
        return format!(
            "SELECT s.session AS session, s.visitor AS unit_visitor, toString({column}) AS unit_breakdown {report}"
        );
    }
    // Returning: the visitor was first seen on the site before the session started.
    format!(
        "SELECT session, unit_visitor, if(visitor_first_seen < session_started, 'returning', 'new') AS unit_breakdown
         FROM (SELECT s.session AS session, s.visitor AS unit_visitor, s.started AS session_started {report})
         ANY LEFT JOIN ({}) USING unit_visitor",
        first_seen(site_id, "unit_visitor", "visitor_first_seen")
    )
}

/// One unit's funnel events as ClickHouse lists them.
#[derive(Deserialize)]
struct UnitRow {
    unit_key: String,
    unit_ts: Vec<i64>,
    unit_masks: Vec<u32>,
    #[serde(default)]
    unit_sessions: Vec<String>,
    #[serde(default)]
    unit_breakdown_value: Option<String>,
}

/// Calls `each` with the funnel events of every unit that started the funnel in the range, in the order of the
/// units' keys.
pub(super) fn funnel_units(
    store: &ClickHouseEventStore,
    site_id: i64,
    q: &FunnelQuery,
    each: &mut dyn FnMut(&FunnelUnit),
) -> Result<()> {
    if q.steps.is_empty() || q.steps.len() > MAX_FUNNEL_STEPS {
        return Err(StoreError::Invalid(format!(
            "a funnel has 1 to {MAX_FUNNEL_STEPS} steps"
        )));
    }
    let until = q.to.saturating_add(q.window_ms);
    let joined = q.by_visitor || q.breakdown.is_some() || q.filters != SessionFilters::default();
    let (mask, kinds) = step_mask(&q.steps);
    let kinds = kinds
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let events = format!(
        "SELECT session, ts AS event_ts, {mask} AS event_mask FROM events
         WHERE site_id = {site_id} AND ts >= {from} AND ts < {until} AND type IN ({kinds})",
        from = q.from
    );
    let rows = if joined {
        let report = report_sessions(
            site_id,
            q.from.saturating_sub(SESSION_LEAD_MS),
            until,
            &q.filters,
        )?;
        let unit = if q.by_visitor {
            "unit_visitor"
        } else {
            "session"
        };
        format!(
            "SELECT {unit} AS unit_key, event_ts, event_mask, session AS event_session, unit_breakdown
             FROM ({events}) ANY INNER JOIN ({}) USING session",
            breakdown_sessions(site_id, &report, q.breakdown)
        )
    } else {
        format!("SELECT session AS unit_key, event_ts, event_mask FROM ({events})")
    };
    // Each unit's events in order of time, then mask (then session and breakdown, so that ties come out the same
    // every time), its first MAX_FUNNEL_EVENTS_PER_UNIT; a visitor's events name their sessions.
    let visitor_sessions = q.by_visitor && q.with_sessions;
    let mut fields = vec!["event_ts", "event_mask"];
    if visitor_sessions {
        fields.push("event_session");
    }
    if q.breakdown.is_some() {
        fields.push("unit_breakdown");
    }
    let mut columns = vec![
        "unit_key".to_string(),
        "arrayMap(x -> x.1, unit_events) AS unit_ts".to_string(),
        "arrayMap(x -> x.2, unit_events) AS unit_masks".to_string(),
    ];
    if visitor_sessions {
        columns.push("arrayMap(x -> x.3, unit_events) AS unit_sessions".to_string());
    }
    if q.breakdown.is_some() {
        // The unit's first event's session (of a session unit, its one session) gives the value.
        columns.push(format!(
            "tupleElement(unit_events[1], {}) AS unit_breakdown_value",
            fields.len()
        ));
    }
    let units: Vec<UnitRow> = store.select(&format!(
        "SELECT {columns} FROM (
             SELECT unit_key, arraySlice(arraySort(groupArray(({fields}))), 1, {MAX_FUNNEL_EVENTS_PER_UNIT})
                        AS unit_events
             FROM ({rows}) WHERE event_mask != 0 GROUP BY unit_key)
         WHERE arrayExists(x -> bitAnd(x.2, 1) = 1 AND x.1 >= {from} AND x.1 < {to}, unit_events)
         ORDER BY unit_key",
        columns = columns.join(", "),
        fields = fields.join(", "),
        from = q.from,
        to = q.to
    ))?;
    for row in units {
        let sessions = match (q.with_sessions, q.by_visitor) {
            (false, _) => Vec::new(),
            (true, true) => row.unit_sessions,
            // a session unit lists its one session once
            (true, false) => vec![row.unit_key],
        };
        each(&FunnelUnit {
            ts: row.unit_ts,
            masks: row.unit_masks,
            sessions,
            breakdown: q.breakdown.and(row.unit_breakdown_value),
        });
    }
    Ok(())
}

/// Whether a merged session `s`'s journey has a step that is the custom event `event` (`j.3` of a step).
fn journey_has(event: &str) -> String {
    format!("has(arrayMap(j -> j.3, s.journey), {})", quote(event))
}

/// The time of a merged session `s`'s first step that is the custom event (only where [`journey_has`] holds).
fn first_event_ts(event: &str) -> String {
    format!(
        "tupleElement(arrayFirst(j -> ifNull(j.3 = {}, 0), s.journey), 1)",
        quote(event)
    )
}

#[derive(Deserialize)]
struct CohortRow {
    cohort: i64,
    k: i64,
    n: u64,
}

#[derive(Deserialize)]
struct CustomerCounts {
    n_customers: u64,
    n_returning: u64,
    n_repeat: u64,
}

pub(super) fn retention(
    store: &ClickHouseEventStore,
    site_id: i64,
    q: &RetentionQuery,
    until: i64,
) -> Result<RetentionReport> {
    let period = q.period.ms();
    let origin = q.period.origin();
    let report = report_sessions(site_id, q.from, q.to, &q.filters)?;
    let horizon = i64::try_from(q.periods).unwrap_or(i64::MAX);
    let horizon_ms = horizon.saturating_mul(period);
    // Each member's first time: its first visit ever, or its first occurrence of the cohort event ever, and the
    // session of that first time must be one of the report's (in the range, matching the filters).
    let (firsts, cohort_first, cohort_filter) = match &q.cohort_event {
        None => (
            first_seen(site_id, "member_visitor", "first_time"),
            "s.started".to_string(),
            String::new(),
        ),
        Some(event) => {
            // The sessions with a part holding the event, merged whole: the event must be in the merged journey
            // (cut to its first steps) as it is in the embedded store's session row.
            let holding = merged(
                site_id,
                &format!(
                    "session IN (SELECT session FROM session_parts WHERE site_id = {site_id}
                                 AND has(journey_event, {}))",
                    quote(event)
                ),
            );
            (
                format!(
                    "SELECT s.visitor AS member_visitor, min({}) AS first_time FROM ({holding}) s
                     WHERE {} GROUP BY member_visitor",
                    first_event_ts(event),
                    journey_has(event)
                ),
                first_event_ts(event),
                format!(" AND {}", journey_has(event)),
            )
        }
    };
    let members = format!(
        "SELECT DISTINCT member_visitor, intDiv(first_time - {origin}, {period}) * {period} + {origin} AS cohort
         FROM (SELECT s.visitor AS member_visitor, {cohort_first} AS first_time {report}{cohort_filter})
         ANY INNER JOIN ({firsts}) USING (member_visitor, first_time)"
    );
    // The sessions that can be returns of a cohort: from the first cohort's start (a session with the return event
    // may have started up to a session's length before it) to the last cohort's horizon (a cohort starts at the
    // latest at a cohort event in a session started before `to`).
    let earliest = q.period.start_of(q.from).saturating_sub(SESSION_LEAD_MS);
    let latest =
        q.to.saturating_add(SESSION_LEAD_MS)
            .saturating_add(horizon_ms);
    let (return_ts, return_filter) = match &q.return_event {
        None => ("s.started".to_string(), "s.pageviews > 0".to_string()),
        Some(event) => (first_event_ts(event), journey_has(event)),
    };
    let returns = format!(
        "SELECT s.visitor AS member_visitor, {return_ts} AS return_ts
         FROM ({}) s WHERE s.started >= {earliest} AND s.started < {latest} AND {return_filter}",
        merged_sessions(site_id, earliest, latest)
    );
    let rows: Vec<CohortRow> = store.select(&format!(
        "SELECT cohort, toInt64(-1) AS k, count() AS n FROM ({members}) GROUP BY cohort
         UNION ALL
         SELECT cohort,
                toInt64(intDiv(intDiv(return_ts - {origin}, {period}) * {period} + {origin} - cohort, {period})) AS k,
                uniqExact(member_visitor) AS n
         FROM ({members}) ALL INNER JOIN ({returns}) USING member_visitor
         WHERE return_ts >= cohort AND return_ts < cohort + {horizon_ms}
         GROUP BY cohort, k"
    ))?;
    let mut cohorts: BTreeMap<i64, (u64, Vec<u64>)> = BTreeMap::new();
    for CohortRow { cohort, k, n } in rows {
        // Periods that have begun by `until`.
        let begun = ((until - cohort) / period + 1).clamp(0, horizon);
        let begun = usize::try_from(begun).unwrap_or(0);
        let entry = cohorts.entry(cohort).or_insert_with(|| (0, vec![0; begun]));
        match usize::try_from(k) {
            Err(_) => entry.0 = n,
            Ok(k) => {
                if let Some(slot) = entry.1.get_mut(k) {
                    *slot = n;
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
        customers: customers(store, site_id, &report)?,
    })
}

/// Visitors with a converting report session: how many, how many had visited before their first one, and how
/// many converted in two or more.
fn customers(store: &ClickHouseEventStore, site_id: i64, report: &str) -> Result<Customers> {
    let counts: Vec<CustomerCounts> = store.select(&format!(
        "SELECT count() AS n_customers, countIf(visitor_first_seen < first_purchase) AS n_returning,
                countIf(purchases >= 2) AS n_repeat
         FROM (SELECT s.visitor AS customer, min(s.started) AS first_purchase, count() AS purchases
               {report} AND s.conversions > 0 GROUP BY customer)
         ANY INNER JOIN ({}) USING customer",
        first_seen(site_id, "customer", "visitor_first_seen")
    ))?;
    let (customers, returning_customers, repeat_customers) = counts
        .first()
        .map_or((0, 0, 0), |c| (c.n_customers, c.n_returning, c.n_repeat));
    Ok(Customers {
        customers,
        returning_customers,
        repeat_customers,
        repeat_purchase_rate: if customers == 0 {
            0.0
        } else {
            repeat_customers as f64 / customers as f64
        },
    })
}
