//! `docs/wire.md` is the wire-format contract: every JSON example in it goes through the real ingest parse path
//! here, and its tables of limits, error codes and hash routes are checked against the code. A renamed field, a
//! changed limit or message, or a new error code fails this test until the document says so too.
//!
//! Fences: ```` ```json request ```` (accepted; `received_at=<ms>` sets the server clock, else `sent_at`),
//! ```` ```json request invalid ```` / ```` ```json request malformed ```` (refused, with the answer in the next
//! fence), ```` ```json response <status> ````. Any other `json` fence is an error.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};
use sightline_ingest::IngestError;
use sightline_ingest::enrich::{default_page_group, normalize_path};
use sightline_ingest::pipeline::parse_batch;
use sightline_ingest::spool::SpoolError;
use sightline_model::limits::*;
use sightline_model::wire::BatchAccepted;

const DOC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/wire.md"));
const VALIDATOR: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../sightline-model/src/validate.rs"
));

const EVENT_TYPES: [&str; 14] = [
    "pageview",
    "pageleave",
    "click",
    "scroll",
    "move",
    "hover",
    "input",
    "error",
    "request",
    "vital",
    "layout",
    "custom",
    "identify",
    "replay",
];

struct Fence<'a> {
    line: usize,
    info: &'a str,
    body: String,
}

fn fences(doc: &str) -> Vec<Fence<'_>> {
    let mut out = Vec::new();
    let mut open: Option<Fence<'_>> = None;
    for (i, line) in doc.lines().enumerate() {
        match open.take() {
            None => {
                open = line.strip_prefix("```").map(|info| Fence {
                    line: i + 1,
                    info: info.trim(),
                    body: String::new(),
                });
            }
            Some(fence) if line.trim_end() == "```" => out.push(fence),
            Some(mut fence) => {
                fence.body.push_str(line);
                fence.body.push('\n');
                open = Some(fence);
            }
        }
    }
    assert!(open.is_none(), "docs/wire.md has an unclosed fence");
    out
}

/// The HTTP status the server gives an ingest error (`sightline-server`'s `ApiError::from`); exhaustive, so
/// a new kind of refusal must be placed here, and documented.
fn status_of(e: &IngestError) -> u16 {
    if e.is_too_large() {
        return 413;
    }
    match e {
        IngestError::BodyTooLarge(_) | IngestError::DecompressedTooLarge => 413,
        IngestError::BadGzip(_) | IngestError::Malformed(_) | IngestError::Invalid(_) => 400,
        IngestError::UnknownSite(_) => 404,
        IngestError::OriginNotAllowed(_) => 403,
        IngestError::RateLimited(_) => 429,
        IngestError::SpoolUnavailable(_) | IngestError::Overloaded { .. } => 503,
        IngestError::Store(_) | IngestError::Task(_) => 500,
    }
}

/// Every refusal that does not come from the body's content, with its status.
fn other_refusals() -> BTreeMap<&'static str, u16> {
    let errors = [
        IngestError::BodyTooLarge(0),
        IngestError::DecompressedTooLarge,
        IngestError::BadGzip(String::new()),
        IngestError::Malformed(String::new()),
        IngestError::UnknownSite(String::new()),
        IngestError::OriginNotAllowed(String::new()),
        IngestError::SpoolUnavailable(SpoolError::Busy),
        IngestError::RateLimited(Duration::from_secs(1)),
        IngestError::Overloaded {
            lag_bytes: 0,
            limit_bytes: 0,
        },
        IngestError::Task(String::new()),
    ];
    let mut codes: BTreeMap<_, _> = errors.iter().map(|e| (e.code(), status_of(e))).collect();
    // Answered by the route itself (crates/sightline-server/src/routes/ingest.rs).
    codes.insert("body_timeout", 408);
    codes
}

/// Every code the validator can give, with its status, read from its source.
fn validation_codes() -> BTreeMap<String, u16> {
    let mut codes = BTreeMap::new();
    for (call, status) in [
        ("ValidationError::invalid(", 400),
        ("ValidationError::too_large(", 413),
    ] {
        for (at, _) in VALIDATOR.match_indices(call) {
            let rest = VALIDATOR[at + call.len()..].trim_start();
            let code = rest
                .strip_prefix('"')
                .and_then(|r| r.split_once('"'))
                .map(|(code, _)| code.to_string())
                .expect("a validation error's code is a string literal");
            codes.insert(code, status);
        }
    }
    assert!(codes.len() >= 10, "found {codes:?} in validate.rs");
    codes
}

