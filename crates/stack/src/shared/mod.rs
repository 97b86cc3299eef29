//! What the test controls keep when several `moderno-stack` instances share one PostgreSQL
//! database (issue 14, item 4): the virtual clock's advance, the fault switches, the admin API's
//! number-matching memo ([`controls`]) and the flow inspector's record ([`hop_log`]) live in the
//! schema `stack`, so a change through any instance's admin API holds on every instance. On
//! SQLite (the app, a one-machine QA server) none of this is opened: all stays in memory, as it
//! always was.

pub mod controls;
pub mod hop_log;

use moderno_ambient::Entropy;
use moderno_crypto::Secret;
use moderno_sql::{Database, Location, Schemas};

/// The channel an instance announces a change of the controls on (`NOTIFY`, payload
/// `controls`): every instance then reads them again.
pub const CONTROLS_CHANNEL: &str = "moderno_stack_controls";

/// The stack's tables, migration 1. Integers are `BIGINT` and bytes `BYTEA`, which SQLite reads
/// as its integer and blob: one text serves both. The stack never opens a SQLite file (its state is in memory there); a
/// schema names both, and the tests read the same SQL on either.
const BASELINE: &str = "
CREATE TABLE controls (
    only_row        BIGINT PRIMARY KEY CHECK (only_row = 1),
    version         BIGINT NOT NULL,
    advanced_ms     BIGINT NOT NULL,
    number_matching BIGINT
);
INSERT INTO controls (only_row, version, advanced_ms) VALUES (1, 0, 0) ON CONFLICT (only_row) DO NOTHING;
CREATE TABLE faults_on (fault TEXT PRIMARY KEY);
CREATE TABLE hop_counters (
    only_row     BIGINT PRIMARY KEY CHECK (only_row = 1),
    last_seq     BIGINT NOT NULL,
    last_arrival BIGINT NOT NULL
);
INSERT INTO hop_counters (only_row, last_seq, last_arrival) VALUES (1, 0, 0) ON CONFLICT (only_row) DO NOTHING;
CREATE TABLE hops (seq BIGINT PRIMARY KEY, hop TEXT NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
";

pub const SCHEMAS: Schemas = Schemas {
    sqlite: moderno_sqlite::Schema { baseline: BASELINE, baseline_columns: &[], migrations: &[] },
    postgres: moderno_postgres::Schema { name: "stack", migrations: &[BASELINE] },
};

/// The stack's schema in the PostgreSQL database at `url`, migrated (blocking; fine at start).
pub fn open(url: &Secret<String>) -> anyhow::Result<Database> {
    Database::open(&Location::Postgres(Secret::from(url)), &SCHEMAS)
}

/// PingOne's worker client secret when none is configured and the demo one may not serve: drawn
/// by the first instance and kept, so every instance's PingFederate holds the secret every
/// instance's PingOne checks (a load balancer sends a token request to either).
pub async fn kept_worker_secret(db: &Database, entropy: &Entropy) -> anyhow::Result<Secret<String>> {
    let entropy = entropy.clone();
    db.write(move |conn| {
        let seed = moderno_sql::kept_seed(conn, "pingone_worker_secret", None, || entropy.bytes())?;
        Ok(Secret::new(hex::encode(seed.as_slice())))
    })
    .await
}

/// True for the one instance that claims `key` first (then kept: every later call says false):
/// start-up work two instances starting at once must not both do.
pub async fn first_to_claim(db: &Database, key: &'static str) -> moderno_sql::Result<bool> {
    db.write(move |conn| {
        conn.execute("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING", (key, vec![1u8]))
            .map(|inserted| inserted == 1)
    })
    .await
}

/// Gives up a claim whose work failed, so the next instance to start claims it and tries again.
pub async fn give_up_claim(db: &Database, key: &'static str) -> moderno_sql::Result<()> {
    db.write(move |conn| conn.execute("DELETE FROM meta WHERE key = ?1", (key,)).map(drop)).await
}
