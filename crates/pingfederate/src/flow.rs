//! A flow as the server keeps it, which actions each status allows, and the JSON view clients
//! read. Flows are stored whole with a version: an action reads, acts (calling PingOne MFA), then
//! saves only if the version is unchanged, so two racing actions cannot both apply.

use std::collections::BTreeMap;

use moderno_sql::{params, OptionalExtension as _};
use moderno_wire::pingfederate::{AuthorizeResponse, DeviceRef, Flow, FlowStatus, FlowUser, Link, FLOWS_PATH};
use moderno_wire::pingone::MfaDevice;
use serde::{Deserialize, Serialize};

use crate::adapter_device::{adapter_device, adapter_devices};
use crate::error::AuthnApiError;
use crate::store::digest;
use crate::State;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlowRecord {
    pub id: String,
    pub client_id: String,
    /// Where a browser flow's code goes; `None` for a client without redirect URIs.
    pub redirect_uri: Option<String>,
    /// The authorization request carried `redirect_uri`: the token request must repeat it.
    #[serde(default)]
    pub redirect_uri_sent: bool,
    pub oauth_state: Option<String>,
    pub scope: String,
    /// PKCE S256, when the request sent one.
    pub code_challenge: Option<String>,
    /// What the authorization response will carry (`code` for records from before).
    #[serde(default)]
    pub response_types: crate::client_rules::ResponseTypes,
    pub nonce: Option<String>,
    pub status: FlowStatus,
    pub username: Option<String>,
    /// The user's PingOne id, once the first factor passed.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The user's sign-on before this one (RFC 3339), if any.
    #[serde(default)]
    pub last_login: Option<String>,
    pub devices: Vec<MfaDevice>,
    pub device_auth_id: Option<String>,
    pub selected_device_id: Option<String>,
    pub push_expires_at: Option<String>,
    /// Number matching: the number PingOne asks the approving device for, while the push waits.
    #[serde(default)]
    pub match_number: Option<u8>,
    /// At MOBILE_PAIRING_REQUIRED: the id of the MOBILE device the pairing creates once the SDK
    /// approves it (named in PingOne's ID token), looked for among the user's devices afterwards.
    pub pairing_id: Option<String>,
    /// The device authentication that carried the mobile payload of a device not paired with the
    /// user (it did not complete at once): when it completes without a pairing ID token, that is
    /// a pairing error. Kept with the flow, so any instance that sees it complete knows.
    #[serde(default)]
    pub new_device_auth: Option<String>,
    pub server_payload: Option<String>,
    /// The contract attribute `pingone.mfa.status`, once known.
    pub mfa_status: Option<String>,
    pub failure: Option<Failure>,
    pub authorize_response: Option<AuthorizeResponse>,
    pub expires_at: i64,
    /// Started by a browser (no `response_mode=pi.flow`): ends in RESUME with `resumeUrl`.
    #[serde(default)]
    pub browser: bool,
    /// The browser followed `resumeUrl` (it works once).
    #[serde(default)]
    pub resumed: bool,
    /// Cookieless mode: the session travels in `X-Pf-Authn-Api-State`, not in the `PF` cookie.
    #[serde(default)]
    pub cookieless: bool,
}

impl FlowRecord {
    /// The actions allowed now, in a stable order.
    pub fn allowed_actions(&self, manage_devices: bool) -> Vec<&'static str> {
        use FlowStatus as S;
        let mut actions = match self.status {
            S::UsernamePasswordRequired => vec!["checkUsernamePassword"],
            S::AuthenticationRequired => vec!["authenticate"],
            S::MobilePairingRequired => vec!["continueAuthentication"],
            S::DeviceSelectionRequired => vec!["selectDevice"],
            S::OtpRequired => vec!["checkOtp", "selectDevice"],
            S::PushConfirmationWaiting => vec!["poll", "selectDevice"],
            S::PushConfirmationRejected | S::PushConfirmationTimedOut => vec!["selectDevice"],
            S::MfaCompleted if manage_devices => {
                vec!["continueAuthentication", "setDefaultDevice", "removeDevice", "updateDeviceNickname"]
            }
            S::MfaCompleted => vec!["continueAuthentication"],
            S::MfaFailed => vec![],
            S::Completed | S::Resume | S::Failed => return vec![],
        };
        actions.push("cancelAuthentication");
        actions
    }

    /// Ends the flow in FAILED, or for a browser in RESUME (the resume then redirects the error).
    pub fn fail(&mut self, code: &str, message: &str) {
        self.status = if self.browser { FlowStatus::Resume } else { FlowStatus::Failed };
        self.failure = Some(Failure { code: code.into(), message: message.into() });
    }
}

