//! The generator against the wire contract, the planted rates and its own ground truth.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use sightline_ingest::enrich::{DeviceClass, Utm, classify_channel, parse_user_agent};
use sightline_model::validate::validate_batch;
use sightline_model::wire::{Batch, Click, Event, EventData, InputAction, Zone};

use super::personas::{self, PROFILES, Timeline};
use super::*;

const NOW: i64 = 1_764_380_000_000;
const BASE: &str = "http://127.0.0.1:8420";
const SITE: &str = "demo_site_key";
const DAY_MS: i64 = 86_400_000;

fn opts(sessions: u64) -> SimOptions {
    SimOptions {
        sessions,
        days: 7,
        seed: 42,
        concurrency: 1,
    }
}

/// 3,000 sessions of seed 42, generated once for all the statistical tests.
fn sample() -> &'static [(SessionTruth, Vec<Batch>)] {
    static SAMPLE: OnceLock<Vec<(SessionTruth, Vec<Batch>)>> = OnceLock::new();
    SAMPLE.get_or_init(|| generate_all(SITE, BASE, &opts(3_000), NOW))
}

fn events(batches: &[Batch]) -> impl Iterator<Item = &Event> {
    batches.iter().flat_map(|b| b.events.iter())
}

fn path(url: &str) -> String {
    let u = url::Url::parse(url).expect("pageview urls parse");
    u.path().to_string()
}

/// The events of one pageview, with its page path and layout zones.
struct PageView<'a> {
    path: String,
    url: String,
    dh: f64,
    vh: f64,
    events: Vec<&'a Event>,
}

impl PageView<'_> {
    fn clicks(&self) -> impl Iterator<Item = (i64, &Click)> {
        self.events.iter().filter_map(|e| match &e.data {
            EventData::Click(c) => Some((e.t, c)),
            _ => None,
        })
    }
    fn zone(&self, sel: &str) -> Option<&Zone> {
        self.events.iter().find_map(|e| match &e.data {
            EventData::Layout(l) => l.zones.iter().find(|z| z.sel == sel),
            _ => None,
        })
    }
    fn has_click_on(&self, sel: &str) -> bool {
        self.clicks().any(|(_, c)| c.sel == sel)
    }
    fn max_scroll_px(&self) -> Option<f64> {
        self.events.iter().find_map(|e| match &e.data {
            EventData::Pageleave(p) => p.max_scroll_px,
            _ => None,
        })
    }
}

/// Pageviews in order (events attributed by `pv`; vitals belong to the page load's first one).
fn pageviews(batches: &[Batch]) -> Vec<PageView<'_>> {
    let mut out: Vec<PageView> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for e in events(batches) {
        if let EventData::Pageview(p) = &e.data {
            index.insert(&e.pv, out.len());
            out.push(PageView {
                path: path(&p.url),
                url: p.url.clone(),
                dh: p.dh.unwrap_or(0.0),
                vh: p.vh.unwrap_or(0.0),
                events: vec![],
            });
        }
        let i = *index
            .get(e.pv.as_str())
            .expect("every event belongs to an earlier pageview");
        out[i].events.push(e);
    }
    out
}

const ADD: &str = "[data-sl-zone=\"add-to-cart\"]";
const IMAGE: &str = "[data-sl-zone=\"product-image\"]";
const COUPON: &str = "[data-sl-zone=\"apply-coupon\"]";
const CTA: &str = "[data-sl-zone=\"primary-cta\"]";

/// Rage clusters as DESIGN.md defines them: ≥ 3 clicks within 1 s, ≤ 30 px apart, none of
/// which visibly worked. Returns the selectors of the clusters.
fn rage_clusters(clicks: &[(i64, &Click)]) -> Vec<String> {
    let mut found = Vec::new();
    for w in clicks.windows(3) {
        let ok = w[2].0 - w[0].0 <= 1_000
            && w.iter().all(|(_, c)| c.changed != Some(true))
            && w.iter().all(|(_, a)| {
                w.iter()
                    .all(|(_, b)| ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt() <= 30.0)
            });
        if ok {
            found.push(w[0].1.sel.clone());
        }
    }
    found
}

