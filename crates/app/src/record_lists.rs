//! Lists of judgments, reparation orders, allocation rounds and payment batches for the pages,
//! and the orders a victim may claim on (the claim form's picker). As the case list: newest
//! first, paged by id (`after`), one query with a `LIMIT`, filters in SQL on indexed columns
//! (migration `0055_record_lists`), so that a page costs what it shows, not what the tables
//! hold.
//!
//! Who sees which rows follows the read rule of each record: fund officers and auditors every
//! judgment and order; prosecutors and court clerks their own institution's cases' (opened by
//! the office, or at the court); victim services the orders of the victims their institution
//! looks after (registered by it or referred to it; a judgment they reach through those orders,
//! as a case through its victims). Rounds and batches are the fund's, read by whoever reads
//! payments.

use async_trait::async_trait;
use redress_domain::orders::PaymentState;
use redress_domain::payments::BatchState;
use redress_domain::policy::rules;
use redress_domain::victims::VictimCode;
use redress_domain::{Amount, Currency, FieldError, InstitutionId, Role, Timestamp};
use serde::Serialize;

use crate::accounts::page;
use crate::store::{BatchRecord, Page, StoreResult};
use crate::{Actor, App, AppError};

/// Whose judgments and orders a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every one (fund officers, auditors).
    All,
    /// Those of cases opened by the institution or at its court (prosecutors, court clerks).
    Institution(InstitutionId),
    /// Those naming a victim the institution looks after: registered by it or referred to it
    /// (victim services).
    VictimsOf(InstitutionId),
}

/// What to keep of the judgments; `None` keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JudgmentFilter {
    /// `Some(true)`: final (firme) only; `Some(false)`: not final yet only.
    pub is_final: Option<bool>,
    pub case_id: Option<i64>,
    /// The case's prosecutor's or court's file number, exactly.
    pub file: Option<String>,
}

/// What to keep of the orders; empty keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub states: Vec<PaymentState>,
    pub case_id: Option<i64>,
    /// The case's prosecutor's or court's file number, exactly.
    pub file: Option<String>,
}

/// Which rounds to keep, by where their payment batch stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RoundFilter {
    #[default]
    Any,
    /// Rounds whose batch is not proposed yet.
    WithoutBatch,
    /// Rounds whose batch is in this state.
    Batch(BatchState),
}

/// The code of a round without a batch, beside the batch states, in the round list's filter.
pub const ROUND_WITHOUT_BATCH: &str = "no_batch";

impl RoundFilter {
    /// `""` (any), `no_batch`, or a batch state.
    pub fn parse(field: &str, text: &str) -> Result<RoundFilter, FieldError> {
        match text.trim() {
            "" => Ok(RoundFilter::Any),
            ROUND_WITHOUT_BATCH => Ok(RoundFilter::WithoutBatch),
            other => BatchState::parse(other).map(RoundFilter::Batch).ok_or_else(|| {
                FieldError::new(field, "must be no_batch, proposed, approved, exported or closed")
            }),
        }
    }
}

/// A judgment in a list, with its case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JudgmentRow {
    pub id: i64,
    pub case_id: i64,
    pub prosecutor_file: String,
    pub court_file: Option<String>,
    pub court: String,
    pub judged_on: String,
    pub final_on: Option<String>,
    /// How many reparation orders it made.
    pub orders: i64,
}

/// An order in a list, with its judgment and case, and where it stands in money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    pub id: i64,
    pub judgment_id: i64,
    pub case_id: i64,
    pub prosecutor_file: String,
    pub court_file: Option<String>,
    pub court: String,
    pub judged_on: String,
    pub final_on: Option<String>,
    pub victim_code: String,
    pub currency: Currency,
    pub ordered: Amount,
    pub paid: Amount,
    pub state: PaymentState,
}

