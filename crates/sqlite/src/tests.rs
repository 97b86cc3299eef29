use super::*;

/// A service's schema over three releases: the baseline (with a column files from before the
/// numbering lack), then two migrations.
const BASELINE: &str = "CREATE TABLE IF NOT EXISTS t (x INTEGER PRIMARY KEY, flag INTEGER NOT NULL DEFAULT 1);";
const SCHEMA: Schema = Schema {
    baseline: BASELINE,
    baseline_columns: &[AddedColumn { table: "t", column: "flag", declaration: "INTEGER NOT NULL DEFAULT 1" }],
    migrations: &["ALTER TABLE t ADD COLUMN seen INTEGER;", "CREATE TABLE u (y TEXT NOT NULL);"],
};

fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

#[test]
fn opening_sets_the_durability_policy_and_the_latest_version_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/service.sqlite3");
    let conn = open(&path, &SCHEMA).unwrap();
    conn.execute("INSERT INTO t (x, seen) VALUES (1, 5)", []).unwrap();
    conn.execute("INSERT INTO u (y) VALUES ('a')", []).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
    let fks: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
    assert_eq!((mode.as_str(), sync, fks), ("wal", 2, 1), "WAL, FULL (2), foreign keys on");
    let limit: i64 = conn.query_row("PRAGMA journal_size_limit", [], |r| r.get(0)).unwrap();
    assert_eq!(limit, WAL_SIZE_LIMIT);
    assert_eq!(version(&conn).unwrap(), 3);
    drop(conn);
    let again = open(&path, &SCHEMA).unwrap();
    assert_eq!((count(&again, "t"), count(&again, "u")), (1, 1), "reopening keeps the data and migrates nothing twice");
    assert_eq!(version(&again).unwrap(), 3);
}

#[test]
fn a_file_written_by_the_last_release_is_brought_to_the_latest_version_with_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("last-release.sqlite3");
    let mut old = open_file(&path).unwrap();
    SCHEMA.migrations_up_to(SCHEMA.latest_version() - 1).to_latest(&mut old).unwrap();
    old.execute("INSERT INTO t (x, seen) VALUES (7, 9)", []).unwrap();
    assert!(old.query_row("SELECT 1 FROM u", [], |_| Ok(())).is_err(), "the last release had no table u");
    drop(old);

    let conn = open(&path, &SCHEMA).unwrap();
    let row: (i64, i64, Option<i64>) =
        conn.query_row("SELECT x, flag, seen FROM t", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
    assert_eq!(row, (7, 1, Some(9)));
    assert_eq!((count(&conn, "u"), version(&conn).unwrap()), (0, 3));
}

#[test]
fn a_file_from_before_the_numbering_gains_the_baseline_columns_then_the_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unnumbered.sqlite3");
    let old = open_file(&path).unwrap();
    old.execute_batch("CREATE TABLE t (x INTEGER PRIMARY KEY); INSERT INTO t (x) VALUES (7);").unwrap();
    drop(old);

    let conn = open(&path, &SCHEMA).unwrap();
    let row: (i64, i64, Option<i64>) =
        conn.query_row("SELECT x, flag, seen FROM t", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
    assert_eq!(row, (7, 1, None), "the old row reads the added columns' defaults");
    assert_eq!(version(&conn).unwrap(), 3);
}

#[test]
fn a_file_from_a_newer_release_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.sqlite3");
    let newer = Schema {
        migrations: &["ALTER TABLE t ADD COLUMN seen INTEGER;", "CREATE TABLE u (y TEXT);", "CREATE TABLE v (z);"],
        ..SCHEMA
    };
    open(&path, &newer).unwrap().execute("INSERT INTO t (x) VALUES (1)", []).unwrap();

    let error = open(&path, &SCHEMA).expect_err("an older program refuses a newer file");
    let message = format!("{error:#}");
    assert!(message.contains("schema version 4, newer than this program's 3"), "{message}");
    let conn = open_file(&path).unwrap();
    assert_eq!((version(&conn).unwrap(), count(&conn, "t")), (4, 1));
}

#[test]
fn processes_opening_one_file_at_once_all_get_the_latest_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.sqlite3");
    let openers: Vec<_> = (0..8)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || open(&path, &SCHEMA).map(|c| version(&c).unwrap()))
        })
        .collect();
    for opener in openers {
        assert_eq!(opener.join().unwrap().unwrap(), 3);
    }
}

#[test]
fn a_wal_grown_past_its_checkpoint_size_is_cut_back_when_it_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.sqlite3");
    let conn = open(&path, &SCHEMA).unwrap();
    conn.execute_batch("CREATE TABLE big (b BLOB NOT NULL);").unwrap();
    let wal_size = || std::fs::metadata(dir.path().join("wal.sqlite3-wal")).unwrap().len();

    // One transaction of ~6 MiB: the WAL holds all of it, then SQLite checkpoints on its own.
    conn.execute("INSERT INTO big (b) VALUES (zeroblob(6 * 1024 * 1024))", []).unwrap();
    let grown = wal_size();
    assert!(grown > 6 * 1024 * 1024, "the WAL held the large transaction: {grown} bytes");

    // The next commit starts the WAL over from the beginning: the file is cut back.
    conn.execute("INSERT INTO t (x) VALUES (1)", []).unwrap();
    let after = wal_size();
    assert!(after <= WAL_SIZE_LIMIT as u64, "the WAL is back to its limit: {after} bytes (was {grown})");
    assert_eq!(count(&conn, "big") + count(&conn, "t"), 2, "both writes kept");
}

#[test]
fn processes_opening_a_new_file_at_the_same_moment_all_open_it() {
    // Switching a new file to WAL makes all openers but one "busy" at once, without SQLite's
    // busy wait; a round lets eight start together, many rounds make the collision certain.
    let dir = tempfile::tempdir().unwrap();
    for round in 0..40 {
        let path = dir.path().join(format!("new-{round}.sqlite3"));
        let start = std::sync::Arc::new(std::sync::Barrier::new(8));
        let openers: Vec<_> = (0..8)
            .map(|_| {
                let (path, start) = (path.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    open(&path, &SCHEMA).map(|c| version(&c).unwrap()).map_err(|e| format!("{e:#}"))
                })
            })
            .collect();
        for opener in openers {
            assert_eq!(opener.join().unwrap(), Ok(3), "round {round}");
        }
    }
}
