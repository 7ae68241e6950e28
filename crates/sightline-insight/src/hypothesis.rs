//! One testable sentence per problem, in the form teams already use: "We observed [behaviour] on [element], which
//! suggests [problem], so we believe [change] will improve [metric]." The rules per kind are documented in
//! docs/problems.md; they read the element's selector for what it is (a checkout button, an image, a field).

use crate::detect::Kind;

/// The hypothesis for a problem of `kind` on `page`, about `element` where it has one.
pub fn hypothesis(kind: Kind, page: &str, element: Option<&str>) -> String {
    let on = match element {
        Some(e) => format!("`{e}` on {page}"),
        None => page.to_string(),
    };
    let element_text = element.unwrap_or_default().to_ascii_lowercase();
    let is = |words: &[&str]| words.iter().any(|w| element_text.contains(w));
    let checkout = is(&["checkout", "pay", "buy", "order", "purchase"]);
    let image = is(&["img", "image", "photo", "picture", "gallery"]);
    let (observed, suggests, change, metric) = match kind {
        Kind::Hesitation if checkout => (
            "long hesitation before clicking",
            "visitors are unsure what happens next or whether it is safe",
            "reassuring microcopy beside it (such as \"Secure checkout\", delivery and returns)",
            "checkout conversion",
        ),
        Kind::Hesitation => (
            "long hesitation over",
            "its label or what it leads to is unclear",
            "a clearer label or a short supporting detail",
            "clicks on it and conversion",
        ),
        Kind::DeadClick if image => (
            "clicks that do nothing on",
            "visitors expect the image to open the product or zoom",
            "making it open the product or zoom",
            "product views and add-to-cart rate",
        ),
        Kind::DeadClick => (
            "clicks that do nothing on",
            "it looks clickable but does not respond",
            "making it respond (or stop looking clickable)",
            "engagement and conversion",
        ),
        Kind::RageClick => (
            "repeated rapid clicks on",
            "it responds too slowly or not visibly",
            "immediate feedback or a loading state on click",
            "conversion",
        ),
        Kind::ErrorClick => (
            "JavaScript errors right after clicks on",
            "the feature behind it is broken",
            "fixing the error it raises",
            "conversion",
        ),
        Kind::FormAbandonment => (
            "visitors leaving the form after using the field",
            "the field is confusing, unwanted or asks too much",
            "making it optional or explaining why it is needed",
            "form completion",
        ),
        Kind::UTurn => (
            "visitors coming straight back from",
            "the page did not match what the link promised",
            "aligning its content with the links that lead to it",
            "engagement and conversion",
        ),
        Kind::ExcessiveScroll => (
            "scrolling back and forth without progress on",
            "visitors cannot find what they are looking for",
            "a clearer structure, headings or in-page navigation",
            "engagement and conversion",
        ),
        Kind::ThrashedCursor => (
            "erratic, fast pointer movement on",
            "confusion or frustration with the layout",
            "a simpler layout with clearer calls to action",
            "conversion",
        ),
        Kind::JsError => (
            "the JavaScript error",
            "a broken feature",
            "fixing it",
            "conversion",
        ),
        Kind::FailedRequest => (
            "failing requests",
            "content or actions that silently do not load",
            "fixing the endpoint or handling its failure visibly",
            "conversion",
        ),
        Kind::SlowPage => (
            "a slow largest contentful paint (LCP) on",
            "visitors wait too long to see the page",
            "faster loading (smaller images, less blocking script, caching)",
            "bounce rate and conversion",
        ),
    };
    format!(
        "We observed {observed} {on}, which suggests {suggests}, so we believe {change} will improve {metric}."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hesitation_on_a_checkout_button_suggests_reassuring_microcopy() {
        let h = hypothesis(Kind::Hesitation, "/cart", Some("#checkout-button"));
        assert!(h.starts_with("We observed long hesitation before clicking `#checkout-button` on /cart, which suggests"));
        assert!(h.contains("Secure checkout"), "{h}");
        assert!(h.ends_with("will improve checkout conversion."));
    }

    #[test]
    fn the_rule_follows_the_element() {
        assert!(
            hypothesis(Kind::DeadClick, "/product/:id", Some("img.product-photo")).contains("zoom")
        );
        assert!(!hypothesis(Kind::DeadClick, "/", Some("span.price")).contains("zoom"));
        assert!(
            hypothesis(Kind::RageClick, "/product/:id", Some("#add-to-cart"))
                .contains("loading state")
        );
        assert!(
            hypothesis(Kind::FormAbandonment, "/checkout", Some("#phone")).contains("optional")
        );
        assert!(
            hypothesis(Kind::ErrorClick, "/cart", Some("#apply-coupon"))
                .contains("fixing the error")
        );
    }

    #[test]
    fn every_kind_has_a_sentence_in_the_form() {
        for kind in Kind::ALL {
            for element in [None, Some("#x")] {
                let h = hypothesis(kind, "/p", element);
                assert!(h.starts_with("We observed "), "{h}");
                assert!(
                    h.contains(", which suggests ") && h.contains(", so we believe "),
                    "{h}"
                );
                assert!(h.contains(" will improve ") && h.ends_with('.'), "{h}");
            }
        }
    }
}
