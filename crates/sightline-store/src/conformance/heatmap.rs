//! Heatmaps and zone metrics of one page, on three hand-made pageviews of /product whose every number is
//! worked out in the comments.

use sightline_insight::detect::{Detection, Kind};
use sightline_insight::page_facts::page_facts;
use sightline_model::EventRow;

use super::{DAY, T0, chunk, pageview, row, write};
use crate::{
    AnalyzedSession, ClickPoint, DepthShare, DepthTime, EventStore, Fold, HeatmapKind, HoverSpot,
    MoveCell, PageQuery, PageSnapshotRef, Quantiles, ReplayChunk, SessionFilters, SessionVersion,
    ZoneSession, ZoneStats,
};

const SITE: i64 = 9;
const AT: i64 = T0 + 30 * DAY;
const PAGE: &str = "/product";

/// Boxes: #buy's middle line at 120 px, #reviews' at `reviews_mid`, a fixed header.
fn layout(session: &str, t: i64, reviews_mid: f64) -> EventRow {
    let zones = serde_json::json!([
        {"sel": "#buy", "x": 10, "y": 100, "w": 200, "h": 40},
        {"sel": "#reviews", "x": 0, "y": reviews_mid - 50.0, "w": 800, "h": 100},
        {"sel": "#header", "x": 0, "y": 0, "w": 800, "h": 60, "fixed": true},
    ]);
    EventRow {
        props: Some(zones.to_string()),
        ..row(SITE, session, &format!("v{session}"), t, "layout", PAGE)
    }
}

fn on_page(session: &str, t: i64, event_type: &'static str) -> EventRow {
    row(SITE, session, &format!("v{session}"), t, event_type, PAGE)
}

fn click(session: &str, t: i64, selector: &str, rx: f64, ry: f64) -> EventRow {
    EventRow {
        selector: Some(selector.into()),
        x: Some(100.0),
        y: Some(120.0),
        rel_x: Some(rx),
        rel_y: Some(ry),
        ..on_page(session, t, "click")
    }
}

fn hover(session: &str, t: i64, selector: &str, dwell: f64) -> EventRow {
    EventRow {
        selector: Some(selector.into()),
        value: Some(dwell),
        ..on_page(session, t, "hover")
    }
}

fn with_depth(event: EventRow, px: Option<f64>, pct: f64) -> EventRow {
    EventRow {
        value: px,
        scroll_pct: Some(pct),
        ..event
    }
}

fn product_view(session: &str, t: i64, device: &'static str, vh: i32, dh: f64) -> EventRow {
    EventRow {
        viewport_h: Some(vh),
        value: Some(dh),
        ..pageview(
            SITE,
            session,
            &format!("v{session}"),
            t,
            PAGE,
            "direct",
            device,
        )
    }
}

fn purchase(session: &str, t: i64, revenue: f64) -> EventRow {
    EventRow {
        name: Some("purchase".into()),
        revenue: Some(revenue),
        ..row(
            SITE,
            session,
            &format!("v{session}"),
            t,
            "custom",
            "/thanks",
        )
    }
}

