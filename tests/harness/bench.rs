//! The benchmark: throughput and latency of the pairing flows on loopback, printed as a table.
//!
//! Rows: Argon2id hashes per second at production cost (the bound on logins), logins per second
//! of a paired device at production cost, automatic first-device pairing flows (login, server
//! payload, trust level, pairing), and the push round trip of an additional device (login ->
//! push delivered to the primary -> approval seen by the new device). PingFederate rows: a whole
//! first-device flow through the device library (authorize, first factor, authenticate, PingOne
//! pairing, continue, code exchange, tokens verified against the JWKS), and an additional-device
//! push flow (authenticate -> push delivered -> approved -> poll -> COMPLETED -> tokens).

use std::sync::Arc;
use std::time::{Duration, Instant};

use moderno_ambient::{Clock, Entropy};
use moderno_customer_server::{PasswordCost, Passwords};
use moderno_device::pingfederate::{PfAction, PfClient, PfLogin, PfStep, PingOneDevice};
use moderno_device::{http_client, Device, KeyStore, MemoryKeyStore, UserSelection};
use moderno_wire::device_api::PushAnswer;
use moderno_wire::moderno::Status;
use moderno_wire::payload::TrustLevel;
use moderno_wire::pingfederate::{MFA_STATUS_DEVICE_NOT_PAIRED, MFA_STATUS_DEVICE_PAIRED};
use tokio::task::JoinSet;

use crate::{Store, TestStack, PASSWORD};

/// How much work each row does.
#[derive(Debug, Clone, Copy)]
pub struct BenchSize {
    pub hashes: usize,
    pub logins: usize,
    pub pairings: usize,
    pub pushes: usize,
    pub concurrency: usize,
}

impl BenchSize {
    pub const FULL: Self = Self { hashes: 120, logins: 120, pairings: 200, pushes: 50, concurrency: 4 };
    /// Enough to prove every row runs; the numbers mean little.
    pub const SMOKE: Self = Self { hashes: 4, logins: 4, pairings: 4, pushes: 2, concurrency: 2 };
}

#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub count: usize,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

impl Row {
    fn from_samples(name: impl Into<String>, mut samples: Vec<Duration>, wall: Duration) -> Self {
        samples.sort();
        let pick = |q: f64| {
            let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
            samples.get(index).copied().unwrap_or_default()
        };
        Self {
            name: name.into(),
            count: samples.len(),
            per_second: samples.len() as f64 / wall.as_secs_f64().max(f64::EPSILON),
            p50: pick(0.50),
            p99: pick(0.99),
        }
    }
}

pub fn table(rows: &[Row]) -> String {
    let mut out = format!("{:<76} {:>6} {:>10} {:>10} {:>10}\n", "measurement", "n", "per sec", "p50 ms", "p99 ms");
    out.push_str(&format!("{}\n", "-".repeat(116)));
    for r in rows {
        out.push_str(&format!(
            "{:<76} {:>6} {:>10.1} {:>10.2} {:>10.2}\n",
            r.name,
            r.count,
            r.per_second,
            r.p50.as_secs_f64() * 1e3,
            r.p99.as_secs_f64() * 1e3
        ));
    }
    out
}

/// Runs `count` jobs, `concurrency` at a time, timing each.
async fn timed<F, Fut>(count: usize, concurrency: usize, job: F) -> (Vec<Duration>, Duration)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let job = Arc::new(job);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (job, next) = (Arc::clone(&job), Arc::clone(&next));
        workers.spawn(async move {
            let mut samples = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= count {
                    return samples;
                }
                let t0 = Instant::now();
                job(i).await;
                samples.push(t0.elapsed());
            }
        });
    }
    let samples = workers.join_all().await.into_iter().flatten().collect();
    (samples, started.elapsed())
}

async fn argon2_bound(size: BenchSize) -> anyhow::Result<Row> {
    let passwords = Arc::new(Passwords::new(PasswordCost::Production, Entropy::from_os()).await?);
    let (samples, wall) = timed(size.hashes, size.concurrency, move |_| {
        let passwords = Arc::clone(&passwords);
        async move {
            let _ = passwords.hash("benchmark-password").await;
        }
    })
    .await;
    Ok(Row::from_samples("argon2id hashes (m=19 MiB, t=2): the bound", samples, wall))
}

