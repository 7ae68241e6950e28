//! A segment expression (`sightline_insight::segment`) as a DuckDB predicate over the sessions table (alias `s`).
//! Column names and operators come from our own tables; every value the user wrote is a bound parameter.

use duckdb::ToSql;
use sightline_insight::segment::{Action, Cmp, FlagField, NumberField, Segment, TextField};

/// A boolean SQL expression and its arguments, in order.
pub(super) struct Predicate {
    pub sql: String,
    pub args: Vec<Box<dyn ToSql>>,
}

/// `segment` as a predicate on the sessions of `site_id`; event subqueries start at `from` (a session's events
/// are no older than its start).
pub(super) fn predicate(segment: &Segment, site_id: i64, from: i64) -> Predicate {
    let mut args = Vec::new();
    let sql = compile(segment, site_id, from, &mut args);
    Predicate { sql, args }
}

fn compile(segment: &Segment, site_id: i64, from: i64, args: &mut Vec<Box<dyn ToSql>>) -> String {
    match segment {
        Segment::And(parts) | Segment::Or(parts) => {
            let joiner = if matches!(segment, Segment::And(_)) {
                " AND "
            } else {
                " OR "
            };
            let parts: Vec<String> = parts
                .iter()
                .map(|p| compile(p, site_id, from, args))
                .collect();
            format!("({})", parts.join(joiner))
        }
        Segment::Not(inner) => format!("(NOT {})", compile(inner, site_id, from, args)),
        Segment::Text {
            field,
            negated,
            values,
        } => text(*field, *negated, values, args),
        Segment::Number { field, op, value } => {
            let column = match field {
                NumberField::Revenue => "s.revenue",
                NumberField::Duration => "s.duration_ms",
                NumberField::ActiveTime => "least(s.active_ms, s.duration_ms)",
                NumberField::Pages => "s.pageviews",
                NumberField::Clicks => "s.clicks",
                NumberField::Errors => "s.errors",
            };
            args.push(Box::new(*value));
            format!("({column} {} ?)", op.sql())
        }
        Segment::Flag { field, value } => {
            let condition = match field {
                FlagField::Converted => "s.conversions > 0",
                FlagField::HasReplay => "s.replay_chunks > 0",
                FlagField::HadError => "s.errors > 0",
            };
            args.push(Box::new(*value));
            format!("(({condition}) = ?)")
        }
        Segment::Trait {
            name,
            negated,
            values,
        } => {
            args.push(Box::new(site_id));
            args.push(Box::new(format!("$.\"{name}\"")));
            let list = placeholders(values, args);
            // A user's traits are those of any `identify`, whenever it was sent.
            let users = format!(
                "coalesce(s.user_id IN (SELECT user_id FROM events WHERE site_id = ? AND type = 'identify'
                   AND user_id IS NOT NULL AND json_extract_string(props, ?) IN ({list})), false)"
            );
            if *negated {
                format!("(NOT {users})")
            } else {
                format!("({users})")
            }
        }
        Segment::Behaviour { action, op, count } => {
            behaviour(action, *op, *count, site_id, from, args)
        }
    }
}

fn text(
    field: TextField,
    negated: bool,
    values: &[String],
    args: &mut Vec<Box<dyn ToSql>>,
) -> String {
    let Some(columns) = crate::session_columns::segment_text_columns(field) else {
        let returning = "EXISTS (SELECT 1 FROM visitors v WHERE v.site_id = s.site_id
                 AND v.visitor_hash = s.visitor_hash AND v.first_seen < s.started)";
        let any: Vec<String> = values
            .iter()
            .map(|v| {
                args.push(Box::new(v == "returning"));
                format!("({returning}) = ?")
            })
            .collect();
        let any = format!("({})", any.join(" OR "));
        return if negated { format!("(NOT {any})") } else { any };
    };
    // A missing value (no UTM source) is "", so that `!=` and `not in` include it.
    let matches: Vec<String> = columns
        .iter()
        .map(|column| {
            let list = placeholders(values, args);
            format!("coalesce({column}, '') IN ({list})")
        })
        .collect();
    let any = format!("({})", matches.join(" OR "));
    if negated { format!("(NOT {any})") } else { any }
}

fn placeholders(values: &[String], args: &mut Vec<Box<dyn ToSql>>) -> String {
    args.extend(values.iter().map(|v| Box::new(v.clone()) as Box<dyn ToSql>));
    vec!["?"; values.len()].join(", ")
}

fn behaviour(
    action: &Action,
    op: Cmp,
    count: u32,
    site_id: i64,
    from: i64,
    args: &mut Vec<Box<dyn ToSql>>,
) -> String {
    let n = i64::from(count);
    match action {
        // Counted in the session's row: its page paths and its journey (page groups, custom events).
        Action::Visited(page) => {
            args.push(Box::new(page.clone()));
            args.push(Box::new(page.clone()));
            args.push(Box::new(n));
            format!(
                "(greatest(len(list_filter(s.page_paths, p -> p = ?)),
                           len(list_filter(coalesce(s.journey, []), j -> j.page = ?))) {} ?)",
                op.sql()
            )
        }
        Action::Did(event) => {
            args.push(Box::new(event.clone()));
            args.push(Box::new(n));
            format!(
                "(len(list_filter(coalesce(s.journey, []), j -> j.event = ?)) {} ?)",
                op.sql()
            )
        }
        Action::Clicked(selector) => {
            let select =
                "SELECT session FROM events WHERE site_id = ? AND ts >= ? AND type = 'click'
                 AND selector = ? GROUP BY session";
            counted(select, op, n, args, |args| {
                args.push(Box::new(site_id));
                args.push(Box::new(from));
                args.push(Box::new(selector.clone()));
            })
        }
        Action::Frustration { kind, page } => {
            let select = format!(
                "SELECT session FROM detections WHERE site_id = ? AND kind = ?{} GROUP BY session",
                if page.is_some() {
                    " AND page_group = ?"
                } else {
                    ""
                }
            );
            counted(&select, op, n, args, |args| {
                args.push(Box::new(site_id));
                args.push(Box::new(kind.as_str().to_string()));
                if let Some(page) = page {
                    args.push(Box::new(page.clone()));
                }
            })
        }
    }
}

/// Sessions whose count of `select`'s rows compares to `n`: those in the groups that pass, or — when zero
/// passes (`= 0`, `< 3`), so that sessions without any row count — those not in the groups that fail.
fn counted(
    select: &str,
    op: Cmp,
    n: i64,
    args: &mut Vec<Box<dyn ToSql>>,
    bind: impl FnOnce(&mut Vec<Box<dyn ToSql>>),
) -> String {
    bind(args);
    args.push(Box::new(n));
    let cmp = op.sql();
    if op.holds(0.0, n as f64) {
        format!("(s.session NOT IN ({select} HAVING NOT (count(*) {cmp} ?)))")
    } else {
        format!("(s.session IN ({select} HAVING count(*) {cmp} ?))")
    }
}
