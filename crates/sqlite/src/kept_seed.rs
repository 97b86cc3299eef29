//! A service's secrets seed: the configured one, else the one kept in its `meta` table
//! (`key TEXT PRIMARY KEY, value BLOB`), else a new one, then kept, so a restart derives the same
//! secrets and no two installs share them. Each service derives its own keys from it.

use anyhow::Context as _;
use rusqlite::{Connection, OptionalExtension as _};
use zeroize::Zeroizing;

/// The seed under `key`: `configured` when given (nothing is read or kept), else the stored one,
/// else `draw()`'s (kept under `key`). The entropy comes in as `draw` so this crate needs none.
pub fn kept_seed(
    conn: &Connection,
    key: &str,
    configured: Option<&[u8; 32]>,
    draw: impl FnOnce() -> [u8; 32],
) -> anyhow::Result<Zeroizing<[u8; 32]>> {
    if let Some(seed) = configured {
        return Ok(Zeroizing::new(*seed));
    }
    let stored: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .with_context(|| format!("reading the kept {key}"))?;
    match stored.map(Zeroizing::new) {
        Some(bytes) => Ok(Zeroizing::new(
            bytes.as_slice().try_into().map_err(|_| anyhow::anyhow!("the kept {key} is not 32 bytes"))?,
        )),
        None => {
            let seed = Zeroizing::new(draw());
            conn.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", (key, seed.as_slice()))
                .with_context(|| format!("keeping the {key}"))?;
            Ok(seed)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn meta() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)", []).unwrap();
        conn
    }

    fn kept(conn: &Connection) -> Option<Vec<u8>> {
        conn.query_row("SELECT value FROM meta WHERE key = 'seed'", [], |r| r.get(0)).optional().unwrap()
    }

    #[test]
    fn a_configured_seed_is_used_as_given_and_nothing_is_kept() {
        let conn = meta();
        let seed = kept_seed(&conn, "seed", Some(&[7; 32]), || panic!("drew a seed")).unwrap();
        assert_eq!(*seed, [7; 32]);
        assert_eq!(kept(&conn), None);
    }

    #[test]
    fn the_first_start_draws_a_seed_and_keeps_it_and_later_starts_read_it_back() {
        let conn = meta();
        assert_eq!(*kept_seed(&conn, "seed", None, || [1; 32]).unwrap(), [1; 32]);
        assert_eq!(kept(&conn), Some(vec![1; 32]));
        assert_eq!(*kept_seed(&conn, "seed", None, || panic!("drew again")).unwrap(), [1; 32]);
        assert_eq!(*kept_seed(&conn, "other", None, || [2; 32]).unwrap(), [2; 32], "each key its own seed");
    }

    #[test]
    fn a_kept_seed_of_the_wrong_length_is_refused_and_left_as_it_is() {
        let conn = meta();
        conn.execute("INSERT INTO meta (key, value) VALUES ('seed', x'0102')", []).unwrap();
        let error = kept_seed(&conn, "seed", None, || [3; 32]).unwrap_err().to_string();
        assert!(error.contains("seed") && error.contains("32 bytes"), "{error}");
        assert_eq!(kept(&conn), Some(vec![1, 2]));
    }
}
