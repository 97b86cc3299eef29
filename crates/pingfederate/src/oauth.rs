//! The OAuth side: the authorization endpoint (which starts flows; redirectless with
//! `response_mode=pi.flow`), authorization codes (hashed, single use, 60 s), the token endpoint
//! (PKCE S256 and secrets as each client is configured: `client_rules`) and the discovery
//! document.

use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State as Shared};
use axum::http::header::{CACHE_CONTROL, RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use moderno_sql::{params, OptionalExtension as _};
use moderno_wire::pingfederate::{AuthorizeResponse, FlowStatus, OAuthError, TokenResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::AuthnApiError;
use crate::flow::{create, FlowRecord};
use crate::flow_session::{answer, is_live, new_state, session_cookie, session_cookie_header};
use crate::store::digest;
use crate::tokens::{mint, TokenFor};
use crate::{client_rules, State};

/// An OAuth error answer (never a redirect: the emulator serves API clients).
pub struct OAuthFailure(StatusCode, OAuthError);

pub fn oauth_error(error: &str, description: &str) -> OAuthFailure {
    OAuthFailure::new(StatusCode::BAD_REQUEST, error, description)
}

impl OAuthFailure {
    pub fn new(status: StatusCode, error: &str, description: &str) -> Self {
        Self(status, OAuthError { error: error.into(), error_description: description.into() })
    }
}

impl IntoResponse for OAuthFailure {
    /// A 503 also says when to retry.
    fn into_response(self) -> Response {
        let mut response = (self.0, [(CACHE_CONTROL, "no-store")], Json(self.1)).into_response();
        if self.0 == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(RETRY_AFTER, moderno_sql::Error::RETRY_AFTER_SECONDS.into());
        }
        response
    }
}

impl From<AuthnApiError> for OAuthFailure {
    /// A database that did not answer in time is OAuth's `temporarily_unavailable` (RFC 6749
    /// section 4.1.2.1: "temporarily unable to handle the request"), 503; anything else a
    /// `server_error`, 500.
    fn from(e: AuthnApiError) -> Self {
        if let AuthnApiError::Unavailable(detail) = &e {
            tracing::warn!(error = %detail, "oauth request refused for now");
            return OAuthFailure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the service is temporarily unavailable; retry shortly",
            );
        }
        tracing::error!(error = %e, "oauth request failed");
        OAuthFailure(
            StatusCode::INTERNAL_SERVER_ERROR,
            OAuthError { error: "server_error".into(), error_description: "unexpected error".into() },
        )
    }
}

#[derive(Debug, Deserialize)]
pub struct AuthorizeQuery {
    client_id: Option<String>,
    response_type: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    response_mode: Option<String>,
    nonce: Option<String>,
}

