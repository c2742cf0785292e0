//! Claims on the fund: the versioned allocation policy, identity verification, filing a claim
//! or an advance, eligibility with its reasons, the needs assessment, the fund officer's
//! decision, deadlines, and allocation rounds that place a ledger hold per line.

use redress_domain::allocation::{allocate, ClaimInput, Explanation};
use redress_domain::cases::Stage;
use redress_domain::claims::{
    add_working_days, claim_eligibility, ClaimFacts, ClaimKind, ClaimState, Deadlines, Need, TierRules,
};
use redress_domain::orders::Eligibility;
use redress_domain::policy::rules;
use redress_domain::victims::VictimCode;
use redress_domain::{Amount, Currency, FieldError, FieldErrors, Role, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::accounts::{audit_event, page};
use crate::ledger::Movement;
use crate::store::{
    ClaimEvent, ClaimFilter, ClaimRecord, PolicyRecord, ReadTx, RoundLine, RoundRecord, WriteTx,
};
use crate::{Actor, App, AppError, RequestContext};

/// The fund's allocation policy as published (DESIGN.md, "Allocation"). Amounts are decimal
/// strings in the policy's currency; needs are the names of [`Need`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    pub currency: String,
    /// Kept back from every round.
    pub reserve: String,
    /// A pro-rata share below it waits for the next round.
    pub minimum_line: String,
    /// Most the fund advances to one victim (all cases together) before a final judgment.
    pub advance_cap: String,
    /// Most one claim may be approved for, if set.
    #[serde(default)]
    pub claim_cap: Option<String>,
    /// Needs that make a claim urgent (tier 1).
    pub urgent: Vec<String>,
    /// Needs that make a claim high priority (tier 2); everything else is tier 3.
    pub high: Vec<String>,
    pub urgent_decision_hours: i64,
    pub standard_decision_days: i64,
    pub payment_working_days: u32,
    /// How a payee without a bank account is paid: `cheque`.
    pub payee_without_account: String,
}

/// A validated policy version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundPolicy {
    pub version: i64,
    pub currency: Currency,
    pub reserve: Amount,
    pub minimum_line: Amount,
    pub advance_cap: Amount,
    pub claim_cap: Option<Amount>,
    pub tiers: TierRules,
    pub deadlines: Deadlines,
    pub document: PolicyDocument,
    pub created_at: Timestamp,
    pub created_by: String,
}

impl PolicyDocument {
    /// DESIGN.md's defaults for Peru, in `currency`.
    pub fn defaults(currency: Currency) -> PolicyDocument {
        let amount = |units: i64| Amount(units * 10_i64.pow(u32::from(currency.scale()))).format(currency);
        let tiers = TierRules::default();
        let deadlines = Deadlines::default();
        PolicyDocument {
            currency: currency.code().to_string(),
            reserve: amount(0),
            minimum_line: amount(50),
            advance_cap: amount(5_000),
            claim_cap: None,
            urgent: tiers.urgent.iter().map(|n| n.as_str().to_string()).collect(),
            high: tiers.high.iter().map(|n| n.as_str().to_string()).collect(),
            urgent_decision_hours: deadlines.urgent_decision_hours,
            standard_decision_days: deadlines.standard_decision_days,
            payment_working_days: deadlines.payment_working_days,
            payee_without_account: "cheque".to_string(),
        }
    }

