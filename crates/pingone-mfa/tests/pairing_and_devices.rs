//! Users, devices, pairing keys and automatic pairing, over real HTTP, on PingOne's management API
//! (`/v1/environments/{envId}/users/{userId}/...`): "MFA Devices"
//! (https://developer.pingidentity.com/pingone-api/mfa/users/mfa-devices.html), "MFA Pairing Keys"
//! (https://developer.pingidentity.com/pingone-api/mfa/users/mfa-pairing-keys.html), "Error codes"
//! (https://developer.pingidentity.com/pingone-api/platform/reference/error-codes.html).

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::device::TestDevice;
use common::mfa_server::{test_clock, MfaServer, ENV};
use reqwest::{Method, StatusCode};
use serde_json::json;

// PingOne's 401: ACCESS_FAILED with detail INVALID_TOKEN (Ping's OpenAPI
// com.pingidentity.ApiErrorResponse.401.yaml), an `id` on every error ("Error codes").
#[tokio::test]
async fn management_calls_without_the_worker_token_are_refused() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let response = mfa.client.post(mfa.api_url("/users")).json(&json!({"username": "alice"})).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "ACCESS_FAILED");
    assert_eq!(body["details"][0]["code"], "INVALID_TOKEN");
    assert!(body["id"].as_str().is_some_and(|id| id.len() == 36 && id.matches('-').count() == 4), "a UUID id: {body}");
    let filter = mfa.api_url("/users?filter=username%20eq%20%22alice%22");
    let wrong = mfa.client.get(&filter).bearer_auth("nope").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let (status, found) = mfa.get(&filter).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["count"], 0, "no user was created by the refused call: {found}");
}

