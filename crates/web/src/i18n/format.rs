//! Numbers, money, percentages and dates as the reader's locale writes them, by CLDR through
//! ICU4X (`icu_decimal`, `icu_datetime`, with the CLDR data compiled in): es-PE for Spanish,
//! `en` for English. Times are shown in the fund's time zone (`fund.time_zone`, America/Lima by
//! default), looked up in the IANA database compiled into `jiff`.
//!
//! | what      | es-PE                     | en                        | how                          |
//! |-----------|---------------------------|---------------------------|------------------------------|
//! | decimal   | `1,234.5`                 | `1,234.5`                 | `icu_decimal`                |
//! | currency  | `S/ 1,234.50`             | `PEN 1,234.50`            | CLDR `¤ #,##0.00` / `¤#,##0.00`, symbol from CLDR's currency names, figure by `icu_decimal` |
//! | percent   | `12.5 %`                  | `12.5%`                   | CLDR `#,##0 %` / `#,##0%`, figure by `icu_decimal` |
//! | date      | `28/11/2026`, `1/12/2026` | `Nov 28, 2026`            | `icu_datetime` YMD, short with the full year / medium |
//! | time      | `1/12/2026, 9:50 a. m.`   | `Dec 1, 2026, 9:50 AM`    | `icu_datetime` YMDT to the minute |
//! | month     | `dic. 2025`, `set. 2025`  | `Dec 2025`                | `icu_datetime` YM medium     |
//!
//! Two things are written here rather than asked of ICU4X, because its formatters for them are
//! still in `icu_experimental` (unstable API, a large build): the currency and percent
//! *patterns* around the figure, and the currency symbols (CLDR `es_PE`/`es_419` names: `S/`,
//! `US$`; the English interface writes the ISO code, as CLDR `en` has no symbol for PEN). The
//! digits, separators, grouping, month names and date patterns all come from ICU4X.
//!
//! CLDR puts no-break spaces in some patterns (`¤ #,##0.00`, `#,##0 %`, `9:50 AM`); the pages
//! write plain spaces so a figure copied from a page pastes back into a form field as it is
//! (the input side accepts both).

use std::sync::RwLock;

use fixed_decimal::Decimal;
use icu_calendar::{Date, Gregorian};
use icu_datetime::fieldsets::{YM, YMD, YMDT};
use icu_datetime::input::{DateTime, Time};
use icu_datetime::options::{TimePrecision, YearStyle};
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_decimal::DecimalFormatter;
use icu_locale_core::{locale, Locale as IcuLocale};

use super::Locale;

/// The fund's time zone for every time the pages show; America/Lima until the server sets the
/// configured one ([`set_time_zone`]).
static TIME_ZONE: RwLock<Option<jiff::tz::TimeZone>> = RwLock::new(None);

/// Sets the time zone the pages write times in (the server calls it with `fund.time_zone`; a
/// deployment has one).
pub fn set_time_zone(zone: jiff::tz::TimeZone) {
    if let Ok(mut slot) = TIME_ZONE.write() {
        *slot = Some(zone);
    }
}

