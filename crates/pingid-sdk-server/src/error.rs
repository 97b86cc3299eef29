//! `ApiError`: every refusal the server gives, rendered as Ping's `ErrorBody`.
//!
//! A handler returns `Err(ApiError)`; its `IntoResponse` leaves the body to the response envelope
//! (`envelope.rs`), which gives each error a fresh id from the injected `Entropy`, and signs it.
//! Internal failures are logged once, where they are made, and answered without their details.
//!
//! Only Ping's vocabulary goes out: the six top-level codes of [S-MODEL] `ErrorCode.java` and the
//! detail codes of [S-MODEL] `InternalErrorCode.java`; the constructors below are named for what
//! they mean and pick the code, detail and target. The emulator's own words go in `message`.

use axum::http::header::RETRY_AFTER;
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

    /// 400 `INVALID_DATA` with a detail on `target`: the request's data does not validate.
    fn invalid_field(detail: DetailCode, target: &str, message: impl Into<String>) -> Self {
        Self::invalid_data(message).with_detail(detail, Some(target))
    }

    /// 400 `REQUEST_FAILED` with a detail on `target`: well formed, refused as things stand.
    fn refused_on(detail: DetailCode, target: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::RequestFailed, message).with_detail(detail, Some(target))
    }

    /// 400 `INVALID_DATA`: the request could not be read (malformed JSON, wrong content type).
    pub fn invalid_data(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidData, message)
    }

    /// 400 `INVALID_DATA` detail `INVALID_VALUE`: a field's value is not acceptable.
    pub fn invalid_value(target: &str, message: impl Into<String>) -> Self {
        Self::invalid_field(DetailCode::InvalidValue, target, message)
    }

    /// 400 `INVALID_DATA` detail `REQUIRED_VALUE`: a field that must be sent is missing.
    pub fn required_value(target: &str, message: impl Into<String>) -> Self {
        Self::invalid_field(DetailCode::RequiredValue, target, message)
    }

    /// 400 `INVALID_DATA` detail `EMPTY_VALUE`: a field was sent empty.
    pub fn empty_value(target: &str, message: impl Into<String>) -> Self {
        Self::invalid_field(DetailCode::EmptyValue, target, message)
    }

    /// 400 `INVALID_DATA` detail `OUT_OF_RANGE`: a number outside its range (the message says it).
    pub fn out_of_range(target: &str, message: impl Into<String>) -> Self {
        Self::invalid_field(DetailCode::OutOfRange, target, message)
    }

    /// 400 `INVALID_DATA` detail `SIZE_LIMIT_EXCEEDED`: a field longer than allowed.
    pub fn size_limit(target: &str, message: impl Into<String>) -> Self {
        Self::invalid_field(DetailCode::SizeLimitExceeded, target, message)
    }

    /// 400 `INVALID_DATA` detail `SIZE_LIMIT_EXCEEDED` (no target): the body is over the limit.
    /// Ping has no 413 code ([S-MODEL] `ErrorCode.java`).
    pub fn body_too_large() -> Self {
        let limit = crate::config::MAX_BODY_BYTES;
        Self::invalid_data(format!("the request body is larger than {limit} bytes"))
            .with_detail(DetailCode::SizeLimitExceeded, None)
    }

    /// 400 `INVALID_DATA` detail `INVALID_VALUE` target `payload`: a mobile payload that does
    /// not open, is stale at its first use, or was used for someone else (the message says which).
    pub fn invalid_payload(message: impl Into<String>) -> Self {
        Self::invalid_value("payload", message)
    }

    /// 400 `REQUEST_FAILED` with a detail code and no target: the request is well formed but
    /// refused (`DEVICE_BLOCKED`, `DEVICE_IGNORED`, `USER_DISABLED`, `DEVICE_MUST_BE_TRUSTED`...).
    pub fn refused(detail: DetailCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::RequestFailed, message).with_detail(detail, None)
    }

    /// 400 `REQUEST_FAILED` detail `INVALID_VALUE` on `target` (e.g. `status`): the action is not
    /// allowed in the resource's current state; the message says why.
    pub fn not_in_state(target: &str, message: impl Into<String>) -> Self {
        Self::refused_on(DetailCode::InvalidValue, target, message)
    }

    /// 400 `REQUEST_FAILED` detail `RESOURCE_ALREADY_EXISTS` on `target`.
    pub fn already_exists(target: &str, message: impl Into<String>) -> Self {
        Self::refused_on(DetailCode::ResourceAlreadyExists, target, message)
    }

    /// 400 `REQUEST_FAILED` detail `SIZE_LIMIT_EXCEEDED` on `target`: a collection is full (the
    /// user's devices).
    pub fn collection_full(target: &str, message: impl Into<String>) -> Self {
        Self::refused_on(DetailCode::SizeLimitExceeded, target, message)
    }

    /// 400 `REQUEST_FAILED` detail `RETRY_LIMIT_EXCEEDED`: a rate limit (pushes per user,
    /// pairing-key guesses); the message says until when. Ping has no 429 code.
    pub fn retry_limit(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::RequestFailed, message)
            .with_detail(DetailCode::RetryLimitExceeded, None)
    }

    /// 400 `REQUEST_FAILED`, target `application`, detail `APPLICATION_DISABLED`: exactly what
    /// Ping's sample tests before it lets a login through without MFA ([S-API]
    /// `isApplicationDisabled`).
    pub fn application_disabled() -> Self {
        Self::refused_on(DetailCode::ApplicationDisabled, "application", "the application is disabled")
    }

    /// 400 `REQUEST_FAILED` detail `INVALID_VALUE` target `payload`, for a device that says it is
    /// rooted (Ping's own word for it, `DEVICE_ROOTED`, is an authentication's reason, not an error
    /// code). `INVALID_DATA` would mean the payload itself is bad.
    pub fn rooted_device() -> Self {
        Self::refused_on(DetailCode::InvalidValue, "payload", "the device is rooted or jailbroken")
    }

    /// 404 `NOT_FOUND` naming what is missing.
    pub fn not_found(target: &str) -> Self {
        let mut e = Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, format!("{target} not found"));
        e.target = Some(target.to_string());
        e
    }

    /// 401 `UNAUTHORIZED_REQ`, no detail (Ping lists none for it); the message names the reason
    /// (missing, malformed, does not verify, expired, replay...).
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::UnauthorizedReq, message)
    }

    /// 500 `UNEXPECTED_ERROR`. Logs `cause` here, once; the client sees none of it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::UnexpectedError, "an unexpected error occurred")
    }

    /// 503 `UNEXPECTED_ERROR` with `Retry-After`: the database did not answer in time (a write
    /// that found no turn, no connection). Ping's top-level codes have none for it ([S-MODEL]
    /// `ErrorCode.java`, [D-ERR]: six, the server's own fault `UNEXPECTED_ERROR`), so the code is
    /// that one and the status says it passes (docs/fidelity.md, "PingID SDK server: a database
    /// that does not answer in time"). Logs `cause` here, once, as a warning.
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(%cause, "the database did not answer in time");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::UnexpectedError,
            "the service is briefly unavailable; try again shortly",
        )
    }

    /// The error an HTTP status stands for, when something other than a handler refused the
    /// request (axum's method router, a body limit).
    pub fn for_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::new(status, ErrorCode::NotFound, "no such resource"),
            StatusCode::METHOD_NOT_ALLOWED => {
                Self::new(status, ErrorCode::InvalidRequest, "this method is not allowed on this resource")
            }
            StatusCode::PAYLOAD_TOO_LARGE => Self::body_too_large(),
            StatusCode::UNAUTHORIZED => Self::unauthorized("the request is not authorized"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidData, "the content type must be application/json")
            }
            s if s.is_client_error() => {
                Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, "the request is not valid")
            }
            _ => {
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::UnexpectedError, "an unexpected error occurred")
            }
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

