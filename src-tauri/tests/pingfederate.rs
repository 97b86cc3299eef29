//! The command layer on Tauri's mock runtime with the PingFederate backend: Ping's "device
//! pairing flows" (PingOne MFA adapter) through the same commands the window uses.

mod common;

use common::{embedded_pingfederate, launch_on, memory, TestApp, PASSWORD};
use moderno_desktop::Backend;
use moderno_stack::StackConfig;
use serde_json::{json, Value};

const PAIRED: &str = "com.pingidentity.pingone.device_paired";

fn pair(app: &TestApp, yes: bool) -> Value {
    app.ok("pair_device", json!({"request": {"pair": yes}}))
}

fn claim<'a>(signed_in: &'a Value, name: &str) -> Option<&'a str> {
    signed_in["pingone"]["claims"].as_array()?.iter().find(|c| c["name"] == name)?["value"].as_str()
}

/// A second window (another profile) on the first one's PingFederate.
fn second_window(first: &TestApp, profile: &str) -> TestApp {
    let unused = StackConfig::loopback(std::env::temp_dir().join("moderno-unused"));
    launch_on(profile, Backend::PingfederatePingoneMfa, Some(first.server_url()), unused, memory())
}

/// bob's phone paired as his first device, and a laptop window on the phone's PingFederate.
fn phone_and_laptop(dir: &std::path::Path) -> (TestApp, TestApp) {
    let phone = embedded_pingfederate("phone", dir, memory(), false);
    phone.login("bob");
    pair(&phone, true);
    let laptop = second_window(&phone, "laptop");
    (phone, laptop)
}

/// The phone answers the push waiting for it with `choice` (APPROVE or DENY: PingOne's pushes
/// have no trust level to choose; `number`: picked under number matching); returns the push as
/// the window saw it.
fn answer_push(phone: &TestApp, choice: &str, number: &Value) -> Value {
    let push = phone.next_push();
    phone.answer(&push, choice, json!({"number": number})).unwrap_or_else(|e| panic!("{choice} failed: {e}"));
    push
}

/// The newest passcode in the demo outbox, read the way the window shows it.
fn newest_code(app: &TestApp) -> String {
    let messages = app.ok("demo_messages", json!({}));
    let text = messages[0]["text"].as_str().unwrap_or_else(|| panic!("a message arrived: {messages}"));
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("a code in {text:?}"))
        .to_string()
}

#[test]
fn a_first_device_pairs_at_mobile_pairing_required_and_the_token_says_device_paired() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded_pingfederate("phone", dir.path(), memory(), false);
    let connection = app.ok("connection", json!({}));
    assert_eq!(connection["backend"], "PINGFEDERATE_PINGONE_MFA", "{connection}");
    assert_eq!(connection["backends"], json!(["MODERNO_PINGID_SDK", "PINGFEDERATE_PINGONE_MFA"]));
    // The window says where Ping's widget is: PingFederate's own origin.
    let widget = format!("{}/widget/", connection["serverUrl"].as_str().expect("serverUrl").trim_end_matches('/'));
    assert_eq!(connection["webSignInUrl"], json!(widget), "{connection}");

    let offer = app.login("bob");
    assert_eq!(offer, json!({"screen": "PAIR_THIS_DEVICE", "username": "bob", "additional": false}));
    let result = pair(&app, true);
    assert_eq!(result["screen"], "SIGNED_IN", "{result}");
    assert_eq!(result["pingone"]["mfaStatus"], PAIRED);
    assert_eq!(result["pingone"]["pairing"], "PAIRED");
    // PingOne pairs without trust levels or device roles: the SDK approves the pairing object the
    // PingOne ID token offers (`pingidentity/pingone-mobile-sdk-android` README, `processIdToken`).
    assert_eq!(result["role"], Value::Null, "a PingOne device has no role: {result}");
    assert_eq!(claim(&result, "sub"), Some("bob"));
    assert_eq!(claim(&result, "pingone.mfa.status"), Some(PAIRED), "the claims are the verified token's");

    let state = app.ok("device_state", json!({}));
    assert_eq!(
        (state["paired"].clone(), state["backend"].clone(), state["username"].clone()),
        (json!(true), json!("PINGFEDERATE_PINGONE_MFA"), json!("bob"))
    );
    assert_eq!(app.ok("connection", json!({}))["paired"], true);
    assert_eq!(
        app.error_code("pair_device", json!({"request": {"pair": true}})),
        "no_login_in_progress",
        "the login is over"
    );
}

