//! The storage traits the use cases need. `redress-store` implements them for SQLite and
//! PostgreSQL; one conformance suite holds both implementations to the same behaviour.
//!
//! A use case opens a transaction — [`Store::read`] for queries, [`Store::write`] for changes —
//! and calls the per-aggregate methods on it. A write transaction that is dropped without
//! [`WriteTx::commit`] rolls back: an early `?` return leaves nothing behind.

use async_trait::async_trait;
use redress_domain::assets::{AssetKind, AssetState};
use redress_domain::audit::{AuditEvent, AuditRecord};
use redress_domain::cases::Stage;
use redress_domain::claims::{ClaimKind, ClaimState, Waiting};
use redress_domain::ledger::{
    Account, AccountFlags, AccountName, PendingStatus, Totals, Transfer, TransferType,
};
use redress_domain::payments::{BatchState, LineStatus, PaymentMethod, ResultSource};
use redress_domain::{Amount, Currency, FieldError, InstitutionId, InstitutionKind, Role, Timestamp, UserId};
use serde::Serialize;

/// Why storage failed. Callers act on `Conflict`; the rest are reported.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule would be broken.
    #[error("conflict: {0}")]
    Conflict(FieldError),
    /// The database could not be reached or timed out.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A stored value could not be read back (a bug or a hand-edited row).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn engine(&self) -> &'static str;
    async fn ping(&self) -> StoreResult<()>;
    /// A read-only transaction; many can run at once.
    async fn read(&self) -> StoreResult<Box<dyn ReadTx>>;
    /// A write transaction. Only one runs at a time (see the crate documentation).
    async fn write(&self) -> StoreResult<Box<dyn WriteTx>>;
}

/// Everything a read transaction can do.
pub trait ReadTx:
    AccountReads
    + AuditReads
    + LedgerReads
    + VictimReads
    + CaseReads
    + OrderReads
    + AssetReads
    + ClaimReads
    + FundReads
    + crate::summary::SummaryReads
    + crate::lists::ListReads
    + crate::record_lists::RecordListReads
    + crate::claims::PageReads
    + crate::alerts::AlertReads
    + Send
{
}

/// Everything a write transaction can do; dropped without `commit`, it rolls back.
#[async_trait]
pub trait WriteTx:
    ReadTx
    + AccountWrites
    + AuditWrites
    + LedgerWrites
    + VictimWrites
    + CaseWrites
    + OrderWrites
    + AssetWrites
    + ClaimWrites
    + UserAdminWrites
    + FundWrites
    + crate::alerts::AlertWrites
{
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// What administering users changes (see `crate::users`).
#[async_trait]
pub trait UserAdminWrites: Send {
    /// Deactivates (`Some(at)`) or reactivates (`None`) a user.
    async fn set_user_deactivated(&mut self, user: UserId, at: Option<Timestamp>) -> StoreResult<()>;
    async fn set_must_change_password(&mut self, user: UserId, required: bool) -> StoreResult<()>;
    /// Replaces the user's roles.
    async fn set_user_roles(&mut self, user: UserId, roles: &[Role]) -> StoreResult<()>;
    async fn set_user_institution(&mut self, user: UserId, institution: InstitutionId) -> StoreResult<()>;
}

/// The fund's details as stored (see `crate::fund`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundDetailsRecord {
    pub details: redress_domain::fund::FundDetails,
    pub updated_at: Timestamp,
    pub updated_by: String,
}

#[async_trait]
pub trait FundReads: Send {
    /// The fund's details, once an administrator has set them.
    async fn fund_details(&mut self) -> StoreResult<Option<FundDetailsRecord>>;
}

#[async_trait]
pub trait FundWrites: Send {
    /// Sets (or replaces) the fund's details.
    async fn put_fund_details(&mut self, record: &FundDetailsRecord) -> StoreResult<()>;
}

// ---- Accounts: institutions, users, sessions, login failures -------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Institution {
    pub id: InstitutionId,
    pub name: String,
    pub kind: InstitutionKind,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub username: String,
    pub display_name: Option<String>,
    pub institution_id: InstitutionId,
    pub institution: String,
    pub roles: Vec<Role>,
    /// PHC string (`$argon2id$…`); never leaves the app crate.
    pub password_hash: String,
    pub created_at: Timestamp,
    pub password_changed_at: Timestamp,
    /// When an administrator deactivated the user; `None` while active.
    pub deactivated_at: Option<Timestamp>,
    /// The password was reset: until the user changes it, the session may do nothing else.
    pub must_change_password: bool,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: Option<String>,
    pub institution_id: InstitutionId,
    pub roles: Vec<Role>,
    pub password_hash: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the token, hex. The token itself is never stored.
    pub id: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub client_address: Option<String>,
    pub user_agent: Option<String>,
}

