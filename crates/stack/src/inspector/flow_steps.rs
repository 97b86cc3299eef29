//! Which step of Ping's flow documents each exchange implements, and which exchanges only an
//! extension makes ("beyond Ping"): one table, read top to bottom like the documents.
//!
//! - PingID SDK, "Pair first device": automatic pairing steps 1–8, manual pairing subflows 1 and 2.
//! - PingID SDK, "Network of trusted devices": a new device approved by a trusted one (not
//!   numbered there); Ping's Moderno sample for web sign-in and transfers.
//! - PingOne MFA integration kit, "Device pairing flows": initial device 1–8, additional device
//!   5.1–5.3.
//!
//! A row names the service that answered, the method (`*`: any), the path (`*`: one segment,
//! `|` between alternatives) and what the bodies say; the first row that fits decides. A
//! PingFederate row that says `then_answer` adds the flow status it answered ("→ 5. …"). After
//! the rows, [`MARKS`] flag an exchange that carries an extension's fields (number matching,
//! the emulator's own status codes and limits, fields Ping's models lack), keeping its step: one
//! reason names every field found. The bodies are read before secrets are hidden.

mod row;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock, PoisonError};

use serde_json::Value;

use super::Service::{self, Customer, PingFederate, PingIdSdk, PingOne};
use row::If::{
    Action, Got, GotAs, GotKey, GotKeyAs, GotMentioning, NotGot, NotSent, Operation, Refused, Sent, SentAs,
    SentMentioning,
};
use row::{beyond, mark, step, Mark, Row, Says, ANY, EVERYWHERE};
use Doc::{
    DevicesApi, FirstDevice, FirstDeviceOverDeviceApi, ModernoSample, P1DeviceApi, PfPairing, TrustedDevices,
    TrustedDevicesOverDeviceApi,
};

/// One exchange as the table reads it.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// The service that answered.
    pub service: Service,
    pub method: &'a str,
    /// Without the query.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub status: u16,
    pub request: Option<&'a Value>,
    pub response: Option<&'a Value>,
}

/// What the table says about an exchange.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reading {
    /// "4a. The customer server checks if the user exists in the PingID SDK server".
    pub step: Option<String>,
    /// The document the step is from.
    pub source: Option<&'static str>,
    /// Why only an extension makes (or shapes) this exchange.
    pub beyond_ping: Option<&'static str>,
}

/// Reads `exchange` against the table.
pub fn read(exchange: &Exchange<'_>) -> Reading {
    let mut reading = Reading::default();
    match row_of(exchange).map(|i| &ROWS[i].says) {
        Some(Says::Step { label, doc, answer }) => {
            let answered = answer.then(|| answer_of(exchange)).flatten();
            reading.step = Some(match answered {
                Some(answered) => format!("{label} → {answered}"),
                None => (*label).to_owned(),
            });
            reading.source = Some(doc.cite());
        }
        Some(Says::Beyond(reason)) => reading.beyond_ping = Some(*reason),
        None => {}
    }
    if reading.beyond_ping.is_none() {
        reading.beyond_ping = marked(exchange);
    }
    reading
}

/// Every mark's reason for the fields `exchange` carries, as one.
fn marked(exchange: &Exchange<'_>) -> Option<&'static str> {
    let reasons: Vec<String> = MARKS.iter().filter_map(|m| m.says(exchange)).collect();
    (!reasons.is_empty()).then(|| kept(reasons.join("; ")))
}

/// `reason` as the `&'static str` a reading carries, kept once. Reasons are made of the marks'
/// texts and field names only, so there are few of them (for each mark, the sets of its fields).
fn kept(reason: String) -> &'static str {
    static KEPT: OnceLock<Mutex<BTreeSet<&'static str>>> = OnceLock::new();
    let mut kept = KEPT.get_or_init(Mutex::default).lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(known) = kept.get(reason.as_str()) {
        return known;
    }
    let new: &'static str = Box::leak(reason.into_boxed_str());
    kept.insert(new);
    new
}

/// The first row that fits.
fn row_of(exchange: &Exchange<'_>) -> Option<usize> {
    ROWS.iter().position(|row| row.fits(exchange))
}

const GET: &str = "GET";
const POST: &str = "POST";
const PUT: &str = "PUT";
const DELETE: &str = "DELETE";

