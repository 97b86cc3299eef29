//! Emulator extension (Ping's admin portal): an application's settings.

use axum::extract::State;
use axum::Json;
use moderno_wire::sdk::ApplicationSettings;

use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::scope::AdminApplication;
use crate::state::SdkState;
use crate::store::settings;

pub async fn get(AdminApplication(app): AdminApplication) -> Json<ApplicationSettings> {
    Json(app.settings)
}

#[tracing::instrument(name = "update_settings", skip_all, fields(application = %app.id))]
pub async fn update(
    State(state): State<SdkState>,
    AdminApplication(app): AdminApplication,
    JsonBody(body): JsonBody<ApplicationSettings>,
) -> ApiResult<Json<ApplicationSettings>> {
    if !(1..=15).contains(&body.max_devices_per_user) {
        return Err(ApiError::out_of_range("maxDevicesPerUser", "maxDevicesPerUser is 1 to 15"));
    }
    if !(1..=30).contains(&body.otp_lifetime_minutes) {
        return Err(ApiError::out_of_range("otpLifetimeMinutes", "otpLifetimeMinutes is 1 to 30"));
    }
    if !(1..=7).contains(&body.otp_max_failures) {
        // Ping's `max_allowed_mobile_app_otp_attempts`: 1 to 7, default 3 (Application Attributes API).
        return Err(ApiError::out_of_range("otpMaxFailures", "otpMaxFailures is 1 to 7"));
    }
    if !(1..=1440).contains(&body.otp_lock_minutes) {
        return Err(ApiError::out_of_range("otpLockMinutes", "otpLockMinutes is 1 to 1440"));
    }
    let stored = body.clone();
    state.db.write(move |tx| Ok(settings::put(tx, &app.id, &stored)?)).await?;
    tracing::info!(settings = ?body, "application settings changed");
    Ok(Json(body))
}
