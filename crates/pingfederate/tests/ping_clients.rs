//! Clients as PingFederate configures them (`pingidentity/terraform-provider-pingfederate:
//! docs/resources/oauth_client.md`: `require_proof_key_for_code_exchange` off by default,
//! `redirect_uris` optional for redirectless clients, `redirect_uri` required only with several),
//! and the exact requests of Ping's Android sample, from the first call to the token.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::device::approve_shown;
use common::pf::Stack;
use pingfederate_server::{OAuthClient, DESKTOP_CLIENT_ID, MOBILE_SAMPLE_CLIENT_ID, WEB_CLIENT_ID};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The requests of Ping's Android sample (`pingidentity/pingone-mobile-sdk-android` at
/// 40a5c6b8, module `PingAuthenticationCore`): `connection/CommunicationTask.java` POSTs every
/// call (`setDoOutput(true)`), with the headers of `beans/PingAuthenticationApiRequest.java`
/// (`X-XSRF-Header: PingFederate`, `Content-Type: application/vnd.pingidentity.<action>+json`)
/// and the cookies it was set, joined by `;`.
struct AndroidSample {
    http: reqwest::Client,
    base: String,
    cookies: Vec<String>,
}

impl AndroidSample {
    fn new(stack: &Stack) -> Self {
        let http = reqwest::Client::builder().no_proxy().timeout(std::time::Duration::from_secs(30)).build().unwrap();
        Self { http, base: stack.pf_url.clone(), cookies: vec![] }
    }

    async fn send(&mut self, url: String, content_type: &str, body: String) -> (StatusCode, Value) {
        let mut request =
            self.http.post(url).header("X-XSRF-Header", "PingFederate").header("Content-Type", content_type).body(body);
        if !self.cookies.is_empty() {
            request = request.header("Cookie", self.cookies.join(";"));
        }
        let response = request.send().await.unwrap();
        for set in response.headers().get_all("set-cookie") {
            self.cookies.push(set.to_str().unwrap().split(';').next().unwrap().to_string());
        }
        (response.status(), response.json().await.unwrap())
    }

    /// `connection/ConnectionFactory.java`: the first call carries only `scope`,
    /// `response_type`, `response_mode` and `client_id` (`PingAuthenticationCore/gradle.properties`:
    /// `SCOPE = "openid"`, `RESPONSE_TYPE = "code"`, `RESPONSE_MODE = "pi.flow"`).
    async fn initialize(&mut self) -> (StatusCode, Value) {
        self.initialize_for("code").await
    }

    /// The same with another of the response types `gradle.properties` lists (URL-encoded, as
    /// `Uri.Builder.appendQueryParameter` writes it).
    async fn initialize_for(&mut self, response_type: &str) -> (StatusCode, Value) {
        let response_type = response_type.replace(' ', "%20");
        let url = format!(
            "{}/as/authorization.oauth2?scope=openid&response_type={response_type}&response_mode=pi.flow&client_id={MOBILE_SAMPLE_CLIENT_ID}",
            self.base
        );
        self.send(url, "application/vnd.pingidentity.authorization.oauth2+json", "{}".into()).await
    }

    async fn act(&mut self, flow: &str, action: &str, body: Value) -> Value {
        let url = format!("{}/pf-ws/authn/flows/{flow}", self.base);
        let (status, answer) =
            self.send(url, &format!("application/vnd.pingidentity.{action}+json"), body.to_string()).await;
        assert_eq!(status, StatusCode::OK, "{action}: {answer}");
        answer
    }

    /// `beans/TokenExchangeRequest.java`, form-encoded in Gson's field order: `code`,
    /// `grant_type`, `client_id`, and `client_secret` (`CLIENT_SECRET = ""` by default: sent empty).
    async fn exchange(&mut self, code: &str) -> (StatusCode, Value) {
        let body =
            format!("code={code}&grant_type=authorization_code&client_id={MOBILE_SAMPLE_CLIENT_ID}&client_secret=");
        self.send(format!("{}/as/token.oauth2", self.base), "application/x-www-form-urlencoded", body).await
    }
}

