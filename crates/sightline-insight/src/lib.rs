//! Pure analysis over stored rows: the sessionizer today; detectors and statistics next. No I/O here: the
//! writer and the stores call these functions and keep the results.

pub mod session;
