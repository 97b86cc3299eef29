//! The soak: minutes of mixed flows at a steady rate against one stack (real HTTP on loopback,
//! real SQLite files, the system clock), with a row every interval: flows and failures in the
//! window, their latency (p50/p99), the process's resident memory and open files, and the size of
//! the services' database files (or PostgreSQL database). Flat after warm-up is what a server that
//! runs for months needs (issue 14); a column that climbs is a leak or a table nothing purges. It
//! runs on SQLite files or on a PostgreSQL database (`--database-url`), with the retention and
//! purge interval given. Each row also counts the rows of every table, so a database that grows
//! names the table that does.
//!
//! The mix, one flow per tick in turn: a PingID SDK first-device pairing, two logins of paired
//! devices, and a PingFederate first-device flow. The steady state keeps no new permanent data:
//! every user is created in warm-up, and each first-device pairing is undone afterwards as an
//! administrator would (the SDK server's `DELETE {account}/users/{u}/devices/{id}`; PingFederate's
//! device removed at PingOne), so the same user is new again next time. The pairing users keep
//! their one device each: its key is the same every time, so the SDK server's pairing history
//! (one row per fingerprint ever paired with a user, kept by design) stops growing after warm-up
//! and later pairings answer RE_PAIR_SUCCESS. The load runs in this process, so memory and files
//! include the headless devices' side.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moderno_ambient::Clock;
use moderno_crypto::pingid_hmac::{ApiCredentials, RequestParts};
use moderno_crypto::Secret;
use moderno_wire::device_api::PairingOutcome;
use moderno_wire::moderno::Status;
use moderno_wire::payload::TrustLevel;
use moderno_wire::pingfederate::MFA_STATUS_DEVICE_PAIRED;
use pingid_sdk_server::{DEMO_ACCOUNT_ID, DEMO_ACCOUNT_TOKEN, DEMO_API_KEY_B64};
use tokio::sync::Semaphore;

use crate::bench::{admin_http, pf_authenticated, pf_device, pf_finish, remove_pingone_device, PingOneAdmin, PF_USERS};
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
    /// Rows per table at the end of the window, as `("service.table", rows)`, in name order
    /// (empty where they could not be counted).
    pub tables: Vec<(String, u64)>,
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

/// Rows per table at three samples (the first, the middle and the last), the tables whose count
/// changed from the middle to the end marked: after warm-up, what still grows.
pub fn table_growth(samples: &[Sample]) -> String {
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else { return String::new() };
    let middle = &samples[samples.len() / 2];
    let at = |s: &Sample, table: &str| s.tables.iter().find(|(t, _)| t == table).map_or(0, |(_, n)| *n);
    let time = |s: &Sample| format!("{}:{:02}", s.elapsed.as_secs() / 60, s.elapsed.as_secs() % 60);
    let mut out = format!(
        "{:<44} {:>9} {:>9} {:>9}\n{}\n",
        "rows per table (SQLite: and per file)",
        time(first),
        time(middle),
        time(last),
        "-".repeat(74)
    );
    for (table, rows) in &last.tables {
        let grew = if at(middle, table) != *rows { "  <- changed since the middle row" } else { "" };
        out.push_str(&format!("{table:<44} {:>9} {:>9} {rows:>9}{grew}\n", at(first, table), at(middle, table)));
    }
    out
}

/// What the flows of the current window recorded.
#[derive(Default)]
struct Window {
    latencies: Vec<Duration>,
    failures: usize,
}

/// The users whose first device is paired, then removed, again and again: each with its one
/// device, one flow at a time.
type PairingPool = Vec<tokio::sync::Mutex<(String, TestDevice)>>;

