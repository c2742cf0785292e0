//! Rows of many parents at once, for a page of claim views (`WHERE … IN (…)`, one statement
//! per kind of row).

use std::collections::HashMap;

use async_trait::async_trait;
use redress_app::claims::PageReads;
use redress_app::store::{
    ClaimEvent, ClaimRecord, InsolvencyFinding, JudgmentRecord, OrderPayment, OrderRecord, StoreResult,
};
use redress_domain::cases::Stage;
use redress_domain::claims::ClaimKind;
use redress_domain::orders::PaymentSource;
use redress_domain::{Amount, Timestamp};
use sqlx::any::AnyRow;

use crate::claims::{claim_from, CLAIM_COLUMNS};
use crate::orders::{judgment_row, order_row, JUDGMENT_COLUMNS, ORDER_COLUMNS};
use crate::sql::{classify, get, named, typed, SqlTx};

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

impl SqlTx {
    /// The rows of `sql`, whose only parameters are `ids` (`{ids}` stands for their list).
    async fn rows_in(&mut self, sql: &str, ids: &[i64]) -> StoreResult<Vec<AnyRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = sql.replace("{ids}", &placeholders(1, ids.len()));
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        query.fetch_all(&mut *self.tx).await.map_err(classify)
    }

    /// (parent id, child id) pairs of a link table, grouped by parent in the child's order.
    async fn links_in(&mut self, sql: &str, ids: &[i64]) -> StoreResult<HashMap<i64, Vec<i64>>> {
        let mut links: HashMap<i64, Vec<i64>> = HashMap::new();
        for row in self.rows_in(sql, ids).await? {
            links.entry(get(&row, "parent")?).or_default().push(get(&row, "child")?);
        }
        Ok(links)
    }
}

