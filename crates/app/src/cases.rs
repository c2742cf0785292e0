//! Criminal cases: opening one, moving it through its stages, its defendants and victims.

use redress_domain::cases::{parse_date, parse_file_number, parse_offence, parse_past_date, Stage};
use redress_domain::policy::rules;
use redress_domain::user::parse_name;
use redress_domain::victims::{parse_country, parse_person_name, VictimCode};
use redress_domain::{FieldError, FieldErrors};
use serde::Serialize;
use serde_json::json;

use crate::accounts::audit_event;
use crate::store::{CaseRecord, Defendant, ReadTx, StageChange, WriteTx};
use crate::{Actor, App, AppError, RequestContext};

/// A case to open, as received.
#[derive(Debug, Clone, Default)]
pub struct OpenCase {
    pub prosecutor_file: String,
    pub court_file: Option<String>,
    pub jurisdiction: String,
    pub offences: Vec<String>,
    /// The date the case was reported (`YYYY-MM-DD`).
    pub reported_on: String,
    pub cross_border: bool,
    pub partner_country: Option<String>,
    pub tracing_notes: Option<String>,
    /// The court (an institution of kind `court`) handling the case, when known.
    pub court_id: Option<i64>,
    pub defendants: Vec<String>,
    /// Victim codes.
    pub victims: Vec<String>,
}

/// A case with its history, defendants and victims.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub id: i64,
    pub prosecutor_file: String,
    pub court_file: Option<String>,
    pub jurisdiction: String,
    pub offences: Vec<String>,
    pub stage: String,
    pub stage_changed_on: String,
    pub cross_border: bool,
    pub partner_country: Option<String>,
    pub tracing_notes: Option<String>,
    pub institution_id: i64,
    pub court_id: Option<i64>,
    pub history: Vec<(Option<String>, String, String)>,
    pub defendants: Vec<(i64, String)>,
    pub victims: Vec<String>,
}

fn notes(errors: &mut FieldErrors, value: &Option<String>) -> Option<String> {
    let text = value.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
    if text.chars().count() > 2_000 {
        errors.push(FieldError::new("tracing_notes", "must be at most 2000 characters long"));
        return None;
    }
    Some(text.to_string())
}

impl App {
    async fn case_view(&self, tx: &mut dyn ReadTx, id: i64) -> Result<CaseView, AppError> {
        let record = tx.case(id).await?.ok_or_else(|| AppError::NotFound(format!("no case has id {id}")))?;
        let history = tx.case_stage_changes(id).await?;
        let defendants = tx.case_defendants(id).await?;
        let victims = tx.case_victim_codes(id).await?;
        Ok(view(record, history, defendants, victims))
    }

