//! The ledger's rules, after TigerBeetle's semantics: accounts with four running totals and
//! optional balance limits; transfers that are immutable, idempotent by client-chosen id,
//! single-currency, optionally two-phase (pending → post or void, exactly once) and optionally
//! linked (a chain that succeeds or fails together).
//!
//! This module decides; storage only records. [`Ledger::apply`] takes the accounts a transfer
//! touches and either returns the new state or a [`TransferError`] that changes nothing.

use serde::Serialize;

use crate::money::{Amount, Currency, Overflow};
use crate::{FieldError, Timestamp};

/// The five kinds of account, named by the first segment of the account's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Asset => "asset",
            AccountKind::Liability => "liability",
            AccountKind::Equity => "equity",
            AccountKind::Income => "income",
            AccountKind::Expense => "expense",
        }
    }

    pub fn parse(value: &str) -> Option<AccountKind> {
        [
            AccountKind::Asset,
            AccountKind::Liability,
            AccountKind::Equity,
            AccountKind::Income,
            AccountKind::Expense,
        ]
        .into_iter()
        .find(|k| k.as_str() == value)
    }

    /// Assets and expenses grow with debits; the others with credits.
    pub fn is_debit_normal(self) -> bool {
        matches!(self, AccountKind::Asset | AccountKind::Expense)
    }
}

/// An account's path (`assets:bank:fund`, `liabilities:escrow:asset/17`). Segments are
/// lower-case letters, digits, `-`, `_`, `/` and `.`; the first names the kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AccountName(String);

impl AccountName {
    pub const LENGTH_MAX: usize = 120;

    pub fn parse(value: &str) -> Result<AccountName, FieldError> {
        let value = value.trim();
        let error = |reason: String| Err(FieldError::new("account", reason));
        if value.is_empty() {
            return error("must not be empty".into());
        }
        if value.len() > Self::LENGTH_MAX {
            return error(format!("must be at most {} characters long", Self::LENGTH_MAX));
        }
        let segments: Vec<&str> = value.split(':').collect();
        if segments.len() < 2 {
            return error(format!("{value:?} must have at least two segments, such as assets:bank"));
        }
        for segment in &segments {
            let valid = !segment.is_empty()
                && segment.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && segment.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '/' | '.')
                });
            if !valid {
                return error(format!(
                    "segment {segment:?} may use only a-z, 0-9, '-', '_', '/' and '.', starting with a letter or digit"
                ));
            }
        }
        if Self::kind_of(segments[0]).is_none() {
            return error(format!(
                "must start with assets, liabilities, equity, income or expenses (not {:?})",
                segments[0]
            ));
        }
        Ok(AccountName(value.to_string()))
    }

    fn kind_of(first: &str) -> Option<AccountKind> {
        match first {
            "assets" => Some(AccountKind::Asset),
            "liabilities" => Some(AccountKind::Liability),
            "equity" => Some(AccountKind::Equity),
            "income" => Some(AccountKind::Income),
            "expenses" => Some(AccountKind::Expense),
            _ => None,
        }
    }

    pub fn kind(&self) -> AccountKind {
        let first = self.0.split(':').next().unwrap_or("");
        Self::kind_of(first).unwrap_or(AccountKind::Asset)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AccountName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Balance limits, checked against posted and pending amounts together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AccountFlags {
    /// The account may never owe more than it holds: debits ≤ credits (a liability that must
    /// not go negative).
    pub debits_must_not_exceed_credits: bool,
    /// credits ≤ debits: an asset that must not go negative (the fund's cash).
    pub credits_must_not_exceed_debits: bool,
}

/// The four running totals of an account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub debits_pending: Amount,
    pub debits_posted: Amount,
    pub credits_pending: Amount,
    pub credits_posted: Amount,
}

impl Totals {
    /// Posted balance in the account's normal direction (positive for a funded asset).
    pub fn posted_balance(&self, kind: AccountKind) -> Result<Amount, Overflow> {
        Self::balance(self.debits_posted, self.credits_posted, kind)
    }

    /// Pending balance in the account's normal direction.
    pub fn pending_balance(&self, kind: AccountKind) -> Result<Amount, Overflow> {
        Self::balance(self.debits_pending, self.credits_pending, kind)
    }

