//! Per-application settings (Ping's admin portal): enabled, pairing mode, device selection,
//! device limit, offline OTP lifetime and lockout, number matching (beyond Ping, off by default).

use moderno_sql::{Conn, OptionalExtension as _};
use moderno_wire::sdk::{ApplicationSettings, DeviceSelection, PairingMode};

use super::Text;

pub fn defaults() -> ApplicationSettings {
    ApplicationSettings {
        enabled: true,
        pairing_mode: PairingMode::Automatic,
        device_selection: DeviceSelection::DefaultToPrimary,
        max_devices_per_user: 5,
        otp_lifetime_minutes: 30,
        number_matching: false,
        otp_max_failures: 3,
        otp_lock_minutes: 15,
    }
}

pub fn ensure_defaults(conn: &Conn<'_>, application_id: &str) -> moderno_sql::Result<()> {
    if get(conn, application_id)?.is_none() {
        put(conn, application_id, &defaults())?;
    }
    Ok(())
}

pub fn get(conn: &Conn<'_>, application_id: &str) -> moderno_sql::Result<Option<ApplicationSettings>> {
    conn.query_row(
        "SELECT enabled, pairing_mode, device_selection, max_devices_per_user, otp_lifetime_minutes, number_matching,
                otp_max_failures, otp_lock_minutes
         FROM application_settings WHERE application_id = ?1",
        [application_id],
        |r| {
            Ok(ApplicationSettings {
                enabled: r.get(0)?,
                pairing_mode: r.get::<_, Text<_>>(1)?.0,
                device_selection: r.get::<_, Text<_>>(2)?.0,
                max_devices_per_user: r.get(3)?,
                otp_lifetime_minutes: r.get(4)?,
                number_matching: r.get(5)?,
                otp_max_failures: r.get(6)?,
                otp_lock_minutes: r.get(7)?,
            })
        },
    )
    .optional()
}

pub fn put(conn: &Conn<'_>, application_id: &str, s: &ApplicationSettings) -> moderno_sql::Result<()> {
    conn.execute(
        "INSERT INTO application_settings
           (application_id, enabled, pairing_mode, device_selection, max_devices_per_user, otp_lifetime_minutes,
            number_matching, otp_max_failures, otp_lock_minutes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (application_id) DO UPDATE SET enabled = excluded.enabled,
           pairing_mode = excluded.pairing_mode, device_selection = excluded.device_selection,
           max_devices_per_user = excluded.max_devices_per_user, otp_lifetime_minutes = excluded.otp_lifetime_minutes,
           number_matching = excluded.number_matching, otp_max_failures = excluded.otp_max_failures,
           otp_lock_minutes = excluded.otp_lock_minutes",
        (
            application_id,
            s.enabled,
            Text(s.pairing_mode),
            Text(s.device_selection),
            s.max_devices_per_user,
            s.otp_lifetime_minutes,
            s.number_matching,
            s.otp_max_failures,
            s.otp_lock_minutes,
        ),
    )?;
    Ok(())
}
