//! Cases, their stage history, defendants and victims.

use async_trait::async_trait;
use redress_app::store::{CaseReads, CaseRecord, CaseWrites, Defendant, Page, StageChange, StoreResult};
use redress_domain::cases::Stage;
use redress_domain::{InstitutionId, Timestamp};
use sqlx::any::AnyRow;

use crate::sql::{classify, get, maybe_typed, named, typed, SqlTx};

const COLUMNS: &str =
    "id, prosecutor_file, court_file, jurisdiction, offences, stage, stage_changed_on, cross_border, \
     partner_country, tracing_notes, institution_id, court_id, created_at, created_by";

fn case_from(row: &AnyRow) -> StoreResult<CaseRecord> {
    let offences: String = get(row, "offences")?;
    Ok(CaseRecord {
        id: get(row, "id")?,
        prosecutor_file: get(row, "prosecutor_file")?,
        court_file: get(row, "court_file")?,
        jurisdiction: get(row, "jurisdiction")?,
        offences: offences.split(',').filter(|o| !o.is_empty()).map(str::to_string).collect(),
        stage: typed(row, "stage", named(&Stage::ALL, Stage::as_str))?,
        stage_changed_on: get(row, "stage_changed_on")?,
        cross_border: get::<i64>(row, "cross_border")? != 0,
        partner_country: get(row, "partner_country")?,
        tracing_notes: get(row, "tracing_notes")?,
        institution_id: InstitutionId(get(row, "institution_id")?),
        court_id: get::<Option<i64>>(row, "court_id")?.map(InstitutionId),
        created_at: Timestamp::from_unix_micros(get(row, "created_at")?),
        created_by: get(row, "created_by")?,
    })
}

#[async_trait]
impl CaseReads for SqlTx {
    async fn case(&mut self, id: i64) -> StoreResult<Option<CaseRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM cases WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *self.tx).await.map_err(classify)?;
        row.as_ref().map(case_from).transpose()
    }

    async fn case_by_prosecutor_file(&mut self, file: &str) -> StoreResult<Option<CaseRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM cases WHERE prosecutor_file = $1");
        let row =
            sqlx::query(&sql).bind(file.to_string()).fetch_optional(&mut *self.tx).await.map_err(classify)?;
        row.as_ref().map(case_from).transpose()
    }

    async fn case_stage_changes(&mut self, case_id: i64) -> StoreResult<Vec<StageChange>> {
        let rows = sqlx::query(
            "SELECT from_stage, to_stage, on_date, recorded_at, recorded_by FROM case_stage_changes \
             WHERE case_id = $1 ORDER BY id",
        )
        .bind(case_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok(StageChange {
                    from_stage: maybe_typed(row, "from_stage", named(&Stage::ALL, Stage::as_str))?,
                    to_stage: typed(row, "to_stage", named(&Stage::ALL, Stage::as_str))?,
                    on_date: get(row, "on_date")?,
                    recorded_at: Timestamp::from_unix_micros(get(row, "recorded_at")?),
                    recorded_by: get(row, "recorded_by")?,
                })
            })
            .collect()
    }

    async fn case_defendants(&mut self, case_id: i64) -> StoreResult<Vec<Defendant>> {
        let rows = sqlx::query("SELECT id, name FROM case_defendants WHERE case_id = $1 ORDER BY id")
            .bind(case_id)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        rows.iter().map(|row| Ok(Defendant { id: get(row, "id")?, name: get(row, "name")? })).collect()
    }

    async fn case_victim_codes(&mut self, case_id: i64) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT v.code FROM case_victims cv JOIN victims v ON v.id = cv.victim_id WHERE cv.case_id = $1 ORDER BY v.id",
        )
        .bind(case_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter().map(|row| get(row, "code")).collect()
    }

    async fn victim_in_cases_of(&mut self, victim_id: i64, institution: InstitutionId) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM case_victims cv JOIN cases c ON c.id = cv.case_id \
             WHERE cv.victim_id = $1 AND (c.institution_id = $2 OR c.court_id = $2)",
        )
        .bind(victim_id)
        .bind(institution.0)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(get::<i64>(&row, "n")? > 0)
    }

    async fn cases_page(
        &mut self,
        institution: Option<InstitutionId>,
        stages: &[&str],
        page: Page,
    ) -> StoreResult<Vec<CaseRecord>> {
        let mut sql = format!("SELECT {COLUMNS} FROM cases WHERE id < $1");
        if institution.is_some() {
            sql.push_str(" AND (institution_id = $3 OR court_id = $3)");
        }
        if !stages.is_empty() {
            let first = if institution.is_some() { 4 } else { 3 };
            let placeholders: Vec<String> = (0..stages.len()).map(|i| format!("${}", i + first)).collect();
            sql.push_str(&format!(" AND stage IN ({})", placeholders.join(", ")));
        }
        sql.push_str(" ORDER BY id DESC LIMIT $2");
        let mut query = sqlx::query(&sql).bind(page.after.unwrap_or(i64::MAX)).bind(page.limit);
        if let Some(institution) = institution {
            query = query.bind(institution.0);
        }
        for stage in stages {
            query = query.bind(stage.to_string());
        }
        let rows = query.fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(case_from).collect()
    }
}