/// Stepper-like clusters: ≥ 3 clicks within 1 s, ≤ 30 px apart, each of which changed something.
fn working_clusters(clicks: &[(i64, &Click)]) -> usize {
    clicks
        .windows(3)
        .filter(|w| {
            w[2].0 - w[0].0 <= 1_000
                && w.iter().all(|(_, c)| c.changed == Some(true))
                && w.iter().all(|(_, a)| {
                    w.iter()
                        .all(|(_, b)| ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt() <= 30.0)
                })
        })
        .count()
}

/// Recomputes a session's planted behaviours from its events alone.
fn detect(batches: &[Batch]) -> Vec<String> {
    let views = pageviews(batches);
    let all: Vec<&Event> = events(batches).collect();
    let clicks: Vec<(i64, &Click)> = all
        .iter()
        .filter_map(|e| match &e.data {
            EventData::Click(c) => Some((e.t, c)),
            _ => None,
        })
        .collect();
    let mut found = HashSet::new();
    if clicks.iter().any(|(_, c)| c.sel == IMAGE) {
        found.insert("dead_click");
    }
    if !rage_clusters(&clicks).is_empty() {
        found.insert("rage_click");
    }
    let error_click = clicks.iter().any(|(t, c)| {
        c.sel == COUPON
            && all.iter().any(|e| {
                matches!(&e.data, EventData::Error(err) if err.msg == COUPON_ERROR)
                    && e.t >= *t
                    && e.t - t <= 1_000
            })
    });
    if error_click {
        found.insert("error_click");
    }
    if all
        .iter()
        .any(|e| matches!(&e.data, EventData::Input(i) if i.action == InputAction::Abandon))
    {
        found.insert("form_abandonment");
    }
    if all
        .iter()
        .any(|e| matches!(&e.data, EventData::Hover(h) if h.sel == ADD && h.dwell_ms >= 2_000.0))
    {
        found.insert("hesitation");
    }
    let starts: Vec<(i64, &str)> = views
        .iter()
        .map(|v| (v.events[0].t, v.path.as_str()))
        .collect();
    if starts
        .windows(3)
        .any(|w| w[0].1 == w[2].1 && w[2].0 - w[1].0 <= 7_000)
    {
        found.insert("u_turn");
    }
    let saw = views
        .iter()
        .filter(|v| v.path == "/demo/pricing.html")
        .any(|v| {
            let z = v.zone(CTA).expect("pricing layouts carry the CTA");
            v.max_scroll_px()
                .expect("every pageview ends with a pageleave")
                >= z.y + z.h / 2.0
        });
    if saw {
        found.insert("saw_primary_cta");
    }
    let mut v: Vec<String> = found.into_iter().map(str::to_string).collect();
    v.sort();
    v
}

// ------------------------------------------------------------------------------------------

#[test]
fn generation_is_deterministic_for_a_seed() {
    let a = generate_all(SITE, BASE, &opts(300), NOW);
    let b = generate_all(SITE, BASE, &opts(300), NOW);
    assert_eq!(a, b);
    let mut other = opts(300);
    other.seed = 43;
    let c = generate_all(SITE, BASE, &other, NOW);
    assert_ne!(a[5].0, c[5].0);
    // generate_session with session_rng is what the sender uses
    let mut rng = session_rng(42, 17);
    let single = generate_session(&mut rng, 17, SITE, BASE, &opts(300), NOW);
    assert_eq!(single, a[17]);
}

#[test]
fn every_batch_is_valid_wire_format() {
    for (truth, batches) in sample() {
        assert!(!batches.is_empty());
        let mut last_t = i64::MIN;
        for (seq, b) in batches.iter().enumerate() {
            assert_eq!(validate_batch(b, NOW), Ok(()), "session {}", truth.sid);
            assert!(b.events.len() <= 50 && !b.events.is_empty());
            assert_eq!(b.seq, seq as u64);
            assert_eq!(b.v, 1);
            assert_eq!(b.site, SITE);
            assert_eq!(b.sid, truth.sid);
            assert_eq!(b.vid.as_deref(), Some(truth.vid.as_str()));
            assert_eq!(b.sent_at, NOW);
            for e in &b.events {
                assert!(e.t >= last_t, "event times never decrease within a session");
                assert!(e.t < NOW && e.t > NOW - 7 * DAY_MS);
                last_t = e.t;
            }
        }
        assert!(truth.sid.len() >= 16 && truth.vid.len() >= 16);
        assert_eq!(truth.started_at, batches[0].events[0].t);
        assert_eq!(truth.ended_at, last_t);
        let first = &batches[0].events[0];
        assert!(
            matches!(first.data, EventData::Pageview(_)),
            "a session starts with a pageview"
        );
    }
}

