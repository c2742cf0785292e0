//! People who log in, and the institutions they belong to.

use serde::Serialize;

use crate::{FieldError, Secret};

/// A login name: 3–64 characters, lower-case ASCII letters, digits, `.`, `_` or `-`, starting
/// with a letter. Input is trimmed and lower-cased, so `MPerez` and `mperez` are one user.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub const LENGTH_MAX: usize = 64;

    pub fn parse(value: &str) -> Result<Username, FieldError> {
        let value = value.trim().to_lowercase();
        let error = |reason: &str| Err(FieldError::new("username", reason));
        if value.is_empty() {
            return error("must not be empty");
        }
        if value.len() < 3 || value.len() > Self::LENGTH_MAX {
            return error("must be 3 to 64 characters long");
        }
        if !value.starts_with(|c: char| c.is_ascii_lowercase()) {
            return error("must start with a letter");
        }
        if let Some(bad) = value
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')))
        {
            return Err(FieldError::new(
                "username",
                format!("may contain only letters a-z, digits, '.', '_' and '-' (found {bad:?})"),
            ));
        }
        Ok(Username(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `c` must not appear in a name or free text that reaches a page or a bank file: a
/// control character, or an invisible format character that hides or reorders what is shown —
/// zero-width spaces and joiners and the direction marks (U+200B–U+200F), bidirectional
/// embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069), the word joiner and
/// invisible operators (U+2060–U+2064), deprecated format controls (U+206A–U+206F), the byte
/// order mark (U+FEFF), the soft hyphen (U+00AD), the Arabic letter mark (U+061C), the Mongolian
/// vowel separator (U+180E), the combining grapheme joiner (U+034F), Hangul fillers, interlinear
/// annotation controls (U+FFF9–U+FFFB) and tag characters (U+E0000–U+E007F).
pub fn is_hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// The first hidden character of `value` (see [`is_hidden_char`]) as an error naming `field`
/// and the character's code point, so that the person can find what they cannot see.
pub fn refuse_hidden_chars(field: &str, value: &str) -> Result<(), FieldError> {
    match value.chars().find(|c| is_hidden_char(*c)) {
        None => Ok(()),
        Some(c) => Err(FieldError::new(
            field,
            format!(
                "must not contain control or invisible formatting characters (found U+{:04X})",
                u32::from(c)
            ),
        )),
    }
}

/// Trims, collapses inner whitespace and checks length, control and invisible formatting
/// characters: the common rule for names people type (institutions, display names).
pub fn parse_name(field: &str, value: &str, length_max: usize) -> Result<String, FieldError> {
    let collapsed = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if collapsed.chars().count() > length_max {
        return Err(FieldError::new(field, format!("must be at most {length_max} characters long")));
    }
    refuse_hidden_chars(field, &collapsed)?;
    Ok(collapsed)
}

/// The name of an institution (`Ministerio Público – Fiscalía de Tumbes`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct InstitutionName(String);

impl InstitutionName {
    pub const LENGTH_MAX: usize = 200;

    pub fn parse(value: &str) -> Result<InstitutionName, FieldError> {
        parse_name("institution", value, Self::LENGTH_MAX).map(InstitutionName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for InstitutionName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a password must satisfy (configurable minimum length; the maximum bounds hashing work).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordRules {
    pub length_min: usize,
}

impl PasswordRules {
    /// Longer inputs are refused so that nobody can make the server hash megabytes.
    pub const LENGTH_MAX: usize = 256;
}

impl Default for PasswordRules {
    fn default() -> Self {
        Self { length_min: 12 }
    }
}

/// A new password that passed the rules. Only ever held as a [`Secret`].
#[derive(Debug, Clone)]
pub struct Password(Secret<String>);

impl Password {
    /// Checks a new password. `username` is refused as (part of) the password.
    pub fn parse(
        value: &str,
        rules: &PasswordRules,
        username: Option<&Username>,
    ) -> Result<Password, FieldError> {
        let error = |reason: String| Err(FieldError::new("password", reason));
        let length = value.chars().count();
        if length < rules.length_min {
            return error(format!("must be at least {} characters long", rules.length_min));
        }
        if length > PasswordRules::LENGTH_MAX {
            return error(format!("must be at most {} characters long", PasswordRules::LENGTH_MAX));
        }
        if value.trim() != value {
            return error("must not start or end with spaces".to_string());
        }
        let mut distinct: Vec<char> = value.chars().collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 4 {
            return error("must use at least 4 different characters".to_string());
        }
        if let Some(username) = username {
            if value.to_lowercase().contains(username.as_str()) {
                return error("must not contain the username".to_string());
            }
        }
        Ok(Password(Secret::new(value.to_string())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_is_trimmed_and_lower_cased() {
        assert_eq!(Username::parse("  MPerez.Tumbes ").unwrap().as_str(), "mperez.tumbes");
    }

    #[test]
    fn a_username_with_spaces_or_accents_is_refused() {
        for bad in ["", "ab", "1abc", "maría", "juan perez", "a/b", &"x".repeat(65)] {
            let error = Username::parse(bad).unwrap_err();
            assert_eq!(error.field, "username", "{bad:?}");
        }
    }

    #[test]
    fn an_institution_name_keeps_accents_and_collapses_spaces() {
        let name = InstitutionName::parse("  Ministerio   Público – Tumbes ").unwrap();
        assert_eq!(name.as_str(), "Ministerio Público – Tumbes");
        assert!(InstitutionName::parse("   ").is_err());
        assert!(InstitutionName::parse("a\u{7}b").is_err());
        assert!(InstitutionName::parse(&"é".repeat(201)).is_err());
    }

    #[test]
    fn a_short_or_repetitive_password_is_refused() {
        let rules = PasswordRules::default();
        assert!(Password::parse("short", &rules, None).is_err());
        assert!(Password::parse("aaaaaaaaaaaaaaaa", &rules, None).is_err());
        assert!(Password::parse(" leading-space-pw", &rules, None).is_err());
        assert!(Password::parse(&"ab3$".repeat(65), &rules, None).is_err());
        assert!(Password::parse("correct horse battery", &rules, None).is_ok());
    }

    #[test]
    fn a_password_containing_the_username_is_refused() {
        let rules = PasswordRules::default();
        let user = Username::parse("mperez").unwrap();
        let error = Password::parse("MPerez-2026-secure", &rules, Some(&user)).unwrap_err();
        assert!(error.reason.contains("username"));
    }

    #[test]
    fn a_password_never_prints_itself() {
        let password = Password::parse("correct horse battery", &PasswordRules::default(), None).unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }
}

/// What kind of body an institution is (after HTCDS `org_Type`, with the justice-sector bodies
/// Redress deals with).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionKind {
    Police,
    Prosecutor,
    Court,
    Ministry,
    PublicDefender,
    AssetAgency,
    FundUnit,
    Ngo,
    Other,
}

impl InstitutionKind {
    pub const ALL: [InstitutionKind; 9] = [
        InstitutionKind::Police,
        InstitutionKind::Prosecutor,
        InstitutionKind::Court,
        InstitutionKind::Ministry,
        InstitutionKind::PublicDefender,
        InstitutionKind::AssetAgency,
        InstitutionKind::FundUnit,
        InstitutionKind::Ngo,
        InstitutionKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InstitutionKind::Police => "police",
            InstitutionKind::Prosecutor => "prosecutor",
            InstitutionKind::Court => "court",
            InstitutionKind::Ministry => "ministry",
            InstitutionKind::PublicDefender => "public_defender",
            InstitutionKind::AssetAgency => "asset_agency",
            InstitutionKind::FundUnit => "fund_unit",
            InstitutionKind::Ngo => "ngo",
            InstitutionKind::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Result<InstitutionKind, FieldError> {
        let wanted = value.trim();
        InstitutionKind::ALL.into_iter().find(|kind| kind.as_str() == wanted).ok_or_else(|| {
            let names: Vec<&str> = InstitutionKind::ALL.iter().map(|k| k.as_str()).collect();
            FieldError::new("kind", format!("unknown kind {wanted:?}; expected one of {}", names.join(", ")))
        })
    }
}

#[cfg(test)]
mod kind_tests {
    use super::*;

    #[test]
    fn every_institution_kind_round_trips_through_its_name() {
        for kind in InstitutionKind::ALL {
            assert_eq!(InstitutionKind::parse(kind.as_str()), Ok(kind));
        }
        assert_eq!(InstitutionKind::parse("bank").unwrap_err().field, "kind");
    }

    #[test]
    fn names_refuse_invisible_formatting_characters() {
        for hidden in [
            '\u{200B}',
            '\u{200F}',
            '\u{202E}',
            '\u{2066}',
            '\u{2069}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{0007}',
            '\u{E0041}',
        ] {
            let name = format!("Ana{hidden} Quispe");
            let error = parse_name("surnames", &name, 120).expect_err(&name);
            assert_eq!(error.field, "surnames");
            assert!(error.reason.contains(&format!("U+{:04X}", u32::from(hidden))), "{}", error.reason);
        }
        assert_eq!(parse_name("surnames", "Ñañez  Peña-Ávila", 120).unwrap(), "Ñañez Peña-Ávila");
        assert!(parse_name("name", "محمد علي", 120).is_ok(), "right-to-left scripts themselves are fine");
    }
}
