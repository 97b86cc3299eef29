//! PingOne's devices as the adapter shows them to its own API clients (`MfaDevice`, then
//! `adapter_device` for the adapter's device object): the first in PingOne's order is the
//! default, a blocked or locked one is not usable, and the name is what the
//! device is (the phone number or e-mail address as PingOne gave it, masked when it came from a
//! device authentication; a mobile device's model name).

use moderno_wire::pingone::{Device, MfaDevice, MfaDeviceStatus, MfaDeviceType};

pub fn adapter_devices(devices: &[Device]) -> Vec<MfaDevice> {
    devices
        .iter()
        .enumerate()
        .map(|(i, d)| MfaDevice {
            id: d.id.clone(),
            device_type: d.device_type,
            status: if d.is_blocked() { MfaDeviceStatus::Blocked } else { MfaDeviceStatus::Active },
            name: match d.device_type {
                MfaDeviceType::Sms => d.phone.clone(),
                MfaDeviceType::Email => d.email.clone(),
                MfaDeviceType::Mobile => d.model.as_ref().map(|m| m.marketing_name.clone()),
                MfaDeviceType::Totp => Some("Authenticator app".into()),
            }
            .unwrap_or_default(),
            nickname: d.nickname.clone(),
            order: u32::try_from(i).unwrap_or(u32::MAX),
            default: i == 0,
            // Locked after wrong passcodes (`lock.status`, until `lock.expiresAt`): not usable now.
            usable: !d.is_blocked() && d.lock.status != "LOCKED",
            created_at: d.created_at.clone().unwrap_or_default(),
            device_fingerprint: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blocked_or_locked_device_is_not_usable() {
        let device = |lock: &str, block: &str| -> Device {
            serde_json::from_value(serde_json::json!({
                "id": "d1", "type": "SMS", "status": "ACTIVE", "phone": "+15550100",
                "lock": {"status": lock}, "block": {"status": block},
            }))
            .expect("a PingOne device")
        };
        let shown = adapter_devices(&[
            device("UNLOCKED", "UNBLOCKED"),
            device("LOCKED", "UNBLOCKED"),
            device("UNLOCKED", "BLOCKED"),
        ]);
        assert_eq!(shown.iter().map(|d| d.usable).collect::<Vec<_>>(), [true, false, false]);
        assert!(shown[0].default && !shown[1].default);
    }
}
