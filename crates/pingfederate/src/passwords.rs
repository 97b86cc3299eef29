//! The first factor: Argon2id password hashes (m=19 MiB, t=2, p=1; a cheap cost only behind the
//! explicit test setting), verified on the blocking pool bounded to the core count. An unknown
//! user is checked against a dummy hash, so the answer and its timing are the same.

use std::collections::HashMap;
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use moderno_ambient::Entropy;
use tokio::sync::Semaphore;

use crate::error::AuthnApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCost {
    /// m=19456 KiB, t=2, p=1 (OWASP / the project's security numbers).
    Standard,
    /// m=8 KiB, t=1: for tests only, never in a deployment.
    TestOnlyCheap,
}

fn hasher(cost: PasswordCost) -> Result<Argon2<'static>, argon2::Error> {
    let params = match cost {
        PasswordCost::Standard => Params::new(19_456, 2, 1, None)?,
        PasswordCost::TestOnlyCheap => Params::new(8, 1, 1, None)?,
    };
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The users' password hashes (PHC strings) and a dummy for unknown names.
pub struct PasswordBook {
    hashes: Arc<HashMap<String, String>>,
    dummy: Arc<String>,
    cost: PasswordCost,
    /// Bounds concurrent hashing to the number of cores.
    permits: Arc<Semaphore>,
}

impl PasswordBook {
    pub fn new(users: &[(String, String)], cost: PasswordCost, entropy: &Entropy) -> anyhow::Result<Self> {
        let argon = hasher(cost).map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
        let hash = |password: &str| -> anyhow::Result<String> {
            let salt = SaltString::encode_b64(&entropy.bytes::<16>()).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
            Ok(argon
                .hash_password(password.as_bytes(), &salt)
                .map_err(|e| anyhow::anyhow!("hashing: {e}"))?
                .to_string())
        };
        let hashes = users.iter().map(|(u, p)| Ok((u.clone(), hash(p)?))).collect::<anyhow::Result<HashMap<_, _>>>()?;
        let dummy = hash("no user has this password")?;
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Ok(Self { hashes: Arc::new(hashes), dummy: Arc::new(dummy), cost, permits: Arc::new(Semaphore::new(cores)) })
    }

    /// True when `username` is an account.
    pub fn knows(&self, username: &str) -> bool {
        self.hashes.contains_key(username)
    }

    /// True when `username` exists and `password` is theirs. Always costs one hash.
    pub async fn verify(&self, username: &str, password: &str) -> Result<bool, AuthnApiError> {
        let known = self.hashes.get(username).cloned();
        let stored = known.clone().unwrap_or_else(|| self.dummy.as_str().to_string());
        let password = zeroize::Zeroizing::new(password.to_string());
        let cost = self.cost;
        let _permit = self.permits.acquire().await.map_err(|_| AuthnApiError::Internal("hash pool closed".into()))?;
        let matches = tokio::task::spawn_blocking(move || {
            let parsed = PasswordHash::new(&stored).map_err(|e| e.to_string())?;
            let argon = hasher(cost).map_err(|e| e.to_string())?;
            Ok::<_, String>(argon.verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await
        .map_err(|e| AuthnApiError::Internal(format!("hash task: {e}")))?
        .map_err(AuthnApiError::Internal)?;
        Ok(matches && known.is_some())
    }
}
