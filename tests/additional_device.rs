//! Pairing an additional device the Ping way ([D-NET]; Ping's `PingID.h` and Moderno apps): the
//! primary (or only trusted, or selected) device decides about the new device — trust it, let it
//! in once, ignore it, deny, block — and the answer's server payload tells the new device's SDK
//! component (DEVICE_IS_TRUSTED pairs it behind the scenes); the offline passcode with TRUSTED
//! folded into the payload; device selection.

use chrono::TimeDelta;
use moderno_device::FlowState;
use moderno_e2e::{TestDevice, TestStack};
use moderno_wire::device_api::PushAnswer;
use moderno_wire::moderno::{MfaOutcome, ModernoResponse, Status};
use moderno_wire::payload::{GrantedAccess, TrustLevel};
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
async fn additional_device_waits_for_push_then_pairs_as_trusted_when_the_primary_trusts_it() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    primary.go_online().await;
    let tablet = t.device("tablet").await;

    // Ping's auth_user answers once the push is answered ([S-HELP] pollPingIDSdkUntilFinalStatus).
    let approved = tablet.login_answered_by("alice", &primary, PushAnswer::trust(None)).await;
    assert_eq!(approved.status, Status::Ok, "{approved:?}");
    assert_eq!(approved.match_number, None, "no number matching at the PingID SDK by default");
    assert_eq!(approved.mfa, Some(MfaOutcome::PushApproved), "{approved:?}");
    assert_eq!(approved.is_ping_id_authenticated, Some(true));
    let state = tablet.read_payload(&approved).await;
    assert!(matches!(state, FlowState::DeviceIsTrusted { role: DeviceRole::Trusted, .. }), "{state:?}");
    assert_eq!(device_count(&t, "alice").await, 2, "paired behind the scenes");
    assert!(tablet.device.is_paired(), "the key and the passcode secret are in the key store");

    let again = tablet.login("alice").await;
    assert_eq!(again.mfa, Some(MfaOutcome::TrustedDevice), "the new device now signs in by itself");
}

#[tokio::test]
async fn the_primary_sees_who_asks_before_it_approves() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    primary.go_online().await;
    let tablet = t.device("tablet").await;
    let login = tablet.login("alice");
    let look = async {
        let pushes = primary.device.pending_pushes(std::time::Duration::from_secs(5)).await.expect("pushes");
        assert_eq!(pushes.len(), 1, "{pushes:?}");
        assert_eq!(pushes[0].username, "alice");
        let requesting = pushes[0].requesting_device.as_ref().expect("the push names the requesting device");
        assert_eq!(requesting.device_name, tablet.device.identity().device_name());
        primary.device.answer_push(&pushes[0].authentication_id, PushAnswer::deny()).await.expect("answered");
    };
    let (answer, ()) = tokio::join!(login, look);
    assert_eq!(answer.status, Status::Denied, "{answer:?}");
}

#[tokio::test]
async fn a_device_let_in_once_is_not_added_and_is_asked_again_next_time() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    let tablet = t.device("tablet").await;
    let approved = tablet.login_answered_by("alice", &primary, PushAnswer::approve(None)).await;
    assert_eq!(tablet.read_payload(&approved).await, FlowState::Done { granted: Some(GrantedAccess::OneTime) });
    assert!(!tablet.device.is_paired());
    assert_eq!(device_count(&t, "alice").await, 1);
    let again = tablet.login_answered_by("alice", &primary, PushAnswer::deny()).await;
    assert_eq!(again.status, Status::Denied, "asked again, and denied this time: {again:?}");
}

#[tokio::test]
async fn additional_device_is_refused_when_the_primary_denies() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    let tablet = t.device("tablet").await;
    let denied = tablet.login_answered_by("alice", &primary, PushAnswer::deny()).await;
    assert_eq!(denied.status, Status::Denied, "{denied:?}");
    assert!(denied.ping_id_payload.is_none() && denied.session_token.is_none());
    assert_eq!(device_count(&t, "alice").await, 1, "nothing was paired");
}

