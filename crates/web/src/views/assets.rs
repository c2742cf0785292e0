//! Assets and the asset pipeline as the API and the pages show them.

use redress_app::assets::AssetView;
use serde::Serialize;
use utoipa::ToSchema;

use super::ledger::TransferView;
use crate::AppState;

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
            kind: v.asset.kind.as_str().to_string(),
            description: v.asset.description,
            identifiers: v.asset.identifiers,
            location: v.asset.location,
            region: v.asset.region,
            custodian: v.asset.custodian,
            case_id: v.asset.case_id,
            agency_reference: v.asset.agency_reference,
            currency: c.code().to_string(),
            estimated_value: v.asset.estimated_value.map(|a| a.format(c)),
            state: v.asset.state.as_str().to_string(),
            state_changed_on: v.asset.state_changed_on,
            moves: v
                .moves
                .into_iter()
                .map(|m| AssetMoveJson {
                    from: m.from_state.map(|s| s.as_str().to_string()),
                    to: m.to_state.as_str().to_string(),
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

pub(crate) async fn pipeline_json(
    state: &AppState,
    actor: &redress_app::Actor,
) -> Result<PipelineJson, redress_app::AppError> {
    let currency = state.app.settings.fund_currency();
    let stages = state.app.asset_pipeline(actor).await?;
    let total = redress_domain::Amount::checked_sum(stages.iter().map(|s| s.expected_inflow))?;
    Ok(PipelineJson {
        currency: currency.code().to_string(),
        expected_inflow: total.format(currency),
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
