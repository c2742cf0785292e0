//! Importing existing cases and reparation orders (migrating a court's or prosecutor's records).
//!
//! One row per victim of a case, or a case-only row. Rows of the same case (same
//! `prosecutor_file`) must agree on the case's fields. A row with `judged_on` records the
//! judgment (one per case) and that victim's order. Every row is checked first and every
//! problem reported with its row number and column; a file with any invalid row imports
//! nothing. Valid files are written in one transaction with one audit entry.

use std::collections::{BTreeMap, HashMap};

use redress_domain::cases::{parse_date, parse_file_number, parse_offence, Stage};
use redress_domain::orders::HeadOfDamage;
use redress_domain::policy::rules;
use redress_domain::user::parse_name;
use redress_domain::victims::{parse_country, parse_person_name, VictimCode};
use redress_domain::{Amount, Currency, FieldError};
use serde_json::json;
use time::Date;

use crate::accounts::audit_event;
use crate::store::{
    AssetRecord, CaseRecord, InsolvencyFinding, JudgmentRecord, OrderPayment, OrderRecord, StageChange,
};
use crate::{Actor, App, AppError, RequestContext};

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

/// The most rows one import takes.
pub const ROWS_MAX: usize = 100_000;

/// One problem: the row (1 = first data row after the header) and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, {}: {}", self.row, self.column, self.reason)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub cases: usize,
    pub victims_linked: usize,
    pub judgments: usize,
    pub orders: usize,
}

#[derive(Debug)]
pub enum ImportError {
    /// The file is invalid; nothing was written.
    Invalid(Vec<RowError>),
    Failed(AppError),
}

impl From<AppError> for ImportError {
    fn from(error: AppError) -> Self {
        ImportError::Failed(error)
    }
}

impl From<crate::store::StoreError> for ImportError {
    fn from(error: crate::store::StoreError) -> Self {
        ImportError::Failed(error.into())
    }
}

struct CaseRow {
    row: usize,
    prosecutor_file: String,
    court_file: Option<String>,
    jurisdiction: String,
    offences: Vec<String>,
    reported_on: Date,
    stage: Stage,
    stage_on: Date,
    cross_border: bool,
    partner_country: Option<String>,
    defendants: Vec<String>,
}

/// A case's first row, the orders of its rows, and its victims.
type CaseRows = (CaseRow, Vec<Option<OrderRow>>, Vec<VictimCode>);

struct OrderRow {
    row: usize,
    victim: VictimCode,
    judged_on: Date,
    court: String,
    final_on: Option<Date>,
    deadline: Option<Date>,
    currency: Currency,
    items: Vec<(HeadOfDamage, Amount)>,
    paid_by_debtors: Option<Amount>,
    insolvency: Option<(Date, String)>,
}

