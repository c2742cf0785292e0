//! Logging in and out, the current user, changing one's password.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use redress_domain::Secret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::Routes;
use crate::credentials::SESSION_COOKIE;
use crate::extract::{ApiJson, Context, CurrentActor};
use crate::problem::{ApiResult, Problem};
use crate::views::accounts::UserView;
use crate::AppState;
use utoipa_axum::routes;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    #[schema(value_type = String, format = Password)]
    pub password: Secret<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// The session token: send it as `Authorization: Bearer <token>`. Also set as a cookie.
    pub token: String,
    /// Echo this in `X-CSRF-Token` on state-changing requests authenticated by the cookie.
    pub csrf_token: String,
    /// When the session ends at the latest (RFC 3339); it also ends after a period without use.
    pub expires_at: String,
    pub user: UserView,
}

/// The session cookie, `Secure` as [`crate::transport::cookie_secure`] decides for this request.
pub(crate) fn session_cookie(
    state: &AppState,
    headers: &HeaderMap,
    value: &str,
    max_age_seconds: i64,
) -> HeaderValue {
    let secure = if crate::transport::cookie_secure(&state.app.settings, headers) { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Logs in. Failed attempts are limited per username and per client address (429 with
/// `Retry-After` beyond the limit) and answered the same whether or not the user exists. A
/// browser's cross-site request (`Sec-Fetch-Site`, `Origin`) is refused: it would set the
/// session cookie of someone else's account (login CSRF).
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse, description = "Logged in; the session cookie is set too"),
        (status = 401, body = Problem, content_type = "application/problem+json",
            description = "Wrong username or password (the same answer for both)"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn login(
    State(state): State<AppState>,
    Context(context): Context,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    if crate::transport::is_cross_site(&state.app.settings, &headers) {
        return Ok(Problem::forbidden("a login from another site is refused").into_response());
    }
    let outcome = state.app.login(&context, &request.username, request.password).await?;
    let lifetime = state.app.settings.security.session_lifetime_minutes * 60;
    let cookie = session_cookie(&state, &headers, outcome.token.expose(), lifetime);
    let body = LoginResponse {
        token: outcome.token.expose().clone(),
        csrf_token: outcome.csrf_token,
        expires_at: outcome.expires_at.to_rfc3339(),
        user: UserView::from(outcome.user),
    };
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Logs out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "Logged out")))]
pub async fn logout(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    headers: HeaderMap,
) -> ApiResult<Response> {
    state.app.logout(&actor, &context).await?;
    let cookie = session_cookie(&state, &headers, "", 0);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// The current user, their institution and roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = UserView)))]
pub async fn me(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<UserView>> {
    Ok(Json(UserView::from(state.app.me(&actor).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[schema(value_type = String, format = Password)]
    pub current_password: Secret<String>,
    /// At least the configured minimum length (12 by default), not containing the username.
    #[schema(value_type = String, format = Password)]
    pub new_password: Secret<String>,
}

/// Changes the caller's password. Every other session of the caller ends.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "session", request_body = ChangePasswordRequest,
    responses((status = 204, description = "Password changed"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn change_password(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    state.app.change_password(&actor, &context, request.current_password, request.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(super::PUBLIC, routes!(login))
        .add(super::AUTHENTICATED, routes!(logout))
        .add(super::AUTHENTICATED, routes!(me))
        .add(super::AUTHENTICATED, routes!(change_password))
}
