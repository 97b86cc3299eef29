//! Where a test keeps a service's state: a SQLite file by default; a fresh PostgreSQL database of
//! the test's own when `MODERNO_TEST_STORE=postgres` (the test script runs the services' tests a
//! second time so), on the cluster at `MODERNO_TEST_DATABASE_URL` (`scripts/with-postgres.sh`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::Context as _;
use moderno_crypto::Secret;

use crate::Location;

/// True when the tests are asked to run on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("MODERNO_TEST_STORE").is_ok_and(|v| v == "postgres")
}

/// `file` (a SQLite file in the test's temporary folder), or on PostgreSQL a new database.
/// Panics when PostgreSQL is asked for and not there: the test cannot run as asked.
pub fn location(file: PathBuf) -> Location {
    if on_postgres() {
        #[allow(clippy::expect_used)]
        Location::Postgres(fresh_database().expect("MODERNO_TEST_STORE=postgres: a fresh PostgreSQL database"))
    } else {
        Location::File(file)
    }
}

/// A new, empty database on the cluster at `MODERNO_TEST_DATABASE_URL`; its URL. Tests sharing
/// the cluster never meet; the cluster is thrown away after the run.
pub fn fresh_database() -> anyhow::Result<Secret<String>> {
    static COUNT: AtomicU32 = AtomicU32::new(0);
    let url = std::env::var("MODERNO_TEST_DATABASE_URL").context("MODERNO_TEST_DATABASE_URL is not set")?;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let name = format!("t_{}_{}_{nanos}", std::process::id(), COUNT.fetch_add(1, Ordering::Relaxed));
    as_admin(&format!("CREATE DATABASE {name}")).context("creating a test database")?;
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
    Ok(Secret::new(format!("{base}/{name}")))
}

/// Runs `sql` on the test cluster (`MODERNO_TEST_DATABASE_URL`) as its administrator, on a
/// thread of its own (callable from async tests): to create databases, to refuse connections to
/// one for a while, to change a schema behind a running service.
pub fn as_admin(sql: &str) -> anyhow::Result<()> {
    let url = std::env::var("MODERNO_TEST_DATABASE_URL").context("MODERNO_TEST_DATABASE_URL is not set")?;
    std::thread::scope(|scope| {
        scope
            .spawn(move || -> anyhow::Result<()> {
                let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
                client.batch_execute(sql)?;
                Ok(())
            })
            .join()
            .map_err(|_| anyhow::anyhow!("the administrator's statement panicked"))?
    })
}
