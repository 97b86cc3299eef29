//! This device as the backend it signs in with sees it: the one place that knows both
//! backends — the Moderno customer server with the PingID SDK, and PingFederate with PingOne MFA.
//!
//! A front end (the desktop shell, the scenario runner, the CLI) names its backend once as a
//! [`Backend`] and then drives the same calls whichever it is: [`crate::Login`] for a sign-in
//! (start, each step, cancel), and the approver side here (pushes waiting for this device and
//! their answers, device notices, unpairing). A third backend is a variant of [`Backend`], of
//! [`crate::Login`] and of [`crate::Progress`] here; each front end then only words its screens.

use std::sync::Arc;
use std::time::Duration;

use moderno_ambient::{Clock, Entropy};
use moderno_crypto::totp;
use moderno_wire::device_api::{DeviceNotice, DeviceState, PushAnswer, PushRequest};
use moderno_wire::pingone::{DenyReason, PushDecision};

use crate::device::Device;
use crate::error::DeviceError;
use crate::pingfederate::{PfClient, PingOneDevice};
use crate::push_result::PushResult;
use crate::sdk_device_client::MAX_WAIT_SECONDS;

/// What the approver says to a push: an answer in the device API's words, or (PingOne MFA) a
/// denial reported as fraud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushReply {
    Answer(PushAnswer),
    ReportFraud,
}

/// This device's pairing at its backend, as an approver's screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pairing {
    NotPaired,
    /// With the PingID SDK: this device and the user's devices as the SDK server tells them.
    PingidSdk(DeviceState),
    /// With PingOne MFA, as this device keeps the pairing (PingOne's device API lists no devices).
    PingOne {
        username: Option<String>,
        device_id: String,
    },
}

/// The backend a device signs in with, and this device's side of it.
#[derive(Clone, Copy)]
pub enum Backend<'a> {
    /// The Moderno customer server at `server_url`; `device` pairs with the PingID SDK.
    PingidSdk { device: &'a Device, server_url: &'a str },
    /// PingFederate's authentication API through `client` (its session cookie: one client per
    /// connection); `pingone` is the same key's PingOne MFA personality. `clock` and `entropy`
    /// draw PKCE and read token expiry.
    PingFederate { client: &'a Arc<PfClient>, pingone: &'a PingOneDevice, clock: &'a Clock, entropy: &'a Entropy },
}

/// Written out, and hiding no secret: it names the backend and where it is, not the whole
/// state of the device, the clock and the entropy it borrows.
impl std::fmt::Debug for Backend<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PingidSdk { server_url, .. } => f.debug_struct("PingidSdk").field("server_url", server_url).finish(),
            Self::PingFederate { client, .. } => f.debug_struct("PingFederate").field("client", client).finish(),
        }
    }
}

impl<'a> Backend<'a> {
    /// PingFederate when a front end gives its `pingfederate` client and the device's PingOne
    /// personality, else the customer server at `server_url`.
    pub fn new(
        device: &'a Device,
        server_url: &'a str,
        pingfederate: Option<(&'a Arc<PfClient>, &'a PingOneDevice)>,
        clock: &'a Clock,
        entropy: &'a Entropy,
    ) -> Self {
        match pingfederate {
            None => Self::PingidSdk { device, server_url },
            Some((client, pingone)) => Self::PingFederate { client, pingone, clock, entropy },
        }
    }
}

/// How long an approver's long poll may wait: the device APIs' limit (a longer wait is cut to it).
pub const MAX_PUSH_WAIT: Duration = Duration::from_secs(MAX_WAIT_SECONDS);

