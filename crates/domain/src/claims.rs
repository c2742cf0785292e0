//! Claims on the fund: their states, the needs assessment that sets a priority tier, and the
//! deadlines the fund holds itself to.

use serde::Serialize;
use time::{Date, Weekday};

use crate::money::{Amount, Currency};
use crate::orders::{Condition, Eligibility};
use crate::FieldError;

/// What a claim asks the fund for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    /// The unpaid part of a final reparation order.
    Reparation,
    /// Urgent help before a final judgment, capped, deducted from the eventual reparation.
    Advance,
}

impl ClaimKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimKind::Reparation => "reparation",
            ClaimKind::Advance => "advance",
        }
    }

    pub fn parse(field: &str, value: &str) -> Result<ClaimKind, FieldError> {
        match value.trim() {
            "reparation" => Ok(ClaimKind::Reparation),
            "advance" => Ok(ClaimKind::Advance),
            _ => Err(FieldError::new(field, "must be reparation or advance")),
        }
    }

    /// The kind of a stored claim (storage gives the exact name or nothing).
    pub fn from_stored(value: &str) -> Option<ClaimKind> {
        match value {
            "reparation" => Some(ClaimKind::Reparation),
            "advance" => Some(ClaimKind::Advance),
            _ => None,
        }
    }
}

/// Where a claim stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimState {
    /// Filed, waiting for a decision.
    Received,
    /// Approved for an amount and tier; waiting for money.
    Approved,
    Rejected,
    /// An allocation round placed a hold for it.
    Allocated,
    /// In a payment batch sent to the bank.
    InBatch,
    Paid,
    Withdrawn,
    /// Stopped by a court decision: the judgment behind it was set aside (or the case ended
    /// in an acquittal), so the fund may not pay it.
    Stopped,
}

impl ClaimState {
    pub const ALL: [ClaimState; 8] = [
        ClaimState::Received,
        ClaimState::Approved,
        ClaimState::Rejected,
        ClaimState::Allocated,
        ClaimState::InBatch,
        ClaimState::Paid,
        ClaimState::Withdrawn,
        ClaimState::Stopped,
    ];

    pub fn parse(field: &str, value: &str) -> Result<ClaimState, FieldError> {
        ClaimState::ALL.into_iter().find(|s| s.as_str() == value.trim()).ok_or_else(|| {
            let names: Vec<&str> = ClaimState::ALL.iter().map(|s| s.as_str()).collect();
            FieldError::new(field, format!("unknown state; expected one of {}", names.join(", ")))
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ClaimState::Received => "received",
            ClaimState::Approved => "approved",
            ClaimState::Rejected => "rejected",
            ClaimState::Allocated => "allocated",
            ClaimState::InBatch => "in_batch",
            ClaimState::Paid => "paid",
            ClaimState::Withdrawn => "withdrawn",
            ClaimState::Stopped => "stopped",
        }
    }

    /// The states a claim may move to from this one. A bank's rejection sends an allocated or
    /// batched claim back to `approved`: it waits for the next round.
    pub fn next(self) -> &'static [ClaimState] {
        use ClaimState::*;
        match self {
            Received => &[Approved, Rejected, Withdrawn, Stopped],
            // Paid straight from approved only when a bank result is corrected: a payment the
            // bank had reported rejected was made after all.
            Approved => &[Allocated, Withdrawn, Stopped, Paid],
            Allocated => &[InBatch, Approved],
            InBatch => &[Paid, Approved],
            // Only when the bank returns money it had paid.
            Paid => &[Approved],
            Rejected | Withdrawn | Stopped => &[],
        }
    }

    pub fn transition(self, to: ClaimState) -> Result<ClaimState, FieldError> {
        if self.next().contains(&to) {
            Ok(to)
        } else {
            let allowed: Vec<&str> = self.next().iter().map(|s| s.as_str()).collect();
            Err(FieldError::new(
                "state",
                if allowed.is_empty() {
                    format!("a claim that is {} cannot change state", self.as_str())
                } else {
                    format!("a claim that is {} can move only to {}", self.as_str(), allowed.join(", "))
                },
            ))
        }
    }

    /// A claim still open on its order (at most one per order).
    pub fn is_open(self) -> bool {
        !matches!(self, ClaimState::Rejected | ClaimState::Paid | ClaimState::Withdrawn | ClaimState::Stopped)
    }
}

