//! "Notify the user's other devices when a device is added or removed" (security numbers):
//! pairing and unpairing queue a notice for each of the user's other devices in the same
//! transaction, and wake their notice long polls once it has committed (this instance's directly,
//! other instances' through the database, `wake::NOTICES`).

use moderno_ambient::Entropy;
use moderno_sql::Conn;
use moderno_wire::device_api::{DeviceNotice, DeviceNoticeKind, NoticeDevice};

use crate::state::SdkState;
use crate::store::devices::{self, DeviceRow};
use crate::store::notices;
use crate::timestamps::rfc3339;
use crate::wake;

/// Whose notice long polls a change wakes: every device of one user in one application.
pub fn user_key(application_id: &str, username: &str) -> String {
    format!("{application_id}\n{username}")
}

/// Queues a notice about `changed` for each of the user's devices other than it.
fn tell_others(
    tx: &Conn<'_>,
    entropy: &Entropy,
    changed: &DeviceRow,
    kind: DeviceNoticeKind,
    now_ms: i64,
) -> moderno_sql::Result<()> {
    let device = NoticeDevice {
        device_name: changed.name.clone(),
        device_type: changed.device_type,
        device_role: Some(changed.role),
    };
    for other in devices::of_user(tx, &changed.username, &changed.application_id)?.iter().filter(|d| d.id != changed.id)
    {
        let notice = DeviceNotice { id: entropy.uuid(), kind, device: device.clone(), at: rfc3339(now_ms) };
        notices::queue(tx, &other.id, &notice, now_ms)?;
    }
    tx.notify(wake::NOTICES, &user_key(&changed.application_id, &changed.username))
}

/// In the pairing transaction, once `device` is inserted.
pub fn added(tx: &Conn<'_>, entropy: &Entropy, device: &DeviceRow, now_ms: i64) -> moderno_sql::Result<()> {
    tell_others(tx, entropy, device, DeviceNoticeKind::DeviceAdded, now_ms)
}

/// Unpairs `device`: removes it and what was queued for it, and tells the user's other devices.
pub fn unpair(tx: &Conn<'_>, entropy: &Entropy, device: &DeviceRow, now_ms: i64) -> moderno_sql::Result<()> {
    devices::delete(tx, &device.id)?;
    notices::forget_recipient(tx, &device.id)?;
    tell_others(tx, entropy, device, DeviceNoticeKind::DeviceRemoved, now_ms)
}

/// After the transaction committed: wakes the user's devices waiting for notices.
pub fn wake(state: &SdkState, application_id: &str, username: &str) {
    state.notices.notify(&user_key(application_id, username));
}

/// After an unpairing committed: the user's other devices hear of it.
pub fn after_unpair(state: &SdkState, device: &DeviceRow) {
    wake(state, &device.application_id, &device.username);
}