/// Keyset paging: items after `after` (an id), at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub after: Option<i64>,
    pub limit: i64,
}

/// The answer given to a request with an idempotency key (status 0: still being worked on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentResponse {
    pub request_hash: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Option<String>,
}

/// A claimed idempotency key: its answer (status 0 until there is one), how long its holder
/// keeps it, and when the request's work was applied (written with the work itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub response: IdempotentResponse,
    pub lease_until: Timestamp,
    pub applied_at: Option<Timestamp>,
}

#[async_trait]
pub trait AccountReads: Send {
    async fn institution_by_name(&mut self, name: &str) -> StoreResult<Option<Institution>>;
    async fn institution_by_id(&mut self, id: InstitutionId) -> StoreResult<Option<Institution>>;
    async fn institutions(&mut self, page: Page) -> StoreResult<Vec<Institution>>;
    async fn user_count(&mut self) -> StoreResult<i64>;
    async fn user_by_username(&mut self, username: &str) -> StoreResult<Option<UserRecord>>;
    async fn user_by_id(&mut self, id: UserId) -> StoreResult<Option<UserRecord>>;
    /// Users ordered by id.
    async fn users(&mut self, page: Page) -> StoreResult<Vec<UserRecord>>;
    async fn session(&mut self, id: &str) -> StoreResult<Option<SessionRecord>>;
    /// Failed logins recorded under `key` at or after `since`.
    async fn login_failures_since(&mut self, key: &str, since: Timestamp) -> StoreResult<i64>;
    /// The user's chosen interface language, if any.
    async fn user_locale(&mut self, user: UserId) -> StoreResult<Option<String>>;
    /// A request remembered under an idempotency key.
    async fn idempotency_key(&mut self, user: UserId, key: &str) -> StoreResult<Option<IdempotencyRecord>>;
}

#[async_trait]
pub trait AccountWrites: Send {
    async fn insert_institution(
        &mut self,
        name: &str,
        kind: InstitutionKind,
        at: Timestamp,
    ) -> StoreResult<InstitutionId>;
    async fn insert_user(&mut self, user: &NewUser) -> StoreResult<UserId>;
    async fn set_password_hash(&mut self, user: UserId, hash: &str, at: Timestamp) -> StoreResult<()>;
    async fn insert_session(&mut self, session: &SessionRecord) -> StoreResult<()>;
    async fn touch_session(&mut self, id: &str, at: Timestamp) -> StoreResult<()>;
    /// Returns whether a session was deleted.
    async fn delete_session(&mut self, id: &str) -> StoreResult<bool>;
    /// Ends every session of `user` except `keep`; returns how many ended.
    async fn delete_sessions_of_user(&mut self, user: UserId, keep: Option<&str>) -> StoreResult<u64>;
    async fn delete_sessions_expired(&mut self, now: Timestamp, idle_before: Timestamp) -> StoreResult<u64>;
    async fn record_login_failure(&mut self, key: &str, at: Timestamp) -> StoreResult<()>;
    async fn set_user_locale(&mut self, user: UserId, locale: &str) -> StoreResult<()>;
    /// Claims a key for a request until `lease_until` (status 0: in progress); `false` if the
    /// key is taken.
    async fn claim_idempotency_key(
        &mut self,
        user: UserId,
        key: &str,
        request_hash: &str,
        at: Timestamp,
        lease_until: Timestamp,
    ) -> StoreResult<bool>;
    /// Takes over a claim whose lease (`expired`, as read) ran out before its work applied;
    /// `false` if another retry took it first.
    async fn take_over_idempotency_key(
        &mut self,
        user: UserId,
        key: &str,
        expired: Timestamp,
        lease_until: Timestamp,
    ) -> StoreResult<bool>;
    /// Ends a claim's lease now (its holder stopped after its work applied).
    async fn end_idempotency_lease(&mut self, user: UserId, key: &str, at: Timestamp) -> StoreResult<()>;
    async fn finish_idempotency_key(
        &mut self,
        user: UserId,
        key: &str,
        response: &IdempotentResponse,
    ) -> StoreResult<()>;
    /// Forgets a claim whose work never applied; `false` (and nothing changed) if it applied.
    async fn release_unapplied_idempotency_key(&mut self, user: UserId, key: &str) -> StoreResult<bool>;
    async fn delete_idempotency_keys_before(&mut self, before: Timestamp) -> StoreResult<u64>;
    async fn clear_login_failures(&mut self, key: &str) -> StoreResult<()>;
    async fn delete_login_failures_before(&mut self, before: Timestamp) -> StoreResult<u64>;
}

