use sightline_model::EventRow;

use super::*;

const T0: i64 = 1_700_000_000_000;

fn row(ts: i64, event_type: &'static str) -> EventRow {
    EventRow {
        site_id: 1,
        session: "s".into(),
        pageview: "p1".into(),
        ts,
        event_type,
        path: Some("/product/7".into()),
        page_group: Some("/product/:id".into()),
        device: "desktop",
        ..EventRow::default()
    }
}

fn view(vh: Option<i32>, dh: Option<f64>) -> EventRow {
    EventRow {
        viewport_h: vh,
        value: dh,
        ..row(T0, "pageview")
    }
}

fn layout(ts: i64, zones: serde_json::Value) -> EventRow {
    EventRow {
        props: Some(zones.to_string()),
        ..row(ts, "layout")
    }
}

fn scroll(ts: i64, bottom_px: Option<f64>, pct: f64) -> EventRow {
    EventRow {
        value: bottom_px,
        scroll_pct: Some(pct),
        ..row(ts, "scroll")
    }
}

fn click(ts: i64, selector: &str, rx: f64, ry: f64) -> EventRow {
    EventRow {
        selector: Some(selector.into()),
        rel_x: Some(rx),
        rel_y: Some(ry),
        ..row(ts, "click")
    }
}

fn hover(ts: i64, selector: &str, dwell: f64) -> EventRow {
    EventRow {
        selector: Some(selector.into()),
        value: Some(dwell),
        ..row(ts, "hover")
    }
}

fn element(facts: &PageFacts, selector: &str) -> ElementFacts {
    facts
        .elements
        .iter()
        .find(|e| e.selector == selector)
        .cloned()
        .unwrap_or_else(|| panic!("no facts for {selector}"))
}

/// An 800 px viewport on a 2000 px page: 0..800 px for 4 s, then (a scroll pause at +4 s, bottom at 1600 px)
/// 800..1600 px until the page is left at +10 s.
fn scrolled_once() -> Vec<EventRow> {
    vec![
        view(Some(800), Some(2000.0)),
        layout(
            T0 + 100,
            serde_json::json!([
                {"sel": "#buy", "x": 10, "y": 100, "w": 200, "h": 40},
                {"sel": "#reviews", "x": 0, "y": 1500, "w": 800, "h": 100},
                {"sel": "#header", "x": 0, "y": 0, "w": 800, "h": 60, "fixed": true},
            ]),
        ),
        scroll(T0 + 4_000, Some(1_600.0), 80.0),
        EventRow {
            scroll_pct: Some(80.0),
            ..row(T0 + 10_000, "pageleave")
        },
    ]
}

#[test]
fn exposure_is_the_time_an_elements_middle_line_was_in_the_viewport() {
    let facts = page_facts(&scrolled_once());
    // #buy's middle (120 px) is in the first span only, #reviews' (1550 px) in the second; the fixed header
    // is in view for the whole pageview.
    assert_eq!(element(&facts, "#buy").exposure_ms, Some(4_000.0));
    assert_eq!(element(&facts, "#reviews").exposure_ms, Some(6_000.0));
    assert_eq!(element(&facts, "#header").exposure_ms, Some(10_000.0));
    let pv = &facts.pageviews[0];
    assert_eq!(
        (pv.started, pv.ended, pv.depth_pct),
        (T0, T0 + 10_000, 80.0)
    );
    assert_eq!(
        (pv.path.as_deref(), pv.page_group.as_deref(), pv.device),
        (Some("/product/7"), Some("/product/:id"), "desktop")
    );
    // Bands of 100 px: middles 50 … 750 px in the first span, 850 … 1550 px in the second, the rest never.
    let mut expected = vec![4_000.0; 8];
    expected.extend([6_000.0; 8]);
    expected.extend([0.0; 4]);
    assert_eq!(pv.attention_ms, expected);
}

