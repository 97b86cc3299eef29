//! Starts the PingOne MFA emulator on 127.0.0.1:0 with a manual clock and seeded entropy, and
//! talks to its management API with the worker token. Shared with the PingFederate tests.
//!
//! The state is a SQLite file in a temporary folder, or a fresh PostgreSQL database when
//! `MODERNO_TEST_STORE=postgres` (`moderno_sql::testing::location`); a second instance over the
//! same state is [`MfaServer::another_instance`].

#![allow(dead_code)]

use chrono::DateTime;
use moderno_ambient::{Clock, Entropy};
use moderno_sql::Location;
use pingone_mfa_server::{app, Config, State};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A UUID, as PingOne names environments.
pub const ENV: &str = "6f1d2c3b-4a59-4e68-9d7c-8b0a1e2f3d4c";
/// The worker application's client credentials (PingFederate's, in the PingFederate tests).
pub const CLIENT_ID: &str = "0f6e5d4c-3b2a-4198-8776-655443322110";
pub const CLIENT_SECRET: &str = "test-worker-secret";

pub fn test_clock() -> Clock {
    Clock::manual(DateTime::from_timestamp(1_800_000_000, 0).unwrap())
}

/// Points `config` at `location`: its SQLite file, or its PostgreSQL database.
pub fn keep_state_at(config: &mut Config, location: &Location) {
    match location {
        Location::File(path) => config.database_path = path.clone(),
        Location::Postgres(database_url) => config.database_url = Some(database_url.into()),
    }
}

pub struct MfaServer {
    pub url: String,
    /// A worker access token from `/{envId}/as/token`.
    pub token: String,
    /// Users' PingOne ids by username, as the tests learned them.
    ids: std::sync::Mutex<std::collections::HashMap<String, String>>,
    pub clock: Clock,
    pub client: reqwest::Client,
    /// The emulator's state (the same the server answers from).
    pub state: State,
    /// Where the emulator keeps its state (the same for every instance of one test).
    pub location: Location,
    _dir: std::sync::Arc<tempfile::TempDir>,
}

impl MfaServer {
    pub async fn start(clock: &Clock) -> Self {
        Self::start_with(clock, |_| {}).await
    }

    /// Starts with the test configuration changed by `adjust`.
    pub async fn start_with(clock: &Clock, adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
        let location = moderno_sql::testing::location(dir.path().join("mfa.sqlite3"));
        Self::start_at(clock, location, dir, 42, adjust).await
    }

    /// A second instance over this one's state, on a port of its own (as two instances behind a
    /// load balancer), its entropy seeded apart so the two draw different ids.
    pub async fn another_instance(&self, entropy_seed: u64, adjust: impl FnOnce(&mut Config)) -> Self {
        Self::start_at(&self.clock, self.location.clone(), self._dir.clone(), entropy_seed, adjust).await
    }

    async fn start_at(
        clock: &Clock,
        location: Location,
        dir: std::sync::Arc<tempfile::TempDir>,
        entropy_seed: u64,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut config = Config::demo(dir.path().join("unused.sqlite3"), url.clone());
        keep_state_at(&mut config, &location);
        config.environment_id = ENV.into();
        config.worker_client_id = CLIENT_ID.into();
        config.worker_client_secret = CLIENT_SECRET.into();
        adjust(&mut config);
        let state = State::open(config, clock.clone(), Entropy::seeded(entropy_seed)).unwrap();
        let serving = state.clone();
        tokio::spawn(async move { axum::serve(listener, app(serving)).await.unwrap() });
        let client = reqwest::Client::builder().no_proxy().timeout(std::time::Duration::from_secs(30)).build().unwrap();
        let token = Self::worker_token(&client, &url).await;
        Self { url, token, ids: Default::default(), clock: clock.clone(), client, state, location, _dir: dir }
    }

    /// Rows in `table` now (what a test cannot see over HTTP).
    pub async fn rows(&self, table: &'static str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        self.state.database().read(move |c| c.query_row(&sql, (), |r| r.get(0))).await.unwrap()
    }

