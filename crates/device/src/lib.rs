//! The SDK component of the Moderno desktop app, with no Tauri in it.
//!
//! [`Backend`] names the backend a front end signs in with (the PingID SDK's customer server or
//! PingFederate with PingOne MFA) and answers pushes there; [`Login`] is one sign-in on it, step
//! by step, each step answered by a [`Progress`] (what it [`Asked`], for a front end that answers
//! by rule; every [`ServerAnswer`] on the way to an [`AnswerWatch`], for one that shows the wire).
//! Beneath them:
//! [`Device`] is the facade: it keeps the device key in the OS keyring ([`KeyringStore`]), makes
//! mobile payloads, reads server payloads into a [`FlowState`], completes pairing directly with
//! the PingID SDK server ([`SdkDeviceClient`]), answers pushes, hears when the user's devices
//! change ([`notice_text`]) and shows the offline passcode.
//! [`ModernoClient`] speaks to the customer server; [`next_step`] reads its answers; [`transfer`]
//! sends money that the user's trusted device approves ([`TransferSession`] step by step), and
//! [`PushContext`] reads what a push asks to approve. The
//! `moderno-device` binary drives all of it from a terminal. See `docs/device.md`.

mod asked;
mod backend;
mod device;
mod device_actions;
mod error;
mod error_code;
mod flow;
mod identity;
mod key_store;
mod keyring_store;
mod login;
mod login_session;
mod login_step;
mod mobile_payload;
mod moderno_client;
mod notice_text;
pub mod pingfederate;
mod push_context;
mod push_result;
mod sdk_device_client;
mod server_answer;
pub mod transfer;
mod transfer_session;
mod transport;

pub use asked::Asked;
pub use backend::{Backend, OfflinePasscode, Pairing, PushReply, MAX_PUSH_WAIT};
pub use device::{Device, DeviceOptions, MAX_NICKNAME_CHARS};
pub use device_actions::{device_actions, DeviceActions};
pub use error::{DeviceError, ErrorView, SdkError};
pub use error_code::DeviceCode;
pub use flow::{FlowState, UserSelection};
pub use identity::{DeviceDescription, DeviceIdentity};
pub use key_store::{AsyncKeyStore, KeyStore, KeyStoreError, MemoryKeyStore, StoredIdentity, KEY_STORE_TIMEOUT};
pub use keyring_store::{KeyringStore, KEYRING_SERVICE};
pub use login::{Login, LoginError, LoginOptions, Progress};
pub use login_session::{LoginProgress, LoginSession};
pub use login_step::{next_step, LoginStep};
pub use mobile_payload::generate_payload;
pub use moderno_client::ModernoClient;
pub use notice_text::notice_text;
pub use push_context::PushContext;
pub use push_result::PushResult;
pub use sdk_device_client::{SdkDeviceClient, MAX_WAIT_SECONDS};
pub use server_answer::{AnswerWatch, ServerAnswer};
pub use transfer::{PendingTransfer, TransferOrder, TransferOutcome};
pub use transfer_session::{SignedInUser, TransferProgress, TransferSession};
pub use transport::http_client;
