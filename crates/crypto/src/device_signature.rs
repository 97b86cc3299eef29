//! How the SDK component signs its calls to the SDK server's device API.
//!
//! Header `X-PingID-Device-Signature: PINGID-DEVICE fp=<fingerprint>,ts=<unix>,nonce=<hex>,sig=<b64url>`
//! where `sig` is Ed25519 over `METHOD:path:query:sha256hex(body):ts:nonce:` (the query part is
//! empty when there is none). The server checks the key that `fp` names, that `ts` is within
//! [`MAX_AGE_SECONDS`] of its clock, and that the nonce was not seen before.

use crate::device_key::{DeviceKey, DevicePublicKey};
use crate::sha256_hex;

pub const SCHEME: &str = "PINGID-DEVICE ";
/// How far a signature's time may lie from the server's clock, either way.
pub const MAX_AGE_SECONDS: i64 = 300;

/// The parts of a request that a device signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub body: &'a [u8],
}

impl SignedRequest<'_> {
    fn message(&self, ts: i64, nonce: &str) -> String {
        format!(
            "{}:{}:{}:{}:{ts}:{nonce}:",
            self.method.to_ascii_uppercase(),
            self.path,
            self.query,
            sha256_hex(self.body)
        )
    }
}

/// The header value for a request; `nonce` must be fresh (128 random bits, hex).
pub fn sign(key: &DeviceKey, request: &SignedRequest<'_>, ts: i64, nonce: &str) -> String {
    sign_as(SCHEME, key, request, ts, nonce)
}

/// The same signature under another scheme word (PingOne's device API names its own).
pub fn sign_as(scheme: &str, key: &DeviceKey, request: &SignedRequest<'_>, ts: i64, nonce: &str) -> String {
    let sig = key.sign(request.message(ts, nonce).as_bytes());
    format!("{scheme}fp={},ts={ts},nonce={nonce},sig={sig}", key.fingerprint())
}

/// A parsed, not yet verified, device signature header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSignature {
    pub fingerprint: String,
    pub ts: i64,
    pub nonce: String,
    sig: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceSignatureError {
    #[error("the request carries no device signature")]
    Missing,
    #[error("the device signature header is malformed")]
    Malformed,
    #[error("the device signature is outside its time window")]
    Stale,
    #[error("the device signature does not verify")]
    BadSignature,
}

impl DeviceSignature {
    pub fn parse(header: Option<&str>) -> Result<Self, DeviceSignatureError> {
        let rest =
            header.ok_or(DeviceSignatureError::Missing)?.strip_prefix(SCHEME).ok_or(DeviceSignatureError::Malformed)?;
        let (mut fp, mut ts, mut nonce, mut sig) = (None, None, None, None);
        for part in rest.split(',') {
            match part.trim().split_once('=') {
                Some(("fp", v)) => fp = Some(v.to_string()),
                Some(("ts", v)) => ts = v.parse::<i64>().ok(),
                Some(("nonce", v)) => nonce = Some(v.to_string()),
                Some(("sig", v)) => sig = Some(v.to_string()),
                _ => return Err(DeviceSignatureError::Malformed),
            }
        }
        let (Some(fingerprint), Some(ts), Some(nonce), Some(sig)) = (fp, ts, nonce, sig) else {
            return Err(DeviceSignatureError::Malformed);
        };
        let hex_ok = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex_ok(&fingerprint, 32) || !hex_ok(&nonce, 32) {
            return Err(DeviceSignatureError::Malformed);
        }
        Ok(Self { fingerprint, ts, nonce, sig })
    }

    /// Verifies against the device's public key and the server's clock. The caller still has to
    /// refuse a nonce it has seen before.
    pub fn verify(
        &self,
        key: &DevicePublicKey,
        request: &SignedRequest<'_>,
        now_unix: i64,
    ) -> Result<(), DeviceSignatureError> {
        // checked_sub: a hostile `ts` near i64::MIN must not overflow.
        if now_unix.checked_sub(self.ts).is_none_or(|age| age.abs() > MAX_AGE_SECONDS) {
            return Err(DeviceSignatureError::Stale);
        }
        if key.fingerprint() != self.fingerprint
            || !key.verify(request.message(self.ts, &self.nonce).as_bytes(), &self.sig)
        {
            return Err(DeviceSignatureError::BadSignature);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE: &str = "0123456789abcdef0123456789abcdef";

    fn req(body: &'static [u8]) -> SignedRequest<'static> {
        SignedRequest { method: "POST", path: "/pingid/v1/device/pairings", query: "", body }
    }

    #[test]
    fn a_signed_request_verifies_within_the_window() {
        let key = DeviceKey::from_seed(&[1u8; 32]);
        let public = DevicePublicKey::from_b64(&key.public_key_b64()).unwrap();
        let header = sign(&key, &req(b"{}"), 1000, NONCE);
        let parsed = DeviceSignature::parse(Some(&header)).unwrap();
        assert_eq!(parsed.fingerprint, key.fingerprint());
        assert_eq!(parsed.verify(&public, &req(b"{}"), 1100), Ok(()));
        assert_eq!(parsed.verify(&public, &req(b"{}"), 1000 + 301), Err(DeviceSignatureError::Stale));
        assert_eq!(parsed.verify(&public, &req(b"{ }"), 1000), Err(DeviceSignatureError::BadSignature));
    }

    #[test]
    fn an_absurd_timestamp_is_stale_not_a_panic() {
        let key = DeviceKey::from_seed(&[1u8; 32]);
        let public = DevicePublicKey::from_b64(&key.public_key_b64()).unwrap();
        let header = format!("{SCHEME}fp={},ts={},nonce={NONCE},sig=AA", key.fingerprint(), i64::MIN);
        let parsed = DeviceSignature::parse(Some(&header)).unwrap();
        assert_eq!(parsed.verify(&public, &req(b""), 1000), Err(DeviceSignatureError::Stale));
    }

    #[test]
    fn another_key_or_a_garbled_header_is_refused() {
        let key = DeviceKey::from_seed(&[1u8; 32]);
        let other = DeviceKey::from_seed(&[2u8; 32]);
        let other_public = DevicePublicKey::from_b64(&other.public_key_b64()).unwrap();
        let parsed = DeviceSignature::parse(Some(&sign(&key, &req(b""), 5, NONCE))).unwrap();
        assert_eq!(parsed.verify(&other_public, &req(b""), 5), Err(DeviceSignatureError::BadSignature));
        assert_eq!(DeviceSignature::parse(None), Err(DeviceSignatureError::Missing));
        assert_eq!(DeviceSignature::parse(Some("Bearer x")), Err(DeviceSignatureError::Malformed));
        assert_eq!(
            DeviceSignature::parse(Some("PINGID-DEVICE fp=zz,ts=1,nonce=1,sig=x")),
            Err(DeviceSignatureError::Malformed)
        );
    }
}
