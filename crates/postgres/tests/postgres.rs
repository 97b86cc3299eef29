//! Against a real PostgreSQL: `scripts/with-postgres.sh` starts a throw-away cluster and sets
//! MODERNO_TEST_DATABASE_URL (the test script runs every test inside it). Without one these
//! tests say why and pass, unless MODERNO_REQUIRE_POSTGRES=1 (set by that script).

use std::time::Duration;

use moderno_postgres::{Listener, PgError, Pool, Schema, Wake};

fn database_url(test: &str) -> Option<String> {
    match std::env::var("MODERNO_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let required = std::env::var("MODERNO_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
            assert!(!required, "MODERNO_REQUIRE_POSTGRES=1 but MODERNO_TEST_DATABASE_URL is not set");
            println!("SKIPPED {test}: no PostgreSQL (run it under scripts/with-postgres.sh)");
            None
        }
    }
}

/// A schema name of the test's own, so tests sharing one cluster never meet.
fn unique(prefix: &str) -> &'static str {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").subsec_nanos();
    Box::leak(format!("{prefix}_{}_{nanos}", std::process::id()).into_boxed_str())
}

const MIGRATIONS: &[&str] = &[
    "CREATE TABLE pairing_keys (key text PRIMARY KEY, redeemed boolean NOT NULL DEFAULT false)",
    "ALTER TABLE pairing_keys ADD COLUMN issued_at bigint NOT NULL DEFAULT 0",
];

/// [`Pool::connect`] (blocking) from a test's async body.
async fn connect(url: &str, schema: Schema, size: u32) -> Result<Pool, PgError> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || Pool::connect(&url, schema, size)).await.expect("connect task")
}

/// `f` on a blocking thread (the pool's client blocks).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("blocking task")
}

/// One notification, as a service sends it.
fn notify(pool: &Pool, channel: &str, payload: &str) {
    pool.client().expect("client").execute("SELECT pg_notify($1, $2)", &[&channel, &payload]).expect("notifies");
}

#[tokio::test]
async fn eight_instances_starting_at_once_migrate_one_schema_once() {
    let Some(url) = database_url("concurrent migrations") else { return };
    // The first migration takes a while, so the instances' starts surely overlap.
    const SLOW: &[&str] = &[
        "SELECT pg_sleep(0.3); CREATE TABLE pairing_keys (key text PRIMARY KEY, redeemed boolean NOT NULL DEFAULT false)",
        MIGRATIONS[1],
    ];
    let schema = Schema { name: unique("race"), migrations: SLOW };
    let starts = (0..8).map(|_| {
        let url = url.clone();
        tokio::spawn(async move { connect(&url, schema, 2).await })
    });
    for start in starts {
        start.await.expect("joins").expect("every instance starts");
    }
    let pool = connect(&url, schema, 2).await.expect("starts again");
    blocking(move || {
        pool.ready().expect("ready: latest version");
        let mut client = pool.client().expect("client");
        assert_eq!(schema.version(&mut client).expect("version"), 2);
        // The second migration ran exactly once (running it twice fails: the column exists).
        let columns: i64 = client
            .query_one(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'pairing_keys'",
                &[&schema.name],
            )
            .expect("counts")
            .get(0);
        assert_eq!(columns, 3);
        // The pool's connections find the service's tables without naming the schema.
        client.execute("INSERT INTO pairing_keys (key) VALUES ('K1')", &[]).expect("search path is the schema");
    })
    .await;
}

#[tokio::test]
async fn a_database_from_a_newer_release_is_refused_and_left_as_it_is() {
    let Some(url) = database_url("newer schema") else { return };
    let name = unique("newer");
    let newer = Schema { name, migrations: MIGRATIONS };
    connect(&url, newer, 1).await.expect("the newer release migrates");
    let older = Schema { name, migrations: &MIGRATIONS[..1] };
    let refused = connect(&url, older, 1).await.expect_err("an older release must not start on it");
    assert!(matches!(refused, PgError::NewerSchema { found: 2, known: 1, .. }), "{refused:?}");
    assert!(refused.to_string().contains("version 2, newer than this release knows (1)"), "{refused}");
    let pool = connect(&url, newer, 1).await.expect("the newer release still starts");
    let version = blocking(move || newer.version(&mut pool.client().expect("client")).expect("version")).await;
    assert_eq!(version, 2, "not downgraded");
}

