//! `moderno-device`: the SDK component on the command line, for QA, automation and the
//! two-terminal demo. See `docs/device.md`.

mod approve;
mod choice;
mod login;
mod long_poll;
mod output;
mod pf_otp;
mod prompt;
mod screen;
mod transfer;

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use moderno_ambient::{Clock, Entropy};
use moderno_device::pingfederate::{PfClient, PingOneDevice};
use moderno_device::{
    http_client, Backend, Device, DeviceDescription, DeviceError, DeviceOptions, KeyStore, KeyringStore, MemoryKeyStore,
};
use serde_json::json;
use url::Url;

use crate::output::Output;

/// A server's address on the command line: an http(s) URL with a host (`localhost:7002` parses
/// as a URL of scheme `localhost`, and is refused here, at start, as bad usage).
fn server_url(text: &str) -> Result<Url, String> {
    moderno_ambient::http_url(text).ok_or_else(|| format!("{text:?} is not an http(s) URL with a host"))
}

#[derive(Debug, Parser)]
#[command(name = "moderno-device", version, about = "The Moderno desktop SDK component, on the command line")]
struct Cli {
    /// Which device identity to use; each profile is its own device (its own keyring entry).
    #[arg(long, global = true, env = "MODERNO_PROFILE", default_value = "default")]
    profile: String,
    /// Where the device key lives. `memory` keeps nothing after the command ends (tests only).
    #[arg(long, global = true, value_enum, default_value_t = StoreKind::Keyring)]
    store: StoreKind,
    /// The customer server (Moderno backend).
    #[arg(long, global = true, env = "MODERNO_SERVER", default_value = "http://127.0.0.1:7002", value_parser = server_url)]
    server: Url,
    /// Trust only server payloads naming this SDK device API (e.g. http://127.0.0.1:7001/pingid/v1/device).
    #[arg(long, global = true, env = "MODERNO_DEVICE_API", value_parser = server_url)]
    device_api: Option<Url>,
    /// Say the device is rooted (QA: exercises the servers' rooted-device rules).
    #[arg(long, global = true, hide = true)]
    rooted: bool,
    /// One JSON object per step on stdout.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StoreKind {
    Keyring,
    Memory,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign in (first factor, then pairing, push, passcode or device selection as the server asks).
    Login(login::LoginArgs),
    /// Answer push requests sent to this device.
    Approve(approve::ApproveArgs),
    /// Print the current offline passcode.
    Otp,
    /// This device's state and the user's devices.
    Status,
    /// Unpair this device and forget its key.
    Unpair,
    /// Sign in through PingFederate (PingOne MFA adapter), printing each flow state as it comes.
    PfLogin(login::PfLoginArgs),
    /// Answer PingOne MFA pushes sent to this profile's paired device.
    PfApprove(PfApproveArgs),
    /// Print this profile's PingOne TOTP code (or import the authenticator's secret).
    PfOtp(pf_otp::PfOtpArgs),
    /// Send money: the user's trusted (primary) device approves it, or gives its passcode offline.
    Transfer(transfer::TransferArgs),
}

/// A password or token from the command line, kept out of `Debug` (clap's and this binary's).
fn secret_arg(text: &str) -> Result<moderno_crypto::Secret<String>, std::convert::Infallible> {
    Ok(moderno_crypto::Secret::from(text))
}

#[derive(Debug, clap::Args)]
struct PfApproveArgs {
    /// PingFederate's base URL (the backend this device's PingOne pairing came through; the
    /// pushes come from PingOne MFA).
    #[arg(long, env = "PINGFEDERATE_URL", default_value = "http://127.0.0.1:9031", value_parser = server_url)]
    pingfederate: Url,
    #[command(flatten)]
    approve: approve::ApproveArgs,
}

/// This device at PingFederate with PingOne MFA: a client for PingFederate's authentication
/// API (one per command), the device's PingOne personality, and the clock and entropy a login
/// draws from.
struct PingFederateSide {
    client: Arc<PfClient>,
    pingone: PingOneDevice,
    clock: Clock,
    entropy: Entropy,
}