#[tracing::instrument(name = "authorize", skip_all, fields(client_id = ?query.client_id, flow_id))]
pub async fn authorize(
    Shared(state): Shared<State>,
    headers: HeaderMap,
    Query(query): Query<AuthorizeQuery>,
) -> Result<Response, OAuthFailure> {
    let client_id = query.client_id.unwrap_or_default();
    let client = state
        .config()
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
        .ok_or_else(|| oauth_error("invalid_client", "unknown client_id"))?;
    let redirect = client_rules::redirect(client, query.redirect_uri)?;
    let response_types = client_rules::response_types(client, query.response_type.as_deref())?;
    let application_url = match query.response_mode.as_deref() {
        Some("pi.flow") => None,
        None | Some("query") => Some(state.application_url().cloned().ok_or_else(|| {
            oauth_error("invalid_request", "only redirectless flows (response_mode=pi.flow) are served")
        })?),
        Some(_) => return Err(oauth_error("invalid_request", "response_mode must be pi.flow or query")),
    };
    if application_url.is_some() && redirect.uri.is_none() {
        return Err(oauth_error(
            "invalid_request",
            "the client has no redirect URI: only redirectless flows (response_mode=pi.flow)",
        ));
    }
    if application_url.is_some() && client.cookieless {
        return Err(oauth_error(
            "invalid_request",
            "a cookieless client runs redirectless flows only (response_mode=pi.flow)",
        ));
    }
    let code_challenge = client_rules::challenge(client, query.code_challenge, query.code_challenge_method.as_deref())?;
    let scope = query.scope.unwrap_or_else(|| "openid".into());
    if response_types.token || response_types.id_token {
        client_rules::implicit_request(application_url.is_some(), response_types, &scope)?;
    }
    // A cookieless flow gets a session of its own, sent back in `_pf_authn_api_state`. A cookie
    // is kept only when it names a live session PingFederate issued: a value the client chose
    // (or planted) gets a fresh one (session fixation).
    let existing = match session_cookie(&headers).filter(|_| !client.cookieless) {
        Some(cookie) if is_live(&state, &cookie).await? => Some(cookie),
        _ => None,
    };
    let session = existing.clone().unwrap_or_else(|| state.random_token());
    let cookieless = client.cookieless;
    let record = FlowRecord {
        id: state.random_token(),
        client_id,
        redirect_uri: redirect.uri,
        redirect_uri_sent: redirect.sent,
        oauth_state: query.state,
        scope,
        response_types,
        code_challenge,
        nonce: query.nonce,
        status: FlowStatus::UsernamePasswordRequired,
        username: None,
        user_id: None,
        last_login: None,
        devices: Vec::new(),
        device_auth_id: None,
        selected_device_id: None,
        push_expires_at: None,
        match_number: None,
        pairing_id: None,
        new_device_auth: None,
        server_payload: None,
        mfa_status: None,
        failure: None,
        authorize_response: None,
        expires_at: state.now() + state.config().flow_lifetime.num_seconds(),
        browser: application_url.is_some(),
        resumed: false,
        cookieless,
    };
    create(&state, &record, &session).await?;
    tracing::Span::current().record("flow_id", record.id.as_str());
    tracing::info!(browser = record.browser, "flow started");
    let mut response = match application_url {
        Some(url) => crate::browser_flow::to_application(&url, &record.id),
        None => Json(answer(&state, &record, Some(&new_state(&session)))).into_response(),
    };
    if existing.is_none() && !cookieless {
        if let Ok(value) = session_cookie_header(&state, &session).parse() {
            response.headers_mut().insert(SET_COOKIE, value);
        }
    }
    Ok(response)
}

/// What a code stands for until it is redeemed.
#[derive(Debug, Serialize, Deserialize)]
struct Grant {
    client_id: String,
    redirect_uri: Option<String>,
    #[serde(default)]
    redirect_uri_sent: bool,
    code_challenge: Option<String>,
    username: String,
    scope: String,
    nonce: Option<String>,
    mfa_status: Option<String>,
}

impl Grant {
    fn of(record: &FlowRecord) -> Self {
        Self {
            client_id: record.client_id.clone(),
            redirect_uri: record.redirect_uri.clone(),
            redirect_uri_sent: record.redirect_uri_sent,
            code_challenge: record.code_challenge.clone(),
            username: record.username.clone().unwrap_or_default(),
            scope: record.scope.clone(),
            nonce: record.nonce.clone(),
            mfa_status: record.mfa_status.clone(),
        }
    }

    fn token_for(&self) -> TokenFor<'_> {
        TokenFor {
            username: &self.username,
            client_id: &self.client_id,
            scope: &self.scope,
            nonce: self.nonce.as_deref(),
            mfa_status: self.mfa_status.as_deref(),
        }
    }
}

/// Ends a flow that succeeded: redirectless flows in COMPLETED with the authorization response
/// (the code, and the tokens the response type asked for); browser flows in RESUME, the code
/// issued when the browser follows `resumeUrl`.
pub async fn complete_flow(state: &State, record: &mut FlowRecord) -> Result<(), AuthnApiError> {
    if record.browser {
        record.status = FlowStatus::Resume;
        tracing::info!(mfa_status = ?record.mfa_status, "flow finished, waiting for the resume");
        return Ok(());
    }
    let wanted = record.response_types;
    let mut response = AuthorizeResponse { state: record.oauth_state.clone(), ..AuthorizeResponse::default() };
    if wanted.code {
        response.code = Some(issue_code(state, record).await?);
    }
    if wanted.token || wanted.id_token {
        let grant = Grant::of(record);
        let minted = mint(state, &grant.token_for());
        if wanted.token {
            response.access_token = Some(minted.access_token);
            response.token_type = Some("Bearer".into());
            response.expires_in = Some(minted.expires_in);
        }
        response.id_token = minted.id_token.filter(|_| wanted.id_token);
    }
    record.status = FlowStatus::Completed;
    record.authorize_response = Some(response);
    tracing::info!(mfa_status = ?record.mfa_status, ?wanted, "flow completed");
    Ok(())
}

