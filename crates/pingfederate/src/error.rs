//! The authentication API's errors, answered as `{code, message, userMessage, details}`, every
//! one with `userMessage`, details with `target` (PingFederate SDK guide, error messages).
//! Internal and upstream failures are logged once and answered without their details.

use axum::http::header::RETRY_AFTER;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use moderno_wire::pingfederate::{AuthnError, AuthnErrorDetail, FlowStatus};

#[derive(Debug, thiserror::Error)]
pub enum AuthnApiError {
    #[error("the action {action} is not allowed in status {status:?}")]
    InvalidAction { action: String, status: FlowStatus },
    #[error("validation failed")]
    Validation(Vec<AuthnErrorDetail>),
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("the content type names no action")]
    UnsupportedMediaType,
    #[error("the X-XSRF-Header is missing")]
    MissingXsrfHeader,
    #[error("the flow is unknown or expired")]
    FlowNotFound,
    #[error("the flow belongs to another client session")]
    ForeignSession,
    #[error("the flow changed meanwhile")]
    Conflict,
    #[error("the request body is too large")]
    TooLarge,
    /// Refused by the HTTP layer itself (no such route, wrong method, an unreadable request).
    #[error("{message}")]
    Refused { status: StatusCode, message: String },
    #[error("PingOne MFA failed: {0}")]
    Upstream(String),
    /// 503 `SERVICE_UNAVAILABLE` with `Retry-After`: the database did not answer in time (a
    /// write that found no turn, no connection). Ping publishes no code for it (PingFederate SDK
    /// guide, error messages): the emulator's own 503 code (docs/fidelity.md, "PingFederate: its
    /// own codes").
    #[error("the database did not answer in time: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AuthnApiError {
    /// One validation detail.
    pub fn field(code: &str, field: &str, message: &str, user_message: &str) -> Self {
        Self::Validation(vec![AuthnErrorDetail {
            code: code.to_string(),
            message: message.to_string(),
            user_message: Some(user_message.to_string()),
            target: Some(field.to_string()),
            attempts_remaining: None,
        }])
    }

    /// Status, code, message, and the message in the user's words (every error has one: Ping's
    /// widget shows `userMessage`, `pingidentity/pf-authn-js-widget:src/store.js` `getErrorDetails`).
    fn parts(&self) -> (StatusCode, &'static str, String, &'static str) {
        use AuthnApiError as E;
        const TRY_AGAIN: &str = "Something went wrong. Please try again later.";
        const START_AGAIN: &str = "Something went wrong. Please start the sign-in again.";
        match self {
            E::InvalidAction { .. } => (StatusCode::BAD_REQUEST, "INVALID_ACTION_ID", self.to_string(), START_AGAIN),
            E::Validation(_) => (
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
                "One or more validation errors occurred.".into(),
                "Please check what you entered and try again.",
            ),
            E::BadRequest { code, message } => (StatusCode::BAD_REQUEST, code, message.clone(), START_AGAIN),
            E::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "INVALID_CONTENT_TYPE",
                "send Content-Type application/vnd.pingidentity.<action>+json".into(),
                START_AGAIN,
            ),
            E::MissingXsrfHeader => (StatusCode::FORBIDDEN, "MISSING_XSRF_HEADER", self.to_string(), START_AGAIN),
            E::FlowNotFound => (
                StatusCode::NOT_FOUND,
                "RESOURCE_NOT_FOUND",
                self.to_string(),
                "Your session has expired. Please start again.",
            ),
            E::ForeignSession => (
                StatusCode::FORBIDDEN,
                "FLOW_SESSION_MISMATCH",
                self.to_string(),
                "Your session has expired. Please start again.",
            ),
            E::Conflict => (
                StatusCode::CONFLICT,
                "FLOW_CHANGED",
                "the flow changed meanwhile; read it and retry".into(),
                START_AGAIN,
            ),
            E::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", self.to_string(), START_AGAIN),
            E::Refused { status, message } => {
                let code = match *status {
                    StatusCode::NOT_FOUND => "RESOURCE_NOT_FOUND",
                    StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
                    StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => "INVALID_CONTENT_TYPE",
                    s if s.is_server_error() => "UNEXPECTED_ERROR",
                    _ => "INVALID_REQUEST",
                };
                (*status, code, message.clone(), START_AGAIN)
            }
            E::Upstream(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "the MFA service is unavailable".into(),
                TRY_AGAIN,
            ),
            E::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "the service is temporarily unavailable; retry shortly".into(),
                TRY_AGAIN,
            ),
            E::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "UNEXPECTED_ERROR",
                "an unexpected error occurred".into(),
                TRY_AGAIN,
            ),
        }
    }
}

