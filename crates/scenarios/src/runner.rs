//! Runs a scenario against a fresh in-process stack: loopback HTTP, SQLite files in a temporary
//! directory, a manual clock from a fixed instant and randomness from the scenario's seed, so a
//! run repeats exactly. Devices are named profiles with in-memory keys; each step drives them
//! through the same login sessions the desktop app uses, and the screen each step leads to is
//! summarised as JSON and checked against the step's `expect`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use chrono::{DateTime, TimeDelta, Utc};
use moderno_ambient::{Clock, Entropy, Fault};
use moderno_customer_server::PasswordCost;
use moderno_device::pingfederate::{PfClient, PingOneDevice};
use moderno_device::{
    http_client, Backend as DeviceBackend, Device, DeviceDescription, DeviceError, DeviceOptions, KeyStore, Login,
    MemoryKeyStore, Progress, PushResult, UserSelection,
};
use moderno_stack::{RunningStack, Stack, StackConfig};
use moderno_wire::device_api::{PushAction, PushAnswer, PushRequest};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{PairingKeyRequest, PairingMode};
use serde_json::Value;

use crate::screen::{self, Shown};
use crate::script::{ignore_interval, Action, Backend, Level, NumberPick, PushChoice, Scenario, Step};

/// The demo password of the seeded users.
const PASSWORD: &str = "moderno-demo";

/// What one step showed, and whether it matched.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepOutcome {
    pub number: usize,
    pub what: String,
    pub shown: Value,
    /// Why the step failed; `None` when it passed.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub scenario: String,
    pub about: String,
    pub steps: Vec<StepOutcome>,
    /// Every hop the stack's services saw during the run (the flow inspector's record).
    #[serde(skip)]
    pub hops: Vec<moderno_wire::admin::Hop>,
}

impl Report {
    pub fn passed(&self) -> bool {
        !self.steps.is_empty() && self.steps.iter().all(|s| s.problem.is_none())
    }
}

/// The fixed instant every scenario's clock starts at.
pub fn epoch() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
}

/// A scenario being played one step at a time (the app's step-by-step demo; [`run`] plays it
/// through). After a failed step no further step runs: it would test a state the scenario did
/// not reach.
pub struct ScenarioRun {
    world: World,
    name: String,
    about: String,
    steps: Vec<Step>,
    outcomes: Vec<StepOutcome>,
    _dir: tempfile::TempDir,
}

impl ScenarioRun {
    /// A fresh stack for `scenario`: nothing has run yet.
    pub async fn start(scenario: &Scenario) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut config = StackConfig::loopback(dir.path().to_path_buf());
        config.clock = Clock::manual(epoch());
        config.entropy = Entropy::seeded(scenario.seed);
        config.password_cost = PasswordCost::TestOnlyCheap;
        config.demo_devices = scenario.demo_devices;
        config.inspector = true;
        config.push_poll_interval = Duration::from_millis(50);
        if scenario.manual_pairing {
            config.pairing_mode = Some(PairingMode::Manual);
        }
        let stack = Stack::start(config).await.context("starting the stack")?;
        if scenario.sdk_number_matching {
            let sdk = stack.customer.sdk();
            let mut settings = sdk.get_settings().await.context("reading the SDK application's settings")?;
            settings.number_matching = true;
            sdk.put_settings(&settings).await.context("switching number matching on")?;
        }
        Ok(Self {
            world: World {
                backend: scenario.backend,
                seed: scenario.seed,
                stack,
                devices: BTreeMap::new(),
                shown_number: None,
            },
            name: scenario.name.clone(),
            about: scenario.about.clone(),
            steps: scenario.steps.clone(),
            outcomes: Vec::new(),
            _dir: dir,
        })
    }

    /// Plays the next step; `None` once every step ran or one failed.
    pub async fn step(&mut self) -> Option<&StepOutcome> {
        if self.finished() {
            return None;
        }
        let number = self.outcomes.len() + 1;
        let step = self.steps[number - 1].clone();
        let what = describe(&step);
        let outcome = match self.world.act(&step).await {
            Ok(shown) => {
                let problem = screen::mismatch(&shown.summary, &step.expect);
                StepOutcome { number, what, shown: shown.summary, problem }
            }
            Err(error) => StepOutcome { number, what, shown: Value::Null, problem: Some(format!("{error:#}")) },
        };
        self.outcomes.push(outcome);
        self.outcomes.last()
    }

    pub fn finished(&self) -> bool {
        self.outcomes.len() == self.steps.len() || self.outcomes.last().is_some_and(|o| o.problem.is_some())
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn about(&self) -> &str {
        &self.about
    }

    /// Every step in words, run or not.
    pub fn step_descriptions(&self) -> Vec<String> {
        self.steps.iter().map(describe).collect()
    }

    pub fn outcomes(&self) -> &[StepOutcome] {
        &self.outcomes
    }

    /// The report so far, with the inspector's record; stops the stack.
    pub async fn finish(self) -> Report {
        // A scenario's stack is embedded: its record is in memory, and reading it cannot fail.
        let hops = match &self.world.stack.recorder {
            Some(recorder) => recorder.read_after(0).await.map(|kept| kept.hops).unwrap_or_default(),
            None => Vec::new(),
        };
        self.world.stack.shutdown().await;
        Report { scenario: self.name, about: self.about, steps: self.outcomes, hops }
    }
}

