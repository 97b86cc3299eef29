//! Where and how to run the stack: [`StackConfig`].

use std::net::SocketAddr;
use std::path::PathBuf;

use moderno_ambient::{Clock, Entropy, Faults};
use moderno_crypto::Secret;
use moderno_customer_server::PasswordCost;
use moderno_wire::sdk::PairingMode;

use crate::{admin, credentials};

/// Where and how to run the stack.
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// Holds one SQLite file per service (unless `database_url` is given).
    pub data_dir: PathBuf,
    /// A PostgreSQL database (`postgres://…`) every service keeps its state in instead, each in a
    /// schema of its own; instances given the same one behave as one server, and share the
    /// virtual clock, the fault switches and the inspector's record too ([`crate::shared`]). `None`: the
    /// SQLite files (the embedded default). May carry a password: never logged.
    pub database_url: Option<Secret<String>>,
    /// Where clients reach each service when that is not where this instance listens (a load
    /// balancer in front of several instances): every URL a service hands out — the device API
    /// in server payloads, redirects and links, PingOne's URL at PingFederate, the customer
    /// server's PingID SDK base — is then this one, and its host name is served
    /// ([`crate::host_guard`]). `None`: the address the service listens on.
    pub sdk_url: Option<String>,
    pub customer_url: Option<String>,
    pub pingone_url: Option<String>,
    pub pingfederate_url: Option<String>,
    pub sdk_listen: SocketAddr,
    pub customer_listen: SocketAddr,
    pub pingone_listen: SocketAddr,
    pub pingfederate_listen: SocketAddr,
    pub clock: Clock,
    pub entropy: Entropy,
    pub password_cost: PasswordCost,
    /// Let an ACTIVE user pair a new device without approval (`ignoreValidation`).
    pub ignore_validation: bool,
    /// How first devices pair with the PingID SDK (Ping sets this per application in its admin
    /// portal); `None` keeps what the SDK server has stored (AUTOMATIC on a new install).
    pub pairing_mode: Option<PairingMode>,
    /// Give the demo users their PingOne MFA devices ([`crate::demo_devices`]); off for tests, which
    /// add what each needs.
    pub demo_devices: bool,
    /// Where the admin API ([`crate::admin`]) listens; `None` (the default) leaves it off.
    pub admin_listen: Option<SocketAddr>,
    /// The admin API's bearer token; required when it listens anywhere but loopback.
    pub admin_token: Option<admin::AdminToken>,
    /// The fault switches every service reads (all off unless the admin API or a test sets them).
    pub faults: Faults,
    /// Record every hop for the flow inspector ([`crate::inspector`]); off by default.
    pub inspector: bool,
    /// How often the customer server asks the SDK server about a waiting push (Ping's sample:
    /// once a second; tests look more often).
    pub push_poll_interval: std::time::Duration,
    /// How often a device's long poll at the PingID SDK server (on a shared database only) and at
    /// PingOne looks for pushes again on its own, besides being woken (`None`: each service's
    /// default, a second). A lost wake-up delays a push by at most this; tests of the wake-up
    /// across instances set it long.
    pub long_poll_recheck: Option<std::time::Duration>,
    /// How often an instance on a shared database reads the shared test controls (clock, fault
    /// switches) again on its own, besides being told of each change by `NOTIFY` (`None`:
    /// [`crate::shared::controls::REREAD`], a second). A lost notification delays a change by at
    /// most this; tests of the notification set it long.
    pub controls_reread: Option<std::time::Duration>,
    /// Beyond Ping: pushes a user may be sent per 10 minutes (push bombing); 0: no limit.
    pub push_limit: u32,
    /// Beyond Ping: the customer server answers with the project's status codes 1032-1034
    /// instead of Ping's 1000 ([`CustomerConfig::extension_codes`]); off by default.
    pub extension_codes: bool,
    /// The names a shared server is reached by (besides loopback names and the address each
    /// service listens on): requests for any other `Host` are refused ([`crate::host_guard`]).
    pub public_hosts: Vec<String>,
    /// The PingID SDK account both the SDK server and the customer server use.
    pub credentials: credentials::Credentials,
    /// Start off loopback with the public demo credentials all the same (an open demo server).
    pub open_demo: bool,
    /// PingOne's worker client secret (PingFederate's, in this process). `None`: the public demo
    /// secret on loopback (or in an open demo); a random one per start when other machines can
    /// reach the stack or an admin token guards it, so the published demo secret mints no token
    /// there (PingOne's outbox is then read through the admin API, behind its token).
    pub pingone_worker_secret: Option<Secret<String>>,
    /// The npm package of Ping's widget PingFederate's `/widget/` page serves; `None`: this
    /// checkout's `web/pf-widget` ([`pingfederate_server::Config::widget_dir`]).
    pub pingfederate_widget_dir: Option<PathBuf>,
    /// How long the PingID SDK server's, PingOne's and PingFederate's finished records are kept
    /// after they ended or expired before they are purged (`docs/security.md`, "Retention");
    /// `None`: each service's default (24 hours).
    pub retention: Option<chrono::Duration>,
    /// How often (real time) the PingID SDK server, PingOne and PingFederate purge; zero: never;
    /// `None`: each service's default (10 minutes).
    pub purge_interval: Option<std::time::Duration>,
}

impl StackConfig {
    /// Loopback, free ports, production password hashing, wall clock.
    pub fn loopback(data_dir: PathBuf) -> Self {
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        Self {
            data_dir,
            database_url: None,
            sdk_url: None,
            customer_url: None,
            pingone_url: None,
            pingfederate_url: None,
            sdk_listen: any_port,
            customer_listen: any_port,
            pingone_listen: any_port,
            pingfederate_listen: any_port,
            clock: Clock::system(),
            entropy: Entropy::from_os(),
            password_cost: PasswordCost::Production,
            ignore_validation: false,
            demo_devices: false,
            admin_listen: None,
            admin_token: None,
            faults: Faults::none(),
            inspector: false,
            pairing_mode: None,
            push_poll_interval: moderno_customer_server::PUSH_POLL_INTERVAL,
            long_poll_recheck: None,
            controls_reread: None,
            push_limit: 5,
            extension_codes: false,
            public_hosts: Vec::new(),
            credentials: credentials::Credentials::demo(),
            open_demo: false,
            pingone_worker_secret: None,
            pingfederate_widget_dir: None,
            retention: None,
            purge_interval: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The configuration is printed whole in a debugger or a log line: its database URL and
    /// PingOne's worker secret show as `[redacted]`.
    #[test]
    fn the_configurations_debug_output_shows_none_of_its_secrets() {
        let mut config = StackConfig::loopback(PathBuf::from("/tmp/moderno"));
        config.database_url = Some("postgres://moderno:hunter2@db.example/qa".into());
        config.pingone_worker_secret = Some("worker-hunter2".into());
        let text = format!("{config:?}");
        assert!(!text.contains("hunter2") && !text.contains("db.example"), "{text}");
        assert!(text.contains("pingone_worker_secret: Some([redacted])"), "{text}");
    }
}
