//! Importing existing cases and reparation orders (migrating a court's or prosecutor's
//! records): read and check every row ([`super::case_rows`]), check the file against what is
//! stored, then write every case, judgment and order in one transaction.

use std::collections::{BTreeMap, HashMap};

use redress_domain::policy::rules;
use redress_domain::{InstitutionId, Role, Timestamp};
use serde_json::json;

use super::case_rows::{check_judgments, group, read_row, CaseRow, CaseRows, OrderRow};
use super::{file_problems, refuse_if_any, ImportError, ImportSummary, RowError, RowReader};
use crate::accounts::audit_event;
use crate::store::{
    CaseRecord, InsolvencyFinding, JudgmentRecord, OrderPayment, OrderRecord, StageChange, WriteTx,
};
use crate::{Actor, App, RequestContext};

/// Who imports, and where the cases go.
struct Importer<'a> {
    actor: &'a Actor,
    now: Timestamp,
    institution_id: InstitutionId,
    court_id: Option<InstitutionId>,
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
        let today = self.today();
        let offences: Vec<(&str, &str)> =
            self.settings.cases.offences.iter().map(|o| (o.code.as_str(), o.name.as_str())).collect();
        let mut problems = file_problems(rows)?;
        let mut cases: BTreeMap<String, CaseRows> = BTreeMap::new();
        for (row, values) in (1..).zip(rows) {
            let mut reader = RowReader::new(row, values, &mut problems, today);
            let parsed = read_row(&mut reader, &offences, self.settings.fund_currency());
            group(&mut cases, parsed, &mut problems);
            progress(row);
        }
        check_judgments(&cases, &mut problems);

        let mut tx = self.store.write().await?;
        let victim_ids = stored_victims(&mut *tx, &cases, &mut problems).await?;
        refuse_if_any(problems)?;
        let institution_id = actor.institution_id.ok_or(crate::AppError::Forbidden)?;
        // A court importing its register keeps the cases at itself. (The import runs on the
        // server, as an operator's act with access to everything; it is audited as such.)
        let court_id =
            (actor.has_role(Role::CourtClerk) && !actor.has_role(Role::Prosecutor)).then_some(institution_id);
        let importer = Importer { actor, now: self.clock.now(), institution_id, court_id };
        let mut summary = ImportSummary::default();
        for (case, orders, victims) in cases.values() {
            let id = importer.write_case(&mut *tx, case).await?;
            let defendants = importer.write_defendants(&mut *tx, id, case).await?;
            for code in victims {
                tx.link_victim(id, victim_ids[code.as_str()]).await?;
                summary.victims_linked = summary.victims_linked.saturating_add(1);
            }
            let judged: Vec<&OrderRow> = orders.iter().flatten().collect();
            if !judged.is_empty() {
                let orders = importer.write_judgment(&mut *tx, id, &defendants, &judged, &victim_ids).await?;
                summary.orders = summary.orders.saturating_add(orders);
                summary.judgments = summary.judgments.saturating_add(1);
            }
            summary.cases = summary.cases.saturating_add(1);
        }
        let detail = json!({"rows": rows.len(), "cases": summary.cases, "judgments": summary.judgments, "orders": summary.orders});
        tx.append_audit(audit_event(actor, context, importer.now, "import.cases", None, detail)).await?;
        tx.commit().await?;
        Ok(summary)
    }
}

