//! Strict validation of a parsed batch. Every check names the field that failed.

use std::collections::BTreeMap;

use crate::limits::*;
use crate::wire::{Batch, Event, EventData, WIRE_VERSION};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationErrorKind {
    /// Wrong type, bad format or out-of-range value (400).
    Invalid,
    /// A count or a field over its limit (413).
    TooLarge,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    pub kind: ValidationErrorKind,
    pub code: &'static str,
    pub message: String,
}

impl ValidationError {
    fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind: ValidationErrorKind::Invalid,
            code,
            message: message.into(),
        }
    }
    fn too_large(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind: ValidationErrorKind::TooLarge,
            code,
            message: message.into(),
        }
    }
}

type Result<T = ()> = std::result::Result<T, ValidationError>;

/// `[A-Za-z0-9_-]`, as the tracker generates ids.
pub fn is_id_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn check_id(field: &str, value: &str, min: usize) -> Result {
    if value.len() < min || value.len() > MAX_ID_LEN || !value.bytes().all(is_id_char) {
        return Err(ValidationError::invalid(
            "invalid_id",
            format!("`{field}` must be {min}-{MAX_ID_LEN} characters of [A-Za-z0-9_-]"),
        ));
    }
    Ok(())
}

fn check_len(field: &str, value: &str, max: usize) -> Result {
    if value.len() > max {
        return Err(ValidationError::too_large(
            "field_too_long",
            format!("`{field}` is {} bytes, the limit is {max}", value.len()),
        ));
    }
    Ok(())
}

fn check_opt_len(field: &str, value: &Option<String>, max: usize) -> Result {
    value
        .as_deref()
        .map_or(Ok(()), |v| check_len(field, v, max))
}

fn check_range(field: &str, value: f64, min: f64, max: f64) -> Result {
    if !value.is_finite() || value < min || value > max {
        return Err(ValidationError::invalid(
            "out_of_range",
            format!("`{field}` = {value} is outside {min}..={max}"),
        ));
    }
    Ok(())
}

fn check_opt_range(field: &str, value: Option<f64>, min: f64, max: f64) -> Result {
    value.map_or(Ok(()), |v| check_range(field, v, min, max))
}

fn check_json_size(
    field: &str,
    value: &Option<serde_json::Map<String, serde_json::Value>>,
) -> Result {
    if let Some(map) = value {
        let size = serde_json::to_vec(map)
            .map(|v| v.len())
            .unwrap_or(usize::MAX);
        if size > MAX_PROPS_BYTES {
            return Err(ValidationError::too_large(
                "field_too_long",
                format!("`{field}` is {size} bytes serialized, the limit is {MAX_PROPS_BYTES}"),
            ));
        }
    }
    Ok(())
}

/// Milliseconds to add to client event times: non-zero only when the client clock is off by more than
/// [`CLOCK_SKEW_TOLERANCE_MS`].
pub fn clock_correction_ms(sent_at: i64, received_at: i64) -> i64 {
    let skew = received_at.saturating_sub(sent_at);
    if skew.abs() > CLOCK_SKEW_TOLERANCE_MS {
        skew
    } else {
        0
    }
}

/// Validates the envelope and every event; `received_at` is the server clock in ms.
pub fn validate_batch(batch: &Batch, received_at: i64) -> Result {
    validate_batch_with_max_age(batch, received_at, MAX_EVENT_AGE_MS)
}

