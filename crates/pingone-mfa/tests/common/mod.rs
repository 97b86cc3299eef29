pub mod device;
pub mod mfa_server;
