//! The public transparency page and feeds (no login): confiscated and sold assets, and the
//! fund's money by month. No names, no place finer than the region, no case numbers.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use redress_app::public::{MonthFlow, PublicAccount, PublicAsset, PublicMoney};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::Routes;
use crate::extract::ApiQuery;
use crate::i18n::Locale;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::public_cache::{Cached, PUBLIC_CACHE_SECONDS};
use crate::AppState;
use utoipa_axum::routes;

/// Months of fund flows published.
const MONTHS: u8 = 24;

/// Assets per page of the transparency page.
const PAGE_ASSETS: i64 = 100;

/// Assets per page of the JSON feed unless `limit` says otherwise.
const FEED_ASSETS: i64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TransparencyQuery {
    /// Assets after this id (the page's "next" link).
    pub after: Option<i64>,
    /// At most this many assets (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The page's language (`es`, `en`), over the `redress_lang` cookie and the browser's.
    pub lang: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PublicPageQuery {
    /// Assets after this id (from `next_after`, or the page's "next" link).
    pub after: Option<i64>,
    /// At most this many assets (1–500, default 500 in the feed; the page shows 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

impl PublicPageQuery {
    fn limit(&self, default: i64) -> Result<i64, ApiError> {
        let limit = self.limit.unwrap_or(default);
        if !(1..=500).contains(&limit) {
            let error = redress_domain::FieldError::new("limit", "must be between 1 and 500");
            return Err(redress_app::AppError::from(error).into());
        }
        Ok(limit)
    }
}

/// The cached answer for `key`, computed by `fill` at most once per [`PUBLIC_CACHE_SECONDS`].
async fn cached<F, Fut>(
    state: &AppState,
    key: String,
    content_type: &'static str,
    fill: F,
) -> ApiResult<Response>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<String>>,
{
    let answer = state
        .public_cache
        .get_or_fill(&key, || async {
            Ok::<_, ApiError>(Cached { content_type, body: Arc::from(fill().await?) })
        })
        .await?;
    let max_age = format!("public, max-age={PUBLIC_CACHE_SECONDS}");
    Ok((
        [(header::CONTENT_TYPE, answer.content_type), (header::CACHE_CONTROL, max_age.as_str())],
        answer.body.to_string(),
    )
        .into_response())
}

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
    /// The `after` of the next page; `null` on the last page.
    pub next_after: Option<i64>,
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

/// Confiscated and sold assets: kind, region, state, dates and sale amount, by id, a page at a
/// time (kept up to 60 seconds).
#[utoipa::path(get, path = "/public/assets.json", tag = "public", params(PublicPageQuery),
    responses((status = 200, body = PublicAssets), (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many requests from this address: see Retry-After")))]
pub async fn assets_json(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PublicPageQuery>,
) -> ApiResult<Response> {
    let limit = query.limit(FEED_ASSETS)?;
    let key = format!("assets.json?after={:?}&limit={limit}", query.after);
    cached(&state, key, "application/json", || async {
        let assets = state.app.public_assets_page(query.after, limit).await?;
        let next_after = if assets.len() as i64 == limit { assets.last().map(|a| a.id) } else { None };
        let body =
            PublicAssets { assets: assets.into_iter().map(PublicAssetJson::from).collect(), next_after };
        serde_json::to_string(&body)
            .map_err(|e| ApiError::from(redress_app::AppError::Internal(e.to_string())))
    })
    .await
}

/// Every published asset as CSV (kept up to 60 seconds).
#[utoipa::path(get, path = "/public/assets.csv", tag = "public",
    responses((status = 200, content_type = "text/csv", description = "Confiscated and sold assets"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many requests from this address: see Retry-After")))]
pub async fn assets_csv(State(state): State<AppState>) -> ApiResult<Response> {
    cached(&state, "assets.csv".to_string(), "text/csv; charset=utf-8", || async {
        assets_csv_text(&state).await
    })
    .await
}

async fn assets_csv_text(state: &AppState) -> ApiResult<String> {
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
    Ok(text)
}

/// The fund's cash inflows and outflows by month (the last 24 months; kept up to 60 seconds).
#[utoipa::path(get, path = "/public/fund-flows.json", tag = "public", responses((status = 200, body = FundFlows),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many requests from this address: see Retry-After")))]
pub async fn fund_flows(State(state): State<AppState>) -> ApiResult<Response> {
    cached(&state, "fund-flows.json".to_string(), "application/json", || async {
        let months = state.app.public_fund_flows(MONTHS).await?;
        let body = FundFlows { months: months.into_iter().map(MonthFlowJson::from).collect() };
        serde_json::to_string(&body)
            .map_err(|e| ApiError::from(redress_app::AppError::Internal(e.to_string())))
    })
    .await
}

/// The fund's inflows and outflows by month as CSV (the last 24 months; kept up to 60 seconds).
#[utoipa::path(get, path = "/public/fund-flows.csv", tag = "public",
    responses((status = 200, content_type = "text/csv", description = "The fund's inflows and outflows by month"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many requests from this address: see Retry-After")))]
pub async fn fund_flows_csv(State(state): State<AppState>) -> ApiResult<Response> {
    cached(&state, "fund-flows.csv".to_string(), "text/csv; charset=utf-8", || async {
        let mut text = String::from("month,currency,inflows,outflows\r\n");
        for m in state.app.public_fund_flows(MONTHS).await? {
            text.push_str(&format!("{},{},{},{}\r\n", m.month, m.currency, m.inflows, m.outflows));
        }
        Ok(text)
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicAccountJson {
    /// The ledger account (`income:confiscations`, `expenses:reparations`…).
    pub account: String,
    pub amount: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicClaimCell {
    /// The tier (`1`, `2`, `3`), or `suppressed` for the categories hidden together.
    pub tier: String,
    /// `null` when hidden (fewer than 11, or their complement).
    pub claims: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicDelayCell {
    /// Days from filing to payment: `d030` (up to 30), `d090`, `d180`, `d365`, `dmax` (more
    /// than a year), or `suppressed` for the bands hidden together.
    pub delay: String,
    /// `null` when hidden (fewer than 11, or their complement).
    pub claims: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicMoneyJson {
    pub currency: String,
    /// What came in since the fund opened, by income account.
    pub sources: Vec<PublicAccountJson>,
    /// What went out, by expense account.
    pub uses: Vec<PublicAccountJson>,
    /// Claims paid, by tier: counts under 11 hidden with their complement, the total rounded to ten.
    pub paid_claims: Vec<PublicClaimCell>,
    pub paid_claims_total: u64,
    pub paid_to_victims: String,
    /// Paid claims by days from filing to payment, hidden and rounded as `paid_claims`.
    pub payment_delays: Vec<PublicDelayCell>,
    pub payment_delays_total: u64,
}

impl From<PublicMoney> for PublicMoneyJson {
    fn from(m: PublicMoney) -> Self {
        let account = |a: PublicAccount| PublicAccountJson { account: a.account, amount: a.amount };
        PublicMoneyJson {
            currency: m.currency,
            sources: m.sources.into_iter().map(account).collect(),
            uses: m.uses.into_iter().map(account).collect(),
            paid_claims: m
                .paid_claims
                .cells
                .into_iter()
                .map(|c| PublicClaimCell { tier: c.category, claims: c.count })
                .collect(),
            paid_claims_total: m.paid_claims.total,
            paid_to_victims: m.paid_to_victims,
            payment_delays: m
                .payment_delays
                .cells
                .into_iter()
                .map(|c| PublicDelayCell { delay: c.category, claims: c.count })
                .collect(),
            payment_delays_total: m.payment_delays.total,
        }
    }
}

/// The fund's money by source and by use since it opened, and the claims paid by tier and by
/// days from filing to payment (small counts hidden as in `/api/v1/statistics`); kept up to 60
/// seconds.
#[utoipa::path(get, path = "/public/money.json", tag = "public", responses((status = 200, body = PublicMoneyJson),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many requests from this address: see Retry-After")))]
pub async fn money_json(State(state): State<AppState>) -> ApiResult<Response> {
    cached(&state, "money.json".to_string(), "application/json", || async {
        let body = PublicMoneyJson::from(state.app.public_money().await?);
        serde_json::to_string(&body)
            .map_err(|e| ApiError::from(redress_app::AppError::Internal(e.to_string())))
    })
    .await
}

/// [`money_json`] as CSV: one row per figure, `table` being `source`, `use`, `paid_claims`,
/// `payment_delay` or `paid_to_victims` (kept up to 60 seconds).
#[utoipa::path(get, path = "/public/money.csv", tag = "public",
    responses((status = 200, content_type = "text/csv", description = "The fund's money by source and use, and claims paid by tier"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many requests from this address: see Retry-After")))]
pub async fn money_csv(State(state): State<AppState>) -> ApiResult<Response> {
    cached(&state, "money.csv".to_string(), "text/csv; charset=utf-8", || async {
        let m = PublicMoneyJson::from(state.app.public_money().await?);
        let mut text = String::from("table,category,claims,amount,currency\r\n");
        for (table, rows) in [("source", &m.sources), ("use", &m.uses)] {
            for a in rows {
                text.push_str(&format!("{table},{},,{},{}\r\n", a.account, a.amount, m.currency));
            }
        }
        for c in &m.paid_claims {
            let claims = c.claims.map_or(String::new(), |n| n.to_string());
            text.push_str(&format!("paid_claims,{},{claims},,\r\n", c.tier));
        }
        text.push_str(&format!("paid_claims,total,{},,\r\n", m.paid_claims_total));
        for c in &m.payment_delays {
            let claims = c.claims.map_or(String::new(), |n| n.to_string());
            text.push_str(&format!("payment_delay,{},{claims},,\r\n", c.delay));
        }
        text.push_str(&format!("payment_delay,total,{},,\r\n", m.payment_delays_total));
        text.push_str(&format!("paid_to_victims,,,{},{}\r\n", m.paid_to_victims, m.currency));
        Ok(text)
    })
    .await
}

/// The transparency page, in the reader's language (the `redress_lang` cookie or the browser's;
/// Spanish by default), readable without JavaScript. A hundred assets a page, by id
/// (`?after=`); kept up to 60 seconds, as the page says.
#[utoipa::path(get, path = "/public", tag = "public", params(TransparencyQuery),
    responses((status = 200, content_type = "text/html", description = "The page"),
        (status = 429, content_type = "text/html", description = "Too many requests from this address: the page says when to try again, as Retry-After does")))]
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<TransparencyQuery>,
) -> ApiResult<Response> {
    let lang = query.lang.as_deref().and_then(Locale::parse);
    let query_lang = lang.map(|l| l.code());
    let query = PublicPageQuery { after: query.after, limit: query.limit };
    let limit = query.limit(PAGE_ASSETS)?;
    let locale = lang.unwrap_or_else(|| crate::pages::anonymous_locale(&headers));
    let key = format!("page:{}:{query_lang:?}?after={:?}&limit={limit}", locale.code(), query.after);
    cached(&state, key, "text/html; charset=utf-8", || async {
        page_html(&state, locale, query_lang, query.after, limit).await
    })
    .await
}

async fn page_html(
    state: &AppState,
    locale: Locale,
    lang: Option<&str>,
    after: Option<i64>,
    limit: i64,
) -> ApiResult<String> {
    let assets = state.app.public_assets_page(after, limit).await?;
    let flows = state.app.public_fund_flows(MONTHS).await?;
    let money = PublicMoneyJson::from(state.app.public_money().await?);
    let next_after = if assets.len() as i64 == limit { assets.last().map(|a| a.id) } else { None };
    let assets: Vec<PublicAssetJson> = assets.into_iter().map(PublicAssetJson::from).collect();
    let flows: Vec<MonthFlowJson> = flows.into_iter().map(MonthFlowJson::from).collect();
    let path = match after {
        Some(after) => format!("/public?after={after}"),
        None => "/public".to_string(),
    };
    let values = minijinja::context! {
        assets => minijinja::Value::from_serialize(&assets),
        flows => minijinja::Value::from_serialize(&flows),
        money => minijinja::Value::from_serialize(&money),
        next_after => next_after,
        after => after,
        lang => lang,
        seconds => PUBLIC_CACHE_SECONDS,
    };
    crate::pages::render_anonymous(locale, &path, "public.html", values)
        .map_err(|e| ApiError::from(redress_app::AppError::Internal(e)))
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(super::PUBLIC, routes!(page))
        .add(super::PUBLIC, routes!(assets_json))
        .add(super::PUBLIC, routes!(assets_csv))
        .add(super::PUBLIC, routes!(fund_flows))
        .add(super::PUBLIC, routes!(fund_flows_csv))
        .add(super::PUBLIC, routes!(money_json))
        .add(super::PUBLIC, routes!(money_csv))
}
