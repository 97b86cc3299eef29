//! A real PingID SDK server and a real customer server on loopback, sharing a manual clock, and a
//! minimal device that seals mobile payloads, completes pairing and answers pushes through the
//! SDK server's device API — all over HTTP.

#![allow(dead_code)]

use chrono::Utc;
use moderno_ambient::{Clock, Entropy};
use moderno_crypto::device_key::{DeviceKey, DevicePublicKey};
use moderno_crypto::device_signature::{self, SignedRequest};
use moderno_crypto::payload::{open_server_payload, seal};
use moderno_customer_server::sdk_client::SdkClient;
use moderno_customer_server::{app, CustomerConfig, CustomerState, PasswordCost};
use moderno_wire::device_api::{
    CompletePairing, IgnoreInterval, PairingCompleted, PushAnswer, PushRequest, ServerKey, DEVICE_SIGNATURE_HEADER,
};
use moderno_wire::payload::{MobilePayloadClaims, PayloadSelection, ServerFlow, ServerPayloadClaims, TrustLevel};
use moderno_wire::sdk::{ApplicationSettings, DeviceType};
use pingid_sdk_server::{SdkConfig, SdkState};
use serde_json::{json, Value};

pub const PASSWORD: &str = moderno_customer_server::DEMO_PASSWORD;

pub struct Stack {
    pub sdk_url: String,
    pub customer_url: String,
    pub customer: CustomerState,
    /// Every customer-server instance's URL, the first being `customer_url`: more than one with
    /// [`Options::instances`], all over the same database.
    pub customer_urls: Vec<String>,
    /// Every instance's state, in the order of `customer_urls`.
    pub customers: Vec<CustomerState>,
    pub clock: Clock,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

#[derive(Default)]
pub struct Options {
    pub ignore_validation: bool,
    /// Replaces the customer server's API key (to prove bad signatures are refused).
    pub api_key_b64: Option<String>,
    /// The application's push timeout, at the SDK server and the customer server alike.
    pub push_timeout: Option<std::time::Duration>,
    /// Customer-server instances over one database (0 or 1: one).
    pub instances: usize,
}

impl Stack {
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = Clock::manual(Utc::now());
        let entropy = Entropy::from_os();

        let sdk_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sdk_url = format!("http://{}", sdk_listener.local_addr().unwrap());
        let mut sdk_config = SdkConfig::demo(dir.path().join("sdk.sqlite3"), sdk_url.clone());
        if let Some(timeout) = options.push_timeout {
            sdk_config.push_timeout = chrono::Duration::from_std(timeout).unwrap();
        }
        let sdk_state = SdkState::open(sdk_config, clock.clone(), entropy.clone()).unwrap();
        tokio::spawn(async move { axum::serve(sdk_listener, pingid_sdk_server::app(sdk_state)).await.unwrap() });

        let location = moderno_sql::testing::location(dir.path().join("customer.sqlite3"));
        let mut customers = Vec::new();
        let mut customer_urls = Vec::new();
        for _ in 0..options.instances.max(1) {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let customer_url = format!("http://{}", listener.local_addr().unwrap());
            let mut config = CustomerConfig::demo(
                format!("{sdk_url}/pingid/v1"),
                dir.path().join("customer.sqlite3"),
                customer_url.clone(),
            );
            config.keep_at(&location);
            config.argon2 = PasswordCost::TestOnlyCheap;
            config.ignore_validation = options.ignore_validation;
            // Ping's sample polls a waiting push once a second; the tests look more often.
            config.push_poll_interval = std::time::Duration::from_millis(25);
            if let Some(timeout) = options.push_timeout {
                config.push_lifetime = timeout;
            }
            if let Some(key) = &options.api_key_b64 {
                config.api_key_b64 = key.as_str().into();
            }
            let customer = CustomerState::open(config, clock.clone(), entropy.clone()).await.unwrap();
            tokio::spawn({
                let customer = customer.clone();
                async move { axum::serve(listener, app(customer)).await.unwrap() }
            });
            customers.push(customer);
            customer_urls.push(customer_url);
        }
        let (customer, customer_url) = (customers[0].clone(), customer_urls[0].clone());
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Self { sdk_url, customer_url, customer, customer_urls, customers, clock, http, _dir: dir }
    }

