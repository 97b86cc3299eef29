//! Ping's "Pairing an additional device using automatic pairing", driven through the device
//! library over loopback HTTP: push from the one paired mobile (approved, rejected, timed out),
//! a passcode from the only SMS, e-mail or TOTP device (right, wrong, blocked after three), and
//! device selection among several.

#[path = "pingfederate_support.rs"]
mod support;

use chrono::TimeDelta;
use moderno_device::pingfederate::{PfAction, PfStep, TotpAuthenticator};
use moderno_e2e::TestStack;
use moderno_wire::pingfederate::AdapterDeviceType;
use moderno_wire::pingfederate::MFA_STATUS_DEVICE_PAIRED;
use moderno_wire::pingone::{DenyReason, PushDecision};
use support::{approve_shown, flow_now, pair_and_finish, pf_device, refusal, Admin, PfDevice};

/// `user` with a paired phone, and a new laptop at AUTHENTICATION_REQUIRED -> its next step.
async fn phone_and_laptop(
    t: &TestStack,
    user: &str,
) -> (PfDevice, PfDevice, moderno_device::pingfederate::PfLogin, PfStep) {
    let phone = pf_device(t, "phone").await;
    assert_eq!(phone.pair_first(t, user).await.mfa_status(), Some(MFA_STATUS_DEVICE_PAIRED));
    let laptop = pf_device(t, "laptop").await;
    let mut login = laptop.signed_in(t, user).await;
    assert!(
        matches!(login.step(), PfStep::Authenticate { default_device: Some(ref d) } if d.device_type.is_mobile_app() && d.push_enabled)
    );
    let step = laptop.authenticate(&mut login).await;
    (phone, laptop, login, step)
}

#[tokio::test]
async fn the_only_paired_mobile_approves_the_push_and_the_new_device_pairs_as_trusted() {
    let t = TestStack::start().await;
    let (phone, laptop, mut login, step) = phone_and_laptop(&t, "alice").await;
    assert!(
        matches!(step, PfStep::WaitForPush { selected: Some(ref id), .. } if Some(id) == phone.pingone.device_id().as_ref()),
        "{step:?}"
    );
    assert_eq!(login.act(&PfAction::Poll).await.expect("poll"), step, "still waiting before the phone answers");
    phone.answer_next_push(approve_shown(&step)).await;
    let step = login.act(&PfAction::Poll).await.expect("poll");
    let tokens = pair_and_finish(&laptop, &mut login, step).await;
    assert_eq!(tokens.mfa_status(), Some(MFA_STATUS_DEVICE_PAIRED));
    assert_ne!(laptop.pingone.device_id(), phone.pingone.device_id());
}

#[tokio::test]
async fn a_push_the_paired_mobile_denies_is_rejected_and_nothing_pairs() {
    let t = TestStack::start().await;
    let (phone, laptop, mut login, step) = phone_and_laptop(&t, "bob").await;
    assert!(matches!(step, PfStep::WaitForPush { .. }), "{step:?}");
    phone.answer_next_push(PushDecision::deny(DenyReason::None)).await;
    let step = login.act(&PfAction::Poll).await.expect("poll");
    assert!(matches!(step, PfStep::PushRejected { .. }), "{step:?}");
    assert!(login.allows("selectDevice") && !login.allows("poll") && !login.allows("continueAuthentication"));
    assert!(!laptop.pingone.is_paired());
}

// The SDK denies with a reason (`deny(context, DenyReason.REPORT_FRAUD, cb)`,
// `pingidentity/pingone-mobile-sdk-android` Dokka `-notification-object/deny`): PingFederate's
// adapter shows it as any rejected push. A BLOCK is PingID's and is not sent to PingOne.
#[tokio::test]
async fn a_push_reported_as_fraud_is_rejected_and_a_block_is_not_a_pingone_answer() {
    let t = TestStack::start().await;
    let (phone, laptop, mut login, step) = phone_and_laptop(&t, "dave").await;
    assert!(matches!(step, PfStep::WaitForPush { .. }), "{step:?}");
    let pushes = phone.pingone.pending_pushes(std::time::Duration::from_secs(5)).await.expect("pushes");
    let blocked =
        phone.pingone.answer_push(&pushes[0].authentication_id, moderno_wire::device_api::PushAnswer::block()).await;
    assert_eq!(blocked.err().map(|e| e.code().as_str()), Some("invalid_input"), "PingOne has no BLOCK");
    assert!(matches!(login.act(&PfAction::Poll).await.expect("poll"), PfStep::WaitForPush { .. }), "nothing was sent");
    let result =
        phone.pingone.decide_push(&pushes[0].authentication_id, PushDecision::deny(DenyReason::ReportFraud)).await;
    assert_eq!(result.expect("denied"), moderno_device::PushResult::Refused);
    assert!(matches!(login.act(&PfAction::Poll).await.expect("poll"), PfStep::PushRejected { .. }));
    assert!(!laptop.pingone.is_paired());
}