/// As [`validate_batch`], accepting events up to `max_age_ms` old (a server setting for imports and demos).
pub fn validate_batch_with_max_age(batch: &Batch, received_at: i64, max_age_ms: i64) -> Result {
    if batch.v != WIRE_VERSION {
        return Err(ValidationError::invalid(
            "unsupported_version",
            format!(
                "wire version {} is not supported (expected {WIRE_VERSION})",
                batch.v
            ),
        ));
    }
    check_id("site", &batch.site, 1)?;
    check_id("sid", &batch.sid, MIN_SESSION_ID_LEN)?;
    if let Some(vid) = &batch.vid {
        check_id("vid", vid, 1)?;
    }
    if batch.events.is_empty() {
        return Err(ValidationError::invalid("empty_batch", "`events` is empty"));
    }
    if batch.events.len() > MAX_EVENTS_PER_BATCH {
        return Err(ValidationError::too_large(
            "too_many_events",
            format!(
                "{} events in one batch, the limit is {MAX_EVENTS_PER_BATCH}",
                batch.events.len()
            ),
        ));
    }
    let correction = clock_correction_ms(batch.sent_at, received_at);
    for (i, event) in batch.events.iter().enumerate() {
        validate_event(event, correction, received_at, max_age_ms).map_err(|mut e| {
            e.message = format!("events[{i}] ({}): {}", event.data.type_name(), e.message);
            e
        })?;
    }
    if let Some(pages) = &batch.pages {
        validate_pages(pages)?;
    }
    Ok(())
}

/// `pages`: at most [`MAX_PAGES_PER_BATCH`] entries, keys valid pageview ids, values absolute URLs.
fn validate_pages(pages: &BTreeMap<String, String>) -> Result {
    if pages.len() > MAX_PAGES_PER_BATCH {
        return Err(ValidationError::too_large(
            "too_many_pages",
            format!(
                "`pages` has {} entries, the limit is {MAX_PAGES_PER_BATCH}",
                pages.len()
            ),
        ));
    }
    for (pv, url) in pages {
        if check_id("pv", pv, 1).is_err() {
            // The key is untrusted: quote at most an id's length of it.
            let shown: String = pv.chars().take(MAX_ID_LEN).collect();
            return Err(ValidationError::invalid(
                "invalid_id",
                format!(
                    "`pages` key {shown:?} is not a pageview id: 1-{MAX_ID_LEN} characters of [A-Za-z0-9_-]"
                ),
            ));
        }
        let field = format!("pages[{pv:?}]");
        check_len(&field, url, MAX_URL_LEN)?;
        // Any absolute URL, as `location.href` is (also `file:` or an app's own scheme).
        if url::Url::parse(url).is_err() {
            return Err(ValidationError::invalid(
                "invalid_url",
                format!("`{field}` is not an absolute URL"),
            ));
        }
    }
    Ok(())
}

