//! The typed boundary: stored states and kinds come back as domain enums, and a value the
//! domain does not know is `StoreError::Corrupt` (a bug or a hand-edited row), never bad input.

use redress_app::store::{AssetMove, AssetRecord, CaseRecord, StageChange, Store, StoreError};
use redress_domain::assets::{AssetKind, AssetState};
use redress_domain::cases::Stage;
use redress_domain::{Currency, InstitutionId, InstitutionKind};
use redress_store::testing::TestDatabase;

use super::t;

pub(crate) fn case_record(institution_id: InstitutionId, file: &str) -> CaseRecord {
    CaseRecord {
        id: 0,
        prosecutor_file: file.to_string(),
        court_file: None,
        jurisdiction: "Tumbes".to_string(),
        offences: vec!["129-A".to_string()],
        stage: Stage::Reported,
        stage_changed_on: "2026-01-02".to_string(),
        cross_border: false,
        partner_country: None,
        tracing_notes: None,
        institution_id,
        court_id: None,
        created_at: t(1),
        created_by: "fiscal".to_string(),
    }
}

pub(crate) fn asset_record(institution_id: InstitutionId, kind: AssetKind) -> AssetRecord {
    AssetRecord {
        id: 0,
        kind,
        description: "Camioneta".to_string(),
        identifiers: None,
        location: None,
        region: Some("Tumbes".to_string()),
        custodian: None,
        case_id: None,
        agency_reference: None,
        currency: Currency::parse("PEN").unwrap(),
        estimated_value: None,
        state: AssetState::Seized,
        state_changed_on: "2026-01-01".to_string(),
        institution_id,
        created_at: t(1),
        created_by: "pronabi".to_string(),
    }
}

/// A case and an asset with one move each, as a use case would write them.
async fn one_case_and_one_asset(store: &dyn Store) -> (i64, i64) {
    let mut tx = store.write().await.unwrap();
    let office = tx.insert_institution("Fiscalía", InstitutionKind::Prosecutor, t(0)).await.unwrap();
    let case = tx.insert_case(&case_record(office, "F-1")).await.unwrap();
    let change = StageChange {
        from_stage: None,
        to_stage: Stage::Reported,
        on_date: "2026-01-02".to_string(),
        recorded_at: t(2),
        recorded_by: "fiscal".to_string(),
    };
    tx.insert_stage_change(case, &change).await.unwrap();
    tx.set_case_stage(case, Stage::Investigation, "2026-01-03").await.unwrap();
    let asset = tx.insert_asset(&asset_record(office, AssetKind::RealEstate)).await.unwrap();
    let movement = AssetMove {
        from_state: Some(AssetState::Seized),
        to_state: AssetState::InCustody,
        on_date: "2026-01-04".to_string(),
        document: "Resolución 1".to_string(),
        amount: None,
        costs: None,
        recorded_at: t(3),
        recorded_by: "pronabi".to_string(),
    };
    tx.insert_asset_move(asset, &movement).await.unwrap();
    tx.set_asset_state(asset, AssetState::InCustody, "2026-01-04").await.unwrap();
    tx.commit().await.unwrap();
    (case, asset)
}

pub(crate) async fn stored_states_and_kinds_come_back_typed(database: &TestDatabase) {
    let store = database.open().await;
    let (case, asset) = one_case_and_one_asset(&store).await;
    let mut tx = store.read().await.unwrap();
    let stored = tx.case(case).await.unwrap().unwrap();
    assert_eq!((stored.stage, stored.stage_changed_on.as_str()), (Stage::Investigation, "2026-01-03"));
    let changes = tx.case_stage_changes(case).await.unwrap();
    assert_eq!(
        changes.iter().map(|c| (c.from_stage, c.to_stage)).collect::<Vec<_>>(),
        vec![(None, Stage::Reported)]
    );
    let stored = tx.asset(asset).await.unwrap().unwrap();
    assert_eq!((stored.kind, stored.state), (AssetKind::RealEstate, AssetState::InCustody));
    let moves = tx.asset_moves(asset).await.unwrap();
    assert_eq!((moves[0].from_state, moves[0].to_state), (Some(AssetState::Seized), AssetState::InCustody));
    let page = redress_app::store::Page { after: None, limit: 10 };
    assert_eq!(tx.assets_in_states(&[AssetState::InCustody], page).await.unwrap().len(), 1);
    assert!(tx.assets_in_states(&[AssetState::Seized, AssetState::Sold], page).await.unwrap().is_empty());
    // The totals the database keeps: the asset left `seized` for `in_custody` on 2026-01-04
    // (day 20,457 from 1970-01-01).
    let totals = tx.asset_state_totals(Currency::parse("PEN").unwrap()).await.unwrap();
    assert_eq!(
        totals.iter().map(|g| (g.0, g.1, g.3)).collect::<Vec<_>>(),
        vec![(AssetState::InCustody, 1, 20_457)]
    );
    let days = tx.asset_path_days(AssetState::Confiscated, AssetState::Sold).await.unwrap();
    assert!(days.is_empty(), "no asset was confiscated or sold: {days:?}");
    assert_eq!(tx.maintained_count_mismatches().await.unwrap(), Vec::<String>::new());
    drop(tx);
    // Whoever changes a count by hand is found out.
    write_past_the_guards(&store, "UPDATE asset_state_totals SET day_sum = day_sum + 1").await;
    write_past_the_guards(
        &store,
        "INSERT INTO victim_profile_counts (sex, nationality, age_band, region, exploitation, victims) \
         VALUES ('female', 'PE', '18-25', '', '', 3)",
    )
    .await;
    let found = store.read().await.unwrap().maintained_count_mismatches().await.unwrap();
    assert_eq!(
        found,
        vec![
            "victim_profile_counts: groups that differ from the rows they count: 1".to_string(),
            "asset_state_totals: groups that differ from the rows they count: 1".to_string(),
        ]
    );
}

/// Raw SQL as the database's owner could run it, past the guards of migration 0050.
async fn write_past_the_guards(store: &redress_store::SqlStore, sql: &str) {
    redress_store::testing::drop_value_guards(store).await;
    sqlx::query(sql).execute(store.pool()).await.unwrap();
}

pub(crate) async fn an_unknown_stored_state_is_corrupt_data(database: &TestDatabase) {
    let store = database.open().await;
    let (case, asset) = one_case_and_one_asset(&store).await;
    write_past_the_guards(&store, "UPDATE cases SET stage = 'closed'").await;
    write_past_the_guards(&store, "UPDATE assets SET state = 'lost', kind = 'Vehicle'").await;
    write_past_the_guards(&store, "UPDATE asset_moves SET to_state = 'gone'").await;
    write_past_the_guards(&store, "UPDATE case_stage_changes SET to_stage = ''").await;
    let mut tx = store.read().await.unwrap();
    let corrupt = |error: StoreError| matches!(error, StoreError::Corrupt(_));
    assert!(corrupt(tx.case(case).await.unwrap_err()));
    assert!(corrupt(tx.case_stage_changes(case).await.unwrap_err()));
    assert!(corrupt(tx.asset(asset).await.unwrap_err()));
    assert!(corrupt(tx.asset_moves(asset).await.unwrap_err()));
    let page = redress_app::store::Page { after: None, limit: 10 };
    assert!(tx.assets_in_states(&AssetState::ALL, page).await.unwrap().is_empty(), "'lost' is in no state");
    assert!(corrupt(tx.asset_state_totals(Currency::parse("PEN").unwrap()).await.unwrap_err()));
}
