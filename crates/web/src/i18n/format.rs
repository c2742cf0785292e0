//! Numbers, money, percentages and dates as the reader's locale writes them, by the CLDR
//! patterns of the two interface languages (CLDR 46, `common/main/es_PE.xml` and `en.xml`).
//!
//! Why hand-written and not ICU4X: the pages need four patterns for two locales, all of them
//! fixed; `icu_decimal` with its data would add a compile-time cost on every build for the
//! same output. The patterns are quoted here so a reviewer can check them against CLDR, and the
//! tests pin every one. A third language adds its row in each `match` (see docs/web.md).
//!
//! | what      | es-PE (CLDR)              | here           | en (CLDR)        | here            |
//! |-----------|---------------------------|----------------|------------------|-----------------|
//! | decimal   | `#,##0.###`, `.` and `,`  | `1,234.5`      | `#,##0.###`      | `1,234.5`       |
//! | currency  | `¤ #,##0.00`, PEN = `S/`  | `S/ 1,234.50`  | `¤#,##0.00`, PEN = `PEN` (letters: spaced) | `PEN 1,234.50` |
//! | percent   | `#,##0 %`                 | `12.5 %`       | `#,##0%`         | `12.5%`         |
//! | date      | `dd/MM/y` (yMd)           | `28/11/2026`   | `MMM d, y` (medium) | `Nov 28, 2026` |
//! | time      | `dd/MM/y HH:mm`           | `01/12/2026 09:50` | `MMM d, y, h:mm a` | `Dec 1, 2026, 9:50 AM` |
//! | month     | `MMM y`, `dic.`, `set.`   | `dic. 2025`    | `MMM y`          | `Dec 2025`      |
//!
//! Spanish in CLDR groups only from five digits (`minimumGroupingDigits` 2), but Latin American
//! Spanish (`es_419`, parent of `es_PE`) sets it back to 1: `1,234`. CLDR puts a no-break space
//! in `¤ #,##0.00` and `#,##0 %`; the pages write a plain space so an amount copied from a
//! page pastes back into a form field as it is (the input side accepts both).

use super::Locale;

/// The currency's symbol in `locale`: es-PE writes the region's own signs (`S/`, `US$`), the
/// English interface the ISO code (CLDR `en` has no narrow symbol for PEN).
pub fn currency_symbol(locale: Locale, code: &str) -> &str {
    match locale {
        Locale::Es => match code {
            "PEN" => "S/",
            "USD" => "US$",
            "COP" => "COL$",
            "BRL" => "R$",
            "DOP" => "RD$",
            "TTD" => "TT$",
            "EUR" => "€",
            other => other,
        },
        Locale::En => code,
    }
}

/// A decimal string such as `-1250.50` written the locale's way: `-1,250.50` in both
/// interface languages (es-PE and en share `.` for decimals and `,` for thousands). Text that
/// is not a decimal number is returned as it is.
pub fn number(_locale: Locale, decimal: &str) -> String {
    let (sign, digits) = decimal.strip_prefix('-').map_or(("", decimal), |rest| ("-", rest));
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let is_number = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit());
    if !is_number {
        return decimal.to_string();
    }
    let mut out = String::with_capacity(decimal.len() + whole.len() / 3 + 1);
    out.push_str(sign);
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// A count: `12,345`.
pub fn count(locale: Locale, value: i64) -> String {
    number(locale, &value.to_string())
}

/// Money from its decimal string: `S/ 1,234.50` (es-PE), `PEN 1,234.50` (en); a negative
/// amount carries its sign before the symbol, as CLDR's implicit negative pattern does.
pub fn money(locale: Locale, decimal: &str, currency: &str) -> String {
    let (sign, digits) = decimal.strip_prefix('-').map_or(("", decimal), |rest| ("-", rest));
    let symbol = currency_symbol(locale, currency);
    let figure = number(locale, digits);
    // CLDR's currency spacing: a symbol ending in a letter is set apart from the digits.
    let spaced = locale == Locale::Es || symbol.chars().last().is_some_and(char::is_alphabetic);
    let space = if spaced { " " } else { "" };
    format!("{sign}{symbol}{space}{figure}")
}

/// A percentage from a decimal string of percent points (`12.5` → `12.5 %` or `12.5%`).
pub fn percent(locale: Locale, points: &str) -> String {
    let figure = number(locale, points);
    match locale {
        Locale::Es => format!("{figure} %"),
        Locale::En => format!("{figure}%"),
    }
}

const MONTHS_ES: [&str; 12] =
    ["ene.", "feb.", "mar.", "abr.", "may.", "jun.", "jul.", "ago.", "set.", "oct.", "nov.", "dic."];
const MONTHS_EN: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn month_name(locale: Locale, month: &str) -> Option<&'static str> {
    let index = month.parse::<usize>().ok().filter(|m| (1..=12).contains(m))? - 1;
    Some(match locale {
        Locale::Es => MONTHS_ES[index],
        Locale::En => MONTHS_EN[index],
    })
}

/// The day of an RFC 3339 instant in the fund's time zone (`YYYY-MM-DD`).
fn local_day(text: &str) -> Option<String> {
    let instant = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    let offset = time::UtcOffset::from_hms(FUND_UTC_OFFSET_HOURS, 0, 0).ok()?;
    Some(instant.to_offset(offset).date().to_string())
}