    fn balance(debits: Amount, credits: Amount, kind: AccountKind) -> Result<Amount, Overflow> {
        if kind.is_debit_normal() {
            debits.checked_sub(credits)
        } else {
            credits.checked_sub(debits)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: i64,
    pub name: AccountName,
    pub currency: Currency,
    pub flags: AccountFlags,
    pub totals: Totals,
}

impl Account {
    pub fn kind(&self) -> AccountKind {
        self.name.kind()
    }
}

/// What a transfer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum TransferKind {
    /// Moves the amount at once.
    Single,
    /// Reserves the amount (a hold) until posted or voided, or until `expires_at`.
    Pending { expires_at: Option<Timestamp> },
    /// Posts a pending transfer, fully (amount 0 or equal) or partly (a smaller amount); the
    /// rest of the hold is released.
    PostPending,
    /// Releases a pending transfer without moving anything.
    VoidPending,
    /// Undoes a posted transfer by moving the same amount back (the only way to correct one).
    Reversal,
}

impl TransferKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferKind::Single => "single",
            TransferKind::Pending { .. } => "pending",
            TransferKind::PostPending => "post_pending",
            TransferKind::VoidPending => "void_pending",
            TransferKind::Reversal => "reversal",
        }
    }
}

impl TransferKind {
    /// The kind's stored name without its payload (a hold's expiry is stored on its own).
    pub fn transfer_type(self) -> TransferType {
        match self {
            TransferKind::Single => TransferType::Single,
            TransferKind::Pending { .. } => TransferType::Pending,
            TransferKind::PostPending => TransferType::PostPending,
            TransferKind::VoidPending => TransferType::VoidPending,
            TransferKind::Reversal => TransferType::Reversal,
        }
    }
}

/// A stored transfer's type: what `TransferKind` is, without a hold's expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferType {
    Single,
    Pending,
    PostPending,
    VoidPending,
    Reversal,
}

impl TransferType {
    pub const ALL: [TransferType; 5] = [
        TransferType::Single,
        TransferType::Pending,
        TransferType::PostPending,
        TransferType::VoidPending,
        TransferType::Reversal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TransferType::Single => "single",
            TransferType::Pending => "pending",
            TransferType::PostPending => "post_pending",
            TransferType::VoidPending => "void_pending",
            TransferType::Reversal => "reversal",
        }
    }

    pub fn parse(value: &str) -> Option<TransferType> {
        TransferType::ALL.into_iter().find(|t| t.as_str() == value)
    }
}

impl std::fmt::Display for TransferType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What caused a transfer, so that any payment can be traced to its sources.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct References {
    pub case: Option<String>,
    pub asset: Option<String>,
    pub order: Option<String>,
    pub claim: Option<String>,
    pub batch: Option<String>,
}

impl References {
    pub const LENGTH_MAX: usize = 64;

