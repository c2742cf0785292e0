//! Claims on the fund: the versioned allocation policy, identity verification, filing a claim
//! or an advance, eligibility with its reasons, the needs assessment, the fund officer's
//! decision, deadlines, and allocation rounds that place a ledger hold per line.

mod filing;
mod list_views;
mod policy;
mod rounds;

pub use filing::FileClaim;
pub use list_views::PageReads;
pub use policy::{FundPolicy, PolicyDocument, PolicyView};
pub use rounds::{ReplayView, RoundLineView, RoundView};

use redress_domain::claims::{add_working_days, ClaimKind, ClaimState};
use redress_domain::money::Overflow;
use redress_domain::orders::Eligibility;
use redress_domain::policy::rules;
use redress_domain::{Amount, FieldError, FieldErrors, Role, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::accounts::{audit_event, page};
use crate::orders::OrderView;
use crate::store::{ClaimEvent, ClaimFilter, ClaimRecord, ReadTx, WriteTx};
use crate::{Actor, App, AppError, RequestContext};

/// The fund officer's decision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `approve` or `reject`.
    pub decision: String,
    /// Approve: the amount (default: what was requested, capped by the policy).
    #[serde(default)]
    pub amount: Option<String>,
    /// Approve: a tier other than the assessed one (1–3), with a reason.
    #[serde(default)]
    pub tier: Option<u8>,
    /// Required to reject, or to change the tier.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConditionView {
    pub condition: String,
    pub met: bool,
    pub detail: String,
    /// Which wording of the reason applies, when there are several (pages write the reason
    /// from it and `args` in the reader's language).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The reason's values by name (`date`, `amount`, `currency`, `days`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub args: std::collections::BTreeMap<String, String>,
}

impl From<redress_domain::orders::Condition> for ConditionView {
    fn from(x: redress_domain::orders::Condition) -> Self {
        ConditionView {
            condition: x.condition.to_string(),
            met: x.met,
            detail: x.detail,
            variant: x.variant.map(str::to_string),
            args: x.args.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        }
    }
}

/// The eligibility snapshot stored with a decided claim.
#[derive(Debug, Deserialize)]
struct StoredEligibility {
    eligible: bool,
    conditions: Vec<ConditionView>,
}

/// A claim with everything known about it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClaimView {
    pub id: i64,
    pub kind: String,
    pub victim: String,
    pub case_id: i64,
    pub order_id: Option<i64>,
    pub currency: String,
    pub state: String,
    pub requested: String,
    pub approved_amount: Option<String>,
    pub paid: String,
    /// What may still be allocated: approved − paid − held, capped by what is owed.
    pub outstanding: String,
    pub held: Option<String>,
    pub needs: Vec<String>,
    pub tier: u8,
    pub tier_reasons: Vec<String>,
    pub policy_version: i64,
    /// Computed now (the filing-time snapshot is in the history).
    pub eligible: bool,
    pub conditions: Vec<ConditionView>,
    pub decision_reason: Option<String>,
    #[schema(value_type = String)]
    pub filed_at: Timestamp,
    pub filed_by: String,
    #[schema(value_type = String)]
    pub decision_due: Timestamp,
    #[schema(value_type = Option<String>)]
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<String>,
    pub payment_due: Option<String>,
    /// A decision or payment deadline has passed.
    pub overdue: bool,
    /// What the claim waits for before it is paid (again), if anything: `payee_details`
    /// (the bank refused the account or name), `bank_conflict` (the bank contradicted itself),
    /// `court_decision` (the judgment is under appeal).
    pub waiting_for: Option<String>,
    pub history: Vec<ClaimEvent>,
}

pub(crate) const HOLD_ACCOUNT_REPARATION: &str = "expenses:reparations";
pub(crate) const HOLD_ACCOUNT_ADVANCE: &str = "expenses:advances";
pub(crate) const FUND_CASH: &str = "assets:bank:fund";

/// Whether the reader sees every claim (fund officers, treasurers, auditors); everyone else who
/// reads claims sees those of victims their institution registered.
pub(crate) fn reads_every_claim(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| matches!(r, Role::FundOfficer | Role::Treasurer | Role::Auditor))
}

pub(crate) fn one_line(field: &str, text: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) if t.chars().count() <= max && !t.chars().any(redress_domain::user::is_hidden_char) => {
            Ok(Some(t.to_string()))
        }
        Some(_) => Err(FieldError::new(field, format!("must be one line of at most {max} characters"))),
    }
}

