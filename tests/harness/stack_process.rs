//! `moderno-stack` as separate processes on one fresh PostgreSQL database behind the round-robin
//! proxies, as a QA team runs it behind its load balancer: what a test can kill with SIGKILL.
//! The processes keep the wall clock and production password hashing (their defaults).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use moderno_ambient::{Clock, Entropy};
use moderno_crypto::Secret;
use moderno_device::{Device, KeyStore, MemoryKeyStore};

use crate::proxy::RoundRobin;
use crate::two_instances::{FreePorts, Proxies};
use crate::TestDevice;

/// The four services, in the order of [`Proxies`]' fields.
const SERVICES: [&str; 4] = ["sdk", "customer", "pingone", "pingfederate"];

pub struct StackProcesses {
    pub proxies: Proxies,
    children: Vec<Option<Child>>,
    dir: tempfile::TempDir,
}

impl StackProcesses {
    /// `count` instances, each ready (every service's `/health` UP); `None` when there is no
    /// PostgreSQL and none is required (the test skips).
    pub async fn start(count: usize) -> Option<Self> {
        if !crate::postgres_or_skip() {
            return None;
        }
        let database = moderno_sql::testing::fresh_database().expect("a fresh PostgreSQL database");
        let binary = stack_binary();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let proxies = Proxies {
            sdk: RoundRobin::start(Vec::new()).await,
            customer: RoundRobin::start(Vec::new()).await,
            pingone: RoundRobin::start(Vec::new()).await,
            pingfederate: RoundRobin::start(Vec::new()).await,
            admin: None,
        };
        let mut stacks = Self { proxies, children: Vec::new(), dir };
        let mut ports: Vec<[u16; 4]> = Vec::new();
        for index in 0..count {
            // A port another test took between its choice and the bind is chosen again.
            for attempt in 1.. {
                let mut free = FreePorts::default();
                let mine = [0; 4].map(|_| free.pick([127, 0, 0, 1].into()));
                drop(free);
                ports.truncate(index);
                ports.push(mine);
                for (service, proxy) in stacks.proxies.all().enumerate() {
                    proxy.set_instances(ports.iter().map(|p| format!("http://127.0.0.1:{}", p[service])).collect());
                }
                stacks.children.truncate(index);
                stacks.children.push(Some(stacks.spawn(&binary, index, &mine, &database)));
                match stacks.until_ready(index, &mine).await {
                    Ok(()) => break,
                    Err(log) if attempt < 5 && log.contains("binding") => continue,
                    Err(log) => panic!("instance {index} is not ready:\n{log}"),
                }
            }
        }
        Some(stacks)
    }

    fn spawn(&self, binary: &Path, index: usize, ports: &[u16; 4], database: &Secret<String>) -> Child {
        let log = std::fs::File::create(self.dir.path().join(format!("instance-{index}.log"))).expect("a log file");
        let mut command = Command::new(binary);
        command
            .arg("--data-dir")
            .arg(self.dir.path().join(format!("instance-{index}")))
            .arg("--no-demo-devices")
            .env("MODERNO_DATABASE_URL", database.expose())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        for (service, port) in SERVICES.iter().zip(ports) {
            command.arg(format!("--{service}-listen")).arg(format!("127.0.0.1:{port}"));
        }
        for (service, proxy) in SERVICES.iter().zip(self.proxies.all()) {
            command.arg(format!("--{service}-url")).arg(&proxy.url);
        }
        command.spawn().expect("moderno-stack starts")
    }

    /// Waits until every service of instance `index` is UP; its log when it exits or takes
    /// longer than 90 seconds.
    async fn until_ready(&mut self, index: usize, ports: &[u16; 4]) -> Result<(), String> {
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(5)).build().expect("a client");
        let deadline = Instant::now() + Duration::from_secs(90);
        for port in ports {
            loop {
                let health = http.get(format!("http://127.0.0.1:{port}/health")).send().await;
                if health.is_ok_and(|answer| answer.status().is_success()) {
                    break;
                }
                let exited = self.children[index].as_mut().and_then(|child| child.try_wait().ok().flatten());
                if exited.is_some() || Instant::now() >= deadline {
                    self.kill(index);
                    return Err(self.log(index));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Ok(())
    }

    /// What instance `index` wrote to its standard error.
    pub fn log(&self, index: usize) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("instance-{index}.log"))).unwrap_or_default()
    }

    /// Kills instance `index` with SIGKILL (no shutdown of any kind) and waits until it is gone.
    pub fn kill(&mut self, index: usize) {
        if let Some(mut child) = self.children[index].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A headless device on the wall clock, its key in memory, signing in through the proxy.
    pub async fn device(&self, profile: &str) -> TestDevice {
        let store: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
        let device = Device::open(profile, Arc::clone(&store), Clock::system(), Entropy::from_os())
            .await
            .expect("the device opens");
        let moderno = device.moderno_client(&self.proxies.customer.url).expect("a customer-server client");
        TestDevice { device: Arc::new(device), moderno, store }
    }
}

impl Drop for StackProcesses {
    fn drop(&mut self) {
        for index in 0..self.children.len() {
            self.kill(index);
        }
    }
}

/// `target/<profile>/moderno-stack` beside the test binary, built first when it is missing or
/// older than this source tree's flags (`cargo build --workspace` builds it; `cargo test -p
/// moderno-e2e` alone does not).
pub fn stack_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps");
    let binary = profile_dir.join("moderno-stack");
    let knows_postgres = || {
        Command::new(&binary)
            .arg("--help")
            .output()
            .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("--database-url"))
    };
    if !knows_postgres() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let built = Command::new(cargo)
            .args(["build", "-q", "-p", "moderno-stack", "--bin", "moderno-stack"])
            .status()
            .expect("cargo runs");
        assert!(built.success() && knows_postgres(), "building moderno-stack failed");
    }
    binary
}
