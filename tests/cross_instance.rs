//! Two instances behind one address behave as one server: the round-robin proxy passes requests
//! through and skips an instance that is gone; a push created through instance B wakes a device
//! long-polling instance A well within the long poll's re-read interval (PostgreSQL NOTIFY), at
//! the PingID SDK server and at PingOne MFA (a push PingFederate asks for); and
//! with two `moderno-stack` processes on one PostgreSQL database, a flow goes on to the end on
//! one after the other was killed (SIGKILL) mid-flow: a PingID SDK sign-in, and a PingFederate
//! authentication API flow with the PingOne MFA adapter. All but the first need PostgreSQL
//! (`scripts/with-postgres.sh`); they skip without it unless `MODERNO_REQUIRE_POSTGRES` is set.

#[path = "pingfederate_support.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use moderno_ambient::{Clock, Entropy};
use moderno_device::pingfederate::{PfAction, PfLogin, PfStep};
use moderno_e2e::proxy::RoundRobin;
use moderno_e2e::stack_process::StackProcesses;
use moderno_e2e::{TestDevice, TestStack, PASSWORD};
use moderno_wire::device_api::PushAnswer;
use moderno_wire::moderno::{MfaOutcome, Status};
use moderno_wire::payload::TrustLevel;
use moderno_wire::pingfederate::MFA_STATUS_DEVICE_PAIRED;
use moderno_wire::pingone::{DenyReason, PushDecision};

