//! The writer's memory of recent sessions, for placing each event in its session (`sightline_insight::session`)
//! and giving every event of a session its first visitor id. Sessions it does not remember are asked from the
//! store, which holds all of them: a restart only makes the first writes slower, never different.

use std::collections::{HashMap, HashSet};

use sightline_insight::session::{IDLE_MS, SidSessions, continuation_of, sid_of};
use sightline_store::{EventStore, SessionSpan};

/// `sid`s remembered; two generations of this many (the older is dropped when the younger fills): 8 to 16 minutes
/// of new sessions at 100 a second, ~180 bytes each. A batch of a `sid` forgotten asks the store.
const REMEMBERED_SIDS: usize = 50_000;

/// A remembered `sid`: a 128-bit hash of site and sid (16 bytes, where the sid's own string cost ~60 with its
/// allocation; two of 200 k share one with a chance of about 10⁻²⁸).
type SidKey = u128;

fn sid_key(site_id: i64, sid: &str) -> SidKey {
    crate::compact_key(site_id, sid)
}

#[derive(Debug, Clone, Default)]
struct SidState {
    sessions: SidSessions,
    /// Visitor of each continuation, by number (nearly always one: a list, not a map).
    visitors: Vec<(u32, Box<str>)>,
}

#[derive(Default)]
pub struct SessionDirectory {
    young: HashMap<SidKey, SidState>,
    old: HashMap<SidKey, SidState>,
}

/// A `sid`'s batch about to be placed: which store lookup it needs.
pub struct Pending<'a> {
    pub site_id: i64,
    pub sid: &'a str,
    /// The `sid`'s first batch (`seq` 0, stored once): nothing of the sid is stored yet, no need to ask.
    pub first_batch: bool,
    /// Event times of the batch (any order).
    pub times: Vec<i64>,
}

impl SessionDirectory {
    fn get_mut(&mut self, key: SidKey) -> Option<&mut SidState> {
        if !self.young.contains_key(&key) {
            let state = self.old.remove(&key)?;
            self.insert(key, state);
        }
        self.young.get_mut(&key)
    }

