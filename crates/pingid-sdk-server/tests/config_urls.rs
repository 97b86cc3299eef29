//! `public_url` is read once, at start: a bad one stops the server there, naming the setting,
//! before the database is created, instead of reaching devices inside server payloads.

use moderno_ambient::{Clock, Entropy};
use pingid_sdk_server::{SdkConfig, SdkState};

#[test]
fn a_bad_public_url_stops_the_start_naming_the_setting_and_creates_no_database() {
    for bad in ["127.0.0.1:7001", "not a url", "ftp://127.0.0.1:7001"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("sdk.sqlite3");
        let refusal = SdkState::open(SdkConfig::demo(&db, bad), Clock::system(), Entropy::seeded(1))
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_else(|| panic!("{bad}: opened"));
        assert!(refusal.contains("public_url (--public-url, PINGID_PUBLIC_URL)") && refusal.contains(bad), "{refusal}");
        assert!(!db.exists(), "{bad}: the database was created");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let good = SdkConfig::demo(dir.path().join("sdk.sqlite3"), "http://127.0.0.1:7001");
    assert!(SdkState::open(good, Clock::system(), Entropy::seeded(1)).is_ok());
}