/// Runs every step in order, up to the first failed one.
pub async fn run(scenario: &Scenario) -> anyhow::Result<Report> {
    let mut run = ScenarioRun::start(scenario).await?;
    while run.step().await.is_some() {}
    Ok(run.finish().await)
}

struct World {
    backend: Backend,
    seed: u64,
    stack: RunningStack,
    devices: BTreeMap<String, Slot>,
    /// The number the last login screen shows (WAIT_FOR_PUSH under number matching), if any.
    shown_number: Option<u8>,
}

/// One named device and the login it has going.
struct Slot {
    side: Side,
    login: Option<Login>,
    /// The devices the last screen offered to choose from: (id, what a person would pick it by).
    choices: Vec<(String, Vec<String>)>,
    /// The user of the last login (for PingOne's outbox).
    user: Option<String>,
}

/// A device and the backend it signs in with (what [`DeviceBackend`] borrows). With PingFederate:
/// the device's PingOne MFA personality and the API client of its login.
struct Side {
    device: Device,
    customer_url: String,
    pingfederate: Option<(Arc<PfClient>, PingOneDevice)>,
    clock: Clock,
    /// What a PingFederate login draws PKCE from: the same for every login, so a run repeats.
    entropy: Entropy,
}

impl Side {
    fn backend(&self) -> DeviceBackend<'_> {
        let pingfederate = self.pingfederate.as_ref().map(|(client, pingone)| (client, pingone));
        DeviceBackend::new(&self.device, &self.customer_url, pingfederate, &self.clock, &self.entropy)
    }
}

impl World {
    async fn slot(&mut self, name: &str) -> anyhow::Result<&mut Slot> {
        if !self.devices.contains_key(name) {
            let store: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
            let (clock, entropy) = (self.stack.clock.clone(), Entropy::seeded(self.seed ^ hash(name)));
            // Named after its profile, so a scenario picks "phone" or "desk" by name.
            let mut description = DeviceDescription::of_this_computer();
            description.device_name = name.to_string();
            let options = DeviceOptions { description, ..DeviceOptions::default() };
            let device = Device::open_with(name, Arc::clone(&store), clock.clone(), entropy.clone(), options).await?;
            let pingfederate = match self.backend {
                Backend::Pingfederate => Some((
                    Arc::new(PfClient::new(http_client()?, &self.stack.pingfederate_url)?),
                    PingOneDevice::open(&device, store, clock.clone(), entropy).await?,
                )),
                Backend::PingidSdk => None,
            };
            let (customer_url, entropy) = (self.stack.customer_url.clone(), Entropy::seeded(self.seed ^ 0x5eed));
            let side = Side { device, customer_url, pingfederate, clock, entropy };
            self.devices.insert(name.to_string(), Slot { side, login: None, choices: vec![], user: None });
        }
        self.devices.get_mut(name).ok_or_else(|| anyhow!("no device {name}"))
    }

