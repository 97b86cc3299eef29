//! Putting a mobile device on a user: pairing keys typed by hand, and automatic pairing from the
//! device's mobile payload (a completed device authentication carries a PingOne ID token the SDK
//! processes and approves over the device API). Both share PingOne's statuses UNCLAIMED ->
//! CLAIMED, or FAILED.
//!
//! A user's first device pairs from its payload alone (the device authentication completes at
//! once); an additional device pairs only once the device authentication that carried its
//! payload completed on one of the user's devices (see `authentication_record::complete`).

use axum::extract::{Path, State as Shared};
use axum::http::StatusCode;
use axum::Json;
use moderno_sql::{params, Conn, OptionalExtension};
use moderno_wire::payload::MobilePayloadClaims;
use moderno_wire::pingone::{
    CreatePairingKey, PairingClaim, PairingIdTokenClaims, PairingKey, PairingStatus, ResourceRef,
};

use crate::id_tokens;
use crate::pairing_code;
use crate::requests::{check_environment, ActionBody};
use crate::shapes::{api_base, links};
use crate::store::{check_room_for_device, device_by_fingerprint, rfc3339, user_id_of, username_of};
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

pub fn read_pairing(tx: &Conn<'_>, kind: &str, column: &str, value: &str) -> Result<Option<PairingRow>, ApiError> {
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
    tx: &Conn<'_>,
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
    let (key_id, user_id) = (id.clone(), user.clone());
    let row = state.tx(move |tx, state| {
        let (id, user) = (&key_id, &user_id);
        let username = username_of(tx, user)?;
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
        read_pairing(tx, "KEY", "id", id)?.ok_or_else(|| ApiError::Internal("pairing key not kept".into()))
    }).await?;
    tracing::info!(pairing_key_id = %id, "pairing key issued");
    Ok((StatusCode::CREATED, Json(pairing_key_view(&state, &user, &row, Some(key), (now, request.applications)))))
}

/// A pairing key of the user with id `user`.
fn users_pairing_key(tx: &Conn<'_>, user: &str, id: &str) -> Result<(PairingRow, (i64, Vec<ResourceRef>)), ApiError> {
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
    let user_id = user.clone();
    let (row, created) = state.read(move |tx, _| users_pairing_key(tx, &user_id, &id)).await?;
    Ok(Json(pairing_key_view(&state, &user, &row, None, created)))
}

/// `DELETE .../pairingKeys/{pairingKeyId}`: the key can no longer be claimed.
#[tracing::instrument(name = "delete_pairing_key", skip_all, fields(pairing_key_id = %id))]
pub async fn delete_pairing_key(
    Shared(state): Shared<State>,
    Path((env, user, id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    check_environment(&state, &env)?;
    state
        .tx(move |tx, _| {
            users_pairing_key(tx, &user, &id)?;
            tx.execute("DELETE FROM pairings WHERE id = ?1", params![id])?;
            Ok(())
        })
        .await?;
    tracing::info!("pairing key deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// The device a pairing is for: fingerprint, public key, name.
pub struct PairingDevice {
    pub fingerprint: String,
    pub public_key: String,
    pub name: String,
}

impl From<MobilePayloadClaims> for PairingDevice {
    fn from(c: MobilePayloadClaims) -> Self {
        Self { fingerprint: c.device_fingerprint, public_key: c.public_key, name: c.device_name }
    }
}

/// Automatic pairing: an UNCLAIMED pairing of `device` with the user, and "the PingOne ID token"
/// for MOBILE_PAIRING_REQUIRED (PingOne MFA integration kit), which the SDK takes with
/// `processIdToken` and pairs with `PairingObject.approve()`
/// (https://developer.pingidentity.com/pingone-api/native-sdks/pingone-mfa-mobile-sdks/pingone-mfa-mobile-sdk-flows.html).
/// The `pairing` claim is the emulator's: what the SDK sends back to approve, and the id the
/// MOBILE device will have. Refused when the device is paired already or the user has no room.
/// Answers the pairing's id and the token.
#[tracing::instrument(name = "issue_pairing_token", skip_all, fields(pairing_id))]
pub fn issue_pairing_token(
    tx: &Conn<'_>,
    state: &State,
    username: &str,
    device: &PairingDevice,
) -> Result<(String, String), ApiError> {
    if device_by_fingerprint(tx, &device.fingerprint)?.is_some() {
        return Err(ApiError::invalid("DEVICE_ALREADY_PAIRED", "this device is already paired"));
    }
    check_room_for_device(tx, username, state.config().max_allowed_devices)?;
    let now = state.now();
    let id = state.entropy().uuid();
    let device_id = state.entropy().uuid();
    let secret = moderno_crypto::b64url(&state.entropy().bytes::<16>());
    let nonce = moderno_crypto::b64url(&state.entropy().bytes::<16>());
    let expires_at = now + state.config().mobile_pairing_lifetime.num_seconds();
    tx.execute(
        "INSERT INTO pairings (id, username, kind, secret_hash, fingerprint, public_key, device_name, status, expires_at, created_at, device_id)
         VALUES (?1, ?2, 'AUTOMATIC', ?3, ?4, ?5, ?6, 'UNCLAIMED', ?7, ?8, ?9)",
        params![id, username, state.pepper().hash(&secret), device.fingerprint, device.public_key, device.name, expires_at, now, device_id],
    )?;
    tracing::Span::current().record("pairing_id", id.as_str());
    let claims = PairingIdTokenClaims {
        iss: id_tokens::issuer(state),
        sub: user_id_of(tx, username)?,
        aud: state.config().application_id.clone(),
        iat: now,
        exp: expires_at,
        nonce,
        preferred_username: username.to_string(),
        pairing: PairingClaim { id: id.clone(), secret, device: Some(ResourceRef::new(device_id)) },
    };
    tracing::info!("automatic pairing offered");
    Ok((id, id_tokens::sign(state, &claims)))
}

/// True while the automatic pairing `id` can still be approved (UNCLAIMED, not expired): only then
/// does its device authentication show the ID token.
pub fn still_offered(tx: &Conn<'_>, id: &str, now: i64) -> Result<bool, ApiError> {
    Ok(read_pairing(tx, "AUTOMATIC", "id", id)?
        .is_some_and(|p| p.status == PairingStatus::Unclaimed && p.expires_at > now))
}