#[tokio::test]
async fn ping_android_samples_requests_complete_a_push_sign_in_and_redeem_the_code_without_pkce_or_redirect_uri() {
    let stack = Stack::start().await;
    let phone = stack.paired_phone("dave", 51).await;
    let mut sample = AndroidSample::new(&stack);
    let (status, flow) = sample.initialize().await;
    assert_eq!((status, flow["status"].as_str()), (StatusCode::OK, Some("USERNAME_PASSWORD_REQUIRED")), "{flow}");
    assert_eq!(sample.cookies.len(), 1, "the flow's session cookie was set");
    let id = flow["id"].as_str().unwrap().to_string();
    let authn = sample.act(&id, "checkUsernamePassword", json!({"username": "dave", "password": "moderno-demo"})).await;
    assert_eq!(authn["status"], "AUTHENTICATION_REQUIRED");
    let waiting = sample.act(&id, "authenticate", json!({})).await;
    assert_eq!(waiting["status"], "PUSH_CONFIRMATION_WAITING");
    // `connection/PollingHelper.java`: `poll` once a second (the clock moves with it).
    stack.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(sample.act(&id, "poll", json!({})).await["status"], "PUSH_CONFIRMATION_WAITING");
    phone.answer_next_push(&stack.mfa.url, approve_shown(&waiting)).await;
    stack.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(sample.act(&id, "poll", json!({})).await["status"], "MFA_COMPLETED");
    let completed = sample.act(&id, "continueAuthentication", json!({})).await;
    assert_eq!(completed["status"], "COMPLETED");
    assert!(completed["authorizeResponse"].get("state").is_none(), "no state was sent: {completed}");
    let code = completed["authorizeResponse"]["code"].as_str().unwrap().to_string();

    let (status, tokens) = sample.exchange(&code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let claims = stack.verified_claims(tokens["access_token"].as_str().unwrap()).await;
    assert_eq!((claims["sub"].as_str(), claims["aud"].as_str()), (Some("dave"), Some(MOBILE_SAMPLE_CLIENT_ID)));
    assert_eq!(tokens["scope"], "openid");
    let (status, error) = sample.exchange(&code).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "a code is single use"
    );
}

#[tokio::test]
async fn ping_android_samples_implicit_response_type_completes_with_the_tokens_in_the_authorization_response() {
    // `PingAuthenticationCore/gradle.properties` lists `id_token token` (implicit) among the
    // response types; `models/AuthorizationResponse.java` reads `access_token, id_token,
    // token_type, expires_in` from `authorizeResponse`.
    let stack = Stack::start().await;
    let phone = stack.paired_phone("carol", 56).await;
    let mut sample = AndroidSample::new(&stack);
    let (status, flow) = sample.initialize_for("id_token token").await;
    assert_eq!(status, StatusCode::OK, "{flow}");
    let id = flow["id"].as_str().unwrap().to_string();
    sample.act(&id, "checkUsernamePassword", json!({"username": "carol", "password": "moderno-demo"})).await;
    sample.act(&id, "authenticate", json!({"mobilePayload": phone.mobile_payload()})).await;
    let completed = sample.act(&id, "continueAuthentication", json!({})).await;
    let response = &completed["authorizeResponse"];
    assert!(response.get("code").is_none(), "no code was asked for: {completed}");
    assert_eq!((response["token_type"].as_str(), response["expires_in"].as_i64()), (Some("Bearer"), Some(3600)));
    let access = stack.verified_claims(response["access_token"].as_str().unwrap()).await;
    let id_claims = stack.verified_claims(response["id_token"].as_str().unwrap()).await;
    assert_eq!((access["sub"].as_str(), id_claims["aud"].as_str()), (Some("carol"), Some(MOBILE_SAMPLE_CLIENT_ID)));
    assert_eq!(access["pingone.mfa.status"], "com.pingidentity.pingone.device_paired");

    let (status, hybrid) = sample.initialize_for("code id_token").await;
    assert_eq!(
        (status, hybrid["status"].as_str()),
        (StatusCode::OK, Some("USERNAME_PASSWORD_REQUIRED")),
        "hybrid: {hybrid}"
    );
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let desktop = format!(
        "{}/as/authorization.oauth2?client_id={DESKTOP_CLIENT_ID}&response_type=token&response_mode=pi.flow",
        stack.pf_url
    );
    let refused: Value = http.get(desktop).send().await.unwrap().json().await.unwrap();
    assert_eq!(refused["error"], "unauthorized_client", "the implicit grant is a client setting");
}

