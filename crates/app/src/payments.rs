//! Payment batches: proposed from a committed round by a fund officer, approved by a treasurer
//! who is not the proposer, exported as ISO 20022 pain.001.001.09, and settled by the bank's
//! results (a pain.002 status report or results entered by hand), each applied exactly once.
//! Also the payment receipt and recoveries from the convicted (subrogation).

use std::collections::HashMap;

use redress_domain::cases::parse_past_date;
use redress_domain::claims::{add_working_days, ClaimState};
use redress_domain::ledger::References;
use redress_domain::policy::rules;
use redress_domain::victims::Identity;
use redress_domain::{Amount, FieldError, FieldErrors, Timestamp};
use redress_formats::iso20022::{
    self, AccountId, CreditTransfer, Initiation, Method, Party, PaymentBlock, StatusReport, TxStatus,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::Date;
use utoipa::ToSchema;

use crate::accounts::{audit_event, page};
use crate::claims::{new_transfer_id, FUND_CASH};
use crate::ledger::{TransferOutcome, TransferRequest};
use crate::store::{BankReport, BatchLine, BatchRecord, OrderPayment, ReadTx, WriteTx};
use crate::{Actor, App, AppError, RequestContext};

/// Status codes that mean the bank paid (settled, or settlement in process at the debtor's
/// bank). Technical acceptances (ACCP, ACTC) and pending codes change nothing.
const PAID_CODES: [&str; 4] = ["ACSC", "ACCC", "ACSP", "ACWC"];

/// Who is paid, frozen (and sealed) when the treasurer approves the batch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Payee {
    /// The legal representative when there is one (minors), otherwise the victim.
    name: String,
    /// The victim, when someone else is the payee.
    ultimate_creditor: Option<String>,
    /// The account as registered (spaces and dashes removed), if any.
    account: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchLineView {
    pub claim_id: i64,
    pub victim: String,
    pub amount: String,
    pub end_to_end_id: String,
    /// `transfer` or `cheque` (known once approved).
    pub method: Option<String>,
    /// `pending`, `accepted` or `rejected`.
    pub status: String,
    pub reason: Option<String>,
    pub result_source: Option<String>,
    #[schema(value_type = Option<String>)]
    pub resolved_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchView {
    pub id: i64,
    pub round_id: i64,
    pub currency: String,
    /// `proposed`, `approved`, `exported` or `closed`.
    pub state: String,
    pub execution_date: String,
    pub total: String,
    pub proposed_by: String,
    #[schema(value_type = String)]
    pub proposed_at: Timestamp,
    pub approved_by: Option<String>,
    #[schema(value_type = Option<String>)]
    pub approved_at: Option<Timestamp>,
    pub message_id: Option<String>,
    /// SHA-256 of the exported pain.001 file.
    pub file_sha256: Option<String>,
    pub lines: Vec<BatchLineView>,
    pub bank_reports: Vec<BankReport>,
}

/// A result entered by hand.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualResult {
    pub end_to_end_id: String,
    /// `accepted` or `rejected`.
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
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
    /// Results that contradict one already applied (left as they were).
    pub conflicts: Vec<String>,
    pub batch_state: String,
}

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

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn clean_account(raw: &str) -> String {
    raw.chars().filter(|c| !matches!(c, ' ' | '-' | '.')).collect::<String>().to_ascii_uppercase()
}

/// An IBAN (two letters, two digits, up to 30 more), Peru's 20-digit CCI, or another id.
fn account_id(account: &str) -> AccountId {
    let bytes = account.as_bytes();
    let iban_like = bytes.len() >= 15
        && bytes.len() <= 34
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && bytes[2..4].iter().all(u8::is_ascii_digit);
    if iban_like {
        AccountId::Iban(account.to_string())
    } else if bytes.len() == 20 && bytes.iter().all(u8::is_ascii_digit) {
        AccountId::Other { id: account.to_string(), scheme: Some("CCI".to_string()) }
    } else {
        AccountId::Other { id: account.to_string(), scheme: None }
    }
}

fn usable_account(account: &str) -> bool {
    (5..=34).contains(&account.len()) && account.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Unique: a round has at most one batch, and a claim at most one line per round.
fn end_to_end_id(round_id: i64, claim_id: i64) -> String {
    format!("RDR-R{round_id}-C{claim_id}")
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

impl App {
    async fn batch_view(&self, tx: &mut dyn ReadTx, id: i64) -> Result<BatchView, AppError> {
        let batch = tx.batch(id).await?.ok_or_else(|| AppError::NotFound(format!("no batch has id {id}")))?;
        let lines = tx.batch_lines(id).await?;
        let mut views = Vec::with_capacity(lines.len());
        for line in lines {
            let claim = tx.claim(line.claim_id).await?;
            views.push(BatchLineView {
                claim_id: line.claim_id,
                victim: claim.map(|c| c.victim_code).unwrap_or_default(),
                amount: line.amount.format(batch.currency),
                end_to_end_id: line.end_to_end_id.clone(),
                method: None,
                status: line.status.clone(),
                reason: line.reason.clone(),
                result_source: line.result_source.clone(),
                resolved_at: line.resolved_at,
            });
        }
        Ok(BatchView {
            id: batch.id,
            round_id: batch.round_id,
            currency: batch.currency.code().to_string(),
            state: batch.state.clone(),
            execution_date: batch.execution_date.clone(),
            total: batch.total.format(batch.currency),
            proposed_by: batch.proposed_by.clone(),
            proposed_at: batch.proposed_at,
            approved_by: batch.approved_by.clone(),
            approved_at: batch.approved_at,
            message_id: batch.message_id.clone(),
            file_sha256: batch.file_sha256.clone(),
            lines: views,
            bank_reports: tx.bank_reports(id).await?,
        })
    }

    pub async fn batch(&self, actor: &Actor, id: i64) -> Result<BatchView, AppError> {
        actor.require(rules::READ_PAYMENTS)?;
        let mut tx = self.store.read().await?;
        self.batch_view(&mut *tx, id).await
    }

    pub async fn batches(
        &self,
        actor: &Actor,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<BatchView>, AppError> {
        actor.require(rules::READ_PAYMENTS)?;
        let page = page(after, limit)?;
        let mut tx = self.store.read().await?;
        let ids: Vec<i64> = tx.batches(page).await?.iter().map(|b| b.id).collect();
        let mut views = Vec::with_capacity(ids.len());
        for id in ids {
            views.push(self.batch_view(&mut *tx, id).await?);
        }
        Ok(views)
    }

    /// Proposes a payment batch from a committed round: one line per claim the round placed a
    /// hold for. `execution_date` (default: the next working day) must not be in the past.
    pub async fn propose_batch(
        &self,
        actor: &Actor,
        context: &RequestContext,
        round_id: i64,
        execution_date: Option<&str>,
    ) -> Result<BatchView, AppError> {
        actor.require(rules::DECIDE_CLAIMS)?;
        let today = self.today();
        let execution_date = match execution_date {
            Some(text) => {
                let date = redress_domain::cases::parse_date("execution_date", text)?;
                if date < today {
                    return Err(FieldError::new("execution_date", "must not be in the past").into());
                }
                date
            }
            None => add_working_days(today, 1),
        };
        let mut tx = self.store.write().await?;
        let round = tx
            .round(round_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no round has id {round_id}")))?;
        if let Some(existing) = tx.batch_of_round(round_id).await? {
            return Err(AppError::Conflict(FieldError::new(
                "round_id",
                format!("round {round_id} already has batch {}", existing.id),
            )));
        }
        let now = self.clock.now();
        let mut lines = Vec::new();
        let mut claims = Vec::new();
        for line in tx.round_lines(round_id).await?.into_iter().filter(|l| l.amount.is_positive()) {
            let Some(claim) = tx.claim(line.claim_id).await? else { continue };
            // A claim whose hold was released since (or that moved on) is left out.
            if claim.state != ClaimState::Allocated.as_str() || claim.hold_id != line.hold_id {
                continue;
            }
            let Some(hold_id) = line.hold_id.clone() else { continue };
            lines.push(BatchLine {
                batch_id: 0,
                claim_id: claim.id,
                amount: line.amount,
                hold_id,
                end_to_end_id: end_to_end_id(round_id, claim.id),
                payee: None,
                status: "pending".into(),
                reason: None,
                resolved_at: None,
                resolved_by: None,
                result_source: None,
            });
            claims.push(claim);
        }
        if lines.is_empty() {
            return Err(AppError::Conflict(FieldError::new(
                "round_id",
                "no line of this round is waiting for payment",
            )));
        }
        let total = Amount(lines.iter().map(|l| l.amount.0).sum());
        let batch = BatchRecord {
            id: 0,
            round_id,
            currency: round.currency,
            state: "proposed".into(),
            execution_date: execution_date.to_string(),
            total,
            proposed_at: now,
            proposed_by: actor.username.clone(),
            approved_at: None,
            approved_by: None,
            message_id: None,
            file_sha256: None,
            exported_at: None,
            exported_by: None,
        };
        let id = tx.insert_batch(&batch, &lines).await?;
        for mut claim in claims {
            self.move_claim(
                &mut *tx,
                &mut claim,
                ClaimState::InBatch,
                &actor.username,
                Some(format!("batch {id}")),
            )
            .await?;
        }
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "batch.propose",
            Some(("batch", id.to_string())),
            json!({"round_id": round_id, "lines": lines.len(), "total": total.format(round.currency)}),
        ))
        .await?;
        let view = self.batch_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// A treasurer approves a proposed batch. The proposer can never approve it (maker-checker,
    /// enforced here whatever roles the proposer holds). The payees are frozen and sealed now,
    /// so that the bank file exported later is the one approved.
    pub async fn approve_batch(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
    ) -> Result<BatchView, AppError> {
        actor.require(rules::APPROVE_PAYMENTS)?;
        let keys = self.key_ring()?;
        let mut tx = self.store.write().await?;
        let mut batch =
            tx.batch(id).await?.ok_or_else(|| AppError::NotFound(format!("no batch has id {id}")))?;
        if batch.proposed_by == actor.username {
            return Err(AppError::Refused(FieldError::new(
                "approved_by",
                "the person who proposed a batch cannot approve it: another treasurer must",
            )));
        }
        if batch.state != "proposed" {
            return Err(AppError::Conflict(FieldError::new(
                "state",
                format!("the batch is {}; only a proposed batch can be approved", batch.state),
            )));
        }
        let now = self.clock.now();
        let mut victims = Vec::new();
        for mut line in tx.batch_lines(id).await? {
            let claim = tx
                .claim(line.claim_id)
                .await?
                .ok_or_else(|| AppError::Internal("a line without its claim".into()))?;
            let victim = tx
                .victim(&claim.victim_code)
                .await?
                .ok_or_else(|| AppError::Internal("a claim without its victim".into()))?;
            let plain = keys.open(&victim.identity, &victim.code)?;
            let identity: Identity = serde_json::from_slice(&plain)
                .map_err(|_| AppError::Internal("a sealed identity is malformed".into()))?;
            let victim_name = format!("{} {}", identity.given_names, identity.surnames);
            let representative = identity.legal_representative.clone().filter(|r| !r.trim().is_empty());
            let payee = Payee {
                name: representative.clone().unwrap_or_else(|| victim_name.clone()),
                ultimate_creditor: representative.map(|_| victim_name),
                account: identity.bank_account.as_deref().map(clean_account).filter(|a| usable_account(a)),
            };
            let text = serde_json::to_vec(&payee).map_err(|e| AppError::Internal(e.to_string()))?;
            line.payee = Some(keys.seal(&text, &line.end_to_end_id)?);
            tx.update_batch_line(&line).await?;
            victims.push(victim.code);
        }
        batch.state = "approved".into();
        batch.approved_at = Some(now);
        batch.approved_by = Some(actor.username.clone());
        batch.message_id = Some(format!("REDRESS-B{id}"));
        tx.update_batch(&batch).await?;
        let mut event = audit_event(
            actor,
            context,
            now,
            "batch.approve",
            Some(("batch", id.to_string())),
            json!({"total": batch.total.format(batch.currency), "payees_read": victims}),
        );
        event.purpose = Some("payment".into());
        tx.append_audit(event).await?;
        let view = self.batch_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// The bank file (pain.001.001.09) of an approved batch, with its file name. The first
    /// export stores the file's SHA-256; every later export regenerates the same bytes from the
    /// payees frozen at approval, and is checked against it.
    pub async fn export_batch(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
    ) -> Result<(String, String), AppError> {
        actor.require(rules::APPROVE_PAYMENTS)?;
        let keys = self.key_ring()?;
        let Some(fund_account) = self.settings.fund.bank_account.clone() else {
            return Err(AppError::Conflict(FieldError::new(
                "fund.bank_account",
                "the fund's bank account is not configured: set fund.bank_account (REDRESS_FUND__BANK_ACCOUNT)",
            )));
        };
        let mut tx = self.store.write().await?;
        let mut batch =
            tx.batch(id).await?.ok_or_else(|| AppError::NotFound(format!("no batch has id {id}")))?;
        if batch.state == "proposed" {
            return Err(AppError::Conflict(FieldError::new("state", "the batch is not approved yet")));
        }
        let (Some(approved_at), Some(message_id)) = (batch.approved_at, batch.message_id.clone()) else {
            return Err(AppError::Internal("an approved batch without approval data".into()));
        };
        let lines = tx.batch_lines(id).await?;
        let mut transfers = Vec::new();
        let mut cheques = Vec::new();
        for line in &lines {
            let sealed =
                line.payee.as_deref().ok_or_else(|| AppError::Internal("a line without its payee".into()))?;
            let payee: Payee = serde_json::from_slice(&keys.open(sealed, &line.end_to_end_id)?)
                .map_err(|_| AppError::Internal("a sealed payee is malformed".into()))?;
            let claim = tx
                .claim(line.claim_id)
                .await?
                .ok_or_else(|| AppError::Internal("a line without its claim".into()))?;
            let remittance = match claim.order_id {
                Some(order) => format!("Reparacion civil - reclamo {} - orden {}", claim.id, order),
                None => format!("Adelanto de reparacion - reclamo {}", claim.id),
            };
            let transfer = CreditTransfer {
                end_to_end_id: line.end_to_end_id.clone(),
                instruction_id: format!("B{id}-C{}", line.claim_id),
                amount: line.amount,
                creditor: Party {
                    name: payee.name.clone(),
                    account: payee.account.as_deref().map(account_id),
                    agent_bic: None,
                },
                ultimate_creditor: payee.ultimate_creditor.clone(),
                remittance,
            };
            if payee.account.is_some() {
                transfers.push(transfer);
            } else {
                cheques.push(transfer);
            }
        }
        let execution = redress_domain::cases::parse_date("execution_date", &batch.execution_date)?;
        let mut blocks = Vec::new();
        if !transfers.is_empty() {
            blocks.push(PaymentBlock {
                id: format!("B{id}-TRF"),
                method: Method::Transfer,
                requested_execution_date: execution,
                transactions: transfers,
            });
        }
        if !cheques.is_empty() {
            blocks.push(PaymentBlock {
                id: format!("B{id}-CHQ"),
                method: Method::Cheque,
                requested_execution_date: execution,
                transactions: cheques,
            });
        }
        let initiation = Initiation {
            message_id: message_id.clone(),
            created_at: approved_at.to_datetime(),
            initiating_party: self.settings.fund.name.clone(),
            debtor: Party {
                name: self.settings.fund.name.clone(),
                account: Some(account_id(&clean_account(&fund_account))),
                agent_bic: self.settings.fund.bank_bic.clone(),
            },
            currency: batch.currency,
            blocks,
        };
        let xml = iso20022::write_pain001(&initiation)
            .map_err(|e| AppError::Invalid(FieldError::from(e).into()))?;
        let hash = sha256_hex(xml.as_bytes());
        let now = self.clock.now();
        match &batch.file_sha256 {
            Some(stored) if *stored != hash => {
                return Err(AppError::Internal(format!(
                    "batch {id}: the regenerated bank file differs from the one exported ({stored})"
                )))
            }
            Some(_) => {}
            None => {
                batch.file_sha256 = Some(hash.clone());
                batch.exported_at = Some(now);
                batch.exported_by = Some(actor.username.clone());
                batch.state = "exported".into();
                tx.update_batch(&batch).await?;
            }
        }
        let mut event = audit_event(
            actor,
            context,
            now,
            "batch.export",
            Some(("batch", id.to_string())),
            json!({"sha256": hash, "lines": lines.len()}),
        );
        event.purpose = Some("payment".into());
        tx.append_audit(event).await?;
        tx.commit().await?;
        Ok((format!("{message_id}.pain.001.xml"), xml))
    }

    /// Applies one line's final result inside the caller's transaction. Returns `true` when it
    /// changed something, `false` when the line already had this result; a contradicting result
    /// is an error string.
    async fn settle_line(
        &self,
        tx: &mut dyn WriteTx,
        actor: &Actor,
        batch: &BatchRecord,
        line: &mut BatchLine,
        (accepted, reason): (bool, Option<String>),
        source: &str,
    ) -> Result<Result<bool, String>, AppError> {
        let wanted = if accepted { "accepted" } else { "rejected" };
        if line.status == wanted {
            return Ok(Ok(false));
        }
        if line.status != "pending" {
            return Ok(Err(format!(
                "{}: already {}, now reported {}; left as it was",
                line.end_to_end_id, line.status, wanted
            )));
        }
        let now = self.clock.now();
        let mut claim = tx
            .claim(line.claim_id)
            .await?
            .ok_or_else(|| AppError::Internal("a line without its claim".into()))?;
        let request = TransferRequest {
            id: new_transfer_id(),
            kind: Some(if accepted { "post_pending" } else { "void_pending" }.into()),
            pending_id: Some(line.hold_id.clone()),
            amount: line.amount.format(batch.currency),
            currency: batch.currency.code().to_string(),
            references: References {
                case: Some(claim.case_id.to_string()),
                order: claim.order_id.map(|o| o.to_string()),
                claim: Some(claim.id.to_string()),
                batch: Some(batch.id.to_string()),
                ..References::default()
            },
            memo: Some(if accepted {
                format!("Pago confirmado por el banco, {}", line.end_to_end_id)
            } else {
                format!("Pago rechazado por el banco, {}", line.end_to_end_id)
            }),
            ..TransferRequest::default()
        };
        let (outcomes, _) = self.apply_transfers_in(tx, &actor.username, &[request], now).await?;
        if let Some(TransferOutcome::Failed { errors, .. }) = outcomes.first() {
            return Err(AppError::Invalid(errors.clone()));
        }
        claim.hold_id = None;
        claim.hold_amount = None;
        line.status = wanted.to_string();
        line.reason = reason.clone();
        line.resolved_at = Some(now);
        line.resolved_by = Some(actor.username.clone());
        line.result_source = Some(source.to_string());
        tx.update_batch_line(line).await?;
        if accepted {
            claim.paid = Amount(claim.paid.0 + line.amount.0);
            if let Some(order_id) = claim.order_id {
                tx.insert_order_payment(
                    order_id,
                    &OrderPayment {
                        source: if claim.kind == "advance" { "advance" } else { "fund" }.into(),
                        amount: line.amount,
                        paid_on: now.to_datetime().date().to_string(),
                        reference: Some(line.end_to_end_id.clone()),
                        recorded_at: now,
                        recorded_by: actor.username.clone(),
                    },
                )
                .await?;
            }
            let outstanding = self.outstanding(&mut *tx, &claim).await?;
            let next = if outstanding.is_positive() { ClaimState::Approved } else { ClaimState::Paid };
            let note = format!("paid {} ({})", line.amount.format(batch.currency), line.end_to_end_id);
            self.move_claim(tx, &mut claim, next, &actor.username, Some(note)).await?;
        } else {
            let note = format!(
                "the bank rejected {}: {}; back in the queue",
                line.end_to_end_id,
                reason.unwrap_or_else(|| "no reason given".into())
            );
            self.move_claim(tx, &mut claim, ClaimState::Approved, &actor.username, Some(note)).await?;
        }
        Ok(Ok(true))
    }

    async fn apply_results(
        &self,
        tx: &mut dyn WriteTx,
        actor: &Actor,
        batch: &mut BatchRecord,
        results: Vec<(String, Option<bool>, Option<String>)>,
        source: &str,
    ) -> Result<ResultsSummary, AppError> {
        if !matches!(batch.state.as_str(), "exported" | "closed") {
            return Err(AppError::Conflict(FieldError::new(
                "state",
                format!("the batch is {}: results come after its bank file was exported", batch.state),
            )));
        }
        let mut lines: HashMap<String, BatchLine> =
            tx.batch_lines(batch.id).await?.into_iter().map(|l| (l.end_to_end_id.clone(), l)).collect();
        let mut errors = FieldErrors::new();
        for (index, (e2e, _, _)) in results.iter().enumerate() {
            if !lines.contains_key(e2e) {
                errors.push(FieldError::new(
                    format!("results[{index}].end_to_end_id"),
                    format!("{e2e} is not in this batch"),
                ));
            }
        }
        errors.into_result()?;
        let mut summary = ResultsSummary::default();
        for (e2e, status, reason) in results {
            let Some(accepted) = status else {
                summary.pending += 1;
                continue;
            };
            let line = lines.get_mut(&e2e).ok_or_else(|| AppError::Internal("line vanished".into()))?;
            match self.settle_line(tx, actor, batch, line, (accepted, reason), source).await? {
                Ok(true) => summary.applied += 1,
                Ok(false) => summary.unchanged += 1,
                Err(conflict) => summary.conflicts.push(conflict),
            }
        }
        if lines.values().all(|l| l.status != "pending") && batch.state != "closed" {
            batch.state = "closed".into();
            tx.update_batch(batch).await?;
        }
        summary.batch_state = batch.state.clone();
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
        if results.is_empty() {
            return Err(FieldError::new("results", "at least one result is required").into());
        }
        let mut errors = FieldErrors::new();
        let mut parsed = Vec::new();
        for (index, result) in results.into_iter().enumerate() {
            let accepted = match result.status.as_str() {
                "accepted" => Some(true),
                "rejected" => Some(false),
                _ => {
                    errors.push(FieldError::new(
                        format!("results[{index}].status"),
                        "must be accepted or rejected",
                    ));
                    None
                }
            };
            let reason = match result.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
                Some(r)
                    if r.chars().count() <= 200 && !r.chars().any(redress_domain::user::is_hidden_char) =>
                {
                    Some(r.to_string())
                }
                Some(_) => {
                    errors.push(FieldError::new(
                        format!("results[{index}].reason"),
                        "must be one line of at most 200 characters",
                    ));
                    None
                }
                None if accepted == Some(false) => {
                    errors.push(FieldError::new(
                        format!("results[{index}].reason"),
                        "a rejection states the bank's reason",
                    ));
                    None
                }
                None => None,
            };
            parsed.push((result.end_to_end_id.trim().to_string(), accepted, reason));
        }
        errors.into_result()?;
        let mut tx = self.store.write().await?;
        let mut batch =
            tx.batch(id).await?.ok_or_else(|| AppError::NotFound(format!("no batch has id {id}")))?;
        let summary = self.apply_results(&mut *tx, actor, &mut batch, parsed, "manual").await?;
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
        let mut batch =
            tx.batch(id).await?.ok_or_else(|| AppError::NotFound(format!("no batch has id {id}")))?;
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
                batch_state: batch.state,
                ..ResultsSummary::default()
            });
        }
        let lines = tx.batch_lines(id).await?;
        let blocks = [format!("B{id}-TRF"), format!("B{id}-CHQ")];
        let mut results = Vec::new();
        for line in &lines {
            // The line's own entry wherever the bank put it, else its block's or the group's.
            let status = report
                .transactions
                .iter()
                .find(|t| t.original_end_to_end_id == line.end_to_end_id)
                .map(|t| t.status.clone())
                .or_else(|| {
                    blocks.iter().find_map(|block| report.status_for(block, &line.end_to_end_id)).cloned()
                });
            let Some(status) = status else { continue };
            let reason = report
                .transactions
                .iter()
                .find(|t| t.original_end_to_end_id == line.end_to_end_id)
                .and_then(|t| t.reason_code.clone().or(t.reason_text.clone()))
                .or(report.group_reason_code.clone());
            let outcome = match &status {
                TxStatus::Accepted(code) if PAID_CODES.contains(&code.as_str()) => Some(true),
                TxStatus::Rejected(_) => Some(false),
                _ => None,
            };
            results.push((
                line.end_to_end_id.clone(),
                outcome,
                reason.map(|r| format!("{} {}", status.code(), r)),
            ));
        }
        let summary = self.apply_results(&mut *tx, actor, &mut batch, results, "pain.002").await?;
        let now = self.clock.now();
        tx.insert_bank_report(
            id,
            &BankReport {
                message_id: report.message_id.clone(),
                sha256: hash.clone(),
                applied: summary.applied as i64,
                unchanged: summary.unchanged as i64,
                received_at: now,
                received_by: actor.username.clone(),
            },
        )
        .await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "batch.results",
            Some(("batch", id.to_string())),
            json!({"source": "pain.002", "message_id": report.message_id, "sha256": hash,
                   "applied": summary.applied, "unchanged": summary.unchanged, "conflicts": summary.conflicts.len()}),
        ))
        .await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// A printable payment receipt, in Spanish, for a claim with confirmed payments. It shows
    /// the payee's name: reading it is audited like any identity read.
    pub async fn claim_receipt(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
    ) -> Result<String, AppError> {
        // The same access as reading the claim.
        self.claim(actor, id).await?;
        let keys = self.key_ring()?;
        let mut tx = self.store.write().await?;
        let claim = tx.claim(id).await?.ok_or_else(|| AppError::NotFound(format!("no claim has id {id}")))?;
        let paid: Vec<BatchLine> =
            tx.batch_lines_of_claim(id).await?.into_iter().filter(|l| l.status == "accepted").collect();
        if paid.is_empty() {
            return Err(AppError::Conflict(FieldError::new(
                "state",
                "nothing has been paid on this claim yet",
            )));
        }
        let mut rows = String::new();
        let mut payee_name = String::new();
        let mut beneficiary = None;
        for line in &paid {
            if let Some(sealed) = &line.payee {
                let payee: Payee = serde_json::from_slice(&keys.open(sealed, &line.end_to_end_id)?)
                    .map_err(|_| AppError::Internal("a sealed payee is malformed".into()))?;
                payee_name = payee.name;
                beneficiary = payee.ultimate_creditor;
            }
            let batch = tx.batch(line.batch_id).await?;
            rows.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{} {}</td></tr>\n",
                line.resolved_at.map(|t| t.to_datetime().date().to_string()).unwrap_or_default(),
                html_escape(&line.end_to_end_id),
                batch.map(|b| format!("Lote {}", b.id)).unwrap_or_default(),
                claim.currency.code(),
                spanish_amount(line.amount, claim.currency),
            ));
        }
        let mut event = audit_event(
            actor,
            context,
            self.clock.now(),
            "victim.identity_read",
            Some(("victim", claim.victim_code.clone())),
            json!({"claim": id, "via": "receipt"}),
        );
        event.purpose = Some("payment_receipt".into());
        tx.append_audit(event).await?;
        tx.commit().await?;
        let beneficiary_row = beneficiary
            .map(|b| format!("<tr><th>Beneficiaria/o</th><td>{}</td></tr>", html_escape(&b)))
            .unwrap_or_default();
        Ok(format!(
            r#"<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><title>Constancia de pago — reclamo {id}</title>
<style>body{{font-family:sans-serif;max-width:42rem;margin:2rem auto;color:#111}}table{{border-collapse:collapse;width:100%}}
th,td{{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ccc}}.n{{text-align:right}}
@media print{{body{{margin:0}}}}</style></head>
<body>
<h1>Constancia de pago</h1>
<p>{fund}</p>
<table>
<tr><th>Reclamo</th><td>{id} ({kind})</td></tr>
<tr><th>Víctima (código)</th><td>{victim}</td></tr>
<tr><th>Pagado a</th><td>{payee}</td></tr>
{beneficiary_row}
<tr><th>Orden de reparación</th><td>{order}</td></tr>
<tr><th>Monto aprobado</th><td>{currency} {approved}</td></tr>
<tr><th>Total pagado</th><td>{currency} {paid}</td></tr>
</table>
<h2>Pagos</h2>
<table><thead><tr><th>Fecha</th><th>Referencia</th><th>Lote</th><th class="n">Monto</th></tr></thead>
<tbody>
{rows}</tbody></table>
<p>Este pago se realizó con recursos del fondo, provenientes de bienes decomisados. El fondo queda
subrogado en el derecho de la víctima frente a la persona condenada por el monto pagado.</p>
</body></html>
"#,
            fund = html_escape(&self.settings.fund.name),
            kind = if claim.kind == "advance" { "adelanto" } else { "reparación" },
            victim = html_escape(&claim.victim_code),
            payee = html_escape(&payee_name),
            order = claim.order_id.map_or("—".to_string(), |o| o.to_string()),
            currency = claim.currency.code(),
            approved = spanish_amount(claim.approved_amount.unwrap_or(claim.requested), claim.currency),
            paid = spanish_amount(claim.paid, claim.currency),
        ))
    }

    /// Money the convicted paid later on an order the fund paid. The victim is made whole
    /// first: that share is recorded as paid by the debtor (the court endorses it to the
    /// victim); the rest, up to what the fund paid and has not recovered, is the fund's
    /// (subrogation) and enters the ledger as `assets:bank:fund` ← `income:recoveries`.
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
        let received_on: Option<Date> =
            errors.check(parse_past_date("received_on", received_on, self.today()));
        let reference = reference.map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
        if reference
            .as_ref()
            .is_some_and(|r| r.chars().count() > 200 || r.chars().any(redress_domain::user::is_hidden_char))
        {
            errors.push(FieldError::new("reference", "must be one line of at most 200 characters"));
        }
        let recovered: i64 =
            view.payments.iter().filter(|p| p.source == "recovery").map(|p| p.amount.0).sum();
        let fund_paid = view.figures.paid_by_fund.0 + view.figures.advanced_by_fund.0;
        let (to_victim, to_fund) = match amount {
            Some(a) if !a.is_positive() => {
                errors.push(FieldError::new("amount", "must be greater than zero"));
                (Amount::ZERO, Amount::ZERO)
            }
            Some(a) => {
                let to_victim = a.0.min(view.owed.0);
                let to_fund = a.0 - to_victim;
                if to_fund > fund_paid - recovered {
                    errors.push(FieldError::new(
                        "amount",
                        format!(
                            "exceeds what the convicted still owes: {} to the victim and {} to the fund",
                            view.owed.format(c),
                            Amount(fund_paid - recovered).format(c)
                        ),
                    ));
                }
                (Amount(to_victim), Amount(to_fund))
            }
            None => (Amount::ZERO, Amount::ZERO),
        };
        errors.into_result()?;
        let (Some(amount), Some(received_on)) = (amount, received_on) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let now = self.clock.now();
        let mut transfer_id = None;
        if to_victim.is_positive() {
            tx.insert_order_payment(
                order_id,
                &OrderPayment {
                    source: "debtor".into(),
                    amount: to_victim,
                    paid_on: received_on.to_string(),
                    reference: Some(format!(
                        "recovery, endorsed to the victim{}",
                        reference.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
                    )),
                    recorded_at: now,
                    recorded_by: actor.username.clone(),
                },
            )
            .await?;
        }
        if to_fund.is_positive() {
            let id = new_transfer_id();
            let request = TransferRequest {
                id: id.clone(),
                debit_account: Some(FUND_CASH.into()),
                credit_account: Some("income:recoveries".into()),
                amount: to_fund.format(c),
                currency: c.code().to_string(),
                references: References { order: Some(order_id.to_string()), ..References::default() },
                memo: Some(format!("Recupero (subrogación), orden {order_id}, {received_on}")),
                ..TransferRequest::default()
            };
            let (outcomes, _) = self.apply_transfers_in(&mut *tx, &actor.username, &[request], now).await?;
            if let Some(TransferOutcome::Failed { errors, .. }) = outcomes.first() {
                return Err(AppError::Invalid(errors.clone()));
            }
            tx.insert_order_payment(
                order_id,
                &OrderPayment {
                    source: "recovery".into(),
                    amount: to_fund,
                    paid_on: received_on.to_string(),
                    reference: reference.clone(),
                    recorded_at: now,
                    recorded_by: actor.username.clone(),
                },
            )
            .await?;
            transfer_id = Some(id);
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
}

/// `1250.5` → `1.250,50` (Peru's Spanish formatting on printed documents).
pub fn spanish_amount(amount: Amount, currency: redress_domain::Currency) -> String {
    let plain = amount.format(currency);
    let (sign, plain) = plain.strip_prefix('-').map_or(("", plain.as_str()), |rest| ("-", rest));
    let (whole, fraction) = plain.split_once('.').unwrap_or((plain, ""));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_told_apart() {
        assert!(
            matches!(account_id("00219300123456789012"), AccountId::Other { scheme: Some(s), .. } if s == "CCI")
        );
        assert!(matches!(account_id("PE12345678901234567890"), AccountId::Iban(_)));
        assert!(matches!(account_id("1234567"), AccountId::Other { scheme: None, .. }));
        assert_eq!(clean_account("002-193 00123456789012"), "00219300123456789012");
        assert!(!usable_account("12"));
    }

    #[test]
    fn receipts_use_spanish_number_format() {
        let pen = redress_domain::Currency::parse("PEN").unwrap();
        assert_eq!(spanish_amount(Amount(125_050), pen), "1.250,50");
        assert_eq!(spanish_amount(Amount(123_456_789), pen), "1.234.567,89");
        assert_eq!(spanish_amount(Amount(5), pen), "0,05");
    }
}
