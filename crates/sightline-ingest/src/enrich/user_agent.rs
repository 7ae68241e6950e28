//! User-agent enrichment: device class, browser, OS and bot detection.
//!
//! Browser and OS come from [woothee] (a maintained UA parser; its regexes are compiled
//! once, lazily). On top of it this module adds what woothee does not do:
//! tablet detection, short human names, and a bot check that also catches headless
//! browsers, automation, monitoring, link-preview fetchers and HTTP libraries.
//! The bot check is a single pass over the lowercased UA with a first-byte index of
//! literal markers — no regexes, one allocation per call.

use std::sync::LazyLock;

use woothee::parser::Parser;

/// Coarse device class stored with every event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceClass {
    Desktop,
    Mobile,
    Tablet,
    Bot,
    Other,
}

impl DeviceClass {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceClass::Desktop => "desktop",
            DeviceClass::Mobile => "mobile",
            DeviceClass::Tablet => "tablet",
            DeviceClass::Bot => "bot",
            DeviceClass::Other => "other",
        }
    }
}

/// Result of [`parse_user_agent`]. `browser` and `os` are short human names
/// ("Chrome", "Samsung Internet", "macOS", "iOS", ...) or "Other".
/// For bots caught by our own markers they describe the browser the UA claims to be
/// (HeadlessChrome → "Chrome"/"Linux"); crawlers woothee itself recognises
/// (Googlebot, bingbot, ...) get "Other"/"Other".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAgentInfo {
    pub device: DeviceClass,
    pub browser: String,
    pub os: String,
    pub is_bot: bool,
}

const OTHER: &str = "Other";

/// Only this many bytes of a user agent are inspected (real ones are < 400 bytes).
const MAX_UA_BYTES: usize = 1024;

/// Parse a user agent. Headless browsers count as bots; see [`parse_user_agent_with`].
pub fn parse_user_agent(ua: &str) -> UserAgentInfo {
    parse_user_agent_with(ua, false)
}

/// Parse a user agent. With `allow_headless`, a headless browser (e.g. `HeadlessChrome`,
/// as driven by our own end-to-end tests) is treated as the browser it is rather than
/// as a bot; every other bot marker still applies.
pub fn parse_user_agent_with(ua: &str, allow_headless: bool) -> UserAgentInfo {
    let ua = truncate(ua.trim(), MAX_UA_BYTES);
    if ua.is_empty() || ua == "-" {
        return UserAgentInfo {
            device: DeviceClass::Bot,
            browser: OTHER.to_owned(),
            os: OTHER.to_owned(),
            is_bot: true,
        };
    }

    let lower = ua.to_ascii_lowercase();
    let marker_bot = has_bot_marker(&lower, allow_headless);

    let parsed = Parser::new().parse(ua);
    let (w_name, w_category, w_os) = match &parsed {
        Some(r) => (r.name, r.category, r.os),
        None => ("", "", ""),
    };
    let woothee_bot = w_category == "crawler";
    let is_bot = marker_bot || woothee_bot;

    let (browser, os) = if woothee_bot {
        (OTHER, OTHER)
    } else {
        (browser_name(ua, w_name), os_name(ua, w_os))
    };

    let device = if is_bot {
        DeviceClass::Bot
    } else {
        device_class(ua, &lower, w_category)
    };

    UserAgentInfo {
        device,
        browser: browser.to_owned(),
        os: os.to_owned(),
        is_bot,
    }
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

// ---------------------------------------------------------------------------------------
// Bot markers
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// Always a bot.
    Bot,
    /// A headless browser: a bot unless `allow_headless`.
    Headless,
    /// The substring "bot", except in the phone brand "Cubot".
    BotWord,
}

