//! The versioned allocation policy: published by an administrator, stored per version, and
//! used by every claim and round under the version it was made with.

use redress_domain::claims::{Deadlines, Need, TierRules};
use redress_domain::money::Overflow;
use redress_domain::policy::rules;
use redress_domain::{Amount, Currency, FieldError, FieldErrors, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::audit_event;
use crate::store::{PolicyRecord, ReadTx, WriteTx};
use crate::{Actor, App, AppError, RequestContext};

/// The fund's allocation policy as published (see docs/claims-and-payments.md, "The policy"). Amounts are decimal
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
    /// the defaults for Peru, in `currency`.
    pub fn defaults(currency: Currency) -> Result<PolicyDocument, Overflow> {
        let amount = |units: i64| Amount::from_major(units, currency).map(|a| a.format(currency));
        let tiers = TierRules::default();
        let deadlines = Deadlines::default();
        Ok(PolicyDocument {
            currency: currency.code().to_string(),
            reserve: amount(0)?,
            minimum_line: amount(50)?,
            advance_cap: amount(5_000)?,
            claim_cap: None,
            urgent: tiers.urgent.iter().map(|n| n.as_str().to_string()).collect(),
            high: tiers.high.iter().map(|n| n.as_str().to_string()).collect(),
            urgent_decision_hours: deadlines.urgent_decision_hours,
            standard_decision_days: deadlines.standard_decision_days,
            payment_working_days: deadlines.payment_working_days,
            payee_without_account: "cheque".to_string(),
        })
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
                Ok(a) if a >= Amount::ZERO => a,
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
        let document = PolicyDocument::defaults(self.settings.fund_currency())?;
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
        let version = match tx.fund_policy(None).await? {
            Some(current) => current
                .version
                .checked_add(1)
                .ok_or_else(|| AppError::Internal("no policy version number is left".into()))?,
            None => 1,
        };
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
}
