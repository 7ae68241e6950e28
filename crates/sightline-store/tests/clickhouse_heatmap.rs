//! Heatmaps, zones, page snapshots and zone sessions of the ClickHouse event store against a real server on
//! loopback (Debian's 18.16 in CI).
#![cfg(feature = "clickhouse")]

#[path = "support/analyse.rs"]
mod analyse;
#[path = "support/clickhouse.rs"]
mod clickhouse_server;

use analyse::analyse;

use clickhouse_server::ClickHouseServer;

use sightline_insight::session::{add_replay, rows_of};
use sightline_model::EventRow;
use sightline_store::clickhouse::{ClickHouseEventStore, ClickHouseOptions};
use sightline_store::{
    EventColumns, EventStore, HeatmapKind, PageQuery, ReplayChunk, SessionFilters, WriteBatch,
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
fn clickhouse_answers_heatmaps_zones_and_snapshots_as_every_backend() {
    let server = ClickHouseServer::start();
    let store = open(&server, "heatmaps");
    conformance::heatmap_section(&store);
    store.drop_database().expect("drop");
}

const SITE: i64 = 21;
const DAY: i64 = 86_400_000;
/// 40 days after the conformance suite's first day.
const AT: i64 = 1_764_374_400_000 + 40 * DAY;
const GROUP: &str = "/shop/:id";

/// An event of `session` on pageview `pv` of `path` (group /shop/:id).
fn event(session: &str, pv: &str, ts: i64, event_type: &'static str, path: &str) -> EventRow {
    let (device, browser, channel) = match session {
        "p2" => ("mobile", "Chrome", "organic_search"),
        "p1" => ("desktop", "Firefox", "direct"),
        _ => ("desktop", "Chrome", "direct"),
    };
    EventRow {
        site_id: SITE,
        ts,
        received_at: ts,
        session: session.into(),
        visitor: format!("v{session}"),
        pageview: pv.into(),
        event_type,
        path: Some(path.into()),
        page_group: Some(
            if path.starts_with("/shop/") {
                GROUP
            } else {
                path
            }
            .into(),
        ),
        channel: (event_type == "pageview").then_some(channel),
        device,
        browser: browser.into(),
        os: "Linux".into(),
        ..EventRow::default()
    }
}

fn view(session: &str, pv: &str, ts: i64, path: &str, vh: i32, dh: f64) -> EventRow {
    EventRow {
        viewport_h: Some(vh),
        value: Some(dh),
        ..event(session, pv, ts, "pageview", path)
    }
}

fn layout(session: &str, pv: &str, ts: i64, path: &str) -> EventRow {
    let zones = serde_json::json!([
        {"sel": "#cta", "x": 10, "y": 300, "w": 300, "h": 60},
        {"sel": "#nav", "x": 0, "y": 0, "w": 800, "h": 50, "fixed": true},
        {"sel": "#footer", "x": 0, "y": 2200, "w": 800, "h": 100},
    ]);
    EventRow {
        props: Some(zones.to_string()),
        ..event(session, pv, ts, "layout", path)
    }
}

fn click(session: &str, pv: &str, ts: i64, path: &str, selector: &str, rx: f64) -> EventRow {
    EventRow {
        selector: Some(selector.into()),
        x: Some(50.0),
        y: Some(320.0),
        rel_x: Some(rx),
        rel_y: Some(1.0 - rx),
        ..event(session, pv, ts, "click", path)
    }
}

fn hover(session: &str, pv: &str, ts: i64, path: &str, selector: &str, dwell: f64) -> EventRow {
    EventRow {
        selector: Some(selector.into()),
        value: Some(dwell),
        ..event(session, pv, ts, "hover", path)
    }
}

fn depth(event: EventRow, px: Option<f64>, pct: f64) -> EventRow {
    EventRow {
        value: px,
        scroll_pct: Some(pct),
        ..event
    }
}

/// Three sessions on two paths of one group: p1 (desktop, Firefox, bought for 20) hovers and clicks #cta twice
/// and scrolls; p2 (mobile) clicks #cta and #nav on /shop/2; p3 (desktop, Chrome) views /shop/1 twice, clicking
/// #nav on the first and #cta on the second.
fn events() -> Vec<EventRow> {
    let (a, b) = ("/shop/1", "/shop/2");
    let (t2, t3) = (AT + 60_000, AT + 120_000);
    vec![
        view("p1", "p1-a", AT, a, 800, 2400.0),
        layout("p1", "p1-a", AT + 100, a),
        hover("p1", "p1-a", AT + 500, a, "#cta", 400.0),
        click("p1", "p1-a", AT + 1_500, a, "#cta", 0.2),
        click("p1", "p1-a", AT + 1_700, a, "#cta", 0.8),
        EventRow {
            props: Some("[[15,25,0],[55,65,50],[17,22,90]]".into()),
            value: Some(3.0),
            ..event("p1", "p1-a", AT + 2_000, "move", a)
        },
        depth(
            event("p1", "p1-a", AT + 3_000, "scroll", a),
            Some(1_920.0),
            80.0,
        ),
        depth(event("p1", "p1-a", AT + 8_000, "pageleave", a), None, 80.0),
        EventRow {
            name: Some("purchase".into()),
            revenue: Some(20.0),
            ..event("p1", "p1-b", AT + 9_000, "custom", "/thanks")
        },
        view("p2", "p2-a", t2, b, 640, 3200.0),
        layout("p2", "p2-a", t2 + 50, b),
        click("p2", "p2-a", t2 + 700, b, "#cta", 0.5),
        click("p2", "p2-a", t2 + 900, b, "#nav", 0.1),
        hover("p2", "p2-a", t2 + 950, b, "#footer", 250.0),
        depth(
            event("p2", "p2-a", t2 + 2_000, "scroll", b),
            Some(1_280.0),
            40.0,
        ),
        depth(event("p2", "p2-a", t2 + 4_000, "pageleave", b), None, 40.0),
        view("p3", "p3-a", t3, a, 900, 1800.0),
        layout("p3", "p3-a", t3 + 20, a),
        click("p3", "p3-a", t3 + 300, a, "#nav", 0.3),
        depth(event("p3", "p3-a", t3 + 5_000, "pageleave", a), None, 50.0),
        view("p3", "p3-b", t3 + 6_000, a, 900, 1800.0),
        layout("p3", "p3-b", t3 + 6_020, a),
        click("p3", "p3-b", t3 + 8_500, a, "#cta", 0.6),
        depth(
            event("p3", "p3-b", t3 + 12_000, "pageleave", a),
            None,
            100.0,
        ),
    ]
}

fn chunk(session: &str, pv: &str, n: u32, first_ts: i64, snapshot: bool) -> ReplayChunk {
    ReplayChunk {
        site_id: SITE,
        session: session.into(),
        pageview: pv.into(),
        chunk: n,
        first_ts,
        last_ts: first_ts + 1_000,
        events: 5,
        bytes: 500,
        raw_bytes: 4_000 + u64::from(n),
        blob_key: format!(
            "{SITE}/{session}/{pv}-{n:06}{}",
            if snapshot { "-s" } else { "" }
        ),
        received_at: first_ts + 1_000,
        snapshot,
    }
}

/// p1's first pageview is recorded (two chunks), p2's sampled, p3's second both.
fn chunks() -> Vec<ReplayChunk> {
    vec![
        chunk("p1", "p1-a", 0, AT + 10, false),
        chunk("p1", "p1-a", 1, AT + 4_000, false),
        chunk("p2", "p2-a", 0, AT + 60_010, true),
        chunk("p3", "p3-b", 0, AT + 126_010, false),
        chunk("p3", "p3-b", 0, AT + 126_010, true),
    ]
}

/// Writes [`events`] and [`chunks`] and analyses every session as the analysis pass does.
fn fill(store: &dyn EventStore) {
    let rows = events();
    let replay = chunks();
    let mut sessions = rows_of(&rows);
    for c in replay.iter().filter(|c| !c.snapshot) {
        if let Some(s) = sessions.iter_mut().find(|s| s.session == c.session) {
            add_replay(s, c.bytes);
        }
    }
    store
        .commit(&WriteBatch {
            sessions,
            rows: EventColumns::from_rows(&rows),
            replay_chunks: replay,
            ..WriteBatch::default()
        })
        .expect("commit");
    assert_eq!(analyse(store, i64::MIN), 3);
}

/// Every question of a page's heatmaps, as one comparable answer.
fn answers(store: &dyn EventStore, q: &PageQuery) -> String {
    let kinds = [
        HeatmapKind::Click,
        HeatmapKind::Move,
        HeatmapKind::Scroll,
        HeatmapKind::Attention,
    ];
    let maps: Vec<_> = kinds
        .iter()
        .map(|&kind| store.heatmap(SITE, q, kind).expect("heatmap"))
        .collect();
    let zones = store.zones(SITE, q).expect("zones");
    let snapshot = store.page_snapshot(SITE, q).expect("snapshot");
    let sessions: Vec<_> = ["#cta", "#nav", "#footer"]
        .iter()
        .map(|selector| store.zone_sessions(SITE, q, selector).expect("sessions"))
        .collect();
    format!("{maps:#?}\n{zones:#?}\n{snapshot:#?}\n{sessions:#?}")
}

/// The embedded store and ClickHouse answer every heatmap question alike on data of their own: a page group and
/// its paths, with each kind of session filter the heatmaps pass on (device class on the facts, the others
/// selecting sessions), and a range that leaves a pageview out.
#[cfg(feature = "duckdb")]
#[test]
fn clickhouse_answers_heatmap_questions_as_the_embedded_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let duck = sightline_store::duckdb::DuckDbEventStore::open(&dir.path().join("events.duckdb"))
        .expect("open duckdb");
    let server = ClickHouseServer::start();
    let house = open(&server, "heatmap_compare");
    fill(&duck);
    fill(&house);
    let filters = [
        SessionFilters::default(),
        SessionFilters {
            device: Some("desktop".into()),
            ..SessionFilters::default()
        },
        SessionFilters {
            converted: Some(true),
            ..SessionFilters::default()
        },
        SessionFilters {
            browser: Some("Chrome".into()),
            device: Some("desktop".into()),
            ..SessionFilters::default()
        },
        SessionFilters {
            channel: Some("organic_search".into()),
            ..SessionFilters::default()
        },
        SessionFilters {
            min_duration_ms: Some(10_000),
            ..SessionFilters::default()
        },
    ];
    let mut compared = 0;
    for page in [GROUP, "/shop/1", "/shop/2", "/thanks", "/nowhere"] {
        for (from, to) in [(AT, AT + DAY), (AT, AT + 125_000), (AT + DAY, AT + 2 * DAY)] {
            for filters in &filters {
                let q = PageQuery {
                    from,
                    to,
                    filters: filters.clone(),
                    page: page.into(),
                };
                let expected = answers(&duck, &q);
                assert_eq!(answers(&house, &q), expected, "{q:?}");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 5 * 3 * filters.len());
    // Not all of it is empty: the group's clicks, zones and snapshot are there.
    let all = PageQuery {
        from: AT,
        to: AT + DAY,
        filters: SessionFilters::default(),
        page: GROUP.into(),
    };
    let zones = house.zones(SITE, &all).expect("zones");
    assert_eq!(
        zones
            .iter()
            .map(|z| (z.selector.as_str(), z.clicks))
            .collect::<Vec<_>>(),
        [("#cta", 4), ("#nav", 2), ("#footer", 0)]
    );
    let snapshot = house
        .page_snapshot(SITE, &all)
        .expect("snapshot")
        .expect("one");
    assert_eq!(
        (snapshot.pageview.as_str(), snapshot.sampled),
        ("p3-b", true)
    );
    house.drop_database().expect("drop");
}