    /// `POST /{envId}/as/token` with client credentials (client_secret_basic).
    pub async fn worker_token(client: &reqwest::Client, url: &str) -> String {
        let response = client
            .post(format!("{url}/{ENV}/as/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    /// `/v1/environments/{env}{rest}`: the management API.
    pub fn api_url(&self, rest: &str) -> String {
        format!("{}/v1/environments/{ENV}{rest}", self.url)
    }

    /// `/v1/environments/{env}/users/{userId}{rest}` for a user whose id the tests learned
    /// (`create_user`, `user_id`).
    pub fn user_url(&self, user: &str, rest: &str) -> String {
        let id = self.ids.lock().unwrap().get(user).cloned().unwrap_or_else(|| panic!("no id known for {user}"));
        self.api_url(&format!("/users/{id}{rest}"))
    }

    /// `/{env}/deviceAuthentications/{id}`: the auth path.
    pub fn auth_url(&self, id: &str) -> String {
        format!("{}/{ENV}/deviceAuthentications/{id}", self.url)
    }

    /// The user's PingOne id, looked up as PingFederate does (`filter=username eq "..."`).
    pub async fn user_id(&self, user: &str) -> String {
        if let Some(id) = self.ids.lock().unwrap().get(user).cloned() {
            return id;
        }
        let url =
            reqwest::Url::parse_with_params(&self.api_url("/users"), [("filter", format!("username eq \"{user}\""))])
                .unwrap();
        let (status, found) = self.get(url.as_str()).await;
        assert_eq!(status, StatusCode::OK, "{found}");
        let id = found["_embedded"]["users"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no user {user}: {found}"))
            .to_string();
        self.ids.lock().unwrap().insert(user.to_string(), id.clone());
        id
    }

    /// Starts a device authentication for `user` with `body` (`user.id` added; with a mobile
    /// payload also the native application, `application.id`, unless `body` names one).
    pub async fn start_auth(&self, user: &str, mut body: Value) -> (StatusCode, Value) {
        body["user"] = json!({ "id": self.user_id(user).await });
        if body.get("mobilePayload").is_some() && body.get("application").is_none() {
            body["application"] = json!({ "id": pingone_mfa_server::DEMO_APPLICATION_ID });
        }
        self.post(&format!("{}/{ENV}/deviceAuthentications", self.url), body).await
    }

    /// The first device of `user` (who has none) sends its payload: the device authentication
    /// completes at once with the ID token that pairs it (`idToken`, beyond PingOne).
    pub async fn first_device_token(&self, user: &str, mobile_payload: String) -> String {
        let (status, auth) = self.start_auth(user, json!({ "mobilePayload": mobile_payload })).await;
        assert_eq!((status, &auth["status"]), (StatusCode::CREATED, &json!("COMPLETED")), "{auth}");
        auth["idToken"].as_str().unwrap_or_else(|| panic!("no idToken: {auth}")).to_string()
    }

    /// A phone paired with `user` (created here) as the user's first device.
    pub async fn paired_phone(&self, user: &str, seed: u8) -> super::device::TestDevice {
        self.create_user(user).await;
        let mut phone = super::device::TestDevice::new(seed, "phone", &self.clock);
        let token = self.first_device_token(user, phone.mobile_payload()).await;
        let (status, body) = phone.complete_pairing(&token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        phone
    }

    /// A POST whose content type names the action (`device.select`, `otp.check`, ...).
    pub async fn act(&self, url: &str, content_type: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .client
            .post(url)
            .bearer_auth(&self.token)
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// `device.select` on the authentication `auth`.
    pub async fn select(&self, auth: &Value, device_id: &str) -> (StatusCode, Value) {
        let url = self.auth_url(auth["id"].as_str().unwrap());
        self.act(&url, "application/vnd.pingidentity.device.select+json", json!({"device": {"id": device_id}})).await
    }

    /// `otp.check` on the authentication `auth`.
    pub async fn check_otp(&self, auth: &Value, otp: &str) -> (StatusCode, Value) {
        let url = self.auth_url(auth["id"].as_str().unwrap());
        self.act(&url, "application/vnd.pingidentity.otp.check+json", json!({"otp": otp})).await
    }

    pub async fn send(&self, method: reqwest::Method, url: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.client.request(method, url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn post(&self, url: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, url, Some(body)).await
    }

    pub async fn get(&self, url: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, url, None).await
    }

    pub async fn create_user(&self, user: &str) -> String {
        let (status, body) = self.post(&self.api_url("/users"), json!({ "username": user })).await;
        assert_eq!(status, StatusCode::CREATED, "user created: {body}");
        let id = body["id"].as_str().unwrap().to_string();
        self.ids.lock().unwrap().insert(user.to_string(), id.clone());
        id
    }

    /// Adds an SMS, EMAIL or TOTP device; returns its id and (TOTP) secret.
    pub async fn add_device(&self, user: &str, device_type: &str) -> (String, Option<String>) {
        let body = match device_type {
            "SMS" => json!({ "type": "SMS", "phone": "+15550100" }),
            "EMAIL" => json!({ "type": "EMAIL", "email": format!("{user}@example.com") }),
            other => json!({ "type": other }),
        };
        self.user_id(user).await;
        let (status, created) = self.post(&self.user_url(user, "/devices"), body).await;
        assert_eq!(status, StatusCode::CREATED, "device created: {created}");
        (created["id"].as_str().unwrap().to_string(), created["secret"].as_str().map(str::to_string))
    }

    /// The user's devices in order (`_embedded.devices` of PingOne's list).
    pub async fn devices(&self, user: &str) -> Vec<Value> {
        self.user_id(user).await;
        let (status, body) = self.get(&self.user_url(user, "/devices")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["count"], body["_embedded"]["devices"].as_array().unwrap().len(), "{body}");
        body["_embedded"]["devices"].as_array().unwrap().clone()
    }

    /// The passcode in the newest outbox message for `user`.
    pub async fn last_sent_code(&self, user: &str) -> String {
        let (status, body) = self.get(&format!("{}/outbox/{user}", self.url)).await;
        assert_eq!(status, StatusCode::OK);
        body.as_array().unwrap().last().expect("a message was sent")["otp"].as_str().unwrap().to_string()
    }
}
