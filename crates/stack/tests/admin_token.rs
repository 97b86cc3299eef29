//! The admin API on a shared server: a bearer token on every route, and no open admin API
//! anywhere but loopback.

use moderno_customer_server::PasswordCost;
use moderno_stack::admin::AdminToken;
use moderno_stack::{Stack, StackConfig};
use serde_json::{json, Value};

const TOKEN: &str = "qa-token-for-tests";

async fn stack_with(
    dir: &std::path::Path,
    addr: [u8; 4],
    token: Option<AdminToken>,
) -> anyhow::Result<moderno_stack::RunningStack> {
    let mut config = StackConfig::loopback(dir.to_path_buf());
    config.password_cost = PasswordCost::TestOnlyCheap;
    config.admin_listen = Some((addr, 0).into());
    config.admin_token = token;
    Stack::start(config).await
}

async fn call(url: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new().put(format!("{url}/admin/faults/push-denied")).json(&json!({"on": true}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the admin API answers");
    (response.status().as_u16(), response.json().await.expect("JSON"))
}

#[tokio::test]
async fn with_a_token_every_request_needs_it_and_a_refused_one_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stack = stack_with(dir.path(), [127, 0, 0, 1], AdminToken::new(TOKEN)).await.expect("starts");
    let url = stack.admin_url.clone().expect("admin url");

    for token in [None, Some("wrong"), Some("qa-token-for-test"), Some("")] {
        let (status, body) = call(&url, token).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("UNAUTHORIZED")), "token {token:?}: {body}");
        assert!(!body.to_string().contains(TOKEN), "the refusal does not echo the token");
    }
    assert!(!stack.faults.is_on(moderno_ambient::Fault::PushDenied), "no refused call switched anything");
    let unknown = reqwest::Client::new().get(format!("{url}/admin/nothing-here")).send().await.expect("answers");
    assert_eq!(unknown.status(), 401, "even unknown routes say nothing without the token");

    let (status, body) = call(&url, Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tampered"], true);
    assert!(stack.faults.is_on(moderno_ambient::Fault::PushDenied));
    stack.shutdown().await;
}

#[tokio::test]
async fn an_admin_api_off_loopback_without_a_token_does_not_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let refused = stack_with(&data, [0, 0, 0, 0], None).await.err().expect("refused");
    assert!(refused.to_string().contains("MODERNO_ADMIN_TOKEN"), "says how to fix it: {refused}");
    assert!(!data.exists(), "refused before any file was written");
    assert!(AdminToken::new("").is_none(), "an empty token is no token");
    assert_eq!(format!("{:?}", AdminToken::new(TOKEN)), "Some(AdminToken([redacted]))", "never printed");
}

#[tokio::test]
async fn the_outbox_route_passes_on_what_pingone_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stack = stack_with(dir.path(), [127, 0, 0, 1], None).await.expect("starts");
    let url = stack.admin_url.clone().expect("admin url");
    let empty: Value =
        reqwest::get(format!("{url}/admin/outbox/nobody")).await.expect("answers").json().await.expect("JSON");
    assert_eq!(empty, json!([]), "a user PingOne never wrote to has an empty outbox");
    stack.shutdown().await;
}

#[tokio::test]
async fn what_the_http_layer_refuses_is_answered_in_the_admin_apis_json_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stack = stack_with(dir.path(), [127, 0, 0, 1], None).await.expect("starts");
    let url = stack.admin_url.clone().expect("admin url");
    let client = reqwest::Client::new();

    let wrong_method = client.delete(format!("{url}/admin/reset")).send().await.expect("answers");
    assert_eq!(wrong_method.status(), 405);
    let body: Value = wrong_method.json().await.expect("a 405 in JSON");
    assert_eq!(body["code"], "METHOD_NOT_ALLOWED", "{body}");

    let huge = json!({"on": true, "padding": "x".repeat(8192)});
    let too_big = client.put(format!("{url}/admin/faults/push-denied")).json(&huge).send().await.expect("answers");
    assert_eq!(too_big.status(), 413);
    let body: Value = too_big.json().await.expect("a 413 in JSON");
    assert_eq!(body["code"], "PAYLOAD_TOO_LARGE", "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert!(!stack.faults.is_on(moderno_ambient::Fault::PushDenied), "the refused body switched nothing");
    stack.shutdown().await;
}
