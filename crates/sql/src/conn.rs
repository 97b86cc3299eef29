//! [`Conn`]: a connection inside one of [`Database`](crate::Database)'s closures, with the
//! handful of calls the services use, the same on both databases.

use std::cell::RefCell;

use postgres::fallible_iterator::FallibleIterator as _;

use crate::error::{Error, Result};
use crate::params::Params;
use crate::placeholders::for_postgres;
use crate::value::{FromValue, Value};

/// The connection a closure is given: a SQLite connection (in a transaction when written to),
/// or a PostgreSQL transaction.
pub struct Conn<'a>(Inner<'a>);

enum Inner<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(RefCell<Pg<'a>>),
}

/// A PostgreSQL connection as a closure uses it: in a transaction (writes), or each statement on
/// its own (reads, as on SQLite), with the connection's prepared statements.
struct Pg<'a> {
    on: PgOn<'a>,
    statements: &'a mut moderno_postgres::Statements,
    /// PostgreSQL refused a statement of this transaction: it aborted the transaction, and a
    /// COMMIT would quietly roll it back (SQLite would keep the other statements' work).
    aborted: bool,
}

enum PgOn<'a> {
    Transaction(postgres::Transaction<'a>),
    Statements(&'a mut postgres::Client),
}

impl Pg<'_> {
    /// `outcome`, noting a refusal by the server inside a transaction ([`Pg::aborted`]).
    fn note<T>(&mut self, outcome: Result<T>) -> Result<T> {
        if let Err(Error::Postgres(error)) = &outcome {
            if error.as_db_error().is_some() && matches!(self.on, PgOn::Transaction(_)) {
                self.aborted = true;
            }
        }
        outcome
    }

    /// The statement for `sql` (SQLite's parameters already PostgreSQL's), prepared once per
    /// connection.
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement);
        }
        let statement = match &mut self.on {
            PgOn::Transaction(tx) => tx.prepare(sql)?,
            PgOn::Statements(client) => client.prepare(sql)?,
        };
        self.statements.keep(sql, statement.clone());
        Ok(statement)
    }

    fn execute(&mut self, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<u64> {
        let statement = self.statement(sql)?;
        Ok(match &mut self.on {
            PgOn::Transaction(tx) => tx.execute(&statement, params)?,
            PgOn::Statements(client) => client.execute(&statement, params)?,
        })
    }

    /// Hands each row to `take` as the server sends it, until `take` says it has enough: the
    /// rows after that are never turned into values. In a transaction the rest of the answer is
    /// still read to its end (the server sends it either way; a portal that stopped the server
    /// too would cost a second round trip on every `query_row`): an error in a later row has
    /// already aborted the transaction, and unseen it would turn the commit into a silent
    /// rollback. A read's statement stands alone, so there the rest is simply dropped.
    fn each(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
        mut take: impl FnMut(&postgres::Row) -> Result<bool>,
    ) -> Result<()> {
        let statement = self.statement(sql)?;
        let in_transaction = matches!(self.on, PgOn::Transaction(_));
        let mut rows = match &mut self.on {
            PgOn::Transaction(tx) => tx.query_raw(&statement, params.iter().copied())?,
            PgOn::Statements(client) => client.query_raw(&statement, params.iter().copied())?,
        };
        while let Some(row) = rows.next()? {
            if !take(&row)? {
                if in_transaction {
                    while rows.next()?.is_some() {}
                }
                break;
            }
        }
        Ok(())
    }

    fn batch_execute(&mut self, sql: &str) -> Result<()> {
        match &mut self.on {
            PgOn::Transaction(tx) => tx.batch_execute(sql)?,
            PgOn::Statements(client) => client.batch_execute(sql)?,
        }
        Ok(())
    }
}

impl<'a> Conn<'a> {
    pub(crate) fn sqlite(conn: &'a rusqlite::Connection) -> Self {
        Self(Inner::Sqlite(conn))
    }

    /// A PostgreSQL transaction (its writes committed or rolled back by the caller, through
    /// [`into_transaction`](Self::into_transaction)).
    pub(crate) fn postgres_transaction(
        tx: postgres::Transaction<'a>,
        statements: &'a mut moderno_postgres::Statements,
    ) -> Self {
        Self(Inner::Postgres(RefCell::new(Pg { on: PgOn::Transaction(tx), statements, aborted: false })))
    }

    /// A PostgreSQL connection whose statements each stand alone (reads).
    pub(crate) fn postgres_statements(
        client: &'a mut postgres::Client,
        statements: &'a mut moderno_postgres::Statements,
    ) -> Self {
        Self(Inner::Postgres(RefCell::new(Pg { on: PgOn::Statements(client), statements, aborted: false })))
    }

