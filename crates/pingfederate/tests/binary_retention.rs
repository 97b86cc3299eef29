//! PingFederate's `--retention-hours` and `--purge-interval-seconds`, tested as its binary
//! (`binary_flags`).

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

#[path = "../../pingid-sdk-server/tests/binary_flags/mod.rs"]
mod binary_flags;

use binary_flags::Purgeable;

#[test]
fn a_flow_ended_an_hour_ago_is_purged_and_logged_with_no_retention_and_a_purge_each_second() {
    binary_flags::with_no_retention_and_a_purge_every_second_what_ended_an_hour_ago_is_purged(&Purgeable {
        binary: env!("CARGO_BIN_EXE_pingfederate-server"),
        file_flag: "--database",
        insert: "INSERT INTO flows (id, session_hash, version, record, expires_at) VALUES ('old', 'old-session', 1, '{}', ?1)",
        logged_as: "flows",
        count: "SELECT COUNT(*) FROM flows WHERE id = 'old'",
    });
}

#[test]
fn a_negative_or_unreadable_retention_or_purge_interval_stops_the_binary_naming_the_flag() {
    binary_flags::a_negative_or_unreadable_retention_or_purge_interval_is_refused_naming_the_flag(env!(
        "CARGO_BIN_EXE_pingfederate-server"
    ));
}