impl App {
    /// What a claim may still receive: approved − paid − held, and for a reparation claim no
    /// more than is still owed on the order (a convict's later payment lowers it).
    pub(crate) async fn outstanding(
        &self,
        tx: &mut dyn ReadTx,
        claim: &ClaimRecord,
    ) -> Result<Amount, AppError> {
        let mut owed = None;
        if let (Some(order_id), ClaimKind::Reparation) = (claim.order_id, claim.kind) {
            if let Some(order) = tx.order(order_id).await? {
                owed = Some(self.order_view(tx, order).await?.owed);
            }
        }
        Ok(Self::outstanding_given(claim, owed)?)
    }

    /// What is left to pay on a claim, given what its order still owes (a reparation's).
    fn outstanding_given(claim: &ClaimRecord, owed: Option<Amount>) -> Result<Amount, Overflow> {
        let base = claim.approved_amount.unwrap_or(claim.requested);
        let held = claim.hold_amount.unwrap_or(Amount::ZERO);
        let mut outstanding = base.checked_sub(claim.paid)?.checked_sub(held)?.max(Amount::ZERO);
        if let (Some(owed), Some(_), ClaimKind::Reparation) = (owed, claim.order_id, claim.kind) {
            outstanding = outstanding.min(owed.checked_sub(held)?.max(Amount::ZERO));
        }
        Ok(outstanding)
    }

    pub(crate) async fn claim_view(&self, tx: &mut dyn ReadTx, id: i64) -> Result<ClaimView, AppError> {
        let claim = tx.claim(id).await?.ok_or_else(|| AppError::NotFound(format!("no claim has id {id}")))?;
        let policy = self.current_policy(tx).await?;
        self.claim_view_of(tx, claim, &policy).await
    }

    /// The view of a claim already read, under the current policy (read once for a list). The
    /// claim's order is read once for both what is outstanding and the eligibility.
    async fn claim_view_of(
        &self,
        tx: &mut dyn ReadTx,
        claim: ClaimRecord,
        policy: &FundPolicy,
    ) -> Result<ClaimView, AppError> {
        let order = self.order_of_claim(tx, &claim).await?;
        let found = if claim.state == ClaimState::Received {
            Some(self.eligibility_with(tx, &claim, policy, claim.requested, order.as_ref()).await?)
        } else {
            None
        };
        let history = tx.claim_events(claim.id).await?;
        Ok(self.claim_view_given(claim, order.as_ref(), found, history)?)
    }

    /// The view of a claim from its rows already read: its order's view, its eligibility now
    /// (a received claim's) and its history.
    fn claim_view_given(
        &self,
        claim: ClaimRecord,
        order: Option<&OrderView>,
        found: Option<Eligibility>,
        history: Vec<ClaimEvent>,
    ) -> Result<ClaimView, Overflow> {
        let state = claim.state;
        let outstanding = Self::outstanding_given(&claim, order.map(|o| o.owed))?;
        // A received claim's eligibility is computed now; a decided one shows what was found
        // at the decision (stored as JSON of the same shape).
        let (eligible, conditions) = if let Some(found) = found {
            let conditions = found.conditions.into_iter().map(ConditionView::from).collect();
            (found.eligible, conditions)
        } else {
            serde_json::from_str::<StoredEligibility>(&claim.eligibility)
                .map(|stored| (stored.eligible, stored.conditions))
                .unwrap_or((false, Vec::new()))
        };
        let now = self.clock.now();
        let overdue = match state {
            ClaimState::Received => now > claim.decision_due,
            ClaimState::Approved | ClaimState::Allocated | ClaimState::InBatch => claim
                .payment_due
                .as_deref()
                .and_then(|d| redress_domain::cases::parse_date("payment_due", d).ok())
                .is_some_and(|due| self.local_date(now) > due),
            _ => false,
        };
        let c = claim.currency;
        Ok(ClaimView {
            id: claim.id,
            kind: claim.kind.as_str().to_string(),
            victim: claim.victim_code.clone(),
            case_id: claim.case_id,
            order_id: claim.order_id,
            currency: c.code().to_string(),
            state: claim.state.as_str().to_string(),
            requested: claim.requested.format(c),
            approved_amount: claim.approved_amount.map(|a| a.format(c)),
            paid: claim.paid.format(c),
            outstanding: outstanding.format(c),
            held: claim.hold_amount.map(|a| a.format(c)),
            needs: claim.needs.clone(),
            tier: claim.tier,
            tier_reasons: claim.tier_reasons.clone(),
            policy_version: claim.policy_version,
            eligible,
            conditions,
            decision_reason: claim.decision_reason.clone(),
            filed_at: claim.filed_at,
            filed_by: claim.filed_by.clone(),
            decision_due: claim.decision_due,
            decided_at: claim.decided_at,
            decided_by: claim.decided_by.clone(),
            payment_due: claim.payment_due.clone(),
            overdue,
            waiting_for: claim.waiting_for.map(|w| w.as_str().to_string()),
            history,
        })
    }