    /// Opens a case at the `reported` stage, with its defendants and victims.
    pub async fn open_case(
        &self,
        actor: &Actor,
        context: &RequestContext,
        request: OpenCase,
    ) -> Result<CaseView, AppError> {
        actor.require(rules::MANAGE_CASES)?;
        if !actor.has_role(redress_domain::Role::Prosecutor) {
            return Err(AppError::Refused(FieldError::new(
                "role",
                "cases are opened by the prosecutor's office",
            )));
        }
        let institution_id = actor.institution_id.ok_or(AppError::Forbidden)?;
        let reference: Vec<(&str, &str)> =
            self.settings.cases.offences.iter().map(|o| (o.code.as_str(), o.name.as_str())).collect();
        let case = NewCase::read(&request, &reference, self.today())?;
        let mut tx = self.store.write().await?;
        if let Some(existing) = tx.case_by_prosecutor_file(&case.prosecutor_file).await? {
            return Err(AppError::Conflict(FieldError::new(
                "prosecutor_file",
                format!("a case with this file number exists (id {})", existing.id),
            )));
        }
        let court_id = court_of(&mut *tx, request.court_id).await?;
        let victim_ids = self.nameable_victims(&mut *tx, actor, &case.victims).await?;
        let now = self.clock.now();
        let record = CaseRecord {
            id: 0,
            prosecutor_file: case.prosecutor_file,
            court_file: case.court_file,
            jurisdiction: case.jurisdiction,
            offences: case.offences,
            stage: Stage::Reported,
            stage_changed_on: case.reported_on.to_string(),
            cross_border: request.cross_border,
            partner_country: case.partner_country,
            tracing_notes: case.tracing_notes,
            institution_id,
            court_id,
            created_at: now,
            created_by: actor.username.clone(),
        };
        let id = tx.insert_case(&record).await?;
        let change = StageChange {
            from_stage: None,
            to_stage: record.stage,
            on_date: record.stage_changed_on.clone(),
            recorded_at: now,
            recorded_by: actor.username.clone(),
        };
        tx.insert_stage_change(id, &change).await?;
        for name in &case.defendants {
            tx.insert_defendant(id, name).await?;
        }
        for victim in &victim_ids {
            tx.link_victim(id, *victim).await?;
        }
        let detail = json!({"offences": record.offences, "defendants": case.defendants.len(), "victims": victim_ids.len()});
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "case.open",
            Some(("case", id.to_string())),
            detail,
        ))
        .await?;
        let view = self.case_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// The victims a new case names: each must exist and be one the caller may already see.
    async fn nameable_victims(
        &self,
        tx: &mut dyn WriteTx,
        actor: &Actor,
        victims: &[VictimCode],
    ) -> Result<Vec<i64>, AppError> {
        let mut ids = Vec::new();
        for (index, code) in victims.iter().enumerate() {
            let victim = tx.victim(code.as_str()).await?.ok_or_else(|| {
                FieldError::new(format!("victims[{index}]"), format!("no victim has the code {code}"))
            })?;
            self.may_name_victim(&mut *tx, actor, &victim).await?;
            if !ids.contains(&victim.id) {
                ids.push(victim.id);
            }
        }
        Ok(ids)
    }

    /// The id of the case with this prosecutor's file number, if any.
    pub async fn case_by_file(&self, actor: &Actor, file: &str) -> Result<Option<i64>, AppError> {
        actor.require(rules::READ_CASES)?;
        Ok(self.store.read().await?.case_by_prosecutor_file(file.trim()).await?.map(|c| c.id))
    }

    /// A case, for those who may read it: fund officers and auditors; the prosecutor's office
    /// that opened it and the court it is at (the investigation is reserved between offices);
    /// victim services looking after one of its victims.
    pub async fn case(&self, actor: &Actor, id: i64) -> Result<CaseView, AppError> {
        actor.require(rules::READ_CASES)?;
        let mut tx = self.store.read().await?;
        let view = self.case_view(&mut *tx, id).await?;
        self.may_read_case(&mut *tx, actor, id).await?;
        Ok(view)
    }

    /// Moves a case to its next stage on a date; illegal moves and bad dates are refused.
    pub async fn change_case_stage(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        stage: &str,
        on: &str,
    ) -> Result<CaseView, AppError> {
        actor.require(rules::MANAGE_CASES)?;
        let mut errors = FieldErrors::new();
        let to = errors.check(Stage::parse(stage));
        let on = errors.check(parse_date("date", on));
        errors.into_result()?;
        let (Some(to), Some(on)) = (to, on) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let today = self.today();
        let mut tx = self.store.write().await?;
        let record = tx.case(id).await?.ok_or_else(|| AppError::NotFound(format!("no case has id {id}")))?;
        self.may_write_case(actor, &record)?;
        let from = record.stage;
        if !to.set_by_hand() {
            return Err(FieldError::new(
                "stage",
                "a case reaches judgment and final by the judgments recorded by its court, not by hand",
            )
            .into());
        }
        let standing =
            tx.judgments_of_case(id).await?.into_iter().any(|j| j.outcome.is_none_or(|o| !o.sets_aside()));
        if standing && matches!(to, Stage::Acquitted | Stage::Archived | Stage::Trial) {
            return Err(AppError::Conflict(FieldError::new(
                "stage",
                "the case has a judgment in force: its court records the appeal decision on the judgment",
            )));
        }
        let last = parse_date("date", &record.stage_changed_on)
            .map_err(|_| AppError::Internal("a stored date is malformed".into()))?;
        let to = from.transition(to, on, last, today)?;
        let now = self.clock.now();
        tx.set_case_stage(id, to, &on.to_string()).await?;
        tx.insert_stage_change(
            id,
            &StageChange {
                from_stage: Some(from),
                to_stage: to,
                on_date: on.to_string(),
                recorded_at: now,
                recorded_by: actor.username.clone(),
            },
        )
        .await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "case.stage_change",
            Some(("case", id.to_string())),
            json!({"from": from.as_str(), "to": to.as_str(), "on": on.to_string()}),
        ))
        .await?;
        let view = self.case_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Adds a victim (by code) to a case.
    pub async fn add_case_victim(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        code: &str,
    ) -> Result<CaseView, AppError> {
        actor.require(rules::LINK_CASE_VICTIMS)?;
        let code = VictimCode::parse(code)?;
        let mut tx = self.store.write().await?;
        let case = tx.case(id).await?.ok_or_else(|| AppError::NotFound(format!("no case has id {id}")))?;
        let victim = tx
            .victim(code.as_str())
            .await?
            .ok_or_else(|| FieldError::new("code", format!("no victim has the code {code}")))?;
        // Victim services add the victims they look after to any case; the case's prosecutor
        // or court add only victims they may already see.
        let services = actor.has_role(redress_domain::Role::VictimServices)
            && self.looks_after_victim(&mut *tx, actor, &victim).await?;
        if !services {
            self.may_write_case(actor, &case)?;
            self.may_name_victim(&mut *tx, actor, &victim).await?;
        }
        if tx.case_victim_codes(id).await?.contains(&victim.code) {
            return Err(AppError::Conflict(FieldError::new("code", "the victim is already in this case")));
        }
        tx.link_victim(id, victim.id).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            self.clock.now(),
            "case.victim_add",
            Some(("case", id.to_string())),
            json!({"victim": victim.code}),
        ))
        .await?;
        let view = self.case_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Adds a defendant to a case.
    pub async fn add_defendant(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        name: &str,
    ) -> Result<CaseView, AppError> {
        actor.require(rules::MANAGE_CASES)?;
        let name = parse_person_name("name", name)?;
        let mut tx = self.store.write().await?;
        let case = tx.case(id).await?.ok_or_else(|| AppError::NotFound(format!("no case has id {id}")))?;
        self.may_write_case(actor, &case)?;
        let defendant = tx.insert_defendant(id, &name).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            self.clock.now(),
            "case.defendant_add",
            Some(("case", id.to_string())),
            json!({"defendant_id": defendant}),
        ))
        .await?;
        let view = self.case_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }
}

