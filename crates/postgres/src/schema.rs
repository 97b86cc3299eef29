//! A service's tables in a PostgreSQL schema of its own, brought to the latest version at start.

use postgres::Client;

use crate::PgError;

/// A service's schema: its name (also the PostgreSQL schema its tables live in) and its numbered
/// migrations, oldest first. Migration N is `migrations[N - 1]`; a released migration never
/// changes, a change is a new one.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    pub name: &'static str,
    pub migrations: &'static [&'static str],
}

impl Schema {
    /// The version after the last migration.
    pub fn latest(&self) -> usize {
        self.migrations.len()
    }

    /// Brings the database to the latest version in one transaction. Instances starting at once
    /// serialize on a transaction-scoped advisory lock keyed by the schema's name: the first
    /// migrates, the others wait, then find the version current and do nothing. A database at a
    /// version newer than this release knows is refused, never downgraded.
    pub fn migrate(&self, client: &mut Client) -> Result<(), PgError> {
        // The name is written into statements: only a plain lower-case identifier will do.
        if self.name.is_empty() || !self.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(PgError::Statement(format!("{:?} is not a plain schema name", self.name)));
        }
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&self.lock_key()])?;
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {name};
             CREATE TABLE IF NOT EXISTS {name}.schema_version (
                 only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
                 version integer NOT NULL
             );
             INSERT INTO {name}.schema_version (version) VALUES (0) ON CONFLICT DO NOTHING;",
            name = self.name
        ))?;
        let found: i32 = tx.query_one(&format!("SELECT version FROM {}.schema_version", self.name), &[])?.get(0);
        let found_usize = usize::try_from(found).unwrap_or(0);
        if found_usize > self.latest() {
            return Err(PgError::NewerSchema { schema: self.name, found, known: self.latest() });
        }
        for (index, migration) in self.migrations.iter().enumerate().skip(found_usize) {
            let version = index + 1;
            tx.batch_execute(&format!("SET LOCAL search_path TO {}; {migration}", self.name))
                .map_err(|e| PgError::Migration { schema: self.name, version, cause: PgError::from(e).to_string() })?;
            let stored = i32::try_from(version).unwrap_or(i32::MAX);
            tx.execute(&format!("UPDATE {}.schema_version SET version = $1", self.name), &[&stored])?;
            tracing::info!(schema = self.name, version, "migrated");
        }
        tx.commit()?;
        Ok(())
    }

    /// The version the database holds (0 before the first migration).
    pub fn version(&self, client: &mut Client) -> Result<usize, PgError> {
        let row = client.query_opt(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'schema_version'",
            &[&self.name],
        )?;
        if row.is_none() {
            return Ok(0);
        }
        let version: i32 = client.query_one(&format!("SELECT version FROM {}.schema_version", self.name), &[])?.get(0);
        Ok(usize::try_from(version).unwrap_or(0))
    }

    /// A stable 64-bit key for the advisory lock (FNV-1a of the schema's name, in a namespace of
    /// our own so another application's advisory locks cannot collide by accident).
    fn lock_key(&self) -> i64 {
        advisory_key("moderno-schema", self.name)
    }

    /// The advisory lock a service's writers take turns on, held to each write's commit (a
    /// different key from the migrations', so a start does not wait for traffic).
    pub fn writer_lock_key(&self) -> i64 {
        advisory_key("moderno-writer", self.name)
    }
}

/// A stable 64-bit advisory-lock key: FNV-1a of `namespace:name`.
fn advisory_key(namespace: &str, name: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in namespace.bytes().chain(std::iter::once(b':')).chain(name.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_schema_has_its_own_stable_lock_key() {
        let a = Schema { name: "pingfederate", migrations: &[] };
        let b = Schema { name: "pingone", migrations: &[] };
        assert_ne!(a.lock_key(), b.lock_key());
        assert_eq!(a.lock_key(), Schema { name: "pingfederate", migrations: &["x"] }.lock_key());
    }
}
