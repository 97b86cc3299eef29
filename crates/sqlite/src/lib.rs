//! How every Moderno service opens its SQLite file.
//!
//! One policy for all of them: WAL (readers do not block the writer), `synchronous=FULL` (a
//! redeemed single-use secret stays redeemed after a power cut — WAL with NORMAL could lose the
//! last commits), foreign keys on, a 5-second busy timeout, and the service's schema applied
//! (`CREATE TABLE IF NOT EXISTS ...`, so opening is idempotent).

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::Connection;

/// Opens (creating it and its directory when missing) the SQLite file at `path` and applies
/// `schema`.
pub fn open(path: &Path, schema: &str) -> anyhow::Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch(schema).context("creating the schema")?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_sets_the_durability_policy_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/service.sqlite3");
        let schema = "CREATE TABLE IF NOT EXISTS t (x INTEGER PRIMARY KEY);";
        let conn = open(&path, schema).unwrap();
        conn.execute("INSERT INTO t (x) VALUES (1)", []).unwrap();
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        let fks: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!((mode.as_str(), sync, fks), ("wal", 2, 1), "WAL, FULL (2), foreign keys on");
        drop(conn);
        let again = open(&path, schema).unwrap();
        let rows: i64 = again.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1, "reopening keeps the data");
    }
}
