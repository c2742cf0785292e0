//! Payment batches: proposed from a committed round by a fund officer, approved by a treasurer
//! who is not the proposer, exported as ISO 20022 pain.001.001.09. The bank's results are in
//! [`crate::bank_results`], receipts in [`crate::receipts`], recoveries from the convicted in
//! [`crate::recoveries`].
//!
//! Maker-checker is enforced on the person, whatever roles they hold: the proposer of a batch
//! never approves it, downloads its bank file or records its results.

use redress_domain::claims::{add_working_days, ClaimKind, ClaimState};
use redress_domain::fund::FundDetails;
use redress_domain::payments::{BankAccount, BatchState, LineStatus, PaymentMethod};
use redress_domain::policy::rules;
use redress_domain::victims::{is_minor, DocumentType, Identity};
use redress_domain::{Amount, FieldError};
use redress_formats::iso20022::{
    self, AccountId, CreditTransfer, Initiation, Method, Party, PaymentBlock, PersonId, PersonIdScheme,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::Date;
use utoipa::ToSchema;

use crate::accounts::{audit_event, page};
use crate::store::{BatchLine, BatchRecord, ReadTx};
use crate::{Actor, App, AppError, RequestContext};

pub use crate::bank_results::{LineResolution, ManualResult, ResultsSummary};
pub use crate::receipts::Receipt;
pub use crate::recoveries::RecoveryView;

/// A payee's identity document, as written in the bank file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct PayeeDocument {
    pub document_type: DocumentType,
    pub number: String,
    pub country: String,
}

/// Who is paid, frozen (and sealed) when the treasurer approves the batch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Payee {
    /// The legal representative while the victim is a minor, otherwise the victim.
    pub name: String,
    /// The payee's document: a cheque is handed over against it, a representative is named by it.
    #[serde(default)]
    pub document: Option<PayeeDocument>,
    /// The victim, when a representative is the payee.
    pub ultimate_creditor: Option<String>,
    /// The payee's own account (validated), if any; without one the line is a cheque.
    pub account: Option<String>,
}

impl Payee {
    /// The payee for a victim on `today`: a minor's legal representative (their own name,
    /// document and account; never the victim's account), and the victim once of age.
    pub(crate) fn of(identity: &Identity, today: Date) -> Payee {
        let usable = |account: &Option<String>| {
            account
                .as_deref()
                .and_then(|a| BankAccount::parse("bank_account", a).ok())
                .map(|a| a.as_str().to_string())
        };
        let minor = identity.birth().is_some_and(|birth| is_minor(birth, today));
        match (&identity.legal_representative, minor) {
            (Some(person), true) => Payee {
                name: person.full_name(),
                document: (!person.document_number.is_empty()).then(|| PayeeDocument {
                    document_type: person.document_type,
                    number: person.document_number.clone(),
                    country: person.document_country.clone(),
                }),
                ultimate_creditor: Some(identity.full_name()),
                account: usable(&person.bank_account),
            },
            _ => Payee {
                name: identity.full_name(),
                document: Some(PayeeDocument {
                    document_type: identity.document_type,
                    number: identity.document_number.clone(),
                    country: identity.document_country.clone(),
                }),
                ultimate_creditor: None,
                account: usable(&identity.bank_account),
            },
        }
    }

