//! The signed client against a tiny stub server that checks every signature the way the SDK
//! server does, and answers signed, unsigned, forged or altered.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use moderno_crypto::pingid_hmac::RESPONSE_SIGNATURE_HEADER_SAMPLE;
use moderno_wire::sdk::{ErrorCode, UserStatus};

use super::*;
use crate::config::{DEMO_ACCOUNT_ID, DEMO_ACCOUNT_TOKEN, DEMO_API_KEY_B64};

fn credentials() -> ApiCredentials {
    ApiCredentials::new(DEMO_ACCOUNT_ID, DEMO_ACCOUNT_TOKEN, DEMO_API_KEY_B64).unwrap()
}

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

async fn stub(State(seen): State<Seen>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let host = parts.headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let authorization = parts.headers.get("authorization").and_then(|h| h.to_str().ok());
    let request_parts = RequestParts {
        method: parts.method.as_str(),
        host,
        path: parts.uri.path(),
        query: parts.uri.query(),
        body: &body,
    };
    let now = chrono::Utc::now();
    let creds = credentials();
    let line = format!(
        "{} {}{}",
        parts.method,
        parts.uri.path(),
        parts.uri.query().map(|q| format!("?{q}")).unwrap_or_default()
    );
    seen.0.lock().unwrap().push(line);
    let signed = |status: StatusCode, json: serde_json::Value, creds: &ApiCredentials| {
        let text = json.to_string();
        let mut headers = HeaderMap::new();
        let signature = creds.sign_response(text.as_bytes(), now, "r");
        headers.insert(RESPONSE_SIGNATURE_HEADER, signature.parse().unwrap());
        headers.insert(RESPONSE_SIGNATURE_HEADER_SAMPLE, signature.parse().unwrap());
        (status, headers, text).into_response()
    };
    if let Err(e) = creds.verify_request(authorization, &request_parts, now) {
        // Ping's 401: UNAUTHORIZED_REQ, no detail code ([S-MODEL] ErrorCode.java).
        let error = serde_json::json!({"id": "e", "code": "UNAUTHORIZED_REQ", "message": e.to_string()});
        return signed(StatusCode::UNAUTHORIZED, error, &creds);
    }
    let user = |name: &str| serde_json::json!({"username": name, "status": "ACTIVE", "devices": []});
    match parts.uri.path().rsplit('/').next().unwrap_or_default() {
        "alice" => signed(StatusCode::OK, user("alice"), &creds),
        "users" => {
            let create: CreateUser = serde_json::from_slice(&body).unwrap();
            signed(StatusCode::CREATED, user(&create.username), &creds)
        }
        "ghost" => signed(
            StatusCode::NOT_FOUND,
            serde_json::json!({"id": "e", "code": "NOT_FOUND", "message": "no such user", "target": "user"}),
            &creds,
        ),
        "unsigned" => (StatusCode::OK, user("unsigned").to_string()).into_response(),
        "forged" => {
            let stranger = ApiCredentials::new(DEMO_ACCOUNT_ID, DEMO_ACCOUNT_TOKEN, "c3RyYW5nZXI=").unwrap();
            signed(StatusCode::OK, user("forged"), &stranger)
        }
        "altered" => {
            let mut response = signed(StatusCode::OK, user("altered"), &creds);
            *response.body_mut() = axum::body::Body::from(user("mallory").to_string());
            response
        }
        _ => signed(StatusCode::OK, serde_json::json!({"unexpected": true}), &creds),
    }
}

async fn client_and_stub() -> (SdkClient, Seen) {
    let seen = Seen::default();
    let app = axum::Router::new().fallback(stub).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/pingid/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = SdkClient::new(&url, credentials(), "moderno-app", Clock::system(), Entropy::seeded(1)).unwrap();
    (client, seen)
}

