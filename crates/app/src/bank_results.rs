//! The bank's results for a batch: a pain.002 status report, or results entered by hand, each
//! applied exactly once, and a treasurer's resolution when the bank contradicts itself.
//!
//! A bank may answer at three levels: for the whole file (group status), for one block of the
//! file (`PmtInfSts` of a `PmtInfId`), or for one payment (`TxSts` of an end-to-end id). A
//! payment's own status wins; otherwise its block's, otherwise the group's (`PART` says nothing
//! about any one payment). A block status applies to the lines of that block and to no other
//! line. A line already resolved is never resolved again by a later report: a contradiction is
//! reported, and the claim waits until a treasurer establishes what happened. End-to-end ids,
//! block ids and status codes the batch does not know are listed back as problems.

use std::collections::HashMap;

use redress_domain::claims::{ClaimKind, ClaimState, Waiting};
use redress_domain::ledger::References;
use redress_domain::orders::PaymentSource;
use redress_domain::payments::{
    bank_status_meaning, reason_needs_new_payee_details, BankStatusMeaning, LineOutcome, LineStatus,
    ResultSource, Settlement,
};
use redress_domain::policy::rules;
use redress_domain::{Amount, FieldError, FieldErrors};
use redress_formats::iso20022::{self, StatusReport, TxStatus};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::accounts::audit_event;
use crate::claims::{FUND_CASH, HOLD_ACCOUNT_ADVANCE, HOLD_ACCOUNT_REPARATION};
use crate::ledger::Movement;
use crate::payments::sha256_hex;
use crate::store::{BankReport, BatchLine, BatchRecord, ClaimEvent, ClaimRecord, OrderPayment, WriteTx};
use crate::{Actor, App, AppError, RequestContext};

/// A result entered by hand.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualResult {
    pub end_to_end_id: String,
    /// `accepted` or `rejected`.
    pub status: String,
    /// The bank's reason code (`AC04`), when it gave one.
    #[serde(default)]
    pub reason_code: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// One line's result as applied now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineResult {
    pub end_to_end_id: String,
    pub claim_id: i64,
    /// `accepted` or `rejected`.
    pub status: String,
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    /// What the claim waits for now (`payee_details` after an account refusal).
    pub waiting_for: Option<String>,
}

/// What applying bank results did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ResultsSummary {
    /// Lines whose result was applied now.
    pub applied: usize,
    /// Lines that already had this result (a re-import).
    pub unchanged: usize,
    /// Lines still waiting for a final status.
    pub pending: usize,
    /// The whole report was imported before: nothing was done.
    pub duplicate: bool,
    /// Results that contradict one already applied (left as they were; the claim waits for a
    /// treasurer's resolution).
    pub conflicts: Vec<String>,
    /// What could not be applied: unknown end-to-end ids, blocks or status codes.
    pub problems: Vec<String>,
    /// The lines resolved now, with the bank's reasons.
    pub results: Vec<LineResult>,
    pub batch_state: String,
}

/// A treasurer's word on a line the bank contradicted itself about.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineResolution {
    /// Whether the money really reached the payee (from the bank statement or the bank).
    pub paid: bool,
    pub reason: String,
}

/// The bank's final word on one line, from a report or by hand.
struct Result1 {
    end_to_end_id: String,
    outcome: LineOutcome,
    reason_code: Option<String>,
    reason: Option<String>,
}

fn reason_code_of(text: &str) -> Option<String> {
    let first = text.split_whitespace().next()?;
    let bytes = first.as_bytes();
    let shaped = bytes.len() == 4
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && bytes[2..].iter().all(u8::is_ascii_digit);
    shaped.then(|| first.to_string())
}

