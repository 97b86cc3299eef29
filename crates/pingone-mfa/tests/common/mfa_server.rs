//! Starts the PingOne MFA emulator on 127.0.0.1:0 with a manual clock and seeded entropy, and
//! talks to its management API with the worker token. Shared with the PingFederate tests.

#![allow(dead_code)]

use chrono::DateTime;
use moderno_ambient::{Clock, Entropy};
use pingone_mfa_server::{app, Config, State};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub const ENV: &str = "moderno-env";
pub const WORKER_TOKEN: &str = "test-worker-token";

pub fn test_clock() -> Clock {
    Clock::manual(DateTime::from_timestamp(1_800_000_000, 0).unwrap())
}

pub struct MfaServer {
    pub url: String,
    pub clock: Clock,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl MfaServer {
    pub async fn start(clock: &Clock) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut config = Config::demo(dir.path().join("mfa.sqlite3"), url.clone());
        config.environment_id = ENV.into();
        config.worker_token = WORKER_TOKEN.into();
        let state = State::open(config, clock.clone(), Entropy::seeded(42)).unwrap();
        tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
        let client = reqwest::Client::builder().no_proxy().timeout(std::time::Duration::from_secs(30)).build().unwrap();
        Self { url, clock: clock.clone(), client, _dir: dir }
    }

    /// `/environments/{env}/users/{user}{rest}`.
    pub fn user_url(&self, user: &str, rest: &str) -> String {
        format!("{}/environments/{ENV}/users/{user}{rest}", self.url)
    }

    pub async fn send(&self, method: reqwest::Method, url: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.client.request(method, url).bearer_auth(WORKER_TOKEN);
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

    pub async fn create_user(&self, user: &str) {
        let (status, body) = self.post(&format!("{}/environments/{ENV}/users", self.url), json!({ "username": user })).await;
        assert_eq!(status, StatusCode::CREATED, "user created: {body}");
    }

    /// Adds an SMS, EMAIL or TOTP device; returns its id and (TOTP) secret.
    pub async fn add_device(&self, user: &str, device_type: &str) -> (String, Option<String>) {
        let body = match device_type {
            "SMS" => json!({ "type": "SMS", "phone": "+15550100" }),
            "EMAIL" => json!({ "type": "EMAIL", "email": format!("{user}@example.com") }),
            other => json!({ "type": other }),
        };
        let (status, created) = self.post(&self.user_url(user, "/devices"), body).await;
        assert_eq!(status, StatusCode::CREATED, "device created: {created}");
        (created["id"].as_str().unwrap().to_string(), created["secret"].as_str().map(str::to_string))
    }

    pub async fn devices(&self, user: &str) -> Vec<Value> {
        let (status, body) = self.get(&self.user_url(user, "/devices")).await;
        assert_eq!(status, StatusCode::OK);
        body.as_array().unwrap().clone()
    }

    /// The passcode in the newest outbox message for `user`.
    pub async fn last_sent_code(&self, user: &str) -> String {
        let (status, body) = self.get(&format!("{}/outbox/{user}", self.url)).await;
        assert_eq!(status, StatusCode::OK);
        body.as_array().unwrap().last().expect("a message was sent")["otp"].as_str().unwrap().to_string()
    }
}
