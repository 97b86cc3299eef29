//! Second factors over real HTTP, as PingOne's device authentications run them ("MFA Device
//! Authentications": https://developer.pingidentity.com/pingone-api/mfa/mfa-authentication/mfa-device-authentications.html):
//! push to the paired mobile, SMS/e-mail passcodes through the outbox, TOTP, and the
//! three-strikes lock.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::device::{approve_shown, match_number, totp_code_for, TestDevice};
use common::mfa_server::{test_clock, MfaServer};
use moderno_wire::pingone::{DenyReason, PushDecision};
use pingone_mfa_server::{DEMO_DEFAULT_POLICY_ID, DEMO_NUMBER_MATCHING_POLICY_ID};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// "Initialize Device Authentication": `POST {authPath}/{envId}/deviceAuthentications {user: {id}}`.
async fn start(mfa: &MfaServer, user: &str, body: Value) -> Value {
    let (status, auth) = mfa.start_auth(user, body).await;
    assert_eq!(status, StatusCode::CREATED, "{auth}");
    auth
}

/// "Read Device Authentication".
async fn read(mfa: &MfaServer, auth: &Value) -> Value {
    let (status, body) = mfa.get(&mfa.auth_url(auth["id"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

// A new device's payload goes with the authentication, with its native application
// (`application.id`: "required only during device authorization flows when the mobilePayload value
// is provided", "MFA Device Authentications" data model); the PingOne ID token that pairs it comes
// once the second factor passed (integration kit, "Overview of the automatic device pairing flow").
#[tokio::test]
async fn a_paired_device_payload_completes_at_once_and_a_new_device_gets_a_push_it_can_pair_after() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let phone = mfa.paired_phone("alice", 1).await;
    let own = start(&mfa, "alice", json!({"mobilePayload": phone.mobile_payload()})).await;
    assert_eq!(own["status"], "COMPLETED");
    assert_eq!(own["selectedDevice"]["id"], phone.device_id.as_deref().unwrap(), "{own}");

    let mut laptop = TestDevice::new(2, "laptop", &clock);
    let auth = start(&mfa, "alice", json!({"mobilePayload": laptop.mobile_payload()})).await;
    assert_eq!(auth["status"], "PUSH_CONFIRMATION_REQUIRED");
    assert!(auth.get("numberMatching").is_none(), "the default policy asks for no number: {auth}");
    assert!(auth.get("idToken").is_none(), "no pairing before the second factor: {auth}");
    assert!(read(&mfa, &auth).await.get("idToken").is_none(), "nor while the push waits");

    let (status, answered) = phone.answer_next_push(&mfa.url, PushDecision::approve(None)).await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    let completed = read(&mfa, &auth).await;
    assert_eq!(completed["status"], "COMPLETED");
    let token = completed["idToken"].as_str().expect("the completed authentication pairs the new device").to_string();
    assert_eq!(read(&mfa, &auth).await["idToken"], token.as_str(), "every read shows the one token");
    let planned = TestDevice::id_token_claims(&token).pairing.device.expect("the new device's id").id;

    let (status, done) = laptop.complete_pairing(&token).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["device"]["id"], planned.as_str(), "the device has the id the token named");
    let devices = mfa.devices("alice").await;
    assert_eq!(devices.len(), 2);
    assert!(devices.iter().any(|d| d["id"] == planned.as_str() && d["type"] == "MOBILE"), "{devices:?}");
    assert!(read(&mfa, &auth).await.get("idToken").is_none(), "an approved pairing is no longer offered");
    let (status, twice) = laptop.complete_pairing(&token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an authentication pairs once: {twice}");
    assert_eq!(mfa.devices("alice").await.len(), 2);
}

#[tokio::test]
async fn a_mobile_payload_without_its_application_is_refused_and_nothing_is_started() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("gina").await;
    let phone = TestDevice::new(9, "phone", &clock);
    let url = format!("{}/{}/deviceAuthentications", mfa.url, common::mfa_server::ENV);
    let user = json!({"id": mfa.user_id("gina").await});
    // Ping's 400 schema: INVALID_DATA with detail REQUIRED_VALUE / INVALID_VALUE and a target.
    let (status, body) = mfa.post(&url, json!({"user": user, "mobilePayload": phone.mobile_payload()})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!((&body["code"], &body["details"][0]["code"]), (&json!("INVALID_DATA"), &json!("REQUIRED_VALUE")));
    assert_eq!(body["details"][0]["target"], "application.id", "{body}");
    let other = json!({"user": user, "mobilePayload": phone.mobile_payload(), "application": {"id": "another-app"}});
    let (status, body) = mfa.post(&url, other).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        (&body["details"][0]["code"], &body["details"][0]["target"]),
        (&json!("INVALID_VALUE"), &json!("application.id"))
    );
    assert!(mfa.devices("gina").await.is_empty(), "nothing paired");
    // Named, the application lets the first device pair.
    let token = mfa.first_device_token("gina", phone.mobile_payload()).await;
    assert_eq!(TestDevice::id_token_claims(&token).aud, pingone_mfa_server::DEMO_APPLICATION_ID);
}

#[tokio::test]
async fn a_denied_push_is_rejected_and_an_unanswered_one_times_out() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let phone = mfa.paired_phone("bob", 3).await;
    let denied = start(&mfa, "bob", json!({})).await;
    let (status, body) = phone.answer_next_push(&mfa.url, PushDecision::deny(DenyReason::None)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "FAILED", "a failure is FAILED with an error object: {body}");
    assert_eq!(body["error"]["code"], "PUSH_DENIED");
    let (status, again) = phone.answer(&mfa.url, denied["id"].as_str().unwrap(), PushDecision::approve(None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a push is answered once: {again}");
    assert_eq!(read(&mfa, &denied).await["status"], "FAILED");

    let waiting = start(&mfa, "bob", json!({})).await;
    clock.advance(chrono::Duration::seconds(41));
    let timed_out = read(&mfa, &waiting).await;
    assert_eq!(timed_out["status"], "PUSH_CONFIRMATION_TIMED_OUT");
    assert!(timed_out["_links"].get("device.select").is_some(), "another device may be selected: {timed_out}");
    assert!(phone.pushes(&mfa.url, 0).await.is_empty(), "an expired push is no longer delivered");
    let (status, _) = phone.answer(&mfa.url, waiting["id"].as_str().unwrap(), PushDecision::approve(None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

// `created_at` is in seconds: the pushes of one second list in the order they were made all the
// same, on either database (the test clock stands still: every push here is of one second). The
// pushes are made in another order than their authentications were, and a later write to the
// oldest push's row (as any write to it, or PostgreSQL's reuse of freed space, moves a row in
// its table) must not move it in the list either.
#[tokio::test]
async fn a_devices_pushes_made_in_one_second_list_in_the_order_they_were_made() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let phone = mfa.paired_phone("bob", 3).await;
    mfa.add_device("bob", "SMS").await;
    let devices = mfa.devices("bob").await;
    let mobile = devices.iter().find(|d| d["type"] == "MOBILE").unwrap()["id"].as_str().unwrap().to_owned();
    let first = start(&mfa, "bob", json!({})).await;
    let second = start(&mfa, "bob", json!({})).await;
    for auth in [&first, &second] {
        assert_eq!(auth["status"], "DEVICE_SELECTION_REQUIRED", "{auth}");
    }
    // Three pushes (under PingOne's five per user in ten minutes): the second authentication's,
    // the first's, then one started on the phone at once.
    for auth in [&second, &first] {
        let (status, selected) = mfa.select(auth, &mobile).await;
        assert_eq!((status, &selected["status"]), (StatusCode::OK, &json!("PUSH_CONFIRMATION_REQUIRED")), "{selected}");
    }
    let third = start(&mfa, "bob", json!({"selectedDevice": {"id": mobile}})).await;
    assert_eq!(third["status"], "PUSH_CONFIRMATION_REQUIRED", "{third}");
    let made: Vec<String> = [&second, &first, &third].map(|auth| auth["id"].as_str().unwrap().to_owned()).to_vec();
    let listed =
        async || -> Vec<String> { phone.pushes(&mfa.url, 0).await.into_iter().map(|p| p.authentication_id).collect() };
    assert_eq!(listed().await, made, "oldest push first");

    let oldest = made[0].clone();
    let rewritten = mfa
        .state
        .database()
        .write(move |c| c.execute("UPDATE authentications SET updated_at = updated_at WHERE id = ?1", [oldest]))
        .await
        .unwrap();
    assert_eq!(rewritten, 1);
    assert_eq!(listed().await, made, "a row written again keeps its place");
}

// PingOne's SDK protocol is unpublished; the emulator's device API signs requests in a header
// of no product (`X-Device-Signature: DEVICE ..`), not the PingID SDK's.
#[tokio::test]
async fn pingones_device_api_takes_its_own_signature_header_and_not_pingids() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let phone = mfa.paired_phone("hank", 9).await;
    assert_eq!(phone.pushes(&mfa.url, 0).await.len(), 0, "the neutral header is accepted");
    let url = format!("{}/device/pushes?waitSeconds=0", mfa.url);
    let request = moderno_crypto::device_signature::SignedRequest {
        method: "GET",
        path: "/device/pushes",
        query: "waitSeconds=0",
        body: b"",
    };
    let pingid = moderno_crypto::device_signature::sign(&phone.key, &request, clock.unix(), &"ab".repeat(16));
    for (name, value) in [("x-pingid-device-signature", pingid.clone()), ("x-device-signature", pingid)] {
        let response = mfa.client.get(&url).header(name, value).send().await.unwrap();
        let (status, body): (StatusCode, Value) = (response.status(), response.json().await.unwrap());
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        assert_eq!(body["code"], "ACCESS_FAILED", "{name}: {body}");
    }
}

// The SDK denies with a `DenyReason` (NONE, REPORT_FRAUD, BIOMETRICS_REJECTED) and has no BLOCK
// (`pingidentity/pingone-mobile-sdk-android`, Dokka `-notification-object/deny`,
// `types/-deny-reason/`): a BLOCK answer is refused and leaves the push waiting.
#[tokio::test]
async fn a_push_is_denied_with_the_sdks_reason_and_a_block_is_not_a_pingone_answer() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let phone = mfa.paired_phone("gina", 8).await;
    let waiting = start(&mfa, "gina", json!({})).await;
    let id = waiting["id"].as_str().unwrap();
    let block = serde_json::to_vec(&json!({"action": "BLOCK"})).unwrap();
    let response = phone.signed(reqwest::Method::POST, &format!("{}/device/pushes/{id}", mfa.url), Some(block)).await;
    let (status, refused): (StatusCode, Value) = (response.status(), response.json().await.unwrap());
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["code"], "INVALID_REQUEST", "{refused}");
    assert_eq!(read(&mfa, &waiting).await["status"], "PUSH_CONFIRMATION_REQUIRED", "the push still waits");

    let (status, denied) = phone.answer(&mfa.url, id, PushDecision::deny(DenyReason::ReportFraud)).await;
    assert_eq!(status, StatusCode::OK, "{denied}");
    assert_eq!(
        (denied["status"].as_str(), denied["error"]["code"].as_str()),
        (Some("FAILED"), Some("PUSH_DENIED")),
        "{denied}"
    );
    assert!(
        denied["error"]["message"].as_str().is_some_and(|m| m.contains("REPORT_FRAUD")),
        "the reason is told: {denied}"
    );

    let again = start(&mfa, "gina", json!({})).await;
    let (_, denied) =
        phone.answer(&mfa.url, again["id"].as_str().unwrap(), PushDecision::deny(DenyReason::BiometricsRejected)).await;
    assert!(denied["error"]["message"].as_str().is_some_and(|m| m.contains("BIOMETRICS_REJECTED")), "{denied}");
    assert_eq!(mfa.devices("gina").await[0]["block"]["status"], "UNBLOCKED", "denying blocks nothing");
}

#[tokio::test]
async fn a_push_offers_three_numbers_and_an_approval_without_one_is_refused_and_changes_nothing() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let phone = mfa.paired_phone("erin", 5).await;
    let waiting = start(&mfa, "erin", json!({"policy": {"id": DEMO_NUMBER_MATCHING_POLICY_ID}})).await;
    assert_eq!(waiting["status"], "PUSH_CONFIRMATION_REQUIRED");
    assert_eq!(waiting["policy"]["id"], DEMO_NUMBER_MATCHING_POLICY_ID, "{waiting}");
    let shown = match_number(&waiting);
    assert!((10..=99).contains(&shown), "{waiting}");

    // The push in the PingOne MFA SDK's words (`NotificationObject`: `getNumberMatchingType()`
    // SELECT_NUMBER, `getNumberMatchingOptions()`, `getTimeoutDuration()` in seconds;
    // pingidentity/pingone-mobile-sdk-android docs), no PingID SDK trust levels.
    let raw = phone.signed(reqwest::Method::GET, &format!("{}/device/pushes", mfa.url), None).await;
    let raw: Value = raw.json().await.unwrap();
    assert_eq!(raw[0]["numberMatchingType"], "SELECT_NUMBER", "{raw}");
    assert_eq!(raw[0]["timeoutDuration"], 40, "the policy's push timeout, from delivery: {raw}");
    for pingid in ["trustLevels", "numberChoices", "expiresAt", "username"] {
        assert!(raw[0].get(pingid).is_none(), "no PingID SDK field {pingid}: {raw}");
    }
    let pushes = phone.pushes(&mfa.url, 5).await;
    let choices = &pushes.first().expect("a push arrived").number_matching_options;
    assert_eq!(choices.len(), 3, "{choices:?}");
    assert!(choices[0] != choices[1] && choices[1] != choices[2] && choices[0] != choices[2], "distinct: {choices:?}");
    assert!(choices.contains(&shown), "the shown number is offered: {choices:?}");

    let id = waiting["id"].as_str().unwrap();
    let (status, error) = phone.answer(&mfa.url, id, PushDecision::approve(None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["code"], "INVALID_DATA", "{error}");
    assert_eq!(error["details"][0]["code"], "INVALID_VALUE", "{error}");
    assert_eq!(
        error["details"][0]["target"], "numberMatchingPickedValue",
        "the refusal names the SDK's field: {error}"
    );
    let still = read(&mfa, &waiting).await;
    assert_eq!(still["status"], "PUSH_CONFIRMATION_REQUIRED", "nothing changed: {still}");
    assert_eq!(match_number(&still), shown, "the same number is still shown");
    assert_eq!(phone.pushes(&mfa.url, 0).await.len(), 1, "the push still waits on the phone");

    let (status, done) = phone.answer(&mfa.url, id, approve_shown(&still)).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "COMPLETED");
    assert!(done.get("numberMatching").is_none(), "no number once answered: {done}");
}

#[tokio::test]
async fn a_wrong_number_rejects_the_push_and_a_second_answer_is_refused() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let phone = mfa.paired_phone("frank", 6).await;
    let laptop = TestDevice::new(7, "laptop", &clock);
    let waiting = start(
        &mfa,
        "frank",
        json!({"mobilePayload": laptop.mobile_payload(), "policy": {"id": DEMO_NUMBER_MATCHING_POLICY_ID}}),
    )
    .await;
    let shown = match_number(&waiting);
    let push = phone.pushes(&mfa.url, 5).await.remove(0);
    let wrong = push.number_matching_options.iter().copied().find(|n| *n != shown).expect("another number on offer");

    let (status, rejected) = phone.answer(&mfa.url, &push.authentication_id, PushDecision::approve(Some(wrong))).await;
    assert_eq!(status, StatusCode::OK, "{rejected}");
    assert_eq!(rejected["status"], "FAILED", "{rejected}");
    assert_eq!(rejected["error"]["code"], "WRONG_NUMBER", "{rejected}");
    assert!(rejected.get("numberMatching").is_none(), "{rejected}");
    let (status, again) = phone.answer(&mfa.url, &push.authentication_id, PushDecision::approve(Some(shown))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a push is answered once, even with the right number: {again}");
    assert_eq!(again["code"], "INVALID_REQUEST", "{again}");
    assert_eq!(read(&mfa, &waiting).await["error"]["code"], "WRONG_NUMBER");
    assert!(read(&mfa, &waiting).await.get("idToken").is_none(), "a rejected authentication pairs nothing");
    assert_eq!(mfa.devices("frank").await.len(), 1);
}

#[tokio::test]
async fn an_sms_passcode_lands_in_the_outbox_and_three_wrong_ones_block_for_fifteen_minutes() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("carol").await;
    mfa.add_device("carol", "SMS").await;
    let auth = start(&mfa, "carol", json!({})).await;
    assert_eq!(auth["status"], "OTP_REQUIRED");
    let code = mfa.last_sent_code("carol").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    // A wrong passcode: 400 INVALID_DATA, detail INVALID_OTP (Ping's OpenAPI
    // com.pingidentity.ApiErrorResponse.400.yaml); the attempts left in innerError (the emulator's).
    for left in [2, 1] {
        let (status, body) = mfa.check_otp(&auth, wrong).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "INVALID_DATA");
        assert_eq!(body["details"][0]["code"], "INVALID_OTP");
        assert_eq!(body["details"][0]["target"], "otp");
        assert_eq!(body["details"][0]["innerError"]["remainingAttempts"], left);
        assert!(body["id"].as_str().is_some_and(|id| id.len() == 36), "every error has its id: {body}");
        assert_eq!(read(&mfa, &auth).await["status"], "OTP_REQUIRED");
    }
    let (_, blocked) = mfa.check_otp(&auth, wrong).await;
    assert_eq!(blocked["status"], "FAILED", "{blocked}");
    assert_eq!(blocked["error"]["code"], "OTP_LOCKED");
    assert_eq!(blocked["_embedded"]["devices"][0]["lock"]["status"], "LOCKED", "{blocked}");
    let (status, _) = mfa.check_otp(&auth, &code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "even the right code is refused once locked");
    assert_eq!(
        start(&mfa, "carol", json!({})).await["error"]["code"],
        "OTP_LOCKED",
        "a new authentication is locked too"
    );

    clock.advance(chrono::Duration::minutes(15));
    let fresh = start(&mfa, "carol", json!({})).await;
    assert_eq!(fresh["status"], "OTP_REQUIRED");
    let code = mfa.last_sent_code("carol").await;
    let (_, done) = mfa.check_otp(&fresh, &code).await;
    assert_eq!(done["status"], "COMPLETED");
    assert!(done["_links"].get("otp.check").is_none(), "no action once completed: {done}");
}