/// Reads what a report says about each line of the batch.
fn results_of_report(
    report: &StatusReport,
    lines: &[BatchLine],
    batch_id: i64,
) -> (Vec<Result1>, usize, Vec<String>) {
    let mut problems = Vec::new();
    let known: HashMap<&str, &BatchLine> = lines.iter().map(|l| (l.end_to_end_id.as_str(), l)).collect();
    for tx in &report.transactions {
        if !known.contains_key(tx.original_end_to_end_id.as_str()) {
            problems.push(format!("unknown_end_to_end_id {}", tx.original_end_to_end_id));
        }
    }
    let blocks: Vec<String> = lines.iter().filter_map(|l| l.method.map(|m| m.block_id(batch_id))).collect();
    for block in &report.payment_infos {
        if !blocks.contains(&block.original_payment_info_id) {
            problems.push(format!("unknown_block {}", block.original_payment_info_id));
        }
    }
    let mut results = Vec::new();
    let mut pending = 0_usize;
    for line in lines {
        let block_id = line.method.map(|m| m.block_id(batch_id));
        let own: Vec<_> =
            report.transactions.iter().filter(|t| t.original_end_to_end_id == line.end_to_end_id).collect();
        let block =
            report.payment_infos.iter().find(|p| Some(&p.original_payment_info_id) == block_id.as_ref());
        let (status, code, text): (Option<&TxStatus>, Option<String>, Option<String>) = if let Some(tx) =
            own.first()
        {
            if own.iter().any(|t| t.status.code() != tx.status.code()) {
                problems.push(format!("contradictory_entries {}", line.end_to_end_id));
                pending = pending.saturating_add(1);
                continue;
            }
            let inherited_reason =
                if tx.status_inherited { block.and_then(|b| b.reason_code.clone()) } else { None };
            (Some(&tx.status), tx.reason_code.clone().or(inherited_reason), tx.reason_text.clone())
        } else if let Some(block) = block.filter(|b| b.status.as_ref().is_some_and(|s| s.code() != "PART")) {
            (block.status.as_ref(), block.reason_code.clone(), block.reason_text.clone())
        } else if let Some(group) = report.group_status.as_ref().filter(|s| s.code() != "PART") {
            (Some(group), report.group_reason_code.clone(), report.group_reason_text.clone())
        } else {
            (None, None, None)
        };
        let Some(status) = status else {
            pending = pending.saturating_add(1);
            continue;
        };
        let outcome = match bank_status_meaning(status.code()) {
            BankStatusMeaning::Paid => LineOutcome::Accepted,
            BankStatusMeaning::NotPaid => LineOutcome::Rejected,
            BankStatusMeaning::Waiting => {
                pending = pending.saturating_add(1);
                continue;
            }
            BankStatusMeaning::Unknown => {
                problems.push(format!("unknown_status_code {} {}", status.code(), line.end_to_end_id));
                pending = pending.saturating_add(1);
                continue;
            }
        };
        let reason = match (&code, &text) {
            (Some(code), Some(text)) => Some(format!("{code} {text}")),
            (Some(code), None) => Some(code.clone()),
            (None, text) => text.clone(),
        };
        results.push(Result1 {
            end_to_end_id: line.end_to_end_id.clone(),
            outcome,
            reason_code: code,
            reason,
        });
    }
    problems.sort();
    problems.dedup();
    (results, pending, problems)
}

fn refs(claim: &ClaimRecord, batch_id: i64) -> References {
    References {
        case: Some(claim.case_id.to_string()),
        order: claim.order_id.map(|o| o.to_string()),
        claim: Some(claim.id.to_string()),
        batch: Some(batch_id.to_string()),
        ..References::default()
    }
}

fn expense_account(claim: &ClaimRecord) -> &'static str {
    if claim.kind == ClaimKind::Advance {
        HOLD_ACCOUNT_ADVANCE
    } else {
        HOLD_ACCOUNT_REPARATION
    }
}

