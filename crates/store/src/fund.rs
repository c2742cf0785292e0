//! The fund's details: one row, replaced as a whole.

use async_trait::async_trait;
use redress_app::store::{FundDetailsRecord, FundReads, FundWrites, StoreResult};
use redress_domain::fund::FundDetails;
use redress_domain::Timestamp;

use crate::sql::{classify, get, SqlTx};

#[async_trait]
impl FundReads for SqlTx {
    async fn fund_details(&mut self) -> StoreResult<Option<FundDetailsRecord>> {
        let row = sqlx::query(
            "SELECT name, bank_account, bank_bic, bank_name, tax_id, updated_at, updated_by \
             FROM fund_details WHERE id = 1",
        )
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(classify)?;
        row.map(|row| {
            Ok(FundDetailsRecord {
                details: FundDetails {
                    name: get(&row, "name")?,
                    bank_account: get(&row, "bank_account")?,
                    bank_bic: get(&row, "bank_bic")?,
                    bank_name: get(&row, "bank_name")?,
                    tax_id: get(&row, "tax_id")?,
                },
                updated_at: Timestamp::from_unix_micros(get(&row, "updated_at")?),
                updated_by: get(&row, "updated_by")?,
            })
        })
        .transpose()
    }
}

#[async_trait]
impl FundWrites for SqlTx {
    async fn put_fund_details(&mut self, record: &FundDetailsRecord) -> StoreResult<()> {
        let d = &record.details;
        sqlx::query(
            "INSERT INTO fund_details (id, name, bank_account, bank_bic, bank_name, tax_id, updated_at, updated_by) \
             VALUES (1, $1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, bank_account = excluded.bank_account, \
             bank_bic = excluded.bank_bic, bank_name = excluded.bank_name, tax_id = excluded.tax_id, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(d.name.clone())
        .bind(d.bank_account.clone())
        .bind(d.bank_bic.clone())
        .bind(d.bank_name.clone())
        .bind(d.tax_id.clone())
        .bind(record.updated_at.unix_micros())
        .bind(record.updated_by.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }
}
