//! The storage conformance suite: every storage behaviour, run against SQLite always and against
//! PostgreSQL when `REDRESS_TEST_POSTGRES_URL` is set. Each test gets its own new database.

use std::sync::Arc;

use redress_app::audit::verify_audit_chain;
use redress_app::store::{NewLedgerAccount, NewUser, Page, SessionRecord, Store, StoreError};
use redress_domain::audit::{AuditEvent, GENESIS_HASH};
use redress_domain::ledger::{
    AccountFlags, AccountName, PendingStatus, References, Totals, Transfer, TransferType,
};
use redress_domain::{Amount, Currency, InstitutionKind, Role, Timestamp, UserId};
use redress_store::testing::TestDatabase;
use redress_store::SqlStore;

/// Generates one test per engine for each behaviour below.
macro_rules! conformance {
    ($($behaviour:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $behaviour() {
                    let database = redress_store::testing::TestDatabase::sqlite();
                    super::$behaviour(&database).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $behaviour() {
                    let Some(database) = redress_store::testing::TestDatabase::postgres().await else {
                        eprintln!("skipped: REDRESS_TEST_POSTGRES_URL is not set");
                        return;
                    };
                    super::$behaviour(&database).await;
                }
            )*
        }
    };
}

conformance!(
    alerts_round_trip_with_their_meeting_and_history,
    alerts_are_listed_by_institution_state_and_deadline,
    a_bad_alert_state_is_corrupt_and_refused_by_the_database,
    migrations_apply_once_and_reopen_cleanly,
    institutions_are_stored_found_and_paged,
    users_are_stored_with_their_roles,
    a_duplicate_username_is_a_conflict,
    a_write_dropped_without_commit_leaves_nothing,
    sessions_are_stored_touched_and_ended,
    login_failures_are_counted_in_a_window,
    audit_entries_are_chained_and_paged,
    an_altered_audit_row_is_named_by_verification,
    a_removed_audit_row_is_named_by_verification,
    removing_the_newest_audit_row_is_caught,
    an_audit_entry_rolled_back_leaves_the_chain_intact,
    the_audit_trail_refuses_raw_updates_and_deletes,
    an_agency_reference_names_one_asset_per_institution,
    concurrent_writers_keep_one_chain,
    two_stores_on_one_database_keep_one_chain,
    ledger_accounts_are_unique_per_name_and_currency,
    transfers_round_trip_with_every_field,
    a_hold_can_be_resolved_only_once_in_the_database,
    statements_and_past_totals_come_from_the_running_totals,
    inflows_are_found_in_first_in_first_out_order,
    only_due_pending_holds_expire,
    account_totals_are_updated_and_summed,
    month_flows_are_kept_with_the_transfers,
    the_fund_details_are_one_row_replaced_whole,
    stored_states_and_kinds_come_back_typed,
    an_unknown_stored_state_is_corrupt_data,
    the_database_refuses_unknown_states_and_negative_amounts,
    the_ledger_refuses_negative_totals_and_unknown_transfer_kinds,
    victims_are_stored_corrected_and_referred,
    cases_hold_their_court_defendants_and_victims,
    users_are_administered,
    idempotency_keys_are_claimed_leased_and_finished,
    judgments_orders_and_their_payments_round_trip,
    orders_are_listed_by_payment_state_scope_and_page,
    asset_valuations_leases_and_flows_round_trip,
    claims_are_filed_decided_and_listed,
    rounds_and_batches_carry_lines_and_bank_reports,
    set_based_page_reads_match_the_rows_they_read,
    summary_counts_come_from_every_row,
    paid_claim_delays_are_banded_from_filing_to_the_first_payment,
    published_assets_come_with_their_move_dates,
    the_audit_trail_is_filtered_newest_first,
    record_list_pages_are_scoped_and_paged,
    rounds_and_batches_are_listed_by_batch_state,
    ledger_reads_for_pages,
);

#[path = "conformance/alerts.rs"]
mod alerts;
use alerts::*;

#[path = "conformance/claims.rs"]
mod claims;
use claims::*;

#[path = "conformance/orders.rs"]
mod orders;
use orders::*;

#[path = "conformance/reads.rs"]
mod reads;
use reads::*;

#[path = "conformance/records.rs"]
mod records;
use records::*;

#[path = "conformance/guards.rs"]
mod guards;
use guards::*;

#[path = "conformance/typed.rs"]
mod typed;
use typed::*;

fn t(micros: i64) -> Timestamp {
    Timestamp::from_unix_micros(1_800_000_000_000_000 + micros)
}

