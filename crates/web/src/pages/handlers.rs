//! The pages: login, the home dashboard per role, victims, claims, allocation rounds and
//! payment batches. Each handler calls the same use case as the API.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{context, Value};
use redress_app::claims::{Decision, FileClaim};
use redress_app::victims::RegisterVictim;
use redress_app::AppError;
use redress_domain::claims::{ClaimState, Need};
use redress_domain::policy::rules;
use redress_domain::{Policy, Role, Secret};
use std::collections::{BTreeMap, HashMap};

use super::render::{render, render_error, render_problem};
use super::{urlencode, PageRoutes, Viewer, LANGUAGE_COOKIE};
use crate::extract::Context;
use crate::i18n;
use crate::routes::session::session_cookie;
use crate::AppState;

/// The fields of a submitted form (repeated names kept, for checkboxes).
pub(super) struct Fields(pub(super) Vec<(String, String)>);

impl Fields {
    pub(super) fn parse(body: &Bytes) -> Fields {
        Fields(form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    pub(super) fn get(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
    }

    pub(super) fn optional(&self, name: &str) -> Option<String> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    pub(super) fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// The form as a template value (to refill it after an error).
    pub(super) fn value(&self) -> Value {
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        for (k, v) in &self.0 {
            if k == "_csrf" || k.contains("password") {
                continue;
            }
            if k == "needs" {
                continue;
            }
            map.insert(k.clone(), Value::from(v.clone()));
        }
        map.insert("needs".into(), Value::from(self.all("needs")));
        Value::from(map)
    }
}

/// Every field error on one line (`field: reason; …`), for a problem box.
fn joined(errors: &redress_domain::FieldErrors) -> String {
    errors.0.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; ")
}

/// Field errors by field name, for the template.
fn field_errors(error: &AppError) -> Option<BTreeMap<String, String>> {
    match error {
        AppError::Invalid(errors) => {
            Some(errors.0.iter().map(|e| (e.field.clone(), e.reason.clone())).collect())
        }
        _ => None,
    }
}

/// The page for a use case's error other than invalid input.
pub(super) fn failure(viewer: &Viewer, error: AppError) -> Response {
    match error {
        AppError::Forbidden => {
            render_error(viewer, StatusCode::FORBIDDEN, "forbidden-title", Some("forbidden-text"))
        }
        AppError::Refused(field) => {
            render_problem(viewer, StatusCode::FORBIDDEN, "forbidden-title", &field.reason)
        }
        AppError::NotFound(what) => render_problem(viewer, StatusCode::NOT_FOUND, "not-found-title", &what),
        AppError::Conflict(field) => {
            render_problem(viewer, StatusCode::CONFLICT, "conflict-title", &field.reason)
        }
        AppError::Invalid(errors) => {
            let text = joined(&errors);
            render_problem(viewer, StatusCode::UNPROCESSABLE_ENTITY, "error-title", &text)
        }
        AppError::Unauthenticated => Redirect::to("/login").into_response(),
        other => {
            tracing::error!(error = %other, "page failed");
            render_error(viewer, StatusCode::INTERNAL_SERVER_ERROR, "error-title", None)
        }
    }
}

/// A notice shown once, after a redirect (`?notice=key`, from a fixed list).
pub(super) fn notice(viewer: &Viewer, query: &HashMap<String, String>) -> Option<String> {
    let key = query.get("notice")?;
    let allowed = [
        "claim-filed",
        "claim-decided",
        "victim-registered",
        "victim-verified",
        "batch-approved",
        "password-changed",
        "asset-registered",
        "asset-moved",
        "case-opened",
        "case-updated",
        "judgment-recorded",
        "judgment-updated",
        "users-created",
        "asset-updated",
        "victim-withdrawn",
        "claim-withdrawn",
        "ledger-transferred",
        "ledger-transfer-exists",
        "victim-referred",
        "institution-created",
        "policy-published",
        "victim-corrected",
    ];
    if !allowed.contains(&key.as_str()) {
        return None;
    }
    let args: Vec<(&str, String)> =
        ["id", "code"].iter().filter_map(|name| query.get(*name).map(|v| (*name, v.clone()))).collect();
    Some(i18n::translate(viewer.locale, key, &args))
}

fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

async fn login_form(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let next = query.get("next").map(String::as_str).unwrap_or("/");
    if viewer.actor.is_some() {
        return Redirect::to(safe_next(next)).into_response();
    }
    // Back here after a login whose cookie the browser did not keep: say why instead of looping.
    let failed = query.contains_key("check").then(|| {
        i18n::translate(
            viewer.locale,
            crate::transport::missing_cookie_reason(&state.app.settings, &headers),
            &[],
        )
    });
    render(
        &viewer,
        StatusCode::OK,
        "login.html",
        context! { next => safe_next(next), username => "", failed },
    )
}

async fn login(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let username = fields.get("username");
    let next = fields.get("next");
    if crate::transport::is_cross_site(&state.app.settings, &headers) {
        let failed = i18n::translate(viewer.locale, "login-cross-site", &[]);
        let page = context! { failed, username => "", next => "/" };
        return render(&viewer, StatusCode::FORBIDDEN, "login.html", page);
    }
    match state.app.login(&context, &username, Secret::new(fields.get("password"))).await {
        Ok(outcome) => {
            let lifetime = state.app.settings.security.session_lifetime_minutes * 60;
            let cookie = session_cookie(&state, &headers, outcome.token.expose(), lifetime);
            // Through the login page, which goes on to `next` if the browser kept the cookie; a
            // reset password must be changed first.
            let next = if outcome.user.must_change_password { "/password".to_string() } else { next };
            let check = format!("/login?check=1&next={}", urlencode(safe_next(&next)));
            ([(header::SET_COOKIE, cookie)], Redirect::to(&check)).into_response()
        }
        Err(error) => {
            let (status, message) = match error {
                AppError::RateLimited { retry_after_seconds } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    i18n::translate(
                        viewer.locale,
                        "login-limited",
                        &[("seconds", retry_after_seconds.to_string())],
                    ),
                ),
                AppError::Unauthenticated | AppError::Invalid(_) => {
                    (StatusCode::UNAUTHORIZED, i18n::translate(viewer.locale, "login-failed", &[]))
                }
                other => return failure(&viewer, other),
            };
            render(
                &viewer,
                status,
                "login.html",
                context! { failed => message, username => username, next => safe_next(&next) },
            )
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    headers: axum::http::HeaderMap,
) -> Response {
    let _ = state.app.logout(viewer.actor(), &context).await;
    ([(header::SET_COOKIE, session_cookie(&state, &headers, "", 0))], Redirect::to("/login")).into_response()
}

async fn language(State(state): State<AppState>, viewer: Viewer, body: Bytes) -> Response {
    let fields = Fields::parse(&body);
    let locale = i18n::Locale::parse(&fields.get("locale")).unwrap_or_default();
    if let Some(actor) = &viewer.actor {
        if let Err(error) = state.app.set_user_locale(actor, locale.code()).await {
            return failure(&viewer, error);
        }
    }
    // Back to the page the switch was on (a local path only).
    let back = fields.optional("back").unwrap_or_else(|| "/".to_string());
    let cookie = format!("{LANGUAGE_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000", locale.code());
    ([(header::SET_COOKIE, cookie)], Redirect::to(safe_next(&back))).into_response()
}

async fn password_form(viewer: Viewer) -> Response {
    render(&viewer, StatusCode::OK, "password.html", context! {})
}

async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state
        .app
        .change_password(
            viewer.actor(),
            &context,
            Secret::new(fields.get("current")),
            Secret::new(fields.get("new")),
        )
        .await;
    match result {
        Ok(()) => Redirect::to("/?notice=password-changed").into_response(),
        Err(error) => match field_errors(&error) {
            Some(errors) => render(
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                "password.html",
                context! { errors => errors },
            ),
            None => match error {
                AppError::Unauthenticated => render(
                    &viewer,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "password.html",
                    context! { errors => context! { current_password => i18n::translate(viewer.locale, "login-failed", &[]) } },
                ),
                other => failure(&viewer, other),
            },
        },
    }
}

async fn dashboard(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let actor = viewer.actor();
    let app = &state.app;
    let mut values: BTreeMap<&str, Value> = BTreeMap::new();
    if actor.has_role(Role::FundOfficer) {
        let accounts = match app.ledger_accounts(actor).await {
            Ok(accounts) => accounts,
            Err(error) => return failure(&viewer, error),
        };
        let currency = app.settings.fund_currency();
        let cash = accounts.iter().find(|a| a.name.as_str() == "assets:bank:fund" && a.currency == currency);
        let (posted, holds) = cash.map_or((0, 0), |a| {
            (a.totals.debits_posted.0 - a.totals.credits_posted.0, a.totals.credits_pending.0)
        });
        let policy = app.fund_policy(actor, None).await.ok();
        let reserve = policy
            .as_ref()
            .and_then(|p| redress_domain::Amount::parse(&p.policy.reserve, currency).ok())
            .map_or(0, |a| a.0);
        let claims = app.claims(actor, None, None, false, None, Some(500)).await.unwrap_or_default();
        let tiers: Vec<Value> = (1..=3u8)
            .map(|tier| {
                let count =
                    |state: &str| claims.iter().filter(|c| c.tier == tier && c.state == state).count();
                context! { tier => tier, received => count("received"), approved => count("approved") }
            })
            .collect();
        let format = |units: i64| redress_domain::Amount(units).format(currency);
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
            values.insert("flows_chart", Value::from(crate::charts::flows_svg(viewer.locale, &flows)));
        }
        // The fund's balance at each of the last twelve month ends (and now).
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
        points.push((i18n::translate(viewer.locale, "dash-cash", &[]), format(posted)));
        values.insert(
            "balance_chart",
            Value::from(crate::charts::line_svg(viewer.locale, "chart-balance", &points, currency.code())),
        );
        // Inflows by source, to date.
        let sources: Vec<(String, String)> = accounts
            .iter()
            .filter(|a| a.currency == currency && a.name.as_str().starts_with("income:"))
            .map(|a| {
                let key = format!("source-{}", a.name.as_str().trim_start_matches("income:"));
                let label = if i18n::has_message(viewer.locale, &key) {
                    i18n::translate(viewer.locale, &key, &[])
                } else {
                    a.name.as_str().to_string()
                };
                (label, format(a.totals.credits_posted.0 - a.totals.debits_posted.0))
            })
            .collect();
        values.insert(
            "sources_chart",
            Value::from(crate::charts::bars_svg(viewer.locale, "chart-sources", &sources, currency.code())),
        );
        // Claims waiting for a decision, by age.
        let today = now.date();
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
            .map(|(i, n)| (i18n::translate(viewer.locale, &format!("age-{i}"), &[]), n.to_string()))
            .collect();
        values.insert(
            "ageing_chart",
            Value::from(crate::charts::bars_svg(viewer.locale, "chart-ageing", &ageing, "")),
        );
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
        let checked = query.contains_key("verify");
        let (intact, entries, detail) = if checked {
            match app.verify_audit(actor).await {
                Ok(Ok(summary)) => (true, summary.entries, String::new()),
                Ok(Err(broken)) => (false, 0, format!("#{} {}", broken.seq, broken.reason)),
                Err(error) => return failure(&viewer, error),
            }
        } else {
            (true, 0, String::new())
        };
        let balanced = app.verify_ledger(actor).await.map(|c| c.balanced).unwrap_or(false);
        values.insert(
            "audit",
            context! { checked => checked, intact => intact, entries => entries, detail => detail, balanced => balanced },
        );
    }
    values.insert("notice", Value::from(notice(&viewer, &query)));
    render(&viewer, StatusCode::OK, "dashboard.html", Value::from(values))
}

async fn claims_list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let state_filter = query.get("state").filter(|s| !s.is_empty()).cloned();
    let tier = query.get("tier").and_then(|t| t.parse::<u8>().ok());
    let overdue = query.get("overdue").is_some_and(|v| v == "true");
    let after = query.get("after").and_then(|a| a.parse::<i64>().ok());
    let limit = 50;
    match state.app.claims(viewer.actor(), state_filter.as_deref(), tier, overdue, after, Some(limit)).await {
        Ok(claims) => {
            let next_after = (claims.len() as i64 == limit).then(|| claims.last().map(|c| c.id)).flatten();
            let states: Vec<&str> = ClaimState::ALL.iter().map(|s| s.as_str()).collect();
            render(
                &viewer,
                StatusCode::OK,
                "claims.html",
                context! {
                    claims => Value::from_serialize(&claims),
                    states => states,
                    next_after => next_after,
                    filter => context! { state => state_filter, tier => tier, overdue => overdue },
                },
            )
        }
        Err(error) => failure(&viewer, error),
    }
}

