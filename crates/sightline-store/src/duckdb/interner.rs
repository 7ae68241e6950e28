//! Interning of the few stored strings an [`sightline_model::EventRow`] keeps as `&'static str` (event types,
//! devices, channels): values our own code wrote, a few dozen distinct ones at most.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex};

static INTERNED: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Default::default);

/// The `'static` copy of `value`, leaked once per distinct value for the life of the process.
pub(super) fn intern(value: String) -> &'static str {
    let mut interned = INTERNED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(known) = interned.get(value.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(value.into_boxed_str());
    interned.insert(leaked);
    leaked
}
