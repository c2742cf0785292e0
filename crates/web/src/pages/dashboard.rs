//! The home page: a section for each role the user holds.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::{context, Value};
use redress_app::claims::ClaimView;
use redress_app::{Actor, App, AppError};
use redress_domain::ledger::Account;
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
        let batches = app.batches(actor, None, Some(100)).await.unwrap_or_default();
        let waiting: Vec<Value> = batches
            .iter()
            .filter(|b| matches!(b.state.as_str(), "proposed" | "approved" | "exported"))
            .map(|b| {
                context! { id => b.id, state => b.state, total => b.total, currency => b.currency, proposed_by => b.proposed_by }
            })
            .collect();
        values.insert("batches", Value::from(waiting));
    }
    if actor.has_role(Role::VictimServices) {
        let claims = app.claims(actor, None, None, false, None, Some(100)).await.unwrap_or_default();
        values.insert("my_claims", Value::from_serialize(&claims));
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

/// The fund's money and claims waiting, with their charts.
async fn fund_officer(
    app: &App,
    actor: &Actor,
    locale: Locale,
    values: &mut BTreeMap<&str, Value>,
) -> Result<(), AppError> {
    let accounts = app.ledger_accounts(actor).await?;
    let currency = app.settings.fund_currency();
    let cash = accounts.iter().find(|a| a.name.as_str() == "assets:bank:fund" && a.currency == currency);
    let (posted, holds) = cash.map_or((0, 0), |a| {
        (a.totals.debits_posted.0 - a.totals.credits_posted.0, a.totals.credits_pending.0)
    });
    let policy = app.fund_policy(actor, None).await.ok();
    let reserve =
        policy.as_ref().and_then(|p| Amount::parse(&p.policy.reserve, currency).ok()).map_or(0, |a| a.0);
    let claims = app.claims(actor, None, None, false, None, Some(500)).await.unwrap_or_default();
    let tiers: Vec<Value> = (1..=3u8)
        .map(|tier| {
            let count = |state: &str| claims.iter().filter(|c| c.tier == tier && c.state == state).count();
            context! { tier => tier, received => count("received"), approved => count("approved") }
        })
        .collect();
    let format = |units: i64| Amount(units).format(currency);
    values.insert(
        "fund",
        context! {
            currency => currency.code(),
            cash => format(posted),
            holds => format(holds),
            available => format((posted - holds - reserve).max(0)),
            overdue => claims.iter().filter(|c| c.overdue).count(),
            tiers => tiers,
        },
    );
    if let Ok(flows) = app.public_fund_flows(12).await {
        values.insert("flows_chart", Value::from(crate::charts::flows_svg(locale, &flows)));
    }
    values.insert("balance_chart", balance_chart(app, actor, locale, currency, posted).await);
    values.insert("sources_chart", sources_chart(&accounts, locale, currency));
    values.insert("ageing_chart", ageing_chart(app, &claims, locale));
    Ok(())
}

/// The fund's balance at each of the last twelve month ends (and now).
async fn balance_chart(app: &App, actor: &Actor, locale: Locale, currency: Currency, posted: i64) -> Value {
    let format = |units: i64| Amount(units).format(currency);
    let mut points = Vec::new();
    let now = app.clock.now().to_datetime();
    let mut firsts = vec![now.date().replace_day(1).unwrap_or(now.date())];
    for _ in 0..11 {
        let previous = *firsts.last().unwrap_or(&now.date()) - time::Duration::days(1);
        firsts.push(previous.replace_day(1).unwrap_or(previous));
    }
    firsts.reverse();
    for first in firsts {
        let at = redress_domain::Timestamp::from_datetime(first.midnight().assume_utc());
        if let Ok(balances) = app.balances_at(actor, at).await {
            let balance = balances
                .iter()
                .find(|(a, _)| a.name.as_str() == "assets:bank:fund" && a.currency == currency)
                .map_or(0, |(_, t)| t.debits_posted.0 - t.credits_posted.0);
            let month = (first - time::Duration::days(1)).to_string();
            points.push((month[..7].to_string(), format(balance)));
        }
    }
    points.push((i18n::translate(locale, "dash-cash", &[]), format(posted)));
    Value::from(crate::charts::line_svg(locale, "chart-balance", &points, currency.code()))
}

/// Inflows by source, to date.
fn sources_chart(accounts: &[Account], locale: Locale, currency: Currency) -> Value {
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
            (label, Amount(a.totals.credits_posted.0 - a.totals.debits_posted.0).format(currency))
        })
        .collect();
    Value::from(crate::charts::bars_svg(locale, "chart-sources", &sources, currency.code()))
}

/// Claims waiting for a decision, by age.
fn ageing_chart(app: &App, claims: &[ClaimView], locale: Locale) -> Value {
    let today = app.clock.now().to_datetime().date();
    let mut buckets = [0usize; 4];
    for claim in claims.iter().filter(|c| c.state == "received") {
        let days = (today - claim.filed_at.to_datetime().date()).whole_days();
        let bucket = match days {
            0..=3 => 0,
            4..=14 => 1,
            15..=56 => 2,
            _ => 3,
        };
        buckets[bucket] += 1;
    }
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
