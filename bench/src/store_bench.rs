//! Store benchmarks without HTTP: write throughput of the batch writer's commits, and overview latency over
//! a generated data set of realistic shape (sessions of several pages with clicks and scrolls).

use std::time::Instant;

use anyhow::Result;
use rand::{Rng, SeedableRng};
use sightline_insight::session::rows_of;
use sightline_model::EventRow;
use sightline_model::now_ms;
use sightline_store::duckdb::DuckDbEventStore;
use sightline_store::{
    EventColumns, EventStore, HeatmapKind, OverviewQuery, PageQuery, SessionFilters, SessionQuery,
    SessionSort, WriteBatch,
};

const DAY_MS: i64 = 86_400_000;
const PATHS: &[&str] = &[
    "/",
    "/category/shoes",
    "/product/:id",
    "/cart",
    "/checkout",
    "/pricing",
    "/blog/:id",
    "/about",
];
const CHANNELS: &[&str] = &[
    "direct",
    "organic_search",
    "paid_search",
    "organic_social",
    "email",
    "referral",
];
const DEVICES: &[&str] = &["mobile", "desktop", "tablet"];
const SELECTORS: &[&str] = &[
    "#add-to-cart",
    "#buy-now",
    "img.product-photo",
    "#size-select",
    "a.nav-home",
    "button.apply-coupon",
    "#checkout",
    "a.review-link",
    "span.price",
    "div.banner",
    "#newsletter",
    "button.wishlist",
];
const BROWSERS: &[&str] = &["Chrome", "Safari", "Firefox", "Edge", "Samsung Internet"];

/// A `layout` event's boxes: the page's elements stacked down a `doc_h` px page `vw` px wide, and a fixed header.
fn layout_zones(vw: i32, doc_h: f64) -> String {
    let step = doc_h / (SELECTORS.len() + 1) as f64;
    let mut zones: Vec<String> = SELECTORS
        .iter()
        .enumerate()
        .map(|(i, sel)| {
            format!(
                r#"{{"sel":"{sel}","x":20,"y":{:.0},"w":{},"h":60}}"#,
                step * (i + 1) as f64,
                vw - 40
            )
        })
        .collect();
    zones.push(format!(
        r#"{{"sel":"header.site","x":0,"y":0,"w":{vw},"h":64,"fixed":true}}"#
    ));
    format!("[{}]", zones.join(","))
}

