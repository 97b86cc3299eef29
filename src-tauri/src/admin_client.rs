//! The embedded stack's admin API over loopback HTTP, for the QA panel and the flow inspector.
//! Only with the built-in servers: a shared server's switches and records are its own.

use std::time::Duration;

use moderno_wire::admin::AdminError;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::CommandError;
use crate::state::Connection;

/// `method path` with an optional JSON body; the answer read as `T`. The admin API's refusal
/// comes back as `admin_refused` with its words and status.
pub async fn call<T: DeserializeOwned>(conn: &Connection, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<T, CommandError> {
    let text = call_text(conn, method, path, body).await?;
    serde_json::from_str(&text).map_err(|e| CommandError::new("unexpected_server_answer", format!("the admin API's answer did not parse: {e}")))
}

/// The answer's text, or the admin API's refusal.
async fn call_text(conn: &Connection, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<String, CommandError> {
    let admin = conn.embedded.as_ref().and_then(|urls| urls.admin.clone()).ok_or_else(|| {
        CommandError::new("not_embedded", "this works with the built-in servers: a shared server's switches and records are its own")
    })?;
    let unreachable = |e: reqwest::Error| CommandError::new("server_unreachable", format!("the admin API did not answer: {e}"));
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).no_proxy().build().map_err(unreachable)?;
    let mut request = http.request(method, format!("{admin}{path}"));
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
    Err(CommandError { code: "admin_refused".into(), message: format!("{} ({})", refusal.message, refusal.code), status: Some(status.as_u16()) })
}
