//! Security headers on every response. The demo shop (a stand-in for a customer's site, with an inline
//! tracker stub) and the tracker script itself get only the headers that cannot break embedding.
//!
//! Content-Security-Policy: a policy is per document, and the replay player's sandboxed `about:blank` frame
//! inherits the dashboard document's. So no dashboard document may load images or fonts from other hosts,
//! except the replay page of one site (`/sites/{site}/replay/…`, sent by the SPA fallback), which may load
//! them from that site's own origins ([`replay_sources`]): a forged recording cannot make a viewer's browser
//! call out to an arbitrary host.

use std::net::Ipv4Addr;
use std::sync::LazyLock;

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use sightline_store::Site;

/// Longest host name in DNS, and longest label.
const MAX_HOST_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;
/// Bytes of replay sources one policy may list (they appear twice: img-src and font-src); sources beyond are
/// left out (logged), so that a site with a huge allow-list cannot make the header too big for browsers.
pub const MAX_REPLAY_SOURCES_BYTES: usize = 8 * 1024;

/// The dashboard's policy: scripts only from this server; inline styles (ECharts); replays render in
/// sandboxed same-origin frames (no scripts) and load images and fonts only from here, `data:`/`blob:`,
/// and `replay_sources` (each prefixed by a space; empty except on a replay page).
fn policy(replay_sources: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:{replay_sources}; font-src 'self' data:{replay_sources}; connect-src 'self'; \
frame-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

static DEFAULT_POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    HeaderValue::from_str(&policy(""))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
});

/// The policy of every dashboard document and API response: no image or font from another host.
pub fn default_policy() -> HeaderValue {
    DEFAULT_POLICY.clone()
}

/// The policy of `site`'s replay page: its own origins may serve images and fonts.
pub fn replay_policy(site: &Site) -> HeaderValue {
    let mut listed = String::new();
    for source in replay_sources(&site.domains, &site.allowed_origins) {
        if listed.len() + source.len() + 1 > MAX_REPLAY_SOURCES_BYTES {
            tracing::warn!(
                site = site.id,
                "replay CSP: too many domains and origins; the rest are not allowed to serve images"
            );
            break;
        }
        listed.push(' ');
        listed.push_str(&source);
    }
    HeaderValue::from_str(&policy(&listed)).unwrap_or_else(|_| default_policy())
}

/// The `{site}` of a page that draws the site's recorded pages — a replay (`/sites/{site}/replay/…`) or its
/// heatmaps (`/sites/{site}/heatmaps`) — as the dashboard's router matches it.
pub fn replay_site_segment(path: &str) -> Option<&str> {
    let (site, rest) = path.strip_prefix("/sites/")?.split_once('/')?;
    let draws_recordings = rest.starts_with("replay/") || rest.trim_end_matches('/') == "heatmaps";
    (!site.is_empty() && draws_recordings).then_some(site)
}

/// CSP sources for a site's replays: `https://<domain>` and `https://*.<domain>` per domain (subdomains count
/// as the site, as for ingest; an IPv4 address only as itself) and each allowed origin as
/// `scheme://host[:port]`. Only valid host names and http(s) origins are kept, rebuilt from their parsed parts,
/// so no stored value can add anything else to the header (`;`, quotes, `*`, spaces, paths). Deduplicated.
pub fn replay_sources(domains: &[String], allowed_origins: &[String]) -> Vec<String> {
    let mut sources: Vec<String> = Vec::new();
    let mut add = |source: String| {
        if !sources.contains(&source) {
            sources.push(source);
        }
    };
    for domain in domains {
        let Some(host) = domain_host(domain) else {
            continue;
        };
        add(format!("https://{host}"));
        if host.parse::<Ipv4Addr>().is_err() {
            add(format!("https://*.{host}"));
        }
    }
    for origin in allowed_origins {
        if let Some(origin) = origin_source(origin) {
            add(origin);
        }
    }
    sources
}

/// A site domain as a bare host: a DNS name (IDNs in punycode) or an IPv4 address; nothing else.
fn domain_host(domain: &str) -> Option<String> {
    let domain = domain.trim();
    // the URL parser drops tabs and newlines and takes `:port`; only host characters may come in
    if !domain
        .chars()
        .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
    {
        return None;
    }
    let url = url::Url::parse(&format!("https://{domain}/")).ok()?;
    if url.port().is_some() || url.path() != "/" || !url.username().is_empty() {
        return None;
    }
    url_host(&url)
}

fn origin_source(origin: &str) -> Option<String> {
    let origin = origin.trim();
    if origin.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let url = url::Url::parse(origin).ok()?;
    let bare = matches!(url.scheme(), "http" | "https")
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    if !bare {
        return None;
    }
    let host = url_host(&url)?;
    Some(match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    })
}

/// The URL's host if CSP can name it: IPv4, or a name of letters, digits and inner hyphens per label.
/// (IPv6 literals have no CSP host-source syntax.)
fn url_host(url: &url::Url) -> Option<String> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(ip.to_string()),
        url::Host::Ipv6(_) => None,
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            let valid_label = |label: &str| {
                !label.is_empty()
                    && label.len() <= MAX_LABEL_LEN
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            };
            (!name.is_empty() && name.len() <= MAX_HOST_LEN && name.split('.').all(valid_label))
                .then_some(name)
        }
    }
}

