//! The lists of judgments, orders, rounds and batches (see `redress_app::record_lists`): one
//! statement each, newest first, with a `LIMIT`, its conditions built from the filter with
//! numbered parameters, each reader's scope an index range (`page_ids`); and the columns of
//! migration 0055 (an order's money and payment state, whose a judgment and an order are)
//! written with every change they follow.

use async_trait::async_trait;
use redress_app::record_lists::{
    JudgmentFilter, JudgmentRow, OrderFilter, OrderRow, RecordListReads, RoundFilter, RoundRow, Scope,
};
use redress_app::store::{BatchRecord, Page, StoreError, StoreResult};
use redress_domain::claims::ClaimState;
use redress_domain::orders::{AppealOutcome, PaymentState};
use redress_domain::payments::BatchState;
use redress_domain::{Amount, Currency, InstitutionId};
use sqlx::any::AnyRow;

use crate::claims::{batch_from, instant, BATCH_COLUMNS};
use crate::lists::{Bound, Conditions};
use crate::sql::{classify, get, maybe_typed, named, typed, SqlTx};

/// The payment sources that count as paid on an order (a recovery goes to the fund).
const PAID_SOURCES: &str = "'debtor', 'fund', 'advance'";

const ORDER_ROW_COLUMNS: &str = "o.id, o.judgment_id, j.case_id, c.prosecutor_file, c.court_file, j.court, \
     j.judged_on, j.final_on, v.code AS victim_code, o.currency, o.ordered, o.paid, o.payment_state";

const ORDER_ROW_FROM: &str = "reparation_orders o JOIN judgments j ON j.id = o.judgment_id \
     JOIN cases c ON c.id = j.case_id JOIN victims v ON v.id = o.victim_id";

/// The case (`{case}`) whose prosecutor's or court's file number is the parameter.
const CASE_OF_FILE: &str =
    "{case} IN (SELECT c.id FROM cases c WHERE c.prosecutor_file = {} UNION SELECT c.id FROM cases c WHERE c.court_file = {})";

fn order_row(row: &AnyRow) -> StoreResult<OrderRow> {
    let currency: String = get(row, "currency")?;
    Ok(OrderRow {
        id: get(row, "id")?,
        judgment_id: get(row, "judgment_id")?,
        case_id: get(row, "case_id")?,
        prosecutor_file: get(row, "prosecutor_file")?,
        court_file: get(row, "court_file")?,
        court: get(row, "court")?,
        judged_on: get(row, "judged_on")?,
        final_on: get(row, "final_on")?,
        victim_code: get(row, "victim_code")?,
        currency: Currency::parse(&currency)
            .map_err(|_| StoreError::Corrupt(format!("currency {currency}")))?,
        ordered: Amount::from_minor(get(row, "ordered")?),
        paid: Amount::from_minor(get(row, "paid")?),
        state: typed(row, "payment_state", named(&PaymentState::ALL, PaymentState::as_str))?,
    })
}

impl SqlTx {
    /// Copies whose a new judgment is from its case (the list's scope, migration 0055).
    pub(crate) async fn fill_judgment_scope(&mut self, judgment_id: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE judgments SET \
             case_institution_id = (SELECT c.institution_id FROM cases c WHERE c.id = judgments.case_id), \
             case_court_id = (SELECT c.court_id FROM cases c WHERE c.id = judgments.case_id) WHERE id = $1",
        )
        .bind(judgment_id)
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    /// Copies whose a new order is from its judgment and its victim.
    pub(crate) async fn fill_order_scope(&mut self, order_id: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE reparation_orders SET \
             case_id = (SELECT j.case_id FROM judgments j WHERE j.id = reparation_orders.judgment_id), \
             case_institution_id = (SELECT j.case_institution_id FROM judgments j WHERE j.id = reparation_orders.judgment_id), \
             case_court_id = (SELECT j.case_court_id FROM judgments j WHERE j.id = reparation_orders.judgment_id), \
             victim_institution_id = (SELECT v.institution_id FROM victims v WHERE v.id = reparation_orders.victim_id) \
             WHERE id = $1",
        )
        .bind(order_id)
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    /// A case moved to another court: its judgments and orders are that court's to list.
    pub(crate) async fn move_case_scope_to_court(
        &mut self,
        case_id: i64,
        court: InstitutionId,
    ) -> StoreResult<()> {
        for table in ["judgments", "reparation_orders"] {
            sqlx::query(&format!("UPDATE {table} SET case_court_id = $1 WHERE case_id = $2"))
                .bind(court.0)
                .bind(case_id)
                .execute(&mut *self.tx)
                .await
                .map_err(classify)?;
        }
        Ok(())
    }

