//! The embedded backends against the shared conformance suite, on real files.

use sightline_store::{
    EventColumns, conformance, duckdb::DuckDbEventStore, fs::FsBlobStore, sqlite::SqliteMetaStore,
};

#[test]
fn duckdb_event_store_conforms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = DuckDbEventStore::open(&dir.path().join("events.duckdb")).expect("open");
    conformance::event_store(&store);
    let stored = sightline_store::EventStore::count_events(&store, 1).expect("count");
    drop(store);
    // Reopening finds the committed state again.
    let reopened = DuckDbEventStore::open(&dir.path().join("events.duckdb")).expect("reopen");
    assert_eq!(
        sightline_store::EventStore::count_events(&reopened, 1).expect("count"),
        stored
    );
}

#[test]
fn duckdb_keeps_the_ingest_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = DuckDbEventStore::open(&dir.path().join("events.duckdb")).expect("open");
    conformance::ingest_contract(&store);
}

/// The analysis sections run alone on a fresh store, as a backend whose other reports are not written runs them.
#[test]
fn duckdb_passes_the_analysis_sections_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = DuckDbEventStore::open(&dir.path().join("events.duckdb")).expect("open");
    conformance::analysis_section(&store);
    let reports = DuckDbEventStore::open(&dir.path().join("reports.duckdb")).expect("open");
    conformance::analysis_reports(&reports);
}

#[test]
fn duckdb_lists_and_deletes_sessions_on_a_fresh_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = DuckDbEventStore::open(&dir.path().join("events.duckdb")).expect("open");
    conformance::sessions_and_deletion(&store);
}

#[test]
fn duckdb_answers_journeys_funnels_and_retention_on_a_fresh_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = DuckDbEventStore::open(&dir.path().join("events.duckdb")).expect("open");
    conformance::journeys(&store);
}

/// The heatmap checks run alone on a fresh store, as a backend whose other reports are not written runs them.
#[test]
fn duckdb_answers_heatmaps_and_zones_on_a_fresh_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = DuckDbEventStore::open(&dir.path().join("events.duckdb")).expect("open");
    conformance::heatmap_section(&store);
}

#[test]
fn sqlite_meta_store_conforms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteMetaStore::open(&dir.path().join("meta.sqlite")).expect("open");
    conformance::meta_store(&store);
}

#[test]
fn fs_blob_store_conforms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsBlobStore::open(&dir.path().join("blobs")).expect("open");
    conformance::blob_store(&store);
}

#[test]
fn duckdb_commits_are_atomic_for_concurrent_readers() {
    use sightline_store::{EventStore, WriteBatch};
    use std::sync::Arc;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(DuckDbEventStore::open(&dir.path().join("events.duckdb")).expect("open"));
    let rows: Vec<_> = (0..1000)
        .map(|i| sightline_model::EventRow {
            site_id: 1,
            ts: i,
            session: "s".into(),
            visitor: "v".into(),
            pageview: "p".into(),
            event_type: "click",
            device: "desktop",
            ..Default::default()
        })
        .collect();
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || {
            for _ in 0..30 {
                store
                    .commit(&WriteBatch {
                        rows: EventColumns::from_rows(&rows),
                        batch_keys: vec![],
                        ..Default::default()
                    })
                    .expect("commit");
            }
        })
    };
    let mut seen = Vec::new();
    while !writer.is_finished() {
        seen.push(store.count_events(1).expect("count"));
    }
    writer.join().expect("writer");
    assert!(
        seen.iter().all(|n| n % 1000 == 0),
        "partial commits seen: {:?}",
        seen.iter()
            .filter(|n| *n % 1000 != 0)
            .take(5)
            .collect::<Vec<_>>()
    );
}

/// Every file under `dir`, read whole.
fn files_containing(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        if bytes.windows(needle.len()).any(|w| w == needle) {
            hits.push(path.display().to_string());
        }
    }
    hits
}

