//! One address for several instances: with public URLs (a load balancer's), every URL a service
//! hands out is the public one, the public host name is served, and the instance still listens
//! where it was told. Without them nothing changes (the other tests).

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

use moderno_customer_server::PasswordCost;
use moderno_sql::Location;
use moderno_stack::{Stack, StackConfig};
use serde_json::Value;

const LB: &str = "moderno-lb.test";

#[tokio::test]
async fn with_public_urls_every_handed_out_url_is_the_load_balancers() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = StackConfig::loopback(dir.path().to_path_buf());
    config.password_cost = PasswordCost::TestOnlyCheap;
    if let Location::Postgres(url) = moderno_sql::testing::location(dir.path().join("unused.sqlite3")) {
        config.database_url = Some(url);
    }
    config.sdk_url = Some(format!("http://{LB}:7001/"));
    config.customer_url = Some(format!("http://{LB}:7002"));
    config.pingone_url = Some(format!("http://{LB}:7003"));
    config.pingfederate_url = Some(format!("https://{LB}"));
    let stack = Stack::start(config).await.unwrap();

    assert_eq!(stack.sdk_url, format!("http://{LB}:7001"), "trailing / dropped");
    assert_eq!(
        [&stack.customer_url, &stack.pingone_url, &stack.pingfederate_url],
        [&format!("http://{LB}:7002"), &format!("http://{LB}:7003"), &format!("https://{LB}")]
    );
    assert!(stack.instance.sdk.starts_with("http://127.0.0.1:"), "the instance listens where told");
    assert_eq!(stack.sdk.config.device_api_url(), format!("http://{LB}:7001/pingid/v1/device"), "server payloads");
    assert_eq!(stack.pingone.config().public_url, format!("http://{LB}:7003"), "PingOne's payloads");
    assert_eq!(stack.pingfederate.config().pingone_url, format!("http://{LB}:7003"), "PingFederate's PingOne");

    // A load balancer passes the name clients asked for: served, and PingFederate's issuer is it.
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let discovery = format!("{}/.well-known/openid-configuration", stack.instance.pingfederate);
    let answer = http.get(&discovery).header("host", LB).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let document: Value = answer.json().await.unwrap();
    assert_eq!(document["issuer"], format!("https://{LB}"), "{document}");
    let answer = http.get(&discovery).header("host", "elsewhere.example").send().await.unwrap();
    assert_eq!(answer.status(), 421, "other names are still refused");
    stack.shutdown().await;
}
