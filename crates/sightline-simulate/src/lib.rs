//! Traffic simulator for `sightline demo`: synthetic visitors of the demo shop (`demo/*.html`)
//! sent through the real ingest API (`POST /api/v1/batch`, wire format v1), with a ground truth
//! of what every session did and which planted UX problems it hit.
//!
//! The visitors use the demo pages' real selectors and plausible element boxes (see
//! [`layout`]), behave like people (personas in [`personas`], journeys in [`journey`]) and
//! produce what the real tracker would send: `pageview`, `layout`, `scroll`, sampled `move`
//! (mouse only), `hover` (mouse only, ≥ 500 ms), `click`, `input` (never a value), `error`,
//! `vital`, `custom` and `pageleave` events, in batches of at most 50 events.
//!
//! Everything is deterministic for a seed: session `i` draws its behaviour from
//! [`session_rng`]`(seed, i)`, and its start time and visitor (new, or returning with an earlier
//! session's `vid`) from hashes of `(seed, i)`, so generation does not depend on thread order.
//!
//! # Planted behaviours
//!
//! The rates below are what the detectors should find; the unit tests check them over a few
//! thousand sessions. "Per product view" means: of all pageviews of `product.html`, except
//! the few-second glances of u-turns (which do nothing but look and go back).
//! A session's [`SessionTruth::planted`] lists what it contains; it is derived from the events
//! themselves, so it always matches them.

mod journey;
mod layout;
mod personas;
mod send;
mod snapshots;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io::Write;

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;
use sightline_model::wire::Batch;

pub use send::run;

/// Why a simulation stopped.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    /// The server refused a batch for good (anything but 202, 429 and 503), or kept refusing it.
    #[error("{0}")]
    Refused(String),
    /// Another sending thread failed first, so this one stopped.
    #[error("stopped: another session failed")]
    Stopped,
    /// The recorded page snapshots shipped with the simulator could not be read.
    #[error("the recorded demo snapshots: {0}")]
    Snapshots(String),
}

// ------------------------------------------------------------------------------------------
// Rates (documented; the tests hold the generator to them)
// ------------------------------------------------------------------------------------------

/// Share of sessions that are a single pageview (bounces).
pub const BOUNCE_RATE: f64 = 0.40;
/// Share of sessions (drawn per session) that come back with an earlier visitor's `vid`.
/// The first sessions of the window have nobody to be, so the realised share is a bit lower.
pub const RETURNING_RATE: f64 = 0.30;
/// Device mix: mobile, desktop, tablet.
pub const DEVICE_SHARES: [(personas::Device, f64); 3] = [
    (personas::Device::Mobile, 0.55),
    (personas::Device::Desktop, 0.35),
    (personas::Device::Tablet, 0.10),
];
/// Dead clicks: per product view, 1–4 clicks on `[data-sl-zone="product-image"]`
/// (`interactive: false`, `changed: false`), at least 600 ms apart (never a rage cluster).
pub const DEAD_CLICK_RATE: f64 = 0.30;
/// Rage clicks: per product view, 3–6 clicks on `[data-sl-zone="add-to-cart"]` within 1 s,
/// ≤ 30 px apart, `changed: false` (the button reacts only after 2.5 s; each click adds once).
pub const RAGE_CLICK_RATE: f64 = 0.15;
/// Control case: per product view, 3–5 fast clicks on the quantity stepper's "+" within 1 s,
/// each `changed: true` (the number changes): not rage clicks.
pub const STEPPER_FAST_RATE: f64 = 0.20;
/// Error clicks: per cart view, the visitor types a coupon and clicks
/// `[data-sl-zone="apply-coupon"]` 1–3 times; each click is followed within 1 s by
/// [`COUPON_ERROR`]. (Typing the coupon also leaves an `abandon` on `#coupon-code`, as the real
/// tracker reports for any used field outside a submitted form.)
pub const ERROR_CLICK_RATE: f64 = 0.20;
/// Low exposure: per pricing view, the share that scrolls far enough to see
/// `[data-sl-zone="primary-cta"]` (viewport bottom past the middle of the button).
pub const PRIMARY_CTA_SEEN_RATE: f64 = 0.12;
/// Of the pricing views that see the CTA, the share that clicks it (`trial_started`).
pub const PRIMARY_CTA_CLICK_RATE: f64 = 0.35;
/// Form abandonment: per checkout view, fields filled, a 3-digit "security code", a blocked
/// "Place order", then leaving: `input` `abandon` on `#security-code`.
pub const FORM_ABANDON_RATE: f64 = 0.40;
/// Per checkout view: the order is placed (`purchase` with revenue in EUR).
pub const PURCHASE_RATE: f64 = 0.50;
/// Hesitation: per product view on a mouse device (hovers need a mouse), a 2–7 s hover on
/// `[data-sl-zone="add-to-cart"]`, then a click or not.
pub const HESITATION_RATE: f64 = 0.25;
/// U-turn: share of sessions that open a page and go back to the previous one within 7 s
/// (every other page lasts at least [`MIN_PAGE_MS`]).
pub const U_TURN_RATE: f64 = 0.05;
/// Shortest stay on a page the visitor navigates on from (keeps u-turns unambiguous).
pub const MIN_PAGE_MS: i64 = 8_000;
/// What `apply-coupon` throws on every click (demo/shop.js).
pub const COUPON_ERROR: &str = "TypeError: Cannot read properties of undefined (reading 'percent')";