#[test]
fn an_element_on_the_viewports_edge_counts_as_in_view() {
    let mut events = scrolled_once();
    // Middle line exactly at the first viewport's bottom (800 px), which is also the second's top.
    events[1] = layout(
        T0 + 100,
        serde_json::json!([{"sel": "#edge", "y": 780, "h": 40}]),
    );
    assert_eq!(
        element(&page_facts(&events), "#edge").exposure_ms,
        Some(10_000.0)
    );
}

#[test]
fn clicks_hovers_first_click_and_hesitation_per_element() {
    let mut events = scrolled_once();
    events.extend([
        hover(T0 + 1_000, "#buy", 500.0),
        click(T0 + 2_000, "#buy", 0.251, 0.5),
        click(T0 + 2_500, "#buy", 0.259, 0.5),
        // a hover after the first click is not the one the visitor hesitated on
        hover(T0 + 3_000, "#buy", 200.0),
        click(T0 + 3_500, "#buy", 1.0, 0.0),
    ]);
    let buy = element(&page_facts(&events), "#buy");
    assert_eq!(
        (buy.clicks, buy.hovers, buy.hover_ms),
        (3, 2, 700.0),
        "{buy:?}"
    );
    assert_eq!(buy.before_click_ms, Some(2_000.0));
    assert_eq!(buy.hesitation_ms, Some(1_000.0));
    // 1 % cells: .251 and .259 share the cell centred on .255; r = 1 is in the last cell
    assert_eq!(buy.click_cells, vec![(0.255, 0.505, 2), (0.995, 0.005, 1)]);
    let header = element(&page_facts(&events), "#header");
    assert_eq!(
        (
            header.clicks,
            header.hovers,
            header.before_click_ms,
            header.hesitation_ms
        ),
        (0, 0, None, None)
    );
}

#[test]
fn a_click_without_a_hover_before_it_has_no_hesitation() {
    let mut events = scrolled_once();
    events.extend([
        click(T0 + 2_000, "#buy", 0.5, 0.5),
        hover(T0 + 2_100, "#buy", 50.0),
    ]);
    assert_eq!(element(&page_facts(&events), "#buy").hesitation_ms, None);
}

#[test]
fn an_element_touched_but_absent_from_the_layout_has_no_exposure() {
    let mut events = scrolled_once();
    events.push(click(T0 + 5_000, "#popup-close", 0.5, 0.5));
    let popup = element(&page_facts(&events), "#popup-close");
    assert_eq!((popup.exposure_ms, popup.clicks), (None, 1));
}

#[test]
fn the_first_layout_gives_the_boxes_and_a_repeated_selector_takes_its_highest_box() {
    let mut events = scrolled_once();
    events[1] = layout(
        T0 + 100,
        serde_json::json!([
            {"sel": "li.item:nth-of-type(1)", "y": 1500, "h": 100},
            {"sel": "li.item:nth-of-type(1)", "y": 100, "h": 40},
            {"y": 0, "h": 10},
        ]),
    );
    events.push(layout(
        T0 + 6_000,
        serde_json::json!([{"sel": "#late", "y": 100, "h": 40}]),
    ));
    let facts = page_facts(&events);
    assert_eq!(
        element(&facts, "li.item:nth-of-type(1)").exposure_ms,
        Some(4_000.0)
    );
    assert!(facts.elements.iter().all(|e| e.selector != "#late"));
    assert_eq!(
        facts.elements.len(),
        1,
        "a zone without a selector is skipped"
    );
}

#[test]
fn without_a_viewport_height_nothing_is_in_view_but_fixed_elements() {
    let mut events = scrolled_once();
    events[0] = view(None, Some(2000.0));
    let facts = page_facts(&events);
    assert!(
        facts.elements.iter().all(|e| e.selector != "#buy"),
        "never seen, never touched: no facts"
    );
    assert_eq!(element(&facts, "#header").exposure_ms, Some(10_000.0));
    assert!(facts.pageviews[0].attention_ms.is_empty());
    assert_eq!(
        facts.pageviews[0].depth_pct, 80.0,
        "the scroll summary still counts"
    );
}

