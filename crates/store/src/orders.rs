//! Judgments, reparation orders, their payments and insolvency findings.

use async_trait::async_trait;
use redress_app::store::{
    InsolvencyFinding, JudgmentRecord, OrderPayment, OrderReads, OrderRecord, OrderWrites, StoreError,
    StoreResult,
};
use redress_domain::orders::{AppealOutcome, PaymentSource};
use redress_domain::{Amount, Currency, Timestamp};
use sqlx::any::AnyRow;

use crate::sql::{classify, get, named, typed, SqlTx};

pub(crate) const ORDER_COLUMNS: &str =
    "o.id, o.judgment_id, o.victim_id, v.code AS victim_code, o.currency, o.payment_deadline, \
     o.created_at, o.created_by";

impl SqlTx {
    async fn ids(&mut self, sql: &str, id: i64) -> StoreResult<Vec<i64>> {
        let rows = sqlx::query(sql).bind(id).fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(|row| get(row, "id")).collect()
    }

    async fn order_from(&mut self, row: &AnyRow) -> StoreResult<OrderRecord> {
        let id: i64 = get(row, "id")?;
        let items = sqlx::query("SELECT head, amount FROM order_items WHERE order_id = $1 ORDER BY head")
            .bind(id)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?
            .iter()
            .map(|r| Ok((get(r, "head")?, Amount::from_minor(get(r, "amount")?))))
            .collect::<StoreResult<Vec<_>>>()?;
        let debtors = self
            .ids("SELECT defendant_id AS id FROM order_debtors WHERE order_id = $1 ORDER BY defendant_id", id)
            .await?;
        order_row(row, items, debtors)
    }
}

/// An order from its row, its items and its debtors.
pub(crate) fn order_row(
    row: &AnyRow,
    items: Vec<(String, Amount)>,
    debtors: Vec<i64>,
) -> StoreResult<OrderRecord> {
    let currency: String = get(row, "currency")?;
    Ok(OrderRecord {
        id: get(row, "id")?,
        judgment_id: get(row, "judgment_id")?,
        victim_id: get(row, "victim_id")?,
        victim_code: get(row, "victim_code")?,
        currency: Currency::parse(&currency)
            .map_err(|_| StoreError::Corrupt(format!("currency {currency}")))?,
        payment_deadline: get(row, "payment_deadline")?,
        items,
        debtors,
        created_at: Timestamp::from_unix_micros(get(row, "created_at")?),
        created_by: get(row, "created_by")?,
    })
}

pub(crate) const JUDGMENT_COLUMNS: &str =
    "id, case_id, judged_on, court, final_on, appeal_filed_on, outcome, outcome_on, outcome_note, created_at, created_by";

impl SqlTx {
    async fn judgment_from(&mut self, row: &sqlx::any::AnyRow) -> StoreResult<JudgmentRecord> {
        let id: i64 = get(row, "id")?;
        let convicted = self
            .ids("SELECT defendant_id AS id FROM judgment_convicted WHERE judgment_id = $1 ORDER BY defendant_id", id)
            .await?;
        judgment_row(row, convicted)
    }
}

/// A judgment from its row and the defendants it convicted.
pub(crate) fn judgment_row(row: &AnyRow, convicted: Vec<i64>) -> StoreResult<JudgmentRecord> {
    let outcome = match get::<Option<String>>(row, "outcome")? {
        None => None,
        Some(text) => Some(
            AppealOutcome::parse("outcome", &text)
                .map_err(|_| redress_app::store::StoreError::Corrupt(format!("judgment outcome {text:?}")))?,
        ),
    };
    Ok(JudgmentRecord {
        id: get(row, "id")?,
        case_id: get(row, "case_id")?,
        judged_on: get(row, "judged_on")?,
        court: get(row, "court")?,
        final_on: get(row, "final_on")?,
        appeal_filed_on: get(row, "appeal_filed_on")?,
        outcome,
        outcome_on: get(row, "outcome_on")?,
        outcome_note: get(row, "outcome_note")?,
        convicted,
        created_at: Timestamp::from_unix_micros(get(row, "created_at")?),
        created_by: get(row, "created_by")?,
    })
}

