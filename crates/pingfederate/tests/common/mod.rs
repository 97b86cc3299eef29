#[path = "../../../pingone-mfa/tests/common/device.rs"]
pub mod device;
#[path = "../../../pingone-mfa/tests/common/mfa_server.rs"]
pub mod mfa_server;
pub mod pf;
