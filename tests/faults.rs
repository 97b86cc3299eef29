//! The stack's admin API over real HTTP: the virtual clock and every fault switch, each giving
//! the behaviour the seeds and Ping's documents describe, and nothing left switched after.

use chrono::TimeDelta;
use moderno_device::{PushResult, UserSelection};
use moderno_e2e::admin::stack;
use moderno_e2e::{epoch, TestDevice, TestStack, PASSWORD};
use moderno_wire::admin::AdminState;
use moderno_wire::device_api::PushAnswer;
use moderno_wire::moderno::{MfaOutcome, Status};
use moderno_wire::payload::TrustLevel;
use serde_json::json;

/// alice's laptop paired as PRIMARY and listening for pushes; a tablet about to log in.
async fn laptop_and_tablet(t: &TestStack) -> (TestDevice, TestDevice) {
    let laptop = t.device("laptop").await;
    laptop.pair_first("alice", TrustLevel::Primary).await;
    laptop.go_online().await;
    (laptop, t.device("tablet").await)
}

#[tokio::test]
async fn the_admin_api_is_off_unless_an_address_is_given() {
    let t = TestStack::start().await;
    assert!(t.stack.admin_url.is_none());
}

#[tokio::test]
async fn switches_and_the_clock_show_in_the_state_bad_input_changes_nothing_and_reset_clears_all() {
    let (_t, admin) = stack().await;
    let fresh = admin.state().await;
    assert!(!fresh.tampered && fresh.advanced_seconds == 0, "{fresh:?}");
    assert!(fresh.faults.iter().all(|f| !f.on && !f.description.is_empty()));
    assert_eq!(fresh.now, epoch().to_rfc3339());

    let (status, body) = admin.switch("meteor-strike", true).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("UNKNOWN_FAULT")));
    assert!(body["message"].as_str().is_some_and(|m| m.contains("push-denied")), "names the real ones: {body}");
    assert_eq!(admin.advance(0).await.1["code"], "INVALID_VALUE");
    assert_eq!(admin.advance(500 * 24 * 3600).await.0, 400);
    let (status, body) = admin.send(admin.http.post(format!("{}/admin/clock", admin.url)).body("nonsense")).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("INVALID_BODY")), "{body}");
    let (status, body) = admin.send(admin.http.get(format!("{}/admin/nowhere", admin.url))).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("NOT_FOUND")));
    assert_eq!(admin.state().await, fresh, "refusals changed nothing");

    admin.on("push-denied").await;
    let (_, moved) = admin.advance(3600).await;
    assert_eq!(moved["advancedSeconds"], 3600);
    assert_eq!(moved["now"], (epoch() + TimeDelta::hours(1)).to_rfc3339(), "every service's clock moved");
    let tampered = admin.state().await;
    assert!(tampered.tampered);
    assert_eq!(tampered.faults.iter().filter(|f| f.on).map(|f| f.name.as_str()).collect::<Vec<_>>(), ["push-denied"]);

    let (status, reset) = admin.send(admin.http.post(format!("{}/admin/reset", admin.url))).await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_value::<AdminState>(reset).expect("state"), fresh, "all off, the clock back");
}

#[tokio::test]
async fn approver_offline_falls_back_to_the_offline_passcode_and_wrong_passcodes_block() {
    let (t, admin) = stack().await;
    let (laptop, tablet) = laptop_and_tablet(&t).await;
    admin.on("approver-offline").await;
    let answer = tablet.login("alice").await;
    assert_eq!(answer.status, Status::OtpRequired, "the laptop polls, but counts as offline: {answer:?}");
    let session = answer.session_id.clone().expect("a session");

    admin.on("wrong-passcodes").await;
    let code = laptop.device.offline_otp().expect("the laptop shows a passcode");
    let mut last = tablet.moderno.auth_offline_user(&session, &code, None).await.expect("answers");
    assert_eq!(last.status, Status::InvalidOtp, "the right code reads wrong: {last:?}");
    for _ in 0..5 {
        if last.status == Status::Blocked {
            break;
        }
        last = tablet.moderno.auth_offline_user(&session, &code, None).await.expect("answers");
    }
    assert_eq!(last.status, Status::Blocked, "the tries run out, the user is LOCKED (1027): {last:?}");

    admin.reset().await;
    let phone = t.device("phone").await;
    let pushed = phone.login_answered_by("alice", &laptop, PushAnswer::approve(None)).await;
    assert_eq!(pushed.mfa, Some(MfaOutcome::PushApproved), "switched off, pushes go out again: {pushed:?}");
}

#[tokio::test]
async fn a_push_that_times_out_or_is_denied_ends_as_the_seed_says() {
    let (t, admin) = stack().await;
    let (_laptop, tablet) = laptop_and_tablet(&t).await;
    admin.on("push-times-out").await;
    let answer = tablet.login("alice").await;
    assert_eq!(answer.status, Status::TimedOut, "{answer:?}");

    admin.switch("push-times-out", false).await;
    admin.on("push-denied").await;
    let phone = t.device("phone").await;
    let answer = phone.login("alice").await;
    assert_eq!(answer.status, Status::Denied, "{answer:?}");
}

#[tokio::test]
async fn a_rooted_device_is_refused() {
    let (t, admin) = stack().await;
    let (_laptop, tablet) = laptop_and_tablet(&t).await;
    admin.on("rooted-device").await;
    assert_eq!(tablet.login("alice").await.status, Status::Rooted);
    assert_eq!(t.device("fresh").await.login("bob").await.status, Status::Rooted, "a first device too");
}

