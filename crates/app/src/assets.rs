//! Seized assets: the register, and each move of their lifecycle with the money it carries,
//! written as ledger transfers in the same transaction as the move.
//!
//! | move | money |
//! |---|---|
//! | → `sold_early` | net proceeds into escrow: `assets:bank:escrow` ← `liabilities:escrow:asset/<id>` |
//! | `sold_early` → `released` | linked: the escrow liability becomes income (`income:confiscations`), and the cash moves from escrow to the fund |
//! | `sold_early` → `returned` | escrow paid back to the owner: `liabilities:escrow:asset/<id>` ← `assets:bank:escrow` |
//! | `confiscated` → `sold` | net proceeds into the fund: `assets:bank:fund` ← `income:confiscations` |
//! | `confiscated` → `released` | confiscated money (cash, bank balances) into the fund, the same way |
//!
//! Every transfer names the asset (and its case) in its references, so the asset's money trail
//! is one query, and FIFO traces from a victim's payment lead back to it.

use redress_domain::assets::{AssetKind, AssetState};
use redress_domain::cases::{parse_date, parse_past_date};
use redress_domain::ledger::References;
use redress_domain::policy::rules;
use redress_domain::user::parse_name;
use redress_domain::{Amount, Currency, FieldError, FieldErrors};
use serde::Serialize;
use serde_json::json;

use crate::accounts::audit_event;
use crate::asset_money::{is_confiscated, rent_escrow, sale_escrow, MoveMoney, ESCROW_CASH};
use crate::claims::FUND_CASH;
use crate::ledger::Movement;
use crate::store::{AssetMove, AssetRecord, Lease, ReadTx, Valuation};
use crate::{Actor, App, AppError, RequestContext};

/// An asset to register, as received.
#[derive(Debug, Clone, Default)]
pub struct RegisterAsset {
    pub kind: String,
    pub description: String,
    pub identifiers: Option<String>,
    pub location: Option<String>,
    pub region: Option<String>,
    pub custodian: Option<String>,
    pub case_id: Option<i64>,
    pub agency_reference: Option<String>,
    /// Default: the fund's currency.
    pub currency: Option<String>,
    pub estimated_value: Option<String>,
    /// The seizure: date and court order.
    pub seized_on: String,
    pub document: String,
}

