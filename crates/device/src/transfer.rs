//! Sending money: the customer server's `transfer`, which asks the user's trusted (primary)
//! device to approve it out of band, as Ping's Moderno sample does ([S-MOD] `TransferHandler`).
//!
//! The app builds a [`TransferOrder`] (amount in cents, recipient), sends it with the session
//! token of its login, and gets a [`TransferOutcome`]: approved, denied, timed out, a passcode
//! to type (the approving device is offline), a number to show (number matching), a device to
//! choose, or refused. The outcomes that wait carry a [`PendingTransfer`] to continue with.

use moderno_wire::moderno::{DeviceSummary, MfaOutcome, ModernoResponse, Status};
use serde::Serialize;

use crate::error::DeviceError;
use crate::moderno_client::ModernoClient;

/// The largest transfer the customer server takes: €100,000.00.
pub const MAX_TRANSFER_CENTS: u64 = 10_000_000;
pub const MAX_RECIPIENT_CHARS: usize = 64;

/// A transfer the user asked for, checked as the customer server checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferOrder {
    amount_cents: u64,
    recipient: String,
}

impl TransferOrder {
    /// More than 0 and at most [`MAX_TRANSFER_CENTS`]; a recipient of 1 to
    /// [`MAX_RECIPIENT_CHARS`] characters (spaces around it dropped), no control characters.
    pub fn new(amount_cents: u64, recipient: &str) -> Result<Self, DeviceError> {
        if amount_cents == 0 || amount_cents > MAX_TRANSFER_CENTS {
            let max = format_cents(MAX_TRANSFER_CENTS);
            return Err(DeviceError::InvalidInput(format!("the amount must be more than €0.00 and at most €{max}")));
        }
        let recipient = recipient.trim();
        if recipient.is_empty()
            || recipient.chars().count() > MAX_RECIPIENT_CHARS
            || recipient.chars().any(char::is_control)
        {
            return Err(DeviceError::InvalidInput(format!(
                "the recipient must be 1 to {MAX_RECIPIENT_CHARS} characters, none of them control characters"
            )));
        }
        Ok(Self { amount_cents, recipient: recipient.to_owned() })
    }

    pub fn amount_cents(&self) -> u64 {
        self.amount_cents
    }

    pub fn recipient(&self) -> &str {
        &self.recipient
    }

    /// Ping's `sum` field as sent: `1250.50`.
    pub fn sum(&self) -> String {
        format!("{}.{:02}", self.amount_cents / 100, self.amount_cents % 100)
    }

    /// For people: `€1,250.50`.
    pub fn display_amount(&self) -> String {
        format!("€{}", format_cents(self.amount_cents))
    }
}

/// An amount typed by a person (`250`, `250.5`, `1,250.50`) in cents.
pub fn parse_amount(text: &str) -> Result<u64, DeviceError> {
    let bad = || DeviceError::InvalidInput(format!("{text:?} is not an amount such as 250, 250.50 or 1,250.50"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let plain = text.trim().replace(',', "");
    let (whole, fraction) = plain.split_once('.').unwrap_or((plain.as_str(), ""));
    if !digits(whole) || (plain.contains('.') && !(digits(fraction) && fraction.len() <= 2)) || whole.len() > 12 {
        return Err(bad());
    }
    let whole: u64 = whole.parse().map_err(|_| bad())?;
    let cents: u64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    Ok(whole * 100 + cents)
}

/// `1,250.50`: as Ping's sample formats money.
fn format_cents(cents: u64) -> String {
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped}.{:02}", cents % 100)
}

/// A transfer the server keeps waiting: send its passcode, or wait on for the push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingTransfer {
    /// The answer's `authSessionID`, sent back as `sessionId`.
    pub session_id: String,
    pub order: TransferOrder,
}

