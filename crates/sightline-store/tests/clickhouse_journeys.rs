//! Journeys, funnels and retention cohorts of the ClickHouse event store against a real server on loopback
//! (Debian's 18.16 in CI): the conformance section every backend answers alike.
#![cfg(feature = "clickhouse")]

#[path = "support/clickhouse.rs"]
mod clickhouse_server;

use clickhouse_server::ClickHouseServer;
use sightline_store::clickhouse::{ClickHouseEventStore, ClickHouseOptions};
use sightline_store::conformance;

#[test]
fn clickhouse_answers_journeys_funnels_and_retention_as_every_backend() {
    let server = ClickHouseServer::start();
    let store = ClickHouseEventStore::open(&ClickHouseOptions {
        url: server.url.clone(),
        database: "journeys".into(),
        ..ClickHouseOptions::default()
    })
    .expect("open");
    conformance::journeys(&store);
}

/// The same generated sessions in ClickHouse and in the embedded DuckDB store: every journey, funnel and
/// retention question answers alike. Sessions come in parts (up to three writes each), some are longer than a
/// merged journey keeps, some have no pageview, and landing pages carry UTM values only sometimes.
#[cfg(feature = "duckdb")]
mod against_duckdb {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use sightline_model::EventRow;
    use sightline_store::duckdb::DuckDbEventStore;
    use sightline_store::{
        EXIT_NODE, EventColumns, EventStore, FunnelBreakdown, FunnelMatch, FunnelQuery,
        FunnelStepQuery, FunnelUnit, OTHER_NODE, PathNodes, PathQuery, PathSelection,
        RetentionPeriod, RetentionQuery, SessionFilters, VisitorType, WriteBatch,
    };

    use super::*;

    const SITE: i64 = 5;
    const DAY: i64 = 86_400_000;
    const MINUTE: i64 = 60_000;
    /// 2025-11-24 00:00 UTC, a Monday.
    const T0: i64 = 1_763_942_400_000;
    const DAYS: i64 = 20;
    const SESSIONS: usize = 500;
    const VISITORS: usize = 160;
    /// Steps of a long session: more than a merged journey keeps (200).
    const LONG_STEPS: std::ops::Range<usize> = 210..260;
    const PAGES: [&str; 9] = [
        "/",
        "/cart",
        "/checkout",
        "/product/1",
        "/product/2",
        "/product/3",
        "/blog",
        "/about",
        "/search",
    ];
    const SELECTORS: [&str; 3] = ["#buy", "#add", "#menu"];
    const EVENTS: [&str; 3] = ["signup", "purchase", "share"];
    const DEVICES: [&str; 3] = ["desktop", "mobile", "tablet"];
    const CHANNELS: [&str; 4] = ["direct", "organic_search", "email", "paid_search"];
    /// Nodes per step (and links per node) whose sessions are compared.
    const SELECTED_NODES: usize = 3;

    fn event(session: usize, visitor: usize, ts: i64, event_type: &'static str) -> EventRow {
        EventRow {
            site_id: SITE,
            ts,
            received_at: ts,
            session: format!("s{session:03}"),
            visitor: format!("v{visitor:03}"),
            pageview: format!("s{session:03}-{ts}"),
            event_type,
            device: DEVICES[visitor % DEVICES.len()],
            browser: "Firefox".into(),
            os: "Linux".into(),
            ..EventRow::default()
        }
    }