/// The client's view of a flow: the fields of its status and `_links`.
pub fn view(state: &State, record: &FlowRecord) -> Flow {
    use FlowStatus as S;
    let href = format!("{}{FLOWS_PATH}/{}", state.config().public_url.trim_end_matches('/'), record.id);
    let mut links: BTreeMap<String, Link> = record
        .allowed_actions(state.config().manage_devices_allowed)
        .into_iter()
        .map(|a| (a.to_string(), Link { href: href.clone() }))
        .collect();
    links.insert("self".into(), Link { href });
    let status = record.status;
    // Ping's widget draws the push screens from `devices` + `selectedDeviceRef`
    // (`pingidentity/pf-authn-js-widget:src/partials/push_confirmation_*.hbs`).
    let with_devices = matches!(
        status,
        S::DeviceSelectionRequired
            | S::OtpRequired
            | S::PushConfirmationWaiting
            | S::PushConfirmationRejected
            | S::PushConfirmationTimedOut
            | S::MfaCompleted
    );
    let selected = matches!(
        status,
        S::OtpRequired | S::PushConfirmationWaiting | S::PushConfirmationRejected | S::PushConfirmationTimedOut
    );
    let failure = record.failure.as_ref().filter(|_| matches!(status, S::MfaFailed | S::Failed));
    let with_user = !matches!(status, S::UsernamePasswordRequired | S::Completed | S::Resume | S::Failed);
    Flow {
        id: record.id.clone(),
        plugin_type_id: if status == S::UsernamePasswordRequired { "htmlForm".into() } else { "pingOneMfa".into() },
        status,
        user: record.username.as_ref().filter(|_| with_user).map(|username| FlowUser {
            id: record.user_id.clone().unwrap_or_else(|| username.clone()),
            username: username.clone(),
            first_name: None,
            last_name: None,
            status: "ACTIVE".into(),
            last_login: record.last_login.clone(),
        }),
        device: record.devices.first().filter(|_| status == S::AuthenticationRequired).map(adapter_device),
        server_payload: record.server_payload.clone().filter(|_| status == S::MobilePairingRequired),
        devices: with_devices.then(|| adapter_devices(&record.devices)),
        selected_device_ref: record.selected_device_id.clone().filter(|_| selected).map(|id| DeviceRef { id }),
        user_selected_default: (status == S::DeviceSelectionRequired).then_some(false),
        change_device_permitted: (status == S::DeviceSelectionRequired).then_some(true),
        manage_devices_allowed: (status == S::DeviceSelectionRequired).then_some(state.config().manage_devices_allowed),
        manual_pairing_permitted: (status == S::DeviceSelectionRequired).then_some(false),
        push_expires_at: record.push_expires_at.clone().filter(|_| status == S::PushConfirmationWaiting),
        match_number: record.match_number.filter(|_| status == S::PushConfirmationWaiting),
        code: failure.map(|f| f.code.clone()),
        message: failure.map(|f| f.message.clone()),
        user_message: failure.map(|f| failure_words(&f.code).to_string()),
        authorize_response: record.authorize_response.clone().filter(|_| status == S::Completed),
        resume_url: (status == S::Resume).then(|| crate::browser_flow::resume_url(state, &record.id)),
        pf_authn_api_state: None,
        links,
    }
}

/// A failure in the user's words (`userMessage`). Ping's widget shows MFA_FAILED as "You couldn't
/// be authenticated. " + `userMessage` (`src/partials/mfa_failed.hbs`), and FAILED without one as
/// "The server returned <code>" (`src/store.js`).
fn failure_words(code: &str) -> &'static str {
    match code {
        "NO_DEVICE" => "You have no device for the second factor yet. Pair one from the mobile app.",
        "OTP_BLOCKED" => "Too many wrong passcodes. Please wait a few minutes and try again.",
        "AUTHENTICATION_CANCELED" => "The sign-in was canceled.",
        "DEVICE_BLOCKED" | "DEVICE_LOCKED" => "Your device is blocked. Please contact your administrator.",
        _ => "The second factor could not be completed. Please try again.",
    }
}

/// A flow read for an action, with the version it must still have when saved.
pub struct StoredFlow {
    pub record: FlowRecord,
    pub version: i64,
}

pub async fn create(state: &State, record: &FlowRecord, session: &str) -> Result<(), AuthnApiError> {
    let json = serde_json::to_string(record).map_err(|e| AuthnApiError::Internal(e.to_string()))?;
    let (id, session_hash, expires_at) = (record.id.clone(), digest(session), record.expires_at);
    state
        .db()
        .tx(move |tx| {
            tx.execute(
                "INSERT INTO flows (id, session_hash, version, record, expires_at) VALUES (?1, ?2, 0, ?3, ?4)",
                params![id, session_hash, json, expires_at],
            )?;
            Ok(())
        })
        .await
}

/// Loads a live flow for the client holding `session` (the flow cookie).
pub async fn load(state: &State, id: &str, session: Option<&str>) -> Result<StoredFlow, AuthnApiError> {
    let now = state.now();
    let id = id.to_owned();
    let row: Option<(String, i64, String, i64)> = state
        .db()
        .read(move |tx| {
            Ok(tx
                .query_row(
                    "SELECT session_hash, version, record, expires_at FROM flows WHERE id = ?1",
                    params![id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?)
        })
        .await?;
    let (session_hash, version, json, expires_at) = row.ok_or(AuthnApiError::FlowNotFound)?;
    if expires_at <= now {
        return Err(AuthnApiError::FlowNotFound);
    }
    let presented = session.map(digest).unwrap_or_default();
    if !bool::from(subtle::ConstantTimeEq::ct_eq(presented.as_bytes(), session_hash.as_bytes())) {
        return Err(AuthnApiError::ForeignSession);
    }
    let record = serde_json::from_str(&json).map_err(|e| AuthnApiError::Internal(format!("stored flow: {e}")))?;
    Ok(StoredFlow { record, version })
}

/// Saves `record` if the flow still has `version`.
pub async fn save(state: &State, version: i64, record: &FlowRecord) -> Result<(), AuthnApiError> {
    let json = serde_json::to_string(record).map_err(|e| AuthnApiError::Internal(e.to_string()))?;
    let id = record.id.clone();
    state
        .db()
        .tx(move |tx| {
            let changed = tx.execute(
                "UPDATE flows SET record = ?1, version = version + 1 WHERE id = ?2 AND version = ?3",
                params![json, id, version],
            )?;
            if changed == 0 {
                return Err(AuthnApiError::Conflict);
            }
            Ok(())
        })
        .await
}