/// How many users take turns at first-device pairing (2 pairings a second at 8 flows a second:
/// each user's turn comes every 4 s or so).
const PAIRING_USERS: usize = 8;

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
    // Warm-up: every user the mix signs in as. The paired devices that log in again and again,
    // and the pairing users (not paired between their turns).
    let mut paired = Vec::new();
    let mut pairing = PairingPool::new();
    for u in 0..8 {
        let user = format!("soak-login-{u}");
        t.stack.customer.add_user(&user, PASSWORD).await?;
        let device = t.device(&format!("soak-laptop-{u}")).await;
        device.pair_first(&user, TrustLevel::Primary).await;
        paired.push((user, device));
    }
    for u in 0..PAIRING_USERS {
        let user = format!("soak-pair-{u}");
        t.stack.customer.add_user(&user, PASSWORD).await?;
        pairing.push(tokio::sync::Mutex::new((user, t.device(&format!("soak-new-{u}")).await)));
    }
    let paired: Arc<Vec<(String, TestDevice)>> = Arc::new(paired);
    let pairing = Arc::new(pairing);
    // PingFederate's demo users take one flow at a time each.
    let pf_turns: Arc<Vec<tokio::sync::Mutex<()>>> = Arc::new(PF_USERS.iter().map(|_| Default::default()).collect());
    // The administrator removing PingFederate users' devices holds one worker token at a time.
    let admin = Arc::new(PingOneAdmin::default());
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
        let (stack, admin, paired, pairing, pf_turns, recorded) = (
            Arc::clone(&t),
            Arc::clone(&admin),
            Arc::clone(&paired),
            Arc::clone(&pairing),
            Arc::clone(&pf_turns),
            Arc::clone(&window),
        );
        tokio::spawn(async move {
            let t0 = Instant::now();
            // The harness's steps assert as they go: a flow that panics is a failed flow too.
            let outcome = tokio::spawn(async move { one_flow(&stack, &admin, &paired, &pairing, &pf_turns, i).await })
                .await
                .unwrap_or_else(|panicked| Err(anyhow::anyhow!("{panicked}")));
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
            // Measured off the runtime's workers: counting reads files and blocks.
            let measured = Arc::clone(&t);
            let (bytes, tables) =
                tokio::task::spawn_blocking(move || (database_bytes(&measured), table_rows(&measured))).await?;
            let sample = sample(started.elapsed(), taken, bytes, tables);
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
    admin: &PingOneAdmin,
    paired: &[(String, TestDevice)],
    pairing: &PairingPool,
    pf_turns: &[tokio::sync::Mutex<()>],
    i: usize,
) -> anyhow::Result<()> {
    match i % 4 {
        0 => {
            let turn = pairing[(i / 4) % pairing.len()].lock().await;
            let (user, device) = &*turn;
            sdk_first_device(t, user, device).await
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
            pingfederate_first_device(t, admin, PF_USERS[which], i).await
        }
    }
}

/// A PingID SDK first-device pairing of `user` (who has no device), then the device removed by
/// the administrator, so the user has none again.
async fn sdk_first_device(t: &TestStack, user: &str, device: &TestDevice) -> anyhow::Result<()> {
    let completed = device.pair_first(user, TrustLevel::Primary).await;
    anyhow::ensure!(
        matches!(completed.outcome, PairingOutcome::Success | PairingOutcome::RePairSuccess),
        "pairing answered {:?}",
        completed.outcome
    );
    let device_id = completed.device_id.ok_or_else(|| anyhow::anyhow!("the pairing named no device"))?;
    remove_sdk_device(t, user, &device_id).await
}

/// `DELETE /pingid/v1/accounts/{account}/users/{username}/devices/{id}` (Ping's path), signed with
/// the demo account's key as an administrator's tool would sign it: 204.
async fn remove_sdk_device(t: &TestStack, user: &str, device_id: &str) -> anyhow::Result<()> {
    let creds = ApiCredentials::new(DEMO_ACCOUNT_ID, DEMO_ACCOUNT_TOKEN, DEMO_API_KEY_B64)?;
    let path = format!("/pingid/v1/accounts/{DEMO_ACCOUNT_ID}/users/{user}/devices/{device_id}");
    let url = reqwest::Url::parse(&format!("{}{path}", t.stack.sdk_url))?;
    let parts = RequestParts {
        method: "DELETE",
        host: url.host_str().unwrap_or_default(),
        path: url.path(),
        query: None,
        body: b"",
    };
    let authorization = creds.authorize(&parts, t.clock.now(), &t.entropy.uuid());
    let answer = admin_http().delete(url).header("authorization", authorization).send().await?;
    anyhow::ensure!(
        answer.status() == reqwest::StatusCode::NO_CONTENT,
        "removing the device answered {}",
        answer.status()
    );
    Ok(())
}

/// A PingFederate first-device flow for `user`, then its device removed at PingOne.
async fn pingfederate_first_device(t: &TestStack, admin: &PingOneAdmin, user: &str, i: usize) -> anyhow::Result<()> {
    let (pingone, client) = pf_device(t, &format!("soak-pf-{i}")).await?;
    let (mut login, step) = pf_authenticated(t, &client, &pingone, user).await?;
    let moderno_device::pingfederate::PfStep::Pair { server_payload } = step else {
        anyhow::bail!("expected MOBILE_PAIRING_REQUIRED, got {step:?}")
    };
    let paired = pingone.pair(&server_payload).await?;
    pf_finish(&mut login, MFA_STATUS_DEVICE_PAIRED).await?;
    remove_pingone_device(t, admin, user, &paired.device_id).await
}

fn sample(elapsed: Duration, mut window: Window, database_bytes: u64, tables: Vec<(String, u64)>) -> Sample {
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
        tables,
    }
}

