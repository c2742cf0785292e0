//! Seized assets: the pipeline and register, registration, an asset with its moves, appraisals,
//! leases, rent and custody costs.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{context, Value};
use redress_app::AppError;
use redress_domain::policy::rules;

use super::forms::{failure, form_error, notice, Fields, Refusal};
use super::render::render;
use super::{PagePath, PageRoutes, Viewer};
use crate::extract::Context;
use crate::i18n;
use crate::views::assets::{pipeline_json, AssetJson};
use crate::AppState;

async fn assets_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let actor = viewer.actor();
    let filter_state = query.get("state").filter(|s| !s.is_empty()).cloned();
    let after = query.get("after").and_then(|a| a.parse::<i64>().ok());
    let limit = 50;
    let pipeline = match pipeline_json(&state, actor).await {
        Ok(pipeline) => pipeline,
        Err(error) => return failure(&viewer, error),
    };
    let assets = match state.app.assets(actor, filter_state.as_deref(), after, Some(limit)).await {
        Ok(assets) => assets,
        Err(error) => return failure(&viewer, error),
    };
    let rows: Vec<(String, String)> = pipeline
        .stages
        .iter()
        .filter(|s| s.expected_inflow != "0.00" && s.expected_inflow != "0")
        .map(|s| {
            (
                i18n::translate(viewer.locale, &format!("asset-state-{}", s.state), &[]),
                s.expected_inflow.clone(),
            )
        })
        .collect();
    let chart = (!rows.is_empty())
        .then(|| crate::charts::bars_svg(viewer.locale, "assets-chart", &rows, &pipeline.currency));
    let list: Vec<Value> = assets
        .iter()
        .map(|a| {
            context! {
                id => a.id, kind => a.kind, description => a.description, region => a.region, state => a.state,
                estimated_value => a.estimated_value.map(|v| v.format(a.currency)), currency => a.currency.code(),
            }
        })
        .collect();
    let next_after = (assets.len() as i64 == limit).then(|| assets.last().map(|a| a.id)).flatten();
    let states: Vec<&str> = redress_domain::assets::AssetState::ALL.iter().map(|s| s.as_str()).collect();
    render(
        &viewer,
        StatusCode::OK,
        "assets.html",
        context! {
            pipeline => Value::from_serialize(&pipeline),
            chart => chart,
            assets => list,
            states => states,
            filter_state => filter_state,
            next_after => next_after,
            can_manage => rules::MANAGE_ASSETS.allows(&actor.roles),
            notice => notice(&viewer, &query),
        },
    )
}

fn asset_kinds() -> Vec<&'static str> {
    redress_domain::assets::AssetKind::ALL.iter().map(|k| k.as_str()).collect()
}

async fn asset_form(viewer: Viewer) -> Response {
    render(
        &viewer,
        StatusCode::OK,
        "asset_new.html",
        context! { kinds => asset_kinds(), form => context! {} },
    )
}

async fn register_asset(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let request = redress_app::assets::RegisterAsset {
        kind: fields.get("kind"),
        description: fields.get("description"),
        identifiers: fields.optional("identifiers"),
        location: fields.optional("location"),
        region: fields.optional("region"),
        custodian: fields.optional("custodian"),
        case_id: None,
        agency_reference: fields.optional("agency_reference"),
        currency: None,
        estimated_value: fields.optional("estimated_value"),
        seized_on: fields.get("seized_on"),
        document: fields.get("document"),
    };
    match state.app.register_asset(viewer.actor(), &context, request).await {
        Ok(view) => {
            Redirect::to(&format!("/assets/{}?notice=asset-registered", view.asset.id)).into_response()
        }
        Err(error) => {
            form_error(&viewer, "asset_new.html", error, context! { kinds => asset_kinds() }, &fields)
        }
    }
}

