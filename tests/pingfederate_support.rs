//! Shared by the `pingfederate_*` tests (included with `#[path]`): headless devices that log in
//! through PingFederate with the device library exactly as the app does, and PingOne MFA's
//! management API (worker token) standing in for the administrator who adds SMS, e-mail and TOTP
//! devices, plus the outbox standing in for the phone network.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use moderno_ambient::{Clock, Entropy};
use moderno_device::pingfederate::{PfAction, PfClient, PfLogin, PfStep, PfTokens, PingOneDevice};
use moderno_device::{http_client, Device, DeviceError, KeyStore, MemoryKeyStore};
use moderno_e2e::{TestStack, PASSWORD};
use moderno_wire::pingone::PushDecision;
use serde_json::{json, Value};

/// One headless device with both personalities over one in-memory key store.
pub struct PfDevice {
    pub device: Arc<Device>,
    pub pingone: Arc<PingOneDevice>,
    pub store: Arc<dyn KeyStore>,
    pub client: Arc<PfClient>,
}

pub async fn pf_device(t: &TestStack, profile: &str) -> PfDevice {
    PfDevice::open(&t.stack.pingfederate_url, profile, t.clock.clone(), t.entropy.clone()).await
}

impl PfDevice {
    /// A new device of `profile` (keys in memory) talking to PingFederate at `url`.
    pub async fn open(url: &str, profile: &str, clock: Clock, entropy: Entropy) -> Self {
        let store: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
        let device =
            Device::open(profile, Arc::clone(&store), clock.clone(), entropy.clone()).await.expect("device opens");
        let pingone = PingOneDevice::open(&device, Arc::clone(&store), clock, entropy)
            .await
            .expect("the PingOne personality opens");
        let client = PfClient::new(http_client().expect("http client"), url).expect("PingFederate client");
        PfDevice { device: Arc::new(device), pingone: Arc::new(pingone), store, client: Arc::new(client) }
    }

    /// A new flow with the first factor passed: AUTHENTICATION_REQUIRED.
    pub async fn signed_in(&self, t: &TestStack, user: &str) -> PfLogin {
        let mut login =
            PfLogin::start(Arc::clone(&self.client), t.clock.clone(), &t.entropy).await.expect("flow starts");
        assert_eq!(login.step(), PfStep::EnterCredentials);
        let step = login.sign_in(user, PASSWORD).await.expect("first factor");
        assert!(matches!(step, PfStep::Authenticate { .. }), "{step:?}");
        login
    }

    /// `authenticate` with a fresh mobile payload of this device.
    pub async fn authenticate(&self, login: &mut PfLogin) -> PfStep {
        login
            .act(&PfAction::Authenticate { mobile_payload: Some(self.pingone.payload().into()) })
            .await
            .expect("authenticate")
    }

    /// A whole first-device flow: paired with PingOne, token says device_paired.
    pub async fn pair_first(&self, t: &TestStack, user: &str) -> PfTokens {
        let mut login = self.signed_in(t, user).await;
        let PfStep::Pair { server_payload } = self.authenticate(&mut login).await else {
            panic!("expected MOBILE_PAIRING_REQUIRED, flow {:?}", login.flow());
        };
        self.pingone.pair(&server_payload).await.expect("pairing completes");
        assert_eq!(login.act(&PfAction::ContinueAuthentication).await.expect("continue"), PfStep::Completed);
        login.finish().await.expect("tokens verify")
    }

    /// Answers the next push this (paired) device receives, as the SDK does (approve, or deny
    /// with a reason).
    pub async fn answer_next_push(&self, answer: PushDecision) {
        let pushes = self.pingone.pending_pushes(Duration::from_secs(5)).await.expect("pushes");
        let push = pushes.first().expect("a push arrived");
        self.pingone.decide_push(&push.authentication_id, answer).await.expect("push answered");
    }
}

/// The approval a person gives under number matching: the number the waiting flow shows.
pub fn approve_shown(step: &PfStep) -> PushDecision {
    let PfStep::WaitForPush { match_number: Some(number), .. } = step else {
        panic!("expected PUSH_CONFIRMATION_WAITING with a number to pick, got {step:?}");
    };
    PushDecision::approve(Some(*number))
}

