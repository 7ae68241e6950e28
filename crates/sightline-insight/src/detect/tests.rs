use serde_json::json;

use super::*;

/// 2025-11-29 00:00:00 UTC.
const T0: i64 = 1_764_374_400_000;
const PRODUCT: &str = "/product/8f14e45fceea167a";
const PRODUCT_GROUP: &str = "/product/:id";

fn row(ts: i64, event_type: &'static str) -> EventRow {
    EventRow {
        site_id: 1,
        ts: T0 + ts,
        received_at: T0 + ts + 500,
        session: "s1".into(),
        visitor: "v1".into(),
        pageview: "pv1".into(),
        event_type,
        path: Some(PRODUCT.into()),
        page_group: Some(PRODUCT_GROUP.into()),
        device: "desktop",
        browser: "Firefox".into(),
        os: "Linux".into(),
        ..EventRow::default()
    }
}

fn on(pv: &str, path: &str, r: EventRow) -> EventRow {
    EventRow {
        pageview: pv.into(),
        path: Some(path.into()),
        page_group: Some(path.into()),
        ..r
    }
}

fn click_on(ts: i64, sel: &str, x: f64, y: f64, changed: Option<bool>) -> EventRow {
    EventRow {
        selector: Some(sel.into()),
        tag: Some("button".into()),
        x: Some(x),
        y: Some(y),
        interactive: Some(true),
        changed,
        ..row(ts, "click")
    }
}

const BUY: &str = "[data-sl-zone=\"add-to-cart\"]";

fn click(ts: i64, x: f64, y: f64, changed: Option<bool>) -> EventRow {
    click_on(ts, BUY, x, y, changed)
}

fn error(ts: i64, fingerprint: &str) -> EventRow {
    EventRow {
        name: Some("TypeError: x is undefined".into()),
        error_fingerprint: Some(fingerprint.into()),
        ..row(ts, "error")
    }
}

fn hover(ts: i64, sel: &str, dwell: f64, clicked: bool) -> EventRow {
    EventRow {
        selector: Some(sel.into()),
        value: Some(dwell),
        props: Some(json!({"clicked": clicked}).to_string()),
        ..row(ts, "hover")
    }
}

fn scroll(ts: i64, pct: f64, dir_changes: u64) -> EventRow {
    EventRow {
        value: Some(pct * 20.0),
        scroll_pct: Some(pct),
        props: Some(json!({"dir_changes": dir_changes}).to_string()),
        ..row(ts, "scroll")
    }
}

fn pageleave(ts: i64, max_pct: f64) -> EventRow {
    EventRow {
        value: Some(ts as f64),
        scroll_pct: Some(max_pct),
        ..row(ts, "pageleave")
    }
}

fn pageview(ts: i64, pv: &str, path: &str) -> EventRow {
    on(pv, path, row(ts, "pageview"))
}

/// A move event at `ts` whose points' `dt` are relative to it.
fn moves(ts: i64, points: &[[f64; 3]]) -> EventRow {
    EventRow {
        value: Some(points.len() as f64),
        props: Some(json!(points).to_string()),
        ..row(ts, "move")
    }
}

fn input(ts: i64, sel: &str, action: &str, field: &str) -> EventRow {
    EventRow {
        selector: Some(sel.into()),
        name: Some(action.into()),
        tag: Some(field.into()),
        ..row(ts, "input")
    }
}

fn request(ts: i64, method: Option<&str>, url: &str, status: f64) -> EventRow {
    EventRow {
        name: Some(url.into()),
        tag: method.map(str::to_string),
        value: Some(status),
        props: Some(json!({"duration_ms": 120}).to_string()),
        ..row(ts, "request")
    }
}

fn vital(ts: i64, name: &str, value: f64, rating: Option<&str>) -> EventRow {
    EventRow {
        name: Some(name.into()),
        value: Some(value),
        text: rating.map(str::to_string),
        ..row(ts, "vital")
    }
}

fn run(events: &[EventRow]) -> Vec<Detection> {
    detect(events, &Thresholds::default())
}

fn of(events: &[EventRow], kind: Kind) -> Vec<Detection> {
    run(events).into_iter().filter(|d| d.kind == kind).collect()
}

fn kinds(detections: &[Detection]) -> Vec<Kind> {
    detections.iter().map(|d| d.kind).collect()
}

// ---- kinds and thresholds ----------------------------------------------------------------------

#[test]
fn kinds_round_trip_through_their_names_in_declaration_order() {
    for (i, kind) in Kind::ALL.into_iter().enumerate() {
        assert_eq!(kind as usize, i, "ALL follows the declaration order");
        assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        assert_eq!(
            serde_json::to_value(kind).expect("serialize"),
            json!(kind.as_str())
        );
    }
    assert_eq!(Kind::UTurn.as_str(), "u_turn");
    assert_eq!(Kind::parse("rage-click"), None);
    assert_eq!(Kind::parse(""), None);
}

