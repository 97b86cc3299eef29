//! The worker application's access tokens, as PingOne issues them: `POST {authPath}/{envId}/as/token`
//! with `grant_type=client_credentials` and the client's id and secret (`client_secret_basic` or
//! `client_secret_post`), answered `{access_token, token_type: "Bearer", expires_in}`; a token
//! is valid for one hour. The Platform API accepts only tokens issued here and still valid.
//!
//! Sources: "Token (client_credentials)"
//! https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/token-client_credentials-client-secret-post.html
//! and "An access token is valid for 1 hour":
//! https://developer.pingidentity.com/pingone-api/getting-started/introduction.html
//!
//! PingOne's access tokens are signed JWTs; the emulator's are opaque (256 random bits, kept as a
//! peppered hash), which a worker cannot tell apart: it only presents them.

use axum::extract::{Path, State as Shared};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use data_encoding::BASE64;
use moderno_sql::{params, OptionalExtension};
use moderno_wire::pingone::{AccessToken, OAuthError};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::requests::check_environment;
use crate::{ApiError, State};

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = OAuthError { error: error.into(), error_description: Some(description.into()) };
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Basic realm=\"PingOne\""));
    }
    response
}

/// The client's id and secret from `Authorization: Basic` or, failing that, the form.
fn client_credentials(headers: &HeaderMap, form: &TokenForm) -> Option<(String, String)> {
    let basic = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| BASE64.decode(b.trim().as_bytes()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|pair| pair.split_once(':').map(|(id, secret)| (id.to_string(), secret.to_string())));
    basic.or_else(|| Some((form.client_id.clone()?, form.client_secret.clone()?)))
}

fn same(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[tracing::instrument(name = "worker_token", skip_all)]
pub async fn issue(
    Shared(state): Shared<State>,
    Path(env): Path<String>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, ApiError> {
    check_environment(&state, &env)?;
    let Ok(Form(form)) = form else {
        return Ok(oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "the request must be a form"));
    };
    let Some((id, secret)) = client_credentials(&headers, &form) else {
        return Ok(oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "client authentication is required"));
    };
    let config = state.config();
    // Both compared, whatever the first says, so the time does not tell which was wrong.
    let id_ok = same(&id, &config.worker_client_id);
    let secret_ok = same(&secret, config.worker_client_secret.expose());
    if !(id_ok && secret_ok) {
        tracing::warn!("token request with wrong client credentials");
        return Ok(oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "the client credentials are not valid"));
    }
    if form.grant_type.as_deref() != Some("client_credentials") {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "the worker application uses client_credentials",
        ));
    }
    let (access_token, expires_in) = state.mint_access_token().await?;
    tracing::info!(expires_in, "worker access token issued");
    Ok(Json(AccessToken { access_token, token_type: "Bearer".into(), expires_in }).into_response())
}

impl State {
    /// A fresh worker access token and its lifetime in seconds, for the token endpoint and for the
    /// stack's own in-process callers (demo seeding, the QA panel's outbox).
    pub async fn mint_access_token(&self) -> Result<(String, i64), ApiError> {
        let token = moderno_crypto::b64url(&self.entropy().bytes::<32>());
        let now = self.now();
        let lifetime = self.config().access_token_lifetime.num_seconds();
        let hash = self.pepper().hash(&format!("access-token:{token}"));
        self.tx(move |tx, _| {
            tx.execute("DELETE FROM access_tokens WHERE expires_at <= ?1", params![now])?;
            tx.execute(
                "INSERT INTO access_tokens (token_hash, expires_at) VALUES (?1, ?2)",
                params![hash, now + lifetime],
            )?;
            Ok(())
        })
        .await?;
        Ok((token, lifetime))
    }

    /// Accepts a token issued here and not yet expired.
    pub(crate) async fn check_access_token(&self, token: &str) -> Result<(), ApiError> {
        let hash = self.pepper().hash(&format!("access-token:{token}"));
        let expires: Option<i64> = self
            .read(move |tx, _| {
                Ok(tx
                    .query_row("SELECT expires_at FROM access_tokens WHERE token_hash = ?1", params![hash], |r| {
                        r.get(0)
                    })
                    .optional()?)
            })
            .await?;
        match expires {
            None => Err(ApiError::InvalidToken("the token was not issued here")),
            Some(at) if at <= self.now() => Err(ApiError::InvalidToken("the token has expired")),
            Some(_) => Ok(()),
        }
    }
}