// Users by id, looked up by username with `filter` (PingOne "Users": GET /users?filter=);
// a duplicate username is 400 INVALID_DATA with detail UNIQUENESS_VIOLATION on `username`
// (Ping's OpenAPI com.pingidentity.ApiErrorResponse.400.yaml).
#[tokio::test]
async fn users_are_found_by_username_addressed_by_id_and_created_once() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let id = mfa.create_user("alice").await;
    let (status, user) = mfa.get(&mfa.user_url("alice", "")).await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["id"], id.as_str());
    assert_eq!(user["environment"]["id"], ENV);
    assert!(
        user["_links"]["self"]["href"].as_str().unwrap().ends_with(&format!("/v1/environments/{ENV}/users/{id}")),
        "{user}"
    );
    let created = user["createdAt"].as_str().unwrap();
    assert!(created.ends_with(".000Z") && created.len() == 24, "PingOne's timestamps carry milliseconds: {created}");

    let filter = mfa.api_url("/users?filter=username%20eq%20%22alice%22");
    let (_, found) = mfa.get(&filter).await;
    assert_eq!((found["count"].as_u64(), found["size"].as_u64()), (Some(1), Some(1)), "{found}");
    assert_eq!(found["_embedded"]["users"][0]["id"], id.as_str());
    assert!(found["_links"]["self"].is_object());

    let (status, duplicate) = mfa.post(&mfa.api_url("/users"), json!({"username": "alice"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{duplicate}");
    assert_eq!(duplicate["code"], "INVALID_DATA");
    assert_eq!(duplicate["details"][0]["code"], "UNIQUENESS_VIOLATION");
    assert_eq!(duplicate["details"][0]["target"], "username");
    assert_eq!(mfa.get(&filter).await.1["count"], 1, "still one alice");

    let (status, bad) = mfa.get(&mfa.api_url("/users?filter=nickname%20sw%20%22a%22")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["details"][0]["code"], "INVALID_FILTER");
    let (status, _) = mfa.get(&mfa.api_url("/users/alice")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "paths name users by id, not by username");
}

// PingOne's adapter answers MOBILE_PAIRING_REQUIRED with "the PingOne ID token"
// (https://docs.pingidentity.com/integrations/pingone/pingone_mfa_integration_kit/pf_p1_mfa_ik_models,_objects,_and_error_codes.html);
// the SDK takes it with `processIdToken` and approves the pairing object, with no trust level or
// device role (`pingidentity/pingone-mobile-sdk-android` README, `-pairing-object/approve`;
// https://developer.pingidentity.com/pingone-api/native-sdks/pingone-mfa-mobile-sdks/pingone-mfa-mobile-sdk-flows.html:
// "The customer native application receives an ID token ... The PingOne Native SDK returns a
// pairing object ... to pair or ignore the device").
#[tokio::test]
async fn first_device_pairs_by_approving_the_pingone_id_token_and_becomes_the_default() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("alice").await;
    let mut phone = TestDevice::new(1, "Alice's phone", &clock);
    // A user without devices: MFA is bypassed and the automatic pairing goes on (integration kit,
    // "Overview of the automatic device pairing flow"): the device authentication completes at once.
    let (status, auth) = mfa.start_auth("alice", json!({"mobilePayload": phone.mobile_payload()})).await;
    assert_eq!((status, &auth["status"]), (StatusCode::CREATED, &json!("COMPLETED")), "{auth}");
    let id_token = auth["idToken"].as_str().unwrap();
    let claims = TestDevice::id_token_claims(id_token);
    assert_eq!(claims.iss, format!("{}/{ENV}/as", mfa.url), "issued by the environment's authorization server");
    assert_eq!(
        (claims.sub, claims.aud.as_str()),
        (mfa.user_id("alice").await, pingone_mfa_server::DEMO_APPLICATION_ID)
    );
    assert_eq!(claims.exp - claims.iat, 600, "as long as the pairing");
    let planned = claims.pairing.device.clone().expect("the device's id to be").id;
    let words = String::from_utf8(moderno_crypto::b64url_decode(id_token.split('.').nth(1).unwrap()).unwrap()).unwrap();
    for pingid in ["trustLevel", "TRUST_LEVELS", "PRIMARY", "TRUSTED", "registrationToken", "accountId", "deviceRole"] {
        assert!(!words.contains(pingid), "no PingID SDK word {pingid} in {words}");
    }
    let (status, jwks) = mfa.get(&format!("{}/{ENV}/as/jwks", mfa.url)).await;
    assert_eq!(status, StatusCode::OK, "{jwks}");
    let (signed, signature) = id_token.rsplit_once('.').unwrap();
    let header: serde_json::Value =
        serde_json::from_slice(&moderno_crypto::b64url_decode(signed.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(
        (&header["alg"], &jwks["keys"][0]["kid"]),
        (&json!("EdDSA"), &header["kid"]),
        "the token names the published key"
    );
    let key = moderno_crypto::device_key::DevicePublicKey::from_b64(jwks["keys"][0]["x"].as_str().unwrap()).unwrap();
    assert!(key.verify(signed.as_bytes(), signature), "the token verifies under the published key");

    let (status, done) = phone.complete_pairing(id_token).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        done["authenticators"],
        json!([{"type": "PUSH", "status": "COMPLETED"}, {"type": "ONE_TIME_PASSCODE", "status": "COMPLETED"}])
    );
    assert!(done.get("deviceRole").is_none() && done.get("outcome").is_none(), "no PingID SDK answer: {done}");
    assert_eq!(done["user"]["id"], mfa.user_id("alice").await.as_str());
    let devices = mfa.devices("alice").await;
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["type"], "MOBILE");
    assert_eq!(devices[0]["model"]["marketingName"], "Alice's phone");
    assert_eq!(devices[0]["user"]["id"], mfa.user_id("alice").await.as_str());
    assert_eq!(devices[0]["id"], done["device"]["id"]);
    assert_eq!(devices[0]["id"], planned.as_str(), "the device has the id the token named");
    let (status, again) = phone.complete_pairing(id_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a pairing completes once: {again}");
    assert_eq!(mfa.devices("alice").await.len(), 1);
}

#[tokio::test]
async fn a_pairing_completed_with_a_wrong_secret_fails_and_another_device_cannot_touch_it() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("bob").await;
    let mut phone = TestDevice::new(2, "Bob's phone", &clock);
    let token = mfa.first_device_token("bob", phone.mobile_payload()).await;
    let payload = token.as_str();

    let mut stranger = TestDevice::new(3, "Mallory's phone", &clock);
    let (status, _) = stranger.complete_pairing(payload).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(mfa.devices("bob").await.is_empty(), "another device pairs nothing");

    let (status, failed) = phone.complete_pairing_with(payload, Some("not-the-secret")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(failed["details"][0]["code"], "INVALID_PAIRING_SECRET");
    let (status, after) = phone.complete_pairing(payload).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a failed pairing stays failed: {after}");
    assert_eq!(after["details"][0]["code"], "PAIRING_NOT_PENDING");
    assert!(mfa.devices("bob").await.is_empty());
}

// The ID token lives as long as the pairing it offers (the emulator's ten minutes, as PingOne's
// pairing keys: https://developer.pingidentity.com/pingone-api/mfa/users/mfa-pairing-keys.html).
#[tokio::test]
async fn a_pairing_token_approved_after_ten_minutes_has_expired_and_pairs_nothing() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("erin").await;
    let mut phone = TestDevice::new(5, "Erin's phone", &clock);
    let (_, auth) = mfa.start_auth("erin", json!({"mobilePayload": phone.mobile_payload()})).await;
    let token = auth["idToken"].as_str().unwrap().to_string();
    clock.advance(chrono::Duration::minutes(10) + chrono::Duration::seconds(1));
    let (status, late) = phone.complete_pairing(&token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{late}");
    assert_eq!(late["details"][0]["code"], "PAIRING_EXPIRED", "{late}");
    let completed = mfa.get(&mfa.auth_url(auth["id"].as_str().unwrap())).await.1;
    assert!(completed.get("idToken").is_none(), "an expired pairing is no longer offered: {completed}");
    assert!(mfa.devices("erin").await.is_empty());
}

#[tokio::test]
async fn a_user_with_devices_cannot_pair_another_from_a_bare_payload() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("carol").await;
    mfa.add_device("carol", "TOTP").await;
    let phone = TestDevice::new(4, "Carol's phone", &clock);
    let (status, auth) = mfa.start_auth("carol", json!({"mobilePayload": phone.mobile_payload()})).await;
    assert_eq!(
        (status, &auth["status"]),
        (StatusCode::CREATED, &json!("OTP_REQUIRED")),
        "the second factor first: {auth}"
    );
    assert!(auth.get("idToken").is_none(), "{auth}");
    let (status, body) = mfa.post(&mfa.user_url("carol", "/devices"), json!({"type": "MOBILE"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "mobile devices only come from pairing: {body}");
    assert_eq!(mfa.devices("carol").await.len(), 1);
}

#[tokio::test]
async fn pairing_keys_are_limited_to_twenty_valid_per_user_and_claimed_once() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("dave").await;
    let mut keys = Vec::new();
    for _ in 0..20 {
        let (status, key) = mfa.post(&mfa.user_url("dave", "/pairingKeys"), json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{key}");
        assert_eq!(key["status"], "UNCLAIMED");
        keys.push(key);
    }
    let (status, refused) = mfa.post(&mfa.user_url("dave", "/pairingKeys"), json!({})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{refused}");

    let mut phone = TestDevice::new(5, "Dave's phone", &clock);
    assert_eq!(keys[0]["user"]["id"], mfa.user_id("dave").await.as_str());
    // PingOne's pairing key format: NUMERIC, 12 digits ("MFA Settings" pairingKeyFormat).
    let code = keys[0]["code"].as_str().unwrap();
    assert!(code.len() == 12 && code.chars().all(|c| c.is_ascii_digit()), "{code}");
    let token = format!("{} {}-{}", &code[..4], &code[4..8], &code[8..]);
    let (status, done) = phone.claim_pairing_key(&mfa.url, &token).await;
    assert_eq!(status, StatusCode::OK, "spaces and dashes are ignored on entry: {done}");
    let key_url = mfa.user_url("dave", &format!("/pairingKeys/{}", keys[0]["id"].as_str().unwrap()));
    let (_, key) = mfa.get(&key_url).await;
    assert_eq!(key["status"], "CLAIMED");
    assert!(key.get("code").is_none(), "the key is shown only once");

    let mut second = TestDevice::new(6, "Dave's tablet", &clock);
    let (status, again) = second.claim_pairing_key(&mfa.url, &token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(again["details"][0]["code"], "INVALID_PAIRING_KEY");

    clock.advance(chrono::Duration::minutes(11));
    let (status, expired) = second.claim_pairing_key(&mfa.url, keys[1]["code"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "keys live ten minutes: {expired}");
    let (status, _) = mfa.post(&mfa.user_url("dave", "/pairingKeys"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "expired keys no longer count against the limit");
    assert_eq!(mfa.devices("dave").await.len(), 1);
}

#[tokio::test]
async fn devices_keep_their_order_and_can_be_renamed_blocked_made_default_and_removed() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("alice").await;
    let (sms, _) = mfa.add_device("alice", "SMS").await;
    let (email, _) = mfa.add_device("alice", "EMAIL").await;
    let (totp, secret) = mfa.add_device("alice", "TOTP").await;
    assert!(secret.is_some(), "a TOTP device shows its secret once");
    let ids: Vec<_> = mfa.devices("alice").await.iter().map(|d| d["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, vec![sms.clone(), email.clone(), totp.clone()]);

    // "Update Device Order": POST .../devices with devices.reorder+json; the first is the default.
    let reorder = "application/vnd.pingidentity.devices.reorder+json";
    let (status, reordered) =
        mfa.act(&mfa.user_url("alice", "/devices"), reorder, json!({"order": [{"id": totp}]})).await;
    assert_eq!(status, StatusCode::OK, "{reordered}");
    let order: Vec<_> =
        reordered["_embedded"]["devices"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(order, vec![totp.as_str(), sms.as_str(), email.as_str()]);
    let (status, _) = mfa.act(&mfa.user_url("alice", "/devices"), reorder, json!({"order": [{"id": "nope"}]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(mfa.devices("alice").await[0]["id"], totp.as_str(), "a refused order changes nothing");

    // "Update MFA User Device Nickname" (PUT .../nickname) and "Block MFA User Device".
    let url = mfa.user_url("alice", &format!("/devices/{email}"));
    let (status, renamed) =
        mfa.send(Method::PUT, &format!("{url}/nickname"), Some(json!({"nickname": "Work mail"}))).await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["nickname"], "Work mail");
    let (status, blocked) = mfa.act(&url, "application/vnd.pingidentity.device.block+json", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{blocked}");
    assert_eq!(blocked["block"]["status"], "BLOCKED");
    assert_eq!(blocked["email"], "alice@example.com", "the management API shows the address in full");
    let (status, _) =
        mfa.send(Method::PUT, &format!("{url}/nickname"), Some(json!({"nickname": "x".repeat(101)}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(mfa.get(&url).await.1["nickname"], "Work mail", "a refused update changes nothing");
    let (status, unknown) = mfa.act(&url, "application/vnd.pingidentity.device.explode+json", json!({})).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{unknown}");
    assert_eq!(unknown["code"], "INVALID_REQUEST");

    let (status, _) = mfa.send(Method::DELETE, &mfa.user_url("alice", &format!("/devices/{sms}")), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(mfa.devices("alice").await.len(), 2);
}

#[tokio::test]
async fn bad_bodies_get_a_400_naming_the_problem_never_a_500() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let response = mfa
        .client
        .post(mfa.api_url("/users"))
        .bearer_auth(&mfa.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "INVALID_REQUEST", "{body}");
    let (status, _) = mfa.post(&format!("{}/v1/environments/other/users", mfa.url), json!({"username": "x"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// MFA settings `pairing.maxAllowedDevices`, default 5 ("MFA Settings":
// https://developer.pingidentity.com/pingone-api/mfa/mfa-settings.html); PingOne's refusal is not
// published: the emulator answers 400 INVALID_DATA, detail SIZE_LIMIT_EXCEEDED (Ping's 400 schema).
#[tokio::test]
async fn a_user_has_at_most_five_devices_and_a_sixth_is_refused_without_being_created() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("erin").await;
    for _ in 0..5 {
        mfa.add_device("erin", "TOTP").await;
    }
    let (status, refused) =
        mfa.post(&mfa.user_url("erin", "/devices"), json!({"type": "SMS", "phone": "+15550100"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["details"][0]["code"], "SIZE_LIMIT_EXCEEDED");
    assert_eq!(mfa.devices("erin").await.len(), 5, "nothing was added");
}

// "MFA Pairing Keys": create with `applications`, read without the code, delete
// (https://developer.pingidentity.com/pingone-api/mfa/users/mfa-pairing-keys.html).
#[tokio::test]
async fn a_pairing_key_names_its_applications_and_once_deleted_cannot_be_read_or_claimed() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("frank").await;
    let app = "5b8d3e2f-1a4c-4d6e-9f0a-2b3c4d5e6f70";
    let (status, key) = mfa.post(&mfa.user_url("frank", "/pairingKeys"), json!({"applications": [{"id": app}]})).await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    assert_eq!(key["applications"][0]["id"], app);
    assert_eq!(key["environment"]["id"], ENV);
    assert!(key["_links"]["self"]["href"].as_str().unwrap().contains("/pairingKeys/"), "{key}");
    let url = mfa.user_url("frank", &format!("/pairingKeys/{}", key["id"].as_str().unwrap()));
    let (_, read) = mfa.get(&url).await;
    assert_eq!((read["status"].as_str(), read.get("code")), (Some("UNCLAIMED"), None), "{read}");
    assert_eq!(read["applications"], key["applications"]);

    let (status, _) = mfa.send(Method::DELETE, &url, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(mfa.get(&url).await.0, StatusCode::NOT_FOUND);
    let mut phone = TestDevice::new(9, "Frank's phone", &clock);
    let (status, refused) = phone.claim_pairing_key(&mfa.url, key["code"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a deleted key pairs nothing: {refused}");
    assert!(mfa.devices("frank").await.is_empty());
}