fn event(n: i64) -> AuditEvent {
    AuditEvent {
        at: t(n),
        actor_user_id: None,
        actor: "test".to_string(),
        institution: Some("Fiscalía de Tumbes".to_string()),
        action: "test.event".to_string(),
        target_type: Some("thing".to_string()),
        target_id: Some(n.to_string()),
        purpose: None,
        request_id: Some(format!("req-{n}")),
        details: format!("{{\"n\":{n}}}"),
    }
}

async fn append(store: &dyn Store, n: i64) {
    let mut tx = store.write().await.unwrap();
    tx.append_audit(event(n)).await.unwrap();
    tx.commit().await.unwrap();
}

async fn new_user(store: &dyn Store, username: &str, roles: Vec<Role>) -> UserId {
    let mut tx = store.write().await.unwrap();
    let institution = match tx.institution_by_name("Fondo").await.unwrap() {
        Some(existing) => existing.id,
        None => tx.insert_institution("Fondo", InstitutionKind::FundUnit, t(0)).await.unwrap(),
    };
    let id = tx
        .insert_user(&NewUser {
            username: username.to_string(),
            display_name: Some("María de la Cruz Quispe".to_string()),
            institution_id: institution,
            roles,
            password_hash: "$argon2id$placeholder".to_string(),
            created_at: t(1),
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Runs raw SQL, as someone with direct access to the database would.
/// Raw SQL as the database's owner could run it: first the append-only triggers are dropped.
async fn tamper(store: &SqlStore, sql: &str) {
    redress_store::testing::drop_audit_guards(store).await;
    sqlx::query(sql).execute(store.pool()).await.unwrap();
}

async fn migrations_apply_once_and_reopen_cleanly(database: &TestDatabase) {
    let store = database.open().await;
    new_user(&store, "ana", vec![Role::Admin]).await;
    store.close().await;
    let reopened = database.open().await;
    reopened.migrate().await.unwrap();
    assert_eq!(reopened.read().await.unwrap().user_count().await.unwrap(), 1);
    reopened.ping().await.unwrap();
}

async fn institutions_are_stored_found_and_paged(database: &TestDatabase) {
    let store = database.open().await;
    let mut tx = store.write().await.unwrap();
    let mut ids = Vec::new();
    for (n, name) in ["Policía Nacional", "Ministerio Público – Tumbes", "CEM Lima"].iter().enumerate() {
        ids.push(tx.insert_institution(name, InstitutionKind::Police, t(n as i64)).await.unwrap());
    }
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    let found = tx.institution_by_name("Ministerio Público – Tumbes").await.unwrap().unwrap();
    assert_eq!(found.id, ids[1]);
    assert_eq!(found.created_at, t(1));
    assert_eq!(tx.institution_by_id(ids[2]).await.unwrap().unwrap().name, "CEM Lima");
    assert!(tx.institution_by_name("ministerio público – tumbes").await.unwrap().is_none());
    let first = tx.institutions(Page { after: None, limit: 2 }).await.unwrap();
    assert_eq!(first.iter().map(|i| i.id).collect::<Vec<_>>(), ids[..2]);
    let rest = tx.institutions(Page { after: Some(first[1].id.0), limit: 2 }).await.unwrap();
    assert_eq!(rest.iter().map(|i| i.id).collect::<Vec<_>>(), ids[2..]);
}

async fn users_are_stored_with_their_roles(database: &TestDatabase) {
    let store = database.open().await;
    let ana = new_user(&store, "ana", vec![Role::Treasurer, Role::Auditor]).await;
    let luis = new_user(&store, "luis", vec![Role::FundOfficer]).await;
    let mut tx = store.read().await.unwrap();
    let record = tx.user_by_username("ana").await.unwrap().unwrap();
    assert_eq!(record.id, ana);
    assert_eq!(record.roles, vec![Role::Treasurer, Role::Auditor]);
    assert_eq!(record.institution, "Fondo");
    assert_eq!(record.display_name.as_deref(), Some("María de la Cruz Quispe"));
    assert_eq!(tx.user_by_id(luis).await.unwrap().unwrap().username, "luis");
    assert!(tx.user_by_username("nobody").await.unwrap().is_none());
    assert_eq!(tx.user_count().await.unwrap(), 2);
    let page = tx.users(Page { after: Some(ana.0), limit: 10 }).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].id, luis);
    drop(tx);
    let mut tx = store.write().await.unwrap();
    tx.set_password_hash(ana, "$argon2id$new", t(50)).await.unwrap();
    tx.commit().await.unwrap();
    let record = store.read().await.unwrap().user_by_id(ana).await.unwrap().unwrap();
    assert_eq!(record.password_hash, "$argon2id$new");
    assert_eq!(record.password_changed_at, t(50));
}

async fn a_duplicate_username_is_a_conflict(database: &TestDatabase) {
    let store = database.open().await;
    new_user(&store, "ana", vec![Role::Admin]).await;
    let mut tx = store.write().await.unwrap();
    let institution = tx.institution_by_name("Fondo").await.unwrap().unwrap().id;
    let error = tx
        .insert_user(&NewUser {
            username: "ana".to_string(),
            display_name: None,
            institution_id: institution,
            roles: vec![Role::Analyst],
            password_hash: "x".to_string(),
            created_at: t(2),
        })
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
}

async fn a_write_dropped_without_commit_leaves_nothing(database: &TestDatabase) {
    let store = database.open().await;
    {
        let mut tx = store.write().await.unwrap();
        tx.insert_institution("Temporal", InstitutionKind::Other, t(0)).await.unwrap();
        tx.append_audit(event(1)).await.unwrap();
        // dropped here, never committed
    }
    let mut tx = store.read().await.unwrap();
    assert!(tx.institution_by_name("Temporal").await.unwrap().is_none());
    assert!(tx.audit_head().await.unwrap().is_none());
    // And the store is still writable: the write lock was released.
    drop(tx);
    append(&store, 1).await;
}

async fn sessions_are_stored_touched_and_ended(database: &TestDatabase) {
    let store = database.open().await;
    let user = new_user(&store, "ana", vec![Role::Admin]).await;
    let session = |id: &str, created: i64| SessionRecord {
        id: id.to_string(),
        user_id: user,
        csrf_token: format!("csrf-{id}"),
        created_at: t(created),
        expires_at: t(created + 1_000),
        last_seen_at: t(created),
        client_address: Some("127.0.0.1".to_string()),
        user_agent: None,
    };
    let mut tx = store.write().await.unwrap();
    for (id, created) in [("s1", 0), ("s2", 10), ("s3", 5_000)] {
        tx.insert_session(&session(id, created)).await.unwrap();
    }
    tx.touch_session("s1", t(500)).await.unwrap();
    tx.touch_session("s1", t(400)).await.unwrap(); // never moves backwards
    tx.commit().await.unwrap();
    let stored = store.read().await.unwrap().session("s1").await.unwrap().unwrap();
    assert_eq!(stored.last_seen_at, t(500));
    assert_eq!(stored.csrf_token, "csrf-s1");
    assert_eq!(stored.client_address.as_deref(), Some("127.0.0.1"));

    let mut tx = store.write().await.unwrap();
    // s2 expired at t(1010); s1 was seen at t(500) which is before the idle cut-off t(600).
    assert_eq!(tx.delete_sessions_expired(t(1_020), t(600)).await.unwrap(), 2);
    assert!(tx.session("s3").await.unwrap().is_some());
    tx.insert_session(&session("s4", 5_000)).await.unwrap();
    assert_eq!(tx.delete_sessions_of_user(user, Some("s4")).await.unwrap(), 1);
    assert!(tx.delete_session("s4").await.unwrap());
    assert!(!tx.delete_session("s4").await.unwrap());
    tx.commit().await.unwrap();
    assert!(store.read().await.unwrap().session("s3").await.unwrap().is_none());
}

async fn login_failures_are_counted_in_a_window(database: &TestDatabase) {
    let store = database.open().await;
    let mut tx = store.write().await.unwrap();
    for at in [0, 10, 20, 30] {
        tx.record_login_failure("user:ana", t(at)).await.unwrap();
    }
    tx.record_login_failure("user:luis", t(30)).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.login_failures_since("user:ana", t(10)).await.unwrap(), 3);
    assert_eq!(tx.login_failures_since("user:luis", t(0)).await.unwrap(), 1);
    drop(tx);
    let mut tx = store.write().await.unwrap();
    assert_eq!(tx.delete_login_failures_before(t(15)).await.unwrap(), 2);
    tx.clear_login_failures("user:luis").await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.login_failures_since("user:ana", t(0)).await.unwrap(), 2);
    assert_eq!(tx.login_failures_since("user:luis", t(0)).await.unwrap(), 0);
}