/// A move of an asset's lifecycle, as received.
#[derive(Debug, Clone, Default)]
pub struct MoveAsset {
    pub to: String,
    pub date: String,
    /// The court order or resolution that allows the move.
    pub document: String,
    /// Sale price (sales), or the money confiscated (cash released to the fund).
    pub amount: Option<String>,
    /// The currency of `amount`; must be the asset's.
    pub currency: Option<String>,
    /// Sale costs, deducted from the price.
    pub costs: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AssetView {
    pub asset: AssetRecord,
    pub moves: Vec<AssetMove>,
    pub money: Vec<redress_domain::ledger::Transfer>,
    /// What the asset's escrow account holds now.
    pub escrow: Amount,
    pub valuations: Vec<Valuation>,
    pub leases: Vec<Lease>,
    /// Rent due so far under its leases (a month's rent when each month of a lease begins).
    pub rent_expected: Amount,
    /// Rent received (ledger transfers to `income:leases` naming the asset).
    pub rent_received: Amount,
    /// Expected minus received, never below zero.
    pub rent_arrears: Amount,
    /// Custody costs paid (ledger transfers to `expenses:custody` naming the asset).
    pub custody_costs: Amount,
}

/// Rent periods begun between `start` and `until` (both inclusive): one when the lease starts,
/// then one on the same day of each following month.
pub fn rent_periods(start: time::Date, until: time::Date) -> i64 {
    if until < start {
        return 0;
    }
    // Years lie within ±9999, so these month counts never reach a limit of i64.
    let month_index = |date: time::Date| {
        i64::from(date.year()).saturating_mul(12).saturating_add(i64::from(date.month() as u8))
    };
    month_index(until)
        .saturating_sub(month_index(start))
        .saturating_add(i64::from(until.day() >= start.day()))
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
fn days_between(from: time::Date, to: time::Date) -> i64 {
    // Julian day numbers are i32s: their difference always fits an i64.
    i64::from(to.to_julian_day()).saturating_sub(i64::from(from.to_julian_day()))
}

fn escrow_account(id: i64) -> String {
    sale_escrow(id)
}

fn text(errors: &mut FieldErrors, field: &str, value: &Option<String>, length_max: usize) -> Option<String> {
    let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
    errors.check(parse_name(field, value, length_max))
}

impl App {
    async fn asset_view(&self, tx: &mut dyn ReadTx, id: i64) -> Result<AssetView, AppError> {
        let asset = tx.asset(id).await?.ok_or_else(|| AppError::NotFound(format!("no asset has id {id}")))?;
        let moves = tx.asset_moves(id).await?;
        let money = tx.asset_transfers(id).await?;
        let escrow = match tx.ledger_account(&escrow_account(id), asset.currency).await? {
            Some(account) => account.totals.posted_balance(account.kind())?,
            None => Amount::ZERO,
        };
        let valuations = tx.asset_valuations(id).await?;
        let leases = tx.asset_leases(id).await?;
        let today = self.today();
        let mut rent_expected = 0i64;
        for lease in &leases {
            let (Ok(start), end) = (
                parse_date("starts_on", &lease.starts_on),
                lease.ends_on.as_deref().map(|d| parse_date("ends_on", d)),
            ) else {
                continue;
            };
            let until = match end {
                Some(Ok(end)) if end < today => end,
                _ => today,
            };
            rent_expected = rent_expected
                .saturating_add(lease.monthly_rent.minor_units().saturating_mul(rent_periods(start, until)));
        }
        let rent_expected = Amount::from_minor(rent_expected);
        let sum = |account: &str, debit: bool| {
            Amount::checked_sum(
                money
                    .iter()
                    .filter(|t| if debit { t.debit_account == account } else { t.credit_account == account })
                    .map(|t| t.posted),
            )
        };
        // Rent as it came in: to the fund once confiscated, into escrow before (a release from
        // escrow to income later is the same money, not more rent).
        let rent_held_account = rent_escrow(id);
        let rent_received = Amount::checked_sum(
            money
                .iter()
                .filter(|t| {
                    (t.credit_account == "income:leases" && t.debit_account == FUND_CASH)
                        || t.credit_account == rent_held_account
                })
                .map(|t| t.posted),
        )?;
        let custody_costs = sum("expenses:custody", true)?;
        Ok(AssetView {
            asset,
            moves,
            money,
            escrow,
            valuations,
            leases,
            rent_expected,
            rent_received,
            rent_arrears: rent_expected.checked_sub(rent_received)?.max(Amount::ZERO),
            custody_costs,
        })
    }

    pub async fn asset(&self, actor: &Actor, id: i64) -> Result<AssetView, AppError> {
        actor.require(rules::READ_ASSETS)?;
        let mut tx = self.store.read().await?;
        self.asset_view(&mut *tx, id).await
    }

    /// Registers a seized asset (state `seized`).
    pub async fn register_asset(
        &self,
        actor: &Actor,
        context: &RequestContext,
        request: RegisterAsset,
    ) -> Result<AssetView, AppError> {
        actor.require(rules::MANAGE_ASSETS)?;
        let institution_id = actor.institution_id.ok_or(AppError::Forbidden)?;
        let today = self.today();
        let mut errors = FieldErrors::new();
        let kind = errors.check(AssetKind::parse(&request.kind));
        let description = errors.check(parse_name("description", &request.description, 500));
        let identifiers = text(&mut errors, "identifiers", &request.identifiers, 200);
        let location = text(&mut errors, "location", &request.location, 300);
        let region = text(&mut errors, "region", &request.region, 100);
        let custodian = text(&mut errors, "custodian", &request.custodian, 200);
        let agency_reference = text(&mut errors, "agency_reference", &request.agency_reference, 100);
        let currency = match &request.currency {
            Some(code) => errors.check(Currency::parse(code)),
            None => Some(self.settings.fund_currency()),
        };
        let estimated_value = match (&request.estimated_value, currency) {
            (Some(text), Some(currency)) => match Amount::parse(text, currency) {
                Ok(amount) if amount >= Amount::ZERO => Some(amount),
                Ok(_) => {
                    errors.push(FieldError::new("estimated_value", "must not be negative"));
                    None
                }
                Err(error) => {
                    errors.push(error.at("estimated_value"));
                    None
                }
            },
            _ => None,
        };
        let seized_on = errors.check(parse_past_date("seized_on", &request.seized_on, today));
        let document = errors.check(parse_name("document", &request.document, 200));
        if kind.is_some_and(AssetKind::is_money) && request.case_id.is_none() {
            errors.push(FieldError::new("case_id", "seized money belongs to a case: name the case"));
        }
        errors.into_result()?;
        let (Some(kind), Some(description), Some(currency), Some(seized_on), Some(document)) =
            (kind, description, currency, seized_on, document)
        else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let mut tx = self.store.write().await?;
        if let Some(case_id) = request.case_id {
            if tx.case(case_id).await?.is_none() {
                return Err(FieldError::new("case_id", "no case has this id").into());
            }
        }
        let now = self.clock.now();
        let id = tx
            .insert_asset(&AssetRecord {
                id: 0,
                kind,
                description,
                identifiers,
                location,
                region,
                custodian,
                case_id: request.case_id,
                agency_reference,
                currency,
                estimated_value,
                state: AssetState::Seized,
                state_changed_on: seized_on.to_string(),
                institution_id,
                created_at: now,
                created_by: actor.username.clone(),
            })
            .await?;
        tx.insert_asset_move(
            id,
            &AssetMove {
                from_state: None,
                to_state: AssetState::Seized,
                on_date: seized_on.to_string(),
                document,
                amount: None,
                costs: None,
                recorded_at: now,
                recorded_by: actor.username.clone(),
            },
        )
        .await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "asset.register",
            Some(("asset", id.to_string())),
            json!({"kind": kind.as_str()}),
        ))
        .await?;
        let view = self.asset_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Moves an asset to its next state, with the money the move carries. Illegal moves, a sale
    /// without authorisation, an amount in another currency, negative costs or a second release
    /// are refused, and nothing is written or moved.
    pub async fn move_asset(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        request: MoveAsset,
    ) -> Result<AssetView, AppError> {
        actor.require(rules::MANAGE_ASSETS)?;
        let today = self.today();
        let mut tx = self.store.write().await?;
        let asset = tx.asset(id).await?.ok_or_else(|| AppError::NotFound(format!("no asset has id {id}")))?;
        self.may_write_asset(actor, &asset)?;
        let (from, kind) = (asset.state, asset.kind);

        let Move { to, date, document, amount, costs } = Move::read(&request, &asset, from, kind, today)?;
        let currency = asset.currency;
        if to == AssetState::SoldEarly {
            self.ensure_escrow(&mut *tx, &sale_escrow(id), currency).await?;
        }
        let money = MoveMoney {
            id,
            currency,
            from,
            to,
            gross: amount.unwrap_or(Amount::ZERO),
            costs: costs.unwrap_or(Amount::ZERO),
            sale_held: self.escrow_held(&mut *tx, &sale_escrow(id), currency).await?,
            rent_held: self.escrow_held(&mut *tx, &rent_escrow(id), currency).await?,
            references: References {
                asset: Some(id.to_string()),
                case: asset.case_id.map(|c| c.to_string()),
                ..References::default()
            },
            document: document.clone(),
            date,
        };
        let movements: Vec<_> = money.movements()?.into_iter().filter(|m| m.amount.is_positive()).collect();
        let transfers = movements.len();
        let now = self.clock.now();
        if !movements.is_empty() {
            self.move_money_in(&mut *tx, &actor.username, movements, now).await?;
        }
        tx.set_asset_state(id, to, &date.to_string()).await?;
        tx.insert_asset_move(
            id,
            &AssetMove {
                from_state: Some(from),
                to_state: to,
                on_date: date.to_string(),
                document,
                amount,
                costs,
                recorded_at: now,
                recorded_by: actor.username.clone(),
            },
        )
        .await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "asset.move",
            Some(("asset", id.to_string())),
            json!({"from": from.as_str(), "to": to.as_str(), "transfers": transfers}),
        ))
        .await?;
        let view = self.asset_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }
}

