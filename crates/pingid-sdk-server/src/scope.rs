//! Which account and application a Ping API request is about, checked before the handler runs:
//! an unknown account or application is 404; a disabled application refuses every route but the
//! administrator's: 400 `REQUEST_FAILED`, target `application`, detail `APPLICATION_DISABLED`, the
//! shape Ping's sample tests before letting a login through ([S-API] `isApplicationDisabled`).

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use moderno_wire::sdk::ApplicationSettings;

use crate::error::{ApiError, ApiResult};
use crate::state::SdkState;
use crate::store;

/// The application of an ordinary route: known and enabled.
#[derive(Debug, Clone)]
pub struct Application {
    pub id: String,
    pub settings: ApplicationSettings,
}

/// The application of an administrator's route (emulating Ping's admin portal): known, enabled or not.
#[derive(Debug, Clone)]
pub struct AdminApplication(pub Application);

/// The account of an account-level route.
#[derive(Debug, Clone, Copy)]
pub struct Account;

async fn param(parts: &mut Parts, state: &SdkState, name: &str) -> ApiResult<Option<String>> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| ApiError::invalid_data("the path could not be read"))?;
    Ok(params.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string()))
}

async fn check_account(parts: &mut Parts, state: &SdkState) -> ApiResult<()> {
    match param(parts, state, "acct").await? {
        Some(acct) if acct == state.config.account_id => Ok(()),
        _ => Err(ApiError::not_found("account")),
    }
}

async fn resolve(parts: &mut Parts, state: &SdkState) -> ApiResult<Application> {
    check_account(parts, state).await?;
    let id = param(parts, state, "app")
        .await?
        .filter(|app| state.config.application_ids.contains(app))
        .ok_or_else(|| ApiError::not_found("application"))?;
    let app = id.clone();
    let settings = state
        .db
        .read(move |conn| Ok(store::settings::get(conn, &app)?))
        .await?
        .unwrap_or_else(store::settings::defaults);
    Ok(Application { id, settings })
}

impl FromRequestParts<SdkState> for Application {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SdkState) -> Result<Self, Self::Rejection> {
        let app = resolve(parts, state).await?;
        if !app.settings.enabled {
            return Err(ApiError::application_disabled());
        }
        Ok(app)
    }
}

impl FromRequestParts<SdkState> for AdminApplication {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SdkState) -> Result<Self, Self::Rejection> {
        resolve(parts, state).await.map(AdminApplication)
    }
}

impl FromRequestParts<SdkState> for Account {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SdkState) -> Result<Self, Self::Rejection> {
        check_account(parts, state).await.map(|()| Account)
    }
}
