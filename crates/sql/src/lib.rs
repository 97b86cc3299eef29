//! One SQL interface for every Moderno service, over SQLite or PostgreSQL (issue 14).
//!
//! SQLite is the embedded default (a file, nothing to run: the app and a one-machine QA server);
//! PostgreSQL serves a QA server that runs as several instances behind one address. A service
//! writes its SQL once, in the subset both read alike (`?1` parameters, `ON CONFLICT`,
//! `RETURNING`, `COALESCE`; integers for booleans), and its schema twice (a SQLite and a
//! PostgreSQL migration list, [`Schemas`]). Its database work stays closures over a [`Conn`] run
//! off the async runtime (a SQLite file's own thread, tokio's blocking pool for PostgreSQL), with
//! one rule ([`Database::write`]): a check-and-act is one
//! transaction, writers take turns, and an error leaves nothing behind — on either database, so
//! a single-use secret stays single-use across instances.
//!
//! Wake-ups cross instances through PostgreSQL's `NOTIFY` ([`Conn::notify`], sent at commit) and
//! one listening connection per service ([`Database::listen`]).

mod conn;
mod database;
mod error;
mod kept_seed;
mod params;
mod pg_types;
mod placeholders;
mod sqlite_thread;
mod value;

pub mod testing;
pub mod turns;

pub use conn::{Conn, OptionalExtension, Row, RowIndex};
pub use database::{Database, DbError, Listening, Location, Schemas};
pub use error::{Error, Result};
pub use kept_seed::kept_seed;
pub use moderno_postgres::Wake;
pub use params::Params;
pub use value::{FromValue, ToValue, Value};
