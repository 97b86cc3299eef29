//! The Ping API, under `/pingid/v1/accounts/{acct}`, every route PINGID-HMAC signed.

mod authentications;
pub(crate) use authentications::SESSION;
mod devices;
pub(crate) use devices::check_nickname;
mod pairing_keys;
mod registration_tokens;
mod settings;
mod users;

pub(crate) use registration_tokens::check_device_limit;

use axum::routing::{delete, get, post, put};
use axum::{middleware, Router};
use moderno_sql::Conn;
use moderno_wire::sdk::DetailCode;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::signing::verify_pingid_hmac;
use crate::state::SdkState;
use crate::store::users::{self as user_rows, UserRow};

const ACCOUNT: &str = "/pingid/v1/accounts/{acct}";

pub fn ping_api(state: SdkState) -> Router<SdkState> {
    let app = format!("{ACCOUNT}/applications/{{app}}");
    let user = format!("{app}/users/{{username}}");
    Router::new()
        .route(&format!("{ACCOUNT}/users"), post(users::create))
        .route(&format!("{ACCOUNT}/users/{{username}}"), delete(users::delete))
        .route(&format!("{ACCOUNT}/users/{{username}}/devices/{{device_id}}"), delete(devices::remove_in_account))
        .route(&format!("{ACCOUNT}/pairingkeys"), post(pairing_keys::create_in_account))
        .route(&format!("{ACCOUNT}/pairingkeys/{{key}}"), get(pairing_keys::get_in_account))
        .route(&user, get(users::get).put(users::update))
        .route(&format!("{user}/devices"), get(devices::list))
        .route(&format!("{user}/devices/{{device_id}}"), put(devices::update).delete(devices::remove))
        .route(&format!("{user}/registrationtokens"), post(registration_tokens::create))
        .route(&format!("{user}/registrationtokens/{{token_id}}"), get(registration_tokens::get))
        .route(&format!("{user}/authentications"), post(authentications::start))
        .route(
            &format!("{user}/authentications/{{auth_id}}"),
            get(authentications::get).delete(authentications::cancel),
        )
        .route(&format!("{user}/authentications/{{auth_id}}/otp"), put(authentications::check_otp))
        .route(&format!("{app}/pairingkeys"), post(pairing_keys::create))
        .route(&format!("{app}/pairingkeys/{{key}}"), get(pairing_keys::get))
        .route(&format!("{app}/settings"), get(settings::get).put(settings::update))
        .route_layer(middleware::from_fn_with_state(state, verify_pingid_hmac))
}

#[derive(Debug, Deserialize)]
struct UserPath {
    username: String,
}

/// The user, or 404 with target `user`.
fn existing_user(conn: &Conn<'_>, username: &str) -> ApiResult<UserRow> {
    user_rows::get(conn, username)?.ok_or_else(|| ApiError::not_found("user"))
}

/// The user, unless unknown (404) or suspended (`USER_DISABLED`).
fn usable_user(conn: &Conn<'_>, username: &str) -> ApiResult<UserRow> {
    let user = existing_user(conn, username)?;
    if user.is_suspended() {
        return Err(ApiError::refused(DetailCode::UserDisabled, "the user is suspended"));
    }
    Ok(user)
}
