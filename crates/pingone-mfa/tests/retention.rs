//! Finished records purged after the retention, over real HTTP and the emulator's database.
//! PingOne publishes no retention for device authentications, pairing keys or its messages: the
//! 24 hours and what counts as finished are the emulator's decision (`docs/security.md`,
//! "Retention"). What ends when follows PingOne's lifetimes: a device authentication can be read
//! until it expires ("Read Device Authentication", 30 minutes here), a pairing key is valid ten
//! minutes ("MFA Settings" `pairing.pairingKeyLifetime`'s default), a passcode `otp.lifeTime`.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::device::TestDevice;
use common::mfa_server::{test_clock, MfaServer};
use moderno_wire::pingone::PushDecision;
use pingone_mfa_server::Purged;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Moves the shared clock on and takes a new worker token (one lives an hour).
async fn advance(mfa: &mut MfaServer, by: chrono::Duration) {
    mfa.clock.advance(by);
    mfa.token = MfaServer::worker_token(&mfa.client, &mfa.url).await;
}

async fn pairing_key(mfa: &MfaServer, user: &str) -> Value {
    let (status, key) = mfa.post(&mfa.user_url(user, "/pairingKeys"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    key
}

/// An SMS passcode sent for `user` (who has an SMS device): the authentication and its message.
async fn sms_passcode(mfa: &MfaServer, user: &str) -> Value {
    let (status, auth) = mfa.start_auth(user, json!({})).await;
    assert_eq!((status, &auth["status"]), (StatusCode::CREATED, &json!("OTP_REQUIRED")), "{auth}");
    auth
}

async fn outbox(mfa: &MfaServer, user: &str) -> Vec<Value> {
    let (status, body) = mfa.get(&format!("{}/outbox/{user}", mfa.url)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

#[tokio::test]
async fn records_that_ended_a_day_ago_are_purged_while_newer_and_live_ones_and_users_and_devices_stay() {
    let clock = test_clock();
    let mut mfa = MfaServer::start_with(&clock, |c| c.purge_interval = std::time::Duration::ZERO).await;
    // Old: a first-device pairing (its completed authentication and claimed pairing), a pairing
    // key left unclaimed, an SMS passcode with its message.
    let phone = mfa.paired_phone("alice", 1).await;
    let unclaimed = pairing_key(&mfa, "alice").await;
    mfa.create_user("carol").await;
    mfa.add_device("carol", "SMS").await;
    sms_passcode(&mfa, "carol").await;
    assert_eq!((mfa.rows("authentications").await, mfa.rows("pairings").await, mfa.rows("outbox").await), (2, 2, 1));

    // 23 hours after they ended (the authentications expire 30 minutes after they start, the
    // passcode too, the pairings 10 minutes): within the retention, nothing goes.
    advance(&mut mfa, chrono::Duration::minutes(30) + chrono::Duration::hours(23)).await;
    assert_eq!(mfa.state.purge_finished().await.unwrap(), Purged::default());
    assert_eq!((mfa.rows("authentications").await, mfa.rows("pairings").await, mfa.rows("outbox").await), (2, 2, 1));
    // Recent: a passcode and a pairing key that will have ended an hour before the purge.
    let recent_key = pairing_key(&mfa, "alice").await;
    sms_passcode(&mfa, "carol").await;

    // A day and a second after the old ones ended; then new, live records: a push waiting on
    // alice's phone, a fresh pairing key, a passcode just sent.
    advance(&mut mfa, chrono::Duration::hours(1) + chrono::Duration::seconds(1)).await;
    let (status, waiting) = mfa.start_auth("alice", json!({})).await;
    assert_eq!((status, &waiting["status"]), (StatusCode::CREATED, &json!("PUSH_CONFIRMATION_REQUIRED")));
    let fresh = pairing_key(&mfa, "alice").await;
    let passcode = sms_passcode(&mfa, "carol").await;

    let purged = mfa.state.purge_finished().await.unwrap();
    assert_eq!(purged, Purged { authentications: 2, pairings: 2, outbox_messages: 1 });
    assert_eq!((mfa.rows("authentications").await, mfa.rows("pairings").await, mfa.rows("outbox").await), (3, 2, 2));
    // The old unclaimed key is gone; the recent one can still be looked at, the fresh one claimed.
    let key_url = |key: &Value| mfa.user_url("alice", &format!("/pairingKeys/{}", key["id"].as_str().unwrap()));
    assert_eq!(mfa.get(&key_url(&unclaimed)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(mfa.get(&key_url(&recent_key)).await.0, StatusCode::OK);
    assert_eq!(mfa.get(&key_url(&fresh)).await.1["status"], "UNCLAIMED");
    // The recent and the new passcode's messages are left.
    let messages = outbox(&mfa, "carol").await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    // Users and devices are never purged; a second purge finds nothing.
    assert_eq!(mfa.devices("alice").await.len(), 1);
    assert_eq!(mfa.devices("carol").await.len(), 1);
    assert_eq!(mfa.state.purge_finished().await.unwrap(), Purged::default());

    // The flows go on: the waiting push is approved, the new passcode passes, the fresh key pairs.
    let (status, answered) = phone.answer_next_push(&mfa.url, PushDecision::approve(None)).await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(mfa.get(&mfa.auth_url(waiting["id"].as_str().unwrap())).await.1["status"], "COMPLETED");
    let code = messages[1]["otp"].as_str().unwrap();
    let (status, passed) = mfa.check_otp(&passcode, code).await;
    assert_eq!((status, &passed["status"]), (StatusCode::OK, &json!("COMPLETED")), "{passed}");
    let mut tablet = TestDevice::new(2, "tablet", &clock);
    let (status, claimed) = tablet.claim_pairing_key(&mfa.url, fresh["code"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    assert_eq!(mfa.devices("alice").await.len(), 2);
}

#[tokio::test]
async fn a_user_whose_old_records_were_purged_pairs_and_signs_in_again() {
    let clock = test_clock();
    let mut mfa = MfaServer::start_with(&clock, |c| c.purge_interval = std::time::Duration::ZERO).await;
    let phone = mfa.paired_phone("dave", 3).await;
    let (_, own) = mfa.start_auth("dave", json!({"mobilePayload": phone.mobile_payload()})).await;
    assert_eq!(own["status"], "COMPLETED", "{own}");
    advance(&mut mfa, chrono::Duration::days(2)).await;
    let purged = mfa.state.purge_finished().await.unwrap();
    assert_eq!(purged, Purged { authentications: 2, pairings: 1, outbox_messages: 0 });

    // The paired phone still signs in; a new device pairs after the phone approves it.
    let (_, again) = mfa.start_auth("dave", json!({"mobilePayload": phone.mobile_payload()})).await;
    assert_eq!(again["status"], "COMPLETED", "{again}");
    let mut laptop = TestDevice::new(4, "laptop", &clock);
    let (_, auth) = mfa.start_auth("dave", json!({"mobilePayload": laptop.mobile_payload()})).await;
    assert_eq!(auth["status"], "PUSH_CONFIRMATION_REQUIRED", "{auth}");
    let (status, _) = phone.answer_next_push(&mfa.url, PushDecision::approve(None)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, completed) = mfa.get(&mfa.auth_url(auth["id"].as_str().unwrap())).await;
    let (status, done) = laptop.complete_pairing(completed["idToken"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(mfa.devices("dave").await.len(), 2);
}

#[tokio::test]
async fn the_scheduled_purge_first_runs_one_interval_after_start_and_reads_the_emulators_clock() {
    let clock = test_clock();
    let mut mfa = MfaServer::start_with(&clock, |c| c.purge_interval = std::time::Duration::from_secs(3)).await;
    mfa.paired_phone("erin", 5).await;
    // Advanced at once: the records are old by the emulator's clock, but no purge ran at start.
    advance(&mut mfa, chrono::Duration::days(2)).await;
    assert_eq!(mfa.rows("authentications").await, 1, "nothing is purged before the first interval");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while mfa.rows("authentications").await + mfa.rows("pairings").await > 0 {
        assert!(std::time::Instant::now() < deadline, "the scheduled purge ran");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(mfa.devices("erin").await.len(), 1, "the device stays");
}
