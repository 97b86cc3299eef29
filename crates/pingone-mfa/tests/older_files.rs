//! A SQLite file an older release wrote opens in this one: migration 2 gives the outbox an order
//! column of its own (`seq`, once SQLite's rowid), keeping the messages in the order they were
//! sent, and later messages come after them.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::mfa_server::{test_clock, MfaServer};
use moderno_sql::Location;
use reqwest::StatusCode;
use serde_json::json;

/// `seq` of bob's messages in the order they were written.
fn seqs(path: &std::path::Path) -> Vec<Option<i64>> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut statement = conn.prepare("SELECT seq FROM outbox ORDER BY rowid").unwrap();
    statement.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

async fn send_passcode(mfa: &MfaServer) -> String {
    let (status, auth) = mfa.start_auth("bob", json!({})).await;
    assert_eq!((status, &auth["status"]), (StatusCode::CREATED, &json!("OTP_REQUIRED")), "{auth}");
    mfa.last_sent_code("bob").await
}

#[tokio::test]
async fn an_older_releases_outbox_keeps_the_order_it_was_sent_in_and_new_messages_come_after() {
    // About the SQLite file and its migrations: PostgreSQL's schema starts at this release.
    if moderno_sql::testing::on_postgres() {
        return;
    }
    let older = MfaServer::start(&test_clock()).await;
    older.create_user("bob").await;
    older.add_device("bob", "SMS").await;
    let mut sent = Vec::new();
    for _ in 0..3 {
        sent.push(send_passcode(&older).await);
    }
    let Location::File(path) = &older.location else { unreachable!("a SQLite file") };
    // The file as the release before the order columns left it: schema version 1, no `seq` (nor
    // migration 3's `push_seq`).
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch(
            "DROP INDEX outbox_by_user; ALTER TABLE outbox DROP COLUMN seq;
             DROP INDEX authentications_by_push_seq; ALTER TABLE authentications DROP COLUMN push_seq;
             PRAGMA user_version = 1;",
        )
        .unwrap();

    let upgraded = older.another_instance(7, |_| {}).await;
    assert_eq!(seqs(path), [Some(1), Some(2), Some(3)], "the messages numbered in the order they were sent");
    sent.push(send_passcode(&upgraded).await);
    assert_eq!(seqs(path), [Some(1), Some(2), Some(3), Some(4)]);
    let (status, outbox) = upgraded.get(&format!("{}/outbox/bob", upgraded.url)).await;
    assert_eq!(status, StatusCode::OK, "{outbox}");
    let read: Vec<&str> = outbox.as_array().unwrap().iter().map(|m| m["otp"].as_str().unwrap()).collect();
    assert_eq!(read, sent, "oldest first, the newest last");
}
