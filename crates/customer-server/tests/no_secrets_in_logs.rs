//! Nothing secret reaches the logs: passwords, payloads, pairing keys, session ids and tokens,
//! one-time passcodes. The whole flow runs with every log level on, captured in memory.

#![allow(clippy::unwrap_used)] // test harness code outside #[test] functions

mod common;
mod log_capture;

use log_capture::Captured;

use common::{session_id, status, Stack, TestDevice, PASSWORD};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::PairingMode;
use serde_json::json;

#[tokio::test]
async fn a_full_login_and_pairing_logs_no_secret() {
    let captured = Captured::install();

    let stack = Stack::start().await;
    stack.settings(|s| s.pairing_mode = PairingMode::Manual).await;
    let (_, html) = stack.web_pairing_key("alice", PASSWORD).await;
    let key_start = html.find("class=\"key\"").unwrap();
    let key = html[key_start..].split(['>', '<']).nth(1).unwrap().to_owned();

    let mut primary = TestDevice::new(40);
    let first_payload = primary.payload(&stack.clock);
    let paired = stack
        .moderno(json!({"operation": "auth_user", "user": "alice", "password": PASSWORD,
            "pingIdPayload": first_payload, "pairingKey": key}))
        .await;
    assert_eq!(status(&paired), 0, "{paired}");
    primary.complete_pairing(&stack, &paired, TrustLevel::Primary).await;

    let laptop = TestDevice::new(41);
    let waiting = stack.login("alice", &laptop).await;
    assert_eq!(status(&waiting), 1015, "the primary is offline: {waiting}");
    let session = session_id(&waiting);
    let otp = primary.otp(&stack.clock);
    let approved = stack.offline_otp(&session, &otp, None).await;
    assert_eq!(status(&approved), 0, "{approved}");

    let logs = captured.text();
    assert!(
        logs.contains("operation=\"auth_user\"") || logs.contains("operation=auth_user"),
        "spans carry the operation"
    );
    let secrets = [
        ("password", PASSWORD.to_owned()),
        ("pairing key", key.clone()),
        ("pairing key, compact", key.replace('-', "")),
        ("payload", first_payload.clone()),
        ("server payload", paired["pingIdPayload"].as_str().unwrap().to_owned()),
        ("session token", paired["sessionToken"].as_str().unwrap().to_owned()),
        ("session id", session.clone()),
        ("api key", moderno_customer_server::DEMO_API_KEY_B64.to_owned()),
        ("account token", moderno_customer_server::DEMO_ACCOUNT_TOKEN.to_owned()),
    ];
    for (what, secret) in secrets {
        assert!(!logs.contains(&secret), "the {what} appears in the logs");
    }
    assert!(
        !logs.contains(&format!("otp={otp}")) && !logs.contains(&format!("\"{otp}\"")),
        "the OTP appears in the logs"
    );
}
