//! What people type into the forms, read in the forms the pages show (see [`super::format`]):
//! money as `S/ 1,234.50`, `1,234.50`, `1234.5` or `1234`; dates as `28/11/2026` or
//! `2026-11-28`. The result is the API's form (`1234.50`, `2026-11-28`) for the use case,
//! which checks the rest (scale of the currency, ranges) and names the field in its error.
//!
//! An input that could mean two things is refused rather than guessed: `1.234,50` (Spain's
//! convention) or `1,5` (a decimal comma) in es-PE, where `.` is the decimal separator.

/// Why a typed value was not read; the page shows the message `input-<code>` with the form
/// expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputError {
    Money,
    Date,
}

impl InputError {
    /// The message key of the refusal (`input-money`, `input-date`).
    pub fn key(self) -> &'static str {
        match self {
            InputError::Money => "input-money",
            InputError::Date => "input-date",
        }
    }
}

/// `S/ 1,234.50` → `1234.50`; an empty text stays empty (the use case decides if it is needed).
pub fn money(text: &str) -> Result<String, InputError> {
    let text = text.trim().replace('\u{a0}', " ");
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest.trim_start()),
        None => ("", text.as_str()),
    };
    let symbol = ["S/.", "S/", "PEN"].iter().find_map(|symbol| rest.strip_prefix(symbol));
    let marked = !sign.is_empty() || symbol.is_some();
    let rest = symbol.unwrap_or(rest).trim_start();
    if rest.is_empty() {
        return if marked { Err(InputError::Money) } else { Ok(String::new()) };
    }
    let (whole, fraction) = rest.split_once('.').unwrap_or((rest, ""));
    if rest.contains('.') && (fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit())) {
        return Err(InputError::Money);
    }
    let digits = ungrouped(whole).ok_or(InputError::Money)?;
    let point = if rest.contains('.') { "." } else { "" };
    Ok(format!("{sign}{digits}{point}{fraction}"))
}

/// `1,234,567` → `1234567`: digits, with commas only between whole groups of three.
fn ungrouped(whole: &str) -> Option<String> {
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return None;
    }
    if whole.contains(',') {
        let groups: Vec<&str> = whole.split(',').collect();
        let first_ok = (1..=3).contains(&groups[0].len());
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return None;
        }
    }
    Some(whole.replace(',', ""))
}

/// `28/11/2026` or `2026-11-28` → `2026-11-28`; an empty text stays empty. Only the shape is
/// read here: the use case checks that the day exists.
pub fn date(text: &str) -> Result<String, InputError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    let numeric =
        |part: &str, sizes: &[usize]| sizes.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = text.split('-').collect();
    if let [y, m, d] = parts.as_slice() {
        if numeric(y, &[4]) && numeric(m, &[2]) && numeric(d, &[2]) {
            return Ok(text.to_string());
        }
    }
    let parts: Vec<&str> = text.split('/').collect();
    if let [d, m, y] = parts.as_slice() {
        if numeric(d, &[1, 2]) && numeric(m, &[1, 2]) && numeric(y, &[4]) {
            return Ok(format!("{y}-{m:0>2}-{d:0>2}"));
        }
    }
    Err(InputError::Date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_read_in_every_form_the_pages_show() {
        for typed in ["S/ 1,234.50", "1234.50", "1,234.50", "S/1234.50", "PEN 1,234.50", "S/\u{a0}1,234.50"] {
            assert_eq!(money(typed), Ok("1234.50".to_string()), "{typed}");
        }
        assert_eq!(money("1234.5"), Ok("1234.5".to_string()));
        assert_eq!(money("1250"), Ok("1250".to_string()));
        assert_eq!(money("1,250"), Ok("1250".to_string()));
        assert_eq!(money(" -S/ 5.00 "), Ok("-5.00".to_string()));
        assert_eq!(money(""), Ok(String::new()));
    }

    #[test]
    fn ambiguous_money_is_refused() {
        for typed in ["1.234,50", "1,5", "12,34.50", "1,2345", "abc", "S/", "1.", "1.2.3", ",100", "-"] {
            assert_eq!(money(typed), Err(InputError::Money), "{typed}");
        }
    }

    #[test]
    fn dates_are_read_day_first_or_iso() {
        assert_eq!(date("28/11/2026"), Ok("2026-11-28".to_string()));
        assert_eq!(date("5/1/2026"), Ok("2026-01-05".to_string()));
        assert_eq!(date("2026-11-28"), Ok("2026-11-28".to_string()));
        assert_eq!(date(""), Ok(String::new()));
        for typed in ["11-28-2026", "28.11.2026", "28/11/26", "tomorrow", "2026/11/28"] {
            assert_eq!(date(typed), Err(InputError::Date), "{typed}");
        }
    }
}
