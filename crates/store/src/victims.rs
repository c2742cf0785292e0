//! The victims table.

use async_trait::async_trait;
use redress_app::store::{
    IdentityChange, Page, StoreError, StoreResult, VictimReads, VictimRecord, VictimWrites,
};
use redress_domain::{InstitutionId, Timestamp};
use sqlx::any::AnyRow;

use crate::sql::{classify, get, SqlTx};

const COLUMNS: &str = "id, code, year, number, institution_id, identity, document_index, sex, nationality, age_band, \
     minor, region, exploitation, consent_given_at, consent_scope, consent_withdrawn_at, created_at, created_by";

fn victim_from(row: &AnyRow) -> StoreResult<VictimRecord> {
    Ok(VictimRecord {
        id: get(row, "id")?,
        code: get(row, "code")?,
        year: get::<i64>(row, "year")? as i32,
        number: get(row, "number")?,
        institution_id: InstitutionId(get(row, "institution_id")?),
        identity: get(row, "identity")?,
        document_index: get(row, "document_index")?,
        sex: get(row, "sex")?,
        nationality: get(row, "nationality")?,
        age_band: get(row, "age_band")?,
        minor: get::<i64>(row, "minor")? != 0,
        region: get(row, "region")?,
        exploitation: get(row, "exploitation")?,
        consent_given_at: Timestamp::from_unix_micros(get(row, "consent_given_at")?),
        consent_scope: get(row, "consent_scope")?,
        consent_withdrawn_at: get::<Option<i64>>(row, "consent_withdrawn_at")?
            .map(Timestamp::from_unix_micros),
        created_at: Timestamp::from_unix_micros(get(row, "created_at")?),
        created_by: get(row, "created_by")?,
    })
}

#[async_trait]
impl VictimReads for SqlTx {
    async fn last_victim_number(&mut self, year: i32) -> StoreResult<i64> {
        let row =
            sqlx::query("SELECT CAST(COALESCE(MAX(number), 0) AS BIGINT) AS n FROM victims WHERE year = $1")
                .bind(i64::from(year))
                .fetch_one(&mut *self.tx)
                .await
                .map_err(classify)?;
        get(&row, "n")
    }

    async fn victim(&mut self, code: &str) -> StoreResult<Option<VictimRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM victims WHERE code = $1");
        let row =
            sqlx::query(&sql).bind(code.to_string()).fetch_optional(&mut *self.tx).await.map_err(classify)?;
        row.as_ref().map(victim_from).transpose()
    }

    async fn victims_with_document(&mut self, document_index: &str) -> StoreResult<Vec<VictimRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM victims WHERE document_index = $1 ORDER BY id");
        let rows = sqlx::query(&sql)
            .bind(document_index.to_string())
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        rows.iter().map(victim_from).collect()
    }

    async fn victims(&mut self, page: Page) -> StoreResult<Vec<VictimRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM victims WHERE id > $1 ORDER BY id LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(page.after.unwrap_or(0))
            .bind(page.limit)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        rows.iter().map(victim_from).collect()
    }

    async fn victim_referred_to(&mut self, victim_id: i64, institution: InstitutionId) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM victim_referrals WHERE victim_id = $1 AND institution_id = $2",
        )
        .bind(victim_id)
        .bind(institution.0)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(get::<i64>(&row, "n")? > 0)
    }

    async fn data_key_checks(&mut self) -> StoreResult<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT key_id, sealed FROM data_key_checks ORDER BY key_id")
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        rows.iter().map(|row| Ok((get(row, "key_id")?, get(row, "sealed")?))).collect()
    }

    async fn identity_changes(&mut self, victim_id: i64) -> StoreResult<Vec<IdentityChange>> {
        let rows = sqlx::query(
            "SELECT previous, fields, reason, changed_at, changed_by FROM victim_identity_changes \
             WHERE victim_id = $1 ORDER BY id",
        )
        .bind(victim_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                let fields: String = get(row, "fields")?;
                Ok(IdentityChange {
                    previous: get(row, "previous")?,
                    fields: serde_json::from_str(&fields)
                        .map_err(|e| StoreError::Corrupt(format!("identity change fields: {e}")))?,
                    reason: get(row, "reason")?,
                    changed_at: Timestamp::from_unix_micros(get(row, "changed_at")?),
                    changed_by: get(row, "changed_by")?,
                })
            })
            .collect()
    }

    async fn victim_referrals(
        &mut self,
        victim_id: i64,
    ) -> StoreResult<Vec<(i64, String, Timestamp, String)>> {
        let rows = sqlx::query(
            "SELECT r.institution_id AS id, i.name AS name, r.referred_at AS at, r.referred_by AS by_user \
             FROM victim_referrals r JOIN institutions i ON i.id = r.institution_id \
             WHERE r.victim_id = $1 ORDER BY r.referred_at, r.institution_id",
        )
        .bind(victim_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                let at = Timestamp::from_unix_micros(get(row, "at")?);
                Ok((get(row, "id")?, get(row, "name")?, at, get(row, "by_user")?))
            })
            .collect()
    }
}

