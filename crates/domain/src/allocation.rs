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

use crate::money::{Amount, Overflow};
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
/// priority order, one per claim; claims with a zero or negative amount are left out. Fails
/// only when a tier's claims add up to more than an `Amount` holds.
pub fn allocate(
    claims: &[ClaimInput],
    available: Amount,
    minimum_line: Amount,
) -> Result<Vec<Line>, Overflow> {
    let mut ordered: Vec<&ClaimInput> = claims.iter().filter(|c| c.amount.is_positive()).collect();
    ordered.sort_by_key(|c| (c.tier, c.approved_at, c.id));
    let mut left = available.max(Amount::ZERO);
    let mut lines = Vec::with_capacity(ordered.len());
    let mut tiers = ordered.chunk_by(|a, b| a.tier == b.tier);
    while let Some(members) = tiers.next() {
        let tier = members[0].tier;
        let need = Amount::checked_sum(members.iter().map(|c| c.amount))?;
        if need <= left {
            for claim in members {
                lines.push(Line {
                    claim_id: claim.id,
                    amount: claim.amount,
                    explanation: Explanation::PaidInFull { tier },
                });
            }
            left = left.checked_sub(need)?;
            continue;
        }
        // Nothing left at all: this tier waits like the later ones.
        let waiting: &[&ClaimInput] = if left == Amount::ZERO {
            members
        } else {
            lines.extend(pro_rata(members, left, minimum_line, tier)?);
            &[]
        };
        for claim in waiting.iter().chain(tiers.by_ref().flatten()) {
            lines.push(Line {
                claim_id: claim.id,
                amount: Amount::ZERO,
                explanation: Explanation::TierWaits { tier: claim.tier },
            });
        }
        break;
    }
    Ok(lines)
}

/// Shares `money` (less than the members need) among one tier's members.
fn pro_rata(
    members: &[&ClaimInput],
    money: Amount,
    minimum_line: Amount,
    tier: u8,
) -> Result<Vec<Line>, Overflow> {
    let mut waiting = vec![false; members.len()];
    loop {
        let shares = largest_remainder(members, &waiting, money)?;
        // The smallest share below the minimum waits (the last in priority order on a tie).
        let smallest = shares
            .iter()
            .enumerate()
            .filter(|(position, share)| !waiting[*position] && **share < minimum_line)
            .min_by_key(|(position, share)| (**share, std::cmp::Reverse(*position)))
            .map(|(position, _)| position);
        let changed = smallest.is_some();
        if let Some(position) = smallest {
            waiting[position] = true;
        }
        if !changed || waiting.iter().all(|w| *w) {
            let shares = if waiting.iter().all(|w| *w) { vec![Amount::ZERO; members.len()] } else { shares };
            return members
                .iter()
                .zip(shares)
                .zip(waiting)
                .map(|((claim, share), waits)| {
                    Ok(if waits {
                        Line {
                            claim_id: claim.id,
                            amount: Amount::ZERO,
                            explanation: Explanation::BelowMinimum { tier },
                        }
                    } else {
                        Line {
                            claim_id: claim.id,
                            amount: share,
                            explanation: Explanation::ProRata {
                                tier,
                                basis_points: basis_points(share, claim.amount)?,
                            },
                        }
                    })
                })
                .collect();
        }
    }
}

/// `share` as basis points of `of`, rounded to the nearest (half up), never truncated.
fn basis_points(share: Amount, of: Amount) -> Result<u32, Overflow> {
    let (points, remainder) = share.checked_mul_ratio(Amount::from_minor(10_000), of)?;
    // Half up: the remainder is at least half of `of`.
    let round_up = remainder >= of.minor_units().checked_sub(remainder).ok_or(Overflow)?;
    let points = if round_up { points.checked_add(Amount::from_minor(1))? } else { points };
    u32::try_from(points.minor_units()).map_err(|_| Overflow)
}

