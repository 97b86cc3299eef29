//! The flow inspector's source over real HTTP: every service publishes its side of each hop
//! (server-to-server calls too), signed content opened, secrets hidden, and the run exported as
//! one HTML page with its sequence diagram.

#[path = "pingfederate_support.rs"]
mod support;

use moderno_e2e::admin::Admin;
use moderno_e2e::TestStack;
use moderno_wire::admin::{Hop, Hops};
use moderno_wire::device_api::PushAnswer;
use moderno_wire::moderno::Status;
use moderno_wire::payload::TrustLevel;
use serde_json::Value;
use support::pf_device;

async fn recording_stack() -> (TestStack, Admin) {
    let t = TestStack::start_with(|c| {
        c.admin_listen = Some(([127, 0, 0, 1], 0).into());
        c.inspector = true;
    })
    .await;
    let admin = Admin {
        http: reqwest::Client::builder().no_proxy().build().expect("client"),
        url: t.stack.admin_url.clone().expect("admin"),
    };
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
    let answer = tablet.login_answered_by("alice", &laptop, PushAnswer::trust(None)).await;
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

    let page = report_page(&admin).await;
    assert!(
        page.contains("<svg") && page.contains(">Customer server<") && page.contains(">PingID SDK<"),
        "the diagram"
    );
    assert_eq!(page.matches("marker-end").count(), all.hops.len(), "one arrow per hop");
    assert!(!page.contains("moderno-demo"));
}

#[tokio::test]
async fn a_pingfederate_flow_shows_the_states_the_calls_to_pingone_and_the_token_claims() {
    let (t, admin) = recording_stack().await;
    let phone = pf_device(&t, "phone").await;
    phone.pair_first(&t, "bob").await;
    let all = hops(&admin, 0).await;
    assert!(
        all.hops.iter().any(|h| h.from == "PingFederate" && h.to == "PingOne MFA"),
        "PingFederate's own calls show"
    );
    let states: Vec<String> =
        all.hops.iter().filter_map(|h| decoded(h, "PingFederate flow")).map(|d| d["status"].to_string()).collect();
    assert!(
        states.iter().any(|s| s.contains("MOBILE_PAIRING_REQUIRED")) && states.iter().any(|s| s.contains("COMPLETED")),
        "{states:?}"
    );
    let token = all.hops.iter().find(|h| h.path.starts_with("/as/token.oauth2")).expect("the code exchange");
    let claims = decoded(token, "access_token").expect("the access token opened");
    assert_eq!(claims["claims"]["pingone.mfa.status"], "com.pingidentity.pingone.device_paired");
    let shown = token.response.as_ref().expect("a response");
    assert_eq!(shown["access_token"], "•••", "the token itself is hidden: {shown}");
    assert_eq!(token.request.as_ref().and_then(|r| r.get("code_verifier")), Some(&Value::String("•••".into())));
    let authorize =
        all.hops.iter().find(|h| h.path.starts_with("/as/authorization.oauth2")).expect("the authorization request");
    assert!(
        authorize.path.contains("state=•••") && authorize.path.contains("client_id=moderno-desktop"),
        "{}",
        authorize.path
    );

    let (status, cleared) = admin.send(admin.http.post(format!("{}/admin/hops/clear", admin.url))).await;
    assert_eq!((status, cleared["hops"].as_array().map(Vec::len)), (200, Some(0)));
    let (status, body) = admin.send(admin.http.get(format!("{}/admin/hops?after=soon", admin.url))).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("INVALID_VALUE")));
}

