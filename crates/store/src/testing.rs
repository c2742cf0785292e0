//! Throwaway databases for tests: a fresh SQLite file in a temporary folder, or a fresh
//! PostgreSQL database with a random name on the server named by `REDRESS_TEST_POSTGRES_URL`.
//! Each is deleted (or dropped) when the value is dropped.

use std::path::PathBuf;

use redress_app::settings::Engine;
use sqlx::{Connection, Executor};

use crate::{SqlStore, StoreOptions};

/// The variable naming a PostgreSQL server (any database on it) that tests may use.
pub const POSTGRES_URL_VARIABLE: &str = "REDRESS_TEST_POSTGRES_URL";

pub struct TestDatabase {
    pub url: String,
    pub engine: Engine,
    cleanup: Cleanup,
}

enum Cleanup {
    Folder(PathBuf),
    Database { admin_url: String, name: String },
}

/// Replaces the database name in a PostgreSQL URL.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map_or(base.len(), |i| i + scheme_end);
    let mut result = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        result.push('?');
        result.push_str(query);
    }
    result
}

fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

impl TestDatabase {
    /// A new SQLite database file in its own temporary folder.
    pub fn sqlite() -> TestDatabase {
        let folder = std::env::temp_dir().join(unique_name("redress-test"));
        std::fs::create_dir_all(&folder).expect("create a temporary folder");
        let url = format!("sqlite://{}", folder.join("redress.db").display());
        TestDatabase { url, engine: Engine::Sqlite, cleanup: Cleanup::Folder(folder) }
    }

    /// A new, empty PostgreSQL database, or `None` when `REDRESS_TEST_POSTGRES_URL` is not set.
    /// Panics when it is set but the server cannot be used, and under `CI` when it is not set: a
    /// configured engine must not be skipped silently, and CI always tests both.
    pub async fn postgres() -> Option<TestDatabase> {
        let configured = std::env::var(POSTGRES_URL_VARIABLE).ok().filter(|u| !u.trim().is_empty());
        let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        if configured.is_none() && in_ci {
            panic!("CI is set but {POSTGRES_URL_VARIABLE} is not: the PostgreSQL half of a two-engine test cannot be skipped in CI");
        }
        let admin_url = configured?;
        Some(Self::postgres_on(&admin_url).await)
    }

    /// A new, empty database on the PostgreSQL server named by `admin_url`; panics when the
    /// server cannot be used.
    pub async fn postgres_on(admin_url: &str) -> TestDatabase {
        let admin_url = admin_url.to_string();
        let name = unique_name("redress_test");
        let mut connection = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_URL_VARIABLE} is set but the server refused: {e}"));
        connection.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create a test database");
        let _ = connection.close().await;
        TestDatabase {
            url: with_database(&admin_url, &name),
            engine: Engine::Postgres,
            cleanup: Cleanup::Database { admin_url, name },
        }
    }

    /// The engine's database, or `None` (PostgreSQL not configured).
    pub async fn of(engine: Engine) -> Option<TestDatabase> {
        match engine {
            Engine::Sqlite => Some(TestDatabase::sqlite()),
            Engine::Postgres => TestDatabase::postgres().await,
        }
    }

    /// Opens the store on this database, applying migrations.
    pub async fn open(&self) -> SqlStore {
        SqlStore::open(&self.url, StoreOptions::default()).await.expect("open the test store")
    }

    /// The folder holding the SQLite file (`None` on PostgreSQL).
    pub fn folder(&self) -> Option<&PathBuf> {
        match &self.cleanup {
            Cleanup::Folder(folder) => Some(folder),
            Cleanup::Database { .. } => None,
        }
    }
}

/// Drops the triggers that keep the audit trail append-only, as the database's owner can: tests
/// use it to play an insider who edits, rolls back or rewrites the trail with raw SQL.
pub async fn drop_audit_guards(store: &SqlStore) {
    let statements: &[&str] = match store.engine_kind() {
        Engine::Sqlite => &[
            "DROP TRIGGER IF EXISTS audit_log_no_update",
            "DROP TRIGGER IF EXISTS audit_log_no_delete",
            "DROP TRIGGER IF EXISTS audit_head_no_delete",
            "DROP TRIGGER IF EXISTS audit_head_only_forward",
        ],
        Engine::Postgres => &[
            "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
            "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
            "DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_head",
            "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head",
            "DROP TRIGGER IF EXISTS audit_head_only_forward ON audit_head",
        ],
    };
    for statement in statements {
        store.pool().execute(*statement).await.expect("drop an audit trigger");
    }
}

/// The tables migration 0050 guards against out-of-range values (its CHECK constraints on
/// PostgreSQL, its triggers on SQLite).
pub const VALUE_GUARDED_TABLES: &[&str] = &[
    "institutions",
    "ledger_accounts",
    "ledger_transfers",
    "cases",
    "case_stage_changes",
    "order_items",
    "order_payments",
    "assets",
    "asset_moves",
    "asset_valuations",
    "asset_leases",
    "claims",
    "allocation_rounds",
    "allocation_lines",
    "payment_batches",
    "batch_lines",
    // migration 0060
    "alerts",
    "alert_changes",
];

/// Drops the guards of migration 0050, as the database's owner can: tests use it to play a
/// hand edit that writes a value the domain does not know.
pub async fn drop_value_guards(store: &SqlStore) {
    for table in VALUE_GUARDED_TABLES {
        let statements = match store.engine_kind() {
            Engine::Sqlite => vec![
                format!("DROP TRIGGER IF EXISTS {table}_values_insert"),
                format!("DROP TRIGGER IF EXISTS {table}_values_update"),
            ],
            Engine::Postgres => vec![format!("ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {table}_values")],
        };
        for statement in statements {
            store.pool().execute(statement.as_str()).await.expect("drop a value guard");
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Folder(folder) => {
                let _ = std::fs::remove_dir_all(folder);
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop may run inside an async runtime; a thread with its own runtime avoids
                // blocking (or nesting) it.
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                    runtime.block_on(async move {
                        let mut connection = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                        connection
                            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                            .await
                            .ok()?;
                        connection.close().await.ok()
                    })
                })
                .join();
                if !matches!(dropped, Ok(Some(()))) {
                    eprintln!("warning: could not drop the test database");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_in_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "t2"),
            "postgres://u:p@h/t2?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:5432", "t3"), "postgres://h:5432/t3");
    }
}
