//! Allocation rounds: a dry run or a commit that places a ledger hold per line, their replay
//! from the stored inputs.

use redress_domain::allocation::{allocate, ClaimInput, Explanation};
use redress_domain::claims::{ClaimKind, ClaimState};
use redress_domain::money::Overflow;
use redress_domain::policy::rules;
use redress_domain::{Amount, Currency, FieldError, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{FundPolicy, FUND_CASH, HOLD_ACCOUNT_ADVANCE, HOLD_ACCOUNT_REPARATION};
use crate::accounts::{audit_event, page};
use crate::ledger::Movement;
use crate::store::{ClaimFilter, ClaimRecord, ReadTx, RoundLine, RoundRecord, WriteTx};
use crate::{Actor, App, AppError, RequestContext};

/// One line of an allocation round.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct RoundLineView {
    pub claim_id: i64,
    pub tier: u8,
    /// What the claim could receive in this round.
    pub outstanding: String,
    pub amount: String,
    /// The rule that applied, in words (Spanish) …
    pub explanation: String,
    /// … and as data: paid_in_full, pro_rata, below_minimum or tier_waits, with the pro-rata
    /// share in basis points of the claim (pages write the rule in the reader's language).
    pub rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_basis_points: Option<u32>,
    pub hold_id: Option<String>,
}

/// A round, committed or a dry run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundView {
    /// `None` for a dry run.
    pub id: Option<i64>,
    pub committed: bool,
    pub currency: String,
    pub policy_version: i64,
    pub cash: String,
    pub holds: String,
    pub reserve: String,
    pub available: String,
    pub minimum_line: String,
    pub allocated: String,
    /// SHA-256 of the inputs; pass it back when committing to be sure nothing changed.
    pub inputs_hash: String,
    pub lines: Vec<RoundLineView>,
    #[schema(value_type = Option<String>)]
    pub created_at: Option<Timestamp>,
    pub created_by: Option<String>,
}

/// What a round's replay found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReplayView {
    pub round_id: i64,
    pub policy_version: i64,
    pub inputs_hash_matches: bool,
    pub lines_match: bool,
    pub lines: Vec<RoundLineView>,
}

/// The inputs of a round, stored so that anyone can replay it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct RoundInput {
    claim_id: i64,
    tier: u8,
    approved_at: i64,
    amount: i64,
}

fn hash_text(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn share_of(explanation: &Explanation) -> Option<u32> {
    match explanation {
        Explanation::ProRata { basis_points, .. } => Some(*basis_points),
        _ => None,
    }
}

fn describe_rule(explanation: &Explanation) -> &'static str {
    match explanation {
        Explanation::PaidInFull { .. } => "paid_in_full",
        Explanation::ProRata { .. } => "pro_rata",
        Explanation::BelowMinimum { .. } => "below_minimum",
        Explanation::TierWaits { .. } => "tier_waits",
    }
}

impl App {
    /// The money a round may share: posted cash less open holds less the reserve.
    async fn round_money(
        &self,
        tx: &mut dyn ReadTx,
        policy: &FundPolicy,
    ) -> Result<(Amount, Amount, Amount), AppError> {
        let account = tx
            .ledger_account(FUND_CASH, policy.currency)
            .await?
            .ok_or_else(|| AppError::Internal(format!("no {FUND_CASH} account in {}", policy.currency)))?;
        let cash = account.totals.debits_posted.checked_sub(account.totals.credits_posted)?;
        let holds = account.totals.credits_pending;
        let available = cash.checked_sub(holds)?.checked_sub(policy.reserve)?.max(Amount::ZERO);
        Ok((cash, holds, available))
    }