#[tokio::test]
async fn pairing_fails_and_pairing_keys_read_as_used() {
    let (t, admin) = stack().await;
    admin.on("pairing-fails").await;
    let laptop = t.device("laptop").await;
    let offer = laptop.login("bob").await;
    assert!(laptop.offered_levels(&offer).await.contains(&TrustLevel::Primary));
    let refused = laptop.device.set_user_selection(UserSelection::Trust(TrustLevel::Primary), None).await;
    assert!(refused.is_err(), "the SDK server refuses to complete the pairing");
    assert!(!laptop.device.is_paired(), "and nothing is kept");
    admin.switch("pairing-fails", false).await;

    t.use_manual_pairing().await;
    admin.on("pairing-key-used").await;
    let key = t
        .sdk()
        .create_pairing_key(&moderno_wire::sdk::PairingKeyRequest { pairing_data: "user:carol".into() })
        .await
        .expect("a key");
    let answer = t.device("tablet").await.login_with("carol", PASSWORD, Some(&key.id)).await;
    assert_eq!(answer.status, Status::InvalidPairingKey, "{answer:?}");
}

#[tokio::test]
async fn a_signature_out_of_its_window_is_refused_by_the_sdk_server_and_logins_recover_after() {
    let (t, admin) = stack().await;
    let laptop = t.device("laptop").await;
    admin.on("signature-out-of-window").await;
    let answer = laptop.login("alice").await;
    assert_ne!(answer.status, Status::Ok, "{answer:?}");
    assert!(answer.ping_id_payload.is_none());
    admin.switch("signature-out-of-window", false).await;
    assert_eq!(laptop.login("alice").await.status, Status::Ok);
}

#[tokio::test]
async fn the_virtual_clock_expires_ignore_intervals_and_pairing_keys() {
    let (t, admin) = stack().await;
    let kiosk = t.device("kiosk").await;
    let offer = kiosk.login("bob").await;
    kiosk.offered_levels(&offer).await;
    let ignore =
        moderno_wire::device_api::IgnoreInterval { value: 2, unit: moderno_wire::device_api::IntervalUnit::Hours };
    kiosk.choose(UserSelection::Ignore(ignore)).await;
    assert_eq!(kiosk.login("bob").await.mfa, Some(MfaOutcome::SkippedIgnoredDevice));
    admin.advance(2 * 3600 + 1).await;
    let after = kiosk.login("bob").await;
    assert_ne!(
        after.mfa,
        Some(MfaOutcome::SkippedIgnoredDevice),
        "two hours later the device is asked again: {after:?}"
    );

    t.use_manual_pairing().await;
    let key = t
        .sdk()
        .create_pairing_key(&moderno_wire::sdk::PairingKeyRequest { pairing_data: "user:dave".into() })
        .await
        .expect("a key");
    admin.advance(11 * 60).await;
    let answer = t.device("tablet").await.login_with("dave", PASSWORD, Some(&key.id)).await;
    assert_eq!(answer.status, Status::InvalidPairingKey, "expired after ten minutes: {answer:?}");
}

#[tokio::test]
async fn mfa_switched_off_and_a_suspended_user_through_the_admin_api() {
    let (t, admin) = stack().await;
    let (_laptop, tablet) = laptop_and_tablet(&t).await;
    let (status, _) = admin
        .send(admin.http.put(format!("{}/admin/application", admin.url)).json(&json!({"mfaEnabled": false})))
        .await;
    assert_eq!(status, 200);
    let answer = tablet.login("alice").await;
    assert_eq!(answer.mfa, Some(MfaOutcome::SkippedApplicationDisabled), "APPLICATION_DISABLED: {answer:?}");
    admin.send(admin.http.put(format!("{}/admin/application", admin.url)).json(&json!({"mfaEnabled": true}))).await;

    let suspend = json!({"status": "SUSPENDED"});
    let (status, _) =
        admin.send(admin.http.put(format!("{}/admin/users/alice/status", admin.url)).json(&suspend)).await;
    assert_eq!(status, 200);
    let answer = tablet.login("alice").await;
    assert_eq!((answer.status, answer.description.as_str()), (Status::Failed, "the user is suspended"), "{answer:?}");
    let (status, body) =
        admin.send(admin.http.put(format!("{}/admin/users/nobody/status", admin.url)).json(&suspend)).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("USER_NOT_FOUND")), "{body}");
    let (status, _) = admin
        .send(admin.http.put(format!("{}/admin/users/alice/status", admin.url)).json(&json!({"status": "NOT_ACTIVE"})))
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn number_matching_is_off_at_the_pingid_sdk_until_switched_on_and_the_fault_switch_turns_it_off() {
    let (t, admin) = stack().await;
    let (laptop, tablet) = laptop_and_tablet(&t).await;
    let login = tablet.login("alice");
    let approve = async {
        let pushes = laptop.device.pending_pushes(std::time::Duration::from_secs(5)).await.expect("pushes");
        assert!(pushes[0].number_choices.is_empty(), "Ping has no number to pick: {:?}", pushes[0]);
        laptop.device.answer_push(&pushes[0].authentication_id, PushAnswer::approve(None)).await.expect("answers")
    };
    let (approved, result) = tokio::join!(login, approve);
    assert_eq!(result, PushResult::Approved, "a bare Approve is Ping's way");
    assert_eq!((approved.status, approved.match_number), (Status::Ok, None), "{approved:?}");

    t.change_settings(|s| s.number_matching = true).await;
    let phone = t.device("phone").await;
    let numbered = phone.login("alice").await;
    assert!(numbered.match_number.is_some(), "the extension switched on: {numbered:?}");

    admin.on("no-number-matching").await;
    let watch = t.device("watch").await;
    let bare = watch.login("alice").await;
    assert_eq!((bare.status, bare.match_number), (Status::InProgress, None), "the QA switch takes it away: {bare:?}");
}
