//! The public transparency feed: confiscated and sold assets, and the fund's money by month.
//! Nothing here names a person, gives a place finer than the region, or cites a case.

use redress_domain::assets::AssetState;
use redress_domain::Amount;
use serde::Serialize;
use time::OffsetDateTime;

use crate::accounts::PAGE_LIMIT_MAX;
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
    /// Published assets by id after `after`, at most `limit` (one query for the page).
    pub async fn public_assets_page(
        &self,
        after: Option<i64>,
        limit: i64,
    ) -> Result<Vec<PublicAsset>, AppError> {
        let states: Vec<&str> = PUBLISHED.iter().map(|s| s.as_str()).collect();
        let mut tx = self.store.read().await?;
        let page =
            tx.published_assets(&states, Page { after, limit: limit.clamp(1, PAGE_LIMIT_MAX) }).await?;
        Ok(page
            .into_iter()
            .map(|asset| PublicAsset {
                id: asset.id,
                kind: asset.kind,
                region: asset.region,
                state: asset.state,
                seized_on: asset.seized_on,
                confiscated_on: asset.confiscated_on,
                sold_on: asset.sold_on,
                sale_amount: asset.sale_amount.map(|a| a.format(asset.currency)),
                currency: asset.currency.code().to_string(),
            })
            .collect())
    }

    /// Every published asset (for the CSV download), a page of [`PAGE_LIMIT_MAX`] per query.
    pub async fn public_assets(&self) -> Result<Vec<PublicAsset>, AppError> {
        let mut result = Vec::new();
        loop {
            let page =
                self.public_assets_page(result.last().map(|a: &PublicAsset| a.id), PAGE_LIMIT_MAX).await?;
            let full = page.len() as i64 == PAGE_LIMIT_MAX;
            result.extend(page);
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

/// An account's net movement as published: its name and amount.
#[derive(Debug, Clone, Serialize)]
pub struct PublicAccount {
    pub account: String,
    pub amount: String,
}

/// The fund's money by source and by use since it opened, and the claims it has paid, counted
/// by tier with the statistics' suppression (no count under k = 11, totals rounded to ten).
#[derive(Debug, Clone, Serialize)]
pub struct PublicMoney {
    pub currency: String,
    /// Income accounts: what came in, net of corrections.
    pub sources: Vec<PublicAccount>,
    /// Expense accounts: what went out, net of corrections.
    pub uses: Vec<PublicAccount>,
    /// Claims paid, by tier (suppressed as `/statistics` does).
    pub paid_claims: crate::statistics::Table,
    /// What the fund has paid to victims.
    pub paid_to_victims: String,
    /// Paid claims by days from filing to payment (bands of [`crate::summary::DELAY_BANDS`]),
    /// suppressed as the tiers are.
    pub payment_delays: crate::statistics::Table,
}

impl App {
    /// [`PublicMoney`], from three aggregate reads (income and expense accounts, claims by state
    /// and tier, paid claims by delay band): nothing per victim.
    pub async fn public_money(&self) -> Result<PublicMoney, AppError> {
        use crate::statistics::{table, MIN_CELL};
        let currency = self.settings.fund_currency();
        let mut tx = self.store.read().await?;
        let accounts = tx.ledger_accounts_matching(currency, &[], &["income:", "expenses:"]).await?;
        let (mut sources, mut uses) = (Vec::new(), Vec::new());
        for a in accounts {
            let (debits, credits) = (a.totals.debits_posted, a.totals.credits_posted);
            let name = a.name.as_str().to_string();
            if name.starts_with("income:") {
                sources.push(PublicAccount {
                    account: name,
                    amount: credits.checked_sub(debits)?.format(currency),
                });
            } else {
                uses.push(PublicAccount {
                    account: name,
                    amount: debits.checked_sub(credits)?.format(currency),
                });
            }
        }
        let mut tiers: std::collections::BTreeMap<String, u64> = Default::default();
        let mut paid = Amount::ZERO;
        for group in tx.claim_groups(currency).await? {
            if group.state == redress_domain::claims::ClaimState::Paid.as_str() {
                let tier = tiers.entry(group.tier.to_string()).or_default();
                *tier = tier.saturating_add(u64::try_from(group.claims).unwrap_or(0));
            }
            paid = paid.checked_add(group.paid)?;
        }
        let delays: std::collections::BTreeMap<String, u64> = tx
            .paid_claim_delays()
            .await?
            .into_iter()
            .map(|(band, claims)| (band, u64::try_from(claims).unwrap_or(0)))
            .collect();
        Ok(PublicMoney {
            currency: currency.code().to_string(),
            sources,
            uses,
            paid_claims: table("tier", &tiers, MIN_CELL),
            paid_to_victims: paid.format(currency),
            payment_delays: table("delay", &delays, MIN_CELL),
        })
    }
}
