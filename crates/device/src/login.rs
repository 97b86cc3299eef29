//! One sign-in, whichever backend runs it: [`Login`] over the PingID SDK's [`LoginSession`] and
//! PingFederate's [`PfSession`], with one set of steps, each answered by one [`Progress`].
//!
//! Every step takes the [`Backend`] the login was started on. A step the running backend's flows
//! never ask for (a pairing key at PingFederate, a trust level chosen on this device there,
//! "pair this device" at the PingID SDK) is a plain refusal ([`LoginError::NotAsked`]), not a crash.

use tracing::instrument;

use crate::backend::Backend;
use crate::error::DeviceError;
use crate::flow::UserSelection;
use crate::login_session::{LoginProgress, LoginSession};
use crate::pingfederate::{PfAction, PfProgress, PfSession};
use crate::server_answer::AnswerWatch;
use crate::transfer_session::SignedInUser;

/// A sign-in in progress.
#[derive(Debug)]
pub enum Login {
    /// Boxed: a login holds its HTTP client and the request the server may keep open.
    PingidSdk(Box<LoginSession>),
    /// Boxed: a PingFederate login carries the whole flow document.
    PingFederate(Box<PfSession>),
}

/// What the login needs from the user next, or how it ended: the screen to show, in the words of
/// the backend that runs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    PingidSdk(LoginProgress),
    PingFederate(PfProgress),
}

impl From<LoginProgress> for Progress {
    fn from(progress: LoginProgress) -> Self {
        Self::PingidSdk(progress)
    }
}

impl From<PfProgress> for Progress {
    fn from(progress: PfProgress) -> Self {
        Self::PingFederate(progress)
    }
}

impl Progress {
    pub fn is_signed_in(&self) -> bool {
        matches!(
            self,
            Self::PingidSdk(LoginProgress::SignedIn { .. }) | Self::PingFederate(PfProgress::SignedIn { .. })
        )
    }

    /// Signed in or refused: the login has nothing more to ask.
    pub fn is_over(&self) -> bool {
        self.is_signed_in()
            || matches!(
                self,
                Self::PingidSdk(LoginProgress::Refused { .. }) | Self::PingFederate(PfProgress::Refused { .. })
            )
    }
}

/// Why a step of a login did not go through.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The running backend's flows never ask for this step.
    #[error("this sign-in does not ask for {0}")]
    NotAsked(&'static str),
    #[error(transparent)]
    Device(#[from] DeviceError),
}

impl LoginError {
    /// Stable and machine-readable, as [`DeviceError::code`].
    pub fn code(&self) -> crate::DeviceCode {
        match self {
            Self::NotAsked(_) => crate::DeviceCode::NotAsked,
            Self::Device(e) => e.code(),
        }
    }
}

/// For a front end that words every refusal as a [`DeviceError`]: a step not asked for is bad input.
impl From<LoginError> for DeviceError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::NotAsked(_) => Self::InvalidInput(error.to_string()),
            LoginError::Device(e) => e,
        }
    }
}

type Step = Result<Progress, LoginError>;

/// How a login starts, beyond the user's name, password and pairing key.
#[derive(Debug, Clone, Default)]
pub struct LoginOptions {
    /// A web sign-in (PingFederate only): `authenticate`, `selectDevice` and `checkOtp` without
    /// this device's mobile payload, as a browser signs in; nothing is offered to pair.
    pub web: bool,
    /// Hears every server answer of the login (the CLI prints them).
    pub answers: Option<AnswerWatch>,
}

impl Login {
    /// Signs in as `username` on `backend`, with a manual pairing key for the user's first
    /// device when one was brought from the web page (PingID SDK only; empty: none). Goes as far
    /// as the flow allows without the user.
    ///
    /// No login is returned when it is over at once without one. A wrong password at
    /// PingFederate (`CREDENTIAL_VALIDATION_FAILED`) reads as a refusal, as the customer
    /// server's 1010 does, so every front end keeps the user on the sign-in form alike.
    pub async fn start(
        backend: Backend<'_>,
        username: &str,
        password: &str,
        pairing_key: Option<&str>,
    ) -> Result<(Option<Self>, Progress), DeviceError> {
        Self::start_with(backend, username, password, pairing_key, LoginOptions::default()).await
    }