impl App {
    /// Records an appraisal; the asset's estimated value becomes the newest one.
    pub async fn add_valuation(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        valued_on: &str,
        amount: &str,
        basis: &str,
    ) -> Result<AssetView, AppError> {
        actor.require(rules::MANAGE_ASSETS)?;
        let today = self.today();
        let mut tx = self.store.write().await?;
        let asset = tx.asset(id).await?.ok_or_else(|| AppError::NotFound(format!("no asset has id {id}")))?;
        self.may_write_asset(actor, &asset)?;
        let mut errors = FieldErrors::new();
        let valued_on = errors.check(parse_past_date("valued_on", valued_on, today));
        let amount = errors.check(Amount::parse(amount, asset.currency));
        if amount.is_some_and(|a| a < Amount::ZERO) {
            errors.push(FieldError::new("amount", "must not be negative"));
        }
        let basis = errors.check(parse_name("basis", basis, 300));
        errors.into_result()?;
        let (Some(valued_on), Some(amount), Some(basis)) = (valued_on, amount, basis) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let now = self.clock.now();
        tx.insert_valuation(
            id,
            &Valuation {
                valued_on: valued_on.to_string(),
                amount,
                basis,
                recorded_by: actor.username.clone(),
            },
            now,
        )
        .await?;
        tx.set_estimated_value(id, amount).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "asset.valuation",
            Some(("asset", id.to_string())),
            json!({"amount": amount.format(asset.currency)}),
        ))
        .await?;
        let view = self.asset_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Records a lease: the rent expected each month from its start (until its end, if given).
    pub async fn add_lease(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        monthly_rent: &str,
        starts_on: &str,
        ends_on: Option<&str>,
    ) -> Result<AssetView, AppError> {
        actor.require(rules::MANAGE_ASSETS)?;
        let mut tx = self.store.write().await?;
        let asset = tx.asset(id).await?.ok_or_else(|| AppError::NotFound(format!("no asset has id {id}")))?;
        self.may_write_asset(actor, &asset)?;
        let mut errors = FieldErrors::new();
        let rent =
            errors.check(Amount::parse(monthly_rent, asset.currency).map_err(|e| e.at("monthly_rent")));
        if rent.is_some_and(|r| !r.is_positive()) {
            errors.push(FieldError::new("monthly_rent", "must be greater than zero"));
        }
        let starts = errors.check(parse_date("starts_on", starts_on));
        let ends = ends_on.and_then(|d| errors.check(parse_date("ends_on", d)));
        if let (Some(starts), Some(ends)) = (starts, ends) {
            if ends < starts {
                errors.push(FieldError::new("ends_on", "must not be before starts_on"));
            }
        }
        errors.into_result()?;
        let (Some(rent), Some(starts)) = (rent, starts) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let now = self.clock.now();
        let lease = Lease {
            monthly_rent: rent,
            starts_on: starts.to_string(),
            ends_on: ends.map(|d| d.to_string()),
            recorded_by: actor.username.clone(),
        };
        tx.insert_lease(id, &lease, now).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "asset.lease",
            Some(("asset", id.to_string())),
            json!({"monthly_rent": rent.format(asset.currency)}),
        ))
        .await?;
        let view = self.asset_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Records rent received (into the fund) or a custody cost paid (from the fund) for an
    /// asset, as a ledger transfer naming it. The fund's cash limit applies to costs.
    pub async fn record_asset_money(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        event: MoneyEvent,
    ) -> Result<AssetView, AppError> {
        let MoneyEvent { kind, amount, date, memo } = event;
        let (amount, on, memo) = (amount.as_str(), date.as_str(), memo.as_deref());
        actor.require(rules::MANAGE_ASSETS)?;
        let today = self.today();
        let mut tx = self.store.write().await?;
        let asset = tx.asset(id).await?.ok_or_else(|| AppError::NotFound(format!("no asset has id {id}")))?;
        self.may_write_asset(actor, &asset)?;
        let mut errors = FieldErrors::new();
        let amount = errors.check(Amount::parse(amount, asset.currency));
        if amount.is_some_and(|a| !a.is_positive()) {
            errors.push(FieldError::new("amount", "must be greater than zero"));
        }
        let on = errors.check(parse_past_date("date", on, today));
        let memo = memo
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .and_then(|m| errors.check(parse_name("memo", m, 300)));
        errors.into_result()?;
        let (Some(amount), Some(on)) = (amount, on) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let state = asset.state;
        let rent_account = rent_escrow(id);
        let (debit, credit, label) = match kind {
            AssetMoney::Rent if is_confiscated(state) => (FUND_CASH, "income:leases", "Renta recibida"),
            AssetMoney::Rent => {
                self.ensure_escrow(&mut *tx, &rent_account, asset.currency).await?;
                (ESCROW_CASH, rent_account.as_str(), "Renta recibida, en custodia hasta el decomiso")
            }
            AssetMoney::CustodyCost => ("expenses:custody", FUND_CASH, "Costo de custodia"),
        };
        let references = References {
            asset: Some(id.to_string()),
            case: asset.case_id.map(|c| c.to_string()),
            ..References::default()
        };
        let memo = format!("{label} {on}{}", memo.map(|m| format!(" — {m}")).unwrap_or_default());
        let movement = Movement::single(debit, credit, amount, asset.currency, references, memo)?.on(on);
        let now = self.clock.now();
        self.move_money_in(&mut *tx, &actor.username, vec![movement], now).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            kind.action(),
            Some(("asset", id.to_string())),
            json!({"amount": amount.format(asset.currency), "on": on.to_string()}),
        ))
        .await?;
        let view = self.asset_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }
}

