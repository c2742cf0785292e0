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
            migrations!("sqlite": 1 "0001_foundation", 2 "0002_ledger", 3 "0003_victims", 4 "0004_cases", 5 "0005_orders", 6 "0006_assets", 7 "0007_claims", 8 "0008_preferences", 9 "0009_idempotency", 10 "0010_payment_safety", 11 "0011_value_dates", 12 "0012_idempotency_leases", 20 "0020_audit_append_only", 21 "0021_asset_agency_reference_unique", 22 "0022_user_administration", 30 "0030_scale_indexes", 31 "0031_asset_pipeline_indexes", 32 "0032_ledger_time_seq", 40 "0040_fund_details", 45 "0045_page_list_indexes", 50 "0050_value_checks", 55 "0055_record_lists", 56 "0056_returned_payments", 60 "0060_alerts", 65 "0065_ledger_month_flows", 66 "0066_maintained_counts")
        }
        Engine::Postgres => {
            migrations!("postgres": 1 "0001_foundation", 2 "0002_ledger", 3 "0003_victims", 4 "0004_cases", 5 "0005_orders", 6 "0006_assets", 7 "0007_claims", 8 "0008_preferences", 9 "0009_idempotency", 10 "0010_payment_safety", 11 "0011_value_dates", 12 "0012_idempotency_leases", 20 "0020_audit_append_only", 21 "0021_asset_agency_reference_unique", 22 "0022_user_administration", 30 "0030_scale_indexes", 31 "0031_asset_pipeline_indexes", 32 "0032_ledger_time_seq", 40 "0040_fund_details", 45 "0045_page_list_indexes", 50 "0050_value_checks", 55 "0055_record_lists", 56 "0056_returned_payments", 60 "0060_alerts", 65 "0065_ledger_month_flows", 66 "0066_maintained_counts")
        }
    };
    // `Migrator` has no public constructor from a list; its fields are what `sqlx::migrate!`
    // fills in. Building it here avoids compiling sqlx's macros (and a second SQLite for the
    // host) just to embed a few files.
    Migrator { migrations: Cow::Owned(migrations), ignore_missing: false, locking: true, no_tx: false }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files in one engine's folder, by name without `.sql`.
    fn files(engine: &str) -> Vec<String> {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.strip_suffix(".sql").map(str::to_string))
            .collect();
        names.sort();
        names
    }

    fn listed(engine: Engine) -> Vec<(i64, String)> {
        migrator(engine).migrations.iter().map(|m| (m.version, m.description.to_string())).collect()
    }

    #[test]
    fn every_migration_file_is_listed_and_both_engines_have_the_same_ones() {
        let (sqlite, postgres) = (files("sqlite"), files("postgres"));
        assert_eq!(sqlite, postgres, "both folders hold the same migrations");
        for engine in [Engine::Sqlite, Engine::Postgres] {
            let list = listed(engine);
            let names: Vec<String> = list.iter().map(|(_, name)| name.clone()).collect();
            assert_eq!(names, sqlite, "{engine:?}: every file listed, in order, and nothing else");
            for (version, name) in &list {
                let number: i64 = name.split('_').next().unwrap().parse().unwrap();
                assert_eq!(*version, number, "{name}: its version is its number");
            }
            assert!(list.windows(2).all(|w| w[0].0 < w[1].0), "{engine:?}: versions ascend");
        }
    }
}
