//! Victims: pseudonymous codes, identity documents, the protected identity and the coarse,
//! non-identifying attributes kept in clear for statistics.
//!
//! A victim is known everywhere by a code (`V-2026-000123`). The identity — names, document,
//! birth date, contact, address, bank details — is a separate value that storage only ever
//! holds encrypted. What statistics need (age band, sex, nationality, type of exploitation,
//! region) is derived at registration and kept beside it in clear.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::user::parse_name;
use crate::FieldError;

/// `V-YYYY-NNNNNN`: the year of registration and a sequence number within it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct VictimCode(String);

impl VictimCode {
    pub fn new(year: i32, number: i64) -> VictimCode {
        VictimCode(format!("V-{year:04}-{number:06}"))
    }

    pub fn parse(value: &str) -> Result<VictimCode, FieldError> {
        let value = value.trim().to_ascii_uppercase();
        let parts: Vec<&str> = value.split('-').collect();
        let valid = parts.len() == 3
            && parts[0] == "V"
            && parts[1].len() == 4
            && parts[1].bytes().all(|b| b.is_ascii_digit())
            && parts[2].len() >= 6
            && parts[2].len() <= 9
            && parts[2].bytes().all(|b| b.is_ascii_digit());
        if valid {
            Ok(VictimCode(value))
        } else {
            Err(FieldError::new("code", "must look like V-2026-000123"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for VictimCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Identity documents seen in Peru's cases: national ID, foreigner's card, passport, the
/// temporary permit (PTP/CPP) held by many Venezuelan victims, or another foreign document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    Dni,
    Ce,
    Passport,
    Ptp,
    OtherForeign,
}

impl DocumentType {
    pub const ALL: [DocumentType; 5] = [
        DocumentType::Dni,
        DocumentType::Ce,
        DocumentType::Passport,
        DocumentType::Ptp,
        DocumentType::OtherForeign,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentType::Dni => "dni",
            DocumentType::Ce => "ce",
            DocumentType::Passport => "passport",
            DocumentType::Ptp => "ptp",
            DocumentType::OtherForeign => "other_foreign",
        }
    }

    pub fn parse(value: &str) -> Result<DocumentType, FieldError> {
        let wanted = value.trim().to_ascii_lowercase();
        DocumentType::ALL.into_iter().find(|t| t.as_str() == wanted).ok_or_else(|| {
            FieldError::new("document_type", "must be one of dni, ce, passport, ptp, other_foreign")
        })
    }

    /// The normalised document number: upper case, without spaces, dots or dashes, checked
    /// against the document's shape. Two registrations of one document normalise equally.
    pub fn normalize_number(self, value: &str) -> Result<String, FieldError> {
        let normalized: String =
            value.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '/')).collect::<String>().to_uppercase();
        let error = |reason: &str| Err(FieldError::new("document_number", reason));
        if normalized.is_empty() {
            return error("must not be empty");
        }
        if !normalized.chars().all(|c| c.is_ascii_alphanumeric()) {
            return error("may contain only letters and digits");
        }
        match self {
            DocumentType::Dni if normalized.len() != 8 || !normalized.bytes().all(|b| b.is_ascii_digit()) => {
                error("a DNI has exactly 8 digits")
            }
            _ if normalized.len() < 5 || normalized.len() > 20 => error("must be 5 to 20 letters or digits"),
            _ => Ok(normalized),
        }
    }
}

/// Sex as recorded (after HTCDS `prs_Gender`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Other,
    Unknown,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }

    pub fn parse(value: &str) -> Result<Sex, FieldError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "female" | "f" => Ok(Sex::Female),
            "male" | "m" => Ok(Sex::Male),
            "other" => Ok(Sex::Other),
            "unknown" => Ok(Sex::Unknown),
            _ => Err(FieldError::new("sex", "must be female, male, other or unknown")),
        }
    }
}

/// ISO 3166-1 alpha-2 codes.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS \
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM \
FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV \
MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD \
SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC \
VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// An ISO 3166-1 alpha-2 country code, upper case.
pub fn parse_country(field: &str, value: &str) -> Result<String, FieldError> {
    let code = value.trim().to_ascii_uppercase();
    if code.len() == 2 && COUNTRIES.split_whitespace().any(|c| c == code) {
        Ok(code)
    } else {
        Err(FieldError::new(field, "must be an ISO 3166-1 alpha-2 country code such as PE or VE"))
    }
}

/// Age bands for statistics: fine enough to matter (minors), coarse enough not to identify.
pub fn age_band(birth: Date, on: Date) -> &'static str {
    let before_birthday = (on.month() as u8, on.day()) < (birth.month() as u8, birth.day());
    // Years of the calendar (±9999) are far from i32's limits: neither subtraction saturates.
    let years = on.year().saturating_sub(birth.year()).saturating_sub(i32::from(before_birthday));
    match years {
        i32::MIN..=11 => "0-11",
        12..=17 => "12-17",
        18..=24 => "18-24",
        25..=34 => "25-34",
        35..=49 => "35-49",
        _ => "50+",
    }
}