#[async_trait]
impl CaseWrites for SqlTx {
    async fn insert_case(&mut self, c: &CaseRecord) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO cases (prosecutor_file, court_file, jurisdiction, offences, stage, stage_changed_on, cross_border, \
             partner_country, tracing_notes, institution_id, court_id, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(c.prosecutor_file.clone())
        .bind(c.court_file.clone())
        .bind(c.jurisdiction.clone())
        .bind(c.offences.join(","))
        .bind(c.stage.as_str())
        .bind(c.stage_changed_on.clone())
        .bind(i64::from(c.cross_border))
        .bind(c.partner_country.clone())
        .bind(c.tracing_notes.clone())
        .bind(c.institution_id.0)
        .bind(c.court_id.map(|id| id.0))
        .bind(c.created_at.unix_micros())
        .bind(c.created_by.clone())
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        get(&row, "id")
    }

    async fn set_case_court(&mut self, case_id: i64, court: InstitutionId) -> StoreResult<()> {
        sqlx::query("UPDATE cases SET court_id = $1 WHERE id = $2")
            .bind(court.0)
            .bind(case_id)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        self.move_case_scope_to_court(case_id, court).await
    }

    async fn set_case_stage(&mut self, case_id: i64, stage: Stage, on_date: &str) -> StoreResult<()> {
        sqlx::query("UPDATE cases SET stage = $1, stage_changed_on = $2 WHERE id = $3")
            .bind(stage.as_str())
            .bind(on_date.to_string())
            .bind(case_id)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn insert_stage_change(&mut self, case_id: i64, change: &StageChange) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO case_stage_changes (case_id, from_stage, to_stage, on_date, recorded_at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(case_id)
        .bind(change.from_stage.map(Stage::as_str))
        .bind(change.to_stage.as_str())
        .bind(change.on_date.clone())
        .bind(change.recorded_at.unix_micros())
        .bind(change.recorded_by.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn insert_defendant(&mut self, case_id: i64, name: &str) -> StoreResult<i64> {
        let row = sqlx::query("INSERT INTO case_defendants (case_id, name) VALUES ($1, $2) RETURNING id")
            .bind(case_id)
            .bind(name.to_string())
            .fetch_one(&mut *self.tx)
            .await
            .map_err(classify)?;
        get(&row, "id")
    }

    async fn link_victim(&mut self, case_id: i64, victim_id: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO case_victims (case_id, victim_id) VALUES ($1, $2)")
            .bind(case_id)
            .bind(victim_id)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }
}
