//! Alerts: stored with the institutions they concern, their meeting and state history, listed
//! by institution, state and deadline, counted when overdue; an unknown stored state is
//! `Corrupt` and the database refuses one (migration 0060).

use redress_app::alerts::{AlertChange, AlertFilter, AlertRecord, Participant};
use redress_app::store::{Page, Store, StoreError};
use redress_domain::alerts::{AlertState, ClosureReason, Urgency};
use redress_domain::{InstitutionId, InstitutionKind};
use redress_store::testing::TestDatabase;

use super::t;

const HOUR: i64 = 3_600_000_000;

fn alert(institution_id: InstitutionId, reported_hour: i64) -> AlertRecord {
    let mut record = AlertRecord::open(
        "Dos adolescentes en un bar".into(),
        t(reported_hour * HOUR),
        institution_id,
        "fiscal".into(),
    );
    record.place = Some("Tumbes".to_string());
    record.urgency = Urgency::Immediate;
    record.minors_involved = true;
    record.origin_country = Some("EC".to_string());
    record
}

/// Two institutions and three alerts: (office, shelter, [ids]). The first concerns the shelter.
async fn three_alerts(store: &dyn Store) -> (InstitutionId, InstitutionId, [i64; 3]) {
    let mut tx = store.write().await.unwrap();
    let office = tx.insert_institution("Fiscalía", InstitutionKind::Prosecutor, t(0)).await.unwrap();
    let shelter = tx.insert_institution("Casa refugio", InstitutionKind::Ngo, t(0)).await.unwrap();
    let first = tx.insert_alert(&alert(office, 1), &[shelter]).await.unwrap();
    let second = tx.insert_alert(&alert(office, 2), &[]).await.unwrap();
    let third = tx.insert_alert(&alert(shelter, 3), &[]).await.unwrap();
    tx.commit().await.unwrap();
    (office, shelter, [first, second, third])
}

pub(crate) async fn alerts_round_trip_with_their_meeting_and_history(database: &TestDatabase) {
    let store = database.open().await;
    let (office, shelter, [id, ..]) = three_alerts(&store).await;
    let mut tx = store.write().await.unwrap();
    let mut record = tx.alert(id).await.unwrap().unwrap();
    assert_eq!(record, AlertRecord { id, ..alert(office, 1) });
    assert_eq!(tx.alert_institutions(id).await.unwrap(), [shelter]);
    record.state = AlertState::Closed;
    record.scheduled_for = Some(t(5 * HOUR));
    record.held_at = Some(t(6 * HOUR));
    record.decisions = Some("Rescate".to_string());
    record.closure_reason = Some(ClosureReason::ReferredElsewhere);
    tx.update_alert(&record).await.unwrap();
    let change = AlertChange {
        from_state: Some(AlertState::Open),
        to_state: AlertState::Closed,
        at: t(7),
        recorded_by: "fiscal".to_string(),
    };
    tx.insert_alert_change(
        id,
        &AlertChange { from_state: None, to_state: AlertState::Open, ..change.clone() },
    )
    .await
    .unwrap();
    tx.insert_alert_change(id, &change).await.unwrap();
    let named = Participant { institution_id: None, name: "Policía Nacional".to_string() };
    let shelter_there = Participant { institution_id: Some(shelter), name: "Casa refugio".to_string() };
    tx.set_alert_participants(id, std::slice::from_ref(&named)).await.unwrap();
    tx.set_alert_participants(id, &[shelter_there.clone(), named.clone()]).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.alert(id).await.unwrap().unwrap(), record);
    assert_eq!(tx.alert_changes(id).await.unwrap().last(), Some(&change));
    assert_eq!(tx.alert_changes(id).await.unwrap().len(), 2);
    assert_eq!(tx.alert_participants(id).await.unwrap(), [shelter_there, named], "replaced, in order");
    assert!(tx.alert(9_999).await.unwrap().is_none());
}

pub(crate) async fn alerts_are_listed_by_institution_state_and_deadline(database: &TestDatabase) {
    let store = database.open().await;
    let (office, shelter, [first, second, third]) = three_alerts(&store).await;
    let mut tx = store.read().await.unwrap();
    let page = Page { after: None, limit: 10 };
    let ids = |records: Vec<AlertRecord>| records.into_iter().map(|a| a.id).collect::<Vec<_>>();
    let all = AlertFilter::default();
    assert_eq!(ids(tx.alerts_page(&all, page).await.unwrap()), [third, second, first], "newest first");
    let after = Page { after: Some(second), limit: 10 };
    assert_eq!(ids(tx.alerts_page(&all, after).await.unwrap()), [first]);
    let of_shelter = AlertFilter { institution: Some(shelter), ..AlertFilter::default() };
    assert_eq!(
        ids(tx.alerts_page(&of_shelter, page).await.unwrap()),
        [third, first],
        "recorded or concerned"
    );
    let of_office = AlertFilter { institution: Some(office), ..AlertFilter::default() };
    assert_eq!(ids(tx.alerts_page(&of_office, page).await.unwrap()), [second, first]);
    let closed = AlertFilter { states: vec![AlertState::Closed], ..AlertFilter::default() };
    assert!(tx.alerts_page(&closed, page).await.unwrap().is_empty());
    // At hour 26.5 the first two are past their 24 hours, the third is not.
    let now = t(26 * HOUR + HOUR / 2);
    let due =
        AlertFilter { institution: Some(shelter), states: vec![AlertState::Open], due_before: Some(now) };
    assert_eq!(ids(tx.alerts_page(&due, page).await.unwrap()), [first]);
    assert_eq!(tx.overdue_alert_count(None, now).await.unwrap(), 2);
    assert_eq!(tx.overdue_alert_count(Some(shelter), now).await.unwrap(), 1);
    assert_eq!(tx.overdue_alert_count(Some(office), t(HOUR)).await.unwrap(), 0);
}

pub(crate) async fn a_bad_alert_state_is_corrupt_and_refused_by_the_database(database: &TestDatabase) {
    let store = database.open().await;
    let (_, _, [id, ..]) = three_alerts(&store).await;
    let refused = sqlx::query("UPDATE alerts SET state = 'lost'").execute(store.pool()).await;
    assert!(refused.is_err(), "migration 0060 guards the state");
    let refused = sqlx::query("UPDATE alerts SET urgency = 'urgent'").execute(store.pool()).await;
    assert!(refused.is_err(), "and the urgency");
    redress_store::testing::drop_value_guards(&store).await;
    sqlx::query("UPDATE alerts SET state = 'lost'").execute(store.pool()).await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert!(matches!(tx.alert(id).await.unwrap_err(), StoreError::Corrupt(_)));
}
