//! `GET /api/v1/sites/{site}/problems`: the frustration the analysis pass found, grouped into problems (a kind on
//! a page group and, where it has one, an element), each with what it costs and a hypothesis to test.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Query, State};
use serde::Serialize;
use sightline_insight::cost::{self, Interval, Stratum};
use sightline_insight::detect::Kind;
use sightline_insight::hypothesis::hypothesis;
use sightline_store::{ProblemCounts, ProblemQuery};

use crate::App;
use crate::auth::Access;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::routes::query;

/// How the costs are computed, said with every answer.
pub const METHOD: &str = "Each problem's sessions are compared with the sessions that saw the same page without it, \
within strata of device class and channel (Mantel-Haenszel risk difference, 95 % interval). This is an association, \
not proof that the problem causes the difference: test the hypothesis.";

#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A detector name (`rage_click`, `dead_click`, …, `js_error`, `failed_request`, `slow_page`).
    pub kind: String,
    /// Page group.
    pub page: String,
    /// Selector; error fingerprint for `js_error`; `METHOD /pattern` for `failed_request`; the vital for
    /// `slow_page`.
    pub element: Option<String>,
    pub sessions_affected: u64,
    /// Sessions that saw the page without the problem.
    pub sessions_unaffected: u64,
    /// Conversion rates, 0..1.
    pub conversion_affected: f64,
    pub conversion_unaffected: f64,
    /// Affected minus unaffected conversion rate, stratified, with its 95 % interval.
    pub difference: Interval,
    pub lost_conversions: f64,
    pub lost_revenue: f64,
    /// False below 30 sessions in either group or when the interval contains 0.
    pub significant: bool,
    /// Whether the comparison spans more than one stratum.
    pub stratified: bool,
    pub hypothesis: String,
    /// The affected sessions (the sessions list, filtered to this problem).
    pub sessions_url: String,
    /// A recent occurrence to replay (in a session with a replay where there is one).
    pub replay_session: Option<String>,
    pub replay_ts: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemsResponse {
    pub from: i64,
    pub to: i64,
    pub method: &'static str,
    pub problems: Vec<Problem>,
}

fn parse(params: &HashMap<String, String>, now: i64) -> Result<ProblemQuery, ApiError> {
    query::reject_unknown(params, &["kind", "page_group"])?;
    let (from, to) = query::parse_range(params, now)?;
    let kind = match params.get("kind").map(String::as_str) {
        None | Some("") => None,
        Some(raw) => Some(
            Kind::parse(raw)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_parameter",
                        format!(
                            "`kind` = {raw:?}: expected one of {}",
                            Kind::ALL.map(Kind::as_str).join(", ")
                        ),
                    )
                })?
                .as_str()
                .to_string(),
        ),
    };
    Ok(ProblemQuery {
        from,
        to,
        filters: query::parse_filters(params)?,
        kind,
        page: query::text_param(params, "page_group")?,
    })
}

/// The sessions list's URL for a problem's sessions.
fn sessions_url(site: &str, query: &ProblemQuery, counts: &ProblemCounts) -> String {
    let mut url = url::form_urlencoded::Serializer::new(String::new());
    url.append_pair("from", &query.from.to_string())
        .append_pair("to", &query.to.to_string())
        .append_pair("frustration", &counts.kind)
        .append_pair("frustration_page", &counts.page);
    if let Some(element) = &counts.element {
        url.append_pair("frustration_element", element);
    }
    let site: String = url::form_urlencoded::byte_serialize(site.as_bytes()).collect();
    format!("/api/v1/sites/{site}/sessions?{}", url.finish())
}

/// A problem's cost and hypothesis from its counts.
fn problem(site: &str, query: &ProblemQuery, counts: ProblemCounts) -> Option<Problem> {
    let kind = Kind::parse(&counts.kind)?;
    let strata: Vec<Stratum> = counts
        .strata
        .iter()
        .map(|s| Stratum {
            affected: s.affected,
            affected_conversions: s.affected_conversions,
            unaffected: s.exposed.saturating_sub(s.affected),
            unaffected_conversions: s.exposed_conversions.saturating_sub(s.affected_conversions),
        })
        .collect();
    let conversions: u64 = counts.strata.iter().map(|s| s.exposed_conversions).sum();
    let revenue: f64 = counts.strata.iter().map(|s| s.exposed_revenue).sum();
    let per_conversion = if conversions > 0 {
        revenue / conversions as f64
    } else {
        0.0
    };
    let c = cost::cost(&strata, counts.sessions_affected, per_conversion);
    Some(Problem {
        hypothesis: hypothesis(kind, &counts.page, counts.element.as_deref()),
        sessions_url: sessions_url(site, query, &counts),
        sessions_unaffected: strata.iter().map(|s| s.unaffected).sum(),
        conversion_affected: c.conversion_affected,
        conversion_unaffected: c.conversion_unaffected,
        difference: c.difference,
        lost_conversions: c.lost_conversions,
        lost_revenue: c.lost_revenue,
        significant: c.significant,
        stratified: c.stratified,
        replay_ts: counts.sample.as_ref().map(|(_, ts)| *ts),
        replay_session: counts.sample.map(|(session, _)| session),
        kind: counts.kind,
        page: counts.page,
        element: counts.element,
        sessions_affected: counts.sessions_affected,
    })
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/problems", tag = "reports",
    params(
        ("site" = String, Path, description = "site key or id"),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("kind" = Option<String>, Query, description = "one detector name"),
        ("page_group" = Option<String>, Query, description = "problems on this page group"),
        ("device" = Option<String>, Query), ("channel" = Option<String>, Query), ("page" = Option<String>, Query),
    ),
    responses((status = 200, body = ProblemsResponse), (status = 400, body = crate::error::ErrorBody)))]
pub async fn problems(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<ProblemsResponse>, ApiError> {
    let query = parse(&params, crate::auth::now_ms())?;
    let response = tokio::task::spawn_blocking(move || -> Result<ProblemsResponse, ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        let counts = app.events.problem_counts(site_id, &query)?;
        let mut problems: Vec<Problem> = counts
            .into_iter()
            .filter_map(|c| problem(&site, &query, c))
            .collect();
        problems.sort_by(|a, b| {
            b.lost_revenue
                .total_cmp(&a.lost_revenue)
                .then(b.lost_conversions.total_cmp(&a.lost_conversions))
                .then(b.sessions_affected.cmp(&a.sessions_affected))
                .then_with(|| (&a.kind, &a.page, &a.element).cmp(&(&b.kind, &b.page, &b.element)))
        });
        Ok(ProblemsResponse {
            from: query.from,
            to: query.to,
            method: METHOD,
            problems,
        })
    })
    .await??;
    Ok(Json(response))
}