#[tokio::test]
async fn signed_requests_verify_at_the_server_and_signed_answers_are_believed() {
    let (client, seen) = client_and_stub().await;
    let user = client.get_user("alice", true).await.unwrap();
    assert_eq!(user.username, "alice");
    assert_eq!(user.status, UserStatus::Active);
    let created = client
        .create_user(&CreateUser { username: "bob".into(), first_name: String::new(), last_name: String::new() })
        .await
        .unwrap();
    assert_eq!(created.username, "bob");
    let seen = seen.0.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            format!("GET /pingid/v1/accounts/{DEMO_ACCOUNT_ID}/applications/moderno-app/users/alice?expand=devices"),
            format!("POST /pingid/v1/accounts/{DEMO_ACCOUNT_ID}/users"),
        ]
    );
}

#[tokio::test]
async fn a_ping_error_body_comes_back_as_an_api_error() {
    let (client, _) = client_and_stub().await;
    let error = client.get_user("ghost", false).await.unwrap_err();
    assert!(error.is_not_found(), "{error}");
    assert_eq!(error.body().map(|b| b.code), Some(ErrorCode::NotFound));
    assert!(!error.is_unreachable());
}

#[tokio::test]
async fn unsigned_forged_and_altered_answers_are_refused() {
    let (client, _) = client_and_stub().await;
    let unsigned = client.get_user("unsigned", false).await.unwrap_err();
    assert!(matches!(unsigned, SdkError::Signature(SignatureError::Missing)), "{unsigned}");
    let forged = client.get_user("forged", false).await.unwrap_err();
    assert!(matches!(forged, SdkError::Signature(SignatureError::BadSignature)), "{forged}");
    let altered = client.get_user("altered", false).await.unwrap_err();
    assert!(matches!(altered, SdkError::Signature(SignatureError::ContentMismatch)), "{altered}");
    assert!(altered.is_unreachable());
}

#[tokio::test]
async fn a_signed_answer_that_is_not_the_promised_json_is_unexpected() {
    let (client, _) = client_and_stub().await;
    let error = client.get_authentication("alice-x", "a1").await.unwrap_err();
    assert!(matches!(error, SdkError::Unexpected(_)), "{error}");
}

#[tokio::test]
async fn a_wrong_api_key_is_refused_by_the_server_with_invalid_signature() {
    let (client, _) = client_and_stub().await;
    let wrong = SdkClient {
        credentials: ApiCredentials::new(DEMO_ACCOUNT_ID, DEMO_ACCOUNT_TOKEN, "d3Jvbmc=").unwrap(),
        ..client
    };
    let error = wrong.get_user("alice", false).await.unwrap_err();
    // The stub signs its 401 with the real key, which this client does not hold either.
    assert!(matches!(error, SdkError::Signature(SignatureError::BadSignature)), "{error}");
}

#[tokio::test]
async fn a_server_that_is_not_there_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/pingid/v1", listener.local_addr().unwrap());
    drop(listener);
    let client = SdkClient::new(&url, credentials(), "moderno-app", Clock::system(), Entropy::seeded(1)).unwrap();
    let error = client.get_user("alice", false).await.unwrap_err();
    assert!(matches!(error, SdkError::Transport(_)), "{error}");
    assert!(error.to_string().to_lowercase().contains("refused"), "the cause is named: {error}");
    assert!(!format!("{error}").contains(DEMO_API_KEY_B64));
}

#[test]
fn a_base_url_that_is_not_http_is_refused() {
    for bad in ["not a url", "ftp://host/pingid/v1", "file:///etc"] {
        assert!(SdkClient::new(bad, credentials(), "a", Clock::system(), Entropy::seeded(1)).is_err(), "{bad}");
    }
}

#[test]
fn debug_output_names_the_server_and_account_but_never_the_token_or_key() {
    let client = SdkClient::new(
        "http://127.0.0.1:7001/pingid/v1",
        credentials(),
        "moderno-app",
        Clock::system(),
        Entropy::seeded(1),
    )
    .expect("client");
    let text = format!("{client:?}");
    assert!(text.contains("127.0.0.1") && text.contains(DEMO_ACCOUNT_ID) && text.contains("moderno-app"), "{text}");
    assert!(text.contains("[redacted]") && !text.contains(DEMO_ACCOUNT_TOKEN), "{text}");
}
