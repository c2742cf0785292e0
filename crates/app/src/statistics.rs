//! Aggregate statistics for analysts: counts of victims by coarse attributes, claims by state
//! and tier, and what the fund paid. Statistics never leave as individual records, and a count
//! below the threshold (k = 11 by default, DESIGN.md) is suppressed, so that no small group can
//! be re-identified; when a cell of a table is suppressed, its total is rounded to the nearest
//! ten, so the suppressed count cannot be recovered by subtraction.

use std::collections::BTreeMap;

use redress_domain::policy::rules;
use redress_domain::Amount;
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::{ClaimFilter, Page};
use crate::{Actor, App, AppError};

/// The smallest count published (DESIGN.md: k ≥ 11).
pub const MIN_CELL: u64 = 11;

/// One row of a table: a category and its count, or `None` when suppressed.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Cell {
    pub category: String,
    /// `null` when fewer than the threshold: suppressed.
    pub count: Option<u64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Table {
    /// What the rows count (`sex`, `nationality`, …).
    pub dimension: String,
    pub cells: Vec<Cell>,
    /// The total, rounded to the nearest 10 when a cell was suppressed.
    pub total: u64,
    pub total_rounded: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Statistics {
    pub min_cell: u64,
    pub victims: Vec<Table>,
    pub claims: Vec<Table>,
    pub currency: String,
    /// What the fund has paid to victims (claims, as confirmed by the bank).
    pub paid_to_victims: String,
}

/// A table from raw counts, with small cells suppressed.
pub fn table(dimension: &str, counts: &BTreeMap<String, u64>, min_cell: u64) -> Table {
    let total: u64 = counts.values().sum();
    let mut suppressed = false;
    let cells = counts
        .iter()
        .map(|(category, count)| {
            let shown = (*count >= min_cell).then_some(*count);
            suppressed |= shown.is_none();
            Cell { category: category.clone(), count: shown }
        })
        .collect();
    let (total, total_rounded) = if suppressed { ((total + 5) / 10 * 10, true) } else { (total, false) };
    Table { dimension: dimension.to_string(), cells, total, total_rounded }
}

impl App {
    pub async fn statistics(&self, actor: &Actor) -> Result<Statistics, AppError> {
        actor.require(rules::READ_STATISTICS)?;
        let mut tx = self.store.read().await?;
        let mut dimensions: BTreeMap<&str, BTreeMap<String, u64>> = BTreeMap::new();
        let mut after = None;
        loop {
            let page = tx.victims(Page { after, limit: 1_000 }).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for victim in &page {
                for (dimension, value) in [
                    ("sex", Some(victim.sex.clone())),
                    ("nationality", Some(victim.nationality.clone())),
                    ("age_band", Some(victim.age_band.clone())),
                    ("region", victim.region.clone()),
                    ("exploitation", victim.exploitation.clone()),
                ] {
                    let value = value.unwrap_or_else(|| "unknown".into());
                    *dimensions.entry(dimension).or_default().entry(value).or_default() += 1;
                }
            }
        }
        let victims = dimensions.iter().map(|(d, counts)| table(d, counts, MIN_CELL)).collect();
        let currency = self.settings.fund_currency();
        let mut states: BTreeMap<String, u64> = BTreeMap::new();
        let mut tiers: BTreeMap<String, u64> = BTreeMap::new();
        let mut paid = 0i64;
        let mut after = None;
        loop {
            let page = tx.claims(&ClaimFilter::default(), Page { after, limit: 1_000 }).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for claim in &page {
                *states.entry(claim.state.as_str().to_string()).or_default() += 1;
                *tiers.entry(claim.tier.to_string()).or_default() += 1;
                if claim.currency == currency {
                    paid += claim.paid.0;
                }
            }
        }
        Ok(Statistics {
            min_cell: MIN_CELL,
            victims,
            claims: vec![table("state", &states, MIN_CELL), table("tier", &tiers, MIN_CELL)],
            currency: currency.code().to_string(),
            paid_to_victims: Amount(paid).format(currency),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cells_are_suppressed_and_the_total_rounded() {
        let counts: BTreeMap<String, u64> =
            [("female".to_string(), 40), ("male".to_string(), 3)].into_iter().collect();
        let t = table("sex", &counts, 11);
        assert_eq!(t.cells[0].count, Some(40));
        assert_eq!(t.cells[1].count, None, "3 people could be recognised");
        assert_eq!(
            (t.total, t.total_rounded),
            (40, true),
            "43 rounded: the 3 cannot be recovered by subtraction"
        );
        let full: BTreeMap<String, u64> =
            [("a".to_string(), 11), ("b".to_string(), 12)].into_iter().collect();
        assert_eq!(table("x", &full, 11).total, 23);
    }
}
