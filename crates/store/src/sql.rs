//! The SQL implementation of the storage traits, for both engines.

use std::time::Duration;

use async_trait::async_trait;
use redress_app::settings::{engine_of, Engine};
use redress_app::store::{
    AccountReads, AccountWrites, AuditReads, AuditWrites, IdempotencyRecord, IdempotentResponse, Institution,
    NewUser, Page, ReadTx, SessionRecord, Store, StoreError, StoreResult, UserRecord, WriteTx,
};
use redress_domain::audit::{chain, AuditEvent, AuditRecord};
use redress_domain::{FieldError, InstitutionId, InstitutionKind, Role, Timestamp, UserId};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Connection, Executor, Row, Transaction};

/// The advisory-lock key that serializes write transactions on PostgreSQL ("REDRESS" in ASCII).
const WRITE_LOCK_KEY: i64 = 0x52_4544_5245_5353;

/// Connection settings the store needs from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    pub connections_max: u32,
    pub busy_timeout_ms: u64,
    /// For a bulk load (the demo seed) only: a commit is not flushed to disk before it returns
    /// (SQLite `synchronous = NORMAL` under WAL, flushed at checkpoints; PostgreSQL
    /// `synchronous_commit = off`). Every transaction stays atomic and consistent; a power loss
    /// may lose the last commits, which a seed simply runs again.
    pub bulk_load: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { connections_max: 8, busy_timeout_ms: 5_000, bulk_load: false }
    }
}

/// Creates a missing SQLite database file owner-only (0600) before SQLite opens it, whatever the
/// folder and the umask; SQLite gives its `-wal` and `-shm` files the database file's mode.
fn create_private_database_file(url: &str) -> StoreResult<()> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(':') || url.contains("mode=memory") {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        // A folder that does not exist: let SQLite report it in its own words.
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(StoreError::Other(format!("cannot create the database file {path}: {error}"))),
    }
}

/// Storage on SQLite or PostgreSQL, chosen by the URL's scheme.
#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    /// The connection write transactions use (see [`SqlStore::connect`]).
    writer: AnyPool,
    engine: Engine,
    /// Writers of this process queue here, in order, before they take a connection and the
    /// database's write lock: waiting neither holds a connection readers need nor polls SQLite's
    /// busy handler (which sleeps up to 100 ms between tries).
    write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// How long a writer waits at the gate before the store answers "busy".
    gate_timeout: Duration,
}

pub(crate) fn classify(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Database(database_error) => {
            if database_error.is_unique_violation() {
                StoreError::Conflict(FieldError::new(
                    database_error.constraint().unwrap_or("record"),
                    "already exists",
                ))
            } else {
                let message = database_error.message().to_string();
                // SQLITE_BUSY after the busy timeout; PostgreSQL lock_timeout (55P03).
                if message.contains("database is locked") || database_error.code().as_deref() == Some("55P03")
                {
                    StoreError::Unavailable(format!("the database is busy: {message}"))
                } else {
                    StoreError::Other(message)
                }
            }
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
            StoreError::Unavailable(error.to_string())
        }
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) | sqlx::Error::ColumnNotFound(_) => {
            StoreError::Corrupt(error.to_string())
        }
        other => StoreError::Other(other.to_string()),
    }
}