/// What a claim waits for before it may be paid (again). A waiting claim is left out of
/// allocation rounds and batches, and its page says why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Waiting {
    /// The bank refused the payee's account or name: victim services must correct the
    /// victim's (or the representative's) details first.
    PayeeDetails,
    /// The bank reported a result that contradicts one already applied: a treasurer must
    /// establish what really happened before anything more is paid.
    BankConflict,
    /// The judgment behind the order is under appeal or was set aside.
    CourtDecision,
}

impl Waiting {
    pub const ALL: [Waiting; 3] = [Waiting::PayeeDetails, Waiting::BankConflict, Waiting::CourtDecision];

    pub fn as_str(self) -> &'static str {
        match self {
            Waiting::PayeeDetails => "payee_details",
            Waiting::BankConflict => "bank_conflict",
            Waiting::CourtDecision => "court_decision",
        }
    }

    pub fn parse(value: &str) -> Option<Waiting> {
        Waiting::ALL.into_iter().find(|w| w.as_str() == value)
    }
}

/// Facts of a needs assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    Minor,
    Pregnancy,
    SeriousHealthNeed,
    NoSafeHousing,
    FacingRemoval,
    Dependants,
    NoIncome,
    Disability,
    ForeignWithoutDocuments,
}

impl Need {
    pub const ALL: [Need; 9] = [
        Need::Minor,
        Need::Pregnancy,
        Need::SeriousHealthNeed,
        Need::NoSafeHousing,
        Need::FacingRemoval,
        Need::Dependants,
        Need::NoIncome,
        Need::Disability,
        Need::ForeignWithoutDocuments,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Need::Minor => "minor",
            Need::Pregnancy => "pregnancy",
            Need::SeriousHealthNeed => "serious_health_need",
            Need::NoSafeHousing => "no_safe_housing",
            Need::FacingRemoval => "facing_removal",
            Need::Dependants => "dependants",
            Need::NoIncome => "no_income",
            Need::Disability => "disability",
            Need::ForeignWithoutDocuments => "foreign_without_documents",
        }
    }

    pub fn parse(field: &str, value: &str) -> Result<Need, FieldError> {
        let wanted = value.trim().to_ascii_lowercase();
        Need::ALL.into_iter().find(|n| n.as_str() == wanted).ok_or_else(|| {
            let names: Vec<&str> = Need::ALL.iter().map(|n| n.as_str()).collect();
            FieldError::new(field, format!("unknown need; expected one of {}", names.join(", ")))
        })
    }
}

/// Which needs make a claim urgent (tier 1) or high priority (tier 2); everything else is
/// standard (tier 3). Configuration, not code: the defaults for Peru are
/// [`TierRules::default`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierRules {
    pub urgent: Vec<Need>,
    pub high: Vec<Need>,
}

impl Default for TierRules {
    fn default() -> Self {
        TierRules {
            urgent: vec![
                Need::Minor,
                Need::Pregnancy,
                Need::SeriousHealthNeed,
                Need::NoSafeHousing,
                Need::FacingRemoval,
            ],
            high: vec![Need::Dependants, Need::NoIncome, Need::Disability, Need::ForeignWithoutDocuments],
        }
    }
}

/// The tier a set of needs gives, and the needs that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub tier: u8,
    pub reasons: Vec<Need>,
}

impl TierRules {
    pub fn assess(&self, needs: &[Need]) -> Assessment {
        let matching =
            |list: &[Need]| -> Vec<Need> { needs.iter().copied().filter(|n| list.contains(n)).collect() };
        let urgent = matching(&self.urgent);
        if !urgent.is_empty() {
            return Assessment { tier: 1, reasons: urgent };
        }
        let high = matching(&self.high);
        if !high.is_empty() {
            return Assessment { tier: 2, reasons: high };
        }
        Assessment { tier: 3, reasons: Vec::new() }
    }
}

/// `days` working days (Monday to Friday) after `from` (the calendar's last day, were the count
/// to run past it).
pub fn add_working_days(from: Date, days: u32) -> Date {
    let Some(last) = days.checked_sub(1) else { return from };
    std::iter::successors(from.next_day(), |date| date.next_day())
        .filter(|date| !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday))
        .nth(usize::try_from(last).unwrap_or(usize::MAX))
        .unwrap_or(Date::MAX)
}

/// The fund's deadlines: an urgent claim is decided within 72 hours and a standard
/// one within 8 weeks of filing; an approved claim is paid within 10 working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub urgent_decision_hours: i64,
    pub standard_decision_days: i64,
    pub payment_working_days: u32,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines { urgent_decision_hours: 72, standard_decision_days: 56, payment_working_days: 10 }
    }
}

