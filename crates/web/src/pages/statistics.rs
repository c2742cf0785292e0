//! Aggregate statistics, small cells suppressed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::{context, Value};
use redress_domain::policy::rules;

use super::forms::failure;
use super::render::render;
use super::{PageRoutes, Viewer};
use crate::AppState;

async fn statistics_page(State(state): State<AppState>, viewer: Viewer) -> Response {
    match state.app.statistics(viewer.actor()).await {
        Ok(stats) => render(
            &viewer,
            StatusCode::OK,
            "statistics.html",
            context! { stats => Value::from_serialize(&stats) },
        ),
        Err(error) => failure(&viewer, error),
    }
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages.add(rules::READ_STATISTICS, &["GET"], "/statistics", get(statistics_page))
}
