//! Allocation of the money available to approved claims (docs/claims-and-payments.md, "Allocation rounds"):
//! deterministic and explainable, so that an auditor can replay any round.
//!
//! - Claims are ordered by priority tier (1 = urgent … 3 = standard), then approval time, then id.
//! - Tiers are paid in order, each claim in full, while money lasts.
//! - The first tier that cannot be paid in full is paid pro rata, rounded to minor units by the
//!   largest-remainder method so that the lines add up to the money available exactly.
//! - A pro-rata share below the minimum line waits for the next round, one claim at a time: the
//!   smallest share below the minimum (the lowest in priority order on a tie) waits, its money is
//!   shared among the rest of the tier, and so on until every share is at or above the minimum.
//!   Taking them out one by one never leaves money unused that could pay a line.
//! - Later tiers wait.
//!
//! The result does not depend on the order the claims are given in.

use serde::{Deserialize, Serialize};

use crate::money::Amount;
use crate::Timestamp;

/// An approved claim waiting for money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimInput {
    pub id: i64,
    /// 1 = urgent, 2 = high, 3 = standard.
    pub tier: u8,
    pub approved_at: Timestamp,
    /// What the claim may receive in this round (approved amount, capped, less what was paid).
    pub amount: Amount,
}

/// Why a line got what it got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Explanation {
    /// "tier 1, paid in full".
    PaidInFull { tier: u8 },
    /// "tier 2, 43.17% pro rata" (basis points of the claim's amount).
    ProRata { tier: u8, basis_points: u32 },
    /// The pro-rata share was below the minimum line: the claim waits for the next round.
    BelowMinimum { tier: u8 },
    /// An earlier tier took the money: the claim waits for the next round.
    TierWaits { tier: u8 },
}

