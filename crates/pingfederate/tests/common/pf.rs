//! Starts PingFederate and the PingOne MFA emulator side by side on 127.0.0.1:0, sharing one
//! manual clock, and drives flows the way an API client (the desktop app) does: redirectless
//! authorization with PKCE, the flow cookie, `X-XSRF-Header` and action content types.

#![allow(dead_code)]

use moderno_ambient::{Clock, Entropy};
use moderno_crypto::device_key::DevicePublicKey;
use moderno_sql::{Database, Location, OptionalExtension as _};
use moderno_wire::pingfederate::Jwks;
use pingfederate_server::{app, Config, PasswordCost, State};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::mfa_server::{test_clock, MfaServer, CLIENT_ID as P1_CLIENT_ID, CLIENT_SECRET as P1_CLIENT_SECRET, ENV};

pub const CLIENT_ID: &str = "moderno-desktop";
pub const REDIRECT_URI: &str = "moderno://callback";
pub const PASSWORD: &str = "moderno-demo";

pub struct Stack {
    pub mfa: MfaServer,
    pub pf_url: String,
    pub clock: Clock,
    /// Where PingFederate keeps its state: its SQLite file, or with MODERNO_TEST_STORE=postgres
    /// a PostgreSQL database of the test's own.
    pub location: Location,
    /// The configuration it was started with (for a second instance).
    pub config: Config,
    /// PingFederate's state (the same the server answers from).
    pub state: State,
    _dir: tempfile::TempDir,
}

impl Stack {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts with the demo configuration changed by `adjust` (clients, options).
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let clock = test_clock();
        let mfa = MfaServer::start(&clock).await;
        let dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let pf_url = format!("http://{}", listener.local_addr().unwrap());
        let location = moderno_sql::testing::location(dir.path().join("pf.sqlite3"));
        let mut config = Config::demo(dir.path().join("pf.sqlite3"), pf_url.clone(), mfa.url.clone());
        stored_at(&mut config, &location);
        config.pingone_environment_id = ENV.into();
        config.pingone_client_id = P1_CLIENT_ID.into();
        config.pingone_client_secret = P1_CLIENT_SECRET.into();
        config.password_cost = PasswordCost::TestOnlyCheap;
        adjust(&mut config);
        let state = State::open(config.clone(), clock.clone(), Entropy::seeded(7)).unwrap();
        let serving = state.clone();
        tokio::spawn(async move { axum::serve(listener, app(serving)).await.unwrap() });
        Self { mfa, pf_url, clock, location, config, state, _dir: dir }
    }

    /// A second PingFederate instance on the same database, PingOne and clock, with entropy of
    /// its own: its base URL.
    pub async fn second_instance(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = State::open(self.config.clone(), self.clock.clone(), Entropy::seeded(8)).unwrap();
        tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
        url
    }

    /// PingFederate's database, opened anew (as a tool beside the server would).
    pub fn database(&self) -> Database {
        Database::open(&self.location, &pingfederate_server::schemas()).unwrap()
    }

    /// The one number `sql` answers, read from PingFederate's database.
    pub fn count(&self, sql: &'static str, param: &str) -> i64 {
        let param = param.to_owned();
        self.database()
            .blocking(move |conn| {
                let answer: moderno_sql::Result<i64> = if sql.contains("?1") {
                    conn.query_row(sql, [param], |r| r.get(0))
                } else {
                    conn.query_row(sql, (), |r| r.get(0))
                };
                answer.optional().map(Option::unwrap_or_default)
            })
            .unwrap()
    }

    pub fn client(&self) -> ApiClient {
        ApiClient {
            http: reqwest::Client::builder().no_proxy().timeout(std::time::Duration::from_secs(30)).build().unwrap(),
            base: self.pf_url.clone(),
            cookie: None,
            renewed: Default::default(),
            verifier: format!("verifier-{}", "k".repeat(40)),
            redirect_uri: Some(REDIRECT_URI.into()),
        }
    }

    /// Checks a JWT against the published JWKS and returns its claims.
    pub async fn verified_claims(&self, token: &str) -> Value {
        let jwks: Jwks = reqwest::get(format!("{}/pf/JWKS", self.pf_url)).await.unwrap().json().await.unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3, "a compact JWS");
        let header: Value = serde_json::from_slice(&moderno_crypto::b64url_decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "EdDSA");
        let jwk = jwks.keys.iter().find(|k| header["kid"] == k.kid.as_str()).expect("kid published");
        let key = DevicePublicKey::from_b64(&jwk.x).unwrap();
        assert!(
            key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), parts[2]),
            "signature verifies under the JWKS"
        );
        serde_json::from_slice(&moderno_crypto::b64url_decode(parts[1]).unwrap()).unwrap()
    }
}