/// `GET /as/authorization.oauth2` with the query given (no cookie).
async fn authorize(stack: &Stack, query: &[(&str, &str)]) -> (StatusCode, Value) {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let response = http.get(format!("{}/as/authorization.oauth2", stack.pf_url)).query(query).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn token(stack: &Stack, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let response = http.post(format!("{}/as/token.oauth2", stack.pf_url)).form(form).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// RFC 7636 appendix B: S256 of [`VERIFIER`].
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

#[tokio::test]
async fn pkce_is_required_by_the_desktop_and_web_clients_settings_only() {
    let stack = Stack::start().await;
    let pi_flow = [("response_type", "code"), ("response_mode", "pi.flow")];
    for client in [DESKTOP_CLIENT_ID, WEB_CLIENT_ID] {
        let query: Vec<_> = pi_flow.iter().copied().chain([("client_id", client)]).collect();
        let (status, error) = authorize(&stack, &query).await;
        assert_eq!(
            (status, error["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_request")),
            "{client}: {error}"
        );
        let with_pkce: Vec<_> =
            query.iter().copied().chain([("code_challenge", CHALLENGE), ("code_challenge_method", "S256")]).collect();
        let (status, flow) = authorize(&stack, &with_pkce).await;
        assert_eq!(
            (status, flow["status"].as_str()),
            (StatusCode::OK, Some("USERNAME_PASSWORD_REQUIRED")),
            "{client}: {flow}"
        );
    }
    let sample: Vec<_> = pi_flow.iter().copied().chain([("client_id", MOBILE_SAMPLE_CLIENT_ID)]).collect();
    assert_eq!(authorize(&stack, &sample).await.0, StatusCode::OK, "PingFederate's default: PKCE optional");
    let bad: Vec<_> =
        sample.iter().copied().chain([("code_challenge", "short"), ("code_challenge_method", "S256")]).collect();
    assert_eq!(authorize(&stack, &bad).await.1["error"], "invalid_request", "a challenge sent is still checked");
    let redirect: Vec<_> = sample.iter().copied().chain([("redirect_uri", "moderno://callback")]).collect();
    assert_eq!(
        authorize(&stack, &redirect).await.1["error"],
        "invalid_request",
        "the sample's client has no redirect URI"
    );
    let browser = [("client_id", MOBILE_SAMPLE_CLIENT_ID), ("response_type", "code")];
    assert_eq!(
        authorize(&stack, &browser).await.1["error"],
        "invalid_request",
        "no redirect URI: redirectless flows only"
    );
}

#[tokio::test]
async fn the_token_endpoint_wants_redirect_uri_only_when_the_authorization_request_carried_it() {
    let stack = Stack::start().await;
    let (named, completed) = stack.login_from_paired_device("alice", 52).await;
    let code = completed["authorizeResponse"]["code"].as_str().unwrap();
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_id", DESKTOP_CLIENT_ID),
        ("code_verifier", named.verifier.as_str()),
    ];
    let (status, error) = token(&stack, &base).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "the request named it: it must come back"
    );
    let (status, _) = named.exchange(code).await;
    assert_eq!(status, StatusCode::OK, "the refusal did not spend the code");

    // The desktop client has one redirect URI: a request may leave it out, and so may the redemption.
    let phone = stack.paired_phone("bob", 55).await;
    let mut unnamed = stack.client();
    unnamed.redirect_uri = None;
    let (flow, _) = unnamed.login("bob").await;
    unnamed.step(&flow, "authenticate", json!({"mobilePayload": phone.mobile_payload()})).await;
    let completed = unnamed.step(&flow, "continueAuthentication", json!({})).await;
    let (status, tokens) = unnamed.exchange(completed["authorizeResponse"]["code"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
}

#[tokio::test]
async fn the_web_client_redeems_with_its_verifier_and_without_redirect_uri() {
    let stack = Stack::start().await;
    let phone = stack.paired_phone("bob", 53).await;
    let mut client = stack.client();
    client.verifier = VERIFIER.into();
    let http = client.http.clone();
    let query = [
        ("client_id", WEB_CLIENT_ID),
        ("response_type", "code"),
        ("response_mode", "pi.flow"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("scope", "openid"),
    ];
    let response = http.get(format!("{}/as/authorization.oauth2", stack.pf_url)).query(&query).send().await.unwrap();
    client.cookie =
        response.headers().get("set-cookie").map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string());
    let flow: Value = response.json().await.unwrap();
    let id = flow["id"].as_str().unwrap();
    client.step(id, "checkUsernamePassword", json!({"username": "bob", "password": "moderno-demo"})).await;
    let waiting = client.step(id, "authenticate", json!({})).await;
    phone.answer_next_push(&stack.mfa.url, approve_shown(&waiting)).await;
    assert_eq!(client.get(id).await.1["status"], "MFA_COMPLETED");
    let completed = client.step(id, "continueAuthentication", json!({})).await;
    let code = completed["authorizeResponse"]["code"].as_str().unwrap();
    let base = [("grant_type", "authorization_code"), ("code", code), ("client_id", WEB_CLIENT_ID)];
    let (status, error) = token(&stack, &base).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "the verifier is missing"
    );
    let wrong: Vec<_> = base
        .iter()
        .copied()
        .chain([("code_verifier", VERIFIER), ("redirect_uri", "https://evil.example/cb")])
        .collect();
    assert_eq!(token(&stack, &wrong).await.1["error"], "invalid_grant");
    let right: Vec<_> = base.iter().copied().chain([("code_verifier", VERIFIER)]).collect();
    let (status, tokens) = token(&stack, &right).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(stack.verified_claims(tokens["id_token"].as_str().unwrap()).await["aud"], WEB_CLIENT_ID);
}

#[tokio::test]
async fn a_confidential_client_redeems_only_with_its_secret() {
    let stack = Stack::start_with(|config| {
        let mut server_app = OAuthClient::public("server-app", vec![]);
        server_app.client_secret = Some("the-server-apps-secret".into());
        config.clients.push(server_app);
    })
    .await;
    let phone = stack.paired_phone("carol", 54).await;
    let mut client = stack.client();
    let response = client
        .http
        .get(format!(
            "{}/as/authorization.oauth2?client_id=server-app&response_type=code&response_mode=pi.flow",
            stack.pf_url
        ))
        .send()
        .await
        .unwrap();
    client.cookie =
        response.headers().get("set-cookie").map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string());
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    client.step(&id, "checkUsernamePassword", json!({"username": "carol", "password": "moderno-demo"})).await;
    client.step(&id, "authenticate", json!({"mobilePayload": phone.mobile_payload()})).await;
    let completed = client.step(&id, "continueAuthentication", json!({})).await;
    let code = completed["authorizeResponse"]["code"].as_str().unwrap();
    let base = [("grant_type", "authorization_code"), ("code", code), ("client_id", "server-app")];
    for secret in [None, Some(""), Some("a-guess")] {
        let form: Vec<_> = base.iter().copied().chain(secret.map(|s| ("client_secret", s))).collect();
        let (status, error) = token(&stack, &form).await;
        assert_eq!((status, error["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")), "{secret:?}");
        assert!(!error.to_string().contains("the-server-apps-secret"));
    }
    let right: Vec<_> = base.iter().copied().chain([("client_secret", "the-server-apps-secret")]).collect();
    let (status, tokens) = token(&stack, &right).await;
    assert_eq!(status, StatusCode::OK, "the refusals did not spend the code: {tokens}");
}

