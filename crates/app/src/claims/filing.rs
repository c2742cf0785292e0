//! Filing a claim or an advance: identity verification, eligibility with its reasons, the
//! needs assessment, and the advance cap.

use redress_domain::cases::Stage;
use redress_domain::claims::{claim_eligibility, ClaimFacts, ClaimKind, ClaimState, Need};
use redress_domain::money::Overflow;
use redress_domain::orders::Eligibility;
use redress_domain::policy::rules;
use redress_domain::victims::VictimCode;
use redress_domain::{Amount, Currency, FieldError, FieldErrors, Timestamp};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{one_line, ClaimView, FundPolicy};
use crate::accounts::audit_event;
use crate::orders::OrderView;
use crate::store::{ClaimEvent, ClaimFilter, ClaimRecord, ReadTx, VictimRecord, WriteTx};
use crate::{Actor, App, AppError, RequestContext};

/// A claim as received.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileClaim {
    /// The victim's code.
    pub victim: String,
    /// `reparation` (default) or `advance`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The reparation order (required for a reparation claim; optional for an advance).
    #[serde(default)]
    pub order_id: Option<i64>,
    /// The case (required for an advance without an order).
    #[serde(default)]
    pub case_id: Option<i64>,
    /// Decimal string. Default for a reparation claim: what is still owed on the order.
    #[serde(default)]
    pub amount: Option<String>,
    /// Needs assessment: names of needs (minor, pregnancy, serious_health_need, …).
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// What a claim's eligibility depends on besides the claim, its order and the policy.
pub(super) struct EligibilityFound {
    pub identity_verified: bool,
    pub consent_given: bool,
    /// Another open reparation claim on the order, or another open advance of the victim.
    pub other_open_claim: bool,
    pub case_stage: Option<Stage>,
    /// Advances given or on their way to the victim (advance claims only; zero otherwise).
    pub advances_taken: Amount,
}

impl App {
    /// Records that victim services verified a victim's identity (document seen in person,
    /// or checked with the registry). A claim is paid only to a verified identity.
    pub async fn verify_identity(
        &self,
        actor: &Actor,
        context: &RequestContext,
        code: &str,
        method: &str,
    ) -> Result<(), AppError> {
        actor.require(rules::FILE_CLAIMS)?;
        let code = VictimCode::parse(code)?;
        let method = method.trim();
        if !matches!(method, "document_in_person" | "registry_check" | "consular_check") {
            return Err(FieldError::new(
                "method",
                "must be document_in_person, registry_check or consular_check",
            )
            .into());
        }
        let mut tx = self.store.write().await?;
        let victim = tx
            .victim(code.as_str())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no victim has the code {code}")))?;
        if !self.looks_after_victim(&mut *tx, actor, &victim).await? {
            return Err(AppError::Forbidden);
        }
        if tx.identity_verification(victim.id).await?.is_some() {
            return Err(AppError::Conflict(FieldError::new("victim", "the identity is already verified")));
        }
        let now = self.clock.now();
        tx.insert_identity_verification(victim.id, method, now, &actor.username).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "victim.identity_verified",
            Some(("victim", victim.code.clone())),
            json!({"method": method}),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Advances already given (or on their way) to this victim, in any case, other than
    /// `except`: the cap is per victim.
    pub(super) async fn advances_taken(
        &self,
        tx: &mut dyn ReadTx,
        victim_id: i64,
        except: Option<i64>,
    ) -> Result<(Amount, bool), AppError> {
        let filter = ClaimFilter {
            victim_id: Some(victim_id),
            kind: Some(ClaimKind::Advance),
            ..ClaimFilter::default()
        };
        let claims = tx.claims(&filter, crate::store::Page { after: None, limit: 10_000 }).await?;
        Ok(Self::advances_given(claims.iter(), except)?)
    }

    /// [`Self::advances_taken`] over the victim's claims already read.
    pub(super) fn advances_given<'a>(
        claims: impl Iterator<Item = &'a ClaimRecord>,
        except: Option<i64>,
    ) -> Result<(Amount, bool), Overflow> {
        let mut taken = Amount::ZERO;
        let mut open = false;
        for claim in claims.filter(|c| c.kind == ClaimKind::Advance && Some(c.id) != except) {
            let state = claim.state;
            if state.is_open() {
                open = true;
                taken = taken.checked_add(claim.approved_amount.unwrap_or(claim.requested))?;
            } else if state == ClaimState::Paid {
                taken = taken.checked_add(claim.paid)?;
            }
        }
        Ok((taken, open))
    }