    /// The PostgreSQL transaction back, to commit or roll back, and whether the server refused
    /// one of its statements (it then aborted the transaction).
    pub(crate) fn into_transaction(self) -> Option<(postgres::Transaction<'a>, bool)> {
        match self.0 {
            Inner::Postgres(pg) => {
                let Pg { on, aborted, .. } = pg.into_inner();
                match on {
                    PgOn::Transaction(tx) => Some((tx, aborted)),
                    PgOn::Statements(_) => None,
                }
            }
            Inner::Sqlite(_) => None,
        }
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        let values = params.values()?;
        match &self.0 {
            Inner::Sqlite(conn) => {
                let mut statement = conn.prepare_cached(sql)?;
                Ok(statement.execute(rusqlite::params_from_iter(values.iter().map(to_sqlite)))?)
            }
            Inner::Postgres(tx) => {
                let refs = pg_params(&values);
                let mut pg = tx.borrow_mut();
                let changed = pg.execute(&for_postgres(sql), &refs);
                Ok(usize::try_from(pg.note(changed)?).unwrap_or(usize::MAX))
            }
        }
    }

    /// Runs statements separated by `;`, without parameters (schema work, test set-up).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.0 {
            Inner::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Inner::Postgres(tx) => {
                let mut pg = tx.borrow_mut();
                let done = pg.batch_execute(sql);
                pg.note(done)
            }
        }
    }

    /// The first row's `f`; [`Error::NoRows`] when there is none.
    pub fn query_row<T>(&self, sql: &str, params: impl Params, f: impl FnOnce(&Row) -> Result<T>) -> Result<T> {
        let mut first = None;
        self.each_row(sql, params, |row| {
            first = Some(row);
            false
        })?;
        f(&first.ok_or(Error::NoRows)?)
    }

    /// `f` of every row, in the order the query gives them.
    pub fn query_map<T>(&self, sql: &str, params: impl Params, mut f: impl FnMut(&Row) -> Result<T>) -> Result<Vec<T>> {
        let mut rows = Vec::new();
        self.each_row(sql, params, |row| {
            rows.push(row);
            true
        })?;
        rows.iter().map(&mut f).collect()
    }

    /// Wakes the waiters of `channel` on every instance once this transaction commits (PostgreSQL
    /// `NOTIFY`); nothing on SQLite, where every waiter is in this process and is woken by the
    /// service itself. `payload` is an id, never a secret.
    pub fn notify(&self, channel: &str, payload: &str) -> Result<()> {
        match &self.0 {
            Inner::Sqlite(_) => Ok(()),
            Inner::Postgres(tx) => {
                let mut pg = tx.borrow_mut();
                let sent = pg.execute("SELECT pg_notify($1, $2)", &[&channel, &payload]);
                pg.note(sent).map(drop)
            }
        }
    }

    /// Hands each row to `take` until it returns false.
    fn each_row(&self, sql: &str, params: impl Params, mut take: impl FnMut(Row) -> bool) -> Result<()> {
        let values = params.values()?;
        match &self.0 {
            Inner::Sqlite(conn) => {
                let mut statement = conn.prepare_cached(sql)?;
                let columns = statement.column_count();
                let mut rows = statement.query(rusqlite::params_from_iter(values.iter().map(to_sqlite)))?;
                while let Some(row) = rows.next()? {
                    let values = (0..columns).map(|i| row.get_ref(i).map(from_sqlite)).collect::<Result<_, _>>()?;
                    if !take(Row { values }) {
                        break;
                    }
                }
            }
            Inner::Postgres(tx) => {
                let refs = pg_params(&values);
                let mut pg = tx.borrow_mut();
                let read = pg.each(&for_postgres(sql), &refs, |row| {
                    let values = (0..row.len())
                        .map(|i| {
                            row.try_get::<_, Value>(i).map_err(|e| Error::Column { index: i, message: e.to_string() })
                        })
                        .collect::<Result<_>>()?;
                    Ok(take(Row { values }))
                });
                pg.note(read)?;
            }
        }
        Ok(())
    }
}

fn pg_params(values: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn postgres::types::ToSql + Sync)).collect()
}

fn to_sqlite(value: &Value) -> rusqlite::types::Value {
    match value {
        Value::Null => rusqlite::types::Value::Null,
        Value::Integer(i) => rusqlite::types::Value::Integer(*i),
        Value::Real(r) => rusqlite::types::Value::Real(*r),
        Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
        Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
    }
}

fn from_sqlite(value: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(r) => Value::Real(r),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// One row of a query's answer.
#[derive(Debug, Clone)]
pub struct Row {
    values: Vec<Value>,
}

/// How a column is named in [`Row::get`]: by its position, from 0.
pub trait RowIndex {
    fn position(&self) -> usize;
}

impl RowIndex for usize {
    fn position(&self) -> usize {
        *self
    }
}

impl Row {
    /// The column at `index` as a `T` (`row.get(0)?`, or `row.get::<_, T>(0)?`).
    pub fn get<I: RowIndex, T: FromValue>(&self, index: I) -> Result<T> {
        let index = index.position();
        let value = self
            .values
            .get(index)
            .ok_or_else(|| Error::Column { index, message: format!("the row has {} columns", self.values.len()) })?;
        T::from_value(value).map_err(|message| Error::Column { index, message })
    }
}

/// `query_row`'s "no row" as `None`.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
