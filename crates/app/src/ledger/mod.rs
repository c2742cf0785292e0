//! The fund ledger: the chart of accounts, transfers in batches (idempotent, two-phase, linked),
//! hold expiry, statements, balances as of an instant, FIFO tracing, exports and the invariant
//! check.
//!
//! A batch is applied in one write transaction. Accounts are loaded once, transfers are applied
//! in memory in order by [`Ledger::apply`], and the result is written with one bulk insert of
//! transfers, one update per touched account and one audit entry. Because write transactions
//! are serialized, no other writer can change an account between the read and the write: limits
//! hold whatever the interleaving of clients or server processes.

use std::collections::{HashMap, HashSet};

use redress_domain::audit::AuditEvent;
use redress_domain::ledger::{
    Account, AccountFlags, AccountKind, AccountName, PendingStatus, References, Totals, TraceNode, Transfer,
    TransferError, TransferKind,
};
use redress_domain::money::Overflow;
use redress_domain::policy::rules;
use redress_domain::{Amount, Currency, FieldError, FieldErrors, Timestamp};
use serde::Serialize;
use serde_json::json;
use time::Date;

use crate::accounts::audit_event;
use crate::store::{NewLedgerAccount, Page, ReadTx, WriteTx};
use crate::{Actor, App, AppError, RequestContext};

mod batch;

/// Holds released per sweep (the next sweep takes the rest).
pub const EXPIRY_BATCH: i64 = 1_000;
/// How deep a trace follows money back through asset accounts.
pub const TRACE_DEPTH_MAX: usize = 6;
/// The longest memo.
pub const MEMO_LENGTH_MAX: usize = 500;

/// The fund's chart of accounts, created for its currency on first start. The two bank accounts
/// may never go negative.
pub const CHART: &[(&str, AccountFlags)] = &[
    ("assets:bank:fund", CASH),
    ("assets:bank:escrow", CASH),
    ("assets:receivable:recovery", NONE),
    ("liabilities:escrow", NONE),
    ("liabilities:reparations", NONE),
    ("income:confiscations", NONE),
    ("income:leases", NONE),
    ("income:recoveries", NONE),
    ("income:budget", NONE),
    ("income:donations", NONE),
    ("expenses:reparations", NONE),
    ("expenses:advances", NONE),
    ("expenses:custody", NONE),
    ("expenses:asset-sales", NONE),
    ("expenses:bank-fees", NONE),
    ("equity:opening", NONE),
];
const CASH: AccountFlags =
    AccountFlags { debits_must_not_exceed_credits: false, credits_must_not_exceed_debits: true };
const NONE: AccountFlags =
    AccountFlags { debits_must_not_exceed_credits: false, credits_must_not_exceed_debits: false };

/// A transfer as a client sends it (unparsed).
#[derive(Debug, Clone, Default)]
pub struct TransferRequest {
    /// A UUID chosen by the client; sending the same id again never applies it twice.
    pub id: String,
    /// Required except when posting or voiding a hold (then the hold's accounts are used).
    pub debit_account: Option<String>,
    pub credit_account: Option<String>,
    pub amount: String,
    pub currency: String,
    /// `single` (default), `pending`, `post_pending` or `void_pending`.
    pub kind: Option<String>,
    /// The hold a post or void resolves.
    pub pending_id: Option<String>,
    /// For `reversal`: the posted transfer to undo.
    pub reverses: Option<String>,
    /// When a hold lapses (RFC 3339).
    pub expires_at: Option<String>,
    /// This transfer and the next succeed or fail together.
    pub linked: bool,
    pub references: References,
    pub memo: Option<String>,
    /// The day the money moved (`YYYY-MM-DD`): not in the future, and no further back than
    /// `ledger.value_date_past_days_max`; default: the day it is entered.
    pub value_date: Option<String>,
}

/// Why a transfer of a batch was refused: its input did not parse, an account it names does not
/// exist, or a rule of the ledger refused it. Callers decide on this, never on the code's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferRefusal {
    Invalid,
    AccountNotFound,
    Rule(TransferError),
}

impl TransferRefusal {
    /// The stable code clients see: `invalid`, `account_not_found`, or the rule's
    /// (`exceeds_credits`, `exists_with_different_fields`…).
    pub fn code(self) -> String {
        match self {
            TransferRefusal::Invalid => "invalid".to_string(),
            TransferRefusal::AccountNotFound => "account_not_found".to_string(),
            TransferRefusal::Rule(error) => error.code(),
        }
    }
}

