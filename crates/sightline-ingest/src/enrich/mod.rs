//! Enrichment of incoming events: user agent (device, browser, OS, bots),
//! traffic channel (UTM, click ids, referrer) and page path / page group.
//!
//! Everything here is pure and cheap: lookup tables are built once on first use,
//! no regex is compiled per call, and each function allocates at most its result.

mod channel;
mod page_path;
mod user_agent;

pub use channel::*;
pub use page_path::*;
pub use user_agent::*;
