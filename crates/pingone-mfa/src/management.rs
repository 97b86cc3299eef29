//! Users and their ordered MFA devices on the management API
//! (`/v1/environments/{envId}/users...`), users named by id in paths.
//!
//! SMS, e-mail and TOTP devices are created here directly (the emulator skips PingOne's
//! activation step); mobile devices only come from pairing ("A user cannot create a native
//! (mobile) device with POST …/devices"). The first device in the order is the default; the order
//! changes with `application/vnd.pingidentity.devices.reorder+json`.
//!
//! Sources: "Users" (`GET /users?filter=`), "MFA Devices", "Update Device Order", "Update MFA User
//! Device Nickname", "Block/Unblock MFA User Device":
//! https://developer.pingidentity.com/pingone-api/mfa/users/mfa-devices.html

use axum::extract::{Path, Query, State as Shared};
use axum::http::StatusCode;
use axum::Json;
use moderno_sql::{params, Conn, OptionalExtension};
use moderno_wire::pingone::{
    CreateMfaDevice, CreateUser, Device, EntityArray, MfaDeviceType, ResourceRef, User, DEVICES_REORDER_CONTENT_TYPE,
};
use serde::Deserialize;

use crate::device_identity::totp_secret_base32;
use crate::requests::{check_environment, ActionBody, JsonBody};
use crate::shapes::{api_base, device, entity_array, Detail};
use crate::store::{check_room_for_device, find_device, insert_device, user_devices, username_of, DeviceRow};
use crate::{ApiError, State};

/// Longest nickname kept.
pub const MAX_NICKNAME_CHARS: usize = 100;

/// Content types of "Block MFA User Device" and "Unblock MFA User Device".
const BLOCK_CONTENT_TYPE: &str = "application/vnd.pingidentity.device.block+json";
const UNBLOCK_CONTENT_TYPE: &str = "application/vnd.pingidentity.device.unblock+json";

fn read_user_by(tx: &Conn<'_>, state: &State, column: &str, value: &str) -> Result<Option<User>, ApiError> {
    let sql = format!("SELECT id, username, created_at FROM users WHERE {column} = ?1");
    let row: Option<(String, String, i64)> =
        tx.query_row(&sql, params![value], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?;
    Ok(row.map(|(id, username, created)| crate::shapes::user(state, &id, &username, created)))
}

#[tracing::instrument(name = "create_user", skip_all, fields(user = %body.username))]
pub async fn create_user(
    Shared(state): Shared<State>,
    Path(env): Path<String>,
    JsonBody(body): JsonBody<CreateUser>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    check_environment(&state, &env)?;
    let name = body.username.trim().to_owned();
    if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid_field("username", "a username has 1 to 128 printable characters"));
    }
    let user = state
        .tx(move |tx, state| {
            let name = name.as_str();
            if crate::store::user_exists(tx, name)? {
                // PingOne: 400 INVALID_DATA, detail UNIQUENESS_VIOLATION on `username`.
                return Err(ApiError::Invalid {
                    code: "UNIQUENESS_VIOLATION",
                    message: "username must be unique".into(),
                    target: Some("username"),
                    inner: None,
                });
            }
            tx.execute(
                "INSERT INTO users (username, id, created_at) VALUES (?1, ?2, ?3)",
                params![name, state.entropy().uuid(), state.now()],
            )?;
            read_user_by(tx, state, "username", name)?.ok_or_else(|| ApiError::Internal("user not kept".into()))
        })
        .await?;
    tracing::info!(user_id = %user.id, "user created");
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Debug, Deserialize)]
pub struct UserQuery {
    filter: Option<String>,
}

/// `username eq "bob"` (or `id eq "..."`): the SCIM-style filters PingOne takes on `GET /users`.
fn parse_filter(filter: &str) -> Option<(&'static str, String)> {
    let (attribute, rest) = filter.trim().split_once(char::is_whitespace)?;
    let value = rest.trim_start().strip_prefix("eq")?.trim();
    let value = value.strip_prefix('"')?.strip_suffix('"')?;
    let column = match attribute {
        "username" => "username",
        "id" => "id",
        _ => return None,
    };
    Some((column, value.to_string()))
}

pub async fn list_users(
    Shared(state): Shared<State>,
    Path(env): Path<String>,
    Query(query): Query<UserQuery>,
) -> Result<Json<EntityArray<User>>, ApiError> {
    check_environment(&state, &env)?;
    let Some(filter) = query.filter else {
        return Err(ApiError::Invalid {
            code: "INVALID_FILTER",
            message: "the emulator lists users by filter only: username eq \"...\" or id eq \"...\"".into(),
            target: Some("filter"),
            inner: None,
        });
    };
    let (column, value) = parse_filter(&filter).ok_or(ApiError::Invalid {
        code: "INVALID_FILTER",
        message: "the filter takes the form username eq \"...\" or id eq \"...\"".into(),
        target: Some("filter"),
        inner: None,
    })?;
    let users = state.tx(move |tx, state| Ok(read_user_by(tx, state, column, &value)?.into_iter().collect())).await?;
    Ok(Json(entity_array(format!("{}/users", api_base(&state)), "users", users)))
}

