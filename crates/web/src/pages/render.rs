//! Templates (minijinja, compiled into the binary) and the helpers every page uses: `t` for
//! messages; `money`, `number`, `percent`, `date` and `month` filters in the viewer's language
//! (one formatter each, in [`crate::i18n::format`]); `code(group)`, `bank` and `category`
//! filters and the `condition` function for codes and reasons ([`crate::i18n::codes`]).

use std::sync::OnceLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::value::Kwargs;
use minijinja::{context, Environment, Error, State, Value};
use redress_domain::policy::rules;
use redress_domain::Role;

use super::Viewer;
use crate::i18n::{self, Locale};

/// The templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../../templates/layout.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("dashboard.html", include_str!("../../templates/dashboard.html")),
    ("case_rows.html", include_str!("../../templates/case_rows.html")),
    ("cases.html", include_str!("../../templates/cases.html")),
    ("alerts.html", include_str!("../../templates/alerts.html")),
    ("alert.html", include_str!("../../templates/alert.html")),
    ("alert_new.html", include_str!("../../templates/alert_new.html")),
    ("claims.html", include_str!("../../templates/claims.html")),
    ("claim.html", include_str!("../../templates/claim.html")),
    ("claim_new.html", include_str!("../../templates/claim_new.html")),
    ("victim_new.html", include_str!("../../templates/victim_new.html")),
    ("victim.html", include_str!("../../templates/victim.html")),
    ("consent_withdrawal.html", include_str!("../../templates/consent_withdrawal.html")),
    ("victim_edit.html", include_str!("../../templates/victim_edit.html")),
    ("round.html", include_str!("../../templates/round.html")),
    ("batches.html", include_str!("../../templates/batches.html")),
    ("batch.html", include_str!("../../templates/batch.html")),
    ("bank_results.html", include_str!("../../templates/bank_results.html")),
    ("password.html", include_str!("../../templates/password.html")),
    ("assets.html", include_str!("../../templates/assets.html")),
    ("asset.html", include_str!("../../templates/asset.html")),
    ("asset_new.html", include_str!("../../templates/asset_new.html")),
    ("case_new.html", include_str!("../../templates/case_new.html")),
    ("case.html", include_str!("../../templates/case.html")),
    ("judgment_new.html", include_str!("../../templates/judgment_new.html")),
    ("judgment.html", include_str!("../../templates/judgment.html")),
    ("order.html", include_str!("../../templates/order.html")),
    ("judgments.html", include_str!("../../templates/judgments.html")),
    ("orders.html", include_str!("../../templates/orders.html")),
    ("rounds.html", include_str!("../../templates/rounds.html")),
    ("ledger.html", include_str!("../../templates/ledger.html")),
    ("statement.html", include_str!("../../templates/statement.html")),
    ("audit.html", include_str!("../../templates/audit.html")),
    ("users.html", include_str!("../../templates/users.html")),
    ("policy.html", include_str!("../../templates/policy.html")),
    ("statistics.html", include_str!("../../templates/statistics.html")),
    ("receipt.html", include_str!("../../templates/receipt.html")),
    ("public.html", include_str!("../../templates/public.html")),
    ("fund.html", include_str!("../../templates/fund.html")),
    ("readiness.html", include_str!("../../templates/readiness.html")),
    ("setup.html", include_str!("../../templates/setup.html")),
    ("user.html", include_str!("../../templates/user.html")),
];

fn locale_of(state: &State) -> Locale {
    state.lookup("locale").and_then(|v| v.as_str().and_then(Locale::parse)).unwrap_or_default()
}

fn t(state: &State, key: &str, kwargs: Kwargs) -> Result<String, Error> {
    let mut args = Vec::new();
    for name in kwargs.args() {
        let value: Value = kwargs.get(name)?;
        args.push((name, value.to_string()));
    }
    Ok(i18n::translate(locale_of(state), key, &args))
}

fn money(state: &State, value: Value, currency: Option<&str>) -> String {
    if value.is_none() || value.is_undefined() {
        return "—".to_string();
    }
    i18n::money(locale_of(state), &value.to_string(), currency.unwrap_or("PEN"))
}

fn number(state: &State, value: Value) -> String {
    i18n::number(locale_of(state), &value.to_string())
}

fn date(state: &State, value: Value) -> String {
    if value.is_none() || value.is_undefined() {
        return "—".to_string();
    }
    i18n::date(locale_of(state), &value.to_string())
}

