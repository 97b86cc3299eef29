//! One exchange per row of the table, each as the emulator's services exchange it, read back
//! to the step it names (or to "beyond Ping"); and every row is reached by one of them.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::row::path_fits;
use super::*;

const U: &str = "/pingid/v1/accounts/acct/applications/app/users/alice";
const FLOW_ID: &str = "/pf-ws/authn/flows/f1";

/// An exchange that owns its parts.
struct Case {
    service: Service,
    method: &'static str,
    path: String,
    query: Option<&'static str>,
    content_type: Option<String>,
    status: u16,
    request: Option<Value>,
    response: Option<Value>,
    /// How the step starts, or `beyond: ` and how the reason starts, or `none`.
    expect: &'static str,
}

impl Case {
    fn exchange(&self) -> Exchange<'_> {
        Exchange {
            service: self.service,
            method: self.method,
            path: &self.path,
            query: self.query,
            content_type: self.content_type.as_deref(),
            status: self.status,
            request: self.request.as_ref(),
            response: self.response.as_ref(),
        }
    }

    fn answering(mut self, status: u16, response: Value) -> Self {
        self.status = status;
        self.response = Some(response);
        self
    }

    fn sending(mut self, request: Value) -> Self {
        self.request = Some(request);
        self
    }

    fn query(mut self, query: &'static str) -> Self {
        self.query = Some(query);
        self
    }
}

/// A PingOne call whose content type names the action (`application/vnd.pingidentity.{action}+json`).
fn p1_action(method: &'static str, path: &'static str, action: &str, expect: &'static str) -> Case {
    let mut case = call(PingOne, method, path, expect);
    case.content_type = Some(format!("application/vnd.pingidentity.{action}+json"));
    case
}

fn call(service: Service, method: &'static str, path: impl Into<String>, expect: &'static str) -> Case {
    Case {
        service,
        method,
        path: path.into(),
        query: None,
        content_type: None,
        status: 200,
        request: None,
        response: None,
        expect,
    }
}

/// A Moderno operation with its extra fields, and the customer server's answer.
fn moderno(request: Value, response: Value, expect: &'static str) -> Case {
    call(Customer, POST, "/pingidsdk", expect).sending(request).answering(200, response)
}

/// A PingFederate action, named by its content type, and the flow status answered.
fn pf_action(action: &str, status: &str, expect: &'static str) -> Case {
    let mut case = call(PingFederate, POST, FLOW_ID, expect)
        .sending(json!({}))
        .answering(200, json!({"status": status, "_links": {}}));
    case.content_type = Some(format!("application/vnd.pingidentity.{action}+json"));
    case
}

fn sdk(method: &'static str, tail: &str, expect: &'static str) -> Case {
    call(PingIdSdk, method, format!("{U}{tail}"), expect)
}

