//! Connections for one service, each searching the service's own schema first.
//!
//! The blocking client (`postgres`), as the services' database work runs on tokio's blocking
//! pool on either database: the same closures, the same transaction rule. Call these from a
//! blocking thread, never from an async task.

use std::collections::HashMap;
use std::str::FromStr as _;
use std::time::Duration;

use postgres::NoTls;

use crate::{PgError, Schema};

/// A connection taken from a [`Pool`]; back in the pool when dropped.
pub type Connection = r2d2::PooledConnection<Connector>;

/// One connection and the statements prepared on it: a statement seen before is sent in one
/// round trip instead of two (prepare, then run).
pub struct Session {
    pub client: postgres::Client,
    pub statements: Statements,
}

impl std::ops::Deref for Session {
    type Target = postgres::Client;
    fn deref(&self) -> &postgres::Client {
        &self.client
    }
}

impl std::ops::DerefMut for Session {
    fn deref_mut(&mut self) -> &mut postgres::Client {
        &mut self.client
    }
}

/// A connection's prepared statements by their SQL text. The services' statements are a fixed
/// set; past [`Statements::MOST`] the cache starts over rather than grow.
#[derive(Default)]
pub struct Statements(HashMap<String, postgres::Statement>);

impl Statements {
    pub const MOST: usize = 1024;

    pub fn get(&self, sql: &str) -> Option<postgres::Statement> {
        self.0.get(sql).cloned()
    }

    pub fn keep(&mut self, sql: &str, statement: postgres::Statement) {
        if self.0.len() >= Self::MOST {
            self.0.clear();
        }
        self.0.insert(sql.to_owned(), statement);
    }
}

/// Opens the pool's connections.
pub struct Connector(postgres::Config);

impl r2d2::ManageConnection for Connector {
    type Connection = Session;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Session, postgres::Error> {
        Ok(Session { client: self.0.connect(NoTls)?, statements: Statements::default() })
    }

    fn is_valid(&self, session: &mut Session) -> Result<(), postgres::Error> {
        session.client.simple_query("").map(drop)
    }

    fn has_broken(&self, session: &mut Session) -> bool {
        session.client.is_closed()
    }
}

/// How long taking a connection waits before it says the database is not reachable.
const CONNECT_PATIENCE: Duration = Duration::from_secs(10);
/// How long a health check waits for a connection: a load balancer's check must answer within
/// its own timeout (commonly 2-5 s), DOWN rather than late.
const READY_PATIENCE: Duration = Duration::from_secs(2);

/// A pool of connections to one service's schema. Cheap to clone.
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<Connector>,
    schema: Schema,
}

impl std::fmt::Debug for Pool {
    /// The pool's size and schema; never the connection string (it may carry a password).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.inner.state();
        f.debug_struct("Pool")
            .field("schema", &self.schema.name)
            .field("connections", &state.connections)
            .field("idle", &state.idle_connections)
            .finish()
    }
}

impl Pool {
    /// Connects to `url` (`postgres://user@host:port/db`), brings `schema` to its latest version
    /// and returns a pool of at most `size` connections whose search path is the schema.
    /// Blocking.
    pub fn connect(url: &str, schema: Schema, size: u32) -> Result<Self, PgError> {
        let mut config = postgres::Config::from_str(url).map_err(|e| PgError::BadUrl(e.to_string()))?;
        config.options(&format!("-c search_path={}", schema.name));
        config.connect_timeout(CONNECT_PATIENCE);
        // The first connection also migrates: its failure says whether the database is there.
        let mut client = config.connect(NoTls).map_err(|e| PgError::Unreachable(e.to_string()))?;
        schema.migrate(&mut client)?;
        drop(client);

        let inner = r2d2::Pool::builder()
            .max_size(size.max(1))
            .min_idle(Some(0))
            .connection_timeout(CONNECT_PATIENCE)
            // No round trip per checkout: a closed connection is seen by `has_broken`, and a
            // statement on one that died meanwhile fails like any other database error.
            .test_on_check_out(false)
            .build_unchecked(Connector(config));
        Ok(Self { inner, schema })
    }

    /// A connection, waiting for one to be free. Blocking.
    pub fn client(&self) -> Result<Connection, PgError> {
        Ok(self.inner.get()?)
    }

    /// Ready for traffic: the database answers and holds this release's schema version (what a
    /// load balancer's health check asks). Blocking.
    pub fn ready(&self) -> Result<(), PgError> {
        let mut client = self.inner.get_timeout(READY_PATIENCE)?;
        let version = self.schema.version(&mut client)?;
        if version == self.schema.latest() {
            Ok(())
        } else {
            Err(PgError::Statement(format!(
                "schema {} is at version {version}, this release needs {}",
                self.schema.name,
                self.schema.latest()
            )))
        }
    }

    pub fn schema(&self) -> Schema {
        self.schema
    }
}