async fn paired_logins(size: BenchSize) -> anyhow::Result<Row> {
    let t = Arc::new(
        TestStack::start_with(|c| {
            c.clock = Clock::system();
            c.password_cost = PasswordCost::Production;
        })
        .await,
    );
    // One user per two workers' worth of logins: the customer server backs off an account with
    // three attempts in flight (each counts as a failure until it succeeds), as it should for
    // guessing, so the load spreads over users the way real logins do.
    let mut devices = Vec::new();
    for u in 0..size.concurrency * 2 {
        let user = format!("login-{u}");
        t.stack.customer.add_user(&user, PASSWORD).await?;
        let device = t.device(&format!("laptop-{u}")).await;
        device.pair_first(&user, TrustLevel::Primary).await;
        devices.push((user, device));
    }
    let devices = Arc::new(devices);
    let (samples, wall) = timed(size.logins, size.concurrency, move |i| {
        let devices = Arc::clone(&devices);
        async move {
            let (user, device) = &devices[i % devices.len()];
            let answer = device.login(user).await;
            assert_eq!(answer.status, Status::Ok, "{answer:?}");
        }
    })
    .await;
    Ok(Row::from_samples("logins of a paired device (production argon2)", samples, wall))
}

async fn first_device_pairings(size: BenchSize, store: Store) -> anyhow::Result<Row> {
    let label = store.label();
    let t = Arc::new(TestStack::start_on(store, |c| c.clock = Clock::system()).await);
    for i in 0..size.pairings {
        t.stack.customer.add_user(&format!("pair-{i}"), PASSWORD).await?;
    }
    let stack = Arc::clone(&t);
    let (samples, wall) = timed(size.pairings, size.concurrency, move |i| {
        let t = Arc::clone(&stack);
        async move {
            let device = t.device(&format!("pair-{i}")).await;
            device.pair_first(&format!("pair-{i}"), TrustLevel::Primary).await;
        }
    })
    .await;
    Ok(Row::from_samples(format!("first-device pairing flows (cheap argon2) [{label}]"), samples, wall))
}

/// The SDK server allows a user 5 pushes in 10 minutes (push bombing), so the pushes rotate over
/// enough users, each with a paired primary that stays online.
const PUSHES_PER_USER: usize = 4;

async fn push_round_trips(size: BenchSize, store: Store) -> anyhow::Result<Vec<Row>> {
    let label = store.label();
    let t = TestStack::start_on(store, |c| c.clock = Clock::system()).await;
    let mut primaries = Vec::new();
    for u in 0..size.pushes.div_ceil(PUSHES_PER_USER) {
        let user = format!("push-{u}");
        t.stack.customer.add_user(&user, PASSWORD).await?;
        let primary = t.device(&format!("primary-{u}")).await;
        primary.pair_first(&user, TrustLevel::Primary).await;
        primary.go_online().await;
        primaries.push((user, primary));
    }
    let (mut delivered, mut approved) = (Vec::new(), Vec::new());
    let started = Instant::now();
    for i in 0..size.pushes {
        let (user, primary) = &primaries[i / PUSHES_PER_USER];
        let newcomer = t.device(&format!("newcomer-{i}")).await;
        // Ping's auth_user answers once the push is answered: the login runs while the primary
        // receives and approves the push.
        let t0 = Instant::now();
        let login = newcomer.login(user);
        let approve = async {
            let pushes = primary.device.pending_pushes(Duration::from_secs(5)).await?;
            let delivered_after = t0.elapsed();
            let push = pushes.first().ok_or_else(|| anyhow::anyhow!("no push arrived"))?;
            primary.device.answer_push(&push.authentication_id, PushAnswer::approve(None)).await?;
            anyhow::Ok((delivered_after, Instant::now()))
        };
        let (answer, approval) = tokio::join!(login, approve);
        let (delivered_after, t1) = approval?;
        assert_eq!(answer.status, Status::Ok, "{answer:?}");
        delivered.push(delivered_after);
        approved.push(t1.elapsed());
        // Not pairing the newcomer keeps the user under the device limit.
        let _ = newcomer.device.set_user_selection(UserSelection::Trust(TrustLevel::Ignore), None).await;
    }
    let wall = started.elapsed();
    Ok(vec![
        Row::from_samples(format!("push: login -> push delivered to the primary [{label}]"), delivered, wall),
        Row::from_samples(format!("push: approve -> approval seen by the new device [{label}]"), approved, wall),
    ])
}