    /// [`Self::start`], with [`LoginOptions`].
    #[instrument(skip_all, fields(backend = ?backend, web = options.web))]
    pub async fn start_with(
        backend: Backend<'_>,
        username: &str,
        password: &str,
        pairing_key: Option<&str>,
        options: LoginOptions,
    ) -> Result<(Option<Self>, Progress), DeviceError> {
        let pairing_key = pairing_key.filter(|k| !k.trim().is_empty());
        match backend {
            Backend::PingidSdk { device, server_url } => {
                if options.web {
                    return Err(DeviceError::InvalidInput(
                        "a web sign-in at the customer server is its web page's, not this device's".into(),
                    ));
                }
                let client = device.moderno_client(server_url)?;
                let (session, progress) =
                    LoginSession::start(client, device, username, password, pairing_key, options.answers).await?;
                Ok((Some(Self::PingidSdk(Box::new(session))), progress.into()))
            }
            Backend::PingFederate { client, pingone, clock, entropy } => {
                if pairing_key.is_some() {
                    return Err(DeviceError::InvalidInput(
                        "PingFederate pairs devices without a pairing key: leave it empty".into(),
                    ));
                }
                let started =
                    PfSession::start(client.clone(), pingone, clock.clone(), entropy, username, password, options);
                match started.await {
                    Ok((session, progress)) => Ok((Some(Self::PingFederate(Box::new(session))), progress.into())),
                    Err(DeviceError::PingFederate(refusal)) if refusal.has_detail("CREDENTIAL_VALIDATION_FAILED") => {
                        let code = "CREDENTIAL_VALIDATION_FAILED".to_string();
                        Ok((None, PfProgress::Refused { code, message: refusal.message }.into()))
                    }
                    Err(error) => Err(error),
                }
            }
        }
    }

    /// The user the login is for.
    pub fn username(&self) -> &str {
        match self {
            Self::PingidSdk(s) => s.username(),
            Self::PingFederate(s) => s.username(),
        }
    }

    /// The user this login signed in, with the customer server's session token (what a transfer
    /// needs; PingID SDK only).
    pub fn signed_in_user(&self) -> Option<SignedInUser> {
        match self {
            Self::PingidSdk(s) => s.signed_in_user(),
            Self::PingFederate(_) => None,
        }
    }

    /// Logs in again with a manual pairing key (PingID SDK).
    pub async fn pairing_key(&mut self, backend: Backend<'_>, key: &str) -> Step {
        match (self, backend) {
            (Self::PingidSdk(s), Backend::PingidSdk { device, .. }) => Ok(s.pairing_key(device, key).await?.into()),
            _ => Err(not_asked("a pairing key")),
        }
    }

    /// The trust level this device takes when the server offers pairing (PingID SDK).
    pub async fn choose(&mut self, backend: Backend<'_>, selection: UserSelection, nickname: Option<String>) -> Step {
        match (self, backend) {
            (Self::PingidSdk(s), Backend::PingidSdk { device, .. }) => {
                Ok(s.choose(device, selection, nickname).await?.into())
            }
            _ => Err(not_asked("a trust level")),
        }
    }

    /// PingFederate's MOBILE_PAIRING_REQUIRED: pair this device, or go on without.
    pub async fn pair(&mut self, backend: Backend<'_>, pair: bool) -> Step {
        match (self, backend) {
            (Self::PingFederate(s), Backend::PingFederate { pingone, .. }) => Ok(s.pair(pingone, pair).await?.into()),
            _ => Err(not_asked("pairing this device without a trust level")),
        }
    }

    /// One look at the push waiting for another device.
    pub async fn poll(&mut self, backend: Backend<'_>) -> Step {
        match (self, backend) {
            (Self::PingidSdk(s), Backend::PingidSdk { device, .. }) => Ok(s.poll(device).await?.into()),
            (Self::PingFederate(s), Backend::PingFederate { pingone, .. }) => Ok(s.poll(pingone).await?.into()),
            _ => Err(other_backend()),
        }
    }

    /// Another push for the same login.
    pub async fn retry(&mut self, backend: Backend<'_>) -> Step {
        match (self, backend) {
            (Self::PingidSdk(s), Backend::PingidSdk { device, .. }) => Ok(s.retry(device).await?.into()),
            (Self::PingFederate(s), Backend::PingFederate { pingone, .. }) => Ok(s.retry(pingone).await?.into()),
            _ => Err(other_backend()),
        }
    }

