//! `moderno-device pf-otp`: the code of this profile's TOTP authenticator for PingOne MFA, or
//! (`--import`) keeps the secret PingOne showed when the TOTP device was created.

use moderno_device::pingfederate::{PingOneDevice, TotpAuthenticator};
use moderno_device::DeviceError;
use serde_json::json;
use zeroize::Zeroizing;

use crate::output::Output;
use crate::prompt::ask;

#[derive(Debug, clap::Args)]
pub struct PfOtpArgs {
    /// Read a TOTP secret (base32, as PingOne's `POST .../devices {type: TOTP}` answered it) from
    /// stdin and keep it in the keyring for this profile.
    #[arg(long, requires = "user")]
    pub import: bool,
    /// With --import: the user the TOTP device belongs to.
    #[arg(long)]
    pub user: Option<String>,
    /// With --import: PingOne's id of the TOTP device.
    #[arg(long)]
    pub device_id: Option<String>,
}

pub async fn run(pingone: &PingOneDevice, out: &Output, args: PfOtpArgs) -> Result<bool, DeviceError> {
    if args.import {
        let secret = Zeroizing::new(ask(out, "TOTP secret (base32):", "the secret on stdin").await?);
        let user = args.user.unwrap_or_default();
        pingone.add_totp(TotpAuthenticator::from_base32(&secret, &user, args.device_id)?).await?;
        out.step("totp_imported", format!("TOTP authenticator for {user} kept"), json!({"user": user}));
    }
    let code = pingone.totp_code().ok_or_else(|| {
        DeviceError::InvalidInput(
            "this profile holds no TOTP authenticator: add one with pf-otp --import --user U".into(),
        )
    })?;
    out.step("otp", format!("TOTP code: {code}"), json!({"otp": code}));
    Ok(true)
}
