//! What can go wrong between a service and its PostgreSQL database.

/// A database failure, said so an operator knows what to look at. Never holds a password: the
/// URL's password is not part of any message.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("the database URL is not a PostgreSQL connection string: {0}")]
    BadUrl(String),
    #[error("the database is not reachable: {0}")]
    Unreachable(String),
    #[error(
        "the database holds schema {schema} at version {found}, newer than this release knows \
         ({known}): run the newer release, or a database of its own"
    )]
    NewerSchema { schema: &'static str, found: i32, known: usize },
    #[error("migration {version} of schema {schema} failed: {cause}")]
    Migration { schema: &'static str, version: usize, cause: String },
    #[error("the database refused the statement: {0}")]
    Statement(String),
}

impl From<tokio_postgres::Error> for PgError {
    fn from(error: tokio_postgres::Error) -> Self {
        match error.as_db_error() {
            Some(db) => PgError::Statement(format!("{} ({})", db.message(), db.code().code())),
            None if error.is_closed() => PgError::Unreachable(error.to_string()),
            None => PgError::Statement(error.to_string()),
        }
    }
}

impl From<r2d2::Error> for PgError {
    /// The pool found no working connection in time (its message is the last connection error).
    fn from(error: r2d2::Error) -> Self {
        PgError::Unreachable(error.to_string())
    }
}