impl Explanation {
    /// A sentence in Spanish for people (the code carries the same facts in English names).
    pub fn describe(&self) -> String {
        match self {
            Explanation::PaidInFull { tier } => format!("nivel {tier}, pagado en su totalidad"),
            Explanation::ProRata { tier, basis_points } => {
                format!("nivel {tier}, {}.{:02}% a prorrata", basis_points / 100, basis_points % 100)
            }
            Explanation::BelowMinimum { tier } => {
                format!("nivel {tier}, la parte a prorrata no alcanza el mínimo: espera la próxima ronda")
            }
            Explanation::TierWaits { tier } => {
                format!("nivel {tier}, espera: los fondos se agotaron en un nivel anterior")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub claim_id: i64,
    pub amount: Amount,
    pub explanation: Explanation,
}

/// Allocates `available` among `claims` (see the module documentation). Lines come back in
/// priority order, one per claim; claims with a zero or negative amount are left out.
pub fn allocate(claims: &[ClaimInput], available: Amount, minimum_line: Amount) -> Vec<Line> {
    let mut ordered: Vec<&ClaimInput> = claims.iter().filter(|c| c.amount.is_positive()).collect();
    ordered.sort_by_key(|c| (c.tier, c.approved_at, c.id));
    let mut left = available.0.max(0);
    let mut lines = Vec::with_capacity(ordered.len());
    let mut index = 0;
    while index < ordered.len() {
        let tier = ordered[index].tier;
        let end = ordered[index..].iter().position(|c| c.tier != tier).map_or(ordered.len(), |p| index + p);
        let members = &ordered[index..end];
        let need: i128 = members.iter().map(|c| i128::from(c.amount.0)).sum();
        if need <= i128::from(left) {
            for claim in members {
                lines.push(Line {
                    claim_id: claim.id,
                    amount: claim.amount,
                    explanation: Explanation::PaidInFull { tier },
                });
            }
            left -= i64::try_from(need).unwrap_or(i64::MAX);
        } else {
            // Nothing left at all: this tier waits like the later ones.
            let from = if left == 0 { index } else { end };
            if left > 0 {
                lines.extend(pro_rata(members, left, minimum_line, tier));
            }
            for claim in &ordered[from..] {
                lines.push(Line {
                    claim_id: claim.id,
                    amount: Amount::ZERO,
                    explanation: Explanation::TierWaits { tier: claim.tier },
                });
            }
            break;
        }
        index = end;
    }
    lines
}

/// Shares `money` (less than the members need) among one tier's members.
fn pro_rata(members: &[&ClaimInput], money: i64, minimum_line: Amount, tier: u8) -> Vec<Line> {
    let mut waiting = vec![false; members.len()];
    loop {
        let shares = largest_remainder(members, &waiting, money);
        // The smallest share below the minimum waits (the last in priority order on a tie).
        let smallest = shares
            .iter()
            .enumerate()
            .filter(|(position, share)| !waiting[*position] && **share < minimum_line.0)
            .min_by_key(|(position, share)| (**share, std::cmp::Reverse(*position)))
            .map(|(position, _)| position);
        let changed = smallest.is_some();
        if let Some(position) = smallest {
            waiting[position] = true;
        }
        if !changed || waiting.iter().all(|w| *w) {
            let shares = if waiting.iter().all(|w| *w) { vec![0; members.len()] } else { shares };
            return members
                .iter()
                .zip(shares)
                .zip(waiting)
                .map(|((claim, share), waits)| {
                    if waits {
                        Line {
                            claim_id: claim.id,
                            amount: Amount::ZERO,
                            explanation: Explanation::BelowMinimum { tier },
                        }
                    } else {
                        // Rounded to the nearest basis point (half up), never truncated.
                        let amount = i128::from(claim.amount.0);
                        let basis_points = ((i128::from(share) * 20_000 + amount) / (2 * amount)) as u32;
                        Line {
                            claim_id: claim.id,
                            amount: Amount(share),
                            explanation: Explanation::ProRata { tier, basis_points },
                        }
                    }
                })
                .collect();
        }
    }
}

/// `money` split in proportion to the amounts of the members not waiting, floors first, then one
/// minor unit each to the largest remainders (ties by priority order), adding up exactly.
fn largest_remainder(members: &[&ClaimInput], waiting: &[bool], money: i64) -> Vec<i64> {
    let total: i128 =
        members.iter().zip(waiting).filter(|(_, w)| !**w).map(|(c, _)| i128::from(c.amount.0)).sum();
    if total == 0 {
        return vec![0; members.len()];
    }
    let money = i128::from(money).min(total);
    let mut shares = vec![0i64; members.len()];
    let mut remainders: Vec<(i128, usize)> = Vec::new();
    let mut given: i128 = 0;
    for (position, claim) in members.iter().enumerate() {
        if waiting[position] {
            continue;
        }
        let exact = money * i128::from(claim.amount.0);
        shares[position] = (exact / total) as i64;
        given += exact / total;
        remainders.push((exact % total, position));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, position) in remainders.into_iter().take((money - given) as usize) {
        shares[position] += 1;
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn claim(id: i64, tier: u8, units: i64) -> ClaimInput {
        ClaimInput { id, tier, approved_at: Timestamp::from_unix_micros(id * 1_000), amount: Amount(units) }
    }

    fn amounts(lines: &[Line]) -> Vec<(i64, i64)> {
        lines.iter().map(|l| (l.claim_id, l.amount.0)).collect()
    }

    #[test]
    fn enough_money_pays_everyone_in_full() {
        let lines = allocate(&[claim(1, 3, 500), claim(2, 1, 300)], Amount(1_000), Amount(0));
        assert_eq!(amounts(&lines), vec![(2, 300), (1, 500)]);
        assert!(lines.iter().all(|l| matches!(l.explanation, Explanation::PaidInFull { .. })));
    }

    #[test]
    fn the_first_short_tier_is_paid_pro_rata_exactly_and_later_tiers_wait() {
        let claims =
            [claim(1, 1, 400), claim(2, 2, 300), claim(3, 2, 300), claim(4, 2, 400), claim(5, 3, 100)];
        let lines = allocate(&claims, Amount(1_000), Amount(0));
        // Tier 1 in full (400); 600 left for tier 2's 1,000: 60% each.
        assert_eq!(amounts(&lines), vec![(1, 400), (2, 180), (3, 180), (4, 240), (5, 0)]);
        assert_eq!(lines[1].explanation, Explanation::ProRata { tier: 2, basis_points: 6_000 });
        assert_eq!(lines[4].explanation, Explanation::TierWaits { tier: 3 });
        assert_eq!(lines[1].explanation.describe(), "nivel 2, 60.00% a prorrata");
    }

    #[test]
    fn remainders_go_to_the_largest_fractions_so_the_total_is_exact() {
        let lines = allocate(&[claim(1, 1, 1), claim(2, 1, 1), claim(3, 1, 1)], Amount(2), Amount(0));
        assert_eq!(lines.iter().map(|l| l.amount.0).sum::<i64>(), 2);
        // Equal fractions: the earlier approvals get the units.
        assert_eq!(amounts(&lines), vec![(1, 1), (2, 1), (3, 0)]);
    }

    #[test]
    fn a_share_below_the_minimum_waits_and_its_money_goes_to_the_rest() {
        // 1,000 among 9,000 + 900 + 100: the 100 claim's share (10) is below 50; then the 900
        // claim's share among 9,900 (90) is fine.
        let lines =
            allocate(&[claim(1, 1, 9_000), claim(2, 1, 900), claim(3, 1, 100)], Amount(1_000), Amount(50));
        assert_eq!(amounts(&lines), vec![(1, 909), (2, 91), (3, 0)]);
        assert_eq!(lines[2].explanation, Explanation::BelowMinimum { tier: 1 });
    }

    #[test]
    fn shares_below_the_minimum_wait_one_at_a_time_so_no_payable_line_is_left_unpaid() {
        // S/ 80 for two claims of S/ 385 and S/ 299.50 with a S/ 50 minimum: shares of 45.03 and
        // 34.97 are both below it, but dropping only the smaller pays the other S/ 80.
        let lines = allocate(&[claim(1, 2, 38_500), claim(2, 2, 29_950)], Amount(8_000), Amount(5_000));
        assert_eq!(amounts(&lines), vec![(1, 8_000), (2, 0)]);
        assert_eq!(lines[1].explanation, Explanation::BelowMinimum { tier: 2 });
    }

    #[test]
    fn percentages_are_rounded_not_truncated() {
        // 100 of 38,500 is 0.2597%: shown as 0.26%.
        let lines = allocate(&[claim(1, 2, 3_850_000), claim(2, 3, 100)], Amount(10_000), Amount(0));
        assert_eq!(lines[0].explanation, Explanation::ProRata { tier: 2, basis_points: 26 });
    }

    proptest! {
        #[test]
        fn a_round_never_gives_more_than_available_sums_exactly_and_ignores_input_order(
            raw in proptest::collection::vec((1u8..4, 1i64..1_000_000), 1..40),
            available in 0i64..20_000_000,
            minimum in 0i64..5_000,
            seed in 0u64..1_000,
        ) {
            let claims: Vec<ClaimInput> = raw.iter().enumerate().map(|(i, (tier, units))| claim(i as i64, *tier, *units)).collect();
            let lines = allocate(&claims, Amount(available), Amount(minimum));
            let total: i64 = lines.iter().map(|l| l.amount.0).sum();
            let need: i64 = claims.iter().map(|c| c.amount.0).sum();
            prop_assert!(total <= available);
            for line in &lines {
                let claim = claims.iter().find(|c| c.id == line.claim_id).unwrap();
                prop_assert!(line.amount.0 <= claim.amount.0 && line.amount.0 >= 0);
                if let Explanation::ProRata { .. } = line.explanation {
                    prop_assert!(line.amount.0 >= minimum);
                }
            }
            // Exactness: either everyone is paid, or the money is used up (unless every share
            // of the short tier fell below the minimum).
            let all_below = lines.iter().any(|l| matches!(l.explanation, Explanation::BelowMinimum { .. }))
                && !lines.iter().any(|l| matches!(l.explanation, Explanation::ProRata { .. }));
            if total < need && !all_below {
                prop_assert_eq!(total, available);
            }
            // No waiting line could have been paid at the minimum with what was left unused.
            let unused = available - total;
            if lines.iter().any(|l| matches!(l.explanation, Explanation::ProRata { .. })) {
                prop_assert_eq!(unused, 0);
            } else if all_below {
                for line in lines.iter().filter(|l| matches!(l.explanation, Explanation::BelowMinimum { .. })) {
                    let claim = claims.iter().find(|c| c.id == line.claim_id).unwrap();
                    prop_assert!(unused < minimum.min(claim.amount.0), "{unused} could pay claim {}", claim.id);
                }
            }
            let mut shuffled = claims.clone();
            let count = shuffled.len();
            for i in 0..count {
                let j = ((seed as usize).wrapping_mul(31).wrapping_add(i * 17)) % count;
                shuffled.swap(i, j);
            }
            prop_assert_eq!(allocate(&shuffled, Amount(available), Amount(minimum)), lines);
        }
    }
}
