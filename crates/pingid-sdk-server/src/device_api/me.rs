//! The device itself: what the server knows of it, unpairing, and the server payload key.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use moderno_wire::device_api::{DeviceState, ServerKey};

use super::DeviceCall;
use crate::device_notices;
use crate::error::ApiResult;
use crate::state::SdkState;
use crate::store::devices::{self, DeviceRow};

#[tracing::instrument(name = "device_me", skip_all, fields(fingerprint = %call.fingerprint()))]
pub async fn show(State(state): State<SdkState>, call: DeviceCall) -> ApiResult<Json<DeviceState>> {
    let device = call.verify_paired(&state).await?;
    let (username, app) = (device.username.clone(), device.application_id.clone());
    let user_devices = state.db.read(move |conn| Ok(devices::of_user(conn, &username, &app)?)).await?;
    Ok(Json(DeviceState {
        username: device.username.clone(),
        device: device.to_wire(),
        user_devices: user_devices.iter().map(DeviceRow::to_wire).collect(),
    }))
}

/// Unpairs this device and tells the user's other devices. A user left without devices reads
/// NOT_ACTIVE.
#[tracing::instrument(name = "device_unpair", skip_all, fields(fingerprint = %call.fingerprint(), username))]
pub async fn unpair(State(state): State<SdkState>, call: DeviceCall) -> ApiResult<StatusCode> {
    let device = call.verify_paired(&state).await?;
    tracing::Span::current().record("username", tracing::field::debug(&device.username));
    let (st, gone, now_ms) = (state.clone(), device.clone(), state.now_ms());
    state.db.write(move |tx| Ok(device_notices::unpair(tx, &st.entropy, &gone, now_ms)?)).await?;
    device_notices::after_unpair(&state, &device);
    tracing::info!(device = %device.id, "device unpaired itself");
    Ok(StatusCode::NO_CONTENT)
}

/// Unsigned: the public key that verifies server payloads.
pub async fn server_key(State(state): State<SdkState>) -> Json<ServerKey> {
    Json(ServerKey { public_key: state.server_public_key() })
}
