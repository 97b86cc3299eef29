//! A service's secrets seed: the configured one, else the one kept in its `meta` table
//! (`key TEXT PRIMARY KEY, value BLOB` — `bytea` on PostgreSQL), else a new one, then kept, so a
//! restart, and every other instance on the same database, derives the same secrets and no two
//! installs share them. Each service derives its own keys from it.

use anyhow::Context as _;
use zeroize::Zeroizing;

use crate::{Conn, OptionalExtension as _};

/// The seed under `key`: `configured` when given (nothing is read or kept), else the stored one,
/// else `draw()`'s, kept under `key` unless another instance kept one first (then that one). The
/// entropy comes in as `draw` so this crate needs none.
pub fn kept_seed(
    conn: &Conn<'_>,
    key: &str,
    configured: Option<&[u8; 32]>,
    draw: impl FnOnce() -> [u8; 32],
) -> anyhow::Result<Zeroizing<[u8; 32]>> {
    if let Some(seed) = configured {
        return Ok(Zeroizing::new(*seed));
    }
    let read = || -> anyhow::Result<Option<Zeroizing<Vec<u8>>>> {
        let stored: Option<Vec<u8>> = conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .with_context(|| format!("reading the kept {key}"))?;
        Ok(stored.map(Zeroizing::new))
    };
    let bytes = match read()? {
        Some(bytes) => bytes,
        None => {
            let seed = Zeroizing::new(draw());
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                (key, seed.as_slice()),
            )
            .with_context(|| format!("keeping the {key}"))?;
            read()?.with_context(|| format!("the {key} just kept is not there"))?
        }
    };
    Ok(Zeroizing::new(bytes.as_slice().try_into().map_err(|_| anyhow::anyhow!("the kept {key} is not 32 bytes"))?))
}
