//! `moderno-stack` as separate processes on one fresh PostgreSQL database behind the round-robin
//! proxies, as a QA team runs it behind its load balancer: what a test can kill with SIGKILL.
//! The processes keep the wall clock and production password hashing (their defaults).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

use moderno_ambient::{Clock, Entropy};
use moderno_crypto::Secret;
use moderno_device::{Device, KeyStore, MemoryKeyStore};

use crate::proxy::RoundRobin;
use crate::two_instances::Proxies;
use crate::TestDevice;

/// The four services, in the order of [`Proxies`]' fields (and of the binary's flags).
const SERVICES: [&str; 4] = ["sdk", "customer", "pingone", "pingfederate"];

/// How the binary starts the line that says where this very process listens (`crates/stack`'s
/// `main.rs`): `This instance listens on: sdk http://…, customer http://…, …`.
const LISTENS_ON: &str = "This instance listens on: ";

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
        let mut instances: Vec<[String; 4]> = Vec::new();
        for index in 0..count {
            // Each process binds free ports of its own choosing (port 0) and says which: no port
            // is chosen here that another test could take first, and no other server can pass
            // for this one.
            let (child, listens) = stacks.spawn(&binary, index, &database);
            stacks.children.push(Some(child));
            let own = stacks.until_ready(index, &listens).await.unwrap_or_else(|log| {
                panic!("instance {index} is not ready:\n{log}");
            });
            instances.push(own);
            for (service, proxy) in stacks.proxies.all().enumerate() {
                proxy.set_instances(instances.iter().map(|urls| urls[service].clone()).collect());
            }
        }
        Some(stacks)
    }

    /// Starts instance `index`; the receiver gets the line saying where it listens.
    fn spawn(&self, binary: &Path, index: usize, database: &Secret<String>) -> (Child, mpsc::Receiver<String>) {
        let log = std::fs::File::create(self.dir.path().join(format!("instance-{index}.log"))).expect("a log file");
        let mut command = Command::new(binary);
        command
            .arg("--data-dir")
            .arg(self.dir.path().join(format!("instance-{index}")))
            .arg("--no-demo-devices")
            .env("MODERNO_DATABASE_URL", database.expose())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        for service in SERVICES {
            command.arg(format!("--{service}-listen")).arg("127.0.0.1:0");
        }
        for (service, proxy) in SERVICES.iter().zip(self.proxies.all()) {
            command.arg(format!("--{service}-url")).arg(&proxy.url);
        }
        let mut child = command.spawn().expect("moderno-stack starts");
        let stdout = child.stdout.take().expect("the child's standard output");
        let (told, listens) = mpsc::channel();
        // Reads to the end (the child never blocks on a full pipe); ends when the child does.
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix(LISTENS_ON) {
                    let _ = told.send(rest.to_owned());
                }
            }
        });
        (child, listens)
    }

    /// Waits until instance `index` says where it listens and every service there is UP: its
    /// services' URLs, in [`SERVICES`] order; its log when it exits or takes longer than 90 s.
    async fn until_ready(&mut self, index: usize, listens: &mpsc::Receiver<String>) -> Result<[String; 4], String> {
        let deadline = Instant::now() + Duration::from_secs(90);
        let own = loop {
            match listens.try_recv() {
                Ok(line) => break parse_listens_on(&line).ok_or_else(|| format!("unreadable: {LISTENS_ON}{line}"))?,
                Err(mpsc::TryRecvError::Empty) if !self.gone(index) && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(_) => return Err(self.fail(index)),
            }
        };
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(5)).build().expect("a client");
        for url in &own {
            // While the child lives it holds these ports: the answer is its own.
            loop {
                let health = http.get(format!("{url}/health")).send().await;
                if health.is_ok_and(|answer| answer.status().is_success()) {
                    break;
                }
                if self.gone(index) || Instant::now() >= deadline {
                    return Err(self.fail(index));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        if self.gone(index) {
            return Err(self.fail(index));
        }
        Ok(own)
    }

    /// True when instance `index` exited (or was killed).
    fn gone(&mut self, index: usize) -> bool {
        self.children[index].as_mut().is_none_or(|child| child.try_wait().ok().flatten().is_some())
    }

    /// Kills instance `index`; its log.
    fn fail(&mut self, index: usize) -> String {
        self.kill(index);
        self.log(index)
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

/// The services' URLs in `sdk http://…, customer http://…, pingone http://…, pingfederate http://…`,
/// in [`SERVICES`] order.
fn parse_listens_on(line: &str) -> Option<[String; 4]> {
    let named: Vec<(&str, &str)> = line.split(", ").filter_map(|part| part.split_once(' ')).collect();
    let url = |service: &str| named.iter().find(|(name, _)| *name == service).map(|(_, url)| (*url).to_owned());
    Some([url(SERVICES[0])?, url(SERVICES[1])?, url(SERVICES[2])?, url(SERVICES[3])?])
}

/// `target/<profile>/moderno-stack` beside the test binary, built through cargo first (once per
/// test process): cargo rebuilds it when any of its sources changed since and does nothing when
/// it is fresh (`cargo build --workspace` builds it; `cargo test -p moderno-e2e` alone does not).
pub fn stack_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().expect("the test binary's path");
            let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut build = Command::new(cargo);
            build.args(["build", "-q", "-p", "moderno-stack", "--bin", "moderno-stack"]);
            // `target/debug` is the dev (and test) profile's; any other folder is named after its
            // profile (`release`, …).
            match profile_dir.file_name().and_then(|name| name.to_str()) {
                Some("debug") | None => {}
                Some(profile) => {
                    build.args(["--profile", profile]);
                }
            }
            assert!(build.status().expect("cargo runs").success(), "building moderno-stack failed");
            let binary = profile_dir.join("moderno-stack");
            assert!(binary.is_file(), "cargo built no {}", binary.display());
            binary
        })
        .clone()
}
