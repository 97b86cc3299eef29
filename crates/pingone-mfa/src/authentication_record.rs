//! The stored shape of a device authentication and the names its enums take in the database.
//!
//! The stored status is finer than PingOne's: a denied push and locked passcodes are kept apart
//! here and shown as PingOne's `FAILED` with an `error` (see `authentication::describe`).

use moderno_sql::{params, Conn, OptionalExtension};

use crate::pairing::{issue_pairing_token, PairingDevice};
use crate::{ApiError, State};

/// Where a device authentication stands, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    DeviceSelectionRequired,
    PushConfirmationWaiting,
    PushConfirmationRejected,
    PushConfirmationTimedOut,
    OtpRequired,
    Completed,
    /// One-time passcodes are locked for the user (three wrong ones).
    Blocked,
    Failed,
}

/// How a completed device authentication was passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthenticationMethod {
    /// The mobile payload came from a device already paired with the user (device authorization).
    MobilePayload,
    /// The user has no device yet: MFA is bypassed and the payload's device is offered pairing
    /// (the integration kit: "if bypassed, the automatic pairing flow continues").
    Bypassed,
    Push,
    Otp,
}

#[derive(Debug, Clone)]
pub struct AuthRow {
    pub id: String,
    pub username: String,
    pub status: Status,
    pub selected_device_id: Option<String>,
    pub otp_hash: Option<String>,
    pub otp_expires_at: Option<i64>,
    pub push_expires_at: Option<i64>,
    pub failure_reason: Option<String>,
    pub expires_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Number matching: the number the signing-in device shows while the push waits.
    pub match_number: Option<u8>,
    /// The device authentication policy applied (`None`: rows written before policies).
    pub policy_id: Option<String>,
    /// The pairing ID token for the unpaired device that sent its payload, once completed, and
    /// the pairing it offers.
    pub id_token: Option<String>,
    pub pairing_id: Option<String>,
}

impl AuthRow {
    /// A push nobody answered in time reads as timed out.
    pub fn effective_status(&self, now: i64) -> Status {
        match (self.status, self.push_expires_at) {
            (Status::PushConfirmationWaiting, Some(expires)) if expires <= now => Status::PushConfirmationTimedOut,
            (status, _) => status,
        }
    }
}

const STATUSES: [(Status, &str); 8] = [
    (Status::DeviceSelectionRequired, "DEVICE_SELECTION_REQUIRED"),
    (Status::PushConfirmationWaiting, "PUSH_CONFIRMATION_WAITING"),
    (Status::PushConfirmationRejected, "PUSH_CONFIRMATION_REJECTED"),
    (Status::PushConfirmationTimedOut, "PUSH_CONFIRMATION_TIMED_OUT"),
    (Status::OtpRequired, "OTP_REQUIRED"),
    (Status::Completed, "COMPLETED"),
    (Status::Blocked, "BLOCKED"),
    (Status::Failed, "FAILED"),
];

pub fn status_name(status: Status) -> &'static str {
    STATUSES.iter().find(|(s, _)| *s == status).map_or("FAILED", |(_, n)| n)
}

fn status_from_name(name: &str) -> Status {
    STATUSES.iter().find(|(_, n)| *n == name).map_or(Status::Failed, |(s, _)| *s)
}

pub fn method_name(method: AuthenticationMethod) -> &'static str {
    match method {
        AuthenticationMethod::MobilePayload => "MOBILE_PAYLOAD",
        AuthenticationMethod::Bypassed => "BYPASSED",
        AuthenticationMethod::Push => "PUSH",
        AuthenticationMethod::Otp => "OTP",
    }
}

pub fn read_auth(tx: &Conn<'_>, user: &str, id: &str) -> Result<AuthRow, ApiError> {
    tx.query_row(
        "SELECT id, username, status, selected_device_id, otp_hash, otp_expires_at,
                push_expires_at, failure_reason, expires_at, match_number, created_at, COALESCE(updated_at, created_at),
                policy_id, id_token, pairing_id
         FROM authentications WHERE id = ?1 AND username = ?2",
        params![id, user],
        |r| {
            Ok(AuthRow {
                id: r.get(0)?,
                username: r.get(1)?,
                status: status_from_name(&r.get::<_, String>(2)?),
                selected_device_id: r.get(3)?,
                otp_hash: r.get(4)?,
                otp_expires_at: r.get(5)?,
                push_expires_at: r.get(6)?,
                failure_reason: r.get(7)?,
                expires_at: r.get(8)?,
                match_number: r.get(9)?,
                created_at: r.get(10)?,
                updated_at: r.get(11)?,
                policy_id: r.get(12)?,
                id_token: r.get(13)?,
                pairing_id: r.get(14)?,
            })
        },
    )
    .optional()?
    .ok_or(ApiError::NotFound("device authentication"))
}

/// The authentication `id`, whoever it is for (the auth path names no user).
pub fn read_auth_by_id(tx: &Conn<'_>, id: &str) -> Result<AuthRow, ApiError> {
    let user: String = tx
        .query_row("SELECT username FROM authentications WHERE id = ?1", params![id], |r| r.get(0))
        .optional()?
        .ok_or(ApiError::NotFound("device authentication"))?;
    read_auth(tx, &user, id)
}

pub fn set_status(tx: &Conn<'_>, id: &str, status: Status, now: i64) -> Result<(), ApiError> {
    tx.execute(
        "UPDATE authentications SET status = ?1, updated_at = ?2 WHERE id = ?3",
        params![status_name(status), now, id],
    )?;
    Ok(())
}

/// Completes the authentication. When it carried an unpaired device's payload, that device is
/// offered pairing (once): the pairing ID token is kept for the COMPLETED answer. A pairing
/// PingOne refuses (device paired meanwhile, no room) leaves the authentication completed without
/// a token.
pub fn complete(
    tx: &Conn<'_>,
    state: &State,
    id: &str,
    method: AuthenticationMethod,
    now: i64,
) -> Result<(), ApiError> {
    tx.execute("UPDATE authentications SET method = ?1 WHERE id = ?2", params![method_name(method), id])?;
    set_status(tx, id, Status::Completed, now)?;
    let (username, fingerprint, public_key, name, paired): (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        bool,
    ) = tx.query_row(
        "SELECT username, req_fingerprint, req_public_key, req_name, paired FROM authentications WHERE id = ?1",
        params![id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let (Some(fingerprint), Some(public_key), Some(name)) = (fingerprint, public_key, name) else {
        return Ok(());
    };
    if paired {
        return Ok(());
    }
    tx.execute("UPDATE authentications SET paired = 1 WHERE id = ?1", params![id])?;
    match issue_pairing_token(tx, state, &username, &PairingDevice { fingerprint, public_key, name }) {
        Ok((pairing_id, token)) => {
            tx.execute(
                "UPDATE authentications SET id_token = ?1, pairing_id = ?2 WHERE id = ?3",
                params![token, pairing_id, id],
            )?;
            Ok(())
        }
        Err(ApiError::Invalid { code, .. }) => {
            tracing::warn!(code, "the new device cannot be paired");
            Ok(())
        }
        Err(other) => Err(other),
    }
}
