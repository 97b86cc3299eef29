//! The one HTTP client both server clients share, and how transport failures read.

use std::time::Duration;

use moderno_ambient::{Clock, Entropy};
use moderno_crypto::device_key::DeviceKey;
use moderno_crypto::device_signature::{sign_as, SignedRequest};
use reqwest::Method;
use url::Url;

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

/// The same device API, a trailing `/` aside.
pub(crate) fn same_url(a: &Url, b: &Url) -> bool {
    a.as_str().trim_end_matches('/') == b.as_str().trim_end_matches('/')
}

/// How a device signs its requests to one server's device API: the header and its scheme word.
pub(crate) struct DeviceSigning<'a> {
    pub header: &'static str,
    pub scheme: &'static str,
    pub clock: &'a Clock,
    pub entropy: &'a Entropy,
}

/// A device API request: signed with `key` when given (method, path, query and body), the body
/// sent as JSON when there is one.
pub(crate) fn device_request(
    http: &reqwest::Client,
    signing: &DeviceSigning<'_>,
    method: &Method,
    url: &Url,
    key: Option<&DeviceKey>,
    body: Vec<u8>,
) -> reqwest::RequestBuilder {
    let mut request = http.request(method.clone(), url.clone());
    if let Some(key) = key {
        let signed =
            SignedRequest { method: method.as_str(), path: url.path(), query: url.query().unwrap_or(""), body: &body };
        let value = sign_as(signing.scheme, key, &signed, signing.clock.unix(), &signing.entropy.hex(16));
        request = request.header(signing.header, value);
    }
    if !body.is_empty() {
        request = request.header(reqwest::header::CONTENT_TYPE, "application/json").body(body);
    }
    request
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
