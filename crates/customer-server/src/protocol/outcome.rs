//! Starting an authentication and reading its result: the SDK server's authentication status
//! mapped to Moderno status codes.

use moderno_wire::moderno::{DeviceSummary, MfaOutcome, ModernoResponse, Status};
use moderno_wire::sdk::{
    Authentication, AuthenticationLevel, AuthenticationReason, AuthenticationRequest, AuthenticationStatus,
    AuthenticationType, Device, SignInContext,
};

use crate::error::{Answer, ForUser as _};
use crate::protocol::login::{self, Skip};
use crate::protocol::waiting;
use crate::sessions::LoginSession;
use crate::state::CustomerState;

/// Starts an authentication for the session's device (approver: `session.device_id` if chosen)
/// and answers with its state. `session_id` is the existing login session, if any; otherwise
/// one is created.
pub(crate) async fn start_authentication(
    state: &CustomerState,
    session_id: Option<&str>,
    mut session: LoginSession,
) -> Answer {
    let username = session.username.clone();
    let request = AuthenticationRequest {
        authentication_type: AuthenticationType::Authenticate,
        payload: session.payload.clone(),
        device_id: session.device_id.clone(),
        context: SignInContext {
            push_message_title: Some("Moderno login".into()),
            push_message_body: Some(format!("{username} is logging in to Moderno on another device")),
            ..SignInContext::default()
        },
    };
    let started = state.sdk.start_authentication(&username, &request).await.for_user(&username)?;
    tracing::info!(user = ?username, status = ?started.status, "authentication started");
    session.authentication_id = Some(started.id.clone());
    session.push_started_ms = Some(state.clock.now().timestamp_millis());
    let session_id = match session_id {
        Some(id) => {
            if !state.sessions.update_login(id, &session).await? {
                return Ok(session_gone());
            }
            id.to_owned()
        }
        None => state.sessions.start_login(session.clone()).await?,
    };
    let auth = waiting::until_answered(state, &username, started).await?;
    answer_authentication(state, &session_id, &session, auth).await
}

/// 1033: the session id is unknown, expired or already finished.
pub(crate) fn session_gone() -> ModernoResponse {
    ModernoResponse::new(Status::SessionExpired, "the login session is unknown or expired; log in again")
}

/// Maps an authentication to the answer, ending the login session when the login is over.
pub(crate) async fn answer_authentication(
    state: &CustomerState,
    session_id: &str,
    session: &LoginSession,
    auth: Authentication,
) -> Answer {
    use AuthenticationStatus as A;
    let username = session.username.as_str();
    if let Some(mut answer) = still_waiting(state, session_id, session, &auth) {
        if auth.status == A::SelectDevice {
            // Ping's sample reads the devices to choose from with GET user?expand=devices
            // (the SDK server's `devices` on the authentication is an emulator addition).
            answer.devices = Some(crate::protocol::auth_user::devices_to_choose(state, username).await?);
        }
        return Ok(answer);
    }
    if auth.status == A::Approved {
        return approved(state, session_id, session, &auth).await;
    }
    // Everything else ends the login, exactly once.
    if !state.sessions.end_login(session_id).await? {
        return Ok(session_gone());
    }
    let refused = |status: Status, text: &str| Ok(ModernoResponse::new(status, text));
    // Ping's mapping ([S-MOD] `PingIdAuthenticationUtils`): every rejection is 1014 but a rooted
    // device (1028); OTP_IS_BLOCKED 1014; LOCKED 1027; CANCELED 1000. The words tell which.
    match (auth.status, auth.reason) {
        (A::IgnoredDevice, _) => Ok(login::skip_mfa(state, username, Skip::IgnoredDevice).await?),
        (A::BypassedDevice, _) => Ok(login::skip_mfa(state, username, Skip::Bypassed).await?),
        (A::Rejected, Some(AuthenticationReason::DeviceRooted)) => {
            refused(Status::Rooted, "this device is rooted or jailbroken")
        }
        (A::Rejected, Some(AuthenticationReason::DeniedByUser)) => {
            refused(Status::Denied, "the sign-in was denied on the approving device")
        }
        (A::Rejected, Some(AuthenticationReason::BlockedByUser)) => {
            refused(Status::Denied, "the approving device blocked this device: it cannot sign in as this user any more")
        }
        (A::Rejected, Some(AuthenticationReason::DeviceBlocked)) => {
            refused(Status::Denied, "this device is blocked for this user")
        }
        (A::Rejected, Some(AuthenticationReason::WrongNumber)) => refused(
            Status::Denied,
            "the approving device picked a number other than the one shown here, so the login was refused",
        ),
        (A::OtpIsBlocked, _) => refused(Status::Denied, "one-time passcodes are blocked for this sign-in"),
        (A::Locked, _) => refused(
            Status::Blocked,
            "too many wrong one-time passcodes: passcodes are locked for this user for a while",
        ),
        (A::Canceled, _) => refused(Status::Failed, "the authentication was canceled"),
        _ => refused(Status::Denied, "the authentication was rejected"),
    }
}

