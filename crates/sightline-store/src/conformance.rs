//! The conformance suite every backend must pass with identical answers. A backend's tests call
//! [`event_store`], [`meta_store`] and [`blob_store`] with a fresh, empty instance; each panics on a mismatch.

mod analysis;
mod heatmap;
mod journeys;

use sightline_insight::session::{add_replay, rows_of};
use sightline_model::{EventRow, SessionRow};

use crate::{
    BatchKey, BlobStore, Breakdown, EventColumns, EventStore, LoginSession, MetaStore, NewSite,
    NewToken, OverviewQuery, ReplayChunk, Role, SessionFilters, SessionPage, SessionQuery,
    SessionSort, SiteUpdate, StoreError, StoredCount, VisitorType, WriteBatch,
};

const DAY: i64 = 86_400_000;
/// 2025-11-29 00:00 UTC: a fixed day keeps the expected answers stable.
const T0: i64 = 1_764_374_400_000;

fn row(
    site_id: i64,
    session: &str,
    visitor: &str,
    ts: i64,
    event_type: &'static str,
    path: &str,
) -> EventRow {
    EventRow {
        site_id,
        ts,
        received_at: ts,
        session: session.into(),
        visitor: visitor.into(),
        pageview: format!("{session}-{path}"),
        event_type,
        path: Some(path.into()),
        page_group: Some(path.into()),
        device: "desktop",
        browser: "Chrome".into(),
        os: "Linux".into(),
        ..EventRow::default()
    }
}

fn pageview(
    site_id: i64,
    session: &str,
    visitor: &str,
    ts: i64,
    path: &str,
    channel: &'static str,
    device: &'static str,
) -> EventRow {
    EventRow {
        channel: Some(channel),
        device,
        ..row(site_id, session, visitor, ts, "pageview", path)
    }
}

/// Three visitors, four sessions on site 1 (day 0 and day 1), one session on site 2 that must never leak.
fn dataset() -> Vec<EventRow> {
    vec![
        // v1 / s1: bounce on /, direct, desktop, 10 s long (a click after 10 s).
        pageview(1, "s1", "v1", T0, "/", "direct", "desktop"),
        row(1, "s1", "v1", T0 + 10_000, "click", "/"),
        // v1 / s2 (next day): / -> /product -> /cart, organic search, desktop, 60 s.
        pageview(1, "s2", "v1", T0 + DAY, "/", "organic_search", "desktop"),
        pageview(
            1,
            "s2",
            "v1",
            T0 + DAY + 20_000,
            "/product",
            "internal",
            "desktop",
        ),
        pageview(
            1,
            "s2",
            "v1",
            T0 + DAY + 60_000,
            "/cart",
            "internal",
            "desktop",
        ),
        // v2 / s3: /product -> /, social, mobile, 30 s.
        pageview(
            1,
            "s3",
            "v2",
            T0 + 1_000,
            "/product",
            "organic_social",
            "mobile",
        ),
        pageview(1, "s3", "v2", T0 + 31_000, "/", "internal", "mobile"),
        // v3 / s4: bounce on /product, direct, mobile, 0 s.
        pageview(1, "s4", "v3", T0 + 2_000, "/product", "direct", "mobile"),
        // Another site.
        pageview(2, "x1", "w1", T0, "/secret", "direct", "desktop"),
    ]
}

/// The sessions of one write, as the batch writer computes them: from the rows, plus the replay chunks (a chunk
/// without rows in the write counts into a row of its own).
fn sessions_of(rows: &[EventRow], chunks: &[ReplayChunk]) -> Vec<SessionRow> {
    let mut sessions = rows_of(rows);
    // as the writer does: a page snapshot is no part of a session's replay
    for c in chunks.iter().filter(|c| !c.snapshot) {
        let i = match sessions
            .iter()
            .position(|s| s.site_id == c.site_id && s.session == c.session)
        {
            Some(i) => i,
            None => {
                sessions.push(SessionRow {
                    site_id: c.site_id,
                    session: c.session.clone(),
                    visitor: "replay-only".into(),
                    started: c.first_ts,
                    ended: c.last_ts,
                    received_at: c.received_at,
                    ..SessionRow::default()
                });
                sessions.len() - 1
            }
        };
        add_replay(&mut sessions[i], c.bytes);
    }
    sessions
}

/// A write of `rows` and `chunks` with their sessions.
fn write(rows: Vec<EventRow>, chunks: Vec<ReplayChunk>) -> WriteBatch {
    WriteBatch {
        sessions: sessions_of(&rows, &chunks),
        rows: EventColumns::from_rows(&rows),
        replay_chunks: chunks,
        ..WriteBatch::default()
    }
}

fn query(from: i64, to: i64) -> OverviewQuery {
    OverviewQuery {
        from,
        to,
        filters: SessionFilters::default(),
        limit: 10,
    }
}

fn names(list: &[Breakdown]) -> Vec<(&str, u64, u64)> {
    list.iter()
        .map(|b| (b.name.as_str(), b.visitors, b.pageviews))
        .collect()
}

