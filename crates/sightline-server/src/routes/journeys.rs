//! Journeys (`/paths`), funnels (`/funnel`) and retention (`/retention`): how sessions move between pages and
//! events, where they drop off, and who comes back (docs/journeys.md).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Query, State};
use serde::{Deserialize, Serialize};
use sightline_insight::funnel::{
    DailyTally, FunnelDay, FunnelSegmentRow, FunnelSpec, FunnelStepStats, MAX_FUNNEL_STEPS,
    StepTally, best_attempt,
};
use sightline_store::{
    FunnelBreakdown, FunnelMatch, FunnelQuery, FunnelStepQuery, MAX_PATH_STEPS,
    MAX_RETENTION_PERIODS, PathNodes, PathQuery, PathReport, PathSelection, RetentionPeriod,
    RetentionQuery, RetentionReport, SessionPage,
};

use crate::App;
use crate::auth::Access;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::routes::{query, site_report};

const DEFAULT_PATH_STEPS: usize = 5;
/// Sessions listed for a node, link or drop-off by default, and at most.
const DEFAULT_SESSIONS: usize = 50;
const MAX_SESSIONS: usize = 200;
const DEFAULT_WINDOW_MS: i64 = 86_400_000;
/// Longest funnel window: 90 days.
const MAX_WINDOW_MS: i64 = 90 * 86_400_000;
const MAX_STEP_VALUE_LEN: usize = 512;
/// Values of a funnel breakdown shown (most units first); the rest are left out.
const MAX_BREAKDOWN_VALUES: usize = 20;

fn parse_paths(
    params: &HashMap<String, String>,
    own: &[&str],
    now: i64,
) -> Result<PathQuery, ApiError> {
    let mut known = vec!["start", "end", "steps", "nodes", "repeats"];
    known.extend_from_slice(own);
    query::reject_unknown(params, &known)?;
    let (from, to) = query::parse_range(params, now)?;
    let start = query::text_param(params, "start")?.filter(|s| s != "entry");
    let nodes = match params.get("nodes").map(String::as_str) {
        None | Some("") | Some("pages") => PathNodes::Pages,
        Some("events") => PathNodes::Events,
        Some("all") => PathNodes::All,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_parameter",
                format!("`nodes` = {other:?}: expected pages, events or all"),
            ));
        }
    };
    let repeats = match params.get("repeats").map(String::as_str) {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_parameter",
                format!("`repeats` = {other:?}: expected true or false"),
            ));
        }
    };
    Ok(PathQuery {
        from,
        to,
        filters: query::parse_filters(params)?,
        start,
        end: query::text_param(params, "end")?,
        steps: query::parse_number(
            params,
            "steps",
            1..=MAX_PATH_STEPS,
            Some(DEFAULT_PATH_STEPS),
        )?
        .unwrap_or(DEFAULT_PATH_STEPS),
        nodes,
        repeats,
    })
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/paths", tag = "reports",
    params(("site" = String, Path, description = "site key or id"),
        ("start" = Option<String>, Query, description = "`entry` (default) or a page group: paths from its first view"),
        ("end" = Option<String>, Query, description = "without `start`: the steps before the first arrival at this page group; with `start`: only paths that reach it"),
        ("steps" = Option<u32>, Query, description = "1-10, default 5"),
        ("nodes" = Option<String>, Query, description = "pages (default: page groups), events (custom events) or all"),
        ("repeats" = Option<bool>, Query, description = "keep consecutive repeats (default: collapsed)"),
        ("segment" = Option<String>, Query, description = "segment expression (docs/segments.md)"),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = PathReport), (status = 400, body = crate::error::ErrorBody)))]
pub async fn paths(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<PathReport>, ApiError> {
    let q = parse_paths(&params, &[], crate::auth::now_ms())?;
    let (_, report) = site_report(app, access, site, q, |app, site, q| {
        app.events.paths(site, q)
    })
    .await?;
    Ok(Json(report))
}

fn limit(params: &HashMap<String, String>) -> Result<usize, ApiError> {
    Ok(
        query::parse_number(params, "limit", 1..=MAX_SESSIONS, Some(DEFAULT_SESSIONS))?
            .unwrap_or(DEFAULT_SESSIONS),
    )
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/paths/sessions", tag = "reports",
    params(("site" = String, Path, description = "site key or id"),
        ("step" = u32, Query, description = "the node's step (0: the anchor)"),
        ("node" = String, Query, description = "the node's name"),
        ("next" = Option<String>, Query, description = "only those that went on to this node next, or `(exit)` for those whose visit ended at the node"),
        ("limit" = Option<u32>, Query, description = "1-200, default 50"),
        ("start" = Option<String>, Query), ("end" = Option<String>, Query), ("steps" = Option<u32>, Query),
        ("nodes" = Option<String>, Query), ("repeats" = Option<bool>, Query), ("segment" = Option<String>, Query),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = SessionPage), (status = 400, body = crate::error::ErrorBody)))]