impl App {
    /// Whether a court decision voided what the claim is for: its order's judgment was set
    /// aside, or (an advance) its case ended in an acquittal.
    pub(crate) async fn set_aside(
        &self,
        tx: &mut dyn WriteTx,
        claim: &ClaimRecord,
    ) -> Result<bool, AppError> {
        if let Some(order) = claim.order_id {
            if let Some(order) = tx.order(order).await? {
                let judgment = tx.judgment(order.judgment_id).await?;
                if judgment.and_then(|j| j.outcome).is_some_and(|o| o.sets_aside()) {
                    return Ok(true);
                }
            }
        }
        let case = tx.case(claim.case_id).await?;
        Ok(case.is_some_and(|c| c.stage == redress_domain::cases::Stage::Acquitted))
    }

    /// Notes on a claim that something changed without a change of state.
    pub(crate) async fn note_claim(
        &self,
        tx: &mut dyn WriteTx,
        claim: &ClaimRecord,
        by: &str,
        note: String,
    ) -> Result<(), AppError> {
        tx.update_claim(claim).await?;
        tx.insert_claim_event(
            claim.id,
            &ClaimEvent {
                from_state: Some(claim.state),
                to_state: claim.state,
                at: self.clock.now(),
                by: by.to_string(),
                note: Some(note),
            },
        )
        .await?;
        Ok(())
    }

    /// Records that the fund paid `amount` on the claim (and on its order).
    async fn record_paid(
        &self,
        tx: &mut dyn WriteTx,
        claim: &mut ClaimRecord,
        amount: Amount,
        reference: &str,
        by: &str,
    ) -> Result<(), AppError> {
        claim.paid =
            claim.paid.checked_add(amount).map_err(|_| AppError::Internal("paid overflow".into()))?;
        if let Some(order_id) = claim.order_id {
            let payment = OrderPayment {
                source: PaymentSource::of_claim(claim.kind),
                amount,
                paid_on: self.today().to_string(),
                reference: Some(reference.to_string()),
                recorded_at: self.clock.now(),
                recorded_by: by.to_string(),
            };
            tx.insert_order_payment(order_id, &payment).await?;
        }
        Ok(())
    }

    /// Applies one line's final result inside the caller's transaction.
    async fn settle_line(
        &self,
        tx: &mut dyn WriteTx,
        actor: &Actor,
        batch: &BatchRecord,
        line: &mut BatchLine,
        result: &Result1,
        source: ResultSource,
    ) -> Result<Settlement, AppError> {
        let settlement = line.status.settle(result.outcome);
        let mut claim = tx
            .claim(line.claim_id)
            .await?
            .ok_or_else(|| AppError::Internal("a line without its claim".into()))?;
        let accepted = match settlement {
            Settlement::Unchanged => return Ok(settlement),
            Settlement::Conflict { .. } => {
                claim.waiting_for = Some(Waiting::BankConflict);
                let note =
                    format!("bank_conflict {} {}", line.end_to_end_id, result.outcome.status().as_str());
                self.note_claim(tx, &claim, &actor.username, note).await?;
                return Ok(settlement);
            }
            Settlement::Apply(outcome) => outcome == LineOutcome::Accepted,
        };
        let now = self.clock.now();
        let memo = if accepted { "Pago confirmado por el banco" } else { "Pago rechazado por el banco" };
        let movement = Movement::resolve(
            &line.hold_id,
            accepted,
            line.amount,
            batch.currency,
            refs(&claim, batch.id),
            format!("{memo}, {}", line.end_to_end_id),
        );
        let staged = self.move_money_in(tx, &actor.username, vec![movement], now).await?;
        claim.hold_id = None;
        claim.hold_amount = None;
        if accepted {
            line.transfer_id = staged.first().map(|t| t.id.clone());
        }
        line.status = result.outcome.status();
        line.reason_code = result.reason_code.clone();
        line.reason = result.reason.clone();
        line.resolved_at = Some(now);
        line.resolved_by = Some(actor.username.clone());
        line.result_source = Some(source);
        tx.update_batch_line(line).await?;
        if accepted {
            self.record_paid(tx, &mut claim, line.amount, &line.end_to_end_id, &actor.username).await?;
            let outstanding = self.outstanding(&mut *tx, &claim).await?;
            let next = if outstanding.is_positive() { ClaimState::Approved } else { ClaimState::Paid };
            let note = format!("paid {} ({})", line.amount.format(batch.currency), line.end_to_end_id);
            self.move_claim(tx, &mut claim, next, &actor.username, Some(note)).await?;
        } else {
            if result.reason_code.as_deref().is_some_and(reason_needs_new_payee_details) {
                claim.waiting_for = Some(Waiting::PayeeDetails);
            }
            let note =
                format!("bank_rejected {} {}", line.end_to_end_id, result.reason.clone().unwrap_or_default());
            self.move_claim(tx, &mut claim, ClaimState::Approved, &actor.username, Some(note)).await?;
            if claim.waiting_for == Some(Waiting::CourtDecision) && self.set_aside(&mut *tx, &claim).await? {
                let note = Some("court_decision".to_string());
                self.move_claim(tx, &mut claim, ClaimState::Stopped, &actor.username, note).await?;
            }
        }
        Ok(settlement)
    }

