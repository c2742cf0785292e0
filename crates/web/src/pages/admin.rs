//! Administration: users and institutions.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{context, Value};
use redress_app::AppError;
use redress_domain::policy::rules;
use redress_domain::{Role, Secret};

use super::forms::{failure, form_error, notice, Fields, Refusal};
use super::render::render;
use super::{PageRoutes, Viewer};
use crate::extract::Context;
use crate::views::accounts::UserView;
use crate::AppState;

async fn create_institution(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    match state.app.create_institution(viewer.actor(), &context, &f.get("name"), &f.get("kind")).await {
        Ok(_) => Redirect::to("/admin/users?notice=institution-created").into_response(),
        // The institution form's own refusal: its fields kept and marked, the user form empty.
        Err(error) => match (Refusal::of(viewer.locale, error), users_values(&state, &viewer).await) {
            (Ok(refusal), Ok(values)) => {
                let institution = context! { name => f.get("name"), kind => f.get("kind"), errors => refusal.errors(), ..refusal.as_line() };
                let values = context! { institution => institution, form => context! {}, ..values };
                render(&viewer, refusal.status, "users.html", values)
            }
            (Err(error), _) | (_, Err(error)) => failure(&viewer, error),
        },
    }
}

async fn users_values(state: &AppState, viewer: &Viewer) -> Result<Value, AppError> {
    let users: Vec<UserView> = state
        .app
        .list_users(viewer.actor(), None, Some(500))
        .await?
        .into_iter()
        .map(UserView::from)
        .collect();
    let institutions: Vec<Value> = state
        .app
        .list_institutions(viewer.actor(), None, Some(500))
        .await?
        .iter()
        .map(|i| context! { id => i.id.0, name => i.name, kind => i.kind.as_str() })
        .collect();
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    Ok(context! { users => Value::from_serialize(&users), institutions => institutions, roles_all => roles })
}

async fn users_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match users_values(&state, &viewer).await {
        Ok(values) => render(
            &viewer,
            StatusCode::OK,
            "users.html",
            context! { ..values, ..context! { notice => notice(&viewer, &query), form => context! {} } },
        ),
        Err(error) => failure(&viewer, error),
    }
}

async fn create_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let request = redress_app::accounts::CreateUser {
        username: fields.get("username"),
        display_name: None,
        institution: redress_app::accounts::InstitutionChoice::Id(
            fields.get("institution").parse().unwrap_or(0),
        ),
        roles: fields.all("roles"),
        password: Secret::new(fields.get("password")),
    };
    match state.app.create_user(viewer.actor(), &context, request).await {
        Ok(_) => Redirect::to("/admin/users?notice=users-created").into_response(),
        Err(error) => match users_values(&state, &viewer).await {
            Ok(values) => {
                let values = context! { chosen_roles => fields.all("roles"), ..values };
                form_error(&viewer, "users.html", error, values, &fields)
            }
            Err(other) => failure(&viewer, other),
        },
    }
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages
        .add(rules::ADMINISTER_USERS, &["GET", "POST"], "/admin/users", get(users_page).post(create_user))
        .add(rules::ADMINISTER_USERS, &["POST"], "/admin/institutions", post(create_institution))
}
