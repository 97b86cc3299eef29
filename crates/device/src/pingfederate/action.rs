//! The actions of PingFederate's authentication API with the PingOne MFA adapter, each with the
//! id its content type names (`application/vnd.pingidentity.<id>+json`) and its JSON body.

use moderno_wire::pingfederate::{
    Authenticate, CheckOtp, CheckUsernamePassword, DeviceChoice, DeviceRef, UpdateDeviceNickname,
};
use serde_json::{json, Value};
use zeroize::Zeroizing;

/// One action. `Debug` never shows the password or the passcode.
#[derive(Clone, PartialEq, Eq)]
pub enum PfAction {
    CheckUsernamePassword {
        username: String,
        password: Zeroizing<String>,
    },
    /// `mobilePayload` from [`crate::PingOneDevice::payload`]; `None` is a web login.
    Authenticate {
        mobile_payload: Option<String>,
    },
    SelectDevice {
        device_id: String,
        mobile_payload: Option<String>,
    },
    CheckOtp {
        otp: Zeroizing<String>,
        mobile_payload: Option<String>,
    },
    Poll,
    ContinueAuthentication,
    CancelAuthentication,
    SetDefaultDevice {
        device_id: String,
    },
    RemoveDevice {
        device_id: String,
    },
    UpdateDeviceNickname {
        device_id: String,
        nickname: String,
    },
}

/// Hand-written: an action prints as its id and device, leaving out the password, the passcode
/// and the signed mobile payload (a device assertion, not for logs).
impl std::fmt::Debug for PfAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SelectDevice { device_id, .. }
            | Self::SetDefaultDevice { device_id }
            | Self::RemoveDevice { device_id }
            | Self::UpdateDeviceNickname { device_id, .. } => write!(f, "{}({device_id})", self.id()),
            Self::CheckUsernamePassword { username, .. } => write!(f, "{}({username}, <redacted>)", self.id()),
            _ => f.write_str(self.id()),
        }
    }
}

impl PfAction {
    /// The action id, as `_links` and the content type name it.
    pub fn id(&self) -> &'static str {
        match self {
            Self::CheckUsernamePassword { .. } => "checkUsernamePassword",
            Self::Authenticate { .. } => "authenticate",
            Self::SelectDevice { .. } => "selectDevice",
            Self::CheckOtp { .. } => "checkOtp",
            Self::Poll => "poll",
            Self::ContinueAuthentication => "continueAuthentication",
            Self::CancelAuthentication => "cancelAuthentication",
            Self::SetDefaultDevice { .. } => "setDefaultDevice",
            Self::RemoveDevice { .. } => "removeDevice",
            Self::UpdateDeviceNickname { .. } => "updateDeviceNickname",
        }
    }

    /// `application/vnd.pingidentity.<id>+json`.
    pub fn content_type(&self) -> String {
        format!(
            "{}{}{}",
            moderno_wire::pingfederate::ACTION_MEDIA_PREFIX,
            self.id(),
            moderno_wire::pingfederate::ACTION_MEDIA_SUFFIX
        )
    }

    /// The JSON body (it holds the password or passcode for those actions: send it, never log it).
    pub fn body(&self) -> Zeroizing<String> {
        let device_ref = |id: &str| DeviceRef { id: id.to_string() };
        let value: Value = match self {
            Self::CheckUsernamePassword { username, password } => {
                json!(CheckUsernamePassword { username: username.clone(), password: password.to_string() })
            }
            Self::Authenticate { mobile_payload } => json!(Authenticate { mobile_payload: mobile_payload.clone() }),
            Self::SelectDevice { device_id, mobile_payload } => {
                json!(DeviceChoice { device_ref: device_ref(device_id), mobile_payload: mobile_payload.clone() })
            }
            Self::CheckOtp { otp, mobile_payload } => {
                json!(CheckOtp { otp: otp.to_string(), mobile_payload: mobile_payload.clone() })
            }
            Self::SetDefaultDevice { device_id } | Self::RemoveDevice { device_id } => {
                json!(DeviceChoice { device_ref: device_ref(device_id), mobile_payload: None })
            }
            Self::UpdateDeviceNickname { device_id, nickname } => {
                json!(UpdateDeviceNickname { device_ref: device_ref(device_id), nickname: nickname.clone() })
            }
            Self::Poll | Self::ContinueAuthentication | Self::CancelAuthentication => json!({}),
        };
        Zeroizing::new(value.to_string())
    }

    /// An action named on the command line (`--action poll`), for those without a body.
    pub fn bodiless(id: &str) -> Option<Self> {
        match id {
            "poll" => Some(Self::Poll),
            "continueAuthentication" => Some(Self::ContinueAuthentication),
            "cancelAuthentication" => Some(Self::CancelAuthentication),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_names_its_content_type_and_hides_its_secret() {
        let login =
            PfAction::CheckUsernamePassword { username: "alice".into(), password: Zeroizing::new("hunter2".into()) };
        assert_eq!(login.content_type(), "application/vnd.pingidentity.checkUsernamePassword+json");
        assert!(login.body().contains("hunter2"));
        assert!(!format!("{login:?}").contains("hunter2"), "{login:?}");
        let otp = PfAction::CheckOtp { otp: Zeroizing::new("123456".into()), mobile_payload: None };
        assert!(!format!("{otp:?}").contains("123456"));
        assert_eq!(otp.body().as_str(), r#"{"otp":"123456"}"#);
        let select = PfAction::SelectDevice { device_id: "d1".into(), mobile_payload: None };
        assert_eq!(select.body().as_str(), r#"{"deviceRef":{"id":"d1"}}"#);
        assert_eq!(PfAction::Poll.body().as_str(), "{}");
        assert_eq!(PfAction::bodiless("poll"), Some(PfAction::Poll));
        assert_eq!(PfAction::bodiless("checkOtp"), None);
    }
}