    pub fn validate(&self) -> Result<(), FieldError> {
        for (name, value) in [
            ("case", &self.case),
            ("asset", &self.asset),
            ("order", &self.order),
            ("claim", &self.claim),
            ("batch", &self.batch),
        ] {
            if let Some(value) = value {
                if value.trim().is_empty()
                    || value.len() > Self::LENGTH_MAX
                    || value.chars().any(crate::user::is_hidden_char)
                {
                    return Err(FieldError::new(
                        format!("references.{name}"),
                        format!("must be 1 to {} printable characters", Self::LENGTH_MAX),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The state of a pending transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingStatus {
    Pending,
    Posted,
    Voided,
    Expired,
}

impl PendingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PendingStatus::Pending => "pending",
            PendingStatus::Posted => "posted",
            PendingStatus::Voided => "voided",
            PendingStatus::Expired => "expired",
        }
    }

    pub fn parse(value: &str) -> Option<PendingStatus> {
        [PendingStatus::Pending, PendingStatus::Posted, PendingStatus::Voided, PendingStatus::Expired]
            .into_iter()
            .find(|s| s.as_str() == value)
    }
}

/// Why a transfer was refused. Each maps to a field and a reason for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferError {
    #[error("the debit and credit accounts must differ")]
    AccountsMustDiffer,
    #[error("the currency does not match the accounts' currency")]
    CurrencyMismatch,
    #[error("the amount must be greater than zero")]
    AmountMustBePositive,
    #[error("the debit account would exceed its credits (its limit forbids it)")]
    ExceedsCredits,
    #[error("the credit account would exceed its debits (its limit forbids it)")]
    ExceedsDebits,
    #[error("no pending transfer has this id")]
    PendingNotFound,
    #[error("the pending transfer was already posted")]
    PendingAlreadyPosted,
    #[error("the pending transfer was already voided")]
    PendingAlreadyVoided,
    #[error("the pending transfer has expired")]
    PendingExpired,
    #[error("the referenced transfer is not a pending transfer")]
    NotPending,
    #[error("the amount exceeds the pending amount")]
    ExceedsPendingAmount,
    #[error("the accounts or currency differ from the pending transfer's")]
    PendingMismatch,
    #[error("the expiry must be in the future")]
    ExpiryInPast,
    #[error("a transfer with this id exists with different fields")]
    ExistsWithDifferentFields,
    #[error("another transfer of the linked chain failed")]
    LinkedTransferFailed,
    #[error("the last transfer of a linked chain must not be marked linked")]
    LinkedChainOpen,
    #[error("no transfer has the id to reverse")]
    ReversedNotFound,
    #[error("only posted transfers can be reversed (void a hold instead)")]
    NotReversible,
    #[error("a reversal cannot itself be reversed; record a new transfer instead")]
    ReversalOfReversal,
    #[error("the transfer was already reversed")]
    AlreadyReversed,
    #[error("the totals would overflow")]
    Overflow,
}

impl From<Overflow> for TransferError {
    fn from(_: Overflow) -> Self {
        TransferError::Overflow
    }
}

impl TransferError {
    /// The request field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            TransferError::AccountsMustDiffer => "credit_account",
            TransferError::CurrencyMismatch => "currency",
            TransferError::AmountMustBePositive
            | TransferError::ExceedsCredits
            | TransferError::ExceedsDebits
            | TransferError::ExceedsPendingAmount
            | TransferError::Overflow => "amount",
            TransferError::PendingNotFound
            | TransferError::PendingAlreadyPosted
            | TransferError::PendingAlreadyVoided
            | TransferError::PendingExpired
            | TransferError::NotPending
            | TransferError::PendingMismatch => "pending_id",
            TransferError::ExpiryInPast => "expires_at",
            TransferError::ExistsWithDifferentFields => "id",
            TransferError::LinkedTransferFailed | TransferError::LinkedChainOpen => "linked",
            TransferError::ReversedNotFound
            | TransferError::NotReversible
            | TransferError::ReversalOfReversal
            | TransferError::AlreadyReversed => "reverses",
        }
    }

    /// A stable code for clients (`exceeds_credits`).
    pub fn code(&self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }

    pub fn to_field_error(&self) -> FieldError {
        FieldError::new(self.field(), self.to_string())
    }
}

/// The pending transfer a post or void refers to, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingTransfer {
    pub debit_account_id: i64,
    pub credit_account_id: i64,
    pub currency: Currency,
    pub amount: Amount,
    pub status: PendingStatus,
    pub expires_at: Option<Timestamp>,
}

/// The change one transfer makes: to the two accounts' totals, the amount it posts (which is
/// what the journal shows), and the new status of a pending transfer it resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub amount: Amount,
    pub posted: Amount,
    pub resolves: Option<PendingStatus>,
}

/// The rules, applied to the two accounts of one transfer.
pub struct Ledger;

