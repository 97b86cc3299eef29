//! The login in progress is the device crate's [`Login`], whichever backend runs it; a connection
//! names its backend to the device crate once, here, and every command hands that on.

use moderno_device::{Backend, Login, LoginError};

use crate::error::CommandError;
use crate::state::Connection;

/// The login a connection keeps between the UI's steps.
pub type ActiveLogin = Login;

impl Connection {
    /// The backend this connection signs in with and answers pushes at, as the device crate
    /// drives it.
    pub fn backend_side(&self) -> Backend<'_> {
        let pingfederate = self.pingfederate.as_ref().map(|pf| (&pf.client, &pf.pingone));
        Backend::new(&self.device, &self.server_url, pingfederate, &self.clock, &self.entropy)
    }
}

impl From<LoginError> for CommandError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::NotAsked(_) => Self::new(error.code(), error.to_string()),
            LoginError::Device(e) => e.into(),
        }
    }
}
