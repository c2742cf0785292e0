//! Administering users (administrators only): deactivate, reactivate, reset a password, change
//! roles and institution, unlock. Each is audited; see `redress_app::users`.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{Access, Routes};
use crate::extract::{ApiJson, ApiPath, Context, CurrentActor};
use crate::problem::{ApiResult, Problem};
use crate::views::accounts::UserView;
use crate::AppState;
use redress_domain::policy::rules;
use utoipa_axum::routes;

/// Deactivates a user: they cannot log in, and their sessions end. Their records and history stay.
#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", tag = "administration",
    params(("id" = i64, Path, description = "The user's id")),
    responses((status = 200, body = UserView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an administrator, or yourself"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn deactivate_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(state.app.deactivate_user(&actor, &context, id).await?.into()))
}

/// Lets a deactivated user log in again.
#[utoipa::path(post, path = "/api/v1/users/{id}/reactivate", tag = "administration",
    params(("id" = i64, Path, description = "The user's id")),
    responses((status = 200, body = UserView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn reactivate_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(state.app.reactivate_user(&actor, &context, id).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct PasswordResetResponse {
    pub user: UserView,
    /// The one-time password to hand to the user, shown this once. At the next login the user
    /// must choose a new password before doing anything else.
    pub password: String,
}

/// Resets a user's password to a random one-time password, ends their sessions and unlocks them.
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", tag = "administration",
    params(("id" = i64, Path, description = "The user's id")),
    responses((status = 200, body = PasswordResetResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn reset_password(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<PasswordResetResponse>> {
    let reset = state.app.reset_password(&actor, &context, id).await?;
    Ok(Json(PasswordResetResponse { user: reset.user.into(), password: reset.password.expose().clone() }))
}

/// Clears a user's failed logins, so that a locked-out user may log in again at once.
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "administration",
    params(("id" = i64, Path, description = "The user's id")),
    responses((status = 200, body = UserView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn unlock_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(state.app.unlock_user(&actor, &context, id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesRequest {
    /// One or more of: victim_services, prosecutor, court_clerk, asset_manager, fund_officer,
    /// treasurer, auditor, analyst, admin. Replaces the user's roles.
    pub roles: Vec<String>,
}

/// Replaces a user's roles; they apply from the user's next request.
#[utoipa::path(put, path = "/api/v1/users/{id}/roles", tag = "administration",
    params(("id" = i64, Path, description = "The user's id")), request_body = RolesRequest,
    responses((status = 200, body = UserView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an administrator, or removing your own admin role"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn set_roles(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<RolesRequest>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(state.app.set_user_roles(&actor, &context, id, &request.roles).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstitutionRequest {
    pub institution_id: i64,
}

/// Moves a user to another institution; their sessions end.
#[utoipa::path(put, path = "/api/v1/users/{id}/institution", tag = "administration",
    params(("id" = i64, Path, description = "The user's id")), request_body = InstitutionRequest,
    responses((status = 200, body = UserView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn set_institution(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<InstitutionRequest>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(state.app.set_user_institution(&actor, &context, id, request.institution_id).await?.into()))
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(deactivate_user))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(reactivate_user))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(reset_password))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(unlock_user))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(set_roles))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(set_institution))
}
