//! The device side of the SDK server's device API (`/pingid/v1/device`, see `docs/api/device-api.md`).
//!
//! Every call except `GET /server-key` is signed with the device key (header
//! `x-pingid-device-signature`, see `moderno_crypto::device_signature`). Errors arrive as Ping's
//! `ErrorBody` and become [`DeviceError::Sdk`].

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use moderno_ambient::{Clock, Entropy};
use moderno_crypto::device_key::{DeviceKey, DevicePublicKey};
use moderno_crypto::device_signature::SCHEME;
use moderno_wire::device_api::{
    CompletePairing, DeviceNotice, DeviceState, ManageDevice, PairingCompleted, PushAnswer, PushRequest, ServerKey,
    DEVICE_SIGNATURE_HEADER,
};
use moderno_wire::sdk::{Authentication, AuthenticationStatus, ErrorBody};
use reqwest::Method;
use url::Url;

use crate::error::{DeviceError, SdkError};
use crate::push_result::PushResult;
use crate::transport::{decode, device_request, unexpected, unreachable, DeviceSigning};
use moderno_ambient::under;

/// The longest push long poll asked of the server; the HTTP timeout leaves room above it.
pub const MAX_WAIT_SECONDS: u64 = 25;

const SERVER: &str = "the PingID SDK server";

pub struct SdkDeviceClient {
    http: reqwest::Client,
    clock: Clock,
    entropy: Entropy,
    /// Server payload keys, fetched once per device API URL.
    server_keys: Mutex<HashMap<Url, DevicePublicKey>>,
}

impl SdkDeviceClient {
    pub fn new(http: reqwest::Client, clock: Clock, entropy: Entropy) -> Self {
        Self { http, clock, entropy, server_keys: Mutex::new(HashMap::new()) }
    }

    /// `GET {api}/server-key` (unsigned), cached per URL for the life of this client.
    pub async fn server_key(&self, api_url: &Url) -> Result<DevicePublicKey, DeviceError> {
        if let Some(key) = self.server_keys.lock().unwrap_or_else(PoisonError::into_inner).get(api_url) {
            return Ok(key.clone());
        }
        let url = under(api_url, &["server-key"]);
        let answer: ServerKey = self.call(Method::GET, url, None, None).await?;
        let key = DevicePublicKey::from_b64(&answer.public_key)
            .ok_or_else(|| unexpected(SERVER, "the server key is not an Ed25519 public key"))?;
        self.server_keys.lock().unwrap_or_else(PoisonError::into_inner).insert(api_url.clone(), key.clone());
        Ok(key)
    }

    /// `POST {api}/pairings`.
    pub async fn complete_pairing(
        &self,
        api_url: &Url,
        key: &DeviceKey,
        request: &CompletePairing,
    ) -> Result<PairingCompleted, DeviceError> {
        let body = serde_json::to_vec(request).map_err(|e| DeviceError::InvalidInput(e.to_string()))?;
        self.call(Method::POST, under(api_url, &["pairings"]), Some(key), Some(body)).await
    }

    /// `GET {api}/pushes?waitSeconds=N`: waits up to `wait` (at most [`MAX_WAIT_SECONDS`]) for
    /// push requests addressed to this device.
    pub async fn pending_pushes(
        &self,
        api_url: &Url,
        key: &DeviceKey,
        wait: Duration,
    ) -> Result<Vec<PushRequest>, DeviceError> {
        self.call(Method::GET, long_poll(api_url, "pushes", wait), Some(key), None).await
    }

    /// `GET {api}/notices?waitSeconds=N`: waits up to `wait` (at most [`MAX_WAIT_SECONDS`]) for
    /// notices that a device was added to or removed from this device's user; each comes once.
    pub async fn notices(
        &self,
        api_url: &Url,
        key: &DeviceKey,
        wait: Duration,
    ) -> Result<Vec<DeviceNotice>, DeviceError> {
        self.call(Method::GET, long_poll(api_url, "notices", wait), Some(key), None).await
    }

    /// `POST {api}/pushes/{authenticationId}`: APPROVE (with the number picked, under number
    /// matching), DENY or BLOCK.
    pub async fn answer_push(
        &self,
        api_url: &Url,
        key: &DeviceKey,
        authentication_id: &str,
        answer: PushAnswer,
    ) -> Result<PushResult, DeviceError> {
        let body = serde_json::to_vec(&answer).map_err(|e| DeviceError::InvalidInput(e.to_string()))?;
        let url = under(api_url, &["pushes", authentication_id]);
        let auth: Authentication = self.call(Method::POST, url, Some(key), Some(body)).await?;
        Ok(if auth.status == AuthenticationStatus::Approved { PushResult::Approved } else { PushResult::Refused })
    }

    /// `GET {api}/me`.
    pub async fn me(&self, api_url: &Url, key: &DeviceKey) -> Result<DeviceState, DeviceError> {
        self.call(Method::GET, under(api_url, &["me"]), Some(key), None).await
    }

