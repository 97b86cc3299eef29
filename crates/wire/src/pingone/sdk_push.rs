//! A push as PingOne's mobile SDK hands it to the app: the fields of the Android SDK's
//! `NotificationObject` (`pingidentity/pingone-mobile-sdk-android`, Dokka pages under
//! `com.pingidentity.pingidsdkv2/-notification-object/`): `getNumberMatchingType()`
//! ("SELECT_NUMBER: the user will pick a number from numberMatchingOptions. ENTER_MANUALLY: the
//! number will be entered manually"), `getNumberMatchingOptions()` (an int array),
//! `getTimeoutDuration()` ("the maximum time duration allowed from getting push till user
//! response", seconds), `getClientContext()`. No trust levels: PingOne has none. How the push
//! travels (FCM/APNs in PingOne) and `authenticationId`, `title`, `body` are the emulator's.

use serde::{Deserialize, Serialize};

/// The number-matching kind the SDK names `SELECT_NUMBER`: pick one of the options.
pub const SELECT_NUMBER: &str = "SELECT_NUMBER";

/// `GET /device/pushes?waitSeconds=N` at PingOne answers a list of these (long poll).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationObject {
    /// The device authentication the push is for: where the answer goes.
    pub authentication_id: String,
    pub title: String,
    pub body: String,
    pub client_context: Option<String>,
    /// `SELECT_NUMBER` when the policy asks for number matching; absent otherwise.
    pub number_matching_type: Option<String>,
    /// With `SELECT_NUMBER`: the numbers offered, one of them shown on the signing-in side.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub number_matching_options: Vec<u8>,
    /// Seconds left to answer, counted from delivery.
    pub timeout_duration: i64,
}
