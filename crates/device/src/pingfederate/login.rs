//! One PingFederate login as the app runs it: PKCE (S256) and `state` drawn from [`Entropy`],
//! the flow's current state, each action's answer read into a [`PfStep`], and at COMPLETED the
//! code exchange with both tokens verified against the JWKS.

use std::sync::Arc;

use data_encoding::HEXLOWER;
use moderno_ambient::{Clock, Entropy};
use moderno_crypto::{b64url, sha256_hex, Secret};
use moderno_wire::pingfederate::Flow;
use tracing::info;
use zeroize::Zeroizing;

use super::action::PfAction;
use super::authn_client::PfClient;
use super::step::{pf_step, PfStep};
use super::token::{verify_jwt, PfTokens};
use crate::error::DeviceError;
use crate::transport::unexpected;

pub struct PfLogin {
    client: Arc<PfClient>,
    clock: Clock,
    verifier: Zeroizing<String>,
    state: String,
    flow: Flow,
}

/// Hand-written: the flow's id and status, not the whole flow (large); the PKCE verifier is left
/// out.
impl std::fmt::Debug for PfLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PfLogin")
            .field("flow", &self.flow.id)
            .field("status", &self.flow.status)
            .finish_non_exhaustive()
    }
}

impl PfLogin {
    /// Starts the authorization request; the flow waits for the username and password.
    pub async fn start(client: Arc<PfClient>, clock: Clock, entropy: &Entropy) -> Result<Self, DeviceError> {
        let verifier = Zeroizing::new(b64url(&entropy.bytes::<32>()));
        let state = entropy.hex(16);
        let flow = client.authorize(&code_challenge(&verifier), &state).await?;
        info!(flow = %flow.id, status = ?flow.status, "PingFederate flow started");
        Ok(Self { client, clock, verifier, state, flow })
    }

    pub fn id(&self) -> &str {
        &self.flow.id
    }

    /// The flow as last answered (status, fields, `_links`).
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// Now, by the clock this login reads token expiry with.
    pub(crate) fn now(&self) -> i64 {
        self.clock.unix()
    }

    pub fn step(&self) -> PfStep {
        pf_step(&self.flow)
    }

    /// Whether the flow's `_links` offer this action now.
    pub fn allows(&self, action_id: &str) -> bool {
        action_id != "self" && self.flow.links.contains_key(action_id)
    }

    /// Sends an action (offered or not: PingFederate is the judge). On success the flow moves on;
    /// a refusal leaves it as it was.
    pub async fn act(&mut self, action: &PfAction) -> Result<PfStep, DeviceError> {
        let flow = self.client.act(&self.flow.id, action).await?;
        info!(action = action.id(), status = ?flow.status, "PingFederate answered");
        self.flow = flow;
        Ok(self.step())
    }

    /// Reads the flow again (GET performs no action; a waiting push is read as `poll` reads it).
    pub async fn refresh(&mut self) -> Result<PfStep, DeviceError> {
        self.flow = self.client.flow(&self.flow.id).await?;
        Ok(self.step())
    }

    pub async fn sign_in(&mut self, username: &str, password: &str) -> Result<PfStep, DeviceError> {
        let action = PfAction::CheckUsernamePassword { username: username.to_string(), password: password.into() };
        self.act(&action).await
    }

    /// At COMPLETED: checks the `state`, exchanges the code with the PKCE verifier and verifies
    /// both tokens against PingFederate's JWKS.
    pub async fn finish(&self) -> Result<PfTokens, DeviceError> {
        let response = self.flow.authorize_response.as_ref().ok_or_else(|| {
            DeviceError::InvalidInput(format!("the flow is {:?}, not COMPLETED: nothing to exchange", self.flow.status))
        })?;
        if response.state.as_deref() != Some(self.state.as_str()) {
            return Err(unexpected("PingFederate", "the authorization response carries another state"));
        }
        let code = response
            .code
            .as_deref()
            .ok_or_else(|| unexpected("PingFederate", "the authorization response carries no code"))?;
        let tokens = self.client.exchange(code, &self.verifier).await?;
        let jwks = self.client.jwks().await?;
        let now = self.clock.unix();
        let claims = verify_jwt(&tokens.access_token, &jwks, now)?;
        let id_claims = tokens.id_token.as_deref().map(|t| verify_jwt(t, &jwks, now)).transpose()?;
        info!(subject = ?claims.get("sub"), "tokens verified against the JWKS");
        Ok(PfTokens {
            access_token: Secret::new(tokens.access_token),
            id_token: tokens.id_token.map(Secret::new),
            claims,
            id_claims,
        })
    }
}

/// RFC 7636 S256: base64url(SHA-256(verifier)).
fn code_challenge(verifier: &str) -> String {
    let digest = HEXLOWER.decode(sha256_hex(verifier.as_bytes()).as_bytes()).unwrap_or_default();
    b64url(&digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_rfc_7636s_example() {
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
