//! What the UI sees of this device as an approver: incoming pushes, its state and the user's
//! devices, the offline passcode. Requests carrying a code or key have redacted `Debug`.

use moderno_device::pingfederate::PingOneDevice;
use moderno_wire::device_api::{DeviceState, PushRequest};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::models::{Backend, DeviceSummaryView, PushAction};

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
    pub ip_address: Option<String>,
    /// The device asking to be let in (name, type, OS), when a new device is being paired.
    pub requesting_device: Option<String>,
    /// Number matching: the three numbers to pick from (one is shown on the signing-in device);
    /// empty when the push asks for none.
    pub number_choices: Vec<u8>,
    pub expires_at: String,
}

impl From<PushRequest> for PushView {
    fn from(p: PushRequest) -> Self {
        let requesting_device = p.requesting_device.map(|d| {
            let kind = serde_json::to_value(d.device_type).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            format!("{} ({kind}, {})", d.device_name, d.os_version)
        });
        Self {
            authentication_id: p.authentication_id,
            username: p.username,
            title: p.title,
            body: p.body,
            client_context: p.client_context,
            ip_address: p.ip_address,
            requesting_device,
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
    pub fn unpaired(profile: &str, backend: Backend) -> Self {
        Self { profile: profile.to_string(), backend, paired: false, username: None, device: None, user_devices: vec![] }
    }

    /// The PingOne MFA pairing as this device keeps it.
    pub fn pingone(profile: &str, pingone: &PingOneDevice, name: &str) -> Self {
        let Some(device_id) = pingone.device_id().filter(|_| pingone.is_paired()) else {
            return Self::unpaired(profile, Backend::PingfederatePingoneMfa);
        };
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
            username: pingone.paired_username(),
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
                    DeviceSummaryView { can_make_primary: allowed.make_primary, can_remove: allowed.remove, ..DeviceSummaryView::from(d) }
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

#[derive(Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct CodeRequest {
    /// A passcode or a pairing key, as typed.
    pub code: String,
}

impl std::fmt::Debug for CodeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeRequest(<redacted>)")
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct SelectDeviceRequest {
    pub device_id: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct PushAnswerRequest {
    pub authentication_id: String,
    pub action: PushAction,
    /// With APPROVE under number matching: the number the user picked.
    #[serde(default)]
    pub number: Option<u8>,
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
