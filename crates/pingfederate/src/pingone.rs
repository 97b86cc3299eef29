//! PingFederate's side of the PingOne MFA emulator's management API: one reqwest client with
//! timeouts and the worker bearer token. A 4xx from PingOne comes back as [`Refusal`] (its
//! detail code) for the adapter to map; anything else is an upstream failure.

use moderno_wire::pingone::{
    CheckMfaOtp, CreateMfaUser, DeviceAuthentication, MfaDevice, MfaError, MobilePairing, SelectMfaDevice,
    StartDeviceAuthentication, StartMobilePairing, UpdateMfaDevice,
};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::AuthnApiError;
use crate::Config;

/// PingOne refused the call (4xx): the most specific code it gave.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

pub type Answer<T> = Result<Result<T, Refusal>, AuthnApiError>;

pub struct PingOneClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl PingOneClient {
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .connect_timeout(std::time::Duration::from_secs(3))
            .no_proxy()
            .build()?;
        let base = format!("{}/environments/{}", config.pingone_url.trim_end_matches('/'), config.pingone_environment_id);
        Ok(Self { http, base, token: config.pingone_worker_token.clone() })
    }

    async fn call<T: DeserializeOwned>(&self, method: Method, path: &str, body: Option<&impl Serialize>) -> Answer<T> {
        let mut request = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| AuthnApiError::Upstream(e.without_url().to_string()))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| AuthnApiError::Upstream(e.without_url().to_string()))?;
        if status.is_client_error() {
            let error: Option<MfaError> = serde_json::from_slice(&bytes).ok();
            let code = error.as_ref().map_or_else(|| status.as_str().to_string(), |e| e.details.first().map_or(e.code.clone(), |d| d.code.clone()));
            let message = error.map(|e| e.message).unwrap_or_default();
            return Ok(Err(Refusal { status, code, message }));
        }
        if !status.is_success() {
            return Err(AuthnApiError::Upstream(format!("PingOne answered {status}")));
        }
        let bytes = if bytes.is_empty() { "null".as_bytes().into() } else { bytes };
        serde_json::from_slice(&bytes).map(Ok).map_err(|e| AuthnApiError::Upstream(format!("unexpected answer: {e}")))
    }

    /// Creates the user unless PingOne already has it.
    pub async fn ensure_user(&self, username: &str) -> Result<(), AuthnApiError> {
        let body = CreateMfaUser { username: username.into() };
        match self.call::<serde_json::Value>(Method::POST, "/users", Some(&body)).await? {
            Ok(_) => Ok(()),
            Err(refusal) if refusal.status == StatusCode::CONFLICT => Ok(()),
            Err(refusal) => Err(AuthnApiError::Upstream(format!("user provisioning refused: {}", refusal.code))),
        }
    }

    pub async fn devices(&self, user: &str) -> Answer<Vec<MfaDevice>> {
        self.call(Method::GET, &format!("/users/{user}/devices"), None::<&()>).await
    }

    pub async fn start_pairing(&self, user: &str, body: &StartMobilePairing) -> Answer<MobilePairing> {
        self.call(Method::POST, &format!("/users/{user}/mobilePairings"), Some(body)).await
    }

    pub async fn pairing(&self, user: &str, id: &str) -> Answer<MobilePairing> {
        self.call(Method::GET, &format!("/users/{user}/mobilePairings/{id}"), None::<&()>).await
    }

    pub async fn start_authentication(&self, user: &str, body: &StartDeviceAuthentication) -> Answer<DeviceAuthentication> {
        self.call(Method::POST, &format!("/users/{user}/deviceAuthentications"), Some(body)).await
    }

    pub async fn authentication(&self, user: &str, id: &str) -> Answer<DeviceAuthentication> {
        self.call(Method::GET, &format!("/users/{user}/deviceAuthentications/{id}"), None::<&()>).await
    }

    pub async fn select_device(&self, user: &str, id: &str, device_id: &str) -> Answer<DeviceAuthentication> {
        let body = SelectMfaDevice { device_id: device_id.into() };
        self.call(Method::POST, &format!("/users/{user}/deviceAuthentications/{id}/selection"), Some(&body)).await
    }

    pub async fn check_otp(&self, user: &str, id: &str, otp: &str) -> Answer<DeviceAuthentication> {
        let body = CheckMfaOtp { otp: otp.into() };
        self.call(Method::POST, &format!("/users/{user}/deviceAuthentications/{id}/otp"), Some(&body)).await
    }

    pub async fn make_default(&self, user: &str, device_id: &str) -> Answer<Vec<MfaDevice>> {
        self.call(Method::POST, &format!("/users/{user}/devices/{device_id}/default"), None::<&()>).await
    }

    pub async fn update_device(&self, user: &str, device_id: &str, body: &UpdateMfaDevice) -> Answer<MfaDevice> {
        self.call(Method::PATCH, &format!("/users/{user}/devices/{device_id}"), Some(body)).await
    }

    pub async fn remove_device(&self, user: &str, device_id: &str) -> Answer<()> {
        self.call(Method::DELETE, &format!("/users/{user}/devices/{device_id}"), None::<&()>).await
    }
}