pub async fn path_sessions(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<SessionPage>, ApiError> {
    let q = parse_paths(
        &params,
        &["step", "node", "next", "limit"],
        crate::auth::now_ms(),
    )?;
    let step = query::parse_number(&params, "step", 0..=MAX_PATH_STEPS, None)?
        .ok_or_else(|| ApiError::bad_request("missing_parameter", "`step` is required"))?;
    if step > q.steps {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            format!("`step` = {step} is beyond the {} steps asked for", q.steps),
        ));
    }
    let node = query::text_param(&params, "node")?
        .ok_or_else(|| ApiError::bad_request("missing_parameter", "`node` is required"))?;
    let at = PathSelection {
        step,
        node,
        next: query::text_param(&params, "next")?,
    };
    let limit = limit(&params)?;
    let (_, page) = site_report(app, access, site, q, move |app, site, q| {
        let (keys, total) = app.events.path_sessions(site, q, &at, limit)?;
        let sessions = app.events.session_summaries(site, &keys)?;
        Ok::<_, ApiError>(SessionPage { sessions, total })
    })
    .await?;
    Ok(Json(page))
}

/// One step of a funnel as the API takes it: exactly one of `page`, `click`, `event`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FunnelStepRequest {
    /// A pageview of this path or page group.
    pub page: Option<String>,
    /// A click on this element (selector).
    pub click: Option<String>,
    /// A custom event of this name.
    pub event: Option<String>,
    /// Clicks and events only on this path or page group.
    pub on_page: Option<String>,
    /// Shown instead of the step's value.
    pub label: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FunnelOrder {
    /// Anything may happen between steps.
    #[default]
    Loose,
    /// Only repeats of the step just reached may happen between steps.
    Strict,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FunnelUnitKind {
    #[default]
    Session,
    Visitor,
}

/// A funnel: its steps, window, order and unit, over a range and a segment.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FunnelRequest {
    pub steps: Vec<FunnelStepRequest>,
    /// Time from the first step to the last, ms (default one day, at most 90 days).
    pub window_ms: Option<i64>,
    #[serde(default)]
    pub order: FunnelOrder,
    #[serde(default)]
    pub unit: FunnelUnitKind,
    /// `YYYY-MM-DD` or ms, as the report query strings.
    pub from: Option<serde_json::Value>,
    pub to: Option<serde_json::Value>,
    pub segment: Option<String>,
    pub breakdown: Option<FunnelBreakdown>,
}

/// A funnel request and the drop-off (or step) whose sessions to list.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct FunnelSessionsRequest {
    #[serde(flatten)]
    pub funnel: FunnelRequestFields,
    /// The step, from 0.
    pub step: usize,
    #[serde(default)]
    pub outcome: FunnelOutcome,
    pub limit: Option<usize>,
}

/// [`FunnelRequest`]'s fields (serde cannot deny unknown fields through `flatten`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct FunnelRequestFields {
    pub steps: Vec<FunnelStepRequest>,
    pub window_ms: Option<i64>,
    #[serde(default)]
    pub order: FunnelOrder,
    #[serde(default)]
    pub unit: FunnelUnitKind,
    pub from: Option<serde_json::Value>,
    pub to: Option<serde_json::Value>,
    pub segment: Option<String>,
    pub breakdown: Option<FunnelBreakdown>,
}

