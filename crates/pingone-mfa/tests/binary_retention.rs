//! PingOne MFA's `--retention-hours` and `--purge-interval-seconds`, tested as its binary
//! (`binary_flags`).

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

#[path = "../../pingid-sdk-server/tests/binary_flags/mod.rs"]
mod binary_flags;

use binary_flags::Purgeable;

#[test]
fn an_outbox_message_ended_an_hour_ago_is_purged_and_logged_with_no_retention_and_a_purge_each_second() {
    binary_flags::with_no_retention_and_a_purge_every_second_what_ended_an_hour_ago_is_purged(&Purgeable {
        binary: env!("CARGO_BIN_EXE_pingone-mfa-server"),
        file_flag: "--database",
        insert: "INSERT INTO outbox (id, username, channel, to_addr, text, otp, sent_at, seq)
                 VALUES ('old', 'alice', 'SMS', '+15550100', 'Your passcode', '123456', ?1, 1)",
        logged_as: "outbox_messages",
        count: "SELECT COUNT(*) FROM outbox WHERE id = 'old'",
    });
}

#[test]
fn a_negative_or_unreadable_retention_or_purge_interval_stops_the_binary_naming_the_flag() {
    binary_flags::a_negative_or_unreadable_retention_or_purge_interval_is_refused_naming_the_flag(env!(
        "CARGO_BIN_EXE_pingone-mfa-server"
    ));
}