async fn audit_entries_are_chained_and_paged(database: &TestDatabase) {
    let store = database.open().await;
    for n in 1..=7 {
        append(&store, n).await;
    }
    let mut tx = store.read().await.unwrap();
    let (head_seq, head_hash) = tx.audit_head().await.unwrap().unwrap();
    assert_eq!(head_seq, 7);
    let newest = tx.audit_newest(None, 3).await.unwrap();
    assert_eq!(newest.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![7, 6, 5]);
    assert_eq!(newest[0].hash, head_hash);
    assert_eq!(newest[0].event, event(7));
    let older = tx.audit_newest(Some(5), 10).await.unwrap();
    assert_eq!(older.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![4, 3, 2, 1]);
    assert_eq!(older[3].prev_hash, GENESIS_HASH);
    let ascending = tx.audit_from(3, 2).await.unwrap();
    assert_eq!(ascending.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![3, 4]);
    assert_eq!(ascending[1].prev_hash, ascending[0].hash);
    drop(tx);
    let summary = verify_audit_chain(&store, |_| {}).await.unwrap().unwrap();
    assert_eq!(summary.entries, 7);
}

async fn an_altered_audit_row_is_named_by_verification(database: &TestDatabase) {
    let store = database.open().await;
    for n in 1..=5 {
        append(&store, n).await;
    }
    tamper(&store, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").await;
    let broken = verify_audit_chain(&store, |_| {}).await.unwrap().unwrap_err();
    assert_eq!(broken.seq, 3);
    assert!(broken.reason.contains("altered"), "{}", broken.reason);
}

async fn a_removed_audit_row_is_named_by_verification(database: &TestDatabase) {
    let store = database.open().await;
    for n in 1..=5 {
        append(&store, n).await;
    }
    tamper(&store, "DELETE FROM audit_log WHERE seq = 2").await;
    assert_eq!(verify_audit_chain(&store, |_| {}).await.unwrap().unwrap_err().seq, 3);
}

async fn removing_the_newest_audit_row_is_caught(database: &TestDatabase) {
    let store = database.open().await;
    for n in 1..=4 {
        append(&store, n).await;
    }
    tamper(&store, "DELETE FROM audit_log WHERE seq = 4").await;
    let broken = verify_audit_chain(&store, |_| {}).await.unwrap().unwrap_err();
    assert_eq!(broken.seq, 4);
}

async fn the_audit_trail_refuses_raw_updates_and_deletes(database: &TestDatabase) {
    let store = database.open().await;
    for n in 1..=3 {
        append(&store, n).await;
    }
    let (head_seq, head_hash) = store.read().await.unwrap().audit_head().await.unwrap().unwrap();
    let earlier_hash = store.read().await.unwrap().audit_from(2, 1).await.unwrap()[0].hash.clone();
    let refused = [
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2".to_string(),
        "DELETE FROM audit_log WHERE seq = 3".to_string(),
        "DELETE FROM audit_head".to_string(),
        format!("UPDATE audit_head SET seq = 2, hash = '{earlier_hash}'"),
        format!("UPDATE audit_head SET seq = 9, hash = '{head_hash}'"),
    ];
    for sql in &refused {
        let error = sqlx::query(sql).execute(store.pool()).await.expect_err(sql).to_string();
        assert!(error.contains("audit"), "{sql}: {error}");
    }
    if database.engine == redress_app::settings::Engine::Postgres {
        assert!(sqlx::query("TRUNCATE audit_log, audit_head").execute(store.pool()).await.is_err());
    }
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.audit_head().await.unwrap(), Some((head_seq, head_hash)));
    assert_eq!(tx.audit_from(1, 10).await.unwrap().len(), 3);
    drop(tx);
    assert_eq!(verify_audit_chain(&store, |_| {}).await.unwrap().unwrap().entries, 3);
    // The application's own appends still move the head.
    append(&store, 4).await;
    assert_eq!(store.read().await.unwrap().audit_head().await.unwrap().unwrap().0, 4);
}

