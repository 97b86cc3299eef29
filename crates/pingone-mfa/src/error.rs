//! The one error type of the PingOne MFA emulator, answered as PingOne writes errors:
//! `{id, code, message, details[{code, target, message, innerError}]}` with the codes of Ping's
//! OpenAPI error schemas (`pingidentity/pingone-openapi-specifications`,
//! `com.pingidentity.ApiErrorResponse.{400,401,404,415,429,500}.yaml`) and the "Error codes" page
//! (https://developer.pingidentity.com/pingone-api/platform/reference/error-codes.html).
//!
//! Every error gets its `id` (a UUID from the injected entropy) in [`with_error_ids`]. Internal
//! failures are logged once and answered as a bare 500 `UNEXPECTED_ERROR`.

use std::sync::Arc;

use axum::extract::{Request, State as AxumState};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use moderno_ambient::serving::Refusal;
use moderno_wire::pingone::{InnerError, MfaError, MfaErrorDetail};

use crate::State;

/// PingOne's message for `INVALID_DATA` (the "Error codes" page's example).
const INVALID_DATA_MESSAGE: &str =
    "The request could not be completed. One or more validation errors were in the request.";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `INVALID_DATA` with one detail (`INVALID_VALUE`, `REQUIRED_VALUE`, `UNIQUENESS_VIOLATION`,
    /// `INVALID_OTP`, `CONSTRAINT_VIOLATION`, ... or, on the beyond-Ping resources, the emulator's).
    #[error("{message}")]
    Invalid { code: &'static str, message: String, target: Option<&'static str>, inner: Option<InnerError> },
    /// 400 `INVALID_REQUEST`: a body that is not JSON, an action the resource does not offer now.
    #[error("{0}")]
    BadRequest(String),
    /// 415 `INVALID_REQUEST`: a content type that names no action of the resource.
    #[error("unsupported content type")]
    UnsupportedMediaType,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 401 `ACCESS_FAILED` with detail `INVALID_TOKEN`: no, a wrong or an expired access token.
    #[error("the access token is not valid: {0}")]
    InvalidToken(&'static str),
    /// 401 `ACCESS_FAILED` on the device API (a device signature, not a token).
    #[error("the request is not authorized: {0}")]
    Unauthorized(&'static str),
    /// 429 `REQUEST_LIMITED`, detail `LIMIT_EXCEEDED` with `innerError.retryAfter`, and
    /// `Retry-After` in seconds.
    #[error("{message}")]
    RateLimited { message: String, retry_after: i64, retry_at: String },
    #[error("the request body is too large")]
    TooLarge,
    /// 503 `SERVICE_UNAVAILABLE` with `Retry-After`: the database did not answer in time (a
    /// write that found no turn, no connection). PingOne's API describes a 503 with
    /// `Retry-After` and its general error body ([P1-OAS]
    /// `responses/http.503.ServiceUnavailable.yaml`) but names no code for it: the code is the
    /// emulator's (docs/fidelity.md, "PingOne MFA: a database that does not answer in time").
    #[error("the database did not answer in time: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 400 `INVALID_DATA` whose detail is `code`.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { code, message: message.into(), target: None, inner: None }
    }

    /// A 400 `INVALID_DATA` with detail `INVALID_VALUE` on `target`.
    pub fn invalid_field(target: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { code: "INVALID_VALUE", message: message.into(), target: Some(target), inner: None }
    }

    fn parts(&self) -> (StatusCode, MfaError) {
        let body = |code: &str, message: String, details: Vec<MfaErrorDetail>| MfaError {
            id: String::new(),
            code: code.to_string(),
            message,
            details,
        };
        let detail = |code: &str, message: String, target: Option<&str>, inner: Option<InnerError>| MfaErrorDetail {
            code: code.to_string(),
            target: target.map(str::to_string),
            message,
            inner_error: inner,
        };
        match self {
            Self::Invalid { code, message, target, inner } => (
                StatusCode::BAD_REQUEST,
                body(
                    "INVALID_DATA",
                    INVALID_DATA_MESSAGE.into(),
                    vec![detail(code, message.clone(), *target, inner.clone())],
                ),
            ),
            Self::BadRequest(message) => (StatusCode::BAD_REQUEST, body("INVALID_REQUEST", message.clone(), vec![])),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                body("INVALID_REQUEST", "The request's content type names no action of this resource.".into(), vec![]),
            ),
            Self::NotFound(what) => {
                (StatusCode::NOT_FOUND, body("NOT_FOUND", format!("Unable to find the {what}."), vec![]))
            }
            Self::InvalidToken(why) => (
                StatusCode::UNAUTHORIZED,
                body(
                    "ACCESS_FAILED",
                    "The request could not be completed. You do not have access to this resource.".into(),
                    vec![detail("INVALID_TOKEN", format!("The access token is not valid: {why}."), None, None)],
                ),
            ),
            Self::Unauthorized(why) => (
                StatusCode::UNAUTHORIZED,
                body("ACCESS_FAILED", format!("The request is not authorized: {why}."), vec![]),
            ),
            Self::RateLimited { message, retry_at, .. } => {
                let inner = InnerError { retry_after: Some(retry_at.clone()), remaining_attempts: None };
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    body(
                        "REQUEST_LIMITED",
                        message.clone(),
                        vec![detail("LIMIT_EXCEEDED", message.clone(), None, Some(inner))],
                    ),
                )
            }
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                body("PAYLOAD_TOO_LARGE", format!("the body is over {} bytes", crate::MAX_BODY_BYTES), vec![]),
            ),
            Self::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                body(
                    "SERVICE_UNAVAILABLE",
                    "The service is temporarily unavailable. Try again shortly.".into(),
                    vec![],
                ),
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                body("UNEXPECTED_ERROR", "An unexpected error occurred.".into(), vec![]),
            ),
        }
    }
}