pub async fn headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    let embeddable = matches!(
        path.as_str(),
        "/t.js" | "/replay.js" | "/demo" | "/api/v1/batch" | "/api/v1/tracker-config"
    ) || path.starts_with("/demo/");
    if !embeddable {
        // a replay document arrives with its site's policy (routes::dashboard); everything else gets the default
        h.entry(header::CONTENT_SECURITY_POLICY)
            .or_insert_with(default_policy);
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            "cross-origin-opener-policy",
            HeaderValue::from_static("same-origin"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    fn directive<'a>(policy: &'a str, name: &str) -> &'a str {
        policy
            .split(';')
            .map(str::trim)
            .find(|d| d.split(' ').next() == Some(name))
            .unwrap_or_default()
    }

    #[test]
    fn the_default_policy_allows_no_external_image_or_font() {
        let value = default_policy();
        let policy = value.to_str().expect("ascii");
        assert_eq!(directive(policy, "img-src"), "img-src 'self' data: blob:");
        assert_eq!(directive(policy, "font-src"), "font-src 'self' data:");
        assert_eq!(directive(policy, "script-src"), "script-src 'self'");
        assert_eq!(
            directive(policy, "frame-ancestors"),
            "frame-ancestors 'none'"
        );
        assert!(!policy.contains("https:"), "{policy}");
    }

    #[test]
    fn domains_give_https_origins_with_subdomains_and_origins_keep_scheme_and_port() {
        let sources = replay_sources(
            &strings(&[
                "Shop.Example",
                "203.0.113.9",
                "bücher.example",
                "shop.example",
            ]),
            &strings(&[
                "https://cdn.partner.io",
                "http://localhost:8080/",
                "https://shop.example",
            ]),
        );
        assert_eq!(
            sources,
            strings(&[
                "https://shop.example",
                "https://*.shop.example",
                "https://203.0.113.9",
                "https://xn--bcher-kva.example",
                "https://*.xn--bcher-kva.example",
                "https://cdn.partner.io",
                "http://localhost:8080",
            ])
        );
    }

    #[test]
    fn stored_values_cannot_inject_into_the_header() {
        let hostile_domains = strings(&[
            "evil.example;script-src *",
            "evil.example; script-src 'unsafe-inline'",
            "'unsafe-inline'",
            "*",
            "*.example",
            "https:",
            "evil.example,other",
            "evil.example\nx",
            "evil.example/path",
            "evil.example:8443",
            "user@evil.example",
            "-bad.example",
            "",
            "[::1]",
        ]);
        let hostile_origins = strings(&[
            "https://evil.example/;script-src *",
            "https://evil.example/path",
            "https://evil.example/?q=1",
            "https://user:pw@evil.example/",
            "javascript:alert(1)",
            "data:text/html,x",
            "https://evil.example;script-src/",
            "https://[::1]/",
            "*",
            "https:",
        ]);
        assert_eq!(
            replay_sources(&hostile_domains, &hostile_origins),
            Vec::<String>::new()
        );
        let site = Site {
            domains: hostile_domains,
            allowed_origins: hostile_origins,
            ..test_site()
        };
        let value = replay_policy(&site);
        let policy = value.to_str().expect("ascii");
        assert_eq!(policy, default_policy().to_str().expect("ascii"));
    }

    #[test]
    fn a_replay_policy_lists_the_site_sources_for_images_and_fonts_only() {
        let site = Site {
            domains: strings(&["shop.example"]),
            allowed_origins: strings(&["https://cdn.partner.io"]),
            ..test_site()
        };
        let value = replay_policy(&site);
        let policy = value.to_str().expect("ascii");
        let listed = "https://shop.example https://*.shop.example https://cdn.partner.io";
        assert_eq!(
            directive(policy, "img-src"),
            format!("img-src 'self' data: blob: {listed}")
        );
        assert_eq!(
            directive(policy, "font-src"),
            format!("font-src 'self' data: {listed}")
        );
        assert_eq!(directive(policy, "script-src"), "script-src 'self'");
        assert_eq!(directive(policy, "connect-src"), "connect-src 'self'");
        assert_eq!(directive(policy, "default-src"), "default-src 'self'");
        assert_eq!(policy.matches("shop.example").count(), 4);
    }

    #[test]
    fn a_huge_allow_list_is_cut_to_the_byte_budget() {
        let domains: Vec<String> = (0..2_000).map(|i| format!("d{i}.example")).collect();
        let site = Site {
            domains,
            ..test_site()
        };
        let value = replay_policy(&site);
        let img = directive(value.to_str().expect("ascii"), "img-src").len();
        assert!(img <= MAX_REPLAY_SOURCES_BYTES + 64, "{img}");
        assert!(img > MAX_REPLAY_SOURCES_BYTES / 2, "{img}");
    }

    #[test]
    fn replay_paths_name_their_site() {
        assert_eq!(replay_site_segment("/sites/abc/replay/s1"), Some("abc"));
        assert_eq!(replay_site_segment("/sites/12/replay/"), Some("12"));
        assert_eq!(replay_site_segment("/sites/abc/heatmaps"), Some("abc"));
        assert_eq!(replay_site_segment("/sites/abc/heatmapsx"), None);
        assert_eq!(replay_site_segment("/sites/abc/sessions"), None);
        assert_eq!(replay_site_segment("/sites/abc/replay"), None);
        assert_eq!(replay_site_segment("/sites//replay/s1"), None);
        assert_eq!(replay_site_segment("/settings/sites/abc"), None);
        assert_eq!(replay_site_segment("/"), None);
    }

    fn test_site() -> Site {
        Site {
            id: 1,
            key: "k".into(),
            name: "n".into(),
            domains: vec![],
            allowed_origins: vec![],
            respect_dnt: true,
            retention_days: 30,
            replay_quota_mb: 1,
            ..Site::default()
        }
    }
}
