//! Embedded, append-only migrations, one list per engine. Add a file to both folders and a line
//! to both lists; never change a file that has landed (sqlx refuses a changed checksum).

use std::borrow::Cow;

use redress_app::settings::Engine;
use sqlx::migrate::{Migration, MigrationType, Migrator};

macro_rules! migrations {
    ($engine:literal: $($version:literal $name:literal),* $(,)?) => {
        vec![$(Migration::new(
            $version,
            Cow::Borrowed($name),
            MigrationType::Simple,
            Cow::Borrowed(include_str!(concat!("../migrations/", $engine, "/", $name, ".sql"))),
            false,
        )),*]
    };
}

pub(crate) fn migrator(engine: Engine) -> Migrator {
    let migrations = match engine {
        Engine::Sqlite => {
            migrations!("sqlite": 1 "0001_foundation", 2 "0002_ledger", 3 "0003_victims", 4 "0004_cases", 5 "0005_orders", 6 "0006_assets", 7 "0007_claims", 8 "0008_preferences", 9 "0009_idempotency", 10 "0010_payment_safety", 11 "0011_value_dates", 12 "0012_idempotency_leases", 20 "0020_audit_append_only", 21 "0021_asset_agency_reference_unique", 22 "0022_user_administration", 30 "0030_scale_indexes", 40 "0040_fund_details")
        }
        Engine::Postgres => {
            migrations!("postgres": 1 "0001_foundation", 2 "0002_ledger", 3 "0003_victims", 4 "0004_cases", 5 "0005_orders", 6 "0006_assets", 7 "0007_claims", 8 "0008_preferences", 9 "0009_idempotency", 10 "0010_payment_safety", 11 "0011_value_dates", 12 "0012_idempotency_leases", 20 "0020_audit_append_only", 21 "0021_asset_agency_reference_unique", 22 "0022_user_administration", 30 "0030_scale_indexes", 40 "0040_fund_details")
        }
    };
    // `Migrator` has no public constructor from a list; its fields are what `sqlx::migrate!`
    // fills in. Building it here avoids compiling sqlx's macros (and a second SQLite for the
    // host) just to embed a few files.
    Migrator { migrations: Cow::Owned(migrations), ignore_missing: false, locking: true, no_tx: false }
}
