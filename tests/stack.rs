//! One stack, every service: what the demo command and the app's embedded mode start.

use moderno_e2e::TestStack;

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url} answers: {e}"));
    (response.status().as_u16(), response.text().await.expect("a body"))
}

#[tokio::test]
async fn the_stack_serves_every_service_on_its_own_loopback_port() {
    let t = TestStack::start().await;
    let s = &t.stack;
    let urls = [&s.sdk_url, &s.customer_url, &s.pingone_url, &s.pingfederate_url];
    for (i, a) in urls.iter().enumerate() {
        assert!(a.starts_with("http://127.0.0.1:"), "{a}");
        assert!(urls.iter().skip(i + 1).all(|b| b != a), "each service has its own port");
    }

    let (status, key) = get(&format!("{}/pingid/v1/device/server-key", s.sdk_url)).await;
    assert_eq!(status, 200, "{key}");
    assert!(key.contains("publicKey"), "{key}");
    let (status, page) = get(&format!("{}/", s.customer_url)).await;
    assert_eq!(status, 200);
    assert!(page.contains("<form"), "the pairing-key page has its login form");
    let (status, jwks) = get(&format!("{}/pf/JWKS", s.pingfederate_url)).await;
    assert_eq!(status, 200, "{jwks}");
    assert!(jwks.contains("\"keys\""), "{jwks}");
    let (status, discovery) = get(&format!("{}/.well-known/openid-configuration", s.pingfederate_url)).await;
    assert_eq!(status, 200);
    assert!(discovery.contains(&s.pingfederate_url), "the issuer is the bound URL: {discovery}");
}

#[tokio::test]
async fn stopping_the_stack_closes_every_port() {
    let t = TestStack::start().await;
    let urls = [
        t.stack.sdk_url.clone(),
        t.stack.customer_url.clone(),
        t.stack.pingone_url.clone(),
        t.stack.pingfederate_url.clone(),
    ];
    let TestStack { stack, pair, .. } = t;
    stack.shutdown().await;
    // On two instances the URLs are the proxies': B and they stop too.
    if let Some(pair) = pair {
        pair.shutdown().await;
    }
    for url in urls {
        let refused = reqwest::Client::builder().no_proxy().build().expect("client").get(&url).send().await;
        assert!(refused.is_err(), "{url} still answers after shutdown");
    }
}

#[tokio::test]
async fn the_stack_can_start_in_manual_pairing_mode_for_qa() {
    let t = TestStack::start_with(|c| c.pairing_mode = Some(moderno_wire::sdk::PairingMode::Manual)).await;
    assert_eq!(t.settings().await.pairing_mode, moderno_wire::sdk::PairingMode::Manual);
    let laptop = t.device("laptop").await;
    let answer = laptop.login("alice").await;
    assert_eq!(answer.status, moderno_wire::moderno::Status::PairingKeyRequired, "{answer:?}");
}