impl App {
    /// The courts a case can be at (id, name), for pickers. Institution names are not secret.
    pub async fn courts(&self, actor: &Actor) -> Result<Vec<(i64, String)>, AppError> {
        actor.require(rules::MANAGE_CASES)?;
        let mut tx = self.store.read().await?;
        let mut courts = Vec::new();
        let mut after = None;
        loop {
            let page = tx.institutions(crate::store::Page { after, limit: 500 }).await?;
            let Some(last) = page.last().map(|i| i.id.0) else { break };
            courts.extend(
                page.into_iter()
                    .filter(|i| i.kind == redress_domain::InstitutionKind::Court)
                    .map(|i| (i.id.0, i.name)),
            );
            after = Some(last);
        }
        Ok(courts)
    }

    /// Names the court a case is at (its clerks then record its judgments and see its victims):
    /// the prosecutor's office that opened the case, or an administrator.
    pub async fn set_case_court(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        court_id: i64,
    ) -> Result<CaseView, AppError> {
        actor.require(rules::ASSIGN_CASE_COURT)?;
        let mut tx = self.store.write().await?;
        let case = tx.case(id).await?.ok_or_else(|| AppError::NotFound(format!("no case has id {id}")))?;
        let admin = actor.has_role(redress_domain::Role::Admin);
        let own_office = actor.has_role(redress_domain::Role::Prosecutor)
            && actor.institution_id == Some(case.institution_id);
        if !(admin || own_office) {
            return Err(AppError::Refused(FieldError::new(
                "institution",
                "this case belongs to another office",
            )));
        }
        let court = match tx.institution_by_id(redress_domain::InstitutionId(court_id)).await? {
            Some(institution) if institution.kind == redress_domain::InstitutionKind::Court => institution.id,
            Some(_) => return Err(FieldError::new("court_id", "is not a court").into()),
            None => return Err(FieldError::new("court_id", "no institution has this id").into()),
        };
        if case.court_id == Some(court) {
            return Err(AppError::Conflict(FieldError::new("court_id", "the case is at this court already")));
        }
        tx.set_case_court(id, court).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            self.clock.now(),
            "case.court",
            Some(("case", id.to_string())),
            json!({"court_id": court.0, "previous": case.court_id.map(|c| c.0)}),
        ))
        .await?;
        let view = self.case_view(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }
}

