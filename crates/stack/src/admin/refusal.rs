//! The admin API's refusals: `{code, message}` with an HTTP status.

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use moderno_wire::admin::AdminError;

/// `{code, message}` with its HTTP status.
pub(super) struct Refusal(StatusCode, AdminError);

impl Refusal {
    pub(super) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self(status, AdminError { code: code.into(), message: message.into() })
    }

    /// A body that is no JSON of the right shape (400), or over the size limit (413).
    pub(super) fn body(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", rejection.body_text())
            }
            _ => Self::new(StatusCode::BAD_REQUEST, "INVALID_BODY", rejection.body_text()),
        }
    }

    /// The shared database did not take or give the controls (the reason is logged: it may name
    /// a host).
    pub(super) fn database(error: moderno_sql::Error) -> Self {
        tracing::warn!(%error, "the shared test controls' database failed");
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "DATABASE_UNAVAILABLE", "the shared database did not answer")
    }

    /// The shared inspector record could not be read or written.
    pub(super) fn record(error: anyhow::Error) -> Self {
        tracing::warn!(error = %format!("{error:#}"), "the inspector's shared record failed");
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "DATABASE_UNAVAILABLE", "the shared database did not answer")
    }

    /// The SDK server's refusal passed on (404 for an unknown user), or 502 when it failed.
    pub(super) fn sdk(error: moderno_customer_server::sdk_client::SdkError) -> Self {
        match error.status() {
            Some(404) => Self::new(StatusCode::NOT_FOUND, "USER_NOT_FOUND", "the PingID SDK server knows no such user"),
            Some(status @ 400..=499) => Self::new(
                StatusCode::BAD_REQUEST,
                "REFUSED",
                format!("the PingID SDK server refused (HTTP {status}): {error}"),
            ),
            _ => Self::new(
                StatusCode::BAD_GATEWAY,
                "SDK_SERVER_FAILED",
                format!("the PingID SDK server did not answer properly: {error}"),
            ),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}
