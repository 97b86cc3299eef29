//! The values a statement takes and a row gives, the same on both databases: SQLite's storage
//! classes (integer, real, text, blob, null). A PostgreSQL column of another type is read and
//! written through them ([`crate::pg_types`]): booleans and the integer types as integers.

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Integer(_) => "an integer",
            Value::Real(_) => "a real",
            Value::Text(_) => "text",
            Value::Blob(_) => "a blob",
        }
    }
}

/// A Rust value a statement can take.
pub trait ToValue {
    fn to_value(&self) -> Result<Value, String>;
}

/// A Rust value a column can be read as.
pub trait FromValue: Sized {
    fn from_value(value: &Value) -> Result<Self, String>;
}

fn expected(what: &str, found: &Value) -> String {
    format!("expected {what}, found {}", found.kind())
}

impl ToValue for Value {
    fn to_value(&self) -> Result<Value, String> {
        Ok(self.clone())
    }
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Result<Self, String> {
        Ok(value.clone())
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Result<Value, String> {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Result<Value, String> {
        match self {
            Some(v) => v.to_value(),
            None => Ok(Value::Null),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Result<Value, String> {
                i64::try_from(*self).map(Value::Integer).map_err(|_| format!("{self} does not fit a 64-bit integer"))
            }
        }
        impl FromValue for $t {
            fn from_value(value: &Value) -> Result<Self, String> {
                match value {
                    Value::Integer(i) => <$t>::try_from(*i).map_err(|_| format!("{i} is out of range for {}", stringify!($t))),
                    other => Err(expected("an integer", other)),
                }
            }
        }
    )*};
}
integers!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

impl ToValue for bool {
    fn to_value(&self) -> Result<Value, String> {
        Ok(Value::Integer(i64::from(*self)))
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Integer(i) => Ok(*i != 0),
            other => Err(expected("an integer (a boolean)", other)),
        }
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Result<Value, String> {
        Ok(Value::Real(*self))
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Real(r) => Ok(*r),
            #[allow(clippy::cast_precision_loss)]
            Value::Integer(i) => Ok(*i as f64),
            other => Err(expected("a number", other)),
        }
    }
}

impl ToValue for str {
    fn to_value(&self) -> Result<Value, String> {
        Ok(Value::Text(self.to_owned()))
    }
}

impl ToValue for String {
    fn to_value(&self) -> Result<Value, String> {
        Ok(Value::Text(self.clone()))
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Text(s) => Ok(s.clone()),
            other => Err(expected("text", other)),
        }
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Result<Value, String> {
        Ok(Value::Blob(self.to_vec()))
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Result<Value, String> {
        Ok(Value::Blob(self.clone()))
    }
}

impl<const N: usize> ToValue for [u8; N] {
    fn to_value(&self) -> Result<Value, String> {
        Ok(Value::Blob(self.to_vec()))
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Blob(b) => Ok(b.clone()),
            other => Err(expected("a blob", other)),
        }
    }
}

impl<const N: usize> FromValue for [u8; N] {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Blob(b) => b.as_slice().try_into().map_err(|_| format!("expected {N} bytes, found {}", b.len())),
            other => Err(expected("a blob", other)),
        }
    }
}

/// Each parameter's value, numbered from 1 in errors.
pub(crate) fn values(params: &[&dyn ToValue]) -> Result<Vec<Value>> {
    params
        .iter()
        .enumerate()
        .map(|(i, p)| p.to_value().map_err(|message| Error::Parameter { index: i + 1, message }))
        .collect()
}
