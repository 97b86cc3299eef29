//! Bad input gets a clear error in the documented shape, never a 500, and changes nothing.

use moderno_crypto::pingid_hmac::{ApiCredentials, RequestParts};
use moderno_e2e::TestStack;
use moderno_wire::moderno::{ModernoResponse, Status};
use moderno_wire::sdk::{ErrorBody, ErrorCode};
use pingid_sdk_server::{DEMO_ACCOUNT_ID, DEMO_ACCOUNT_TOKEN, DEMO_API_KEY_B64, DEMO_APPLICATION_ID};
use reqwest::header::CONTENT_TYPE;

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("client")
}

async fn moderno_raw(t: &TestStack, content_type: &str, body: Vec<u8>) -> (u16, ModernoResponse) {
    let response = http()
        .post(format!("{}/pingidsdk", t.stack.customer_url))
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("the customer server answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    let parsed = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not a Moderno answer ({e}): {text}"));
    (status, parsed)
}

async fn assert_alice_untouched(t: &TestStack) {
    let error = t.sdk().get_user("alice", false).await.expect_err("alice was never created");
    assert!(error.is_not_found(), "{error:?}");
}

#[tokio::test]
async fn the_customer_server_answers_1020_to_malformed_json_and_changes_nothing() {
    let t = TestStack::start().await;
    let (http_status, answer) = moderno_raw(&t, "application/json", b"{\"operation\": \"auth_user\", ".to_vec()).await;
    assert_eq!(http_status, 400);
    assert_eq!(answer.status, Status::InvalidInput);
    assert!(!answer.description.is_empty());
    assert_alice_untouched(&t).await;
}

#[tokio::test]
async fn the_customer_server_refuses_an_oversized_body_with_413() {
    let t = TestStack::start().await;
    let big = format!("{{\"operation\":\"auth_user\",\"user\":\"alice\",\"password\":\"{}\"}}", "x".repeat(70 * 1024));
    let (http_status, answer) = moderno_raw(&t, "application/json", big.into_bytes()).await;
    assert_eq!(http_status, 413);
    assert_eq!(answer.status, Status::InvalidInput);
    assert_alice_untouched(&t).await;
}

