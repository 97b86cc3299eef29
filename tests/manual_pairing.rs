//! Seed 003, "Manual pairing flow": subflow 1 issues a key on the customer server's web page,
//! subflow 2 pairs the first device with it — once.

use chrono::TimeDelta;
use moderno_crypto::pairing_key::ALPHABET;
use moderno_device::UserSelection;
use moderno_e2e::{TestStack, PASSWORD};
use moderno_wire::device_api::PairingOutcome;
use moderno_wire::moderno::Status;
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::UserStatus;

/// Posts the web page's login form; returns the HTTP status and the page.
async fn web_login(t: &TestStack, user: &str, password: &str) -> (u16, String) {
    let response = post_login(t, user, password).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("a page"))
}

async fn post_login(t: &TestStack, user: &str, password: &str) -> reqwest::Response {
    web()
        .post(format!("{}/pairing-key", t.stack.customer_url))
        .form(&[("username", user), ("password", password)])
        .send()
        .await
        .expect("the web page answers")
}

fn web() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("client")
}

/// Posts "Get a fresh key" with `cookie` (`name=value`), if any.
async fn fresh_key(t: &TestStack, cookie: Option<&str>) -> (u16, String) {
    let mut request = web().post(format!("{}/pairing-key/fresh", t.stack.customer_url));
    if let Some(cookie) = cookie {
        request = request.header(reqwest::header::COOKIE, cookie);
    }
    let response = request.send().await.expect("the web page answers");
    (response.status().as_u16(), response.text().await.expect("a page"))
}

/// The first `XXXX-XXXX-XXXX` on the page.
fn key_on(page: &str) -> Option<String> {
    let is_key_char = |b: &u8| ALPHABET.contains(b);
    page.as_bytes().windows(14).find_map(|w| {
        let shaped = w.iter().enumerate().all(|(i, b)| if i == 4 || i == 9 { *b == b'-' } else { is_key_char(b) });
        shaped.then(|| String::from_utf8_lossy(w).into_owned())
    })
}

#[tokio::test]
async fn the_web_page_issues_a_key_that_pairs_the_first_device_once_and_is_refused_after() {
    let t = TestStack::start().await;
    t.use_manual_pairing().await;

    let (status, page) = web_login(&t, "alice", PASSWORD).await;
    assert_eq!(status, 200, "{page}");
    let key = key_on(&page).unwrap_or_else(|| panic!("no pairing key on the page:\n{page}"));
    assert!(page.to_lowercase().contains("install"), "the page says how to install the app");

    let laptop = t.device("laptop").await;
    let without_key = laptop.login("alice").await;
    assert_eq!(without_key.status, Status::PairingKeyRequired, "{without_key:?}");

    // Typed sloppily: lower case, spaces for dashes.
    let typed = key.to_lowercase().replace('-', " ");
    let with_key = laptop.login_with("alice", PASSWORD, Some(&typed)).await;
    let levels = laptop.offered_levels(&with_key).await;
    assert_eq!(levels, vec![TrustLevel::Primary, TrustLevel::Trusted, TrustLevel::Ignore]);

    // Another device racing with the same key before the first completes: the key is used.
    let intruder = t.device("intruder").await;
    let reused = intruder.login_with("alice", PASSWORD, Some(&key)).await;
    assert_eq!(reused.status, Status::InvalidPairingKey, "{reused:?}");
    assert!(reused.ping_id_payload.is_none());

    let paired = laptop.choose(UserSelection::Trust(TrustLevel::Primary)).await;
    assert_eq!(paired.outcome, PairingOutcome::Success);
    let user = t.sdk().get_user("alice", true).await.expect("alice");
    assert_eq!(user.status, UserStatus::Active);
    assert_eq!(user.devices.unwrap_or_default().len(), 1, "only the laptop was paired");
}