/// Stores a new authorization code for the flow's grant and answers it.
pub async fn issue_code(state: &State, record: &FlowRecord) -> Result<String, AuthnApiError> {
    let code = state.random_token();
    let grant = Grant::of(record);
    let json = serde_json::to_string(&grant).map_err(|e| AuthnApiError::Internal(e.to_string()))?;
    let expires = state.now() + state.config().code_lifetime.num_seconds();
    let code_hash = digest(&code);
    state
        .db()
        .tx(move |tx| {
            tx.execute(
                "INSERT INTO codes (code_hash, grant_json, expires_at) VALUES (?1, ?2, ?3)",
                params![code_hash, json, expires],
            )?;
            Ok(())
        })
        .await?;
    Ok(code)
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    code_verifier: Option<String>,
}

#[tracing::instrument(name = "token", skip_all, fields(client_id))]
pub async fn token(
    Shared(state): Shared<State>,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, OAuthFailure> {
    let Form(form) = form.map_err(|e| OAuthFailure::new(e.status(), "invalid_request", &e.body_text()))?;
    if form.grant_type.as_deref() != Some("authorization_code") {
        return Err(oauth_error("unsupported_grant_type", "only authorization_code is served"));
    }
    let client_id = form.client_id.unwrap_or_default();
    tracing::Span::current().record("client_id", client_id.as_str());
    let client = state.config().clients.iter().find(|c| c.client_id == client_id);
    let Some(client) = client.filter(|c| client_rules::client_authenticated(c, form.client_secret.as_deref())) else {
        tracing::info!("client authentication failed");
        return Err(OAuthFailure(
            StatusCode::UNAUTHORIZED,
            OAuthError {
                error: "invalid_client".into(),
                error_description: "unknown client or wrong client_secret".into(),
            },
        ));
    };
    let code_hash = digest(&form.code.unwrap_or_default());
    let now = state.now();
    let client_id = client.client_id.clone();
    let (redirect_uri, code_verifier) = (form.redirect_uri, form.code_verifier);
    let grant = state
        .db()
        .tx(move |tx| {
            let row: Option<String> = tx
                .query_row(
                    "SELECT grant_json FROM codes WHERE code_hash = ?1 AND used = 0 AND expires_at > ?2",
                    params![code_hash, now],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(grant) = row.and_then(|json| serde_json::from_str::<Grant>(&json).ok()) else {
                return Ok(Err(oauth_error("invalid_grant", "the code is unknown, used or expired")));
            };
            let redirect = client_rules::Redirect { uri: grant.redirect_uri.clone(), sent: grant.redirect_uri_sent };
            let matches = grant.client_id == client_id
                && client_rules::redirect_matches(&redirect, redirect_uri.as_deref())
                && client_rules::verifier_matches(grant.code_challenge.as_deref(), code_verifier.as_deref());
            if !matches {
                return Ok(Err(oauth_error(
                    "invalid_grant",
                    "client, redirect_uri or code_verifier do not match the code",
                )));
            }
            // Conditional, so that the code is used once even by check-and-acts that overlap.
            if tx.execute("UPDATE codes SET used = 1 WHERE code_hash = ?1 AND used = 0", params![code_hash])? == 0 {
                return Ok(Err(oauth_error("invalid_grant", "the code is unknown, used or expired")));
            }
            Ok(Ok(grant))
        })
        .await??;
    let minted = mint(&state, &grant.token_for());
    tracing::info!(user = ?grant.username, "tokens issued");
    let body = TokenResponse {
        access_token: minted.access_token,
        token_type: "Bearer".into(),
        expires_in: minted.expires_in,
        id_token: minted.id_token,
        scope: grant.scope,
    };
    Ok(([(CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

pub async fn discovery(Shared(state): Shared<State>) -> Json<Value> {
    let base = state.config().public_url.trim_end_matches('/').to_string();
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/as/authorization.oauth2"),
        "token_endpoint": format!("{base}/as/token.oauth2"),
        "jwks_uri": format!("{base}/pf/JWKS"),
        "response_types_supported": ["code", "token", "id_token", "id_token token", "code id_token", "code token", "code id_token token"],
        "response_modes_supported": ["pi.flow", "query"],
        "grant_types_supported": ["authorization_code", "implicit"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "subject_types_supported": ["public"],
    }))
}
