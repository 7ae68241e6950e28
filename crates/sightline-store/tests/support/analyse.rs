//! One analysis pass over a store, as the server's analyzer runs it (default thresholds and weights).

use sightline_insight::detect::{FrictionWeights, Thresholds};
use sightline_model::EventRow;
use sightline_store::{AnalyzedSession, EventStore};

/// Analyses the sessions changed since `since` (at most 100) and stores what it found; how many.
pub fn analyse(store: &dyn EventStore, since: i64) -> usize {
    let versions = store
        .changed_sessions(since, i64::MAX, 100)
        .expect("changed");
    let events = store.analysis_events(&versions).expect("events");
    let analyses: Vec<AnalyzedSession> = versions
        .iter()
        .map(|v| {
            let mine: Vec<EventRow> = events
                .iter()
                .filter(|e| e.session == v.session)
                .cloned()
                .collect();
            AnalyzedSession::of(
                v.clone(),
                &mine,
                &Thresholds::default(),
                &FrictionWeights::default(),
            )
        })
        .collect();
    store.store_analyses(&analyses).expect("store");
    versions.len()
}
