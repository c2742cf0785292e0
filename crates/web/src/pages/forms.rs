//! What every page module shares: the submitted form, the page for a use case's error (with
//! the status chosen by [`crate::problem::status_of`], as for the API), a form shown again
//! with its errors, and the one-time notices after a redirect.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use redress_app::AppError;
use redress_domain::FieldErrors;

use super::render::{render, render_error, render_problem};
use super::Viewer;
use crate::i18n::{self, codes, Locale};
use crate::problem::{log_server_side, status_of};

/// The fields of a submitted form (repeated names kept, for checkboxes).
pub(super) struct Fields(pub(super) Vec<(String, String)>);

impl Fields {
    pub(super) fn parse(body: &Bytes) -> Fields {
        Fields(form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    /// The field's value, trimmed; money and dates typed as the pages show them are read into
    /// the API's form (`S/ 1,250.50` → `1250.50`, `28/11/2026` → `2026-11-28`). A value that
    /// cannot be read is passed on as typed, for the use case to refuse next to its field.
    pub(super) fn get(&self, name: &str) -> String {
        let typed =
            self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
        let read = match kind_of(name) {
            Some(Typed::Money) => i18n::input::money(&typed),
            Some(Typed::Date) => i18n::input::date(&typed),
            None => return typed,
        };
        read.unwrap_or(typed)
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
            if k == "needs" || k == "convicted" {
                continue;
            }
            // A date typed day first is shown back in the form a date input takes (ISO); money
            // and everything else exactly as typed.
            let shown = match kind_of(k) {
                Some(Typed::Date) => i18n::input::date(v).unwrap_or_else(|_| v.clone()),
                _ => v.clone(),
            };
            map.insert(k.clone(), Value::from(shown));
        }
        // (fields that repeat, such as checkboxes, come back as lists)
        map.insert("needs".into(), Value::from(self.all("needs")));
        map.insert("convicted".into(), Value::from(self.all("convicted")));
        Value::from(map)
    }
}

enum Typed {
    Money,
    Date,
}

/// Which form fields hold money or a date, by their names (the same names in every form).
fn kind_of(name: &str) -> Option<Typed> {
    const MONEY: &[&str] = &[
        "amount",
        "estimated_value",
        "costs",
        "monthly_rent",
        "reserve",
        "minimum_line",
        "advance_cap",
        "claim_cap",
    ];
    if MONEY.contains(&name) || name.starts_with("amount:") {
        Some(Typed::Money)
    } else if name == "date" || name.ends_with("_on") || name.ends_with("_date") || name == "payment_deadline"
    {
        Some(Typed::Date)
    } else {
        None
    }
}

/// Every field error on one line (`Label: reason; …`) in the viewer's language, for a problem
/// box: the field named by its label, not its API path.
pub(super) fn joined(locale: Locale, errors: &FieldErrors) -> String {
    errors
        .0
        .iter()
        .map(|e| format!("{}: {}", codes::field_label(locale, &e.field), codes::reason(locale, &e.reason)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Field errors by field name (the form's own names), their reasons in the viewer's language.
pub(super) fn field_errors(locale: Locale, error: &AppError) -> Option<BTreeMap<String, String>> {
    match error {
        AppError::Invalid(errors) => {
            Some(errors.0.iter().map(|e| (e.field.clone(), codes::reason(locale, &e.reason))).collect())
        }
        _ => None,
    }
}

/// The error page for a use case's error, with the same status the API answers.
pub(super) fn failure(viewer: &Viewer, error: AppError) -> Response {
    log_server_side(&error);
    let status = status_of(&error);
    match error {
        AppError::Unauthenticated => Redirect::to("/login").into_response(),
        AppError::Forbidden => render_error(viewer, status, "forbidden-title", Some("forbidden-text")),
        AppError::Refused(field) => {
            render_problem(viewer, status, "forbidden-title", &codes::reason(viewer.locale, &field.reason))
        }
        AppError::NotFound(what) => {
            render_problem(viewer, status, "not-found-title", &codes::reason(viewer.locale, &what))
        }
        AppError::Conflict(field) => {
            render_problem(viewer, status, "conflict-title", &codes::reason(viewer.locale, &field.reason))
        }
        AppError::Invalid(errors) => {
            render_problem(viewer, status, "error-title", &joined(viewer.locale, &errors))
        }
        AppError::RateLimited { retry_after_seconds } => {
            let text = i18n::translate(
                viewer.locale,
                "login-limited",
                &[("seconds", retry_after_seconds.to_string())],
            );
            let mut response = render_problem(viewer, status, "rate-limited-title", &text);
            if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        AppError::Unavailable(_) => {
            render_error(viewer, status, "unavailable-title", Some("unavailable-text"))
        }
        AppError::Internal(_) => render_error(viewer, status, "error-title", None),
    }
}

/// How a form answers a refusal it can show in place: field errors next to their fields, a
/// conflict as the problem line. Any other error is not a refusal (`Err`: the error page).
pub(super) struct Refusal {
    pub(super) status: StatusCode,
    errors: Option<BTreeMap<String, String>>,
    problem: Option<String>,
    /// The field a conflict names (`confirm_duplicate`: the form asks for a confirmation).
    conflict: Option<String>,
    /// Every field error on one line, for forms without a place per field.
    line: Option<String>,
}

impl Refusal {
    pub(super) fn of(locale: Locale, error: AppError) -> Result<Refusal, AppError> {
        let status = status_of(&error);
        match error {
            AppError::Invalid(ref invalid) => Ok(Refusal {
                status,
                errors: field_errors(locale, &error),
                problem: None,
                conflict: None,
                line: Some(joined(locale, invalid)),
            }),
            AppError::Conflict(field) => Ok(Refusal {
                status,
                errors: None,
                problem: Some(codes::reason(locale, &field.reason)),
                conflict: Some(field.field),
                line: None,
            }),
            other => Err(other),
        }
    }

    /// `errors` by field and the conflict's `problem`, for the template.
    pub(super) fn values(&self) -> Value {
        context! { errors => self.errors, problem => self.problem, conflict => self.conflict }
    }

    /// Everything on the `problem` line.
    pub(super) fn as_line(&self) -> Value {
        context! { problem => self.problem.clone().or_else(|| self.line.clone()) }
    }

    /// The field errors, and everything on the `problem` line too.
    pub(super) fn values_and_line(&self) -> Value {
        context! { errors => self.errors, problem => self.problem.clone().or_else(|| self.line.clone()) }
    }

    /// The field errors by name (a form adding its own before the use case runs).
    pub(super) fn errors(&self) -> BTreeMap<String, String> {
        self.errors.clone().unwrap_or_default()
    }
}

/// Re-renders a page's form after a refusal, or the error page.
pub(super) fn form_error(
    viewer: &Viewer,
    template: &str,
    error: AppError,
    values: Value,
    form: &Fields,
) -> Response {
    let refusal = match Refusal::of(viewer.locale, error) {
        Ok(refusal) => refusal,
        Err(error) => return failure(viewer, error),
    };
    render(
        viewer,
        refusal.status,
        template,
        context! { ..values, ..refusal.values(), ..context! { form => form.value() } },
    )
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
        "fund-saved",
        "user-deactivated",
        "user-reactivated",
        "user-unlocked",
        "user-roles-changed",
        "user-institution-changed",
        "alert-recorded",
        "alert-updated",
    ];
    if !allowed.contains(&key.as_str()) {
        return None;
    }
    let args: Vec<(&str, String)> =
        ["id", "code"].iter().filter_map(|name| query.get(*name).map(|v| (*name, v.clone()))).collect();
    Some(i18n::translate(viewer.locale, key, &args))
}

/// A local path to go back to, never another site.
pub(super) fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

pub fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_dates_are_read_as_typed_and_shown_back_as_typed() {
        let body = Bytes::from_static(
            b"amount=S%2F+1%2C250.50&amount%3AV-2026-000001%3Amoral_damage=3%2C000&claim_cap=1.234%2C50\
              &judged_on=02%2F02%2F2026&birth_date=1990-04-12&name=Ana+1%2C5",
        );
        let fields = Fields::parse(&body);
        assert_eq!(fields.get("amount"), "1250.50");
        assert_eq!(fields.get("amount:V-2026-000001:moral_damage"), "3000");
        assert_eq!(fields.get("claim_cap"), "1.234,50", "refused as typed, for the use case to name");
        assert_eq!(fields.get("judged_on"), "2026-02-02");
        assert_eq!(fields.get("birth_date"), "1990-04-12");
        assert_eq!(fields.get("name"), "Ana 1,5", "other fields as typed");
        let shown = fields.value();
        assert_eq!(shown.get_attr("amount").unwrap().to_string(), "S/ 1,250.50");
        assert_eq!(shown.get_attr("judged_on").unwrap().to_string(), "2026-02-02");
    }
}
