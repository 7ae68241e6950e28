//! Retention and visitor deletion on ClickHouse, with the semantics of the embedded store's `delete_before`,
//! `count_before` and `delete_visitor`.
//!
//! Rows go by `ALTER TABLE ... DELETE`, a mutation the server applies in the background (18.16 has no
//! `mutations_sync`), so each one is waited for until `system.mutations` reports it done: a caller deletes the
//! returned blob keys, and reads after the call, only once the rows are gone. A mutation rewrites the parts it
//! touches; the server removes the replaced parts from disk after its `old_parts_lifetime` (8 minutes by
//! default), after which nothing of the deleted rows is left in its files.
//!
//! What is matched and deleted is counted first: ClickHouse reports no row counts for mutations. A mutation is
//! only issued when it has rows to delete, since 18.16 rewrites every part of the table for each one.

use std::time::{Duration, Instant};

use serde::Deserialize;

use super::ClickHouseEventStore;
use super::http::{ENGINE, quote};
use crate::{Deleted, Result, StoreError, StoredCount};

/// Longest wait for a table's mutations to finish. Generous: on 18.16 a mutation rewrites every part of the
/// table, minutes for a large events table; beyond this the caller gets `Unavailable` and may try again
/// (deleting again is harmless).
const MUTATION_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// First pause between polls of `system.mutations`, doubled after each up to the longest.
const FIRST_POLL: Duration = Duration::from_millis(10);
const LONGEST_POLL: Duration = Duration::from_secs(1);
/// Session keys per `IN (...)` list of one mutation: far below ClickHouse's `max_query_size` (256 KiB).
const KEYS_PER_MUTATION: usize = 1_000;