#[async_trait]
impl VictimWrites for SqlTx {
    async fn insert_referral(
        &mut self,
        victim_id: i64,
        institution: InstitutionId,
        at: Timestamp,
        by: &str,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO victim_referrals (victim_id, institution_id, referred_at, referred_by) VALUES ($1, $2, $3, $4)")
            .bind(victim_id)
            .bind(institution.0)
            .bind(at.unix_micros())
            .bind(by.to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn insert_data_key_check(&mut self, key_id: &str, sealed: &str) -> StoreResult<()> {
        sqlx::query("INSERT INTO data_key_checks (key_id, sealed) VALUES ($1, $2)")
            .bind(key_id.to_string())
            .bind(sealed.to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn insert_victim(&mut self, v: &VictimRecord) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO victims (code, year, number, institution_id, identity, document_index, sex, nationality, \
             age_band, minor, region, exploitation, consent_given_at, consent_scope, consent_withdrawn_at, created_at, \
             created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
        )
        .bind(v.code.clone())
        .bind(i64::from(v.year))
        .bind(v.number)
        .bind(v.institution_id.0)
        .bind(v.identity.clone())
        .bind(v.document_index.clone())
        .bind(v.sex.clone())
        .bind(v.nationality.clone())
        .bind(v.age_band.clone())
        .bind(i64::from(v.minor))
        .bind(v.region.clone())
        .bind(v.exploitation.clone())
        .bind(v.consent_given_at.unix_micros())
        .bind(v.consent_scope.clone())
        .bind(v.consent_withdrawn_at.map(|t| t.unix_micros()))
        .bind(v.created_at.unix_micros())
        .bind(v.created_by.clone())
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        get(&row, "id")
    }

    async fn set_victim_identity(&mut self, code: &str, identity: &str) -> StoreResult<()> {
        sqlx::query("UPDATE victims SET identity = $1 WHERE code = $2")
            .bind(identity.to_string())
            .bind(code.to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn set_consent_withdrawn(&mut self, code: &str, at: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "UPDATE victims SET consent_withdrawn_at = $1 WHERE code = $2 AND consent_withdrawn_at IS NULL",
        )
        .bind(at.unix_micros())
        .bind(code.to_string())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn update_victim(&mut self, v: &VictimRecord) -> StoreResult<()> {
        sqlx::query(
            "UPDATE victims SET identity = $1, document_index = $2, sex = $3, nationality = $4, age_band = $5, \
             minor = $6, region = $7, exploitation = $8 WHERE id = $9",
        )
        .bind(v.identity.clone())
        .bind(v.document_index.clone())
        .bind(v.sex.clone())
        .bind(v.nationality.clone())
        .bind(v.age_band.clone())
        .bind(i64::from(v.minor))
        .bind(v.region.clone())
        .bind(v.exploitation.clone())
        .bind(v.id)
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn insert_identity_change(&mut self, victim_id: i64, change: &IdentityChange) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO victim_identity_changes (victim_id, previous, fields, reason, changed_at, changed_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(victim_id)
        .bind(change.previous.clone())
        .bind(serde_json::to_string(&change.fields).unwrap_or_else(|_| "[]".into()))
        .bind(change.reason.clone())
        .bind(change.changed_at.unix_micros())
        .bind(change.changed_by.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }
}