    /// Writes what the order ordered, what was paid on it and its payment state, from its
    /// items, payments and insolvency findings (after any of them changed).
    pub(crate) async fn refresh_order_money(&mut self, order_id: i64) -> StoreResult<()> {
        let row = sqlx::query(&format!(
            "SELECT (SELECT CAST(COALESCE(SUM(i.amount), 0) AS BIGINT) FROM order_items i WHERE i.order_id = $1) AS ordered, \
             (SELECT CAST(COALESCE(SUM(p.amount), 0) AS BIGINT) FROM order_payments p \
              WHERE p.order_id = $1 AND p.source IN ({PAID_SOURCES})) AS paid, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM insolvency_findings f WHERE f.order_id = $1) AS findings"
        ))
        .bind(order_id)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        let ordered = Amount::from_minor(get(&row, "ordered")?);
        let paid = Amount::from_minor(get(&row, "paid")?);
        let state = PaymentState::of(ordered, paid, get::<i64>(&row, "findings")? > 0);
        sqlx::query("UPDATE reparation_orders SET ordered = $1, paid = $2, payment_state = $3 WHERE id = $4")
            .bind(ordered.minor_units())
            .bind(paid.minor_units())
            .bind(state.as_str())
            .bind(order_id)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }
}

/// The ids of one page, newest first, of `table` (aliased `alias`): one branch per way a reader
/// may see a row (`scopes`, each an indexed column's condition), each branch a range of its
/// index read newest first up to the page's size, so that a page costs what it shows even
/// where a reader sees rows two ways (an office's cases and a court's). `$1` is `after`, `$2`
/// the page's size.
fn page_ids(table: &str, alias: &str, scopes: &[&str], filters: &Conditions) -> String {
    let branches: Vec<String> = scopes
        .iter()
        .enumerate()
        .map(|(i, scope)| {
            format!(
                "SELECT id FROM (SELECT {alias}.id FROM {table} {alias} WHERE {alias}.id < $1 AND {scope}{} \
                 ORDER BY {alias}.id DESC LIMIT $2) branch{i}",
                filters.sql()
            )
        })
        .collect();
    branches.join(" UNION ")
}