/// Deduplication support: the newest keys oldest first, lookups within a time window, forgetting old keys.
fn batch_keys(store: &dyn EventStore) {
    let later: Vec<BatchKey> = (1..=3)
        .map(|seq| BatchKey {
            site_id: 1,
            sid: "s1".into(),
            seq,
            received_at: T0 + seq as i64 * 1000,
        })
        .collect();
    store
        .commit(&WriteBatch {
            batch_keys: later.clone(),
            ..WriteBatch::default()
        })
        .expect("commit keys");
    assert_eq!(
        store.recent_batch_keys(T0, 2).expect("recent"),
        later[1..].to_vec()
    );
    assert_eq!(store.recent_batch_keys(T0, 10).expect("recent").len(), 4);
    assert_eq!(
        store
            .recent_batch_keys(T0 + 1500, 10)
            .expect("recent")
            .len(),
        2
    );
    let first = &later[0];
    assert!(store.batch_stored(first, T0..=T0 + 5000).expect("lookup"));
    assert!(
        store
            .batch_stored(first, T0 + 1000..=T0 + 1000)
            .expect("lookup")
    );
    assert!(
        !store
            .batch_stored(first, T0 + 1001..=T0 + 5000)
            .expect("lookup"),
        "outside the window"
    );
    for other in [
        BatchKey {
            site_id: 2,
            ..first.clone()
        },
        BatchKey {
            sid: "s2".into(),
            ..first.clone()
        },
        BatchKey {
            seq: 9,
            ..first.clone()
        },
    ] {
        assert!(
            !store.batch_stored(&other, T0..=T0 + 5000).expect("lookup"),
            "{other:?}"
        );
    }
    assert_eq!(
        store.delete_batch_keys_before(T0 + 1000).expect("forget"),
        1
    );
    assert_eq!(
        store.recent_batch_keys(i64::MIN, usize::MAX).expect("keys"),
        later
    );
    // What the writer asks after a restart: which of these batches (received exactly then) are stored.
    let asked = [
        later[1].clone(),
        BatchKey {
            received_at: later[1].received_at + 1,
            ..later[1].clone()
        },
        BatchKey {
            seq: 99,
            ..later[2].clone()
        },
        later[2].clone(),
    ];
    assert_eq!(
        store.stored_batches(&asked, 0).expect("stored"),
        [true, false, false, true]
    );
    // What a writer of another node asks: the same batch received there 900 ms later (a retry) is stored
    // within a window of a second, not within 500 ms; another seq never.
    let retried = |seq: u64| BatchKey {
        seq,
        received_at: later[1].received_at + 900,
        ..later[1].clone()
    };
    assert_eq!(
        store
            .stored_batches(&[retried(2), retried(7)], 1_000)
            .expect("stored"),
        [true, false]
    );
    assert_eq!(
        store.stored_batches(&[retried(2)], 500).expect("stored"),
        [false]
    );
    assert!(store.stored_batches(&[], 0).expect("none").is_empty());
}

/// What the batch writer needs of an event store (every backend, before any report): commits, batch keys,
/// sessions merged from the parts of several writes, a session's events and replay index. On a fresh store;
/// site 40 only, so [`event_store`] can run on the same store afterwards.
pub fn ingest_contract(store: &dyn EventStore) {
    const SITE: i64 = 40;
    let at = |session: &str, ts: i64, event_type: &'static str, path: &str| EventRow {
        received_at: ts + 500,
        ..row(SITE, session, "v40", ts, event_type, path)
    };
    let chunk_of = |pageview: &str, n: u32, first_ts: i64| ReplayChunk {
        site_id: SITE,
        blob_key: format!("{SITE}/k1/{pageview}-{n}"),
        ..chunk("k1", pageview, n, first_ts)
    };
    let key = |seq: u64, received_at: i64| BatchKey {
        site_id: SITE,
        sid: "k1".into(),
        seq,
        received_at,
    };
    // Session k1 in two writes: / then /product with a click, and a replay chunk of each pageview; k1.1 (the
    // sid's continuation after a pause) and k9 of another sid. Chunk 1 of / arrives in the second write.
    let first = vec![
        at("k1", T0, "pageview", "/"),
        at("k1", T0 + 5_000, "click", "/"),
        at("k9", T0 + 1_000, "pageview", "/"),
    ];
    let second = vec![
        at("k1", T0 + 20_000, "pageview", "/product"),
        at("k1", T0 + 26_000, "click", "/product"),
        at("k1.1", T0 + 4 * 3_600_000, "pageview", "/cart"),
    ];
    store
        .commit(&WriteBatch {
            batch_keys: vec![key(0, T0 + 500)],
            ..write(first, vec![chunk_of("k1-/", 0, T0)])
        })
        .expect("first write");
    store
        .commit(&WriteBatch {
            batch_keys: vec![key(1, T0 + 20_500)],
            ..write(
                second,
                vec![
                    chunk_of("k1-/product", 0, T0 + 20_000),
                    chunk_of("k1-/", 1, T0 + 4_000),
                ],
            )
        })
        .expect("second write");
    assert_eq!(store.count_events(SITE).expect("count"), 6);
    assert_eq!(
        store
            .stored_batches(&[key(1, T0 + 20_500), key(2, T0 + 20_500)], 0)
            .expect("stored"),
        [true, false]
    );

    let k1 = store
        .session_row(SITE, "k1")
        .expect("row")
        .expect("k1 is stored");
    assert_eq!(
        (k1.started, k1.ended, k1.pageviews, k1.events, k1.clicks),
        (T0, T0 + 26_000, 2, 4, 2)
    );
    assert_eq!(
        (k1.entry_page.as_deref(), k1.exit_page.as_deref()),
        (Some("/"), Some("/product"))
    );
    assert_eq!((k1.replay_chunks, k1.replay_bytes), (3, 3_000));
    assert_eq!(k1.page_paths, ["/", "/product"]);
    assert_eq!(k1.journey.len(), 2);
    assert_eq!(store.session_row(SITE, "nope").expect("row"), None);

    // Placing new events of sid k1 in the first hour: k1 itself and k1.1 (asked by sid, wherever they lie), not k9.
    let mut spans = store
        .session_spans(SITE, &["k1".into()], T0, T0 + 3_600_000)
        .expect("spans");
    spans.sort_by(|a, b| a.session.cmp(&b.session));
    let spans: Vec<(&str, i64, i64)> = spans
        .iter()
        .map(|s| (s.session.as_str(), s.started, s.ended))
        .collect();
    assert_eq!(spans, [("k1", T0, T0 + 26_000)]);
    let later = store
        .session_spans(SITE, &["k1".into()], T0 + 3 * 3_600_000, T0 + 5 * 3_600_000)
        .expect("spans");
    let mut later: Vec<&str> = later.iter().map(|s| s.session.as_str()).collect();
    later.sort_unstable();
    assert_eq!(later, ["k1", "k1.1"]);

    let events = store.session_events(SITE, "k1", 10).expect("events");
    let order: Vec<(i64, &str)> = events
        .iter()
        .map(|e| (e.ts - T0, e.event_type.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            (0, "pageview"),
            (5_000, "click"),
            (20_000, "pageview"),
            (26_000, "click")
        ]
    );
    assert_eq!(events[2].path.as_deref(), Some("/product"));
    assert_eq!(
        store.session_events(SITE, "k1", 3).expect("events").len(),
        3
    );

    let chunks: Vec<(String, u32)> = store
        .replay_chunks(SITE, "k1")
        .expect("chunks")
        .into_iter()
        .map(|c| (c.pageview, c.chunk))
        .collect();
    assert_eq!(
        chunks,
        [
            ("k1-/".to_string(), 0),
            ("k1-/".to_string(), 1),
            ("k1-/product".to_string(), 0)
        ]
    );
    assert_eq!(store.replay_bytes(SITE).expect("bytes"), 3_000);
}

