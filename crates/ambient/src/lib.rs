//! Time, randomness and fault switches, passed in rather than reached for; and the services' one
//! server loop ([`serving`]); URL settings read once, at start ([`setting_url`]); work repeated
//! while a service runs ([`repeat`]).
//!
//! Logic never calls `Utc::now()` or `thread_rng()`: it takes a [`Clock`] and an [`Entropy`].
//! Production uses [`Clock::system`] and [`Entropy::from_os`]; tests and the demo's virtual clock
//! use [`Clock::manual`] (advanced by hand) and [`Entropy::seeded`] (replayable).

pub mod attempts;
mod faults;
mod number_matching;
pub mod repeat;
pub mod serving;
mod setting_url;

pub use faults::{Fault, Faults};
pub use number_matching::{NumberChallenge, Pick};
pub use setting_url::{http_url, setting_url, under, SettingError};

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// A source of "now". Cloning shares the same clock.
#[derive(Clone, Debug)]
pub struct Clock(Arc<ClockSource>, Arc<AtomicI64>);

#[derive(Debug)]
enum ClockSource {
    System {
        /// Milliseconds added to the system time (the demo's "advance time" on a live stack).
        offset_ms: AtomicI64,
    },
    Manual {
        now_ms: AtomicI64,
    },
}

impl Clock {
    /// Wall-clock time.
    pub fn system() -> Self {
        Self(Arc::new(ClockSource::System { offset_ms: AtomicI64::new(0) }), Arc::default())
    }

    /// A clock that stands still until advanced.
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self(Arc::new(ClockSource::Manual { now_ms: AtomicI64::new(start.timestamp_millis()) }), Arc::default())
    }

    pub fn now(&self) -> DateTime<Utc> {
        let ms = match &*self.0 {
            ClockSource::System { offset_ms } => Utc::now().timestamp_millis() + offset_ms.load(Ordering::Relaxed),
            ClockSource::Manual { now_ms } => now_ms.load(Ordering::Relaxed),
        };
        DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::UNIX_EPOCH)
    }

    /// Unix seconds.
    pub fn unix(&self) -> i64 {
        self.now().timestamp()
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let ms = by.num_milliseconds();
        match &*self.0 {
            ClockSource::System { offset_ms } => offset_ms.fetch_add(ms, Ordering::Relaxed),
            ClockSource::Manual { now_ms } => now_ms.fetch_add(ms, Ordering::Relaxed),
        };
    }

    /// Moves the clock so that the part of its advance set elsewhere (a shared QA server's virtual
    /// clock, kept in its database) is `total`: by the difference from the last total followed.
    /// Clones of one clock following the same total move once, and an [`advance`](Self::advance)
    /// made here is kept.
    pub fn follow(&self, total: Duration) {
        let total = total.num_milliseconds();
        let before = self.1.swap(total, Ordering::Relaxed);
        self.advance(Duration::milliseconds(total - before));
    }

    /// True for a clock that only moves when advanced.
    pub fn is_manual(&self) -> bool {
        matches!(&*self.0, ClockSource::Manual { .. })
    }
}

/// A cryptographically strong random source. Cloning shares the same stream.
#[derive(Clone, Debug)]
pub struct Entropy(Arc<Mutex<ChaCha20Rng>>);

impl Entropy {
    /// Seeded from the operating system.
    pub fn from_os() -> Self {
        Self(Arc::new(Mutex::new(ChaCha20Rng::from_entropy())))
    }

    /// A fixed stream, for replayable tests and scenarios. Never for production.
    pub fn seeded(seed: u64) -> Self {
        Self(Arc::new(Mutex::new(ChaCha20Rng::seed_from_u64(seed))))
    }

    /// A stream of its own, seeded by one draw from this one: draws that happen a number of times
    /// that depends on timing (request ids of a polling loop) then leave this stream's sequence,
    /// and so a seeded run, as it was.
    pub fn fork(&self) -> Self {
        let seed = self.bytes::<32>();
        Self(Arc::new(Mutex::new(ChaCha20Rng::from_seed(seed))))
    }

    pub fn fill(&self, buf: &mut [u8]) {
        // A panic while holding this lock cannot leave the generator half-updated in a way that
        // matters, so a poisoned lock is simply taken over.
        self.0.lock().unwrap_or_else(PoisonError::into_inner).fill_bytes(buf);
    }

    pub fn bytes<const N: usize>(&self) -> [u8; N] {
        let mut buf = [0u8; N];
        self.fill(&mut buf);
        buf
    }

    /// A uniformly random number below `bound` (no modulo bias). `bound` must be non-zero.
    pub fn below(&self, bound: u32) -> u32 {
        let bound = bound.max(1);
        let zone = u32::MAX - (u32::MAX % bound);
        loop {
            let v = u32::from_le_bytes(self.bytes::<4>());
            if v < zone {
                return v % bound;
            }
        }
    }

    /// `n` random bytes as lowercase hex.
    pub fn hex(&self, n: usize) -> String {
        let mut buf = vec![0u8; n];
        self.fill(&mut buf);
        buf.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A random UUID v4 in its usual text form.
    pub fn uuid(&self) -> String {
        let mut b = self.bytes::<16>();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fork_is_its_own_stream_and_leaves_the_parent_repeatable() {
        let (a, b) = (Entropy::seeded(9), Entropy::seeded(9));
        let (fork_a, fork_b) = (a.fork(), b.fork());
        assert_eq!(fork_a.uuid(), fork_b.uuid(), "a fork of a seeded stream is seeded too");
        for _ in 0..5 {
            fork_a.uuid(); // draws on one fork only
        }
        assert_eq!(a.uuid(), b.uuid(), "the parents stay in step whatever the forks draw");
        assert_ne!(fork_a.uuid(), a.uuid());
    }

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let start = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let clock = Clock::manual(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::minutes(11));
        assert_eq!(clock.now(), start + Duration::minutes(11));
        assert!(clock.is_manual());
    }

    #[test]
    fn system_clock_can_be_shifted_for_the_demo() {
        let clock = Clock::system();
        let before = clock.now();
        clock.advance(Duration::hours(2));
        assert!(clock.now() >= before + Duration::hours(2));
    }

    #[test]
    fn following_a_shared_advance_moves_by_the_difference_once_and_keeps_local_advances() {
        let start = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let clock = Clock::manual(start);
        let same_clock_elsewhere = clock.clone();
        clock.advance(Duration::seconds(5));
        clock.follow(Duration::minutes(10));
        same_clock_elsewhere.follow(Duration::minutes(10));
        assert_eq!(clock.now(), start + Duration::seconds(5) + Duration::minutes(10), "followed once");
        clock.follow(Duration::minutes(4));
        assert_eq!(clock.now(), start + Duration::seconds(5) + Duration::minutes(4), "a smaller total moves back");
        same_clock_elsewhere.follow(Duration::zero());
        assert_eq!(clock.now(), start + Duration::seconds(5), "the local advance stays");
    }

    #[test]
    fn seeded_entropy_replays_and_os_entropy_differs() {
        assert_eq!(Entropy::seeded(7).hex(16), Entropy::seeded(7).hex(16));
        assert_ne!(Entropy::from_os().hex(16), Entropy::from_os().hex(16));
    }

    #[test]
    fn below_stays_in_range_and_uuid_has_v4_shape() {
        let e = Entropy::seeded(1);
        assert!((0..1000).all(|_| e.below(31) < 31));
        let id = e.uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
