//! Funnels: which steps each unit (a session, or a visitor over its sessions) went through, in order, within a
//! window, and the report over all units. The stores give each unit's funnel events (time, and a mask of the
//! steps the event matches, sorted by time then mask — ClickHouse's `groupArray` + `arraySort` or DuckDB's
//! ordered `list`); everything else is here.
//!
//! Semantics (docs/funnels.md, pinned by the tests below):
//! - An attempt starts at any event of step 1 inside the report's range; later steps may fall after its end,
//!   as long as they are within `window_ms` of the attempt's start.
//! - Each later step is the earliest event after the previous step's event (in the sorted order) that matches
//!   it. One event is one step: a funnel that repeats a step (`/a → /b → /a`) needs a second event.
//! - Events with the same timestamp count in step order (they are sorted by mask), so a pageview and the click
//!   logged in the same millisecond make two consecutive steps.
//! - Strict order: between two steps only repeats of the step just reached may occur; any other funnel event
//!   ends the attempt. Loose order: anything may occur between steps.
//! - A unit counts once, with its best attempt: the one that reaches the furthest step; of those, the
//!   earliest. Times between steps are that attempt's.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dates::{DAY_MS, utc_date};

/// Most steps in one funnel.
pub const MAX_FUNNEL_STEPS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FunnelSpec {
    pub steps: usize,
    pub window_ms: i64,
    pub strict: bool,
    /// Attempts start in `[from, to)`.
    pub from: i64,
    pub to: i64,
}

/// The best attempt of one unit: the index (in its events) of the event of each step it reached, from step 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub events: Vec<usize>,
}

impl Attempt {
    /// Steps reached, 1..=steps.
    pub fn reached(&self) -> usize {
        self.events.len()
    }
}

/// The unit's best attempt, if it started the funnel in the range. `ts` and `masks` are its events sorted by
/// time, then mask; bit k of a mask: the event matches step k (from 0).
pub fn best_attempt(spec: &FunnelSpec, ts: &[i64], masks: &[u32]) -> Option<Attempt> {
    let mut best: Option<Attempt> = None;
    for start in 0..ts.len().min(masks.len()) {
        if masks[start] & 1 == 0 || ts[start] < spec.from || ts[start] >= spec.to {
            continue;
        }
        let attempt = attempt_from(spec, ts, masks, start);
        if best
            .as_ref()
            .is_none_or(|b| attempt.reached() > b.reached())
        {
            let complete = attempt.reached() == spec.steps;
            best = Some(attempt);
            if complete {
                break;
            }
        }
    }
    best
}

fn attempt_from(spec: &FunnelSpec, ts: &[i64], masks: &[u32], start: usize) -> Attempt {
    let deadline = ts[start].saturating_add(spec.window_ms);
    let mut events = vec![start];
    let mut at = start + 1;
    while events.len() < spec.steps && at < ts.len() {
        if ts[at] > deadline {
            break;
        }
        let step = events.len();
        if masks[at] & (1 << step) != 0 {
            events.push(at);
        } else if spec.strict && masks[at] & (1 << (step - 1)) == 0 {
            break;
        }
        at += 1;
    }
    Attempt { events }
}

/// One step of a funnel report.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FunnelStepStats {
    pub label: String,
    /// Units that reached this step.
    pub count: u64,
    /// 0..1; 1 for the first step.
    pub conversion_from_previous: f64,
    pub conversion_from_start: f64,
    /// Units that reached this step and not the next (0 on the last step).
    pub drop_off: u64,
    /// Interpolated median and 75th percentile of the time to the next step, of those who went on.
    pub median_ms_to_next: Option<f64>,
    pub p75_ms_to_next: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FunnelDay {
    /// `YYYY-MM-DD` (UTC) of the attempts' start.
    pub day: String,
    pub started: u64,
    pub completed: u64,
    /// completed / started
    pub conversion: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FunnelSegmentRow {
    pub value: String,
    pub steps: Vec<FunnelStepStats>,
}

/// Aggregates the best attempts of units into step statistics.
#[derive(Debug, Clone)]
pub struct StepTally {
    reached: Vec<u64>,
    to_next: Vec<Vec<i64>>,
}

impl StepTally {
    pub fn new(steps: usize) -> StepTally {
        StepTally {
            reached: vec![0; steps],
            to_next: vec![Vec::new(); steps],
        }
    }

    pub fn add(&mut self, attempt: &Attempt, ts: &[i64]) {
        for (k, &event) in attempt.events.iter().enumerate() {
            if let Some(slot) = self.reached.get_mut(k) {
                *slot += 1;
            }
            if let Some(&next) = attempt.events.get(k + 1) {
                self.to_next[k].push(ts[next] - ts[event]);
            }
        }
    }

    pub fn stats(mut self, labels: &[String]) -> Vec<FunnelStepStats> {
        let first = self.reached.first().copied().unwrap_or(0);
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        (0..self.reached.len())
            .map(|k| {
                let count = self.reached[k];
                let previous = if k == 0 { count } else { self.reached[k - 1] };
                let next = self.reached.get(k + 1).copied();
                let times = &mut self.to_next[k];
                times.sort_unstable();
                FunnelStepStats {
                    label: labels.get(k).cloned().unwrap_or_default(),
                    count,
                    conversion_from_previous: if k == 0 { 1.0 } else { ratio(count, previous) },
                    conversion_from_start: ratio(count, first),
                    drop_off: next.map_or(0, |n| count - n),
                    median_ms_to_next: quantile(times, 0.5),
                    p75_ms_to_next: quantile(times, 0.75),
                }
            })
            .collect()
    }
}

/// Attempts per UTC day of their start, and how many completed the funnel.
#[derive(Debug, Clone, Default)]
pub struct DailyTally {
    days: BTreeMap<i64, (u64, u64)>,
}

impl DailyTally {
    pub fn add(&mut self, start_ts: i64, completed: bool) {
        let day = self.days.entry(start_ts.div_euclid(DAY_MS)).or_default();
        day.0 += 1;
        day.1 += u64::from(completed);
    }

    pub fn days(self) -> Vec<FunnelDay> {
        self.days
            .into_iter()
            .map(|(day, (started, completed))| FunnelDay {
                day: utc_date(day * DAY_MS),
                started,
                completed,
                conversion: completed as f64 / started as f64,
            })
            .collect()
    }
}

/// The `q` quantile of sorted values, interpolated between the two nearest ranks.
pub fn quantile(sorted: &[i64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = q.clamp(0.0, 1.0) * last as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    let (a, b) = (sorted[low] as f64, sorted[high] as f64);
    Some(a + (b - a) * (rank - low as f64))
}

#[cfg(test)]
mod tests;
