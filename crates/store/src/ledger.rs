//! The ledger's tables: accounts with running totals, and transfers with the totals they left.

use async_trait::async_trait;
use redress_app::settings::Engine;
use redress_app::store::{
    CurrencySums, LedgerReads, LedgerWrites, NewLedgerAccount, Page, StoreError, StoreResult,
};
use redress_domain::ledger::{
    Account, AccountFlags, AccountName, PendingStatus, References, Totals, Transfer, TransferType,
};
use redress_domain::{Amount, Currency, Timestamp};
use sqlx::any::AnyRow;

use crate::sql::{classify, get, typed, SqlTx};

/// Rows per multi-row insert. SQLite looks up each `$N` parameter by scanning a list, so a
/// statement's binding cost grows with the square of its parameters: ten rows per statement is
/// the fastest there (measured with `redress bench ledger`). PostgreSQL has no such cost, and
/// 500 rows × 23 parameters stays under its 65,535-parameter limit.
pub fn insert_chunk(engine: Engine) -> usize {
    match engine {
        Engine::Sqlite => 10,
        Engine::Postgres => 500,
    }
}

pub(crate) const ACCOUNT_COLUMNS: &str =
    "id, name, currency, debits_must_not_exceed_credits, credits_must_not_exceed_debits, \
     debits_pending, debits_posted, credits_pending, credits_posted";

const TRANSFER_COLUMNS: [&str; 25] = [
    "seq",
    "id",
    "debit_account_id",
    "credit_account_id",
    "amount",
    "posted",
    "currency",
    "kind",
    "pending_id",
    "reverses_id",
    "pending_status",
    "expires_at",
    "ref_case",
    "ref_asset",
    "ref_order",
    "ref_claim",
    "ref_batch",
    "memo",
    "actor",
    "created_at",
    "debit_account_debits_after",
    "debit_account_credits_after",
    "credit_account_debits_after",
    "credit_account_credits_after",
    "value_date",
];

fn transfer_columns() -> Vec<&'static str> {
    TRANSFER_COLUMNS.to_vec()
}

/// `SELECT` of transfers with both account names, aliased `t`, `d` (debit) and `c` (credit).
pub(crate) fn select_transfers() -> String {
    let columns: Vec<String> = transfer_columns().iter().map(|c| format!("t.{c}")).collect();
    format!(
        "SELECT {}, d.name AS debit_name, c.name AS credit_name FROM ledger_transfers t \
         JOIN ledger_accounts d ON d.id = t.debit_account_id JOIN ledger_accounts c ON c.id = t.credit_account_id",
        columns.join(", ")
    )
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unexpected {what} {value:?}"))
}

fn currency_of(code: &str) -> StoreResult<Currency> {
    Currency::parse(code).map_err(|_| corrupt("currency", code))
}

pub(crate) fn account_from(row: &AnyRow) -> StoreResult<Account> {
    let name: String = get(row, "name")?;
    let currency: String = get(row, "currency")?;
    Ok(Account {
        id: get(row, "id")?,
        name: AccountName::parse(&name).map_err(|_| corrupt("account name", &name))?,
        currency: currency_of(&currency)?,
        flags: AccountFlags {
            debits_must_not_exceed_credits: get::<i64>(row, "debits_must_not_exceed_credits")? != 0,
            credits_must_not_exceed_debits: get::<i64>(row, "credits_must_not_exceed_debits")? != 0,
        },
        totals: Totals {
            debits_pending: Amount::from_minor(get(row, "debits_pending")?),
            debits_posted: Amount::from_minor(get(row, "debits_posted")?),
            credits_pending: Amount::from_minor(get(row, "credits_pending")?),
            credits_posted: Amount::from_minor(get(row, "credits_posted")?),
        },
    })
}