/// What became of one transfer of a batch.
#[derive(Debug, Clone)]
pub enum TransferOutcome {
    Created(Transfer),
    /// The same id with the same fields was applied before; nothing changed.
    Exists(Transfer),
    Failed {
        refusal: TransferRefusal,
        errors: FieldErrors,
    },
}

/// A transfer as the application itself moves money (a typed command: no amount formatted
/// into a string to be parsed again). Outside input arrives as a [`TransferRequest`] and is
/// parsed into one of these.
#[derive(Debug, Clone)]
pub struct Movement {
    pub id: String,
    pub debit: Option<AccountName>,
    pub credit: Option<AccountName>,
    pub amount: Amount,
    pub currency: Currency,
    pub kind: TransferKind,
    pub pending_id: Option<String>,
    pub reverses: Option<String>,
    pub linked: bool,
    pub references: References,
    pub memo: Option<String>,
    /// The day the money moved; `None`: the day it is entered.
    pub value_date: Option<Date>,
}

type Parsed = Movement;

/// One of the application's own account names (a constant): a bad one is a bug.
fn known_account(name: &str) -> Result<AccountName, AppError> {
    AccountName::parse(name).map_err(|e| AppError::Internal(format!("account {name}: {}", e.reason)))
}

impl Movement {
    /// Moves `amount` at once from `credit` to `debit` (both chart accounts).
    pub fn single(
        debit: &str,
        credit: &str,
        amount: Amount,
        currency: Currency,
        references: References,
        memo: String,
    ) -> Result<Movement, AppError> {
        Ok(Movement {
            id: new_transfer_id(),
            debit: Some(known_account(debit)?),
            credit: Some(known_account(credit)?),
            amount,
            currency,
            kind: TransferKind::Single,
            pending_id: None,
            reverses: None,
            linked: false,
            references,
            memo: Some(memo),
            value_date: None,
        })
    }

    /// Holds `amount` (a pending transfer) until it is posted or voided.
    pub fn hold(
        debit: &str,
        credit: &str,
        amount: Amount,
        currency: Currency,
        references: References,
        memo: String,
    ) -> Result<Movement, AppError> {
        Ok(Movement {
            kind: TransferKind::Pending { expires_at: None },
            ..Movement::single(debit, credit, amount, currency, references, memo)?
        })
    }

    /// Posts (`post` true) or voids a hold for its whole amount.
    pub fn resolve(
        hold_id: &str,
        post: bool,
        amount: Amount,
        currency: Currency,
        references: References,
        memo: String,
    ) -> Movement {
        Movement {
            id: new_transfer_id(),
            debit: None,
            credit: None,
            amount,
            currency,
            kind: if post { TransferKind::PostPending } else { TransferKind::VoidPending },
            pending_id: Some(hold_id.to_string()),
            reverses: None,
            linked: false,
            references,
            memo: Some(memo),
            value_date: None,
        }
    }

    /// The same movement, dated the day the money moved.
    pub fn on(mut self, value_date: Date) -> Movement {
        self.value_date = Some(value_date);
        self
    }

    pub fn linked(mut self) -> Movement {
        self.linked = true;
        self
    }
}

/// A new transfer id (a UUID v7: time-ordered, unique).
pub fn new_transfer_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

fn invalid(errors: FieldErrors) -> TransferOutcome {
    TransferOutcome::Failed { refusal: TransferRefusal::Invalid, errors }
}

fn refused(error: &TransferError) -> TransferOutcome {
    TransferOutcome::Failed { refusal: TransferRefusal::Rule(*error), errors: error.to_field_error().into() }
}

/// A transfer id: any UUID, stored in its canonical lower-case hyphenated form.
pub fn parse_transfer_id(field: &str, value: &str) -> Result<String, FieldError> {
    uuid::Uuid::parse_str(value.trim())
        .map(|id| id.hyphenated().to_string())
        .map_err(|_| FieldError::new(field, "must be a UUID such as 7f1c2a9e-0b4d-4c1e-9a57-3d2f8e6b1c00"))
}

pub fn parse_instant(field: &str, value: &str) -> Result<Timestamp, FieldError> {
    time::OffsetDateTime::parse(value.trim(), &time::format_description::well_known::Rfc3339)
        .map(Timestamp::from_datetime)
        .map_err(|_| FieldError::new(field, "must be an RFC 3339 instant such as 2026-11-28T15:00:00Z"))
}

