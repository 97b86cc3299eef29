//! Connections for one service, each searching the service's own schema first.

use std::str::FromStr as _;

use deadpool_postgres::{Manager, ManagerConfig, RecyclingMethod};
use tokio_postgres::NoTls;

use crate::{PgError, Schema};

/// A pool of connections to one service's schema. Cheap to clone.
#[derive(Clone)]
pub struct Pool {
    inner: deadpool_postgres::Pool,
    schema: Schema,
}

impl std::fmt::Debug for Pool {
    /// The pool's size and schema; never the connection string (it may carry a password).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("schema", &self.schema.name).field("status", &self.inner.status()).finish()
    }
}

impl Pool {
    /// Connects to `url` (`postgres://user@host:port/db`), brings `schema` to its latest version
    /// and returns a pool of at most `size` connections whose search path is the schema.
    pub async fn connect(url: &str, schema: Schema, size: usize) -> Result<Self, PgError> {
        let mut config = tokio_postgres::Config::from_str(url).map_err(|e| PgError::BadUrl(e.to_string()))?;
        config.options(format!("-c search_path={}", schema.name));
        // The first connection also migrates: its failure says whether the database is there.
        let (mut client, connection) = config.connect(NoTls).await.map_err(|e| PgError::Unreachable(e.to_string()))?;
        let driver = tokio::spawn(connection);
        schema.migrate(&mut client).await?;
        drop(client);
        let _ = driver.await;

        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let inner = deadpool_postgres::Pool::builder(manager)
            .max_size(size)
            .build()
            .map_err(|e| PgError::Unreachable(e.to_string()))?;
        Ok(Self { inner, schema })
    }

    /// A connection, waiting for one to be free.
    pub async fn client(&self) -> Result<deadpool_postgres::Object, PgError> {
        Ok(self.inner.get().await?)
    }

    /// Ready for traffic: the database answers and holds this release's schema version (what a
    /// load balancer's health check asks).
    pub async fn ready(&self) -> Result<(), PgError> {
        let client = self.client().await?;
        let version = self.schema.version(&client).await?;
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