    async fn act(&mut self, step: &Step) -> anyhow::Result<Shown> {
        match &step.action {
            Action::Advance { seconds } => {
                self.stack.clock.advance(TimeDelta::seconds(*seconds));
                Ok(Shown::note(serde_json::json!({"screen": "CLOCK", "now": self.stack.clock.now().to_rfc3339()})))
            }
            Action::Fault { fault: name, on } => {
                let fault = Fault::from_name(name).ok_or_else(|| anyhow!("no fault is called {name:?}"))?;
                self.stack.faults.set(fault, *on);
                Ok(Shown::note(serde_json::json!({"screen": "FAULT", "fault": name, "on": on})))
            }
            Action::Answer { device, answer, number, ignore_for } => {
                self.answer(device, *answer, *number, ignore_for.as_deref()).await
            }
            Action::Listen { device } => {
                let slot = self.slot(device).await?;
                let pushes = slot.side.backend().pending_pushes(Duration::ZERO).await?;
                Ok(Shown::note(serde_json::json!({"screen": "LISTENING", "pushes": pushes.len()})))
            }
            Action::Unpair { device } => {
                self.slot(device).await?.side.backend().unpair().await?;
                Ok(Shown::note(serde_json::json!({"screen": "UNPAIRED"})))
            }
            Action::Otp { device, code, from } => self.otp(device, code.as_deref(), from.as_deref()).await,
            Action::Login { device, user, password, pairing_key } => {
                let key = match pairing_key.as_deref() {
                    Some("from-web-page") => Some(self.web_page_key(user).await?),
                    key => key.map(str::to_string),
                };
                let (seed, pingfederate_url) = (self.seed, self.stack.pingfederate_url.clone());
                let slot = self.slot(device).await?;
                slot.user = Some(user.clone());
                if let Some((client, _)) = slot.side.pingfederate.as_mut() {
                    // Each login its own PingFederate client and the same draws, so a run repeats.
                    *client = Arc::new(PfClient::new(http_client()?, &pingfederate_url)?);
                    slot.side.entropy = Entropy::seeded(seed ^ 0x5eed);
                }
                let password = password.as_deref().unwrap_or(PASSWORD);
                let answer = match Login::start(slot.side.backend(), user, password, key.as_deref()).await {
                    Ok((session, progress)) => {
                        slot.login = session;
                        Ok(shown(progress))
                    }
                    Err(e) => Err(e),
                };
                Ok(self.showing(device, answer))
            }
            action => {
                let device = action.device().ok_or_else(|| anyhow!("{action:?} needs a device"))?.to_string();
                let answer = self.slot(&device).await?.continue_login(action).await;
                Ok(self.showing(&device, answer))
            }
        }
    }

    /// What a login step leads to, remembered for the steps after it: the choices offered and
    /// the number shown (only what the screen shows now: a number from an earlier push never
    /// answers this one).
    fn showing(&mut self, device: &str, answer: Result<Shown, DeviceError>) -> Shown {
        let shown = answer.unwrap_or_else(|error| Shown::note(screen::error(&error)));
        if let Some(slot) = self.devices.get_mut(device) {
            slot.choices = shown.choices.clone();
        }
        self.shown_number = shown.summary.get("number").and_then(Value::as_u64).and_then(|n| u8::try_from(n).ok());
        shown
    }