    /// The eligibility of a claim now, from the facts in the database.
    pub(super) async fn eligibility_of(
        &self,
        tx: &mut dyn ReadTx,
        claim: &ClaimRecord,
        policy: &FundPolicy,
        amount: Amount,
    ) -> Result<Eligibility, AppError> {
        let order = self.order_of_claim(tx, claim).await?;
        self.eligibility_with(tx, claim, policy, amount, order.as_ref()).await
    }

    /// The view of the order a claim is on, if any.
    pub(super) async fn order_of_claim(
        &self,
        tx: &mut dyn ReadTx,
        claim: &ClaimRecord,
    ) -> Result<Option<OrderView>, AppError> {
        match claim.order_id {
            Some(id) => {
                let order = tx
                    .order(id)
                    .await?
                    .ok_or_else(|| AppError::Internal("a claim without its order".into()))?;
                Ok(Some(self.order_view(tx, order).await?))
            }
            None => Ok(None),
        }
    }

    /// [`Self::eligibility_of`] with the claim's order already read.
    pub(super) async fn eligibility_with(
        &self,
        tx: &mut dyn ReadTx,
        claim: &ClaimRecord,
        policy: &FundPolicy,
        amount: Amount,
        order_view: Option<&OrderView>,
    ) -> Result<Eligibility, AppError> {
        let victim = tx
            .victim(&claim.victim_code)
            .await?
            .ok_or_else(|| AppError::Internal("a claim without its victim".into()))?;
        let kind = claim.kind;
        let other_open = match claim.order_id {
            Some(order_id) if kind == ClaimKind::Reparation => {
                let filter = ClaimFilter { order_id: Some(order_id), ..ClaimFilter::default() };
                tx.claims(&filter, crate::store::Page { after: None, limit: 1_000 })
                    .await?
                    .iter()
                    .any(|c| c.id != claim.id && c.kind == ClaimKind::Reparation && c.state.is_open())
            }
            _ => false,
        };
        let (taken, open_advance) = if kind == ClaimKind::Advance {
            self.advances_taken(tx, claim.victim_id, Some(claim.id)).await?
        } else {
            (Amount::ZERO, false)
        };
        let case = tx.case(claim.case_id).await?;
        let found = EligibilityFound {
            identity_verified: tx.identity_verification(victim.id).await?.is_some(),
            consent_given: victim.consent_withdrawn_at.is_none(),
            other_open_claim: other_open || open_advance,
            case_stage: case.map(|c| c.stage),
            advances_taken: taken,
        };
        Ok(Self::eligibility_given(claim, policy, amount, order_view, &found)?)
    }

    /// A claim's eligibility from the facts already read.
    pub(super) fn eligibility_given(
        claim: &ClaimRecord,
        policy: &FundPolicy,
        amount: Amount,
        order_view: Option<&OrderView>,
        found: &EligibilityFound,
    ) -> Result<Eligibility, Overflow> {
        let (order, owed) = match order_view {
            Some(view) => (Some(view.eligibility.clone()), Some(view.owed)),
            None => (None, None),
        };
        let case_charged = found.case_stage.is_some_and(|stage| {
            matches!(stage, Stage::Charged | Stage::Trial | Stage::Judgment | Stage::Final)
        });
        let facts = ClaimFacts {
            kind: claim.kind,
            currency: claim.currency,
            order,
            owed,
            identity_verified: found.identity_verified,
            consent_given: found.consent_given,
            other_open_claim: found.other_open_claim,
            case_charged,
            requested: amount,
            advance_room: policy.advance_cap.checked_sub(found.advances_taken)?,
        };
        Ok(claim_eligibility(&facts))
    }

