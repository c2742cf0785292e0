//! Aggregate statistics for analysts: counts of victims by coarse attributes, claims by state
//! and tier, and what the fund paid. Statistics never leave as individual records, and no group
//! smaller than the threshold (k = 11) can be read or derived:
//!
//! - **Primary suppression:** a category counting fewer than k is not shown.
//! - **Complementary suppression:** while the hidden categories are only one, or add up to fewer
//!   than k, the smallest shown category is hidden too; so a hidden category is always one of at
//!   least two whose sum is at least k, and subtracting the shown cells from the total leaves
//!   that sum, never one small cell (64 − 57 = 7 is impossible: the 57 is hidden with the 7).
//! - **Hidden categories are not named:** they are merged into one `suppressed` row without a
//!   count, so that the presence of a rare category (one nationality, one region) is not shown.
//! - **Every total is rounded to the nearest ten**, in every table whether or not a cell was
//!   hidden, so that the same population has the same published total everywhere and no table
//!   gives away the exact total that another one needs to hide a cell.

use std::collections::BTreeMap;

use redress_domain::policy::rules;
use redress_domain::Amount;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{Actor, App, AppError};

/// The smallest count published (k ≥ 11, see docs/architecture.md).
pub const MIN_CELL: u64 = 11;

/// The category of the row that stands for every hidden category.
pub const SUPPRESSED: &str = "suppressed";

/// One row of a table: a category and its count, or the `suppressed` row (count `None`).
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
    /// The total, rounded to the nearest 10 (always: see the module's notes).
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

/// A total as published: rounded half up to the nearest ten.
pub fn rounded_total(total: u64) -> u64 {
    (total.saturating_add(5) / 10).saturating_mul(10)
}

/// A table from raw counts: small cells and their complements hidden in one unnamed row, the
/// total rounded. See the module's notes.
pub fn table(dimension: &str, counts: &BTreeMap<String, u64>, min_cell: u64) -> Table {
    let total: u64 = counts.values().sum();
    let mut shown: Vec<(&String, u64)> =
        counts.iter().map(|(c, n)| (c, *n)).filter(|(_, n)| *n > 0).collect();
    let mut hidden: Vec<(&String, u64)> = Vec::new();
    shown.retain(|&(category, count)| {
        let small = count < min_cell;
        if small {
            hidden.push((category, count));
        }
        !small
    });
    // Smallest first, so that the complement hides as little as possible.
    shown.sort_by_key(|&(category, count)| (std::cmp::Reverse(count), category));
    while !hidden.is_empty() && (hidden.len() == 1 || hidden.iter().map(|(_, n)| n).sum::<u64>() < min_cell) {
        let Some(complement) = shown.pop() else { break };
        hidden.push(complement);
    }
    let mut cells: Vec<Cell> = counts
        .iter()
        .filter(|(category, _)| shown.iter().any(|(c, _)| c == category))
        .map(|(category, count)| Cell { category: category.clone(), count: Some(*count) })
        .collect();
    if !hidden.is_empty() {
        cells.push(Cell { category: SUPPRESSED.to_string(), count: None });
    }
    Table { dimension: dimension.to_string(), cells, total: rounded_total(total), total_rounded: true }
}