#[test]
fn a_pageview_that_never_scrolls_reached_its_first_screen() {
    let events = vec![
        view(Some(600), Some(3000.0)),
        EventRow {
            scroll_pct: Some(10.0),
            ..row(T0 + 3_000, "pageleave")
        },
    ];
    let pv = &page_facts(&events).pageviews[0];
    assert_eq!((pv.depth_pct, pv.ended), (20.0, T0 + 3_000));
    // 600 px in view for 3 s: bands with middles 75 … 525 px (of 150 px bands)
    assert_eq!(pv.attention_ms[..4], [3_000.0; 4]);
    assert_eq!(pv.attention_ms[4..], [0.0; 16]);
}

#[test]
fn depth_never_exceeds_the_whole_page_and_a_pageview_without_events_ends_when_it_starts() {
    let events = vec![view(Some(1200), Some(800.0))];
    let pv = &page_facts(&events).pageviews[0];
    assert_eq!((pv.depth_pct, pv.ended), (100.0, T0));
}

#[test]
fn events_are_taken_in_time_order_whatever_order_they_come_in() {
    let mut events = scrolled_once();
    events.reverse();
    assert_eq!(page_facts(&events), page_facts(&scrolled_once()));
}

#[test]
fn events_of_a_pageview_without_its_pageview_event_are_left_out() {
    let mut events = scrolled_once();
    events.push(EventRow {
        pageview: "p2".into(),
        ..click(T0 + 5_000, "#buy", 0.5, 0.5)
    });
    let facts = page_facts(&events);
    assert_eq!(facts.pageviews.len(), 1);
    assert!(facts.elements.iter().all(|e| e.pageview == "p1"));
}

#[test]
fn pointer_samples_are_counted_per_cell_and_malformed_moves_are_skipped() {
    let mut events = scrolled_once();
    events.extend([
        EventRow {
            props: Some("[[15,25,0],[18,22,100],[45,25,200]]".into()),
            ..row(T0 + 3_000, "move")
        },
        EventRow {
            props: Some("{\"not\": \"samples\"}".into()),
            ..row(T0 + 3_100, "move")
        },
        EventRow {
            props: Some("[[\"x\", 1, 0], [5], [-1, 41, 0]]".into()),
            ..row(T0 + 3_200, "move")
        },
    ]);
    let pv = &page_facts(&events).pageviews[0];
    assert_eq!(
        pv.moves,
        vec![(-20.0, 40.0, 1), (0.0, 20.0, 2), (40.0, 20.0, 1)]
    );
}

#[test]
fn an_element_seen_too_briefly_and_never_touched_has_no_facts() {
    let mut events = scrolled_once();
    // #reviews' middle is in view from +4 s; the visitor leaves at +4.1 s
    events.truncate(3);
    events.push(row(T0 + 4_100, "pageleave"));
    let facts = page_facts(&events);
    let seen: Vec<&str> = facts.elements.iter().map(|e| e.selector.as_str()).collect();
    assert_eq!(seen, ["#buy", "#header"]);
    events.push(hover(T0 + 4_050, "#reviews", 40.0));
    assert_eq!(
        element(&page_facts(&events), "#reviews").exposure_ms,
        Some(100.0)
    );
}

/// Two pageviews of one page group (/product/7 then /product/8), both clicking #buy; #header seen on both.
fn two_products() -> Vec<EventRow> {
    let second = |e: EventRow| EventRow {
        pageview: "p2".into(),
        path: Some("/product/8".into()),
        ts: e.ts + 60_000,
        ..e
    };
    let mut events = scrolled_once();
    events.push(click(T0 + 2_000, "#buy", 0.5, 0.5));
    let again: Vec<EventRow> = events.iter().cloned().map(second).collect();
    // listed second-first: the order the store returns them in must not matter
    again.into_iter().chain(events).collect()
}