/// Rows of `sessions` sessions starting within `starts`.
pub fn generate(
    rng: &mut impl Rng,
    first_session: u64,
    sessions: u64,
    starts: std::ops::Range<i64>,
) -> Vec<EventRow> {
    let mut rows = Vec::new();
    for s in first_session..first_session + sessions {
        let start = rng.random_range(starts.clone());
        let device = DEVICES[rng.random_range(0..DEVICES.len())];
        let browser = BROWSERS[rng.random_range(0..BROWSERS.len())];
        let channel = CHANNELS[rng.random_range(0..CHANNELS.len())];
        let visitor = format!("v{}", rng.random_range(0..sessions * 2 / 3 + 1));
        let pages = if rng.random_bool(0.4) {
            1
        } else {
            rng.random_range(2..8)
        };
        let mut t = start;
        let first_row = rows.len();
        for p in 0..pages {
            let path = PATHS[rng.random_range(0..PATHS.len())];
            let base = EventRow {
                site_id: 1,
                ts: t,
                received_at: t,
                session: format!("s{s:012}"),
                visitor: visitor.clone(),
                pageview: format!("s{s}p{p}"),
                event_type: "pageview",
                path: Some(path.into()),
                page_group: Some(path.into()),
                channel: Some(if p == 0 { channel } else { "internal" }),
                device,
                browser: browser.into(),
                os: "Android".into(),
                ..EventRow::default()
            };
            let (vw, vh) = if device == "mobile" {
                (390, 760)
            } else {
                (1280, 800)
            };
            let doc_h: f64 = rng.random_range(2_000.0..6_000.0);
            rows.push(EventRow {
                viewport_w: Some(vw),
                viewport_h: Some(vh),
                value: Some(doc_h),
                ..base.clone()
            });
            let at = |t: i64, event_type: &'static str| EventRow {
                ts: t,
                received_at: t,
                event_type,
                channel: None,
                ..base.clone()
            };
            // What heatmaps and zones read: the element boxes once the page settled, pointer moves, hovers,
            // scrolls with their depth, and the pageleave with the deepest point.
            rows.push(EventRow {
                props: Some(layout_zones(vw, doc_h)),
                ..at(t + 300, "layout")
            });
            let mut deepest: f64 = 0.0;
            for e in 0..rng.random_range(3..12) {
                t += rng.random_range(200..4_000);
                let selector = SELECTORS[rng.random_range(0..SELECTORS.len())];
                let row = match e % 4 {
                    // Some clicks do nothing (dead clicks for the analysis pass), on a dozen elements per page.
                    0 => EventRow {
                        selector: Some(selector.to_string()),
                        changed: Some(rng.random_bool(0.9)),
                        x: Some(rng.random_range(0.0..f64::from(vw))),
                        y: Some(rng.random_range(0.0..doc_h)),
                        rel_x: Some(rng.random_range(0.0..1.0)),
                        rel_y: Some(rng.random_range(0.0..1.0)),
                        viewport_w: Some(vw),
                        ..at(t, "click")
                    },
                    1 => EventRow {
                        selector: Some(selector.to_string()),
                        value: Some(rng.random_range(300.0..3_000.0)),
                        ..at(t, "hover")
                    },
                    2 => {
                        // a pointer path: small steps from where it was, as a hand moves it
                        let (mut x, mut y) =
                            (rng.random_range(0..vw), rng.random_range(0..doc_h as i32));
                        let points: Vec<String> = (0..10)
                            .map(|i| {
                                x = (x + rng.random_range(-15..=30)).clamp(0, vw);
                                y = (y + rng.random_range(-10..=20)).max(0);
                                format!("[{x},{y},{}]", i * 100)
                            })
                            .collect();
                        EventRow {
                            props: Some(format!("[{}]", points.join(","))),
                            value: Some(10.0),
                            ..at(t, "move")
                        }
                    }
                    _ => {
                        let pct: f64 = rng.random_range(0.0..100.0);
                        deepest = deepest.max(pct);
                        EventRow {
                            scroll_pct: Some(pct),
                            value: Some(doc_h * pct / 100.0),
                            ..at(t, "scroll")
                        }
                    }
                };
                rows.push(row);
            }
            t += rng.random_range(1_000..30_000);
            rows.push(EventRow {
                scroll_pct: Some(deepest),
                value: Some(f64::from(rng.random_range(2_000..60_000))),
                ..at(t, "pageleave")
            });
            t += rng.random_range(1_000..30_000);
        }
        // A purchase in 5 % of sessions, 2 % of those with a dead click: a cost for the problems report.
        let session_rows = &rows[first_row..];
        let dead = session_rows.iter().any(|r| r.changed == Some(false));
        if rng.random_bool(if dead { 0.02 } else { 0.05 }) {
            let last = session_rows[session_rows.len() - 1].clone();
            rows.push(EventRow {
                ts: t,
                received_at: t,
                event_type: "custom",
                name: Some("purchase".into()),
                revenue: Some(rng.random_range(20.0..200.0)),
                selector: None,
                changed: None,
                x: None,
                y: None,
                rel_x: None,
                rel_y: None,
                scroll_pct: None,
                value: None,
                props: None,
                ..last
            });
        }
    }
    rows
}

