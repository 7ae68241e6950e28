//! Which columns of a merged session row the session filters and segment conditions compare, shared by every
//! backend's SQL (each binds or quotes the values in its own way). Names are our own constants, never input.

use sightline_insight::segment::TextField;

use crate::SessionFilters;

impl SessionFilters {
    /// The filters that compare a text column for equality, as `(column, value)`.
    pub(crate) fn text_columns(&self) -> [(&'static str, &Option<String>); 8] {
        [
            ("device", &self.device),
            ("browser", &self.browser),
            ("os", &self.os),
            ("channel", &self.channel),
            ("utm_source", &self.utm_source),
            ("utm_medium", &self.utm_medium),
            ("utm_campaign", &self.utm_campaign),
            ("entry_page", &self.entry_page),
        ]
    }

    /// The yes/no filters, as `(condition on s, wanted)`.
    pub(crate) fn flag_conditions(&self) -> [(&'static str, Option<bool>); 3] {
        [
            ("s.errors > 0", self.had_error),
            ("s.conversions > 0", self.converted),
            ("s.replay_chunks > 0", self.has_replay),
        ]
    }

    /// The bounds, as `(expression on s, comparison, bound)`.
    pub(crate) fn bounds(&self) -> [(&'static str, &'static str, Option<i64>); 5] {
        [
            ("s.duration_ms", ">=", self.min_duration_ms),
            ("s.duration_ms", "<=", self.max_duration_ms),
            (
                "least(s.active_ms, s.duration_ms)",
                ">=",
                self.min_active_ms,
            ),
            ("s.pageviews", ">=", self.min_pages),
            ("s.pageviews", "<=", self.max_pages),
        ]
    }
}

/// The columns a segment's text condition matches (any of them), `None` for the visitor condition (new or
/// returning), which is not a column.
pub(crate) fn segment_text_columns(field: TextField) -> Option<&'static [&'static str]> {
    Some(match field {
        TextField::Device => &["s.device"],
        TextField::Browser => &["s.browser"],
        TextField::Os => &["s.os"],
        TextField::Channel => &["s.channel"],
        TextField::UtmSource => &["s.utm_source"],
        TextField::UtmMedium => &["s.utm_medium"],
        TextField::UtmCampaign => &["s.utm_campaign"],
        TextField::UtmTerm => &["s.utm_term"],
        TextField::UtmContent => &["s.utm_content"],
        TextField::Referrer => &["s.referrer"],
        // a page is named by its path or its page group
        TextField::EntryPage => &["s.entry_page", "s.entry_group"],
        TextField::ExitPage => &["s.exit_page", "s.exit_group"],
        TextField::UserId => &["s.user_id"],
        TextField::Visitor => return None,
    })
}
