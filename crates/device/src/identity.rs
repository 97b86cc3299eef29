//! Who this device is: its Ed25519 key and how it describes itself to the servers.
//!
//! The key is generated with [`Entropy`] the first time a profile is used, saved in the key store
//! when it first pairs (or chooses IGNORE), reused after a restart, and forgotten on unpair.

use moderno_ambient::Entropy;
use moderno_crypto::device_key::DeviceKey;

/// How the device introduces itself in its payloads (and so in the user's device list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceDescription {
    pub device_name: String,
    pub os_version: String,
    pub app_version: String,
    /// Always false on a real desktop; QA sets it to exercise the server's rooted-device rules.
    pub rooted: bool,
}

impl DeviceDescription {
    /// "Moderno Desktop on <hostname>", this OS, this crate's version.
    pub fn of_this_computer() -> Self {
        Self {
            device_name: format!("Moderno Desktop on {}", hostname()),
            os_version: os_version(),
            app_version: env!("CARGO_PKG_VERSION").to_string(),
            rooted: false,
        }
    }
}

/// `Debug` names the key by its fingerprint; its secret half is never printed.
#[derive(Debug)]
pub struct DeviceIdentity {
    profile: String,
    key: DeviceKey,
    description: DeviceDescription,
}

impl DeviceIdentity {
    /// A new identity with a fresh key.
    pub fn generate(profile: &str, entropy: &Entropy, description: DeviceDescription) -> Self {
        Self::from_key(profile, DeviceKey::generate(entropy.bytes::<32>()), description)
    }

    /// The identity whose seed the key store kept.
    pub fn from_seed(profile: &str, seed: &[u8; 32], description: DeviceDescription) -> Self {
        Self::from_key(profile, DeviceKey::from_seed(seed), description)
    }

    fn from_key(profile: &str, key: DeviceKey, description: DeviceDescription) -> Self {
        Self { profile: profile.to_string(), key, description }
    }

    pub fn profile(&self) -> &str {
        &self.profile
    }

    pub fn key(&self) -> &DeviceKey {
        &self.key
    }

    pub fn fingerprint(&self) -> String {
        self.key.fingerprint()
    }

    pub fn description(&self) -> &DeviceDescription {
        &self.description
    }

    pub fn device_name(&self) -> &str {
        &self.description.device_name
    }

    pub fn os_version(&self) -> &str {
        &self.description.os_version
    }
}

fn hostname() -> String {
    let from_env = ["HOSTNAME", "COMPUTERNAME"].iter().find_map(|var| std::env::var(var).ok());
    let from_file =
        || ["/proc/sys/kernel/hostname", "/etc/hostname"].iter().find_map(|path| std::fs::read_to_string(path).ok());
    from_env
        .or_else(from_file)
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "this computer".to_string())
}

fn os_version() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release").ok().and_then(|text| {
        text.lines().find_map(|line| line.strip_prefix("PRETTY_NAME=")).map(|v| v.trim_matches('"').to_string())
    });
    pretty.unwrap_or_else(|| format!("{} {}", std::env::consts::OS, std::env::consts::ARCH))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_seed_gives_back_the_same_device() {
        let entropy = Entropy::seeded(3);
        let first = DeviceIdentity::generate("work", &entropy, DeviceDescription::of_this_computer());
        let again =
            DeviceIdentity::from_seed("work", first.key().seed().expose(), DeviceDescription::of_this_computer());
        assert_eq!(again.fingerprint(), first.fingerprint());
        let other = DeviceIdentity::generate("work", &entropy, DeviceDescription::of_this_computer());
        assert_ne!(other.fingerprint(), first.fingerprint(), "each generation draws a new key");
    }

    #[test]
    fn the_device_names_itself_after_the_computer_and_hides_its_key() {
        let identity = DeviceIdentity::generate("p", &Entropy::seeded(1), DeviceDescription::of_this_computer());
        assert!(identity.device_name().starts_with("Moderno Desktop on "), "{}", identity.device_name());
        assert!(!identity.os_version().is_empty());
        let text = format!("{identity:?}");
        assert!(text.contains(&identity.fingerprint()), "{text}");
        let seed = format!("{:?}", identity.key().seed().expose());
        assert!(!text.contains(&seed[1..seed.len() - 1]), "the seed is not printed: {text}");
    }
}
