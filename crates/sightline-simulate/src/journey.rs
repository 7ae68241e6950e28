//! One session: a visitor's way through the demo shop, page by page, as the events the tracker
//! would send, cut into batches the way the tracker flushes them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rand::Rng;
use serde_json::{Map, Value, json};
use sightline_model::wire::{
    Batch, Click, Custom, Event, EventData, Hover, Input, InputAction, JsError, Layout as LayoutEv,
    Move, Pageleave, Pageview, Pointer, Scroll, Vital, VitalName, VitalRating, WIRE_VERSION, Zone,
};

use super::layout::{
    self, CATEGORIES, CHECKOUT_FIELDS, El, FEATURED, FREE_SHIPPING_FROM, Layout, PRODUCTS, Page,
    PageState, RELATED, SHIPPING,
};
use super::personas::{self, Arrival, Channel, Persona, Timeline};
use super::*;

/// Most events in one batch (the tracker's default batch size).
pub const BATCH_EVENTS: usize = 50;
/// The tracker flushes its queue this often (ms).
const FLUSH_INTERVAL_MS: i64 = 5_000;
/// Page loads in one session at most.
const MAX_STEPS: usize = 14;
/// A click's effect window and the tracker's hover threshold.
const HOVER_MIN_MS: i64 = 500;
/// Activity window of the tracker's `active_ms`.
const ACTIVE_WINDOW_MS: i64 = 10_000;

struct Ev {
    event: Event,
    /// Last event before the document unloads: the tracker flushes (beacon) after it.
    flush: bool,
}

