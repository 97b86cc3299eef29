//! What the server remembers about a device fingerprint for a user: ignored (until when),
//! blocked, and whether it was ever paired (so pairing again answers RE_PAIR_SUCCESS).

use moderno_sql::{Conn, OptionalExtension as _};

/// How long a fingerprint is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    Until(i64),
    Forever,
}

/// The ignore in force now, if any.
pub fn ignored_now(
    conn: &Conn<'_>,
    username: &str,
    application_id: &str,
    fingerprint: &str,
    now_ms: i64,
) -> moderno_sql::Result<Option<Ignored>> {
    let until: Option<Option<i64>> = conn
        .query_row(
            "SELECT until FROM ignored_devices WHERE username = ?1 AND application_id = ?2 AND fingerprint = ?3",
            (username, application_id, fingerprint),
            |r| r.get(0),
        )
        .optional()?;
    Ok(match until {
        None => None,
        Some(None) => Some(Ignored::Forever),
        Some(Some(t)) if t > now_ms => Some(Ignored::Until(t)),
        Some(Some(_)) => None,
    })
}

pub fn ignore(
    conn: &Conn<'_>,
    username: &str,
    application_id: &str,
    fingerprint: &str,
    until: Ignored,
) -> moderno_sql::Result<()> {
    let until = match until {
        Ignored::Until(t) => Some(t),
        Ignored::Forever => None,
    };
    conn.execute(
        "INSERT INTO ignored_devices (username, application_id, fingerprint, until) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (username, application_id, fingerprint) DO UPDATE SET until = excluded.until",
        (username, application_id, fingerprint, until),
    )?;
    Ok(())
}

pub fn forget_ignore(
    conn: &Conn<'_>,
    username: &str,
    application_id: &str,
    fingerprint: &str,
) -> moderno_sql::Result<()> {
    conn.execute(
        "DELETE FROM ignored_devices WHERE username = ?1 AND application_id = ?2 AND fingerprint = ?3",
        (username, application_id, fingerprint),
    )?;
    Ok(())
}

pub fn is_blocked(
    conn: &Conn<'_>,
    username: &str,
    application_id: &str,
    fingerprint: &str,
) -> moderno_sql::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM blocked_devices WHERE username = ?1 AND application_id = ?2 AND fingerprint = ?3)",
        (username, application_id, fingerprint),
        |r| r.get(0),
    )
}

pub fn block(
    conn: &Conn<'_>,
    username: &str,
    application_id: &str,
    fingerprint: &str,
    now_ms: i64,
) -> moderno_sql::Result<()> {
    conn.execute(
        "INSERT INTO blocked_devices (username, application_id, fingerprint, blocked_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (username, application_id, fingerprint) DO NOTHING",
        (username, application_id, fingerprint, now_ms),
    )?;
    Ok(())
}

/// Records a pairing; true when the fingerprint had been paired with this user before.
pub fn record_pairing(
    conn: &Conn<'_>,
    username: &str,
    application_id: &str,
    fingerprint: &str,
) -> moderno_sql::Result<bool> {
    let inserted = conn.execute(
        "INSERT INTO pairing_history (username, application_id, fingerprint) VALUES (?1, ?2, ?3)
         ON CONFLICT (username, application_id, fingerprint) DO NOTHING",
        (username, application_id, fingerprint),
    )?;
    Ok(inserted == 0)
}