async fn claim_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match state.app.claim(viewer.actor(), id).await {
        Ok(claim) => render(
            &viewer,
            StatusCode::OK,
            "claim.html",
            context! {
                claim => Value::from_serialize(&claim),
                can_decide => rules::DECIDE_CLAIMS.allows(&viewer.actor().roles),
                notice => notice(&viewer, &query),
            },
        ),
        Err(error) => failure(&viewer, error),
    }
}

async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let decision = Decision {
        decision: fields.get("decision"),
        amount: fields.optional("amount"),
        tier: fields.optional("tier").and_then(|t| t.parse().ok()),
        reason: fields.optional("reason"),
    };
    match state.app.decide_claim(viewer.actor(), &context, id, decision).await {
        Ok(_) => Redirect::to(&format!("/claims/{id}?notice=claim-decided")).into_response(),
        Err(error) => {
            let claim = match state.app.claim(viewer.actor(), id).await {
                Ok(claim) => claim,
                Err(error) => return failure(&viewer, error),
            };
            let (errors, problem, status) = match &error {
                AppError::Invalid(_) => (field_errors(&error), None, StatusCode::UNPROCESSABLE_ENTITY),
                AppError::Conflict(field) => (None, Some(field.reason.clone()), StatusCode::CONFLICT),
                _ => return failure(&viewer, error),
            };
            render(
                &viewer,
                status,
                "claim.html",
                context! {
                    claim => Value::from_serialize(&claim),
                    can_decide => true,
                    errors => errors,
                    problem => problem,
                    form => fields.value(),
                },
            )
        }
    }
}