fn dataset() -> Vec<EventRow> {
    let (h2, h3) = (AT + 60_000, AT + 120_000);
    vec![
        // h1, desktop, 800 px viewport on a 2000 px page; in view: 0..800 px for 4 s, then 800..1600 px for
        // 6 s (a scroll pause at +4 s, the page left at +10 s). Hovers #buy at +1 s, clicks it twice at +2 s and
        // +2.5 s (one cell: rx .251 and .259), buys for 50 on another page.
        product_view("h1", AT, "desktop", 800, 2000.0),
        layout("h1", AT + 100, 1550.0),
        hover("h1", AT + 1_000, "#buy", 500.0),
        click("h1", AT + 2_000, "#buy", 0.251, 0.5),
        click("h1", AT + 2_500, "#buy", 0.259, 0.5),
        EventRow {
            props: Some("[[15,25,0],[18,22,100],[45,25,200]]".into()),
            value: Some(3.0),
            ..on_page("h1", AT + 3_000, "move")
        },
        with_depth(on_page("h1", AT + 4_000, "scroll"), Some(1_600.0), 80.0),
        with_depth(on_page("h1", AT + 10_000, "pageleave"), None, 80.0),
        purchase("h1", AT + 11_000, 50.0),
        // h2, mobile, 600 px viewport on a 3000 px page, never scrolls, leaves after 3 s; clicks #buy once
        // at +1 s; #reviews (middle at 2550 px) is never in view. A click on #buy on /cart is another page.
        product_view("h2", h2, "mobile", 600, 3000.0),
        layout("h2", h2 + 100, 2550.0),
        click("h2", h2 + 1_000, "#buy", 0.5, 0.5),
        with_depth(on_page("h2", h2 + 3_000, "pageleave"), None, 20.0),
        EventRow {
            selector: Some("#buy".into()),
            rel_x: Some(0.5),
            rel_y: Some(0.5),
            ..row(SITE, "h2", "vh2", h2 + 5_000, "click", "/cart")
        },
        // h3, desktop, leaves after 120 ms: nothing is in view long enough to count (150 ms), not even the
        // fixed header. Hovered #reviews' place for 300 ms on the way; bought for 30.
        product_view("h3", h3, "desktop", 800, 2000.0),
        layout("h3", h3 + 10, 1550.0),
        hover("h3", h3 + 50, "#reviews", 300.0),
        with_depth(on_page("h3", h3 + 120, "pageleave"), None, 40.0),
        purchase("h3", h3 + 9_000, 30.0),
    ]
}

/// The analysis of `sessions` as the pass stores it: their page facts from the events it reads back, and the
/// detections `detections` gives each, counted on their elements' facts.
fn analyses_with_facts(
    store: &dyn EventStore,
    site_id: i64,
    sessions: &[&str],
    detections: impl Fn(&str) -> Vec<Detection>,
) -> Vec<AnalyzedSession> {
    let versions: Vec<SessionVersion> = sessions
        .iter()
        .map(|session| SessionVersion {
            site_id,
            session: (*session).into(),
            received_at: AT,
        })
        .collect();
    let events = store.analysis_events(&versions).expect("analysis events");
    versions
        .into_iter()
        .map(|version| {
            let mine: Vec<EventRow> = events
                .iter()
                .filter(|e| e.session == version.session)
                .cloned()
                .collect();
            let detections = detections(&version.session);
            let mut facts = page_facts(&mine);
            facts.count_click_problems(&detections);
            AnalyzedSession {
                friction: 0.0,
                page_groups: Vec::new(),
                detections,
                facts,
                version,
            }
        })
        .collect()
}

fn detection(kind: Kind, session: &str, t: i64) -> Detection {
    Detection {
        kind,
        ts: t,
        pageview: format!("{session}-{PAGE}"),
        path: Some(PAGE.into()),
        page_group: Some(PAGE.into()),
        element: Some("#buy".into()),
        value: 3.0,
        evidence: vec![],
    }
}

/// `f` of 0 %, 5 %, … `last` %.
fn every_5_pct<T>(last: i64, f: impl Fn(i64) -> T) -> Vec<T> {
    (0..=last).step_by(5).map(f).collect()
}

fn query(filters: SessionFilters) -> PageQuery {
    PageQuery {
        from: AT,
        to: AT + DAY,
        filters,
        page: PAGE.into(),
    }
}

/// The pageview id of a session's visit to the page (as `row` makes it).
fn pageview_of(session: &str) -> String {
    format!("{session}-{PAGE}")
}

fn snapshot_key(session: &str) -> String {
    format!("{SITE}/{session}/{}-snapshot.zst", pageview_of(session))
}

/// h1 is recorded (chunks 0 and 1 of its pageview), h2 and h3 sent sampled page snapshots.
fn snapshot_chunks() -> Vec<ReplayChunk> {
    let sampled = |session: &str, t: i64| ReplayChunk {
        site_id: SITE,
        blob_key: snapshot_key(session),
        snapshot: true,
        ..chunk(session, &pageview_of(session), 0, t)
    };
    let recorded = |n: u32, t: i64| ReplayChunk {
        site_id: SITE,
        ..chunk("h1", &pageview_of("h1"), n, t)
    };
    vec![
        recorded(0, AT + 50),
        recorded(1, AT + 5_000),
        sampled("h2", AT + 61_000),
        sampled("h3", AT + 121_000),
    ]
}

