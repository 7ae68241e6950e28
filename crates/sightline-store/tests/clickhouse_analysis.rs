//! The analysis pass, detections, problems and experience reports of the ClickHouse event store against a real
//! server on loopback (Debian's 18.16 in CI).
#![cfg(feature = "clickhouse")]

#[path = "support/analyse.rs"]
mod analyse;
#[path = "support/clickhouse.rs"]
mod clickhouse_server;

use analyse::analyse;

use clickhouse_server::ClickHouseServer;

use sightline_model::EventRow;
use sightline_store::clickhouse::{ClickHouseEventStore, ClickHouseOptions};
use sightline_store::{
    AnalyzedSession, EventColumns, EventStore, OverviewQuery, SessionFilters, WriteBatch,
    conformance,
};

fn open(server: &ClickHouseServer, database: &str) -> ClickHouseEventStore {
    ClickHouseEventStore::open(&ClickHouseOptions {
        url: server.url.clone(),
        database: database.into(),
        ..ClickHouseOptions::default()
    })
    .expect("open")
}

#[test]
fn clickhouse_passes_the_whole_analysis_section() {
    let server = ClickHouseServer::start();
    let store = open(&server, "analysis_section");
    // With the sessions list's friction and frustration counts, and deletion of what the analysis found.
    conformance::analysis_section(&store);
}

#[test]
fn clickhouse_analyses_sessions_and_answers_the_reports_on_them() {
    let server = ClickHouseServer::start();
    let store = open(&server, "analysis");
    conformance::analysis_reports(&store);
    // The frustration filter of every report: the sessions with a dead click on /cart's coupon (a1, a2, a6).
    let day = 86_400_000;
    let at = 1_764_374_400_000 + 20 * day;
    let dead_clicked = store
        .overview(
            7,
            &OverviewQuery {
                from: at,
                to: at + day,
                filters: SessionFilters {
                    frustration: Some("dead_click".into()),
                    frustration_page: Some("/cart".into()),
                    frustration_element: Some("#coupon".into()),
                    ..SessionFilters::default()
                },
                limit: 10,
            },
        )
        .expect("overview");
    assert_eq!(dead_clicked.sessions, 3);
}

/// A session with a rage click (three clicks on one element within a second) on /, written at `received_at`.
fn rage_clicks(session: &str, received_at: i64) -> WriteBatch {
    const T0: i64 = 1_764_374_400_000;
    let event = |ts: i64, event_type: &'static str| EventRow {
        site_id: 5,
        ts: T0 + ts,
        received_at,
        session: session.into(),
        visitor: format!("v-{session}"),
        pageview: format!("{session}-1"),
        event_type,
        path: Some("/".into()),
        page_group: Some("/".into()),
        device: "desktop",
        browser: "Firefox".into(),
        os: "Linux".into(),
        selector: (event_type == "click").then(|| "#menu".into()),
        x: Some(5.0),
        y: Some(5.0),
        ..EventRow::default()
    };
    let rows = vec![
        event(0, "pageview"),
        event(1_000, "click"),
        event(1_200, "click"),
        event(1_400, "click"),
    ];
    WriteBatch {
        sessions: sightline_insight::session::rows_of(&rows),
        rows: EventColumns::from_rows(&rows),
        ..WriteBatch::default()
    }
}

/// The number a query of one number answers.
fn count(server: &ClickHouseServer, sql: &str) -> u64 {
    let text = ureq::post(&server.url)
        .send(sql)
        .expect("query")
        .body_mut()
        .read_to_string()
        .expect("answer");
    text.trim().parse().expect("a number")
}

/// What the embedded store's delete-and-insert gives, without updates: an analysis that found nothing replaces
/// one that found something, the last write wins whatever the order of versions, and the facts the heatmaps will
/// read are stored with the detections.
#[test]
fn clickhouse_replaces_analyses_without_updating_rows() {
    let server = ClickHouseServer::start();
    let store = open(&server, "replacing");
    store.commit(&rage_clicks("r1", 1_000)).expect("commit");
    assert_eq!(analyse(&store, i64::MIN), 1);
    let kinds = |store: &ClickHouseEventStore| -> Vec<String> {
        store
            .session_detections(5, "r1")
            .expect("detections")
            .into_iter()
            .map(|d| d.kind)
            .collect()
    };
    assert!(kinds(&store).contains(&"rage_click".to_string()));
    assert_eq!(analyse(&store, i64::MIN), 0, "analysed");
    // The pageview's facts, and its element's with the rage click counted on it.
    assert_eq!(
        count(
            &server,
            "SELECT count() FROM replacing.pageview_facts WHERE session = 'r1'"
        ),
        1
    );
    assert_eq!(
        count(
            &server,
            "SELECT sum(rage_clicks) FROM replacing.element_facts WHERE session = 'r1' AND selector = '#menu'"
        ),
        1
    );

    // An analysis of the same version with nothing found (as with other thresholds) replaces it whole.
    let version = store
        .changed_sessions(i64::MIN, i64::MAX, 10)
        .expect("changed");
    assert!(version.is_empty());
    let empty = AnalyzedSession {
        version: sightline_store::SessionVersion {
            site_id: 5,
            session: "r1".into(),
            received_at: 1_000,
        },
        friction: 0.0,
        page_groups: vec!["/".into()],
        detections: Vec::new(),
        facts: Default::default(),
    };
    store
        .store_analyses(std::slice::from_ref(&empty))
        .expect("store");
    assert!(kinds(&store).is_empty(), "nothing found: nothing listed");

    // An analysis of an older version written last wins too; the session is then changed again.
    store.commit(&rage_clicks("r1", 2_000)).expect("grows");
    assert_eq!(
        analyse(&store, 1_500),
        1,
        "a cursor past the analysed version"
    );
    assert!(!kinds(&store).is_empty());
    store.store_analyses(&[empty]).expect("store");
    assert!(kinds(&store).is_empty());
    let changed = store
        .changed_sessions(i64::MIN, i64::MAX, 10)
        .expect("changed");
    assert_eq!(
        changed
            .iter()
            .map(|v| (v.session.as_str(), v.received_at))
            .collect::<Vec<_>>(),
        [("r1", 2_000)]
    );
    assert_eq!(analyse(&store, i64::MIN), 1);
    assert!(kinds(&store).contains(&"rage_click".to_string()));
    store.drop_database().expect("drop");
}
