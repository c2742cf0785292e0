//! The money an asset's moves carry, as ledger movements. Until an asset is confiscated its
//! money is not the fund's: sale proceeds and rent wait in escrow (`assets:bank:escrow`,
//! owed to the asset: `liabilities:escrow:asset/<id>` for the sale, `liabilities:escrow:rent/<id>`
//! for rent), and go back to the owner if the asset is returned. Confiscation makes them the
//! fund's income. Sale costs are booked, not netted away: the gross price comes in and the
//! costs go out (`expenses:asset-sales`, or out of escrow for an early sale), so an auditor sees
//! both.
//!
//! | move | money |
//! |---|---|
//! | → `sold_early` | price into escrow (`assets:bank:escrow` ← `liabilities:escrow:asset/<id>`), costs paid out of it |
//! | `sold_early` → `released` | escrow becomes income (`income:confiscations`, rent `income:leases`) and moves to the fund |
//! | → `returned` | what escrow holds for the asset is paid back to the owner |
//! | → `confiscated` | rent held in escrow becomes income and moves to the fund |
//! | `confiscated` → `sold` | price into the fund (`income:confiscations`), costs paid from it (`expenses:asset-sales`) |
//! | `confiscated` → `released` | confiscated money (cash, bank balances) into the fund |
//!
//! The movements of one move are linked: they all happen or none does.

use redress_domain::assets::AssetState;
use redress_domain::ledger::{AccountFlags, AccountName, References};
use redress_domain::{Amount, Currency};
use time::Date;

use crate::claims::FUND_CASH;
use crate::ledger::Movement;
use crate::store::{NewLedgerAccount, WriteTx};
use crate::{App, AppError};

pub(crate) const ESCROW_CASH: &str = "assets:bank:escrow";
pub(crate) const SALE_COSTS: &str = "expenses:asset-sales";

/// What escrow owes the asset's owner for a sale made before confiscation.
pub(crate) fn sale_escrow(id: i64) -> String {
    format!("liabilities:escrow:asset/{id}")
}

/// What escrow holds of rent collected before confiscation.
pub(crate) fn rent_escrow(id: i64) -> String {
    format!("liabilities:escrow:rent/{id}")
}

/// Whether the asset's money is the fund's (it was confiscated).
pub(crate) fn is_confiscated(state: AssetState) -> bool {
    matches!(state, AssetState::Confiscated | AssetState::Sold | AssetState::Released)
}

/// One move's money, before it is written.
pub(crate) struct MoveMoney {
    pub id: i64,
    pub currency: Currency,
    pub from: AssetState,
    pub to: AssetState,
    /// Sale price, or the money confiscated.
    pub gross: Amount,
    pub costs: Amount,
    /// What escrow holds now for the asset's sale and for its rent.
    pub sale_held: Amount,
    pub rent_held: Amount,
    pub references: References,
    pub document: String,
    pub date: Date,
}

impl MoveMoney {
    fn leg(&self, debit: &str, credit: &str, amount: Amount, memo: &str) -> Result<Movement, AppError> {
        let memo = format!("{memo} — {}", self.document);
        Ok(Movement::single(debit, credit, amount, self.currency, self.references.clone(), memo)?
            .on(self.date))
    }

    /// Escrow held for the asset becomes the fund's income and moves to the fund.
    fn release_escrow(&self, into: &mut Vec<Movement>) -> Result<(), AppError> {
        let sale = sale_escrow(self.id);
        let rent = rent_escrow(self.id);
        for (account, income, held) in
            [(&sale, "income:confiscations", self.sale_held), (&rent, "income:leases", self.rent_held)]
        {
            if held.is_positive() {
                into.push(self.leg(account, income, held, "Decomiso: custodia reconocida como ingreso")?);
                into.push(self.leg(FUND_CASH, ESCROW_CASH, held, "Decomiso: fondos liberados al Fondo")?);
            }
        }
        Ok(())
    }

