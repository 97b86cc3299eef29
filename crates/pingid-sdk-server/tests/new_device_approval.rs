//! Additional devices the Ping way: the approving device decides about the new device (trust it,
//! let it in once, ignore it for a while, deny, block), and the authentication carries the server
//! payload that tells the new device's SDK component (Ping's flow states).
//!
//! Sources: PingID SDK guide, "Network of trusted devices" [D-NET]; Ping's `PingID.h` (SDK 1.5:
//! `PIDActionType`, `PIDTrustLevel`, `PIDFlowState`, `setAuthenticationUserSelection`,
//! `updateExistingPayloadWithUserSelection`); Ping's `LoginViewController.m` (the OneTimePasscode
//! state folds TRUSTED into the payload sent with `auth_offline_user`); [S-MODEL]
//! `Authentication.java` (`payload`, `level`, `requiredLevel`, `device`, `accessingDevice`).

mod common;

use chrono::Duration;
use common::{totp_now, Server, TestDevice};
use moderno_crypto::payload::open_server_payload;
use moderno_wire::device_api::{IgnoreInterval, IntervalUnit, PairingCompleted, PushAnswer};
use moderno_wire::payload::{GrantedAccess, PayloadSelection, ServerFlow, TrustLevel};
use moderno_wire::sdk::{Authentication, AuthenticationLevel, AuthenticationStatus, DeviceRole, User};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// alice with an online primary; returns it and its TOTP secret.
async fn alice_with_online_primary(server: &Server) -> (TestDevice, String) {
    let primary = TestDevice::new(1);
    let paired = server.user_with_primary("alice", &primary).await;
    primary.poll(server).await;
    (primary, paired.otp_secret.expect("an OTP secret"))
}

async fn start(server: &Server, payload: &str) -> Authentication {
    server.start_authentication("alice", payload, json!({})).await.expect(StatusCode::CREATED).json()
}

async fn flow_of(server: &Server, auth: &Authentication) -> ServerFlow {
    let payload = auth.payload.as_deref().expect("the authentication carries a server payload");
    open_server_payload(payload, &server.server_key().await).expect("the server payload verifies").flow
}

async fn device_count(server: &Server) -> usize {
    let user: User = server.api(Method::GET, &server.user_path("alice", "?expand=devices"), None).await.json();
    user.devices.map_or(0, |d| d.len())
}

#[tokio::test]
async fn the_authentication_names_the_accessing_and_approving_devices_and_its_levels() {
    let server = Server::start().await;
    let (_, _) = alice_with_online_primary(&server).await;
    let laptop = TestDevice::new(2);
    let auth = start(&server, &laptop.payload(&server.clock)).await;
    assert_eq!(auth.status, AuthenticationStatus::InProgress);
    assert_eq!((auth.level, auth.required_level), (AuthenticationLevel::None, AuthenticationLevel::Push));
    let accessing = auth.accessing_device.as_ref().expect("accessingDevice");
    assert_eq!(
        (accessing.device_fingerprint.as_str(), accessing.device_name.as_str()),
        (laptop.fingerprint().as_str(), laptop.name.as_str())
    );
    let approver = auth.device.as_ref().expect("device: the approving device");
    assert_eq!((Some(&approver.id), approver.device_role), (auth.device_id.as_ref(), DeviceRole::Primary));
    assert_eq!(auth.match_number, None, "PingID SDK has no number matching: off by default");
    assert!(auth.payload.is_none(), "nothing for the new device while the push waits");
    let json = server.authentication("alice", &auth.id).await.value();
    for field in ["authenticationType", "level", "requiredLevel", "device", "accessingDevice"] {
        assert!(json.get(field).is_some(), "Ping's field {field} is present: {json}");
    }
    assert!(json.get("authenticationLevel").is_none() && json.get("username").is_none(), "no invented names: {json}");
}