fn cases() -> Vec<Case> {
    let payload = "eyJ2IjoxfQ.c2ln";
    vec![
        // The app and the customer server.
        moderno(json!({"operation": "auth_user", "user": "alice", "password": "pw", "pingIdPayload": payload, "pairingKey": "BCDF-GHJK-LMNP"}),
            json!({"status": 0, "registrationToken": "t1"}), "Subflow 2 · 7. The app sends another request"),
        moderno(json!({"operation": "auth_user", "user": "alice", "password": "pw", "pingIdPayload": payload}),
            json!({"status": 1030, "description": "a pairing key is required"}), "Subflow 2 · 2. The app sends username, password and payload"),
        moderno(json!({"operation": "auth_user", "user": "alice", "password": "pw", "pingIdPayload": payload, "deviceId": "d2"}),
            json!({"status": 1012}), "Additional device · the app sends auth_user again with the device the user picked"),
        moderno(json!({"operation": "auth_user", "user": "alice", "password": "pw", "pingIdPayload": ""}),
            json!({"status": 0}), "Web sign-in · username and password without a payload"),
        moderno(json!({"operation": "auth_user", "user": "alice", "password": "pw", "pingIdPayload": payload}),
            json!({"status": 0, "pingIdPayload": payload, "registrationToken": "t1"}), "3. The app sends username, password and payload to the customer server"),
        moderno(json!({"operation": "auth_offline_user", "sessionId": "s", "otp": "123456", "pingIdPayload": payload}),
            json!({"status": 0}), "Additional device · offline: the app sends the passcode from a trusted device"),
        moderno(json!({"operation": "retry", "sessionId": "s"}), json!({"status": 1012}), "The app asks again (retry)"),
        moderno(json!({"operation": "transfer", "sessionToken": "t", "sessionId": "s", "otp": "123456"}),
            json!({"status": 0}), "Transfer · offline: the app sends the passcode"),
        moderno(json!({"operation": "transfer", "sessionToken": "t", "sessionId": "s"}),
            json!({"status": 1012}), "beyond: waiting on a transfer by its sessionId"),
        moderno(json!({"operation": "transfer", "sessionToken": "t", "sum": "250", "recipient": "Bob"}),
            json!({"status": 0}), "Transfer · the signed-in user sends money"),
        moderno(json!({"operation": "auth_status", "sessionId": "s"}), json!({"status": 1012, "matchNumber": 42}), "beyond: auth_status"),
        moderno(json!({"operation": "select_device", "sessionId": "s", "deviceId": "d"}), json!({"status": 1012}), "beyond: select_device"),
        moderno(json!({"operation": "cancel", "sessionId": "s"}), json!({"status": 1000}), "beyond: cancel"),
        // The customer server's web pages.
        call(Customer, GET, "/", "Subflow 1 · 1. The user enters their credentials in the login page"),
        call(Customer, POST, "/pairing-key", "Subflow 1 · 2. The customer server verifies the credentials"),
        call(Customer, POST, "/pairing-key/fresh", "Subflow 1 · 4. The customer server displays a fresh pairing key"),
        call(Customer, GET, "/sign-in", "Web sign-in · the user opens the bank's sign-in page"),
        call(Customer, POST, "/sign-in", "Web sign-in · username and password: the customer server starts an authentication"),
        call(Customer, GET, "/sign-in/status", "Web sign-in · the page waits"),
        call(Customer, POST, "/sign-in/passcode", "Web sign-in · offline: the passcode"),
        // The customer server and the PingID SDK server.
        sdk(GET, "", "4a. The customer server checks if the user exists in the PingID SDK server: not yet")
            .query("expand=devices")
            .answering(404, json!({"code": "NOT_FOUND", "target": "user"})),
        sdk(GET, "", "4a. The customer server checks if the user exists in the PingID SDK server").answering(200, json!({"username": "alice", "status": "ACTIVE"})),
        call(PingIdSdk, POST, "/pingid/v1/accounts/acct/users", "4a. … the user is then created").sending(json!({"username": "alice"})),
        sdk(POST, "/registrationtokens", "Subflow 2 · 8. The customer server sends the pairing key")
            .sending(json!({"payload": payload, "pairingKey": "BCDFGHJKLMNP"})),
        sdk(POST, "/registrationtokens", "Subflow 2 · 3. The customer server communicates with the PingID SDK server")
            .sending(json!({"payload": payload}))
            .answering(400, json!({"code": "INVALID_DATA", "details": [{"code": "REQUIRED_VALUE", "target": "pairingKey"}]})),
        sdk(POST, "/registrationtokens", "4b. The customer server creates a registration token").sending(json!({"payload": payload})),
        call(PingIdSdk, POST, "/pingid/v1/accounts/acct/applications/app/pairingkeys", "Subflow 1 · 4. The customer server creates a pairing key"),
        call(PingIdSdk, GET, "/pingid/v1/accounts/acct/applications/app/pairingkeys/BCDFGHJKLMNP", "Subflow 2 · 8. The customer server looks the pairing key up"),
        sdk(POST, "/authentications", "Transfer · the customer server starts an authentication")
            .sending(json!({"authenticationType": "AUTHENTICATE", "clientContext": "{\"msg\":\"€250\",\"transactionType\":\"STEP_UP\"}"})),
        sdk(POST, "/authentications", "Web sign-in · the customer server starts an authentication without a payload")
            .sending(json!({"authenticationType": "AUTHENTICATE"})),
        sdk(POST, "/authentications", "Paired device · its own payload authenticates it")
            .sending(json!({"authenticationType": "AUTHENTICATE", "payload": payload}))
            .answering(201, json!({"status": "APPROVED", "level": "MOBILE_PAYLOAD"})),
        sdk(POST, "/authentications", "Additional device · offline: the trusted device cannot be reached")
            .sending(json!({"payload": payload}))
            .answering(201, json!({"status": "OTP", "level": "NONE"})),
        sdk(POST, "/authentications", "Additional device · SELECT_DEVICE")
            .sending(json!({"payload": payload}))
            .answering(201, json!({"status": "SELECT_DEVICE", "level": "NONE"})),
        sdk(POST, "/authentications", "Additional device · the device was blocked")
            .sending(json!({"payload": payload}))
            .answering(201, json!({"status": "REJECTED", "reason": "DEVICE_BLOCKED", "level": "NONE"})),
        sdk(POST, "/authentications", "Additional device · the device is ignored for now")
            .sending(json!({"payload": payload}))
            .answering(201, json!({"status": "IGNORED_DEVICE", "level": "NONE"})),
        sdk(POST, "/authentications", "Additional device · the customer server starts an authentication (push to the trusted device)")
            .sending(json!({"payload": payload}))
            .answering(201, json!({"status": "IN_PROGRESS", "level": "NONE", "accessingDevice": {"deviceName": "tablet"}})),
        sdk(GET, "/authentications/a1", "Transfer · the customer server polls the authentication once a second")
            .answering(200, json!({"status": "IN_PROGRESS", "clientContext": "{\"transactionType\":\"STEP_UP\"}"})),
        sdk(GET, "/authentications/a1", "Web sign-in · the customer server polls").answering(200, json!({"status": "IN_PROGRESS"})),
        sdk(GET, "/authentications/a1", "Additional device · the customer server polls it once a second, as Ping's sample does")
            .answering(200, json!({"status": "IN_PROGRESS", "accessingDevice": {"deviceName": "tablet"}})),
        sdk(DELETE, "/authentications/a1", "The customer server deletes the waiting authentication"),
        sdk(PUT, "/authentications/a1/otp", "Transfer · offline: the passcode from the trusted device")
            .sending(json!({"otp": "123456"}))
            .answering(200, json!({"status": "APPROVED", "clientContext": "{\"transactionType\":\"STEP_UP\"}"})),
        sdk(PUT, "/authentications/a1/otp", "Web sign-in · offline: the passcode").sending(json!({"otp": "123456"})),
        sdk(PUT, "/authentications/a1/otp", "Additional device · offline: the passcode from a trusted device").sending(json!({"otp": "123456", "payload": payload})),
        call(PingIdSdk, PUT, "/pingid/v1/accounts/acct/applications/app/settings", "beyond: the settings route"),
        sdk(PUT, "", "beyond: an administrator's route (user status").sending(json!({"status": "SUSPENDED"})),
        call(PingIdSdk, DELETE, "/pingid/v1/accounts/acct/users/alice/devices/d1", "The customer server deletes a device").answering(204, Value::Null),
        sdk(PUT, "/devices/d1", "beyond: an administrator's route (nickname").sending(json!({"deviceNickname": "x"})),
        sdk(DELETE, "/devices/d1", "beyond: an administrator's route (nickname, role, removal) at application scope"),
        // The SDK component and the PingID SDK server.
        call(PingIdSdk, POST, "/pingid/v1/device/pairings", "8. The PingID SDK component completes the pairing with the PingID SDK server")
            .sending(json!({"registrationTokenId": "t1", "trustLevel": "PRIMARY"})),
        call(PingIdSdk, GET, "/pingid/v1/device/pushes", "Transfer · the primary device receives the push")
            .query("waitSeconds=25")
            .answering(200, json!([{"authenticationId": "a1", "clientContext": "{\"transactionType\":\"STEP_UP\"}"}])),
        call(PingIdSdk, GET, "/pingid/v1/device/pushes", "Additional device · the trusted device receives the push about the new device")
            .answering(200, json!([{"authenticationId": "a1", "requestingDevice": {"deviceName": "tablet"}, "trustLevels": ["TRUSTED", "IGNORE"]}])),
        call(PingIdSdk, GET, "/pingid/v1/device/pushes", "Web sign-in · the trusted device receives the push").answering(200, json!([{"authenticationId": "a1"}])),
        call(PingIdSdk, POST, "/pingid/v1/device/pushes/a1", "Additional device · the trusted device answers: deny").sending(json!({"action": "DENY"})),
        call(PingIdSdk, POST, "/pingid/v1/device/pushes/a1", "Additional device · the trusted device answers: block").sending(json!({"action": "BLOCK"})),
        call(PingIdSdk, POST, "/pingid/v1/device/pushes/a1", "Additional device · the trusted device answers: trust")
            .sending(json!({"action": "APPROVE", "trustLevel": "TRUSTED"})),
        call(PingIdSdk, POST, "/pingid/v1/device/pushes/a1", "Additional device · the trusted device answers: ignore")
            .sending(json!({"action": "APPROVE", "trustLevel": "IGNORE", "ignoreInterval": {"value": 2, "unit": "HOURS"}})),
        call(PingIdSdk, POST, "/pingid/v1/device/pushes/a1", "Additional device · the trusted device answers: approve once").sending(json!({"action": "APPROVE"})),
        call(PingIdSdk, GET, "/pingid/v1/device/notices", "beyond: device notices"),
        call(PingIdSdk, PUT, "/pingid/v1/device/devices/d2", "beyond: device self-management"),
        // The app and PingFederate.
        call(PingFederate, GET, "/as/authorization.oauth2", "1. The app starts the flow")
            .query("client_id=moderno-desktop&response_mode=pi.flow")
            .answering(200, json!({"status": "USERNAME_PASSWORD_REQUIRED"})),
        pf_action("checkUsernamePassword", "AUTHENTICATION_REQUIRED", "1. The user completes first-factor authentication → 2. AUTHENTICATION_REQUIRED"),
        pf_action("authenticate", "MOBILE_PAIRING_REQUIRED", "4. The app invokes authenticate with the mobile payload → 5. MOBILE_PAIRING_REQUIRED with the serverPayload"),
        pf_action("poll", "PUSH_CONFIRMATION_WAITING", "5.1 The app invokes poll: PingFederate gets the status of the mobile push → 5.1 PUSH_CONFIRMATION_WAITING"),
        pf_action("checkOtp", "MFA_COMPLETED", "5.2 The app invokes checkOtp with the OTP value → MFA_COMPLETED"),
        pf_action("selectDevice", "OTP_REQUIRED", "5.3 The app invokes selectDevice with the deviceRef → 5.2 OTP_REQUIRED"),
        pf_action("continueAuthentication", "COMPLETED", "7. The app invokes continueAuthentication → COMPLETED"),
        call(PingFederate, POST, "/as/token.oauth2", "8. PingFederate returns an access token to the app"),
        // PingFederate and PingOne MFA.
        call(PingOne, POST, "/env/as/token", "PingFederate, PingOne's worker application, gets an access token")
            .sending(json!({"grant_type": "client_credentials"})),
        call(PingOne, GET, "/v1/environments/env/users", "PingFederate looks the user up at PingOne by username").query("filter=username%20eq%20%22bob%22"),
        call(PingOne, POST, "/v1/environments/env/users", "PingFederate creates the user at PingOne (the first sign-in only)"),
        call(PingOne, GET, "/v1/environments/env/users/u1/devices", "PingFederate reads the user's MFA devices from PingOne, in order (after MOBILE_PAIRING_REQUIRED, 7."),
        p1_action(POST, "/v1/environments/env/users/u1/devices", "devices.reorder", "setDefaultDevice: PingFederate puts the device first"),
        call(PingOne, PUT, "/v1/environments/env/users/u1/devices/d1/nickname", "updateDeviceNickname: PingFederate sets the device's nickname"),
        call(PingOne, DELETE, "/v1/environments/env/users/u1/devices/d1", "removeDevice: PingFederate deletes the MFA device"),
        call(PingOne, POST, "/env/deviceAuthentications", "4. PingFederate initializes a device authentication at PingOne (user.id, the mobile payload, application.id)")
            .answering(201, json!({"status": "PUSH_CONFIRMATION_REQUIRED"})),
        call(PingOne, POST, "/env/deviceAuthentications", "4. PingFederate initializes a device authentication at PingOne (user.id, the mobile payload, application.id) → 5. a user without devices")
            .answering(201, json!({"status": "COMPLETED", "idToken": "h.c.s"})),
        call(PingOne, GET, "/env/deviceAuthentications/a1", "5.1 PingFederate reads the device authentication at PingOne: where the mobile push is")
            .answering(200, json!({"status": "PUSH_CONFIRMATION_REQUIRED"})),
        call(PingOne, GET, "/env/deviceAuthentications/a1", "5. PingFederate reads the device authentication at PingOne: COMPLETED, with the PingOne ID token")
            .answering(200, json!({"status": "COMPLETED", "idToken": "h.c.s"})),
        p1_action(POST, "/env/deviceAuthentications/a1", "otp.check", "5.2 PingFederate submits the OTP value to PingOne (otp.check)"),
        p1_action(POST, "/env/deviceAuthentications/a1", "device.select", "5.3 PingFederate passes the selected device to PingOne (device.select)"),
        // The mobile SDK and PingOne MFA.
        call(PingOne, POST, "/device/pairings", "6. The app passes the serverPayload (the ID token) to the mobile SDK"),
        call(PingOne, GET, "/env/as/jwks", "6. The mobile SDK checks the ID token's signature"),
        call(PingOne, GET, "/device/pushes", "5.1 The push notification reaches the paired mobile").answering(200, json!([{"id": "a1"}])),
        call(PingOne, POST, "/device/pushes/a1", "5.1 The user approves or denies the push"),
        call(PingOne, GET, "/outbox/bob", "beyond: the demo's SMS and e-mail outbox"),
    ]
}

