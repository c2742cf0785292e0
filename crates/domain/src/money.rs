//! Money: ISO 4217 currencies with their minor-unit scale, and amounts as integer counts of the
//! minor unit. Never floats: `1250.00 PEN` is `Amount(125000)` with `PEN`'s scale of 2.
//!
//! The currency table is ours, not a crate's: Redress needs a handful of codes, their exact
//! scales, and nothing else, and a short explicit list is easier to audit than a generated one.

use serde::Serialize;

use crate::FieldError;

/// An ISO 4217 currency Redress can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Currency {
    code: &'static str,
    /// Digits after the decimal point (the minor unit).
    scale: u8,
}

/// The currencies of the countries Redress is built for, and the usual reserve currencies.
pub const CURRENCIES: &[Currency] = &[
    Currency { code: "PEN", scale: 2 }, // Peru
    Currency { code: "USD", scale: 2 }, // Ecuador, and deposits held in dollars
    Currency { code: "COP", scale: 2 }, // Colombia
    Currency { code: "BRL", scale: 2 }, // Brazil
    Currency { code: "DOP", scale: 2 }, // Dominican Republic
    Currency { code: "TTD", scale: 2 }, // Trinidad and Tobago
    Currency { code: "AWG", scale: 2 }, // Aruba
    Currency { code: "XCG", scale: 2 }, // Curaçao (Caribbean guilder)
    Currency { code: "ANG", scale: 2 }, // Netherlands Antillean guilder (until XCG replaces it)
    Currency { code: "EUR", scale: 2 },
    Currency { code: "ARS", scale: 2 },
    Currency { code: "BOB", scale: 2 },
    Currency { code: "MXN", scale: 2 },
    Currency { code: "VES", scale: 2 },
    Currency { code: "CLP", scale: 0 },
    Currency { code: "PYG", scale: 0 },
];

impl Currency {
    pub fn parse(code: &str) -> Result<Currency, FieldError> {
        let wanted = code.trim().to_ascii_uppercase();
        CURRENCIES.iter().copied().find(|c| c.code == wanted).ok_or_else(|| {
            FieldError::new(
                "currency",
                format!("unknown or unsupported currency {:?} (ISO 4217 code such as PEN)", code.trim()),
            )
        })
    }