/// Whether someone born on `birth` is a minor on `on`.
pub fn is_minor(birth: Date, on: Date) -> bool {
    matches!(age_band(birth, on), "0-11" | "12-17")
}

/// A birth date: an ISO date, not in the future, not before 1900.
pub fn parse_birth_date(value: &str, today: Date) -> Result<Date, FieldError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(value.trim(), &format)
        .map_err(|_| FieldError::new("birth_date", "must be a date such as 1998-04-23"))?;
    if date > today {
        return Err(FieldError::new("birth_date", "must not be in the future"));
    }
    if date.year() < 1900 {
        return Err(FieldError::new("birth_date", "must be after 1900"));
    }
    Ok(date)
}

/// Names as people write them: given names and surnames are kept whole, particles included
/// ("de la Cruz"), accents and all.
pub fn parse_person_name(field: &str, value: &str) -> Result<String, FieldError> {
    let name = parse_name(field, value, 120)?;
    if name.chars().any(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(field, "must not contain digits"));
    }
    Ok(name)
}

/// How a legal representative is related to the victim they act for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    Mother,
    Father,
    /// A guardian or tutor named by a court or a notary.
    Guardian,
    /// Another relative with custody (grandparent, aunt…).
    Relative,
    /// The victims' public defender (MINJUSDH) or a CEM lawyer acting for a child.
    PublicDefender,
    /// A shelter or child-protection unit holding provisional custody.
    ProtectionUnit,
    Other,
}

impl Relationship {
    pub const ALL: [Relationship; 7] = [
        Relationship::Mother,
        Relationship::Father,
        Relationship::Guardian,
        Relationship::Relative,
        Relationship::PublicDefender,
        Relationship::ProtectionUnit,
        Relationship::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Mother => "mother",
            Relationship::Father => "father",
            Relationship::Guardian => "guardian",
            Relationship::Relative => "relative",
            Relationship::PublicDefender => "public_defender",
            Relationship::ProtectionUnit => "protection_unit",
            Relationship::Other => "other",
        }
    }

    pub fn parse(field: &str, value: &str) -> Result<Relationship, FieldError> {
        let wanted = value.trim().to_ascii_lowercase();
        Relationship::ALL.into_iter().find(|r| r.as_str() == wanted).ok_or_else(|| {
            let names: Vec<&str> = Relationship::ALL.iter().map(|r| r.as_str()).collect();
            FieldError::new(field, format!("must be one of {}", names.join(", ")))
        })
    }
}

/// The person who acts for a minor victim (and receives the minor's payment while the victim
/// is a minor): a person with their own document and, when they have one, their own account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Representative {
    pub given_names: String,
    pub surnames: String,
    pub document_type: DocumentType,
    pub document_number: String,
    pub document_country: String,
    pub relationship: Relationship,
    /// Why they may act: the custody, guardianship resolution or legal mandate.
    pub legal_basis: String,
    /// Their own account (never the victim's: a payment names one person and one account).
    #[serde(default)]
    pub bank_account: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
}

impl Representative {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_names, self.surnames).trim().to_string()
    }
}

impl std::fmt::Debug for Representative {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Representative(***)")
    }
}

/// Reads the representative of an identity sealed before representatives were people: the
/// free text becomes the name, with no document (such a representative is paid by cheque
/// only once victim services complete the record).
fn representative_any_form<'de, D>(deserializer: D) -> Result<Option<Representative>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Person(Representative),
        Text(String),
    }
    Ok(match Option::<Stored>::deserialize(deserializer)? {
        None => None,
        Some(Stored::Person(person)) => Some(person),
        Some(Stored::Text(text)) if text.trim().is_empty() => None,
        Some(Stored::Text(text)) => Some(Representative {
            given_names: text.trim().to_string(),
            surnames: String::new(),
            document_type: DocumentType::OtherForeign,
            document_number: String::new(),
            document_country: String::new(),
            relationship: Relationship::Other,
            legal_basis: String::new(),
            bank_account: None,
            contact: None,
        }),
    })
}

