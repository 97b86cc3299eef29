//! What a step led to, as a small JSON summary a scenario's `expect` is checked against: the
//! screen the app would show (the same names as the desktop app's `LoginView`) and the facts on it.

use std::collections::BTreeMap;

use moderno_device::pingfederate::{PairingAttempt, PfProgress};
use moderno_device::{DeviceError, LoginProgress};
use moderno_wire::payload::GrantedAccess;
use moderno_wire::pingfederate::{AdapterDevice, AdapterDeviceType};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// A summary, and the devices it offers to choose from (id, what a person would pick it by).
pub struct Shown {
    pub summary: Value,
    pub choices: Vec<(String, Vec<String>)>,
}

impl Shown {
    pub fn note(summary: Value) -> Self {
        Self { summary, choices: vec![] }
    }
}

fn name_of(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

pub fn moderno(progress: LoginProgress) -> Shown {
    let mut choices = vec![];
    let summary = match progress {
        LoginProgress::ChooseTrustLevel { levels, mfa, .. } => {
            json!({"screen": "CHOOSE_TRUST_LEVEL", "levels": name_of(&levels), "mfa": name_of(&mfa)})
        }
        LoginProgress::PairingKeyNeeded { invalid } => json!({"screen": "PAIRING_KEY", "invalid": invalid}),
        LoginProgress::WaitForPush { match_number, .. } => json!({"screen": "WAIT_FOR_PUSH", "number": match_number}),
        LoginProgress::EnterOtp { attempts_left, retry } => {
            json!({"screen": "ENTER_OTP", "retry": retry, "attempts_left": attempts_left})
        }
        LoginProgress::PushTimedOut => json!({"screen": "PUSH_TIMED_OUT"}),
        LoginProgress::ChooseDevice { devices } => {
            choices = devices
                .iter()
                .map(|d| (d.id.clone(), vec![d.device_nickname.clone(), d.device_name.clone()]))
                .collect();
            let names: Vec<&str> = devices
                .iter()
                .map(|d| if d.device_nickname.is_empty() { d.device_name.as_str() } else { d.device_nickname.as_str() })
                .collect();
            json!({"screen": "CHOOSE_DEVICE", "devices": names})
        }
        LoginProgress::SignedIn { username, mfa, role, pairing, granted } => json!({
            "screen": "SIGNED_IN",
            "user": username,
            "mfa": name_of(&mfa),
            "role": name_of(&role.or(pairing.as_ref().and_then(|p| p.device_role))),
            "pairing": name_of(&pairing.map(|p| p.outcome)),
            "granted": granted.as_ref().map_or(Value::Null, |g| match g {
                GrantedAccess::OneTime => json!("ONE_TIME"),
                GrantedAccess::Ignored { .. } => json!("IGNORED"),
            }),
        }),
        LoginProgress::Refused { status, description } => {
            json!({"screen": "REFUSED", "status": status, "description": description})
        }
    };
    Shown { summary, choices }
}

pub fn pingfederate(progress: PfProgress) -> Shown {
    let kind =
        |d: &Option<AdapterDevice>| d.as_ref().map(|d| json!(pingone_kind(d.device_type))).unwrap_or(Value::Null);
    let mut choices = vec![];
    let summary = match progress {
        PfProgress::PairThisDevice { additional, .. } => {
            json!({"screen": "PAIR_THIS_DEVICE", "additional": additional})
        }
        PfProgress::WaitForPush { device, match_number, .. } => {
            json!({"screen": "WAIT_FOR_PUSH", "device_type": kind(&device), "number": match_number})
        }
        PfProgress::EnterOtp { device, attempts_left, retry } => {
            json!({"screen": "ENTER_OTP", "device_type": kind(&device), "retry": retry, "attempts_left": attempts_left})
        }
        PfProgress::ChooseDevice { devices } => {
            choices = devices
                .iter()
                .map(|d| {
                    let shown = d.target.clone().or_else(|| d.name.clone()).unwrap_or_default();
                    (
                        d.id.clone(),
                        vec![d.nickname.clone().unwrap_or_default(), shown, pingone_kind(d.device_type).to_string()],
                    )
                })
                .collect();
            let names: Vec<String> = devices
                .iter()
                .map(|d| d.nickname.clone().or_else(|| d.target.clone()).or_else(|| d.name.clone()).unwrap_or_default())
                .collect();
            json!({"screen": "CHOOSE_DEVICE", "devices": names})
        }
        PfProgress::PushDenied { .. } => json!({"screen": "PUSH_DENIED"}),
        PfProgress::PushTimedOut { .. } => json!({"screen": "PUSH_TIMED_OUT"}),
        PfProgress::SignedIn { username, mfa_status, pairing, .. } => {
            // No role: PingOne devices have none (the SDK approves a pairing object, no trust level).
            let pairing = match pairing {
                PairingAttempt::NotOffered => "NOT_OFFERED",
                PairingAttempt::Paired(_) => "PAIRED",
                PairingAttempt::Skipped => "SKIPPED",
                PairingAttempt::Failed { .. } => "FAILED",
            };
            json!({"screen": "SIGNED_IN", "user": username, "mfa_status": mfa_status, "pairing": pairing})
        }
        PfProgress::Refused { code, message } => json!({"screen": "REFUSED", "code": code, "description": message}),
    };
    Shown { summary, choices }
}

/// The PingOne device type behind the adapter's (scenario files name PingOne's: `MOBILE`, `EMAIL`).
fn pingone_kind(device_type: AdapterDeviceType) -> &'static str {
    match device_type {
        AdapterDeviceType::IPhone | AdapterDeviceType::Android => "MOBILE",
        AdapterDeviceType::Email => "EMAIL",
        AdapterDeviceType::Voice => "VOICE",
        other => other.as_str(),
    }
}

/// A refusal before any screen (bad input, a server's error): its stable code.
pub fn error(error: &DeviceError) -> Value {
    let service = error.service().map(|s| s.code.clone());
    json!({"screen": "ERROR", "code": error.code(), "service_code": service, "message": error.to_string()})
}

/// Why `shown` does not show what `expect` asks for; `None` when it does.
pub fn mismatch(shown: &Value, expect: &BTreeMap<String, toml::Value>) -> Option<String> {
    let shown_map = shown.as_object().cloned().unwrap_or_else(Map::new);
    let problems: Vec<String> = expect
        .iter()
        .filter_map(|(key, wanted)| {
            let wanted = serde_json::to_value(wanted).unwrap_or(Value::Null);
            let actual = shown_map.get(key).cloned().unwrap_or(Value::Null);
            (actual != wanted).then(|| format!("{key}: expected {wanted}, shown {actual}"))
        })
        .collect();
    (!problems.is_empty()).then(|| problems.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_expected_keys_are_compared_and_each_difference_is_named() {
        let shown = json!({"screen": "ENTER_OTP", "retry": true, "attempts_left": 2});
        let mut expect = BTreeMap::new();
        expect.insert("screen".to_string(), toml::Value::String("ENTER_OTP".into()));
        assert_eq!(mismatch(&shown, &expect), None);
        expect.insert("attempts_left".to_string(), toml::Value::Integer(1));
        expect.insert("mfa".to_string(), toml::Value::String("OFFLINE_OTP".into()));
        let problem = mismatch(&shown, &expect).expect("two differences");
        assert!(problem.contains("attempts_left: expected 1, shown 2"), "{problem}");
        assert!(problem.contains("mfa: expected \"OFFLINE_OTP\", shown null"), "{problem}");
    }
}
