//! Pure analysis over stored rows: the sessionizer, the frustration detectors; statistics next. No I/O here:
//! the writer and the stores call these functions and keep the results.

pub mod detect;
pub mod session;