#[tokio::test]
async fn a_totp_code_is_accepted_once_and_several_devices_ask_for_a_selection() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("dave").await;
    let (totp, secret) = mfa.add_device("dave", "TOTP").await;
    let (email, _) = mfa.add_device("dave", "EMAIL").await;
    let auth = start(&mfa, "dave", json!({})).await;
    assert_eq!(auth["status"], "DEVICE_SELECTION_REQUIRED");
    assert_eq!(auth["_embedded"]["devices"].as_array().unwrap().len(), 2);
    assert_eq!(auth["_embedded"]["devices"][1]["email"], "d****@example.com", "masked as PingOne masks: {auth}");
    assert!(auth["_links"].get("device.select").is_some() && auth["_links"].get("otp.check").is_none(), "{auth}");
    let (_, selected) = mfa.select(&auth, &totp).await;
    assert_eq!(selected["status"], "OTP_REQUIRED");
    assert_eq!(selected["selectedDevice"]["id"], totp.as_str());
    let code = totp_code_for(secret.as_deref().unwrap(), &clock);
    let (_, done) = mfa.check_otp(&auth, &code).await;
    assert_eq!(done["status"], "COMPLETED");

    let replay = start(&mfa, "dave", json!({"selectedDevice": {"id": totp}})).await;
    let (status, refused) = mfa.check_otp(&replay, &code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the same TOTP step is never accepted twice: {refused}");
    assert_eq!(refused["details"][0]["code"], "INVALID_OTP");

    let by_mail = start(&mfa, "dave", json!({"selectedDevice": {"id": email}})).await;
    assert_eq!(by_mail["status"], "OTP_REQUIRED");
    let (status, outbox) = mfa.get(&format!("{}/outbox/dave", mfa.url)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outbox[0]["channel"], "EMAIL");
    assert_eq!(outbox[0]["to"], "dave@example.com");
}

