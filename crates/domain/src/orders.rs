//! Reparation orders: what a court ordered for a victim, itemised by heads of damage (Ley 28950
//! art. 9), what has been paid on it and by whom, what is still owed, and whether the fund may
//! pay it.

use serde::Serialize;
use time::{Date, Duration};

use std::collections::BTreeMap;

use crate::money::{Amount, Currency, Overflow};
use crate::FieldError;

/// Heads of damage of a reparation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadOfDamage {
    /// Remuneraciones devengadas: wages earned and never paid.
    UnpaidWages,
    /// Medical, psychiatric and psychological treatment.
    Treatment,
    /// Physical, social and occupational rehabilitation.
    Rehabilitation,
    /// Lost opportunities: employment, education, social benefits.
    LostOpportunities,
    /// Daño moral.
    MoralDamage,
    Other,
}

impl HeadOfDamage {
    pub const ALL: [HeadOfDamage; 6] = [
        HeadOfDamage::UnpaidWages,
        HeadOfDamage::Treatment,
        HeadOfDamage::Rehabilitation,
        HeadOfDamage::LostOpportunities,
        HeadOfDamage::MoralDamage,
        HeadOfDamage::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HeadOfDamage::UnpaidWages => "unpaid_wages",
            HeadOfDamage::Treatment => "treatment",
            HeadOfDamage::Rehabilitation => "rehabilitation",
            HeadOfDamage::LostOpportunities => "lost_opportunities",
            HeadOfDamage::MoralDamage => "moral_damage",
            HeadOfDamage::Other => "other",
        }
    }

    pub fn parse(field: &str, value: &str) -> Result<HeadOfDamage, FieldError> {
        let wanted = value.trim().to_ascii_lowercase();
        HeadOfDamage::ALL.into_iter().find(|h| h.as_str() == wanted).ok_or_else(|| {
            FieldError::new(
                field,
                "must be unpaid_wages, treatment, rehabilitation, lost_opportunities, moral_damage or other",
            )
        })
    }
}

/// Where an order stands in money.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OrderFigures {
    pub ordered: Amount,
    /// Paid by the convicted persons (or third parties liable) directly to the victim.
    pub paid_by_debtors: Amount,
    /// Paid by the fund against the order.
    pub paid_by_fund: Amount,
    /// Advanced by the fund before the order was final, to be deducted from it.
    pub advanced_by_fund: Amount,
}

impl OrderFigures {
    /// What is still owed to the victim: never below zero (an overpayment is owed nothing).
    pub fn owed(&self) -> Result<Amount, Overflow> {
        let paid = self.paid_by_debtors.checked_add(self.paid_by_fund)?.checked_add(self.advanced_by_fund)?;
        Ok(self.ordered.checked_sub(paid)?.max(Amount::ZERO))
    }
}

/// Who paid an order's money: the convicted (`debtor`), the fund (`fund`), the fund ahead of
/// the final order (`advance`), or money the fund recovered from the convicted (`recovery`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentSource {
    Debtor,
    Fund,
    Advance,
    Recovery,
}

impl PaymentSource {
    pub const ALL: &'static [PaymentSource] =
        &[PaymentSource::Debtor, PaymentSource::Fund, PaymentSource::Advance, PaymentSource::Recovery];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentSource::Debtor => "debtor",
            PaymentSource::Fund => "fund",
            PaymentSource::Advance => "advance",
            PaymentSource::Recovery => "recovery",
        }
    }

    /// What the fund paid for a claim of this kind: an advance, or the reparation itself.
    pub fn of_claim(kind: crate::claims::ClaimKind) -> PaymentSource {
        match kind {
            crate::claims::ClaimKind::Advance => PaymentSource::Advance,
            crate::claims::ClaimKind::Reparation => PaymentSource::Fund,
        }
    }
}

/// Where an order stands in money, for lists and their filters: paid (nothing owed), else
/// insolvent (an insolvency finding on the debtors), else partly paid, else unpaid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    Unpaid,
    Partly,
    Insolvent,
    Paid,
}

