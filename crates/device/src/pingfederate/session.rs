//! One PingFederate login from the app, step by step (the counterpart of [`crate::LoginSession`]
//! for the Moderno protocol; front ends drive both through [`crate::Login`]).
//!
//! [`PfSession`] sends what needs no person by itself — the username and password once,
//! `authenticate` with this device's mobile payload, `continueAuthentication` after MFA_COMPLETED,
//! the code exchange at COMPLETED — and stops where the seed's flows ask the user something:
//! pair this device or not, which device should approve, the passcode, the push that was denied or
//! not answered. Every answer is a [`PfProgress`]: the screen to show next.

use std::sync::Arc;

use moderno_ambient::{Clock, Entropy};
use moderno_crypto::Secret;
use moderno_wire::pingfederate::AdapterDevice;
use serde_json::Value;
use tracing::{info, instrument, warn};
use zeroize::Zeroizing;

use super::action::PfAction;
use super::authn_client::PfClient;
use super::login::PfLogin;
use super::pingone_device::{PingOneDevice, PingOnePairing};
use super::step::PfStep;
use crate::error::DeviceError;
use crate::login::LoginOptions;
use crate::server_answer::{tell, ServerAnswer};

/// What the login needs from the user next, or how it ended.
#[derive(Debug, Clone, PartialEq)]
pub enum PfProgress {
    /// MOBILE_PAIRING_REQUIRED: pair this device, or go on without (`additional`: the user already
    /// had devices and one of them just approved).
    PairThisDevice { username: String, additional: bool },
    /// PUSH_CONFIRMATION_WAITING: the push went to `device`; poll until it is answered. Under
    /// number matching, show `match_number`: the device asks for it.
    WaitForPush { device: Option<AdapterDevice>, expires_in: Option<u32>, match_number: Option<u8> },
    /// OTP_REQUIRED: the passcode `device` received or shows (`retry`: the last one was wrong).
    EnterOtp { device: Option<AdapterDevice>, attempts_left: Option<u32>, retry: bool },
    /// DEVICE_SELECTION_REQUIRED.
    ChooseDevice { devices: Vec<AdapterDevice> },
    /// PUSH_CONFIRMATION_REJECTED: the paired mobile said no; another device may still be chosen.
    PushDenied { devices: Vec<AdapterDevice> },
    /// PUSH_CONFIRMATION_TIMED_OUT: nobody answered in time.
    PushTimedOut { devices: Vec<AdapterDevice> },
    /// COMPLETED and the tokens verified: `mfa_status` is the contract attribute
    /// `pingone.mfa.status` (absent when nothing about pairing happened).
    SignedIn { username: String, mfa_status: Option<String>, claims: Value, pairing: PairingAttempt },
    /// The flow ended without success (MFA_FAILED, FAILED): Ping's code and message.
    Refused { code: String, message: String },
}

/// What became of this device's pairing during the login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PairingAttempt {
    /// The flow never offered a pairing (this device was already paired, or a web login).
    NotOffered,
    Paired(PingOnePairing),
    /// The user went on without pairing (`device_not_paired`).
    Skipped,
    /// PingOne refused the pairing (`pairing_error`); the login still succeeds.
    Failed {
        reason: String,
    },
}

pub struct PfSession {
    login: PfLogin,
    username: String,
    /// The `serverPayload` while MOBILE_PAIRING_REQUIRED waits for the user's answer.
    server_payload: Option<Zeroizing<String>>,
    /// Set once the flow asked for a second factor (push, passcode, device choice): the user
    /// already has devices, so a pairing offered after it is for an additional one.
    second_factor_asked: bool,
    pairing: PairingAttempt,
    /// The devices PingFederate last listed, and the one it picked or was told to use.
    devices: Vec<AdapterDevice>,
    selected: Option<String>,
    /// `web`: no mobile payload is sent; `answers` hears each flow.
    options: LoginOptions,
}

