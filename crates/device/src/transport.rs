//! The one HTTP client both server clients share, and how transport failures read.

use std::time::Duration;

use crate::error::DeviceError;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Long enough for the longest push long poll ([`crate::sdk_device_client::MAX_WAIT_SECONDS`]).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(35);

/// Built once per [`crate::Device`] (or CLI run) and cloned: clones share the connection pool.
pub fn http_client() -> Result<reqwest::Client, DeviceError> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("moderno-device/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| DeviceError::ServerUnreachable { server: "any server".into(), reason: e.to_string() })
}

/// A request that did not get an HTTP answer (refused, timed out, TLS).
pub(crate) fn unreachable(server: &str, error: &reqwest::Error) -> DeviceError {
    let reason = if error.is_timeout() {
        "it did not answer in time".to_string()
    } else if error.is_connect() {
        "the connection failed (is it running?)".to_string()
    } else {
        // reqwest's text names the URL, never a header or a body.
        error.to_string()
    };
    DeviceError::ServerUnreachable { server: server.to_string(), reason }
}

pub(crate) fn unexpected(server: &str, detail: impl Into<String>) -> DeviceError {
    DeviceError::UnexpectedAnswer { server: server.to_string(), detail: detail.into() }
}

/// Parses a JSON answer body, or says what was wrong with it.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(server: &str, status: u16, body: &[u8]) -> Result<T, DeviceError> {
    serde_json::from_slice(body)
        .map_err(|e| unexpected(server, format!("HTTP {status} with a body that does not parse: {e}")))
}
