//! The tables, one module each, as plain functions over a `moderno_sql::Conn` (SQLite or
//! PostgreSQL, the same SQL). Routes compose them inside `Db::write` transactions.

pub mod authentications;
pub mod devices;
pub mod fingerprints;
pub mod nonces;
pub mod notices;
pub mod pairing_keys;
pub mod registration_tokens;
pub mod settings;
pub mod users;

use moderno_sql::{FromValue, ToValue, Value};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A wire enum stored as its JSON spelling (`"PRIMARY"`, `"IN_PROGRESS"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text<T>(pub T);

impl<T: Serialize> ToValue for Text<T> {
    fn to_value(&self) -> Result<Value, String> {
        match serde_json::to_value(&self.0) {
            Ok(serde_json::Value::String(s)) => Ok(Value::Text(s)),
            _ => Err("not a string enum".into()),
        }
    }
}

impl<T: DeserializeOwned> FromValue for Text<T> {
    fn from_value(value: &Value) -> Result<Self, String> {
        let s = String::from_value(value)?;
        serde_json::from_value(serde_json::Value::String(s)).map(Text).map_err(|e| e.to_string())
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