    /// A passcode. `trust`: with the PingID SDK's offline passcode, pair this device as trusted
    /// once it passes, when the server offers it (PingFederate pairs by its own step).
    pub async fn otp(&mut self, backend: Backend<'_>, code: &str, trust: bool) -> Step {
        match (self, backend) {
            (Self::PingidSdk(s), Backend::PingidSdk { device, .. }) => {
                Ok(s.otp_choosing(device, code, trust).await?.into())
            }
            (Self::PingFederate(s), Backend::PingFederate { pingone, .. }) => Ok(s.otp(pingone, code).await?.into()),
            _ => Err(other_backend()),
        }
    }

    /// The device that should approve (or receive the passcode).
    pub async fn select_device(&mut self, backend: Backend<'_>, device_id: &str) -> Step {
        match (self, backend) {
            (Self::PingidSdk(s), Backend::PingidSdk { device, .. }) => {
                Ok(s.select_device(device, device_id).await?.into())
            }
            (Self::PingFederate(s), Backend::PingFederate { pingone, .. }) => {
                Ok(s.select_device(pingone, device_id).await?.into())
            }
            _ => Err(other_backend()),
        }
    }

    /// Sends one of PingFederate's bodiless actions (`poll`, `continueAuthentication`,
    /// `cancelAuthentication`) as given, offered now or not: PingFederate judges, and a refusal
    /// leaves the flow where it was. For a developer probing the flow (the CLI's `--action`).
    pub async fn probe(&mut self, backend: Backend<'_>, action_id: &str) -> Step {
        let Some(action) = PfAction::bodiless(action_id) else {
            return Err(DeviceError::InvalidInput(format!(
                "{action_id:?}: use poll, continueAuthentication or cancelAuthentication"
            ))
            .into());
        };
        match (self, backend) {
            (Self::PingFederate(s), Backend::PingFederate { pingone, .. }) => {
                Ok(s.probe(pingone, &action).await?.into())
            }
            _ => Err(not_asked("PingFederate's actions")),
        }
    }

    /// Withdraws the login at its server (a pending push with it).
    pub async fn cancel(&mut self) -> Result<(), DeviceError> {
        match self {
            Self::PingidSdk(s) => s.cancel().await,
            Self::PingFederate(s) => s.cancel().await,
        }
    }
}

fn not_asked(what: &'static str) -> LoginError {
    LoginError::NotAsked(what)
}

/// A step sent with another backend than the login's own: a front end's slip, refused plainly.
fn other_backend() -> LoginError {
    DeviceError::InvalidInput("this sign-in runs on another backend: sign in again".into()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DeviceCode;

    #[test]
    fn a_login_is_over_once_signed_in_or_refused_whichever_backend_runs_it() {
        let sdk_signed_in =
            LoginProgress::SignedIn { username: "alice".into(), mfa: None, role: None, pairing: None, granted: None };
        let pf_signed_in = PfProgress::SignedIn {
            username: "bob".into(),
            mfa_status: None,
            claims: serde_json::Value::Null,
            pairing: crate::pingfederate::PairingAttempt::NotOffered,
        };
        for progress in [Progress::from(sdk_signed_in), Progress::from(pf_signed_in)] {
            assert!(progress.is_signed_in() && progress.is_over(), "{progress:?}");
        }
        let refused = [
            Progress::from(LoginProgress::Refused { status: 1010, description: "wrong password".into() }),
            Progress::from(PfProgress::Refused { code: "MFA_FAILED".into(), message: "denied".into() }),
        ];
        for progress in refused {
            assert!(!progress.is_signed_in() && progress.is_over(), "{progress:?}");
        }
        let asking = [
            Progress::from(LoginProgress::WaitForPush { expires_in: Some(40), match_number: None }),
            Progress::from(PfProgress::PushTimedOut { devices: vec![] }),
            Progress::from(PfProgress::PairThisDevice { username: "bob".into(), additional: false }),
        ];
        for progress in asking {
            assert!(!progress.is_over(), "a screen that asks the user keeps the login: {progress:?}");
        }
    }

    #[test]
    fn a_step_the_backend_never_asks_for_keeps_its_own_code_and_reads_as_bad_input_elsewhere() {
        let refused = LoginError::NotAsked("a pairing key");
        assert_eq!(
            (refused.code(), refused.to_string().as_str()),
            (DeviceCode::NotAsked, "this sign-in does not ask for a pairing key")
        );
        let device = DeviceError::from(refused);
        assert_eq!(
            (device.code(), device.to_string().contains("a pairing key")),
            (DeviceCode::InvalidInput, true),
            "{device}"
        );
    }
}
