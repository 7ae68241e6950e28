//! The embedded backends against the shared conformance suite, on real files.

use sightline_store::{
    conformance, duckdb::DuckDbEventStore, fs::FsBlobStore, sqlite::SqliteMetaStore,
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
    use sightline_store::{EventStore, SpoolPosition, WriteBatch};
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
            for i in 0..30 {
                store
                    .commit(&WriteBatch {
                        rows: rows.clone(),
                        batch_keys: vec![],
                        position: SpoolPosition {
                            segment: 1,
                            offset: i,
                        },
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
    use sightline_store::{EventStore, SpoolPosition, WriteBatch};
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
    store
        .commit(&WriteBatch {
            rows: all,
            position: SpoolPosition {
                segment: 1,
                offset: 10,
            },
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
        store.ingest_position().expect("position"),
        Some(SpoolPosition {
            segment: 1,
            offset: 10
        })
    );
    store
        .commit(&WriteBatch {
            rows: rows("v4", "after", 1),
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
