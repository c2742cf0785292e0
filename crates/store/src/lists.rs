//! The pages' filtered lists (see `redress_app::lists`): one query each, newest first, with a
//! `LIMIT`, its conditions built from the filter with numbered parameters.

use async_trait::async_trait;
use redress_app::lists::{AuditFilter, ListReads, StatementFilter};
use redress_app::store::StoreResult;
use redress_domain::audit::AuditRecord;
use redress_domain::ledger::Transfer;

use crate::ledger::{select_transfers, transfer_from};
use crate::sql::{audit_from_row, classify, SqlTx, AUDIT_COLUMNS};

/// A value bound to a numbered parameter.
pub(crate) enum Bound {
    Int(i64),
    Text(String),
}

/// Conditions joined by `AND`, with their parameters numbered from `first`.
pub(crate) struct Conditions {
    first: usize,
    parts: Vec<String>,
    values: Vec<Bound>,
}

impl Conditions {
    pub(crate) fn new(first: usize) -> Conditions {
        Conditions { first, parts: Vec::new(), values: Vec::new() }
    }

    /// Adds `column op $n` bound to `value`.
    pub(crate) fn push(&mut self, column: &str, op: &str, value: Bound) {
        let n = self.first + self.values.len();
        self.parts.push(format!("{column} {op} ${n}"));
        self.values.push(value);
    }

    /// Adds `condition`, each `{}` in it standing for one parameter bound to `value`.
    pub(crate) fn push_with(&mut self, condition: &str, value: Bound) {
        let n = self.first + self.values.len();
        self.parts.push(condition.replace("{}", &format!("${n}")));
        self.values.push(value);
    }

    /// Adds `column IN (…)` over `values` (nothing when there are none).
    pub(crate) fn push_in(&mut self, column: &str, values: Vec<Bound>) {
        if values.is_empty() {
            return;
        }
        let first = self.first + self.values.len();
        let list: Vec<String> = (first..first + values.len()).map(|n| format!("${n}")).collect();
        self.parts.push(format!("{column} IN ({})", list.join(", ")));
        self.values.extend(values);
    }

    /// A condition without parameters.
    pub(crate) fn push_plain(&mut self, condition: &str) {
        self.parts.push(condition.to_string());
    }

    pub(crate) fn sql(&self) -> String {
        self.parts.iter().map(|p| format!(" AND {p}")).collect()
    }

    pub(crate) fn bind<'q>(
        self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for value in self.values {
            query = match value {
                Bound::Int(v) => query.bind(v),
                Bound::Text(v) => query.bind(v),
            };
        }
        query
    }
}

fn audit_conditions(filter: &AuditFilter) -> Conditions {
    let mut c = Conditions::new(3);
    let texts = [
        ("actor", &filter.actor),
        ("action", &filter.action),
        ("target_type", &filter.target_type),
        ("target_id", &filter.target_id),
    ];
    for (column, value) in texts {
        if let Some(value) = value {
            c.push(column, "=", Bound::Text(value.clone()));
        }
    }
    if let Some(from) = filter.from {
        c.push("at", ">=", Bound::Int(from.unix_micros()));
    }
    if let Some(to) = filter.to {
        c.push("at", "<", Bound::Int(to.unix_micros()));
    }
    c
}

fn statement_conditions(filter: &StatementFilter) -> Conditions {
    let mut c = Conditions::new(4);
    if let Some(from) = filter.from {
        c.push("t.created_at", ">=", Bound::Int(from.unix_micros()));
    }
    if let Some(to) = filter.to {
        c.push("t.created_at", "<", Bound::Int(to.unix_micros()));
    }
    if !filter.with_zero {
        c.parts.push("t.posted <> 0".to_string());
    }
    c
}

#[async_trait]
impl ListReads for SqlTx {
    async fn audit_filtered(
        &mut self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRecord>> {
        let conditions = audit_conditions(filter);
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq < $1{} ORDER BY seq DESC LIMIT $2",
            conditions.sql()
        );
        let query = sqlx::query(&sql).bind(before.unwrap_or(i64::MAX)).bind(limit);
        let rows = conditions.bind(query).fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn account_transfers_newest(
        &mut self,
        account_id: i64,
        filter: &StatementFilter,
        limit: i64,
    ) -> StoreResult<Vec<Transfer>> {
        let select = select_transfers();
        let where_ = statement_conditions(filter).sql();
        let sql = format!(
            "SELECT * FROM ({select} WHERE t.debit_account_id = $1 AND t.seq < $2{where_} ORDER BY t.seq DESC LIMIT $3) debited \
             UNION ALL SELECT * FROM ({select} WHERE t.credit_account_id = $1 AND t.seq < $2{where_} ORDER BY t.seq DESC LIMIT $3) credited \
             ORDER BY seq DESC LIMIT $3"
        );
        let query = sqlx::query(&sql).bind(account_id).bind(filter.before.unwrap_or(i64::MAX)).bind(limit);
        let rows =
            statement_conditions(filter).bind(query).fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(transfer_from).collect()
    }
}