// ---- Audit trail -------------------------------------------------------------------------------

#[async_trait]
pub trait AuditReads: Send {
    /// The newest entries first, those with `seq < before` when given.
    async fn audit_newest(&mut self, before: Option<i64>, limit: i64) -> StoreResult<Vec<AuditRecord>>;
    /// Entries with `seq >= from` in ascending order (for verification, in bounded batches).
    async fn audit_from(&mut self, from: i64, limit: i64) -> StoreResult<Vec<AuditRecord>>;
    /// The chain head as separately recorded: last sequence number and hash.
    async fn audit_head(&mut self) -> StoreResult<Option<(i64, String)>>;
}

#[async_trait]
pub trait AuditWrites: Send {
    /// Chains `event` after the current head and stores it, in this transaction.
    async fn append_audit(&mut self, event: AuditEvent) -> StoreResult<AuditRecord>;
}

// ---- Ledger ------------------------------------------------------------------------------------

/// A ledger account to create.
#[derive(Debug, Clone)]
pub struct NewLedgerAccount {
    pub name: AccountName,
    pub currency: Currency,
    pub flags: AccountFlags,
    pub created_at: Timestamp,
}

/// Per-currency sums over all accounts, for the invariant check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencySums {
    pub currency: String,
    pub totals: Totals,
}

#[async_trait]
pub trait LedgerReads: Send {
    async fn ledger_account(&mut self, name: &str, currency: Currency) -> StoreResult<Option<Account>>;
    async fn ledger_account_by_id(&mut self, id: i64) -> StoreResult<Option<Account>>;
    /// The accounts among `names` that exist in `currency`.
    async fn ledger_accounts_named(
        &mut self,
        names: &[String],
        currency: Currency,
    ) -> StoreResult<Vec<Account>>;
    /// Accounts ordered by id.
    async fn ledger_accounts(&mut self, page: Page) -> StoreResult<Vec<Account>>;
    /// The transfers among `ids` that exist (any order).
    async fn transfers_by_ids(&mut self, ids: &[String]) -> StoreResult<Vec<Transfer>>;
    /// Which of `ids` have been reversed already.
    async fn reversals_of(&mut self, ids: &[String]) -> StoreResult<Vec<String>>;
    /// The newest transfer's sequence number and time.
    async fn last_transfer(&mut self) -> StoreResult<Option<(i64, Timestamp)>>;
    /// Transfers touching `account_id` after sequence `after`, oldest first.
    async fn account_transfers(
        &mut self,
        account_id: i64,
        after: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Transfer>>;
    /// The account's posted totals (debits, credits) as they stood at `at`.
    async fn posted_totals_at(&mut self, account_id: i64, at: Timestamp) -> StoreResult<(Amount, Amount)>;
    /// A page of accounts' posted (debits, credits) as of `at`, by account id (ids after
    /// `page.after`, ascending), in one statement.
    async fn posted_totals_at_page(
        &mut self,
        at: Timestamp,
        page: Page,
    ) -> StoreResult<Vec<(i64, Amount, Amount)>>;
    /// All transfers after sequence `after`, oldest first (exports).
    async fn transfers_after(&mut self, after: Option<i64>, limit: i64) -> StoreResult<Vec<Transfer>>;
    /// Transfers that debited `account_id` (inflows to an asset) whose share of the account's
    /// cumulative posted debits overlaps (`from`, `to`]: the FIFO sources of an outflow.
    async fn inflows_covering(&mut self, account_id: i64, from: i64, to: i64) -> StoreResult<Vec<Transfer>>;
    /// Holds still pending whose expiry is at or before `now`.
    async fn holds_expired(&mut self, now: Timestamp, limit: i64) -> StoreResult<Vec<Transfer>>;
    /// Sums of the four totals over all accounts, per currency.
    async fn ledger_sums(&mut self) -> StoreResult<Vec<CurrencySums>>;
    /// Posted debits and credits per account recomputed from the transfers: (account id, debits, credits).
    async fn posted_sums_from_transfers(&mut self) -> StoreResult<Vec<(i64, Amount, Amount)>>;
    /// The (account id, `YYYY-MM`) whose maintained month sums differ from the sums of their
    /// transfers (at most 100): empty when the maintained table is exact.
    async fn month_flow_mismatches(&mut self) -> StoreResult<Vec<(i64, String)>>;
}

#[async_trait]
pub trait LedgerWrites: Send {
    async fn insert_ledger_account(&mut self, account: &NewLedgerAccount) -> StoreResult<i64>;
    async fn set_ledger_totals(&mut self, account_id: i64, totals: &Totals) -> StoreResult<()>;
    /// Sets many accounts' totals in few statements.
    async fn set_ledger_totals_many(&mut self, accounts: &[(i64, Totals)]) -> StoreResult<()>;
    /// Inserts transfers in bulk (their `seq` already assigned, ascending).
    async fn insert_transfers(&mut self, transfers: &[Transfer]) -> StoreResult<()>;
    async fn set_pending_status(&mut self, id: &str, status: PendingStatus) -> StoreResult<()>;
}

// ---- Victims -----------------------------------------------------------------------------------

/// A victim as stored: the sealed identity and the clear, coarse attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VictimRecord {
    pub id: i64,
    pub code: String,
    pub year: i32,
    pub number: i64,
    /// The institution that registered the victim (scopes victim services' access).
    pub institution_id: InstitutionId,
    /// `v1:<key id>:<…>`: decrypt with the key ring, bound to `code`.
    pub identity: String,
    pub document_index: String,
    pub sex: String,
    pub nationality: String,
    pub age_band: String,
    pub minor: bool,
    pub region: Option<String>,
    pub exploitation: Option<String>,
    pub consent_given_at: Timestamp,
    pub consent_scope: String,
    pub consent_withdrawn_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub created_by: String,
}