fn needs() -> Vec<&'static str> {
    Need::ALL.iter().map(|n| n.as_str()).collect()
}

async fn claim_form(viewer: Viewer, Query(query): Query<HashMap<String, String>>) -> Response {
    let victim = query.get("victim").cloned().unwrap_or_default();
    render(
        &viewer,
        StatusCode::OK,
        "claim_new.html",
        context! { needs => needs(), form => context! { victim => victim, kind => "reparation", needs => Vec::<String>::new() } },
    )
}

async fn file_claim(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let mut errors = BTreeMap::new();
    let mut number = |name: &str| -> Option<i64> {
        let text = fields.get(name);
        if text.is_empty() {
            return None;
        }
        text.parse::<i64>().map(Some).unwrap_or_else(|_| {
            errors.insert(name.to_string(), "must be a number".to_string());
            None
        })
    };
    let order_id = number("order_id");
    let case_id = number("case_id");
    let request = FileClaim {
        victim: fields.get("victim"),
        kind: fields.optional("kind"),
        order_id,
        case_id,
        amount: fields.optional("amount"),
        needs: fields.all("needs"),
        note: None,
    };
    let result = if errors.is_empty() {
        state.app.file_claim(viewer.actor(), &context, request).await
    } else {
        Err(AppError::Invalid(redress_domain::FieldErrors::new()))
    };
    match result {
        Ok(claim) => {
            Redirect::to(&format!("/claims/{}?notice=claim-filed&id={}", claim.id, claim.id)).into_response()
        }
        Err(error) => {
            let (problem, status) = match &error {
                AppError::Invalid(invalid) => {
                    for e in invalid.0.iter() {
                        errors.insert(e.field.clone(), e.reason.clone());
                    }
                    (None, StatusCode::UNPROCESSABLE_ENTITY)
                }
                AppError::Conflict(field) => (Some(field.reason.clone()), StatusCode::CONFLICT),
                _ => return failure(&viewer, error),
            };
            render(
                &viewer,
                status,
                "claim_new.html",
                context! { needs => needs(), errors => errors, problem => problem, form => fields.value() },
            )
        }
    }
}

async fn victim_form(viewer: Viewer) -> Response {
    render(
        &viewer,
        StatusCode::OK,
        "victim_new.html",
        context! { ..super::victim_edit::choices(), ..context! { form => context! { document_type => "dni", sex => "female" } } },
    )
}

async fn register_victim(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let request = RegisterVictim {
        given_names: fields.get("given_names"),
        surnames: fields.get("surnames"),
        document_type: fields.get("document_type"),
        document_number: fields.get("document_number"),
        document_country: None,
        birth_date: fields.get("birth_date"),
        sex: fields.get("sex"),
        nationality: fields.get("nationality"),
        consent: fields.get("consent") == "true",
        consent_scope: None,
        contact: None,
        address: None,
        bank_account: fields.optional("bank_account"),
        legal_representative: super::victim_edit::representative_from(&fields),
        region: None,
        exploitation: None,
        languages: Vec::new(),
        recruitment: None,
        methods_of_control: Vec::new(),
    };
    match state.app.register_victim(viewer.actor(), &context, request).await {
        Ok(view) => Redirect::to(&format!(
            "/victims/{}?notice=victim-registered&code={}",
            view.code,
            urlencode(&view.code)
        ))
        .into_response(),
        Err(error) => {
            let (errors, problem, status) = match &error {
                AppError::Invalid(_) => (field_errors(&error), None, StatusCode::UNPROCESSABLE_ENTITY),
                AppError::Conflict(field) => (None, Some(field.reason.clone()), StatusCode::CONFLICT),
                _ => return failure(&viewer, error),
            };
            render(
                &viewer,
                status,
                "victim_new.html",
                context! { ..super::victim_edit::choices(), ..context! { errors => errors, problem => problem, form => fields.value() } },
            )
        }
    }
}

async fn victim_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match state.app.victim(viewer.actor(), &context, &code, Some("web_view")).await {
        Ok(victim) => render(
            &viewer,
            StatusCode::OK,
            "victim.html",
            context! { victim => Value::from_serialize(&victim), notice => notice(&viewer, &query) },
        ),
        Err(error) => failure(&viewer, error),
    }
}

async fn verify_victim(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    match state.app.verify_identity(viewer.actor(), &context, &code, &fields.get("method")).await {
        Ok(()) => {
            Redirect::to(&format!("/victims/{}?notice=victim-verified", urlencode(&code))).into_response()
        }
        Err(error) => failure(&viewer, error),
    }
}

async fn allocation_preview(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
) -> Response {
    match state.app.allocation_round(viewer.actor(), &context, false, None).await {
        Ok(round) => {
            render(&viewer, StatusCode::OK, "round.html", context! { round => Value::from_serialize(&round) })
        }
        Err(error) => failure(&viewer, error),
    }
}

