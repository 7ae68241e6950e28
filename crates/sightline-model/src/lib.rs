//! Sightline's wire format (v1, see `shared/WIRE.md`) and domain types. No I/O here.

pub mod limits;
pub mod row;
pub mod validate;
pub mod wire;

pub use row::EventRow;
pub use validate::{ValidationError, ValidationErrorKind};
pub use wire::{Batch, Event, EventData};