    /// Files a claim (or an advance request) for a victim. Structural problems (unknown victim,
    /// an order of another victim, an amount above what is owed or above the advance cap, a
    /// second open claim on the order) are refused with the field named; a claim whose
    /// conditions are not all met yet (identity not verified, order not final) is filed and
    /// shows why it cannot be approved yet.
    pub async fn file_claim(
        &self,
        actor: &Actor,
        context: &RequestContext,
        request: FileClaim,
    ) -> Result<ClaimView, AppError> {
        actor.require(rules::FILE_CLAIMS)?;
        let mut errors = FieldErrors::new();
        let asked = Asked::read(&request, &mut errors);
        let mut tx = self.store.write().await?;
        let policy = self.current_policy(&mut *tx).await?;
        let victim = self.claim_victim(&mut *tx, actor, asked.code.as_ref(), &mut errors).await?;
        let order =
            self.claim_order(&mut *tx, actor, &request, asked.kind, victim.as_ref(), &mut errors).await?;
        let case_id =
            claim_case(&mut *tx, order.as_ref(), &request, asked.kind, victim.as_ref(), &mut errors).await?;
        let currency = order.as_ref().map_or(policy.currency, |o| o.order.currency);
        if currency != policy.currency {
            errors.push(FieldError::new(
                "order_id",
                format!("the order is in {}; the fund pays in {}", currency.code(), policy.currency.code()),
            ));
        }
        let amount =
            claim_amount(request.amount.as_deref(), order.as_ref(), asked.kind, currency, &mut errors);
        if let (Some(ClaimKind::Advance), Some(victim), Some(_), Some(amount)) =
            (asked.kind, &victim, case_id, amount)
        {
            self.check_advance_room(&mut *tx, victim.id, amount, &policy, &mut errors).await?;
        }
        if let (Some(ClaimKind::Reparation), Some(order)) = (asked.kind, &order) {
            no_open_claim_on(&mut *tx, order.order.id).await?;
        }
        errors.into_result()?;
        let (Some(victim), Some(kind), Some(case_id), Some(amount)) = (victim, asked.kind, case_id, amount)
        else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let now = self.clock.now();
        let mut claim = new_claim(
            &policy,
            &victim,
            kind,
            case_id,
            order.as_ref().map(|o| o.order.id),
            amount,
            &asked.needs,
            now,
            actor,
        );
        let eligibility = self.eligibility_of(&mut *tx, &claim, &policy, amount).await?;
        claim.eligibility =
            serde_json::to_string(&eligibility).map_err(|e| AppError::Internal(e.to_string()))?;
        let id = tx.insert_claim(&claim).await?;
        let event = ClaimEvent {
            from_state: None,
            to_state: claim.state,
            at: now,
            by: actor.username.clone(),
            note: asked.note,
        };
        tx.insert_claim_event(id, &event).await?;
        let detail = json!({"kind": claim.kind.as_str(), "victim": claim.victim_code, "order_id": claim.order_id,
               "amount": amount.format(currency), "tier": claim.tier, "eligible": eligibility.eligible});
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "claim.file",
            Some(("claim", id.to_string())),
            detail,
        ))
        .await?;
        let view = self.claim_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// The victim the claim is for: one the caller's institution looks after, who has not
    /// withdrawn consent.
    async fn claim_victim(
        &self,
        tx: &mut dyn WriteTx,
        actor: &Actor,
        code: Option<&VictimCode>,
        errors: &mut FieldErrors,
    ) -> Result<Option<VictimRecord>, AppError> {
        let Some(code) = code else { return Ok(None) };
        let Some(victim) = tx.victim(code.as_str()).await? else {
            errors.push(FieldError::new("victim", "no victim has this code"));
            return Ok(None);
        };
        if !self.looks_after_victim(&mut *tx, actor, &victim).await? {
            return Err(AppError::Forbidden);
        }
        if victim.consent_withdrawn_at.is_some() {
            errors.push(FieldError::new("victim", "the victim withdrew consent: no claim can be filed"));
        }
        Ok(Some(victim))
    }

    /// The order claimed on (the victim's own), with advances already paid to the victim in its
    /// case deducted from it first (written in this transaction: an error rolls it back).
    async fn claim_order(
        &self,
        tx: &mut dyn WriteTx,
        actor: &Actor,
        request: &FileClaim,
        kind: Option<ClaimKind>,
        victim: Option<&VictimRecord>,
        errors: &mut FieldErrors,
    ) -> Result<Option<OrderView>, AppError> {
        let Some(id) = request.order_id else {
            if kind == Some(ClaimKind::Reparation) {
                errors.push(FieldError::new("order_id", "a reparation claim names its reparation order"));
            }
            return Ok(None);
        };
        let Some(order) = tx.order(id).await? else {
            errors.push(FieldError::new("order_id", "no order has this id"));
            return Ok(None);
        };
        let same_victim = victim.is_some_and(|v| v.id == order.victim_id);
        if victim.is_some() && !same_victim {
            errors.push(FieldError::new("order_id", "is an order for another victim"));
        }
        if kind == Some(ClaimKind::Reparation) && same_victim {
            if let Some(judgment) = tx.judgment(order.judgment_id).await? {
                let now = self.clock.now();
                self.link_paid_advances(
                    &mut *tx,
                    order.victim_id,
                    judgment.case_id,
                    order.id,
                    now,
                    &actor.username,
                )
                .await?;
            }
        }
        Ok(Some(self.order_view(&mut *tx, order).await?))
    }

    /// Notes an advance above what the cap leaves for the victim (all their cases together), or
    /// a second open advance.
    async fn check_advance_room(
        &self,
        tx: &mut dyn WriteTx,
        victim_id: i64,
        amount: Amount,
        policy: &FundPolicy,
        errors: &mut FieldErrors,
    ) -> Result<(), AppError> {
        let (taken, open) = self.advances_taken(&mut *tx, victim_id, None).await?;
        if open {
            errors.push(FieldError::new("victim", "already has an open advance request"));
        }
        let room = policy.advance_cap.checked_sub(taken)?;
        if amount > room {
            errors.push(FieldError::new(
                "amount",
                format!(
                    "exceeds the advance cap: {} may still be advanced to this victim (in any case)",
                    room.max(Amount::ZERO).display(policy.currency)
                ),
            ));
        }
        Ok(())
    }

    /// Records advances paid before the order existed as deducted from it.
    pub(super) async fn link_paid_advances(
        &self,
        tx: &mut dyn WriteTx,
        victim_id: i64,
        case_id: i64,
        order_id: i64,
        now: Timestamp,
        by: &str,
    ) -> Result<(), AppError> {
        let filter =
            ClaimFilter { victim_id: Some(victim_id), case_id: Some(case_id), ..ClaimFilter::default() };
        let claims = tx.claims(&filter, crate::store::Page { after: None, limit: 10_000 }).await?;
        for mut advance in claims
            .into_iter()
            .filter(|c| c.kind == ClaimKind::Advance && c.order_id.is_none() && c.paid.is_positive())
        {
            tx.insert_order_payment(
                order_id,
                &crate::store::OrderPayment {
                    source: redress_domain::orders::PaymentSource::Advance,
                    amount: advance.paid,
                    paid_on: self.local_date(now).to_string(),
                    reference: Some(format!("claim {}", advance.id)),
                    recorded_at: now,
                    recorded_by: by.to_string(),
                },
            )
            .await?;
            advance.order_id = Some(order_id);
            tx.update_claim(&advance).await?;
        }
        Ok(())
    }
}

