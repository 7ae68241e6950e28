use super::*;

/// 2025-11-29 00:00:00 UTC.
const MIDNIGHT: i64 = 1_764_374_400_000;
const MIN: i64 = 60_000;

fn event(ts: i64, event_type: &'static str) -> EventRow {
    EventRow {
        site_id: 1,
        ts,
        received_at: ts + 500,
        session: "s1".into(),
        visitor: "v1".into(),
        pageview: format!("pv{ts}"),
        event_type,
        device: "mobile",
        browser: "Safari".into(),
        os: "iOS".into(),
        ..EventRow::default()
    }
}

fn pageview(ts: i64, path: &str) -> EventRow {
    EventRow {
        path: Some(path.into()),
        page_group: Some(path.into()),
        channel: Some("organic_search"),
        referrer: Some("www.google.com".into()),
        ..event(ts, "pageview")
    }
}

/// A shop session: landing, product, a purchase, an error, active time on two pages.
fn shop_session(start: i64) -> Vec<EventRow> {
    vec![
        pageview(start, "/"),
        EventRow {
            value: Some(40_000.0),
            ..event(start + 40 * 1000, "pageleave")
        },
        EventRow {
            channel: Some("internal"),
            ..pageview(start + 41 * 1000, "/product/:id")
        },
        event(start + 50 * 1000, "click"),
        event(start + 51 * 1000, "click"),
        event(start + 55 * 1000, "error"),
        EventRow {
            user_id: Some("u-7".into()),
            ..event(start + 56 * 1000, "identify")
        },
        EventRow {
            revenue: Some(42.5),
            ..event(start + 60 * 1000, "custom")
        },
        EventRow {
            value: Some(25_000.0),
            ..event(start + 70 * 1000, "pageleave")
        },
    ]
}

fn whole(events: &[EventRow]) -> SessionRow {
    let rows = rows_of(events);
    assert_eq!(rows.len(), 1, "one session");
    rows.into_iter().next().expect("row")
}

#[test]
fn a_sessions_facts_from_its_events() {
    let start = MIDNIGHT + 10 * MIN;
    let row = whole(&shop_session(start));
    assert_eq!((row.started, row.ended), (start, start + 70_000));
    assert_eq!(row.duration_ms(), 70_000);
    assert_eq!(
        (row.pageviews, row.events, row.clicks, row.errors),
        (2, 9, 2, 1)
    );
    assert_eq!((row.revenue, row.conversions), (42.5, 1));
    assert_eq!(row.active_ms, 65_000);
    assert_eq!(row.entry_page.as_deref(), Some("/"));
    assert_eq!(row.exit_page.as_deref(), Some("/product/:id"));
    assert_eq!(row.page_paths, ["/", "/product/:id"]);
    assert_eq!(
        row.channel.as_deref(),
        Some("organic_search"),
        "acquisition of the entry page, not 'internal'"
    );
    assert_eq!(row.referrer.as_deref(), Some("www.google.com"));
    assert_eq!(row.user_id.as_deref(), Some("u-7"));
    assert_eq!(
        (row.device.as_str(), row.visitor.as_str()),
        ("mobile", "v1")
    );
    assert_eq!(row.received_at, start + 70_500);
}

#[test]
fn rows_of_any_split_of_the_events_merge_into_the_whole_row_in_any_order() {
    let events = shop_session(MIDNIGHT);
    let expected = whole(&events);
    for split in 1..events.len() {
        let (a, b) = events.split_at(split);
        let (a, b) = (whole(a), whole(b));
        let mut ab = a.clone();
        merge(&mut ab, &b);
        let mut ba = b.clone();
        merge(&mut ba, &a);
        assert_eq!(ab, expected, "split at {split}");
        assert_eq!(ba, expected, "split at {split}, merged the other way round");
    }
    let mut reversed = events.clone();
    reversed.reverse();
    assert_eq!(
        whole(&reversed),
        expected,
        "out-of-order events give the same row"
    );
    let mut one_by_one = whole(&events[..1]);
    for e in events[1..].iter().rev() {
        merge(&mut one_by_one, &whole(std::slice::from_ref(e)));
    }
    assert_eq!(one_by_one, expected, "a late event updates its session");
}

#[test]
fn page_paths_keep_every_pageview_sorted_whichever_part_holds_it() {
    let events = [
        pageview(MIDNIGHT, "/b"),
        pageview(MIDNIGHT + 1_000, "/a"),
        pageview(MIDNIGHT + 2_000, "/b"),
    ];
    let mut late = whole(&events[2..]);
    merge(&mut late, &whole(&events[..2]));
    assert_eq!(late.page_paths, ["/a", "/b", "/b"]);
    assert_eq!(late, whole(&events));
}

