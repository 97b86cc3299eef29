//! RFC 6238 TOTP (HMAC-SHA1, 30-second steps, 6 digits) for the offline one-time passcode a
//! trusted device shows when it cannot be reached.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

/// The time step containing `unix`.
pub fn step_at(unix: i64) -> i64 {
    unix.div_euclid(STEP_SECONDS)
}

/// RFC 4226 HOTP of `counter`.
pub fn hotp(secret: &[u8], counter: u64) -> String {
    let mut mac =
        <Hmac<Sha1> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    format!("{:0width$}", bin % 10u32.pow(DIGITS), width = DIGITS as usize)
}

/// The code for the step containing `unix`.
pub fn code_at(secret: &[u8], unix: i64) -> String {
    hotp(secret, u64::try_from(step_at(unix)).unwrap_or(0))
}

/// Checks `code` against the current step and the one before (one step of drift), never
/// accepting a step at or before `last_used_step` (RFC 6238 section 5.2). Returns the matching
/// step, which the caller must store as the new `last_used_step`.
pub fn verify(secret: &[u8], code: &str, unix: i64, last_used_step: Option<i64>) -> Option<i64> {
    let now = step_at(unix);
    [now, now - 1].into_iter().filter(|step| *step >= 0 && last_used_step.is_none_or(|last| *step > last)).find(
        |step| {
            let expected = hotp(secret, u64::try_from(*step).unwrap_or(0));
            bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn matches_the_rfc_6238_sha1_vectors_truncated_to_six_digits() {
        // RFC 6238 appendix B gives 8 digits; the last 6 are the 6-digit code.
        for (t, eight) in
            [(59, "94287082"), (1_111_111_109, "07081804"), (1_234_567_890, "89005924"), (2_000_000_000, "69279037")]
        {
            assert_eq!(code_at(RFC_SECRET, t), eight[2..], "at t={t}");
        }
    }

    #[test]
    fn accepts_one_step_of_drift_and_never_the_same_step_twice() {
        let t = 1_234_567_890;
        let code = code_at(RFC_SECRET, t);
        let step = verify(RFC_SECRET, &code, t + STEP_SECONDS, None).expect("previous step accepted");
        assert_eq!(step, step_at(t));
        assert_eq!(verify(RFC_SECRET, &code, t, Some(step)), None, "reuse refused");
        assert_eq!(verify(RFC_SECRET, &code, t + 2 * STEP_SECONDS, None), None, "two steps late refused");
        assert_eq!(verify(RFC_SECRET, "000000", t, None).filter(|_| code != "000000"), None);
    }
}