/// Rent received or a custody cost paid, as received.
#[derive(Debug, Clone)]
pub struct MoneyEvent {
    pub kind: AssetMoney,
    pub amount: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub memo: Option<String>,
}

/// Money an asset brings in or costs while in custody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetMoney {
    Rent,
    CustodyCost,
}

impl AssetMoney {
    fn action(self) -> &'static str {
        match self {
            AssetMoney::Rent => "asset.rent",
            AssetMoney::CustodyCost => "asset.custody_cost",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{median_days, rent_periods};
    use time::macros::date;

    #[test]
    fn a_rent_period_begins_each_month_on_the_lease_day() {
        assert_eq!(rent_periods(date!(2026 - 01 - 15), date!(2026 - 01 - 15)), 1);
        assert_eq!(rent_periods(date!(2026 - 01 - 15), date!(2026 - 02 - 14)), 1);
        assert_eq!(rent_periods(date!(2026 - 01 - 15), date!(2026 - 02 - 15)), 2);
        assert_eq!(rent_periods(date!(2025 - 11 - 01), date!(2026 - 11 - 28)), 13);
        assert_eq!(rent_periods(date!(2026 - 03 - 01), date!(2026 - 02 - 01)), 0);
    }

    #[test]
    fn the_median_of_a_histogram_is_the_middle_asset() {
        // 10, 10, 20, 35, 35, 35, 90: position 3 of 7 is 35.
        assert_eq!(median_days(&[(10, 2), (20, 1), (35, 3), (90, 1)]), Some(35));
        // 5, 7: position 1 of 2 is 7, as `days[len / 2]` of the sorted list.
        assert_eq!(median_days(&[(5, 1), (7, 1)]), Some(7));
        assert_eq!(median_days(&[(12, 1)]), Some(12));
        assert_eq!(median_days(&[]), None);
    }
}

/// One state of the asset pipeline.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineStage {
    pub state: String,
    pub assets: u64,
    /// Sum of estimated values (assets without one count as zero).
    pub estimated_value: Amount,
    /// Average days since the assets entered this state.
    pub average_days_in_state: i64,
    /// What the fund can count on from this state: escrow held for early-sold assets (paid in
    /// on confiscation), estimated value for confiscated ones (paid in on sale), nothing
    /// otherwise (the outcome is not yet decided).
    pub expected_inflow: Amount,
    /// How long assets have taken from this state to money in the fund (the median of those
    /// that made it: confiscated → sold, sold early → released), when there is a history.
    pub typical_days_to_inflow: Option<i64>,
    /// When the fund can expect this state's inflow (`YYYY-MM-DD`): today plus what the typical
    /// time leaves after the average time already spent in the state.
    pub expected_by: Option<String>,
}