    pub fn sdk(&self) -> &SdkClient {
        self.customer.sdk()
    }

    /// One Moderno protocol call; asserts HTTP 200.
    pub async fn moderno(&self, request: Value) -> Value {
        self.moderno_at(0, request).await
    }

    /// One Moderno protocol call to instance `instance` (modulo their number); asserts HTTP 200.
    pub async fn moderno_at(&self, instance: usize, request: Value) -> Value {
        let url = &self.customer_urls[instance % self.customer_urls.len()];
        let response = self.http.post(format!("{url}/pingidsdk")).json(&request).send().await.unwrap();
        assert_eq!(response.status(), 200, "the protocol answers 200");
        response.json().await.unwrap()
    }

    pub async fn login(&self, user: &str, device: &TestDevice) -> Value {
        self.moderno(json!({"operation": "auth_user", "user": user, "password": PASSWORD,
            "pingIdPayload": device.payload(&self.clock)}))
            .await
    }

    /// `auth_user` on `device` while `approver` answers the push it gets with `answer`: Ping's
    /// `auth_user` waits for the push's final status before it answers.
    pub async fn login_answered(
        &self,
        user: &str,
        device: &TestDevice,
        approver: &TestDevice,
        answer: PushAnswer,
    ) -> Value {
        let login = self.login(user, device);
        let approve = async {
            let push = approver.next_push(self).await;
            approver.answer(self, &push.authentication_id, answer).await;
        };
        tokio::join!(login, approve).0
    }

    /// `auth_user` on `device` while the push it sends to `approver` runs out (the virtual clock
    /// passes its 40 seconds).
    pub async fn login_timed_out(&self, user: &str, device: &TestDevice, approver: &TestDevice) -> Value {
        let login = self.login(user, device);
        let expire = async {
            approver.next_push(self).await;
            self.clock.advance(chrono::Duration::seconds(41));
        };
        tokio::join!(login, expire).0
    }

    /// `auth_status` for a login session.
    pub async fn poll(&self, session: &str) -> Value {
        self.moderno(json!({"operation": "auth_status", "sessionId": session})).await
    }

    /// `auth_status` carrying a fresh payload of the device logging in.
    pub async fn poll_with_payload(&self, session: &str, device: &TestDevice) -> Value {
        self.moderno(
            json!({"operation": "auth_status", "sessionId": session, "pingIdPayload": device.payload(&self.clock)}),
        )
        .await
    }

    /// `auth_offline_user`, with a fresh payload of `device` when given.
    pub async fn offline_otp(&self, session: &str, otp: &str, device: Option<&TestDevice>) -> Value {
        let mut request = json!({"operation": "auth_offline_user", "sessionId": session, "otp": otp});
        if let Some(device) = device {
            request["pingIdPayload"] = json!(device.payload(&self.clock));
        }
        self.moderno(request).await
    }

    pub async fn settings(&self, change: impl FnOnce(&mut ApplicationSettings)) {
        let mut settings = self.sdk().get_settings().await.unwrap();
        change(&mut settings);
        self.sdk().put_settings(&settings).await.unwrap();
    }

    /// Logs in on `device` as the first device of `user` and pairs it with `level`.
    pub async fn pair_first_device(&self, user: &str, device: &mut TestDevice, level: TrustLevel) -> PairingCompleted {
        let answer = self.login(user, device).await;
        assert_eq!(answer["status"], 0, "{answer}");
        assert_eq!(answer["mfa"], "PAIRING", "{answer}");
        device.complete_pairing(self, &answer, level).await
    }