#[tokio::test]
async fn a_push_nobody_answers_times_out_after_forty_seconds() {
    let t = TestStack::start().await;
    let (_phone, laptop, mut login, step) = phone_and_laptop(&t, "carol").await;
    assert!(matches!(step, PfStep::WaitForPush { .. }), "{step:?}");
    t.advance(TimeDelta::seconds(39));
    assert!(matches!(login.act(&PfAction::Poll).await.expect("poll"), PfStep::WaitForPush { .. }));
    t.advance(TimeDelta::seconds(2));
    let step = login.act(&PfAction::Poll).await.expect("poll");
    assert!(matches!(step, PfStep::PushTimedOut { .. }), "{step:?}");
    assert!(!laptop.pingone.is_paired());
}

/// `user` whose only device is of `kind`; a new laptop authenticates -> OTP_REQUIRED.
async fn only_device(
    t: &TestStack,
    user: &str,
    kind: &str,
) -> (Admin, PfDevice, moderno_device::pingfederate::PfLogin, serde_json::Value) {
    let admin = Admin::of(t).await;
    let created = admin.add_device(user, kind).await;
    let laptop = pf_device(t, "laptop").await;
    let mut login = laptop.signed_in(t, user).await;
    let step = laptop.authenticate(&mut login).await;
    let PfStep::EnterOtp { devices, selected } = step else { panic!("expected OTP_REQUIRED, got {step:?}") };
    assert_eq!((devices.len(), selected.as_deref()), (1, created["id"].as_str()));
    (admin, laptop, login, created)
}

#[tokio::test]
async fn the_only_sms_device_gets_a_code_a_wrong_one_is_refused_and_the_right_one_pairs() {
    let t = TestStack::start().await;
    let (admin, laptop, mut login, _) = only_device(&t, "alice", "SMS").await;
    let before = flow_now(&laptop.client, &login).await;
    let (status, code, details, left) = refusal(login.act(&otp("000000")).await);
    assert_eq!(
        (status, code.as_str(), details, left),
        (400, "VALIDATION_ERROR", vec!["INVALID_OTP".to_string()], Some(2))
    );
    assert_eq!(flow_now(&laptop.client, &login).await, before, "a wrong code leaves the flow as it was");
    let step = login.act(&otp(&admin.last_code("alice").await)).await.expect("the right code");
    assert_eq!(pair_and_finish(&laptop, &mut login, step).await.mfa_status(), Some(MFA_STATUS_DEVICE_PAIRED));
}

#[tokio::test]
async fn the_only_email_device_gets_a_code_and_the_right_one_pairs() {
    let t = TestStack::start().await;
    let (admin, laptop, mut login, _) = only_device(&t, "bob", "EMAIL").await;
    let step = login.act(&otp(&admin.last_code("bob").await)).await.expect("the right code");
    assert_eq!(pair_and_finish(&laptop, &mut login, step).await.mfa_status(), Some(MFA_STATUS_DEVICE_PAIRED));
}

#[tokio::test]
async fn the_only_totp_device_is_answered_by_the_devices_totp_authenticator() {
    let t = TestStack::start().await;
    let (_, laptop, mut login, created) = only_device(&t, "carol", "TOTP").await;
    let secret = created["secret"].as_str().expect("PingOne shows the TOTP secret once");
    let authenticator =
        TotpAuthenticator::from_base32(secret, "carol", created["id"].as_str().map(str::to_string)).expect("base32");
    laptop.pingone.add_totp(authenticator).await.expect("kept");
    assert!(laptop.store.load("laptop.pingone-totp").expect("load").is_some());
    let code = laptop.pingone.totp_code().expect("a TOTP code");
    let step = login.act(&otp(&code)).await.expect("the TOTP code");
    assert_eq!(pair_and_finish(&laptop, &mut login, step).await.mfa_status(), Some(MFA_STATUS_DEVICE_PAIRED));
}

