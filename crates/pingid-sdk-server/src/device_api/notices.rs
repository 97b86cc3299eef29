//! `GET /notices?waitSeconds=N`: the device hears that its user's devices changed.

use axum::extract::State;
use axum::Json;
use moderno_wire::device_api::DeviceNotice;

use super::long_poll::{until_found, wait_seconds};
use super::DeviceCall;
use crate::device_notices::user_key;
use crate::error::ApiResult;
use crate::state::SdkState;
use crate::store::notices;

/// Answers this device's undelivered notices (marking them delivered), waiting up to N seconds
/// for one. Unlike `/pushes`, it does not mark the device online.
#[tracing::instrument(name = "poll_notices", skip_all, fields(fingerprint = %call.fingerprint(), delivered))]
pub async fn poll(State(state): State<SdkState>, call: DeviceCall) -> ApiResult<Json<Vec<DeviceNotice>>> {
    let device = call.verify_paired(&state).await?;
    let wait = wait_seconds(call.query())?;
    let waiting = state.notices.wait_on(&user_key(&device.application_id, &device.username));
    let take = || {
        let (id, now_ms) = (device.id.clone(), state.now_ms());
        state.db.write(move |tx| Ok(notices::take_undelivered(tx, &id, now_ms)?))
    };
    let peek = || {
        let id = device.id.clone();
        state.db.read(move |conn| Ok(notices::has_undelivered(conn, &id)?))
    };
    let found = until_found(waiting, wait, state.poll_recheck(), take, peek).await?;
    if !found.is_empty() {
        tracing::Span::current().record("delivered", found.len());
        tracing::info!("notices delivered");
    }
    Ok(Json(found))
}
