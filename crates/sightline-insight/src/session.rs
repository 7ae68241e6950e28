//! The sessionizer: which session an event belongs to, and a session's facts from its events.
//!
//! A session is the tracker's `sid` until 30 minutes pass without an event; the next event of that `sid` starts
//! a continuation `<sid>.<minute>` ([`SidSessions::place`]). A session's facts are a [`SessionRow`]
//! built from any subset of its events ([`rows_of`]); rows of one session from different writes merge
//! ([`merge`]) into the row that all its events would give at once, in any order: that is what lets the stores
//! keep sessions current as batches land, and several writers share one session.
//!
//! Reports take a session into a time range by its start (`from <= started < to`), whole: a session that
//! started before `from` is not in the range, even if it went on inside it.

use std::collections::HashMap;

use sightline_model::{EventRow, JourneyStep, MAX_JOURNEY_STEPS, SessionRow};

/// A session ends after this long without an event.
pub const IDLE_MS: i64 = 30 * 60 * 1000;

/// Separates a `sid` from its continuation number; never part of a `sid` (`[A-Za-z0-9_-]`).
pub const CONTINUATION_SEPARATOR: char = '.';

const MINUTE_MS: i64 = 60_000;

/// The key of continuation `n` of a `sid`: the `sid` itself for 0, else `<sid>.<n>`.
pub fn session_key(sid: &str, n: u32) -> String {
    if n == 0 {
        sid.to_string()
    } else {
        format!("{sid}{CONTINUATION_SEPARATOR}{n}")
    }
}

/// The `sid` a session key belongs to.
pub fn sid_of(session: &str) -> &str {
    session
        .split_once(CONTINUATION_SEPARATOR)
        .map_or(session, |(sid, _)| sid)
}

/// The continuation number of a session key (0 for the `sid` itself).
pub fn continuation_of(session: &str) -> u32 {
    session
        .split_once(CONTINUATION_SEPARATOR)
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}

/// The time span of one session of a `sid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub n: u32,
    pub started: i64,
    pub ended: i64,
}

/// The sessions of one `sid` near the events being placed (the store is asked for those within 30 minutes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SidSessions {
    pub spans: Vec<Span>,
}

impl SidSessions {
    /// The session (continuation number) an event at `t` belongs to, widening its span: the session whose span,
    /// widened by [`IDLE_MS`] on both sides, holds `t` (the nearest if several do), else a new one. A late
    /// event thus joins the session it happened in; one that falls into a gap joins the nearer side.
    ///
    /// A new session is the `sid` itself (0) when `opens_sid` (the event is in the `sid`'s first batch, which
    /// is stored once) and no session has that key yet; otherwise its number is the minute of `t` since the
    /// epoch. That needs no knowledge of sessions further away than 30 minutes: two sessions of a `sid` are
    /// more than 30 minutes apart, so they never start in the same minute.
    pub fn place(&mut self, t: i64, opens_sid: bool) -> u32 {
        let distance = |s: &Span| {
            if t < s.started {
                s.started - t
            } else {
                t.saturating_sub(s.ended).max(0)
            }
        };
        let nearest = self
            .spans
            .iter_mut()
            .filter(|s| distance(s) <= IDLE_MS)
            .min_by_key(|s| (distance(s), s.n));
        if let Some(span) = nearest {
            span.started = span.started.min(t);
            span.ended = span.ended.max(t);
            return span.n;
        }
        let taken = |n: u32| self.spans.iter().any(|s| s.n == n);
        let mut n = if opens_sid && !taken(0) {
            0
        } else {
            u32::try_from(t.div_euclid(MINUTE_MS))
                .unwrap_or(u32::MAX)
                .max(1)
        };
        while taken(n) {
            n = n.wrapping_add(1).max(1);
        }
        self.spans.push(Span {
            n,
            started: t,
            ended: t,
        });
        n
    }
}

