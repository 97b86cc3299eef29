//! The database keeps Unix milliseconds; the wire shows RFC 3339 in UTC, to the second.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

pub fn rfc3339(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::UNIX_EPOCH).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses a client-supplied RFC 3339 time into milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc).timestamp_millis())
}

pub fn ms(d: Duration) -> i64 {
    d.num_milliseconds()
}