#[test]
fn active_time_is_capped_at_the_duration() {
    // TodoMVC: the tracker measured 20,057 ms active in a session whose events span 20,037 ms.
    let row = whole(&[
        pageview(MIDNIGHT, "/"),
        EventRow {
            value: Some(20_057.0),
            ..event(MIDNIGHT + 20_037, "pageleave")
        },
    ]);
    assert_eq!(row.active_ms, 20_057, "the measurement is kept");
    assert_eq!(row.active_time_ms(), 20_037);
    assert!(row.active_time_ms() <= row.duration_ms());
}

/// The continuation number of a session opened at `t`: its minute since the epoch.
fn minute(t: i64) -> u32 {
    (t / MIN) as u32
}

#[test]
fn thirty_minutes_idle_starts_a_continuation() {
    let mut sid = SidSessions::default();
    assert_eq!(
        sid.place(MIDNIGHT, true),
        0,
        "the first batch opens the sid itself"
    );
    assert_eq!(sid.place(MIDNIGHT + 10 * MIN, false), 0);
    assert_eq!(
        sid.place(MIDNIGHT + 40 * MIN, false),
        0,
        "30 minutes after the last event, not the first"
    );
    let later = MIDNIGHT + 70 * MIN + 1;
    assert_eq!(
        sid.place(later, false),
        minute(later),
        "more than 30 minutes idle"
    );
    assert_eq!(sid.place(MIDNIGHT + 71 * MIN, false), minute(later));
    assert_eq!(
        sid.place(MIDNIGHT + 200 * MIN, true),
        minute(MIDNIGHT + 200 * MIN),
        "the sid is taken"
    );
    assert_eq!(session_key("abc", 0), "abc");
    assert_eq!(session_key("abc", 29_406_240), "abc.29406240");
    assert_eq!(
        (sid_of("abc.29406240"), continuation_of("abc.29406240")),
        ("abc", 29_406_240)
    );
    assert_eq!((sid_of("abc"), continuation_of("abc")), ("abc", 0));
}

#[test]
fn exactly_thirty_minutes_idle_is_still_the_same_session() {
    let mut sid = SidSessions::default();
    sid.place(MIDNIGHT, true);
    assert_eq!(sid.place(MIDNIGHT + IDLE_MS, false), 0);
    assert_ne!(sid.place(MIDNIGHT + 2 * IDLE_MS + 1, false), 0);
}

#[test]
fn a_sid_first_seen_after_its_first_batch_gets_a_continuation_its_first_batch_joins() {
    // Batch 3 arrived first (batches 0-2 are still being retried): it cannot claim the sid's own key, which
    // a session more than 30 minutes away may hold; batch 0 then joins the session batch 3 opened.
    let mut sid = SidSessions::default();
    let n = sid.place(MIDNIGHT + 5 * MIN, false);
    assert_eq!(n, minute(MIDNIGHT + 5 * MIN));
    assert_eq!(sid.place(MIDNIGHT, true), n);
}

#[test]
fn late_and_early_events_join_the_session_they_happened_in() {
    let mut sid = SidSessions::default();
    sid.place(MIDNIGHT + 60 * MIN, true);
    sid.place(MIDNIGHT + 65 * MIN, false);
    let second = sid.place(MIDNIGHT + 200 * MIN, false);
    assert_eq!(
        sid.place(MIDNIGHT + 62 * MIN, false),
        0,
        "a late event inside the first session"
    );
    assert_eq!(
        sid.place(MIDNIGHT + 35 * MIN, false),
        0,
        "an event up to 30 minutes before the start widens it"
    );
    assert_eq!(
        sid.place(MIDNIGHT + 180 * MIN, false),
        second,
        "in the gap, nearer the second session"
    );
    assert_eq!(
        sid.place(MIDNIGHT - 100 * MIN, false),
        minute(MIDNIGHT - 100 * MIN),
        "long before: its own"
    );
    assert_eq!(
        sid.spans[0],
        Span {
            n: 0,
            started: MIDNIGHT + 35 * MIN,
            ended: MIDNIGHT + 65 * MIN
        }
    );
}

#[test]
fn a_session_crossing_midnight_is_one_session_with_its_first_visitor() {
    // Cookieless ids change with the daily salt: the part after midnight carries another visitor id.
    let before = vec![pageview(MIDNIGHT - 5 * MIN, "/cart")];
    let after = vec![
        EventRow {
            visitor: "v-next-day".into(),
            ..pageview(MIDNIGHT + 5 * MIN, "/checkout")
        },
        EventRow {
            visitor: "v-next-day".into(),
            revenue: Some(10.0),
            ..event(MIDNIGHT + 6 * MIN, "custom")
        },
    ];
    let mut sid = SidSessions::default();
    for e in before.iter().chain(&after) {
        assert_eq!(
            sid.place(e.ts, true),
            0,
            "ten minutes apart across midnight: one session"
        );
    }
    let mut row = whole(&after);
    merge(&mut row, &whole(&before));
    assert_eq!(row.visitor, "v1");
    assert_eq!(row.started, MIDNIGHT - 5 * MIN);
    assert_eq!(row.duration_ms(), 11 * MIN);
    assert_eq!(
        (row.entry_page.as_deref(), row.exit_page.as_deref()),
        (Some("/cart"), Some("/checkout"))
    );
    assert_eq!(row.revenue, 10.0);
}

