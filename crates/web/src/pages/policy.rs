//! The fund's allocation policy: the current version, its history, publishing a new one.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{context, Value};
use redress_domain::policy::rules;
use redress_domain::Policy;

use super::claims::needs;
use super::forms::{failure, field_errors, notice, Fields};
use super::render::render;
use super::{PageRoutes, Viewer};
use crate::extract::Context;
use crate::AppState;

async fn policy_view(state: &AppState, viewer: &Viewer, status: StatusCode, extra: Value) -> Response {
    let (policy, versions) = match (
        state.app.fund_policy(viewer.actor(), None).await,
        state.app.fund_policies(viewer.actor()).await,
    ) {
        (Ok(policy), Ok(versions)) => (policy, versions),
        (Err(error), _) | (_, Err(error)) => return failure(viewer, error),
    };
    render(
        viewer,
        status,
        "policy.html",
        context! {
            ..extra,
            ..context! {
                policy => Value::from_serialize(&policy),
                versions => Value::from_serialize(&versions),
                needs => needs(),
                can_publish => rules::MANAGE_POLICY.allows(&viewer.actor().roles),
            }
        },
    )
}

async fn policy_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&viewer, &query);
    policy_view(&state, &viewer, StatusCode::OK, context! { notice => notice }).await
}

async fn publish_policy(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let current = match state.app.fund_policy(viewer.actor(), None).await {
        Ok(current) => current.policy,
        Err(error) => return failure(&viewer, error),
    };
    let number = |name: &str| f.get(name).parse::<i64>().unwrap_or(-1);
    let document = redress_app::claims::PolicyDocument {
        currency: current.currency,
        reserve: f.get("reserve"),
        minimum_line: f.get("minimum_line"),
        advance_cap: f.get("advance_cap"),
        claim_cap: f.optional("claim_cap"),
        urgent: f.all("urgent"),
        high: f.all("high"),
        urgent_decision_hours: number("urgent_decision_hours"),
        standard_decision_days: number("standard_decision_days"),
        payment_working_days: u32::try_from(number("payment_working_days")).unwrap_or(0),
        payee_without_account: current.payee_without_account,
    };
    match state.app.publish_policy(viewer.actor(), &context, document).await {
        Ok(_) => Redirect::to("/policy?notice=policy-published").into_response(),
        Err(error) => {
            let errors = field_errors(viewer.locale, &error);
            if errors.is_none() {
                return failure(&viewer, error);
            }
            policy_view(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, context! { errors => errors })
                .await
        }
    }
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages.add(Policy::Authenticated, &["GET"], "/policy", get(policy_page)).add(
        rules::MANAGE_POLICY,
        &["POST"],
        "/policy",
        post(publish_policy),
    )
}