    /// Each session's events in time order (times unique across sessions: the session's index is the ms).
    fn sessions(rng: &mut StdRng) -> Vec<Vec<EventRow>> {
        (0..SESSIONS)
            .map(|i| {
                let visitor = rng.random_range(0..VISITORS);
                let day = rng.random_range(0..DAYS);
                let mut ts = T0 + day * DAY + rng.random_range(0..20 * 60) * MINUTE + i as i64;
                let steps = if rng.random_bool(0.03) {
                    rng.random_range(LONG_STEPS)
                } else {
                    rng.random_range(1..12)
                };
                let without_pages = rng.random_bool(0.05);
                let mut page = PAGES[rng.random_range(0..PAGES.len())];
                let mut events = Vec::new();
                for step in 0..steps {
                    let roll = rng.random_range(0..100);
                    let e = if roll < 65 && !without_pages {
                        page = PAGES[rng.random_range(0..PAGES.len())];
                        let landing = !events.iter().any(|e: &EventRow| e.event_type == "pageview");
                        let utm = rng.random_bool(if landing { 0.3 } else { 0.1 });
                        EventRow {
                            path: Some(page.into()),
                            page_group: page
                                .starts_with("/product/")
                                .then(|| "/product/:id".to_string()),
                            channel: Some(if landing || step == 0 {
                                CHANNELS[rng.random_range(0..CHANNELS.len())]
                            } else {
                                "internal"
                            }),
                            utm_source: utm.then(|| ["news", "ads"][rng.random_range(0..2)].into()),
                            ..event(i, visitor, ts, "pageview")
                        }
                    } else if roll < 85 {
                        EventRow {
                            path: Some(page.into()),
                            selector: Some(SELECTORS[rng.random_range(0..SELECTORS.len())].into()),
                            ..event(i, visitor, ts, "click")
                        }
                    } else {
                        let name = EVENTS[rng.random_range(0..EVENTS.len())];
                        EventRow {
                            path: Some(page.into()),
                            name: Some(name.into()),
                            revenue: (name == "purchase").then_some(25.0),
                            ..event(i, visitor, ts, "custom")
                        }
                    };
                    events.push(e);
                    // Well within the 30 minutes that end a session.
                    ts += rng.random_range(1..600) * 1_000;
                }
                events
            })
            .collect()
    }

    /// Writes each session in up to three parts, in rounds: every write holds the next part of each session.
    fn commit(stores: &[&dyn EventStore], sessions: &[Vec<EventRow>], rng: &mut StdRng) {
        let parts: Vec<Vec<&[EventRow]>> = sessions
            .iter()
            .map(|events| {
                let mut cuts = vec![0, events.len()];
                for _ in 0..rng.random_range(0..3) {
                    cuts.push(rng.random_range(0..=events.len()));
                }
                cuts.sort_unstable();
                cuts.windows(2).map(|w| &events[w[0]..w[1]]).collect()
            })
            .collect();
        for round in 0..3 {
            let rows: Vec<EventRow> = parts
                .iter()
                .filter_map(|p| p.get(round))
                .flat_map(|p| p.iter().cloned())
                .collect();
            let batch = WriteBatch {
                sessions: sightline_insight::session::rows_of(&rows),
                rows: EventColumns::from_rows(&rows),
                ..WriteBatch::default()
            };
            for store in stores {
                store.commit(&batch).expect("commit");
            }
        }
    }

    fn filter_cases() -> Vec<SessionFilters> {
        let none = SessionFilters::default();
        vec![
            none.clone(),
            SessionFilters {
                device: Some("mobile".into()),
                ..none.clone()
            },
            SessionFilters {
                channel: Some("email".into()),
                ..none.clone()
            },
            SessionFilters {
                utm_source: Some("news".into()),
                ..none.clone()
            },
            SessionFilters {
                entry_page: Some("/".into()),
                min_pages: Some(3),
                ..none.clone()
            },
            SessionFilters {
                converted: Some(true),
                ..none.clone()
            },
            SessionFilters {
                page: Some("/cart".into()),
                ..none.clone()
            },
            SessionFilters {
                visitor_type: Some(VisitorType::Returning),
                ..none
            },
        ]
    }

