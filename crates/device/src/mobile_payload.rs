//! The mobile payload: what the device tells the servers about itself, signed by its key.

use moderno_ambient::{Clock, Entropy};
use moderno_crypto::payload::seal;
use moderno_wire::payload::{MobilePayloadClaims, PayloadSelection, PAYLOAD_VERSION};
use moderno_wire::sdk::DeviceType;

use crate::identity::DeviceIdentity;

/// A fresh payload: a new 128-bit nonce (the server accepts each payload once) and `issuedAt` =
/// now (the server accepts payloads up to 5 minutes old), so call it for every login.
pub fn generate_payload(identity: &DeviceIdentity, clock: &Clock, entropy: &Entropy) -> String {
    payload_with_selection(identity, clock, entropy, None)
}

/// A fresh payload carrying the user's choice (Ping's `updateExistingPayloadWithUserSelection`):
/// sent with an offline passcode, it asks the SDK server to pair this device once the passcode
/// passes.
pub fn payload_with_selection(
    identity: &DeviceIdentity,
    clock: &Clock,
    entropy: &Entropy,
    user_selection: Option<PayloadSelection>,
) -> String {
    let description = identity.description();
    let claims = MobilePayloadClaims {
        v: PAYLOAD_VERSION,
        device_fingerprint: identity.fingerprint(),
        public_key: identity.key().public_key_b64(),
        device_type: DeviceType::Desktop,
        device_name: description.device_name.clone(),
        os_version: description.os_version.clone(),
        app_version: description.app_version.clone(),
        rooted: description.rooted,
        nonce: entropy.hex(16),
        issued_at: clock.unix(),
        user_selection,
    };
    seal(&claims, identity.key())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::DeviceDescription;
    use chrono::DateTime;
    use moderno_crypto::payload::open_mobile_payload;

    fn clock() -> Clock {
        Clock::manual(DateTime::from_timestamp(1_700_000_000, 0).expect("time"))
    }

    #[test]
    fn the_payload_opens_as_this_desktop_at_the_clocks_time() {
        let entropy = Entropy::seeded(5);
        let identity = DeviceIdentity::generate("p", &entropy, DeviceDescription::of_this_computer());
        let (claims, public) = open_mobile_payload(&generate_payload(&identity, &clock(), &entropy)).expect("opens");
        assert_eq!(public.fingerprint(), identity.fingerprint());
        assert_eq!(claims.device_fingerprint, identity.fingerprint());
        assert_eq!(claims.device_type, DeviceType::Desktop);
        assert_eq!(claims.issued_at, 1_700_000_000);
        assert_eq!(claims.nonce.len(), 32);
        assert!(!claims.rooted);
    }

    #[test]
    fn every_payload_has_a_new_nonce_and_the_rooted_flag_is_honoured() {
        let entropy = Entropy::seeded(5);
        let description = DeviceDescription { rooted: true, ..DeviceDescription::of_this_computer() };
        let identity = DeviceIdentity::generate("p", &entropy, description);
        let nonce = |p: String| open_mobile_payload(&p).expect("opens").0;
        let first = nonce(generate_payload(&identity, &clock(), &entropy));
        let second = nonce(generate_payload(&identity, &clock(), &entropy));
        assert_ne!(first.nonce, second.nonce);
        assert!(first.rooted, "QA can mark the device rooted");
    }
}