impl From<FunnelRequestFields> for FunnelRequest {
    fn from(f: FunnelRequestFields) -> Self {
        FunnelRequest {
            steps: f.steps,
            window_ms: f.window_ms,
            order: f.order,
            unit: f.unit,
            from: f.from,
            to: f.to,
            segment: f.segment,
            breakdown: f.breakdown,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FunnelOutcome {
    /// Reached the step and not the next.
    #[default]
    Dropped,
    /// Reached the step.
    Reached,
}

/// The store's query, the pure funnel's spec and the step labels of a request.
struct Funnel {
    query: FunnelQuery,
    spec: FunnelSpec,
    labels: Vec<String>,
}

fn time_value(name: &str, value: &Option<serde_json::Value>) -> Result<Option<String>, ApiError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(ApiError::bad_request(
            "invalid_time",
            format!("`{name}` must be YYYY-MM-DD or ms since the epoch"),
        )),
    }
}

fn step_value(k: usize, name: &str, value: &Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if v.trim().is_empty() || v.len() > MAX_STEP_VALUE_LEN => {
            Err(ApiError::bad_request(
                "invalid_funnel",
                format!("steps[{k}].{name} must be 1-{MAX_STEP_VALUE_LEN} bytes"),
            ))
        }
        other => Ok(other.clone()),
    }
}

fn parse_funnel(body: &FunnelRequest, now: i64) -> Result<Funnel, ApiError> {
    if !(2..=MAX_FUNNEL_STEPS).contains(&body.steps.len()) {
        return Err(ApiError::bad_request(
            "invalid_funnel",
            format!(
                "a funnel has 2 to {MAX_FUNNEL_STEPS} steps, not {}",
                body.steps.len()
            ),
        ));
    }
    let mut steps = Vec::new();
    let mut labels = Vec::new();
    for (k, step) in body.steps.iter().enumerate() {
        let matches = match (
            step_value(k, "page", &step.page)?,
            step_value(k, "click", &step.click)?,
            step_value(k, "event", &step.event)?,
        ) {
            (Some(page), None, None) => FunnelMatch::Page(page),
            (None, Some(selector), None) => FunnelMatch::Click(selector),
            (None, None, Some(event)) => FunnelMatch::Event(event),
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_funnel",
                    format!("steps[{k}] needs exactly one of `page`, `click` and `event`"),
                ));
            }
        };
        let on_page = step_value(k, "on_page", &step.on_page)?;
        if on_page.is_some() && matches!(matches, FunnelMatch::Page(_)) {
            return Err(ApiError::bad_request(
                "invalid_funnel",
                format!("steps[{k}]: `on_page` goes with `click` and `event` steps"),
            ));
        }
        let value = match &matches {
            FunnelMatch::Page(v) | FunnelMatch::Click(v) | FunnelMatch::Event(v) => v.clone(),
        };
        labels.push(step_value(k, "label", &step.label)?.unwrap_or(value));
        steps.push(FunnelStepQuery { matches, on_page });
    }
    let window_ms = body.window_ms.unwrap_or(DEFAULT_WINDOW_MS);
    if !(1..=MAX_WINDOW_MS).contains(&window_ms) {
        return Err(ApiError::bad_request(
            "invalid_funnel",
            format!("`window_ms` must be 1..={MAX_WINDOW_MS} (90 days)"),
        ));
    }
    let mut range = HashMap::new();
    for (name, value) in [("from", &body.from), ("to", &body.to)] {
        if let Some(v) = time_value(name, value)? {
            range.insert(name.to_string(), v);
        }
    }
    let (from, to) = query::parse_range(&range, now)?;
    let segment = match &body.segment {
        Some(raw) => query::parse_segment(raw)?,
        None => None,
    };
    let query = FunnelQuery {
        from,
        to,
        filters: sightline_store::SessionFilters {
            segment,
            ..Default::default()
        },
        steps,
        window_ms,
        by_visitor: body.unit == FunnelUnitKind::Visitor,
        breakdown: body.breakdown,
        with_sessions: false,
    };
    let spec = FunnelSpec {
        steps: query.steps.len(),
        window_ms,
        strict: body.order == FunnelOrder::Strict,
        from,
        to,
    };
    Ok(Funnel {
        query,
        spec,
        labels,
    })
}

/// Checks a funnel definition as [`funnel`] would (for saving it).
pub fn check_funnel(body: &FunnelRequest) -> Result<(), ApiError> {
    parse_funnel(body, crate::auth::now_ms()).map(|_| ())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FunnelReport {
    pub unit: FunnelUnitKind,
    pub order: FunnelOrder,
    pub window_ms: i64,
    pub from: i64,
    pub to: i64,
    pub steps: Vec<FunnelStepStats>,
    /// Attempts per day of their start, and how many completed the funnel.
    pub daily: Vec<FunnelDay>,
    /// The steps per value of the breakdown, most units first (empty without one).
    pub breakdown: Vec<FunnelSegmentRow>,
}

#[utoipa::path(post, path = "/api/v1/sites/{site}/funnel", tag = "reports", request_body = FunnelRequest,
    params(("site" = String, Path, description = "site key or id")),
    responses((status = 200, body = FunnelReport), (status = 400, body = crate::error::ErrorBody)))]