/// Ping's Moderno endpoint, under both of the sample's names.
const MODERNO: &str = "/pingidsdk|/pidc";
/// PingFederate's authentication API.
const FLOW: &str = "/pf-ws/authn/flows/*";

macro_rules! account {
    ($tail:literal) => {
        concat!("/pingid/v1/accounts/*", $tail)
    };
}
macro_rules! application {
    ($tail:literal) => {
        concat!("/pingid/v1/accounts/*/applications/*", $tail)
    };
}
macro_rules! user {
    ($tail:literal) => {
        concat!("/pingid/v1/accounts/*/applications/*/users/*", $tail)
    };
}
macro_rules! device_api {
    ($tail:literal) => {
        concat!("/pingid/v1/device", $tail)
    };
}
/// PingOne's management API (api.pingone.com/v1).
macro_rules! environment {
    ($tail:literal) => {
        concat!("/v1/environments/*", $tail)
    };
}
/// PingOne's auth path (auth.pingone.com/{envId}).
macro_rules! auth_path {
    ($tail:literal) => {
        concat!("/*", $tail)
    };
}

/// The table. Within a group, the narrower rows come first.
const ROWS: &[Row] = &[
    // ── The app and the customer server: Ping's Moderno protocol ──
    // Pair first device, manual pairing, subflow 2.
    step(Customer, POST, MODERNO, &[Operation("auth_user"), Sent("/pairingKey")],
        "Subflow 2 · 7. The app sends another request to the customer server with the pairing key, username and password", FirstDevice),
    step(Customer, POST, MODERNO, &[Operation("auth_user"), GotAs("/status", "1030")],
        "Subflow 2 · 2. The app sends username, password and payload to the customer server (4. the answer: enter a pairing key)", FirstDevice),
    // Ping's sample: device selection answered, a web caller without a payload.
    step(Customer, POST, MODERNO, &[Operation("auth_user"), Sent("/deviceId")],
        "Additional device · the app sends auth_user again with the device the user picked (after 1018)", TrustedDevices),
    step(Customer, POST, MODERNO, &[Operation("auth_user"), NotSent("/pingIdPayload")],
        "Web sign-in · username and password without a payload: the customer server asks the user's trusted device", ModernoSample),
    // Pair first device, automatic pairing (and every login of a device after it).
    step(Customer, POST, MODERNO, &[Operation("auth_user")],
        "3. The app sends username, password and payload to the customer server", FirstDevice),
    step(Customer, POST, MODERNO, &[Operation("auth_offline_user")],
        "Additional device · offline: the app sends the passcode from a trusted device (auth_offline_user)", TrustedDevices),
    step(Customer, POST, MODERNO, &[Operation("retry")],
        "The app asks again (retry): the waiting authentication is deleted and a new one started, as Ping's sample does", ModernoSample),
    step(Customer, POST, MODERNO, &[Operation("transfer"), Sent("/otp")],
        "Transfer · offline: the app sends the passcode from the trusted device", ModernoSample),
    // The app's session token with the transfer's authSessionID; Ping's transfer sends the
    // signed-in session in `sessionId` alone.
    beyond(Customer, POST, MODERNO, &[Operation("transfer"), Sent("/sessionToken"), Sent("/sessionId")],
        "waiting on a transfer by its sessionId serves number matching; Ping's transfer waits for the answer itself"),
    step(Customer, POST, MODERNO, &[Operation("transfer")],
        "Transfer · the signed-in user sends money: the customer server asks the primary device to approve it", ModernoSample),
    beyond(Customer, POST, MODERNO, &[Operation("auth_status")],
        "auth_status: the app's waiting screen polls; Ping's auth_user waits for the answer itself"),
    beyond(Customer, POST, MODERNO, &[Operation("select_device")],
        "select_device: Ping's apps send auth_user again with deviceId"),
    beyond(Customer, POST, MODERNO, &[Operation("cancel")],
        "cancel: the app's waiting screen gives up; Ping's apps have no such operation"),
    // ── The customer server's web pages ──
    // Pair first device, manual pairing, subflow 1.
    step(Customer, GET, "/", &[],
        "Subflow 1 · 1. The user enters their credentials in the login page", FirstDevice),
    step(Customer, POST, "/pairing-key", &[],
        "Subflow 1 · 2. The customer server verifies the credentials (4. and shows the pairing key)", FirstDevice),
    step(Customer, POST, "/pairing-key/fresh", &[],
        "Subflow 1 · 4. The customer server displays a fresh pairing key", FirstDevice),
    // Ping's sample serves web callers too: an authentication without a payload.
    step(Customer, GET, "/sign-in", &[],
        "Web sign-in · the user opens the bank's sign-in page", ModernoSample),
    step(Customer, POST, "/sign-in", &[],
        "Web sign-in · username and password: the customer server starts an authentication without a payload", ModernoSample),
    step(Customer, GET, "/sign-in/wait|/sign-in/status", &[],
        "Web sign-in · the page waits for the trusted device's answer", ModernoSample),
    step(Customer, POST, "/sign-in/passcode", &[],
        "Web sign-in · offline: the passcode from the trusted device", ModernoSample),
    // ── The customer server and the PingID SDK server ──
    // Pair first device, automatic pairing, step 4.
    step(PingIdSdk, GET, user!(""), &[Refused],
        "4a. The customer server checks if the user exists in the PingID SDK server: not yet", FirstDevice),
    step(PingIdSdk, GET, user!(""), &[],
        "4a. The customer server checks if the user exists in the PingID SDK server", FirstDevice),
    step(PingIdSdk, POST, account!("/users"), &[],
        "4a. … the user is then created in the PingID SDK server", FirstDevice),
    step(PingIdSdk, POST, user!("/registrationtokens"), &[Sent("/pairingKey")],
        "Subflow 2 · 8. The customer server sends the pairing key to the PingID SDK server and receives a server payload", FirstDevice),
    step(PingIdSdk, POST, user!("/registrationtokens"), &[Refused, GotAs("/details/0/target", "pairingKey")],
        "Subflow 2 · 3. The customer server communicates with the PingID SDK server: a pairing key is required", FirstDevice),
    step(PingIdSdk, POST, user!("/registrationtokens"), &[],
        "4b. The customer server creates a registration token for the user, which contains a server payload", FirstDevice),
    // Manual pairing: the key.
    step(PingIdSdk, POST, concat!(application!("/pairingkeys"), "|", account!("/pairingkeys")), &[],
        "Subflow 1 · 4. The customer server creates a pairing key", FirstDevice),
    step(PingIdSdk, GET, concat!(application!("/pairingkeys/*"), "|", account!("/pairingkeys/*")), &[],
        "Subflow 2 · 8. The customer server looks the pairing key up: its pairingData must name this user", FirstDevice),
    // A transfer and a web sign-in (Ping's sample), a new device (network of trusted devices).
    step(PingIdSdk, POST, user!("/authentications"), &[SentMentioning("/clientContext", "STEP_UP")],
        "Transfer · the customer server starts an authentication: the primary device is asked to approve the transfer", ModernoSample),
    step(PingIdSdk, POST, user!("/authentications"), &[NotSent("/payload")],
        "Web sign-in · the customer server starts an authentication without a payload (push to the trusted device)", ModernoSample),
    step(PingIdSdk, POST, user!("/authentications"), &[GotAs("/level", "MOBILE_PAYLOAD")],
        "Paired device · its own payload authenticates it: APPROVED, no push", TrustedDevices),
    step(PingIdSdk, POST, user!("/authentications"), &[GotAs("/status", "OTP")],
        "Additional device · offline: the trusted device cannot be reached, so the answer is OTP (its passcode)", TrustedDevices),
    step(PingIdSdk, POST, user!("/authentications"), &[GotAs("/status", "SELECT_DEVICE")],
        "Additional device · SELECT_DEVICE: the user picks which trusted device to ask", TrustedDevices),
    step(PingIdSdk, POST, user!("/authentications"), &[GotAs("/reason", "DEVICE_BLOCKED")],
        "Additional device · the device was blocked: REJECTED without asking (DEVICE_BLOCKED)", TrustedDevices),
    step(PingIdSdk, POST, user!("/authentications"), &[GotAs("/status", "IGNORED_DEVICE")],
        "Additional device · the device is ignored for now: in without MFA (IGNORED_DEVICE)", TrustedDevices),
    step(PingIdSdk, POST, user!("/authentications"), &[],
        "Additional device · the customer server starts an authentication (push to the trusted device)", TrustedDevices),
    step(PingIdSdk, GET, user!("/authentications/*"), &[GotMentioning("/clientContext", "STEP_UP")],
        "Transfer · the customer server polls the authentication once a second, as Ping's sample does", ModernoSample),
    step(PingIdSdk, GET, user!("/authentications/*"), &[NotGot("/accessingDevice")],
        "Web sign-in · the customer server polls the authentication until the trusted device answers", ModernoSample),
    step(PingIdSdk, GET, user!("/authentications/*"), &[],
        "Additional device · the customer server polls it once a second, as Ping's sample does", TrustedDevices),
    step(PingIdSdk, DELETE, user!("/authentications/*"), &[],
        "The customer server deletes the waiting authentication before asking again, as Ping's sample does", ModernoSample),
    step(PingIdSdk, PUT, user!("/authentications/*/otp"), &[GotMentioning("/clientContext", "STEP_UP")],
        "Transfer · offline: the passcode from the trusted device", ModernoSample),
    step(PingIdSdk, PUT, user!("/authentications/*/otp"), &[NotSent("/payload")],
        "Web sign-in · offline: the passcode from the trusted device", ModernoSample),
    step(PingIdSdk, PUT, user!("/authentications/*/otp"), &[],
        "Additional device · offline: the passcode from a trusted device, with the new device's payload", TrustedDevices),
    // Ping's Devices API, at account scope.
    step(PingIdSdk, DELETE, account!("/users/*/devices/*"), &[],
        "The customer server deletes a device", DevicesApi),
    // Stand-ins for Ping's admin portal.
    beyond(PingIdSdk, ANY, application!("/settings"), &[],
        "the settings route stands in for Ping's admin portal and Application APIs"),
    beyond(PingIdSdk, PUT, user!(""), &[],
        "an administrator's route (user status, bypass) standing in for Ping's admin portal"),
    beyond(PingIdSdk, ANY, user!("/devices/*"), &[],
        "an administrator's route (nickname, role, removal) at application scope; Ping deletes devices at account scope"),
    // ── The SDK component and the PingID SDK server (Ping publishes no protocol: the device API) ──
    step(PingIdSdk, POST, device_api!("/pairings"), &[],
        "8. The PingID SDK component completes the pairing with the PingID SDK server (manual pairing: Subflow 2 · 13)", FirstDeviceOverDeviceApi),
    step(PingIdSdk, GET, device_api!("/pushes"), &[GotMentioning("/0/clientContext", "STEP_UP")],
        "Transfer · the primary device receives the push: approve this transfer?", TrustedDevicesOverDeviceApi),
    step(PingIdSdk, GET, device_api!("/pushes"), &[Got("/0/requestingDevice")],
        "Additional device · the trusted device receives the push about the new device", TrustedDevicesOverDeviceApi),
    step(PingIdSdk, GET, device_api!("/pushes"), &[Got("/0")],
        "Web sign-in · the trusted device receives the push", TrustedDevicesOverDeviceApi),
    step(PingIdSdk, POST, device_api!("/pushes/*"), &[SentAs("/action", "DENY")],
        "Additional device · the trusted device answers: deny (this login attempt)", TrustedDevicesOverDeviceApi),
    step(PingIdSdk, POST, device_api!("/pushes/*"), &[SentAs("/action", "BLOCK")],
        "Additional device · the trusted device answers: block (future login attempts too)", TrustedDevicesOverDeviceApi),
    step(PingIdSdk, POST, device_api!("/pushes/*"), &[SentAs("/trustLevel", "TRUSTED")],
        "Additional device · the trusted device answers: trust this device", TrustedDevicesOverDeviceApi),
    step(PingIdSdk, POST, device_api!("/pushes/*"), &[SentAs("/trustLevel", "IGNORE")],
        "Additional device · the trusted device answers: ignore this device for a while", TrustedDevicesOverDeviceApi),
    step(PingIdSdk, POST, device_api!("/pushes/*"), &[],
        "Additional device · the trusted device answers: approve once (one-time access)", TrustedDevicesOverDeviceApi),
    beyond(PingIdSdk, GET, device_api!("/notices"), &[],
        "device notices: the user's other devices hear of a device added or removed; Ping's SDK has none"),
    beyond(PingIdSdk, ANY, concat!(device_api!("/me"), "|", device_api!("/devices/*")), &[],
        "device self-management (rename, primary role, remove): not in Ping's SDK"),
    // ── The app and PingFederate's authentication API (PingOne MFA: device pairing flows) ──
    step(PingFederate, GET, "/as/authorization.oauth2", &[],
        "1. The app starts the flow: PingFederate asks for the first factor", PfPairing),
    step(PingFederate, POST, FLOW, &[Action("checkUsernamePassword")],
        "1. The user completes first-factor authentication", PfPairing).then_answer(),
    step(PingFederate, POST, FLOW, &[Action("authenticate")],
        "4. The app invokes authenticate with the mobile payload", PfPairing).then_answer(),
    step(PingFederate, POST, FLOW, &[Action("poll")],
        "5.1 The app invokes poll: PingFederate gets the status of the mobile push", PfPairing).then_answer(),
    step(PingFederate, POST, FLOW, &[Action("checkOtp")],
        "5.2 The app invokes checkOtp with the OTP value", PfPairing).then_answer(),
    step(PingFederate, POST, FLOW, &[Action("selectDevice")],
        "5.3 The app invokes selectDevice with the deviceRef", PfPairing).then_answer(),
    step(PingFederate, POST, FLOW, &[Action("continueAuthentication")],
        "7. The app invokes continueAuthentication", PfPairing).then_answer(),
    step(PingFederate, POST, "/as/token.oauth2", &[],
        "8. PingFederate returns an access token to the app", PfPairing),
    // ── PingFederate and PingOne MFA: PingOne's Platform API (management at api.pingone.com/v1,
    //    device authentications at auth.pingone.com/{envId}) ──
    step(PingOne, POST, auth_path!("/as/token"), &[],
        "PingFederate, PingOne's worker application, gets an access token (client credentials, valid 1 hour)", PfPairing),
    step(PingOne, GET, environment!("/users"), &[],
        "PingFederate looks the user up at PingOne by username (GET /users?filter=username eq …)", PfPairing),
    step(PingOne, POST, environment!("/users"), &[],
        "PingFederate creates the user at PingOne (the first sign-in only)", PfPairing),
    step(PingOne, GET, environment!("/users/*/devices"), &[],
        "PingFederate reads the user's MFA devices from PingOne, in order (after MOBILE_PAIRING_REQUIRED, 7.: whether the device the ID token named is there, for pingone.mfa.status)", PfPairing),
    step(PingOne, POST, environment!("/users/*/devices"), &[Action("devices.reorder")],
        "setDefaultDevice: PingFederate puts the device first in the user's device order at PingOne (devices.reorder)", PfPairing),
    step(PingOne, PUT, environment!("/users/*/devices/*/nickname"), &[],
        "updateDeviceNickname: PingFederate sets the device's nickname at PingOne", PfPairing),
    step(PingOne, DELETE, environment!("/users/*/devices/*"), &[],
        "removeDevice: PingFederate deletes the MFA device at PingOne", PfPairing),
    step(PingOne, POST, auth_path!("/deviceAuthentications"), &[Got("/idToken")],
        "4. PingFederate initializes a device authentication at PingOne (user.id, the mobile payload, application.id) → 5. a user without devices: COMPLETED with the PingOne ID token for MOBILE_PAIRING_REQUIRED", PfPairing),
    step(PingOne, POST, auth_path!("/deviceAuthentications"), &[],
        "4. PingFederate initializes a device authentication at PingOne (user.id, the mobile payload, application.id)", PfPairing),
    step(PingOne, GET, auth_path!("/deviceAuthentications/*"), &[Got("/idToken")],
        "5. PingFederate reads the device authentication at PingOne: COMPLETED, with the PingOne ID token that pairs the new device (MOBILE_PAIRING_REQUIRED)", PfPairing),
    step(PingOne, GET, auth_path!("/deviceAuthentications/*"), &[],
        "5.1 PingFederate reads the device authentication at PingOne: where the mobile push is", PfPairing),
    step(PingOne, POST, auth_path!("/deviceAuthentications/*"), &[Action("otp.check")],
        "5.2 PingFederate submits the OTP value to PingOne (otp.check)", PfPairing),
    step(PingOne, POST, auth_path!("/deviceAuthentications/*"), &[Action("device.select")],
        "5.3 PingFederate passes the selected device to PingOne (device.select)", PfPairing),
    // ── The mobile SDK and PingOne MFA (the device API) ──
    step(PingOne, POST, "/device/pairings", &[],
        "6. The app passes the serverPayload (the ID token) to the mobile SDK, which processes it and approves the pairing with PingOne MFA", P1DeviceApi),
    step(PingOne, GET, auth_path!("/as/jwks"), &[],
        "6. The mobile SDK checks the ID token's signature with PingOne's published keys", P1DeviceApi),
    step(PingOne, GET, "/device/pushes", &[],
        "5.1 The push notification reaches the paired mobile", P1DeviceApi),
    step(PingOne, POST, "/device/pushes/*", &[],
        "5.1 The user approves or denies the push on the paired mobile", P1DeviceApi),
    beyond(PingOne, GET, "/outbox/*", &[],
        "the demo's SMS and e-mail outbox: what PingOne would have sent"),
];

