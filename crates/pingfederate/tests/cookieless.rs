//! Cookieless mode, a client setting (`enable_cookieless_authentication_api`,
//! `pingidentity/terraform-provider-pingfederate:docs/resources/oauth_client.md`): no `PF`
//! cookie; every answer carries `_pf_authn_api_state` and the client sends it back in
//! `X-Pf-Authn-Api-State`, as Ping's widget does with `cookieless: true`
//! (`pingidentity/pf-authn-js-widget:docs/redirectless.md` "Cookieless", `src/store.js`
//! `buildHeaders` and `reduce`).

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::device::approve_shown;
use common::pf::Stack;
use pingfederate_server::OAuthClient;
use reqwest::StatusCode;
use serde_json::{json, Value};

const STATE_HEADER: &str = "X-Pf-Authn-Api-State";

async fn send(
    http: &reqwest::Client,
    request: reqwest::RequestBuilder,
    state: Option<&str>,
) -> (StatusCode, Value, bool) {
    let mut request = request.header("X-XSRF-Header", "PingFederate");
    if let Some(state) = state {
        request = request.header(STATE_HEADER, state);
    }
    let response = http.execute(request.build().unwrap()).await.unwrap();
    let sets_cookie = response.headers().contains_key("set-cookie");
    (response.status(), response.json().await.unwrap(), sets_cookie)
}

#[tokio::test]
async fn a_cookieless_client_signs_in_with_the_state_header_alone() {
    let stack = Stack::start_with(|config| {
        let mut app = OAuthClient::public("cookieless-app", vec![]);
        app.cookieless = true;
        config.clients.push(app);
    })
    .await;
    let phone = stack.paired_phone("dave", 61).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let start = http.get(format!(
        "{}/as/authorization.oauth2?client_id=cookieless-app&response_type=code&response_mode=pi.flow",
        stack.pf_url
    ));
    let (status, flow, sets_cookie) = send(&http, start, None).await;
    assert_eq!(status, StatusCode::OK, "{flow}");
    assert!(!sets_cookie, "no PF cookie in cookieless mode");
    let state = flow["_pf_authn_api_state"].as_str().unwrap().to_string();
    let url = format!("{}/pf-ws/authn/flows/{}", stack.pf_url, flow["id"].as_str().unwrap());

    let (status, error, _) = send(&http, http.get(&url), None).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("FLOW_SESSION_MISMATCH")),
        "the state is the session"
    );
    let (status, error, _) = send(&http, http.get(&url), Some("someone-elses-state")).await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::FORBIDDEN, Some("FLOW_SESSION_MISMATCH")));

    let act = |action: &str, body: Value| {
        http.post(&url)
            .header("content-type", format!("application/vnd.pingidentity.{action}+json"))
            .body(body.to_string())
    };
    let (_, authn, _) = send(
        &http,
        act("checkUsernamePassword", json!({"username": "dave", "password": "moderno-demo"})),
        Some(&state),
    )
    .await;
    assert_eq!(authn["status"], "AUTHENTICATION_REQUIRED", "{authn}");
    // The password passed: the session is issued afresh (`flow_session::rotate`), and Ping's
    // widget sends whatever state the last answer carried (`src/store.js`: each answer replaces
    // the state that `buildHeaders` sends).
    let renewed = authn["_pf_authn_api_state"].as_str().expect("every answer carries the state").to_string();
    assert_ne!(renewed, state, "a new state once the password passed");
    let (status, error, _) = send(&http, http.get(&url), Some(&state)).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("FLOW_SESSION_MISMATCH")),
        "the state from before the sign-in reaches nothing"
    );
    let state = renewed;
    let (_, waiting, _) = send(&http, act("authenticate", json!({})), Some(&state)).await;
    phone.answer_next_push(&stack.mfa.url, approve_shown(&waiting)).await;
    let (_, done, _) = send(&http, http.get(&url), Some(&state)).await;
    assert_eq!(done["status"], "MFA_COMPLETED", "{done}");
    let (_, completed, _) = send(&http, act("continueAuthentication", json!({})), Some(&state)).await;
    assert_eq!(completed["status"], "COMPLETED", "{completed}");
}

#[tokio::test]
async fn a_flow_with_cookies_takes_no_state_header_instead_of_its_cookie() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let flow = client.start_flow().await;
    assert!(flow.get("_pf_authn_api_state").is_none(), "cookie mode: {flow}");
    let session = client.cookie.take().unwrap().trim_start_matches("PF=").to_string();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/pf-ws/authn/flows/{}", stack.pf_url, flow["id"].as_str().unwrap());
    let (status, error, _) = send(&http, http.get(&url), Some(&session)).await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::FORBIDDEN, Some("FLOW_SESSION_MISMATCH")), "{error}");
}