#[test]
fn duckdb_visitor_deletion_leaves_no_plain_text_in_its_files() {
    use sightline_store::{EventStore, WriteBatch};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("events.duckdb");
    let store = DuckDbEventStore::open(&path).expect("open");
    let rows = |visitor: &str, text: &str, n: i64| -> Vec<sightline_model::EventRow> {
        (0..n)
            .map(|i| sightline_model::EventRow {
                site_id: 1,
                ts: i,
                session: format!("session-{visitor}"),
                visitor: visitor.into(),
                pageview: "p".into(),
                event_type: "click",
                text: Some(text.into()),
                device: "desktop",
                ..Default::default()
            })
            .collect()
    };
    let mut all = rows("v1", "deletion-marker-one", 50);
    all.extend(rows("v2", "deletion-marker-two", 50));
    all.extend(rows("v3", "filler", 5_000));
    let key = sightline_store::BatchKey {
        site_id: 1,
        sid: "sid-1".into(),
        seq: 0,
        received_at: 5,
    };
    store
        .commit(&WriteBatch {
            rows: EventColumns::from_rows(&all),
            batch_keys: vec![key.clone()],
            ..Default::default()
        })
        .expect("commit");
    // Checkpointed into the main file (as after any restart), where DuckDB keeps repeated strings plainly.
    drop(store);
    assert!(
        !files_containing(dir.path(), b"deletion-marker-one").is_empty(),
        "the test looks where the data is"
    );
    let store = DuckDbEventStore::open(&path).expect("reopen");
    let deleted = store.delete_visitor(1, "v1").expect("delete");
    assert_eq!(deleted.events, 50);
    assert_eq!(
        files_containing(dir.path(), b"deletion-marker-one"),
        Vec::<String>::new()
    );
    assert!(!files_containing(dir.path(), b"deletion-marker-two").is_empty());
    // The rewritten store works and keeps everything else.
    assert_eq!(store.count_events(1).expect("count"), 5_050);
    assert_eq!(
        store.stored_batches(&[key], 0).expect("keys"),
        [true],
        "the batch keys survive the rewrite"
    );
    store
        .commit(&WriteBatch {
            rows: EventColumns::from_rows(&rows("v4", "after", 1)),
            ..Default::default()
        })
        .expect("commit after rewrite");
    drop(store);
    let reopened = DuckDbEventStore::open(&path).expect("reopen");
    assert_eq!(reopened.count_events(1).expect("count"), 5_051);
    assert!(!dir.path().join("events.duckdb.scrub-pending").exists());
    assert!(!dir.path().join("events.duckdb.rewrite").exists());
}

#[test]
fn an_interrupted_visitor_deletion_is_finished_at_open() {
    use sightline_store::EventStore;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("events.duckdb");
    drop(DuckDbEventStore::open(&path).expect("open"));
    // A crash after the DELETE, before the rewrite, leaves the marker behind (and maybe a partial copy).
    std::fs::write(dir.path().join("events.duckdb.scrub-pending"), b"").expect("marker");
    std::fs::write(dir.path().join("events.duckdb.rewrite"), b"partial").expect("partial copy");
    let store = DuckDbEventStore::open(&path).expect("reopen");
    assert!(!dir.path().join("events.duckdb.scrub-pending").exists());
    assert!(!dir.path().join("events.duckdb.rewrite").exists());
    assert_eq!(store.count_events(1).expect("count"), 0);
}

