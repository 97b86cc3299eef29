//! `public_url` is read once, at start: a bad one stops the server there, naming the setting,
//! before the database is created, instead of reaching devices and tokens as a broken link.

use moderno_ambient::{Clock, Entropy};
use pingone_mfa_server::{Config, State};

#[test]
fn a_bad_public_url_stops_the_start_naming_the_setting_and_creates_no_database() {
    for bad in ["127.0.0.1:7003", "not a url", "ftp://127.0.0.1:7003"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("pingone.sqlite3");
        let refusal = State::open(Config::demo(db.clone(), bad), Clock::system(), Entropy::seeded(1))
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_else(|| panic!("{bad}: opened"));
        assert!(
            refusal.contains("public_url (--public-url, PINGONE_MFA_PUBLIC_URL)") && refusal.contains(bad),
            "{refusal}"
        );
        assert!(!db.exists(), "{bad}: the database was created");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let good = Config::demo(dir.path().join("pingone.sqlite3"), "http://127.0.0.1:7003");
    assert!(State::open(good, Clock::system(), Entropy::seeded(1)).is_ok());
}
