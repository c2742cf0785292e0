//! Assets and their moves.

use async_trait::async_trait;
use redress_app::store::{
    AssetMove, AssetReads, AssetRecord, AssetWrites, Lease, StoreError, StoreResult, Valuation,
};
use redress_domain::assets::{AssetKind, AssetState};
use redress_domain::ledger::Transfer;
use redress_domain::{Amount, Currency, InstitutionId, Timestamp};
use sqlx::any::AnyRow;

use crate::sql::{classify, get, maybe_typed, named, typed, SqlTx};

const COLUMNS: &str =
    "id, kind, description, identifiers, location, region, custodian, case_id, agency_reference, \
     currency, estimated_value, state, state_changed_on, institution_id, created_at, created_by";

fn parse_state(text: &str) -> Option<AssetState> {
    named(&AssetState::ALL, AssetState::as_str)(text)
}

const STATE: fn(&str) -> Option<AssetState> = parse_state;

fn asset_from(row: &AnyRow) -> StoreResult<AssetRecord> {
    let currency: String = get(row, "currency")?;
    Ok(AssetRecord {
        id: get(row, "id")?,
        kind: typed(row, "kind", named(&AssetKind::ALL, AssetKind::as_str))?,
        description: get(row, "description")?,
        identifiers: get(row, "identifiers")?,
        location: get(row, "location")?,
        region: get(row, "region")?,
        custodian: get(row, "custodian")?,
        case_id: get(row, "case_id")?,
        agency_reference: get(row, "agency_reference")?,
        currency: Currency::parse(&currency)
            .map_err(|_| StoreError::Corrupt(format!("currency {currency}")))?,
        estimated_value: get::<Option<i64>>(row, "estimated_value")?.map(Amount::from_minor),
        state: typed(row, "state", STATE)?,
        state_changed_on: get(row, "state_changed_on")?,
        institution_id: InstitutionId(get(row, "institution_id")?),
        created_at: Timestamp::from_unix_micros(get(row, "created_at")?),
        created_by: get(row, "created_by")?,
    })
}

#[async_trait]
impl AssetReads for SqlTx {
    async fn asset_id_by_agency_reference(
        &mut self,
        institution_id: redress_domain::InstitutionId,
        reference: &str,
    ) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT id FROM assets WHERE institution_id = $1 AND agency_reference = $2")
            .bind(institution_id.0)
            .bind(reference.to_string())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(classify)?;
        row.map(|row| get(&row, "id")).transpose()
    }

    async fn asset_valuations(&mut self, asset_id: i64) -> StoreResult<Vec<Valuation>> {
        let rows = sqlx::query("SELECT valued_on, amount, basis, recorded_by FROM asset_valuations WHERE asset_id = $1 ORDER BY id")
            .bind(asset_id)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok(Valuation {
                    valued_on: get(row, "valued_on")?,
                    amount: Amount::from_minor(get(row, "amount")?),
                    basis: get(row, "basis")?,
                    recorded_by: get(row, "recorded_by")?,
                })
            })
            .collect()
    }

    async fn asset_leases(&mut self, asset_id: i64) -> StoreResult<Vec<Lease>> {
        let rows = sqlx::query("SELECT monthly_rent, starts_on, ends_on, recorded_by FROM asset_leases WHERE asset_id = $1 ORDER BY id")
            .bind(asset_id)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok(Lease {
                    monthly_rent: Amount::from_minor(get(row, "monthly_rent")?),
                    starts_on: get(row, "starts_on")?,
                    ends_on: get(row, "ends_on")?,
                    recorded_by: get(row, "recorded_by")?,
                })
            })
            .collect()
    }

    async fn asset(&mut self, id: i64) -> StoreResult<Option<AssetRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM assets WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *self.tx).await.map_err(classify)?;
        row.as_ref().map(asset_from).transpose()
    }

    async fn asset_moves(&mut self, asset_id: i64) -> StoreResult<Vec<AssetMove>> {
        let rows = sqlx::query(
            "SELECT from_state, to_state, on_date, document, amount, costs, recorded_at, recorded_by FROM asset_moves \
             WHERE asset_id = $1 ORDER BY id",
        )
        .bind(asset_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok(AssetMove {
                    from_state: maybe_typed(row, "from_state", STATE)?,
                    to_state: typed(row, "to_state", STATE)?,
                    on_date: get(row, "on_date")?,
                    document: get(row, "document")?,
                    amount: get::<Option<i64>>(row, "amount")?.map(Amount::from_minor),
                    costs: get::<Option<i64>>(row, "costs")?.map(Amount::from_minor),
                    recorded_at: Timestamp::from_unix_micros(get(row, "recorded_at")?),
                    recorded_by: get(row, "recorded_by")?,
                })
            })
            .collect()
    }

    async fn asset_transfers(&mut self, asset_id: i64) -> StoreResult<Vec<Transfer>> {
        let rows = sqlx::query("SELECT id FROM ledger_transfers WHERE ref_asset = $1 ORDER BY seq")
            .bind(asset_id.to_string())
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        let ids: Vec<String> = rows.iter().map(|row| get(row, "id")).collect::<StoreResult<_>>()?;
        let mut transfers = redress_app::store::LedgerReads::transfers_by_ids(self, &ids).await?;
        transfers.sort_by_key(|t| t.seq);
        Ok(transfers)
    }

    async fn assets_in_states(
        &mut self,
        states: &[AssetState],
        page: redress_app::store::Page,
    ) -> StoreResult<Vec<AssetRecord>> {
        // No state asked: no asset (and no `IN ()`, which PostgreSQL refuses).
        if states.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..states.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM assets WHERE id > $1 AND state IN ({}) ORDER BY id LIMIT $2",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(page.after.unwrap_or(0)).bind(page.limit);
        for state in states {
            query = query.bind(state.as_str());
        }
        let rows = query.fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(asset_from).collect()
    }

    async fn asset_state_totals(
        &mut self,
        currency: Currency,
    ) -> StoreResult<Vec<(AssetState, i64, Amount, i64)>> {
        let rows = sqlx::query(
            "SELECT state, assets, estimated_value, day_sum FROM asset_state_totals \
             WHERE currency = $1 AND assets > 0 ORDER BY state",
        )
        .bind(currency.code().to_string())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok((
                    typed(row, "state", STATE)?,
                    get(row, "assets")?,
                    Amount::from_minor(get(row, "estimated_value")?),
                    get(row, "day_sum")?,
                ))
            })
            .collect()
    }

    async fn asset_path_days(&mut self, from: AssetState, to: AssetState) -> StoreResult<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT days, assets FROM asset_path_days WHERE from_state = $1 AND to_state = $2 AND assets > 0 \
             ORDER BY days",
        )
        .bind(from.as_str())
        .bind(to.as_str())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter().map(|row| Ok((get(row, "days")?, get(row, "assets")?))).collect()
    }

    async fn sale_escrow_held(&mut self, currency: Currency) -> StoreResult<Amount> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(l.credits_posted - l.debits_posted), 0) AS BIGINT) AS held \
             FROM assets a JOIN ledger_accounts l \
               ON l.name = 'liabilities:escrow:asset/' || CAST(a.id AS TEXT) AND l.currency = a.currency \
             WHERE a.state = 'sold_early' AND a.currency = $1",
        )
        .bind(currency.code().to_string())
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(Amount::from_minor(get(&row, "held")?))
    }

    async fn account_flows(
        &mut self,
        account_id: i64,
        from: time::Date,
        to: time::Date,
    ) -> StoreResult<(Amount, Amount)> {
        let mut sums = [0i64; 2];
        for (index, side) in ["debit", "credit"].iter().enumerate() {
            let sql = format!(
                "SELECT CAST(COALESCE(SUM(posted), 0) AS BIGINT) AS total FROM ledger_transfers \
                 WHERE {side}_account_id = $1 AND value_date >= $2 AND value_date < $3"
            );
            let row = sqlx::query(&sql)
                .bind(account_id)
                .bind(from.to_string())
                .bind(to.to_string())
                .fetch_one(&mut *self.tx)
                .await
                .map_err(classify)?;
            sums[index] = get(&row, "total")?;
        }
        Ok((Amount::from_minor(sums[0]), Amount::from_minor(sums[1])))
    }
}

