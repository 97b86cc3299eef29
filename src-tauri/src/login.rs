//! The login in progress, whichever backend runs it: the device crate's [`LoginSession`] (the
//! Moderno protocol with the PingID SDK) or [`PfSession`] (PingFederate with PingOne MFA). Each
//! step the UI sends goes to the one running; a step the other backend's flows never ask for is a
//! plain refusal, not a crash.

use moderno_device::pingfederate::PfSession;
use moderno_device::{DeviceError, LoginSession, SignedInUser};

use crate::error::CommandError;
use crate::models::{LoginRequest, LoginView, TrustChoice};
use crate::state::Connection;

pub enum ActiveLogin {
    /// Boxed: a login holds its HTTP client and the request the server may keep open.
    Moderno(Box<LoginSession>),
    /// Boxed: a PingFederate login carries the whole flow document.
    PingFederate(Box<PfSession>),
}

type Step = Result<LoginView, CommandError>;

impl ActiveLogin {
    /// Starts a login on the connection's backend. A wrong password at PingFederate stays on the
    /// sign-in form, as the customer server's 1010 does.
    pub async fn start(conn: &Connection, request: &LoginRequest) -> Result<(Option<Self>, LoginView), CommandError> {
        let Some(pf) = &conn.pingfederate else {
            let client = conn.device.moderno_client(&conn.server_url)?;
            let key = request.pairing_key.as_deref().filter(|k| !k.trim().is_empty());
            let (session, progress) =
                LoginSession::start(client, &conn.device, &request.username, &request.password, key).await?;
            return Ok((Some(Self::Moderno(Box::new(session))), progress.into()));
        };
        if request.pairing_key.as_deref().is_some_and(|k| !k.trim().is_empty()) {
            return Err(CommandError::new(
                "invalid_input",
                "PingFederate pairs devices without a pairing key: leave it empty",
            ));
        }
        let started = PfSession::start(
            pf.client.clone(),
            &pf.pingone,
            conn.clock.clone(),
            &conn.entropy,
            &request.username,
            &request.password,
        )
        .await;
        match started {
            Ok((session, progress)) => Ok((Some(Self::PingFederate(Box::new(session))), progress.into())),
            Err(DeviceError::PingFederate(refusal)) if refusal.has_detail("CREDENTIAL_VALIDATION_FAILED") => Ok((
                None,
                LoginView::Refused {
                    status: Some(refusal.http_status),
                    code: Some("CREDENTIAL_VALIDATION_FAILED".into()),
                    description: refusal.message,
                },
            )),
            Err(error) => Err(error.into()),
        }
    }

    pub async fn pairing_key(&mut self, conn: &Connection, key: &str) -> Step {
        Ok(self.moderno("a pairing key")?.pairing_key(&conn.device, key).await?.into())
    }

    pub async fn choose(&mut self, conn: &Connection, choice: &TrustChoice) -> Step {
        let session = self.moderno("a trust level")?;
        Ok(session.choose(&conn.device, choice.selection(), choice.nickname.clone()).await?.into())
    }

    /// PingFederate's MOBILE_PAIRING_REQUIRED: pair this device, or go on without.
    pub async fn pair(&mut self, conn: &Connection, pair: bool) -> Step {
        let Self::PingFederate(session) = self else {
            return Err(not_asked("pairing this device without a trust level"));
        };
        Ok(session.pair(&conn.pingfederate()?.pingone, pair).await?.into())
    }

    pub async fn poll(&mut self, conn: &Connection) -> Step {
        Ok(match self {
            Self::Moderno(s) => s.poll(&conn.device).await?.into(),
            Self::PingFederate(s) => s.poll(&conn.pingfederate()?.pingone).await?.into(),
        })
    }

    pub async fn retry(&mut self, conn: &Connection) -> Step {
        Ok(match self {
            Self::Moderno(s) => s.retry(&conn.device).await?.into(),
            Self::PingFederate(s) => s.retry(&conn.pingfederate()?.pingone).await?.into(),
        })
    }

    /// A passcode; `trust`: with the PingID SDK's offline passcode, pair this device as trusted
    /// when it passes (if the server offers it).
    pub async fn otp(&mut self, conn: &Connection, code: &str, trust: bool) -> Step {
        Ok(match self {
            Self::Moderno(s) => s.otp_choosing(&conn.device, code, trust).await?.into(),
            Self::PingFederate(s) => s.otp(&conn.pingfederate()?.pingone, code).await?.into(),
        })
    }

    pub async fn select_device(&mut self, conn: &Connection, device_id: &str) -> Step {
        Ok(match self {
            Self::Moderno(s) => s.select_device(&conn.device, device_id).await?.into(),
            Self::PingFederate(s) => s.select_device(&conn.pingfederate()?.pingone, device_id).await?.into(),
        })
    }

    /// Withdraws the login at its server.
    pub async fn cancel(&mut self) -> Result<(), CommandError> {
        match self {
            Self::Moderno(s) => s.cancel().await?,
            Self::PingFederate(s) => s.cancel().await?,
        }
        Ok(())
    }

    /// The user the login is for (for the demo's message outbox).
    pub fn username(&self) -> &str {
        match self {
            Self::Moderno(s) => s.username(),
            Self::PingFederate(s) => s.username(),
        }
    }

    /// The user this login signed in, with the customer server's session token (PingID SDK).
    pub fn signed_in_user(&self) -> Option<SignedInUser> {
        match self {
            Self::Moderno(s) => s.signed_in_user(),
            Self::PingFederate(_) => None,
        }
    }

    fn moderno(&mut self, what: &str) -> Result<&mut LoginSession, CommandError> {
        match self {
            Self::Moderno(session) => Ok(session),
            Self::PingFederate(_) => Err(not_asked(what)),
        }
    }
}

fn not_asked(what: &str) -> CommandError {
    CommandError::new("not_asked", format!("this sign-in does not ask for {what}"))
}