fn check(case: &Case) {
    let reading = read(&case.exchange());
    let what =
        format!("{} {} {}", case.method, case.path, case.request.as_ref().map(Value::to_string).unwrap_or_default());
    if let Some(reason) = case.expect.strip_prefix("beyond: ") {
        let said =
            reading.beyond_ping.unwrap_or_else(|| panic!("{what}: expected beyond Ping ({reason}), read {reading:?}"));
        assert!(said.starts_with(reason), "{what}: expected the reason to start {reason:?}, got {said:?}");
        assert_eq!(reading.step, None, "{what}: an extension's hop names no step of Ping's");
    } else {
        let step = reading.step.clone().unwrap_or_else(|| panic!("{what}: expected step {:?}, read none", case.expect));
        assert!(step.starts_with(case.expect), "{what}: expected the step to start {:?}, got {step:?}", case.expect);
        assert!(
            reading.source.is_some_and(|s| s.contains("https://")),
            "{what}: the step cites its document: {reading:?}"
        );
    }
}

#[test]
fn each_row_reads_its_exchange_as_the_step_of_pings_document_it_implements() {
    for case in cases() {
        check(&case);
    }
}

#[test]
fn every_row_of_the_table_is_the_first_fit_of_one_exchange_above() {
    let reached: BTreeSet<usize> = cases().iter().filter_map(|c| row_of(&c.exchange())).collect();
    let missed: Vec<&str> = (0..ROWS.len()).filter(|i| !reached.contains(i)).map(|i| ROWS[i].path).collect();
    assert!(missed.is_empty(), "rows no case reaches (dead or shadowed): {missed:?}");
}

