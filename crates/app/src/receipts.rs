//! The payment receipt of a claim: what was paid, when, to whom (unless the victim withdrew
//! consent), and where the money came from (traced through the ledger). The application
//! gathers the facts; the web layer prints them with a template in the reader's language.

use std::collections::BTreeMap;

use redress_domain::claims::ClaimKind;
use redress_domain::ledger::TraceNode;
use redress_domain::money::Overflow;
use redress_domain::payments::LineStatus;
use redress_domain::Amount;
use serde::Serialize;
use serde_json::json;

use crate::accounts::audit_event;
use crate::payments::Payee;
use crate::store::BatchLine;
use crate::{Actor, App, AppError, RequestContext};

#[derive(Debug, Clone, Serialize)]
pub struct ReceiptPayment {
    /// `YYYY-MM-DD`.
    pub paid_on: String,
    pub end_to_end_id: String,
    pub batch_id: i64,
    /// Decimal string in the receipt's currency.
    pub amount: String,
}

/// Where the paid money came from: `confiscations`, `leases`, `budget`, `donations`,
/// `recoveries`, `opening` or `other`, and how much.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptSource {
    pub kind: String,
    pub amount: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub claim_id: i64,
    /// `reparation` or `advance`.
    pub kind: String,
    pub victim: String,
    pub case_id: i64,
    pub order_id: Option<i64>,
    pub currency: String,
    pub approved: String,
    pub paid: String,
    /// The payee's name and document, unless the victim withdrew consent.
    pub payee: Option<String>,
    pub payee_document: Option<String>,
    /// The victim, when a representative was paid (withheld like the payee).
    pub beneficiary: Option<String>,
    /// Why the names are not printed (`consent_withdrawn`), if they are not.
    pub identity_withheld: Option<String>,
    pub payments: Vec<ReceiptPayment>,
    pub sources: Vec<ReceiptSource>,
    pub fund: String,
    pub place: String,
    /// `YYYY-MM-DD`.
    pub issued_on: String,
}

/// What kind of money an account at the start of a trace is: confiscated assets (sold or
/// released, through escrow or not), rent, the budget, donations, recoveries, the opening
/// balance, or something else.
fn source_category(account: &str) -> &'static str {
    match account {
        "income:confiscations" => "confiscations",
        a if a.starts_with("liabilities:escrow") => "confiscations",
        "income:leases" => "leases",
        "income:budget" => "budget",
        "income:donations" => "donations",
        "income:recoveries" => "recoveries",
        a if a.starts_with("equity:") => "opening",
        _ => "other",
    }
}

/// The leaves of a trace: the money's first sources, by kind.
fn leaf_sources(
    node: &TraceNode,
    names: &BTreeMap<i64, String>,
    into: &mut BTreeMap<String, Amount>,
) -> Result<(), Overflow> {
    if node.sources.is_empty() {
        let account = names.get(&node.transfer.credit_account_id).map(String::as_str).unwrap_or("");
        let sum = into.entry(source_category(account).to_string()).or_default();
        *sum = sum.checked_add(node.share)?;
        return Ok(());
    }
    for source in &node.sources {
        leaf_sources(source, names, into)?;
    }
    Ok(())
}

impl App {
    /// A payment receipt for a claim with confirmed payments. Printing the payee's name is an
    /// identity read and is audited; after consent is withdrawn no name is printed.
    pub async fn claim_receipt(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
    ) -> Result<Receipt, AppError> {
        // The same access as reading the claim.
        self.claim(actor, id).await?;
        let keys = self.key_ring()?;
        let mut tx = self.store.write().await?;
        let claim = tx.claim(id).await?.ok_or_else(|| AppError::NotFound(format!("no claim has id {id}")))?;
        let paid: Vec<BatchLine> = tx
            .batch_lines_of_claim(id)
            .await?
            .into_iter()
            .filter(|l| l.status == LineStatus::Accepted)
            .collect();
        if paid.is_empty() {
            return Err(AppError::Conflict(redress_domain::FieldError::new(
                "state",
                "nothing has been paid on this claim yet",
            )));
        }
        let victim = tx
            .victim(&claim.victim_code)
            .await?
            .ok_or_else(|| AppError::Internal("a claim without its victim".into()))?;
        let withheld = victim.consent_withdrawn_at.is_some();
        let c = claim.currency;
        let mut payee = None;
        let mut payments = Vec::new();
        let mut transfers = Vec::new();
        for line in &paid {
            if let (Some(sealed), false) = (&line.payee, withheld) {
                let opened: Payee = serde_json::from_slice(&keys.open(sealed, &line.end_to_end_id)?)
                    .map_err(|_| AppError::Internal("a sealed payee is malformed".into()))?;
                payee = Some(opened);
            }
            payments.push(ReceiptPayment {
                paid_on: line.resolved_at.map(|t| self.local_date(t).to_string()).unwrap_or_default(),
                end_to_end_id: line.end_to_end_id.clone(),
                batch_id: line.batch_id,
                amount: line.amount.format(c),
            });
            transfers.extend(line.transfer_id.clone());
        }
        let (fund, _) = self.effective_fund_details(&mut *tx).await?;
        drop(tx);
        let mut by_account = BTreeMap::new();
        for transfer in transfers {
            let trace = self.trace_unchecked(&transfer).await?;
            let names = self.account_names(&trace).await?;
            leaf_sources(&trace, &names, &mut by_account)?;
        }
        if !withheld {
            let mut tx = self.store.write().await?;
            let mut event = audit_event(
                actor,
                context,
                self.clock.now(),
                "victim.identity_read",
                Some(("victim", claim.victim_code.clone())),
                json!({"claim": id, "via": "receipt"}),
            );
            event.purpose = Some("payment_receipt".into());
            tx.append_audit(event).await?;
            tx.commit().await?;
        }
        Ok(Receipt {
            claim_id: claim.id,
            kind: if claim.kind == ClaimKind::Advance { "advance" } else { "reparation" }.to_string(),
            victim: claim.victim_code.clone(),
            case_id: claim.case_id,
            order_id: claim.order_id,
            currency: c.code().to_string(),
            approved: claim.approved_amount.unwrap_or(claim.requested).format(c),
            paid: claim.paid.format(c),
            payee: payee.as_ref().map(|p| p.name.clone()),
            payee_document: payee
                .as_ref()
                .and_then(|p| p.document.as_ref())
                .map(|d| format!("{} {}", d.document_type.as_str().to_uppercase(), d.number)),
            beneficiary: payee.as_ref().and_then(|p| p.ultimate_creditor.clone()),
            identity_withheld: withheld.then(|| "consent_withdrawn".to_string()),
            payments,
            sources: by_account
                .into_iter()
                .map(|(kind, amount)| ReceiptSource { kind, amount: amount.format(c) })
                .collect(),
            fund: fund.name,
            place: self.settings.fund.city.clone(),
            issued_on: self.today().to_string(),
        })
    }
}