/// The seed's initial pairing with the Android sample's requests: `authenticate` with the mobile
/// payload answers MOBILE_PAIRING_REQUIRED with the server payload (the PingOne ID token), the SDK
/// pairs, `continueAuthentication` completes, and the token says `device_paired` (PingOne MFA
/// integration kit, "Device pairing flows": pairing an initial device using automatic pairing).
#[tokio::test]
async fn ping_android_samples_requests_pair_a_first_device_and_the_token_says_device_paired() {
    let stack = Stack::start().await;
    stack.mfa.create_user("alice").await;
    let mut phone = common::device::TestDevice::new(52, "alice's phone", &stack.clock);
    let mut sample = AndroidSample::new(&stack);
    let (_, flow) = sample.initialize().await;
    let id = flow["id"].as_str().unwrap().to_string();
    sample.act(&id, "checkUsernamePassword", json!({"username": "alice", "password": "moderno-demo"})).await;
    let pairing = sample.act(&id, "authenticate", json!({"mobilePayload": phone.mobile_payload()})).await;
    assert_eq!(pairing["status"], "MOBILE_PAIRING_REQUIRED", "{pairing}");
    let (status, paired) = phone.complete_pairing(pairing["serverPayload"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{paired}");
    let completed = sample.act(&id, "continueAuthentication", json!({})).await;
    assert_eq!(completed["status"], "COMPLETED", "{completed}");
    let (status, tokens) = sample.exchange(completed["authorizeResponse"]["code"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let claims = stack.verified_claims(tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["pingone.mfa.status"], "com.pingidentity.pingone.device_paired", "{claims}");
}

/// The seed's other second factors with the Android sample's requests: several devices answer
/// DEVICE_SELECTION_REQUIRED (or a passcode at the default one), `selectDevice` sends the passcode
/// to the chosen device, `checkOtp` completes (PingOne MFA integration kit, "Authentication
/// flows"; the sample's `ACTIONS.SELECT_DEVICE`, `ACTIONS.CHECK_OTP`).
#[tokio::test]
async fn ping_android_samples_requests_select_a_device_and_check_its_passcode() {
    let stack = Stack::start().await;
    stack.mfa.create_user("carol").await;
    let (sms, _) = stack.mfa.add_device("carol", "SMS").await;
    let (email, _) = stack.mfa.add_device("carol", "EMAIL").await;
    let mut sample = AndroidSample::new(&stack);
    let (_, flow) = sample.initialize().await;
    let id = flow["id"].as_str().unwrap().to_string();
    sample.act(&id, "checkUsernamePassword", json!({"username": "carol", "password": "moderno-demo"})).await;
    let first = sample.act(&id, "authenticate", json!({})).await;
    assert!(["DEVICE_SELECTION_REQUIRED", "OTP_REQUIRED"].contains(&first["status"].as_str().unwrap()), "{first}");
    let devices: Vec<&str> = first["devices"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert!(devices.contains(&sms.as_str()) && devices.contains(&email.as_str()), "{first}");
    let otp = sample.act(&id, "selectDevice", json!({"deviceRef": {"id": email}})).await;
    assert_eq!(
        (otp["status"].as_str(), otp["selectedDeviceRef"]["id"].as_str()),
        (Some("OTP_REQUIRED"), Some(email.as_str()))
    );
    let code = stack.mfa.last_sent_code("carol").await;
    let done = sample.act(&id, "checkOtp", json!({"otp": code})).await;
    assert_eq!(done["status"], "MFA_COMPLETED", "{done}");
    let completed = sample.act(&id, "continueAuthentication", json!({})).await;
    let (status, tokens) = sample.exchange(completed["authorizeResponse"]["code"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
}
