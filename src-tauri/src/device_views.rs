//! What the UI sees of this device as an approver: incoming pushes, its state and the user's
//! devices, the offline passcode. Requests carrying a code or key keep it in a `Secret`.

use moderno_crypto::Secret;
use moderno_device::{Pairing, PushContext, PushReply};
use moderno_wire::device_api::{DeviceState, PushAnswer, PushRequest, RequestingDevice};
use moderno_wire::payload;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::CommandError;
use crate::models::{Backend, DeviceSummaryView, IgnoreFor, TrustLevel};
use moderno_device::DeviceCode;

/// A login elsewhere asking this device to approve it, with the context the person needs to judge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct PushView {
    pub authentication_id: String,
    pub username: String,
    pub title: String,
    pub body: String,
    pub client_context: Option<String>,
    /// What the push asks to approve, read from `client_context` (absent: it has none).
    pub context: Option<PushContextView>,
    pub ip_address: Option<String>,
    /// The device asking to be let in, when the sign-in comes from a device (absent for a web
    /// sign-in).
    pub requesting_device: Option<RequestingDeviceView>,
    /// What the approver may decide about that new device besides this sign-in (Ping's network
    /// of trusted devices): PRIMARY (offered only while the user has no primary) and TRUSTED add
    /// it, IGNORE lets it in without MFA for a while. Empty: approve or deny only (a web sign-in,
    /// PingOne MFA).
    pub trust_levels: Vec<TrustLevel>,
    /// Number matching (beyond Ping at the PingID SDK): the three numbers to pick from (one is
    /// shown on the signing-in device); empty when the push asks for none.
    pub number_choices: Vec<u8>,
    pub expires_at: String,
}

/// What a push asks to approve, as the device crate reads its client context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub enum PushContextView {
    /// Money leaving the account: `amount` as people read it (`€250.00`).
    Transfer { amount: String, recipient: String },
    /// The customer server's web page signing the user in.
    WebSignIn { browser: String },
    /// A context the app does not read: its text as sent.
    Other { text: String },
}

impl From<PushContext> for PushContextView {
    fn from(context: PushContext) -> Self {
        match context {
            PushContext::Transfer { amount, recipient } => Self::Transfer { amount, recipient },
            PushContext::WebSignIn { browser } => Self::WebSignIn { browser },
            PushContext::Other(text) => Self::Other { text },
        }
    }
}

/// The new device, as its payload describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct RequestingDeviceView {
    pub name: String,
    /// As the wire names it (`Desktop`, `iPhone`, ...).
    pub device_type: String,
    pub os: String,
}

impl From<RequestingDevice> for RequestingDeviceView {
    fn from(d: RequestingDevice) -> Self {
        let device_type =
            serde_json::to_value(d.device_type).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        Self { name: d.device_name, device_type, os: d.os_version }
    }
}

impl std::fmt::Display for RequestingDeviceView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, {})", self.name, self.device_type, self.os)
    }
}