pub(super) fn heatmaps_and_zones(store: &dyn EventStore) {
    store
        .commit(&write(dataset(), snapshot_chunks()))
        .expect("commit");
    // The analysis pass's facts of each session's pageviews, from the events it reads back; a rage click on #buy
    // in h1 and an error click in h2 (stored as the analysis pass stores them).
    let analyses = analyses_with_facts(store, SITE, &["h1", "h2", "h3"], |session| match session {
        "h1" => vec![detection(Kind::RageClick, "h1", AT + 2_000)],
        "h2" => vec![detection(Kind::ErrorClick, "h2", AT + 61_000)],
        _ => vec![],
    });
    // Twice, as when the sessions changed: the second analysis replaces the first's facts.
    for _ in 0..2 {
        store.store_analyses(&analyses).expect("store analyses");
    }

    let zones = store
        .zones(SITE, &query(SessionFilters::default()))
        .expect("zones");
    let buy = ZoneStats {
        selector: "#buy".into(),
        pageviews: 3,
        // h1 (4 s in view) and h2 (3 s); h3 left after 120 ms.
        exposure_rate: Some(2.0 / 3.0),
        exposure_time_ms: Some(3_500.0),
        click_rate: Some(2.0 / 3.0),
        clicks: 3,
        clicks_per_clicking_pageview: Some(1.5),
        hover_rate: Some(1.0 / 3.0),
        hover_time_ms: Some(500.0),
        engagement_rate: Some(2.0 / 3.0),
        attractiveness_rate: Some(1.0),
        // first clicks 2000 (h1) and 1000 ms (h2) after the pageview: median 1500, p75 1750
        time_before_first_click_ms: Quantiles {
            median: Some(1_500.0),
            p75: Some(1_750.0),
        },
        // h1: first click at +2 s − hover start at +1 s
        hesitation_ms: Quantiles {
            median: Some(1_000.0),
            p75: Some(1_000.0),
        },
        rage_clicks: 1,
        dead_clicks: 0,
        error_clicks: 1,
        // h1 (bought 50) and h2 clicked; nobody was exposed without clicking
        conversion_rate_clicked: Some(0.5),
        conversion_rate_exposed_not_clicked: None,
        revenue_per_click: Some(50.0 / 3.0),
        revenue_clicked: 50.0,
    };
    let header = ZoneStats {
        selector: "#header".into(),
        pageviews: 3,
        // fixed: in view for all of h1 (10 s) and h2 (3 s); h3's 120 ms are too short
        exposure_rate: Some(2.0 / 3.0),
        exposure_time_ms: Some(6_500.0),
        click_rate: Some(0.0),
        clicks: 0,
        clicks_per_clicking_pageview: None,
        hover_rate: Some(0.0),
        hover_time_ms: None,
        engagement_rate: Some(0.0),
        attractiveness_rate: Some(0.0),
        time_before_first_click_ms: Quantiles::default(),
        hesitation_ms: Quantiles::default(),
        rage_clicks: 0,
        dead_clicks: 0,
        error_clicks: 0,
        conversion_rate_clicked: None,
        // exposed, never clicked: h1 (bought) and h2
        conversion_rate_exposed_not_clicked: Some(0.5),
        revenue_per_click: None,
        revenue_clicked: 0.0,
    };
    let reviews = ZoneStats {
        selector: "#reviews".into(),
        // in view only in h1's second span (6 s); hovered in h3 (300 ms) without being exposed
        exposure_rate: Some(1.0 / 3.0),
        exposure_time_ms: Some(6_000.0),
        hover_rate: Some(1.0 / 3.0),
        hover_time_ms: Some(300.0),
        engagement_rate: Some(1.0 / 3.0),
        conversion_rate_exposed_not_clicked: Some(1.0),
        ..header.clone()
    };
    assert_eq!(zones, vec![buy.clone(), header, reviews]);

    // Filters select sessions: on mobile only h2 is left.
    let mobile = store
        .zones(
            SITE,
            &query(SessionFilters {
                device: Some("mobile".into()),
                ..SessionFilters::default()
            }),
        )
        .expect("mobile zones");
    let mobile_buy = mobile.iter().find(|z| z.selector == "#buy").expect("#buy");
    assert_eq!(
        (
            mobile_buy.pageviews,
            mobile_buy.clicks,
            mobile_buy.exposure_rate,
            mobile_buy.exposure_time_ms,
            mobile_buy.error_clicks,
            mobile_buy.rage_clicks,
        ),
        (1, 1, Some(1.0), Some(3_000.0), 1, 0)
    );
    assert!(
        store
            .zones(SITE + 1, &query(SessionFilters::default()))
            .expect("other site")
            .is_empty()
    );

    let map = |kind| {
        store
            .heatmap(SITE, &query(SessionFilters::default()), kind)
            .expect("heatmap")
    };
    let clicks = map(HeatmapKind::Click);
    assert_eq!(clicks.pageviews, 3);
    assert_eq!(
        clicks.points,
        vec![
            ClickPoint {
                selector: "#buy".into(),
                rx: 0.255,
                ry: 0.505,
                count: 2
            },
            ClickPoint {
                selector: "#buy".into(),
                rx: 0.505,
                ry: 0.505,
                count: 1
            },
        ],
        "cells of 1 % of the element; the click on /cart is another page"
    );
    assert!(clicks.cells.is_empty() && clicks.reach.is_empty());

    let moves = map(HeatmapKind::Move);
    assert_eq!(
        moves.cells,
        vec![
            MoveCell {
                x: 0.0,
                y: 20.0,
                count: 2
            },
            MoveCell {
                x: 40.0,
                y: 20.0,
                count: 1
            },
        ]
    );
    assert_eq!(
        moves.hovers,
        vec![
            HoverSpot {
                selector: "#buy".into(),
                count: 1,
                dwell_ms: 500.0
            },
            HoverSpot {
                selector: "#reviews".into(),
                count: 1,
                dwell_ms: 300.0
            },
        ]
    );

    // Deepest points: h1 80 %, h2 20 % (its first screen: 600 of 3000 px), h3 40 %.
    let scroll = map(HeatmapKind::Scroll);
    let share = |depth: i64| match depth {
        0..=20 => 1.0,
        25..=40 => 0.6667,
        45..=80 => 0.3333,
        _ => 0.0,
    };
    assert_eq!(
        scroll.reach,
        every_5_pct(100, |depth_pct| DepthShare {
            depth_pct,
            share: share(depth_pct)
        })
    );
    assert_eq!(
        scroll.folds,
        vec![
            Fold {
                device: "desktop".into(),
                pageviews: 2,
                fold_px: 800.0,
                fold_pct: 40.0
            },
            Fold {
                device: "mobile".into(),
                pageviews: 1,
                fold_px: 600.0,
                fold_pct: 20.0
            },
        ]
    );

    // A 5 % band is in view while its middle is: h1 0-35 % for 4 s then 40-75 % for 6 s, h2 0-15 % for 3 s,
    // h3 0-35 % for 120 ms; divided by 3 pageviews.
    let attention = map(HeatmapKind::Attention);
    let ms = |depth: i64| match depth {
        0..=15 => 2_373.333_3,
        20..=35 => 1_373.333_3,
        40..=75 => 2_000.0,
        _ => 0.0,
    };
    assert_eq!(
        attention.attention,
        every_5_pct(95, |depth_pct| DepthTime {
            depth_pct,
            ms: ms(depth_pct)
        })
    );
}

