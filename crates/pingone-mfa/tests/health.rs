//! `GET /health` (beyond PingOne: the emulators' operations endpoint) tells a load balancer
//! whether an instance can take traffic: its database answers and holds this release's schema.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::mfa_server::{test_clock, MfaServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn health(mfa: &MfaServer) -> (StatusCode, Value) {
    let response = mfa.client.get(format!("{}/health", mfa.url)).send().await.unwrap();
    let status = response.status();
    assert_eq!(response.headers()["cache-control"], "no-store");
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn both_instances_on_one_database_answer_up() {
    let a = MfaServer::start(&test_clock()).await;
    let b = a.another_instance(7, |_| {}).await;
    for mfa in [&a, &b] {
        assert_eq!(health(mfa).await, (StatusCode::OK, json!({"status": "UP"})));
    }
}

#[tokio::test]
async fn an_instance_whose_schema_is_not_this_releases_answers_down_and_up_again_once_it_is() {
    // SQLite's file is migrated by the one process that opens it; the version check is the
    // shared PostgreSQL schema's, where another release may have migrated it.
    if !moderno_sql::testing::on_postgres() {
        return;
    }
    let mfa = MfaServer::start(&test_clock()).await;
    let set_version = |version: i64| {
        mfa.state.database().write(move |c| c.execute("UPDATE schema_version SET version = ?1", [version]))
    };
    set_version(99).await.unwrap();
    assert_eq!(health(&mfa).await, (StatusCode::SERVICE_UNAVAILABLE, json!({"status": "DOWN"})));
    // This release's: the baseline and the pushes' order (migration 2).
    set_version(2).await.unwrap();
    assert_eq!(health(&mfa).await, (StatusCode::OK, json!({"status": "UP"})));
}
