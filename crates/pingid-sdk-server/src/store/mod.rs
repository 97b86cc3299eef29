//! The tables, one module each, as plain functions over a `rusqlite::Connection` (a
//! `Transaction` derefs to one). Routes compose them inside `Db::write` transactions.

pub mod authentications;
pub mod devices;
pub mod fingerprints;
pub mod nonces;
pub mod notices;
pub mod pairing_keys;
pub mod registration_tokens;
pub mod settings;
pub mod users;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A wire enum stored as its JSON spelling (`"PRIMARY"`, `"IN_PROGRESS"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text<T>(pub T);

impl<T: Serialize> rusqlite::ToSql for Text<T> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match serde_json::to_value(&self.0) {
            Ok(serde_json::Value::String(s)) => Ok(ToSqlOutput::from(s)),
            _ => Err(rusqlite::Error::ToSqlConversionFailure("not a string enum".into())),
        }
    }
}

impl<T: DeserializeOwned> FromSql for Text<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        serde_json::from_value(serde_json::Value::String(s.to_string()))
            .map(Text)
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// The JSON spelling of a wire enum, for lists kept in one column.
pub fn spelling<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Parses a JSON spelling back.
pub fn parse_spelling<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
}
