//! One user's administration page: deactivate and reactivate, reset the password (the one-time
//! password shown once), change roles and institution, unlock. Administrators only; each
//! change is audited by the use case (`redress_app::users`). A refusal shows the page again
//! with what was chosen still chosen.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{context, Value};
use redress_app::AppError;
use redress_domain::policy::rules;
use redress_domain::Role;

use super::forms::{failure, notice, Fields, Refusal};
use super::render::render;
use super::{PagePath, PageRoutes, Viewer};
use crate::extract::Context;
use crate::views::accounts::UserView;
use crate::AppState;

async fn user_values(state: &AppState, viewer: &Viewer, id: i64) -> Result<Value, AppError> {
    let user: UserView = state.app.user_by_id(viewer.actor(), id).await?.into();
    let locked = state.app.user_locked_out(viewer.actor(), &user.username).await?;
    let institutions: Vec<Value> = state
        .app
        .list_institutions(viewer.actor(), None, Some(500))
        .await?
        .iter()
        .map(|i| context! { id => i.id.0, name => i.name, kind => i.kind.as_str() })
        .collect();
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let chosen = user.roles.clone();
    let is_self = viewer.actor().user_id.is_some_and(|me| me.0 == id);
    Ok(context! {
        u => Value::from_serialize(&user), institutions => institutions, roles_all => roles,
        chosen_roles => chosen, chosen_institution => user.institution_id, is_self => is_self,
        locked => locked,
    })
}

async fn show(state: &AppState, viewer: &Viewer, id: i64, status: StatusCode, extra: Value) -> Response {
    match user_values(state, viewer, id).await {
        Ok(values) => {
            let mut response = render(viewer, status, "user.html", context! { ..extra, ..values });
            // A one-time password may be on this page: never keep it in a cache.
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => failure(viewer, error),
    }
}

async fn user_page(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&viewer, &query);
    show(&state, &viewer, id, StatusCode::OK, context! { notice => notice }).await
}

/// After a change: back to the user's page with a notice, or the page again with the refusal
/// (and what was chosen, in `kept`).
async fn answer(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    result: Result<(), AppError>,
    notice_key: &str,
    kept: Value,
) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/admin/users/{id}?notice={notice_key}")).into_response(),
        Err(error @ (AppError::Refused(_) | AppError::Invalid(_) | AppError::Conflict(_))) => {
            let status = crate::problem::status_of(&error);
            let problem = match &error {
                AppError::Refused(field) | AppError::Conflict(field) => {
                    Some(crate::i18n::codes::reason(viewer.locale, &field.reason))
                }
                _ => None,
            };
            let refusal = Refusal::of(viewer.locale, error).ok();
            let errors = refusal.as_ref().map(|r| r.errors());
            let extra = context! { problem => problem, errors => errors, ..kept };
            show(state, viewer, id, status, extra).await
        }
        Err(error) => failure(viewer, error),
    }
}

async fn deactivate(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
) -> Response {
    let result = state.app.deactivate_user(viewer.actor(), &context, id).await.map(|_| ());
    answer(&state, &viewer, id, result, "user-deactivated", context! {}).await
}

async fn reactivate(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
) -> Response {
    let result = state.app.reactivate_user(viewer.actor(), &context, id).await.map(|_| ());
    answer(&state, &viewer, id, result, "user-reactivated", context! {}).await
}

async fn unlock(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
) -> Response {
    let result = state.app.unlock_user(viewer.actor(), &context, id).await.map(|_| ());
    answer(&state, &viewer, id, result, "user-unlocked", context! {}).await
}

/// Resets the password and shows the one-time password on this answer only (no redirect, so
/// it is never in a URL or the history).
async fn reset_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
) -> Response {
    match state.app.reset_password(viewer.actor(), &context, id).await {
        Ok(reset) => {
            let password = reset.password.expose().clone();
            show(&state, &viewer, id, StatusCode::OK, context! { one_time_password => password }).await
        }
        Err(error) => answer(&state, &viewer, id, Err(error), "", context! {}).await,
    }
}

async fn set_roles(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let roles = Fields::parse(&body).all("roles");
    let result = state.app.set_user_roles(viewer.actor(), &context, id, &roles).await.map(|_| ());
    answer(&state, &viewer, id, result, "user-roles-changed", context! { chosen_roles => roles }).await
}

async fn set_institution(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let chosen = Fields::parse(&body).get("institution_id");
    let result = match chosen.parse::<i64>() {
        Ok(institution) => {
            state.app.set_user_institution(viewer.actor(), &context, id, institution).await.map(|_| ())
        }
        Err(_) => Err(redress_domain::FieldError::new("institution_id", "choose an institution").into()),
    };
    let kept = context! { chosen_institution => chosen.parse::<i64>().ok() };
    answer(&state, &viewer, id, result, "user-institution-changed", kept).await
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    let admin = rules::ADMINISTER_USERS;
    pages
        .add(admin, &["GET"], "/admin/users/{id}", get(user_page))
        .add(admin, &["POST"], "/admin/users/{id}/deactivate", post(deactivate))
        .add(admin, &["POST"], "/admin/users/{id}/reactivate", post(reactivate))
        .add(admin, &["POST"], "/admin/users/{id}/unlock", post(unlock))
        .add(admin, &["POST"], "/admin/users/{id}/reset-password", post(reset_password))
        .add(admin, &["POST"], "/admin/users/{id}/roles", post(set_roles))
        .add(admin, &["POST"], "/admin/users/{id}/institution", post(set_institution))
}
