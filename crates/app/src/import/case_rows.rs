//! Reading a cases file: one row per victim of a case, or a case-only row. Rows of the same
//! case (same `prosecutor_file`) must agree on the case's fields; a row with `judged_on`
//! records the judgment (one per case) and that victim's order. Pure: no storage.

use std::collections::BTreeMap;

use redress_domain::cases::{parse_date, parse_file_number, parse_offence, Stage};
use redress_domain::orders::HeadOfDamage;
use redress_domain::user::parse_name;
use redress_domain::victims::{parse_country, parse_person_name, VictimCode};
use redress_domain::{Amount, Currency, FieldError};
use time::Date;

use super::{RowError, RowReader};

/// The columns a file may have; `prosecutor_file`, `jurisdiction`, `offences` and
/// `reported_on` are required.
pub const COLUMNS: &[&str] = &[
    "prosecutor_file",
    "court_file",
    "jurisdiction",
    "offences",
    "reported_on",
    "stage",
    "stage_on",
    "cross_border",
    "partner_country",
    "defendants",
    "victim",
    "judged_on",
    "court",
    "final_on",
    "payment_deadline",
    "currency",
    "unpaid_wages",
    "treatment",
    "rehabilitation",
    "lost_opportunities",
    "moral_damage",
    "other",
    "paid_by_debtors",
    "insolvency_on",
    "insolvency_basis",
];

/// The columns that only a judged row may fill.
const JUDGMENT_COLUMNS: [&str; 6] =
    ["court", "final_on", "payment_deadline", "unpaid_wages", "moral_damage", "paid_by_debtors"];

pub(super) struct CaseRow {
    pub(super) row: usize,
    pub(super) prosecutor_file: String,
    pub(super) court_file: Option<String>,
    pub(super) jurisdiction: String,
    pub(super) offences: Vec<String>,
    pub(super) reported_on: Date,
    pub(super) stage: Stage,
    pub(super) stage_on: Date,
    pub(super) cross_border: bool,
    pub(super) partner_country: Option<String>,
    pub(super) defendants: Vec<String>,
}

impl CaseRow {
    /// Whether two rows describe the same case (the row number aside).
    fn same_case(&self, other: &CaseRow) -> bool {
        (&self.court_file, &self.jurisdiction, &self.offences, self.reported_on, self.stage, self.stage_on)
            == (
                &other.court_file,
                &other.jurisdiction,
                &other.offences,
                other.reported_on,
                other.stage,
                other.stage_on,
            )
            && (self.cross_border, &self.partner_country, &self.defendants)
                == (other.cross_border, &other.partner_country, &other.defendants)
    }
}

pub(super) struct OrderRow {
    pub(super) row: usize,
    pub(super) victim: VictimCode,
    pub(super) judged_on: Date,
    pub(super) court: String,
    pub(super) final_on: Option<Date>,
    pub(super) deadline: Option<Date>,
    pub(super) currency: Currency,
    pub(super) items: Vec<(HeadOfDamage, Amount)>,
    pub(super) paid_by_debtors: Option<Amount>,
    pub(super) insolvency: Option<(Date, String)>,
}

/// A case's first row, the orders of its rows, and its victims.
pub(super) type CaseRows = (CaseRow, Vec<Option<OrderRow>>, Vec<VictimCode>);

/// What one row says: its case (when its case fields are valid), its order and its victim.
pub(super) struct ParsedRow {
    pub(super) case: Option<CaseRow>,
    pub(super) order: Option<OrderRow>,
    pub(super) victim: Option<VictimCode>,
}

/// Reads one row; every problem is noted in the reader.
pub(super) fn read_row(r: &mut RowReader, offences: &[(&str, &str)], fund_currency: Currency) -> ParsedRow {
    r.unknown_columns(COLUMNS);
    let case = read_case(r, offences);
    let victim = r.optional("victim", VictimCode::parse);
    let order = read_order(r, fund_currency, victim.as_ref());
    ParsedRow { case, order, victim }
}