/// The overview and its filters on [`dataset`], on a fresh store (backends whose other reports are not written
/// yet run this part alone; [`event_store`] runs the same checks in its sequence).
pub fn overview(store: &dyn EventStore) {
    store.commit(&write(dataset(), vec![])).expect("commit");
    overview_checks(store);
}

/// Journeys, funnels and retention cohorts on their own site of a fresh store, without the checks that use
/// segment expressions (backends whose segments are not written yet run this part alone; [`event_store`] runs
/// these checks and the segment ones in its sequence).
pub fn journeys(store: &dyn EventStore) {
    journeys::without_segments(store);
}

/// Heatmaps, zones, page snapshots and zone sessions, and their page facts gone with deleted sessions, on a fresh
/// store (backends whose other reports are not written yet run this part alone; [`event_store`] runs the same
/// checks in its sequence). They write and read sites of their own (9 to 11), so they need nothing of its earlier
/// checks.
pub fn heatmap_section(store: &dyn EventStore) {
    heatmap::heatmaps_and_zones(store);
    heatmap::snapshots_and_zone_sessions(store);
    heatmap::facts_go_with_their_sessions(store);
    heatmap::sessions_count_once_per_page(store);
}

/// Segment expressions (every kind of condition), and journeys, funnels and retention cohorts with and without
/// them, on their own site of a fresh store: the same checks [`event_store`] runs in its sequence.
pub fn segments_and_journeys(store: &dyn EventStore) {
    journeys::journeys(store);
}

/// Site 1 holds [`dataset`] and nothing else yet.
fn overview_checks(store: &dyn EventStore) {
    let all = store
        .overview(1, &query(T0, T0 + 2 * DAY))
        .expect("overview");
    assert_eq!((all.visitors, all.sessions, all.pageviews), (3, 4, 7));
    assert!(
        (all.bounce_rate - 0.5).abs() < 1e-9,
        "bounce {}",
        all.bounce_rate
    );
    assert!(
        (all.avg_duration_ms - 25_000.0).abs() < 1e-6,
        "duration {}",
        all.avg_duration_ms
    );
    assert_eq!(
        names(&all.top_pages),
        [("/product", 3, 3), ("/", 2, 3), ("/cart", 1, 1)]
    );
    assert_eq!(names(&all.entry_pages), [("/product", 2, 3), ("/", 1, 4)]);
    assert_eq!(
        names(&all.exit_pages),
        [("/", 2, 3), ("/cart", 1, 3), ("/product", 1, 1)]
    );
    assert_eq!(
        names(&all.channels),
        [
            ("direct", 2, 2),
            ("organic_search", 1, 3),
            ("organic_social", 1, 2)
        ]
    );
    assert_eq!(names(&all.devices), [("mobile", 2, 3), ("desktop", 1, 4)]);
    assert_eq!(names(&all.browsers), [("Chrome", 3, 7)]);

    let first_day = store.overview(1, &query(T0, T0 + DAY)).expect("overview");
    assert_eq!(
        (first_day.visitors, first_day.sessions, first_day.pageviews),
        (3, 3, 4)
    );

    let filtered = |filters: SessionFilters| {
        let o = store
            .overview(
                1,
                &OverviewQuery {
                    filters,
                    ..query(T0, T0 + 2 * DAY)
                },
            )
            .expect("filtered overview");
        (o.visitors, o.sessions, o.pageviews)
    };
    assert_eq!(
        filtered(SessionFilters {
            device: Some("mobile".into()),
            ..Default::default()
        }),
        (2, 2, 3)
    );
    assert_eq!(
        filtered(SessionFilters {
            channel: Some("direct".into()),
            ..Default::default()
        }),
        (2, 2, 2)
    );
    assert_eq!(
        filtered(SessionFilters {
            page: Some("/cart".into()),
            ..Default::default()
        }),
        (1, 1, 3)
    );
    assert_eq!(
        filtered(SessionFilters {
            entry_page: Some("/product".into()),
            ..Default::default()
        }),
        (2, 2, 3)
    );
    assert_eq!(
        filtered(SessionFilters {
            browser: Some("Firefox".into()),
            ..Default::default()
        }),
        (0, 0, 0)
    );
    // v1's second session (s2, the next day) is the only returning one.
    assert_eq!(
        filtered(SessionFilters {
            visitor_type: Some(VisitorType::Returning),
            ..Default::default()
        }),
        (1, 1, 3)
    );
    assert_eq!(
        filtered(SessionFilters {
            visitor_type: Some(VisitorType::New),
            ..Default::default()
        }),
        (3, 3, 4)
    );

    let series = store
        .overview_series(1, &query(T0, T0 + 2 * DAY))
        .expect("series");
    let points: Vec<_> = series
        .iter()
        .map(|p| (p.day, p.visitors, p.sessions, p.pageviews))
        .collect();
    assert_eq!(points, [(T0, 3, 3, 4), (T0 + DAY, 1, 1, 3)]);

    let other = store
        .overview(2, &query(T0, T0 + 2 * DAY))
        .expect("overview");
    assert_eq!(names(&other.top_pages), [("/secret", 1, 1)]);

    let empty = store.overview(1, &query(T0 - DAY, T0)).expect("overview");
    assert_eq!(
        (
            empty.visitors,
            empty.sessions,
            empty.pageviews,
            empty.bounce_rate
        ),
        (0, 0, 0, 0.0)
    );
    assert!(empty.top_pages.is_empty());
}

/// The batch key [`dataset`] is committed with.
fn dataset_keys() -> Vec<BatchKey> {
    vec![BatchKey {
        site_id: 1,
        sid: "s1".into(),
        seq: 0,
        received_at: T0,
    }]
}

/// A later write of s4: a scroll and a click without a page.
fn s4_later_write() -> WriteBatch {
    write(
        vec![
            row(1, "s4", "v3", T0 + 3_000, "scroll", "/product"),
            EventRow {
                path: None,
                page_group: None,
                pageview: "late".into(),
                ..row(1, "s4", "v3", T0 + 4_000, "click", "")
            },
        ],
        vec![],
    )
}