#[test]
fn every_batch_names_the_page_of_each_pageview_it_refers_to() {
    for (truth, batches) in sample() {
        let urls: HashMap<&str, &str> = events(batches)
            .filter_map(|e| match &e.data {
                EventData::Pageview(p) => Some((e.pv.as_str(), p.url.as_str())),
                _ => None,
            })
            .collect();
        for b in batches {
            let pages = b.pages.as_ref().expect("the simulator sends pages");
            let referred: std::collections::BTreeSet<&str> =
                b.events.iter().map(|e| e.pv.as_str()).collect();
            let named: std::collections::BTreeSet<&str> =
                pages.keys().map(String::as_str).collect();
            assert_eq!(named, referred, "session {} batch {}", truth.sid, b.seq);
            for (pv, url) in pages {
                assert_eq!(
                    Some(&url.as_str()),
                    urls.get(pv.as_str()),
                    "session {}",
                    truth.sid
                );
            }
        }
    }
}

#[test]
fn truth_matches_the_events() {
    let mut seen: HashMap<&str, i64> = HashMap::new();
    for (truth, batches) in sample() {
        assert_eq!(
            detect(batches),
            truth.planted,
            "session {} ({:?})",
            truth.sid,
            truth.pages
        );
        let views = pageviews(batches);
        assert_eq!(
            views.iter().map(|v| v.path.clone()).collect::<Vec<_>>(),
            truth.pages
        );
        let purchases: Vec<f64> = events(batches)
            .filter_map(|e| match &e.data {
                EventData::Custom(c) if c.name == "purchase" => {
                    assert_eq!(c.currency.as_deref(), Some("EUR"));
                    c.revenue
                }
                _ => None,
            })
            .collect();
        assert_eq!(truth.converted, !purchases.is_empty());
        assert!((purchases.iter().sum::<f64>() - truth.revenue).abs() < 0.005);
        for r in &purchases {
            assert!(
                *r >= 29.0 + 4.9 - 1e-9,
                "a purchase is at least the cheapest product plus shipping"
            );
            let cents = (r * 100.0).round();
            assert!((r * 100.0 - cents).abs() < 1e-6);
        }
        // channel, as the server classifies the first pageview
        let EventData::Pageview(p) = &batches[0].events[0].data else {
            unreachable!()
        };
        let landing = url::Url::parse(&p.url).unwrap();
        let utm = Utm::from_url(&landing);
        let referrer = p.referrer.as_deref().filter(|r| !r.is_empty());
        assert_eq!(
            classify_channel(&landing, referrer, &utm).as_str(),
            truth.channel,
            "{} ref {referrer:?}",
            p.url
        );
        assert_eq!(utm.source, truth.utm_source);
        // internal navigation carries the previous page as referrer
        for w in views.windows(2) {
            let EventData::Pageview(next) = &w[1].events[0].data else {
                unreachable!()
            };
            let r = next.referrer.as_deref().unwrap_or("");
            assert!(r.starts_with(BASE), "internal referrer {r}");
        }
        // returning visitors reuse the vid of a session that was over before
        match seen.get(truth.vid.as_str()) {
            Some(&ended) => {
                assert!(truth.returning, "a known vid is a returning visitor");
                assert!(ended < truth.started_at);
            }
            None => assert!(
                !truth.returning,
                "a returning visitor's vid was seen before"
            ),
        }
        seen.insert(&truth.vid, truth.ended_at);
    }
}

