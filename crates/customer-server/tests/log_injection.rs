//! A username is the client's input: a newline in it must not forge a log line, and an escape
//! sequence must not reach the terminal. Every path that logs a username — the Moderno protocol,
//! the web pages, the SDK server's spans — runs with a hostile one, every log level captured.
//! (Usernames are logged as `user="…"`, escaped; the SDK server refuses control characters in a
//! username outright.)

#![allow(clippy::unwrap_used)] // test harness code outside #[test] functions

mod common;
mod log_capture;

use common::{Stack, TestDevice, PASSWORD};
use log_capture::Captured;
use serde_json::json;

const HOSTILE: &str = "bob\nFORGED 2026-01-01T00:00:00Z  INFO admin logged in\u{1b}[2J\u{7}";

#[tokio::test]
async fn a_hostile_username_is_logged_escaped_on_every_path() {
    let captured = Captured::install();
    let stack = Stack::start().await;

    let device = TestDevice::new(60);
    let payload = device.payload(&stack.clock);
    stack
        .moderno(json!({"operation": "auth_user", "user": HOSTILE, "password": PASSWORD, "pingIdPayload": payload}))
        .await;
    stack.moderno(json!({"operation": "auth_user", "user": HOSTILE, "password": "wrong"})).await;
    stack.web_pairing_key(HOSTILE, PASSWORD).await;
    // The SDK server's own spans name the user of the path.
    let create =
        moderno_wire::sdk::CreateUser { username: HOSTILE.into(), first_name: String::new(), last_name: String::new() };
    let refused = stack.sdk().create_user(&create).await.expect_err("no control characters in a username");
    assert_eq!(refused.status(), Some(400), "{refused}");
    let _ = stack.sdk().get_user(HOSTILE, true).await;
    let _ = stack.sdk().get_user("bob", true).await;

    let logs = captured.text();
    assert!(logs.contains("first factor checked"), "the logins were logged");
    for line in logs.lines() {
        assert!(!line.starts_with("FORGED"), "a forged line: {line:?}");
    }
    assert!(!logs.contains('\u{1b}') && !logs.contains('\u{7}'), "a control character reached the log");
}
