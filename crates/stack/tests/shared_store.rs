//! The `stack` schema's SQL on both databases (`MODERNO_TEST_STORE=postgres` for PostgreSQL): the
//! controls two handles over one database follow, and the inspector's record kept to its capacity.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration};
use moderno_ambient::{Clock, Fault, Faults};
use moderno_sql::Database;
use moderno_stack::shared::controls::{Controls, REREAD};
use moderno_stack::shared::{hop_log, SCHEMAS};
use moderno_wire::admin::Hop;

fn start() -> DateTime<chrono::Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

#[tokio::test]
async fn two_handles_over_one_database_follow_each_others_controls() {
    let dir = tempfile::tempdir().unwrap();
    let location = moderno_sql::testing::location(dir.path().join("stack.sqlite3"));
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let open = || Database::open(&location, &SCHEMAS).unwrap();
    // PostgreSQL: the re-read is a minute away, so B follows within the bound below only through
    // A's NOTIFY. SQLite has no NOTIFY: the re-read is how B follows there.
    let reread = if moderno_sql::testing::on_postgres() { REREAD * 60 } else { REREAD };
    let (clock_a, faults_a) = (Clock::manual(start()), Faults::none());
    let a = Controls::shared(open(), clock_a.clone(), faults_a.clone(), reread, stopped.clone()).await.unwrap();
    let (clock_b, faults_b) = (Clock::manual(start()), Faults::none());
    let b = Controls::shared(open(), clock_b.clone(), faults_b.clone(), reread, stopped).await.unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(30), b.hearing_other_instances())
        .await
        .expect("LISTEN in place within 30 s");

    a.advance(90_000).await.unwrap();
    a.switch(Fault::PushTimesOut, true).await.unwrap();
    a.remember_number_matching(true).await.unwrap();
    assert_eq!(clock_a.now(), start() + Duration::seconds(90), "the instance that asked follows at once");
    assert_eq!((faults_a.on(), a.advanced_ms(), a.number_matching()), (vec![Fault::PushTimesOut], 90_000, Some(true)));

    // B follows at its next read (A's NOTIFY on PostgreSQL, the re-read within a second on SQLite).
    let started = std::time::Instant::now();
    while faults_b.on() != vec![Fault::PushTimesOut] || b.number_matching() != Some(true) {
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "B never followed");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!((clock_b.now(), b.advanced_ms()), (start() + Duration::seconds(90), 90_000));

    b.reset().await.unwrap();
    assert_eq!((clock_b.now(), faults_b.on(), b.advanced_ms()), (start(), vec![], 0));
    a.switch(Fault::PushTimesOut, false).await.unwrap();
    assert_eq!((clock_a.now(), faults_a.on()), (start(), vec![]), "A read B's reset with its own change");
}

fn hop(path: &str) -> Hop {
    serde_json::from_value(serde_json::json!({
        "seq": 0, "order": 1, "at": "2027-01-15T08:00:00Z", "from": "App", "to": "PingID SDK", "method": "GET",
        "path": path, "status": 200, "millis": 1, "decoded": [], "beyondPing": false
    }))
    .unwrap()
}

#[tokio::test]
async fn the_record_keeps_its_last_hops_numbered_in_order_and_a_clear_keeps_the_numbering() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&moderno_sql::testing::location(dir.path().join("stack.sqlite3")), &SCHEMAS).unwrap();
    assert_eq!((hop_log::arrival(&db).await.unwrap(), hop_log::arrival(&db).await.unwrap()), (1, 2));
    for n in 1..=5 {
        hop_log::push(&db, hop(&format!("/hop/{n}")), 3).await.unwrap();
    }
    let kept = hop_log::after(&db, 0).await.unwrap();
    let seen: Vec<(u64, &str)> = kept.hops.iter().map(|h| (h.seq, h.path.as_str())).collect();
    assert_eq!(seen, vec![(3, "/hop/3"), (4, "/hop/4"), (5, "/hop/5")], "the last 3, oldest first");
    assert_eq!(kept.last, 5);
    assert_eq!(hop_log::after(&db, 4).await.unwrap().hops.len(), 1);

    hop_log::clear(&db).await.unwrap();
    hop_log::push(&db, hop("/after-clear"), 3).await.unwrap();
    let kept = hop_log::after(&db, 0).await.unwrap();
    assert_eq!((kept.hops.len(), kept.hops[0].seq, kept.last), (1, 6, 6));
}