impl From<moderno_sql::Error> for AuthnApiError {
    fn from(e: moderno_sql::Error) -> Self {
        if e.is_unavailable() {
            return Self::Unavailable(format!("database: {e}"));
        }
        Self::Internal(format!("database: {e}"))
    }
}

impl IntoResponse for AuthnApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(detail) => tracing::error!(error = %detail, "request failed"),
            Self::Upstream(detail) => tracing::warn!(error = %detail, "PingOne MFA call failed"),
            Self::Unavailable(detail) => tracing::warn!(error = %detail, "request refused for now"),
            _ => {}
        }
        let retry = matches!(self, Self::Unavailable(_));
        let (status, code, message, user_message) = self.parts();
        let details = match self {
            Self::Validation(details) => details,
            _ => Vec::new(),
        };
        let body =
            AuthnError { code: code.to_string(), message, user_message: Some(user_message.to_string()), details };
        let mut response = (status, Json(body)).into_response();
        if retry {
            response.headers_mut().insert(RETRY_AFTER, moderno_sql::Error::RETRY_AFTER_SECONDS.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answered(response: Response) -> (StatusCode, Option<String>, serde_json::Value) {
        let retry_after = response.headers().get(RETRY_AFTER).map(|v| v.to_str().expect("ASCII").to_owned());
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 4096).await.expect("a body");
        (status, retry_after, serde_json::from_slice(&bytes).expect("JSON"))
    }

    fn unavailable() -> moderno_sql::Error {
        moderno_sql::Error::Unavailable("no turn to write within 10.0 s".into())
    }

    #[tokio::test]
    async fn a_database_that_does_not_answer_in_time_is_503_with_retry_after_and_any_other_failure_500() {
        let (status, retry_after, body) = answered(AuthnApiError::from(unavailable()).into_response()).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert_eq!(body["code"], "SERVICE_UNAVAILABLE", "{body}");
        assert!(body["userMessage"].is_string(), "{body}");
        assert!(!body.to_string().contains("turn"), "the cause stays in the log: {body}");

        let (status, retry_after, body) =
            answered(AuthnApiError::from(moderno_sql::Error::NoRows).into_response()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(retry_after, None);
        assert_eq!(body["code"], "UNEXPECTED_ERROR", "{body}");
    }

    /// The OAuth endpoints say it in OAuth's words: `temporarily_unavailable` (RFC 6749 section
    /// 4.1.2.1), 503 and `Retry-After`; any other failure stays `server_error`, 500.
    #[tokio::test]
    async fn the_oauth_endpoints_answer_it_temporarily_unavailable() {
        use crate::oauth::OAuthFailure;
        let (status, retry_after, body) =
            answered(OAuthFailure::from(AuthnApiError::from(unavailable())).into_response()).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert_eq!(body["error"], "temporarily_unavailable", "{body}");

        let internal = OAuthFailure::from(AuthnApiError::from(moderno_sql::Error::NoRows)).into_response();
        let (status, retry_after, body) = answered(internal).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(retry_after, None);
        assert_eq!(body["error"], "server_error", "{body}");
    }
}
