//! What an answered push came to, as the server said.

/// The outcome of answering a push (APPROVE with a wrong number is refused, not an error: the
/// approving device should say so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushResult {
    /// The sign-in it asked about may go on.
    Approved,
    /// Denied, blocked, or (number matching) approved with a number other than the one shown.
    Refused,
}
