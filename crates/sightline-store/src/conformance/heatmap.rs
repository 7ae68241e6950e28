//! Heatmaps and zone metrics of one page, on three hand-made pageviews of /product whose every number is
//! worked out in the comments.

use sightline_insight::detect::{Detection, Kind};
use sightline_model::EventRow;

use super::{DAY, T0, pageview, row, write};
use crate::{
    AnalyzedSession, ClickPoint, DepthShare, DepthTime, EventStore, Fold, HeatmapKind, HoverSpot,
    MoveCell, PageQuery, Quantiles, SessionFilters, SessionVersion, SpoolPosition, ZoneStats,
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

fn query(filters: SessionFilters) -> PageQuery {
    PageQuery {
        from: AT,
        to: AT + DAY,
        filters,
        page: PAGE.into(),
    }
}

pub(super) fn heatmaps_and_zones(store: &dyn EventStore) {
    store
        .commit(&write(
            dataset(),
            vec![],
            SpoolPosition {
                segment: 950,
                offset: 1,
            },
        ))
        .expect("commit");
    // A rage click on #buy in h1, an error click in h2 (stored as the analysis pass stores them).
    let analyses: Vec<AnalyzedSession> = [
        ("h1", detection(Kind::RageClick, "h1", AT + 2_000)),
        ("h2", detection(Kind::ErrorClick, "h2", AT + 61_000)),
    ]
    .into_iter()
    .map(|(session, d)| AnalyzedSession {
        version: SessionVersion {
            site_id: SITE,
            session: session.into(),
            received_at: AT,
        },
        friction: 10.0,
        page_groups: vec![PAGE.into()],
        detections: vec![d],
    })
    .collect();
    store.store_analyses(&analyses).expect("store analyses");

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

    let clicks = store
        .heatmap(SITE, &query(SessionFilters::default()), HeatmapKind::Click)
        .expect("click map");
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

    let moves = store
        .heatmap(SITE, &query(SessionFilters::default()), HeatmapKind::Move)
        .expect("move map");
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
    let scroll = store
        .heatmap(SITE, &query(SessionFilters::default()), HeatmapKind::Scroll)
        .expect("scroll map");
    let share = |depth: i64| match depth {
        0..=20 => 1.0,
        25..=40 => 0.6667,
        45..=80 => 0.3333,
        _ => 0.0,
    };
    assert_eq!(
        scroll.reach,
        (0..=100)
            .step_by(5)
            .map(|depth_pct| DepthShare {
                depth_pct,
                share: share(depth_pct)
            })
            .collect::<Vec<_>>()
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
    let attention = store
        .heatmap(
            SITE,
            &query(SessionFilters::default()),
            HeatmapKind::Attention,
        )
        .expect("attention map");
    let ms = |depth: i64| match depth {
        0..=15 => 2_373.333_3,
        20..=35 => 1_373.333_3,
        40..=75 => 2_000.0,
        _ => 0.0,
    };
    assert_eq!(
        attention.attention,
        (0..100)
            .step_by(5)
            .map(|depth_pct| DepthTime {
                depth_pct,
                ms: ms(depth_pct)
            })
            .collect::<Vec<_>>()
    );
}
