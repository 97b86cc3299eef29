//! The demo's secrets: drawn at first start, kept in the database across restarts, different for
//! every install; a configured seed still fixes them.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::mfa_server::{keep_state_at, test_clock};
use moderno_ambient::Entropy;
use moderno_sql::testing::location;
use moderno_sql::Location;
use pingone_mfa_server::{app, Config, State};

/// Starts a server on `db` (a SQLite file, or a PostgreSQL database) and answers the public key its ID tokens verify under (`/{envId}/as/jwks`).
async fn server_key(db: &Location, entropy_seed: u64, secrets_seed: Option<[u8; 32]>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut config = Config::demo(std::path::PathBuf::from("unused.sqlite3"), url.clone());
    keep_state_at(&mut config, db);
    if let Some(seed) = secrets_seed {
        config = config.with_secrets_seed(&seed);
    }
    let state = State::open(config, test_clock(), Entropy::seeded(entropy_seed)).unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let jwks = format!("{url}/{}/as/jwks", pingone_mfa_server::DEMO_ENVIRONMENT_ID);
    let body: serde_json::Value = client.get(jwks).send().await.unwrap().json().await.unwrap();
    server.abort();
    body["keys"][0]["x"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn demo_secrets_are_drawn_at_first_start_kept_across_a_restart_and_differ_between_installs() {
    let dir = tempfile::tempdir().unwrap();
    let first_install = location(dir.path().join("one.sqlite3"));
    let first = server_key(&first_install, 1, None).await;
    let restarted = server_key(&first_install, 2, None).await;
    assert_eq!(first, restarted, "a restart keeps the secrets kept in the database");
    let other_install = server_key(&location(dir.path().join("two.sqlite3")), 3, None).await;
    assert_ne!(first, other_install, "another install draws its own");
}

#[tokio::test]
async fn a_configured_secrets_seed_fixes_the_secrets_whatever_the_database_holds() {
    let dir = tempfile::tempdir().unwrap();
    let a = location(dir.path().join("a.sqlite3"));
    let seeded = server_key(&a, 1, Some([9; 32])).await;
    let same_seed_elsewhere = server_key(&location(dir.path().join("b.sqlite3")), 2, Some([9; 32])).await;
    assert_eq!(seeded, same_seed_elsewhere);
    let drawn = server_key(&a, 1, None).await;
    assert_ne!(seeded, drawn, "a seeded start stores nothing; a later unseeded start draws");
}
