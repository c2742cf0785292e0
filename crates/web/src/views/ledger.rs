//! Ledger accounts and transfers as the API and the pages show them.

use redress_app::AppError;
use redress_domain::ledger::{Account, Transfer};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    pub id: i64,
    /// Path-like name, `assets:bank:fund`.
    pub name: String,
    /// ISO 4217.
    pub currency: String,
    /// asset, liability, equity, income or expense.
    pub kind: String,
    /// Posted balance in the account's normal direction (positive for a funded asset).
    pub posted: String,
    /// Pending (held) balance in the account's normal direction.
    pub pending: String,
    pub debits_posted: String,
    pub credits_posted: String,
    pub debits_pending: String,
    pub credits_pending: String,
    pub debits_must_not_exceed_credits: bool,
    pub credits_must_not_exceed_debits: bool,
}

impl TryFrom<&Account> for AccountView {
    type Error = AppError;

    fn try_from(account: &Account) -> Result<Self, AppError> {
        let c = account.currency;
        let t = &account.totals;
        Ok(AccountView {
            id: account.id,
            name: account.name.as_str().to_string(),
            currency: c.code().to_string(),
            kind: account.kind().as_str().to_string(),
            posted: t.posted_balance(account.kind())?.format(c),
            pending: t.pending_balance(account.kind())?.format(c),
            debits_posted: t.debits_posted.format(c),
            credits_posted: t.credits_posted.format(c),
            debits_pending: t.debits_pending.format(c),
            credits_pending: t.credits_pending.format(c),
            debits_must_not_exceed_credits: account.flags.debits_must_not_exceed_credits,
            credits_must_not_exceed_debits: account.flags.credits_must_not_exceed_debits,
        })
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferencesBody {
    pub case: Option<String>,
    pub asset: Option<String>,
    pub order: Option<String>,
    pub claim: Option<String>,
    pub batch: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferView {
    pub seq: i64,
    pub id: String,
    pub debit_account: String,
    pub credit_account: String,
    /// As requested.
    pub amount: String,
    /// What moved between posted balances (0 for holds and voids).
    pub posted: String,
    pub currency: String,
    /// single, pending, post_pending or void_pending.
    #[serde(rename = "type")]
    pub kind: String,
    pub pending_id: Option<String>,
    /// For reversals: the transfer undone.
    pub reverses_id: Option<String>,
    /// For holds: pending, posted, voided or expired.
    pub pending_status: Option<String>,
    pub expires_at: Option<String>,
    pub references: ReferencesBody,
    pub memo: Option<String>,
    pub actor: String,
    pub created_at: String,
    /// The day the money moved.
    pub value_date: String,
}

impl From<&Transfer> for TransferView {
    fn from(t: &Transfer) -> Self {
        TransferView {
            seq: t.seq,
            id: t.id.clone(),
            debit_account: t.debit_account.clone(),
            credit_account: t.credit_account.clone(),
            amount: t.amount.format(t.currency),
            posted: t.posted.format(t.currency),
            currency: t.currency.code().to_string(),
            kind: t.kind.as_str().to_string(),
            pending_id: t.pending_id.clone(),
            reverses_id: t.reverses_id.clone(),
            pending_status: t.pending_status.map(|s| s.as_str().to_string()),
            expires_at: t.expires_at.map(|e| e.to_rfc3339()),
            references: ReferencesBody {
                case: t.references.case.clone(),
                asset: t.references.asset.clone(),
                order: t.references.order.clone(),
                claim: t.references.claim.clone(),
                batch: t.references.batch.clone(),
            },
            memo: t.memo.clone(),
            actor: t.actor.clone(),
            created_at: t.created_at.to_rfc3339(),
            value_date: t.value_date.to_string(),
        }
    }
}
