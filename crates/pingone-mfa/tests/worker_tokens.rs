//! The worker application's access token, as PingOne issues it: `POST {authPath}/{envId}/as/token`
//! with `grant_type=client_credentials` ("Token (client_credentials)":
//! https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/token-client_credentials-client-secret-post.html),
//! valid one hour ("An access token is valid for 1 hour":
//! https://developer.pingidentity.com/pingone-api/getting-started/introduction.html); the Platform
//! API refuses any other token with 401 ACCESS_FAILED, detail INVALID_TOKEN (Ping's OpenAPI
//! `com.pingidentity.ApiErrorResponse.401.yaml`).

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::mfa_server::{test_clock, MfaServer, CLIENT_ID, CLIENT_SECRET, ENV};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn token_request(mfa: &MfaServer, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> (StatusCode, Value) {
    let mut request = mfa.client.post(format!("{}/{ENV}/as/token", mfa.url)).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn users_with(mfa: &MfaServer, token: &str) -> (StatusCode, Value) {
    let url = mfa.api_url("/users?filter=username%20eq%20%22alice%22");
    let response = mfa.client.get(url).bearer_auth(token).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn client_credentials_by_basic_or_post_buy_a_bearer_token_for_an_hour() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let (status, basic) =
        token_request(&mfa, &[("grant_type", "client_credentials")], Some((CLIENT_ID, CLIENT_SECRET))).await;
    assert_eq!(status, StatusCode::OK, "{basic}");
    assert_eq!(basic["token_type"], "Bearer");
    assert_eq!(basic["expires_in"], 3600);
    let form = [("grant_type", "client_credentials"), ("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)];
    let (status, posted) = token_request(&mfa, &form, None).await;
    assert_eq!(status, StatusCode::OK, "client_secret_post works too: {posted}");
    assert_ne!(basic["access_token"], posted["access_token"], "each request gets its own token");

    let token = posted["access_token"].as_str().unwrap();
    assert_eq!(users_with(&mfa, token).await.0, StatusCode::OK);
    clock.advance(chrono::Duration::minutes(59));
    assert_eq!(users_with(&mfa, token).await.0, StatusCode::OK, "still valid before the hour is over");
    clock.advance(chrono::Duration::minutes(1));
    let (status, expired) = users_with(&mfa, token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{expired}");
    assert_eq!(expired["code"], "ACCESS_FAILED");
    assert_eq!(expired["details"][0]["code"], "INVALID_TOKEN");
    assert!(expired["id"].is_string(), "{expired}");
}

#[tokio::test]
async fn wrong_client_credentials_or_grant_get_no_token_and_made_up_tokens_are_refused() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let (status, wrong) =
        token_request(&mfa, &[("grant_type", "client_credentials")], Some((CLIENT_ID, "not-the-secret"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong}");
    assert_eq!(wrong["error"], "invalid_client");
    assert!(wrong.get("access_token").is_none());
    let (status, none) = token_request(&mfa, &[("grant_type", "client_credentials")], None).await;
    assert_eq!((status, none["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")), "{none}");
    let (status, grant) = token_request(&mfa, &[("grant_type", "password")], Some((CLIENT_ID, CLIENT_SECRET))).await;
    assert_eq!((status, grant["error"].as_str()), (StatusCode::BAD_REQUEST, Some("unsupported_grant_type")), "{grant}");

    for token in ["made-up", "", mfa.token.as_str().get(1..).unwrap()] {
        let (status, refused) = users_with(&mfa, token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}: {refused}");
        assert_eq!(refused["details"][0]["code"], "INVALID_TOKEN", "{refused}");
    }
    let response = mfa.client.post(mfa.api_url("/users")).json(&json!({"username": "alice"})).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "no token at all");
    assert_eq!(users_with(&mfa, &mfa.token).await.1["count"], 0, "nothing was created by the refused calls");
}