/// One row per session of `events` (each row holds only these events' facts; see [`merge`]).
pub fn rows_of(events: &[EventRow]) -> Vec<SessionRow> {
    let mut rows = SessionRows::default();
    for event in events {
        rows.add(event);
    }
    rows.into_rows()
}

/// Session rows built one event at a time (for events streamed from a store, never all in memory).
#[derive(Default)]
pub struct SessionRows {
    rows: Vec<SessionRow>,
    /// Site → session → index in `rows` (two levels, so a lookup needs no owned key).
    index: HashMap<i64, HashMap<String, usize>>,
}

impl SessionRows {
    pub fn add(&mut self, event: &EventRow) {
        let sessions = self.index.entry(event.site_id).or_default();
        let i = match sessions.get(event.session.as_str()) {
            Some(&i) => i,
            None => {
                self.rows.push(empty_row(event));
                sessions.insert(event.session.clone(), self.rows.len() - 1);
                self.rows.len() - 1
            }
        };
        add_event(&mut self.rows[i], event);
    }

    pub fn into_rows(self) -> Vec<SessionRow> {
        self.rows
    }
}

/// Adds one stored replay chunk of `bytes` to its session's row.
pub fn add_replay(row: &mut SessionRow, bytes: u64) {
    row.replay_chunks += 1;
    row.replay_bytes += i64::try_from(bytes).unwrap_or(i64::MAX);
}

/// A row with a session's identity and none of its facts, to add events to.
fn empty_row(event: &EventRow) -> SessionRow {
    SessionRow {
        site_id: event.site_id,
        session: event.session.clone(),
        visitor: event.visitor.clone(),
        device: event.device.to_string(),
        browser: event.browser.clone(),
        os: event.os.clone(),
        started: event.ts,
        ended: event.ts,
        received_at: event.received_at,
        ..SessionRow::default()
    }
}

/// Adds one event's facts to its session's row: the same as merging the row of that event alone, without
/// building it (this runs for every stored event).
fn add_event(row: &mut SessionRow, event: &EventRow) {
    let first = (event.ts, event.visitor.as_str(), event.device)
        < (row.started, row.visitor.as_str(), row.device.as_str());
    if first {
        row.visitor.clone_from(&event.visitor);
        event.device.clone_into(&mut row.device);
        row.browser.clone_from(&event.browser);
        row.os.clone_from(&event.os);
    }
    row.started = row.started.min(event.ts);
    row.ended = row.ended.max(event.ts);
    row.received_at = row.received_at.max(event.received_at);
    row.events += 1;
    match event.event_type {
        "pageview" => {
            row.pageviews += 1;
            if let Some(path) = &event.path {
                let at = row.page_paths.partition_point(|p| p < path);
                row.page_paths.insert(at, path.clone());
            }
            let page = event.page_group.as_ref().or(event.path.as_ref());
            add_journey_step(row, event.ts, page.cloned(), None);
            let page = (Some(event.ts), &event.path);
            if first_pageview(page, (row.entry_ts, &row.entry_page)) {
                row.entry_ts = Some(event.ts);
                row.entry_page.clone_from(&event.path);
                row.entry_group.clone_from(&event.page_group);
                row.channel = event.channel.map(str::to_string);
                row.referrer.clone_from(&event.referrer);
                row.utm_source.clone_from(&event.utm_source);
                row.utm_medium.clone_from(&event.utm_medium);
                row.utm_campaign.clone_from(&event.utm_campaign);
                row.utm_term.clone_from(&event.utm_term);
                row.utm_content.clone_from(&event.utm_content);
            }
            let later = match row.exit_ts {
                None => true,
                Some(exit) => (exit, &row.exit_page) < (event.ts, &event.path),
            };
            if later {
                row.exit_ts = Some(event.ts);
                row.exit_page.clone_from(&event.path);
                row.exit_group.clone_from(&event.page_group);
            }
        }
        "pageleave" => row.active_ms += event.value.map_or(0, |v| v.max(0.0) as i64),
        "custom" => add_journey_step(row, event.ts, None, event.name.clone()),
        "click" => row.clicks += 1,
        "error" => row.errors += 1,
        "identify" => {
            if let Some(user) = &event.user_id
                && row.user_id.as_ref().is_none_or(|known| known < user)
            {
                row.user_id = Some(user.clone());
            }
        }
        _ => {}
    }
    if let Some(revenue) = event.revenue {
        row.revenue += revenue;
        row.conversions += i64::from(revenue > 0.0);
    }
}

