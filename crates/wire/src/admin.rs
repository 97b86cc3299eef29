//! The stack's admin API (demo and QA only, off unless started with an admin address): the
//! virtual clock, the fault switches, and the PingID application and user states a QA person
//! flips. See `docs/api/admin.md`.

use serde::{Deserialize, Serialize};

use crate::sdk::UserStatus;

/// `GET /admin` and the answer to every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminState {
    /// The stack's "now" (RFC 3339).
    pub now: String,
    /// How far the virtual clock is ahead of the wall clock, in seconds.
    pub advanced_seconds: i64,
    pub faults: Vec<FaultState>,
    /// True when any fault is on or the clock was advanced: the app marks itself as such.
    pub tampered: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultState {
    /// `approver-offline`, `push-times-out`, ...
    pub name: String,
    pub description: String,
    pub on: bool,
}

/// `POST /admin/clock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdvanceClock {
    /// 1 second to 400 days.
    pub advance_seconds: i64,
}

/// `PUT /admin/faults/{name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchFault {
    pub on: bool,
}

/// `PUT /admin/application`: MFA on or off for the PingID application (off: APPLICATION_DISABLED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicationSwitch {
    pub mfa_enabled: bool,
}

/// `PUT /admin/users/{username}/status`: ACTIVE, SUSPENDED, BYPASS (NOT_ACTIVE is the SDK
/// server's own, before a first pairing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserStatusChange {
    pub status: UserStatus,
}

/// Every refusal of the admin API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminError {
    pub code: String,
    pub message: String,
}
