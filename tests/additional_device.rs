//! Pairing an additional device: approval by push from the primary (or only trusted) device, the
//! offline OTP fallback, and device selection.

use chrono::TimeDelta;
use moderno_device::UserSelection;
use moderno_e2e::{TestDevice, TestStack};
use moderno_wire::device_api::{PairingOutcome, PushAnswer};
use moderno_wire::moderno::{MfaOutcome, ModernoResponse, Status};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::DeviceRole;

async fn with_primary(t: &TestStack, user: &str) -> TestDevice {
    let primary = t.device("primary").await;
    primary.pair_first(user, TrustLevel::Primary).await;
    primary
}

fn session(answer: &ModernoResponse) -> String {
    answer.session_id.clone().unwrap_or_else(|| panic!("a session id in {answer:?}"))
}

async fn device_count(t: &TestStack, user: &str) -> usize {
    t.sdk().get_user(user, true).await.expect("user").devices.unwrap_or_default().len()
}

#[tokio::test]
async fn additional_device_waits_for_push_then_pairs_as_trusted_when_primary_approves() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    primary.go_online().await;
    let tablet = t.device("tablet").await;

    let first = tablet.login("alice").await;
    assert_eq!(first.status, Status::InProgress, "{first:?}");
    assert!(first.push_expires_in.is_some_and(|s| s <= 40));
    assert!(first.match_number.is_some_and(|n| (10..=99).contains(&n)), "the tablet shows a number to pick: {first:?}");
    let approver = primary.answer_pushes(PushAnswer::approve(first.match_number));
    let approved = tablet.wait_for_push_answer(&session(&first), 200).await;
    approver.abort();

    assert_eq!(approved.mfa, Some(MfaOutcome::PushApproved), "{approved:?}");
    let levels = tablet.offered_levels(&approved).await;
    assert_eq!(levels, vec![TrustLevel::Trusted, TrustLevel::Ignore], "PRIMARY is not offered once a primary exists");
    let paired = tablet.choose(UserSelection::Trust(TrustLevel::Trusted)).await;
    assert_eq!(paired.outcome, PairingOutcome::Success);
    assert_eq!(paired.device_role, Some(DeviceRole::Trusted));
    assert_eq!(device_count(&t, "alice").await, 2);

    let again = tablet.login("alice").await;
    assert_eq!(again.mfa, Some(MfaOutcome::TrustedDevice), "the new device now signs in by itself");
}

#[tokio::test]
async fn the_primary_sees_who_asks_before_it_approves() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    primary.go_online().await;
    let tablet = t.device("tablet").await;
    let first = tablet.login("alice").await;
    assert_eq!(first.status, Status::InProgress);

    let pushes = primary.device.pending_pushes(std::time::Duration::from_secs(2)).await.expect("pushes");
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    assert_eq!(pushes[0].username, "alice");
    let requesting = pushes[0].requesting_device.as_ref().expect("the push names the requesting device");
    assert_eq!(requesting.device_name, tablet.device.identity().device_name());
}

#[tokio::test]
async fn additional_device_is_refused_when_the_primary_denies() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    let approver = primary.answer_pushes(PushAnswer::deny());
    let tablet = t.device("tablet").await;

    let first = tablet.login("alice").await;
    let denied = tablet.wait_for_push_answer(&session(&first), 200).await;
    approver.abort();
    assert_eq!(denied.status, Status::Denied, "{denied:?}");
    assert!(denied.ping_id_payload.is_none() && denied.session_token.is_none());
    assert_eq!(device_count(&t, "alice").await, 1, "nothing was paired");
}

#[tokio::test]
async fn blocking_refuses_this_login_and_every_later_one_from_that_device() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    let approver = primary.answer_pushes(PushAnswer::block());
    let tablet = t.device("tablet").await;

    let first = tablet.login("alice").await;
    let blocked = tablet.wait_for_push_answer(&session(&first), 200).await;
    approver.abort();
    assert_eq!(blocked.status, Status::Blocked, "{blocked:?}");
    let later = tablet.login("alice").await;
    assert_eq!(later.status, Status::Blocked, "the device stays blocked: {later:?}");
    assert_eq!(device_count(&t, "alice").await, 1);
}

