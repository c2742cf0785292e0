//! The money checked against the records, beside the ledger and the audit chain: what an
//! auditor asks before trusting the fund's books.
//!
//! - No order is paid beyond what it is worth (debtors, the fund and advances together).
//! - No claim is paid more than it was approved for, and what a claim says it was paid equals
//!   the bank lines accepted for it (a claim paid twice would show two accepted lines).
//! - Every batch line's ledger hold is in the state its bank result says: pending while the
//!   line is, posted (once, by the line's payment transfer) when the bank paid, voided when it
//!   did not; a line corrected after a contradiction is paid by its own posted transfer.
//! - What escrow holds equals what it owes: the escrow cash account equals the sum of the
//!   escrow liabilities, and each asset's escrow is what its state says it should hold.
//!
//! Everything is read in bounded pages, so the check's memory does not grow with the fund.

use redress_domain::assets::AssetState;
use redress_domain::ledger::{PendingStatus, TransferType};
use redress_domain::payments::{LineStatus, ResultSource};
use redress_domain::policy::rules;
use redress_domain::Amount;
use serde::Serialize;
use utoipa::ToSchema;

use crate::asset_money::{is_confiscated, rent_escrow, sale_escrow, ESCROW_CASH};
use crate::ledger::LedgerCheck;
use crate::store::{LineHold, Page, ReadTx};
use crate::{Actor, App, AppError};

const PAGE: i64 = 1_000;

/// What the money check found.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct MoneyCheck {
    pub orders: u64,
    pub claims: u64,
    pub lines: u64,
    pub assets: u64,
    /// Each break, naming the record.
    pub breaks: Vec<String>,
}

/// The three checks together.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FullCheck {
    pub intact: bool,
    #[schema(value_type = Object)]
    pub ledger: LedgerCheck,
    /// `null` when the chain is intact.
    pub audit_break: Option<String>,
    pub audit_entries: u64,
    pub money: MoneyCheck,
}

/// Whether a line's hold and payment transfer agree with its bank result.
fn line_break(line: &LineHold) -> Option<String> {
    let hold = line.hold_status;
    let corrected = line.result_source == Some(ResultSource::Correction);
    let paid_by_its_hold = line.transfer_kind == Some(TransferType::PostPending)
        && line.transfer_resolves.as_deref() == Some(line.hold_id.as_str());
    let problem = match (line.status, hold) {
        (_, None) => "its hold is missing from the ledger".to_string(),
        (LineStatus::Pending, Some(PendingStatus::Pending)) => return None,
        (LineStatus::Pending, Some(other)) => format!("pending, but its hold is {}", other.as_str()),
        (LineStatus::Accepted, Some(PendingStatus::Posted)) if paid_by_its_hold => return None,
        (LineStatus::Accepted, Some(PendingStatus::Voided))
            if corrected && line.transfer_kind == Some(TransferType::Single) =>
        {
            return None
        }
        (LineStatus::Accepted, Some(other)) => {
            format!(
                "paid, but its hold is {} or its payment transfer is not the hold's posting",
                other.as_str()
            )
        }
        (LineStatus::Rejected, Some(PendingStatus::Voided)) => return None,
        (LineStatus::Rejected, Some(PendingStatus::Posted)) if corrected => return None,
        (LineStatus::Rejected, Some(other)) => format!("rejected, but its hold is {}", other.as_str()),
    };
    Some(format!("batch {} line {}: {problem}", line.batch_id, line.end_to_end_id))
}

impl App {
    async fn check_orders(&self, tx: &mut dyn ReadTx, check: &mut MoneyCheck) -> Result<(), AppError> {
        let mut after = 0;
        loop {
            let page = tx.order_money(after, PAGE).await?;
            let Some(last) = page.last().map(|(id, _, _)| *id) else { return Ok(()) };
            for (id, ordered, paid) in page {
                check.orders = check.orders.saturating_add(1);
                if paid > ordered {
                    check.breaks.push(format!(
                        "order {id}: paid {} but ordered {}",
                        paid.minor_units(),
                        ordered.minor_units()
                    ));
                }
            }
            after = last;
        }
    }

    async fn check_claims(&self, tx: &mut dyn ReadTx, check: &mut MoneyCheck) -> Result<(), AppError> {
        let mut after = 0;
        loop {
            let page = tx.claim_money(after, PAGE).await?;
            let Some(last) = page.last().map(|(id, _, _, _)| *id) else { return Ok(()) };
            for (id, cap, paid, accepted) in page {
                check.claims = check.claims.saturating_add(1);
                if paid > cap {
                    check.breaks.push(format!(
                        "claim {id}: paid {} but approved {}",
                        paid.minor_units(),
                        cap.minor_units()
                    ));
                }
                if paid != accepted {
                    check.breaks.push(format!(
                        "claim {id}: records {} paid but the bank accepted lines of {}",
                        paid.minor_units(),
                        accepted.minor_units()
                    ));
                }
            }
            after = last;
        }
    }

    async fn check_lines(&self, tx: &mut dyn ReadTx, check: &mut MoneyCheck) -> Result<(), AppError> {
        let mut after = (0, 0);
        loop {
            let page = tx.line_holds(after, PAGE).await?;
            let Some(last) = page.last().map(|l| (l.batch_id, l.claim_id)) else { return Ok(()) };
            for line in &page {
                check.lines = check.lines.saturating_add(1);
                check.breaks.extend(line_break(line));
            }
            after = last;
        }
    }

