//! The scenario file: a name, a backend, a seed, and the steps in order, each with what it must
//! show. Unknown keys are refused, so a typo fails loudly instead of testing nothing.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use moderno_wire::device_api::{IgnoreInterval, IntervalUnit};
use serde::Deserialize;

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// What the scenario shows, in a sentence or two (printed with the report).
    pub about: String,
    pub backend: Backend,
    /// Seeds the stack's randomness, so every run draws the same ids, keys and codes.
    pub seed: u64,
    /// First devices pair with a pairing key from the web page (the PingID SDK's manual mode).
    pub manual_pairing: bool,
    /// PingOne MFA's demo devices (carol: SMS; dave: e-mail and SMS), as the app's stack has them.
    pub demo_devices: bool,
    /// Beyond Ping: number matching at the PingID SDK server (an application setting, off by
    /// default because the PingID SDK has none).
    pub sdk_number_matching: bool,
    pub steps: Vec<Step>,
}

fn default_seed() -> u64 {
    7
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// The Moderno customer server with the PingID SDK (seed 003).
    PingidSdk,
    /// PingFederate with the PingOne MFA adapter (seed 000).
    Pingfederate,
}

/// One step: what to do, with that action's own fields, and what the screen must then show.
#[derive(Debug, Clone)]
pub struct Step {
    pub action: Action,
    /// What the screen must show after the step: keys of its summary and their values.
    pub expect: BTreeMap<String, toml::Value>,
    /// Where the step is in its file (1-based), for messages.
    pub line: usize,
}

/// A step's action (`do = "…"`) and its fields. Each action takes exactly its own fields: a
/// missing one, an unknown one or a wrong value fails when the file is read, with its line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "do", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Action {
    /// `device` signs in as `user`; `pairing_key = "from-web-page"` issues one as the customer
    /// server's page would (the PingID SDK's manual mode).
    Login {
        device: String,
        user: String,
        password: Option<String>,
        pairing_key: Option<String>,
    },
    /// The trust level for a first device (`ignore_for` like `"2 HOURS"` with IGNORE).
    Choose {
        device: String,
        level: Level,
        ignore_for: Option<String>,
    },
    /// At MOBILE_PAIRING_REQUIRED: pair (the default) or go on without.
    Pair {
        device: String,
        #[serde(default = "yes")]
        pair: bool,
    },
    /// The approver answers the push waiting for it.
    Answer {
        device: String,
        #[serde(default)]
        answer: PushChoice,
        /// Under number matching: the number the waiting device shows (the default) or another.
        #[serde(default)]
        number: NumberPick,
        /// With IGNORE: like `"2 HOURS"`.
        ignore_for: Option<String>,
    },
    Poll {
        device: String,
    },
    /// Types a passcode: a literal `code`, or the one `from` another device shows (its offline
    /// passcode) or `"outbox"` (PingOne's SMS/e-mail).
    Otp {
        device: String,
        code: Option<String>,
        from: Option<String>,
    },
    /// Chooses a device by nickname, name, type or list number (1 = first).
    Select {
        device: String,
        pick: String,
    },
    Retry {
        device: String,
    },
    Cancel {
        device: String,
    },
    /// Moves the stack's clock on.
    Advance {
        seconds: i64,
    },
    /// Switches a fault on (the default) or off.
    Fault {
        fault: String,
        #[serde(default = "yes")]
        on: bool,
    },
    /// The device polls for pushes once (the PingID SDK then counts it as online).
    Listen {
        device: String,
    },
    /// The device unpairs itself.
    Unpair {
        device: String,
    },
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    Primary,
    Trusted,
    Ignore,
}

/// Ping's choices about a push: TRUST (trust the new device), APPROVE or ONCE (this sign-in
/// only), IGNORE (with `ignore_for`), DENY, BLOCK.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PushChoice {
    Trust,
    #[default]
    Approve,
    Once,
    Ignore,
    Deny,
    Block,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NumberPick {
    #[default]
    Shown,
    Wrong,
}

