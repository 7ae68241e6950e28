//! The analysis tables and the reports on them: changed sessions, their events, replacing analyses, problem
//! counts by stratum, the sessions list's frustration columns, error groups, failed requests, vitals, deletion.

use sightline_insight::detect::{FrictionWeights, Thresholds};
use sightline_model::EventRow;

use super::{DAY, T0, pageview, row, write};
use crate::{
    AnalyzedSession, EventStore, OverviewQuery, ProblemQuery, ProblemStratum, SessionFilters,
    SessionQuery, SessionSort, SessionVersion,
};

const SITE: i64 = 7;
const AT: i64 = T0 + 20 * DAY;

/// A session on /cart: its pageview, optionally a dead click on the coupon button, optionally a purchase.
fn cart_session(
    session: &str,
    start: i64,
    device: &'static str,
    dead_click: bool,
    revenue: f64,
) -> Vec<EventRow> {
    let visitor = format!("v{session}");
    let mut events = vec![pageview(
        SITE, session, &visitor, start, "/cart", "direct", device,
    )];
    if dead_click {
        events.push(EventRow {
            selector: Some("#coupon".into()),
            tag: Some("button".into()),
            x: Some(10.0),
            y: Some(20.0),
            interactive: Some(true),
            changed: Some(false),
            device,
            ..row(SITE, session, &visitor, start + 5_000, "click", "/cart")
        });
    }
    if revenue > 0.0 {
        events.push(EventRow {
            name: Some("purchase".into()),
            revenue: Some(revenue),
            device,
            ..row(SITE, session, &visitor, start + 9_000, "custom", "/cart")
        });
    }
    events
}

