//! How a row of the table in [`super`] fits an exchange: the service, the method, the path
//! pattern, and what the bodies say.

use moderno_wire::pingfederate::{ACTION_MEDIA_PREFIX, ACTION_MEDIA_SUFFIX};
use serde_json::Value;

use super::{Doc, Exchange};
use crate::inspector::Service;
use If::{
    Action, Got, GotAs, GotKey, GotKeyAs, GotMentioning, NotGot, NotSent, Operation, Refused, Sent, SentAs,
    SentMentioning,
};

/// Any method.
pub(super) const ANY: &str = "*";
/// Any path (a pattern ending in `/**` takes any rest).
pub(super) const EVERYWHERE: &str = "**";

/// What a row says of the exchanges it fits.
pub(super) enum Says {
    /// The step of a Ping document; with `answer`, PingFederate's answer is added.
    Step {
        label: &'static str,
        doc: Doc,
        answer: bool,
    },
    Beyond(&'static str),
}

/// One row of the table: which exchanges, and what it says of them.
pub(super) struct Row {
    service: Service,
    method: &'static str,
    pub(super) path: &'static str,
    when: &'static [If],
    pub(super) says: Says,
}

pub(super) const fn step(
    service: Service,
    method: &'static str,
    path: &'static str,
    when: &'static [If],
    label: &'static str,
    doc: Doc,
) -> Row {
    Row { service, method, path, when, says: Says::Step { label, doc, answer: false } }
}

pub(super) const fn beyond(
    service: Service,
    method: &'static str,
    path: &'static str,
    when: &'static [If],
    reason: &'static str,
) -> Row {
    Row { service, method, path, when, says: Says::Beyond(reason) }
}

impl Row {
    /// The label goes on with the flow status PingFederate answered.
    pub(super) const fn then_answer(self) -> Self {
        match self.says {
            Says::Step { label, doc, .. } => Self { says: Says::Step { label, doc, answer: true }, ..self },
            Says::Beyond(_) => self,
        }
    }

