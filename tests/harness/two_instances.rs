//! The suite's second mode (`MODERNO_TEST_STORE=postgres`): two stacks on one fresh PostgreSQL
//! database behind a round-robin proxy per service, the proxies being the services' public URLs,
//! so every flow alternates its requests between the instances, as behind a QA team's load
//! balancer. Both stacks share the test's manual clock, entropy and fault switches (one process).

use std::net::{SocketAddr, TcpListener};
use std::path::Path;

use moderno_crypto::Secret;
use moderno_stack::{RunningStack, Stack, StackConfig};

use crate::proxy::RoundRobin;

/// True when the suite runs on two instances over PostgreSQL.
pub fn two_instances() -> bool {
    moderno_sql::testing::on_postgres()
}

/// The second instance and the proxies in front of both.
pub struct Pair {
    /// Instance B (instance A is [`crate::TestStack::stack`]).
    pub other: RunningStack,
    pub proxies: Proxies,
}

/// One proxy per service (and the admin API, when it listens), each over instance A then B.
pub struct Proxies {
    pub sdk: RoundRobin,
    pub customer: RoundRobin,
    pub pingone: RoundRobin,
    pub pingfederate: RoundRobin,
    pub admin: Option<RoundRobin>,
}

impl Pair {
    /// Stops instance B and the proxies: their ports refuse connections once this returns.
    pub async fn shutdown(self) {
        self.other.shutdown().await;
        let Proxies { sdk, customer, pingone, pingfederate, admin } = self.proxies;
        for proxy in [sdk, customer, pingone, pingfederate].into_iter().chain(admin) {
            proxy.shutdown().await;
        }
    }
}

impl Proxies {
    pub fn all(&self) -> impl Iterator<Item = &RoundRobin> {
        [&self.sdk, &self.customer, &self.pingone, &self.pingfederate].into_iter().chain(self.admin.as_ref())
    }
}

/// Starts A then B as `config` says, on `database`, behind the proxies; A's
/// URLs are then the proxies' (what the tests use).
pub async fn start(mut config: StackConfig, database: Secret<String>, dir: &Path) -> (RunningStack, Pair) {
    config.database_url = Some(database);
    let proxies = Proxies {
        sdk: RoundRobin::start(Vec::new()).await,
        customer: RoundRobin::start(Vec::new()).await,
        pingone: RoundRobin::start(Vec::new()).await,
        pingfederate: RoundRobin::start(Vec::new()).await,
        admin: match config.admin_listen {
            Some(_) => Some(RoundRobin::start(Vec::new()).await),
            None => None,
        },
    };
    public_urls(&mut config, &proxies);
    let mut a = start_behind(&config, dir.join("a"), &proxies, &[]).await;
    let other = start_behind(&config, dir.join("b"), &proxies, &[&a]).await;
    a.sdk_url.clone_from(&proxies.sdk.url);
    a.customer_url.clone_from(&proxies.customer.url);
    a.pingone_url.clone_from(&proxies.pingone.url);
    a.pingfederate_url.clone_from(&proxies.pingfederate.url);
    if let Some(admin) = &proxies.admin {
        a.admin_url = Some(admin.url.clone());
    }
    (a, Pair { other, proxies })
}

/// One more instance as `config` says, behind the proxies after `before`. Its ports are chosen
/// first, so the proxies send it requests from its start on (while it is not listening yet, it
/// refuses the connection and is skipped); a port another test took meanwhile is chosen again.
async fn start_behind(
    config: &StackConfig,
    data_dir: std::path::PathBuf,
    proxies: &Proxies,
    before: &[&RunningStack],
) -> RunningStack {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut ports = FreePorts::default();
        let config = ports.assign(config, data_dir.clone());
        drop(ports);
        let own = |addr: SocketAddr| format!("http://127.0.0.1:{}", addr.port());
        let turns = |mine: SocketAddr, theirs: fn(&RunningStack) -> Option<String>| {
            before.iter().filter_map(|stack| theirs(stack)).chain([own(mine)]).collect::<Vec<_>>()
        };
        proxies.sdk.set_instances(turns(config.sdk_listen, |s| Some(s.instance.sdk.clone())));
        proxies.customer.set_instances(turns(config.customer_listen, |s| Some(s.instance.customer.clone())));
        proxies.pingone.set_instances(turns(config.pingone_listen, |s| Some(s.instance.pingone.clone())));
        proxies
            .pingfederate
            .set_instances(turns(config.pingfederate_listen, |s| Some(s.instance.pingfederate.clone())));
        if let (Some(admin), Some(mine)) = (&proxies.admin, config.admin_listen) {
            admin.set_instances(turns(mine, |s| s.admin_url.clone()));
        }
        match Stack::start(config).await {
            Ok(stack) => return stack,
            Err(e) if attempt < 5 && format!("{e:#}").contains("binding") => continue,
            Err(e) => panic!("an instance starts: {e:#}"),
        }
    }
}

/// The services' public URLs: the proxies'.
fn public_urls(config: &mut StackConfig, proxies: &Proxies) {
    config.sdk_url = Some(proxies.sdk.url.clone());
    config.customer_url = Some(proxies.customer.url.clone());
    config.pingone_url = Some(proxies.pingone.url.clone());
    config.pingfederate_url = Some(proxies.pingfederate.url.clone());
}

/// Free ports, held until every one is chosen (so no two are the same), then let go for the
/// instances to bind moments later (the OS hands ports out in turn, not the one just let go).
#[derive(Default)]
struct FreePorts(Vec<TcpListener>);

impl FreePorts {
    fn pick(&mut self, ip: std::net::IpAddr) -> u16 {
        let listener = TcpListener::bind(SocketAddr::new(ip, 0)).expect("a free port");
        let port = listener.local_addr().expect("its address").port();
        self.0.push(listener);
        port
    }

    /// `config` with its own data directory and a free port wherever it asked for any port.
    fn assign(&mut self, config: &StackConfig, data_dir: std::path::PathBuf) -> StackConfig {
        let mut config = config.clone();
        config.data_dir = data_dir;
        for addr in [
            &mut config.sdk_listen,
            &mut config.customer_listen,
            &mut config.pingone_listen,
            &mut config.pingfederate_listen,
        ]
        .into_iter()
        .chain(config.admin_listen.as_mut())
        {
            if addr.port() == 0 {
                addr.set_port(self.pick(addr.ip()));
            }
        }
        config
    }
}