#[async_trait]
impl AssetWrites for SqlTx {
    async fn insert_valuation(&mut self, asset_id: i64, v: &Valuation, at: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO asset_valuations (asset_id, valued_on, amount, basis, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(asset_id)
        .bind(v.valued_on.clone())
        .bind(v.amount.minor_units())
        .bind(v.basis.clone())
        .bind(at.unix_micros())
        .bind(v.recorded_by.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn set_estimated_value(&mut self, asset_id: i64, amount: Amount) -> StoreResult<()> {
        sqlx::query("UPDATE assets SET estimated_value = $1 WHERE id = $2")
            .bind(amount.minor_units())
            .bind(asset_id)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn insert_lease(&mut self, asset_id: i64, l: &Lease, at: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO asset_leases (asset_id, monthly_rent, starts_on, ends_on, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(asset_id)
        .bind(l.monthly_rent.minor_units())
        .bind(l.starts_on.clone())
        .bind(l.ends_on.clone())
        .bind(at.unix_micros())
        .bind(l.recorded_by.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn insert_asset(&mut self, a: &AssetRecord) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO assets (kind, description, identifiers, location, region, custodian, case_id, agency_reference, \
             currency, estimated_value, state, state_changed_on, institution_id, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        )
        .bind(a.kind.as_str())
        .bind(a.description.clone())
        .bind(a.identifiers.clone())
        .bind(a.location.clone())
        .bind(a.region.clone())
        .bind(a.custodian.clone())
        .bind(a.case_id)
        .bind(a.agency_reference.clone())
        .bind(a.currency.code())
        .bind(a.estimated_value.map(|v| v.minor_units()))
        .bind(a.state.as_str())
        .bind(a.state_changed_on.clone())
        .bind(a.institution_id.0)
        .bind(a.created_at.unix_micros())
        .bind(a.created_by.clone())
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        get(&row, "id")
    }

    async fn set_asset_state(&mut self, id: i64, state: AssetState, on_date: &str) -> StoreResult<()> {
        sqlx::query("UPDATE assets SET state = $1, state_changed_on = $2 WHERE id = $3")
            .bind(state.as_str())
            .bind(on_date.to_string())
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn insert_asset_move(&mut self, asset_id: i64, m: &AssetMove) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO asset_moves (asset_id, from_state, to_state, on_date, document, amount, costs, recorded_at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(asset_id)
        .bind(m.from_state.map(AssetState::as_str))
        .bind(m.to_state.as_str())
        .bind(m.on_date.clone())
        .bind(m.document.clone())
        .bind(m.amount.map(|a| a.minor_units()))
        .bind(m.costs.map(|a| a.minor_units()))
        .bind(m.recorded_at.unix_micros())
        .bind(m.recorded_by.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }
}
