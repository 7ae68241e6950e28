//! Pure analysis over stored rows: the sessionizer, the frustration detectors, the cost of problems and their
//! hypotheses, web-vitals ratings. No I/O here: the writer, the analysis pass and the stores call these functions
//! and keep the results.

pub mod cost;
pub mod dates;
pub mod detect;
pub mod funnel;
pub mod hypothesis;
pub mod ids;
pub mod page_facts;
pub mod segment;
pub mod session;
pub mod summary;
pub mod vitals;
