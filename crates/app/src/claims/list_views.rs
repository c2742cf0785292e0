//! A page of claim views from a few set-based reads: the page's orders, their judgments,
//! payments and insolvency findings, the claims' histories and, for the received claims, the
//! facts their eligibility depends on — one statement per kind of row for the whole page,
//! instead of about a dozen per claim.

use std::collections::HashMap;

use async_trait::async_trait;
use redress_domain::cases::Stage;
use redress_domain::claims::{ClaimKind, ClaimState};
use redress_domain::Amount;

use super::filing::EligibilityFound;
use super::{ClaimView, FundPolicy};
use crate::orders::OrderView;
use crate::store::{
    ClaimEvent, ClaimRecord, InsolvencyFinding, JudgmentRecord, OrderPayment, OrderRecord, ReadTx,
    StoreResult,
};
use crate::{App, AppError};

/// Reads of many rows by id at once, for a page of views. Each returns the rows found, in any
/// order; rows of a child table come with their parent's id.
#[async_trait]
pub trait PageReads: Send {
    async fn orders_in(&mut self, ids: &[i64]) -> StoreResult<Vec<OrderRecord>>;
    async fn judgments_in(&mut self, ids: &[i64]) -> StoreResult<Vec<JudgmentRecord>>;
    /// (order id, payment), oldest first.
    async fn order_payments_in(&mut self, order_ids: &[i64]) -> StoreResult<Vec<(i64, OrderPayment)>>;
    /// (order id, finding), oldest first.
    async fn insolvency_findings_in(
        &mut self,
        order_ids: &[i64],
    ) -> StoreResult<Vec<(i64, InsolvencyFinding)>>;
    /// (claim id, event), oldest first.
    async fn claim_events_in(&mut self, claim_ids: &[i64]) -> StoreResult<Vec<(i64, ClaimEvent)>>;
    /// (victim id, consent given, identity verified).
    async fn victim_facts_in(&mut self, victim_ids: &[i64]) -> StoreResult<Vec<(i64, bool, bool)>>;
    /// (case id, stage).
    async fn case_stages_in(&mut self, case_ids: &[i64]) -> StoreResult<Vec<(i64, Stage)>>;
    /// Every claim on these orders.
    async fn claims_on_orders(&mut self, order_ids: &[i64]) -> StoreResult<Vec<ClaimRecord>>;
    /// Every advance claim of these victims.
    async fn advances_of_victims(&mut self, victim_ids: &[i64]) -> StoreResult<Vec<ClaimRecord>>;
}

fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn grouped<T>(rows: Vec<(i64, T)>) -> HashMap<i64, Vec<T>> {
    let mut groups: HashMap<i64, Vec<T>> = HashMap::new();
    for (id, row) in rows {
        groups.entry(id).or_default().push(row);
    }
    groups
}

impl App {
    /// The views of a page of claims, in the page's order, as [`Self::claim_view_of`] builds
    /// them one at a time.
    pub(super) async fn claim_views(
        &self,
        tx: &mut dyn ReadTx,
        claims: Vec<ClaimRecord>,
        policy: &FundPolicy,
    ) -> Result<Vec<ClaimView>, AppError> {
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        let orders = self.order_views_in(tx, &distinct(claims.iter().filter_map(|c| c.order_id))).await?;
        let received: Vec<&ClaimRecord> = claims.iter().filter(|c| c.state == ClaimState::Received).collect();
        let mut found = self.eligibility_facts(tx, &received).await?;
        let mut history = grouped(tx.claim_events_in(&distinct(claims.iter().map(|c| c.id))).await?);
        let mut views = Vec::with_capacity(claims.len());
        for claim in claims {
            let order = match claim.order_id {
                Some(id) => Some(
                    orders.get(&id).ok_or_else(|| AppError::Internal("a claim without its order".into()))?,
                ),
                None => None,
            };
            let eligibility = found
                .remove(&claim.id)
                .map(|facts| Self::eligibility_given(&claim, policy, claim.requested, order, &facts))
                .transpose()?;
            let events = history.remove(&claim.id).unwrap_or_default();
            views.push(self.claim_view_given(claim, order, eligibility, events)?);
        }
        Ok(views)
    }

