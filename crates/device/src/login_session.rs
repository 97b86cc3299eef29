//! One login at the Moderno customer server (PingID SDK), step by step. Front ends drive it
//! through [`crate::Login`], which runs PingFederate's [`crate::pingfederate::PfSession`] alike.
//!
//! [`LoginSession`] keeps what a login needs between the user's answers — the customer server's
//! session id, the username, and the password for as long as a manual pairing key may still be
//! asked for — and turns every Moderno answer into a [`LoginProgress`]: the screen to show next.
//! When the answer carries a server payload it is read at once, so the front end never sees a
//! payload, only the trust levels to offer.
//!
//! Ping's `auth_user` answers only once the push it sent is answered or timed out (its sample
//! customer server polls the SDK server meanwhile). A request that takes longer than a moment
//! is left running in the background and the login reads [`LoginProgress::WaitForPush`]; each
//! [`LoginSession::poll`] then looks again for its answer. (Under number matching, beyond Ping,
//! the server answers 1012 at once and `poll` asks it with `auth_status`.)

use moderno_crypto::{pairing_key, Secret};
use moderno_wire::device_api::PairingCompleted;
use moderno_wire::moderno::{DeviceSummary, MfaOutcome, ModernoResponse};
use moderno_wire::payload::{GrantedAccess, PayloadSelection, TrustLevel};
use moderno_wire::sdk::DeviceRole;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{info, instrument};

use crate::device::Device;
use crate::error::DeviceError;
use crate::flow::{FlowState, UserSelection};
use crate::login_step::{next_step, LoginStep};
use crate::moderno_client::ModernoClient;
use crate::server_answer::{tell, AnswerWatch, ServerAnswer};

/// What the login needs from the user next, or how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginProgress {
    /// Signed in and this device may pair: offer `levels` (PRIMARY only when the server offers it).
    ChooseTrustLevel { username: String, levels: Vec<TrustLevel>, mfa: Option<MfaOutcome> },
    /// The user's first device needs the key from the web page (`invalid`: the last one was refused).
    PairingKeyNeeded { invalid: bool },
    /// A push went to another device of the user; under number matching, show `match_number`
    /// (the approving device asks for it).
    WaitForPush { expires_in: Option<u32>, match_number: Option<u8> },
    /// Type the passcode a trusted device shows (`retry`: the last one was wrong).
    EnterOtp { attempts_left: Option<u32>, retry: bool },
    /// Nobody answered the push: a passcode still works, or send another push.
    PushTimedOut,
    /// Pick the device that should approve.
    ChooseDevice { devices: Vec<DeviceSummary> },
    /// The login is through. `pairing` is set when this device paired (or chose IGNORE) just now;
    /// `role` when it is paired (a trusted device may have trusted it behind the scenes);
    /// `granted` when another device let it in without pairing (once, or ignored for a while).
    SignedIn {
        username: String,
        mfa: Option<MfaOutcome>,
        role: Option<DeviceRole>,
        pairing: Option<PairingCompleted>,
        granted: Option<GrantedAccess>,
    },
    /// The login ended without success; `status` is the Moderno status code.
    Refused { status: u16, description: String },
}

/// Ping's `auth_user`: also the operation that chooses the approving device (with `deviceId`).
const AUTH_USER: &str = "auth_user";
/// How long a request is awaited before the login reads as waiting for the push.
const FIRST_LOOK: Duration = Duration::from_millis(1500);
/// How long each later look waits for the held request's answer.
const NEXT_LOOK: Duration = Duration::from_millis(4000);
/// The push's lifetime at the PingID SDK server (its default), for the countdown.
const PUSH_LIFETIME: Duration = Duration::from_secs(40);

/// A request the customer server still holds while the push waits.
#[derive(Debug)]
struct HeldRequest {
    /// The customer server's operation (`auth_user`, `retry`), for the [`AnswerWatch`].
    request: &'static str,
    answer: JoinHandle<Result<ModernoResponse, DeviceError>>,
    since: Instant,
}

#[derive(Debug)]
pub struct LoginSession {
    client: ModernoClient,
    username: String,
    /// Kept only while a pairing key may still be asked for; dropped (zeroized) after.
    password: Option<Secret<String>>,
    /// The customer server's handle on this login: whoever holds it may answer for it.
    session_id: Option<Secret<String>>,
    mfa: Option<MfaOutcome>,
    /// Set while the login waits for a passcode and the server offered to pair this device with
    /// it (Ping's OneTimePasscode flow state): the trust levels it may fold into its payload.
    offline_levels: Vec<TrustLevel>,
    held: Option<HeldRequest>,
    /// The customer server's session token, from the answer that signed the user in.
    session_token: Option<Secret<String>>,
    answers: Option<AnswerWatch>,
}

