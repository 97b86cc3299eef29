//! `ApiError`: every refusal the server gives, rendered as Ping's `ErrorBody`.
//!
//! A handler returns `Err(ApiError)`; its `IntoResponse` leaves the body to the response envelope
//! (`envelope.rs`), which gives each error a fresh id from the injected `Entropy`, and signs it.
//! Internal failures are logged once, where they are made, and answered without their details.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use moderno_wire::sdk::{DetailCode, ErrorBody, ErrorCode, ErrorDetail};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub target: Option<String>,
    pub details: Vec<ErrorDetail>,
    /// Commit the transaction this refusal ends (to keep count of failed guesses).
    pub commit: bool,
}

/// An error body waiting for its id; the envelope renders it.
#[derive(Debug, Clone)]
pub struct PendingErrorBody(pub ApiError);

impl ApiError {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), target: None, details: Vec::new(), commit: false }
    }

    fn with_detail(mut self, code: DetailCode, target: Option<&str>) -> Self {
        self.target = target.map(str::to_string).or(self.target);
        self.details.push(ErrorDetail { code, message: self.message.clone(), target: target.map(str::to_string) });
        self
    }

    /// 400 `INVALID_DATA`: the request could not be read (malformed JSON, wrong content type).
    pub fn invalid_data(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidData, message)
    }

    /// 400 `INVALID_DATA` detail `INVALID_VALUE`: a field is missing or out of range.
    pub fn invalid_value(target: &str, message: impl Into<String>) -> Self {
        Self::invalid_data(message).with_detail(DetailCode::InvalidValue, Some(target))
    }

    /// 400 `INVALID_DATA` detail `INVALID_PAYLOAD`: a mobile payload that does not pass.
    pub fn invalid_payload(message: impl Into<String>) -> Self {
        Self::invalid_data(message).with_detail(DetailCode::InvalidPayload, Some("payload"))
    }

    /// 400 `REQUEST_FAILED` with a detail code: the request is well formed but refused.
    pub fn refused(detail: DetailCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::RequestFailed, message).with_detail(detail, None)
    }

    /// 404 `NOT_FOUND` naming what is missing.
    pub fn not_found(target: &str) -> Self {
        let mut e = Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, format!("{target} not found"));
        e.target = Some(target.to_string());
        e
    }

    /// 401 `UNAUTHORIZED_REQ` detail `INVALID_SIGNATURE`.
    pub fn bad_signature(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::UnauthorizedReq, message)
            .with_detail(DetailCode::InvalidSignature, None)
    }

    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!("the request body is larger than {} bytes", crate::config::MAX_BODY_BYTES),
        )
    }

    /// 429 `TOO_MANY_REQUESTS` detail `RETRY_LIMIT_EXCEEDED`.
    pub fn too_many(message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyRequests, message)
            .with_detail(DetailCode::RetryLimitExceeded, None)
    }

    /// 500 `UNEXPECTED_ERROR`. Logs `cause` here, once; the client sees none of it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::UnexpectedError, "an unexpected error occurred")
    }

    /// The error an HTTP status stands for, when something other than a handler refused the
    /// request (axum's method router, a body limit).
    pub fn for_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::new(status, ErrorCode::NotFound, "no such resource"),
            StatusCode::METHOD_NOT_ALLOWED => {
                Self::new(status, ErrorCode::InvalidRequest, "this method is not allowed on this resource")
            }
            StatusCode::PAYLOAD_TOO_LARGE => Self::payload_too_large(),
            StatusCode::UNAUTHORIZED => Self::bad_signature("the request is not authorized"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidData, "the content type must be application/json")
            }
            s if s.is_client_error() => Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, "the request is not valid"),
            _ => Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::UnexpectedError, "an unexpected error occurred"),
        }
    }

    pub fn into_body(self, id: String) -> ErrorBody {
        ErrorBody {
            id,
            code: self.code,
            message: self.message,
            target: self.target,
            inner_error: None,
            details: self.details,
        }
    }

    /// Marks a refusal whose transaction must still commit: the record of a failed attempt.
    pub fn committing(mut self) -> Self {
        self.commit = true;
        self
    }

    /// The detail code, for logs.
    pub fn detail_code(&self) -> Option<DetailCode> {
        self.details.first().map(|d| d.code)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        Self::internal(format_args!("database: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(PendingErrorBody(self));
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