/// PingFederate's flow status after an action, as the integration kit's steps name it.
const ANSWERS: &[(&str, &str)] = &[
    ("AUTHENTICATION_REQUIRED", "2. AUTHENTICATION_REQUIRED"),
    ("MOBILE_PAIRING_REQUIRED", "5. MOBILE_PAIRING_REQUIRED with the serverPayload"),
    ("PUSH_CONFIRMATION_WAITING", "5.1 PUSH_CONFIRMATION_WAITING: a push to the paired mobile"),
    ("OTP_REQUIRED", "5.2 OTP_REQUIRED"),
    ("DEVICE_SELECTION_REQUIRED", "5.3 DEVICE_SELECTION_REQUIRED with the devices"),
    ("COMPLETED", "COMPLETED: the code for the access token (8)"),
];

/// Fields only an extension puts on an exchange Ping also makes, by service and path; `{}` in
/// a reason names the fields found. Where several marks fit, their reasons are joined.
const MARKS: &[Mark] = &[
    // PingFederate -> PingOne: the one extension on that hop, and number matching's fields.
    mark(
        PingOne,
        auth_path!("/deviceAuthentications|/*/deviceAuthentications/*"),
        "{}: PingOne publishes no call that yields the pairing ID token; the emulator puts it on the completed device authentication",
        &[("idToken", &[Got("/idToken")])],
    ),
    mark(
        PingOne,
        auth_path!("/deviceAuthentications|/*/deviceAuthentications/*"),
        "number matching ({}): PingOne's device authentication publishes no field for the number the signing-in side shows",
        &[("numberMatching", &[Got("/numberMatching")])],
    ),
    mark(
        PingFederate,
        FLOW,
        "number matching ({}): the PingOne MFA adapter's PUSH_CONFIRMATION_WAITING model has no number",
        &[("matchNumber", &[Got("/matchNumber")])],
    ),
    // The customer server's Moderno answers (and the transfer's request).
    mark(
        Customer,
        MODERNO,
        "number matching ({}): Ping's Moderno has none",
        &[("matchNumber", &[Got("/matchNumber")])],
    ),
    mark(
        Customer,
        MODERNO,
        "status {}: the emulator's own codes 1030–1034, where Ping's sample answers 1000",
        &[
            ("1030", &[GotAs("/status", "1030")]),
            ("1031", &[GotAs("/status", "1031")]),
            ("1032", &[GotAs("/status", "1032")]),
            ("1033", &[GotAs("/status", "1033")]),
            ("1034", &[GotAs("/status", "1034")]),
        ],
    ),
    mark(
        Customer,
        MODERNO,
        "Moderno fields Ping's sample lacks ({})",
        &[
            ("sessionToken", &[Got("/sessionToken")]),
            ("mfa", &[Got("/mfa")]),
            ("pushExpiresIn", &[Got("/pushExpiresIn")]),
            ("otpAttemptsLeft", &[Got("/otpAttemptsLeft")]),
            ("sessionToken", &[Operation("transfer"), Sent("/sessionToken")]),
            ("recipient", &[Operation("transfer"), Sent("/recipient")]),
        ],
    ),
    // The PingID SDK server: number matching, limits, additions to Ping's models.
    mark(
        PingIdSdk,
        EVERYWHERE,
        "number matching ({}): Ping's SDK has none",
        &[
            ("matchNumber", &[Got("/matchNumber")]),
            ("numberChoices", &[Got("/0/numberChoices")]),
            ("number", &[Sent("/number")]),
        ],
    ),
    mark(
        PingIdSdk,
        EVERYWHERE,
        "a limit Ping does not have ({}: pushes per user, pairing-key guesses)",
        &[("RETRY_LIMIT_EXCEEDED", &[GotAs("/details/0/code", "RETRY_LIMIT_EXCEEDED")])],
    ),
    mark(
        PingIdSdk,
        concat!(user!("/authentications"), "|", user!("/authentications/*"), "|", user!("/authentications/*/otp")),
        "Authentication fields Ping's model lacks ({})",
        &[
            ("otpAttemptsLeft", &[Got("/otpAttemptsLeft")]),
            ("expiresAt", &[Got("/expiresAt")]),
            ("devices", &[Got("/devices")]),
        ],
    ),
    mark(
        PingIdSdk,
        account!("/**"),
        "Device fields Ping's model lacks ({})",
        &[("lastUsed", &[GotKey("lastUsed")]), ("deviceType Desktop", &[GotKeyAs("deviceType", "Desktop")])],
    ),
];