/// The protected identity. Serialised to JSON and encrypted before storage; never logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub given_names: String,
    pub surnames: String,
    pub document_type: DocumentType,
    pub document_number: String,
    pub document_country: String,
    pub birth_date: String,
    pub contact: Option<String>,
    pub address: Option<String>,
    pub bank_account: Option<String>,
    #[serde(default, deserialize_with = "representative_any_form")]
    pub legal_representative: Option<Representative>,
    /// Languages the victim speaks (ISO 639 codes or names: `es`, `qu`, `ay`).
    #[serde(default)]
    pub languages: Vec<String>,
    /// HTCDS context: how the victim was recruited.
    #[serde(default)]
    pub recruitment: Option<String>,
    /// HTCDS context: methods of control (debt bondage, withheld documents, threats…).
    #[serde(default)]
    pub methods_of_control: Vec<String>,
}

impl Identity {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_names, self.surnames)
    }

    /// The birth date as stored (ISO), if it reads.
    pub fn birth(&self) -> Option<Date> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        Date::parse(&self.birth_date, &format).ok()
    }
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identity(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn codes_are_zero_padded_and_parsed_back() {
        let code = VictimCode::new(2026, 123);
        assert_eq!(code.as_str(), "V-2026-000123");
        assert_eq!(VictimCode::parse(" v-2026-000123 "), Ok(code));
        for bad in ["V-26-000123", "X-2026-000123", "V-2026-12", "V-2026-00012a", ""] {
            assert!(VictimCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn document_numbers_are_normalised_and_shaped() {
        assert_eq!(DocumentType::Dni.normalize_number(" 4567-8912 "), Ok("45678912".to_string()));
        assert_eq!(DocumentType::Passport.normalize_number("ve 123.456"), Ok("VE123456".to_string()));
        assert!(DocumentType::Dni.normalize_number("1234567").is_err());
        assert!(DocumentType::Dni.normalize_number("1234567A").is_err());
        assert!(DocumentType::Ce.normalize_number("12#45").is_err());
        assert_eq!(DocumentType::parse("PTP"), Ok(DocumentType::Ptp));
        assert_eq!(DocumentType::parse("licence").unwrap_err().field, "document_type");
    }

    #[test]
    fn countries_are_iso_alpha_2() {
        assert_eq!(parse_country("nationality", "ve"), Ok("VE".to_string()));
        assert!(parse_country("nationality", "XX").is_err());
        assert!(parse_country("nationality", "PER").is_err());
    }

    #[test]
    fn age_bands_turn_on_the_birthday() {
        assert_eq!(age_band(date!(2009 - 06 - 15), date!(2026 - 06 - 14)), "12-17");
        assert_eq!(age_band(date!(2008 - 06 - 15), date!(2026 - 06 - 15)), "18-24");
        assert!(is_minor(date!(2012 - 01 - 01), date!(2026 - 11 - 28)));
        assert!(!is_minor(date!(1990 - 01 - 01), date!(2026 - 11 - 28)));
    }

    #[test]
    fn birth_dates_are_real_and_past() {
        let today = date!(2026 - 11 - 28);
        assert_eq!(parse_birth_date("1998-04-23", today), Ok(date!(1998 - 04 - 23)));
        for bad in ["2027-01-01", "1899-12-31", "23/04/1998", "1998-02-30"] {
            assert_eq!(parse_birth_date(bad, today).unwrap_err().field, "birth_date", "{bad}");
        }
    }

    #[test]
    fn names_keep_particles_and_accents() {
        assert_eq!(
            parse_person_name("surnames", "  de la Cruz   Ñahui "),
            Ok("de la Cruz Ñahui".to_string())
        );
        assert!(parse_person_name("given_names", "Ana 2").is_err());
    }

    #[test]
    fn an_identity_never_prints_itself() {
        let identity = Identity {
            given_names: "Rosa".into(),
            surnames: "Quispe".into(),
            document_type: DocumentType::Dni,
            document_number: "45678912".into(),
            document_country: "PE".into(),
            birth_date: "1998-04-23".into(),
            contact: None,
            address: None,
            bank_account: None,
            legal_representative: None,
            languages: vec![],
            recruitment: None,
            methods_of_control: vec![],
        };
        assert_eq!(format!("{identity:?}"), "Identity(***)");
    }

    #[test]
    fn a_representative_sealed_as_free_text_still_reads() {
        let old = r#"{"given_names":"Ana","surnames":"Ruiz","document_type":"ptp","document_number":"PTP0098765",
            "document_country":"VE","birth_date":"2012-07-30","contact":null,"address":null,"bank_account":null,
            "legal_representative":"Carmen Rosa Rodríguez Díaz (madre)"}"#;
        let identity: Identity = serde_json::from_str(old).unwrap();
        let representative = identity.legal_representative.unwrap();
        assert_eq!(representative.full_name(), "Carmen Rosa Rodríguez Díaz (madre)");
        assert!(representative.document_number.is_empty());
        assert_eq!(Relationship::parse("relationship", "Mother"), Ok(Relationship::Mother));
        assert!(Relationship::parse("relationship", "neighbour").is_err());
    }
}