#[test]
fn thresholds_from_a_partial_config_keep_the_other_defaults() {
    let t: Thresholds = serde_json::from_value(json!({"rage_click_min_clicks": 4}))
        .expect("a partial config is valid");
    assert_eq!(
        t,
        Thresholds {
            rage_click_min_clicks: 4,
            ..Thresholds::default()
        }
    );
    assert_eq!(t.u_turn_max_ms, 7_000);
    let typo = serde_json::from_value::<Thresholds>(json!({"rage_click_min_clics": 4}));
    assert!(
        typo.is_err(),
        "a misspelt threshold is an error, not ignored"
    );
    let w: FrictionWeights =
        serde_json::from_value(json!({"hesitation": 0.0})).expect("partial weights");
    assert_eq!((w.hesitation, w.rage_click), (0.0, 0.5));
}

// ---- rage clicks ---------------------------------------------------------------------------------

#[test]
fn three_clicks_within_1000_ms_are_a_rage_click_and_1001_ms_is_not() {
    let within = [
        click(0, 100.0, 100.0, Some(false)),
        click(500, 101.0, 100.0, Some(false)),
        click(1_000, 100.0, 102.0, Some(false)),
    ];
    let found = of(&within, Kind::RageClick);
    assert_eq!(found.len(), 1);
    let d = &found[0];
    assert_eq!((d.ts, d.value), (T0, 3.0));
    assert_eq!(d.element.as_deref(), Some(BUY));
    assert_eq!(d.pageview, "pv1");
    assert_eq!(
        (d.path.as_deref(), d.page_group.as_deref()),
        (Some(PRODUCT), Some(PRODUCT_GROUP))
    );
    let ts: Vec<i64> = d.evidence.iter().map(|e| e.ts - T0).collect();
    assert_eq!(ts, [0, 500, 1_000]);
    assert_eq!(d.evidence[1].x, Some(101.0));
    assert_eq!(d.evidence[0].event_type, "click");

    let late = [
        click(0, 100.0, 100.0, Some(false)),
        click(500, 101.0, 100.0, Some(false)),
        click(1_001, 100.0, 102.0, Some(false)),
    ];
    assert!(of(&late, Kind::RageClick).is_empty());
    assert!(
        of(
            &[click(0, 1.0, 1.0, None), click(100, 1.0, 1.0, None)],
            Kind::RageClick
        )
        .is_empty(),
        "two clicks are not a burst"
    );
}

#[test]
fn rage_clicks_must_stay_within_30_px_of_the_first() {
    let burst = |dx: f64| {
        [
            click(0, 100.0, 100.0, Some(false)),
            click(150, 100.0 + dx, 100.0, Some(false)),
            click(300, 100.0, 100.0, Some(false)),
        ]
    };
    assert_eq!(of(&burst(30.0), Kind::RageClick).len(), 1);
    assert!(of(&burst(31.0), Kind::RageClick).is_empty());
    // 30 px from each other but the third is 36 px from the first (diagonal)
    let drift = [
        click(0, 100.0, 100.0, Some(false)),
        click(150, 118.0, 118.0, Some(false)),
        click(300, 125.5, 125.5, Some(false)),
    ];
    assert!(of(&drift, Kind::RageClick).is_empty());
}

#[test]
fn a_burst_longer_than_the_window_is_one_rage_click_with_all_its_clicks() {
    // 6 clicks 220 ms apart: 1,100 ms from first to last, every 3 within 1 s
    let burst: Vec<EventRow> = (0..6)
        .map(|k| click(k * 220, 200.0 + k as f64, 300.0, Some(false)))
        .collect();
    let found = of(&burst, Kind::RageClick);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].value, 6.0);
    // a pause of over a second between two triples: two bursts
    let mut two = burst[..3].to_vec();
    two.extend((0..3).map(|k| click(5_000 + k * 100, 200.0, 300.0, Some(false))));
    let found = of(&two, Kind::RageClick);
    assert_eq!(
        found.iter().map(|d| d.value).collect::<Vec<_>>(),
        [3.0, 3.0]
    );
}

#[test]
fn a_burst_where_every_click_visibly_worked_is_no_rage_click() {
    let stepper = |third: Option<bool>| {
        [
            click_on(0, "#qty-inc", 50.0, 50.0, Some(true)),
            click_on(150, "#qty-inc", 51.0, 50.0, Some(true)),
            click_on(300, "#qty-inc", 50.0, 51.0, third),
        ]
    };
    assert!(run(&stepper(Some(true))).is_empty());
    // one click whose effect nobody saw (page left: None) makes it a rage click again
    let found = of(&stepper(None), Kind::RageClick);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].element.as_deref(), Some("#qty-inc"));
    assert_eq!(of(&stepper(Some(false)), Kind::RageClick).len(), 1);
}

