//! Migration 0050: the database itself refuses negative amounts and states outside the
//! domain's closed sets, whoever writes them (the application, a bug, raw SQL).

use redress_app::store::Store;
use redress_domain::assets::{AssetKind, AssetState};
use redress_domain::cases::Stage;
use redress_domain::{Amount, InstitutionKind};
use redress_store::testing::TestDatabase;
use redress_store::SqlStore;

use super::t;
use super::typed::{asset_record, case_record};

/// Raw SQL as someone with direct access to the database would run it; `Err` when refused.
async fn raw(store: &SqlStore, sql: &str) -> Result<u64, sqlx::Error> {
    sqlx::query(sql).execute(store.pool()).await.map(|done| done.rows_affected())
}

async fn a_case_and_an_asset(store: &SqlStore) {
    let mut tx = store.write().await.unwrap();
    let office = tx.insert_institution("Fiscalía", InstitutionKind::Prosecutor, t(0)).await.unwrap();
    tx.insert_case(&case_record(office, "F-1")).await.unwrap();
    tx.insert_asset(&asset_record(office, AssetKind::Vehicle)).await.unwrap();
    tx.commit().await.unwrap();
}

pub(crate) async fn the_database_refuses_unknown_states_and_negative_amounts(database: &TestDatabase) {
    let store = database.open().await;
    a_case_and_an_asset(&store).await;
    for (sql, what) in [
        ("UPDATE cases SET stage = 'closed'", "an unknown stage"),
        ("UPDATE cases SET stage = 'Trial'", "a stage in the wrong case"),
        ("UPDATE assets SET state = 'lost'", "an unknown asset state"),
        ("UPDATE assets SET kind = 'boat'", "an unknown asset kind"),
        ("UPDATE assets SET estimated_value = -1", "a negative estimated value"),
        ("UPDATE institutions SET kind = 'bank'", "an unknown institution kind"),
        ("INSERT INTO asset_valuations (asset_id, valued_on, amount, basis, recorded_at, recorded_by) \
          SELECT id, '2026-01-02', -5, 'tasación', 1, 'x' FROM assets", "a negative valuation"),
        ("INSERT INTO asset_leases (asset_id, monthly_rent, starts_on, recorded_at, recorded_by) \
          SELECT id, -100, '2026-01-02', 1, 'x' FROM assets", "a negative rent"),
        ("INSERT INTO case_stage_changes (case_id, from_stage, to_stage, on_date, recorded_at, recorded_by) \
          SELECT id, 'reported', 'nowhere', '2026-01-02', 1, 'x' FROM cases", "an unknown stage change"),
    ] {
        assert!(raw(&store, sql).await.is_err(), "{}: {what} was stored", store.engine());
    }
    let mut tx = store.read().await.unwrap();
    let case = tx.case(1).await.unwrap().unwrap();
    assert_eq!(case.stage, Stage::Reported, "nothing refused was written");
    let asset = tx.asset(1).await.unwrap().unwrap();
    assert_eq!(
        (asset.kind, asset.state, asset.estimated_value),
        (AssetKind::Vehicle, AssetState::Seized, None)
    );
    assert!(tx.asset_valuations(1).await.unwrap().is_empty() && tx.asset_leases(1).await.unwrap().is_empty());
    drop(tx);
    // Every value the domain names is accepted, and so are zero and no amount at all.
    for stage in Stage::ALL {
        let sql = format!("UPDATE cases SET stage = '{}'", stage.as_str());
        assert_eq!(raw(&store, &sql).await.unwrap(), 1, "{sql}");
    }
    for state in AssetState::ALL {
        let sql = format!("UPDATE assets SET state = '{}'", state.as_str());
        assert_eq!(raw(&store, &sql).await.unwrap(), 1, "{sql}");
    }
    for kind in AssetKind::ALL {
        let sql = format!("UPDATE assets SET kind = '{}'", kind.as_str());
        assert_eq!(raw(&store, &sql).await.unwrap(), 1, "{sql}");
    }
    for kind in InstitutionKind::ALL {
        let sql = format!("UPDATE institutions SET kind = '{}'", kind.as_str());
        assert_eq!(raw(&store, &sql).await.unwrap(), 1, "{sql}");
    }
    assert_eq!(raw(&store, "UPDATE assets SET estimated_value = 0").await.unwrap(), 1);
    let mut tx = store.write().await.unwrap();
    tx.set_estimated_value(1, Amount::from_minor(0)).await.unwrap();
    tx.commit().await.unwrap();
}

pub(crate) async fn the_ledger_refuses_negative_totals_and_unknown_transfer_kinds(database: &TestDatabase) {
    let store = database.open().await;
    let account = super::open_account(&store, "assets:fund:cash", super::pen()).await;
    for sql in [
        format!("UPDATE ledger_accounts SET debits_posted = -1 WHERE id = {account}"),
        format!("UPDATE ledger_accounts SET credits_pending = -1 WHERE id = {account}"),
    ] {
        assert!(raw(&store, &sql).await.is_err(), "{}: {sql} was applied", store.engine());
    }
    let mut tx = store.write().await.unwrap();
    let negative = redress_domain::ledger::Totals {
        debits_pending: Amount::from_minor(0),
        debits_posted: Amount::from_minor(-10),
        credits_pending: Amount::from_minor(0),
        credits_posted: Amount::from_minor(0),
    };
    assert!(tx.set_ledger_totals(account, &negative).await.is_err(), "the store passes the refusal on");
    drop(tx);
    let stored = store.read().await.unwrap().ledger_account_by_id(account).await.unwrap().unwrap();
    assert_eq!(stored.totals, redress_domain::ledger::Totals::default());
    let cash = super::open_account(&store, "assets:bank:fund", super::pen()).await;
    let mut negative = super::posted_transfer(1, cash, account, -5, ((0, 0), (0, 0)));
    let mut tx = store.write().await.unwrap();
    assert!(tx.insert_transfers(&[negative.clone()]).await.is_err(), "a negative transfer was stored");
    drop(tx);
    assert!(store.read().await.unwrap().last_transfer().await.unwrap().is_none());
    // The type keeps the application from writing an unknown kind; the database refuses one
    // written by anything else.
    negative.amount = Amount::from_minor(5);
    negative.posted = Amount::from_minor(5);
    let mut tx = store.write().await.unwrap();
    tx.insert_transfers(&[negative.clone()]).await.unwrap();
    tx.commit().await.unwrap();
    let sql = format!("UPDATE ledger_transfers SET kind = 'gift' WHERE id = '{}'", negative.id);
    assert!(raw(&store, &sql).await.is_err(), "{}: a transfer of an unknown kind was stored", store.engine());
    let stored = store.read().await.unwrap().transfers_by_ids(&[negative.id.clone()]).await.unwrap();
    assert_eq!(stored[0].kind, redress_domain::ledger::TransferType::Single);
}
