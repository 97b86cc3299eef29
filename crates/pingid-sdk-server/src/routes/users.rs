//! Users: create (account level), read with `?expand=devices`, and the administrator's update.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use moderno_wire::sdk::{CreateUser, DetailCode, UpdateUser, User, UserStatus};
use serde::Deserialize;

use super::{existing_user, UserPath};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::scope::{Account, AdminApplication, Application};
use crate::state::SdkState;
use crate::store::{devices, users};
use crate::timestamps::parse_rfc3339;

const MAX_USERNAME_CHARS: usize = 128;
const MAX_NAME_CHARS: usize = 100;

/// Usernames travel in paths: letters, digits and `. _ @ + -`, at most 128 characters.
fn valid_username(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_USERNAME_CHARS
        && name.chars().all(|c| c.is_alphanumeric() || "._@+-".contains(c))
}

#[tracing::instrument(name = "create_user", skip_all, fields(username = %body.username))]
pub async fn create(
    State(state): State<SdkState>,
    _account: Account,
    JsonBody(body): JsonBody<CreateUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    if !valid_username(&body.username) {
        return Err(ApiError::invalid_value(
            "username",
            "a username is 1 to 128 letters, digits or . _ @ + -",
        ));
    }
    for (field, value) in [("firstName", &body.first_name), ("lastName", &body.last_name)] {
        if value.chars().count() > MAX_NAME_CHARS || value.chars().any(char::is_control) {
            return Err(ApiError::invalid_value(field, format!("{field} is at most {MAX_NAME_CHARS} printable characters")));
        }
    }
    let now_ms = state.now_ms();
    let user = state
        .db
        .write(move |tx| {
            if !users::insert(tx, &body, now_ms)? {
                return Err(ApiError::refused(DetailCode::ResourceAlreadyExists, "the user already exists"));
            }
            existing_user(tx, &body.username)
        })
        .await?;
    tracing::info!("user created");
    Ok((StatusCode::CREATED, Json(user.to_wire(false, now_ms))))
}

#[derive(Debug, Deserialize)]
pub struct Expand {
    expand: Option<String>,
}

#[tracing::instrument(name = "get_user", skip_all, fields(username = %path.username))]
pub async fn get(
    State(state): State<SdkState>,
    app: Application,
    Path(path): Path<UserPath>,
    Query(expand): Query<Expand>,
) -> ApiResult<Json<User>> {
    let with_devices = expand.expand.as_deref().is_some_and(|e| e.split(',').any(|part| part == "devices"));
    read_user(&state, app.id, path.username, with_devices).await.map(Json)
}

async fn read_user(state: &SdkState, app: String, username: String, with_devices: bool) -> ApiResult<User> {
    let now_ms = state.now_ms();
    state
        .db
        .read(move |conn| {
            let user = existing_user(conn, &username)?;
            let devices = devices::of_user(conn, &username, &app)?;
            let mut wire = user.to_wire(!devices.is_empty(), now_ms);
            if with_devices {
                wire.devices = Some(devices.iter().map(devices::DeviceRow::to_wire).collect());
            }
            Ok(wire)
        })
        .await
}

/// Emulator extension: SUSPENDED and BYPASS are set here; ACTIVE or NOT_ACTIVE clears them.
#[tracing::instrument(name = "update_user", skip_all, fields(username = %path.username))]
pub async fn update(
    State(state): State<SdkState>,
    AdminApplication(app): AdminApplication,
    Path(path): Path<UserPath>,
    JsonBody(body): JsonBody<UpdateUser>,
) -> ApiResult<Json<User>> {
    let bypass_expiration = match body.bypass_expiration.as_deref() {
        None => None,
        Some(text) => Some(
            parse_rfc3339(text)
                .ok_or_else(|| ApiError::invalid_value("bypassExpiration", "bypassExpiration must be an RFC 3339 time"))?,
        ),
    };
    let username = path.username.clone();
    state
        .db
        .write(move |tx| {
            let user = existing_user(tx, &username)?;
            let status = match body.status {
                Some(UserStatus::Suspended) => Some(UserStatus::Suspended),
                Some(UserStatus::Bypass) => Some(UserStatus::Bypass),
                Some(UserStatus::Active | UserStatus::NotActive) => None,
                None => user.admin_status,
            };
            let expiration = if status == Some(UserStatus::Bypass) { bypass_expiration.or(user.bypass_expiration) } else { None };
            Ok(users::set_admin_status(tx, &username, status, expiration)?)
        })
        .await?;
    tracing::info!(status = ?body.status, "user updated");
    read_user(&state, app.id, path.username, false).await.map(Json)
}