impl Ledger {
    /// Applies a transfer to `debit` and `credit` (already loaded, same order as the
    /// transfer's sides). On error neither account is changed.
    ///
    /// For `PostPending` and `VoidPending`, `pending` is the referenced transfer and the
    /// accounts must be its accounts; `amount` 0 posts the full pending amount.
    pub fn apply(
        kind: TransferKind,
        amount: Amount,
        currency: Currency,
        debit: &mut Account,
        credit: &mut Account,
        pending: Option<&PendingTransfer>,
        now: Timestamp,
    ) -> Result<Effect, TransferError> {
        if debit.id == credit.id {
            return Err(TransferError::AccountsMustDiffer);
        }
        if debit.currency != currency || credit.currency != currency {
            return Err(TransferError::CurrencyMismatch);
        }
        let (mut d, mut c) = (debit.totals, credit.totals);
        let effect = match kind {
            TransferKind::Single | TransferKind::Pending { .. } | TransferKind::Reversal => {
                if !amount.is_positive() {
                    return Err(TransferError::AmountMustBePositive);
                }
                if let TransferKind::Pending { expires_at: Some(expires_at) } = kind {
                    if expires_at <= now {
                        return Err(TransferError::ExpiryInPast);
                    }
                }
                if matches!(kind, TransferKind::Single | TransferKind::Reversal) {
                    d.debits_posted = d.debits_posted.checked_add(amount)?;
                    c.credits_posted = c.credits_posted.checked_add(amount)?;
                    Effect { amount, posted: amount, resolves: None }
                } else {
                    d.debits_pending = d.debits_pending.checked_add(amount)?;
                    c.credits_pending = c.credits_pending.checked_add(amount)?;
                    Effect { amount, posted: Amount::ZERO, resolves: None }
                }
            }
            TransferKind::PostPending | TransferKind::VoidPending => {
                let pending = pending.ok_or(TransferError::PendingNotFound)?;
                if pending.debit_account_id != debit.id
                    || pending.credit_account_id != credit.id
                    || pending.currency != currency
                {
                    return Err(TransferError::PendingMismatch);
                }
                match pending.status {
                    PendingStatus::Pending => {}
                    PendingStatus::Posted => return Err(TransferError::PendingAlreadyPosted),
                    PendingStatus::Voided => return Err(TransferError::PendingAlreadyVoided),
                    PendingStatus::Expired => return Err(TransferError::PendingExpired),
                }
                if pending.expires_at.is_some_and(|at| at <= now) {
                    return Err(TransferError::PendingExpired);
                }
                d.debits_pending = d.debits_pending.checked_sub(pending.amount)?;
                c.credits_pending = c.credits_pending.checked_sub(pending.amount)?;
                if kind == TransferKind::PostPending {
                    if amount < Amount::ZERO {
                        return Err(TransferError::AmountMustBePositive);
                    }
                    if amount > pending.amount {
                        return Err(TransferError::ExceedsPendingAmount);
                    }
                    let posted = if amount == Amount::ZERO { pending.amount } else { amount };
                    d.debits_posted = d.debits_posted.checked_add(posted)?;
                    c.credits_posted = c.credits_posted.checked_add(posted)?;
                    Effect { amount: posted, posted, resolves: Some(PendingStatus::Posted) }
                } else {
                    if amount != Amount::ZERO && amount != pending.amount {
                        return Err(TransferError::ExceedsPendingAmount);
                    }
                    Effect {
                        amount: pending.amount,
                        posted: Amount::ZERO,
                        resolves: Some(PendingStatus::Voided),
                    }
                }
            }
        };
        // Limits count holds: a hold reserves the money it holds.
        if debit.flags.debits_must_not_exceed_credits
            && d.debits_pending.checked_add(d.debits_posted)? > d.credits_posted
            && !Self::only_releases(&debit.totals, &d)?
        {
            return Err(TransferError::ExceedsCredits);
        }
        if credit.flags.credits_must_not_exceed_debits
            && c.credits_pending.checked_add(c.credits_posted)? > c.debits_posted
            && !Self::only_releases(&credit.totals, &c)?
        {
            return Err(TransferError::ExceedsDebits);
        }
        debit.totals = d;
        credit.totals = c;
        Ok(effect)
    }

    /// Posting or voiding a hold never makes an account worse off than it was; a limit that
    /// was respected before stays respected. (Kept explicit so the rule reads clearly.)
    fn only_releases(before: &Totals, after: &Totals) -> Result<bool, Overflow> {
        let exposure = |t: &Totals| -> Result<(Amount, Amount), Overflow> {
            Ok((
                t.debits_pending.checked_add(t.debits_posted)?.checked_sub(t.credits_posted)?,
                t.credits_pending.checked_add(t.credits_posted)?.checked_sub(t.debits_posted)?,
            ))
        };
        let (before_debit, before_credit) = exposure(before)?;
        let (after_debit, after_credit) = exposure(after)?;
        Ok(after_debit <= before_debit && after_credit <= before_credit)
    }
}