impl From<moderno_sql::Error> for ApiError {
    fn from(e: moderno_sql::Error) -> Self {
        if e.is_unavailable() {
            return Self::unavailable(format_args!("database: {e}"));
        }
        Self::internal(format_args!("database: {e}"))
    }
}

impl IntoResponse for ApiError {
    /// The status now, the body later (the envelope renders it); a 503 says when to retry.
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(RETRY_AFTER, moderno_sql::Error::RETRY_AFTER_SECONDS.into());
        }
        response.extensions_mut().insert(PendingErrorBody(self));
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(e: moderno_sql::Error) -> (StatusCode, Option<String>, ErrorBody) {
        let response = ApiError::from(e).into_response();
        let retry_after = response.headers().get(RETRY_AFTER).map(|v| v.to_str().expect("ASCII").to_owned());
        let pending = response.extensions().get::<PendingErrorBody>().expect("a body for the envelope").clone();
        (response.status(), retry_after, pending.0.into_body("id".into()))
    }

    #[test]
    fn a_database_that_does_not_answer_in_time_is_503_with_retry_after_and_any_other_failure_500() {
        let (status, retry_after, body) =
            answered(moderno_sql::Error::Unavailable("no turn to write within 10.0 s".into()));
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert_eq!(body.code, ErrorCode::UnexpectedError);
        assert!(!body.message.contains("turn"), "the cause stays in the log: {}", body.message);

        let (status, retry_after, body) = answered(moderno_sql::Error::NoRows);
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(retry_after, None);
        assert_eq!(body.code, ErrorCode::UnexpectedError);
    }
}
