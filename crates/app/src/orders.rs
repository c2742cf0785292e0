//! Judgments and reparation orders: recording them, their finality, payments by the convicted,
//! insolvency findings, and each order's figures and fund eligibility.

use std::collections::HashSet;

use redress_domain::cases::{parse_date, parse_past_date};
use redress_domain::orders::{fund_eligibility, Eligibility, HeadOfDamage, OrderFacts, OrderFigures};
use redress_domain::policy::rules;
use redress_domain::user::parse_name;
use redress_domain::victims::VictimCode;
use redress_domain::{Amount, Currency, FieldError, FieldErrors};
use serde_json::json;
use time::Date;

use crate::accounts::audit_event;
use crate::store::{InsolvencyFinding, JudgmentRecord, OrderPayment, OrderRecord, ReadTx};
use crate::{Actor, App, AppError, RequestContext};

/// One reparation order of a judgment, as received.
#[derive(Debug, Clone, Default)]
pub struct OrderRequest {
    /// The victim's code; the victim must be in the case.
    pub victim: String,
    /// Default: the fund's currency.
    pub currency: Option<String>,
    pub payment_deadline: Option<String>,
    /// (head of damage, amount as a decimal string).
    pub items: Vec<(String, String)>,
    /// Defendant ids, jointly and severally liable; all must be convicted by the judgment.
    pub debtors: Vec<i64>,
}

/// A judgment as received.
#[derive(Debug, Clone, Default)]
pub struct RecordJudgment {
    pub case_id: i64,
    pub judged_on: String,
    pub court: String,
    /// Defendant ids of the case convicted by the judgment.
    pub convicted: Vec<i64>,
    /// When the judgment became final (firme), if it already is.
    pub final_on: Option<String>,
    pub orders: Vec<OrderRequest>,
}

/// An order with everything known about it.
#[derive(Debug, Clone)]
pub struct OrderView {
    pub order: OrderRecord,
    pub final_on: Option<String>,
    pub figures: OrderFigures,
    pub owed: Amount,
    pub eligibility: Eligibility,
    pub payments: Vec<OrderPayment>,
    pub insolvency: Vec<InsolvencyFinding>,
}

#[derive(Debug, Clone)]
pub struct JudgmentView {
    pub judgment: JudgmentRecord,
    pub orders: Vec<OrderView>,
}

impl App {
    pub(crate) fn today(&self) -> Date {
        self.clock.now().to_datetime().date()
    }

    pub(crate) async fn order_view(
        &self,
        tx: &mut dyn ReadTx,
        order: OrderRecord,
    ) -> Result<OrderView, AppError> {
        let judgment = tx
            .judgment(order.judgment_id)
            .await?
            .ok_or_else(|| AppError::Internal("an order without its judgment".into()))?;
        let payments = tx.order_payments(order.id).await?;
        let insolvency = tx.insolvency_findings(order.id).await?;
        let sum = |source: &str| -> Result<Amount, AppError> {
            payments.iter().filter(|p| p.source == source).try_fold(Amount::ZERO, |total, p| {
                total.checked_add(p.amount).map_err(|_| AppError::Internal("payment total overflow".into()))
            })
        };
        let ordered = order.items.iter().try_fold(Amount::ZERO, |total, (_, amount)| {
            total.checked_add(*amount).map_err(|_| AppError::Internal("order total overflow".into()))
        })?;
        let figures = OrderFigures {
            ordered,
            paid_by_debtors: sum("debtor")?,
            paid_by_fund: sum("fund")?,
            advanced_by_fund: sum("advance")?,
        };
        let owed = figures.owed().map_err(|_| AppError::Internal("order total overflow".into()))?;
        let facts = OrderFacts {
            figures,
            final_on: judgment.final_on.as_deref().and_then(|d| parse_date("final_on", d).ok()),
            payment_deadline: order
                .payment_deadline
                .as_deref()
                .and_then(|d| parse_date("payment_deadline", d).ok()),
            insolvency_found: !insolvency.is_empty(),
        };
        let eligibility = fund_eligibility(&facts, self.today(), self.settings.fund.eligibility_grace_days);
        Ok(OrderView { order, final_on: judgment.final_on, figures, owed, eligibility, payments, insolvency })
    }

