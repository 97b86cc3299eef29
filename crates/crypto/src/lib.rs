//! The cryptography every Moderno party shares, in small, separately tested pieces.
//!
//! - [`pingid_hmac`]: Ping's PINGID-HMAC request and response signing (customer server <-> SDK server);
//! - [`device_key`]: the device's Ed25519 key, a redacted secret;
//! - [`device_signature`]: how the device signs its calls to the SDK server's device API;
//! - [`payload`]: sealing and opening the mobile and server payloads;
//! - [`totp`]: RFC 6238 one-time passcodes for the offline fallback;
//! - [`pairing_key`]: manual pairing keys (alphabet, format, normalization);
//! - [`secret_hash`]: keyed hashes for secrets stored at rest;
//! - [`secret`]: [`Secret`], the one wrapper that keeps a value out of `Debug` output.

pub mod device_key;
pub mod device_signature;
pub mod pairing_key;
pub mod payload;
pub mod pingid_hmac;
pub mod secret;
pub mod secret_hash;
pub mod totp;

pub use secret::Secret;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// base64url without padding.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding.
pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}