/// PingFederate's demo users; each flow of a row takes the next, so none carries two at once.
pub(crate) const PF_USERS: [&str; 4] = ["alice", "bob", "carol", "dave"];

/// A headless device's PingOne personality and its PingFederate client.
pub(crate) async fn pf_device(t: &TestStack, profile: &str) -> anyhow::Result<(PingOneDevice, Arc<PfClient>)> {
    let store: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    let device = Device::open(profile, Arc::clone(&store), t.clock.clone(), t.entropy.clone()).await?;
    let pingone = PingOneDevice::open(&device, store, t.clock.clone(), t.entropy.clone()).await?;
    Ok((pingone, Arc::new(PfClient::new(http_client()?, &t.stack.pingfederate_url)?)))
}

/// Authorize, first factor, `authenticate` with the device's payload: the step it leads to.
pub(crate) async fn pf_authenticated(
    t: &TestStack,
    client: &Arc<PfClient>,
    pingone: &PingOneDevice,
    user: &str,
) -> anyhow::Result<(PfLogin, PfStep)> {
    let mut login = PfLogin::start(Arc::clone(client), t.clock.clone(), &t.entropy).await?;
    login.sign_in(user, PASSWORD).await?;
    let step = login.act(&PfAction::Authenticate { mobile_payload: Some(pingone.payload().into()) }).await?;
    Ok((login, step))
}

/// Continues and exchanges; the token's `pingone.mfa.status` must be `expected`.
pub(crate) async fn pf_finish(login: &mut PfLogin, expected: &str) -> anyhow::Result<()> {
    login.act(&PfAction::ContinueAuthentication).await?;
    let tokens = login.finish().await?;
    anyhow::ensure!(tokens.mfa_status() == Some(expected), "pingone.mfa.status {:?}", tokens.mfa_status());
    Ok(())
}

/// Whole first-device flows, one after another; the device is removed at PingOne between flows
/// (untimed) so the user is new again.
async fn pingfederate_first_devices(size: BenchSize) -> anyhow::Result<Row> {
    let t = TestStack::start().await;
    let admin = PingOneAdmin::default();
    let (mut samples, mut wall) = (Vec::new(), Duration::ZERO);
    for i in 0..size.pairings {
        let user = PF_USERS[i % PF_USERS.len()];
        let (pingone, client) = pf_device(&t, &format!("pf-first-{i}")).await?;
        let t0 = Instant::now();
        let (mut login, step) = pf_authenticated(&t, &client, &pingone, user).await?;
        let PfStep::Pair { server_payload } = step else {
            anyhow::bail!("expected MOBILE_PAIRING_REQUIRED, got {step:?}")
        };
        let paired = pingone.pair(&server_payload).await?;
        pf_finish(&mut login, MFA_STATUS_DEVICE_PAIRED).await?;
        samples.push(t0.elapsed());
        wall += t0.elapsed();
        remove_pingone_device(&t, &admin, user, &paired.device_id).await?;
    }
    Ok(Row::from_samples("PingFederate first-device flow", samples, wall))
}

/// A PingOne administrator's worker access token, fetched once and reused until shortly before it
/// expires (it lives an hour), as an administrator's tool would: removals mint no token each.
/// One per stack (a token is its PingOne's).
#[derive(Default)]
pub(crate) struct PingOneAdmin {
    token: tokio::sync::Mutex<Option<(String, chrono::DateTime<chrono::Utc>)>>,
}

impl PingOneAdmin {
    /// How long before its expiry a token is replaced.
    const MARGIN: chrono::Duration = chrono::Duration::minutes(5);

    /// The token, minted (through the stack's PingOne) when there is none or it ends soon, by
    /// the stack's clock (the one PingOne checks it against).
    async fn token(&self, t: &TestStack) -> anyhow::Result<String> {
        let mut held = self.token.lock().await;
        let now = t.clock.now();
        if let Some((token, expires)) = &*held {
            if now + Self::MARGIN < *expires {
                return Ok(token.clone());
            }
        }
        let (token, lifetime) = t.stack.pingone.mint_access_token().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        *held = Some((token.clone(), now + chrono::Duration::seconds(lifetime)));
        Ok(token)
    }
}

