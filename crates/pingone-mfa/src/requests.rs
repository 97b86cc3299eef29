//! What every management request goes through: the worker bearer token, the environment in the
//! path, and JSON bodies whose rejections become `INVALID_DATA` answers instead of axum's text.

use axum::extract::{FromRequest, Request, State as AxumState};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;

use crate::{ApiError, State};

/// Refuses Platform API calls without `Authorization: Bearer <access token>` issued by
/// `/{envId}/as/token` and still valid: 401 `ACCESS_FAILED` with detail `INVALID_TOKEN`.
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
        .ok_or(ApiError::InvalidToken("a bearer access token is required"))?;
    if let Err(refused) = state.check_access_token(presented.trim()).await {
        tracing::warn!(error = %refused, "Platform API call with a token not accepted");
        return Err(refused);
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

/// A JSON body; malformed JSON or a wrong content type is a 400 `INVALID_REQUEST` naming the problem.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::TooLarge)
            }
            Err(rejection) => Err(ApiError::BadRequest(rejection.body_text())),
        }
    }
}

/// A POST whose `Content-Type` names the action (PingOne's custom media types such as
/// `application/vnd.pingidentity.otp.check+json`), with its JSON body still to be read.
pub struct ActionBody {
    pub content_type: String,
    pub bytes: axum::body::Bytes,
}

impl ActionBody {
    /// The body as `T`; malformed JSON is a 400 `INVALID_REQUEST`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.bytes).map_err(|e| ApiError::BadRequest(format!("the body is not valid: {e}")))
    }

    /// True when the content type (parameters aside) is `media_type`.
    pub fn is(&self, media_type: &str) -> bool {
        self.content_type.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case(media_type))
    }
}

impl<S: Send + Sync> FromRequest<S> for ActionBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|_| ApiError::TooLarge)?;
        Ok(Self { content_type, bytes })
    }
}