/// Continues a flow whose second factor passed and that pairs this new device; returns the tokens.
pub async fn pair_and_finish(device: &PfDevice, login: &mut PfLogin, step: PfStep) -> PfTokens {
    let PfStep::Pair { server_payload } = step else { panic!("expected MOBILE_PAIRING_REQUIRED, got {step:?}") };
    let pairing = device.pingone.pair(&server_payload).await.expect("pairing completes");
    assert!(!pairing.device_id.is_empty(), "an additional device pairs (PingOne gives it no role)");
    assert_eq!(login.act(&PfAction::ContinueAuthentication).await.expect("continue"), PfStep::Completed);
    login.finish().await.expect("tokens verify")
}

/// PingFederate's refusal: (HTTP status, code, detail codes, tries left).
pub fn refusal(result: Result<PfStep, DeviceError>) -> (u16, String, Vec<String>, Option<u32>) {
    let error = result.expect_err("PingFederate refuses");
    let service = error.service().unwrap_or_else(|| panic!("not a PingFederate refusal: {error}")).clone();
    (service.http_status, service.code, service.details, service.attempts_left)
}

/// The flow as `GET` shows it now.
pub async fn flow_now(client: &PfClient, login: &PfLogin) -> Value {
    json!(client.flow(login.id()).await.expect("GET flow"))
}

/// PingOne MFA's management API (`/v1/environments/{envId}`) with the worker token.
pub struct Admin {
    http: reqwest::Client,
    base: String,
    root: String,
    token: String,
}

impl Admin {
    pub async fn of(t: &TestStack) -> Self {
        let config = t.stack.pingone.config();
        Self {
            http: reqwest::Client::new(),
            base: format!("{}/v1/environments/{}", t.stack.pingone_url, config.environment_id),
            root: t.stack.pingone_url.clone(),
            token: t.stack.pingone.mint_access_token().await.expect("a worker token").0,
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.bearer_auth(&self.token).send().await.expect("PingOne answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Creates the user at PingOne (PingFederate would on first login); known users are fine
    /// (PingOne: 400 INVALID_DATA, detail UNIQUENESS_VIOLATION). Returns the user's id.
    pub async fn user(&self, user: &str) -> String {
        let (status, body) =
            self.send(self.http.post(format!("{}/users", self.base)).json(&json!({"username": user}))).await;
        let known = status == 400 && body["details"][0]["code"] == "UNIQUENESS_VIOLATION";
        assert!(status == 201 || known, "user created: {status} {body}");
        let filter = [("filter", format!("username eq \"{user}\""))];
        let (status, found) = self.send(self.http.get(format!("{}/users", self.base)).query(&filter)).await;
        assert_eq!(status, 200, "{found}");
        found["_embedded"]["users"][0]["id"].as_str().expect("the user's id").to_string()
    }

    /// Adds an SMS, EMAIL or TOTP device; returns the created device (with `secret` for TOTP).
    pub async fn add_device(&self, user: &str, kind: &str) -> Value {
        let id = self.user(user).await;
        let body = match kind {
            "SMS" => json!({"type": "SMS", "phone": "+15550100"}),
            "EMAIL" => json!({"type": "EMAIL", "email": format!("{user}@example.com")}),
            _ => json!({"type": kind}),
        };
        let (status, created) =
            self.send(self.http.post(format!("{}/users/{id}/devices", self.base)).json(&body)).await;
        assert_eq!(status, 201, "device created: {created}");
        created
    }

    /// The passcode of the newest SMS or e-mail in the user's outbox.
    pub async fn last_code(&self, user: &str) -> String {
        let (status, body) = self.send(self.http.get(format!("{}/outbox/{user}", self.root))).await;
        assert_eq!(status, 200, "{body}");
        body.as_array().and_then(|m| m.last()).and_then(|m| m["otp"].as_str()).expect("a code was sent").to_string()
    }
}