impl PaymentState {
    pub const ALL: [PaymentState; 4] =
        [PaymentState::Unpaid, PaymentState::Partly, PaymentState::Insolvent, PaymentState::Paid];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Unpaid => "unpaid",
            PaymentState::Partly => "partly",
            PaymentState::Insolvent => "insolvent",
            PaymentState::Paid => "paid",
        }
    }

    pub fn parse(field: &str, value: &str) -> Result<PaymentState, FieldError> {
        let wanted = value.trim().to_ascii_lowercase();
        PaymentState::ALL
            .into_iter()
            .find(|s| s.as_str() == wanted)
            .ok_or_else(|| FieldError::new(field, "must be unpaid, partly, insolvent or paid"))
    }

    /// The state of an order that ordered `ordered` and on which `paid` was paid (by the
    /// debtors, the fund and its advances together).
    pub fn of(ordered: Amount, paid: Amount, insolvency_found: bool) -> PaymentState {
        if paid >= ordered {
            PaymentState::Paid
        } else if insolvency_found {
            PaymentState::Insolvent
        } else if paid.is_positive() {
            PaymentState::Partly
        } else {
            PaymentState::Unpaid
        }
    }
}

/// Where a judgment stands after appeals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "standing", rename_all = "snake_case")]
pub enum JudgmentStanding {
    InForce,
    /// An appeal was filed: its orders may not be paid until it is decided.
    UnderAppeal {
        since: Date,
    },
    /// An appeal or annulment decision set the judgment aside: its orders are void.
    SetAside {
        outcome: AppealOutcome,
        on: Date,
    },
}

/// How an appeal (or an annulment action) ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealOutcome {
    /// The judgment stands (and becomes final).
    Confirmed,
    /// The judgment is annulled: a new trial.
    Annulled,
    /// The convicted are acquitted on appeal.
    Acquitted,
}

impl AppealOutcome {
    pub const ALL: [AppealOutcome; 3] =
        [AppealOutcome::Confirmed, AppealOutcome::Annulled, AppealOutcome::Acquitted];

    pub fn as_str(self) -> &'static str {
        match self {
            AppealOutcome::Confirmed => "confirmed",
            AppealOutcome::Annulled => "annulled",
            AppealOutcome::Acquitted => "acquitted",
        }
    }

    pub fn parse(field: &str, value: &str) -> Result<AppealOutcome, FieldError> {
        let wanted = value.trim().to_ascii_lowercase();
        AppealOutcome::ALL
            .into_iter()
            .find(|o| o.as_str() == wanted)
            .ok_or_else(|| FieldError::new(field, "must be confirmed, annulled or acquitted"))
    }

    /// Whether the decision sets the judgment aside.
    pub fn sets_aside(self) -> bool {
        self != AppealOutcome::Confirmed
    }
}

/// The facts the fund's eligibility rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderFacts {
    pub currency: Currency,
    pub figures: OrderFigures,
    /// The date the order became final (firme), if it did.
    pub final_on: Option<Date>,
    pub payment_deadline: Option<Date>,
    /// An insolvency finding on the debtors was recorded.
    pub insolvency_found: bool,
    pub standing: JudgmentStanding,
}

/// One condition of the rule, met or not, with a reason a person can read (`detail`, in
/// English for the API) and its values by name (`args`), from which pages write the reason in
/// the reader's language (message `condition-<condition>-met` or `-unmet`, or `-<variant>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    pub condition: &'static str,
    pub met: bool,
    pub detail: String,
    /// Which wording of the reason applies, when there are several (`insolvency`, `deadline`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<&'static str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<&'static str, String>,
}