    /// The movements this move carries, linked together.
    pub(crate) fn movements(&self) -> Result<Vec<Movement>, AppError> {
        let mut legs = Vec::new();
        let sale = sale_escrow(self.id);
        match (self.from, self.to) {
            (_, AssetState::SoldEarly) => {
                legs.push(self.leg(
                    ESCROW_CASH,
                    &sale,
                    self.gross,
                    "Venta anticipada: producto en custodia",
                )?);
                if self.costs.is_positive() {
                    legs.push(self.leg(
                        &sale,
                        ESCROW_CASH,
                        self.costs,
                        "Venta anticipada: costos de la venta",
                    )?);
                }
            }
            (AssetState::SoldEarly, AssetState::Released) => self.release_escrow(&mut legs)?,
            (_, AssetState::Returned) => {
                for (account, held) in
                    [(sale.clone(), self.sale_held), (rent_escrow(self.id), self.rent_held)]
                {
                    if held.is_positive() {
                        legs.push(self.leg(&account, ESCROW_CASH, held, "Devolución al propietario")?);
                    }
                }
            }
            (from, AssetState::Confiscated) if !is_confiscated(from) => self.release_escrow(&mut legs)?,
            (AssetState::Confiscated, AssetState::Sold) => {
                legs.push(self.leg(
                    FUND_CASH,
                    "income:confiscations",
                    self.gross,
                    "Venta de bien decomisado",
                )?);
                if self.costs.is_positive() {
                    legs.push(self.leg(
                        SALE_COSTS,
                        FUND_CASH,
                        self.costs,
                        "Costos de la venta del bien decomisado",
                    )?);
                }
            }
            (AssetState::Confiscated, AssetState::Released) => {
                legs.push(self.leg(
                    FUND_CASH,
                    "income:confiscations",
                    self.gross,
                    "Dinero decomisado ingresado al Fondo",
                )?);
            }
            _ => {}
        }
        // Every leg is linked to the next; the last closes the chain.
        let last = legs.pop();
        Ok(legs.into_iter().map(Movement::linked).chain(last).collect())
    }
}

impl App {
    /// Creates an escrow account for an asset if it has none yet (it may never go negative).
    pub(crate) async fn ensure_escrow(
        &self,
        tx: &mut dyn WriteTx,
        name: &str,
        currency: Currency,
    ) -> Result<(), AppError> {
        if tx.ledger_account(name, currency).await?.is_none() {
            tx.insert_ledger_account(&NewLedgerAccount {
                name: AccountName::parse(name)?,
                currency,
                flags: AccountFlags { debits_must_not_exceed_credits: true, ..AccountFlags::default() },
                created_at: self.clock.now(),
            })
            .await?;
        }
        Ok(())
    }

    /// What an escrow account holds now.
    pub(crate) async fn escrow_held(
        &self,
        tx: &mut dyn crate::store::ReadTx,
        name: &str,
        currency: Currency,
    ) -> Result<Amount, AppError> {
        Ok(match tx.ledger_account(name, currency).await? {
            Some(account) => account.totals.posted_balance(account.kind())?,
            None => Amount::ZERO,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn pen() -> Currency {
        Currency::parse("PEN").unwrap()
    }

    fn move_money(from: AssetState, to: AssetState) -> MoveMoney {
        MoveMoney {
            id: 7,
            currency: pen(),
            from,
            to,
            gross: Amount::from_minor(8_000_000),
            costs: Amount::from_minor(320_050),
            sale_held: Amount::from_minor(0),
            rent_held: Amount::from_minor(0),
            references: References::default(),
            document: "Resolución 12-2025".into(),
            date: date!(2025 - 04 - 10),
        }
    }

    fn summary(legs: &[Movement]) -> Vec<(String, String, i64, bool)> {
        legs.iter()
            .map(|m| {
                let name =
                    |a: &Option<AccountName>| a.as_ref().map(|a| a.as_str().to_string()).unwrap_or_default();
                (name(&m.debit), name(&m.credit), m.amount.minor_units(), m.linked)
            })
            .collect()
    }

    #[test]
    fn a_sale_books_the_price_and_its_costs_not_the_net() {
        let legs = move_money(AssetState::Confiscated, AssetState::Sold).movements().unwrap();
        assert_eq!(
            summary(&legs),
            vec![
                ("assets:bank:fund".into(), "income:confiscations".into(), 8_000_000, true),
                ("expenses:asset-sales".into(), "assets:bank:fund".into(), 320_050, false),
            ]
        );
        assert!(legs.iter().all(|m| m.value_date == Some(date!(2025 - 04 - 10))));
    }

    #[test]
    fn rent_held_in_escrow_reaches_the_fund_only_on_confiscation() {
        let mut seized = move_money(AssetState::Leased, AssetState::Confiscated);
        seized.rent_held = Amount::from_minor(1_750_000);
        let legs = seized.movements().unwrap();
        assert_eq!(
            summary(&legs),
            vec![
                ("liabilities:escrow:rent/7".into(), "income:leases".into(), 1_750_000, true),
                ("assets:bank:fund".into(), "assets:bank:escrow".into(), 1_750_000, false),
            ]
        );
        let mut returned = move_money(AssetState::Leased, AssetState::Returned);
        returned.rent_held = Amount::from_minor(1_750_000);
        assert_eq!(
            summary(&returned.movements().unwrap()),
            vec![("liabilities:escrow:rent/7".into(), "assets:bank:escrow".into(), 1_750_000, false)]
        );
    }
}