/// A round in a list, with its batch if one was proposed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundRow {
    pub id: i64,
    pub currency: Currency,
    pub available: Amount,
    pub allocated: Amount,
    pub lines: i64,
    pub created_at: Timestamp,
    pub created_by: String,
    pub batch_id: Option<i64>,
    pub batch_state: Option<BatchState>,
}

#[async_trait]
pub trait RecordListReads: Send {
    /// Judgments newest first (ids below `page.after`): of an institution's cases (opened by
    /// it or at its court) when one is given.
    async fn judgments_page(
        &mut self,
        institution: Option<InstitutionId>,
        filter: &JudgmentFilter,
        page: Page,
    ) -> StoreResult<Vec<JudgmentRow>>;
    /// Orders newest first (ids below `page.after`).
    async fn orders_page(
        &mut self,
        scope: Scope,
        filter: &OrderFilter,
        page: Page,
    ) -> StoreResult<Vec<OrderRow>>;
    /// Rounds newest first (ids below `page.after`).
    async fn rounds_page(&mut self, filter: RoundFilter, page: Page) -> StoreResult<Vec<RoundRow>>;
    /// Batches newest first (ids below `page.after`), in one of `states` when any are given.
    async fn batches_page(&mut self, states: &[BatchState], page: Page) -> StoreResult<Vec<BatchRecord>>;
    /// The victim's orders newest first that something is still owed on, with no open claim,
    /// of a judgment not set aside: the ones a reparation claim may be filed on.
    async fn claimable_orders(&mut self, victim_id: i64, limit: i64) -> StoreResult<Vec<OrderRow>>;
}

/// An order in a list, as pages and the API show it (amounts as decimal strings).
#[derive(Debug, Clone, Serialize)]
pub struct OrderSummary {
    pub id: i64,
    pub judgment_id: i64,
    pub case_id: i64,
    pub prosecutor_file: String,
    pub court_file: Option<String>,
    pub court: String,
    pub judged_on: String,
    pub final_on: Option<String>,
    pub victim: String,
    pub currency: String,
    pub ordered: String,
    pub paid: String,
    pub owed: String,
    /// `unpaid`, `partly`, `insolvent` or `paid`.
    pub state: &'static str,
}

impl From<OrderRow> for OrderSummary {
    fn from(row: OrderRow) -> OrderSummary {
        let c = row.currency;
        let owed = row.ordered.checked_sub(row.paid).unwrap_or(Amount::ZERO).max(Amount::ZERO);
        OrderSummary {
            id: row.id,
            judgment_id: row.judgment_id,
            case_id: row.case_id,
            prosecutor_file: row.prosecutor_file,
            court_file: row.court_file,
            court: row.court,
            judged_on: row.judged_on,
            final_on: row.final_on,
            victim: row.victim_code,
            currency: c.code().to_string(),
            ordered: row.ordered.format(c),
            paid: row.paid.format(c),
            owed: owed.format(c),
            state: row.state.as_str(),
        }
    }
}

/// A round in a list.
#[derive(Debug, Clone, Serialize)]
pub struct RoundSummary {
    pub id: i64,
    pub currency: String,
    pub available: String,
    pub allocated: String,
    pub lines: i64,
    pub created_at: Timestamp,
    pub created_by: String,
    pub batch_id: Option<i64>,
    /// The batch's state, or `no_batch`.
    pub state: &'static str,
}

/// A batch in a list (without its lines).
#[derive(Debug, Clone, Serialize)]
pub struct BatchSummary {
    pub id: i64,
    pub round_id: i64,
    pub currency: String,
    pub state: &'static str,
    pub execution_date: String,
    pub total: String,
    pub proposed_by: String,
    pub approved_by: Option<String>,
}

/// Whose judgments and orders the reader may list.
fn scope_of(actor: &Actor) -> Result<Option<Scope>, AppError> {
    if actor.roles.iter().any(|r| matches!(r, Role::FundOfficer | Role::Auditor)) {
        return Ok(Some(Scope::All));
    }
    let institution = actor.institution_id;
    if actor.roles.iter().any(|r| matches!(r, Role::Prosecutor | Role::CourtClerk)) {
        return Ok(institution.map(Scope::Institution));
    }
    if actor.has_role(Role::VictimServices) {
        return Ok(institution.map(Scope::VictimsOf));
    }
    Err(AppError::Forbidden)
}