fn validate_event(event: &Event, correction: i64, received_at: i64, max_age_ms: i64) -> Result {
    let t = event.t.saturating_add(correction);
    if t < received_at - max_age_ms || t > received_at + MAX_EVENT_FUTURE_MS {
        return Err(ValidationError::invalid(
            "timestamp_out_of_range",
            format!(
                "`t` = {} is more than {} days old or in the future (server time {received_at})",
                event.t,
                max_age_ms / 86_400_000
            ),
        ));
    }
    check_id("pv", &event.pv, 1)?;
    const DIM: f64 = MAX_DIMENSION_PX;
    match &event.data {
        EventData::Pageview(p) => {
            if p.url.is_empty() {
                return Err(ValidationError::invalid("invalid_url", "`url` is empty"));
            }
            check_len("url", &p.url, MAX_URL_LEN)?;
            check_opt_len("ref", &p.referrer, MAX_URL_LEN)?;
            check_opt_len("title", &p.title, MAX_TITLE_LEN)?;
            check_opt_len("lang", &p.lang, MAX_SHORT_LEN)?;
            check_opt_len("tz", &p.tz, MAX_SHORT_LEN)?;
            for (name, value) in [
                ("vw", p.vw),
                ("vh", p.vh),
                ("sw", p.sw),
                ("sh", p.sh),
                ("dh", p.dh),
            ] {
                check_opt_range(name, value, 0.0, DIM)?;
            }
        }
        EventData::Pageleave(p) => {
            check_opt_range("active_ms", p.active_ms, 0.0, MAX_EVENT_AGE_MS as f64)?;
            check_opt_range("max_scroll_px", p.max_scroll_px, 0.0, DIM)?;
            check_opt_range("max_scroll_pct", p.max_scroll_pct, 0.0, 100.0)?;
        }
        EventData::Click(c) => {
            check_len("sel", &c.sel, MAX_SELECTOR_LEN)?;
            check_opt_len("tag", &c.tag, MAX_SHORT_LEN)?;
            check_opt_len("text", &c.text, MAX_CLICK_TEXT_LEN)?;
            check_opt_len("href", &c.href, MAX_URL_LEN)?;
            check_range("x", c.x, -DIM, DIM)?;
            check_range("y", c.y, -DIM, DIM)?;
            check_opt_range("rx", c.rx, 0.0, 1.0)?;
            check_opt_range("ry", c.ry, 0.0, 1.0)?;
            check_opt_range("vw", c.vw, 0.0, DIM)?;
        }
        EventData::Scroll(s) => {
            check_range("depth_px", s.depth_px, 0.0, DIM)?;
            check_range("depth_pct", s.depth_pct, 0.0, 100.0)?;
        }
        EventData::Move(m) => {
            if m.points.len() > MAX_MOVE_POINTS {
                return Err(ValidationError::too_large(
                    "field_too_long",
                    format!(
                        "`points` has {} entries, the limit is {MAX_MOVE_POINTS}",
                        m.points.len()
                    ),
                ));
            }
            for [x, y, dt] in &m.points {
                check_range("points.x", *x, -DIM, DIM)?;
                check_range("points.y", *y, -DIM, DIM)?;
                check_range("points.dt_ms", *dt, 0.0, MAX_EVENT_AGE_MS as f64)?;
            }
        }
        EventData::Hover(h) => {
            check_len("sel", &h.sel, MAX_SELECTOR_LEN)?;
            check_range("dwell_ms", h.dwell_ms, 0.0, MAX_EVENT_AGE_MS as f64)?;
        }
        EventData::Input(i) => {
            check_len("sel", &i.sel, MAX_SELECTOR_LEN)?;
            check_opt_len("field", &i.field, MAX_SHORT_LEN)?;
        }
        EventData::Error(e) => {
            check_len("msg", &e.msg, MAX_ERROR_MESSAGE_LEN)?;
            check_opt_len("stack", &e.stack, MAX_STACK_LEN)?;
            check_opt_len("src", &e.src, MAX_URL_LEN)?;
        }
        EventData::Request(r) => {
            check_len("url", &r.url, MAX_URL_LEN)?;
            check_opt_len("method", &r.method, MAX_SHORT_LEN)?;
            if r.status > 999 {
                return Err(ValidationError::invalid(
                    "out_of_range",
                    format!("`status` = {} is not an HTTP status", r.status),
                ));
            }
            check_opt_range("duration_ms", r.duration_ms, 0.0, MAX_EVENT_AGE_MS as f64)?;
        }
        EventData::Vital(v) => check_range("value", v.value, 0.0, 1e9)?,
        EventData::Layout(l) => {
            if l.zones.len() > MAX_LAYOUT_ZONES {
                return Err(ValidationError::too_large(
                    "field_too_long",
                    format!(
                        "`zones` has {} entries, the limit is {MAX_LAYOUT_ZONES}",
                        l.zones.len()
                    ),
                ));
            }
            for z in &l.zones {
                check_len("zones.sel", &z.sel, MAX_SELECTOR_LEN)?;
                check_range("zones.x", z.x, -DIM, DIM)?;
                check_range("zones.y", z.y, -DIM, DIM)?;
                check_range("zones.w", z.w, 0.0, DIM)?;
                check_range("zones.h", z.h, 0.0, DIM)?;
            }
        }
        EventData::Custom(c) => {
            if c.name.is_empty() {
                return Err(ValidationError::invalid("invalid_name", "`name` is empty"));
            }
            check_len("name", &c.name, MAX_NAME_LEN)?;
            check_json_size("props", &c.props)?;
            check_opt_range("revenue", c.revenue, -1e12, 1e12)?;
            check_opt_len("currency", &c.currency, MAX_SHORT_LEN)?;
        }
        EventData::Identify(i) => {
            if i.user_id.is_empty() {
                return Err(ValidationError::invalid(
                    "invalid_user_id",
                    "`user_id` is empty",
                ));
            }
            check_len("user_id", &i.user_id, MAX_USER_ID_LEN)?;
            check_json_size("traits", &i.traits)?;
        }
        EventData::Replay(r) => {
            if r.snapshot && r.chunk != 0 {
                return Err(ValidationError::invalid(
                    "invalid_snapshot",
                    format!(
                        "a page snapshot (`snapshot: true`) is chunk 0, not {}",
                        r.chunk
                    ),
                ));
            }
            let size = serde_json::to_vec(&r.events)
                .map(|v| v.len())
                .unwrap_or(usize::MAX);
            if size > MAX_REPLAY_CHUNK_BYTES {
                return Err(ValidationError::too_large(
                    "field_too_long",
                    format!("replay chunk is {size} bytes, the limit is {MAX_REPLAY_CHUNK_BYTES}"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_380_000_000;

    fn batch(events: serde_json::Value) -> Batch {
        serde_json::from_value(serde_json::json!({
            "v": 1, "site": "site1", "sid": "abcdefghijklmnop", "vid": null, "seq": 0,
            "sent_at": NOW, "events": events
        }))
        .expect("test batch parses")
    }

    #[test]
    fn accepts_every_event_type() {
        let b = batch(serde_json::json!([
            {"t": NOW, "type": "pageview", "pv": "p1", "url": "https://a.com/x", "ref": "", "vw": 1280, "vh": 800},
            {"t": NOW, "type": "pageleave", "pv": "p1", "active_ms": 100, "max_scroll_px": 50, "max_scroll_pct": 20},
            {"t": NOW, "type": "click", "pv": "p1", "sel": "#b", "x": 1, "y": 2, "rx": 0.5, "ry": 1, "pointer": "touch", "changed": null, "vw": 390, "fixed": true},
            {"t": NOW, "type": "scroll", "pv": "p1", "depth_px": 10, "depth_pct": 5, "dir_changes": 1},
            {"t": NOW, "type": "move", "pv": "p1", "points": [[1,2,3]]},
            {"t": NOW, "type": "hover", "pv": "p1", "sel": "#b", "dwell_ms": 2500, "clicked": false},
            {"t": NOW, "type": "input", "pv": "p1", "sel": "#e", "action": "abandon", "field": "email"},
            {"t": NOW, "type": "error", "pv": "p1", "msg": "x is undefined", "stack": "at y", "line": 3, "col": 4},
            {"t": NOW, "type": "request", "pv": "p1", "url": "/api", "method": "POST", "status": 0, "duration_ms": 12},
            {"t": NOW, "type": "vital", "pv": "p1", "name": "LCP", "value": 1200, "rating": "needs-improvement"},
            {"t": NOW, "type": "layout", "pv": "p1", "zones": [{"sel": "#b", "x": 0, "y": 0, "w": 10, "h": 10}]},
            {"t": NOW, "type": "custom", "pv": "p1", "name": "purchase", "props": {"a": 1}, "revenue": 9.5, "currency": "EUR"},
            {"t": NOW, "type": "identify", "pv": "p1", "user_id": "u1", "traits": {"plan": "pro"}},
            {"t": NOW, "type": "replay", "pv": "p1", "chunk": 0, "events": [{"type": 2}]},
            {"t": NOW, "type": "replay", "pv": "p1", "chunk": 0, "snapshot": true, "events": [{"type": 4}, {"type": 2}]}
        ]));
        assert_eq!(validate_batch(&b, NOW), Ok(()));
    }

    #[test]
    fn rejects_a_page_snapshot_that_is_not_chunk_0() {
        let b = batch(serde_json::json!([
            {"t": NOW, "type": "replay", "pv": "p1", "chunk": 3, "snapshot": true, "events": [{"type": 2}]}
        ]));
        let err = validate_batch(&b, NOW).expect_err("a snapshot is chunk 0");
        assert_eq!(
            (err.kind, err.code),
            (ValidationErrorKind::Invalid, "invalid_snapshot")
        );
        assert!(err.message.contains("chunk 0, not 3"), "{}", err.message);
    }

    #[test]
    fn rejects_out_of_range_offsets_with_the_field_named() {
        let b = batch(
            serde_json::json!([{"t": NOW, "type": "click", "pv": "p1", "sel": "#b", "x": 1, "y": 2, "rx": 1.5}]),
        );
        let err = validate_batch(&b, NOW).expect_err("rx > 1 must fail");
        assert_eq!(err.kind, ValidationErrorKind::Invalid);
        assert!(
            err.message.contains("events[0] (click)") && err.message.contains("`rx`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn rejects_short_session_ids_and_old_events() {
        let mut b = batch(
            serde_json::json!([{"t": NOW, "type": "scroll", "pv": "p1", "depth_px": 1, "depth_pct": 1}]),
        );
        b.sid = "short".into();
        assert_eq!(
            validate_batch(&b, NOW).map_err(|e| e.code),
            Err("invalid_id")
        );
        b.sid = "abcdefghijklmnop".into();
        b.events[0].t = NOW - MAX_EVENT_AGE_MS - 1;
        assert_eq!(
            validate_batch(&b, NOW).map_err(|e| e.code),
            Err("timestamp_out_of_range")
        );
    }

    #[test]
    fn corrects_skewed_client_clocks_before_checking_times() {
        // The client clock is 30 days behind: its events are recent once corrected.
        let skew = 30 * 24 * 3600 * 1000;
        let mut b = batch(
            serde_json::json!([{"t": NOW - skew, "type": "scroll", "pv": "p1", "depth_px": 1, "depth_pct": 1}]),
        );
        b.sent_at = NOW - skew;
        assert_eq!(validate_batch(&b, NOW), Ok(()));
        assert_eq!(clock_correction_ms(NOW - 1_000, NOW), 0);
    }

    #[test]
    fn oversized_fields_and_counts_are_too_large() {
        let long = "x".repeat(MAX_URL_LEN + 1);
        let b = batch(serde_json::json!([{"t": NOW, "type": "pageview", "pv": "p1", "url": long}]));
        assert_eq!(
            validate_batch(&b, NOW).map_err(|e| e.kind),
            Err(ValidationErrorKind::TooLarge)
        );
        let events: Vec<_> = (0..=MAX_EVENTS_PER_BATCH)
            .map(|_| serde_json::json!({"t": NOW, "type": "scroll", "pv": "p1", "depth_px": 1, "depth_pct": 1}))
            .collect();
        let b = batch(serde_json::Value::Array(events));
        assert_eq!(
            validate_batch(&b, NOW).map_err(|e| e.code),
            Err("too_many_events")
        );
    }

    fn with_pages(pages: serde_json::Value) -> std::result::Result<Batch, serde_json::Error> {
        serde_json::from_value(serde_json::json!({
            "v": 1, "site": "site1", "sid": "abcdefghijklmnop", "seq": 0, "sent_at": NOW,
            "pages": pages,
            "events": [{"t": NOW, "type": "scroll", "pv": "p1", "depth_px": 1, "depth_pct": 1}]
        }))
    }

    #[test]
    fn pages_are_optional_and_parsed() {
        let old_client = batch(
            serde_json::json!([{"t": NOW, "type": "scroll", "pv": "p1", "depth_px": 1, "depth_pct": 1}]),
        );
        assert_eq!(old_client.pages, None);
        assert_eq!(validate_batch(&old_client, NOW), Ok(()));
        // Serializing a batch without pages leaves the field out (the wire stays as old clients send it).
        let json = serde_json::to_value(&old_client).expect("serializes");
        assert!(json.get("pages").is_none(), "{json}");

        let b =
            with_pages(serde_json::json!({"p1": "https://todo.example/app/?utm_source=x#/active"}))
                .expect("parses");
        assert_eq!(validate_batch(&b, NOW), Ok(()));
        assert_eq!(
            b.page_url("p1"),
            Some("https://todo.example/app/?utm_source=x#/active")
        );
        assert_eq!(b.page_url("p2"), None);
        // null is the same as absent
        let b = with_pages(serde_json::Value::Null).expect("parses");
        assert_eq!(b.pages, None);
        // a URL must be a string, the field an object
        assert!(with_pages(serde_json::json!({"p1": 5})).is_err());
        assert!(with_pages(serde_json::json!(["https://a.example/"])).is_err());
    }

    #[test]
    fn rejects_bad_page_ids_with_pages_named() {
        for key in ["", "has space", "ü", &"k".repeat(MAX_ID_LEN + 1)] {
            let b = with_pages(serde_json::json!({ key: "https://a.example/" })).expect("parses");
            let err = validate_batch(&b, NOW).expect_err("bad key must fail");
            assert_eq!(
                (err.kind, err.code),
                (ValidationErrorKind::Invalid, "invalid_id"),
                "{key:?}"
            );
            assert!(err.message.starts_with("`pages` key"), "{}", err.message);
        }
        let longest = "k".repeat(MAX_ID_LEN);
        let b = with_pages(serde_json::json!({ longest: "https://a.example/" })).expect("parses");
        assert_eq!(validate_batch(&b, NOW), Ok(()));
    }

    #[test]
    fn rejects_page_urls_that_are_not_absolute_urls() {
        for url in [
            "",
            "/relative/path",
            "a.example/x",
            "//a.example/x",
            "https://",
            "http://exa mple.com/",
            "http://[::1/",
        ] {
            let b = with_pages(serde_json::json!({ "p1": url })).expect("parses");
            let err = validate_batch(&b, NOW).expect_err("not a page URL");
            assert_eq!(
                (err.kind, err.code),
                (ValidationErrorKind::Invalid, "invalid_url"),
                "{url:?}"
            );
            assert!(err.message.contains("`pages[\"p1\"]`"), "{}", err.message);
        }
        for url in [
            "http://localhost:8080/",
            "HTTPS://Shop.Example/Cart?x=1#/a",
            "https://xn--caf-dma.example/caf%C3%A9",
            "file:///home/me/page.html",
            "capacitor://localhost/app",
        ] {
            let b = with_pages(serde_json::json!({ "p1": url })).expect("parses");
            assert_eq!(validate_batch(&b, NOW), Ok(()), "{url:?}");
        }
    }

    #[test]
    fn oversized_page_urls_and_too_many_pages_are_too_large() {
        let base = "https://a.example/";
        let at_limit = format!("{base}{}", "x".repeat(MAX_URL_LEN - base.len()));
        let b = with_pages(serde_json::json!({ "p1": at_limit })).expect("parses");
        assert_eq!(validate_batch(&b, NOW), Ok(()));
        let over = format!("{at_limit}x");
        let b = with_pages(serde_json::json!({ "p1": over })).expect("parses");
        let err = validate_batch(&b, NOW).expect_err("over the URL limit");
        assert_eq!(
            (err.kind, err.code),
            (ValidationErrorKind::TooLarge, "field_too_long")
        );
        assert!(err.message.contains("pages"), "{}", err.message);

        let pages = |n: usize| {
            (0..n)
                .map(|i| (format!("pv{i}"), serde_json::json!(base)))
                .collect::<serde_json::Map<_, _>>()
        };
        let b = with_pages(pages(MAX_PAGES_PER_BATCH).into()).expect("parses");
        assert_eq!(validate_batch(&b, NOW), Ok(()));
        let b = with_pages(pages(MAX_PAGES_PER_BATCH + 1).into()).expect("parses");
        let err = validate_batch(&b, NOW).expect_err("too many pages");
        assert_eq!(
            (err.kind, err.code),
            (ValidationErrorKind::TooLarge, "too_many_pages")
        );
        assert!(err.message.contains("`pages`"), "{}", err.message);
    }

    #[test]
    fn unknown_event_types_do_not_parse() {
        let raw = serde_json::json!({"v": 1, "site": "s", "sid": "abcdefghijklmnop", "seq": 0, "sent_at": NOW,
            "events": [{"t": NOW, "type": "teleport", "pv": "p1"}]});
        assert!(serde_json::from_value::<Batch>(raw).is_err());
    }
}