async fn allocation_commit(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let hash = fields.get("inputs_hash");
    match state.app.allocation_round(viewer.actor(), &context, true, Some(&hash)).await {
        Ok(round) => Redirect::to(&format!("/rounds/{}", round.id.unwrap_or_default())).into_response(),
        Err(AppError::Conflict(field)) => {
            // Something changed since the preview: show the new preview with the reason.
            match state.app.allocation_round(viewer.actor(), &context, false, None).await {
                Ok(round) => render(
                    &viewer,
                    StatusCode::CONFLICT,
                    "round.html",
                    context! { round => Value::from_serialize(&round), problem => field.reason },
                ),
                Err(error) => failure(&viewer, error),
            }
        }
        Err(error) => failure(&viewer, error),
    }
}

async fn round_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let round = match state.app.round(viewer.actor(), id).await {
        Ok(round) => round,
        Err(error) => return failure(&viewer, error),
    };
    let replay = if query.contains_key("replay") {
        match state.app.replay_round(viewer.actor(), id).await {
            Ok(replay) => Some(replay.lines_match && replay.inputs_hash_matches),
            Err(error) => return failure(&viewer, error),
        }
    } else {
        None
    };
    let batch_id = state
        .app
        .batches(viewer.actor(), None, Some(500))
        .await
        .unwrap_or_default()
        .into_iter()
        .find(|b| b.round_id == id)
        .map(|b| b.id);
    render(
        &viewer,
        StatusCode::OK,
        "round.html",
        context! { round => Value::from_serialize(&round), batch_id => batch_id, replay => replay },
    )
}

async fn propose_batch(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let Ok(round_id) = fields.get("round_id").parse::<i64>() else {
        return render_problem(&viewer, StatusCode::UNPROCESSABLE_ENTITY, "error-title", "round_id");
    };
    match state.app.propose_batch(viewer.actor(), &context, round_id, None).await {
        Ok(batch) => Redirect::to(&format!("/batches/{}", batch.id)).into_response(),
        Err(error) => failure(&viewer, error),
    }
}

async fn batches_page(State(state): State<AppState>, viewer: Viewer) -> Response {
    match state.app.batches(viewer.actor(), None, Some(100)).await {
        Ok(batches) => render(
            &viewer,
            StatusCode::OK,
            "batches.html",
            context! { batches => Value::from_serialize(&batches) },
        ),
        Err(error) => failure(&viewer, error),
    }
}

async fn batch_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match state.app.batch(viewer.actor(), id).await {
        Ok(batch) => render(
            &viewer,
            StatusCode::OK,
            "batch.html",
            context! {
                batch => Value::from_serialize(&batch),
                can_approve => rules::APPROVE_PAYMENTS.allows(&viewer.actor().roles),
                notice => notice(&viewer, &query),
            },
        ),
        Err(error) => failure(&viewer, error),
    }
}

async fn approve_batch(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
) -> Response {
    match state.app.approve_batch(viewer.actor(), &context, id).await {
        Ok(_) => Redirect::to(&format!("/batches/{id}?notice=batch-approved")).into_response(),
        Err(error) => failure(&viewer, error),
    }
}

async fn assets_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let actor = viewer.actor();
    let filter_state = query.get("state").filter(|s| !s.is_empty()).cloned();
    let after = query.get("after").and_then(|a| a.parse::<i64>().ok());
    let limit = 50;
    let pipeline = match crate::routes::assets::pipeline_json(&state, actor).await {
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
        Err(error) => match field_errors(&error) {
            Some(errors) => render(
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                "asset_new.html",
                context! { kinds => asset_kinds(), errors => errors, form => fields.value() },
            ),
            None => failure(&viewer, error),
        },
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
    let next_states: Vec<&str> = redress_domain::assets::AssetState::parse(&view.asset.state)
        .map(|s| s.next().iter().map(|n| n.as_str()).collect())
        .unwrap_or_default();
    let json = crate::routes::assets::AssetJson::from(view);
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
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&viewer, &query);
    asset_view(&state, &viewer, id, StatusCode::OK, context! { notice => notice }).await
}

async fn move_asset(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
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
        Err(error) => {
            let (errors, problem, status) = match &error {
                AppError::Invalid(_) => (field_errors(&error), None, StatusCode::UNPROCESSABLE_ENTITY),
                AppError::Conflict(field) => (None, Some(field.reason.clone()), StatusCode::CONFLICT),
                _ => return failure(&viewer, error),
            };
            asset_view(
                &state,
                &viewer,
                id,
                status,
                context! { errors => errors, problem => problem, form => fields.value() },
            )
            .await
        }
    }
}

/// Re-renders a page's form after an error, or the error page.
pub(super) fn form_error(
    viewer: &Viewer,
    template: &str,
    error: AppError,
    values: Value,
    form: &Fields,
) -> Response {
    let (errors, problem, status) = match &error {
        AppError::Invalid(_) => (field_errors(&error), None, StatusCode::UNPROCESSABLE_ENTITY),
        AppError::Conflict(field) => (None, Some(field.reason.clone()), StatusCode::CONFLICT),
        _ => return failure(viewer, error),
    };
    render(
        viewer,
        status,
        template,
        context! { ..values, ..context! { errors => errors, problem => problem, form => form.value() } },
    )
}

fn offences(state: &AppState) -> Vec<Value> {
    state.app.settings.cases.offences.iter().map(|o| context! { code => o.code, name => o.name }).collect()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

async fn courts(state: &AppState, viewer: &Viewer) -> Vec<Value> {
    let courts = state.app.courts(viewer.actor()).await.unwrap_or_default();
    courts.into_iter().map(|(id, name)| context! { id => id, name => name }).collect()
}

async fn case_form(State(state): State<AppState>, viewer: Viewer) -> Response {
    let courts = courts(&state, &viewer).await;
    render(
        &viewer,
        StatusCode::OK,
        "case_new.html",
        context! { offences => offences(&state), courts => courts, form => context! {} },
    )
}

async fn find_case(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let file = query.get("file").map(|f| f.trim().to_string()).unwrap_or_default();
    match state.app.case_by_file(viewer.actor(), &file).await {
        Ok(Some(id)) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Ok(None) => render_problem(&viewer, StatusCode::NOT_FOUND, "not-found-title", &file),
        Err(error) => failure(&viewer, error),
    }
}

async fn open_case(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let request = redress_app::cases::OpenCase {
        prosecutor_file: fields.get("prosecutor_file"),
        court_file: None,
        jurisdiction: fields.get("jurisdiction"),
        offences: fields.all("offences"),
        reported_on: fields.get("reported_on"),
        cross_border: false,
        partner_country: None,
        tracing_notes: None,
        court_id: fields.optional("court_id").and_then(|v| v.parse().ok()),
        defendants: lines(&fields.get("defendants")),
        victims: lines(&fields.get("victims")),
    };
    match state.app.open_case(viewer.actor(), &context, request).await {
        Ok(case) => Redirect::to(&format!("/cases/{}?notice=case-opened", case.id)).into_response(),
        Err(error) => {
            let courts = courts(&state, &viewer).await;
            form_error(
                &viewer,
                "case_new.html",
                error,
                context! { offences => offences(&state), courts => courts },
                &fields,
            )
        }
    }
}

async fn case_view(state: &AppState, viewer: &Viewer, id: i64, status: StatusCode, extra: Value) -> Response {
    let case = match state.app.case(viewer.actor(), id).await {
        Ok(case) => case,
        Err(error) => return failure(viewer, error),
    };
    let stages: Vec<&str> = redress_domain::cases::Stage::ALL.iter().map(|s| s.as_str()).collect();
    let roles = &viewer.actor().roles;
    render(
        viewer,
        status,
        "case.html",
        context! {
            ..extra,
            ..context! {
                case => Value::from_serialize(&case),
                stages => stages,
                can_manage => rules::MANAGE_CASES.allows(roles),
                can_judge => rules::RECORD_JUDGMENTS.allows(roles),
            }
        },
    )
}

async fn case_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&viewer, &query);
    case_view(&state, &viewer, id, StatusCode::OK, context! { notice => notice }).await
}