/// Lowercase literal markers of non-human user agents that woothee does not (reliably)
/// classify as crawlers. Matched as plain substrings of the lowercased UA.
const BOT_MARKERS: &[(&str, Marker)] = &[
    // generic
    ("bot", Marker::BotWord),
    ("crawl", Marker::Bot),
    ("spider", Marker::Bot),
    ("slurp", Marker::Bot),
    ("scraper", Marker::Bot),
    ("archiver", Marker::Bot),
    ("monitor", Marker::Bot),
    ("synthetic", Marker::Bot),
    ("checklink", Marker::Bot),
    ("link checker", Marker::Bot),
    ("validator", Marker::Bot),
    // headless browsers and automation
    ("headless", Marker::Headless),
    ("phantomjs", Marker::Bot),
    ("slimerjs", Marker::Bot),
    ("puppeteer", Marker::Bot),
    ("playwright", Marker::Bot),
    ("selenium", Marker::Bot),
    ("webdriver", Marker::Bot),
    ("cypress/", Marker::Bot),
    ("prerender", Marker::Bot),
    ("rendertron", Marker::Bot),
    // performance / uptime monitoring
    ("lighthouse", Marker::Bot),
    ("page speed", Marker::Bot),
    ("pagespeed", Marker::Bot),
    ("gtmetrix", Marker::Bot),
    ("ptst/", Marker::Bot), // WebPageTest
    ("pingdom", Marker::Bot),
    ("statuscake", Marker::Bot),
    ("site24x7", Marker::Bot),
    ("newrelicpinger", Marker::Bot),
    ("datadog", Marker::Bot),
    ("checkly", Marker::Bot),
    ("uptime", Marker::Bot),
    ("speedcurve", Marker::Bot),
    ("catchpoint", Marker::Bot),
    // Google fetchers without "bot" in the name
    ("mediapartners-google", Marker::Bot),
    ("googleother", Marker::Bot),
    ("google-inspectiontool", Marker::Bot),
    ("google-read-aloud", Marker::Bot),
    ("google-pagerenderer", Marker::Bot),
    ("google-site-verification", Marker::Bot),
    ("google favicon", Marker::Bot),
    ("feedfetcher", Marker::Bot),
    ("apis-google", Marker::Bot),
    // link previews / social fetchers
    ("facebookexternalhit", Marker::Bot),
    ("facebookcatalog", Marker::Bot),
    ("meta-externalagent", Marker::Bot),
    ("meta-externalfetcher", Marker::Bot),
    ("whatsapp/", Marker::Bot),
    ("skypeuripreview", Marker::Bot),
    ("embedly", Marker::Bot),
    ("iframely", Marker::Bot),
    ("vkshare", Marker::Bot),
    ("outbrain", Marker::Bot),
    ("quora link preview", Marker::Bot),
    ("bingpreview", Marker::Bot),
    ("slack-imgproxy", Marker::Bot),
    // AI agents and dataset crawlers without "bot"
    ("chatgpt-user", Marker::Bot),
    ("anthropic-ai", Marker::Bot),
    ("claude-web", Marker::Bot),
    ("claude-user", Marker::Bot),
    ("perplexity-user", Marker::Bot),
    ("cohere-ai", Marker::Bot),
    ("diffbot", Marker::Bot),
    // HTTP libraries and command-line tools
    ("curl/", Marker::Bot),
    ("wget", Marker::Bot),
    ("python-requests", Marker::Bot),
    ("python-urllib", Marker::Bot),
    ("python-httpx", Marker::Bot),
    ("python/", Marker::Bot),
    ("aiohttp", Marker::Bot),
    ("httpx/", Marker::Bot),
    ("go-http-client", Marker::Bot),
    ("axios/", Marker::Bot),
    ("node-fetch", Marker::Bot),
    ("undici", Marker::Bot),
    ("node.js", Marker::Bot),
    ("okhttp", Marker::Bot),
    ("java/", Marker::Bot),
    ("java-http-client", Marker::Bot),
    ("apache-httpclient", Marker::Bot),
    ("libwww-perl", Marker::Bot),
    ("lwp::", Marker::Bot),
    ("mechanize", Marker::Bot),
    ("ruby/", Marker::Bot),
    ("faraday", Marker::Bot),
    ("httparty", Marker::Bot),
    ("rest-client", Marker::Bot),
    ("guzzlehttp", Marker::Bot),
    ("php/", Marker::Bot),
    ("wordpress/", Marker::Bot),
    ("postmanruntime", Marker::Bot),
    ("insomnia/", Marker::Bot),
    ("httpie", Marker::Bot),
    ("restsharp", Marker::Bot),
    ("dart:io", Marker::Bot),
    ("deno/", Marker::Bot),
    ("bun/", Marker::Bot),
    ("reqwest", Marker::Bot),
    ("hyper/", Marker::Bot),
    ("scrapy", Marker::Bot),
    ("colly", Marker::Bot),
    ("nutch", Marker::Bot),
    ("heritrix", Marker::Bot),
    ("httrack", Marker::Bot),
    // scanners
    ("zgrab", Marker::Bot),
    ("masscan", Marker::Bot),
    ("nmap", Marker::Bot),
    ("nikto", Marker::Bot),
    ("sqlmap", Marker::Bot),
    ("nuclei", Marker::Bot),
    ("censysinspect", Marker::Bot),
    ("expanse, a palo alto", Marker::Bot),
];

