//! Alerts, the institutions they concern, their meeting's participants and their state history.

use async_trait::async_trait;
use redress_app::alerts::{AlertChange, AlertFilter, AlertReads, AlertRecord, AlertWrites, Participant};
use redress_app::store::{Page, StoreResult};
use redress_domain::alerts::{AlertState, ClosureReason, Urgency};
use redress_domain::{InstitutionId, Timestamp};
use sqlx::any::AnyRow;

use crate::sql::{classify, get, maybe_typed, named, typed, SqlTx};

const COLUMNS: &str = "id, summary, reported_at, meeting_due, place, urgency, minors_involved, origin_country, \
     state, institution_id, scheduled_for, held_at, decisions, closure_reason, case_id, created_at, created_by";

fn instant(row: &AnyRow, column: &str) -> StoreResult<Option<Timestamp>> {
    Ok(get::<Option<i64>>(row, column)?.map(Timestamp::from_unix_micros))
}

fn alert_from(row: &AnyRow) -> StoreResult<AlertRecord> {
    Ok(AlertRecord {
        id: get(row, "id")?,
        summary: get(row, "summary")?,
        reported_at: Timestamp::from_unix_micros(get(row, "reported_at")?),
        meeting_due: Timestamp::from_unix_micros(get(row, "meeting_due")?),
        place: get(row, "place")?,
        urgency: typed(row, "urgency", named(Urgency::ALL, Urgency::as_str))?,
        minors_involved: get::<i64>(row, "minors_involved")? != 0,
        origin_country: get(row, "origin_country")?,
        state: typed(row, "state", named(AlertState::ALL, AlertState::as_str))?,
        institution_id: InstitutionId(get(row, "institution_id")?),
        scheduled_for: instant(row, "scheduled_for")?,
        held_at: instant(row, "held_at")?,
        decisions: get(row, "decisions")?,
        closure_reason: maybe_typed(row, "closure_reason", named(ClosureReason::ALL, ClosureReason::as_str))?,
        case_id: get(row, "case_id")?,
        created_at: Timestamp::from_unix_micros(get(row, "created_at")?),
        created_by: get(row, "created_by")?,
    })
}

/// The condition "recorded by or concerning the institution `$n`".
fn involving(placeholder: usize) -> String {
    format!(
        "(institution_id = ${placeholder} OR EXISTS (SELECT 1 FROM alert_institutions ai \
         WHERE ai.alert_id = alerts.id AND ai.institution_id = ${placeholder}))"
    )
}

/// The states that await their meeting, as SQL text values.
fn awaiting() -> Vec<&'static str> {
    AlertState::ALL.iter().filter(|s| s.awaits_meeting()).map(|s| s.as_str()).collect()
}

#[async_trait]
impl AlertReads for SqlTx {
    async fn alert(&mut self, id: i64) -> StoreResult<Option<AlertRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM alerts WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *self.tx).await.map_err(classify)?;
        row.as_ref().map(alert_from).transpose()
    }

    async fn alert_institutions(&mut self, alert_id: i64) -> StoreResult<Vec<InstitutionId>> {
        let rows = sqlx::query(
            "SELECT institution_id FROM alert_institutions WHERE alert_id = $1 ORDER BY institution_id",
        )
        .bind(alert_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter().map(|row| Ok(InstitutionId(get(row, "institution_id")?))).collect()
    }

    async fn alert_changes(&mut self, alert_id: i64) -> StoreResult<Vec<AlertChange>> {
        let rows = sqlx::query(
            "SELECT from_state, to_state, at, recorded_by FROM alert_changes WHERE alert_id = $1 ORDER BY id",
        )
        .bind(alert_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        let parse = || named(AlertState::ALL, AlertState::as_str);
        rows.iter()
            .map(|row| {
                Ok(AlertChange {
                    from_state: maybe_typed(row, "from_state", parse())?,
                    to_state: typed(row, "to_state", parse())?,
                    at: Timestamp::from_unix_micros(get(row, "at")?),
                    recorded_by: get(row, "recorded_by")?,
                })
            })
            .collect()
    }

    async fn alert_participants(&mut self, alert_id: i64) -> StoreResult<Vec<Participant>> {
        let rows = sqlx::query(
            "SELECT institution_id, name FROM alert_participants WHERE alert_id = $1 ORDER BY id",
        )
        .bind(alert_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok(Participant {
                    institution_id: get::<Option<i64>>(row, "institution_id")?.map(InstitutionId),
                    name: get(row, "name")?,
                })
            })
            .collect()
    }

    async fn alerts_page(&mut self, filter: &AlertFilter, page: Page) -> StoreResult<Vec<AlertRecord>> {
        let mut sql = format!("SELECT {COLUMNS} FROM alerts WHERE id < $1");
        let mut next = 3;
        if filter.institution.is_some() {
            sql.push_str(&format!(" AND {}", involving(next)));
            next += 1;
        }
        if filter.due_before.is_some() {
            sql.push_str(&format!(" AND meeting_due < ${next}"));
            next += 1;
        }
        if !filter.states.is_empty() {
            let placeholders: Vec<String> =
                (0..filter.states.len()).map(|i| format!("${}", i + next)).collect();
            sql.push_str(&format!(" AND state IN ({})", placeholders.join(", ")));
        }
        sql.push_str(" ORDER BY id DESC LIMIT $2");
        let mut query = sqlx::query(&sql).bind(page.after.unwrap_or(i64::MAX)).bind(page.limit);
        if let Some(institution) = filter.institution {
            query = query.bind(institution.0);
        }
        if let Some(due_before) = filter.due_before {
            query = query.bind(due_before.unix_micros());
        }
        for state in &filter.states {
            query = query.bind(state.as_str());
        }
        let rows = query.fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(alert_from).collect()
    }

    async fn overdue_alert_count(
        &mut self,
        institution: Option<InstitutionId>,
        now: Timestamp,
    ) -> StoreResult<i64> {
        let states = awaiting();
        let placeholders: Vec<String> = (0..states.len()).map(|i| format!("${}", i + 2)).collect();
        let mut sql = format!(
            "SELECT COUNT(*) AS n FROM alerts WHERE meeting_due < $1 AND state IN ({})",
            placeholders.join(", ")
        );
        if institution.is_some() {
            sql.push_str(&format!(" AND {}", involving(states.len() + 2)));
        }
        let mut query = sqlx::query(&sql).bind(now.unix_micros());
        for state in states {
            query = query.bind(state);
        }
        if let Some(institution) = institution {
            query = query.bind(institution.0);
        }
        let row = query.fetch_one(&mut *self.tx).await.map_err(classify)?;
        get(&row, "n")
    }
}