pub fn event_store(store: &dyn EventStore) {
    store.health().expect("a fresh store answers");
    let keys = dataset_keys();
    assert_eq!(store.stored_batches(&keys, 0).expect("stored"), [false]);
    store
        .commit(&WriteBatch {
            batch_keys: keys.clone(),
            ..write(dataset(), vec![])
        })
        .expect("commit");
    assert_eq!(store.stored_batches(&keys, 0).expect("stored"), [true]);
    assert_eq!(store.recent_batch_keys(T0, usize::MAX).expect("keys"), keys);
    assert!(
        store
            .recent_batch_keys(T0 + 1, usize::MAX)
            .expect("keys")
            .is_empty()
    );
    batch_keys(store);
    assert_eq!(store.count_events(1).expect("count"), 8);
    assert_eq!(store.count_events(2).expect("count"), 1);

    overview_checks(store);

    // A later commit adds rows.
    store.commit(&s4_later_write()).expect("second commit");
    assert_eq!(store.count_events(1).expect("count"), 10);

    sessions_replays_and_deletion(store);
    incremental_sessions(store);
    assert_eq!(
        unanalysed(store),
        unanalysed_before_analysis(),
        "the state analysis_section starts from"
    );
    analysis::analysis(store);
    heatmap::heatmaps_and_zones(store);
    heatmap::snapshots_and_zone_sessions(store);
    heatmap::facts_go_with_their_sessions(store);
    heatmap::sessions_count_once_per_page(store);
    journeys::journeys(store);
}

/// The sessions list, replays, retention and visitor deletion, then sessions merged from several writes, on a
/// fresh store (for backends whose other reports are not written yet; [`event_store`] runs the same checks in
/// its sequence). The store first gets the writes `event_store` makes before them: [`dataset`] with its batch
/// key, the keys of `batch_keys` (which forgets the first), s4's later scroll and click.
pub fn sessions_and_deletion(store: &dyn EventStore) {
    store
        .commit(&WriteBatch {
            batch_keys: dataset_keys(),
            ..write(dataset(), vec![])
        })
        .expect("commit");
    batch_keys(store);
    store.commit(&s4_later_write()).expect("second commit");
    assert_eq!(store.count_events(1).expect("count"), 10);
    sessions_replays_and_deletion(store);
    incremental_sessions(store);
}

/// The session versions (site, session, received_at) that [`event_store`] holds when it reaches the analysis
/// checks, none analysed yet: what is left on sites 1 to 3 after its earlier checks (retention and visitor
/// deletion took s3 and s4).
const UNANALYSED_BEFORE_ANALYSIS: [(i64, &str, i64); 6] = [
    (2, "x1", T0),
    (1, "s1", T0 + 10_000),
    (1, "s9", T0 + 60_000),
    (1, "s2", T0 + DAY + 61_000),
    (3, "k1", T0 + DAY + 80_000),
    (3, "k2", T0 + 3 * DAY),
];

fn unanalysed_before_analysis() -> Vec<(i64, String, i64)> {
    UNANALYSED_BEFORE_ANALYSIS
        .iter()
        .map(|&(site, session, version)| (site, session.to_string(), version))
        .collect()
}

/// What `changed_sessions` finds on every site, oldest first.
fn unanalysed(store: &dyn EventStore) -> Vec<(i64, String, i64)> {
    store
        .changed_sessions(i64::MIN, i64::MAX, 10_000)
        .expect("changed")
        .into_iter()
        .map(|v| (v.site_id, v.session, v.received_at))
        .collect()
}

/// Brings a fresh store into the state the analysis checks start from in [`event_store`]. They read nothing of
/// other sites but `changed_sessions`, which spans every site: one pageview of each session version of
/// [`UNANALYSED_BEFORE_ANALYSIS`] gives it the same ones.
fn before_analysis(store: &dyn EventStore) {
    let rows = UNANALYSED_BEFORE_ANALYSIS
        .iter()
        .map(|&(site, session, version)| {
            pageview(site, session, "v-other", version, "/", "direct", "desktop")
        })
        .collect();
    store.commit(&write(rows, vec![])).expect("commit");
    assert_eq!(unanalysed(store), unanalysed_before_analysis());
}

/// The analysis pass and the reports on its tables (changed sessions, detections, problems, the sessions list's
/// frustration columns, errors, failed requests, vitals, deletion), on a fresh store brought into the state
/// [`event_store`] runs them in; `event_store` runs the same checks in its sequence.
pub fn analysis_section(store: &dyn EventStore) {
    before_analysis(store);
    analysis::analysis(store);
}

/// [`analysis_section`] without its checks of the sessions list (frustration counts, filter, friction order)
/// and of deletion (a deleted visitor's or expired session's analyses), for backends whose sessions list or
/// deletion cannot answer them yet: the analysis pass, detections, problem counts, error groups, failed
/// requests, vitals, and a changed session analysed again.
pub fn analysis_reports(store: &dyn EventStore) {
    before_analysis(store);
    analysis::without_sessions_list_or_deletion(store);
}

