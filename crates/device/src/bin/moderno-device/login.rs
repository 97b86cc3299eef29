//! `moderno-device login` (the customer server, PingID SDK) and `pf-login` (PingFederate with the
//! PingOne MFA adapter): one sign-in through the device crate's [`Login`], whichever backend runs
//! it. Every server answer is printed as it comes (`screen.rs`), and each step the login asks
//! for is answered from the flags, else asked on the terminal.

use std::time::{Duration, Instant};

use moderno_crypto::Secret;
use moderno_device::{AnswerWatch, Asked, Backend, DeviceError, Login, LoginError, LoginOptions, UserSelection};
use moderno_wire::device_api::IgnoreInterval;
use moderno_wire::payload::TrustLevel;
use serde_json::json;
use zeroize::Zeroizing;

use crate::choice::{describe, parse_interval, parse_level, selection};
use crate::output::Output;
use crate::prompt::{ask, flag_or_ask};
use crate::screen::{chosen_device, gave_up, show, show_answer};

#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    #[arg(long)]
    pub user: String,
    /// Asked on the terminal when absent.
    #[arg(long, env = "MODERNO_PASSWORD", hide_env_values = true, value_parser = crate::secret_arg)]
    pub password: Option<Secret<String>>,
    /// A manual pairing key for the user's first device (XXXX-XXXX-XXXX).
    #[arg(long)]
    pub pairing_key: Option<String>,
    /// The trust level to choose when the server offers pairing; asked when absent.
    #[arg(long, value_parser = parse_level)]
    pub trust: Option<TrustLevel>,
    /// With `--trust ignore`: 10m, 2h, 3d, 1w, 1mo, 1y or always.
    #[arg(long, value_parser = parse_interval)]
    pub ignore_for: Option<IgnoreInterval>,
    /// A nickname for this device when it pairs.
    #[arg(long)]
    pub nickname: Option<String>,
    /// The passcode shown on a trusted device, when the server asks for one.
    #[arg(long)]
    pub otp: Option<String>,
    /// The device that should approve, when the server asks to choose (id or list number).
    #[arg(long)]
    pub select_device: Option<String>,
    /// How long to wait for another device to approve a push.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub wait_push: u64,
}

#[derive(Debug, clap::Args)]
pub struct PfLoginArgs {
    /// PingFederate's base URL.
    #[arg(long, env = "PINGFEDERATE_URL", default_value = "http://127.0.0.1:9031")]
    pub pingfederate: url::Url,
    #[arg(long)]
    pub user: String,
    /// Asked on the terminal when absent.
    #[arg(long, env = "MODERNO_PASSWORD", hide_env_values = true, value_parser = crate::secret_arg)]
    pub password: Option<Secret<String>>,
    /// At MOBILE_PAIRING_REQUIRED, do not pair: continue at once (`device_not_paired`).
    #[arg(long)]
    pub skip_pairing: bool,
    /// The passcode for OTP_REQUIRED (asked when absent, and again after a wrong one).
    #[arg(long)]
    pub otp: Option<String>,
    /// The device for DEVICE_SELECTION_REQUIRED (list number or PingOne device id).
    #[arg(long)]
    pub select_device: Option<String>,
    /// Send this action once the password has passed, offered or not (poll,
    /// continueAuthentication, cancelAuthentication); repeat for several. A refusal is printed
    /// and the flow goes on.
    #[arg(long = "action", value_name = "ACTION_ID")]
    pub actions: Vec<String>,
    /// A web login: `authenticate` without this device's mobile payload.
    #[arg(long)]
    pub web: bool,
    /// How long to wait for the paired mobile to answer a push (polled once a second).
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub wait_push: u64,
}

/// One sign-in as the command line asks for it, whichever command (and backend) it came from.
#[derive(Debug, Default)]
pub struct SignIn {
    user: String,
    password: Option<Secret<String>>,
    pairing_key: Option<String>,
    trust: Option<TrustLevel>,
    ignore_for: Option<IgnoreInterval>,
    nickname: Option<String>,
    otp: Option<String>,
    select_device: Option<String>,
    /// False: answer a pairing offer with "go on without" (`--skip-pairing`).
    pair: bool,
    probes: Vec<String>,
    web: bool,
    wait_push: Duration,
}

impl From<LoginArgs> for SignIn {
    fn from(a: LoginArgs) -> Self {
        Self {
            user: a.user,
            password: a.password,
            pairing_key: a.pairing_key,
            trust: a.trust,
            ignore_for: a.ignore_for,
            nickname: a.nickname,
            otp: a.otp,
            select_device: a.select_device,
            pair: true,
            wait_push: Duration::from_secs(a.wait_push),
            ..Self::default()
        }
    }
}

impl From<PfLoginArgs> for SignIn {
    fn from(a: PfLoginArgs) -> Self {
        Self {
            user: a.user,
            password: a.password,
            otp: a.otp,
            select_device: a.select_device,
            pair: !a.skip_pairing,
            probes: a.actions,
            web: a.web,
            wait_push: Duration::from_secs(a.wait_push),
            ..Self::default()
        }
    }
}

