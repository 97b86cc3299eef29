//! The QA panel's side of the shell: the embedded stack's admin API (virtual clock, fault
//! switches, MFA on or off, number matching at the PingID SDK (beyond Ping), a user's status),
//! through [`admin_client`].

use moderno_wire::admin::AdminState;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

use crate::admin_client;
use crate::error::CommandError;
use crate::state::Connection;

/// What the panel shows (the admin API's state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct QaStateView {
    /// The stack's "now" (RFC 3339).
    pub now: String,
    #[ts(type = "number")]
    pub advanced_seconds: i64,
    pub faults: Vec<FaultView>,
    /// A fault is on or the clock was moved: the window says so on every screen.
    pub tampered: bool,
    /// Beyond Ping: number matching on the PingID SDK's pushes (off by default); absent when the
    /// SDK server's settings could not be read.
    pub number_matching: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct FaultView {
    pub name: String,
    pub description: String,
    pub on: bool,
}

impl From<AdminState> for QaStateView {
    fn from(s: AdminState) -> Self {
        Self {
            now: s.now,
            advanced_seconds: s.advanced_seconds,
            faults: s
                .faults
                .into_iter()
                .map(|f| FaultView { name: f.name, description: f.description, on: f.on })
                .collect(),
            tampered: s.tampered,
            number_matching: s.number_matching,
        }
    }
}

/// One change the panel makes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(tag = "change", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub enum QaChange {
    AdvanceClock {
        #[ts(type = "number")]
        seconds: i64,
    },
    SwitchFault {
        name: String,
        on: bool,
    },
    Reset,
    Application {
        mfa_enabled: bool,
    },
    /// Beyond Ping: number matching at the PingID SDK on or off.
    NumberMatching {
        on: bool,
    },
    UserStatus {
        username: String,
        status: String,
    },
}

impl QaChange {
    /// The admin API call: method, path and body.
    fn call(&self) -> (reqwest::Method, String, Value) {
        use reqwest::Method;
        match self {
            Self::AdvanceClock { seconds } => (Method::POST, "/admin/clock".into(), json!({"advanceSeconds": seconds})),
            Self::SwitchFault { name, on } => {
                (Method::PUT, format!("/admin/faults/{}", admin_client::segment(name)), json!({"on": on}))
            }
            Self::Reset => (Method::POST, "/admin/reset".into(), json!({})),
            Self::Application { mfa_enabled } => {
                (Method::PUT, "/admin/application".into(), json!({"mfaEnabled": mfa_enabled}))
            }
            Self::NumberMatching { on } => (Method::PUT, "/admin/application".into(), json!({"numberMatching": on})),
            Self::UserStatus { username, status } => (
                Method::PUT,
                format!("/admin/users/{}/status", admin_client::segment(username.trim())),
                json!({"status": status}),
            ),
        }
    }
}

/// The admin state now.
pub async fn state(conn: &Connection) -> Result<QaStateView, CommandError> {
    let state: AdminState = admin_client::call(conn, reqwest::Method::GET, "/admin", None).await?;
    Ok(state.into())
}

/// Makes one change; the admin API's refusal (an unknown user, a bad value) comes back as
/// `admin_refused` with its words.
pub async fn change(conn: &Connection, change: &QaChange) -> Result<QaStateView, CommandError> {
    let (method, path, body) = change.call();
    let state: AdminState = admin_client::call(conn, method, &path, Some(body)).await?;
    Ok(state.into())
}
