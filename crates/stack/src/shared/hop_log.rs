//! The flow inspector's record in the shared database: every instance writes the hops it
//! answers and reads everyone's, so an inspector opened on any instance shows the whole flow.
//!
//! Numbers come from one row (`hop_counters`), in the writer's turn ([`Database::write`]): hops
//! are numbered in the order they were committed, so a reader that has seen hop N never later
//! finds a new hop below N. The last [`CAPACITY`](crate::inspector::CAPACITY) hops are kept.

use moderno_sql::{Conn, Database};
use moderno_wire::admin::{Hop, Hops};

/// The next request's arrival number, on every instance (the diagram's order: a caller before
/// its callees).
pub async fn arrival(db: &Database) -> moderno_sql::Result<u64> {
    db.write(|conn| {
        conn.query_row(
            "UPDATE hop_counters SET last_arrival = last_arrival + 1 WHERE only_row = 1 RETURNING last_arrival",
            (),
            |r| r.get(0),
        )
    })
    .await
}

/// Keeps `hop` under the next number, dropping the oldest beyond `capacity`.
pub async fn push(db: &Database, mut hop: Hop, capacity: usize) -> anyhow::Result<()> {
    let capacity = u64::try_from(capacity).unwrap_or(u64::MAX);
    db.write(move |conn| -> anyhow::Result<()> {
        let seq: u64 = conn.query_row(
            "UPDATE hop_counters SET last_seq = last_seq + 1 WHERE only_row = 1 RETURNING last_seq",
            (),
            |r| r.get(0),
        )?;
        hop.seq = seq;
        conn.execute("INSERT INTO hops (seq, hop) VALUES (?1, ?2)", (seq, serde_json::to_string(&hop)?))?;
        conn.execute("DELETE FROM hops WHERE seq <= ?1", (seq.saturating_sub(capacity),))?;
        Ok(())
    })
    .await
}

/// The hops after `seq` (0: all kept) and the last number given.
pub async fn after(db: &Database, seq: u64) -> anyhow::Result<Hops> {
    db.read(move |conn| read_after(conn, seq)).await
}

fn read_after(conn: &Conn<'_>, seq: u64) -> anyhow::Result<Hops> {
    let last: u64 = conn.query_row("SELECT last_seq FROM hop_counters WHERE only_row = 1", (), |r| r.get(0))?;
    // Only hops up to `last`: on PostgreSQL a read's statements stand alone, and a hop committed
    // between the two would otherwise come back again on the next call (after `last`).
    let texts: Vec<String> =
        conn.query_map("SELECT hop FROM hops WHERE seq > ?1 AND seq <= ?2 ORDER BY seq", (seq, last), |r| r.get(0))?;
    let hops = texts.iter().map(|text| serde_json::from_str(text)).collect::<Result<_, _>>()?;
    Ok(Hops { hops, last })
}

/// Forgets every hop (a new run); numbering goes on.
pub async fn clear(db: &Database) -> moderno_sql::Result<()> {
    db.write(|conn| conn.execute("DELETE FROM hops", ()).map(drop)).await
}

/// [`clear`] on the calling thread.
pub fn clear_blocking(db: &Database) -> moderno_sql::Result<()> {
    db.blocking(|conn| conn.execute("DELETE FROM hops", ()).map(drop))
}