impl Backend<'_> {
    /// Waits up to `wait` (at most [`MAX_PUSH_WAIT`]) for pushes addressed to this device.
    pub async fn pending_pushes(&self, wait: Duration) -> Result<Vec<PushRequest>, DeviceError> {
        let wait = wait.min(MAX_PUSH_WAIT);
        match self {
            Self::PingidSdk { device, .. } => device.pending_pushes(wait).await,
            Self::PingFederate { pingone, .. } => pingone.pending_pushes(wait).await,
        }
    }

    /// The approver's answer to a push this device received.
    pub async fn answer_push(&self, authentication_id: &str, answer: PushAnswer) -> Result<PushResult, DeviceError> {
        match self {
            Self::PingidSdk { device, .. } => device.answer_push(authentication_id, answer).await,
            Self::PingFederate { pingone, .. } => pingone.answer_push(authentication_id, answer).await,
        }
    }

    /// The approver's reply to a push: an answer, or a denial reported as fraud (the PingOne MFA
    /// SDK's `deny(DenyReason.REPORT_FRAUD)`; the PingID SDK has no such report: deny or block).
    pub async fn reply_to_push(&self, authentication_id: &str, reply: PushReply) -> Result<PushResult, DeviceError> {
        match (self, reply) {
            (_, PushReply::Answer(answer)) => self.answer_push(authentication_id, answer).await,
            (Self::PingFederate { pingone, .. }, PushReply::ReportFraud) => {
                pingone.decide_push(authentication_id, PushDecision::deny(DenyReason::ReportFraud)).await
            }
            (Self::PingidSdk { .. }, PushReply::ReportFraud) => Err(DeviceError::InvalidInput(
                "the PingID SDK takes no fraud report: deny the push, or block the device".into(),
            )),
        }
    }

    /// Devices added to or removed from the user since the last call, waiting up to `wait` (at
    /// most [`MAX_PUSH_WAIT`]). PingOne MFA sends no such notices: none, at once.
    pub async fn notices(&self, wait: Duration) -> Result<Vec<DeviceNotice>, DeviceError> {
        match self {
            Self::PingidSdk { device, .. } => device.notices(wait.min(MAX_PUSH_WAIT)).await,
            Self::PingFederate { .. } => Ok(vec![]),
        }
    }

    /// Unpairs this device at its backend and forgets the key (PingOne: the PingOne pairing).
    pub async fn unpair(&self) -> Result<(), DeviceError> {
        match self {
            Self::PingidSdk { device, .. } => device.unpair().await,
            Self::PingFederate { pingone, .. } => pingone.forget().await,
        }
    }

    pub fn is_paired(&self) -> bool {
        match self {
            Self::PingidSdk { device, .. } => device.is_paired(),
            Self::PingFederate { pingone, .. } => pingone.is_paired(),
        }
    }

    /// This device's pairing here (PingID SDK: asked of the server).
    /// Whether this device holds a pairing for the backend, and for whom, as its key store says
    /// (no server call: for a view drawn often).
    pub fn stored_pairing(&self) -> (bool, Option<String>) {
        match self {
            Self::PingidSdk { device, .. } => (device.is_paired(), device.paired_username()),
            Self::PingFederate { pingone, .. } => (pingone.is_paired(), pingone.paired_username()),
        }
    }

    pub async fn pairing(&self) -> Result<Pairing, DeviceError> {
        match self {
            Self::PingidSdk { device, .. } if device.is_paired() => Ok(Pairing::PingidSdk(device.state().await?)),
            Self::PingFederate { pingone, .. } if pingone.is_paired() => {
                Ok(pingone.device_id().map_or(Pairing::NotPaired, |device_id| Pairing::PingOne {
                    username: pingone.paired_username(),
                    device_id,
                }))
            }
            _ => Ok(Pairing::NotPaired),
        }
    }

    /// The user this device is paired with at this backend.
    pub fn paired_username(&self) -> Option<String> {
        match self {
            Self::PingidSdk { device, .. } => device.paired_username(),
            Self::PingFederate { pingone, .. } => pingone.paired_username(),
        }
    }
}

/// The PingID SDK's offline passcode as a trusted device shows it: the code, and how long it
/// still lives (RFC 6238 steps of [`totp::STEP_SECONDS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflinePasscode {
    pub code: String,
    pub seconds_left: u32,
}

impl OfflinePasscode {
    /// The passcode for now by `clock`, when `device` is paired with the PingID SDK.
    pub fn of(device: &Device, clock: &Clock) -> Option<Self> {
        let code = device.offline_otp()?;
        Some(Self { code, seconds_left: seconds_left(clock.unix()) })
    }
}

/// Seconds until the TOTP step that holds `unix` ends (1 to [`totp::STEP_SECONDS`]).
fn seconds_left(unix: i64) -> u32 {
    u32::try_from(totp::STEP_SECONDS - unix.rem_euclid(totp::STEP_SECONDS)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passcode_lives_to_the_end_of_its_thirty_second_step() {
        assert_eq!(seconds_left(0), 30);
        assert_eq!(seconds_left(29), 1);
        assert_eq!(seconds_left(30), 30);
        assert_eq!(seconds_left(1_800_000_017), 13);
    }
}
