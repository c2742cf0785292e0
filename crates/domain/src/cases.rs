//! Criminal cases, their stages, and the offences they concern.
//!
//! A case moves forward through its stages — reported, investigation, charged, trial, judgment,
//! final — or ends early (archived) or with an acquittal. Each change has a date, which may not
//! be in the future nor before the previous change. Illegal moves are refused with the stages
//! that are allowed from where the case stands.

use serde::Serialize;
use time::Date;

use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Reported,
    Investigation,
    Charged,
    Trial,
    Judgment,
    Final,
    Archived,
    Acquitted,
}

impl Stage {
    pub const ALL: [Stage; 8] = [
        Stage::Reported,
        Stage::Investigation,
        Stage::Charged,
        Stage::Trial,
        Stage::Judgment,
        Stage::Final,
        Stage::Archived,
        Stage::Acquitted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Reported => "reported",
            Stage::Investigation => "investigation",
            Stage::Charged => "charged",
            Stage::Trial => "trial",
            Stage::Judgment => "judgment",
            Stage::Final => "final",
            Stage::Archived => "archived",
            Stage::Acquitted => "acquitted",
        }
    }

    pub fn parse(value: &str) -> Result<Stage, FieldError> {
        let wanted = value.trim().to_ascii_lowercase();
        Stage::ALL.into_iter().find(|s| s.as_str() == wanted).ok_or_else(|| {
            FieldError::new(
                "stage",
                "must be reported, investigation, charged, trial, judgment, final, archived or acquitted",
            )
        })
    }

    /// The stages a case may move to from this one.
    pub fn next(self) -> &'static [Stage] {
        match self {
            Stage::Reported => &[Stage::Investigation, Stage::Archived],
            Stage::Investigation => &[Stage::Charged, Stage::Archived],
            Stage::Charged => &[Stage::Trial, Stage::Archived],
            Stage::Trial => &[Stage::Judgment, Stage::Acquitted],
            // A judgment set aside on appeal (annulled) sends the case back to trial.
            Stage::Judgment => &[Stage::Final, Stage::Acquitted, Stage::Trial],
            Stage::Final | Stage::Archived | Stage::Acquitted => &[],
        }
    }

    /// Whether the case has reached at least `other` on the way to a final judgment (an
    /// advance needs a case that is at least charged). Archived and acquitted cases reach
    /// nothing.
    pub fn reached(self, other: Stage) -> bool {
        let rank = |stage: Stage| match stage {
            Stage::Reported => Some(0),
            Stage::Investigation => Some(1),
            Stage::Charged => Some(2),
            Stage::Trial => Some(3),
            Stage::Judgment => Some(4),
            Stage::Final => Some(5),
            Stage::Archived | Stage::Acquitted => None,
        };
        matches!((rank(self), rank(other)), (Some(a), Some(b)) if a >= b)
    }

    /// The stage a recorded judgment puts the case in: `judgment`, or `final` when the judgment
    /// is final. A closed case (archived, acquitted) takes no judgment.
    pub fn after_judgment(self, final_judgment: bool) -> Result<Stage, FieldError> {
        match self {
            Stage::Archived | Stage::Acquitted => {
                Err(FieldError::new("stage", format!("the case is {}: it takes no judgment", self.as_str())))
            }
            Stage::Final => Ok(Stage::Final),
            _ if final_judgment => Ok(Stage::Final),
            _ => Ok(Stage::Judgment),
        }
    }

    /// Whether people move a case to this stage by hand: `judgment` and `final` follow from the
    /// judgments recorded (and their finality), never from a typed stage.
    pub fn set_by_hand(self) -> bool {
        !matches!(self, Stage::Judgment | Stage::Final)
    }

    /// Moves the case to `to` on `on`, after its last change on `last_change`, as of `today`.
    pub fn transition(
        self,
        to: Stage,
        on: Date,
        last_change: Date,
        today: Date,
    ) -> Result<Stage, FieldError> {
        if !self.next().contains(&to) {
            let allowed: Vec<&str> = self.next().iter().map(|s| s.as_str()).collect();
            let reason = if allowed.is_empty() {
                format!("a case that is {} cannot change stage", self.as_str())
            } else {
                format!("a case that is {} can move only to {}", self.as_str(), allowed.join(" or "))
            };
            return Err(FieldError::new("stage", reason));
        }
        if on > today {
            return Err(FieldError::new("date", "must not be in the future"));
        }
        if on < last_change {
            return Err(FieldError::new("date", "must not be before the case's previous change"));
        }
        Ok(to)
    }
}

