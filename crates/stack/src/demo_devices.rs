//! PingOne MFA devices for the demo users who show the one-time-passcode branches of Ping's
//! "pairing an additional device" flow, added through PingOne's management API with the worker
//! token, as an administrator would: `carol` has a phone for SMS (OTP_REQUIRED), `dave` an e-mail
//! address and a phone (DEVICE_SELECTION_REQUIRED, then OTP_REQUIRED). `alice` and `bob` start
//! with no device (MOBILE_PAIRING_REQUIRED). A user who already has devices is left as they are,
//! so restarting the demo keeps what was paired, renamed or removed.

use anyhow::Context;
use serde_json::{json, Value};

/// Who gets which device: (username, the bodies of `POST .../users/{user}/devices`).
pub fn demo_devices() -> Vec<(&'static str, Vec<Value>)> {
    vec![
        ("carol", vec![json!({"type": "SMS", "phone": "+1 555 0100", "nickname": "Carol's phone"})]),
        (
            "dave",
            vec![
                json!({"type": "EMAIL", "email": "dave@example.com", "nickname": "Work mail"}),
                json!({"type": "SMS", "phone": "+1 555 0142", "nickname": "Dave's phone"}),
            ],
        ),
    ]
}

/// Adds the demo devices at the PingOne MFA at `pingone_url` (environment `env`), on PingOne's
/// management API: the user looked up by username (`filter`), created when absent, addressed by id.
pub async fn seed(pingone_url: &str, env: &str, worker_token: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::builder().no_proxy().build()?;
    let base = format!("{}/v1/environments/{env}", pingone_url.trim_end_matches('/'));
    for (user, devices) in demo_devices() {
        let created =
            http.post(format!("{base}/users")).bearer_auth(worker_token).json(&json!({"username": user})).send().await;
        let status = created.with_context(|| format!("creating the PingOne user {user}"))?.status();
        // 400 INVALID_DATA / UNIQUENESS_VIOLATION: the user is there from an earlier start.
        anyhow::ensure!(
            status.is_success() || status.as_u16() == 400,
            "creating the PingOne user {user}: HTTP {status}"
        );
        let filter = [("filter", format!("username eq \"{user}\""))];
        let found = read(http.get(format!("{base}/users")).query(&filter), worker_token).await?;
        let id = found["_embedded"]["users"][0]["id"]
            .as_str()
            .with_context(|| format!("no PingOne user {user}"))?
            .to_string();
        let listed = read(http.get(format!("{base}/users/{id}/devices")), worker_token).await?;
        if listed["count"].as_u64().unwrap_or(0) > 0 {
            continue;
        }
        for device in devices {
            let response =
                http.post(format!("{base}/users/{id}/devices")).bearer_auth(worker_token).json(&device).send().await?;
            anyhow::ensure!(
                response.status().is_success(),
                "adding a demo device for {user}: HTTP {}",
                response.status()
            );
        }
        tracing::info!(user, "demo PingOne MFA devices added");
    }
    Ok(())
}

/// A management API read with the worker token, as JSON.
async fn read(request: reqwest::RequestBuilder, worker_token: &str) -> anyhow::Result<Value> {
    Ok(request.bearer_auth(worker_token).send().await?.error_for_status()?.json().await?)
}
