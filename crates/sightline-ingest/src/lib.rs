//! Ingest: parse, validate and check batches, spool them durably, and write them into the EventStore.

pub mod allocator;
pub mod analyzer;
mod compact_key;
pub mod enrich;
pub mod lease;
pub mod pipeline;
pub mod rate_limit;
pub mod record;
pub mod rows;
pub mod sessions;
pub mod sites;
pub mod spool;
pub mod visitor;
pub mod writer;

pub(crate) use compact_key::compact_key;
pub use pipeline::{IngestError, IngestOptions, Ingestor, RequestContext};
pub use sites::{SiteDirectory, SiteEntry};
pub use spool::Spool;
pub use writer::{BatchWriter, WriterStart};
