//! The app's side of the Moderno customer-server protocol: `POST {base}/pingidsdk`.
//!
//! The server answers HTTP 200 with a Moderno status for every outcome, and 400/413 with status
//! 1020 for bad input; both come back as a [`ModernoResponse`] for the caller to branch on.

use moderno_wire::moderno::{ModernoRequest, ModernoResponse, Operation};
use tracing::instrument;
use url::Url;

use crate::error::DeviceError;
use crate::transport::{decode, unreachable};
use moderno_ambient::{http_url, under};

const SERVER: &str = "the Moderno server";

/// How long a request may stay unanswered: Ping's `auth_user` (and `retry`, device selection)
/// answers only once the push is answered or has timed out (40 s); Ping's apps wait 40 s too.
pub const WAITING_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(50);

#[derive(Clone, Debug)]
pub struct ModernoClient {
    http: reqwest::Client,
    endpoint: Url,
}

impl ModernoClient {
    /// `base` is the customer server's root, e.g. `http://127.0.0.1:7002`.
    pub fn new(http: reqwest::Client, base: &str) -> Result<Self, DeviceError> {
        let endpoint = http_url(base)
            .map(|base| under(&base, &["pingidsdk"]))
            .ok_or_else(|| DeviceError::InvalidInput(format!("the server URL {base:?} is not an http(s) URL")))?;
        Ok(Self { http, endpoint })
    }

    /// First factor plus whatever the user's state asks for next.
    #[instrument(skip(self, password, payload, pairing_key), fields(with_pairing_key = pairing_key.is_some()))]
    pub async fn auth_user(
        &self,
        user: &str,
        password: &str,
        payload: &str,
        pairing_key: Option<&str>,
    ) -> Result<ModernoResponse, DeviceError> {
        self.send(ModernoRequest {
            user: Some(user.to_string()),
            password: Some(password.to_string()),
            ping_id_payload: Some(payload.to_string()),
            pairing_key: pairing_key.map(str::to_string),
            ..request(Operation::AuthUser)
        })
        .await
    }

    /// Polls a session waiting for push approval.
    pub async fn auth_status(&self, session_id: &str) -> Result<ModernoResponse, DeviceError> {
        self.send(in_session(Operation::AuthStatus, session_id)).await
    }

    /// After 1018: `auth_user` again with the session and the chosen device, as Ping's Moderno
    /// apps choose the approving device.
    pub async fn select_device(&self, session_id: &str, device_id: &str) -> Result<ModernoResponse, DeviceError> {
        self.send(ModernoRequest {
            device_id: Some(device_id.to_string()),
            ..in_session(Operation::AuthUser, session_id)
        })
        .await
    }

    /// The passcode from a trusted device, with the device's payload (Ping's sample sends the
    /// payload the user's trust choice was folded into, so the answer pairs the device).
    #[instrument(skip(self, otp, payload))]
    pub async fn auth_offline_user(
        &self,
        session_id: &str,
        otp: &str,
        payload: Option<&str>,
    ) -> Result<ModernoResponse, DeviceError> {
        self.send(ModernoRequest {
            otp: Some(otp.to_string()),
            ping_id_payload: payload.map(str::to_string),
            ..in_session(Operation::AuthOfflineUser, session_id)
        })
        .await
    }

    pub async fn retry(&self, session_id: &str) -> Result<ModernoResponse, DeviceError> {
        self.send(in_session(Operation::Retry, session_id)).await
    }

    pub async fn cancel(&self, session_id: &str) -> Result<ModernoResponse, DeviceError> {
        self.send(in_session(Operation::Cancel, session_id)).await
    }

    async fn send(&self, request: ModernoRequest) -> Result<ModernoResponse, DeviceError> {
        let response = self
            .http
            .post(self.endpoint.clone())
            .timeout(WAITING_REQUEST_TIMEOUT)
            .json(&request)
            .send()
            .await
            .map_err(|e| unreachable(SERVER, &e))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| unreachable(SERVER, &e))?;
        decode(SERVER, status, &body)
    }

    /// `transfer` of `order` for the user signed in with `session_token` (never logged): start
    /// it, wait on for its push, or send the approving device's passcode. See [`crate::transfer`].
    #[instrument(skip(self, session_token, order, step), fields(amount_cents = order.amount_cents()))]
    pub async fn transfer(
        &self,
        session_token: &str,
        order: &crate::transfer::TransferOrder,
        step: crate::transfer::TransferStep<'_>,
    ) -> Result<ModernoResponse, DeviceError> {
        use crate::transfer::TransferStep;
        let (session_id, otp, device_id) = match step {
            TransferStep::Start { approver } => (None, None, approver),
            TransferStep::Wait { session_id } => (Some(session_id), None, None),
            TransferStep::Passcode { session_id, otp } => (Some(session_id), Some(otp), None),
        };
        self.send(ModernoRequest {
            session_token: Some(session_token.to_string()),
            sum: Some(order.sum()),
            recipient: Some(order.recipient().to_string()),
            session_id: session_id.map(str::to_string),
            otp: otp.map(str::to_string),
            device_id: device_id.map(str::to_string),
            ..request(Operation::Transfer)
        })
        .await
    }
}

fn request(operation: Operation) -> ModernoRequest {
    let name = serde_json::to_value(operation).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    ModernoRequest { operation: name, ..ModernoRequest::default() }
}

fn in_session(operation: Operation, session_id: &str) -> ModernoRequest {
    ModernoRequest { session_id: Some(session_id.to_string()), ..request(operation) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_name_the_operation_as_the_protocol_spells_it() {
        let json = serde_json::to_value(in_session(Operation::AuthOfflineUser, "s1")).expect("json");
        assert_eq!(json["operation"], "auth_offline_user");
        assert_eq!(json["sessionId"], "s1");
        assert_eq!(request(Operation::AuthUser).operation, "auth_user");
    }

    #[test]
    fn the_endpoint_is_pingidsdk_under_the_base() {
        let http = reqwest::Client::new();
        let client = ModernoClient::new(http.clone(), "http://127.0.0.1:7002").expect("client");
        assert_eq!(client.endpoint.as_str(), "http://127.0.0.1:7002/pingidsdk");
        let nested = ModernoClient::new(http.clone(), "http://h/app/").expect("client");
        assert_eq!(nested.endpoint.as_str(), "http://h/app/pingidsdk");
        for bad in ["127.0.0.1:7002", "mailto:a@b", "file:///tmp"] {
            let error = ModernoClient::new(http.clone(), bad).err().map(|e| (e.code().as_str(), e.to_string()));
            assert!(
                error.as_ref().is_some_and(|(code, said)| *code == "invalid_input" && said.contains(bad)),
                "{bad}: {error:?}"
            );
        }
    }
}
