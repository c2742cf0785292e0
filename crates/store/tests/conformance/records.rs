//! Victims, cases, user administration and idempotency keys: every storage method of these
//! aggregates, written and read back on both engines.

use redress_app::store::{IdempotentResponse, IdentityChange, Page, Store, VictimRecord};
use redress_domain::{InstitutionId, InstitutionKind, Role, Timestamp};
use redress_store::testing::TestDatabase;

use super::typed::case_record;
use super::{new_user, t};

pub(crate) fn victim_record(
    institution_id: InstitutionId,
    number: i64,
    document_index: &str,
) -> VictimRecord {
    VictimRecord {
        id: 0,
        code: format!("V-2026-{number:05}"),
        year: 2026,
        number,
        institution_id,
        identity: format!("v1:k1:sealed-{number}"),
        document_index: document_index.to_string(),
        sex: "female".to_string(),
        nationality: "PE".to_string(),
        age_band: "18-25".to_string(),
        minor: false,
        region: Some("Tumbes".to_string()),
        exploitation: Some("labour".to_string()),
        consent_given_at: t(1),
        consent_scope: "fund".to_string(),
        consent_withdrawn_at: None,
        created_at: t(1),
        created_by: "ong".to_string(),
    }
}

pub(crate) async fn victims_are_stored_corrected_and_referred(database: &TestDatabase) {
    let store = database.open().await;
    let mut tx = store.write().await.unwrap();
    let ngo = tx.insert_institution("ONG", InstitutionKind::Ngo, t(0)).await.unwrap();
    let shelter = tx.insert_institution("Albergue", InstitutionKind::Ngo, t(0)).await.unwrap();
    assert_eq!(tx.last_victim_number(2026).await.unwrap(), 0);
    let first = tx.insert_victim(&victim_record(ngo, 1, "idx-a")).await.unwrap();
    let second = tx.insert_victim(&victim_record(ngo, 7, "idx-a")).await.unwrap();
    assert_eq!(tx.last_victim_number(2026).await.unwrap(), 7);
    assert_eq!(tx.last_victim_number(2025).await.unwrap(), 0);
    tx.set_victim_identity("V-2026-00001", "v1:k2:resealed").await.unwrap();
    tx.set_consent_withdrawn("V-2026-00007", t(5)).await.unwrap();
    let mut updated = victim_record(ngo, 1, "idx-b");
    updated.id = first;
    updated.identity = "v1:k2:corrected".to_string();
    updated.minor = true;
    updated.region = Some("Cusco".to_string());
    tx.update_victim(&updated).await.unwrap();
    let change = IdentityChange {
        previous: "v1:k2:resealed".to_string(),
        fields: vec!["document".to_string(), "birth_date".to_string()],
        reason: "error de digitación".to_string(),
        changed_at: t(6),
        changed_by: "ong".to_string(),
    };
    tx.insert_identity_change(first, &change).await.unwrap();
    tx.insert_data_key_check("k1", "sealed-check-1").await.unwrap();
    tx.insert_referral(first, shelter, t(7), "ong").await.unwrap();
    tx.insert_referral(first, ngo, t(8), "ong").await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    let stored = tx.victim("V-2026-00001").await.unwrap().unwrap();
    assert_eq!((stored.id, stored.identity.as_str(), stored.minor), (first, "v1:k2:corrected", true));
    assert_eq!(stored.document_index, "idx-b");
    let withdrawn = tx.victim("V-2026-00007").await.unwrap().unwrap();
    assert_eq!((withdrawn.id, withdrawn.consent_withdrawn_at), (second, Some(t(5))));
    assert!(tx.victim("V-2026-00002").await.unwrap().is_none());
    let same_document = tx.victims_with_document("idx-a").await.unwrap();
    assert_eq!(same_document.iter().map(|v| v.id).collect::<Vec<_>>(), vec![second]);
    let page = tx.victims(Page { after: Some(first), limit: 10 }).await.unwrap();
    assert_eq!(page.iter().map(|v| v.id).collect::<Vec<_>>(), vec![second]);
    assert_eq!(tx.identity_changes(first).await.unwrap(), vec![change]);
    assert!(tx.identity_changes(second).await.unwrap().is_empty());
    assert_eq!(tx.data_key_checks().await.unwrap(), vec![("k1".to_string(), "sealed-check-1".to_string())]);
    assert!(tx.victim_referred_to(first, shelter).await.unwrap());
    assert!(!tx.victim_referred_to(second, shelter).await.unwrap());
    let referrals = tx.victim_referrals(first).await.unwrap();
    let shown: Vec<(i64, &str, Timestamp, &str)> =
        referrals.iter().map(|(id, name, at, by)| (*id, name.as_str(), *at, by.as_str())).collect();
    assert_eq!(
        shown,
        vec![(shelter.0, "Albergue", t(7), "ong"), (ngo.0, "ONG", t(8), "ong")],
        "oldest first"
    );
    assert!(tx.victim_referrals(second).await.unwrap().is_empty());
    // The counts statistics read follow the correction: one victim moved to Cusco.
    let mut profiles: Vec<(Option<String>, i64)> =
        tx.victim_profiles().await.unwrap().into_iter().map(|p| (p.region, p.victims)).collect();
    profiles.sort();
    assert_eq!(profiles, vec![(Some("Cusco".to_string()), 1), (Some("Tumbes".to_string()), 1)]);
    assert_eq!(tx.maintained_count_mismatches().await.unwrap(), Vec::<String>::new());
}