#[test]
fn planted_rates_and_conversion_are_within_tolerance() {
    let s = sample();
    let n = s.len() as f64;
    let mut product = (0.0, 0.0, 0.0, 0.0); // views, dead, rage, stepper
    let (mut desktop_product, mut hesitation) = (0.0, 0.0);
    let (mut cart, mut error) = (0.0, 0.0);
    let (mut pricing, mut saw) = (0.0, 0.0);
    let (mut checkout, mut abandon, mut bought) = (0.0, 0.0, 0.0);
    for (truth, batches) in s {
        let views = pageviews(batches);
        // u-turn glances (a pageview left for the previous page within 7 s) do nothing
        let glance = |i: usize| {
            i > 0
                && i + 1 < views.len()
                && views[i - 1].path == views[i + 1].path
                && views[i + 1].events[0].t - views[i].events[0].t <= 7_000
        };
        for (i, v) in views.iter().enumerate() {
            if glance(i) {
                continue;
            }
            let clicks: Vec<(i64, &Click)> = v.clicks().collect();
            match v.path.as_str() {
                "/demo/product.html" => {
                    product.0 += 1.0;
                    product.1 += f64::from(u8::from(v.has_click_on(IMAGE)));
                    product.2 += f64::from(u8::from(!rage_clusters(&clicks).is_empty()));
                    product.3 += f64::from(u8::from(working_clusters(&clicks) > 0));
                    if truth.device == "desktop" {
                        desktop_product += 1.0;
                        let h = v.events.iter().any(|e| matches!(&e.data, EventData::Hover(h) if h.sel == ADD && h.dwell_ms >= 2_000.0));
                        hesitation += f64::from(u8::from(h));
                    }
                }
                "/demo/cart.html" => {
                    cart += 1.0;
                    error += f64::from(u8::from(v.has_click_on(COUPON)));
                }
                "/demo/pricing.html" => {
                    pricing += 1.0;
                    let z = v.zone(CTA).unwrap();
                    saw += f64::from(u8::from(v.max_scroll_px().unwrap() >= z.y + z.h / 2.0));
                }
                "/demo/checkout.html" => {
                    checkout += 1.0;
                    let ab = v.events.iter().any(|e| matches!(&e.data, EventData::Input(i) if i.action == InputAction::Abandon && i.sel == "#security-code"));
                    abandon += f64::from(u8::from(ab));
                    let p = v
                        .events
                        .iter()
                        .any(|e| matches!(&e.data, EventData::Custom(c) if c.name == "purchase"));
                    bought += f64::from(u8::from(p));
                }
                _ => {}
            }
        }
    }
    eprintln!(
        "product views {} cart {cart} pricing {pricing} checkout {checkout}; sessions {n}\n{}",
        product.0,
        GroundTruth {
            sessions: s.iter().map(|(t, _)| t.clone()).collect()
        }
        .summary()
    );
    let check = |name: &str, got: f64, want: f64, tol: f64| {
        eprintln!("{name}: {got:.3} (want {want})");
        assert!(
            (got - want).abs() <= tol,
            "{name}: {got:.3}, expected {want} ± {tol}"
        );
    };
    check(
        "dead clicks per product view",
        product.1 / product.0,
        DEAD_CLICK_RATE,
        0.035,
    );
    check(
        "rage clicks per product view",
        product.2 / product.0,
        RAGE_CLICK_RATE,
        0.03,
    );
    check(
        "fast stepper per product view",
        product.3 / product.0,
        STEPPER_FAST_RATE,
        0.035,
    );
    check(
        "hesitation per desktop product view",
        hesitation / desktop_product,
        HESITATION_RATE,
        0.05,
    );
    check(
        "error clicks per cart view",
        error / cart,
        ERROR_CLICK_RATE,
        0.06,
    );
    check(
        "CTA seen per pricing view",
        saw / pricing,
        PRIMARY_CTA_SEEN_RATE,
        0.05,
    );
    check(
        "abandonment per checkout view",
        abandon / checkout,
        FORM_ABANDON_RATE,
        0.1,
    );
    check(
        "purchases per checkout view",
        bought / checkout,
        PURCHASE_RATE,
        0.1,
    );

    let share =
        |f: &dyn Fn(&SessionTruth) -> bool| s.iter().filter(|(t, _)| f(t)).count() as f64 / n;
    let conversion = share(&|t| t.converted);
    assert!(
        (0.02..=0.04).contains(&conversion),
        "conversion {conversion:.4}"
    );
    check("bounces", share(&|t| t.pages.len() == 1), BOUNCE_RATE, 0.03);
    check("u-turns", share(&|t| t.has("u_turn")), U_TURN_RATE, 0.015);
    check("mobile", share(&|t| t.device == "mobile"), 0.55, 0.04);
    check("desktop", share(&|t| t.device == "desktop"), 0.35, 0.04);
    check("tablet", share(&|t| t.device == "tablet"), 0.10, 0.03);
    let returning = share(&|t| t.returning);
    check("returning", returning, RETURNING_RATE - 0.02, 0.04);
    for ch in [
        "direct",
        "organic_search",
        "paid_search",
        "organic_social",
        "paid_social",
        "email",
        "referral",
    ] {
        assert!(
            share(&|t| t.channel == ch) > 0.02,
            "channel {ch} is represented"
        );
    }
    // enough of each behaviour for the detectors to find
    for p in PLANTED {
        assert!(s.iter().filter(|(t, _)| t.has(p)).count() >= 20, "{p}");
    }
}