/// Peru's trafficking and exploitation offences after Law 31146 (Código Penal, Title I-A,
/// "Delitos contra la Dignidad Humana"): the default reference list, which a deployment may
/// replace by configuration for another country.
pub const OFFENCES_PERU: &[(&str, &str)] = &[
    ("129-A", "Trata de personas"),
    ("129-B", "Formas agravadas de la trata de personas"),
    ("129-C", "Explotación sexual"),
    ("129-D", "Promoción o favorecimiento de la explotación sexual"),
    ("129-E", "Cliente de la explotación sexual"),
    ("129-F", "Beneficio por explotación sexual"),
    ("129-G", "Gestión de la explotación sexual"),
    ("129-H", "Explotación sexual de niñas, niños y adolescentes"),
    ("129-I", "Promoción y favorecimiento de la explotación sexual de niñas, niños y adolescentes"),
    ("129-J", "Cliente del adolescente"),
    ("129-K", "Beneficio de la explotación sexual de niñas, niños y adolescentes"),
    ("129-L", "Gestión de la explotación sexual de niñas, niños y adolescentes"),
    ("129-LL", "Pornografía infantil (explotación sexual en material)"),
    ("129-M", "Publicación en los medios de comunicación sobre delitos de libertad sexual contra niñas, niños y adolescentes"),
    ("129-N", "Esclavitud y otras formas de explotación"),
    ("129-Ñ", "Trabajo forzoso"),
];

/// An offence code from the reference list (`129-A`).
pub fn parse_offence(field: &str, value: &str, reference: &[(&str, &str)]) -> Result<String, FieldError> {
    let wanted = value.trim().to_uppercase();
    reference.iter().find(|(code, _)| *code == wanted).map(|(code, _)| code.to_string()).ok_or_else(|| {
        let codes: Vec<&str> = reference.iter().map(|(code, _)| *code).collect();
        FieldError::new(field, format!("unknown offence {wanted:?}; expected one of {}", codes.join(", ")))
    })
}

/// A file number (prosecutor's or court's): 3–60 printable characters.
pub fn parse_file_number(field: &str, value: &str) -> Result<String, FieldError> {
    let text = value.trim();
    if text.chars().count() < 3 || text.chars().count() > 60 || text.chars().any(crate::user::is_hidden_char)
    {
        return Err(FieldError::new(field, "must be 3 to 60 printable characters"));
    }
    Ok(text.to_string())
}

/// A date given as `YYYY-MM-DD`.
pub fn parse_date(field: &str, value: &str) -> Result<Date, FieldError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(value.trim(), &format)
        .map_err(|_| FieldError::new(field, "must be a date such as 2026-03-14"))
}

/// A date given as `YYYY-MM-DD` that has already happened (not after `today`).
pub fn parse_past_date(field: &str, value: &str, today: Date) -> Result<Date, FieldError> {
    let date = parse_date(field, value)?;
    if date > today {
        return Err(FieldError::new(field, "must not be in the future"));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 28);

    #[test]
    fn a_case_moves_forward_one_stage_at_a_time() {
        let mut stage = Stage::Reported;
        let mut last = date!(2025 - 01 - 01);
        for (to, on) in [
            (Stage::Investigation, date!(2025 - 02 - 01)),
            (Stage::Charged, date!(2025 - 06 - 01)),
            (Stage::Trial, date!(2025 - 09 - 01)),
            (Stage::Judgment, date!(2026 - 03 - 01)),
            (Stage::Final, date!(2026 - 05 - 01)),
        ] {
            stage = stage.transition(to, on, last, TODAY).unwrap();
            last = on;
        }
        assert_eq!(stage, Stage::Final);
    }

    #[test]
    fn skipping_or_going_back_is_refused_with_the_allowed_stages() {
        let error = Stage::Reported.transition(Stage::Trial, TODAY, TODAY, TODAY).unwrap_err();
        assert_eq!(error.field, "stage");
        assert!(error.reason.contains("investigation or archived"), "{}", error.reason);
        assert!(Stage::Trial.transition(Stage::Charged, TODAY, TODAY, TODAY).is_err());
        assert!(Stage::Final.transition(Stage::Archived, TODAY, TODAY, TODAY).is_err());
        assert!(Stage::Trial.transition(Stage::Acquitted, TODAY, TODAY, TODAY).is_ok());
    }

    #[test]
    fn change_dates_are_not_in_the_future_nor_before_the_last_change() {
        let future = Stage::Reported.transition(Stage::Investigation, date!(2026 - 12 - 01), TODAY, TODAY);
        assert_eq!(future.unwrap_err().field, "date");
        let earlier = Stage::Reported.transition(
            Stage::Investigation,
            date!(2026 - 01 - 01),
            date!(2026 - 02 - 01),
            TODAY,
        );
        assert_eq!(earlier.unwrap_err().field, "date");
    }

    #[test]
    fn reached_follows_the_path_to_a_final_judgment() {
        assert!(Stage::Trial.reached(Stage::Charged));
        assert!(Stage::Charged.reached(Stage::Charged));
        assert!(!Stage::Investigation.reached(Stage::Charged));
        assert!(!Stage::Archived.reached(Stage::Reported));
    }

    #[test]
    fn offences_come_from_the_reference_list() {
        assert_eq!(parse_offence("offences[0]", "129-a", OFFENCES_PERU), Ok("129-A".to_string()));
        assert_eq!(parse_offence("offences[0]", "129-ñ", OFFENCES_PERU), Ok("129-Ñ".to_string()));
        assert_eq!(parse_offence("offences[1]", "153", OFFENCES_PERU).unwrap_err().field, "offences[1]");
    }
}
