//! Users: create and delete (account level), read with `?expand=devices`, and the
//! administrator's update (an emulator extension).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use moderno_wire::sdk::{CreateUser, UpdateUser, User, UserStatus};
use serde::Deserialize;

use super::{existing_user, UserPath};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::scope::{Account, AdminApplication, Application};
use crate::state::SdkState;
use crate::store::{devices, users};
use crate::timestamps::parse_rfc3339;

/// [D-USERS]: "username: up to 100 characters; special characters are allowed".
const MAX_USERNAME_CHARS: usize = 100;
/// [D-USERS]: firstName and lastName up to 64 characters.
const MAX_NAME_CHARS: usize = 64;

/// Ping's limits on a username ([D-USERS]): 1 to 100 characters, special characters allowed,
/// control characters not. A username is a path segment (percent-decoded by the router), so
/// `.` and `..`, which URLs resolve away, cannot name a user.
fn check_username(name: &str) -> ApiResult<()> {
    if name.is_empty() {
        return Err(ApiError::empty_value("username", "username is empty"));
    }
    if name.chars().count() > MAX_USERNAME_CHARS {
        return Err(ApiError::size_limit("username", format!("a username is at most {MAX_USERNAME_CHARS} characters")));
    }
    if name.chars().any(char::is_control) || name == "." || name == ".." {
        return Err(ApiError::invalid_value("username", "a username has no control characters and is not . or .."));
    }
    Ok(())
}

/// firstName and lastName: at most 64 characters, no control characters ([D-USERS]).
fn check_name(field: &str, value: &str) -> ApiResult<()> {
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::size_limit(field, format!("{field} is at most {MAX_NAME_CHARS} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::invalid_value(field, format!("{field} has no control characters")));
    }
    Ok(())
}

#[tracing::instrument(name = "create_user", skip_all, fields(username = ?body.username))]
pub async fn create(
    State(state): State<SdkState>,
    _account: Account,
    JsonBody(body): JsonBody<CreateUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    check_username(&body.username)?;
    check_name("firstName", &body.first_name)?;
    check_name("lastName", &body.last_name)?;
    let now_ms = state.now_ms();
    let user = state
        .db
        .write(move |tx| {
            if !users::insert(tx, &body, now_ms)? {
                return Err(ApiError::already_exists("username", "the user already exists"));
            }
            existing_user(tx, &body.username)
        })
        .await?;
    tracing::info!("user created");
    Ok((StatusCode::CREATED, Json(user.to_wire(false, now_ms))))
}

/// `DELETE {A}/users/{username}` ([D-USERS] lists DELETE; the account-scope path is the one a
/// real client calls, [NODE] test-controller.js): 204; the user's devices (in every
/// application), registration tokens and authentications go with them.
#[tracing::instrument(name = "delete_user", skip_all, fields(username = ?path.username))]
pub async fn delete(
    State(state): State<SdkState>,
    _account: Account,
    Path(path): Path<UserPath>,
) -> ApiResult<StatusCode> {
    let username = path.username.clone();
    let removed = state
        .db
        .write(move |tx| {
            existing_user(tx, &username)?;
            Ok(users::delete_with_everything(tx, &username)?)
        })
        .await?;
    tracing::info!(devices = removed.len(), "user deleted");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct Expand {
    expand: Option<String>,
}

#[tracing::instrument(name = "get_user", skip_all, fields(username = ?path.username))]
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
#[tracing::instrument(name = "update_user", skip_all, fields(username = ?path.username))]
pub async fn update(
    State(state): State<SdkState>,
    AdminApplication(app): AdminApplication,
    Path(path): Path<UserPath>,
    JsonBody(body): JsonBody<UpdateUser>,
) -> ApiResult<Json<User>> {
    let bypass_expiration =
        match body.bypass_expiration.as_deref() {
            None => None,
            Some(text) => Some(parse_rfc3339(text).ok_or_else(|| {
                ApiError::invalid_value("bypassExpiration", "bypassExpiration must be an RFC 3339 time")
            })?),
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
            let expiration =
                if status == Some(UserStatus::Bypass) { bypass_expiration.or(user.bypass_expiration) } else { None };
            Ok(users::set_admin_status(tx, &username, status, expiration)?)
        })
        .await?;
    tracing::info!(status = ?body.status, "user updated");
    read_user(&state, app.id, path.username, false).await.map(Json)
}