/// The planted behaviours a session can carry, as named in [`SessionTruth::planted`].
pub const PLANTED: [&str; 7] = [
    "dead_click",
    "rage_click",
    "error_click",
    "form_abandonment",
    "saw_primary_cta",
    "hesitation",
    "u_turn",
];

// ------------------------------------------------------------------------------------------
// Public interface
// ------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Sessions to generate.
    pub sessions: u64,
    /// Session starts are spread over this many days before now (more on weekdays and in the
    /// daytime). The server must accept events up to `days` days old (plus an hour).
    pub days: u32,
    pub seed: u64,
    /// Sending threads, each with its own HTTP agent.
    pub concurrency: usize,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            sessions: 2000,
            days: 7,
            seed: 42,
            concurrency: 4,
        }
    }
}

/// What one simulated session did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionTruth {
    pub sid: String,
    pub vid: String,
    pub returning: bool,
    /// desktop | mobile | tablet
    pub device: String,
    /// The channel the server should classify the session as: direct | organic_search |
    /// paid_search | organic_social | paid_social | email | referral.
    pub channel: String,
    pub utm_source: Option<String>,
    /// Paths of every pageview in order (history navigation included), e.g. `/demo/product.html`.
    pub pages: Vec<String>,
    pub converted: bool,
    /// EUR, shipping included.
    pub revenue: f64,
    /// Subset of [`PLANTED`].
    pub planted: Vec<String>,
    /// First and last event time, ms since the epoch.
    pub started_at: i64,
    pub ended_at: i64,
}

impl SessionTruth {
    pub fn has(&self, planted: &str) -> bool {
        self.planted.iter().any(|p| p == planted)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroundTruth {
    pub sessions: Vec<SessionTruth>,
}

impl GroundTruth {
    /// One JSON object per line, one line per session.
    pub fn write_jsonl(&self, path: &std::path::Path) -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        for s in &self.sessions {
            serde_json::to_writer(&mut out, s)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// A few human lines: sessions, conversion, revenue and how often each behaviour was planted.
    pub fn summary(&self) -> String {
        let n = self.sessions.len();
        let pct = |k: usize| {
            if n == 0 {
                0.0
            } else {
                k as f64 * 100.0 / n as f64
            }
        };
        let count =
            |f: &dyn Fn(&SessionTruth) -> bool| self.sessions.iter().filter(|s| f(s)).count();
        let visitors = self
            .sessions
            .iter()
            .map(|s| s.vid.as_str())
            .collect::<std::collections::HashSet<_>>()
            .len();
        let returning = count(&|s| s.returning);
        let bounces = count(&|s| s.pages.len() == 1);
        let pageviews: usize = self.sessions.iter().map(|s| s.pages.len()).sum();
        let orders = count(&|s| s.converted);
        let revenue: f64 = self.sessions.iter().map(|s| s.revenue).sum();
        let mut devices: BTreeMap<&str, usize> = BTreeMap::new();
        let mut channels: BTreeMap<&str, usize> = BTreeMap::new();
        for s in &self.sessions {
            *devices.entry(&s.device).or_default() += 1;
            *channels.entry(&s.channel).or_default() += 1;
        }
        let shares = |m: &BTreeMap<&str, usize>| {
            let mut v: Vec<_> = m.iter().collect();
            v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            v.iter()
                .map(|(k, c)| format!("{k} {:.0}%", pct(**c)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let planted = PLANTED
            .iter()
            .map(|p| format!("{p} {}", count(&|s| s.has(p))))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "{n} sessions from {visitors} visitors ({returning} returning), {pageviews} pageviews, {:.1}% bounced\n\
             conversion {:.2}% ({orders} orders), revenue €{revenue:.2}\n\
             devices: {}\n\
             channels: {}\n\
             sessions with planted behaviour: {planted}",
            pct(bounces),
            pct(orders),
            shares(&devices),
            shares(&channels),
        )
    }
}

/// The random number generator of session `index` (what [`run`] passes to [`generate_session`]).
pub fn session_rng(seed: u64, index: u64) -> StdRng {
    StdRng::seed_from_u64(personas::hash3(seed, index, personas::SALT_SESSION))
}

/// Pure generation (no I/O) of one session's batches: `(truth, batches)`. Batches carry
/// `sent_at = now_ms`; every event time is before `now_ms` and within `opts.days` days of it.
/// (The sender uses the same generator; this entry point is for tests.)
#[cfg_attr(not(test), allow(dead_code))]
pub fn generate_session(
    rng: &mut impl rand::Rng,
    index: u64,
    site_key: &str,
    base_page_url: &str,
    opts: &SimOptions,
    now_ms: i64,
) -> (SessionTruth, Vec<Batch>) {
    let timeline = personas::Timeline::new(now_ms, opts.days);
    journey::generate(rng, index, site_key, base_page_url, opts, now_ms, &timeline)
}

/// All sessions of a run, generated in order (tests and benchmarks).
#[cfg(test)]
pub(crate) fn generate_all(
    site_key: &str,
    base_page_url: &str,
    opts: &SimOptions,
    now_ms: i64,
) -> Vec<(SessionTruth, Vec<Batch>)> {
    let timeline = personas::Timeline::new(now_ms, opts.days);
    (0..opts.sessions)
        .map(|i| {
            let mut rng = session_rng(opts.seed, i);
            journey::generate(
                &mut rng,
                i,
                site_key,
                base_page_url,
                opts,
                now_ms,
                &timeline,
            )
        })
        .collect()
}
