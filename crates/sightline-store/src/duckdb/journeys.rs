//! Journeys (paths between page groups and custom events) from each session's `journey` column: one ordered
//! list per session, sliced around the anchor, then counted per step by DuckDB. Nothing reads the events table.

use std::collections::HashMap;

use duckdb::{Connection, ToSql};

use super::report::{ReportSessions, report_sessions};
use crate::path_report::{Counted, shape};
use crate::{
    EXIT_NODE, OTHER_NODE, PathNodes, PathQuery, PathReport, PathSelection, Result, StoreError,
    TOP_PATHS,
};

/// `SELECT session, p, ended FROM …`: each report session with its path from the anchor (`p`, in the query's
/// direction, at most `steps + 1` nodes; NULL or empty when the session did not reach the anchor) and whether its
/// visit ended there (forward) or began there (backward).
fn anchored(q: &PathQuery, report: ReportSessions) -> (String, Vec<Box<dyn ToSql>>) {
    let nodes = match q.nodes {
        PathNodes::Pages => {
            "list_transform(list_filter(coalesce(s.journey, []), j -> j.page IS NOT NULL), j -> j.page)"
        }
        PathNodes::Events => {
            "list_transform(list_filter(coalesce(s.journey, []), j -> j.event IS NOT NULL), j -> j.event)"
        }
        PathNodes::All => "list_transform(coalesce(s.journey, []), j -> coalesce(j.page, j.event))",
    };
    let collapse = if q.repeats {
        "g"
    } else {
        "list_filter(g, (x, i) -> i = 1 OR x <> g[i - 1])"
    };
    let n = q.steps as i64;
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    let sequences = format!(
        "SELECT session, {collapse} AS g FROM (SELECT s.session, {nodes} AS g {})",
        report.sql
    );
    // No `WHERE` here: DuckDB pushes a filter below the projection that computes `g`, recomputing the lambdas
    // once per reference (twice the cost at 100 M events). A session without the anchor gets a NULL (or, from
    // the entry, an empty) path, which the counting skips.
    let slice = match (&q.start, &q.end) {
        (None, None) => {
            format!("SELECT session, g[1 : {n} + 1] AS p, len(g) <= {n} + 1 AS ended FROM seq")
        }
        (Some(start), None) => {
            args.push(Box::new(start.clone()));
            format!(
                "SELECT session, CASE WHEN a > 0 THEN g[a : a + {n}] END AS p, a + {n} >= len(g) AS ended
                 FROM (SELECT session, g, list_position(g, ?) AS a FROM seq)"
            )
        }
        (None, Some(end)) => {
            args.push(Box::new(end.clone()));
            format!(
                "SELECT session, CASE WHEN b > 0 THEN list_reverse(g[greatest(1, b - {n}) : b]) END AS p,
                        b - {n} <= 1 AS ended
                 FROM (SELECT session, g, list_position(g, ?) AS b FROM seq)"
            )
        }
        (Some(start), Some(end)) => {
            args.push(Box::new(start.clone()));
            args.push(Box::new(end.clone()));
            // From the start's first view to the end's first view after it, within the steps.
            format!(
                "SELECT session, CASE WHEN a > 0 AND e > 1 AND e <= {n} + 1 THEN t[1 : e] END AS p,
                        e = len(g) - a + 1 AS ended
                 FROM (SELECT session, g, a, t, list_position(t[2:], ?) + 1 AS e
                       FROM (SELECT session, g, a, CASE WHEN a > 0 THEN g[a:] END AS t
                             FROM (SELECT session, g, list_position(g, ?) AS a FROM seq)))"
            )
        }
    };
    // The end is bound before the start in the last query's text.
    if q.start.is_some() && q.end.is_some() {
        args.swap(0, 1);
    }
    let mut all = report.args;
    all.extend(args);
    (
        format!(
            "WITH seq AS ({sequences}), anchored AS ({slice}) SELECT session, p, ended FROM anchored"
        ),
        all,
    )
}

pub(super) fn paths(conn: &Connection, site_id: i64, q: &PathQuery) -> Result<PathReport> {
    let report = report_sessions(site_id, q.from, q.to, &q.filters, None);
    let (anchored, args) = anchored(q, report);
    let args: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
    // The anchored paths are built once (the costly part: each session's journey filtered, collapsed and
    // sliced), then counted twice.
    conn.execute(
        &format!("CREATE OR REPLACE TEMP TABLE path_rows AS {anchored}"),
        args.as_slice(),
    )?;
    let counted = count_paths(conn);
    conn.execute_batch("DROP TABLE IF EXISTS path_rows")?;
    Ok(shape(q, counted?))
}

