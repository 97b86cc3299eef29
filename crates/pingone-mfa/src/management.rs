//! Users and their ordered MFA devices (`/environments/{env}/users...`).
//!
//! SMS, e-mail and TOTP devices are created here directly (the emulator skips PingOne's
//! activation step); mobile devices only come from pairing. The first device in the order is the
//! default; `.../default` moves a device to the front.

use axum::extract::{Path, State as Shared};
use axum::http::StatusCode;
use axum::Json;
use moderno_wire::pingone::{
    CreateMfaDevice, CreateMfaUser, CreatedMfaDevice, MfaDevice, MfaDeviceStatus, MfaDeviceType, MfaUser,
    UpdateMfaDevice,
};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::device_identity::totp_secret_base32;
use crate::requests::{check_environment, JsonBody};
use crate::store::{device_list, find_device, insert_device, require_user, rfc3339, DeviceRow};
use crate::{ApiError, State};

/// Longest nickname kept.
pub const MAX_NICKNAME_CHARS: usize = 100;

pub fn read_user(tx: &Transaction<'_>, state: &State, username: &str) -> Result<MfaUser, ApiError> {
    let row: Option<(String, i64, Option<i64>)> = tx
        .query_row(
            "SELECT id, created_at, otp_blocked_until FROM users WHERE username = ?1",
            params![username],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (id, created, blocked) = row.ok_or(ApiError::NotFound("user"))?;
    Ok(MfaUser {
        id,
        username: username.to_string(),
        environment_id: state.config().environment_id.clone(),
        created_at: rfc3339(created),
        otp_blocked_until: blocked.filter(|until| *until > state.now()).map(rfc3339),
    })
}

#[tracing::instrument(name = "create_user", skip_all, fields(user = %body.username))]
pub async fn create_user(
    Shared(state): Shared<State>,
    Path(env): Path<String>,
    JsonBody(body): JsonBody<CreateMfaUser>,
) -> Result<(StatusCode, Json<MfaUser>), ApiError> {
    check_environment(&state, &env)?;
    let name = body.username.trim();
    if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid_field("username", "a username has 1 to 128 printable characters"));
    }
    let user = state.db().tx(|tx| {
        if crate::store::user_exists(tx, name)? {
            return Err(ApiError::Conflict { code: "UNIQUENESS_VIOLATION", message: "the user already exists".into() });
        }
        tx.execute(
            "INSERT INTO users (username, id, created_at) VALUES (?1, ?2, ?3)",
            params![name, state.entropy().uuid(), state.now()],
        )?;
        read_user(tx, &state, name)
    })?;
    tracing::info!("user created");
    Ok((StatusCode::CREATED, Json(user)))
}

pub async fn get_user(
    Shared(state): Shared<State>,
    Path((env, user)): Path<(String, String)>,
) -> Result<Json<MfaUser>, ApiError> {
    check_environment(&state, &env)?;
    Ok(Json(state.db().tx(|tx| read_user(tx, &state, &user))?))
}

pub async fn list_devices(
    Shared(state): Shared<State>,
    Path((env, user)): Path<(String, String)>,
) -> Result<Json<Vec<MfaDevice>>, ApiError> {
    check_environment(&state, &env)?;
    Ok(Json(state.db().tx(|tx| {
        require_user(tx, &user)?;
        device_list(tx, &user)
    })?))
}

pub async fn get_device(
    Shared(state): Shared<State>,
    Path((env, user, device)): Path<(String, String, String)>,
) -> Result<Json<MfaDevice>, ApiError> {
    check_environment(&state, &env)?;
    Ok(Json(state.db().tx(|tx| find_device(tx, &user, &device).map(|d| d.device))?))
}

fn checked_nickname(nickname: Option<String>) -> Result<Option<String>, ApiError> {
    let nickname = nickname.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if nickname.as_ref().is_some_and(|n| n.chars().count() > MAX_NICKNAME_CHARS || n.chars().any(char::is_control)) {
        return Err(ApiError::invalid_field("nickname", "a nickname has at most 100 printable characters"));
    }
    Ok(nickname)
}