/// Markers indexed by their first byte, built once.
type MarkerIndex = Vec<Vec<(&'static [u8], Marker)>>;
static MARKER_INDEX: LazyLock<MarkerIndex> = LazyLock::new(|| {
    let mut index = vec![Vec::new(); 256];
    for &(m, kind) in BOT_MARKERS {
        debug_assert_eq!(m, m.to_ascii_lowercase());
        index[m.as_bytes()[0] as usize].push((m.as_bytes(), kind));
    }
    index
});

/// One pass over the lowercased UA; at each byte only markers starting with it are tried.
fn has_bot_marker(lower: &str, allow_headless: bool) -> bool {
    let bytes = lower.as_bytes();
    let index = &*MARKER_INDEX;
    for i in 0..bytes.len() {
        for &(m, kind) in &index[bytes[i] as usize] {
            if !bytes[i..].starts_with(m) {
                continue;
            }
            match kind {
                Marker::Bot => return true,
                Marker::Headless if !allow_headless => return true,
                Marker::Headless => {}
                Marker::BotWord => {
                    if !(i >= 2 && &bytes[i - 2..i] == b"cu") {
                        return true;
                    }
                }
            }
        }
    }
    false
}

// ---------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------

/// In-app and regional browsers woothee does not know (it reports them as the engine
/// they embed). Checked before woothee's answer; first match wins.
const BROWSER_OVERRIDES: &[(&str, &str)] = &[
    ("FBAN/", "Facebook"),
    ("FBAV/", "Facebook"),
    ("FB_IAB", "Facebook"),
    ("Instagram ", "Instagram"),
    ("UCBrowser/", "UC Browser"),
    ("MiuiBrowser/", "MIUI Browser"),
    ("HuaweiBrowser/", "Huawei Browser"),
    ("DuckDuckGo/", "DuckDuckGo"),
    ("Silk/", "Silk"),
];

fn browser_name(ua: &str, woothee_name: &str) -> &'static str {
    for &(needle, name) in BROWSER_OVERRIDES {
        if ua.contains(needle) {
            return name;
        }
    }
    match woothee_name {
        "Chrome" => "Chrome",
        "Safari" => "Safari",
        "Firefox" => "Firefox",
        "Edge" => "Edge",
        "SamsungBrowser" => "Samsung Internet",
        "Opera" => "Opera",
        "Internet Explorer" => "Internet Explorer",
        "Vivaldi" => "Vivaldi",
        "Yandex Browser" => "Yandex Browser",
        "Google Search App" => "Google App",
        "Webview" => "WebView",
        "Sleipnir" => "Sleipnir",
        _ if ua.contains("; wv)") => "WebView", // Android System WebView
        _ => OTHER,
    }
}