// PingFederate is PingOne's worker application: it gets an access token from
// `POST {authPath}/{envId}/as/token` (client credentials; "Token (client_credentials)",
// https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/token-client_credentials-client-secret-post.html)
// and keeps it for its hour ("An access token is valid for 1 hour",
// https://developer.pingidentity.com/pingone-api/getting-started/introduction.html); every other
// call is a Platform API path with the environment's UUID: `/v1/environments/{envId}/...`
// (api.pingone.com) or `/{envId}/deviceAuthentications...` (auth.pingone.com).
#[tokio::test]
async fn pingfederate_calls_pingone_on_platform_api_paths_with_one_worker_token_an_hour() {
    let (t, admin) = recording_stack().await;
    let env = t.stack.pingone.config().environment_id.clone();
    assert_eq!((env.len(), env.matches('-').count()), (36, 4), "a UUID environment: {env}");
    let token_path = format!("/{env}/as/token");
    let calls = |all: &Hops| -> Vec<(String, String)> {
        let to_pingone = all.hops.iter().filter(|h| h.from == "PingFederate" && h.to == "PingOne MFA");
        to_pingone.map(|h| (h.method.clone(), h.path.clone())).collect()
    };
    pf_device(&t, "phone").await.pair_first(&t, "bob").await;
    pf_device(&t, "tablet").await.pair_first(&t, "alice").await;
    let all = hops(&admin, 0).await;
    let first = calls(&all);
    assert_eq!(first.first().map(|(m, p)| (m.as_str(), p.as_str())), Some(("POST", token_path.as_str())), "{first:?}");
    // On two instances each PingFederate instance keeps its own token, as each PingFederate node
    // does (crates/pingfederate/src/pingone.rs): one per instance for both sign-ins.
    let instances = if t.pair.is_some() { 2 } else { 1 };
    let tokens = first.iter().filter(|(_, p)| *p == token_path).count();
    assert!((1..=instances).contains(&tokens), "one token for both sign-ins: {first:?}");
    for (method, path) in &first {
        assert!(
            path.starts_with(&format!("/v1/environments/{env}/")) || path.starts_with(&format!("/{env}/")),
            "{method} {path}"
        );
        assert!(!path.contains("/users/bob") && !path.contains("/users/alice"), "users by id, never by name: {path}");
    }
    assert!(
        first.iter().any(|(m, p)| m == "GET" && p.contains("/users?filter=")),
        "the user is looked up by username: {first:?}"
    );
    let issued = all.hops.iter().find(|h| h.path == token_path).expect("the token hop");
    assert_eq!(
        issued.response.as_ref().map(|r| &r["access_token"]),
        Some(&Value::String("•••".into())),
        "the token is hidden"
    );

    admin.advance(61 * 60).await;
    let phone = pf_device(&t, "laptop").await;
    let mut login = phone.signed_in(&t, "carol").await;
    phone.authenticate(&mut login).await;
    let later = calls(&hops(&admin, all.last).await);
    assert_eq!(
        later.first().map(|(_, p)| p.as_str()),
        Some(token_path.as_str()),
        "a new token once the hour is over: {later:?}"
    );
    let renewed = later.iter().filter(|(_, p)| *p == token_path).count();
    assert!((1..=instances).contains(&renewed), "{later:?}");
}

#[tokio::test]
async fn without_the_inspector_the_hops_route_says_so() {
    let (_t, admin) = moderno_e2e::admin::stack().await;
    let (status, body) = admin.send(admin.http.get(format!("{}/admin/hops", admin.url))).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("INSPECTOR_OFF")));
}

/// The diagram's order: a call before the calls it made.
fn in_diagram_order(all: &Hops) -> Vec<&Hop> {
    let mut hops: Vec<&Hop> = all.hops.iter().collect();
    hops.sort_by_key(|h| h.order);
    hops
}

/// The step numbers a hop's label names: "1. … → 2. AUTHENTICATION_REQUIRED" names 1 and 2,
/// "5.1 The app invokes poll" 5.1; an unnumbered label none.
fn step_numbers(hop: &Hop) -> Vec<String> {
    let label = hop.step.as_deref().unwrap_or_default();
    label
        .split(" → ")
        .filter_map(|part| part.split_whitespace().next())
        .map(|first| first.trim_end_matches('.').to_owned())
        .filter(|number| number.starts_with(|c: char| c.is_ascii_digit()))
        .collect()
}

