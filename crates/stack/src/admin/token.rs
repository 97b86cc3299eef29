//! The admin API's bearer token.

use moderno_crypto::Secret;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// The admin API's bearer token: kept as its SHA-256 (a comparison in constant time that does not
/// tell the length either), never printed.
#[derive(Clone, Debug)]
pub struct AdminToken(Secret<[u8; 32]>);

impl AdminToken {
    /// `None` for an empty text: an empty token would be no protection.
    pub fn new(token: &str) -> Option<Self> {
        (!token.is_empty()).then(|| Self(Secret::new(Sha256::digest(token.as_bytes()).into())))
    }

    pub(super) fn accepts(&self, given: &str) -> bool {
        let given: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        bool::from(given.ct_eq(self.0.expose()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_token_accepts_only_itself_and_prints_redacted() {
        let token = AdminToken::new("adm-7c6b5a").expect("a token");
        assert!(token.accepts("adm-7c6b5a"));
        assert!(!token.accepts("adm-7c6b5b") && !token.accepts(""));
        assert!(AdminToken::new("").is_none(), "an empty token is no protection");
        let text = format!("{token:?}");
        assert_eq!(text, "AdminToken([redacted])");
    }
}