impl Action {
    /// The device that acts, if the action has one.
    pub fn device(&self) -> Option<&str> {
        match self {
            Self::Login { device, .. }
            | Self::Choose { device, .. }
            | Self::Pair { device, .. }
            | Self::Answer { device, .. }
            | Self::Poll { device }
            | Self::Otp { device, .. }
            | Self::Select { device, .. }
            | Self::Retry { device }
            | Self::Cancel { device }
            | Self::Listen { device }
            | Self::Unpair { device } => Some(device),
            Self::Advance { .. } | Self::Fault { .. } => None,
        }
    }

    /// What the fields cannot say by their types alone.
    fn check(&self) -> Result<(), String> {
        match self {
            Self::Choose { level: Level::Ignore, ignore_for, .. }
            | Self::Answer { answer: PushChoice::Ignore, ignore_for, .. } => {
                ignore_interval(ignore_for.as_deref().ok_or("IGNORE needs ignore_for, like \"2 HOURS\"")?).map(drop)
            }
            Self::Choose { ignore_for: Some(_), .. } | Self::Answer { ignore_for: Some(_), .. } => {
                Err("ignore_for goes only with IGNORE".into())
            }
            Self::Otp { code: None, from: None, .. } => {
                Err("otp needs a code, or from = a device or \"outbox\"".into())
            }
            Self::Otp { code: Some(_), from: Some(_), .. } => Err("otp takes a code or from, not both".into()),
            _ => Ok(()),
        }
    }
}

/// `"2 HOURS"`: a whole number and one of Ping's interval units.
pub fn ignore_interval(text: &str) -> Result<IgnoreInterval, String> {
    let (value, unit) = text.split_once(' ').ok_or("ignore_for is a number and a unit, like \"2 HOURS\"")?;
    let value = value.parse().map_err(|_| "ignore_for starts with a whole number")?;
    let unit: IntervalUnit = serde_json::from_value(serde_json::Value::String(unit.trim().to_uppercase()))
        .map_err(|_| format!("{unit:?} is no interval unit (MINUTES, HOURS, DAYS)"))?;
    Ok(IgnoreInterval { value, unit })
}

/// The file as written: steps kept as tables with their place, to be read one by one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    #[serde(default)]
    about: String,
    backend: Backend,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default)]
    manual_pairing: bool,
    #[serde(default)]
    demo_devices: bool,
    #[serde(default)]
    sdk_number_matching: bool,
    #[serde(rename = "step")]
    steps: Vec<toml::Spanned<toml::Table>>,
}

impl Scenario {
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("{} is not a scenario", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let file: File = toml::from_str(text)?;
        let steps = file
            .steps
            .into_iter()
            .enumerate()
            .map(|(index, spanned)| {
                let line = 1 + text[..spanned.span().start].matches('\n').count();
                step(spanned.into_inner())
                    .map(|(action, expect)| Step { action, expect, line })
                    .map_err(|why| anyhow::anyhow!("step {} (line {line}): {why}", index + 1))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            name: file.name,
            about: file.about,
            backend: file.backend,
            seed: file.seed,
            manual_pairing: file.manual_pairing,
            demo_devices: file.demo_devices,
            sdk_number_matching: file.sdk_number_matching,
            steps,
        })
    }
}

fn step(mut table: toml::Table) -> Result<(Action, BTreeMap<String, toml::Value>), String> {
    let expect = match table.remove("expect") {
        Some(toml::Value::Table(expect)) => expect.into_iter().collect(),
        Some(_) => return Err("expect is a table, like { screen = \"SIGNED_IN\" }".into()),
        None => BTreeMap::new(),
    };
    let action: Action = toml::Value::Table(table).try_into().map_err(|e: toml::de::Error| e.message().to_string())?;
    action.check()?;
    Ok((action, expect))
}
