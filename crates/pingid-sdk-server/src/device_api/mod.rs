//! The device API under `/pingid/v1/device` (the project's own design, `docs/api/device-api.md`):
//! every call but `GET /server-key` is signed by the device key.

mod long_poll;
mod me;
mod notices;
mod pairings;
mod pushes;
mod user_devices;

pub(crate) use pairings::ignore_until;
pub(crate) use user_devices::RECOVERY_WINDOW;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use moderno_crypto::device_key::DevicePublicKey;
use moderno_crypto::device_signature::{DeviceSignature, DeviceSignatureError, SignedRequest, MAX_AGE_SECONDS};
use moderno_wire::device_api::{DEVICE_API_PREFIX, DEVICE_SIGNATURE_HEADER};
use serde::de::DeserializeOwned;

use crate::body;
use crate::error::{ApiError, ApiResult};
use crate::signing::original_path;
use crate::state::SdkState;
use crate::store::devices::{self, DeviceRow};
use crate::store::nonces::{self, NonceKind};

pub fn router() -> Router<SdkState> {
    let at = |path: &str| format!("{DEVICE_API_PREFIX}{path}");
    Router::new()
        .route(&at("/pairings"), post(pairings::complete))
        .route(&at("/pushes"), get(pushes::poll))
        .route(&at("/pushes/{authentication_id}"), post(pushes::answer))
        .route(&at("/notices"), get(notices::poll))
        .route(&at("/me"), get(me::show).delete(me::unpair))
        .route(&at("/devices/{id}"), axum::routing::put(user_devices::update).delete(user_devices::remove))
        .route(&at("/server-key"), get(me::server_key))
}

/// A device API request with its signature parsed but not yet verified (the key to verify it
/// with depends on the route).
pub struct DeviceCall {
    method: String,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Bytes,
    pub signature: DeviceSignature,
}

impl FromRequest<SdkState> for DeviceCall {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &SdkState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let body = body::buffer(&parts, body).await?;
        let header = parts.headers.get(DEVICE_SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
        let signature = DeviceSignature::parse(header).map_err(|e| refuse(&e.to_string()))?;
        Ok(Self {
            method: parts.method.as_str().to_string(),
            path: original_path(&parts),
            query: parts.uri.query().unwrap_or("").to_string(),
            headers: parts.headers,
            body,
            signature,
        })
    }
}

fn refuse(reason: &str) -> ApiError {
    tracing::warn!(%reason, "device signature refused");
    ApiError::unauthorized(reason)
}

impl DeviceCall {
    pub fn fingerprint(&self) -> &str {
        &self.signature.fingerprint
    }

    pub fn query(&self) -> &str {
        &self.query
    }

    pub fn json<T: DeserializeOwned>(&self) -> ApiResult<T> {
        body::parse_json(&self.headers, &self.body)
    }

    /// Verifies the signature under `key` and spends its nonce.
    pub async fn verify(&self, state: &SdkState, key: &DevicePublicKey) -> ApiResult<()> {
        let signed = SignedRequest { method: &self.method, path: &self.path, query: &self.query, body: &self.body };
        let now_unix = state.clock.unix();
        // Checked here first: a `ts` near i64::MIN would overflow the subtraction in `verify`.
        if now_unix
            .checked_sub(self.signature.ts)
            .is_none_or(|skew| !(-MAX_AGE_SECONDS..=MAX_AGE_SECONDS).contains(&skew))
        {
            return Err(refuse(&DeviceSignatureError::Stale.to_string()));
        }
        self.signature.verify(key, &signed, now_unix).map_err(|e| refuse(&e.to_string()))?;
        let nonce = format!("{}:{}", self.signature.fingerprint, self.signature.nonce);
        let expires_ms = self.signature.ts.saturating_add(MAX_AGE_SECONDS).saturating_mul(1000);
        let now_ms = state.now_ms();
        let fresh = state
            .db
            .write(move |tx| Ok(nonces::claim(tx, NonceKind::DeviceSignature, &nonce, expires_ms, now_ms)?))
            .await?;
        if !fresh {
            return Err(refuse("the device signature was used before (replay)"));
        }
        Ok(())
    }

    /// Verifies the signature of a paired device, found by the signature's fingerprint.
    pub async fn verify_paired(&self, state: &SdkState) -> ApiResult<DeviceRow> {
        let fingerprint = self.signature.fingerprint.clone();
        let device = state
            .db
            .read(move |conn| Ok(devices::by_fingerprint(conn, &fingerprint)?))
            .await?
            .ok_or_else(|| refuse("no paired device has this fingerprint"))?;
        let key = DevicePublicKey::from_b64(&device.public_key)
            .ok_or_else(|| ApiError::internal("a stored device public key does not decode"))?;
        self.verify(state, &key).await?;
        Ok(device)
    }
}
