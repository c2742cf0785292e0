//! Aggregate reads for the pages that show totals (see `redress_app::summary`): each one SQL
//! statement served by an index, whose cost grows with what it returns.

use async_trait::async_trait;
use redress_app::settings::Engine;
use redress_app::store::StoreResult;
use redress_app::summary::{ClaimCount, ClaimGroup, MonthSums, PublishedAsset, SummaryReads, VictimProfile};
use redress_domain::claims::ClaimState;
use redress_domain::ledger::Account;
use redress_domain::{Amount, Currency, Timestamp};

use crate::ledger::{account_from, ACCOUNT_COLUMNS};
use crate::sql::{classify, get, SqlTx};
use redress_app::store::StoreError;

/// `$first, $first+1, …` for `count` parameters.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

/// The smallest string above every string that starts with `prefix` (byte order).
fn prefix_end(prefix: &str) -> String {
    let mut bytes = prefix.as_bytes().to_vec();
    while let Some(last) = bytes.pop() {
        if last < 0x7f {
            bytes.push(last + 1);
            return String::from_utf8(bytes).unwrap_or_default();
        }
    }
    String::from("\u{10ffff}")
}

#[async_trait]
impl SummaryReads for SqlTx {
    async fn claim_counts(&mut self, states: &[ClaimState]) -> StoreResult<Vec<ClaimCount>> {
        if states.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT tier, state, COUNT(*) AS claims FROM claims WHERE state IN ({}) GROUP BY tier, state",
            placeholders(1, states.len())
        );
        let mut query = sqlx::query(&sql);
        for state in states {
            query = query.bind(state.as_str());
        }
        let rows = query.fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter()
            .map(|row| {
                let state: String = get(row, "state")?;
                let tier: i64 = get(row, "tier")?;
                Ok(ClaimCount {
                    tier: u8::try_from(tier).map_err(|_| StoreError::Corrupt(format!("tier {tier}")))?,
                    state: ClaimState::parse("state", &state)
                        .map_err(|_| StoreError::Corrupt(format!("state {state:?}")))?,
                    claims: get(row, "claims")?,
                })
            })
            .collect()
    }

    async fn overdue_claims(&mut self, now: Timestamp, today: &str) -> StoreResult<i64> {
        // Two index ranges (state, decision_due) and (state, payment_due) rather than one OR.
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM claims WHERE state = 'received' AND decision_due < $1) \
             + (SELECT COUNT(*) FROM claims WHERE state IN ('approved', 'allocated', 'in_batch') \
                AND payment_due IS NOT NULL AND payment_due < $2) AS overdue",
        )
        .bind(now.unix_micros())
        .bind(today.to_string())
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        get(&row, "overdue")
    }

    async fn received_claims_filed(&mut self, ranges: &[(Timestamp, Timestamp)]) -> StoreResult<Vec<i64>> {
        let mut columns = Vec::with_capacity(ranges.len() + 1);
        for (index, _) in ranges.iter().enumerate() {
            let (from, to) = (index * 2 + 1, index * 2 + 2);
            columns.push(format!(
                "(SELECT COUNT(*) FROM claims WHERE state = 'received' AND filed_at >= ${from} AND filed_at < ${to}) AS r{index}"
            ));
        }
        columns.push("(SELECT COUNT(*) FROM claims WHERE state = 'received') AS total".to_string());
        let sql = format!("SELECT {}", columns.join(", "));
        let mut query = sqlx::query(&sql);
        for (from, to) in ranges {
            query = query.bind(from.unix_micros()).bind(to.unix_micros());
        }
        let row = query.fetch_one(&mut *self.tx).await.map_err(classify)?;
        let mut counts = Vec::with_capacity(ranges.len() + 1);
        for index in 0..ranges.len() {
            counts.push(get(&row, &format!("r{index}"))?);
        }
        counts.push(get(&row, "total")?);
        Ok(counts)
    }

    async fn ledger_accounts_matching(
        &mut self,
        currency: Currency,
        names: &[&str],
        prefixes: &[&str],
    ) -> StoreResult<Vec<Account>> {
        let mut conditions = Vec::new();
        let mut binds: Vec<String> = vec![currency.code().to_string()];
        if !names.is_empty() {
            conditions.push(format!("name IN ({})", placeholders(2, names.len())));
            binds.extend(names.iter().map(|n| n.to_string()));
        }
        for prefix in prefixes {
            // SQLite compares bytes, so a range on the (name, currency) index finds the prefix;
            // PostgreSQL's collation may not order by bytes, so it matches with LIKE.
            match self.engine {
                Engine::Sqlite => {
                    conditions.push(format!(
                        "(name >= ${} AND name < ${})",
                        binds.len() + 1,
                        binds.len() + 2
                    ));
                    binds.push(prefix.to_string());
                    binds.push(prefix_end(prefix));
                }
                Engine::Postgres => {
                    conditions.push(format!("name LIKE ${}", binds.len() + 1));
                    binds.push(format!("{}%", prefix.replace('%', "\\%").replace('_', "\\_")));
                }
            }
        }
        if conditions.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE currency = $1 AND ({}) ORDER BY name",
            conditions.join(" OR ")
        );
        let mut query = sqlx::query(&sql);
        for bind in binds {
            query = query.bind(bind);
        }
        let rows = query.fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(account_from).collect()
    }

    async fn posted_totals_at_each(
        &mut self,
        account_id: i64,
        instants: &[Timestamp],
    ) -> StoreResult<Vec<(Amount, Amount)>> {
        if instants.is_empty() {
            return Ok(Vec::new());
        }
        // For each instant: the last transfer at or before it (`created_at` never decreases
        // along `seq`, so it is the highest `seq` of the latest `created_at` up to the instant:
        // two seeks on `ledger_transfers_time_seq (created_at, seq)`, where an `ORDER BY created_at, seq` would sort), then the account's last transfer on each side up to it, whose running
        // totals are the balance. Every step is one index seek.
        let points: Vec<String> =
            (0..instants.len()).map(|i| format!("({i}, CAST(${} AS BIGINT))", i + 2)).collect();
        let sql = format!(
            "WITH points (k, at) AS (VALUES {points}), \
             lasts AS (SELECT k, (SELECT MAX(t.seq) FROM ledger_transfers t WHERE t.created_at = \
                 (SELECT MAX(u.created_at) FROM ledger_transfers u WHERE u.created_at <= points.at)) AS last FROM points), \
             sides AS (SELECT k, \
                 (SELECT MAX(t.seq) FROM ledger_transfers t WHERE t.debit_account_id = $1 AND t.seq <= lasts.last) AS d, \
                 (SELECT MAX(t.seq) FROM ledger_transfers t WHERE t.credit_account_id = $1 AND t.seq <= lasts.last) AS c \
                 FROM lasts) \
             SELECT s.d AS d, s.c AS c, \
                 dt.debit_account_debits_after AS dd, dt.debit_account_credits_after AS dc, \
                 ct.credit_account_debits_after AS cd, ct.credit_account_credits_after AS cc \
             FROM sides s LEFT JOIN ledger_transfers dt ON dt.seq = s.d \
             LEFT JOIN ledger_transfers ct ON ct.seq = s.c ORDER BY s.k",
            points = points.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(account_id);
        for at in instants {
            query = query.bind(at.unix_micros());
        }
        let rows = query.fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter()
            .map(|row| {
                let debit_side: Option<i64> = get(row, "d")?;
                let credit_side: Option<i64> = get(row, "c")?;
                let totals = match (debit_side, credit_side) {
                    (Some(d), Some(c)) if c > d => (get(row, "cd")?, get(row, "cc")?),
                    (Some(_), _) => (get(row, "dd")?, get(row, "dc")?),
                    (None, Some(_)) => (get(row, "cd")?, get(row, "cc")?),
                    (None, None) => (0, 0),
                };
                Ok((Amount::from_minor(totals.0), Amount::from_minor(totals.1)))
            })
            .collect()
    }

    async fn account_flows_by_month(
        &mut self,
        account_id: i64,
        from: time::Date,
        to: time::Date,
    ) -> StoreResult<Vec<MonthSums>> {
        // The sums the ledger maintains by month (migration 0065): one primary-key range of at
        // most a row a month, whatever the number of transfers.
        let month = |date: time::Date| format!("{:04}-{:02}", date.year(), u8::from(date.month()));
        let rows = sqlx::query(
            "SELECT month, debits, credits FROM ledger_month_flows \
             WHERE account_id = $1 AND month >= $2 AND month < $3 ORDER BY month",
        )
        .bind(account_id)
        .bind(month(from))
        .bind(month(to))
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok(MonthSums {
                    month: get(row, "month")?,
                    debits: Amount::from_minor(get(row, "debits")?),
                    credits: Amount::from_minor(get(row, "credits")?),
                })
            })
            .collect()
    }

    async fn published_assets(
        &mut self,
        states: &[&str],
        page: redress_app::store::Page,
    ) -> StoreResult<Vec<PublishedAsset>> {
        // No state asked: no asset (and no `IN ()`, which PostgreSQL refuses).
        if states.is_empty() {
            return Ok(Vec::new());
        }
        let first_move = |states: &str, column: &str| {
            format!(
                "(SELECT m.{column} FROM asset_moves m WHERE m.asset_id = a.id AND m.to_state IN ({states}) \
                 ORDER BY m.id LIMIT 1)"
            )
        };
        let sql = format!(
            "SELECT a.id, a.kind, a.region, a.state, a.currency, {} AS seized_on, {} AS confiscated_on, \
             {} AS sold_on, {} AS sale_amount FROM assets a WHERE a.id > $1 AND a.state IN ({}) ORDER BY a.id LIMIT $2",
            first_move("'seized'", "on_date"),
            first_move("'confiscated', 'released'", "on_date"),
            first_move("'sold', 'sold_early'", "on_date"),
            first_move("'sold', 'sold_early'", "amount"),
            placeholders(3, states.len())
        );
        let mut query = sqlx::query(&sql).bind(page.after.unwrap_or(0)).bind(page.limit);
        for state in states {
            query = query.bind(state.to_string());
        }
        let rows = query.fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter()
            .map(|row| {
                let code: String = get(row, "currency")?;
                Ok(PublishedAsset {
                    id: get(row, "id")?,
                    kind: get(row, "kind")?,
                    region: get(row, "region")?,
                    state: get(row, "state")?,
                    currency: Currency::parse(&code)
                        .map_err(|_| StoreError::Corrupt(format!("currency {code}")))?,
                    seized_on: get(row, "seized_on")?,
                    confiscated_on: get(row, "confiscated_on")?,
                    sold_on: get(row, "sold_on")?,
                    sale_amount: get::<Option<i64>>(row, "sale_amount")?.map(Amount::from_minor),
                })
            })
            .collect()
    }

    async fn victim_profiles(&mut self) -> StoreResult<Vec<VictimProfile>> {
        let rows = sqlx::query(
            // Maintained by the database on every write (migration 0066): a row per group.
            "SELECT sex, nationality, age_band, NULLIF(region, '') AS region, \
             NULLIF(exploitation, '') AS exploitation, victims FROM victim_profile_counts WHERE victims > 0",
        )
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok(VictimProfile {
                    sex: get(row, "sex")?,
                    nationality: get(row, "nationality")?,
                    age_band: get(row, "age_band")?,
                    region: get(row, "region")?,
                    exploitation: get(row, "exploitation")?,
                    victims: get(row, "victims")?,
                })
            })
            .collect()
    }

    async fn maintained_count_mismatches(&mut self) -> StoreResult<Vec<String>> {
        let day = |column: &str| match self.engine {
            Engine::Sqlite => format!("CAST(julianday({column}) - 2440587.5 AS INTEGER)"),
            Engine::Postgres => format!("(CAST({column} AS DATE) - DATE '1970-01-01')"),
        };
        let victims = "SELECT sex AS k1, nationality AS k2, age_band AS k3, COALESCE(region, '') AS k4, \
             COALESCE(exploitation, '') AS k5, COUNT(*) AS n1, 0 AS n2, 0 AS n3 FROM victims \
             GROUP BY sex, nationality, age_band, COALESCE(region, ''), COALESCE(exploitation, '')"
            .to_string();
        let assets = format!(
            "SELECT currency AS k1, state AS k2, '' AS k3, '' AS k4, '' AS k5, COUNT(*) AS n1, \
             CAST(COALESCE(SUM(estimated_value), 0) AS BIGINT) AS n2, CAST(SUM({}) AS BIGINT) AS n3 \
             FROM assets GROUP BY currency, state",
            day("state_changed_on")
        );
        let path = |from: &str, to: &str| {
            format!(
                "SELECT '{from}' AS f, '{to}' AS t, {} - {} AS d FROM asset_moves \
                 WHERE to_state IN ('{from}', '{to}') GROUP BY asset_id",
                day(&format!("MIN(CASE WHEN to_state = '{to}' THEN on_date END)")),
                day(&format!("MIN(CASE WHEN to_state = '{from}' THEN on_date END)"))
            )
        };
        let paths = format!(
            "SELECT f AS k1, t AS k2, CAST(d AS TEXT) AS k3, '' AS k4, '' AS k5, COUNT(*) AS n1, 0 AS n2, 0 AS n3 \
             FROM ({} UNION ALL {}) p WHERE d IS NOT NULL GROUP BY f, t, d",
            path("confiscated", "sold"),
            path("sold_early", "released")
        );
        let tables = [
            (
                "victim_profile_counts",
                victims,
                "sex, nationality, age_band, region, exploitation, victims, 0, 0",
            ),
            ("asset_state_totals", assets, "currency, state, '', '', '', assets, estimated_value, day_sum"),
            ("asset_path_days", paths, "from_state, to_state, CAST(days AS TEXT), '', '', assets, 0, 0"),
        ];
        let mut found = Vec::new();
        for (table, rows, kept) in tables {
            // Both sides as (five keys, three numbers); a group differs when it is on one side
            // only (with a count above zero) or its numbers differ.
            let sql = format!(
                "WITH r AS ({rows}), \
                      c (k1, k2, k3, k4, k5, n1, n2, n3) AS (SELECT {kept} FROM {table}) \
                 SELECT COUNT(*) AS differ FROM ( \
                   SELECT r.k1 FROM r LEFT JOIN c ON c.k1 = r.k1 AND c.k2 = r.k2 AND c.k3 = r.k3 AND c.k4 = r.k4 AND c.k5 = r.k5 \
                   WHERE c.k1 IS NULL OR c.n1 <> r.n1 OR c.n2 <> r.n2 OR c.n3 <> r.n3 \
                   UNION ALL \
                   SELECT c.k1 FROM c LEFT JOIN r ON c.k1 = r.k1 AND c.k2 = r.k2 AND c.k3 = r.k3 AND c.k4 = r.k4 AND c.k5 = r.k5 \
                   WHERE r.k1 IS NULL AND c.n1 <> 0) differing"
            );
            let row = sqlx::query(&sql).fetch_one(&mut *self.tx).await.map_err(classify)?;
            let differ: i64 = get(&row, "differ")?;
            if differ > 0 {
                found.push(format!("{table}: groups that differ from the rows they count: {differ}"));
            }
        }
        Ok(found)
    }

    async fn claim_groups(&mut self, currency: Currency) -> StoreResult<Vec<ClaimGroup>> {
        let rows = sqlx::query(
            "SELECT state, tier, COUNT(*) AS claims, \
             CAST(COALESCE(SUM(CASE WHEN currency = $1 THEN paid ELSE 0 END), 0) AS BIGINT) AS paid \
             FROM claims GROUP BY state, tier",
        )
        .bind(currency.code())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                Ok(ClaimGroup {
                    state: get(row, "state")?,
                    tier: get(row, "tier")?,
                    claims: get(row, "claims")?,
                    paid: Amount::from_minor(get(row, "paid")?),
                })
            })
            .collect()
    }

    async fn paid_claim_delays(&mut self) -> StoreResult<Vec<(String, i64)>> {
        let mut bands = String::from("CASE");
        for (code, days) in redress_app::summary::DELAY_BANDS {
            match days {
                Some(days) => bands.push_str(&format!(" WHEN p.days <= {days} THEN '{code}'")),
                None => bands.push_str(&format!(" ELSE '{code}'")),
            }
        }
        bands.push_str(" END");
        // Whole days from filing to the first `paid` event of each paid claim (micros).
        let sql = format!(
            "SELECT {bands} AS band, COUNT(*) AS claims FROM \
             (SELECT (MIN(e.at) - c.filed_at) / 86400000000 AS days FROM claims c \
              JOIN claim_events e ON e.claim_id = c.id AND e.to_state = 'paid' \
              WHERE c.state = 'paid' GROUP BY c.id, c.filed_at) p \
             GROUP BY {bands} ORDER BY band"
        );
        let rows = sqlx::query(&sql).fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(|row| Ok((get(row, "band")?, get(row, "claims")?))).collect()
    }

    async fn ledger_account_count(&mut self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS accounts FROM ledger_accounts")
            .fetch_one(&mut *self.tx)
            .await
            .map_err(classify)?;
        get(&row, "accounts")
    }
}
