//! The home page: a section for each role the user holds.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::{context, Value};
use redress_app::case_lists::{WAITING_ON_COURT, WAITING_ON_PROSECUTOR};
use redress_app::summary::FundSummary;
use redress_app::{Actor, App, AppError};
use redress_domain::ledger::Account;
use redress_domain::money::Overflow;
use redress_domain::{Amount, Currency, Policy, Role};

use super::forms::{failure, notice};
use super::render::render;
use super::{PageRoutes, Viewer};
use crate::i18n::{self, Locale};
use crate::AppState;

async fn dashboard(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let actor = viewer.actor();
    let app = &state.app;
    let mut values: BTreeMap<&str, Value> = BTreeMap::new();
    if let Err(error) = super::setup::home_values(app, actor, &mut values).await {
        return failure(&viewer, error);
    }
    if actor.has_role(Role::FundOfficer) {
        if let Err(error) = fund_officer(app, actor, viewer.locale, &mut values).await {
            return failure(&viewer, error);
        }
    }
    if actor.has_role(Role::Treasurer) {
        values.insert("treasurer", treasurer(app, actor).await);
    }
    if actor.has_role(Role::Prosecutor) {
        let waiting = waiting_cases(app, actor, WAITING_ON_PROSECUTOR).await;
        values.insert("prosecutor_cases", waiting);
    }
    if actor.has_role(Role::CourtClerk) {
        values.insert("court_cases", waiting_cases(app, actor, WAITING_ON_COURT).await);
    }
    if actor.has_role(Role::VictimServices) {
        let claims = app.claims(actor, None, None, false, None, Some(100)).await.unwrap_or_default();
        values.insert("my_claims", Value::from_serialize(&claims));
    }
    if redress_domain::policy::rules::READ_ALERTS.allows(&actor.roles) {
        if let Ok(count) = app.overdue_alert_count(actor).await {
            values.insert("overdue_alerts", Value::from(count));
        }
    }
    if actor.has_role(Role::AssetManager) {
        if let Ok(stages) = app.asset_pipeline(actor).await {
            let rows: Vec<Value> =
                stages.iter().map(|s| context! { state => s.state, count => s.assets }).collect();
            values.insert("pipeline", Value::from(rows));
        }
    }
    if actor.has_role(Role::Auditor) {
        match auditor(app, actor, query.contains_key("verify")).await {
            Ok(audit) => values.insert("audit", audit),
            Err(error) => return failure(&viewer, error),
        };
    }
    values.insert("notice", Value::from(notice(&viewer, &query)));
    render(&viewer, StatusCode::OK, "dashboard.html", Value::from(values))
}

/// The batches that wait on a treasurer: to approve (proposed by someone else), proposed by
/// this user (another treasurer approves), approved (the bank file to download) and sent to
/// the bank (its results to upload). Newest fifty batches, one query.
async fn treasurer(app: &App, actor: &Actor) -> Value {
    let batches = app.batches(actor, None, Some(50)).await.unwrap_or_default();
    let of = |wanted: &str, mine: Option<bool>| -> Vec<Value> {
        batches
            .iter()
            .filter(|b| b.state == wanted)
            .filter(|b| mine.is_none_or(|mine| (b.proposed_by == actor.username) == mine))
            .map(|b| {
                context! { id => b.id, state => b.state, total => b.total, currency => b.currency, proposed_by => b.proposed_by }
            })
            .collect()
    };
    context! {
        to_approve => of("proposed", Some(false)),
        mine => of("proposed", Some(true)),
        to_export => of("approved", None),
        at_bank => of("exported", None),
    }
}

/// The newest twenty cases of the user's institution that wait on it.
async fn waiting_cases(app: &App, actor: &Actor, stages: &[&str]) -> Value {
    let stages: Vec<String> = stages.iter().map(|s| s.to_string()).collect();
    let cases = app.cases(actor, &stages, None, Some(20)).await.unwrap_or_default();
    Value::from_serialize(&cases)
}

