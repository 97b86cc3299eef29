//! How a device notice reads to the user, e.g.
//! `alice's devices: 'Moderno Desktop on vm' (Desktop) was added as TRUSTED`.

use moderno_wire::device_api::{DeviceNotice, DeviceNoticeKind};
use serde::Serialize;

/// The wire spelling of an enum (`Desktop`, `iPhone`, `TRUSTED`).
fn spelling<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::from("?"),
    }
}

/// One line for a notice about `username`'s devices.
pub fn notice_text(username: &str, notice: &DeviceNotice) -> String {
    let device = &notice.device;
    let change = match (notice.kind, device.device_role) {
        (DeviceNoticeKind::DeviceAdded, Some(role)) => format!("was added as {}", spelling(&role)),
        (DeviceNoticeKind::DeviceAdded, None) => "was added".to_string(),
        (DeviceNoticeKind::DeviceRemoved, _) => "was removed".to_string(),
    };
    format!("{username}'s devices: '{}' ({}) {change}", device.device_name, spelling(&device.device_type))
}

#[cfg(test)]
mod tests {
    use moderno_wire::device_api::NoticeDevice;
    use moderno_wire::sdk::{DeviceRole, DeviceType};

    use super::*;

    fn notice(kind: DeviceNoticeKind, role: Option<DeviceRole>) -> DeviceNotice {
        DeviceNotice {
            id: "n1".into(),
            kind,
            device: NoticeDevice {
                device_name: "Moderno Desktop on vm".into(),
                device_type: DeviceType::Desktop,
                device_role: role,
            },
            at: "2030-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn an_added_device_reads_with_its_name_type_and_role() {
        let text = notice_text("alice", &notice(DeviceNoticeKind::DeviceAdded, Some(DeviceRole::Trusted)));
        assert_eq!(text, "alice's devices: 'Moderno Desktop on vm' (Desktop) was added as TRUSTED");
    }

    #[test]
    fn a_removed_device_reads_without_its_role() {
        let text = notice_text("bob", &notice(DeviceNoticeKind::DeviceRemoved, Some(DeviceRole::Primary)));
        assert_eq!(text, "bob's devices: 'Moderno Desktop on vm' (Desktop) was removed");
    }
}