#[tokio::test]
async fn three_wrong_codes_block_the_passcodes_and_fail_the_flow() {
    let t = TestStack::start().await;
    let (_, laptop, mut login, _) = only_device(&t, "dave", "SMS").await;
    for left in [2, 1] {
        let (_, _, _, attempts_left) = refusal(login.act(&otp("000000")).await);
        assert_eq!(attempts_left, Some(left));
    }
    let step = login.act(&otp("000000")).await.expect("the third wrong code ends the second factor");
    assert!(matches!(step, PfStep::MfaFailed { code: Some(ref c), .. } if c == "OTP_BLOCKED"), "{step:?}");
    assert!(login.allows("cancelAuthentication") && !login.allows("checkOtp"));
    let mut again = laptop.signed_in(&t, "dave").await;
    let step = laptop.authenticate(&mut again).await;
    assert!(matches!(step, PfStep::MfaFailed { .. }), "blocked in every flow for 15 minutes: {step:?}");
}

#[tokio::test]
async fn with_several_devices_the_user_chooses_and_each_kind_asks_its_own_second_factor() {
    let t = TestStack::start().await;
    let phone = pf_device(&t, "phone").await;
    phone.pair_first(&t, "alice").await;
    let admin = Admin::of(&t).await;
    let sms = admin.add_device("alice", "SMS").await;
    let email = admin.add_device("alice", "EMAIL").await;
    let totp = admin.add_device("alice", "TOTP").await;
    let laptop = pf_device(&t, "laptop").await;
    let mut login = laptop.signed_in(&t, "alice").await;
    let step = laptop.authenticate(&mut login).await;
    let PfStep::ChooseDevice { devices } = step else { panic!("expected DEVICE_SELECTION_REQUIRED, got {step:?}") };
    assert_eq!(devices.len(), 4);
    assert!(devices[0].default_device && devices[0].device_type.is_mobile_app(), "the first paired is the default");
    // The adapter's device objects (PingOne MFA integration kit, "Models, objects, and error
    // codes"; Ping's widget shows `target` after "Message sent to:",
    // `pingidentity/pf-authn-js-widget:src/partials/device_selection_information.hbs`).
    let shown: Vec<_> = devices.iter().map(|d| (d.device_type, d.target.as_deref(), d.default_device)).collect();
    assert_eq!(
        shown,
        [
            (devices[0].device_type, None, true),
            (AdapterDeviceType::Sms, Some("******0100"), false),
            (AdapterDeviceType::Email, Some("a***@example.com"), false),
            (AdapterDeviceType::Totp, None, false),
        ]
    );

    for device in [&sms, &email, &totp] {
        let id = device["id"].as_str().expect("id");
        let step = login.act(&select(&laptop, id)).await.expect("select");
        assert!(matches!(step, PfStep::EnterOtp { selected: Some(ref s), .. } if s == id), "{step:?}");
    }
    let sms_id = sms["id"].as_str().expect("id");
    login.act(&select(&laptop, sms_id)).await.expect("back to SMS");
    let step = login.act(&select(&laptop, &devices[0].id)).await.expect("the phone");
    assert!(matches!(step, PfStep::WaitForPush { .. }), "{step:?}");
    phone.answer_next_push(approve_shown(&step)).await;
    let step = login.act(&PfAction::Poll).await.expect("poll");
    assert_eq!(pair_and_finish(&laptop, &mut login, step).await.mfa_status(), Some(MFA_STATUS_DEVICE_PAIRED));
    let (status, _, details, _) =
        refusal(login.act(&PfAction::SelectDevice { device_id: "nope".into(), mobile_payload: None }).await);
    assert_eq!(status, 400, "a finished flow takes no more actions: {details:?}");
}

fn otp(code: &str) -> PfAction {
    PfAction::CheckOtp { otp: code.to_string().into(), mobile_payload: None }
}

fn select(device: &PfDevice, id: &str) -> PfAction {
    PfAction::SelectDevice { device_id: id.to_string(), mobile_payload: Some(device.pingone.payload().into()) }
}
