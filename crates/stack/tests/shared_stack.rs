//! Several `moderno-stack` instances on one PostgreSQL database behave as one server for QA too
//! (issue 14, items 4 and 5): a switch or the clock moved through one instance's admin API holds
//! on the other, one instance's inspector shows the hops the other answered, and every health
//! endpoint says whether the database answers. The instances read the shared controls on their
//! own only every minute here: a change reaches the other instance within the tests' bound
//! through its `NOTIFY` alone. On SQLite (`MODERNO_TEST_STORE` unset: the app, a
//! one-machine QA server) each stack keeps its controls and record in memory, as it always did.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use moderno_ambient::Fault;
use moderno_crypto::Secret;
use moderno_customer_server::PasswordCost;
use moderno_sql::Location;
use moderno_stack::{RunningStack, Stack, StackConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The database both instances share: on PostgreSQL a fresh one; on SQLite none (each stack its
/// own files).
fn shared_database(dir: &Path) -> Option<Secret<String>> {
    match moderno_sql::testing::location(dir.join("unused.sqlite3")) {
        Location::Postgres(url) => Some(url),
        Location::File(_) => None,
    }
}

/// How often the instances read the shared controls on their own here: far longer than
/// [`until`]'s bound, so only another instance's `NOTIFY` makes one follow a change within it.
const CONTROLS_REREAD: Duration = Duration::from_secs(60);

/// A stack on loopback with its admin API, over `database` (else SQLite files in `dir`).
async fn stack(dir: &Path, database: Option<&Secret<String>>, inspector: bool) -> RunningStack {
    let mut config = StackConfig::loopback(dir.to_path_buf());
    config.password_cost = PasswordCost::TestOnlyCheap;
    config.admin_listen = Some(([127, 0, 0, 1], 0).into());
    config.database_url = database.cloned();
    config.inspector = inspector;
    config.controls_reread = Some(CONTROLS_REREAD);
    Stack::start(config).await.expect("the stack starts")
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(60)).build().unwrap()
}

/// `(status, JSON body)` of an admin call.
async fn admin(stack: &RunningStack, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let url = format!("{}{path}", stack.admin_url.as_ref().expect("the admin API"));
    let mut request = http().request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.unwrap();
    (answer.status(), answer.json().await.unwrap())
}

/// The longest [`until`] waits: generous for a loaded machine, far under [`CONTROLS_REREAD`].
const SOON: Duration = Duration::from_secs(20);

/// Waits (generously, up to [`SOON`]) until `condition` holds; how long it took.
async fn until(what: &str, mut condition: impl AsyncFnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !condition().await {
        assert!(started.elapsed() < SOON, "{what}: not within {SOON:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    started.elapsed()
}

fn fault_on(view: &Value, name: &str) -> bool {
    view["faults"].as_array().unwrap().iter().any(|f| f["name"] == name && f["on"] == true)
}

#[tokio::test]
async fn a_switch_the_clock_and_number_matching_set_through_one_instance_hold_on_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let database = shared_database(dir.path());
    let a = stack(&dir.path().join("a"), database.as_ref(), false).await;
    let b = stack(&dir.path().join("b"), database.as_ref(), false).await;
    // Each hears the other's changes from here on (their own re-read is a minute away).
    for instance in [&a, &b] {
        let listening = instance.controls.hearing_other_instances();
        tokio::time::timeout(std::time::Duration::from_secs(30), listening).await.expect("LISTEN in place within 30 s");
    }
    let b_before = b.clock.now();

    let (status, view) = admin(&a, reqwest::Method::PUT, "/admin/faults/push-denied", Some(json!({"on": true}))).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let (status, view) = admin(&a, reqwest::Method::POST, "/admin/clock", Some(json!({"advanceSeconds": 3600}))).await;
    assert_eq!((status, &view["advancedSeconds"]), (StatusCode::OK, &json!(3600)), "{view}");
    let body = json!({"numberMatching": true});
    let (status, view) = admin(&a, reqwest::Method::PUT, "/admin/application", Some(body)).await;
    assert_eq!((status, &view["numberMatching"]), (StatusCode::OK, &json!(true)), "{view}");
    assert!(a.faults.is_on(Fault::PushDenied) && a.clock.now() >= b_before + chrono::Duration::hours(1));

    if database.is_none() {
        // SQLite: two stacks are two worlds, each with its controls in memory.
        let (_, view) = admin(&b, reqwest::Method::GET, "/admin", None).await;
        assert!(!fault_on(&view, "push-denied") && view["advancedSeconds"] == 0, "{view}");
        assert!(!b.faults.is_on(Fault::PushDenied));
        assert!(b.clock.now() < b_before + chrono::Duration::minutes(30));
        return;
    }

    until("B follows A's switch, clock and memo", async || {
        b.faults.is_on(Fault::PushDenied)
            && b.clock.now() >= b_before + chrono::Duration::hours(1)
            && b.controls.number_matching() == Some(true)
    })
    .await;
    let (_, view) = admin(&b, reqwest::Method::GET, "/admin", None).await;
    assert!(fault_on(&view, "push-denied"), "{view}");
    assert_eq!(
        (&view["advancedSeconds"], &view["tampered"], &view["numberMatching"]),
        (&json!(3600), &json!(true), &json!(true)),
        "{view}"
    );

    // Reset through B: A's switches go off and its clock comes back.
    let (status, view) = admin(&b, reqwest::Method::POST, "/admin/reset", None).await;
    assert_eq!(
        (status, &view["tampered"], &view["numberMatching"]),
        (StatusCode::OK, &json!(false), &json!(false)),
        "{view}"
    );
    until("A follows B's reset", async || {
        !a.faults.is_on(Fault::PushDenied)
            && a.clock.now() < b_before + chrono::Duration::minutes(30)
            && a.controls.number_matching() == Some(false)
    })
    .await;

    let (_, view) = admin(&a, reqwest::Method::GET, "/admin", None).await;
    assert_eq!(
        (&view["advancedSeconds"], &view["tampered"], &view["numberMatching"]),
        (&json!(0), &json!(false), &json!(false)),
        "{view}"
    );

    // One switch through A, timed as B follows it (printed: milliseconds through the NOTIFY).
    let asked = Instant::now();
    let (status, _) = admin(&a, reqwest::Method::PUT, "/admin/faults/rooted-device", Some(json!({"on": true}))).await;
    assert_eq!(status, StatusCode::OK);
    until("B follows the switch", async || b.faults.is_on(Fault::RootedDevice)).await;
    eprintln!("B followed A's switch {:?} after it was asked", asked.elapsed());
}

#[tokio::test]
async fn the_inspector_of_one_instance_shows_a_hop_the_other_answered() {
    let dir = tempfile::tempdir().unwrap();
    let database = shared_database(dir.path());
    let a = stack(&dir.path().join("a"), database.as_ref(), true).await;
    let key = http().get(format!("{}/pingid/v1/device/server-key", a.instance.sdk)).send().await.unwrap();
    assert_eq!(key.status(), StatusCode::OK);
    // B starts after the hop: its start-up clears no other instance's record.
    let b = stack(&dir.path().join("b"), database.as_ref(), true).await;
    let server_key_hops = |hops: &Value| {
        hops["hops"].as_array().unwrap().iter().filter(|h| h["path"] == "/pingid/v1/device/server-key").count()
    };
    let (status, hops) = admin(&a, reqwest::Method::GET, "/admin/hops", None).await;
    assert_eq!((status, server_key_hops(&hops)), (StatusCode::OK, 1), "A recorded the hop it answered: {hops}");

    let (status, hops) = admin(&b, reqwest::Method::GET, "/admin/hops", None).await;
    assert_eq!(status, StatusCode::OK, "{hops}");
    if database.is_none() {
        assert_eq!(server_key_hops(&hops), 0, "SQLite: each stack records its own hops: {hops}");
        return;
    }
    assert_eq!(server_key_hops(&hops), 1, "B's inspector shows A's hop: {hops}");
    let hop = hops["hops"].as_array().unwrap().iter().find(|h| h["path"] == "/pingid/v1/device/server-key").unwrap();
    assert_eq!((&hop["to"], &hop["status"]), (&json!("PingID SDK"), &json!(200)), "{hop}");

    // A hop through B is numbered after A's, and A sees it; clearing through A clears B's view.
    let key = http().get(format!("{}/pingid/v1/device/server-key", b.instance.sdk)).send().await.unwrap();
    assert_eq!(key.status(), StatusCode::OK);
    let (_, hops) = admin(&a, reqwest::Method::GET, "/admin/hops", None).await;
    let seqs: Vec<u64> = hops["hops"].as_array().unwrap().iter().map(|h| h["seq"].as_u64().unwrap()).collect();
    assert_eq!((server_key_hops(&hops), seqs.windows(2).all(|w| w[0] < w[1])), (2, true), "{hops}");
    let (status, cleared) = admin(&a, reqwest::Method::POST, "/admin/hops/clear", None).await;
    assert_eq!((status, &cleared["hops"]), (StatusCode::OK, &json!([])), "{cleared}");
    let (_, hops) = admin(&b, reqwest::Method::GET, "/admin/hops", None).await;
    assert_eq!(hops["hops"], json!([]), "{hops}");
    assert_eq!(hops["last"], json!(seqs.last().unwrap()), "numbering goes on after a clear: {hops}");
}

/// Runs `sql` on the test cluster as its administrator.
fn as_admin(sql: String) {
    moderno_sql::testing::as_admin(&sql).unwrap();
}

async fn health(url: &str) -> (StatusCode, Value) {
    let answer = http().get(format!("{url}/health")).send().await.unwrap();
    (answer.status(), answer.json().await.unwrap())
}

#[tokio::test]
async fn every_health_endpoint_is_up_while_the_database_answers_and_down_while_it_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let database = shared_database(dir.path());
    let a = stack(&dir.path().join("a"), database.as_ref(), false).await;
    let b = stack(&dir.path().join("b"), database.as_ref(), false).await;
    let up = (StatusCode::OK, json!({"status": "UP"}));
    let down = (StatusCode::SERVICE_UNAVAILABLE, json!({"status": "DOWN"}));
    for stack in [&a, &b] {
        let i = &stack.instance;
        for url in [&i.sdk, &i.customer, &i.pingone, &i.pingfederate, stack.admin_url.as_ref().unwrap()] {
            assert_eq!(health(url).await, up, "{url}/health");
        }
    }

    // Only PostgreSQL can be taken away from a running server (a SQLite file is this process's).
    let Some(url) = &database else { return };
    let name = url.expose().rsplit('/').next().unwrap().to_string();
    as_admin(format!(
        "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false;
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
    ));
    for stack in [&a, &b] {
        assert_eq!(health(stack.admin_url.as_ref().unwrap()).await, down, "the admin API's health");
    }
    assert_eq!(health(&a.instance.sdk).await, down, "the PingID SDK server's health");

    as_admin(format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true;"));
    until("the health is back once the database answers", async || {
        health(a.admin_url.as_ref().unwrap()).await == up && health(b.admin_url.as_ref().unwrap()).await == up
    })
    .await;
}

#[tokio::test]
async fn a_database_that_is_not_there_stops_the_start_without_naming_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut config = StackConfig::loopback(data.clone());
    config.password_cost = PasswordCost::TestOnlyCheap;
    config.database_url = Some(Secret::new("postgres://moderno:hunter2-not-shown@127.0.0.1:1/nowhere".to_owned()));
    let refused = format!("{:#}", Stack::start(config).await.err().expect("refused"));
    assert!(refused.contains("not reachable"), "says what is wrong: {refused}");
    assert!(!refused.contains("hunter2"), "never the password: {refused}");
    assert!(!data.exists(), "no SQLite file either");
}

#[tokio::test]
async fn the_binary_stops_on_sigterm_after_answering_and_never_prints_the_database_url() {
    let dir = tempfile::tempdir().unwrap();
    let database = shared_database(dir.path());
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_moderno-stack"));
    command.arg("--data-dir").arg(dir.path().join("data")).arg("--no-demo-devices");
    for flag in ["--sdk-listen", "--customer-listen", "--pingone-listen", "--pingfederate-listen", "--admin-listen"] {
        command.args([flag, "127.0.0.1:0"]);
    }
    // The test cluster trusts loopback: the password is never checked, only carried.
    let password = "pw-never-printed";
    if let Some(url) = &database {
        command
            .env("MODERNO_DATABASE_URL", url.expose().replacen("://moderno@", &format!("://moderno:{password}@"), 1));
    }
    command.env("RUST_LOG", "debug").stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    let output = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        let (stdout, output) = (child.stdout.take().unwrap(), output.clone());
        std::thread::spawn(move || {
            for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
                let line = line.unwrap();
                output.lock().unwrap().push_str(&line);
                output.lock().unwrap().push('\n');
            }
        })
    };
    // Once the stack is up it says where this instance listens (the ports it took for the 0s
    // given: what a supervisor, or the kill tests' harness, reaches it at), and where the admin
    // API does.
    let started = Instant::now();
    let (own, admin_url) = loop {
        let printed = output.lock().unwrap().clone();
        if let Some(own) = printed.lines().find_map(|line| line.strip_prefix("This instance listens on: ")) {
            let admin = printed.lines().find_map(|line| line.split("switches) on ").nth(1)).unwrap();
            break (own.to_owned(), admin.split("/admin").next().unwrap().to_owned());
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the binary did not start: {printed}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let services: Vec<(&str, &str)> = own.split(", ").filter_map(|named| named.split_once(' ')).collect();
    let names: Vec<&str> = services.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["sdk", "customer", "pingone", "pingfederate"], "{own}");
    for url in services.iter().map(|(_, url)| *url).chain([admin_url.as_str()]) {
        assert!(!url.ends_with(":0"), "a port taken, not the 0 given: {own}");
        assert_eq!(health(url).await, (StatusCode::OK, json!({"status": "UP"})), "{url}");
    }
    assert!(std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "SIGTERM did not stop the binary");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "a graceful stop: {status}");
    reader.join().unwrap();
    let mut output = output.lock().unwrap().clone();
    output.push_str(&std::io::read_to_string(child.stderr.take().unwrap()).unwrap());
    assert!(output.contains("stopping: finishing the requests in flight"), "{output}");
    assert!(!output.contains(password) && !output.contains("postgres://"), "the URL is never printed");
}