    async fn apply_results(
        &self,
        tx: &mut dyn WriteTx,
        actor: &Actor,
        batch: &mut BatchRecord,
        results: Vec<Result1>,
        source: ResultSource,
    ) -> Result<ResultsSummary, AppError> {
        let mut lines: HashMap<String, BatchLine> =
            tx.batch_lines(batch.id).await?.into_iter().map(|l| (l.end_to_end_id.clone(), l)).collect();
        let mut summary = ResultsSummary::default();
        for result in results {
            let line = lines
                .get_mut(&result.end_to_end_id)
                .ok_or_else(|| AppError::Internal("line vanished".into()))?;
            match self.settle_line(tx, actor, batch, line, &result, source).await? {
                Settlement::Apply(outcome) => {
                    summary.applied = summary.applied.saturating_add(1);
                    let claim = tx.claim(line.claim_id).await?;
                    summary.results.push(LineResult {
                        end_to_end_id: line.end_to_end_id.clone(),
                        claim_id: line.claim_id,
                        status: outcome.status().as_str().to_string(),
                        reason_code: line.reason_code.clone(),
                        reason: line.reason.clone(),
                        waiting_for: claim.and_then(|c| c.waiting_for).map(|w| w.as_str().to_string()),
                    });
                }
                Settlement::Unchanged => summary.unchanged = summary.unchanged.saturating_add(1),
                Settlement::Conflict { had } => summary.conflicts.push(format!(
                    "{}: already {}, now reported {}; left as it was",
                    line.end_to_end_id,
                    had.as_str(),
                    result.outcome.status().as_str()
                )),
            }
        }
        let any_pending = lines.values().any(|l| l.status == LineStatus::Pending);
        summary.pending = lines.values().filter(|l| l.status == LineStatus::Pending).count();
        let next = batch.state.after_results(any_pending);
        if next != batch.state {
            batch.state = next;
            tx.update_batch(batch).await?;
        }
        summary.batch_state = batch.state.as_str().to_string();
        Ok(summary)
    }

