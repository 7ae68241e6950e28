//! Traffic-channel classification from UTM parameters, ad click ids and the referrer.
//!
//! Rules, in order (modelled on GA4's default channel grouping):
//! 1. `utm_medium` when it names a channel (cpc/ppc/paid… → paid search, or paid social
//!    when the source is a social network; email/newsletter; social; display/banner/cpm;
//!    affiliate; organic; referral).
//! 2. Ad click ids on the page URL: `gclid`/`gbraid`/`wbraid`/`msclkid`/`yclid` → paid search,
//!    `dclid` → display, `ttclid`/`li_fat_id` → paid social.
//! 3. `utm_source` when it names a known search engine, social network or mail service.
//! 4. The referrer: same site → internal; otherwise its host is looked up in the embedded
//!    list `channels.txt` (search engines, social networks, webmail); unknown → referral.
//! 5. No usable referrer: organic click ids (`fbclid`, `igshid` → organic social,
//!    `srsltid` → organic search, `mc_cid`/`_hsenc` → email); any UTM → referral; else direct.
//!
//! The list is parsed once into hash maps; classifying a pageview does a handful of
//! hash lookups on borrowed slices of the referrer and allocates nothing in the common case.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Traffic channel of a pageview (and, by its first pageview, of a session).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Direct,
    OrganicSearch,
    PaidSearch,
    PaidSocial,
    OrganicSocial,
    Email,
    Referral,
    Display,
    Affiliate,
    Internal,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Direct => "direct",
            Channel::OrganicSearch => "organic_search",
            Channel::PaidSearch => "paid_search",
            Channel::PaidSocial => "paid_social",
            Channel::OrganicSocial => "organic_social",
            Channel::Email => "email",
            Channel::Referral => "referral",
            Channel::Display => "display",
            Channel::Affiliate => "affiliate",
            Channel::Internal => "internal",
        }
    }
}

/// UTM campaign parameters of a landing URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Utm {
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub term: Option<String>,
    pub content: Option<String>,
}

/// Maximum length (in characters) of a stored UTM value.
const UTM_MAX_CHARS: usize = 200;

impl Utm {
    /// Reads `utm_source`, `utm_medium`, `utm_campaign`, `utm_term`, `utm_content` from the
    /// query (keys case-insensitive, first occurrence wins). Values are trimmed and capped at
    /// 200 characters; source and medium are lowercased; empty values are `None`.
    pub fn from_url(url: &url::Url) -> Utm {
        let mut utm = Utm::default();
        let Some(query) = url.query() else {
            return utm;
        };
        if !query
            .as_bytes()
            .windows(4)
            .any(|w| w.eq_ignore_ascii_case(b"utm_"))
        {
            return utm;
        }
        for (key, value) in url.query_pairs() {
            let Some(name) = key
                .get(..4)
                .filter(|p| p.eq_ignore_ascii_case("utm_"))
                .map(|_| &key[4..])
            else {
                continue;
            };
            let (slot, lower) = if name.eq_ignore_ascii_case("source") {
                (&mut utm.source, true)
            } else if name.eq_ignore_ascii_case("medium") {
                (&mut utm.medium, true)
            } else if name.eq_ignore_ascii_case("campaign") {
                (&mut utm.campaign, false)
            } else if name.eq_ignore_ascii_case("term") {
                (&mut utm.term, false)
            } else if name.eq_ignore_ascii_case("content") {
                (&mut utm.content, false)
            } else {
                continue;
            };
            if slot.is_some() {
                continue;
            }
            let v = cap_chars(value.trim(), UTM_MAX_CHARS);
            if v.is_empty() {
                continue;
            }
            *slot = Some(if lower {
                v.to_lowercase()
            } else {
                v.to_owned()
            });
        }
        utm
    }

    fn is_empty(&self) -> bool {
        self.source.is_none()
            && self.medium.is_none()
            && self.campaign.is_none()
            && self.term.is_none()
            && self.content.is_none()
    }
}