    /// The approver answers the push waiting for it, with Ping's choices about a new device.
    async fn answer(
        &mut self,
        device: &str,
        choice: PushChoice,
        number: NumberPick,
        ignore_for: Option<&str>,
    ) -> anyhow::Result<Shown> {
        let (action, grant) = match choice {
            PushChoice::Trust => (PushAction::Approve, Some((TrustLevel::Trusted, None))),
            PushChoice::Approve | PushChoice::Once => (PushAction::Approve, None),
            PushChoice::Ignore => {
                let interval = ignore_interval(ignore_for.unwrap_or_default()).map_err(|why| anyhow!(why))?;
                (PushAction::Approve, Some((TrustLevel::Ignore, Some(interval))))
            }
            PushChoice::Deny => (PushAction::Deny, None),
            PushChoice::Block => (PushAction::Block, None),
        };
        let shown_number = self.shown_number;
        let backend = self.slot(device).await?.side.backend();
        let pushes = backend.pending_pushes(Duration::from_secs(3)).await?;
        let push = pushes.first().ok_or_else(|| anyhow!("no push reached {device}"))?;
        let mut answer = push_answer(push, action, number, shown_number)?;
        if let Some((level, interval)) = grant {
            answer.trust_level = Some(level);
            answer.ignore_interval = interval;
        }
        let result = backend.answer_push(&push.authentication_id, answer).await?;
        let approved = result == PushResult::Approved;
        Ok(Shown::note(
            serde_json::json!({"screen": "PUSH_ANSWERED", "user": push.username, "pushes": pushes.len(), "approved": approved}),
        ))
    }

    /// Types a passcode: a literal one, another device's offline passcode, or PingOne's newest
    /// SMS or e-mail code for the user.
    async fn otp(&mut self, device: &str, code: Option<&str>, from: Option<&str>) -> anyhow::Result<Shown> {
        let code = match (code, from) {
            (Some(code), _) => code.to_string(),
            (None, Some("outbox")) => {
                let user = self.slot(device).await?.user.clone().ok_or_else(|| anyhow!("no login yet"))?;
                self.outbox_code(&user).await?
            }
            (None, Some(other)) => self
                .slot(other)
                .await?
                .side
                .device
                .offline_otp()
                .ok_or_else(|| anyhow!("{other} shows no passcode (not paired)"))?,
            (None, None) => bail!("otp needs a code, or from = a device or \"outbox\""),
        };
        let slot = self.slot(device).await?;
        let login = slot.login.as_mut().ok_or_else(|| anyhow!("no login in progress on this device"))?;
        // As Ping's apps do, a passcode that may pair this device pairs it as trusted.
        let progress = login.otp(slot.side.backend(), &code, true).await.map_err(DeviceError::from);
        Ok(progress.map(shown).unwrap_or_else(|e| Shown::note(screen::error(&e))))
    }

    async fn web_page_key(&self, user: &str) -> anyhow::Result<String> {
        let request = PairingKeyRequest { pairing_data: format!("user:{user}") };
        let key = self.stack.customer.sdk().create_pairing_key(&request).await.map_err(|e| anyhow!("{e}"))?;
        Ok(key.id)
    }

    async fn outbox_code(&self, user: &str) -> anyhow::Result<String> {
        let (token, _) =
            self.stack.pingone.mint_access_token().await.map_err(|e| anyhow!("a PingOne worker token: {e}"))?;
        let url = format!("{}/outbox/{user}", self.stack.pingone_url);
        let http = http_client()?;
        let messages: Vec<moderno_wire::pingone::OutboxMessage> =
            http.get(url).bearer_auth(token).send().await?.error_for_status()?.json().await?;
        Ok(messages.last().ok_or_else(|| anyhow!("no message for {user} in PingOne's outbox"))?.otp.clone())
    }
}

impl Slot {
    async fn continue_login(&mut self, action: &Action) -> Result<Shown, DeviceError> {
        let Some(login) = self.login.as_mut() else {
            return Err(DeviceError::InvalidInput("no login in progress on this device".into()));
        };
        let backend = self.side.backend();
        let progress = match action {
            Action::Choose { level, ignore_for, .. } => {
                login.choose(backend, selection(*level, ignore_for)?, None).await?
            }
            Action::Pair { pair, .. } => login.pair(backend, *pair).await?,
            Action::Poll { .. } => login.poll(backend).await?,
            Action::Retry { .. } => login.retry(backend).await?,
            Action::Select { pick: wanted, .. } => login.select_device(backend, &pick(&self.choices, wanted)).await?,
            Action::Cancel { .. } => {
                login.cancel().await?;
                return Ok(Shown::note(serde_json::json!({"screen": "CANCELLED"})));
            }
            other => return Err(DeviceError::InvalidInput(format!("{other:?} is not a step of a login"))),
        };
        Ok(shown(progress))
    }
}

