//! Fault switches: the misbehaviour a QA person or a demo turns on, passed to every service like
//! the [`crate::Clock`] is, so one switch on the stack's admin API reaches the service that acts
//! on it. All off by default; production never turns one on.

use std::collections::BTreeSet;
use std::sync::{Arc, PoisonError, RwLock};

/// One switch. Each service reads the ones it acts on (named in each variant's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// PingID SDK server, PingOne MFA: every paired device counts as offline, so no push can be
    /// delivered (the PingID SDK falls back to the offline passcode, 1015).
    ApproverOffline,
    /// PingID SDK server, PingOne MFA: a push expires the moment it is sent (1016,
    /// PUSH_CONFIRMATION_TIMED_OUT).
    PushTimesOut,
    /// PingID SDK server, PingOne MFA: the approving device denies every push (1014,
    /// PUSH_CONFIRMATION_REJECTED).
    PushDenied,
    /// PingID SDK server, PingOne MFA: completing a pairing fails (PingFederate's
    /// `pairing_error`; the PingID SDK's pairing is refused).
    PairingFails,
    /// PingID SDK server: every pairing key reads as already used.
    PairingKeyUsed,
    /// PingID SDK server: every mobile payload says the device is rooted (1028).
    RootedDevice,
    /// Customer server: its PINGID-HMAC signatures carry a time 10 minutes off, so the SDK
    /// server refuses them as outside their window.
    SignatureOutOfWindow,
    /// PingID SDK server, PingOne MFA: every passcode is wrong, so the tries run out at once.
    WrongPasscodes,
    /// PingID SDK server, PingOne MFA: pushes ask for no number (a bare Approve, as before number
    /// matching), whatever the application's setting.
    NoNumberMatching,
}

impl Fault {
    pub const ALL: [Self; 9] = [
        Self::ApproverOffline,
        Self::PushTimesOut,
        Self::PushDenied,
        Self::PairingFails,
        Self::PairingKeyUsed,
        Self::RootedDevice,
        Self::SignatureOutOfWindow,
        Self::WrongPasscodes,
        Self::NoNumberMatching,
    ];

    /// The name the admin API and the app use (`approver-offline`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::ApproverOffline => "approver-offline",
            Self::PushTimesOut => "push-times-out",
            Self::PushDenied => "push-denied",
            Self::PairingFails => "pairing-fails",
            Self::PairingKeyUsed => "pairing-key-used",
            Self::RootedDevice => "rooted-device",
            Self::SignatureOutOfWindow => "signature-out-of-window",
            Self::WrongPasscodes => "wrong-passcodes",
            Self::NoNumberMatching => "no-number-matching",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// What turning it on does, in a sentence for the fault panel.
    pub fn description(self) -> &'static str {
        match self {
            Self::ApproverOffline => {
                "The approving device is offline: no push reaches it; the PingID SDK offers the offline passcode."
            }
            Self::PushTimesOut => "Every push times out at once, as if nobody answered.",
            Self::PushDenied => "The approving device denies every push.",
            Self::PairingFails => "Completing a pairing fails (PingFederate then reports pairing_error).",
            Self::PairingKeyUsed => "Every manual pairing key reads as already used.",
            Self::RootedDevice => "Every device reports itself rooted or jailbroken.",
            Self::SignatureOutOfWindow => {
                "The customer server signs its requests 10 minutes off: the SDK server refuses them."
            }
            Self::WrongPasscodes => "Every passcode is wrong, so the tries run out.",
            Self::NoNumberMatching => "Pushes ask for no number: a bare Approve, as before number matching.",
        }
    }
}

/// The switches that are on. Cloning shares them.
#[derive(Clone, Debug, Default)]
pub struct Faults(Arc<RwLock<BTreeSet<Fault>>>);

impl Faults {
    /// None on.
    pub fn none() -> Self {
        Self::default()
    }

    pub fn is_on(&self, fault: Fault) -> bool {
        self.0.read().unwrap_or_else(PoisonError::into_inner).contains(&fault)
    }

    pub fn set(&self, fault: Fault, on: bool) {
        let mut faults = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if on {
            faults.insert(fault);
        } else {
            faults.remove(&fault);
        }
    }

    /// The switches on now, in a stable order.
    pub fn on(&self) -> Vec<Fault> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).iter().copied().collect()
    }

    pub fn clear(&self) {
        self.0.write().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// Exactly `on` switched on, the others off, in one step: a reader never sees a mix of the
    /// old and the new switches (a shared QA server's switches, read from its database).
    pub fn replace_all(&self, on: impl IntoIterator<Item = Fault>) {
        let on: BTreeSet<Fault> = on.into_iter().collect();
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = on;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_are_shared_by_clones_and_named_both_ways() {
        let faults = Faults::none();
        let seen_by_a_service = faults.clone();
        assert!(!seen_by_a_service.is_on(Fault::PushDenied));
        faults.set(Fault::PushDenied, true);
        assert!(seen_by_a_service.is_on(Fault::PushDenied));
        assert_eq!(faults.on(), vec![Fault::PushDenied]);
        faults.clear();
        assert!(faults.on().is_empty());
        for fault in Fault::ALL {
            assert_eq!(Fault::from_name(fault.name()), Some(fault));
            assert!(!fault.description().is_empty());
        }
        assert_eq!(Fault::from_name("meteor-strike"), None);
    }

    #[test]
    fn replace_all_leaves_exactly_the_given_switches_on_for_every_clone() {
        let faults = Faults::none();
        let seen_by_a_service = faults.clone();
        faults.set(Fault::PushDenied, true);
        faults.replace_all([Fault::RootedDevice, Fault::ApproverOffline]);
        assert_eq!(seen_by_a_service.on(), vec![Fault::ApproverOffline, Fault::RootedDevice]);
        faults.replace_all([]);
        assert!(seen_by_a_service.on().is_empty());
    }
}
