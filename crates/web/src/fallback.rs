//! The answer to a request no route takes. Under `/api/` (and the operations endpoints) it is
//! a problem document like every other API error; anywhere else a person in a browser asked
//! for a page, and gets the HTML error page in their language (Spanish by default).

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
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

/// An error a layer answers rather than a handler (the request timeout's 503) has no body; under
/// `/api/` it gets a problem document like every other error, keeping the layers' headers.
pub async fn problem_for_bare_errors(request: Request, next: Next) -> Response {
    let api = is_api_path(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    let bare = !response.headers().contains_key(header::CONTENT_TYPE);
    if !(api && bare && (status.is_client_error() || status.is_server_error())) {
        return response;
    }
    let (slug, title) = match status {
        StatusCode::SERVICE_UNAVAILABLE => ("unavailable".to_string(), "Service unavailable".to_string()),
        other => {
            let reason = other.canonical_reason().unwrap_or("Error");
            (reason.to_ascii_lowercase().replace(' ', "-"), reason.to_string())
        }
    };
    let mut problem = Problem::new(status, &slug, &title, None).into_response();
    for (name, value) in response.headers() {
        if name != header::CONTENT_LENGTH && !problem.headers().contains_key(name) {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    problem
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::middleware::from_fn;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_bare_error_under_the_api_becomes_a_problem() {
        let router = Router::new()
            .route("/api/v1/slow", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
            .route("/slow", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
            .layer(from_fn(problem_for_bare_errors));
        let request = |path: &str| Request::builder().uri(path).body(Body::empty()).unwrap();
        let api = router.clone().oneshot(request("/api/v1/slow")).await.unwrap();
        assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(api.headers()[header::CONTENT_TYPE], crate::problem::CONTENT_TYPE);
        let page = router.oneshot(request("/slow")).await.unwrap();
        assert!(!page.headers().contains_key(header::CONTENT_TYPE));
    }
}
