//! Criminal cases: opening, stages, defendants, victims.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use redress_app::cases::{CaseView, OpenCase};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{Access, Routes};
use crate::extract::{ApiJson, ApiPath, Context, CurrentActor};
use crate::problem::{ApiResult, Problem};
use crate::AppState;
use redress_domain::policy::rules;
use utoipa_axum::routes;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCaseRequest {
    /// The prosecutor's file number (unique).
    pub prosecutor_file: String,
    pub court_file: Option<String>,
    pub jurisdiction: String,
    /// Offence codes from the reference list (Peru: `129-A` … `129-Ñ`).
    pub offences: Vec<String>,
    /// The date the case was reported, `YYYY-MM-DD`.
    pub reported_on: String,
    #[serde(default)]
    pub cross_border: bool,
    /// ISO 3166 alpha-2, required for a cross-border case.
    pub partner_country: Option<String>,
    /// Asset tracing and precautionary measures.
    pub tracing_notes: Option<String>,
    /// The court (institution of kind `court`) handling the case; its clerks then see the
    /// identity of the case's victims. Set by the first judgment recorded when omitted.
    pub court_id: Option<i64>,
    #[serde(default)]
    pub defendants: Vec<String>,
    /// Victim codes.
    #[serde(default)]
    pub victims: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageChangeJson {
    pub from: Option<String>,
    pub to: String,
    pub on: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DefendantJson {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseJson {
    pub id: i64,
    pub prosecutor_file: String,
    pub court_file: Option<String>,
    pub jurisdiction: String,
    pub offences: Vec<String>,
    /// reported, investigation, charged, trial, judgment, final, archived or acquitted.
    pub stage: String,
    pub stage_changed_on: String,
    pub cross_border: bool,
    pub partner_country: Option<String>,
    pub tracing_notes: Option<String>,
    pub institution_id: i64,
    pub court_id: Option<i64>,
    pub history: Vec<StageChangeJson>,
    pub defendants: Vec<DefendantJson>,
    /// Victim codes (no identity here).
    pub victims: Vec<String>,
}

impl From<CaseView> for CaseJson {
    fn from(v: CaseView) -> Self {
        CaseJson {
            id: v.id,
            prosecutor_file: v.prosecutor_file,
            court_file: v.court_file,
            jurisdiction: v.jurisdiction,
            offences: v.offences,
            stage: v.stage,
            stage_changed_on: v.stage_changed_on,
            cross_border: v.cross_border,
            partner_country: v.partner_country,
            tracing_notes: v.tracing_notes,
            institution_id: v.institution_id,
            court_id: v.court_id,
            history: v.history.into_iter().map(|(from, to, on)| StageChangeJson { from, to, on }).collect(),
            defendants: v.defendants.into_iter().map(|(id, name)| DefendantJson { id, name }).collect(),
            victims: v.victims,
        }
    }
}

/// Opens a case (stage `reported`) with its defendants and victims.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = OpenCaseRequest,
    responses((status = 201, body = CaseJson),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn open_case(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(r): ApiJson<OpenCaseRequest>,
) -> ApiResult<(StatusCode, Json<CaseJson>)> {
    let request = OpenCase {
        prosecutor_file: r.prosecutor_file,
        court_file: r.court_file,
        jurisdiction: r.jurisdiction,
        offences: r.offences,
        reported_on: r.reported_on,
        cross_border: r.cross_border,
        partner_country: r.partner_country,
        tracing_notes: r.tracing_notes,
        court_id: r.court_id,
        defendants: r.defendants,
        victims: r.victims,
    };
    let view = state.app.open_case(&actor, &context, request).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// A case with its stage history, defendants and victims.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path, description = "The case's id")),
    responses((status = 200, body = CaseJson),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_case(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CaseJson>> {
    Ok(Json(state.app.case(&actor, id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageRequest {
    /// The next stage: reported → investigation → charged → trial → judgment → final, or
    /// archived (before trial) or acquitted (at trial or judgment).
    pub stage: String,
    /// When it happened, `YYYY-MM-DD`: not in the future, not before the previous change.
    pub date: String,
}

/// Moves a case to its next stage.
#[utoipa::path(post, path = "/api/v1/cases/{id}/stage", tag = "cases", params(("id" = i64, Path, description = "The case's id")),
    request_body = StageRequest,
    responses((status = 200, body = CaseJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn change_stage(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<StageRequest>,
) -> ApiResult<Json<CaseJson>> {
    Ok(Json(state.app.change_case_stage(&actor, &context, id, &r.stage, &r.date).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseVictimRequest {
    pub code: String,
}

/// Adds a victim (by code) to a case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/victims", tag = "cases", params(("id" = i64, Path, description = "The case's id")),
    request_body = CaseVictimRequest,
    responses((status = 200, body = CaseJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_victim(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<CaseVictimRequest>,
) -> ApiResult<Json<CaseJson>> {
    Ok(Json(state.app.add_case_victim(&actor, &context, id, &r.code).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourtRequest {
    /// An institution of kind `court`: its clerks record the case's judgments.
    pub court_id: i64,
}

/// Names the court a case is at (the case's prosecutor's office, or an administrator). A court
/// is never set by the first clerk who writes on a case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/court", tag = "cases", params(("id" = i64, Path, description = "The case's id")),
    request_body = CourtRequest,
    responses((status = 200, body = CaseJson),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn set_court(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<CourtRequest>,
) -> ApiResult<Json<CaseJson>> {
    Ok(Json(state.app.set_case_court(&actor, &context, id, r.court_id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefendantRequest {
    pub name: String,
}

/// Adds a defendant to a case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/defendants", tag = "cases", params(("id" = i64, Path, description = "The case's id")),
    request_body = DefendantRequest,
    responses((status = 200, body = CaseJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_defendant(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<DefendantRequest>,
) -> ApiResult<Json<CaseJson>> {
    Ok(Json(state.app.add_defendant(&actor, &context, id, &r.name).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OffenceJson {
    pub code: String,
    pub name: String,
}

/// The offences cases may concern (configurable reference data; Peru: arts. 129-A to 129-Ñ).
#[utoipa::path(get, path = "/api/v1/reference/offences", tag = "cases",
    responses((status = 200, body = Vec<OffenceJson>)))]
pub async fn offences(State(state): State<AppState>) -> Json<Vec<OffenceJson>> {
    Json(
        state
            .app
            .settings
            .cases
            .offences
            .iter()
            .map(|o| OffenceJson { code: o.code.clone(), name: o.name.clone() })
            .collect(),
    )
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(Access::Policy(rules::MANAGE_CASES), routes!(open_case))
        .add(Access::Policy(rules::READ_CASES), routes!(get_case))
        .add(Access::Policy(rules::MANAGE_CASES), routes!(change_stage))
        .add(Access::Policy(rules::LINK_CASE_VICTIMS), routes!(add_victim))
        .add(Access::Policy(rules::ASSIGN_CASE_COURT), routes!(set_court))
        .add(Access::Policy(rules::MANAGE_CASES), routes!(add_defendant))
        .add(super::AUTHENTICATED, routes!(offences))
}
