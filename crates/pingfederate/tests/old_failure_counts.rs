//! Password failure counts written by a version from before names that are no account were told
//! apart (no `account` or `updated_ms` column) are settled when PingFederate opens the file: the
//! names that are accounts keep their counts as accounts, the others are forgotten a day after
//! their last attempt like every newer count of a name that is no account, and a name locked
//! stays locked. So the table neither marks every old name as an account nor grows forever.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use chrono::Duration;
use common::mfa_server::test_clock;
use moderno_ambient::{Clock, Entropy};
use pingfederate_server::{app, Config, PasswordCost, State};
use rusqlite::Connection;
use serde_json::{json, Value};

/// A file as the version before wrote it, in a directory of its own: counts with their
/// back-off, nothing more.
fn old_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pf.sqlite3");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE password_failures (username TEXT PRIMARY KEY, count INTEGER NOT NULL, not_before_ms INTEGER);
         INSERT INTO password_failures VALUES ('alice', 5, NULL), ('mallory', 5, NULL), ('locked-out', 100, NULL);",
    )
    .unwrap();
    (dir, path)
}

/// `(username, count, account, updated_ms)` of every row, by name.
fn rows(path: &Path) -> Vec<(String, i64, i64, i64)> {
    let conn = Connection::open(path).unwrap();
    let mut query =
        conn.prepare("SELECT username, count, account, updated_ms FROM password_failures ORDER BY username").unwrap();
    query.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect()
}

async fn serve(path: &Path, clock: Clock) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut config = Config::demo(path.to_path_buf(), url.clone(), "http://127.0.0.1:9");
    config.password_cost = PasswordCost::TestOnlyCheap;
    let state = State::open(config, clock, Entropy::seeded(7)).unwrap();
    let refusal = pingfederate_server::serving_refusal();
    tokio::spawn(moderno_ambient::serving::serve(listener, app(state), refusal, std::future::pending()));
    url
}

/// One wrong password for `username` in a new redirectless flow; answers the refusal.
async fn wrong_password(url: &str, username: &str) -> Value {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let query = [
        ("client_id", pingfederate_server::DESKTOP_CLIENT_ID),
        ("response_type", "code"),
        ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
        ("code_challenge_method", "S256"),
        ("response_mode", "pi.flow"),
    ];
    let started = http.get(format!("{url}/as/authorization.oauth2")).query(&query).send().await.unwrap();
    let cookie = started.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let flow: Value = started.json().await.unwrap();
    let answer = http
        .post(format!("{url}/pf-ws/authn/flows/{}", flow["id"].as_str().unwrap()))
        .header("x-xsrf-header", "PingFederate")
        .header("cookie", cookie)
        .header("content-type", "application/vnd.pingidentity.checkUsernamePassword+json")
        .body(json!({"username": username, "password": "not the password"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    answer.json().await.unwrap()
}

#[tokio::test]
async fn counts_from_an_older_file_are_marked_by_account_and_those_of_no_account_are_forgotten_a_day_later() {
    // About a SQLite file an older release wrote: PostgreSQL never had these rows.
    if moderno_sql::testing::on_postgres() {
        return;
    }
    let (_dir, path) = old_file();
    let clock = test_clock();
    let url = serve(&path, clock.clone()).await;
    let now_ms = clock.now().timestamp_millis();
    assert_eq!(
        rows(&path),
        vec![("alice".into(), 5, 1, now_ms), ("locked-out".into(), 100, 0, now_ms), ("mallory".into(), 5, 0, now_ms),],
        "alice is a demo account, the others are not; all dated the start"
    );

    // A day and a minute later any attempt purges the old counts of names that are no account;
    // an account's count and a lock stay.
    clock.advance(Duration::hours(24) + Duration::minutes(1));
    let refused = wrong_password(&url, "someone-new").await;
    assert_eq!(refused["details"][0]["code"], "CREDENTIAL_VALIDATION_FAILED", "{refused}");
    let left: Vec<(String, i64)> = rows(&path).into_iter().map(|(name, count, ..)| (name, count)).collect();
    assert_eq!(left, vec![("alice".into(), 5), ("locked-out".into(), 100), ("someone-new".into(), 1)]);

    // mallory starts over: the first two failures cost no back-off, as for any new name.
    for _ in 0..2 {
        let refused = wrong_password(&url, "mallory").await;
        let words = refused["details"][0]["userMessage"].as_str().unwrap_or_default().to_string();
        assert!(words.contains("didn't recognize"), "{refused}");
    }
}

#[tokio::test]
async fn a_file_already_settled_is_left_as_it_is_on_the_next_start() {
    // About a SQLite file an older release wrote: PostgreSQL never had these rows.
    if moderno_sql::testing::on_postgres() {
        return;
    }
    let (_dir, path) = old_file();
    let clock = test_clock();
    serve(&path, clock.clone()).await;
    let settled = rows(&path);
    clock.advance(Duration::minutes(5));
    serve(&path, clock.clone()).await;
    assert_eq!(rows(&path), settled, "dated once, at the first start");
}