// The action is named by the content type ("Select Device for Authentication":
// application/vnd.pingidentity.device.select+json; "Validate OTP for Device":
// ...otp.check+json); another content type is 415 INVALID_REQUEST (Ping's OpenAPI
// com.pingidentity.ApiErrorResponse.415.yaml), a device not the user's is 400, and neither
// changes the authentication.
#[tokio::test]
async fn an_action_the_content_type_does_not_name_or_a_strange_device_is_refused_and_changes_nothing() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("gina").await;
    let (sms, _) = mfa.add_device("gina", "SMS").await;
    mfa.add_device("gina", "EMAIL").await;
    let auth = start(&mfa, "gina", json!({})).await;
    assert_eq!(auth["status"], "DEVICE_SELECTION_REQUIRED");
    let url = mfa.auth_url(auth["id"].as_str().unwrap());
    let (status, body) = mfa.act(&url, "application/json", json!({"device": {"id": sms}})).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["code"], "INVALID_REQUEST");
    let (status, body) = mfa.select(&auth, "00000000-0000-4000-8000-000000000000").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["details"][0]["target"], "device.id");
    let (status, body) = mfa.check_otp(&auth, "123456").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("INVALID_REQUEST")),
        "otp.check is not offered: {body}"
    );
    let now = read(&mfa, &auth).await;
    assert_eq!(now["status"], "DEVICE_SELECTION_REQUIRED");
    assert_eq!(now["updatedAt"], auth["updatedAt"], "nothing changed");
    assert!(now.get("selectedDevice").is_none(), "{now}");
}