/// Page snapshots and the sessions behind one element, on the data [`heatmaps_and_zones`] stored.
pub(super) fn snapshots_and_zone_sessions(store: &dyn EventStore) {
    let on = |device: &str| SessionFilters {
        device: Some(device.into()),
        ..SessionFilters::default()
    };
    let snapshot = |q: PageQuery| store.page_snapshot(SITE, &q).expect("page snapshot");
    let expected = |session: &str, taken_at: i64, device: &str, key: String, sampled: bool| {
        Some(PageSnapshotRef {
            session: session.into(),
            pageview: pageview_of(session),
            taken_at,
            device: device.into(),
            blob_key: key,
            raw_bytes: 9_000,
            sampled,
        })
    };
    // The newest pageview with one: h3's sampled snapshot; on mobile h2's.
    assert_eq!(
        snapshot(query(SessionFilters::default())),
        expected("h3", AT + 120_000, "desktop", snapshot_key("h3"), true)
    );
    assert_eq!(
        snapshot(query(on("mobile"))),
        expected("h2", AT + 60_000, "mobile", snapshot_key("h2"), true)
    );
    // Before h3: h1's recording, from its first chunk (never a later one).
    let before_h3 = PageQuery {
        to: AT + 100_000,
        ..query(on("desktop"))
    };
    assert_eq!(
        snapshot(before_h3),
        expected(
            "h1",
            AT,
            "desktop",
            format!("1/h1/{}-000000", pageview_of("h1")),
            false
        )
    );
    assert_eq!(snapshot(query(on("tablet"))), None);
    let other_page = PageQuery {
        page: "/cart".into(),
        ..query(SessionFilters::default())
    };
    assert_eq!(snapshot(other_page), None);
    // A snapshot is not part of a replay: h3 has none, h1 its two chunks.
    assert!(store.replay_chunks(SITE, "h3").expect("chunks").is_empty());
    assert_eq!(store.replay_chunks(SITE, "h1").expect("chunks").len(), 2);

    // #buy: h2 first clicked at +1 s of its pageview (its click on /cart is another page), h1 at +2 s and
    // bought for 50; newest first.
    let sessions = |filters: SessionFilters, selector: &str| {
        store
            .zone_sessions(SITE, &query(filters), selector)
            .expect("zone sessions")
    };
    let h1 = ZoneSession {
        session: "h1".into(),
        at: AT + 2_000,
        device: "desktop".into(),
        converted: true,
        revenue: 50.0,
    };
    let h2 = ZoneSession {
        session: "h2".into(),
        at: AT + 61_000,
        device: "mobile".into(),
        converted: false,
        revenue: 0.0,
    };
    assert_eq!(
        sessions(SessionFilters::default(), "#buy"),
        vec![h2, h1.clone()]
    );
    assert_eq!(sessions(on("desktop"), "#buy"), vec![h1]);
    // Hovered only: nobody clicked it.
    assert!(sessions(SessionFilters::default(), "#reviews").is_empty());
}