#[tokio::test]
async fn a_guarded_shared_server_draws_one_pingone_worker_secret_for_every_instance() {
    let dir = tempfile::tempdir().unwrap();
    let database = shared_database(dir.path());
    let guarded = |name: &str| {
        let mut config = StackConfig::loopback(dir.path().join(name));
        config.password_cost = PasswordCost::TestOnlyCheap;
        config.database_url = database.clone();
        config.admin_token = moderno_stack::admin::AdminToken::new("qa-token");
        config
    };
    let a = Stack::start(guarded("a")).await.unwrap();
    let b = Stack::start(guarded("b")).await.unwrap();
    let secret = |stack: &RunningStack| stack.pingone.config().worker_client_secret.expose().clone();
    assert_ne!(secret(&a), pingone_mfa_server::DEMO_WORKER_CLIENT_SECRET, "the published demo secret mints nothing");
    if database.is_none() {
        assert_ne!(secret(&a), secret(&b), "SQLite: two stacks, two PingOnes, each its own secret");
        return;
    }
    assert_eq!(secret(&a), secret(&b), "A's PingFederate may ask B's PingOne for a token, and the other way");
    assert_eq!(a.pingfederate.config().pingone_client_secret.expose(), &secret(&b));
}

#[tokio::test]
async fn instances_starting_together_on_one_database_add_the_demo_devices_once() {
    let dir = tempfile::tempdir().unwrap();
    let database = shared_database(dir.path());
    let with_demo_devices = |name: &str| {
        // The binary's password cost (the demo users' hashes are made ahead): as compose starts
        // two instances at once.
        let mut config = StackConfig::loopback(dir.path().join(name));
        config.database_url = database.clone();
        config.demo_devices = true;
        config
    };
    let (a, b) = tokio::join!(Stack::start(with_demo_devices("a")), Stack::start(with_demo_devices("b")));
    let (a, b) = (a.unwrap(), b.unwrap());
    for stack in [&a, &b] {
        let (token, _) = stack.pingone.mint_access_token().await.unwrap();
        let env = &stack.pingone.config().environment_id;
        let users = format!("{}/v1/environments/{env}/users", stack.instance.pingone);
        let found: Value = http()
            .get(&users)
            .query(&[("filter", "username eq \"dave\"")])
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = found["_embedded"]["users"][0]["id"].as_str().unwrap().to_owned();
        let devices: Value =
            http().get(format!("{users}/{id}/devices")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        assert_eq!(devices["count"], 2, "dave's e-mail and phone, once: {devices}");
    }
}