fn dataset() -> Vec<EventRow> {
    let mut events = Vec::new();
    // Desktop: a1 (dead click), a2 (dead click, bought 20), a3 (30), a4 (10), a5 (nothing).
    for (i, (session, dead, revenue)) in [
        ("a1", true, 0.0),
        ("a2", true, 20.0),
        ("a3", false, 30.0),
        ("a4", false, 10.0),
        ("a5", false, 0.0),
    ]
    .into_iter()
    .enumerate()
    {
        events.extend(cart_session(
            session,
            AT + i as i64 * 60_000,
            "desktop",
            dead,
            revenue,
        ));
    }
    // Mobile: a6 (dead click), a7 (nothing).
    events.extend(cart_session("a6", AT + 10 * 60_000, "mobile", true, 0.0));
    // a6 tries the coupon again 3 s later: a second dead click, still one affected session.
    let again = cart_session("a6", AT + 10 * 60_000 + 3_000, "mobile", true, 0.0);
    events.push(again[1].clone());
    events.extend(cart_session("a7", AT + 11 * 60_000, "mobile", false, 0.0));
    // a3's POST to the cart failed once.
    events.push(EventRow {
        name: Some("https://shop.test/api/cart/123?x=1".into()),
        tag: Some("POST".into()),
        value: Some(500.0),
        ..row(
            SITE,
            "a3",
            "va3",
            AT + 2 * 60_000 + 3_000,
            "request",
            "/cart",
        )
    });
    // a8 on / only: a JS error and a poor LCP.
    events.push(pageview(
        SITE,
        "a8",
        "va8",
        AT + 12 * 60_000,
        "/",
        "direct",
        "desktop",
    ));
    events.push(EventRow {
        name: Some("TypeError: x is undefined".into()),
        error_fingerprint: Some("fp1".into()),
        props: Some(r#"{"stack":"TypeError: x is undefined\n    at a.js:1:1"}"#.into()),
        ..row(SITE, "a8", "va8", AT + 12 * 60_000 + 1_000, "error", "/")
    });
    events.push(EventRow {
        name: Some("LCP".into()),
        value: Some(5_000.0),
        text: Some("poor".into()),
        ..row(SITE, "a8", "va8", AT + 12 * 60_000 + 2_000, "vital", "/")
    });
    events
}

fn ours(versions: Vec<SessionVersion>) -> Vec<String> {
    let mut sessions: Vec<String> = versions
        .into_iter()
        .filter(|v| v.site_id == SITE)
        .map(|v| v.session)
        .collect();
    sessions.sort();
    sessions
}

/// Runs the detectors over `versions` the way the analysis pass does, and stores the result.
fn analyse(store: &dyn EventStore, versions: &[SessionVersion]) {
    let events = store.analysis_events(versions).expect("events");
    let analyses: Vec<AnalyzedSession> = versions
        .iter()
        .map(|v| {
            let mine: Vec<EventRow> = events
                .iter()
                .filter(|e| e.site_id == v.site_id && e.session == v.session)
                .cloned()
                .collect();
            AnalyzedSession::of(
                v.clone(),
                &mine,
                &Thresholds::default(),
                &FrictionWeights::default(),
            )
        })
        .collect();
    store.store_analyses(&analyses).expect("store analyses");
}

/// Every problem of the day the data set covers.
fn all_problems() -> ProblemQuery {
    ProblemQuery {
        from: AT,
        to: AT + DAY,
        filters: SessionFilters::default(),
        kind: None,
        page: None,
    }
}

fn range() -> OverviewQuery {
    OverviewQuery {
        from: AT,
        to: AT + DAY,
        filters: SessionFilters::default(),
        limit: 10,
    }
}

pub(super) fn analysis(store: &dyn EventStore) {
    pass_and_problems(store);
    frustration_in_the_sessions_list(store);
    errors_requests_and_vitals(store);
    analysed_again(store);
    deleted_with_their_sessions(store);
}

/// [`analysis`] without the checks that need the sessions list or deletion (which only read, or come last).
pub(super) fn without_sessions_list_or_deletion(store: &dyn EventStore) {
    pass_and_problems(store);
    errors_requests_and_vitals(store);
    analysed_again(store);
}

/// Changed sessions, their events, the stored analyses and detections, problem counts.
fn pass_and_problems(store: &dyn EventStore) {
    store.commit(&write(dataset(), vec![])).expect("commit");
    let changed: Vec<SessionVersion> = store
        .changed_sessions(i64::MIN, i64::MAX, 10_000)
        .expect("changed")
        .into_iter()
        .filter(|v| v.site_id == SITE)
        .collect();
    assert_eq!(
        ours(changed.clone()),
        ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"]
    );
    // The range bounds are on when the session was received.
    assert_eq!(
        ours(
            store
                .changed_sessions(AT + 69_000, AT + 3 * 60_000, 100)
                .expect("changed")
        ),
        ["a3"],
        "a2 was last received at AT+69 s (excluded), a3 at AT+129 s, a4 after AT+3 min"
    );
    let a1 = store
        .analysis_events(&changed[..1])
        .expect("events")
        .into_iter()
        .map(|e| (e.session, e.ts, e.event_type))
        .collect::<Vec<_>>();
    assert_eq!(
        a1,
        [
            (changed[0].session.clone(), AT, "pageview"),
            (changed[0].session.clone(), AT + 5_000, "click"),
        ]
    );
    analyse(store, &changed);
    assert!(
        ours(
            store
                .changed_sessions(i64::MIN, i64::MAX, 10_000)
                .expect("changed")
        )
        .is_empty(),
        "analysed sessions are not changed any more"
    );
    assert!(
        ours(
            store
                .changed_sessions(AT + 60_000, i64::MAX, 10_000)
                .expect("changed")
        )
        .is_empty(),
        "nor from a cursor between their versions"
    );

    let a1_detections = store.session_detections(SITE, "a1").expect("detections");
    assert_eq!(
        a1_detections
            .iter()
            .map(|d| (
                d.kind.as_str(),
                d.ts,
                d.element.as_deref(),
                d.page_group.as_deref()
            ))
            .collect::<Vec<_>>(),
        [("dead_click", AT + 5_000, Some("#coupon"), Some("/cart"))]
    );
    assert_eq!(a1_detections[0].evidence[0]["event_type"], "click");

    // Problems: the dead click on /cart's coupon, stratified by device × channel.
    let problems = store
        .problem_counts(SITE, &all_problems())
        .expect("problems");
    let dead = problems
        .iter()
        .find(|p| p.kind == "dead_click")
        .expect("dead click problem");
    assert_eq!(
        (
            dead.page.as_str(),
            dead.element.as_deref(),
            dead.sessions_affected
        ),
        ("/cart", Some("#coupon"), 3)
    );
    assert_eq!(
        dead.strata,
        [
            ProblemStratum {
                device: "desktop".into(),
                channel: "direct".into(),
                affected: 2,
                affected_conversions: 1,
                exposed: 5,
                exposed_conversions: 3,
                exposed_revenue: 60.0,
            },
            ProblemStratum {
                device: "mobile".into(),
                channel: "direct".into(),
                affected: 1,
                affected_conversions: 0,
                exposed: 2,
                exposed_conversions: 0,
                exposed_revenue: 0.0,
            },
        ]
    );
    assert_eq!(
        dead.sample,
        Some(("a6".into(), AT + 10 * 60_000 + 8_000)),
        "the latest occurrence (no session has a replay): a6's second dead click"
    );
    assert_eq!(problems[0].kind, "dead_click", "most affected first");
    let mut kinds: Vec<(&str, &str, Option<&str>)> = problems
        .iter()
        .map(|p| (p.kind.as_str(), p.page.as_str(), p.element.as_deref()))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("dead_click", "/cart", Some("#coupon")),
            ("failed_request", "/cart", Some("POST /api/cart/:id")),
            ("js_error", "/", Some("fp1")),
            ("slow_page", "/", Some("LCP")),
        ]
    );
    let mobile_only = store
        .problem_counts(
            SITE,
            &ProblemQuery {
                from: AT,
                to: AT + DAY,
                filters: SessionFilters {
                    device: Some("mobile".into()),
                    ..SessionFilters::default()
                },
                kind: Some("dead_click".into()),
                page: Some("/cart".into()),
            },
        )
        .expect("problems");
    assert_eq!(mobile_only.len(), 1);
    assert_eq!(
        (
            mobile_only[0].sessions_affected,
            mobile_only[0].strata.len()
        ),
        (1, 1)
    );
}

