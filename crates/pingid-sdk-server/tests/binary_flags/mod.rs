//! A purging server's retention flags tested as its binary, the way an operator gives them: with
//! no retention and a purge every second on a SQLite file, a record that ended an hour ago (kept
//! by the default 24 hours) is deleted and counted in the log; a bad value stops the binary at
//! start, naming its flag. The binary is given a file whatever store the other tests use.
//!
//! Written once for the PingID SDK server, PingOne MFA and PingFederate: their tests include this
//! file by path.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// One server's binary and a record of its that the purge deletes once it ended.
pub struct Purgeable {
    /// `env!("CARGO_BIN_EXE_…")`.
    pub binary: &'static str,
    /// The flag naming its SQLite file.
    pub file_flag: &'static str,
    /// Inserts the record; `?1` is an hour ago, in seconds since the epoch.
    pub insert: &'static str,
    /// The count the purge logs for it (`flows`).
    pub logged_as: &'static str,
    /// Counts the record.
    pub count: &'static str,
}

fn binary(path: &str) -> Command {
    let mut command = Command::new(path);
    command.env_remove("MODERNO_DATABASE_URL").env("RUST_LOG", "info").env("NO_COLOR", "1");
    command
}

/// The binary running on loopback, its log read line by line (killed when dropped).
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Running {
    fn start(path: &str, args: &[&str]) -> Self {
        let mut child = binary(path)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines }
    }

    /// The next line logged that says `text` (generous: a debug build under load starts slowly).
    fn logged(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            match self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) if line.contains(text) => return line,
                Ok(_) => {}
                Err(e) => panic!("the server never logged {text:?} ({e})"),
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn with_no_retention_and_a_purge_every_second_what_ended_an_hour_ago_is_purged(server: &Purgeable) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.sqlite3");
    let args = [server.file_flag, file.to_str().unwrap(), "--retention-hours", "0", "--purge-interval-seconds", "1"];
    let running = Running::start(server.binary, &args);
    running.logged("listening");
    let db = rusqlite::Connection::open(&file).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    db.execute(server.insert, [i64::try_from(now.as_secs()).unwrap() - 3600]).unwrap();

    let line = running.logged("finished records purged");
    assert!(line.contains(&format!("{}=1", server.logged_as)), "{line}");
    let left: i64 = db.query_row(server.count, [], |r| r.get(0)).unwrap();
    assert_eq!(left, 0, "the old record is gone from the file");
}

pub fn a_negative_or_unreadable_retention_or_purge_interval_is_refused_naming_the_flag(path: &str) {
    for (flag, value) in [
        ("--retention-hours", "-1"),
        ("--retention-hours", "a day"),
        ("--purge-interval-seconds", "-5"),
        ("--purge-interval-seconds", "1.5"),
    ] {
        let refused = binary(path).args([flag, value]).output().unwrap();
        let said = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(2), "{flag} {value}: {said}");
        assert!(said.contains(&format!("invalid value '{value}' for '{flag}")), "{flag} {value}: {said}");
    }
}