/// Rows per second through `EventStore::commit` in writer-sized transactions.
pub fn write_throughput(rows: usize) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("sightline-store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = DuckDbEventStore::open(&dir.join("events.duckdb"))?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut data = generate(
        &mut rng,
        0,
        (rows / 30).max(1) as u64,
        now_ms() - 7 * DAY_MS..now_ms(),
    );
    data.truncate(rows);
    let started = Instant::now();
    for chunk in data.chunks(50_000) {
        store.commit(&WriteBatch {
            sessions: rows_of(chunk),
            rows: EventColumns::from_rows(chunk),
            batch_keys: vec![],
            ..Default::default()
        })?;
    }
    let elapsed = started.elapsed();
    println!(
        "store write: {:.0} rows/s ({} rows in {:.2} s, 50k-row transactions)",
        data.len() as f64 / elapsed.as_secs_f64(),
        data.len(),
        elapsed.as_secs_f64()
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Sessions per transaction while loading the query data set.
const CHUNK_SESSIONS: u64 = 5_000;

/// Loads about `events` generated events of 30 days ending at `end` into `store`, in transactions of
/// [`CHUNK_SESSIONS`] sessions; the events and sessions written.
fn load_data_set(
    store: &dyn EventStore,
    rng: &mut rand::rngs::StdRng,
    events: u64,
    end: i64,
) -> Result<(u64, u64)> {
    let (mut written, mut session, mut chunk) = (0u64, 0u64, 0u64);
    // Sessions arrive in time order, as a live site's do: each chunk starts in its own slice of the 30 days, so
    // the time-bounded scans skip the row groups outside their range as they do on a real store.
    let per_chunk = generate(
        &mut rand::rngs::StdRng::seed_from_u64(0),
        0,
        CHUNK_SESSIONS,
        0..1,
    )
    .len();
    let chunks = events.div_ceil(per_chunk.max(1) as u64).max(1) as i64;
    let slice = (30 * DAY_MS / chunks).max(1);
    while written < events {
        let from = (end - 30 * DAY_MS + chunk as i64 * slice).min(end - slice);
        let rows = generate(rng, session, CHUNK_SESSIONS, from..from + slice);
        session += CHUNK_SESSIONS;
        written += rows.len() as u64;
        chunk += 1;
        store.commit(&WriteBatch {
            sessions: rows_of(&rows),
            rows: EventColumns::from_rows(&rows),
            batch_keys: vec![],
            ..Default::default()
        })?;
    }
    Ok((written, session))
}

/// The same data set (same seed, same size) in ClickHouse, and every report query over it: the embedded
/// store's numbers above, ClickHouse's here. `url` is its HTTP interface; the database `sightline_bench` is
/// replaced.
pub fn clickhouse_latency(url: &str, events: u64) -> Result<()> {
    use sightline_store::clickhouse::{ClickHouseEventStore, ClickHouseOptions};
    let options = ClickHouseOptions {
        url: url.to_string(),
        database: "sightline_bench".into(),
        ..ClickHouseOptions::default()
    };
    ClickHouseEventStore::open(&options)?.drop_database()?;
    let store = ClickHouseEventStore::open(&options)?;
    println!("== ClickHouse at {url}, the same data set");
    let end = now_ms();
    let started = Instant::now();
    let (written, sessions) = load_data_set(
        &store,
        &mut rand::rngs::StdRng::seed_from_u64(11),
        events,
        end,
    )?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "clickhouse load: {written} events, {sessions} sessions in {secs:.1} s ({:.0} events/s through the store)",
        written as f64 / secs
    );
    query_latencies(&store, end, written)
}

/// Overview and sessions-list latency over `events` generated events (30 days), unfiltered and filtered. With
/// `keep`, the data set lives in that directory and is reused by later runs (loading 100 M events takes long).
pub fn overview_latency(events: u64, keep: Option<&std::path::Path>) -> Result<()> {
    let dir = keep.map_or_else(
        || std::env::temp_dir().join(format!("sightline-query-bench-{}", std::process::id())),
        std::path::Path::to_path_buf,
    );
    std::fs::create_dir_all(&dir)?;
    let store = DuckDbEventStore::open(&dir.join("events.duckdb"))?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let end_file = dir.join("end-ms");
    let reused = std::fs::read_to_string(&end_file)
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|_| store.count_events(1).is_ok_and(|n| n >= events));
    let end = reused.unwrap_or_else(now_ms);
    let (mut written, mut session) = if reused.is_some() {
        (store.count_events(1)?, 0)
    } else {
        (0u64, 0u64)
    };
    let load_started = Instant::now();
    if reused.is_none() {
        (written, session) = load_data_set(&store, &mut rng, events, end)?;
    }
    if reused.is_some() {
        println!(
            "query data set: {written} events (reused from {})",
            dir.display()
        );
    } else {
        std::fs::write(&end_file, end.to_string())?;
        println!(
            "query data set: {written} events, {session} sessions (loaded in {:.1} s)",
            load_started.elapsed().as_secs_f64()
        );
    }
    query_latencies(&store, end, written)?;
    drop(store);
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

