//! Pairing key codes in PingOne's format: 12 digits (MFA settings `pairing.pairingKeyFormat`
//! NUMERIC, "12-digit key": `patrickcping/pingone-go-sdk-v2:mfa/generate/pingone-mfa.yml`; Ping's
//! "Create MFA Pairing Key" example answers `"code": "01882778807215"`). Spaces and dashes typed
//! between the digits are ignored.
//!
//! 12 digits are about 40 bits. With at most 20 valid keys per user, keys living 10 minutes and
//! the guess limits (10 wrong keys per device and per named user, 100 for everyone, per 10
//! minutes), a guesser's odds over the whole environment at 2,000 valid keys are about 2^-22 per
//! window.

/// Digits in a code.
pub const CODE_DIGITS: usize = 12;

/// A new code from `below_10` (a uniform draw in 0..10 per call).
pub fn generate(mut below_10: impl FnMut() -> u32) -> String {
    (0..CODE_DIGITS).map(|_| char::from_digit(below_10() % 10, 10).unwrap_or('0')).collect()
}

/// The code as typed, spaces and dashes dropped; `None` unless exactly 12 digits remain.
pub fn normalize(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    (code.len() == CODE_DIGITS && code.chars().all(|c| c.is_ascii_digit())).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_twelve_digits_and_typing_spaces_or_dashes_changes_nothing() {
        let mut digits = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8].into_iter();
        let code = generate(|| digits.next().unwrap_or(0));
        assert_eq!(code, "314159265358");
        assert_eq!(normalize("3141 5926-5358").as_deref(), Some("314159265358"));
        assert_eq!(normalize("31415926535"), None, "eleven digits");
        assert_eq!(normalize("3141592653589"), None, "thirteen digits");
        assert_eq!(normalize("BCDF-GHJK-LMNP"), None, "letters");
    }
}