    pub(super) fn fits(&self, exchange: &Exchange<'_>) -> bool {
        self.service == exchange.service
            && (self.method == ANY || self.method.eq_ignore_ascii_case(exchange.method))
            && path_fits(self.path, exchange.path)
            && self.when.iter().all(|c| c.holds(exchange))
    }
}

/// Fields that make an exchange Ping also makes beyond Ping: where they are looked for, and the
/// reason, whose `{}` names the ones found.
pub(super) struct Mark {
    service: Service,
    /// A path pattern, as a row's.
    path: &'static str,
    reason: &'static str,
    /// Each field as the reason names it, and what shows it is there.
    fields: &'static [(&'static str, &'static [If])],
}

pub(super) const fn mark(
    service: Service,
    path: &'static str,
    reason: &'static str,
    fields: &'static [(&'static str, &'static [If])],
) -> Mark {
    Mark { service, path, reason, fields }
}

impl Mark {
    /// The reason with the fields `exchange` carries, or `None` when it carries none of them.
    pub(super) fn says(&self, exchange: &Exchange<'_>) -> Option<String> {
        if self.service != exchange.service || !path_fits(self.path, exchange.path) {
            return None;
        }
        let mut found: Vec<&str> = Vec::new();
        for (name, when) in self.fields {
            if !found.contains(name) && when.iter().all(|c| c.holds(exchange)) {
                found.push(name);
            }
        }
        (!found.is_empty()).then(|| self.reason.replacen("{}", &found.join(", "), 1))
    }
}

/// What a body must say. Pointers are JSON pointers; a field is "there" unless it is absent,
/// null, empty text or an empty list.
#[derive(Debug, Clone, Copy)]
pub(super) enum If {
    /// The Moderno request's `operation`.
    Operation(&'static str),
    /// PingFederate's action: `Content-Type: application/vnd.pingidentity.<action>+json` or `?action=`.
    Action(&'static str),
    Sent(&'static str),
    NotSent(&'static str),
    SentAs(&'static str, &'static str),
    /// A request's text field contains this (Ping's `clientContext` is free text).
    SentMentioning(&'static str, &'static str),
    Got(&'static str),
    NotGot(&'static str),
    GotAs(&'static str, &'static str),
    GotMentioning(&'static str, &'static str),
    /// A field of this name somewhere in the response (in any object, at any depth).
    GotKey(&'static str),
    /// … with this text.
    GotKeyAs(&'static str, &'static str),
    /// The service refused (HTTP 400 or more).
    Refused,
}

impl If {
    pub(super) fn holds(self, x: &Exchange<'_>) -> bool {
        let sent = |pointer: &str| x.request.and_then(|v| v.pointer(pointer)).and_then(text);
        let got = |pointer: &str| x.response.and_then(|v| v.pointer(pointer)).and_then(text);
        match self {
            Operation(name) => sent("/operation").is_some_and(|op| op == name),
            Action(name) => action(x).is_some_and(|a| a.eq_ignore_ascii_case(name)),
            Sent(p) => sent(p).is_some(),
            NotSent(p) => sent(p).is_none(),
            SentAs(p, value) => sent(p).is_some_and(|v| v == value),
            SentMentioning(p, needle) => sent(p).is_some_and(|v| v.contains(needle)),
            Got(p) => got(p).is_some(),
            NotGot(p) => got(p).is_none(),
            GotAs(p, value) => got(p).is_some_and(|v| v == value),
            GotMentioning(p, needle) => got(p).is_some_and(|v| v.contains(needle)),
            GotKey(key) => x.response.is_some_and(|v| any_field(v, key, |_| true)),
            GotKeyAs(key, value) => x.response.is_some_and(|v| any_field(v, key, |t| t == value)),
            Refused => x.status >= 400,
        }
    }
}

/// A field's value as text; `None` when it says nothing.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::Array(items) if items.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Object(_) | Value::Array(_) => Some(String::new()),
        other => Some(other.to_string()),
    }
}

/// Whether an object anywhere in `value` has a field `key` that says something `fits`.
fn any_field(value: &Value, key: &str, fits: impl Fn(&str) -> bool + Copy) -> bool {
    match value {
        Value::Object(fields) => {
            fields.iter().any(|(k, v)| (k == key && text(v).is_some_and(|t| fits(&t))) || any_field(v, key, fits))
        }
        Value::Array(items) => items.iter().any(|v| any_field(v, key, fits)),
        _ => false,
    }
}

/// The PingFederate action a POST names, as PingFederate itself reads it.
fn action<'a>(x: &Exchange<'a>) -> Option<&'a str> {
    let media = x.content_type.and_then(|c| c.split(';').next()).unwrap_or_default().trim();
    let (prefix, suffix) = (ACTION_MEDIA_PREFIX.len(), ACTION_MEDIA_SUFFIX.len());
    let named = media.len() > prefix + suffix
        && media.get(..prefix).is_some_and(|p| p.eq_ignore_ascii_case(ACTION_MEDIA_PREFIX))
        && media.get(media.len() - suffix..).is_some_and(|s| s.eq_ignore_ascii_case(ACTION_MEDIA_SUFFIX));
    if named {
        return media.get(prefix..media.len() - suffix);
    }
    x.query?.split('&').find_map(|pair| pair.strip_prefix("action="))
}

/// `pattern` with `*` for one segment, `**` for all the rest, and `|` between alternatives.
pub(super) fn path_fits(pattern: &str, path: &str) -> bool {
    pattern.split('|').any(|one| {
        let (mut want, mut got) = (one.split('/'), path.split('/'));
        loop {
            match (want.next(), got.next()) {
                (None, None) | (Some("**"), Some(_)) => return true,
                (Some("*"), Some(segment)) if !segment.is_empty() => {}
                (Some(w), Some(segment)) if w == segment => {}
                _ => return false,
            }
        }
    })
}