/// Removes a user's device at PingOne (its Platform API, as an administrator), so the user is
/// new to pairing again.
pub(crate) async fn remove_pingone_device(
    t: &TestStack,
    admin: &PingOneAdmin,
    user: &str,
    device_id: &str,
) -> anyhow::Result<()> {
    let config = t.stack.pingone.config();
    let users = format!("{}/v1/environments/{}/users", t.stack.pingone_url, config.environment_id);
    let http = admin_http();
    let token = admin.token(t).await?;
    let found: serde_json::Value = http
        .get(&users)
        .query(&[("filter", format!("username eq \"{user}\""))])
        .bearer_auth(&token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = found["_embedded"]["users"][0]["id"].as_str().unwrap_or_default();
    http.delete(format!("{users}/{id}/devices/{device_id}")).bearer_auth(&token).send().await?.error_for_status()?;
    Ok(())
}

/// One client for an administrator's requests, built once (its connections are reused).
pub(crate) fn admin_http() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().expect("a client")
    })
}

/// Additional-device push flows: each user has a paired phone; a new device authenticates, the
/// phone long-polls and approves, the new device polls to COMPLETED (without pairing, so the
/// user keeps one device). The manual clock moves 3 minutes between flows (untimed) to stay under
/// PingOne's 5 pushes per user in 10 minutes.
async fn pingfederate_push_flows(size: BenchSize) -> anyhow::Result<Row> {
    let t = TestStack::start().await;
    let mut phones = Vec::new();
    for user in PF_USERS {
        let (phone, client) = pf_device(&t, &format!("pf-phone-{user}")).await?;
        let (mut login, step) = pf_authenticated(&t, &client, &phone, user).await?;
        let PfStep::Pair { server_payload } = step else { anyhow::bail!("{user} already has a device: {step:?}") };
        phone.pair(&server_payload).await?;
        pf_finish(&mut login, MFA_STATUS_DEVICE_PAIRED).await?;
        phones.push(phone);
    }
    let (mut samples, mut wall) = (Vec::new(), Duration::ZERO);
    for i in 0..size.pushes {
        let (user, phone) = (PF_USERS[i % PF_USERS.len()], &phones[i % PF_USERS.len()]);
        let (newcomer, client) = pf_device(&t, &format!("pf-new-{i}")).await?;
        let t0 = Instant::now();
        let (mut login, step) = pf_authenticated(&t, &client, &newcomer, user).await?;
        let PfStep::WaitForPush { match_number, .. } = step else {
            anyhow::bail!("expected PUSH_CONFIRMATION_WAITING, got {step:?}")
        };
        let pushes = phone.pending_pushes(Duration::from_secs(5)).await?;
        let push = pushes.first().ok_or_else(|| anyhow::anyhow!("no push arrived"))?;
        phone.answer_push(&push.authentication_id, PushAnswer::approve(match_number)).await?;
        while let PfStep::WaitForPush { .. } = login.act(&PfAction::Poll).await? {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        pf_finish(&mut login, MFA_STATUS_DEVICE_NOT_PAIRED).await?;
        samples.push(t0.elapsed());
        wall += t0.elapsed();
        t.advance(chrono::TimeDelta::minutes(3));
    }
    Ok(Row::from_samples("PingFederate additional-device push flow", samples, wall))
}

/// The stores the store-bound rows run on: SQLite, and with a PostgreSQL cluster at
/// `MODERNO_TEST_DATABASE_URL` (`scripts/with-postgres.sh`) one and two instances on a fresh
/// database each.
fn stores() -> anyhow::Result<Vec<Store>> {
    let mut stores = vec![Store::Sqlite];
    if std::env::var_os("MODERNO_TEST_DATABASE_URL").is_some() {
        stores.push(Store::Postgres(moderno_sql::testing::fresh_database()?));
        stores.push(Store::TwoOnPostgres(moderno_sql::testing::fresh_database()?));
    }
    Ok(stores)
}

/// Runs every row and returns them in order.
pub async fn run(size: BenchSize) -> anyhow::Result<Vec<Row>> {
    let mut rows = vec![argon2_bound(size).await?, paired_logins(size).await?];
    for store in stores()? {
        rows.push(first_device_pairings(size, store).await?);
    }
    for store in stores()? {
        rows.extend(push_round_trips(size, store).await?);
    }
    rows.push(pingfederate_first_devices(size).await?);
    rows.push(pingfederate_push_flows(size).await?);
    Ok(rows)
}