    /// Results entered by hand (from the bank's portal or a letter).
    pub async fn record_bank_results(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        results: Vec<ManualResult>,
    ) -> Result<ResultsSummary, AppError> {
        actor.require(rules::APPROVE_PAYMENTS)?;
        let parsed = parse_manual(results)?;
        let mut tx = self.store.write().await?;
        let mut batch = self.batch_record(&mut *tx, id).await?;
        Self::not_the_proposer(actor, &batch, "record its bank results")?;
        batch.state.accepts_results().map_err(AppError::Conflict)?;
        let known: Vec<String> = tx.batch_lines(id).await?.into_iter().map(|l| l.end_to_end_id).collect();
        let mut errors = FieldErrors::new();
        for (index, result) in parsed.iter().enumerate() {
            if !known.contains(&result.end_to_end_id) {
                errors.push(FieldError::new(
                    format!("results[{index}].end_to_end_id"),
                    format!("{} is not in this batch", result.end_to_end_id),
                ));
            }
        }
        errors.into_result()?;
        let summary = self.apply_results(&mut *tx, actor, &mut batch, parsed, ResultSource::Manual).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            self.clock.now(),
            "batch.results",
            Some(("batch", id.to_string())),
            json!({"source": "manual", "applied": summary.applied, "unchanged": summary.unchanged,
                   "conflicts": summary.conflicts.len()}),
        ))
        .await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Imports the bank's pain.002 status report for a batch. The same file twice changes
    /// nothing; a different report with results already applied leaves those lines as they are.
    pub async fn import_status_report(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        xml: &str,
    ) -> Result<ResultsSummary, AppError> {
        actor.require(rules::APPROVE_PAYMENTS)?;
        let report: StatusReport = iso20022::parse_pain002(xml)
            .map_err(|e| AppError::Invalid(FieldError::new("report", e.to_string()).into()))?;
        let hash = sha256_hex(xml.as_bytes());
        let mut tx = self.store.write().await?;
        let mut batch = self.batch_record(&mut *tx, id).await?;
        Self::not_the_proposer(actor, &batch, "record its bank results")?;
        batch.state.accepts_results().map_err(AppError::Conflict)?;
        if batch.message_id.as_deref() != Some(report.original_message_id.as_str()) {
            return Err(FieldError::new(
                "report",
                format!(
                    "reports on message {}, but this batch's bank file is {}",
                    report.original_message_id,
                    batch.message_id.as_deref().unwrap_or("not exported yet")
                ),
            )
            .into());
        }
        if tx.bank_reports(id).await?.iter().any(|r| r.sha256 == hash) {
            return Ok(ResultsSummary {
                duplicate: true,
                batch_state: batch.state.as_str().to_string(),
                ..ResultsSummary::default()
            });
        }
        let lines = tx.batch_lines(id).await?;
        let (results, _, problems) = results_of_report(&report, &lines, id);
        let mut summary =
            self.apply_results(&mut *tx, actor, &mut batch, results, ResultSource::Pain002).await?;
        summary.problems = problems;
        let now = self.clock.now();
        let stored = BankReport {
            message_id: report.message_id.clone(),
            sha256: hash.clone(),
            applied: i64::try_from(summary.applied).unwrap_or(i64::MAX),
            unchanged: i64::try_from(summary.unchanged).unwrap_or(i64::MAX),
            conflicts: i64::try_from(summary.conflicts.len()).unwrap_or(i64::MAX),
            problems: summary.problems.clone(),
            received_at: now,
            received_by: actor.username.clone(),
        };
        tx.insert_bank_report(id, &stored).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "batch.results",
            Some(("batch", id.to_string())),
            json!({"source": "pain.002", "message_id": report.message_id, "sha256": hash,
                   "applied": summary.applied, "unchanged": summary.unchanged,
                   "conflicts": summary.conflicts.len(), "problems": summary.problems.len()}),
        ))
        .await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// A treasurer settles a line the bank contradicted itself about, from the bank statement
    /// or the bank's word. A rejected line that was paid after all is recorded as paid (a
    /// posted transfer; a newer hold on the claim is released so it cannot be paid twice). An
    /// accepted line whose money came back is recorded as returned, and the claim then waits for
    /// the payee's details (the account returned it). Either way it stops waiting on the bank.
    /// Confirming what was recorded only stops the wait.
    pub async fn resolve_bank_line(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        end_to_end_id: &str,
        resolution: LineResolution,
    ) -> Result<ResultsSummary, AppError> {
        actor.require(rules::APPROVE_PAYMENTS)?;
        let reason = crate::claims::one_line("reason", Some(&resolution.reason), 500)?
            .ok_or_else(|| FieldError::new("reason", "a resolution states its reason"))?;
        let mut tx = self.store.write().await?;
        let mut batch = self.batch_record(&mut *tx, id).await?;
        Self::not_the_proposer(actor, &batch, "record its bank results")?;
        let mut line = tx
            .batch_lines(id)
            .await?
            .into_iter()
            .find(|l| l.end_to_end_id == end_to_end_id.trim())
            .ok_or_else(|| AppError::NotFound(format!("{end_to_end_id} is not in batch {id}")))?;
        let mut claim = tx
            .claim(line.claim_id)
            .await?
            .ok_or_else(|| AppError::Internal("a line without its claim".into()))?;
        if claim.waiting_for != Some(Waiting::BankConflict) {
            return Err(AppError::Conflict(FieldError::new(
                "end_to_end_id",
                "the bank reported nothing contradictory on this line",
            )));
        }
        let now = self.clock.now();
        let was = line.status;
        match (line.status, resolution.paid) {
            (LineStatus::Rejected, true) => {
                self.paid_after_all(&mut *tx, actor, &batch, &mut line, &mut claim).await?
            }
            (LineStatus::Accepted, false) => {
                self.returned_after_all(&mut *tx, actor, &batch, &mut line, &mut claim).await?
            }
            _ => {}
        }
        // It no longer waits on the bank; a returned payment now waits for the payee's details.
        if claim.waiting_for == Some(Waiting::BankConflict) {
            claim.waiting_for = None;
        }
        self.note_claim(
            &mut *tx,
            &claim,
            &actor.username,
            format!("bank_conflict_resolved {}", line.end_to_end_id),
        )
        .await?;
        tx.update_batch_line(&line).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "batch.line_resolve",
            Some(("batch", id.to_string())),
            json!({"end_to_end_id": line.end_to_end_id, "was": was.as_str(), "now": line.status.as_str(),
                   "paid": resolution.paid, "reason": reason}),
        ))
        .await?;
        let lines = tx.batch_lines(id).await?;
        batch.state = batch.state.after_results(lines.iter().any(|l| l.status == LineStatus::Pending));
        tx.update_batch(&batch).await?;
        tx.commit().await?;
        Ok(ResultsSummary {
            applied: 1,
            batch_state: batch.state.as_str().to_string(),
            ..ResultsSummary::default()
        })
    }

    async fn paid_after_all(
        &self,
        tx: &mut dyn WriteTx,
        actor: &Actor,
        batch: &BatchRecord,
        line: &mut BatchLine,
        claim: &mut ClaimRecord,
    ) -> Result<(), AppError> {
        let now = self.clock.now();
        let mut movements = Vec::new();
        if let (ClaimState::Allocated, Some(hold), Some(amount)) =
            (claim.state, claim.hold_id.clone(), claim.hold_amount)
        {
            let memo = format!("Reserva liberada: el banco pagó {} después de todo", line.end_to_end_id);
            movements.push(Movement::resolve(
                &hold,
                false,
                amount,
                batch.currency,
                refs(claim, batch.id),
                memo,
            ));
        } else if claim.state == ClaimState::InBatch {
            return Err(AppError::Conflict(FieldError::new(
                "end_to_end_id",
                "the claim is in a newer batch: record that batch's result first",
            )));
        }
        movements.push(Movement::single(
            expense_account(claim),
            FUND_CASH,
            line.amount,
            batch.currency,
            refs(claim, batch.id),
            format!("Pago confirmado por el banco tras un rechazo, {}", line.end_to_end_id),
        )?);
        let staged = self.move_money_in(tx, &actor.username, movements, now).await?;
        line.transfer_id = staged.last().map(|t| t.id.clone());
        if claim.state == ClaimState::Allocated {
            claim.hold_id = None;
            claim.hold_amount = None;
            self.move_claim(tx, claim, ClaimState::Approved, &actor.username, Some("hold_released".into()))
                .await?;
        }
        line.status = LineStatus::Accepted;
        line.result_source = Some(ResultSource::Correction);
        line.resolved_at = Some(now);
        line.resolved_by = Some(actor.username.clone());
        self.record_paid(tx, claim, line.amount, &line.end_to_end_id, &actor.username).await?;
        if claim.state == ClaimState::Approved && !self.outstanding(&mut *tx, claim).await?.is_positive() {
            let note = format!("paid {} ({})", line.amount.format(batch.currency), line.end_to_end_id);
            self.move_claim(tx, claim, ClaimState::Paid, &actor.username, Some(note)).await?;
        }
        Ok(())
    }

    async fn returned_after_all(
        &self,
        tx: &mut dyn WriteTx,
        actor: &Actor,
        batch: &BatchRecord,
        line: &mut BatchLine,
        claim: &mut ClaimRecord,
    ) -> Result<(), AppError> {
        let now = self.clock.now();
        let movement = Movement::single(
            FUND_CASH,
            expense_account(claim),
            line.amount,
            batch.currency,
            refs(claim, batch.id),
            format!("Pago devuelto por el banco, {}", line.end_to_end_id),
        )?;
        self.move_money_in(tx, &actor.username, vec![movement], now).await?;
        claim.paid =
            claim.paid.checked_sub(line.amount).map_err(|_| AppError::Internal("paid underflow".into()))?;
        if let Some(order_id) = claim.order_id {
            let payment = OrderPayment {
                source: PaymentSource::of_claim(claim.kind),
                amount: line.amount.checked_neg()?,
                paid_on: self.today().to_string(),
                reference: Some(format!("returned {}", line.end_to_end_id)),
                recorded_at: now,
                recorded_by: actor.username.clone(),
            };
            tx.insert_order_payment(order_id, &payment).await?;
        }
        line.status = LineStatus::Rejected;
        line.result_source = Some(ResultSource::Correction);
        line.resolved_at = Some(now);
        line.resolved_by = Some(actor.username.clone());
        // The money came back: the claim is owed again, and whoever checks why (usually the
        // account) must confirm the payee's details before it is paid again.
        claim.waiting_for = Some(Waiting::PayeeDetails);
        if claim.state == ClaimState::Paid {
            let note = Some(format!("returned {}", line.end_to_end_id));
            self.move_claim(tx, claim, ClaimState::Approved, &actor.username, note).await?;
        }
        Ok(())
    }
}