/// A non-JSON error answer as PingOne's error body: 413 is [`ApiError::TooLarge`], any other
/// status `INVALID_REQUEST` (404 keeps `NOT_FOUND`) with the layer's words.
async fn as_pingone_error(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let error = match parts.status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge,
        StatusCode::NOT_FOUND => ApiError::NotFound("resource"),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::BadRequest("The method is not allowed on this resource.".into()),
        status => ApiError::BadRequest(if text.is_empty() {
            status.canonical_reason().unwrap_or("refused").into()
        } else {
            text
        }),
    };
    let mut converted = error.into_response();
    *converted.status_mut() = parts.status;
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            converted.headers_mut().insert(name.clone(), value.clone());
        }
    }
    converted
}

impl From<moderno_sql::Error> for ApiError {
    fn from(e: moderno_sql::Error) -> Self {
        if e.is_unavailable() {
            return Self::Unavailable(format!("database: {e}"));
        }
        Self::Internal(format!("database: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(detail) => tracing::error!(error = %detail, "request failed"),
            Self::Unavailable(detail) => tracing::warn!(error = %detail, "request refused for now"),
            _ => {}
        }
        let (status, body) = self.parts();
        let mut response = (status, Json(body)).into_response();
        let retry_after = match self {
            Self::RateLimited { retry_after, .. } => Some(retry_after),
            Self::Unavailable(_) => Some(moderno_sql::Error::RETRY_AFTER_SECONDS.into()),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// A request the server loop refuses before any handler (over its header or target limits,
/// `moderno_ambient::serving`): PingOne's `INVALID_REQUEST` body with its status and an `id`.
pub fn serving_refusal(state: State) -> Refusal {
    Arc::new(move |_target, status, words| {
        let (_, mut body) = ApiError::BadRequest(words.to_owned()).parts();
        body.id = state.entropy().uuid();
        (status, Json(body)).into_response()
    })
}

/// Gives every JSON error answer its `id` (PingOne's errors all carry one), drawn from the
/// injected entropy.
pub async fn with_error_ids(AxumState(state): AxumState<State>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if !(response.status().is_client_error() || response.status().is_server_error()) {
        return response;
    }
    let is_json = response.headers().get(CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    // The HTTP layer's own refusals (a method the route lacks, a body over the limit, an
    // extractor's plain text) in PingOne's error shape too, their status and headers kept.
    let response = if is_json { response } else { as_pingone_error(response).await };
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await else {
        return (parts.status, "").into_response();
    };
    let Ok(mut error) = serde_json::from_slice::<MfaError>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    if error.id.is_empty() {
        error.id = state.entropy().uuid();
    }
    let mut response = (parts.status, Json(error)).into_response();
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answered(e: moderno_sql::Error) -> (StatusCode, Option<String>, serde_json::Value) {
        let response = ApiError::from(e).into_response();
        let retry_after =
            response.headers().get(axum::http::header::RETRY_AFTER).map(|v| v.to_str().expect("ASCII").to_owned());
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 4096).await.expect("a body");
        (status, retry_after, serde_json::from_slice(&bytes).expect("JSON"))
    }

    #[tokio::test]
    async fn a_database_that_does_not_answer_in_time_is_503_with_retry_after_and_any_other_failure_500() {
        let (status, retry_after, body) =
            answered(moderno_sql::Error::Unavailable("no turn to write within 10.0 s".into())).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert_eq!(body["code"], "SERVICE_UNAVAILABLE", "{body}");
        assert!(!body.to_string().contains("turn"), "the cause stays in the log: {body}");

        let (status, retry_after, body) = answered(moderno_sql::Error::NoRows).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(retry_after, None);
        assert_eq!(body["code"], "UNEXPECTED_ERROR", "{body}");
    }
}
