//! Segments, journeys, funnels and retention on five hand-made sessions of a shop, every expected number
//! worked out from this table (times in seconds after T0; product pages are group /product/:id):
//!
//! | session | visitor | device  | channel        | pages (time)                                   | other                                   |
//! |---------|---------|---------|----------------|------------------------------------------------|-----------------------------------------|
//! | a1      | va      | desktop | direct         | / 0, /product/1 10, /cart 20, /checkout 30     | click #checkout-btn 25, purchase 50 € 40, identify u1 plan=pro 41 |
//! | a2      | vb      | mobile  | organic_search | / 1, /product/2 11, /product/3 15              |                                         |
//! | a3      | vc      | mobile  | direct         | /product/1 2, /cart 12                         | click #checkout-btn 13, 14, 15          |
//! | a4      | vd      | desktop | paid_search    | / 3                                            |                                         |
//! | a5      | va      | desktop | email          | (day 1) / 0, /cart 5, /checkout 10             | purchase 20 € 20                        |

use sightline_insight::funnel::{FunnelSpec, StepTally, best_attempt};
use sightline_insight::segment::Segment;
use sightline_model::EventRow;

use super::{DAY, T0, pageview, row, write};
use crate::{
    EventStore, FunnelBreakdown, FunnelMatch, FunnelQuery, FunnelStepQuery, FunnelUnit,
    PathDirection, PathNodes, PathQuery, PathReport, PathSelection, RetentionPeriod,
    RetentionQuery, SessionFilters, SessionQuery, SessionSort,
};

const SITE: i64 = 30;
const S: i64 = 1_000;

fn page(
    session: &str,
    visitor: &str,
    secs: i64,
    path: &str,
    channel: &'static str,
    device: &'static str,
) -> EventRow {
    let mut e = pageview(SITE, session, visitor, T0 + secs * S, path, channel, device);
    if path.starts_with("/product/") {
        e.page_group = Some("/product/:id".into());
    }
    e
}

fn on(
    session: &str,
    visitor: &str,
    secs: i64,
    event_type: &'static str,
    path: &str,
    device: &'static str,
) -> EventRow {
    EventRow {
        device,
        ..row(SITE, session, visitor, T0 + secs * S, event_type, path)
    }
}

fn click(session: &str, visitor: &str, secs: i64, device: &'static str) -> EventRow {
    EventRow {
        selector: Some("#checkout-btn".into()),
        ..on(session, visitor, secs, "click", "/cart", device)
    }
}

fn purchase(session: &str, secs: i64, revenue: f64) -> EventRow {
    EventRow {
        name: Some("purchase".into()),
        revenue: Some(revenue),
        ..on(session, "va", secs, "custom", "/checkout", "desktop")
    }
}

