//! Segment expressions on a real ClickHouse: the conformance checks of every kind of condition, and journeys,
//! funnels and retention narrowed by them.
#![cfg(feature = "clickhouse")]

#[path = "support/clickhouse.rs"]
mod clickhouse_server;

use clickhouse_server::ClickHouseServer;
use sightline_store::clickhouse::{ClickHouseEventStore, ClickHouseOptions};
use sightline_store::conformance;

#[test]
fn clickhouse_answers_segments_as_every_backend() {
    let server = ClickHouseServer::start();
    let store = ClickHouseEventStore::open(&ClickHouseOptions {
        url: server.url.clone(),
        database: "segments".into(),
        ..ClickHouseOptions::default()
    })
    .expect("open");
    conformance::segments_and_journeys(&store);
}
