//! Flows and authorization codes purged a day after they expired, over real HTTP and
//! PingFederate's database. PingFederate's own cleanup task removes a stored session once its
//! expiry is older than the current time by a configurable offset ("Manage externally stored
//! authentication sessions",
//! https://docs.pingidentity.com/pingfederate/latest/administrators_reference_guide/pf_manage_external_store_auth_sessions.html);
//! the 24 hours are the emulator's (`docs/security.md`, "Retention").

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::device::TestDevice;
use common::mfa_server::MfaServer;
use common::pf::{token_claims, ApiClient, Stack};
use pingfederate_server::Purged;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Moves the shared clock on and takes a new worker token for the test's PingOne calls.
async fn advance(stack: &mut Stack, by: chrono::Duration) {
    stack.clock.advance(by);
    stack.mfa.token = MfaServer::worker_token(&stack.mfa.client, &stack.mfa.url).await;
}

fn rows(stack: &Stack, table: &str) -> i64 {
    match table {
        "flows" => stack.count("SELECT COUNT(*) FROM flows", ""),
        "codes" => stack.count("SELECT COUNT(*) FROM codes", ""),
        other => panic!("no table {other} counted here"),
    }
}

/// A flow of `user` finished from `phone` (paired): COMPLETED, its code not yet
/// redeemed.
async fn completed_flow(stack: &Stack, user: &str, phone: &TestDevice) -> (ApiClient, Value) {
    let mut client = stack.client();
    let (flow, _) = client.login(user).await;
    client.step(&flow, "authenticate", json!({ "mobilePayload": phone.mobile_payload() })).await;
    let completed = client.step(&flow, "continueAuthentication", json!({})).await;
    assert_eq!(completed["status"], "COMPLETED", "{completed}");
    (client, completed)
}

#[tokio::test]
async fn flows_and_codes_that_expired_a_day_ago_are_purged_while_newer_and_live_ones_stay_and_work() {
    let mut stack = Stack::start_with(|c| c.purge_interval = std::time::Duration::ZERO).await;
    let phone = stack.paired_phone("alice", 1).await;
    // Old: a completed flow whose code was redeemed, and a flow left after the password.
    let (client, completed) = completed_flow(&stack, "alice", &phone).await;
    token_claims(&stack, &client, &completed).await;
    let mut abandoned = stack.client();
    abandoned.login("alice").await;
    assert_eq!((rows(&stack, "flows"), rows(&stack, "codes")), (2, 1));

    // 23 hours after they expired (flows live 30 minutes, codes 60 seconds): nothing goes.
    advance(&mut stack, chrono::Duration::minutes(30) + chrono::Duration::hours(23)).await;
    assert_eq!(stack.state.purge_finished().await.unwrap(), Purged::default());
    assert_eq!((rows(&stack, "flows"), rows(&stack, "codes")), (2, 1));

    // A day and a second after; then live ones: a flow waiting for its second factor and a
    // completed flow whose code is not redeemed yet.
    advance(&mut stack, chrono::Duration::hours(1) + chrono::Duration::seconds(1)).await;
    let mut waiting = stack.client();
    let (waiting_flow, _) = waiting.login("alice").await;
    let (unredeemed, unredeemed_flow) = completed_flow(&stack, "alice", &phone).await;

    let purged = stack.state.purge_finished().await.unwrap();
    assert_eq!(purged, Purged { flows: 2, codes: 1 });
    assert_eq!((rows(&stack, "flows"), rows(&stack, "codes")), (2, 1));
    assert_eq!(stack.state.purge_finished().await.unwrap(), Purged::default(), "a second purge finds nothing");
    // The old code stays refused (gone now, as it was used); the live code and flow work.
    let (status, refused) = client.exchange(completed["authorizeResponse"]["code"].as_str().unwrap()).await;
    assert_eq!((status, &refused["error"]), (StatusCode::BAD_REQUEST, &json!("invalid_grant")), "{refused}");
    token_claims(&stack, &unredeemed, &unredeemed_flow).await;
    waiting.step(&waiting_flow, "authenticate", json!({ "mobilePayload": phone.mobile_payload() })).await;
    let done = waiting.step(&waiting_flow, "continueAuthentication", json!({})).await;
    token_claims(&stack, &waiting, &done).await;
    // And alice signs in afresh.
    let (client, completed) = completed_flow(&stack, "alice", &phone).await;
    token_claims(&stack, &client, &completed).await;
}

#[tokio::test]
async fn the_scheduled_purge_first_runs_one_interval_after_start_and_reads_pingfederates_clock() {
    let mut stack = Stack::start_with(|c| c.purge_interval = std::time::Duration::from_secs(3)).await;
    let phone = stack.paired_phone("bob", 2).await;
    let (client, completed) = completed_flow(&stack, "bob", &phone).await;
    token_claims(&stack, &client, &completed).await;
    advance(&mut stack, chrono::Duration::days(2)).await;
    assert_eq!((rows(&stack, "flows"), rows(&stack, "codes")), (1, 1), "nothing is purged before the first interval");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while rows(&stack, "flows") + rows(&stack, "codes") > 0 {
        assert!(std::time::Instant::now() < deadline, "the scheduled purge ran");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // bob signs in again after the purge.
    let (client, completed) = completed_flow(&stack, "bob", &phone).await;
    token_claims(&stack, &client, &completed).await;
}