fn dataset() -> Vec<EventRow> {
    let d = DAY / S;
    vec![
        page("a1", "va", 0, "/", "direct", "desktop"),
        page("a1", "va", 10, "/product/1", "internal", "desktop"),
        page("a1", "va", 20, "/cart", "internal", "desktop"),
        click("a1", "va", 25, "desktop"),
        page("a1", "va", 30, "/checkout", "internal", "desktop"),
        purchase("a1", 40, 50.0),
        EventRow {
            user_id: Some("u1".into()),
            props: Some(r#"{"plan":"pro"}"#.into()),
            ..on("a1", "va", 41, "identify", "/checkout", "desktop")
        },
        page("a2", "vb", 1, "/", "organic_search", "mobile"),
        page("a2", "vb", 11, "/product/2", "internal", "mobile"),
        page("a2", "vb", 15, "/product/3", "internal", "mobile"),
        page("a3", "vc", 2, "/product/1", "direct", "mobile"),
        page("a3", "vc", 12, "/cart", "internal", "mobile"),
        click("a3", "vc", 13, "mobile"),
        click("a3", "vc", 14, "mobile"),
        click("a3", "vc", 15, "mobile"),
        page("a4", "vd", 3, "/", "paid_search", "desktop"),
        page("a5", "va", d, "/", "email", "desktop"),
        page("a5", "va", d + 5, "/cart", "internal", "desktop"),
        page("a5", "va", d + 10, "/checkout", "internal", "desktop"),
        purchase("a5", d + 20, 20.0),
    ]
}

fn filters(segment: &str) -> SessionFilters {
    SessionFilters {
        segment: Some(Segment::parse(segment).unwrap_or_else(|e| panic!("{segment}: {e}"))),
        ..SessionFilters::default()
    }
}

/// Site 30 holds nothing yet.
fn commit_dataset(store: &dyn EventStore) {
    // In three writes, so that sessions merge across them.
    let rows = dataset();
    for part in [&rows[..5], &rows[5..12], &rows[12..]] {
        store.commit(&write(part.to_vec(), vec![])).expect("commit");
    }
}

pub(super) fn journeys(store: &dyn EventStore) {
    commit_dataset(store);
    segments(store);
    paths(store);
    segmented_paths(store);
    funnels(store);
    segmented_funnels(store);
    retention(store);
    segmented_retention(store);
}

/// The journeys, funnels and retention checks that use no segment expression, on a fresh store.
pub(super) fn without_segments(store: &dyn EventStore) {
    commit_dataset(store);
    paths(store);
    funnels(store);
    retention(store);
}

fn matching(store: &dyn EventStore, segment: &str) -> Vec<String> {
    let page = store
        .sessions(
            SITE,
            &SessionQuery {
                from: T0,
                to: T0 + 2 * DAY,
                filters: filters(segment),
                sort: SessionSort::Started,
                descending: false,
                limit: 50,
                offset: 0,
            },
        )
        .unwrap_or_else(|e| panic!("{segment}: {e}"));
    let mut sessions: Vec<String> = page.sessions.into_iter().map(|s| s.session).collect();
    sessions.sort();
    sessions
}

fn segments(store: &dyn EventStore) {
    let cases: &[(&str, &[&str])] = &[
        (r#"device = "mobile""#, &["a2", "a3"]),
        (r##"clicked("#checkout-btn") >= 3"##, &["a3"]),
        (r##"clicked("#checkout-btn") = 0"##, &["a2", "a4", "a5"]),
        (
            r##"clicked("#checkout-btn") < 3"##,
            &["a1", "a2", "a4", "a5"],
        ),
        (r#"did("purchase")"#, &["a1", "a5"]),
        (r#"visited("/product/:id") >= 2"#, &["a2"]),
        (r#"visited("/product/1")"#, &["a1", "a3"]),
        (r#"visitor = "returning""#, &["a5"]),
        (
            r#"NOT (channel = "direct" OR device = "mobile")"#,
            &["a4", "a5"],
        ),
        ("revenue >= 20 AND converted", &["a1", "a5"]),
        (r#"exit_page = "/cart""#, &["a3"]),
        (r#"entry_page = "/product/:id""#, &["a3"]),
        (r#"utm_source != "x""#, &["a1", "a2", "a3", "a4", "a5"]),
        (r#"user.plan = "pro""#, &["a1"]),
        (r#"user.plan != "pro""#, &["a2", "a3", "a4", "a5"]),
        ("duration >= 30s", &["a1"]),
        ("pages >= 3 AND NOT converted", &["a2"]),
        (r#"channel in ("email", "paid_search")"#, &["a4", "a5"]),
    ];
    for (segment, expected) in cases {
        assert_eq!(matching(store, segment), *expected, "segment {segment}");
    }
    // A segment combines with the other filters.
    let both = SessionFilters {
        device: Some("desktop".into()),
        ..filters(r#"did("purchase")"#)
    };
    let page = store
        .overview(
            SITE,
            &crate::OverviewQuery {
                from: T0,
                to: T0 + 2 * DAY,
                filters: both,
                limit: 10,
            },
        )
        .expect("overview");
    assert_eq!(page.sessions, 2);
}

fn path_query(start: Option<&str>, end: Option<&str>, steps: usize) -> PathQuery {
    PathQuery {
        from: T0,
        to: T0 + 2 * DAY,
        filters: SessionFilters::default(),
        start: start.map(str::to_string),
        end: end.map(str::to_string),
        steps,
        nodes: PathNodes::Pages,
        repeats: false,
    }
}

/// (step, name, sessions, exits) of every node.
fn nodes(report: &PathReport) -> Vec<(usize, &str, u64, u64)> {
    let mut nodes: Vec<_> = report
        .nodes
        .iter()
        .map(|n| (n.step, n.name.as_str(), n.sessions, n.exits))
        .collect();
    nodes.sort();
    nodes
}

fn links(report: &PathReport) -> Vec<(&str, &str, u64)> {
    let mut links: Vec<_> = report
        .links
        .iter()
        .map(|l| (l.source.as_str(), l.target.as_str(), l.sessions))
        .collect();
    links.sort();
    links
}

fn paths(store: &dyn EventStore) {
    // Collapsed journeys: a1 / → P → /cart → /checkout; a2 / → P; a3 P → /cart; a4 /; a5 / → /cart → /checkout.
    let from_entry = store
        .paths(SITE, &path_query(None, None, 2))
        .expect("paths");
    assert_eq!(
        (
            from_entry.direction,
            from_entry.anchor.as_str(),
            from_entry.sessions
        ),
        (PathDirection::Forward, "entry", 5)
    );
    assert_eq!(
        nodes(&from_entry),
        [
            (0, "/", 4, 1),
            (0, "/product/:id", 1, 0),
            (1, "/cart", 2, 1),
            (1, "/product/:id", 2, 1),
            (2, "/cart", 1, 0),
            (2, "/checkout", 1, 1),
        ]
    );
    assert_eq!(
        links(&from_entry),
        [
            ("0:/", "1:/cart", 1),
            ("0:/", "1:/product/:id", 2),
            ("0:/product/:id", "1:/cart", 1),
            ("1:/cart", "2:/checkout", 1),
            ("1:/product/:id", "2:/cart", 1),
        ]
    );
    let top: Vec<(Vec<&str>, u64, bool)> = from_entry
        .top_paths
        .iter()
        .map(|p| {
            (
                p.steps.iter().map(String::as_str).collect(),
                p.sessions,
                p.exited,
            )
        })
        .collect();
    assert_eq!(
        top,
        [
            (vec!["/"], 1, true),
            (vec!["/", "/cart", "/checkout"], 1, true),
            (vec!["/", "/product/:id"], 1, true),
            (vec!["/", "/product/:id", "/cart"], 1, false),
            (vec!["/product/:id", "/cart"], 1, true),
        ]
    );

    let from_cart = store
        .paths(SITE, &path_query(Some("/cart"), None, 3))
        .expect("from cart");
    assert_eq!(from_cart.sessions, 3);
    assert_eq!(
        nodes(&from_cart),
        [(0, "/cart", 3, 1), (1, "/checkout", 2, 2)]
    );

    let to_checkout = store
        .paths(SITE, &path_query(None, Some("/checkout"), 2))
        .expect("to checkout");
    assert_eq!(
        (to_checkout.direction, to_checkout.anchor.as_str()),
        (PathDirection::Backward, "/checkout")
    );
    assert_eq!(
        nodes(&to_checkout),
        [
            (0, "/checkout", 2, 0),
            (1, "/cart", 2, 0),
            (2, "/", 1, 1),
            (2, "/product/:id", 1, 0)
        ]
    );

    let between = store
        .paths(SITE, &path_query(Some("/"), Some("/checkout"), 3))
        .expect("between");
    assert_eq!(between.sessions, 2, "a1 in 3 steps, a5 in 2");
    assert_eq!(
        nodes(&between),
        [
            (0, "/", 2, 0),
            (1, "/cart", 1, 0),
            (1, "/product/:id", 1, 0),
            (2, "/cart", 1, 0),
            (2, "/checkout", 1, 1),
            (3, "/checkout", 1, 1)
        ]
    );

    let repeats = store
        .paths(
            SITE,
            &PathQuery {
                repeats: true,
                ..path_query(None, None, 2)
            },
        )
        .expect("repeats");
    assert!(
        nodes(&repeats).contains(&(2, "/product/:id", 1, 1)),
        "a2's second product page is a step of its own"
    );

    let events = store
        .paths(
            SITE,
            &PathQuery {
                nodes: PathNodes::Events,
                ..path_query(None, None, 2)
            },
        )
        .expect("events");
    assert_eq!(nodes(&events), [(0, "purchase", 2, 2)]);
    assert_eq!(events.nodes[0].kind, "event");
    let all = store
        .paths(
            SITE,
            &PathQuery {
                nodes: PathNodes::All,
                ..path_query(Some("/checkout"), None, 1)
            },
        )
        .expect("all");
    assert_eq!(nodes(&all), [(0, "/checkout", 2, 0), (1, "purchase", 2, 2)]);

    let at = |node: &str, next: Option<&str>| PathSelection {
        step: 1,
        node: node.into(),
        next: next.map(str::to_string),
    };
    let q = path_query(None, None, 2);
    let sorted = |(mut keys, total): (Vec<String>, u64)| {
        keys.sort();
        (keys, total)
    };
    assert_eq!(
        sorted(
            store
                .path_sessions(SITE, &q, &at("/product/:id", None), 10)
                .expect("node")
        ),
        (vec!["a1".to_string(), "a2".to_string()], 2)
    );
    assert_eq!(
        store
            .path_sessions(SITE, &q, &at("/product/:id", Some("(exit)")), 10)
            .expect("exit"),
        (vec!["a2".to_string()], 1)
    );
    assert_eq!(
        store
            .path_sessions(SITE, &q, &at("/product/:id", Some("/cart")), 10)
            .expect("link"),
        (vec!["a1".to_string()], 1)
    );
    assert_eq!(
        store
            .path_sessions(SITE, &q, &at("/product/:id", None), 1)
            .expect("limit")
            .1,
        2
    );
}

fn segmented_paths(store: &dyn EventStore) {
    let mobile = store
        .paths(
            SITE,
            &PathQuery {
                filters: filters(r#"device = "mobile""#),
                ..path_query(None, None, 2)
            },
        )
        .expect("segment");
    assert_eq!(mobile.sessions, 2);
}

fn funnel_query(steps: Vec<FunnelMatch>) -> FunnelQuery {
    FunnelQuery {
        from: T0,
        to: T0 + 2 * DAY,
        filters: SessionFilters::default(),
        steps: steps
            .into_iter()
            .map(|matches| FunnelStepQuery {
                matches,
                on_page: None,
            })
            .collect(),
        window_ms: 3_600_000,
        by_visitor: false,
        breakdown: None,
        with_sessions: true,
    }
}

fn units(store: &dyn EventStore, q: &FunnelQuery) -> Vec<FunnelUnit> {
    let mut units = Vec::new();
    store
        .funnel_units(SITE, q, &mut |unit| units.push(unit.clone()))
        .expect("funnel");
    units
}

/// Units reaching each step, by the store's events and the pure funnel.
fn counts(store: &dyn EventStore, q: &FunnelQuery, strict: bool) -> Vec<u64> {
    let spec = FunnelSpec {
        steps: q.steps.len(),
        window_ms: q.window_ms,
        strict,
        from: q.from,
        to: q.to,
    };
    let mut tally = StepTally::new(q.steps.len());
    for unit in units(store, q) {
        if let Some(attempt) = best_attempt(&spec, &unit.ts, &unit.masks) {
            tally.add(&attempt, &unit.ts);
        }
    }
    tally.stats(&[]).iter().map(|s| s.count).collect()
}

fn funnels(store: &dyn EventStore) {
    use FunnelMatch::{Click, Event, Page};
    let shop = funnel_query(vec![
        Page("/".into()),
        Page("/cart".into()),
        Click("#checkout-btn".into()),
        Event("purchase".into()),
    ]);
    assert_eq!(
        counts(store, &shop, false),
        [4, 2, 1, 1],
        "a3 never saw /; a5 did not click"
    );
    // The events of a1 as the store lists them: time order, masks of the steps they match.
    let shop_units = units(store, &shop);
    let a1 = shop_units
        .iter()
        .find(|u| u.sessions.first().map(String::as_str) == Some("a1"))
        .expect("a1");
    assert_eq!(a1.ts, [T0, T0 + 20 * S, T0 + 25 * S, T0 + 40 * S]);
    assert_eq!(a1.masks, [1, 2, 4, 8]);
    // Without the sessions: the same units, in the same number, with the same events.
    let without = FunnelQuery {
        with_sessions: false,
        ..shop.clone()
    };
    let mut bare = units(store, &without);
    assert!(bare.iter().all(|u| u.sessions.is_empty()));
    let mut listed: Vec<_> = shop_units
        .iter()
        .map(|u| (u.ts.clone(), u.masks.clone()))
        .collect();
    let mut unlisted: Vec<_> = bare.drain(..).map(|u| (u.ts, u.masks)).collect();
    listed.sort();
    unlisted.sort();
    assert_eq!(listed, unlisted);

    // Strict order: a1 and a5 see /cart between / and /checkout, which ends a strict attempt.
    let detour = funnel_query(vec![
        Page("/".into()),
        Page("/checkout".into()),
        Page("/cart".into()),
    ]);
    assert_eq!(counts(store, &detour, false), [4, 2, 0]);
    assert_eq!(counts(store, &detour, true), [4, 0, 0]);

    // Visitors: va's purchase in a1 and its /cart in a5 (a day later) are one visitor's funnel.
    let across = FunnelQuery {
        window_ms: 2 * DAY,
        ..funnel_query(vec![Event("purchase".into()), Page("/cart".into())])
    };
    assert_eq!(counts(store, &across, false), [2, 0]);
    assert_eq!(
        counts(
            store,
            &FunnelQuery {
                by_visitor: true,
                ..across.clone()
            },
            false
        ),
        [1, 1]
    );

    // A click step on its page only; a breakdown by device.
    let on_page = FunnelQuery {
        steps: vec![
            FunnelStepQuery {
                matches: Page("/product/:id".into()),
                on_page: None,
            },
            FunnelStepQuery {
                matches: Click("#checkout-btn".into()),
                on_page: Some("/checkout".into()),
            },
        ],
        ..shop.clone()
    };
    assert_eq!(
        counts(store, &on_page, false),
        [3, 0],
        "the clicks were on /cart"
    );
    let by_device = units(
        store,
        &FunnelQuery {
            breakdown: Some(FunnelBreakdown::Device),
            ..shop.clone()
        },
    );
    let mut devices: Vec<(String, usize)> = Vec::new();
    for unit in &by_device {
        let device = unit.breakdown.clone().expect("a breakdown value");
        match devices.iter_mut().find(|(d, _)| *d == device) {
            Some(entry) => entry.1 += 1,
            None => devices.push((device, 1)),
        }
    }
    devices.sort();
    assert_eq!(
        devices,
        [("desktop".to_string(), 3), ("mobile".to_string(), 1)]
    );
    // Attempts start in the range only: from day 1 on, a5 is the only one.
    assert_eq!(
        counts(
            store,
            &FunnelQuery {
                from: T0 + DAY,
                ..shop.clone()
            },
            false
        ),
        [1, 1, 0, 0]
    );
}

fn segmented_funnels(store: &dyn EventStore) {
    use FunnelMatch::{Click, Event, Page};
    let shop = funnel_query(vec![
        Page("/".into()),
        Page("/cart".into()),
        Click("#checkout-btn".into()),
        Event("purchase".into()),
    ]);
    let mobile = FunnelQuery {
        filters: filters(r#"device = "mobile""#),
        ..shop.clone()
    };
    assert_eq!(counts(store, &mobile, false), [1, 0, 0, 0]);
}

fn retention(store: &dyn EventStore) {
    let query = RetentionQuery {
        from: T0,
        to: T0 + 2 * DAY,
        filters: SessionFilters::default(),
        period: RetentionPeriod::Day,
        periods: 3,
        cohort_event: None,
        return_event: None,
    };
    let until = T0 + 10 * DAY;
    let cohorts = |q: &RetentionQuery, until: i64| -> Vec<(String, u64, Vec<u64>)> {
        store
            .retention(SITE, q, until)
            .expect("retention")
            .cohorts
            .into_iter()
            .map(|c| (c.start, c.size, c.returned))
            .collect()
    };
    let day0 = "2025-11-29".to_string();
    assert_eq!(cohorts(&query, until), [(day0.clone(), 4, vec![4, 1, 0])]);
    assert_eq!(
        cohorts(&query, T0 + DAY + 1),
        [(day0.clone(), 4, vec![4, 1])],
        "periods not begun are left out"
    );
    let purchases = RetentionQuery {
        return_event: Some("purchase".into()),
        ..query.clone()
    };
    assert_eq!(
        cohorts(&purchases, until),
        [(day0.clone(), 4, vec![1, 1, 0])]
    );
    let buyers = RetentionQuery {
        cohort_event: Some("purchase".into()),
        ..query.clone()
    };
    assert_eq!(cohorts(&buyers, until), [(day0.clone(), 1, vec![1, 1, 0])]);
    let weekly = RetentionQuery {
        period: RetentionPeriod::Week,
        ..query.clone()
    };
    // 2025-11-29 is a Saturday: its week began on Monday 2025-11-24, and day 1 (Sunday) is in the same week.
    assert_eq!(
        cohorts(&weekly, until),
        [("2025-11-24".to_string(), 4, vec![4, 0, 0])]
    );
    // Eight weeks of milliseconds (more than an INT32 holds): only the three begun by `until` are listed.
    let eight_weeks = RetentionQuery {
        periods: 8,
        ..weekly.clone()
    };
    assert_eq!(
        cohorts(&eight_weeks, until),
        [("2025-11-24".to_string(), 4, vec![4, 0, 0])]
    );

    let customers = store
        .retention(SITE, &query, until)
        .expect("customers")
        .customers;
    assert_eq!(
        (
            customers.customers,
            customers.returning_customers,
            customers.repeat_customers,
            customers.repeat_purchase_rate
        ),
        (1, 0, 1, 1.0),
        "va bought in a1 (its first visit) and again in a5"
    );
}

fn segmented_retention(store: &dyn EventStore) {
    let mobile = RetentionQuery {
        from: T0,
        to: T0 + 2 * DAY,
        filters: filters(r#"device = "mobile""#),
        period: RetentionPeriod::Day,
        periods: 3,
        cohort_event: None,
        return_event: None,
    };
    let cohorts: Vec<(String, u64, Vec<u64>)> = store
        .retention(SITE, &mobile, T0 + 10 * DAY)
        .expect("retention")
        .cohorts
        .into_iter()
        .map(|c| (c.start, c.size, c.returned))
        .collect();
    assert_eq!(cohorts, [("2025-11-29".to_string(), 2, vec![2, 0, 0])]);
}
