//! Logging in and out, the language switch, changing one's password, the stylesheet.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use redress_app::AppError;
use redress_domain::{Policy, Secret};

use super::forms::{failure, field_errors, safe_next, Fields};
use super::render::render;
use super::{PageRoutes, Viewer, LANGUAGE_COOKIE};
use crate::extract::Context;
use crate::i18n;
use crate::routes::session::session_cookie;
use crate::AppState;

async fn login_form(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let next = query.get("next").map(String::as_str).unwrap_or("/");
    if viewer.actor.is_some() {
        return Redirect::to(safe_next(next)).into_response();
    }
    // Back here after a login whose cookie the browser did not keep: say why instead of looping.
    let failed = query.contains_key("check").then(|| {
        i18n::translate(
            viewer.locale,
            crate::transport::missing_cookie_reason(&state.app.settings, &headers),
            &[],
        )
    });
    render(
        &viewer,
        StatusCode::OK,
        "login.html",
        context! { next => safe_next(next), username => "", failed },
    )
}

async fn login(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let username = fields.get("username");
    let next = fields.get("next");
    if crate::transport::is_cross_site(&state.app.settings, &headers) {
        let failed = i18n::translate(viewer.locale, "login-cross-site", &[]);
        let page = context! { failed, username => "", next => "/" };
        return render(&viewer, StatusCode::FORBIDDEN, "login.html", page);
    }
    match state.app.login(&context, &username, Secret::new(fields.get("password"))).await {
        Ok(outcome) => {
            let lifetime = state.app.settings.security.session_lifetime_minutes * 60;
            let cookie = session_cookie(&state, &headers, outcome.token.expose(), lifetime);
            // Through the login page, which goes on to `next` if the browser kept the cookie; a
            // reset password must be changed first.
            let next = if outcome.user.must_change_password { "/password".to_string() } else { next };
            let check = format!("/login?check=1&next={}", super::forms::urlencode(safe_next(&next)));
            ([(header::SET_COOKIE, cookie)], Redirect::to(&check)).into_response()
        }
        Err(error) => {
            let (status, message) = match error {
                AppError::RateLimited { retry_after_seconds } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    i18n::translate(
                        viewer.locale,
                        "login-limited",
                        &[("seconds", retry_after_seconds.to_string())],
                    ),
                ),
                AppError::Unauthenticated | AppError::Invalid(_) => {
                    (StatusCode::UNAUTHORIZED, i18n::translate(viewer.locale, "login-failed", &[]))
                }
                other => return failure(&viewer, other),
            };
            render(
                &viewer,
                status,
                "login.html",
                context! { failed => message, username => username, next => safe_next(&next) },
            )
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    headers: axum::http::HeaderMap,
) -> Response {
    let _ = state.app.logout(viewer.actor(), &context).await;
    ([(header::SET_COOKIE, session_cookie(&state, &headers, "", 0))], Redirect::to("/login")).into_response()
}

async fn language(State(state): State<AppState>, viewer: Viewer, body: Bytes) -> Response {
    let fields = Fields::parse(&body);
    let locale = i18n::Locale::parse(&fields.get("locale")).unwrap_or_default();
    if let Some(actor) = &viewer.actor {
        if let Err(error) = state.app.set_user_locale(actor, locale.code()).await {
            return failure(&viewer, error);
        }
    }
    // Back to the page the switch was on (a local path only).
    let back = fields.optional("back").unwrap_or_else(|| "/".to_string());
    let cookie = format!("{LANGUAGE_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000", locale.code());
    ([(header::SET_COOKIE, cookie)], Redirect::to(safe_next(&back))).into_response()
}

async fn password_form(viewer: Viewer) -> Response {
    render(&viewer, StatusCode::OK, "password.html", context! {})
}

async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state
        .app
        .change_password(
            viewer.actor(),
            &context,
            Secret::new(fields.get("current")),
            Secret::new(fields.get("new")),
        )
        .await;
    match result {
        Ok(()) => Redirect::to("/?notice=password-changed").into_response(),
        Err(error) => match field_errors(viewer.locale, &error) {
            Some(errors) => render(
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                "password.html",
                context! { errors => errors },
            ),
            None => match error {
                AppError::Unauthenticated => render(
                    &viewer,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "password.html",
                    context! { errors => context! { current_password => i18n::translate(viewer.locale, "login-failed", &[]) } },
                ),
                other => failure(&viewer, other),
            },
        },
    }
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/redress.css"),
    )
        .into_response()
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages
        .add(Policy::Public, &["GET"], "/static/redress.css", get(stylesheet))
        .add(Policy::Public, &["GET", "POST"], "/login", get(login_form).post(login))
        .add(Policy::Public, &["POST"], "/language", post(language))
        .add(Policy::Authenticated, &["POST"], "/logout", post(logout))
        .add(Policy::Authenticated, &["GET", "POST"], "/password", get(password_form).post(change_password))
}
