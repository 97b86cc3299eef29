//! Password hashing: Argon2id on the blocking pool, bounded to the core count.
//!
//! Verifying a password costs one hash whether or not the user exists: unknown users are
//! checked against a dummy hash with the same parameters. At production cost the dummy and the
//! demo users' hashes were made once and are written below, so a start hashes nothing (each
//! Argon2id hash takes 19 MiB, which the allocator then keeps).

use std::sync::Arc;

use anyhow::Context as _;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use moderno_ambient::Entropy;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use crate::config::PasswordCost;

/// Shortest and longest passwords accepted when adding a user (NIST 800-63B: at least 8,
/// at least 64 allowed, never truncated).
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The demo users' hashes of [`crate::DEMO_PASSWORD`] at production cost (Argon2id m=19456,
/// t=2, p=1, a random salt each), made once; a test checks each against the demo password.
const DEMO_HASHES: [(&str, &str); 4] = [
    ("alice", "$argon2id$v=19$m=19456,t=2,p=1$aIiLri3kd3tLeeXkUKrQlQ$+D4JpCGaruyH0lR15zi4vzoYHT753Xi699VKmwDLWG4"),
    ("bob", "$argon2id$v=19$m=19456,t=2,p=1$2yhsdoY3gileE5XRr9e+2A$CvWByOqGNeb+3s8+qqtC7B9a7rWSvlUd6fiLexoXRek"),
    ("carol", "$argon2id$v=19$m=19456,t=2,p=1$goo2id68S/cpqJCfEXwlfw$6YLN5oJDPh5bEZwY/coMaGS3julja3UmOvcMqChy1+M"),
    ("dave", "$argon2id$v=19$m=19456,t=2,p=1$z2u+9c5f6AEMwfAUHHlqIg$x6ezWH84egjnl3DvwE9jEnuR+ZgQ3kUim1PU5HtWrpg"),
];

/// The dummy at production cost: the hash of a random password that was thrown away.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$dcUqf8Olrv5n/pctbGHxcQ$p6EtQZG/7E09mjkUgbebtEHWrOHSmrvFhP9sL3/CUdk";

/// Hashes and verifies passwords without blocking the async runtime.
#[derive(Clone)]
pub struct Passwords {
    cost: PasswordCost,
    argon2: Argon2<'static>,
    permits: Arc<Semaphore>,
    dummy_hash: Arc<str>,
    entropy: Entropy,
}

impl Passwords {
    pub async fn new(cost: PasswordCost, entropy: Entropy) -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut passwords = Self {
            cost,
            argon2: argon2_for(cost)?,
            permits: Arc::new(Semaphore::new(cores)),
            dummy_hash: Arc::from(DUMMY_HASH),
            entropy,
        };
        if cost != PasswordCost::Production {
            let dummy = passwords.entropy.hex(16);
            passwords.dummy_hash = Arc::from(passwords.hash(&dummy).await?);
        }
        Ok(passwords)
    }

    /// The hash a demo user is seeded with, when it was made ahead at this cost ([`DEMO_HASHES`]).
    pub(crate) fn demo_hash(&self, username: &str) -> Option<&'static str> {
        let made_ahead = self.cost == PasswordCost::Production;
        DEMO_HASHES.iter().find(|(user, _)| made_ahead && *user == username).map(|(_, phc)| *phc)
    }

    /// A PHC string (`$argon2id$v=19$m=...`) with a fresh random salt.
    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let salt = SaltString::encode_b64(&self.entropy.bytes::<16>()).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        let password = Zeroizing::new(password.to_owned());
        self.on_blocking_pool(move |argon2| {
            argon2
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
        })
        .await
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no user, so
    /// both take the same time. Returns false for the dummy.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> anyhow::Result<bool> {
        let is_real = stored.is_some();
        let phc = stored.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let password = Zeroizing::new(password.to_owned());
        let matches = self
            .on_blocking_pool(move |argon2| {
                let parsed = PasswordHash::new(&phc).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
                Ok(argon2.verify_password(password.as_bytes(), &parsed).is_ok())
            })
            .await?;
        Ok(matches && is_real)
    }

    async fn on_blocking_pool<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Argon2<'static>) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let _permit = self.permits.acquire().await.context("the hashing pool is closed")?;
        let argon2 = self.argon2.clone();
        tokio::task::spawn_blocking(move || work(&argon2)).await.context("the hashing task failed")?
    }
}