#[test]
fn clicks_on_text_editing_surfaces_are_never_rage_or_dead_clicks() {
    for (tag, sel, props) in [
        ("input", "#email", None),
        ("TEXTAREA", "#note", None),
        ("select", "#country", None),
        ("div", "div.editor[contenteditable]", None),
        (
            "div",
            "div.editor",
            Some(json!({"editable": true}).to_string()),
        ),
    ] {
        let burst: Vec<EventRow> = (0..4)
            .map(|k| EventRow {
                tag: Some(tag.into()),
                props: props.clone(),
                ..click_on(k * 100, sel, 10.0, 10.0, Some(false))
            })
            .collect();
        assert!(run(&burst).is_empty(), "{tag} {sel}");
    }
    // a text field's clicks do not break up a burst on the button they interleave with
    let mixed = [
        click(0, 10.0, 10.0, Some(false)),
        click(100, 10.0, 10.0, Some(false)),
        EventRow {
            tag: Some("input".into()),
            ..click_on(150, "#q", 400.0, 10.0, Some(false))
        },
        click(200, 10.0, 10.0, Some(false)),
    ];
    let found = run(&mixed);
    assert_eq!(kinds(&found), [Kind::RageClick]);
    assert_eq!(found[0].value, 3.0);
}

#[test]
fn clicks_of_another_pageview_do_not_join_a_burst() {
    let split = [
        click(0, 10.0, 10.0, Some(false)),
        click(100, 10.0, 10.0, Some(false)),
        on("pv2", PRODUCT, click(200, 10.0, 10.0, Some(false))),
    ];
    assert!(of(&split, Kind::RageClick).is_empty());
    assert_eq!(of(&split, Kind::DeadClick).len(), 3);
}

// ---- dead clicks ---------------------------------------------------------------------------------

#[test]
fn a_click_that_changed_nothing_is_dead_and_unknown_is_not() {
    let image = "[data-sl-zone=\"product-image\"]";
    let events = [
        EventRow {
            tag: Some("img".into()),
            interactive: Some(false),
            ..click_on(0, image, 300.0, 400.0, Some(false))
        },
        click_on(5_000, "#details", 300.0, 900.0, Some(true)),
        click_on(9_000, "a.related", 300.0, 1_400.0, None),
    ];
    let found = run(&events);
    assert_eq!(kinds(&found), [Kind::DeadClick]);
    let d = &found[0];
    assert_eq!((d.ts, d.value), (T0, 1.0));
    assert_eq!(d.element.as_deref(), Some(image));
    assert_eq!(
        (d.evidence[0].x, d.evidence[0].y),
        (Some(300.0), Some(400.0))
    );
}

#[test]
fn clicks_of_a_rage_burst_or_followed_by_an_error_are_not_also_dead() {
    let events = [
        click(0, 10.0, 10.0, Some(false)),
        click(150, 10.0, 10.0, Some(false)),
        click(300, 10.0, 10.0, Some(false)),
        click_on(5_000, "#apply-coupon", 600.0, 10.0, Some(false)),
        error(5_007, "fp1"),
        click_on(9_000, "#apply-coupon", 600.0, 10.0, Some(false)),
    ];
    assert_eq!(
        kinds(&run(&events)),
        [
            Kind::RageClick,
            Kind::ErrorClick,
            Kind::JsError,
            Kind::DeadClick
        ]
    );
    let dead = of(&events, Kind::DeadClick);
    assert_eq!(dead[0].ts, T0 + 9_000, "only the click without an error");
}

// ---- error clicks --------------------------------------------------------------------------------

#[test]
fn an_error_up_to_1000_ms_after_a_click_makes_it_an_error_click() {
    let coupon = "[data-sl-zone=\"apply-coupon\"]";
    let at = |delay: i64| {
        vec![
            click_on(0, coupon, 10.0, 10.0, Some(true)),
            error(delay, "fp1"),
        ]
    };
    let found = of(&at(1_000), Kind::ErrorClick);
    assert_eq!(found.len(), 1);
    let d = &found[0];
    assert_eq!((d.ts, d.value), (T0, 1_000.0));
    assert_eq!(d.element.as_deref(), Some(coupon));
    assert_eq!(
        d.evidence.iter().map(|e| e.event_type).collect::<Vec<_>>(),
        ["click", "error"]
    );
    assert!(of(&at(1_001), Kind::ErrorClick).is_empty());
    assert_eq!(of(&at(0), Kind::ErrorClick).len(), 1, "same ms counts");
    assert!(
        of(&at(-1), Kind::ErrorClick).is_empty(),
        "an error before the click"
    );
    let elsewhere = [
        click_on(0, coupon, 10.0, 10.0, Some(true)),
        on("pv2", "/cart", error(10, "fp1")),
    ];
    assert!(of(&elsewhere, Kind::ErrorClick).is_empty());
}

#[test]
fn an_error_goes_to_the_latest_click_and_a_click_counts_once() {
    let events = [
        click_on(0, "#a", 10.0, 10.0, Some(true)),
        click_on(400, "#b", 500.0, 10.0, Some(true)),
        error(500, "fp1"),
        error(600, "fp2"),
    ];
    let found = of(&events, Kind::ErrorClick);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].element.as_deref(), Some("#b"));
    assert_eq!(found[0].value, 100.0);
    assert_eq!(of(&events, Kind::JsError).len(), 2);
}

// ---- u-turns -------------------------------------------------------------------------------------

