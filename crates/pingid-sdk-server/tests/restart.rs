//! What survives a restart: the drawn secrets seed (so the server key and OTP secrets stay), on
//! either database; on PostgreSQL the same holds for every instance sharing it.

use moderno_ambient::{Clock, Entropy};
use moderno_sql::Location;
use pingid_sdk_server::{SdkConfig, SdkState};

/// The demo configuration with its state at `location` (a file, or a PostgreSQL database).
fn config_at(location: &Location) -> SdkConfig {
    let mut config = SdkConfig::demo("unused.sqlite3", "http://127.0.0.1:1");
    match location {
        Location::File(path) => config.db_path = path.clone(),
        Location::Postgres(url) => config.database_url = Some(url.into()),
    }
    config
}

#[test]
fn a_restart_without_a_configured_seed_keeps_the_server_key() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = config_at(&moderno_sql::testing::location(dir.path().join("sdk.sqlite3")));
    let clock = Clock::manual(chrono::DateTime::from_timestamp(1_893_456_000, 0).expect("a time"));
    let first = SdkState::open(config.clone(), clock.clone(), Entropy::seeded(1)).expect("opens").server_public_key();
    let again = SdkState::open(config.clone(), clock.clone(), Entropy::seeded(2)).expect("reopens").server_public_key();
    assert_eq!(first, again, "the seed drawn at first start is kept");

    let elsewhere = config_at(&moderno_sql::testing::location(dir.path().join("other.sqlite3")));
    let other = SdkState::open(elsewhere, clock, Entropy::seeded(2)).expect("opens").server_public_key();
    assert_ne!(first, other, "another database draws its own seed");
}

#[test]
fn a_configuration_without_applications_or_with_a_bad_api_key_does_not_open() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::system();
    let mut config = SdkConfig::demo(dir.path().join("sdk.sqlite3"), "http://127.0.0.1:1");
    config.application_ids.clear();
    assert!(SdkState::open(config.clone(), clock.clone(), Entropy::seeded(1)).is_err());
    config.application_ids.push("app".into());
    config.api_key_b64 = "not base64!".into();
    assert!(SdkState::open(config, clock, Entropy::seeded(1)).is_err());
}