#[tokio::test]
async fn blocking_refuses_this_login_and_every_later_one_from_that_device() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    let tablet = t.device("tablet").await;
    let blocked = tablet.login_answered_by("alice", &primary, PushAnswer::block()).await;
    // Ping's sample maps every rejection (BLOCKED_BY_USER, DEVICE_BLOCKED too) to 1014.
    assert_eq!(blocked.status, Status::Denied, "{blocked:?}");
    assert!(blocked.description.contains("blocked"), "{}", blocked.description);
    let later = tablet.login("alice").await;
    assert_eq!(later.status, Status::Denied, "the device stays blocked: {later:?}");
    assert!(later.description.contains("blocked"), "{}", later.description);
    assert_eq!(device_count(&t, "alice").await, 1);
}

#[tokio::test]
async fn an_unanswered_push_times_out_and_the_offline_code_still_lets_the_device_in() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    primary.go_online().await;
    let tablet = t.device("tablet").await;

    let timed_out = tablet.login_unanswered(&t, "alice", &primary).await;
    assert_eq!(timed_out.status, Status::TimedOut, "{timed_out:?}");
    let first = timed_out.clone();

    assert!(matches!(tablet.read_payload(&timed_out).await, FlowState::OneTimePasscode { .. }));
    let code = primary.device.offline_otp().expect("the primary shows a code");
    let approved = tablet
        .moderno
        .auth_offline_user(&session(&first), &code, Some(&tablet.payload_trusting()))
        .await
        .expect("answer");
    assert_eq!(approved.mfa, Some(MfaOutcome::OfflineOtp), "{approved:?}");
    assert!(matches!(tablet.read_payload(&approved).await, FlowState::DeviceIsTrusted { .. }));
    assert_eq!(device_count(&t, "alice").await, 2);
}

#[tokio::test]
async fn an_offline_approver_gets_the_otp_fallback_and_the_right_code_pairs_the_new_device() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    // The primary never polls for pushes: the SDK server treats it as offline.
    let tablet = t.device("tablet").await;

    let first = tablet.login("alice").await;
    assert_eq!(first.status, Status::OtpRequired, "{first:?}");
    let offer = tablet.read_payload(&first).await;
    assert!(
        matches!(&offer, FlowState::OneTimePasscode { levels, .. } if levels.contains(&TrustLevel::Trusted)),
        "{offer:?}"
    );
    let code = primary.device.offline_otp().expect("a code");
    // LoginViewController.m: TRUSTED folded into the payload sent with auth_offline_user.
    let approved = tablet
        .moderno
        .auth_offline_user(&session(&first), &code, Some(&tablet.payload_trusting()))
        .await
        .expect("answer");
    assert_eq!(approved.status, Status::Ok, "{approved:?}");
    let state = tablet.read_payload(&approved).await;
    assert!(matches!(state, FlowState::DeviceIsTrusted { role: DeviceRole::Trusted, .. }), "{state:?}");
}

#[tokio::test]
/// Ping: after the application's limit of wrong passcodes the user is LOCKED for a while
/// ([D-AUTH], [RN-2019]); the sample answers 1027.
async fn wrong_offline_codes_count_down_and_lock_after_three_even_for_the_right_code() {
    let t = TestStack::start().await;
    let primary = with_primary(&t, "alice").await;
    let tablet = t.device("tablet").await;
    let first = tablet.login("alice").await;
    assert_eq!(first.status, Status::OtpRequired);
    let sid = session(&first);
    let right = primary.device.offline_otp().expect("a code");
    let wrong = if right == "000000" { "111111" } else { "000000" };

    let one = tablet.moderno.auth_offline_user(&sid, wrong, None).await.expect("answer");
    assert_eq!((one.status, one.otp_attempts_left), (Status::InvalidOtp, Some(2)), "{one:?}");
    let two = tablet.moderno.auth_offline_user(&sid, wrong, None).await.expect("answer");
    assert_eq!((two.status, two.otp_attempts_left), (Status::InvalidOtp, Some(1)), "{two:?}");
    let three = tablet.moderno.auth_offline_user(&sid, wrong, None).await.expect("answer");
    assert_eq!(three.status, Status::Blocked, "{three:?}");
    let after = tablet.moderno.auth_offline_user(&sid, &right, None).await.expect("answer");
    assert_eq!(
        after.status,
        Status::Failed,
        "the blocked login is over (1000: Ping's sample has no code for it): {after:?}"
    );
    assert!(after.ping_id_payload.is_none());

    // The lock holds for the user for 15 minutes: a new login's right code is refused too.
    let again = tablet.login("alice").await;
    assert_eq!(again.status, Status::OtpRequired, "{again:?}");
    let right_now = primary.device.offline_otp().expect("a code");
    let still = tablet.moderno.auth_offline_user(&session(&again), &right_now, None).await.expect("answer");
    assert_eq!(still.status, Status::Blocked, "{still:?}");

    t.advance(TimeDelta::minutes(16));
    let later = tablet.login("alice").await;
    assert_eq!(later.status, Status::OtpRequired, "{later:?}");
    let fresh = primary.device.offline_otp().expect("a code");
    let unblocked = tablet.moderno.auth_offline_user(&session(&later), &fresh, None).await.expect("answer");
    assert_eq!(unblocked.status, Status::Ok, "the lock ends after 15 minutes: {unblocked:?}");
    assert_eq!(device_count(&t, "alice").await, 1);
}

