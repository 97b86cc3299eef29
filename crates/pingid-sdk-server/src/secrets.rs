//! The server's own secrets, all derived from one 32-byte seed: the key that signs server
//! payloads, the pepper that hashes stored secrets, and the master key for devices' TOTP secrets.
//!
//! The seed comes from configuration, or is drawn at first start and kept in the database (so a
//! restart keeps paired devices' OTP secrets valid). Production deployments should pass it in.

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use moderno_ambient::Entropy;
use moderno_crypto::device_key::DeviceKey;
use moderno_crypto::secret_hash::Pepper;
use moderno_crypto::Secret;
use moderno_sql::Conn;
use sha2::Sha256;
use zeroize::Zeroizing;

const SEED_KEY: &str = "secrets_seed";

#[derive(Debug)]
pub struct ServerSecrets {
    pub payload_key: DeviceKey,
    pub pepper: Pepper,
    otp_master: Secret<[u8; 32]>,
    grant_master: Secret<[u8; 32]>,
}

fn derive(seed: &[u8; 32], label: &str) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(seed).unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl ServerSecrets {
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self {
            payload_key: DeviceKey::from_seed(&derive(seed, "moderno/sdk-server/payload-key/v1")),
            pepper: Pepper::new(derive(seed, "moderno/sdk-server/pepper/v1").to_vec()),
            otp_master: Secret::new(derive(seed, "moderno/sdk-server/otp-master/v1")),
            grant_master: Secret::new(derive(seed, "moderno/sdk-server/granted-pairing/v1")),
        }
    }

    /// The configured seed, else the one kept in the database, else a new one (then kept):
    /// [`moderno_sql::kept_seed`] (every instance on one database derives the same secrets).
    pub fn load(conn: &Conn<'_>, configured: Option<&Secret<[u8; 32]>>, entropy: &Entropy) -> anyhow::Result<Self> {
        let seed = moderno_sql::kept_seed(conn, SEED_KEY, configured.map(Secret::expose), || entropy.bytes::<32>())?;
        Ok(Self::from_seed(&seed))
    }

    /// A device's TOTP secret: HMAC-SHA256(otp master key, device id), first 20 bytes (160 bits).
    pub fn totp_secret(&self, device_id: &str) -> [u8; 20] {
        let full = Zeroizing::new(derive(self.otp_master.expose(), device_id));
        let mut out = [0u8; 20];
        out.copy_from_slice(&full[..20]);
        out
    }

    /// The secret of a registration token an approval granted (128 bits, base64url): derived
    /// from the token id, so the authentication can hand it out again on every read without
    /// the server keeping it (only its hash is stored, as for every token).
    pub fn granted_token_secret(&self, token_id: &str) -> Zeroizing<String> {
        let full = Zeroizing::new(derive(self.grant_master.expose(), token_id));
        Zeroizing::new(moderno_crypto::b64url(&full[..16]))
    }

    /// The same secret as the device receives it: base32 without padding.
    pub fn totp_secret_base32(&self, device_id: &str) -> String {
        BASE32_NOPAD.encode(&self.totp_secret(device_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_names_the_payload_key_by_its_fingerprint_and_hides_every_key() {
        let seed = [0xAB; 32];
        let secrets = ServerSecrets::from_seed(&seed);
        let text = format!("{secrets:?}");
        assert!(text.contains(&secrets.payload_key.fingerprint()) && text.contains("[redacted]"), "{text}");
        for label in ["otp-master", "granted-pairing", "pepper", "payload-key"] {
            let key = derive(&seed, &format!("moderno/sdk-server/{label}/v1"));
            let printed = format!("{key:?}");
            assert!(!text.contains(&printed[1..printed.len() - 1]), "{label} printed: {text}");
        }
    }
}
