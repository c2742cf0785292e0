//! What the list pages share: days typed in a filter as instants in the fund's time zone, the
//! filters kept in the next page's link, filters read with their errors, the page itself.

use std::collections::{BTreeMap, HashMap};

use axum::http::StatusCode;
use axum::response::Response;
use minijinja::{context, Value};
use redress_app::AppError;
use redress_domain::Timestamp;
use time::{Date, Duration};

use super::forms::{failure, urlencode};
use super::render::render;
use super::Viewer;
use crate::i18n::{self, input, Locale};

/// The instant a day starts in the fund's time zone (`fund.time_zone`, America/Lima by
/// default), `days` days after the typed one (`28/11/2026` or ISO); `None` for an empty field,
/// `Err` when it is not a date.
pub(super) fn lima_day(text: &str, days: i64) -> Result<Option<Timestamp>, ()> {
    let iso = input::date(text).map_err(|_| ())?;
    if iso.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = Date::parse(&iso, &format).map_err(|_| ())?;
    let shifted = day.checked_add(Duration::days(days)).ok_or(())?;
    let start = i18n::format::day_start_micros(&shifted.to_string()).ok_or(())?;
    Ok(Some(Timestamp::from_unix_micros(start)))
}

/// A date range from the `from` and `to` fields (both days included): the instants, the
/// values as typed (ISO when they read), and an error next to each field that is not a date.
pub(super) struct DayRange {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub errors: BTreeMap<String, String>,
}

pub(super) fn day_range(locale: Locale, query: &HashMap<String, String>) -> DayRange {
    let mut errors = BTreeMap::new();
    let mut read = |field: &str, days: i64| {
        let text = query.get(field).map(String::as_str).unwrap_or("");
        match lima_day(text, days) {
            Ok(instant) => instant,
            Err(()) => {
                errors.insert(field.to_string(), i18n::translate(locale, input::InputError::Date.key(), &[]));
                None
            }
        }
    };
    let from = read("from", 0);
    let to = read("to", 1);
    DayRange { from, to, errors }
}

/// The filter fields, as typed, for the form and the next page's link.
pub(super) fn kept(query: &HashMap<String, String>, fields: &[&str]) -> (BTreeMap<String, String>, String) {
    let mut values = BTreeMap::new();
    let mut link = String::new();
    for field in fields {
        if let Some(value) = query.get(*field).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            values.insert(field.to_string(), value.to_string());
            link.push_str(&format!("&{field}={}", urlencode(value)));
        }
    }
    (values, link)
}

/// A filter's text, trimmed, when not empty.
pub(super) fn text(query: &HashMap<String, String>, field: &str) -> Option<String> {
    query.get(field).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// A filter's value read by `parse`, or its error (in the reader's language) next to the
/// field in `errors`; `None` when the field is empty or wrong.
pub(super) fn parsed<T>(
    locale: Locale,
    query: &HashMap<String, String>,
    field: &str,
    errors: &mut BTreeMap<String, String>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<T> {
    let value = text(query, field)?;
    match parse(&value) {
        Ok(value) => Some(value),
        Err(reason) => {
            errors.insert(field.to_string(), crate::i18n::codes::reason(locale, &reason));
            None
        }
    }
}

/// A record's number typed in a filter.
pub(super) fn number(text: &str) -> Result<i64, String> {
    text.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| "must be a number".to_string())
}

/// The `after` of the next page: the last row's id when the page is full.
pub(super) fn next_after(
    ids: impl DoubleEndedIterator<Item = i64> + ExactSizeIterator,
    limit: i64,
) -> Option<i64> {
    let full = ids.len() as i64 == limit;
    ids.last().filter(|_| full)
}

/// The rows a list page shows for each page.
pub(super) const LIST_LIMIT: i64 = 50;

/// A list page: the rows, the filters as typed, the next page's link, an error next to each
/// filter that does not read (422, no rows).
pub(super) fn list_page(
    viewer: &Viewer,
    template: &str,
    rows: Result<Value, AppError>,
    errors: BTreeMap<String, String>,
    values: Value,
) -> Response {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    match rows {
        Ok(rows) => render(
            viewer,
            status,
            template,
            context! { ..values, ..context! { rows => rows, errors => errors } },
        ),
        Err(error) => failure(viewer, error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_starts_at_five_in_the_morning_utc() {
        let start = lima_day("28/11/2026", 0).unwrap().unwrap();
        assert_eq!(start.to_rfc3339(), "2026-11-28T05:00:00Z");
        let end = lima_day("2026-11-28", 1).unwrap().unwrap();
        assert_eq!(end.to_rfc3339(), "2026-11-29T05:00:00Z");
        assert_eq!(lima_day("", 0), Ok(None));
        assert!(lima_day("1.2.2026", 0).is_err() && lima_day("31/02/2026", 0).is_err());
    }
}
