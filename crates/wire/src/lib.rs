//! Wire types shared by every Moderno crate.
//!
//! Three protocols meet here, each in its own module:
//! - [`sdk`]: the PingID SDK server API that a customer server calls (signed with PINGID-HMAC);
//! - [`device_api`]: the device-facing side of the SDK server that the SDK component calls directly
//!   (signed with the device key);
//! - [`moderno`]: the Moderno customer-server protocol between the app and its backend;
//! - [`payload`]: the claims inside the opaque mobile payload and server payload;
//! - [`pingone`] and [`pingfederate`]: the emulated PingOne MFA service and PingFederate's
//!   authentication API with the PingOne MFA adapter.
//!
//! The crate holds data only: serde derives, no I/O, no crypto.

pub mod admin;
pub mod device_api;
pub mod moderno;
pub mod payload;
pub mod pingfederate;
pub mod pingone;
pub mod sdk;