#[test]
fn going_on_without_pairing_signs_in_with_device_not_paired() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded_pingfederate("kiosk", dir.path(), memory(), false);
    assert_eq!(app.login("alice")["screen"], "PAIR_THIS_DEVICE");
    let result = pair(&app, false);
    assert_eq!(result["pingone"]["mfaStatus"], "com.pingidentity.pingone.device_not_paired", "{result}");
    assert_eq!(result["pingone"]["pairing"], "SKIPPED");
    assert_eq!(app.ok("device_state", json!({}))["paired"], false, "nothing was kept");
}

#[test]
fn an_additional_device_waits_for_the_push_then_pairs_when_the_phone_approves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (phone, laptop) = phone_and_laptop(dir.path());
    let waiting = laptop.login("bob");
    assert_eq!(waiting["screen"], "WAIT_FOR_PUSH", "{waiting}");
    // PingFederate's adapter names a PingOne MOBILE device `Android` or `iPhone` (Ping's widget,
    // `pingidentity/pf-authn-js-widget:src/partials/device_selection.hbs`).
    assert_eq!(waiting["device"]["deviceType"], "Android", "the push goes to the paired mobile: {waiting}");
    assert!(waiting["expiresIn"].as_u64().is_some_and(|s| s > 0), "{waiting}");
    assert_eq!(laptop.ok("poll_push", json!({}))["screen"], "WAIT_FOR_PUSH", "nobody answered yet");
    let number = waiting["matchNumber"].clone();
    assert!(number.as_u64().is_some_and(|n| (10..=99).contains(&n)), "the laptop shows PingOne's number: {waiting}");

    let push = answer_push(&phone, "APPROVE", &number);
    assert_eq!(push["username"], "bob", "{push}");
    assert!(push["numberChoices"].as_array().is_some_and(|c| c.len() == 3 && c.contains(&number)), "{push}");
    assert_eq!(push["trustLevels"], json!([]), "PingOne's push asks approve or deny only: {push}");

    let offer = laptop.ok("poll_push", json!({}));
    assert_eq!(offer, json!({"screen": "PAIR_THIS_DEVICE", "username": "bob", "additional": true}));
    let result = pair(&laptop, true);
    assert_eq!(result["pingone"]["mfaStatus"], PAIRED, "{result}");
    assert_eq!(result["pingone"]["pairing"], "PAIRED");
    assert_eq!(result["role"], Value::Null, "an additional PingOne device has no role either: {result}");
}

#[test]
fn a_denied_push_can_be_sent_again_and_cancelling_ends_the_flow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (phone, laptop) = phone_and_laptop(dir.path());
    assert_eq!(laptop.login("bob")["screen"], "WAIT_FOR_PUSH");
    answer_push(&phone, "DENY", &Value::Null);

    let denied = laptop.ok("poll_push", json!({}));
    assert_eq!(denied["screen"], "PUSH_DENIED", "{denied}");
    assert_eq!(denied["devices"][0]["deviceType"], "Android", "the devices to choose from instead: {denied}");
    assert_eq!(laptop.ok("retry_push", json!({}))["screen"], "WAIT_FOR_PUSH", "another push to the same phone");
    laptop.ok("cancel_login", json!({}));
    assert_eq!(laptop.error_code("poll_push", json!({})), "no_login_in_progress");
    assert_eq!(laptop.ok("device_state", json!({}))["paired"], false, "the laptop did not pair");
}

