//! Money the convicted pays later on an order the fund paid. The victim is made whole first:
//! that share is recorded as paid by the debtor (the court endorses it to the victim); the rest,
//! up to what the fund paid and has not recovered, is the fund's (subrogation) and enters the
//! ledger as `assets:bank:fund` ← `income:recoveries`, dated the day the money was received.

use redress_domain::cases::parse_past_date;
use redress_domain::ledger::References;
use redress_domain::money::Overflow;
use redress_domain::orders::{split_recovery, PaymentSource};
use redress_domain::policy::rules;
use redress_domain::{Amount, FieldError, FieldErrors};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::accounts::audit_event;
use crate::claims::FUND_CASH;
use crate::ledger::Movement;
use crate::store::OrderPayment;
use crate::{Actor, App, AppError, RequestContext};

/// A recovery from the convicted, as split.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecoveryView {
    pub order_id: i64,
    pub currency: String,
    pub received: String,
    /// Endorsed to the victim first, until the victim is whole.
    pub to_victim: String,
    /// What the fund recovers of what it paid (subrogation), into `income:recoveries`.
    pub to_fund: String,
    pub transfer_id: Option<String>,
}

impl App {
    pub async fn record_recovery(
        &self,
        actor: &Actor,
        context: &RequestContext,
        order_id: i64,
        amount: &str,
        received_on: &str,
        reference: Option<&str>,
    ) -> Result<RecoveryView, AppError> {
        actor.require(rules::DECIDE_CLAIMS)?;
        let mut tx = self.store.write().await?;
        let order = tx
            .order(order_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no order has id {order_id}")))?;
        let view = self.order_view(&mut *tx, order.clone()).await?;
        let c = order.currency;
        let mut errors = FieldErrors::new();
        let amount = errors.check(Amount::parse(amount, c));
        let received_on = errors.check(parse_past_date("received_on", received_on, self.today()));
        let reference = errors.check(crate::claims::one_line("reference", reference, 200)).flatten();
        let split = amount.map(|a| self.recovery_split(&view, a, &mut errors)).transpose()?.flatten();
        errors.into_result()?;
        let (Some(amount), Some(received_on), Some((to_victim, to_fund))) = (amount, received_on, split)
        else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let now = self.clock.now();
        let payment = |source: PaymentSource, amount: Amount, reference: Option<String>| OrderPayment {
            source,
            amount,
            paid_on: received_on.to_string(),
            reference,
            recorded_at: now,
            recorded_by: actor.username.clone(),
        };
        if to_victim.is_positive() {
            let note = format!(
                "recovery, endorsed to the victim{}",
                reference.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
            );
            tx.insert_order_payment(order_id, &payment(PaymentSource::Debtor, to_victim, Some(note))).await?;
        }
        let mut transfer_id = None;
        if to_fund.is_positive() {
            let mut movement = Movement::single(
                FUND_CASH,
                "income:recoveries",
                to_fund,
                c,
                References { order: Some(order_id.to_string()), ..References::default() },
                format!("Recupero (subrogación), orden {order_id}, {received_on}"),
            )?;
            movement.value_date = Some(received_on);
            transfer_id = Some(movement.id.clone());
            self.move_money_in(&mut *tx, &actor.username, vec![movement], now).await?;
            tx.insert_order_payment(order_id, &payment(PaymentSource::Recovery, to_fund, reference.clone()))
                .await?;
        }
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "order.recovery",
            Some(("order", order_id.to_string())),
            json!({"amount": amount.format(c), "to_victim": to_victim.format(c), "to_fund": to_fund.format(c)}),
        ))
        .await?;
        tx.commit().await?;
        Ok(RecoveryView {
            order_id,
            currency: c.code().to_string(),
            received: amount.format(c),
            to_victim: to_victim.format(c),
            to_fund: to_fund.format(c),
            transfer_id,
        })
    }

    /// How a recovery divides: the victim first, up to what is still owed to them, then the
    /// fund, up to what it paid and has not recovered; more than both is noted as an error.
    fn recovery_split(
        &self,
        view: &crate::orders::OrderView,
        amount: Amount,
        errors: &mut FieldErrors,
    ) -> Result<Option<(Amount, Amount)>, Overflow> {
        let c = view.order.currency;
        if !amount.is_positive() {
            errors.push(FieldError::new("amount", "must be greater than zero"));
            return Ok(None);
        }
        let recovered = Amount::checked_sum(
            view.payments.iter().filter(|p| p.source == PaymentSource::Recovery).map(|p| p.amount),
        )?;
        let fund_unrecovered =
            view.figures.paid_by_fund.checked_add(view.figures.advanced_by_fund)?.checked_sub(recovered)?;
        let split = split_recovery(amount, view.owed, fund_unrecovered);
        if split.is_none() {
            errors.push(FieldError::new(
                "amount",
                format!(
                    "exceeds what the convicted still owes: {} to the victim and {} to the fund",
                    self.money(view.owed, c),
                    self.money(fund_unrecovered.max(Amount::ZERO), c)
                ),
            ));
        }
        Ok(split)
    }
}