fn journey(back_after: i64, there: &str) -> Vec<EventRow> {
    vec![
        pageview(0, "a", "/category"),
        pageview(20_000, "b", there),
        pageview(20_000 + back_after, "c", "/category"),
    ]
}

#[test]
fn back_to_the_previous_page_within_7_s_is_a_u_turn_on_the_page_left() {
    let found = run(&journey(7_000, PRODUCT));
    assert_eq!(kinds(&found), [Kind::UTurn]);
    let d = &found[0];
    assert_eq!((d.ts, d.value), (T0 + 20_000, 7_000.0));
    assert_eq!(
        (d.pageview.as_str(), d.path.as_deref()),
        ("b", Some(PRODUCT))
    );
    assert_eq!(d.element, None);
    assert_eq!(
        d.evidence.iter().map(|e| e.ts - T0).collect::<Vec<_>>(),
        [20_000, 27_000]
    );
    assert!(run(&journey(7_001, PRODUCT)).is_empty());
    assert!(
        run(&journey(1_000, "/category")).is_empty(),
        "a reload of the same page is no u-turn"
    );
    let onwards = [
        pageview(0, "a", "/category"),
        pageview(20_000, "b", PRODUCT),
        pageview(22_000, "c", "/cart"),
    ];
    assert!(run(&onwards).is_empty());
}

// ---- excessive scroll ----------------------------------------------------------------------------

#[test]
fn four_direction_changes_below_half_the_page_are_excessive_scrolling() {
    let view = |changes: [u64; 3], leave_pct: f64| {
        vec![
            scroll(1_000, 30.0, changes[0]),
            scroll(3_000, 20.0, changes[1]),
            scroll(5_000, 40.0, changes[2]),
            pageleave(9_000, leave_pct),
        ]
    };
    let found = run(&view([0, 3, 1], 49.0));
    assert_eq!(kinds(&found), [Kind::ExcessiveScroll]);
    let d = &found[0];
    assert_eq!(
        (d.ts, d.value),
        (T0 + 3_000, 4.0),
        "at the first change of direction"
    );
    assert_eq!(d.evidence.len(), 2);
    assert!(run(&view([0, 2, 1], 49.0)).is_empty(), "3 changes");
    assert!(
        run(&view([0, 3, 1], 50.0)).is_empty(),
        "progress reached 50 %"
    );
    let deep = [scroll(1_000, 55.0, 2), scroll(2_000, 30.0, 2)];
    assert!(run(&deep).is_empty(), "a scroll event went past 50 %");
    let no_leave = [scroll(1_000, 10.0, 2), scroll(2_000, 30.0, 2)];
    assert_eq!(of(&no_leave, Kind::ExcessiveScroll).len(), 1);
}

// ---- thrashed cursor -----------------------------------------------------------------------------

/// Points every `step` ms, x alternating between 0 and `amplitude` (a reversal at each inner point).
fn zigzag(points: usize, step: f64, amplitude: f64) -> Vec<[f64; 3]> {
    (0..points)
        .map(|k| {
            let x = if k.is_multiple_of(2) {
                100.0
            } else {
                100.0 + amplitude
            };
            [x, 300.0 + k as f64, k as f64 * step]
        })
        .collect()
}

#[test]
fn five_fast_reversals_within_a_second_are_a_thrashed_cursor() {
    // 7 points 100 ms apart, 200 px each way (2,000 px/s): 5 reversals at 100..500 ms
    let found = run(&[moves(0, &zigzag(7, 100.0, 200.0))]);
    assert_eq!(kinds(&found), [Kind::ThrashedCursor]);
    let d = &found[0];
    assert_eq!((d.ts, d.value), (T0 + 100, 5.0));
    assert_eq!(d.element, None);
    assert_eq!(
        (d.evidence[0].event_type, d.evidence[0].x),
        ("move", Some(300.0))
    );
    assert!(run(&[moves(0, &zigzag(6, 100.0, 200.0))]).is_empty(), "4");
    // a longer shake is one episode
    assert_eq!(
        of(&[moves(0, &zigzag(12, 100.0, 200.0))], Kind::ThrashedCursor)[0].value,
        10.0
    );
}

#[test]
fn thrashing_needs_the_speed_threshold_on_both_sides_of_each_reversal() {
    // 50 px per 100 ms = exactly 500 px/s; 49 px is under
    assert_eq!(run(&[moves(0, &zigzag(7, 100.0, 50.0))]).len(), 1);
    assert!(run(&[moves(0, &zigzag(7, 100.0, 49.0))]).is_empty());
    // samples more than 300 ms apart are no single movement
    assert!(run(&[moves(0, &zigzag(7, 301.0, 2_000.0))]).is_empty());
}

#[test]
fn five_reversals_over_1001_ms_are_not_thrashing() {
    // reversals at 250, 500, 750, 1000 and 1000 or 1001 ms after the first: 200 px per 250 ms = 800 px/s
    let spaced = |last: f64| {
        let ts = [0.0, 250.0, 500.0, 750.0, 1_000.0, last, last + 250.0];
        ts.iter()
            .enumerate()
            .map(|(k, &t)| [if k.is_multiple_of(2) { 0.0 } else { 200.0 }, 50.0, t])
            .collect::<Vec<_>>()
    };
    assert_eq!(run(&[moves(0, &spaced(1_250.0))]).len(), 1);
    assert!(run(&[moves(0, &spaced(1_251.0))]).is_empty());
}