/// A transfer as stored. `amount` is what the client asked for (0 posts or voids a hold in
/// full); `posted` is what moved between posted totals (0 for holds and voids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Global order, assigned by the single writer; `created_at` never decreases with it.
    pub seq: i64,
    pub id: String,
    pub debit_account_id: i64,
    pub credit_account_id: i64,
    /// Filled in on reads.
    pub debit_account: String,
    pub credit_account: String,
    pub amount: Amount,
    pub posted: Amount,
    pub currency: Currency,
    pub kind: TransferType,
    pub pending_id: Option<String>,
    /// For reversals: the transfer undone.
    pub reverses_id: Option<String>,
    /// For holds: where the hold stands now.
    pub pending_status: Option<PendingStatus>,
    pub expires_at: Option<Timestamp>,
    pub references: References,
    pub memo: Option<String>,
    pub actor: String,
    /// When the transfer was entered (its place in the ledger's order).
    pub created_at: Timestamp,
    /// When the money moved (the day rent was received, a sale closed, the bank paid):
    /// statements, journals, month figures and the public page go by it.
    pub value_date: time::Date,
    /// Posted totals of the debit account right after this transfer: (debits, credits).
    pub debit_account_posted_after: (Amount, Amount),
    /// Posted totals of the credit account right after this transfer: (debits, credits).
    pub credit_account_posted_after: (Amount, Amount),
}

impl Serialize for Transfer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Transfer", 16)?;
        s.serialize_field("seq", &self.seq)?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field("debit_account", &self.debit_account)?;
        s.serialize_field("credit_account", &self.credit_account)?;
        s.serialize_field("amount", &self.amount.format(self.currency))?;
        s.serialize_field("posted", &self.posted.format(self.currency))?;
        s.serialize_field("currency", self.currency.code())?;
        s.serialize_field("type", &self.kind)?;
        s.serialize_field("pending_id", &self.pending_id)?;
        s.serialize_field("reverses_id", &self.reverses_id)?;
        s.serialize_field("pending_status", &self.pending_status.map(|s| s.as_str()))?;
        s.serialize_field("expires_at", &self.expires_at.map(|t| t.to_rfc3339()))?;
        s.serialize_field("references", &self.references)?;
        s.serialize_field("memo", &self.memo)?;
        s.serialize_field("actor", &self.actor)?;
        s.serialize_field("created_at", &self.created_at.to_rfc3339())?;
        s.serialize_field("value_date", &self.value_date.to_string())?;
        s.end()
    }
}

/// One source of a traced outflow, and its own sources when it came from another asset account.
#[derive(Debug, Clone, Serialize)]
pub struct TraceNode {
    pub transfer: Transfer,
    /// How much of the traced money came from this transfer.
    pub share: Amount,
    pub sources: Vec<TraceNode>,
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pen() -> Currency {
        Currency::parse("PEN").unwrap()
    }

    fn account(id: i64, name: &str, flags: AccountFlags) -> Account {
        Account {
            id,
            name: AccountName::parse(name).unwrap(),
            currency: pen(),
            flags,
            totals: Totals::default(),
        }
    }

    fn cash() -> Account {
        account(
            1,
            "assets:bank:fund",
            AccountFlags { credits_must_not_exceed_debits: true, ..Default::default() },
        )
    }

    fn budget() -> Account {
        account(2, "income:budget", AccountFlags::default())
    }

    fn expenses() -> Account {
        account(3, "expenses:reparations", AccountFlags::default())
    }

    const NOW: Timestamp = Timestamp::from_unix_micros(1_000_000);

    fn single(debit: &mut Account, credit: &mut Account, units: i64) -> Result<Effect, TransferError> {
        Ledger::apply(TransferKind::Single, Amount::from_minor(units), pen(), debit, credit, None, NOW)
    }

    #[test]
    fn account_names_name_their_kind() {
        assert_eq!(AccountName::parse("assets:bank:fund").unwrap().kind(), AccountKind::Asset);
        assert_eq!(AccountName::parse("liabilities:escrow:asset/17").unwrap().kind(), AccountKind::Liability);
        for bad in ["", "assets", "cash:box", "assets:Bank", "assets::fund", "assets:bank fund", "assets:-x"]
        {
            assert_eq!(AccountName::parse(bad).unwrap_err().field, "account", "{bad:?}");
        }
    }