impl App {
    /// Assets by id, optionally in one state (for lists).
    pub async fn assets(
        &self,
        actor: &Actor,
        state: Option<&str>,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<AssetRecord>, AppError> {
        actor.require(rules::READ_ASSETS)?;
        let page = crate::accounts::page(after, limit)?;
        let states: Vec<AssetState> = match state {
            Some(state) => vec![AssetState::parse(state).map_err(|e| e.at("state"))?],
            None => AssetState::ALL.to_vec(),
        };
        Ok(self.store.read().await?.assets_in_states(&states, page).await?)
    }

    /// Assets by state, in the fund's currency, with the inflow the fund can count on.
    pub async fn asset_pipeline(&self, actor: &Actor) -> Result<Vec<PipelineStage>, AppError> {
        actor.require(rules::READ_ASSETS)?;
        let currency = self.settings.fund_currency();
        let today = self.today();
        let mut stages: Vec<(PipelineStage, i64)> = AssetState::ALL
            .iter()
            .map(|s| {
                let stage = PipelineStage {
                    state: s.as_str().to_string(),
                    assets: 0,
                    estimated_value: Amount::ZERO,
                    average_days_in_state: 0,
                    expected_inflow: Amount::ZERO,
                    typical_days_to_inflow: None,
                    expected_by: None,
                };
                (stage, 0)
            })
            .collect();
        // All from aggregates: what the page costs depends on the states and days shown, not on
        // how many assets there are.
        let mut tx = self.store.read().await?;
        let mut typical = std::collections::HashMap::new();
        for (from, to) in
            [(AssetState::Confiscated, AssetState::Sold), (AssetState::SoldEarly, AssetState::Released)]
        {
            if let Some(median) = median_days(&tx.asset_path_days(from, to).await?) {
                typical.insert(from.as_str(), median);
            }
        }
        let today_number = days_between(time::macros::date!(1970 - 01 - 01), today);
        for (state, count, value, day_sum) in tx.asset_state_totals(currency).await? {
            let Some((stage, days)) = stages.iter_mut().find(|(s, _)| s.state == state.as_str()) else {
                continue;
            };
            stage.assets = stage.assets.saturating_add(u64::try_from(count).unwrap_or(0));
            stage.estimated_value = stage.estimated_value.saturating_add(value);
            // The days the state's assets have spent in it: today's day number for each, less
            // the days they entered it.
            *days = days.saturating_add(today_number.saturating_mul(count).saturating_sub(day_sum));
            if state == AssetState::Confiscated {
                stage.expected_inflow = stage.expected_inflow.saturating_add(value);
            }
        }
        let held = tx.sale_escrow_held(currency).await?;
        if let Some((stage, _)) = stages.iter_mut().find(|(s, _)| s.state == AssetState::SoldEarly.as_str()) {
            stage.expected_inflow = held;
        }
        Ok(stages
            .into_iter()
            .map(|(mut stage, days)| {
                stage.average_days_in_state =
                    i64::try_from(stage.assets).ok().and_then(|assets| days.checked_div(assets)).unwrap_or(0);
                stage.typical_days_to_inflow = typical.get(stage.state.as_str()).copied();
                if let (Some(typical), true) =
                    (stage.typical_days_to_inflow, stage.expected_inflow.is_positive())
                {
                    let left = typical.saturating_sub(stage.average_days_in_state).max(0);
                    stage.expected_by =
                        today.checked_add(time::Duration::days(left)).map(|date| date.to_string());
                }
                stage
            })
            .collect())
    }
}

/// The median of a histogram of (days, assets) sorted by days: the value at position `n / 2` of
/// the `n` values in order, as the list of every asset's days would give; `None` when empty.
fn median_days(histogram: &[(i64, i64)]) -> Option<i64> {
    let total: i64 = histogram.iter().fold(0, |sum, (_, assets)| sum.saturating_add(*assets));
    let wanted = total.checked_div(2)?;
    let mut before = 0i64;
    for (days, assets) in histogram {
        before = before.saturating_add(*assets);
        if before > wanted {
            return Some(*days);
        }
    }
    None
}

/// A move as asked, checked against the asset's state, kind and currency.
struct Move {
    to: AssetState,
    date: time::Date,
    document: String,
    amount: Option<Amount>,
    costs: Option<Amount>,
}

impl Move {
    fn read(
        request: &MoveAsset,
        asset: &AssetRecord,
        from: AssetState,
        kind: AssetKind,
        today: time::Date,
    ) -> Result<Move, AppError> {
        let mut errors = FieldErrors::new();
        let to = errors.check(AssetState::parse(&request.to).map_err(|e| e.at("to")));
        let date = errors.check(parse_past_date("date", &request.date, today));
        let last = parse_date("date", &asset.state_changed_on).ok();
        if let (Some(date), Some(last)) = (date, last) {
            if date < last {
                errors.push(FieldError::new("date", "must not be before the asset's previous move"));
            }
        }
        let document = errors.check(parse_name("document", &request.document, 200));
        if let Some(code) = &request.currency {
            if Currency::parse(code).map(|c| c != asset.currency).unwrap_or(true) {
                errors.push(FieldError::new(
                    "currency",
                    format!("the asset's amounts are in {}", asset.currency),
                ));
            }
        }
        let amount_of = |errors: &mut FieldErrors, field: &str, value: &Option<String>| -> Option<Amount> {
            let text = value.as_deref()?;
            match Amount::parse(text, asset.currency) {
                Ok(amount) if amount < Amount::ZERO => {
                    errors.push(FieldError::new(field, "must not be negative"));
                    None
                }
                Ok(amount) => Some(amount),
                Err(error) => {
                    errors.push(error.at(field));
                    None
                }
            }
        };
        let amount = amount_of(&mut errors, "amount", &request.amount);
        let costs = amount_of(&mut errors, "costs", &request.costs);
        if let Some(to) = to {
            if let Err(error) = from.transition(to) {
                errors.push(error.at("to"));
            }
            let takes_amount = matches!(to, AssetState::SoldEarly | AssetState::Sold)
                || (from == AssetState::Confiscated && to == AssetState::Released);
            if takes_amount && amount.is_none_or(|a| !a.is_positive()) && request.amount.is_none() {
                errors.push(FieldError::new("amount", "is required for this move"));
            }
            if !takes_amount && (request.amount.is_some() || request.costs.is_some()) {
                errors.push(FieldError::new("amount", "this move carries no amount"));
            }
            if from == AssetState::Confiscated && to == AssetState::Released && !kind.is_money() {
                errors.push(FieldError::new("to", "only money is released as such; sell the asset instead"));
            }
        }
        if let (Some(amount), Some(costs)) = (amount, costs) {
            if costs >= amount {
                errors.push(FieldError::new("costs", "must be less than the sale price"));
            }
        }
        errors.into_result()?;
        let (Some(to), Some(date), Some(document)) = (to, date, document) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        Ok(Move { to, date, document, amount, costs })
    }
}