#[test]
fn pointer_samples_of_consecutive_move_events_form_one_path() {
    // the tracker cuts moves into events; each event's dt restarts at 0
    let all = zigzag(7, 100.0, 200.0);
    let first: Vec<[f64; 3]> = all[..3].to_vec();
    let second: Vec<[f64; 3]> = all[3..]
        .iter()
        .map(|p| [p[0], p[1], p[2] - 300.0])
        .collect();
    let found = run(&[moves(5_300, &second), moves(5_000, &first)]);
    assert_eq!(kinds(&found), [Kind::ThrashedCursor]);
    assert_eq!(found[0].ts, T0 + 5_100);
}

#[test]
fn a_smooth_pointer_path_is_not_thrashing() {
    // a hand resting (±1.5 px jitter: a reversal at every sample, but slow), then an eased curve from
    // (100, 100) to (900, 500) with the same jitter, like the simulator's
    let jitter = |k: usize| if k.is_multiple_of(2) { 1.5 } else { -1.5 };
    let mut points: Vec<[f64; 3]> = (0..8)
        .map(|k| [100.0 + jitter(k), 100.0 - jitter(k), k as f64 * 110.0])
        .collect();
    points.extend((1..=10).map(|k| {
        let s = k as f64 / 10.0;
        let e = s * s * (3.0 - 2.0 * s);
        [
            100.0 + 800.0 * e + jitter(k),
            100.0 + 400.0 * e - jitter(k),
            (7 + k) as f64 * 110.0,
        ]
    }));
    assert!(run(&[moves(0, &points)]).is_empty());
    let sensitive = Thresholds {
        thrashed_cursor_min_speed_px_s: 20.0,
        ..Thresholds::default()
    };
    assert_eq!(
        detect(&[moves(0, &points)], &sensitive).len(),
        1,
        "the resting jitter reverses often enough: only its speed keeps it out"
    );
}

// ---- hesitation ----------------------------------------------------------------------------------

#[test]
fn hovering_2_s_without_clicking_is_hesitation_and_1999_ms_is_not() {
    let found = run(&[hover(0, BUY, 2_000.0, false)]);
    assert_eq!(kinds(&found), [Kind::Hesitation]);
    let d = &found[0];
    assert_eq!((d.ts, d.value), (T0, 2_000.0));
    assert_eq!(d.element.as_deref(), Some(BUY));
    assert_eq!(
        d.evidence.iter().map(|e| e.event_type).collect::<Vec<_>>(),
        ["hover"],
        "no click: not clicked"
    );
    assert!(run(&[hover(0, BUY, 1_999.0, false)]).is_empty());
}

#[test]
fn hesitation_is_the_time_before_the_first_click_and_the_click_is_evidence() {
    let clicked_after = |ms: i64| {
        vec![
            hover(0, BUY, 6_000.0, true),
            click(ms, 10.0, 10.0, Some(true)),
        ]
    };
    let found = run(&clicked_after(2_500));
    assert_eq!(kinds(&found), [Kind::Hesitation]);
    assert_eq!(found[0].value, 2_500.0);
    assert_eq!(
        found[0]
            .evidence
            .iter()
            .map(|e| (e.event_type, e.ts - T0))
            .collect::<Vec<_>>(),
        [("hover", 0), ("click", 2_500)]
    );
    // clicked at once, then the mouse rested on it: no doubt before the click
    assert!(run(&clicked_after(300)).is_empty());
    assert!(run(&clicked_after(1_999)).is_empty());
    // typing into a field under the mouse is not hesitating over it
    let typing = [
        hover(0, "#email", 8_000.0, true),
        EventRow {
            tag: Some("input".into()),
            ..click_on(400, "#email", 10.0, 10.0, Some(true))
        },
        input(401, "#email", "focus", "email"),
        input(7_000, "#email", "change", "email"),
    ];
    assert!(run(&typing).is_empty());
    let tabbed_in = [
        hover(0, "#email", 8_000.0, false),
        input(300, "#email", "focus", "email"),
    ];
    assert!(run(&tabbed_in).is_empty());
}

// ---- form abandonment, errors, requests, vitals --------------------------------------------------

#[test]
fn an_abandoned_field_is_form_abandonment_valued_at_the_form_time() {
    let events = [
        input(1_000, "#email", "focus", "email"),
        input(4_000, "#email", "change", "email"),
        input(4_000, "#email", "blur", "email"),
        input(5_000, "#security-code", "focus", "text"),
        pageleave(30_000, 80.0),
        input(30_000, "#security-code", "abandon", "text"),
    ];
    let found = run(&events);
    assert_eq!(kinds(&found), [Kind::FormAbandonment]);
    assert_eq!(found[0].element.as_deref(), Some("#security-code"));
    assert_eq!((found[0].ts, found[0].value), (T0 + 30_000, 29_000.0));
    assert!(run(&events[..4]).is_empty(), "used but not (yet) left");
    let submitted = [
        input(1_000, "#email", "focus", "email"),
        input(2_000, "form", "submit", "form"),
    ];
    assert!(run(&submitted).is_empty());
}

