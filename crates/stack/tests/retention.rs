//! The stack passes one retention setting to the PingID SDK server, PingOne and PingFederate
//! (`docs/security.md`, "Retention"); unset, each keeps its own default.

use moderno_customer_server::PasswordCost;
use moderno_stack::{Stack, StackConfig};

#[tokio::test]
async fn the_retention_and_purge_interval_reach_every_service_and_unset_keep_their_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = StackConfig::loopback(dir.path().join("set"));
    config.password_cost = PasswordCost::TestOnlyCheap;
    config.retention = Some(chrono::Duration::minutes(5));
    config.purge_interval = Some(std::time::Duration::ZERO);
    let stack = Stack::start(config).await.expect("starts");
    assert_eq!(stack.pingone.config().retention, chrono::Duration::minutes(5));
    assert_eq!(stack.pingfederate.config().retention, chrono::Duration::minutes(5));
    assert_eq!(stack.sdk.config.retention, chrono::Duration::minutes(5));
    assert!(stack.pingone.config().purge_interval.is_zero() && stack.pingfederate.config().purge_interval.is_zero());
    assert!(stack.sdk.config.purge_interval.is_zero());
    // Each purges its own file (nothing finished yet).
    assert_eq!(stack.pingone.purge_finished().await.expect("PingOne purges"), Default::default());
    assert_eq!(stack.pingfederate.purge_finished().await.expect("PingFederate purges"), Default::default());
    assert_eq!(stack.sdk.purge_finished().await.expect("the SDK server purges"), Default::default());
    stack.shutdown().await;

    let mut config = StackConfig::loopback(dir.path().join("unset"));
    config.password_cost = PasswordCost::TestOnlyCheap;
    let stack = Stack::start(config).await.expect("starts");
    assert_eq!(stack.pingone.config().retention, chrono::Duration::hours(24));
    assert_eq!(stack.pingfederate.config().retention, chrono::Duration::hours(24));
    assert_eq!(stack.pingone.config().purge_interval, std::time::Duration::from_secs(600));
    assert_eq!(stack.pingfederate.config().purge_interval, std::time::Duration::from_secs(600));
    assert_eq!(stack.sdk.config.retention, chrono::Duration::hours(24));
    assert_eq!(stack.sdk.config.purge_interval, std::time::Duration::from_secs(600));
    stack.shutdown().await;
}