/// Notes the file's cases that exist already and its victims that do not; the ids of those that
/// do, by code.
async fn stored_victims(
    tx: &mut dyn WriteTx,
    cases: &BTreeMap<String, CaseRows>,
    problems: &mut Vec<RowError>,
) -> Result<HashMap<String, i64>, ImportError> {
    let mut victim_ids = HashMap::new();
    for (file, (case, _, victims)) in cases {
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
    Ok(victim_ids)
}

impl Importer<'_> {
    fn by(&self) -> String {
        self.actor.username.clone()
    }

    /// The case and the stage it is at; its id.
    async fn write_case(&self, tx: &mut dyn WriteTx, case: &CaseRow) -> Result<i64, ImportError> {
        let id = tx
            .insert_case(&CaseRecord {
                id: 0,
                prosecutor_file: case.prosecutor_file.clone(),
                court_file: case.court_file.clone(),
                jurisdiction: case.jurisdiction.clone(),
                offences: case.offences.clone(),
                stage: case.stage,
                stage_changed_on: case.stage_on.to_string(),
                cross_border: case.cross_border,
                partner_country: case.partner_country.clone(),
                tracing_notes: None,
                institution_id: self.institution_id,
                court_id: self.court_id,
                created_at: self.now,
                created_by: self.by(),
            })
            .await?;
        let change = StageChange {
            from_stage: None,
            to_stage: case.stage,
            on_date: case.stage_on.to_string(),
            recorded_at: self.now,
            recorded_by: format!("{} (import)", self.actor.username),
        };
        tx.insert_stage_change(id, &change).await?;
        Ok(id)
    }

    async fn write_defendants(
        &self,
        tx: &mut dyn WriteTx,
        id: i64,
        case: &CaseRow,
    ) -> Result<Vec<i64>, ImportError> {
        let mut ids = Vec::new();
        for name in &case.defendants {
            ids.push(tx.insert_defendant(id, name).await?);
        }
        Ok(ids)
    }

    /// The case's judgment (every defendant convicted) and its orders; how many orders.
    async fn write_judgment(
        &self,
        tx: &mut dyn WriteTx,
        case_id: i64,
        defendants: &[i64],
        judged: &[&OrderRow],
        victim_ids: &HashMap<String, i64>,
    ) -> Result<usize, ImportError> {
        let first = judged[0];
        let judgment = tx
            .insert_judgment(&JudgmentRecord {
                id: 0,
                case_id,
                judged_on: first.judged_on.to_string(),
                court: first.court.clone(),
                final_on: first.final_on.map(|d| d.to_string()),
                appeal_filed_on: None,
                outcome: None,
                outcome_on: None,
                outcome_note: None,
                convicted: defendants.to_vec(),
                created_at: self.now,
                created_by: self.by(),
            })
            .await?;
        for order in judged {
            self.write_order(tx, judgment, defendants, order, victim_ids[order.victim.as_str()]).await?;
        }
        Ok(judged.len())
    }

    /// One victim's order, with what the convicted paid and a finding that they cannot pay.
    async fn write_order(
        &self,
        tx: &mut dyn WriteTx,
        judgment: i64,
        defendants: &[i64],
        order: &OrderRow,
        victim_id: i64,
    ) -> Result<(), ImportError> {
        let order_id = tx
            .insert_order(&OrderRecord {
                id: 0,
                judgment_id: judgment,
                victim_id,
                victim_code: order.victim.as_str().to_string(),
                currency: order.currency,
                payment_deadline: order.deadline.map(|d| d.to_string()),
                items: order.items.iter().map(|(h, a)| (h.as_str().to_string(), *a)).collect(),
                debtors: defendants.to_vec(),
                created_at: self.now,
                created_by: self.by(),
            })
            .await?;
        if let Some(paid) = order.paid_by_debtors.filter(|p| p.is_positive()) {
            let payment = OrderPayment {
                source: redress_domain::orders::PaymentSource::Debtor,
                amount: paid,
                paid_on: order.final_on.unwrap_or(order.judged_on).to_string(),
                reference: Some("imported".into()),
                recorded_at: self.now,
                recorded_by: self.by(),
            };
            tx.insert_order_payment(order_id, &payment).await?;
        }
        if let Some((found_on, basis)) = &order.insolvency {
            let finding = InsolvencyFinding {
                found_on: found_on.to_string(),
                basis: basis.clone(),
                recorded_at: self.now,
                recorded_by: self.by(),
            };
            tx.insert_insolvency_finding(order_id, &finding).await?;
        }
        Ok(())
    }
}
