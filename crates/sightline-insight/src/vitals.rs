//! Web-vitals ratings: the thresholds the `web-vitals` library uses (web.dev/articles/vitals), so a p75 is rated as
//! the library rates one sample.

/// `(good up to, poor above)` of a metric, in its unit (ms; CLS unitless).
pub fn thresholds(name: &str) -> Option<(f64, f64)> {
    match name {
        "LCP" => Some((2_500.0, 4_000.0)),
        "INP" => Some((200.0, 500.0)),
        "CLS" => Some((0.1, 0.25)),
        "FCP" => Some((1_800.0, 3_000.0)),
        "TTFB" => Some((800.0, 1_800.0)),
        _ => None,
    }
}

/// `good`, `needs-improvement` or `poor` (web-vitals' names); `unknown` for a metric it does not rate.
pub fn rating(name: &str, value: f64) -> &'static str {
    match thresholds(name) {
        Some((good, _)) if value <= good => "good",
        Some((_, poor)) if value <= poor => "needs-improvement",
        Some(_) => "poor",
        None => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_at_the_thresholds() {
        assert_eq!(rating("LCP", 2_500.0), "good");
        assert_eq!(rating("LCP", 2_500.1), "needs-improvement");
        assert_eq!(rating("LCP", 4_000.0), "needs-improvement");
        assert_eq!(rating("LCP", 4_000.1), "poor");
        assert_eq!(rating("CLS", 0.1), "good");
        assert_eq!(rating("CLS", 0.26), "poor");
        assert_eq!(rating("INP", 201.0), "needs-improvement");
        assert_eq!(rating("TTFB", 1_801.0), "poor");
        assert_eq!(rating("FCP", 100.0), "good");
        assert_eq!(rating("FID", 1.0), "unknown");
    }
}
