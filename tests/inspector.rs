//! The flow inspector's source over real HTTP: every service publishes its side of each hop
//! (server-to-server calls too), signed content opened, secrets hidden, and the run exported as
//! one HTML page with its sequence diagram.

#[path = "pingfederate_support.rs"]
mod support;

use moderno_e2e::admin::Admin;
use moderno_e2e::TestStack;
use moderno_wire::admin::{Hop, Hops};
use moderno_wire::device_api::PushAnswer;
use moderno_wire::payload::TrustLevel;
use moderno_wire::moderno::Status;
use serde_json::Value;
use support::pf_device;

async fn recording_stack() -> (TestStack, Admin) {
    let t = TestStack::start_with(|c| {
        c.admin_listen = Some(([127, 0, 0, 1], 0).into());
        c.inspector = true;
    })
    .await;
    let admin = Admin { http: reqwest::Client::builder().no_proxy().build().expect("client"), url: t.stack.admin_url.clone().expect("admin") };
    (t, admin)
}

async fn hops(admin: &Admin, after: u64) -> Hops {
    let (status, body) = admin.send(admin.http.get(format!("{}/admin/hops?after={after}", admin.url))).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).expect("hops")
}

fn decoded<'a>(hop: &'a Hop, label: &str) -> Option<&'a Value> {
    hop.decoded.iter().find(|d| d.label.to_lowercase().contains(&label.to_lowercase())).map(|d| &d.value)
}

#[tokio::test]
async fn a_pingid_sdk_flow_shows_every_hop_with_the_signature_opened_and_no_secret() {
    let (t, admin) = recording_stack().await;
    let laptop = t.device("laptop").await;
    laptop.pair_first("alice", TrustLevel::Primary).await;
    laptop.go_online().await;
    let tablet = t.device("tablet").await;
    let waiting = tablet.login("alice").await;
    let approver = laptop.answer_pushes(PushAnswer::approve(waiting.match_number));
    let answer = tablet.wait_for_push_answer(waiting.session_id.as_deref().expect("session"), 40).await;
    approver.abort();
    assert_eq!(answer.status, Status::Ok);

    let all = hops(&admin, 0).await;
    let pairs: Vec<(&str, &str)> = all.hops.iter().map(|h| (h.from.as_str(), h.to.as_str())).collect();
    for pair in [("App", "Customer server"), ("Customer server", "PingID SDK"), ("App", "PingID SDK")] {
        assert!(pairs.contains(&pair), "a hop {pair:?} in {pairs:?}");
    }
    let signed = all.hops.iter().find(|h| h.from == "Customer server").expect("a server-to-server hop");
    let hmac = decoded(signed, "PINGID-HMAC").expect("the signature opened");
    let canonical = hmac["canonicalString"].as_str().expect("the canonical string");
    assert!(canonical.starts_with(&format!("{}:127.0.0.1:", signed.method)) && canonical.ends_with(':'), "{canonical}");
    assert_eq!(hmac["jws"]["header"]["token"], "•••", "the account token is hidden: {hmac}");
    let login = all.hops.iter().find(|h| h.path == "/pingidsdk").expect("the app's login");
    let payload = decoded(login, "request pingIdPayload").expect("the mobile payload opened");
    assert!(payload["claims"]["deviceFingerprint"].is_string() && payload["claims"]["nonce"].is_string(), "{payload}");
    assert!(payload.get("signature").is_none(), "never the signature");
    assert_eq!(login.request.as_ref().and_then(|r| r.get("password")), Some(&Value::String("•••".into())));

    let text = serde_json::to_string(&all).expect("json");
    for secret in ["moderno-demo", "bW9kZXJuby1kZW1vLWFwaS1rZXktbm90LWZvci1wcm9kdWN0aW9u"] {
        assert!(!text.contains(secret), "{secret} shows in the inspector");
    }
    let newer = hops(&admin, all.last).await;
    assert!(newer.hops.is_empty() && newer.last == all.last, "nothing new after the last one");

    let page = admin.http.get(format!("{}/admin/report.html", admin.url)).send().await.expect("report").text().await.expect("html");
    assert!(page.contains("<svg") && page.contains(">Customer server<") && page.contains(">PingID SDK<"), "the diagram");
    assert_eq!(page.matches("marker-end").count(), all.hops.len(), "one arrow per hop");
    assert!(!page.contains("moderno-demo"));
}

#[tokio::test]
async fn a_pingfederate_flow_shows_the_states_the_calls_to_pingone_and_the_token_claims() {
    let (t, admin) = recording_stack().await;
    let phone = pf_device(&t, "phone").await;
    phone.pair_first(&t, "bob").await;
    let all = hops(&admin, 0).await;
    assert!(all.hops.iter().any(|h| h.from == "PingFederate" && h.to == "PingOne MFA"), "PingFederate's own calls show");
    let states: Vec<String> = all.hops.iter().filter_map(|h| decoded(h, "PingFederate flow")).map(|d| d["status"].to_string()).collect();
    assert!(states.iter().any(|s| s.contains("MOBILE_PAIRING_REQUIRED")) && states.iter().any(|s| s.contains("COMPLETED")), "{states:?}");
    let token = all.hops.iter().find(|h| h.path.starts_with("/as/token.oauth2")).expect("the code exchange");
    let claims = decoded(token, "access_token").expect("the access token opened");
    assert_eq!(claims["claims"]["pingone.mfa.status"], "com.pingidentity.pingone.device_paired");
    let shown = token.response.as_ref().expect("a response");
    assert_eq!(shown["access_token"], "•••", "the token itself is hidden: {shown}");
    assert_eq!(token.request.as_ref().and_then(|r| r.get("code_verifier")), Some(&Value::String("•••".into())));
    let authorize = all.hops.iter().find(|h| h.path.starts_with("/as/authorization.oauth2")).expect("the authorization request");
    assert!(authorize.path.contains("state=•••") && authorize.path.contains("client_id=moderno-desktop"), "{}", authorize.path);

    let (status, cleared) = admin.send(admin.http.post(format!("{}/admin/hops/clear", admin.url))).await;
    assert_eq!((status, cleared["hops"].as_array().map(Vec::len)), (200, Some(0)));
    let (status, body) = admin.send(admin.http.get(format!("{}/admin/hops?after=soon", admin.url))).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("INVALID_VALUE")));
}

#[tokio::test]
async fn without_the_inspector_the_hops_route_says_so() {
    let (_t, admin) = moderno_e2e::admin::stack().await;
    let (status, body) = admin.send(admin.http.get(format!("{}/admin/hops", admin.url))).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("INSPECTOR_OFF")));
}