    async fn may_read_claim(&self, actor: &Actor, claim: &ClaimRecord) -> Result<(), AppError> {
        actor.require(rules::READ_CLAIMS)?;
        if reads_every_claim(actor) {
            return Ok(());
        }
        let mut tx = self.store.read().await?;
        let victim = tx.victim(&claim.victim_code).await?.ok_or(AppError::Forbidden)?;
        if self.looks_after_victim(&mut *tx, actor, &victim).await? {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub async fn claim(&self, actor: &Actor, id: i64) -> Result<ClaimView, AppError> {
        actor.require(rules::READ_CLAIMS)?;
        let mut tx = self.store.read().await?;
        let claim = tx.claim(id).await?.ok_or_else(|| AppError::NotFound(format!("no claim has id {id}")))?;
        self.may_read_claim(actor, &claim).await?;
        self.claim_view(&mut *tx, id).await
    }

    /// Claims by id, filtered; victim services see only their institution's victims.
    pub async fn claims(
        &self,
        actor: &Actor,
        state: Option<&str>,
        tier: Option<u8>,
        overdue_only: bool,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<ClaimView>, AppError> {
        actor.require(rules::READ_CLAIMS)?;
        let page = page(after, limit)?;
        let mut filter = ClaimFilter::default();
        if let Some(state) = state {
            filter.states.push(ClaimState::parse("state", state)?);
        }
        if let Some(tier) = tier {
            if !(1..=3).contains(&tier) {
                return Err(FieldError::new("tier", "must be 1, 2 or 3").into());
            }
            filter.tier = Some(tier);
        }
        if !reads_every_claim(actor) {
            filter.institution = Some(actor.institution_id.ok_or(AppError::Forbidden)?);
        }
        let mut tx = self.store.read().await?;
        let records = tx.claims(&filter, page).await?;
        let policy = self.current_policy(&mut *tx).await?;
        let mut views = self.claim_views(&mut *tx, records, &policy).await?;
        views.retain(|view| !overdue_only || view.overdue);
        Ok(views)
    }

    fn transition(claim: &mut ClaimRecord, to: ClaimState) -> Result<ClaimEvent, AppError> {
        let from = claim.state;
        from.transition(to).map_err(AppError::Conflict)?;
        claim.state = to;
        Ok(ClaimEvent {
            from_state: Some(from),
            to_state: to,
            at: Timestamp::from_unix_micros(0),
            by: String::new(),
            note: None,
        })
    }

    /// Moves a claim to `to` and records the event (in the caller's transaction).
    pub(crate) async fn move_claim(
        &self,
        tx: &mut dyn WriteTx,
        claim: &mut ClaimRecord,
        to: ClaimState,
        by: &str,
        note: Option<String>,
    ) -> Result<(), AppError> {
        let event = Self::transition(claim, to)?;
        tx.update_claim(claim).await?;
        tx.insert_claim_event(
            claim.id,
            &ClaimEvent { at: self.clock.now(), by: by.to_string(), note, ..event },
        )
        .await?;
        Ok(())
    }

    /// The fund officer approves (amount, tier) or rejects (reason). Eligibility is checked
    /// again at approval: an ineligible claim cannot be approved.
    pub async fn decide_claim(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        decision: Decision,
    ) -> Result<ClaimView, AppError> {
        actor.require(rules::DECIDE_CLAIMS)?;
        let reason = one_line("reason", decision.reason.as_deref(), 500)?;
        let mut tx = self.store.write().await?;
        let mut claim =
            tx.claim(id).await?.ok_or_else(|| AppError::NotFound(format!("no claim has id {id}")))?;
        let policy = self.current_policy(&mut *tx).await?;
        let now = self.clock.now();
        match decision.decision.as_str() {
            "approve" => {
                let amount = approved_amount(&decision, &claim, &policy, reason.as_deref())?;
                self.approve(&mut *tx, &mut claim, &policy, amount, decision.tier, reason, actor).await?;
            }
            "reject" => {
                let Some(reason) = reason else {
                    return Err(FieldError::new("reason", "a rejection states its reason").into());
                };
                claim.decided_at = Some(now);
                claim.decided_by = Some(actor.username.clone());
                claim.decision_reason = Some(reason.clone());
                self.move_claim(&mut *tx, &mut claim, ClaimState::Rejected, &actor.username, Some(reason))
                    .await?;
            }
            _ => return Err(FieldError::new("decision", "must be approve or reject").into()),
        }
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "claim.decide",
            Some(("claim", id.to_string())),
            json!({"decision": decision.decision, "amount": claim.approved_amount.map(|a| a.format(claim.currency)),
                   "tier": claim.tier}),
        ))
        .await?;
        let view = self.claim_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Approves a claim that is eligible now, for `amount` (and the tier set, if any).
    #[allow(clippy::too_many_arguments)]
    async fn approve(
        &self,
        tx: &mut dyn WriteTx,
        claim: &mut ClaimRecord,
        policy: &FundPolicy,
        amount: Amount,
        tier: Option<u8>,
        reason: Option<String>,
        actor: &Actor,
    ) -> Result<(), AppError> {
        claim.state.transition(ClaimState::Approved).map_err(AppError::Conflict)?;
        let eligibility = self.eligibility_of(&mut *tx, claim, policy, amount).await?;
        if !eligibility.eligible {
            let unmet: Vec<String> = eligibility
                .conditions
                .iter()
                .filter(|c| !c.met)
                .map(|c| format!("{} ({})", c.condition, c.detail))
                .collect();
            return Err(AppError::Conflict(FieldError::new(
                "eligibility",
                format!("the claim is not eligible now: {}", unmet.join("; ")),
            )));
        }
        let now = self.clock.now();
        claim.eligibility =
            serde_json::to_string(&eligibility).map_err(|e| AppError::Internal(e.to_string()))?;
        claim.approved_amount = Some(amount);
        if let Some(tier) = tier {
            if tier != claim.tier {
                claim.tier_reasons =
                    vec![format!("set by the fund officer: {}", reason.clone().unwrap_or_default())];
            }
            claim.tier = tier;
        }
        claim.decided_at = Some(now);
        claim.decided_by = Some(actor.username.clone());
        claim.decision_reason = reason.clone();
        claim.payment_due =
            Some(add_working_days(self.local_date(now), policy.deadlines.payment_working_days).to_string());
        self.move_claim(&mut *tx, claim, ClaimState::Approved, &actor.username, reason).await
    }

    /// Withdraws a claim that is not yet allocated (at the victim's request).
    pub async fn withdraw_claim(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        reason: &str,
    ) -> Result<ClaimView, AppError> {
        actor.require(rules::FILE_CLAIMS)?;
        let reason = one_line("reason", Some(reason), 500)?
            .ok_or_else(|| FieldError::new("reason", "a withdrawal states its reason"))?;
        let mut tx = self.store.write().await?;
        let mut claim =
            tx.claim(id).await?.ok_or_else(|| AppError::NotFound(format!("no claim has id {id}")))?;
        let victim = tx.victim(&claim.victim_code).await?.ok_or(AppError::Forbidden)?;
        if !self.looks_after_victim(&mut *tx, actor, &victim).await? {
            return Err(AppError::Forbidden);
        }
        self.move_claim(&mut *tx, &mut claim, ClaimState::Withdrawn, &actor.username, Some(reason)).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            self.clock.now(),
            "claim.withdraw",
            Some(("claim", id.to_string())),
            json!({}),
        ))
        .await?;
        let view = self.claim_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }
}