    /// Checks every field; the errors name them.
    pub fn validate(&self, fund_currency: Currency) -> Result<FundPolicy, FieldErrors> {
        let mut errors = FieldErrors::new();
        let currency = errors.check(Currency::parse(&self.currency).map_err(|e| e.at("currency")));
        if currency.is_some_and(|c| c != fund_currency) {
            errors.push(FieldError::new(
                "currency",
                format!("must be the fund's currency, {}", fund_currency.code()),
            ));
        }
        let currency = currency.unwrap_or(fund_currency);
        let amount = |field: &str, text: &str, errors: &mut FieldErrors| -> Amount {
            match Amount::parse(text, currency) {
                Ok(a) if a.0 >= 0 => a,
                Ok(_) => {
                    errors.push(FieldError::new(field, "must not be negative"));
                    Amount::ZERO
                }
                Err(e) => {
                    errors.push(e.at(field));
                    Amount::ZERO
                }
            }
        };
        let reserve = amount("reserve", &self.reserve, &mut errors);
        let minimum_line = amount("minimum_line", &self.minimum_line, &mut errors);
        let advance_cap = amount("advance_cap", &self.advance_cap, &mut errors);
        let claim_cap = self.claim_cap.as_ref().map(|text| amount("claim_cap", text, &mut errors));
        if claim_cap.is_some_and(|c| !c.is_positive()) {
            errors.push(FieldError::new("claim_cap", "must be greater than zero (or left out)"));
        }
        let needs = |field: &str, names: &[String], errors: &mut FieldErrors| -> Vec<Need> {
            names
                .iter()
                .enumerate()
                .filter_map(|(i, name)| errors.check(Need::parse(&format!("{field}[{i}]"), name)))
                .collect()
        };
        let urgent = needs("urgent", &self.urgent, &mut errors);
        let high = needs("high", &self.high, &mut errors);
        for (i, need) in high.iter().enumerate() {
            if urgent.contains(need) {
                errors.push(FieldError::new(format!("high[{i}]"), "is already an urgent need"));
            }
        }
        if !(1..=720).contains(&self.urgent_decision_hours) {
            errors.push(FieldError::new("urgent_decision_hours", "must be between 1 and 720"));
        }
        if !(1..=365).contains(&self.standard_decision_days) {
            errors.push(FieldError::new("standard_decision_days", "must be between 1 and 365"));
        }
        if !(1..=120).contains(&self.payment_working_days) {
            errors.push(FieldError::new("payment_working_days", "must be between 1 and 120"));
        }
        if self.payee_without_account != "cheque" {
            errors.push(FieldError::new("payee_without_account", "must be cheque"));
        }
        errors.into_result()?;
        Ok(FundPolicy {
            version: 0,
            currency,
            reserve,
            minimum_line,
            advance_cap,
            claim_cap,
            tiers: TierRules { urgent, high },
            deadlines: Deadlines {
                urgent_decision_hours: self.urgent_decision_hours,
                standard_decision_days: self.standard_decision_days,
                payment_working_days: self.payment_working_days,
            },
            document: self.clone(),
            created_at: Timestamp::from_unix_micros(0),
            created_by: String::new(),
        })
    }
}

/// A policy version as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyView {
    pub version: i64,
    #[schema(value_type = String)]
    pub created_at: Timestamp,
    pub created_by: String,
    pub policy: PolicyDocument,
}

fn policy_view(policy: &FundPolicy) -> PolicyView {
    PolicyView {
        version: policy.version,
        created_at: policy.created_at,
        created_by: policy.created_by.clone(),
        policy: policy.document.clone(),
    }
}

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
    /// … and as data: paid_in_full, pro_rata, below_minimum or tier_waits.
    pub rule: String,
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

pub(crate) const HOLD_ACCOUNT_REPARATION: &str = "expenses:reparations";
pub(crate) const HOLD_ACCOUNT_ADVANCE: &str = "expenses:advances";
pub(crate) const FUND_CASH: &str = "assets:bank:fund";