/// Ok(true) when the login ends signed in.
pub async fn run(backend: Backend<'_>, out: &Output, mut args: SignIn) -> Result<bool, DeviceError> {
    let password = match args.password.take() {
        Some(p) => p,
        None => Secret::new(ask(out, "password:", "--password").await?),
    };
    let waiting = "(if another device of yours gets a push, answer it there)";
    out.step("signing_in", format!("signing in as {} ... {waiting}", args.user), json!({"user": args.user}));
    let printer = *out;
    let options = LoginOptions { web: args.web, answers: Some(AnswerWatch::new(move |a| show_answer(&printer, a))) };
    let (login, mut progress) =
        Login::start_with(backend, &args.user, password.expose(), args.pairing_key.take().as_deref(), options).await?;
    let Some(mut login) = login else {
        show(out, &progress, true);
        return Ok(progress.is_signed_in());
    };
    for action in std::mem::take(&mut args.probes) {
        match login.probe(backend, &action).await {
            Ok(next) => progress = next,
            // Printed as the server's answer; the flow is where it was.
            Err(LoginError::Device(DeviceError::PingFederate(_))) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut push_deadline: Option<Instant> = None;
    loop {
        let asked = progress.asked();
        let waiting = asked == Asked::WaitForPush;
        show(out, &progress, !waiting || push_deadline.is_none());
        if !waiting {
            push_deadline = None;
        }
        let next = match asked {
            Asked::Nothing => return Ok(progress.is_signed_in()),
            Asked::TrustLevel { levels } => {
                let choice = choose(out, &args, &levels).await?;
                login.choose(backend, choice, args.nickname.clone()).await
            }
            Asked::PairThisDevice => login.pair(backend, args.pair).await,
            Asked::PairingKey { invalid } => {
                let question = if invalid {
                    "that pairing key was refused; pairing key:"
                } else {
                    "pairing key (XXXX-XXXX-XXXX):"
                };
                let key = flag_or_ask(out, &mut args.pairing_key, question, "--pairing-key").await?;
                login.pairing_key(backend, &key).await
            }
            Asked::WaitForPush => {
                let deadline = *push_deadline.get_or_insert_with(|| Instant::now() + args.wait_push);
                if Instant::now() >= deadline {
                    login.cancel().await?;
                    gave_up(out, "gave up waiting for the push (--wait-push)");
                    return Ok(false);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                login.poll(backend).await
            }
            Asked::Passcode { attempts_left, retry } => {
                let question = match (retry, attempts_left) {
                    (true, Some(left)) => format!("wrong passcode, {left} tries left; passcode:"),
                    (true, None) => "wrong passcode; passcode:".to_string(),
                    _ => "passcode (from a trusted device, SMS, e-mail or authenticator app):".to_string(),
                };
                let otp = Zeroizing::new(flag_or_ask(out, &mut args.otp, &question, "--otp").await?);
                // With the PingID SDK's offline passcode: pair this device as TRUSTED once it
                // passes, when the server offers it (as Ping's Moderno apps do).
                login.otp(backend, &otp, true).await
            }
            Asked::PushUnanswered { passcode } => match args.otp.take().filter(|_| passcode) {
                Some(otp) => login.otp(backend, &Zeroizing::new(otp), true).await,
                None => {
                    login.cancel().await?;
                    let why = if passcode {
                        "the push was not answered; pass --otp with a passcode from a trusted device"
                    } else {
                        "the push was not approved"
                    };
                    gave_up(out, why);
                    return Ok(false);
                }
            },
            Asked::ChooseDevice { ids } => {
                let answer =
                    flag_or_ask(out, &mut args.select_device, "device (number or id):", "--select-device").await?;
                login.select_device(backend, &chosen_device(&answer, &ids)).await
            }
        };
        progress = next?;
    }
}

async fn choose(out: &Output, args: &SignIn, offered: &[TrustLevel]) -> Result<UserSelection, DeviceError> {
    if let Some(level) = args.trust {
        return selection(level, args.ignore_for);
    }
    for (i, level) in offered.iter().enumerate() {
        eprintln!("  {}. {}", i + 1, describe(*level));
    }
    let answer = ask(out, "trust level (number or name):", "--trust").await?;
    let level = match answer.parse::<usize>() {
        Ok(n) if (1..=offered.len()).contains(&n) => offered[n - 1],
        _ => parse_level(&answer).map_err(DeviceError::InvalidInput)?,
    };
    let interval = match (level, args.ignore_for) {
        (TrustLevel::Ignore, None) => {
            let text = ask(out, "ignore for (10m, 2h, 3d, 1w, 1mo, 1y, always):", "--ignore-for").await?;
            Some(parse_interval(&text).map_err(DeviceError::InvalidInput)?)
        }
        (_, interval) => interval,
    };
    selection(level, interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `login` and `pf-login`, parsed as clap parses the command line.
    #[derive(Debug, clap::Parser)]
    enum Commands {
        Login(LoginArgs),
        PfLogin(PfLoginArgs),
    }

    #[test]
    fn both_commands_make_one_sign_in_with_their_own_flags() {
        use clap::Parser as _;
        let Commands::Login(args) =
            Commands::try_parse_from(["x", "login", "--user", "alice", "--trust", "primary", "--wait-push", "5"])
                .expect("parsed")
        else {
            panic!("login")
        };
        let sign_in = SignIn::from(args);
        assert_eq!(
            (sign_in.user.as_str(), sign_in.trust, sign_in.pair, sign_in.web, sign_in.wait_push),
            ("alice", Some(TrustLevel::Primary), true, false, Duration::from_secs(5))
        );
        let parsed = Commands::try_parse_from([
            "x",
            "pf-login",
            "--user",
            "bob",
            "--skip-pairing",
            "--web",
            "--action",
            "poll",
            "--action",
            "cancelAuthentication",
        ])
        .expect("parsed");
        let Commands::PfLogin(args) = parsed else { panic!("pf-login") };
        let sign_in = SignIn::from(args);
        assert_eq!((sign_in.user.as_str(), sign_in.pair, sign_in.web), ("bob", false, true));
        assert_eq!(sign_in.probes, ["poll", "cancelAuthentication"]);
    }
}
