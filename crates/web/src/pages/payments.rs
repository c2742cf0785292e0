//! Allocation rounds and payment batches: the dry run and its commit, a round and its replay,
//! proposing, approving, and the bank's results.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{context, Value};
use redress_app::AppError;
use redress_domain::policy::rules;

use super::filters::{kept, list_page, next_after, parsed, LIST_LIMIT};
use super::forms::{failure, notice, Fields, Refusal};
use super::render::{render, render_problem};
use super::{PagePath, PageRoutes, Viewer};
use crate::extract::Context;
use crate::AppState;

async fn allocation_preview(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
) -> Response {
    match state.app.allocation_round(viewer.actor(), &context, false, None).await {
        Ok(round) => {
            render(&viewer, StatusCode::OK, "round.html", context! { round => Value::from_serialize(&round) })
        }
        Err(error) => failure(&viewer, error),
    }
}

async fn allocation_commit(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let hash = fields.get("inputs_hash");
    match state.app.allocation_round(viewer.actor(), &context, true, Some(&hash)).await {
        Ok(round) => Redirect::to(&format!("/rounds/{}", round.id.unwrap_or_default())).into_response(),
        Err(AppError::Conflict(field)) => {
            // Something changed since the preview: show the new preview with the reason.
            match state.app.allocation_round(viewer.actor(), &context, false, None).await {
                Ok(round) => render(
                    &viewer,
                    StatusCode::CONFLICT,
                    "round.html",
                    context! { round => Value::from_serialize(&round), problem => field.reason },
                ),
                Err(error) => failure(&viewer, error),
            }
        }
        Err(error) => failure(&viewer, error),
    }
}

async fn round_page(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let extra = context! { form => context! { execution_date => default_execution_date(&state) } };
    round_view(&state, &viewer, id, StatusCode::OK, extra, query.contains_key("replay")).await
}

/// Tomorrow in the fund's time zone: the execution date the proposal form suggests.
fn default_execution_date(state: &AppState) -> String {
    let today = state.app.today();
    today.next_day().unwrap_or(today).to_string()
}

/// A round with its lines, its batch when proposed, and the replay's result when asked.
async fn round_view(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    status: StatusCode,
    extra: Value,
    replay: bool,
) -> Response {
    let round = match state.app.round(viewer.actor(), id).await {
        Ok(round) => round,
        Err(error) => return failure(viewer, error),
    };
    let replay = if replay {
        match state.app.replay_round(viewer.actor(), id).await {
            Ok(replay) => Some(replay.lines_match && replay.inputs_hash_matches),
            Err(error) => return failure(viewer, error),
        }
    } else {
        None
    };
    let batch_id = match state.app.round_batch(viewer.actor(), id).await {
        Ok(batch) => batch,
        Err(error) => return failure(viewer, error),
    };
    let values = context! { round => Value::from_serialize(&round), batch_id => batch_id, replay => replay };
    render(viewer, status, "round.html", context! { ..extra, ..values })
}

/// Proposes the round's batch to be executed on the chosen date (not in the past); a refusal
/// shows the round again with the error next to the date, the date kept.
async fn propose_batch(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let Ok(round_id) = fields.get("round_id").parse::<i64>() else {
        let detail = format!(
            "{}: {}",
            crate::i18n::codes::field_label(viewer.locale, "round_id"),
            crate::i18n::codes::reason(viewer.locale, "must be a number")
        );
        return render_problem(&viewer, StatusCode::UNPROCESSABLE_ENTITY, "error-title", &detail);
    };
    let date = fields.optional("execution_date");
    match state.app.propose_batch(viewer.actor(), &context, round_id, date.as_deref()).await {
        Ok(batch) => Redirect::to(&format!("/batches/{}", batch.id)).into_response(),
        Err(error) => match Refusal::of(viewer.locale, error) {
            Ok(refusal) => {
                let extra = context! { ..refusal.values_and_line(), ..context! { form => fields.value() } };
                round_view(&state, &viewer, round_id, refusal.status, extra, false).await
            }
            Err(error) => failure(&viewer, error),
        },
    }
}

