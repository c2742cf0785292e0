//! Judgments drive the case and the money, on both engines: a recorded final judgment moves the
//! case and refuses moves that contradict it; an appeal releases the holds on its orders and
//! makes their claims wait; a confirmation puts them back in the queue; an acquittal or an
//! annulment stops them; a payment already in a bank file waits for the bank and is stopped if
//! the bank does not pay it.

mod common;

use common::world::{approved, e2e, intact, ok, report, send, world, World};
use common::USER_PASSWORD;
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    a_case_follows_its_judgment_and_refuses_contradicting_moves,
    an_appeal_holds_the_orders_and_a_confirmation_releases_them,
    an_acquittal_on_appeal_stops_the_claims_and_ends_the_case,
    a_payment_already_sent_waits_for_the_bank_and_stops_if_unpaid,
);

async fn claim(w: &World, name: &str) -> Value {
    ok(w.server.get(&format!("/api/v1/claims/{}", w.lines[name].0), &w.officer).await).await
}

async fn case_of(w: &World) -> Value {
    let judgment = ok(w.server.get(&format!("/api/v1/judgments/{}", w.judgment), &w.officer).await).await;
    let case = judgment["case_id"].as_i64().expect("the judgment's case");
    ok(w.server.get(&format!("/api/v1/cases/{case}"), &w.officer).await).await
}

/// The fund's cash: (posted, pending).
async fn fund(w: &World) -> (String, String) {
    let accounts = ok(w.server.get("/api/v1/ledger/accounts", &w.officer).await).await;
    let list = accounts["items"].as_array().or(accounts.as_array()).cloned().unwrap_or_default();
    let fund = list.into_iter().find(|a| a["name"] == "assets:bank:fund").unwrap();
    (fund["posted"].as_str().unwrap().to_string(), fund["pending"].as_str().unwrap().to_string())
}

async fn commit_round(w: &World) -> reqwest::Response {
    w.server.post("/api/v1/rounds", &w.officer, json!({"dry_run": false})).await
}

async fn appeal(w: &World) -> Value {
    let path = format!("/api/v1/judgments/{}/appeal", w.judgment);
    ok(w.server
        .post(&path, &w.clerk, json!({"filed_on": "2026-03-05", "note": "Apelación del condenado"}))
        .await)
    .await
}

async fn decide(w: &World, outcome: &str) -> Value {
    let path = format!("/api/v1/judgments/{}/appeal-decision", w.judgment);
    ok(w.server.post(&path, &w.clerk, json!({"outcome": outcome, "on": "2026-04-20"})).await).await
}

async fn a_case_follows_its_judgment_and_refuses_contradicting_moves(database: TestDatabase) {
    let w = approved(database).await;
    let case = case_of(&w).await;
    assert_eq!(case["stage"], "final", "a judgment recorded as final moves the case: {case}");
    let prosecutor = w.server.token("fiscal", USER_PASSWORD).await;
    let path = format!("/api/v1/cases/{}/stage", case["id"]);
    for stage in ["acquitted", "archived", "trial"] {
        let refused = w.server.post(&path, &prosecutor, json!({"stage": stage, "date": "2026-05-01"})).await;
        assert!(matches!(refused.status().as_u16(), 409 | 422), "{stage}: {}", refused.status());
    }
    assert_eq!(case_of(&w).await["stage"], "final", "nothing moved");
}

async fn an_appeal_holds_the_orders_and_a_confirmation_releases_them(database: TestDatabase) {
    let w = approved(database).await;
    ok(commit_round(&w).await).await;
    assert_eq!(claim(&w, "Ana").await["state"], "allocated");
    assert_eq!(
        fund(&w).await,
        ("9000.00".to_string(), "-9000.00".to_string()),
        "three holds of S/ 3,000 going out"
    );

    appeal(&w).await;
    for name in ["Ana", "Berta", "Carla"] {
        let c = claim(&w, name).await;
        assert_eq!(
            (c["state"].as_str(), c["waiting_for"].as_str()),
            (Some("approved"), Some("court_decision")),
            "{c}"
        );
    }
    assert_eq!(fund(&w).await.1, "0.00", "the holds were released");
    let round = commit_round(&w).await;
    assert!(
        !round.status().is_success(),
        "nothing is payable while the appeal is pending: {}",
        round.status()
    );
    intact(&w).await;

    decide(&w, "confirmed").await;
    let ana = claim(&w, "Ana").await;
    assert!(ana["waiting_for"].is_null(), "{ana}");
    let round = ok(commit_round(&w).await).await;
    assert_eq!(round["lines"].as_array().map(Vec::len), Some(3), "{round}");
    assert_eq!(case_of(&w).await["stage"], "final");
    intact(&w).await;
}

async fn an_acquittal_on_appeal_stops_the_claims_and_ends_the_case(database: TestDatabase) {
    let w = approved(database).await;
    ok(commit_round(&w).await).await;
    appeal(&w).await;
    let judgment = decide(&w, "acquitted").await;
    for name in ["Ana", "Berta", "Carla"] {
        assert_eq!(claim(&w, name).await["state"], "stopped", "{name}");
    }
    for order in judgment["orders"].as_array().unwrap() {
        assert_eq!(order["eligible"], false, "a voided order is not payable: {order}");
    }
    assert_eq!(case_of(&w).await["stage"], "acquitted");
    assert_eq!(fund(&w).await, ("9000.00".to_string(), "0.00".to_string()), "no money left held");
    assert!(!commit_round(&w).await.status().is_success());
    // A second decision is refused and changes nothing.
    let again = w
        .server
        .post(
            &format!("/api/v1/judgments/{}/appeal-decision", w.judgment),
            &w.clerk,
            json!({"outcome": "confirmed", "on": "2026-04-21"}),
        )
        .await;
    assert_eq!(again.status(), 409);
    assert_eq!(claim(&w, "Ana").await["state"], "stopped");
    intact(&w).await;
}

async fn a_payment_already_sent_waits_for_the_bank_and_stops_if_unpaid(database: TestDatabase) {
    let w = world(database).await;
    appeal(&w).await;
    let ana = claim(&w, "Ana").await;
    assert_eq!(
        (ana["state"].as_str(), ana["waiting_for"].as_str()),
        (Some("in_batch"), Some("court_decision")),
        "{ana}"
    );
    decide(&w, "annulled").await;
    assert_eq!(claim(&w, "Ana").await["state"], "in_batch", "a file at the bank cannot be recalled");
    assert_eq!(case_of(&w).await["stage"], "trial", "an annulment sends the case back to trial");

    // The bank rejects Ana's transfer and pays Carla's: Ana's claim stops, Carla's is paid.
    let trf = format!("B{}-TRF", w.batch);
    let (ana_e2e, carla_e2e) = (e2e(&w, "Ana").to_string(), e2e(&w, "Carla").to_string());
    let xml = report(
        &w,
        "1",
        None,
        &[(trf.as_str(), None, &[(ana_e2e.as_str(), "RJCT"), (carla_e2e.as_str(), "ACSC")])],
    );
    ok(send(&w, &w.treasurer, xml).await).await;
    assert_eq!(claim(&w, "Ana").await["state"], "stopped");
    assert_eq!(claim(&w, "Carla").await["state"], "paid", "money the bank paid stays paid");
    intact(&w).await;
}