#[test]
fn a_session_that_started_before_a_range_keeps_its_whole_facts() {
    // Reports take sessions by start; the sessionizer never cuts a session at a report boundary, so a report
    // from MIDNIGHT leaves this session out entirely rather than counting its second half as a session.
    let events = vec![
        pageview(MIDNIGHT - MIN, "/"),
        pageview(MIDNIGHT + MIN, "/pricing"),
    ];
    let row = whole(&events);
    assert!(row.started < MIDNIGHT && row.ended > MIDNIGHT);
    assert_eq!(row.pageviews, 2);
    assert_eq!(row.entry_page.as_deref(), Some("/"));
}

#[test]
fn sessions_of_different_sites_or_sids_stay_apart() {
    let mut events = shop_session(MIDNIGHT);
    events.push(EventRow {
        session: "s2".into(),
        ..pageview(MIDNIGHT, "/")
    });
    events.push(EventRow {
        site_id: 2,
        ..pageview(MIDNIGHT, "/")
    });
    let rows = rows_of(&events);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows.iter().map(|r| r.pageviews).sum::<i64>(), 4);
}

#[test]
fn replay_chunks_count_into_their_session() {
    let mut row = whole(&shop_session(MIDNIGHT));
    add_replay(&mut row, 1_000);
    add_replay(&mut row, 500);
    assert_eq!((row.replay_chunks, row.replay_bytes), (2, 1_500));
}

#[test]
fn ties_are_broken_by_value_so_merging_stays_commutative() {
    let a = whole(&[pageview(MIDNIGHT, "/a")]);
    let b = whole(&[EventRow {
        visitor: "v0".into(),
        ..pageview(MIDNIGHT, "/b")
    }]);
    let mut ab = a.clone();
    merge(&mut ab, &b);
    let mut ba = b.clone();
    merge(&mut ba, &a);
    assert_eq!(ab, ba);
    assert_eq!(
        (ab.entry_page.as_deref(), ab.exit_page.as_deref()),
        (Some("/a"), Some("/b"))
    );
    assert_eq!(ab.visitor, "v0");
}

#[test]
fn the_journey_keeps_page_groups_and_custom_events_in_time_order() {
    let named = |ts: i64, name: &str| EventRow {
        name: Some(name.into()),
        ..event(ts, "custom")
    };
    let product = EventRow {
        page_group: Some("/product/:id".into()),
        ..pageview(MIDNIGHT + 2_000, "/product/7")
    };
    let events = [
        pageview(MIDNIGHT, "/"),
        named(MIDNIGHT + 1_000, "newsletter_signup"),
        product,
        event(MIDNIGHT + 3_000, "click"),
        named(MIDNIGHT + 4_000, "purchase"),
    ];
    let step = |ts: i64, page: Option<&str>, event: Option<&str>| JourneyStep {
        ts,
        page: page.map(str::to_string),
        event: event.map(str::to_string),
    };
    let expected = vec![
        step(MIDNIGHT, Some("/"), None),
        step(MIDNIGHT + 1_000, None, Some("newsletter_signup")),
        step(MIDNIGHT + 2_000, Some("/product/:id"), None),
        step(MIDNIGHT + 4_000, None, Some("purchase")),
    ];
    assert_eq!(whole(&events).journey, expected);
    // Any split merges into the same journey.
    let mut late = whole(&events[3..]);
    merge(&mut late, &whole(&events[..3]));
    assert_eq!(late.journey, expected);
}

#[test]
fn a_long_journey_keeps_its_first_steps_however_it_is_merged() {
    let events: Vec<EventRow> = (0..MAX_JOURNEY_STEPS as i64 + 20)
        .map(|i| pageview(MIDNIGHT + i * 1_000, &format!("/p{i}")))
        .collect();
    let row = whole(&events);
    assert_eq!(row.journey.len(), MAX_JOURNEY_STEPS);
    assert_eq!(row.journey[0].ts, MIDNIGHT);
    assert_eq!(
        row.journey[MAX_JOURNEY_STEPS - 1].ts,
        MIDNIGHT + (MAX_JOURNEY_STEPS as i64 - 1) * 1_000
    );
    let (early, late) = events.split_at(30);
    let mut merged = whole(late);
    merge(&mut merged, &whole(early));
    assert_eq!(merged.journey, row.journey);
}

#[test]
fn journey_steps_order_a_missing_value_last_as_the_engines_do() {
    let page = JourneyStep {
        ts: 5,
        page: Some("/a".into()),
        event: None,
    };
    let custom = JourneyStep {
        ts: 5,
        page: None,
        event: Some("e".into()),
    };
    assert!(page < custom);
    let mut steps = vec![custom.clone(), page.clone()];
    steps.sort();
    assert_eq!(steps, [page, custom]);
}