    /// The views of these orders, by id.
    async fn order_views_in(
        &self,
        tx: &mut dyn ReadTx,
        ids: &[i64],
    ) -> Result<HashMap<i64, OrderView>, AppError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let orders = tx.orders_in(ids).await?;
        let judgments: HashMap<i64, JudgmentRecord> = tx
            .judgments_in(&distinct(orders.iter().map(|o| o.judgment_id)))
            .await?
            .into_iter()
            .map(|j| (j.id, j))
            .collect();
        let mut payments = grouped(tx.order_payments_in(ids).await?);
        let mut insolvency = grouped(tx.insolvency_findings_in(ids).await?);
        let mut views = HashMap::with_capacity(orders.len());
        for order in orders {
            let id = order.id;
            let judgment = judgments
                .get(&order.judgment_id)
                .ok_or_else(|| AppError::Internal("an order without its judgment".into()))?;
            let view = self.order_view_given(
                order,
                judgment,
                payments.remove(&id).unwrap_or_default(),
                insolvency.remove(&id).unwrap_or_default(),
            )?;
            views.insert(id, view);
        }
        Ok(views)
    }

    /// What the received claims' eligibility depends on, by claim id (as
    /// [`Self::eligibility_with`] reads it for one claim).
    async fn eligibility_facts(
        &self,
        tx: &mut dyn ReadTx,
        received: &[&ClaimRecord],
    ) -> Result<HashMap<i64, EligibilityFound>, AppError> {
        if received.is_empty() {
            return Ok(HashMap::new());
        }
        let victims: HashMap<i64, (bool, bool)> = tx
            .victim_facts_in(&distinct(received.iter().map(|c| c.victim_id)))
            .await?
            .into_iter()
            .map(|(id, consent, verified)| (id, (consent, verified)))
            .collect();
        let stages: HashMap<i64, Stage> =
            tx.case_stages_in(&distinct(received.iter().map(|c| c.case_id))).await?.into_iter().collect();
        let reparation_orders =
            distinct(received.iter().filter(|c| c.kind == ClaimKind::Reparation).filter_map(|c| c.order_id));
        let on_orders = if reparation_orders.is_empty() {
            Vec::new()
        } else {
            tx.claims_on_orders(&reparation_orders).await?
        };
        let advance_victims =
            distinct(received.iter().filter(|c| c.kind == ClaimKind::Advance).map(|c| c.victim_id));
        let advances = if advance_victims.is_empty() {
            Vec::new()
        } else {
            tx.advances_of_victims(&advance_victims).await?
        };
        let mut found = HashMap::with_capacity(received.len());
        for claim in received {
            let (consent_given, identity_verified) = *victims
                .get(&claim.victim_id)
                .ok_or_else(|| AppError::Internal("a claim without its victim".into()))?;
            let other_open = claim.kind == ClaimKind::Reparation
                && claim.order_id.is_some_and(|order| {
                    on_orders.iter().any(|c| {
                        c.order_id == Some(order)
                            && c.id != claim.id
                            && c.kind == ClaimKind::Reparation
                            && c.state.is_open()
                    })
                });
            let (taken, open_advance) = if claim.kind == ClaimKind::Advance {
                Self::advances_given(
                    advances.iter().filter(|c| c.victim_id == claim.victim_id),
                    Some(claim.id),
                )?
            } else {
                (Amount::ZERO, false)
            };
            let facts = EligibilityFound {
                identity_verified,
                consent_given,
                other_open_claim: other_open || open_advance,
                case_stage: stages.get(&claim.case_id).copied(),
                advances_taken: taken,
            };
            found.insert(claim.id, facts);
        }
        Ok(found)
    }
}