fn os_name(ua: &str, woothee_os: &str) -> &'static str {
    // Platforms woothee reports as plain Linux (or not at all).
    if ua.contains("Tizen") {
        return "Tizen";
    }
    if ua.contains("KAIOS") || ua.contains("KaiOS") {
        return "KaiOS";
    }
    if ua.contains("Web0S") || ua.contains("WebOS") || ua.contains("webOS") {
        return "webOS";
    }
    match woothee_os {
        "Windows Phone OS" => "Windows Phone",
        "Windows CE" => "Windows Mobile",
        os if os.starts_with("Windows") => "Windows",
        "Mac OSX" | "Mac OS Classic" => "macOS",
        "iPhone" | "iPad" | "iPod" | "iOS" => "iOS",
        "Android" => "Android",
        "ChromeOS" => "ChromeOS",
        "Linux" => "Linux",
        "BSD" => "BSD",
        "Firefox OS" => "Firefox OS",
        "BlackBerry" | "BlackBerry 10" => "BlackBerry",
        "SymbianOS" => "Symbian",
        os if os.starts_with("PlayStation") => "PlayStation",
        os if os.starts_with("Nintendo") => "Nintendo",
        os if os.starts_with("Xbox") => "Xbox",
        _ => OTHER,
    }
}

// ---------------------------------------------------------------------------------------
// Device class
// ---------------------------------------------------------------------------------------

/// Markers of TVs, streaming sticks and consoles (lowercase).
const TV_MARKERS: &[&str] = &[
    "smart-tv",
    "smarttv",
    "android tv",
    "androidtv",
    "googletv",
    "crkey",
    "hbbtv",
    "web0s",
    "netcast",
    "bravia",
    "roku",
    "playstation",
    "xbox",
    "nintendo",
    "; aft", // Amazon Fire TV (AFTMM, AFTS, ...)
];

fn device_class(ua: &str, lower: &str, woothee_category: &str) -> DeviceClass {
    if TV_MARKERS.iter().any(|m| lower.contains(m)) {
        return DeviceClass::Other;
    }
    if is_tablet(ua, lower) {
        return DeviceClass::Tablet;
    }
    match woothee_category {
        "smartphone" | "mobilephone" => DeviceClass::Mobile,
        "pc" => DeviceClass::Desktop,
        "appliance" | "misc" => DeviceClass::Other,
        _ if ua.contains("Mobi") || ua.contains("iPhone") => DeviceClass::Mobile,
        _ => DeviceClass::Other,
    }
}

