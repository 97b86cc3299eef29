//! The authentication API's errors, answered as `{code, message, userMessage, details}`, every
//! one with `userMessage`, details with `target` (PingFederate SDK guide, error messages).
//! Internal and upstream failures are logged once and answered without their details.

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
        Self::Internal(format!("database: {e}"))
    }
}

impl IntoResponse for AuthnApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(detail) => tracing::error!(error = %detail, "request failed"),
            Self::Upstream(detail) => tracing::warn!(error = %detail, "PingOne MFA call failed"),
            _ => {}
        }
        let (status, code, message, user_message) = self.parts();
        let details = match self {
            Self::Validation(details) => details,
            _ => Vec::new(),
        };
        let body =
            AuthnError { code: code.to_string(), message, user_message: Some(user_message.to_string()), details };
        (status, Json(body)).into_response()
    }
}
