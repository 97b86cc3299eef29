//! The device's PingFederate + PingOne MFA personality (Ping's "device pairing flows" seed).
//!
//! - [`PfClient`] speaks PingFederate's authentication API in redirectless mode
//!   (`response_mode=pi.flow`): the flow cookie, `X-XSRF-Header`, one content type per action.
//! - [`PfLogin`] is one login: PKCE and `state`, the current flow, and at `COMPLETED` the code
//!   exchange with the tokens verified against `/pf/JWKS` ([`PfTokens`]).
//! - [`PfSession`] is one login as a window drives it: what needs no person is sent at once,
//!   and each answer is a [`PfProgress`], the screen to show next.
//! - [`pf_step`] reads a flow into a [`PfStep`] the CLI and the UI branch on.
//! - [`PingOneDevice`] is the PingOne MFA side of the SDK component: the mobile payload, the
//!   PingOne ID token of MOBILE_PAIRING_REQUIRED processed and its pairing approved over PingOne's
//!   device API, pushes, and passcodes.
//!
//! One profile, one device key: the PingOne pairing is kept in its own key-store entry
//! `<profile>.pingone` (a [`crate::StoredIdentity`] naming PingOne's device API) next to the PingID
//! SDK pairing in `<profile>`; a TOTP authenticator is `<profile>.pingone-totp`. See `docs/device.md`.

mod action;
mod authn_client;
mod device_api;
mod login;
mod pairing_token;
mod pingone_device;
mod session;
mod step;
mod token;
mod totp_authenticator;

pub use crate::error::ServiceError;
pub use action::PfAction;
pub use authn_client::{PfClient, CLIENT_ID, REDIRECT_URI};
pub use login::PfLogin;
pub use pingone_device::{PingOneDevice, PingOnePairing};
pub use session::{PairingAttempt, PfProgress, PfSession};
pub use step::{pf_step, PfStep};
pub use token::{verify_jwt, PfTokens};
pub(crate) use totp_authenticator::decode_base32_secret;
pub use totp_authenticator::TotpAuthenticator;