pub async fn get_user(
    Shared(state): Shared<State>,
    Path((env, user)): Path<(String, String)>,
) -> Result<Json<User>, ApiError> {
    check_environment(&state, &env)?;
    Ok(Json(state.tx(move |tx, state| read_user_by(tx, state, "id", &user)?.ok_or(ApiError::NotFound("user"))).await?))
}

/// The user's devices as PingOne lists them, in order.
fn device_list(tx: &Conn<'_>, state: &State, user_id: &str, username: &str) -> Result<EntityArray<Device>, ApiError> {
    let now = state.now();
    let devices = user_devices(tx, username)?.iter().map(|d| device(state, user_id, d, now, Detail::Full)).collect();
    let mut list = entity_array(format!("{}/users/{user_id}/devices", api_base(state)), "devices", devices);
    let href = list.links["self"].href.clone();
    list.links.extend(crate::shapes::links([("devices.reorder", href)]));
    Ok(list)
}

fn one_device(tx: &Conn<'_>, state: &State, user_id: &str, username: &str, id: &str) -> Result<Device, ApiError> {
    Ok(device(state, user_id, &find_device(tx, username, id)?, state.now(), Detail::Full))
}

pub async fn list_devices(
    Shared(state): Shared<State>,
    Path((env, user)): Path<(String, String)>,
) -> Result<Json<EntityArray<Device>>, ApiError> {
    check_environment(&state, &env)?;
    Ok(Json(state.tx(move |tx, state| device_list(tx, state, &user, &username_of(tx, &user)?)).await?))
}

pub async fn get_device(
    Shared(state): Shared<State>,
    Path((env, user, id)): Path<(String, String, String)>,
) -> Result<Json<Device>, ApiError> {
    check_environment(&state, &env)?;
    Ok(Json(state.tx(move |tx, state| one_device(tx, state, &user, &username_of(tx, &user)?, &id)).await?))
}

fn checked_nickname(nickname: Option<String>) -> Result<Option<String>, ApiError> {
    let nickname = nickname.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if nickname.as_ref().is_some_and(|n| n.chars().count() > MAX_NICKNAME_CHARS || n.chars().any(char::is_control)) {
        return Err(ApiError::invalid_field("nickname", "a nickname has at most 100 printable characters"));
    }
    Ok(nickname)
}

