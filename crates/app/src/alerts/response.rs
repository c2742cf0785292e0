//! The writes of the response: recording an alert, its meeting, its closure, its confirmation.
//! Each is one transaction with its state change and its audit entry.

use redress_domain::alerts::{parse_text, past_instant, AlertState, ClosureReason, Urgency};
use redress_domain::policy::rules;
use redress_domain::user::parse_name;
use redress_domain::victims::parse_country;
use redress_domain::{FieldError, FieldErrors, InstitutionId, Timestamp};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{AlertChange, AlertRecord, AlertView, Participant};
use crate::accounts::audit_event;
use crate::ledger::parse_instant;
use crate::store::WriteTx;
use crate::{Actor, App, AppError, RequestContext};

/// An alert to record, as received.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAlert {
    /// What is known (no names or documents of victims).
    #[serde(default)]
    #[schema(required = true)]
    pub summary: String,
    /// When the case was reported (RFC 3339); not in the future.
    #[serde(default)]
    #[schema(required = true)]
    pub reported_at: String,
    /// Where, at region level (`Tumbes`), never an address.
    pub place: Option<String>,
    /// immediate, high (the default) or normal.
    pub urgency: Option<String>,
    #[serde(default)]
    pub minors_involved: bool,
    /// ISO 3166 alpha-2, when the case comes from another country.
    pub origin_country: Option<String>,
    /// Ids of the institutions the alert concerns (the recording institution is always involved).
    #[serde(default)]
    pub concerned_institutions: Vec<i64>,
}

/// A participant in the meeting: an institution's id, or a name.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ParticipantInput {
    Institution(i64),
    Name(String),
}

/// Convenes the meeting (`scheduled_for`), or records it as held (`held_at`, `participants`,
/// `decisions`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingRequest {
    /// When the meeting is convened for (RFC 3339), not before the report.
    pub scheduled_for: Option<String>,
    /// When the meeting was held (RFC 3339): not in the future, not before the report.
    pub held_at: Option<String>,
    /// With `held_at`: institution ids or names, at least one.
    #[serde(default)]
    pub participants: Vec<ParticipantInput>,
    /// With `held_at`: what the meeting decided.
    pub decisions: Option<String>,
}

/// An alert's fields, every one checked.
struct Checked {
    summary: String,
    reported_at: Timestamp,
    place: Option<String>,
    urgency: Urgency,
    origin_country: Option<String>,
}

fn check(request: &NewAlert, now: Timestamp) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::new();
    let summary = errors.check(parse_text("summary", &request.summary));
    let reported_at = if request.reported_at.trim().is_empty() {
        errors.push(FieldError::new("reported_at", "is required"));
        None
    } else {
        errors.check(
            parse_instant("reported_at", &request.reported_at)
                .and_then(|at| past_instant("reported_at", at, None, now)),
        )
    };
    let place = request
        .place
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .and_then(|p| errors.check(parse_name("place", p, 120)));
    let urgency = match request.urgency.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(urgency) => errors.check(Urgency::parse(urgency)),
        None => Some(Urgency::High),
    };
    let origin_country = request
        .origin_country
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .and_then(|c| errors.check(parse_country("origin_country", c)));
    errors.into_result()?;
    match (summary, reported_at, urgency) {
        (Some(summary), Some(reported_at), Some(urgency)) => {
            Ok(Checked { summary, reported_at, place, urgency, origin_country })
        }
        _ => Err(FieldError::new("summary", "validated fields missing").into()),
    }
}

/// The institutions named, each existing, without repeats.
async fn institutions(
    tx: &mut dyn WriteTx,
    ids: &[i64],
    errors: &mut FieldErrors,
) -> Result<Vec<InstitutionId>, AppError> {
    let mut found = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        match tx.institution_by_id(InstitutionId(*id)).await? {
            Some(institution) if !found.contains(&institution.id) => found.push(institution.id),
            Some(_) => {}
            None => errors.push(FieldError::new(
                format!("concerned_institutions[{index}]"),
                "no institution has this id",
            )),
        }
    }
    Ok(found)
}

