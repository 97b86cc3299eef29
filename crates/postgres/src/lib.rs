//! How a Moderno service keeps its state in PostgreSQL, for a QA server that runs as several
//! instances behind one address (issue 14). SQLite (`moderno-sqlite`) stays the embedded default:
//! nothing here is used by the app.
//!
//! - [`Schema`]: a service's tables live in a PostgreSQL schema of its own, brought to the latest
//!   of its numbered migrations at start, under an advisory lock, so instances starting at once
//!   take turns and the second finds the work done;
//! - [`Pool`]: connections for one service (r2d2 over the blocking `postgres` client), each with the service's
//!   schema as its search path, and the readiness a load balancer asks for;
//! - [`Listener`]: one connection that `LISTEN`s and hands each `NOTIFY` to every waiter in the
//!   process, reconnecting when the connection drops (a service sends one with `pg_notify` in the
//!   transaction whose commit it announces).

mod error;
mod listen;
mod pool;
mod schema;

pub use error::PgError;
pub use listen::{Listener, Wake};
pub use pool::{Connection, Connector, Pool, Session, Statements};
pub use schema::Schema;