#[test]
fn clicks_and_scrolls_are_consistent_with_the_layout() {
    let (mut found, mut total) = (0, 0);
    for (_, batches) in sample().iter().take(1_500) {
        for v in pageviews(batches) {
            let mut max_depth: f64 = 0.0;
            for e in &v.events {
                match &e.data {
                    EventData::Click(c) => {
                        total += 1;
                        let (rx, ry) = (c.rx.unwrap(), c.ry.unwrap());
                        assert!((0.0..=1.0).contains(&rx) && (0.0..=1.0).contains(&ry));
                        assert!(c.pointer.is_some() && c.tag.is_some() && c.interactive.is_some());
                        if let Some(z) = v.zone(&c.sel) {
                            found += 1;
                            assert!(
                                c.x >= z.x - 1.0 && c.x <= z.x + z.w + 1.0,
                                "{} x {} in {z:?}",
                                c.sel,
                                c.x
                            );
                            assert!((z.x + rx * z.w - c.x).abs() <= 1.5, "{} rx", c.sel);
                            let sticky = ["logo", "nav-", "cart-link", "search"]
                                .iter()
                                .any(|k| c.sel.contains(k));
                            if !sticky {
                                assert!(
                                    c.y >= z.y - 1.0 && c.y <= z.y + z.h + 1.0,
                                    "{} y {} in {z:?}",
                                    c.sel,
                                    c.y
                                );
                                assert!((z.y + ry * z.h - c.y).abs() <= 1.5, "{} ry", c.sel);
                            }
                        }
                        if c.sel == IMAGE {
                            assert_eq!((c.interactive, c.changed), (Some(false), Some(false)));
                        }
                        if c.sel == ADD {
                            assert_eq!(c.changed, Some(false));
                        }
                    }
                    EventData::Scroll(sc) => {
                        assert!(sc.depth_px <= v.dh.max(v.vh) + 1.0 && sc.depth_pct <= 100.0);
                        max_depth = max_depth.max(sc.depth_px);
                    }
                    EventData::Pageleave(p) => {
                        assert!(p.max_scroll_px.unwrap() >= max_depth);
                        assert!(p.active_ms.unwrap() >= 0.0);
                    }
                    EventData::Layout(l) => {
                        let sels: HashSet<&str> = l.zones.iter().map(|z| z.sel.as_str()).collect();
                        assert_eq!(sels.len(), l.zones.len(), "one box per element");
                    }
                    _ => {}
                }
            }
            if v.path == "/demo/pricing.html" {
                let z = v.zone(CTA).unwrap();
                if v.url.starts_with(BASE) && v.vh < 900.0 && v.dh < 3_200.0 {
                    // desktop layout: ~2,700 px down a ~3,000 px page
                    assert!((2_400.0..3_000.0).contains(&z.y), "CTA at {}", z.y);
                    assert!(
                        (2_700.0..3_300.0).contains(&v.dh),
                        "pricing height {}",
                        v.dh
                    );
                }
            }
        }
    }
    assert!(
        found as f64 > 0.9 * total as f64,
        "{found} of {total} clicks hit a layout box"
    );
}