// PingOne counts wrong passcodes per method (device authentication policy `otp.failure.count`
// and `coolDown`, `patrickcping/pingone-go-sdk-v2:mfa/generate/pingone-mfa.yml`; the PingOne MFA
// SDK: "the OTP can be verified within 3 attempts in every 15 minutes",
// https://developer.pingidentity.com/pingone-api/native-sdks/pingone-mfa-mobile-sdks/pingone_mfa_sdk_errror_codes.html)
// and shows the lock on the device (`lock.status`, "MFA Devices"): the other devices stay usable.
#[tokio::test]
async fn three_wrong_codes_lock_that_device_for_fifteen_minutes_and_the_users_other_devices_stay_usable() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("hank").await;
    let (sms, _) = mfa.add_device("hank", "SMS").await;
    let (totp, secret) = mfa.add_device("hank", "TOTP").await;
    let auth = start(&mfa, "hank", json!({"selectedDevice": {"id": sms}})).await;
    let code = mfa.last_sent_code("hank").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..2 {
        assert_eq!(mfa.check_otp(&auth, wrong).await.0, StatusCode::BAD_REQUEST);
    }
    let (_, locked) = mfa.check_otp(&auth, wrong).await;
    assert_eq!(locked["error"]["code"], "OTP_LOCKED", "{locked}");
    let devices = mfa.devices("hank").await;
    let lock_of = |id: &str| devices.iter().find(|d| d["id"] == id).unwrap()["lock"].clone();
    assert_eq!(lock_of(&sms)["status"], "LOCKED");
    assert!(lock_of(&sms)["expiresAt"].as_str().is_some_and(|t| t.ends_with(".000Z")), "{:?}", lock_of(&sms));
    assert_eq!(lock_of(&totp)["status"], "UNLOCKED", "the TOTP device is not locked by the SMS device's codes");

    let by_totp = start(&mfa, "hank", json!({"selectedDevice": {"id": totp}})).await;
    assert_eq!(by_totp["status"], "OTP_REQUIRED");
    let (_, done) = mfa.check_otp(&by_totp, &totp_code_for(secret.as_deref().unwrap(), &clock)).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(start(&mfa, "hank", json!({"selectedDevice": {"id": sms}})).await["error"]["code"], "OTP_LOCKED");
    clock.advance(chrono::Duration::minutes(15));
    assert_eq!(
        start(&mfa, "hank", json!({"selectedDevice": {"id": sms}})).await["status"],
        "OTP_REQUIRED",
        "the lock ends"
    );
}

