//! The audit trail, newest first.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::{context, Value};
use redress_domain::policy::rules;

use super::forms::failure;
use super::render::render;
use super::{PageRoutes, Viewer};
use crate::i18n::codes;
use crate::AppState;

async fn audit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let before = query.get("before").and_then(|b| b.parse().ok());
    let limit = 100;
    let locale = viewer.locale;
    match state.app.audit_page(viewer.actor(), before, Some(limit)).await {
        Ok(records) => {
            let next_before =
                (records.len() as i64 == limit).then(|| records.last().map(|r| r.seq)).flatten();
            let rows: Vec<Value> = records
                .iter()
                .map(|r| {
                    let e = &r.event;
                    context! {
                        seq => r.seq,
                        at => e.at.to_rfc3339(),
                        actor => e.actor,
                        action => codes::audit_action(locale, &e.action),
                        target => e.target_type.as_ref().map(|t| {
                            let kind = codes::code(locale, "audit-object", t);
                            format!("{kind} {}", e.target_id.clone().unwrap_or_default())
                        }),
                        purpose => e.purpose.as_ref().map(|p| codes::code(locale, "audit-purpose", p)),
                    }
                })
                .collect();
            render(
                &viewer,
                StatusCode::OK,
                "audit.html",
                context! { entries => rows, next_before => next_before },
            )
        }
        Err(error) => failure(&viewer, error),
    }
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages.add(rules::READ_AUDIT_TRAIL, &["GET"], "/audit", get(audit_page))
}
