//! Which records a caller may act on, beyond what their roles allow: their institution's.
//!
//! A role says *what* a user may do; their institution says *on which records*. Prosecutors
//! write only their office's cases; court clerks only the cases at their court; victim services
//! only their institution's victims (or those referred to it and accepted). Nobody gains sight
//! of a victim by writing a record: adding a victim to a case needs sight of the victim
//! already. A refusal names the institution rule, so the person at the desk knows it is not
//! their role that is missing.

use redress_domain::{FieldError, Role};

use crate::store::{CaseRecord, ReadTx, VictimRecord};
use crate::{Actor, App, AppError};

fn refused(reason: &str) -> AppError {
    AppError::Refused(FieldError::new("institution", reason))
}

impl App {
    /// A prosecutor of the office that opened the case, or a clerk of the court it is at.
    pub(crate) fn may_write_case(&self, actor: &Actor, case: &CaseRecord) -> Result<(), AppError> {
        let institution = actor.institution_id;
        let prosecutor = actor.has_role(Role::Prosecutor) && institution == Some(case.institution_id);
        let clerk = actor.has_role(Role::CourtClerk) && institution.is_some() && institution == case.court_id;
        if prosecutor || clerk {
            Ok(())
        } else {
            Err(refused("this case belongs to another office or court"))
        }
    }

    /// The asset agency that registered the asset.
    pub(crate) fn may_write_asset(
        &self,
        actor: &Actor,
        asset: &crate::store::AssetRecord,
    ) -> Result<(), AppError> {
        if actor.institution_id == Some(asset.institution_id) {
            Ok(())
        } else {
            Err(refused("this asset is in another agency's register"))
        }
    }

    /// A clerk of the court the case is at (judgments, orders, finality, payments by the
    /// convicted, insolvency). The court is named by the prosecutor's filing or an
    /// administrator, never by the clerk who writes first.
    pub(crate) async fn may_write_case_as_court(
        &self,
        _tx: &mut dyn ReadTx,
        actor: &Actor,
        case: &CaseRecord,
    ) -> Result<(), AppError> {
        match case.court_id {
            None => Err(refused("the case is not at a court yet: the prosecutor names the court")),
            Some(court) if actor.has_role(Role::CourtClerk) && actor.institution_id == Some(court) => Ok(()),
            Some(_) => Err(refused("this case is at another court")),
        }
    }

    /// Who may read a case (and its judgments and orders): fund officers and auditors; the
    /// prosecutor's office that opened it and the court it is at (an investigation is reserved
    /// between offices); victim services looking after one of its victims.
    pub(crate) async fn may_read_case(
        &self,
        tx: &mut dyn ReadTx,
        actor: &Actor,
        case_id: i64,
    ) -> Result<(), AppError> {
        if actor.roles.iter().any(|r| matches!(r, Role::FundOfficer | Role::Auditor)) {
            return Ok(());
        }
        let case =
            tx.case(case_id).await?.ok_or_else(|| AppError::NotFound(format!("no case has id {case_id}")))?;
        if self.may_write_case(actor, &case).is_ok() {
            return Ok(());
        }
        if actor.has_role(Role::VictimServices) {
            for code in tx.case_victim_codes(case_id).await? {
                if let Some(victim) = tx.victim(&code).await? {
                    if self.looks_after_victim(tx, actor, &victim).await? {
                        return Ok(());
                    }
                }
            }
        }
        Err(refused("this case belongs to another office or court"))
    }

    /// Whether the caller's institution may see the victim's identity as its own: the
    /// registering institution, or one the victim was referred to.
    pub(crate) async fn looks_after_victim(
        &self,
        tx: &mut dyn ReadTx,
        actor: &Actor,
        victim: &VictimRecord,
    ) -> Result<bool, AppError> {
        Ok(match actor.institution_id {
            Some(institution) if institution == victim.institution_id => true,
            Some(institution) => tx.victim_referred_to(victim.id, institution).await?,
            None => false,
        })
    }

    /// Whether the caller may name this victim in a case: they must already be allowed to see
    /// the victim — their institution looks after the victim, or the victim is already in a
    /// case of their office or court.
    pub(crate) async fn may_name_victim(
        &self,
        tx: &mut dyn ReadTx,
        actor: &Actor,
        victim: &VictimRecord,
    ) -> Result<(), AppError> {
        if self.looks_after_victim(tx, actor, victim).await? {
            return Ok(());
        }
        if let Some(institution) = actor.institution_id {
            if tx.victim_in_cases_of(victim.id, institution).await? {
                return Ok(());
            }
        }
        Err(AppError::Refused(FieldError::new(
            "victims",
            format!(
                "{} is not a victim your institution looks after: victim services who registered them add them to the case, or refer them to your office",
                victim.code
            ),
        )))
    }
}