/// A file number typed in a filter: trimmed, at most 100 characters.
fn file_of(file: Option<&str>) -> Result<Option<String>, AppError> {
    match file.map(str::trim).filter(|f| !f.is_empty()) {
        None => Ok(None),
        Some(f) if f.chars().count() <= 100 => Ok(Some(f.to_string())),
        Some(_) => Err(FieldError::new("file", "must be one line of at most 100 characters").into()),
    }
}

impl App {
    /// Judgments newest first, as the reader may list them (see the module's header; victim
    /// services list their victims' orders instead).
    pub async fn judgments(
        &self,
        actor: &Actor,
        filter: &JudgmentFilter,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<JudgmentRow>, AppError> {
        actor.require(rules::READ_ORDERS)?;
        let page = page(after, limit)?;
        let filter = JudgmentFilter { file: file_of(filter.file.as_deref())?, ..filter.clone() };
        let institution = match scope_of(actor)? {
            Some(Scope::All) => None,
            Some(Scope::Institution(institution)) => Some(institution),
            // Victim services reach a judgment through their victims' orders, as a case.
            Some(Scope::VictimsOf(_)) => return Err(AppError::Forbidden),
            None => return Ok(Vec::new()),
        };
        Ok(self.store.read().await?.judgments_page(institution, &filter, page).await?)
    }

    /// Reparation orders newest first, as the reader may list them, with what is owed on each.
    pub async fn orders(
        &self,
        actor: &Actor,
        filter: &OrderFilter,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<OrderSummary>, AppError> {
        actor.require(rules::READ_ORDERS)?;
        let page = page(after, limit)?;
        let filter = OrderFilter { file: file_of(filter.file.as_deref())?, ..filter.clone() };
        let Some(scope) = scope_of(actor)? else { return Ok(Vec::new()) };
        let rows = self.store.read().await?.orders_page(scope, &filter, page).await?;
        Ok(rows.into_iter().map(OrderSummary::from).collect())
    }

    /// Allocation rounds newest first, by where their batch stands.
    pub async fn round_list(
        &self,
        actor: &Actor,
        filter: RoundFilter,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<RoundSummary>, AppError> {
        actor.require(rules::READ_PAYMENTS)?;
        let page = page(after, limit)?;
        let rows = self.store.read().await?.rounds_page(filter, page).await?;
        Ok(rows
            .into_iter()
            .map(|r| RoundSummary {
                id: r.id,
                currency: r.currency.code().to_string(),
                available: r.available.format(r.currency),
                allocated: r.allocated.format(r.currency),
                lines: r.lines,
                created_at: r.created_at,
                created_by: r.created_by,
                batch_id: r.batch_id,
                state: r.batch_state.map_or(ROUND_WITHOUT_BATCH, BatchState::as_str),
            })
            .collect())
    }

    /// The batch proposed from a round, if any.
    pub async fn round_batch(&self, actor: &Actor, round_id: i64) -> Result<Option<i64>, AppError> {
        actor.require(rules::READ_PAYMENTS)?;
        Ok(self.store.read().await?.batch_of_round(round_id).await?.map(|b| b.id))
    }

    /// Payment batches newest first, in one of `states` when any are given, without their lines.
    pub async fn batch_list(
        &self,
        actor: &Actor,
        states: &[BatchState],
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<BatchSummary>, AppError> {
        actor.require(rules::READ_PAYMENTS)?;
        let page = page(after, limit)?;
        let rows = self.store.read().await?.batches_page(states, page).await?;
        Ok(rows
            .into_iter()
            .map(|b| BatchSummary {
                id: b.id,
                round_id: b.round_id,
                currency: b.currency.code().to_string(),
                state: b.state.as_str(),
                execution_date: b.execution_date,
                total: b.total.format(b.currency),
                proposed_by: b.proposed_by,
                approved_by: b.approved_by,
            })
            .collect())
    }

    /// The orders a reparation claim may be filed on for the victim: theirs, something still
    /// owed, no open claim on it, its judgment not set aside. For victim services of the
    /// institution that looks after the victim (who may file the claim), and nobody else.
    pub async fn claimable_orders(&self, actor: &Actor, victim: &str) -> Result<Vec<OrderSummary>, AppError> {
        actor.require(rules::FILE_CLAIMS)?;
        let code = VictimCode::parse(victim).map_err(|e| e.at("victim"))?;
        let mut tx = self.store.read().await?;
        let Some(victim) = tx.victim(code.as_str()).await? else {
            return Err(FieldError::new("victim", "no victim has this code").into());
        };
        if !self.looks_after_victim(&mut *tx, actor, &victim).await? {
            return Err(AppError::Forbidden);
        }
        let rows = tx.claimable_orders(victim.id, crate::accounts::PAGE_LIMIT_MAX).await?;
        Ok(rows.into_iter().map(OrderSummary::from).collect())
    }
}

/// A claim filed on an order, for the order page's links.
#[derive(Debug, Clone, Serialize)]
pub struct OrderClaim {
    pub id: i64,
    pub kind: &'static str,
    pub state: &'static str,
    pub requested: String,
    pub currency: String,
}

/// A payment batch a claim was in, with its round, for the claim page's links.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimBatch {
    pub batch_id: i64,
    pub round_id: i64,
    /// The line's status in the batch (`pending`, `accepted`, `rejected`).
    pub status: &'static str,
}

/// The most claims an order page links (an order has one open claim at a time).
const ORDER_CLAIMS_MAX: i64 = 100;

impl App {
    /// The claims filed on an order, oldest first, for those who may read both the order and
    /// claims: victim services only their institution's victims' (as the claim list).
    pub async fn order_claims(&self, actor: &Actor, order_id: i64) -> Result<Vec<OrderClaim>, AppError> {
        actor.require(rules::READ_ORDERS)?;
        actor.require(rules::READ_CLAIMS)?;
        let mut tx = self.store.read().await?;
        let order = tx
            .order(order_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no order has id {order_id}")))?;
        let judgment = tx
            .judgment(order.judgment_id)
            .await?
            .ok_or_else(|| AppError::Internal("an order without its judgment".into()))?;
        self.may_read_case(&mut *tx, actor, judgment.case_id).await?;
        let mut filter = crate::store::ClaimFilter { order_id: Some(order_id), ..Default::default() };
        if !crate::claims::reads_every_claim(actor) {
            filter.institution = Some(actor.institution_id.ok_or(AppError::Forbidden)?);
        }
        let claims = tx.claims(&filter, Page { after: None, limit: ORDER_CLAIMS_MAX }).await?;
        Ok(claims
            .into_iter()
            .map(|c| OrderClaim {
                id: c.id,
                kind: c.kind.as_str(),
                state: c.state.as_str(),
                requested: c.requested.format(c.currency),
                currency: c.currency.code().to_string(),
            })
            .collect())
    }

    /// The payment batches a claim was in, with their rounds, for those who read payments.
    pub async fn claim_batches(&self, actor: &Actor, claim_id: i64) -> Result<Vec<ClaimBatch>, AppError> {
        actor.require(rules::READ_PAYMENTS)?;
        let mut tx = self.store.read().await?;
        let mut batches = Vec::new();
        for line in tx.batch_lines_of_claim(claim_id).await? {
            let batch = self.batch_record(&mut *tx, line.batch_id).await?;
            batches.push(ClaimBatch {
                batch_id: batch.id,
                round_id: batch.round_id,
                status: line.status.as_str(),
            });
        }
        Ok(batches)
    }
}
