//! The Moderno protocol and the web page refuse bad input plainly, over real loopback HTTP, and
//! nothing changes because of it. The SDK server here is a closed port: none of these requests
//! gets past the first factor, except the one proving what an unreachable SDK server looks like.

#![allow(clippy::unwrap_used)] // test harness code outside #[test] functions

use moderno_ambient::{Clock, Entropy};
use moderno_customer_server::{app, CustomerConfig, CustomerState, PasswordCost, DEMO_PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

struct Server {
    url: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn server() -> Server {
    server_with(false).await
}

/// `extension_codes`: the project's own status codes 1032-1034 (beyond Ping).
async fn server_with(extension_codes: bool) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let sdk_url = format!("http://{}/pingid/v1", closed.local_addr().unwrap());
    drop(closed);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut config = CustomerConfig::demo(sdk_url, dir.path().join("customer.sqlite3"), url.clone());
    config.keep_at(&moderno_sql::testing::location(dir.path().join("customer.sqlite3")));
    config.argon2 = PasswordCost::TestOnlyCheap;
    config.extension_codes = extension_codes;
    let state = CustomerState::open(config, Clock::system(), Entropy::seeded(3)).await.unwrap();
    tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    Server { url, http, _dir: dir }
}

impl Server {
    async fn raw(&self, body: impl Into<reqwest::Body>) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}/pingidsdk", self.url))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    async fn call(&self, request: Value) -> Value {
        let (status, body) = self.raw(request.to_string()).await;
        assert_eq!(status, StatusCode::OK, "the protocol answers 200: {body}");
        body
    }
}