    /// Computes a round over every approved claim with something outstanding. With `commit`,
    /// stores it with its policy version and inputs, places a ledger hold per paid line and
    /// moves those claims to `allocated`; `expected_inputs_hash` (from the dry run) makes the
    /// commit refuse if anything changed in between.
    pub async fn allocation_round(
        &self,
        actor: &Actor,
        context: &RequestContext,
        commit: bool,
        expected_inputs_hash: Option<&str>,
    ) -> Result<RoundView, AppError> {
        actor.require(rules::DECIDE_CLAIMS)?;
        let mut tx = self.store.write().await?;
        let policy = self.current_policy(&mut *tx).await?;
        let money = self.round_money(&mut *tx, &policy).await?;
        let claims = ready_claims(&mut *tx, &policy).await?;
        let mut inputs = Vec::with_capacity(claims.len());
        for claim in &claims {
            let outstanding = self.outstanding(&mut *tx, claim).await?;
            if outstanding.is_positive() {
                inputs.push(RoundInput {
                    claim_id: claim.id,
                    tier: claim.tier,
                    approved_at: claim.decided_at.unwrap_or(claim.filed_at).unix_micros(),
                    amount: outstanding.minor_units(),
                });
            }
        }
        let inputs_text = inputs_text(&policy, money, &inputs)?;
        let inputs_hash = hash_text(&inputs_text);
        if expected_inputs_hash.is_some_and(|expected| expected != inputs_hash) {
            return Err(AppError::Conflict(FieldError::new(
                "expected_inputs_hash",
                "the claims or the money changed since the dry run: run it again and review",
            )));
        }
        let (_, _, available) = money;
        let lines = lines_of(&inputs, available, policy.minimum_line, policy.currency)?;
        let allocated = Amount::checked_sum(lines.iter().map(|(_, amount, _)| *amount))?;
        let mut view = round_view(&policy, money, allocated, &inputs_hash, &lines);
        if !commit {
            return Ok(view);
        }
        if !allocated.is_positive() {
            return Err(AppError::Conflict(FieldError::new(
                "available",
                "this round would allocate nothing: no approved claim, or no money available",
            )));
        }
        let now = self.clock.now();
        let (stored, hold_movements) = staged_holds(&lines, &claims, &policy)?;
        let holds_count = hold_movements.len();
        self.move_money_in(&mut *tx, &actor.username, hold_movements, now).await?;
        let (cash, holds, available) = money;
        let record = RoundRecord {
            id: 0,
            currency: policy.currency,
            policy_version: policy.version,
            cash,
            holds,
            reserve: policy.reserve,
            available,
            minimum_line: policy.minimum_line,
            inputs: inputs_text,
            inputs_hash,
            allocated,
            created_at: now,
            created_by: actor.username.clone(),
        };
        let round_id = tx.insert_round(&record, &stored).await?;
        self.allocate_claims(&mut *tx, &claims, &stored, round_id, &actor.username).await?;
        let detail = json!({"policy_version": policy.version, "allocated": allocated.format(policy.currency),
               "lines": stored.len(), "holds": holds_count});
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "round.commit",
            Some(("round", round_id.to_string())),
            detail,
        ))
        .await?;
        tx.commit().await?;
        view.id = Some(round_id);
        view.committed = true;
        view.created_at = Some(now);
        view.created_by = Some(actor.username.clone());
        for (line, stored) in view.lines.iter_mut().zip(&stored) {
            line.hold_id = stored.hold_id.clone();
        }
        Ok(view)
    }

    /// Moves each claim the round holds money for to `allocated`, with its hold.
    async fn allocate_claims(
        &self,
        tx: &mut dyn WriteTx,
        claims: &[ClaimRecord],
        stored: &[RoundLine],
        round_id: i64,
        by: &str,
    ) -> Result<(), AppError> {
        for line in stored.iter().filter(|l| l.amount.is_positive()) {
            let mut claim = claims
                .iter()
                .find(|c| c.id == line.claim_id)
                .cloned()
                .ok_or_else(|| AppError::Internal("line without claim".into()))?;
            claim.hold_id = line.hold_id.clone();
            claim.hold_amount = Some(line.amount);
            self.move_claim(
                &mut *tx,
                &mut claim,
                ClaimState::Allocated,
                by,
                Some(format!("round {round_id}")),
            )
            .await?;
        }
        Ok(())
    }

    pub async fn round(&self, actor: &Actor, id: i64) -> Result<RoundView, AppError> {
        actor.require(rules::READ_PAYMENTS)?;
        let mut tx = self.store.read().await?;
        let round = tx.round(id).await?.ok_or_else(|| AppError::NotFound(format!("no round has id {id}")))?;
        let lines = tx.round_lines(id).await?;
        let inputs = round_inputs(&round)?;
        let c = round.currency;
        let views = lines
            .iter()
            .map(|line| {
                let explanation: Explanation = serde_json::from_str(&line.explanation)
                    .map_err(|e| AppError::Internal(format!("round {id}: {e}")))?;
                let input = inputs.iter().find(|i| i.claim_id == line.claim_id);
                Ok(RoundLineView {
                    claim_id: line.claim_id,
                    tier: input.map_or(0, |i| i.tier),
                    outstanding: Amount::from_minor(input.map_or(0, |i| i.amount)).format(c),
                    amount: line.amount.format(c),
                    explanation: explanation.describe(),
                    rule: describe_rule(&explanation).to_string(),
                    share_basis_points: share_of(&explanation),
                    hold_id: line.hold_id.clone(),
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok(RoundView {
            id: Some(round.id),
            committed: true,
            currency: c.code().to_string(),
            policy_version: round.policy_version,
            cash: round.cash.format(c),
            holds: round.holds.format(c),
            reserve: round.reserve.format(c),
            available: round.available.format(c),
            minimum_line: round.minimum_line.format(c),
            allocated: round.allocated.format(c),
            inputs_hash: round.inputs_hash,
            lines: views,
            created_at: Some(round.created_at),
            created_by: Some(round.created_by),
        })
    }

    pub async fn rounds(
        &self,
        actor: &Actor,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<RoundView>, AppError> {
        actor.require(rules::READ_PAYMENTS)?;
        let page = page(after, limit)?;
        let ids: Vec<i64> = self.store.read().await?.rounds(page).await?.iter().map(|r| r.id).collect();
        let mut views = Vec::with_capacity(ids.len());
        for id in ids {
            views.push(self.round(actor, id).await?);
        }
        Ok(views)
    }

    /// Runs the allocation rule again on a round's stored inputs and compares the lines.
    pub async fn replay_round(&self, actor: &Actor, id: i64) -> Result<ReplayView, AppError> {
        actor.require(rules::READ_PAYMENTS)?;
        let stored = self.round(actor, id).await?;
        let mut tx = self.store.read().await?;
        let round = tx.round(id).await?.ok_or_else(|| AppError::NotFound(format!("no round has id {id}")))?;
        let inputs = round_inputs(&round)?;
        let lines = lines_of(&inputs, round.available, round.minimum_line, round.currency)?;
        let replayed: Vec<RoundLineView> = lines
            .into_iter()
            .zip(&stored.lines)
            .map(|((mut view, _, _), original)| {
                view.hold_id = original.hold_id.clone();
                view
            })
            .collect();
        Ok(ReplayView {
            round_id: id,
            policy_version: round.policy_version,
            inputs_hash_matches: hash_text(&round.inputs) == round.inputs_hash,
            lines_match: replayed == stored.lines,
            lines: replayed,
        })
    }
}

fn round_inputs(round: &RoundRecord) -> Result<Vec<RoundInput>, AppError> {
    let value: serde_json::Value = serde_json::from_str(&round.inputs)
        .map_err(|e| AppError::Internal(format!("round {}: {e}", round.id)))?;
    serde_json::from_value(value.get("claims").cloned().unwrap_or_default())
        .map_err(|e| AppError::Internal(format!("round {}: {e}", round.id)))
}

/// The allocation rule applied to a round's inputs: (view, amount, explanation) per line.
fn lines_of(
    inputs: &[RoundInput],
    available: Amount,
    minimum_line: Amount,
    currency: Currency,
) -> Result<Vec<(RoundLineView, Amount, Explanation)>, Overflow> {
    let claims: Vec<ClaimInput> = inputs
        .iter()
        .map(|i| ClaimInput {
            id: i.claim_id,
            tier: i.tier,
            approved_at: Timestamp::from_unix_micros(i.approved_at),
            amount: Amount::from_minor(i.amount),
        })
        .collect();
    let by_id: std::collections::HashMap<i64, &RoundInput> = inputs.iter().map(|i| (i.claim_id, i)).collect();
    Ok(allocate(&claims, available, minimum_line)?
        .into_iter()
        .map(|line| {
            let input = by_id.get(&line.claim_id);
            (
                RoundLineView {
                    claim_id: line.claim_id,
                    tier: input.map_or(0, |i| i.tier),
                    outstanding: Amount::from_minor(input.map_or(0, |i| i.amount)).format(currency),
                    amount: line.amount.format(currency),
                    explanation: line.explanation.describe(),
                    rule: describe_rule(&line.explanation).to_string(),
                    share_basis_points: share_of(&line.explanation),
                    hold_id: None,
                },
                line.amount,
                line.explanation,
            )
        })
        .collect())
}

/// Every approved claim ready to be paid, in the fund's currency.
async fn ready_claims(tx: &mut dyn WriteTx, policy: &FundPolicy) -> Result<Vec<ClaimRecord>, AppError> {
    let filter = ClaimFilter {
        states: vec![ClaimState::Approved],
        ready_only: true,
        currency: Some(policy.currency),
        ..ClaimFilter::default()
    };
    let mut claims = Vec::new();
    let mut after = None;
    loop {
        let page = tx.claims(&filter, crate::store::Page { after, limit: 10_000 }).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        claims.extend(page);
    }
    Ok(claims)
}

/// The round's inputs as stored (and hashed): the policy, the money and the claims.
fn inputs_text(
    policy: &FundPolicy,
    (cash, holds, available): (Amount, Amount, Amount),
    inputs: &[RoundInput],
) -> Result<String, AppError> {
    serde_json::to_string(&json!({
        "policy_version": policy.version, "currency": policy.currency.code(), "cash": cash.minor_units(),
        "holds": holds.minor_units(), "reserve": policy.reserve.minor_units(), "available": available.minor_units(),
        "minimum_line": policy.minimum_line.minor_units(), "claims": inputs,
    }))
    .map_err(|e| AppError::Internal(e.to_string()))
}

fn round_view(
    policy: &FundPolicy,
    (cash, holds, available): (Amount, Amount, Amount),
    allocated: Amount,
    inputs_hash: &str,
    lines: &[(RoundLineView, Amount, Explanation)],
) -> RoundView {
    let currency = policy.currency;
    RoundView {
        id: None,
        committed: false,
        currency: currency.code().to_string(),
        policy_version: policy.version,
        cash: cash.format(currency),
        holds: holds.format(currency),
        reserve: policy.reserve.format(currency),
        available: available.format(currency),
        minimum_line: policy.minimum_line.format(currency),
        allocated: allocated.format(currency),
        inputs_hash: inputs_hash.to_string(),
        lines: lines.iter().map(|(v, _, _)| v.clone()).collect(),
        created_at: None,
        created_by: None,
    }
}

/// The round's lines as stored, and a ledger hold on the fund's cash for each line that pays.
fn staged_holds(
    lines: &[(RoundLineView, Amount, Explanation)],
    claims: &[ClaimRecord],
    policy: &FundPolicy,
) -> Result<(Vec<RoundLine>, Vec<Movement>), AppError> {
    let mut stored = Vec::with_capacity(lines.len());
    let mut holds = Vec::new();
    for (position, (line, amount, explanation)) in lines.iter().enumerate() {
        let mut hold_id = None;
        if amount.is_positive() {
            let claim = claims
                .iter()
                .find(|c| c.id == line.claim_id)
                .ok_or_else(|| AppError::Internal("line without claim".into()))?;
            let account =
                if claim.kind == ClaimKind::Advance { HOLD_ACCOUNT_ADVANCE } else { HOLD_ACCOUNT_REPARATION };
            let references = redress_domain::ledger::References {
                case: Some(claim.case_id.to_string()),
                order: claim.order_id.map(|o| o.to_string()),
                claim: Some(claim.id.to_string()),
                ..Default::default()
            };
            let memo = format!("Reserva de pago, reclamo {} ({})", claim.id, line.explanation);
            let hold = Movement::hold(account, FUND_CASH, *amount, policy.currency, references, memo)?;
            hold_id = Some(hold.id.clone());
            holds.push(hold);
        }
        stored.push(RoundLine {
            claim_id: line.claim_id,
            position: i64::try_from(position).map_err(|_| AppError::Internal("round too long".into()))?,
            amount: *amount,
            explanation: serde_json::to_string(explanation).map_err(|e| AppError::Internal(e.to_string()))?,
            hold_id,
        });
    }
    Ok((stored, holds))
}