/// Site 3: one session written in three writes, crossing midnight with a new cookieless visitor id, a late
/// event, and a second visitor's sessions for new/returning. Values computed by hand.
fn incremental_sessions(store: &dyn EventStore) {
    let at =
        |session: &str, visitor: &str, ts: i64, event_type: &'static str, path: &str| EventRow {
            site_id: 3,
            ..row(1, session, visitor, ts, event_type, path)
        };
    let midnight = T0 + DAY;
    let writes = [
        // 23:58: lands on /, from search.
        vec![EventRow {
            channel: Some("organic_search"),
            ..at("k1", "v-day0", midnight - 120_000, "pageview", "/")
        }],
        // 00:01 (next day's visitor id): /checkout, a purchase; 150 s active measured on the first page.
        vec![
            at("k1", "v-day1", midnight + 60_000, "pageview", "/checkout"),
            EventRow {
                revenue: Some(30.0),
                ..at("k1", "v-day1", midnight + 70_000, "custom", "/checkout")
            },
            EventRow {
                value: Some(150_000.0),
                ..at("k1", "v-day1", midnight + 80_000, "pageleave", "/")
            },
        ],
        // Late: a click at 23:59 arrives last.
        vec![at("k1", "v-day0", midnight - 60_000, "click", "/")],
    ];
    for rows in writes {
        store.commit(&write(rows, vec![])).expect("commit");
    }
    // v-day0 comes back two days later: a returning visitor.
    store
        .commit(&write(
            vec![at("k2", "v-day0", midnight + 2 * DAY, "pageview", "/")],
            vec![],
        ))
        .expect("commit");
    let list = |from: i64, filters: SessionFilters| {
        store
            .sessions(
                3,
                &SessionQuery {
                    from,
                    to: midnight + 3 * DAY,
                    filters,
                    sort: SessionSort::Started,
                    descending: false,
                    limit: 10,
                    offset: 0,
                },
            )
            .expect("sessions")
    };
    let all = list(T0, SessionFilters::default());
    assert_eq!(all.total, 2);
    let k1 = &all.sessions[0];
    assert_eq!(k1.session, "k1");
    assert_eq!(
        k1.visitor, "v-day0",
        "one visitor across midnight: the first"
    );
    assert_eq!(
        (k1.started, k1.ended, k1.duration_ms),
        (midnight - 120_000, midnight + 80_000, 200_000)
    );
    assert_eq!(k1.active_ms, 150_000);
    assert_eq!((k1.pageviews, k1.clicks), (2, 1), "the late click counts");
    assert_eq!(
        (k1.entry_page.as_deref(), k1.exit_page.as_deref()),
        (Some("/"), Some("/checkout"))
    );
    assert_eq!(k1.channel.as_deref(), Some("organic_search"));
    assert!(k1.converted && k1.revenue == 30.0);
    assert_eq!(
        list(midnight, SessionFilters::default())
            .sessions
            .iter()
            .map(|s| s.session.as_str())
            .collect::<Vec<_>>(),
        ["k2"],
        "a session that started before `from` is not in the range"
    );
    let of_kind = |kind| {
        list(
            T0,
            SessionFilters {
                visitor_type: Some(kind),
                ..Default::default()
            },
        )
        .sessions
        .into_iter()
        .map(|s| s.session)
        .collect::<Vec<_>>()
    };
    assert_eq!(of_kind(VisitorType::New), ["k1"]);
    assert_eq!(of_kind(VisitorType::Returning), ["k2"]);
    let from_midnight = store
        .overview(3, &query(midnight, midnight + 3 * DAY))
        .expect("overview");
    assert_eq!(
        (from_midnight.sessions, names(&from_midnight.top_pages)),
        (1, vec![("/", 1, 1)]),
        "k1's /checkout at 00:01 belongs to a session that started before the range"
    );
    let overview = store
        .overview(3, &query(T0, midnight + 3 * DAY))
        .expect("overview");
    assert_eq!(
        (overview.visitors, overview.sessions, overview.pageviews),
        (1, 2, 3)
    );
    assert_eq!(overview.avg_duration_ms, 100_000.0);
    assert_eq!(
        store
            .overview_series(3, &query(T0, midnight + 3 * DAY))
            .expect("series")
            .iter()
            .map(|p| (p.day, p.sessions))
            .collect::<Vec<_>>(),
        [(T0, 1), (midnight + 2 * DAY, 1)],
        "a session counts on the day it started"
    );
}

fn chunk(session: &str, pageview: &str, chunk: u32, first_ts: i64) -> ReplayChunk {
    ReplayChunk {
        site_id: 1,
        session: session.into(),
        pageview: pageview.into(),
        chunk,
        first_ts,
        last_ts: first_ts + 4_000,
        events: 10,
        bytes: 1_000,
        raw_bytes: 9_000,
        blob_key: format!("1/{session}/{pageview}-{chunk:06}"),
        received_at: first_ts + 4_000,
        snapshot: false,
    }
}

