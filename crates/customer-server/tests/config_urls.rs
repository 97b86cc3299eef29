//! The SDK server's URL is read once, at start: a bad one stops the customer server there,
//! naming the setting.

use moderno_ambient::{Clock, Entropy};
use moderno_customer_server::{CustomerConfig, CustomerState, PasswordCost};

#[tokio::test]
async fn a_bad_sdk_url_stops_the_start_and_names_the_setting() {
    for bad in ["not a url", "ftp://127.0.0.1:7001/pingid/v1", "127.0.0.1:7001"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = CustomerConfig::demo(bad, dir.path().join("c.sqlite3"), "http://127.0.0.1:7002");
        config.argon2 = PasswordCost::TestOnlyCheap;
        config.demo_users = false;
        let refusal = CustomerState::open(config, Clock::system(), Entropy::seeded(1))
            .await
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_else(|| panic!("{bad}: opened"));
        assert!(refusal.contains("sdk_base_url") && refusal.contains(bad), "{bad}: {refusal}");
    }
}
