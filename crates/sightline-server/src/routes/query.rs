//! Query-string parsing shared by every report: the time range, the session filters (one filter language
//! for all reports) and paging. Unknown parameters are refused so that a typo never silently widens a report.

use std::collections::HashMap;

use sightline_insight::detect::Kind;
use sightline_insight::segment::Segment;
use sightline_store::{SessionFilters, VisitorType};

use crate::error::ApiError;

pub const DAY_MS: i64 = 86_400_000;
/// Range used when `from` is not given.
const DEFAULT_RANGE_DAYS: i64 = 30;
/// Longest range one query may cover (1,098 days).
pub const MAX_RANGE_DAYS: i64 = 3 * 366;
const MAX_FILTER_VALUE_LEN: usize = 512;

/// Parameters every report understands.
pub const RANGE_PARAMS: &[&str] = &["from", "to"];
pub const FILTER_PARAMS: &[&str] = &[
    "device",
    "browser",
    "os",
    "channel",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "page",
    "entry_page",
    "visitor_type",
    "clicked",
    "had_error",
    "converted",
    "has_replay",
    "min_duration_ms",
    "max_duration_ms",
    "min_active_ms",
    "min_pages",
    "max_pages",
    "min_revenue",
    "frustration",
    "frustration_page",
    "frustration_element",
    "segment",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Times a query may name: 1970-01-01 up to the end of 9999-12-31 UTC, in ms.
pub const MAX_TIME_MS: i64 = 253_402_300_800_000;

/// `YYYY-MM-DD` (start of that UTC day) or milliseconds since the epoch, within `0..=MAX_TIME_MS`.
fn parse_time(name: &str, raw: &str) -> Result<i64, ApiError> {
    let out_of_range = || {
        ApiError::bad_request(
            "invalid_time",
            format!("`{name}` = {raw:?} is outside 1970-01-01..9999-12-31"),
        )
    };
    if let Ok(ms) = raw.parse::<i64>() {
        return (0..=MAX_TIME_MS)
            .contains(&ms)
            .then_some(ms)
            .ok_or_else(out_of_range);
    }
    if raw.parse::<i128>().is_ok() {
        return Err(out_of_range());
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
    match parsed {
        Some(ms) if (0..MAX_TIME_MS).contains(&ms) => Ok(ms),
        Some(_) => Err(out_of_range()),
        None => Err(ApiError::bad_request(
            "invalid_time",
            format!("`{name}` = {raw:?}: expected YYYY-MM-DD or ms since the epoch"),
        )),
    }
}

pub fn reject_unknown(params: &HashMap<String, String>, own: &[&str]) -> Result<(), ApiError> {
    let known = || RANGE_PARAMS.iter().chain(FILTER_PARAMS).chain(own);
    if let Some(unknown) = params.keys().find(|k| !known().any(|p| p == k)) {
        let list: Vec<&str> = known().copied().collect();
        return Err(ApiError::bad_request(
            "unknown_parameter",
            format!(
                "unknown query parameter `{unknown}` (known: {})",
                list.join(", ")
            ),
        ));
    }
    Ok(())
}

/// `[from, to)` in ms. A date `to` is inclusive (the whole day); a ms `to` is exclusive.
pub fn parse_range(params: &HashMap<String, String>, now: i64) -> Result<(i64, i64), ApiError> {
    let to = match params.get("to") {
        Some(raw) if raw.contains('-') => parse_time("to", raw)? + DAY_MS,
        Some(raw) => parse_time("to", raw)?,
        None => now,
    };
    let from = match params.get("from") {
        Some(raw) => parse_time("from", raw)?,
        None => (to - DEFAULT_RANGE_DAYS * DAY_MS).max(0),
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
    Ok((from, to))
}

/// An integer parameter within `range`, or `default` when absent.
pub fn parse_number<T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy>(
    params: &HashMap<String, String>,
    name: &str,
    range: std::ops::RangeInclusive<T>,
    default: Option<T>,
) -> Result<Option<T>, ApiError> {
    match params.get(name).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(raw) => raw
            .parse::<T>()
            .ok()
            .filter(|v| range.contains(v))
            .map(Some)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_parameter",
                    format!(
                        "`{name}` must be a number in {}..={}",
                        range.start(),
                        range.end()
                    ),
                )
            }),
    }
}

/// A text parameter (empty = absent), at most [`MAX_FILTER_VALUE_LEN`] bytes.
pub fn text_param(
    params: &HashMap<String, String>,
    name: &str,
) -> Result<Option<String>, ApiError> {
    match params.get(name) {
        Some(v) if v.len() > MAX_FILTER_VALUE_LEN => Err(ApiError::bad_request(
            "invalid_filter",
            format!("`{name}` is longer than {MAX_FILTER_VALUE_LEN} bytes"),
        )),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => Ok(Some(v.clone())),
        None => Ok(None),
    }
}

