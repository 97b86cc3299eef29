//! Each step as a short human line, or (`--json`) as one JSON object per line for automation.
//! Nothing printed here ever holds a key, an OTP secret, a password or a session token.

use std::fmt::Display;

use moderno_device::DeviceError;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// `fields` must be a JSON object; `step` is added to it.
    pub fn step(&self, step: &str, human: impl Display, fields: Value) {
        if self.json {
            let mut object = match fields {
                Value::Object(map) => map,
                _ => serde_json::Map::new(),
            };
            object.insert("step".into(), json!(step));
            println!("{}", Value::Object(object));
        } else {
            println!("{human}");
        }
    }

    pub fn error(&self, error: &DeviceError) {
        if self.json {
            let view = serde_json::to_value(error.view()).unwrap_or_else(|_| json!({"code": error.code()}));
            self.step("error", "", view);
        } else {
            eprintln!("error [{}]: {error}", error.code());
        }
    }

    /// A question on stderr, so `--json` output on stdout stays one object per line.
    pub fn ask(&self, question: impl Display) {
        eprint!("{question} ");
    }
}