impl Deadlines {
    /// When a claim of `tier` filed at `filed` (unix seconds) must be decided (unix seconds); a
    /// deadline past the last representable instant is that instant.
    pub fn decision_due(&self, tier: u8, filed_unix_seconds: i64) -> i64 {
        let seconds = if tier == 1 {
            self.urgent_decision_hours.saturating_mul(3_600)
        } else {
            self.standard_decision_days.saturating_mul(86_400)
        };
        filed_unix_seconds.saturating_add(seconds)
    }

    /// The date by which a claim approved on `approved_on` must be paid.
    pub fn payment_due(&self, approved_on: Date) -> Date {
        add_working_days(approved_on, self.payment_working_days)
    }
}

/// The facts a claim's eligibility looks at, gathered by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimFacts {
    pub kind: ClaimKind,
    pub currency: Currency,
    /// The order's own fund eligibility (reparation claims; for an advance, the order if one
    /// exists already is not required).
    pub order: Option<Eligibility>,
    /// What the victim is still owed on the order, if there is one.
    pub owed: Option<Amount>,
    pub identity_verified: bool,
    pub consent_given: bool,
    /// Another claim on the same order (or, for an advance, another open advance for the same
    /// victim) is still open.
    pub other_open_claim: bool,
    /// Advances: the case has reached `charged` (or later, short of a final judgment).
    pub case_charged: bool,
    pub requested: Amount,
    /// Advances: the cap less what was already advanced to this victim, in any case.
    pub advance_room: Amount,
}

fn money(name: &'static str, met: bool, amount: Amount, currency: Currency, detail: String) -> Condition {
    Condition::new(name, met, detail).arg("amount", amount.format(currency)).arg("currency", currency.code())
}

