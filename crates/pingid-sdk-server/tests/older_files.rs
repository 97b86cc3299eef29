//! A database file written before number matching: opening it adds the new columns, keeps every
//! row, and the server works on it (the old settings row reads number matching on, an old device
//! answers a numbered push and then shows its last use).

mod common;

use std::path::Path;

use chrono::Duration;
use common::{start_time, Server, TestDevice, APP};
use moderno_wire::device_api::PushAnswer;
use moderno_wire::sdk::{Authentication, AuthenticationLevel, AuthenticationStatus, User};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// The three tables number matching grew, as the version before it (commit 31ff5bd) created
/// them. Frozen on purpose: never edit to follow `src/schema.sql`.
const TABLES_BEFORE_NUMBER_MATCHING: &str = "
CREATE TABLE application_settings (
    application_id       TEXT PRIMARY KEY,
    enabled              INTEGER NOT NULL,
    pairing_mode         TEXT NOT NULL,
    device_selection     TEXT NOT NULL,
    max_devices_per_user INTEGER NOT NULL,
    otp_lifetime_minutes INTEGER NOT NULL
);
CREATE TABLE devices (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL REFERENCES users(username),
    application_id TEXT NOT NULL,
    fingerprint    TEXT NOT NULL UNIQUE,
    public_key     TEXT NOT NULL,
    device_type    TEXT NOT NULL,
    name           TEXT NOT NULL,
    nickname       TEXT NOT NULL,
    role           TEXT NOT NULL,
    enrolled       INTEGER NOT NULL,
    os_version     TEXT NOT NULL,
    rooted         INTEGER NOT NULL,
    last_totp_step INTEGER,
    last_seen      INTEGER
);
CREATE TABLE authentications (
    id                    TEXT PRIMARY KEY,
    username              TEXT NOT NULL,
    application_id        TEXT NOT NULL,
    requesting_fp         TEXT,
    requesting_name       TEXT,
    requesting_type       TEXT,
    requesting_os         TEXT,
    approving_device_id   TEXT,
    status                TEXT NOT NULL,
    reason                TEXT,
    level                 TEXT NOT NULL,
    otp_failures          INTEGER NOT NULL DEFAULT 0,
    otp_any_device        INTEGER NOT NULL DEFAULT 0,
    push_title            TEXT,
    push_body             TEXT,
    client_context        TEXT,
    ip_address            TEXT,
    created               INTEGER NOT NULL,
    push_expires          INTEGER,
    session_expires       INTEGER NOT NULL,
    decided_at            INTEGER
);
";

/// Writes a file as the version before number matching did (its three tables as they were, the
/// others as today): its settings (not the defaults), alice, her paired primary `device` and one
/// approved authentication `old-auth`.
fn write_old_file(path: &Path, device: &TestDevice) {
    let now_ms = start_time().timestamp_millis();
    let conn = rusqlite::Connection::open(path).expect("a new file");
    conn.execute_batch(TABLES_BEFORE_NUMBER_MATCHING).expect("the old tables");
    conn.execute_batch(include_str!("../src/schema.sql")).expect("the tables that did not change");
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('authentications')")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("the columns");
    assert!(!columns.iter().any(|c| c == "match_number"), "the file is old: {columns:?}");
    conn.execute(
        "INSERT INTO application_settings
           (application_id, enabled, pairing_mode, device_selection, max_devices_per_user, otp_lifetime_minutes)
         VALUES (?1, 1, 'AUTOMATIC', 'DEFAULT_TO_PRIMARY', 3, 20)",
        [APP],
    )
    .expect("old settings");
    conn.execute(
        "INSERT INTO users (username, first_name, last_name, created) VALUES ('alice', 'Alice', 'Older', ?1)",
        [now_ms],
    )
    .expect("an old user");
    conn.execute(
        "INSERT INTO devices (id, username, application_id, fingerprint, public_key, device_type, name, nickname, role,
                              enrolled, os_version, rooted)
         VALUES ('old-device', 'alice', ?1, ?2, ?3, 'Desktop', 'Old desktop', '', 'PRIMARY', ?4, 'Linux', 0)",
        rusqlite::params![APP, device.fingerprint(), device.key.public_key_b64(), now_ms],
    )
    .expect("an old device");
    conn.execute(
        "INSERT INTO authentications (id, username, application_id, approving_device_id, status, level, created,
                                      session_expires, decided_at)
         VALUES ('old-auth', 'alice', ?1, 'old-device', 'APPROVED', 'MOBILE_PAYLOAD', ?2, ?3, ?2)",
        rusqlite::params![APP, now_ms, now_ms + Duration::minutes(30).num_milliseconds()],
    )
    .expect("an old authentication");
}

#[tokio::test]
async fn a_file_from_before_number_matching_opens_keeps_its_rows_and_takes_numbered_pushes() {
    if moderno_sql::testing::on_postgres() {
        return; // About an older release's SQLite file: PostgreSQL has no file from before.
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("sdk-before-number-matching.sqlite3");
    let primary = TestDevice::new(1);
    write_old_file(&path, &primary);

    let server = Server::start_with(|c| c.db_path = path.clone()).await;
    let settings = server.api(Method::GET, &server.app_path("/settings"), None).await.expect(StatusCode::OK).value();
    assert_eq!(settings["numberMatching"], true, "the old row reads the column's default: {settings}");
    assert_eq!(
        (settings["maxDevicesPerUser"].as_u64(), settings["otpLifetimeMinutes"].as_u64()),
        (Some(3), Some(20)),
        "and keeps its values: {settings}"
    );

    let old: Authentication = server.authentication("alice", "old-auth").await.expect(StatusCode::OK).json();
    assert_eq!((old.status, old.level), (AuthenticationStatus::Approved, AuthenticationLevel::MobilePayload));
    assert_eq!((old.device_id.as_deref(), old.match_number), (Some("old-device"), None), "{old:?}");
    let user: User = server
        .api(Method::GET, &server.user_path("alice", "?expand=devices"), None)
        .await
        .expect(StatusCode::OK)
        .json();
    let devices = user.devices.expect("the devices");
    assert_eq!(
        devices.iter().map(|d| (d.id.as_str(), d.last_used.is_none())).collect::<Vec<_>>(),
        [("old-device", true)]
    );

    primary.poll(&server).await;
    let laptop = TestDevice::new(2);
    let started = server.start_authentication("alice", &laptop.payload(&server.clock), json!({})).await;
    let waiting: Authentication = started.expect(StatusCode::CREATED).json();
    assert_eq!(waiting.status, AuthenticationStatus::InProgress, "{waiting:?}");
    assert!(waiting.match_number.is_some(), "the old file stores a number: {waiting:?}");
    let pushes = primary.poll(&server).await;
    assert_eq!(pushes.first().map(|p| p.number_choices.len()), Some(3), "{pushes:?}");
    let approved: Authentication = primary
        .answer(&server, &waiting.id, PushAnswer::approve(waiting.match_number))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(approved.status, AuthenticationStatus::Approved);
    let user: User = server.api(Method::GET, &server.user_path("alice", "?expand=devices"), None).await.json();
    assert!(user.devices.expect("the devices")[0].last_used.is_some(), "the old device records its use");
}
