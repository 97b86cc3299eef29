//! Paired devices. A fingerprint is paired with at most one user; a user has at most one primary
//! per application (both enforced by unique indexes as well).

use moderno_sql::{Conn, OptionalExtension as _, Row};
use moderno_wire::sdk::{Device, DeviceRole, DeviceType};

use super::Text;
use crate::timestamps::rfc3339;

#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub id: String,
    pub username: String,
    pub application_id: String,
    pub fingerprint: String,
    pub public_key: String,
    pub device_type: DeviceType,
    pub name: String,
    pub nickname: String,
    pub role: DeviceRole,
    pub enrolled: i64,
    pub os_version: String,
    pub rooted: bool,
    pub last_totp_step: Option<i64>,
    pub last_seen: Option<i64>,
    pub last_used: Option<i64>,
}

impl DeviceRow {
    pub fn to_wire(&self) -> Device {
        Device {
            id: self.id.clone(),
            device_type: self.device_type,
            device_fingerprint: self.fingerprint.clone(),
            device_name: self.name.clone(),
            device_nickname: self.nickname.clone(),
            device_role: self.role,
            enrollment_time: rfc3339(self.enrolled),
            application_id: self.application_id.clone(),
            bypass_expiration: None,
            bypassed: false,
            rooted: self.rooted,
            last_used: self.last_used.map(rfc3339),
        }
    }

    /// Polled for pushes within `window_ms` of now.
    pub fn is_online(&self, now_ms: i64, window_ms: i64) -> bool {
        self.last_seen.is_some_and(|seen| now_ms - seen <= window_ms)
    }
}

const COLUMNS: &str = "id, username, application_id, fingerprint, public_key, device_type, name, nickname, role,
                       enrolled, os_version, rooted, last_totp_step, last_seen, last_used";

fn from_row(r: &Row) -> moderno_sql::Result<DeviceRow> {
    Ok(DeviceRow {
        id: r.get(0)?,
        username: r.get(1)?,
        application_id: r.get(2)?,
        fingerprint: r.get(3)?,
        public_key: r.get(4)?,
        device_type: r.get::<_, Text<_>>(5)?.0,
        name: r.get(6)?,
        nickname: r.get(7)?,
        role: r.get::<_, Text<_>>(8)?.0,
        enrolled: r.get(9)?,
        os_version: r.get(10)?,
        rooted: r.get(11)?,
        last_totp_step: r.get(12)?,
        last_seen: r.get(13)?,
        last_used: r.get(14)?,
    })
}

/// The user's devices in the application, the primary first, then by enrollment.
pub fn of_user(conn: &Conn<'_>, username: &str, application_id: &str) -> moderno_sql::Result<Vec<DeviceRow>> {
    conn.query_map(
        &format!(
            "SELECT {COLUMNS} FROM devices WHERE username = ?1 AND application_id = ?2
             ORDER BY CASE WHEN role = 'PRIMARY' THEN 0 ELSE 1 END, enrolled, id"
        ),
        (username, application_id),
        from_row,
    )
}

pub fn by_id(conn: &Conn<'_>, id: &str) -> moderno_sql::Result<Option<DeviceRow>> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM devices WHERE id = ?1"), [id], from_row).optional()
}

pub fn by_fingerprint(conn: &Conn<'_>, fingerprint: &str) -> moderno_sql::Result<Option<DeviceRow>> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM devices WHERE fingerprint = ?1"), [fingerprint], from_row).optional()
}

pub fn insert(conn: &Conn<'_>, d: &DeviceRow) -> moderno_sql::Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO devices ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
        ),
        moderno_sql::params![
            d.id,
            d.username,
            d.application_id,
            d.fingerprint,
            d.public_key,
            Text(d.device_type),
            d.name,
            d.nickname,
            Text(d.role),
            d.enrolled,
            d.os_version,
            d.rooted,
            d.last_totp_step,
            d.last_seen,
            d.last_used
        ],
    )?;
    Ok(())
}

pub fn delete(conn: &Conn<'_>, id: &str) -> moderno_sql::Result<()> {
    conn.execute("DELETE FROM devices WHERE id = ?1", [id])?;
    Ok(())
}

pub fn set_role(conn: &Conn<'_>, id: &str, role: DeviceRole) -> moderno_sql::Result<()> {
    conn.execute("UPDATE devices SET role = ?2 WHERE id = ?1", (id, Text(role)))?;
    Ok(())
}

/// Demotes the user's primary (if any) to TRUSTED.
pub fn demote_primary(conn: &Conn<'_>, username: &str, application_id: &str) -> moderno_sql::Result<()> {
    conn.execute(
        "UPDATE devices SET role = 'TRUSTED' WHERE username = ?1 AND application_id = ?2 AND role = 'PRIMARY'",
        (username, application_id),
    )?;
    Ok(())
}

pub fn set_nickname(conn: &Conn<'_>, id: &str, nickname: &str) -> moderno_sql::Result<()> {
    conn.execute("UPDATE devices SET nickname = ?2 WHERE id = ?1", (id, nickname))?;
    Ok(())
}

/// The device proved itself now: its payload signed a login in, it approved a push, or its
/// passcode was accepted.
pub fn set_last_used(conn: &Conn<'_>, id: &str, now_ms: i64) -> moderno_sql::Result<()> {
    conn.execute("UPDATE devices SET last_used = ?2 WHERE id = ?1", (id, now_ms))?;
    Ok(())
}

pub fn set_last_seen(conn: &Conn<'_>, id: &str, now_ms: i64) -> moderno_sql::Result<()> {
    conn.execute("UPDATE devices SET last_seen = ?2 WHERE id = ?1", (id, now_ms))?;
    Ok(())
}

pub fn set_last_totp_step(conn: &Conn<'_>, id: &str, step: i64) -> moderno_sql::Result<()> {
    conn.execute("UPDATE devices SET last_totp_step = ?2 WHERE id = ?1", (id, step))?;
    Ok(())
}
