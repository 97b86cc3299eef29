//! What a login asks next, in terms both backends share: for a front end that drives a
//! [`crate::Login`] by rule (the CLI answers from its flags) rather than by screens worded per
//! backend, as the window does. [`Progress::asked`] reads it.

use moderno_wire::payload::TrustLevel;

use crate::login::Progress;
use crate::login_session::LoginProgress;
use crate::pingfederate::PfProgress;

/// The step a login waits for; each is answered by one call of [`crate::Login`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// How this device is trusted, among `levels` ([`crate::Login::choose`]; PingID SDK).
    TrustLevel { levels: Vec<TrustLevel> },
    /// Pair this device, or go on without ([`crate::Login::pair`]; PingFederate).
    PairThisDevice,
    /// The manual pairing key from the web page ([`crate::Login::pairing_key`]; `invalid`: the
    /// last one was refused).
    PairingKey { invalid: bool },
    /// Another device was asked to approve: look again ([`crate::Login::poll`]).
    WaitForPush,
    /// A passcode ([`crate::Login::otp`]; `retry`: the last one was wrong).
    Passcode { attempts_left: Option<u32>, retry: bool },
    /// The push was denied or went unanswered: another push ([`crate::Login::retry`]), or
    /// (`passcode`) a passcode from a trusted device.
    PushUnanswered { passcode: bool },
    /// The device that should approve, by id, in the order the progress lists them
    /// ([`crate::Login::select_device`]).
    ChooseDevice { ids: Vec<String> },
    /// Nothing: the login is over (signed in or refused).
    Nothing,
}

impl Progress {
    pub fn asked(&self) -> Asked {
        match self {
            Self::PingidSdk(progress) => match progress {
                LoginProgress::ChooseTrustLevel { levels, .. } => Asked::TrustLevel { levels: levels.clone() },
                LoginProgress::PairingKeyNeeded { invalid } => Asked::PairingKey { invalid: *invalid },
                LoginProgress::WaitForPush { .. } => Asked::WaitForPush,
                LoginProgress::EnterOtp { attempts_left, retry } => {
                    Asked::Passcode { attempts_left: *attempts_left, retry: *retry }
                }
                LoginProgress::PushTimedOut => Asked::PushUnanswered { passcode: true },
                LoginProgress::ChooseDevice { devices } => {
                    Asked::ChooseDevice { ids: devices.iter().map(|d| d.id.clone()).collect() }
                }
                LoginProgress::SignedIn { .. } | LoginProgress::Refused { .. } => Asked::Nothing,
            },
            Self::PingFederate(progress) => match progress {
                PfProgress::PairThisDevice { .. } => Asked::PairThisDevice,
                PfProgress::WaitForPush { .. } => Asked::WaitForPush,
                PfProgress::EnterOtp { attempts_left, retry, .. } => {
                    Asked::Passcode { attempts_left: *attempts_left, retry: *retry }
                }
                PfProgress::ChooseDevice { devices } => {
                    Asked::ChooseDevice { ids: devices.iter().map(|d| d.id.clone()).collect() }
                }
                PfProgress::PushDenied { .. } | PfProgress::PushTimedOut { .. } => {
                    Asked::PushUnanswered { passcode: false }
                }
                PfProgress::SignedIn { .. } | PfProgress::Refused { .. } => Asked::Nothing,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_asks_nothing_once_over_and_a_passcode_alike_on_both_backends() {
        let over = [
            Progress::from(LoginProgress::Refused { status: 1010, description: "wrong password".into() }),
            Progress::from(PfProgress::Refused { code: "MFA_FAILED".into(), message: "denied".into() }),
        ];
        for progress in over {
            assert_eq!(progress.asked(), Asked::Nothing, "{progress:?}");
        }
        let passcode = Asked::Passcode { attempts_left: Some(2), retry: true };
        assert_eq!(Progress::from(LoginProgress::EnterOtp { attempts_left: Some(2), retry: true }).asked(), passcode);
        let pf = PfProgress::EnterOtp { device: None, attempts_left: Some(2), retry: true };
        assert_eq!(Progress::from(pf).asked(), passcode);
        assert_eq!(
            Progress::from(LoginProgress::PushTimedOut).asked(),
            Asked::PushUnanswered { passcode: true },
            "the PingID SDK takes a trusted device's passcode after a push timed out"
        );
        assert_eq!(
            Progress::from(PfProgress::PushDenied { devices: vec![] }).asked(),
            Asked::PushUnanswered { passcode: false }
        );
    }
}
