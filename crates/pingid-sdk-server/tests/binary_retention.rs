//! The PingID SDK server's `--retention-hours` and `--purge-interval-seconds`, tested as its binary
//! (`binary_flags`).

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod binary_flags;

use binary_flags::Purgeable;

#[test]
fn a_pairing_key_ended_an_hour_ago_is_purged_and_logged_with_no_retention_and_a_purge_each_second() {
    binary_flags::with_no_retention_and_a_purge_every_second_what_ended_an_hour_ago_is_purged(&Purgeable {
        binary: env!("CARGO_BIN_EXE_pingid-sdk-server"),
        file_flag: "--db",
        insert: "INSERT INTO pairing_keys (reference, key_hash, application_id, pairing_data, status, created, expires)
                 VALUES ('old', 'old-hash', 'moderno-app', 'alice', 'CLAIMED', ?1 * 1000, ?1 * 1000)",
        logged_as: "pairing_keys",
        count: "SELECT COUNT(*) FROM pairing_keys WHERE reference = 'old'",
    });
}

#[test]
fn a_negative_or_unreadable_retention_or_purge_interval_stops_the_binary_naming_the_flag() {
    binary_flags::a_negative_or_unreadable_retention_or_purge_interval_is_refused_naming_the_flag(env!(
        "CARGO_BIN_EXE_pingid-sdk-server"
    ));
}