#[async_trait]
impl OrderReads for SqlTx {
    async fn judgment(&mut self, id: i64) -> StoreResult<Option<JudgmentRecord>> {
        let sql = format!("SELECT {JUDGMENT_COLUMNS} FROM judgments WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *self.tx).await.map_err(classify)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(self.judgment_from(&row).await?))
    }

    async fn judgments_of_case(&mut self, case_id: i64) -> StoreResult<Vec<JudgmentRecord>> {
        let sql = format!("SELECT {JUDGMENT_COLUMNS} FROM judgments WHERE case_id = $1 ORDER BY id");
        let rows = sqlx::query(&sql).bind(case_id).fetch_all(&mut *self.tx).await.map_err(classify)?;
        let mut judgments = Vec::with_capacity(rows.len());
        for row in &rows {
            judgments.push(self.judgment_from(row).await?);
        }
        Ok(judgments)
    }

    async fn orders_of_judgment(&mut self, judgment_id: i64) -> StoreResult<Vec<OrderRecord>> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM reparation_orders o JOIN victims v ON v.id = o.victim_id \
             WHERE o.judgment_id = $1 ORDER BY o.id"
        );
        let rows = sqlx::query(&sql).bind(judgment_id).fetch_all(&mut *self.tx).await.map_err(classify)?;
        let mut orders = Vec::with_capacity(rows.len());
        for row in &rows {
            orders.push(self.order_from(row).await?);
        }
        Ok(orders)
    }

    async fn order(&mut self, id: i64) -> StoreResult<Option<OrderRecord>> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM reparation_orders o JOIN victims v ON v.id = o.victim_id WHERE o.id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *self.tx).await.map_err(classify)?;
        match row {
            Some(row) => Ok(Some(self.order_from(&row).await?)),
            None => Ok(None),
        }
    }

    async fn order_payments(&mut self, order_id: i64) -> StoreResult<Vec<OrderPayment>> {
        let rows = sqlx::query(
            "SELECT source, amount, paid_on, reference, recorded_at, recorded_by FROM order_payments WHERE order_id = $1 ORDER BY id",
        )
        .bind(order_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok(OrderPayment {
                    source: typed(row, "source", named(PaymentSource::ALL, PaymentSource::as_str))?,
                    amount: Amount::from_minor(get(row, "amount")?),
                    paid_on: get(row, "paid_on")?,
                    reference: get(row, "reference")?,
                    recorded_at: Timestamp::from_unix_micros(get(row, "recorded_at")?),
                    recorded_by: get(row, "recorded_by")?,
                })
            })
            .collect()
    }

    async fn insolvency_findings(&mut self, order_id: i64) -> StoreResult<Vec<InsolvencyFinding>> {
        let rows = sqlx::query(
            "SELECT found_on, basis, recorded_at, recorded_by FROM insolvency_findings WHERE order_id = $1 ORDER BY id",
        )
        .bind(order_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok(InsolvencyFinding {
                    found_on: get(row, "found_on")?,
                    basis: get(row, "basis")?,
                    recorded_at: Timestamp::from_unix_micros(get(row, "recorded_at")?),
                    recorded_by: get(row, "recorded_by")?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl OrderWrites for SqlTx {
    async fn insert_judgment(&mut self, j: &JudgmentRecord) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO judgments (case_id, judged_on, court, final_on, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(j.case_id)
        .bind(j.judged_on.clone())
        .bind(j.court.clone())
        .bind(j.final_on.clone())
        .bind(j.created_at.unix_micros())
        .bind(j.created_by.clone())
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        let id: i64 = get(&row, "id")?;
        for defendant in &j.convicted {
            sqlx::query("INSERT INTO judgment_convicted (judgment_id, defendant_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*defendant)
                .execute(&mut *self.tx)
                .await
                .map_err(classify)?;
        }
        self.fill_judgment_scope(id).await?;
        Ok(id)
    }

    async fn set_judgment_appeal(&mut self, j: &JudgmentRecord) -> StoreResult<()> {
        sqlx::query(
            "UPDATE judgments SET appeal_filed_on = $1, outcome = $2, outcome_on = $3, outcome_note = $4 WHERE id = $5",
        )
        .bind(j.appeal_filed_on.clone())
        .bind(j.outcome.map(|o| o.as_str()))
        .bind(j.outcome_on.clone())
        .bind(j.outcome_note.clone())
        .bind(j.id)
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn set_judgment_final(&mut self, id: i64, final_on: &str) -> StoreResult<()> {
        sqlx::query("UPDATE judgments SET final_on = $1 WHERE id = $2")
            .bind(final_on.to_string())
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn insert_order(&mut self, o: &OrderRecord) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO reparation_orders (judgment_id, victim_id, currency, payment_deadline, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(o.judgment_id)
        .bind(o.victim_id)
        .bind(o.currency.code())
        .bind(o.payment_deadline.clone())
        .bind(o.created_at.unix_micros())
        .bind(o.created_by.clone())
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        let id: i64 = get(&row, "id")?;
        for (head, amount) in &o.items {
            sqlx::query("INSERT INTO order_items (order_id, head, amount) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(head.clone())
                .bind(amount.minor_units())
                .execute(&mut *self.tx)
                .await
                .map_err(classify)?;
        }
        for debtor in &o.debtors {
            sqlx::query("INSERT INTO order_debtors (order_id, defendant_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*debtor)
                .execute(&mut *self.tx)
                .await
                .map_err(classify)?;
        }
        self.fill_order_scope(id).await?;
        self.refresh_order_money(id).await?;
        Ok(id)
    }

    async fn insert_order_payment(&mut self, order_id: i64, p: &OrderPayment) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO order_payments (order_id, source, amount, paid_on, reference, recorded_at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(order_id)
        .bind(p.source.as_str())
        .bind(p.amount.minor_units())
        .bind(p.paid_on.clone())
        .bind(p.reference.clone())
        .bind(p.recorded_at.unix_micros())
        .bind(p.recorded_by.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        self.refresh_order_money(order_id).await
    }

    async fn insert_insolvency_finding(&mut self, order_id: i64, f: &InsolvencyFinding) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO insolvency_findings (order_id, found_on, basis, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(order_id)
        .bind(f.found_on.clone())
        .bind(f.basis.clone())
        .bind(f.recorded_at.unix_micros())
        .bind(f.recorded_by.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        self.refresh_order_money(order_id).await
    }
}
