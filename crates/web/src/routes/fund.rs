//! The fund's details (name, bank account, bank, tax id) and what is missing for a first
//! payment. Administrators set them; the fund's officers, treasurers and auditors read them.

use axum::extract::State;
use axum::Json;
use redress_app::fund::FundView;
use redress_domain::fund::FundDetailsInput;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::{Access, Routes};
use crate::extract::{ApiJson, Context, CurrentActor};
use crate::problem::{ApiResult, Problem};
use crate::AppState;
use redress_domain::policy::rules;
use utoipa_axum::routes;

/// The fund's details as bank files use them, and what is missing for a first payment.
#[utoipa::path(get, path = "/api/v1/fund", tag = "administration",
    responses((status = 200, body = FundView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn get_fund(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<FundView>> {
    Ok(Json(state.app.fund(&actor).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundRequest {
    /// The fund's name as its bank knows it (at most 140 characters).
    pub name: String,
    /// The account the fund pays from: a CCI (20 digits) or an IBAN.
    pub bank_account: Option<String>,
    /// The BIC of the fund's bank (8 or 11 characters).
    pub bank_bic: Option<String>,
    pub bank_name: Option<String>,
    /// The fund's RUC (11 digits).
    pub tax_id: Option<String>,
}

/// Sets the fund's details (all of them at once); audited. Any invalid field changes nothing.
#[utoipa::path(put, path = "/api/v1/fund", tag = "administration", request_body = FundRequest,
    responses((status = 200, body = FundView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn put_fund(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(request): ApiJson<FundRequest>,
) -> ApiResult<Json<FundView>> {
    let input = FundDetailsInput {
        name: request.name,
        bank_account: request.bank_account,
        bank_bic: request.bank_bic,
        bank_name: request.bank_name,
        tax_id: request.tax_id,
    };
    Ok(Json(state.app.set_fund_details(&actor, &context, &input).await?))
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(Access::Policy(rules::READ_FUND), routes!(get_fund))
        .add(Access::Policy(rules::MANAGE_FUND), routes!(put_fund))
}
