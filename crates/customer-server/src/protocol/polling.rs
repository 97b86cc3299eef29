//! The operations on a login session waiting for MFA: `auth_status` (poll), `select_device`,
//! `retry` (a new push) and `cancel`.
//!
//! Each may carry a fresh `pingIdPayload` from the same device: the SDK server accepts a
//! payload once, so the registration token that follows an approval needs a new one.

use moderno_wire::moderno::{ModernoRequest, ModernoResponse, Status};

use crate::error::{Answer, Failure, ForUser as _};
use crate::protocol::auth_user::fingerprint_of;
use crate::protocol::outcome::{answer_authentication, session_gone, start_authentication};
use crate::protocol::{non_empty, required};
use crate::sessions::LoginSession;
use crate::state::CustomerState;

/// The login session named by `sessionId`, with the request's fresh payload taken in.
pub(crate) async fn open_session(
    state: &CustomerState,
    request: &ModernoRequest,
) -> Result<(String, LoginSession), Failure> {
    let id = required(&request.session_id, "sessionId")?;
    let mut session = state.sessions.login(id).await?.ok_or_else(|| Failure::from(session_gone()))?;
    if let Some(payload) = non_empty(&request.ping_id_payload) {
        let fingerprint = fingerprint_of(payload);
        if session.fingerprint.is_some() && fingerprint != session.fingerprint {
            let text = "the `pingIdPayload` comes from another device than the one logging in";
            return Err(ModernoResponse::new(Status::InvalidInput, text).into());
        }
        session.payload = Some(payload.to_owned());
        session.fingerprint = fingerprint;
    }
    Ok((id.to_owned(), session))
}

/// The authentication the session waits on.
pub(crate) fn authentication_id(session: &LoginSession) -> Result<String, Failure> {
    session.authentication_id.clone().ok_or_else(|| Failure::from(session_gone()))
}

pub(super) async fn auth_status(state: &CustomerState, request: &ModernoRequest) -> Answer {
    let (id, session) = open_session(state, request).await?;
    let username = session.username.clone();
    let auth = state.sdk.get_authentication(&username, &authentication_id(&session)?).await.for_user(&username)?;
    answer_authentication(state, &id, &session, auth).await
}

pub(super) async fn select_device(state: &CustomerState, request: &ModernoRequest) -> Answer {
    let device_id = required(&request.device_id, "deviceId")?.to_owned();
    let (id, session) = open_session(state, request).await?;
    cancel_quietly(state, &session).await;
    start_authentication(state, Some(&id), LoginSession { device_id: Some(device_id), ..session }).await
}

pub(super) async fn retry(state: &CustomerState, request: &ModernoRequest) -> Answer {
    let (id, session) = open_session(state, request).await?;
    cancel_quietly(state, &session).await;
    start_authentication(state, Some(&id), session).await
}

pub(super) async fn cancel(state: &CustomerState, request: &ModernoRequest) -> Answer {
    let (id, session) = open_session(state, request).await?;
    let username = session.username.clone();
    let canceled = state.sdk.cancel_authentication(&username, &authentication_id(&session)?).await;
    let ended = state.sessions.end_login(&id).await?;
    match canceled {
        Ok(()) if ended => Ok(ModernoResponse::new(Status::Failed, "the login was canceled")),
        Ok(()) => Ok(session_gone()),
        // Already over (approved, rejected, timed out): nothing left to cancel.
        Err(e) if e.status() == Some(400) && !e.is_unreachable() => {
            Ok(ModernoResponse::new(Status::Failed, "the login was canceled (the authentication had already ended)"))
        }
        Err(e) => Err(e).for_user(&username),
    }
}

/// Withdraws the previous push before a new one, so the user is not asked twice. Failure is
/// harmless: the session only follows the newest authentication.
async fn cancel_quietly(state: &CustomerState, session: &LoginSession) {
    if let Some(auth_id) = &session.authentication_id {
        if let Err(e) = state.sdk.cancel_authentication(&session.username, auth_id).await {
            tracing::debug!(error = %e, "the previous authentication was not canceled");
        }
    }
}