/// One pageview.
struct View {
    pv: String,
    page: Page,
    url: String,
    lay: Layout,
    t0: i64,
    scroll: f64,
    max_px: f64,
    dir: i8,
    activity: Vec<i64>,
    /// The form field last typed into and not submitted: `abandon` on leave.
    used: Option<(String, &'static str)>,
    /// Highest viewport bottom the visitor may reach (pricing visitors who never see the CTA).
    limit: Option<f64>,
}

/// One page load (a document): history navigation keeps it.
struct Doc {
    first_pv: String,
    inputs: u32,
    lcp_sent: bool,
    lcp: f64,
}

struct HoverState {
    pv: String,
    sel: String,
    start: i64,
    clicked: bool,
}

struct Focus {
    pv: String,
    sel: String,
    field: &'static str,
    changed: bool,
}

#[derive(Clone, Copy)]
struct Mode {
    must_continue: bool,
    must_exit: bool,
}

enum Next {
    Exit,
    /// The navigating click (if any) happened at `Sim::t`.
    Go(Page),
}

struct Sim<'a, R: Rng> {
    rng: &'a mut R,
    base: &'a str,
    persona: &'a Persona,
    returning: bool,
    t: i64,
    evs: Vec<Ev>,
    pages: Vec<String>,
    cart: Vec<(usize, u32)>,
    ordered: bool,
    revenue: f64,
    planted: BTreeSet<&'static str>,
    /// Mouse position in viewport px (desktop).
    mouse: (f64, f64),
    hover: Option<HoverState>,
    focus: Option<Focus>,
    /// The add-to-cart toast (with its "View cart" link) is shown until then.
    toast_until: i64,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn generate(
    rng: &mut impl Rng,
    index: u64,
    site_key: &str,
    base_page_url: &str,
    opts: &SimOptions,
    now_ms: i64,
    timeline: &Timeline,
) -> (SessionTruth, Vec<Batch>) {
    let n = opts.sessions.max(index + 1);
    let root = personas::visitor_root(opts.seed, index, n, timeline);
    let returning = root != index;
    let persona = personas::persona(opts.seed, root);
    let vid = personas::visitor_id(opts.seed, root);
    let start = personas::session_start(opts.seed, index, n, timeline);
    let sid = personas::rid(rng);
    let channel = personas::pick_channel(rng, returning);
    let arrival = personas::arrival(rng, channel);
    let mouse = (
        rng.random_range(0.2..0.8) * persona.profile.vw,
        rng.random_range(0.2..0.7) * persona.profile.vh,
    );
    let mut sim = Sim {
        rng,
        base: base_page_url.trim_end_matches('/'),
        persona: &persona,
        returning,
        t: start,
        evs: Vec::with_capacity(128),
        pages: Vec::new(),
        cart: Vec::new(),
        ordered: false,
        revenue: 0.0,
        planted: BTreeSet::new(),
        mouse,
        hover: None,
        focus: None,
        toast_until: 0,
    };
    sim.journey(channel, &arrival);

    let Sim {
        mut evs,
        pages,
        revenue,
        ordered,
        planted,
        ..
    } = sim;
    evs.sort_by_key(|e| e.event.t);
    let started_at = evs.first().map_or(start, |e| e.event.t);
    let ended_at = evs.last().map_or(start, |e| e.event.t);
    debug_assert!(ended_at < now_ms, "session {index} ends after now");

    // Every batch names the page of each pageview its events refer to, as the tracker does.
    let urls: HashMap<String, String> = evs
        .iter()
        .filter_map(|e| match &e.event.data {
            EventData::Pageview(p) => Some((e.event.pv.clone(), p.url.clone())),
            _ => None,
        })
        .collect();
    let mut batches: Vec<Batch> = Vec::new();
    let mut current: Vec<Event> = Vec::new();
    let mut first_t = 0;
    let flush_into = |batches: &mut Vec<Batch>, current: &mut Vec<Event>| {
        push_batch(batches, current, &urls, site_key, &sid, &vid, now_ms)
    };
    for Ev { event, flush } in evs {
        if !current.is_empty()
            && (current.len() >= BATCH_EVENTS || event.t - first_t >= FLUSH_INTERVAL_MS)
        {
            flush_into(&mut batches, &mut current);
        }
        if current.is_empty() {
            first_t = event.t;
        }
        current.push(event);
        if flush {
            flush_into(&mut batches, &mut current);
        }
    }
    flush_into(&mut batches, &mut current);

    let truth = SessionTruth {
        sid,
        vid,
        returning,
        device: persona.profile.device.as_str().to_string(),
        channel: channel.as_str().to_string(),
        utm_source: arrival.utm_source.clone(),
        pages,
        converted: ordered,
        revenue: (revenue * 100.0).round() / 100.0,
        planted: planted.into_iter().map(str::to_string).collect(),
        started_at,
        ended_at,
    };
    (truth, batches)
}

fn push_batch(
    batches: &mut Vec<Batch>,
    current: &mut Vec<Event>,
    urls: &HashMap<String, String>,
    site: &str,
    sid: &str,
    vid: &str,
    now_ms: i64,
) {
    if current.is_empty() {
        return;
    }
    let pages: BTreeMap<String, String> = current
        .iter()
        .filter_map(|e| Some((e.pv.clone(), urls.get(&e.pv)?.clone())))
        .collect();
    batches.push(Batch {
        v: WIRE_VERSION,
        site: site.to_string(),
        sid: sid.to_string(),
        vid: Some(vid.to_string()),
        seq: batches.len() as u64,
        sent_at: now_ms,
        pages: Some(pages),
        events: std::mem::take(current),
    });
}

fn rating(name: VitalName, v: f64) -> VitalRating {
    let (good, poor) = match name {
        VitalName::Lcp => (2500.0, 4000.0),
        VitalName::Fcp => (1800.0, 3000.0),
        VitalName::Inp => (200.0, 500.0),
        VitalName::Cls => (0.1, 0.25),
        VitalName::Ttfb => (800.0, 1800.0),
    };
    if v <= good {
        VitalRating::Good
    } else if v <= poor {
        VitalRating::NeedsImprovement
    } else {
        VitalRating::Poor
    }
}

fn props(v: Value) -> Option<Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

impl<R: Rng> Sim<'_, R> {
    // ---- randomness ---------------------------------------------------------------------

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..hi)
        }
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..hi)
        }
    }
    /// Standard normal (Box–Muller).
    fn gauss(&mut self) -> f64 {
        let u1: f64 = self.rng.random_range(f64::EPSILON..1.0);
        let u2: f64 = self.rng.random();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    /// A reading or thinking time, scaled by the persona's pace.
    fn paced(&mut self, lo: i64, hi: i64) -> i64 {
        (self.range(lo, hi) as f64 * self.persona.pace) as i64
    }
    fn pick<T: Copy>(&mut self, options: &[(T, f64)]) -> T {
        personas::pick_weighted(self.rng, options, |o| o.1).0
    }
    fn desktop(&self) -> bool {
        !self.persona.touch()
    }
    fn vw(&self) -> f64 {
        self.persona.profile.vw
    }
    fn vh(&self) -> f64 {
        self.persona.profile.vh
    }
    fn mobile_factor(&self) -> f64 {
        match self.persona.profile.device {
            personas::Device::Desktop => 1.0,
            personas::Device::Tablet => 1.3,
            personas::Device::Mobile => 1.7,
        }
    }

    // ---- events -------------------------------------------------------------------------

    fn emit(&mut self, t: i64, pv: &str, data: EventData) {
        self.evs.push(Ev {
            event: Event {
                t,
                pv: pv.to_string(),
                data,
            },
            flush: false,
        });
    }

    fn input(&mut self, t: i64, pv: &str, sel: &str, action: InputAction, field: &str) {
        let data = EventData::Input(Input {
            sel: sel.to_string(),
            action,
            field: Some(field.to_string()),
        });
        self.emit(t, pv, data);
    }

    fn custom(&mut self, t: i64, pv: &str, name: &str, p: Value, revenue: Option<f64>) {
        let data = EventData::Custom(Custom {
            name: name.to_string(),
            props: props(p),
            revenue,
            currency: revenue.map(|_| "EUR".to_string()),
        });
        self.emit(t, pv, data);
    }

    fn vital(&mut self, t: i64, pv: &str, name: VitalName, value: f64) {
        let value = if name == VitalName::Cls {
            (value * 1e4).round() / 1e4
        } else {
            value.round()
        };
        let data = EventData::Vital(Vital {
            name,
            value,
            rating: Some(rating(name, value)),
        });
        self.emit(t, pv, data);
    }

    // ---- journey ------------------------------------------------------------------------

    fn journey(&mut self, channel: Channel, arrival: &Arrival) {
        let mut page = self.landing(channel);
        let mut url = page.url(self.base);
        if !arrival.params.is_empty() {
            let q: Vec<String> = arrival
                .params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&q.join("&"));
        }
        let mut referrer = arrival.referrer.clone();
        let bounce = self.chance(BOUNCE_RATE);
        let mut u_turn = !bounce && self.chance(U_TURN_RATE / (1.0 - BOUNCE_RATE));
        for step in 0..MAX_STEPS {
            let (view, doc) = self.load(page.clone(), url.clone(), referrer.clone(), false);
            let mode = Mode {
                must_continue: step == 0 && !bounce,
                must_exit: bounce || step + 1 == MAX_STEPS,
            };
            let (view, doc, next) = self.visit(view, doc, mode);
            let (from_page, from_url) = (view.page.clone(), view.url.clone());
            match next {
                Next::Exit => {
                    self.t += self.paced(1_000, 6_000);
                    self.unload(view, doc);
                    return;
                }
                Next::Go(target) => {
                    self.t += self.range(80, 400);
                    self.unload(view, doc);
                    self.t += (self.range(150, 900) as f64 * self.mobile_factor()) as i64;
                    if u_turn {
                        u_turn = false;
                        self.u_turn(&target, &from_url);
                        referrer = target.url(self.base);
                        page = from_page;
                        url = from_url;
                        continue;
                    }
                    referrer = from_url;
                    url = target.url(self.base);
                    page = target;
                }
            }
        }
    }

    /// Opens `target`, glances at it for a few seconds and goes back (no click: the back button).
    fn u_turn(&mut self, target: &Page, from_url: &str) {
        let (mut view, doc) = self.load(
            target.clone(),
            target.url(self.base),
            from_url.to_string(),
            false,
        );
        self.t += self.range(1_500, 3_000);
        if self.chance(0.5) {
            let y = view.scroll + self.vh() * self.uniform(0.3, 0.8);
            self.scroll_to(&mut view, y);
        }
        self.t = self.t.max(view.t0 + 2_100).min(view.t0 + 5_200);
        self.unload(view, doc);
        self.t += (self.range(150, 700) as f64 * self.mobile_factor().min(1.5)) as i64;
        self.planted.insert("u_turn");
    }

    fn landing(&mut self, channel: Channel) -> Page {
        #[derive(Clone, Copy)]
        enum L {
            Home,
            Category,
            Product,
            Pricing,
        }
        let table: &[(L, f64)] = match channel {
            Channel::Direct => &[
                (L::Home, 0.62),
                (L::Category, 0.14),
                (L::Product, 0.16),
                (L::Pricing, 0.08),
            ],
            Channel::OrganicSearch => &[
                (L::Home, 0.25),
                (L::Category, 0.25),
                (L::Product, 0.42),
                (L::Pricing, 0.08),
            ],
            Channel::PaidSearch => &[(L::Product, 0.60), (L::Category, 0.32), (L::Pricing, 0.08)],
            Channel::OrganicSocial => &[(L::Product, 0.62), (L::Home, 0.28), (L::Category, 0.10)],
            Channel::PaidSocial => &[(L::Product, 0.72), (L::Category, 0.20), (L::Pricing, 0.08)],
            Channel::Email => &[
                (L::Home, 0.25),
                (L::Product, 0.45),
                (L::Category, 0.18),
                (L::Pricing, 0.12),
            ],
            Channel::Referral => &[(L::Product, 0.55), (L::Home, 0.30), (L::Pricing, 0.15)],
        };
        match self.pick(table) {
            L::Home => Page::Home,
            L::Category => {
                let cat = self.pick(&[
                    (None, 0.5),
                    (Some("shoes"), 0.25),
                    (Some("bags"), 0.15),
                    (Some("accessories"), 0.10),
                ]);
                Page::Category(cat)
            }
            L::Product => {
                Page::Product(self.popular_product(&(0..PRODUCTS.len()).collect::<Vec<_>>()))
            }
            L::Pricing => Page::Pricing,
        }
    }

    fn popular_product(&mut self, among: &[usize]) -> usize {
        let weighted: Vec<(usize, f64)> =
            among.iter().map(|&i| (i, PRODUCTS[i].popularity)).collect();
        self.pick(&weighted)
    }

    fn visit(&mut self, view: View, doc: Doc, mode: Mode) -> (View, Doc, Next) {
        match view.page.clone() {
            Page::Home => self.home(view, doc, mode),
            Page::Category(_) => self.category(view, doc, mode),
            Page::Product(i) => self.product(view, doc, mode, i),
            Page::Cart => self.cart_page(view, doc, mode),
            Page::Checkout => self.checkout(view, doc, mode),
            Page::Pricing => self.pricing(view, doc, mode),
        }
    }

    /// Picks the next step; `None` is leaving the site.
    fn next<T: Copy>(&mut self, mode: Mode, options: &[(Option<T>, f64)]) -> Option<T> {
        if mode.must_exit {
            return None;
        }
        let allowed: Vec<(Option<T>, f64)> = options
            .iter()
            .filter(|o| !(mode.must_continue && o.0.is_none()) && o.1 > 0.0)
            .copied()
            .collect();
        if allowed.is_empty() {
            return None;
        }
        self.pick(&allowed)
    }

    /// Clicks a link that loads `target` (after at least MIN_PAGE_MS on the page).
    fn navigate(&mut self, view: &mut View, doc: &mut Doc, key: &str, target: Page) -> Next {
        let min = view.t0 + MIN_PAGE_MS + self.range(0, 1_500);
        if self.t < min {
            let wait = min - self.t;
            self.read(view, wait);
        }
        if view.lay.get(key).is_some() {
            self.click(view, doc, key, None);
        }
        Next::Go(target)
    }

    // ---- pages --------------------------------------------------------------------------

    fn home(&mut self, mut view: View, mut doc: Doc, mode: Mode) -> (View, Doc, Next) {
        let d = self.paced(1_500, 5_000);
        self.read(&mut view, d);
        let depth = if mode.must_exit {
            self.uniform(0.1, 0.9)
        } else {
            self.uniform(0.15, 0.7)
        };
        self.browse(&mut view, depth);
        if self.chance(0.04) {
            self.newsletter(&mut view, &mut doc);
        }
        #[derive(Clone, Copy)]
        enum H {
            Category,
            Shoes,
            Bags,
            Product,
            Pricing,
        }
        let choice = self.next(
            mode,
            &[
                (Some(H::Category), 0.30),
                (Some(H::Shoes), 0.07),
                (Some(H::Bags), 0.05),
                (Some(H::Product), 0.28),
                (Some(H::Pricing), 0.10),
                (None, 0.20),
            ],
        );
        let next = match choice {
            None => Next::Exit,
            Some(H::Category) => {
                let key = self.pick(&[("hero-shop", 0.5), ("nav-shop", 0.3), ("view-all", 0.2)]);
                self.navigate(&mut view, &mut doc, key, Page::Category(None))
            }
            Some(H::Shoes) => self.navigate(
                &mut view,
                &mut doc,
                "nav-shoes",
                Page::Category(Some("shoes")),
            ),
            Some(H::Bags) => self.navigate(
                &mut view,
                &mut doc,
                "nav-bags",
                Page::Category(Some("bags")),
            ),
            Some(H::Product) => {
                let i = self.popular_product(&FEATURED);
                self.navigate(
                    &mut view,
                    &mut doc,
                    &format!("card:{}", PRODUCTS[i].id),
                    Page::Product(i),
                )
            }
            Some(H::Pricing) => {
                let key = self.pick(&[("hero-membership", 0.6), ("nav-pricing", 0.4)]);
                self.navigate(&mut view, &mut doc, key, Page::Pricing)
            }
        };
        (view, doc, next)
    }

    fn newsletter(&mut self, view: &mut View, doc: &mut Doc) {
        self.type_into(view, doc, "newsletter-email", "email", true, (3_000, 7_000));
        self.t += self.paced(300, 1_200);
        let pv = view.pv.clone();
        self.click(view, doc, "newsletter-submit", Some(true));
        let t = self.t;
        self.input(t + 2, &pv, "#newsletter-form", InputAction::Submit, "form");
        self.custom(t + 3, &pv, "newsletter_signup", json!({}), None);
        view.used = None;
        let d = self.paced(1_500, 4_000);
        self.read(view, d);
    }

    fn category(&mut self, mut view: View, mut doc: Doc, mode: Mode) -> (View, Doc, Next) {
        let d = self.paced(1_500, 4_000);
        self.read(&mut view, d);
        let Page::Category(mut cat) = view.page.clone() else {
            unreachable!()
        };
        // tabs filter in place and pushState: a history pageview
        if !mode.must_exit && self.chance(0.25) {
            let others: Vec<(&'static str, f64)> = CATEGORIES
                .iter()
                .filter(|c| Some(**c) != cat)
                .map(|c| (*c, 1.0))
                .collect();
            let new = self.pick(&others);
            let min = view.t0 + MIN_PAGE_MS + self.range(0, 3_000);
            if self.t < min {
                let wait = min - self.t;
                self.read(&mut view, wait);
            }
            self.click(&mut view, &mut doc, &format!("tab:{new}"), Some(true));
            cat = Some(new);
            let from = view.url.clone();
            self.leave(&mut view);
            self.t += self.range(5, 40);
            let (v, _) = self.load(
                Page::Category(cat),
                Page::Category(cat).url(self.base),
                from,
                true,
            );
            view = v;
            let d = self.paced(1_000, 3_000);
            self.read(&mut view, d);
        }
        let depth = self.uniform(0.3, 1.0);
        self.browse(&mut view, depth);
        let items = layout::category_items(cat);
        #[derive(Clone, Copy)]
        enum C {
            Product,
            Home,
        }
        let next = match self.next(
            mode,
            &[
                (Some(C::Product), 0.64),
                (Some(C::Home), 0.04),
                (None, 0.32),
            ],
        ) {
            None => Next::Exit,
            Some(C::Product) => {
                let i = self.popular_product(&items);
                self.navigate(
                    &mut view,
                    &mut doc,
                    &format!("card:{}", PRODUCTS[i].id),
                    Page::Product(i),
                )
            }
            Some(C::Home) => {
                let key = self.pick(&[("logo", 0.6), ("crumb-home", 0.4)]);
                self.navigate(&mut view, &mut doc, key, Page::Home)
            }
        };
        (view, doc, next)
    }

    fn product(&mut self, mut view: View, mut doc: Doc, mode: Mode, i: usize) -> (View, Doc, Next) {
        let d = self.paced(1_500, 4_500);
        self.read(&mut view, d);
        // PLANTED dead clicks: the image looks zoomable
        if self.chance(DEAD_CLICK_RATE) {
            self.dead_clicks(&mut view, &mut doc);
        }
        if self.chance(0.2) {
            let n = self.range(2, 4);
            self.click(&mut view, &mut doc, &format!("swatch:{n}"), Some(true));
            let d = self.paced(800, 2_500);
            self.read(&mut view, d);
        }
        if self.chance(0.1) {
            let n = self.range(2, 4);
            self.click(&mut view, &mut doc, &format!("thumb:{n}"), Some(true));
            let d = self.paced(800, 2_000);
            self.read(&mut view, d);
        }
        let mut qty = 1;
        if self.chance(STEPPER_FAST_RATE) {
            qty = self.stepper_fast(&mut view, &mut doc);
        } else if self.chance(0.08) {
            self.click(&mut view, &mut doc, "qty-inc", Some(true));
            qty = 2;
            let d = self.paced(400, 1_200);
            self.read(&mut view, d);
        }
        if self.chance(0.15) {
            let key = self.pick(&[("details-materials", 0.6), ("details-shipping", 0.4)]);
            self.click(&mut view, &mut doc, key, Some(true));
            let d = self.paced(2_000, 5_000);
            self.read(&mut view, d);
        }
        // add to cart: rage, hesitation, or a plain click
        let p_add = if self.returning { 0.34 } else { 0.26 };
        let add = self.chance(p_add);
        let rage = add && self.chance(RAGE_CLICK_RATE / p_add);
        let hesitate = self.desktop() && self.chance(HESITATION_RATE);
        if add || hesitate {
            self.add_to_cart(&mut view, &mut doc, i, qty, add, rage, hesitate);
        }
        if self.chance(0.3) {
            let depth = self.uniform(0.6, 1.0);
            self.browse(&mut view, depth);
        }
        #[derive(Clone, Copy)]
        enum P {
            Toast,
            CartLink,
            Related,
            Category,
            Pricing,
            Home,
        }
        let options: &[(Option<P>, f64)] = if add {
            &[
                (Some(P::CartLink), 0.48),
                (Some(P::Related), 0.14),
                (Some(P::Category), 0.08),
                (None, 0.30),
            ]
        } else {
            &[
                (Some(P::Related), 0.22),
                (Some(P::Category), 0.17),
                (Some(P::Pricing), 0.02),
                (Some(P::Home), 0.03),
                (None, 0.56),
            ]
        };
        let mut choice = self.next(mode, options);
        let toast_ok = self.t + 800 < self.toast_until && self.t >= view.t0 + MIN_PAGE_MS;
        if matches!(choice, Some(P::CartLink)) && toast_ok && self.chance(0.5) {
            choice = Some(P::Toast);
        }
        let next = match choice {
            None => Next::Exit,
            Some(P::Toast) => {
                self.toast_view_cart(&mut view, &mut doc);
                Next::Go(Page::Cart)
            }
            Some(P::CartLink) => self.navigate(&mut view, &mut doc, "cart-link", Page::Cart),
            Some(P::Related) => {
                let j = self.popular_product(&RELATED);
                self.navigate(
                    &mut view,
                    &mut doc,
                    &format!("related:{}", PRODUCTS[j].id),
                    Page::Product(j),
                )
            }
            Some(P::Category) => self.navigate(
                &mut view,
                &mut doc,
                "crumb-cat",
                Page::Category(Some(PRODUCTS[i].cat)),
            ),
            Some(P::Pricing) => self.navigate(&mut view, &mut doc, "nav-pricing", Page::Pricing),
            Some(P::Home) => self.navigate(&mut view, &mut doc, "logo", Page::Home),
        };
        (view, doc, next)
    }

    fn dead_clicks(&mut self, view: &mut View, doc: &mut Doc) {
        let Some(el) = view.lay.get("product-image").cloned() else {
            return;
        };
        self.ensure_visible(view, &el);
        let n = self.pick(&[(1, 0.45), (2, 0.3), (3, 0.15), (4, 0.1)]);
        for k in 0..n {
            if k > 0 {
                self.t += self.range(600, 2_500);
            }
            let (rx, ry) = (self.uniform(0.2, 0.8), self.uniform(0.2, 0.8));
            let (x, y) = (el.x + rx * el.w, el.top_at(view.scroll) + ry * el.h);
            self.pointer_to(view, x, y, None);
            self.t += self.range(100, 400);
            self.click_at(view, doc, &el, x, y, Some(false));
        }
        self.planted.insert("dead_click");
        let d = self.paced(1_000, 3_000);
        self.read(view, d);
    }

    /// Control case: fast "+" clicks that each change the number. Returns the quantity.
    fn stepper_fast(&mut self, view: &mut View, doc: &mut Doc) -> u32 {
        let Some(el) = view.lay.get("qty-inc").cloned() else {
            return 1;
        };
        self.ensure_visible(view, &el);
        let n = self.range(3, 6) as u32;
        let (x0, y0) = (
            el.x + el.w * self.uniform(0.35, 0.65),
            el.top_at(view.scroll) + el.h * self.uniform(0.35, 0.65),
        );
        self.pointer_to(view, x0, y0, Some(&el.sel));
        self.t += self.range(150, 400);
        for k in 0..n {
            if k > 0 {
                self.t += self.range(110, 260);
            }
            let (x, y) = (x0 + self.uniform(-3.0, 3.0), y0 + self.uniform(-3.0, 3.0));
            self.click_at(view, doc, &el, x, y, Some(true));
        }
        let mut qty = 1 + n;
        // overshot: back down with "−" (slower, each click changes the number too)
        let want = self.pick(&[(qty, 0.4), (2, 0.35), (3, 0.25)]).min(qty);
        if want < qty
            && let Some(dec) = view.lay.get("qty-dec").cloned()
        {
            self.t += self.range(300, 900);
            let (x, y) = (
                dec.x + dec.w * self.uniform(0.35, 0.65),
                dec.top_at(view.scroll) + dec.h * self.uniform(0.35, 0.65),
            );
            self.pointer_to(view, x, y, Some(&dec.sel));
            while qty > want {
                self.t += self.range(250, 600);
                let (cx, cy) = (x + self.uniform(-3.0, 3.0), y + self.uniform(-3.0, 3.0));
                self.click_at(view, doc, &dec, cx, cy, Some(true));
                qty -= 1;
            }
        }
        let d = self.paced(600, 1_500);
        self.read(view, d);
        qty
    }

    #[allow(clippy::too_many_arguments)]
    fn add_to_cart(
        &mut self,
        view: &mut View,
        doc: &mut Doc,
        i: usize,
        qty: u32,
        add: bool,
        rage: bool,
        hesitate: bool,
    ) {
        let Some(el) = view.lay.get("add-to-cart").cloned() else {
            return;
        };
        self.ensure_visible(view, &el);
        let (x0, y0) = (
            el.x + el.w * self.uniform(0.3, 0.7),
            el.top_at(view.scroll) + el.h * self.uniform(0.3, 0.7),
        );
        self.pointer_to(view, x0, y0, Some(&el.sel));
        let hover_start = self.t;
        if hesitate {
            self.t += self.range(2_100, 7_000);
            self.planted.insert("hesitation");
            if !add {
                self.pointer_away(view);
                return;
            }
        } else if self.desktop() {
            self.t += self.range(200, 450);
        } else {
            self.t += self.range(100, 300);
        }
        let clicks = if rage {
            self.pick(&[(3, 0.4), (4, 0.3), (5, 0.2), (6, 0.1)])
        } else {
            1
        };
        let pv = view.pv.clone();
        for k in 0..clicks {
            if k > 0 {
                self.t += self.range(100, 220);
            }
            let (x, y) = if k == 0 {
                (x0, y0)
            } else {
                (x0 + self.uniform(-6.0, 6.0), y0 + self.uniform(-6.0, 6.0))
            };
            self.click_at(view, doc, &el, x, y, Some(false));
            // the shop adds after 2.5 s, once per click
            let t = self.t + 2_500 + self.range(0, 15);
            let value = PRODUCTS[i].price * f64::from(qty);
            self.custom(
                t,
                &pv,
                "add_to_cart",
                json!({"product": PRODUCTS[i].id, "qty": qty, "value": value, "currency": "EUR"}),
                None,
            );
            self.add_line(i, qty);
        }
        if rage {
            self.planted.insert("rage_click");
        }
        if self.desktop() && !hesitate {
            // leave the button before the hover reaches the hesitation threshold
            let away = (self.t + self.range(100, 300))
                .min(hover_start + 1_900)
                .max(self.t + 1);
            self.t = away;
            self.pointer_away(view);
        }
        // wait for the toast (it shows 2.5 s after the last click, for 3.5 s)
        let last = self.t;
        self.toast_until = last + 2_500 + 3_500;
        let until = last + 2_600 + self.range(0, 1_500);
        if self.t < until {
            let wait = until - self.t;
            self.read(view, wait);
        }
    }

    fn add_line(&mut self, i: usize, qty: u32) {
        match self.cart.iter_mut().find(|l| l.0 == i) {
            Some(l) => l.1 += qty,
            None => self.cart.push((i, qty)),
        }
    }

    fn cart_total(&self) -> (f64, u32) {
        let sub: f64 = self
            .cart
            .iter()
            .map(|&(i, q)| PRODUCTS[i].price * f64::from(q))
            .sum();
        let ship = if sub == 0.0 || sub >= FREE_SHIPPING_FROM {
            0.0
        } else {
            SHIPPING
        };
        (
            ((sub + ship) * 100.0).round() / 100.0,
            self.cart.iter().map(|l| l.1).sum(),
        )
    }

    /// The toast's "View cart" link (fixed at the bottom right, shown 2.5 s after the click).
    fn toast_view_cart(&mut self, view: &mut View, doc: &mut Doc) {
        let (vw, vh) = (self.vw(), self.vh());
        let w = 70.0;
        // fixed 24 px from the bottom right corner, the link at the toast's right end
        let (x, yv) = (vw - 24.0 - 18.0 - w, vh - 24.0 - 36.0);
        let mut el = El {
            key: "toast-view-cart".into(),
            sel: "[data-testid=\"toast-view-cart\"]".into(),
            tag: "a",
            text: Some("View cart".into()),
            href: Some(Page::Cart.url(self.base)),
            interactive: true,
            zone: false,
            sticky: false,
            x: x.round(),
            y: (yv + view.scroll).round(),
            w,
            h: 22.0,
        };
        el.y = el.y.max(0.0);
        let (px, py) = (
            el.x + el.w * self.uniform(0.2, 0.8),
            el.y + el.h * self.uniform(0.2, 0.8),
        );
        self.pointer_to(view, px, py, Some(&el.sel));
        self.t += self.range(100, 400);
        self.click_at(view, doc, &el, px, py, None);
    }

    fn cart_page(&mut self, mut view: View, mut doc: Doc, mode: Mode) -> (View, Doc, Next) {
        let d = self.paced(2_000, 5_000);
        self.read(&mut view, d);
        if self.cart.len() > 1 && self.chance(0.06) {
            let (i, _) = self.cart[self.cart.len() - 1];
            self.click(
                &mut view,
                &mut doc,
                &format!("remove:{}", PRODUCTS[i].id),
                Some(true),
            );
            self.cart.pop();
            let d = self.paced(1_000, 2_500);
            self.read(&mut view, d);
        }
        // PLANTED error clicks: "Apply coupon" throws on every click
        if !self.cart.is_empty() && self.chance(ERROR_CLICK_RATE) {
            self.coupon(&mut view, &mut doc);
        }
        #[derive(Clone, Copy)]
        enum C {
            Checkout,
            Shop,
        }
        let options: &[(Option<C>, f64)] = if self.cart.is_empty() {
            &[(Some(C::Shop), 0.4), (None, 0.6)]
        } else {
            &[
                (Some(C::Checkout), 0.42),
                (Some(C::Shop), 0.12),
                (None, 0.46),
            ]
        };
        let next = match self.next(mode, options) {
            None => Next::Exit,
            Some(C::Checkout) => self.navigate(&mut view, &mut doc, "checkout-btn", Page::Checkout),
            Some(C::Shop) => {
                let key = if self.cart.is_empty() {
                    "empty-cart-shop"
                } else {
                    "nav-shop"
                };
                self.navigate(&mut view, &mut doc, key, Page::Category(None))
            }
        };
        (view, doc, next)
    }

    fn coupon(&mut self, view: &mut View, doc: &mut Doc) {
        self.type_into(view, doc, "coupon-code", "text", true, (1_500, 4_000));
        self.t += self.paced(200, 900);
        let tries = self.pick(&[(1, 0.55), (2, 0.3), (3, 0.15)]);
        let pv = view.pv.clone();
        let src = format!("{}/demo/shop.js", self.base);
        for k in 0..tries {
            if k > 0 {
                self.t += self.range(1_200, 3_500);
                self.click(view, doc, "apply-coupon", Some(false));
            } else {
                self.click(view, doc, "apply-coupon", Some(false));
            }
            let t = self.t + self.range(1, 12);
            let stack =
                format!("{COUPON_ERROR}\n    at HTMLButtonElement.<anonymous> ({src}:280:35)");
            let data = EventData::Error(JsError {
                msg: COUPON_ERROR.to_string(),
                stack: Some(stack),
                src: Some(src.clone()),
                line: Some(280),
                col: Some(35),
            });
            self.emit(t, &pv, data);
            self.t = t;
        }
        self.planted.insert("error_click");
        let d = self.paced(1_500, 4_000);
        self.read(view, d);
    }

    fn checkout(&mut self, mut view: View, mut doc: Doc, mode: Mode) -> (View, Doc, Next) {
        let d = self.paced(1_500, 3_500);
        self.read(&mut view, d);
        #[derive(Clone, Copy, PartialEq)]
        enum O {
            Abandon,
            Purchase,
            Idle,
        }
        let outcome = if self.cart.is_empty() {
            O::Idle
        } else {
            self.pick(&[
                (O::Abandon, FORM_ABANDON_RATE),
                (O::Purchase, PURCHASE_RATE),
                (O::Idle, 1.0 - FORM_ABANDON_RATE - PURCHASE_RATE),
            ])
        };
        if outcome == O::Idle {
            let depth = self.uniform(0.3, 0.9);
            self.browse(&mut view, depth);
            let next = match self.next(mode, &[(Some(()), 0.5), (None, 0.5)]) {
                Some(()) => self.navigate(&mut view, &mut doc, "crumb-cart", Page::Cart),
                None => Next::Exit,
            };
            return (view, doc, next);
        }
        // contact, address and card: typed, or autofilled by returning customers
        let autofill = self.returning && self.chance(0.5);
        for (n, &(id, field)) in CHECKOUT_FIELDS[..9].iter().enumerate() {
            if id == "country" && !self.chance(0.3) {
                continue;
            }
            let typing = match id {
                "email" => (3_500, 9_000),
                "address" => (4_000, 10_000),
                "card-number" => (6_000, 12_000),
                "country" => (1_000, 2_500),
                _ => (1_500, 5_000),
            };
            let typing = if autofill && n < 6 {
                (300, 900)
            } else {
                typing
            };
            let click = n == 0 || self.chance(0.4);
            self.type_into(&mut view, &mut doc, id, field, click, typing);
        }
        // "Security code" looks like the CVC: three digits, and the browser blocks the submit
        let stuck = outcome == O::Abandon || self.chance(0.3);
        let click = self.chance(0.5);
        self.type_into(
            &mut view,
            &mut doc,
            "security-code",
            "text",
            click,
            (1_200, 3_000),
        );
        if stuck {
            self.blocked_submit(&mut view, &mut doc);
            if outcome == O::Abandon && self.chance(0.4) {
                self.t += self.paced(2_000, 6_000);
                self.retype_security_code(&mut view, (1_000, 2_500));
                self.blocked_submit(&mut view, &mut doc);
            }
        }
        if outcome == O::Abandon {
            let d = self.paced(3_000, 15_000);
            self.read(&mut view, d);
            let next = match self.next(mode, &[(Some(()), 0.25), (None, 0.75)]) {
                Some(()) => self.navigate(&mut view, &mut doc, "crumb-cart", Page::Cart),
                None => Next::Exit,
            };
            return (view, doc, next);
        }
        if stuck {
            self.t += self.paced(4_000, 12_000);
            self.retype_security_code(&mut view, (2_000, 5_000));
        }
        // a valid order
        self.t += self.paced(400, 1_500);
        let pv = view.pv.clone();
        self.click(&mut view, &mut doc, "place-order", Some(true));
        let t = self.t;
        self.input(
            t + 2,
            &pv,
            "[data-sl-zone=\"checkout-form\"]",
            InputAction::Submit,
            "form",
        );
        let (total, items) = self.cart_total();
        self.custom(
            t + 4,
            &pv,
            "purchase",
            json!({"revenue": total, "currency": "EUR", "items": items}),
            Some(total),
        );
        view.used = None;
        self.revenue += total;
        self.ordered = true;
        self.cart.clear();
        view.lay = layout::layout(
            &Page::Checkout,
            self.base,
            self.vw(),
            &PageState {
                cart: &[],
                ordered: true,
            },
        );
        let d = self.paced(3_000, 9_000);
        self.read(&mut view, d);
        let next = match self.next(mode, &[(Some(()), 0.25), (None, 0.75)]) {
            Some(()) => self.navigate(&mut view, &mut doc, "back-home", Page::Home),
            None => Next::Exit,
        };
        (view, doc, next)
    }

    /// "Place order" with a 3-digit security code: the browser refuses and focuses the field.
    fn blocked_submit(&mut self, view: &mut View, doc: &mut Doc) {
        self.t += self.paced(300, 1_200);
        self.click(view, doc, "place-order", Some(true));
        let t = self.t + self.range(2, 8);
        let pv = view.pv.clone();
        self.input(t, &pv, "#security-code", InputAction::Focus, "text");
        self.focus = Some(Focus {
            pv,
            sel: "#security-code".into(),
            field: "text",
            changed: false,
        });
        self.t = t;
        let d = self.paced(1_500, 4_000);
        self.read(view, d);
    }

    fn retype_security_code(&mut self, view: &mut View, typing: (i64, i64)) {
        let d = self.range(typing.0, typing.1);
        self.typing(view, d);
        if let Some(f) = &mut self.focus {
            f.changed = true;
        }
        view.used = Some(("#security-code".into(), "text"));
    }

    fn pricing(&mut self, mut view: View, mut doc: Doc, mode: Mode) -> (View, Doc, Next) {
        let cta = view.lay.get("primary-cta").cloned();
        let seen = cta.is_some() && self.chance(PRIMARY_CTA_SEEN_RATE);
        if let (Some(cta), false) = (&cta, seen) {
            // never scrolls far enough to see the CTA's middle
            let limit = cta.y + cta.h / 2.0 - 1.0;
            let frac = self.uniform(0.0, 1.0).powf(1.4);
            let vh = self.vh();
            view.limit = Some(vh + frac * (limit - 40.0 - vh).max(0.0));
        }
        let d = self.paced(2_000, 5_000);
        self.read(&mut view, d);
        if self.chance(0.15) {
            // "Compare plans ↓": an in-page jump to #compare (no new pageview)
            let key = self.pick(&[("learn:plus", 0.6), ("learn:free", 0.2), ("learn:pro", 0.2)]);
            self.click(&mut view, &mut doc, key, Some(true));
            if let Some(y) = view.lay.get("compare").map(|c| c.y) {
                self.jump_to(&mut view, y);
            }
            let d = self.paced(3_000, 8_000);
            self.read(&mut view, d);
        }
        if seen {
            let cta = cta.clone().unwrap_or_else(|| unreachable!());
            let steps = self.range(2, 5);
            let start = view.scroll;
            let end = cta.y + cta.h + self.uniform(20.0, 250.0) - self.vh();
            for k in 1..=steps {
                let target = start + (end - start) * k as f64 / steps as f64;
                self.scroll_to(&mut view, target);
                let d = self.paced(1_200, 4_000);
                self.read(&mut view, d);
            }
            self.planted.insert("saw_primary_cta");
            if self.chance(PRIMARY_CTA_CLICK_RATE) {
                let pv = view.pv.clone();
                self.click(&mut view, &mut doc, "primary-cta", Some(true));
                let t = self.t + self.range(2, 10);
                self.custom(t, &pv, "trial_started", json!({"plan": "plus"}), None);
                let d = self.paced(2_000, 5_000);
                self.read(&mut view, d);
            }
        } else {
            let limit = view.limit.unwrap_or(f64::MAX);
            let target = limit - self.vh();
            let steps = self.range(1, 4);
            let start = view.scroll;
            for k in 1..=steps {
                let y = start + (target - start) * k as f64 / steps as f64;
                self.scroll_to(&mut view, y);
                let d = self.paced(1_500, 5_000);
                self.read(&mut view, d);
            }
            // an FAQ answer, when it is within reach
            let faq: Vec<(String, f64)> = (1..=6)
                .map(|n| format!("faq:{n}"))
                .filter(|k| view.lay.get(k).is_some_and(|e| e.y + e.h + 30.0 < limit))
                .map(|k| (k, 1.0))
                .collect();
            if !faq.is_empty() && self.chance(0.2) {
                let key = self
                    .pick(
                        &faq.iter()
                            .map(|(k, w)| (k.as_str(), *w))
                            .collect::<Vec<_>>(),
                    )
                    .to_string();
                self.click(&mut view, &mut doc, &key, Some(true));
                let d = self.paced(2_000, 5_000);
                self.read(&mut view, d);
            }
        }
        #[derive(Clone, Copy)]
        enum P {
            Shop,
            Home,
        }
        let next = match self.next(
            mode,
            &[(Some(P::Shop), 0.18), (Some(P::Home), 0.10), (None, 0.72)],
        ) {
            None => Next::Exit,
            Some(P::Shop) => self.navigate(&mut view, &mut doc, "nav-shop", Page::Category(None)),
            Some(P::Home) => self.navigate(&mut view, &mut doc, "logo", Page::Home),
        };
        (view, doc, next)
    }

    // ---- page lifecycle -----------------------------------------------------------------

    /// A pageview: on a page load (`history == false`) with TTFB/FCP, and a `layout` 1 s later.
    fn load(&mut self, page: Page, url: String, referrer: String, history: bool) -> (View, Doc) {
        let pv = personas::rid(self.rng);
        let state = PageState {
            cart: &self.cart,
            ordered: false,
        };
        let lay = layout::layout(&page, self.base, self.vw(), &state);
        let prof = self.persona.profile;
        let t0 = self.t;
        let data = EventData::Pageview(Pageview {
            url: url.clone(),
            referrer: Some(referrer),
            title: Some(page.title(history)),
            vw: Some(prof.vw),
            vh: Some(prof.vh),
            sw: Some(prof.sw),
            sh: Some(prof.sh),
            dh: Some(lay.dh),
            lang: Some(self.persona.lang.to_string()),
            tz: Some(self.persona.tz.to_string()),
        });
        self.emit(t0, &pv, data);
        self.pages.push(page.path());
        let m = self.mobile_factor();
        let ttfb = (180.0 * m * (0.5 * self.gauss()).exp()).clamp(20.0, 4_000.0);
        let fcp = ttfb + (350.0 * m * (0.4 * self.gauss()).exp()).clamp(50.0, 5_000.0);
        let lcp = fcp
            + if matches!(page, Page::Product(_) | Page::Home) {
                (400.0 * m * (0.5 * self.gauss()).exp()).clamp(0.0, 6_000.0)
            } else {
                (120.0 * m * (0.5 * self.gauss()).exp()).clamp(0.0, 3_000.0)
            };
        if !history {
            let t = t0 + self.range(20, 120);
            self.vital(t, &pv, VitalName::Ttfb, ttfb);
            let t2 = t + self.range(0, 30);
            self.vital(t2, &pv, VitalName::Fcp, fcp);
        }
        let zones: Vec<Zone> = lay
            .zones()
            .map(|e| Zone {
                sel: e.sel.clone(),
                x: e.x,
                y: e.y,
                w: e.w,
                h: e.h,
                fixed: e.sticky.then_some(true),
            })
            .collect();
        let lt = t0 + self.range(1_000, 1_400);
        self.emit(lt, &pv, EventData::Layout(LayoutEv { zones }));
        let vh = self.vh();
        let view = View {
            pv: pv.clone(),
            page,
            url,
            lay,
            t0,
            scroll: 0.0,
            max_px: vh,
            dir: 0,
            activity: vec![t0],
            used: None,
            limit: None,
        };
        let doc = Doc {
            first_pv: pv,
            inputs: 0,
            lcp_sent: false,
            lcp,
        };
        (view, doc)
    }

    /// Ends a pageview (history navigation or unload): hover, `pageleave`, form `abandon`.
    fn leave(&mut self, view: &mut View) {
        self.t = self.t.max(view.t0 + 2_000);
        let t = self.t;
        self.end_hover(t);
        self.focus = None;
        let px = (view.scroll + self.vh()).round();
        let max_px = view.max_px.max(px).round();
        let pct = (max_px / view.lay.dh.max(1.0) * 100.0).round().min(100.0);
        let data = EventData::Pageleave(Pageleave {
            active_ms: Some(active_ms(&mut view.activity, t) as f64),
            max_scroll_px: Some(max_px),
            max_scroll_pct: Some(pct),
        });
        let pv = view.pv.clone();
        self.emit(t, &pv, data);
        if let Some((sel, field)) = view.used.take() {
            self.input(t, &pv, &sel, InputAction::Abandon, field);
            self.planted.insert("form_abandonment");
        }
    }

    /// The document goes away: final vitals, the pageleave, and the tracker's beacon flush.
    fn unload(&mut self, mut view: View, doc: Doc) {
        self.t = self.t.max(view.t0 + 2_000);
        let t = self.t;
        let first = doc.first_pv.clone();
        let from = self.evs.len();
        if !doc.lcp_sent {
            self.vital(t, &first, VitalName::Lcp, doc.lcp);
        }
        let cls = if self.chance(0.7) {
            self.uniform(0.0, 0.04)
        } else if matches!(view.page, Page::Product(_)) && self.chance(0.5) {
            self.uniform(0.08, 0.3)
        } else {
            self.uniform(0.0, 0.12)
        };
        self.vital(t, &first, VitalName::Cls, cls);
        if doc.inputs > 0 {
            let inp =
                (90.0 * self.mobile_factor() * (0.6 * self.gauss()).exp()).clamp(16.0, 2_000.0);
            self.vital(t, &first, VitalName::Inp, inp);
        }
        self.leave(&mut view);
        // the beacon goes after the last event (by time; ties keep push order)
        if let Some(i) = (from..self.evs.len()).max_by_key(|&i| (self.evs[i].event.t, i)) {
            self.evs[i].flush = true;
        }
    }

    // ---- interactions -------------------------------------------------------------------

    /// Time passes while the visitor reads; a mouse drifts now and then.
    fn read(&mut self, view: &mut View, ms: i64) {
        let end = self.t + ms.max(0);
        if self.hover.is_some() {
            self.t += self.range(100, 300).min(ms.max(1));
            self.pointer_away(view);
        }
        while self.t < end {
            let chunk = self.range(1_200, 4_500);
            if self.desktop() && self.chance(0.45) && self.t + chunk < end {
                let (vw, vh) = (self.vw(), self.vh());
                let (x, y) = (
                    (self.mouse.0 + self.uniform(-220.0, 220.0)).clamp(10.0, vw - 10.0),
                    (self.mouse.1 + self.uniform(-160.0, 160.0)).clamp(10.0, vh - 10.0)
                        + view.scroll,
                );
                self.pointer_to(view, x, y, None);
            }
            self.t = (self.t + chunk).min(end);
        }
        self.t = self.t.max(end);
    }

    /// Scrolls down the page in a few steps to `depth` (share of the scrollable height).
    fn browse(&mut self, view: &mut View, depth: f64) {
        let max = (view.lay.dh - self.vh()).max(0.0);
        let target = max * depth.clamp(0.0, 1.0);
        if target <= view.scroll + 30.0 {
            return;
        }
        let steps = self.range(1, 5);
        let start = view.scroll;
        for k in 1..=steps {
            let y = start + (target - start) * k as f64 / steps as f64;
            self.scroll_to(view, y);
            let d = self.paced(800, 3_500);
            self.read(view, d);
        }
    }

    fn max_scroll(&self, view: &View) -> f64 {
        let mut max = (view.lay.dh - self.vh()).max(0.0);
        if let Some(limit) = view.limit {
            max = max.min((limit - self.vh()).max(0.0));
        }
        max
    }

    /// Scrolls (wheel or swipes) to put the viewport top at `y`; the tracker reports 500 ms later.
    fn scroll_to(&mut self, view: &mut View, y: f64) {
        let target = y.clamp(0.0, self.max_scroll(view)).round();
        let dist = target - view.scroll;
        if dist.abs() < 30.0 {
            return;
        }
        let t = self.t;
        self.end_hover(t);
        let dur = if self.desktop() {
            (dist.abs() / self.uniform(1.2, 2.8)).clamp(250.0, 3_000.0) as i64
        } else {
            let flicks = (dist.abs() / (self.vh() * 0.9)).ceil().max(1.0) as i64;
            flicks * self.range(350, 800)
        };
        view.activity.extend([t, t + dur / 2, t + dur]);
        self.t += dur;
        self.emit_scroll(view, target);
    }

    /// An instant jump (in-page anchor): the scroll event follows 500 ms later.
    fn jump_to(&mut self, view: &mut View, y: f64) {
        let target = y.clamp(0.0, self.max_scroll(view)).round();
        if (target - view.scroll).abs() < 30.0 {
            return;
        }
        let t = self.t;
        self.end_hover(t);
        view.activity.push(t);
        self.emit_scroll(view, target);
    }

    fn emit_scroll(&mut self, view: &mut View, target: f64) {
        let dir: i8 = if target > view.scroll { 1 } else { -1 };
        let changes = u32::from(view.dir != 0 && dir != view.dir);
        view.dir = dir;
        view.scroll = target;
        self.t += 500;
        let px = (target + self.vh()).round();
        view.max_px = view.max_px.max(px);
        let pct = (px / view.lay.dh.max(1.0) * 100.0).round().min(100.0);
        let (t, pv) = (self.t, view.pv.clone());
        self.emit(
            t,
            &pv,
            EventData::Scroll(Scroll {
                depth_px: px,
                depth_pct: pct,
                dir_changes: Some(changes),
            }),
        );
    }

    /// Scrolls so that `el` is comfortably in view (a sticky header element always is).
    fn ensure_visible(&mut self, view: &mut View, el: &El) {
        if el.sticky {
            return;
        }
        let vh = self.vh();
        if el.y >= view.scroll + 10.0 && el.y + el.h <= view.scroll + vh - 10.0 {
            return;
        }
        let target = el.y + el.h / 2.0 - vh * self.uniform(0.35, 0.6);
        self.scroll_to(view, target);
        let d = self.range(200, 700);
        self.t += d;
    }

    /// Moves the mouse (desktop) to page point (x, y), sampling points ≥ 100 ms apart like the
    /// tracker; `target` is the interactive element arrived on (starts a hover).
    fn pointer_to(&mut self, view: &mut View, x: f64, y: f64, target: Option<&str>) {
        if !self.desktop() {
            return;
        }
        let same =
            matches!((&self.hover, target), (Some(h), Some(s)) if h.sel == s && h.pv == view.pv);
        if !same {
            let t = self.t + 40;
            self.end_hover(t);
        }
        let (x0, y0) = (self.mouse.0, self.mouse.1 + view.scroll);
        let dist = ((x - x0).powi(2) + (y - y0).powi(2)).sqrt();
        if dist >= 3.0 {
            let dur = (180.0 + dist * self.uniform(0.5, 0.9)).clamp(200.0, 1_400.0) as i64;
            let bend = self.uniform(-0.15, 0.15) * dist;
            let (nx, ny) = if dist > 0.0 {
                (-(y - y0) / dist, (x - x0) / dist)
            } else {
                (0.0, 0.0)
            };
            let t0 = self.t;
            let mut points: Vec<[f64; 3]> = Vec::new();
            let mut dt = 0;
            while dt <= dur {
                let s = dt as f64 / dur as f64;
                let e = s * s * (3.0 - 2.0 * s);
                let arc = 4.0 * e * (1.0 - e) * bend;
                points.push([
                    (x0 + (x - x0) * e + nx * arc + self.uniform(-1.5, 1.5)).round(),
                    (y0 + (y - y0) * e + ny * arc + self.uniform(-1.5, 1.5)).round(),
                    dt as f64,
                ]);
                view.activity.push(t0 + dt);
                dt += self.range(100, 160);
            }
            if let Some(last) = points.last_mut() {
                last[0] = x.round();
                last[1] = y.round();
            }
            let pv = view.pv.clone();
            for chunk in points.chunks(50) {
                let t = t0 + chunk[0][2] as i64;
                let rebased: Vec<[f64; 3]> = chunk
                    .iter()
                    .map(|p| [p[0], p[1], p[2] - chunk[0][2]])
                    .collect();
                self.emit(t, &pv, EventData::Move(Move { points: rebased }));
            }
            self.t = t0 + dur;
        }
        self.mouse = (x, y - view.scroll);
        if !same && let Some(sel) = target {
            self.hover = Some(HoverState {
                pv: view.pv.clone(),
                sel: sel.to_string(),
                start: self.t,
                clicked: false,
            });
        }
    }

    /// The mouse leaves what it hovers for a neutral spot.
    fn pointer_away(&mut self, view: &mut View) {
        if !self.desktop() {
            return;
        }
        let (vw, vh) = (self.vw(), self.vh());
        let x = if self.mouse.0 > vw / 2.0 {
            self.mouse.0 - self.uniform(150.0, 350.0)
        } else {
            self.mouse.0 + self.uniform(150.0, 350.0)
        };
        let y = (self.mouse.1 + self.uniform(-120.0, 120.0)).clamp(10.0, vh - 10.0);
        self.pointer_to(view, x.clamp(10.0, vw - 10.0), y + view.scroll, None);
    }

    fn end_hover(&mut self, t: i64) {
        if let Some(h) = self.hover.take() {
            let dwell = t - h.start;
            if dwell >= HOVER_MIN_MS {
                let data = EventData::Hover(Hover {
                    sel: h.sel,
                    dwell_ms: dwell as f64,
                    clicked: Some(h.clicked),
                });
                self.emit(h.start, &h.pv, data);
            }
        }
    }

    /// Moves to and clicks the element `key` somewhere near its middle.
    fn click(&mut self, view: &mut View, doc: &mut Doc, key: &str, changed: Option<bool>) {
        let Some(mut el) = view.lay.get(key).cloned() else {
            return;
        };
        if key == "cart-link" {
            el.text = Some(format!("Cart {}", self.cart_total().1));
        }
        self.ensure_visible(view, &el);
        let rx = (0.5 + 0.18 * self.gauss()).clamp(0.04, 0.96);
        let ry = (0.5 + 0.18 * self.gauss()).clamp(0.08, 0.92);
        let (x, y) = (el.x + rx * el.w, el.top_at(view.scroll) + ry * el.h);
        let target = el.interactive.then_some(el.sel.as_str());
        self.pointer_to(view, x, y, target);
        self.t += if self.desktop() {
            self.range(120, 600)
        } else {
            self.range(80, 250)
        };
        self.click_at(view, doc, &el, x, y, changed);
    }

    /// A click at page point (x, y) on `el`, now.
    fn click_at(
        &mut self,
        view: &mut View,
        doc: &mut Doc,
        el: &El,
        x: f64,
        y: f64,
        changed: Option<bool>,
    ) {
        // focus leaves a field on mousedown, just before the click
        if self.focus.as_ref().is_some_and(|f| f.sel != el.sel) {
            let t = self.t - 60;
            self.blur_at(t);
        }
        let t = self.t;
        let top = el.top_at(view.scroll);
        let rel = |d: f64, w: f64| {
            if w > 0.0 {
                ((d / w) * 1000.0).round().clamp(0.0, 1000.0) / 1000.0
            } else {
                0.0
            }
        };
        let data = EventData::Click(Click {
            sel: el.sel.clone(),
            tag: Some(el.tag.to_string()),
            text: el.text.clone(),
            href: el.href.clone(),
            interactive: Some(el.interactive),
            x: x.round(),
            y: y.round(),
            rx: Some(rel(x - el.x, el.w)),
            ry: Some(rel(y - top, el.h)),
            pointer: Some(if self.desktop() {
                Pointer::Mouse
            } else {
                Pointer::Touch
            }),
            changed,
            vw: Some(self.vw()),
            fixed: el.sticky.then_some(true),
        });
        let pv = view.pv.clone();
        self.emit(t, &pv, data);
        view.activity.push(t);
        self.first_input(doc, t);
        if let Some(h) = &mut self.hover
            && h.sel == el.sel
        {
            h.clicked = true;
        }
    }

    fn first_input(&mut self, doc: &mut Doc, t: i64) {
        doc.inputs += 1;
        if !doc.lcp_sent {
            doc.lcp_sent = true;
            let first = doc.first_pv.clone();
            let lcp = doc.lcp;
            self.vital(t, &first, VitalName::Lcp, lcp);
        }
    }

    /// Focuses a field (clicking it, or with Tab) and types for a while. Never a value.
    fn type_into(
        &mut self,
        view: &mut View,
        doc: &mut Doc,
        key: &str,
        field: &'static str,
        click: bool,
        typing: (i64, i64),
    ) {
        let Some(el) = view.lay.get(key).cloned() else {
            return;
        };
        if click || self.focus.is_none() {
            self.t += self.paced(300, 1_200);
            self.click(view, doc, key, Some(true));
        } else {
            // Tab: keydown moves focus; the browser scrolls the field into view
            self.t += self.range(150, 600);
            let t = self.t;
            self.blur_at(t);
            view.activity.push(t);
            self.first_input(doc, t);
            self.ensure_visible(view, &el);
        }
        self.t += 1;
        let t = self.t;
        let pv = view.pv.clone();
        self.input(t, &pv, &el.sel, InputAction::Focus, field);
        self.focus = Some(Focus {
            pv,
            sel: el.sel.clone(),
            field,
            changed: false,
        });
        let d = self.paced(typing.0, typing.1);
        self.typing(view, d);
        if let Some(f) = &mut self.focus {
            f.changed = true;
        }
        view.used = Some((el.sel, field));
    }

    fn typing(&mut self, view: &mut View, ms: i64) {
        let end = self.t + ms;
        while self.t < end {
            view.activity.push(self.t);
            self.t += self.range(150, 900);
        }
        self.t = end;
    }

    /// `change` (when the value changed) and `blur` of the focused field.
    fn blur_at(&mut self, t: i64) {
        if let Some(f) = self.focus.take() {
            if f.changed {
                self.input(t, &f.pv, &f.sel, InputAction::Change, f.field);
            }
            self.input(t, &f.pv, &f.sel, InputAction::Blur, f.field);
        }
    }
}

/// The tracker's active time: the union of 10 s windows after each interaction, up to `end`.
fn active_ms(activity: &mut [i64], end: i64) -> i64 {
    activity.sort_unstable();
    let mut total = 0;
    let mut seg: Option<(i64, i64)> = None;
    for &a in activity.iter().filter(|&&a| a <= end) {
        let (s, e) = (a, (a + ACTIVE_WINDOW_MS).min(end));
        seg = match seg {
            Some((ss, se)) if s <= se => Some((ss, se.max(e))),
            Some((ss, se)) => {
                total += se - ss;
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    if let Some((s, e)) = seg {
        total += e - s;
    }
    total
}
