//! Alerts and their 24-hour meeting (docs/response.md): recording an alert, convening and
//! holding its meeting, closing it or confirming it as a case, and reading them.
//!
//! Who reads an alert: the institution that recorded it and those it concerns, fund officers
//! and auditors. Who writes on one: the roles of [`rules::RECORD_ALERTS`] of an institution that
//! recorded it or that it concerns. An alert carries no victim identity.

mod response;
pub mod store;

use redress_domain::alerts::AlertState;
use redress_domain::policy::rules;
use redress_domain::{FieldError, InstitutionId, Role};
use serde::Serialize;
use utoipa::ToSchema;

pub use response::{MeetingRequest, NewAlert, ParticipantInput};
pub use store::{AlertChange, AlertFilter, AlertReads, AlertRecord, AlertWrites, Participant};

use crate::accounts::page;
use crate::store::ReadTx;
use crate::{Actor, App, AppError};

/// An institution an alert names.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstitutionRef {
    pub id: i64,
    pub name: String,
}

/// Who took part in the meeting: `institution_id` when an institution of the system.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipantView {
    pub institution_id: Option<i64>,
    pub name: String,
}

/// The alert's meeting.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingView {
    /// When it was convened for (RFC 3339).
    pub scheduled_for: Option<String>,
    /// When it was held (RFC 3339).
    pub held_at: Option<String>,
    pub participants: Vec<ParticipantView>,
    pub decisions: Option<String>,
}

/// A change of state, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertChangeView {
    pub from: Option<String>,
    pub to: String,
    /// RFC 3339.
    pub at: String,
    pub by: String,
}

/// An alert with its meeting and history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    pub id: i64,
    pub summary: String,
    /// RFC 3339.
    pub reported_at: String,
    /// Exactly 24 hours after `reported_at` (RFC 3339).
    pub meeting_due: String,
    /// The meeting is not held, the alert is open or convened, and `meeting_due` has passed
    /// (by the server's clock).
    pub overdue: bool,
    pub place: Option<String>,
    /// immediate, high or normal.
    pub urgency: String,
    pub minors_involved: bool,
    pub origin_country: Option<String>,
    /// open, meeting_convened, meeting_held, confirmed or closed.
    pub state: String,
    /// The institution that recorded the alert.
    pub recorded_by: InstitutionRef,
    pub concerned_institutions: Vec<InstitutionRef>,
    pub meeting: MeetingView,
    /// unfounded, duplicate or referred_elsewhere, when closed.
    pub closure_reason: Option<String>,
    /// The case it was confirmed as.
    pub case_id: Option<i64>,
    pub history: Vec<AlertChangeView>,
}

/// An alert in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertSummary {
    pub id: i64,
    pub summary: String,
    pub reported_at: String,
    pub meeting_due: String,
    pub overdue: bool,
    pub place: Option<String>,
    pub urgency: String,
    pub minors_involved: bool,
    pub state: String,
    pub case_id: Option<i64>,
}

/// Fund officers and auditors read every alert.
fn reads_every_alert(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| matches!(r, Role::FundOfficer | Role::Auditor))
}

fn not_involved() -> AppError {
    AppError::Refused(FieldError::new("institution", "this alert concerns other institutions"))
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("no alert has id {id}"))
}

impl App {
    /// Whether the caller's institution recorded the alert or is concerned by it.
    async fn involved(
        &self,
        tx: &mut dyn ReadTx,
        actor: &Actor,
        alert: &AlertRecord,
    ) -> Result<bool, AppError> {
        let Some(institution) = actor.institution_id else { return Ok(false) };
        Ok(institution == alert.institution_id
            || tx.alert_institutions(alert.id).await?.contains(&institution))
    }

    /// The alert, for one who may read it.
    async fn readable_alert(
        &self,
        tx: &mut dyn ReadTx,
        actor: &Actor,
        id: i64,
    ) -> Result<AlertRecord, AppError> {
        let alert = tx.alert(id).await?.ok_or_else(|| not_found(id))?;
        if reads_every_alert(actor) || self.involved(tx, actor, &alert).await? {
            Ok(alert)
        } else {
            Err(not_involved())
        }
    }

    /// The alert, for one who may act on it: a role that records alerts, of an institution
    /// the alert involves.
    async fn writable_alert(
        &self,
        tx: &mut dyn ReadTx,
        actor: &Actor,
        id: i64,
    ) -> Result<AlertRecord, AppError> {
        actor.require(rules::RECORD_ALERTS)?;
        let alert = tx.alert(id).await?.ok_or_else(|| not_found(id))?;
        if self.involved(tx, actor, &alert).await? {
            Ok(alert)
        } else {
            Err(not_involved())
        }
    }

    async fn institution_ref(
        &self,
        tx: &mut dyn ReadTx,
        id: InstitutionId,
    ) -> Result<InstitutionRef, AppError> {
        let name = tx.institution_by_id(id).await?.map(|i| i.name).unwrap_or_default();
        Ok(InstitutionRef { id: id.0, name })
    }

