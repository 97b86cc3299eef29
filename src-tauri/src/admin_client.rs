//! The admin API over HTTP, for the QA panel, the flow inspector and the demo outbox: the
//! embedded stack's (loopback, open), or a shared QA server's (`--admin-url`, with the bearer
//! token from `MODERNO_ADMIN_TOKEN`).

use std::time::Duration;

use moderno_wire::admin::AdminError;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{CommandError, ShellCode};
use crate::state::{typed_url, Connection};
use moderno_crypto::Secret;
use moderno_device::DeviceCode;
use url::Url;

/// Where a connection's admin API is, and the token it needs (`Debug` prints it `[redacted]`).
#[derive(Clone, Debug)]
pub struct AdminAccess {
    pub url: String,
    /// `url` parsed once; `None`: it is no URL (the connection refuses it when it opens).
    parsed: Option<Url>,
    token: Option<Secret<String>>,
}

impl AdminAccess {
    pub fn new(url: &str, token: Option<String>) -> Self {
        let url = typed_url(url).unwrap_or_default();
        let parsed = Url::parse(&url).ok();
        Self { url, parsed, token: token.filter(|t| !t.is_empty()).map(Secret::new) }
    }

    /// The same token for another address of the same origin (the token stays zeroized).
    pub fn at(&self, url: &str) -> Self {
        Self { token: self.token.clone(), ..Self::new(url, None) }
    }

    /// Whether `url` has this address's scheme, host and port.
    pub fn same_origin(&self, url: &str) -> bool {
        let other = Url::parse(url.trim()).ok();
        other.zip(self.parsed.as_ref()).is_some_and(|(other, own)| other.origin() == own.origin())
    }

    pub fn is_loopback(&self) -> bool {
        self.parsed.as_ref().and_then(|u| match u.host()? {
            url::Host::Domain(d) => Some(d == "localhost"),
            url::Host::Ipv4(ip) => Some(ip.is_loopback()),
            url::Host::Ipv6(ip) => Some(ip.is_loopback()),
        }) == Some(true)
    }
}

/// A value as one path segment (`/admin/users/{segment}/...`).
pub fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `method path` with an optional JSON body; the answer read as `T`. The admin API's refusal
/// comes back as `admin_refused` with its words and status.
pub async fn call<T: DeserializeOwned>(
    conn: &Connection,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Result<T, CommandError> {
    let text = call_text(conn, method, path, body).await?;
    serde_json::from_str(&text).map_err(|e| {
        CommandError::new(DeviceCode::UnexpectedServerAnswer, format!("the admin API's answer did not parse: {e}"))
    })
}

/// The answer's text, or the admin API's refusal.
async fn call_text(
    conn: &Connection,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Result<String, CommandError> {
    let admin = conn.admin.as_ref().ok_or_else(|| {
        CommandError::new(
            ShellCode::NoAdminApi,
            "this needs an admin API: the built-in servers have one; for a shared server start the app with --admin-url (and MODERNO_ADMIN_TOKEN)",
        )
    })?;
    let unreachable = |e: reqwest::Error| {
        CommandError::new(DeviceCode::ServerUnreachable, format!("the admin API did not answer: {e}"))
    };
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).no_proxy().build().map_err(unreachable)?;
    let mut request = http.request(method, format!("{}{path}", admin.url));
    if let Some(token) = &admin.token {
        request = request.bearer_auth(token.expose());
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.map_err(unreachable)?;
    let status = response.status();
    let text = response.text().await.map_err(unreachable)?;
    if status.is_success() {
        return Ok(text);
    }
    let refusal: AdminError = serde_json::from_str(&text)
        .unwrap_or_else(|_| AdminError { code: "UNEXPECTED".into(), message: format!("HTTP {status}") });
    Err(CommandError {
        code: ShellCode::AdminRefused.into(),
        message: format!("{} ({})", refusal.message, refusal.code),
        status: Some(status.as_u16()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let access = AdminAccess::new("http://qa.example:7105/", Some("s3cret-token".into()));
        let shown = format!("{access:?}");
        assert!(!shown.contains("s3cret") && shown.contains("[redacted]"), "{shown}");
        assert!(shown.contains("http://qa.example:7105\""), "the trailing slash is trimmed: {shown}");
        assert!(AdminAccess::new("http://x", Some(String::new())).token.is_none(), "an empty token is no token");
    }

    #[test]
    fn the_token_follows_only_its_own_origin() {
        let access = AdminAccess::new("http://qa.example:7105", Some("t".into()));
        assert!(access.same_origin("http://qa.example:7105/"));
        assert!(!access.same_origin("http://qa.example:7106"), "another port");
        assert!(!access.same_origin("https://qa.example:7105"), "another scheme");
        assert!(!access.same_origin("http://evil.example:7105"), "another host");
        assert!(!access.same_origin("not a url"));
        assert!(access.at("http://qa.example:7105/x").token.is_some());
        assert!(AdminAccess::new("http://127.0.0.1:7105", None).is_loopback());
        assert!(!access.is_loopback());
    }
}
