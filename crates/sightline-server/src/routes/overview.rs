//! `GET /api/v1/sites/{site}/overview?from&to&<filters>`: computed by the event store.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use serde::Serialize;
use sightline_store::{Overview, OverviewQuery, SeriesPoint, SessionFilters, VisitorType};

use crate::App;
use crate::auth::Access;
use crate::error::ApiError;

const DAY_MS: i64 = 86_400_000;
/// Range used when `from` is not given.
const DEFAULT_RANGE_DAYS: i64 = 30;
/// Longest range one query may cover.
const MAX_RANGE_DAYS: i64 = 3 * 366;
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;
const MAX_FILTER_VALUE_LEN: usize = 512;

#[derive(Serialize, utoipa::ToSchema)]
pub struct OverviewResponse {
    pub site_id: i64,
    pub from: i64,
    pub to: i64,
    #[serde(flatten)]
    pub overview: Overview,
    /// Per-day visitors, sessions and pageviews (UTC days).
    pub series: Vec<SeriesPoint>,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` (start of that UTC day) or milliseconds since the epoch.
fn parse_time(name: &str, raw: &str) -> Result<i64, ApiError> {
    if let Ok(ms) = raw.parse::<i64>() {
        return Ok(ms);
    }
    let parts: Vec<&str> = raw.split('-').collect();
    let parsed = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            match (y.parse::<i64>(), m.parse::<i64>(), d.parse::<i64>()) {
                (Ok(y), Ok(m @ 1..=12), Ok(d @ 1..=31)) => Some(days_from_civil(y, m, d) * DAY_MS),
                _ => None,
            }
        }
        _ => None,
    };
    parsed.ok_or_else(|| {
        ApiError::bad_request(
            "invalid_time",
            format!("`{name}` = {raw:?}: expected YYYY-MM-DD or ms since the epoch"),
        )
    })
}

/// Reads the query string; unknown parameters are refused so that typos do not silently widen a report.
pub fn parse_query(params: &HashMap<String, String>, now: i64) -> Result<OverviewQuery, ApiError> {
    const KNOWN: &[&str] = &[
        "from",
        "to",
        "limit",
        "device",
        "browser",
        "os",
        "channel",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "page",
        "entry_page",
    ];
    if let Some(unknown) = params.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(ApiError::bad_request(
            "unknown_parameter",
            format!(
                "unknown query parameter `{unknown}` (known: {})",
                KNOWN.join(", ")
            ),
        ));
    }
    // A date `to` is inclusive (the whole day); a ms `to` is exclusive.
    let to = match params.get("to") {
        Some(raw) if raw.contains('-') => parse_time("to", raw)? + DAY_MS,
        Some(raw) => parse_time("to", raw)?,
        None => now,
    };
    let from = match params.get("from") {
        Some(raw) => parse_time("from", raw)?,
        None => to - DEFAULT_RANGE_DAYS * DAY_MS,
    };
    if from >= to {
        return Err(ApiError::bad_request(
            "invalid_range",
            "`from` must be before `to`",
        ));
    }
    if to - from > MAX_RANGE_DAYS * DAY_MS {
        return Err(ApiError::bad_request(
            "invalid_range",
            format!("the range is longer than {MAX_RANGE_DAYS} days"),
        ));
    }
    let limit = match params.get("limit") {
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| {
                ApiError::bad_request("invalid_limit", format!("`limit` must be 1..={MAX_LIMIT}"))
            })?,
        None => DEFAULT_LIMIT,
    };
    let filter = |name: &str| -> Result<Option<String>, ApiError> {
        match params.get(name) {
            Some(v) if v.len() > MAX_FILTER_VALUE_LEN => Err(ApiError::bad_request(
                "invalid_filter",
                format!("`{name}` is longer than {MAX_FILTER_VALUE_LEN} bytes"),
            )),
            Some(v) if v.is_empty() => Ok(None),
            Some(v) => Ok(Some(v.clone())),
            None => Ok(None),
        }
    };
    Ok(OverviewQuery {
        from,
        to,
        limit,
        filters: SessionFilters {
            device: filter("device")?,
            browser: filter("browser")?,
            os: filter("os")?,
            channel: filter("channel")?,
            utm_source: filter("utm_source")?,
            utm_medium: filter("utm_medium")?,
            utm_campaign: filter("utm_campaign")?,
            page: filter("page")?,
            entry_page: filter("entry_page")?,
            visitor_type: match filter("visitor_type")?.as_deref() {
                None => None,
                Some("new") => Some(VisitorType::New),
                Some("returning") => Some(VisitorType::Returning),
                Some(other) => {
                    return Err(ApiError::bad_request(
                        "invalid_filter",
                        format!("`visitor_type` = {other:?}: expected new or returning"),
                    ));
                }
            },
        },
    })
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/overview", tag = "reports",
    params(
        ("site" = String, Path, description = "site key or id"),
        ("from" = Option<String>, Query, description = "YYYY-MM-DD (UTC) or ms since the epoch; default: 30 days before `to`"),
        ("to" = Option<String>, Query, description = "YYYY-MM-DD (inclusive) or ms (exclusive); default: now"),
        ("limit" = Option<u32>, Query, description = "rows per breakdown, 1-100"),
        ("device" = Option<String>, Query), ("browser" = Option<String>, Query), ("os" = Option<String>, Query),
        ("channel" = Option<String>, Query), ("utm_source" = Option<String>, Query), ("utm_medium" = Option<String>, Query),
        ("utm_campaign" = Option<String>, Query), ("page" = Option<String>, Query, description = "sessions that viewed this path"),
        ("entry_page" = Option<String>, Query), ("visitor_type" = Option<String>, Query, description = "new or returning"),
    ),
    responses((status = 200, body = OverviewResponse), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn overview(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    Path(site): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<OverviewResponse>, ApiError> {
    let query = parse_query(&params, crate::auth::now_ms())?;
    let response = tokio::task::spawn_blocking(move || -> Result<OverviewResponse, ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        Ok(OverviewResponse {
            site_id,
            from: query.from,
            to: query.to,
            overview: app.events.overview(site_id, &query)?,
            series: app.events.overview_series(site_id, &query)?,
        })
    })
    .await??;
    Ok(Json(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn dates_are_utc_days_and_to_is_inclusive() {
        let q = parse_query(&params(&[("from", "2025-11-29"), ("to", "2025-11-30")]), 0)
            .expect("valid");
        assert_eq!(q.from, 1_764_374_400_000);
        assert_eq!(q.to, 1_764_374_400_000 + 2 * DAY_MS);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn bad_parameters_are_named() {
        let err = parse_query(&params(&[("devcie", "mobile")]), 0).expect_err("typo");
        assert!(err.message.contains("devcie"));
        assert_eq!(
            parse_query(&params(&[("from", "yesterday")]), 0)
                .expect_err("bad")
                .code,
            "invalid_time"
        );
        assert_eq!(
            parse_query(&params(&[("from", "2025-12-01"), ("to", "2025-11-01")]), 0)
                .expect_err("bad")
                .code,
            "invalid_range"
        );
        assert_eq!(
            parse_query(&params(&[("limit", "0")]), 0)
                .expect_err("bad")
                .code,
            "invalid_limit"
        );
        let q = parse_query(
            &params(&[("device", "mobile"), ("page", "/cart")]),
            10 * DAY_MS,
        )
        .expect("valid");
        assert_eq!(
            (q.filters.device.as_deref(), q.filters.page.as_deref()),
            (Some("mobile"), Some("/cart"))
        );
        assert_eq!(q.to - q.from, DEFAULT_RANGE_DAYS * DAY_MS);
    }
}