#[async_trait]
impl AlertWrites for SqlTx {
    async fn insert_alert(&mut self, a: &AlertRecord, concerned: &[InstitutionId]) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO alerts (summary, reported_at, meeting_due, place, urgency, minors_involved, origin_country, \
             state, institution_id, scheduled_for, held_at, decisions, closure_reason, case_id, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        )
        .bind(a.summary.clone())
        .bind(a.reported_at.unix_micros())
        .bind(a.meeting_due.unix_micros())
        .bind(a.place.clone())
        .bind(a.urgency.as_str())
        .bind(i64::from(a.minors_involved))
        .bind(a.origin_country.clone())
        .bind(a.state.as_str())
        .bind(a.institution_id.0)
        .bind(a.scheduled_for.map(Timestamp::unix_micros))
        .bind(a.held_at.map(Timestamp::unix_micros))
        .bind(a.decisions.clone())
        .bind(a.closure_reason.map(ClosureReason::as_str))
        .bind(a.case_id)
        .bind(a.created_at.unix_micros())
        .bind(a.created_by.clone())
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        let id: i64 = get(&row, "id")?;
        for institution in concerned {
            sqlx::query("INSERT INTO alert_institutions (alert_id, institution_id) VALUES ($1, $2)")
                .bind(id)
                .bind(institution.0)
                .execute(&mut *self.tx)
                .await
                .map_err(classify)?;
        }
        Ok(id)
    }

    async fn update_alert(&mut self, a: &AlertRecord) -> StoreResult<()> {
        sqlx::query(
            "UPDATE alerts SET state = $1, scheduled_for = $2, held_at = $3, decisions = $4, closure_reason = $5, \
             case_id = $6 WHERE id = $7",
        )
        .bind(a.state.as_str())
        .bind(a.scheduled_for.map(Timestamp::unix_micros))
        .bind(a.held_at.map(Timestamp::unix_micros))
        .bind(a.decisions.clone())
        .bind(a.closure_reason.map(ClosureReason::as_str))
        .bind(a.case_id)
        .bind(a.id)
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn insert_alert_change(&mut self, alert_id: i64, change: &AlertChange) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO alert_changes (alert_id, from_state, to_state, at, recorded_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(alert_id)
        .bind(change.from_state.map(AlertState::as_str))
        .bind(change.to_state.as_str())
        .bind(change.at.unix_micros())
        .bind(change.recorded_by.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn set_alert_participants(
        &mut self,
        alert_id: i64,
        participants: &[Participant],
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM alert_participants WHERE alert_id = $1")
            .bind(alert_id)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        for participant in participants {
            sqlx::query(
                "INSERT INTO alert_participants (alert_id, institution_id, name) VALUES ($1, $2, $3)",
            )
            .bind(alert_id)
            .bind(participant.institution_id.map(|i| i.0))
            .bind(participant.name.clone())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        }
        Ok(())
    }
}
