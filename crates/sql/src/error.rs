//! What can go wrong in a statement, on either database.

/// A statement's failure. Holds no parameter values (they may be secrets); the SQL text is ours.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `query_row` found no row (see [`crate::OptionalExtension`]).
    #[error("the query returned no row")]
    NoRows,
    /// A column's value is not what the reader asked for.
    #[error("column {index}: {message}")]
    Column { index: usize, message: String },
    /// A parameter could not be written as the statement needs it.
    #[error("parameter {index}: {message}")]
    Parameter { index: usize, message: String },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),
    /// A write's closure went on after PostgreSQL refused one of its statements (which aborts
    /// the transaction there): nothing of the write was kept.
    #[error("a statement of this write was refused, so nothing of it was kept: {0}")]
    Aborted(String),
    /// The database did not answer in time: no pooled connection, no turn to write (this
    /// instance's or the schema's writer lock) within the writers' patience, a closed database,
    /// or a blocking task cut off. Services answer it 503 with `Retry-After`: it passes.
    /// The message names no URL and no secret.
    #[error("the database is not reachable: {0}")]
    Unavailable(String),
    /// The database work panicked (a bug in its closure, not a database that will answer in a
    /// moment): nothing of it was kept. Services answer it as their unexpected error.
    #[error("the database work failed: {0}")]
    Panicked(String),
}

impl Error {
    /// What a service answers in `Retry-After` (seconds) with a request refused for an
    /// [`Error::Unavailable`]: the same in every service. Short, since such a wait mostly ends
    /// with the write that held it up.
    pub const RETRY_AFTER_SECONDS: u32 = 1;

    /// The database did not answer in time ([`Error::Unavailable`]): it passes, so services
    /// answer 503 with `Retry-After` rather than their unexpected error.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Error::Unavailable(_))
    }

    /// A uniqueness or other constraint refused the write (both databases).
    pub fn is_constraint_violation(&self) -> bool {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => f.code == rusqlite::ErrorCode::ConstraintViolation,
            Error::Postgres(e) => e.code().is_some_and(|c| c.code().starts_with("23")),
            _ => false,
        }
    }
}

fn postgres_message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => error.to_string(),
    }
}

impl From<moderno_postgres::PgError> for Error {
    fn from(error: moderno_postgres::PgError) -> Self {
        Error::Unavailable(error.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