impl App {
    /// Imports rows (column name → value). `progress` is told how many rows were handled.
    pub async fn import_cases(
        &self,
        actor: &Actor,
        context: &RequestContext,
        rows: &[HashMap<String, String>],
        mut progress: impl FnMut(usize),
    ) -> Result<ImportSummary, ImportError> {
        // A migration of records kept by prosecutors and courts: their roles may run it.
        actor.require(rules::MANAGE_CASES)?;
        let today = self.clock.now().to_datetime().date();
        let reference: Vec<(&str, &str)> =
            self.settings.cases.offences.iter().map(|o| (o.code.as_str(), o.name.as_str())).collect();
        let mut problems: Vec<RowError> = Vec::new();
        if rows.is_empty() {
            problems.push(RowError { row: 0, column: "file".into(), reason: "has no data rows".into() });
        }
        if rows.len() > ROWS_MAX {
            return Err(ImportError::Invalid(vec![RowError {
                row: 0,
                column: "file".into(),
                reason: format!("has more than {ROWS_MAX} rows; split it"),
            }]));
        }
        let mut cases: BTreeMap<String, CaseRows> = BTreeMap::new();
        for (index, values) in rows.iter().enumerate() {
            let row = index + 1;
            let mut fail = |column: &str, error: FieldError| {
                problems.push(RowError { row, column: column.to_string(), reason: error.reason });
            };
            for column in values.keys() {
                if !COLUMNS.contains(&column.as_str()) {
                    fail(
                        column,
                        FieldError::new(
                            column,
                            format!("unknown column; expected some of {}", COLUMNS.join(", ")),
                        ),
                    );
                }
            }
            let get = |column: &str| values.get(column).map(|v| v.trim()).filter(|v| !v.is_empty());
            let required = |column: &str| get(column).ok_or_else(|| FieldError::new(column, "is required"));
            macro_rules! check {
                ($column:expr, $result:expr) => {
                    match $result {
                        Ok(value) => Some(value),
                        Err(error) => {
                            fail($column, error);
                            None
                        }
                    }
                };
            }
            let prosecutor_file = check!(
                "prosecutor_file",
                required("prosecutor_file").and_then(|v| parse_file_number("prosecutor_file", v))
            );
            let court_file = match get("court_file") {
                Some(v) => check!("court_file", parse_file_number("court_file", v)),
                None => None,
            };
            let jurisdiction = check!(
                "jurisdiction",
                required("jurisdiction").and_then(|v| parse_name("jurisdiction", v, 120))
            );
            let mut offences = Vec::new();
            match required("offences") {
                Err(error) => fail("offences", error),
                Ok(list) => {
                    for offence in list.split(';').map(str::trim).filter(|o| !o.is_empty()) {
                        if let Some(code) = check!("offences", parse_offence("offences", offence, &reference))
                        {
                            offences.push(code);
                        }
                    }
                }
            }
            let not_future = |column: &str, date: Date| {
                if date > today {
                    Err(FieldError::new(column, "must not be in the future"))
                } else {
                    Ok(date)
                }
            };
            let date_of = |column: &str| -> Option<Result<Date, FieldError>> {
                get(column).map(|v| parse_date(column, v).and_then(|d| not_future(column, d)))
            };
            let reported_on = check!(
                "reported_on",
                required("reported_on")
                    .and_then(|v| parse_date("reported_on", v))
                    .and_then(|d| not_future("reported_on", d))
            );
            let stage = match get("stage") {
                Some(v) => check!("stage", Stage::parse(v)),
                None => Some(Stage::Reported),
            };
            let stage_on = match (date_of("stage_on"), stage) {
                (Some(result), _) => check!("stage_on", result),
                (None, Some(Stage::Reported)) => reported_on,
                (None, _) => check!(
                    "stage_on",
                    Err::<Date, _>(FieldError::new("stage_on", "is required when stage is given"))
                ),
            };
            if let (Some(stage_on), Some(reported_on)) = (stage_on, reported_on) {
                if stage_on < reported_on {
                    fail("stage_on", FieldError::new("stage_on", "must not be before reported_on"));
                }
            }
            let cross_border = match get("cross_border").map(str::to_ascii_lowercase).as_deref() {
                None | Some("false") | Some("no") | Some("0") => Some(false),
                Some("true") | Some("yes") | Some("1") => Some(true),
                Some(_) => check!(
                    "cross_border",
                    Err::<bool, _>(FieldError::new("cross_border", "must be true or false"))
                ),
            };
            let partner_country = match (get("partner_country"), cross_border) {
                (Some(v), Some(true)) => check!("partner_country", parse_country("partner_country", v)),
                (None, Some(true)) => {
                    fail(
                        "partner_country",
                        FieldError::new("partner_country", "is required for a cross-border case"),
                    );
                    None
                }
                (Some(_), _) => {
                    fail(
                        "partner_country",
                        FieldError::new("partner_country", "is only for cross-border cases"),
                    );
                    None
                }
                (None, _) => None,
            };
            let mut defendants = Vec::new();
            for name in get("defendants").unwrap_or("").split(';').map(str::trim).filter(|n| !n.is_empty()) {
                if let Some(name) = check!("defendants", parse_person_name("defendants", name)) {
                    defendants.push(name);
                }
            }
            let victim = match get("victim") {
                Some(v) => check!("victim", VictimCode::parse(v)),
                None => None,
            };
            let order = match date_of("judged_on") {
                None => {
                    for column in [
                        "court",
                        "final_on",
                        "payment_deadline",
                        "unpaid_wages",
                        "moral_damage",
                        "paid_by_debtors",
                    ] {
                        if get(column).is_some() {
                            fail(column, FieldError::new(column, "needs judged_on"));
                        }
                    }
                    None
                }
                Some(judged) => {
                    let judged_on = check!("judged_on", judged);
                    let court = check!("court", required("court").and_then(|v| parse_name("court", v, 200)));
                    let final_on = date_of("final_on").and_then(|r| check!("final_on", r));
                    let deadline = get("payment_deadline")
                        .and_then(|v| check!("payment_deadline", parse_date("payment_deadline", v)));
                    let currency = match get("currency") {
                        Some(v) => check!("currency", Currency::parse(v)),
                        None => Some(self.settings.fund_currency()),
                    };
                    let mut items = Vec::new();
                    for head in HeadOfDamage::ALL {
                        if let (Some(text), Some(currency)) = (get(head.as_str()), currency) {
                            match Amount::parse(text, currency) {
                                Ok(amount) if amount.is_positive() => items.push((head, amount)),
                                Ok(_) => fail(
                                    head.as_str(),
                                    FieldError::new(head.as_str(), "must be greater than zero"),
                                ),
                                Err(error) => fail(head.as_str(), error),
                            }
                        }
                    }
                    if items.is_empty() {
                        fail(
                            "unpaid_wages",
                            FieldError::new("unpaid_wages", "a judged row needs at least one head of damage"),
                        );
                    }
                    let paid_by_debtors = match (get("paid_by_debtors"), currency) {
                        (Some(text), Some(currency)) => {
                            check!("paid_by_debtors", Amount::parse(text, currency))
                        }
                        _ => None,
                    };
                    let insolvency = match (date_of("insolvency_on"), get("insolvency_basis")) {
                        (Some(date), Some(basis)) => match (
                            check!("insolvency_on", date),
                            check!("insolvency_basis", parse_name("insolvency_basis", basis, 500)),
                        ) {
                            (Some(date), Some(basis)) => Some((date, basis)),
                            _ => None,
                        },
                        (None, None) => None,
                        _ => {
                            fail(
                                "insolvency_basis",
                                FieldError::new(
                                    "insolvency_basis",
                                    "insolvency_on and insolvency_basis go together",
                                ),
                            );
                            None
                        }
                    };
                    if victim.is_none() {
                        fail(
                            "victim",
                            FieldError::new("victim", "a judged row needs the victim the order is for"),
                        );
                    }
                    match (judged_on, court, currency, victim.clone()) {
                        (Some(judged_on), Some(court), Some(currency), Some(victim)) if !items.is_empty() => {
                            Some(OrderRow {
                                row,
                                victim,
                                judged_on,
                                court,
                                final_on,
                                deadline,
                                currency,
                                items,
                                paid_by_debtors,
                                insolvency,
                            })
                        }
                        _ => None,
                    }
                }
            };
            let (
                Some(prosecutor_file),
                Some(jurisdiction),
                Some(reported_on),
                Some(stage),
                Some(stage_on),
                Some(cross_border),
            ) = (prosecutor_file, jurisdiction, reported_on, stage, stage_on, cross_border)
            else {
                progress(row);
                continue;
            };
            let case = CaseRow {
                row,
                prosecutor_file: prosecutor_file.clone(),
                court_file,
                jurisdiction,
                offences,
                reported_on,
                stage,
                stage_on,
                cross_border,
                partner_country,
                defendants,
            };
            match cases.get_mut(&prosecutor_file) {
                None => {
                    cases.insert(prosecutor_file, (case, vec![order], victim.into_iter().collect()));
                }
                Some((first, orders, victims)) => {
                    let same = first.court_file == case.court_file
                        && first.jurisdiction == case.jurisdiction
                        && first.offences == case.offences
                        && first.reported_on == case.reported_on
                        && first.stage == case.stage
                        && first.stage_on == case.stage_on
                        && first.cross_border == case.cross_border
                        && first.partner_country == case.partner_country
                        && first.defendants == case.defendants;
                    if !same {
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
            }
            progress(row);
        }
        // Per case: one judgment (same date and court on every judged row) and defendants to
        // convict.
        for (case, orders, _) in cases.values() {
            let judged: Vec<&OrderRow> = orders.iter().flatten().collect();
            if let Some(first) = judged.first() {
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

        let mut tx = self.store.write().await?;
        let mut victim_ids: HashMap<String, i64> = HashMap::new();
        for (file, (case, _, victims)) in &cases {
            if tx.case_by_prosecutor_file(file).await?.is_some() {
                problems.push(RowError {
                    row: case.row,
                    column: "prosecutor_file".into(),
                    reason: "a case with this file number exists already".into(),
                });
            }
            for code in victims {
                match tx.victim(code.as_str()).await? {
                    Some(victim) => {
                        victim_ids.insert(victim.code, victim.id);
                    }
                    None => problems.push(RowError {
                        row: case.row,
                        column: "victim".into(),
                        reason: format!("no victim has the code {code} (register victims first)"),
                    }),
                }
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.row);
            return Err(ImportError::Invalid(problems));
        }

        let now = self.clock.now();
        let mut summary = ImportSummary::default();
        let institution_id = actor.institution_id.ok_or(AppError::Forbidden)?;
        // A court importing its register keeps the cases at itself. (The import runs on the
        // server, as an operator's act with access to everything; it is audited as such.)
        let court_id = (actor.has_role(redress_domain::Role::CourtClerk)
            && !actor.has_role(redress_domain::Role::Prosecutor))
        .then_some(institution_id);
        for (case, orders, victims) in cases.values() {
            let id = tx
                .insert_case(&CaseRecord {
                    id: 0,
                    prosecutor_file: case.prosecutor_file.clone(),
                    court_file: case.court_file.clone(),
                    jurisdiction: case.jurisdiction.clone(),
                    offences: case.offences.clone(),
                    stage: case.stage.as_str().to_string(),
                    stage_changed_on: case.stage_on.to_string(),
                    cross_border: case.cross_border,
                    partner_country: case.partner_country.clone(),
                    tracing_notes: None,
                    institution_id,
                    court_id,
                    created_at: now,
                    created_by: actor.username.clone(),
                })
                .await?;
            tx.insert_stage_change(
                id,
                &StageChange {
                    from_stage: None,
                    to_stage: case.stage.as_str().to_string(),
                    on_date: case.stage_on.to_string(),
                    recorded_at: now,
                    recorded_by: format!("{} (import)", actor.username),
                },
            )
            .await?;
            let mut defendant_ids = Vec::new();
            for name in &case.defendants {
                defendant_ids.push(tx.insert_defendant(id, name).await?);
            }
            for code in victims {
                tx.link_victim(id, victim_ids[code.as_str()]).await?;
                summary.victims_linked += 1;
            }
            let judged: Vec<&OrderRow> = orders.iter().flatten().collect();
            if let Some(first) = judged.first() {
                let judgment = tx
                    .insert_judgment(&JudgmentRecord {
                        id: 0,
                        case_id: id,
                        judged_on: first.judged_on.to_string(),
                        court: first.court.clone(),
                        final_on: first.final_on.map(|d| d.to_string()),
                        appeal_filed_on: None,
                        outcome: None,
                        outcome_on: None,
                        outcome_note: None,
                        convicted: defendant_ids.clone(),
                        created_at: now,
                        created_by: actor.username.clone(),
                    })
                    .await?;
                summary.judgments += 1;
                for order in judged {
                    let order_id = tx
                        .insert_order(&OrderRecord {
                            id: 0,
                            judgment_id: judgment,
                            victim_id: victim_ids[order.victim.as_str()],
                            victim_code: order.victim.as_str().to_string(),
                            currency: order.currency,
                            payment_deadline: order.deadline.map(|d| d.to_string()),
                            items: order.items.iter().map(|(h, a)| (h.as_str().to_string(), *a)).collect(),
                            debtors: defendant_ids.clone(),
                            created_at: now,
                            created_by: actor.username.clone(),
                        })
                        .await?;
                    summary.orders += 1;
                    if let Some(paid) = order.paid_by_debtors.filter(|p| p.is_positive()) {
                        tx.insert_order_payment(
                            order_id,
                            &OrderPayment {
                                source: "debtor".into(),
                                amount: paid,
                                paid_on: order.final_on.unwrap_or(order.judged_on).to_string(),
                                reference: Some("imported".into()),
                                recorded_at: now,
                                recorded_by: actor.username.clone(),
                            },
                        )
                        .await?;
                    }
                    if let Some((found_on, basis)) = &order.insolvency {
                        tx.insert_insolvency_finding(
                            order_id,
                            &InsolvencyFinding {
                                found_on: found_on.to_string(),
                                basis: basis.clone(),
                                recorded_at: now,
                                recorded_by: actor.username.clone(),
                            },
                        )
                        .await?;
                    }
                }
            }
            summary.cases += 1;
        }
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "import.cases",
            None,
            json!({"rows": rows.len(), "cases": summary.cases, "judgments": summary.judgments, "orders": summary.orders}),
        ))
        .await?;
        tx.commit().await?;
        Ok(summary)
    }
}

/// Columns of an asset register import; `kind`, `description`, `seized_on` and `document` are
/// required.
pub const ASSET_COLUMNS: &[&str] = &[
    "kind",
    "description",
    "identifiers",
    "location",
    "region",
    "custodian",
    "prosecutor_file",
    "agency_reference",
    "currency",
    "estimated_value",
    "seized_on",
    "document",
    "state",
    "state_on",
];

/// States an import may place an asset in: those that carry no money. An asset sold or
/// released is imported in the state before, then moved, so that its money enters the ledger.
const IMPORTABLE_STATES: [AssetState; 6] = [
    AssetState::Seized,
    AssetState::InCustody,
    AssetState::Leased,
    AssetState::Assigned,
    AssetState::SaleAuthorised,
    AssetState::Confiscated,
];

use redress_domain::assets::{AssetKind, AssetState};

/// What an asset import did: rows whose `agency_reference` the institution already recorded
/// are skipped, so importing the same register twice creates each asset once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssetImport {
    pub created: usize,
    pub already_imported: usize,
}

impl App {
    /// Imports an asset agency's register: every row checked first, all or nothing. Idempotent
    /// by the agency's own asset id (`agency_reference`): a row the institution imported
    /// before is skipped (rows without one are created each time).
    pub async fn import_assets(
        &self,
        actor: &Actor,
        context: &RequestContext,
        rows: &[HashMap<String, String>],
        mut progress: impl FnMut(usize),
    ) -> Result<AssetImport, ImportError> {
        actor.require(rules::MANAGE_ASSETS)?;
        let institution_id = actor.institution_id.ok_or(AppError::Forbidden)?;
        let today = self.clock.now().to_datetime().date();
        if rows.len() > ROWS_MAX {
            return Err(ImportError::Invalid(vec![RowError {
                row: 0,
                column: "file".into(),
                reason: format!("has more than {ROWS_MAX} rows; split it"),
            }]));
        }
        let mut problems = Vec::new();
        if rows.is_empty() {
            problems.push(RowError { row: 0, column: "file".into(), reason: "has no data rows".into() });
        }
        let mut parsed = Vec::new();
        let mut references: HashMap<String, usize> = HashMap::new();
        for (index, values) in rows.iter().enumerate() {
            let row = index + 1;
            let mut fail = |column: &str, reason: String| {
                problems.push(RowError { row, column: column.to_string(), reason })
            };
            for column in values.keys().filter(|c| !ASSET_COLUMNS.contains(&c.as_str())) {
                fail(column, format!("unknown column; expected some of {}", ASSET_COLUMNS.join(", ")));
            }
            let get = |column: &str| values.get(column).map(|v| v.trim()).filter(|v| !v.is_empty());
            let optional =
                |fail: &mut dyn FnMut(&str, String), column: &str, length: usize| -> Option<String> {
                    get(column)
                        .and_then(|v| parse_name(column, v, length).map_err(|e| fail(column, e.reason)).ok())
                };
            let kind = get("kind")
                .ok_or("is required".to_string())
                .and_then(|v| AssetKind::parse(v).map_err(|e| e.reason));
            let kind = kind.map_err(|reason| fail("kind", reason)).ok();
            let description = match get("description") {
                Some(v) => parse_name("description", v, 500).map_err(|e| fail("description", e.reason)).ok(),
                None => {
                    fail("description", "is required".into());
                    None
                }
            };
            let identifiers = optional(&mut fail, "identifiers", 200);
            let location = optional(&mut fail, "location", 300);
            let region = optional(&mut fail, "region", 100);
            let custodian = optional(&mut fail, "custodian", 200);
            let agency_reference = optional(&mut fail, "agency_reference", 100);
            if let Some(reference) = &agency_reference {
                if let Some(first) = references.insert(reference.clone(), row) {
                    fail("agency_reference", format!("repeats row {first}"));
                }
            }
            let currency = match get("currency") {
                Some(code) => Currency::parse(code).map_err(|e| fail("currency", e.reason)).ok(),
                None => Some(self.settings.fund_currency()),
            };
            let estimated_value = match (get("estimated_value"), currency) {
                (Some(text), Some(currency)) => match Amount::parse(text, currency) {
                    Ok(amount) if amount.0 >= 0 => Some(amount),
                    Ok(_) => {
                        fail("estimated_value", "must not be negative".into());
                        None
                    }
                    Err(error) => {
                        fail("estimated_value", error.reason);
                        None
                    }
                },
                _ => None,
            };
            let date = |fail: &mut dyn FnMut(&str, String), column: &str| -> Option<Date> {
                let value = get(column)?;
                match parse_date(column, value) {
                    Ok(date) if date > today => {
                        fail(column, "must not be in the future".into());
                        None
                    }
                    Ok(date) => Some(date),
                    Err(error) => {
                        fail(column, error.reason);
                        None
                    }
                }
            };
            let seized_on = date(&mut fail, "seized_on");
            if get("seized_on").is_none() {
                fail("seized_on", "is required".into());
            }
            let document = match get("document") {
                Some(v) => parse_name("document", v, 200).map_err(|e| fail("document", e.reason)).ok(),
                None => {
                    fail("document", "is required".into());
                    None
                }
            };
            let state = match get("state").map(AssetState::parse) {
                None => Some(AssetState::Seized),
                Some(Ok(state)) if IMPORTABLE_STATES.contains(&state) => Some(state),
                Some(Ok(state)) => {
                    fail(
                        "state",
                        format!("{} carries money: import the asset before it, then move it", state.as_str()),
                    );
                    None
                }
                Some(Err(error)) => {
                    fail("state", error.reason);
                    None
                }
            };
            let state_on = date(&mut fail, "state_on").or(seized_on);
            if let (Some(state_on), Some(seized_on)) = (state_on, seized_on) {
                if state_on < seized_on {
                    fail("state_on", "must not be before seized_on".into());
                }
            }
            let file = get("prosecutor_file").map(str::to_string);
            if let (
                Some(kind),
                Some(description),
                Some(currency),
                Some(seized_on),
                Some(document),
                Some(state),
                Some(state_on),
            ) = (kind, description, currency, seized_on, document, state, state_on)
            {
                parsed.push((
                    row,
                    file,
                    seized_on,
                    document,
                    state,
                    state_on,
                    AssetRecord {
                        id: 0,
                        kind: kind.as_str().to_string(),
                        description,
                        identifiers,
                        location,
                        region,
                        custodian,
                        case_id: None,
                        agency_reference,
                        currency,
                        estimated_value,
                        state: state.as_str().to_string(),
                        state_changed_on: state_on.to_string(),
                        institution_id,
                        created_at: self.clock.now(),
                        created_by: actor.username.clone(),
                    },
                ));
            }
            progress(row);
        }
        let mut tx = self.store.write().await?;
        let before = parsed.len();
        let mut kept = Vec::with_capacity(before);
        for entry in parsed {
            let known = match &entry.6.agency_reference {
                Some(reference) => {
                    tx.asset_id_by_agency_reference(institution_id, reference).await?.is_some()
                }
                None => false,
            };
            if !known {
                kept.push(entry);
            }
        }
        let mut parsed = kept;
        let already_imported = before - parsed.len();
        for (row, file, _, _, _, _, asset) in parsed.iter_mut() {
            let money = AssetKind::parse(&asset.kind).is_ok_and(|k| k.is_money());
            if money && file.is_none() {
                problems.push(RowError {
                    row: *row,
                    column: "prosecutor_file".into(),
                    reason: "seized money belongs to a case: give the case's file number".into(),
                });
            }
            if let Some(file) = file {
                match tx.case_by_prosecutor_file(file).await? {
                    Some(case) => asset.case_id = Some(case.id),
                    None => problems.push(RowError {
                        row: *row,
                        column: "prosecutor_file".into(),
                        reason: format!("no case has the file number {file}"),
                    }),
                }
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.row);
            return Err(ImportError::Invalid(problems));
        }
        if parsed.is_empty() {
            // Everything was imported before: nothing to write, not even an audit entry.
            return Ok(AssetImport { created: 0, already_imported });
        }
        let now = self.clock.now();
        for (_, _, seized_on, document, state, state_on, asset) in &parsed {
            let id = tx.insert_asset(asset).await?;
            let mut moves = vec![(None, AssetState::Seized, *seized_on)];
            if *state != AssetState::Seized {
                moves.push((Some(AssetState::Seized), *state, *state_on));
            }
            for (from, to, on) in moves {
                tx.insert_asset_move(
                    id,
                    &crate::store::AssetMove {
                        from_state: from.map(|s| s.as_str().to_string()),
                        to_state: to.as_str().to_string(),
                        on_date: on.to_string(),
                        document: document.clone(),
                        amount: None,
                        costs: None,
                        recorded_at: now,
                        recorded_by: format!("{} (import)", actor.username),
                    },
                )
                .await?;
            }
        }
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "import.assets",
            None,
            json!({"assets": parsed.len(), "already_imported": already_imported}),
        ))
        .await?;
        tx.commit().await?;
        Ok(AssetImport { created: parsed.len(), already_imported })
    }
}
