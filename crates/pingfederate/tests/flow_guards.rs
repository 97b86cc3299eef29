//! What the authentication API refuses, and that a refusal leaves the flow as it was: actions
//! the status does not offer, a missing X-XSRF-Header, a wrong content type, unknown or expired
//! flows, another client's cookie, wrong passwords, bad OAuth requests and reused codes.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::device::{approve_shown, TestDevice};
use common::pf::{assert_unoffered_actions_refused, Stack};
use moderno_wire::device_api::PushAnswer;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn every_action_in_a_state_that_does_not_offer_it_is_invalid_action_id_and_changes_nothing() {
    let stack = Stack::start().await;
    let phone = stack.paired_phone("alice", 31).await;
    stack.mfa.add_device("alice", "SMS").await;
    let mut client = stack.client();
    let flow = client.start_flow().await["id"].as_str().unwrap().to_string();
    assert_unoffered_actions_refused(&client, &flow).await; // USERNAME_PASSWORD_REQUIRED
    client.step(&flow, "checkUsernamePassword", json!({"username": "alice", "password": "moderno-demo"})).await;
    assert_unoffered_actions_refused(&client, &flow).await; // AUTHENTICATION_REQUIRED
    client.step(&flow, "authenticate", json!({})).await;
    assert_unoffered_actions_refused(&client, &flow).await; // DEVICE_SELECTION_REQUIRED
    let sms = stack.mfa.devices("alice").await[1]["id"].as_str().unwrap().to_string();
    client.step(&flow, "selectDevice", json!({"deviceRef": {"id": sms}})).await;
    assert_unoffered_actions_refused(&client, &flow).await; // OTP_REQUIRED
    client.step(&flow, "selectDevice", json!({"deviceRef": {"id": phone.device_id.as_deref().unwrap()}})).await;
    assert_unoffered_actions_refused(&client, &flow).await; // PUSH_CONFIRMATION_WAITING
    phone.answer_next_push(&stack.mfa.url, PushAnswer::deny()).await;
    client.step(&flow, "poll", json!({})).await;
    assert_unoffered_actions_refused(&client, &flow).await; // PUSH_CONFIRMATION_REJECTED
    let waiting =
        client.step(&flow, "selectDevice", json!({"deviceRef": {"id": phone.device_id.as_deref().unwrap()}})).await;
    phone.answer_next_push(&stack.mfa.url, approve_shown(&waiting)).await;
    assert_eq!(client.step(&flow, "poll", json!({})).await["status"], "MFA_COMPLETED");
    assert_unoffered_actions_refused(&client, &flow).await; // MFA_COMPLETED
    client.step(&flow, "continueAuthentication", json!({})).await;
    assert_unoffered_actions_refused(&client, &flow).await; // COMPLETED

    let (pairing_flow, _) = client.login("bob").await;
    let laptop = TestDevice::new(32, "Bob's laptop", &stack.clock);
    client.step(&pairing_flow, "authenticate", json!({"mobilePayload": laptop.mobile_payload()})).await;
    assert_unoffered_actions_refused(&client, &pairing_flow).await; // MOBILE_PAIRING_REQUIRED
    client.step(&pairing_flow, "cancelAuthentication", json!({})).await;
    assert_unoffered_actions_refused(&client, &pairing_flow).await; // FAILED

    let (failed_flow, _) = client.login("carol").await;
    assert_eq!(client.step(&failed_flow, "authenticate", json!({})).await["status"], "MFA_FAILED");
    assert_unoffered_actions_refused(&client, &failed_flow).await; // MFA_FAILED

    let (status, error) = client.act(&failed_flow, "flyToTheMoon", json!({})).await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_ACTION_ID")));
}

/// Sends a raw call to a flow with the headers given.
async fn raw(
    client: &common::pf::ApiClient,
    method: reqwest::Method,
    flow: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, Value) {
    let mut request = client.http.request(method, client.flow_url(flow)).body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn calls_without_the_xsrf_header_or_with_a_wrong_content_type_are_refused() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let flow = client.start_flow().await;
    let id = flow["id"].as_str().unwrap();
    let cookie = client.cookie.clone().unwrap();
    let login = json!({"username": "alice", "password": "moderno-demo"}).to_string();
    let action = "application/vnd.pingidentity.checkUsernamePassword+json";

    let (status, error) = raw(&client, reqwest::Method::GET, id, &[("cookie", &cookie)], "").await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::FORBIDDEN, Some("MISSING_XSRF_HEADER")));
    let (status, _) =
        raw(&client, reqwest::Method::POST, id, &[("cookie", &cookie), ("content-type", action)], &login).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    for content_type in ["application/json", "text/plain", "application/vnd.pingidentity.checkUsernamePassword"] {
        let headers = [("cookie", cookie.as_str()), ("x-xsrf-header", "PingFederate"), ("content-type", content_type)];
        let (status, error) = raw(&client, reqwest::Method::POST, id, &headers, &login).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}: {error}");
        assert_eq!(error["code"], "INVALID_CONTENT_TYPE");
    }
    let headers = [("cookie", cookie.as_str()), ("x-xsrf-header", "PingFederate"), ("content-type", action)];
    let (status, error) = raw(&client, reqwest::Method::POST, id, &headers, "{not json").await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_REQUEST")));
    assert_eq!(client.get(id).await.1, flow, "nothing changed");

    let query_action = format!("{}?action=checkUsernamePassword", client.flow_url(id));
    let response = client
        .http
        .post(query_action)
        .header("cookie", &cookie)
        .header("x-xsrf-header", "PingFederate")
        .header("content-type", "application/json")
        .body(login)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "the action may also be named in the query");
}

