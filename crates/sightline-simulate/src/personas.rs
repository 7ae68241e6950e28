//! Who visits and when: devices with matching screens and user agents, languages and time
//! zones, traffic channels with their landing URLs and referrers, visitor identity (new or
//! returning) and session start times (more on weekdays and in the daytime).

use rand::Rng;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{DEVICE_SHARES, RETURNING_RATE};

pub const SALT_SESSION: u64 = 0x5e55_1011;
const SALT_START: u64 = 0x0057_a127;
const SALT_RETURNING: u64 = 0x0000_bac4;
const SALT_PICK: u64 = 0x0000_91c4;
const SALT_PERSONA: u64 = 0x9e25_0a11;
const SALT_VID: u64 = 0x0000_0f1d;

const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 24 * HOUR_MS;
/// The newest session starts this long before now (sessions last well under it).
const END_MARGIN_MS: i64 = HOUR_MS;
/// The oldest session starts this long after `now - days` (slack for the time sending takes).
const START_MARGIN_MS: i64 = HOUR_MS;
/// A returning visitor's earlier session started at least this long before.
const RETURN_GAP_MS: i64 = 2 * HOUR_MS;

// ------------------------------------------------------------------------------------------
// Hashing (splitmix64): per-session facts that other sessions need to know
// ------------------------------------------------------------------------------------------

pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub fn hash3(seed: u64, index: u64, salt: u64) -> u64 {
    mix(mix(mix(seed) ^ index) ^ salt)
}

/// Uniform in [0, 1) from `(seed, index, salt)`.
fn unit(seed: u64, index: u64, salt: u64) -> f64 {
    (hash3(seed, index, salt) >> 11) as f64 / (1u64 << 53) as f64
}

const ID_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// A 22-character id of `[A-Za-z0-9_-]`, like the tracker's `rid()`.
pub fn rid(rng: &mut impl Rng) -> String {
    let (a, b): (u64, u64) = (rng.random(), rng.random());
    id_from(a, b)
}

fn id_from(a: u64, b: u64) -> String {
    (0..22)
        .map(|i| {
            let bits = if i < 11 {
                a >> (i * 6)
            } else {
                b >> ((i - 11) * 6)
            };
            ID_ALPHABET[(bits & 63) as usize] as char
        })
        .collect()
}

// ------------------------------------------------------------------------------------------
// Time: session starts over the window, weighted by weekday and hour
// ------------------------------------------------------------------------------------------

/// Relative traffic by local hour (CET).
const HOUR_WEIGHT: [f64; 24] = [
    0.25, 0.15, 0.10, 0.08, 0.08, 0.12, 0.25, 0.45, 0.65, 0.80, 0.90, 0.95, 1.05, 1.00, 0.95, 0.95,
    0.95, 1.00, 1.10, 1.25, 1.35, 1.30, 1.00, 0.55,
];
/// Relative traffic by weekday, Monday first.
const WEEKDAY_WEIGHT: [f64; 7] = [1.0, 1.0, 1.0, 1.0, 0.95, 0.75, 0.8];
const LOCAL_OFFSET_MS: i64 = HOUR_MS;

fn intensity(t: i64) -> f64 {
    let local = t + LOCAL_OFFSET_MS;
    let day = local.div_euclid(DAY_MS);
    let hour = (local.rem_euclid(DAY_MS) / HOUR_MS) as usize;
    // 1970-01-01 was a Thursday (index 3 with Monday = 0).
    let weekday = (day + 3).rem_euclid(7) as usize;
    HOUR_WEIGHT[hour] * WEEKDAY_WEIGHT[weekday]
}

/// Inverse CDF of session start times over `[now - days + margin, now - margin]`.
pub struct Timeline {
    start: i64,
    end: i64,
    /// Cumulative weight at the end of each hour bucket, normalised to 1.
    cdf: Vec<f64>,
}

impl Timeline {
    pub fn new(now_ms: i64, days: u32) -> Self {
        let days = i64::from(days.max(1));
        let end = now_ms - END_MARGIN_MS;
        let start = (now_ms - days * DAY_MS + START_MARGIN_MS).min(end - HOUR_MS);
        let buckets = ((end - start) as f64 / HOUR_MS as f64).ceil().max(1.0) as usize;
        let mut cdf = Vec::with_capacity(buckets);
        let mut acc = 0.0;
        for b in 0..buckets {
            let from = start + b as i64 * HOUR_MS;
            let to = (from + HOUR_MS).min(end);
            acc += intensity(from + (to - from) / 2) * (to - from) as f64 / HOUR_MS as f64;
            cdf.push(acc);
        }
        for c in &mut cdf {
            *c /= acc;
        }
        Self { start, end, cdf }
    }

