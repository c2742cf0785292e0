//! Lists of cases for the people who work them: newest first, paged by id, each case with what
//! it waits for. A list costs what it shows: one query with a `LIMIT`, filtered in SQL.

use redress_domain::cases::Stage;
use redress_domain::policy::rules;
use redress_domain::{FieldError, Role};
use serde::Serialize;

use crate::accounts::page;
use crate::store::CaseRecord;
use crate::{Actor, App, AppError};

/// A case in a list.
#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    pub id: i64,
    pub prosecutor_file: String,
    pub court_file: Option<String>,
    pub jurisdiction: String,
    pub stage: String,
    pub stage_changed_on: String,
    pub court_id: Option<i64>,
    /// What the case waits for (`prosecutor`: the prosecutor moves it on; `judgment`: the
    /// court records the judgment; `finality`: the court records that it is final), if anything.
    pub waiting: Option<&'static str>,
}

/// What a case at `stage` waits for, and from whom.
pub fn case_waiting(stage: &str) -> Option<&'static str> {
    match stage {
        "reported" | "investigation" | "charged" => Some("prosecutor"),
        "trial" => Some("judgment"),
        "judgment" => Some("finality"),
        _ => None,
    }
}

/// The stages in which a case waits on a prosecutor's office.
pub const WAITING_ON_PROSECUTOR: &[&str] = &["reported", "investigation", "charged"];
/// The stages in which a case waits on its court.
pub const WAITING_ON_COURT: &[&str] = &["trial", "judgment"];

fn summary(record: CaseRecord) -> CaseSummary {
    let waiting = case_waiting(record.stage.as_str());
    CaseSummary {
        id: record.id,
        prosecutor_file: record.prosecutor_file,
        court_file: record.court_file,
        jurisdiction: record.jurisdiction,
        stage: record.stage.as_str().to_string(),
        stage_changed_on: record.stage_changed_on,
        court_id: record.court_id.map(|c| c.0),
        waiting,
    }
}

impl App {
    /// Cases newest first (ids below `after`), in one of `stages` when any are given, as the
    /// reader may list them: fund officers and auditors every case; prosecutors and court
    /// clerks their own institution's (opened by it or at its court). Victim services read a
    /// case through its victims, not from a list.
    pub async fn cases(
        &self,
        actor: &Actor,
        stages: &[String],
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<CaseSummary>, AppError> {
        actor.require(rules::READ_CASES)?;
        let page = page(after, limit)?;
        let mut parsed = Vec::with_capacity(stages.len());
        for stage in stages.iter().filter(|s| !s.trim().is_empty()) {
            parsed.push(Stage::parse(stage)?.as_str());
        }
        let institution = if actor.roles.iter().any(|r| matches!(r, Role::FundOfficer | Role::Auditor)) {
            None
        } else if actor.roles.iter().any(|r| matches!(r, Role::Prosecutor | Role::CourtClerk)) {
            match actor.institution_id {
                Some(institution) => Some(institution),
                None => return Ok(Vec::new()),
            }
        } else {
            return Err(AppError::Refused(FieldError::new(
                "institution",
                "cases are listed for prosecutors, court clerks, fund officers and auditors",
            )));
        };
        let mut tx = self.store.read().await?;
        let records = tx.cases_page(institution, &parsed, page).await?;
        Ok(records.into_iter().map(summary).collect())
    }
}

/// A judgment of a case, in the case's list of them.
#[derive(Debug, Clone, Serialize)]
pub struct CaseJudgment {
    pub id: i64,
    pub judged_on: String,
    pub court: String,
    pub final_on: Option<String>,
}

impl App {
    /// A case's judgments, for those who may read the case.
    pub async fn case_judgments(&self, actor: &Actor, case_id: i64) -> Result<Vec<CaseJudgment>, AppError> {
        actor.require(rules::READ_CASES)?;
        let mut tx = self.store.read().await?;
        self.may_read_case(&mut *tx, actor, case_id).await?;
        let judgments = tx.judgments_of_case(case_id).await?;
        Ok(judgments
            .into_iter()
            .map(|j| CaseJudgment { id: j.id, judged_on: j.judged_on, court: j.court, final_on: j.final_on })
            .collect())
    }
}