#[test]
fn pingfederate_names_the_action_by_content_type_or_by_query_with_json() {
    let by_query = call(PingFederate, POST, FLOW_ID, "4. The app invokes authenticate")
        .query("action=authenticate")
        .sending(json!({"mobilePayload": "x"}))
        .answering(200, json!({"status": "PUSH_CONFIRMATION_WAITING"}));
    let reading = read(&by_query.exchange());
    assert_eq!(
        reading.step.as_deref(),
        Some("4. The app invokes authenticate with the mobile payload → 5.1 PUSH_CONFIRMATION_WAITING: a push to the paired mobile")
    );
    let mut upper = pf_action("x", "OTP_REQUIRED", "");
    upper.content_type = Some("Application/VND.PingIdentity.checkOtp+JSON; charset=utf-8".into());
    assert!(
        read(&upper.exchange()).step.is_some_and(|s| s.starts_with("5.2 The app invokes checkOtp")),
        "media types ignore case"
    );
    let refused = pf_action("checkOtp", "OTP_REQUIRED", "").answering(400, json!({"code": "VALIDATION_ERROR"}));
    assert!(read(&refused.exchange()).step.is_some_and(|s| s.ends_with("→ refused")), "a refused action says so");
}

#[test]
fn number_matching_marks_a_ping_hop_beyond_ping_and_keeps_its_step() {
    let login = moderno(
        json!({"operation": "auth_user", "pingIdPayload": "p"}),
        json!({"status": 1012, "matchNumber": 42}),
        "",
    );
    let reading = read(&login.exchange());
    assert!(reading.step.is_some_and(|s| s.starts_with("3. ")));
    assert!(reading.beyond_ping.is_some_and(|r| r.starts_with("number matching")), "{:?}", reading.beyond_ping);

    let push = call(PingIdSdk, GET, "/pingid/v1/device/pushes", "")
        .answering(200, json!([{"authenticationId": "a1", "requestingDevice": {}, "numberChoices": [12, 42, 77]}]));
    assert!(read(&push.exchange()).beyond_ping.is_some_and(|r| r.contains("numberChoices")));
    let answer = call(PingIdSdk, POST, "/pingid/v1/device/pushes/a1", "")
        .sending(json!({"action": "APPROVE", "trustLevel": "TRUSTED", "number": 42}));
    assert!(read(&answer.exchange()).beyond_ping.is_some());
    let plain = call(PingIdSdk, POST, "/pingid/v1/device/pushes/a1", "")
        .sending(json!({"action": "APPROVE", "trustLevel": "TRUSTED"}));
    assert_eq!(read(&plain.exchange()).beyond_ping, None, "without the number it is Ping's answer");
    // PingOne has number matching of its own: not an extension there.
    let p1 = call(PingOne, GET, "/device/pushes", "").answering(200, json!([{"id": "a1", "numberChoices": [1, 2, 3]}]));
    assert_eq!(read(&p1.exchange()).beyond_ping, None);
}

