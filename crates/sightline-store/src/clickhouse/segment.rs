//! A segment expression (`sightline_insight::segment`) as a ClickHouse predicate over the merged sessions
//! (alias `s`), with the semantics of the embedded store's `duckdb/segment.rs`. Column names and operators are
//! our own; every value the user wrote is a quoted literal.

use sightline_insight::segment::{Action, Cmp, FlagField, NumberField, Segment, TextField};

use super::analysis::current_analysis;
use super::http::quote;

/// `segment` as a predicate on the sessions of `site_id`; event subqueries start at `from` (a session's events
/// are no older than its start). Reads `s.first_seen` when [`needs_first_seen`].
pub(super) fn predicate(segment: &Segment, site_id: i64, from: i64) -> String {
    match segment {
        Segment::And(parts) | Segment::Or(parts) => {
            let joiner = if matches!(segment, Segment::And(_)) {
                " AND "
            } else {
                " OR "
            };
            let parts: Vec<String> = parts.iter().map(|p| predicate(p, site_id, from)).collect();
            format!("({})", parts.join(joiner))
        }
        Segment::Not(inner) => format!("(NOT {})", predicate(inner, site_id, from)),
        Segment::Text {
            field,
            negated,
            values,
        } => text(*field, *negated, values),
        Segment::Number { field, op, value } => {
            let column = match field {
                NumberField::Revenue => "s.revenue",
                NumberField::Duration => "s.duration_ms",
                NumberField::ActiveTime => "least(s.active_ms, s.duration_ms)",
                NumberField::Pages => "s.pageviews",
                NumberField::Clicks => "s.clicks",
                NumberField::Errors => "s.errors",
            };
            format!("({column} {} {value:?})", op.sql())
        }
        Segment::Flag { field, value } => {
            let condition = match field {
                FlagField::Converted => "s.conversions > 0",
                FlagField::HasReplay => "s.replay_chunks > 0",
                FlagField::HadError => "s.errors > 0",
            };
            format!("(({condition}) = {})", u8::from(*value))
        }
        Segment::Trait {
            name,
            negated,
            values,
        } => {
            // A user's traits are those of any `identify`, whenever it was sent; a trait's value as text
            // (a string without its quotes, a number as written).
            let value = format!(
                "replaceRegexpAll(visitParamExtractRaw(ifNull(props, ''), {}), '^\"|\"$', '')",
                quote(name)
            );
            let users = format!(
                "(ifNull(s.user_id, '') IN (SELECT assumeNotNull(user_id) FROM events WHERE site_id = {site_id}
                   AND type = 'identify' AND isNotNull(user_id) AND {value} IN ({})) AND isNotNull(s.user_id))",
                list(values)
            );
            if *negated {
                format!("(NOT {users})")
            } else {
                users
            }
        }
        Segment::Behaviour { action, op, count } => behaviour(action, *op, *count, site_id, from),
    }
}

/// Whether the predicate reads when each visitor was first seen (a join the report adds).
pub(super) fn needs_first_seen(segment: &Segment) -> bool {
    segment.conditions().into_iter().any(|c| {
        matches!(
            c,
            Segment::Text {
                field: TextField::Visitor,
                ..
            }
        )
    })
}

fn list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| quote(v))
        .collect::<Vec<_>>()
        .join(", ")
}

fn text(field: TextField, negated: bool, values: &[String]) -> String {
    let Some(columns) = crate::session_columns::segment_text_columns(field) else {
        let any: Vec<String> = values
            .iter()
            .map(|v| {
                format!(
                    "((s.first_seen < s.started) = {})",
                    u8::from(v == "returning")
                )
            })
            .collect();
        let any = format!("({})", any.join(" OR "));
        return if negated { format!("(NOT {any})") } else { any };
    };
    // A missing value (no UTM source) is "", so that `!=` and `not in` include it.
    let values = list(values);
    let matches: Vec<String> = columns
        .iter()
        .map(|column| format!("ifNull({column}, '') IN ({values})"))
        .collect();
    let any = format!("({})", matches.join(" OR "));
    if negated { format!("(NOT {any})") } else { any }
}

fn behaviour(action: &Action, op: Cmp, count: u32, site_id: i64, from: i64) -> String {
    let cmp = op.sql();
    match action {
        // Counted in the session's row: its page paths and its journey (page groups, custom events).
        Action::Visited(page) => {
            let page = quote(page);
            format!(
                "(greatest(length(arrayFilter(p -> p = {page}, s.page_paths)),
                           length(arrayFilter(j -> ifNull(j.2, '') = {page}, s.journey))) {cmp} {count})"
            )
        }
        Action::Did(event) => format!(
            "(length(arrayFilter(j -> ifNull(j.3, '') = {}, s.journey)) {cmp} {count})",
            quote(event)
        ),
        Action::Clicked(selector) => counted(
            &format!(
                "SELECT session FROM events WHERE site_id = {site_id} AND ts >= {from} AND type = 'click'
                 AND selector = {} GROUP BY session",
                quote(selector)
            ),
            op,
            count,
        ),
        Action::Frustration { kind, page } => {
            let on_page = page
                .as_ref()
                .map(|p| format!(" AND page_group = {}", quote(p)))
                .unwrap_or_default();
            counted(
                &format!(
                    "SELECT session FROM detections WHERE site_id = {site_id} AND kind = {}{on_page}
                     AND {} GROUP BY session",
                    quote(kind.as_str()),
                    current_analysis(site_id)
                ),
                op,
                count,
            )
        }
    }
}

/// Sessions whose count of `select`'s rows compares to `n`: those in the groups that pass, or — when zero
/// passes (`= 0`, `< 3`), so that sessions without any row count — those not in the groups that fail.
fn counted(select: &str, op: Cmp, n: u32) -> String {
    let cmp = op.sql();
    if op.holds(0.0, f64::from(n)) {
        format!("(s.session NOT IN ({select} HAVING NOT (count() {cmp} {n})))")
    } else {
        format!("(s.session IN ({select} HAVING count() {cmp} {n}))")
    }
}