#[tokio::test]
async fn a_failing_migration_changes_nothing_and_names_itself() {
    let Some(url) = database_url("failing migration") else { return };
    let name = unique("broken");
    const BROKEN: &[&str] = &[MIGRATIONS[0], "ALTER TABLE no_such_table ADD COLUMN x int"];
    let broken = Schema { name, migrations: BROKEN };
    let error = connect(&url, broken, 1).await.expect_err("migration 2 fails");
    assert!(matches!(error, PgError::Migration { version: 2, .. }), "{error:?}");
    let good = Schema { name, migrations: &MIGRATIONS[..1] };
    let pool = connect(&url, good, 1).await.expect("nothing of the failed start was kept");
    let version = blocking(move || good.version(&mut pool.client().expect("client")).expect("version")).await;
    assert_eq!(version, 1);
}

#[tokio::test]
async fn a_notify_on_one_connection_wakes_a_listener_of_another_instance() {
    let Some(url) = database_url("listen/notify") else { return };
    let channel = unique("pushes");
    let listener = Listener::start(&url, &[channel]).await.expect("listens");
    let mut wakes = listener.subscribe();
    let pool = connect(&url, Schema { name: unique("notify"), migrations: &[] }, 1).await.expect("pool");
    blocking(move || notify(&pool, channel, "push-42")).await;
    let wake = tokio::time::timeout(Duration::from_secs(10), wakes.recv()).await.expect("woken").expect("open");
    assert_eq!(wake, Wake::Notified { channel: channel.to_owned(), payload: "push-42".to_owned() });
}

#[tokio::test]
async fn a_listener_whose_connection_is_killed_listens_again_and_says_so() {
    let Some(url) = database_url("listen after reconnect") else { return };
    let channel = unique("notices");
    let listener = Listener::start(&url, &[channel]).await.expect("listens");
    let mut wakes = listener.subscribe();
    let pool = connect(&url, Schema { name: unique("kill"), migrations: &[] }, 1).await.expect("pool");
    let pool2 = pool.clone();
    let killed: i64 = blocking(move || {
        pool2
            .client()
            .expect("client")
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = $1",
                &[&format!("LISTEN \"{channel}\"")],
            )
            .expect("terminates")
            .get(0)
    })
    .await;
    assert_eq!(killed, 1, "the listening connection was found and ended");
    let wake = tokio::time::timeout(Duration::from_secs(10), wakes.recv()).await.expect("reconnects").expect("open");
    assert_eq!(wake, Wake::Reconnected, "waiters are told to look again");
    blocking(move || notify(&pool, channel, "notice-7")).await;
    let wake = tokio::time::timeout(Duration::from_secs(10), wakes.recv()).await.expect("woken").expect("open");
    assert_eq!(wake, Wake::Notified { channel: channel.to_owned(), payload: "notice-7".to_owned() });
}

#[tokio::test]
async fn a_bad_or_unreachable_database_url_is_a_clear_error_without_the_password() {
    let bad = connect("mysql://nope", Schema { name: "x", migrations: &[] }, 1).await.expect_err("not postgres");
    assert!(matches!(bad, PgError::BadUrl(_)), "{bad:?}");
    let closed = connect(
        "postgres://moderno:hunter2@127.0.0.1:1/moderno?connect_timeout=2",
        Schema { name: "x", migrations: &[] },
        1,
    )
    .await
    .expect_err("nothing listens on port 1");
    assert!(matches!(closed, PgError::Unreachable(_)), "{closed:?}");
    assert!(!closed.to_string().contains("hunter2") && !bad.to_string().contains("hunter2"), "{closed}");
}