#[test]
fn each_error_is_a_js_error_keyed_by_its_fingerprint() {
    let found = run(&[error(0, "fp1"), error(10, "fp1"), error(20, "fp2")]);
    assert_eq!(kinds(&found), [Kind::JsError; 3]);
    assert_eq!(
        found
            .iter()
            .map(|d| d.element.as_deref())
            .collect::<Vec<_>>(),
        [Some("fp1"), Some("fp1"), Some("fp2")]
    );
    assert!(found.iter().all(|d| d.value == 1.0));
}

#[test]
fn requests_with_status_400_and_up_or_0_fail_and_are_keyed_by_method_and_pattern() {
    let events = [
        request(
            0,
            Some("post"),
            "https://shop.example/api/cart/42/items?sku=9",
            500.0,
        ),
        request(
            10,
            None,
            "/api/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            404.0,
        ),
        request(20, Some("GET"), "//cdn.example/img/1234.png#x", 0.0),
        request(30, Some("GET"), "/api/ok", 399.0),
        request(40, Some("GET"), "/api/ok", 200.0),
    ];
    let found = run(&events);
    assert_eq!(kinds(&found), [Kind::FailedRequest; 3]);
    assert_eq!(
        found
            .iter()
            .map(|d| (d.element.as_deref().unwrap_or(""), d.value))
            .collect::<Vec<_>>(),
        [
            ("POST /api/cart/:id/items", 500.0),
            ("GET /api/orders/:id", 404.0),
            ("GET /img/:id.png", 0.0),
        ]
    );
}

#[test]
fn request_patterns_fold_ids_and_keep_words() {
    for (url, pattern) in [
        ("https://shop.example", "/"),
        ("https://shop.example/?q=1", "/"),
        ("/api/users/42", "/api/users/:id"),
        ("/api/products/blue-shoes-42", "/api/products/blue-shoes-42"),
        (
            "/api/session/8f14e45fceea167a5a36dedd4bea2543",
            "/api/session/:id",
        ),
        ("/api/v2/items", "/api/v2/items"),
        ("api/items/7", "/api/items/:id"),
        ("http://h:8080/a/2024-05-01", "/a/:id"),
    ] {
        assert_eq!(request_pattern(url), pattern, "{url}");
    }
}

#[test]
fn a_poor_lcp_is_a_slow_page() {
    let found = run(&[
        vital(0, "LCP", 4_300.0, Some("poor")),
        vital(1, "LCP", 4_500.0, Some("needs-improvement")),
        vital(2, "LCP", 4_001.0, None),
        vital(3, "LCP", 4_000.0, None),
        vital(4, "FCP", 9_000.0, Some("poor")),
        vital(5, "INP", 900.0, Some("poor")),
    ]);
    assert_eq!(kinds(&found), [Kind::SlowPage; 2]);
    assert_eq!(
        found
            .iter()
            .map(|d| (d.ts - T0, d.value, d.element.as_deref()))
            .collect::<Vec<_>>(),
        [(0, 4_300.0, Some("LCP")), (2, 4_001.0, Some("LCP"))]
    );
}

// ---- whole sessions ------------------------------------------------------------------------------

