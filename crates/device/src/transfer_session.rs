//! One transfer from the app, step by step: what a window drives after a sign-in.
//!
//! The customer server holds a `transfer` until the approving device answers the push (as Ping's
//! sample holds `auth_user`). As with a login ([`crate::LoginSession`]), a request that takes
//! longer than a moment runs on in the background and the transfer reads
//! [`TransferProgress::Waiting`]; each [`TransferSession::poll`] looks again for its answer.

use std::time::Duration;

use moderno_crypto::Secret;
use moderno_wire::moderno::DeviceSummary;
use moderno_wire::sdk::DeviceRole;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{info, instrument};

use crate::device::Device;
use crate::error::DeviceError;
use crate::moderno_client::ModernoClient;
use crate::transfer::{self, PendingTransfer, TransferOrder, TransferOutcome};

/// How long a request is awaited before the transfer reads as waiting for the approving device.
const FIRST_LOOK: Duration = Duration::from_millis(1500);
/// How long each later look waits for the held request's answer.
const NEXT_LOOK: Duration = Duration::from_millis(4000);
/// The push's lifetime at the PingID SDK server (its default), for the countdown.
const PUSH_LIFETIME: Duration = Duration::from_secs(40);

/// The user a login signed in, with the customer server's session token (never shown or logged).
#[derive(Clone, Debug)]
pub struct SignedInUser {
    username: String,
    session_token: Secret<String>,
}

impl SignedInUser {
    pub fn new(username: &str, session_token: &str) -> Self {
        Self { username: username.to_owned(), session_token: Secret::from(session_token) }
    }

    pub fn username(&self) -> &str {
        &self.username
    }
}

/// Where a transfer stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferProgress {
    /// The approving device has not answered yet; under number matching (beyond Ping) it must
    /// pick `match_number`.
    Waiting { expires_in: u32, match_number: Option<u8> },
    /// The server's word: approved, denied, timed out, a passcode to type, a device to choose, refused.
    Outcome(TransferOutcome),
}

type Held = (JoinHandle<Result<TransferOutcome, DeviceError>>, Instant);

#[derive(Debug)]
pub struct TransferSession {
    client: ModernoClient,
    user: SignedInUser,
    order: TransferOrder,
    /// The device expected to approve (the chosen one, else the user's primary), when known.
    approver: Option<DeviceSummary>,
    /// The transfer the server keeps waiting (a passcode to type, or a number shown).
    pending: Option<PendingTransfer>,
    held: Option<Held>,
}

impl Drop for TransferSession {
    fn drop(&mut self) {
        if let Some((answer, _)) = self.held.take() {
            answer.abort();
        }
    }
}

impl TransferSession {
    /// Sends `order` (`approver`: the device chosen after [`TransferOutcome::ChooseDevice`]).
    #[instrument(skip(client, device, user), fields(amount_cents = order.amount_cents()))]
    pub async fn start(
        client: ModernoClient,
        device: &Device,
        user: SignedInUser,
        order: TransferOrder,
        approver: Option<&str>,
    ) -> Result<(Self, TransferProgress), DeviceError> {
        let approver_id = approver.map(str::trim).filter(|id| !id.is_empty()).map(str::to_owned);
        let expected = expected_approver(device, approver_id.as_deref()).await;
        let mut session = Self { client, user, order, approver: expected, pending: None, held: None };
        let (client, token, order) =
            (session.client.clone(), session.user.session_token.clone(), session.order.clone());
        session.held = Some((
            tokio::spawn(async move {
                transfer::send_transfer(&client, token.expose(), &order, approver_id.as_deref()).await
            }),
            Instant::now(),
        ));
        let progress = session.look(FIRST_LOOK).await?;
        Ok((session, progress))
    }

    pub fn order(&self) -> &TransferOrder {
        &self.order
    }

    /// The device expected to approve, when this device knows the user's devices.
    pub fn approver(&self) -> Option<&DeviceSummary> {
        self.approver.as_ref()
    }

    /// One look at a transfer waiting for the approving device.
    pub async fn poll(&mut self) -> Result<TransferProgress, DeviceError> {
        if self.held.is_none() {
            let pending = self.pending.clone().ok_or_else(nothing_waits)?;
            let (client, token) = (self.client.clone(), self.user.session_token.clone());
            self.held = Some((
                tokio::spawn(async move { transfer::wait_for_approval(&client, token.expose(), &pending).await }),
                Instant::now(),
            ));
        }
        self.look(NEXT_LOOK).await
    }

    /// The passcode the approving device shows (after it was offline or did not answer in time).
    pub async fn passcode(&mut self, typed: &str) -> Result<TransferProgress, DeviceError> {
        let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        let pending = self.pending.clone().ok_or_else(nothing_waits)?;
        if let Some((answer, _)) = self.held.take() {
            answer.abort();
        }
        let outcome = transfer::enter_passcode(&self.client, self.user.session_token.expose(), &pending, &code).await?;
        Ok(self.read(outcome))
    }

    async fn look(&mut self, within: Duration) -> Result<TransferProgress, DeviceError> {
        let Some((answer, since)) = self.held.as_mut() else {
            return Err(nothing_waits());
        };
        let Ok(joined) = tokio::time::timeout(within, answer).await else {
            let left = PUSH_LIFETIME.saturating_sub(since.elapsed()).as_secs();
            return Ok(TransferProgress::Waiting { expires_in: u32::try_from(left).unwrap_or(0), match_number: None });
        };
        self.held = None;
        let outcome = joined.map_err(|e| DeviceError::InvalidInput(format!("the transfer request stopped: {e}")))??;
        Ok(self.read(outcome))
    }

    fn read(&mut self, outcome: TransferOutcome) -> TransferProgress {
        info!(outcome = ?std::mem::discriminant(&outcome), "transfer answered");
        self.pending = outcome.pending().cloned();
        match outcome {
            TransferOutcome::WaitingForApproval { match_number, expires_in, .. } => {
                TransferProgress::Waiting { expires_in: expires_in.unwrap_or(0), match_number }
            }
            outcome => {
                // The server names the device that approved: it beats the guess.
                if let TransferOutcome::Approved { approver: Some(device), .. } = &outcome {
                    self.approver = Some(device.clone());
                }
                TransferProgress::Outcome(outcome)
            }
        }
    }
}

fn nothing_waits() -> DeviceError {
    DeviceError::InvalidInput("no transfer is waiting here: send it again".into())
}

/// The device the server will ask: the one chosen, else the user's primary — as far as this
/// device knows the user's devices (a paired device does; one let in once does not).
async fn expected_approver(device: &Device, chosen: Option<&str>) -> Option<DeviceSummary> {
    if !device.is_paired() {
        return None;
    }
    let state = device.state().await.ok()?;
    let found = state.user_devices.into_iter().find(|d| match chosen {
        Some(id) => d.id == id,
        None => d.device_role == DeviceRole::Primary,
    })?;
    Some(DeviceSummary {
        id: found.id,
        device_type: found.device_type,
        device_name: found.device_name,
        device_nickname: found.device_nickname,
        device_role: found.device_role,
        enrollment_time: found.enrollment_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_in_user_prints_the_name_but_never_the_session_token() {
        let user = SignedInUser::new("alice", "st-5f4e3d2c");
        let text = format!("{user:?} {user:#?}");
        assert!(text.contains("alice") && text.contains("[redacted]"), "{text}");
        assert!(!text.contains("st-5f4e3d2c"), "{text}");
    }
}