/// Points `config` at `location`: a SQLite file, or a PostgreSQL database.
pub fn stored_at(config: &mut Config, location: &Location) {
    match location {
        Location::File(path) => config.database_path = path.clone(),
        Location::Postgres(url) => config.database_url = Some(moderno_crypto::Secret::from(url)),
    }
}

/// One API client: its own cookie jar (the flow session cookie) and PKCE verifier.
pub struct ApiClient {
    pub http: reqwest::Client,
    pub base: String,
    pub cookie: Option<String>,
    /// The `PF` cookie PingFederate issued afresh when the password passed (it then wins over
    /// `cookie`), kept as a browser keeps a `Set-Cookie` on any answer.
    pub renewed: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    pub verifier: String,
    /// Sent in the authorization and token requests; `None` leaves it out of both.
    pub redirect_uri: Option<String>,
}

impl ApiClient {
    pub fn challenge(&self) -> String {
        moderno_crypto::b64url(&Sha256::digest(self.verifier.as_bytes()))
    }

    /// `GET /as/authorization.oauth2` in redirectless mode; keeps the session cookie.
    pub async fn start_flow(&mut self) -> Value {
        let challenge = self.challenge();
        let mut query = vec![
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("scope", "openid profile"),
            ("state", "xyz"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("response_mode", "pi.flow"),
        ];
        query.extend(self.redirect_uri.as_deref().map(|uri| ("redirect_uri", uri)));
        let mut request = self.http.get(format!("{}/as/authorization.oauth2", self.base)).query(&query);
        if let Some(cookie) = self.session_cookie() {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        if let Some(set) = response.headers().get("set-cookie") {
            self.cookie = Some(set.to_str().unwrap().split(';').next().unwrap().to_string());
            *self.renewed.lock().unwrap() = None;
        }
        response.json().await.unwrap()
    }

    /// A redirectless authorization request of the desktop client, with its PKCE challenge.
    pub fn authorization_query(&self) -> Vec<(&'static str, String)> {
        vec![
            ("client_id", CLIENT_ID.into()),
            ("response_type", "code".into()),
            ("redirect_uri", REDIRECT_URI.into()),
            ("code_challenge", self.challenge()),
            ("code_challenge_method", "S256".into()),
            ("response_mode", "pi.flow".into()),
        ]
    }

    pub fn flow_url(&self, flow: &str) -> String {
        format!("{}/pf-ws/authn/flows/{flow}", self.base)
    }

    pub async fn get(&self, flow: &str) -> (StatusCode, Value) {
        let mut request = self.http.get(self.flow_url(flow)).header("x-xsrf-header", "PingFederate");
        if let Some(cookie) = self.session_cookie() {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        (response.status(), response.json().await.unwrap())
    }

    pub async fn act(&self, flow: &str, action: &str, body: Value) -> (StatusCode, Value) {
        let mut request = self
            .http
            .post(self.flow_url(flow))
            .header("x-xsrf-header", "PingFederate")
            .header("content-type", format!("application/vnd.pingidentity.{action}+json"))
            .body(body.to_string());
        if let Some(cookie) = self.session_cookie() {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        if let Some(set) = response.headers().get("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_string();
            *self.renewed.lock().unwrap() = Some(pair);
        }
        (response.status(), response.json().await.unwrap())
    }

    /// The same client (its cookies, its verifier) sending to the PingFederate at `base`.
    pub fn on(&self, base: &str) -> ApiClient {
        ApiClient {
            http: self.http.clone(),
            base: base.to_string(),
            cookie: self.cookie.clone(),
            renewed: std::sync::Arc::clone(&self.renewed),
            verifier: self.verifier.clone(),
            redirect_uri: self.redirect_uri.clone(),
        }
    }

    /// The `PF` cookie this client sends: the renewed one once the password passed.
    pub fn session_cookie(&self) -> Option<String> {
        self.renewed.lock().unwrap().clone().or_else(|| self.cookie.clone())
    }

    /// An action that must succeed; returns the new flow.
    pub async fn step(&self, flow: &str, action: &str, body: Value) -> Value {
        let (status, next) = self.act(flow, action, body).await;
        assert_eq!(status, StatusCode::OK, "{action} answered: {next}");
        next
    }

    /// Starts a flow and passes the first factor; returns the flow id and the new state.
    pub async fn login(&mut self, user: &str) -> (String, Value) {
        let flow = self.start_flow().await;
        let id = flow["id"].as_str().unwrap().to_string();
        let next = self.step(&id, "checkUsernamePassword", json!({"username": user, "password": PASSWORD})).await;
        (id, next)
    }

    pub async fn exchange(&self, code: &str) -> (StatusCode, Value) {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", CLIENT_ID),
            ("code_verifier", self.verifier.as_str()),
        ];
        form.extend(self.redirect_uri.as_deref().map(|uri| ("redirect_uri", uri)));
        let response = self.http.post(format!("{}/as/token.oauth2", self.base)).form(&form).send().await.unwrap();
        (response.status(), response.json().await.unwrap())
    }
}

/// The action names in a flow's `_links`, without `self`, sorted.
pub fn links(flow: &Value) -> Vec<String> {
    let mut names: Vec<String> = flow["_links"].as_object().unwrap().keys().filter(|k| *k != "self").cloned().collect();
    names.sort();
    names
}

/// Finishes a COMPLETED flow: exchanges its code and returns the verified access token claims.
pub async fn token_claims(stack: &Stack, client: &ApiClient, completed: &Value) -> Value {
    assert_eq!(completed["status"], "COMPLETED", "{completed}");
    assert_eq!(completed["authorizeResponse"]["state"], "xyz");
    let (status, tokens) = client.exchange(completed["authorizeResponse"]["code"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let id_claims = stack.verified_claims(tokens["id_token"].as_str().unwrap()).await;
    assert_eq!(id_claims["aud"], CLIENT_ID);
    stack.verified_claims(tokens["access_token"].as_str().unwrap()).await
}

impl Stack {
    /// Creates `user` at PingOne MFA with a paired mobile device.
    pub async fn paired_phone(&self, user: &str, seed: u8) -> super::device::TestDevice {
        self.mfa.create_user(user).await;
        let mut phone = super::device::TestDevice::new(seed, &format!("{user}'s phone"), &self.clock);
        let token = self.mfa.first_device_token(user, phone.mobile_payload()).await;
        let (status, body) = phone.complete_pairing(&token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        phone
    }
}

impl Stack {
    /// A user with a paired device logs in from it: the flow is COMPLETED at once.
    pub async fn login_from_paired_device(&self, user: &str, seed: u8) -> (ApiClient, Value) {
        let phone = self.paired_phone(user, seed).await;
        let mut client = self.client();
        let (flow, _) = client.login(user).await;
        client.step(&flow, "authenticate", json!({"mobilePayload": phone.mobile_payload()})).await;
        let completed = client.step(&flow, "continueAuthentication", json!({})).await;
        (client, completed)
    }
}

/// Tries every action the flow does not offer: each is 400 INVALID_ACTION_ID and the flow reads
/// the same afterwards.
pub async fn assert_unoffered_actions_refused(client: &ApiClient, flow: &str) {
    let (_, before) = client.get(flow).await;
    let offered = links(&before);
    for action in moderno_wire::pingfederate::ACTIONS.iter().filter(|a| !offered.iter().any(|o| o == *a)) {
        let (status, error) = client.act(flow, action, json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{action} in {}: {error}", before["status"]);
        assert_eq!(error["code"], "INVALID_ACTION_ID", "{action} in {}", before["status"]);
    }
    assert_eq!(client.get(flow).await.1, before, "refused actions leave the flow unchanged");
}

impl ApiClient {
    /// A browser's request (redirects not followed, cookie sent when held).
    pub async fn browser_get(&self, url: &str) -> reqwest::Response {
        let browser =
            reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let mut request = browser.get(url);
        if let Some(cookie) = self.session_cookie() {
            request = request.header("cookie", cookie);
        }
        request.send().await.unwrap()
    }

    /// `GET /as/authorization.oauth2` without `response_mode` (browser mode): 302 to the
    /// authentication application; keeps the cookie and answers the `Location`.
    pub async fn start_browser_flow(&mut self) -> String {
        let challenge = self.challenge();
        let query = format!(
            "client_id={CLIENT_ID}&response_type=code&scope=openid&redirect_uri={}&state=xyz&code_challenge={challenge}&code_challenge_method=S256",
            url_escape(REDIRECT_URI)
        );
        let response = self.browser_get(&format!("{}/as/authorization.oauth2?{query}", self.base)).await;
        assert_eq!(response.status(), StatusCode::FOUND);
        if let Some(set) = response.headers().get("set-cookie") {
            self.cookie = Some(set.to_str().unwrap().split(';').next().unwrap().to_string());
            *self.renewed.lock().unwrap() = None;
        }
        response.headers()["location"].to_str().unwrap().to_string()
    }
}

fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
