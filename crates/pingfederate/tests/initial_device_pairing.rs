//! Seed flow 1, "Pairing an initial device using automatic pairing", with its two exceptions:
//! pairing skipped (`device_not_paired`) and pairing failed (`pairing_error`, still a token).

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::device::TestDevice;
use common::pf::{links, token_claims, Stack};
use serde_json::json;

#[tokio::test]
async fn initial_device_pairs_automatically_and_the_token_says_device_paired() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let started = client.start_flow().await;
    assert_eq!(started["status"], "USERNAME_PASSWORD_REQUIRED");
    assert_eq!(links(&started), ["cancelAuthentication", "checkUsernamePassword"]);

    let (flow, authn) = client.login("alice").await;
    assert_eq!(authn["status"], "AUTHENTICATION_REQUIRED");
    // The adapter's user object: `pingidentity/pingone-mobile-sdk-android`
    // `PingAuthenticationCore/.../models/User.java` (`id, firstName, lastName, status, lastLogin`).
    assert_eq!(authn["user"]["username"], "alice");
    assert_eq!(authn["user"]["status"], "ACTIVE");
    assert!(authn["user"]["id"].as_str().is_some_and(|id| !id.is_empty()), "{authn}");
    assert!(authn["user"].get("lastLogin").is_none(), "alice never signed on before: {authn}");
    assert!(authn.get("device").is_none(), "alice has no device yet");
    assert_eq!(links(&authn), ["authenticate", "cancelAuthentication"]);

    let mut phone = TestDevice::new(11, "Alice's desktop", &stack.clock);
    let pairing = client.step(&flow, "authenticate", json!({"mobilePayload": phone.mobile_payload()})).await;
    assert_eq!(pairing["status"], "MOBILE_PAIRING_REQUIRED");
    assert_eq!(links(&pairing), ["cancelAuthentication", "continueAuthentication"]);
    let server_payload = pairing["serverPayload"].as_str().unwrap();

    let (status, paired) = phone.complete_pairing(server_payload).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{paired}");
    assert_eq!(client.get(&flow).await.1, pairing, "reading the flow changes nothing");

    let completed = client.step(&flow, "continueAuthentication", json!({})).await;
    assert!(links(&completed).is_empty(), "a completed flow offers nothing");
    let claims = token_claims(&stack, &client, &completed).await;
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["pingone.mfa.status"], "com.pingidentity.pingone.device_paired");
    let devices = stack.mfa.devices("alice").await;
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["type"], "MOBILE");
}

#[tokio::test]
async fn skipping_the_pairing_still_completes_with_device_not_paired() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let (flow, _) = client.login("bob").await;
    let phone = TestDevice::new(12, "Bob's desktop", &stack.clock);
    let pairing = client.step(&flow, "authenticate", json!({"mobilePayload": phone.mobile_payload()})).await;
    assert_eq!(pairing["status"], "MOBILE_PAIRING_REQUIRED");
    let completed = client.step(&flow, "continueAuthentication", json!({})).await;
    let claims = token_claims(&stack, &client, &completed).await;
    assert_eq!(claims["pingone.mfa.status"], "com.pingidentity.pingone.device_not_paired");
    assert!(stack.mfa.devices("bob").await.is_empty());
}

// The adapter learns how the pairing ended from PingOne's Platform API: no device in the user's
// devices, and the device authentication no longer offers the token (its pairing failed).
#[tokio::test]
async fn a_failed_pairing_still_completes_with_pairing_error() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let (flow, _) = client.login("carol").await;
    let mut phone = TestDevice::new(13, "Carol's desktop", &stack.clock);
    let pairing = client.step(&flow, "authenticate", json!({"mobilePayload": phone.mobile_payload()})).await;
    let (status, _) = phone.complete_pairing_with(pairing["serverPayload"].as_str().unwrap(), Some("garbled")).await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "the SDK reports the pairing error to the app");
    let completed = client.step(&flow, "continueAuthentication", json!({})).await;
    assert_eq!(completed["status"], "COMPLETED", "the adapter still returns success");
    let claims = token_claims(&stack, &client, &completed).await;
    assert_eq!(claims["pingone.mfa.status"], "com.pingidentity.pingone.pairing_error");
    assert!(stack.mfa.devices("carol").await.is_empty());
}

#[tokio::test]
async fn a_login_from_the_already_paired_device_needs_no_second_prompt() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let (flow, _) = client.login("dave").await;
    let mut phone = TestDevice::new(14, "Dave's desktop", &stack.clock);
    let pairing = client.step(&flow, "authenticate", json!({"mobilePayload": phone.mobile_payload()})).await;
    phone.complete_pairing(pairing["serverPayload"].as_str().unwrap()).await;
    client.step(&flow, "continueAuthentication", json!({})).await;

    let mut again = stack.client();
    let (flow, authn) = again.login("dave").await;
    // The adapter's device object, Ping's type names (`pingidentity/pf-authn-js-widget:
    // src/partials/device_selection.hbs` shows `name` for Android and iPhone).
    assert_eq!(authn["device"]["type"], "Android", "AUTHENTICATION_REQUIRED shows the primary device: {authn}");
    assert_eq!(
        (authn["device"]["pushEnabled"].as_bool(), authn["device"]["defaultDevice"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(authn["device"]["name"].is_string(), "{authn}");
    assert_eq!(authn["user"]["lastLogin"], "2027-01-15T08:00:00Z", "dave signed on before, at the test clock's time");
    let done = again.step(&flow, "authenticate", json!({"mobilePayload": phone.mobile_payload()})).await;
    assert_eq!(done["status"], "MFA_COMPLETED");
    let completed = again.step(&flow, "continueAuthentication", json!({})).await;
    let claims = token_claims(&stack, &again, &completed).await;
    assert_eq!(claims["pingone.mfa.status"], "com.pingidentity.pingone.device_paired");
}

#[tokio::test]
async fn a_web_login_for_a_user_without_devices_fails_mfa() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let (flow, _) = client.login("alice").await;
    let failed = client.step(&flow, "authenticate", json!({})).await;
    assert_eq!(failed["status"], "MFA_FAILED");
    assert_eq!(failed["code"], "NO_DEVICE");
    // Ping's widget prints "You couldn't be authenticated. " + userMessage (`src/partials/mfa_failed.hbs`).
    assert!(failed["userMessage"].as_str().is_some_and(|m| m.contains("no device")), "{failed}");
    assert_eq!(links(&failed), ["cancelAuthentication"]);
    let canceled = client.step(&flow, "cancelAuthentication", json!({})).await;
    assert_eq!(canceled["status"], "FAILED");
    assert_eq!(
        (canceled["code"].as_str(), canceled["userMessage"].as_str()),
        (Some("AUTHENTICATION_CANCELED"), Some("The sign-in was canceled."))
    );
    assert!(canceled.get("authorizeResponse").is_none());
}
