//! Putting a mobile device on a user: pairing keys typed by hand, and automatic pairing from the
//! device's mobile payload (the server answers a PingOne ID token the SDK processes and approves
//! over the device API). Both share PingOne's statuses UNCLAIMED -> CLAIMED, or FAILED.
//!
//! A user's first device pairs from its payload alone; an additional device pairs only after a
//! completed device authentication that carried its payload (the user proved a second factor).

use axum::extract::{Path, State as Shared};
use axum::http::StatusCode;
use axum::Json;
use moderno_wire::payload::MobilePayloadClaims;
use moderno_wire::pingone::{
    CreatePairingKey, MobilePairing, PairingClaim, PairingIdTokenClaims, PairingKey, PairingStatus, ResourceRef,
    StartMobilePairing,
};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::device_identity::check_mobile_payload;
use crate::id_tokens;
use crate::pairing_code;
use crate::requests::{check_environment, ActionBody, JsonBody};
use crate::shapes::{api_base, links};
use crate::store::{check_room_for_device, device_by_fingerprint, rfc3339, user_devices, username_of};
use crate::{ApiError, State};

pub fn status_name(status: PairingStatus) -> &'static str {
    match status {
        PairingStatus::Unclaimed => "UNCLAIMED",
        PairingStatus::Claimed => "CLAIMED",
        PairingStatus::Failed => "FAILED",
    }
}

pub fn status_from_name(name: &str) -> PairingStatus {
    match name {
        "CLAIMED" => PairingStatus::Claimed,
        "FAILED" => PairingStatus::Failed,
        _ => PairingStatus::Unclaimed,
    }
}

/// A pairing (automatic or by key) as stored.
#[derive(Debug, Clone)]
pub struct PairingRow {
    pub id: String,
    pub username: String,
    pub secret_hash: String,
    pub fingerprint: Option<String>,
    pub public_key: Option<String>,
    pub device_name: Option<String>,
    pub status: PairingStatus,
    pub expires_at: i64,
    pub device_id: Option<String>,
}

pub fn read_pairing(
    tx: &Transaction<'_>,
    kind: &str,
    column: &str,
    value: &str,
) -> Result<Option<PairingRow>, ApiError> {
    let sql = format!(
        "SELECT id, username, secret_hash, fingerprint, public_key, device_name, status, expires_at, device_id
         FROM pairings WHERE kind = ?1 AND {column} = ?2"
    );
    Ok(tx
        .query_row(&sql, params![kind, value], |r| {
            Ok(PairingRow {
                id: r.get(0)?,
                username: r.get(1)?,
                secret_hash: r.get(2)?,
                fingerprint: r.get(3)?,
                public_key: r.get(4)?,
                device_name: r.get(5)?,
                status: status_from_name(&r.get::<_, String>(6)?),
                expires_at: r.get(7)?,
                device_id: r.get(8)?,
            })
        })
        .optional()?)
}

pub fn set_pairing_status(
    tx: &Transaction<'_>,
    id: &str,
    status: PairingStatus,
    device_id: Option<&str>,
) -> Result<(), ApiError> {
    tx.execute(
        "UPDATE pairings SET status = ?1, device_id = COALESCE(?2, device_id) WHERE id = ?3",
        params![status_name(status), device_id, id],
    )?;
    Ok(())
}

/// A pairing key as PingOne shows it ("MFA Pairing Keys" data model); `code` only at creation.
fn pairing_key_view(
    state: &State,
    user_id: &str,
    row: &PairingRow,
    code: Option<String>,
    (created_at, applications): (i64, Vec<ResourceRef>),
) -> PairingKey {
    let base = api_base(state);
    PairingKey {
        links: links([
            ("self", format!("{base}/users/{user_id}/pairingKeys/{}", row.id)),
            ("environment", base.clone()),
            ("user", format!("{base}/users/{user_id}")),
        ]),
        id: row.id.clone(),
        environment: ResourceRef::new(&state.config().environment_id),
        user: ResourceRef::new(user_id),
        code,
        status: row.status,
        applications,
        created_at: rfc3339(created_at),
        expires_at: rfc3339(row.expires_at),
        device_id: row.device_id.clone(),
    }
}

