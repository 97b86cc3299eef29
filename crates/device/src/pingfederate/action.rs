//! The actions of PingFederate's authentication API with the PingOne MFA adapter, each with the
//! id its content type names (`application/vnd.pingidentity.<id>+json`) and its JSON body.

use moderno_crypto::Secret;
use moderno_wire::pingfederate::{
    Authenticate, CheckOtp, CheckUsernamePassword, DeviceChoice, DeviceRef, UpdateDeviceNickname,
};
use serde_json::{json, Value};
use zeroize::Zeroizing;

/// One action. The password, the passcode and the signed mobile payload (a device assertion, not
/// for logs) are [`Secret`]s: `Debug` prints them `[redacted]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PfAction {
    CheckUsernamePassword {
        username: String,
        password: Secret<String>,
    },
    /// `mobilePayload` from [`crate::PingOneDevice::payload`]; `None` is a web login.
    Authenticate {
        mobile_payload: Option<Secret<String>>,
    },
    SelectDevice {
        device_id: String,
        mobile_payload: Option<Secret<String>>,
    },
    CheckOtp {
        otp: Secret<String>,
        mobile_payload: Option<Secret<String>>,
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
        let payload = |payload: &Option<Secret<String>>| payload.as_ref().map(|p| p.expose().clone());
        let value: Value = match self {
            Self::CheckUsernamePassword { username, password } => {
                json!(CheckUsernamePassword { username: username.clone(), password: password.expose().clone() })
            }
            Self::Authenticate { mobile_payload } => json!(Authenticate { mobile_payload: payload(mobile_payload) }),
            Self::SelectDevice { device_id, mobile_payload } => {
                json!(DeviceChoice { device_ref: device_ref(device_id), mobile_payload: payload(mobile_payload) })
            }
            Self::CheckOtp { otp, mobile_payload } => {
                json!(CheckOtp { otp: otp.expose().clone(), mobile_payload: payload(mobile_payload) })
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
        let login = PfAction::CheckUsernamePassword { username: "alice".into(), password: "hunter2".into() };
        assert_eq!(login.content_type(), "application/vnd.pingidentity.checkUsernamePassword+json");
        assert!(login.body().contains("hunter2"));
        assert!(!format!("{login:?}").contains("hunter2"), "{login:?}");
        assert!(format!("{login:?}").contains("alice"), "{login:?}");
        let otp = PfAction::CheckOtp { otp: "123456".into(), mobile_payload: Some("eyJhbGciOi.signed".into()) };
        let printed = format!("{otp:?} {otp:#?}");
        assert!(
            !printed.contains("123456") && !printed.contains("eyJhbGciOi") && printed.contains("[redacted]"),
            "{printed}"
        );
        let sent: Value = serde_json::from_str(&otp.body()).expect("json");
        assert_eq!(sent, json!({"otp": "123456", "mobilePayload": "eyJhbGciOi.signed"}));
        let select = PfAction::SelectDevice { device_id: "d1".into(), mobile_payload: None };
        assert_eq!(select.body().as_str(), r#"{"deviceRef":{"id":"d1"}}"#);
        assert_eq!(PfAction::Poll.body().as_str(), "{}");
        assert_eq!(PfAction::bodiless("poll"), Some(PfAction::Poll));
        assert_eq!(PfAction::bodiless("checkOtp"), None);
    }
}
