//! What a Moderno answer asks the app to do next, so the CLI and the desktop UI drive a login
//! the same way.

use moderno_wire::moderno::{DeviceSummary, MfaOutcome, ModernoResponse, Status};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginStep {
    /// The customer server let the user in (`mfa` says how, e.g. skipped for an ignored device).
    SignedIn { mfa: Option<MfaOutcome> },
    /// Signed in, and this device should pair now: hand the payload to `Device::set_server_payload`.
    Pair { server_payload: String, mfa: Option<MfaOutcome> },
    /// A push went to another device: poll `auth_status` until it is answered. Under number
    /// matching, show `match_number`: the approving device asks for it.
    WaitForPush { session_id: String, expires_in: Option<u32>, match_number: Option<u8> },
    /// Type the passcode shown on a trusted device (`retry` after a wrong one). The server payload,
    /// when the answer carries one (Ping's OneTimePasscode state), says this device may be paired
    /// by the passcode.
    EnterOtp { session_id: String, attempts_left: Option<u32>, retry: bool, server_payload: Option<String> },
    /// The push timed out; a passcode from a trusted device still works (the server payload, when
    /// the answer carries one, offers to pair this device with it), or `retry` sends another push.
    PushTimedOut { session_id: String, server_payload: Option<String> },
    /// Pick the device that should approve.
    ChooseDevice { session_id: String, devices: Vec<DeviceSummary> },
    /// The user's first device needs a manual pairing key (`invalid`: the one given was refused).
    PairingKeyNeeded { invalid: bool },
    /// The login is over without success.
    Refused { status: Status, description: String },
}

impl LoginStep {
    pub fn is_signed_in(&self) -> bool {
        matches!(self, Self::SignedIn { .. } | Self::Pair { .. })
    }
}

/// Reads a Moderno answer into the next step.
pub fn next_step(response: &ModernoResponse) -> LoginStep {
    match response.status {
        Status::Ok => match &response.ping_id_payload {
            Some(payload) if !payload.is_empty() => {
                LoginStep::Pair { server_payload: payload.clone(), mfa: response.mfa }
            }
            _ => LoginStep::SignedIn { mfa: response.mfa },
        },
        Status::IgnoredDevice => LoginStep::SignedIn { mfa: response.mfa.or(Some(MfaOutcome::SkippedIgnoredDevice)) },
        Status::BypassedDevice => LoginStep::SignedIn { mfa: response.mfa.or(Some(MfaOutcome::Bypassed)) },
        Status::PairingKeyRequired => LoginStep::PairingKeyNeeded { invalid: false },
        Status::InvalidPairingKey => LoginStep::PairingKeyNeeded { invalid: true },
        Status::InProgress | Status::OtpRequired | Status::InvalidOtp | Status::TimedOut | Status::SelectDevice => {
            step_in_session(response)
        }
        status => LoginStep::Refused { status, description: response.description.clone() },
    }
}

/// The steps that continue a login session, so need its id.
fn step_in_session(response: &ModernoResponse) -> LoginStep {
    let Some(session_id) = response.session_id.clone().filter(|s| !s.is_empty()) else {
        return LoginStep::Refused {
            status: response.status,
            description: format!("{} (the server sent no session id)", response.description),
        };
    };
    match response.status {
        Status::InProgress => LoginStep::WaitForPush {
            session_id,
            expires_in: response.push_expires_in,
            match_number: response.match_number,
        },
        Status::OtpRequired | Status::InvalidOtp => LoginStep::EnterOtp {
            session_id,
            attempts_left: response.otp_attempts_left,
            retry: response.status == Status::InvalidOtp,
            server_payload: response.ping_id_payload.clone().filter(|p| !p.is_empty()),
        },
        Status::TimedOut => LoginStep::PushTimedOut {
            session_id,
            server_payload: response.ping_id_payload.clone().filter(|p| !p.is_empty()),
        },
        _ => LoginStep::ChooseDevice { session_id, devices: response.devices.clone().unwrap_or_default() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: Status) -> ModernoResponse {
        ModernoResponse { session_id: Some("s1".into()), ..ModernoResponse::new(status, "d") }
    }

    #[test]
    fn ok_with_a_payload_means_pair_and_without_means_signed_in() {
        let pairing =
            ModernoResponse { ping_id_payload: Some("p".into()), mfa: Some(MfaOutcome::Pairing), ..answer(Status::Ok) };
        assert_eq!(next_step(&pairing), LoginStep::Pair { server_payload: "p".into(), mfa: Some(MfaOutcome::Pairing) });
        assert_eq!(next_step(&answer(Status::Ok)), LoginStep::SignedIn { mfa: None });
        assert!(next_step(&answer(Status::IgnoredDevice)).is_signed_in());
        assert!(next_step(&answer(Status::BypassedDevice)).is_signed_in());
    }

    #[test]
    fn waiting_statuses_carry_their_session() {
        let push = ModernoResponse { push_expires_in: Some(40), match_number: Some(42), ..answer(Status::InProgress) };
        assert_eq!(
            next_step(&push),
            LoginStep::WaitForPush { session_id: "s1".into(), expires_in: Some(40), match_number: Some(42) }
        );
        let wrong = ModernoResponse { otp_attempts_left: Some(2), ..answer(Status::InvalidOtp) };
        assert_eq!(
            next_step(&wrong),
            LoginStep::EnterOtp { session_id: "s1".into(), attempts_left: Some(2), retry: true, server_payload: None }
        );
        assert_eq!(
            next_step(&answer(Status::TimedOut)),
            LoginStep::PushTimedOut { session_id: "s1".into(), server_payload: None }
        );
        assert_eq!(
            next_step(&answer(Status::SelectDevice)),
            LoginStep::ChooseDevice { session_id: "s1".into(), devices: vec![] }
        );
        let no_session = ModernoResponse::new(Status::OtpRequired, "otp");
        assert!(matches!(next_step(&no_session), LoginStep::Refused { status: Status::OtpRequired, .. }));
    }

    #[test]
    fn pairing_keys_and_refusals_are_told_apart() {
        assert_eq!(next_step(&answer(Status::PairingKeyRequired)), LoginStep::PairingKeyNeeded { invalid: false });
        assert_eq!(next_step(&answer(Status::InvalidPairingKey)), LoginStep::PairingKeyNeeded { invalid: true });
        for status in [Status::NotAuthenticated, Status::Denied, Status::Blocked, Status::OtpBlocked, Status::Failed] {
            assert!(matches!(next_step(&answer(status)), LoginStep::Refused { status: s, .. } if s == status));
        }
    }
}
