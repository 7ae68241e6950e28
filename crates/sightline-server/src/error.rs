//! The one place where errors become HTTP: status + `{"error": {"code", "message"}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sightline_ingest::IngestError;
use sightline_store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header (429 and 503 answers).
    pub retry_after_secs: Option<u64>,
}

/// Every error response: `{"error": {"code", "message"}}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `unknown_site`.
    pub code: String,
    /// What was wrong, for people.
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    /// Adds `Retry-After: secs` to the answer.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs.max(1));
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {message}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        let status = match &e {
            _ if e.is_too_large() => StatusCode::PAYLOAD_TOO_LARGE,
            IngestError::BadGzip(_) | IngestError::Malformed(_) | IngestError::Invalid(_) => {
                StatusCode::BAD_REQUEST
            }
            IngestError::UnknownSite(_) => StatusCode::NOT_FOUND,
            IngestError::OriginNotAllowed(_) => StatusCode::FORBIDDEN,
            IngestError::SpoolUnavailable(_) | IngestError::Overloaded { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            IngestError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            IngestError::Store(_) | IngestError::Task(_) => return ApiError::internal(e),
            IngestError::BodyTooLarge(_) | IngestError::DecompressedTooLarge => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
        };
        metrics::counter!("sightline_ingest_rejected_total", "reason" => e.code()).increment(1);
        let error = ApiError::new(status, e.code(), e.to_string());
        match e.retry_after_secs() {
            Some(secs) => error.retry_after(secs),
            None => error,
        }
    }
}

/// A report refused for memory may fit once the reports running beside it are done.
const QUERY_TOO_LARGE_RETRY_SECS: u64 = 5;

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            StoreError::Invalid(message) => ApiError::bad_request("invalid", message),
            StoreError::Conflict(message) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", message)
            }
            StoreError::OutOfMemory(message) => {
                tracing::warn!(%message, "a report ran out of the event store's memory budget");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "query_too_large",
                    "this report needs more memory than the event store may use right now: narrow the date \
                     range or the page, or try again in a moment",
                )
                .retry_after(QUERY_TOO_LARGE_RETRY_SECS)
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_out_of_memory_is_a_retryable_503_not_a_500() {
        let e = ApiError::from(StoreError::OutOfMemory(
            "Out of Memory Error: 183 MiB".into(),
        ));
        assert_eq!(
            (e.status, e.code, e.retry_after_secs),
            (StatusCode::SERVICE_UNAVAILABLE, "query_too_large", Some(5))
        );
        assert!(e.message.contains("narrow the date range"), "{}", e.message);
        assert!(!e.message.contains("MiB"), "no internals: {}", e.message);
        let internal = ApiError::from(StoreError::Corrupt("x".into()));
        assert_eq!(internal.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}