    fn path_cases() -> Vec<PathQuery> {
        let anchors: [(Option<&str>, Option<&str>); 6] = [
            (None, None),
            (Some("/cart"), None),
            (Some("/product/:id"), None),
            (None, Some("/checkout")),
            (Some("/"), Some("/checkout")),
            (Some("/product/:id"), Some("/cart")),
        ];
        let mut cases = Vec::new();
        for (start, end) in anchors {
            for steps in [1, 3, 10] {
                for nodes in [PathNodes::Pages, PathNodes::All] {
                    for repeats in [false, true] {
                        cases.push(PathQuery {
                            from: T0,
                            to: T0 + DAYS * DAY,
                            filters: SessionFilters::default(),
                            start: start.map(str::to_string),
                            end: end.map(str::to_string),
                            steps,
                            nodes,
                            repeats,
                        });
                    }
                }
            }
        }
        for (start, end) in [
            (None, None),
            (Some("signup"), None),
            (None, Some("purchase")),
        ] {
            cases.push(PathQuery {
                nodes: PathNodes::Events,
                start: start.map(str::to_string),
                end: end.map(str::to_string),
                ..cases[0].clone()
            });
        }
        for filters in filter_cases() {
            cases.push(PathQuery {
                from: T0 + 3 * DAY,
                to: T0 + 12 * DAY,
                filters,
                steps: 4,
                ..cases[0].clone()
            });
        }
        cases
    }

    fn compare_paths(clickhouse: &dyn EventStore, duckdb: &dyn EventStore) {
        for q in path_cases() {
            let expected = duckdb.paths(SITE, &q).expect("duckdb paths");
            assert_eq!(
                clickhouse.paths(SITE, &q).expect("paths"),
                expected,
                "{q:?}"
            );
            assert!(
                expected.sessions > 0 || q.filters != SessionFilters::default(),
                "{q:?}"
            );
            // The first nodes of the first two steps, alone, with their exits and with their first links (of the
            // paths of three steps, which have all kinds of nodes: more would only take longer).
            if q.steps != 3 {
                continue;
            }
            let mut selections = Vec::new();
            for step in 0..=1 {
                for node in expected
                    .nodes
                    .iter()
                    .filter(|n| n.step == step && n.name != OTHER_NODE)
                    .take(SELECTED_NODES)
                {
                    let at = |next: Option<&str>| PathSelection {
                        step,
                        node: node.name.clone(),
                        next: next.map(str::to_string),
                    };
                    selections.extend([at(None), at(Some(EXIT_NODE))]);
                    for link in expected
                        .links
                        .iter()
                        .filter(|l| l.source == node.id)
                        .take(SELECTED_NODES)
                    {
                        if let Some((_, target)) = link.target.split_once(':')
                            && target != OTHER_NODE
                        {
                            selections.push(at(Some(target)));
                        }
                    }
                }
            }
            for at in selections {
                assert_eq!(
                    clickhouse
                        .path_sessions(SITE, &q, &at, 7)
                        .expect("path sessions"),
                    duckdb
                        .path_sessions(SITE, &q, &at, 7)
                        .expect("duckdb path sessions"),
                    "{q:?} at {at:?}"
                );
            }
        }
    }

    fn units(store: &dyn EventStore, q: &FunnelQuery) -> Vec<FunnelUnit> {
        let mut units = Vec::new();
        store
            .funnel_units(SITE, q, &mut |unit| units.push(unit.clone()))
            .expect("funnel");
        units.sort_by(|a, b| {
            (&a.sessions, &a.ts, &a.masks, &a.breakdown).cmp(&(
                &b.sessions,
                &b.ts,
                &b.masks,
                &b.breakdown,
            ))
        });
        units
    }