fn description(body: &Value) -> &str {
    body["description"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn malformed_json_answers_400_with_status_1020() {
    let server = server().await;
    let (status, body) = server.raw("{\"operation\": \"auth_user\", ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["status"], 1020);
    assert!(description(&body).contains("not valid JSON"), "{body}");
    let (status, body) = server.raw("[1, 2, 3]").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["status"], 1020);
}

#[tokio::test]
async fn a_body_over_64_kib_answers_413_with_status_1020() {
    let server = server().await;
    let big = json!({"operation": "auth_user", "user": "alice", "password": "x".repeat(70 * 1024)});
    let (status, body) = server.raw(big.to_string()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["status"], 1020);
    assert!(description(&body).contains("64 KiB"), "{body}");
}

#[tokio::test]
/// [S-MOD] `HostingServerServlet`: 1000 "invalid request type: X".
async fn an_unknown_operation_answers_1000_invalid_request_type_naming_it() {
    let server = server().await;
    let body = server.call(json!({"operation": "fly", "user": "alice"})).await;
    assert_eq!(body["status"], 1000);
    assert!(description(&body).starts_with("invalid request type: fly"), "{body}");
    let body = server.call(json!({"operation": ""})).await;
    assert_eq!(body["status"], 1000);
    assert!(description(&body).starts_with("invalid request type"), "{body}");
}

#[tokio::test]
async fn a_missing_field_answers_1020_naming_the_field() {
    let server = server().await;
    let cases = [
        (json!({"operation": "auth_user", "password": DEMO_PASSWORD}), "`user`"),
        (json!({"operation": "auth_user", "user": "alice"}), "`password`"),
        (json!({"operation": "auth_status"}), "`sessionId`"),
        (json!({"operation": "auth_offline_user", "sessionId": "s"}), "`otp`"),
        (json!({"operation": "select_device", "sessionId": "s"}), "`deviceId`"),
        (json!({"operation": "retry"}), "`sessionId`"),
        (json!({"operation": "cancel"}), "`sessionId`"),
    ];
    for (request, field) in cases {
        let body = server.call(request.clone()).await;
        assert_eq!(body["status"], 1020, "{request} -> {body}");
        assert!(description(&body).contains(field), "{request} should name {field}: {body}");
    }
}

/// Ping's sample answers a session it does not know with 1000 and its reason: its `Status.java`
/// has no code for it ([S-MOD] `Status`, `RetryHandler`, `AuthenticateOfflineWithPingIDSdk`).
/// The project's 1033 goes out only with the extension codes switched on.
#[tokio::test]
async fn an_unknown_session_answers_1000_as_pings_sample_does_and_1033_only_beyond_ping() {
    for (extension_codes, expected) in [(false, 1000), (true, 1033)] {
        let server = server_with(extension_codes).await;
        for operation in ["auth_status", "retry", "cancel"] {
            let body = server.call(json!({"operation": operation, "sessionId": "no-such-session"})).await;
            assert_eq!(body["status"], expected, "{operation}: {body}");
            assert!(description(&body).contains("session"), "the reason is kept: {body}");
        }
        let body = server.call(json!({"operation": "auth_offline_user", "sessionId": "nope", "otp": "123456"})).await;
        assert_eq!(body["status"], expected, "{body}");
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_1010() {
    let server = server().await;
    let wrong = server.call(json!({"operation": "auth_user", "user": "alice", "password": "not-her-password"})).await;
    let unknown = server.call(json!({"operation": "auth_user", "user": "zed", "password": "not-her-password"})).await;
    assert_eq!(wrong["status"], 1010);
    assert_eq!(wrong, unknown, "the same answer, word for word");
    assert_eq!(description(&wrong), "wrong username or password");
}

/// The back-off is the customer server's own protection (Ping's sample has none, and no status
/// for it): by default it answers 1000 with the wait in its description, the project's 1032 only
/// with the extension codes on.
#[tokio::test]
async fn the_third_wrong_password_makes_the_account_wait_saying_how_long() {
    for (extension_codes, expected) in [(false, 1000), (true, 1032)] {
        let server = server_with(extension_codes).await;
        for _ in 0..3 {
            let body =
                server.call(json!({"operation": "auth_user", "user": "bob", "password": "wrong-password"})).await;
            assert_eq!(body["status"], 1010);
        }
        let body = server.call(json!({"operation": "auth_user", "user": "bob", "password": DEMO_PASSWORD})).await;
        assert_eq!(body["status"], expected, "{body}");
        assert!(description(&body).contains("try again in 3 s"), "{body}");
    }
}

#[tokio::test]
async fn bad_requests_do_not_count_as_failed_logins() {
    let server = server().await;
    for _ in 0..5 {
        server.raw("{not json").await;
        server.call(json!({"operation": "auth_user", "user": "carol"})).await;
        server.call(json!({"operation": "auth_status", "user": "carol"})).await;
    }
    for _ in 0..2 {
        let body = server.call(json!({"operation": "auth_user", "user": "carol", "password": "wrong-password"})).await;
        assert_eq!(body["status"], 1010, "no back-off yet: {body}");
    }
}

#[tokio::test]
async fn an_unreachable_sdk_server_answers_1000_after_the_first_factor() {
    let server = server().await;
    let body = server.call(json!({"operation": "auth_user", "user": "dave", "password": DEMO_PASSWORD})).await;
    assert_eq!(body["status"], 1000);
    assert_eq!(description(&body), "the PingID SDK server could not be reached");
    assert!(body.get("sessionToken").is_none(), "no login without the second factor: {body}");
}

#[tokio::test]
async fn the_web_page_serves_a_login_form_and_refuses_wrong_credentials_with_401() {
    let server = server().await;
    let page = server.http.get(&server.url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let html = page.text().await.unwrap();
    assert!(html.contains("<form method=\"post\" action=\"/pairing-key\">"), "{html}");

    let post = |form: &'static [(&'static str, &'static str)]| {
        server.http.post(format!("{}/pairing-key", server.url)).form(form).send()
    };
    let wrong = post(&[("username", "alice"), ("password", "<b>wrong</b>")]).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let html = wrong.text().await.unwrap();
    assert!(html.contains("Wrong username or password."));
    assert!(!html.contains("<b>wrong</b>"), "nothing typed is echoed unescaped");

    let empty = post(&[("username", "alice")]).await.unwrap();
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    let unreachable = post(&[("username", "alice"), ("password", DEMO_PASSWORD)]).await.unwrap();
    assert_eq!(unreachable.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn health_answers_ok() {
    let server = server().await;
    let health = server.http.get(format!("{}/healthz", server.url)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "ok");
    let ready = server.http.get(format!("{}/health", server.url)).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK, "the database answers");
    assert_eq!(ready.json::<Value>().await.unwrap(), json!({"status": "UP"}));
}

impl Server {
    /// `body` posted to `path` with these headers, as a browser would send it for some page.
    async fn posted(&self, path: &str, body: &str, headers: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut request = self.http.post(format!("{}{path}", self.url)).body(body.to_owned());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }
}

/// A web page on another site can post `text/plain` or a form to a loopback server without a CORS
/// preflight; the Moderno endpoint takes JSON only, and a browser's request for another page is
/// refused before anything runs: three such wrong passwords start no back-off.
#[tokio::test]
async fn requests_a_web_page_could_send_without_asking_are_refused_and_count_for_nothing() {
    let server = server().await;
    let wrong = json!({"operation": "auth_user", "user": "bob", "password": "wrong-password"}).to_string();
    let page = [("content-type", "text/plain"), ("origin", "http://evil.example"), ("sec-fetch-site", "cross-site")];
    for _ in 0..3 {
        let (status, body) = server.posted("/pingidsdk", &wrong, &page).await;
        assert_eq!((status, &body["status"]), (StatusCode::FORBIDDEN, &json!(1020)), "{body}");
        assert!(description(&body).contains("other web pages"), "{body}");
    }
    let (status, body) = server.posted("/pidc", &wrong, &[("content-type", "text/plain")]).await;
    assert_eq!((status, &body["status"]), (StatusCode::UNSUPPORTED_MEDIA_TYPE, &json!(1020)), "{body}");
    assert!(description(&body).contains("application/json"), "{body}");
    let (status, body) = server
        .posted(
            "/pairing-key",
            "username=bob&password=x",
            &[("content-type", "application/x-www-form-urlencoded"), ("origin", "http://evil.example")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Nothing was counted: the right password is checked (and then the SDK server, absent here,
    // is the only reason the login stops), no back-off.
    let right = server.call(json!({"operation": "auth_user", "user": "bob", "password": DEMO_PASSWORD})).await;
    assert!(!description(&right).contains("try again in"), "no back-off after refused requests: {right}");
    assert!(description(&right).contains("could not be reached"), "{right}");
}

/// The server's own pages post to their own origin: a same-origin request goes through.
#[tokio::test]
async fn a_json_request_from_the_servers_own_origin_is_answered() {
    let server = server().await;
    let own = server.url.trim_start_matches("http://").to_owned();
    let origin = server.url.clone();
    let body = json!({"operation": "no_such_operation"}).to_string();
    let (status, answer) = server
        .posted(
            "/pingidsdk",
            &body,
            &[("content-type", "application/json; charset=utf-8"), ("origin", &origin), ("host", &own)],
        )
        .await;
    assert_eq!((status, &answer["status"]), (StatusCode::OK, &json!(1000)), "{answer}");
}

/// Every error answer is JSON with words, the HTTP layer's own ones too (no such route, wrong
/// method, a form over its limit), and changes nothing.
#[tokio::test]
async fn the_http_layers_own_refusals_are_json_with_a_description() {
    let server = server().await;
    let get = |path: &str| server.http.get(format!("{}{path}", server.url)).send();
    let cases = [
        (get("/pingidsdk").await.unwrap(), StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
        (get("/no/such/page").await.unwrap(), StatusCode::NOT_FOUND, "no such page"),
        (
            server
                .http
                .post(format!("{}/pairing-key", server.url))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("username=bob&password={}", "x".repeat(64 * 1024)))
                .send()
                .await
                .unwrap(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload too large",
        ),
    ];
    for (response, status, words) in cases {
        assert_eq!(response.status(), status);
        let body: Value = response.json().await.unwrap();
        assert!(description(&body).to_lowercase().contains(words), "{status}: {body}");
        assert!(body["status"].is_number(), "{body}");
    }
}