/// `money` split in proportion to the amounts of the members not waiting, floors first, then one
/// minor unit each to the largest remainders (ties by priority order), adding up exactly.
fn largest_remainder(
    members: &[&ClaimInput],
    waiting: &[bool],
    money: Amount,
) -> Result<Vec<Amount>, Overflow> {
    let total =
        Amount::checked_sum(members.iter().zip(waiting).filter(|(_, w)| !**w).map(|(c, _)| c.amount))?;
    if total == Amount::ZERO {
        return Ok(vec![Amount::ZERO; members.len()]);
    }
    let money = money.min(total);
    let mut shares = vec![Amount::ZERO; members.len()];
    let mut remainders: Vec<(i64, usize)> = Vec::new();
    for (position, claim) in members.iter().enumerate() {
        if waiting[position] {
            continue;
        }
        let (share, remainder) = money.checked_mul_ratio(claim.amount, total)?;
        shares[position] = share;
        remainders.push((remainder, position));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    // Fewer units are left than there are members: each remainder is below one unit.
    let left = money.checked_sub(Amount::checked_sum(shares.iter().copied())?)?;
    let left = usize::try_from(left.minor_units()).map_err(|_| Overflow)?;
    for (_, position) in remainders.into_iter().take(left) {
        shares[position] = shares[position].checked_add(Amount::from_minor(1))?;
    }
    Ok(shares)
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn claim(id: i64, tier: u8, units: i64) -> ClaimInput {
        ClaimInput {
            id,
            tier,
            approved_at: Timestamp::from_unix_micros(id * 1_000),
            amount: Amount::from_minor(units),
        }
    }

    fn amounts(lines: &[Line]) -> Vec<(i64, i64)> {
        lines.iter().map(|l| (l.claim_id, l.amount.minor_units())).collect()
    }

    #[test]
    fn enough_money_pays_everyone_in_full() {
        let lines =
            allocate(&[claim(1, 3, 500), claim(2, 1, 300)], Amount::from_minor(1_000), Amount::from_minor(0))
                .unwrap();
        assert_eq!(amounts(&lines), vec![(2, 300), (1, 500)]);
        assert!(lines.iter().all(|l| matches!(l.explanation, Explanation::PaidInFull { .. })));
    }

    #[test]
    fn the_first_short_tier_is_paid_pro_rata_exactly_and_later_tiers_wait() {
        let claims =
            [claim(1, 1, 400), claim(2, 2, 300), claim(3, 2, 300), claim(4, 2, 400), claim(5, 3, 100)];
        let lines = allocate(&claims, Amount::from_minor(1_000), Amount::from_minor(0)).unwrap();
        // Tier 1 in full (400); 600 left for tier 2's 1,000: 60% each.
        assert_eq!(amounts(&lines), vec![(1, 400), (2, 180), (3, 180), (4, 240), (5, 0)]);
        assert_eq!(lines[1].explanation, Explanation::ProRata { tier: 2, basis_points: 6_000 });
        assert_eq!(lines[4].explanation, Explanation::TierWaits { tier: 3 });
        assert_eq!(lines[1].explanation.describe(), "nivel 2, 60.00% a prorrata");
    }

    #[test]
    fn remainders_go_to_the_largest_fractions_so_the_total_is_exact() {
        let lines = allocate(
            &[claim(1, 1, 1), claim(2, 1, 1), claim(3, 1, 1)],
            Amount::from_minor(2),
            Amount::from_minor(0),
        )
        .unwrap();
        assert_eq!(lines.iter().map(|l| l.amount.minor_units()).sum::<i64>(), 2);
        // Equal fractions: the earlier approvals get the units.
        assert_eq!(amounts(&lines), vec![(1, 1), (2, 1), (3, 0)]);
    }

    #[test]
    fn a_share_below_the_minimum_waits_and_its_money_goes_to_the_rest() {
        // 1,000 among 9,000 + 900 + 100: the 100 claim's share (10) is below 50; then the 900
        // claim's share among 9,900 (90) is fine.
        let lines = allocate(
            &[claim(1, 1, 9_000), claim(2, 1, 900), claim(3, 1, 100)],
            Amount::from_minor(1_000),
            Amount::from_minor(50),
        )
        .unwrap();
        assert_eq!(amounts(&lines), vec![(1, 909), (2, 91), (3, 0)]);
        assert_eq!(lines[2].explanation, Explanation::BelowMinimum { tier: 1 });
    }

    #[test]
    fn shares_below_the_minimum_wait_one_at_a_time_so_no_payable_line_is_left_unpaid() {
        // S/ 80 for two claims of S/ 385 and S/ 299.50 with a S/ 50 minimum: shares of 45.03 and
        // 34.97 are both below it, but dropping only the smaller pays the other S/ 80.
        let lines = allocate(
            &[claim(1, 2, 38_500), claim(2, 2, 29_950)],
            Amount::from_minor(8_000),
            Amount::from_minor(5_000),
        )
        .unwrap();
        assert_eq!(amounts(&lines), vec![(1, 8_000), (2, 0)]);
        assert_eq!(lines[1].explanation, Explanation::BelowMinimum { tier: 2 });
    }

    #[test]
    fn percentages_are_rounded_not_truncated() {
        // 100 of 38,500 is 0.2597%: shown as 0.26%.
        let lines = allocate(
            &[claim(1, 2, 3_850_000), claim(2, 3, 100)],
            Amount::from_minor(10_000),
            Amount::from_minor(0),
        )
        .unwrap();
        assert_eq!(lines[0].explanation, Explanation::ProRata { tier: 2, basis_points: 26 });
    }

    #[test]
    fn a_tier_whose_claims_add_up_past_the_range_is_an_overflow_not_a_wrap() {
        let half = i64::MAX / 2 + 1;
        let claims = [claim(1, 1, half), claim(2, 1, half)];
        assert_eq!(allocate(&claims, Amount::from_minor(1_000), Amount::ZERO), Err(Overflow));
    }

    #[test]
    fn claims_at_the_top_of_the_range_are_shared_exactly() {
        let claims = [claim(1, 1, i64::MAX / 2), claim(2, 1, i64::MAX / 2)];
        let lines = allocate(&claims, Amount::from_minor(i64::MAX), Amount::ZERO).unwrap();
        assert_eq!(amounts(&lines), vec![(1, i64::MAX / 2), (2, i64::MAX / 2)]);
        let lines = allocate(&claims, Amount::from_minor(i64::MAX / 2), Amount::ZERO).unwrap();
        assert_eq!(amounts(&lines), vec![(1, i64::MAX / 4 + 1), (2, i64::MAX / 4)]);
        assert_eq!(lines[0].explanation, Explanation::ProRata { tier: 1, basis_points: 5_000 });
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
            let lines = allocate(&claims, Amount::from_minor(available), Amount::from_minor(minimum)).unwrap();
            let total: i64 = lines.iter().map(|l| l.amount.minor_units()).sum();
            let need: i64 = claims.iter().map(|c| c.amount.minor_units()).sum();
            prop_assert!(total <= available);
            for line in &lines {
                let claim = claims.iter().find(|c| c.id == line.claim_id).unwrap();
                prop_assert!(line.amount.minor_units() <= claim.amount.minor_units() && line.amount.minor_units() >= 0);
                if let Explanation::ProRata { .. } = line.explanation {
                    prop_assert!(line.amount.minor_units() >= minimum);
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
                    prop_assert!(unused < minimum.min(claim.amount.minor_units()), "{unused} could pay claim {}", claim.id);
                }
            }
            let mut shuffled = claims.clone();
            let count = shuffled.len();
            for i in 0..count {
                let j = ((seed as usize).wrapping_mul(31).wrapping_add(i * 17)) % count;
                shuffled.swap(i, j);
            }
            prop_assert_eq!(allocate(&shuffled, Amount::from_minor(available), Amount::from_minor(minimum)).unwrap(), lines);
        }
    }
}