    pub fn code(self) -> &'static str {
        self.code
    }

    pub fn scale(self) -> u8 {
        self.scale
    }

    fn factor(self) -> i64 {
        10_i64.pow(u32::from(self.scale))
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

/// A count of a currency's minor unit. Signed, so that it can also hold a balance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Amount(pub i64);

/// Arithmetic went past what an `i64` holds (about 92 million million units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("amount out of range")]
pub struct Overflow;

impl Amount {
    pub const ZERO: Amount = Amount(0);

    pub fn minor_units(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Amount) -> Result<Amount, Overflow> {
        self.0.checked_add(other.0).map(Amount).ok_or(Overflow)
    }

    pub fn checked_sub(self, other: Amount) -> Result<Amount, Overflow> {
        self.0.checked_sub(other.0).map(Amount).ok_or(Overflow)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Parses a decimal string such as `1250.00`, `1250.5` or `1250` in `currency`. Refused:
    /// more decimals than the currency has, signs, exponents, separators, empty input and
    /// values out of range. Zero is allowed here; callers that need a positive amount check.
    pub fn parse(text: &str, currency: Currency) -> Result<Amount, FieldError> {
        let error = |reason: String| Err(FieldError::new("amount", reason));
        let text = text.trim();
        if text.is_empty() {
            return error("must not be empty".into());
        }
        let negative = text.starts_with('-');
        let digits = text.strip_prefix('-').unwrap_or(text);
        let (whole, fraction) = match digits.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (digits, ""),
        };
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return error(format!("{text:?} is not a decimal number such as 1250.00"));
        }
        if digits.contains('.') && fraction.is_empty() {
            return error(format!("{text:?} is not a decimal number such as 1250.00"));
        }
        if fraction.len() > usize::from(currency.scale) {
            return error(format!(
                "{text:?} has more than {} decimal places, the precision of {}",
                currency.scale, currency.code
            ));
        }
        let out_of_range = || FieldError::new("amount", format!("{text:?} is too large"));
        let whole: i64 = whole.parse().map_err(|_| out_of_range())?;
        let mut fraction_units: i64 =
            if fraction.is_empty() { 0 } else { fraction.parse().map_err(|_| out_of_range())? };
        for _ in fraction.len()..usize::from(currency.scale) {
            fraction_units *= 10;
        }
        let units = whole
            .checked_mul(currency.factor())
            .and_then(|w| w.checked_add(fraction_units))
            .ok_or_else(out_of_range)?;
        Ok(Amount(if negative { -units } else { units }))
    }

    /// The amount with exactly the currency's decimals: `1250.00`, `-3.50`, `1500` (CLP).
    pub fn format(self, currency: Currency) -> String {
        let factor = currency.factor();
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let factor = factor.unsigned_abs();
        if currency.scale == 0 {
            return format!("{sign}{magnitude}");
        }
        format!(
            "{sign}{}.{:0width$}",
            magnitude / factor,
            magnitude % factor,
            width = usize::from(currency.scale)
        )
    }

    /// For messages people read: the currency's symbol and the amount grouped in thousands,
    /// `S/ 5,500.00` (as Peru writes it, and English too). Pages format by the reader's locale.
    pub fn display(self, currency: Currency) -> String {
        let plain = self.format(currency);
        let (sign, digits) = plain.strip_prefix('-').map_or(("", plain.as_str()), |rest| ("-", rest));
        let (whole, fraction) = digits.split_once('.').map_or((digits, None), |(w, f)| (w, Some(f)));
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (index, digit) in whole.chars().enumerate() {
            if index > 0 && (whole.len() - index) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
        format!("{sign}{} {grouped}{fraction}", currency.symbol())
    }
}

impl Currency {
    /// The symbol people in the region write before an amount (the ISO code where there is
    /// no unambiguous one).
    pub fn symbol(self) -> &'static str {
        match self.code {
            "PEN" => "S/",
            "USD" => "US$",
            "BRL" => "R$",
            "EUR" => "€",
            "DOP" => "RD$",
            "TTD" => "TT$",
            "AWG" => "Afl.",
            "XCG" => "Cg",
            "ANG" => "NAƒ",
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_in_messages_carry_their_symbol_and_thousands() {
        let pen = Currency::parse("PEN").unwrap();
        assert_eq!(Amount(550_000).display(pen), "S/ 5,500.00");
        assert_eq!(Amount(123_456_789).display(pen), "S/ 1,234,567.89");
        assert_eq!(Amount(-5).display(pen), "-S/ 0.05");
        assert_eq!(Amount(1_000).display(Currency::parse("CLP").unwrap()), "CLP 1,000");
    }

    fn pen() -> Currency {
        Currency::parse("PEN").unwrap()
    }

    #[test]
    fn every_region_currency_is_known_with_its_scale() {
        for code in ["PEN", "USD", "COP", "BRL", "DOP", "TTD", "AWG", "XCG"] {
            assert_eq!(Currency::parse(code).unwrap().scale(), 2, "{code}");
        }
        assert_eq!(Currency::parse("clp").unwrap().scale(), 0);
        assert_eq!(Currency::parse("XXX").unwrap_err().field, "currency");
    }

    #[test]
    fn decimal_strings_become_minor_units() {
        assert_eq!(Amount::parse("1250.00", pen()), Ok(Amount(125_000)));
        assert_eq!(Amount::parse("1250.5", pen()), Ok(Amount(125_050)));
        assert_eq!(Amount::parse("1250", pen()), Ok(Amount(125_000)));
        assert_eq!(Amount::parse("0.01", pen()), Ok(Amount(1)));
        assert_eq!(Amount::parse("-3.5", pen()), Ok(Amount(-350)));
        assert_eq!(Amount::parse("1500", Currency::parse("CLP").unwrap()), Ok(Amount(1500)));
    }

    #[test]
    fn over_precise_or_malformed_amounts_are_refused() {
        for bad in ["", "1.001", "1,000.00", "1e3", "+5", "abc", ".5", "5.", "1 000", "99999999999999999999"]
        {
            let error = Amount::parse(bad, pen()).unwrap_err();
            assert_eq!(error.field, "amount", "{bad:?}");
        }
        assert!(Amount::parse("10.5", Currency::parse("CLP").unwrap()).is_err());
    }

    #[test]
    fn amounts_format_with_the_currency_digits() {
        assert_eq!(Amount(125_000).format(pen()), "1250.00");
        assert_eq!(Amount(7).format(pen()), "0.07");
        assert_eq!(Amount(-350).format(pen()), "-3.50");
        assert_eq!(Amount(1500).format(Currency::parse("CLP").unwrap()), "1500");
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Amount(i64::MAX).checked_add(Amount(1)), Err(Overflow));
        assert_eq!(Amount(5).checked_sub(Amount(7)), Ok(Amount(-2)));
    }

    proptest! {
        #[test]
        fn formatting_and_parsing_round_trip(units in -1_000_000_000_000i64..1_000_000_000_000) {
            let amount = Amount(units);
            prop_assert_eq!(Amount::parse(&amount.format(pen()), pen()), Ok(amount));
        }
    }
}
