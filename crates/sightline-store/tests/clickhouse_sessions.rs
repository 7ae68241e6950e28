//! The sessions list, retention and visitor deletion of the ClickHouse event store, against a real server on
//! loopback (Debian's 18.16 in CI).
#![cfg(feature = "clickhouse")]

#[path = "support/clickhouse.rs"]
mod clickhouse_server;

use clickhouse_server::ClickHouseServer;
use sightline_store::clickhouse::{ClickHouseEventStore, ClickHouseOptions};
use sightline_store::conformance;

#[test]
fn clickhouse_lists_and_deletes_sessions_as_every_backend() {
    let server = ClickHouseServer::start();
    let store = ClickHouseEventStore::open(&ClickHouseOptions {
        url: server.url.clone(),
        database: "sessions".into(),
        ..ClickHouseOptions::default()
    })
    .expect("open");
    conformance::sessions_and_deletion(&store);
}

/// What the conformance data does not reach, answered by ClickHouse as by the embedded store from the same
/// writes: every sort and direction with paging, a click filter that matches, the active-time filter, the list
/// rows of given sessions, and deleting a cookieless visitor whose id of the next day is part of a session of
/// the day before.
#[cfg(feature = "duckdb")]
#[test]
fn clickhouse_lists_and_deletes_as_the_embedded_store() {
    use sightline_insight::session::{add_replay, rows_of};
    use sightline_model::EventRow;
    use sightline_store::duckdb::DuckDbEventStore;
    use sightline_store::{
        EventColumns, EventStore, ReplayChunk, SessionFilters, SessionQuery, SessionSort,
        VisitorType, WriteBatch,
    };

    const SITE: i64 = 5;
    const T: i64 = 1_764_374_400_000;
    let midnight = T + 86_400_000;
    let event =
        |session: &str, visitor: &str, ts: i64, event_type: &'static str, path: &str| EventRow {
            site_id: SITE,
            ts,
            received_at: ts,
            session: session.into(),
            visitor: visitor.into(),
            pageview: format!("{session}-{path}"),
            event_type,
            path: Some(path.into()),
            page_group: Some(path.into()),
            device: "desktop",
            browser: "Firefox".into(),
            os: "Linux".into(),
            ..EventRow::default()
        };
    let chunk = |session: &str, pageview: &str, first_ts: i64| ReplayChunk {
        site_id: SITE,
        session: session.into(),
        pageview: pageview.into(),
        chunk: 0,
        first_ts,
        last_ts: first_ts + 1_000,
        events: 5,
        bytes: 700,
        raw_bytes: 2_000,
        blob_key: format!("{SITE}/{session}/{pageview}-0"),
        received_at: first_ts + 1_000,
        snapshot: false,
    };
    let write = |rows: Vec<EventRow>, chunks: Vec<ReplayChunk>| {
        let mut sessions = rows_of(&rows);
        for c in &chunks {
            if let Some(s) = sessions.iter_mut().find(|s| s.session == c.session) {
                add_replay(s, c.bytes);
            }
        }
        WriteBatch {
            sessions,
            rows: EventColumns::from_rows(&rows),
            replay_chunks: chunks,
            ..WriteBatch::default()
        }
    };
    let writes = vec![
        write(
            vec![
                event("a1", "u1", T, "pageview", "/"),
                EventRow {
                    selector: Some("#buy".into()),
                    ..event("a1", "u1", T + 5_000, "click", "/")
                },
                event("a1", "u1", T + 20_000, "pageview", "/p"),
                EventRow {
                    value: Some(12_000.0),
                    ..event("a1", "u1", T + 25_000, "pageleave", "/")
                },
                event("a2", "u2", T + 1_000, "pageview", "/p"),
                EventRow {
                    selector: Some("#nav".into()),
                    ..event("a2", "u2", T + 3_000, "click", "/p")
                },
                EventRow {
                    revenue: Some(12.5),
                    ..event("a2", "u2", T + 9_000, "custom", "/p")
                },
                event("a5", "u1", T + 40_000, "click", "/"),
                event("a3", "d0", midnight - 60_000, "pageview", "/"),
            ],
            vec![chunk("a1", "a1-/", T)],
        ),
        // The next day's cookieless id in a3, and a session of its own later that day.
        write(
            vec![
                event("a3", "d1", midnight + 30_000, "pageview", "/c"),
                event("a3", "d1", midnight + 31_000, "error", "/c"),
                event("a4", "d1", midnight + 3 * 3_600_000, "pageview", "/"),
            ],
            vec![chunk("a3", "a3-/c", midnight + 30_000)],
        ),
    ];
    let server = ClickHouseServer::start();
    let clickhouse = ClickHouseEventStore::open(&ClickHouseOptions {
        url: server.url.clone(),
        database: "compared".into(),
        ..ClickHouseOptions::default()
    })
    .expect("open");
    let dir = tempfile::tempdir().expect("tempdir");
    let duckdb = DuckDbEventStore::open(&dir.path().join("events.duckdb")).expect("open");
    let stores: [&dyn EventStore; 2] = [&duckdb, &clickhouse];
    for batch in &writes {
        for store in stores {
            store.commit(batch).expect("commit");
        }
    }
    let same = |what: &str, ask: &dyn Fn(&dyn EventStore) -> String| {
        assert_eq!(ask(&clickhouse), ask(&duckdb), "{what}");
    };
    let list = |filters: SessionFilters, sort, descending, limit, offset| {
        let query = SessionQuery {
            from: T,
            to: T + 3 * 86_400_000,
            filters,
            sort,
            descending,
            limit,
            offset,
        };
        move |store: &dyn EventStore| format!("{:?}", store.sessions(SITE, &query).expect("list"))
    };
    let keys: Vec<String> = ["a5", "a3", "nope", "a1", "a4", "a1"]
        .map(String::from)
        .to_vec();
    let summaries = |store: &dyn EventStore| {
        format!("{:?}", store.session_summaries(SITE, &keys).expect("rows"))
    };
    let lists = |when: &str| {
        for sort in [
            SessionSort::Started,
            SessionSort::Duration,
            SessionSort::ActiveTime,
            SessionSort::Pages,
            SessionSort::Clicks,
            SessionSort::Errors,
            SessionSort::Revenue,
            SessionSort::Friction,
        ] {
            for descending in [false, true] {
                same(
                    &format!("{when}: by {sort:?}, descending {descending}"),
                    &list(SessionFilters::default(), sort, descending, 2, 1),
                );
            }
        }
        for filters in [
            SessionFilters {
                clicked: Some("#buy".into()),
                ..SessionFilters::default()
            },
            SessionFilters {
                min_active_ms: Some(10_000),
                ..SessionFilters::default()
            },
            SessionFilters {
                visitor_type: Some(VisitorType::Returning),
                ..SessionFilters::default()
            },
            SessionFilters {
                has_replay: Some(true),
                ..SessionFilters::default()
            },
        ] {
            same(
                &format!("{when}: {filters:?}"),
                &list(filters.clone(), SessionSort::ActiveTime, true, 10, 0),
            );
        }
        same(&format!("{when}: summaries"), &summaries);
    };
    lists("as written");
    assert!(
        clickhouse
            .sessions(
                SITE,
                &SessionQuery {
                    from: T,
                    to: T + 3 * 86_400_000,
                    filters: SessionFilters {
                        clicked: Some("#buy".into()),
                        ..SessionFilters::default()
                    },
                    sort: SessionSort::Started,
                    descending: true,
                    limit: 10,
                    offset: 0,
                }
            )
            .expect("list")
            .total
            == 1,
        "the click filter matches"
    );

    // Paging to the end: 18.16 crashes on a LIMIT whose offset + length wraps around.
    let to_the_end = |limit| {
        clickhouse
            .sessions(
                SITE,
                &SessionQuery {
                    from: T,
                    to: T + 3 * 86_400_000,
                    filters: SessionFilters::default(),
                    sort: SessionSort::Started,
                    descending: true,
                    limit,
                    offset: 1,
                },
            )
            .expect("list")
    };
    assert_eq!(to_the_end(usize::MAX), to_the_end(10));

    let deleted = |store: &dyn EventStore| {
        let mut gone = store.delete_visitor(SITE, "d1").expect("delete visitor");
        gone.blob_keys.sort();
        format!("{gone:?}")
    };
    same("deleting d1", &deleted);
    lists("without d1");
    same("a3 without d1's id", &|store: &dyn EventStore| {
        let row = store
            .session_row(SITE, "a3")
            .expect("row")
            .expect("a3 stays");
        format!(
            "{} {} {} {}",
            row.visitor, row.pageviews, row.errors, row.replay_chunks
        )
    });

    let retention = |store: &dyn EventStore| {
        let counted = store.count_before(SITE, T + 21_000).expect("count");
        let mut gone = store.delete_before(SITE, T + 21_000).expect("retention");
        gone.blob_keys.sort();
        format!("{counted:?} {gone:?}")
    };
    same("retention", &retention);
    lists("after retention");
    clickhouse.drop_database().expect("drop");
}