    pub async fn web_pairing_key(&self, username: &str, password: &str) -> (u16, String) {
        let response = self
            .http
            .post(format!("{}/pairing-key", self.customer_url))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

/// A device with an Ed25519 key, talking to the SDK server's device API itself.
pub struct TestDevice {
    pub key: DeviceKey,
    pub device_id: Option<String>,
    pub otp_secret: Option<Vec<u8>>,
    pub rooted: bool,
    entropy: Entropy,
}

impl TestDevice {
    pub fn new(seed: u8) -> Self {
        Self {
            key: DeviceKey::from_seed(&[seed; 32]),
            device_id: None,
            otp_secret: None,
            rooted: false,
            entropy: Entropy::from_os(),
        }
    }

    /// A fresh mobile payload (new nonce, issued now).
    pub fn payload(&self, clock: &Clock) -> String {
        self.payload_selecting(clock, None)
    }

    /// A fresh payload with a trust level folded in (Ping's `updateExistingPayloadWithUserSelection`).
    pub fn payload_choosing(&self, clock: &Clock, level: TrustLevel) -> String {
        self.payload_selecting(clock, Some(PayloadSelection { trust_level: level, ignore_interval: None }))
    }

    fn payload_selecting(&self, clock: &Clock, user_selection: Option<PayloadSelection>) -> String {
        let claims = MobilePayloadClaims {
            v: 1,
            device_fingerprint: self.key.fingerprint(),
            public_key: self.key.public_key_b64(),
            device_type: DeviceType::Desktop,
            device_name: "Test desktop".into(),
            os_version: "Linux".into(),
            app_version: "0.1.0".into(),
            rooted: self.rooted,
            nonce: self.entropy.hex(16),
            issued_at: clock.unix(),
            user_selection,
        };
        seal(&claims, &self.key)
    }

    async fn signed(
        &self,
        stack: &Stack,
        method: reqwest::Method,
        path: &str,
        query: &str,
        body: Vec<u8>,
    ) -> reqwest::Response {
        let signature = device_signature::sign(
            &self.key,
            &SignedRequest { method: method.as_str(), path, query, body: &body },
            stack.clock.unix(),
            &self.entropy.hex(16),
        );
        let url = if query.is_empty() {
            format!("{}{path}", stack.sdk_url)
        } else {
            format!("{}{path}?{query}", stack.sdk_url)
        };
        let mut request = stack.http.request(method, url).header(DEVICE_SIGNATURE_HEADER, signature);
        if !body.is_empty() {
            request = request.header("content-type", "application/json").body(body);
        }
        request.send().await.unwrap()
    }

    /// Opens the server payload of a Moderno answer, checking the SDK server's signature.
    pub async fn server_payload(&self, stack: &Stack, answer: &Value) -> ServerPayloadClaims {
        let payload = answer["pingIdPayload"].as_str().unwrap_or_else(|| panic!("no server payload in {answer}"));
        let key: ServerKey = stack
            .http
            .get(format!("{}/pingid/v1/device/server-key", stack.sdk_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let public = DevicePublicKey::from_b64(&key.public_key).unwrap();
        open_server_payload(payload, &public).unwrap()
    }

    /// Completes the pairing a Moderno answer's server payload offers: TRUST_LEVELS (a first
    /// device, or `ignoreValidation`) with `level`, or DEVICE_IS_TRUSTED (a trusted device
    /// trusted this one) as TRUSTED, which the SDK component does behind the scenes.
    pub async fn complete_pairing(&mut self, stack: &Stack, answer: &Value, level: TrustLevel) -> PairingCompleted {
        let claims = self.server_payload(stack, answer).await;
        let (registration_token_id, registration_token_secret) = match claims.flow {
            ServerFlow::TrustLevels { registration_token_id, registration_token_secret, trust_levels } => {
                assert!(trust_levels.contains(&level), "{level:?} offered in {trust_levels:?}");
                assert_eq!(answer["registrationToken"], registration_token_id.as_str());
                (registration_token_id, registration_token_secret)
            }
            ServerFlow::DeviceIsTrusted { registration_token_id, registration_token_secret, .. } => {
                assert_eq!(level, TrustLevel::Trusted, "a trusted device grants TRUSTED only");
                (registration_token_id, registration_token_secret)
            }
            other => panic!("expected a pairing to complete, got {other:?}"),
        };
        let request = CompletePairing {
            registration_token_id,
            registration_token_secret,
            trust_level: level,
            ignore_interval: (level == TrustLevel::Ignore)
                .then_some(IgnoreInterval { value: 1, unit: moderno_wire::device_api::IntervalUnit::Days }),
            device_nickname: None,
        };
        let body = serde_json::to_vec(&request).unwrap();
        let response = self.signed(stack, reqwest::Method::POST, "/pingid/v1/device/pairings", "", body).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "pairing completed: {status} {text}");
        let completed: PairingCompleted = serde_json::from_str(&text).unwrap();
        self.device_id = completed.device_id.clone();
        self.otp_secret = completed
            .otp_secret
            .as_deref()
            .map(|s| data_encoding::BASE32_NOPAD.decode(s.trim_end_matches('=').as_bytes()).unwrap());
        completed
    }

    /// Polls for pushes without waiting (this also marks the device online).
    pub async fn pushes(&self, stack: &Stack) -> Vec<PushRequest> {
        let response =
            self.signed(stack, reqwest::Method::GET, "/pingid/v1/device/pushes", "waitSeconds=0", Vec::new()).await;
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.unwrap()
    }

    pub async fn answer(&self, stack: &Stack, authentication_id: &str, answer: PushAnswer) {
        let body = serde_json::to_vec(&answer).unwrap();
        let path = format!("/pingid/v1/device/pushes/{authentication_id}");
        let response = self.signed(stack, reqwest::Method::POST, &path, "", body).await;
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// The next push for this device, polling until one comes (at most 10 s).
    pub async fn next_push(&self, stack: &Stack) -> PushRequest {
        for _ in 0..400 {
            if let Some(push) = self.pushes(stack).await.into_iter().next() {
                return push;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("no push reached the device");
    }

    /// Answers the one push waiting for this device.
    pub async fn answer_the_push(&self, stack: &Stack, answer: PushAnswer) {
        let pushes = self.pushes(stack).await;
        assert_eq!(pushes.len(), 1, "one push waiting: {pushes:?}");
        self.answer(stack, &pushes[0].authentication_id, answer).await;
    }

    /// The offline passcode this device shows now.
    pub fn otp(&self, clock: &Clock) -> String {
        moderno_crypto::totp::code_at(self.otp_secret.as_deref().expect("a paired device"), clock.unix())
    }
}

pub fn status(answer: &Value) -> u64 {
    answer["status"].as_u64().unwrap_or_else(|| panic!("no status in {answer}"))
}

/// The number a 1012 answer shows for the user to pick on the approving device.
pub fn match_number(answer: &Value) -> u8 {
    let number = answer["matchNumber"].as_u64().and_then(|n| u8::try_from(n).ok());
    number.unwrap_or_else(|| panic!("no matchNumber in {answer}"))
}

/// The number a 1012 answer shows, when number matching (beyond Ping) is on.
pub fn shown_number(answer: &Value) -> Option<u8> {
    answer["matchNumber"].as_u64().and_then(|n| u8::try_from(n).ok())
}

/// "Allow this sign-in only", picking the number shown when one is asked.
pub fn approve_shown(answer: &Value) -> PushAnswer {
    PushAnswer::approve(shown_number(answer))
}

/// "Trust this device", picking the number shown when one is asked.
pub fn trust_shown(answer: &Value) -> PushAnswer {
    PushAnswer::trust(shown_number(answer))
}

/// Ping's `authSessionID`.
pub fn session_id(answer: &Value) -> String {
    answer["authSessionID"].as_str().unwrap_or_else(|| panic!("no authSessionID in {answer}")).to_owned()
}
