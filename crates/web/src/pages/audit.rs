//! The audit trail, newest first, filtered by user, action, object and days (in Lima).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::{context, Value};
use redress_app::lists::AuditFilter;
use redress_domain::audit::AuditRecord;
use redress_domain::policy::rules;

use super::filters::{day_range, kept, text};
use super::forms::failure;
use super::render::render;
use super::{PageRoutes, Viewer};
use crate::i18n::{codes, Locale};
use crate::AppState;

/// The filter fields of the audit page.
const FIELDS: &[&str] = &["user", "action", "object", "id", "from", "to"];

fn row(locale: Locale, r: &AuditRecord) -> Value {
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
        object_link => e.target_type.as_ref().zip(e.target_id.as_ref()).map(|(t, id)| {
            format!("/audit?object={t}&id={}", super::urlencode(id))
        }),
        purpose => e.purpose.as_ref().map(|p| codes::code(locale, "audit-purpose", p)),
    }
}

/// The actions and objects to choose from, in words.
fn choices(locale: Locale) -> (Vec<Value>, Vec<Value>) {
    let actions = codes::AUDIT_ACTIONS
        .iter()
        .map(|a| context! { code => a, name => codes::audit_action(locale, a) })
        .collect();
    let objects = codes::AUDIT_OBJECTS
        .iter()
        .map(|o| context! { code => o, name => codes::code(locale, "audit-object", o) })
        .collect();
    (actions, objects)
}

async fn audit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let locale = viewer.locale;
    let before = query.get("before").and_then(|b| b.parse().ok());
    let limit = 100;
    let range = day_range(locale, &query);
    let (form, link) = kept(&query, FIELDS);
    let filter = AuditFilter {
        actor: text(&query, "user"),
        action: text(&query, "action"),
        target_type: text(&query, "object"),
        target_id: text(&query, "id"),
        from: range.from,
        to: range.to,
    };
    let (actions, objects) = choices(locale);
    let status = if range.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let records = if range.errors.is_empty() {
        match state.app.audit_search(viewer.actor(), &filter, before, Some(limit)).await {
            Ok(records) => records,
            Err(error) => return failure(&viewer, error),
        }
    } else {
        Vec::new()
    };
    let next_before = (records.len() as i64 == limit).then(|| records.last().map(|r| r.seq)).flatten();
    let rows: Vec<Value> = records.iter().map(|r| row(locale, r)).collect();
    render(
        &viewer,
        status,
        "audit.html",
        context! {
            entries => rows, next_before => next_before, form => form, link => link,
            errors => range.errors, actions => actions, objects => objects,
        },
    )
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages.add(rules::READ_AUDIT_TRAIL, &["GET"], "/audit", get(audit_page))
}