pub(crate) fn transfer_from(row: &AnyRow) -> StoreResult<Transfer> {
    let currency: String = get(row, "currency")?;
    let status: Option<String> = get(row, "pending_status")?;
    let pending_status = match status {
        Some(text) => Some(PendingStatus::parse(&text).ok_or_else(|| corrupt("hold status", &text))?),
        None => None,
    };
    let amount = |column: &str| -> StoreResult<Amount> { Ok(Amount::from_minor(get(row, column)?)) };
    Ok(Transfer {
        seq: get(row, "seq")?,
        id: get(row, "id")?,
        debit_account_id: get(row, "debit_account_id")?,
        credit_account_id: get(row, "credit_account_id")?,
        debit_account: get(row, "debit_name")?,
        credit_account: get(row, "credit_name")?,
        amount: amount("amount")?,
        posted: amount("posted")?,
        currency: currency_of(&currency)?,
        kind: typed(row, "kind", TransferType::parse)?,
        pending_id: get(row, "pending_id")?,
        reverses_id: get(row, "reverses_id")?,
        pending_status,
        expires_at: get::<Option<i64>>(row, "expires_at")?.map(Timestamp::from_unix_micros),
        references: References {
            case: get(row, "ref_case")?,
            asset: get(row, "ref_asset")?,
            order: get(row, "ref_order")?,
            claim: get(row, "ref_claim")?,
            batch: get(row, "ref_batch")?,
        },
        memo: get(row, "memo")?,
        actor: get(row, "actor")?,
        created_at: Timestamp::from_unix_micros(get(row, "created_at")?),
        value_date: {
            let text: String = get(row, "value_date")?;
            redress_domain::cases::parse_date("value_date", &text)
                .map_err(|_| corrupt("value date", &text))?
        },
        debit_account_posted_after: (
            amount("debit_account_debits_after")?,
            amount("debit_account_credits_after")?,
        ),
        credit_account_posted_after: (
            amount("credit_account_debits_after")?,
            amount("credit_account_credits_after")?,
        ),
    })
}

/// `$first, $first+1, …` for `count` parameters.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

impl SqlTx {
    async fn transfers_where(&mut self, filter: &str, binds: Vec<i64>) -> StoreResult<Vec<Transfer>> {
        let sql = format!("{} WHERE {filter}", select_transfers());
        let mut query = sqlx::query(&sql);
        for value in binds {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(transfer_from).collect()
    }
}

#[async_trait]
impl LedgerReads for SqlTx {
    async fn ledger_account(&mut self, name: &str, currency: Currency) -> StoreResult<Option<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE name = $1 AND currency = $2");
        let row = sqlx::query(&sql)
            .bind(name.to_string())
            .bind(currency.code())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(classify)?;
        row.as_ref().map(account_from).transpose()
    }