fn parse(request: &TransferRequest) -> Result<Parsed, FieldErrors> {
    let mut errors = FieldErrors::new();
    let id = errors.check(parse_transfer_id("id", &request.id));
    let currency = errors.check(Currency::parse(&request.currency));
    let amount = currency.and_then(|currency| errors.check(Amount::parse(&request.amount, currency)));
    let expires_at = match &request.expires_at {
        Some(text) => errors.check(parse_instant("expires_at", text)).map(Some),
        None => Some(None),
    };
    let kind = transfer_kind(request.kind.as_deref(), expires_at, &mut errors);
    let resolves =
        matches!(kind, Some(TransferKind::PostPending | TransferKind::VoidPending | TransferKind::Reversal));
    let reversal = matches!(kind, Some(TransferKind::Reversal));
    let mut account = |field: &str, value: &Option<String>| match value {
        Some(name) => errors.check(AccountName::parse(name).map_err(|e| e.at(field))).map(Some),
        None if resolves => Some(None),
        None => {
            errors.push(FieldError::new(field, "is required"));
            None
        }
    };
    let debit = account("debit_account", &request.debit_account);
    let credit = account("credit_account", &request.credit_account);
    let reverses = match (&request.reverses, reversal) {
        (Some(text), true) => errors.check(parse_transfer_id("reverses", text)).map(Some),
        (None, true) => {
            errors.push(FieldError::new("reverses", "is required: the id of the transfer to reverse"));
            None
        }
        (Some(_), false) => {
            errors.push(FieldError::new("reverses", "is only for reversal"));
            None
        }
        (None, false) => Some(None),
    };
    let pending_id = match (&request.pending_id, resolves && !reversal) {
        (Some(text), true) => errors.check(parse_transfer_id("pending_id", text)).map(Some),
        (None, true) => {
            errors.push(FieldError::new("pending_id", "is required to post or void a hold"));
            None
        }
        (Some(_), false) => {
            errors.push(FieldError::new("pending_id", "is only for post_pending and void_pending"));
            None
        }
        (None, false) => Some(None),
    };
    if request.expires_at.is_some() && !matches!(kind, Some(TransferKind::Pending { .. })) {
        errors.push(FieldError::new("expires_at", "is only for pending transfers"));
    }
    if let Err(error) = request.references.validate() {
        errors.push(error);
    }
    let value_date = match request.value_date.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => errors.check(redress_domain::cases::parse_date("value_date", text)).map(Some),
        None => Some(None),
    };
    let memo = memo(request.memo.as_deref(), &mut errors);
    errors.into_result()?;
    match (id, debit, credit, amount, currency, kind, pending_id, (reverses, value_date)) {
        (
            Some(id),
            Some(debit),
            Some(credit),
            Some(amount),
            Some(currency),
            Some(kind),
            Some(pending_id),
            (Some(reverses), Some(value_date)),
        ) => Ok(Parsed {
            id,
            debit,
            credit,
            amount,
            currency,
            kind,
            pending_id,
            reverses,
            linked: request.linked,
            references: request.references.clone(),
            memo,
            value_date,
        }),
        _ => Err(FieldError::new("body", "invalid transfer").into()),
    }
}

/// The transfer's type (`single` by default); a pending one carries its expiry.
fn transfer_kind(
    text: Option<&str>,
    expires_at: Option<Option<Timestamp>>,
    errors: &mut FieldErrors,
) -> Option<TransferKind> {
    match text.unwrap_or("single") {
        "single" => Some(TransferKind::Single),
        "pending" => expires_at.map(|expires_at| TransferKind::Pending { expires_at }),
        "post_pending" => Some(TransferKind::PostPending),
        "void_pending" => Some(TransferKind::VoidPending),
        "reversal" => Some(TransferKind::Reversal),
        other => {
            errors.push(FieldError::new(
                "type",
                format!("unknown type {other:?}; expected single, pending, post_pending, void_pending or reversal"),
            ));
            None
        }
    }
}

/// A memo: one line of at most `MEMO_LENGTH_MAX` characters; blank is none.
fn memo(text: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
    match text.map(str::trim) {
        None | Some("") => None,
        Some(text) if text.chars().count() > MEMO_LENGTH_MAX => {
            errors
                .push(FieldError::new("memo", format!("must be at most {MEMO_LENGTH_MAX} characters long")));
            None
        }
        Some(text) if text.chars().any(redress_domain::user::is_hidden_char) => {
            errors.push(FieldError::new("memo", "must be one line without control characters"));
            None
        }
        Some(text) => Some(text.to_string()),
    }
}

