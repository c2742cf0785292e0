//! The fund's own details as its bank knows them: its name, the account it pays victims from,
//! its bank (BIC and name) and its tax id (Peru's RUC). A bank file cannot be written without
//! the name and the account; every field is checked here before it is stored.

use serde::{Deserialize, Serialize};

use crate::payments::BankAccount;
use crate::{FieldError, FieldErrors};

/// The longest name a bank file carries (ISO 20022 `Max140Text`).
pub const NAME_LENGTH_MAX: usize = 140;

/// The fund's details, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundDetails {
    pub name: String,
    /// The fund's account (a CCI or an IBAN), as written in bank files.
    pub bank_account: Option<String>,
    /// The BIC of the fund's bank (8 or 11 characters).
    pub bank_bic: Option<String>,
    /// The bank's name, for people.
    pub bank_name: Option<String>,
    /// The fund's RUC (11 digits).
    pub tax_id: Option<String>,
}

/// The details as submitted (empty strings mean "not set").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundDetailsInput {
    pub name: String,
    pub bank_account: Option<String>,
    pub bank_bic: Option<String>,
    pub bank_name: Option<String>,
    pub tax_id: Option<String>,
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn plain_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    crate::user::refuse_hidden_chars(field, value)?;
    if value.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    Ok(value.to_string())
}

impl FundDetails {
    /// Checks every field and reports all the errors at once.
    pub fn parse(input: &FundDetailsInput) -> Result<FundDetails, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = input.name.trim();
        let name = if name.is_empty() {
            errors.push(FieldError::new("name", "must not be empty"));
            None
        } else {
            errors.check(plain_text("name", name, NAME_LENGTH_MAX))
        };
        let bank_account = present(&input.bank_account)
            .and_then(|v| errors.check(BankAccount::parse("bank_account", v)))
            .map(|a| a.as_str().to_string());
        let bank_bic = present(&input.bank_bic).and_then(|v| errors.check(parse_bic("bank_bic", v)));
        let bank_name =
            present(&input.bank_name).and_then(|v| errors.check(plain_text("bank_name", v, NAME_LENGTH_MAX)));
        let tax_id = present(&input.tax_id).and_then(|v| errors.check(parse_ruc("tax_id", v)));
        errors.into_result()?;
        Ok(FundDetails { name: name.unwrap_or_default(), bank_account, bank_bic, bank_name, tax_id })
    }
}

/// A BIC (ISO 9362): bank (4 letters), country (2 letters), location (2), optional branch (3).
pub fn parse_bic(field: &str, value: &str) -> Result<String, FieldError> {
    let bic: String = value.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let bytes = bic.as_bytes();
    let shaped = matches!(bytes.len(), 8 | 11)
        && bytes[..6].iter().all(u8::is_ascii_uppercase)
        && bytes[6..].iter().all(u8::is_ascii_alphanumeric);
    if !shaped {
        return Err(FieldError::new(
            field,
            "a BIC has 8 or 11 characters: 4 letters (bank), 2 letters (country), then letters or digits",
        ));
    }
    Ok(bic)
}

/// A Peruvian RUC: 11 digits, starting 10, 15, 16, 17 or 20, the last a mod-11 check digit.
pub fn parse_ruc(field: &str, value: &str) -> Result<String, FieldError> {
    let ruc: String = value.chars().filter(|c| !matches!(c, ' ' | '-' | '.')).collect();
    let bytes = ruc.as_bytes();
    if bytes.len() != 11 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(FieldError::new(field, "a RUC has exactly 11 digits"));
    }
    if !matches!(&ruc[..2], "10" | "15" | "16" | "17" | "20") {
        return Err(FieldError::new(field, "a RUC starts with 10, 15, 16, 17 or 20"));
    }
    const WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let digits: Vec<u32> = ruc.chars().filter_map(|c| c.to_digit(10)).collect();
    let sum =
        digits[..10].iter().zip(WEIGHTS).try_fold(0_u32, |sum, (d, w)| sum.checked_add(d.checked_mul(w)?));
    let check = sum.and_then(|sum| 11_u32.checked_sub(sum % 11)).map(|c| c % 10);
    if check != Some(digits[10]) {
        return Err(FieldError::new(field, "the RUC's check digit does not match: check the number"));
    }
    Ok(ruc)
}

/// What a fund still needs before its first payment can reach the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// No fund bank account: bank files cannot be written.
    BankAccount,
    /// No money has come into the fund (an opening budget transfer).
    Budget,
    /// No fund policy but the defaults written at first start has been published.
    Policy,
}

impl Missing {
    pub fn as_str(self) -> &'static str {
        match self {
            Missing::BankAccount => "bank_account",
            Missing::Budget => "budget",
            Missing::Policy => "policy",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> FundDetailsInput {
        FundDetailsInput {
            name: " Fondo de Reparaciones ".into(),
            bank_account: Some("0021 1000 0000 0000 0104".into()),
            bank_bic: Some("bcplpepl".into()),
            bank_name: Some("Banco de Crédito del Perú".into()),
            tax_id: Some("20131370645".into()),
        }
    }

    #[test]
    fn valid_details_are_cleaned() {
        let mut valid = input();
        valid.bank_account = crate::payments::cci_with_check_digits("002110000000000001");
        let details = FundDetails::parse(&valid).unwrap();
        assert_eq!(details.name, "Fondo de Reparaciones");
        assert_eq!(details.bank_bic.as_deref(), Some("BCPLPEPL"));
        assert_eq!(details.tax_id.as_deref(), Some("20131370645"));
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = FundDetailsInput {
            name: "".into(),
            bank_account: Some("123".into()),
            bank_bic: Some("BCP".into()),
            bank_name: None,
            tax_id: Some("20131370646".into()),
        };
        let errors = FundDetails::parse(&bad).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "bank_account", "bank_bic", "tax_id"]);
    }

    #[test]
    fn empty_optional_fields_are_unset() {
        let details = FundDetails::parse(&FundDetailsInput {
            name: "Fondo".into(),
            bank_account: Some("  ".into()),
            ..FundDetailsInput::default()
        })
        .unwrap();
        assert_eq!(details.bank_account, None);
    }

    #[test]
    fn hidden_characters_are_refused() {
        let hidden = FundDetailsInput { name: "Fondo\u{202E}".into(), ..FundDetailsInput::default() };
        let errors = FundDetails::parse(&hidden).unwrap_err();
        assert!(errors.0[0].reason.contains("U+202E"), "{errors:?}");
    }

    #[test]
    fn ruc_check_digit() {
        assert!(parse_ruc("tax_id", "20131370645").is_ok());
        assert!(parse_ruc("tax_id", "20100047218").is_ok());
        assert!(parse_ruc("tax_id", "30131370645").is_err());
        assert!(parse_ruc("tax_id", "2013137064").is_err());
    }
}
