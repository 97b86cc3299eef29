//! The PingID SDK account the stack's customer server signs its requests with, and the SDK server
//! checks them against: one setting for both. The demo values are public (they are in the
//! README), so a stack reachable from other machines refuses to start with them unless told it is
//! a demo ([`Credentials::refuse_public_demo`]).

use std::net::SocketAddr;

use moderno_crypto::Secret;
use moderno_customer_server::{DEMO_ACCOUNT_ID, DEMO_ACCOUNT_TOKEN, DEMO_API_KEY_B64, DEMO_APPLICATION_ID};

/// The account, application and their secrets. `Debug` prints the secrets `[redacted]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub account_id: String,
    pub application_id: String,
    pub account_token: Secret<String>,
    /// Standard base64, as Ping's admin portal shows it.
    pub api_key_b64: Secret<String>,
}

impl Credentials {
    /// The public demo account.
    pub fn demo() -> Self {
        Self {
            account_id: DEMO_ACCOUNT_ID.into(),
            application_id: DEMO_APPLICATION_ID.into(),
            account_token: DEMO_ACCOUNT_TOKEN.into(),
            api_key_b64: DEMO_API_KEY_B64.into(),
        }
    }

    /// The demo values, each replaced by the one given (`PINGID_ACCOUNT_ID`,
    /// `PINGID_APPLICATION_ID`, `PINGID_ACCOUNT_TOKEN`, `PINGID_API_KEY`).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let demo = Self::demo();
        let given = |name: &str, default: String| lookup(name).filter(|v| !v.trim().is_empty()).unwrap_or(default);
        Self {
            account_id: given("PINGID_ACCOUNT_ID", demo.account_id),
            application_id: given("PINGID_APPLICATION_ID", demo.application_id),
            account_token: given("PINGID_ACCOUNT_TOKEN", demo.account_token.expose().clone()).into(),
            api_key_b64: given("PINGID_API_KEY", demo.api_key_b64.expose().clone()).into(),
        }
    }

    /// Whether a secret is still the published demo value.
    pub fn uses_a_demo_secret(&self) -> bool {
        self.account_token.expose() == DEMO_ACCOUNT_TOKEN || self.api_key_b64.expose() == DEMO_API_KEY_B64
    }

    /// Refuses a stack that other machines can reach (any listener off loopback) while a secret
    /// is the public demo value, unless `demo` says that is intended.
    pub fn refuse_public_demo(&self, listeners: &[SocketAddr], demo: bool) -> anyhow::Result<()> {
        let reachable = listeners.iter().find(|addr| !addr.ip().is_loopback());
        if let (Some(addr), true, false) = (reachable, self.uses_a_demo_secret(), demo) {
            anyhow::bail!(
                "{addr} is reachable from other machines, and the PingID account token or API key is the public demo value: \
                 set PINGID_ACCOUNT_TOKEN and PINGID_API_KEY, or pass --demo if this server is meant to be an open demo"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn every_documented_setting_is_read_and_blank_ones_keep_the_demo_value() {
        let creds = Credentials::from_lookup(given(&[
            ("PINGID_ACCOUNT_ID", "acct"),
            ("PINGID_APPLICATION_ID", "app"),
            ("PINGID_ACCOUNT_TOKEN", "token"),
            ("PINGID_API_KEY", " "),
        ]));
        assert_eq!(
            (creds.account_id.as_str(), creds.application_id.as_str(), creds.account_token.expose().as_str()),
            ("acct", "app", "token")
        );
        assert_eq!(creds.api_key_b64.expose(), DEMO_API_KEY_B64);
        assert!(creds.uses_a_demo_secret());
    }

    #[test]
    fn the_demo_secrets_stay_on_loopback_unless_the_server_is_declared_a_demo() {
        let loopback = [SocketAddr::from(([127, 0, 0, 1], 7002))];
        let shared = [SocketAddr::from(([127, 0, 0, 1], 7001)), SocketAddr::from(([0, 0, 0, 0], 7002))];
        let demo = Credentials::demo();
        assert!(demo.refuse_public_demo(&loopback, false).is_ok());
        let refusal = demo.refuse_public_demo(&shared, false).unwrap_err().to_string();
        assert!(refusal.contains("0.0.0.0:7002") && refusal.contains("PINGID_API_KEY"), "{refusal}");
        assert!(
            !refusal.contains(DEMO_API_KEY_B64) && !refusal.contains(DEMO_ACCOUNT_TOKEN),
            "no secret in the message"
        );
        assert!(demo.refuse_public_demo(&shared, true).is_ok());
        let own = Credentials::from_lookup(given(&[("PINGID_ACCOUNT_TOKEN", "t"), ("PINGID_API_KEY", "a2V5")]));
        assert!(own.refuse_public_demo(&shared, false).is_ok());
    }

    #[test]
    fn debug_shows_no_secret() {
        let shown = format!(
            "{:?}",
            Credentials::from_lookup(given(&[("PINGID_ACCOUNT_TOKEN", "tok-123"), ("PINGID_API_KEY", "a2V5LTQ1Ng==")]))
        );
        assert!(!shown.contains("tok-123") && !shown.contains("a2V5LTQ1Ng=="), "{shown}");
        assert!(shown.contains(DEMO_ACCOUNT_ID) && shown.contains("[redacted]"), "the ids are shown: {shown}");
    }
}