/// JSON as the format means it: `null` is the same as absent, and a number is a number (`1280` = `1280.0`).
fn normalized(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, normalized(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(normalized).collect()),
        Value::Number(n) => json!(n.as_f64()),
        other => other,
    }
}

fn json_of(fence: &Fence<'_>) -> Value {
    serde_json::from_str(&fence.body)
        .unwrap_or_else(|e| panic!("docs/wire.md:{}: not JSON: {e}", fence.line))
}

/// A documented error answer: `{"error": {"code", "message"}}` and nothing else.
fn error_of(fence: &Fence<'_>) -> (String, String) {
    let value = json_of(fence);
    let object = value.as_object().expect("an object");
    assert_eq!(
        object.keys().collect::<Vec<_>>(),
        ["error"],
        "docs/wire.md:{}",
        fence.line
    );
    let error = object["error"].as_object().expect("error is an object");
    assert_eq!(
        error.keys().collect::<BTreeSet<_>>(),
        BTreeSet::from([&"code".to_string(), &"message".to_string()]),
        "docs/wire.md:{}",
        fence.line
    );
    let text = |k: &str| {
        error[k]
            .as_str()
            .unwrap_or_else(|| panic!("docs/wire.md:{}: {k} is a string", fence.line))
            .to_string()
    };
    (text("code"), text("message"))
}

fn response_status(fence: &Fence<'_>) -> Option<u16> {
    let status = fence.info.strip_prefix("json response ")?;
    Some(
        status
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("docs/wire.md:{}: status {status:?}", fence.line)),
    )
}

#[test]
fn every_example_in_the_wire_doc_is_what_the_server_does() {
    let fences = fences(DOC);
    let json_fences: Vec<&Fence<'_>> = fences
        .iter()
        .filter(|f| f.info == "json" || f.info.starts_with("json "))
        .collect();
    let refusals = other_refusals();
    let mut types_shown = BTreeSet::new();
    let (mut accepted, mut refused, mut answers) = (0, 0, 0);
    let mut expected_answer: Option<(usize, IngestError)> = None;

    for fence in &json_fences {
        let at = format!("docs/wire.md:{}", fence.line);
        if let Some((request_line, error)) = expected_answer.take() {
            let status = response_status(fence).unwrap_or_else(|| {
                panic!("{at}: the refused request at line {request_line} needs its response next")
            });
            let (code, message) = error_of(fence);
            assert_eq!(
                (status, code.as_str(), message.as_str()),
                (status_of(&error), error.code(), error.to_string().as_str()),
                "{at}: the answer to the request at line {request_line}"
            );
            refused += 1;
            continue;
        }
        let words: Vec<&str> = fence.info.split_whitespace().collect();
        match words.as_slice() {
            ["json", "request", rest @ ..] => {
                let (expect, clock): (Vec<&str>, Vec<&str>) =
                    rest.iter().partition(|w| !w.starts_with("received_at="));
                let received_at = match clock.first() {
                    Some(w) => w["received_at=".len()..]
                        .parse()
                        .unwrap_or_else(|_| panic!("{at}: {w}")),
                    None => json_of(fence)["sent_at"]
                        .as_i64()
                        .unwrap_or_else(|| panic!("{at}: no sent_at")),
                };
                let result =
                    parse_batch(fence.body.as_bytes(), false, received_at, MAX_EVENT_AGE_MS);
                match (expect.as_slice(), result) {
                    ([], Ok((batch, _))) => {
                        // Nothing the document shows is lost or renamed on the way through the serde types.
                        let back = serde_json::to_value(&batch).expect("serializes");
                        assert_eq!(
                            normalized(back),
                            normalized(json_of(fence)),
                            "{at}: a field of the example is not in the wire types"
                        );
                        types_shown.extend(batch.events.iter().map(|e| e.data.type_name()));
                        accepted += 1;
                    }
                    ([], Err(e)) => panic!("{at}: the example is refused: {e}"),
                    (["invalid"], Err(e @ IngestError::Invalid(_)))
                    | (["malformed"], Err(e @ IngestError::Malformed(_))) => {
                        expected_answer = Some((fence.line, e));
                    }
                    (other, result) => panic!(
                        "{at}: marked {other:?} but parse_batch gave {:?}",
                        result.map(|_| ())
                    ),
                }
            }
            ["json", "response", _] => {
                let status = response_status(fence).expect("a status");
                if status == 202 {
                    let ok: BatchAccepted = serde_json::from_str(&fence.body)
                        .unwrap_or_else(|e| panic!("{at}: not a 202 body: {e}"));
                    assert_eq!(
                        normalized(serde_json::to_value(&ok).expect("serializes")),
                        normalized(json_of(fence)),
                        "{at}"
                    );
                } else {
                    let (code, _) = error_of(fence);
                    assert_eq!(
                        refusals.get(code.as_str()),
                        Some(&status),
                        "{at}: `{code}` with {status} is not a refusal of the ingest path"
                    );
                }
                answers += 1;
            }
            _ => panic!(
                "{at}: unknown fence {:?} (json request [invalid|malformed] [received_at=ms] | json response <status>)",
                fence.info
            ),
        }
    }
    assert!(
        expected_answer.is_none(),
        "the last refused request has no response"
    );
    assert_eq!(
        types_shown,
        EVENT_TYPES.into_iter().collect(),
        "the accepted examples show every event type"
    );
    assert!(
        accepted >= 5 && refused >= 5 && answers >= 5,
        "{accepted} {refused} {answers}"
    );
}

