//! Stored rows as PingOne answers them: nested references (`environment.id`, `user.id`),
//! `_links`, list envelopes `{_links, _embedded, count, size}`, timestamps with milliseconds, and
//! `phone`/`email` masked where PingOne masks them (the devices embedded in a device
//! authentication: "Read Device Authentication" shows `"email": "j****@pingidentity.com"`).
//!
//! Sources: https://developer.pingidentity.com/pingone-api/mfa/users/mfa-devices.html,
//! https://developer.pingidentity.com/pingone-api/mfa/mfa-authentication/mfa-device-authentications/read-device-authentication.html

use moderno_wire::pingone::{
    Device, DeviceBlock, DeviceLock, DeviceModel, EntityArray, Link, Links, MfaDeviceType, ResourceRef, User,
};

use crate::store::{rfc3339, DeviceRow};
use crate::State;

/// `{public_url}/v1/environments/{envId}`: the management API's base (api.pingone.com/v1).
pub fn api_base(state: &State) -> String {
    format!("{}/v1/environments/{}", state.config().public_url.trim_end_matches('/'), state.config().environment_id)
}

/// `{public_url}/{envId}`: the auth path's base (auth.pingone.com).
pub fn auth_base(state: &State) -> String {
    format!("{}/{}", state.config().public_url.trim_end_matches('/'), state.config().environment_id)
}

pub fn links<const N: usize>(pairs: [(&str, String); N]) -> Links {
    pairs.into_iter().map(|(name, href)| (name.to_string(), Link { href })).collect()
}

/// A list under `_embedded.{name}`, with its `self` link.
pub fn entity_array<T>(self_href: String, name: &str, items: Vec<T>) -> EntityArray<T> {
    let count = items.len();
    EntityArray {
        links: links([("self", self_href)]),
        embedded: [(name.to_string(), items)].into(),
        count,
        size: count,
    }
}

pub fn user(state: &State, id: &str, username: &str, created_at: i64) -> User {
    let base = api_base(state);
    User {
        links: links([
            ("self", format!("{base}/users/{id}")),
            ("environment", base.clone()),
            ("devices", format!("{base}/users/{id}/devices")),
        ]),
        id: id.to_string(),
        environment: ResourceRef::new(&state.config().environment_id),
        username: username.to_string(),
        email: None,
        population: None,
        enabled: true,
        mfa_enabled: true,
        created_at: rfc3339(created_at),
        updated_at: rfc3339(created_at),
    }
}

/// How a device is shown: in full (the management API) or masked (embedded in a device
/// authentication).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Full,
    Masked,
}

/// A device as PingOne shows it at `now` (`lock`: its passcodes locked after too many wrong ones).
pub fn device(state: &State, user_id: &str, row: &DeviceRow, now: i64, detail: Detail) -> Device {
    let base = api_base(state);
    let href = format!("{base}/users/{user_id}/devices/{}", row.id);
    let mask = |value: &str, f: fn(&str) -> String| if detail == Detail::Masked { f(value) } else { value.to_string() };
    let locked = row.locked_at(now);
    Device {
        links: match detail {
            Detail::Full => {
                links([("self", href), ("environment", base.clone()), ("user", format!("{base}/users/{user_id}"))])
            }
            Detail::Masked => Links::new(),
        },
        id: row.id.clone(),
        environment: (detail == Detail::Full).then(|| ResourceRef::new(&state.config().environment_id)),
        user: (detail == Detail::Full).then(|| ResourceRef::new(user_id)),
        device_type: row.device_type,
        status: "ACTIVE".into(),
        nickname: row.nickname.clone(),
        phone: (row.device_type == MfaDeviceType::Sms).then(|| mask(&row.name, mask_phone)),
        email: (row.device_type == MfaDeviceType::Email).then(|| mask(&row.name, mask_email)),
        model: (row.device_type == MfaDeviceType::Mobile).then(|| DeviceModel { marketing_name: row.name.clone() }),
        lock: DeviceLock {
            status: if locked.is_some() { "LOCKED" } else { "UNLOCKED" }.into(),
            expires_at: locked.map(rfc3339),
        },
        block: DeviceBlock { status: if row.blocked { "BLOCKED" } else { "UNBLOCKED" }.into() },
        created_at: Some(rfc3339(row.created_at)),
        updated_at: Some(rfc3339(row.updated_at)),
        secret: None,
        key_uri: None,
    }
}

/// `+15550100` -> `+1******0100`: the last four digits and the leading `+` and country digit stay.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let keep_head = if chars.first() == Some(&'+') { 2 } else { 0 };
    let keep_tail = 4.min(chars.len().saturating_sub(keep_head));
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < keep_head || i >= chars.len() - keep_tail { *c } else { '*' })
        .collect()
}

/// `jane@example.com` -> `j****@example.com`, as PingOne's example.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}****@{domain}", local.chars().next().unwrap_or('*')),
        None => "****".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // "Read Device Authentication" example: "email": "j****@pingidentity.com".
    #[test]
    fn masking_keeps_what_pingone_keeps() {
        assert_eq!(mask_email("jane.doe@pingidentity.com"), "j****@pingidentity.com");
        assert_eq!(mask_phone("+1 555 0100"), "+1***0100");
        assert_eq!(mask_phone("+14135550150"), "+1******0150");
    }
}