/// What one `transfer` request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferStep<'a> {
    /// Ask for approval; `approver`: the device chosen after [`TransferOutcome::ChooseDevice`].
    Start { approver: Option<&'a str> },
    /// Wait on for the approving device (after a number was shown).
    Wait { session_id: &'a str },
    /// The passcode shown on the approving device.
    Passcode { session_id: &'a str, otp: &'a str },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransferOutcome {
    /// The money was sent. `sum` as the server formats it; `mfa`: push, passcode, or skipped
    /// (MFA disabled for the application at PingID); `approver`: the device that approved.
    Approved { sum: String, mfa: Option<MfaOutcome>, approver: Option<DeviceSummary> },
    /// The approving device said no (or picked the wrong number).
    Denied { description: String },
    /// The push was not answered in time; a passcode from the approving device still works.
    TimedOut { pending: PendingTransfer },
    /// The approving device is offline: type its passcode (`wrong`: the last one was not it).
    NeedsPasscode { pending: PendingTransfer, attempts_left: Option<u32>, wrong: bool },
    /// Number matching (beyond Ping): show `match_number`; the approving device must pick it.
    WaitingForApproval { pending: PendingTransfer, match_number: Option<u8>, expires_in: Option<u32> },
    /// Several devices and no default: send the transfer again with one as `approver`.
    ChooseDevice { devices: Vec<DeviceSummary> },
    /// Not made: not signed in, bad input, passcodes locked, MFA bypassed... (`status` says which).
    Refused { status: Status, description: String },
}

impl TransferOutcome {
    /// The transfer waiting on, if this outcome continues.
    pub fn pending(&self) -> Option<&PendingTransfer> {
        match self {
            Self::TimedOut { pending }
            | Self::NeedsPasscode { pending, .. }
            | Self::WaitingForApproval { pending, .. } => Some(pending),
            _ => None,
        }
    }
}

/// Asks for a transfer to be approved (`approver`: the device chosen after
/// [`TransferOutcome::ChooseDevice`]).
pub async fn send_transfer(
    client: &ModernoClient,
    session_token: &str,
    order: &TransferOrder,
    approver: Option<&str>,
) -> Result<TransferOutcome, DeviceError> {
    let answer = client.transfer(session_token, order, TransferStep::Start { approver }).await?;
    Ok(read_transfer_answer(order, &answer))
}

/// The passcode shown on the approving device, for a transfer that asked for one.
pub async fn enter_passcode(
    client: &ModernoClient,
    session_token: &str,
    pending: &PendingTransfer,
    otp: &str,
) -> Result<TransferOutcome, DeviceError> {
    let otp = otp.trim();
    if otp.len() != 6 || !otp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DeviceError::InvalidInput("the passcode is the 6 digits the approving device shows".into()));
    }
    let step = TransferStep::Passcode { session_id: &pending.session_id, otp };
    let answer = client.transfer(session_token, &pending.order, step).await?;
    Ok(read_transfer_answer(&pending.order, &answer))
}

/// Waits on (the server answers once the push is answered or its time is up).
pub async fn wait_for_approval(
    client: &ModernoClient,
    session_token: &str,
    pending: &PendingTransfer,
) -> Result<TransferOutcome, DeviceError> {
    let step = TransferStep::Wait { session_id: &pending.session_id };
    let answer = client.transfer(session_token, &pending.order, step).await?;
    Ok(read_transfer_answer(&pending.order, &answer))
}

