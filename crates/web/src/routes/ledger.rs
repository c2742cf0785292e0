//! The fund ledger: accounts, transfers (single, holds, posts, voids, linked batches),
//! statements, balances, traces, exports and the invariant check.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use redress_app::ledger::{
    parse_instant, LedgerCheck, StatementLine, TransferOutcome, TransferRefusal, TransferRequest,
};
use redress_app::store::ReadTx;
use redress_app::{Actor, App};
use redress_domain::ledger::{AccountFlags, References, TraceNode, Transfer, TransferError};
use redress_domain::money::Overflow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::{Access, Routes};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Context, CurrentActor};
use crate::problem::{ApiError, ApiResult, Problem, ProblemField};
use crate::views::ledger::{AccountView, ReferencesBody, TransferView};
use crate::views::PageQuery;
use crate::AppState;
use redress_domain::policy::rules;
use utoipa_axum::routes;

/// Transfers per page while streaming an export.
const EXPORT_PAGE: i64 = 2_000;

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountList {
    pub items: Vec<AccountView>,
    /// The `after` of the next page; `null` on the last page.
    pub next_after: Option<i64>,
}

/// Ledger accounts with their balances, by id, a page at a time.
#[utoipa::path(get, path = "/api/v1/ledger/accounts", tag = "ledger", params(PageQuery),
    responses((status = 200, body = AccountList),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list_accounts(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<AccountList>> {
    let limit = query.limit.unwrap_or(100);
    let accounts = state.app.ledger_accounts_page(&actor, query.after, Some(limit)).await?;
    let next_after = if accounts.len() as i64 == limit { accounts.last().map(|a| a.id) } else { None };
    let items = accounts.iter().map(AccountView::try_from).collect::<Result<_, _>>()?;
    Ok(Json(AccountList { items, next_after }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccountRequest {
    /// `liabilities:escrow:asset/17`: segments of a-z, 0-9, `-`, `_`, `/`, `.`; the first is
    /// assets, liabilities, equity, income or expenses.
    pub name: String,
    pub currency: String,
    #[serde(default)]
    pub debits_must_not_exceed_credits: bool,
    #[serde(default)]
    pub credits_must_not_exceed_debits: bool,
}

/// Opens a ledger account.
#[utoipa::path(post, path = "/api/v1/ledger/accounts", tag = "ledger", request_body = CreateAccountRequest,
    responses((status = 201, body = AccountView),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_account(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(request): ApiJson<CreateAccountRequest>,
) -> ApiResult<(StatusCode, Json<AccountView>)> {
    let flags = AccountFlags {
        debits_must_not_exceed_credits: request.debits_must_not_exceed_credits,
        credits_must_not_exceed_debits: request.credits_must_not_exceed_debits,
    };
    let account =
        state.app.create_ledger_account(&actor, &context, &request.name, &request.currency, flags).await?;
    Ok((StatusCode::CREATED, Json(AccountView::try_from(&account)?)))
}

impl From<ReferencesBody> for References {
    fn from(body: ReferencesBody) -> Self {
        References {
            case: body.case,
            asset: body.asset,
            order: body.order,
            claim: body.claim,
            batch: body.batch,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// A UUID you choose. Sending the same id again is answered "exists" and changes nothing.
    pub id: String,
    /// Required except to post or void a hold.
    pub debit_account: Option<String>,
    pub credit_account: Option<String>,
    /// Decimal string with at most the currency's decimals (`"1000.00"`). To post or void a
    /// hold, `"0"` means the whole held amount.
    pub amount: String,
    pub currency: String,
    /// `single` (default), `pending` (a hold), `post_pending`, `void_pending`, or `reversal`
    /// (undoes a posted transfer: the same amount back between the same accounts).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The hold to post or void.
    pub pending_id: Option<String>,
    /// For `reversal`: the posted transfer to undo (once; a reversal cannot be reversed).
    pub reverses: Option<String>,
    /// When a hold lapses (RFC 3339).
    pub expires_at: Option<String>,
    /// In a batch: this transfer and the next succeed or fail together.
    #[serde(default)]
    pub linked: bool,
    #[serde(default)]
    pub references: ReferencesBody,
    pub memo: Option<String>,
    /// The day the money moved (`YYYY-MM-DD`); default: today. Not in the future.
    pub value_date: Option<String>,
}

impl From<TransferBody> for TransferRequest {
    fn from(body: TransferBody) -> Self {
        TransferRequest {
            id: body.id,
            debit_account: body.debit_account,
            credit_account: body.credit_account,
            amount: body.amount,
            currency: body.currency,
            kind: body.kind,
            pending_id: body.pending_id,
            reverses: body.reverses,
            expires_at: body.expires_at,
            linked: body.linked,
            references: body.references.into(),
            memo: body.memo,
            value_date: body.value_date,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferResult {
    /// `created` or `exists`.
    pub result: String,
    pub transfer: TransferView,
}

fn refusal(refusal: TransferRefusal, errors: &redress_domain::FieldErrors) -> Problem {
    let slug = match refusal {
        TransferRefusal::Invalid => "validation",
        TransferRefusal::Rule(TransferError::ExistsWithDifferentFields) => "exists-with-different-fields",
        TransferRefusal::AccountNotFound => "account-not-found",
        TransferRefusal::Rule(_) => "transfer-refused",
    };
    let status = crate::problem::transfer_refusal_status(refusal);
    let title = match refusal {
        TransferRefusal::Invalid => "Invalid input".to_string(),
        other => format!("Transfer refused: {}", other.code()),
    };
    let mut problem = Problem::new(status, slug, &title, Some(errors.to_string()));
    problem.errors =
        errors.0.iter().map(|e| ProblemField { field: e.field.clone(), reason: e.reason.clone() }).collect();
    problem
}

/// Records one transfer: a movement, a hold (`pending`), or the post or void of a hold.
/// Answers 201 when applied, 200 when the same id was applied before (nothing changes), and a
/// problem naming the field when refused (nothing is written).
#[utoipa::path(post, path = "/api/v1/ledger/transfers", tag = "ledger", request_body = TransferBody,
    responses((status = 201, body = TransferResult), (status = 200, body = TransferResult, description = "Already applied"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The id exists with other fields"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid, or refused (limit, hold state…)")))]
pub async fn create_transfer(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(body): ApiJson<TransferBody>,
) -> Result<Response, ApiError> {
    if body.linked {
        return Err(redress_domain::FieldError::new(
            "linked",
            "linked transfers go to /api/v1/ledger/transfers/batch",
        )
        .into());
    }
    let outcomes = state.app.create_transfers(&actor, &context, &[body.into()]).await?;
    Ok(match outcomes.into_iter().next() {
        Some(TransferOutcome::Created(t)) => (
            StatusCode::CREATED,
            Json(TransferResult { result: "created".into(), transfer: TransferView::from(&t) }),
        )
            .into_response(),
        Some(TransferOutcome::Exists(t)) => (
            StatusCode::OK,
            Json(TransferResult { result: "exists".into(), transfer: TransferView::from(&t) }),
        )
            .into_response(),
        Some(TransferOutcome::Failed { refusal: why, errors }) => refusal(why, &errors).into_response(),
        None => Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", None)
            .into_response(),
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    /// Applied in order. Mark `linked: true` to chain a transfer to the next one.
    pub transfers: Vec<TransferBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItemResult {
    pub index: usize,
    /// created, exists or failed.
    pub result: String,
    /// Why it failed (`exceeds_debits`, `linked_transfer_failed`, `invalid`…).
    pub code: Option<String>,
    pub errors: Vec<ProblemField>,
    pub transfer: Option<TransferView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResult {
    pub created: usize,
    pub exists: usize,
    pub failed: usize,
    pub results: Vec<BatchItemResult>,
}

/// Records many transfers in one transaction, in order; each gets its own result. Failures do
/// not stop the others, except within a linked chain, which succeeds or fails as a whole.
#[utoipa::path(post, path = "/api/v1/ledger/transfers/batch", tag = "ledger", request_body = BatchBody,
    responses((status = 200, body = BatchResult),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_batch(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(body): ApiJson<BatchBody>,
) -> ApiResult<Json<BatchResult>> {
    let requests: Vec<TransferRequest> = body.transfers.into_iter().map(TransferRequest::from).collect();
    let outcomes = state.app.create_transfers(&actor, &context, &requests).await?;
    let mut result =
        BatchResult { created: 0, exists: 0, failed: 0, results: Vec::with_capacity(outcomes.len()) };
    for (index, outcome) in outcomes.iter().enumerate() {
        let item = match outcome {
            TransferOutcome::Created(t) => {
                result.created += 1;
                BatchItemResult {
                    index,
                    result: "created".into(),
                    code: None,
                    errors: vec![],
                    transfer: Some(t.into()),
                }
            }
            TransferOutcome::Exists(t) => {
                result.exists += 1;
                BatchItemResult {
                    index,
                    result: "exists".into(),
                    code: None,
                    errors: vec![],
                    transfer: Some(t.into()),
                }
            }
            TransferOutcome::Failed { refusal: why, errors } => {
                result.failed += 1;
                let errors = errors
                    .0
                    .iter()
                    .map(|e| ProblemField {
                        field: format!("transfers[{index}].{}", e.field),
                        reason: e.reason.clone(),
                    })
                    .collect();
                BatchItemResult {
                    index,
                    result: "failed".into(),
                    code: Some(why.code()),
                    errors,
                    transfer: None,
                }
            }
        };
        result.results.push(item);
    }
    Ok(Json(result))
}

/// One transfer, with the status of a hold.
#[utoipa::path(get, path = "/api/v1/ledger/transfers/{id}", tag = "ledger",
    params(("id" = String, Path, description = "The transfer's UUID")),
    responses((status = 200, body = TransferView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_transfer(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<TransferView>> {
    Ok(Json(TransferView::from(&state.app.transfer(&actor, &id).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TraceView {
    pub transfer: TransferView,
    /// How much of the traced money this transfer carried.
    pub share: String,
    #[schema(no_recursion)]
    pub sources: Vec<TraceView>,
}

impl From<&TraceNode> for TraceView {
    fn from(node: &TraceNode) -> Self {
        TraceView {
            transfer: TransferView::from(&node.transfer),
            share: node.share.format(node.transfer.currency),
            sources: node.sources.iter().map(TraceView::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TraceQuery {
    /// `json` (default) or `text` for a printable statement.
    pub format: Option<String>,
}

/// Where the money of a transfer came from: the inflows that funded it, first in, first out,
/// followed back through asset accounts (escrow → fund) to their origin (confiscations,
/// budget, donations), with the asset, case and order each carried.
#[utoipa::path(get, path = "/api/v1/ledger/transfers/{id}/trace", tag = "ledger",
    params(("id" = String, Path, description = "The transfer's UUID"), TraceQuery),
    responses((status = 200, description = "The trace: JSON by default, a printable statement with format=text",
            content((TraceView = "application/json"), (String = "text/plain"))),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn trace_transfer(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<TraceQuery>,
) -> Result<Response, ApiError> {
    let node = state.app.trace(&actor, &id).await?;
    match query.format.as_deref() {
        None | Some("json") => Ok(Json(TraceView::from(&node)).into_response()),
        Some("text") => Ok((
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            redress_formats::statement::trace_text(&node),
        )
            .into_response()),
        Some(_) => Err(redress_domain::FieldError::new("format", "must be json or text").into()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    /// The account's name, `assets:bank:fund`.
    pub account: String,
    /// Default: the fund's currency.
    pub currency: Option<String>,
    /// Lines after this sequence number (from `next_after`).
    pub after: Option<i64>,
    /// 1–500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementLineView {
    pub transfer: TransferView,
    /// What this line did to the account's posted balance (signed, normal direction).
    pub change: String,
    /// The posted balance after this line.
    pub balance: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementView {
    pub account: AccountView,
    pub lines: Vec<StatementLineView>,
    pub next_after: Option<i64>,
}

/// An account's transfers, oldest first, with its running posted balance.
#[utoipa::path(get, path = "/api/v1/ledger/statement", tag = "ledger", params(StatementQuery),
    responses((status = 200, body = StatementView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn statement(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(query): ApiQuery<StatementQuery>,
) -> ApiResult<Json<StatementView>> {
    let currency = query.currency.unwrap_or_else(|| state.app.settings.fund.currency.clone());
    let limit = query.limit.unwrap_or(100);
    let (account, lines) =
        state.app.statement(&actor, &query.account, &currency, query.after, Some(limit)).await?;
    let c = account.currency;
    let next_after = (lines.len() as i64 == limit).then(|| lines.last().map(|l| l.transfer.seq)).flatten();
    let lines = lines
        .iter()
        .map(|line: &StatementLine| {
            Ok(StatementLineView {
                transfer: TransferView::from(&line.transfer),
                change: line.normal_change(account.kind())?.format(c),
                balance: line.balance_after.format(c),
            })
        })
        .collect::<Result<_, Overflow>>()?;
    Ok(Json(StatementView { account: AccountView::try_from(&account)?, lines, next_after }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BalancesQuery {
    /// An instant (RFC 3339); default now.
    pub at: Option<String>,
    /// Return accounts after this id (from `next_after`).
    pub after: Option<i64>,
    /// At most this many accounts (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceView {
    pub id: i64,
    pub name: String,
    pub currency: String,
    /// Posted balance at the instant, in the account's normal direction.
    pub posted: String,
    pub debits_posted: String,
    pub credits_posted: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BalancesView {
    pub at: String,
    pub items: Vec<BalanceView>,
    /// Pass as `after` for the next page; absent on the last one.
    pub next_after: Option<i64>,
}

/// Accounts' posted balances as they stood at an instant, by account id, a page at a time.
#[utoipa::path(get, path = "/api/v1/ledger/balances", tag = "ledger", params(BalancesQuery),
    responses((status = 200, body = BalancesView),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn balances(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(query): ApiQuery<BalancesQuery>,
) -> ApiResult<Json<BalancesView>> {
    let at = match &query.at {
        Some(text) => parse_instant("at", text)?,
        None => state.app.clock.now(),
    };
    let limit = query.limit.unwrap_or(100);
    let balances = state.app.balances_at(&actor, at, query.after, Some(limit)).await?;
    let next_after = if balances.len() as i64 == limit { balances.last().map(|(a, _)| a.id) } else { None };
    let items = balances
        .iter()
        .map(|(account, totals)| {
            Ok(BalanceView {
                id: account.id,
                name: account.name.as_str().to_string(),
                currency: account.currency.code().to_string(),
                posted: totals.posted_balance(account.kind())?.format(account.currency),
                debits_posted: totals.debits_posted.format(account.currency),
                credits_posted: totals.credits_posted.format(account.currency),
            })
        })
        .collect::<Result<_, Overflow>>()?;
    Ok(Json(BalancesView { at: at.to_rfc3339(), items, next_after }))
}

/// Streams every transfer, page by page, in one read transaction (a consistent snapshot).
async fn export(
    app: App,
    actor: Actor,
    header_text: String,
    render: fn(&Transfer) -> String,
    content_type: &'static str,
    file_name: &'static str,
) -> Result<Response, ApiError> {
    let tx = app.store.read().await.map_err(|e| ApiError(e.into()))?;
    struct Cursor {
        app: App,
        actor: Actor,
        tx: Box<dyn ReadTx>,
        after: Option<i64>,
        header: Option<String>,
        done: bool,
    }
    let cursor = Cursor { app, actor, tx, after: None, header: Some(header_text), done: false };
    let stream = futures_util::stream::unfold(cursor, move |mut cursor| async move {
        if let Some(header) = cursor.header.take() {
            return Some((Ok::<Bytes, std::io::Error>(Bytes::from(header)), cursor));
        }
        if cursor.done {
            return None;
        }
        match cursor.app.transfers_page(&cursor.actor, cursor.tx.as_mut(), cursor.after, EXPORT_PAGE).await {
            Ok(page) => {
                cursor.done = (page.len() as i64) < EXPORT_PAGE;
                cursor.after = page.last().map(|t| t.seq).or(cursor.after);
                let mut text = String::with_capacity(page.len() * 256);
                for transfer in &page {
                    text.push_str(&render(transfer));
                }
                Some((Ok(Bytes::from(text)), cursor))
            }
            Err(error) => {
                tracing::error!(%error, "export failed part-way");
                cursor.done = true;
                Some((Err(std::io::Error::other("export failed")), cursor))
            }
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{file_name}\"")),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// The whole ledger as a plain-text journal that `hledger` and `ledger` read; its balances equal
/// Redress's posted balances account by account. Holds appear as comments.
#[utoipa::path(get, path = "/api/v1/ledger/journal", tag = "ledger",
    responses((status = 200, content_type = "text/plain", description = "The journal")))]
pub async fn journal(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Response, ApiError> {
    let accounts = state.app.ledger_accounts(&actor).await?;
    let header_text = redress_formats::journal::header(&accounts, &state.app.clock.now().to_rfc3339());
    export(
        state.app.clone(),
        actor,
        header_text,
        redress_formats::journal::entry,
        "text/plain; charset=utf-8",
        "redress.journal",
    )
    .await
}

/// Every transfer as CSV (one row per transfer, holds and voids included).
#[utoipa::path(get, path = "/api/v1/ledger/export.csv", tag = "ledger",
    responses((status = 200, content_type = "text/csv", description = "The transfers")))]
pub async fn export_csv(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Response, ApiError> {
    state.app.ledger_accounts(&actor).await?;
    export(
        state.app.clone(),
        actor,
        redress_formats::csv::TRANSFER_HEADER.to_string(),
        redress_formats::csv::transfer_row,
        "text/csv; charset=utf-8",
        "redress-transfers.csv",
    )
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerCheckView {
    /// Debits equal credits per currency, stored totals equal the transfers, no limit crossed.
    pub balanced: bool,
    pub problems: Vec<String>,
    pub accounts: usize,
    pub currencies: Vec<String>,
}

impl From<LedgerCheck> for LedgerCheckView {
    fn from(check: LedgerCheck) -> Self {
        LedgerCheckView {
            balanced: check.balanced,
            problems: check.problems,
            accounts: check.accounts,
            currencies: check.currencies,
        }
    }
}

/// Checks the ledger's invariants on what is stored.
#[utoipa::path(get, path = "/api/v1/ledger/verify", tag = "ledger",
    responses((status = 200, body = LedgerCheckView)))]
pub async fn verify(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<LedgerCheckView>> {
    Ok(Json(state.app.verify_ledger(&actor).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FullCheckView {
    /// Everything below holds.
    pub intact: bool,
    pub ledger: LedgerCheckView,
    /// The first broken link of the audit chain (or a checkpoint it contradicts), if any.
    pub audit_break: Option<String>,
    pub audit_entries: u64,
    /// The money against the records: orders, claims, bank lines and their holds, escrow.
    pub money: redress_app::verify::MoneyCheck,
}

/// Checks the ledger, the audit chain (against its signed checkpoints) and the money against
/// the records: no order paid beyond its worth, no claim paid twice, every batch line's hold in
/// the state its bank result says, escrow equal to what the assets' states say it holds.
#[utoipa::path(get, path = "/api/v1/verify", tag = "ledger",
    responses((status = 200, body = FullCheckView)))]
pub async fn verify_everything(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<FullCheckView>> {
    let check = state.app.verify_everything(&actor).await?;
    Ok(Json(FullCheckView {
        intact: check.intact,
        ledger: check.ledger.into(),
        audit_break: check.audit_break,
        audit_entries: check.audit_entries,
        money: check.money,
    }))
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(Access::Policy(rules::READ_LEDGER), routes!(list_accounts))
        .add(Access::Policy(rules::WRITE_LEDGER), routes!(create_account))
        .add(Access::Policy(rules::WRITE_LEDGER), routes!(create_transfer))
        .add(Access::Policy(rules::WRITE_LEDGER), routes!(create_batch))
        .add(Access::Policy(rules::READ_LEDGER), routes!(get_transfer))
        .add(Access::Policy(rules::READ_LEDGER), routes!(trace_transfer))
        .add(Access::Policy(rules::READ_LEDGER), routes!(statement))
        .add(Access::Policy(rules::READ_LEDGER), routes!(balances))
        .add(Access::Policy(rules::READ_LEDGER), routes!(journal))
        .add(Access::Policy(rules::READ_LEDGER), routes!(export_csv))
        .add(Access::Policy(rules::VERIFY_LEDGER), routes!(verify))
        .add(Access::Policy(rules::VERIFY_LEDGER), routes!(verify_everything))
}