fn read_case(r: &mut RowReader, reference: &[(&str, &str)]) -> Option<CaseRow> {
    let prosecutor_file = r.required("prosecutor_file", |v| parse_file_number("prosecutor_file", v));
    let court_file = r.optional("court_file", |v| parse_file_number("court_file", v));
    let jurisdiction = r.required("jurisdiction", |v| parse_name("jurisdiction", v, 120));
    let mut offences = Vec::new();
    match r.get("offences") {
        None => r.fail("offences", "is required"),
        Some(list) => {
            for offence in list.split(';').map(str::trim).filter(|o| !o.is_empty()) {
                if let Some(code) = r.check("offences", parse_offence("offences", offence, reference)) {
                    offences.push(code);
                }
            }
        }
    }
    let reported_on = match r.past_date("reported_on") {
        Some(result) => r.check("reported_on", result),
        None => r.check("reported_on", Err::<Date, _>(FieldError::new("reported_on", "is required"))),
    };
    let (stage, stage_on) = read_stage(r, reported_on);
    let (cross_border, partner_country) = read_border(r);
    let mut defendants = Vec::new();
    for name in r.get("defendants").unwrap_or("").split(';').map(str::trim).filter(|n| !n.is_empty()) {
        if let Some(name) = r.check("defendants", parse_person_name("defendants", name)) {
            defendants.push(name);
        }
    }
    Some(CaseRow {
        row: r.row,
        prosecutor_file: prosecutor_file?,
        court_file,
        jurisdiction: jurisdiction?,
        offences,
        reported_on: reported_on?,
        stage: stage?,
        stage_on: stage_on?,
        cross_border: cross_border?,
        partner_country,
        defendants,
    })
}

/// The stage and the day it was reached (by default: reported, on the day reported).
fn read_stage(r: &mut RowReader, reported_on: Option<Date>) -> (Option<Stage>, Option<Date>) {
    let stage = match r.get("stage") {
        Some(v) => r.check("stage", Stage::parse(v)),
        None => Some(Stage::Reported),
    };
    let stage_on = match (r.past_date("stage_on"), stage) {
        (Some(result), _) => r.check("stage_on", result),
        (None, Some(Stage::Reported)) => reported_on,
        (None, _) => r.check(
            "stage_on",
            Err::<Date, _>(FieldError::new("stage_on", "is required when stage is given")),
        ),
    };
    if let (Some(stage_on), Some(reported_on)) = (stage_on, reported_on) {
        if stage_on < reported_on {
            r.fail("stage_on", "must not be before reported_on");
        }
    }
    (stage, stage_on)
}

/// Whether the case crosses a border, and with which country.
fn read_border(r: &mut RowReader) -> (Option<bool>, Option<String>) {
    let cross_border = match r.get("cross_border").map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") | Some("no") | Some("0") => Some(false),
        Some("true") | Some("yes") | Some("1") => Some(true),
        Some(_) => {
            r.check("cross_border", Err::<bool, _>(FieldError::new("cross_border", "must be true or false")))
        }
    };
    let partner_country = match (r.get("partner_country"), cross_border) {
        (Some(v), Some(true)) => r.check("partner_country", parse_country("partner_country", v)),
        (None, Some(true)) => {
            r.fail("partner_country", "is required for a cross-border case");
            None
        }
        (Some(_), _) => {
            r.fail("partner_country", "is only for cross-border cases");
            None
        }
        (None, _) => None,
    };
    (cross_border, partner_country)
}

/// The judgment's part of a row and the victim's order, when the row is judged.
fn read_order(r: &mut RowReader, fund_currency: Currency, victim: Option<&VictimCode>) -> Option<OrderRow> {
    let Some(judged) = r.past_date("judged_on") else {
        for column in JUDGMENT_COLUMNS {
            if r.get(column).is_some() {
                r.fail(column, "needs judged_on");
            }
        }
        return None;
    };
    let judged_on = r.check("judged_on", judged);
    let court = r.required("court", |v| parse_name("court", v, 200));
    let final_on = r.past_date("final_on").and_then(|result| r.check("final_on", result));
    let deadline = r.optional("payment_deadline", |v| parse_date("payment_deadline", v));
    let currency = match r.get("currency") {
        Some(_) => r.optional("currency", Currency::parse),
        None => Some(fund_currency),
    };
    let (items, paid_by_debtors) = read_amounts(r, currency);
    let insolvency = read_insolvency(r);
    if victim.is_none() {
        r.fail("victim", "a judged row needs the victim the order is for");
    }
    if items.is_empty() {
        return None;
    }
    Some(OrderRow {
        row: r.row,
        victim: victim?.clone(),
        judged_on: judged_on?,
        court: court?,
        final_on,
        deadline,
        currency: currency?,
        items,
        paid_by_debtors,
        insolvency,
    })
}

