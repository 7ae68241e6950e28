//! Page paths and page groups.
//!
//! [`normalize_path`] turns a `location.pathname` (or a full URL) into the canonical path
//! stored with each event; [`default_page_group`] folds id-like segments into `:id` so that
//! `/order/8f14e45f…` and `/order/0c1d…` land in one group; [`PageGroups`] lets a site
//! override that with its own `*` / `**` patterns. All of it is plain byte scanning.
//!
//! Hash-routed single-page apps (`/app/#/active`, `/app/#!/active`) keep their route: the
//! stored path is the page path, then `#`, then the route normalised like a path
//! (`/app#/active`). The route's root (`#/`) is the page itself (`/app`). This matches the
//! tracker, which starts a new pageview when a `#/` or `#!/` route changes.

/// Separates the page path from a hash route in a normalised path. A `#` in the page itself
/// stays escaped (`%23`), so the first `#` of a normalised path is always this.
pub const ROUTE_SEPARATOR: char = '#';

/// Normalise a page path: input may be a full URL or a path. Drops the origin and query;
/// keeps a fragment that is a hash route (`#/…` or `#!/…`, see the module docs) and drops
/// any other. Decodes percent-escapes that form valid UTF-8 (except `/`, `?`, `#`, `%` and
/// control characters, which stay escaped); lowercases; collapses `//`; strips a trailing
/// slash (except for the root). Always starts with `/`. Idempotent.
pub fn normalize_path(path_or_url: &str) -> String {
    let s = path_or_url.trim();
    let rest = strip_origin(s);
    let (before_hash, fragment) = match rest.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (rest, None),
    };
    let path = &before_hash[..before_hash.find('?').unwrap_or(before_hash.len())];
    let mut out = normalize_segments(path);
    if let Some(route) = fragment.and_then(hash_route) {
        let route = normalize_segments(route);
        if route != "/" {
            out.push(ROUTE_SEPARATOR);
            out.push_str(&route);
        }
    }
    out
}

/// The route of a fragment that is one: `/active?tab=2` or `!/active` → `/active` (the
/// route's own query and any second fragment are dropped); `section`, `!x` → None.
fn hash_route(fragment: &str) -> Option<&str> {
    let route = fragment.strip_prefix('!').unwrap_or(fragment);
    if !route.starts_with('/') {
        return None;
    }
    Some(&route[..route.find(['?', '#']).unwrap_or(route.len())])
}

/// Splits a normalised path into its page path and its hash route (without the `#`).
pub fn split_route(normalized_path: &str) -> (&str, Option<&str>) {
    match normalized_path.split_once(ROUTE_SEPARATOR) {
        Some((path, route)) => (path, Some(route)),
        None => (normalized_path, None),
    }
}

/// The path part of [`normalize_path`]: no query or fragment left in `path`.
fn normalize_segments(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1);
    out.push('/');
    let bytes = path.as_bytes();
    let mut escaped: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'/' {
            if !out.ends_with('/') {
                out.push('/');
            }
            i += 1;
        } else if b == b'%' && hex_pair(bytes, i + 1).is_some() {
            // A run of %XX escapes may encode one multi-byte character: decode it whole.
            escaped.clear();
            while let Some(v) = bytes
                .get(i)
                .filter(|&&c| c == b'%')
                .and(hex_pair(bytes, i + 1))
            {
                escaped.push(v);
                i += 3;
            }
            for chunk in escaped.utf8_chunks() {
                for c in chunk.valid().chars() {
                    if matches!(c, '/' | '?' | '#' | '%') || c.is_control() {
                        push_escaped(&mut out, c);
                    } else {
                        out.extend(c.to_lowercase());
                    }
                }
                for &b in chunk.invalid() {
                    push_hex(&mut out, b);
                }
            }
        } else if b.is_ascii() {
            out.push(b.to_ascii_lowercase() as char);
            i += 1;
        } else {
            let c = path[i..].chars().next().unwrap_or('\u{fffd}');
            out.extend(c.to_lowercase());
            i += c.len_utf8();
        }
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    out
}