#[test]
fn a_session_counts_once_per_page_group_and_once_per_path() {
    let facts = page_facts(&two_products());
    let of = |pageview: &str, selector: &str| {
        facts
            .elements
            .iter()
            .find(|e| e.pageview == pageview && e.selector == selector)
            .cloned()
            .unwrap_or_else(|| panic!("{pageview} {selector}"))
    };
    let both = InSession {
        first: true,
        clicked: true,
        exposed: true,
    };
    let later = InSession {
        first: false,
        ..both
    };
    // the group /product/:id: counted on the first pageview; each path is its own page
    assert_eq!(
        (of("p1", "#buy").in_group, of("p2", "#buy").in_group),
        (both, later)
    );
    assert_eq!(
        (of("p1", "#buy").in_path, of("p2", "#buy").in_path),
        (both, both)
    );
    let header = InSession {
        clicked: false,
        ..both
    };
    assert_eq!(
        (of("p1", "#header").in_group, of("p2", "#header").in_group),
        (
            header,
            InSession {
                first: false,
                ..header
            }
        )
    );
}

#[test]
fn a_session_that_clicked_on_a_later_pageview_clicked_the_element_on_every_one() {
    let mut events = two_products();
    // drop the click of the first pageview (p1): the session still clicked #buy on the group
    events.retain(|e| !(e.pageview == "p1" && e.event_type == "click"));
    let facts = page_facts(&events);
    let p1 = facts
        .elements
        .iter()
        .find(|e| e.pageview == "p1" && e.selector == "#buy")
        .expect("p1 #buy");
    assert_eq!(p1.clicks, 0);
    assert!(p1.in_group.first && p1.in_group.clicked);
    assert!(p1.in_path.first && !p1.in_path.clicked);
}

#[test]
fn the_session_converted_if_an_event_had_revenue() {
    let mut events = scrolled_once();
    assert!(!page_facts(&events).converted);
    events.extend([
        EventRow {
            revenue: Some(0.0),
            ..row(T0 + 20_000, "custom")
        },
        EventRow {
            revenue: Some(42.5),
            pageview: "checkout".into(),
            ..row(T0 + 30_000, "custom")
        },
    ]);
    let facts = page_facts(&events);
    assert_eq!((facts.converted, facts.revenue), (true, 42.5));
}

#[test]
fn click_problems_are_counted_on_their_pageview_and_element() {
    let mut facts = page_facts(&two_products());
    let detection = |kind, pageview: &str, element: Option<&str>| Detection {
        kind,
        ts: T0,
        pageview: pageview.into(),
        path: None,
        page_group: None,
        element: element.map(Into::into),
        value: 1.0,
        evidence: Vec::new(),
    };
    facts.count_click_problems(&[
        detection(Kind::RageClick, "p1", Some("#buy")),
        detection(Kind::RageClick, "p1", Some("#buy")),
        detection(Kind::DeadClick, "p1", Some("#buy")),
        detection(Kind::ErrorClick, "p2", Some("#buy")),
        // not a click problem, and one on no element
        detection(Kind::Hesitation, "p1", Some("#buy")),
        detection(Kind::UTurn, "p1", None),
    ]);
    let of = |pageview: &str, selector: &str| {
        facts
            .elements
            .iter()
            .find(|e| e.pageview == pageview && e.selector == selector)
            .map(|e| e.problems)
            .expect("element facts")
    };
    let problems = |rage, dead, error| ClickProblems { rage, dead, error };
    assert_eq!(of("p1", "#buy"), problems(2, 1, 0));
    assert_eq!(of("p2", "#buy"), problems(0, 0, 1));
    assert_eq!(of("p1", "#header"), problems(0, 0, 0));
}
