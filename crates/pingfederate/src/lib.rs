//! An emulated PingFederate with the PingOne MFA IdP adapter (being built; see the next commits).