/// A file as an older release left it: the migrations table and the first `versions` migrations applied.
fn old_release_file(path: &std::path::Path, versions: usize) -> duckdb::Connection {
    let conn = duckdb::Connection::open(path).expect("old");
    conn.execute_batch(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMP DEFAULT current_timestamp);",
    )
    .expect("migrations table");
    for (version, sql) in [
        (1, include_str!("../migrations/duckdb/0001_events.sql")),
        (2, include_str!("../migrations/duckdb/0002_replay.sql")),
        (3, include_str!("../migrations/duckdb/0003_received_at.sql")),
        (4, include_str!("../migrations/duckdb/0004_sessions.sql")),
        (
            5,
            include_str!("../migrations/duckdb/0005_session_pages.sql"),
        ),
        (6, include_str!("../migrations/duckdb/0006_analysis.sql")),
        (
            7,
            include_str!("../migrations/duckdb/0007_page_snapshots.sql"),
        ),
        (8, include_str!("../migrations/duckdb/0008_page_facts.sql")),
    ]
    .into_iter()
    .take(versions)
    {
        conn.execute_batch(sql).expect("migration");
        conn.execute(
            "INSERT INTO schema_migrations (version) VALUES (?)",
            [version],
        )
        .expect("version");
    }
    conn
}

/// Opening a store written before the sessions table builds its sessions once from the stored events, the
/// same rows the incremental path gives.
#[test]
fn duckdb_upgrade_builds_the_sessions_of_stored_events() {
    use sightline_insight::session::rows_of;
    use sightline_model::EventRow;
    use sightline_store::{EventStore, SessionFilters, SessionQuery, SessionSort, WriteBatch};
    let dir = tempfile::tempdir().expect("tempdir");
    let t0 = 1_764_374_400_000i64;
    let rows: Vec<EventRow> = (0..40)
        .map(|i| EventRow {
            site_id: 1,
            ts: t0 + i * 1_000,
            received_at: t0 + i * 1_000,
            session: format!("s{}", i % 4),
            visitor: format!("v{}", i % 3),
            pageview: format!("p{}", i % 8),
            event_type: if i % 5 == 0 { "pageview" } else { "click" },
            path: Some(format!("/page{}", i % 5)),
            page_group: Some("/page".into()),
            channel: (i % 5 == 0).then_some("direct"),
            revenue: (i == 39).then_some(12.5),
            device: "mobile",
            browser: "Safari".into(),
            os: "iOS".into(),
            ..EventRow::default()
        })
        .collect();
    // Old releases' files: migrations 1-3 (no sessions table) and 1-4 (sessions without page paths, holding a
    // stale row the upgrade must replace), with their events.
    let write_old = |old: &std::path::Path, sessions_table: bool| {
        let conn = old_release_file(old, if sessions_table { 4 } else { 3 });
        let mut insert = conn
            .prepare(
                "INSERT INTO events (site_id, ts, session, visitor, pageview, type, path, page_group, channel,
                 device, browser, os, revenue, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .expect("insert");
        for r in &rows {
            insert
                .execute(duckdb::params![
                    r.site_id,
                    r.ts,
                    r.session,
                    r.visitor,
                    r.pageview,
                    r.event_type,
                    r.path,
                    r.page_group,
                    r.channel,
                    r.device,
                    r.browser,
                    r.os,
                    r.revenue,
                    r.received_at
                ])
                .expect("row");
        }
        if sessions_table {
            conn.execute_batch(
                "INSERT INTO sessions VALUES (1, 's0', 'v0', 0, NULL, 0, 0, 0, 0, 99, 99, NULL, NULL, NULL,
                 NULL, NULL, NULL, 'mobile', 'Safari', 'iOS', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0,
                 0, 0, 0, 0); CHECKPOINT;",
            )
            .expect("stale session");
        }
    };
    let incremental = DuckDbEventStore::open(&dir.path().join("new.duckdb")).expect("new");
    for part in rows.chunks(7) {
        incremental
            .commit(&WriteBatch {
                sessions: rows_of(part),
                rows: EventColumns::from_rows(part),
                ..WriteBatch::default()
            })
            .expect("commit");
    }
    let query = SessionQuery {
        from: t0,
        to: t0 + 86_400_000,
        filters: SessionFilters::default(),
        sort: SessionSort::Started,
        descending: false,
        limit: 10,
        offset: 0,
    };
    let overview_query = |page: Option<&str>| sightline_store::OverviewQuery {
        from: t0,
        to: t0 + 86_400_000,
        filters: SessionFilters {
            page: page.map(str::to_string),
            ..SessionFilters::default()
        },
        limit: 10,
    };
    for (name, sessions_table) in [("v3.duckdb", false), ("v4.duckdb", true)] {
        let old = dir.path().join(name);
        write_old(&old, sessions_table);
        let upgraded = DuckDbEventStore::open(&old).expect("upgrade");
        let built = upgraded.sessions(1, &query).expect("upgraded");
        assert_eq!(built.total, 4);
        assert_eq!(built, incremental.sessions(1, &query).expect("incremental"));
        assert_eq!(built.sessions.iter().map(|s| s.revenue).sum::<f64>(), 12.5);
        assert_eq!(
            built
                .sessions
                .iter()
                .map(|s| s.pageviews + s.clicks)
                .sum::<u64>(),
            40
        );
        for page in [None, Some("/page0"), Some("/page3")] {
            assert_eq!(
                upgraded
                    .overview(1, &overview_query(page))
                    .expect("upgraded"),
                incremental
                    .overview(1, &overview_query(page))
                    .expect("incremental"),
                "{name}: overview for page {page:?}"
            );
        }
        drop(upgraded);
        // Built once: reopening does not add them again.
        let reopened = DuckDbEventStore::open(&old).expect("reopen");
        assert_eq!(reopened.sessions(1, &query).expect("again").total, 4);
    }
}

