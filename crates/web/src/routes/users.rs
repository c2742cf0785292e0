//! Users (administrators only).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use redress_app::accounts::{CreateUser, InstitutionChoice};
use redress_domain::Secret;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::{Access, Routes};
use crate::extract::{ApiJson, ApiQuery, Context, CurrentActor};
use crate::problem::{ApiResult, Problem};
use crate::views::accounts::UserView;
use crate::views::{PageQuery, Paged};
use crate::AppState;
use redress_domain::policy::rules;
use utoipa_axum::routes;

/// Every user with their institution and roles, by id.
#[utoipa::path(get, path = "/api/v1/users", tag = "administration", params(PageQuery),
    responses((status = 200, body = Paged<UserView>)))]
pub async fn list_users(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<Paged<UserView>>> {
    let limit = page.limit.unwrap_or(100);
    let users = state.app.list_users(&actor, page.after, Some(limit)).await?;
    let next_after = (users.len() as i64 == limit).then(|| users.last().map(|u| u.id.0)).flatten();
    Ok(Json(Paged { items: users.into_iter().map(UserView::from).collect(), next_after }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// 3–64 of a-z, 0-9, `.`, `_`, `-`, starting with a letter (lower-cased).
    pub username: String,
    pub display_name: Option<String>,
    pub institution_id: i64,
    /// One or more of: victim_services, prosecutor, court_clerk, asset_manager, fund_officer,
    /// treasurer, auditor, analyst, admin.
    pub roles: Vec<String>,
    /// The initial password (at least the configured minimum length).
    #[schema(value_type = String, format = Password)]
    pub password: Secret<String>,
}

/// Creates a user in an existing institution.
#[utoipa::path(post, path = "/api/v1/users", tag = "administration", request_body = CreateUserRequest,
    responses((status = 201, body = UserView),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The username is taken"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(request): ApiJson<CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let user = state
        .app
        .create_user(
            &actor,
            &context,
            CreateUser {
                username: request.username,
                display_name: request.display_name,
                institution: InstitutionChoice::Id(request.institution_id),
                roles: request.roles,
                password: request.password,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(UserView::from(user))))
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(list_users))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(create_user))
}