impl From<PushRequest> for PushView {
    fn from(p: PushRequest) -> Self {
        Self {
            authentication_id: p.authentication_id,
            username: p.username,
            title: p.title,
            body: p.body,
            context: PushContext::read(p.client_context.as_deref()).map(PushContextView::from),
            client_context: p.client_context,
            ip_address: p.ip_address,
            requesting_device: p.requesting_device.map(RequestingDeviceView::from),
            trust_levels: p.trust_levels.into_iter().map(TrustLevel::from).collect(),
            number_choices: p.number_choices,
            expires_at: p.expires_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct DeviceStateView {
    pub profile: String,
    /// Which pairing this is: with the PingID SDK, or with PingOne MFA.
    pub backend: Backend,
    pub paired: bool,
    pub username: Option<String>,
    /// This device, as the server knows it (absent when not paired).
    pub device: Option<DeviceSummaryView>,
    /// The user's devices (the PingID SDK tells its devices; PingOne MFA's device API does not).
    pub user_devices: Vec<DeviceSummaryView>,
}

impl DeviceStateView {
    /// This device's `pairing` at the connection's `backend`; `name`: this device's own name.
    pub fn of(profile: &str, backend: Backend, pairing: Pairing, name: &str) -> Self {
        match pairing {
            Pairing::NotPaired => Self::unpaired(profile, backend),
            Pairing::PingidSdk(state) => Self::paired(profile, &state),
            Pairing::PingOne { username, device_id } => Self::pingone(profile, username, device_id, name),
        }
    }

    pub fn unpaired(profile: &str, backend: Backend) -> Self {
        Self {
            profile: profile.to_string(),
            backend,
            paired: false,
            username: None,
            device: None,
            user_devices: vec![],
        }
    }

    /// The PingOne MFA pairing as this device keeps it.
    fn pingone(profile: &str, username: Option<String>, device_id: String, name: &str) -> Self {
        let device = DeviceSummaryView {
            id: device_id,
            device_type: "MOBILE".into(),
            name: name.to_string(),
            nickname: String::new(),
            role: None,
            is_default: false,
            enrolled: String::new(),
            last_used: None,
            can_make_primary: false,
            can_remove: false,
        };
        Self {
            profile: profile.to_string(),
            backend: Backend::PingfederatePingoneMfa,
            paired: true,
            username,
            device: Some(device),
            user_devices: vec![],
        }
    }

    pub fn paired(profile: &str, state: &DeviceState) -> Self {
        Self {
            profile: profile.to_string(),
            backend: Backend::ModernoPingidSdk,
            paired: true,
            username: Some(state.username.clone()),
            device: Some(DeviceSummaryView::from(&state.device)),
            user_devices: state
                .user_devices
                .iter()
                .map(|d| {
                    let allowed = moderno_device::device_actions(&state.device, d);
                    DeviceSummaryView {
                        can_make_primary: allowed.make_primary,
                        can_remove: allowed.remove,
                        ..DeviceSummaryView::from(d)
                    }
                })
                .collect(),
        }
    }
}

/// The passcode another device of the user can type when this one cannot be reached by push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct OfflineCodeView {
    pub code: String,
    /// Until the code changes (30-second steps).
    pub seconds_left: u32,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct CodeRequest {
    /// A passcode or a pairing key, as typed.
    #[ts(type = "string")]
    pub code: Secret<String>,
}

/// `submit_otp`: a passcode, and (PingID SDK's offline passcode) whether this device is trusted
/// once it passes.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct OtpRequest {
    #[ts(type = "string")]
    pub code: Secret<String>,
    /// Pair this device as TRUSTED with the passcode, when the server offers it; absent: yes.
    /// PingFederate's passcodes ignore it.
    #[serde(default)]
    #[ts(optional)]
    pub trust: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct SelectDeviceRequest {
    pub device_id: String,
}

/// What the approving device decides (Ping's `PIDUserSelectionObject`: an action, and for a new
/// device a trust level and an ignore interval).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub enum PushChoice {
    /// Let the new device in and add it as a trusted device.
    Trust,
    /// Let the new device in and add it as the user's primary device (Ping offers it only while
    /// the user has none: the push's `trustLevels` then hold PRIMARY).
    Primary,
    /// This sign-in only (Ping's one-time access); the approval of a web sign-in.
    Approve,
    /// Let the new device in and ask it no second factor for `ignoreFor`.
    Ignore,
    Deny,
    /// Refuse, and block the new device for this user.
    Block,
    /// PingOne MFA: refuse and report it as fraud (the SDK's `DenyReason.REPORT_FRAUD`).
    ReportFraud,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct PushAnswerRequest {
    pub authentication_id: String,
    pub choice: PushChoice,
    /// With IGNORE: for how long.
    #[serde(default)]
    pub ignore_for: Option<IgnoreFor>,
    /// With TRUST, PRIMARY, APPROVE or IGNORE under number matching: the number the user picked.
    #[serde(default)]
    pub number: Option<u8>,
}

impl PushAnswerRequest {
    /// The reply as the device crate takes it. Whether the push allows that choice is the
    /// server's to say (a web sign-in or PingOne push has no trust level to choose).
    pub fn reply(&self) -> Result<PushReply, CommandError> {
        Ok(PushReply::Answer(match self.choice {
            PushChoice::Trust => PushAnswer::trust(self.number),
            PushChoice::Primary => {
                PushAnswer { trust_level: Some(payload::TrustLevel::Primary), ..PushAnswer::trust(self.number) }
            }
            PushChoice::Approve => PushAnswer::approve(self.number),
            PushChoice::Ignore => {
                let interval = self
                    .ignore_for
                    .ok_or_else(|| CommandError::new(DeviceCode::InvalidInput, "say how long to ignore the device"))?;
                PushAnswer::ignore(interval.into(), self.number)
            }
            PushChoice::Deny => PushAnswer::deny(),
            PushChoice::Block => PushAnswer::block(),
            PushChoice::ReportFraud => return Ok(PushReply::ReportFraud),
        }))
    }
}

/// How an answered push came out: an approval refused means the number picked was not the one
/// the signing-in device shows.
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct PushAnsweredView {
    pub approved: bool,
}

/// The answer to PingFederate's MOBILE_PAIRING_REQUIRED.
#[derive(Debug, Clone, Copy, Deserialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct PairRequest {
    /// False: go on without pairing (`device_not_paired`).
    pub pair: bool,
}

#[derive(Debug, Clone, Copy, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct IncomingRequest {
    /// How long to wait for a push (long poll), at most 25 seconds.
    pub wait_seconds: u32,
}

/// `inspector_hops`: the hops after this one (0: all kept).
#[derive(Debug, Clone, Copy, Deserialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct HopsRequest {
    #[ts(type = "number")]
    pub after: u64,
}

/// `manage_device`: rename one of the user's devices, or make it the primary.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct ManageDeviceRequest {
    pub device_id: String,
    pub nickname: Option<String>,
    #[serde(default)]
    pub make_primary: bool,
}

/// A device added to or removed from the user's account, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct NoticeView {
    pub id: String,
    pub text: String,
    pub at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_passcode_or_key_reads_as_typed_but_never_shows_in_debug_output() {
        let otp: OtpRequest = serde_json::from_str(r#"{"code":"492 817","trust":false}"#).expect("an otp request");
        let code: CodeRequest = serde_json::from_str(r#"{"code":"BCDF-GHJK-LMNP"}"#).expect("a code request");
        assert_eq!((otp.code.expose().as_str(), otp.trust), ("492 817", Some(false)));
        assert_eq!(code.code.expose(), "BCDF-GHJK-LMNP");
        let printed = format!("{otp:?} {code:?}");
        assert!(!printed.contains("492") && !printed.contains("BCDF"), "{printed}");
        assert!(printed.contains("trust: Some(false)"), "what is no secret still shows: {printed}");
    }
}