/// The outcome of a small form on a case: back to the case, or the case with the problem.
async fn case_outcome(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    result: Result<redress_app::cases::CaseView, AppError>,
) -> Response {
    match result {
        Ok(_) => Redirect::to(&format!("/cases/{id}?notice=case-updated")).into_response(),
        Err(AppError::Invalid(errors)) => {
            let text = joined(&errors);
            case_view(state, viewer, id, StatusCode::UNPROCESSABLE_ENTITY, context! { problem => text }).await
        }
        Err(AppError::Conflict(field)) => {
            case_view(state, viewer, id, StatusCode::CONFLICT, context! { problem => field.reason }).await
        }
        Err(error) => failure(viewer, error),
    }
}

async fn case_stage(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state
        .app
        .change_case_stage(viewer.actor(), &context, id, &fields.get("stage"), &fields.get("date"))
        .await;
    case_outcome(&state, &viewer, id, result).await
}

async fn case_defendant(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state.app.add_defendant(viewer.actor(), &context, id, &fields.get("name")).await;
    case_outcome(&state, &viewer, id, result).await
}

async fn case_victim(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state.app.add_case_victim(viewer.actor(), &context, id, &fields.get("code")).await;
    case_outcome(&state, &viewer, id, result).await
}

fn heads() -> Vec<&'static str> {
    redress_domain::orders::HeadOfDamage::ALL.iter().map(|h| h.as_str()).collect()
}

async fn judgment_form(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Response {
    match state.app.case(viewer.actor(), id).await {
        Ok(case) => render(
            &viewer,
            StatusCode::OK,
            "judgment_new.html",
            context! { case => Value::from_serialize(&case), heads => heads(), form => context! {} },
        ),
        Err(error) => failure(&viewer, error),
    }
}

async fn record_judgment(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let case = match state.app.case(viewer.actor(), id).await {
        Ok(case) => case,
        Err(error) => return failure(&viewer, error),
    };
    let convicted: Vec<i64> = fields.all("convicted").iter().filter_map(|d| d.parse().ok()).collect();
    let deadline = fields.optional("payment_deadline");
    let orders = case
        .victims
        .iter()
        .filter_map(|code| {
            let items: Vec<(String, String)> = heads()
                .into_iter()
                .filter_map(|head| {
                    fields.optional(&format!("amount:{code}:{head}")).map(|a| (head.to_string(), a))
                })
                .collect();
            (!items.is_empty()).then(|| redress_app::orders::OrderRequest {
                victim: code.clone(),
                currency: None,
                payment_deadline: deadline.clone(),
                items,
                debtors: convicted.clone(),
            })
        })
        .collect();
    let request = redress_app::orders::RecordJudgment {
        case_id: id,
        judged_on: fields.get("judged_on"),
        court: fields.get("court"),
        convicted,
        final_on: fields.optional("final_on"),
        orders,
        confirm_duplicate: fields.get("confirm_duplicate") == "true",
    };
    match state.app.record_judgment(viewer.actor(), &context, request).await {
        Ok(judgment) => {
            Redirect::to(&format!("/judgments/{}?notice=judgment-recorded", judgment.judgment.id))
                .into_response()
        }
        Err(error) => form_error(
            &viewer,
            "judgment_new.html",
            error,
            context! { case => Value::from_serialize(&case), heads => heads() },
            &fields,
        ),
    }
}

async fn judgment_view(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    status: StatusCode,
    extra: Value,
) -> Response {
    match state.app.judgment(viewer.actor(), id).await {
        Ok(judgment) => {
            let json = crate::routes::orders::JudgmentJson::from(judgment);
            render(
                viewer,
                status,
                "judgment.html",
                context! {
                    ..extra,
                    ..context! {
                        judgment => Value::from_serialize(&json),
                        can_record => rules::RECORD_JUDGMENTS.allows(&viewer.actor().roles),
                        can_recover => rules::DECIDE_CLAIMS.allows(&viewer.actor().roles),
                    }
                },
            )
        }
        Err(error) => failure(viewer, error),
    }
}

async fn judgment_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&viewer, &query);
    judgment_view(&state, &viewer, id, StatusCode::OK, context! { notice => notice }).await
}

async fn judgment_final(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    match state.app.set_judgment_final(viewer.actor(), &context, id, &fields.get("final_on")).await {
        Ok(_) => Redirect::to(&format!("/judgments/{id}?notice=judgment-updated")).into_response(),
        Err(error) => {
            let problem = match &error {
                AppError::Invalid(e) => joined(e),
                AppError::Conflict(f) => f.reason.clone(),
                _ => return failure(&viewer, error),
            };
            judgment_view(
                &state,
                &viewer,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { problem => problem },
            )
            .await
        }
    }
}

