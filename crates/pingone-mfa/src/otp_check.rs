//! One-time passcodes: sending SMS and e-mail codes to the outbox, checking them and TOTP codes,
//! and the limit (three wrong codes in a row lock the device's passcodes for 15 minutes). Every check runs
//! in the caller's transaction, so parallel guesses are counted one by one.

use moderno_crypto::totp;
use moderno_sql::{params, Conn};
use moderno_wire::pingone::MfaDeviceType;
use subtle::ConstantTimeEq;

use crate::authentication_record::{complete, set_status, AuthRow, AuthenticationMethod, Status};
use crate::device_identity::totp_secret;
use crate::store::DeviceRow;
use crate::{ApiError, State};

/// The outcome of one passcode check.
pub struct Verdict {
    pub valid: bool,
    /// After a wrong code that did not block.
    pub attempts_left: Option<u32>,
}

fn code_hash(state: &State, auth_id: &str, code: &str) -> String {
    state.pepper().hash(&format!("otp:{auth_id}:{code}"))
}

/// Generates a 6-digit code for an SMS or e-mail device and "sends" it to the outbox.
pub fn send_code(tx: &Conn<'_>, state: &State, auth_id: &str, device: &DeviceRow) -> Result<(), ApiError> {
    let now = state.now();
    let code = format!("{:06}", state.entropy().below(1_000_000));
    let channel = if device.device_type == MfaDeviceType::Sms { "SMS" } else { "EMAIL" };
    tx.execute(
        "UPDATE authentications SET otp_hash = ?1, otp_expires_at = ?2 WHERE id = ?3",
        params![code_hash(state, auth_id, &code), now + state.config().otp_lifetime.num_seconds(), auth_id],
    )?;
    let minutes = state.config().otp_lifetime.num_minutes();
    tx.execute(
        "INSERT INTO outbox (id, username, channel, to_addr, text, otp, sent_at, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox WHERE username = ?2))",
        params![
            state.entropy().uuid(),
            device.username,
            channel,
            device.name,
            format!("Your Moderno sign-in passcode is {code}. It expires in {minutes} minutes."),
            code,
            now
        ],
    )?;
    tracing::info!(device_id = %device.id, channel, "passcode sent to the outbox");
    Ok(())
}

/// Checks `code` for the authentication's selected device and applies the result. Failures count
/// per device, as PingOne's policies count them per method (`otp.failure.count`, then a
/// `coolDown`; the PingOne MFA SDK: "the OTP can be verified within 3 attempts in every 15
/// minutes"): the device is then locked (`lock.status` LOCKED, `lock.expiresAt`).
pub fn check_code(
    tx: &Conn<'_>,
    state: &State,
    auth: &AuthRow,
    device: &DeviceRow,
    code: &str,
) -> Result<Verdict, ApiError> {
    let now = state.now();
    if device.locked_at(now).is_some() {
        set_status(tx, &auth.id, Status::Blocked, now)?;
        return Ok(Verdict { valid: false, attempts_left: None });
    }
    let wrong_anyway = state.config().faults.is_on(moderno_ambient::Fault::WrongPasscodes);
    let valid = !wrong_anyway
        && match device.device_type {
            MfaDeviceType::Totp | MfaDeviceType::Mobile => {
                let step = totp::verify(&totp_secret(state, &device.id), code, now, device.last_totp_step);
                if let Some(step) = step {
                    tx.execute("UPDATE devices SET last_totp_step = ?1 WHERE id = ?2", params![step, device.id])?;
                }
                step.is_some()
            }
            MfaDeviceType::Sms | MfaDeviceType::Email => {
                let expected = auth.otp_hash.as_deref().unwrap_or_default();
                auth.otp_expires_at.is_some_and(|e| e > now)
                    && bool::from(code_hash(state, &auth.id, code).as_bytes().ct_eq(expected.as_bytes()))
            }
        };
    if valid {
        tx.execute("UPDATE devices SET otp_failures = 0 WHERE id = ?1", params![device.id])?;
        tx.execute("UPDATE authentications SET otp_hash = NULL WHERE id = ?1", params![auth.id])?;
        complete(tx, state, &auth.id, AuthenticationMethod::Otp, now)?;
        return Ok(Verdict { valid: true, attempts_left: None });
    }
    let failures: u32 = tx.query_row(
        "UPDATE devices SET otp_failures = otp_failures + 1 WHERE id = ?1 RETURNING otp_failures",
        params![device.id],
        |r| r.get(0),
    )?;
    let max = state.config().otp_max_attempts;
    if failures >= max {
        tx.execute(
            "UPDATE devices SET otp_failures = 0, locked_until = ?1, updated_at = ?2 WHERE id = ?3",
            params![now + state.config().otp_block.num_seconds(), now, device.id],
        )?;
        set_status(tx, &auth.id, Status::Blocked, now)?;
        tracing::warn!(device_id = %device.id, "device locked after too many wrong passcodes");
        return Ok(Verdict { valid: false, attempts_left: Some(0) });
    }
    Ok(Verdict { valid: false, attempts_left: Some(max - failures) })
}
