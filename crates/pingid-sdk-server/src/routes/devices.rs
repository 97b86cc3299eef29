//! A user's devices. Ping's: list at application scope and delete at account scope
//! (`DELETE {A}/users/{u}/devices/{id}`, [NODE] test-controller.js). Emulator extensions (Ping's
//! admin portal): rename, promote, and delete at application scope. Unpairing tells the user's
//! other devices.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use moderno_sql::Conn;
use moderno_wire::sdk::{Device, DeviceRole, UpdateDevice};
use serde::Deserialize;

use super::{existing_user, UserPath};
use crate::body::JsonBody;
use crate::device_notices;
use crate::error::{ApiError, ApiResult};
use crate::scope::{Account, AdminApplication};
use crate::state::SdkState;
use crate::store::devices::{self, DeviceRow};

pub const MAX_NICKNAME_CHARS: usize = 100;

#[derive(Debug, Deserialize)]
pub struct DevicePath {
    username: String,
    device_id: String,
}

/// The device, when it is this user's in this application; else 404 target `device`.
fn users_device(conn: &Conn<'_>, app: &str, username: &str, device_id: &str) -> ApiResult<DeviceRow> {
    existing_user(conn, username)?;
    devices::by_id(conn, device_id)?
        .filter(|d| d.username == username && d.application_id == app)
        .ok_or_else(|| ApiError::not_found("device"))
}

/// deviceNickname: up to 100 characters ([D-DEV]), no control characters.
pub fn check_nickname(nickname: &str) -> ApiResult<()> {
    if nickname.chars().count() > MAX_NICKNAME_CHARS {
        return Err(ApiError::size_limit("deviceNickname", "a nickname is at most 100 characters"));
    }
    if nickname.chars().any(char::is_control) {
        return Err(ApiError::invalid_value("deviceNickname", "a nickname has no control characters"));
    }
    Ok(())
}

#[tracing::instrument(name = "list_devices", skip_all, fields(username = ?path.username))]
pub async fn list(
    State(state): State<SdkState>,
    AdminApplication(app): AdminApplication,
    Path(path): Path<UserPath>,
) -> ApiResult<Json<Vec<Device>>> {
    let list = state
        .db
        .read(move |conn| {
            existing_user(conn, &path.username)?;
            Ok(devices::of_user(conn, &path.username, &app.id)?)
        })
        .await?;
    Ok(Json(list.iter().map(DeviceRow::to_wire).collect()))
}

/// Renames, or changes the role; making a device PRIMARY demotes the old primary to TRUSTED.
#[tracing::instrument(name = "update_device", skip_all, fields(username = ?path.username, device = %path.device_id))]
pub async fn update(
    State(state): State<SdkState>,
    AdminApplication(app): AdminApplication,
    Path(path): Path<DevicePath>,
    JsonBody(body): JsonBody<UpdateDevice>,
) -> ApiResult<Json<Device>> {
    if let Some(nickname) = &body.device_nickname {
        check_nickname(nickname)?;
    }
    let device = state
        .db
        .write(move |tx| {
            let device = users_device(tx, &app.id, &path.username, &path.device_id)?;
            if let Some(nickname) = &body.device_nickname {
                devices::set_nickname(tx, &device.id, nickname)?;
            }
            match body.device_role {
                Some(DeviceRole::Primary) if device.role != DeviceRole::Primary => {
                    devices::demote_primary(tx, &path.username, &app.id)?;
                    devices::set_role(tx, &device.id, DeviceRole::Primary)?;
                }
                Some(DeviceRole::Trusted) => devices::set_role(tx, &device.id, DeviceRole::Trusted)?,
                _ => {}
            }
            devices::by_id(tx, &device.id)?.ok_or_else(|| ApiError::not_found("device"))
        })
        .await?;
    tracing::info!(role = ?device.role, "device updated");
    Ok(Json(device.to_wire()))
}

/// Emulator extension: `DELETE {U}/devices/{id}` at application scope.
#[tracing::instrument(name = "remove_device", skip_all, fields(username = ?path.username, device = %path.device_id))]
pub async fn remove(
    State(state): State<SdkState>,
    AdminApplication(app): AdminApplication,
    Path(path): Path<DevicePath>,
) -> ApiResult<StatusCode> {
    unpair(&state, Some(app.id), path).await
}

/// `DELETE {A}/users/{username}/devices/{id}` (Ping's path, [NODE]): 204, the device of that
/// user in whichever application it is paired.
#[tracing::instrument(name = "remove_device_in_account", skip_all, fields(username = ?path.username, device = %path.device_id))]
pub async fn remove_in_account(
    State(state): State<SdkState>,
    _account: Account,
    Path(path): Path<DevicePath>,
) -> ApiResult<StatusCode> {
    unpair(&state, None, path).await
}

async fn unpair(state: &SdkState, app: Option<String>, path: DevicePath) -> ApiResult<StatusCode> {
    let (st, now_ms) = (state.clone(), state.now_ms());
    let device = state
        .db
        .write(move |tx| {
            existing_user(tx, &path.username)?;
            let device = devices::by_id(tx, &path.device_id)?
                .filter(|d| d.username == path.username && app.as_ref().is_none_or(|a| *a == d.application_id))
                .ok_or_else(|| ApiError::not_found("device"))?;
            device_notices::unpair(tx, &st.entropy, &device, now_ms)?;
            Ok(device)
        })
        .await?;
    device_notices::after_unpair(state, &device);
    tracing::info!("device unpaired by the administrator");
    Ok(StatusCode::NO_CONTENT)
}