/// The fund's money and claims waiting, with their charts: every figure from SQL aggregates
/// (see `App::fund_summary`), none counted from a list of claims.
async fn fund_officer(
    app: &App,
    actor: &Actor,
    locale: Locale,
    values: &mut BTreeMap<&str, Value>,
) -> Result<(), AppError> {
    let summary = app.fund_summary(actor).await?;
    let currency = summary.currency;
    let policy = app.fund_policy(actor, None).await.ok();
    let reserve =
        policy.as_ref().and_then(|p| Amount::parse(&p.policy.reserve, currency).ok()).unwrap_or(Amount::ZERO);
    let tiers: Vec<Value> = summary
        .tiers
        .iter()
        .map(|t| context! { tier => t.tier, received => t.received, approved => t.approved })
        .collect();
    let (posted, holds) = (summary.cash, summary.holds);
    let available = posted.checked_sub(holds)?.checked_sub(reserve)?.max(Amount::ZERO);
    values.insert(
        "fund",
        context! {
            currency => currency.code(),
            cash => posted.format(currency),
            holds => holds.format(currency),
            available => available.format(currency),
            overdue => summary.overdue,
            tiers => tiers,
        },
    );
    if let Ok(flows) = app.public_fund_flows(12).await {
        values.insert("flows_chart", Value::from(crate::charts::flows_svg(locale, &flows)));
    }
    values.insert("balance_chart", balance_chart(&summary, locale));
    values.insert("sources_chart", sources_chart(&summary.income, locale, currency)?);
    values.insert("ageing_chart", ageing_chart(&summary.ageing, locale));
    Ok(())
}

/// The fund's balance at each of the last twelve month ends (and now).
fn balance_chart(summary: &FundSummary, locale: Locale) -> Value {
    let currency = summary.currency;
    let mut points: Vec<(String, String)> =
        summary.month_ends.iter().map(|(month, balance)| (month.clone(), balance.format(currency))).collect();
    points.push((i18n::translate(locale, "dash-cash", &[]), summary.cash.format(currency)));
    Value::from(crate::charts::line_svg(locale, "chart-balance", &points, currency.code()))
}

/// Inflows by source, to date.
fn sources_chart(accounts: &[Account], locale: Locale, currency: Currency) -> Result<Value, Overflow> {
    let sources: Vec<(String, String)> = accounts
        .iter()
        .filter(|a| a.currency == currency && a.name.as_str().starts_with("income:"))
        .map(|a| {
            let key = format!("source-{}", a.name.as_str().trim_start_matches("income:"));
            let label = if i18n::has_message(locale, &key) {
                i18n::translate(locale, &key, &[])
            } else {
                a.name.as_str().to_string()
            };
            Ok((label, a.totals.credits_posted.checked_sub(a.totals.debits_posted)?.format(currency)))
        })
        .collect::<Result<_, Overflow>>()?;
    Ok(Value::from(crate::charts::bars_svg(locale, "chart-sources", &sources, currency.code())))
}

/// Claims waiting for a decision, by age.
fn ageing_chart(buckets: &[i64; 4], locale: Locale) -> Value {
    let ageing: Vec<(String, String)> = buckets
        .iter()
        .enumerate()
        .map(|(i, n)| (i18n::translate(locale, &format!("age-{i}"), &[]), n.to_string()))
        .collect();
    Value::from(crate::charts::bars_svg(locale, "chart-ageing", &ageing, ""))
}

/// The audit chain (checked on request) and whether the ledger balances.
async fn auditor(app: &App, actor: &Actor, checked: bool) -> Result<Value, AppError> {
    let (intact, entries, detail) = if checked {
        match app.verify_audit(actor).await? {
            Ok(summary) => (true, summary.entries, String::new()),
            Err(broken) => (false, 0, format!("#{} {}", broken.seq, broken.reason)),
        }
    } else {
        (true, 0, String::new())
    };
    let balanced = app.verify_ledger(actor).await.map(|c| c.balanced).unwrap_or(false);
    Ok(
        context! { checked => checked, intact => intact, entries => entries, detail => detail, balanced => balanced },
    )
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages.add(Policy::Authenticated, &["GET"], "/", get(dashboard))
}
