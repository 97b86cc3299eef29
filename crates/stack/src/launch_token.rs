//! The embedded admin API's per-launch token. On a demo laptop every process and every web page
//! can reach loopback, so the app's built-in admin API is not open either: the window that starts
//! the stack draws a random token for this launch and keeps it in the stack's data directory,
//! readable by this user only; a second window joining that stack reads it from there. Nothing
//! else knows it (it is never logged or shown).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use moderno_ambient::Entropy;
use zeroize::Zeroizing;

const FILE: &str = "admin-token";

fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// A fresh token (256 bits, hex).
pub fn draw(entropy: &Entropy) -> Zeroizing<String> {
    Zeroizing::new(entropy.hex(32))
}

/// Keeps `token` for windows joining this launch's stack (replacing the last launch's).
pub fn keep(data_dir: &Path, token: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(data_dir)?;
    let final_path = path(data_dir);
    let partial = data_dir.join(format!("{FILE}.partial"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&partial)?;
    file.write_all(token.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(partial, final_path)
}

/// The token the window that started the stack kept, if any.
pub fn read(data_dir: &Path) -> Option<Zeroizing<String>> {
    let text = Zeroizing::new(std::fs::read_to_string(path(data_dir)).ok()?);
    let token = text.trim();
    (!token.is_empty()).then(|| Zeroizing::new(token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_token_is_read_back_by_this_user_only() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).is_none(), "no launch yet");
        let token = draw(&Entropy::seeded(1));
        assert_eq!(token.len(), 64);
        keep(dir.path(), &token).unwrap();
        assert_eq!(read(dir.path()).as_deref().map(String::as_str), Some(token.as_str()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join(FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "no access for group or others: {mode:o}");
        }
        let next = draw(&Entropy::seeded(2));
        keep(dir.path(), &next).unwrap();
        assert_eq!(read(dir.path()).as_deref().map(String::as_str), Some(next.as_str()), "the next launch replaces it");
    }
}