    fn funnel_cases() -> Vec<FunnelQuery> {
        use FunnelMatch::{Click, Event, Page};
        let step = |matches: FunnelMatch| FunnelStepQuery {
            matches,
            on_page: None,
        };
        let funnels = vec![
            vec![
                step(Page("/".into())),
                step(Page("/cart".into())),
                step(Event("purchase".into())),
            ],
            vec![
                step(Page("/product/:id".into())),
                FunnelStepQuery {
                    matches: Click("#add".into()),
                    on_page: Some("/product/:id".into()),
                },
                step(Page("/checkout".into())),
            ],
            vec![
                step(Event("signup".into())),
                step(Click("#buy".into())),
                step(Event("purchase".into())),
            ],
        ];
        let breakdowns = [
            None,
            Some(FunnelBreakdown::Device),
            Some(FunnelBreakdown::Channel),
            Some(FunnelBreakdown::UtmSource),
            Some(FunnelBreakdown::EntryPage),
            Some(FunnelBreakdown::Visitor),
        ];
        let mut cases = Vec::new();
        for steps in funnels {
            for window_ms in [10 * MINUTE, DAY, 7 * DAY] {
                for by_visitor in [false, true] {
                    for breakdown in breakdowns {
                        cases.push(FunnelQuery {
                            from: T0 + 2 * DAY,
                            to: T0 + 15 * DAY,
                            filters: SessionFilters::default(),
                            steps: steps.clone(),
                            window_ms,
                            by_visitor,
                            breakdown,
                            with_sessions: true,
                        });
                    }
                }
            }
        }
        let first = cases[0].clone();
        for breakdown in [
            FunnelBreakdown::Browser,
            FunnelBreakdown::Os,
            FunnelBreakdown::UtmMedium,
            FunnelBreakdown::UtmCampaign,
        ] {
            cases.push(FunnelQuery {
                breakdown: Some(breakdown),
                ..first.clone()
            });
        }
        for by_visitor in [false, true] {
            cases.push(FunnelQuery {
                with_sessions: false,
                by_visitor,
                ..first.clone()
            });
        }
        for filters in filter_cases() {
            for by_visitor in [false, true] {
                cases.push(FunnelQuery {
                    filters: filters.clone(),
                    by_visitor,
                    ..first.clone()
                });
            }
        }
        cases
    }

    fn compare_funnels(clickhouse: &dyn EventStore, duckdb: &dyn EventStore) {
        for q in funnel_cases() {
            let expected = units(duckdb, &q);
            assert_eq!(units(clickhouse, &q), expected, "{q:?}");
        }
    }

    fn compare_retention(clickhouse: &dyn EventStore, duckdb: &dyn EventStore) {
        let mut cases = Vec::new();
        for (period, periods) in [(RetentionPeriod::Day, 7), (RetentionPeriod::Week, 3)] {
            for cohort_event in [None, Some("purchase"), Some("signup")] {
                for return_event in [None, Some("purchase")] {
                    cases.push(RetentionQuery {
                        from: T0 + DAY,
                        to: T0 + 12 * DAY,
                        filters: SessionFilters::default(),
                        period,
                        periods,
                        cohort_event: cohort_event.map(str::to_string),
                        return_event: return_event.map(str::to_string),
                    });
                }
            }
        }
        for filters in filter_cases() {
            cases.push(RetentionQuery {
                filters,
                ..cases[0].clone()
            });
        }
        for q in cases {
            for until in [T0 + 6 * DAY + 1, T0 + DAYS * DAY] {
                let expected = duckdb.retention(SITE, &q, until).expect("duckdb retention");
                // (no first visit is a returning one: that filter leaves no cohort)
                assert!(
                    !expected.cohorts.is_empty() || q.filters.visitor_type.is_some(),
                    "{q:?}"
                );
                assert_eq!(
                    clickhouse.retention(SITE, &q, until).expect("retention"),
                    expected,
                    "{q:?} until {until}"
                );
            }
        }
    }

    #[test]
    fn clickhouse_journeys_funnels_and_retention_equal_duckdbs_on_generated_sessions() {
        let server = ClickHouseServer::start();
        let clickhouse = ClickHouseEventStore::open(&ClickHouseOptions {
            url: server.url.clone(),
            database: "generated".into(),
            ..ClickHouseOptions::default()
        })
        .expect("open");
        let dir = tempfile::tempdir().expect("tempdir");
        let duckdb = DuckDbEventStore::open(&dir.path().join("events.duckdb")).expect("open");
        let mut rng = StdRng::seed_from_u64(7);
        let sessions = sessions(&mut rng);
        commit(&[&clickhouse, &duckdb], &sessions, &mut rng);
        compare_paths(&clickhouse, &duckdb);
        compare_funnels(&clickhouse, &duckdb);
        compare_retention(&clickhouse, &duckdb);
    }
}