// An SMS or e-mail passcode lives as long as the policy's `otp.lifeTime`: "The OTP is valid for
// up to 30 minutes" (https://docs.pingidentity.com/sdks/latest/davinci/use-cases/otp/index.html);
// Ping's policy example sets 30 minutes.
#[tokio::test]
async fn an_sms_passcode_is_still_good_after_twenty_nine_minutes() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("ivy").await;
    mfa.add_device("ivy", "SMS").await;
    let auth = start(&mfa, "ivy", json!({})).await;
    let code = mfa.last_sent_code("ivy").await;
    let (_, outbox) = mfa.get(&format!("{}/outbox/ivy", mfa.url)).await;
    assert!(outbox[0]["text"].as_str().unwrap().contains("30 minutes"), "{outbox}");
    clock.advance(chrono::Duration::minutes(29));
    let (status, done) = mfa.check_otp(&auth, &code).await;
    assert_eq!((status, done["status"].as_str()), (StatusCode::OK, Some("COMPLETED")), "{done}");
}

/// The device authentication applies the policy it names (`policy.id`), else the environment's
/// default ("Initialize Device Authentication"; the data model's `policy.id`): the default asks
/// for no number, as Ping's widget and mobile samples cannot show one; an unknown policy is
/// refused and nothing starts.
#[tokio::test]
async fn the_named_policy_decides_number_matching_and_an_unknown_one_is_refused() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let phone = mfa.paired_phone("june", 8).await;
    let plain = start(&mfa, "june", json!({})).await;
    assert_eq!(plain["policy"]["id"], DEMO_DEFAULT_POLICY_ID, "{plain}");
    assert!(plain.get("numberMatching").is_none(), "{plain}");
    let (status, done) = phone.answer_next_push(&mfa.url, PushDecision::approve(None)).await;
    assert_eq!((status, &done["status"]), (StatusCode::OK, &json!("COMPLETED")), "a bare approve: {done}");

    let (status, refused) = mfa.start_auth("june", json!({"policy": {"id": "no-such-policy"}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["details"][0]["target"], "policy.id", "{refused}");
    assert!(phone.pushes(&mfa.url, 0).await.is_empty(), "nothing was pushed");
}