    /// The time below which a share `q` (0..1) of the sessions start.
    pub fn at(&self, q: f64) -> i64 {
        let q = q.clamp(0.0, 1.0);
        let b = self.cdf.partition_point(|&c| c < q).min(self.cdf.len() - 1);
        let lo = if b == 0 { 0.0 } else { self.cdf[b - 1] };
        let hi = self.cdf[b];
        let frac = if hi > lo { (q - lo) / (hi - lo) } else { 0.0 };
        let from = self.start + b as i64 * HOUR_MS;
        let to = (from + HOUR_MS).min(self.end);
        (from as f64 + frac * (to - from) as f64) as i64
    }
}

/// Start time of session `index` of `n`: sessions are in time order by index.
pub fn session_start(seed: u64, index: u64, n: u64, tl: &Timeline) -> i64 {
    let n = n.max(index + 1);
    tl.at((index as f64 + unit(seed, index, SALT_START)) / n as f64)
}

/// The first session of the visitor of session `index`: `index` itself for a new visitor,
/// an earlier session (at least two hours earlier) for a returning one.
pub fn visitor_root(seed: u64, index: u64, n: u64, tl: &Timeline) -> u64 {
    let n = n.max(index + 1);
    let mut i = index;
    for _ in 0..64 {
        if i == 0 || unit(seed, i, SALT_RETURNING) >= RETURNING_RATE {
            return i;
        }
        let latest = session_start(seed, i, n, tl) - RETURN_GAP_MS;
        // sessions j with certainly-earlier starts: at((j + 1) / n) <= latest
        let limit = partition(i, |j| tl.at((j + 1) as f64 / n as f64) <= latest);
        if limit == 0 {
            return i;
        }
        i = ((unit(seed, i, SALT_PICK) * limit as f64) as u64).min(limit - 1);
    }
    i
}

/// Number of leading `j` in `0..len` for which the monotone predicate holds.
fn partition(len: u64, pred: impl Fn(u64) -> bool) -> u64 {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

pub fn visitor_id(seed: u64, root: u64) -> String {
    let h = hash3(seed, root, SALT_VID);
    id_from(h, mix(h))
}

// ------------------------------------------------------------------------------------------
// Devices
// ------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Device {
    Desktop,
    Mobile,
    Tablet,
}

impl Device {
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Desktop => "desktop",
            Device::Mobile => "mobile",
            Device::Tablet => "tablet",
        }
    }
}

/// A browser on a device: user agent and screen/viewport in CSS px.
pub struct Profile {
    pub device: Device,
    pub ua: &'static str,
    pub sw: f64,
    pub sh: f64,
    pub vw: f64,
    pub vh: f64,
    pub weight: f64,
}

const fn p(
    device: Device,
    ua: &'static str,
    screen: (f64, f64),
    viewport: (f64, f64),
    weight: f64,
) -> Profile {
    Profile {
        device,
        ua,
        sw: screen.0,
        sh: screen.1,
        vw: viewport.0,
        vh: viewport.1,
        weight,
    }
}

use Device::{Desktop, Mobile, Tablet};

pub const PROFILES: &[Profile] = &[
    // desktop
    p(
        Desktop,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        (1920.0, 1080.0),
        (1920.0, 947.0),
        0.24,
    ),
    p(
        Desktop,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
        (1536.0, 864.0),
        (1536.0, 730.0),
        0.16,
    ),
    p(
        Desktop,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70",
        (1366.0, 768.0),
        (1366.0, 633.0),
        0.10,
    ),
    p(
        Desktop,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        (1920.0, 1080.0),
        (1920.0, 955.0),
        0.08,
    ),
    p(
        Desktop,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        (1440.0, 900.0),
        (1440.0, 789.0),
        0.16,
    ),
    p(
        Desktop,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        (1512.0, 982.0),
        (1512.0, 859.0),
        0.14,
    ),
    p(
        Desktop,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
        (1680.0, 1050.0),
        (1680.0, 925.0),
        0.06,
    ),
    p(
        Desktop,
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        (2560.0, 1440.0),
        (2560.0, 1301.0),
        0.06,
    ),
    // mobile
    p(
        Mobile,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 Mobile/15E148 Safari/604.1",
        (393.0, 852.0),
        (393.0, 659.0),
        0.22,
    ),
    p(
        Mobile,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
        (390.0, 844.0),
        (390.0, 664.0),
        0.18,
    ),
    p(
        Mobile,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
        (428.0, 926.0),
        (428.0, 746.0),
        0.06,
    ),
    p(
        Mobile,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_10 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
        (375.0, 667.0),
        (375.0, 548.0),
        0.06,
    ),
    p(
        Mobile,
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        (412.0, 915.0),
        (412.0, 785.0),
        0.26,
    ),
    p(
        Mobile,
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        (360.0, 780.0),
        (360.0, 664.0),
        0.14,
    ),
    p(
        Mobile,
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
        (360.0, 800.0),
        (360.0, 680.0),
        0.08,
    ),
    // tablet
    p(
        Tablet,
        "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
        (820.0, 1180.0),
        (820.0, 1106.0),
        0.35,
    ),
    p(
        Tablet,
        "Mozilla/5.0 (iPad; CPU OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
        (768.0, 1024.0),
        (768.0, 954.0),
        0.2,
    ),
    p(
        Tablet,
        "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        (800.0, 1280.0),
        (800.0, 1157.0),
        0.3,
    ),
    p(
        Tablet,
        "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        (1024.0, 1366.0),
        (1024.0, 1292.0),
        0.15,
    ),
];

