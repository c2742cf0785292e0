//! Institutions (administrators only).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::{Access, Routes};
use crate::extract::{ApiJson, ApiQuery, Context, CurrentActor};
use crate::problem::{ApiResult, Problem};
use crate::views::accounts::InstitutionView;
use crate::views::{PageQuery, Paged};
use crate::AppState;
use redress_domain::policy::rules;
use utoipa_axum::routes;

/// Every institution, by id.
#[utoipa::path(get, path = "/api/v1/institutions", tag = "administration", params(PageQuery),
    responses((status = 200, body = Paged<InstitutionView>)))]
pub async fn list_institutions(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<Paged<InstitutionView>>> {
    let limit = page.limit.unwrap_or(100);
    let items = state.app.list_institutions(&actor, page.after, Some(limit)).await?;
    let next_after = (items.len() as i64 == limit).then(|| items.last().map(|i| i.id.0)).flatten();
    Ok(Json(Paged { items: items.into_iter().map(InstitutionView::from).collect(), next_after }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInstitutionRequest {
    pub name: String,
    /// police, prosecutor, court, ministry, public_defender, asset_agency, fund_unit, ngo, other
    pub kind: String,
}

/// Creates an institution. Names are unique.
#[utoipa::path(post, path = "/api/v1/institutions", tag = "administration", request_body = CreateInstitutionRequest,
    responses((status = 201, body = InstitutionView),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_institution(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(request): ApiJson<CreateInstitutionRequest>,
) -> ApiResult<(StatusCode, Json<InstitutionView>)> {
    let institution = state.app.create_institution(&actor, &context, &request.name, &request.kind).await?;
    Ok((StatusCode::CREATED, Json(InstitutionView::from(institution))))
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(list_institutions))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(create_institution))
}
