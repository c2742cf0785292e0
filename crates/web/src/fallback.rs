//! The answer to a request no route takes. Under `/api/` (and the operations endpoints) it is
//! a problem document like every other API error; anywhere else a person in a browser asked
//! for a page, and gets the HTML error page in their language (Spanish by default).

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::pages::{render_error, viewer_of};
use crate::problem::Problem;
use crate::AppState;

/// Whether a path belongs to the JSON API and its operations endpoints rather than the pages.
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/healthz" || path == "/metrics"
}

/// No route has this path.
pub async fn no_route(State(state): State<AppState>, request: Request) -> Response {
    if is_api_path(request.uri().path()) {
        return Problem::not_found("no such route".into()).into_response();
    }
    let (viewer, _) = viewer_of(&state, request.headers(), request.uri()).await;
    render_error(&viewer, StatusCode::NOT_FOUND, "not-found-title", Some("not-found-text"))
}

/// The path exists, but not with this method (a typed or bookmarked `GET /logout`).
pub async fn method_not_allowed(State(state): State<AppState>, request: Request) -> Response {
    if is_api_path(request.uri().path()) {
        return Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            None,
        )
        .into_response();
    }
    let (viewer, _) = viewer_of(&state, request.headers(), request.uri()).await;
    render_error(&viewer, StatusCode::METHOD_NOT_ALLOWED, "not-found-title", Some("not-found-text"))
}