#[async_trait]
impl RecordListReads for SqlTx {
    async fn judgments_page(
        &mut self,
        institution: Option<InstitutionId>,
        filter: &JudgmentFilter,
        page: Page,
    ) -> StoreResult<Vec<JudgmentRow>> {
        // `$3` is the institution when there is one; the filters' parameters follow.
        let scopes: &[&str] = match institution {
            None => &["1 = 1"],
            Some(_) => &["j.case_institution_id = $3", "j.case_court_id = $3"],
        };
        let mut conditions = Conditions::new(if institution.is_some() { 4 } else { 3 });
        match filter.is_final {
            Some(true) => conditions.push_plain("j.final_on IS NOT NULL"),
            Some(false) => conditions.push_plain("j.final_on IS NULL"),
            None => {}
        }
        if let Some(case) = filter.case_id {
            conditions.push("j.case_id", "=", Bound::Int(case));
        }
        if let Some(file) = &filter.file {
            conditions
                .push_with(CASE_OF_FILE.replace("{case}", "j.case_id").as_str(), Bound::Text(file.clone()));
        }
        let sql = format!(
            "SELECT j.id, j.case_id, c.prosecutor_file, c.court_file, j.court, j.judged_on, j.final_on, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM reparation_orders o WHERE o.judgment_id = j.id) AS orders \
             FROM judgments j JOIN cases c ON c.id = j.case_id WHERE j.id IN ({}) ORDER BY j.id DESC LIMIT $2",
            page_ids("judgments", "j", scopes, &conditions)
        );
        let mut query = sqlx::query(&sql).bind(page.after.unwrap_or(i64::MAX)).bind(page.limit);
        if let Some(institution) = institution {
            query = query.bind(institution.0);
        }
        let rows = conditions.bind(query).fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok(JudgmentRow {
                    id: get(row, "id")?,
                    case_id: get(row, "case_id")?,
                    prosecutor_file: get(row, "prosecutor_file")?,
                    court_file: get(row, "court_file")?,
                    court: get(row, "court")?,
                    judged_on: get(row, "judged_on")?,
                    final_on: get(row, "final_on")?,
                    orders: get(row, "orders")?,
                })
            })
            .collect()
    }

    async fn orders_page(
        &mut self,
        scope: Scope,
        filter: &OrderFilter,
        page: Page,
    ) -> StoreResult<Vec<OrderRow>> {
        // `$3` is the scope's institution when there is one; the filters' parameters follow.
        let (scopes, institution): (&[&str], _) = match scope {
            Scope::All => (&["1 = 1"], None),
            Scope::Institution(id) => (&["o.case_institution_id = $3", "o.case_court_id = $3"], Some(id)),
            Scope::VictimsOf(id) => (
                &[
                    "o.victim_institution_id = $3",
                    "o.victim_id IN (SELECT r.victim_id FROM victim_referrals r WHERE r.institution_id = $3)",
                ],
                Some(id),
            ),
        };
        let mut conditions = Conditions::new(if institution.is_some() { 4 } else { 3 });
        let states = filter.states.iter().map(|s| Bound::Text(s.as_str().to_string())).collect();
        conditions.push_in("o.payment_state", states);
        if let Some(case) = filter.case_id {
            conditions.push("o.case_id", "=", Bound::Int(case));
        }
        if let Some(file) = &filter.file {
            conditions
                .push_with(CASE_OF_FILE.replace("{case}", "o.case_id").as_str(), Bound::Text(file.clone()));
        }
        let sql = format!(
            "SELECT {ORDER_ROW_COLUMNS} FROM {ORDER_ROW_FROM} WHERE o.id IN ({}) ORDER BY o.id DESC LIMIT $2",
            page_ids("reparation_orders", "o", scopes, &conditions)
        );
        let mut query = sqlx::query(&sql).bind(page.after.unwrap_or(i64::MAX)).bind(page.limit);
        if let Some(institution) = institution {
            query = query.bind(institution.0);
        }
        let rows = conditions.bind(query).fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(order_row).collect()
    }

    async fn rounds_page(&mut self, filter: RoundFilter, page: Page) -> StoreResult<Vec<RoundRow>> {
        let mut conditions = Conditions::new(3);
        match filter {
            RoundFilter::Any => {}
            RoundFilter::WithoutBatch => conditions.push_plain("b.id IS NULL"),
            RoundFilter::Batch(state) => {
                conditions.push("b.state", "=", Bound::Text(state.as_str().to_string()))
            }
        }
        let sql = format!(
            "SELECT r.id, r.currency, r.available, r.allocated, r.created_at, r.created_by, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM allocation_lines l WHERE l.round_id = r.id) AS lines, \
             b.id AS batch_id, b.state AS batch_state \
             FROM allocation_rounds r LEFT JOIN payment_batches b ON b.round_id = r.id \
             WHERE r.id < $1{} ORDER BY r.id DESC LIMIT $2",
            conditions.sql()
        );
        let query = sqlx::query(&sql).bind(page.after.unwrap_or(i64::MAX)).bind(page.limit);
        let rows = conditions.bind(query).fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter()
            .map(|row| {
                let currency: String = get(row, "currency")?;
                Ok(RoundRow {
                    id: get(row, "id")?,
                    currency: Currency::parse(&currency)
                        .map_err(|_| StoreError::Corrupt(format!("currency {currency}")))?,
                    available: Amount::from_minor(get(row, "available")?),
                    allocated: Amount::from_minor(get(row, "allocated")?),
                    lines: get(row, "lines")?,
                    created_at: instant(row, "created_at")?,
                    created_by: get(row, "created_by")?,
                    batch_id: get(row, "batch_id")?,
                    batch_state: maybe_typed(row, "batch_state", BatchState::parse)?,
                })
            })
            .collect()
    }

    async fn batches_page(&mut self, states: &[BatchState], page: Page) -> StoreResult<Vec<BatchRecord>> {
        let mut conditions = Conditions::new(3);
        conditions.push_in("state", states.iter().map(|s| Bound::Text(s.as_str().to_string())).collect());
        let sql = format!(
            "SELECT {BATCH_COLUMNS} FROM payment_batches WHERE id < $1{} ORDER BY id DESC LIMIT $2",
            conditions.sql()
        );
        let query = sqlx::query(&sql).bind(page.after.unwrap_or(i64::MAX)).bind(page.limit);
        let rows = conditions.bind(query).fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(batch_from).collect()
    }

    async fn claimable_orders(&mut self, victim_id: i64, limit: i64) -> StoreResult<Vec<OrderRow>> {
        let closed: Vec<String> =
            ClaimState::ALL.iter().filter(|s| !s.is_open()).map(|s| format!("'{}'", s.as_str())).collect();
        let set_aside: Vec<String> = AppealOutcome::ALL
            .iter()
            .filter(|o| o.sets_aside())
            .map(|o| format!("'{}'", o.as_str()))
            .collect();
        let sql = format!(
            "SELECT {ORDER_ROW_COLUMNS} FROM {ORDER_ROW_FROM} \
             WHERE o.victim_id = $1 AND o.payment_state <> '{paid}' \
             AND (j.outcome IS NULL OR j.outcome NOT IN ({set_aside})) \
             AND NOT EXISTS (SELECT 1 FROM claims cl WHERE cl.order_id = o.id AND cl.state NOT IN ({closed})) \
             ORDER BY o.id DESC LIMIT $2",
            paid = PaymentState::Paid.as_str(),
            set_aside = set_aside.join(", "),
            closed = closed.join(", "),
        );
        let rows =
            sqlx::query(&sql).bind(victim_id).bind(limit).fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(order_row).collect()
    }
}