/// A form on an order: back to its judgment, or the judgment with the problem.
async fn order_form(
    state: &AppState,
    viewer: &Viewer,
    result: Result<(), AppError>,
    order_id: i64,
) -> Response {
    let judgment_id = match state.app.order(viewer.actor(), order_id).await {
        Ok(order) => order.order.judgment_id,
        Err(error) => return failure(viewer, error),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/judgments/{judgment_id}?notice=judgment-updated#order-{order_id}"))
            .into_response(),
        Err(error) => {
            let problem = match &error {
                AppError::Invalid(e) => joined(e),
                AppError::Conflict(f) => f.reason.clone(),
                _ => return failure(viewer, error),
            };
            judgment_view(
                state,
                viewer,
                judgment_id,
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { problem => problem },
            )
            .await
        }
    }
}

async fn order_payment(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state
        .app
        .record_debtor_payment(
            viewer.actor(),
            &context,
            id,
            &fields.get("amount"),
            &fields.get("paid_on"),
            None,
        )
        .await;
    order_form(&state, &viewer, result.map(|_| ()), id).await
}

async fn order_insolvency(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state
        .app
        .record_insolvency(viewer.actor(), &context, id, &fields.get("found_on"), &fields.get("basis"))
        .await;
    order_form(&state, &viewer, result.map(|_| ()), id).await
}

async fn ledger_view(state: &AppState, viewer: &Viewer, status: StatusCode, extra: Value) -> Response {
    match state.app.ledger_accounts(viewer.actor()).await {
        Ok(accounts) => {
            let views: Vec<crate::routes::ledger::AccountView> =
                accounts.iter().map(crate::routes::ledger::AccountView::from).collect();
            let chart: Vec<&str> = redress_app::ledger::CHART.iter().map(|(name, _)| *name).collect();
            render(
                viewer,
                status,
                "ledger.html",
                context! {
                    ..extra,
                    ..context! {
                        accounts => Value::from_serialize(&views),
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
    ledger_view(&state, &viewer, StatusCode::OK, context! { notice => notice }).await
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
            Some(redress_app::ledger::TransferOutcome::Failed { errors, .. }) => {
                let text = joined(&errors);
                ledger_view(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, context! { problem => text })
                    .await
            }
            None => failure(&viewer, AppError::Internal("no outcome".into())),
        },
        Err(error) => failure(&viewer, error),
    }
}

async fn refer_victim(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let Ok(institution) = f.get("institution_id").parse::<i64>() else {
        return render_problem(
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "error-title",
            "institution_id: must be a number",
        );
    };
    match state.app.refer_victim(viewer.actor(), &context, &code, institution).await {
        Ok(_) => {
            Redirect::to(&format!("/victims/{}?notice=victim-referred", urlencode(&code))).into_response()
        }
        Err(error) => failure(&viewer, error),
    }
}

async fn create_institution(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    match state.app.create_institution(viewer.actor(), &context, &f.get("name"), &f.get("kind")).await {
        Ok(_) => Redirect::to("/admin/users?notice=institution-created").into_response(),
        Err(error) => failure(&viewer, error),
    }
}

async fn policy_view(state: &AppState, viewer: &Viewer, status: StatusCode, extra: Value) -> Response {
    let (policy, versions) = match (
        state.app.fund_policy(viewer.actor(), None).await,
        state.app.fund_policies(viewer.actor()).await,
    ) {
        (Ok(policy), Ok(versions)) => (policy, versions),
        (Err(error), _) | (_, Err(error)) => return failure(viewer, error),
    };
    render(
        viewer,
        status,
        "policy.html",
        context! {
            ..extra,
            ..context! {
                policy => Value::from_serialize(&policy),
                versions => Value::from_serialize(&versions),
                needs => needs(),
                can_publish => rules::MANAGE_POLICY.allows(&viewer.actor().roles),
            }
        },
    )
}

async fn policy_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&viewer, &query);
    policy_view(&state, &viewer, StatusCode::OK, context! { notice => notice }).await
}

async fn publish_policy(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let current = match state.app.fund_policy(viewer.actor(), None).await {
        Ok(current) => current.policy,
        Err(error) => return failure(&viewer, error),
    };
    let number = |name: &str| f.get(name).parse::<i64>().unwrap_or(-1);
    let document = redress_app::claims::PolicyDocument {
        currency: current.currency,
        reserve: f.get("reserve"),
        minimum_line: f.get("minimum_line"),
        advance_cap: f.get("advance_cap"),
        claim_cap: f.optional("claim_cap"),
        urgent: f.all("urgent"),
        high: f.all("high"),
        urgent_decision_hours: number("urgent_decision_hours"),
        standard_decision_days: number("standard_decision_days"),
        payment_working_days: u32::try_from(number("payment_working_days")).unwrap_or(0),
        payee_without_account: current.payee_without_account,
    };
    match state.app.publish_policy(viewer.actor(), &context, document).await {
        Ok(_) => Redirect::to("/policy?notice=policy-published").into_response(),
        Err(error) => {
            let errors = field_errors(&error);
            if errors.is_none() {
                return failure(&viewer, error);
            }
            policy_view(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, context! { errors => errors })
                .await
        }
    }
}

async fn statement_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let account = query.get("account").cloned().unwrap_or_default();
    let currency = query.get("currency").cloned().unwrap_or_else(|| state.app.settings.fund.currency.clone());
    let after = query.get("after").and_then(|a| a.parse().ok());
    let limit = 100;
    match state.app.statement(viewer.actor(), &account, &currency, after, Some(limit)).await {
        Ok((found, lines)) => {
            let c = found.currency;
            let rows: Vec<Value> = lines
                .iter()
                .map(|l| {
                    context! {
                        seq => l.transfer.seq,
                        at => l.transfer.created_at.to_rfc3339(),
                        change => redress_domain::Amount(l.posted_change).format(c),
                        balance => redress_domain::Amount(l.balance_after).format(c),
                        memo => l.transfer.memo,
                    }
                })
                .collect();
            let next_after =
                (lines.len() as i64 == limit).then(|| lines.last().map(|l| l.transfer.seq)).flatten();
            render(
                &viewer,
                StatusCode::OK,
                "statement.html",
                context! { account => account, currency => c.code(), lines => rows, next_after => next_after },
            )
        }
        Err(error) => failure(&viewer, error),
    }
}

async fn audit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let before = query.get("before").and_then(|b| b.parse().ok());
    let limit = 100;
    match state.app.audit_page(viewer.actor(), before, Some(limit)).await {
        Ok(records) => {
            let next_before =
                (records.len() as i64 == limit).then(|| records.last().map(|r| r.seq)).flatten();
            let rows: Vec<Value> = records
                .iter()
                .map(|r| {
                    let e = &r.event;
                    context! {
                        seq => r.seq,
                        at => e.at.to_rfc3339(),
                        actor => e.actor,
                        action => e.action,
                        target => e.target_type.as_ref().map(|t| format!("{t} {}", e.target_id.clone().unwrap_or_default())),
                        purpose => e.purpose,
                    }
                })
                .collect();
            render(
                &viewer,
                StatusCode::OK,
                "audit.html",
                context! { entries => rows, next_before => next_before },
            )
        }
        Err(error) => failure(&viewer, error),
    }
}

