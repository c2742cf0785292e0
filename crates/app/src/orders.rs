//! Judgments and reparation orders: recording them, their finality, payments by the convicted,
//! insolvency findings, and each order's figures and fund eligibility.

use std::collections::HashSet;

use redress_domain::cases::{parse_date, parse_past_date, Stage};
use redress_domain::orders::{
    fund_eligibility, Eligibility, HeadOfDamage, JudgmentStanding, OrderFacts, OrderFigures, PaymentSource,
};
use redress_domain::policy::rules;
use redress_domain::user::parse_name;
use redress_domain::victims::VictimCode;
use redress_domain::{Amount, Currency, FieldError, FieldErrors};
use serde_json::json;
use time::Date;

use crate::accounts::audit_event;
use crate::store::{
    CaseRecord, InsolvencyFinding, JudgmentRecord, OrderPayment, OrderRecord, ReadTx, StageChange, WriteTx,
};
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
    /// Record it even though a judgment of the same court on the same day exists.
    pub confirm_duplicate: bool,
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
        self.order_view_given(order, &judgment, payments, insolvency)
    }

    /// An order's view from its rows already read (a list reads them for all its orders at once).
    pub(crate) fn order_view_given(
        &self,
        order: OrderRecord,
        judgment: &JudgmentRecord,
        payments: Vec<OrderPayment>,
        insolvency: Vec<InsolvencyFinding>,
    ) -> Result<OrderView, AppError> {
        let sum = |source: PaymentSource| -> Result<Amount, AppError> {
            payments.iter().filter(|p| p.source == source).try_fold(Amount::ZERO, |total, p| {
                total.checked_add(p.amount).map_err(|_| AppError::Internal("payment total overflow".into()))
            })
        };
        let ordered = order.items.iter().try_fold(Amount::ZERO, |total, (_, amount)| {
            total.checked_add(*amount).map_err(|_| AppError::Internal("order total overflow".into()))
        })?;
        let figures = OrderFigures {
            ordered,
            paid_by_debtors: sum(PaymentSource::Debtor)?,
            paid_by_fund: sum(PaymentSource::Fund)?,
            advanced_by_fund: sum(PaymentSource::Advance)?,
        };
        let owed = figures.owed().map_err(|_| AppError::Internal("order total overflow".into()))?;
        let standing =
            match (judgment.outcome, judgment.outcome_on.as_deref(), judgment.appeal_filed_on.as_deref()) {
                (Some(outcome), Some(on), _) if outcome.sets_aside() => JudgmentStanding::SetAside {
                    outcome,
                    on: parse_date("outcome_on", on)
                        .map_err(|_| AppError::Internal("a stored date is malformed".into()))?,
                },
                (None, _, Some(since)) => JudgmentStanding::UnderAppeal {
                    since: parse_date("appeal_filed_on", since)
                        .map_err(|_| AppError::Internal("a stored date is malformed".into()))?,
                },
                _ => JudgmentStanding::InForce,
            };
        let facts = OrderFacts {
            currency: order.currency,
            standing,
            figures,
            final_on: judgment.final_on.as_deref().and_then(|d| parse_date("final_on", d).ok()),
            payment_deadline: order
                .payment_deadline
                .as_deref()
                .and_then(|d| parse_date("payment_deadline", d).ok()),
            insolvency_found: !insolvency.is_empty(),
        };
        let eligibility = fund_eligibility(&facts, self.today(), self.settings.fund.eligibility_grace_days);
        Ok(OrderView {
            order,
            final_on: judgment.final_on.clone(),
            figures,
            owed,
            eligibility,
            payments,
            insolvency,
        })
    }

    pub(crate) async fn judgment_view(&self, tx: &mut dyn ReadTx, id: i64) -> Result<JudgmentView, AppError> {
        let judgment =
            tx.judgment(id).await?.ok_or_else(|| AppError::NotFound(format!("no judgment has id {id}")))?;
        let mut orders = Vec::new();
        for order in tx.orders_of_judgment(id).await? {
            orders.push(self.order_view(tx, order).await?);
        }
        Ok(JudgmentView { judgment, orders })
    }

    /// Checks one order of a judgment against the case; the errors name `orders[i].…`.
    #[allow(clippy::too_many_arguments)]
    async fn parse_order(
        &self,
        tx: &mut dyn ReadTx,
        errors: &mut FieldErrors,
        (i, order): (usize, &OrderRequest),
        case_victims: &[String],
        seen_victims: &mut HashSet<String>,
        convicted: &[i64],
        judged_on: Option<Date>,
        by: &str,
    ) -> Result<Option<OrderRecord>, AppError> {
        let field = |name: &str| format!("orders[{i}].{name}");
        let code = errors.check(VictimCode::parse(&order.victim).map_err(|e| e.at(field("victim"))));
        let victim = match &code {
            Some(code) if !case_victims.contains(&code.as_str().to_string()) => {
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
                if deadline.zip(judged_on).is_some_and(|(deadline, judged)| deadline < judged) {
                    errors
                        .push(FieldError::new(field("payment_deadline"), "must not be before the judgment"));
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
            if head.is_some_and(|head| items.iter().any(|(h, _): &(String, Amount)| h == head.as_str())) {
                errors.push(FieldError::new(field(&format!("items[{j}].head")), "appears twice"));
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
            if !convicted.contains(debtor) {
                errors.push(FieldError::new(
                    field(&format!("debtors[{k}]")),
                    "is not convicted by this judgment",
                ));
            }
        }
        Ok(victim.zip(currency).map(|(victim, currency)| OrderRecord {
            id: 0,
            judgment_id: 0,
            victim_id: victim.id,
            victim_code: victim.code,
            currency,
            payment_deadline: deadline.map(|d| d.to_string()),
            items,
            debtors: order.debtors.clone(),
            created_at: self.clock.now(),
            created_by: by.to_string(),
        }))
    }

    /// Moves the case to the stage its judgments put it in (judgment, or final), recording the
    /// change: the case stage follows the court, it is not typed in.
    pub(crate) async fn follow_judgment(
        &self,
        tx: &mut dyn WriteTx,
        case: &CaseRecord,
        to: Stage,
        on: Date,
        by: &str,
    ) -> Result<(), AppError> {
        let from = case.stage;
        if from == to {
            return Ok(());
        }
        let last = parse_date("date", &case.stage_changed_on).unwrap_or(on);
        let on = on.max(last);
        tx.set_case_stage(case.id, to, &on.to_string()).await?;
        let change = StageChange {
            from_stage: Some(from),
            to_stage: to,
            on_date: on.to_string(),
            recorded_at: self.clock.now(),
            recorded_by: by.to_string(),
        };
        tx.insert_stage_change(case.id, &change).await?;
        Ok(())
    }

    /// Records a judgment with its convicted defendants and a reparation order per victim, all
    /// of its orders or none. Everything is checked against the case first: a closed case, a
    /// case without defendants, a victim not in the case, a debtor not convicted, an
    /// over-precise amount, a future date are refused with the field named, and nothing is
    /// written. A second judgment of the same court on the same day is refused unless
    /// `confirm_duplicate` says it is meant. The case moves to `judgment` (or `final`).
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
        if judged_on.zip(final_on).is_some_and(|(judged, final_on)| final_on < judged) {
            errors.push(FieldError::new("final_on", "must not be before the judgment"));
        }
        let mut tx = self.store.write().await?;
        let case = tx
            .case(request.case_id)
            .await?
            .ok_or_else(|| AppError::Invalid(FieldError::new("case_id", "no case has this id").into()))?;
        self.may_write_case_as_court(&mut *tx, actor, &case).await?;
        let stage = case.stage;
        let next_stage = errors.check(stage.after_judgment(final_on.is_some()).map_err(|e| e.at("case_id")));
        check_convicted(&mut *tx, case.id, &request.convicted, &mut errors).await?;
        let case_victims = tx.case_victim_codes(case.id).await?;
        if request.orders.is_empty() {
            errors.push(FieldError::new("orders", "a judgment records at least one reparation order"));
        }
        let mut orders = Vec::new();
        let mut seen = HashSet::new();
        for (i, order) in request.orders.iter().enumerate() {
            let convicted = &request.convicted;
            let parsed = self
                .parse_order(
                    &mut *tx,
                    &mut errors,
                    (i, order),
                    &case_victims,
                    &mut seen,
                    convicted,
                    judged_on,
                    &actor.username,
                )
                .await?;
            orders.extend(parsed);
        }
        errors.into_result()?;
        let (Some(judged_on), Some(court), Some(next_stage)) = (judged_on, court, next_stage) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        if !request.confirm_duplicate {
            no_same_judgment(&mut *tx, case.id, &judged_on.to_string(), &court).await?;
        }
        let now = self.clock.now();
        let judgment = JudgmentRecord {
            id: 0,
            case_id: case.id,
            judged_on: judged_on.to_string(),
            court,
            final_on: final_on.map(|d| d.to_string()),
            appeal_filed_on: None,
            outcome: None,
            outcome_on: None,
            outcome_note: None,
            convicted: request.convicted.clone(),
            created_at: now,
            created_by: actor.username.clone(),
        };
        let id = tx.insert_judgment(&judgment).await?;
        for order in &orders {
            tx.insert_order(&OrderRecord { judgment_id: id, ..order.clone() }).await?;
        }
        self.follow_judgment(&mut *tx, &case, next_stage, final_on.unwrap_or(judged_on), &actor.username)
            .await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "judgment.record",
            Some(("judgment", id.to_string())),
            json!({"case_id": case.id, "orders": orders.len(), "convicted": request.convicted.len()}),
        ))
        .await?;
        let view = self.judgment_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn judgment(&self, actor: &Actor, id: i64) -> Result<JudgmentView, AppError> {
        actor.require(rules::READ_ORDERS)?;
        let mut tx = self.store.read().await?;
        let view = self.judgment_view(&mut *tx, id).await?;
        self.may_read_case(&mut *tx, actor, view.judgment.case_id).await?;
        Ok(view)
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
        let case = tx
            .case(judgment.case_id)
            .await?
            .ok_or_else(|| AppError::Internal("a judgment without its case".into()))?;
        self.may_write_case_as_court(&mut *tx, actor, &case).await?;
        if judgment.final_on.is_some() {
            return Err(AppError::Conflict(FieldError::new("final_on", "the judgment is already final")));
        }
        if judgment.appeal_filed_on.is_some() || judgment.outcome.is_some() {
            return Err(AppError::Conflict(FieldError::new(
                "final_on",
                "the judgment was appealed: record the appeal's outcome instead",
            )));
        }
        if parse_date("judged_on", &judgment.judged_on).is_ok_and(|judged| final_on < judged) {
            return Err(FieldError::new("final_on", "must not be before the judgment").into());
        }
        tx.set_judgment_final(id, &final_on.to_string()).await?;
        self.follow_judgment(&mut *tx, &case, Stage::Final, final_on, &actor.username).await?;
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
        let judgment = tx
            .judgment(order.judgment_id)
            .await?
            .ok_or_else(|| AppError::Internal("an order without its judgment".into()))?;
        self.may_read_case(&mut *tx, actor, judgment.case_id).await?;
        self.order_view(&mut *tx, order).await
    }

    /// The case of an order, for the court's write checks.
    async fn case_of_order(&self, tx: &mut dyn ReadTx, order: &OrderRecord) -> Result<CaseRecord, AppError> {
        let judgment = tx
            .judgment(order.judgment_id)
            .await?
            .ok_or_else(|| AppError::Internal("an order without its judgment".into()))?;
        tx.case(judgment.case_id)
            .await?
            .ok_or_else(|| AppError::Internal("a judgment without its case".into()))
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
        let case = self.case_of_order(&mut *tx, &order).await?;
        self.may_write_case_as_court(&mut *tx, actor, &case).await?;
        let current = self.order_view(&mut *tx, order.clone()).await?;
        let mut errors = FieldErrors::new();
        let amount = errors.check(Amount::parse(amount, order.currency));
        if let Some(amount) = amount {
            if !amount.is_positive() {
                errors.push(FieldError::new("amount", "must be greater than zero"));
            } else if amount > current.owed {
                errors.push(FieldError::new(
                    "amount",
                    format!("exceeds what is still owed ({})", current.owed.display(order.currency)),
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
                source: PaymentSource::Debtor,
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
        let case = self.case_of_order(&mut *tx, &order).await?;
        self.may_write_case_as_court(&mut *tx, actor, &case).await?;
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

/// Notes a judgment that convicts nobody, or someone who is not a defendant of the case.
async fn check_convicted(
    tx: &mut dyn WriteTx,
    case_id: i64,
    convicted: &[i64],
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    let defendants: HashSet<i64> = tx.case_defendants(case_id).await?.into_iter().map(|d| d.id).collect();
    if defendants.is_empty() {
        errors.push(FieldError::new(
            "convicted",
            "the case has no defendants: add them before recording a judgment",
        ));
        return Ok(());
    }
    if convicted.is_empty() {
        errors.push(FieldError::new("convicted", "at least one defendant must be convicted"));
    }
    for (index, id) in convicted.iter().enumerate() {
        if !defendants.contains(id) {
            errors.push(FieldError::new(format!("convicted[{index}]"), "is not a defendant of this case"));
        }
    }
    Ok(())
}

/// A second judgment of the same court on the same day is probably the same one typed twice:
/// refused unless confirmed.
async fn no_same_judgment(
    tx: &mut dyn WriteTx,
    case_id: i64,
    judged_on: &str,
    court: &str,
) -> Result<(), AppError> {
    let same = tx
        .judgments_of_case(case_id)
        .await?
        .into_iter()
        .find(|j| j.judged_on == judged_on && j.court.to_lowercase() == court.to_lowercase());
    match same {
        Some(same) => Err(AppError::Conflict(FieldError::new(
            "confirm_duplicate",
            format!(
                "judgment {} of this court on this day is already recorded: confirm to record another",
                same.id
            ),
        ))),
        None => Ok(()),
    }
}