    async fn ledger_account_by_id(&mut self, id: i64) -> StoreResult<Option<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *self.tx).await.map_err(classify)?;
        row.as_ref().map(account_from).transpose()
    }

    async fn ledger_accounts_named(
        &mut self,
        names: &[String],
        currency: Currency,
    ) -> StoreResult<Vec<Account>> {
        let mut found = Vec::with_capacity(names.len());
        for chunk in names.chunks(50) {
            let sql = format!(
                "SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE currency = $1 AND name IN ({})",
                placeholders(2, chunk.len())
            );
            let mut query = sqlx::query(&sql).bind(currency.code());
            for name in chunk {
                query = query.bind(name.clone());
            }
            for row in query.fetch_all(&mut *self.tx).await.map_err(classify)? {
                found.push(account_from(&row)?);
            }
        }
        Ok(found)
    }

    async fn ledger_accounts(&mut self, page: Page) -> StoreResult<Vec<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id > $1 ORDER BY id LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(page.after.unwrap_or(0))
            .bind(page.limit)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        rows.iter().map(account_from).collect()
    }

    async fn transfers_by_ids(&mut self, ids: &[String]) -> StoreResult<Vec<Transfer>> {
        // Most ids of a batch are new: find the few that exist with a narrow index-only query,
        // then read those in full.
        let chunk_size = match self.engine {
            Engine::Sqlite => 50,
            Engine::Postgres => 1_000,
        };
        let mut found: Vec<String> = Vec::new();
        for chunk in ids.chunks(chunk_size) {
            let sql =
                format!("SELECT id FROM ledger_transfers WHERE id IN ({})", placeholders(1, chunk.len()));
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.clone());
            }
            for row in query.fetch_all(&mut *self.tx).await.map_err(classify)? {
                found.push(get(&row, "id")?);
            }
        }
        let mut transfers = Vec::with_capacity(found.len());
        for chunk in found.chunks(50) {
            let sql = format!("{} WHERE t.id IN ({})", select_transfers(), placeholders(1, chunk.len()));
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.clone());
            }
            for row in query.fetch_all(&mut *self.tx).await.map_err(classify)? {
                transfers.push(transfer_from(&row)?);
            }
        }
        Ok(transfers)
    }

    async fn reversals_of(&mut self, ids: &[String]) -> StoreResult<Vec<String>> {
        let mut found = Vec::new();
        for chunk in ids.chunks(50) {
            let sql = format!(
                "SELECT reverses_id FROM ledger_transfers WHERE reverses_id IN ({})",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.clone());
            }
            for row in query.fetch_all(&mut *self.tx).await.map_err(classify)? {
                found.push(get(&row, "reverses_id")?);
            }
        }
        Ok(found)
    }

    async fn last_transfer(&mut self) -> StoreResult<Option<(i64, Timestamp)>> {
        let row = sqlx::query("SELECT seq, created_at FROM ledger_transfers ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(classify)?;
        row.map(|row| Ok((get(&row, "seq")?, Timestamp::from_unix_micros(get(&row, "created_at")?))))
            .transpose()
    }

    async fn account_transfers(
        &mut self,
        account_id: i64,
        after: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Transfer>> {
        let select = select_transfers();
        let sql = format!(
            "SELECT * FROM ({select} WHERE t.debit_account_id = $1 AND t.seq > $2 ORDER BY t.seq LIMIT $3) debited \
             UNION ALL SELECT * FROM ({select} WHERE t.credit_account_id = $1 AND t.seq > $2 ORDER BY t.seq LIMIT $3) credited \
             ORDER BY seq LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(account_id)
            .bind(after.unwrap_or(0))
            .bind(limit)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        rows.iter().map(transfer_from).collect()
    }

    async fn posted_totals_at_page(
        &mut self,
        at: Timestamp,
        page: Page,
    ) -> StoreResult<Vec<(i64, Amount, Amount)>> {
        // As `posted_totals_at`, for a page of accounts in one statement: the last transfer at
        // or before the instant, then each account's last transfer on each side up to it.
        let rows = sqlx::query(
            "WITH last AS (SELECT MAX(t.seq) AS seq FROM ledger_transfers t WHERE t.created_at = \
                 (SELECT MAX(u.created_at) FROM ledger_transfers u WHERE u.created_at <= $1)), \
             sides AS (SELECT a.id AS id, \
                 (SELECT MAX(t.seq) FROM ledger_transfers t WHERE t.debit_account_id = a.id \
                     AND t.seq <= (SELECT seq FROM last)) AS d, \
                 (SELECT MAX(t.seq) FROM ledger_transfers t WHERE t.credit_account_id = a.id \
                     AND t.seq <= (SELECT seq FROM last)) AS c \
                 FROM (SELECT id FROM ledger_accounts WHERE id > $2 ORDER BY id LIMIT $3) a) \
             SELECT s.id AS id, s.d AS d, s.c AS c, \
                 dt.debit_account_debits_after AS dd, dt.debit_account_credits_after AS dc, \
                 ct.credit_account_debits_after AS cd, ct.credit_account_credits_after AS cc \
             FROM sides s LEFT JOIN ledger_transfers dt ON dt.seq = s.d \
             LEFT JOIN ledger_transfers ct ON ct.seq = s.c ORDER BY s.id",
        )
        .bind(at.unix_micros())
        .bind(page.after.unwrap_or(0))
        .bind(page.limit)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                let (debit_side, credit_side): (Option<i64>, Option<i64>) = (get(row, "d")?, get(row, "c")?);
                let totals: (i64, i64) = match (debit_side, credit_side) {
                    (Some(d), Some(c)) if c > d => (get(row, "cd")?, get(row, "cc")?),
                    (Some(_), _) => (get(row, "dd")?, get(row, "dc")?),
                    (None, Some(_)) => (get(row, "cd")?, get(row, "cc")?),
                    (None, None) => (0, 0),
                };
                Ok((get(row, "id")?, Amount::from_minor(totals.0), Amount::from_minor(totals.1)))
            })
            .collect()
    }

    async fn posted_totals_at(&mut self, account_id: i64, at: Timestamp) -> StoreResult<(Amount, Amount)> {
        // `created_at` never decreases along `seq`, so "at or before the instant" is "at or
        // before the last sequence number of that instant".
        let last = sqlx::query("SELECT seq FROM ledger_transfers WHERE created_at <= $1 ORDER BY created_at DESC, seq DESC LIMIT 1")
            .bind(at.unix_micros())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(classify)?;
        let Some(last) = last else { return Ok((Amount::ZERO, Amount::ZERO)) };
        let last: i64 = get(&last, "seq")?;
        let mut latest: Option<(i64, i64, i64)> = None;
        for side in ["debit", "credit"] {
            let sql = format!(
                "SELECT seq, {side}_account_debits_after AS debits, {side}_account_credits_after AS credits \
                 FROM ledger_transfers WHERE {side}_account_id = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1"
            );
            let row = sqlx::query(&sql)
                .bind(account_id)
                .bind(last)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(classify)?;
            if let Some(row) = row {
                let found: (i64, i64, i64) = (get(&row, "seq")?, get(&row, "debits")?, get(&row, "credits")?);
                if latest.is_none_or(|(seq, _, _)| found.0 > seq) {
                    latest = Some(found);
                }
            }
        }
        Ok(latest
            .map_or((Amount::ZERO, Amount::ZERO), |(_, d, c)| (Amount::from_minor(d), Amount::from_minor(c))))
    }

    async fn transfers_after(&mut self, after: Option<i64>, limit: i64) -> StoreResult<Vec<Transfer>> {
        let sql = format!("{} WHERE t.seq > $1 ORDER BY t.seq LIMIT $2", select_transfers());
        let rows = sqlx::query(&sql)
            .bind(after.unwrap_or(0))
            .bind(limit)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        rows.iter().map(transfer_from).collect()
    }

    async fn inflows_covering(&mut self, account_id: i64, from: i64, to: i64) -> StoreResult<Vec<Transfer>> {
        // Inflows are contiguous in cumulative order: read forward from `from` until an inflow
        // starts at or after `to`.
        let mut found = Vec::new();
        let mut cursor = from;
        loop {
            let page = self
                .transfers_where(
                    "t.debit_account_id = $1 AND t.posted > 0 AND t.debit_account_debits_after > $2 \
                     ORDER BY t.debit_account_debits_after LIMIT 200",
                    vec![account_id, cursor],
                )
                .await?;
            let full = page.len() == 200;
            for transfer in page {
                let high = transfer.debit_account_posted_after.0;
                let low = high.checked_sub(transfer.posted).map_err(|_| {
                    StoreError::Corrupt(format!("transfer {}: posted exceeds its running total", transfer.id))
                })?;
                if low.minor_units() >= to {
                    return Ok(found);
                }
                cursor = high.minor_units();
                found.push(transfer);
            }
            if !full {
                return Ok(found);
            }
        }
    }

    async fn holds_expired(&mut self, now: Timestamp, limit: i64) -> StoreResult<Vec<Transfer>> {
        let sql = format!(
            "{} WHERE t.pending_status = 'pending' AND t.expires_at IS NOT NULL AND t.expires_at <= $1 ORDER BY t.seq LIMIT $2",
            select_transfers()
        );
        let rows = sqlx::query(&sql)
            .bind(now.unix_micros())
            .bind(limit)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        rows.iter().map(transfer_from).collect()
    }

    async fn ledger_sums(&mut self) -> StoreResult<Vec<CurrencySums>> {
        let rows = sqlx::query(
            "SELECT currency, CAST(SUM(debits_pending) AS BIGINT) AS debits_pending, \
             CAST(SUM(debits_posted) AS BIGINT) AS debits_posted, CAST(SUM(credits_pending) AS BIGINT) AS credits_pending, \
             CAST(SUM(credits_posted) AS BIGINT) AS credits_posted FROM ledger_accounts GROUP BY currency ORDER BY currency",
        )
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok(CurrencySums {
                    currency: get(row, "currency")?,
                    totals: Totals {
                        debits_pending: Amount::from_minor(get(row, "debits_pending")?),
                        debits_posted: Amount::from_minor(get(row, "debits_posted")?),
                        credits_pending: Amount::from_minor(get(row, "credits_pending")?),
                        credits_posted: Amount::from_minor(get(row, "credits_posted")?),
                    },
                })
            })
            .collect()
    }

    async fn posted_sums_from_transfers(&mut self) -> StoreResult<Vec<(i64, Amount, Amount)>> {
        let rows = sqlx::query(
            "SELECT account_id, CAST(SUM(debits) AS BIGINT) AS debits, CAST(SUM(credits) AS BIGINT) AS credits FROM ( \
               SELECT debit_account_id AS account_id, posted AS debits, CAST(0 AS BIGINT) AS credits FROM ledger_transfers \
               UNION ALL SELECT credit_account_id, CAST(0 AS BIGINT), posted FROM ledger_transfers) sides \
             GROUP BY account_id",
        )
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok((
                    get(row, "account_id")?,
                    Amount::from_minor(get(row, "debits")?),
                    Amount::from_minor(get(row, "credits")?),
                ))
            })
            .collect()
    }

    async fn month_flow_mismatches(&mut self) -> StoreResult<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "WITH r AS ( \
               SELECT account_id, month, CAST(SUM(debits) AS BIGINT) AS debits, CAST(SUM(credits) AS BIGINT) AS credits \
               FROM ( \
                 SELECT debit_account_id AS account_id, SUBSTR(value_date, 1, 7) AS month, posted AS debits, \
                        CAST(0 AS BIGINT) AS credits FROM ledger_transfers WHERE posted > 0 \
                 UNION ALL \
                 SELECT credit_account_id, SUBSTR(value_date, 1, 7), CAST(0 AS BIGINT), posted \
                 FROM ledger_transfers WHERE posted > 0) sides \
               GROUP BY account_id, month) \
             SELECT r.account_id, r.month FROM r LEFT JOIN ledger_month_flows s \
               ON s.account_id = r.account_id AND s.month = r.month \
             WHERE s.account_id IS NULL OR s.debits <> r.debits OR s.credits <> r.credits \
             UNION ALL \
             SELECT s.account_id, s.month FROM ledger_month_flows s LEFT JOIN r \
               ON r.account_id = s.account_id AND r.month = s.month \
             WHERE r.account_id IS NULL AND (s.debits <> 0 OR s.credits <> 0) \
             LIMIT 100",
        )
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter().map(|row| Ok((get(row, "account_id")?, get(row, "month")?))).collect()
    }
}