/// What the request asks for, read without the database.
struct Asked {
    code: Option<VictimCode>,
    kind: Option<ClaimKind>,
    needs: Vec<Need>,
    note: Option<String>,
}

impl Asked {
    fn read(request: &FileClaim, errors: &mut FieldErrors) -> Asked {
        let code = errors.check(VictimCode::parse(&request.victim).map_err(|e| e.at("victim")));
        let kind = match request.kind.as_deref() {
            Some(text) => errors.check(ClaimKind::parse("kind", text)),
            None => Some(ClaimKind::Reparation),
        };
        let needs: Vec<Need> = request
            .needs
            .iter()
            .enumerate()
            .filter_map(|(i, n)| errors.check(Need::parse(&format!("needs[{i}]"), n)))
            .collect();
        let mut unique = needs.clone();
        unique.sort_by_key(|n| n.as_str());
        unique.dedup();
        if unique.len() != needs.len() {
            errors.push(FieldError::new("needs", "lists a need twice"));
        }
        let note = errors.check(one_line("note", request.note.as_deref(), 500)).flatten();
        Asked { code, kind, needs, note }
    }
}

/// The case the claim belongs to: the order's, or the one named (the victim must be in it).
async fn claim_case(
    tx: &mut dyn WriteTx,
    order: Option<&OrderView>,
    request: &FileClaim,
    kind: Option<ClaimKind>,
    victim: Option<&VictimRecord>,
    errors: &mut FieldErrors,
) -> Result<Option<i64>, AppError> {
    if let Some(order) = order {
        return Ok(tx.judgment(order.order.judgment_id).await?.map(|j| j.case_id));
    }
    let Some(case_id) = request.case_id else {
        if kind == Some(ClaimKind::Advance) {
            errors.push(FieldError::new("case_id", "an advance names the case (or the order)"));
        }
        return Ok(None);
    };
    if tx.case(case_id).await?.is_none() {
        errors.push(FieldError::new("case_id", "no case has this id"));
        return Ok(None);
    }
    if let Some(v) = victim {
        if !tx.case_victim_codes(case_id).await?.contains(&v.code) {
            errors.push(FieldError::new("case_id", "the victim is not in this case"));
        }
    }
    Ok(Some(case_id))
}

