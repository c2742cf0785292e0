//! What the alert use cases need from storage.

use async_trait::async_trait;
use redress_domain::alerts::{AlertState, ClosureReason, Urgency};
use redress_domain::{InstitutionId, Timestamp};

use crate::store::{Page, StoreResult};

/// An alert as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    pub id: i64,
    pub summary: String,
    pub reported_at: Timestamp,
    /// 24 hours after `reported_at` (kept, so that overdue alerts are found by an index).
    pub meeting_due: Timestamp,
    /// Region level, never an address.
    pub place: Option<String>,
    pub urgency: Urgency,
    pub minors_involved: bool,
    /// ISO 3166 alpha-2.
    pub origin_country: Option<String>,
    pub state: AlertState,
    /// The institution that recorded the alert.
    pub institution_id: InstitutionId,
    pub scheduled_for: Option<Timestamp>,
    pub held_at: Option<Timestamp>,
    pub decisions: Option<String>,
    pub closure_reason: Option<ClosureReason>,
    /// The case the alert was confirmed as.
    pub case_id: Option<i64>,
    pub created_at: Timestamp,
    pub created_by: String,
}

impl AlertRecord {
    /// A new alert, `open`, reported at `reported_at` (recorded then too), with its meeting due
    /// 24 hours later; high urgency, no minors, no place or country until set.
    pub fn open(
        summary: String,
        reported_at: Timestamp,
        institution_id: InstitutionId,
        created_by: String,
    ) -> Self {
        AlertRecord {
            id: 0,
            summary,
            reported_at,
            meeting_due: redress_domain::alerts::meeting_due(reported_at),
            place: None,
            urgency: Urgency::High,
            minors_involved: false,
            origin_country: None,
            state: AlertState::Open,
            institution_id,
            scheduled_for: None,
            held_at: None,
            decisions: None,
            closure_reason: None,
            case_id: None,
            created_at: reported_at,
            created_by,
        }
    }
}

/// A change of an alert's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertChange {
    pub from_state: Option<AlertState>,
    pub to_state: AlertState,
    pub at: Timestamp,
    pub recorded_by: String,
}

/// Who took part in an alert's meeting: an institution of the system, or one named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub institution_id: Option<InstitutionId>,
    pub name: String,
}

/// Which alerts a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    /// Only alerts recorded by or concerning this institution.
    pub institution: Option<InstitutionId>,
    /// Only alerts in one of these states (any when empty).
    pub states: Vec<AlertState>,
    /// Only alerts whose meeting was due before this instant.
    pub due_before: Option<Timestamp>,
}

#[async_trait]
pub trait AlertReads: Send {
    async fn alert(&mut self, id: i64) -> StoreResult<Option<AlertRecord>>;
    /// The institutions the alert concerns (not counting the one that recorded it unless named).
    async fn alert_institutions(&mut self, alert_id: i64) -> StoreResult<Vec<InstitutionId>>;
    async fn alert_changes(&mut self, alert_id: i64) -> StoreResult<Vec<AlertChange>>;
    async fn alert_participants(&mut self, alert_id: i64) -> StoreResult<Vec<Participant>>;
    /// Alerts newest first (ids below `page.after`), as `filter` says.
    async fn alerts_page(&mut self, filter: &AlertFilter, page: Page) -> StoreResult<Vec<AlertRecord>>;
    /// How many alerts await their meeting past its deadline at `now` (of an institution:
    /// recorded by it or concerning it), counted in SQL.
    async fn overdue_alert_count(
        &mut self,
        institution: Option<InstitutionId>,
        now: Timestamp,
    ) -> StoreResult<i64>;
}

#[async_trait]
pub trait AlertWrites: Send {
    /// Inserts the alert (its `id` is ignored) with the institutions it concerns; its id.
    async fn insert_alert(&mut self, alert: &AlertRecord, concerned: &[InstitutionId]) -> StoreResult<i64>;
    /// Writes the alert's state, meeting, closure reason and case.
    async fn update_alert(&mut self, alert: &AlertRecord) -> StoreResult<()>;
    async fn insert_alert_change(&mut self, alert_id: i64, change: &AlertChange) -> StoreResult<()>;
    /// Replaces the meeting's participants.
    async fn set_alert_participants(
        &mut self,
        alert_id: i64,
        participants: &[Participant],
    ) -> StoreResult<()>;
}
