//! Health, metrics and the OpenAPI document.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::{Access, Routes};
use crate::problem::{ApiResult, Problem};
use crate::AppState;
use utoipa_axum::routes;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    pub version: &'static str,
}

/// Whether the server and its database answer.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state.app.health().await?;
    Ok(Json(Health { status: "ok", database: state.app.store.engine(), version: env!("CARGO_PKG_VERSION") }))
}

/// This document: the OpenAPI 3.1 description of every route.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
pub async fn openapi_json(State(state): State<AppState>) -> Response {
    match state.openapi_json.get() {
        Some(json) => ([(header::CONTENT_TYPE, "application/json")], json.clone()).into_response(),
        None => Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable", None)
            .into_response(),
    }
}

/// Operational metrics in the Prometheus text format (request counts and durations by route).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus metrics", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(super::PUBLIC, routes!(healthz))
        .add(super::PUBLIC, routes!(openapi_json))
        .add(Access::MetricsScrape, routes!(metrics))
}
