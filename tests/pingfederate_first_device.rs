//! Ping's "Pairing an initial device using automatic pairing", driven through the device library
//! over loopback HTTP: paired, skipped, failed — and actions the flow does not offer.

#[path = "pingfederate_support.rs"]
mod support;

use moderno_device::pingfederate::{PfAction, PfStep};
use moderno_e2e::TestStack;
use moderno_wire::pingfederate::{
    FlowStatus, MFA_STATUS_DEVICE_NOT_PAIRED, MFA_STATUS_DEVICE_PAIRED, MFA_STATUS_PAIRING_ERROR,
};
use support::{flow_now, pf_device, refusal};

#[tokio::test]
async fn a_first_device_pairs_as_primary_and_its_token_says_device_paired() {
    let t = TestStack::start().await;
    let laptop = pf_device(&t, "laptop").await;
    let mut login = laptop.signed_in(&t, "alice").await;
    assert_eq!(login.step(), PfStep::Authenticate { default_device: None }, "alice has no device yet");
    let step = laptop.authenticate(&mut login).await;
    let PfStep::Pair { server_payload } = step else { panic!("expected MOBILE_PAIRING_REQUIRED, got {step:?}") };
    assert!(login.allows("continueAuthentication") && !login.allows("poll"));

    let pairing = laptop.pingone.pair(&server_payload).await.expect("pairing completes");
    assert_eq!(pairing.username, "alice", "the PingOne ID token names the user; no role: PingOne devices have none");
    assert!(pairing.device_api_url.as_str().starts_with(&t.stack.pingone_url));
    assert_eq!(laptop.pingone.device_id(), Some(pairing.device_id.clone()));
    let stored = laptop.store.load("laptop.pingone").expect("load").expect("the pairing is in the key store");
    assert_eq!(stored.device_id, Some(pairing.device_id));
    assert!(stored.otp_secret.is_some(), "the pairing's passcode secret is kept");
    assert!(laptop.store.load("laptop").expect("load").is_none(), "the PingID SDK entry is untouched");

    assert_eq!(login.act(&PfAction::ContinueAuthentication).await.expect("continue"), PfStep::Completed);
    let tokens = login.finish().await.expect("the code exchanges and the tokens verify against the JWKS");
    assert_eq!(tokens.mfa_status(), Some(MFA_STATUS_DEVICE_PAIRED));
    assert_eq!(tokens.subject(), Some("alice"));
    assert_eq!(tokens.id_claims.as_ref().map(|c| c["aud"].clone()), Some("moderno-desktop".into()));
    assert!(login.finish().await.is_err(), "a code is spent once");

    let mut again = laptop.signed_in(&t, "alice").await;
    let step = laptop.authenticate(&mut again).await;
    assert!(matches!(step, PfStep::MfaCompleted { ref devices } if devices.len() == 1), "{step:?}");
    again.act(&PfAction::ContinueAuthentication).await.expect("continue");
    assert_eq!(
        again.finish().await.expect("tokens").mfa_status(),
        Some(MFA_STATUS_DEVICE_PAIRED),
        "a paired device passes at once"
    );
}

#[tokio::test]
async fn skipping_the_pairing_still_signs_in_with_device_not_paired() {
    let t = TestStack::start().await;
    let laptop = pf_device(&t, "laptop").await;
    let mut login = laptop.signed_in(&t, "bob").await;
    assert!(matches!(laptop.authenticate(&mut login).await, PfStep::Pair { .. }));
    assert_eq!(login.act(&PfAction::ContinueAuthentication).await.expect("continue"), PfStep::Completed);
    let tokens = login.finish().await.expect("tokens");
    assert_eq!(tokens.mfa_status(), Some(MFA_STATUS_DEVICE_NOT_PAIRED));
    assert!(!laptop.pingone.is_paired());
    assert!(laptop.store.load("laptop.pingone").expect("load").is_none());
}

// How a pairing ended, PingFederate reads from PingOne's Platform API: the user's devices hold the
// device the ID token named (device_paired), or the device authentication no longer offers the
// token because its pairing failed (pairing_error): the other flow's device is not the stale one's.
#[tokio::test]
async fn a_pairing_that_fails_still_signs_in_with_pairing_error() {
    let t = TestStack::start().await;
    let laptop = pf_device(&t, "laptop").await;
    // Two logins race: both offer a first-device pairing; the second pairs the device first.
    let mut first = laptop.signed_in(&t, "carol").await;
    let PfStep::Pair { server_payload: stale } = laptop.authenticate(&mut first).await else {
        panic!("no pairing offered")
    };
    let mut second = laptop.signed_in(&t, "carol").await;
    let PfStep::Pair { server_payload: fresh } = laptop.authenticate(&mut second).await else {
        panic!("no pairing offered")
    };
    let paired = laptop.pingone.pair(&fresh).await.expect("the second offer pairs");

    let error = laptop.pingone.pair(&stale).await.expect_err("the device is paired meanwhile");
    let service = error.service().expect("PingOne refused");
    assert_eq!((error.code().as_str(), service.http_status), ("pingone_error", 400));
    assert!(service.has_detail("DEVICE_ALREADY_PAIRED"), "{service:?}");
    assert_eq!(laptop.pingone.device_id(), Some(paired.device_id), "the good pairing is kept");

    first.act(&PfAction::ContinueAuthentication).await.expect("continue");
    assert_eq!(first.finish().await.expect("still a token").mfa_status(), Some(MFA_STATUS_PAIRING_ERROR));
    second.act(&PfAction::ContinueAuthentication).await.expect("continue");
    assert_eq!(second.finish().await.expect("tokens").mfa_status(), Some(MFA_STATUS_DEVICE_PAIRED));
}

#[tokio::test]
async fn every_action_the_state_does_not_offer_is_refused_and_the_flow_is_unchanged() {
    let t = TestStack::start().await;
    let laptop = pf_device(&t, "laptop").await;
    let mut login = laptop.signed_in(&t, "dave").await;
    let before = flow_now(&laptop.client, &login).await;
    assert_eq!(login.flow().status, FlowStatus::AuthenticationRequired);
    let payload = Some(laptop.pingone.payload().into());
    let not_offered = [
        PfAction::Poll,
        PfAction::ContinueAuthentication,
        PfAction::SelectDevice { device_id: "d".into(), mobile_payload: payload.clone() },
        PfAction::CheckOtp { otp: "123456".to_string().into(), mobile_payload: payload },
        PfAction::SetDefaultDevice { device_id: "d".into() },
        PfAction::RemoveDevice { device_id: "d".into() },
        PfAction::UpdateDeviceNickname { device_id: "d".into(), nickname: "n".into() },
        PfAction::CheckUsernamePassword { username: "dave".into(), password: "moderno-demo".to_string().into() },
    ];
    for action in not_offered {
        assert!(!login.allows(action.id()), "{action:?} is not in _links");
        let (status, code, _, _) = refusal(login.act(&action).await);
        assert_eq!((status, code.as_str()), (400, "INVALID_ACTION_ID"), "{action:?}");
        assert_eq!(flow_now(&laptop.client, &login).await, before, "{action:?} left the flow as it was");
        assert_eq!(serde_json::json!(login.flow()), before, "the client's view is unchanged too");
    }
}