#[test]
fn the_wire_doc_documents_every_event_type_error_code_and_limit() {
    for t in EVENT_TYPES {
        assert!(
            DOC.contains(&format!("\n### `{t}`\n")),
            "no section for `{t}`"
        );
    }
    let mut codes: BTreeMap<String, u16> = other_refusals()
        .into_iter()
        .map(|(code, status)| (code.to_string(), status))
        .collect();
    codes.extend(validation_codes());
    for (code, status) in &codes {
        assert!(
            DOC.contains(&format!("| {status} | `{code}` |")),
            "the error table has no row `| {status} | `{code}` |`"
        );
    }
    let limits: [(&str, String); 23] = [
        ("MAX_BODY_BYTES", MAX_BODY_BYTES.to_string()),
        ("MAX_DECOMPRESSED_BYTES", MAX_DECOMPRESSED_BYTES.to_string()),
        ("MAX_EVENTS_PER_BATCH", MAX_EVENTS_PER_BATCH.to_string()),
        ("MAX_PAGES_PER_BATCH", MAX_PAGES_PER_BATCH.to_string()),
        ("MIN_SESSION_ID_LEN", MIN_SESSION_ID_LEN.to_string()),
        ("MAX_ID_LEN", MAX_ID_LEN.to_string()),
        ("MAX_URL_LEN", MAX_URL_LEN.to_string()),
        ("MAX_TITLE_LEN", MAX_TITLE_LEN.to_string()),
        ("MAX_SELECTOR_LEN", MAX_SELECTOR_LEN.to_string()),
        ("MAX_CLICK_TEXT_LEN", MAX_CLICK_TEXT_LEN.to_string()),
        ("MAX_SHORT_LEN", MAX_SHORT_LEN.to_string()),
        ("MAX_NAME_LEN", MAX_NAME_LEN.to_string()),
        ("MAX_ERROR_MESSAGE_LEN", MAX_ERROR_MESSAGE_LEN.to_string()),
        ("MAX_STACK_LEN", MAX_STACK_LEN.to_string()),
        ("MAX_USER_ID_LEN", MAX_USER_ID_LEN.to_string()),
        ("MAX_PROPS_BYTES", MAX_PROPS_BYTES.to_string()),
        ("MAX_MOVE_POINTS", MAX_MOVE_POINTS.to_string()),
        ("MAX_LAYOUT_ZONES", MAX_LAYOUT_ZONES.to_string()),
        ("MAX_REPLAY_CHUNK_BYTES", MAX_REPLAY_CHUNK_BYTES.to_string()),
        ("MAX_EVENT_AGE_MS", MAX_EVENT_AGE_MS.to_string()),
        ("MAX_EVENT_FUTURE_MS", MAX_EVENT_FUTURE_MS.to_string()),
        (
            "CLOCK_SKEW_TOLERANCE_MS",
            CLOCK_SKEW_TOLERANCE_MS.to_string(),
        ),
        ("MAX_DIMENSION_PX", MAX_DIMENSION_PX.to_string()),
    ];
    for (name, value) in limits {
        assert!(
            DOC.contains(&format!("| `{name}` | {value} |")),
            "the limits table has no row `| `{name}` | {value} |`"
        );
    }
}

#[test]
fn the_wire_doc_hash_route_table_is_what_paths_and_groups_become() {
    let mut rows = 0;
    for line in DOC.lines().filter(|l| l.starts_with("| `http")) {
        let cells: Vec<&str> = line
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .filter(|c| !c.is_empty())
            .collect();
        let [url, path, group] = cells[..] else {
            panic!("a hash-route row has three cells: {line}");
        };
        assert_eq!(normalize_path(url), path, "{line}");
        assert_eq!(default_page_group(path), group, "{line}");
        rows += 1;
    }
    assert!(rows >= 5, "{rows} hash-route rows");
}