fn frustration_in_the_sessions_list(store: &dyn EventStore) {
    // The sessions list: frustration counts, the frustration filter, friction first.
    let list = |filters: SessionFilters, sort: SessionSort| {
        store
            .sessions(
                SITE,
                &SessionQuery {
                    from: AT,
                    to: AT + DAY,
                    filters,
                    sort,
                    descending: true,
                    limit: 10,
                    offset: 0,
                },
            )
            .expect("sessions")
    };
    let dead_clicked = list(
        SessionFilters {
            frustration: Some("dead_click".into()),
            frustration_page: Some("/cart".into()),
            frustration_element: Some("#coupon".into()),
            ..SessionFilters::default()
        },
        SessionSort::Started,
    );
    assert_eq!(
        dead_clicked
            .sessions
            .iter()
            .map(|s| s.session.as_str())
            .collect::<Vec<_>>(),
        ["a6", "a2", "a1"]
    );
    assert_eq!(dead_clicked.total, 3);
    assert_eq!(
        dead_clicked.sessions[0].frustration.get("dead_click"),
        Some(&2)
    );
    let weight = FrictionWeights::default().dead_click;
    let two_dead_clicks = 100.0 * (1.0 - (1.0 - weight).powi(2));
    assert!((dead_clicked.sessions[0].friction - two_dead_clicks).abs() < 1e-9);
    let by_friction = list(SessionFilters::default(), SessionSort::Friction);
    assert_eq!(
        by_friction
            .sessions
            .iter()
            .take(5)
            .map(|s| s.session.as_str())
            .collect::<Vec<_>>(),
        ["a6", "a8", "a1", "a2", "a3"],
        "a6: two dead clicks (weigh more than a8's error and slow page); then one detection each, by session id"
    );
    assert!(by_friction.sessions[5..].iter().all(|s| s.friction == 0.0));
}

