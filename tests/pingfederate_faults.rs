//! The fault switches on the PingFederate + PingOne MFA side, through the stack's admin API:
//! a failed pairing still signs in (`pairing_error`, as the seed says), a denied or unanswered
//! push, an unreachable phone, and passcodes that never match.

#[path = "pingfederate_support.rs"]
mod support;

use moderno_device::pingfederate::{PfAction, PfStep};
use moderno_e2e::admin::stack;
use moderno_wire::pingfederate::{MFA_STATUS_DEVICE_PAIRED, MFA_STATUS_PAIRING_ERROR};
use support::{pf_device, Admin as PingOneAdmin};

#[tokio::test]
async fn a_pairing_that_fails_still_signs_in_with_pairing_error() {
    let (t, admin) = stack().await;
    admin.on("pairing-fails").await;
    let phone = pf_device(&t, "phone").await;
    let mut login = phone.signed_in(&t, "bob").await;
    let PfStep::Pair { server_payload } = phone.authenticate(&mut login).await else {
        panic!("expected MOBILE_PAIRING_REQUIRED")
    };
    let failed = phone.pingone.pair(&server_payload).await.expect_err("PingOne refuses the pairing");
    assert!(failed.service().is_some_and(|s| s.has_detail("PAIRING_FAILED")), "{failed}");
    assert!(!phone.pingone.is_paired());
    assert_eq!(login.act(&PfAction::ContinueAuthentication).await.expect("continue"), PfStep::Completed);
    let tokens = login.finish().await.expect("the flow still succeeds");
    assert_eq!(tokens.mfa_status(), Some(MFA_STATUS_PAIRING_ERROR));

    admin.reset().await;
    assert_eq!(
        phone.pair_first(&t, "bob").await.mfa_status(),
        Some(MFA_STATUS_DEVICE_PAIRED),
        "switched off, pairing works"
    );
}

#[tokio::test]
async fn a_denied_an_unanswered_and_an_unreachable_push() {
    let (t, admin) = stack().await;
    let phone = pf_device(&t, "phone").await;
    phone.pair_first(&t, "bob").await;
    let laptop = pf_device(&t, "laptop").await;

    admin.on("push-denied").await;
    let mut login = laptop.signed_in(&t, "bob").await;
    assert!(matches!(laptop.authenticate(&mut login).await, PfStep::PushRejected { .. }), "{:?}", login.flow().status);

    admin.reset().await;
    admin.on("push-times-out").await;
    let mut login = laptop.signed_in(&t, "bob").await;
    let step = match laptop.authenticate(&mut login).await {
        PfStep::WaitForPush { .. } => login.act(&PfAction::Poll).await.expect("poll"),
        other => other,
    };
    assert!(matches!(step, PfStep::PushTimedOut { .. }), "the push expired at once: {step:?}");

    admin.reset().await;
    admin.on("approver-offline").await;
    let mut login = laptop.signed_in(&t, "bob").await;
    assert!(matches!(laptop.authenticate(&mut login).await, PfStep::WaitForPush { .. }));
    let seen = phone.pingone.pending_pushes(std::time::Duration::from_millis(200)).await.expect("the phone polls");
    assert!(seen.is_empty(), "the phone never sees the push");
    admin.advance(41).await;
    assert!(matches!(login.act(&PfAction::Poll).await.expect("poll"), PfStep::PushTimedOut { .. }), "so it times out");
}

#[tokio::test]
async fn passcodes_that_never_match_block_after_three_tries() {
    let (t, admin) = stack().await;
    let pingone = PingOneAdmin::of(&t).await;
    pingone.add_device("carol", "SMS").await;
    admin.on("wrong-passcodes").await;
    let laptop = pf_device(&t, "laptop").await;
    let mut login = laptop.signed_in(&t, "carol").await;
    assert!(matches!(laptop.authenticate(&mut login).await, PfStep::EnterOtp { .. }));
    let code = pingone.last_code("carol").await;
    let mut last = None;
    for _ in 0..3 {
        let otp =
            PfAction::CheckOtp { otp: code.clone().into(), mobile_payload: Some(laptop.pingone.payload().into()) };
        last = Some(login.act(&otp).await);
        if matches!(last, Some(Ok(_))) {
            break;
        }
    }
    let step = login.refresh().await.expect("the flow reads");
    assert!(
        matches!(step, PfStep::MfaFailed { code: Some(ref c), .. } if c == "OTP_BLOCKED"),
        "{step:?} after {last:?}"
    );
}

#[tokio::test]
async fn no_number_matching_at_pingone_too() {
    let (t, admin) = stack().await;
    let phone = pf_device(&t, "phone").await;
    phone.pair_first(&t, "bob").await;
    let laptop = pf_device(&t, "laptop").await;
    admin.on("no-number-matching").await;
    let mut login = laptop.signed_in(&t, "bob").await;
    let step = laptop.authenticate(&mut login).await;
    assert!(
        matches!(step, PfStep::WaitForPush { match_number: None, .. }),
        "no number in PUSH_CONFIRMATION_WAITING: {step:?}"
    );
    let pushes = phone.pingone.pending_pushes(std::time::Duration::from_secs(2)).await.expect("the phone polls");
    assert!(pushes[0].number_choices.is_empty(), "{:?}", pushes[0]);
    let answer = moderno_wire::device_api::PushAnswer::approve(None);
    let result = phone.pingone.answer_push(&pushes[0].authentication_id, answer).await.expect("answers");
    assert_eq!(result, moderno_device::PushResult::Approved);
}
