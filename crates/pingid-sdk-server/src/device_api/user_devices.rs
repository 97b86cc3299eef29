//! A paired device managing its user's devices (`/device/devices/{id}`, device-signed):
//! - any of the user's devices renames any of them;
//! - the primary hands its role to another device, or removes another device;
//! - a trusted device takes the primary role for itself when it signed in within the last five
//!   minutes (recovering from a lost primary after re-authenticating); the old primary becomes
//!   trusted, and the new primary can then remove it.
//!
//! Removals are told to the user's other devices, as unpairing is.

use axum::extract::{Path, State};
use axum::Json;
use chrono::Duration;
use moderno_sql::{params, Conn};
use moderno_wire::device_api::{DeviceState, ManageDevice};
use moderno_wire::sdk::DeviceRole;

use super::DeviceCall;
use crate::device_notices;
use crate::error::{ApiError, ApiResult};
use crate::routes::check_nickname;
use crate::state::SdkState;
use crate::store::devices::{self, DeviceRow};
use crate::timestamps::ms;

/// How recent a sign-in on a trusted device must be for it to take the primary role.
pub(crate) const RECOVERY_WINDOW: Duration = Duration::minutes(5);

#[tracing::instrument(name = "device_manage", skip_all, fields(fingerprint = %call.fingerprint(), target = %id))]
pub async fn update(
    State(state): State<SdkState>,
    Path(id): Path<String>,
    call: DeviceCall,
) -> ApiResult<Json<DeviceState>> {
    let caller = call.verify_paired(&state).await?;
    let change: ManageDevice = call.json()?;
    if let Some(nickname) = &change.nickname {
        check_nickname(nickname)?;
    }
    let now_ms = state.now_ms();
    let who = caller.clone();
    state
        .db
        .write(move |tx| {
            let target = target_of(tx, &who, &id)?;
            if change.make_primary && target.role != DeviceRole::Primary {
                let may = who.role == DeviceRole::Primary || (target.id == who.id && signed_in_recently(tx, &who, now_ms)?);
                if !may {
                    return Err(ApiError::not_in_state(
                        "deviceRole",
                        "only the primary device hands over its role; a trusted device can take it for itself within five minutes of signing in on it",
                    ));
                }
                devices::demote_primary(tx, &who.username, &who.application_id)?;
                devices::set_role(tx, &target.id, DeviceRole::Primary)?;
                tracing::info!(device = %target.id, by = %who.id, "primary role moved");
            }
            if let Some(nickname) = &change.nickname {
                devices::set_nickname(tx, &target.id, nickname.trim())?;
            }
            Ok(())
        })
        .await?;
    state_of(&state, &caller).await
}

#[tracing::instrument(name = "device_remove", skip_all, fields(fingerprint = %call.fingerprint(), target = %id))]
pub async fn remove(
    State(state): State<SdkState>,
    Path(id): Path<String>,
    call: DeviceCall,
) -> ApiResult<Json<DeviceState>> {
    let caller = call.verify_paired(&state).await?;
    let (st, who, now_ms) = (state.clone(), caller.clone(), state.now_ms());
    let removed = state
        .db
        .write(move |tx| {
            let target = target_of(tx, &who, &id)?;
            if target.id == who.id {
                return Err(ApiError::not_in_state("id", "a device unpairs itself with DELETE /device/me"));
            }
            if who.role != DeviceRole::Primary {
                return Err(ApiError::not_in_state("deviceRole", "only the primary device removes other devices"));
            }
            device_notices::unpair(tx, &st.entropy, &target, now_ms)?;
            Ok(target)
        })
        .await?;
    device_notices::after_unpair(&state, &removed);
    tracing::info!(device = %removed.id, by = %caller.id, "device removed by the primary");
    state_of(&state, &caller).await
}

/// The user's device `id` (404 for anyone else's, so ids of other users stay unknown).
fn target_of(tx: &Conn<'_>, caller: &DeviceRow, id: &str) -> ApiResult<DeviceRow> {
    devices::by_id(tx, id)?
        .filter(|d| d.username == caller.username && d.application_id == caller.application_id)
        .ok_or_else(|| ApiError::not_found("device"))
}

/// Whether `device` signed its user in (an approved authentication it requested) within the
/// recovery window.
fn signed_in_recently(tx: &Conn<'_>, device: &DeviceRow, now_ms: i64) -> ApiResult<bool> {
    let since = now_ms - ms(RECOVERY_WINDOW);
    let count: i64 = tx.query_row(
        "SELECT COUNT(*) FROM authentications
         WHERE username = ?1 AND application_id = ?2 AND requesting_fp = ?3 AND status = 'APPROVED' AND decided_at >= ?4",
        params![device.username, device.application_id, device.fingerprint, since],
        |r| r.get(0),
    )?;
    Ok(count > 0)
}

async fn state_of(state: &SdkState, caller: &DeviceRow) -> ApiResult<Json<DeviceState>> {
    let (username, app, id) = (caller.username.clone(), caller.application_id.clone(), caller.id.clone());
    let (me, user_devices) =
        state.db.read(move |conn| Ok((devices::by_id(conn, &id)?, devices::of_user(conn, &username, &app)?))).await?;
    let me = me.ok_or_else(|| ApiError::not_found("device"))?;
    Ok(Json(DeviceState {
        username: me.username.clone(),
        device: me.to_wire(),
        user_devices: user_devices.iter().map(DeviceRow::to_wire).collect(),
    }))
}