/// Hand-written: the login and the user; the payloads, devices and options are left out (large,
/// and the server payload is a signed pairing offer).
impl std::fmt::Debug for PfSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PfSession")
            .field("login", &self.login)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl PfSession {
    /// Starts the authorization request and signs in with the username and password; then goes
    /// as far as the flow allows without the user. A wrong password is PingFederate's refusal
    /// (`CREDENTIAL_VALIDATION_FAILED`), returned as the error.
    #[instrument(skip_all, fields(flow))]
    pub async fn start(
        client: Arc<PfClient>,
        pingone: &PingOneDevice,
        clock: Clock,
        entropy: &Entropy,
        username: &str,
        password: &str,
        options: LoginOptions,
    ) -> Result<(Self, PfProgress), DeviceError> {
        let username = username.trim();
        if username.is_empty() || password.is_empty() {
            return Err(DeviceError::InvalidInput("type your username and password".into()));
        }
        let login = PfLogin::start(client, clock, entropy).await?;
        tracing::Span::current().record("flow", login.id());
        tell(options.answers.as_ref(), || ServerAnswer::flow("authorize", login.flow()));
        let mut session = Self {
            login,
            username: username.to_string(),
            server_payload: None,
            second_factor_asked: false,
            pairing: PairingAttempt::NotOffered,
            devices: vec![],
            selected: None,
            options,
        };
        let credentials = PfAction::CheckUsernamePassword { username: username.to_string(), password: password.into() };
        let step = session.send(&credentials).await?;
        let progress = session.drive(pingone, step).await?;
        Ok((session, progress))
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    /// The answer to [`PfProgress::PairThisDevice`]: pairs (or not), then `continueAuthentication`.
    /// A pairing PingOne refuses does not stop the login (`pairing_error`); a key store that
    /// cannot keep the key does, and the flow waits for another answer.
    pub async fn pair(&mut self, pingone: &PingOneDevice, pair: bool) -> Result<PfProgress, DeviceError> {
        let payload = self.server_payload.clone().ok_or(DeviceError::NoPairingInProgress)?;
        self.pairing = if pair {
            match pingone.pair(&payload).await {
                Ok(paired) => PairingAttempt::Paired(paired),
                Err(
                    e @ (DeviceError::PingOne(_)
                    | DeviceError::InvalidServerPayload(_)
                    | DeviceError::PairedWithOtherUser { .. }),
                ) => {
                    warn!(code = e.code().as_str(), "pairing with PingOne failed; the login goes on");
                    PairingAttempt::Failed { reason: e.to_string() }
                }
                Err(e) => return Err(e),
            }
        } else {
            PairingAttempt::Skipped
        };
        self.server_payload = None;
        self.act(pingone, &PfAction::ContinueAuthentication).await
    }

    /// One look at the push (`poll`).
    pub async fn poll(&mut self, pingone: &PingOneDevice) -> Result<PfProgress, DeviceError> {
        self.act(pingone, &PfAction::Poll).await
    }

    /// `checkOtp` with the passcode (spaces ignored). A wrong one keeps the flow where it was and
    /// comes back as [`PfProgress::EnterOtp`] with `retry` and the tries left.
    pub async fn otp(&mut self, pingone: &PingOneDevice, typed: &str) -> Result<PfProgress, DeviceError> {
        let otp: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if otp.len() < 6 || otp.len() > 8 || !otp.chars().all(|c| c.is_ascii_digit()) {
            return Err(DeviceError::InvalidInput(
                "a passcode is the 6 to 8 digits the device received or shows".into(),
            ));
        }
        let action = PfAction::CheckOtp { otp: otp.into(), mobile_payload: self.payload(pingone) };
        match self.act(pingone, &action).await {
            Err(DeviceError::PingFederate(refusal)) if refusal.has_detail("INVALID_OTP") => Ok(PfProgress::EnterOtp {
                device: self.selected_device(),
                attempts_left: refusal.attempts_left,
                retry: true,
            }),
            other => other,
        }
    }

    /// `selectDevice`: the device that should approve (or receive the passcode).
    pub async fn select_device(&mut self, pingone: &PingOneDevice, device_id: &str) -> Result<PfProgress, DeviceError> {
        let device_id = device_id.trim();
        if device_id.is_empty() {
            return Err(DeviceError::InvalidInput("choose the device that should approve".into()));
        }
        self.selected = Some(device_id.to_string());
        let action = PfAction::SelectDevice { device_id: device_id.to_string(), mobile_payload: self.payload(pingone) };
        self.act(pingone, &action).await
    }

    /// Another push to the same device, after a denied or unanswered one.
    pub async fn retry(&mut self, pingone: &PingOneDevice) -> Result<PfProgress, DeviceError> {
        let device = self.selected.clone().or_else(|| self.devices.first().map(|d| d.id.clone()));
        let device = device.ok_or(DeviceError::InvalidInput("there is no device to send the request to".into()))?;
        self.select_device(pingone, &device).await
    }

    /// `cancelAuthentication` (a pending push is withdrawn with the flow).
    pub async fn cancel(&mut self) -> Result<(), DeviceError> {
        self.server_payload = None;
        if self.login.allows("cancelAuthentication") {
            self.send(&PfAction::CancelAuthentication).await?;
        }
        Ok(())
    }

    /// Sends `action` as given, offered now or not (PingFederate judges; a refusal leaves the
    /// flow where it was), then goes on as far as the flow allows without the user.
    pub async fn probe(&mut self, pingone: &PingOneDevice, action: &PfAction) -> Result<PfProgress, DeviceError> {
        self.act(pingone, action).await
    }

    async fn act(&mut self, pingone: &PingOneDevice, action: &PfAction) -> Result<PfProgress, DeviceError> {
        let step = self.send(action).await?;
        self.drive(pingone, step).await
    }

    /// One action at PingFederate, its answer (or refusal) told to the login's watch.
    async fn send(&mut self, action: &PfAction) -> Result<PfStep, DeviceError> {
        let step = self.login.act(action).await;
        let watch = self.options.answers.as_ref();
        match &step {
            Ok(_) => tell(watch, || ServerAnswer::flow(action.id(), self.login.flow())),
            Err(DeviceError::PingFederate(refusal)) => {
                tell(watch, || ServerAnswer::Refused { action: action.id().to_string(), refusal: refusal.clone() });
            }
            Err(_) => {}
        }
        step
    }

    /// This device's mobile payload, unless the login is a web sign-in.
    fn payload(&self, pingone: &PingOneDevice) -> Option<Secret<String>> {
        (!self.options.web).then(|| pingone.payload().into())
    }

    /// Sends what needs no person until the flow asks for one (or ends).
    async fn drive(&mut self, pingone: &PingOneDevice, mut step: PfStep) -> Result<PfProgress, DeviceError> {
        loop {
            let action = match step {
                PfStep::Authenticate { default_device } => {
                    self.selected = default_device.as_ref().map(|d| d.id.clone());
                    self.devices.extend(default_device);
                    PfAction::Authenticate { mobile_payload: self.payload(pingone) }
                }
                PfStep::MfaCompleted { .. } => PfAction::ContinueAuthentication,
                PfStep::Completed => return self.signed_in().await,
                other => return Ok(self.ask(other)),
            };
            step = self.send(&action).await?;
        }
    }

    /// The step that needs the user, as the screen to show.
    fn ask(&mut self, step: PfStep) -> PfProgress {
        if !matches!(
            step,
            PfStep::Pair { .. } | PfStep::MfaFailed { .. } | PfStep::Failed { .. } | PfStep::EnterCredentials
        ) {
            self.second_factor_asked = true;
        }
        let mut keep = |devices: Vec<AdapterDevice>, selected: Option<String>| {
            if !devices.is_empty() {
                self.devices = devices;
            }
            if selected.is_some() {
                self.selected = selected;
            }
        };
        match step {
            PfStep::Pair { server_payload } => {
                self.server_payload = Some(Zeroizing::new(server_payload));
                PfProgress::PairThisDevice { username: self.username.clone(), additional: self.second_factor_asked }
            }
            PfStep::ChooseDevice { devices } => {
                keep(devices, None);
                PfProgress::ChooseDevice { devices: self.devices.clone() }
            }
            PfStep::EnterOtp { devices, selected } => {
                keep(devices, selected);
                PfProgress::EnterOtp { device: self.selected_device(), attempts_left: None, retry: false }
            }
            PfStep::WaitForPush { devices, selected, expires_at, match_number } => {
                keep(devices, selected);
                let expires_in = expires_at.as_deref().and_then(|at| seconds_until(at, self.login_now()));
                PfProgress::WaitForPush { device: self.selected_device(), expires_in, match_number }
            }
            PfStep::PushRejected { devices, selected } => {
                keep(devices, selected);
                PfProgress::PushDenied { devices: self.devices.clone() }
            }
            PfStep::PushTimedOut { devices, selected } => {
                keep(devices, selected);
                PfProgress::PushTimedOut { devices: self.devices.clone() }
            }
            PfStep::MfaFailed { code, message } | PfStep::Failed { code, message } => PfProgress::Refused {
                code: code.unwrap_or_else(|| "FAILED".into()),
                message: message.unwrap_or_else(|| "the sign-in failed".into()),
            },
            PfStep::EnterCredentials => PfProgress::Refused {
                code: "CREDENTIALS_REQUIRED".into(),
                message: "PingFederate asks for the username and password again: sign in again".into(),
            },
            // Sent by `drive`, never asked.
            PfStep::Authenticate { .. } | PfStep::MfaCompleted { .. } | PfStep::Completed => PfProgress::Refused {
                code: "UNEXPECTED_STATE".into(),
                message: "the flow is in a state this app sends by itself".into(),
            },
        }
    }

    async fn signed_in(&mut self) -> Result<PfProgress, DeviceError> {
        let tokens = self.login.finish().await?;
        let mfa_status = tokens.mfa_status().map(str::to_string);
        info!(mfa_status = ?mfa_status, "signed in through PingFederate");
        Ok(PfProgress::SignedIn {
            username: tokens.subject().unwrap_or(&self.username).to_string(),
            mfa_status,
            claims: tokens.claims.clone(),
            pairing: self.pairing.clone(),
        })
    }

    fn selected_device(&self) -> Option<AdapterDevice> {
        let selected = self.selected.as_deref();
        self.devices
            .iter()
            .find(|d| Some(d.id.as_str()) == selected)
            .or(self.devices.first().filter(|_| self.devices.len() == 1))
            .cloned()
    }

    fn login_now(&self) -> i64 {
        self.login.now()
    }
}

/// Whole seconds from `now` to an RFC 3339 instant (0 when past); `None` when it does not parse.
fn seconds_until(at: &str, now: i64) -> Option<u32> {
    let at = chrono::DateTime::parse_from_rfc3339(at).ok()?.timestamp();
    Some(u32::try_from((at - now).max(0)).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_push_deadline_reads_as_seconds_left() {
        assert_eq!(seconds_until("1970-01-01T00:01:40Z", 60), Some(40));
        assert_eq!(seconds_until("1970-01-01T00:00:10+00:00", 60), Some(0));
        assert_eq!(seconds_until("soon", 60), None);
    }
}