/// Allocation rounds newest first, by where their batch stands (none yet, or its state).
async fn rounds_list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    use redress_app::record_lists::{RoundFilter, ROUND_WITHOUT_BATCH};
    let (form, link) = kept(&query, &["state"]);
    let mut errors = std::collections::BTreeMap::new();
    let filter = parsed(viewer.locale, &query, "state", &mut errors, |v| {
        RoundFilter::parse("state", v).map_err(|e| e.reason)
    })
    .unwrap_or_default();
    let after = query.get("after").and_then(|a| a.parse().ok());
    let mut next = None;
    let rows = if errors.is_empty() {
        state.app.round_list(viewer.actor(), filter, after, Some(LIST_LIMIT)).await.map(|rounds| {
            next = next_after(rounds.iter().map(|r| r.id), LIST_LIMIT);
            Value::from_serialize(&rounds)
        })
    } else {
        Ok(Value::from(Vec::<Value>::new()))
    };
    let mut states = vec![ROUND_WITHOUT_BATCH];
    states.extend(redress_domain::payments::BatchState::ALL.iter().map(|s| s.as_str()));
    let values = context! { form => form, link => link, next_after => next, states => states };
    list_page(&viewer, "rounds.html", rows, errors, values)
}

/// Payment batches newest first, by state, without their lines.
async fn batches_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    use redress_domain::payments::BatchState;
    let (form, link) = kept(&query, &["state"]);
    let mut errors = std::collections::BTreeMap::new();
    let wanted = parsed(viewer.locale, &query, "state", &mut errors, |v| {
        BatchState::parse(v).ok_or_else(|| "must be proposed, approved, exported or closed".to_string())
    });
    let after = query.get("after").and_then(|a| a.parse().ok());
    let mut next = None;
    let rows = if errors.is_empty() {
        let states: Vec<BatchState> = wanted.into_iter().collect();
        state.app.batch_list(viewer.actor(), &states, after, Some(LIST_LIMIT)).await.map(|batches| {
            next = next_after(batches.iter().map(|b| b.id), LIST_LIMIT);
            Value::from_serialize(&batches)
        })
    } else {
        Ok(Value::from(Vec::<Value>::new()))
    };
    let states: Vec<&str> = BatchState::ALL.iter().map(|s| s.as_str()).collect();
    let values = context! { form => form, link => link, next_after => next, states => states };
    list_page(&viewer, "batches.html", rows, errors, values)
}

/// A batch with its lines, and what a form on it adds (`extra`).
async fn batch_view(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    status: StatusCode,
    extra: Value,
) -> Response {
    match state.app.batch(viewer.actor(), id).await {
        Ok(batch) => render(
            viewer,
            status,
            "batch.html",
            context! {
                ..extra,
                ..context! {
                    batch => Value::from_serialize(&batch),
                    can_approve => rules::APPROVE_PAYMENTS.allows(&viewer.actor().roles),
                }
            },
        ),
        Err(error) => failure(viewer, error),
    }
}

async fn batch_page(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&viewer, &query);
    batch_view(&state, &viewer, id, StatusCode::OK, context! { notice => notice }).await
}

