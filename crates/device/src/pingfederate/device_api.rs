//! PingOne MFA's device API (`<pingone>/device`), called by the device itself: every call carries
//! the device key's signature (`moderno_crypto::device_signature`, as at the PingID SDK server,
//! in PingOne's neutral `X-Device-Signature: DEVICE ..`), and the keys ID tokens verify under (`{issuer}/jwks`). It stands in for
//! PingOne's unpublished SDK protocol and for FCM/APNs. Refusals are PingOne's `{code, message,
//! details}` and become [`DeviceError::PingOne`].

use std::time::Duration;

use moderno_ambient::{Clock, Entropy};
use moderno_crypto::device_key::DeviceKey;
use moderno_wire::pingfederate::Jwks;
use moderno_wire::pingone::{
    ApprovePairing, DeviceAuthentication, DeviceAuthenticationStatus, MfaError, NotificationObject, PairingApproved,
    PushDecision, DEVICE_SIGNATURE_HEADER, DEVICE_SIGNATURE_SCHEME,
};
use reqwest::Method;
use url::Url;

use crate::error::{DeviceError, ServiceError};
use crate::push_result::PushResult;
use crate::sdk_device_client::long_poll;
use crate::transport::{decode, device_request, unexpected, unreachable, DeviceSigning};
use moderno_ambient::under;

const SERVER: &str = "PingOne MFA";

pub(crate) struct PingOneDeviceApi {
    http: reqwest::Client,
    clock: Clock,
    entropy: Entropy,
}

impl PingOneDeviceApi {
    pub fn new(http: reqwest::Client, clock: Clock, entropy: Entropy) -> Self {
        Self { http, clock, entropy }
    }

    /// `GET {issuer}/jwks`: the keys the environment's ID tokens are signed with.
    pub async fn jwks(&self, issuer: &Url) -> Result<Jwks, DeviceError> {
        self.call(Method::GET, under(issuer, &["jwks"]), None, Vec::new()).await
    }

    /// `POST {api}/pairings` (`PairingObject.approve()`), signed by the key the pairing is bound to.
    pub async fn approve_pairing(
        &self,
        api_url: &Url,
        key: &DeviceKey,
        request: &ApprovePairing,
    ) -> Result<PairingApproved, DeviceError> {
        let body = serde_json::to_vec(request).map_err(|e| DeviceError::InvalidInput(e.to_string()))?;
        self.call(Method::POST, under(api_url, &["pairings"]), Some(key), body).await
    }

    /// `GET {api}/pushes?waitSeconds=N`: long-polls the pushes for this device (at most 25 s), as
    /// the SDK's `NotificationObject`s.
    pub async fn pending_pushes(
        &self,
        api_url: &Url,
        key: &DeviceKey,
        wait: Duration,
    ) -> Result<Vec<NotificationObject>, DeviceError> {
        self.call(Method::GET, long_poll(api_url, "pushes", wait), Some(key), Vec::new()).await
    }

    /// `POST {api}/pushes/{authenticationId}`: APPROVE (and the number picked) or DENY with a reason.
    pub async fn answer_push(
        &self,
        api_url: &Url,
        key: &DeviceKey,
        authentication_id: &str,
        answer: PushDecision,
    ) -> Result<PushResult, DeviceError> {
        let body = serde_json::to_vec(&answer).map_err(|e| DeviceError::InvalidInput(e.to_string()))?;
        let url = under(api_url, &["pushes", authentication_id]);
        let auth: DeviceAuthentication = self.call(Method::POST, url, Some(key), body).await?;
        Ok(if auth.status == DeviceAuthenticationStatus::Completed {
            PushResult::Approved
        } else {
            PushResult::Refused
        })
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        key: Option<&DeviceKey>,
        body: Vec<u8>,
    ) -> Result<T, DeviceError> {
        let signing = DeviceSigning {
            header: DEVICE_SIGNATURE_HEADER,
            scheme: DEVICE_SIGNATURE_SCHEME,
            clock: &self.clock,
            entropy: &self.entropy,
        };
        let response = device_request(&self.http, &signing, &method, &url, key, body)
            .send()
            .await
            .map_err(|e| unreachable(SERVER, &e))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| unreachable(SERVER, &e))?;
        if !(200..300).contains(&status) {
            return Err(pingone_error(status, &bytes));
        }
        decode(SERVER, status, &bytes)
    }
}

fn pingone_error(status: u16, body: &[u8]) -> DeviceError {
    match serde_json::from_slice::<MfaError>(body) {
        Ok(error) => DeviceError::PingOne(ServiceError {
            http_status: status,
            code: error.code,
            details: error.details.into_iter().map(|d| d.code).collect(),
            message: error.message,
            attempts_left: None,
        }),
        Err(_) => unexpected(SERVER, format!("HTTP {status} without a PingOne error body")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pingone_refusals_keep_their_detail_codes() {
        let body =
            br#"{"code":"INVALID_DATA","message":"m","details":[{"code":"DEVICE_ALREADY_PAIRED","message":"x"}]}"#;
        let error = pingone_error(400, body);
        assert_eq!(error.code(), "pingone_error");
        assert!(error.service().is_some_and(|s| s.has_detail("DEVICE_ALREADY_PAIRED")));
        assert_eq!(pingone_error(500, b"oops").code(), "unexpected_server_answer");
    }
}