/// Nodes (step, name, sessions, exits), links and the top paths of the rows in `path_rows`.
fn count_paths(conn: &Connection) -> Result<Counted> {
    // Each step of each path with the next one (NULL after the last): links, and nodes by adding them up.
    let mut stmt = conn.prepare(
        "SELECT i - 1, name, next, ended AND next IS NULL, count(*)
         FROM (SELECT unnest(p) AS name, unnest(p[2:]) AS next, generate_subscripts(p, 1) AS i, ended
               FROM path_rows)
         GROUP BY ALL",
    )?;
    let mut rows = stmt.query([])?;
    let mut nodes: HashMap<(usize, String), (u64, u64)> = HashMap::new();
    let mut links: Vec<(usize, String, String, u64)> = Vec::new();
    while let Some(r) = rows.next()? {
        let step = r.get::<_, i64>(0)?.max(0) as usize;
        let name: String = r.get(1)?;
        let next: Option<String> = r.get(2)?;
        let exited: bool = r.get(3)?;
        let count = r.get::<_, i64>(4)?.max(0) as u64;
        let node = nodes.entry((step, name.clone())).or_default();
        node.0 += count;
        node.1 += if exited { count } else { 0 };
        if let Some(next) = next {
            links.push((step, name, next, count));
        }
    }
    let nodes = nodes
        .into_iter()
        .map(|((step, name), (sessions, exits))| (step, name, sessions, exits))
        .collect();
    // The most taken paths, grouped by a hash of the list (grouping by the list itself costs more), each read
    // back from one of its sessions.
    let mut stmt = conn.prepare(&format!(
        "SELECT min(session) AS example, ended, count(*) AS n FROM path_rows WHERE len(p) > 0
         GROUP BY hash(p), ended
         ORDER BY n DESC, example LIMIT {TOP_PATHS}"
    ))?;
    let mut picked: Vec<(String, bool, u64)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?.max(0) as u64))
        })?
        .collect::<duckdb::Result<_>>()?;
    let mut top = Vec::new();
    if !picked.is_empty() {
        let placeholders = vec!["?"; picked.len()].join(", ");
        let mut stmt = conn.prepare(&format!(
            "SELECT session, p FROM path_rows WHERE session IN ({placeholders})"
        ))?;
        let keys: Vec<&dyn ToSql> = picked.iter().map(|p| &p.0 as &dyn ToSql).collect();
        let mut rows = stmt.query(keys.as_slice())?;
        while let Some(r) = rows.next()? {
            let session: String = r.get(0)?;
            let steps = super::text_list(r.get_ref(1)?);
            if let Some(i) = picked.iter().position(|p| p.0 == session) {
                let (_, ended, count) = picked.swap_remove(i);
                top.push((steps, count, ended));
            }
        }
    }
    Ok((nodes, links, top))
}

/// The sessions at a node (and link, or exit) of the journey: their keys, newest first, and how many there are.
pub(super) fn path_sessions(
    conn: &Connection,
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
    let report = report_sessions(site_id, q.from, q.to, &q.filters, None);
    let (anchored, mut args) = anchored(q, report);
    let i = at.step as i64 + 1;
    args.push(Box::new(at.node.clone()));
    let next = match at.next.as_deref() {
        None => String::new(),
        Some(EXIT_NODE) => format!(" AND len(p) = {i} AND ended"),
        Some(next) => {
            args.push(Box::new(next.to_string()));
            format!(" AND p[{i} + 1] = ?")
        }
    };
    let selected = format!("SELECT session FROM ({anchored}) WHERE p[{i}] = ?{next}");
    let total: i64 = {
        let args: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
        conn.query_row(
            &format!("SELECT count(*) FROM ({selected})"),
            args.as_slice(),
            |r| r.get(0),
        )?
    };
    args.push(Box::new(site_id));
    args.push(Box::new(limit as i64));
    let args: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT s.session FROM sessions s SEMI JOIN ({selected}) k ON k.session = s.session
         WHERE s.site_id = ? ORDER BY s.started DESC, s.session LIMIT ?"
    ))?;
    let sessions = stmt
        .query_map(args.as_slice(), |r| r.get::<_, String>(0))?
        .collect::<duckdb::Result<Vec<_>>>()?;
    Ok((sessions, total.max(0) as u64))
}
