//! Notices to a device about its user's other devices (added, removed): queued for each
//! recipient, delivered once, purged 30 days after the event.

use moderno_sql::{Conn, Row};
use moderno_wire::device_api::{DeviceNotice, DeviceNoticeKind, NoticeDevice};

use super::Text;
use crate::timestamps::rfc3339;

/// How long a notice is kept, delivered or not.
const KEEP_MS: i64 = 30 * 24 * 3600 * 1000;

fn purge(conn: &Conn<'_>, now_ms: i64) -> moderno_sql::Result<()> {
    conn.execute("DELETE FROM device_notices WHERE at < ?1", [now_ms - KEEP_MS])?;
    Ok(())
}

/// Queues `notice` for the device `recipient`.
pub fn queue(conn: &Conn<'_>, recipient: &str, notice: &DeviceNotice, at_ms: i64) -> moderno_sql::Result<()> {
    purge(conn, at_ms)?;
    conn.execute(
        "INSERT INTO device_notices (id, device_id, kind, device_name, device_type, device_role, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        moderno_sql::params![
            notice.id,
            recipient,
            Text(notice.kind),
            notice.device.device_name,
            Text(notice.device.device_type),
            notice.device.device_role.map(Text),
            at_ms
        ],
    )?;
    Ok(())
}

fn from_row(r: &Row) -> moderno_sql::Result<DeviceNotice> {
    Ok(DeviceNotice {
        id: r.get(0)?,
        kind: r.get::<_, Text<DeviceNoticeKind>>(1)?.0,
        device: NoticeDevice {
            device_name: r.get(2)?,
            device_type: r.get::<_, Text<_>>(3)?.0,
            device_role: r.get::<_, Option<Text<_>>>(4)?.map(|t| t.0),
        },
        at: rfc3339(r.get(5)?),
    })
}

/// The recipient's undelivered notices, oldest first, now marked delivered.
pub fn take_undelivered(conn: &Conn<'_>, recipient: &str, now_ms: i64) -> moderno_sql::Result<Vec<DeviceNotice>> {
    purge(conn, now_ms)?;
    let notices = conn.query_map(
        "SELECT id, kind, device_name, device_type, device_role, at FROM device_notices
         WHERE device_id = ?1 AND delivered = 0 ORDER BY at, id",
        [recipient],
        from_row,
    )?;
    conn.execute("UPDATE device_notices SET delivered = 1 WHERE device_id = ?1 AND delivered = 0", [recipient])?;
    Ok(notices)
}

/// Whether the recipient has an undelivered notice (a long poll's look between wake-ups).
pub fn has_undelivered(conn: &Conn<'_>, recipient: &str) -> moderno_sql::Result<bool> {
    conn.query_row("SELECT COUNT(*) FROM device_notices WHERE device_id = ?1 AND delivered = 0", [recipient], |r| {
        Ok(r.get::<_, i64>(0)? > 0)
    })
}

/// Drops everything queued for a device that is gone.
pub fn forget_recipient(conn: &Conn<'_>, recipient: &str) -> moderno_sql::Result<()> {
    conn.execute("DELETE FROM device_notices WHERE device_id = ?1", [recipient])?;
    Ok(())
}
