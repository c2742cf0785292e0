//! Criminal cases: opening, finding by file number, stages, defendants and victims.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{context, Value};
use redress_app::AppError;
use redress_domain::policy::rules;

use super::forms::{failure, form_error, notice, Fields, Refusal};
use super::render::{render, render_problem};
use super::{PagePath, PageRoutes, Viewer};
use crate::extract::Context;
use crate::AppState;

fn offences(state: &AppState) -> Vec<Value> {
    state.app.settings.cases.offences.iter().map(|o| context! { code => o.code, name => o.name }).collect()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

async fn courts(state: &AppState, viewer: &Viewer) -> Vec<Value> {
    let courts = state.app.courts(viewer.actor()).await.unwrap_or_default();
    courts.into_iter().map(|(id, name)| context! { id => id, name => name }).collect()
}

async fn case_form(State(state): State<AppState>, viewer: Viewer) -> Response {
    let courts = courts(&state, &viewer).await;
    render(
        &viewer,
        StatusCode::OK,
        "case_new.html",
        context! { offences => offences(&state), courts => courts, form => context! {} },
    )
}

/// Cases newest first, as the reader may list them, by stage, a page of fifty at a time.
async fn cases_list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let stage = query.get("stage").map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let after = query.get("after").and_then(|a| a.parse().ok());
    let limit = 50;
    let stages: Vec<String> = stage.iter().cloned().collect();
    match state.app.cases(viewer.actor(), &stages, after, Some(limit)).await {
        Ok(cases) => {
            let next_after = (cases.len() as i64 == limit).then(|| cases.last().map(|c| c.id)).flatten();
            let all: Vec<&str> = redress_domain::cases::Stage::ALL.iter().map(|s| s.as_str()).collect();
            render(
                &viewer,
                StatusCode::OK,
                "cases.html",
                context! {
                    cases => Value::from_serialize(&cases),
                    stages => all,
                    filter => context! { stage => stage },
                    next_after => next_after,
                    can_open => viewer.actor().has_role(redress_domain::Role::Prosecutor),
                },
            )
        }
        Err(error) => failure(&viewer, error),
    }
}

async fn find_case(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let file = query.get("file").map(|f| f.trim().to_string()).unwrap_or_default();
    match state.app.case_by_file(viewer.actor(), &file).await {
        Ok(Some(id)) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Ok(None) => render_problem(&viewer, StatusCode::NOT_FOUND, "not-found-title", &file),
        Err(error) => failure(&viewer, error),
    }
}

async fn open_case(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let request = redress_app::cases::OpenCase {
        prosecutor_file: fields.get("prosecutor_file"),
        court_file: None,
        jurisdiction: fields.get("jurisdiction"),
        offences: fields.all("offences"),
        reported_on: fields.get("reported_on"),
        cross_border: false,
        partner_country: None,
        tracing_notes: None,
        court_id: fields.optional("court_id").and_then(|v| v.parse().ok()),
        defendants: lines(&fields.get("defendants")),
        victims: lines(&fields.get("victims")),
    };
    match state.app.open_case(viewer.actor(), &context, request).await {
        Ok(case) => Redirect::to(&format!("/cases/{}?notice=case-opened", case.id)).into_response(),
        Err(error) => {
            let values = context! { offences => offences(&state), courts => courts(&state, &viewer).await };
            form_error(&viewer, "case_new.html", error, values, &fields)
        }
    }
}

async fn case_view(state: &AppState, viewer: &Viewer, id: i64, status: StatusCode, extra: Value) -> Response {
    let case = match state.app.case(viewer.actor(), id).await {
        Ok(case) => case,
        Err(error) => return failure(viewer, error),
    };
    let judgments = match state.app.case_judgments(viewer.actor(), id).await {
        Ok(judgments) => judgments,
        Err(error) => return failure(viewer, error),
    };
    let stages: Vec<&str> = redress_domain::cases::Stage::ALL.iter().map(|s| s.as_str()).collect();
    let roles = &viewer.actor().roles;
    render(
        viewer,
        status,
        "case.html",
        context! {
            ..extra,
            ..context! {
                case => Value::from_serialize(&case),
                judgments => Value::from_serialize(&judgments),
                stages => stages,
                can_manage => rules::MANAGE_CASES.allows(roles),
                can_judge => rules::RECORD_JUDGMENTS.allows(roles),
            }
        },
    )
}

async fn case_page(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&viewer, &query);
    case_view(&state, &viewer, id, StatusCode::OK, context! { notice => notice }).await
}

/// The outcome of a small form on a case: back to the case, or the case with the problem.
async fn case_outcome(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    result: Result<redress_app::cases::CaseView, AppError>,
) -> Response {
    match result {
        Ok(_) => Redirect::to(&format!("/cases/{id}?notice=case-updated")).into_response(),
        Err(error) => match Refusal::of(viewer.locale, error) {
            Ok(refusal) => case_view(state, viewer, id, refusal.status, refusal.as_line()).await,
            Err(error) => failure(viewer, error),
        },
    }
}

async fn case_stage(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state
        .app
        .change_case_stage(viewer.actor(), &context, id, &fields.get("stage"), &fields.get("date"))
        .await;
    case_outcome(&state, &viewer, id, result).await
}

async fn case_defendant(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state.app.add_defendant(viewer.actor(), &context, id, &fields.get("name")).await;
    case_outcome(&state, &viewer, id, result).await
}

async fn case_victim(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state.app.add_case_victim(viewer.actor(), &context, id, &fields.get("code")).await;
    case_outcome(&state, &viewer, id, result).await
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages
        .add(rules::READ_CASES, &["GET"], "/cases", get(cases_list))
        .add(rules::MANAGE_CASES, &["GET"], "/cases/new", get(case_form))
        .add(rules::READ_CASES, &["GET"], "/cases/find", get(find_case))
        .add(rules::MANAGE_CASES, &["POST"], "/cases", post(open_case))
        .add(rules::READ_CASES, &["GET"], "/cases/{id}", get(case_page))
        .add(rules::MANAGE_CASES, &["POST"], "/cases/{id}/stage", post(case_stage))
        .add(rules::MANAGE_CASES, &["POST"], "/cases/{id}/defendants", post(case_defendant))
        .add(rules::MANAGE_CASES, &["POST"], "/cases/{id}/victims", post(case_victim))
}