#[test]
fn inputs_never_carry_values_and_errors_look_real() {
    for (_, batches) in sample().iter().take(1_000) {
        for e in events(batches) {
            let json = serde_json::to_value(e).unwrap();
            match &e.data {
                EventData::Input(_) => {
                    let keys: HashSet<&str> = json
                        .as_object()
                        .unwrap()
                        .keys()
                        .map(String::as_str)
                        .collect();
                    let allowed: HashSet<&str> =
                        ["t", "pv", "type", "sel", "action", "field"].into();
                    assert!(keys.is_subset(&allowed), "{keys:?}");
                }
                EventData::Error(err) => {
                    assert_eq!(err.msg, COUPON_ERROR);
                    assert!(err.stack.as_deref().unwrap().contains("shop.js"));
                }
                EventData::Vital(v) => assert!(v.rating.is_some() && v.value >= 0.0),
                _ => {}
            }
        }
    }
}

#[test]
fn user_agents_are_browsers_of_their_device() {
    for p in PROFILES {
        let info = parse_user_agent(p.ua);
        assert!(!info.is_bot, "{}", p.ua);
        let want = match p.device {
            personas::Device::Desktop => DeviceClass::Desktop,
            personas::Device::Mobile => DeviceClass::Mobile,
            personas::Device::Tablet => DeviceClass::Tablet,
        };
        assert_eq!(info.device, want, "{}", p.ua);
        assert!(
            p.vw == p.sw && p.vh < p.sh,
            "viewport inside the screen: {}",
            p.ua
        );
    }
}

#[test]
fn sessions_start_over_the_window_more_by_day() {
    let tl = Timeline::new(NOW, 7);
    let starts: Vec<i64> = (0..3_000)
        .map(|i| personas::session_start(42, i, 3_000, &tl))
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] <= w[1]),
        "sessions are in time order by index"
    );
    assert!(starts[0] > NOW - 7 * DAY_MS && *starts.last().unwrap() < NOW - 3_000_000);
    let hour = |t: i64| ((t + 3_600_000).rem_euclid(DAY_MS) / 3_600_000) as usize;
    let night = starts.iter().filter(|&&t| hour(t) < 6).count() as f64 / 6.0;
    let day = starts
        .iter()
        .filter(|&&t| (12..22).contains(&hour(t)))
        .count() as f64
        / 10.0;
    assert!(day > 4.0 * night, "day {day} per hour vs night {night}");
    // a short window still works
    let short = generate_all(
        SITE,
        BASE,
        &SimOptions {
            sessions: 20,
            days: 1,
            seed: 7,
            concurrency: 1,
        },
        NOW,
    );
    for (_, batches) in &short {
        for b in batches {
            assert_eq!(validate_batch(b, NOW), Ok(()));
            assert!(b.events.iter().all(|e| e.t > NOW - DAY_MS));
        }
    }
}

#[test]
fn ground_truth_files_and_summary() {
    let truth = GroundTruth {
        sessions: sample().iter().take(200).map(|(t, _)| t.clone()).collect(),
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truth.jsonl");
    truth.write_jsonl(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 200);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for key in [
            "sid",
            "vid",
            "returning",
            "device",
            "channel",
            "utm_source",
            "pages",
            "converted",
            "revenue",
            "planted",
            "started_at",
            "ended_at",
        ] {
            assert!(v.get(key).is_some(), "{key}");
        }
    }
    let summary = truth.summary();
    assert!(
        summary.contains("200 sessions") && summary.contains("conversion"),
        "{summary}"
    );
    for p in PLANTED {
        assert!(summary.contains(p), "{summary}");
    }
    assert!(GroundTruth::default().summary().contains("0 sessions"));
}

#[test]
fn generating_two_thousand_sessions_is_fast() {
    let started = std::time::Instant::now();
    let all = generate_all(SITE, BASE, &opts(2_000), NOW);
    let took = started.elapsed();
    let events: usize = all
        .iter()
        .flat_map(|(_, b)| b.iter())
        .map(|b| b.events.len())
        .sum();
    // unoptimised test builds are several times slower than release
    let limit = if cfg!(debug_assertions) { 10.0 } else { 1.0 };
    eprintln!("{} sessions, {events} events in {took:?}", all.len());
    assert!(took.as_secs_f64() < limit, "{events} events took {took:?}");
}

