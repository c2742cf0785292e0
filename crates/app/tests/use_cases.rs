//! The use cases' denials and invariants, run over a real SQLite store (each test its own
//! database): who may do what, and from which institution; nothing written when refused; the
//! books balanced after every batch.

use std::sync::Arc;

use redress_app::ledger::TransferRequest;
use redress_app::protect::KeyRing;
use redress_app::victims::RegisterVictim;
use redress_app::{Actor, App, AppError, RequestContext, Settings};
use redress_domain::{InstitutionId, Role};
use redress_store::testing::TestDatabase;

async fn app(database: &TestDatabase) -> App {
    let app = App::new(Arc::new(database.open().await), Settings::default()).with_keys(KeyRing::generate());
    app.ensure_chart_of_accounts().await.unwrap();
    app
}

fn admin() -> Actor {
    Actor::system()
}

fn staff(role: Role, institution: i64) -> Actor {
    Actor {
        username: format!("{}-{institution}", role.as_str()),
        roles: vec![role],
        institution_id: Some(InstitutionId(institution)),
        ..Actor::system()
    }
}

async fn institution(app: &App, name: &str, kind: &str) -> i64 {
    app.create_institution(&admin(), &RequestContext::default(), name, kind).await.unwrap().id.0
}

fn registration(document: &str) -> RegisterVictim {
    RegisterVictim {
        given_names: "Rosa Elena".into(),
        surnames: "Quispe Mamani".into(),
        document_type: "dni".into(),
        document_number: document.into(),
        birth_date: "1998-04-23".into(),
        sex: "female".into(),
        nationality: "PE".into(),
        consent: true,
        ..RegisterVictim::default()
    }
}

fn donation(id: u32, amount: &str) -> TransferRequest {
    TransferRequest {
        id: format!("00000000-0000-4000-8000-{id:012}"),
        debit_account: Some("assets:bank:fund".into()),
        credit_account: Some("income:donations".into()),
        amount: amount.into(),
        currency: "PEN".into(),
        ..TransferRequest::default()
    }
}

async fn audit_actions(app: &App) -> Vec<String> {
    let auditor = Actor { roles: vec![Role::Auditor], ..Actor::system() };
    app.audit_page(&auditor, None, Some(500)).await.unwrap().into_iter().map(|r| r.event.action).collect()
}

#[tokio::test]
async fn a_role_without_the_ledger_is_refused_and_nothing_is_written() {
    let database = TestDatabase::sqlite();
    let app = app(&database).await;
    let ngo = institution(&app, "Casa Refugio", "ngo").await;
    let before = audit_actions(&app).await.len();
    let vs = staff(Role::VictimServices, ngo);
    let refused = app.create_transfers(&vs, &RequestContext::default(), &[donation(1, "10.00")]).await;
    assert!(matches!(refused, Err(AppError::Forbidden)), "victim services wrote the ledger");
    let officer = Actor { roles: vec![Role::FundOfficer, Role::Auditor], ..Actor::system() };
    let accounts = app.ledger_accounts(&officer).await.unwrap();
    assert!(accounts.iter().all(|a| a.totals == Default::default()), "a refused transfer moved money");
    assert_eq!(audit_actions(&app).await.len(), before, "a refusal wrote to the audit trail");
}

#[tokio::test]
async fn another_institution_never_sees_the_identity_and_every_read_of_it_is_audited() {
    let database = TestDatabase::sqlite();
    let app = app(&database).await;
    let cem = institution(&app, "CEM Lima Centro", "ministry").await;
    let ngo = institution(&app, "Casa Refugio", "ngo").await;
    let context = RequestContext::default();
    let registered = app
        .register_victim(&staff(Role::VictimServices, cem), &context, registration("45678912"))
        .await
        .unwrap();
    let code = registered.code.clone();

    let elsewhere = app.victim(&staff(Role::VictimServices, ngo), &context, &code, None).await.unwrap();
    assert!(elsewhere.identity.is_none(), "another institution read the identity");
    assert_eq!(elsewhere.identity_withheld, Some("not_allowed"));
    let prosecutor = app.victim(&staff(Role::Prosecutor, ngo), &context, &code, None).await.unwrap();
    assert!(prosecutor.identity.is_none(), "a prosecutor outside the victim's cases read the identity");
    let reads = |actions: &[String]| actions.iter().filter(|a| *a == "victim.identity_read").count();
    assert_eq!(reads(&audit_actions(&app).await), 0, "a withheld identity was logged as read");

    let own =
        app.victim(&staff(Role::VictimServices, cem), &context, &code, Some("follow-up")).await.unwrap();
    assert_eq!(own.identity.map(|i| i.document_number), Some("45678912".to_string()));
    assert_eq!(reads(&audit_actions(&app).await), 1, "the read of the identity was not audited");

    // Creating a record does not grant access: the other institution registering the same
    // person makes its own record, and still cannot open the first.
    let again =
        app.register_victim(&staff(Role::VictimServices, ngo), &context, registration("45678912")).await;
    if let Ok(second) = again {
        assert_ne!(second.code, code);
    }
    let still = app.victim(&staff(Role::VictimServices, ngo), &context, &code, None).await.unwrap();
    assert!(still.identity.is_none());
}

#[tokio::test]
async fn refused_transfers_leave_the_books_as_they_were_and_balanced() {
    let database = TestDatabase::sqlite();
    let app = app(&database).await;
    let officer = Actor { roles: vec![Role::FundOfficer, Role::Auditor], ..Actor::system() };
    let context = RequestContext::default();
    app.create_transfers(&officer, &context, &[donation(1, "100.00")]).await.unwrap();
    let before = app.ledger_accounts(&officer).await.unwrap();
    // The fund's cash may not go below zero: paying out more than it holds is refused.
    let overdraw = TransferRequest {
        debit_account: Some("expenses:reparations".into()),
        credit_account: Some("assets:bank:fund".into()),
        ..donation(2, "100.01")
    };
    let outcomes = app.create_transfers(&officer, &context, &[overdraw]).await.unwrap();
    assert!(outcomes.iter().all(|o| matches!(o, redress_app::ledger::TransferOutcome::Failed { .. })));
    assert_eq!(app.ledger_accounts(&officer).await.unwrap(), before, "a refused transfer changed a total");
    let check = app.verify_ledger(&officer).await.unwrap();
    assert!(check.balanced, "{:?}", check.problems);
}
