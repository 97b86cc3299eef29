//! A TOTP authenticator app on the device: the secret PingOne MFA shows once when a TOTP device
//! is created (`POST .../devices {type: TOTP}` answers `secret`, base32), and the 6-digit codes
//! it gives every 30 seconds (`moderno_crypto::totp`, RFC 6238 with SHA-1).

use data_encoding::BASE32_NOPAD;
use moderno_crypto::{totp, Secret};
use zeroize::Zeroizing;

use crate::error::DeviceError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TotpAuthenticator {
    secret: Secret<Vec<u8>>,
    /// The user the TOTP device belongs to.
    pub username: String,
    /// PingOne's id of the TOTP device, when known.
    pub device_id: Option<String>,
}

impl TotpAuthenticator {
    /// From the base32 secret as PingOne shows it (padding, case and spaces forgiven).
    pub fn from_base32(secret: &str, username: &str, device_id: Option<String>) -> Result<Self, DeviceError> {
        let secret = decode_base32_secret(secret)
            .ok_or_else(|| DeviceError::InvalidInput("the TOTP secret is not base32 (A-Z, 2-7)".into()))?;
        Ok(Self::from_bytes(secret, username, device_id))
    }

    pub(crate) fn from_bytes(secret: Secret<Vec<u8>>, username: &str, device_id: Option<String>) -> Self {
        Self { secret, username: username.to_string(), device_id }
    }

    pub(crate) fn secret(&self) -> &Secret<Vec<u8>> {
        &self.secret
    }

    /// The code shown at `unix` seconds.
    pub fn code_at(&self, unix: i64) -> String {
        totp::code_at(self.secret.expose(), unix)
    }
}

/// Base32 (RFC 4648) as servers and people write it (padding, case and spaces forgiven); `None`
/// when it is not, or empty. The SDK server's pairing answer and PingOne's TOTP device both use it.
pub(crate) fn decode_base32_secret(text: &str) -> Option<Secret<Vec<u8>>> {
    let cleaned: Zeroizing<String> = Zeroizing::new(
        text.chars().filter(|c| !c.is_whitespace() && *c != '=').collect::<String>().to_ascii_uppercase(),
    );
    BASE32_NOPAD.decode(cleaned.as_bytes()).ok().filter(|b| !b.is_empty()).map(Secret::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authenticator_shows_rfc_6238s_codes_and_hides_its_secret() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", T = 59 s -> 94287082 (8 digits).
        let secret = BASE32_NOPAD.encode(b"12345678901234567890");
        let spaced = format!("{} {}==", &secret[..8].to_lowercase(), &secret[8..]);
        let app = TotpAuthenticator::from_base32(&spaced, "alice", None).expect("reads");
        assert_eq!(app.code_at(59), "287082");
        let text = format!("{app:?} {app:#?}");
        assert!(!text.contains(&secret[..8]) && !text.contains("49, 50"), "{text}");
        assert!(text.contains("alice") && text.contains("[redacted]"), "{text}");
        assert_eq!(
            TotpAuthenticator::from_base32("not base32!", "a", None).err().map(|e| e.code().as_str()),
            Some("invalid_input")
        );
        assert!(decode_base32_secret("").is_none());
        assert!(decode_base32_secret("not base32!").is_none());
        let padded = format!("{secret}====");
        assert_eq!(
            decode_base32_secret(&padded).as_ref().map(|s| s.expose().as_slice()),
            Some(&b"12345678901234567890"[..])
        );
    }
}