/// The screen a login's progress shows, in its backend's words.
fn shown(progress: Progress) -> Shown {
    match progress {
        Progress::PingidSdk(progress) => screen::moderno(progress),
        Progress::PingFederate(progress) => screen::pingfederate(progress),
    }
}

/// The id of the choice a person would pick by `wanted` (nickname, name or type, any case; or
/// its list number).
fn pick(choices: &[(String, Vec<String>)], wanted: &str) -> String {
    if let Some((id, _)) = wanted.parse::<usize>().ok().and_then(|n| choices.get(n.wrapping_sub(1))) {
        return id.clone();
    }
    let wanted = wanted.to_lowercase();
    choices
        .iter()
        .find(|(_, labels)| labels.iter().any(|l| l.to_lowercase() == wanted))
        .map_or(wanted, |(id, _)| id.clone())
}

fn selection(level: Level, ignore_for: &Option<String>) -> Result<UserSelection, DeviceError> {
    Ok(match level {
        Level::Primary => UserSelection::Trust(TrustLevel::Primary),
        Level::Trusted => UserSelection::Trust(TrustLevel::Trusted),
        Level::Ignore => UserSelection::Ignore(
            ignore_interval(ignore_for.as_deref().unwrap_or_default()).map_err(DeviceError::InvalidInput)?,
        ),
    })
}

/// The answer a person would give: under number matching an approval picks the number the
/// waiting device showed (`"shown"`), or another of the push's choices (`"wrong"`).
fn push_answer(
    push: &PushRequest,
    action: PushAction,
    number: NumberPick,
    shown: Option<u8>,
) -> anyhow::Result<PushAnswer> {
    if action != PushAction::Approve || push.number_choices.is_empty() {
        return Ok(match action {
            PushAction::Approve => PushAnswer::approve(None),
            PushAction::Deny => PushAnswer::deny(),
            PushAction::Block => PushAnswer::block(),
        });
    }
    let shown = shown.ok_or_else(|| anyhow!("the push asks for a number, but no waiting device showed one"))?;
    let picked = match number {
        NumberPick::Shown => shown,
        NumberPick::Wrong => *push
            .number_choices
            .iter()
            .find(|n| **n != shown)
            .ok_or_else(|| anyhow!("the push offers no other number"))?,
    };
    Ok(PushAnswer::approve(Some(picked)))
}

/// The step in words, for the report.
fn describe(step: &Step) -> String {
    let on = step.action.device().map(|d| format!("{d}: ")).unwrap_or_default();
    let detail = match &step.action {
        Action::Login { user, .. } => format!("login {user}"),
        Action::Choose { level, .. } => format!("choose {}", format!("{level:?}").to_uppercase()),
        Action::Pair { pair: true, .. } => "pair this device".into(),
        Action::Pair { pair: false, .. } => "continue without pairing".into(),
        Action::Answer { answer: PushChoice::Approve, number: NumberPick::Wrong, .. } => {
            "answer the push: APPROVE with the wrong number".into()
        }
        Action::Answer { answer, .. } => format!("answer the push: {}", format!("{answer:?}").to_uppercase()),
        Action::Poll { .. } => "poll".into(),
        Action::Otp { code: Some(code), .. } => format!("type passcode {code}"),
        Action::Otp { from: Some(from), .. } => format!("type the passcode from {from}"),
        Action::Otp { .. } => "type a passcode".into(),
        Action::Select { pick, .. } => format!("select {pick}"),
        Action::Retry { .. } => "send another request".into(),
        Action::Cancel { .. } => "cancel".into(),
        Action::Advance { seconds } => format!("advance the clock {seconds} s"),
        Action::Fault { fault, on } => format!("switch {fault} {}", if *on { "on" } else { "off" }),
        Action::Listen { .. } => "listen for pushes".into(),
        Action::Unpair { .. } => "unpair".into(),
    };
    format!("{on}{detail}")
}

/// A small stable number from a device name, so each device draws its own keys from the seed.
fn hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}