pub async fn funnel(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    ApiJson(body): ApiJson<FunnelRequest>,
) -> Result<Json<FunnelReport>, ApiError> {
    let funnel = parse_funnel(&body, crate::auth::now_ms())?;
    let steps = funnel.labels.len();
    let (funnel, (all, daily, by_value)) =
        site_report(app, access, site, funnel, move |app, site, f| {
            let mut all = StepTally::new(steps);
            let mut daily = DailyTally::default();
            let mut by_value: HashMap<String, (u64, StepTally)> = HashMap::new();
            app.events.funnel_units(site, &f.query, &mut |unit| {
                let Some(attempt) = best_attempt(&f.spec, &unit.ts, &unit.masks) else {
                    return;
                };
                all.add(&attempt, &unit.ts);
                daily.add(unit.ts[attempt.events[0]], attempt.reached() == steps);
                if let Some(value) = &unit.breakdown {
                    let entry = by_value
                        .entry(value.clone())
                        .or_insert_with(|| (0, StepTally::new(steps)));
                    entry.0 += 1;
                    entry.1.add(&attempt, &unit.ts);
                }
            })?;
            Ok::<_, ApiError>((all, daily, by_value))
        })
        .await?;
    let mut values: Vec<(String, (u64, StepTally))> = by_value.into_iter().collect();
    values.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
    values.truncate(MAX_BREAKDOWN_VALUES);
    Ok(Json(FunnelReport {
        unit: body.unit,
        order: body.order,
        window_ms: funnel.spec.window_ms,
        from: funnel.spec.from,
        to: funnel.spec.to,
        steps: all.stats(&funnel.labels),
        daily: daily.days(),
        breakdown: values
            .into_iter()
            .map(|(value, (_, tally))| FunnelSegmentRow {
                value,
                steps: tally.stats(&funnel.labels),
            })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/sites/{site}/funnel/sessions", tag = "reports", request_body = FunnelSessionsRequest,
    params(("site" = String, Path, description = "site key or id")),
    responses((status = 200, body = SessionPage), (status = 400, body = crate::error::ErrorBody)))]
pub async fn funnel_sessions(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    ApiJson(body): ApiJson<FunnelSessionsRequest>,
) -> Result<Json<SessionPage>, ApiError> {
    let request = FunnelRequest::from(body.funnel);
    let mut funnel = parse_funnel(&request, crate::auth::now_ms())?;
    funnel.query.with_sessions = true;
    let steps = funnel.labels.len();
    if body.step >= steps {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            format!(
                "`step` = {} but the funnel has {steps} steps (from 0)",
                body.step
            ),
        ));
    }
    let limit = body.limit.unwrap_or(DEFAULT_SESSIONS);
    if !(1..=MAX_SESSIONS).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            format!("`limit` must be 1..={MAX_SESSIONS}"),
        ));
    }
    let (step, outcome) = (body.step, body.outcome);
    let (_, page) = site_report(app, access, site, funnel, move |app, site, f| {
        // The session each selected unit was in at its last step reached, newest first.
        let mut selected: Vec<(i64, String)> = Vec::new();
        app.events.funnel_units(site, &f.query, &mut |unit| {
            let Some(attempt) = best_attempt(&f.spec, &unit.ts, &unit.masks) else {
                return;
            };
            let reached = attempt.reached();
            let chosen = match outcome {
                FunnelOutcome::Dropped => reached == step + 1,
                FunnelOutcome::Reached => reached > step,
            };
            let last = attempt.events.last().copied().unwrap_or(0);
            // a session unit lists its session once
            let session = unit.sessions.get(last).or(unit.sessions.first()).cloned();
            if let (true, Some(session)) = (chosen, session) {
                selected.push((unit.ts[last], session));
            }
        })?;
        let total = selected.len() as u64;
        selected.sort_by(|a, b| b.cmp(a));
        let mut keys: Vec<String> = Vec::new();
        for (_, session) in selected {
            if !keys.contains(&session) {
                keys.push(session);
            }
            if keys.len() == limit {
                break;
            }
        }
        let sessions = app.events.session_summaries(site, &keys)?;
        Ok::<_, ApiError>(SessionPage { sessions, total })
    })
    .await?;
    Ok(Json(page))
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/retention", tag = "reports",
    params(("site" = String, Path, description = "site key or id"),
        ("period" = Option<String>, Query, description = "day or week (default; weeks start on Monday, UTC)"),
        ("periods" = Option<u32>, Query, description = "periods counted per cohort, 1-26 (default 8 weeks or 14 days)"),
        ("cohort_event" = Option<String>, Query, description = "cohorts by first occurrence of this custom event (default: first visit)"),
        ("return_event" = Option<String>, Query, description = "a return is a session with this custom event (default: any session)"),
        ("segment" = Option<String>, Query, description = "the cohort-defining session must match"),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = RetentionReport), (status = 400, body = crate::error::ErrorBody)))]
