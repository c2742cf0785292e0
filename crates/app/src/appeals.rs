//! Appeals and annulments of judgments, and what they do to the money.
//!
//! While an appeal is pending the judgment's orders may not be paid: open holds on them are
//! released and their claims wait (`court_decision`). When the appeal is decided, a confirmed
//! judgment becomes final and the claims go back to the queue; a judgment set aside (annulled:
//! a new trial; or an acquittal on appeal) voids its orders: their open claims are stopped,
//! and the case goes back to trial or ends acquitted (an acquittal also stops the case's open
//! advances). A claim already in a bank file cannot be recalled here: it waits, and is stopped
//! if the bank does not pay it.

use redress_domain::cases::{parse_past_date, Stage};
use redress_domain::claims::{ClaimKind, ClaimState, Waiting};
use redress_domain::ledger::References;
use redress_domain::orders::AppealOutcome;
use redress_domain::payments::{BatchState, LineStatus};
use redress_domain::policy::rules;
use redress_domain::FieldError;
use serde_json::json;

use crate::accounts::audit_event;
use crate::ledger::Movement;
use crate::orders::JudgmentView;
use crate::store::{ClaimFilter, ClaimRecord, JudgmentRecord, Page, WriteTx};
use crate::{Actor, App, AppError, RequestContext};

/// What to do with a claim on an order whose judgment is challenged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Challenge {
    /// An appeal is pending: hold the claim.
    Hold,
    /// The appeal confirmed the judgment: release the hold on it.
    Release,
    /// The judgment (or the case) is set aside: stop the claim.
    Stop,
}

impl App {
    /// Releases a claim's hold (allocated, or in a batch not yet sent to the bank) and puts the
    /// claim back to `approved`. Returns false when the claim is in a bank file already.
    async fn recall(
        &self,
        tx: &mut dyn WriteTx,
        claim: &mut ClaimRecord,
        by: &str,
    ) -> Result<bool, AppError> {
        let unsent_batch = if claim.state == ClaimState::InBatch {
            let mut unsent = None;
            for line in tx.batch_lines_of_claim(claim.id).await? {
                if line.status != LineStatus::Pending || Some(&line.hold_id) != claim.hold_id.as_ref() {
                    continue;
                }
                let batch = self.batch_record(&mut *tx, line.batch_id).await?;
                if matches!(batch.state, BatchState::Exported | BatchState::Closed) {
                    return Ok(false);
                }
                unsent = Some(batch);
            }
            unsent
        } else {
            None
        };
        let (Some(hold), Some(amount)) = (claim.hold_id.clone(), claim.hold_amount) else { return Ok(true) };
        let references = References {
            case: Some(claim.case_id.to_string()),
            order: claim.order_id.map(|o| o.to_string()),
            claim: Some(claim.id.to_string()),
            ..References::default()
        };
        let memo = format!("Reserva liberada por decisión judicial, reclamo {}", claim.id);
        let release = Movement::resolve(&hold, false, amount, claim.currency, references, memo);
        self.move_money_in(tx, by, vec![release], self.clock.now()).await?;
        if let Some(mut batch) = unsent_batch {
            tx.remove_batch_line(batch.id, claim.id).await?;
            batch.total =
                batch.total.checked_sub(amount).map_err(|_| AppError::Internal("batch total".into()))?;
            tx.update_batch_total(&batch).await?;
        }
        claim.hold_id = None;
        claim.hold_amount = None;
        self.move_claim(tx, claim, ClaimState::Approved, by, Some("court_decision_hold_released".into()))
            .await?;
        Ok(true)
    }

    async fn challenge_claim(
        &self,
        tx: &mut dyn WriteTx,
        mut claim: ClaimRecord,
        challenge: Challenge,
        by: &str,
    ) -> Result<(), AppError> {
        if !claim.state.is_open() {
            return Ok(());
        }
        match challenge {
            Challenge::Release => {
                if claim.waiting_for == Some(Waiting::CourtDecision) {
                    claim.waiting_for = None;
                    self.note_claim(tx, &claim, by, "court_decision_confirmed".into()).await?;
                }
            }
            Challenge::Hold | Challenge::Stop => {
                let recalled = self.recall(tx, &mut claim, by).await?;
                claim.waiting_for = Some(Waiting::CourtDecision);
                let stop = challenge == Challenge::Stop && recalled;
                if stop {
                    self.move_claim(tx, &mut claim, ClaimState::Stopped, by, Some("court_decision".into()))
                        .await?;
                } else {
                    self.note_claim(tx, &claim, by, "court_decision_pending".into()).await?;
                }
            }
        }
        Ok(())
    }