pub(crate) async fn cases_hold_their_court_defendants_and_victims(database: &TestDatabase) {
    let store = database.open().await;
    let mut tx = store.write().await.unwrap();
    let office = tx.insert_institution("Fiscalía", InstitutionKind::Prosecutor, t(0)).await.unwrap();
    let court = tx.insert_institution("Juzgado", InstitutionKind::Court, t(0)).await.unwrap();
    let elsewhere = tx.insert_institution("Otra fiscalía", InstitutionKind::Prosecutor, t(0)).await.unwrap();
    let case = tx.insert_case(&case_record(office, "F-9")).await.unwrap();
    let victim = tx.insert_victim(&victim_record(office, 1, "idx")).await.unwrap();
    let outsider = tx.insert_victim(&victim_record(office, 2, "idx-2")).await.unwrap();
    let defendant = tx.insert_defendant(case, "Juan Pérez").await.unwrap();
    tx.link_victim(case, victim).await.unwrap();
    tx.set_case_court(case, court).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    let stored = tx.case_by_prosecutor_file("F-9").await.unwrap().unwrap();
    assert_eq!((stored.id, stored.court_id), (case, Some(court)));
    assert!(tx.case_by_prosecutor_file("F-10").await.unwrap().is_none());
    let defendants = tx.case_defendants(case).await.unwrap();
    assert_eq!(
        defendants.iter().map(|d| (d.id, d.name.as_str())).collect::<Vec<_>>(),
        vec![(defendant, "Juan Pérez")]
    );
    assert_eq!(tx.case_victim_codes(case).await.unwrap(), vec!["V-2026-00001".to_string()]);
    assert!(tx.victim_in_cases_of(victim, office).await.unwrap(), "the office opened the case");
    assert!(tx.victim_in_cases_of(victim, court).await.unwrap(), "the case is at the court");
    assert!(!tx.victim_in_cases_of(victim, elsewhere).await.unwrap());
    assert!(!tx.victim_in_cases_of(outsider, office).await.unwrap());
    drop(tx);
    let mut tx = store.write().await.unwrap();
    assert!(tx.link_victim(case, victim).await.is_err(), "a victim is in a case once");
}