pub async fn retention(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<RetentionReport>, ApiError> {
    let now = crate::auth::now_ms();
    query::reject_unknown(
        &params,
        &["period", "periods", "cohort_event", "return_event"],
    )?;
    let (from, to) = query::parse_range(&params, now)?;
    let period = match params.get("period").map(String::as_str) {
        None | Some("") | Some("week") => RetentionPeriod::Week,
        Some("day") => RetentionPeriod::Day,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_parameter",
                format!("`period` = {other:?}: expected day or week"),
            ));
        }
    };
    let default_periods = if period == RetentionPeriod::Week {
        8
    } else {
        14
    };
    let q = RetentionQuery {
        from,
        to,
        filters: query::parse_filters(&params)?,
        period,
        periods: query::parse_number(
            &params,
            "periods",
            1..=MAX_RETENTION_PERIODS,
            Some(default_periods),
        )?
        .unwrap_or(default_periods),
        cohort_event: query::text_param(&params, "cohort_event")?,
        return_event: query::text_param(&params, "return_event")?,
    };
    let (_, report) = site_report(app, access, site, q, move |app, site, q| {
        app.events.retention(site, q, now)
    })
    .await?;
    Ok(Json(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(steps: serde_json::Value) -> FunnelRequest {
        serde_json::from_value(serde_json::json!({"steps": steps})).expect("request")
    }

    #[test]
    fn funnel_requests_are_checked_step_by_step() {
        let err = |body: FunnelRequest| {
            parse_funnel(&body, 1_000 * 86_400_000)
                .err()
                .map(|e| e.message)
                .unwrap_or_default()
        };
        assert!(err(request(serde_json::json!([{"page": "/"}]))).contains("2 to 10 steps"));
        assert!(
            err(request(
                serde_json::json!([{"page": "/"}, {"page": "/a", "click": "#b"}])
            ))
            .contains("steps[1] needs exactly one")
        );
        assert!(
            err(request(serde_json::json!([{"page": "/"}, {}])))
                .contains("steps[1] needs exactly one")
        );
        assert!(
            err(request(
                serde_json::json!([{"page": "/", "on_page": "/x"}, {"event": "e"}])
            ))
            .contains("steps[0]: `on_page`")
        );
        assert!(
            err(request(serde_json::json!([{"page": " "}, {"event": "e"}])))
                .contains("steps[0].page")
        );
        let mut bad_window = request(serde_json::json!([{"page": "/"}, {"event": "e"}]));
        bad_window.window_ms = Some(0);
        assert!(err(bad_window).contains("window_ms"));
        let mut bad_segment = request(serde_json::json!([{"page": "/"}, {"event": "e"}]));
        bad_segment.segment = Some("devise = \"x\"".into());
        assert!(err(bad_segment).contains("unknown field `devise`"));

        let mut ok = request(
            serde_json::json!([{"page": "/p", "label": "Product"}, {"click": "#buy", "on_page": "/p"}]),
        );
        ok.from = Some(serde_json::json!("2026-11-01"));
        ok.to = Some(serde_json::json!(1_800_000_000_000i64));
        let f = parse_funnel(&ok, 1_900_000_000_000).expect("valid");
        assert_eq!(f.labels, ["Product", "#buy"]);
        assert_eq!(f.query.steps[1].on_page.as_deref(), Some("/p"));
        assert_eq!(
            (f.spec.window_ms, f.spec.strict, f.query.by_visitor),
            (DEFAULT_WINDOW_MS, false, false)
        );
        assert_eq!(f.spec.to, 1_800_000_000_000);
        assert!(
            serde_json::from_value::<FunnelRequest>(
                serde_json::json!({"steps": [], "windw_ms": 5})
            )
            .is_err(),
            "unknown fields are refused"
        );
    }
}
