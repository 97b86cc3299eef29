//! PingFederate's heartbeat, `GET /pf/heartbeat.ping`, as Ping documents it: 200 and `OK` while
//! the server runs, another status when it is down ("Liveliness and responsiveness",
//! https://docs.pingidentity.com/pingfederate/latest/pingfederate_monitoring_guide/pf_liveliness_responsiveness.html).
//! Here the server is down when its database does not answer: 503, as `GET /health` then is.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::pf::Stack;
use moderno_sql::Location;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn heartbeat(http: &reqwest::Client, stack: &Stack) -> (StatusCode, Option<String>, String) {
    let answer = http.get(format!("{}/pf/heartbeat.ping", stack.pf_url)).send().await.unwrap();
    let content_type = answer.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
    (answer.status(), content_type, answer.text().await.unwrap())
}

async fn health(http: &reqwest::Client, stack: &Stack) -> (StatusCode, Value) {
    let answer = http.get(format!("{}/health", stack.pf_url)).send().await.unwrap();
    (answer.status(), answer.json().await.unwrap())
}

/// Runs `sql` on the test cluster as its administrator.
fn as_admin(sql: String) {
    moderno_sql::testing::as_admin(&sql).expect("the administrator's statement");
}

#[tokio::test]
async fn the_heartbeat_answers_ok_while_the_database_answers_and_503_while_it_does_not() {
    let stack = Stack::start().await;
    let http = reqwest::Client::builder().no_proxy().timeout(std::time::Duration::from_secs(60)).build().unwrap();
    let (status, content_type, body) = heartbeat(&http, &stack).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "OK"));
    assert_eq!(content_type.as_deref(), Some("text/plain; charset=utf-8"));
    assert_eq!(health(&http, &stack).await, (StatusCode::OK, json!({"status": "UP"})));

    // Only PostgreSQL can be taken away from a running server (a SQLite file is this process's).
    let Location::Postgres(url) = &stack.location else { return };
    let name = url.expose().rsplit('/').next().unwrap().to_string();
    as_admin(format!(
        "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false;
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
    ));
    let (status, _, body) = heartbeat(&http, &stack).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], "UNEXPECTED_ERROR", "{body}");
    assert!(!body.to_string().contains("127.0.0.1"), "the reason is logged, not answered: {body}");
    assert_eq!(health(&http, &stack).await, (StatusCode::SERVICE_UNAVAILABLE, json!({"status": "DOWN"})));

    as_admin(format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true;"));
    let (status, _, body) = heartbeat(&http, &stack).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "OK"), "back once the database answers");
}