/// A tiny service that says who it is and echoes what it was sent.
async fn named_service(name: &'static str) -> (String, tokio::task::JoinHandle<()>) {
    use axum::http::{HeaderMap, StatusCode};
    let app = axum::Router::new().fallback(move |headers: HeaderMap, uri: axum::http::Uri, body: String| async move {
        let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or_default().to_string();
        let asked = headers.get("x-asked").and_then(|h| h.to_str().ok()).unwrap_or_default().to_string();
        (StatusCode::CREATED, [("x-instance", name)], format!("{name} {uri} {host} {asked} {body}"))
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().expect("a client")
}

#[tokio::test]
async fn the_proxy_hands_each_request_to_the_next_instance_and_skips_one_that_is_gone() {
    let (a, a_task) = named_service("a").await;
    let (b, b_task) = named_service("b").await;
    let proxy = RoundRobin::start(vec![a.clone(), b.clone()]).await;
    let client = http();
    let mut seen = Vec::new();
    for i in 0..4 {
        let answer = client
            .post(format!("{}/path/{i}?q=1", proxy.url))
            .header("x-asked", "yes")
            .body(format!("body {i}"))
            .send()
            .await
            .expect("an answer");
        assert_eq!(answer.status().as_u16(), 201, "the status passes through");
        let instance = answer.headers().get("x-instance").expect("the answer's headers pass through").clone();
        let text = answer.text().await.expect("a body");
        let expected =
            format!("{} /path/{i}?q=1 {} yes body {i}", instance.to_str().unwrap_or_default(), &proxy.url[7..]);
        assert_eq!(text, expected, "path, query, headers (Host too) and body pass through");
        seen.push(instance.to_str().unwrap_or_default().to_string());
    }
    assert_eq!(seen, ["a", "b", "a", "b"], "one request each in turn, over one kept-alive connection");
    assert_eq!(proxy.answered(), [2, 2]);

    // Instance A stops: its port refuses connections, and every request goes to B.
    a_task.abort();
    let _ = a_task.await;
    for _ in 0..3 {
        let answer = client.get(format!("{}/after", proxy.url)).send().await.expect("an answer");
        assert_eq!(answer.headers().get("x-instance").map(|v| v.as_bytes()), Some(&b"b"[..]));
    }
    b_task.abort();
    let _ = b_task.await;
    let none = client.get(format!("{}/after", proxy.url)).send().await.expect("an answer");
    assert_eq!(none.status().as_u16(), 502, "no instance left");
}

/// Waits until `proxy` has sent `count` requests to instance `index`.
async fn until_sent(proxy: &RoundRobin, index: usize, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while proxy.sent()[index] < count {
        assert!(Instant::now() < deadline, "the request never reached instance {index}: {:?}", proxy.sent());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Starts `poll` with `proxy` sending to instance A only; once the poll went there and has been
/// waiting 300 ms, the proxy sends to B only.
async fn polling_a<T: Send + 'static>(
    proxy: &RoundRobin,
    instances: &[String],
    poll: impl std::future::Future<Output = T> + Send + 'static,
) -> tokio::task::JoinHandle<T> {
    proxy.set_instances(vec![instances[0].clone()]);
    let polling = tokio::spawn(poll);
    until_sent(proxy, 0, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.set_instances(vec![instances[1].clone()]);
    polling
}

/// How often the instances' long polls look again on their own in these tests: far longer than
/// the bound below, so only a wake-up from the other instance answers within it.
const RECHECK: Duration = Duration::from_secs(60);
/// The bound: generous for a loaded machine, far under [`RECHECK`].
const SOON: Duration = Duration::from_secs(5);

/// The poll's answer: one push, in well under the re-read interval since `asked`.
async fn one_push_soon<T: std::fmt::Debug, E: std::fmt::Debug>(
    polling: tokio::task::JoinHandle<Result<Vec<T>, E>>,
    asked: Instant,
    round: usize,
) -> Vec<T> {
    let pushes = tokio::time::timeout(Duration::from_secs(30), polling)
        .await
        .expect("the long poll answers")
        .expect("the poll task")
        .expect("pushes");
    let took = asked.elapsed();
    eprintln!("round {round}: the push reached the device polling instance A {took:?} after B was asked");
    assert_eq!(pushes.len(), 1, "round {round}: {pushes:?}");
    assert!(took < SOON, "round {round}: the push reached A after {took:?}");
    pushes
}

/// The SDK server's long poll looks again on its own only every [`RECHECK`] here; a wake-up from
/// the other instance arrives within milliseconds (10-50 ms measured under load).
#[tokio::test]
async fn a_push_created_through_instance_b_wakes_a_device_long_polling_instance_a() {
    let Some(t) = TestStack::start_two_instances(|c| c.long_poll_recheck = Some(RECHECK)).await else { return };
    assert_eq!(t.stack.sdk.config.poll_recheck, RECHECK, "the premise");
    let pair = t.pair.as_ref().expect("two instances");
    for instance in [&t.stack.sdk, &pair.other.sdk] {
        instance.hearing_other_instances().await.expect("each instance listens");
    }
    let (sdk, customer) = (&pair.proxies.sdk, &pair.proxies.customer);
    let (sdk_all, customer_all) = (sdk.instances(), customer.instances());
    let primary = t.device("primary").await;
    primary.pair_first("alice", TrustLevel::Primary).await;
    primary.go_online().await;
    let tablet = Arc::new(t.device("tablet").await);

    for round in 0..4 {
        // The primary's long poll goes to A …
        let device = Arc::clone(&primary.device);
        let polling =
            polling_a(sdk, &sdk_all, async move { device.pending_pushes(Duration::from_secs(20)).await }).await;
        // … and the tablet's sign-in, which creates the push, to B.
        customer.set_instances(vec![customer_all[1].clone()]);
        let asked = Instant::now();
        let login = {
            let tablet = Arc::clone(&tablet);
            tokio::spawn(async move { tablet.login("alice").await })
        };
        let pushes = one_push_soon(polling, asked, round).await;
        sdk.set_instances(sdk_all.clone());
        customer.set_instances(customer_all.clone());
        primary.device.answer_push(&pushes[0].authentication_id, PushAnswer::deny()).await.expect("answered");
        let answer =
            tokio::time::timeout(Duration::from_secs(20), login).await.expect("auth_user answers").expect("task");
        assert_eq!(answer.status, Status::Denied, "{answer:?}");
    }
}

/// The same with PingFederate and PingOne MFA: the phone long-polls PingOne instance A; the new
/// device's `authenticate` through PingFederate B has PingOne B create the push.
#[tokio::test]
async fn a_push_pingfederate_creates_through_instance_b_wakes_a_phone_long_polling_pingone_on_instance_a() {
    let Some(t) = TestStack::start_two_instances(|c| c.long_poll_recheck = Some(RECHECK)).await else { return };
    assert_eq!(t.stack.pingone.config().push_poll_interval, RECHECK, "the premise");
    let pair = t.pair.as_ref().expect("two instances");
    for instance in [&t.stack.pingone, &pair.other.pingone] {
        instance.hearing_other_instances().await;
    }
    let (pingone, pingfederate) = (&pair.proxies.pingone, &pair.proxies.pingfederate);
    let (pingone_all, pingfederate_all) = (pingone.instances(), pingfederate.instances());
    let phone = support::pf_device(&t, "phone").await;
    phone.pair_first(&t, "alice").await;

    for round in 0..3 {
        let laptop = support::pf_device(&t, &format!("laptop-{round}")).await;
        let mut login = laptop.signed_in(&t, "alice").await;
        let device = Arc::clone(&phone.pingone);
        let polling =
            polling_a(pingone, &pingone_all, async move { device.pending_pushes(Duration::from_secs(20)).await }).await;
        pingfederate.set_instances(vec![pingfederate_all[1].clone()]);
        let asked = Instant::now();
        let step = laptop.authenticate(&mut login).await;
        let pushes = one_push_soon(polling, asked, round).await;
        assert!(matches!(step, PfStep::WaitForPush { .. }), "{step:?}");
        pingone.set_instances(pingone_all.clone());
        pingfederate.set_instances(pingfederate_all.clone());
        phone
            .pingone
            .decide_push(&pushes[0].authentication_id, PushDecision::deny(DenyReason::None))
            .await
            .expect("denied");
        assert!(matches!(login.act(&PfAction::Poll).await.expect("poll"), PfStep::PushRejected { .. }));
        // PingOne's 5 pushes per user in 10 minutes.
        t.advance(chrono::TimeDelta::minutes(3));
    }
}

/// Two `moderno-stack` processes on one PostgreSQL database behind the proxies; after the push
/// is created, the instance not holding the new device's `auth_user` is killed with SIGKILL; the
/// primary answers through the proxy (which now reaches the survivor only) and the new device is
/// paired as the primary decided.
#[tokio::test]
async fn a_flow_goes_on_to_the_end_on_one_instance_after_the_other_is_killed() {
    let Some(mut stacks) = StackProcesses::start(2).await else { return };
    let primary = stacks.device("primary").await;
    primary.pair_first("alice", TrustLevel::Primary).await;
    primary.go_online().await;
    let tablet = Arc::new(stacks.device("tablet").await);

    let before = stacks.proxies.customer.sent();
    let login = {
        let tablet = Arc::clone(&tablet);
        tokio::spawn(async move { tablet.login("alice").await })
    };
    let pushes = wait_for_push(&primary).await;
    let after = stacks.proxies.customer.sent();
    let holding = (0..2).find(|&i| after[i] > before[i]).expect("auth_user reached an instance");
    let victim = 1 - holding;
    stacks.kill(victim);
    eprintln!("instance {victim} killed (SIGKILL) with the push waiting; instance {holding} holds auth_user");

    let answered = primary.device.answer_push(&pushes[0].authentication_id, PushAnswer::trust(None)).await;
    answered.expect("the survivor takes the primary's answer");
    let answer = tokio::time::timeout(Duration::from_secs(60), login).await.expect("auth_user answers").expect("task");
    assert_eq!(answer.status, Status::Ok, "{answer:?}");
    assert_eq!(answer.mfa, Some(MfaOutcome::PushApproved), "{answer:?}");
    tablet.read_payload(&answer).await;
    assert!(tablet.device.is_paired(), "the tablet is paired after the kill");
    let again = tablet.login("alice").await;
    assert_eq!(again.mfa, Some(MfaOutcome::TrustedDevice), "the survivor knows the new device: {again:?}");
    let served = stacks.proxies.sdk.answered();
    assert!(served.iter().all(|&n| n > 0), "both instances served the flow before the kill: {served:?}");
}

async fn wait_for_push(primary: &TestDevice) -> Vec<moderno_wire::device_api::PushRequest> {
    first_pushes(|| primary.device.pending_pushes(Duration::from_secs(5))).await
}

/// What `poll` (a long poll of a few seconds) answers once it is not empty, within 30 s.
async fn first_pushes<T, E: std::fmt::Debug, F: std::future::Future<Output = Result<Vec<T>, E>>>(
    poll: impl Fn() -> F,
) -> Vec<T> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pushes = poll().await.expect("pushes");
        if !pushes.is_empty() {
            return pushes;
        }
        assert!(Instant::now() < deadline, "no push reached the device");
    }
}

/// Two `moderno-stack` processes on one PostgreSQL database behind the proxies; a phone pairs
/// first through PingFederate; a laptop's flow (PingOne MFA adapter) signs in and `authenticate`s
/// to PUSH_CONFIRMATION_WAITING; the instance that answered that step is killed with SIGKILL.
/// The same flow (its id, the client's `PF` cookie) goes on at the survivor as Ping documents
/// it: `poll` still waits, the phone approves, `poll` says MOBILE_PAIRING_REQUIRED, the laptop
/// pairs, `continueAuthentication` completes and the code exchanges for tokens saying
/// `device_paired`.
#[tokio::test]
async fn a_pingfederate_flow_goes_on_to_the_end_on_one_instance_after_the_other_is_killed() {
    let Some(mut stacks) = StackProcesses::start(2).await else { return };
    let phone = pf_device_of(&stacks, "phone").await;
    let mut login = signed_in(&phone, "alice").await;
    let PfStep::Pair { server_payload } = phone.authenticate(&mut login).await else {
        panic!("expected MOBILE_PAIRING_REQUIRED for the first device, flow {:?}", login.flow());
    };
    phone.pingone.pair(&server_payload).await.expect("the phone pairs");
    assert_eq!(login.act(&PfAction::ContinueAuthentication).await.expect("continue"), PfStep::Completed);
    assert_eq!(login.finish().await.expect("tokens").mfa_status(), Some(MFA_STATUS_DEVICE_PAIRED));

    let laptop = pf_device_of(&stacks, "laptop").await;
    let mut login = signed_in(&laptop, "alice").await;
    let before = stacks.proxies.pingfederate.answered();
    let waiting = laptop.authenticate(&mut login).await;
    let after = stacks.proxies.pingfederate.answered();
    let PfStep::WaitForPush { match_number, .. } = waiting.clone() else {
        panic!("expected PUSH_CONFIRMATION_WAITING, got {waiting:?}");
    };
    assert!(after.iter().all(|&n| n > 0), "both instances served the flows before the kill: {after:?}");
    let victim = (0..2).find(|&i| after[i] > before[i]).expect("authenticate reached an instance");
    let flow_id = login.id().to_owned();
    stacks.kill(victim);
    eprintln!("instance {victim}, which answered authenticate, killed (SIGKILL) with the push waiting");

    let survivor = 1 - victim;
    let seen = support::flow_now(&laptop.client, &login).await;
    assert_eq!(
        (seen["id"].as_str(), &seen["status"]),
        (Some(flow_id.as_str()), &serde_json::json!("PUSH_CONFIRMATION_WAITING"))
    );
    assert_eq!(login.act(&PfAction::Poll).await.expect("poll at the survivor"), waiting, "still waiting for the phone");
    let pushes = first_pushes(|| phone.pingone.pending_pushes(Duration::from_secs(5))).await;
    let approved = phone.pingone.decide_push(&pushes[0].authentication_id, PushDecision::approve(match_number)).await;
    approved.expect("the survivor's PingOne takes the phone's approval");
    let step = login.act(&PfAction::Poll).await.expect("poll at the survivor");
    let tokens = support::pair_and_finish(&laptop, &mut login, step).await;
    assert_eq!(tokens.mfa_status(), Some(MFA_STATUS_DEVICE_PAIRED), "{:?}", tokens.claims);
    assert_eq!(login.id(), flow_id, "one flow from start to end");
    let answered = stacks.proxies.pingfederate.answered();
    assert_eq!(answered[victim], after[victim], "nothing reached the killed instance: {answered:?}");
    assert!(answered[survivor] > after[survivor], "the survivor answered the rest: {answered:?}");
    assert!(laptop.pingone.is_paired() && laptop.pingone.device_id() != phone.pingone.device_id());
}

/// A headless device of both personalities on the wall clock, its key in memory, signing in
/// through the PingFederate proxy in front of `stacks`.
async fn pf_device_of(stacks: &StackProcesses, profile: &str) -> support::PfDevice {
    support::PfDevice::open(&stacks.proxies.pingfederate.url, profile, Clock::system(), Entropy::from_os()).await
}

/// A new flow of `device` with the first factor passed: AUTHENTICATION_REQUIRED.
async fn signed_in(device: &support::PfDevice, user: &str) -> PfLogin {
    let mut login =
        PfLogin::start(Arc::clone(&device.client), Clock::system(), &Entropy::from_os()).await.expect("flow starts");
    let step = login.sign_in(user, PASSWORD).await.expect("first factor");
    assert!(matches!(step, PfStep::Authenticate { .. }), "{step:?}");
    login
}
