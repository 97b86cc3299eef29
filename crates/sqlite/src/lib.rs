//! How every Moderno service keeps its SQLite file.
//!
//! One policy for all of them: WAL (readers do not block the writer), `synchronous=FULL` (a
//! redeemed single-use secret stays redeemed after a power cut — WAL with NORMAL could lose the
//! last commits), foreign keys on, a 5-second busy timeout, the WAL file cut back to its
//! checkpoint size when it restarts ([`WAL_SIZE_LIMIT`]), room for every statement of a service
//! in the prepared-statement cache; the schema as versioned migrations ([`Schema`]). The
//! connection's use (its own thread, the transaction rule) is `moderno-sql`'s, the same for
//! SQLite and PostgreSQL.

mod schema;

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::{Connection, ErrorCode};

pub use schema::{AddedColumn, Schema};

/// Prepared statements each connection keeps (rusqlite's default is 16). A service runs some
/// 20 to 60 different statements, over and over: with 16 the cache would evict and prepare
/// again on most calls (CPU, and memory allocated and freed on whichever blocking thread runs
/// the call). Every statement of the busiest service fits, with room.
const STATEMENT_CACHE: usize = 128;

/// The size a WAL file is cut back to when SQLite starts writing it from the beginning again
/// (`journal_size_limit`): 1000 pages of 4 KiB, the size at which SQLite checkpoints on its own.
/// Without it a WAL file stays at the largest size it ever reached — a checkpoint cycle that
/// ends with a large transaction (a purge) leaves it a little larger, for good, and the files of
/// a server running for months creep (the soak saw +0.5 MiB over 38 minutes).
pub const WAL_SIZE_LIMIT: i64 = 1000 * 4096;

/// How long opening waits, in all, for another process switching the same file to WAL or
/// migrating it.
const MIGRATION_PATIENCE: Duration = Duration::from_secs(10);

/// Opens (creating it and its directory when missing) the SQLite file at `path` with the policy
/// above and brings it to `schema`'s latest version.
pub fn open(path: &Path, schema: &Schema) -> anyhow::Result<Connection> {
    let mut conn = open_file(path)?;
    migrate(&mut conn, schema).with_context(|| format!("bringing {} to its schema", path.display()))?;
    Ok(conn)
}

/// The file with the policy, no schema: for tests that write a file as an older release did.
pub fn open_file(path: &Path) -> anyhow::Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    to_wal(&conn)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Puts the file in WAL mode (kept in the file: a no-op once it is). Several processes opening a
/// new file at once all ask to switch it: each reads the file, then needs it alone, and SQLite
/// answers "busy" at once, without waiting, to all but one of them (two readers waiting for each
/// other would wait for ever). The ones told "busy" look again until the switch is made.
fn to_wal(conn: &Connection) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(e) if is_busy(&e) && started.elapsed() < MIGRATION_PATIENCE => {
                std::thread::sleep(Duration::from_millis(20));
            }
            done => return done.context("switching the file to WAL"),
        }
    }
}

/// The file's schema version (SQLite's `user_version`; 0 before the numbering).
pub fn version(conn: &Connection) -> rusqlite::Result<usize> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Runs the migrations the file lacks. Two processes opening one file may both start the same
/// migration (the library reads the version before its transaction): the one whose migration
/// fails finds the version moved on, or the file busy, and looks again from there. A failure
/// with the version unchanged is the migration's own.
fn migrate(conn: &mut Connection, schema: &Schema) -> anyhow::Result<()> {
    let migrations = schema.migrations();
    let started = std::time::Instant::now();
    loop {
        let before = version(conn)?;
        match migrations.to_latest(conn) {
            Ok(()) => return Ok(()),
            Err(rusqlite_migration::Error::MigrationDefinition(
                rusqlite_migration::MigrationDefinitionError::DatabaseTooFarAhead,
            )) => anyhow::bail!(
                "the file is at schema version {}, newer than this program's {}: it was written by a newer release",
                version(conn)?,
                schema.latest_version()
            ),
            Err(e) if (migration_busy(&e) || version(conn)? != before) && started.elapsed() < MIGRATION_PATIENCE => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn migration_busy(error: &rusqlite_migration::Error) -> bool {
    matches!(error, rusqlite_migration::Error::RusqliteError { err, .. } if is_busy(err))
}

/// Another connection has the file: "busy" or "locked".
fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

#[cfg(test)]
mod tests;
