//! The one error type of the PingOne MFA emulator, answered as `MfaError` JSON.
//!
//! Client mistakes map to 4xx with a stable `code`; internal failures are logged once and
//! answered as a bare 500 `UNEXPECTED_ERROR` without details.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use moderno_wire::pingone::{MfaError, MfaErrorDetail};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    Invalid { code: &'static str, message: String, target: Option<&'static str> },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("the request is not authorized: {0}")]
    Unauthorized(&'static str),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{message}")]
    TooMany { code: &'static str, message: String },
    /// A rate limit: 429 `REQUEST_LIMITED` (PingOne's code) with `Retry-After` in seconds.
    #[error("{message}")]
    RateLimited { detail: &'static str, message: String, retry_after: i64 },
    #[error("the request body is too large")]
    TooLarge,
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { code, message: message.into(), target: None }
    }

    pub fn invalid_field(target: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { code: "INVALID_VALUE", message: message.into(), target: Some(target) }
    }

    fn parts(&self) -> (StatusCode, MfaError) {
        let body = |code: &str, message: String, details: Vec<MfaErrorDetail>| MfaError {
            code: code.to_string(),
            message,
            details,
        };
        match self {
            Self::Invalid { code, message, target } => {
                let detail = MfaErrorDetail {
                    code: (*code).to_string(),
                    message: message.clone(),
                    target: target.map(str::to_string),
                };
                (StatusCode::BAD_REQUEST, body("INVALID_DATA", message.clone(), vec![detail]))
            }
            Self::NotFound(what) => (StatusCode::NOT_FOUND, body("NOT_FOUND", format!("{what} not found"), vec![])),
            Self::Unauthorized(why) => {
                (StatusCode::UNAUTHORIZED, body("UNAUTHORIZED", format!("not authorized: {why}"), vec![]))
            }
            Self::Conflict { code, message } => (StatusCode::CONFLICT, body(code, message.clone(), vec![])),
            Self::TooMany { code, message } => (StatusCode::TOO_MANY_REQUESTS, body(code, message.clone(), vec![])),
            Self::RateLimited { detail, message, .. } => {
                let detail = MfaErrorDetail { code: (*detail).to_string(), message: message.clone(), target: None };
                (StatusCode::TOO_MANY_REQUESTS, body("REQUEST_LIMITED", message.clone(), vec![detail]))
            }
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                body("PAYLOAD_TOO_LARGE", format!("the body is over {} bytes", crate::MAX_BODY_BYTES), vec![]),
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                body("UNEXPECTED_ERROR", "an unexpected error occurred".into(), vec![]),
            ),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Internal(format!("database: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(detail) = &self {
            tracing::error!(error = %detail, "request failed");
        }
        let (status, body) = self.parts();
        let mut response = (status, Json(body)).into_response();
        if let Self::RateLimited { retry_after, .. } = self {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, retry_after.into());
        }
        response
    }
}