#[tracing::instrument(name = "create_pairing_key", skip_all, fields(user_id = %user))]
pub async fn create_pairing_key(
    Shared(state): Shared<State>,
    Path((env, user)): Path<(String, String)>,
    body: ActionBody,
) -> Result<(StatusCode, Json<PairingKey>), ApiError> {
    check_environment(&state, &env)?;
    let request: CreatePairingKey = if body.bytes.is_empty() { CreatePairingKey::default() } else { body.json()? };
    if request.applications.iter().any(|a| a.id.trim().is_empty() || a.id.len() > 64) {
        return Err(ApiError::invalid_field("applications", "each application is named by its id"));
    }
    let applications = serde_json::to_string(&request.applications).map_err(|e| ApiError::Internal(e.to_string()))?;
    let now = state.now();
    let key = pairing_code::generate(|| state.entropy().below(10));
    let canonical =
        pairing_code::normalize(&key).ok_or_else(|| ApiError::Internal("generated key does not normalize".into()))?;
    let id = state.entropy().uuid();
    let expires_at = now + state.config().pairing_key_lifetime.num_seconds();
    let row = state.db().tx(|tx| {
        let username = username_of(tx, &user)?;
        let (valid, first_expiry): (u32, Option<i64>) = tx.query_row(
            "SELECT COUNT(*), MIN(expires_at) FROM pairings WHERE kind = 'KEY' AND username = ?1 AND status = 'UNCLAIMED' AND expires_at > ?2",
            params![username, now],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if valid >= state.config().max_pairing_keys_per_user {
            // "A maximum of 20 valid pairing keys per user"; PingOne's answer to a 21st is not
            // published: the emulator's is PingOne's 429 with the time the oldest key expires.
            let free_at = first_expiry.unwrap_or(expires_at);
            return Err(ApiError::RateLimited {
                message: format!("the user already holds {valid} valid pairing keys"),
                retry_after: (free_at - now).max(1),
                retry_at: rfc3339(free_at),
            });
        }
        tx.execute(
            "INSERT INTO pairings (id, username, kind, secret_hash, status, expires_at, created_at, applications)
             VALUES (?1, ?2, 'KEY', ?3, 'UNCLAIMED', ?4, ?5, ?6)",
            params![id, username, state.pepper().hash(&canonical), expires_at, now, applications],
        )?;
        read_pairing(tx, "KEY", "id", &id)?.ok_or_else(|| ApiError::Internal("pairing key not kept".into()))
    })?;
    tracing::info!(pairing_key_id = %id, "pairing key issued");
    Ok((StatusCode::CREATED, Json(pairing_key_view(&state, &user, &row, Some(key), (now, request.applications)))))
}

/// A pairing key of the user with id `user`.
fn users_pairing_key(
    tx: &Transaction<'_>,
    user: &str,
    id: &str,
) -> Result<(PairingRow, (i64, Vec<ResourceRef>)), ApiError> {
    let username = username_of(tx, user)?;
    let row = read_pairing(tx, "KEY", "id", id)?
        .filter(|r| r.username == username)
        .ok_or(ApiError::NotFound("pairing key"))?;
    let (created, applications): (i64, Option<String>) =
        tx.query_row("SELECT created_at, applications FROM pairings WHERE id = ?1", params![id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let applications = applications.and_then(|a| serde_json::from_str(&a).ok()).unwrap_or_default();
    Ok((row, (created, applications)))
}

pub async fn get_pairing_key(
    Shared(state): Shared<State>,
    Path((env, user, id)): Path<(String, String, String)>,
) -> Result<Json<PairingKey>, ApiError> {
    check_environment(&state, &env)?;
    let (row, created) = state.db().tx(|tx| users_pairing_key(tx, &user, &id))?;
    Ok(Json(pairing_key_view(&state, &user, &row, None, created)))
}

/// `DELETE .../pairingKeys/{pairingKeyId}`: the key can no longer be claimed.
#[tracing::instrument(name = "delete_pairing_key", skip_all, fields(pairing_key_id = %id))]
pub async fn delete_pairing_key(
    Shared(state): Shared<State>,
    Path((env, user, id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    check_environment(&state, &env)?;
    state.db().tx(|tx| {
        users_pairing_key(tx, &user, &id)?;
        tx.execute("DELETE FROM pairings WHERE id = ?1", params![id])?;
        Ok(())
    })?;
    tracing::info!("pairing key deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// The device a pairing is for: fingerprint, public key, name.
struct PairingDevice {
    fingerprint: String,
    public_key: String,
    name: String,
}

impl From<MobilePayloadClaims> for PairingDevice {
    fn from(c: MobilePayloadClaims) -> Self {
        Self { fingerprint: c.device_fingerprint, public_key: c.public_key, name: c.device_name }
    }
}

/// The device of a completed device authentication that carried an unpaired device's payload;
/// the authentication can pair once.
fn authenticated_new_device(
    tx: &Transaction<'_>,
    state: &State,
    user: &str,
    auth_id: &str,
) -> Result<PairingDevice, ApiError> {
    /// The columns of a device authentication that decide whether it may pair its device.
    type Candidate = (String, [Option<String>; 3], bool, i64);
    let row: Option<Candidate> = tx
        .query_row(
            "SELECT status, req_fingerprint, req_public_key, req_name, paired, expires_at
             FROM authentications WHERE id = ?1 AND username = ?2",
            params![auth_id, user],
            |r| Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?], r.get(4)?, r.get(5)?)),
        )
        .optional()?;
    let refuse = |why: &str| ApiError::invalid("DEVICE_MUST_BE_AUTHENTICATED", why.to_string());
    let (status, [fp, key, name], paired, expires) = row.ok_or(ApiError::NotFound("device authentication"))?;
    if status != "COMPLETED" || expires <= state.now() {
        return Err(refuse("the device authentication is not completed"));
    }
    let (Some(fingerprint), Some(public_key), Some(name)) = (fp, key, name) else {
        return Err(refuse("the device authentication carried no unpaired device"));
    };
    if paired {
        return Err(refuse("the device authentication was already used for a pairing"));
    }
    tx.execute("UPDATE authentications SET paired = 1 WHERE id = ?1", params![auth_id])?;
    Ok(PairingDevice { fingerprint, public_key, name })
}

#[tracing::instrument(name = "start_mobile_pairing", skip_all, fields(user_id = %user_id, pairing_id))]
pub async fn start_mobile_pairing(
    Shared(state): Shared<State>,
    Path((env, user_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<StartMobilePairing>,
) -> Result<(StatusCode, Json<MobilePairing>), ApiError> {
    check_environment(&state, &env)?;
    let user = state.db().tx(|tx| username_of(tx, &user_id))?;
    let now = state.now();
    let id = state.entropy().uuid();
    let secret = moderno_crypto::b64url(&state.entropy().bytes::<16>());
    let expires_at = now + state.config().mobile_pairing_lifetime.num_seconds();
    let nonce = moderno_crypto::b64url(&state.entropy().bytes::<16>());
    state.db().tx(|tx| {
        let first = user_devices(tx, &user)?.is_empty();
        let device: PairingDevice = match (&body.mobile_payload, &body.device_authentication_id) {
            (_, Some(auth_id)) => authenticated_new_device(tx, &state, &user, auth_id)?,
            (Some(payload), None) if first => check_mobile_payload(&state, tx, payload)?.into(),
            (Some(_), None) => {
                return Err(ApiError::invalid(
                    "DEVICE_MUST_BE_AUTHENTICATED",
                    "the user has devices: authenticate first, then pair with deviceAuthenticationId",
                ))
            }
            (None, None) => return Err(ApiError::invalid_field("mobilePayload", "mobilePayload or deviceAuthenticationId is required")),
        };
        if device_by_fingerprint(tx, &device.fingerprint)?.is_some() {
            return Err(ApiError::invalid("DEVICE_ALREADY_PAIRED", "this device is already paired"));
        }
        check_room_for_device(tx, &user, state.config().max_allowed_devices)?;
        tx.execute(
            "INSERT INTO pairings (id, username, kind, secret_hash, fingerprint, public_key, device_name, status, expires_at, created_at)
             VALUES (?1, ?2, 'AUTOMATIC', ?3, ?4, ?5, ?6, 'UNCLAIMED', ?7, ?8)",
            params![id, user, state.pepper().hash(&secret), device.fingerprint, device.public_key, device.name, expires_at, now],
        )?;
        Ok(())
    })?;
    tracing::Span::current().record("pairing_id", id.as_str());
    // "The PingOne ID token" of MOBILE_PAIRING_REQUIRED (PingOne MFA integration kit), which the
    // SDK takes with `processIdToken` and pairs with `PairingObject.approve()`
    // (https://developer.pingidentity.com/pingone-api/native-sdks/pingone-mfa-mobile-sdks/pingone-mfa-mobile-sdk-flows.html).
    // The `pairing` claim is the emulator's: what the SDK sends back to approve.
    let claims = PairingIdTokenClaims {
        iss: id_tokens::issuer(&state),
        sub: user_id.clone(),
        aud: state.config().application_id.clone(),
        iat: now,
        exp: expires_at,
        nonce,
        preferred_username: user,
        pairing: PairingClaim { id: id.clone(), secret },
    };
    let id_token = id_tokens::sign(&state, &claims);
    tracing::info!("automatic pairing started");
    let body = MobilePairing {
        id,
        status: PairingStatus::Unclaimed,
        server_payload: Some(id_token),
        expires_at: rfc3339(expires_at),
        device_id: None,
    };
    Ok((StatusCode::CREATED, Json(body)))
}

pub async fn get_mobile_pairing(
    Shared(state): Shared<State>,
    Path((env, user_id, id)): Path<(String, String, String)>,
) -> Result<Json<MobilePairing>, ApiError> {
    check_environment(&state, &env)?;
    let (user, row) =
        state.db().tx(|tx| Ok((username_of(tx, &user_id)?, read_pairing(tx, "AUTOMATIC", "id", &id)?)))?;
    let row = row.filter(|r| r.username == user).ok_or(ApiError::NotFound("mobile pairing"))?;
    Ok(Json(MobilePairing {
        id: row.id,
        status: row.status,
        server_payload: None,
        expires_at: rfc3339(row.expires_at),
        device_id: row.device_id,
    }))
}
