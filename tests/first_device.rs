//! Seed 003, "Pairing a user's first device: automatic pairing flow", end to end over loopback.

use chrono::TimeDelta;
use moderno_device::{next_step, LoginStep, UserSelection};
use moderno_e2e::{TestStack, PASSWORD};
use moderno_wire::device_api::{IgnoreInterval, IntervalUnit, PairingOutcome};
use moderno_wire::moderno::{MfaOutcome, Status};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{DeviceRole, UpdateUser, UserStatus};

#[tokio::test]
async fn first_device_is_offered_every_trust_level_and_pairs_as_primary() {
    let t = TestStack::start().await;
    let laptop = t.device("laptop").await;

    let answer = laptop.login("alice").await;
    assert_eq!(answer.mfa, Some(MfaOutcome::Pairing), "{answer:?}");
    assert!(answer.registration_token.is_some(), "the answer names the registration token");
    let levels = laptop.offered_levels(&answer).await;
    assert_eq!(levels, vec![TrustLevel::Primary, TrustLevel::Trusted, TrustLevel::Ignore]);

    let paired = laptop.choose(UserSelection::Trust(TrustLevel::Primary)).await;
    assert_eq!(paired.outcome, PairingOutcome::Success);
    assert_eq!(paired.device_role, Some(DeviceRole::Primary));
    assert!(laptop.device.is_paired(), "the device keeps its pairing");
    assert!(laptop.device.offline_otp().is_some_and(|c| c.len() == 6), "a paired device shows an offline code");

    let user = t.sdk().get_user("alice", true).await.expect("alice exists at the SDK server");
    assert_eq!(user.status, UserStatus::Active);
    let devices = user.devices.expect("devices expanded");
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].device_role, DeviceRole::Primary);
    assert_eq!(Some(devices[0].id.clone()), paired.device_id);
}

#[tokio::test]
async fn a_paired_device_signs_in_with_its_payload_alone() {
    let t = TestStack::start().await;
    let laptop = t.device("laptop").await;
    laptop.pair_first("alice", TrustLevel::Primary).await;

    let again = laptop.login("alice").await;
    assert_eq!(again.status, Status::Ok, "{again:?}");
    assert_eq!(again.mfa, Some(MfaOutcome::TrustedDevice));
    assert!(again.ping_id_payload.is_none(), "no pairing offered again");
    assert!(again.session_token.is_some(), "a signed-in answer carries a session token");
}

#[tokio::test]
async fn the_pairing_survives_reopening_the_device_with_the_same_key_store() {
    let t = TestStack::start().await;
    let laptop = t.device("laptop").await;
    laptop.pair_first("alice", TrustLevel::Primary).await;
    let store = laptop.store.clone();
    drop(laptop);

    let reopened = t.device_with_store("laptop", store).await;
    assert!(reopened.device.is_paired(), "the key and pairing were loaded back");
    let answer = reopened.login("alice").await;
    assert_eq!(answer.mfa, Some(MfaOutcome::TrustedDevice), "{answer:?}");
}

#[tokio::test]
async fn ignoring_a_device_skips_the_prompt_during_the_interval_and_prompts_after_it() {
    let t = TestStack::start().await;
    let laptop = t.device("laptop").await;
    let answer = laptop.login("bob").await;
    laptop.offered_levels(&answer).await;
    let ignored = laptop.choose(UserSelection::Ignore(IgnoreInterval { value: 1, unit: IntervalUnit::Hours })).await;
    assert_eq!(ignored.outcome, PairingOutcome::Ignored);
    assert!(ignored.ignored_until.is_some());
    assert!(!laptop.device.is_paired());

    t.advance(TimeDelta::minutes(59));
    let during = laptop.login("bob").await;
    assert_eq!(during.status, Status::IgnoredDevice, "{during:?}");
    assert!(during.ping_id_payload.is_none(), "no prompt while ignored");
    assert!(during.session_token.is_some(), "the login goes through without MFA");
    assert_eq!(next_step(&during), LoginStep::SignedIn { mfa: Some(MfaOutcome::SkippedIgnoredDevice) });
    let user = t.sdk().get_user("bob", true).await.expect("bob exists");
    assert_eq!(user.status, UserStatus::NotActive, "ignoring pairs nothing");

    t.advance(TimeDelta::minutes(2));
    let after = laptop.login("bob").await;
    assert_eq!(laptop.offered_levels(&after).await, vec![TrustLevel::Primary, TrustLevel::Trusted, TrustLevel::Ignore]);
}

#[tokio::test]
async fn a_disabled_application_lets_the_login_through_without_mfa_and_says_so() {
    let t = TestStack::start().await;
    t.change_settings(|s| s.enabled = false).await;
    let laptop = t.device("laptop").await;

    let answer = laptop.login("carol").await;
    assert_eq!(answer.status, Status::Ok, "{answer:?}");
    assert_eq!(answer.mfa, Some(MfaOutcome::SkippedApplicationDisabled));
    assert!(answer.ping_id_payload.is_none(), "nothing to pair while disabled");
    assert!(answer.description.to_lowercase().contains("disabled"), "{}", answer.description);
}

#[tokio::test]
async fn a_wrong_password_is_refused_alike_for_known_and_unknown_users_and_creates_nothing() {
    let t = TestStack::start().await;
    let laptop = t.device("laptop").await;

    let known = laptop.login_with("alice", "not-the-password", None).await;
    let unknown = laptop.login_with("mallory", "not-the-password", None).await;
    assert_eq!(known.status, Status::NotAuthenticated);
    assert_eq!(unknown.status, Status::NotAuthenticated);
    assert_eq!(known.description, unknown.description, "the answer does not tell whether the user exists");
    assert!(known.ping_id_payload.is_none() && known.session_token.is_none());
    let error = t.sdk().get_user("alice", false).await.expect_err("no SDK user was created");
    assert!(error.is_not_found(), "{error:?}");
}

#[tokio::test]
async fn a_suspended_user_cannot_pair_and_keeps_no_pairing() {
    let t = TestStack::start().await;
    let laptop = t.device("laptop").await;
    // The first login creates the SDK user; then the administrator suspends it.
    laptop.login("dave").await;
    t.sdk()
        .update_user("dave", &UpdateUser { status: Some(UserStatus::Suspended), bypass_expiration: None })
        .await
        .expect("the user can be suspended");

    let answer = laptop.login_with("dave", PASSWORD, None).await;
    assert_ne!(answer.status, Status::Ok, "{answer:?}");
    assert!(answer.ping_id_payload.is_none());
    let user = t.sdk().get_user("dave", true).await.expect("dave exists");
    assert_eq!(user.status, UserStatus::Suspended);
    assert!(user.devices.unwrap_or_default().is_empty());
}