/// A `YYYY-MM-DD` date (or the fund's day of an RFC 3339 instant): `28/11/2026` (es-PE) or
/// `Nov 28, 2026` (en). Anything else is returned as it is.
pub fn date(locale: Locale, text: &str) -> String {
    let local = if text.len() > 10 { local_day(text) } else { None };
    let day = local.as_deref().unwrap_or_else(|| text.get(..10).unwrap_or(text));
    let parts: Vec<&str> = day.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return text.to_string();
    };
    let valid = y.len() == 4 && m.len() == 2 && d.len() == 2;
    match (locale, month_name(locale, m)) {
        (Locale::Es, Some(_)) if valid => format!("{d}/{m}/{y}"),
        (Locale::En, Some(name)) if valid => format!("{name} {}, {y}", d.trim_start_matches('0')),
        _ => text.to_string(),
    }
}

/// The fund's time zone: America/Lima, UTC−5 all year (Peru has kept no daylight saving time
/// since 1994), so a fixed offset is exact for every date the fund records.
pub const FUND_UTC_OFFSET_HOURS: i8 = -5;

/// An RFC 3339 instant in the fund's time zone, to the minute: `01/12/2026 09:50` (es-PE,
/// CLDR `dd/MM/y HH:mm`) or `Dec 1, 2026, 9:50 AM` (en, `MMM d, y, h:mm a`). Text that is not
/// an instant is returned as it is.
pub fn datetime(locale: Locale, text: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let Ok(instant) = time::OffsetDateTime::parse(text, &Rfc3339) else {
        return text.to_string();
    };
    let Ok(offset) = time::UtcOffset::from_hms(FUND_UTC_OFFSET_HOURS, 0, 0) else {
        return text.to_string();
    };
    let local = instant.to_offset(offset);
    let day = date(locale, &local.date().to_string());
    let (hour, minute) = (local.hour(), local.minute());
    match locale {
        Locale::Es => format!("{day} {hour:02}:{minute:02}"),
        Locale::En => {
            let (twelve, half) = match hour {
                0 => (12, "AM"),
                1..=11 => (hour, "AM"),
                12 => (12, "PM"),
                _ => (hour - 12, "PM"),
            };
            format!("{day}, {twelve}:{minute:02} {half}")
        }
    }
}

/// A `YYYY-MM` month as a chart or table label: `dic. 2025` (es-PE) or `Dec 2025` (en).
pub fn month(locale: Locale, text: &str) -> String {
    match text.split_once('-') {
        Some((year, m)) if year.len() == 4 => {
            month_name(locale, m).map_or_else(|| text.to_string(), |name| format!("{name} {year}"))
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_follows_cldr_for_peru_and_english() {
        assert_eq!(money(Locale::Es, "1234.50", "PEN"), "S/ 1,234.50");
        assert_eq!(money(Locale::Es, "1234567.50", "PEN"), "S/ 1,234,567.50");
        assert_eq!(money(Locale::Es, "-0.05", "PEN"), "-S/ 0.05");
        assert_eq!(money(Locale::Es, "10.00", "USD"), "US$ 10.00");
        assert_eq!(money(Locale::En, "1234.50", "PEN"), "PEN 1,234.50");
        assert_eq!(money(Locale::En, "-250.00", "PEN"), "-PEN 250.00");
        assert_eq!(money(Locale::En, "9.99", "€"), "€9.99");
    }

    #[test]
    fn numbers_counts_and_percentages_are_grouped_by_thousands() {
        assert_eq!(number(Locale::Es, "-1234567.5"), "-1,234,567.5");
        assert_eq!(number(Locale::Es, "1234"), "1,234");
        assert_eq!(number(Locale::En, "999"), "999");
        assert_eq!(number(Locale::Es, "n/a"), "n/a");
        assert_eq!(count(Locale::Es, 12_345), "12,345");
        assert_eq!(percent(Locale::Es, "12.5"), "12.5 %");
        assert_eq!(percent(Locale::En, "1000"), "1,000%");
    }

    #[test]
    fn dates_and_months_are_written_as_peru_writes_them() {
        assert_eq!(date(Locale::Es, "2026-11-28"), "28/11/2026");
        assert_eq!(date(Locale::Es, "2026-01-05T10:00:00Z"), "05/01/2026");
        assert_eq!(date(Locale::Es, "2026-01-05T02:00:00Z"), "04/01/2026", "the day in Lima");
        assert_eq!(date(Locale::En, "2026-11-28T10:00:00Z"), "Nov 28, 2026");
        assert_eq!(date(Locale::En, "2026-03-04"), "Mar 4, 2026");
        assert_eq!(date(Locale::Es, "—"), "—");
        assert_eq!(date(Locale::Es, "2026-13-01"), "2026-13-01");
        assert_eq!(month(Locale::Es, "2025-12"), "dic. 2025");
        assert_eq!(datetime(Locale::Es, "2026-12-01T14:50:29.41458Z"), "01/12/2026 09:50");
        assert_eq!(datetime(Locale::Es, "2026-12-01T03:05:00Z"), "30/11/2026 22:05");
        assert_eq!(datetime(Locale::En, "2026-12-01T14:50:29Z"), "Dec 1, 2026, 9:50 AM");
        assert_eq!(datetime(Locale::En, "2026-12-01T17:00:00Z"), "Dec 1, 2026, 12:00 PM");
        assert_eq!(datetime(Locale::Es, "yesterday"), "yesterday");
        assert_eq!(month(Locale::Es, "2025-09"), "set. 2025");
        assert_eq!(month(Locale::En, "2025-12"), "Dec 2025");
    }
}
