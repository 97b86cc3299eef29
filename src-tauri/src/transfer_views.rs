//! What the UI sends and sees of a transfer: the order as typed, and the screen the device
//! crate's [`TransferSession`] asks for next.

use moderno_device::{TransferOutcome, TransferProgress, TransferSession};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::models::{DeviceSummaryView, Mfa};

/// `send_transfer`: the amount as typed (`250`, `250.00`, `1,250.50`) and the recipient;
/// `approver`: the device chosen after CHOOSE_DEVICE.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct TransferRequest {
    pub amount: String,
    pub recipient: String,
    #[serde(default)]
    pub approver: Option<String>,
}

/// The transfer, as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct TransferSummary {
    /// `€1,250.50`.
    pub amount: String,
    pub recipient: String,
}

/// The screen a transfer asks for next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "screen", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub enum TransferView {
    /// The approving device has not answered; `approver`: the device asked, when known;
    /// `match_number`: under number matching (beyond Ping), the number to pick there.
    Waiting {
        transfer: TransferSummary,
        approver: Option<DeviceSummaryView>,
        expires_in: u32,
        match_number: Option<u8>,
    },
    /// The money was sent; `approver`: the device that approved.
    Approved {
        transfer: TransferSummary,
        approver: Option<DeviceSummaryView>,
        mfa: Option<Mfa>,
    },
    Denied {
        transfer: TransferSummary,
        description: String,
    },
    /// The push was not answered in time: the approving device's passcode still works.
    TimedOut {
        transfer: TransferSummary,
    },
    /// The approving device is offline: type its passcode (`wrong`: the last one was not it).
    EnterPasscode {
        transfer: TransferSummary,
        attempts_left: Option<u32>,
        wrong: bool,
    },
    ChooseDevice {
        transfer: TransferSummary,
        devices: Vec<DeviceSummaryView>,
    },
    /// Not made; `status`: the Moderno status code, `description`: the server's words.
    Refused {
        transfer: TransferSummary,
        status: u16,
        description: String,
    },
}

impl TransferView {
    pub fn of(session: &TransferSession, progress: TransferProgress) -> Self {
        let order = session.order();
        let transfer = TransferSummary { amount: order.display_amount(), recipient: order.recipient().to_owned() };
        let approver = || session.approver().map(DeviceSummaryView::from);
        let outcome = match progress {
            TransferProgress::Waiting { expires_in, match_number } => {
                return Self::Waiting { transfer, approver: approver(), expires_in, match_number };
            }
            TransferProgress::Outcome(outcome) => outcome,
        };
        match outcome {
            TransferOutcome::Approved { mfa, .. } => {
                Self::Approved { transfer, approver: approver(), mfa: mfa.map(Mfa::from) }
            }
            TransferOutcome::Denied { description } => Self::Denied { transfer, description },
            TransferOutcome::TimedOut { .. } => Self::TimedOut { transfer },
            TransferOutcome::NeedsPasscode { attempts_left, wrong, .. } => {
                Self::EnterPasscode { transfer, attempts_left, wrong }
            }
            TransferOutcome::WaitingForApproval { match_number, expires_in, .. } => {
                Self::Waiting { transfer, approver: approver(), expires_in: expires_in.unwrap_or(0), match_number }
            }
            TransferOutcome::ChooseDevice { devices } => {
                Self::ChooseDevice { transfer, devices: devices.iter().map(DeviceSummaryView::from).collect() }
            }
            TransferOutcome::Refused { status, description } => {
                Self::Refused { transfer, status: status.code(), description }
            }
        }
    }
}