    fn insert(&mut self, key: SidKey, state: SidState) {
        if self.young.len() >= REMEMBERED_SIDS {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(key, state);
    }

    /// Learns from the store the sessions near `pending` batches of `sid`s not remembered (one query per site).
    pub fn load(
        &mut self,
        store: &dyn EventStore,
        pending: &[Pending<'_>],
    ) -> sightline_store::Result<()> {
        let mut wanted: HashMap<i64, (HashSet<String>, i64, i64)> = HashMap::new();
        for p in pending {
            let key = sid_key(p.site_id, p.sid);
            if p.first_batch || self.young.contains_key(&key) || self.old.contains_key(&key) {
                continue;
            }
            let (Some(&lo), Some(&hi)) = (p.times.iter().min(), p.times.iter().max()) else {
                continue;
            };
            let entry = wanted
                .entry(p.site_id)
                .or_insert((HashSet::new(), i64::MAX, i64::MIN));
            entry.0.insert(p.sid.to_string());
            entry.1 = entry.1.min(lo);
            entry.2 = entry.2.max(hi);
        }
        for (site_id, (sids, lo, hi)) in wanted {
            let sids: Vec<String> = sids.into_iter().collect();
            let spans = store.session_spans(
                site_id,
                &sids,
                lo.saturating_sub(IDLE_MS),
                hi.saturating_add(IDLE_MS),
            )?;
            let mut states: HashMap<String, SidState> =
                sids.into_iter().map(|s| (s, SidState::default())).collect();
            for span in spans {
                if let Some(state) = states.get_mut(sid_of(&span.session)) {
                    remember(state, &span);
                }
            }
            for (sid, state) in states {
                self.insert(sid_key(site_id, &sid), state);
            }
        }
        Ok(())
    }

    /// The session (continuation number, see `session_key`) of an event at `t` of `sid`'s batch, and the
    /// session's visitor (`visitor` when the session is new). [`Self::load`] must have seen the batch.
    pub fn place<'a>(
        &'a mut self,
        site_id: i64,
        sid: &str,
        t: i64,
        visitor: &'a str,
    ) -> (u32, &'a str) {
        let key = sid_key(site_id, sid);
        if self.get_mut(key).is_none() {
            self.insert(key, SidState::default());
        }
        let Some(state) = self.young.get_mut(&key) else {
            return (0, visitor);
        };
        // The sid's own key is known to be free unless a session holds it: remembered, or loaded (the store is
        // asked for the session keyed by the sid wherever it lies), so any new session may take it.
        let n = state.sessions.place(t, true);
        let at = match state.visitors.iter().position(|(m, _)| *m == n) {
            Some(at) => at,
            None => {
                state.visitors.push((n, visitor.into()));
                state.visitors.len() - 1
            }
        };
        (n, &state.visitors[at].1)
    }
}

fn remember(state: &mut SidState, span: &SessionSpan) {
    let n = continuation_of(&span.session);
    state.sessions.spans.push(sightline_insight::session::Span {
        n,
        started: span.started,
        ended: span.ended,
    });
    match state.visitors.iter_mut().find(|(m, _)| *m == n) {
        Some((_, visitor)) => *visitor = span.visitor.as_str().into(),
        None => state.visitors.push((n, span.visitor.as_str().into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sightline_insight::session::{rows_of, session_key};
    use sightline_model::EventRow;
    use sightline_store::WriteBatch;
    use sightline_store::duckdb::DuckDbEventStore;

    const T: i64 = 1_764_374_400_000;

    fn stored(store: &DuckDbEventStore, session: &str, visitor: &str, ts: &[i64]) {
        let rows: Vec<EventRow> = ts
            .iter()
            .map(|&t| EventRow {
                site_id: 1,
                ts: t,
                received_at: t,
                session: session.into(),
                visitor: visitor.into(),
                pageview: "pv".into(),
                event_type: "pageview",
                device: "desktop",
                ..EventRow::default()
            })
            .collect();
        store
            .commit(&WriteBatch {
                sessions: rows_of(&rows),
                rows: sightline_store::EventColumns::from_rows(&rows),
                ..WriteBatch::default()
            })
            .expect("commit");
    }

    fn pending(sid: &str, first_batch: bool, times: Vec<i64>) -> Pending<'_> {
        Pending {
            site_id: 1,
            sid,
            first_batch,
            times,
        }
    }

    #[test]
    fn a_fresh_directory_continues_the_stored_session_with_its_visitor() {
        let dir = tempfile::tempdir().expect("dir");
        let store = DuckDbEventStore::open(&dir.path().join("e.duckdb")).expect("store");
        // Stored before a restart (and before midnight, under yesterday's cookieless id).
        stored(
            &store,
            "sid-a",
            "visitor-yesterday",
            &[T - 60_000, T - 10_000],
        );
        let mut directory = SessionDirectory::default();
        directory
            .load(&store, &[pending("sid-a", false, vec![T + 5_000])])
            .expect("load");
        assert_eq!(
            directory.place(1, "sid-a", T + 5_000, "visitor-today"),
            (0, "visitor-yesterday")
        );
        // 40 minutes later: a continuation, keyed by its first minute, with the new visitor id.
        let later = T + 45 * 60_000;
        let (n, visitor) = directory.place(1, "sid-a", later, "visitor-today");
        assert_eq!(session_key("sid-a", n), format!("sid-a.{}", later / 60_000));
        assert_eq!(visitor, "visitor-today");
    }

    #[test]
    fn only_sessions_near_the_events_are_asked_for_and_a_first_batch_not_at_all() {
        let dir = tempfile::tempdir().expect("dir");
        let store = DuckDbEventStore::open(&dir.path().join("e.duckdb")).expect("store");
        stored(&store, "sid-b", "v", &[T]);
        let mut directory = SessionDirectory::default();
        let far = T + 3 * IDLE_MS;
        directory
            .load(&store, &[pending("sid-b", false, vec![far])])
            .expect("load");
        let (n, _) = directory.place(1, "sid-b", far, "v");
        assert_eq!(
            session_key("sid-b", n),
            format!("sid-b.{}", far / 60_000),
            "never the stored session's key"
        );
        let mut fresh = SessionDirectory::default();
        fresh
            .load(&store, &[pending("sid-c", true, vec![T])])
            .expect("load");
        assert_eq!(fresh.place(1, "sid-c", T, "v").0, 0);
    }

    #[test]
    fn a_batch_that_overtakes_the_first_one_still_opens_the_sid_itself() {
        let dir = tempfile::tempdir().expect("dir");
        let store = DuckDbEventStore::open(&dir.path().join("e.duckdb")).expect("store");
        let mut directory = SessionDirectory::default();
        directory
            .load(&store, &[pending("sid-d", false, vec![T + 3_000])])
            .expect("load");
        assert_eq!(directory.place(1, "sid-d", T + 3_000, "v").0, 0);
        assert_eq!(
            directory.place(1, "sid-d", T, "v").0,
            0,
            "then the first batch joins it"
        );
    }
}