#[test]
fn the_emulators_own_codes_and_limits_are_beyond_ping() {
    let limited = sdk(POST, "/authentications", "")
        .sending(json!({"payload": "p"}))
        .answering(400, json!({"code": "REQUEST_FAILED", "details": [{"code": "RETRY_LIMIT_EXCEEDED"}]}));
    assert!(read(&limited.exchange()).beyond_ping.is_some_and(|r| r.starts_with("a limit")));
    let expired = moderno(json!({"operation": "auth_offline_user"}), json!({"status": 1033}), "");
    assert!(read(&expired.exchange()).beyond_ping.is_some_and(|r| r.contains("1030–1034")));
    let pings = moderno(json!({"operation": "auth_offline_user"}), json!({"status": 1025}), "");
    assert_eq!(read(&pings.exchange()).beyond_ping, None, "1025 is Ping's");
}

#[test]
fn an_exchange_no_document_has_keeps_no_step() {
    for case in [
        call(PingIdSdk, GET, "/pingid/v1/device/server-key", ""),
        call(Customer, GET, "/pairing-key.js", ""),
        call(PingFederate, GET, "/pf/JWKS", ""),
        call(PingFederate, GET, FLOW_ID, ""),
        call(PingIdSdk, GET, "/pingid/v1/accounts/acct/applications/app/users/alice/extra/segments", ""),
    ] {
        assert_eq!(read(&case.exchange()), Reading::default(), "{} {}", case.method, case.path);
    }
}