/// Every report query over the loaded data set (`written` events ending at `end`), each timed on its own: a
/// query a backend cannot answer yet prints why and the others still run.
fn query_latencies(store: &dyn EventStore, end: i64, written: u64) -> Result<()> {
    let query = |filters: SessionFilters| OverviewQuery {
        from: end - 30 * DAY_MS,
        to: end + 1,
        filters,
        limit: 10,
    };
    for (label, filters) in [
        ("overview, 30 days, no filter", SessionFilters::default()),
        (
            "overview, 30 days, device=mobile",
            SessionFilters {
                device: Some("mobile".into()),
                ..Default::default()
            },
        ),
        (
            "overview, 30 days, page=/cart",
            SessionFilters {
                page: Some("/cart".into()),
                ..Default::default()
            },
        ),
    ] {
        let q = query(filters);
        timed(&format!("{label}, over {written} events"), || {
            store.overview(1, &q)
        });
    }
    for (label, filters) in [
        (
            "sessions list, 30 days, first page by start",
            SessionFilters::default(),
        ),
        (
            "sessions list, 30 days, page=/checkout",
            SessionFilters {
                page: Some("/checkout".into()),
                ..Default::default()
            },
        ),
    ] {
        let q = SessionQuery {
            from: end - 30 * DAY_MS,
            to: end + 1,
            filters,
            sort: SessionSort::Started,
            descending: true,
            limit: 50,
            offset: 0,
        };
        timed(&format!("{label}, over {written} events"), || {
            store.sessions(1, &q)
        });
    }
    // Journeys read only the sessions and events tables: timed before the (long, one-time) analysis pass.
    journey_latency(store, end, written);
    problems_latency(store, end, written)?;
    page_latency(store, end, written)?;
    Ok(())
}

/// Median of three timed runs of `f` after a warm-up, ms.
fn median_ms<T>(mut f: impl FnMut() -> sightline_store::Result<T>) -> Result<f64> {
    f()?;
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        f()?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[1])
}

/// Heatmaps (each kind), zones and the sessions behind one element of the busiest page group, over 30 days.
fn page_latency(store: &dyn EventStore, end: i64, events: u64) -> Result<()> {
    let query = |filters: SessionFilters| PageQuery {
        from: end - 30 * DAY_MS,
        to: end + 1,
        filters,
        page: "/product/:id".into(),
    };
    let all = query(SessionFilters::default());
    let mobile = query(SessionFilters {
        device: Some("mobile".into()),
        ..Default::default()
    });
    let pageviews = store
        .heatmap(1, &all, HeatmapKind::Click)
        .map_or(0, |h| h.pageviews);
    let on = format!("30 days, /product/:id ({pageviews} pageviews), over {events} events");
    for kind in [
        HeatmapKind::Click,
        HeatmapKind::Move,
        HeatmapKind::Scroll,
        HeatmapKind::Attention,
    ] {
        timed(&format!("heatmap {kind:?}, {on}"), || {
            store.heatmap(1, &all, kind)
        });
    }
    timed(&format!("zones, {on}"), || store.zones(1, &all));
    timed(&format!("zones, device=mobile, {on}"), || {
        store.zones(1, &mobile)
    });
    timed(&format!("sessions of one element, {on}"), || {
        store.zone_sessions(1, &all, "#add-to-cart")
    });
    timed(&format!("page snapshot, {on}"), || {
        store.page_snapshot(1, &all)
    });
    Ok(())
}