    /// `DELETE {api}/me`: unpairs this device.
    pub async fn unpair(&self, api_url: &Url, key: &DeviceKey) -> Result<(), DeviceError> {
        self.call_ignoring_body(Method::DELETE, under(api_url, &["me"]), key, None).await
    }

    /// `PUT {api}/devices/{id}`: renames one of the user's devices, or makes it the primary.
    pub async fn manage_device(
        &self,
        api_url: &Url,
        key: &DeviceKey,
        device_id: &str,
        change: &ManageDevice,
    ) -> Result<DeviceState, DeviceError> {
        let body = serde_json::to_vec(change).map_err(|e| DeviceError::InvalidInput(e.to_string()))?;
        self.call(Method::PUT, under(api_url, &["devices", device_id]), Some(key), Some(body)).await
    }

    /// `DELETE {api}/devices/{id}`: the primary removes another of the user's devices.
    pub async fn remove_device(
        &self,
        api_url: &Url,
        key: &DeviceKey,
        device_id: &str,
    ) -> Result<DeviceState, DeviceError> {
        self.call(Method::DELETE, under(api_url, &["devices", device_id]), Some(key), None).await
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        key: Option<&DeviceKey>,
        body: Option<Vec<u8>>,
    ) -> Result<T, DeviceError> {
        let (status, bytes) = self.send(method, url, key, body).await?;
        decode(SERVER, status, &bytes)
    }

    async fn call_ignoring_body(
        &self,
        method: Method,
        url: Url,
        key: &DeviceKey,
        body: Option<Vec<u8>>,
    ) -> Result<(), DeviceError> {
        self.send(method, url, Some(key), body).await.map(|_| ())
    }

    /// Sends, signing when a key is given; a non-2xx answer becomes an error.
    async fn send(
        &self,
        method: Method,
        url: Url,
        key: Option<&DeviceKey>,
        body: Option<Vec<u8>>,
    ) -> Result<(u16, Vec<u8>), DeviceError> {
        let body = body.unwrap_or_default();
        let signing = DeviceSigning {
            header: DEVICE_SIGNATURE_HEADER,
            scheme: SCHEME,
            clock: &self.clock,
            entropy: &self.entropy,
        };
        let request = device_request(&self.http, &signing, &method, &url, key, body);
        let response = request.send().await.map_err(|e| unreachable(SERVER, &e))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| unreachable(SERVER, &e))?.to_vec();
        if (200..300).contains(&status) {
            return Ok((status, bytes));
        }
        Err(sdk_error(status, &bytes))
    }
}

/// An error answer: Ping's `ErrorBody` when it is one.
fn sdk_error(status: u16, body: &[u8]) -> DeviceError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(error) => DeviceError::Sdk(SdkError {
            http_status: status,
            code: error.code,
            details: error.details.iter().map(|d| d.code).collect(),
            message: error.message,
        }),
        Err(_) => unexpected(SERVER, format!("HTTP {status} without a Ping error body")),
    }
}

/// `{api_url}/{resource}?waitSeconds=N`, the wait capped at [`MAX_WAIT_SECONDS`] (both backends'
/// device APIs long-poll so).
pub(crate) fn long_poll(api_url: &Url, resource: &str, wait: Duration) -> Url {
    let mut url = under(api_url, &[resource]);
    url.set_query(Some(&format!("waitSeconds={}", wait.as_secs().min(MAX_WAIT_SECONDS))));
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_extend_the_device_api_path_and_encode_ids() {
        let base = Url::parse("http://127.0.0.1:7001/pingid/v1/device").expect("url");
        let slashed = Url::parse("http://127.0.0.1:7001/pingid/v1/device/").expect("url");
        assert_eq!(under(&base, &["pairings"]).path(), "/pingid/v1/device/pairings");
        assert_eq!(under(&slashed, &["me"]).path(), "/pingid/v1/device/me");
        assert_eq!(under(&base, &["pushes", "a/b"]).path(), "/pingid/v1/device/pushes/a%2Fb");
        let poll = long_poll(&base, "notices", Duration::from_secs(99));
        assert_eq!((poll.path(), poll.query()), ("/pingid/v1/device/notices", Some("waitSeconds=25")));
    }

    #[test]
    fn a_ping_error_body_keeps_its_codes_and_anything_else_is_unexpected() {
        let body = br#"{"id":"x","code":"REQUEST_FAILED","message":"not offered","target":"trustLevel","details":[{"code":"INVALID_VALUE","message":"m","target":"trustLevel"}]}"#;
        let error = sdk_error(400, body);
        let sdk = error.sdk().expect("an SDK error");
        assert_eq!(sdk.http_status, 400);
        assert!(sdk.has_detail(moderno_wire::sdk::DetailCode::InvalidValue));
        assert_eq!(sdk_error(502, b"<html>bad gateway</html>").code(), "unexpected_server_answer");
    }
}