fn cap_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Classify the channel of a pageview. `page` is the page URL (with its query),
/// `referrer` the raw `document.referrer` (if any), `utm` usually `Utm::from_url(page)`.
pub fn classify_channel(page: &url::Url, referrer: Option<&str>, utm: &Utm) -> Channel {
    let data = &*DATA;

    // 1. utm_medium
    let source = utm.source.as_deref().map(normalise_token);
    if let Some(medium) = utm.medium.as_deref() {
        let medium = normalise_token(medium);
        if let Some(ch) = medium_channel(&medium, source.as_deref(), data) {
            return ch;
        }
    }

    // 2. paid click ids
    let click = scan_click_ids(page);
    if let Some(ch) = click.paid {
        return ch;
    }

    // 3. utm_source
    if let Some(source) = source.as_deref() {
        match source_category(source, data) {
            Some(Category::Search) => return Channel::OrganicSearch,
            Some(Category::Social) => return Channel::OrganicSocial,
            Some(Category::Email) => return Channel::Email,
            Some(Category::Referral) | None => {}
        }
    }

    // 4. referrer
    if let Some(ref_host) = referrer.and_then(extract_host) {
        let ref_host = strip_www(&ref_host);
        if let Some(page_host) = page.host_str() {
            let page_host = lower_cow(page_host.trim_end_matches('.'));
            if same_site(strip_www(&page_host), ref_host, data) {
                return Channel::Internal;
            }
        }
        return match data.lookup_host(ref_host) {
            Some(Category::Search) => Channel::OrganicSearch,
            Some(Category::Social) => Channel::OrganicSocial,
            Some(Category::Email) => Channel::Email,
            Some(Category::Referral) | None => Channel::Referral,
        };
    }

    // 5. no referrer
    if let Some(ch) = click.organic {
        return ch;
    }
    if utm.is_empty() {
        Channel::Direct
    } else {
        Channel::Referral
    }
}

/// Referrer host for storage: lowercase, without `www.`, port or credentials.
/// `None` when the referrer is missing, empty or has no usable host.
pub fn referrer_host(referrer: Option<&str>) -> Option<String> {
    let host = extract_host(referrer?)?;
    let host = strip_www(&host);
    (!host.is_empty()).then(|| host.to_owned())
}

// ---------------------------------------------------------------------------------------
// UTM medium / source
// ---------------------------------------------------------------------------------------

fn normalise_token(s: &str) -> Cow<'_, str> {
    lower_cow(s.trim())
}

fn medium_channel(medium: &str, source: Option<&str>, data: &ChannelData) -> Option<Channel> {
    let source_is_social =
        || source.is_some_and(|s| source_category(s, data) == Some(Category::Social));
    let m = medium;
    let ch = match m {
        "" | "(none)" | "none" | "(not set)" => return None,
        "social-paid" | "social_paid" | "socialpaid" | "paid-social" | "paid_social"
        | "paidsocial" | "paid social" => Channel::PaidSocial,
        "cpm" | "display" | "banner" | "banners" | "interstitial" | "expandable"
        | "programmatic" | "native" => Channel::Display,
        _ if m.starts_with("paid")
            || m.contains("cpc")
            || m.contains("ppc")
            || matches!(m, "sem" | "cpv" | "cpa" | "cpp") =>
        {
            if m.contains("social") || source_is_social() {
                Channel::PaidSocial
            } else {
                Channel::PaidSearch
            }
        }
        "email" | "e-mail" | "e_mail" | "e mail" | "mail" | "newsletter" | "newsletters" => {
            Channel::Email
        }
        "social" | "social-network" | "social-media" | "sm" | "social network" | "social media"
        | "social_network" | "social_media" | "organic_social" | "organic-social"
        | "organicsocial" => Channel::OrganicSocial,
        _ if m.starts_with("affiliate") => Channel::Affiliate,
        _ if m.contains("display") || m.contains("banner") => Channel::Display,
        "organic" | "seo" => Channel::OrganicSearch,
        "referral" | "referrer" | "link" => Channel::Referral,
        _ => return None,
    };
    Some(ch)
}

