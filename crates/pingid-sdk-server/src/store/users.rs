//! Users. Only an administrator's choice (SUSPENDED, BYPASS) is stored as a status; ACTIVE and
//! NOT_ACTIVE follow from whether the user has paired devices in the application being asked.

use moderno_sql::{Conn, OptionalExtension as _};
use moderno_wire::sdk::{CreateUser, User, UserStatus};

use super::Text;
use crate::timestamps::rfc3339;

#[derive(Debug, Clone)]
pub struct UserRow {
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub admin_status: Option<UserStatus>,
    pub bypass_expiration: Option<i64>,
    pub last_login: Option<i64>,
    pub otp_blocked_until: Option<i64>,
}

impl UserRow {
    pub fn is_suspended(&self) -> bool {
        self.admin_status == Some(UserStatus::Suspended)
    }

    /// BYPASS and not expired (no expiration: until an administrator lifts it).
    pub fn is_bypassed(&self, now_ms: i64) -> bool {
        self.admin_status == Some(UserStatus::Bypass) && self.bypass_expiration.is_none_or(|until| until > now_ms)
    }

    pub fn status(&self, has_devices: bool, now_ms: i64) -> UserStatus {
        if self.is_suspended() {
            UserStatus::Suspended
        } else if self.is_bypassed(now_ms) {
            UserStatus::Bypass
        } else if has_devices {
            UserStatus::Active
        } else {
            UserStatus::NotActive
        }
    }

    pub fn to_wire(&self, has_devices: bool, now_ms: i64) -> User {
        User {
            username: self.username.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            status: self.status(has_devices, now_ms),
            last_login: self.last_login.map(rfc3339),
            bypass_expiration: self.bypass_expiration.filter(|_| self.is_bypassed(now_ms)).map(rfc3339),
            user_in_bypass: self.is_bypassed(now_ms),
            devices: None,
        }
    }
}

pub fn get(conn: &Conn<'_>, username: &str) -> moderno_sql::Result<Option<UserRow>> {
    conn.query_row(
        "SELECT username, first_name, last_name, status, bypass_expiration, last_login, otp_blocked_until
         FROM users WHERE username = ?1",
        [username],
        |r| {
            Ok(UserRow {
                username: r.get(0)?,
                first_name: r.get(1)?,
                last_name: r.get(2)?,
                admin_status: r.get::<_, Option<Text<UserStatus>>>(3)?.map(|t| t.0),
                bypass_expiration: r.get(4)?,
                last_login: r.get(5)?,
                otp_blocked_until: r.get(6)?,
            })
        },
    )
    .optional()
}

/// False when the username is taken.
pub fn insert(conn: &Conn<'_>, user: &CreateUser, now_ms: i64) -> moderno_sql::Result<bool> {
    let inserted = conn.execute(
        "INSERT INTO users (username, first_name, last_name, created) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (username) DO NOTHING",
        (&user.username, &user.first_name, &user.last_name, now_ms),
    )?;
    Ok(inserted == 1)
}

pub fn set_admin_status(
    conn: &Conn<'_>,
    username: &str,
    status: Option<UserStatus>,
    bypass_expiration: Option<i64>,
) -> moderno_sql::Result<()> {
    conn.execute(
        "UPDATE users SET status = ?2, bypass_expiration = ?3 WHERE username = ?1",
        (username, status.map(Text), bypass_expiration),
    )?;
    Ok(())
}

pub fn set_last_login(conn: &Conn<'_>, username: &str, now_ms: i64) -> moderno_sql::Result<()> {
    conn.execute("UPDATE users SET last_login = ?2 WHERE username = ?1", (username, now_ms))?;
    Ok(())
}

pub fn set_otp_blocked_until(conn: &Conn<'_>, username: &str, until_ms: i64) -> moderno_sql::Result<()> {
    conn.execute("UPDATE users SET otp_blocked_until = ?2 WHERE username = ?1", (username, until_ms))?;
    Ok(())
}

/// Deletes the user and everything kept for them, in every application: devices (and notices
/// queued for them), registration tokens, authentications, ignore and block records, pairing
/// history, failed pairing-key guesses. Returns the ids of the devices removed.
pub fn delete_with_everything(conn: &Conn<'_>, username: &str) -> moderno_sql::Result<Vec<String>> {
    let device_ids = conn.query_map("SELECT id FROM devices WHERE username = ?1", [username], |r| r.get(0))?;
    for id in &device_ids {
        conn.execute("DELETE FROM device_notices WHERE device_id = ?1", [id])?;
    }
    for table in [
        "devices",
        "registration_tokens",
        "authentications",
        "ignored_devices",
        "blocked_devices",
        "pairing_history",
        "pairing_key_failures",
        "users",
    ] {
        conn.execute(&format!("DELETE FROM {table} WHERE username = ?1"), [username])?;
    }
    Ok(device_ids)
}
