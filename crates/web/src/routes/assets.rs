//! Seized assets: the register, lifecycle moves with their money, and each asset's money trail.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use redress_app::assets::{AssetMoney, AssetView, MoneyEvent, MoveAsset, RegisterAsset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ledger::TransferView;
use crate::extract::{ApiJson, Context, CurrentActor};
use crate::problem::{ApiResult, Problem};
use crate::AppState;

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

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetMoveJson {
    pub from: Option<String>,
    pub to: String,
    pub on: String,
    pub document: String,
    pub amount: Option<String>,
    pub costs: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetJson {
    pub id: i64,
    pub kind: String,
    pub description: String,
    pub identifiers: Option<String>,
    pub location: Option<String>,
    pub region: Option<String>,
    pub custodian: Option<String>,
    pub case_id: Option<i64>,
    pub agency_reference: Option<String>,
    pub currency: String,
    pub estimated_value: Option<String>,
    pub state: String,
    pub state_changed_on: String,
    pub moves: Vec<AssetMoveJson>,
    /// The ledger transfers this asset caused, in order.
    pub money: Vec<TransferView>,
    /// What its escrow account holds now.
    pub escrow: String,
    pub valuations: Vec<ValuationJson>,
    pub leases: Vec<LeaseJson>,
    /// Rent due so far under its leases.
    pub rent_expected: String,
    pub rent_received: String,
    /// Expected minus received.
    pub rent_arrears: String,
    pub custody_costs: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValuationJson {
    pub valued_on: String,
    pub amount: String,
    pub basis: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeaseJson {
    pub monthly_rent: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
}

impl From<AssetView> for AssetJson {
    fn from(v: AssetView) -> Self {
        let c = v.asset.currency;
        AssetJson {
            id: v.asset.id,
            kind: v.asset.kind,
            description: v.asset.description,
            identifiers: v.asset.identifiers,
            location: v.asset.location,
            region: v.asset.region,
            custodian: v.asset.custodian,
            case_id: v.asset.case_id,
            agency_reference: v.asset.agency_reference,
            currency: c.code().to_string(),
            estimated_value: v.asset.estimated_value.map(|a| a.format(c)),
            state: v.asset.state,
            state_changed_on: v.asset.state_changed_on,
            moves: v
                .moves
                .into_iter()
                .map(|m| AssetMoveJson {
                    from: m.from_state,
                    to: m.to_state,
                    on: m.on_date,
                    document: m.document,
                    amount: m.amount.map(|a| a.format(c)),
                    costs: m.costs.map(|a| a.format(c)),
                })
                .collect(),
            money: v.money.iter().map(TransferView::from).collect(),
            escrow: v.escrow.format(c),
            valuations: v
                .valuations
                .into_iter()
                .map(|x| ValuationJson { valued_on: x.valued_on, amount: x.amount.format(c), basis: x.basis })
                .collect(),
            leases: v
                .leases
                .into_iter()
                .map(|l| LeaseJson {
                    monthly_rent: l.monthly_rent.format(c),
                    starts_on: l.starts_on,
                    ends_on: l.ends_on,
                })
                .collect(),
            rent_expected: v.rent_expected.format(c),
            rent_received: v.rent_received.format(c),
            rent_arrears: v.rent_arrears.format(c),
            custody_costs: v.custody_costs.format(c),
        }
    }
}

/// Registers a seized asset.
#[utoipa::path(post, path = "/api/v1/assets", tag = "assets", request_body = RegisterAssetRequest,
    responses((status = 201, body = AssetJson),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
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
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_asset(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<i64>,
) -> ApiResult<Json<AssetJson>> {
    Ok(Json(state.app.asset(&actor, id).await?.into()))
}

/// Moves an asset to its next state; sales, confiscation and return move the money through
/// the ledger in the same transaction.
#[utoipa::path(post, path = "/api/v1/assets/{id}/moves", tag = "assets", params(("id" = i64, Path, description = "The asset's id")),
    request_body = MoveAssetRequest,
    responses((status = 200, body = AssetJson),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn move_asset(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<i64>,
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
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_valuation(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<i64>,
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
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_lease(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<i64>,
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
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_rent(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<i64>,
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
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_custody_cost(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<AssetMoneyRequest>,
) -> ApiResult<Json<AssetJson>> {
    let event = MoneyEvent { kind: AssetMoney::CustodyCost, amount: r.amount, date: r.date, memo: r.memo };
    let view = state.app.record_asset_money(&actor, &context, id, event).await?;
    Ok(Json(view.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PipelineStageJson {
    pub state: String,
    pub assets: u64,
    pub estimated_value: String,
    pub average_days_in_state: i64,
    /// Escrow held for early-sold assets, estimated value of confiscated ones.
    pub expected_inflow: String,
    /// Median days this state has taken to bring money into the fund, from the history.
    pub typical_days_to_inflow: Option<i64>,
    /// When the fund can expect this state's inflow (`YYYY-MM-DD`), from that history.
    pub expected_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PipelineJson {
    pub currency: String,
    pub stages: Vec<PipelineStageJson>,
    /// What the fund can count on, all states together.
    pub expected_inflow: String,
}

/// Assets by state: how many, their estimated value, how long they have been there, and the
/// inflow the fund can count on.
#[utoipa::path(get, path = "/api/v1/assets/pipeline", tag = "assets",
    responses((status = 200, body = PipelineJson),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn pipeline(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<PipelineJson>> {
    Ok(Json(pipeline_json(&state, &actor).await?))
}

pub(crate) async fn pipeline_json(
    state: &AppState,
    actor: &redress_app::Actor,
) -> Result<PipelineJson, redress_app::AppError> {
    let currency = state.app.settings.fund_currency();
    let stages = state.app.asset_pipeline(actor).await?;
    let total: i64 = stages.iter().map(|s| s.expected_inflow.0).sum();
    Ok(PipelineJson {
        currency: currency.code().to_string(),
        expected_inflow: redress_domain::Amount(total).format(currency),
        stages: stages
            .into_iter()
            .map(|s| PipelineStageJson {
                state: s.state,
                assets: s.assets,
                estimated_value: s.estimated_value.format(currency),
                average_days_in_state: s.average_days_in_state,
                expected_inflow: s.expected_inflow.format(currency),
                typical_days_to_inflow: s.typical_days_to_inflow,
                expected_by: s.expected_by,
            })
            .collect(),
    })
}