/// The device's display name from what the request gave for its type.
fn device_name(body: &CreateMfaDevice) -> Result<String, ApiError> {
    let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    match body.device_type {
        MfaDeviceType::Mobile => Err(ApiError::invalid(
            "MOBILE_NEEDS_PAIRING",
            "a MOBILE device is created only by automatic pairing or a pairing key",
        )),
        MfaDeviceType::Sms => given(&body.phone)
            .filter(|p| p.len() <= 20 && p.chars().all(|c| c.is_ascii_digit() || "+- ".contains(c)))
            .ok_or_else(|| ApiError::invalid_field("phone", "an SMS device needs a phone number")),
        MfaDeviceType::Email => given(&body.email)
            .filter(|e| e.len() <= 254 && e.contains('@') && !e.chars().any(char::is_whitespace))
            .ok_or_else(|| ApiError::invalid_field("email", "an EMAIL device needs an e-mail address")),
        MfaDeviceType::Totp => Ok("Authenticator app".into()),
    }
}

#[tracing::instrument(name = "create_device", skip_all, fields(user = %user, device_type = ?body.device_type))]
pub async fn create_device(
    Shared(state): Shared<State>,
    Path((env, user)): Path<(String, String)>,
    JsonBody(body): JsonBody<CreateMfaDevice>,
) -> Result<(StatusCode, Json<CreatedMfaDevice>), ApiError> {
    check_environment(&state, &env)?;
    let name = device_name(&body)?;
    let nickname = checked_nickname(body.nickname.clone())?;
    let id = state.entropy().uuid();
    let device = state.db().tx(|tx| {
        require_user(tx, &user)?;
        let row = DeviceRow {
            device: MfaDevice {
                id: id.clone(),
                device_type: body.device_type,
                status: MfaDeviceStatus::Active,
                name,
                nickname,
                order: 0,
                default: false,
                usable: true,
                created_at: String::new(),
                device_fingerprint: None,
            },
            username: user.clone(),
            public_key: None,
            last_totp_step: None,
        };
        insert_device(tx, &row, state.now())?;
        find_device(tx, &user, &id)
    })?;
    let secret = (body.device_type == MfaDeviceType::Totp).then(|| totp_secret_base32(&state, &id));
    tracing::info!(device_id = %id, "device created");
    Ok((StatusCode::CREATED, Json(CreatedMfaDevice { device: device.device, secret })))
}

#[tracing::instrument(name = "update_device", skip_all, fields(user = %user, device_id = %device))]
pub async fn update_device(
    Shared(state): Shared<State>,
    Path((env, user, device)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<UpdateMfaDevice>,
) -> Result<Json<MfaDevice>, ApiError> {
    check_environment(&state, &env)?;
    let nickname = body.nickname.clone().map(|n| checked_nickname(Some(n))).transpose()?;
    let updated = state.db().tx(|tx| {
        find_device(tx, &user, &device)?;
        if let Some(nickname) = nickname {
            tx.execute("UPDATE devices SET nickname = ?1 WHERE id = ?2", params![nickname, device])?;
        }
        if let Some(blocked) = body.blocked {
            tx.execute("UPDATE devices SET blocked = ?1 WHERE id = ?2", params![blocked, device])?;
        }
        find_device(tx, &user, &device).map(|d| d.device)
    })?;
    tracing::info!(blocked = ?body.blocked, "device updated");
    Ok(Json(updated))
}

#[tracing::instrument(name = "delete_device", skip_all, fields(user = %user, device_id = %device))]
pub async fn delete_device(
    Shared(state): Shared<State>,
    Path((env, user, device)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    check_environment(&state, &env)?;
    state.db().tx(|tx| {
        find_device(tx, &user, &device)?;
        tx.execute("DELETE FROM devices WHERE id = ?1", params![device])?;
        Ok(())
    })?;
    tracing::info!("device removed");
    Ok(StatusCode::NO_CONTENT)
}

#[tracing::instrument(name = "make_default_device", skip_all, fields(user = %user, device_id = %device))]
pub async fn make_default(
    Shared(state): Shared<State>,
    Path((env, user, device)): Path<(String, String, String)>,
) -> Result<Json<Vec<MfaDevice>>, ApiError> {
    check_environment(&state, &env)?;
    let devices = state.db().tx(|tx| {
        find_device(tx, &user, &device)?;
        tx.execute(
            "UPDATE devices SET position = (SELECT MIN(position) - 1 FROM devices WHERE username = ?1) WHERE id = ?2",
            params![user, device],
        )?;
        device_list(tx, &user)
    })?;
    tracing::info!("default device changed");
    Ok(Json(devices))
}
