//! # redress-store — SQLite and PostgreSQL behind the app's storage traits
//!
//! One SQL implementation ([`SqlStore`]) runs on both engines through sqlx's `Any` driver, so the
//! two cannot drift apart in behaviour; what differs between the engines is isolated and small:
//!
//! | concern | SQLite | PostgreSQL |
//! |---|---|---|
//! | schema | `migrations/sqlite` | `migrations/postgres` |
//! | connection set-up | WAL, `synchronous=FULL`, busy timeout, foreign keys | `lock_timeout` |
//! | write transaction | `BEGIN IMMEDIATE` | `BEGIN` + transaction-level advisory lock |
//! | read transaction | `BEGIN` (snapshot from the first read) | `REPEATABLE READ, READ ONLY` |
//!
//! Write transactions are serialized on both engines (see `redress-app`), which keeps the audit
//! hash chain in one order and rules out write skew. The conformance suite in `tests/` runs every
//! storage behaviour against SQLite always and PostgreSQL when `REDRESS_TEST_POSTGRES_URL` is set.
//!
//! SQL is written once with `$1` placeholders, which both drivers accept. Instants are stored as
//! BIGINT microseconds; sums are cast to BIGINT because PostgreSQL widens `SUM(bigint)` to NUMERIC.
//! Migrations are embedded in the binary and append-only: never edit one that has landed.

mod alerts;
mod assets;
mod backup;
mod cases;
mod claims;
mod fund;
mod ledger;
mod lists;
mod migrations;
mod orders;
mod page_reads;
mod privileges;
mod record_lists;
mod sql;
mod summary;
pub mod testing;
mod users;
mod victims;

pub use ledger::insert_chunk;
pub use privileges::AuditPrivileges;
pub use sql::{SqlStore, StoreOptions};