#[async_trait]
pub trait VictimReads: Send {
    /// The highest number given in `year` (0 when none).
    async fn last_victim_number(&mut self, year: i32) -> StoreResult<i64>;
    async fn victim(&mut self, code: &str) -> StoreResult<Option<VictimRecord>>;
    async fn victims_with_document(&mut self, document_index: &str) -> StoreResult<Vec<VictimRecord>>;
    /// Victims after id `after`, by id (for key rotation and lists).
    async fn victims(&mut self, page: Page) -> StoreResult<Vec<VictimRecord>>;
    /// Whether the victim was referred to the institution.
    async fn victim_referred_to(&mut self, victim_id: i64, institution: InstitutionId) -> StoreResult<bool>;
    /// (key id, sealed check value) for every data key the database has seen.
    async fn data_key_checks(&mut self) -> StoreResult<Vec<(String, String)>>;
    /// The corrections made to a victim's identity, oldest first.
    async fn identity_changes(&mut self, victim_id: i64) -> StoreResult<Vec<IdentityChange>>;
    /// The institutions the victim was referred to, oldest first: (institution id, its name,
    /// when, by whom).
    async fn victim_referrals(
        &mut self,
        victim_id: i64,
    ) -> StoreResult<Vec<(i64, String, Timestamp, String)>>;
}

/// One correction of a victim's identity: the identity as it was before (sealed, bound to the
/// victim's code), which fields changed, why, who and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityChange {
    pub previous: String,
    pub fields: Vec<String>,
    pub reason: String,
    pub changed_at: Timestamp,
    pub changed_by: String,
}

#[async_trait]
pub trait VictimWrites: Send {
    async fn insert_victim(&mut self, victim: &VictimRecord) -> StoreResult<i64>;
    async fn set_victim_identity(&mut self, code: &str, identity: &str) -> StoreResult<()>;
    async fn set_consent_withdrawn(&mut self, code: &str, at: Timestamp) -> StoreResult<()>;
    /// Writes the identity, its blind index and the clear attributes derived from it.
    async fn update_victim(&mut self, victim: &VictimRecord) -> StoreResult<()>;
    async fn insert_identity_change(&mut self, victim_id: i64, change: &IdentityChange) -> StoreResult<()>;
    async fn insert_data_key_check(&mut self, key_id: &str, sealed: &str) -> StoreResult<()>;
    async fn insert_referral(
        &mut self,
        victim_id: i64,
        institution: InstitutionId,
        at: Timestamp,
        by: &str,
    ) -> StoreResult<()>;
}