/// Ping's documents, as the inspector cites them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Doc {
    FirstDevice,
    TrustedDevices,
    ModernoSample,
    PfPairing,
    /// The same two documents, where the SDK component talks to the SDK server: Ping does not
    /// publish that protocol, so the emulator's device API stands in.
    FirstDeviceOverDeviceApi,
    TrustedDevicesOverDeviceApi,
    /// PingOne's pairing flows, where the mobile SDK talks to PingOne MFA (the device API).
    P1DeviceApi,
    /// The PingID SDK server API's devices.
    DevicesApi,
}

impl Doc {
    const fn cite(self) -> &'static str {
        match self {
            Self::FirstDevice => "PingID SDK guide, “Pair first device”: https://apidocs.pingidentity.com/pingid-sdk/guide/overview/pid_c_SDKpairFirstDevice",
            Self::TrustedDevices => "PingID SDK guide, “Network of trusted devices”: https://apidocs.pingidentity.com/pingid-sdk/guide/overview/pid_c_SDKnetworkTrustedDevices",
            Self::ModernoSample => "Ping's Moderno sample (customer server and apps): https://apidocs.pingidentity.com/pingid-sdk/guide/getting-started/pid_t_SDKimplementServer",
            Self::PfPairing => "PingOne MFA integration kit, “Device pairing flows”: https://docs.pingidentity.com/integrations/pingone/pingone_mfa_integration_kit/pf_p1_mfa_ik_device_pairing_flows.html",
            Self::FirstDeviceOverDeviceApi => "PingID SDK guide, “Pair first device”: https://apidocs.pingidentity.com/pingid-sdk/guide/overview/pid_c_SDKpairFirstDevice (Ping does not publish how its SDK talks to its server: here over the emulator's device API, docs/api/device-api.md)",
            Self::TrustedDevicesOverDeviceApi => "PingID SDK guide, “Network of trusted devices”: https://apidocs.pingidentity.com/pingid-sdk/guide/overview/pid_c_SDKnetworkTrustedDevices (Ping does not publish how its SDK talks to its server: here over the emulator's device API, docs/api/device-api.md)",
            Self::P1DeviceApi => "PingOne MFA integration kit, “Device pairing flows”: https://docs.pingidentity.com/integrations/pingone/pingone_mfa_integration_kit/pf_p1_mfa_ik_device_pairing_flows.html (the mobile SDK talks to PingOne MFA over the emulator's device API)",
            Self::DevicesApi => "PingID SDK server API, “User devices”: https://apidocs.pingidentity.com/pingid-sdk/guide/server-api/pid_c_SDKapiUserDevices",
        }
    }
}

/// PingFederate's answer to an action: its flow status, in the integration kit's words.
fn answer_of(x: &Exchange<'_>) -> Option<String> {
    if x.status >= 400 {
        return Some("refused".into());
    }
    let status = x.response?.get("status")?.as_str()?;
    let words = ANSWERS.iter().find(|(s, _)| *s == status).map_or(status, |(_, words)| words);
    Some(words.to_owned())
}
