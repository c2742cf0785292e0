//! Claims, the fund's policy versions, allocation rounds, payment batches and bank reports.

use async_trait::async_trait;
use redress_app::store::{
    BankReport, BatchLine, BatchRecord, ClaimEvent, ClaimFilter, ClaimReads, ClaimRecord, ClaimWrites,
    LineHold, Page, PolicyRecord, RoundLine, RoundRecord, StoreError, StoreResult,
};
use redress_domain::claims::{ClaimKind, ClaimState, Waiting};
use redress_domain::ledger::{PendingStatus, TransferType};
use redress_domain::payments::{BatchState, LineStatus, PaymentMethod, ResultSource};
use redress_domain::{Amount, Currency, InstitutionId, Timestamp};
use sqlx::any::AnyRow;

use crate::sql::{classify, get, maybe_typed, typed, SqlTx};

pub(crate) const CLAIM_COLUMNS: &str = "c.id, c.kind, c.victim_id, v.code AS victim_code, v.institution_id AS victim_institution, \
     c.case_id, c.order_id, c.currency, c.state, c.requested, c.needs, c.tier, c.tier_reasons, c.policy_version, \
     c.eligibility, c.approved_amount, c.paid, c.decision_reason, c.filed_at, c.filed_by, c.decision_due, \
     c.decided_at, c.decided_by, c.payment_due, c.hold_id, c.hold_amount, c.waiting_for";

const ROUND_COLUMNS: &str =
    "id, currency, policy_version, cash, holds, reserve, available, minimum_line, inputs, \
     inputs_hash, allocated, created_at, created_by";

pub(crate) const BATCH_COLUMNS: &str =
    "id, round_id, currency, state, execution_date, total, proposed_at, proposed_by, \
     approved_at, approved_by, message_id, file_sha256, exported_at, exported_by, debtor";

const LINE_COLUMNS: &str = "batch_id, claim_id, amount, hold_id, end_to_end_id, payee, method, status, \
     reason_code, reason, resolved_at, resolved_by, result_source, transfer_id";

fn currency(row: &AnyRow) -> StoreResult<Currency> {
    let code: String = get(row, "currency")?;
    Currency::parse(&code).map_err(|_| StoreError::Corrupt(format!("currency {code}")))
}

pub(crate) fn instant(row: &AnyRow, column: &str) -> StoreResult<Timestamp> {
    Ok(Timestamp::from_unix_micros(get(row, column)?))
}

fn maybe_instant(row: &AnyRow, column: &str) -> StoreResult<Option<Timestamp>> {
    Ok(get::<Option<i64>>(row, column)?.map(Timestamp::from_unix_micros))
}