/// (navigator.language, time zone, weight)
const LOCALES: &[(&str, &str, f64)] = &[
    ("nl-NL", "Europe/Amsterdam", 0.30),
    ("de-DE", "Europe/Berlin", 0.20),
    ("en-GB", "Europe/London", 0.14),
    ("fr-FR", "Europe/Paris", 0.11),
    ("en-US", "Europe/Amsterdam", 0.10),
    ("en-US", "America/New_York", 0.07),
    ("nl-BE", "Europe/Brussels", 0.05),
    ("de-AT", "Europe/Vienna", 0.03),
];

/// A visitor: the same for every session of one `vid`.
pub struct Persona {
    pub profile: &'static Profile,
    pub lang: &'static str,
    pub tz: &'static str,
    /// How quickly this person reads and acts (multiplies dwell times).
    pub pace: f64,
}

impl Persona {
    pub fn touch(&self) -> bool {
        self.profile.device != Device::Desktop
    }
}

pub fn pick_weighted<'a, T>(
    rng: &mut impl Rng,
    items: &'a [T],
    weight: impl Fn(&T) -> f64,
) -> &'a T {
    let total: f64 = items.iter().map(&weight).sum();
    let mut x = rng.random::<f64>() * total;
    for it in items {
        x -= weight(it);
        if x < 0.0 {
            return it;
        }
    }
    &items[items.len() - 1]
}

pub fn persona(seed: u64, root: u64) -> Persona {
    let mut rng = StdRng::seed_from_u64(hash3(seed, root, SALT_PERSONA));
    let device = pick_weighted(&mut rng, &DEVICE_SHARES, |d| d.1).0;
    let candidates: Vec<&Profile> = PROFILES.iter().filter(|p| p.device == device).collect();
    let profile = *pick_weighted(&mut rng, &candidates, |p| p.weight);
    let &(lang, tz, _) = pick_weighted(&mut rng, LOCALES, |l| l.2);
    let pace = rng.random_range(0.7..1.4);
    Persona {
        profile,
        lang,
        tz,
        pace,
    }
}

// ------------------------------------------------------------------------------------------
// Channels
// ------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Direct,
    OrganicSearch,
    PaidSearch,
    OrganicSocial,
    PaidSocial,
    Email,
    Referral,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Direct => "direct",
            Channel::OrganicSearch => "organic_search",
            Channel::PaidSearch => "paid_search",
            Channel::OrganicSocial => "organic_social",
            Channel::PaidSocial => "paid_social",
            Channel::Email => "email",
            Channel::Referral => "referral",
        }
    }
}

const NEW_CHANNELS: &[(Channel, f64)] = &[
    (Channel::Direct, 0.16),
    (Channel::OrganicSearch, 0.32),
    (Channel::PaidSearch, 0.14),
    (Channel::OrganicSocial, 0.11),
    (Channel::PaidSocial, 0.12),
    (Channel::Email, 0.03),
    (Channel::Referral, 0.12),
];
const RETURNING_CHANNELS: &[(Channel, f64)] = &[
    (Channel::Direct, 0.36),
    (Channel::OrganicSearch, 0.20),
    (Channel::PaidSearch, 0.07),
    (Channel::OrganicSocial, 0.06),
    (Channel::PaidSocial, 0.05),
    (Channel::Email, 0.20),
    (Channel::Referral, 0.06),
];