/// Reads the server's answer to a `transfer` of `order`.
pub fn read_transfer_answer(order: &TransferOrder, answer: &ModernoResponse) -> TransferOutcome {
    let refused = || TransferOutcome::Refused { status: answer.status, description: answer.description.clone() };
    let pending = || {
        let session_id = answer.session_id.clone().filter(|s| !s.is_empty())?;
        Some(PendingTransfer { session_id, order: order.clone() })
    };
    match answer.status {
        Status::Ok => TransferOutcome::Approved {
            // The amount asked for: the answer's `sum` is the checking balance, as in Ping's sample.
            sum: format_cents(order.amount_cents),
            mfa: answer.mfa,
            approver: answer.current_authenticating_device_data.clone(),
        },
        Status::Denied => TransferOutcome::Denied { description: answer.description.clone() },
        Status::SelectDevice => TransferOutcome::ChooseDevice { devices: answer.devices.clone().unwrap_or_default() },
        Status::TimedOut | Status::OtpRequired | Status::InvalidOtp | Status::InProgress => {
            let Some(pending) = pending() else {
                let description = format!("{} (the server sent no session id)", answer.description);
                return TransferOutcome::Refused { status: answer.status, description };
            };
            match answer.status {
                Status::TimedOut => TransferOutcome::TimedOut { pending },
                Status::InProgress => TransferOutcome::WaitingForApproval {
                    pending,
                    match_number: answer.match_number,
                    expires_in: answer.push_expires_in,
                },
                status => TransferOutcome::NeedsPasscode {
                    pending,
                    attempts_left: answer.otp_attempts_left,
                    wrong: status == Status::InvalidOtp,
                },
            }
        }
        _ => refused(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> TransferOrder {
        TransferOrder::new(25_000, " Bob ").expect("a good order")
    }

    fn answer(status: Status) -> ModernoResponse {
        ModernoResponse { session_id: Some("auth-1".into()), ..ModernoResponse::new(status, "d") }
    }

    #[test]
    fn an_order_is_checked_as_the_server_checks_it() {
        assert_eq!(
            (order().recipient(), order().sum(), order().display_amount()),
            ("Bob", "250.00".into(), "€250.00".into())
        );
        assert_eq!(TransferOrder::new(1_234_567, "x").expect("ok").display_amount(), "€12,345.67");
        for (cents, recipient) in [(0, "Bob"), (MAX_TRANSFER_CENTS + 1, "Bob"), (1, ""), (1, " "), (1, "a\nb")] {
            assert!(TransferOrder::new(cents, recipient).is_err(), "{cents} to {recipient:?}");
        }
        assert!(TransferOrder::new(1, &"x".repeat(65)).is_err());
        assert!(TransferOrder::new(MAX_TRANSFER_CENTS, &"é".repeat(64)).is_ok());
    }

    #[test]
    fn amounts_are_read_as_people_type_them() {
        for (text, cents) in [("250", 25_000), ("250.5", 25_050), ("1,250.50", 125_050), ("0.01", 1)] {
            assert_eq!(parse_amount(text).expect(text), cents, "{text}");
        }
        for text in ["", "abc", "-1", "1.234", "1.", ".5", "1e3", "9999999999999"] {
            assert!(parse_amount(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn every_answer_reads_as_an_outcome() {
        let approved =
            ModernoResponse { sum: Some("250.00".into()), mfa: Some(MfaOutcome::PushApproved), ..answer(Status::Ok) };
        assert_eq!(
            read_transfer_answer(&order(), &approved),
            TransferOutcome::Approved { sum: "250.00".into(), mfa: Some(MfaOutcome::PushApproved), approver: None }
        );
        assert_eq!(
            read_transfer_answer(&order(), &answer(Status::Denied)),
            TransferOutcome::Denied { description: "d".into() }
        );
        let pending = PendingTransfer { session_id: "auth-1".into(), order: order() };
        assert_eq!(
            read_transfer_answer(&order(), &answer(Status::TimedOut)),
            TransferOutcome::TimedOut { pending: pending.clone() }
        );
        let wrong = ModernoResponse { otp_attempts_left: Some(2), ..answer(Status::InvalidOtp) };
        assert_eq!(
            read_transfer_answer(&order(), &wrong),
            TransferOutcome::NeedsPasscode { pending: pending.clone(), attempts_left: Some(2), wrong: true }
        );
        let number =
            ModernoResponse { match_number: Some(42), push_expires_in: Some(40), ..answer(Status::InProgress) };
        assert_eq!(
            read_transfer_answer(&order(), &number).pending(),
            Some(&pending),
            "a number to show keeps the transfer waiting"
        );
        let no_session = ModernoResponse::new(Status::OtpRequired, "d");
        assert!(matches!(
            read_transfer_answer(&order(), &no_session),
            TransferOutcome::Refused { status: Status::OtpRequired, .. }
        ));
        let not_signed_in = ModernoResponse::new(Status::Failed, "not signed in");
        assert!(matches!(
            read_transfer_answer(&order(), &not_signed_in),
            TransferOutcome::Refused { status: Status::Failed, .. }
        ));
    }
}