#[tokio::test]
async fn unknown_and_expired_flows_are_not_found() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let id = client.start_flow().await["id"].as_str().unwrap().to_string();
    let (status, error) = client.get("no-such-flow").await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::NOT_FOUND, Some("RESOURCE_NOT_FOUND")));
    stack.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(client.get(&id).await.0, StatusCode::OK);
    stack.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(client.get(&id).await.0, StatusCode::NOT_FOUND, "flows live 30 minutes");
    let (status, _) =
        client.act(&id, "checkUsernamePassword", json!({"username": "alice", "password": "moderno-demo"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn another_clients_cookie_cannot_read_or_drive_the_flow() {
    let stack = Stack::start().await;
    let mut owner = stack.client();
    let flow = owner.start_flow().await;
    let id = flow["id"].as_str().unwrap();
    let mut intruder = stack.client();
    intruder.start_flow().await;
    assert_ne!(intruder.cookie, owner.cookie);
    let (status, error) = intruder.get(id).await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::FORBIDDEN, Some("FLOW_SESSION_MISMATCH")));
    let (status, _) =
        intruder.act(id, "checkUsernamePassword", json!({"username": "alice", "password": "moderno-demo"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let cookieless = stack.client();
    assert_eq!(cookieless.get(id).await.0, StatusCode::FORBIDDEN);
    assert_eq!(owner.get(id).await.1, flow, "the owner's flow is untouched");

    let second = owner.start_flow().await;
    assert_eq!(owner.get(second["id"].as_str().unwrap()).await.0, StatusCode::OK, "one session may hold several flows");
}

#[tokio::test]
async fn a_wrong_password_or_unknown_user_is_one_validation_error_and_changes_nothing() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let flow = client.start_flow().await;
    let id = flow["id"].as_str().unwrap();
    let (status, wrong) =
        client.act(id, "checkUsernamePassword", json!({"username": "alice", "password": "nope-nope"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong["code"], "VALIDATION_ERROR");
    assert_eq!(wrong["details"][0]["code"], "CREDENTIAL_VALIDATION_FAILED");
    let (_, unknown) =
        client.act(id, "checkUsernamePassword", json!({"username": "mallory", "password": "nope-nope"})).await;
    assert_eq!(unknown, wrong, "an unknown user gets the very same answer");
    let (status, missing) = client.act(id, "checkUsernamePassword", json!({"username": "alice"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(missing["code"], "VALIDATION_ERROR");
    assert_eq!(client.get(id).await.1, flow);
}

#[tokio::test]
async fn the_authorization_endpoint_refuses_requests_without_pkce_or_with_unknown_clients() {
    let stack = Stack::start().await;
    let client = stack.client();
    let good = client.authorization_query();
    let cases: [(&str, Option<&str>, &str); 7] = [
        ("client_id", Some("stranger"), "invalid_client"),
        ("redirect_uri", Some("https://evil.example/cb"), "invalid_request"),
        ("response_type", Some("password"), "unsupported_response_type"),
        // The desktop app's client is not allowed the implicit grant (RFC 6749 section 4.2.2.1).
        ("response_type", Some("token"), "unauthorized_client"),
        ("code_challenge_method", Some("plain"), "invalid_request"),
        ("code_challenge", None, "invalid_request"),
        ("response_mode", Some("fragment"), "invalid_request"),
    ];
    for (field, value, expected) in cases {
        let query: Vec<(&str, &str)> = good
            .iter()
            .filter(|(k, _)| *k != field)
            .map(|(k, v)| (*k, v.as_str()))
            .chain(value.map(|v| (field, v)))
            .collect();
        let response =
            client.http.get(format!("{}/as/authorization.oauth2", stack.pf_url)).query(&query).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{field}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], expected, "{field}");
    }
}

#[tokio::test]
async fn a_code_is_redeemed_once_and_only_with_its_verifier() {
    let stack = Stack::start().await;
    let (client, completed) = stack.login_from_paired_device("dave", 33).await;
    let code = completed["authorizeResponse"]["code"].as_str().unwrap();

    let mut impostor = stack.client();
    impostor.verifier = format!("other-verifier-{}", "q".repeat(40));
    let (status, error) = impostor.exchange(code).await;
    assert_eq!((status, error["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let (status, _) = client.exchange(code).await;
    assert_eq!(status, StatusCode::OK, "a refused exchange did not spend the code");
    let (status, error) = client.exchange(code).await;
    assert_eq!((status, error["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
}

#[tokio::test]
async fn fifty_parallel_exchanges_of_one_code_yield_exactly_one_token() {
    let stack = Stack::start().await;
    let (client, completed) = stack.login_from_paired_device("carol", 34).await;
    let code = completed["authorizeResponse"]["code"].as_str().unwrap().to_string();
    let client = std::sync::Arc::new(client);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (client, code) = (client.clone(), code.clone());
        tasks.spawn(async move { client.exchange(&code).await.0 });
    }
    let statuses = tasks.join_all().await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
}