pub fn pick_channel(rng: &mut impl Rng, returning: bool) -> Channel {
    let table = if returning {
        RETURNING_CHANNELS
    } else {
        NEW_CHANNELS
    };
    pick_weighted(rng, table, |c| c.1).0
}

/// Where a channel's visit starts: referrer, extra query parameters for the landing URL
/// (UTM, click ids) and the `utm_source` in them.
pub struct Arrival {
    pub referrer: String,
    pub params: Vec<(String, String)>,
    pub utm_source: Option<String>,
}

const REFERRAL_SITES: &[&str] = &[
    "https://www.packhacker.com/guides/best-travel-backpacks/",
    "https://everydaycarry.com/posts/slim-wallets-roundup",
    "https://www.treehugger.com/sustainable-sneaker-brands-5097231",
    "https://slowfashionjournal.net/2025/10/repairable-goods/",
    "https://www.outdoorgearlab.com/topics/shoes-and-boots/best-trail-running-shoes",
];

const CAMPAIGNS: &[&str] = &[
    "autumn_drop",
    "trail_runner_launch",
    "weekender_promo",
    "members_plus",
];

fn click_id(rng: &mut impl Rng, prefix: &str) -> String {
    let a: u64 = rng.random();
    let b: u64 = rng.random();
    format!("{prefix}{}", &id_from(a, b)[..20])
}

fn kv(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_string(), v.into())
}

pub fn arrival(rng: &mut impl Rng, channel: Channel) -> Arrival {
    let campaign = CAMPAIGNS[rng.random_range(0..CAMPAIGNS.len())];
    let (referrer, params, source): (&str, Vec<(String, String)>, Option<&str>) = match channel {
        Channel::Direct => ("", vec![], None),
        Channel::OrganicSearch => {
            let r = *pick_weighted(
                rng,
                &[
                    ("https://www.google.com/", 0.72),
                    ("https://www.bing.com/", 0.12),
                    ("https://duckduckgo.com/", 0.1),
                    ("https://www.ecosia.org/", 0.06),
                ],
                |x| x.1,
            );
            (r.0, vec![], None)
        }
        Channel::PaidSearch => {
            if rng.random_bool(0.85) {
                let p = vec![
                    kv("utm_source", "google"),
                    kv("utm_medium", "cpc"),
                    kv("utm_campaign", campaign),
                    kv("gclid", click_id(rng, "Cj0KCQiA")),
                ];
                ("https://www.google.com/", p, Some("google"))
            } else {
                let p = vec![
                    kv("utm_source", "bing"),
                    kv("utm_medium", "cpc"),
                    kv("utm_campaign", campaign),
                    kv("msclkid", format!("{:032x}", rng.random::<u128>())),
                ];
                ("https://www.bing.com/", p, Some("bing"))
            }
        }
        Channel::OrganicSocial => {
            let x: f64 = rng.random();
            if x < 0.45 {
                (
                    "https://l.facebook.com/",
                    vec![kv("fbclid", click_id(rng, "IwAR"))],
                    None,
                )
            } else if x < 0.75 {
                ("https://l.instagram.com/", vec![], None)
            } else if x < 0.9 {
                ("https://www.pinterest.com/", vec![], None)
            } else {
                ("https://t.co/", vec![], None)
            }
        }
        Channel::PaidSocial => {
            if rng.random_bool(0.6) {
                let p = vec![
                    kv("utm_source", "facebook"),
                    kv("utm_medium", "paid_social"),
                    kv("utm_campaign", campaign),
                    kv("fbclid", click_id(rng, "IwAR")),
                ];
                ("https://l.facebook.com/", p, Some("facebook"))
            } else {
                let p = vec![
                    kv("utm_source", "instagram"),
                    kv("utm_medium", "paid_social"),
                    kv("utm_campaign", campaign),
                ];
                ("https://l.instagram.com/", p, Some("instagram"))
            }
        }
        Channel::Email => {
            let p = vec![
                kv("utm_source", "newsletter"),
                kv("utm_medium", "email"),
                kv("utm_campaign", campaign),
            ];
            // mail apps send no referrer; webmail does
            let r = if rng.random_bool(0.3) {
                "https://mail.google.com/"
            } else {
                ""
            };
            (r, p, Some("newsletter"))
        }
        Channel::Referral => (
            REFERRAL_SITES[rng.random_range(0..REFERRAL_SITES.len())],
            vec![],
            None,
        ),
    };
    Arrival {
        referrer: referrer.to_string(),
        params,
        utm_source: source.map(str::to_string),
    }
}
