//! The tracker snippet for a site, with its privacy options as attributes the tracker reads.

use sightline_store::Site;

fn escape_attr(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// `base` is the server's public URL without a trailing slash.
pub fn snippet(base: &str, site: &Site) -> String {
    let mut attrs = format!(" data-site=\"{}\"", escape_attr(&site.key));
    if site.persistent_ids {
        attrs.push_str(" data-persistent=\"true\"");
    }
    if site.respect_dnt {
        attrs.push_str(" data-dnt=\"true\"");
    }
    if !site.mask_selectors.is_empty() {
        attrs.push_str(&format!(
            " data-mask=\"{}\"",
            escape_attr(&site.mask_selectors.join(", "))
        ));
    }
    format!(
        "<script defer src=\"{}/t.js\"{attrs}></script>",
        escape_attr(base.trim_end_matches('/'))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privacy_options_become_tracker_attributes() {
        let mut site = Site {
            id: 1,
            key: "abc".into(),
            name: "n".into(),
            domains: vec![],
            allowed_origins: vec![],
            respect_dnt: true,
            retention_days: 30,
            replay_quota_mb: 1,
            ..Site::default()
        };
        assert_eq!(
            snippet("https://stats.example/", &site),
            r#"<script defer src="https://stats.example/t.js" data-site="abc" data-dnt="true"></script>"#
        );
        site.persistent_ids = true;
        site.respect_dnt = false;
        site.mask_selectors = vec![".name".into(), "[data-x=\"1\"]".into()];
        let html = snippet("http://127.0.0.1:8420", &site);
        assert!(html.contains(r#"data-persistent="true""#) && !html.contains("data-dnt"));
        assert!(
            html.contains(r#"data-mask=".name, [data-x=&quot;1&quot;]""#),
            "{html}"
        );
    }
}