/// The sessions list, the replay index and deletion (retention, per visitor). Runs after the overview
/// checks on the same data: s1..s4 on site 1 (s4 has a late click), x1 on site 2.
fn sessions_replays_and_deletion(store: &dyn EventStore) {
    let purchase = EventRow {
        revenue: Some(99.5),
        name: Some("purchase".into()),
        ..row(1, "s2", "v1", T0 + DAY + 61_000, "custom", "/cart")
    };
    let error = row(1, "s3", "v2", T0 + 5_000, "error", "/product");
    let leave = EventRow {
        value: Some(7_000.0),
        ..row(1, "s3", "v2", T0 + 30_000, "pageleave", "/product")
    };
    store
        .commit(&write(
            vec![purchase, error, leave],
            vec![
                chunk("s3", "s3-/", 0, T0 + 31_000),
                chunk("s3", "s3-/product", 1, T0 + 6_000),
                chunk("s3", "s3-/product", 0, T0 + 1_000),
            ],
        ))
        .expect("commit");

    let list = |filters: SessionFilters, sort: SessionSort, descending: bool| {
        store
            .sessions(
                1,
                &SessionQuery {
                    from: T0,
                    to: T0 + 2 * DAY,
                    filters,
                    sort,
                    descending,
                    limit: 10,
                    offset: 0,
                },
            )
            .expect("sessions")
    };
    let all = list(SessionFilters::default(), SessionSort::Started, true);
    assert_eq!(all.total, 4);
    let order: Vec<_> = all.sessions.iter().map(|s| s.session.as_str()).collect();
    assert_eq!(order, ["s2", "s4", "s3", "s1"], "newest first");
    let s3 = all.sessions.iter().find(|s| s.session == "s3").expect("s3");
    assert_eq!(
        (
            s3.pageviews,
            s3.errors,
            s3.active_ms,
            s3.has_replay,
            s3.replay_bytes
        ),
        (2, 1, 7_000, true, 3_000)
    );
    assert_eq!(
        (
            s3.entry_page.as_deref(),
            s3.exit_page.as_deref(),
            s3.device.as_str()
        ),
        (Some("/product"), Some("/"), "mobile")
    );
    let s2 = all.sessions.iter().find(|s| s.session == "s2").expect("s2");
    assert!(s2.converted && (s2.revenue - 99.5).abs() < 1e-9 && !s2.has_replay);
    let s1 = all.sessions.iter().find(|s| s.session == "s1").expect("s1");
    assert_eq!((s1.clicks, s1.duration_ms), (1, 10_000));

    let names = |page: SessionPage| {
        page.sessions
            .into_iter()
            .map(|s| s.session)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(list(
            SessionFilters {
                has_replay: Some(true),
                ..Default::default()
            },
            SessionSort::Started,
            true
        )),
        ["s3"]
    );
    assert_eq!(
        names(list(
            SessionFilters {
                had_error: Some(true),
                ..Default::default()
            },
            SessionSort::Started,
            true
        )),
        ["s3"]
    );
    assert_eq!(
        names(list(
            SessionFilters {
                converted: Some(true),
                ..Default::default()
            },
            SessionSort::Started,
            true
        )),
        ["s2"]
    );
    assert_eq!(
        names(list(
            SessionFilters {
                clicked: Some("#b".into()),
                ..Default::default()
            },
            SessionSort::Started,
            true
        )),
        Vec::<String>::new()
    );
    assert_eq!(
        names(list(
            SessionFilters {
                min_pages: Some(2),
                ..Default::default()
            },
            SessionSort::Pages,
            true
        )),
        ["s2", "s3"]
    );
    assert_eq!(
        names(list(
            SessionFilters {
                min_duration_ms: Some(20_000),
                ..Default::default()
            },
            SessionSort::Duration,
            false
        )),
        ["s3", "s2"]
    );
    let paged = store
        .sessions(
            1,
            &SessionQuery {
                from: T0,
                to: T0 + 2 * DAY,
                filters: SessionFilters::default(),
                sort: SessionSort::Started,
                descending: false,
                limit: 2,
                offset: 2,
            },
        )
        .expect("page 2");
    assert_eq!(
        (paged.total, names(paged)),
        (4, vec!["s4".to_string(), "s2".to_string()])
    );

    let chunks: Vec<_> = store
        .replay_chunks(1, "s3")
        .expect("chunks")
        .into_iter()
        .map(|c| (c.pageview, c.chunk))
        .collect();
    assert_eq!(
        chunks,
        [
            ("s3-/product".to_string(), 0),
            ("s3-/product".to_string(), 1),
            ("s3-/".to_string(), 0)
        ],
        "playback order"
    );
    assert!(
        store.replay_chunks(2, "s3").expect("chunks").is_empty(),
        "replays are per site"
    );
    assert_eq!(store.replay_bytes(1).expect("bytes"), 3_000);

    // An imported recording: its events and rrweb times are three years old, but it arrived after every
    // cutoff below, so retention keeps it (age is measured by arrival).
    let imported_at = T0 + 60_000;
    let old = T0 - 3 * 365 * 86_400_000;
    store
        .commit(&write(
            vec![EventRow {
                received_at: imported_at,
                ..pageview(1, "s9", "v9", old, "/", "direct", "desktop")
            }],
            vec![ReplayChunk {
                received_at: imported_at,
                ..chunk("s9", "s9-/", 0, old)
            }],
        ))
        .expect("commit");

    // What retention would delete, counted by hand. Site 1 before T0 + 5.5 s: the pageviews of s1 (T0), s3
    // (+1 s) and s4 (+2 s), s4's scroll (+3 s) and late click (+4 s), s3's error (+5 s) = 6 events; of the
    // chunks only s3-/product #0 ends before it (last event at +5 s), 1,000 bytes. One more ms past +10 s also
    // takes s1's click (+10 s) and chunk s3-/product #1 (ends at +10 s). The cutoff itself is excluded.
    let count = |site: i64, before: i64| store.count_before(site, before).expect("count");
    assert_eq!(
        count(1, T0 + 5_500),
        StoredCount {
            events: 6,
            replay_chunks: 1,
            replay_bytes: 1_000
        }
    );
    assert_eq!(
        count(1, T0 + 10_001),
        StoredCount {
            events: 7,
            replay_chunks: 2,
            replay_bytes: 2_000
        }
    );
    assert_eq!(count(1, T0 + 10_000).events, 6, "strictly before");
    assert!(
        count(1, T0).is_empty(),
        "nothing is older than the first event"
    );
    assert_eq!(
        count(2, T0 + 1),
        StoredCount {
            events: 1,
            replay_chunks: 0,
            replay_bytes: 0
        },
        "per site"
    );

    // Retention: everything before T0 + 5.5 s goes (s1's pageview, s3's first chunk and early events, ...).
    let before = store.count_events(1).expect("count");
    let deleted = store.delete_before(1, T0 + 5_500).expect("retention");
    assert_eq!(
        (deleted.events, deleted.replay_chunks),
        (6, 1),
        "deletes what it counted"
    );
    assert!(count(1, T0 + 5_500).is_empty(), "nothing is left to delete");
    assert_eq!(deleted.blob_keys, ["1/s3/s3-/product-000000"]);
    assert_eq!(deleted.replay_chunks, 1);
    assert_eq!(
        store.count_events(1).expect("count"),
        before - deleted.events
    );
    assert!(
        store
            .session_events(1, "s1", 100)
            .expect("events")
            .iter()
            .all(|e| e.ts >= T0 + 5_500)
    );
    assert_eq!(store.count_events(2).expect("other site untouched"), 1);
    assert_eq!(
        store.replay_chunks(1, "s9").expect("chunks").len(),
        1,
        "a recording received after the cutoff stays, whatever its own times"
    );
    assert_eq!(store.session_events(1, "s9", 10).expect("events").len(), 1);
    let all_imported = store.count_before(1, imported_at + 1).expect("count");
    assert!(
        all_imported.events >= 1 && all_imported.replay_chunks >= 1,
        "and goes once it is old by arrival"
    );

    // Deleting visitor v2 removes their events and replays, nothing else.
    let gone = store.delete_visitor(1, "v2").expect("delete visitor");
    assert_eq!(gone.replay_chunks, 2);
    assert_eq!(gone.blob_keys.len(), 2);
    assert!(
        store
            .session_events(1, "s3", 100)
            .expect("events")
            .is_empty()
    );
    assert!(store.replay_chunks(1, "s3").expect("chunks").is_empty());
    assert!(
        !store
            .session_events(1, "s2", 100)
            .expect("events")
            .is_empty()
    );
}

