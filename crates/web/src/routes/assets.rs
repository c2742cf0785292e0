//! Seized assets: the register, lifecycle moves with their money, and each asset's money trail.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use redress_app::assets::{AssetMoney, MoneyEvent, MoveAsset, RegisterAsset};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::{Access, Routes};
use crate::extract::{ApiJson, ApiPath, Context, CurrentActor};
use crate::problem::{ApiResult, Problem};
use crate::views::assets::{pipeline_json, AssetJson, PipelineJson};
use crate::AppState;
use redress_domain::policy::rules;
use utoipa_axum::routes;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterAssetRequest {
    /// cash, bank_balance, vehicle, real_estate, business, valuables or other.
    pub kind: String,
    pub description: String,
    /// Plate, registry entry, account number…
    pub identifiers: Option<String>,
    pub location: Option<String>,
    /// Region (department): the only place shown publicly.
    pub region: Option<String>,
    pub custodian: Option<String>,
    pub case_id: Option<i64>,
    /// The asset agency's own reference.
    pub agency_reference: Option<String>,
    pub currency: Option<String>,
    pub estimated_value: Option<String>,
    /// `YYYY-MM-DD`.
    pub seized_on: String,
    /// The seizure order.
    pub document: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveAssetRequest {
    /// The next state: in_custody, leased, assigned, sale_authorised, sold_early, confiscated,
    /// sold, released, returned or written_off.
    pub to: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The court order or resolution allowing the move.
    pub document: String,
    /// Sale price, or the money confiscated (when released to the fund).
    pub amount: Option<String>,
    /// Must be the asset's currency when given.
    pub currency: Option<String>,
    /// Sale costs, deducted from the price.
    pub costs: Option<String>,
}

/// Registers a seized asset.
#[utoipa::path(post, path = "/api/v1/assets", tag = "assets", request_body = RegisterAssetRequest,
    responses((status = 201, body = AssetJson),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn register_asset(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(r): ApiJson<RegisterAssetRequest>,
) -> ApiResult<(StatusCode, Json<AssetJson>)> {
    let request = RegisterAsset {
        kind: r.kind,
        description: r.description,
        identifiers: r.identifiers,
        location: r.location,
        region: r.region,
        custodian: r.custodian,
        case_id: r.case_id,
        agency_reference: r.agency_reference,
        currency: r.currency,
        estimated_value: r.estimated_value,
        seized_on: r.seized_on,
        document: r.document,
    };
    let view = state.app.register_asset(&actor, &context, request).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// An asset with its moves and money trail.
#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "assets", params(("id" = i64, Path, description = "The asset's id")),
    responses((status = 200, body = AssetJson),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_asset(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AssetJson>> {
    Ok(Json(state.app.asset(&actor, id).await?.into()))
}

/// Moves an asset to its next state; sales, confiscation and return move the money through
/// the ledger in the same transaction.
#[utoipa::path(post, path = "/api/v1/assets/{id}/moves", tag = "assets", params(("id" = i64, Path, description = "The asset's id")),
    request_body = MoveAssetRequest,
    responses((status = 200, body = AssetJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn move_asset(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<MoveAssetRequest>,
) -> ApiResult<Json<AssetJson>> {
    let request = MoveAsset {
        to: r.to,
        date: r.date,
        document: r.document,
        amount: r.amount,
        currency: r.currency,
        costs: r.costs,
    };
    Ok(Json(state.app.move_asset(&actor, &context, id, request).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValuationRequest {
    pub valued_on: String,
    pub amount: String,
    /// Who appraised it and how.
    pub basis: String,
}

/// Records an appraisal (the estimated value becomes the newest).
#[utoipa::path(post, path = "/api/v1/assets/{id}/valuations", tag = "assets", params(("id" = i64, Path, description = "The asset's id")),
    request_body = ValuationRequest,
    responses((status = 200, body = AssetJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_valuation(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<ValuationRequest>,
) -> ApiResult<Json<AssetJson>> {
    Ok(Json(state.app.add_valuation(&actor, &context, id, &r.valued_on, &r.amount, &r.basis).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseRequest {
    pub monthly_rent: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
}

/// Records a lease: the rent expected each month.
#[utoipa::path(post, path = "/api/v1/assets/{id}/leases", tag = "assets", params(("id" = i64, Path, description = "The asset's id")),
    request_body = LeaseRequest,
    responses((status = 200, body = AssetJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_lease(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<LeaseRequest>,
) -> ApiResult<Json<AssetJson>> {
    Ok(Json(
        state
            .app
            .add_lease(&actor, &context, id, &r.monthly_rent, &r.starts_on, r.ends_on.as_deref())
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetMoneyRequest {
    pub amount: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub memo: Option<String>,
}

/// Records rent received for the asset, into the fund (`income:leases`).
#[utoipa::path(post, path = "/api/v1/assets/{id}/rent", tag = "assets", params(("id" = i64, Path, description = "The asset's id")),
    request_body = AssetMoneyRequest,
    responses((status = 200, body = AssetJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_rent(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<AssetMoneyRequest>,
) -> ApiResult<Json<AssetJson>> {
    let event = MoneyEvent { kind: AssetMoney::Rent, amount: r.amount, date: r.date, memo: r.memo };
    let view = state.app.record_asset_money(&actor, &context, id, event).await?;
    Ok(Json(view.into()))
}

/// Records a custody cost paid from the fund (`expenses:custody`); refused if the fund's cash
/// does not cover it.
#[utoipa::path(post, path = "/api/v1/assets/{id}/custody-costs", tag = "assets", params(("id" = i64, Path, description = "The asset's id")),
    request_body = AssetMoneyRequest,
    responses((status = 200, body = AssetJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_custody_cost(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<AssetMoneyRequest>,
) -> ApiResult<Json<AssetJson>> {
    let event = MoneyEvent { kind: AssetMoney::CustodyCost, amount: r.amount, date: r.date, memo: r.memo };
    let view = state.app.record_asset_money(&actor, &context, id, event).await?;
    Ok(Json(view.into()))
}

/// Assets by state: how many, their estimated value, how long they have been there, and the
/// inflow the fund can count on.
#[utoipa::path(get, path = "/api/v1/assets/pipeline", tag = "assets",
    responses((status = 200, body = PipelineJson)))]
pub async fn pipeline(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<PipelineJson>> {
    Ok(Json(pipeline_json(&state, &actor).await?))
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(Access::Policy(rules::MANAGE_ASSETS), routes!(register_asset))
        .add(Access::Policy(rules::READ_ASSETS), routes!(get_asset))
        .add(Access::Policy(rules::READ_ASSETS), routes!(pipeline))
        .add(Access::Policy(rules::MANAGE_ASSETS), routes!(move_asset))
        .add(Access::Policy(rules::MANAGE_ASSETS), routes!(add_valuation))
        .add(Access::Policy(rules::MANAGE_ASSETS), routes!(add_lease))
        .add(Access::Policy(rules::MANAGE_ASSETS), routes!(record_rent))
        .add(Access::Policy(rules::MANAGE_ASSETS), routes!(record_custody_cost))
}