async fn users_values(state: &AppState, viewer: &Viewer) -> Result<Value, AppError> {
    let users: Vec<crate::routes::session::UserView> = state
        .app
        .list_users(viewer.actor(), None, Some(500))
        .await?
        .into_iter()
        .map(crate::routes::session::UserView::from)
        .collect();
    let institutions: Vec<Value> = state
        .app
        .list_institutions(viewer.actor(), None, Some(500))
        .await?
        .iter()
        .map(|i| context! { id => i.id.0, name => i.name })
        .collect();
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    Ok(context! { users => Value::from_serialize(&users), institutions => institutions, roles_all => roles })
}

async fn users_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match users_values(&state, &viewer).await {
        Ok(values) => render(
            &viewer,
            StatusCode::OK,
            "users.html",
            context! { ..values, ..context! { notice => notice(&viewer, &query), form => context! {} } },
        ),
        Err(error) => failure(&viewer, error),
    }
}

async fn create_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let request = redress_app::accounts::CreateUser {
        username: fields.get("username"),
        display_name: None,
        institution: redress_app::accounts::InstitutionChoice::Id(
            fields.get("institution").parse().unwrap_or(0),
        ),
        roles: fields.all("roles"),
        password: Secret::new(fields.get("password")),
    };
    match state.app.create_user(viewer.actor(), &context, request).await {
        Ok(_) => Redirect::to("/admin/users?notice=users-created").into_response(),
        Err(error) => match users_values(&state, &viewer).await {
            Ok(values) => form_error(&viewer, "users.html", error, values, &fields),
            Err(other) => failure(&viewer, other),
        },
    }
}

async fn batch_report(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state.app.import_status_report(viewer.actor(), &context, id, &fields.get("report")).await;
    batch_results_outcome(&state, &viewer, id, result).await
}

async fn batch_manual(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let results: Vec<redress_app::payments::ManualResult> = fields
        .0
        .iter()
        .filter_map(|(name, value)| {
            let e2e = name.strip_prefix("status:")?;
            (!value.is_empty()).then(|| redress_app::payments::ManualResult {
                end_to_end_id: e2e.to_string(),
                status: value.clone(),
                reason_code: None,
                reason: fields.optional(&format!("reason:{e2e}")),
            })
        })
        .collect();
    let result = state.app.record_bank_results(viewer.actor(), &context, id, results).await;
    batch_results_outcome(&state, &viewer, id, result).await
}

async fn batch_results_outcome(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    result: Result<redress_app::payments::ResultsSummary, AppError>,
) -> Response {
    let (status, extra) = match result {
        Ok(summary) => (StatusCode::OK, context! { results => Value::from_serialize(&summary) }),
        Err(AppError::Invalid(errors)) => {
            let text = joined(&errors);
            (StatusCode::UNPROCESSABLE_ENTITY, context! { problem => text })
        }
        Err(AppError::Conflict(field)) => (StatusCode::CONFLICT, context! { problem => field.reason }),
        Err(error) => return failure(viewer, error),
    };
    match state.app.batch(viewer.actor(), id).await {
        Ok(batch) => render(
            viewer,
            status,
            "batch.html",
            context! {
                ..extra,
                ..context! {
                    batch => Value::from_serialize(&batch),
                    can_approve => rules::APPROVE_PAYMENTS.allows(&viewer.actor().roles),
                }
            },
        ),
        Err(error) => failure(viewer, error),
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
        Err(error) => {
            let (errors, problem, status) = match &error {
                AppError::Invalid(e) => {
                    (field_errors(&error), Some(joined(e)), StatusCode::UNPROCESSABLE_ENTITY)
                }
                AppError::Conflict(field) => (None, Some(field.reason.clone()), StatusCode::CONFLICT),
                _ => return failure(viewer, error),
            };
            asset_view(state, viewer, id, status, context! { errors => errors, problem => problem }).await
        }
    }
}

async fn asset_valuation(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
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
    Path(id): Path<i64>,
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
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    asset_money(state, viewer, context, id, body, redress_app::assets::AssetMoney::Rent).await
}

async fn asset_custody(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    asset_money(state, viewer, context, id, body, redress_app::assets::AssetMoney::CustodyCost).await
}

async fn find_victim(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let kind = query.get("document_type").cloned().unwrap_or_default();
    let number = query.get("document_number").cloned().unwrap_or_default();
    match state.app.find_victims_by_document(viewer.actor(), &context, &kind, &number).await {
        Ok(codes) => render(
            &viewer,
            StatusCode::OK,
            "victim_new.html",
            context! { ..super::victim_edit::choices(), ..context! { found => codes, form => context! { document_type => "dni", sex => "female" } } },
        ),
        Err(AppError::Invalid(errors)) => {
            let text = joined(&errors);
            render(
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                "victim_new.html",
                context! { ..super::victim_edit::choices(), ..context! { problem => text, form => context! { document_type => "dni", sex => "female" } } },
            )
        }
        Err(error) => failure(&viewer, error),
    }
}

async fn withdraw_consent(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(code): Path<String>,
) -> Response {
    match state.app.withdraw_consent(viewer.actor(), &context, &code).await {
        Ok(_) => {
            Redirect::to(&format!("/victims/{}?notice=victim-withdrawn", urlencode(&code))).into_response()
        }
        Err(error) => failure(&viewer, error),
    }
}

async fn withdraw_claim(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    match state.app.withdraw_claim(viewer.actor(), &context, id, &f.get("reason")).await {
        Ok(_) => Redirect::to(&format!("/claims/{id}?notice=claim-withdrawn")).into_response(),
        Err(error) => failure(&viewer, error),
    }
}

async fn record_recovery(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let result = state
        .app
        .record_recovery(viewer.actor(), &context, id, &f.get("amount"), &f.get("received_on"), None)
        .await;
    order_form(&state, &viewer, result.map(|_| ()), id).await
}

async fn statistics_page(State(state): State<AppState>, viewer: Viewer) -> Response {
    match state.app.statistics(viewer.actor()).await {
        Ok(stats) => render(
            &viewer,
            StatusCode::OK,
            "statistics.html",
            context! { stats => Value::from_serialize(&stats) },
        ),
        Err(error) => failure(&viewer, error),
    }
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/redress.css"),
    )
        .into_response()
}

