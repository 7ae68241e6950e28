//! Sightline's wire format (v1, see `docs/wire.md`) and domain types. No I/O here.

pub mod limits;
pub mod row;
pub mod session;
pub mod validate;
pub mod wire;

pub use row::EventRow;
pub use session::{JourneyStep, MAX_JOURNEY_STEPS, SessionRow};
pub use validate::{ValidationError, ValidationErrorKind};
pub use wire::{Batch, Event, EventData};

/// The server clock in ms since the epoch (UTC); every stored time is in these units.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