/// The heads of damage (at least one, each above zero) and what the convicted paid already.
fn read_amounts(
    r: &mut RowReader,
    currency: Option<Currency>,
) -> (Vec<(HeadOfDamage, Amount)>, Option<Amount>) {
    let mut items = Vec::new();
    for head in HeadOfDamage::ALL {
        if let (Some(text), Some(currency)) = (r.get(head.as_str()), currency) {
            match Amount::parse(text, currency) {
                Ok(amount) if amount.is_positive() => items.push((head, amount)),
                Ok(_) => r.fail(head.as_str(), "must be greater than zero"),
                Err(error) => r.fail(head.as_str(), error.reason),
            }
        }
    }
    if items.is_empty() {
        r.fail("unpaid_wages", "a judged row needs at least one head of damage");
    }
    let paid_by_debtors = match (r.get("paid_by_debtors"), currency) {
        (Some(text), Some(currency)) => r.check("paid_by_debtors", Amount::parse(text, currency)),
        _ => None,
    };
    (items, paid_by_debtors)
}

/// A finding that the convicted cannot pay: its date and basis go together.
fn read_insolvency(r: &mut RowReader) -> Option<(Date, String)> {
    match (r.past_date("insolvency_on"), r.get("insolvency_basis")) {
        (Some(date), Some(basis)) => {
            let date = r.check("insolvency_on", date);
            let basis = r.check("insolvency_basis", parse_name("insolvency_basis", basis, 500));
            Some((date?, basis?))
        }
        (None, None) => None,
        _ => {
            r.fail("insolvency_basis", "insolvency_on and insolvency_basis go together");
            None
        }
    }
}

/// Adds a row to its case: the first row of a file number opens it; later rows must agree with
/// it, and a victim appears once per case.
pub(super) fn group(cases: &mut BTreeMap<String, CaseRows>, parsed: ParsedRow, problems: &mut Vec<RowError>) {
    let ParsedRow { case: Some(case), order, victim } = parsed else { return };
    let row = case.row;
    let Some((first, orders, victims)) = cases.get_mut(&case.prosecutor_file) else {
        cases.insert(case.prosecutor_file.clone(), (case, vec![order], victim.into_iter().collect()));
        return;
    };
    if !first.same_case(&case) {
        problems.push(RowError {
            row,
            column: "prosecutor_file".into(),
            reason: format!("the case's fields differ from row {}", first.row),
        });
    }
    if let Some(victim) = victim {
        if victims.contains(&victim) {
            problems.push(RowError {
                row,
                column: "victim".into(),
                reason: "appears twice in this case".into(),
            });
        } else {
            victims.push(victim);
        }
    }
    orders.push(order);
}

/// Per case: one judgment (the same date, court and finality on every judged row), and
/// defendants to convict.
pub(super) fn check_judgments(cases: &BTreeMap<String, CaseRows>, problems: &mut Vec<RowError>) {
    for (case, orders, _) in cases.values() {
        let judged: Vec<&OrderRow> = orders.iter().flatten().collect();
        let Some(first) = judged.first() else { continue };
        if case.defendants.is_empty() {
            problems.push(RowError {
                row: first.row,
                column: "defendants".into(),
                reason: "a judged case needs its defendants".into(),
            });
        }
        for other in &judged[1..] {
            if (other.judged_on, &other.court, other.final_on)
                != (first.judged_on, &first.court, first.final_on)
            {
                problems.push(RowError {
                    row: other.row,
                    column: "judged_on".into(),
                    reason: format!("the judgment differs from row {}", first.row),
                });
            }
        }
    }
}
