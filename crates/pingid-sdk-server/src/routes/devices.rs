//! Emulator extension (Ping's admin portal): list, rename, promote and unpair a user's devices
//! (unpairing tells the user's other devices).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use moderno_wire::sdk::{Device, DeviceRole, UpdateDevice};
use serde::Deserialize;

use super::{existing_user, UserPath};
use crate::body::JsonBody;
use crate::device_notices;
use crate::error::{ApiError, ApiResult};
use crate::scope::AdminApplication;
use crate::state::SdkState;
use crate::store::devices::{self, DeviceRow};

pub const MAX_NICKNAME_CHARS: usize = 100;

#[derive(Debug, Deserialize)]
pub struct DevicePath {
    username: String,
    device_id: String,
}

/// The device, when it is this user's in this application; else 404 target `device`.
fn users_device(conn: &rusqlite::Connection, app: &str, username: &str, device_id: &str) -> ApiResult<DeviceRow> {
    existing_user(conn, username)?;
    devices::by_id(conn, device_id)?
        .filter(|d| d.username == username && d.application_id == app)
        .ok_or_else(|| ApiError::not_found("device"))
}

pub fn check_nickname(nickname: &str) -> ApiResult<()> {
    if nickname.chars().count() > MAX_NICKNAME_CHARS || nickname.chars().any(char::is_control) {
        return Err(ApiError::invalid_value("deviceNickname", "a nickname is at most 100 printable characters"));
    }
    Ok(())
}

#[tracing::instrument(name = "list_devices", skip_all, fields(username = %path.username))]
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
#[tracing::instrument(name = "update_device", skip_all, fields(username = %path.username, device = %path.device_id))]
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

#[tracing::instrument(name = "remove_device", skip_all, fields(username = %path.username, device = %path.device_id))]
pub async fn remove(
    State(state): State<SdkState>,
    AdminApplication(app): AdminApplication,
    Path(path): Path<DevicePath>,
) -> ApiResult<StatusCode> {
    let (st, now_ms) = (state.clone(), state.now_ms());
    let device = state
        .db
        .write(move |tx| {
            let device = users_device(tx, &app.id, &path.username, &path.device_id)?;
            device_notices::unpair(tx, &st.entropy, &device, now_ms)?;
            Ok(device)
        })
        .await?;
    device_notices::after_unpair(&state, &device);
    tracing::info!("device unpaired by the administrator");
    Ok(StatusCode::NO_CONTENT)
}
