//! What every management request goes through: the worker bearer token, the environment in the
//! path, and JSON bodies whose rejections become `INVALID_DATA` answers instead of axum's text.

use axum::extract::{FromRequest, Request, State as AxumState};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::{ApiError, State};

/// Refuses management calls without `Authorization: Bearer <worker token>`.
pub async fn require_worker_token(
    AxumState(state): AxumState<State>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized("a worker bearer token is required"))?;
    let expected = state.config().worker_token.as_bytes();
    if !bool::from(presented.as_bytes().ct_eq(expected)) {
        tracing::warn!("management call with a wrong worker token");
        return Err(ApiError::Unauthorized("the worker token is not valid"));
    }
    Ok(next.run(request).await)
}

/// The environment in the path must be the one served.
pub fn check_environment(state: &State, env: &str) -> Result<(), ApiError> {
    if env == state.config().environment_id {
        Ok(())
    } else {
        Err(ApiError::NotFound("environment"))
    }
}

/// A JSON body; malformed JSON or a wrong content type is a 400 naming the problem.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::TooLarge)
            }
            Err(rejection) => Err(ApiError::invalid("INVALID_JSON", rejection.body_text())),
        }
    }
}