/// The amount a fund officer approves: what was asked by default; above zero, no more than
/// asked nor than the policy's cap per claim; a changed tier needs a reason.
fn approved_amount(
    decision: &Decision,
    claim: &ClaimRecord,
    policy: &FundPolicy,
    reason: Option<&str>,
) -> Result<Amount, AppError> {
    let mut errors = FieldErrors::new();
    let amount = match &decision.amount {
        Some(text) => errors.check(Amount::parse(text, claim.currency).map_err(|e| e.at("amount"))),
        None => Some(claim.requested),
    };
    if let Some(amount) = amount {
        if !amount.is_positive() {
            errors.push(FieldError::new("amount", "must be greater than zero"));
        } else if amount > claim.requested {
            errors.push(FieldError::new("amount", "must not exceed what was requested"));
        }
        if let Some(cap) = policy.claim_cap.filter(|cap| amount > *cap) {
            errors.push(FieldError::new(
                "amount",
                format!("exceeds the policy's cap per claim ({})", cap.display(claim.currency)),
            ));
        }
    }
    if let Some(tier) = decision.tier {
        if !(1..=3).contains(&tier) {
            errors.push(FieldError::new("tier", "must be 1, 2 or 3"));
        } else if tier != claim.tier && reason.is_none() {
            errors.push(FieldError::new("reason", "is required to change the assessed tier"));
        }
    }
    errors.into_result()?;
    Ok(amount.unwrap_or(claim.requested))
}
