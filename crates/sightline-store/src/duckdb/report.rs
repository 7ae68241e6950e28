//! The sessions a report covers: `FROM sessions s WHERE …` for one site, a time range and the filters. Every
//! report (overview, series, sessions list) reads the `sessions` table through this; events only where a filter
//! is about events (clicked an element).

use duckdb::{Connection, ToSql};

use sightline_insight::segment::{Action, Segment, TextField};

use crate::{Result, SessionFilters, VisitorType};

/// A `FROM sessions s WHERE …` clause and its arguments, in order.
pub(super) struct ReportSessions {
    pub sql: String,
    pub args: Vec<Box<dyn ToSql>>,
}

impl ReportSessions {
    pub fn args(&self) -> Vec<&dyn ToSql> {
        self.args.iter().map(|a| a.as_ref()).collect()
    }
}

/// The report's sessions for a request that reads them several times: a filter on events (clicked an
/// element) is evaluated once into the connection's `report_keys` table instead of once per query.
/// Call [`end_report`] after the last query.
pub(super) fn begin_report(
    conn: &Connection,
    site_id: i64,
    from: i64,
    to: i64,
    f: &SessionFilters,
) -> Result<ReportSessions> {
    if f.segment.as_ref().is_some_and(reads_other_tables) {
        // The whole selection once: a segment's subqueries over events or detections are its costly part.
        let selected = report_sessions(site_id, from, to, f, None);
        conn.execute(
            &format!(
                "CREATE OR REPLACE TEMP TABLE report_keys AS SELECT s.session {}",
                selected.sql
            ),
            selected.args().as_slice(),
        )?;
        return Ok(report_sessions(
            site_id,
            from,
            to,
            &SessionFilters::default(),
            Some("SELECT session FROM report_keys"),
        ));
    }
    let Some((sql, args)) = event_filter(site_id, from, f) else {
        return Ok(report_sessions(site_id, from, to, f, None));
    };
    let args: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
    conn.execute(
        &format!("CREATE OR REPLACE TEMP TABLE report_keys AS {sql}"),
        args.as_slice(),
    )?;
    Ok(report_sessions(
        site_id,
        from,
        to,
        f,
        Some("SELECT session FROM report_keys"),
    ))
}

pub(super) fn end_report(conn: &Connection) -> Result<()> {
    conn.execute_batch("DROP TABLE IF EXISTS report_keys")?;
    Ok(())
}

type Select = (String, Vec<Box<dyn ToSql>>);

/// Whether a segment reads more than the session rows (events, detections, visitors).
fn reads_other_tables(segment: &Segment) -> bool {
    segment.conditions().into_iter().any(|c| {
        matches!(
            c,
            Segment::Trait { .. }
                | Segment::Text {
                    field: TextField::Visitor,
                    ..
                }
                | Segment::Behaviour {
                    action: Action::Clicked(_) | Action::Frustration { .. },
                    ..
                }
        )
    })
}

/// The session keys the filters on events select (`SELECT session …`), if there are such filters.
fn event_filter(site_id: i64, from: i64, f: &SessionFilters) -> Option<Select> {
    // A session's events are no older than its start, so `ts >= from` prunes the scan to the range.
    let events: [(&str, &str, &Option<String>); 1] = [("click", "selector", &f.clicked)];
    let mut selects = Vec::new();
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    for (event_type, column, value) in events {
        if let Some(value) = value {
            selects.push(format!(
                "SELECT DISTINCT session FROM events
                 WHERE site_id = ? AND ts >= ? AND type = '{event_type}' AND {column} = ?"
            ));
            args.extend([
                Box::new(site_id) as Box<dyn ToSql>,
                Box::new(from),
                Box::new(value.clone()),
            ]);
        }
    }
    (!selects.is_empty()).then(|| (selects.join(" INTERSECT "), args))
}

/// Sessions of `site_id` that started in `[from, to)`, had a pageview and match `f`; `keys` selects the session
/// keys the event filters chose, when [`begin_report`] stored them (else those filters are evaluated inline).
pub(super) fn report_sessions(
    site_id: i64,
    from: i64,
    to: i64,
    f: &SessionFilters,
    keys: Option<&str>,
) -> ReportSessions {
    let mut sql = String::from(
        "FROM sessions s WHERE s.site_id = ? AND s.started >= ? AND s.started < ? AND s.pageviews > 0",
    );
    let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(site_id), Box::new(from), Box::new(to)];
    let text = f.text_columns();
    for (column, value) in text {
        if let Some(value) = value {
            sql.push_str(&format!(" AND s.{column} = ?"));
            args.push(Box::new(value.clone()));
        }
    }
    if let Some(page) = &f.page {
        sql.push_str(" AND list_contains(s.page_paths, ?)");
        args.push(Box::new(page.clone()));
    }
    match (keys, event_filter(site_id, from, f)) {
        (Some(keys), _) => sql.push_str(&format!(" AND s.session IN ({keys})")),
        (None, Some((select, select_args))) => {
            sql.push_str(&format!(" AND s.session IN ({select})"));
            args.extend(select_args);
        }
        (None, None) => {}
    }
    let flags = f.flag_conditions();
    for (condition, value) in flags {
        if let Some(value) = value {
            sql.push_str(&format!(" AND ({condition}) = ?"));
            args.push(Box::new(value));
        }
    }
    for (expression, comparison, value) in f.bounds() {
        if let Some(value) = value {
            sql.push_str(&format!(" AND {expression} {comparison} ?"));
            args.push(Box::new(value));
        }
    }
    if let Some(kind) = &f.frustration {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM detections d WHERE d.site_id = s.site_id AND d.session = s.session AND d.kind = ?",
        );
        args.push(Box::new(kind.clone()));
        let detail: [(&str, &Option<String>); 2] = [
            ("page_group", &f.frustration_page),
            ("element", &f.frustration_element),
        ];
        for (column, value) in detail {
            if let Some(value) = value {
                sql.push_str(&format!(" AND d.{column} = ?"));
                args.push(Box::new(value.clone()));
            }
        }
        sql.push(')');
    }
    if let Some(min) = f.min_revenue {
        sql.push_str(" AND s.revenue >= ?");
        args.push(Box::new(min));
    }
    if let Some(kind) = f.visitor_type {
        // Returning: the visitor was first seen on this site before the session started.
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM visitors v WHERE v.site_id = s.site_id
                 AND v.visitor_hash = s.visitor_hash AND v.first_seen < s.started) = ?",
        );
        args.push(Box::new(kind == VisitorType::Returning));
    }
    if let Some(segment) = &f.segment {
        let predicate = super::segment::predicate(segment, site_id, from);
        sql.push_str(&format!(" AND {}", predicate.sql));
        args.extend(predicate.args);
    }
    ReportSessions { sql, args }
}
