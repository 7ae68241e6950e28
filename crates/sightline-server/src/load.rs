//! Keeps one heavy query from starving the rest: report routes share `api_max_concurrent_queries` slots
//! (a request waits for one at most until its deadline), and every dashboard API request gets
//! `api_timeout_secs`. A query that times out is answered 503 at once; the engine finishes it in the
//! background (DuckDB queries are not cancelled mid-way), which is why the slots bound concurrency.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::Semaphore;

use crate::App;
use crate::error::ApiError;

/// `Retry-After` for a request refused for load.
const BUSY_RETRY_AFTER_SECS: u64 = 2;

pub struct QueryLimits {
    slots: Arc<Semaphore>,
    timeout: Duration,
}

impl QueryLimits {
    pub fn new(max_concurrent: u32, timeout_secs: u32) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(max_concurrent.max(1) as usize)),
            timeout: Duration::from_secs(u64::from(timeout_secs.max(1))),
        }
    }
}

fn timed_out(timeout: Duration) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "timeout",
        format!(
            "the request took longer than {} s; narrow the date range or filters",
            timeout.as_secs()
        ),
    )
    .retry_after(BUSY_RETRY_AFTER_SECS)
}

/// Every dashboard API request: answered within the timeout, or 503 `timeout`.
pub async fn deadline(
    State(app): State<Arc<App>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let timeout = app.query_limits.timeout;
    tokio::time::timeout(timeout, next.run(request))
        .await
        .map_err(|_| timed_out(timeout))
}

/// Report routes: one of the shared query slots for the duration of the request.
pub async fn report_slot(
    State(app): State<Arc<App>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let limits = &app.query_limits;
    let _slot = tokio::time::timeout(limits.timeout, limits.slots.clone().acquire_owned())
        .await
        .map_err(|_| timed_out(limits.timeout))?
        .map_err(|_| ApiError::internal("query slots closed"))?;
    Ok(next.run(request).await)
}
