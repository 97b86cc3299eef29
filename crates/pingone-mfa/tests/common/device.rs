//! A small stand-in for the SDK component on a phone or desktop, built from moderno_crypto
//! primitives: it makes mobile payloads, approves pairings from PingOne ID tokens, claims pairing
//! keys, long-polls pushes and answers them, and shows TOTP codes. (The real device crate gains a
//! PingOne personality later.) Shared with the PingFederate tests through `#[path]`.

#![allow(dead_code)]

use moderno_ambient::{Clock, Entropy};
use moderno_crypto::device_key::DeviceKey;
use moderno_crypto::device_signature::{sign, SignedRequest, SCHEME};
use moderno_crypto::payload::seal;
use moderno_crypto::{b64url_decode, totp};
use moderno_wire::device_api::PushAnswer;
use moderno_wire::payload::MobilePayloadClaims;
use moderno_wire::pingone::{
    ApprovePairing, ClaimPairingKey, NotificationObject, PairingApproved, PairingIdTokenClaims, PushDecision,
    ResourceRef, DEVICE_SIGNATURE_HEADER, DEVICE_SIGNATURE_SCHEME,
};
use moderno_wire::sdk::DeviceType;
use reqwest::{Method, StatusCode, Url};

pub struct TestDevice {
    pub key: DeviceKey,
    pub name: String,
    clock: Clock,
    entropy: Entropy,
    client: reqwest::Client,
    /// Set once paired.
    pub device_id: Option<String>,
    pub otp_secret: Option<Vec<u8>>,
}

impl TestDevice {
    pub fn new(seed: u8, name: &str, clock: &Clock) -> Self {
        Self {
            key: DeviceKey::from_seed(&[seed; 32]),
            name: name.to_string(),
            clock: clock.clone(),
            entropy: Entropy::seeded(u64::from(seed) + 1000),
            client: reqwest::Client::builder().no_proxy().timeout(std::time::Duration::from_secs(30)).build().unwrap(),
            device_id: None,
            otp_secret: None,
        }
    }

    pub fn fingerprint(&self) -> String {
        self.key.fingerprint()
    }

    /// A fresh mobile payload (new nonce, issued now).
    pub fn mobile_payload(&self) -> String {
        let claims = MobilePayloadClaims {
            v: 1,
            device_fingerprint: self.key.fingerprint(),
            public_key: self.key.public_key_b64(),
            device_type: DeviceType::Android,
            device_name: self.name.clone(),
            os_version: "14".into(),
            app_version: "0.1.0".into(),
            rooted: false,
            nonce: self.entropy.hex(16),
            issued_at: self.clock.unix(),
            user_selection: None,
        };
        seal(&claims, &self.key)
    }

    /// Sends a device-signed request.
    pub async fn signed(&self, method: Method, url: &str, body: Option<Vec<u8>>) -> reqwest::Response {
        let parsed = Url::parse(url).unwrap();
        let bytes = body.unwrap_or_default();
        let request = SignedRequest {
            method: method.as_str(),
            path: parsed.path(),
            query: parsed.query().unwrap_or_default(),
            body: &bytes,
        };
        let signed = sign(&self.key, &request, self.clock.unix(), &self.entropy.hex(16));
        let header = format!("{DEVICE_SIGNATURE_SCHEME}{}", signed.strip_prefix(SCHEME).unwrap());
        self.client
            .request(method, url)
            .header(DEVICE_SIGNATURE_HEADER, header)
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
            .unwrap()
    }

    /// The claims of a pairing ID token (signature not checked: the server checks the secret).
    pub fn id_token_claims(id_token: &str) -> PairingIdTokenClaims {
        let body = id_token.split('.').nth(1).expect("a compact JWS");
        serde_json::from_slice(&b64url_decode(body).expect("base64url")).expect("pairing ID token claims")
    }

    /// What the ID token asks: (device API URL, pairing id, secret). The device API is on the
    /// issuer's host: `{pingone}/{envId}/as` -> `{pingone}/device`.
    pub fn read_server_payload(id_token: &str) -> (String, String, String) {
        let claims = Self::id_token_claims(id_token);
        let host =
            claims.iss.trim_end_matches('/').rsplitn(3, '/').nth(2).expect("issuer {pingone}/{envId}/as").to_string();
        (format!("{host}/device"), claims.pairing.id, claims.pairing.secret)
    }