/// The device's stored name from what the request gave for its type.
fn device_name(body: &CreateMfaDevice) -> Result<String, ApiError> {
    let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    match body.device_type {
        MfaDeviceType::Mobile => Err(ApiError::invalid_field(
            "type",
            "a MOBILE device is created only by pairing (automatic pairing or a pairing key)",
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

/// `POST .../users/{userId}/devices`: creates a device (`application/json`), or with
/// `application/vnd.pingidentity.devices.reorder+json` sets the order.
pub async fn post_devices(
    Shared(state): Shared<State>,
    Path((env, user)): Path<(String, String)>,
    body: ActionBody,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    check_environment(&state, &env)?;
    let to_json = |v: Result<_, serde_json::Error>| v.map_err(|e| ApiError::Internal(e.to_string()));
    if body.is(DEVICES_REORDER_CONTENT_TYPE) {
        let list = reorder(&state, &user, body.json()?).await?;
        return Ok((StatusCode::OK, Json(to_json(serde_json::to_value(list))?)));
    }
    if !body.is("application/json") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let created = create_device(&state, &user, body.json()?).await?;
    Ok((StatusCode::CREATED, Json(to_json(serde_json::to_value(created))?)))
}

#[tracing::instrument(name = "create_device", skip_all, fields(user_id = %user, device_type = ?body.device_type))]
async fn create_device(state: &State, user: &str, body: CreateMfaDevice) -> Result<Device, ApiError> {
    let name = device_name(&body)?;
    let nickname = checked_nickname(body.nickname.clone())?;
    let id = state.entropy().uuid();
    let (user, device_id) = (user.to_owned(), id.clone());
    let (mut created, username) = state
        .tx(move |tx, state| {
            let id = device_id;
            let user = user.as_str();
            let username = username_of(tx, user)?;
            check_room_for_device(tx, &username, state.config().max_allowed_devices)?;
            let row = DeviceRow {
                id: id.clone(),
                device_type: body.device_type,
                blocked: false,
                name,
                nickname,
                created_at: 0,
                updated_at: 0,
                fingerprint: None,
                username: username.clone(),
                public_key: None,
                last_totp_step: None,
                locked_until: None,
            };
            insert_device(tx, &row, state.now())?;
            Ok((one_device(tx, state, user, &username, &id)?, username))
        })
        .await?;
    if body.device_type == MfaDeviceType::Totp {
        let secret = totp_secret_base32(state, &id);
        created.key_uri = Some(format!("otpauth://totp/Moderno:{username}?secret={secret}&issuer=Moderno"));
        created.secret = Some(secret);
    }
    tracing::info!(device_id = %id, "device created");
    Ok(created)
}

#[derive(Debug, Deserialize)]
struct Reorder {
    order: Vec<ResourceRef>,
}

/// The listed devices go first, in the order given; the others keep theirs after them.
#[tracing::instrument(name = "reorder_devices", skip_all, fields(user_id = %user))]
async fn reorder(state: &State, user: &str, body: Reorder) -> Result<EntityArray<Device>, ApiError> {
    let user = user.to_owned();
    let list = state
        .tx(move |tx, state| {
            let user = user.as_str();
            let username = username_of(tx, user)?;
            let devices = user_devices(tx, &username)?;
            let mut seen = std::collections::HashSet::new();
            for wanted in &body.order {
                if !devices.iter().any(|d| d.id == wanted.id) || !seen.insert(wanted.id.as_str()) {
                    return Err(ApiError::invalid_field(
                        "order",
                        "the order names each of the user's devices at most once",
                    ));
                }
            }
            let rest = devices.iter().filter(|d| !seen.contains(d.id.as_str())).map(|d| d.id.as_str());
            let now = state.now();
            for (position, id) in body.order.iter().map(|r| r.id.as_str()).chain(rest).enumerate() {
                let position = i64::try_from(position).unwrap_or(i64::MAX);
                tx.execute(
                    "UPDATE devices SET position = ?1, updated_at = ?2 WHERE id = ?3",
                    params![position, now, id],
                )?;
            }
            device_list(tx, state, user, &username)
        })
        .await?;
    tracing::info!("device order changed");
    Ok(list)
}

/// Runs `change` on the user's device `id` (404 when it is not theirs) and answers the device.
async fn change_device(
    state: &State,
    user: &str,
    id: &str,
    change: impl FnOnce(&Conn<'_>) -> moderno_sql::Result<usize> + Send + 'static,
) -> Result<Device, ApiError> {
    let (user, id) = (user.to_owned(), id.to_owned());
    state
        .tx(move |tx, state| {
            let (user, id) = (user.as_str(), id.as_str());
            let username = username_of(tx, user)?;
            find_device(tx, &username, id)?;
            change(tx)?;
            one_device(tx, state, user, &username, id)
        })
        .await
}

#[derive(Debug, Deserialize)]
pub struct Nickname {
    nickname: String,
}

/// `PUT .../devices/{deviceId}/nickname` `{nickname}`.
#[tracing::instrument(name = "update_nickname", skip_all, fields(user_id = %user, device_id = %id))]
pub async fn set_nickname(
    Shared(state): Shared<State>,
    Path((env, user, id)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<Nickname>,
) -> Result<Json<Device>, ApiError> {
    check_environment(&state, &env)?;
    let nickname = checked_nickname(Some(body.nickname))?;
    let (now, device_id) = (state.now(), id.clone());
    let device = change_device(&state, &user, &id, move |tx| {
        tx.execute("UPDATE devices SET nickname = ?1, updated_at = ?2 WHERE id = ?3", params![nickname, now, device_id])
    })
    .await?;
    tracing::info!("nickname changed");
    Ok(Json(device))
}

/// `POST .../devices/{deviceId}` with `device.block+json` or `device.unblock+json`.
#[tracing::instrument(name = "block_device", skip_all, fields(user_id = %user, device_id = %id))]
pub async fn device_action(
    Shared(state): Shared<State>,
    Path((env, user, id)): Path<(String, String, String)>,
    body: ActionBody,
) -> Result<Json<Device>, ApiError> {
    check_environment(&state, &env)?;
    let blocked = if body.is(BLOCK_CONTENT_TYPE) {
        true
    } else if body.is(UNBLOCK_CONTENT_TYPE) {
        false
    } else {
        return Err(ApiError::UnsupportedMediaType);
    };
    let (now, device_id) = (state.now(), id.clone());
    let device = change_device(&state, &user, &id, move |tx| {
        tx.execute("UPDATE devices SET blocked = ?1, updated_at = ?2 WHERE id = ?3", params![blocked, now, device_id])
    })
    .await?;
    tracing::info!(blocked, "device block changed");
    Ok(Json(device))
}

#[tracing::instrument(name = "delete_device", skip_all, fields(user_id = %user, device_id = %id))]
pub async fn delete_device(
    Shared(state): Shared<State>,
    Path((env, user, id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    check_environment(&state, &env)?;
    state
        .tx(move |tx, _| {
            find_device(tx, &username_of(tx, &user)?, &id)?;
            tx.execute("DELETE FROM devices WHERE id = ?1", params![id])?;
            Ok(())
        })
        .await?;
    tracing::info!("device removed");
    Ok(StatusCode::NO_CONTENT)
}
