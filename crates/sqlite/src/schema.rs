//! A service's schema as versioned migrations (`rusqlite_migration`, the version in SQLite's
//! `user_version`).
//!
//! Migration 1 is the *baseline*: the schema every file had when the project started numbering
//! its versions, written `CREATE … IF NOT EXISTS`. A new file gets it whole; a file from before the
//! numbering (version 0, its tables already there) gets the columns it may lack
//! ([`Schema::baseline_columns`]). Every later change is one more migration, never an edit of an
//! earlier one.

use rusqlite::Transaction;
use rusqlite_migration::{HookResult, Migrations, M};

/// A column the baseline has that files written before the numbering may lack: `declaration` is
/// what follows the name in `ALTER TABLE … ADD COLUMN` (a type, and a `DEFAULT` when `NOT NULL`).
#[derive(Debug, Clone, Copy)]
pub struct AddedColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub declaration: &'static str,
}

/// What a service's file is brought to when it is opened.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// Migration 1 (see the module's documentation).
    pub baseline: &'static str,
    /// The columns a file from before the numbering may lack.
    pub baseline_columns: &'static [AddedColumn],
    /// Migrations 2, 3, … in order.
    pub migrations: &'static [&'static str],
}

impl Schema {
    /// The version a file has once opened: migration 1 plus the later ones.
    pub fn latest_version(&self) -> usize {
        1 + self.migrations.len()
    }

    pub(crate) fn migrations(&self) -> Migrations<'static> {
        self.migrations_up_to(self.latest_version())
    }

    /// The first `version` migrations: a file as an older release wrote it (for tests).
    pub fn migrations_up_to(&self, version: usize) -> Migrations<'static> {
        let columns = self.baseline_columns;
        let baseline = M::up_with_hook(self.baseline, move |tx: &Transaction| -> HookResult {
            Ok(add_missing_columns(tx, columns)?)
        });
        let later = self.migrations.iter().map(|sql| M::up(sql));
        Migrations::new(std::iter::once(baseline).chain(later).take(version).collect())
    }
}

/// Adds each of `added` that its table lacks.
fn add_missing_columns(tx: &Transaction, added: &[AddedColumn]) -> rusqlite::Result<()> {
    for c in added {
        let present: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
            (c.table, c.column),
            |r| r.get(0),
        )?;
        if !present {
            tx.execute_batch(&format!("ALTER TABLE {} ADD COLUMN {} {}", c.table, c.column, c.declaration))?;
        }
    }
    Ok(())
}
