//! The ClickHouse event store against a real server on loopback (Debian's 18.16 in CI).
#![cfg(feature = "clickhouse")]

#[path = "support/clickhouse.rs"]
mod clickhouse_server;

use clickhouse_server::ClickHouseServer;
use sightline_store::clickhouse::{ClickHouseEventStore, ClickHouseOptions};
use sightline_store::{EventStore, StoreError, conformance};

fn options(server: &ClickHouseServer, database: &str) -> ClickHouseOptions {
    ClickHouseOptions {
        url: server.url.clone(),
        database: database.into(),
        ..ClickHouseOptions::default()
    }
}

#[test]
fn clickhouse_keeps_the_ingest_contract() {
    let server = ClickHouseServer::start();
    let store = ClickHouseEventStore::open(&options(&server, "ingest")).expect("open");
    conformance::ingest_contract(&store);
    drop(store);
    // Opening again finds the schema applied and the rows there.
    let again = ClickHouseEventStore::open(&options(&server, "ingest")).expect("reopen");
    assert_eq!(again.count_events(40).expect("count"), 6);
    again.drop_database().expect("drop");
}

#[test]
fn clickhouse_passes_the_whole_event_store_conformance_suite() {
    let server = ClickHouseServer::start();
    let store = ClickHouseEventStore::open(&options(&server, "conformance")).expect("open");
    // The same sequence of writes and checks as the embedded store's `duckdb_event_store_conforms`.
    conformance::event_store(&store);
}

#[test]
fn clickhouse_answers_the_overview_as_every_backend() {
    let server = ClickHouseServer::start();
    let store = ClickHouseEventStore::open(&options(&server, "overview")).expect("open");
    conformance::overview(&store);
}

#[test]
fn a_clickhouse_that_cannot_be_reached_is_unavailable_and_names_are_checked() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let gone = ClickHouseOptions {
        url: format!("http://127.0.0.1:{port}"),
        database: "sightline".into(),
        ..ClickHouseOptions::default()
    };
    assert!(matches!(
        ClickHouseEventStore::open(&gone),
        Err(StoreError::Unavailable {
            engine: "clickhouse",
            ..
        })
    ));
    for bad in ["", "events; DROP DATABASE x", "a-b"] {
        assert!(matches!(
            ClickHouseEventStore::open(&ClickHouseOptions {
                database: bad.into(),
                ..gone.clone()
            }),
            Err(StoreError::Invalid(_))
        ));
    }
}
