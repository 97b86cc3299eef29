//! The benchmark: throughput and latency of the pairing flows on loopback, printed as a table.
//!
//! Rows: Argon2id hashes per second at production cost (the bound on logins), logins per second
//! of a paired device at production cost, automatic first-device pairing flows (login, server
//! payload, trust level, pairing), and the push round trip of an additional device (login ->
//! push delivered to the primary -> approval seen by the new device).

use std::sync::Arc;
use std::time::{Duration, Instant};

use moderno_ambient::{Clock, Entropy};
use moderno_customer_server::{PasswordCost, Passwords};
use moderno_device::UserSelection;
use moderno_wire::device_api::PushAction;
use moderno_wire::moderno::Status;
use moderno_wire::payload::TrustLevel;
use tokio::task::JoinSet;

use crate::{TestStack, PASSWORD};

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
    pub name: &'static str,
    pub count: usize,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

impl Row {
    fn from_samples(name: &'static str, mut samples: Vec<Duration>, wall: Duration) -> Self {
        samples.sort();
        let pick = |q: f64| {
            let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
            samples.get(index).copied().unwrap_or_default()
        };
        Self {
            name,
            count: samples.len(),
            per_second: samples.len() as f64 / wall.as_secs_f64().max(f64::EPSILON),
            p50: pick(0.50),
            p99: pick(0.99),
        }
    }
}

pub fn table(rows: &[Row]) -> String {
    let mut out = format!("{:<48} {:>6} {:>10} {:>10} {:>10}\n", "measurement", "n", "per sec", "p50 ms", "p99 ms");
    out.push_str(&format!("{}\n", "-".repeat(88)));
    for r in rows {
        out.push_str(&format!(
            "{:<48} {:>6} {:>10.1} {:>10.2} {:>10.2}\n",
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
    let t = Arc::new(TestStack::start_with(|c| {
        c.clock = Clock::system();
        c.password_cost = PasswordCost::Production;
    })
    .await);
    let laptop = Arc::new(t.device("bench-laptop").await);
    laptop.pair_first("alice", TrustLevel::Primary).await;
    let (samples, wall) = timed(size.logins, size.concurrency, move |_| {
        let laptop = Arc::clone(&laptop);
        async move {
            let answer = laptop.login("alice").await;
            assert_eq!(answer.status, Status::Ok, "{answer:?}");
        }
    })
    .await;
    Ok(Row::from_samples("logins of a paired device (production argon2)", samples, wall))
}

async fn first_device_pairings(size: BenchSize) -> anyhow::Result<Row> {
    let t = Arc::new(TestStack::start_with(|c| c.clock = Clock::system()).await);
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
    Ok(Row::from_samples("first-device pairing flows (cheap argon2)", samples, wall))
}

/// The SDK server allows a user 5 pushes in 10 minutes (push bombing), so the pushes rotate over
/// enough users, each with a paired primary that stays online.
const PUSHES_PER_USER: usize = 4;

async fn push_round_trips(size: BenchSize) -> anyhow::Result<Vec<Row>> {
    let t = TestStack::start_with(|c| c.clock = Clock::system()).await;
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
        let t0 = Instant::now();
        let answer = newcomer.login(user).await;
        assert_eq!(answer.status, Status::InProgress, "{answer:?}");
        let pushes = primary.device.pending_pushes(Duration::from_secs(5)).await?;
        delivered.push(t0.elapsed());
        let push = pushes.first().ok_or_else(|| anyhow::anyhow!("no push arrived"))?;
        let t1 = Instant::now();
        primary.device.answer_push(&push.authentication_id, PushAction::Approve).await?;
        let session = answer.session_id.unwrap_or_default();
        loop {
            let status = newcomer.moderno.auth_status(&session).await?;
            if status.status != Status::InProgress {
                assert_eq!(status.status, Status::Ok, "{status:?}");
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        approved.push(t1.elapsed());
        // Not pairing the newcomer keeps the user under the device limit.
        let _ = newcomer.device.set_user_selection(UserSelection::Trust(TrustLevel::Ignore), None).await;
    }
    let wall = started.elapsed();
    Ok(vec![
        Row::from_samples("push: login -> push delivered to the primary", delivered, wall),
        Row::from_samples("push: approve -> approval seen by the new device", approved, wall),
    ])
}

/// Runs every row and returns them in order.
pub async fn run(size: BenchSize) -> anyhow::Result<Vec<Row>> {
    let mut rows = vec![argon2_bound(size).await?, paired_logins(size).await?, first_device_pairings(size).await?];
    rows.extend(push_round_trips(size).await?);
    Ok(rows)
}
