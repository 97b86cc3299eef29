//! How every Moderno service opens its SQLite file.
//!
//! One policy for all of them: WAL (readers do not block the writer), `synchronous=FULL` (a
//! redeemed single-use secret stays redeemed after a power cut — WAL with NORMAL could lose the
//! last commits), foreign keys on, a 5-second busy timeout, and the service's schema applied
//! (`CREATE TABLE IF NOT EXISTS ...`, so opening is idempotent).
//!
//! A schema grows by columns only: the schema text has every column for a new file, and
//! [`AddedColumn`]s bring a file written by an older version up to it when it is opened.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::Connection;

/// A column a later version added to a table: `declaration` is what follows the name in
/// `ALTER TABLE ... ADD COLUMN` (a type, and a `DEFAULT` when the column is `NOT NULL`).
#[derive(Debug, Clone, Copy)]
pub struct AddedColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub declaration: &'static str,
}

/// Opens (creating it and its directory when missing) the SQLite file at `path` and applies
/// `schema`.
pub fn open(path: &Path, schema: &str) -> anyhow::Result<Connection> {
    open_with_columns(path, schema, &[])
}

/// [`open`], then adds each of `added` that the file's table lacks (a file from an older version),
/// all in one transaction.
pub fn open_with_columns(path: &Path, schema: &str, added: &[AddedColumn]) -> anyhow::Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch(schema).context("creating the schema")?;
    add_missing_columns(&mut conn, added)?;
    Ok(conn)
}

/// In one `BEGIN IMMEDIATE` transaction: two processes opening the same old file take turns, and
/// the second finds the columns there.
fn add_missing_columns(conn: &mut Connection, added: &[AddedColumn]) -> anyhow::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for c in added {
        let present: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
            (c.table, c.column),
            |r| r.get(0),
        )?;
        if !present {
            tx.execute_batch(&format!("ALTER TABLE {} ADD COLUMN {} {}", c.table, c.column, c.declaration))
                .with_context(|| format!("adding {}.{}", c.table, c.column))?;
        }
    }
    tx.commit()?;
    Ok(())
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

    #[test]
    fn a_file_from_an_older_version_gains_the_added_columns_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        let old = "CREATE TABLE IF NOT EXISTS t (x INTEGER PRIMARY KEY);";
        open(&path, old).unwrap().execute("INSERT INTO t (x) VALUES (7)", []).unwrap();

        let new =
            "CREATE TABLE IF NOT EXISTS t (x INTEGER PRIMARY KEY, flag INTEGER NOT NULL DEFAULT 1, seen INTEGER);";
        let added = [
            AddedColumn { table: "t", column: "flag", declaration: "INTEGER NOT NULL DEFAULT 1" },
            AddedColumn { table: "t", column: "seen", declaration: "INTEGER" },
        ];
        let conn = open_with_columns(&path, new, &added).unwrap();
        let row: (i64, i64, Option<i64>) =
            conn.query_row("SELECT x, flag, seen FROM t", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
        assert_eq!(row, (7, 1, None), "the old row reads the added columns' defaults");
        drop(conn);

        let fresh = dir.path().join("fresh.sqlite3");
        open_with_columns(&fresh, new, &added).unwrap();
        open_with_columns(&path, new, &added).expect("opening twice adds nothing twice");
    }
}