    #[test]
    fn a_transfer_moves_money_between_two_accounts() {
        let (mut fund, mut income) = (cash(), budget());
        let effect = single(&mut fund, &mut income, 10_000).unwrap();
        assert_eq!(effect.posted, Amount::from_minor(10_000));
        assert_eq!(fund.totals.debits_posted, Amount::from_minor(10_000));
        assert_eq!(income.totals.credits_posted, Amount::from_minor(10_000));
        assert_eq!(fund.totals.posted_balance(AccountKind::Asset), Ok(Amount::from_minor(10_000)));
        assert_eq!(income.totals.posted_balance(AccountKind::Income), Ok(Amount::from_minor(10_000)));
    }

    #[test]
    fn the_fund_cash_cannot_go_negative() {
        let (mut fund, mut income, mut spent) = (cash(), budget(), expenses());
        single(&mut fund, &mut income, 5_000).unwrap();
        let before = fund.clone();
        assert_eq!(single(&mut spent, &mut fund, 5_001), Err(TransferError::ExceedsDebits));
        assert_eq!(fund, before, "a refused transfer changes nothing");
        single(&mut spent, &mut fund, 5_000).unwrap();
        assert_eq!(fund.totals.posted_balance(AccountKind::Asset), Ok(Amount::from_minor(0)));
    }

    #[test]
    fn holds_reserve_money_and_post_or_void_exactly_once() {
        let (mut fund, mut income, mut spent) = (cash(), budget(), expenses());
        single(&mut fund, &mut income, 10_000).unwrap();
        let hold = Ledger::apply(
            TransferKind::Pending { expires_at: None },
            Amount::from_minor(8_000),
            pen(),
            &mut spent,
            &mut fund,
            None,
            NOW,
        )
        .unwrap();
        assert_eq!(hold.posted, Amount::ZERO);
        // The hold counts against the limit: only 2,000 left.
        assert_eq!(single(&mut spent, &mut fund, 2_001), Err(TransferError::ExceedsDebits));
        let mut pending = PendingTransfer {
            debit_account_id: spent.id,
            credit_account_id: fund.id,
            currency: pen(),
            amount: Amount::from_minor(8_000),
            status: PendingStatus::Pending,
            expires_at: None,
        };
        let post = Ledger::apply(
            TransferKind::PostPending,
            Amount::from_minor(6_000),
            pen(),
            &mut spent,
            &mut fund,
            Some(&pending),
            NOW,
        )
        .unwrap();
        assert_eq!(post.posted, Amount::from_minor(6_000));
        assert_eq!(post.resolves, Some(PendingStatus::Posted));
        assert_eq!(fund.totals.credits_pending, Amount::ZERO);
        assert_eq!(fund.totals.posted_balance(AccountKind::Asset), Ok(Amount::from_minor(4_000)));
        pending.status = PendingStatus::Posted;
        assert_eq!(
            Ledger::apply(
                TransferKind::VoidPending,
                Amount::ZERO,
                pen(),
                &mut spent,
                &mut fund,
                Some(&pending),
                NOW
            ),
            Err(TransferError::PendingAlreadyPosted)
        );
    }

    #[test]
    fn a_void_releases_the_hold() {
        let (mut fund, mut income, mut spent) = (cash(), budget(), expenses());
        single(&mut fund, &mut income, 1_000).unwrap();
        Ledger::apply(
            TransferKind::Pending { expires_at: None },
            Amount::from_minor(1_000),
            pen(),
            &mut spent,
            &mut fund,
            None,
            NOW,
        )
        .unwrap();
        let pending = PendingTransfer {
            debit_account_id: 3,
            credit_account_id: 1,
            currency: pen(),
            amount: Amount::from_minor(1_000),
            status: PendingStatus::Pending,
            expires_at: None,
        };
        let void = Ledger::apply(
            TransferKind::VoidPending,
            Amount::ZERO,
            pen(),
            &mut spent,
            &mut fund,
            Some(&pending),
            NOW,
        )
        .unwrap();
        assert_eq!(void.resolves, Some(PendingStatus::Voided));
        assert_eq!(fund.totals, Totals { debits_posted: Amount::from_minor(1_000), ..Totals::default() });
        let over = Ledger::apply(
            TransferKind::PostPending,
            Amount::from_minor(1_001),
            pen(),
            &mut spent,
            &mut fund,
            Some(&PendingTransfer { status: PendingStatus::Pending, ..pending.clone() }),
            NOW,
        );
        assert_eq!(over, Err(TransferError::ExceedsPendingAmount));
        let expired = PendingTransfer { expires_at: Some(NOW), ..pending };
        assert_eq!(
            Ledger::apply(
                TransferKind::PostPending,
                Amount::ZERO,
                pen(),
                &mut spent,
                &mut fund,
                Some(&expired),
                NOW
            ),
            Err(TransferError::PendingExpired)
        );
    }