impl SqlTx {
    /// Adds the transfers' posted amounts to their accounts' sums by month of value date
    /// (`ledger_month_flows`, migration 0065), in the transaction that writes them.
    async fn add_month_flows(&mut self, transfers: &[Transfer]) -> StoreResult<()> {
        let mut sums: std::collections::BTreeMap<(i64, String), (i64, i64)> = Default::default();
        let overflow = || StoreError::Other("a month's sum of an account is out of range".into());
        for t in transfers.iter().filter(|t| t.posted.is_positive()) {
            let month = format!("{:04}-{:02}", t.value_date.year(), u8::from(t.value_date.month()));
            let posted = t.posted.minor_units();
            let debit = sums.entry((t.debit_account_id, month.clone())).or_default();
            debit.0 = debit.0.checked_add(posted).ok_or_else(overflow)?;
            let credit = sums.entry((t.credit_account_id, month)).or_default();
            credit.1 = credit.1.checked_add(posted).ok_or_else(overflow)?;
        }
        let sums: Vec<_> = sums.into_iter().collect();
        for chunk in sums.chunks(100) {
            let rows: Vec<String> =
                (0..chunk.len()).map(|row| format!("({})", placeholders(row * 4 + 1, 4))).collect();
            let sql = format!(
                "INSERT INTO ledger_month_flows (account_id, month, debits, credits) VALUES {} \
                 ON CONFLICT (account_id, month) DO UPDATE SET \
                 debits = ledger_month_flows.debits + excluded.debits, \
                 credits = ledger_month_flows.credits + excluded.credits",
                rows.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for ((account, month), (debits, credits)) in chunk {
                query = query.bind(*account).bind(month.clone()).bind(*debits).bind(*credits);
            }
            query.execute(&mut *self.tx).await.map_err(classify)?;
        }
        Ok(())
    }
}

#[async_trait]
impl LedgerWrites for SqlTx {
    async fn insert_ledger_account(&mut self, account: &NewLedgerAccount) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO ledger_accounts (name, currency, debits_must_not_exceed_credits, credits_must_not_exceed_debits, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(account.name.as_str().to_string())
        .bind(account.currency.code())
        .bind(i64::from(account.flags.debits_must_not_exceed_credits))
        .bind(i64::from(account.flags.credits_must_not_exceed_debits))
        .bind(account.created_at.unix_micros())
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        get(&row, "id")
    }