fn argon2_for(cost: PasswordCost) -> anyhow::Result<Argon2<'static>> {
    let (m_kib, t, p) = match cost {
        PasswordCost::Production => (19_456, 2, 1),
        PasswordCost::TestOnlyCheap => (Params::MIN_M_COST, 1, 1),
    };
    let params = Params::new(m_kib, t, p, None).map_err(|e| anyhow::anyhow!("Argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The rule for new passwords: 8 to 128 characters, no composition rules.
pub fn check_new_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!("a password needs at least {MIN_PASSWORD_CHARS} characters"));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!("a password may have at most {MAX_PASSWORD_CHARS} characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn cheap() -> Passwords {
        Passwords::new(PasswordCost::TestOnlyCheap, Entropy::seeded(1)).await.unwrap()
    }

    #[tokio::test]
    async fn production_cost_hashes_with_argon2id_m19456_t2_p1() {
        let passwords = Passwords::new(PasswordCost::Production, Entropy::seeded(1)).await.unwrap();
        let phc = passwords.hash("correct horse battery").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(passwords.verify("correct horse battery", Some(&phc)).await.unwrap());
    }

    #[tokio::test]
    async fn a_right_password_verifies_and_a_wrong_one_does_not() {
        let passwords = cheap().await;
        let phc = passwords.hash("moderno-demo").await.unwrap();
        assert!(passwords.verify("moderno-demo", Some(&phc)).await.unwrap());
        assert!(!passwords.verify("moderno-dem0", Some(&phc)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies_even_with_the_dummy_password() {
        let passwords = cheap().await;
        assert!(!passwords.verify("anything", None).await.unwrap());
        assert!(!passwords.verify("", None).await.unwrap());
    }

    #[tokio::test]
    async fn two_hashes_of_one_password_use_different_salts() {
        let passwords = cheap().await;
        assert_ne!(passwords.hash("same password").await.unwrap(), passwords.hash("same password").await.unwrap());
    }

    #[tokio::test]
    async fn the_hashes_made_ahead_are_the_demo_password_at_production_cost() {
        let passwords = Passwords::new(PasswordCost::Production, Entropy::seeded(1)).await.unwrap();
        let cost = |p: &Params| (p.m_cost(), p.t_cost(), p.p_cost());
        let cost_of = |phc: &str| cost(&Params::try_from(&PasswordHash::new(phc).unwrap()).unwrap());
        let production = cost(passwords.argon2.params());
        for user in crate::DEMO_USERS {
            let phc = passwords.demo_hash(user).unwrap_or_else(|| panic!("no hash made ahead for {user}"));
            assert_eq!(cost_of(phc), production, "{user}");
            assert!(passwords.verify(crate::DEMO_PASSWORD, Some(phc)).await.unwrap(), "{user}");
        }
        let alice = passwords.demo_hash("alice").unwrap();
        assert!(!passwords.verify("moderno-dem0", Some(alice)).await.unwrap());
        assert_eq!(cost_of(&passwords.dummy_hash), production, "unknown names cost what known ones do");
        assert_eq!(passwords.demo_hash("erin"), None);
        assert_eq!(cheap().await.demo_hash("alice"), None, "a cheap cost hashes its own");
    }

    #[test]
    fn new_passwords_need_8_to_128_characters() {
        assert!(check_new_password("1234567").is_err());
        assert!(check_new_password("12345678").is_ok());
        assert!(check_new_password(&"é".repeat(128)).is_ok(), "counted in characters, not bytes");
        assert!(check_new_password(&"x".repeat(129)).is_err());
    }
}
