//! Claims, the fund's policy, allocation rounds, payment batches, bank files and results,
//! receipts and recoveries.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use redress_app::claims::{
    ClaimView, Decision, FileClaim, PolicyDocument, PolicyView, ReplayView, RoundView,
};
use redress_app::payments::{BatchView, LineResolution, ManualResult, RecoveryView, ResultsSummary};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::access::{Access, Routes};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiXml, Context, CurrentActor};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::views::{PageQuery, Paged};
use crate::AppState;
use redress_domain::policy::rules;
use utoipa_axum::routes;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ClaimQuery {
    /// received, approved, rejected, allocated, in_batch, paid or withdrawn.
    pub state: Option<String>,
    /// 1 (urgent), 2 (high) or 3 (standard).
    #[param(minimum = 1, maximum = 3)]
    pub tier: Option<u8>,
    /// Only claims past a decision or payment deadline.
    #[serde(default)]
    pub overdue: bool,
    /// Claims with an id above this (from `next_after`).
    pub after: Option<i64>,
    /// 1–500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Files a claim for a victim against a reparation order, or an advance request (victim services).
#[utoipa::path(post, path = "/api/v1/claims", tag = "claims", request_body = FileClaim,
    responses((status = 201, body = ClaimView),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn file_claim(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(body): ApiJson<FileClaim>,
) -> ApiResult<(StatusCode, Json<ClaimView>)> {
    Ok((StatusCode::CREATED, Json(state.app.file_claim(&actor, &context, body).await?)))
}

/// Claims, filtered and paged by id; victim services see their institution's victims only.
#[utoipa::path(get, path = "/api/v1/claims", tag = "claims", params(ClaimQuery),
    responses((status = 200, body = Paged<ClaimView>),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list_claims(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(query): ApiQuery<ClaimQuery>,
) -> ApiResult<Json<Paged<ClaimView>>> {
    let limit = query.limit.unwrap_or(100);
    let items = state
        .app
        .claims(&actor, query.state.as_deref(), query.tier, query.overdue, query.after, Some(limit))
        .await?;
    let next_after = if items.len() as i64 == limit { items.last().map(|c| c.id) } else { None };
    Ok(Json(Paged { items, next_after }))
}

/// A claim with its eligibility (and reasons), tier, deadlines and history.
#[utoipa::path(get, path = "/api/v1/claims/{id}", tag = "claims", params(("id" = i64, Path, description = "The claim's id")),
    responses((status = 200, body = ClaimView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_claim(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ClaimView>> {
    Ok(Json(state.app.claim(&actor, id).await?))
}

/// The fund officer approves (amount, tier) or rejects (reason) a claim; eligibility is checked again.
#[utoipa::path(post, path = "/api/v1/claims/{id}/decision", tag = "claims", params(("id" = i64, Path, description = "The claim's id")),
    request_body = Decision,
    responses((status = 200, body = ClaimView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn decide_claim(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Decision>,
) -> ApiResult<Json<ClaimView>> {
    Ok(Json(state.app.decide_claim(&actor, &context, id, body).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

/// Withdraws a claim not yet allocated (victim services, at the victim's request).
#[utoipa::path(post, path = "/api/v1/claims/{id}/withdrawal", tag = "claims", params(("id" = i64, Path, description = "The claim's id")),
    request_body = ReasonBody,
    responses((status = 200, body = ClaimView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn withdraw_claim(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> ApiResult<Json<ClaimView>> {
    Ok(Json(state.app.withdraw_claim(&actor, &context, id, &body.reason).await?))
}

/// A printable payment receipt in Spanish (HTML). Reading the payee's name is audited.
#[utoipa::path(get, path = "/api/v1/claims/{id}/receipt", tag = "claims", params(("id" = i64, Path, description = "The claim's id")),
    responses((status = 200, content_type = "text/html", body = String),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn claim_receipt(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let receipt = state.app.claim_receipt(&actor, &context, id).await?;
    let locale = state
        .app
        .user_locale(&actor)
        .await
        .ok()
        .flatten()
        .and_then(|code| crate::i18n::Locale::parse(&code))
        .unwrap_or_default();
    Ok(crate::pages::render::render_document(
        locale,
        "receipt.html",
        minijinja::context! { receipt => receipt },
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationBody {
    /// document_in_person, registry_check or consular_check.
    pub method: String,
}

/// Records that victim services verified the victim's identity (a condition of payment).
#[utoipa::path(post, path = "/api/v1/victims/{code}/identity-verification", tag = "claims",
    params(("code" = String, Path, description = "The victim's code")), request_body = VerificationBody,
    responses((status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn verify_identity(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<VerificationBody>,
) -> ApiResult<StatusCode> {
    state.app.verify_identity(&actor, &context, &code, &body.method).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The fund's current allocation policy.
#[utoipa::path(get, path = "/api/v1/policy", tag = "claims",
    responses((status = 200, body = PolicyView)))]
pub async fn get_policy(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<PolicyView>> {
    Ok(Json(state.app.fund_policy(&actor, None).await?))
}

/// Every version of the policy, oldest first.
#[utoipa::path(get, path = "/api/v1/policy/versions", tag = "claims",
    responses((status = 200, body = Vec<PolicyView>)))]
pub async fn list_policies(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<Vec<PolicyView>>> {
    Ok(Json(state.app.fund_policies(&actor).await?))
}

/// Publishes a new version of the policy (administrators, on the fund board's decision).
#[utoipa::path(post, path = "/api/v1/policy/versions", tag = "claims", request_body = PolicyDocument,
    responses((status = 201, body = PolicyView),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn publish_policy(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(body): ApiJson<PolicyDocument>,
) -> ApiResult<(StatusCode, Json<PolicyView>)> {
    Ok((StatusCode::CREATED, Json(state.app.publish_policy(&actor, &context, body).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundBody {
    /// `true` (default) computes the lines without storing anything.
    #[serde(default = "yes")]
    pub dry_run: bool,
    /// When committing: the `inputs_hash` of the dry run; refused if anything changed since.
    #[serde(default)]
    pub expected_inputs_hash: Option<String>,
}

fn yes() -> bool {
    true
}

/// Runs an allocation round over the approved claims: a dry run, or committed (a hold per line).
#[utoipa::path(post, path = "/api/v1/rounds", tag = "claims", request_body = RoundBody,
    responses((status = 200, description = "A dry run", body = RoundView),
        (status = 201, description = "A committed round", body = RoundView),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn run_round(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(body): ApiJson<RoundBody>,
) -> ApiResult<(StatusCode, Json<RoundView>)> {
    let view = state
        .app
        .allocation_round(&actor, &context, !body.dry_run, body.expected_inputs_hash.as_deref())
        .await?;
    let status = if view.committed { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(view)))
}

/// Committed rounds, newest first.
#[utoipa::path(get, path = "/api/v1/rounds", tag = "claims", params(PageQuery),
    responses((status = 200, body = Vec<RoundView>)))]
pub async fn list_rounds(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<Vec<RoundView>>> {
    Ok(Json(state.app.rounds(&actor, query.after, query.limit).await?))
}

/// A committed round with each line's explanation.
#[utoipa::path(get, path = "/api/v1/rounds/{id}", tag = "claims", params(("id" = i64, Path, description = "The round's id")),
    responses((status = 200, body = RoundView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_round(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RoundView>> {
    Ok(Json(state.app.round(&actor, id).await?))
}

/// Replays a round from its stored inputs and policy, and says whether the lines are the same.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/replay", tag = "claims", params(("id" = i64, Path, description = "The round's id")),
    responses((status = 200, body = ReplayView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn replay_round(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ReplayView>> {
    Ok(Json(state.app.replay_round(&actor, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeBody {
    pub round_id: i64,
    /// `YYYY-MM-DD`; default the next working day.
    #[serde(default)]
    pub execution_date: Option<String>,
}

/// Proposes a payment batch from a committed round (fund officer: the maker).
#[utoipa::path(post, path = "/api/v1/batches", tag = "claims", request_body = ProposeBody,
    responses((status = 201, body = BatchView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn propose_batch(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(body): ApiJson<ProposeBody>,
) -> ApiResult<(StatusCode, Json<BatchView>)> {
    let view =
        state.app.propose_batch(&actor, &context, body.round_id, body.execution_date.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Payment batches, newest first.
#[utoipa::path(get, path = "/api/v1/batches", tag = "claims", params(PageQuery),
    responses((status = 200, body = Vec<BatchView>)))]
pub async fn list_batches(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<Vec<BatchView>>> {
    Ok(Json(state.app.batches(&actor, query.after, query.limit).await?))
}

/// A batch with its lines and their bank results.
#[utoipa::path(get, path = "/api/v1/batches/{id}", tag = "claims", params(("id" = i64, Path, description = "The batch's id")),
    responses((status = 200, body = BatchView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_batch(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<BatchView>> {
    Ok(Json(state.app.batch(&actor, id).await?))
}

/// A treasurer approves a batch; never its proposer (maker-checker: 403).
#[utoipa::path(post, path = "/api/v1/batches/{id}/approval", tag = "claims", params(("id" = i64, Path, description = "The batch's id")),
    responses((status = 200, body = BatchView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn approve_batch(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<BatchView>> {
    Ok(Json(state.app.approve_batch(&actor, &context, id).await?))
}

/// The bank file (ISO 20022 pain.001.001.09) of an approved batch; the same bytes every time.
#[utoipa::path(get, path = "/api/v1/batches/{id}/pain001", tag = "claims", params(("id" = i64, Path, description = "The batch's id")),
    responses((status = 200, content_type = "application/xml", body = String),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn export_batch(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let (file_name, xml) = state.app.export_batch(&actor, &context, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        xml,
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultsBody {
    pub results: Vec<ManualResult>,
}

/// Bank results entered by hand; each applies once.
#[utoipa::path(post, path = "/api/v1/batches/{id}/results", tag = "claims", params(("id" = i64, Path, description = "The batch's id")),
    request_body = ResultsBody,
    responses((status = 200, body = ResultsSummary),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_results(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ResultsBody>,
) -> ApiResult<Json<ResultsSummary>> {
    Ok(Json(state.app.record_bank_results(&actor, &context, id, body.results).await?))
}

/// Imports the bank's pain.002 status report (the XML as the request body). Re-importing the
/// same report changes nothing.
#[utoipa::path(post, path = "/api/v1/batches/{id}/status-report", tag = "claims", params(("id" = i64, Path, description = "The batch's id")),
    request_body(content = String, content_type = "application/xml"),
    responses((status = 200, body = ResultsSummary),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn import_status_report(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiXml(body): ApiXml,
) -> ApiResult<Json<ResultsSummary>> {
    Ok(Json(state.app.import_status_report(&actor, &context, id, &body).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryBody {
    /// What the convicted paid, decimal string in the order's currency.
    pub amount: String,
    /// `YYYY-MM-DD`.
    pub received_on: String,
    #[serde(default)]
    pub reference: Option<String>,
}

/// A later payment by the convicted on an order the fund paid: the victim first, then the fund.
#[utoipa::path(post, path = "/api/v1/orders/{id}/recoveries", tag = "claims", params(("id" = i64, Path, description = "The order's id")),
    request_body = RecoveryBody,
    responses((status = 201, body = RecoveryView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_recovery(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RecoveryBody>,
) -> ApiResult<(StatusCode, Json<RecoveryView>)> {
    let view = state
        .app
        .record_recovery(&actor, &context, id, &body.amount, &body.received_on, body.reference.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Aggregate statistics: victims by sex, nationality, age band, region and type of
/// exploitation; claims by state and tier; what the fund paid. Counts below 11 are `null`.
#[utoipa::path(get, path = "/api/v1/statistics", tag = "claims",
    responses((status = 200, body = redress_app::statistics::Statistics)))]
pub async fn statistics(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<redress_app::statistics::Statistics>> {
    Ok(Json(state.app.statistics(&actor).await?))
}

/// A treasurer settles a line the bank contradicted itself about (`paid`: whether the money
/// really reached the payee, from the bank statement or the bank's word). The claim stops
/// waiting; a rejected line paid after all is recorded as paid, an accepted line whose money
/// came back as returned.
#[utoipa::path(post, path = "/api/v1/batches/{id}/lines/{end_to_end_id}/resolution", tag = "claims",
    params(("id" = i64, Path, description = "The batch's id"), ("end_to_end_id" = String, Path, description = "RDR-R3-C12")),
    request_body = LineResolution,
    responses((status = 200, body = ResultsSummary),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn resolve_line(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath((id, end_to_end_id)): ApiPath<(i64, String)>,
    ApiJson(body): ApiJson<LineResolution>,
) -> ApiResult<Json<ResultsSummary>> {
    Ok(Json(state.app.resolve_bank_line(&actor, &context, id, &end_to_end_id, body).await?))
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(Access::Policy(rules::FILE_CLAIMS), routes!(file_claim))
        .add(Access::Policy(rules::READ_CLAIMS), routes!(list_claims))
        .add(Access::Policy(rules::READ_CLAIMS), routes!(get_claim))
        .add(Access::Policy(rules::DECIDE_CLAIMS), routes!(decide_claim))
        .add(Access::Policy(rules::FILE_CLAIMS), routes!(withdraw_claim))
        .add(Access::Policy(rules::READ_CLAIMS), routes!(claim_receipt))
        .add(Access::Policy(rules::FILE_CLAIMS), routes!(verify_identity))
        .add(super::AUTHENTICATED, routes!(get_policy))
        .add(super::AUTHENTICATED, routes!(list_policies))
        .add(Access::Policy(rules::MANAGE_POLICY), routes!(publish_policy))
        .add(Access::Policy(rules::DECIDE_CLAIMS), routes!(run_round))
        .add(Access::Policy(rules::READ_PAYMENTS), routes!(list_rounds))
        .add(Access::Policy(rules::READ_PAYMENTS), routes!(get_round))
        .add(Access::Policy(rules::READ_PAYMENTS), routes!(replay_round))
        .add(Access::Policy(rules::DECIDE_CLAIMS), routes!(propose_batch))
        .add(Access::Policy(rules::READ_PAYMENTS), routes!(list_batches))
        .add(Access::Policy(rules::READ_PAYMENTS), routes!(get_batch))
        .add(Access::Policy(rules::APPROVE_PAYMENTS), routes!(approve_batch))
        .add(Access::Policy(rules::APPROVE_PAYMENTS), routes!(export_batch))
        .add(Access::Policy(rules::APPROVE_PAYMENTS), routes!(record_results))
        .add(Access::Policy(rules::APPROVE_PAYMENTS), routes!(import_status_report))
        .add(Access::Policy(rules::APPROVE_PAYMENTS), routes!(resolve_line))
        .add(Access::Policy(rules::DECIDE_CLAIMS), routes!(record_recovery))
        .add(Access::Policy(rules::READ_STATISTICS), routes!(statistics))
}
