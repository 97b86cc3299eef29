//! The token key is drawn at first start and kept in the database: a token issued before a
//! restart still verifies under the JWKS after it; another install has its own key.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::mfa_server::test_clock;
use common::pf::stored_at;
use moderno_ambient::Entropy;
use moderno_sql::Location;
use pingfederate_server::{app, Config, PasswordCost, State};

/// Starts PingFederate on `db` and answers its published key id and key.
async fn published_key(db: &Location, entropy_seed: u64, seed: Option<[u8; 32]>) -> (String, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut config = Config::demo("unused.sqlite3".into(), url.clone(), "http://127.0.0.1:9");
    stored_at(&mut config, db);
    config.password_cost = PasswordCost::TestOnlyCheap;
    if let Some(seed) = seed {
        config = config.with_token_key_seed(seed);
    }
    let state = State::open(config, test_clock(), Entropy::seeded(entropy_seed)).unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let jwks: serde_json::Value = client.get(format!("{url}/pf/JWKS")).send().await.unwrap().json().await.unwrap();
    server.abort();
    (jwks["keys"][0]["kid"].as_str().unwrap().to_string(), jwks["keys"][0]["x"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn the_token_key_survives_a_restart_and_differs_between_installs() {
    let dir = tempfile::tempdir().unwrap();
    let db = moderno_sql::testing::location(dir.path().join("pf.sqlite3"));
    let first = published_key(&db, 1, None).await;
    assert_eq!(published_key(&db, 2, None).await, first, "restarted with other entropy, same key");
    let other = moderno_sql::testing::location(dir.path().join("other.sqlite3"));
    assert_ne!(published_key(&other, 3, None).await, first);
}

#[tokio::test]
async fn a_configured_signing_seed_wins_over_the_kept_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = moderno_sql::testing::location(dir.path().join("pf.sqlite3"));
    let kept = published_key(&db, 1, None).await;
    let seeded = published_key(&db, 1, Some([5; 32])).await;
    assert_ne!(seeded, kept);
    let other = moderno_sql::testing::location(dir.path().join("b.sqlite3"));
    assert_eq!(published_key(&other, 9, Some([5; 32])).await, seeded);
}
