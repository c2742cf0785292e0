//! `Idempotency-Key` on creating POSTs: a retry gets the first answer, after a crash or a
//! timeout too. The rules are in `redress_app::idempotency`; this is the HTTP side.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use redress_app::idempotency::{idempotency_hash, IdempotencyStart, KeyInUse, CURRENT};
use redress_app::store::IdempotentResponse;
use redress_app::{Actor, AppError};
use redress_domain::FieldError;

use crate::problem::Problem;
use crate::AppState;

/// The header that makes a creating POST safe to retry.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// Largest answer remembered for a retry.
const REMEMBERED_BYTES_MAX: usize = 4 * 1024 * 1024;

/// Runs a POST sent with an `Idempotency-Key` at most once per user and key: a retry of the
/// same request gets the first answer again (with `Idempotent-Replayed: true`); the same key
/// with a different request is refused (422); a retry while the first is still running is
/// told to wait (409 with `Retry-After`); a retry of a request whose server stopped after its
/// work was applied but before it answered is told so (409 `idempotency-applied`), never run
/// twice.
pub async fn idempotent(
    state: AppState,
    actor: Actor,
    key: String,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, state.app.settings.server.body_limit_bytes).await else {
        return Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", "Request too large", None)
            .into_response();
    };
    let hash = idempotency_hash(parts.method.as_str(), parts.uri.path(), &bytes);
    match state.app.idempotency_begin(&actor, &key, &hash).await {
        Ok(IdempotencyStart::Fresh) => {}
        Ok(start) => return refusal(start),
        Err(error) => return Problem::from(error).into_response(),
    }
    let Some(user) = actor.user_id else {
        return next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await;
    };
    // If this future is dropped (the request timeout, or the client went away), the guard
    // forgets the key unless the work applied, so that a retry is not kept waiting.
    let mut guard = AbandonGuard { state: Some(state.clone()), user: KeyInUse { user, key: key.clone() } };
    let scope = KeyInUse { user, key: key.clone() };
    let request = Request::from_parts(parts, axum::body::Body::from(bytes));
    let response = CURRENT.scope(scope, next.run(request)).await;
    let (parts, body) = response.into_parts();
    let remembered = match axum::body::to_bytes(body, REMEMBERED_BYTES_MAX).await {
        Ok(bytes) => bytes,
        Err(_) => {
            drop(guard); // forgets the key (unless applied)
            return Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", None)
                .into_response();
        }
    };
    guard.state = None;
    let stored = IdempotentResponse {
        request_hash: hash,
        status: parts.status.as_u16(),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: Some(String::from_utf8_lossy(&remembered).into_owned()),
    };
    if let Err(error) =
        state.app.idempotency_finish(&actor, &key, &stored, parts.status.is_server_error()).await
    {
        tracing::warn!(%error, "could not remember an idempotent answer");
    }
    Response::from_parts(parts, axum::body::Body::from(remembered))
}

/// The answer to a retry that must not run.
fn refusal(start: IdempotencyStart) -> Response {
    match start {
        IdempotencyStart::Replay(stored) => {
            let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
            let mut response = (status, stored.body.unwrap_or_default()).into_response();
            if let Some(content_type) = stored.content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
                response.headers_mut().insert(header::CONTENT_TYPE, content_type);
            }
            response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
        IdempotencyStart::Mismatch => Problem::from(AppError::Invalid(
            FieldError::new("Idempotency-Key", "was already used for a different request").into(),
        ))
        .into_response(),
        IdempotencyStart::InProgress { retry_after_seconds } => {
            let mut problem = Problem::from(AppError::Conflict(FieldError::new(
                "Idempotency-Key",
                "the first request with this key is still being processed; retry shortly",
            )));
            problem.retry_after = Some(u64::try_from(retry_after_seconds.max(1)).unwrap_or(1));
            problem.into_response()
        }
        IdempotencyStart::AppliedAnswerLost { applied_at } => {
            let mut problem = Problem::new(
                StatusCode::CONFLICT,
                "idempotency-applied",
                "Already applied",
                Some(format!(
                    "the request with this key was applied at {} but the server stopped before answering; \
                     it will not run again: look the result up instead of retrying",
                    applied_at.to_rfc3339()
                )),
            );
            problem.errors = vec![crate::problem::ProblemField {
                field: "Idempotency-Key".into(),
                reason: "already applied; its answer was lost when the server stopped".into(),
            }];
            problem.into_response()
        }
        IdempotencyStart::Fresh => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Forgets an unfinished key when the request stops without an answer.
struct AbandonGuard {
    state: Option<AppState>,
    user: KeyInUse,
}

impl Drop for AbandonGuard {
    fn drop(&mut self) {
        let Some(state) = self.state.take() else { return };
        let KeyInUse { user, key } = self.user.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = state.app.idempotency_abandon(user, &key).await {
                    tracing::warn!(%error, "could not release an abandoned idempotency key");
                }
            });
        }
    }
}