/// `https://host:port/p?q` → `/p?q`; `https://host?q` → `` (root); paths unchanged.
fn strip_origin(s: &str) -> &str {
    let Some(i) = s.find("://") else {
        return s;
    };
    let scheme = &s[..i];
    let is_scheme = scheme
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !is_scheme {
        return s;
    }
    let rest = &s[i + 3..];
    match rest.find(['/', '?', '#']) {
        Some(j) => &rest[j..],
        None => "",
    }
}

fn hex_pair(bytes: &[u8], at: usize) -> Option<u8> {
    let hi = (*bytes.get(at)? as char).to_digit(16)?;
    let lo = (*bytes.get(at + 1)? as char).to_digit(16)?;
    Some((hi * 16 + lo) as u8)
}

fn push_hex(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('%');
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 15) as usize] as char);
}

fn push_escaped(out: &mut String, c: char) {
    let mut buf = [0u8; 4];
    for &b in c.encode_utf8(&mut buf).as_bytes() {
        push_hex(out, b);
    }
}

/// Default page group: every id-like segment becomes `:id` (a trailing file extension is
/// kept: `/img/1234.png` → `/img/:id.png`). Id-like means: all digits; a UUID; hex of at
/// least 8 characters with a digit; a letters-and-digits token of at least 16 characters, or
/// of at least 8 that switches between letters and digits 4+ times (`dqw4w9wgxcq`); a token
/// split by `-`/`_` that has digits but no word of 3+ letters (`2024-05-01`, `a1b2-c3d4`).
/// Slugs with words stay: `/product/blue-shoes-42`, `/blog/top-10-tips`, `/iphone15`.
/// A hash route is grouped the same way, after the page path: `/app#/todo/42` → `/app#/todo/:id`.
pub fn default_page_group(normalized_path: &str) -> String {
    let (path, route) = split_route(normalized_path);
    let mut out = sightline_insight::ids::group_segments(path);
    if let Some(route) = route {
        out.push(ROUTE_SEPARATOR);
        out.push_str(&sightline_insight::ids::group_segments(route));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Per-site patterns
// ---------------------------------------------------------------------------------------

const MAX_PATTERNS: usize = 50;
const MAX_PATTERN_CHARS: usize = 200;

/// Per-site page-group patterns, tried in order before [`default_page_group`].
/// A pattern is a path whose segments are literals, `*` (exactly one segment) or a final
/// `**` (zero or more remaining segments). Literals are compared with normalised paths
/// (so `/Products/*` matches `/products/shoes`). The group name is the pattern as given
/// (trimmed). A pattern may name a hash route (`/app#/todo/*`): `#` matches only the start
/// of a route, `*` never does, and `**` spans it (`/app/**` also matches `/app#/todo/1`,
/// `/app#/**` also matches `/app` itself, the route's root).
#[derive(Debug, Clone, Default)]
pub struct PageGroups {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    name: String,
    segments: Vec<Segment>,
    /// Ends in `**`.
    rest: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Any,
    /// The start of a hash route.
    Route,
}

/// Stands for the start of a hash route among the segments of a path (a real segment is
/// never `#`: a `#` in a page path stays escaped).
const ROUTE_SEGMENT: &str = "#";

/// The segments of a normalised path, a hash route's after a `#` segment:
/// `/app#/todo/1` → `app`, `#`, `todo`, `1`.
fn segments(normalized_path: &str) -> impl Iterator<Item = &str> {
    fn parts(p: &str) -> impl Iterator<Item = &str> {
        p.split('/').filter(|s| !s.is_empty())
    }
    let (path, route) = split_route(normalized_path);
    parts(path).chain(
        route
            .into_iter()
            .flat_map(|r| std::iter::once(ROUTE_SEGMENT).chain(parts(r))),
    )
}

/// A page-group pattern was rejected.
#[derive(Debug, thiserror::Error)]
#[error("invalid page group pattern {pattern:?}: {reason}")]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

impl PageGroups {
    /// Compile patterns: each must start with `/`, be at most 200 characters, contain no
    /// query, fragment (except a `#/` hash route) or whitespace, use `*`/`**` only as whole
    /// segments and `**` only last; at most 50 patterns.
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(
        patterns: I,
    ) -> Result<PageGroups, PatternError> {
        let mut compiled = Vec::new();
        for p in patterns {
            let raw = p.as_ref().trim();
            let err = |reason: &str| PatternError {
                pattern: raw.chars().take(MAX_PATTERN_CHARS + 20).collect(),
                reason: reason.to_owned(),
            };
            if compiled.len() == MAX_PATTERNS {
                return Err(err(&format!("too many patterns (at most {MAX_PATTERNS})")));
            }
            compiled.push(Pattern::compile(raw).map_err(&err)?);
        }
        Ok(PageGroups { patterns: compiled })
    }

    /// The group of a normalised path: the first matching pattern, else the default group.
    pub fn group(&self, normalized_path: &str) -> String {
        match self.patterns.iter().find(|p| p.matches(normalized_path)) {
            Some(p) => p.name.clone(),
            None => default_page_group(normalized_path),
        }
    }

    /// Number of compiled patterns.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// True when there are no per-site patterns.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

impl Pattern {
    fn compile(raw: &str) -> Result<Pattern, &'static str> {
        if raw.is_empty() {
            return Err("empty pattern");
        }
        if !raw.starts_with('/') {
            return Err("must start with '/'");
        }
        if raw.chars().count() > MAX_PATTERN_CHARS {
            return Err("longer than 200 characters");
        }
        let other_fragment = raw
            .split_once('#')
            .is_some_and(|(_, f)| hash_route(f).is_none() || f.contains('#'));
        if raw.contains('?') || other_fragment {
            return Err("must not contain a query or fragment (a `#/` hash route is allowed)");
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must not contain whitespace or control characters");
        }
        let normalized = normalize_path(raw);
        let mut parts = Vec::new();
        let mut rest = false;
        for seg in segments(&normalized) {
            if rest {
                return Err("'**' is only allowed as the last segment");
            }
            match seg {
                ROUTE_SEGMENT => parts.push(Segment::Route),
                "**" => rest = true,
                "*" => parts.push(Segment::Any),
                s if s.contains('*') => return Err("'*' and '**' must be a whole segment"),
                s => parts.push(Segment::Literal(s.to_owned())),
            }
        }
        Ok(Pattern {
            name: raw.to_owned(),
            segments: parts,
            rest,
        })
    }

    fn matches(&self, path: &str) -> bool {
        let mut segs = segments(path);
        for (i, want) in self.segments.iter().enumerate() {
            let Some(got) = segs.next() else {
                // `/app#/**` matches `/app`: the page is its route's root.
                return self.rest && *want == Segment::Route && i + 1 == self.segments.len();
            };
            let ok = match want {
                Segment::Literal(lit) => lit == got,
                Segment::Any => got != ROUTE_SEGMENT,
                Segment::Route => got == ROUTE_SEGMENT,
            };
            if !ok {
                return false;
            }
        }
        self.rest || segs.next().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_paths() {
        let cases = [
            ("/", "/"),
            ("", "/"),
            ("/Products/Shoes/", "/products/shoes"),
            ("/a//b///c", "/a/b/c"),
            ("//double/leading", "/double/leading"),
            ("/search?q=Shoes&page=2", "/search"),
            ("/docs/intro#Install", "/docs/intro"),
            ("/cart/?utm_source=x", "/cart"),
            (
                "https://Shop.Example.com/Checkout/Step-2?x=1#top",
                "/checkout/step-2",
            ),
            ("https://shop.example.com", "/"),
            ("https://shop.example.com?x=1", "/"),
            ("http://localhost:8080/a/b/", "/a/b"),
            ("no-leading-slash/x", "/no-leading-slash/x"),
            ("/caf%C3%A9", "/café"),
            ("/CAF%C3%89", "/café"),
            ("/Über/Straße", "/über/straße"),
            ("/my%20page", "/my page"),
            ("/a%2Fb", "/a%2fb"),             // encoded slash stays one segment
            ("/a%2fb", "/a%2fb"),             // same either case
            ("/100%25", "/100%25"),           // encoded percent stays encoded
            ("/bad%ZZ", "/bad%zz"),           // not an escape: kept, lowercased
            ("/trunc%E2%82", "/trunc%e2%82"), // invalid UTF-8 stays escaped
            ("/x%00y", "/x%00y"),             // control characters stay escaped
            ("/%41BC", "/abc"),
            ("  /padded/  ", "/padded"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_path(input), want, "{input:?}");
        }
        // idempotent
        for (input, _) in cases {
            let once = normalize_path(input);
            assert_eq!(normalize_path(&once), once, "{input:?}");
        }
    }

    #[test]
    fn hash_routes_are_part_of_the_path() {
        let cases = [
            // the route after the page path, normalised like a path
            ("https://todo.example/app/#/active", "/app#/active"),
            ("https://todo.example/app#/active", "/app#/active"),
            ("https://todo.example/app/#/Active/", "/app#/active"),
            ("https://todo.example/app/#//a//b/", "/app#/a/b"),
            ("https://todo.example/app/#/completed", "/app#/completed"),
            // the route's root is the page itself
            ("https://todo.example/app/#/", "/app"),
            ("https://todo.example/app/#//", "/app"),
            ("https://todo.example/app/#!/", "/app"),
            ("https://todo.example/app/#", "/app"),
            // hashbang routes are the same routes
            ("https://todo.example/app/#!/active", "/app#/active"),
            // at the site root
            ("https://todo.example/#/active", "/#/active"),
            ("https://todo.example#/active", "/#/active"),
            ("https://todo.example/#/", "/"),
            // the page's query goes, before the hash as after it
            (
                "https://todo.example/app/?utm_source=x#/active",
                "/app#/active",
            ),
            ("/app?a=1&b=2#/search?q=Shoes", "/app#/search"),
            ("/app#/search?q=x#again", "/app#/search"),
            // percent-escapes are decoded in the route as in the path
            ("/app#/caf%C3%A9/%41", "/app#/café/a"),
            ("/app#/a%2Fb", "/app#/a%2fb"),
            ("/app#/a%23b", "/app#/a%23b"), // an encoded # stays one segment
            ("/a%23b#/x", "/a%23b#/x"),
            ("/100%25#/50%25", "/100%25#/50%25"),
            ("/app#/x%00y", "/app#/x%00y"),
            // other fragments are dropped
            ("/docs/intro#Install", "/docs/intro"),
            ("/docs/intro#!install", "/docs/intro"),
            ("/docs/intro#!", "/docs/intro"),
            ("/docs/intro#%2Fx", "/docs/intro"),
            ("/docs/intro# /x", "/docs/intro"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_path(input), want, "{input:?}");
            let once = normalize_path(input);
            assert_eq!(normalize_path(&once), once, "idempotent for {input:?}");
        }
        assert_eq!(split_route("/app#/todo/1"), ("/app", Some("/todo/1")));
        assert_eq!(split_route("/#/x"), ("/", Some("/x")));
        assert_eq!(split_route("/a%23b"), ("/a%23b", None));
    }

    #[test]
    fn hash_routes_are_grouped_like_paths() {
        let cases = [
            ("/app#/active", "/app#/active"),
            ("/app#/todo/42", "/app#/todo/:id"),
            ("/app#/todo/8f14e45fceea167a/edit", "/app#/todo/:id/edit"),
            ("/#/users/42", "/#/users/:id"),
            // ids in the page path and in the route both fold; the `#` is never part of an id
            ("/order/12345#/details", "/order/:id#/details"),
            ("/order/12345#/items/7", "/order/:id#/items/:id"),
            ("/app#/42", "/app#/:id"),
            ("/app#/blue-shoes-42", "/app#/blue-shoes-42"),
        ];
        for (path, want) in cases {
            assert_eq!(default_page_group(path), want, "{path:?}");
        }
        assert_eq!(
            default_page_group(&normalize_path("https://todo.example/app/#!/Todo/42/")),
            "/app#/todo/:id"
        );
    }

    #[test]
    fn patterns_with_hash_routes() {
        let groups = PageGroups::new([
            "/app/#/todo/*",
            "/admin#!/**",
            "/products/*",
            "/docs/**",
            "/*",
        ])
        .unwrap();
        // a route in the pattern, as a browser writes it (`/app/#/`), normalised
        assert_eq!(groups.group("/app#/todo/7"), "/app/#/todo/*");
        assert_eq!(groups.group("/app#/todo/abc"), "/app/#/todo/*");
        assert_eq!(groups.group("/app#/todo"), "/app#/todo");
        assert_eq!(groups.group("/app#/todo/7/edit"), "/app#/todo/:id/edit");
        // `#/**` is any route of the page, its root (the page itself) included
        assert_eq!(groups.group("/admin#/users/1"), "/admin#!/**");
        assert_eq!(groups.group("/admin"), "/admin#!/**");
        // `*` is one segment of the path, never the start of a route
        assert_eq!(groups.group("/products/shoes"), "/products/*");
        assert_eq!(groups.group("/products#/shoes"), "/products#/shoes");
        assert_eq!(
            groups.group("/products/shoes#/reviews"),
            "/products/shoes#/reviews"
        );
        // `**` spans the route
        assert_eq!(groups.group("/docs/intro#/install"), "/docs/**");
        // a page without a route does not match a pattern that has one
        assert_eq!(groups.group("/app"), "/*");
        assert_eq!(groups.group("/shop#/x"), "/shop#/x");
        let all = PageGroups::new(["/**"]).unwrap();
        assert_eq!(all.group("/#/x/y"), "/**");
    }

    #[test]
    fn default_groups() {
        let cases = [
            ("/", "/"),
            ("/about", "/about"),
            ("/product/12345", "/product/:id"),
            ("/users/42/orders/7", "/users/:id/orders/:id"),
            ("/order/8f14e45fceea167a5a36dedd4bea2543", "/order/:id"),
            (
                "/u/f47ac10b-58cc-4372-a567-0e02b2c3d479/settings",
                "/u/:id/settings",
            ),
            ("/commit/3e1b2c9a", "/commit/:id"),
            ("/s/x7kq9zr2mlw8bn4pqa", "/s/:id"), // generated token
            ("/watch/dqw4w9wgxcq", "/watch/:id"), // short, many letter/digit switches
            ("/events/2024-05-01", "/events/:id"),
            ("/t/a1b2-c3d4-e5f6", "/t/:id"),
            ("/img/1234.png", "/img/:id.png"),
            // kept
            ("/product/blue-shoes-42", "/product/blue-shoes-42"),
            ("/blog/top-10-tips-for-2024", "/blog/top-10-tips-for-2024"),
            ("/shop/iphone15", "/shop/iphone15"),
            ("/shop/iphone15pro", "/shop/iphone15pro"),
            ("/covid-19", "/covid-19"),
            ("/category/deadbeef", "/category/deadbeef"), // hex letters only, no digit
            ("/page2", "/page2"),
            ("/mp3player2000", "/mp3player2000"),
            ("/docs/v1.2.3", "/docs/v1.2.3"),
            ("/über/123", "/über/:id"),
            ("/files/report.pdf", "/files/report.pdf"),
            ("/en-us/help", "/en-us/help"),
        ];
        for (path, want) in cases {
            assert_eq!(default_page_group(path), want, "{path:?}");
        }
    }

    #[test]
    fn patterns_match_in_order() {
        let groups = PageGroups::new([
            "/products/*",
            "/docs/**",
            "/account/*/orders/*",
            "/Blog/*/",
            "/",
        ])
        .unwrap();
        assert_eq!(groups.len(), 5);
        assert_eq!(groups.group("/products/shoes"), "/products/*");
        assert_eq!(groups.group("/products/8f14e45fceea167a"), "/products/*");
        // * is exactly one segment
        assert_eq!(groups.group("/products"), "/products");
        assert_eq!(groups.group("/products/shoes/42"), "/products/shoes/:id");
        // ** is the rest, including nothing
        assert_eq!(groups.group("/docs/a/b/c"), "/docs/**");
        assert_eq!(groups.group("/docs/intro"), "/docs/**");
        assert_eq!(groups.group("/docs"), "/docs/**");
        assert_eq!(groups.group("/docsx"), "/docsx");
        assert_eq!(groups.group("/account/7/orders/9"), "/account/*/orders/*");
        // literals match normalised (lowercase) paths; name is the pattern as given
        assert_eq!(groups.group("/blog/hello-world"), "/Blog/*/");
        assert_eq!(groups.group("/"), "/");
        // no match → default grouping
        assert_eq!(groups.group("/order/12345"), "/order/:id");
        // first match wins
        let g = PageGroups::new(["/a/**", "/a/b"]).unwrap();
        assert_eq!(g.group("/a/b"), "/a/**");
        let g = PageGroups::new(["/**"]).unwrap();
        assert_eq!(g.group("/"), "/**");
        assert_eq!(g.group("/x/y"), "/**");
        // default (empty) uses the heuristics
        let empty = PageGroups::default();
        assert!(empty.is_empty());
        assert_eq!(empty.group("/order/42"), "/order/:id");
    }

    #[test]
    fn bad_patterns_rejected() {
        let bad: &[(&str, &str)] = &[
            ("", "empty"),
            ("   ", "empty"),
            ("products/*", "start with '/'"),
            ("/docs/**/edit", "last segment"),
            ("/**/**", "last segment"),
            ("/prod*", "whole segment"),
            ("/a/***", "whole segment"),
            ("/search?q=*", "query"),
            ("/page#top", "query or fragment"),
            ("/page#!top", "query or fragment"),
            ("/app#/a#b", "query or fragment"),
            ("/app#/**/x", "last segment"),
            ("/app/**#/x", "last segment"),
            ("/app#/to*", "whole segment"),
            ("/a b", "whitespace"),
        ];
        for &(pattern, reason) in bad {
            let err = PageGroups::new([pattern]).unwrap_err();
            assert!(err.reason.contains(reason), "{pattern:?}: {err}");
            assert_eq!(err.pattern, pattern.trim());
            assert!(err.to_string().starts_with("invalid page group pattern"));
        }
        let long = format!("/{}", "a".repeat(200));
        let err = PageGroups::new([long.as_str()]).unwrap_err();
        assert!(err.reason.contains("200"), "{err}");
        let ok = format!("/{}", "a".repeat(199));
        assert!(PageGroups::new([ok.as_str()]).is_ok());

        let fifty: Vec<String> = (0..50).map(|i| format!("/p{i}/*")).collect();
        assert_eq!(PageGroups::new(&fifty).unwrap().len(), 50);
        let mut fifty_one = fifty.clone();
        fifty_one.push("/extra".into());
        let err = PageGroups::new(&fifty_one).unwrap_err();
        assert!(err.reason.contains("too many"), "{err}");
        assert_eq!(err.pattern, "/extra");
    }
}