fn view(
    record: CaseRecord,
    history: Vec<StageChange>,
    defendants: Vec<Defendant>,
    victims: Vec<String>,
) -> CaseView {
    CaseView {
        id: record.id,
        prosecutor_file: record.prosecutor_file,
        court_file: record.court_file,
        jurisdiction: record.jurisdiction,
        offences: record.offences,
        stage: record.stage.as_str().to_string(),
        stage_changed_on: record.stage_changed_on,
        cross_border: record.cross_border,
        partner_country: record.partner_country,
        tracing_notes: record.tracing_notes,
        institution_id: record.institution_id.0,
        court_id: record.court_id.map(|id| id.0),
        history: history
            .into_iter()
            .map(|c| {
                (c.from_stage.map(|s| s.as_str().to_string()), c.to_stage.as_str().to_string(), c.on_date)
            })
            .collect(),
        defendants: defendants.into_iter().map(|d| (d.id, d.name)).collect(),
        victims,
    }
}

/// A case as the prosecutor's filing gives it, every field checked.
struct NewCase {
    prosecutor_file: String,
    court_file: Option<String>,
    jurisdiction: String,
    offences: Vec<String>,
    reported_on: time::Date,
    partner_country: Option<String>,
    tracing_notes: Option<String>,
    defendants: Vec<String>,
    victims: Vec<VictimCode>,
}

impl NewCase {
    fn read(request: &OpenCase, reference: &[(&str, &str)], today: time::Date) -> Result<NewCase, AppError> {
        let mut errors = FieldErrors::new();
        let prosecutor_file = errors.check(parse_file_number("prosecutor_file", &request.prosecutor_file));
        let court_file =
            request.court_file.as_ref().and_then(|f| errors.check(parse_file_number("court_file", f)));
        let jurisdiction = errors.check(parse_name("jurisdiction", &request.jurisdiction, 120));
        if request.offences.is_empty() {
            errors.push(FieldError::new("offences", "at least one offence is required"));
        }
        let mut offences = Vec::new();
        for (index, offence) in request.offences.iter().enumerate() {
            if let Some(code) = errors.check(parse_offence(&format!("offences[{index}]"), offence, reference))
            {
                if !offences.contains(&code) {
                    offences.push(code);
                }
            }
        }
        let reported_on = errors.check(parse_past_date("reported_on", &request.reported_on, today));
        let partner_country = match (&request.partner_country, request.cross_border) {
            (Some(country), true) => errors.check(parse_country("partner_country", country)),
            (None, true) => {
                errors.push(FieldError::new("partner_country", "is required for a cross-border case"));
                None
            }
            (Some(_), false) => {
                errors.push(FieldError::new("partner_country", "is only for cross-border cases"));
                None
            }
            (None, false) => None,
        };
        let tracing_notes = notes(&mut errors, &request.tracing_notes);
        let defendants = request
            .defendants
            .iter()
            .enumerate()
            .filter_map(|(index, name)| {
                errors.check(parse_person_name(&format!("defendants[{index}]"), name))
            })
            .collect();
        let victims = request
            .victims
            .iter()
            .enumerate()
            .filter_map(|(index, code)| {
                errors.check(VictimCode::parse(code).map_err(|e| e.at(format!("victims[{index}]"))))
            })
            .collect();
        errors.into_result()?;
        let (Some(prosecutor_file), Some(jurisdiction), Some(reported_on)) =
            (prosecutor_file, jurisdiction, reported_on)
        else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        Ok(NewCase {
            prosecutor_file,
            court_file,
            jurisdiction,
            offences,
            reported_on,
            partner_country,
            tracing_notes,
            defendants,
            victims,
        })
    }
}

/// The court a filing names: an institution of kind court.
async fn court_of(
    tx: &mut dyn WriteTx,
    court_id: Option<i64>,
) -> Result<Option<redress_domain::InstitutionId>, AppError> {
    let Some(id) = court_id else { return Ok(None) };
    match tx.institution_by_id(redress_domain::InstitutionId(id)).await? {
        Some(institution) if institution.kind == redress_domain::InstitutionKind::Court => {
            Ok(Some(institution.id))
        }
        Some(_) => Err(FieldError::new("court_id", "is not a court").into()),
        None => Err(FieldError::new("court_id", "no institution has this id").into()),
    }
}