#[tokio::test]
async fn an_unanswered_push_times_out_and_the_offline_code_still_lets_the_device_in() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    primary.go_online().await;
    let tablet = t.device("tablet").await;

    let first = tablet.login("alice").await;
    assert_eq!(first.status, Status::InProgress, "{first:?}");
    t.advance(TimeDelta::seconds(41));
    let timed_out = tablet.moderno.auth_status(&session(&first)).await.expect("answer");
    assert_eq!(timed_out.status, Status::TimedOut, "{timed_out:?}");

    let code = primary.device.offline_otp().expect("the primary shows a code");
    let approved = tablet.moderno.auth_offline_user(&session(&first), &code).await.expect("answer");
    assert_eq!(approved.mfa, Some(MfaOutcome::OfflineOtp), "{approved:?}");
    assert_eq!(tablet.offered_levels(&approved).await, vec![TrustLevel::Trusted, TrustLevel::Ignore]);
}

#[tokio::test]
async fn an_offline_approver_gets_the_otp_fallback_and_the_right_code_pairs_the_new_device() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    // The primary never polls for pushes: the SDK server treats it as offline.
    let tablet = t.device("tablet").await;

    let first = tablet.login("alice").await;
    assert_eq!(first.status, Status::OtpRequired, "{first:?}");
    let code = primary.device.offline_otp().expect("a code");
    let approved = tablet.moderno.auth_offline_user(&session(&first), &code).await.expect("answer");
    assert_eq!(approved.status, Status::Ok, "{approved:?}");
    tablet.offered_levels(&approved).await;
    let paired = tablet.choose(UserSelection::Trust(TrustLevel::Trusted)).await;
    assert_eq!(paired.device_role, Some(DeviceRole::Trusted));
}

#[tokio::test]
async fn wrong_offline_codes_count_down_and_block_after_three_even_for_the_right_code() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    let tablet = t.device("tablet").await;
    let first = tablet.login("alice").await;
    assert_eq!(first.status, Status::OtpRequired);
    let sid = session(&first);
    let right = primary.device.offline_otp().expect("a code");
    let wrong = if right == "000000" { "111111" } else { "000000" };

    let one = tablet.moderno.auth_offline_user(&sid, wrong).await.expect("answer");
    assert_eq!((one.status, one.otp_attempts_left), (Status::InvalidOtp, Some(2)), "{one:?}");
    let two = tablet.moderno.auth_offline_user(&sid, wrong).await.expect("answer");
    assert_eq!((two.status, two.otp_attempts_left), (Status::InvalidOtp, Some(1)), "{two:?}");
    let three = tablet.moderno.auth_offline_user(&sid, wrong).await.expect("answer");
    assert_eq!(three.status, Status::OtpBlocked, "{three:?}");
    let after = tablet.moderno.auth_offline_user(&sid, &right).await.expect("answer");
    assert_eq!(after.status, Status::SessionExpired, "the blocked login is over: {after:?}");
    assert!(after.ping_id_payload.is_none());

    // The block holds for the user for 15 minutes: a new login's right code is refused too.
    let again = tablet.login("alice").await;
    assert_eq!(again.status, Status::OtpRequired, "{again:?}");
    let right_now = primary.device.offline_otp().expect("a code");
    let still = tablet.moderno.auth_offline_user(&session(&again), &right_now).await.expect("answer");
    assert_eq!(still.status, Status::OtpBlocked, "{still:?}");

    t.advance(TimeDelta::minutes(16));
    let later = tablet.login("alice").await;
    assert_eq!(later.status, Status::OtpRequired, "{later:?}");
    let fresh = primary.device.offline_otp().expect("a code");
    let unblocked = tablet.moderno.auth_offline_user(&session(&later), &fresh).await.expect("answer");
    assert_eq!(unblocked.status, Status::Ok, "the block ends after 15 minutes: {unblocked:?}");
    assert_eq!(device_count(&t, "alice").await, 1);
}

#[tokio::test]
async fn a_push_session_refuses_an_offline_code_while_the_push_is_pending() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    primary.go_online().await;
    let tablet = t.device("tablet").await;
    let first = tablet.login("alice").await;
    assert_eq!(first.status, Status::InProgress);
    let code = primary.device.offline_otp().expect("a code");
    let answer = tablet.moderno.auth_offline_user(&session(&first), &code).await.expect("answer");
    assert_eq!(answer.status, Status::NotInOfflineMode, "{answer:?}");
}

