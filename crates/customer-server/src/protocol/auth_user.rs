//! `auth_user`: the first factor, then whatever the user's PingID state asks for — pairing a
//! first device, or an authentication by a paired one.

use moderno_wire::moderno::{DeviceSummary, MfaOutcome, ModernoRequest, ModernoResponse, Status};
use moderno_wire::payload::MobilePayloadClaims;
use moderno_wire::sdk::{CreateUser, DetailCode, RegistrationTokenRequest, User, UserStatus};

use crate::error::{Answer, Failure, ForUser as _};
use crate::first_factor::FirstFactor;
use crate::protocol::{login, non_empty, outcome, required};
use crate::sessions::LoginSession;
use crate::state::CustomerState;

pub(super) async fn auth_user(state: &CustomerState, request: &ModernoRequest) -> Answer {
    let username = required(&request.user, "user")?;
    let password = request.password.as_deref().ok_or_else(|| crate::error::missing_field("password"))?;
    first_factor(state, username, password).await?;
    let user = pingid_user(state, username).await?;
    let devices = user.devices.unwrap_or_default();

    let Some(payload) = non_empty(&request.ping_id_payload) else {
        if devices.is_empty() {
            return Err(ModernoResponse::new(
                Status::UserNotActive,
                "the user is not active: a device must pair from the app, not the web",
            )
            .into());
        }
        // No device payload (a web sign-in): Ping's authentication without a payload asks the
        // user's trusted device ([S-HELP] comments, [D-AUTH] payload optional).
        let session = LoginSession { username: username.to_owned(), ..LoginSession::default() };
        return outcome::start_authentication(state, None, session).await;
    };
    let fingerprint = fingerprint_of(payload);
    let no_devices = devices.is_empty() && user.status != UserStatus::Bypass;
    let known_device = devices.iter().any(|d| Some(&d.device_fingerprint) == fingerprint.as_ref());
    if no_devices || (state.config.ignore_validation && !known_device) {
        // The customer server, not the SDK server, binds a key to a user or group ([D-PK]).
        if let Some(key) = non_empty(&request.pairing_key).filter(|_| devices.is_empty()) {
            crate::pairing_keys::check(state, username, key).await?;
        }
        let token_request = RegistrationTokenRequest {
            payload: Some(payload.to_owned()),
            pairing_key: non_empty(&request.pairing_key).map(str::to_owned),
            ignore_validation: state.config.ignore_validation,
        };
        return login::pair_device(state, username, token_request, MfaOutcome::Pairing, None).await;
    }
    let session = LoginSession {
        username: username.to_owned(),
        payload: Some(payload.to_owned()),
        fingerprint,
        ..LoginSession::default()
    };
    outcome::start_authentication(state, None, session).await
}

async fn first_factor(state: &CustomerState, username: &str, password: &str) -> Result<(), Failure> {
    let refusal = match state.first_factor.check(username, password).await? {
        FirstFactor::Passed => return Ok(()),
        FirstFactor::WrongCredentials => ModernoResponse::new(Status::NotAuthenticated, "wrong username or password"),
        FirstFactor::BackingOff { retry_in_secs } => ModernoResponse::new(
            Status::TooManyAttempts,
            format!("too many failed attempts; try again in {retry_in_secs} s"),
        ),
        FirstFactor::Locked => ModernoResponse::new(
            Status::TooManyAttempts,
            "too many failed attempts: the account is locked; contact support",
        ),
    };
    Err(refusal.into())
}

/// The user at PingID with their devices, created on first login.
pub(crate) async fn pingid_user(state: &CustomerState, username: &str) -> Result<User, Failure> {
    match state.sdk.get_user(username, true).await {
        Err(e) if e.is_not_found() => {
            let create =
                CreateUser { username: username.to_owned(), first_name: String::new(), last_name: String::new() };
            match state.sdk.create_user(&create).await {
                Ok(created) => {
                    tracing::info!(user = ?username, "user created at PingID");
                    Ok(User { devices: Some(Vec::new()), ..created })
                }
                // A parallel first login created them first ([D-ERR] `RESOURCE_ALREADY_EXISTS`):
                // the user is there, read as the other login left them.
                Err(e) if e.detail() == Some(DetailCode::ResourceAlreadyExists) => {
                    state.sdk.get_user(username, true).await.for_user(username)
                }
                Err(e) => Err(e).for_user(username),
            }
        }
        other => other.for_user(username),
    }
}

/// The devices a user may choose the approving device from, read as Ping's sample reads them
/// (`GET .../users/{u}?expand=devices`): the SDK server's `devices` on a SELECT_DEVICE
/// authentication is an emulator addition a Ping server would not send.
pub(crate) async fn devices_to_choose(state: &CustomerState, username: &str) -> Result<Vec<DeviceSummary>, Failure> {
    let user = state.sdk.get_user(username, true).await.for_user(username)?;
    Ok(user.devices.iter().flatten().map(crate::protocol::outcome::summary).collect())
}

/// The fingerprint a payload claims. Not verified here: it only picks a path; the SDK server
/// verifies the payload itself.
pub(crate) fn fingerprint_of(payload: &str) -> Option<String> {
    moderno_crypto::payload::open_unverified::<MobilePayloadClaims>(payload)
        .ok()
        .map(|(claims, _, _)| claims.device_fingerprint)
}