/// Opening a store whose element facts predate their click-problem counts fills them from the stored
/// detections of the same session, pageview and element.
#[test]
fn duckdb_upgrade_counts_the_click_problems_of_stored_element_facts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v8.duckdb");
    {
        let conn = old_release_file(&path, 8);
        // Two pageviews of session s1 with #buy, one of s2 with the same pageview id (a different session's).
        conn.execute_batch(
            "INSERT INTO element_facts (site_id, session, pageview, started, device, selector, clicks, hovers,
                 hover_ms, click_cells, group_first, group_clicked, group_exposed, path_first, path_clicked,
                 path_exposed, session_converted, session_revenue)
             SELECT 1, s, p, 0, 'desktop', e, 1, 0, 0, [], true, true, true, true, true, true, false, 0
             FROM (VALUES ('s1', 'p1', '#buy'), ('s1', 'p2', '#buy'), ('s1', 'p1', '#logo'), ('s2', 'p1', '#buy')) t(s, p, e);
             INSERT INTO detections (site_id, session, kind, ts, pageview, element, value, evidence)
             SELECT 1, s, k, 0, p, e, 1, '[]'
             FROM (VALUES ('s1', 'rage_click', 'p1', '#buy'), ('s1', 'rage_click', 'p1', '#buy'),
                          ('s1', 'dead_click', 'p1', '#buy'), ('s1', 'error_click', 'p2', '#buy'),
                          ('s1', 'hesitation', 'p1', '#logo'), ('s1', 'u_turn', 'p1', NULL)) t(s, k, p, e);",
        )
        .expect("old facts");
    }
    drop(DuckDbEventStore::open(&path).expect("upgrade"));
    let conn = duckdb::Connection::open(&path).expect("reopen");
    let mut statement = conn
        .prepare(
            "SELECT session, pageview, selector, rage_clicks, dead_clicks, error_clicks FROM element_facts
             ORDER BY ALL",
        )
        .expect("query");
    let counts: Vec<(String, String, String, i32, i32, i32)> = statement
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("counts");
    let row = |s: &str, p: &str, e: &str, rage, dead, error| {
        (s.to_owned(), p.to_owned(), e.to_owned(), rage, dead, error)
    };
    assert_eq!(
        counts,
        [
            row("s1", "p1", "#buy", 2, 1, 0),
            row("s1", "p1", "#logo", 0, 0, 0),
            row("s1", "p2", "#buy", 0, 0, 1),
            row("s2", "p1", "#buy", 0, 0, 0),
        ]
    );
}