/// Merges `other` into `into` (two rows of one session). Commutative and associative, so rows merge in any
/// order and grouping; ties are broken by value, never by order. The SQL of the stores spells out the same rules.
pub fn merge(into: &mut SessionRow, other: &SessionRow) {
    let other_first = (other.started, &other.visitor, &other.device)
        < (into.started, &into.visitor, &into.device);
    if other_first {
        into.visitor.clone_from(&other.visitor);
        into.device.clone_from(&other.device);
        into.browser.clone_from(&other.browser);
        into.os.clone_from(&other.os);
    }
    into.started = into.started.min(other.started);
    into.ended = into.ended.max(other.ended);
    into.user_id = match (into.user_id.take(), &other.user_id) {
        (Some(a), Some(b)) => Some(a.max(b.clone())),
        (a, b) => a.or_else(|| b.clone()),
    };
    if first_pageview(
        (other.entry_ts, &other.entry_page),
        (into.entry_ts, &into.entry_page),
    ) {
        into.entry_ts = other.entry_ts;
        into.entry_page.clone_from(&other.entry_page);
        into.entry_group.clone_from(&other.entry_group);
        into.channel.clone_from(&other.channel);
        into.referrer.clone_from(&other.referrer);
        into.utm_source.clone_from(&other.utm_source);
        into.utm_medium.clone_from(&other.utm_medium);
        into.utm_campaign.clone_from(&other.utm_campaign);
        into.utm_term.clone_from(&other.utm_term);
        into.utm_content.clone_from(&other.utm_content);
    }
    let later_exit = match (into.exit_ts, other.exit_ts) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(a), Some(b)) => (a, &into.exit_page) < (b, &other.exit_page),
    };
    if later_exit {
        into.exit_ts = other.exit_ts;
        into.exit_page.clone_from(&other.exit_page);
        into.exit_group.clone_from(&other.exit_group);
    }
    into.active_ms += other.active_ms;
    into.pageviews += other.pageviews;
    into.events += other.events;
    into.revenue += other.revenue;
    into.conversions += other.conversions;
    into.clicks += other.clicks;
    into.errors += other.errors;
    into.replay_chunks += other.replay_chunks;
    into.replay_bytes += other.replay_bytes;
    into.received_at = into.received_at.max(other.received_at);
    if !other.page_paths.is_empty() {
        into.page_paths.extend(other.page_paths.iter().cloned());
        into.page_paths.sort_unstable();
    }
    if !other.journey.is_empty() {
        into.journey.extend(other.journey.iter().cloned());
        into.journey.sort_unstable();
        into.journey.truncate(MAX_JOURNEY_STEPS);
    }
}

/// Inserts a step in time order, keeping the first [`MAX_JOURNEY_STEPS`] (as [`merge`] does).
fn add_journey_step(row: &mut SessionRow, ts: i64, page: Option<String>, event: Option<String>) {
    if page.is_none() && event.is_none() {
        return;
    }
    let step = JourneyStep { ts, page, event };
    let at = row.journey.partition_point(|s| s <= &step);
    if at < MAX_JOURNEY_STEPS {
        row.journey.insert(at, step);
        row.journey.truncate(MAX_JOURNEY_STEPS);
    }
}

/// Whether pageview `a` (time, path) comes strictly before `b`; a missing pageview comes after every other.
fn first_pageview(a: (Option<i64>, &Option<String>), b: (Option<i64>, &Option<String>)) -> bool {
    match (a.0, b.0) {
        (Some(at), Some(bt)) => (at, a.1) < (bt, b.1),
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