impl Condition {
    pub fn new(condition: &'static str, met: bool, detail: impl Into<String>) -> Condition {
        Condition { condition, met, detail: detail.into(), variant: None, args: BTreeMap::new() }
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Condition {
        self.args.insert(name, value.to_string());
        self
    }

    pub fn variant(mut self, variant: &'static str) -> Condition {
        self.variant = Some(variant);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Eligibility {
    pub eligible: bool,
    pub conditions: Vec<Condition>,
}

fn standing_condition(standing: JudgmentStanding) -> Condition {
    match standing {
        JudgmentStanding::InForce => Condition::new("judgment_in_force", true, "the judgment stands"),
        JudgmentStanding::UnderAppeal { since } => {
            Condition::new("judgment_in_force", false, format!("the judgment is under appeal since {since}"))
                .variant("appeal")
                .arg("date", since)
        }
        JudgmentStanding::SetAside { outcome, on } => Condition::new(
            "judgment_in_force",
            false,
            format!("the judgment was set aside on {on} ({})", outcome.as_str()),
        )
        .variant(outcome.as_str())
        .arg("date", on),
    }
}

fn cannot_pay_condition(facts: &OrderFacts, today: Date, grace_days: i64) -> Condition {
    // A grace period past the end of the calendar never runs out.
    let overdue_since =
        facts.payment_deadline.and_then(|deadline| deadline.checked_add(Duration::days(grace_days)));
    let met = facts.insolvency_found || overdue_since.is_some_and(|since| today > since);
    if facts.insolvency_found {
        return Condition::new("debtor_cannot_pay", met, "insolvency was found").variant("insolvency");
    }
    match (facts.payment_deadline, overdue_since) {
        (Some(deadline), Some(since)) if today > since => Condition::new(
            "debtor_cannot_pay",
            met,
            format!("unpaid more than {grace_days} days after the deadline ({deadline})"),
        )
        .variant("overdue")
        .arg("days", grace_days)
        .arg("date", deadline),
        (Some(_), Some(since)) => Condition::new(
            "debtor_cannot_pay",
            met,
            format!("no insolvency finding, and the deadline plus {grace_days} days ends on {since}"),
        )
        .variant("waiting")
        .arg("days", grace_days)
        .arg("date", since),
        _ => Condition::new("debtor_cannot_pay", met, "no insolvency finding and no payment deadline")
            .variant("unknown"),
    }
}

/// The fund pays when the convicted cannot: the judgment stands, the order is final, something
/// is still owed, and either insolvency was found or the payment deadline passed more than
/// `grace_days` ago.
pub fn fund_eligibility(facts: &OrderFacts, today: Date, grace_days: i64) -> Eligibility {
    let owed = facts.figures.owed().unwrap_or(Amount::ZERO);
    let final_condition = match facts.final_on {
        Some(on) => Condition::new("order_final", on <= today, format!("final since {on}")).arg("date", on),
        None => Condition::new("order_final", false, "the order is not final (firme) yet"),
    };
    let owed_condition = Condition::new(
        "something_owed",
        owed.is_positive(),
        format!("{} still owed", owed.display(facts.currency)),
    )
    .arg("amount", owed.format(facts.currency))
    .arg("currency", facts.currency.code());
    let conditions = vec![
        standing_condition(facts.standing),
        final_condition,
        owed_condition,
        cannot_pay_condition(facts, today, grace_days),
    ];
    Eligibility { eligible: conditions.iter().all(|c| c.met), conditions }
}

/// How money the convicted paid later is shared: the victim is made whole first (what is still
/// owed), then the fund recovers what it paid and has not recovered yet (subrogation). `None`
/// when the amount exceeds both together.
pub fn split_recovery(
    received: Amount,
    owed_to_victim: Amount,
    owed_to_fund: Amount,
) -> Option<(Amount, Amount)> {
    let to_victim = received.min(owed_to_victim.max(Amount::ZERO));
    let to_fund = received.checked_sub(to_victim).ok()?;
    (to_fund <= owed_to_fund.max(Amount::ZERO)).then_some((to_victim, to_fund))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payment_source_is_its_stored_name_and_follows_the_claim() {
        let names: Vec<&str> = PaymentSource::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["debtor", "fund", "advance", "recovery"]);
        for source in PaymentSource::ALL {
            assert_eq!(serde_json::to_value(source).unwrap(), source.as_str());
        }
        assert_eq!(PaymentSource::of_claim(crate::claims::ClaimKind::Advance), PaymentSource::Advance);
        assert_eq!(PaymentSource::of_claim(crate::claims::ClaimKind::Reparation), PaymentSource::Fund);
    }

    #[test]
    fn an_order_is_paid_when_nothing_is_owed_else_insolvent_partly_or_unpaid() {
        let of = |ordered, paid, insolvent| {
            PaymentState::of(Amount::from_minor(ordered), Amount::from_minor(paid), insolvent)
        };
        assert_eq!(of(300_000, 0, false), PaymentState::Unpaid);
        assert_eq!(of(300_000, 100, false), PaymentState::Partly);
        assert_eq!(of(300_000, 100, true), PaymentState::Insolvent);
        assert_eq!(of(300_000, 0, true), PaymentState::Insolvent);
        assert_eq!(of(300_000, 300_000, true), PaymentState::Paid);
        assert_eq!(of(300_000, 300_001, false), PaymentState::Paid, "an overpayment owes nothing");
        for state in PaymentState::ALL {
            assert_eq!(PaymentState::parse("state", state.as_str()), Ok(state));
        }
        assert!(PaymentState::parse("state", "owed").is_err());
    }

    #[test]
    fn a_recovery_makes_the_victim_whole_first() {
        assert_eq!(
            split_recovery(
                Amount::from_minor(25_000),
                Amount::from_minor(18_500),
                Amount::from_minor(20_000)
            ),
            Some((Amount::from_minor(18_500), Amount::from_minor(6_500)))
        );
        assert_eq!(
            split_recovery(Amount::from_minor(100), Amount::from_minor(0), Amount::from_minor(100)),
            Some((Amount::from_minor(0), Amount::from_minor(100)))
        );
        assert_eq!(
            split_recovery(
                Amount::from_minor(38_501),
                Amount::from_minor(18_500),
                Amount::from_minor(20_000)
            ),
            None
        );
    }
    use time::macros::date;

    fn facts() -> OrderFacts {
        OrderFacts {
            currency: Currency::parse("PEN").unwrap(),
            figures: OrderFigures { ordered: Amount::from_minor(1_000_000), ..OrderFigures::default() },
            final_on: Some(date!(2026 - 03 - 01)),
            payment_deadline: Some(date!(2026 - 04 - 01)),
            insolvency_found: false,
            standing: JudgmentStanding::InForce,
        }
    }

    #[test]
    fn an_order_of_a_judgment_under_appeal_or_set_aside_is_not_paid() {
        let insolvent = OrderFacts { insolvency_found: true, ..facts() };
        assert!(fund_eligibility(&insolvent, date!(2026 - 06 - 01), 30).eligible);
        for standing in [
            JudgmentStanding::UnderAppeal { since: date!(2026 - 05 - 01) },
            JudgmentStanding::SetAside { outcome: AppealOutcome::Acquitted, on: date!(2026 - 05 - 20) },
        ] {
            let eligibility =
                fund_eligibility(&OrderFacts { standing, ..insolvent }, date!(2026 - 06 - 01), 30);
            assert!(!eligibility.eligible);
            assert_eq!(eligibility.conditions[0].condition, "judgment_in_force");
            assert!(!eligibility.conditions[0].met);
        }
    }

    #[test]
    fn what_is_owed_reads_in_the_currency_not_in_minor_units() {
        let owed = fund_eligibility(&facts(), date!(2026 - 06 - 01), 30).conditions[2].clone();
        assert_eq!(owed.detail, "S/ 10,000.00 still owed");
        assert_eq!(owed.args.get("amount").map(String::as_str), Some("10000.00"));
    }

    #[test]
    fn what_is_owed_deducts_every_payment_and_never_goes_negative() {
        let figures = OrderFigures {
            ordered: Amount::from_minor(1_000),
            paid_by_debtors: Amount::from_minor(200),
            paid_by_fund: Amount::from_minor(300),
            advanced_by_fund: Amount::from_minor(100),
        };
        assert_eq!(figures.owed(), Ok(Amount::from_minor(400)));
        let over = OrderFigures { paid_by_debtors: Amount::from_minor(2_000), ..figures };
        assert_eq!(over.owed(), Ok(Amount::ZERO));
    }

    #[test]
    fn an_order_unpaid_past_the_deadline_and_grace_is_eligible() {
        let eligibility = fund_eligibility(&facts(), date!(2026 - 05 - 02), 30);
        assert!(eligibility.eligible, "{eligibility:?}");
        assert!(
            !fund_eligibility(&facts(), date!(2026 - 05 - 01), 30).eligible,
            "the grace period ends that day"
        );
    }

    #[test]
    fn insolvency_makes_an_order_eligible_before_the_deadline() {
        let insolvent = OrderFacts { insolvency_found: true, ..facts() };
        assert!(fund_eligibility(&insolvent, date!(2026 - 03 - 02), 30).eligible);
    }

    #[test]
    fn each_unmet_condition_is_reported() {
        let not_final = OrderFacts { final_on: None, ..facts() };
        let eligibility = fund_eligibility(&not_final, date!(2026 - 03 - 02), 30);
        assert!(!eligibility.eligible);
        let unmet: Vec<&str> =
            eligibility.conditions.iter().filter(|c| !c.met).map(|c| c.condition).collect();
        assert_eq!(unmet, vec!["order_final", "debtor_cannot_pay"]);
        let paid = OrderFacts {
            figures: OrderFigures {
                ordered: Amount::from_minor(100),
                paid_by_debtors: Amount::from_minor(100),
                ..OrderFigures::default()
            },
            insolvency_found: true,
            ..facts()
        };
        let unmet: Vec<&str> = fund_eligibility(&paid, date!(2026 - 06 - 01), 30)
            .conditions
            .iter()
            .filter(|c| !c.met)
            .map(|c| c.condition)
            .collect();
        assert_eq!(unmet, vec!["something_owed"]);
    }

    #[test]
    fn heads_of_damage_are_named() {
        assert_eq!(HeadOfDamage::parse("items[0].head", "moral_damage"), Ok(HeadOfDamage::MoralDamage));
        assert_eq!(HeadOfDamage::parse("items[1].head", "pain").unwrap_err().field, "items[1].head");
    }
}
