//! A username is the client's input: a newline in it must not forge a log line, and an escape
//! sequence must not reach the terminal. PingFederate logs it as `user="…"`, escaped, in the
//! first factor's span; here with every level captured, through a wrong password and a back-off.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "../../customer-server/tests/log_capture/mod.rs"]
mod log_capture;

use common::pf::Stack;
use log_capture::Captured;
use serde_json::json;

const HOSTILE: &str = "bob\nFORGED 2026-01-01T00:00:00Z  INFO admin logged in\u{1b}[2J\u{7}";

#[tokio::test]
async fn a_hostile_username_is_logged_escaped() {
    let captured = Captured::install();
    let stack = Stack::start().await;
    let mut client = stack.client();
    let flow = client.start_flow().await["id"].as_str().unwrap().to_string();
    for _ in 0..4 {
        let (status, _) =
            client.act(&flow, "checkUsernamePassword", json!({"username": HOSTILE, "password": "wrong"})).await;
        assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    }

    let logs = captured.text();
    assert!(logs.contains("first factor checked"), "the attempts were logged");
    assert!(logs.contains(r#"user="bob\nFORGED"#), "the name is logged, escaped: {logs}");
    for line in logs.lines() {
        assert!(!line.starts_with("FORGED"), "a forged line: {line:?}");
    }
    assert!(!logs.contains('\u{1b}') && !logs.contains('\u{7}'), "a control character reached the log");
}
