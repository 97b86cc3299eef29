//! The device-facing API under `/device`, signed with the device key like the PingID SDK server's
//! device API (`moderno_crypto::device_signature`), in the header `X-Device-Signature: DEVICE
//! fp=..,ts=..,nonce=..,sig=..` (it stands in for PingOne's unpublished SDK protocol and FCM/APNs): approving an automatic pairing,
//! claiming a pairing key, long-polling for pushes and answering them.

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, Request, State as Shared};
use axum::routing::{get, post};
use axum::{Json, Router};
use moderno_ambient::{Fault, NumberChallenge, Pick};
use moderno_crypto::device_key::DevicePublicKey;
use moderno_crypto::device_signature::{DeviceSignature, DeviceSignatureError, SignedRequest, MAX_AGE_SECONDS, SCHEME};
use moderno_sql::{params, Conn};
use moderno_wire::pingone::{
    failure, DenyReason, DeviceAuthentication, NotificationObject, PushDecision, DEVICE_SIGNATURE_HEADER,
    DEVICE_SIGNATURE_SCHEME, SELECT_NUMBER,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::authentication::describe;
use crate::authentication_record::{complete, read_auth, set_status, AuthenticationMethod, Status};
use crate::push_limit::PushLimit;
use crate::store::{device_by_fingerprint, first_use_of_nonce, DeviceRow};
use crate::{ApiError, State, MAX_BODY_BYTES};

pub fn routes() -> Router<State> {
    Router::new()
        .route("/device/pairings", post(crate::device_pairing::approve_pairing))
        .route("/device/pairing-keys", post(crate::device_pairing::claim_pairing_key))
        .route("/device/pushes", get(pushes))
        .route("/device/pushes/{id}", post(answer_push))
}

/// A device-signed request, parsed but not yet verified (the key depends on the route).
pub struct SignedCall {
    pub signature: DeviceSignature,
    method: String,
    path: String,
    query: String,
    body: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for SignedCall {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        // `DEVICE fp=..` here is `PINGID-DEVICE fp=..` at the PingID SDK: one signature, two names.
        let signature = match req.headers().get(DEVICE_SIGNATURE_HEADER).map(|v| v.to_str().unwrap_or_default()) {
            None => Err(DeviceSignatureError::Missing),
            Some(value) => match value.strip_prefix(DEVICE_SIGNATURE_SCHEME) {
                Some(rest) => DeviceSignature::parse(Some(&format!("{SCHEME}{rest}"))),
                None => Err(DeviceSignatureError::Malformed),
            },
        }
        .map_err(signature_error)?;
        let method = req.method().as_str().to_string();
        let path = req.uri().path().to_string();
        let query = req.uri().query().unwrap_or_default().to_string();
        let body = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES).await.map_err(|_| ApiError::TooLarge)?;
        Ok(Self { signature, method, path, query, body })
    }
}

fn signature_error(e: DeviceSignatureError) -> ApiError {
    ApiError::Unauthorized(match e {
        DeviceSignatureError::Missing => "the request carries no device signature",
        DeviceSignatureError::Malformed => "the device signature is malformed",
        DeviceSignatureError::Stale => "the device signature is outside its time window",
        DeviceSignatureError::BadSignature => "the device signature does not verify",
    })
}

