//! The fund's details page (administrators): name, bank account, BIC and bank, tax id, and
//! what the fund still needs before its first payment.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::{context, Value};
use redress_domain::fund::FundDetailsInput;
use redress_domain::policy::rules;

use super::forms::{failure, notice, Fields, Refusal};
use super::render::render;
use super::{PageRoutes, Viewer};
use crate::extract::Context;
use crate::AppState;

async fn fund_view(state: &AppState, viewer: &Viewer, status: StatusCode, extra: Value) -> Response {
    match state.app.fund(viewer.actor()).await {
        Ok(fund) => {
            let form = context! {
                name => fund.name, bank_account => fund.bank_account, bank_bic => fund.bank_bic,
                bank_name => fund.bank_name, tax_id => fund.tax_id,
            };
            let readiness = fund.missing.clone();
            let values =
                context! { fund => Value::from_serialize(&fund), form => form, readiness => readiness };
            render(viewer, status, "fund.html", context! { ..extra, ..values })
        }
        Err(error) => failure(viewer, error),
    }
}

async fn fund_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&viewer, &query);
    fund_view(&state, &viewer, StatusCode::OK, context! { notice => notice }).await
}

async fn save_fund(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let input = FundDetailsInput {
        name: f.get("name"),
        bank_account: f.optional("bank_account"),
        bank_bic: f.optional("bank_bic"),
        bank_name: f.optional("bank_name"),
        tax_id: f.optional("tax_id"),
    };
    match state.app.set_fund_details(viewer.actor(), &context, &input).await {
        Ok(_) => Redirect::to("/admin/fund?notice=fund-saved").into_response(),
        Err(error) => match Refusal::of(viewer.locale, error) {
            // What was typed stays in the form, each error next to its field.
            Ok(refusal) => {
                let extra = context! { ..refusal.values(), ..context! { typed => f.value() } };
                fund_view(&state, &viewer, refusal.status, extra).await
            }
            Err(error) => failure(&viewer, error),
        },
    }
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages.add(rules::MANAGE_FUND, &["GET", "POST"], "/admin/fund", get(fund_page).post(save_fund))
}