/// Runs `ALTER TABLE {table} {command}` and waits until the table has no unfinished mutation.
pub(super) fn mutate(store: &ClickHouseEventStore, table: &str, command: &str) -> Result<()> {
    store.http.execute(
        Some(&store.database),
        &format!("ALTER TABLE {table} {command}"),
    )?;
    let pending = format!(
        "SELECT count() AS n FROM system.mutations WHERE database = {} AND table = {} AND is_done = 0",
        quote(&store.database),
        quote(table)
    );
    let deadline = Instant::now() + MUTATION_TIMEOUT;
    let mut pause = FIRST_POLL;
    while store.count(&pending)? > 0 {
        if Instant::now() >= deadline {
            return Err(StoreError::Unavailable {
                engine: ENGINE,
                message: format!(
                    "a mutation of {}.{table} did not finish within {} s",
                    store.database,
                    MUTATION_TIMEOUT.as_secs()
                ),
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(LONGEST_POLL);
    }
    Ok(())
}

#[derive(Deserialize)]
struct BlobKey {
    blob_key: String,
}

/// The blob keys of the replay chunks (page snapshots too) that match `condition`.
fn blob_keys(store: &ClickHouseEventStore, condition: &str) -> Result<Vec<String>> {
    Ok(store
        .select::<BlobKey>(&format!(
            "SELECT blob_key FROM replay_chunks WHERE {condition} ORDER BY blob_key"
        ))?
        .into_iter()
        .map(|k| k.blob_key)
        .collect())
}

fn older(site_id: i64, before_ms: i64) -> String {
    // Age is when the server received the data, not the (client-made) times inside it.
    format!("site_id = {site_id} AND received_at < {before_ms}")
}

pub(super) fn count_before(
    store: &ClickHouseEventStore,
    site_id: i64,
    before_ms: i64,
) -> Result<StoredCount> {
    #[derive(Deserialize)]
    struct Counts {
        n_events: u64,
        n_chunks: u64,
        n_bytes: u64,
    }
    let older = older(site_id, before_ms);
    let counts: Vec<Counts> = store.select(&format!(
        "SELECT (SELECT count() FROM events WHERE {older}) AS n_events, count() AS n_chunks,
                toUInt64(sum(bytes)) AS n_bytes
         FROM replay_chunks WHERE {older}"
    ))?;
    Ok(counts
        .first()
        .map_or_else(StoredCount::default, |c| StoredCount {
            events: c.n_events,
            replay_chunks: c.n_chunks,
            replay_bytes: c.n_bytes,
        }))
}

/// Retention: the site's events and replay chunks received before `before_ms`, and the sessions all of whose
/// parts were.
pub(super) fn delete_before(
    store: &ClickHouseEventStore,
    site_id: i64,
    before_ms: i64,
) -> Result<Deleted> {
    let older = older(site_id, before_ms);
    let blob_keys = blob_keys(store, &older)?;
    let events = store.count(&format!("SELECT count() AS n FROM events WHERE {older}"))?;
    // A session goes once all of it arrived before the cutoff. The mutation evaluates this per data part, on
    // parts partly mutated already; deleting parts of such sessions leaves the others' newest part as it was,
    // so every part sees the same sessions.
    let old_sessions = format!(
        "SELECT session FROM session_parts WHERE site_id = {site_id} GROUP BY session
         HAVING max(received_at) < {before_ms}"
    );
    let sessions = store.count(&format!("SELECT count() AS n FROM ({old_sessions})"))?;
    if !blob_keys.is_empty() {
        mutate(store, "replay_chunks", &format!("DELETE WHERE {older}"))?;
    }
    if events > 0 {
        mutate(store, "events", &format!("DELETE WHERE {older}"))?;
    }
    if sessions > 0 {
        // What the analysis found in these sessions (every analysis id) goes with them, before their parts
        // (while `old_sessions` still finds them), as the embedded store deletes it with the session.
        delete_analyses(store, site_id, &format!("session IN ({old_sessions})"))?;
        mutate(
            store,
            "session_parts",
            &format!("DELETE WHERE site_id = {site_id} AND session IN ({old_sessions})"),
        )?;
    }
    Ok(Deleted {
        events,
        replay_chunks: blob_keys.len() as u64,
        blob_keys,
    })
}

/// Everything of one visitor on a site: their events, the replay chunks of every session they have events in,
/// and their sessions (those whose first part is theirs, as the merged row's visitor is).
pub(super) fn delete_visitor(
    store: &ClickHouseEventStore,
    site_id: i64,
    visitor: &str,
) -> Result<Deleted> {
    let of_visitor = format!("site_id = {site_id} AND visitor = {}", quote(visitor));
    let with_events = format!(
        "site_id = {site_id} AND session IN (SELECT session FROM events WHERE {of_visitor})"
    );
    let blob_keys = blob_keys(store, &with_events)?;
    let events = store.count(&format!(
        "SELECT count() AS n FROM events WHERE {of_visitor}"
    ))?;
    #[derive(Deserialize)]
    struct Session {
        session: String,
    }
    // Listed before anything goes: deleting a session's parts changes which of its parts is first.
    let owned: Vec<String> = store
        .select::<Session>(&format!(
            "SELECT session FROM session_parts
             WHERE site_id = {site_id} AND session IN (SELECT session FROM session_parts WHERE {of_visitor})
             GROUP BY session HAVING argMin(visitor, started) = {}",
            quote(visitor)
        ))?
        .into_iter()
        .map(|s| s.session)
        .collect();
    // The chunks first: which sessions they belong to is read from the visitor's events.
    if !blob_keys.is_empty() {
        mutate(
            store,
            "replay_chunks",
            &format!("DELETE WHERE {with_events}"),
        )?;
    }
    if events > 0 {
        mutate(store, "events", &format!("DELETE WHERE {of_visitor}"))?;
    }
    for chunk in owned.chunks(KEYS_PER_MUTATION) {
        // What the analysis found in the visitor's sessions (every analysis id) goes with them.
        delete_analyses(
            store,
            site_id,
            &format!("session IN ({})", super::text_list(chunk)),
        )?;
        mutate(
            store,
            "session_parts",
            &format!(
                "DELETE WHERE site_id = {site_id} AND session IN ({})",
                super::text_list(chunk)
            ),
        )?;
    }
    // The visitor's parts of sessions that are another's (a cookieless id of the next day, within a session
    // that began before midnight) stay part of that session, as its merged row keeps them embedded; only the
    // id goes. Such a part is never its session's first, so the merged rows stay as they were.
    let remaining = store.count(&format!(
        "SELECT count() AS n FROM session_parts WHERE {of_visitor}"
    ))?;
    if remaining > 0 {
        mutate(
            store,
            "session_parts",
            &format!("UPDATE visitor = '' WHERE {of_visitor}"),
        )?;
    }
    Ok(Deleted {
        events,
        replay_chunks: blob_keys.len() as u64,
        blob_keys,
    })
}

/// The tables of the analysis pass (`0003_analysis.sql`): rows of a session go with it.
const ANALYSIS_TABLES: [&str; 4] = [
    "detections",
    "pageview_facts",
    "element_facts",
    "session_analysis",
];

/// Deletes the rows of the site's sessions that `sessions` (a condition on `session`) selects from every
/// analysis table that has some; `session_analysis` last, so an interrupted deletion leaves no facts of a
/// session that looks unanalysed.
fn delete_analyses(store: &ClickHouseEventStore, site_id: i64, sessions: &str) -> Result<()> {
    for table in ANALYSIS_TABLES {
        let condition = format!("site_id = {site_id} AND {sessions}");
        if store.count(&format!(
            "SELECT count() AS n FROM {table} WHERE {condition}"
        ))? > 0
        {
            mutate(store, table, &format!("DELETE WHERE {condition}"))?;
        }
    }
    Ok(())
}