pub fn all(pages: PageRoutes) -> PageRoutes {
    const PUBLIC: Policy = Policy::Public;
    const AUTHENTICATED: Policy = Policy::Authenticated;
    super::victim_edit::pages(pages)
        .add(PUBLIC, &["GET"], "/static/redress.css", get(stylesheet))
        .add(PUBLIC, &["GET", "POST"], "/login", get(login_form).post(login))
        .add(PUBLIC, &["POST"], "/language", post(language))
        .add(AUTHENTICATED, &["POST"], "/logout", post(logout))
        .add(AUTHENTICATED, &["GET", "POST"], "/password", get(password_form).post(change_password))
        .add(AUTHENTICATED, &["GET"], "/", get(dashboard))
        .add(rules::READ_CLAIMS, &["GET"], "/claims", get(claims_list))
        .add(rules::FILE_CLAIMS, &["POST"], "/claims", post(file_claim))
        .add(rules::FILE_CLAIMS, &["GET"], "/claims/new", get(claim_form))
        .add(rules::READ_CLAIMS, &["GET"], "/claims/{id}", get(claim_page))
        .add(rules::DECIDE_CLAIMS, &["POST"], "/claims/{id}/decision", post(decide))
        .add(rules::REGISTER_VICTIMS, &["GET"], "/victims/new", get(victim_form))
        .add(rules::REGISTER_VICTIMS, &["POST"], "/victims", post(register_victim))
        .add(rules::READ_VICTIMS, &["GET"], "/victims/{code}", get(victim_page))
        .add(rules::FILE_CLAIMS, &["POST"], "/victims/{code}/verification", post(verify_victim))
        .add(
            rules::DECIDE_CLAIMS,
            &["GET", "POST"],
            "/allocation",
            get(allocation_preview).post(allocation_commit),
        )
        .add(rules::READ_PAYMENTS, &["GET"], "/rounds/{id}", get(round_page))
        .add(rules::READ_PAYMENTS, &["GET"], "/batches", get(batches_page))
        .add(rules::DECIDE_CLAIMS, &["POST"], "/batches", post(propose_batch))
        .add(rules::READ_PAYMENTS, &["GET"], "/batches/{id}", get(batch_page))
        .add(rules::APPROVE_PAYMENTS, &["POST"], "/batches/{id}/approve", post(approve_batch))
        .add(rules::MANAGE_CASES, &["GET"], "/cases/new", get(case_form))
        .add(rules::READ_CASES, &["GET"], "/cases/find", get(find_case))
        .add(rules::MANAGE_CASES, &["POST"], "/cases", post(open_case))
        .add(rules::READ_CASES, &["GET"], "/cases/{id}", get(case_page))
        .add(rules::MANAGE_CASES, &["POST"], "/cases/{id}/stage", post(case_stage))
        .add(rules::MANAGE_CASES, &["POST"], "/cases/{id}/defendants", post(case_defendant))
        .add(rules::MANAGE_CASES, &["POST"], "/cases/{id}/victims", post(case_victim))
        .add(
            rules::RECORD_JUDGMENTS,
            &["GET", "POST"],
            "/cases/{id}/judgment",
            get(judgment_form).post(record_judgment),
        )
        .add(rules::READ_ORDERS, &["GET"], "/judgments/{id}", get(judgment_page))
        .add(rules::RECORD_JUDGMENTS, &["POST"], "/judgments/{id}/finality", post(judgment_final))
        .add(rules::RECORD_JUDGMENTS, &["POST"], "/orders/{id}/payments", post(order_payment))
        .add(rules::RECORD_JUDGMENTS, &["POST"], "/orders/{id}/insolvency", post(order_insolvency))
        .add(rules::READ_LEDGER, &["GET"], "/ledger", get(ledger_page))
        .add(rules::READ_LEDGER, &["GET"], "/ledger/statement", get(statement_page))
        .add(rules::READ_AUDIT_TRAIL, &["GET"], "/audit", get(audit_page))
        .add(rules::ADMINISTER_USERS, &["GET", "POST"], "/admin/users", get(users_page).post(create_user))
        .add(rules::APPROVE_PAYMENTS, &["POST"], "/batches/{id}/report", post(batch_report))
        .add(rules::APPROVE_PAYMENTS, &["POST"], "/batches/{id}/results", post(batch_manual))
        .add(rules::MANAGE_ASSETS, &["POST"], "/assets/{id}/valuations", post(asset_valuation))
        .add(rules::MANAGE_ASSETS, &["POST"], "/assets/{id}/leases", post(asset_lease))
        .add(rules::MANAGE_ASSETS, &["POST"], "/assets/{id}/rent", post(asset_rent))
        .add(rules::MANAGE_ASSETS, &["POST"], "/assets/{id}/custody", post(asset_custody))
        .add(rules::READ_VICTIMS, &["GET"], "/victims/find", get(find_victim))
        .add(rules::REGISTER_VICTIMS, &["POST"], "/victims/{code}/consent-withdrawal", post(withdraw_consent))
        .add(rules::FILE_CLAIMS, &["POST"], "/claims/{id}/withdrawal", post(withdraw_claim))
        .add(rules::DECIDE_CLAIMS, &["POST"], "/orders/{id}/recoveries", post(record_recovery))
        .add(rules::WRITE_LEDGER, &["POST"], "/ledger/transfers", post(ledger_transfer))
        .add(rules::REGISTER_VICTIMS, &["POST"], "/victims/{code}/referrals", post(refer_victim))
        .add(rules::ADMINISTER_USERS, &["POST"], "/admin/institutions", post(create_institution))
        .add(AUTHENTICATED, &["GET"], "/policy", get(policy_page))
        .add(rules::MANAGE_POLICY, &["POST"], "/policy", post(publish_policy))
        .add(rules::READ_STATISTICS, &["GET"], "/statistics", get(statistics_page))
        .add(rules::READ_ASSETS, &["GET"], "/assets", get(assets_page))
        .add(rules::MANAGE_ASSETS, &["POST"], "/assets", post(register_asset))
        .add(rules::MANAGE_ASSETS, &["GET"], "/assets/new", get(asset_form))
        .add(rules::READ_ASSETS, &["GET"], "/assets/{id}", get(asset_page))
        .add(rules::MANAGE_ASSETS, &["POST"], "/assets/{id}/moves", post(move_asset))
}
