//! What the victim's page shows beside the victim: how her identity was verified, the
//! institutions she was referred to, and the claims filed for her — each only to the readers its
//! own rule allows. Nothing here is identity: codes, dates, institutions and amounts.

use redress_domain::policy::rules;
use redress_domain::victims::VictimCode;
use redress_domain::Role;
use serde::Serialize;

use crate::store::{ClaimFilter, Page};
use crate::{Actor, App, AppError};

/// The most claims the victim's page lists (a victim has a handful: one per order, advances).
const VICTIM_CLAIMS_MAX: i64 = 100;

#[derive(Debug, Clone, Default, Serialize)]
pub struct VictimFile {
    /// How the identity was verified (method, when, by whom), when it was.
    pub verification: Option<FileEvent>,
    /// The institutions the victim was referred to, oldest first.
    pub referrals: Vec<FileEvent>,
    /// The claims filed for the victim, newest first.
    pub claims: Vec<VictimClaim>,
    /// Whether the reader may see the verification and the referrals (the registering
    /// institution, fund officers and auditors).
    pub shows_services: bool,
    /// Whether the reader may see the claims.
    pub shows_claims: bool,
}

/// Something done about the victim: what (a verification method, an institution's name), when
/// (RFC 3339) and by whom.
#[derive(Debug, Clone, Serialize)]
pub struct FileEvent {
    pub what: String,
    pub at: String,
    pub by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VictimClaim {
    pub id: i64,
    pub kind: &'static str,
    pub state: &'static str,
    pub currency: String,
    pub requested: String,
    pub approved: Option<String>,
    pub paid: String,
    pub filed_at: String,
}

impl App {
    /// The victim's verification, referrals and claims, as the reader may see them: the
    /// verification and referrals for the registering institution, fund officers and auditors;
    /// the claims for readers of claims who see this victim's (fund officers, treasurers and
    /// auditors all; others those of victims their institution registered, as the claim list).
    pub async fn victim_file(&self, actor: &Actor, code: &str) -> Result<VictimFile, AppError> {
        actor.require(rules::READ_VICTIMS)?;
        let code = VictimCode::parse(code)?;
        let mut tx = self.store.read().await?;
        let record = tx
            .victim(code.as_str())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no victim has the code {code}")))?;
        let own = actor.institution_id == Some(record.institution_id);
        let overseer = actor.roles.iter().any(|r| matches!(r, Role::FundOfficer | Role::Auditor));
        let mut file = VictimFile {
            shows_services: own || overseer,
            shows_claims: rules::READ_CLAIMS.allows(&actor.roles)
                && (own || crate::claims::reads_every_claim(actor)),
            ..VictimFile::default()
        };
        if file.shows_services {
            file.verification = tx
                .identity_verification(record.id)
                .await?
                .map(|(method, at, by)| FileEvent { what: method, at: at.to_rfc3339(), by });
            file.referrals = tx
                .victim_referrals(record.id)
                .await?
                .into_iter()
                .map(|(_, name, at, by)| FileEvent { what: name, at: at.to_rfc3339(), by })
                .collect();
        }
        if file.shows_claims {
            let filter = ClaimFilter { victim_id: Some(record.id), ..ClaimFilter::default() };
            let mut claims = tx.claims(&filter, Page { after: None, limit: VICTIM_CLAIMS_MAX }).await?;
            claims.reverse();
            file.claims = claims
                .into_iter()
                .map(|c| VictimClaim {
                    id: c.id,
                    kind: c.kind.as_str(),
                    state: c.state.as_str(),
                    currency: c.currency.code().to_string(),
                    requested: c.requested.format(c.currency),
                    approved: c.approved_amount.map(|a| a.format(c.currency)),
                    paid: c.paid.format(c.currency),
                    filed_at: c.filed_at.to_rfc3339(),
                })
                .collect();
        }
        Ok(file)
    }
}
