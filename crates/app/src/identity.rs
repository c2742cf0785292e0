//! Reading a victim's identity from what victim services typed: the fields of a registration,
//! a legal representative as a person, and a correction (a merge patch: a field left out stays,
//! a field sent as null is cleared). Every field is checked and every problem reported at once.

use redress_domain::payments::BankAccount;
use redress_domain::user::parse_name;
use redress_domain::victims::{
    parse_birth_date, parse_country, parse_person_name, DocumentType, Identity, Relationship, Representative,
};
use redress_domain::{FieldError, FieldErrors};
use time::Date;

/// Longest free-text field of the identity (contact, address, legal basis).
pub const TEXT_LENGTH_MAX: usize = 300;

/// A legal representative as received.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepresentativeInput {
    pub given_names: String,
    pub surnames: String,
    /// dni, ce, passport, ptp or other_foreign.
    pub document_type: String,
    pub document_number: String,
    /// Issuing country (ISO 3166 alpha-2); default PE.
    #[serde(default)]
    pub document_country: Option<String>,
    /// mother, father, guardian, relative, public_defender, protection_unit or other.
    pub relationship: String,
    /// Why they may act for the victim: custody, a guardianship resolution, a legal mandate.
    pub legal_basis: String,
    /// Their own account (CCI or IBAN), if they have one.
    #[serde(default)]
    pub bank_account: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
}

/// One line of free text: trimmed, empty means none, no control characters, bounded.
pub fn optional_text(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<String> {
    let text = value.map(str::trim).filter(|t| !t.is_empty())?;
    if text.chars().count() > TEXT_LENGTH_MAX || text.chars().any(redress_domain::user::is_hidden_char) {
        errors.push(FieldError::new(
            field,
            format!("must be one line of at most {TEXT_LENGTH_MAX} characters"),
        ));
        return None;
    }
    Some(text.to_string())
}

/// A bank account as typed: validated (CCI check digits, IBAN mod 97), stored cleaned.
pub fn optional_account(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<String> {
    let text = value.map(str::trim).filter(|t| !t.is_empty())?;
    errors.check(BankAccount::parse(field, text)).map(|account| account.as_str().to_string())
}

/// A document type and number, normalised; errors reported under `prefix`'s field names.
pub fn document(
    errors: &mut FieldErrors,
    prefix: &str,
    document_type: &str,
    number: &str,
) -> Option<(DocumentType, String)> {
    let kind = errors
        .check(DocumentType::parse(document_type).map_err(|e| e.at(format!("{prefix}document_type"))))?;
    let number =
        errors.check(kind.normalize_number(number).map_err(|e| e.at(format!("{prefix}document_number"))))?;
    Some((kind, number))
}

/// A representative, every field checked; errors name `legal_representative.<field>`.
pub fn representative(errors: &mut FieldErrors, input: &RepresentativeInput) -> Option<Representative> {
    let at = |field: &str| format!("legal_representative.{field}");
    let before = errors.0.len();
    let given_names = errors.check(parse_person_name(&at("given_names"), &input.given_names));
    let surnames = errors.check(parse_person_name(&at("surnames"), &input.surnames));
    let document = document(errors, "legal_representative.", &input.document_type, &input.document_number);
    let document_country = match &input.document_country {
        Some(country) => errors.check(parse_country(&at("document_country"), country)),
        None => Some("PE".to_string()),
    };
    let relationship = errors.check(Relationship::parse(&at("relationship"), &input.relationship));
    let legal_basis = errors.check(parse_name(&at("legal_basis"), &input.legal_basis, TEXT_LENGTH_MAX));
    let bank_account = optional_account(errors, &at("bank_account"), input.bank_account.as_deref());
    let contact = optional_text(errors, &at("contact"), input.contact.as_deref());
    if errors.0.len() > before {
        return None;
    }
    let ((document_type, document_number), given_names, surnames) = (document?, given_names?, surnames?);
    Some(Representative {
        given_names,
        surnames,
        document_type,
        document_number,
        document_country: document_country?,
        relationship: relationship?,
        legal_basis: legal_basis?,
        bank_account,
        contact,
    })
}

/// A list of short texts (languages, methods of control): at most 20 entries.
pub fn text_list(errors: &mut FieldErrors, field: &str, values: &[String]) -> Vec<String> {
    if values.len() > 20 {
        errors.push(FieldError::new(field, "must list at most 20 entries"));
        return Vec::new();
    }
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| optional_text(errors, &format!("{field}[{i}]"), Some(v)))
        .collect()
}

/// A correction of a victim's record: each field left out (`None`) stays as it is; for an
/// optional field, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct IdentityPatch {
    pub given_names: Option<String>,
    pub surnames: Option<String>,
    pub document_type: Option<String>,
    pub document_number: Option<String>,
    pub document_country: Option<String>,
    pub birth_date: Option<String>,
    pub contact: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub bank_account: Option<Option<String>>,
    pub legal_representative: Option<Option<RepresentativeInput>>,
    pub languages: Option<Vec<String>>,
    pub recruitment: Option<Option<String>>,
    pub methods_of_control: Option<Vec<String>>,
}