fn is_tablet(ua: &str, lower: &str) -> bool {
    if ua.contains("iPad")
        || ua.contains("PlayBook")
        || ua.contains("Kindle")
        || ua.contains("Silk/")
    {
        return true;
    }
    if lower.contains("tablet") && !lower.contains("tablet pc") {
        return true;
    }
    // Android phones say "Mobile"; Android tablets don't. Opera Mini omits it on phones too.
    ua.contains("Android") && !ua.contains("Mobi") && !ua.contains("Opera Mini")
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeviceClass::*;

    /// (user agent, device, browser, os, is_bot) — real-world strings.
    const CASES: &[(&str, DeviceClass, &str, &str, bool)] = &[
        // --- desktop browsers ---
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            Desktop,
            "Chrome",
            "Windows",
            false,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
            Desktop,
            "Safari",
            "macOS",
            false,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
            Desktop,
            "Chrome",
            "macOS",
            false,
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
            Desktop,
            "Firefox",
            "Linux",
            false,
        ),
        (
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
            Desktop,
            "Firefox",
            "Linux",
            false,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0",
            Desktop,
            "Firefox",
            "Windows",
            false,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
            Desktop,
            "Edge",
            "Windows",
            false,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 OPR/108.0.0.0",
            Desktop,
            "Opera",
            "Windows",
            false,
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            Desktop,
            "Chrome",
            "ChromeOS",
            false,
        ),
        (
            "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
            Desktop,
            "Internet Explorer",
            "Windows",
            false,
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Vivaldi/6.5.3206.53",
            Desktop,
            "Vivaldi",
            "Linux",
            false,
        ),
        // --- phones ---
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
            Mobile,
            "Safari",
            "iOS",
            false,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
            Mobile,
            "Chrome",
            "iOS",
            false,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/124.0 Mobile/15E148 Safari/605.1.15",
            Mobile,
            "Firefox",
            "iOS",
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
            Mobile,
            "Chrome",
            "Android",
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.6312.99 Mobile Safari/537.36",
            Mobile,
            "Chrome",
            "Android",
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
            Mobile,
            "Samsung Internet",
            "Android",
            false,
        ),
        (
            "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0",
            Mobile,
            "Firefox",
            "Android",
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.2478.64",
            Mobile,
            "Edge",
            "Android",
            false,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/455.0.0.44.107;FBBV/577585430;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.3.1;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/579000358]",
            Mobile,
            "Facebook",
            "iOS",
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/123.0.6312.118 Mobile Safari/537.36",
            Mobile,
            "WebView",
            "Android",
            false,
        ),
        (
            // Cubot phone: "bot" inside the brand name is not a bot.
            "Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36",
            Mobile,
            "Chrome",
            "Android",
            false,
        ),
        // --- tablets ---
        (
            "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            Tablet,
            "Safari",
            "iOS",
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            Tablet,
            "Chrome",
            "Android",
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 12; SAMSUNG SM-T870) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Safari/537.36",
            Tablet,
            "Samsung Internet",
            "Android",
            false,
        ),
        (
            "Mozilla/5.0 (Android 13; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0",
            Tablet,
            "Firefox",
            "Android",
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 11; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/123.4.1 like Chrome/123.0.6312.118 Safari/537.36",
            Tablet,
            "Silk",
            "Android",
            false,
        ),
        // --- other devices ---
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 327.1.6.30.88 (iPhone14,5; iOS 17_4; en_US; en; scale=3.00; 1170x2532; 588347071)",
            Mobile,
            "Instagram",
            "iOS",
            false,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/124.0.2478.50 Mobile/15E148 Safari/605.1.15",
            Mobile,
            "Edge",
            "iOS",
            false,
        ),
        (
            "Mozilla/5.0 (Linux; U; Android 10; en-US; RMX2185 Build/QP1A.190711.020) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.108 UCBrowser/13.4.0.1306 Mobile Safari/537.36",
            Mobile,
            "UC Browser",
            "Android",
            false,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 YaBrowser/24.4.0.0 Safari/537.36",
            Desktop,
            "Yandex Browser",
            "Windows",
            false,
        ),
        (
            "Opera/9.80 (Android; Opera Mini/36.2.2254/119.132; U; id) Presto/2.12.423 Version/12.16",
            Mobile,
            "Opera",
            "Android",
            false,
        ),
        (
            "Mozilla/5.0 (Linux; Android 9; SHIELD Android TV Build/PPR1.180610.011; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.193 Mobile Safari/537.36",
            Other,
            "WebView",
            "Android",
            false,
        ),
        (
            "Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36",
            Other,
            "Samsung Internet",
            "Tizen",
            false,
        ),
        // --- crawlers (woothee knows these, or our markers catch them; bots keep the name of
        //     the browser they emulate when woothee recognises one) ---
        (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        ("Twitterbot/1.0", Bot, "Other", "Other", true),
        (
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        // --- automation / monitoring / libraries (browser-like ones keep their names) ---
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.60 Safari/537.36",
            Bot,
            "Chrome",
            "Linux",
            true,
        ),
        (
            "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
            Bot,
            "Chrome",
            "Android",
            true,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 PTST/240501.180509",
            Bot,
            "Chrome",
            "macOS",
            true,
        ),
        (
            "Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        ("curl/8.5.0", Bot, "Other", "Other", true),
        ("Wget/1.21.4", Bot, "Other", "Other", true),
        ("python-requests/2.31.0", Bot, "Other", "Other", true),
        ("Python/3.11 aiohttp/3.9.5", Bot, "Other", "Other", true),
        ("Go-http-client/1.1", Bot, "Other", "Other", true),
        ("Go-http-client/2.0", Bot, "Other", "Other", true),
        ("axios/1.6.8", Bot, "Other", "Other", true),
        (
            "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        ("PostmanRuntime/7.37.3", Bot, "Other", "Other", true),
        ("okhttp/4.12.0", Bot, "Other", "Other", true),
        ("Java/17.0.10", Bot, "Other", "Other", true),
        (
            "Apache-HttpClient/4.5.14 (Java/17.0.8)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        ("WhatsApp/2.23.20.0", Bot, "Other", "Other", true),
        (
            "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
            Bot,
            "Safari",
            "macOS",
            true,
        ),
        (
            "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
            Bot,
            "Safari",
            "Android",
            true,
        ),
        (
            "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
            Bot,
            "Safari",
            "Android",
            true,
        ),
        (
            "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        ("TelegramBot (like TwitterBot)", Bot, "Other", "Other", true),
        (
            "Mozilla/5.0 (compatible; Google-InspectionTool/1.0;)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 (compatible; Amazonbot/0.1; +https://developer.amazon.com/support/amazonbot)",
            Bot,
            "Chrome",
            "Linux",
            true,
        ),
        (
            "Mozilla/5.0 (Linux; Android 11; Pixel 5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/90.0.4430.91 Mobile Safari/537.36 Google-Read-Aloud",
            Bot,
            "Chrome",
            "Android",
            true,
        ),
        (
            "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)",
            Bot,
            "Other",
            "Other",
            true,
        ),
        (
            "Mozilla/5.0 (compatible; Datadog/Synthetics)",
            Bot,
            "Other",
            "Other",
            true,
        ),
    ];

    #[test]
    fn real_world_user_agents() {
        assert!(CASES.len() >= 50);
        let mut failures = Vec::new();
        for &(ua, device, browser, os, is_bot) in CASES {
            let got = parse_user_agent(ua);
            let want = UserAgentInfo {
                device,
                browser: browser.to_owned(),
                os: os.to_owned(),
                is_bot,
            };
            if got != want {
                failures.push(format!("{ua}\n   got  {got:?}\n   want {want:?}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn empty_and_dash_are_bots() {
        for ua in ["", "   ", "-"] {
            let info = parse_user_agent(ua);
            assert!(info.is_bot, "{ua:?}");
            assert_eq!(info.device, Bot);
            assert_eq!(info.browser, "Other");
            assert_eq!(info.os, "Other");
        }
    }

    #[test]
    fn headless_allowed_for_e2e() {
        // Debian's Chromium driven headless by Playwright.
        let ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.6478.126 Safari/537.36";
        let strict = parse_user_agent_with(ua, false);
        assert!(strict.is_bot);
        assert_eq!(strict.device, Bot);
        let allowed = parse_user_agent_with(ua, true);
        assert_eq!(
            allowed,
            UserAgentInfo {
                device: Desktop,
                browser: "Chrome".into(),
                os: "Linux".into(),
                is_bot: false
            }
        );
        // allow_headless does not excuse other bot markers.
        let lighthouse = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/119.0.0.0 Safari/537.36 Chrome-Lighthouse";
        assert!(parse_user_agent_with(lighthouse, true).is_bot);
        assert!(parse_user_agent_with("curl/8.5.0", true).is_bot);
        let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
        assert!(parse_user_agent_with(googlebot, true).is_bot);
        // and a normal browser is the same either way
        let chrome = CASES[0].0;
        assert_eq!(
            parse_user_agent_with(chrome, true),
            parse_user_agent(chrome)
        );
    }

    #[test]
    fn unknown_user_agent_is_other_not_bot() {
        let info = parse_user_agent("SomeNativeApp/3.2 (build 1234)");
        assert!(!info.is_bot);
        assert_eq!(info.device, Other);
        assert_eq!(info.browser, "Other");
        assert_eq!(info.os, "Other");
    }

    #[test]
    fn case_insensitive_markers_and_huge_input() {
        assert!(parse_user_agent("Mozilla/5.0 (compatible; MyCRAWLER/1.0)").is_bot);
        assert!(parse_user_agent("CURL/7.0").is_bot);
        assert!(!parse_user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64; Tablet PC 2.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36").is_bot);
        // A pathological UA is bounded and must not panic (multi-byte boundary).
        let huge = format!("Mozilla/5.0 {}", "é".repeat(5000));
        let info = parse_user_agent(&huge);
        assert!(!info.is_bot);
    }

    #[test]
    fn tablet_pc_is_desktop() {
        let ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Tablet PC 2.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
        assert_eq!(parse_user_agent(ua).device, Desktop);
    }

    #[test]
    fn device_class_serde_and_as_str() {
        for d in [Desktop, Mobile, Tablet, Bot, Other] {
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(json, format!("\"{}\"", d.as_str()));
            assert_eq!(serde_json::from_str::<DeviceClass>(&json).unwrap(), d);
        }
    }
}
