//! The public transparency page and feeds (no login): confiscated and sold assets, and the
//! fund's money by month. No names, no place finer than the region, no case numbers.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use redress_app::public::{MonthFlow, PublicAsset};
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::ApiResult;
use crate::AppState;

/// Months of fund flows published.
const MONTHS: u8 = 24;

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicAssetJson {
    pub id: i64,
    pub kind: String,
    pub region: Option<String>,
    pub state: String,
    pub seized_on: Option<String>,
    pub confiscated_on: Option<String>,
    pub sold_on: Option<String>,
    pub sale_amount: Option<String>,
    pub currency: String,
}

impl From<PublicAsset> for PublicAssetJson {
    fn from(a: PublicAsset) -> Self {
        PublicAssetJson {
            id: a.id,
            kind: a.kind,
            region: a.region,
            state: a.state,
            seized_on: a.seized_on,
            confiscated_on: a.confiscated_on,
            sold_on: a.sold_on,
            sale_amount: a.sale_amount,
            currency: a.currency,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicAssets {
    pub assets: Vec<PublicAssetJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthFlowJson {
    pub month: String,
    pub currency: String,
    pub inflows: String,
    pub outflows: String,
}

impl From<MonthFlow> for MonthFlowJson {
    fn from(m: MonthFlow) -> Self {
        MonthFlowJson { month: m.month, currency: m.currency, inflows: m.inflows, outflows: m.outflows }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundFlows {
    pub months: Vec<MonthFlowJson>,
}

/// Confiscated and sold assets: kind, region, state, dates and sale amount.
#[utoipa::path(get, path = "/public/assets.json", tag = "public", responses((status = 200, body = PublicAssets)))]
pub async fn assets_json(State(state): State<AppState>) -> ApiResult<Json<PublicAssets>> {
    let assets = state.app.public_assets().await?;
    Ok(Json(PublicAssets { assets: assets.into_iter().map(PublicAssetJson::from).collect() }))
}

/// The same as CSV.
#[utoipa::path(get, path = "/public/assets.csv", tag = "public",
    responses((status = 200, content_type = "text/csv", description = "Confiscated and sold assets")))]
pub async fn assets_csv(State(state): State<AppState>) -> ApiResult<Response> {
    use redress_formats::csv::cell;
    let mut text =
        String::from("id,kind,region,state,seized_on,confiscated_on,sold_on,sale_amount,currency\r\n");
    for a in state.app.public_assets().await? {
        let optional = |v: &Option<String>| cell(v.as_deref().unwrap_or(""), false);
        text.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\r\n",
            a.id,
            cell(&a.kind, false),
            optional(&a.region),
            cell(&a.state, false),
            optional(&a.seized_on),
            optional(&a.confiscated_on),
            optional(&a.sold_on),
            a.sale_amount.as_deref().unwrap_or(""),
            a.currency
        ));
    }
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response())
}

/// The fund's cash inflows and outflows by month (the last 24 months).
#[utoipa::path(get, path = "/public/fund-flows.json", tag = "public", responses((status = 200, body = FundFlows)))]
pub async fn fund_flows(State(state): State<AppState>) -> ApiResult<Json<FundFlows>> {
    let months = state.app.public_fund_flows(MONTHS).await?;
    Ok(Json(FundFlows { months: months.into_iter().map(MonthFlowJson::from).collect() }))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The transparency page (Spanish, with English headings), readable without JavaScript.
#[utoipa::path(get, path = "/public", tag = "public", responses((status = 200, content_type = "text/html", description = "The page")))]
pub async fn page(State(state): State<AppState>) -> ApiResult<Html<String>> {
    let assets = state.app.public_assets().await?;
    let flows = state.app.public_fund_flows(MONTHS).await?;
    let mut html = String::from(
        "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>Transparencia — Fondo de Reparaciones</title></head><body><main>\
         <h1>Transparencia del Fondo de Reparaciones <small lang=\"en\">(Transparency)</small></h1>\
         <p>Bienes decomisados y vendidos, y los ingresos y egresos del Fondo por mes. No se publican nombres, \
         direcciones ni números de expediente.</p>\
         <h2>Bienes decomisados y vendidos <small lang=\"en\">(Confiscated and sold assets)</small></h2>\
         <table><thead><tr><th>N.º</th><th>Tipo</th><th>Región</th><th>Estado</th><th>Incautado</th><th>Decomisado</th>\
         <th>Vendido</th><th>Monto de venta</th></tr></thead><tbody>",
    );
    for a in &assets {
        let o = |v: &Option<String>| escape(v.as_deref().unwrap_or("—"));
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            a.id,
            escape(&a.kind),
            o(&a.region),
            escape(&a.state),
            o(&a.seized_on),
            o(&a.confiscated_on),
            o(&a.sold_on),
            a.sale_amount.as_ref().map_or("—".to_string(), |s| format!("{} {}", a.currency, escape(s)))
        ));
    }
    html.push_str(
        "</tbody></table><h2>Ingresos y egresos del Fondo <small lang=\"en\">(Fund inflows and outflows)</small></h2>\
         <table><thead><tr><th>Mes</th><th>Ingresos</th><th>Egresos</th></tr></thead><tbody>",
    );
    for m in &flows {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{} {}</td><td>{} {}</td></tr>",
            escape(&m.month),
            m.currency,
            m.inflows,
            m.currency,
            m.outflows
        ));
    }
    html.push_str(
        "</tbody></table><p><a href=\"/public/assets.csv\">CSV</a> · <a href=\"/public/assets.json\">JSON</a> · \
         <a href=\"/public/fund-flows.json\">JSON (fondo)</a></p></main></body></html>",
    );
    Ok(Html(html))
}