#[test]
fn paths_fit_by_segment_and_alternative() {
    assert!(path_fits("/a/*/c", "/a/b/c"));
    assert!(!path_fits("/a/*/c", "/a//c"), "a wildcard needs a segment");
    assert!(!path_fits("/a/*", "/a/b/c"), "one segment only");
    assert!(path_fits("/x|/a/*", "/a/b"));
    assert!(path_fits("/", "/") && !path_fits("/", "/sign-in"));
    assert!(
        path_fits("/a/**", "/a/b") && path_fits("/a/**", "/a/b/c") && !path_fits("/a/**", "/a"),
        "** takes the rest"
    );
    assert!(path_fits("**", "/anything/at/all"));
}

/// The reason a Ping hop is marked with, its step kept.
fn marked_step(case: &Case, step: &str) -> &'static str {
    let reading = read(&case.exchange());
    assert!(reading.step.as_deref().is_some_and(|s| s.starts_with(step)), "the step is kept: {reading:?}");
    reading.beyond_ping.unwrap_or_else(|| panic!("marked beyond Ping: {reading:?}"))
}

#[test]
fn moderno_answers_carrying_the_emulators_fields_are_marked_and_keep_their_step() {
    let logged_in = moderno(
        json!({"operation": "auth_user", "pingIdPayload": "p"}),
        json!({"status": 0, "mfa": "PASSED", "sessionToken": "s"}),
        "",
    );
    assert_eq!(marked_step(&logged_in, "3. "), "Moderno fields Ping's sample lacks (sessionToken, mfa)");
    let waiting = moderno(
        json!({"operation": "auth_user", "pingIdPayload": "p"}),
        json!({"status": 1012, "pushExpiresIn": 40}),
        "",
    );
    assert_eq!(marked_step(&waiting, "3. "), "Moderno fields Ping's sample lacks (pushExpiresIn)");
    let offline = moderno(
        json!({"operation": "auth_offline_user", "otp": "1"}),
        json!({"status": 1015, "otpAttemptsLeft": 2}),
        "",
    );
    assert_eq!(
        marked_step(&offline, "Additional device · offline"),
        "Moderno fields Ping's sample lacks (otpAttemptsLeft)"
    );
    let pings = moderno(
        json!({"operation": "auth_user", "pingIdPayload": "p"}),
        json!({"status": 0, "registrationToken": "t", "pingIdPayload": "p"}),
        "",
    );
    assert_eq!(read(&pings.exchange()).beyond_ping, None, "Ping's fields only");
}

