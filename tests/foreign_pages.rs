//! What a web page the demo laptop visits can do to the stack on its loopback (issue 11): nothing.
//! A page on a name rebound to 127.0.0.1 is refused by `Host` at every service; a page of
//! another origin cannot drive the admin API (not even with a `text/plain` body, which needs no
//! CORS preflight); and the stack a team shares runs with the account it was given, never the
//! public demo one by accident. Over real loopback HTTP; each refusal leaves the state as it was.

use moderno_crypto::pingid_hmac::ApiCredentials;
use moderno_e2e::admin::stack;
use moderno_e2e::{TestStack, PASSWORD};
use moderno_stack::credentials::Credentials;
use moderno_stack::{Stack, StackConfig};
use serde_json::Value;

#[path = "json_answers.rs"]
mod json_answers;

use json_answers::{http, send};

#[tokio::test]
async fn every_service_refuses_a_host_name_rebound_to_loopback_and_nothing_changes() {
    let (t, admin) = stack().await;
    let before = admin.state().await;
    let s = &t.stack;
    let services = [
        (&s.sdk_url, "/pingid/v1/accounts/x"),
        (&s.customer_url, "/healthz"),
        (&s.pingone_url, "/"),
        (&s.pingfederate_url, "/pf/JWKS"),
        (&admin.url, "/admin"),
    ];
    for (url, path) in services {
        let port = url.rsplit(':').next().expect("a port");
        let (status, body) =
            send(http().get(format!("{url}{path}")).header("host", format!("evil.example:{port}"))).await;
        assert_eq!(status, 421, "{url}{path}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("host name")), "{body}");
    }
    // A state-changing request on a rebound name: refused before the handler, the clock unmoved.
    let port = admin.url.rsplit(':').next().expect("a port");
    let (status, _) = send(
        http()
            .post(format!("{}/admin/clock", admin.url))
            .header("host", format!("attacker.example:{port}"))
            .json(&serde_json::json!({"advanceSeconds": 3600})),
    )
    .await;
    assert_eq!(status, 421);
    assert_eq!(admin.state().await, before, "nothing changed");
    // The loopback names are served.
    let (status, _) =
        send(http().get(format!("{}/admin", admin.url)).header("host", format!("localhost:{port}"))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_page_of_another_origin_cannot_reset_switch_or_read_through_the_admin_api() {
    let (t, admin) = stack().await;
    admin.on("push-times-out").await;
    let before = admin.state().await;
    let from_page = |request: reqwest::RequestBuilder| {
        request.header("origin", "http://evil.example").header("sec-fetch-site", "cross-site")
    };
    let reset =
        from_page(http().post(format!("{}/admin/reset", admin.url))).header("content-type", "text/plain").body("x");
    let switch = from_page(http().put(format!("{}/admin/faults/push-times-out", admin.url)))
        .header("content-type", "text/plain")
        .body(r#"{"on": false}"#);
    let outbox = http().get(format!("{}/admin/outbox/carol", admin.url)).header("sec-fetch-site", "cross-site");
    for request in [reset, switch, outbox] {
        let (status, body) = send(request).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("FORBIDDEN")), "{body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("web pages")), "{body}");
    }
    assert_eq!(admin.state().await, before, "the fault is still on, nothing was reset");
    // A person typing the address into a browser is no other page.
    let typed =
        http().get(format!("{}/admin", admin.url)).header("sec-fetch-site", "none").send().await.expect("an answer");
    assert_eq!(typed.status().as_u16(), 200);
    drop(t);
}

#[tokio::test]
async fn the_stack_uses_the_account_it_is_given_and_refuses_the_demo_key() {
    let given = Credentials {
        account_token: "qa-account-token".into(),
        api_key_b64: "cWEtc2VydmVyLWtleS1ub3QtdGhlLWRlbW8tb25l".into(),
        ..Credentials::demo()
    };
    let t = TestStack::start_with(|c| c.credentials = given.clone()).await;
    // The customer server signs with the given key: a first login goes through to pairing.
    let laptop = t.device("laptop").await;
    let answer = laptop.login_with("alice", PASSWORD, None).await;
    assert_eq!(answer.status.code(), 0, "{answer:?}");
    // A request signed with the public demo key is refused by the SDK server, in Ping's words.
    let demo = Credentials::demo();
    let creds =
        ApiCredentials::new(&demo.account_id, &demo.account_token, &demo.api_key_b64).expect("demo credentials");
    let path = format!("/pingid/v1/accounts/{}/applications/{}/users/alice", demo.account_id, demo.application_id);
    let (status, body) = t.sdk_signed_by(&creds, reqwest::Method::GET, &path, b"", "application/json").await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn a_stack_other_machines_can_reach_will_not_start_with_the_public_demo_secrets() {
    let dir = tempfile::tempdir().expect("a directory");
    let mut config = StackConfig::loopback(dir.path().to_path_buf());
    config.customer_listen = ([0, 0, 0, 0], 0).into();
    let refusal = Stack::start(config.clone()).await.err().expect("refused").to_string();
    assert!(refusal.contains("PINGID_API_KEY") && refusal.contains("--demo"), "{refusal}");
    assert!(std::fs::read_dir(dir.path()).expect("the directory").next().is_none(), "nothing was written");
    config.open_demo = true;
    let started = Stack::start(config).await.expect("an open demo, declared so, starts");
    started.shutdown().await;
}

/// PingOne's worker secret in the README is public: on a stack other machines can reach (or one
/// guarded by an admin token), the worker application (PingFederate, in this process) gets a
/// random secret unless one is given,
/// so the published one mints no token there ("Token", client credentials, PingOne Platform API).
#[tokio::test]
async fn the_published_worker_secret_mints_a_token_on_loopback_only() {
    async fn token_status(pingone_url: &str) -> u16 {
        let url = format!("{pingone_url}/{}/as/token", pingone_mfa_server::DEMO_ENVIRONMENT_ID);
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", pingone_mfa_server::DEMO_WORKER_CLIENT_ID),
            ("client_secret", pingone_mfa_server::DEMO_WORKER_CLIENT_SECRET),
        ];
        http().post(url).form(&form).send().await.expect("an answer").status().as_u16()
    }
    let on_loopback = TestStack::start().await;
    assert_eq!(token_status(&on_loopback.stack.pingone_url).await, 200, "the demo secret works on loopback");

    let reachable = TestStack::start_with(|c| {
        c.pingone_listen = ([0, 0, 0, 0], 0).into();
        c.credentials =
            Credentials { account_token: "qa-token".into(), api_key_b64: "cWEta2V5".into(), ..Credentials::demo() };
    })
    .await;
    let port = reachable.stack.pingone_url.rsplit(':').next().expect("a port");
    assert_eq!(token_status(&format!("http://127.0.0.1:{port}")).await, 401, "the published secret is refused");
    // On loopback behind an admin token the outbox is read through the admin API only.
    let guarded =
        TestStack::start_with(|c| c.admin_token = moderno_stack::admin::AdminToken::new("qa-admin-token")).await;
    assert_eq!(token_status(&guarded.stack.pingone_url).await, 401, "the admin token guards the outbox");
    // PingFederate, in the same process, is given the secret PingOne drew.
    let drawn = &reachable.stack.pingone.config().worker_client_secret;
    assert_ne!(drawn.expose(), pingone_mfa_server::DEMO_WORKER_CLIENT_SECRET);
    assert_eq!(&reachable.stack.pingfederate.config().pingone_client_secret, drawn);
}

/// A page's `text/plain` post (no preflight) reaches no state at any service: the SDK server
/// wants Ping's signature, PingOne a worker token, PingFederate's authentication API its
/// `X-XSRF-Header` (a header a page can only send after a preflight CORS refuses), the customer
/// server JSON from no other page; and nothing was created.
#[tokio::test]
async fn a_pages_text_plain_post_changes_nothing_at_any_service() {
    let (t, _admin) = stack().await;
    let s = &t.stack;
    let demo = Credentials::demo();
    let posts = [
        format!("{}/pingid/v1/accounts/{}/applications/{}/users", s.sdk_url, demo.account_id, demo.application_id),
        format!("{}/v1/environments/{}/users", s.pingone_url, pingone_mfa_server::DEMO_ENVIRONMENT_ID),
        format!("{}/pf-ws/authn/flows/some-flow", s.pingfederate_url),
        format!("{}/pingidsdk", s.customer_url),
    ];
    // Three times: three counted wrong passwords would make alice's next login wait.
    for url in posts.iter().cycle().take(posts.len() * 3) {
        let response = http()
            .post(url)
            .header("content-type", "text/plain")
            .header("origin", "http://evil.example")
            .header("sec-fetch-site", "cross-site")
            .body(r#"{"username": "mallory", "operation": "auth_user", "user": "alice", "password": "x"}"#)
            .send()
            .await
            .expect("an answer");
        let status = response.status().as_u16();
        assert!((400..500).contains(&status), "{url}: {status}");
        let body: Value = response.json().await.unwrap_or_else(|_| panic!("{url}: the refusal is JSON"));
        assert!(body.is_object(), "{url}: {body}");
    }
    // Nobody named mallory exists anywhere, and alice's login was not counted.
    let sdk = t.stack.customer.sdk();
    assert_eq!(sdk.get_user("mallory", false).await.err().and_then(|e| e.status()), Some(404));
    let login = t.device("laptop").await.login("alice").await;
    assert_eq!(login.status.code(), 0, "alice's first device pairs, no back-off from the refused post: {login:?}");
}