fn time_zone() -> jiff::tz::TimeZone {
    TIME_ZONE
        .read()
        .ok()
        .and_then(|slot| slot.clone())
        .or_else(|| jiff::tz::TimeZone::get("America/Lima").ok())
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

/// The instant (microseconds since the epoch) the fund's day `date` (`YYYY-MM-DD`) starts, in
/// its time zone: what a day typed in a filter means.
pub fn day_start_micros(date: &str) -> Option<i64> {
    let day: jiff::civil::Date = date.parse().ok()?;
    Some(day.to_zoned_datetime(time_zone()).ok()?.timestamp().as_microsecond())
}

/// ICU4X's formatters for one locale, made once per thread (they are cheap to use, not to make).
struct Formatters {
    decimal: DecimalFormatter,
    date: FixedCalendarDateTimeFormatter<Gregorian, YMD>,
    datetime: FixedCalendarDateTimeFormatter<Gregorian, YMDT>,
    month: FixedCalendarDateTimeFormatter<Gregorian, YM>,
}

impl Formatters {
    fn new(locale: Locale) -> Self {
        let (tag, date, datetime): (IcuLocale, YMD, YMDT) = match locale {
            // Peru writes the day with the full year (`28/11/2026`): CLDR's short date, long year.
            Locale::Es => (
                locale!("es-PE"),
                YMD::short().with_year_style(YearStyle::Full),
                YMDT::short().with_year_style(YearStyle::Full),
            ),
            Locale::En => (locale!("en"), YMD::medium(), YMDT::medium()),
        };
        let datetime = datetime.with_time_precision(TimePrecision::Minute);
        let prefs = || (&tag).into();
        let data = "ICU4X's compiled CLDR data covers the interface's locales";
        Self {
            decimal: DecimalFormatter::try_new((&tag).into(), Default::default()).expect(data),
            date: FixedCalendarDateTimeFormatter::try_new(prefs(), date).expect(data),
            datetime: FixedCalendarDateTimeFormatter::try_new(prefs(), datetime).expect(data),
            month: FixedCalendarDateTimeFormatter::try_new(prefs(), YM::medium()).expect(data),
        }
    }
}

thread_local! {
    static ES: Formatters = Formatters::new(Locale::Es);
    static EN: Formatters = Formatters::new(Locale::En);
}

fn with_formatters<T>(locale: Locale, work: impl FnOnce(&Formatters) -> T) -> T {
    match locale {
        Locale::Es => ES.with(work),
        Locale::En => EN.with(work),
    }
}

/// CLDR's no-break spaces as plain spaces (see the module's note).
fn plain(text: impl std::fmt::Display) -> String {
    text.to_string().replace(['\u{a0}', '\u{202f}'], " ")
}

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

/// A decimal string such as `-1250.50` written the locale's way (`-1,250.50` in es-PE and en),
/// its digits kept as they are (a trailing zero stays). Text that is not a plain decimal
/// number is returned as it is.
pub fn number(locale: Locale, decimal: &str) -> String {
    let plain_decimal = decimal.strip_prefix('-').unwrap_or(decimal);
    let (whole, fraction) = plain_decimal.split_once('.').unwrap_or((plain_decimal, ""));
    let is_number = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !(plain_decimal.contains('.') && fraction.is_empty());
    match decimal.parse::<Decimal>() {
        Ok(value) if is_number => with_formatters(locale, |f| plain(f.decimal.format(&value))),
        _ => decimal.to_string(),
    }
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

/// The fund's local date and time of an RFC 3339 instant.
fn local(text: &str) -> Option<jiff::civil::DateTime> {
    let instant: jiff::Timestamp = text.parse().ok()?;
    Some(time_zone().to_datetime(instant))
}

/// A `YYYY-MM-DD` day as ICU4X's Gregorian date; `None` unless it is exactly that and exists.
fn calendar_day(text: &str) -> Option<Date<Gregorian>> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let day: jiff::civil::Date = text.parse().ok()?;
    let iso = Date::try_new_iso(i32::from(day.year()), day.month().unsigned_abs(), day.day().unsigned_abs())
        .ok()?;
    Some(iso.to_calendar(Gregorian))
}

/// A `YYYY-MM-DD` date (or the fund's day of an RFC 3339 instant): `28/11/2026` (es-PE) or
/// `Nov 28, 2026` (en). Anything else is returned as it is.
pub fn date(locale: Locale, text: &str) -> String {
    let day = if text.len() > 10 { local(text).map(|t| t.date().to_string()) } else { None };
    let day = day.as_deref().unwrap_or(text);
    match calendar_day(day) {
        Some(value) => with_formatters(locale, |f| plain(f.date.format(&value))),
        None => text.to_string(),
    }
}

/// An RFC 3339 instant in the fund's time zone, to the minute: `1/12/2026, 9:50 a. m.` (es-PE)
/// or `Dec 1, 2026, 9:50 AM` (en). Text that is not an instant is returned as it is.
pub fn datetime(locale: Locale, text: &str) -> String {
    let Some(local) = local(text) else {
        return text.to_string();
    };
    let Some(day) = calendar_day(&local.date().to_string()) else {
        return text.to_string();
    };
    let clock = Time::try_new(local.hour().unsigned_abs(), local.minute().unsigned_abs(), 0, 0);
    let Ok(time) = clock else {
        return text.to_string();
    };
    let value = DateTime { date: day, time };
    with_formatters(locale, |f| plain(f.datetime.format(&value)))
}

/// A `YYYY-MM` month as a chart or table label: `dic. 2025` (es-PE) or `Dec 2025` (en).
pub fn month(locale: Locale, text: &str) -> String {
    match calendar_day(&format!("{text}-01")) {
        Some(value) if text.len() == 7 => with_formatters(locale, |f| plain(f.month.format(&value))),
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
        assert_eq!(date(Locale::Es, "2026-01-05T10:00:00Z"), "5/01/2026");
        assert_eq!(date(Locale::Es, "2026-01-05T02:00:00Z"), "4/01/2026", "the day in Lima");
        assert_eq!(date(Locale::En, "2026-11-28T10:00:00Z"), "Nov 28, 2026");
        assert_eq!(date(Locale::En, "2026-03-04"), "Mar 4, 2026");
        assert_eq!(date(Locale::Es, "—"), "—");
        assert_eq!(date(Locale::Es, "2026-13-01"), "2026-13-01");
        assert_eq!(month(Locale::Es, "2025-12"), "dic. 2025");
        assert_eq!(datetime(Locale::Es, "2026-12-01T14:50:29.41458Z"), "1/12/2026, 9:50 a. m.");
        assert_eq!(datetime(Locale::Es, "2026-12-01T03:05:00Z"), "30/11/2026, 10:05 p. m.");
        assert_eq!(datetime(Locale::En, "2026-12-01T14:50:29Z"), "Dec 1, 2026, 9:50 AM");
        assert_eq!(datetime(Locale::En, "2026-12-01T17:00:00Z"), "Dec 1, 2026, 12:00 PM");
        assert_eq!(datetime(Locale::Es, "yesterday"), "yesterday");
        assert_eq!(month(Locale::Es, "2025-09"), "set. 2025");
        assert_eq!(month(Locale::En, "2025-12"), "Dec 2025");
    }
}