    #[test]
    fn bad_transfers_are_refused_with_a_field() {
        let (mut fund, mut income) = (cash(), budget());
        assert_eq!(single(&mut fund, &mut income, 0), Err(TransferError::AmountMustBePositive));
        assert_eq!(single(&mut fund, &mut income, -5), Err(TransferError::AmountMustBePositive));
        let mut usd = budget();
        usd.currency = Currency::parse("USD").unwrap();
        assert_eq!(single(&mut fund, &mut usd, 5), Err(TransferError::CurrencyMismatch));
        let mut same = cash();
        assert_eq!(single(&mut fund, &mut same, 5), Err(TransferError::AccountsMustDiffer));
        assert_eq!(TransferError::ExceedsDebits.code(), "exceeds_debits");
        assert_eq!(TransferError::ExceedsDebits.field(), "amount");
    }

    proptest! {
        /// Whatever sequence of transfers is attempted, debits equal credits (posted and pending)
        /// and the fund's cash never goes negative.
        #[test]
        fn any_sequence_keeps_the_books_balanced(operations in proptest::collection::vec((0usize..3, 0usize..3, 0i64..20_000, 0u8..3), 1..200)) {
            let mut accounts = [cash(), budget(), expenses()];
            let mut holds: Vec<(usize, usize, PendingTransfer)> = Vec::new();
            for (from, to, units, mode) in operations {
                if from == to { continue; }
                let (mut debit, mut credit) = (accounts[from].clone(), accounts[to].clone());
                let result = match mode {
                    0 => single(&mut debit, &mut credit, units).map(|_| None),
                    1 => Ledger::apply(TransferKind::Pending { expires_at: None }, Amount::from_minor(units), pen(), &mut debit, &mut credit, None, NOW)
                        .map(|_| Some(PendingTransfer { debit_account_id: debit.id, credit_account_id: credit.id, currency: pen(), amount: Amount::from_minor(units), status: PendingStatus::Pending, expires_at: None })),
                    _ => match holds.iter_mut().find(|(_, _, p)| p.status == PendingStatus::Pending) {
                        Some((d, c, pending)) => {
                            let (mut debit, mut credit) = (accounts[*d].clone(), accounts[*c].clone());
                            let outcome = Ledger::apply(TransferKind::PostPending, Amount::ZERO, pen(), &mut debit, &mut credit, Some(pending), NOW);
                            if outcome.is_ok() {
                                pending.status = PendingStatus::Posted;
                                accounts[*d] = debit;
                                accounts[*c] = credit;
                            }
                            continue;
                        }
                        None => continue,
                    },
                };
                if let Ok(hold) = result {
                    accounts[from] = debit;
                    accounts[to] = credit;
                    if let Some(pending) = hold { holds.push((from, to, pending)); }
                }
                let sum = |f: fn(&Totals) -> i64| accounts.iter().map(|a| f(&a.totals)).sum::<i64>();
                prop_assert_eq!(sum(|t| t.debits_posted.minor_units()), sum(|t| t.credits_posted.minor_units()));
                prop_assert_eq!(sum(|t| t.debits_pending.minor_units()), sum(|t| t.credits_pending.minor_units()));
                let fund = &accounts[0].totals;
                prop_assert!(fund.credits_posted.minor_units() + fund.credits_pending.minor_units() <= fund.debits_posted.minor_units());
            }
        }
    }
}
