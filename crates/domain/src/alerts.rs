//! Alerts: a reported or suspected case of trafficking, recorded before any victim is registered,
//! and the meeting of the concerned institutions that must follow within 24 hours.
//!
//! An alert is `open` when recorded; its meeting is convened (`meeting_convened`, with the
//! instant it is scheduled for, which may be rescheduled) and held (`meeting_held`, with its
//! participants and decisions). Held, it is confirmed (turned into a case: the alert keeps the
//! case's id) or closed with a reason. An alert may also be closed before its meeting (a duplicate,
//! say). The meeting is due 24 hours after the alert was reported; an alert whose meeting is not
//! held by then, and that is still active (open or convened), is overdue.
//!
//! An alert never carries a victim's identity: a summary, a place at region level, the urgency,
//! whether minors are involved and the country the case comes from.

use serde::Serialize;

use crate::{FieldError, Timestamp};

/// The meeting is due this long after the alert was reported.
pub const MEETING_WITHIN_SECONDS: i64 = 24 * 3600;

/// The longest summary, decisions text or participant name kept.
pub const TEXT_MAX: usize = 2_000;

macro_rules! closed_set {
    ($(#[$doc:meta])* $name:ident, $field:literal, $expected:literal, { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The value for its code (as typed: trimmed, any case).
            pub fn parse(value: &str) -> Result<$name, FieldError> {
                let wanted = value.trim().to_ascii_lowercase();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == wanted)
                    .ok_or_else(|| FieldError::new($field, concat!("must be ", $expected)))
            }
        }
    };
}

closed_set!(
    /// How urgent the response is.
    Urgency, "urgency", "immediate, high or normal",
    { Immediate => "immediate", High => "high", Normal => "normal" }
);

closed_set!(
    /// Where an alert stands.
    AlertState, "state", "open, meeting_convened, meeting_held, confirmed or closed",
    {
        Open => "open",
        MeetingConvened => "meeting_convened",
        MeetingHeld => "meeting_held",
        Confirmed => "confirmed",
        Closed => "closed",
    }
);

closed_set!(
    /// Why an alert was closed without becoming a case.
    ClosureReason, "reason", "unfounded, duplicate or referred_elsewhere",
    { Unfounded => "unfounded", Duplicate => "duplicate", ReferredElsewhere => "referred_elsewhere" }
);

/// When the meeting of an alert reported at `reported_at` is due.
pub fn meeting_due(reported_at: Timestamp) -> Timestamp {
    reported_at.plus_seconds(MEETING_WITHIN_SECONDS)
}

impl AlertState {
    /// Whether the response is still under way: the meeting not held, the alert neither
    /// confirmed nor closed.
    pub fn awaits_meeting(self) -> bool {
        matches!(self, AlertState::Open | AlertState::MeetingConvened)
    }

    /// Whether the alert is overdue at `now`: it still awaits its meeting, and the meeting was
    /// due before `now`.
    pub fn overdue(self, due: Timestamp, now: Timestamp) -> bool {
        self.awaits_meeting() && now > due
    }

    fn refuse(self, action: &str) -> FieldError {
        FieldError::new("state", format!("an alert that is {} cannot {action}", self.as_str()))
    }

    /// Convenes (or reschedules) the meeting.
    pub fn convene(self) -> Result<AlertState, FieldError> {
        if self.awaits_meeting() {
            Ok(AlertState::MeetingConvened)
        } else {
            Err(self.refuse("have its meeting convened"))
        }
    }

    /// Records the meeting as held (convened first, or held at once).
    pub fn hold(self) -> Result<AlertState, FieldError> {
        if self.awaits_meeting() {
            Ok(AlertState::MeetingHeld)
        } else {
            Err(self.refuse("have its meeting held"))
        }
    }

    /// Closes the alert without a case.
    pub fn close(self) -> Result<AlertState, FieldError> {
        match self {
            AlertState::Open | AlertState::MeetingConvened | AlertState::MeetingHeld => {
                Ok(AlertState::Closed)
            }
            _ => Err(self.refuse("be closed")),
        }
    }

