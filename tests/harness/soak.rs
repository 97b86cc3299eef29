//! The soak: minutes of mixed flows at a steady rate against one stack (real HTTP on loopback,
//! real SQLite files, the system clock), with a row every interval: flows and failures in the
//! window, their latency (p50/p99), the process's resident memory and open files, and the size of
//! the services' database files (or PostgreSQL database). Flat after warm-up is what a server that runs for months needs
//! (issue 14); a column that climbs is a leak or a table nothing purges. It runs on SQLite files
//! or on a PostgreSQL database (`--database-url`), with the retention and purge interval given.
//!
//! The mix, one flow per tick in turn: a PingID SDK first-device pairing of a new user, two
//! logins of paired devices, and a PingFederate first-device flow (its device removed at PingOne
//! afterwards, so the demo user is new again). The load runs in this process, so memory and
//! files include the headless devices' side.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moderno_ambient::Clock;
use moderno_crypto::Secret;
use moderno_wire::moderno::Status;
use moderno_wire::payload::TrustLevel;
use moderno_wire::pingfederate::MFA_STATUS_DEVICE_PAIRED;
use tokio::sync::Semaphore;

use crate::bench::{pf_authenticated, pf_device, pf_finish, remove_pingone_device, PF_USERS};
use crate::{Store, TestDevice, TestStack, PASSWORD};

/// How long, how fast, how often to report, and on what.
#[derive(Debug, Clone)]
pub struct SoakPlan {
    pub duration: Duration,
    /// Flows started per second.
    pub rate: f64,
    pub sample_every: Duration,
    /// The services' PostgreSQL database; `None`: the test suite's store (SQLite files, or two
    /// instances with `MODERNO_TEST_STORE=postgres`).
    pub database_url: Option<Secret<String>>,
    /// How long finished records are kept, and how often the services purge (`None`: the
    /// services' 24 hours and 10 minutes).
    pub retention: Option<chrono::Duration>,
    pub purge_interval: Option<Duration>,
}

impl Default for SoakPlan {
    fn default() -> Self {
        Self {
            duration: Duration::from_secs(60),
            rate: 8.0,
            sample_every: Duration::from_secs(10),
            database_url: None,
            retention: None,
            purge_interval: None,
        }
    }
}

/// One row: the window that just ended, and the process and files at its end.
#[derive(Debug, Clone)]
pub struct Sample {
    pub elapsed: Duration,
    pub flows: usize,
    pub failures: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub rss_mib: f64,
    pub open_files: usize,
    pub db_mib: f64,
}

pub fn header() -> String {
    format!(
        "{:>8} {:>7} {:>8} {:>9} {:>9} {:>9} {:>6} {:>8}\n{}\n",
        "elapsed",
        "flows",
        "failed",
        "p50 ms",
        "p99 ms",
        "RSS MiB",
        "files",
        "DB MiB",
        "-".repeat(72)
    )
}

pub fn row(s: &Sample) -> String {
    format!(
        "{:>5}:{:02} {:>7} {:>8} {:>9.2} {:>9.2} {:>9.1} {:>6} {:>8.2}\n",
        s.elapsed.as_secs() / 60,
        s.elapsed.as_secs() % 60,
        s.flows,
        s.failures,
        s.p50.as_secs_f64() * 1e3,
        s.p99.as_secs_f64() * 1e3,
        s.rss_mib,
        s.open_files,
        s.db_mib
    )
}

/// What the flows of the current window recorded.
#[derive(Default)]
struct Window {
    latencies: Vec<Duration>,
    failures: usize,
}