#[tokio::test]
async fn unknown_operations_and_missing_fields_are_named_in_the_answer() {
    let t = TestStack::start().await;
    let (_, unknown) = moderno_raw(&t, "application/json", br#"{"operation":"transfer_money"}"#.to_vec()).await;
    assert_eq!(unknown.status, Status::Failed, "Ping's sample: 1000 invalid request type");
    assert!(unknown.description.contains("transfer_money"), "{}", unknown.description);

    let (_, missing) =
        moderno_raw(&t, "application/json", br#"{"operation":"auth_user","user":"alice"}"#.to_vec()).await;
    assert_eq!(missing.status, Status::InvalidInput);
    assert!(missing.description.contains("password"), "{}", missing.description);

    let (_, no_session) =
        moderno_raw(&t, "application/json", br#"{"operation":"auth_status","sessionId":"no-such-session"}"#.to_vec())
            .await;
    assert_eq!(
        no_session.status,
        Status::Failed,
        "1000, as Ping's sample answers (1033 only beyond Ping): {no_session:?}"
    );
    assert!(no_session.description.contains("session"), "{}", no_session.description);
    assert_alice_untouched(&t).await;
}

#[tokio::test]
async fn a_login_without_a_device_payload_is_a_web_login_and_cannot_pair() {
    let t = TestStack::start().await;
    let body = br#"{"operation":"auth_user","user":"alice","password":"moderno-demo"}"#.to_vec();
    let (_, answer) = moderno_raw(&t, "application/json", body).await;
    assert_eq!(answer.status, Status::UserNotActive, "{answer:?}");
    assert!(answer.ping_id_payload.is_none());
}

#[tokio::test]
async fn a_forged_device_payload_is_refused_and_pairs_nothing() {
    let t = TestStack::start().await;
    let laptop = t.device("laptop").await;
    let payload = laptop.device.payload();
    let (body, _sig) = payload.split_once('.').expect("two parts");
    let forged = format!("{body}.{}", "A".repeat(86));
    let answer = laptop.moderno.auth_user("alice", "moderno-demo", &forged, None).await.expect("answer");
    assert_ne!(answer.status, Status::Ok, "{answer:?}");
    assert!(answer.ping_id_payload.is_none());
}

#[tokio::test]
async fn a_replayed_payload_never_signs_a_paired_device_in_twice_nor_serves_another_user() {
    let t = TestStack::start().await;
    let laptop = t.device("laptop").await;
    laptop.pair_first("alice", moderno_wire::payload::TrustLevel::Primary).await;

    let payload = laptop.device.payload();
    let first = laptop.moderno.auth_user("alice", "moderno-demo", &payload, None).await.expect("answer");
    assert_eq!(first.status, Status::Ok, "{first:?}");
    let replay = laptop.moderno.auth_user("alice", "moderno-demo", &payload, None).await.expect("answer");
    assert_ne!(replay.status, Status::Ok, "the same payload signed alice in twice: {replay:?}");
    assert!(replay.session_token.is_none());

    let other = t.device("other").await;
    let captured = other.device.payload();
    let for_alice = other.moderno.auth_user("alice", "moderno-demo", &captured, None).await.expect("answer");
    assert_eq!(
        for_alice.status,
        Status::OtpRequired,
        "a new device of alice waits for approval (the laptop is offline): {for_alice:?}"
    );
    let for_bob = other.moderno.auth_user("bob", "moderno-demo", &captured, None).await.expect("answer");
    assert_ne!(for_bob.status, Status::Ok, "a payload first used for alice cannot serve bob: {for_bob:?}");
    assert!(for_bob.ping_id_payload.is_none());
}

/// A signed request to the SDK server, as a customer server would send it.
async fn sdk_signed(
    t: &TestStack,
    method: reqwest::Method,
    path: &str,
    body: &[u8],
    content_type: &str,
) -> (u16, String) {
    let creds = ApiCredentials::new(DEMO_ACCOUNT_ID, DEMO_ACCOUNT_TOKEN, DEMO_API_KEY_B64).expect("demo key");
    t.sdk_signed_by(&creds, method, path, body, content_type).await
}

fn error_body(text: &str) -> ErrorBody {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not Ping's error body ({e}): {text}"))
}

#[tokio::test]
async fn the_sdk_server_answers_bad_json_wrong_content_type_and_oversize_in_pings_error_shape() {
    let t = TestStack::start().await;
    let users = format!("/pingid/v1/accounts/{DEMO_ACCOUNT_ID}/users");

    let (status, text) = sdk_signed(&t, reqwest::Method::POST, &users, b"{\"username\":", "application/json").await;
    assert_eq!(status, 400, "{text}");
    assert_eq!(error_body(&text).code, ErrorCode::InvalidData);

    let body = br#"{"username":"alice","firstName":"","lastName":""}"#;
    let (status, text) = sdk_signed(&t, reqwest::Method::POST, &users, body, "text/plain").await;
    assert_eq!(status, 400, "{text}");
    assert_eq!(error_body(&text).code, ErrorCode::InvalidData);

    let huge = format!("{{\"username\":\"{}\"}}", "a".repeat(65 * 1024));
    let (status, text) = sdk_signed(&t, reqwest::Method::POST, &users, huge.as_bytes(), "application/json").await;
    // Ping has no 413: INVALID_DATA with detail SIZE_LIMIT_EXCEEDED ([S-MODEL] ErrorCode.java).
    assert_eq!(status, 400, "{text}");
    assert_eq!(error_body(&text).code, ErrorCode::InvalidData);
    assert_eq!(error_body(&text).details[0].code, moderno_wire::sdk::DetailCode::SizeLimitExceeded);

    let nowhere = format!("/pingid/v1/accounts/{DEMO_ACCOUNT_ID}/applications/{DEMO_APPLICATION_ID}/nowhere");
    let (status, text) = sdk_signed(&t, reqwest::Method::GET, &nowhere, b"", "application/json").await;
    assert_eq!(status, 404, "{text}");
    assert_eq!(error_body(&text).code, ErrorCode::NotFound);

    assert_alice_untouched(&t).await;
}

#[tokio::test]
async fn the_sdk_server_refuses_unsigned_and_wrongly_signed_requests_with_401() {
    let t = TestStack::start().await;
    let path = format!("/pingid/v1/accounts/{DEMO_ACCOUNT_ID}/users");
    let body = br#"{"username":"alice","firstName":"","lastName":""}"#;

    let unsigned = http()
        .post(format!("{}{path}", t.stack.sdk_url))
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_vec())
        .send()
        .await
        .expect("answer");
    assert_eq!(unsigned.status().as_u16(), 401);
    assert!(unsigned.headers().contains_key("x-pingid-signature"), "errors are signed too");
    assert_eq!(error_body(&unsigned.text().await.expect("body")).code, ErrorCode::UnauthorizedReq);

    let stranger = ApiCredentials::new(DEMO_ACCOUNT_ID, DEMO_ACCOUNT_TOKEN, "c3RyYW5nZXIta2V5").expect("key");
    let parts = RequestParts { method: "POST", host: "127.0.0.1", path: &path, query: None, body };
    let wrong = http()
        .post(format!("{}{path}", t.stack.sdk_url))
        .header("authorization", stranger.authorize(&parts, t.clock.now(), "r-1"))
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_vec())
        .send()
        .await
        .expect("answer");
    assert_eq!(wrong.status().as_u16(), 401);
    assert_alice_untouched(&t).await;
}

#[tokio::test]
async fn the_device_api_refuses_an_unsigned_pairing() {
    let t = TestStack::start().await;
    let response = http()
        .post(format!("{}/pingid/v1/device/pairings", t.stack.sdk_url))
        .header(CONTENT_TYPE, "application/json")
        .body(r#"{"registrationTokenId":"x","registrationTokenSecret":"y","trustLevel":"PRIMARY"}"#)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(error_body(&response.text().await.expect("body")).code, ErrorCode::UnauthorizedReq);
}
