//! Each answer a login's server gives, as a developer learning Ping's flows reads it on the wire:
//! the customer server's Moderno status codes, PingFederate's flow states with their `_links`.
//! A front end that shows them (the CLI) hands [`crate::LoginOptions`] an [`AnswerWatch`]; the
//! window and the scenario runner hand none.
//!
//! No secret is in an answer: no session token, no server payload of the customer server, no
//! authorization code, no cookieless flow state (`_pf_authn_api_state`), no passcode.

use std::sync::Arc;

use moderno_wire::moderno::{MfaOutcome, ModernoResponse};
use moderno_wire::pingfederate::Flow;

use crate::error::ServiceError;

#[derive(Debug, Clone, PartialEq)]
pub enum ServerAnswer {
    /// The customer server's answer to `request` (`auth_user`, `auth_status`, `auth_offline_user`,
    /// `retry`): its Moderno status code, description and how MFA went.
    CustomerServer { request: &'static str, status: u16, description: String, mfa: Option<MfaOutcome> },
    /// PingFederate's flow after `action` (`authorize`: the authorization request that opened it):
    /// its status, fields and `_links`, as the authentication API returns them.
    Flow { action: String, flow: Box<Flow> },
    /// PingFederate refused `action` (wrong passcode, an action not offered): the flow stays
    /// where it was.
    Refused { action: String, refusal: ServiceError },
}

impl ServerAnswer {
    pub(crate) fn customer_server(request: &'static str, answer: &ModernoResponse) -> Self {
        Self::CustomerServer {
            request,
            status: answer.status.code(),
            description: answer.description.clone(),
            mfa: answer.mfa,
        }
    }

    /// The flow without what only this client may hold: the authorization code (exchanged by
    /// this client alone) and the cookieless flow state (as good as the session cookie).
    pub(crate) fn flow(action: &str, flow: &Flow) -> Self {
        let flow = Flow { authorize_response: None, pf_authn_api_state: None, ..flow.clone() };
        Self::Flow { action: action.to_string(), flow: Box::new(flow) }
    }
}

/// Hears every [`ServerAnswer`] of one login, in the order they came.
#[derive(Clone)]
pub struct AnswerWatch(Arc<dyn Fn(&ServerAnswer) + Send + Sync>);

impl AnswerWatch {
    pub fn new(hear: impl Fn(&ServerAnswer) + Send + Sync + 'static) -> Self {
        Self(Arc::new(hear))
    }

    pub(crate) fn tell(&self, answer: &ServerAnswer) {
        (self.0)(answer);
    }
}

/// Written out: a closure has no `Debug` of its own (nothing is hidden here).
impl std::fmt::Debug for AnswerWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnswerWatch")
    }
}

/// Tells `watch`, when there is one.
pub(crate) fn tell(watch: Option<&AnswerWatch>, answer: impl FnOnce() -> ServerAnswer) {
    if let Some(watch) = watch {
        watch.tell(&answer());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moderno_wire::pingfederate::{AuthorizeResponse, FlowStatus};

    #[test]
    fn a_flow_answer_leaves_out_the_authorization_code_and_the_cookieless_state() {
        let flow: Flow = serde_json::from_value(serde_json::json!({
            "id": "f1",
            "pluginTypeId": "p",
            "status": "COMPLETED",
            "authorizeResponse": {"code": "the-code", "state": "s"},
            "_pf_authn_api_state": "the-state",
            "_links": {}
        }))
        .expect("a flow");
        assert!(matches!(flow.authorize_response, Some(AuthorizeResponse { .. })), "the fixture has a code");
        let ServerAnswer::Flow { action, flow: told } = ServerAnswer::flow("continueAuthentication", &flow) else {
            panic!("a flow answer")
        };
        assert_eq!((action.as_str(), told.status), ("continueAuthentication", FlowStatus::Completed));
        let printed = format!("{told:?} {}", serde_json::to_string(&told).expect("json"));
        assert!(!printed.contains("the-code") && !printed.contains("the-state"), "{printed}");
    }
}