/// The answers that keep the login session open: the app polls, retries, picks a device or
/// types a passcode next.
fn still_waiting(
    state: &CustomerState,
    session_id: &str,
    session: &LoginSession,
    auth: &Authentication,
) -> Option<ModernoResponse> {
    use AuthenticationStatus as A;
    let (status, text) = match auth.status {
        A::InProgress => (Status::InProgress, "waiting for the push to be approved on another device"),
        A::Otp => (Status::OtpRequired, "the approving device is offline: type its one-time passcode"),
        A::SelectDevice => (Status::SelectDevice, "choose the device that should approve"),
        A::Timeout => (Status::TimedOut, "the push timed out: retry, or type a one-time passcode"),
        A::InvalidOtp => (Status::InvalidOtp, "wrong one-time passcode"),
        _ => return None,
    };
    let mut answer = ModernoResponse::new(status, text);
    answer.session_id = Some(session_id.to_owned());
    answer.is_ping_id_authenticated = Some(false);
    answer.current_authenticating_device_data = auth.device.as_ref().map(summary);
    match auth.status {
        A::InProgress => {
            let elapsed_ms = state.clock.now().timestamp_millis() - session.push_started_ms.unwrap_or_default();
            let left = state.config.push_lifetime_secs() - elapsed_ms.div_euclid(1000);
            answer.push_expires_in = Some(u32::try_from(left).unwrap_or(0));
            answer.match_number = auth.match_number;
        }
        A::Otp | A::InvalidOtp => {
            answer.otp_attempts_left = auth.otp_attempts_left;
            answer.ping_id_payload.clone_from(&auth.payload);
        }
        A::Timeout => answer.ping_id_payload.clone_from(&auth.payload),
        _ => {}
    }
    Some(answer)
}

/// An approval: by the device's own payload (it is paired), or by another device / an OTP. The
/// authentication's server payload, when it has one, goes to the app as `pingIdPayload`: it
/// tells the device whether it was trusted (and pairs it), or let in once, or ignored.
async fn approved(state: &CustomerState, session_id: &str, session: &LoginSession, auth: &Authentication) -> Answer {
    let username = session.username.as_str();
    let (mfa, text) = match auth.level {
        AuthenticationLevel::Push => (MfaOutcome::PushApproved, "logged in: another device approved"),
        AuthenticationLevel::Otp => (MfaOutcome::OfflineOtp, "logged in with a one-time passcode"),
        AuthenticationLevel::MobilePayload | AuthenticationLevel::None => {
            (MfaOutcome::TrustedDevice, "logged in: this device is paired and trusted")
        }
    };
    if !state.sessions.end_login(session_id).await? {
        return Ok(session_gone());
    }
    let mut answer = login::logged_in(state, username, Status::Ok, mfa, text).await?;
    answer.is_ping_id_authenticated = Some(true);
    answer.current_authenticating_device_data = auth.device.as_ref().map(summary);
    answer.ping_id_payload.clone_from(&auth.payload);
    Ok(answer)
}

pub(crate) fn summary(device: &Device) -> DeviceSummary {
    DeviceSummary {
        id: device.id.clone(),
        device_type: device.device_type,
        device_name: device.device_name.clone(),
        device_nickname: device.device_nickname.clone(),
        device_role: device.device_role,
        enrollment_time: device.enrollment_time.clone(),
    }
}