/// Asserts that the hops name `wanted` in this order (other steps may come between).
fn assert_steps_in_order(hops: &[&Hop], wanted: &[&str]) {
    let named: Vec<(u64, String)> =
        hops.iter().flat_map(|h| step_numbers(h).into_iter().map(move |n| (h.order, n))).collect();
    let mut from = 0;
    for want in wanted {
        let found = named[from..].iter().position(|(_, n)| n == want);
        let Some(at) = found else {
            let labels: Vec<String> =
                hops.iter().map(|h| format!("{}. {} {} {}: {:?}", h.order, h.from, h.method, h.path, h.step)).collect();
            panic!("step {want} after {:?} not found; the hops:\n{}", wanted, labels.join("\n"));
        };
        from += at + 1;
    }
}

// Ping's "Pair first device", automatic pairing: 3. the app sends username, password and
// payload; 4a. the customer server checks the user and creates it; 4b. the registration token
// with the server payload; 8. the SDK component completes the pairing with the SDK server.
#[tokio::test]
async fn a_pingid_sdk_first_device_is_labelled_with_pings_steps_3_4a_4b_and_8_in_order() {
    let (t, admin) = recording_stack().await;
    let laptop = t.device("laptop").await;
    laptop.pair_first("alice", TrustLevel::Primary).await;

    let all = hops(&admin, 0).await;
    let hops = in_diagram_order(&all);
    assert_steps_in_order(&hops, &["3", "4a", "4a", "4b", "8"]);
    let login = hops.iter().find(|h| h.path == "/pingidsdk").expect("the app's auth_user");
    assert_eq!(login.step.as_deref(), Some("3. The app sends username, password and payload to the customer server"));
    let created = hops.iter().find(|h| h.method == "POST" && h.path.ends_with("/users")).expect("the user created");
    assert_eq!(created.step.as_deref(), Some("4a. … the user is then created in the PingID SDK server"));
    assert!(
        created.step_source.as_deref().is_some_and(|s| s.contains("pid_c_SDKpairFirstDevice")),
        "{:?}",
        created.step_source
    );
    let pairing = hops.iter().find(|h| h.path.ends_with("/device/pairings")).expect("the pairing completed");
    assert!(
        pairing.step.as_deref().is_some_and(|s| s.starts_with("8. The PingID SDK component completes the pairing")),
        "{:?}",
        pairing.step
    );
    // Ping's flow needs no extension; only the login answer carries the emulator's own fields
    // (docs/fidelity.md, table 2), marked with its step kept.
    let marked: Vec<(&str, Option<&str>)> =
        hops.iter().filter(|h| h.beyond_ping).map(|h| (h.path.as_str(), h.beyond_ping_reason.as_deref())).collect();
    assert_eq!(
        marked,
        [("/pingidsdk", Some("Moderno fields Ping's sample lacks (sessionToken, mfa)"))],
        "beyond Ping in a Ping flow"
    );

    let page = report_page(&admin).await;
    assert!(page.contains("4b. The customer server creates a registration token"), "the report shows the steps");
}

