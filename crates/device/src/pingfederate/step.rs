//! What a PingFederate flow asks the app to do next, so the CLI and the desktop UI drive a
//! PingFederate login the same way (as [`crate::LoginStep`] does for the Moderno protocol).

use moderno_wire::pingfederate::{AdapterDevice, Flow, FlowStatus};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum PfStep {
    /// USERNAME_PASSWORD_REQUIRED: send `checkUsernamePassword`.
    EnterCredentials,
    /// AUTHENTICATION_REQUIRED: send `authenticate` with this device's mobile payload.
    Authenticate { default_device: Option<AdapterDevice> },
    /// MOBILE_PAIRING_REQUIRED: hand the payload to [`crate::PingOneDevice::pair`] (or skip it),
    /// then `continueAuthentication`.
    Pair { server_payload: String },
    /// DEVICE_SELECTION_REQUIRED: `selectDevice` one of these.
    ChooseDevice { devices: Vec<AdapterDevice> },
    /// OTP_REQUIRED: `checkOtp` with the passcode of the selected device.
    EnterOtp { devices: Vec<AdapterDevice>, selected: Option<String> },
    /// PUSH_CONFIRMATION_WAITING: `poll` until the paired mobile answers (under number matching,
    /// the user picks `match_number` there).
    WaitForPush {
        devices: Vec<AdapterDevice>,
        selected: Option<String>,
        expires_at: Option<String>,
        match_number: Option<u8>,
    },
    /// PUSH_CONFIRMATION_REJECTED: the paired mobile denied; `selectDevice` to try again.
    PushRejected { devices: Vec<AdapterDevice>, selected: Option<String> },
    /// PUSH_CONFIRMATION_TIMED_OUT: nobody answered; `selectDevice` to try again.
    PushTimedOut { devices: Vec<AdapterDevice>, selected: Option<String> },
    /// MFA_COMPLETED: `continueAuthentication` (device management is offered here too).
    MfaCompleted { devices: Vec<AdapterDevice> },
    /// MFA_FAILED: only `cancelAuthentication` is left (`message`: the `userMessage` when given).
    MfaFailed { code: Option<String>, message: Option<String> },
    /// COMPLETED: exchange the code ([`crate::PfLogin::finish`]).
    Completed,
    /// FAILED or RESUME (a browser flow this client cannot follow): over.
    Failed { code: Option<String>, message: Option<String> },
}

impl PfStep {
    /// True when nothing more can be sent to the flow but the code exchange (or nothing at all).
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Completed | Self::Failed { .. })
    }
}

/// Reads a flow into the next step.
pub fn pf_step(flow: &Flow) -> PfStep {
    let selected = || flow.selected_device_ref.as_ref().map(|r| r.id.clone());
    let devices = || flow.devices.clone().unwrap_or_default();
    match flow.status {
        FlowStatus::UsernamePasswordRequired => PfStep::EnterCredentials,
        FlowStatus::AuthenticationRequired => PfStep::Authenticate { default_device: flow.device.clone() },
        FlowStatus::MobilePairingRequired => match &flow.server_payload {
            Some(payload) => PfStep::Pair { server_payload: payload.clone() },
            None => {
                PfStep::Failed { code: None, message: Some("MOBILE_PAIRING_REQUIRED without a serverPayload".into()) }
            }
        },
        FlowStatus::DeviceSelectionRequired => PfStep::ChooseDevice { devices: devices() },
        FlowStatus::OtpRequired => PfStep::EnterOtp { devices: devices(), selected: selected() },
        FlowStatus::PushConfirmationWaiting => PfStep::WaitForPush {
            devices: devices(),
            selected: selected(),
            expires_at: flow.push_expires_at.clone(),
            match_number: flow.match_number,
        },
        FlowStatus::PushConfirmationRejected => PfStep::PushRejected { devices: devices(), selected: selected() },
        FlowStatus::PushConfirmationTimedOut => PfStep::PushTimedOut { devices: devices(), selected: selected() },
        FlowStatus::MfaCompleted => PfStep::MfaCompleted { devices: devices() },
        FlowStatus::MfaFailed => PfStep::MfaFailed {
            code: flow.code.clone(),
            message: flow.user_message.clone().or_else(|| flow.message.clone()),
        },
        FlowStatus::Completed if flow.authorize_response.is_some() => PfStep::Completed,
        FlowStatus::Completed => {
            PfStep::Failed { code: None, message: Some("COMPLETED without an authorizeResponse".into()) }
        }
        FlowStatus::Resume | FlowStatus::Failed => {
            PfStep::Failed { code: flow.code.clone(), message: flow.message.clone() }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moderno_wire::pingfederate::{AuthorizeResponse, DeviceRef};
    use serde_json::json;

    fn flow(status: FlowStatus) -> Flow {
        serde_json::from_value(json!({"id": "f1", "pluginTypeId": "p", "status": status, "_links": {}})).expect("flow")
    }

    #[test]
    fn every_status_reads_as_its_step() {
        assert_eq!(pf_step(&flow(FlowStatus::UsernamePasswordRequired)), PfStep::EnterCredentials);
        let pairing = Flow { server_payload: Some("sp".into()), ..flow(FlowStatus::MobilePairingRequired) };
        assert_eq!(pf_step(&pairing), PfStep::Pair { server_payload: "sp".into() });
        let waiting = Flow {
            selected_device_ref: Some(DeviceRef { id: "d1".into() }),
            ..flow(FlowStatus::PushConfirmationWaiting)
        };
        assert_eq!(
            pf_step(&waiting),
            PfStep::WaitForPush { devices: vec![], selected: Some("d1".into()), expires_at: None, match_number: None }
        );
        assert_eq!(pf_step(&flow(FlowStatus::OtpRequired)), PfStep::EnterOtp { devices: vec![], selected: None });
        let done = Flow {
            authorize_response: Some(AuthorizeResponse { code: Some("c".into()), ..AuthorizeResponse::default() }),
            ..flow(FlowStatus::Completed)
        };
        assert!(pf_step(&done).is_final());
        assert!(matches!(pf_step(&flow(FlowStatus::Completed)), PfStep::Failed { .. }));
        assert!(matches!(pf_step(&flow(FlowStatus::MobilePairingRequired)), PfStep::Failed { .. }));
        assert!(!pf_step(&flow(FlowStatus::MfaFailed)).is_final());
    }
}
