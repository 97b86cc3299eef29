//! The device's Ed25519 key: a 32-byte seed that lives only in the OS keyring.
//!
//! In memory it is ed25519-dalek's `SigningKey`, expanded once: zeroized on drop; `Debug` names
//! the key by its fingerprint only; not `Serialize`. The seed leaves it only as a [`Secret`], for the keyring.

use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use zeroize::Zeroizing;

use crate::{b64url, b64url_decode, sha256_hex, Secret};

pub struct DeviceKey {
    fingerprint: String,
    public_key_b64: String,
    /// Expanded once: every device-API request signs.
    signing: SigningKey,
}

impl std::fmt::Debug for DeviceKey {
    /// The key named by its fingerprint: `SigningKey`'s own `Debug` (which hides the secret half)
    /// prints the public point at length.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKey").field("fingerprint", &self.fingerprint).finish_non_exhaustive()
    }
}

impl DeviceKey {
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let signing = SigningKey::from_bytes(seed);
        let public = signing.verifying_key();
        Self { fingerprint: fingerprint_of(public.as_bytes()), public_key_b64: b64url(public.as_bytes()), signing }
    }

    /// A new key from 32 random bytes.
    pub fn generate(random_seed: [u8; 32]) -> Self {
        let seed = Zeroizing::new(random_seed);
        Self::from_seed(&seed)
    }

    /// The seed, for the keyring. Handle with care: it is the device's identity.
    pub fn seed(&self) -> Secret<[u8; 32]> {
        Secret::new(self.signing.to_bytes())
    }

    pub fn public_key_b64(&self) -> String {
        self.public_key_b64.clone()
    }

    /// The device's stable identity: see [`fingerprint_of`].
    pub fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    pub fn sign(&self, message: &[u8]) -> String {
        b64url(&self.signing.sign(message).to_bytes())
    }
}

/// First 32 hex characters (128 bits) of sha256 of the raw public key.
pub fn fingerprint_of(public_key: &[u8]) -> String {
    sha256_hex(public_key)[..32].to_string()
}

/// A device's public key, as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePublicKey(VerifyingKey);

impl DevicePublicKey {
    pub fn from_b64(text: &str) -> Option<Self> {
        let bytes: [u8; 32] = b64url_decode(text)?.try_into().ok()?;
        VerifyingKey::from_bytes(&bytes).ok().map(Self)
    }

    pub fn to_b64(&self) -> String {
        b64url(self.0.as_bytes())
    }

    pub fn fingerprint(&self) -> String {
        fingerprint_of(self.0.as_bytes())
    }

    /// Checks a base64url Ed25519 signature (strict verification: no malleable signatures).
    pub fn verify(&self, message: &[u8], signature_b64: &str) -> bool {
        let Some(sig) = b64url_decode(signature_b64).and_then(|b| <[u8; 64]>::try_from(b).ok()) else {
            return false;
        };
        let sig = ed25519_dalek::Signature::from_bytes(&sig);
        self.0.verify_strict(message, &sig).is_ok() && self.0.verify(message, &sig).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_signs_and_its_public_key_verifies() {
        let key = DeviceKey::from_seed(&[7u8; 32]);
        let public = DevicePublicKey::from_b64(&key.public_key_b64()).unwrap();
        let sig = key.sign(b"hello");
        assert!(public.verify(b"hello", &sig));
        assert!(!public.verify(b"hellp", &sig));
        assert!(!public.verify(b"hello", "not-a-signature"));
        assert_eq!(public.fingerprint(), key.fingerprint());
        assert_eq!(key.fingerprint().len(), 32);
    }

    #[test]
    fn the_seed_round_trips_and_debug_names_the_key_by_its_fingerprint_only() {
        let key = DeviceKey::generate([9u8; 32]);
        assert_eq!(*key.seed().expose(), [9u8; 32]);
        let again = DeviceKey::from_seed(key.seed().expose());
        assert_eq!(again.fingerprint(), key.fingerprint());
        let text = format!("{key:?} {key:#?}");
        assert!(text.contains(&key.fingerprint()), "{text}");
        assert!(!text.contains("9, 9") && !text.contains("9,\n") && !text.contains("0909"), "{text}");
    }
}