#[test]
fn an_sms_only_user_types_the_passcode_from_the_demo_outbox_after_a_wrong_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded_pingfederate("laptop", dir.path(), memory(), true);
    let otp = app.login("carol");
    assert_eq!(otp["screen"], "ENTER_OTP", "carol's only device is her phone's SMS: {otp}");
    assert_eq!(otp["device"]["deviceType"], "SMS");
    assert_eq!(otp["retry"], false);
    let messages = app.ok("demo_messages", json!({}));
    assert_eq!(messages[0]["channel"], "SMS", "{messages}");
    let code = newest_code(&app);

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let retry = app.ok("submit_otp", json!({"request": {"code": wrong}}));
    assert_eq!(retry["screen"], "ENTER_OTP", "{retry}");
    assert_eq!(retry["retry"], true);
    assert_eq!(retry["attemptsLeft"], 2, "three tries in all");
    assert_eq!(app.error_code("submit_otp", json!({"request": {"code": "12ab"}})), "invalid_input", "not sent at all");

    let offer = app.ok("submit_otp", json!({"request": {"code": code}}));
    assert_eq!(offer["screen"], "PAIR_THIS_DEVICE", "{offer}");
    assert_eq!(offer["additional"], true);
    let result = pair(&app, true);
    assert_eq!(result["pingone"]["mfaStatus"], PAIRED, "{result}");
}

#[test]
fn a_user_with_two_devices_chooses_one_and_gets_its_passcode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded_pingfederate("laptop", dir.path(), memory(), true);
    let choose = app.login("dave");
    assert_eq!(choose["screen"], "CHOOSE_DEVICE", "{choose}");
    let devices = choose["devices"].as_array().expect("devices");
    let types: Vec<&str> = devices.iter().filter_map(|d| d["deviceType"].as_str()).collect();
    assert_eq!(types, ["Email", "SMS"], "in the user's order, with the adapter's type names: {choose}");
    assert_eq!(devices[0]["isDefault"], true);
    assert_eq!(devices[0]["nickname"], "Work mail");
    assert_eq!(app.error_code("select_device", json!({"request": {"deviceId": " "}})), "invalid_input");

    let otp = app.ok("select_device", json!({"request": {"deviceId": devices[0]["id"]}}));
    assert_eq!(otp["screen"], "ENTER_OTP", "{otp}");
    assert_eq!(otp["device"]["deviceType"], "Email");
    assert_eq!(app.ok("demo_messages", json!({}))[0]["channel"], "EMAIL");
    let code = newest_code(&app);
    assert_eq!(app.ok("submit_otp", json!({"request": {"code": code}}))["screen"], "PAIR_THIS_DEVICE");
}

#[test]
fn wrong_inputs_get_plain_refusals_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded_pingfederate("laptop", dir.path(), memory(), false);
    let refused = app.ok("login", json!({"request": {"username": "bob", "password": "nope", "pairingKey": null}}));
    assert_eq!(refused["screen"], "REFUSED", "{refused}");
    assert_eq!(refused["code"], "CREDENTIAL_VALIDATION_FAILED");
    assert!(refused["description"].as_str().is_some_and(|d| !d.contains("nope")), "{refused}");
    let with_key = json!({"request": {"username": "bob", "password": PASSWORD, "pairingKey": "ABCD-EFGH-JKLM"}});
    assert_eq!(app.error_code("login", with_key), "invalid_input");
    assert_eq!(app.error_code("demo_messages", json!({})), "no_login_in_progress");

    assert_eq!(app.login("bob")["screen"], "PAIR_THIS_DEVICE");
    let trust = json!({"request": {"level": "PRIMARY", "ignoreFor": null, "nickname": null}});
    assert_eq!(app.error_code("choose_trust_level", trust), "not_asked", "a PingID SDK step on a PingFederate login");
    assert_eq!(app.error_code("submit_pairing_key", json!({"request": {"code": "ABCD-EFGH-JKLM"}})), "not_asked");
    assert_eq!(app.ok("device_state", json!({}))["paired"], false, "refusals changed nothing");
    assert_eq!(pair(&app, true)["pingone"]["mfaStatus"], PAIRED, "the flow still goes on after them");

    let moderno = json!({"request": {"profile": "laptop", "backend": "MODERNO_PINGID_SDK", "serverUrl": null}});
    assert_eq!(
        app.ok("connect", moderno)["backend"],
        "MODERNO_PINGID_SDK",
        "the backend switches on the connection screen"
    );
    assert_eq!(app.ok("device_state", json!({}))["paired"], false, "the PingID SDK pairing is another one");
}
