//! Judgments and reparation orders: recording, finality, payments by the convicted, insolvency
//! findings, and each order's figures and fund eligibility.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use redress_app::orders::{OrderRequest, RecordJudgment};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::{Access, Routes};
use crate::extract::{ApiJson, ApiPath, Context, CurrentActor};
use crate::problem::{ApiResult, Problem};
use crate::views::orders::{JudgmentJson, OrderJson};
use crate::AppState;
use redress_domain::policy::rules;
use utoipa_axum::routes;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    /// unpaid_wages, treatment, rehabilitation, lost_opportunities, moral_damage or other.
    pub head: String,
    /// Decimal string in the order's currency.
    pub amount: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    /// The victim's code; the victim must be in the case.
    pub victim: String,
    pub currency: Option<String>,
    /// `YYYY-MM-DD`.
    pub payment_deadline: Option<String>,
    pub items: Vec<ItemBody>,
    /// Defendant ids (jointly and severally liable), all convicted by this judgment.
    pub debtors: Vec<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JudgmentBody {
    pub case_id: i64,
    /// `YYYY-MM-DD`, not in the future.
    pub judged_on: String,
    pub court: String,
    /// Defendant ids of the case.
    pub convicted: Vec<i64>,
    /// When the judgment became final (firme), if it already is.
    pub final_on: Option<String>,
    pub orders: Vec<OrderBody>,
    /// Record it although the same court's judgment of the same day is recorded already.
    #[serde(default)]
    pub confirm_duplicate: bool,
}

/// Records a judgment with its convicted defendants and a reparation order per victim.
#[utoipa::path(post, path = "/api/v1/judgments", tag = "orders", request_body = JudgmentBody,
    responses((status = 201, body = JudgmentJson),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_judgment(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(body): ApiJson<JudgmentBody>,
) -> ApiResult<(StatusCode, Json<JudgmentJson>)> {
    let request = RecordJudgment {
        case_id: body.case_id,
        judged_on: body.judged_on,
        court: body.court,
        convicted: body.convicted,
        final_on: body.final_on,
        orders: body
            .orders
            .into_iter()
            .map(|o| OrderRequest {
                victim: o.victim,
                currency: o.currency,
                payment_deadline: o.payment_deadline,
                items: o.items.into_iter().map(|i| (i.head, i.amount)).collect(),
                debtors: o.debtors,
            })
            .collect(),
        confirm_duplicate: body.confirm_duplicate,
    };
    let view = state.app.record_judgment(&actor, &context, request).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// A judgment with its orders.
#[utoipa::path(get, path = "/api/v1/judgments/{id}", tag = "orders", params(("id" = i64, Path, description = "The judgment's id")),
    responses((status = 200, body = JudgmentJson),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_judgment(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<JudgmentJson>> {
    Ok(Json(state.app.judgment(&actor, id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinalityBody {
    /// `YYYY-MM-DD`: when the judgment became final (firme).
    pub final_on: String,
}

/// Records that a judgment, and so its orders, became final.
#[utoipa::path(post, path = "/api/v1/judgments/{id}/finality", tag = "orders", params(("id" = i64, Path, description = "The judgment's id")),
    request_body = FinalityBody,
    responses((status = 200, body = JudgmentJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn set_final(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<FinalityBody>,
) -> ApiResult<Json<JudgmentJson>> {
    Ok(Json(state.app.set_judgment_final(&actor, &context, id, &body.final_on).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealBody {
    /// `YYYY-MM-DD`: when the appeal (or annulment action) was filed.
    pub filed_on: String,
    pub note: Option<String>,
}

/// Records that a judgment was appealed: its orders are not paid (open holds are released,
/// claims wait) until the appeal is decided.
#[utoipa::path(post, path = "/api/v1/judgments/{id}/appeal", tag = "orders", params(("id" = i64, Path, description = "The judgment's id")),
    request_body = AppealBody,
    responses((status = 200, body = JudgmentJson),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_appeal(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AppealBody>,
) -> ApiResult<Json<JudgmentJson>> {
    Ok(Json(
        state.app.record_appeal(&actor, &context, id, &body.filed_on, body.note.as_deref()).await?.into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecisionBody {
    /// confirmed (the judgment stands, final from `on`), annulled (a new trial) or acquitted.
    pub outcome: String,
    /// `YYYY-MM-DD` of the decision.
    pub on: String,
    pub note: Option<String>,
}

/// Records how an appeal (or annulment action) ended. A judgment set aside voids its orders:
/// their open claims are stopped and the case goes back to trial or ends acquitted.
#[utoipa::path(post, path = "/api/v1/judgments/{id}/appeal-decision", tag = "orders", params(("id" = i64, Path, description = "The judgment's id")),
    request_body = AppealDecisionBody,
    responses((status = 200, body = JudgmentJson),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn decide_appeal(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AppealDecisionBody>,
) -> ApiResult<Json<JudgmentJson>> {
    let view =
        state.app.decide_appeal(&actor, &context, id, &body.outcome, &body.on, body.note.as_deref()).await?;
    Ok(Json(view.into()))
}

/// A reparation order: ordered, paid by debtors, paid and advanced by the fund, still owed,
/// and whether the fund may pay it, with the reason for each condition.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = i64, Path, description = "The order's id")),
    responses((status = 200, body = OrderJson),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_order(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OrderJson>> {
    Ok(Json(state.app.order(&actor, id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DebtorPaymentBody {
    /// Paid by the convicted to the victim; at most what is still owed.
    pub amount: String,
    pub paid_on: String,
    pub reference: Option<String>,
}

/// Records a payment by the convicted (to the victim).
#[utoipa::path(post, path = "/api/v1/orders/{id}/payments", tag = "orders", params(("id" = i64, Path, description = "The order's id")),
    request_body = DebtorPaymentBody,
    responses((status = 200, body = OrderJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_payment(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DebtorPaymentBody>,
) -> ApiResult<Json<OrderJson>> {
    let view = state
        .app
        .record_debtor_payment(&actor, &context, id, &body.amount, &body.paid_on, body.reference.as_deref())
        .await?;
    Ok(Json(view.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InsolvencyBody {
    pub found_on: String,
    /// The basis of the finding (resolution, report).
    pub basis: String,
}

/// Records a finding that the debtors cannot pay.
#[utoipa::path(post, path = "/api/v1/orders/{id}/insolvency", tag = "orders", params(("id" = i64, Path, description = "The order's id")),
    request_body = InsolvencyBody,
    responses((status = 200, body = OrderJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_insolvency(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<InsolvencyBody>,
) -> ApiResult<Json<OrderJson>> {
    Ok(Json(state.app.record_insolvency(&actor, &context, id, &body.found_on, &body.basis).await?.into()))
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(Access::Policy(rules::RECORD_JUDGMENTS), routes!(record_judgment))
        .add(Access::Policy(rules::READ_ORDERS), routes!(get_judgment))
        .add(Access::Policy(rules::RECORD_JUDGMENTS), routes!(set_final))
        .add(Access::Policy(rules::RECORD_JUDGMENTS), routes!(record_appeal))
        .add(Access::Policy(rules::RECORD_JUDGMENTS), routes!(decide_appeal))
        .add(Access::Policy(rules::READ_ORDERS), routes!(get_order))
        .add(Access::Policy(rules::RECORD_JUDGMENTS), routes!(record_payment))
        .add(Access::Policy(rules::RECORD_JUDGMENTS), routes!(record_insolvency))
}