/// Requests seen by the mock server: (sid, seq, user agent).
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, u64, String)>>>;

/// A minimal HTTP/1.1 server: answers each `POST` with `respond(n)` (status, body) for the
/// n-th request and records (sid, seq, user agent) of every request.
fn mock_server(
    respond: impl Fn(usize) -> (u16, &'static str) + Send + Sync + 'static,
) -> (String, Seen) {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::sync::Arc;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let respond = Arc::new(respond);
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (log, respond) = (log.clone(), respond.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut out = stream;
                loop {
                    let (mut len, mut ua) = (0usize, String::new());
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        let mut h = String::new();
                        reader.read_line(&mut h).unwrap();
                        if h.trim().is_empty() {
                            break;
                        }
                        let (name, value) = h.split_once(':').unwrap();
                        match name.to_ascii_lowercase().as_str() {
                            "content-length" => len = value.trim().parse().unwrap(),
                            "user-agent" => ua = value.trim().to_string(),
                            _ => {}
                        }
                    }
                    let mut body = vec![0; len];
                    reader.read_exact(&mut body).unwrap();
                    let batch: Batch = serde_json::from_slice(&body).unwrap();
                    let n = {
                        let mut log = log.lock().unwrap();
                        log.push((batch.sid.clone(), batch.seq, ua));
                        log.len() - 1
                    };
                    let (status, text) = respond(n);
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
                        text.len()
                    );
                    out.write_all(reply.as_bytes()).unwrap();
                }
            });
        }
    });
    (format!("http://{addr}"), seen)
}

#[test]
fn run_sends_every_batch_in_order_and_retries_429_with_the_same_seq() {
    let (base, seen) = mock_server(|n| {
        if n == 0 || n == 7 {
            (
                429,
                r#"{"error":{"code":"rate_limited","message":"slow down"}}"#,
            )
        } else {
            (202, r#"{"accepted":1,"duplicate":false}"#)
        }
    });
    let o = SimOptions {
        sessions: 12,
        days: 7,
        seed: 9,
        concurrency: 3,
    };
    let count = std::sync::atomic::AtomicU64::new(0);
    let truth = run(&base, SITE, &o, &|n| {
        count.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    })
    .unwrap();
    assert_eq!(count.into_inner(), 12);
    assert_eq!(truth.sessions.len(), 12);
    let seen = seen.lock().unwrap();
    for (i, t) in truth.sessions.iter().enumerate() {
        let seqs: Vec<u64> = seen.iter().filter(|s| s.0 == t.sid).map(|s| s.1).collect();
        let mut dedup = seqs.clone();
        dedup.dedup();
        assert_eq!(
            dedup,
            (0..dedup.len() as u64).collect::<Vec<_>>(),
            "session {i}: {seqs:?}"
        );
        let uas: HashSet<&str> = seen
            .iter()
            .filter(|s| s.0 == t.sid)
            .map(|s| s.2.as_str())
            .collect();
        assert_eq!(uas.len(), 1);
        let ua = uas.into_iter().next().unwrap();
        assert_eq!(parse_user_agent(ua).device.as_str(), t.device);
        // the same sessions as pure generation (session ids come first from the session's rng)
        let mut rng = session_rng(9, i as u64);
        let (expected, _) = generate_session(&mut rng, i as u64, SITE, &base, &o, NOW);
        assert_eq!(expected.sid, t.sid);
    }
    assert_eq!(
        seen.len(),
        seen.iter()
            .map(|s| (&s.0, s.1))
            .collect::<HashSet<_>>()
            .len()
            + 2,
        "two retries"
    );
}

#[test]
fn run_fails_with_the_servers_message() {
    let (base, _) = mock_server(|_| {
        (
            400,
            r#"{"error":{"code":"timestamp_out_of_range","message":"`t` is too old"}}"#,
        )
    });
    let o = SimOptions {
        sessions: 5,
        days: 7,
        seed: 1,
        concurrency: 2,
    };
    let err = run(&base, SITE, &o, &|_| {}).unwrap_err().to_string();
    assert!(
        err.contains("HTTP 400") && err.contains("timestamp_out_of_range: `t` is too old"),
        "{err}"
    );
}