fn datetime(state: &State, value: Value) -> String {
    if value.is_none() || value.is_undefined() {
        return "—".to_string();
    }
    i18n::format::datetime(locale_of(state), &value.to_string())
}

fn percent(state: &State, value: Value) -> String {
    i18n::format::percent(locale_of(state), &value.to_string())
}

fn month(state: &State, value: Value) -> String {
    i18n::format::month(locale_of(state), &value.to_string())
}

/// `{{ r|code("role") }}`: a code of a domain enum as its word.
fn code(state: &State, value: Value, group: &str) -> String {
    if value.is_none() || value.is_undefined() {
        return String::new();
    }
    i18n::codes::code(locale_of(state), group, &value.to_string())
}

/// `{{ line.reason|bank }}`: a bank's status and reason codes as words.
fn bank(state: &State, value: Value) -> String {
    if value.is_none() || value.is_undefined() {
        return String::new();
    }
    i18n::codes::bank_reason(locale_of(state), &value.to_string())
}

/// `{{ round_line(l) }}`: an allocation line's rule in the viewer's language.
fn round_line(state: &State, line: Value) -> Result<String, Error> {
    let rule = line.get_attr("rule")?.to_string();
    let tier = u8::try_from(line.get_attr("tier")?).unwrap_or(0);
    let share = line.get_attr("share_basis_points")?;
    let share = if share.is_none() || share.is_undefined() { None } else { u32::try_from(share).ok() };
    let sentence = line.get_attr("explanation")?.to_string();
    Ok(i18n::codes::round_rule(locale_of(state), &rule, tier, share, &sentence))
}

/// `{{ a.name|account }}`: a ledger account in words.
fn account(state: &State, value: Value) -> String {
    i18n::codes::account(locale_of(state), &value.to_string())
}

/// `{{ h.note|note(claim.currency) }}`: a note of a claim's history as words.
fn note(state: &State, value: Value, currency: Option<&str>) -> String {
    if value.is_none() || value.is_undefined() {
        return String::new();
    }
    i18n::codes::note(locale_of(state), &value.to_string(), currency.unwrap_or("PEN"))
}

/// `{{ c.category|category(table.dimension) }}`: a statistics category as its word.
fn category(state: &State, value: Value, dimension: &str) -> String {
    i18n::codes::category(locale_of(state), dimension, &value.to_string())
}

/// `{{ condition(c) }}`: an eligibility condition (`condition`, `met`, `variant`, `args`,
/// `detail`) in the viewer's language.
fn condition(state: &State, c: Value) -> Result<String, Error> {
    let text = |name: &str| -> Result<Option<String>, Error> {
        let value = c.get_attr(name)?;
        Ok((!value.is_none() && !value.is_undefined()).then(|| value.to_string()))
    };
    let mut args = std::collections::BTreeMap::new();
    let values = c.get_attr("args")?;
    if let Ok(keys) = values.try_iter() {
        for key in keys {
            let value = values.get_item(&key)?;
            args.insert(key.to_string(), value.to_string());
        }
    }
    Ok(i18n::codes::condition(
        locale_of(state),
        &text("condition")?.unwrap_or_default(),
        c.get_attr("met")?.is_true(),
        text("variant")?.as_deref(),
        &args,
        &text("detail")?.unwrap_or_default(),
    ))
}

fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        for (name, source) in TEMPLATES {
            env.add_template(name, source).unwrap_or_else(|e| panic!("template {name}: {e}"));
        }
        env.add_function("t", t);
        env.add_filter("money", money);
        env.add_filter("number", number);
        env.add_filter("date", date);
        env.add_filter("percent", percent);
        env.add_filter("datetime", datetime);
        env.add_filter("month", month);
        env.add_filter("code", code);
        env.add_filter("bank", bank);
        env.add_filter("category", category);
        env.add_filter("note", note);
        env.add_filter("account", account);
        env.add_function("condition", condition);
        env.add_function("round_line", round_line);
        env
    })
}