    /// Confirms the alert as a case: only once its meeting was held.
    pub fn confirm(self) -> Result<AlertState, FieldError> {
        match self {
            AlertState::MeetingHeld => Ok(AlertState::Confirmed),
            _ => Err(self.refuse("be confirmed: its meeting is held first")),
        }
    }
}

/// A text of 1 to [`TEXT_MAX`] characters (lines allowed), trimmed.
pub fn parse_text(field: &str, value: &str) -> Result<String, FieldError> {
    let text = value.trim();
    if text.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if text.chars().count() > TEXT_MAX {
        return Err(FieldError::new(field, "must be at most 2000 characters long"));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(FieldError::new(field, "must be one line without control characters"));
    }
    Ok(text.to_string())
}

/// An instant at which something happened: not after `now`, not before `not_before`.
pub fn past_instant(
    field: &str,
    at: Timestamp,
    not_before: Option<Timestamp>,
    now: Timestamp,
) -> Result<Timestamp, FieldError> {
    if at > now {
        return Err(FieldError::new(field, "must not be in the future"));
    }
    if not_before.is_some_and(|earliest| at < earliest) {
        return Err(FieldError::new(field, "must not be before the alert was reported"));
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORTED: Timestamp = Timestamp::from_unix_micros(1_780_000_000_000_000);

    #[test]
    fn the_meeting_is_due_exactly_24_hours_after_the_report() {
        let due = meeting_due(REPORTED);
        assert_eq!(due.unix_micros() - REPORTED.unix_micros(), 86_400_000_000);
    }

    #[test]
    fn an_alert_is_overdue_only_while_it_awaits_its_meeting_past_the_deadline() {
        let due = meeting_due(REPORTED);
        let late = due.plus_seconds(1);
        assert!(!AlertState::Open.overdue(due, due));
        assert!(AlertState::Open.overdue(due, late));
        assert!(AlertState::MeetingConvened.overdue(due, late));
        for state in [AlertState::MeetingHeld, AlertState::Confirmed, AlertState::Closed] {
            assert!(!state.overdue(due, late), "{state:?}");
        }
    }

    #[test]
    fn the_states_follow_the_meeting() {
        let held = AlertState::Open.convene().unwrap().convene().unwrap().hold().unwrap();
        assert_eq!(held, AlertState::MeetingHeld);
        assert_eq!(held.confirm(), Ok(AlertState::Confirmed));
        assert_eq!(AlertState::Open.hold(), Ok(AlertState::MeetingHeld));
        assert_eq!(AlertState::Open.close(), Ok(AlertState::Closed));
        assert_eq!(held.close(), Ok(AlertState::Closed));
        let refused = AlertState::Open.confirm().unwrap_err();
        assert_eq!(refused.field, "state");
        assert!(held.convene().is_err());
        assert!(AlertState::Closed.close().is_err());
        assert!(AlertState::Confirmed.close().is_err());
        assert!(AlertState::Closed.confirm().is_err());
    }

    #[test]
    fn codes_parse_exactly_to_their_values() {
        assert_eq!(Urgency::parse(" Immediate "), Ok(Urgency::Immediate));
        assert_eq!(Urgency::parse("urgent").unwrap_err().field, "urgency");
        assert_eq!(ClosureReason::parse("referred_elsewhere"), Ok(ClosureReason::ReferredElsewhere));
        assert_eq!(ClosureReason::parse("x").unwrap_err().field, "reason");
        for state in AlertState::ALL {
            assert_eq!(AlertState::parse(state.as_str()), Ok(*state));
        }
    }

    #[test]
    fn texts_and_instants_are_checked() {
        assert_eq!(parse_text("summary", "  ").unwrap_err().reason, "must not be empty");
        assert!(parse_text("summary", &"a".repeat(2_001)).is_err());
        assert_eq!(parse_text("summary", " Dos menores\nen Tumbes "), Ok("Dos menores\nen Tumbes".into()));
        let now = REPORTED.plus_seconds(3600);
        assert!(past_instant("held_at", now.plus_seconds(1), Some(REPORTED), now).is_err());
        assert!(past_instant("held_at", REPORTED.minus_seconds(1), Some(REPORTED), now).is_err());
        assert_eq!(past_instant("held_at", now, Some(REPORTED), now), Ok(now));
    }
}