/// A pool of at most `max` connections, each set up for its engine.
async fn connect_pool(url: &str, engine: Engine, options: StoreOptions, max: u32) -> StoreResult<AnyPool> {
    let busy_timeout_ms = options.busy_timeout_ms;
    let bulk_load = options.bulk_load;
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_millis(busy_timeout_ms.max(1_000) * 2))
        .after_connect(move |connection, _meta| {
            Box::pin(async move {
                let statements = match engine {
                    Engine::Sqlite => vec![
                        "PRAGMA journal_mode = WAL".to_string(),
                        format!("PRAGMA synchronous = {}", if bulk_load { "NORMAL" } else { "FULL" }),
                        "PRAGMA foreign_keys = ON".to_string(),
                        format!("PRAGMA busy_timeout = {busy_timeout_ms}"),
                    ],
                    Engine::Postgres => vec![
                        format!("SET lock_timeout = {busy_timeout_ms}"),
                        "SET application_name = 'redress'".to_string(),
                    ],
                };
                let bulk =
                    (bulk_load && engine == Engine::Postgres).then_some("SET synchronous_commit = off");
                for statement in statements.iter().map(String::as_str).chain(bulk) {
                    connection.execute(statement).await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
        .map_err(classify)
}

impl SqlStore {
    /// Connects (creating an SQLite file if needed) and applies pending migrations.
    pub async fn open(url: &str, options: StoreOptions) -> StoreResult<SqlStore> {
        let store = Self::connect(url, options).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str, options: StoreOptions) -> StoreResult<SqlStore> {
        sqlx::any::install_default_drivers();
        let engine = engine_of(url).ok_or_else(|| {
            StoreError::Other("the database URL must start with sqlite:// or postgres://".into())
        })?;
        let url = match engine {
            Engine::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_string(),
        };
        if engine == Engine::Sqlite {
            create_private_database_file(&url)?;
        }
        let pool = connect_pool(&url, engine, options, options.connections_max).await?;
        // Write transactions run one at a time: on a connection of their own, so that a writer
        // never waits behind readers for a connection while every other writer waits for it.
        // (An in-memory SQLite database exists once per connection: there, the same pool.)
        let writer = if url.contains("mode=memory") {
            pool.clone()
        } else {
            connect_pool(&url, engine, options, 1).await?
        };
        let gate_timeout = Duration::from_millis(options.busy_timeout_ms.max(1_000) * 2);
        Ok(SqlStore { pool, writer, engine, write_gate: Default::default(), gate_timeout })
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        let migrator = crate::migrations::migrator(self.engine);
        // A role that owns nothing (the recommended PostgreSQL set-up, see docs/security.md) may
        // not even create the bookkeeping table sqlx makes sure of: when every migration is
        // applied already, there is nothing to run.
        if self.engine == Engine::Postgres && self.migrations_applied(&migrator).await? {
            return Ok(());
        }
        migrator.run(&self.pool).await.map_err(|error| {
            StoreError::Other(format!(
                "migration failed: {error} (on PostgreSQL, pending migrations run as the tables' owner: \
                 `redress init` with the owner's database URL)"
            ))
        })
    }

    /// Whether every migration is recorded as applied, with the same checksum.
    async fn migrations_applied(&self, migrator: &sqlx::migrate::Migrator) -> StoreResult<bool> {
        let exists: bool = sqlx::query("SELECT to_regclass('_sqlx_migrations') IS NOT NULL AS present")
            .fetch_one(&self.pool)
            .await
            .map_err(classify)
            .and_then(|row| get(&row, "present"))?;
        if !exists {
            return Ok(false);
        }
        let rows = sqlx::query("SELECT version, checksum FROM _sqlx_migrations WHERE success")
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        let mut applied = std::collections::HashMap::new();
        for row in &rows {
            applied.insert(get::<i64>(row, "version")?, get::<Vec<u8>>(row, "checksum")?);
        }
        Ok(migrator.iter().all(|m| applied.get(&m.version).is_some_and(|c| c[..] == m.checksum[..])))
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn engine_kind(&self) -> Engine {
        self.engine
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for SqlStore {
    fn engine(&self) -> &'static str {
        match self.engine {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }

    async fn ping(&self) -> StoreResult<()> {
        let mut connection = self.pool.acquire().await.map_err(classify)?;
        connection.ping().await.map_err(classify)
    }

    async fn read(&self) -> StoreResult<Box<dyn ReadTx>> {
        let tx = match self.engine {
            Engine::Sqlite => self.pool.begin().await,
            Engine::Postgres => {
                self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await
            }
        }
        .map_err(classify)?;
        Ok(Box::new(SqlTx { tx, engine: self.engine, _gate: None }))
    }

    async fn write(&self) -> StoreResult<Box<dyn WriteTx>> {
        let gate = tokio::time::timeout(self.gate_timeout, self.write_gate.clone().lock_owned())
            .await
            .map_err(|_| StoreError::Unavailable("the database is busy: too many writers waiting".into()))?;
        let tx = match self.engine {
            Engine::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(classify)?,
            Engine::Postgres => {
                let mut tx = self.writer.begin().await.map_err(classify)?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK_KEY)
                    .execute(&mut *tx)
                    .await
                    .map_err(classify)?;
                tx
            }
        };
        Ok(Box::new(SqlTx { tx, engine: self.engine, _gate: Some(gate) }))
    }
}

/// A transaction on either engine. Dropped without commit, it rolls back.
pub struct SqlTx {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) engine: Engine,
    /// A write transaction's place at the gate, released when it commits or drops.
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl ReadTx for SqlTx {}

#[async_trait]
impl WriteTx for SqlTx {
    /// Commits; inside a request sent with an idempotency key, the key is stamped `applied` in
    /// the same transaction as the work (see `redress_app::idempotency`), so that no crash can
    /// separate the work from the knowledge that it was done.
    async fn commit(mut self: Box<Self>) -> StoreResult<()> {
        if let Some(in_use) = redress_app::idempotency::current() {
            let now = time::OffsetDateTime::now_utc();
            let micros = i64::try_from(now.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX);
            sqlx::query(
                "UPDATE idempotency_keys SET applied_at = $1 \
                 WHERE user_id = $2 AND key = $3 AND status = 0 AND applied_at IS NULL",
            )
            .bind(micros)
            .bind(in_use.user.0)
            .bind(in_use.key)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        }
        self.tx.commit().await.map_err(classify)
    }
}

pub(crate) fn get<T>(row: &AnyRow, column: &str) -> StoreResult<T>
where
    T: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    row.try_get(column).map_err(classify)
}

/// A stored name parsed into its domain type: an unknown value is corruption, not bad input.
pub(crate) fn typed<T>(row: &AnyRow, column: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
    let text: String = get(row, column)?;
    parse(&text).ok_or_else(|| StoreError::Corrupt(format!("{column} {text:?}")))
}

pub(crate) fn maybe_typed<T>(
    row: &AnyRow,
    column: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> StoreResult<Option<T>> {
    match get::<Option<String>>(row, column)? {
        None => Ok(None),
        Some(text) => parse(&text).map(Some).ok_or_else(|| StoreError::Corrupt(format!("{column} {text:?}"))),
    }
}

/// The parser of a closed set of names: exactly one of `all` by its stored name, nothing else
/// (no trimming, no case folding: the database holds what `as_str` wrote).
pub(crate) fn named<T: Copy>(all: &'static [T], as_str: fn(T) -> &'static str) -> impl Fn(&str) -> Option<T> {
    move |text| all.iter().copied().find(|value| as_str(*value) == text)
}

fn institution_from(row: &AnyRow) -> StoreResult<Institution> {
    let kind: String = get(row, "kind")?;
    Ok(Institution {
        id: InstitutionId(get(row, "id")?),
        name: get(row, "name")?,
        kind: InstitutionKind::parse(&kind).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        created_at: Timestamp::from_unix_micros(get(row, "created_at")?),
    })
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.institution_id, i.name AS institution, \
     u.password_hash, u.created_at, u.password_changed_at, u.deactivated_at, u.must_change_password";

impl SqlTx {
    async fn roles_of(&mut self, user: UserId) -> StoreResult<Vec<Role>> {
        let rows = sqlx::query("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
            .bind(user.0)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        let mut roles = Vec::with_capacity(rows.len());
        for row in &rows {
            let name: String = get(row, "role")?;
            roles.push(Role::parse(&name).map_err(|e| StoreError::Corrupt(e.to_string()))?);
        }
        roles.sort();
        Ok(roles)
    }

    async fn user_from(&mut self, row: &AnyRow) -> StoreResult<UserRecord> {
        let id = UserId(get(row, "id")?);
        Ok(UserRecord {
            id,
            username: get(row, "username")?,
            display_name: get(row, "display_name")?,
            institution_id: InstitutionId(get(row, "institution_id")?),
            institution: get(row, "institution")?,
            roles: self.roles_of(id).await?,
            password_hash: get(row, "password_hash")?,
            created_at: Timestamp::from_unix_micros(get(row, "created_at")?),
            password_changed_at: Timestamp::from_unix_micros(get(row, "password_changed_at")?),
            deactivated_at: get::<Option<i64>>(row, "deactivated_at")?.map(Timestamp::from_unix_micros),
            must_change_password: get::<i64>(row, "must_change_password")? != 0,
        })
    }

    async fn one_user(&mut self, filter: &str, bind: UserKey<'_>) -> StoreResult<Option<UserRecord>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u JOIN institutions i ON i.id = u.institution_id WHERE {filter}"
        );
        let query = sqlx::query(&sql);
        let query = match bind {
            UserKey::Id(id) => query.bind(id),
            UserKey::Name(name) => query.bind(name.to_string()),
        };
        let row = query.fetch_optional(&mut *self.tx).await.map_err(classify)?;
        match row {
            Some(row) => Ok(Some(self.user_from(&row).await?)),
            None => Ok(None),
        }
    }
}

enum UserKey<'a> {
    Id(i64),
    Name(&'a str),
}

#[async_trait]
impl AccountReads for SqlTx {
    async fn institution_by_name(&mut self, name: &str) -> StoreResult<Option<Institution>> {
        let row = sqlx::query("SELECT id, name, kind, created_at FROM institutions WHERE name = $1")
            .bind(name.to_string())
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(classify)?;
        row.as_ref().map(institution_from).transpose()
    }

    async fn institution_by_id(&mut self, id: InstitutionId) -> StoreResult<Option<Institution>> {
        let row = sqlx::query("SELECT id, name, kind, created_at FROM institutions WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(classify)?;
        row.as_ref().map(institution_from).transpose()
    }

    async fn institutions(&mut self, page: Page) -> StoreResult<Vec<Institution>> {
        let rows = sqlx::query(
            "SELECT id, name, kind, created_at FROM institutions WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(page.after.unwrap_or(0))
        .bind(page.limit)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(classify)?;
        rows.iter().map(institution_from).collect()
    }

    async fn user_count(&mut self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&mut *self.tx)
            .await
            .map_err(classify)?;
        get(&row, "n")
    }

    async fn user_by_username(&mut self, username: &str) -> StoreResult<Option<UserRecord>> {
        self.one_user("u.username = $1", UserKey::Name(username)).await
    }

    async fn user_by_id(&mut self, id: UserId) -> StoreResult<Option<UserRecord>> {
        self.one_user("u.id = $1", UserKey::Id(id.0)).await
    }

    async fn users(&mut self, page: Page) -> StoreResult<Vec<UserRecord>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u JOIN institutions i ON i.id = u.institution_id \
             WHERE u.id > $1 ORDER BY u.id LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(page.after.unwrap_or(0))
            .bind(page.limit)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        let mut users = Vec::with_capacity(rows.len());
        for row in &rows {
            users.push(self.user_from(row).await?);
        }
        Ok(users)
    }

    async fn session(&mut self, id: &str) -> StoreResult<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT id, user_id, csrf_token, created_at, expires_at, last_seen_at, client_address, user_agent \
             FROM sessions WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(classify)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SessionRecord {
            id: get(&row, "id")?,
            user_id: UserId(get(&row, "user_id")?),
            csrf_token: get(&row, "csrf_token")?,
            created_at: Timestamp::from_unix_micros(get(&row, "created_at")?),
            expires_at: Timestamp::from_unix_micros(get(&row, "expires_at")?),
            last_seen_at: Timestamp::from_unix_micros(get(&row, "last_seen_at")?),
            client_address: get(&row, "client_address")?,
            user_agent: get(&row, "user_agent")?,
        }))
    }

    async fn login_failures_since(&mut self, key: &str, since: Timestamp) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM login_failures WHERE subject = $1 AND at >= $2")
            .bind(key.to_string())
            .bind(since.unix_micros())
            .fetch_one(&mut *self.tx)
            .await
            .map_err(classify)?;
        get(&row, "n")
    }

    async fn idempotency_key(&mut self, user: UserId, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        let row = sqlx::query(
            "SELECT request_hash, status, content_type, body, lease_until, applied_at FROM idempotency_keys \
             WHERE user_id = $1 AND key = $2",
        )
        .bind(user.0)
        .bind(key.to_string())
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(classify)?;
        row.map(|row| {
            let status: i64 = get(&row, "status")?;
            let applied_at: Option<i64> = get(&row, "applied_at")?;
            Ok(IdempotencyRecord {
                response: IdempotentResponse {
                    request_hash: get(&row, "request_hash")?,
                    status: u16::try_from(status)
                        .map_err(|_| StoreError::Corrupt(format!("status {status}")))?,
                    content_type: get(&row, "content_type")?,
                    body: get(&row, "body")?,
                },
                lease_until: Timestamp::from_unix_micros(get(&row, "lease_until")?),
                applied_at: applied_at.map(Timestamp::from_unix_micros),
            })
        })
        .transpose()
    }

    async fn user_locale(&mut self, user: UserId) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT locale FROM user_preferences WHERE user_id = $1")
            .bind(user.0)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(classify)?;
        row.map(|row| get(&row, "locale")).transpose()
    }
}

#[async_trait]
impl AccountWrites for SqlTx {
    async fn insert_institution(
        &mut self,
        name: &str,
        kind: InstitutionKind,
        at: Timestamp,
    ) -> StoreResult<InstitutionId> {
        let row =
            sqlx::query("INSERT INTO institutions (name, kind, created_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(name.to_string())
                .bind(kind.as_str())
                .bind(at.unix_micros())
                .fetch_one(&mut *self.tx)
                .await
                .map_err(classify)?;
        Ok(InstitutionId(get(&row, "id")?))
    }

    async fn insert_user(&mut self, user: &NewUser) -> StoreResult<UserId> {
        let row = sqlx::query(
            "INSERT INTO users (username, display_name, institution_id, password_hash, created_at, password_changed_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(user.username.clone())
        .bind(user.display_name.clone())
        .bind(user.institution_id.0)
        .bind(user.password_hash.clone())
        .bind(user.created_at.unix_micros())
        .fetch_one(&mut *self.tx)
        .await
        .map_err(classify)?;
        let id: i64 = get(&row, "id")?;
        for role in &user.roles {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind(id)
                .bind(role.as_str())
                .execute(&mut *self.tx)
                .await
                .map_err(classify)?;
        }
        Ok(UserId(id))
    }

    async fn set_password_hash(&mut self, user: UserId, hash: &str, at: Timestamp) -> StoreResult<()> {
        sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
            .bind(hash.to_string())
            .bind(at.unix_micros())
            .bind(user.0)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn insert_session(&mut self, session: &SessionRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at, last_seen_at, client_address, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(session.id.clone())
        .bind(session.user_id.0)
        .bind(session.csrf_token.clone())
        .bind(session.created_at.unix_micros())
        .bind(session.expires_at.unix_micros())
        .bind(session.last_seen_at.unix_micros())
        .bind(session.client_address.clone())
        .bind(session.user_agent.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn touch_session(&mut self, id: &str, at: Timestamp) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1")
            .bind(at.unix_micros())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn delete_session(&mut self, id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_sessions_of_user(&mut self, user: UserId, keep: Option<&str>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user.0)
            .bind(keep.unwrap_or("").to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(done.rows_affected())
    }

    async fn delete_sessions_expired(&mut self, now: Timestamp, idle_before: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now.unix_micros())
            .bind(idle_before.unix_micros())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(done.rows_affected())
    }

    async fn record_login_failure(&mut self, key: &str, at: Timestamp) -> StoreResult<()> {
        sqlx::query("INSERT INTO login_failures (subject, at) VALUES ($1, $2)")
            .bind(key.to_string())
            .bind(at.unix_micros())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn claim_idempotency_key(
        &mut self,
        user: UserId,
        key: &str,
        request_hash: &str,
        at: Timestamp,
        lease_until: Timestamp,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, status, created_at, lease_until) \
             VALUES ($1, $2, $3, 0, $4, $5) ON CONFLICT (user_id, key) DO NOTHING",
        )
        .bind(user.0)
        .bind(key.to_string())
        .bind(request_hash.to_string())
        .bind(at.unix_micros())
        .bind(lease_until.unix_micros())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(done.rows_affected() == 1)
    }

    async fn take_over_idempotency_key(
        &mut self,
        user: UserId,
        key: &str,
        expired: Timestamp,
        lease_until: Timestamp,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE idempotency_keys SET lease_until = $1 \
             WHERE user_id = $2 AND key = $3 AND status = 0 AND applied_at IS NULL AND lease_until = $4",
        )
        .bind(lease_until.unix_micros())
        .bind(user.0)
        .bind(key.to_string())
        .bind(expired.unix_micros())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(done.rows_affected() == 1)
    }

    async fn end_idempotency_lease(&mut self, user: UserId, key: &str, at: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "UPDATE idempotency_keys SET lease_until = $1 WHERE user_id = $2 AND key = $3 AND status = 0",
        )
        .bind(at.unix_micros())
        .bind(user.0)
        .bind(key.to_string())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn finish_idempotency_key(
        &mut self,
        user: UserId,
        key: &str,
        r: &IdempotentResponse,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE idempotency_keys SET status = $1, content_type = $2, body = $3 WHERE user_id = $4 AND key = $5")
            .bind(i64::from(r.status))
            .bind(r.content_type.clone())
            .bind(r.body.clone())
            .bind(user.0)
            .bind(key.to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn release_unapplied_idempotency_key(&mut self, user: UserId, key: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND applied_at IS NULL",
        )
        .bind(user.0)
        .bind(key.to_string())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_idempotency_keys_before(&mut self, before: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(before.unix_micros())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(done.rows_affected())
    }

    async fn set_user_locale(&mut self, user: UserId, locale: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO user_preferences (user_id, locale) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET locale = excluded.locale",
        )
        .bind(user.0)
        .bind(locale.to_string())
        .execute(&mut *self.tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn clear_login_failures(&mut self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE subject = $1")
            .bind(key.to_string())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn delete_login_failures_before(&mut self, before: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(before.unix_micros())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(done.rows_affected())
    }
}

pub(crate) const AUDIT_COLUMNS: &str =
    "seq, at, actor_user_id, actor, institution, action, target_type, target_id, \
     purpose, request_id, details, prev_hash, hash";

pub(crate) fn audit_from_row(row: &AnyRow) -> StoreResult<AuditRecord> {
    Ok(AuditRecord {
        seq: get(row, "seq")?,
        event: AuditEvent {
            at: Timestamp::from_unix_micros(get(row, "at")?),
            actor_user_id: get(row, "actor_user_id")?,
            actor: get(row, "actor")?,
            institution: get(row, "institution")?,
            action: get(row, "action")?,
            target_type: get(row, "target_type")?,
            target_id: get(row, "target_id")?,
            purpose: get(row, "purpose")?,
            request_id: get(row, "request_id")?,
            details: get(row, "details")?,
        },
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}

#[async_trait]
impl AuditReads for SqlTx {
    async fn audit_newest(&mut self, before: Option<i64>, limit: i64) -> StoreResult<Vec<AuditRecord>> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(classify)?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn audit_from(&mut self, from: i64, limit: i64) -> StoreResult<Vec<AuditRecord>> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2");
        let rows =
            sqlx::query(&sql).bind(from).bind(limit).fetch_all(&mut *self.tx).await.map_err(classify)?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn audit_head(&mut self) -> StoreResult<Option<(i64, String)>> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(classify)?;
        row.map(|row| Ok((get(&row, "seq")?, get(&row, "hash")?))).transpose()
    }
}

#[async_trait]
impl AuditWrites for SqlTx {
    async fn append_audit(&mut self, event: AuditEvent) -> StoreResult<AuditRecord> {
        let head = self.audit_head().await?;
        let record = chain(head.as_ref().map(|(seq, hash)| (*seq, hash.as_str())), event)
            .map_err(|full| StoreError::Other(full.to_string()))?;
        let sql = format!(
            "INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        );
        let event = &record.event;
        sqlx::query(&sql)
            .bind(record.seq)
            .bind(event.at.unix_micros())
            .bind(event.actor_user_id)
            .bind(event.actor.clone())
            .bind(event.institution.clone())
            .bind(event.action.clone())
            .bind(event.target_type.clone())
            .bind(event.target_id.clone())
            .bind(event.purpose.clone())
            .bind(event.request_id.clone())
            .bind(event.details.clone())
            .bind(record.prev_hash.clone())
            .bind(record.hash.clone())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        let head_sql = if head.is_some() {
            "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1"
        } else {
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2)"
        };
        sqlx::query(head_sql)
            .bind(record.seq)
            .bind(record.hash.clone())
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(record)
    }
}
