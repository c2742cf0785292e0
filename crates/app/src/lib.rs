//! # redress-app — the use cases
//!
//! Every capability of Redress is a method on [`App`] that takes an [`Actor`] (who is acting),
//! checks the actor's permission against a [`redress_domain::Policy`], and runs in one unit of
//! work that writes the state and its audit entry together: if the audit write fails, nothing is
//! written. The storage traits the use cases need are defined here ([`store`]) and implemented by
//! `redress-store` for SQLite and PostgreSQL.
//!
//! Design decisions:
//! - **Write transactions are serialized.** The audit trail is a hash chain, so its entries have
//!   one total order; the store therefore admits one write transaction at a time (SQLite's
//!   `BEGIN IMMEDIATE`, a PostgreSQL transaction-level advisory lock). This also rules out write
//!   skew in money movements, as a single-writer ledger such as TigerBeetle does. Reads run in
//!   parallel. A fund's write volume (thousands a day) is far below this design's limit.
//! - **Check, then write, inside the lock.** Because writers are serialized, "does this username
//!   exist? then insert" is race-free on both engines; unique constraints remain as a backstop.
//! - **Slow, CPU-bound work (Argon2id) runs on the blocking pool**, never on the async workers.
//! - **Nothing here reads the environment or the clock directly**: time comes from [`Clock`], so
//!   tests can move it.

#![deny(clippy::arithmetic_side_effects)]

pub mod accounts;
pub mod actor;
pub mod alerts;
pub mod appeals;
pub mod asset_money;
pub mod assets;
pub mod audit;
pub mod bank_results;
pub mod case_lists;
pub mod cases;
pub mod checkpoint;
pub mod claims;
pub mod clock;
pub mod error;
pub mod fund;
pub mod idempotency;
pub mod identity;
pub mod import;
pub mod ledger;
pub mod lists;
pub mod orders;
pub mod password;
pub mod payments;
pub mod protect;
pub mod public;
pub mod receipts;
pub mod record_lists;
pub mod recoveries;
pub mod scope;
pub mod settings;
pub mod statistics;
pub mod store;
pub mod summary;
pub mod users;
pub mod verify;
pub mod victim_file;
pub mod victims;

use std::sync::Arc;

pub use actor::{Actor, RequestContext};
pub use clock::{Clock, SystemClock};
pub use error::AppError;
pub use settings::Settings;
pub use store::Store;

/// The application: the store, the settings and the clock, shared by every request.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    /// The data keys protecting victims' identity; `None` where no victim is handled (tools).
    pub keys: Option<Arc<protect::KeyRing>>,
    /// The key that signs audit checkpoints; `None` where none are made (tests, tools).
    pub audit_signer: Option<Arc<checkpoint::AuditSigner>>,
    /// The fund's time zone (`fund.time_zone`): its calendar decides "today".
    time_zone: jiff::tz::TimeZone,
}

impl App {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        Self {
            store,
            time_zone: settings.time_zone(),
            settings: Arc::new(settings),
            clock: Arc::new(SystemClock),
            keys: None,
            audit_signer: None,
        }
    }

    pub fn with_keys(mut self, keys: protect::KeyRing) -> Self {
        self.keys = Some(Arc::new(keys));
        self
    }

    pub fn with_audit_signer(mut self, signer: checkpoint::AuditSigner) -> Self {
        self.audit_signer = Some(Arc::new(signer));
        self
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The fund's calendar day at `at`, in its time zone: what "today" means for deadlines,
    /// value dates and dates typed as past (at 20:00 in Lima it is already tomorrow in UTC).
    pub fn local_date(&self, at: redress_domain::Timestamp) -> time::Date {
        let offset = jiff::Timestamp::from_microsecond(at.unix_micros())
            .map_or(0, |instant| self.time_zone.to_offset(instant).seconds());
        at.date_at_offset(offset)
    }

    /// When `date` begins in the fund's time zone (at the offset it has at that day's UTC
    /// midnight: an hour off at most on a day the clocks change).
    pub fn local_midnight(&self, date: time::Date) -> redress_domain::Timestamp {
        let utc = redress_domain::Timestamp::from_datetime(date.midnight().assume_utc());
        let offset = jiff::Timestamp::from_microsecond(utc.unix_micros())
            .map_or(0, |instant| self.time_zone.to_offset(instant).seconds());
        let micros = i64::from(offset).saturating_mul(1_000_000);
        redress_domain::Timestamp::from_unix_micros(utc.unix_micros().saturating_sub(micros))
    }

    /// The fund's calendar day now.
    pub fn today(&self) -> time::Date {
        self.local_date(self.clock.now())
    }

    /// An amount as people read it in a message: `S/ 5,500.00`.
    pub fn money(&self, amount: redress_domain::Amount, currency: redress_domain::Currency) -> String {
        amount.display(currency)
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn health(&self) -> Result<(), AppError> {
        self.store.ping().await.map_err(AppError::from)
    }
}