    /// Approves the pairing the ID token offers, optionally with a tampered secret.
    pub async fn complete_pairing_with(
        &mut self,
        id_token: &str,
        secret_override: Option<&str>,
    ) -> (StatusCode, serde_json::Value) {
        let (api, id, secret) = Self::read_server_payload(id_token);
        let body = ApprovePairing {
            pairing: ResourceRef::new(id),
            secret: secret_override.map_or(secret, str::to_string),
            nickname: Some(format!("{}'s nickname", self.name)),
        };
        let response =
            self.signed(Method::POST, &format!("{api}/pairings"), Some(serde_json::to_vec(&body).unwrap())).await;
        let status = response.status();
        let value: serde_json::Value = response.json().await.unwrap();
        if status.is_success() {
            let done: PairingApproved = serde_json::from_value(value.clone()).unwrap();
            self.device_id = Some(done.device.id);
            self.otp_secret = Some(data_encoding::BASE32_NOPAD.decode(done.otp_secret.as_bytes()).unwrap());
        }
        (status, value)
    }

    pub async fn complete_pairing(&mut self, server_payload: &str) -> (StatusCode, serde_json::Value) {
        self.complete_pairing_with(server_payload, None).await
    }

    /// Sends a pairing key claim, naming the user when `username` is given.
    pub async fn send_pairing_key(&self, base: &str, pairing_key: &str, username: Option<&str>) -> reqwest::Response {
        let mut body = serde_json::to_value(ClaimPairingKey {
            pairing_key: pairing_key.into(),
            mobile_payload: self.mobile_payload(),
        })
        .unwrap();
        if let Some(user) = username {
            body["username"] = user.into();
        }
        self.signed(Method::POST, &format!("{base}/device/pairing-keys"), Some(serde_json::to_vec(&body).unwrap()))
            .await
    }

    pub async fn claim_pairing_key(&mut self, base: &str, pairing_key: &str) -> (StatusCode, serde_json::Value) {
        let response = self.send_pairing_key(base, pairing_key, None).await;
        let status = response.status();
        let value: serde_json::Value = response.json().await.unwrap();
        if status.is_success() {
            self.device_id = value["device"]["id"].as_str().map(str::to_string);
        }
        (status, value)
    }

    /// Long-polls the pushes waiting for this device.
    pub async fn pushes(&self, base: &str, wait_seconds: u64) -> Vec<NotificationObject> {
        let response =
            self.signed(Method::GET, &format!("{base}/device/pushes?waitSeconds={wait_seconds}"), None).await;
        assert_eq!(response.status(), StatusCode::OK, "pushes answered");
        response.json().await.unwrap()
    }

    /// Answers a push as the SDK does (`approve` / `deny` with a reason); a PingID-style
    /// [`PushAnswer`] is sent as the PingOne answer it stands for.
    pub async fn answer(
        &self,
        base: &str,
        auth_id: &str,
        answer: impl IntoDecision,
    ) -> (StatusCode, serde_json::Value) {
        let body = serde_json::to_vec(&answer.into_decision()).unwrap();
        let response = self.signed(Method::POST, &format!("{base}/device/pushes/{auth_id}"), Some(body)).await;
        (response.status(), response.json().await.unwrap())
    }

    /// Waits for the next push and answers it.
    pub async fn answer_next_push(&self, base: &str, answer: impl IntoDecision) -> (StatusCode, serde_json::Value) {
        let pushes = self.pushes(base, 5).await;
        let push = pushes.first().expect("a push arrived");
        self.answer(base, &push.authentication_id, answer).await
    }

    /// The TOTP code this device shows now.
    pub fn totp_code(&self) -> String {
        totp::code_at(self.otp_secret.as_deref().expect("paired with an OTP secret"), self.clock.unix())
    }
}

/// The number a waiting PingOne device authentication (`numberMatching.number`) or PingFederate
/// flow (`matchNumber`) shows for the user to pick on the approving device.
pub fn match_number(waiting: &serde_json::Value) -> u8 {
    let shown = waiting.get("numberMatching").map_or(&waiting["matchNumber"], |n| &n["number"]);
    let number = shown.as_u64().and_then(|n| u8::try_from(n).ok());
    number.unwrap_or_else(|| panic!("no matchNumber in {waiting}"))
}

/// The approval a person gives: the number the waiting side shows, under number matching (the
/// policy asks for it); a bare approve when it shows none.
pub fn approve_shown(waiting: &serde_json::Value) -> PushDecision {
    let shown = waiting.get("numberMatching").is_some() || waiting.get("matchNumber").is_some();
    PushDecision::approve(shown.then(|| match_number(waiting)))
}

/// What a test may answer a PingOne push with.
pub trait IntoDecision {
    fn into_decision(self) -> PushDecision;
}

impl IntoDecision for PushDecision {
    fn into_decision(self) -> PushDecision {
        self
    }
}

impl IntoDecision for PushAnswer {
    fn into_decision(self) -> PushDecision {
        PushDecision::from_pingid(&self).expect("PingOne has no BLOCK")
    }
}

/// The code a TOTP authenticator with this base32 secret shows at `clock`'s time.
pub fn totp_code_for(secret_base32: &str, clock: &Clock) -> String {
    totp::code_at(&data_encoding::BASE32_NOPAD.decode(secret_base32.as_bytes()).unwrap(), clock.unix())
}