    fn person_id(&self) -> Option<PersonId> {
        let document = self.document.as_ref()?;
        let scheme = match document.document_type {
            DocumentType::Dni => PersonIdScheme::Code("NIDN".into()),
            DocumentType::Passport => PersonIdScheme::Code("CCPT".into()),
            DocumentType::Ce => PersonIdScheme::Code("ARNU".into()),
            DocumentType::Ptp => PersonIdScheme::Proprietary("PTP".into()),
            DocumentType::OtherForeign => PersonIdScheme::Proprietary("OTHER".into()),
        };
        Some(PersonId {
            id: document.number.clone(),
            scheme,
            issuer: (!document.country.is_empty()).then(|| document.country.clone()),
        })
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchLineView {
    pub claim_id: i64,
    pub victim: String,
    pub amount: String,
    pub end_to_end_id: String,
    /// `transfer` or `cheque` (known once approved).
    pub method: Option<String>,
    /// `pending`, `accepted` or `rejected`.
    pub status: String,
    /// The bank's reason code (`AC04`), when it gave one.
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    pub result_source: Option<String>,
    #[schema(value_type = Option<String>)]
    pub resolved_at: Option<redress_domain::Timestamp>,
    /// What the line's claim waits for now, if anything (`payee_details`, `bank_conflict`…).
    pub claim_waiting_for: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchView {
    pub id: i64,
    pub round_id: i64,
    pub currency: String,
    /// `proposed`, `approved`, `exported` or `closed`.
    pub state: String,
    pub execution_date: String,
    pub total: String,
    pub proposed_by: String,
    #[schema(value_type = String)]
    pub proposed_at: redress_domain::Timestamp,
    pub approved_by: Option<String>,
    #[schema(value_type = Option<String>)]
    pub approved_at: Option<redress_domain::Timestamp>,
    pub message_id: Option<String>,
    /// SHA-256 of the exported pain.001 file.
    pub file_sha256: Option<String>,
    pub lines: Vec<BatchLineView>,
    pub bank_reports: Vec<crate::store::BankReport>,
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn account_id(account: &str) -> AccountId {
    match BankAccount::parse("account", account) {
        Ok(BankAccount::Iban(iban)) => AccountId::Iban(iban),
        Ok(BankAccount::Cci(cci)) => AccountId::Other { id: cci, scheme: Some("CCI".to_string()) },
        Err(_) => AccountId::Other { id: account.to_string(), scheme: None },
    }
}

/// Unique: a round has at most one batch, and a claim at most one line per round.
fn end_to_end_id(round_id: i64, claim_id: i64) -> String {
    format!("RDR-R{round_id}-C{claim_id}")
}

/// The file's message id: unique per fund (the deployment's prefix) and batch.
fn message_id(prefix: &str, batch_id: i64) -> String {
    format!("{prefix}-B{batch_id}")
}

impl App {
    pub(crate) async fn batch_record(&self, tx: &mut dyn ReadTx, id: i64) -> Result<BatchRecord, AppError> {
        tx.batch(id).await?.ok_or_else(|| AppError::NotFound(format!("no batch has id {id}")))
    }

    /// Maker-checker on the person: whoever proposed a batch never acts on it as treasurer.
    pub(crate) fn not_the_proposer(actor: &Actor, batch: &BatchRecord, what: &str) -> Result<(), AppError> {
        if batch.proposed_by == actor.username {
            return Err(AppError::Refused(FieldError::new(
                "proposed_by",
                format!("the person who proposed a batch cannot {what}: another treasurer must"),
            )));
        }
        Ok(())
    }

    async fn batch_view(&self, tx: &mut dyn ReadTx, id: i64) -> Result<BatchView, AppError> {
        let batch = self.batch_record(tx, id).await?;
        let lines = tx.batch_lines(id).await?;
        let mut views = Vec::with_capacity(lines.len());
        for line in lines {
            let claim = tx.claim(line.claim_id).await?;
            views.push(BatchLineView {
                claim_id: line.claim_id,
                victim: claim.as_ref().map(|c| c.victim_code.clone()).unwrap_or_default(),
                amount: line.amount.format(batch.currency),
                end_to_end_id: line.end_to_end_id.clone(),
                method: line.method.map(|m| m.as_str().to_string()),
                status: line.status.as_str().to_string(),
                reason_code: line.reason_code.clone(),
                reason: line.reason.clone(),
                result_source: line.result_source.map(|s| s.as_str().to_string()),
                resolved_at: line.resolved_at,
                claim_waiting_for: claim.and_then(|c| c.waiting_for).map(|w| w.as_str().to_string()),
            });
        }
        Ok(BatchView {
            id: batch.id,
            round_id: batch.round_id,
            currency: batch.currency.code().to_string(),
            state: batch.state.as_str().to_string(),
            execution_date: batch.execution_date.clone(),
            total: batch.total.format(batch.currency),
            proposed_by: batch.proposed_by.clone(),
            proposed_at: batch.proposed_at,
            approved_by: batch.approved_by.clone(),
            approved_at: batch.approved_at,
            message_id: batch.message_id.clone(),
            file_sha256: batch.file_sha256.clone(),
            lines: views,
            bank_reports: tx.bank_reports(id).await?,
        })
    }

    pub async fn batch(&self, actor: &Actor, id: i64) -> Result<BatchView, AppError> {
        actor.require(rules::READ_PAYMENTS)?;
        let mut tx = self.store.read().await?;
        self.batch_view(&mut *tx, id).await
    }

    pub async fn batches(
        &self,
        actor: &Actor,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<BatchView>, AppError> {
        actor.require(rules::READ_PAYMENTS)?;
        let page = page(after, limit)?;
        let mut tx = self.store.read().await?;
        let ids: Vec<i64> = tx.batches(page).await?.iter().map(|b| b.id).collect();
        let mut views = Vec::with_capacity(ids.len());
        for id in ids {
            views.push(self.batch_view(&mut *tx, id).await?);
        }
        Ok(views)
    }

    fn execution_date(&self, execution_date: Option<&str>) -> Result<Date, AppError> {
        let today = self.today();
        match execution_date.map(str::trim).filter(|t| !t.is_empty()) {
            Some(text) => {
                let date = redress_domain::cases::parse_date("execution_date", text)?;
                if date < today {
                    return Err(FieldError::new("execution_date", "must not be in the past").into());
                }
                Ok(date)
            }
            None => Ok(add_working_days(today, 1)),
        }
    }

    /// Proposes a payment batch from a committed round: one line per claim the round placed a
    /// hold for that still holds it and waits for nothing. `execution_date` (default: the next
    /// working day) must not be in the past.
    pub async fn propose_batch(
        &self,
        actor: &Actor,
        context: &RequestContext,
        round_id: i64,
        execution_date: Option<&str>,
    ) -> Result<BatchView, AppError> {
        actor.require(rules::DECIDE_CLAIMS)?;
        let execution_date = self.execution_date(execution_date)?;
        let mut tx = self.store.write().await?;
        let round = tx
            .round(round_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no round has id {round_id}")))?;
        if let Some(existing) = tx.batch_of_round(round_id).await? {
            return Err(AppError::Conflict(FieldError::new(
                "round_id",
                format!("round {round_id} already has batch {}", existing.id),
            )));
        }
        let now = self.clock.now();
        let mut lines = Vec::new();
        let mut claims = Vec::new();
        for line in tx.round_lines(round_id).await?.into_iter().filter(|l| l.amount.is_positive()) {
            let Some(claim) = tx.claim(line.claim_id).await? else { continue };
            // A claim whose hold was released since, that moved on, or that waits, is left out.
            let holds_it = claim.state == ClaimState::Allocated && claim.hold_id == line.hold_id;
            let (true, None, Some(hold_id)) = (holds_it, claim.waiting_for, line.hold_id.clone()) else {
                continue;
            };
            lines.push(BatchLine {
                batch_id: 0,
                claim_id: claim.id,
                amount: line.amount,
                hold_id,
                end_to_end_id: end_to_end_id(round_id, claim.id),
                payee: None,
                method: None,
                status: LineStatus::Pending,
                reason_code: None,
                reason: None,
                resolved_at: None,
                resolved_by: None,
                result_source: None,
                transfer_id: None,
            });
            claims.push(claim);
        }
        if lines.is_empty() {
            return Err(AppError::Conflict(FieldError::new(
                "round_id",
                "no line of this round is waiting for payment",
            )));
        }
        let total = lines
            .iter()
            .try_fold(Amount::ZERO, |sum, l| sum.checked_add(l.amount))
            .map_err(|_| AppError::Internal("batch total overflow".into()))?;
        let batch = BatchRecord {
            id: 0,
            round_id,
            currency: round.currency,
            state: BatchState::Proposed,
            execution_date: execution_date.to_string(),
            total,
            proposed_at: now,
            proposed_by: actor.username.clone(),
            approved_at: None,
            approved_by: None,
            message_id: None,
            file_sha256: None,
            exported_at: None,
            exported_by: None,
            debtor: None,
        };
        let id = tx.insert_batch(&batch, &lines).await?;
        for mut claim in claims {
            let note = Some(format!("batch {id}"));
            self.move_claim(&mut *tx, &mut claim, ClaimState::InBatch, &actor.username, note).await?;
        }
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "batch.propose",
            Some(("batch", id.to_string())),
            json!({"round_id": round_id, "lines": lines.len(), "total": total.format(round.currency),
                   "execution_date": execution_date.to_string()}),
        ))
        .await?;
        let view = self.batch_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// A treasurer approves a proposed batch. The proposer can never approve it (maker-checker,
    /// enforced here whatever roles the proposer holds). The payees are frozen and sealed now,
    /// so that the bank file exported later is the one approved: a minor's representative
    /// while the victim is a minor, the victim once of age.
    pub async fn approve_batch(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
    ) -> Result<BatchView, AppError> {
        actor.require(rules::APPROVE_PAYMENTS)?;
        let keys = self.key_ring()?;
        let mut tx = self.store.write().await?;
        let mut batch = self.batch_record(&mut *tx, id).await?;
        Self::not_the_proposer(actor, &batch, "approve it")?;
        batch.state = batch.state.approve().map_err(AppError::Conflict)?;
        if redress_domain::cases::parse_date("execution_date", &batch.execution_date)
            .is_ok_and(|date| date < self.today())
        {
            batch.execution_date = add_working_days(self.today(), 1).to_string();
        }
        let now = self.clock.now();
        let today = self.today();
        let mut victims = Vec::new();
        for mut line in tx.batch_lines(id).await? {
            let claim = tx
                .claim(line.claim_id)
                .await?
                .ok_or_else(|| AppError::Internal("a line without its claim".into()))?;
            let victim = tx
                .victim(&claim.victim_code)
                .await?
                .ok_or_else(|| AppError::Internal("a claim without its victim".into()))?;
            let identity: Identity = serde_json::from_slice(&keys.open(&victim.identity, &victim.code)?)
                .map_err(|_| AppError::Internal("a sealed identity is malformed".into()))?;
            let payee = Payee::of(&identity, today);
            line.method =
                Some(if payee.account.is_some() { PaymentMethod::Transfer } else { PaymentMethod::Cheque });
            let text = serde_json::to_vec(&payee).map_err(|e| AppError::Internal(e.to_string()))?;
            line.payee = Some(keys.seal(&text, &line.end_to_end_id)?);
            tx.update_batch_line(&line).await?;
            victims.push(victim.code);
        }
        batch.approved_at = Some(now);
        batch.approved_by = Some(actor.username.clone());
        batch.message_id = Some(message_id(&self.settings.fund.message_id_prefix, id));
        tx.update_batch(&batch).await?;
        let mut event = audit_event(
            actor,
            context,
            now,
            "batch.approve",
            Some(("batch", id.to_string())),
            json!({"total": batch.total.format(batch.currency), "payees_read": victims}),
        );
        event.purpose = Some("payment".into());
        tx.append_audit(event).await?;
        let view = self.batch_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// The bank file (pain.001.001.09) of an approved batch, with its file name. The first
    /// export stores the file's SHA-256; every later export regenerates the same bytes from the
    /// payees frozen at approval, and is checked against it.
    pub async fn export_batch(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
    ) -> Result<(String, String), AppError> {
        actor.require(rules::APPROVE_PAYMENTS)?;
        let mut tx = self.store.write().await?;
        let mut batch = self.batch_record(&mut *tx, id).await?;
        Self::not_the_proposer(actor, &batch, "download its bank file")?;
        let next_state = batch.state.export().map_err(AppError::Conflict)?;
        // The details of the first export, so that the file regenerates byte for byte after an
        // administrator changes them; before the first export, the fund's details now.
        let fund: FundDetails = match &batch.debtor {
            Some(frozen) => serde_json::from_str(frozen).map_err(|_| {
                AppError::Internal(format!("batch {id}: its stored fund details are malformed"))
            })?,
            None => self.effective_fund_details(&mut *tx).await?.0,
        };
        if fund.bank_account.is_none() {
            return Err(AppError::Conflict(FieldError::new(
                "fund.bank_account",
                "the fund's bank account is not set: an administrator sets it on the fund page (/admin/fund)",
            )));
        }
        let lines = tx.batch_lines(id).await?;
        let xml = self.pain001(&mut *tx, &batch, &lines, &fund).await?;
        let hash = sha256_hex(xml.as_bytes());
        let now = self.clock.now();
        match &batch.file_sha256 {
            Some(stored) if *stored != hash => {
                return Err(AppError::Internal(format!(
                    "batch {id}: the regenerated bank file differs from the one exported ({stored})"
                )))
            }
            Some(_) => {}
            None => {
                batch.file_sha256 = Some(hash.clone());
                batch.debtor =
                    Some(serde_json::to_string(&fund).map_err(|e| AppError::Internal(e.to_string()))?);
                batch.exported_at = Some(now);
                batch.exported_by = Some(actor.username.clone());
                batch.state = next_state;
                tx.update_batch(&batch).await?;
            }
        }
        let mut event = audit_event(
            actor,
            context,
            now,
            "batch.export",
            Some(("batch", id.to_string())),
            json!({"sha256": hash, "lines": lines.len()}),
        );
        event.purpose = Some("payment".into());
        tx.append_audit(event).await?;
        tx.commit().await?;
        let name = batch.message_id.unwrap_or_else(|| format!("batch-{id}"));
        Ok((format!("{name}.pain.001.xml"), xml))
    }

    async fn pain001(
        &self,
        tx: &mut dyn ReadTx,
        batch: &BatchRecord,
        lines: &[BatchLine],
        fund: &FundDetails,
    ) -> Result<String, AppError> {
        let keys = self.key_ring()?;
        let (Some(approved_at), Some(message_id)) = (batch.approved_at, batch.message_id.clone()) else {
            return Err(AppError::Internal("an approved batch without approval data".into()));
        };
        let mut transfers = Vec::new();
        let mut cheques = Vec::new();
        for line in lines {
            let sealed =
                line.payee.as_deref().ok_or_else(|| AppError::Internal("a line without its payee".into()))?;
            let payee: Payee = serde_json::from_slice(&keys.open(sealed, &line.end_to_end_id)?)
                .map_err(|_| AppError::Internal("a sealed payee is malformed".into()))?;
            let claim = tx
                .claim(line.claim_id)
                .await?
                .ok_or_else(|| AppError::Internal("a line without its claim".into()))?;
            let remittance = match (claim.kind, claim.order_id) {
                (ClaimKind::Reparation, Some(order)) => {
                    format!("Reparacion civil - reclamo {} - orden {}", claim.id, order)
                }
                _ => format!("Adelanto de reparacion - reclamo {}", claim.id),
            };
            let transfer = CreditTransfer {
                end_to_end_id: line.end_to_end_id.clone(),
                instruction_id: format!("B{}-C{}", batch.id, line.claim_id),
                amount: line.amount,
                creditor: Party {
                    name: payee.name.clone(),
                    account: payee.account.as_deref().map(account_id),
                    agent_bic: None,
                    identification: payee.person_id(),
                },
                ultimate_creditor: payee.ultimate_creditor.clone(),
                remittance,
            };
            match line.method {
                Some(PaymentMethod::Transfer) => transfers.push(transfer),
                Some(PaymentMethod::Cheque) => cheques.push(transfer),
                None => return Err(AppError::Internal("an approved line without its method".into())),
            }
        }
        let execution = redress_domain::cases::parse_date("execution_date", &batch.execution_date)?;
        let mut blocks = Vec::new();
        for (method, format, transactions) in [
            (PaymentMethod::Transfer, Method::Transfer, transfers),
            (PaymentMethod::Cheque, Method::Cheque, cheques),
        ] {
            if !transactions.is_empty() {
                blocks.push(PaymentBlock {
                    id: method.block_id(batch.id),
                    method: format,
                    requested_execution_date: execution,
                    transactions,
                });
            }
        }
        let initiation = Initiation {
            message_id,
            created_at: approved_at.to_datetime(),
            initiating_party: fund.name.clone(),
            debtor: Party {
                name: fund.name.clone(),
                account: fund.bank_account.as_deref().map(account_id),
                agent_bic: fund.bank_bic.clone(),
                identification: None,
            },
            currency: batch.currency,
            blocks,
        };
        iso20022::write_pain001(&initiation).map_err(|e| AppError::Invalid(FieldError::from(e).into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redress_domain::victims::{Relationship, Representative};
    use time::macros::date;

    fn minor_with_mother() -> Identity {
        Identity {
            given_names: "Ana Lucía".into(),
            surnames: "Pérez Rodríguez".into(),
            document_type: DocumentType::Ptp,
            document_number: "PTP0098765".into(),
            document_country: "PE".into(),
            birth_date: "2010-03-01".into(),
            contact: None,
            address: None,
            bank_account: Some("01136600010003254221".into()),
            legal_representative: Some(Representative {
                given_names: "Carmen Rosa".into(),
                surnames: "Rodríguez Díaz".into(),
                document_type: DocumentType::Ce,
                document_number: "001234567".into(),
                document_country: "PE".into(),
                relationship: Relationship::Mother,
                legal_basis: "Patria potestad".into(),
                bank_account: None,
                contact: None,
            }),
            languages: vec![],
            recruitment: None,
            methods_of_control: vec![],
        }
    }

    #[test]
    fn a_minor_is_paid_through_the_representative_never_into_the_victims_account() {
        let payee = Payee::of(&minor_with_mother(), date!(2026 - 12 - 01));
        assert_eq!(payee.name, "Carmen Rosa Rodríguez Díaz");
        assert_eq!(payee.ultimate_creditor.as_deref(), Some("Ana Lucía Pérez Rodríguez"));
        assert_eq!(
            payee.account, None,
            "the representative has no account: a cheque, not the minor's account"
        );
        assert_eq!(payee.document.as_ref().map(|d| d.number.as_str()), Some("001234567"));
        assert!(matches!(payee.person_id().map(|p| p.scheme), Some(PersonIdScheme::Code(c)) if c == "ARNU"));
    }

    #[test]
    fn a_victim_of_age_is_paid_directly() {
        let payee = Payee::of(&minor_with_mother(), date!(2028 - 03 - 01));
        assert_eq!(payee.name, "Ana Lucía Pérez Rodríguez");
        assert_eq!(payee.ultimate_creditor, None);
        assert_eq!(payee.account.as_deref(), Some("01136600010003254221"));
    }

    #[test]
    fn an_invalid_stored_account_never_reaches_the_bank_file() {
        let mut identity = minor_with_mother();
        identity.legal_representative = None;
        identity.birth_date = "1990-01-01".into();
        identity.bank_account = Some("12".into());
        assert_eq!(Payee::of(&identity, date!(2026 - 12 - 01)).account, None);
        assert!(
            matches!(account_id("01136600010003254221"), AccountId::Other { scheme: Some(s), .. } if s == "CCI")
        );
        assert!(matches!(account_id("GB82WEST12345698765432"), AccountId::Iban(_)));
    }
}