/// A desktop session on the demo shop: a landing page, a product page with a hesitation, a rage burst on
/// "Add to cart", dead clicks on the image and a fast stepper; a glance at another product (u-turn); the
/// cart with a failing coupon; the checkout left with the security code; normal moves and scrolls.
fn shop_session() -> Vec<EventRow> {
    let home = |r: EventRow| on("home", "/", r);
    let product = |r: EventRow| on("p1", PRODUCT, r);
    let other = |r: EventRow| on("p2", "/product/9e3779b97f4a7c15", r);
    let product2 = |r: EventRow| on("p3", PRODUCT, r);
    let cart = |r: EventRow| on("cart", "/cart", r);
    let checkout = |r: EventRow| on("co", "/checkout", r);
    let image = "[data-sl-zone=\"product-image\"]";
    vec![
        home(pageview(0, "home", "/")),
        home(vital(60, "TTFB", 180.0, Some("good"))),
        home(vital(80, "FCP", 600.0, Some("good"))),
        home(scroll(3_000, 40.0, 0)),
        home(scroll(6_000, 70.0, 0)),
        home(moves(
            7_000,
            &[
                [300.0, 300.0, 0.0],
                [420.0, 340.0, 110.0],
                [560.0, 380.0, 230.0],
            ],
        )),
        home(hover(7_300, "a.card", 700.0, true)),
        home(click_on(7_700, "a.card", 560.0, 380.0, None)),
        home(vital(8_000, "LCP", 1_900.0, Some("good"))),
        home(pageleave(8_000, 70.0)),
        // the product page
        product(pageview(8_500, "p1", PRODUCT)),
        product(vital(8_700, "LCP", 5_200.0, Some("poor"))),
        product(EventRow {
            tag: Some("img".into()),
            interactive: Some(false),
            ..click_on(11_000, image, 300.0, 400.0, Some(false))
        }),
        product(EventRow {
            tag: Some("img".into()),
            interactive: Some(false),
            ..click_on(12_000, image, 420.0, 380.0, Some(false))
        }),
        product(hover(14_000, "#qty-inc", 900.0, true)),
        product(click_on(14_200, "#qty-inc", 700.0, 500.0, Some(true))),
        product(click_on(14_350, "#qty-inc", 701.0, 500.0, Some(true))),
        product(click_on(14_500, "#qty-inc", 700.0, 502.0, Some(true))),
        product(hover(16_000, BUY, 4_000.0, true)),
        product(click(19_000, 650.0, 560.0, Some(false))),
        product(click(19_150, 652.0, 561.0, Some(false))),
        product(click(19_300, 649.0, 558.0, Some(false))),
        product(click(19_480, 651.0, 563.0, Some(false))),
        product(pageleave(30_000, 60.0)),
        // a glance at another product and back
        other(pageview(31_000, "p2", "/product/9e3779b97f4a7c15")),
        other(pageleave(34_000, 30.0)),
        product2(pageview(34_500, "p3", PRODUCT)),
        product2(click_on(45_000, "a.cart-link", 900.0, 30.0, None)),
        product2(pageleave(45_100, 20.0)),
        // the cart: the coupon throws
        cart(pageview(45_500, "cart", "/cart")),
        cart(EventRow {
            tag: Some("input".into()),
            ..click_on(48_000, "#coupon-code", 500.0, 600.0, Some(true))
        }),
        cart(input(48_001, "#coupon-code", "focus", "text")),
        cart(input(51_000, "#coupon-code", "change", "text")),
        cart(click_on(
            51_500,
            "[data-sl-zone=\"apply-coupon\"]",
            650.0,
            600.0,
            Some(false),
        )),
        cart(error(51_508, "coupon-fp")),
        cart(request(
            51_520,
            Some("POST"),
            "/api/coupon/123?c=SAVE",
            500.0,
        )),
        cart(click_on(60_000, "#checkout", 800.0, 700.0, None)),
        cart(pageleave(60_100, 90.0)),
        cart(input(60_100, "#coupon-code", "abandon", "text")),
        // the checkout, left at the security code
        checkout(pageview(60_500, "co", "/checkout")),
        checkout(input(63_000, "#email", "focus", "email")),
        checkout(input(70_000, "#email", "blur", "email")),
        checkout(input(71_000, "#security-code", "focus", "text")),
        checkout(click_on(75_000, "#place-order", 700.0, 1_500.0, Some(true))),
        checkout(input(75_005, "#security-code", "focus", "text")),
        checkout(pageleave(90_000, 100.0)),
        checkout(input(90_000, "#security-code", "abandon", "text")),
    ]
}

#[test]
fn a_whole_session_gives_each_planted_problem_once_in_time_order() {
    let found = run(&shop_session());
    let summary: Vec<(i64, Kind, &str, Option<&str>, f64)> = found
        .iter()
        .map(|d| {
            (
                d.ts - T0,
                d.kind,
                d.pageview.as_str(),
                d.element.as_deref(),
                d.value,
            )
        })
        .collect();
    let image = Some("[data-sl-zone=\"product-image\"]");
    assert_eq!(
        summary,
        [
            (8_700, Kind::SlowPage, "p1", Some("LCP"), 5_200.0),
            (11_000, Kind::DeadClick, "p1", image, 1.0),
            (12_000, Kind::DeadClick, "p1", image, 1.0),
            (16_000, Kind::Hesitation, "p1", Some(BUY), 3_000.0),
            (19_000, Kind::RageClick, "p1", Some(BUY), 4.0),
            (31_000, Kind::UTurn, "p2", None, 3_500.0),
            (
                51_500,
                Kind::ErrorClick,
                "cart",
                Some("[data-sl-zone=\"apply-coupon\"]"),
                8.0
            ),
            (51_508, Kind::JsError, "cart", Some("coupon-fp"), 1.0),
            (
                51_520,
                Kind::FailedRequest,
                "cart",
                Some("POST /api/coupon/:id"),
                500.0
            ),
            (
                60_100,
                Kind::FormAbandonment,
                "cart",
                Some("#coupon-code"),
                12_099.0
            ),
            (
                90_000,
                Kind::FormAbandonment,
                "co",
                Some("#security-code"),
                27_000.0
            ),
        ]
    );
    let pages: Vec<(&str, Option<&str>)> = found
        .iter()
        .map(|d| (d.pageview.as_str(), d.path.as_deref()))
        .collect();
    assert!(pages.contains(&("p2", Some("/product/9e3779b97f4a7c15"))));
    assert!(pages.contains(&("cart", Some("/cart"))));
}

