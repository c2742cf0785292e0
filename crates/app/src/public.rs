//! The public transparency feed: confiscated and sold assets, and the fund's money by month.
//! Nothing here names a person, gives a place finer than the region, or cites a case.

use redress_domain::assets::AssetState;
use serde::Serialize;
use time::OffsetDateTime;

use crate::store::Page;
use crate::{App, AppError};

/// An asset as the public sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PublicAsset {
    pub id: i64,
    pub kind: String,
    pub region: Option<String>,
    pub state: String,
    pub seized_on: Option<String>,
    pub confiscated_on: Option<String>,
    pub sold_on: Option<String>,
    /// The sale price, when sold.
    pub sale_amount: Option<String>,
    pub currency: String,
}

/// The fund's inflows and outflows in one month.
#[derive(Debug, Clone, Serialize)]
pub struct MonthFlow {
    /// `YYYY-MM`.
    pub month: String,
    pub currency: String,
    pub inflows: String,
    pub outflows: String,
}

/// The states published: confiscated, and what followed it.
const PUBLISHED: [AssetState; 3] = [AssetState::Confiscated, AssetState::Sold, AssetState::Released];

impl App {
    pub async fn public_assets(&self) -> Result<Vec<PublicAsset>, AppError> {
        let states: Vec<&str> = PUBLISHED.iter().map(|s| s.as_str()).collect();
        let mut tx = self.store.read().await?;
        let mut result = Vec::new();
        let mut after = None;
        loop {
            let page = tx.assets_in_states(&states, Page { after, limit: 500 }).await?;
            let full = page.len() == 500;
            after = page.last().map(|a| a.id);
            for asset in page {
                let moves = tx.asset_moves(asset.id).await?;
                let date_of = |states: &[&str]| {
                    moves.iter().find(|m| states.contains(&m.to_state.as_str())).map(|m| m.on_date.clone())
                };
                let sale = moves.iter().find(|m| m.to_state == "sold" || m.to_state == "sold_early");
                result.push(PublicAsset {
                    id: asset.id,
                    kind: asset.kind,
                    region: asset.region,
                    state: asset.state,
                    seized_on: date_of(&["seized"]),
                    confiscated_on: date_of(&["confiscated", "released"]),
                    sold_on: sale.map(|m| m.on_date.clone()),
                    sale_amount: sale.and_then(|m| m.amount).map(|a| a.format(asset.currency)),
                    currency: asset.currency.code().to_string(),
                });
            }
            if !full {
                return Ok(result);
            }
        }
    }

    /// The fund's cash inflows and outflows for each of the last `months` months, newest last:
    /// one `GROUP BY` over the months' value dates.
    pub async fn public_fund_flows(&self, months: u8) -> Result<Vec<MonthFlow>, AppError> {
        let currency = self.settings.fund_currency();
        let mut tx = self.store.read().await?;
        let Some(fund) = tx.ledger_account("assets:bank:fund", currency).await? else {
            return Ok(Vec::new());
        };
        let now: OffsetDateTime = self.clock.now().to_datetime();
        Ok(crate::summary::flows_by_month(&mut *tx, fund.id, currency, now, months).await?)
    }
}
