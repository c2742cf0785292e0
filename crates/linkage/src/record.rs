//! The record the linkage compares: what a registration says about a person, as written.

use serde::{Deserialize, Serialize};

/// What a registration says about a person. Every field is optional: registrations taken in a
/// shelter at night, by a prosecutor or by a consulate rarely have all of them.
///
/// Text fields are kept as written (capitals, accents, punctuation, particles); the crate
/// normalises them itself, so the caller never has to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Given names as written, possibly compound or abbreviated ("María José", "Ma. del Carmen",
    /// "J. Carlos").
    pub given_names: Option<String>,
    /// Surnames as written, in one string: usually two, paternal then maternal in Spanish,
    /// often maternal then paternal in Portuguese ("Quispe Mamani", "de la Cruz", "da Silva
    /// Santos").
    pub surnames: Option<String>,
    /// Birth date: `YYYY-MM-DD`, `YYYYMMDD`, or partial (`YYYY-MM`, `YYYY`).
    pub birth_date: Option<String>,
    pub sex: Option<Sex>,
    /// ISO 3166 alpha-2 or alpha-3 code, or the country's name in Spanish, Portuguese or
    /// English ("PE", "PER", "Perú", "Venezuela").
    pub nationality: Option<String>,
    /// Identity documents the person showed or declared, any type (DNI, CE, passport, PTP,
    /// cédula, CPF…).
    pub documents: Vec<Document>,
    /// A phone number in any format (`+51 987 654 321`, `987654321`).
    pub phone: Option<String>,
    /// Where the person lives or was found: district, city, address, as free text.
    pub place: Option<String>,
}

/// An identity document: its type as written ("DNI", "pasaporte", "PTP") and its number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub kind: String,
    pub number: String,
}

impl Document {
    pub fn new(kind: impl Into<String>, number: impl Into<String>) -> Self {
        Document { kind: kind.into(), number: number.into() }
    }
}

/// Sex as recorded on the registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Other,
}

impl Sex {
    /// Reads the usual spellings in Spanish, Portuguese and English ("F", "femenino",
    /// "feminino", "mujer", "M", "masculino", "hombre", "male"…). Anything else is `None`.
    ///
    /// "M" is read as male, as on Peruvian, Colombian and Brazilian forms.
    pub fn parse(text: &str) -> Option<Sex> {
        let lower = text.trim().to_lowercase();
        match lower.as_str() {
            "f" | "fem" | "femenino" | "feminino" | "female" | "mujer" | "mulher" | "woman" => {
                Some(Sex::Female)
            }
            "m" | "masc" | "masculino" | "male" | "hombre" | "varón" | "varon" | "homem" | "man" => {
                Some(Sex::Male)
            }
            "x" | "o" | "otro" | "outro" | "other" | "no binario" | "não binário" | "non-binary" => {
                Some(Sex::Other)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sex_reads_spanish_portuguese_and_english() {
        assert_eq!(Sex::parse(" Femenino "), Some(Sex::Female));
        assert_eq!(Sex::parse("MULHER"), Some(Sex::Female));
        assert_eq!(Sex::parse("M"), Some(Sex::Male));
        assert_eq!(Sex::parse("varón"), Some(Sex::Male));
        assert_eq!(Sex::parse("X"), Some(Sex::Other));
        assert_eq!(Sex::parse("unknown"), None);
    }
}