    async fn judgment_view(&self, tx: &mut dyn ReadTx, id: i64) -> Result<JudgmentView, AppError> {
        let judgment =
            tx.judgment(id).await?.ok_or_else(|| AppError::NotFound(format!("no judgment has id {id}")))?;
        let mut orders = Vec::new();
        for order in tx.orders_of_judgment(id).await? {
            orders.push(self.order_view(tx, order).await?);
        }
        Ok(JudgmentView { judgment, orders })
    }

    /// Records a judgment with its convicted defendants and a reparation order per victim.
    /// Everything is checked against the case first: a case without defendants, a victim not
    /// in the case, a debtor not convicted, an over-precise amount, a future date are refused
    /// with the field named, and nothing is written.
    pub async fn record_judgment(
        &self,
        actor: &Actor,
        context: &RequestContext,
        request: RecordJudgment,
    ) -> Result<JudgmentView, AppError> {
        actor.require(rules::RECORD_JUDGMENTS)?;
        let today = self.today();
        let mut errors = FieldErrors::new();
        let judged_on = errors.check(parse_past_date("judged_on", &request.judged_on, today));
        let court = errors.check(parse_name("court", &request.court, 200));
        let final_on = match &request.final_on {
            Some(text) => errors.check(parse_past_date("final_on", text, today)),
            None => None,
        };
        if let (Some(judged), Some(final_on)) = (judged_on, final_on) {
            if final_on < judged {
                errors.push(FieldError::new("final_on", "must not be before the judgment"));
            }
        }
        let mut tx = self.store.write().await?;
        let case = tx.case(request.case_id).await?;
        let defendants: HashSet<i64> = match &case {
            Some(_) => tx.case_defendants(request.case_id).await?.into_iter().map(|d| d.id).collect(),
            None => {
                errors.push(FieldError::new("case_id", "no case has this id"));
                HashSet::new()
            }
        };
        let case_victims: Vec<String> =
            if case.is_some() { tx.case_victim_codes(request.case_id).await? } else { Vec::new() };
        if case.is_some() && defendants.is_empty() {
            errors.push(FieldError::new(
                "convicted",
                "the case has no defendants: add them before recording a judgment",
            ));
        } else if request.convicted.is_empty() {
            errors.push(FieldError::new("convicted", "at least one defendant must be convicted"));
        }
        for (index, id) in request.convicted.iter().enumerate() {
            if case.is_some() && !defendants.is_empty() && !defendants.contains(id) {
                errors
                    .push(FieldError::new(format!("convicted[{index}]"), "is not a defendant of this case"));
            }
        }
        if request.orders.is_empty() {
            errors.push(FieldError::new("orders", "a judgment records at least one reparation order"));
        }
        let mut orders = Vec::new();
        let mut seen_victims = HashSet::new();
        for (i, order) in request.orders.iter().enumerate() {
            let field = |name: &str| format!("orders[{i}].{name}");
            let code = errors.check(VictimCode::parse(&order.victim).map_err(|e| e.at(field("victim"))));
            let victim = match &code {
                Some(code) if case.is_some() && !case_victims.contains(&code.as_str().to_string()) => {
                    errors.push(FieldError::new(field("victim"), "is not a victim of this case"));
                    None
                }
                Some(code) if !seen_victims.insert(code.as_str().to_string()) => {
                    errors.push(FieldError::new(field("victim"), "has two orders in this judgment"));
                    None
                }
                Some(code) => tx.victim(code.as_str()).await?,
                None => None,
            };
            let currency = match &order.currency {
                Some(code) => errors.check(Currency::parse(code).map_err(|e| e.at(field("currency")))),
                None => Some(self.settings.fund_currency()),
            };
            let deadline = match &order.payment_deadline {
                Some(text) => {
                    let deadline = errors.check(parse_date(&field("payment_deadline"), text));
                    if let (Some(deadline), Some(judged)) = (deadline, judged_on) {
                        if deadline < judged {
                            errors.push(FieldError::new(
                                field("payment_deadline"),
                                "must not be before the judgment",
                            ));
                        }
                    }
                    deadline
                }
                None => None,
            };
            if order.items.is_empty() {
                errors.push(FieldError::new(field("items"), "at least one head of damage is required"));
            }
            let mut items = Vec::new();
            for (j, (head, amount)) in order.items.iter().enumerate() {
                let head = errors.check(HeadOfDamage::parse(&field(&format!("items[{j}].head")), head));
                if let Some(head) = head {
                    if items.iter().any(|(h, _): &(String, Amount)| h == head.as_str()) {
                        errors.push(FieldError::new(field(&format!("items[{j}].head")), "appears twice"));
                    }
                }
                let amount_field = field(&format!("items[{j}].amount"));
                let amount = currency
                    .and_then(|c| errors.check(Amount::parse(amount, c).map_err(|e| e.at(&amount_field))));
                if amount.is_some_and(|a| !a.is_positive()) {
                    errors.push(FieldError::new(amount_field, "must be greater than zero"));
                }
                if let (Some(head), Some(amount)) = (head, amount) {
                    items.push((head.as_str().to_string(), amount));
                }
            }
            if order.debtors.is_empty() {
                errors.push(FieldError::new(field("debtors"), "at least one debtor is required"));
            }
            for (k, debtor) in order.debtors.iter().enumerate() {
                if !request.convicted.contains(debtor) {
                    errors.push(FieldError::new(
                        field(&format!("debtors[{k}]")),
                        "is not convicted by this judgment",
                    ));
                }
            }
            if let (Some(victim), Some(currency)) = (victim, currency) {
                orders.push(OrderRecord {
                    id: 0,
                    judgment_id: 0,
                    victim_id: victim.id,
                    victim_code: victim.code,
                    currency,
                    payment_deadline: deadline.map(|d| d.to_string()),
                    items,
                    debtors: order.debtors.clone(),
                    created_at: self.clock.now(),
                    created_by: actor.username.clone(),
                });
            }
        }
        errors.into_result()?;
        let (Some(judged_on), Some(court)) = (judged_on, court) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let now = self.clock.now();
        let id = tx
            .insert_judgment(&JudgmentRecord {
                id: 0,
                case_id: request.case_id,
                judged_on: judged_on.to_string(),
                court,
                final_on: final_on.map(|d| d.to_string()),
                convicted: request.convicted.clone(),
                created_at: now,
                created_by: actor.username.clone(),
            })
            .await?;
        for order in &orders {
            tx.insert_order(&OrderRecord { judgment_id: id, ..order.clone() }).await?;
        }
        // The court whose clerk records the judgment handles the case, if none was named.
        if let (Some(case), Some(institution)) = (&case, actor.institution_id) {
            if case.court_id.is_none() {
                tx.set_case_court(case.id, institution).await?;
            }
        }
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "judgment.record",
            Some(("judgment", id.to_string())),
            json!({"case_id": request.case_id, "orders": orders.len(), "convicted": request.convicted.len()}),
        ))
        .await?;
        let view = self.judgment_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn judgment(&self, actor: &Actor, id: i64) -> Result<JudgmentView, AppError> {
        actor.require(rules::READ_ORDERS)?;
        let mut tx = self.store.read().await?;
        self.judgment_view(&mut *tx, id).await
    }

    /// Records that a judgment (and its orders) became final on a date.
    pub async fn set_judgment_final(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        final_on: &str,
    ) -> Result<JudgmentView, AppError> {
        actor.require(rules::RECORD_JUDGMENTS)?;
        let final_on = parse_past_date("final_on", final_on, self.today())?;
        let mut tx = self.store.write().await?;
        let judgment =
            tx.judgment(id).await?.ok_or_else(|| AppError::NotFound(format!("no judgment has id {id}")))?;
        if judgment.final_on.is_some() {
            return Err(AppError::Conflict(FieldError::new("final_on", "the judgment is already final")));
        }
        if parse_date("judged_on", &judgment.judged_on).is_ok_and(|judged| final_on < judged) {
            return Err(FieldError::new("final_on", "must not be before the judgment").into());
        }
        tx.set_judgment_final(id, &final_on.to_string()).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            self.clock.now(),
            "judgment.final",
            Some(("judgment", id.to_string())),
            json!({"final_on": final_on.to_string()}),
        ))
        .await?;
        let view = self.judgment_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn order(&self, actor: &Actor, id: i64) -> Result<OrderView, AppError> {
        actor.require(rules::READ_ORDERS)?;
        let mut tx = self.store.read().await?;
        let order = tx.order(id).await?.ok_or_else(|| AppError::NotFound(format!("no order has id {id}")))?;
        self.order_view(&mut *tx, order).await
    }

    /// Records a payment the convicted made to the victim; it reduces what is owed.
    pub async fn record_debtor_payment(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        amount: &str,
        paid_on: &str,
        reference: Option<&str>,
    ) -> Result<OrderView, AppError> {
        actor.require(rules::RECORD_JUDGMENTS)?;
        let today = self.today();
        let mut tx = self.store.write().await?;
        let order = tx.order(id).await?.ok_or_else(|| AppError::NotFound(format!("no order has id {id}")))?;
        let current = self.order_view(&mut *tx, order.clone()).await?;
        let mut errors = FieldErrors::new();
        let amount = errors.check(Amount::parse(amount, order.currency));
        if let Some(amount) = amount {
            if !amount.is_positive() {
                errors.push(FieldError::new("amount", "must be greater than zero"));
            } else if amount > current.owed {
                errors.push(FieldError::new(
                    "amount",
                    format!(
                        "exceeds what is still owed ({} {})",
                        order.currency,
                        current.owed.format(order.currency)
                    ),
                ));
            }
        }
        let paid_on = errors.check(parse_past_date("paid_on", paid_on, today));
        let reference = reference.map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
        if reference.as_ref().is_some_and(|r| r.chars().count() > 200) {
            errors.push(FieldError::new("reference", "must be at most 200 characters long"));
        }
        errors.into_result()?;
        let (Some(amount), Some(paid_on)) = (amount, paid_on) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let now = self.clock.now();
        tx.insert_order_payment(
            id,
            &OrderPayment {
                source: "debtor".into(),
                amount,
                paid_on: paid_on.to_string(),
                reference,
                recorded_at: now,
                recorded_by: actor.username.clone(),
            },
        )
        .await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "order.debtor_payment",
            Some(("order", id.to_string())),
            json!({"amount": amount.format(order.currency), "currency": order.currency.code()}),
        ))
        .await?;
        let view = self.order_view(&mut *tx, order).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Records a finding that the debtors cannot pay.
    pub async fn record_insolvency(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        found_on: &str,
        basis: &str,
    ) -> Result<OrderView, AppError> {
        actor.require(rules::RECORD_JUDGMENTS)?;
        let mut errors = FieldErrors::new();
        let found_on = errors.check(parse_past_date("found_on", found_on, self.today()));
        let basis = errors.check(parse_name("basis", basis, 500));
        errors.into_result()?;
        let (Some(found_on), Some(basis)) = (found_on, basis) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let mut tx = self.store.write().await?;
        let order = tx.order(id).await?.ok_or_else(|| AppError::NotFound(format!("no order has id {id}")))?;
        let now = self.clock.now();
        tx.insert_insolvency_finding(
            id,
            &InsolvencyFinding {
                found_on: found_on.to_string(),
                basis,
                recorded_at: now,
                recorded_by: actor.username.clone(),
            },
        )
        .await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "order.insolvency",
            Some(("order", id.to_string())),
            json!({"found_on": found_on.to_string()}),
        ))
        .await?;
        let view = self.order_view(&mut *tx, order).await?;
        tx.commit().await?;
        Ok(view)
    }
}