/// Rows per table of every service: on PostgreSQL `schema.table`, on SQLite `file.table` (an
/// exact `COUNT(*)` on both), read on a connection of its own beside the services'.
fn table_rows(t: &TestStack) -> Vec<(String, u64)> {
    let counted = match &t.database_url {
        Some(url) => postgres_table_rows(url.expose().clone()),
        None => sqlite_table_rows(t.data_dir()),
    };
    let mut rows = counted.unwrap_or_else(|e| {
        eprintln!("soak: counting rows failed: {e:#}");
        Vec::new()
    });
    rows.sort();
    rows
}

fn postgres_table_rows(url: String) -> anyhow::Result<Vec<(String, u64)>> {
    // The blocking client runs its own runtime: on a thread of its own.
    std::thread::spawn(move || -> anyhow::Result<Vec<(String, u64)>> {
        let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
        let tables = client.query(
            "SELECT table_schema, table_name FROM information_schema.tables
             WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')",
            &[],
        )?;
        let mut counted = Vec::new();
        for table in tables {
            let (schema, name): (String, String) = (table.get(0), table.get(1));
            let count: i64 = client.query_one(&format!("SELECT COUNT(*) FROM \"{schema}\".\"{name}\""), &[])?.get(0);
            counted.push((format!("{schema}.{name}"), u64::try_from(count).unwrap_or(0)));
        }
        Ok(counted)
    })
    .join()
    .map_err(|_| anyhow::anyhow!("counting rows panicked"))?
}

/// The counting connection's page cache, as SQLite's `cache_size` takes it (negative: KiB).
const COUNTING_CACHE_KIB: i64 = -64;

/// Every `*.sqlite3` file's tables, through a read-only connection (the services' SQLite library,
/// the same build; WAL lets it read beside their writers).
fn sqlite_table_rows(dir: &Path) -> anyhow::Result<Vec<(String, u64)>> {
    let mut counted = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let file = entry?.path();
        if file.extension().is_none_or(|x| x != "sqlite3") {
            continue;
        }
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let conn = rusqlite::Connection::open_with_flags(&file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        // A small page cache: this connection lives for one row's counting, and filling SQLite's
        // default 2 MiB with every table's pages, then freeing them, at each row would be the
        // soak's own churn in the memory it measures.
        conn.pragma_update(None, "cache_size", COUNTING_CACHE_KIB)?;
        let names = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        for name in names {
            let count: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM \"{name}\""), [], |r| r.get(0))?;
            counted.push((format!("{stem}.{name}"), u64::try_from(count).unwrap_or(0)));
        }
        // The file itself: flat rows can still grow a file (pages less full, a WAL that is not
        // reset): what it holds in use and free, the bytes its rows and indexes take in those
        // pages (SQLite's `dbstat`: more pages for the same data are pages less full), and how
        // big it and its WAL are.
        let pragma = |name: &str| conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0));
        let (pages, free) = (pragma("page_count")?, pragma("freelist_count")?);
        let data: i64 = conn.query_row("SELECT COALESCE(SUM(pgsize - unused), 0) FROM dbstat", [], |r| r.get(0))?;
        let kib = |path: &Path| std::fs::metadata(path).map_or(0, |m| m.len() / 1024);
        counted.push((format!("{stem}: pages in use"), u64::try_from(pages - free).unwrap_or(0)));
        counted.push((format!("{stem}: data KiB in them"), u64::try_from(data / 1024).unwrap_or(0)));
        counted.push((format!("{stem}: free pages"), u64::try_from(free).unwrap_or(0)));
        counted.push((format!("{stem}: file KiB"), kib(&file)));
        counted.push((format!("{stem}: WAL KiB"), kib(&file.with_extension("sqlite3-wal"))));
    }
    Ok(counted)
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
