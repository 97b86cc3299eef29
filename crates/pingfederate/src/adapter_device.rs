//! The user's devices as the PingOne MFA adapter shows them to PingFederate's API clients
//! ([`AdapterDevice`]), from PingOne's devices as PingFederate's PingOne client reads them: Ping's
//! type names (`SMS`, `Email`, `TOTP`, `iPhone`, `Android`), the phone number or e-mail address
//! masked in `target`, a mobile app's name in `name`, `defaultDevice` for the first in PingOne's
//! order, `usable` unless blocked, `pushEnabled` for the mobile apps.
//!
//! Sources: PingOne MFA integration kit, Models, objects, and error codes
//! (https://docs.pingidentity.com/integrations/pingone/pingone_mfa_integration_kit/pf-p1-mfa-ik-models-objects-and-error-codes.html);
//! `pingidentity/pingone-mobile-sdk-android` `PingAuthenticationCore/.../models/Device.java`;
//! Ping's widget `pingidentity/pf-authn-js-widget:src/partials/device_selection.hbs` (which
//! fields it shows for which type: `name` for iPhone and Android, `target` for the others).

use moderno_wire::pingfederate::{AdapterDevice, AdapterDeviceType};
use moderno_wire::pingone::{MfaDevice, MfaDeviceType};

pub fn adapter_devices(devices: &[MfaDevice]) -> Vec<AdapterDevice> {
    devices.iter().map(adapter_device).collect()
}

pub fn adapter_device(device: &MfaDevice) -> AdapterDevice {
    let device_type = adapter_type(device);
    let known = Some(device.name.as_str()).filter(|n| !n.is_empty());
    let target = match device.device_type {
        MfaDeviceType::Sms => known.map(mask_phone),
        MfaDeviceType::Email => known.map(mask_email),
        MfaDeviceType::Mobile | MfaDeviceType::Totp => None,
    };
    AdapterDevice {
        id: device.id.clone(),
        device_type,
        target,
        name: known.map(str::to_string).filter(|_| device_type.is_mobile_app()),
        nickname: device.nickname.clone(),
        default_device: device.default,
        usable: device.usable,
        push_enabled: device_type.is_mobile_app(),
    }
}

/// A mobile app is `iPhone` when its name says Apple's, else `Android` (the emulated apps, the
/// desktop app among them, run one SDK protocol; Ping's widget shows both alike).
fn adapter_type(device: &MfaDevice) -> AdapterDeviceType {
    match device.device_type {
        MfaDeviceType::Sms => AdapterDeviceType::Sms,
        MfaDeviceType::Email => AdapterDeviceType::Email,
        MfaDeviceType::Totp => AdapterDeviceType::Totp,
        MfaDeviceType::Mobile => {
            let name = device.name.to_ascii_lowercase();
            if name.starts_with("iphone") || name.starts_with("ipad") {
                AdapterDeviceType::IPhone
            } else {
                AdapterDeviceType::Android
            }
        }
    }
}

/// `+1 555 0100` -> `******0100`: the last four digits (also from a number PingOne masked its own
/// way, as in a device authentication's devices).
fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let last: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("******{last}")
}

/// `dave@example.com` -> `d***@example.com` (also from an address PingOne masked its own way).
fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn device(device_type: &str, name: &str, default: bool) -> MfaDevice {
        serde_json::from_value(json!({
            "id": "d1", "type": device_type, "status": "ACTIVE", "name": name, "order": 0,
            "default": default, "usable": true, "createdAt": "2026-01-01T00:00:00Z",
        }))
        .expect("a device")
    }

    #[test]
    fn each_device_gets_pings_adapter_type_and_a_masked_target() {
        let email = MfaDevice { nickname: Some("Work".into()), ..device("EMAIL", "dave@example.com", false) };
        let devices = [
            device("SMS", "+1 555 0100", true),
            email,
            device("MOBILE", "Alice's laptop", false),
            device("MOBILE", "iPhone 15", false),
            device("TOTP", "", false),
        ];
        let shown = serde_json::to_value(adapter_devices(&devices)).expect("serializes");
        assert_eq!(
            shown[0],
            json!({"id": "d1", "type": "SMS", "target": "******0100", "defaultDevice": true, "usable": true, "pushEnabled": false})
        );
        assert_eq!(
            shown[1],
            json!({"id": "d1", "type": "Email", "target": "d***@example.com", "nickname": "Work", "defaultDevice": false, "usable": true, "pushEnabled": false})
        );
        assert_eq!(
            shown[2],
            json!({"id": "d1", "type": "Android", "name": "Alice's laptop", "defaultDevice": false, "usable": true, "pushEnabled": true})
        );
        assert_eq!(shown[3]["type"], "iPhone");
        assert_eq!(
            shown[4],
            json!({"id": "d1", "type": "TOTP", "defaultDevice": false, "usable": true, "pushEnabled": false})
        );
        let text = shown.to_string();
        assert!(!text.contains("555 0100") && !text.contains("dave@"), "no full phone number or address: {text}");
    }

    #[test]
    fn a_target_pingone_masked_its_own_way_reads_the_same() {
        assert_eq!(mask_phone("+1 ***-***-0100"), "******0100");
        assert_eq!(mask_email("d*****@example.com"), "d***@example.com");
        assert_eq!(mask_phone("12"), "******12");
        assert_eq!(mask_email("nobody"), "***");
    }
}
