//! The scenario file: a name, a backend, a seed, and the steps in order, each with what it must
//! show. Unknown keys are refused, so a typo fails loudly instead of testing nothing.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    /// What the scenario shows, in a sentence or two (printed with the report).
    #[serde(default)]
    pub about: String,
    pub backend: Backend,
    /// Seeds the stack's randomness, so every run draws the same ids, keys and codes.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// First devices pair with a pairing key from the web page (the PingID SDK's manual mode).
    #[serde(default)]
    pub manual_pairing: bool,
    /// PingOne MFA's demo devices (carol: SMS; dave: e-mail and SMS), as the app's stack has them.
    #[serde(default)]
    pub demo_devices: bool,
    /// Beyond Ping: number matching at the PingID SDK server (an application setting, off by
    /// default because the PingID SDK has none).
    #[serde(default)]
    pub sdk_number_matching: bool,
    #[serde(rename = "step")]
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

/// One step: what to do, on which device, and what the screen must then show.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(rename = "do")]
    pub action: Action,
    /// The device (a profile with its own key) that acts.
    #[serde(default)]
    pub device: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// `login`: `"from-web-page"` issues one as the customer server's page would.
    #[serde(default)]
    pub pairing_key: Option<String>,
    /// `choose`: PRIMARY, TRUSTED or IGNORE.
    #[serde(default)]
    pub level: Option<String>,
    /// `choose` IGNORE: like `"2 HOURS"`.
    #[serde(default)]
    pub ignore_for: Option<String>,
    /// `pair`: pair at MOBILE_PAIRING_REQUIRED (false: go on without).
    #[serde(default)]
    pub pair: Option<bool>,
    /// `answer`: APPROVE, DENY or BLOCK.
    #[serde(default)]
    pub answer: Option<String>,
    /// `answer` APPROVE under number matching: `"shown"` (the default: the number the waiting
    /// device shows) or `"wrong"` (another of the push's choices).
    #[serde(default)]
    pub number: Option<String>,
    /// `otp`: the device whose offline passcode to type, or `"outbox"` (PingOne's SMS/e-mail).
    #[serde(default)]
    pub from: Option<String>,
    /// `otp`: a literal passcode (a wrong one, say).
    #[serde(default)]
    pub code: Option<String>,
    /// `select`: the device to choose, by nickname, name, type or list number (1 = first).
    #[serde(default)]
    pub pick: Option<String>,
    /// `advance`: seconds.
    #[serde(default)]
    pub seconds: Option<i64>,
    /// `fault`: the switch's name; `on` defaults to true.
    #[serde(default)]
    pub fault: Option<String>,
    #[serde(default)]
    pub on: Option<bool>,
    /// What the screen must show after the step: keys of its summary and their values.
    #[serde(default)]
    pub expect: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Login,
    Choose,
    Pair,
    Answer,
    Poll,
    Otp,
    Select,
    Retry,
    Cancel,
    Advance,
    Fault,
    /// The device polls for pushes once (the PingID SDK then counts it as online).
    Listen,
    /// The device unpairs itself.
    Unpair,
}

impl Scenario {
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("{} is not a scenario", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        Ok(toml::from_str(text)?)
    }
}
