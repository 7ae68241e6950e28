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