impl App {
    /// The statistics, from two `GROUP BY` queries (victims by their coarse attributes, claims
    /// by state and tier): no victim or claim is read one by one.
    pub async fn statistics(&self, actor: &Actor) -> Result<Statistics, AppError> {
        actor.require(rules::READ_STATISTICS)?;
        let currency = self.settings.fund_currency();
        let mut tx = self.store.read().await?;
        let mut dimensions: BTreeMap<&str, BTreeMap<String, u64>> = BTreeMap::new();
        for profile in tx.victim_profiles().await? {
            let count = u64::try_from(profile.victims).unwrap_or(0);
            for (dimension, value) in [
                ("sex", Some(profile.sex.clone())),
                ("nationality", Some(profile.nationality.clone())),
                ("age_band", Some(profile.age_band.clone())),
                ("region", profile.region.clone()),
                ("exploitation", profile.exploitation.clone()),
            ] {
                let value = value.unwrap_or_else(|| "unknown".into());
                let cell = dimensions.entry(dimension).or_default().entry(value).or_default();
                *cell = cell.saturating_add(count);
            }
        }
        let victims = dimensions.iter().map(|(d, counts)| table(d, counts, MIN_CELL)).collect();
        let mut states: BTreeMap<String, u64> = BTreeMap::new();
        let mut tiers: BTreeMap<String, u64> = BTreeMap::new();
        let mut paid = Amount::ZERO;
        for group in tx.claim_groups(currency).await? {
            let count = u64::try_from(group.claims).unwrap_or(0);
            let state = states.entry(group.state.clone()).or_default();
            *state = state.saturating_add(count);
            let tier = tiers.entry(group.tier.to_string()).or_default();
            *tier = tier.saturating_add(count);
            paid = paid.checked_add(group.paid)?;
        }
        Ok(Statistics {
            min_cell: MIN_CELL,
            victims,
            claims: vec![table("state", &states, MIN_CELL), table("tier", &tiers, MIN_CELL)],
            currency: currency.code().to_string(),
            paid_to_victims: paid.format(currency),
        })
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(c, n)| (c.to_string(), *n)).collect()
    }

    #[test]
    fn a_small_cell_is_hidden_with_its_complement_and_not_named() {
        // 64 victims, 57 women and 7 men: showing 57 would give away the 7.
        let t = table("sex", &counts(&[("female", 57), ("male", 7)]), 11);
        assert_eq!(t.cells, vec![Cell { category: SUPPRESSED.into(), count: None }]);
        assert_eq!(t.total, 60);
        let t = table("nationality", &counts(&[("PE", 40), ("VE", 30), ("CO", 12), ("BO", 3)]), 11);
        let shown: Vec<_> = t.cells.iter().map(|c| (c.category.as_str(), c.count)).collect();
        assert_eq!(shown, vec![("PE", Some(40)), ("VE", Some(30)), (SUPPRESSED, None)], "CO hides BO");
        assert!(!t.cells.iter().any(|c| c.category == "BO"), "a rare nationality is not named");
        assert_eq!(t.total, 90, "85 rounded");
    }

    #[test]
    fn a_table_without_small_cells_shows_every_cell_and_a_rounded_total() {
        let t = table("x", &counts(&[("a", 11), ("b", 12)]), 11);
        assert_eq!(t.cells.len(), 2);
        assert_eq!(t.total, 20);
    }

    proptest! {
        /// An attacker who knows the algorithm subtracts the shown cells from the total's
        /// rounding interval: what is left for the hidden categories must always allow k or
        /// more, so no hidden category can be shown to be small, let alone counted.
        #[test]
        fn differencing_never_recovers_a_small_cell(
            values in proptest::collection::vec(1u64..80, 1..8),
            other_split in 0usize..8,
        ) {
            let k = MIN_CELL;
            let population: BTreeMap<String, u64> =
                values.iter().enumerate().map(|(i, n)| (format!("c{i}"), *n)).collect();
            let t = table("d", &population, k);
            let true_total: u64 = values.iter().sum();
            prop_assert!(t.total + 5 > true_total && true_total + 5 >= t.total, "the total is within its rounding");
            let shown: u64 = t.cells.iter().filter_map(|c| c.count).sum();
            for cell in &t.cells {
                if let Some(count) = cell.count {
                    prop_assert!(count >= k);
                    prop_assert_eq!(Some(&count), population.get(&cell.category));
                }
            }
            let hidden: Vec<u64> = population
                .iter()
                .filter(|(c, _)| !t.cells.iter().any(|cell| &cell.category == *c))
                .map(|(_, n)| *n)
                .collect();
            if !hidden.is_empty() {
                prop_assert!(t.cells.iter().any(|c| c.category == SUPPRESSED));
                prop_assert!(hidden.len() >= 2 || hidden.iter().sum::<u64>() == true_total);
                // The most any hidden category could be, as far as the published table says.
                let upper = (t.total + 4).saturating_sub(shown);
                prop_assert!(upper >= k || true_total < k, "a hidden category is provably under k");
                prop_assert!(hidden.iter().sum::<u64>() >= k || true_total < k);
            }
            // The same population split another way publishes the same total.
            let mut other = population.clone();
            let moved = values[other_split % values.len()];
            other.insert("elsewhere".into(), moved);
            other.remove(&format!("c{}", other_split % values.len()));
            prop_assert_eq!(table("e", &other, k).total, t.total);
        }
    }
}