#[tokio::test]
async fn a_push_session_refuses_an_offline_code_while_the_push_is_pending() {
    let t = TestStack::start().await;
    // The session is known while the push waits only under number matching (beyond Ping: 1012 at once).
    t.change_settings(|s| s.number_matching = true).await;
    let primary = with_primary(&t, "alice").await;
    primary.go_online().await;
    let tablet = t.device("tablet").await;
    let first = tablet.login("alice").await;
    assert_eq!(first.status, Status::InProgress);
    let code = primary.device.offline_otp().expect("a code");
    let answer = tablet.moderno.auth_offline_user(&session(&first), &code, None).await.expect("answer");
    assert_eq!(answer.status, Status::NotInOfflineMode, "{answer:?}");
}

#[tokio::test]
async fn several_trusted_devices_and_no_primary_ask_which_device_should_approve() {
    let t = TestStack::start().await;
    // carol's first device is TRUSTED, not PRIMARY.
    let first = t.device("first").await;
    first.pair_first("carol", TrustLevel::Trusted).await;
    // A second device, approved by the only trusted device.
    let second = t.device("second").await;
    let approved = second.login_answered_by("carol", &first, PushAnswer::trust(None)).await;
    assert!(matches!(second.read_payload(&approved).await, FlowState::DeviceIsTrusted { .. }));

    // A third device: two trusted devices, no primary -> SELECT_DEVICE.
    let third = t.device("third").await;
    let choose = third.login("carol").await;
    assert_eq!(choose.status, Status::SelectDevice, "{choose:?}");
    let devices = choose.devices.clone().expect("the devices to choose from");
    assert_eq!(devices.len(), 2);
    let first_id = first.device.device_id().expect("first is paired");
    assert!(devices.iter().any(|d| d.id == first_id));

    let approver = first.answer_pushes(PushAnswer::approve(None));
    let done = third.moderno.select_device(&session(&choose), &first_id).await.expect("answer");
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
    // Five pushes left waiting: under number matching (beyond Ping) each login answers 1012 at once.
    t.change_settings(|s| s.number_matching = true).await;
    let primary = with_primary(&t, "alice").await;
    primary.go_online().await;
    let tablet = t.device("tablet").await;
    for n in 1..=5 {
        let answer = tablet.login("alice").await;
        assert_eq!(answer.status, Status::InProgress, "push {n}: {answer:?}");
    }
    let sixth = tablet.login("alice").await;
    assert_eq!(sixth.status, Status::Failed, "1000 with the wait in its words (1032 only beyond Ping): {sixth:?}");
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
    let approved = tablet
        .moderno
        .auth_offline_user(&session(&first), &code, Some(&tablet.payload_trusting()))
        .await
        .expect("answer");
    assert_eq!(approved.mfa, Some(MfaOutcome::OfflineOtp), "{approved:?}");
    assert!(matches!(tablet.read_payload(&approved).await, FlowState::DeviceIsTrusted { .. }));
}

#[tokio::test]
async fn with_the_push_limit_switched_off_a_sixth_push_goes_out_as_at_ping() {
    // The push limit is beyond Ping (Ping publishes none): `--push-limit 0` switches it off.
    let t = TestStack::start_with(|c| c.push_limit = 0).await;
    t.change_settings(|s| s.number_matching = true).await;
    let primary = with_primary(&t, "alice").await;
    primary.go_online().await;
    let tablet = t.device("tablet").await;
    for n in 1..=6 {
        let answer = tablet.login("alice").await;
        assert_eq!(answer.status, Status::InProgress, "push {n}: {answer:?}");
    }
}