fn list(row: &AnyRow, column: &str) -> StoreResult<Vec<String>> {
    let text: String = get(row, column)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn list_text(values: &[String]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".to_string())
}

/// A claim's change of state; an unknown stored state is a corruption.
pub(crate) fn claim_event_from(row: &AnyRow) -> StoreResult<ClaimEvent> {
    let state = |text: &str| ClaimState::parse("state", text).ok();
    Ok(ClaimEvent {
        from_state: maybe_typed(row, "from_state", state)?,
        to_state: typed(row, "to_state", state)?,
        at: instant(row, "at")?,
        by: get(row, "by_user")?,
        note: get(row, "note")?,
    })
}

pub(crate) fn claim_from(row: &AnyRow) -> StoreResult<ClaimRecord> {
    let tier: i64 = get(row, "tier")?;
    Ok(ClaimRecord {
        id: get(row, "id")?,
        kind: typed(row, "kind", ClaimKind::from_stored)?,
        victim_id: get(row, "victim_id")?,
        victim_code: get(row, "victim_code")?,
        victim_institution: InstitutionId(get(row, "victim_institution")?),
        case_id: get(row, "case_id")?,
        order_id: get(row, "order_id")?,
        currency: currency(row)?,
        state: typed(row, "state", |s| ClaimState::parse("state", s).ok())?,
        requested: Amount::from_minor(get(row, "requested")?),
        needs: list(row, "needs")?,
        tier: u8::try_from(tier).map_err(|_| StoreError::Corrupt(format!("tier {tier}")))?,
        tier_reasons: list(row, "tier_reasons")?,
        policy_version: get(row, "policy_version")?,
        eligibility: get(row, "eligibility")?,
        approved_amount: get::<Option<i64>>(row, "approved_amount")?.map(Amount::from_minor),
        paid: Amount::from_minor(get(row, "paid")?),
        decision_reason: get(row, "decision_reason")?,
        filed_at: instant(row, "filed_at")?,
        filed_by: get(row, "filed_by")?,
        decision_due: instant(row, "decision_due")?,
        decided_at: maybe_instant(row, "decided_at")?,
        decided_by: get(row, "decided_by")?,
        payment_due: get(row, "payment_due")?,
        hold_id: get(row, "hold_id")?,
        hold_amount: get::<Option<i64>>(row, "hold_amount")?.map(Amount::from_minor),
        waiting_for: maybe_typed(row, "waiting_for", Waiting::parse)?,
    })
}

fn round_from(row: &AnyRow) -> StoreResult<RoundRecord> {
    Ok(RoundRecord {
        id: get(row, "id")?,
        currency: currency(row)?,
        policy_version: get(row, "policy_version")?,
        cash: Amount::from_minor(get(row, "cash")?),
        holds: Amount::from_minor(get(row, "holds")?),
        reserve: Amount::from_minor(get(row, "reserve")?),
        available: Amount::from_minor(get(row, "available")?),
        minimum_line: Amount::from_minor(get(row, "minimum_line")?),
        inputs: get(row, "inputs")?,
        inputs_hash: get(row, "inputs_hash")?,
        allocated: Amount::from_minor(get(row, "allocated")?),
        created_at: instant(row, "created_at")?,
        created_by: get(row, "created_by")?,
    })
}

pub(crate) fn batch_from(row: &AnyRow) -> StoreResult<BatchRecord> {
    Ok(BatchRecord {
        id: get(row, "id")?,
        round_id: get(row, "round_id")?,
        currency: currency(row)?,
        state: typed(row, "state", BatchState::parse)?,
        execution_date: get(row, "execution_date")?,
        total: Amount::from_minor(get(row, "total")?),
        proposed_at: instant(row, "proposed_at")?,
        proposed_by: get(row, "proposed_by")?,
        approved_at: maybe_instant(row, "approved_at")?,
        approved_by: get(row, "approved_by")?,
        message_id: get(row, "message_id")?,
        file_sha256: get(row, "file_sha256")?,
        exported_at: maybe_instant(row, "exported_at")?,
        exported_by: get(row, "exported_by")?,
        debtor: get(row, "debtor")?,
    })
}

fn line_from(row: &AnyRow) -> StoreResult<BatchLine> {
    Ok(BatchLine {
        batch_id: get(row, "batch_id")?,
        claim_id: get(row, "claim_id")?,
        amount: Amount::from_minor(get(row, "amount")?),
        hold_id: get(row, "hold_id")?,
        end_to_end_id: get(row, "end_to_end_id")?,
        payee: get(row, "payee")?,
        method: maybe_typed(row, "method", PaymentMethod::parse)?,
        status: typed(row, "status", LineStatus::parse)?,
        reason_code: get(row, "reason_code")?,
        reason: get(row, "reason")?,
        resolved_at: maybe_instant(row, "resolved_at")?,
        resolved_by: get(row, "resolved_by")?,
        result_source: maybe_typed(row, "result_source", ResultSource::parse)?,
        transfer_id: get(row, "transfer_id")?,
    })
}

fn policy_from(row: &AnyRow) -> StoreResult<PolicyRecord> {
    Ok(PolicyRecord {
        version: get(row, "version")?,
        document: get(row, "document")?,
        created_at: instant(row, "created_at")?,
        created_by: get(row, "created_by")?,
    })
}

enum Bound {
    Int(i64),
    Text(String),
}

#[async_trait]
impl ClaimReads for SqlTx {
    async fn fund_policy(&mut self, version: Option<i64>) -> StoreResult<Option<PolicyRecord>> {
        let row = match version {
            Some(version) => {
                sqlx::query("SELECT version, document, created_at, created_by FROM fund_policies WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&mut *self.tx)
                    .await
            }
            None => {
                sqlx::query(
                    "SELECT version, document, created_at, created_by FROM fund_policies ORDER BY version DESC LIMIT 1",
                )
                .fetch_optional(&mut *self.tx)
                .await
            }
        }
        .map_err(classify)?;
        row.as_ref().map(policy_from).transpose()
    }

    async fn fund_policies(&mut self) -> StoreResult<Vec<PolicyRecord>> {
        let rows = sqlx::query(
            "SELECT version, document, created_at, created_by FROM fund_policies ORDER BY version",
        )
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter().map(policy_from).collect()
    }

    async fn identity_verification(
        &mut self,
        victim_id: i64,
    ) -> StoreResult<Option<(String, Timestamp, String)>> {
        let row = sqlx::query(
            "SELECT method, verified_at, verified_by FROM identity_verifications WHERE victim_id = $1",
        )
        .bind(victim_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(classify)?;
        row.map(|row| Ok((get(&row, "method")?, instant(&row, "verified_at")?, get(&row, "verified_by")?)))
            .transpose()
    }

    async fn claim(&mut self, id: i64) -> StoreResult<Option<ClaimRecord>> {
        let sql = format!(
            "SELECT {CLAIM_COLUMNS} FROM claims c JOIN victims v ON v.id = c.victim_id WHERE c.id = $1"
        );
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *self.tx).await.map_err(classify)?;
        row.as_ref().map(claim_from).transpose()
    }

    async fn claims(&mut self, filter: &ClaimFilter, page: Page) -> StoreResult<Vec<ClaimRecord>> {
        let mut conditions = Vec::new();
        let mut values = Vec::new();
        fn push(conditions: &mut Vec<String>, condition: &str, value: Bound, values: &mut Vec<Bound>) {
            values.push(value);
            conditions.push(condition.replace('?', &format!("${}", values.len())));
        }
        if !filter.states.is_empty() {
            let mut placeholders = Vec::new();
            for state in &filter.states {
                values.push(Bound::Text(state.as_str().to_string()));
                placeholders.push(format!("${}", values.len()));
            }
            conditions.push(format!("c.state IN ({})", placeholders.join(", ")));
        }
        if let Some(kind) = filter.kind {
            push(&mut conditions, "c.kind = ?", Bound::Text(kind.as_str().to_string()), &mut values);
        }
        if filter.ready_only {
            conditions.push("c.waiting_for IS NULL".to_string());
        }
        if let Some(tier) = filter.tier {
            push(&mut conditions, "c.tier = ?", Bound::Int(i64::from(tier)), &mut values);
        }
        if let Some(currency) = filter.currency {
            push(&mut conditions, "c.currency = ?", Bound::Text(currency.code().to_string()), &mut values);
        }
        if let Some(victim) = filter.victim_id {
            push(&mut conditions, "c.victim_id = ?", Bound::Int(victim), &mut values);
        }
        if let Some(order) = filter.order_id {
            push(&mut conditions, "c.order_id = ?", Bound::Int(order), &mut values);
        }
        if let Some(case) = filter.case_id {
            push(&mut conditions, "c.case_id = ?", Bound::Int(case), &mut values);
        }
        if let Some(institution) = filter.institution {
            push(&mut conditions, "v.institution_id = ?", Bound::Int(institution.0), &mut values);
        }
        push(&mut conditions, "c.id > ?", Bound::Int(page.after.unwrap_or(0)), &mut values);
        values.push(Bound::Int(page.limit));
        let sql = format!(
            "SELECT {CLAIM_COLUMNS} FROM claims c JOIN victims v ON v.id = c.victim_id WHERE {} ORDER BY c.id LIMIT ${}",
            conditions.join(" AND "),
            values.len()
        );
        let mut query = sqlx::query(&sql);
        for value in values {
            query = match value {
                Bound::Int(v) => query.bind(v),
                Bound::Text(v) => query.bind(v),
            };
        }
        let rows = query.fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(claim_from).collect()
    }

    async fn claim_events(&mut self, claim_id: i64) -> StoreResult<Vec<ClaimEvent>> {
        let rows = sqlx::query(
            "SELECT from_state, to_state, at, by_user, note FROM claim_events WHERE claim_id = $1 ORDER BY id",
        )
        .bind(claim_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter().map(claim_event_from).collect()
    }

    async fn round(&mut self, id: i64) -> StoreResult<Option<RoundRecord>> {
        let sql = format!("SELECT {ROUND_COLUMNS} FROM allocation_rounds WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *self.tx).await.map_err(classify)?;
        row.as_ref().map(round_from).transpose()
    }

    async fn rounds(&mut self, page: Page) -> StoreResult<Vec<RoundRecord>> {
        let sql =
            format!("SELECT {ROUND_COLUMNS} FROM allocation_rounds WHERE id < $1 ORDER BY id DESC LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(page.after.unwrap_or(i64::MAX))
            .bind(page.limit)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        rows.iter().map(round_from).collect()
    }

    async fn round_lines(&mut self, round_id: i64) -> StoreResult<Vec<RoundLine>> {
        let rows = sqlx::query(
            "SELECT claim_id, position, amount, explanation, hold_id FROM allocation_lines WHERE round_id = $1 ORDER BY position",
        )
        .bind(round_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok(RoundLine {
                    claim_id: get(row, "claim_id")?,
                    position: get(row, "position")?,
                    amount: Amount::from_minor(get(row, "amount")?),
                    explanation: get(row, "explanation")?,
                    hold_id: get(row, "hold_id")?,
                })
            })
            .collect()
    }

    async fn batch(&mut self, id: i64) -> StoreResult<Option<BatchRecord>> {
        let sql = format!("SELECT {BATCH_COLUMNS} FROM payment_batches WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *self.tx).await.map_err(classify)?;
        row.as_ref().map(batch_from).transpose()
    }

    async fn batch_of_round(&mut self, round_id: i64) -> StoreResult<Option<BatchRecord>> {
        let sql = format!("SELECT {BATCH_COLUMNS} FROM payment_batches WHERE round_id = $1");
        let row = sqlx::query(&sql).bind(round_id).fetch_optional(&mut *self.tx).await.map_err(classify)?;
        row.as_ref().map(batch_from).transpose()
    }

    async fn batches(&mut self, page: Page) -> StoreResult<Vec<BatchRecord>> {
        let sql =
            format!("SELECT {BATCH_COLUMNS} FROM payment_batches WHERE id < $1 ORDER BY id DESC LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(page.after.unwrap_or(i64::MAX))
            .bind(page.limit)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        rows.iter().map(batch_from).collect()
    }

    async fn batch_lines(&mut self, batch_id: i64) -> StoreResult<Vec<BatchLine>> {
        let sql = format!("SELECT {LINE_COLUMNS} FROM batch_lines WHERE batch_id = $1 ORDER BY claim_id");
        let rows = sqlx::query(&sql).bind(batch_id).fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(line_from).collect()
    }

    async fn batch_lines_of_claim(&mut self, claim_id: i64) -> StoreResult<Vec<BatchLine>> {
        let sql = format!("SELECT {LINE_COLUMNS} FROM batch_lines WHERE claim_id = $1 ORDER BY batch_id");
        let rows = sqlx::query(&sql).bind(claim_id).fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(line_from).collect()
    }

    async fn order_money(&mut self, after: i64, limit: i64) -> StoreResult<Vec<(i64, Amount, Amount)>> {
        let rows = sqlx::query(
            "SELECT o.id, \
             (SELECT CAST(COALESCE(SUM(i.amount), 0) AS BIGINT) FROM order_items i WHERE i.order_id = o.id) AS ordered, \
             (SELECT CAST(COALESCE(SUM(p.amount), 0) AS BIGINT) FROM order_payments p \
              WHERE p.order_id = o.id AND p.source IN ('debtor', 'fund', 'advance')) AS paid \
             FROM reparation_orders o WHERE o.id > $1 ORDER BY o.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|r| {
                Ok((
                    get(r, "id")?,
                    Amount::from_minor(get(r, "ordered")?),
                    Amount::from_minor(get(r, "paid")?),
                ))
            })
            .collect()
    }

    async fn claim_money(
        &mut self,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, Amount, Amount, Amount)>> {
        let rows = sqlx::query(
            "SELECT c.id, COALESCE(c.approved_amount, c.requested) AS cap, c.paid, \
             (SELECT CAST(COALESCE(SUM(l.amount), 0) AS BIGINT) FROM batch_lines l \
              WHERE l.claim_id = c.id AND l.status = 'accepted') AS accepted \
             FROM claims c WHERE c.id > $1 ORDER BY c.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|r| {
                Ok((
                    get(r, "id")?,
                    Amount::from_minor(get(r, "cap")?),
                    Amount::from_minor(get(r, "paid")?),
                    Amount::from_minor(get(r, "accepted")?),
                ))
            })
            .collect()
    }

    async fn line_holds(&mut self, after: (i64, i64), limit: i64) -> StoreResult<Vec<LineHold>> {
        let rows = sqlx::query(
            "SELECT l.batch_id, l.claim_id, l.end_to_end_id, l.status, l.result_source, l.transfer_id, l.hold_id, \
             h.pending_status AS hold_status, t.kind AS transfer_kind, t.pending_id AS transfer_resolves \
             FROM batch_lines l LEFT JOIN ledger_transfers h ON h.id = l.hold_id \
             LEFT JOIN ledger_transfers t ON t.id = l.transfer_id \
             WHERE l.batch_id > $1 OR (l.batch_id = $1 AND l.claim_id > $2) \
             ORDER BY l.batch_id, l.claim_id LIMIT $3",
        )
        .bind(after.0)
        .bind(after.1)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|r| {
                Ok(LineHold {
                    batch_id: get(r, "batch_id")?,
                    claim_id: get(r, "claim_id")?,
                    end_to_end_id: get(r, "end_to_end_id")?,
                    status: typed(r, "status", LineStatus::parse)?,
                    result_source: maybe_typed(r, "result_source", ResultSource::parse)?,
                    hold_status: maybe_typed(r, "hold_status", PendingStatus::parse)?,
                    transfer_id: get(r, "transfer_id")?,
                    transfer_kind: maybe_typed(r, "transfer_kind", TransferType::parse)?,
                    transfer_resolves: get(r, "transfer_resolves")?,
                    hold_id: get(r, "hold_id")?,
                })
            })
            .collect()
    }

    async fn bank_reports(&mut self, batch_id: i64) -> StoreResult<Vec<BankReport>> {
        let rows = sqlx::query(
            "SELECT message_id, sha256, applied, unchanged, conflicts, problems, received_at, received_by FROM bank_reports \
             WHERE batch_id = $1 ORDER BY id",
        )
        .bind(batch_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok(BankReport {
                    message_id: get(row, "message_id")?,
                    sha256: get(row, "sha256")?,
                    applied: get(row, "applied")?,
                    unchanged: get(row, "unchanged")?,
                    conflicts: get(row, "conflicts")?,
                    problems: list(row, "problems")?,
                    received_at: instant(row, "received_at")?,
                    received_by: get(row, "received_by")?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl ClaimWrites for SqlTx {
    async fn insert_fund_policy(&mut self, policy: &PolicyRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO fund_policies (version, document, created_at, created_by) VALUES ($1, $2, $3, $4)",
        )
        .bind(policy.version)
        .bind(policy.document.clone())
        .bind(policy.created_at.unix_micros())
        .bind(policy.created_by.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn insert_identity_verification(
        &mut self,
        victim_id: i64,
        method: &str,
        at: Timestamp,
        by: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO identity_verifications (victim_id, method, verified_at, verified_by) VALUES ($1, $2, $3, $4)",
        )
        .bind(victim_id)
        .bind(method.to_string())
        .bind(at.unix_micros())
        .bind(by.to_string())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn insert_claim(&mut self, c: &ClaimRecord) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO claims (kind, victim_id, case_id, order_id, currency, state, requested, needs, tier, \
             tier_reasons, policy_version, eligibility, approved_amount, paid, decision_reason, filed_at, filed_by, \
             decision_due, decided_at, decided_by, payment_due, hold_id, hold_amount, waiting_for) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24) \
             RETURNING id",
        )
        .bind(c.kind.as_str())
        .bind(c.victim_id)
        .bind(c.case_id)
        .bind(c.order_id)
        .bind(c.currency.code())
        .bind(c.state.as_str())
        .bind(c.requested.minor_units())
        .bind(list_text(&c.needs))
        .bind(i64::from(c.tier))
        .bind(list_text(&c.tier_reasons))
        .bind(c.policy_version)
        .bind(c.eligibility.clone())
        .bind(c.approved_amount.map(|a| a.minor_units()))
        .bind(c.paid.minor_units())
        .bind(c.decision_reason.clone())
        .bind(c.filed_at.unix_micros())
        .bind(c.filed_by.clone())
        .bind(c.decision_due.unix_micros())
        .bind(c.decided_at.map(|t| t.unix_micros()))
        .bind(c.decided_by.clone())
        .bind(c.payment_due.clone())
        .bind(c.hold_id.clone())
        .bind(c.hold_amount.map(|a| a.minor_units()))
        .bind(c.waiting_for.map(|w| w.as_str()))
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        get(&row, "id")
    }

    async fn update_claim(&mut self, c: &ClaimRecord) -> StoreResult<()> {
        sqlx::query(
            "UPDATE claims SET order_id = $1, state = $2, tier = $3, tier_reasons = $4, eligibility = $5, \
             approved_amount = $6, paid = $7, decision_reason = $8, decided_at = $9, decided_by = $10, \
             payment_due = $11, hold_id = $12, hold_amount = $13, waiting_for = $14 WHERE id = $15",
        )
        .bind(c.order_id)
        .bind(c.state.as_str())
        .bind(i64::from(c.tier))
        .bind(list_text(&c.tier_reasons))
        .bind(c.eligibility.clone())
        .bind(c.approved_amount.map(|a| a.minor_units()))
        .bind(c.paid.minor_units())
        .bind(c.decision_reason.clone())
        .bind(c.decided_at.map(|t| t.unix_micros()))
        .bind(c.decided_by.clone())
        .bind(c.payment_due.clone())
        .bind(c.hold_id.clone())
        .bind(c.hold_amount.map(|a| a.minor_units()))
        .bind(c.waiting_for.map(|w| w.as_str()))
        .bind(c.id)
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn insert_claim_event(&mut self, claim_id: i64, e: &ClaimEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO claim_events (claim_id, from_state, to_state, at, by_user, note) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(claim_id)
        .bind(e.from_state.map(ClaimState::as_str))
        .bind(e.to_state.as_str())
        .bind(e.at.unix_micros())
        .bind(e.by.clone())
        .bind(e.note.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn insert_round(&mut self, r: &RoundRecord, lines: &[RoundLine]) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO allocation_rounds (currency, policy_version, cash, holds, reserve, available, minimum_line, \
             inputs, inputs_hash, allocated, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(r.currency.code())
        .bind(r.policy_version)
        .bind(r.cash.minor_units())
        .bind(r.holds.minor_units())
        .bind(r.reserve.minor_units())
        .bind(r.available.minor_units())
        .bind(r.minimum_line.minor_units())
        .bind(r.inputs.clone())
        .bind(r.inputs_hash.clone())
        .bind(r.allocated.minor_units())
        .bind(r.created_at.unix_micros())
        .bind(r.created_by.clone())
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        let id: i64 = get(&row, "id")?;
        for line in lines {
            sqlx::query(
                "INSERT INTO allocation_lines (round_id, claim_id, position, amount, explanation, hold_id) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(line.claim_id)
            .bind(line.position)
            .bind(line.amount.minor_units())
            .bind(line.explanation.clone())
            .bind(line.hold_id.clone())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        }
        Ok(id)
    }

    async fn insert_batch(&mut self, b: &BatchRecord, lines: &[BatchLine]) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO payment_batches (round_id, currency, state, execution_date, total, proposed_at, proposed_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(b.round_id)
        .bind(b.currency.code())
        .bind(b.state.as_str())
        .bind(b.execution_date.clone())
        .bind(b.total.minor_units())
        .bind(b.proposed_at.unix_micros())
        .bind(b.proposed_by.clone())
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        let id: i64 = get(&row, "id")?;
        for line in lines {
            sqlx::query(
                "INSERT INTO batch_lines (batch_id, claim_id, amount, hold_id, end_to_end_id, payee, status) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(line.claim_id)
            .bind(line.amount.minor_units())
            .bind(line.hold_id.clone())
            .bind(line.end_to_end_id.clone())
            .bind(line.payee.clone())
            .bind(line.status.as_str())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        }
        Ok(id)
    }

    async fn update_batch(&mut self, b: &BatchRecord) -> StoreResult<()> {
        sqlx::query(
            "UPDATE payment_batches SET state = $1, approved_at = $2, approved_by = $3, message_id = $4, \
             file_sha256 = $5, exported_at = $6, exported_by = $7, debtor = $8 WHERE id = $9",
        )
        .bind(b.state.as_str())
        .bind(b.approved_at.map(|t| t.unix_micros()))
        .bind(b.approved_by.clone())
        .bind(b.message_id.clone())
        .bind(b.file_sha256.clone())
        .bind(b.exported_at.map(|t| t.unix_micros()))
        .bind(b.exported_by.clone())
        .bind(b.debtor.clone())
        .bind(b.id)
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn remove_batch_line(&mut self, batch_id: i64, claim_id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM batch_lines WHERE batch_id = $1 AND claim_id = $2 AND status = 'pending'")
            .bind(batch_id)
            .bind(claim_id)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn update_batch_total(&mut self, b: &BatchRecord) -> StoreResult<()> {
        sqlx::query("UPDATE payment_batches SET total = $1 WHERE id = $2")
            .bind(b.total.minor_units())
            .bind(b.id)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn update_batch_line(&mut self, l: &BatchLine) -> StoreResult<()> {
        sqlx::query(
            "UPDATE batch_lines SET payee = $1, status = $2, reason = $3, resolved_at = $4, resolved_by = $5, \
             result_source = $6, method = $7, reason_code = $8, transfer_id = $9 WHERE batch_id = $10 AND claim_id = $11",
        )
        .bind(l.payee.clone())
        .bind(l.status.as_str())
        .bind(l.reason.clone())
        .bind(l.resolved_at.map(|t| t.unix_micros()))
        .bind(l.resolved_by.clone())
        .bind(l.result_source.map(ResultSource::as_str))
        .bind(l.method.map(|m| m.as_str()))
        .bind(l.reason_code.clone())
        .bind(l.transfer_id.clone())
        .bind(l.batch_id)
        .bind(l.claim_id)
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn insert_bank_report(&mut self, batch_id: i64, r: &BankReport) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO bank_reports (batch_id, message_id, sha256, applied, unchanged, received_at, received_by, \
             conflicts, problems) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(batch_id)
        .bind(r.message_id.clone())
        .bind(r.sha256.clone())
        .bind(r.applied)
        .bind(r.unchanged)
        .bind(r.received_at.unix_micros())
        .bind(r.received_by.clone())
        .bind(r.conflicts)
        .bind(list_text(&r.problems))
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }
}
