//! [`Secret`]: the one wrapper for a value that must never reach a log line, an error message or
//! a screenshot — a seed, a TOTP secret, an account token, a client secret, a password.
//!
//! A struct that holds one derives `Debug` as usual and its secret field prints `[redacted]`;
//! there is no `Display`, so `format!("{secret}")` does not compile; the value is zeroed when it
//! is dropped; two secrets compare in constant time. Reading the value is one explicit call,
//! [`Secret::expose`], easy to find in a review.
//!
//! Serde reads a secret (configuration files, keyring JSON, request bodies); writing one out is
//! a deliberate step: `Secret` is not `Serialize`, so a type that sends a secret serializes
//! `secret.expose()` where it means to.

use std::fmt;

use serde::{Deserialize, Deserializer};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// A value printed as `[redacted]`, zeroed on drop, compared in constant time.
#[derive(Clone, Default)]
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The value itself: the one way to read it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<&String> for Secret<String> {
    fn from(value: &String) -> Self {
        Self(value.clone())
    }
}

/// A copy, for a constructor that takes `impl Into<Secret<T>>` and is handed a borrowed secret.
impl<T: Zeroize + Clone> From<&Secret<T>> for Secret<T> {
    fn from(value: &Secret<T>) -> Self {
        value.clone()
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Constant time over the bytes (the length is not hidden).
impl<T: Zeroize + AsRef<[u8]>> PartialEq for Secret<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_ref().ct_eq(other.0.as_ref()).into()
    }
}

impl<T: Zeroize + AsRef<[u8]>> Eq for Secret<T> {}

impl<'de, T: Zeroize + Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Config {
        account_id: String,
        account_token: Secret<String>,
        seed: Option<Secret<[u8; 4]>>,
    }

    #[test]
    fn a_struct_holding_a_secret_prints_everything_but_the_secret() {
        let config: Config =
            serde_json::from_str(r#"{"account_id":"acct-1","account_token":"tok-9f8e7d","seed":[1,2,3,4]}"#)
                .expect("reads");
        let printed = format!("{config:?} {config:#?}");
        assert!(printed.contains("acct-1"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
        assert!(!printed.contains("tok-9f8e7d"), "{printed}");
        assert!(!printed.contains("1, 2, 3, 4") && !printed.contains("[1,"), "{printed}");
        assert_eq!(config.account_token.expose(), "tok-9f8e7d", "the value is one call away");
        assert_eq!(config.account_id, "acct-1");
        assert_eq!(config.seed.as_ref().map(Secret::expose), Some(&[1, 2, 3, 4]));
    }

    #[test]
    fn secrets_compare_by_value() {
        assert_eq!(Secret::from("abc"), Secret::from("abc"));
        assert_ne!(Secret::from("abc"), Secret::from("abd"));
        assert_ne!(Secret::from("abc"), Secret::from("abcd"));
        assert_eq!(Secret::new([7u8; 32]), Secret::new([7u8; 32]));
    }

    fn takes_a_secret(value: impl Into<Secret<String>>) -> Secret<String> {
        value.into()
    }

    #[test]
    fn a_text_a_string_or_a_borrowed_secret_becomes_a_secret() {
        let owned = String::from("tok-1");
        let secret = Secret::from("tok-1");
        assert_eq!(takes_a_secret("tok-1").expose(), "tok-1");
        assert_eq!(takes_a_secret(&owned).expose(), "tok-1");
        assert_eq!(takes_a_secret(owned.clone()).expose(), "tok-1");
        assert_eq!(takes_a_secret(&secret).expose(), "tok-1");
        assert_eq!(secret.expose(), "tok-1", "the borrowed secret is copied, not moved");
    }

    /// Records that it was zeroed, so the test sees what `drop` did.
    struct Probe(std::rc::Rc<std::cell::Cell<bool>>);

    impl Zeroize for Probe {
        fn zeroize(&mut self) {
            self.0.set(true);
        }
    }

    #[test]
    fn dropping_a_secret_zeroes_it() {
        let zeroed = std::rc::Rc::new(std::cell::Cell::new(false));
        let secret = Secret::new(Probe(zeroed.clone()));
        assert!(!zeroed.get());
        drop(secret);
        assert!(zeroed.get(), "zeroized when dropped");
    }
}
