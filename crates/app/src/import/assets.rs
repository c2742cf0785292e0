//! Importing an asset agency's register: every row checked first, all or nothing; idempotent by
//! the agency's own asset id (`agency_reference`).

use std::collections::HashMap;

use redress_domain::assets::{AssetKind, AssetState};
use redress_domain::policy::rules;
use redress_domain::user::parse_name;
use redress_domain::{Amount, Currency, InstitutionId};
use serde_json::json;
use time::Date;

use super::{file_problems, refuse_if_any, ImportError, RowError, RowReader};
use crate::accounts::audit_event;
use crate::store::{AssetMove, AssetRecord, WriteTx};
use crate::{Actor, App, AppError, RequestContext};

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

/// What an asset import did: rows whose `agency_reference` the institution already recorded
/// are skipped, so importing the same register twice creates each asset once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssetImport {
    pub created: usize,
    pub already_imported: usize,
}

/// One valid row: the asset, its case's file number, and how it got to its state.
struct AssetRow {
    row: usize,
    file: Option<String>,
    seized_on: Date,
    document: String,
    state: AssetState,
    state_on: Date,
    asset: AssetRecord,
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
        let today = self.today();
        let mut problems = file_problems(rows)?;
        let mut parsed = Vec::new();
        let mut references: HashMap<String, usize> = HashMap::new();
        for (row, values) in (1..).zip(rows) {
            let mut reader = RowReader::new(row, values, &mut problems, today);
            let asset = self.read_asset(&mut reader, actor, institution_id, &mut references);
            parsed.extend(asset);
            progress(row);
        }
        let mut tx = self.store.write().await?;
        let mut fresh = Vec::with_capacity(parsed.len());
        let mut already_imported = 0_usize;
        for entry in parsed {
            let known = match &entry.asset.agency_reference {
                Some(reference) => {
                    tx.asset_id_by_agency_reference(institution_id, reference).await?.is_some()
                }
                None => false,
            };
            if known {
                already_imported = already_imported.saturating_add(1);
            } else {
                fresh.push(entry);
            }
        }
        link_cases(&mut *tx, &mut fresh, &mut problems).await?;
        refuse_if_any(problems)?;
        if fresh.is_empty() {
            // Everything was imported before: nothing to write, not even an audit entry.
            return Ok(AssetImport { created: 0, already_imported });
        }
        let now = self.clock.now();
        let by = format!("{} (import)", actor.username);
        for entry in &fresh {
            let id = tx.insert_asset(&entry.asset).await?;
            let mut moves = vec![(None, AssetState::Seized, entry.seized_on)];
            if entry.state != AssetState::Seized {
                moves.push((Some(AssetState::Seized), entry.state, entry.state_on));
            }
            for (from, to, on) in moves {
                let record = AssetMove {
                    from_state: from,
                    to_state: to,
                    on_date: on.to_string(),
                    document: entry.document.clone(),
                    amount: None,
                    costs: None,
                    recorded_at: now,
                    recorded_by: by.clone(),
                };
                tx.insert_asset_move(id, &record).await?;
            }
        }
        let detail = json!({"assets": fresh.len(), "already_imported": already_imported});
        tx.append_audit(audit_event(actor, context, now, "import.assets", None, detail)).await?;
        tx.commit().await?;
        Ok(AssetImport { created: fresh.len(), already_imported })
    }

    /// One row of the register; `None` (with its problems noted) when it is not valid.
    fn read_asset(
        &self,
        r: &mut RowReader,
        actor: &Actor,
        institution_id: InstitutionId,
        references: &mut HashMap<String, usize>,
    ) -> Option<AssetRow> {
        r.unknown_columns(ASSET_COLUMNS);
        let kind = r.required("kind", AssetKind::parse);
        let description = r.required("description", |v| parse_name("description", v, 500));
        let identifiers = r.optional("identifiers", |v| parse_name("identifiers", v, 200));
        let location = r.optional("location", |v| parse_name("location", v, 300));
        let region = r.optional("region", |v| parse_name("region", v, 100));
        let custodian = r.optional("custodian", |v| parse_name("custodian", v, 200));
        let agency_reference = r.optional("agency_reference", |v| parse_name("agency_reference", v, 100));
        if let Some(reference) = &agency_reference {
            if let Some(first) = references.insert(reference.clone(), r.row) {
                r.fail("agency_reference", format!("repeats row {first}"));
            }
        }
        let currency = match r.get("currency") {
            Some(_) => r.optional("currency", Currency::parse),
            None => Some(self.settings.fund_currency()),
        };
        let estimated_value = read_value(r, currency);
        let seized_on = r.past_date("seized_on").and_then(|result| r.check("seized_on", result));
        if r.get("seized_on").is_none() {
            r.fail("seized_on", "is required");
        }
        let document = r.required("document", |v| parse_name("document", v, 200));
        let state = read_state(r);
        let state_on = r.past_date("state_on").and_then(|result| r.check("state_on", result)).or(seized_on);
        if let (Some(state_on), Some(seized_on)) = (state_on, seized_on) {
            if state_on < seized_on {
                r.fail("state_on", "must not be before seized_on");
            }
        }
        let (kind, state, state_on) = (kind?, state?, state_on?);
        let asset = AssetRecord {
            id: 0,
            kind,
            description: description?,
            identifiers,
            location,
            region,
            custodian,
            case_id: None,
            agency_reference,
            currency: currency?,
            estimated_value,
            state,
            state_changed_on: state_on.to_string(),
            institution_id,
            created_at: self.clock.now(),
            created_by: actor.username.clone(),
        };
        let file = r.get("prosecutor_file").map(str::to_string);
        Some(AssetRow {
            row: r.row,
            file,
            seized_on: seized_on?,
            document: document?,
            state,
            state_on,
            asset,
        })
    }
}