/// Runs the plan, calling `report` with each row as it is taken; returns every row.
pub async fn run(plan: SoakPlan, mut report: impl FnMut(&Sample)) -> anyhow::Result<Vec<Sample>> {
    let adjust = |c: &mut moderno_stack::StackConfig| {
        c.clock = Clock::system();
        c.retention = plan.retention;
        c.purge_interval = plan.purge_interval;
    };
    let t = Arc::new(match plan.database_url.clone() {
        Some(url) => TestStack::start_on(Store::Postgres(url), adjust).await,
        None => TestStack::start_with(adjust).await,
    });
    // The paired devices that log in again and again.
    let mut paired = Vec::new();
    for u in 0..8 {
        let user = format!("soak-login-{u}");
        t.stack.customer.add_user(&user, PASSWORD).await?;
        let device = t.device(&format!("soak-laptop-{u}")).await;
        device.pair_first(&user, TrustLevel::Primary).await;
        paired.push((user, device));
    }
    let paired: Arc<Vec<(String, TestDevice)>> = Arc::new(paired);
    // PingFederate's demo users take one flow at a time each.
    let pf_turns: Arc<Vec<tokio::sync::Mutex<()>>> = Arc::new(PF_USERS.iter().map(|_| Default::default()).collect());
    let window = Arc::new(Mutex::new(Window::default()));
    let in_flight = Arc::new(Semaphore::new(64));
    let ticks = Arc::new(AtomicUsize::new(0));

    let started = Instant::now();
    let mut next_sample = plan.sample_every;
    let mut samples = Vec::new();
    let mut pace = tokio::time::interval(Duration::from_secs_f64(1.0 / plan.rate.max(0.1)));
    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while started.elapsed() < plan.duration {
        pace.tick().await;
        let permit = Arc::clone(&in_flight).acquire_owned().await?;
        let i = ticks.fetch_add(1, Ordering::Relaxed);
        let (stack, paired, pf_turns, recorded) =
            (Arc::clone(&t), Arc::clone(&paired), Arc::clone(&pf_turns), Arc::clone(&window));
        tokio::spawn(async move {
            let t0 = Instant::now();
            let outcome = one_flow(&stack, &paired, &pf_turns, i).await;
            let mut w = recorded.lock().unwrap_or_else(|e| e.into_inner());
            match outcome {
                Ok(()) => w.latencies.push(t0.elapsed()),
                Err(error) => {
                    w.failures += 1;
                    eprintln!("soak: flow {i} failed: {error:#}");
                }
            }
            drop(permit);
        });
        if started.elapsed() >= next_sample {
            next_sample += plan.sample_every;
            let taken = std::mem::take(&mut *window.lock().unwrap_or_else(|e| e.into_inner()));
            let sample = sample(started.elapsed(), taken, database_bytes(&t));
            report(&sample);
            samples.push(sample);
        }
    }
    // The flows still running finish before the stack goes (their failures were counted above
    // as they happened; one cut off here would not be the server's).
    let _all = in_flight.acquire_many(64).await?;
    Ok(samples)
}

async fn one_flow(
    t: &TestStack,
    paired: &[(String, TestDevice)],
    pf_turns: &[tokio::sync::Mutex<()>],
    i: usize,
) -> anyhow::Result<()> {
    match i % 4 {
        0 => {
            let user = format!("soak-pair-{i}");
            t.stack.customer.add_user(&user, PASSWORD).await?;
            t.device(&format!("soak-new-{i}")).await.pair_first(&user, TrustLevel::Primary).await;
            Ok(())
        }
        1 | 2 => {
            let (user, device) = &paired[(i / 4 + i % 4) % paired.len()];
            let answer = device.login(user).await;
            anyhow::ensure!(answer.status == Status::Ok, "login answered {answer:?}");
            Ok(())
        }
        _ => {
            let which = (i / 4) % PF_USERS.len();
            let _turn = pf_turns[which].lock().await;
            pingfederate_first_device(t, PF_USERS[which], i).await
        }
    }
}

/// A PingFederate first-device flow for `user`, then its device removed at PingOne.
async fn pingfederate_first_device(t: &TestStack, user: &str, i: usize) -> anyhow::Result<()> {
    let (pingone, client) = pf_device(t, &format!("soak-pf-{i}")).await?;
    let (mut login, step) = pf_authenticated(t, &client, &pingone, user).await?;
    let moderno_device::pingfederate::PfStep::Pair { server_payload } = step else {
        anyhow::bail!("expected MOBILE_PAIRING_REQUIRED, got {step:?}")
    };
    let paired = pingone.pair(&server_payload).await?;
    pf_finish(&mut login, MFA_STATUS_DEVICE_PAIRED).await?;
    remove_pingone_device(t, user, &paired.device_id).await
}

fn sample(elapsed: Duration, mut window: Window, database_bytes: u64) -> Sample {
    window.latencies.sort();
    let pick = |q: f64| {
        let index = ((window.latencies.len() as f64 - 1.0) * q).round() as usize;
        window.latencies.get(index).copied().unwrap_or_default()
    };
    Sample {
        elapsed,
        flows: window.latencies.len(),
        failures: window.failures,
        p50: pick(0.50),
        p99: pick(0.99),
        rss_mib: resident_kib() as f64 / 1024.0,
        open_files: std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0),
        db_mib: database_bytes as f64 / (1024.0 * 1024.0),
    }
}

/// The services' databases: the SQLite files with their WAL, or PostgreSQL's database size
/// (tables, indexes, TOAST; what `pg_database_size` counts).
fn database_bytes(t: &TestStack) -> u64 {
    let Some(url) = &t.database_url else { return bytes_below(t.data_dir()) };
    let url = url.expose().clone();
    // The blocking client runs its own runtime: on a thread of its own.
    std::thread::spawn(move || -> anyhow::Result<u64> {
        let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
        let size: i64 = client.query_one("SELECT pg_database_size(current_database())", &[])?.get(0);
        Ok(u64::try_from(size).unwrap_or(0))
    })
    .join()
    .map_or(0, |size| size.unwrap_or(0))
}

/// VmRSS of this process, in KiB (0 where /proc is not there).
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// The size of every file below `dir` (the databases with their WAL files).
fn bytes_below(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => bytes_below(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}