/// Category of a `utm_source`: a listed name ("facebook"), a host ("l.facebook.com",
/// even as a URL), or a listed name as its first word ("facebook_ads", "google-ads").
fn source_category(source: &str, data: &ChannelData) -> Option<Category> {
    if source.is_empty() {
        return None;
    }
    if let Some(&c) = data.names.get(source) {
        return Some(c);
    }
    if source.contains('.')
        && let Some(host) = extract_host(source)
        && let Some(c) = data.lookup_host(strip_www(&host))
    {
        return Some(c);
    }
    let first = source
        .split(['_', '-', ' ', '.', '+', '|', '/'])
        .next()
        .unwrap_or(source);
    if first.len() < source.len() {
        return data.names.get(first).copied();
    }
    None
}

// ---------------------------------------------------------------------------------------
// Click ids
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct ClickIds {
    /// Ad click ids: decide the channel before the referrer.
    paid: Option<Channel>,
    /// Organic share/tracking ids: decide the channel only when there is no referrer.
    organic: Option<Channel>,
}

fn scan_click_ids(page: &url::Url) -> ClickIds {
    let mut ids = ClickIds::default();
    let Some(query) = page.query() else {
        return ids;
    };
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if value.is_empty() {
            continue;
        }
        match key {
            "gclid" | "gbraid" | "wbraid" | "msclkid" | "yclid" => {
                ids.paid.get_or_insert(Channel::PaidSearch);
            }
            "dclid" => {
                ids.paid.get_or_insert(Channel::Display);
            }
            "ttclid" | "li_fat_id" => {
                ids.paid.get_or_insert(Channel::PaidSocial);
            }
            "fbclid" | "igshid" => {
                ids.organic.get_or_insert(Channel::OrganicSocial);
            }
            "srsltid" => {
                ids.organic.get_or_insert(Channel::OrganicSearch);
            }
            "mc_cid" | "mc_eid" | "_hsenc" => {
                ids.organic.get_or_insert(Channel::Email);
            }
            _ => {}
        }
    }
    ids
}

// ---------------------------------------------------------------------------------------
// Hosts
// ---------------------------------------------------------------------------------------

fn lower_cow(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) || !s.is_ascii() {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

fn strip_www(host: &str) -> &str {
    match host.strip_prefix("www.") {
        Some(rest) if !rest.is_empty() => rest,
        _ => host,
    }
}

/// Host of a URL-ish string: lowercase, without credentials, port or trailing dot.
/// Accepts `scheme://host/...`, `//host/...` and bare `host/...` (the latter only when it
/// contains a dot). Non-ASCII hosts are converted to punycode.
fn extract_host(s: &str) -> Option<Cow<'_, str>> {
    let s = s.trim();
    let (rest, had_scheme) = match s.find("://") {
        Some(i) => {
            let scheme = &s[..i];
            let valid = scheme
                .as_bytes()
                .first()
                .is_some_and(u8::is_ascii_alphabetic)
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
            if !valid {
                return None;
            }
            (&s[i + 3..], true)
        }
        None => (s.strip_prefix("//").unwrap_or(s), false),
    };
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let mut authority = &rest[..end];
    if let Some(at) = authority.rfind('@') {
        authority = &authority[at + 1..];
    }
    let host = if authority.starts_with('[') {
        &authority[..=authority.find(']')?]
    } else {
        authority.split(':').next().unwrap_or("")
    };
    let host = host.trim_end_matches('.');
    if host.is_empty() || (!had_scheme && !host.contains('.')) {
        return None;
    }
    let ascii_ok = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'[' | b']' | b':'));
    if ascii_ok {
        return Some(lower_cow(host));
    }
    if host.is_ascii() {
        return None; // spaces, quotes, percent signs ...
    }
    // Internationalised domain name → punycode via the url crate (rare path).
    let parsed = url::Url::parse(&format!("http://{host}/")).ok()?;
    Some(Cow::Owned(parsed.host_str()?.to_owned()))
}

