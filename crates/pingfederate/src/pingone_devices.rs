//! PingOne's devices as the adapter shows them to its own API clients (`MfaDevice`): the first
//! in PingOne's order is the default, a blocked one is not usable, and the name is what the
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
            usable: !d.is_blocked(),
            created_at: d.created_at.clone().unwrap_or_default(),
            device_fingerprint: None,
        })
        .collect()
}
