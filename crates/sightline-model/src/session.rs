//! The stored shape of one session: one row of the `sessions` table (see DESIGN.md, storage model).
//!
//! A [`SessionRow`] may hold all of a session's events or only some of them (the events of one write, of one
//! node): rows of the same session merge into one (`sightline_insight::session::merge`), the way ClickHouse's
//! AggregatingMergeTree merges partial aggregates. Every column therefore has a merge rule, written beside it.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionRow {
    /// Key, with `session`.
    pub site_id: i64,
    /// The tracker's `sid`, or `<sid>.<n>` for the n-th continuation after 30 minutes idle.
    pub session: String,
    /// Of the earliest part: a cookieless session keeps its visitor across the daily salt rotation.
    pub visitor: String,
    /// The latest identified user id.
    pub user_id: Option<String>,
    /// Earliest event (ms since the epoch).
    pub started: i64,
    /// Latest event.
    pub ended: i64,
    /// Sum of the pageviews' active time as the tracker measured it; reports cap it at the duration.
    pub active_ms: i64,
    /// Sum.
    pub pageviews: i64,
    /// Sum: stored event rows.
    pub events: i64,
    /// Time of the first pageview; entry fields come from the part with the earliest.
    pub entry_ts: Option<i64>,
    pub entry_page: Option<String>,
    pub entry_group: Option<String>,
    /// Time of the last pageview; exit fields come from the part with the latest.
    pub exit_ts: Option<i64>,
    pub exit_page: Option<String>,
    pub exit_group: Option<String>,
    /// Of the earliest part.
    pub device: String,
    pub browser: String,
    pub os: String,
    /// Acquisition, of the entry pageview.
    pub channel: Option<String>,
    pub referrer: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
    /// Sums.
    pub revenue: f64,
    /// Events with revenue > 0 (a session converted when it has one).
    pub conversions: i64,
    pub clicks: i64,
    pub errors: i64,
    pub replay_chunks: i64,
    pub replay_bytes: i64,
    /// Latest arrival at the server (ms): retention deletes a session once all of it is older than its cutoff.
    pub received_at: i64,
    /// The path of each pageview, sorted (repeats kept): merged as a sorted union, so reports filter by page
    /// and count top pages from sessions without joining their events.
    pub page_paths: Vec<String>,
    /// The session's pageviews (page group) and custom events in time order, the first [`MAX_JOURNEY_STEPS`]:
    /// merged as the sorted union cut to that length, so journeys and funnels read sessions, not events.
    pub journey: Vec<JourneyStep>,
}

/// Steps of a session's journey kept in its row (a longer session keeps its first steps).
pub const MAX_JOURNEY_STEPS: usize = 200;

/// One step of a journey: a pageview of a page group, or a custom event (exactly one of the two is set).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JourneyStep {
    pub ts: i64,
    pub page: Option<String>,
    pub event: Option<String>,
}

impl Ord for JourneyStep {
    /// By time, then field by field with a missing value last: the order of the engines' `list_sort`, so that
    /// a journey cut to [`MAX_JOURNEY_STEPS`] keeps the same steps wherever it is merged.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        fn nulls_last(a: &Option<String>, b: &Option<String>) -> std::cmp::Ordering {
            match (a, b) {
                (Some(a), Some(b)) => a.cmp(b),
                (a, b) => b.is_some().cmp(&a.is_some()),
            }
        }
        self.ts
            .cmp(&other.ts)
            .then_with(|| nulls_last(&self.page, &other.page))
            .then_with(|| nulls_last(&self.event, &other.event))
    }
}

impl PartialOrd for JourneyStep {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl SessionRow {
    pub fn duration_ms(&self) -> i64 {
        self.ended - self.started
    }

    /// Active time as reports show it: never more than the session lasted.
    pub fn active_time_ms(&self) -> i64 {
        self.active_ms.min(self.duration_ms()).max(0)
    }
}