#[test]
fn the_order_of_the_events_does_not_matter() {
    let events = shop_session();
    let expected = run(&events);
    let mut reversed = events.clone();
    reversed.reverse();
    assert_eq!(run(&reversed), expected);
    // a deterministic shuffle: every 7th element first, and so on
    let n = events.len();
    let shuffled: Vec<EventRow> = (0..7)
        .flat_map(|start| (start..n).step_by(7))
        .map(|i| events[i].clone())
        .collect();
    assert_eq!(shuffled.len(), n);
    assert_eq!(run(&shuffled), expected);
    assert!(run(&[]).is_empty());
}

// ---- friction score ------------------------------------------------------------------------------

fn detection(kind: Kind) -> Detection {
    Detection {
        kind,
        ts: T0,
        pageview: "pv1".into(),
        path: None,
        page_group: None,
        element: None,
        value: 1.0,
        evidence: Vec::new(),
    }
}

#[test]
fn friction_combines_kinds_as_independent_chances_and_caps_each_kind_at_three() {
    let w = FrictionWeights::default();
    let score = |kinds: &[Kind]| {
        let d: Vec<Detection> = kinds.iter().map(|&k| detection(k)).collect();
        friction_score(&d, &w)
    };
    assert_eq!(score(&[]), 0.0);
    assert!((score(&[Kind::RageClick]) - 50.0).abs() < 1e-9);
    // 1 - 0.5 × 0.8 = 0.6
    assert!((score(&[Kind::RageClick, Kind::DeadClick]) - 60.0).abs() < 1e-9);
    // 1 - 0.85^3, however many errors there were
    let three = score(&[Kind::JsError; 3]);
    assert!((three - 100.0 * (1.0 - 0.85f64.powi(3))).abs() < 1e-9);
    assert_eq!(score(&[Kind::JsError; 40]), three);
    assert!(score(&[Kind::RageClick; 3]) < 100.0);
    let all = score(&Kind::ALL);
    assert!(all > score(&Kind::ALL[1..]) && all < 100.0);
    let odd = FrictionWeights {
        rage_click: f64::NAN,
        dead_click: 7.0,
        hesitation: -1.0,
        ..FrictionWeights::default()
    };
    let d = [
        detection(Kind::RageClick),
        detection(Kind::Hesitation),
        detection(Kind::DeadClick),
    ];
    assert_eq!(
        friction_score(&d, &odd),
        100.0,
        "weights clamp to 0..1 (NaN to 0)"
    );
    assert_eq!(friction_score(&d[..2], &odd), 0.0);
}

#[test]
fn extreme_thresholds_never_panic() {
    let events = shop_session();
    let huge = Thresholds {
        rage_click_min_clicks: usize::MAX,
        thrashed_cursor_min_reversals: usize::MAX,
        rage_click_window_ms: i64::MAX,
        error_click_window_ms: i64::MAX,
        u_turn_max_ms: i64::MAX,
        thrashed_cursor_window_ms: i64::MAX,
        thrashed_cursor_max_sample_gap_ms: i64::MAX,
        excessive_scroll_min_direction_changes: u64::MAX,
        ..Thresholds::default()
    };
    let found = detect(&events, &huge);
    assert!(!kinds(&found).contains(&Kind::RageClick));
    assert!(kinds(&found).contains(&Kind::UTurn));
    let odd = Thresholds {
        rage_click_min_clicks: 0,
        thrashed_cursor_min_reversals: 0,
        rage_click_window_ms: i64::MIN,
        rage_click_radius_px: f64::NAN,
        error_click_window_ms: -1,
        u_turn_max_ms: i64::MIN,
        excessive_scroll_min_direction_changes: 0,
        excessive_scroll_max_progress_pct: f64::NAN,
        thrashed_cursor_min_speed_px_s: f64::NAN,
        thrashed_cursor_max_sample_gap_ms: i64::MIN,
        thrashed_cursor_window_ms: i64::MIN,
        hesitation_min_ms: f64::INFINITY,
        slow_page_lcp_ms: f64::NAN,
    };
    let found = kinds(&detect(&events, &odd));
    for never in [
        Kind::RageClick,
        Kind::ErrorClick,
        Kind::UTurn,
        Kind::ExcessiveScroll,
        Kind::ThrashedCursor,
        Kind::Hesitation,
    ] {
        assert!(!found.contains(&never), "{never}");
    }
}

#[test]
fn a_sites_overrides_change_only_the_fields_it_names() {
    let base = Thresholds {
        hesitation_min_ms: 3_000.0,
        ..Thresholds::default()
    };
    let overrides = serde_json::json!({"rage_click_min_clicks": 4});
    let t = base
        .with_overrides(overrides.as_object().expect("object"))
        .expect("valid");
    assert_eq!((t.rage_click_min_clicks, t.hesitation_min_ms), (4, 3_000.0));
    let bad = serde_json::json!({"rage_clicks": 4});
    let e = base
        .with_overrides(bad.as_object().expect("object"))
        .expect_err("unknown field");
    assert!(e.contains("rage_clicks"), "{e}");
    let wrong = serde_json::json!({"u_turn_max_ms": "soon"});
    assert!(
        base.with_overrides(wrong.as_object().expect("object"))
            .is_err()
    );
}