impl PingFederateSide {
    async fn open(device: &Device, store: &Arc<dyn KeyStore>, pingfederate: &Url) -> Result<Self, DeviceError> {
        let client = Arc::new(PfClient::new(http_client()?, pingfederate.as_str())?);
        let pingone = PingOneDevice::open(device, Arc::clone(store), Clock::system(), Entropy::from_os()).await?;
        Ok(Self { client, pingone, clock: Clock::system(), entropy: Entropy::from_os() })
    }

    fn backend(&self) -> Backend<'_> {
        Backend::PingFederate {
            client: &self.client,
            pingone: &self.pingone,
            clock: &self.clock,
            entropy: &self.entropy,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let out = Output { json: cli.json };
    match run(cli, &out).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            out.error(&error);
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, out: &Output) -> Result<bool, DeviceError> {
    let store: Arc<dyn KeyStore> = match cli.store {
        StoreKind::Keyring => Arc::new(KeyringStore::new()),
        StoreKind::Memory => Arc::new(MemoryKeyStore::new()),
    };
    let options = DeviceOptions {
        device_api_url: cli.device_api.clone(),
        description: DeviceDescription { rooted: cli.rooted, ..DeviceDescription::of_this_computer() },
        ..DeviceOptions::default()
    };
    let device =
        Device::open_with(&cli.profile, Arc::clone(&store), Clock::system(), Entropy::from_os(), options).await?;
    let pingone = || PingOneDevice::open(&device, Arc::clone(&store), Clock::system(), Entropy::from_os());
    let customer_server = Backend::PingidSdk { device: &device, server_url: cli.server.as_str() };
    match cli.command {
        Command::Login(args) => login::run(customer_server, out, args.into()).await,
        Command::Approve(args) => approve::run(customer_server, device.profile(), out, &args).await,
        Command::Otp => otp(&device, out),
        Command::Status => status(&device, out).await,
        Command::Unpair => {
            device.unpair().await?;
            out.step("unpaired", format!("profile {} unpaired; its key is forgotten", device.profile()), json!({}));
            Ok(true)
        }
        Command::PfLogin(args) => {
            let side = PingFederateSide::open(&device, &store, &args.pingfederate).await?;
            login::run(side.backend(), out, args.into()).await
        }
        Command::PfApprove(args) => {
            let side = PingFederateSide::open(&device, &store, &args.pingfederate).await?;
            approve::run(side.backend(), device.profile(), out, &args.approve).await
        }
        Command::PfOtp(args) => pf_otp::run(&pingone().await?, out, args).await,
        Command::Transfer(args) => {
            let client = device.moderno_client(cli.server.as_str())?;
            transfer::run(&device, &client, out, args).await
        }
    }
}

fn otp(device: &Device, out: &Output) -> Result<bool, DeviceError> {
    let code = device.offline_otp().ok_or_else(|| DeviceError::NotPaired { profile: device.profile().into() })?;
    out.step("otp", format!("offline passcode: {code}"), json!({"otp": code}));
    Ok(true)
}

async fn status(device: &Device, out: &Output) -> Result<bool, DeviceError> {
    let identity = device.identity();
    let state = device.state().await?;
    out.step(
        "status",
        format!("profile {} is {}'s device {} ({:?}), fingerprint {}", device.profile(), state.username, state.device.id, state.device.device_role, identity.fingerprint()),
        json!({"profile": device.profile(), "user": state.username, "device": state.device, "fingerprint": identity.fingerprint()}),
    );
    for d in &state.user_devices {
        let this = if d.id == state.device.id { " (this device)" } else { "" };
        let nickname = if d.device_nickname.is_empty() { String::new() } else { format!(" \"{}\"", d.device_nickname) };
        out.step(
            "user_device",
            format!(
                "  {}{nickname} {:?} {:?} id {} since {}{this}",
                d.device_name, d.device_type, d.device_role, d.id, d.enrollment_time
            ),
            serde_json::to_value(d).unwrap_or_default(),
        );
    }
    Ok(true)
}