/// Saved segments and funnels: per site and kind, names unique, deleted by id within their site only.
fn saved_views(store: &dyn MetaStore, site: i64, other: i64) {
    let mobile = store
        .create_saved_view(site, "segment", " Mobile ", r#"device = "mobile""#)
        .expect("save");
    assert_eq!((mobile.name.as_str(), mobile.site_id), ("Mobile", site));
    store
        .create_saved_view(site, "funnel", "Mobile", r#"{"steps":[]}"#)
        .expect("the same name for another kind");
    assert!(matches!(
        store.create_saved_view(site, "segment", "Mobile", "converted"),
        Err(StoreError::Conflict(_))
    ));
    store
        .create_saved_view(site, "segment", "Buyers", "converted")
        .expect("save");
    let names = |site, kind| -> Vec<(String, String)> {
        store
            .saved_views(site, kind)
            .expect("list")
            .into_iter()
            .map(|v| (v.name, v.body))
            .collect()
    };
    assert_eq!(
        names(site, "segment"),
        [
            ("Buyers".to_string(), "converted".to_string()),
            ("Mobile".to_string(), r#"device = "mobile""#.to_string())
        ]
    );
    assert!(
        names(other, "segment").is_empty(),
        "another site's are not listed"
    );
    assert!(matches!(
        store.delete_saved_view(other, "segment", mobile.id),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.delete_saved_view(site, "funnel", mobile.id),
        Err(StoreError::NotFound(_))
    ));
    store
        .delete_saved_view(site, "segment", mobile.id)
        .expect("delete");
    assert_eq!(names(site, "segment").len(), 1);
    assert_eq!(names(site, "funnel").len(), 1);
}

/// Job leases: one holder at a time, renewed by its holder, taken over once expired.
fn leases(store: &dyn MetaStore) {
    const TTL: i64 = 30_000;
    assert!(
        store
            .acquire_lease("analysis", "node-a", T0, TTL)
            .expect("take")
    );
    assert!(
        !store
            .acquire_lease("analysis", "node-b", T0 + 1, TTL)
            .expect("held")
    );
    assert!(
        store
            .acquire_lease("retention", "node-b", T0 + 1, TTL)
            .expect("another job")
    );
    // a renews before it expires, so b still waits past the first expiry
    assert!(
        store
            .acquire_lease("analysis", "node-a", T0 + 20_000, TTL)
            .expect("renew")
    );
    assert!(
        !store
            .acquire_lease("analysis", "node-b", T0 + TTL + 1, TTL)
            .expect("renewed")
    );
    // a stops renewing (its node died): b takes over once the renewed lease expired, and a has lost it
    assert!(
        store
            .acquire_lease("analysis", "node-b", T0 + 20_000 + TTL, TTL)
            .expect("take over")
    );
    assert!(
        !store
            .acquire_lease("analysis", "node-a", T0 + 20_001 + TTL, TTL)
            .expect("lost")
    );
}

pub fn meta_store(store: &dyn MetaStore) {
    leases(store);
    assert!(store.list_sites().expect("list").is_empty());
    let shop = store
        .create_site(&NewSite {
            name: "Shop".into(),
            domains: vec!["shop.example".into()],
        })
        .expect("create");
    let blog = store
        .create_site(&NewSite {
            name: "Blog".into(),
            domains: vec![],
        })
        .expect("create");
    assert_ne!(shop.key, blog.key, "keys are unique");
    saved_views(store, shop.id, blog.id);
    assert!(
        shop.key.len() >= 16,
        "keys are long enough not to be guessed"
    );
    assert_eq!(
        store.site_by_key(&shop.key).expect("by key"),
        Some(shop.clone())
    );
    assert_eq!(
        store.site_by_id(blog.id).expect("by id"),
        Some(blog.clone())
    );
    assert_eq!(store.site_by_key("nope").expect("by key"), None);
    assert_eq!(
        store.list_sites().expect("list"),
        vec![shop.clone(), blog.clone()]
    );
    assert!(
        store
            .create_site(&NewSite {
                name: " ".into(),
                domains: vec![]
            })
            .is_err(),
        "blank names are refused"
    );

    assert!(
        !shop.persistent_ids && shop.respect_dnt,
        "privacy by default: cookieless, DNT honoured"
    );
    let update = SiteUpdate {
        name: "Shop EU".into(),
        domains: vec!["shop.example".into(), "shop.eu".into()],
        allowed_origins: vec!["https://checkout.example".into()],
        page_groups: vec!["/products/*".into()],
        mask_selectors: vec![".account-name".into()],
        persistent_ids: true,
        respect_dnt: false,
        retention_days: 30,
        replay_sample_rate: 0.25,
        block_selectors: vec![".card-number".into()],
        replay_quota_mb: 50,
        detection: serde_json::json!({"rage_click_min_clicks": 4})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    };
    assert!(
        shop.detection.is_empty(),
        "a new site keeps the server's thresholds"
    );
    let updated = store.update_site(shop.id, &update).expect("update");
    assert_eq!(updated.detection, update.detection);
    assert_eq!(
        store
            .site_by_id(shop.id)
            .expect("site")
            .expect("exists")
            .detection["rage_click_min_clicks"],
        4
    );
    assert_eq!(
        (updated.name.as_str(), updated.key.as_str()),
        ("Shop EU", shop.key.as_str())
    );
    assert_eq!(updated.domains, update.domains);
    assert_eq!(updated.allowed_origins, update.allowed_origins);
    assert_eq!(updated.page_groups, update.page_groups);
    assert_eq!(updated.mask_selectors, update.mask_selectors);
    assert_eq!(
        (
            updated.persistent_ids,
            updated.respect_dnt,
            updated.retention_days
        ),
        (true, false, 30)
    );
    assert_eq!(
        shop.replay_sample_rate, 0.0,
        "replay is off until a site turns it on"
    );
    assert_eq!(
        (updated.replay_sample_rate, updated.replay_quota_mb),
        (0.25, 50)
    );
    assert_eq!(updated.block_selectors, update.block_selectors);
    assert!(
        store.update_site(9_999, &update).is_err(),
        "unknown sites are not created by updates"
    );

    let day = 20_000;
    let salt = store.daily_salt(day).expect("salt");
    assert_eq!(
        store.daily_salt(day).expect("salt"),
        salt,
        "stable within a day"
    );
    let next = store.daily_salt(day + 1).expect("salt");
    assert_ne!(next, salt, "rotates daily");
    store.daily_salt(day + 2).expect("salt");
    // Day `day` is now older than yesterday: it was deleted, so asking again makes a new one.
    assert_ne!(
        store.daily_salt(day).expect("salt"),
        salt,
        "old salts are forgotten"
    );

    accounts(store, shop.id, blog.id);
}

fn accounts(store: &dyn MetaStore, shop: i64, blog: i64) {
    assert_eq!(store.count_users().expect("count"), 0);
    let admin = store
        .create_user("Admin@Example.com", "hash-a", Role::Admin)
        .expect("user");
    let viewer = store
        .create_user("viewer@example.com", "hash-v", Role::Viewer)
        .expect("user");
    assert!(
        matches!(
            store.create_user("admin@example.com", "x", Role::Viewer),
            Err(StoreError::Conflict(_))
        ),
        "emails are unique regardless of case"
    );
    assert_eq!(store.count_users().expect("count"), 2);
    let (found, hash) = store
        .user_by_email("ADMIN@example.com")
        .expect("lookup")
        .expect("found");
    assert_eq!(
        (found.id, found.role, hash.as_str()),
        (admin.id, Role::Admin, "hash-a")
    );
    assert_eq!(
        store.list_users().expect("list"),
        vec![admin.clone(), viewer.clone()]
    );

    store.add_member(shop, viewer.id).expect("member");
    store
        .add_member(shop, viewer.id)
        .expect("adding twice is harmless");
    assert_eq!(store.member_sites(viewer.id).expect("sites"), vec![shop]);
    assert_eq!(
        store.members(shop).expect("members")[0].email,
        "viewer@example.com"
    );
    assert!(store.members(blog).expect("members").is_empty());
    assert!(
        store.add_member(shop, 9_999).is_err(),
        "unknown users cannot be members"
    );
    store.remove_member(shop, viewer.id).expect("remove");
    assert!(store.member_sites(viewer.id).expect("sites").is_empty());
    assert!(store.remove_member(shop, viewer.id).is_err());

    let login = LoginSession {
        user_id: viewer.id,
        csrf_token: "csrf".into(),
        expires_at: T0 + DAY,
    };
    store.create_login_session("h1", &login).expect("login");
    store.create_login_session("h2", &login).expect("login");
    assert_eq!(
        store.login_session("h1", T0).expect("lookup"),
        Some(login.clone())
    );
    assert_eq!(
        store.login_session("h1", T0 + DAY).expect("lookup"),
        None,
        "expired logins are gone"
    );
    store.delete_login_session("h2").expect("logout");
    assert_eq!(store.login_session("h2", T0).expect("lookup"), None);
    store
        .create_login_session(
            "h3",
            &LoginSession {
                expires_at: T0 + 2 * DAY,
                ..login.clone()
            },
        )
        .expect("login");
    store
        .create_login_session(
            "h4",
            &LoginSession {
                expires_at: T0 + 2 * DAY,
                ..login
            },
        )
        .expect("login");
    assert_eq!(
        store.delete_user_sessions(viewer.id).expect("everywhere"),
        2
    );

    let token = store
        .create_token(&NewToken {
            name: "ci".into(),
            token_hash: "th".into(),
            user_id: Some(viewer.id),
            site_id: Some(shop),
            role: Role::Viewer,
        })
        .expect("token");
    let cli_token = store
        .create_token(&NewToken {
            name: "cli".into(),
            token_hash: "th2".into(),
            user_id: None,
            site_id: None,
            role: Role::Admin,
        })
        .expect("token");
    assert_eq!(token.last_used_at, None);
    let used = store.use_token("th", T0).expect("use").expect("found");
    assert_eq!(
        (used.id, used.site_id, used.last_used_at),
        (token.id, Some(shop), Some(T0))
    );
    assert_eq!(store.use_token("nope", T0).expect("use"), None);
    assert_eq!(store.list_tokens(Some(viewer.id)).expect("list").len(), 1);
    assert_eq!(store.list_tokens(None).expect("list").len(), 2);
    store.delete_token(cli_token.id).expect("revoke");
    assert_eq!(
        store.use_token("th2", T0).expect("use"),
        None,
        "revoked tokens stop working"
    );
    assert!(store.delete_token(cli_token.id).is_err());

    // Roles change, users go (with their memberships, logins and tokens), and an admin always remains.
    assert!(
        matches!(
            store.set_user_role(admin.id, Role::Analyst),
            Err(StoreError::Conflict(_))
        ),
        "the only admin cannot be demoted"
    );
    assert!(
        matches!(store.delete_user(admin.id), Err(StoreError::Conflict(_))),
        "the only admin cannot be deleted"
    );
    assert!(matches!(
        store.set_user_role(9_999, Role::Viewer),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.delete_user(9_999),
        Err(StoreError::NotFound(_))
    ));
    let promoted = store
        .set_user_role(viewer.id, Role::Admin)
        .expect("promote");
    assert_eq!(
        (promoted.id, promoted.email.as_str(), promoted.role),
        (viewer.id, "viewer@example.com", Role::Admin)
    );
    assert_eq!(
        store.user_by_id(viewer.id).expect("lookup").map(|u| u.role),
        Some(Role::Admin)
    );
    let demoted = store
        .set_user_role(admin.id, Role::Viewer)
        .expect("another admin exists now");
    assert_eq!(demoted.role, Role::Viewer);
    store.add_member(blog, admin.id).expect("member");
    store
        .create_login_session(
            "h5",
            &LoginSession {
                user_id: admin.id,
                csrf_token: "c".into(),
                expires_at: T0 + DAY,
            },
        )
        .expect("login");
    store
        .create_token(&NewToken {
            name: "gone".into(),
            token_hash: "th3".into(),
            user_id: Some(admin.id),
            site_id: None,
            role: Role::Viewer,
        })
        .expect("token");
    store.delete_user(admin.id).expect("delete");
    assert_eq!(store.user_by_id(admin.id).expect("lookup"), None);
    assert!(store.members(blog).expect("members").is_empty());
    assert_eq!(store.login_session("h5", T0).expect("lookup"), None);
    assert_eq!(store.use_token("th3", T0).expect("use"), None);
    assert!(
        store.use_token("th", T0).expect("use").is_some(),
        "other users' tokens stay"
    );
    assert!(
        matches!(store.delete_user(viewer.id), Err(StoreError::Conflict(_))),
        "the new only admin cannot be deleted either"
    );
}

pub fn blob_store(store: &dyn BlobStore) {
    assert_eq!(store.get("1/s1/0").expect("get"), None);
    store.put("1/s1/0", b"first").expect("put");
    store.put("1/s1/1", b"second").expect("put");
    store.put("1/s2/0", b"other").expect("put");
    store.put("1/s1/0", b"replaced").expect("put");
    assert_eq!(
        store.get("1/s1/0").expect("get").as_deref(),
        Some(&b"replaced"[..])
    );
    assert_eq!(store.list("1/s1/").expect("list"), ["1/s1/0", "1/s1/1"]);
    assert_eq!(store.delete_prefix("1/s1/").expect("delete"), 2);
    assert_eq!(store.list("1/").expect("list"), ["1/s2/0"]);
    for bad in ["", "../etc/passwd", "/abs", "a//b", "a/../b"] {
        assert!(store.put(bad, b"x").is_err(), "key {bad:?} must be refused");
    }
}