    async fn check_escrow(&self, tx: &mut dyn ReadTx, check: &mut MoneyCheck) -> Result<(), AppError> {
        let currency = self.settings.fund_currency();
        let all = AssetState::ALL;
        let mut held_total = Amount::ZERO;
        let mut after = None;
        loop {
            let page = tx.assets_in_states(&all, Page { after, limit: PAGE }).await?;
            let Some(last) = page.last().map(|a| a.id) else { break };
            for asset in page {
                check.assets = check.assets.saturating_add(1);
                let state = asset.state;
                let sale = self.escrow_held(tx, &sale_escrow(asset.id), asset.currency).await?;
                let rent = self.escrow_held(tx, &rent_escrow(asset.id), asset.currency).await?;
                if asset.currency == currency {
                    held_total = held_total.checked_add(sale)?.checked_add(rent)?;
                }
                let expected_sale = if state == AssetState::SoldEarly {
                    let moves = tx.asset_moves(asset.id).await?;
                    match moves.iter().rev().find(|m| m.to_state == AssetState::SoldEarly) {
                        Some(m) => m.amount.unwrap_or_default().checked_sub(m.costs.unwrap_or_default())?,
                        None => Amount::ZERO,
                    }
                } else {
                    Amount::ZERO
                };
                if sale != expected_sale {
                    check.breaks.push(format!(
                        "asset {}: escrow holds {} of its sale, its state ({}) says {}",
                        asset.id,
                        sale.minor_units(),
                        state.as_str(),
                        expected_sale.minor_units()
                    ));
                }
                if (is_confiscated(state) || state == AssetState::Returned) && rent != Amount::ZERO {
                    check.breaks.push(format!(
                        "asset {}: escrow still holds {} of rent although the asset is {}",
                        asset.id,
                        rent.minor_units(),
                        state.as_str()
                    ));
                }
            }
            after = Some(last);
        }
        let cash = self.escrow_held(tx, ESCROW_CASH, currency).await?;
        if cash != held_total {
            check.breaks.push(format!(
                "{ESCROW_CASH}: holds {} but owes {} to the assets' escrow accounts",
                cash.minor_units(),
                held_total.minor_units()
            ));
        }
        Ok(())
    }

    /// The money invariants (see the module documentation).
    pub async fn verify_money(&self, actor: &Actor) -> Result<MoneyCheck, AppError> {
        actor.require(rules::VERIFY_LEDGER)?;
        let mut tx = self.store.read().await?;
        let mut check = MoneyCheck::default();
        self.check_orders(&mut *tx, &mut check).await?;
        self.check_claims(&mut *tx, &mut check).await?;
        self.check_lines(&mut *tx, &mut check).await?;
        self.check_escrow(&mut *tx, &mut check).await?;
        // The counts statistics and the asset pipeline read are maintained by the database.
        check.breaks.extend(tx.maintained_count_mismatches().await?);
        Ok(check)
    }

    /// The ledger, the audit chain (with its checkpoints) and the money against the records.
    pub async fn verify_everything(&self, actor: &Actor) -> Result<FullCheck, AppError> {
        actor.require(rules::VERIFY_LEDGER)?;
        let ledger = self.verify_ledger(actor).await?;
        let audit = self.verify_audit_with_checkpoints(|_| {}).await?;
        let money = self.verify_money(actor).await?;
        let (audit_break, audit_entries) = match &audit {
            Ok(summary) => (None, summary.entries),
            Err(broken) => (Some(format!("entry {}: {}", broken.seq, broken.reason)), 0),
        };
        Ok(FullCheck {
            intact: ledger.balanced && audit_break.is_none() && money.breaks.is_empty(),
            ledger,
            audit_break,
            audit_entries,
            money,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(status: LineStatus, hold: Option<&str>, kind: Option<&str>, source: Option<&str>) -> LineHold {
        let kind = kind.map(|k| TransferType::parse(k).expect("a transfer type"));
        LineHold {
            batch_id: 1,
            claim_id: 2,
            end_to_end_id: "RDR-R1-C2".into(),
            status,
            result_source: source.map(|s| ResultSource::parse(s).expect("a result source")),
            hold_status: hold.map(|h| PendingStatus::parse(h).expect("a hold status")),
            transfer_id: kind.map(|_| "t".into()),
            transfer_kind: kind,
            transfer_resolves: (kind == Some(TransferType::PostPending)).then(|| "h".into()),
            hold_id: "h".into(),
        }
    }

    #[test]
    fn a_line_agrees_with_its_hold_or_is_named() {
        assert!(line_break(&line(LineStatus::Pending, Some("pending"), None, None)).is_none());
        assert!(line_break(&line(
            LineStatus::Accepted,
            Some("posted"),
            Some("post_pending"),
            Some("pain.002")
        ))
        .is_none());
        assert!(line_break(&line(LineStatus::Rejected, Some("voided"), None, Some("manual"))).is_none());
        assert!(line_break(&line(LineStatus::Accepted, Some("voided"), Some("single"), Some("correction")))
            .is_none());
        for broken in [
            line(LineStatus::Pending, Some("posted"), None, None),
            line(LineStatus::Accepted, Some("voided"), None, Some("pain.002")),
            line(LineStatus::Rejected, Some("posted"), Some("post_pending"), Some("pain.002")),
            line(LineStatus::Accepted, None, None, None),
        ] {
            let found = line_break(&broken);
            assert!(found.as_deref().is_some_and(|b| b.contains("RDR-R1-C2")), "{broken:?}");
        }
    }
}