// ---- Cases -------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub id: i64,
    pub prosecutor_file: String,
    pub court_file: Option<String>,
    pub jurisdiction: String,
    /// Offence codes (`129-A`).
    pub offences: Vec<String>,
    pub stage: Stage,
    /// `YYYY-MM-DD`.
    pub stage_changed_on: String,
    pub cross_border: bool,
    pub partner_country: Option<String>,
    pub tracing_notes: Option<String>,
    pub institution_id: InstitutionId,
    /// The court handling the case: its clerks see the identity of the case's victims.
    pub court_id: Option<InstitutionId>,
    pub created_at: Timestamp,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageChange {
    pub from_stage: Option<Stage>,
    pub to_stage: Stage,
    pub on_date: String,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defendant {
    pub id: i64,
    pub name: String,
}

#[async_trait]
pub trait CaseReads: Send {
    async fn case(&mut self, id: i64) -> StoreResult<Option<CaseRecord>>;
    async fn case_by_prosecutor_file(&mut self, file: &str) -> StoreResult<Option<CaseRecord>>;
    async fn case_stage_changes(&mut self, case_id: i64) -> StoreResult<Vec<StageChange>>;
    async fn case_defendants(&mut self, case_id: i64) -> StoreResult<Vec<Defendant>>;
    /// The codes of the case's victims.
    async fn case_victim_codes(&mut self, case_id: i64) -> StoreResult<Vec<String>>;
    /// Whether the victim is in a case of the institution (opened by it, or at its court).
    async fn victim_in_cases_of(&mut self, victim_id: i64, institution: InstitutionId) -> StoreResult<bool>;
    /// Cases newest first (ids below `page.after`): of an institution (opened by it or at its
    /// court) when one is given, in one of `stages` when any are given.
    async fn cases_page(
        &mut self,
        institution: Option<InstitutionId>,
        stages: &[&str],
        page: Page,
    ) -> StoreResult<Vec<CaseRecord>>;
}

#[async_trait]
pub trait CaseWrites: Send {
    async fn insert_case(&mut self, case: &CaseRecord) -> StoreResult<i64>;
    async fn set_case_stage(&mut self, case_id: i64, stage: Stage, on_date: &str) -> StoreResult<()>;
    async fn set_case_court(&mut self, case_id: i64, court: InstitutionId) -> StoreResult<()>;
    async fn insert_stage_change(&mut self, case_id: i64, change: &StageChange) -> StoreResult<()>;
    async fn insert_defendant(&mut self, case_id: i64, name: &str) -> StoreResult<i64>;
    async fn link_victim(&mut self, case_id: i64, victim_id: i64) -> StoreResult<()>;
}

// ---- Judgments and reparation orders ------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgmentRecord {
    pub id: i64,
    pub case_id: i64,
    pub judged_on: String,
    pub court: String,
    pub final_on: Option<String>,
    /// An appeal (or an annulment action) was filed on this day, and is pending unless an
    /// outcome is recorded.
    pub appeal_filed_on: Option<String>,
    /// How the appeal ended, on which day, and the decision's reference.
    pub outcome: Option<redress_domain::orders::AppealOutcome>,
    pub outcome_on: Option<String>,
    pub outcome_note: Option<String>,
    pub convicted: Vec<i64>,
    pub created_at: Timestamp,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    pub id: i64,
    pub judgment_id: i64,
    pub victim_id: i64,
    pub victim_code: String,
    pub currency: Currency,
    pub payment_deadline: Option<String>,
    /// (head of damage, amount).
    pub items: Vec<(String, Amount)>,
    pub debtors: Vec<i64>,
    pub created_at: Timestamp,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPayment {
    pub source: redress_domain::orders::PaymentSource,
    pub amount: Amount,
    pub paid_on: String,
    pub reference: Option<String>,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsolvencyFinding {
    pub found_on: String,
    pub basis: String,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

#[async_trait]
pub trait OrderReads: Send {
    async fn judgment(&mut self, id: i64) -> StoreResult<Option<JudgmentRecord>>;
    /// The case's judgments, oldest first.
    async fn judgments_of_case(&mut self, case_id: i64) -> StoreResult<Vec<JudgmentRecord>>;
    async fn orders_of_judgment(&mut self, judgment_id: i64) -> StoreResult<Vec<OrderRecord>>;
    async fn order(&mut self, id: i64) -> StoreResult<Option<OrderRecord>>;
    async fn order_payments(&mut self, order_id: i64) -> StoreResult<Vec<OrderPayment>>;
    async fn insolvency_findings(&mut self, order_id: i64) -> StoreResult<Vec<InsolvencyFinding>>;
}

#[async_trait]
pub trait OrderWrites: Send {
    async fn insert_judgment(&mut self, judgment: &JudgmentRecord) -> StoreResult<i64>;
    async fn set_judgment_final(&mut self, id: i64, final_on: &str) -> StoreResult<()>;
    /// Writes the judgment's appeal and its outcome.
    async fn set_judgment_appeal(&mut self, judgment: &JudgmentRecord) -> StoreResult<()>;
    async fn insert_order(&mut self, order: &OrderRecord) -> StoreResult<i64>;
    async fn insert_order_payment(&mut self, order_id: i64, payment: &OrderPayment) -> StoreResult<()>;
    async fn insert_insolvency_finding(
        &mut self,
        order_id: i64,
        finding: &InsolvencyFinding,
    ) -> StoreResult<()>;
}

// ---- Assets ------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetRecord {
    pub id: i64,
    pub kind: AssetKind,
    pub description: String,
    pub identifiers: Option<String>,
    pub location: Option<String>,
    /// Region only: the public feed shows nothing finer.
    pub region: Option<String>,
    pub custodian: Option<String>,
    pub case_id: Option<i64>,
    pub agency_reference: Option<String>,
    pub currency: Currency,
    pub estimated_value: Option<Amount>,
    pub state: AssetState,
    pub state_changed_on: String,
    pub institution_id: InstitutionId,
    pub created_at: Timestamp,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetMove {
    pub from_state: Option<AssetState>,
    pub to_state: AssetState,
    pub on_date: String,
    pub document: String,
    pub amount: Option<Amount>,
    pub costs: Option<Amount>,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Valuation {
    pub valued_on: String,
    pub amount: Amount,
    pub basis: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub monthly_rent: Amount,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub recorded_by: String,
}

#[async_trait]
pub trait AssetReads: Send {
    async fn asset_valuations(&mut self, asset_id: i64) -> StoreResult<Vec<Valuation>>;
    async fn asset_leases(&mut self, asset_id: i64) -> StoreResult<Vec<Lease>>;
    async fn asset(&mut self, id: i64) -> StoreResult<Option<AssetRecord>>;
    async fn asset_moves(&mut self, asset_id: i64) -> StoreResult<Vec<AssetMove>>;
    /// Transfers whose `references.asset` is this asset's id, in order.
    async fn asset_transfers(&mut self, asset_id: i64) -> StoreResult<Vec<Transfer>>;
    /// The asset an institution (an asset agency) recorded under its own reference, if any.
    async fn asset_id_by_agency_reference(
        &mut self,
        institution_id: redress_domain::InstitutionId,
        reference: &str,
    ) -> StoreResult<Option<i64>>;
    /// Assets in any of `states`, by id.
    async fn assets_in_states(&mut self, states: &[AssetState], page: Page) -> StoreResult<Vec<AssetRecord>>;
    /// The assets in `currency` by state, as the database maintains them (migration 0066):
    /// (state, assets, sum of estimated values, sum over the assets of the day each entered its
    /// state, counted from 1970-01-01).
    async fn asset_state_totals(
        &mut self,
        currency: Currency,
    ) -> StoreResult<Vec<(AssetState, i64, Amount, i64)>>;
    /// How many days assets took from their first move into `from` to their first into `to`, as
    /// (days, assets) by days. Kept for the two paths to money in the fund (confiscated → sold,
    /// sold early → released); empty for any other pair.
    async fn asset_path_days(&mut self, from: AssetState, to: AssetState) -> StoreResult<Vec<(i64, i64)>>;
    /// What escrow holds for the sales of assets now in `sold_early`, in `currency`.
    async fn sale_escrow_held(&mut self, currency: Currency) -> StoreResult<Amount>;
    /// Posted debits and credits of an account by transfers whose value date is in [`from`, `to`).
    async fn account_flows(
        &mut self,
        account_id: i64,
        from: time::Date,
        to: time::Date,
    ) -> StoreResult<(Amount, Amount)>;
}

#[async_trait]
pub trait AssetWrites: Send {
    async fn insert_valuation(
        &mut self,
        asset_id: i64,
        valuation: &Valuation,
        at: Timestamp,
    ) -> StoreResult<()>;
    async fn set_estimated_value(&mut self, asset_id: i64, amount: Amount) -> StoreResult<()>;
    async fn insert_lease(&mut self, asset_id: i64, lease: &Lease, at: Timestamp) -> StoreResult<()>;
    async fn insert_asset(&mut self, asset: &AssetRecord) -> StoreResult<i64>;
    async fn set_asset_state(&mut self, id: i64, state: AssetState, on_date: &str) -> StoreResult<()>;
    async fn insert_asset_move(&mut self, asset_id: i64, movement: &AssetMove) -> StoreResult<()>;
}

// ---- Claims, allocation rounds, payment batches ---------------------------------------------

/// A claim on the fund as stored. Lists (`needs`, `tier_reasons`) and the eligibility
/// snapshot are JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRecord {
    pub id: i64,
    pub kind: ClaimKind,
    pub victim_id: i64,
    pub victim_code: String,
    /// The institution that registered the victim (scopes victim services' lists).
    pub victim_institution: InstitutionId,
    pub case_id: i64,
    pub order_id: Option<i64>,
    pub currency: Currency,
    pub state: ClaimState,
    pub requested: Amount,
    pub needs: Vec<String>,
    pub tier: u8,
    pub tier_reasons: Vec<String>,
    pub policy_version: i64,
    /// The eligibility shown at filing, or at the last re-check (JSON).
    pub eligibility: String,
    pub approved_amount: Option<Amount>,
    /// What the bank confirmed paid so far.
    pub paid: Amount,
    pub decision_reason: Option<String>,
    pub filed_at: Timestamp,
    pub filed_by: String,
    pub decision_due: Timestamp,
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<String>,
    /// `YYYY-MM-DD`, set on approval.
    pub payment_due: Option<String>,
    /// The open ledger hold placed by an allocation round, and its amount.
    pub hold_id: Option<String>,
    pub hold_amount: Option<Amount>,
    /// Something a person must do before the claim is paid again, if any.
    pub waiting_for: Option<Waiting>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ClaimEvent {
    #[schema(value_type = Option<String>)]
    pub from_state: Option<ClaimState>,
    #[schema(value_type = String)]
    pub to_state: ClaimState,
    #[schema(value_type = String)]
    pub at: Timestamp,
    pub by: String,
    pub note: Option<String>,
}

/// Which claims a list shows.
#[derive(Debug, Clone, Default)]
pub struct ClaimFilter {
    pub states: Vec<ClaimState>,
    pub kind: Option<ClaimKind>,
    /// Only claims that wait for nothing (the allocation round's view).
    pub ready_only: bool,
    pub tier: Option<u8>,
    pub currency: Option<Currency>,
    pub victim_id: Option<i64>,
    pub order_id: Option<i64>,
    pub case_id: Option<i64>,
    /// Only victims registered by this institution.
    pub institution: Option<InstitutionId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRecord {
    pub version: i64,
    /// The policy as JSON (see `crate::claims::PolicyDocument`).
    pub document: String,
    pub created_at: Timestamp,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundRecord {
    pub id: i64,
    pub currency: Currency,
    pub policy_version: i64,
    pub cash: Amount,
    pub holds: Amount,
    pub reserve: Amount,
    pub available: Amount,
    pub minimum_line: Amount,
    /// The claims as the rule saw them (JSON), so anyone can replay the round.
    pub inputs: String,
    pub inputs_hash: String,
    pub allocated: Amount,
    pub created_at: Timestamp,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundLine {
    pub claim_id: i64,
    pub position: i64,
    pub amount: Amount,
    /// JSON of `redress_domain::allocation::Explanation`.
    pub explanation: String,
    pub hold_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRecord {
    pub id: i64,
    pub round_id: i64,
    pub currency: Currency,
    pub state: BatchState,
    pub execution_date: String,
    pub total: Amount,
    pub proposed_at: Timestamp,
    pub proposed_by: String,
    pub approved_at: Option<Timestamp>,
    pub approved_by: Option<String>,
    pub message_id: Option<String>,
    pub file_sha256: Option<String>,
    pub exported_at: Option<Timestamp>,
    pub exported_by: Option<String>,
    /// The fund's details (JSON) the bank file was first written with.
    pub debtor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchLine {
    pub batch_id: i64,
    pub claim_id: i64,
    pub amount: Amount,
    pub hold_id: String,
    pub end_to_end_id: String,
    /// The payee as frozen at approval, sealed with the data key (bound to the end-to-end id).
    pub payee: Option<String>,
    /// The block of the bank file the line went in (set at approval).
    pub method: Option<PaymentMethod>,
    pub status: LineStatus,
    /// The bank's reason code (`AC04`), when it gave one.
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    pub resolved_at: Option<Timestamp>,
    pub resolved_by: Option<String>,
    pub result_source: Option<ResultSource>,
    /// The ledger transfer that posted the payment (for tracing its sources).
    pub transfer_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BankReport {
    pub message_id: String,
    pub sha256: String,
    pub applied: i64,
    pub unchanged: i64,
    /// Results that contradicted ones already applied (left as they were).
    pub conflicts: i64,
    /// What in the report could not be applied: unknown end-to-end ids, blocks or codes.
    pub problems: Vec<String>,
    #[schema(value_type = String)]
    pub received_at: Timestamp,
    pub received_by: String,
}

#[async_trait]
pub trait ClaimReads: Send {
    /// The given version, or the newest when `None`.
    async fn fund_policy(&mut self, version: Option<i64>) -> StoreResult<Option<PolicyRecord>>;
    async fn fund_policies(&mut self) -> StoreResult<Vec<PolicyRecord>>;
    /// (method, verified at, verified by).
    async fn identity_verification(
        &mut self,
        victim_id: i64,
    ) -> StoreResult<Option<(String, Timestamp, String)>>;
    async fn claim(&mut self, id: i64) -> StoreResult<Option<ClaimRecord>>;
    /// Claims matching `filter`, by id, after `page.after`.
    async fn claims(&mut self, filter: &ClaimFilter, page: Page) -> StoreResult<Vec<ClaimRecord>>;
    async fn claim_events(&mut self, claim_id: i64) -> StoreResult<Vec<ClaimEvent>>;
    async fn round(&mut self, id: i64) -> StoreResult<Option<RoundRecord>>;
    async fn rounds(&mut self, page: Page) -> StoreResult<Vec<RoundRecord>>;
    async fn round_lines(&mut self, round_id: i64) -> StoreResult<Vec<RoundLine>>;
    async fn batch(&mut self, id: i64) -> StoreResult<Option<BatchRecord>>;
    async fn batch_of_round(&mut self, round_id: i64) -> StoreResult<Option<BatchRecord>>;
    async fn batches(&mut self, page: Page) -> StoreResult<Vec<BatchRecord>>;
    async fn batch_lines(&mut self, batch_id: i64) -> StoreResult<Vec<BatchLine>>;
    /// The batch lines a claim has been in, oldest first.
    async fn batch_lines_of_claim(&mut self, claim_id: i64) -> StoreResult<Vec<BatchLine>>;
    async fn bank_reports(&mut self, batch_id: i64) -> StoreResult<Vec<BankReport>>;
    /// Orders after `after` by id: (order id, ordered, paid by debtors, the fund and advances).
    async fn order_money(&mut self, after: i64, limit: i64) -> StoreResult<Vec<(i64, Amount, Amount)>>;
    /// Claims after `after` by id: (claim id, the most it may receive, paid, accepted lines' sum).
    async fn claim_money(
        &mut self,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, Amount, Amount, Amount)>>;
    /// Batch lines after (`batch`, `claim`) with the state of their hold and payment transfers.
    async fn line_holds(&mut self, after: (i64, i64), limit: i64) -> StoreResult<Vec<LineHold>>;
}

/// A batch line beside the ledger transfers it stands for, for the money invariants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineHold {
    pub batch_id: i64,
    pub claim_id: i64,
    pub end_to_end_id: String,
    pub status: LineStatus,
    pub result_source: Option<ResultSource>,
    /// The hold's status, `None` when the hold is missing.
    pub hold_status: Option<PendingStatus>,
    pub transfer_id: Option<String>,
    /// The payment transfer's type and the hold it resolves.
    pub transfer_kind: Option<TransferType>,
    pub transfer_resolves: Option<String>,
    pub hold_id: String,
}

#[async_trait]
pub trait ClaimWrites: Send {
    async fn insert_fund_policy(&mut self, policy: &PolicyRecord) -> StoreResult<()>;
    async fn insert_identity_verification(
        &mut self,
        victim_id: i64,
        method: &str,
        at: Timestamp,
        by: &str,
    ) -> StoreResult<()>;
    async fn insert_claim(&mut self, claim: &ClaimRecord) -> StoreResult<i64>;
    /// Writes every mutable column of the claim.
    async fn update_claim(&mut self, claim: &ClaimRecord) -> StoreResult<()>;
    async fn insert_claim_event(&mut self, claim_id: i64, event: &ClaimEvent) -> StoreResult<()>;
    async fn insert_round(&mut self, round: &RoundRecord, lines: &[RoundLine]) -> StoreResult<i64>;
    async fn insert_batch(&mut self, batch: &BatchRecord, lines: &[BatchLine]) -> StoreResult<i64>;
    /// Writes every mutable column of the batch.
    async fn update_batch(&mut self, batch: &BatchRecord) -> StoreResult<()>;
    /// Takes a line out of a batch not yet sent to the bank.
    async fn remove_batch_line(&mut self, batch_id: i64, claim_id: i64) -> StoreResult<()>;
    async fn update_batch_total(&mut self, batch: &BatchRecord) -> StoreResult<()>;
    /// Writes every mutable column of the line (payee, status, reason, resolution).
    async fn update_batch_line(&mut self, line: &BatchLine) -> StoreResult<()>;
    async fn insert_bank_report(&mut self, batch_id: i64, report: &BankReport) -> StoreResult<()>;
}