/// Journeys (from the entry, from a page, to a page), a 4-step funnel (the store's unit events and the pure
/// funnel over them, as the API runs it) and a segment with a behaviour, over 30 days.
fn journey_latency(store: &dyn EventStore, end: i64, events: u64) {
    use sightline_insight::funnel::{FunnelSpec, StepTally, best_attempt};
    use sightline_insight::segment::Segment;
    use sightline_store::{FunnelMatch, FunnelQuery, FunnelStepQuery, PathNodes, PathQuery};
    let (from, to) = (end - 30 * DAY_MS, end + 1);
    let paths = |start: Option<&str>, end_page: Option<&str>| PathQuery {
        from,
        to,
        filters: SessionFilters::default(),
        start: start.map(str::to_string),
        end: end_page.map(str::to_string),
        steps: 5,
        nodes: PathNodes::Pages,
        repeats: false,
    };
    for (label, q) in [
        ("paths from entry, 5 steps", paths(None, None)),
        (
            "paths from /product/:id, 5 steps",
            paths(Some("/product/:id"), None),
        ),
        (
            "paths to /checkout, 5 steps",
            paths(None, Some("/checkout")),
        ),
    ] {
        timed(&format!("{label}, 30 days, over {events} events"), || {
            store.paths(1, &q)
        });
    }
    let step = |matches| FunnelStepQuery {
        matches,
        on_page: None,
    };
    let funnel = FunnelQuery {
        from,
        to,
        filters: SessionFilters::default(),
        steps: vec![
            step(FunnelMatch::Page("/".into())),
            step(FunnelMatch::Page("/product/:id".into())),
            step(FunnelMatch::Click("#add-to-cart".into())),
            step(FunnelMatch::Event("purchase".into())),
        ],
        window_ms: DAY_MS,
        by_visitor: false,
        breakdown: None,
        with_sessions: false,
    };
    let spec = FunnelSpec {
        steps: 4,
        window_ms: DAY_MS,
        strict: false,
        from,
        to,
    };
    let run = |q: &FunnelQuery| {
        let mut tally = StepTally::new(4);
        store.funnel_units(1, q, &mut |unit| {
            if let Some(attempt) = best_attempt(&spec, &unit.ts, &unit.masks) {
                tally.add(&attempt, &unit.ts);
            }
        })?;
        Ok(tally.stats(&[]).iter().map(|s| s.count).collect::<Vec<_>>())
    };
    if let Ok(counts) = run(&funnel) {
        println!("4-step funnel / → /product/:id → click #add-to-cart → purchase: {counts:?}");
    }
    timed(
        &format!("4-step funnel, 30 days, over {events} events"),
        || run(&funnel),
    );
    let mobile = FunnelQuery {
        filters: SessionFilters {
            device: Some("mobile".into()),
            ..Default::default()
        },
        ..funnel.clone()
    };
    timed(
        &format!("4-step funnel, device=mobile, 30 days, over {events} events"),
        || run(&mobile),
    );
    if let Ok(segment) = Segment::parse(
        r##"device = "mobile" AND clicked("#add-to-cart") >= 2 AND NOT visited("/blog/:id")"##,
    ) {
        let q = OverviewQuery {
            from,
            to,
            filters: SessionFilters {
                segment: Some(segment),
                ..Default::default()
            },
            limit: 10,
        };
        timed(
            &format!("overview, segment with a behaviour, 30 days, over {events} events"),
            || store.overview(1, &q),
        );
    }
}

/// The analysis pass over every stored session (what the server does in the background), then the problems
/// report's counts over 30 days.
fn problems_latency(store: &dyn EventStore, end: i64, events: u64) -> Result<()> {
    use sightline_ingest::analyzer::{AnalysisCursor, AnalyzerConfig, pass_with};
    use sightline_store::ProblemQuery;
    let config = AnalyzerConfig::default();
    let started = Instant::now();
    let (mut sessions, mut analysed_events) = (0usize, 0usize);
    let mut cursor = AnalysisCursor::default();
    loop {
        let done = match pass_with(store, &config, &mut cursor, i64::MAX, |_| {
            Ok(config.thresholds.clone())
        }) {
            Ok(done) => done,
            Err(e) => {
                println!("analysis pass: FAILED: {e}");
                break;
            }
        };
        if done.sessions == 0 {
            break;
        }
        sessions += done.sessions;
        analysed_events += done.events;
    }
    if sessions > 0 {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "analysis pass: {sessions} sessions, {analysed_events} events in {secs:.1} s ({:.0} events/s)",
            analysed_events as f64 / secs
        );
    }
    let query = ProblemQuery {
        from: end - 30 * DAY_MS,
        to: end + 1,
        filters: SessionFilters::default(),
        kind: None,
        page: None,
    };
    timed(&format!("problems, 30 days, over {events} events"), || {
        store.problem_counts(1, &query)
    });
    Ok(())
}

/// Prints the median time of a report query, or how it failed (the other measurements still run).
fn timed<T>(label: &str, f: impl FnMut() -> sightline_store::Result<T>) {
    match median_ms(f) {
        Ok(ms) => println!("{label}: median {ms:.0} ms"),
        Err(e) => println!(
            "{label}: FAILED: {}",
            e.to_string().lines().next().unwrap_or("")
        ),
    }
}