async fn an_agency_reference_names_one_asset_per_institution(database: &TestDatabase) {
    let store = database.open().await;
    let mut tx = store.write().await.unwrap();
    let agency = tx.insert_institution("PRONABI", InstitutionKind::Other, t(0)).await.unwrap();
    let other = tx.insert_institution("Otra agencia", InstitutionKind::Other, t(0)).await.unwrap();
    let asset = |institution_id, reference: &str| redress_app::store::AssetRecord {
        id: 0,
        kind: redress_domain::assets::AssetKind::Vehicle,
        description: "Camioneta".to_string(),
        identifiers: None,
        location: None,
        region: None,
        custodian: None,
        case_id: None,
        agency_reference: Some(reference.to_string()),
        currency: Currency::parse("PEN").unwrap(),
        estimated_value: None,
        state: redress_domain::assets::AssetState::Seized,
        state_changed_on: "2026-01-01".to_string(),
        institution_id,
        created_at: t(1),
        created_by: "pronabi".to_string(),
    };
    let id = tx.insert_asset(&asset(agency, "PR-1")).await.unwrap();
    tx.insert_asset(&asset(other, "PR-1")).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.write().await.unwrap();
    assert_eq!(tx.asset_id_by_agency_reference(agency, "PR-1").await.unwrap(), Some(id));
    assert_eq!(tx.asset_id_by_agency_reference(agency, "PR-2").await.unwrap(), None);
    let error = tx.insert_asset(&asset(agency, "PR-1")).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
}

