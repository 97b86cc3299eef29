//! A statement's parameters: `()`, a tuple of up to 16 values, an array of one type, or
//! [`params!`](crate::params) (a slice of `&dyn ToValue`), numbered `?1`, `?2`, … in the SQL.

use crate::error::Result;
use crate::value::{values, ToValue, Value};

pub trait Params {
    fn values(&self) -> Result<Vec<Value>>;
}

impl Params for () {
    fn values(&self) -> Result<Vec<Value>> {
        Ok(Vec::new())
    }
}

impl Params for &[&dyn ToValue] {
    fn values(&self) -> Result<Vec<Value>> {
        values(self)
    }
}

impl<const N: usize> Params for &[&dyn ToValue; N] {
    fn values(&self) -> Result<Vec<Value>> {
        values(self.as_slice())
    }
}

impl<T: ToValue, const N: usize> Params for [T; N] {
    fn values(&self) -> Result<Vec<Value>> {
        let refs: Vec<&dyn ToValue> = self.iter().map(|v| v as &dyn ToValue).collect();
        values(&refs)
    }
}

macro_rules! tuples {
    ($(($($name:ident $index:tt),+))*) => {$(
        impl<$($name: ToValue),+> Params for ($($name,)+) {
            fn values(&self) -> Result<Vec<Value>> {
                values(&[$(&self.$index as &dyn ToValue),+])
            }
        }
    )*};
}
tuples! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15)
}

/// Parameters of mixed types as one slice: `params![id, name, now_ms]`.
#[macro_export]
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::ToValue]
    };
    ($($param:expr),+ $(,)?) => {
        &[$(&$param as &dyn $crate::ToValue),+] as &[&dyn $crate::ToValue]
    };
}
