//! Waiting for a push the way Ping's sample does: `auth_user` itself polls the SDK server once a
//! second until the authentication leaves IN_PROGRESS, within the push's lifetime ([S-HELP]
//! `pollPingIDSdkUntilFinalStatus`; Ping's apps wait with a 40-second HTTP timeout), and only
//! then answers the app.
//!
//! Beyond Ping: under number matching the signing-in device must show the number while the push
//! waits, so an authentication that carries `matchNumber` is answered at once with 1012, and the
//! app polls with `auth_status` (both extensions).

use std::time::Duration;

use moderno_wire::sdk::{Authentication, AuthenticationStatus};

use crate::error::{Failure, ForUser as _};
use crate::sdk_client::SdkError;
use crate::state::CustomerState;

/// The authentication once the push was answered, timed out or otherwise ended (or as it
/// started, when it does not wait for a push, or asks for a number).
pub(crate) async fn until_answered(
    state: &CustomerState,
    username: &str,
    started: Authentication,
) -> Result<Authentication, Failure> {
    if started.status != AuthenticationStatus::InProgress || started.match_number.is_some() {
        return Ok(started);
    }
    // The longest a request waits: the push's lifetime, plus a second for the last look.
    let deadline = tokio::time::Instant::now() + state.config.push_lifetime + Duration::from_secs(1);
    let auth = while_in_progress(state, username, started, deadline).await.for_user(username)?;
    tracing::info!(user = ?username, status = ?auth.status, "the push was answered or ended");
    Ok(auth)
}

/// Asks the SDK server about `auth` every `push_poll_interval` while it is IN_PROGRESS, until
/// `deadline`; the authentication as last read.
pub(crate) async fn while_in_progress(
    state: &CustomerState,
    username: &str,
    mut auth: Authentication,
    deadline: tokio::time::Instant,
) -> Result<Authentication, SdkError> {
    while auth.status == AuthenticationStatus::InProgress && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(state.config.push_poll_interval).await;
        auth = state.sdk.get_authentication(username, &auth.id).await?;
    }
    Ok(auth)
}
