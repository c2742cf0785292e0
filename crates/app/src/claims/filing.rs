//! Filing a claim or an advance: identity verification, eligibility with its reasons, the
//! needs assessment, and the advance cap.

use redress_domain::cases::Stage;
use redress_domain::claims::{claim_eligibility, ClaimFacts, ClaimKind, ClaimState, Need};
use redress_domain::orders::Eligibility;
use redress_domain::policy::rules;
use redress_domain::victims::VictimCode;
use redress_domain::{Amount, FieldError, FieldErrors, Timestamp};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{one_line, ClaimView, FundPolicy};
use crate::accounts::audit_event;
use crate::store::{ClaimEvent, ClaimFilter, ClaimRecord, ReadTx, WriteTx};
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
        let mut taken = Amount::ZERO;
        let mut open = false;
        for claim in claims.iter().filter(|c| c.kind == ClaimKind::Advance && Some(c.id) != except) {
            let state = claim.state;
            if state.is_open() {
                open = true;
                taken = Amount(taken.0 + claim.approved_amount.unwrap_or(claim.requested).0);
            } else if state == ClaimState::Paid {
                taken = Amount(taken.0 + claim.paid.0);
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
        let victim = tx
            .victim(&claim.victim_code)
            .await?
            .ok_or_else(|| AppError::Internal("a claim without its victim".into()))?;
        let kind = claim.kind;
        let (order, owed) = match claim.order_id {
            Some(id) => {
                let order = tx
                    .order(id)
                    .await?
                    .ok_or_else(|| AppError::Internal("a claim without its order".into()))?;
                let view = self.order_view(tx, order).await?;
                (Some(view.eligibility), Some(view.owed))
            }
            None => (None, None),
        };
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
        let case_charged = case.as_ref().is_some_and(|c| {
            Stage::parse(&c.stage)
                .is_ok_and(|s| matches!(s, Stage::Charged | Stage::Trial | Stage::Judgment | Stage::Final))
        });
        let facts = ClaimFacts {
            kind,
            currency: claim.currency,
            order,
            owed,
            identity_verified: tx.identity_verification(victim.id).await?.is_some(),
            consent_given: victim.consent_withdrawn_at.is_none(),
            other_open_claim: other_open || open_advance,
            case_charged,
            requested: amount,
            advance_room: Amount(policy.advance_cap.0 - taken.0),
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
        let mut unique_needs = needs.clone();
        unique_needs.sort_by_key(|n| n.as_str());
        unique_needs.dedup();
        if unique_needs.len() != needs.len() {
            errors.push(FieldError::new("needs", "lists a need twice"));
        }
        let note = errors.check(one_line("note", request.note.as_deref(), 500)).flatten();
        let mut tx = self.store.write().await?;
        let policy = self.current_policy(&mut *tx).await?;
        let victim = match &code {
            Some(code) => tx.victim(code.as_str()).await?,
            None => None,
        };
        if code.is_some() && victim.is_none() {
            errors.push(FieldError::new("victim", "no victim has this code"));
        }
        if let Some(victim) = &victim {
            if !self.looks_after_victim(&mut *tx, actor, victim).await? {
                return Err(AppError::Forbidden);
            }
            if victim.consent_withdrawn_at.is_some() {
                errors.push(FieldError::new("victim", "the victim withdrew consent: no claim can be filed"));
            }
        }
        let order = match request.order_id {
            Some(id) => {
                let order = tx.order(id).await?;
                match (&order, &victim) {
                    (None, _) => errors.push(FieldError::new("order_id", "no order has this id")),
                    (Some(o), Some(v)) if o.victim_id != v.id => {
                        errors.push(FieldError::new("order_id", "is an order for another victim"))
                    }
                    _ => {}
                }
                match order {
                    Some(o) => {
                        // Advances already paid to this victim in this case are deducted from
                        // the order first (written in this transaction: an error rolls it back).
                        let same_victim = victim.as_ref().is_some_and(|v| v.id == o.victim_id);
                        if kind == Some(ClaimKind::Reparation) && same_victim {
                            if let Some(judgment) = tx.judgment(o.judgment_id).await? {
                                let now = self.clock.now();
                                self.link_paid_advances(
                                    &mut *tx,
                                    o.victim_id,
                                    judgment.case_id,
                                    o.id,
                                    now,
                                    &actor.username,
                                )
                                .await?;
                            }
                        }
                        Some(self.order_view(&mut *tx, o).await?)
                    }
                    None => None,
                }
            }
            None => {
                if kind == Some(ClaimKind::Reparation) {
                    errors.push(FieldError::new("order_id", "a reparation claim names its reparation order"));
                }
                None
            }
        };
        let case_id = match (&order, request.case_id) {
            (Some(order), _) => {
                let judgment = tx.judgment(order.order.judgment_id).await?;
                judgment.map(|j| j.case_id)
            }
            (None, Some(case_id)) => {
                if tx.case(case_id).await?.is_none() {
                    errors.push(FieldError::new("case_id", "no case has this id"));
                    None
                } else if let Some(v) = &victim {
                    if !tx.case_victim_codes(case_id).await?.contains(&v.code) {
                        errors.push(FieldError::new("case_id", "the victim is not in this case"));
                    }
                    Some(case_id)
                } else {
                    Some(case_id)
                }
            }
            (None, None) => {
                if kind == Some(ClaimKind::Advance) {
                    errors.push(FieldError::new("case_id", "an advance names the case (or the order)"));
                }
                None
            }
        };
        let currency = order.as_ref().map_or(policy.currency, |o| o.order.currency);
        if currency != policy.currency {
            errors.push(FieldError::new(
                "order_id",
                format!("the order is in {}; the fund pays in {}", currency.code(), policy.currency.code()),
            ));
        }
        let amount = match &request.amount {
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
            None => match (&order, kind) {
                (Some(o), Some(ClaimKind::Reparation)) => Some(o.owed),
                (_, Some(ClaimKind::Advance)) => {
                    errors.push(FieldError::new("amount", "an advance states the amount asked"));
                    None
                }
                _ => None,
            },
        };
        if let (Some(amount), Some(order)) = (amount, &order) {
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
        if let (Some(ClaimKind::Advance), Some(victim), Some(case_id), Some(amount)) =
            (kind, &victim, case_id, amount)
        {
            let _ = case_id;
            let (taken, open) = self.advances_taken(&mut *tx, victim.id, None).await?;
            if open {
                errors.push(FieldError::new("victim", "already has an open advance request"));
            }
            let room = Amount(policy.advance_cap.0 - taken.0);
            if amount > room {
                errors.push(FieldError::new(
                    "amount",
                    format!(
                        "exceeds the advance cap: {} may still be advanced to this victim (in any case)",
                        Amount(room.0.max(0)).display(currency)
                    ),
                ));
            }
        }
        if let (Some(ClaimKind::Reparation), Some(order)) = (kind, &order) {
            let filter = ClaimFilter { order_id: Some(order.order.id), ..ClaimFilter::default() };
            let open = tx
                .claims(&filter, crate::store::Page { after: None, limit: 1_000 })
                .await?
                .into_iter()
                .any(|c| c.kind == ClaimKind::Reparation && c.state.is_open());
            if open {
                return Err(AppError::Conflict(FieldError::new(
                    "order_id",
                    "another claim on this order is still open",
                )));
            }
        }
        errors.into_result()?;
        let (Some(victim), Some(kind), Some(case_id), Some(amount)) = (victim, kind, case_id, amount) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let now = self.clock.now();
        let assessment = policy.tiers.assess(&needs);
        let due = Timestamp::from_unix_micros(
            policy.deadlines.decision_due(assessment.tier, now.unix_micros() / 1_000_000) * 1_000_000,
        );
        let mut claim = ClaimRecord {
            id: 0,
            kind,
            victim_id: victim.id,
            victim_code: victim.code.clone(),
            victim_institution: victim.institution_id,
            case_id,
            order_id: order.as_ref().map(|o| o.order.id),
            currency,
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
        };
        let eligibility = self.eligibility_of(&mut *tx, &claim, &policy, amount).await?;
        claim.eligibility =
            serde_json::to_string(&eligibility).map_err(|e| AppError::Internal(e.to_string()))?;
        let id = tx.insert_claim(&claim).await?;
        tx.insert_claim_event(
            id,
            &ClaimEvent {
                from_state: None,
                to_state: claim.state.as_str().to_string(),
                at: now,
                by: actor.username.clone(),
                note,
            },
        )
        .await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "claim.file",
            Some(("claim", id.to_string())),
            json!({"kind": claim.kind.as_str(), "victim": claim.victim_code, "order_id": claim.order_id,
                   "amount": amount.format(currency), "tier": claim.tier, "eligible": eligibility.eligible}),
        ))
        .await?;
        let view = self.claim_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
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
                    source: "advance".into(),
                    amount: advance.paid,
                    paid_on: now.to_datetime().date().to_string(),
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
