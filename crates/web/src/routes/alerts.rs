//! Alerts and their 24-hour meeting (docs/response.md).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use redress_app::alerts::{AlertSummary, AlertView, MeetingRequest, NewAlert};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::access::{Access, Routes};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Context, CurrentActor};
use crate::problem::{ApiResult, Problem};
use crate::views::Paged;
use crate::AppState;
use redress_domain::policy::rules;
use utoipa_axum::routes;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// open, meeting_convened, meeting_held, confirmed or closed.
    pub state: Option<String>,
    /// Only alerts whose meeting is overdue now.
    #[serde(default)]
    pub overdue: bool,
    /// Alerts with an id below this (from `next_after`).
    pub after: Option<i64>,
    /// 1–500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Records an alert (a reported or suspected case, no victim identity); its meeting is due 24
/// hours after `reported_at`.
#[utoipa::path(post, path = "/api/v1/alerts", tag = "alerts", request_body = NewAlert,
    responses((status = 201, body = AlertView),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_alert(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(body): ApiJson<NewAlert>,
) -> ApiResult<(StatusCode, Json<AlertView>)> {
    Ok((StatusCode::CREATED, Json(state.app.record_alert(&actor, &context, body).await?)))
}

/// Alerts newest first, paged by id: those the caller's institution recorded or is concerned by
/// (every alert for fund officers and auditors).
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(AlertQuery),
    responses((status = 200, body = Paged<AlertSummary>),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list_alerts(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(query): ApiQuery<AlertQuery>,
) -> ApiResult<Json<Paged<AlertSummary>>> {
    let limit = query.limit.unwrap_or(100);
    let items =
        state.app.alerts(&actor, query.state.as_deref(), query.overdue, query.after, Some(limit)).await?;
    let next_after = if items.len() as i64 == limit { items.last().map(|a| a.id) } else { None };
    Ok(Json(Paged { items, next_after }))
}

/// An alert with `meeting_due`, `overdue`, its meeting and the history of its states.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts", params(("id" = i64, Path, description = "The alert's id")),
    responses((status = 200, body = AlertView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_alert(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(state.app.alert(&actor, id).await?))
}

/// Convenes the alert's meeting (`scheduled_for`), or records it as held (`held_at`,
/// `participants`, `decisions`).
#[utoipa::path(post, path = "/api/v1/alerts/{id}/meeting", tag = "alerts", params(("id" = i64, Path, description = "The alert's id")),
    request_body = MeetingRequest,
    responses((status = 200, body = AlertView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn meeting(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MeetingRequest>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(state.app.alert_meeting(&actor, &context, id, body).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosureRequest {
    /// unfounded, duplicate or referred_elsewhere.
    pub reason: String,
}

/// Closes an alert without a case.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/closure", tag = "alerts", params(("id" = i64, Path, description = "The alert's id")),
    request_body = ClosureRequest,
    responses((status = 200, body = AlertView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn closure(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ClosureRequest>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(state.app.close_alert(&actor, &context, id, &body.reason).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmationRequest {
    /// An existing case the caller may read.
    pub case_id: i64,
}

/// Confirms an alert whose meeting was held as a case.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/confirmation", tag = "alerts", params(("id" = i64, Path, description = "The alert's id")),
    request_body = ConfirmationRequest,
    responses((status = 200, body = AlertView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn confirmation(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ConfirmationRequest>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(state.app.confirm_alert(&actor, &context, id, body.case_id).await?))
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(Access::Policy(rules::RECORD_ALERTS), routes!(record_alert))
        .add(Access::Policy(rules::READ_ALERTS), routes!(list_alerts))
        .add(Access::Policy(rules::READ_ALERTS), routes!(get_alert))
        .add(Access::Policy(rules::RECORD_ALERTS), routes!(meeting))
        .add(Access::Policy(rules::RECORD_ALERTS), routes!(closure))
        .add(Access::Policy(rules::RECORD_ALERTS), routes!(confirmation))
}