#[tokio::test]
async fn the_approver_trusting_the_new_device_pairs_it_as_trusted_through_the_payload() {
    let server = Server::start().await;
    let (primary, _) = alice_with_online_primary(&server).await;
    let laptop = TestDevice::new(2);
    let auth = start(&server, &laptop.payload(&server.clock)).await;
    let pushes = primary.poll(&server).await;
    assert_eq!(
        pushes[0].trust_levels,
        vec![TrustLevel::Trusted, TrustLevel::Ignore],
        "the approver may trust or ignore the new device"
    );
    primary.answer(&server, &auth.id, PushAnswer::trust(None)).await.expect(StatusCode::OK);

    let read: Authentication = server.authentication("alice", &auth.id).await.json();
    assert_eq!((read.status, read.level), (AuthenticationStatus::Approved, AuthenticationLevel::Push));
    let ServerFlow::DeviceIsTrusted { registration_token_id, registration_token_secret, .. } =
        flow_of(&server, &read).await
    else {
        panic!("expected DEVICE_IS_TRUSTED");
    };
    assert_eq!(device_count(&server).await, 1, "not paired until the new device completes");
    let completed: PairingCompleted = laptop
        .complete(&server, &registration_token_id, &registration_token_secret, TrustLevel::Trusted, None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(completed.device_role, Some(DeviceRole::Trusted));
    assert_eq!(device_count(&server).await, 2);
    let again = start(&server, &laptop.payload(&server.clock)).await;
    assert_eq!((again.status, again.level), (AuthenticationStatus::Approved, AuthenticationLevel::MobilePayload));
    assert!(again.payload.is_none(), "a paired device's own payload needs no server payload");
}

#[tokio::test]
async fn the_granted_pairing_is_trusted_only_and_bound_to_the_new_devices_key() {
    let server = Server::start().await;
    let (primary, _) = alice_with_online_primary(&server).await;
    let laptop = TestDevice::new(2);
    let auth = start(&server, &laptop.payload(&server.clock)).await;
    primary.answer(&server, &auth.id, PushAnswer::trust(None)).await.expect(StatusCode::OK);
    let read: Authentication = server.authentication("alice", &auth.id).await.json();
    let ServerFlow::DeviceIsTrusted { registration_token_id: id, registration_token_secret: secret, .. } =
        flow_of(&server, &read).await
    else {
        panic!("expected DEVICE_IS_TRUSTED");
    };
    let thief = TestDevice::new(9);
    assert!(thief.complete(&server, &id, &secret, TrustLevel::Trusted, None).await.status.is_client_error());
    assert!(laptop.complete(&server, &id, &secret, TrustLevel::Primary, None).await.status.is_client_error());
    assert_eq!(device_count(&server).await, 1, "nothing paired by a refused completion");
    laptop.complete(&server, &id, &secret, TrustLevel::Trusted, None).await.expect(StatusCode::OK);
}

#[tokio::test]
async fn the_approver_allowing_one_sign_in_pairs_nothing_and_the_next_login_asks_again() {
    let server = Server::start().await;
    let (primary, _) = alice_with_online_primary(&server).await;
    let laptop = TestDevice::new(2);
    let auth = start(&server, &laptop.payload(&server.clock)).await;
    primary.answer(&server, &auth.id, PushAnswer::approve(None)).await.expect(StatusCode::OK);
    let read: Authentication = server.authentication("alice", &auth.id).await.json();
    assert_eq!(read.status, AuthenticationStatus::Approved);
    assert_eq!(flow_of(&server, &read).await, ServerFlow::Done { granted: Some(GrantedAccess::OneTime) });
    assert_eq!(device_count(&server).await, 1);
    assert_eq!(start(&server, &laptop.payload(&server.clock)).await.status, AuthenticationStatus::InProgress);
}

#[tokio::test]
async fn the_approver_ignoring_the_new_device_lets_it_in_without_mfa_for_the_interval() {
    let server = Server::start().await;
    let (primary, _) = alice_with_online_primary(&server).await;
    let laptop = TestDevice::new(2);
    let auth = start(&server, &laptop.payload(&server.clock)).await;
    let day = IgnoreInterval { value: 1, unit: IntervalUnit::Days };
    primary.answer(&server, &auth.id, PushAnswer::ignore(day, None)).await.expect(StatusCode::OK);
    let read: Authentication = server.authentication("alice", &auth.id).await.json();
    let until = (server.clock.now() + Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(
        flow_of(&server, &read).await,
        ServerFlow::Done { granted: Some(GrantedAccess::Ignored { until: Some(until) }) }
    );
    assert_eq!(start(&server, &laptop.payload(&server.clock)).await.status, AuthenticationStatus::IgnoredDevice);
    server.clock.advance(Duration::days(1) + Duration::seconds(1));
    primary.poll(&server).await;
    assert_eq!(start(&server, &laptop.payload(&server.clock)).await.status, AuthenticationStatus::InProgress);
    assert_eq!(device_count(&server).await, 1);
}

#[tokio::test]
async fn an_approver_cannot_make_a_new_device_primary_beside_a_primary_and_a_refused_answer_changes_nothing() {
    let server = Server::start().await;
    let (primary, _) = alice_with_online_primary(&server).await;
    let auth = start(&server, &TestDevice::new(2).payload(&server.clock)).await;
    let mut answer = PushAnswer::trust(None);
    answer.trust_level = Some(TrustLevel::Primary);
    let refused = primary.answer(&server, &auth.id, answer).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text());
    assert_eq!(refused.value()["target"], "trustLevel");
    let ignore_without_interval = PushAnswer {
        ignore_interval: None,
        ..PushAnswer::ignore(IgnoreInterval { value: 1, unit: IntervalUnit::Days }, None)
    };
    assert_eq!(primary.answer(&server, &auth.id, ignore_without_interval).await.status, StatusCode::BAD_REQUEST);
    let read: Authentication = server.authentication("alice", &auth.id).await.json();
    assert_eq!(read.status, AuthenticationStatus::InProgress, "still waiting for a valid answer");
}

/// Ping's guide ("Pair additional devices") and iOS sample: while the user has no primary device,
/// the approving device may make the new one PRIMARY.
#[tokio::test]
async fn a_trusted_approver_may_make_the_new_device_primary_while_the_user_has_none() {
    let server = Server::start().await;
    server.create_user("alice").await.expect(StatusCode::CREATED);
    let trusted = TestDevice::new(1);
    server.pair("alice", &trusted, TrustLevel::Trusted, json!({})).await;
    trusted.poll(&server).await;
    let laptop = TestDevice::new(2);
    let auth = start(&server, &laptop.payload(&server.clock)).await;
    let pushes = trusted.poll(&server).await;
    assert_eq!(pushes[0].trust_levels, vec![TrustLevel::Primary, TrustLevel::Trusted, TrustLevel::Ignore]);
    let mut answer = PushAnswer::trust(None);
    answer.trust_level = Some(TrustLevel::Primary);
    trusted.answer(&server, &auth.id, answer).await.expect(StatusCode::OK);
    let read: Authentication = server.authentication("alice", &auth.id).await.json();
    let ServerFlow::DeviceIsTrusted { registration_token_id, registration_token_secret, trust_level } =
        flow_of(&server, &read).await
    else {
        panic!("expected DEVICE_IS_TRUSTED");
    };
    assert_eq!(trust_level, TrustLevel::Primary);
    let completed: PairingCompleted = laptop
        .complete(&server, &registration_token_id, &registration_token_secret, TrustLevel::Primary, None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(completed.device_role, Some(DeviceRole::Primary));
}

#[tokio::test]
async fn an_offline_approver_puts_a_one_time_passcode_payload_on_the_authentication() {
    let server = Server::start().await;
    let primary = TestDevice::new(1);
    server.user_with_primary("alice", &primary).await;
    let auth = start(&server, &TestDevice::new(2).payload(&server.clock)).await;
    assert_eq!((auth.status, auth.required_level), (AuthenticationStatus::Otp, AuthenticationLevel::Otp));
    assert_eq!(
        flow_of(&server, &auth).await,
        ServerFlow::OneTimePasscode {
            authentication_id: auth.id.clone(),
            trust_levels: vec![TrustLevel::Trusted, TrustLevel::Ignore]
        }
    );
}

#[tokio::test]
async fn a_passcode_sent_with_a_payload_choosing_trusted_pairs_the_new_device() {
    let server = Server::start().await;
    let primary = TestDevice::new(1);
    let secret = server.user_with_primary("alice", &primary).await.otp_secret.expect("secret");
    let laptop = TestDevice::new(2);
    let auth = start(&server, &laptop.payload(&server.clock)).await;
    // LoginViewController.m: PIDUserSelectionObject(action None, trust level TRUSTED) folded
    // into the payload with updateExistingPayloadWithUserSelection, sent with auth_offline_user.
    let chosen = laptop.payload_with(&server.clock, |c| {
        c.user_selection = Some(PayloadSelection { trust_level: TrustLevel::Trusted, ignore_interval: None });
    });
    let body = json!({"otp": totp_now(&secret, &server.clock), "payload": chosen});
    let path = server.user_path("alice", &format!("/authentications/{}/otp", auth.id));
    let approved: Authentication = server.api(Method::PUT, &path, Some(body)).await.expect(StatusCode::OK).json();
    assert_eq!((approved.status, approved.level), (AuthenticationStatus::Approved, AuthenticationLevel::Otp));
    let ServerFlow::DeviceIsTrusted { registration_token_id, registration_token_secret, .. } =
        flow_of(&server, &approved).await
    else {
        panic!("expected DEVICE_IS_TRUSTED after the passcode");
    };
    laptop
        .complete(&server, &registration_token_id, &registration_token_secret, TrustLevel::Trusted, None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(device_count(&server).await, 2);
}

#[tokio::test]
async fn a_passcode_without_a_choice_lets_the_device_in_once() {
    let server = Server::start().await;
    let primary = TestDevice::new(1);
    let secret = server.user_with_primary("alice", &primary).await.otp_secret.expect("secret");
    let auth = start(&server, &TestDevice::new(2).payload(&server.clock)).await;
    let approved: Authentication =
        server.otp("alice", &auth.id, &totp_now(&secret, &server.clock)).await.expect(StatusCode::OK).json();
    assert_eq!(approved.status, AuthenticationStatus::Approved);
    assert_eq!(flow_of(&server, &approved).await, ServerFlow::Done { granted: Some(GrantedAccess::OneTime) });
    assert_eq!(device_count(&server).await, 1);
}

#[tokio::test]
async fn a_sign_in_without_a_payload_pushes_to_the_trusted_device_and_grants_no_device() {
    let server = Server::start().await;
    let (primary, _) = alice_with_online_primary(&server).await;
    let body = json!({"authenticationType": "AUTHENTICATE", "clientContext": "{\"web\":true}", "userAgent": "Mozilla/5.0 (test)"});
    let auth: Authentication = server
        .api(Method::POST, &server.user_path("alice", "/authentications"), Some(body))
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(auth.status, AuthenticationStatus::InProgress, "[D-AUTH]: payload is optional");
    assert!(auth.accessing_device.is_none());
    assert_eq!(
        auth.context.user_agent.as_deref(),
        Some("Mozilla/5.0 (test)"),
        "[S-MODEL] userAgent is kept and returned"
    );
    let pushes = primary.poll(&server).await;
    assert!(
        pushes[0].requesting_device.is_none() && pushes[0].trust_levels.is_empty(),
        "no device to trust: {:?}",
        pushes[0]
    );
    assert_eq!(primary.answer(&server, &auth.id, PushAnswer::trust(None)).await.status, StatusCode::BAD_REQUEST);
    primary.answer(&server, &auth.id, PushAnswer::approve(None)).await.expect(StatusCode::OK);
    let read: Authentication = server.authentication("alice", &auth.id).await.json();
    assert_eq!((read.status, read.payload), (AuthenticationStatus::Approved, None));
}

#[tokio::test]
async fn number_matching_is_an_application_setting_off_by_default() {
    let server = Server::start().await;
    let settings = server.api(Method::GET, &server.app_path("/settings"), None).await.value();
    assert_eq!(settings["numberMatching"], false);
    let (primary, _) = alice_with_online_primary(&server).await;
    start(&server, &TestDevice::new(2).payload(&server.clock)).await;
    assert!(primary.poll(&server).await[0].number_choices.is_empty());
}