/// Whether the fund may pay a claim, condition by condition.
pub fn claim_eligibility(facts: &ClaimFacts) -> Eligibility {
    let c = facts.currency;
    let mut conditions = Vec::new();
    match (facts.kind, &facts.order) {
        (ClaimKind::Reparation, Some(order)) => conditions.extend(order.conditions.iter().cloned()),
        (ClaimKind::Reparation, None) => conditions.push(Condition::new(
            "order_exists",
            false,
            "a reparation claim needs a reparation order",
        )),
        (ClaimKind::Advance, _) => {
            conditions.push(if facts.case_charged {
                Condition::new("case_charged", true, "the case is at least charged")
            } else {
                Condition::new(
                    "case_charged",
                    false,
                    "an advance needs a case that is at least charged and not closed",
                )
            });
            let room = facts.advance_room.max(Amount::ZERO);
            conditions.push(money(
                "within_advance_cap",
                facts.requested <= facts.advance_room,
                room,
                c,
                format!("{} may still be advanced to this victim", room.display(c)),
            ));
        }
    }
    if let Some(owed) = facts.owed {
        let detail = format!("{} is still owed on the order", owed.display(c));
        conditions.push(money("within_owed", facts.requested <= owed, owed, c, detail));
    }
    conditions.push(if facts.identity_verified {
        Condition::new("identity_verified", true, "the victim's identity was verified")
    } else {
        Condition::new("identity_verified", false, "victim services must verify the victim's identity first")
    });
    conditions.push(if facts.consent_given {
        Condition::new("consent_given", true, "consent stands")
    } else {
        Condition::new("consent_given", false, "the victim withdrew consent")
    });
    conditions.push(if facts.other_open_claim {
        Condition::new("no_other_open_claim", false, "another claim on the same order is still open")
    } else {
        Condition::new("no_other_open_claim", true, "no other open claim")
    });
    conditions.push(Condition::new(
        "amount_positive",
        facts.requested.is_positive(),
        "the amount must be greater than zero",
    ));
    Eligibility { eligible: conditions.iter().all(|c| c.met), conditions }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use ClaimState::*;

    #[test]
    fn a_claim_goes_from_filing_to_payment_or_back_to_the_queue() {
        let paid = [Approved, Allocated, InBatch, Paid]
            .iter()
            .try_fold(Received, |state, next| state.transition(*next));
        assert_eq!(paid, Ok(Paid));
        assert_eq!(InBatch.transition(Approved), Ok(Approved), "a bank rejection requeues");
        assert!(Received.transition(Paid).is_err());
        assert_eq!(Paid.transition(Approved), Ok(Approved), "money the bank returned");
        assert!(Paid.transition(Allocated).is_err());
        assert!(Stopped.transition(Approved).is_err());
        assert!(Approved.is_open() && !Rejected.is_open());
    }

    #[test]
    fn needs_give_a_tier_with_its_reasons() {
        let rules = TierRules::default();
        assert_eq!(
            rules.assess(&[Need::NoIncome, Need::Minor]),
            Assessment { tier: 1, reasons: vec![Need::Minor] }
        );
        assert_eq!(
            rules.assess(&[Need::Dependants]),
            Assessment { tier: 2, reasons: vec![Need::Dependants] }
        );
        assert_eq!(rules.assess(&[]).tier, 3);
        let strict = TierRules { urgent: vec![Need::Minor], high: vec![] };
        assert_eq!(strict.assess(&[Need::Pregnancy]).tier, 3, "the rules are configuration");
        assert_eq!(Need::parse("needs[0]", "x").unwrap_err().field, "needs[0]");
    }

    fn facts() -> ClaimFacts {
        ClaimFacts {
            kind: ClaimKind::Advance,
            currency: Currency::parse("PEN").unwrap(),
            order: None,
            owed: None,
            identity_verified: true,
            consent_given: true,
            other_open_claim: false,
            case_charged: true,
            requested: Amount::from_minor(100_000),
            advance_room: Amount::from_minor(500_000),
        }
    }

    #[test]
    fn an_advance_is_capped_and_needs_a_charged_case() {
        assert!(claim_eligibility(&facts()).eligible);
        let over = ClaimFacts { requested: Amount::from_minor(500_001), ..facts() };
        let result = claim_eligibility(&over);
        assert!(!result.eligible);
        assert!(result.conditions.iter().any(|c| c.condition == "within_advance_cap" && !c.met));
        let early = ClaimFacts { case_charged: false, ..facts() };
        assert!(!claim_eligibility(&early).eligible);
        let owed_less = ClaimFacts { owed: Some(Amount::from_minor(50_000)), ..facts() };
        assert!(!claim_eligibility(&owed_less).eligible, "never above what is still owed");
    }

    #[test]
    fn a_reparation_claim_needs_an_eligible_order_consent_and_verified_identity() {
        let order = Eligibility { eligible: true, conditions: vec![Condition::new("order_final", true, "")] };
        let base = ClaimFacts { kind: ClaimKind::Reparation, order: Some(order), ..facts() };
        assert!(claim_eligibility(&base).eligible);
        for broken in [
            ClaimFacts { identity_verified: false, ..base.clone() },
            ClaimFacts { consent_given: false, ..base.clone() },
            ClaimFacts { other_open_claim: true, ..base.clone() },
            ClaimFacts { order: None, ..base.clone() },
            ClaimFacts { requested: Amount::from_minor(0), ..base.clone() },
        ] {
            assert!(!claim_eligibility(&broken).eligible, "{broken:?}");
        }
    }

    #[test]
    fn payment_is_due_ten_working_days_after_approval() {
        // Friday 2026-11-27 + 10 working days = Friday 2026-12-11.
        assert_eq!(Deadlines::default().payment_due(date!(2026 - 11 - 27)), date!(2026 - 12 - 11));
        assert_eq!(
            add_working_days(date!(2026 - 11 - 28), 1),
            date!(2026 - 11 - 30),
            "from a Saturday to Monday"
        );
    }

    #[test]
    fn urgent_claims_are_decided_within_72_hours_and_others_within_8_weeks() {
        let deadlines = Deadlines::default();
        assert_eq!(deadlines.decision_due(1, 0), 72 * 3_600);
        assert_eq!(deadlines.decision_due(3, 0), 56 * 86_400);
    }

    #[test]
    fn deadlines_past_the_end_of_time_stop_there() {
        assert_eq!(add_working_days(date!(2026 - 11 - 27), 0), date!(2026 - 11 - 27));
        assert_eq!(add_working_days(Date::MAX, 1), Date::MAX);
        assert_eq!(add_working_days(date!(9999 - 12 - 20), u32::MAX), Date::MAX);
        let deadlines = Deadlines { urgent_decision_hours: i64::MAX, ..Deadlines::default() };
        assert_eq!(deadlines.decision_due(1, 1), i64::MAX);
        assert_eq!(Deadlines::default().decision_due(3, i64::MAX - 5), i64::MAX);
    }
}
