//! Money: ISO 4217 currencies with their minor-unit scale, and amounts as integer counts of the
//! minor unit. Never floats: `1250.00 PEN` is `Amount::from_minor(125000)` with `PEN`'s scale of 2.
//!
//! The currency table is ours, not a crate's: Redress needs a handful of codes, their exact
//! scales, and nothing else, and a short explicit list is easier to audit than a generated one.

use std::num::NonZeroU64;

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

    /// Minor units in one unit, 10 to the scale: never zero, so dividing by it cannot fail.
    fn factor(self) -> NonZeroU64 {
        const TEN: NonZeroU64 = NonZeroU64::new(10).unwrap();
        TEN.saturating_pow(u32::from(self.scale))
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

/// A count of a currency's minor unit. Signed, so that it can also hold a balance.
///
/// Opaque: the count goes in through [`Amount::from_minor`] and out through
/// [`Amount::minor_units`], and arithmetic is only the checked methods here, which return
/// [`Overflow`] instead of wrapping or panicking. Serialized as the bare integer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Amount(i64);

/// Arithmetic went past what an `i64` holds (about 92 million million units), or asked for a
/// share of a whole that is not positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("amount out of range")]
pub struct Overflow;

impl Amount {
    pub const ZERO: Amount = Amount(0);

    /// The amount of `units` minor units (`125_000` is `1250.00` in a currency of scale 2).
    pub const fn from_minor(units: i64) -> Amount {
        Amount(units)
    }

    /// `units` whole units of `currency` (`50` PEN is `5000` minor units).
    pub fn from_major(units: i64, currency: Currency) -> Result<Amount, Overflow> {
        let factor = i64::try_from(currency.factor().get()).map_err(|_| Overflow)?;
        units.checked_mul(factor).map(Amount).ok_or(Overflow)
    }

    pub const fn minor_units(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Amount) -> Result<Amount, Overflow> {
        self.0.checked_add(other.0).map(Amount).ok_or(Overflow)
    }

    pub fn checked_sub(self, other: Amount) -> Result<Amount, Overflow> {
        self.0.checked_sub(other.0).map(Amount).ok_or(Overflow)
    }

    /// The sum pinned at the largest or smallest amount instead of overflowing: only for
    /// estimates shown to people, where a figure at the limit beats a page that fails.
    pub fn saturating_add(self, other: Amount) -> Amount {
        Amount(self.0.saturating_add(other.0))
    }

    /// The same amount with the other sign (a debit seen as a credit).
    pub fn checked_neg(self) -> Result<Amount, Overflow> {
        self.0.checked_neg().map(Amount).ok_or(Overflow)
    }

    /// The sum of `amounts`, or `Overflow` as soon as a partial sum leaves the range.
    pub fn checked_sum(amounts: impl IntoIterator<Item = Amount>) -> Result<Amount, Overflow> {
        amounts.into_iter().try_fold(Amount::ZERO, Amount::checked_add)
    }

    /// This amount's share in the proportion `numerator / denominator`: `self × numerator ÷
    /// denominator` rounded toward zero, and the remainder of that division (in
    /// `1/denominator` of a minor unit: what largest-remainder rounding compares). The product
    /// is taken in 128 bits, so only a share that does not fit an `Amount`, or a denominator
    /// that is not positive, is an error.
    pub fn checked_mul_ratio(
        self,
        numerator: Amount,
        denominator: Amount,
    ) -> Result<(Amount, i64), Overflow> {
        if !denominator.is_positive() {
            return Err(Overflow);
        }
        let exact = i128::from(self.0).checked_mul(i128::from(numerator.0)).ok_or(Overflow)?;
        let denominator = i128::from(denominator.0);
        let share = exact.checked_div(denominator).ok_or(Overflow)?;
        let remainder = exact.checked_rem(denominator).ok_or(Overflow)?;
        Ok((
            Amount(i64::try_from(share).map_err(|_| Overflow)?),
            // |remainder| < denominator, which is an i64.
            i64::try_from(remainder).map_err(|_| Overflow)?,
        ))
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
        // The fraction in minor units: `5` of a currency with two decimals is `50`.
        let fraction = format!("{fraction:0<width$}", width = usize::from(currency.scale));
        let whole: u64 = whole.parse().map_err(|_| out_of_range())?;
        let fraction: u64 =
            if fraction.is_empty() { 0 } else { fraction.parse().map_err(|_| out_of_range())? };
        let magnitude = whole
            .checked_mul(currency.factor().get())
            .and_then(|w| w.checked_add(fraction))
            .and_then(|m| i64::try_from(m).ok())
            .ok_or_else(out_of_range)?;
        let units = if negative { magnitude.checked_neg().ok_or_else(out_of_range)? } else { magnitude };
        Ok(Amount(units))
    }

    /// The amount with exactly the currency's decimals: `1250.00`, `-3.50`, `1500` (CLP).
    pub fn format(self, currency: Currency) -> String {
        let factor = currency.factor();
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
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
        // Groups of three digits from the right (the digits are ASCII, one byte each).
        let groups: Vec<&str> =
            whole.as_bytes().rchunks(3).rev().map(|group| std::str::from_utf8(group).unwrap_or("")).collect();
        let grouped = groups.join(",");
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
#[allow(clippy::arithmetic_side_effects)]
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

    #[test]
    fn adding_or_subtracting_past_either_end_of_the_range_is_an_overflow() {
        assert_eq!(Amount(i64::MAX).checked_add(Amount(0)), Ok(Amount(i64::MAX)));
        assert_eq!(Amount(i64::MIN).checked_add(Amount(-1)), Err(Overflow));
        assert_eq!(Amount(i64::MIN).checked_sub(Amount(1)), Err(Overflow));
        assert_eq!(Amount(i64::MAX).checked_sub(Amount(-1)), Err(Overflow));
        assert_eq!(Amount(-1).checked_sub(Amount(i64::MAX)), Ok(Amount(i64::MIN)));
    }

    #[test]
    fn the_ends_of_the_range_parse_and_format_and_one_past_them_is_too_large() {
        assert_eq!(Amount::parse("92233720368547758.07", pen()), Ok(Amount(i64::MAX)));
        assert_eq!(Amount::parse("-92233720368547758.07", pen()), Ok(Amount(-i64::MAX)));
        assert_eq!(
            Amount::parse("92233720368547758.08", pen()).unwrap_err().reason,
            "\"92233720368547758.08\" is too large"
        );
        assert!(Amount::parse("18446744073709551616", pen()).is_err());
        assert_eq!(Amount(i64::MAX).format(pen()), "92233720368547758.07");
        assert_eq!(Amount(i64::MIN).format(pen()), "-92233720368547758.08");
        assert_eq!(Amount(i64::MIN).display(pen()), "-S/ 92,233,720,368,547,758.08");
        assert_eq!(Amount(i64::MIN).format(Currency::parse("CLP").unwrap()), "-9223372036854775808");
        assert_eq!(Amount::parse("-0", pen()), Ok(Amount::ZERO));
    }

    #[test]
    fn the_most_negative_amount_has_no_negation() {
        assert_eq!(Amount(i64::MIN).checked_neg(), Err(Overflow));
        assert_eq!(Amount(i64::MAX).checked_neg(), Ok(Amount(-i64::MAX)));
        assert_eq!(Amount(350).checked_neg(), Ok(Amount(-350)));
    }

    #[test]
    fn a_sum_fails_as_soon_as_a_partial_sum_overflows() {
        assert_eq!(Amount::checked_sum([]), Ok(Amount::ZERO));
        assert_eq!(Amount::checked_sum([Amount(5), Amount(-2), Amount(7)]), Ok(Amount(10)));
        assert_eq!(Amount::checked_sum([Amount(i64::MAX), Amount(1), Amount(-1)]), Err(Overflow));
        assert_eq!(Amount::checked_sum(vec![Amount(i64::MAX / 2 + 1); 2]), Err(Overflow));
    }

    #[test]
    fn a_share_is_taken_in_128_bits_and_fails_only_when_it_does_not_fit() {
        assert_eq!(Amount(1_000).checked_mul_ratio(Amount(300), Amount(1_000)), Ok((Amount(300), 0)));
        assert_eq!(Amount(2).checked_mul_ratio(Amount(1), Amount(3)), Ok((Amount(0), 2)));
        // i64::MAX × i64::MAX does not fit 64 bits, but the share does.
        assert_eq!(
            Amount(i64::MAX).checked_mul_ratio(Amount(i64::MAX - 1), Amount(i64::MAX)),
            Ok((Amount(i64::MAX - 1), 0))
        );
        assert_eq!(Amount(i64::MAX).checked_mul_ratio(Amount(2), Amount(1)), Err(Overflow));
        assert_eq!(Amount(i64::MIN).checked_mul_ratio(Amount(-1), Amount(1)), Err(Overflow));
        assert_eq!(Amount(5).checked_mul_ratio(Amount(1), Amount::ZERO), Err(Overflow));
        assert_eq!(Amount(5).checked_mul_ratio(Amount(1), Amount(-1)), Err(Overflow));
    }

    #[test]
    fn whole_units_take_the_currency_scale() {
        assert_eq!(Amount::from_major(50, pen()), Ok(Amount(5_000)));
        assert_eq!(Amount::from_major(50, Currency::parse("CLP").unwrap()), Ok(Amount(50)));
        assert_eq!(Amount::from_major(i64::MAX / 10, pen()), Err(Overflow));
    }

    #[test]
    fn a_saturating_sum_stops_at_the_ends_of_the_range() {
        assert_eq!(Amount(i64::MAX).saturating_add(Amount(1)), Amount(i64::MAX));
        assert_eq!(Amount(i64::MIN).saturating_add(Amount(-1)), Amount(i64::MIN));
    }

    #[test]
    fn an_amount_is_serialized_as_its_bare_count_of_minor_units() {
        assert_eq!(serde_json::to_string(&Amount::from_minor(125_000)).unwrap(), "125000");
        assert_eq!(Amount::from_minor(-7).minor_units(), -7);
    }

    proptest! {
        #[test]
        fn checked_arithmetic_agrees_with_wide_arithmetic_or_overflows(a in any::<i64>(), b in any::<i64>()) {
            let in_range = |wide: i128| i64::try_from(wide).map(Amount).map_err(|_| Overflow);
            prop_assert_eq!(Amount(a).checked_add(Amount(b)), in_range(i128::from(a) + i128::from(b)));
            prop_assert_eq!(Amount(a).checked_sub(Amount(b)), in_range(i128::from(a) - i128::from(b)));
            prop_assert_eq!(Amount(a).checked_neg(), in_range(-i128::from(a)));
        }

        #[test]
        fn a_share_and_its_remainder_make_up_the_exact_product(
            amount in any::<i64>(),
            numerator in any::<i64>(),
            denominator in 1i64..=i64::MAX,
        ) {
            let exact = i128::from(amount) * i128::from(numerator);
            match Amount(amount).checked_mul_ratio(Amount(numerator), Amount(denominator)) {
                Ok((share, remainder)) => {
                    prop_assert_eq!(i128::from(share.0) * i128::from(denominator) + i128::from(remainder), exact);
                    prop_assert!(remainder.unsigned_abs() < denominator.unsigned_abs());
                }
                Err(Overflow) => prop_assert!(i64::try_from(exact / i128::from(denominator)).is_err()),
            }
        }
    }

    proptest! {
        #[test]
        fn formatting_and_parsing_round_trip(units in -1_000_000_000_000i64..1_000_000_000_000) {
            let amount = Amount(units);
            prop_assert_eq!(Amount::parse(&amount.format(pen()), pen()), Ok(amount));
        }
    }
}
