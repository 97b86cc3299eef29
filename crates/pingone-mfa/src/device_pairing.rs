//! The device's half of pairing: approving an automatic pairing with the secret of the ID token's
//! `pairing` claim (the SDK's `PairingObject.approve()`), or claiming a pairing key (`pair`). Each check and the new device row happen in one
//! transaction, so a pairing completes once however many requests race for it.
//!
//! A pairing that the right device tries to complete but cannot (expired, wrong secret, device
//! already paired) becomes FAILED: PingFederate reports that as `pairing_error`.

use axum::extract::State as Shared;
use axum::Json;
use moderno_sql::Conn;
use moderno_wire::pingone::{
    ApprovePairing, Authenticator, AuthenticatorStatus, AuthenticatorType, ClaimPairingKey, MfaDeviceType,
    PairingApproved, PairingStatus, ResourceRef,
};
use subtle::ConstantTimeEq;

use crate::device_api::SignedCall;
use crate::device_identity::{check_mobile_payload, totp_secret_base32};
use crate::management::MAX_NICKNAME_CHARS;
use crate::pairing::{read_pairing, set_pairing_status, PairingRow};
use crate::pairing_code;
use crate::store::{check_room_for_device, device_by_fingerprint, insert_device, user_id_of, DeviceRow};
use crate::{ApiError, State};

/// Creates the mobile device the pairing was for and marks the pairing CLAIMED. The answer lists
/// the authenticators set up, as the SDK's `PairingInfo` does (push and one-time passcodes); no
/// role: PingOne devices have none, only an order.
fn pair_device(
    tx: &Conn<'_>,
    state: &State,
    pairing: &PairingRow,
    fingerprint: &str,
    public_key: &str,
    nickname: Option<String>,
) -> Result<PairingApproved, ApiError> {
    check_room_for_device(tx, &pairing.username, state.config().max_allowed_devices)?;
    // An automatic pairing named its device's id in the ID token; a pairing key did not.
    let id = pairing.device_id.clone().unwrap_or_else(|| state.entropy().uuid());
    let row = DeviceRow {
        id: id.clone(),
        device_type: MfaDeviceType::Mobile,
        blocked: false,
        name: pairing.device_name.clone().unwrap_or_else(|| "Mobile device".into()),
        nickname: nickname.filter(|n| !n.trim().is_empty()).map(|n| n.chars().take(MAX_NICKNAME_CHARS).collect()),
        created_at: 0,
        updated_at: 0,
        fingerprint: Some(fingerprint.to_string()),
        username: pairing.username.clone(),
        public_key: Some(public_key.to_string()),
        last_totp_step: None,
        locked_until: None,
    };
    insert_device(tx, &row, state.now())?;
    set_pairing_status(tx, &pairing.id, PairingStatus::Claimed, Some(&id))?;
    tracing::info!(user = %pairing.username, device_id = %id, "mobile device paired");
    let user_id = user_id_of(tx, &pairing.username)?;
    let completed = |authenticator_type| Authenticator { authenticator_type, status: AuthenticatorStatus::Completed };
    Ok(PairingApproved {
        otp_secret: totp_secret_base32(state, &id),
        device: ResourceRef::new(id),
        user: ResourceRef::new(user_id),
        authenticators: vec![completed(AuthenticatorType::Push), completed(AuthenticatorType::OneTimePasscode)],
    })
}