// Number matching is beyond Ping (docs/fidelity.md, table 2): so are `auth_status`, the app's
// way of showing the number while the push waits, and the settings route that switches it on.
#[tokio::test]
async fn with_number_matching_the_auth_status_polls_are_marked_beyond_ping() {
    let (t, admin) = recording_stack().await;
    t.change_settings(|s| s.number_matching = true).await;
    let laptop = t.device("laptop").await;
    laptop.pair_first("alice", TrustLevel::Primary).await;
    laptop.go_online().await;
    let tablet = t.device("tablet").await;
    let waiting = tablet.login("alice").await;
    assert_eq!(waiting.status, Status::InProgress, "{waiting:?}");
    let approver = laptop.answer_pushes(PushAnswer::trust(waiting.match_number));
    let answer = tablet.wait_for_push_answer(waiting.session_id.as_deref().expect("session"), 40).await;
    approver.abort();
    assert_eq!(answer.status, Status::Ok, "{answer:?}");

    let all = hops(&admin, 0).await;
    let hops = in_diagram_order(&all);
    let operation = |h: &Hop| h.request.as_ref().and_then(|r| r["operation"].as_str()).map(str::to_owned);
    let polls: Vec<&&Hop> = hops.iter().filter(|h| operation(h).as_deref() == Some("auth_status")).collect();
    assert!(!polls.is_empty(), "the app polled auth_status");
    for poll in &polls {
        assert!(poll.beyond_ping && poll.step.is_none(), "auth_status is an extension: {poll:?}");
        assert!(
            poll.beyond_ping_reason.as_deref().is_some_and(|r| r.contains("auth_status")),
            "{:?}",
            poll.beyond_ping_reason
        );
    }
    let settings = hops.iter().find(|h| h.path.ends_with("/settings")).expect("the settings changed");
    assert!(settings.beyond_ping, "the settings route stands in for Ping's admin portal");
    let login = hops
        .iter()
        .find(|h| {
            operation(h).as_deref() == Some("auth_user") && h.response.as_ref().is_some_and(|r| r["status"] == 1012)
        })
        .expect("the login");
    assert!(login.step.as_deref().is_some_and(|s| s.starts_with("3. ")), "a Ping step still: {:?}", login.step);
    assert!(
        login.beyond_ping_reason.as_deref().is_some_and(|r| r.starts_with("number matching")),
        "its matchNumber is beyond Ping: {login:?}"
    );
    assert_steps_in_order(&hops, &["3"]);
    let labels: Vec<&str> = hops.iter().filter_map(|h| h.step.as_deref()).collect();
    for step in [
        "Additional device · the customer server starts an authentication (push to the trusted device)",
        "Additional device · the trusted device receives the push about the new device",
        "Additional device · the trusted device answers: trust this device",
    ] {
        assert!(labels.contains(&step), "{step:?} in {labels:#?}");
    }
}

// PingOne MFA integration kit, "Device pairing flows", initial device: 2. AUTHENTICATION_REQUIRED;
// 4. authenticate with the mobile payload; 5. MOBILE_PAIRING_REQUIRED with the serverPayload;
// 7. continueAuthentication; 8. the access token.
#[tokio::test]
async fn a_pingfederate_first_device_is_labelled_with_the_kits_steps_2_4_5_7_in_order() {
    let (t, admin) = recording_stack().await;
    let phone = pf_device(&t, "phone").await;
    phone.pair_first(&t, "bob").await;

    let all = hops(&admin, 0).await;
    let hops = in_diagram_order(&all);
    assert_steps_in_order(&hops, &["2", "4", "5", "6", "7", "8"]);
    let authenticate = hops
        .iter()
        .find(|h| h.step.as_deref().is_some_and(|s| s.starts_with("4. The app invokes authenticate")))
        .expect("authenticate");
    assert_eq!(authenticate.step.as_deref(), Some("4. The app invokes authenticate with the mobile payload → 5. MOBILE_PAIRING_REQUIRED with the serverPayload"));
    assert_eq!((authenticate.from.as_str(), authenticate.to.as_str()), ("App", "PingFederate"));
    assert!(authenticate.step_source.as_deref().is_some_and(|s| s.contains("pf_p1_mfa_ik_device_pairing_flows")));
    // PingOne answers the ID token on the device authentication it completes at once for a user
    // without devices (the one field beyond PingOne on that hop, marked so).
    let start = hops
        .iter()
        .find(|h| {
            h.from == "PingFederate"
                && h.step.as_deref().is_some_and(|s| s.contains("a user without devices: COMPLETED"))
        })
        .expect("the device authentication that yields the ID token");
    assert!(start.beyond_ping, "{start:?}");
    assert!(start.beyond_ping_reason.as_deref().is_some_and(|r| r.starts_with("idToken")), "{start:?}");
    assert!(!all.hops.iter().any(|h| h.path.contains("mobilePairings")), "no call outside PingOne's Platform API");
}

/// The inspector's exported report, as the admin API serves it.
async fn report_page(admin: &Admin) -> String {
    let response = admin.http.get(format!("{}/admin/report.html", admin.url)).send().await.expect("report");
    response.text().await.expect("html")
}
