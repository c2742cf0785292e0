//! Alerts and their 24-hour meeting: the list, the form, and the alert with its meeting's forms.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{context, Value};
use redress_app::alerts::{AlertView, MeetingRequest, NewAlert, ParticipantInput};
use redress_app::AppError;
use redress_domain::alerts::{AlertState, ClosureReason, Urgency};
use redress_domain::policy::rules;

use super::forms::{failure, notice, Fields, Refusal};
use super::render::render;
use super::{PagePath, PageRoutes, Viewer};
use crate::extract::Context;
use crate::i18n::codes::COUNTRIES;
use crate::AppState;

fn codes<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| as_str(*v)).collect()
}

/// A `datetime-local` value (`2026-11-28T15:00`, the fund's clock) as an RFC 3339 instant; an
/// instant with its offset, or anything else, as typed (for the use case to refuse by field).
fn instant(state: &AppState, typed: &str) -> String {
    let typed = typed.trim();
    match typed.parse::<jiff::civil::DateTime>() {
        Ok(local) if !typed.ends_with('Z') && !typed.contains('+') => {
            match state.app.settings.time_zone().to_ambiguous_timestamp(local).compatible() {
                Ok(at) => at.to_string(),
                Err(_) => typed.to_string(),
            }
        }
        _ => typed.to_string(),
    }
}

async fn institutions(state: &AppState, viewer: &Viewer) -> Vec<Value> {
    let all = state.app.alert_institution_choices(viewer.actor()).await.unwrap_or_default();
    all.into_iter().map(|(id, name)| context! { id => id.to_string(), name => name }).collect()
}

async fn form_values(state: &AppState, viewer: &Viewer) -> Value {
    context! {
        urgencies => codes(Urgency::ALL, Urgency::as_str),
        countries => COUNTRIES,
        institutions => institutions(state, viewer).await,
    }
}

async fn alert_form(State(state): State<AppState>, viewer: Viewer) -> Response {
    let values = form_values(&state, &viewer).await;
    let form = context! { urgency => "high", concerned_institutions => Vec::<String>::new() };
    render(&viewer, StatusCode::OK, "alert_new.html", context! { ..values, ..context! { form => form } })
}

/// The form as typed, with its repeated fields as lists.
fn typed(fields: &Fields) -> Value {
    let mut form: std::collections::BTreeMap<String, Value> = std::collections::BTreeMap::new();
    for (name, value) in &fields.0 {
        if name != "_csrf" {
            form.insert(name.clone(), Value::from(value.clone()));
        }
    }
    for repeated in ["concerned_institutions", "participants"] {
        form.insert(repeated.to_string(), Value::from(fields.all(repeated)));
    }
    Value::from(form)
}

async fn record_alert(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let concerned: Vec<i64> =
        fields.all("concerned_institutions").iter().filter_map(|id| id.trim().parse().ok()).collect();
    let request = NewAlert {
        summary: fields.get("summary"),
        reported_at: instant(&state, &fields.get("reported_at")),
        place: fields.optional("place"),
        urgency: fields.optional("urgency"),
        minors_involved: fields.get("minors_involved") == "true",
        origin_country: fields.optional("origin_country"),
        concerned_institutions: concerned,
    };
    match state.app.record_alert(viewer.actor(), &context, request).await {
        Ok(alert) => Redirect::to(&format!("/alerts/{}?notice=alert-recorded", alert.id)).into_response(),
        Err(error) => match Refusal::of(viewer.locale, error) {
            Ok(refusal) => {
                let values = form_values(&state, &viewer).await;
                let shown = context! { ..values, ..refusal.values(), ..context! { form => typed(&fields) } };
                render(&viewer, refusal.status, "alert_new.html", shown)
            }
            Err(error) => failure(&viewer, error),
        },
    }
}

/// Alerts newest first, by state or overdue only, fifty at a time.
async fn alerts_list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let wanted = query.get("state").map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let overdue = query.get("overdue").is_some_and(|v| v == "true");
    let after = query.get("after").and_then(|a| a.parse().ok());
    let limit = 50;
    match state.app.alerts(viewer.actor(), wanted.as_deref(), overdue, after, Some(limit)).await {
        Ok(alerts) => {
            let next_after = (alerts.len() as i64 == limit).then(|| alerts.last().map(|a| a.id)).flatten();
            render(
                &viewer,
                StatusCode::OK,
                "alerts.html",
                context! {
                    alerts => Value::from_serialize(&alerts),
                    states => codes(AlertState::ALL, AlertState::as_str),
                    filter => context! { state => wanted, overdue => overdue },
                    next_after => next_after,
                    can_record => rules::RECORD_ALERTS.allows(&viewer.actor().roles),
                    notice => notice(&viewer, &query),
                },
            )
        }
        Err(error) => failure(&viewer, error),
    }
}