async fn an_audit_entry_rolled_back_leaves_the_chain_intact(database: &TestDatabase) {
    let store = database.open().await;
    append(&store, 1).await;
    {
        let mut tx = store.write().await.unwrap();
        tx.append_audit(event(2)).await.unwrap();
    }
    append(&store, 3).await;
    let records = store.read().await.unwrap().audit_from(1, 10).await.unwrap();
    assert_eq!(records.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(records[1].event, event(3));
    assert_eq!(verify_audit_chain(&store, |_| {}).await.unwrap().unwrap().entries, 2);
}

async fn concurrent_writers_keep_one_chain(database: &TestDatabase) {
    let store = Arc::new(database.open().await);
    let mut tasks = Vec::new();
    for n in 0..40 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            // Read first, then write, inside the transaction: the pattern that fails under
            // SQLite's deferred transactions and PostgreSQL's read committed without a lock.
            let mut tx = store.write().await.unwrap();
            let count = tx.user_count().await.unwrap();
            tx.append_audit(event(n + count)).await.unwrap();
            tx.commit().await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let summary = verify_audit_chain(store.as_ref(), |_| {}).await.unwrap().unwrap();
    assert_eq!(summary.entries, 40);
}

async fn two_stores_on_one_database_keep_one_chain(database: &TestDatabase) {
    // Two pools on one database behave like two server processes.
    let first = Arc::new(database.open().await);
    let second = Arc::new(database.open().await);
    let mut tasks = Vec::new();
    for n in 0..30 {
        let store = if n % 2 == 0 { first.clone() } else { second.clone() };
        tasks.push(tokio::spawn(async move { append(store.as_ref(), n).await }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let summary = verify_audit_chain(first.as_ref(), |_| {}).await.unwrap().unwrap();
    assert_eq!(summary.entries, 30);
}

// ---- Ledger ------------------------------------------------------------------------------------

fn pen() -> Currency {
    Currency::parse("PEN").unwrap()
}

async fn open_account(store: &dyn Store, name: &str, currency: Currency) -> i64 {
    let mut tx = store.write().await.unwrap();
    let id = tx
        .insert_ledger_account(&NewLedgerAccount {
            name: AccountName::parse(name).unwrap(),
            currency,
            flags: AccountFlags {
                credits_must_not_exceed_debits: name == "assets:bank:fund",
                ..AccountFlags::default()
            },
            created_at: t(0),
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// A posted transfer of `units` from `credit` to `debit`, with the running totals it leaves
/// given by the caller.
fn posted_transfer(
    seq: i64,
    debit: i64,
    credit: i64,
    units: i64,
    after: ((i64, i64), (i64, i64)),
) -> Transfer {
    Transfer {
        seq,
        id: format!("00000000-0000-4000-8000-{seq:012}"),
        debit_account_id: debit,
        credit_account_id: credit,
        debit_account: String::new(),
        credit_account: String::new(),
        amount: Amount::from_minor(units),
        posted: Amount::from_minor(units),
        currency: pen(),
        kind: TransferType::Single,
        pending_id: None,
        reverses_id: None,
        pending_status: None,
        expires_at: None,
        references: References::default(),
        memo: None,
        actor: "test".to_string(),
        created_at: t(seq * 1_000),
        value_date: time::macros::date!(2026 - 11 - 28),
        debit_account_posted_after: (Amount::from_minor(after.0 .0), Amount::from_minor(after.0 .1)),
        credit_account_posted_after: (Amount::from_minor(after.1 .0), Amount::from_minor(after.1 .1)),
    }
}

async fn insert(store: &dyn Store, transfers: &[Transfer]) {
    let mut tx = store.write().await.unwrap();
    tx.insert_transfers(transfers).await.unwrap();
    tx.commit().await.unwrap();
}

async fn ledger_accounts_are_unique_per_name_and_currency(database: &TestDatabase) {
    let store = database.open().await;
    let pen_id = open_account(&store, "assets:bank:fund", pen()).await;
    let usd_id = open_account(&store, "assets:bank:fund", Currency::parse("USD").unwrap()).await;
    assert_ne!(pen_id, usd_id);
    let mut tx = store.write().await.unwrap();
    let error = tx
        .insert_ledger_account(&NewLedgerAccount {
            name: AccountName::parse("assets:bank:fund").unwrap(),
            currency: pen(),
            flags: AccountFlags::default(),
            created_at: t(1),
        })
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    drop(tx);
    let mut tx = store.read().await.unwrap();
    let account = tx.ledger_account("assets:bank:fund", pen()).await.unwrap().unwrap();
    assert_eq!(account.id, pen_id);
    assert!(account.flags.credits_must_not_exceed_debits);
    assert_eq!(account.totals, Totals::default());
    let named = tx
        .ledger_accounts_named(&["assets:bank:fund".to_string(), "nowhere:x".to_string()], pen())
        .await
        .unwrap();
    assert_eq!(named.len(), 1);
    assert_eq!(tx.ledger_accounts(Page { after: None, limit: 10 }).await.unwrap().len(), 2);
}

async fn transfers_round_trip_with_every_field(database: &TestDatabase) {
    let store = database.open().await;
    let fund = open_account(&store, "assets:bank:fund", pen()).await;
    let budget = open_account(&store, "income:budget", pen()).await;
    let mut transfer = posted_transfer(1, fund, budget, 12_345, ((12_345, 0), (0, 12_345)));
    transfer.kind = TransferType::Pending;
    transfer.posted = Amount::from_minor(0);
    transfer.pending_status = Some(PendingStatus::Pending);
    transfer.expires_at = Some(t(99));
    transfer.references = References {
        case: Some("EXP-1".into()),
        asset: Some("A-2".into()),
        order: Some("R-3".into()),
        claim: Some("C-4".into()),
        batch: Some("B-5".into()),
    };
    transfer.memo = Some("Adelanto — niña de 14 años".to_string());
    insert(&store, std::slice::from_ref(&transfer)).await;
    let mut tx = store.read().await.unwrap();
    let read = tx.transfers_by_ids(&[transfer.id.clone(), "missing".to_string()]).await.unwrap();
    let expected = Transfer {
        debit_account: "assets:bank:fund".into(),
        credit_account: "income:budget".into(),
        ..transfer
    };
    assert_eq!(read, vec![expected]);
    assert_eq!(tx.last_transfer().await.unwrap(), Some((1, t(1_000))));
}

async fn a_hold_can_be_resolved_only_once_in_the_database(database: &TestDatabase) {
    let store = database.open().await;
    let fund = open_account(&store, "assets:bank:fund", pen()).await;
    let spent = open_account(&store, "expenses:reparations", pen()).await;
    let mut first = posted_transfer(1, spent, fund, 10, ((10, 0), (0, 10)));
    first.pending_id = Some("hold-1".into());
    first.kind = TransferType::PostPending;
    insert(&store, &[first]).await;
    let mut second = posted_transfer(2, spent, fund, 10, ((20, 0), (0, 20)));
    second.pending_id = Some("hold-1".into());
    second.kind = TransferType::VoidPending;
    let mut tx = store.write().await.unwrap();
    let error = tx.insert_transfers(&[second]).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
}

async fn statements_and_past_totals_come_from_the_running_totals(database: &TestDatabase) {
    let store = database.open().await;
    let fund = open_account(&store, "assets:bank:fund", pen()).await;
    let budget = open_account(&store, "income:budget", pen()).await;
    let spent = open_account(&store, "expenses:reparations", pen()).await;
    insert(
        &store,
        &[
            posted_transfer(1, fund, budget, 1_000, ((1_000, 0), (0, 1_000))),
            posted_transfer(2, spent, fund, 300, ((300, 0), (1_000, 300))),
            posted_transfer(3, fund, budget, 500, ((1_500, 300), (0, 1_500))),
        ],
    )
    .await;
    let mut tx = store.read().await.unwrap();
    let lines = tx.account_transfers(fund, None, 2).await.unwrap();
    assert_eq!(lines.iter().map(|l| l.seq).collect::<Vec<_>>(), vec![1, 2]);
    let rest = tx.account_transfers(fund, Some(2), 10).await.unwrap();
    assert_eq!(rest.iter().map(|l| l.seq).collect::<Vec<_>>(), vec![3]);
    assert_eq!(tx.account_transfers(spent, None, 10).await.unwrap().len(), 1);
    // Transfer n happened at t(n * 1000).
    assert_eq!(
        tx.posted_totals_at(fund, t(500)).await.unwrap(),
        (Amount::from_minor(0), Amount::from_minor(0))
    );
    assert_eq!(
        tx.posted_totals_at(fund, t(2_000)).await.unwrap(),
        (Amount::from_minor(1_000), Amount::from_minor(300))
    );
    assert_eq!(
        tx.posted_totals_at(fund, t(2_999)).await.unwrap(),
        (Amount::from_minor(1_000), Amount::from_minor(300))
    );
    assert_eq!(
        tx.posted_totals_at(fund, t(9_999)).await.unwrap(),
        (Amount::from_minor(1_500), Amount::from_minor(300))
    );
    assert_eq!(
        tx.posted_totals_at(budget, t(2_500)).await.unwrap(),
        (Amount::from_minor(0), Amount::from_minor(1_000))
    );
    let all = tx.transfers_after(Some(1), 10).await.unwrap();
    assert_eq!(all.iter().map(|l| l.seq).collect::<Vec<_>>(), vec![2, 3]);
}

async fn inflows_are_found_in_first_in_first_out_order(database: &TestDatabase) {
    let store = database.open().await;
    let fund = open_account(&store, "assets:bank:fund", pen()).await;
    let budget = open_account(&store, "income:budget", pen()).await;
    // Inflows of 100, 50, 200 bring the fund's cumulative debits to 100, 150, 350.
    insert(
        &store,
        &[
            posted_transfer(1, fund, budget, 100, ((100, 0), (0, 100))),
            posted_transfer(2, fund, budget, 50, ((150, 0), (0, 150))),
            posted_transfer(3, fund, budget, 200, ((350, 0), (0, 350))),
        ],
    )
    .await;
    let mut tx = store.read().await.unwrap();
    let seqs = |v: Vec<Transfer>| v.iter().map(|t| t.seq).collect::<Vec<_>>();
    assert_eq!(seqs(tx.inflows_covering(fund, 0, 100).await.unwrap()), vec![1]);
    assert_eq!(seqs(tx.inflows_covering(fund, 90, 160).await.unwrap()), vec![1, 2, 3]);
    assert_eq!(seqs(tx.inflows_covering(fund, 150, 350).await.unwrap()), vec![3]);
    assert!(tx.inflows_covering(fund, 350, 400).await.unwrap().is_empty());
}

async fn only_due_pending_holds_expire(database: &TestDatabase) {
    let store = database.open().await;
    let fund = open_account(&store, "assets:bank:fund", pen()).await;
    let spent = open_account(&store, "expenses:advances", pen()).await;
    let hold = |seq: i64, expires: Option<i64>, status: PendingStatus| {
        let mut hold = posted_transfer(seq, spent, fund, 10, ((0, 0), (0, 0)));
        hold.kind = TransferType::Pending;
        hold.posted = Amount::from_minor(0);
        hold.expires_at = expires.map(t);
        hold.pending_status = Some(status);
        hold
    };
    insert(
        &store,
        &[
            hold(1, Some(50), PendingStatus::Pending),
            hold(2, Some(500), PendingStatus::Pending),
            hold(3, None, PendingStatus::Pending),
            hold(4, Some(50), PendingStatus::Voided),
        ],
    )
    .await;
    let due = store.read().await.unwrap().holds_expired(t(100), 10).await.unwrap();
    assert_eq!(due.iter().map(|h| h.seq).collect::<Vec<_>>(), vec![1]);
    let mut tx = store.write().await.unwrap();
    tx.set_pending_status(&due[0].id, PendingStatus::Expired).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.read().await.unwrap().holds_expired(t(100), 10).await.unwrap().is_empty());
}

async fn account_totals_are_updated_and_summed(database: &TestDatabase) {
    let store = database.open().await;
    let mut ids = Vec::new();
    for n in 0..45 {
        ids.push(open_account(&store, &format!("assets:test:a{n}"), pen()).await);
    }
    let usd = open_account(&store, "assets:bank:fund", Currency::parse("USD").unwrap()).await;
    let totals = |n: i64| Totals {
        debits_pending: Amount::from_minor(n),
        debits_posted: Amount::from_minor(2 * n),
        credits_pending: Amount::from_minor(3 * n),
        credits_posted: Amount::from_minor(4 * n),
    };
    let mut updates: Vec<(i64, Totals)> =
        ids.iter().enumerate().map(|(n, id)| (*id, totals(n as i64 + 1))).collect();
    updates.push((usd, totals(7)));
    let mut tx = store.write().await.unwrap();
    tx.set_ledger_totals_many(&updates).await.unwrap();
    tx.set_ledger_totals(ids[0], &totals(100)).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.ledger_account_by_id(ids[44]).await.unwrap().unwrap().totals, totals(45));
    assert_eq!(tx.ledger_account_by_id(ids[0]).await.unwrap().unwrap().totals, totals(100));
    let sums = tx.ledger_sums().await.unwrap();
    assert_eq!(sums.iter().map(|s| s.currency.as_str()).collect::<Vec<_>>(), vec!["PEN", "USD"]);
    // 100 + (2 + … + 45) = 100 + 1034
    assert_eq!(sums[0].totals.debits_pending, Amount::from_minor(1_134));
    assert_eq!(sums[1].totals, totals(7));
    drop(tx);
    insert(&store, &[posted_transfer(1, ids[1], ids[2], 70, ((70, 0), (0, 70)))]).await;
    let sums = store.read().await.unwrap().posted_sums_from_transfers().await.unwrap();
    let mut sums: Vec<(i64, Amount, Amount)> = sums;
    sums.sort();
    assert_eq!(
        sums,
        vec![
            (ids[1], Amount::from_minor(70), Amount::from_minor(0)),
            (ids[2], Amount::from_minor(0), Amount::from_minor(70))
        ]
    );
}

async fn month_flows_are_kept_with_the_transfers(database: &TestDatabase) {
    use redress_app::summary::MonthSums;
    let store = database.open().await;
    let fund = open_account(&store, "assets:bank:fund", pen()).await;
    let donations = open_account(&store, "income:donations", pen()).await;
    let on = |transfer: Transfer, date: time::Date| Transfer { value_date: date, ..transfer };
    let mut hold = posted_transfer(4, donations, fund, 9, ((0, 0), (0, 0)));
    (hold.kind, hold.posted, hold.pending_status) =
        (TransferType::Pending, Amount::ZERO, Some(PendingStatus::Pending));
    insert(
        &store,
        &[
            on(
                posted_transfer(1, fund, donations, 70, ((70, 0), (0, 70))),
                time::macros::date!(2026 - 11 - 28),
            ),
            on(
                posted_transfer(2, fund, donations, 30, ((100, 0), (0, 100))),
                time::macros::date!(2026 - 12 - 02),
            ),
        ],
    )
    .await;
    // A second transaction adds to the month the first one opened; a hold moves nothing.
    insert(
        &store,
        &[
            on(
                posted_transfer(3, donations, fund, 5, ((5, 100), (100, 5))),
                time::macros::date!(2026 - 12 - 31),
            ),
            hold,
        ],
    )
    .await;
    let sums = |month: &str, debits: i64, credits: i64| MonthSums {
        month: month.to_string(),
        debits: Amount::from_minor(debits),
        credits: Amount::from_minor(credits),
    };
    let mut tx = store.read().await.unwrap();
    let (november, january) = (time::macros::date!(2026 - 11 - 01), time::macros::date!(2027 - 01 - 01));
    assert_eq!(
        tx.account_flows_by_month(fund, november, january).await.unwrap(),
        vec![sums("2026-11", 70, 0), sums("2026-12", 30, 5)]
    );
    assert_eq!(
        tx.account_flows_by_month(donations, time::macros::date!(2026 - 12 - 01), january).await.unwrap(),
        vec![sums("2026-12", 5, 30)]
    );
    assert_eq!(tx.month_flow_mismatches().await.unwrap(), vec![]);
    drop(tx);
    tamper(&store, &format!("UPDATE ledger_month_flows SET debits = debits + 1 WHERE account_id = {fund} AND month = '2026-12'")).await;
    tamper(
        &store,
        &format!("DELETE FROM ledger_month_flows WHERE account_id = {donations} AND month = '2026-11'"),
    )
    .await;
    let mut found = store.read().await.unwrap().month_flow_mismatches().await.unwrap();
    found.sort();
    let mut expected = vec![(fund, "2026-12".to_string()), (donations, "2026-11".to_string())];
    expected.sort();
    assert_eq!(found, expected);
}

async fn the_fund_details_are_one_row_replaced_whole(database: &TestDatabase) {
    use redress_app::store::FundDetailsRecord;
    use redress_domain::fund::FundDetails;
    let store = database.open().await;
    assert_eq!(store.read().await.unwrap().fund_details().await.unwrap(), None);
    let first = FundDetailsRecord {
        details: FundDetails {
            name: "Fondo Especial".into(),
            bank_account: Some("00219300999999999910".into()),
            bank_bic: Some("BCPLPEPL".into()),
            bank_name: Some("Banco de Crédito del Perú".into()),
            tax_id: Some("20131370645".into()),
        },
        updated_at: Timestamp::from_unix_micros(1_764_000_000_000_000),
        updated_by: "admin".into(),
    };
    let mut tx = store.write().await.unwrap();
    tx.put_fund_details(&first).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.read().await.unwrap().fund_details().await.unwrap(), Some(first.clone()));
    // Replaced as a whole: fields left out are cleared, not kept.
    let second = FundDetailsRecord {
        details: FundDetails {
            name: "Fondo".into(),
            bank_account: None,
            bank_bic: None,
            bank_name: None,
            tax_id: None,
        },
        updated_at: Timestamp::from_unix_micros(1_764_000_000_000_001),
        updated_by: "otra".into(),
    };
    let mut tx = store.write().await.unwrap();
    tx.put_fund_details(&second).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.read().await.unwrap().fund_details().await.unwrap(), Some(second));
    store.close().await;
}

/// The database, its write-ahead log and shared-memory file are for their owner only, whatever
/// the folder's mode and the process's umask.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_files_are_created_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let database = TestDatabase::sqlite();
    let folder = database.folder().unwrap().clone();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = database.open().await;
    append(&store, 1).await;
    let names = ["redress.db", "redress.db-wal", "redress.db-shm"];
    for name in names {
        let mode = std::fs::metadata(folder.join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name} is {mode:o}");
    }
    store.close().await;
}