/// The bank file of an approved batch, downloaded from its page; a refusal (no bank account
/// configured, a batch not approved yet) is an error page, not a problem document.
async fn batch_file(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
) -> Response {
    match state.app.export_batch(viewer.actor(), &context, id).await {
        Ok((file_name, xml)) => (
            [
                (header::CONTENT_TYPE, "application/xml; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
            ],
            xml,
        )
            .into_response(),
        Err(error) => failure(&viewer, error),
    }
}

async fn approve_batch(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
) -> Response {
    match state.app.approve_batch(viewer.actor(), &context, id).await {
        Ok(_) => Redirect::to(&format!("/batches/{id}?notice=batch-approved")).into_response(),
        Err(error) => failure(&viewer, error),
    }
}

async fn batch_report(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state.app.import_status_report(viewer.actor(), &context, id, &fields.get("report")).await;
    batch_results_outcome(&state, &viewer, id, result).await
}

async fn batch_manual(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let results: Vec<redress_app::payments::ManualResult> = fields
        .0
        .iter()
        .filter_map(|(name, value)| {
            let e2e = name.strip_prefix("status:")?;
            (!value.is_empty()).then(|| redress_app::payments::ManualResult {
                end_to_end_id: e2e.to_string(),
                status: value.clone(),
                reason_code: None,
                reason: fields.optional(&format!("reason:{e2e}")),
            })
        })
        .collect();
    let result = state.app.record_bank_results(viewer.actor(), &context, id, results).await;
    batch_results_outcome(&state, &viewer, id, result).await
}

async fn batch_results_outcome(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    result: Result<redress_app::payments::ResultsSummary, AppError>,
) -> Response {
    let (status, extra) = match result {
        Ok(summary) => return results_page(viewer, id, &summary),
        Err(error) => match Refusal::of(viewer.locale, error) {
            Ok(refusal) => (refusal.status, refusal.as_line()),
            Err(error) => return failure(viewer, error),
        },
    };
    batch_view(state, viewer, id, status, extra).await
}

/// What the bank's results did, line by line: accepted, rejected with the bank's reasons in
/// words, contradictions left as they were, and what could not be applied.
fn results_page(viewer: &Viewer, id: i64, summary: &redress_app::payments::ResultsSummary) -> Response {
    let locale = viewer.locale;
    let lines = |wanted: &str| -> Vec<Value> {
        summary
            .results
            .iter()
            .filter(|r| r.status == wanted)
            .map(|r| {
                let reason = match (&r.reason_code, &r.reason) {
                    (Some(code), _) => Some(crate::i18n::codes::bank_reason(locale, code)),
                    (None, Some(text)) => Some(text.clone()),
                    (None, None) => None,
                };
                context! { claim_id => r.claim_id, end_to_end_id => r.end_to_end_id, reason => reason, waiting_for => r.waiting_for }
            })
            .collect()
    };
    let problems: Vec<String> = summary.problems.iter().map(|p| bank_problem(locale, p)).collect();
    let conflicts: Vec<String> = summary.conflicts.iter().map(|c| bank_conflict(locale, c)).collect();
    let values = context! {
        batch_id => id, accepted => lines("accepted"), rejected => lines("rejected"),
        unchanged => summary.unchanged, pending => summary.pending, duplicate => summary.duplicate,
        batch_state => summary.batch_state, problems => problems, conflicts => conflicts,
    };
    render(viewer, StatusCode::OK, "bank_results.html", values)
}

/// `unknown_end_to_end_id RDR-…` (and the other problems a report can have) in words.
fn bank_problem(locale: crate::i18n::Locale, problem: &str) -> String {
    let (code, value) = problem.split_once(' ').unwrap_or((problem, ""));
    let key = format!("bank-problem-{code}");
    if crate::i18n::has_message(locale, &key) {
        crate::i18n::translate(locale, &key, &[("value", value.to_string())])
    } else {
        problem.to_string()
    }
}

/// `RDR-…: already accepted, now reported rejected; left as it was` in words.
fn bank_conflict(locale: crate::i18n::Locale, conflict: &str) -> String {
    let parsed = conflict.split_once(": already ").and_then(|(e2e, rest)| {
        let (had, rest) = rest.split_once(", now reported ")?;
        let (now, _) = rest.split_once(';')?;
        Some((e2e.to_string(), had.to_string(), now.to_string()))
    });
    match parsed {
        Some((e2e, had, now)) => crate::i18n::translate(
            locale,
            "bank-conflict",
            &[
                ("line", e2e),
                ("had", crate::i18n::codes::code(locale, "line-status", &had)),
                ("now", crate::i18n::codes::code(locale, "line-status", &now)),
            ],
        ),
        None => conflict.to_string(),
    }
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages
        .add(
            rules::DECIDE_CLAIMS,
            &["GET", "POST"],
            "/allocation",
            get(allocation_preview).post(allocation_commit),
        )
        .add(rules::READ_PAYMENTS, &["GET"], "/rounds", get(rounds_list))
        .add(rules::READ_PAYMENTS, &["GET"], "/rounds/{id}", get(round_page))
        .add(rules::READ_PAYMENTS, &["GET"], "/batches", get(batches_page))
        .add(rules::DECIDE_CLAIMS, &["POST"], "/batches", post(propose_batch))
        .add(rules::READ_PAYMENTS, &["GET"], "/batches/{id}", get(batch_page))
        .add(rules::APPROVE_PAYMENTS, &["POST"], "/batches/{id}/approve", post(approve_batch))
        .add(rules::APPROVE_PAYMENTS, &["GET"], "/batches/{id}/pain001", get(batch_file))
        .add(rules::APPROVE_PAYMENTS, &["POST"], "/batches/{id}/report", post(batch_report))
        .add(rules::APPROVE_PAYMENTS, &["POST"], "/batches/{id}/results", post(batch_manual))
}