#[test]
fn a_transfer_sending_a_session_token_and_a_recipient_is_marked_and_keeps_its_step() {
    let transfer = moderno(
        json!({"operation": "transfer", "sessionToken": "t", "sum": "250", "recipient": "Bob"}),
        json!({"status": 0, "sum": "250.00"}),
        "",
    );
    assert_eq!(
        marked_step(&transfer, "Transfer · the signed-in user sends money"),
        "Moderno fields Ping's sample lacks (sessionToken, recipient)"
    );
    let approved = moderno(
        json!({"operation": "transfer", "sessionToken": "t", "sum": "250"}),
        json!({"status": 0, "mfa": "PASSED"}),
        "",
    );
    assert_eq!(
        marked_step(&approved, "Transfer · "),
        "Moderno fields Ping's sample lacks (mfa, sessionToken)",
        "each field once, in one reason"
    );
    let pings_way = moderno(
        json!({"operation": "transfer", "sessionId": "the-session-token", "sum": "250"}),
        json!({"status": 0}),
        "",
    );
    let reading = read(&pings_way.exchange());
    assert!(
        reading.step.is_some_and(|s| s.starts_with("Transfer · the signed-in user sends money")),
        "Ping's transfer, its session in sessionId"
    );
    assert_eq!(reading.beyond_ping, None, "Ping's fields only");
    let elsewhere = moderno(
        json!({"operation": "auth_user", "pingIdPayload": "p", "recipient": "Bob"}),
        json!({"status": 1000}),
        "",
    );
    assert_eq!(read(&elsewhere.exchange()).beyond_ping, None, "only the transfer's request is read for them");
}

#[test]
fn sdk_authentications_carrying_the_emulators_fields_are_marked_and_keep_their_step() {
    let otp = sdk(POST, "/authentications", "").sending(json!({"payload": "p"})).answering(
        201,
        json!({"status": "OTP", "level": "NONE", "otpAttemptsLeft": 3, "expiresAt": "2025-01-01T00:30:00Z"}),
    );
    assert_eq!(
        marked_step(&otp, "Additional device · offline"),
        "Authentication fields Ping's model lacks (otpAttemptsLeft, expiresAt)"
    );
    let select = sdk(POST, "/authentications", "").sending(json!({"payload": "p"})).answering(
        201,
        json!({"status": "SELECT_DEVICE", "level": "NONE", "devices": [{"id": "d1", "deviceType": "iPhone"}]}),
    );
    assert_eq!(
        marked_step(&select, "Additional device · SELECT_DEVICE"),
        "Authentication fields Ping's model lacks (devices)"
    );
    let poll = sdk(GET, "/authentications/a1", "").answering(200, json!({"status": "IN_PROGRESS", "expiresAt": "t"}));
    assert!(marked_step(&poll, "Web sign-in · the customer server polls").contains("(expiresAt)"));
    let checked = sdk(PUT, "/authentications/a1/otp", "")
        .sending(json!({"otp": "1"}))
        .answering(400, json!({"otpAttemptsLeft": 1}));
    assert!(marked_step(&checked, "Web sign-in · offline").contains("(otpAttemptsLeft)"));
    let user = sdk(GET, "", "")
        .query("expand=devices")
        .answering(200, json!({"username": "alice", "devices": [{"id": "d1", "deviceType": "iPhone"}]}));
    assert_eq!(read(&user.exchange()).beyond_ping, None, "a user's devices are Ping's");
}

#[test]
fn sdk_devices_used_or_desktop_are_marked_wherever_pings_api_returns_them() {
    let user = sdk(GET, "", "")
        .query("expand=devices")
        .answering(200, json!({"username": "alice", "devices": [{"id": "d1", "deviceType": "iPhone"}, {"id": "d2", "deviceType": "Desktop", "lastUsed": "t"}]}));
    assert_eq!(marked_step(&user, "4a. "), "Device fields Ping's model lacks (lastUsed, deviceType Desktop)");
    let listed =
        sdk(GET, "/devices", "").answering(200, json!([{"id": "d1", "deviceType": "Android", "lastUsed": "t"}]));
    assert_eq!(
        read(&listed.exchange()).beyond_ping,
        Some("Device fields Ping's model lacks (lastUsed)"),
        "a hop without a step is marked too"
    );
    let desktop = sdk(POST, "/authentications", "")
        .sending(json!({"payload": "p"}))
        .answering(201, json!({"status": "IN_PROGRESS", "level": "NONE", "accessingDevice": {"deviceType": "Desktop"}, "expiresAt": "t"}));
    assert_eq!(
        marked_step(&desktop, "Additional device · the customer server starts"),
        "Authentication fields Ping's model lacks (expiresAt); Device fields Ping's model lacks (deviceType Desktop)",
        "one reason names every field found"
    );
    let phone = sdk(GET, "", "").answering(
        200,
        json!({"username": "alice", "devices": [{"id": "d1", "deviceType": "iPhone", "lastUsed": null}]}),
    );
    assert_eq!(read(&phone.exchange()).beyond_ping, None, "an iPhone never used: Ping's device");
    let device_api = call(PingIdSdk, POST, "/pingid/v1/device/pairings", "")
        .answering(201, json!({"device": {"deviceType": "Desktop", "lastUsed": "t"}}));
    assert_eq!(
        read(&device_api.exchange()).beyond_ping,
        None,
        "the device API is the emulator's own protocol, not Ping's model"
    );
}