pub(crate) async fn users_are_administered(database: &TestDatabase) {
    let store = database.open().await;
    let user = new_user(&store, "ana", vec![Role::Admin]).await;
    let mut tx = store.write().await.unwrap();
    let other = tx.insert_institution("Juzgado", InstitutionKind::Court, t(0)).await.unwrap();
    assert_eq!(tx.user_locale(user).await.unwrap(), None);
    tx.set_user_locale(user, "es").await.unwrap();
    tx.set_user_locale(user, "en").await.unwrap();
    tx.set_user_deactivated(user, Some(t(9))).await.unwrap();
    tx.set_must_change_password(user, true).await.unwrap();
    tx.set_user_roles(user, &[Role::Auditor, Role::FundOfficer]).await.unwrap();
    tx.set_user_institution(user, other).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.user_locale(user).await.unwrap().as_deref(), Some("en"));
    let stored = tx.user_by_id(user).await.unwrap().unwrap();
    assert_eq!((stored.deactivated_at, stored.must_change_password), (Some(t(9)), true));
    let mut roles = stored.roles.clone();
    roles.sort_by_key(|r| r.as_str());
    assert_eq!(roles, vec![Role::Auditor, Role::FundOfficer]);
    assert_eq!((stored.institution_id, stored.institution.as_str()), (other, "Juzgado"));
    drop(tx);
    let mut tx = store.write().await.unwrap();
    tx.set_user_deactivated(user, None).await.unwrap();
    tx.set_must_change_password(user, false).await.unwrap();
    tx.commit().await.unwrap();
    let stored = store.read().await.unwrap().user_by_id(user).await.unwrap().unwrap();
    assert_eq!((stored.deactivated_at, stored.must_change_password), (None, false));
}

pub(crate) async fn idempotency_keys_are_claimed_leased_and_finished(database: &TestDatabase) {
    let store = database.open().await;
    let user = new_user(&store, "ana", vec![Role::Admin]).await;
    let mut tx = store.write().await.unwrap();
    assert!(tx.claim_idempotency_key(user, "k1", "h1", t(10), t(20)).await.unwrap());
    assert!(!tx.claim_idempotency_key(user, "k1", "h1", t(11), t(21)).await.unwrap(), "the key is taken");
    assert!(tx.claim_idempotency_key(user, "k2", "h2", t(10), t(20)).await.unwrap());
    tx.commit().await.unwrap();

    let mut tx = store.write().await.unwrap();
    let claimed = tx.idempotency_key(user, "k1").await.unwrap().unwrap();
    assert_eq!((claimed.response.status, claimed.response.request_hash.as_str()), (0, "h1"));
    assert_eq!((claimed.lease_until, claimed.applied_at), (t(20), None));
    assert!(tx.take_over_idempotency_key(user, "k1", t(20), t(40)).await.unwrap());
    assert!(!tx.take_over_idempotency_key(user, "k1", t(20), t(50)).await.unwrap(), "taken over once");
    assert_eq!(tx.idempotency_key(user, "k1").await.unwrap().unwrap().lease_until, t(40));
    tx.end_idempotency_lease(user, "k1", t(30)).await.unwrap();
    assert_eq!(tx.idempotency_key(user, "k1").await.unwrap().unwrap().lease_until, t(30));
    let response = IdempotentResponse {
        request_hash: "h1".to_string(),
        status: 201,
        content_type: Some("application/json".to_string()),
        body: Some("{\"id\":1}".to_string()),
    };
    tx.finish_idempotency_key(user, "k1", &response).await.unwrap();
    assert_eq!(tx.idempotency_key(user, "k1").await.unwrap().unwrap().response, response);
    assert!(tx.release_unapplied_idempotency_key(user, "k2").await.unwrap(), "k2's work never applied");
    assert!(tx.idempotency_key(user, "k2").await.unwrap().is_none());
    tx.commit().await.unwrap();

    let mut tx = store.write().await.unwrap();
    assert_eq!(tx.delete_idempotency_keys_before(t(5)).await.unwrap(), 0);
    assert_eq!(tx.delete_idempotency_keys_before(t(100)).await.unwrap(), 1);
    assert!(tx.idempotency_key(user, "k1").await.unwrap().is_none());
    tx.commit().await.unwrap();
}