impl SignedCall {
    /// Checks the signature under `public_key` and spends its nonce.
    pub fn verify(&self, state: &State, tx: &Conn<'_>, public_key: Option<&str>) -> Result<(), ApiError> {
        let key = public_key.and_then(DevicePublicKey::from_b64).ok_or(ApiError::Unauthorized("unknown device"))?;
        let request = SignedRequest { method: &self.method, path: &self.path, query: &self.query, body: &self.body };
        let now = state.now();
        self.signature.verify(&key, &request, now).map_err(signature_error)?;
        if !first_use_of_nonce(tx, &format!("device:{}", self.signature.nonce), now, now + 2 * MAX_AGE_SECONDS)? {
            return Err(ApiError::Unauthorized("the device signature was already used"));
        }
        Ok(())
    }

    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body).map_err(|e| ApiError::BadRequest(format!("the body is not valid: {e}")))
    }

    /// The paired mobile device that signed this call, verified.
    fn device(&self, state: &State, tx: &Conn<'_>) -> Result<DeviceRow, ApiError> {
        let device =
            device_by_fingerprint(tx, &self.signature.fingerprint)?.ok_or(ApiError::Unauthorized("unknown device"))?;
        self.verify(state, tx, device.public_key.as_deref())?;
        Ok(device)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WaitQuery {
    wait_seconds: Option<u64>,
}

/// Longest a long poll holds the request.
const MAX_WAIT_SECONDS: u64 = 25;

/// The pushes waiting for `device`, as the SDK's `NotificationObject` shows them.
fn pending_pushes(tx: &Conn<'_>, state: &State, device: &DeviceRow) -> Result<Vec<NotificationObject>, ApiError> {
    if state.config().faults.is_on(Fault::ApproverOffline) {
        // The device is unreachable: its pushes wait, unseen, until they time out.
        return Ok(vec![]);
    }
    let now = state.now();
    let pushes = tx.query_map(
        "SELECT id, push_expires_at, number_choices FROM authentications
         WHERE selected_device_id = ?1 AND status = 'PUSH_CONFIRMATION_WAITING' AND push_expires_at > ?2
         ORDER BY COALESCE(push_seq, 0), created_at",
        params![device.id, now],
        |r| {
            let options = NumberChallenge::parse_choices(r.get::<_, Option<String>>(2)?.as_deref());
            Ok(NotificationObject {
                authentication_id: r.get(0)?,
                title: "Sign-in request".into(),
                body: "Approve the sign-in to Moderno?".into(),
                client_context: None,
                number_matching_type: (!options.is_empty()).then(|| SELECT_NUMBER.to_string()),
                number_matching_options: options,
                timeout_duration: r.get::<_, i64>(1)? - now,
            })
        },
    )?;
    Ok(pushes)
}

#[tracing::instrument(name = "device_pushes", skip_all, fields(device_id))]
async fn pushes(
    Shared(state): Shared<State>,
    Query(wait): Query<WaitQuery>,
    call: SignedCall,
) -> Result<Json<Vec<NotificationObject>>, ApiError> {
    let device = state.tx(move |tx, state| call.device(state, tx)).await?;
    tracing::Span::current().record("device_id", device.id.as_str());
    let wait = std::time::Duration::from_secs(wait.wait_seconds.unwrap_or(0).min(MAX_WAIT_SECONDS));
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        // Registered before the check, so a push queued in between still wakes us.
        let queued = state.0.pushes.notified();
        let device = device.clone();
        let pending = state.read(move |tx, state| pending_pushes(tx, state, &device)).await?;
        let now = tokio::time::Instant::now();
        if !pending.is_empty() || now >= deadline {
            return Ok(Json(pending));
        }
        // Woken by a push queued here or announced by another instance; and looking again every
        // `push_poll_interval` all the same, should an announcement be lost.
        let look_again = now + state.config().push_poll_interval.max(std::time::Duration::from_millis(10));
        tokio::select! {
            () = queued => {}
            () = tokio::time::sleep_until(deadline.min(look_again)) => {}
        }
    }
}

/// The SDK's answer to a push: `approve` (with the number picked under number matching) or
/// `deny` with a `DenyReason` (`pingidentity/pingone-mobile-sdk-android`, Dokka
/// `-notification-object/approve`, `deny`, `types/-deny-reason/`). PingOne has no BLOCK: an
/// administrator blocks the device (`device.block+json`).
#[tracing::instrument(name = "answer_push", skip_all, fields(auth_id = %id, action = ?answer_action(&call)))]
async fn answer_push(
    Shared(state): Shared<State>,
    Path(id): Path<String>,
    call: SignedCall,
) -> Result<Json<DeviceAuthentication>, ApiError> {
    let answer: PushDecision = call.json()?;
    let now = state.now();
    let result = state.tx(move |tx, state| {
        let device = call.device(state, tx)?;
        let auth = read_auth(tx, &device.username, &id)?;
        if auth.selected_device_id.as_deref() != Some(device.id.as_str()) {
            return Err(ApiError::NotFound("push"));
        }
        if auth.effective_status(now) != Status::PushConfirmationWaiting {
            return Err(ApiError::BadRequest("the push is no longer waiting for an answer".into()));
        }
        let rejected = |reason: Option<&str>| -> Result<(), ApiError> {
            set_status(tx, &id, Status::PushConfirmationRejected, now)?;
            tx.execute("UPDATE authentications SET failure_reason = ?1 WHERE id = ?2", params![reason, id])?;
            Ok(())
        };
        match answer {
            PushDecision::Approve { number_matching_picked_value: picked } => match Pick::of(auth.match_number, picked) {
                Pick::Missing => {
                    let why = "this push asks for the number shown on the signing-in device: send it as numberMatchingPickedValue";
                    return Err(ApiError::invalid_field("numberMatchingPickedValue", why));
                }
                Pick::Wrong => {
                    tracing::warn!("the approving device picked the wrong number");
                    rejected(Some(failure::WRONG_NUMBER))?;
                }
                Pick::Right | Pick::NotAsked => {
                    complete(tx, state, &id, AuthenticationMethod::Push, now)?;
                    PushLimit::approved(tx, &device.username)?;
                }
            },
            PushDecision::Deny { deny_reason: DenyReason::None } => rejected(None)?,
            PushDecision::Deny { deny_reason } => {
                tracing::warn!(?deny_reason, "the push was denied with a reason");
                rejected(Some(deny_reason_name(deny_reason)))?;
            }
        }
        describe(tx, state, &read_auth(tx, &device.username, &id)?)
    }).await?;
    tracing::info!("push answered");
    Ok(Json(result))
}

/// The stored name of a deny reason (the emulator's `failure_reason`).
fn deny_reason_name(reason: DenyReason) -> &'static str {
    match reason {
        DenyReason::None => "NONE",
        DenyReason::ReportFraud => "REPORT_FRAUD",
        DenyReason::BiometricsRejected => "BIOMETRICS_REJECTED",
    }
}

fn answer_action(call: &SignedCall) -> Option<&'static str> {
    call.json::<PushDecision>().ok().map(|a| match a {
        PushDecision::Approve { .. } => "APPROVE",
        PushDecision::Deny { .. } => "DENY",
    })
}