fn hash_text(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn describe_rule(explanation: &Explanation) -> &'static str {
    match explanation {
        Explanation::PaidInFull { .. } => "paid_in_full",
        Explanation::ProRata { .. } => "pro_rata",
        Explanation::BelowMinimum { .. } => "below_minimum",
        Explanation::TierWaits { .. } => "tier_waits",
    }
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
    fn policy_from(&self, record: &PolicyRecord) -> Result<FundPolicy, AppError> {
        let document: PolicyDocument = serde_json::from_str(&record.document)
            .map_err(|e| AppError::Internal(format!("policy {} is malformed: {e}", record.version)))?;
        let policy = document
            .validate(self.settings.fund_currency())
            .map_err(|e| AppError::Internal(format!("policy {} no longer validates: {e}", record.version)))?;
        Ok(FundPolicy {
            version: record.version,
            created_at: record.created_at,
            created_by: record.created_by.clone(),
            ..policy
        })
    }

    /// The current policy (created from the defaults at first start).
    pub(crate) async fn current_policy(&self, tx: &mut dyn ReadTx) -> Result<FundPolicy, AppError> {
        match tx.fund_policy(None).await? {
            Some(record) => self.policy_from(&record),
            None => Err(AppError::Internal("no fund policy: the server did not finish starting".into())),
        }
    }

    /// Writes policy version 1 from the defaults if there is none yet. Returns whether it did.
    pub(crate) async fn ensure_policy_in(&self, tx: &mut dyn WriteTx) -> Result<bool, AppError> {
        if tx.fund_policy(None).await?.is_some() {
            return Ok(false);
        }
        let document = PolicyDocument::defaults(self.settings.fund_currency());
        let text = serde_json::to_string(&document).map_err(|e| AppError::Internal(e.to_string()))?;
        tx.insert_fund_policy(&PolicyRecord {
            version: 1,
            document: text,
            created_at: self.clock.now(),
            created_by: "system".into(),
        })
        .await?;
        Ok(true)
    }

    /// A policy version (the current one when `version` is `None`).
    pub async fn fund_policy(&self, actor: &Actor, version: Option<i64>) -> Result<PolicyView, AppError> {
        actor.require(redress_domain::Policy::Authenticated)?;
        let mut tx = self.store.read().await?;
        let record = tx.fund_policy(version).await?.ok_or_else(|| {
            AppError::NotFound(match version {
                Some(v) => format!("no policy version {v}"),
                None => "no policy yet".into(),
            })
        })?;
        Ok(policy_view(&self.policy_from(&record)?))
    }

    pub async fn fund_policies(&self, actor: &Actor) -> Result<Vec<PolicyView>, AppError> {
        actor.require(redress_domain::Policy::Authenticated)?;
        let mut tx = self.store.read().await?;
        let records = tx.fund_policies().await?;
        records.iter().map(|r| self.policy_from(r).map(|p| policy_view(&p))).collect()
    }

    /// Publishes a new policy version; earlier versions stay readable, and claims and rounds
    /// keep the version they used.
    pub async fn publish_policy(
        &self,
        actor: &Actor,
        context: &RequestContext,
        document: PolicyDocument,
    ) -> Result<PolicyView, AppError> {
        actor.require(rules::MANAGE_POLICY)?;
        document.validate(self.settings.fund_currency())?;
        let mut tx = self.store.write().await?;
        let version = tx.fund_policy(None).await?.map_or(1, |p| p.version + 1);
        let now = self.clock.now();
        let text = serde_json::to_string(&document).map_err(|e| AppError::Internal(e.to_string()))?;
        let record =
            PolicyRecord { version, document: text, created_at: now, created_by: actor.username.clone() };
        tx.insert_fund_policy(&record).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "policy.publish",
            Some(("policy", version.to_string())),
            serde_json::to_value(&document).unwrap_or_default(),
        ))
        .await?;
        tx.commit().await?;
        Ok(policy_view(&self.policy_from(&record)?))
    }

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
    async fn advances_taken(
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
    async fn eligibility_of(
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
    async fn order_of_claim(
        &self,
        tx: &mut dyn ReadTx,
        claim: &ClaimRecord,
    ) -> Result<Option<crate::orders::OrderView>, AppError> {
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
    async fn eligibility_with(
        &self,
        tx: &mut dyn ReadTx,
        claim: &ClaimRecord,
        policy: &FundPolicy,
        amount: Amount,
        order_view: Option<&crate::orders::OrderView>,
    ) -> Result<Eligibility, AppError> {
        let victim = tx
            .victim(&claim.victim_code)
            .await?
            .ok_or_else(|| AppError::Internal("a claim without its victim".into()))?;
        let kind = claim.kind;
        let (order, owed) = match order_view {
            Some(view) => (Some(view.eligibility.clone()), Some(view.owed)),
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
    async fn link_paid_advances(
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
        Ok(Self::outstanding_given(claim, owed))
    }

    /// What is left to pay on a claim, given what its order still owes (a reparation's).
    fn outstanding_given(claim: &ClaimRecord, owed: Option<Amount>) -> Amount {
        let base = claim.approved_amount.unwrap_or(claim.requested);
        let left = base.0 - claim.paid.0 - claim.hold_amount.map_or(0, |a| a.0);
        let mut outstanding = left.max(0);
        if let (Some(owed), Some(_), ClaimKind::Reparation) = (owed, claim.order_id, claim.kind) {
            outstanding = outstanding.min((owed.0 - claim.hold_amount.map_or(0, |a| a.0)).max(0));
        }
        Amount(outstanding)
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
        let id = claim.id;
        let state = claim.state;
        let order = self.order_of_claim(tx, &claim).await?;
        let outstanding = Self::outstanding_given(&claim, order.as_ref().map(|o| o.owed));
        // A received claim's eligibility is computed now; a decided one shows what was found
        // at the decision (stored as JSON of the same shape).
        let (eligible, conditions) = if state == ClaimState::Received {
            let found = self.eligibility_with(tx, &claim, policy, claim.requested, order.as_ref()).await?;
            let conditions = found
                .conditions
                .into_iter()
                .map(|x| ConditionView { condition: x.condition.to_string(), met: x.met, detail: x.detail })
                .collect();
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
                .is_some_and(|due| now.to_datetime().date() > due),
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
            history: tx.claim_events(id).await?,
        })
    }

    async fn may_read_claim(&self, actor: &Actor, claim: &ClaimRecord) -> Result<(), AppError> {
        actor.require(rules::READ_CLAIMS)?;
        let officer =
            actor.roles.iter().any(|r| matches!(r, Role::FundOfficer | Role::Treasurer | Role::Auditor));
        if officer {
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
        let officer =
            actor.roles.iter().any(|r| matches!(r, Role::FundOfficer | Role::Treasurer | Role::Auditor));
        if !officer {
            filter.institution = Some(actor.institution_id.ok_or(AppError::Forbidden)?);
        }
        let mut tx = self.store.read().await?;
        let records = tx.claims(&filter, page).await?;
        let policy = self.current_policy(&mut *tx).await?;
        let mut views = Vec::with_capacity(records.len());
        for record in records {
            let view = self.claim_view_of(&mut *tx, record, &policy).await?;
            if !overdue_only || view.overdue {
                views.push(view);
            }
        }
        Ok(views)
    }

    fn transition(claim: &mut ClaimRecord, to: ClaimState) -> Result<ClaimEvent, AppError> {
        let from = claim.state;
        from.transition(to).map_err(AppError::Conflict)?;
        claim.state = to;
        Ok(ClaimEvent {
            from_state: Some(from.as_str().to_string()),
            to_state: to.as_str().to_string(),
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
                let mut errors = FieldErrors::new();
                let amount = match &decision.amount {
                    Some(text) => {
                        errors.check(Amount::parse(text, claim.currency).map_err(|e| e.at("amount")))
                    }
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
                let amount = amount.unwrap_or(claim.requested);
                claim.state.transition(ClaimState::Approved).map_err(AppError::Conflict)?;
                let eligibility = self.eligibility_of(&mut *tx, &claim, &policy, amount).await?;
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
                claim.eligibility =
                    serde_json::to_string(&eligibility).map_err(|e| AppError::Internal(e.to_string()))?;
                claim.approved_amount = Some(amount);
                if let Some(tier) = decision.tier {
                    if tier != claim.tier {
                        claim.tier_reasons =
                            vec![format!("set by the fund officer: {}", reason.clone().unwrap_or_default())];
                    }
                    claim.tier = tier;
                }
                claim.decided_at = Some(now);
                claim.decided_by = Some(actor.username.clone());
                claim.decision_reason = reason.clone();
                claim.payment_due = Some(
                    add_working_days(now.to_datetime().date(), policy.deadlines.payment_working_days)
                        .to_string(),
                );
                self.move_claim(&mut *tx, &mut claim, ClaimState::Approved, &actor.username, reason).await?;
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
        let cash = Amount(account.totals.debits_posted.0 - account.totals.credits_posted.0);
        let holds = account.totals.credits_pending;
        let available = Amount((cash.0 - holds.0 - policy.reserve.0).max(0));
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
        let (cash, holds, available) = self.round_money(&mut *tx, &policy).await?;
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
        let mut inputs = Vec::with_capacity(claims.len());
        for claim in &claims {
            let outstanding = self.outstanding(&mut *tx, claim).await?;
            if outstanding.is_positive() {
                inputs.push(RoundInput {
                    claim_id: claim.id,
                    tier: claim.tier,
                    approved_at: claim.decided_at.unwrap_or(claim.filed_at).unix_micros(),
                    amount: outstanding.0,
                });
            }
        }
        let inputs_text = serde_json::to_string(&json!({
            "policy_version": policy.version, "currency": policy.currency.code(), "cash": cash.0,
            "holds": holds.0, "reserve": policy.reserve.0, "available": available.0,
            "minimum_line": policy.minimum_line.0, "claims": inputs,
        }))
        .map_err(|e| AppError::Internal(e.to_string()))?;
        let inputs_hash = hash_text(&inputs_text);
        if let Some(expected) = expected_inputs_hash {
            if expected != inputs_hash {
                return Err(AppError::Conflict(FieldError::new(
                    "expected_inputs_hash",
                    "the claims or the money changed since the dry run: run it again and review",
                )));
            }
        }
        let lines = lines_of(&inputs, available, policy.minimum_line, policy.currency);
        let allocated = Amount(lines.iter().map(|(_, a, _)| a.0).sum());
        let mut view = RoundView {
            id: None,
            committed: false,
            currency: policy.currency.code().to_string(),
            policy_version: policy.version,
            cash: cash.format(policy.currency),
            holds: holds.format(policy.currency),
            reserve: policy.reserve.format(policy.currency),
            available: available.format(policy.currency),
            minimum_line: policy.minimum_line.format(policy.currency),
            allocated: allocated.format(policy.currency),
            inputs_hash: inputs_hash.clone(),
            lines: lines.iter().map(|(v, _, _)| v.clone()).collect(),
            created_at: None,
            created_by: None,
        };
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
        let mut stored = Vec::with_capacity(lines.len());
        let mut hold_movements = Vec::new();
        for (position, (line, amount, _)) in lines.iter().enumerate() {
            let mut hold_id = None;
            if amount.is_positive() {
                let claim = claims
                    .iter()
                    .find(|c| c.id == line.claim_id)
                    .ok_or_else(|| AppError::Internal("line without claim".into()))?;
                let account = if claim.kind == ClaimKind::Advance {
                    HOLD_ACCOUNT_ADVANCE
                } else {
                    HOLD_ACCOUNT_REPARATION
                };
                let references = redress_domain::ledger::References {
                    case: Some(claim.case_id.to_string()),
                    order: claim.order_id.map(|o| o.to_string()),
                    claim: Some(claim.id.to_string()),
                    ..Default::default()
                };
                let memo = format!("Reserva de pago, reclamo {} ({})", claim.id, line.explanation);
                let hold = Movement::hold(account, FUND_CASH, *amount, policy.currency, references, memo)?;
                hold_id = Some(hold.id.clone());
                hold_movements.push(hold);
            }
            stored.push(RoundLine {
                claim_id: line.claim_id,
                position: position as i64,
                amount: *amount,
                explanation: serde_json::to_string(&lines[position].2)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
                hold_id,
            });
        }
        let holds_count = hold_movements.len();
        self.move_money_in(&mut *tx, &actor.username, hold_movements, now).await?;
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
                &actor.username,
                Some(format!("round {round_id}")),
            )
            .await?;
        }
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "round.commit",
            Some(("round", round_id.to_string())),
            json!({"policy_version": policy.version, "allocated": allocated.format(policy.currency),
                   "lines": stored.len(), "holds": holds_count}),
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
                    outstanding: Amount(input.map_or(0, |i| i.amount)).format(c),
                    amount: line.amount.format(c),
                    explanation: explanation.describe(),
                    rule: describe_rule(&explanation).to_string(),
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
        let lines = lines_of(&inputs, round.available, round.minimum_line, round.currency);
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
) -> Vec<(RoundLineView, Amount, Explanation)> {
    let claims: Vec<ClaimInput> = inputs
        .iter()
        .map(|i| ClaimInput {
            id: i.claim_id,
            tier: i.tier,
            approved_at: Timestamp::from_unix_micros(i.approved_at),
            amount: Amount(i.amount),
        })
        .collect();
    let by_id: std::collections::HashMap<i64, &RoundInput> = inputs.iter().map(|i| (i.claim_id, i)).collect();
    allocate(&claims, available, minimum_line)
        .into_iter()
        .map(|line| {
            let input = by_id.get(&line.claim_id);
            (
                RoundLineView {
                    claim_id: line.claim_id,
                    tier: input.map_or(0, |i| i.tier),
                    outstanding: Amount(input.map_or(0, |i| i.amount)).format(currency),
                    amount: line.amount.format(currency),
                    explanation: line.explanation.describe(),
                    rule: describe_rule(&line.explanation).to_string(),
                    hold_id: None,
                },
                line.amount,
                line.explanation,
            )
        })
        .collect()
}
