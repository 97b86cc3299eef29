//! Keyed hashes of secrets kept at rest (pairing keys, registration token secrets).
//!
//! A plain SHA-256 of a 52-bit pairing key could be brute-forced from a stolen database; an HMAC
//! under a server-side pepper (held outside the database) cannot.

use crate::Secret;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A server-side key for hashing stored secrets.
#[derive(Debug)]
pub struct Pepper(Secret<Vec<u8>>);

impl Pepper {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Secret::new(bytes))
    }

    /// Lowercase hex HMAC-SHA256 of `secret` under this pepper.
    pub fn hash(&self, secret: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.expose())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(secret.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_secret_same_hash_other_pepper_other_hash() {
        let a = Pepper::new(b"pepper-a".to_vec());
        let b = Pepper::new(b"pepper-b".to_vec());
        assert_eq!(a.hash("KEY"), a.hash("KEY"));
        assert_ne!(a.hash("KEY"), b.hash("KEY"));
        assert_ne!(a.hash("KEY"), a.hash("KEZ"));
        assert_eq!(format!("{a:?}"), "Pepper([redacted])");
    }
}
