//! How a login ends well: a session token, and an honest word on what MFA did.

use moderno_wire::moderno::{MfaOutcome, ModernoResponse, Status};
use moderno_wire::sdk::RegistrationTokenRequest;

use crate::error::{Answer, ForUser as _};
use crate::protocol::outcome::session_gone;
use crate::protocol::transfer::checking_balance;
use crate::state::CustomerState;

/// Why MFA was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skip {
    ApplicationDisabled,
    IgnoredDevice,
    Bypassed,
}

/// An answer that logs the user in: status, description, MFA outcome and a session token.
pub(crate) async fn logged_in(
    state: &CustomerState,
    username: &str,
    status: Status,
    mfa: MfaOutcome,
    description: &str,
) -> anyhow::Result<ModernoResponse> {
    let mut answer = ModernoResponse::new(status, description);
    answer.mfa = Some(mfa);
    answer.session_token = Some(state.sessions.issue_token(username).await?);
    // Ping's sample answers a login it lets in (0) with the checking balance ([S-MOD]
    // `AuthenticateOfflineWithPingIDSdk`: `setSum`, `#,###.00`).
    if status == Status::Ok {
        answer.sum = Some(checking_balance(state, username).await?);
    }
    tracing::info!(user = ?username, ?mfa, "logged in");
    Ok(answer)
}

/// The login goes through without MFA, and says why.
pub(crate) async fn skip_mfa(state: &CustomerState, username: &str, skip: Skip) -> anyhow::Result<ModernoResponse> {
    let (status, mfa, text) = match skip {
        Skip::ApplicationDisabled => (
            Status::Ok,
            MfaOutcome::SkippedApplicationDisabled,
            "logged in without MFA: MFA was skipped because the application is disabled at PingID",
        ),
        Skip::IgnoredDevice => (
            Status::IgnoredDevice,
            MfaOutcome::SkippedIgnoredDevice,
            "logged in without MFA: this device is ignored for now",
        ),
        Skip::Bypassed => {
            (Status::BypassedDevice, MfaOutcome::Bypassed, "logged in without MFA: MFA is bypassed for this user")
        }
    };
    logged_in(state, username, status, mfa, text).await
}

/// Asks the SDK server for a registration token for this device and answers 0 with the server
/// payload the SDK component needs to finish pairing. `ending_session` is the login session
/// this finishes (ended only after the token is issued, and only once).
pub(crate) async fn pair_device(
    state: &CustomerState,
    username: &str,
    request: RegistrationTokenRequest,
    mfa: MfaOutcome,
    ending_session: Option<&str>,
) -> Answer {
    let token = state.sdk.registration_token(username, &request).await.for_user(username)?;
    if let Some(session_id) = ending_session {
        if !state.sessions.end_login(session_id).await? {
            return Ok(session_gone());
        }
    }
    let description = match mfa {
        MfaOutcome::Pairing => "logged in; pair this device with the server payload",
        MfaOutcome::PushApproved => "logged in: another device approved; pair this device with the server payload",
        _ => "logged in with a one-time passcode; pair this device with the server payload",
    };
    let mut answer = logged_in(state, username, Status::Ok, mfa, description).await?;
    answer.ping_id_payload = token.payload;
    answer.registration_token = Some(token.id);
    Ok(answer)
}