#[async_trait]
impl PageReads for SqlTx {
    async fn orders_in(&mut self, ids: &[i64]) -> StoreResult<Vec<OrderRecord>> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM reparation_orders o JOIN victims v ON v.id = o.victim_id \
             WHERE o.id IN ({{ids}}) ORDER BY o.id"
        );
        let rows = self.rows_in(&sql, ids).await?;
        let mut items: HashMap<i64, Vec<(String, Amount)>> = HashMap::new();
        let item_rows = self
            .rows_in("SELECT order_id, head, amount FROM order_items WHERE order_id IN ({ids}) ORDER BY order_id, head", ids)
            .await?;
        for row in &item_rows {
            items
                .entry(get(row, "order_id")?)
                .or_default()
                .push((get(row, "head")?, Amount::from_minor(get(row, "amount")?)));
        }
        let mut debtors = self
            .links_in(
                "SELECT order_id AS parent, defendant_id AS child FROM order_debtors \
                 WHERE order_id IN ({ids}) ORDER BY order_id, defendant_id",
                ids,
            )
            .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = get(row, "id")?;
                order_row(row, items.remove(&id).unwrap_or_default(), debtors.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    async fn judgments_in(&mut self, ids: &[i64]) -> StoreResult<Vec<JudgmentRecord>> {
        let sql = format!("SELECT {JUDGMENT_COLUMNS} FROM judgments WHERE id IN ({{ids}}) ORDER BY id");
        let rows = self.rows_in(&sql, ids).await?;
        let mut convicted = self
            .links_in(
                "SELECT judgment_id AS parent, defendant_id AS child FROM judgment_convicted \
                 WHERE judgment_id IN ({ids}) ORDER BY judgment_id, defendant_id",
                ids,
            )
            .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = get(row, "id")?;
                judgment_row(row, convicted.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    async fn order_payments_in(&mut self, order_ids: &[i64]) -> StoreResult<Vec<(i64, OrderPayment)>> {
        let rows = self
            .rows_in(
                "SELECT order_id, source, amount, paid_on, reference, recorded_at, recorded_by FROM order_payments \
                 WHERE order_id IN ({ids}) ORDER BY id",
                order_ids,
            )
            .await?;
        rows.iter()
            .map(|row| {
                let payment = OrderPayment {
                    source: typed(row, "source", named(PaymentSource::ALL, PaymentSource::as_str))?,
                    amount: Amount::from_minor(get(row, "amount")?),
                    paid_on: get(row, "paid_on")?,
                    reference: get(row, "reference")?,
                    recorded_at: Timestamp::from_unix_micros(get(row, "recorded_at")?),
                    recorded_by: get(row, "recorded_by")?,
                };
                Ok((get(row, "order_id")?, payment))
            })
            .collect()
    }

    async fn insolvency_findings_in(
        &mut self,
        order_ids: &[i64],
    ) -> StoreResult<Vec<(i64, InsolvencyFinding)>> {
        let rows = self
            .rows_in(
                "SELECT order_id, found_on, basis, recorded_at, recorded_by FROM insolvency_findings \
                 WHERE order_id IN ({ids}) ORDER BY id",
                order_ids,
            )
            .await?;
        rows.iter()
            .map(|row| {
                let finding = InsolvencyFinding {
                    found_on: get(row, "found_on")?,
                    basis: get(row, "basis")?,
                    recorded_at: Timestamp::from_unix_micros(get(row, "recorded_at")?),
                    recorded_by: get(row, "recorded_by")?,
                };
                Ok((get(row, "order_id")?, finding))
            })
            .collect()
    }

    async fn claim_events_in(&mut self, claim_ids: &[i64]) -> StoreResult<Vec<(i64, ClaimEvent)>> {
        let rows = self
            .rows_in(
                "SELECT claim_id, from_state, to_state, at, by_user, note FROM claim_events \
                 WHERE claim_id IN ({ids}) ORDER BY id",
                claim_ids,
            )
            .await?;
        rows.iter()
            .map(|row| {
                let event = crate::claims::claim_event_from(row)?;
                Ok((get(row, "claim_id")?, event))
            })
            .collect()
    }

    async fn victim_facts_in(&mut self, victim_ids: &[i64]) -> StoreResult<Vec<(i64, bool, bool)>> {
        let rows = self
            .rows_in(
                "SELECT v.id, CAST(CASE WHEN v.consent_withdrawn_at IS NULL THEN 1 ELSE 0 END AS BIGINT) AS consent, \
                 CAST(CASE WHEN EXISTS (SELECT 1 FROM identity_verifications i WHERE i.victim_id = v.id) \
                 THEN 1 ELSE 0 END AS BIGINT) AS verified FROM victims v WHERE v.id IN ({ids})",
                victim_ids,
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok((get(row, "id")?, get::<i64>(row, "consent")? == 1, get::<i64>(row, "verified")? == 1))
            })
            .collect()
    }

    async fn case_stages_in(&mut self, case_ids: &[i64]) -> StoreResult<Vec<(i64, Stage)>> {
        let rows = self.rows_in("SELECT id, stage FROM cases WHERE id IN ({ids})", case_ids).await?;
        rows.iter()
            .map(|row| Ok((get(row, "id")?, typed(row, "stage", named(&Stage::ALL, Stage::as_str))?)))
            .collect()
    }

    async fn claims_on_orders(&mut self, order_ids: &[i64]) -> StoreResult<Vec<ClaimRecord>> {
        let sql = format!(
            "SELECT {CLAIM_COLUMNS} FROM claims c JOIN victims v ON v.id = c.victim_id \
             WHERE c.order_id IN ({{ids}}) ORDER BY c.id"
        );
        self.rows_in(&sql, order_ids).await?.iter().map(claim_from).collect()
    }

    async fn advances_of_victims(&mut self, victim_ids: &[i64]) -> StoreResult<Vec<ClaimRecord>> {
        let sql = format!(
            "SELECT {CLAIM_COLUMNS} FROM claims c JOIN victims v ON v.id = c.victim_id \
             WHERE c.victim_id IN ({{ids}}) AND c.kind = '{}' ORDER BY c.id",
            ClaimKind::Advance.as_str()
        );
        self.rows_in(&sql, victim_ids).await?.iter().map(claim_from).collect()
    }
}
