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
use redress_domain::cases::parse_date;
use redress_domain::ledger::{AccountFlags, AccountName, References};
use redress_domain::policy::rules;
use redress_domain::user::parse_name;
use redress_domain::{Amount, Currency, FieldError, FieldErrors};
use serde_json::json;

use crate::accounts::audit_event;
use crate::ledger::{TransferOutcome, TransferRequest};
use crate::store::{AssetMove, AssetRecord, NewLedgerAccount, ReadTx};
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
}

fn escrow_account(id: i64) -> String {
    format!("liabilities:escrow:asset/{id}")
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
            Some(account) => Amount(account.totals.posted_balance(account.kind())),
            None => Amount::ZERO,
        };
        Ok(AssetView { asset, moves, money, escrow })
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
        let today = self.clock.now().to_datetime().date();
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
                Ok(amount) if amount.0 >= 0 => Some(amount),
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
        let seized_on = errors.check(parse_date("seized_on", &request.seized_on));
        if seized_on.is_some_and(|d| d > today) {
            errors.push(FieldError::new("seized_on", "must not be in the future"));
        }
        let document = errors.check(parse_name("document", &request.document, 200));
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
                kind: kind.as_str().to_string(),
                description,
                identifiers,
                location,
                region,
                custodian,
                case_id: request.case_id,
                agency_reference,
                currency,
                estimated_value,
                state: AssetState::Seized.as_str().to_string(),
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
                to_state: AssetState::Seized.as_str().to_string(),
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
        let today = self.clock.now().to_datetime().date();
        let mut tx = self.store.write().await?;
        let asset = tx.asset(id).await?.ok_or_else(|| AppError::NotFound(format!("no asset has id {id}")))?;
        let from = AssetState::parse(&asset.state)
            .map_err(|_| AppError::Internal("a stored asset state is unknown".into()))?;
        let kind = AssetKind::parse(&asset.kind)
            .map_err(|_| AppError::Internal("a stored asset kind is unknown".into()))?;

        let mut errors = FieldErrors::new();
        let to = errors.check(AssetState::parse(&request.to).map_err(|e| e.at("to")));
        let date = errors.check(parse_date("date", &request.date));
        if date.is_some_and(|d| d > today) {
            errors.push(FieldError::new("date", "must not be in the future"));
        }
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
                Ok(amount) if amount.0 < 0 => {
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
        let net = match amount {
            Some(amount) => amount
                .checked_sub(costs.unwrap_or(Amount::ZERO))
                .map_err(|_| AppError::Internal("amount overflow".into()))?,
            None => Amount::ZERO,
        };

        // The money this move carries.
        let escrow_name = escrow_account(id);
        let escrow_balance = match tx.ledger_account(&escrow_name, asset.currency).await? {
            Some(account) => Amount(account.totals.posted_balance(account.kind())),
            None => Amount::ZERO,
        };
        let references = References {
            asset: Some(id.to_string()),
            case: asset.case_id.map(|c| c.to_string()),
            ..References::default()
        };
        let leg = |debit: &str, credit: &str, amount: Amount, linked: bool, memo: &str| TransferRequest {
            id: uuid::Uuid::new_v4().to_string(),
            debit_account: Some(debit.to_string()),
            credit_account: Some(credit.to_string()),
            amount: amount.format(asset.currency),
            currency: asset.currency.code().to_string(),
            linked,
            references: references.clone(),
            memo: Some(format!("{memo} — {document}")),
            ..TransferRequest::default()
        };
        let transfers = match (from, to) {
            (_, AssetState::SoldEarly) => {
                if tx.ledger_account(&escrow_name, asset.currency).await?.is_none() {
                    tx.insert_ledger_account(&NewLedgerAccount {
                        name: AccountName::parse(&escrow_name)?,
                        currency: asset.currency,
                        flags: AccountFlags {
                            debits_must_not_exceed_credits: true,
                            ..AccountFlags::default()
                        },
                        created_at: self.clock.now(),
                    })
                    .await?;
                }
                vec![leg(
                    "assets:bank:escrow",
                    &escrow_name,
                    net,
                    false,
                    "Venta anticipada: producto en custodia",
                )]
            }
            (AssetState::SoldEarly, AssetState::Released) => vec![
                leg(
                    &escrow_name,
                    "income:confiscations",
                    escrow_balance,
                    true,
                    "Decomiso: custodia reconocida como ingreso",
                ),
                leg(
                    "assets:bank:fund",
                    "assets:bank:escrow",
                    escrow_balance,
                    false,
                    "Decomiso: fondos liberados al Fondo",
                ),
            ],
            (AssetState::SoldEarly, AssetState::Returned) => {
                vec![leg(
                    &escrow_name,
                    "assets:bank:escrow",
                    escrow_balance,
                    false,
                    "Devolución al propietario",
                )]
            }
            (AssetState::Confiscated, AssetState::Sold) => {
                vec![leg("assets:bank:fund", "income:confiscations", net, false, "Venta de bien decomisado")]
            }
            (AssetState::Confiscated, AssetState::Released) => {
                vec![leg(
                    "assets:bank:fund",
                    "income:confiscations",
                    net,
                    false,
                    "Dinero decomisado ingresado al Fondo",
                )]
            }
            _ => Vec::new(),
        };
        let transfers: Vec<TransferRequest> =
            transfers.into_iter().filter(|t| t.amount != Amount::ZERO.format(asset.currency)).collect();
        let now = self.clock.now();
        if !transfers.is_empty() {
            let (outcomes, _) = self.apply_transfers_in(&mut *tx, &actor.username, &transfers, now).await?;
            if let Some(TransferOutcome::Failed { errors, .. }) = outcomes.iter().find(
                |o| matches!(o, TransferOutcome::Failed { code, .. } if code != "linked_transfer_failed"),
            ) {
                return Err(AppError::Invalid(errors.clone()));
            }
        }
        tx.set_asset_state(id, to.as_str(), &date.to_string()).await?;
        tx.insert_asset_move(
            id,
            &AssetMove {
                from_state: Some(from.as_str().to_string()),
                to_state: to.as_str().to_string(),
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
            json!({"from": from.as_str(), "to": to.as_str(), "transfers": transfers.len()}),
        ))
        .await?;
        let view = self.asset_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }
}
