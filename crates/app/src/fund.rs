//! The fund's details (name, bank account, bank, tax id), set by an administrator and audited,
//! and what the fund still lacks before its first payment can reach the bank.
//!
//! Until an administrator saves the details, the configuration's `fund.name`,
//! `fund.bank_account` and `fund.bank_bic` are used (the way earlier versions were set up);
//! once saved, the database wins, so that the account a bank file pays from is changed on one
//! audited page rather than in a file on the server.

use redress_domain::fund::{FundDetails, FundDetailsInput, Missing};
use redress_domain::policy::rules;
use redress_domain::Amount;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::accounts::audit_event;
use crate::store::{FundDetailsRecord, ReadTx};
use crate::{Actor, App, AppError, RequestContext};

/// The audited name of a change of the fund's details.
pub const DETAILS_CHANGE: &str = "fund.details_change";

/// The fund's details as used now, where they come from, and what is missing for a first
/// payment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundView {
    pub name: String,
    pub bank_account: Option<String>,
    pub bank_bic: Option<String>,
    pub bank_name: Option<String>,
    pub tax_id: Option<String>,
    /// `database` once an administrator saved them, `configuration` before.
    pub source: String,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
    /// What the fund lacks before a first payment: `bank_account`, `budget`, `policy`.
    pub missing: Vec<String>,
}

impl App {
    /// The details bank files use: the saved ones, else the configuration's.
    pub(crate) async fn effective_fund_details(
        &self,
        tx: &mut dyn ReadTx,
    ) -> Result<(FundDetails, Option<FundDetailsRecord>), AppError> {
        let record = tx.fund_details().await?;
        let details = match &record {
            Some(record) => record.details.clone(),
            None => {
                let fund = &self.settings.fund;
                let nonempty = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
                FundDetails {
                    name: fund.name.clone(),
                    bank_account: nonempty(&fund.bank_account),
                    bank_bic: nonempty(&fund.bank_bic),
                    bank_name: None,
                    tax_id: None,
                }
            }
        };
        Ok((details, record))
    }

    /// What the fund lacks before its first payment: its bank account, any money in it (an
    /// opening budget transfer), a policy an administrator published (not only the defaults).
    pub(crate) async fn missing_for_first_payment(
        &self,
        tx: &mut dyn ReadTx,
        details: &FundDetails,
    ) -> Result<Vec<Missing>, AppError> {
        let mut missing = Vec::new();
        if details.bank_account.is_none() {
            missing.push(Missing::BankAccount);
        }
        let cash = tx.ledger_account("assets:bank:fund", self.settings.fund_currency()).await?;
        if cash.is_none_or(|a| a.totals.debits_posted == Amount::ZERO) {
            missing.push(Missing::Budget);
        }
        // Version 1 is written from the defaults at first start ("system"): the fund's own policy
        // is one an administrator published.
        if tx.fund_policy(None).await?.is_none_or(|p| p.created_by == "system") {
            missing.push(Missing::Policy);
        }
        Ok(missing)
    }

    /// What is missing for a first payment, for the start-up log (no actor: the operator).
    pub async fn first_payment_readiness(&self) -> Result<Vec<Missing>, AppError> {
        let mut tx = self.store.read().await?;
        let (details, _) = self.effective_fund_details(&mut *tx).await?;
        self.missing_for_first_payment(&mut *tx, &details).await
    }

    pub async fn fund(&self, actor: &Actor) -> Result<FundView, AppError> {
        actor.require(rules::READ_FUND)?;
        let mut tx = self.store.read().await?;
        self.fund_view(&mut *tx).await
    }

    async fn fund_view(&self, tx: &mut dyn ReadTx) -> Result<FundView, AppError> {
        let (details, record) = self.effective_fund_details(tx).await?;
        let missing = self.missing_for_first_payment(tx, &details).await?;
        Ok(FundView {
            name: details.name,
            bank_account: details.bank_account,
            bank_bic: details.bank_bic,
            bank_name: details.bank_name,
            tax_id: details.tax_id,
            source: if record.is_some() { "database" } else { "configuration" }.to_string(),
            updated_at: record.as_ref().map(|r| r.updated_at.to_string()),
            updated_by: record.map(|r| r.updated_by),
            missing: missing.iter().map(|m| m.as_str().to_string()).collect(),
        })
    }

    /// Sets the fund's details (administrators only), audited with what they were before.
    /// Every field is checked first; on any error nothing changes.
    pub async fn set_fund_details(
        &self,
        actor: &Actor,
        context: &RequestContext,
        input: &FundDetailsInput,
    ) -> Result<FundView, AppError> {
        actor.require(rules::MANAGE_FUND)?;
        let details = FundDetails::parse(input)?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let (before, _) = self.effective_fund_details(&mut *tx).await?;
        let record = FundDetailsRecord {
            details: details.clone(),
            updated_at: now,
            updated_by: actor.username.clone(),
        };
        tx.put_fund_details(&record).await?;
        let event = audit_event(
            actor,
            context,
            now,
            DETAILS_CHANGE,
            Some(("fund", "1".to_string())),
            json!({"before": before, "after": details}),
        );
        tx.append_audit(event).await?;
        let view = self.fund_view(&mut *tx).await?;
        tx.commit().await?;
        Ok(view)
    }
}
