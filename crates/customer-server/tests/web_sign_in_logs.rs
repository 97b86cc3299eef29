//! A web sign-in logs neither the password nor the sign-in's id nor the session token. Its own
//! test binary: the subscriber is the process's, so every server task is seen.

#![allow(clippy::unwrap_used)] // test harness code outside #[test] functions

mod common;
mod log_capture;
mod web_browser;

use log_capture::Captured;

use common::{Stack, PASSWORD};
use moderno_wire::device_api::PushAnswer;
use web_browser::{alice_with_online_primary, waiting_for_device, Browser};

#[tokio::test]
async fn a_web_sign_in_logs_neither_the_password_nor_the_session() {
    let captured = Captured::install();

    let stack = Stack::start().await;
    let primary = alice_with_online_primary(&stack).await;
    let mut browser = Browser::new(&stack);
    waiting_for_device(&mut browser).await;
    let pending = browser.cookie("moderno_sign_in").unwrap().to_owned();
    primary.answer_the_push(&stack, PushAnswer::approve(None)).await;
    browser.get("/sign-in/wait").await;
    let token = browser.cookie("moderno_web").unwrap().to_owned();

    let logs = captured.text();
    assert!(logs.contains("web_sign_in"), "the steps are logged");
    for (what, secret) in [("password", PASSWORD), ("waiting sign-in id", &pending), ("session token", &token)] {
        assert!(!logs.contains(secret), "the {what} appears in the logs");
    }
}