    /// Applies a challenge to every claim on the judgment's orders (and, for an acquittal, to
    /// the case's open advances). Returns how many claims it touched.
    async fn challenge_claims(
        &self,
        tx: &mut dyn WriteTx,
        judgment: &JudgmentRecord,
        challenge: Challenge,
        advances_too: bool,
        by: &str,
    ) -> Result<usize, AppError> {
        let mut claims = Vec::new();
        for order in tx.orders_of_judgment(judgment.id).await? {
            let filter = ClaimFilter { order_id: Some(order.id), ..ClaimFilter::default() };
            claims.extend(tx.claims(&filter, Page { after: None, limit: 1_000 }).await?);
        }
        if advances_too {
            let filter = ClaimFilter {
                case_id: Some(judgment.case_id),
                kind: Some(ClaimKind::Advance),
                ..ClaimFilter::default()
            };
            claims.extend(tx.claims(&filter, Page { after: None, limit: 1_000 }).await?);
        }
        claims.sort_by_key(|c| c.id);
        claims.dedup_by_key(|c| c.id);
        let touched = claims.iter().filter(|c| c.state.is_open()).count();
        for claim in claims {
            self.challenge_claim(tx, claim, challenge, by).await?;
        }
        Ok(touched)
    }

    /// Records that a judgment was appealed (or its annulment sought): its orders are not paid
    /// until the appeal is decided.
    pub async fn record_appeal(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        filed_on: &str,
        note: Option<&str>,
    ) -> Result<JudgmentView, AppError> {
        actor.require(rules::RECORD_JUDGMENTS)?;
        let filed_on = parse_past_date("filed_on", filed_on, self.today())?;
        let note = crate::claims::one_line("note", note, 300)?;
        let mut tx = self.store.write().await?;
        let mut judgment =
            tx.judgment(id).await?.ok_or_else(|| AppError::NotFound(format!("no judgment has id {id}")))?;
        let case = tx
            .case(judgment.case_id)
            .await?
            .ok_or_else(|| AppError::Internal("a judgment without its case".into()))?;
        self.may_write_case_as_court(&mut *tx, actor, &case).await?;
        if judgment.outcome.is_some() || judgment.appeal_filed_on.is_some() {
            return Err(AppError::Conflict(FieldError::new("filed_on", "the judgment was already appealed")));
        }
        if filed_on.to_string() < judgment.judged_on {
            return Err(FieldError::new("filed_on", "must not be before the judgment").into());
        }
        judgment.appeal_filed_on = Some(filed_on.to_string());
        judgment.outcome_note = note;
        tx.set_judgment_appeal(&judgment).await?;
        let held =
            self.challenge_claims(&mut *tx, &judgment, Challenge::Hold, false, &actor.username).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            self.clock.now(),
            "judgment.appeal",
            Some(("judgment", id.to_string())),
            json!({"filed_on": filed_on.to_string(), "claims_held": held}),
        ))
        .await?;
        let view = self.judgment_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Records how an appeal (or an annulment action) ended: `confirmed` (the judgment stands
    /// and is final from that day), `annulled` (a new trial) or `acquitted`.
    pub async fn decide_appeal(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        outcome: &str,
        on: &str,
        note: Option<&str>,
    ) -> Result<JudgmentView, AppError> {
        actor.require(rules::RECORD_JUDGMENTS)?;
        let mut errors = redress_domain::FieldErrors::new();
        let outcome = errors.check(AppealOutcome::parse("outcome", outcome));
        let on = errors.check(parse_past_date("on", on, self.today()));
        let note = errors.check(crate::claims::one_line("note", note, 300)).flatten();
        errors.into_result()?;
        let (Some(outcome), Some(on)) = (outcome, on) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let mut tx = self.store.write().await?;
        let mut judgment =
            tx.judgment(id).await?.ok_or_else(|| AppError::NotFound(format!("no judgment has id {id}")))?;
        let case = tx
            .case(judgment.case_id)
            .await?
            .ok_or_else(|| AppError::Internal("a judgment without its case".into()))?;
        self.may_write_case_as_court(&mut *tx, actor, &case).await?;
        if judgment.outcome.is_some() {
            return Err(AppError::Conflict(FieldError::new("outcome", "the appeal was already decided")));
        }
        if on.to_string() < judgment.judged_on {
            return Err(FieldError::new("on", "must not be before the judgment").into());
        }
        judgment.appeal_filed_on.get_or_insert_with(|| on.to_string());
        judgment.outcome = Some(outcome);
        judgment.outcome_on = Some(on.to_string());
        judgment.outcome_note = note.or(judgment.outcome_note.take());
        tx.set_judgment_appeal(&judgment).await?;
        let by = actor.username.clone();
        let (challenge, stage) = match outcome {
            AppealOutcome::Confirmed => {
                if judgment.final_on.is_none() {
                    tx.set_judgment_final(id, &on.to_string()).await?;
                }
                (Challenge::Release, Stage::Final)
            }
            AppealOutcome::Annulled => (Challenge::Stop, Stage::Trial),
            AppealOutcome::Acquitted => (Challenge::Stop, Stage::Acquitted),
        };
        let touched = self
            .challenge_claims(&mut *tx, &judgment, challenge, outcome == AppealOutcome::Acquitted, &by)
            .await?;
        self.follow_judgment(&mut *tx, &case, stage, on, &by).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            self.clock.now(),
            "judgment.appeal_decided",
            Some(("judgment", id.to_string())),
            json!({"outcome": outcome.as_str(), "on": on.to_string(), "claims": touched}),
        ))
        .await?;
        let view = self.judgment_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }
}