#[test]
fn deleting_a_device_is_pings_at_account_scope_and_an_extension_at_application_scope() {
    let account =
        call(PingIdSdk, DELETE, "/pingid/v1/accounts/acct/users/alice/devices/d1", "").answering(204, Value::Null);
    let reading = read(&account.exchange());
    assert_eq!(reading.step.as_deref(), Some("The customer server deletes a device"));
    assert!(reading.source.is_some_and(|s| s.contains("pid_c_SDKapiUserDevices")), "{reading:?}");
    assert_eq!(reading.beyond_ping, None);
    let application = sdk(DELETE, "/devices/d1", "").answering(204, Value::Null);
    let reading = read(&application.exchange());
    assert!(
        reading.step.is_none() && reading.beyond_ping.is_some_and(|r| r.contains("application scope")),
        "{reading:?}"
    );
}

#[test]
fn a_reason_is_kept_once_however_often_it_is_read() {
    let login = || {
        moderno(json!({"operation": "auth_user"}), json!({"status": 1012, "matchNumber": 42, "pushExpiresIn": 40}), "")
    };
    let (first, again) = (read(&login().exchange()).beyond_ping, read(&login().exchange()).beyond_ping);
    assert_eq!(first, Some("number matching (matchNumber): Ping's Moderno has none; Moderno fields Ping's sample lacks (pushExpiresIn)"));
    assert!(first.zip(again).is_some_and(|(a, b)| std::ptr::eq(a, b)), "the same text, kept once");
}

// The PingOne MFA integration kit's automatic pairing: the adapter "responds with an ID token"
// (https://docs.pingidentity.com/integrations/pingone/pingone_mfa_integration_kit/pf_p1_mfa_ik_overview_of_the_automatic_device_pairing_flow.html);
// PingOne's "MFA Device Authentications" data model has no field carrying it.
#[test]
fn the_pairing_token_on_a_device_authentication_is_marked_beyond_pingone_and_nothing_else_there_is() {
    let completed = call(PingOne, GET, "/env/deviceAuthentications/a1", "")
        .answering(200, json!({"status": "COMPLETED", "idToken": "h.c.s", "user": {"id": "u1"}}));
    let reading = read(&completed.exchange());
    assert!(reading.beyond_ping.is_some_and(|r| r.starts_with("idToken: PingOne publishes no call")), "{reading:?}");
    let started = call(PingOne, POST, "/env/deviceAuthentications", "")
        .sending(json!({"user": {"id": "u1"}, "mobilePayload": "p", "application": {"id": "app"}}))
        .answering(201, json!({"status": "OTP_REQUIRED", "user": {"id": "u1"}}));
    assert_eq!(read(&started.exchange()).beyond_ping, None, "mobilePayload and application.id are PingOne's");
}

#[test]
fn the_number_shown_on_the_signing_in_side_is_marked_at_pingone_and_at_pingfederate() {
    let pingone = call(PingOne, GET, "/env/deviceAuthentications/a1", "").answering(
        200,
        json!({"status": "PUSH_CONFIRMATION_REQUIRED", "numberMatching": {"type": "SELECT_NUMBER", "number": 42}}),
    );
    let reading = read(&pingone.exchange());
    assert!(reading.beyond_ping.is_some_and(|r| r.starts_with("number matching (numberMatching)")), "{reading:?}");
    let mut waiting = pf_action("poll", "PUSH_CONFIRMATION_WAITING", "");
    waiting.response = Some(json!({"status": "PUSH_CONFIRMATION_WAITING", "matchNumber": 42, "_links": {}}));
    let reading = read(&waiting.exchange());
    assert!(reading.beyond_ping.is_some_and(|r| r.starts_with("number matching (matchNumber)")), "{reading:?}");
    assert_eq!(read(&pf_action("poll", "PUSH_CONFIRMATION_WAITING", "").exchange()).beyond_ping, None);
}