/// Deleting a visitor, then retention, take the facts of their sessions' pageviews with them.
pub(super) fn facts_go_with_their_sessions(store: &dyn EventStore) {
    let all = || query(SessionFilters::default());
    store.delete_visitor(SITE, "vh2").expect("delete visitor");
    let clicks = store
        .heatmap(SITE, &all(), HeatmapKind::Click)
        .expect("heatmap");
    assert_eq!(clicks.pageviews, 2, "h1 and h3 are left");
    assert_eq!(
        clicks.points.iter().map(|p| p.count).sum::<u64>(),
        2,
        "h2's click is gone"
    );
    let zones = store.zones(SITE, &all()).expect("zones");
    let buy = zones.iter().find(|z| z.selector == "#buy").expect("#buy");
    assert_eq!((buy.pageviews, buy.clicks), (2, 2));
    assert!(
        store
            .zone_sessions(SITE, &all(), "#buy")
            .expect("sessions")
            .iter()
            .all(|s| s.session == "h1")
    );

    store.delete_before(SITE, AT + DAY).expect("retention");
    assert_eq!(
        store
            .heatmap(SITE, &all(), HeatmapKind::Scroll)
            .expect("heatmap")
            .pageviews,
        0
    );
    assert!(store.zones(SITE, &all()).expect("zones").is_empty());
}

const GROUPS_SITE: i64 = SITE + 2;

/// A pageview `pv` of `path` (group /product/:id) in `session`.
fn product_page(session: &str, pv: &str, t: i64, path: &str, event_type: &'static str) -> EventRow {
    EventRow {
        pageview: pv.into(),
        page_group: Some("/product/:id".into()),
        viewport_h: (event_type == "pageview").then_some(800),
        value: (event_type == "pageview").then_some(2000.0),
        ..row(
            GROUPS_SITE,
            session,
            &format!("v{session}"),
            t,
            event_type,
            path,
        )
    }
}