fn parse_manual(results: Vec<ManualResult>) -> Result<Vec<Result1>, AppError> {
    if results.is_empty() {
        return Err(FieldError::new("results", "at least one result is required").into());
    }
    let mut errors = FieldErrors::new();
    let mut parsed = Vec::new();
    for (index, result) in results.into_iter().enumerate() {
        let outcome = match result.status.as_str() {
            "accepted" => Some(LineOutcome::Accepted),
            "rejected" => Some(LineOutcome::Rejected),
            _ => {
                errors.push(FieldError::new(
                    format!("results[{index}].status"),
                    "must be accepted or rejected",
                ));
                None
            }
        };
        let reason = errors
            .check(crate::claims::one_line(
                &format!("results[{index}].reason"),
                result.reason.as_deref(),
                200,
            ))
            .flatten();
        let code = match result.reason_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) if code.len() == 4 && code.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                Some(code.to_ascii_uppercase())
            }
            Some(_) => {
                errors.push(FieldError::new(
                    format!("results[{index}].reason_code"),
                    "must be a 4-character ISO 20022 reason code such as AC04",
                ));
                None
            }
            None => reason.as_deref().and_then(reason_code_of),
        };
        if outcome == Some(LineOutcome::Rejected) && reason.is_none() && code.is_none() {
            errors.push(FieldError::new(
                format!("results[{index}].reason"),
                "a rejection states the bank's reason",
            ));
        }
        if let Some(outcome) = outcome {
            parsed.push(Result1 {
                end_to_end_id: result.end_to_end_id.trim().to_string(),
                outcome,
                reason_code: code,
                reason,
            });
        }
    }
    errors.into_result()?;
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_code_is_read_from_the_start_of_a_reason() {
        assert_eq!(reason_code_of("AC04 cuenta cerrada").as_deref(), Some("AC04"));
        assert_eq!(reason_code_of("cuenta cerrada"), None);
        assert_eq!(reason_code_of("RJCT"), None);
    }
}