pub fn parse_filters(params: &HashMap<String, String>) -> Result<SessionFilters, ApiError> {
    let text = |name: &str| text_param(params, name);
    let flag = |name: &str| -> Result<Option<bool>, ApiError> {
        match params.get(name).map(String::as_str) {
            None | Some("") => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(ApiError::bad_request(
                "invalid_filter",
                format!("`{name}` = {other:?}: expected true or false"),
            )),
        }
    };
    const MAX_MS: i64 = 366 * DAY_MS;
    Ok(SessionFilters {
        device: text("device")?,
        browser: text("browser")?,
        os: text("os")?,
        channel: text("channel")?,
        utm_source: text("utm_source")?,
        utm_medium: text("utm_medium")?,
        utm_campaign: text("utm_campaign")?,
        page: text("page")?,
        entry_page: text("entry_page")?,
        visitor_type: match text("visitor_type")?.as_deref() {
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
        clicked: text("clicked")?,
        had_error: flag("had_error")?,
        converted: flag("converted")?,
        has_replay: flag("has_replay")?,
        min_duration_ms: parse_number(params, "min_duration_ms", 0..=MAX_MS, None)?,
        max_duration_ms: parse_number(params, "max_duration_ms", 0..=MAX_MS, None)?,
        min_active_ms: parse_number(params, "min_active_ms", 0..=MAX_MS, None)?,
        min_pages: parse_number(params, "min_pages", 0..=1_000_000, None)?,
        max_pages: parse_number(params, "max_pages", 0..=1_000_000, None)?,
        min_revenue: parse_number(params, "min_revenue", -1e12..=1e12, None)?,
        frustration: match text("frustration")? {
            None => None,
            Some(raw) => Some(
                Kind::parse(&raw)
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "invalid_filter",
                            format!(
                                "`frustration` = {raw:?}: expected one of {}",
                                Kind::ALL.map(Kind::as_str).join(", ")
                            ),
                        )
                    })?
                    .as_str()
                    .to_string(),
            ),
        },
        frustration_page: text("frustration_page")?,
        frustration_element: text("frustration_element")?,
        segment: params
            .get("segment")
            .map(|raw| parse_segment(raw))
            .transpose()?
            .flatten(),
    })
}

/// A segment expression (empty = none); an invalid one is a 400 naming the offending part.
pub fn parse_segment(raw: &str) -> Result<Option<Segment>, ApiError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    Segment::parse(raw)
        .map(Some)
        .map_err(|e| ApiError::bad_request("invalid_segment", e.to_string()))
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
        let (from, to) = parse_range(&params(&[("from", "2025-11-29"), ("to", "2025-11-30")]), 0)
            .expect("valid");
        assert_eq!(from, 1_764_374_400_000);
        assert_eq!(to, 1_764_374_400_000 + 2 * DAY_MS);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        let (from, to) = parse_range(&params(&[]), 100 * DAY_MS + 5).expect("default");
        assert_eq!(
            (to, to - from),
            (100 * DAY_MS + 5, DEFAULT_RANGE_DAYS * DAY_MS)
        );
    }

    #[test]
    fn extreme_times_are_refused_not_wrapped() {
        for (from, to) in [
            ("-9223372036854775808", "1000"),
            ("0", "9223372036854775807"),
            ("-1", "1000"),
            ("99999999999999999999", "1000"),
            ("1000", "-9223372036854775808"),
        ] {
            let err = parse_range(&params(&[("from", from), ("to", to)]), 0).expect_err(from);
            assert_eq!(err.code, "invalid_time", "{from} {to}");
        }
        // The whole span of valid times is still refused by the range cap, not by arithmetic.
        let err = parse_range(&params(&[("from", "0"), ("to", "253402300800000")]), 0)
            .expect_err("too long");
        assert_eq!(err.code, "invalid_range");
        assert_eq!(
            parse_range(&params(&[("to", "9999-12-31")]), 0).map(|(_, to)| to),
            Ok(MAX_TIME_MS)
        );
        assert_eq!(
            parse_range(&params(&[("to", "1000")]), 0),
            Ok((0, 1000)),
            "the default `from` stops at the epoch"
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        let err = reject_unknown(&params(&[("devcie", "mobile")]), &[]).expect_err("typo");
        assert!(err.message.contains("devcie"));
        assert_eq!(
            parse_range(&params(&[("from", "yesterday")]), 0)
                .expect_err("bad")
                .code,
            "invalid_time"
        );
        assert_eq!(
            parse_range(&params(&[("from", "2025-12-01"), ("to", "2025-11-01")]), 0)
                .expect_err("bad")
                .code,
            "invalid_range"
        );
        assert_eq!(
            parse_filters(&params(&[("visitor_type", "old")]))
                .expect_err("bad")
                .code,
            "invalid_filter"
        );
        assert_eq!(
            parse_filters(&params(&[("has_replay", "yes")]))
                .expect_err("bad")
                .code,
            "invalid_filter"
        );
        assert_eq!(
            parse_filters(&params(&[("min_pages", "-1")]))
                .expect_err("bad")
                .code,
            "invalid_parameter"
        );
        let err = parse_filters(&params(&[("segment", "device = mobile")])).expect_err("bad");
        assert_eq!(err.code, "invalid_segment");
        assert!(err.message.contains("column 10"), "{}", err.message);
        assert!(
            parse_filters(&params(&[("segment", " ")]))
                .expect("empty")
                .segment
                .is_none()
        );
        let f = parse_filters(&params(&[
            ("segment", "converted"),
            ("device", "mobile"),
            ("page", "/cart"),
            ("visitor_type", "returning"),
            ("had_error", "true"),
            ("min_duration_ms", "5000"),
        ]))
        .expect("valid");
        assert_eq!(
            (f.device.as_deref(), f.page.as_deref()),
            (Some("mobile"), Some("/cart"))
        );
        assert_eq!(
            (f.visitor_type, f.had_error, f.min_duration_ms),
            (Some(VisitorType::Returning), Some(true), Some(5_000))
        );
        assert!(f.segment.is_some());
    }
}