impl IdentityPatch {
    /// The names of the fields this patch sets.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut fields = Vec::new();
        let mut note = |set: bool, name: &'static str| {
            if set {
                fields.push(name);
            }
        };
        note(self.given_names.is_some(), "given_names");
        note(self.surnames.is_some(), "surnames");
        note(self.document_type.is_some(), "document_type");
        note(self.document_number.is_some(), "document_number");
        note(self.document_country.is_some(), "document_country");
        note(self.birth_date.is_some(), "birth_date");
        note(self.contact.is_some(), "contact");
        note(self.address.is_some(), "address");
        note(self.bank_account.is_some(), "bank_account");
        note(self.legal_representative.is_some(), "legal_representative");
        note(self.languages.is_some(), "languages");
        note(self.recruitment.is_some(), "recruitment");
        note(self.methods_of_control.is_some(), "methods_of_control");
        fields
    }

    /// The identity after the patch, every changed field checked as at registration.
    pub fn apply(&self, current: &Identity, today: Date) -> Result<Identity, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut next = current.clone();
        if let Some(names) = &self.given_names {
            next.given_names = errors.check(parse_person_name("given_names", names)).unwrap_or_default();
        }
        if let Some(names) = &self.surnames {
            next.surnames = errors.check(parse_person_name("surnames", names)).unwrap_or_default();
        }
        if self.document_type.is_some() || self.document_number.is_some() {
            let kind =
                self.document_type.clone().unwrap_or_else(|| current.document_type.as_str().to_string());
            let number = self.document_number.clone().unwrap_or_else(|| current.document_number.clone());
            if let Some((kind, number)) = document(&mut errors, "", &kind, &number) {
                next.document_type = kind;
                next.document_number = number;
            }
        }
        if let Some(country) = &self.document_country {
            next.document_country =
                errors.check(parse_country("document_country", country)).unwrap_or_default();
        }
        if let Some(birth) = &self.birth_date {
            if let Some(date) = errors.check(parse_birth_date(birth, today)) {
                next.birth_date = date.to_string();
            }
        }
        if let Some(contact) = &self.contact {
            next.contact = optional_text(&mut errors, "contact", contact.as_deref());
        }
        if let Some(address) = &self.address {
            next.address = optional_text(&mut errors, "address", address.as_deref());
        }
        if let Some(account) = &self.bank_account {
            next.bank_account = optional_account(&mut errors, "bank_account", account.as_deref());
        }
        if let Some(representative_input) = &self.legal_representative {
            next.legal_representative =
                representative_input.as_ref().and_then(|input| representative(&mut errors, input));
        }
        if let Some(languages) = &self.languages {
            next.languages = text_list(&mut errors, "languages", languages);
        }
        if let Some(recruitment) = &self.recruitment {
            next.recruitment = optional_text(&mut errors, "recruitment", recruitment.as_deref());
        }
        if let Some(methods) = &self.methods_of_control {
            next.methods_of_control = text_list(&mut errors, "methods_of_control", methods);
        }
        errors.into_result()?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn identity() -> Identity {
        Identity {
            given_names: "Rosa".into(),
            surnames: "Quispe".into(),
            document_type: DocumentType::Dni,
            document_number: "45678912".into(),
            document_country: "PE".into(),
            birth_date: "1998-04-23".into(),
            contact: Some("999 888 777".into()),
            address: None,
            bank_account: None,
            legal_representative: None,
            languages: vec![],
            recruitment: None,
            methods_of_control: vec![],
        }
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let patch = IdentityPatch {
            bank_account: Some(Some("011-366-000100032542-21".into())),
            contact: Some(None),
            ..IdentityPatch::default()
        };
        let next = patch.apply(&identity(), date!(2026 - 12 - 01)).unwrap();
        assert_eq!(next.bank_account.as_deref(), Some("01136600010003254221"));
        assert_eq!(next.contact, None);
        assert_eq!(next.given_names, "Rosa");
        assert_eq!(patch.fields(), vec!["contact", "bank_account"]);
    }

    #[test]
    fn a_bad_patch_names_every_field() {
        let patch = IdentityPatch {
            bank_account: Some(Some("12".into())),
            document_number: Some("123".into()),
            ..IdentityPatch::default()
        };
        let errors = patch.apply(&identity(), date!(2026 - 12 - 01)).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["document_number", "bank_account"]);
    }

    #[test]
    fn a_representative_is_a_whole_person() {
        let mut errors = FieldErrors::new();
        let input = RepresentativeInput {
            given_names: "Carmen Rosa".into(),
            surnames: "Rodríguez Díaz".into(),
            document_type: "ce".into(),
            document_number: "001234567".into(),
            relationship: "mother".into(),
            legal_basis: "Patria potestad".into(),
            bank_account: Some("00319398765432109876".into()),
            ..RepresentativeInput::default()
        };
        assert!(representative(&mut errors, &input).is_none());
        assert_eq!(errors.0[0].field, "legal_representative.bank_account");
        let mut errors = FieldErrors::new();
        let ok = RepresentativeInput { bank_account: None, ..input };
        let person = representative(&mut errors, &ok).unwrap();
        assert_eq!(person.full_name(), "Carmen Rosa Rodríguez Díaz");
        assert_eq!(person.document_country, "PE");
    }
}
