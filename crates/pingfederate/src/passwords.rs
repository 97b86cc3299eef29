//! The first factor: Argon2id password hashes (m=19 MiB, t=2, p=1; a cheap cost only behind the
//! explicit test setting), verified on the blocking pool bounded to the core count. An unknown
//! user is checked against a dummy hash, so the answer and its timing are the same. At the
//! standard cost the demo users' hashes and the dummy were made once and are written below, so a
//! start hashes nothing (each Argon2id hash takes 19 MiB, which the allocator then keeps).

use std::collections::HashMap;
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use moderno_ambient::Entropy;
use moderno_crypto::Secret;
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

/// The demo users' hashes of [`crate::DEMO_PASSWORD`] at the standard cost (a random salt
/// each), made once; a test checks each against the demo password.
const DEMO_HASHES: [(&str, &str); 4] = [
    ("alice", "$argon2id$v=19$m=19456,t=2,p=1$rtKR8+ldjM5oraS3ORowdw$QajPHhSazh1QTFY5tGxT5SRicH7JoxPxrlTgRq0Op0k"),
    ("bob", "$argon2id$v=19$m=19456,t=2,p=1$f0s0swbmtiYkfwEz0fps8w$KlbHTRIAMvQi+TU1bKMVhTEzKqQtrUX+QQdHr+/XGoY"),
    ("carol", "$argon2id$v=19$m=19456,t=2,p=1$YPMVzqGCQ7nK8NwPUy0kwg$GLyqyD4DAxTz7yxqTJdmV2EB0YzIyvtQZ/DLIuzLp0k"),
    ("dave", "$argon2id$v=19$m=19456,t=2,p=1$akiV2/gA4Ccwpb1W2IhCCA$H4Yc1gVA7QLVdw3gvKiRA+BMBHnOYnWFwG6VoE9nZH8"),
];

/// The dummy at the standard cost: the hash of a random password that was thrown away.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$iVmf3VIpIw0zoYldt8x8pQ$mZMAbWOIBmIi+lSYQYPeH8m3c/Qlj1MkkaCZLTvh1PY";

/// A hash made ahead for this user and password at this cost ([`DEMO_HASHES`]).
fn made_ahead(cost: PasswordCost, username: &str, password: &str) -> Option<String> {
    if cost != PasswordCost::Standard || password != crate::DEMO_PASSWORD {
        return None;
    }
    DEMO_HASHES.iter().find(|(user, _)| *user == username).map(|(_, phc)| (*phc).to_owned())
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
    pub fn new(users: &[(String, Secret<String>)], cost: PasswordCost, entropy: &Entropy) -> anyhow::Result<Self> {
        let argon = hasher(cost).map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
        let hash = |password: &str| -> anyhow::Result<String> {
            let salt = SaltString::encode_b64(&entropy.bytes::<16>()).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
            Ok(argon
                .hash_password(password.as_bytes(), &salt)
                .map_err(|e| anyhow::anyhow!("hashing: {e}"))?
                .to_string())
        };
        let hashes = users
            .iter()
            .map(|(u, p)| Ok((u.clone(), made_ahead(cost, u, p.expose()).map_or_else(|| hash(p.expose()), Ok)?)))
            .collect::<anyhow::Result<HashMap<_, _>>>()?;
        let dummy = match cost {
            PasswordCost::Standard => DUMMY_HASH.to_owned(),
            PasswordCost::TestOnlyCheap => hash("no user has this password")?,
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cost_of(phc: &str) -> (u32, u32, u32) {
        let params = Params::try_from(&PasswordHash::new(phc).unwrap()).unwrap();
        (params.m_cost(), params.t_cost(), params.p_cost())
    }

    #[tokio::test]
    async fn the_hashes_made_ahead_are_the_demo_password_at_the_standard_cost() {
        let users: Vec<(String, Secret<String>)> =
            DEMO_HASHES.iter().map(|(u, _)| ((*u).to_owned(), crate::DEMO_PASSWORD.into())).collect();
        let book = PasswordBook::new(&users, PasswordCost::Standard, &Entropy::seeded(1)).unwrap();
        let standard = hasher(PasswordCost::Standard).unwrap();
        let standard = (standard.params().m_cost(), standard.params().t_cost(), standard.params().p_cost());
        for (user, phc) in DEMO_HASHES {
            assert_eq!(cost_of(phc), standard, "{user}");
            assert!(book.verify(user, crate::DEMO_PASSWORD).await.unwrap(), "{user}");
        }
        assert!(!book.verify("alice", "moderno-dem0").await.unwrap());
        assert_eq!(cost_of(&book.dummy), standard, "unknown names cost what known ones do");
        assert!(!book.verify("erin", crate::DEMO_PASSWORD).await.unwrap());
    }

    #[test]
    fn other_passwords_and_the_cheap_cost_are_hashed_at_start() {
        let users = vec![("alice".to_owned(), "not the demo one".into()), ("erin".to_owned(), "moderno-demo".into())];
        let book = PasswordBook::new(&users, PasswordCost::Standard, &Entropy::seeded(1)).unwrap();
        assert!(DEMO_HASHES.iter().all(|(_, phc)| !book.hashes.values().any(|h| h == phc)));
        assert_eq!(made_ahead(PasswordCost::TestOnlyCheap, "alice", crate::DEMO_PASSWORD), None);
        assert_eq!(
            made_ahead(PasswordCost::Standard, "alice", crate::DEMO_PASSWORD).as_deref(),
            Some(DEMO_HASHES[0].1)
        );
    }
}