/// Second-level labels under which ccTLDs register names (example.co.uk, shop.com.au).
const CC_SECOND_LEVEL: &[&str] = &[
    "co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go", "gob", "ltd", "plc", "nom",
    "gen", "biz", "info",
];

/// Registrable-ish "site" of a host: the label before a known shared-hosting suffix
/// (foo.github.io), else the last two labels, or three under a ccTLD second level
/// (shop.co.uk). IP addresses and single labels are their own site.
fn site_key<'a>(host: &'a str, data: &ChannelData) -> &'a str {
    if host.starts_with('[') || host.parse::<std::net::IpAddr>().is_ok() {
        return host;
    }
    let mut label_start = 0;
    for (dot, _) in host.match_indices('.') {
        if data.shared.contains(&host[dot + 1..]) {
            return &host[label_start..];
        }
        label_start = dot + 1;
    }
    let Some(last_dot) = host.rfind('.') else {
        return host;
    };
    let tld = &host[last_dot + 1..];
    let Some(second_dot) = host[..last_dot].rfind('.') else {
        return host;
    };
    let second = &host[second_dot + 1..last_dot];
    if tld.len() == 2 && CC_SECOND_LEVEL.contains(&second) {
        match host[..second_dot].rfind('.') {
            Some(third_dot) => &host[third_dot + 1..],
            None => host,
        }
    } else {
        &host[second_dot + 1..]
    }
}

fn same_site(page_host: &str, ref_host: &str, data: &ChannelData) -> bool {
    page_host == ref_host || site_key(page_host, data) == site_key(ref_host, data)
}

// ---------------------------------------------------------------------------------------
// Embedded list
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Search,
    Social,
    Email,
    Referral,
}

struct ChannelData {
    /// Dotted tokens: the host and its subdomains.
    hosts: HashMap<&'static str, Category>,
    /// `google.` tokens, keyed by the label: that label followed by a public suffix.
    prefixes: HashMap<&'static str, Category>,
    /// Dot-less tokens: utm_source names.
    names: HashMap<&'static str, Category>,
    /// Shared-hosting suffixes.
    shared: HashSet<&'static str>,
}

static DATA: LazyLock<ChannelData> = LazyLock::new(|| {
    let (data, errors) = parse_list(include_str!("channels.txt"));
    for e in &errors {
        tracing::warn!("channels.txt: {e}");
    }
    data
});

/// Parse the list; bad lines are skipped and reported (a unit test demands none).
fn parse_list(text: &'static str) -> (ChannelData, Vec<String>) {
    let mut data = ChannelData {
        hosts: HashMap::new(),
        prefixes: HashMap::new(),
        names: HashMap::new(),
        shared: HashSet::new(),
    };
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(cat), Some(token), None) = (parts.next(), parts.next(), parts.next()) else {
            errors.push(format!(
                "line {}: expected `category token`: {line:?}",
                n + 1
            ));
            continue;
        };
        if token != token.to_ascii_lowercase() || token.starts_with('.') {
            errors.push(format!(
                "line {}: token must be lowercase: {token:?}",
                n + 1
            ));
            continue;
        }
        let category = match cat {
            "search" => Category::Search,
            "social" => Category::Social,
            "email" => Category::Email,
            "referral" => Category::Referral,
            "shared" => {
                if !data.shared.insert(token) {
                    errors.push(format!("line {}: duplicate {token:?}", n + 1));
                }
                continue;
            }
            other => {
                errors.push(format!("line {}: unknown category {other:?}", n + 1));
                continue;
            }
        };
        let (map, key) = if let Some(label) = token.strip_suffix('.') {
            if label.contains('.') {
                errors.push(format!(
                    "line {}: prefix must be one label: {token:?}",
                    n + 1
                ));
                continue;
            }
            (&mut data.prefixes, label)
        } else if token.contains('.') {
            (&mut data.hosts, token)
        } else {
            (&mut data.names, token)
        };
        if map.insert(key, category).is_some() {
            errors.push(format!("line {}: duplicate {token:?}", n + 1));
        }
    }
    (data, errors)
}

