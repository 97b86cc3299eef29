//! What this device may do to each of its user's devices, as the SDK server's device API will
//! accept it (`/device/devices/{id}`), so a front end offers only those: any device renames any;
//! the primary hands its role over and removes others; a trusted device may take the primary
//! role for itself (the server then also asks that it signed in within the last five minutes).

use moderno_wire::sdk::{Device, DeviceRole};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceActions {
    pub rename: bool,
    pub make_primary: bool,
    pub remove: bool,
}

/// What `me` may do to `target` (both of the same user).
pub fn device_actions(me: &Device, target: &Device) -> DeviceActions {
    let is_me = me.id == target.id;
    let primary = me.device_role == DeviceRole::Primary;
    DeviceActions {
        rename: true,
        make_primary: target.device_role != DeviceRole::Primary && (primary || is_me),
        remove: primary && !is_me,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str, role: DeviceRole) -> Device {
        serde_json::from_value(serde_json::json!({
            "id": id, "deviceType": "Desktop", "deviceFingerprint": id, "deviceName": id, "deviceRole": role,
            "enrollmentTime": "2030-01-01T00:00:00Z", "applicationId": "moderno-app"
        }))
        .expect("a device")
    }

    #[test]
    fn the_primary_manages_others_and_a_trusted_device_only_renames_or_takes_the_role_itself() {
        let (primary, phone, tablet) =
            (device("p", DeviceRole::Primary), device("a", DeviceRole::Trusted), device("b", DeviceRole::Trusted));
        assert_eq!(device_actions(&primary, &phone), DeviceActions { rename: true, make_primary: true, remove: true });
        assert_eq!(
            device_actions(&primary, &primary),
            DeviceActions { rename: true, make_primary: false, remove: false }
        );
        assert_eq!(device_actions(&phone, &tablet), DeviceActions { rename: true, make_primary: false, remove: false });
        assert_eq!(device_actions(&phone, &phone), DeviceActions { rename: true, make_primary: true, remove: false });
        assert_eq!(
            device_actions(&phone, &primary),
            DeviceActions { rename: true, make_primary: false, remove: false }
        );
    }
}