/// The amount asked: above zero, no more than the order still owes; a reparation claim asks
/// for what is owed by default, an advance must say.
fn claim_amount(
    text: Option<&str>,
    order: Option<&OrderView>,
    kind: Option<ClaimKind>,
    currency: Currency,
    errors: &mut FieldErrors,
) -> Option<Amount> {
    let amount = match text {
        Some(text) => match Amount::parse(text, currency) {
            Ok(a) if a.is_positive() => Some(a),
            Ok(_) => {
                errors.push(FieldError::new("amount", "must be greater than zero"));
                None
            }
            Err(e) => {
                errors.push(e.at("amount"));
                None
            }
        },
        None => match (order, kind) {
            (Some(o), Some(ClaimKind::Reparation)) => Some(o.owed),
            (_, Some(ClaimKind::Advance)) => {
                errors.push(FieldError::new("amount", "an advance states the amount asked"));
                None
            }
            _ => None,
        },
    };
    if let (Some(amount), Some(order)) = (amount, order) {
        if amount > order.owed {
            errors.push(FieldError::new(
                "amount",
                format!("exceeds what is still owed on the order ({})", order.owed.display(currency)),
            ));
        }
        if !order.owed.is_positive() {
            errors.push(FieldError::new("order_id", "nothing is owed on this order any more"));
        }
    }
    amount
}

/// A second reparation claim on an order while one is open is a conflict.
async fn no_open_claim_on(tx: &mut dyn WriteTx, order_id: i64) -> Result<(), AppError> {
    let filter = ClaimFilter { order_id: Some(order_id), ..ClaimFilter::default() };
    let claims = tx.claims(&filter, crate::store::Page { after: None, limit: 1_000 }).await?;
    if claims.into_iter().any(|c| c.kind == ClaimKind::Reparation && c.state.is_open()) {
        return Err(AppError::Conflict(FieldError::new(
            "order_id",
            "another claim on this order is still open",
        )));
    }
    Ok(())
}

/// A new claim, received, with its tier assessed and its decision due.
#[allow(clippy::too_many_arguments)]
fn new_claim(
    policy: &FundPolicy,
    victim: &VictimRecord,
    kind: ClaimKind,
    case_id: i64,
    order_id: Option<i64>,
    amount: Amount,
    needs: &[Need],
    now: Timestamp,
    actor: &Actor,
) -> ClaimRecord {
    let assessment = policy.tiers.assess(needs);
    let due = Timestamp::from_unix_micros(
        policy
            .deadlines
            .decision_due(assessment.tier, now.unix_micros() / 1_000_000)
            .saturating_mul(1_000_000),
    );
    ClaimRecord {
        id: 0,
        kind,
        victim_id: victim.id,
        victim_code: victim.code.clone(),
        victim_institution: victim.institution_id,
        case_id,
        order_id,
        currency: policy.currency,
        state: ClaimState::Received,
        requested: amount,
        needs: needs.iter().map(|n| n.as_str().to_string()).collect(),
        tier: assessment.tier,
        tier_reasons: assessment.reasons.iter().map(|n| n.as_str().to_string()).collect(),
        policy_version: policy.version,
        eligibility: String::new(),
        approved_amount: None,
        paid: Amount::ZERO,
        decision_reason: None,
        filed_at: now,
        filed_by: actor.username.clone(),
        decision_due: due,
        decided_at: None,
        decided_by: None,
        payment_due: None,
        hold_id: None,
        hold_amount: None,
        waiting_for: None,
    }
}