impl App {
    /// Writes the alert's new state with its change and audit entry, and answers its view.
    async fn alert_moved(
        &self,
        mut tx: Box<dyn WriteTx>,
        actor: &Actor,
        context: &RequestContext,
        (before, after): (AlertState, &AlertRecord),
        action: &str,
        detail: serde_json::Value,
    ) -> Result<AlertView, AppError> {
        let now = self.clock.now();
        tx.update_alert(after).await?;
        let change = AlertChange {
            from_state: Some(before),
            to_state: after.state,
            at: now,
            recorded_by: actor.username.clone(),
        };
        tx.insert_alert_change(after.id, &change).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            action,
            Some(("alert", after.id.to_string())),
            detail,
        ))
        .await?;
        let view = self.alert_view(&mut *tx, after.clone()).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Records an alert (state `open`); its meeting is due 24 hours after `reported_at`.
    pub async fn record_alert(
        &self,
        actor: &Actor,
        context: &RequestContext,
        request: NewAlert,
    ) -> Result<AlertView, AppError> {
        actor.require(rules::RECORD_ALERTS)?;
        let institution_id = actor.institution_id.ok_or(AppError::Forbidden)?;
        let now = self.clock.now();
        let checked = check(&request, now);
        let mut tx = self.store.write().await?;
        let mut errors = match &checked {
            Ok(_) => FieldErrors::new(),
            Err(errors) => errors.clone(),
        };
        let concerned = institutions(&mut *tx, &request.concerned_institutions, &mut errors).await?;
        errors.into_result()?;
        let checked = checked?;
        let mut alert =
            AlertRecord::open(checked.summary, checked.reported_at, institution_id, actor.username.clone());
        alert.place = checked.place;
        alert.urgency = checked.urgency;
        alert.minors_involved = request.minors_involved;
        alert.origin_country = checked.origin_country;
        alert.created_at = now;
        alert.id = tx.insert_alert(&alert, &concerned).await?;
        let change = AlertChange {
            from_state: None,
            to_state: alert.state,
            at: now,
            recorded_by: actor.username.clone(),
        };
        tx.insert_alert_change(alert.id, &change).await?;
        let detail = json!({"urgency": alert.urgency.as_str(), "minors_involved": alert.minors_involved,
            "concerned_institutions": concerned.iter().map(|i| i.0).collect::<Vec<_>>()});
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "alert.record",
            Some(("alert", alert.id.to_string())),
            detail,
        ))
        .await?;
        let view = self.alert_view(&mut *tx, alert).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Convenes the meeting (`scheduled_for`) or records it as held (`held_at`).
    pub async fn alert_meeting(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        request: MeetingRequest,
    ) -> Result<AlertView, AppError> {
        actor.require(rules::RECORD_ALERTS)?;
        let mut tx = self.store.write().await?;
        let alert = self.writable_alert(&mut *tx, actor, id).await?;
        if request.held_at.is_some() {
            return self.hold_meeting(tx, actor, context, alert, request).await;
        }
        let Some(scheduled_for) = request.scheduled_for.as_deref() else {
            return Err(FieldError::new("scheduled_for", "is required").into());
        };
        let at = parse_instant("scheduled_for", scheduled_for)?;
        if at < alert.reported_at {
            return Err(FieldError::new("scheduled_for", "must not be before the alert was reported").into());
        }
        let mut after = alert.clone();
        after.state = alert.state.convene()?;
        after.scheduled_for = Some(at);
        let detail = json!({"scheduled_for": at.to_rfc3339()});
        self.alert_moved(tx, actor, context, (alert.state, &after), "alert.meeting_convene", detail).await
    }

    async fn hold_meeting(
        &self,
        mut tx: Box<dyn WriteTx>,
        actor: &Actor,
        context: &RequestContext,
        alert: AlertRecord,
        request: MeetingRequest,
    ) -> Result<AlertView, AppError> {
        let now = self.clock.now();
        let mut errors = FieldErrors::new();
        let held_at = request.held_at.as_deref().and_then(|held| {
            errors.check(
                parse_instant("held_at", held)
                    .and_then(|at| past_instant("held_at", at, Some(alert.reported_at), now)),
            )
        });
        let scheduled_for =
            request.scheduled_for.as_deref().and_then(|s| errors.check(parse_instant("scheduled_for", s)));
        let decisions =
            errors.check(parse_text("decisions", request.decisions.as_deref().unwrap_or_default()));
        if request.participants.is_empty() {
            errors.push(FieldError::new("participants", "at least one participant is required"));
        }
        let participants = participants(&mut *tx, &request.participants, &mut errors).await?;
        let state = errors.check(alert.state.hold());
        errors.into_result()?;
        let (Some(held_at), Some(decisions), Some(state)) = (held_at, decisions, state) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let mut after = alert.clone();
        after.state = state;
        after.held_at = Some(held_at);
        after.scheduled_for = scheduled_for.or(alert.scheduled_for);
        after.decisions = Some(decisions);
        tx.set_alert_participants(alert.id, &participants).await?;
        let late = held_at > alert.meeting_due;
        let detail =
            json!({"held_at": held_at.to_rfc3339(), "participants": participants.len(), "late": late});
        self.alert_moved(tx, actor, context, (alert.state, &after), "alert.meeting_hold", detail).await
    }

    /// Closes an alert without a case, for a reason.
    pub async fn close_alert(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        reason: &str,
    ) -> Result<AlertView, AppError> {
        actor.require(rules::RECORD_ALERTS)?;
        let reason = ClosureReason::parse(reason)?;
        let mut tx = self.store.write().await?;
        let alert = self.writable_alert(&mut *tx, actor, id).await?;
        let mut after = alert.clone();
        after.state = alert.state.close()?;
        after.closure_reason = Some(reason);
        let detail = json!({"reason": reason.as_str()});
        self.alert_moved(tx, actor, context, (alert.state, &after), "alert.close", detail).await
    }

    /// Confirms an alert whose meeting was held as the case `case_id` (one the caller may read).
    pub async fn confirm_alert(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        case_id: i64,
    ) -> Result<AlertView, AppError> {
        actor.require(rules::RECORD_ALERTS)?;
        let mut tx = self.store.write().await?;
        let alert = self.writable_alert(&mut *tx, actor, id).await?;
        // A case the caller may not read is answered as one that does not exist.
        let readable = tx.case(case_id).await?.is_some()
            && rules::READ_CASES.allows(&actor.roles)
            && self.may_read_case(&mut *tx, actor, case_id).await.is_ok();
        if !readable {
            return Err(FieldError::new("case_id", "no case has this id").into());
        }
        let mut after = alert.clone();
        after.state = alert.state.confirm()?;
        after.case_id = Some(case_id);
        let detail = json!({"case_id": case_id});
        self.alert_moved(tx, actor, context, (alert.state, &after), "alert.confirm", detail).await
    }
}

/// The meeting's participants: institutions by id (each existing) or names.
async fn participants(
    tx: &mut dyn WriteTx,
    inputs: &[ParticipantInput],
    errors: &mut FieldErrors,
) -> Result<Vec<Participant>, AppError> {
    let mut found = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let field = format!("participants[{index}]");
        match input {
            ParticipantInput::Institution(id) => match tx.institution_by_id(InstitutionId(*id)).await? {
                Some(institution) => {
                    found.push(Participant { institution_id: Some(institution.id), name: institution.name })
                }
                None => errors.push(FieldError::new(field, "no institution has this id")),
            },
            ParticipantInput::Name(name) => {
                if let Some(name) = errors.check(parse_name(&field, name, 200)) {
                    found.push(Participant { institution_id: None, name });
                }
            }
        }
    }
    Ok(found)
}