/// The context every page gets: language, the user and what their roles may do (for the menu).
fn base(viewer: &Viewer) -> Value {
    let roles: Vec<&str> =
        viewer.actor.as_ref().map(|a| a.roles.iter().map(|r| r.as_str()).collect()).unwrap_or_default();
    let has = |role: Role| viewer.actor.as_ref().is_some_and(|a| a.has_role(role));
    let roles_held = viewer.actor.as_ref().map(|a| a.roles.clone()).unwrap_or_default();
    let languages: Vec<Value> = Locale::ALL
        .iter()
        .map(|l| context! { code => l.code(), name => l.native_name(), current => *l == viewer.locale })
        .collect();
    context! {
        locale => viewer.locale.code(),
        languages => languages,
        user => viewer.actor.as_ref().map(|a| a.username.clone()),
        roles => roles,
        csrf => viewer.csrf.clone(),
        path => if viewer.path.starts_with("/language") { "/".to_string() } else { viewer.path.clone() },
        can => context! {
            file_claims => has(Role::VictimServices),
            read_claims => has(Role::VictimServices) || has(Role::FundOfficer) || has(Role::Treasurer) || has(Role::Auditor),
            allocate => has(Role::FundOfficer),
            payments => has(Role::FundOfficer) || has(Role::Treasurer) || has(Role::Auditor),
            assets => has(Role::AssetManager) || has(Role::FundOfficer) || has(Role::Auditor) || has(Role::Prosecutor),
            // (victim services read a case through its victims, not from the list)
            cases => has(Role::Prosecutor) || has(Role::CourtClerk) || has(Role::FundOfficer) || has(Role::Auditor),
            orders => rules::READ_ORDERS.allows(&roles_held),
            alerts => viewer.actor.as_ref().is_some_and(|a| redress_domain::policy::rules::READ_ALERTS.allows(&a.roles)),
            ledger => has(Role::FundOfficer) || has(Role::Treasurer) || has(Role::Auditor),
            audit => has(Role::Auditor),
            admin => has(Role::Admin),
            statistics => has(Role::Analyst) || has(Role::Auditor) || has(Role::FundOfficer) || has(Role::VictimServices),
        },
    }
}

/// Renders `template` with the page's own `values` merged over the common context.
pub fn render(viewer: &Viewer, status: StatusCode, template: &str, values: Value) -> Response {
    let result = environment()
        .get_template(template)
        .and_then(|tmpl| tmpl.render(context! { ..values, ..base(viewer) }));
    match result {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, template, "page rendering failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!DOCTYPE html><title>Error</title><p>Error</p>".to_string()),
            )
                .into_response()
        }
    }
}

/// A page for anyone, rendered to text for the public cache: the layout of an anonymous viewer
/// (no user, no CSRF token, whatever the request's session), so a cached copy is the same for
/// everyone who reads it in `locale`.
pub fn render_anonymous(locale: Locale, path: &str, template: &str, values: Value) -> Result<String, String> {
    let viewer = Viewer { locale, actor: None, csrf: None, session: None, path: path.to_string() };
    environment()
        .get_template(template)
        .and_then(|tmpl| tmpl.render(context! { ..values, ..base(&viewer) }))
        .map_err(|error| {
            tracing::error!(%error, template, "page rendering failed");
            error.to_string()
        })
}

/// A standalone printable document (no menu, no session): a receipt.
pub fn render_document(locale: Locale, template: &str, values: Value) -> Response {
    let result = environment()
        .get_template(template)
        .and_then(|tmpl| tmpl.render(context! { ..values, ..context! { locale => locale.code() } }));
    match result {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, template, "document rendering failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// An error page: a title message key and an optional text key or literal detail.
pub fn render_error(
    viewer: &Viewer,
    status: StatusCode,
    title_key: &str,
    text_key: Option<&str>,
) -> Response {
    render(viewer, status, "error.html", context! { title_key => title_key, text_key => text_key })
}

/// An error page with a literal detail (a problem from the use case).
pub fn render_problem(viewer: &Viewer, status: StatusCode, title_key: &str, detail: &str) -> Response {
    render(viewer, status, "error.html", context! { title_key => title_key, detail => detail })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t("key")` in a template exists in every language.
    #[test]
    fn every_message_used_by_a_template_exists_in_both_languages() {
        let mut missing = Vec::new();
        for (name, source) in TEMPLATES {
            for part in source.split("t(\"").skip(1) {
                let key = part.split('"').next().unwrap_or("");
                if key.ends_with('-') {
                    continue; // a prefix completed at run time (`"state-" ~ claim.state`)
                }
                for locale in Locale::ALL {
                    if !i18n::has_message(locale, key) {
                        missing.push(format!("{name}: {key} ({})", locale.code()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing messages: {missing:?}");
    }

    #[test]
    fn every_template_compiles() {
        let env = environment();
        for (name, _) in TEMPLATES {
            assert!(env.get_template(name).is_ok(), "{name}");
        }
    }
}
