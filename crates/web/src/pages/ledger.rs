//! The fund's ledger: balances, an account's statement, a manual transfer.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{context, Value};
use redress_app::lists::StatementFilter;
use redress_app::AppError;
use redress_domain::policy::rules;

use super::filters::{day_range, kept};
use super::forms::{failure, joined, notice, urlencode, Fields};
use super::render::render;
use super::{PageRoutes, Viewer};
use crate::extract::Context;
use crate::problem::transfer_refusal_status;
use crate::views::ledger::AccountView;
use crate::AppState;

/// Accounts shown on one page of `/ledger`; the rest are a "next page" link away.
const ACCOUNTS_PER_PAGE: i64 = 100;

async fn ledger_view(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    after: Option<i64>,
    extra: Value,
) -> Response {
    let page = state.app.ledger_accounts_page(viewer.actor(), after, Some(ACCOUNTS_PER_PAGE)).await;
    let page = page.and_then(|accounts| {
        let views = accounts.iter().map(AccountView::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok((accounts, views))
    });
    match page {
        Ok((accounts, views)) => {
            let next_after =
                (accounts.len() as i64 == ACCOUNTS_PER_PAGE).then(|| accounts.last().map(|a| a.id)).flatten();
            let chart: Vec<&str> = redress_app::ledger::CHART.iter().map(|(name, _)| *name).collect();
            render(
                viewer,
                status,
                "ledger.html",
                context! {
                    ..extra,
                    ..context! {
                        accounts => Value::from_serialize(&views),
                        next_after => next_after,
                        chart => chart,
                        can_write => rules::WRITE_LEDGER.allows(&viewer.actor().roles),
                        transfer_id => uuid::Uuid::new_v4().hyphenated().to_string(),
                    }
                },
            )
        }
        Err(error) => failure(viewer, error),
    }
}

async fn ledger_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&viewer, &query);
    let after = query.get("after").and_then(|a| a.parse().ok());
    ledger_view(&state, &viewer, StatusCode::OK, after, context! { notice => notice }).await
}

async fn ledger_transfer(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let request = redress_app::ledger::TransferRequest {
        id: f.get("id"),
        debit_account: f.optional("debit_account"),
        credit_account: f.optional("credit_account"),
        amount: f.get("amount"),
        currency: state.app.settings.fund.currency.clone(),
        memo: f.optional("memo"),
        ..redress_app::ledger::TransferRequest::default()
    };
    match state.app.create_transfers(viewer.actor(), &context, &[request]).await {
        Ok(outcomes) => match outcomes.into_iter().next() {
            Some(redress_app::ledger::TransferOutcome::Created(_)) => {
                Redirect::to("/ledger?notice=ledger-transferred").into_response()
            }
            Some(redress_app::ledger::TransferOutcome::Exists(_)) => {
                Redirect::to("/ledger?notice=ledger-transfer-exists").into_response()
            }
            Some(redress_app::ledger::TransferOutcome::Failed { refusal, errors }) => {
                let status = transfer_refusal_status(refusal);
                let values = context! { problem => joined(viewer.locale, &errors), form => f.value() };
                ledger_view(&state, &viewer, status, None, values).await
            }
            None => failure(&viewer, AppError::Internal("no outcome".into())),
        },
        Err(error) => failure(&viewer, error),
    }
}

/// An account's statement newest first, between two days (Lima) when given; lines that post
/// nothing (holds) only when asked (`zero=1`).
async fn statement_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let account = query.get("account").cloned().unwrap_or_default();
    let currency = query.get("currency").cloned().unwrap_or_else(|| state.app.settings.fund.currency.clone());
    let range = day_range(viewer.locale, &query);
    let (form, mut link) = kept(&query, &["from", "to", "zero"]);
    link = format!("account={}&currency={}{link}", urlencode(&account), urlencode(&currency));
    let filter = StatementFilter {
        before: query.get("before").and_then(|a| a.parse().ok()),
        from: range.from,
        to: range.to,
        with_zero: query.get("zero").is_some_and(|z| z == "1"),
    };
    let limit = 100;
    let (status, filter) = if range.errors.is_empty() {
        (StatusCode::OK, filter)
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, StatementFilter { before: Some(0), ..filter })
    };
    match state.app.statement_newest(viewer.actor(), &account, &currency, &filter, Some(limit)).await {
        Ok((found, lines)) => {
            let c = found.currency;
            let rows: Vec<Value> = lines
                .iter()
                .map(|l| {
                    context! {
                        seq => l.transfer.seq,
                        at => l.transfer.created_at.to_rfc3339(),
                        change => l.posted_change.format(c),
                        balance => l.balance_after.format(c),
                        memo => l.transfer.memo,
                    }
                })
                .collect();
            let next_before =
                (lines.len() as i64 == limit).then(|| lines.last().map(|l| l.transfer.seq)).flatten();
            let values = context! {
                account => account, currency => c.code(), lines => rows, next_before => next_before,
                form => form, link => link, errors => range.errors,
            };
            render(&viewer, status, "statement.html", values)
        }
        Err(error) => failure(&viewer, error),
    }
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages
        .add(rules::READ_LEDGER, &["GET"], "/ledger", get(ledger_page))
        .add(rules::READ_LEDGER, &["GET"], "/ledger/statement", get(statement_page))
        .add(rules::WRITE_LEDGER, &["POST"], "/ledger/transfers", post(ledger_transfer))
}