/// Whether a stored transfer is the same request as `parsed` (for idempotent retries).
fn same_request(stored: &Transfer, parsed: &Parsed) -> bool {
    let same_account =
        |given: &Option<AccountName>, stored: &str| given.as_ref().is_none_or(|name| name.as_str() == stored);
    stored.kind == parsed.kind.transfer_type()
        && stored.amount == parsed.amount
        && stored.currency == parsed.currency
        && same_account(&parsed.debit, &stored.debit_account)
        && same_account(&parsed.credit, &stored.credit_account)
        && stored.pending_id == parsed.pending_id
        && stored.reverses_id == parsed.reverses
        && stored.references == parsed.references
        && stored.memo == parsed.memo
        && parsed.value_date.is_none_or(|date| date == stored.value_date)
}

/// An account's line in a statement.
#[derive(Debug, Clone, Serialize)]
pub struct StatementLine {
    pub transfer: Transfer,
    /// Positive when the account was debited, negative when credited (posted amount).
    pub posted_change: Amount,
    /// The account's posted balance after this line, in its normal direction.
    pub balance_after: Amount,
}

impl StatementLine {
    /// The posted change in the account's normal direction (positive when its balance grew).
    pub fn normal_change(&self, kind: AccountKind) -> Result<Amount, Overflow> {
        if kind.is_debit_normal() {
            Ok(self.posted_change)
        } else {
            self.posted_change.checked_neg()
        }
    }
}

/// The outcome of the invariant check.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerCheck {
    pub balanced: bool,
    pub problems: Vec<String>,
    pub accounts: usize,
    pub currencies: Vec<String>,
}

impl App {
    /// Creates the chart of accounts for the fund's currency where missing, and the first
    /// version of the fund's policy from its defaults. Idempotent; audited when it creates
    /// something. Returns how many accounts it created.
    pub async fn ensure_chart_of_accounts(&self) -> Result<usize, AppError> {
        let currency = self.settings.fund_currency();
        let mut tx = self.store.write().await?;
        let mut created = Vec::new();
        for (name, flags) in CHART {
            if tx.ledger_account(name, currency).await?.is_none() {
                let name = AccountName::parse(name)?;
                tx.insert_ledger_account(&NewLedgerAccount {
                    name: name.clone(),
                    currency,
                    flags: *flags,
                    created_at: self.clock.now(),
                })
                .await?;
                created.push(name.as_str().to_string());
            }
        }
        let policy_created = self.ensure_policy_in(&mut *tx).await?;
        if policy_created {
            let event = audit_event(
                &Actor::system(),
                &RequestContext::default(),
                self.clock.now(),
                "policy.publish",
                Some(("policy", "1".to_string())),
                json!({"defaults": true}),
            );
            tx.append_audit(event).await?;
        }
        if !created.is_empty() {
            let event = audit_event(
                &Actor::system(),
                &RequestContext::default(),
                self.clock.now(),
                "ledger.chart_create",
                None,
                json!({"currency": currency.code(), "accounts": created}),
            );
            tx.append_audit(event).await?;
        }
        if !created.is_empty() || policy_created {
            tx.commit().await?;
        }
        Ok(created.len())
    }