fn errors_requests_and_vitals(store: &dyn EventStore) {
    // Errors, failed requests, vitals.
    let errors = store.error_groups(SITE, &range()).expect("errors");
    assert_eq!(errors.len(), 1);
    let e = &errors[0];
    assert_eq!(
        (
            e.key.as_str(),
            e.title.as_str(),
            e.count,
            e.sessions,
            e.visitors
        ),
        ("fp1", "TypeError: x is undefined", 1, 1, 1)
    );
    assert_eq!(
        (e.first_seen, e.last_seen),
        (AT + 12 * 60_000 + 1_000, AT + 12 * 60_000 + 1_000)
    );
    assert_eq!(
        (e.pages.as_slice(), e.browsers.as_slice()),
        (&["/".to_string()][..], &["Chrome".to_string()][..])
    );
    assert_eq!(
        e.sample_stack.as_deref(),
        Some("TypeError: x is undefined\n    at a.js:1:1")
    );
    assert_eq!(e.sample_sessions, ["a8"]);
    let requests = store.failed_requests(SITE, &range()).expect("requests");
    assert_eq!(
        requests
            .iter()
            .map(|r| (r.key.as_str(), r.title.as_str(), r.count, r.sessions))
            .collect::<Vec<_>>(),
        [("POST /api/cart/:id", "500", 1, 1)]
    );
    let vitals = store.vitals(SITE, &range()).expect("vitals");
    assert_eq!(vitals.len(), 1);
    let v = &vitals[0];
    assert_eq!(
        (
            v.page.as_str(),
            v.device.as_str(),
            v.name.as_str(),
            v.samples,
            v.p75,
            v.rating.as_str()
        ),
        ("/", "desktop", "LCP", 1, 5_000.0, "poor")
    );
    assert_eq!((v.good, v.needs_improvement, v.poor), (0.0, 0.0, 1.0));
    let filtered = store
        .error_groups(
            SITE,
            &OverviewQuery {
                filters: SessionFilters {
                    device: Some("mobile".into()),
                    ..SessionFilters::default()
                },
                ..range()
            },
        )
        .expect("errors");
    assert!(filtered.is_empty(), "a8 is a desktop session");
}

fn analysed_again(store: &dyn EventStore) {
    // A session that grows is analysed again, and its new analysis replaces the old one.
    store
        .commit(&write(
            vec![EventRow {
                selector: Some("#help".into()),
                changed: Some(false),
                received_at: AT + 30 * 60_000,
                ..row(
                    SITE,
                    "a5",
                    "va5",
                    AT + 4 * 60_000 + 20_000,
                    "click",
                    "/cart",
                )
            }],
            vec![],
        ))
        .expect("commit");
    let again = store
        .changed_sessions(i64::MIN, i64::MAX, 10_000)
        .expect("changed");
    assert_eq!(ours(again.clone()), ["a5"]);
    assert_eq!(
        ours(
            store
                .changed_sessions(AT + 20 * 60_000, i64::MAX, 10_000)
                .expect("changed")
        ),
        ["a5"],
        "a cursor past its analysed version still finds the new one"
    );
    let a5: Vec<SessionVersion> = again.into_iter().filter(|v| v.site_id == SITE).collect();
    assert_eq!(a5[0].received_at, AT + 30 * 60_000);
    analyse(store, &a5);
    analyse(store, &a5);
    assert_eq!(
        store
            .session_detections(SITE, "a5")
            .expect("detections")
            .iter()
            .map(|d| d.element.as_deref())
            .collect::<Vec<_>>(),
        [Some("#help")],
        "replaced, not added twice"
    );
}

fn deleted_with_their_sessions(store: &dyn EventStore) {
    // Deleting a visitor deletes what was found in their sessions.
    store.delete_visitor(SITE, "va1").expect("delete visitor");
    assert!(
        store
            .session_detections(SITE, "a1")
            .expect("detections")
            .is_empty()
    );
    assert_eq!(
        store
            .session_detections(SITE, "a2")
            .expect("detections")
            .len(),
        1
    );
    // Retention too.
    store
        .delete_before(SITE, AT + 31 * 60_000)
        .expect("retention");
    assert!(
        store
            .session_detections(SITE, "a2")
            .expect("detections")
            .is_empty()
    );
    assert!(
        store
            .problem_counts(SITE, &all_problems(),)
            .expect("problems")
            .is_empty()
    );
}