#[tokio::test]
async fn a_key_is_refused_for_another_user_after_it_expires_and_when_garbled() {
    let t = TestStack::start().await;
    t.use_manual_pairing().await;
    let (_, page) = web_login(&t, "bob", PASSWORD).await;
    let key = key_on(&page).expect("a key for bob");
    let laptop = t.device("laptop").await;

    let other_user = laptop.login_with("carol", PASSWORD, Some(&key)).await;
    assert_eq!(other_user.status, Status::InvalidPairingKey, "bound to bob: {other_user:?}");
    let garbled = laptop.login_with("bob", PASSWORD, Some("not a key")).await;
    assert_eq!(garbled.status, Status::InvalidPairingKey, "{garbled:?}");

    t.advance(TimeDelta::minutes(11));
    let expired = laptop.login_with("bob", PASSWORD, Some(&key)).await;
    assert_eq!(expired.status, Status::InvalidPairingKey, "expired after 10 minutes: {expired:?}");
    let user = t.sdk().get_user("bob", true).await.expect("bob");
    assert!(user.devices.unwrap_or_default().is_empty(), "nothing was paired");
}

#[tokio::test]
async fn the_web_page_refuses_wrong_credentials_without_issuing_a_key() {
    let t = TestStack::start().await;
    t.use_manual_pairing().await;
    let (status, page) = web_login(&t, "alice", "wrong-password").await;
    assert_eq!(status, 401);
    assert!(key_on(&page).is_none(), "no key for a failed login");
    let (status, page) = web_login(&t, "nobody", "wrong-password").await;
    assert_eq!(status, 401);
    assert!(key_on(&page).is_none());
}

#[tokio::test]
async fn the_web_page_sends_a_user_with_a_paired_device_to_that_device() {
    let t = TestStack::start().await;
    let laptop = t.device("laptop").await;
    laptop.pair_first("dave", TrustLevel::Primary).await;
    t.use_manual_pairing().await;
    let (status, page) = web_login(&t, "dave", PASSWORD).await;
    assert_eq!(status, 200);
    assert!(key_on(&page).is_none(), "keys are for a first device only:\n{page}");
    assert!(page.to_lowercase().contains("paired"), "{page}");
}

#[tokio::test]
async fn the_key_page_shows_a_qr_code_and_a_countdown_and_gives_a_fresh_key_without_the_password() {
    let t = TestStack::start().await;
    t.use_manual_pairing().await;
    let response = post_login(&t, "alice", PASSWORD).await;
    assert_eq!(response.status().as_u16(), 200);
    let set_cookie = response
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/pairing-key"] {
        assert!(set_cookie.contains(attribute), "the web session cookie is {attribute}: {set_cookie}");
    }
    let csp =
        response.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(csp.split(';').any(|d| d.trim() == "script-src 'self'"), "no inline script runs: {csp}");
    let cookie = set_cookie.split(';').next().expect("name=value").to_string();
    let page = response.text().await.expect("a page");
    let first = key_on(&page).expect("a key");
    assert!(page.contains("<svg") && page.contains("the pairing key as a QR code"), "the key as a QR code too");
    let seconds: i64 = page
        .split("data-seconds-left=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|n| n.parse().ok())
        .expect("the countdown's start");
    assert!((1..=3600).contains(&seconds), "counts down from the key's lifetime: {seconds}");
    assert!(!page.contains(PASSWORD), "the password is never echoed");
    let script = web().get(format!("{}/pairing-key.js", t.stack.customer_url)).send().await.expect("the script");
    assert!(script.headers()["content-type"].to_str().is_ok_and(|v| v.starts_with("text/javascript")));
    assert!(script.text().await.expect("js").contains("secondsLeft"));

    // No cookie, a forged one: the login form again, and no key.
    for bad in [None, Some("moderno_web=forged")] {
        let (status, page) = fresh_key(&t, bad).await;
        assert_eq!(status, 401, "{bad:?}");
        assert!(page.contains("Log in again") && key_on(&page).is_none(), "{page}");
    }

    let (status, page) = fresh_key(&t, Some(&cookie)).await;
    assert_eq!(status, 200, "{page}");
    let fresh = key_on(&page).expect("a fresh key");
    assert_ne!(fresh, first, "a new key");
    let laptop = t.device("laptop").await;
    let answer = laptop.login_with("alice", PASSWORD, Some(&fresh)).await;
    assert_eq!(laptop.offered_levels(&answer).await[0], TrustLevel::Primary, "the fresh key pairs the first device");

    // The web session ends after 30 idle minutes.
    t.advance(TimeDelta::minutes(31));
    assert_eq!(fresh_key(&t, Some(&cookie)).await.0, 401);
}