#[tokio::test]
async fn several_trusted_devices_and_no_primary_ask_which_device_should_approve() {
    let t = TestStack::start().await;
    // carol's first device is TRUSTED, not PRIMARY.
    let first = t.device("first").await;
    first.pair_first("carol", TrustLevel::Trusted).await;
    // A second device, approved by the only trusted device.
    first.go_online().await;
    let second = t.device("second").await;
    let pending = second.login("carol").await;
    let approver = first.answer_pushes(PushAnswer::approve(pending.match_number));
    let approved = second.wait_for_push_answer(&session(&pending), 200).await;
    approver.abort();
    let levels = second.offered_levels(&approved).await;
    assert!(levels.contains(&TrustLevel::Primary), "no primary yet, so PRIMARY is still offered: {levels:?}");
    second.choose(UserSelection::Trust(TrustLevel::Trusted)).await;

    // A third device: two trusted devices, no primary -> SELECT_DEVICE.
    let third = t.device("third").await;
    let choose = third.login("carol").await;
    assert_eq!(choose.status, Status::SelectDevice, "{choose:?}");
    let devices = choose.devices.clone().expect("the devices to choose from");
    assert_eq!(devices.len(), 2);
    let first_id = first.device.device_id().expect("first is paired");
    assert!(devices.iter().any(|d| d.id == first_id));

    let waiting = third.moderno.select_device(&session(&choose), &first_id).await.expect("answer");
    assert_eq!(waiting.status, Status::InProgress, "{waiting:?}");
    let approver = first.answer_pushes(PushAnswer::approve(waiting.match_number));
    let done = third.wait_for_push_answer(&session(&waiting), 200).await;
    approver.abort();
    assert_eq!(done.mfa, Some(MfaOutcome::PushApproved), "{done:?}");
}

#[tokio::test]
async fn with_ignore_validation_a_new_device_pairs_without_approval() {
    let t = TestStack::start_with(|c| c.ignore_validation = true).await;
    let _primary = with_primary(&t, "alice").await;
    let tablet = t.device("tablet").await;
    let answer = tablet.login("alice").await;
    assert_eq!(answer.status, Status::Ok, "{answer:?}");
    assert_eq!(tablet.offered_levels(&answer).await, vec![TrustLevel::Trusted, TrustLevel::Ignore]);
}

#[tokio::test]
async fn a_sixth_push_within_ten_minutes_is_refused_to_stop_push_bombing() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    primary.go_online().await;
    let tablet = t.device("tablet").await;
    for n in 1..=5 {
        let answer = tablet.login("alice").await;
        assert_eq!(answer.status, Status::InProgress, "push {n}: {answer:?}");
    }
    let sixth = tablet.login("alice").await;
    assert_eq!(sixth.status, Status::TooManyAttempts, "{sixth:?}");
    assert!(sixth.description.contains("try again"), "{}", sixth.description);
    let pushes = primary.device.pending_pushes(std::time::Duration::from_secs(1)).await.expect("pushes");
    assert_eq!(pushes.len(), 5, "the refused login queued no push");

    t.advance(TimeDelta::minutes(11));
    primary.go_online().await;
    let later = tablet.login("alice").await;
    assert_eq!(later.status, Status::InProgress, "the window slides: {later:?}");
}

#[tokio::test]
async fn an_offline_code_typed_minutes_after_the_login_still_pairs_the_new_device() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    let tablet = t.device("tablet").await;
    let first = tablet.login("alice").await;
    assert_eq!(first.status, Status::OtpRequired, "{first:?}");

    // Longer than a payload stays fresh (5 minutes): the session's requests carry new ones.
    t.advance(TimeDelta::minutes(6));
    let code = primary.device.offline_otp().expect("a code");
    let approved = tablet.moderno.auth_offline_user(&session(&first), &code).await.expect("answer");
    assert_eq!(approved.mfa, Some(MfaOutcome::OfflineOtp), "{approved:?}");
    assert_eq!(tablet.offered_levels(&approved).await, vec![TrustLevel::Trusted, TrustLevel::Ignore]);
}