impl Drop for LoginSession {
    fn drop(&mut self) {
        if let Some(held) = self.held.take() {
            held.answer.abort();
        }
    }
}

impl LoginSession {
    /// `auth_user` with a fresh payload (and a pairing key, when the user brought one).
    /// `answers` hears each answer of the customer server.
    #[instrument(skip(client, device, password, pairing_key, answers), fields(profile = device.profile()))]
    pub async fn start(
        client: ModernoClient,
        device: &Device,
        username: &str,
        password: &str,
        pairing_key: Option<&str>,
        answers: Option<AnswerWatch>,
    ) -> Result<(Self, LoginProgress), DeviceError> {
        let username = username.trim();
        if username.is_empty() || password.is_empty() {
            return Err(DeviceError::InvalidInput("type your username and password".into()));
        }
        let key = pairing_key.map(checked_pairing_key).transpose()?;
        let mut session = Self {
            client,
            username: username.to_string(),
            password: Some(Secret::from(password)),
            session_id: None,
            mfa: None,
            offline_levels: Vec::new(),
            held: None,
            session_token: None,
            answers,
        };
        let (client, payload, user, pass) =
            (session.client.clone(), device.payload(), username.to_string(), Secret::from(password));
        let request = async move { client.auth_user(&user, pass.expose(), &payload, key.as_deref()).await };
        let progress = session.send(device, AUTH_USER, request).await?;
        Ok((session, progress))
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    /// The signed-in user and session token, once an answer signed the user in (what a
    /// transfer needs afterwards).
    pub fn signed_in_user(&self) -> Option<crate::SignedInUser> {
        self.session_token.as_ref().map(|token| crate::SignedInUser::new(&self.username, token.expose()))
    }

    /// Logs in again with the manual pairing key (case, spaces and dashes do not matter).
    pub async fn pairing_key(&mut self, device: &Device, typed: &str) -> Result<LoginProgress, DeviceError> {
        let key = checked_pairing_key(typed)?;
        let password = self
            .password
            .clone()
            .ok_or(DeviceError::InvalidInput("this login no longer asks for a pairing key: log in again".into()))?;
        // A payload is accepted once: every attempt sends a fresh one.
        let (client, payload, user) = (self.client.clone(), device.payload(), self.username.clone());
        self.send(
            device,
            AUTH_USER,
            async move { client.auth_user(&user, password.expose(), &payload, Some(&key)).await },
        )
        .await
    }

    /// One look at a push that is waiting for another device: the held request's answer, if it
    /// came (waiting a moment for it), else `auth_status` under number matching.
    pub async fn poll(&mut self, device: &Device) -> Result<LoginProgress, DeviceError> {
        if self.held.is_some() {
            return self.look(device, NEXT_LOOK).await;
        }
        let answer = self.client.auth_status(self.session()?).await?;
        self.advance(device, "auth_status", &answer).await
    }

    /// The passcode from a trusted device: six digits, spaces ignored. When the server offered
    /// it, the payload sent along asks to pair this device as TRUSTED once the passcode passes,
    /// as Ping's Moderno apps do (`updateExistingPayloadWithUserSelection` with TRUSTED).
    pub async fn otp(&mut self, device: &Device, typed: &str) -> Result<LoginProgress, DeviceError> {
        let trust = self.offline_levels.contains(&TrustLevel::Trusted);
        self.otp_choosing(device, typed, trust).await
    }

    /// [`Self::otp`], with the user's say on whether this device is trusted afterwards
    /// (`trust: false` signs in once and leaves the device unpaired).
    pub async fn otp_choosing(
        &mut self,
        device: &Device,
        typed: &str,
        trust: bool,
    ) -> Result<LoginProgress, DeviceError> {
        let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
            return Err(DeviceError::InvalidInput("a passcode is the 6 digits shown on your trusted device".into()));
        }
        let payload = (trust && self.offline_levels.contains(&TrustLevel::Trusted)).then(|| {
            device.payload_with_selection(PayloadSelection { trust_level: TrustLevel::Trusted, ignore_interval: None })
        });
        let answer = self.client.auth_offline_user(self.session()?, &code, payload.as_deref()).await?;
        self.advance(device, "auth_offline_user", &answer).await
    }