    async fn set_ledger_totals(&mut self, account_id: i64, totals: &Totals) -> StoreResult<()> {
        sqlx::query(
            "UPDATE ledger_accounts SET debits_pending = $1, debits_posted = $2, credits_pending = $3, credits_posted = $4 \
             WHERE id = $5",
        )
        .bind(totals.debits_pending.minor_units())
        .bind(totals.debits_posted.minor_units())
        .bind(totals.credits_pending.minor_units())
        .bind(totals.credits_posted.minor_units())
        .bind(account_id)
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn set_ledger_totals_many(&mut self, accounts: &[(i64, Totals)]) -> StoreResult<()> {
        let rows_per_statement = match self.engine {
            Engine::Sqlite => 20,
            Engine::Postgres => 500,
        };
        for chunk in accounts.chunks(rows_per_statement) {
            let values: Vec<String> =
                (0..chunk.len()).map(|row| format!("({})", placeholders(row * 5 + 1, 5))).collect();
            // VALUES columns are called column1… on both engines.
            let sql = format!(
                "UPDATE ledger_accounts SET debits_pending = v.dp, debits_posted = v.dpo, credits_pending = v.cp, \
                 credits_posted = v.cpo FROM (SELECT column1 AS id, column2 AS dp, column3 AS dpo, column4 AS cp, \
                 column5 AS cpo FROM (VALUES {}) AS rows) AS v WHERE ledger_accounts.id = v.id",
                values.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for (id, totals) in chunk {
                query = query
                    .bind(*id)
                    .bind(totals.debits_pending.minor_units())
                    .bind(totals.debits_posted.minor_units())
                    .bind(totals.credits_pending.minor_units())
                    .bind(totals.credits_posted.minor_units());
            }
            query.execute(&mut *self.tx).await.map_err(classify)?;
        }
        Ok(())
    }

    async fn insert_transfers(&mut self, transfers: &[Transfer]) -> StoreResult<()> {
        let columns = transfer_columns();
        for chunk in transfers.chunks(insert_chunk(self.engine)) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| format!("({})", placeholders(row * columns.len() + 1, columns.len())))
                .collect();
            let sql =
                format!("INSERT INTO ledger_transfers ({}) VALUES {}", columns.join(", "), rows.join(", "));
            let mut query = sqlx::query(&sql);
            for t in chunk {
                query = query
                    .bind(t.seq)
                    .bind(t.id.clone())
                    .bind(t.debit_account_id)
                    .bind(t.credit_account_id)
                    .bind(t.amount.minor_units())
                    .bind(t.posted.minor_units())
                    .bind(t.currency.code())
                    .bind(t.kind.as_str())
                    .bind(t.pending_id.clone())
                    .bind(t.reverses_id.clone())
                    .bind(t.pending_status.map(|s| s.as_str()))
                    .bind(t.expires_at.map(|at| at.unix_micros()))
                    .bind(t.references.case.clone())
                    .bind(t.references.asset.clone())
                    .bind(t.references.order.clone())
                    .bind(t.references.claim.clone())
                    .bind(t.references.batch.clone())
                    .bind(t.memo.clone())
                    .bind(t.actor.clone())
                    .bind(t.created_at.unix_micros())
                    .bind(t.debit_account_posted_after.0.minor_units())
                    .bind(t.debit_account_posted_after.1.minor_units())
                    .bind(t.credit_account_posted_after.0.minor_units())
                    .bind(t.credit_account_posted_after.1.minor_units())
                    .bind(t.value_date.to_string());
            }
            query.execute(&mut *self.tx).await.map_err(classify)?;
        }
        self.add_month_flows(transfers).await
    }

    async fn set_pending_status(&mut self, id: &str, status: PendingStatus) -> StoreResult<()> {
        sqlx::query("UPDATE ledger_transfers SET pending_status = $1 WHERE id = $2 AND kind = 'pending'")
            .bind(status.as_str())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }
}