    /// Opens a ledger account (for example `liabilities:escrow:asset/17`).
    pub async fn create_ledger_account(
        &self,
        actor: &Actor,
        context: &RequestContext,
        name: &str,
        currency: &str,
        flags: AccountFlags,
    ) -> Result<Account, AppError> {
        actor.require(rules::WRITE_LEDGER)?;
        let mut errors = FieldErrors::new();
        let name = errors.check(AccountName::parse(name).map_err(|e| e.at("name")));
        let currency = errors.check(Currency::parse(currency));
        if flags.credits_must_not_exceed_debits && flags.debits_must_not_exceed_credits {
            errors.push(FieldError::new("flags", "an account cannot limit both debits and credits"));
        }
        errors.into_result()?;
        let (Some(name), Some(currency)) = (name, currency) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let mut tx = self.store.write().await?;
        if tx.ledger_account(name.as_str(), currency).await?.is_some() {
            return Err(AppError::Conflict(FieldError::new(
                "name",
                format!("{name} in {currency} already exists"),
            )));
        }
        let now = self.clock.now();
        let id = tx
            .insert_ledger_account(&NewLedgerAccount { name: name.clone(), currency, flags, created_at: now })
            .await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "ledger.account_create",
            Some(("ledger_account", id.to_string())),
            json!({"name": name.as_str(), "currency": currency.code(), "flags": flags}),
        ))
        .await?;
        tx.commit().await?;
        Ok(Account { id, name, currency, flags, totals: Totals::default() })
    }

    /// Ledger accounts by id after `after`, at most `limit` (default 100, at most 500).
    pub async fn ledger_accounts_page(
        &self,
        actor: &Actor,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<Account>, AppError> {
        actor.require(rules::READ_LEDGER)?;
        let page = crate::accounts::page(after, limit)?;
        Ok(self.store.read().await?.ledger_accounts(page).await?)
    }

    pub async fn ledger_accounts(&self, actor: &Actor) -> Result<Vec<Account>, AppError> {
        actor.require(rules::READ_LEDGER)?;
        let mut tx = self.store.read().await?;
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = tx.ledger_accounts(Page { after, limit: 500 }).await?;
            let full = page.len() == 500;
            after = page.last().map(|a| a.id);
            all.extend(page);
            if !full {
                return Ok(all);
            }
        }
    }

    /// Applies a batch of transfers in order and reports each one's outcome. Failures do not
    /// stop the others, except within a linked chain. Bad input in a batch of one is reported
    /// as the transfer's failure too; the caller decides how to answer.
    pub async fn create_transfers(
        &self,
        actor: &Actor,
        context: &RequestContext,
        requests: &[TransferRequest],
    ) -> Result<Vec<TransferOutcome>, AppError> {
        actor.require(rules::WRITE_LEDGER)?;
        if requests.is_empty() {
            return Err(FieldError::new("transfers", "must hold at least one transfer").into());
        }
        if requests.len() > self.settings.ledger.batch_max {
            return Err(FieldError::new(
                "transfers",
                format!("must hold at most {} transfers", self.settings.ledger.batch_max),
            )
            .into());
        }
        let mut tx = self.store.write().await?;
        let now = self.clock.now();
        let expired = self.expire_holds_in(&mut *tx, now).await?;
        let (outcomes, created) = self.apply_transfers_in(&mut *tx, &actor.username, requests, now).await?;
        if created.is_empty() {
            if expired > 0 {
                tx.commit().await?;
            }
            return Ok(outcomes);
        }
        let target = (created.len() == 1).then(|| ("transfer", created[0].id.clone()));
        let ids: Vec<&str> = created.iter().take(50).map(|t| t.id.as_str()).collect();
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "ledger.transfers_create",
            target,
            json!({"created": created.len(), "first_seq": created.first().map(|t| t.seq), "last_seq": created.last().map(|t| t.seq), "ids": ids}),
        ))
        .await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Applies transfers inside the caller's write transaction and writes them (no audit entry,
    /// no commit): for use cases whose own change moves money, so that both commit together.
    /// Returns each transfer's outcome and the transfers created.
    pub async fn apply_transfers_in(
        &self,
        tx: &mut dyn WriteTx,
        actor: &str,
        requests: &[TransferRequest],
        now: Timestamp,
    ) -> Result<(Vec<TransferOutcome>, Vec<Transfer>), AppError> {
        let parsed: Vec<Result<Parsed, FieldErrors>> = requests.iter().map(parse).collect();
        self.apply_parsed_in(tx, actor, parsed, now).await
    }

    /// Applies the application's own movements inside the caller's transaction; the first one
    /// refused (insufficient funds, a hold already resolved…) fails the whole use case, so that
    /// nothing of it is written.
    pub async fn move_money_in(
        &self,
        tx: &mut dyn WriteTx,
        actor: &str,
        movements: Vec<Movement>,
        now: Timestamp,
    ) -> Result<Vec<Transfer>, AppError> {
        let (outcomes, staged) =
            self.apply_parsed_in(tx, actor, movements.into_iter().map(Ok).collect(), now).await?;
        if let Some(TransferOutcome::Failed { errors, .. }) =
            outcomes.iter().find(|o| matches!(o, TransferOutcome::Failed { .. }))
        {
            // Refused movements (not enough money, a hold already resolved) name their field.
            return Err(AppError::Invalid(errors.clone()));
        }
        Ok(staged)
    }

    async fn apply_parsed_in(
        &self,
        tx: &mut dyn WriteTx,
        actor: &str,
        parsed: Vec<Result<Parsed, FieldErrors>>,
        now: Timestamp,
    ) -> Result<(Vec<TransferOutcome>, Vec<Transfer>), AppError> {
        let days = self.settings.ledger.value_date_past_days_max;
        let (outcomes, batch) = batch::apply(tx, actor, parsed, (now, self.local_date(now)), days).await?;
        if batch.staged.is_empty() {
            return Ok((outcomes, Vec::new()));
        }
        tx.insert_transfers(&batch.staged).await?;
        let touched: HashSet<i64> =
            batch.staged.iter().flat_map(|t| [t.debit_account_id, t.credit_account_id]).collect();
        let totals: Vec<(i64, Totals)> =
            batch.accounts.values().filter(|a| touched.contains(&a.id)).map(|a| (a.id, a.totals)).collect();
        tx.set_ledger_totals_many(&totals).await?;
        let staged_ids: HashSet<&str> = batch.staged.iter().map(|t| t.id.as_str()).collect();
        for (id, status) in &batch.statuses {
            if !staged_ids.contains(id.as_str()) {
                tx.set_pending_status(id, *status).await?;
            }
        }
        Ok((outcomes, batch.staged))
    }

    /// Releases holds whose expiry has passed, in the given transaction. Returns how many.
    async fn expire_holds_in(&self, tx: &mut dyn WriteTx, now: Timestamp) -> Result<usize, AppError> {
        let due = tx.holds_expired(now, EXPIRY_BATCH).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let mut accounts: HashMap<i64, Account> = HashMap::new();
        for hold in &due {
            for id in [hold.debit_account_id, hold.credit_account_id] {
                if let std::collections::hash_map::Entry::Vacant(entry) = accounts.entry(id) {
                    let account = tx.ledger_account_by_id(id).await?.ok_or_else(|| {
                        AppError::Internal(format!("hold {} refers to a missing account", hold.id))
                    })?;
                    entry.insert(account);
                }
            }
            let release = |totals: &mut Totals, debit: bool| -> Result<(), AppError> {
                let field = if debit { &mut totals.debits_pending } else { &mut totals.credits_pending };
                *field = field
                    .checked_sub(hold.amount)
                    .map_err(|_| AppError::Internal("pending total underflow".into()))?;
                Ok(())
            };
            if let Some(account) = accounts.get_mut(&hold.debit_account_id) {
                release(&mut account.totals, true)?;
            }
            if let Some(account) = accounts.get_mut(&hold.credit_account_id) {
                release(&mut account.totals, false)?;
            }
            tx.set_pending_status(&hold.id, PendingStatus::Expired).await?;
        }
        for account in accounts.values() {
            tx.set_ledger_totals(account.id, &account.totals).await?;
        }
        let ids: Vec<&str> = due.iter().take(50).map(|h| h.id.as_str()).collect();
        let event: AuditEvent = audit_event(
            &Actor::system(),
            &RequestContext::default(),
            now,
            "ledger.holds_expire",
            None,
            json!({"expired": due.len(), "ids": ids}),
        );
        tx.append_audit(event).await?;
        Ok(due.len())
    }

    /// Releases expired holds (the server's periodic sweep and `redress ledger expire`).
    pub async fn expire_holds(&self) -> Result<usize, AppError> {
        let mut tx = self.store.write().await?;
        let expired = self.expire_holds_in(&mut *tx, self.clock.now()).await?;
        if expired > 0 {
            tx.commit().await?;
        }
        Ok(expired)
    }

    pub async fn transfer(&self, actor: &Actor, id: &str) -> Result<Transfer, AppError> {
        actor.require(rules::READ_LEDGER)?;
        let id = parse_transfer_id("id", id)?;
        let mut tx = self.store.read().await?;
        tx.transfers_by_ids(std::slice::from_ref(&id))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::NotFound(format!("no transfer has id {id}")))
    }

    pub(crate) async fn account_named(
        tx: &mut dyn ReadTx,
        name: &str,
        currency: &str,
    ) -> Result<Account, AppError> {
        let mut errors = FieldErrors::new();
        let name = errors.check(AccountName::parse(name));
        let currency = errors.check(Currency::parse(currency));
        errors.into_result()?;
        let (Some(name), Some(currency)) = (name, currency) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        tx.ledger_account(name.as_str(), currency)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no account named {name} in {currency}")))
    }

    /// An account's transfers with its running posted balance, oldest first, paged by `after`
    /// (a transfer's sequence number).
    pub async fn statement(
        &self,
        actor: &Actor,
        account: &str,
        currency: &str,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<(Account, Vec<StatementLine>), AppError> {
        actor.require(rules::READ_LEDGER)?;
        let limit = limit.unwrap_or(100);
        if !(1..=crate::accounts::PAGE_LIMIT_MAX).contains(&limit) {
            return Err(FieldError::new("limit", "must be between 1 and 500").into());
        }
        let mut tx = self.store.read().await?;
        let account = Self::account_named(&mut *tx, account, currency).await?;
        let lines = tx
            .account_transfers(account.id, after, limit)
            .await?
            .into_iter()
            .map(|transfer| crate::lists::statement_line(&account, transfer))
            .collect::<Result<_, _>>()?;
        Ok((account, lines))
    }

    /// A page of accounts (ids after `after`, ascending) with their posted totals as they
    /// stood at `at`. The cost is one page of accounts, whatever the ledger's size.
    pub async fn balances_at(
        &self,
        actor: &Actor,
        at: Timestamp,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<(Account, Totals)>, AppError> {
        actor.require(rules::READ_LEDGER)?;
        let page = crate::accounts::page(after, limit)?;
        let mut tx = self.store.read().await?;
        let accounts = tx.ledger_accounts(page).await?;
        let posted =
            |debits_posted, credits_posted| Totals { debits_posted, credits_posted, ..Totals::default() };
        // No transfer after the instant (as of now, typically): the totals the ledger maintains
        // are the balances, read in the same snapshot — no per-account lookups.
        if tx.last_transfer().await?.is_none_or(|(_, last)| last <= at) {
            return Ok(accounts
                .into_iter()
                .map(|account| {
                    let totals = posted(account.totals.debits_posted, account.totals.credits_posted);
                    (account, totals)
                })
                .collect());
        }
        let at_instant: HashMap<i64, (Amount, Amount)> =
            tx.posted_totals_at_page(at, page).await?.into_iter().map(|(id, d, c)| (id, (d, c))).collect();
        Ok(accounts
            .into_iter()
            .map(|account| {
                let (debits, credits) = at_instant.get(&account.id).copied().unwrap_or_default();
                (account, posted(debits, credits))
            })
            .collect())
    }

    /// The inflows that funded a transfer's outflow from an asset account, first in, first out:
    /// each asset account spends its inflows in the order they arrived. Followed back through
    /// asset accounts (escrow → fund) up to [`TRACE_DEPTH_MAX`] levels; income accounts
    /// (confiscations, budget, donations) are where the trail starts.
    pub async fn trace(&self, actor: &Actor, id: &str) -> Result<TraceNode, AppError> {
        actor.require(rules::READ_LEDGER)?;
        self.trace_unchecked(&parse_transfer_id("id", id)?).await
    }

    /// The trace of a transfer, for use cases that decided access themselves (a receipt).
    pub(crate) async fn trace_unchecked(&self, id: &str) -> Result<TraceNode, AppError> {
        let mut tx = self.store.read().await?;
        let transfer = tx
            .transfers_by_ids(&[id.to_string()])
            .await?
            .pop()
            .ok_or_else(|| AppError::NotFound(format!("no transfer has id {id}")))?;
        let share = transfer.posted;
        let credits_after = transfer.credit_account_posted_after.1;
        let range = (credits_after.checked_sub(share)?, credits_after);
        let sources = Self::sources(&mut *tx, &transfer, range, 1).await?;
        Ok(TraceNode { transfer, share, sources })
    }

    /// The names of the accounts a trace touches, by id.
    pub(crate) async fn account_names(
        &self,
        trace: &TraceNode,
    ) -> Result<std::collections::BTreeMap<i64, String>, AppError> {
        fn ids(node: &TraceNode, into: &mut HashSet<i64>) {
            into.insert(node.transfer.debit_account_id);
            into.insert(node.transfer.credit_account_id);
            for source in &node.sources {
                ids(source, into);
            }
        }
        let mut wanted = HashSet::new();
        ids(trace, &mut wanted);
        let mut tx = self.store.read().await?;
        let mut names = std::collections::BTreeMap::new();
        for id in wanted {
            if let Some(account) = tx.ledger_account_by_id(id).await? {
                names.insert(id, account.name.as_str().to_string());
            }
        }
        Ok(names)
    }

    /// The sources of the part (`range`, in the credited account's cumulative posted credits)
    /// of `outflow`.
    async fn sources(
        tx: &mut dyn ReadTx,
        outflow: &Transfer,
        range: (Amount, Amount),
        depth: usize,
    ) -> Result<Vec<TraceNode>, AppError> {
        if depth > TRACE_DEPTH_MAX || range.1 <= range.0 {
            return Ok(Vec::new());
        }
        let Some(account) = tx.ledger_account_by_id(outflow.credit_account_id).await? else {
            return Ok(Vec::new());
        };
        if !account.kind().is_debit_normal() {
            return Ok(Vec::new());
        }
        let mut nodes = Vec::new();
        for inflow in tx.inflows_covering(account.id, range.0.minor_units(), range.1.minor_units()).await? {
            let high = inflow.debit_account_posted_after.0;
            let low = high.checked_sub(inflow.posted)?;
            let (from, to) = (range.0.max(low), range.1.min(high));
            if to <= from {
                continue;
            }
            // The same slice of money, seen as part of the inflow's own outflow from its source.
            let source_credits_after = inflow.credit_account_posted_after.1;
            let source_low = source_credits_after.checked_sub(inflow.posted)?;
            let sub_range = (
                source_low.checked_add(from.checked_sub(low)?)?,
                source_low.checked_add(to.checked_sub(low)?)?,
            );
            let sources = Box::pin(Self::sources(tx, &inflow, sub_range, depth.saturating_add(1))).await?;
            nodes.push(TraceNode { transfer: inflow, share: to.checked_sub(from)?, sources });
        }
        Ok(nodes)
    }

    /// A page of all transfers in order, for the journal and CSV exports.
    pub async fn transfers_page(
        &self,
        actor: &Actor,
        tx: &mut dyn ReadTx,
        after: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Transfer>, AppError> {
        actor.require(rules::READ_LEDGER)?;
        Ok(tx.transfers_after(after, limit).await?)
    }

    /// Checks the invariants on what is stored: per currency, debits equal credits (posted and
    /// pending); every account's posted totals equal the sums of its transfers; no account
    /// crosses its limit.
    pub async fn verify_ledger(&self, actor: &Actor) -> Result<LedgerCheck, AppError> {
        actor.require(rules::VERIFY_LEDGER)?;
        let accounts = self.ledger_accounts(actor).await?;
        let mut tx = self.store.read().await?;
        let mut problems = Vec::new();
        let sums = tx.ledger_sums().await?;
        for sum in &sums {
            let t = &sum.totals;
            if t.debits_posted != t.credits_posted {
                problems.push(format!(
                    "{}: posted debits {} differ from posted credits {}",
                    sum.currency,
                    t.debits_posted.minor_units(),
                    t.credits_posted.minor_units()
                ));
            }
            if t.debits_pending != t.credits_pending {
                problems.push(format!(
                    "{}: pending debits {} differ from pending credits {}",
                    sum.currency,
                    t.debits_pending.minor_units(),
                    t.credits_pending.minor_units()
                ));
            }
        }
        let recomputed: HashMap<i64, (Amount, Amount)> =
            tx.posted_sums_from_transfers().await?.into_iter().map(|(id, d, c)| (id, (d, c))).collect();
        for account in &accounts {
            let (debits, credits) = recomputed.get(&account.id).copied().unwrap_or_default();
            if (debits, credits) != (account.totals.debits_posted, account.totals.credits_posted) {
                problems.push(format!(
                    "{} {}: stored posted totals differ from the sums of its transfers",
                    account.name, account.currency
                ));
            }
            let t = &account.totals;
            // A sum past the range of an amount exceeds any total.
            if account.flags.credits_must_not_exceed_debits
                && t.credits_posted.checked_add(t.credits_pending).map_or(true, |c| c > t.debits_posted)
            {
                problems.push(format!("{} {}: credits exceed debits", account.name, account.currency));
            }
            if account.flags.debits_must_not_exceed_credits
                && t.debits_posted.checked_add(t.debits_pending).map_or(true, |d| d > t.credits_posted)
            {
                problems.push(format!("{} {}: debits exceed credits", account.name, account.currency));
            }
        }
        let names: HashMap<i64, String> =
            accounts.iter().map(|a| (a.id, format!("{} {}", a.name, a.currency))).collect();
        for (account, month) in tx.month_flow_mismatches().await? {
            let name = names.get(&account).cloned().unwrap_or_else(|| format!("account {account}"));
            problems
                .push(format!("{name}: the sums kept for {month} differ from its transfers of that month"));
        }
        Ok(LedgerCheck {
            balanced: problems.is_empty(),
            problems,
            accounts: accounts.len(),
            currencies: sums.iter().map(|s| s.currency.clone()).collect(),
        })
    }
}