    async fn alert_view(&self, tx: &mut dyn ReadTx, alert: AlertRecord) -> Result<AlertView, AppError> {
        let recorded_by = self.institution_ref(tx, alert.institution_id).await?;
        let mut concerned = Vec::new();
        for id in tx.alert_institutions(alert.id).await? {
            concerned.push(self.institution_ref(tx, id).await?);
        }
        let participants = tx.alert_participants(alert.id).await?;
        let history = tx.alert_changes(alert.id).await?;
        let now = self.clock.now();
        Ok(AlertView {
            id: alert.id,
            summary: alert.summary,
            reported_at: alert.reported_at.to_rfc3339(),
            meeting_due: alert.meeting_due.to_rfc3339(),
            overdue: alert.state.overdue(alert.meeting_due, now),
            place: alert.place,
            urgency: alert.urgency.as_str().to_string(),
            minors_involved: alert.minors_involved,
            origin_country: alert.origin_country,
            state: alert.state.as_str().to_string(),
            recorded_by,
            concerned_institutions: concerned,
            meeting: MeetingView {
                scheduled_for: alert.scheduled_for.map(|t| t.to_rfc3339()),
                held_at: alert.held_at.map(|t| t.to_rfc3339()),
                participants: participants
                    .into_iter()
                    .map(|p| ParticipantView { institution_id: p.institution_id.map(|i| i.0), name: p.name })
                    .collect(),
                decisions: alert.decisions,
            },
            closure_reason: alert.closure_reason.map(|r| r.as_str().to_string()),
            case_id: alert.case_id,
            history: history
                .into_iter()
                .map(|c| AlertChangeView {
                    from: c.from_state.map(|s| s.as_str().to_string()),
                    to: c.to_state.as_str().to_string(),
                    at: c.at.to_rfc3339(),
                    by: c.recorded_by,
                })
                .collect(),
        })
    }

    /// An alert with its meeting and history, for those who may read it.
    pub async fn alert(&self, actor: &Actor, id: i64) -> Result<AlertView, AppError> {
        actor.require(rules::READ_ALERTS)?;
        let mut tx = self.store.read().await?;
        let alert = self.readable_alert(&mut *tx, actor, id).await?;
        self.alert_view(&mut *tx, alert).await
    }

    /// Whether the caller may act on this alert (for the pages' forms).
    pub async fn may_act_on_alert(&self, actor: &Actor, id: i64) -> Result<bool, AppError> {
        if !rules::RECORD_ALERTS.allows(&actor.roles) {
            return Ok(false);
        }
        let mut tx = self.store.read().await?;
        Ok(self.writable_alert(&mut *tx, actor, id).await.is_ok())
    }

    /// Every institution (id, name), for the pages' pickers. Institution names are not secret.
    pub async fn alert_institution_choices(&self, actor: &Actor) -> Result<Vec<(i64, String)>, AppError> {
        actor.require(rules::READ_ALERTS)?;
        let mut tx = self.store.read().await?;
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = tx.institutions(crate::store::Page { after, limit: 500 }).await?;
            let Some(last) = page.last().map(|i| i.id.0) else { break };
            all.extend(page.into_iter().map(|i| (i.id.0, i.name)));
            after = Some(last);
        }
        Ok(all)
    }

    /// The institution the caller's lists are limited to: none for fund officers and auditors.
    fn alert_scope(actor: &Actor) -> Result<Option<InstitutionId>, AppError> {
        if reads_every_alert(actor) {
            return Ok(None);
        }
        actor.institution_id.map(Some).ok_or(AppError::Forbidden)
    }

    /// Alerts newest first (ids below `after`), in `state` when given, only the overdue ones
    /// when `overdue`; limited to the caller's institution's unless they read every alert.
    pub async fn alerts(
        &self,
        actor: &Actor,
        state: Option<&str>,
        overdue: bool,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<AlertSummary>, AppError> {
        actor.require(rules::READ_ALERTS)?;
        let page = page(after, limit)?;
        let mut states: Vec<AlertState> = match state.map(str::trim).filter(|s| !s.is_empty()) {
            Some(state) => vec![AlertState::parse(state)?],
            None => Vec::new(),
        };
        let now = self.clock.now();
        let due_before = overdue.then_some(now);
        if overdue {
            let waiting: Vec<AlertState> =
                AlertState::ALL.iter().copied().filter(|s| s.awaits_meeting()).collect();
            states = if states.is_empty() {
                waiting
            } else {
                states.into_iter().filter(|s| waiting.contains(s)).collect()
            };
            if states.is_empty() {
                return Ok(Vec::new());
            }
        }
        let filter = AlertFilter { institution: Self::alert_scope(actor)?, states, due_before };
        let mut tx = self.store.read().await?;
        let records = tx.alerts_page(&filter, page).await?;
        Ok(records.into_iter().map(|a| summary(a, now)).collect())
    }

    /// How many alerts the caller's institution is involved in (every alert, for fund officers
    /// and auditors) await their meeting past the 24 hours: one SQL count.
    pub async fn overdue_alert_count(&self, actor: &Actor) -> Result<i64, AppError> {
        actor.require(rules::READ_ALERTS)?;
        let scope = Self::alert_scope(actor)?;
        let mut tx = self.store.read().await?;
        Ok(tx.overdue_alert_count(scope, self.clock.now()).await?)
    }
}

fn summary(alert: AlertRecord, now: redress_domain::Timestamp) -> AlertSummary {
    AlertSummary {
        id: alert.id,
        summary: alert.summary,
        reported_at: alert.reported_at.to_rfc3339(),
        meeting_due: alert.meeting_due.to_rfc3339(),
        overdue: alert.state.overdue(alert.meeting_due, now),
        place: alert.place,
        urgency: alert.urgency.as_str().to_string(),
        minors_involved: alert.minors_involved,
        state: alert.state.as_str().to_string(),
        case_id: alert.case_id,
    }
}