    pub async fn select_device(&mut self, device: &Device, device_id: &str) -> Result<LoginProgress, DeviceError> {
        if device_id.trim().is_empty() {
            return Err(DeviceError::InvalidInput("choose the device that should approve".into()));
        }
        let (client, session, chosen) =
            (self.client.clone(), self.session()?.to_string(), device_id.trim().to_string());
        self.send(device, AUTH_USER, async move { client.select_device(&session, &chosen).await }).await
    }

    /// Another push for the same login.
    pub async fn retry(&mut self, device: &Device) -> Result<LoginProgress, DeviceError> {
        let (client, session) = (self.client.clone(), self.session()?.to_string());
        self.send(device, "retry", async move { client.retry(&session).await }).await
    }

    /// Stops the login: a request still held is dropped, and a login session the server knows is
    /// canceled there (its pending push withdrawn).
    pub async fn cancel(&mut self) -> Result<(), DeviceError> {
        if let Some(held) = self.held.take() {
            held.answer.abort();
        }
        if let Some(id) = self.session_id.take() {
            self.client.cancel(id.expose()).await?;
        }
        self.password = None;
        Ok(())
    }

    /// The user's answer to [`LoginProgress::ChooseTrustLevel`]: completes (or declines) pairing.
    pub async fn choose(
        &mut self,
        device: &Device,
        selection: UserSelection,
        nickname: Option<String>,
    ) -> Result<LoginProgress, DeviceError> {
        let nickname = nickname.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        let completed = device.set_user_selection(selection, nickname).await?;
        Ok(LoginProgress::SignedIn {
            username: self.username.clone(),
            mfa: self.mfa,
            role: completed.device_role,
            pairing: Some(completed),
            granted: None,
        })
    }