#[tracing::instrument(name = "approve_pairing", skip_all, fields(pairing_id))]
pub async fn approve_pairing(
    Shared(state): Shared<State>,
    call: SignedCall,
) -> Result<Json<PairingApproved>, ApiError> {
    let body: ApprovePairing = call.json()?;
    tracing::Span::current().record("pairing_id", body.pairing.id.as_str());
    let outcome = state
        .tx(move |tx, state| {
            let pairing =
                read_pairing(tx, "AUTOMATIC", "id", &body.pairing.id)?.ok_or(ApiError::NotFound("pairing"))?;
            if pairing.fingerprint.as_deref() != Some(call.signature.fingerprint.as_str()) {
                return Err(ApiError::Unauthorized("the pairing was issued to another device"));
            }
            call.verify(state, tx, pairing.public_key.as_deref())?;
            if pairing.status != PairingStatus::Unclaimed {
                return Ok(Err(ApiError::invalid("PAIRING_NOT_PENDING", "the pairing is already completed or failed")));
            }
            let secret_ok = state.pepper().hash(&body.secret).as_bytes().ct_eq(pairing.secret_hash.as_bytes());
            let failure = if state.config().faults.is_on(moderno_ambient::Fault::PairingFails) {
                Some(("PAIRING_FAILED", "the pairing failed (the pairing-fails switch is on)"))
            } else if pairing.expires_at <= state.now() {
                Some(("PAIRING_EXPIRED", "the pairing has expired"))
            } else if !bool::from(secret_ok) {
                Some(("INVALID_PAIRING_SECRET", "the pairing secret does not match"))
            } else if device_by_fingerprint(tx, &call.signature.fingerprint)?.is_some() {
                Some(("DEVICE_ALREADY_PAIRED", "this device is already paired"))
            } else if check_room_for_device(tx, &pairing.username, state.config().max_allowed_devices).is_err() {
                Some(("SIZE_LIMIT_EXCEEDED", "the user already has the most devices allowed"))
            } else {
                None
            };
            if let Some((code, message)) = failure {
                set_pairing_status(tx, &pairing.id, PairingStatus::Failed, None)?;
                tracing::warn!(code, "pairing failed");
                return Ok(Err(ApiError::invalid(code, message)));
            }
            let key = pairing.public_key.clone().unwrap_or_default();
            pair_device(tx, state, &pairing, &call.signature.fingerprint, &key, body.nickname.clone()).map(Ok)
        })
        .await?;
    outcome.map(Json)
}

/// `ClaimPairingKey`, and optionally the user the key was issued to: the key must then be theirs,
/// and a wrong one also counts against that user's guess limit.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClaimBody {
    #[serde(flatten)]
    claim: ClaimPairingKey,
    #[serde(default)]
    username: Option<String>,
}

/// The guess-limit buckets a claim counts against: the signing device, the named user, everyone.
fn guess_buckets(state: &State, fingerprint: &str, username: Option<&str>) -> Vec<(crate::rate_limits::Limit, String)> {
    let mut buckets = vec![(state.pairing_key_guess_limit(false), format!("device:{fingerprint}"))];
    if let Some(user) = username {
        buckets.push((state.pairing_key_guess_limit(false), format!("user:{user}")));
    }
    buckets.push((state.pairing_key_guess_limit(true), "all".to_string()));
    buckets
}

#[tracing::instrument(name = "claim_pairing_key", skip_all)]
pub async fn claim_pairing_key(
    Shared(state): Shared<State>,
    call: SignedCall,
) -> Result<Json<PairingApproved>, ApiError> {
    let ClaimBody { claim: body, username } = call.json()?;
    let invalid_key = || ApiError::invalid("INVALID_PAIRING_KEY", "the pairing key is unknown, used or expired");
    let canonical = pairing_code::normalize(&body.pairing_key).ok_or_else(invalid_key)?;
    let now = state.now();
    let completed = state
        .tx(move |tx, state| {
            let claims = check_mobile_payload(state, tx, &body.mobile_payload)?;
            if claims.device_fingerprint != call.signature.fingerprint {
                return Err(ApiError::Unauthorized("the mobile payload is another device's"));
            }
            call.verify(state, tx, Some(&claims.public_key))?;
            let buckets = guess_buckets(state, &claims.device_fingerprint, username.as_deref());
            for (limit, bucket) in &buckets {
                limit.check(tx, bucket, now)?;
            }
            let pairing = read_pairing(tx, "KEY", "secret_hash", &state.pepper().hash(&canonical))?
                .filter(|p| p.status == PairingStatus::Unclaimed && p.expires_at > now)
                .filter(|p| username.as_deref().is_none_or(|u| u == p.username));
            let Some(pairing) = pairing else {
                // The guess is counted and kept: the transaction commits with the refusal.
                for (limit, bucket) in &buckets {
                    limit.record(tx, bucket, now)?;
                }
                tracing::warn!("wrong pairing key");
                return Ok(Err(invalid_key()));
            };
            if device_by_fingerprint(tx, &claims.device_fingerprint)?.is_some() {
                return Err(ApiError::invalid("DEVICE_ALREADY_PAIRED", "this device is already paired"));
            }
            let pairing = PairingRow { device_name: Some(claims.device_name.clone()), ..pairing };
            pair_device(tx, state, &pairing, &claims.device_fingerprint, &claims.public_key, None).map(Ok)
        })
        .await?;
    completed.map(Json)
}