impl ChannelData {
    /// Category of a (lowercase, www-stripped) host: most specific listed suffix first,
    /// then `label.` prefixes followed by a public suffix.
    fn lookup_host(&self, host: &str) -> Option<Category> {
        let mut h = host;
        loop {
            if let Some(&c) = self.hosts.get(h) {
                return Some(c);
            }
            match h.find('.') {
                Some(i) => h = &h[i + 1..],
                None => break,
            }
        }
        let mut rest = host;
        while let Some((label, after)) = rest.split_once('.') {
            if let Some(&c) = self.prefixes.get(label)
                && looks_like_public_suffix(after)
            {
                return Some(c);
            }
            rest = after;
        }
        None
    }
}

/// "com", "de", "co.uk", "com.br": one or two short alphabetic labels.
fn looks_like_public_suffix(s: &str) -> bool {
    let mut labels = s.split('.');
    let (Some(a), b, None) = (labels.next(), labels.next(), labels.next()) else {
        return false;
    };
    let alpha = |l: &str, max: usize| {
        (2..=max).contains(&l.len()) && l.bytes().all(|c| c.is_ascii_lowercase())
    };
    match b {
        None => alpha(a, 6),
        Some(b) => alpha(a, 4) && alpha(b, 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Channel::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    fn classify(page: &str, referrer: Option<&str>) -> Channel {
        let page = url(page);
        classify_channel(&page, referrer, &Utm::from_url(&page))
    }

    #[test]
    fn embedded_list_is_valid_and_big_enough() {
        let (data, errors) = parse_list(include_str!("channels.txt"));
        assert!(errors.is_empty(), "{errors:#?}");
        let host_entries = data.hosts.len() + data.prefixes.len();
        assert!(host_entries >= 60, "only {host_entries} host entries");
        for must in [
            "duckduckgo.com",
            "ecosia.org",
            "search.brave.com",
            "qwant.com",
            "facebook.com",
            "instagram.com",
            "t.co",
            "x.com",
            "twitter.com",
            "linkedin.com",
            "lnkd.in",
            "reddit.com",
            "youtube.com",
            "tiktok.com",
            "news.ycombinator.com",
            "mail.google.com",
            "outlook.live.com",
        ] {
            assert!(data.hosts.contains_key(must), "{must} missing");
        }
        for must in ["google", "bing", "yahoo", "baidu", "yandex", "pinterest"] {
            assert!(data.prefixes.contains_key(must), "{must}. missing");
        }
    }

    #[test]
    fn search_referrers() {
        let page = "https://shop.example.com/product/42";
        for r in [
            "https://www.google.com/",
            "https://www.google.co.uk/",
            "https://www.google.de/search?q=shoes",
            "https://www.google.com.br/",
            "https://images.google.com/",
            "https://www.bing.com/search?q=blue+shoes",
            "https://cn.bing.com/",
            "https://duckduckgo.com/",
            "https://search.yahoo.com/",
            "https://uk.search.yahoo.com/",
            "https://www.baidu.com/link?url=abc",
            "https://yandex.ru/",
            "https://www.ecosia.org/",
            "https://search.brave.com/",
            "https://www.qwant.com/",
            "https://www.startpage.com/",
            "https://kagi.com/",
            "android-app://com.google.android.googlequicksearchbox/",
        ] {
            assert_eq!(classify(page, Some(r)), OrganicSearch, "{r}");
        }
    }

    #[test]
    fn social_referrers() {
        let page = "https://shop.example.com/";
        for r in [
            "https://t.co/",
            "https://x.com/",
            "https://twitter.com/someone/status/1",
            "https://l.facebook.com/",
            "https://m.facebook.com/",
            "https://lm.facebook.com/l.php?u=x",
            "https://www.facebook.com/",
            "https://l.instagram.com/",
            "https://www.linkedin.com/",
            "https://lnkd.in/abc",
            "https://www.reddit.com/r/rust/",
            "https://old.reddit.com/",
            "https://out.reddit.com/t3_x",
            "https://www.pinterest.com/",
            "https://www.pinterest.co.uk/",
            "https://www.youtube.com/",
            "https://m.youtube.com/",
            "https://www.tiktok.com/",
            "https://news.ycombinator.com/item?id=1",
            "https://bsky.app/",
            "android-app://com.linkedin.android/",
        ] {
            assert_eq!(classify(page, Some(r)), OrganicSocial, "{r}");
        }
    }

    #[test]
    fn email_referrers() {
        let page = "https://shop.example.com/";
        for r in [
            "https://mail.google.com/",
            "https://outlook.live.com/",
            "https://outlook.office.com/mail/",
            "https://mail.yahoo.com/",
            "https://mail.proton.me/",
            "android-app://com.google.android.gm/",
        ] {
            assert_eq!(classify(page, Some(r)), Email, "{r}");
        }
    }

    #[test]
    fn referral_referrers() {
        let page = "https://shop.example.com/";
        for r in [
            "https://someblog.net/2024/05/best-shoes",
            "https://docs.google.com/document/d/1",
            "https://github.com/owner/repo",
            "https://googleblog.example.org/", // contains "google" but is not google.<tld>
            "https://notgoogle.com/",
            "https://google.example.org/", // google.<not a public suffix>
            "https://user.github.io/post",
        ] {
            assert_eq!(classify(page, Some(r)), Referral, "{r}");
        }
    }

    #[test]
    fn internal_referrers() {
        assert_eq!(
            classify("https://shop.com/cart", Some("https://shop.com/product/1")),
            Internal
        );
        assert_eq!(
            classify("https://shop.com/cart", Some("https://www.shop.com/")),
            Internal
        );
        assert_eq!(
            classify("https://www.shop.com/cart", Some("https://shop.com/")),
            Internal
        );
        assert_eq!(
            classify("https://shop.com/", Some("https://blog.shop.com/post")),
            Internal
        );
        assert_eq!(
            classify(
                "https://www.shop.co.uk/",
                Some("https://checkout.shop.co.uk/")
            ),
            Internal
        );
        assert_eq!(
            classify("http://localhost:8080/a", Some("http://localhost:8080/b")),
            Internal
        );
        assert_eq!(
            classify("http://127.0.0.1:3000/", Some("http://127.0.0.1:3000/x")),
            Internal
        );
        // different sites that only share a public suffix are not internal
        assert_eq!(
            classify("https://shop.co.uk/", Some("https://other.co.uk/")),
            Referral
        );
        assert_eq!(
            classify("https://alice.github.io/", Some("https://bob.github.io/")),
            Referral
        );
        assert_eq!(
            classify("http://10.0.0.1/", Some("http://10.0.0.2/")),
            Referral
        );
        // the site's own subdomain on shared hosting is internal
        assert_eq!(
            classify(
                "https://alice.github.io/a",
                Some("https://alice.github.io/b")
            ),
            Internal
        );
    }

    #[test]
    fn direct_and_unusable_referrers() {
        assert_eq!(classify("https://shop.com/", None), Direct);
        assert_eq!(classify("https://shop.com/", Some("")), Direct);
        assert_eq!(classify("https://shop.com/", Some("   ")), Direct);
        assert_eq!(classify("https://shop.com/", Some("about:blank")), Direct);
        assert_eq!(classify("https://shop.com/", Some("not a url")), Direct);
        // utm present but meaningless, no referrer → referral
        assert_eq!(
            classify("https://shop.com/?utm_campaign=spring", None),
            Referral
        );
    }

    #[test]
    fn utm_mediums() {
        let cases = [
            (
                "https://s.com/?utm_source=google&utm_medium=cpc",
                PaidSearch,
            ),
            ("https://s.com/?utm_source=bing&utm_medium=ppc", PaidSearch),
            (
                "https://s.com/?utm_source=google&utm_medium=paidsearch",
                PaidSearch,
            ),
            (
                "https://s.com/?utm_source=Google&utm_medium=CPC",
                PaidSearch,
            ),
            (
                "https://s.com/?utm_source=adwords&utm_medium=google_cpc",
                PaidSearch,
            ),
            (
                "https://s.com/?utm_source=facebook&utm_medium=paid",
                PaidSocial,
            ),
            (
                "https://s.com/?utm_source=facebook_ads&utm_medium=cpc",
                PaidSocial,
            ),
            ("https://s.com/?utm_source=fb&utm_medium=cpc", PaidSocial),
            (
                "https://s.com/?utm_source=instagram.com&utm_medium=paid",
                PaidSocial,
            ),
            (
                "https://s.com/?utm_source=linkedin&utm_medium=ppc",
                PaidSocial,
            ),
            (
                "https://s.com/?utm_source=tiktok&utm_medium=paid_social",
                PaidSocial,
            ),
            (
                "https://s.com/?utm_source=whatever&utm_medium=paid-social",
                PaidSocial,
            ),
            (
                "https://s.com/?utm_source=newsletter&utm_medium=email",
                Email,
            ),
            (
                "https://s.com/?utm_source=mailchimp&utm_medium=newsletter",
                Email,
            ),
            ("https://s.com/?utm_source=crm&utm_medium=e-mail", Email),
            (
                "https://s.com/?utm_source=twitter&utm_medium=social",
                OrganicSocial,
            ),
            (
                "https://s.com/?utm_source=x&utm_medium=social-network",
                OrganicSocial,
            ),
            ("https://s.com/?utm_source=gdn&utm_medium=display", Display),
            ("https://s.com/?utm_source=dv360&utm_medium=banner", Display),
            ("https://s.com/?utm_source=dsp&utm_medium=cpm", Display),
            (
                "https://s.com/?utm_source=awin&utm_medium=affiliate",
                Affiliate,
            ),
            (
                "https://s.com/?utm_source=partner&utm_medium=affiliates",
                Affiliate,
            ),
            (
                "https://s.com/?utm_source=google&utm_medium=organic",
                OrganicSearch,
            ),
            (
                "https://s.com/?utm_source=partner-site&utm_medium=referral",
                Referral,
            ),
        ];
        for (page, want) in cases {
            // UTM wins over the referrer
            assert_eq!(
                classify(page, Some("https://someblog.net/")),
                want,
                "{page}"
            );
            assert_eq!(classify(page, None), want, "{page}");
        }
    }

    #[test]
    fn utm_source_without_medium() {
        assert_eq!(
            classify("https://s.com/?utm_source=newsletter", None),
            Email
        );
        assert_eq!(
            classify("https://s.com/?utm_source=facebook", None),
            OrganicSocial
        );
        assert_eq!(
            classify("https://s.com/?utm_source=duckduckgo", None),
            OrganicSearch
        );
        assert_eq!(
            classify("https://s.com/?utm_source=l.facebook.com", None),
            OrganicSocial
        );
        // unknown source and medium: fall through to the referrer
        assert_eq!(
            classify(
                "https://s.com/?utm_source=flyer&utm_medium=qr",
                Some("https://www.google.com/")
            ),
            OrganicSearch
        );
        assert_eq!(
            classify("https://s.com/?utm_source=flyer&utm_medium=qr", None),
            Referral
        );
    }

    #[test]
    fn click_ids() {
        let g = Some("https://www.google.com/");
        assert_eq!(classify("https://s.com/?gclid=EAIaIQobChMI", g), PaidSearch);
        assert_eq!(
            classify("https://s.com/?gclid=EAIaIQobChMI", None),
            PaidSearch
        );
        assert_eq!(
            classify("https://s.com/?a=1&gbraid=0AAAAA", None),
            PaidSearch
        );
        assert_eq!(
            classify(
                "https://s.com/?msclkid=5b2b5c",
                Some("https://www.bing.com/")
            ),
            PaidSearch
        );
        assert_eq!(classify("https://s.com/?dclid=CJ", None), Display);
        assert_eq!(classify("https://s.com/?ttclid=E.C.P", None), PaidSocial);
        // an empty click id means nothing
        assert_eq!(classify("https://s.com/?gclid=", None), Direct);
        // a UTM medium decides before a click id
        assert_eq!(
            classify("https://s.com/?utm_medium=email&gclid=x", None),
            Email
        );
        // fbclid alone is not paid: referrer decides, else organic social
        let fb = "https://s.com/?fbclid=IwAR2xyz";
        assert_eq!(classify(fb, Some("https://l.facebook.com/")), OrganicSocial);
        assert_eq!(classify(fb, None), OrganicSocial);
        assert_eq!(classify(fb, Some("https://someblog.net/")), Referral);
        assert_eq!(
            classify(
                "https://s.com/?utm_source=facebook&utm_medium=cpc&fbclid=x",
                None
            ),
            PaidSocial
        );
        assert_eq!(
            classify("https://s.com/?srsltid=AfmBOo", None),
            OrganicSearch
        );
        assert_eq!(
            classify("https://s.com/?mc_cid=abc&mc_eid=def", None),
            Email
        );
    }

    #[test]
    fn utm_from_url() {
        let u = url(
            "https://s.com/p?UTM_Source=%20Google%20&utm_medium=CPC&utm_campaign=Spring%20Sale&utm_term=Blue+Shoes&utm_content=&utm_source=second",
        );
        let utm = Utm::from_url(&u);
        assert_eq!(
            utm,
            Utm {
                source: Some("google".into()),
                medium: Some("cpc".into()),
                campaign: Some("Spring Sale".into()),
                term: Some("Blue Shoes".into()),
                content: None,
            }
        );
        assert_eq!(Utm::from_url(&url("https://s.com/")), Utm::default());
        assert_eq!(Utm::from_url(&url("https://s.com/?q=1")), Utm::default());
        let long = format!("https://s.com/?utm_campaign={}", "é".repeat(300));
        let utm = Utm::from_url(&url(&long));
        assert_eq!(utm.campaign.unwrap().chars().count(), 200);
    }

    #[test]
    fn referrer_host_for_storage() {
        assert_eq!(
            referrer_host(Some("https://www.Google.com/search?q=x")).as_deref(),
            Some("google.com")
        );
        assert_eq!(
            referrer_host(Some("https://l.facebook.com/l.php")).as_deref(),
            Some("l.facebook.com")
        );
        assert_eq!(
            referrer_host(Some("https://user:pw@blog.example.org:8443/x")).as_deref(),
            Some("blog.example.org")
        );
        assert_eq!(
            referrer_host(Some("http://example.com.")).as_deref(),
            Some("example.com")
        );
        assert_eq!(
            referrer_host(Some("https://bücher.de/")).as_deref(),
            Some("xn--bcher-kva.de")
        );
        assert_eq!(
            referrer_host(Some("android-app://com.google.android.gm/")).as_deref(),
            Some("com.google.android.gm")
        );
        assert_eq!(
            referrer_host(Some("http://[::1]:8080/")).as_deref(),
            Some("[::1]")
        );
        assert_eq!(
            referrer_host(Some("example.com/path")).as_deref(),
            Some("example.com")
        );
        assert_eq!(referrer_host(None), None);
        assert_eq!(referrer_host(Some("")), None);
        assert_eq!(referrer_host(Some("about:blank")), None);
        assert_eq!(referrer_host(Some("https:///nohost")), None);
        assert_eq!(referrer_host(Some("https://exa mple.com/")), None);
        assert_eq!(referrer_host(Some("1nv@lid://x")), None);
    }

    #[test]
    fn channel_serde_and_as_str() {
        for ch in [
            Direct,
            OrganicSearch,
            PaidSearch,
            PaidSocial,
            OrganicSocial,
            Email,
            Referral,
            Display,
            Affiliate,
            Internal,
        ] {
            let json = serde_json::to_string(&ch).unwrap();
            assert_eq!(json, format!("\"{}\"", ch.as_str()));
            assert_eq!(serde_json::from_str::<Channel>(&json).unwrap(), ch);
        }
        assert_eq!(OrganicSearch.as_str(), "organic_search");
    }
}