    /// Sends a request that Ping's server may hold until a push is answered: its answer if it
    /// comes within a moment, else the login waits for the push while the request runs on.
    async fn send<F>(&mut self, device: &Device, name: &'static str, request: F) -> Result<LoginProgress, DeviceError>
    where
        F: std::future::Future<Output = Result<ModernoResponse, DeviceError>> + Send + 'static,
    {
        if let Some(previous) = self.held.take() {
            previous.answer.abort();
        }
        self.held = Some(HeldRequest { request: name, answer: tokio::spawn(request), since: Instant::now() });
        self.look(device, FIRST_LOOK).await
    }

    /// Waits up to `within` for the held request's answer.
    async fn look(&mut self, device: &Device, within: Duration) -> Result<LoginProgress, DeviceError> {
        let Some(held) = self.held.as_mut() else {
            return Err(DeviceError::InvalidInput("no login is waiting here: log in again".into()));
        };
        let Ok(joined) = tokio::time::timeout(within, &mut held.answer).await else {
            let left = PUSH_LIFETIME.saturating_sub(held.since.elapsed()).as_secs();
            return Ok(LoginProgress::WaitForPush {
                expires_in: Some(u32::try_from(left).unwrap_or(0)),
                match_number: None,
            });
        };
        let request = held.request;
        self.held = None;
        let answer = joined.map_err(|e| DeviceError::InvalidInput(format!("the login request stopped: {e}")))??;
        self.advance(device, request, &answer).await
    }

    fn session(&self) -> Result<&str, DeviceError> {
        self.session_id
            .as_ref()
            .map(|id| id.expose().as_str())
            .ok_or(DeviceError::InvalidInput("no login is waiting here: log in again".into()))
    }

    async fn advance(
        &mut self,
        device: &Device,
        request: &'static str,
        answer: &ModernoResponse,
    ) -> Result<LoginProgress, DeviceError> {
        info!(request, status = answer.status.code(), mfa = ?answer.mfa, "customer server answered");
        tell(self.answers.as_ref(), || ServerAnswer::customer_server(request, answer));
        if let Some(id) = answer.session_id.as_deref() {
            self.session_id = Some(Secret::from(id));
        }
        if let Some(token) = answer.session_token.as_deref().filter(|t| !t.is_empty()) {
            self.session_token = Some(Secret::from(token));
        }
        let step = next_step(answer);
        if !matches!(step, LoginStep::PairingKeyNeeded { .. }) {
            self.password = None;
        }
        Ok(match step {
            LoginStep::SignedIn { mfa } => self.signed_in(mfa, None, None),
            LoginStep::Pair { server_payload, mfa } => {
                self.mfa = mfa;
                self.read_offer(device, &server_payload, mfa).await?
            }
            LoginStep::EnterOtp { attempts_left, retry, server_payload: Some(payload), .. } => {
                self.read_passcode_offer(device, &payload).await?;
                LoginProgress::EnterOtp { attempts_left, retry }
            }
            LoginStep::PushTimedOut { server_payload: Some(payload), .. } => {
                self.read_passcode_offer(device, &payload).await?;
                LoginProgress::PushTimedOut
            }
            LoginStep::WaitForPush { expires_in, match_number, .. } => {
                LoginProgress::WaitForPush { expires_in, match_number }
            }
            LoginStep::EnterOtp { attempts_left, retry, .. } => LoginProgress::EnterOtp { attempts_left, retry },
            LoginStep::PushTimedOut { .. } => LoginProgress::PushTimedOut,
            LoginStep::ChooseDevice { devices, .. } => LoginProgress::ChooseDevice { devices },
            LoginStep::PairingKeyNeeded { invalid } => LoginProgress::PairingKeyNeeded { invalid },
            LoginStep::Refused { status, description } => {
                self.session_id = None;
                LoginProgress::Refused { status: status.code(), description }
            }
        })
    }

    /// Ping's OneTimePasscode state: the trust levels a passcode may pair this device with.
    async fn read_passcode_offer(&mut self, device: &Device, payload: &str) -> Result<(), DeviceError> {
        if let FlowState::OneTimePasscode { levels, .. } = device.set_server_payload(payload).await? {
            self.offline_levels = levels;
        }
        Ok(())
    }

    async fn read_offer(
        &mut self,
        device: &Device,
        payload: &str,
        mfa: Option<MfaOutcome>,
    ) -> Result<LoginProgress, DeviceError> {
        Ok(match device.set_server_payload(payload).await? {
            FlowState::TrustLevels { levels, username, .. } => {
                LoginProgress::ChooseTrustLevel { username, levels, mfa }
            }
            FlowState::DeviceIsTrusted { role, .. } => self.signed_in(mfa, Some(role), None),
            FlowState::Done { granted } => self.signed_in(mfa, None, granted),
            FlowState::OneTimePasscode { levels, .. } => {
                self.offline_levels = levels;
                LoginProgress::EnterOtp { attempts_left: None, retry: false }
            }
        })
    }

    fn signed_in(
        &self,
        mfa: Option<MfaOutcome>,
        role: Option<DeviceRole>,
        granted: Option<GrantedAccess>,
    ) -> LoginProgress {
        LoginProgress::SignedIn { username: self.username.clone(), mfa, role, pairing: None, granted }
    }
}

/// The key in its canonical form, or a plain-words refusal before anything is sent.
fn checked_pairing_key(typed: &str) -> Result<String, DeviceError> {
    pairing_key::normalize(typed).ok_or(DeviceError::InvalidInput(
        "a pairing key is 12 letters and digits, like ABCD-EFGH-JKLM (case, spaces and dashes do not matter)".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairing_keys_are_read_whatever_their_case_spacing_or_dashes() {
        let canonical = "BCDFGHJKLMNP".to_string();
        for typed in ["BCDF-GHJK-LMNP", "bcdf ghjk-lmnp", " bcdfGHJKlmnp ", "B-C-D-F G H J K L M N P"] {
            assert_eq!(checked_pairing_key(typed).ok().as_ref(), Some(&canonical), "{typed:?}");
        }
    }

    #[test]
    fn debug_output_names_the_user_but_not_the_password_session_id_or_session_token() {
        let client = ModernoClient::new(reqwest::Client::new(), "http://127.0.0.1:1").expect("a client");
        let session = LoginSession {
            client,
            username: "alice".into(),
            password: Some(Secret::from("correct-horse-7")),
            session_id: Some(Secret::from("sess-8f2c61")),
            mfa: None,
            offline_levels: vec![],
            held: None,
            session_token: Some(Secret::from("tok-5d0e77")),
            answers: None,
        };
        let printed = format!("{session:?}");
        assert!(printed.contains("alice"), "{printed}");
        for secret in ["correct-horse-7", "sess-8f2c61", "tok-5d0e77"] {
            assert!(!printed.contains(secret), "{secret} shows in {printed}");
        }
    }

    #[test]
    fn a_malformed_pairing_key_is_refused_before_it_is_sent() {
        for typed in ["", "ABCD", "ABCD-EFGH-JKLM-NPQR", "!!!!-????-****"] {
            assert_eq!(checked_pairing_key(typed).err().map(|e| e.code().as_str()), Some("invalid_input"), "{typed:?}");
        }
    }
}
