//! Seed flow 2, "Pairing an additional device using automatic pairing": push when the only
//! paired device is a mobile (approved, rejected, timed out), OTP when it is SMS, e-mail or TOTP
//! (right, wrong, blocked after three), and device selection when there are several.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::device::{approve_shown, totp_code_for, TestDevice};
use common::pf::{assert_unoffered_actions_refused, links, token_claims, Stack};
use moderno_wire::device_api::PushAnswer;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn additional_device_waits_for_push_then_pairs_when_primary_approves() {
    let stack = Stack::start().await;
    let phone = stack.paired_phone("alice", 21).await;
    let mut client = stack.client();
    let (flow, authn) = client.login("alice").await;
    assert_eq!(authn["device"]["id"], phone.device_id.as_deref().unwrap(), "the primary device is shown");
    let mut laptop = TestDevice::new(22, "Alice's laptop", &stack.clock);
    let waiting = client.step(&flow, "authenticate", json!({"mobilePayload": laptop.mobile_payload()})).await;
    assert_eq!(waiting["status"], "PUSH_CONFIRMATION_WAITING");
    assert_eq!(waiting["selectedDeviceRef"]["id"], phone.device_id.as_deref().unwrap());
    assert_eq!(links(&waiting), ["cancelAuthentication", "poll", "selectDevice"]);
    assert_eq!(client.step(&flow, "poll", json!({})).await["status"], "PUSH_CONFIRMATION_WAITING");

    let (status, _) = phone.answer_next_push(&stack.mfa.url, approve_shown(&waiting)).await;
    assert_eq!(status, StatusCode::OK);
    let pairing = client.step(&flow, "poll", json!({})).await;
    assert_eq!(pairing["status"], "MOBILE_PAIRING_REQUIRED", "approved: the new device is offered pairing");
    let (status, _) = laptop.complete_pairing(pairing["serverPayload"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let completed = client.step(&flow, "continueAuthentication", json!({})).await;
    let claims = token_claims(&stack, &client, &completed).await;
    assert_eq!(claims["pingone.mfa.status"], "com.pingidentity.pingone.device_paired");
    let devices = stack.mfa.devices("alice").await;
    assert_eq!(devices.len(), 2);
    assert_eq!(devices[0]["id"], phone.device_id.as_deref().unwrap(), "the first device stays the default");
}

// PingOne's `pairing.maxAllowedDevices` (default 5, https://developer.pingidentity.com/pingone-api/mfa/mfa-settings.html):
// the second factor passes, PingOne's completed authentication carries no pairing token, and the
// adapter still signs in, reporting `pairing_error` (integration kit, "Device pairing flows": "Even
// if the pairing is not successful, it is possible to complete the flow").
#[tokio::test]
async fn a_new_device_pingone_has_no_room_for_signs_in_with_pairing_error() {
    let stack = Stack::start().await;
    let phone = stack.paired_phone("dave", 31).await;
    for _ in 0..4 {
        stack.mfa.add_device("dave", "EMAIL").await;
    }
    let mut client = stack.client();
    let (flow, _) = client.login("dave").await;
    let laptop = TestDevice::new(32, "Dave's laptop", &stack.clock);
    let choose = client.step(&flow, "authenticate", json!({"mobilePayload": laptop.mobile_payload()})).await;
    let waiting =
        client.step(&flow, "selectDevice", json!({"deviceRef": {"id": phone.device_id.as_deref().unwrap()}})).await;
    assert_eq!(waiting["status"], "PUSH_CONFIRMATION_WAITING", "{choose} {waiting}");
    let (status, _) = phone.answer_next_push(&stack.mfa.url, approve_shown(&waiting)).await;
    assert_eq!(status, StatusCode::OK);
    let completed = client.step(&flow, "poll", json!({})).await;
    assert_eq!(completed["status"], "MFA_COMPLETED", "no pairing offered: {completed}");
    assert!(completed.get("serverPayload").is_none(), "{completed}");
    let done = client.step(&flow, "continueAuthentication", json!({})).await;
    let claims = token_claims(&stack, &client, &done).await;
    assert_eq!(claims["pingone.mfa.status"], "com.pingidentity.pingone.pairing_error");
    assert_eq!(stack.mfa.devices("dave").await.len(), 5, "nothing paired");
}

#[tokio::test]
async fn a_rejected_push_ends_in_push_confirmation_rejected_and_can_only_be_cancelled_or_retried() {
    let stack = Stack::start().await;
    let phone = stack.paired_phone("bob", 23).await;
    let mut client = stack.client();
    let (flow, _) = client.login("bob").await;
    let laptop = TestDevice::new(24, "Bob's laptop", &stack.clock);
    client.step(&flow, "authenticate", json!({"mobilePayload": laptop.mobile_payload()})).await;
    phone.answer_next_push(&stack.mfa.url, PushAnswer::deny()).await;
    let rejected = client.step(&flow, "poll", json!({})).await;
    assert_eq!(rejected["status"], "PUSH_CONFIRMATION_REJECTED");
    // Ping's widget draws the push screens from `devices` + `selectedDeviceRef`
    // (`src/partials/push_confirmation_rejected.hbs`, `_timed_out.hbs`, `_waiting.hbs`).
    assert_eq!(rejected["devices"][0]["id"], rejected["selectedDeviceRef"]["id"], "{rejected}");
    assert_eq!(links(&rejected), ["cancelAuthentication", "selectDevice"]);
    let failed = client.step(&flow, "cancelAuthentication", json!({})).await;
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(stack.mfa.devices("bob").await.len(), 1, "nothing was paired");
}

#[tokio::test]
async fn an_unanswered_push_times_out_when_the_clock_passes_its_lifetime() {
    let stack = Stack::start().await;
    let phone = stack.paired_phone("carol", 25).await;
    let mut client = stack.client();
    let (flow, _) = client.login("carol").await;
    let laptop = TestDevice::new(26, "Carol's laptop", &stack.clock);
    let waiting = client.step(&flow, "authenticate", json!({"mobilePayload": laptop.mobile_payload()})).await;
    let push = phone.pushes(&stack.mfa.url, 5).await.remove(0);
    stack.clock.advance(chrono::Duration::seconds(41));
    let timed_out = client.step(&flow, "poll", json!({})).await;
    assert_eq!(timed_out["status"], "PUSH_CONFIRMATION_TIMED_OUT");
    assert_eq!(timed_out["devices"][0]["id"], phone.device_id.as_deref().unwrap(), "{timed_out}");
    assert_eq!(waiting["devices"][0]["id"], phone.device_id.as_deref().unwrap(), "{waiting}");
    assert_eq!(links(&timed_out), ["cancelAuthentication", "selectDevice"]);
    assert_unoffered_actions_refused(&client, &flow).await; // PUSH_CONFIRMATION_TIMED_OUT
    assert!(phone.pushes(&stack.mfa.url, 0).await.is_empty(), "an expired push is no longer delivered");
    let (status, _) = phone.answer(&stack.mfa.url, &push.authentication_id, approve_shown(&waiting)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a late answer is refused, even with the right number");
    assert_eq!(client.get(&flow).await.1, timed_out, "and changes nothing");

    let retried =
        client.step(&flow, "selectDevice", json!({"deviceRef": {"id": phone.device_id.as_deref().unwrap()}})).await;
    assert_eq!(retried["status"], "PUSH_CONFIRMATION_WAITING", "selecting the device again sends a new push");
}

#[tokio::test]
async fn a_web_login_without_a_payload_is_approved_by_push_and_has_no_pairing_status() {
    let stack = Stack::start().await;
    let phone = stack.paired_phone("dave", 27).await;
    let mut client = stack.client();
    let (flow, _) = client.login("dave").await;
    let waiting = client.step(&flow, "authenticate", json!({})).await;
    assert_eq!(waiting["status"], "PUSH_CONFIRMATION_WAITING");
    phone.answer_next_push(&stack.mfa.url, approve_shown(&waiting)).await;
    let done = client.step(&flow, "poll", json!({})).await;
    assert_eq!(done["status"], "MFA_COMPLETED");
    let completed = client.step(&flow, "continueAuthentication", json!({})).await;
    let claims = token_claims(&stack, &client, &completed).await;
    assert!(claims.get("pingone.mfa.status").is_none(), "no device was being paired: {claims}");
}

#[tokio::test]
async fn an_sms_only_user_gets_otp_required_and_the_right_code_offers_pairing() {
    let stack = Stack::start().await;
    stack.mfa.create_user("alice").await;
    let (sms, _) = stack.mfa.add_device("alice", "SMS").await;
    let mut client = stack.client();
    let (flow, _) = client.login("alice").await;
    let laptop = TestDevice::new(28, "Alice's laptop", &stack.clock);
    let otp = client.step(&flow, "authenticate", json!({"mobilePayload": laptop.mobile_payload()})).await;
    assert_eq!(otp["status"], "OTP_REQUIRED");
    assert_eq!(otp["selectedDeviceRef"]["id"], sms.as_str());
    assert_eq!(otp["devices"].as_array().unwrap().len(), 1);
    assert_eq!(links(&otp), ["cancelAuthentication", "checkOtp", "selectDevice"]);
    let code = stack.mfa.last_sent_code("alice").await;
    let pairing = client.step(&flow, "checkOtp", json!({"otp": code})).await;
    assert_eq!(pairing["status"], "MOBILE_PAIRING_REQUIRED");
    let completed = client.step(&flow, "continueAuthentication", json!({})).await;
    let claims = token_claims(&stack, &client, &completed).await;
    assert_eq!(
        claims["pingone.mfa.status"], "com.pingidentity.pingone.device_not_paired",
        "the laptop never completed"
    );
}

#[tokio::test]
async fn wrong_passcodes_are_validation_errors_until_the_third_blocks_for_fifteen_minutes() {
    let stack = Stack::start().await;
    stack.mfa.create_user("bob").await;
    stack.mfa.add_device("bob", "EMAIL").await;
    let mut client = stack.client();
    let (flow, _) = client.login("bob").await;
    let otp = client.step(&flow, "authenticate", json!({})).await;
    assert_eq!(otp["status"], "OTP_REQUIRED");
    let code = stack.mfa.last_sent_code("bob").await;
    let wrong = if code == "123456" { "654321" } else { "123456" };
    for left in [2, 1] {
        let (status, error) = client.act(&flow, "checkOtp", json!({"otp": wrong})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error["code"], "VALIDATION_ERROR");
        assert_eq!(error["details"][0]["code"], "INVALID_OTP");
        // PingFederate's INVALID_OTP detail: `target` and `attemptsRemaining` (Ping's widget
        // `src/store.js` `getErrorDetails` reads `target`).
        assert_eq!(error["details"][0]["attemptsRemaining"], left);
        assert_eq!(error["details"][0]["target"], "otp");
        assert!(error["userMessage"].is_string() && error["message"].is_string());
        assert_eq!(client.get(&flow).await.1, otp, "a wrong code leaves the flow unchanged");
    }
    let blocked = client.step(&flow, "checkOtp", json!({"otp": wrong})).await;
    assert_eq!(blocked["status"], "MFA_FAILED");
    assert_eq!(blocked["code"], "OTP_BLOCKED");
    assert!(blocked["userMessage"].as_str().is_some_and(|m| m.contains("Too many wrong passcodes")), "{blocked}");

    let mut again = stack.client();
    let (flow, _) = again.login("bob").await;
    assert_eq!(
        again.step(&flow, "authenticate", json!({})).await["code"],
        "OTP_BLOCKED",
        "still blocked in a new flow"
    );
    stack.clock.advance(chrono::Duration::minutes(15));
    let mut later = stack.client();
    let (flow, _) = later.login("bob").await;
    assert_eq!(later.step(&flow, "authenticate", json!({})).await["status"], "OTP_REQUIRED");
    let code = stack.mfa.last_sent_code("bob").await;
    assert_eq!(later.step(&flow, "checkOtp", json!({"otp": code})).await["status"], "MFA_COMPLETED");
}

#[tokio::test]
async fn several_devices_ask_for_a_selection_and_each_kind_of_device_completes() {
    let stack = Stack::start().await;
    let phone = stack.paired_phone("carol", 29).await;
    let (sms, _) = stack.mfa.add_device("carol", "SMS").await;
    let (email, _) = stack.mfa.add_device("carol", "EMAIL").await;
    let (totp, secret) = stack.mfa.add_device("carol", "TOTP").await;
    let choose = |id: &str| json!({"deviceRef": {"id": id}});

    let mut client = stack.client();
    let (flow, _) = client.login("carol").await;
    let selection = client.step(&flow, "authenticate", json!({})).await;
    assert_eq!(selection["status"], "DEVICE_SELECTION_REQUIRED");
    assert_eq!(selection["devices"].as_array().unwrap().len(), 4);
    assert_eq!(selection["devices"][0]["defaultDevice"], true);
    let types: Vec<&str> =
        selection["devices"].as_array().unwrap().iter().map(|d| d["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["Android", "SMS", "Email", "TOTP"], "the adapter's type names");
    assert_eq!(
        (selection["devices"][1]["target"].as_str(), selection["devices"][2]["target"].as_str()),
        (Some("******0100"), Some("c***@example.com"))
    );
    assert_eq!(selection["changeDevicePermitted"], true);
    assert_eq!(links(&selection), ["cancelAuthentication", "selectDevice"]);
    let (status, error) = client.act(&flow, "selectDevice", choose("not-a-device")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["details"][0]["target"], "deviceRef.id");
    assert_eq!(client.get(&flow).await.1, selection, "a bad selection leaves the flow unchanged");

    let waiting = client.step(&flow, "selectDevice", choose(phone.device_id.as_deref().unwrap())).await;
    assert_eq!(waiting["status"], "PUSH_CONFIRMATION_WAITING");
    phone.answer_next_push(&stack.mfa.url, approve_shown(&waiting)).await;
    assert_eq!(client.step(&flow, "poll", json!({})).await["status"], "MFA_COMPLETED");

    for (device, code_source) in [(sms, "outbox"), (email, "outbox"), (totp, "totp")] {
        let mut client = stack.client();
        let (flow, _) = client.login("carol").await;
        client.step(&flow, "authenticate", json!({})).await;
        let otp = client.step(&flow, "selectDevice", choose(&device)).await;
        assert_eq!(otp["status"], "OTP_REQUIRED");
        assert_eq!(otp["selectedDeviceRef"]["id"], device.as_str());
        let code = if code_source == "totp" {
            totp_code_for(secret.as_deref().unwrap(), &stack.clock)
        } else {
            stack.mfa.last_sent_code("carol").await
        };
        let done = client.step(&flow, "checkOtp", json!({"otp": code})).await;
        assert_eq!(done["status"], "MFA_COMPLETED", "device {device}");
        let completed = client.step(&flow, "continueAuthentication", json!({})).await;
        token_claims(&stack, &client, &completed).await;
    }
}

#[tokio::test]
async fn after_mfa_the_user_can_set_the_default_rename_and_remove_devices() {
    let stack = Stack::start().await;
    stack.mfa.create_user("dave").await;
    let (totp, secret) = stack.mfa.add_device("dave", "TOTP").await;
    let (sms, _) = stack.mfa.add_device("dave", "SMS").await;
    let mut client = stack.client();
    let (flow, _) = client.login("dave").await;
    client.step(&flow, "authenticate", json!({})).await;
    client.step(&flow, "selectDevice", json!({"deviceRef": {"id": totp}})).await;
    let done =
        client.step(&flow, "checkOtp", json!({"otp": totp_code_for(secret.as_deref().unwrap(), &stack.clock)})).await;
    assert_eq!(
        links(&done),
        ["cancelAuthentication", "continueAuthentication", "removeDevice", "setDefaultDevice", "updateDeviceNickname"]
    );

    let reordered = client.step(&flow, "setDefaultDevice", json!({"deviceRef": {"id": sms}})).await;
    assert_eq!(reordered["status"], "MFA_COMPLETED");
    assert_eq!(reordered["devices"][0]["id"], sms.as_str());
    let renamed =
        client.step(&flow, "updateDeviceNickname", json!({"deviceRef": {"id": sms}, "nickname": "Work phone"})).await;
    assert_eq!(renamed["devices"][0]["nickname"], "Work phone");
    let (status, _) =
        client.act(&flow, "updateDeviceNickname", json!({"deviceRef": {"id": sms}, "nickname": "x".repeat(101)})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(client.get(&flow).await.1, renamed, "a refused rename changes nothing");
    let removed = client.step(&flow, "removeDevice", json!({"deviceRef": {"id": totp}})).await;
    assert_eq!(removed["devices"].as_array().unwrap().len(), 1);
    assert_eq!(stack.mfa.devices("dave").await.len(), 1);
}