async fn asset_view(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    status: StatusCode,
    extra: Value,
) -> Response {
    let view = match state.app.asset(viewer.actor(), id).await {
        Ok(view) => view,
        Err(error) => return failure(viewer, error),
    };
    let next_states: Vec<&str> = view.asset.state.next().iter().map(|n| n.as_str()).collect();
    let json = AssetJson::from(view);
    render(
        viewer,
        status,
        "asset.html",
        context! {
            ..extra,
            ..context! {
                asset => Value::from_serialize(&json),
                next_states => next_states,
                can_manage => rules::MANAGE_ASSETS.allows(&viewer.actor().roles),
            }
        },
    )
}

async fn asset_page(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&viewer, &query);
    asset_view(&state, &viewer, id, StatusCode::OK, context! { notice => notice }).await
}

async fn move_asset(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let request = redress_app::assets::MoveAsset {
        to: fields.get("to"),
        date: fields.get("date"),
        document: fields.get("document"),
        amount: fields.optional("amount"),
        currency: None,
        costs: fields.optional("costs"),
    };
    match state.app.move_asset(viewer.actor(), &context, id, request).await {
        Ok(_) => Redirect::to(&format!("/assets/{id}?notice=asset-moved")).into_response(),
        Err(error) => match Refusal::of(viewer.locale, error) {
            Ok(refusal) => {
                let extra = context! { form => fields.value(), ..refusal.values() };
                asset_view(&state, &viewer, id, refusal.status, extra).await
            }
            Err(error) => failure(&viewer, error),
        },
    }
}

/// A small form on an asset: back to it, or the asset with the problem.
async fn asset_outcome(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    result: Result<redress_app::assets::AssetView, AppError>,
) -> Response {
    match result {
        Ok(_) => Redirect::to(&format!("/assets/{id}?notice=asset-updated")).into_response(),
        Err(error) => match Refusal::of(viewer.locale, error) {
            Ok(refusal) => asset_view(state, viewer, id, refusal.status, refusal.values_and_line()).await,
            Err(error) => failure(viewer, error),
        },
    }
}

async fn asset_valuation(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let result = state
        .app
        .add_valuation(viewer.actor(), &context, id, &f.get("valued_on"), &f.get("amount"), &f.get("basis"))
        .await;
    asset_outcome(&state, &viewer, id, result).await
}

async fn asset_lease(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let ends = f.optional("ends_on");
    let result = state
        .app
        .add_lease(viewer.actor(), &context, id, &f.get("monthly_rent"), &f.get("starts_on"), ends.as_deref())
        .await;
    asset_outcome(&state, &viewer, id, result).await
}

async fn asset_money(
    state: AppState,
    viewer: Viewer,
    context: redress_app::RequestContext,
    id: i64,
    body: Bytes,
    kind: redress_app::assets::AssetMoney,
) -> Response {
    let f = Fields::parse(&body);
    let event = redress_app::assets::MoneyEvent {
        kind,
        amount: f.get("amount"),
        date: f.get("date"),
        memo: f.optional("memo"),
    };
    let result = state.app.record_asset_money(viewer.actor(), &context, id, event).await;
    asset_outcome(&state, &viewer, id, result).await
}

async fn asset_rent(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    asset_money(state, viewer, context, id, body, redress_app::assets::AssetMoney::Rent).await
}

async fn asset_custody(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    asset_money(state, viewer, context, id, body, redress_app::assets::AssetMoney::CustodyCost).await
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages
        .add(rules::READ_ASSETS, &["GET"], "/assets", get(assets_page))
        .add(rules::MANAGE_ASSETS, &["POST"], "/assets", post(register_asset))
        .add(rules::MANAGE_ASSETS, &["GET"], "/assets/new", get(asset_form))
        .add(rules::READ_ASSETS, &["GET"], "/assets/{id}", get(asset_page))
        .add(rules::MANAGE_ASSETS, &["POST"], "/assets/{id}/moves", post(move_asset))
        .add(rules::MANAGE_ASSETS, &["POST"], "/assets/{id}/valuations", post(asset_valuation))
        .add(rules::MANAGE_ASSETS, &["POST"], "/assets/{id}/leases", post(asset_lease))
        .add(rules::MANAGE_ASSETS, &["POST"], "/assets/{id}/rent", post(asset_rent))
        .add(rules::MANAGE_ASSETS, &["POST"], "/assets/{id}/custody", post(asset_custody))
}