async fn alert_view(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    status: StatusCode,
    extra: Value,
) -> Response {
    let alert = match state.app.alert(viewer.actor(), id).await {
        Ok(alert) => alert,
        Err(error) => return failure(viewer, error),
    };
    let can_act = state.app.may_act_on_alert(viewer.actor(), id).await.unwrap_or(false);
    let institutions = if can_act { institutions(state, viewer).await } else { Vec::new() };
    render(
        viewer,
        status,
        "alert.html",
        context! {
            ..extra,
            ..context! {
                alert => Value::from_serialize(&alert),
                can_act => can_act,
                reasons => codes(ClosureReason::ALL, ClosureReason::as_str),
                institutions => institutions,
            }
        },
    )
}

async fn alert_page(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&viewer, &query);
    alert_view(&state, &viewer, id, StatusCode::OK, context! { notice => notice, form => context! {} }).await
}

/// Back to the alert after a small form, or the alert with the form's errors next to its fields.
async fn outcome(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    fields: &Fields,
    result: Result<AlertView, AppError>,
) -> Response {
    match result {
        Ok(_) => Redirect::to(&format!("/alerts/{id}?notice=alert-updated")).into_response(),
        Err(error) => match Refusal::of(viewer.locale, error) {
            Ok(refusal) => {
                let extra = context! { ..refusal.values_and_line(), ..context! { form => typed(fields) } };
                alert_view(state, viewer, id, refusal.status, extra).await
            }
            Err(error) => failure(viewer, error),
        },
    }
}

async fn convene(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let scheduled = fields.optional("scheduled_for").map(|s| instant(&state, &s));
    let request = MeetingRequest { scheduled_for: Some(scheduled.unwrap_or_default()), ..Default::default() };
    let result = state.app.alert_meeting(viewer.actor(), &context, id, request).await;
    outcome(&state, &viewer, id, &fields, result).await
}

async fn hold(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let mut participants: Vec<ParticipantInput> = fields
        .all("participants")
        .iter()
        .filter_map(|id| id.trim().parse().ok())
        .map(ParticipantInput::Institution)
        .collect();
    let names = fields.get("participant_names");
    participants.extend(
        names.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| ParticipantInput::Name(l.to_string())),
    );
    let request = MeetingRequest {
        scheduled_for: None,
        held_at: Some(instant(&state, &fields.get("held_at"))),
        participants,
        decisions: Some(fields.get("decisions")),
    };
    let result = state.app.alert_meeting(viewer.actor(), &context, id, request).await;
    outcome(&state, &viewer, id, &fields, result).await
}

async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state.app.close_alert(viewer.actor(), &context, id, &fields.get("reason")).await;
    outcome(&state, &viewer, id, &fields, result).await
}

async fn confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = match fields.get("case_id").parse::<i64>() {
        Ok(case_id) => state.app.confirm_alert(viewer.actor(), &context, id, case_id).await,
        Err(_) => Err(redress_domain::FieldError::new("case_id", "must be a number").into()),
    };
    outcome(&state, &viewer, id, &fields, result).await
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages
        .add(rules::READ_ALERTS, &["GET"], "/alerts", get(alerts_list))
        .add(rules::RECORD_ALERTS, &["GET"], "/alerts/new", get(alert_form))
        .add(rules::RECORD_ALERTS, &["POST"], "/alerts", post(record_alert))
        .add(rules::READ_ALERTS, &["GET"], "/alerts/{id}", get(alert_page))
        .add(rules::RECORD_ALERTS, &["POST"], "/alerts/{id}/meeting", post(convene))
        .add(rules::RECORD_ALERTS, &["POST"], "/alerts/{id}/meeting/held", post(hold))
        .add(rules::RECORD_ALERTS, &["POST"], "/alerts/{id}/closure", post(close))
        .add(rules::RECORD_ALERTS, &["POST"], "/alerts/{id}/confirmation", post(confirm))
}