/// The estimated value, not negative.
fn read_value(r: &mut RowReader, currency: Option<Currency>) -> Option<Amount> {
    let (Some(text), Some(currency)) = (r.get("estimated_value"), currency) else { return None };
    match Amount::parse(text, currency) {
        Ok(amount) if amount >= Amount::ZERO => Some(amount),
        Ok(_) => {
            r.fail("estimated_value", "must not be negative");
            None
        }
        Err(error) => {
            r.fail("estimated_value", error.reason);
            None
        }
    }
}

/// The state to import in (seized by default); only states that carry no money.
fn read_state(r: &mut RowReader) -> Option<AssetState> {
    match r.get("state").map(AssetState::parse) {
        None => Some(AssetState::Seized),
        Some(Ok(state)) if IMPORTABLE_STATES.contains(&state) => Some(state),
        Some(Ok(state)) => {
            r.fail(
                "state",
                format!("{} carries money: import the asset before it, then move it", state.as_str()),
            );
            None
        }
        Some(Err(error)) => {
            r.fail("state", error.reason);
            None
        }
    }
}

/// Links each asset to its case by file number; seized money must name one.
async fn link_cases(
    tx: &mut dyn WriteTx,
    rows: &mut [AssetRow],
    problems: &mut Vec<RowError>,
) -> Result<(), ImportError> {
    for entry in rows.iter_mut() {
        let money = entry.asset.kind.is_money();
        if money && entry.file.is_none() {
            problems.push(RowError {
                row: entry.row,
                column: "prosecutor_file".into(),
                reason: "seized money belongs to a case: give the case's file number".into(),
            });
        }
        let Some(file) = &entry.file else { continue };
        match tx.case_by_prosecutor_file(file).await? {
            Some(case) => entry.asset.case_id = Some(case.id),
            None => problems.push(RowError {
                row: entry.row,
                column: "prosecutor_file".into(),
                reason: format!("no case has the file number {file}"),
            }),
        }
    }
    Ok(())
}