fn buy_click(session: &str, pv: &str, t: i64, path: &str) -> EventRow {
    EventRow {
        selector: Some("#buy".into()),
        rel_x: Some(0.5),
        rel_y: Some(0.5),
        ..product_page(session, pv, t, path, "click")
    }
}

/// A session is counted once per page however many of its pageviews used the element: g1 clicks #buy on two
/// pageviews of /product/7 and one of /product/8 and buys for 30; g2 sees #buy on /product/8 for 1 s (its box
/// at 100..140 px) and buys nothing.
pub(super) fn sessions_count_once_per_page(store: &dyn EventStore) {
    let events = vec![
        product_page("g1", "g1-a", AT, "/product/7", "pageview"),
        buy_click("g1", "g1-a", AT + 1_000, "/product/7"),
        product_page("g1", "g1-b", AT + 10_000, "/product/7", "pageview"),
        buy_click("g1", "g1-b", AT + 11_000, "/product/7"),
        product_page("g1", "g1-c", AT + 20_000, "/product/8", "pageview"),
        buy_click("g1", "g1-c", AT + 21_000, "/product/8"),
        EventRow {
            name: Some("purchase".into()),
            revenue: Some(30.0),
            pageview: "g1-d".into(),
            ..row(GROUPS_SITE, "g1", "vg1", AT + 30_000, "custom", "/thanks")
        },
        product_page("g2", "g2-a", AT, "/product/8", "pageview"),
        EventRow {
            props: Some(serde_json::json!([{"sel": "#buy", "y": 100, "h": 40}]).to_string()),
            ..product_page("g2", "g2-a", AT + 10, "/product/8", "layout")
        },
        product_page("g2", "g2-a", AT + 1_000, "/product/8", "pageleave"),
    ];
    store.commit(&write(events, vec![])).expect("commit");
    let analyses = analyses_with_facts(store, GROUPS_SITE, &["g1", "g2"], |_| vec![]);
    store.store_analyses(&analyses).expect("store analyses");

    let buy = |page: &str| {
        let q = PageQuery {
            page: page.into(),
            ..query(SessionFilters::default())
        };
        let zones = store.zones(GROUPS_SITE, &q).expect("zones");
        let buy = zones
            .into_iter()
            .find(|z| z.selector == "#buy")
            .expect("#buy");
        (
            buy.pageviews,
            buy.clicks,
            buy.click_rate,
            buy.conversion_rate_clicked,
            buy.revenue_clicked,
            buy.revenue_per_click,
            buy.conversion_rate_exposed_not_clicked,
        )
    };
    // The group: four pageviews, three clicks; g1 clicked (30 once, not per pageview); g2 only saw it.
    assert_eq!(
        buy("/product/:id"),
        (4, 3, Some(0.75), Some(1.0), 30.0, Some(10.0), Some(0.0))
    );
    // /product/7: g1's two pageviews, one session.
    assert_eq!(
        buy("/product/7"),
        (2, 2, Some(1.0), Some(1.0), 30.0, Some(15.0), None)
    );
    // /product/8: g1 clicked, g2 saw it.
    assert_eq!(
        buy("/product/8"),
        (2, 1, Some(0.5), Some(1.0), 30.0, Some(30.0), Some(0.0))
    );
    // Sessions behind #buy on the group: g1 once, at its first click there.
    let sessions = store
        .zone_sessions(GROUPS_SITE, &query(SessionFilters::default()), "#buy")
        .expect("zone sessions");
    assert!(
        sessions.is_empty(),
        "the query's page is /product, not this group"
    );
    let sessions = store
        .zone_sessions(
            GROUPS_SITE,
            &PageQuery {
                page: "/product/:id".into(),
                ..query(SessionFilters::default())
            },
            "#buy",
        )
        .expect("zone sessions");
    assert_eq!(
        sessions
            .iter()
            .map(|s| (s.session.as_str(), s.at, s.converted, s.revenue))
            .collect::<Vec<_>>(),
        [("g1", AT + 1_000, true, 30.0)]
    );
}
