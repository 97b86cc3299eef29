//! The stack's admin API (demo and QA only, off unless started with an admin address): the
//! virtual clock, the fault switches, and the PingID application and user states a QA person
//! flips. See `docs/api/admin.md`.

use serde::{Deserialize, Serialize};

use crate::sdk::UserStatus;

/// `GET /admin` and the answer to every change.
#[serde_with::skip_serializing_none]
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
    /// Beyond Ping: the PingID SDK application's number matching (`numberMatching`, off by
    /// default as Ping's SDK has none). Absent when the SDK server did not answer.
    pub number_matching: Option<bool>,
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

/// `PUT /admin/application`: the PingID application's settings a QA person flips; each one
/// absent is left as it is.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicationSwitch {
    /// MFA on or off (off: APPLICATION_DISABLED).
    pub mfa_enabled: Option<bool>,
    /// Beyond Ping: number matching on the PingID SDK's pushes.
    pub number_matching: Option<bool>,
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

/// One HTTP exchange one of the services saw (`GET /admin/hops`), secrets redacted.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hop {
    /// 1, 2, 3 … in the order the answers went out.
    pub seq: u64,
    /// The order the requests arrived in: a call before the calls it made (the diagram's order).
    pub order: u64,
    /// When the request arrived, by the stack's clock (RFC 3339).
    pub at: String,
    /// Who called: `App`, `Customer server`, `PingFederate`.
    pub from: String,
    /// Who answered: `Customer server`, `PingID SDK`, `PingFederate`, `PingOne MFA`.
    pub to: String,
    pub method: String,
    /// The path, with the query's secret values redacted.
    pub path: String,
    pub status: u16,
    pub millis: u64,
    /// The bodies as JSON (forms as objects), secrets replaced by `"•••"`.
    pub request: Option<serde_json::Value>,
    pub response: Option<serde_json::Value>,
    /// What the raw exchange hides: signed payloads and tokens opened, the PINGID-HMAC canonical
    /// string and JWS header, the flow's status and `_links`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decoded: Vec<Decoded>,
    /// The step of Ping's flow document this exchange implements, as the diagram labels it
    /// ("4a. The customer server checks if the user exists in the PingID SDK server"); absent
    /// when no document has the step.
    pub step: Option<String>,
    /// The document `step` is from (its title and address).
    pub step_source: Option<String>,
    /// Only an extension makes this exchange, or it carries an extension's fields (number
    /// matching, the emulator's own status codes): Ping has nothing like it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub beyond_ping: bool,
    /// Why it is beyond Ping, in a few words.
    pub beyond_ping_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decoded {
    pub label: String,
    pub value: serde_json::Value,
}

/// `GET /admin/hops?after=N`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hops {
    pub hops: Vec<Hop>,
    /// The newest `seq` (ask `after` it next time).
    pub last: u64,
}
