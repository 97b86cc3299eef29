//! The emulator's own secrets, all derived from one 32-byte seed (HMAC-SHA256 per purpose): the
//! key that signs server payloads, the master key of devices' TOTP secrets, and the pepper of the
//! keyed hashes at rest. The seed comes from configuration, or is drawn from [`Entropy`] at first
//! start and kept in the database, so no two installs share secrets and a restart keeps paired
//! devices' TOTP secrets valid.

use hmac::{Hmac, Mac};
use moderno_ambient::Entropy;
use moderno_crypto::device_key::DeviceKey;
use moderno_crypto::secret_hash::Pepper;
use moderno_crypto::Secret;
use moderno_sql::Conn;
use sha2::Sha256;
use zeroize::Zeroizing;

const SEED_KEY: &str = "secrets_seed";

pub struct Secrets {
    pub server_key: DeviceKey,
    pub pepper: Pepper,
    pub otp_master_key: Zeroizing<[u8; 32]>,
}

/// HMAC-SHA256(key, message): the derivation of every secret here and of TOTP secrets.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(message);
    Zeroizing::new(mac.finalize().into_bytes().into())
}

impl Secrets {
    /// The labels are those of the former `Config::with_secrets_seed`, so a seed given before
    /// still yields the same secrets (paired devices keep working).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self {
            server_key: DeviceKey::from_seed(&hmac_sha256(seed, b"server-payload-key")),
            pepper: Pepper::new(hmac_sha256(seed, b"pepper").to_vec()),
            otp_master_key: hmac_sha256(seed, b"otp-master-key"),
        }
    }

    /// The configured seed, else the one kept in the database, else a new one (then kept):
    /// [`moderno_sql::kept_seed`], so every instance on one database derives the same.
    pub fn load(conn: &Conn<'_>, configured: Option<&Secret<[u8; 32]>>, entropy: &Entropy) -> anyhow::Result<Self> {
        let seed = moderno_sql::kept_seed(conn, SEED_KEY, configured.map(Secret::expose), || {
            tracing::info!("secrets drawn at first start and kept in the database");
            entropy.bytes::<32>()
        })?;
        Ok(Self::from_seed(&seed))
    }
}
