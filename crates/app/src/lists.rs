//! Filtered lists for the pages: the audit trail by user, action, object and time, and an
//! account's statement newest first between two instants. Each is one query with a `LIMIT`,
//! newest first, paged by sequence number (`before`), filtered in SQL on indexed columns.

use async_trait::async_trait;
use redress_domain::audit::AuditRecord;
use redress_domain::ledger::{Account, Totals, Transfer};
use redress_domain::money::Overflow;
use redress_domain::policy::rules;
use redress_domain::{FieldError, Timestamp};

use crate::ledger::StatementLine;
use crate::store::StoreResult;
use crate::{Actor, App, AppError};

/// What to keep of the audit trail; `None` keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// The acting user's name, exactly.
    pub actor: Option<String>,
    /// The action code, exactly (`victim.registered`).
    pub action: Option<String>,
    /// The object's kind (`victim`, `claim`…).
    pub target_type: Option<String>,
    /// The object's id, exactly.
    pub target_id: Option<String>,
    /// At or after this instant.
    pub from: Option<Timestamp>,
    /// Before this instant.
    pub to: Option<Timestamp>,
}

/// What to keep of an account's statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementFilter {
    /// Sequence numbers below this one (the next page).
    pub before: Option<i64>,
    /// Created at or after this instant.
    pub from: Option<Timestamp>,
    /// Created before this instant.
    pub to: Option<Timestamp>,
    /// Also the lines that post nothing to the account (a hold, a voided hold).
    pub with_zero: bool,
}

#[async_trait]
pub trait ListReads: Send {
    /// Audit entries newest first, those with `seq < before` when given.
    async fn audit_filtered(
        &mut self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRecord>>;
    /// Transfers touching the account, newest first.
    async fn account_transfers_newest(
        &mut self,
        account_id: i64,
        filter: &StatementFilter,
        limit: i64,
    ) -> StoreResult<Vec<Transfer>>;
}

fn limit_of(limit: Option<i64>) -> Result<i64, AppError> {
    let limit = limit.unwrap_or(100);
    if !(1..=crate::accounts::PAGE_LIMIT_MAX).contains(&limit) {
        return Err(FieldError::new("limit", "must be between 1 and 500").into());
    }
    Ok(limit)
}

/// A statement line: the posted change to `account` and its balance after.
pub(crate) fn statement_line(account: &Account, transfer: Transfer) -> Result<StatementLine, Overflow> {
    let debited = transfer.debit_account_id == account.id;
    let (debits, credits) =
        if debited { transfer.debit_account_posted_after } else { transfer.credit_account_posted_after };
    let totals = Totals { debits_posted: debits, credits_posted: credits, ..Totals::default() };
    let change = if debited { transfer.posted } else { transfer.posted.checked_neg()? };
    Ok(StatementLine {
        posted_change: change,
        balance_after: totals.posted_balance(account.kind())?,
        transfer,
    })
}

impl App {
    /// The audit trail newest first, filtered, for an auditor.
    pub async fn audit_search(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<AuditRecord>, AppError> {
        actor.require(rules::READ_AUDIT_TRAIL)?;
        let limit = limit_of(limit)?;
        if before.is_some_and(|b| b < 1) {
            return Err(FieldError::new("before", "must be a positive sequence number").into());
        }
        Ok(self.store.read().await?.audit_filtered(filter, before, limit).await?)
    }

    /// An account's statement newest first, each line with the balance after it.
    pub async fn statement_newest(
        &self,
        actor: &Actor,
        account: &str,
        currency: &str,
        filter: &StatementFilter,
        limit: Option<i64>,
    ) -> Result<(Account, Vec<StatementLine>), AppError> {
        actor.require(rules::READ_LEDGER)?;
        let limit = limit_of(limit)?;
        let mut tx = self.store.read().await?;
        let account = Self::account_named(&mut *tx, account, currency).await?;
        let transfers = tx.account_transfers_newest(account.id, filter, limit).await?;
        let lines = transfers.into_iter().map(|t| statement_line(&account, t)).collect::<Result<_, _>>()?;
        Ok((account, lines))
    }
}
