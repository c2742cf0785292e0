//! The smaller money rules, on both engines: value dates on transfers (past within a limit,
//! never the future) used by statements and journals; a receipt without the victim's name once
//! consent is withdrawn; seized cash must belong to a case; the advance cap counts a victim's
//! advances in every case; a minor's representative is paid until the victim comes of age.

mod common;

use common::world::{approved, e2e, intact, ok, report, send, world, World};
use common::{expect_problem, problem_fields, USER_PASSWORD};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    a_transfer_carries_the_day_money_moved,
    a_receipt_shows_no_name_after_consent_is_withdrawn,
    seized_cash_belongs_to_a_case,
    the_advance_cap_counts_every_case_of_the_victim,
    a_minor_is_paid_through_the_representative_until_of_age,
);

async fn a_transfer_carries_the_day_money_moved(database: TestDatabase) {
    let w = approved(database).await;
    let transfer = |id: &str, value_date: Option<&str>| {
        let mut body = json!({"id": id, "debit_account": "assets:bank:fund", "credit_account": "income:donations",
            "amount": "120.00", "currency": "PEN", "memo": "Donación"});
        if let Some(date) = value_date {
            body["value_date"] = json!(date);
        }
        body
    };
    let today = w.server.app.today(); // the fund's calendar day (Lima), not UTC's
    let last_week = today - time::Duration::days(7);
    let tomorrow = today + time::Duration::days(1);
    let long_ago = today - time::Duration::days(1_200);
    let recorded = ok(w
        .server
        .post(
            "/api/v1/ledger/transfers",
            &w.officer,
            transfer("6a1f0a3e-2c2d-4e3f-8a9b-0c1d2e3f4a51", Some(&last_week.to_string())),
        )
        .await)
    .await;
    assert_eq!(recorded["transfer"]["value_date"], last_week.to_string(), "{recorded}");
    let typed_today = ok(w
        .server
        .post("/api/v1/ledger/transfers", &w.officer, transfer("6a1f0a3e-2c2d-4e3f-8a9b-0c1d2e3f4a52", None))
        .await)
    .await;
    assert_eq!(typed_today["transfer"]["value_date"], today.to_string(), "the day it is entered by default");
    for (id, date) in [
        ("6a1f0a3e-2c2d-4e3f-8a9b-0c1d2e3f4a53", tomorrow),
        ("6a1f0a3e-2c2d-4e3f-8a9b-0c1d2e3f4a54", long_ago),
    ] {
        let refused = expect_problem(
            w.server
                .post("/api/v1/ledger/transfers", &w.officer, transfer(id, Some(&date.to_string())))
                .await,
            422,
        )
        .await;
        assert_eq!(problem_fields(&refused), vec!["value_date"], "{date}");
    }
    // The statement and the journal use the value date.
    let statement =
        ok(w.server.get("/api/v1/ledger/statement?account=income:donations", &w.officer).await).await;
    let dates: Vec<&str> = statement["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["transfer"]["value_date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, [last_week.to_string(), today.to_string()], "{statement}");
    let journal = w.server.get("/api/v1/ledger/journal", &w.officer).await.text().await.unwrap();
    assert!(journal.contains(&format!("{last_week} ")), "the journal dates the entry by its value date");
    intact(&w).await;
}

async fn a_receipt_shows_no_name_after_consent_is_withdrawn(database: TestDatabase) {
    let w = world(database).await;
    let trf = format!("B{}-TRF", w.batch);
    let ana = e2e(&w, "Ana").to_string();
    ok(send(&w, &w.treasurer, report(&w, "1", None, &[(trf.as_str(), None, &[(ana.as_str(), "ACSC")])]))
        .await)
    .await;
    let services = w.server.token("cem", USER_PASSWORD).await;
    let path = format!("/api/v1/claims/{}/receipt", w.lines["Ana"].0);
    let before = w.server.get(&path, &services).await.text().await.unwrap();
    assert!(before.contains("Ana Quispe Mamani"), "the payee is named while consent stands");
    let code = claim_victim(&w, "Ana").await;
    let withdrawn =
        w.server.post(&format!("/api/v1/victims/{code}/consent-withdrawal"), &services, json!({})).await;
    assert!(withdrawn.status().is_success());
    let after = w.server.get(&path, &services).await.text().await.unwrap();
    assert!(!after.contains("Ana") && !after.contains("Quispe"), "no name once consent is withdrawn");
    assert!(after.contains(&code), "the receipt names the victim by code");
}

async fn claim_victim(w: &World, name: &str) -> String {
    let claim = ok(w.server.get(&format!("/api/v1/claims/{}", w.lines[name].0), &w.officer).await).await;
    claim["victim"].as_str().unwrap().to_string()
}

async fn seized_cash_belongs_to_a_case(database: TestDatabase) {
    let w = approved(database).await;
    let manager = w.server.user_token("pronabi", &["asset_manager"]).await;
    let cash = json!({"kind": "cash", "description": "Dinero en efectivo", "identifiers": "Acta 44",
        "location": "Bóveda, Lima", "region": "Lima", "custodian": "PRONABI", "seized_on": "2025-01-10",
        "document": "Resolución de incautación 44-2025", "estimated_value": "15000.00"});
    let refused = expect_problem(w.server.post("/api/v1/assets", &manager, cash.clone()).await, 422).await;
    assert!(problem_fields(&refused).contains(&"case_id".to_string()), "{refused}");
    let assets: Value = w.server.get("/api/v1/assets", &manager).await.json().await.unwrap();
    let count = assets["items"].as_array().or(assets.as_array()).map_or(0, Vec::len);
    assert_eq!(count, 0, "nothing registered");
}

/// A case of the world's prosecutor with `codes` linked by victim services; its id.
async fn open_case(w: &World, file: &str, codes: &[&str]) -> i64 {
    let prosecutor = w.server.token("fiscal", USER_PASSWORD).await;
    let services = w.server.token("cem", USER_PASSWORD).await;
    let admin = w.server.admin_token().await;
    let court = w.server.institution_id(&admin, "Juzgado Penal de Lima").await;
    let case = ok(w
        .server
        .post("/api/v1/cases", &prosecutor, json!({"prosecutor_file": file, "jurisdiction": "Lima",
            "offences": ["129-A"], "reported_on": "2025-03-01", "defendants": ["Pedro Ruiz Vela"], "court_id": court}))
        .await)
    .await;
    let id = case["id"].as_i64().unwrap();
    w.server.link_victims(&services, id, codes).await;
    id
}

async fn the_advance_cap_counts_every_case_of_the_victim(database: TestDatabase) {
    let w = approved(database).await;
    let services = w.server.token("cem", USER_PASSWORD).await;
    let ana = claim_victim(&w, "Ana").await;
    let first_case = open_case(&w, "FPT-2025-0901", &[&ana]).await;
    let second_case = open_case(&w, "FPT-2025-0902", &[&ana]).await;
    let advance = |case: i64, amount: &str| json!({"victim": ana, "kind": "advance", "case_id": case, "amount": amount, "needs": ["no_income"]});
    let first = ok(w.server.post("/api/v1/claims", &services, advance(first_case, "4000.00")).await).await;
    let refused = expect_problem(
        w.server.post("/api/v1/claims", &services, advance(second_case, "2000.00")).await,
        422,
    )
    .await;
    let amount = refused["errors"].as_array().unwrap().iter().find(|e| e["field"] == "amount").cloned();
    let reason = amount.expect("the amount is named")["reason"].as_str().unwrap().to_string();
    assert!(reason.contains("S/ 1,000.00"), "the room left, in the currency: {reason}");
    // Withdrawn, the first no longer counts.
    let path = format!("/api/v1/claims/{}/withdrawal", first["id"]);
    assert_eq!(
        w.server.post(&path, &services, json!({"reason": "Se presentó en el otro caso"})).await.status(),
        200
    );
    ok(w.server.post("/api/v1/claims", &services, advance(second_case, "2000.00")).await).await;
}

/// The `CdtTrfTxInf` of one payment in a pain.001.
fn payment_in<'a>(xml: &'a str, end_to_end: &str) -> &'a str {
    xml.split("<CdtTrfTxInf>").find(|p| p.contains(end_to_end)).expect("the payment is in the file")
}

/// A round, a batch proposed by `dual` and approved and exported by the treasurer: the batch.
async fn pay_round(w: &World, officer: &str, dual: &str, treasurer: &str) -> (i64, String) {
    let round = ok(w.server.post("/api/v1/rounds", officer, json!({"dry_run": false})).await).await;
    let batch = ok(w.server.post("/api/v1/batches", dual, json!({"round_id": round["id"]})).await).await;
    let id = batch["id"].as_i64().unwrap();
    ok(w.server.post(&format!("/api/v1/batches/{id}/approval"), treasurer, json!({})).await).await;
    let xml = w.server.get(&format!("/api/v1/batches/{id}/pain001"), treasurer).await.text().await.unwrap();
    (id, xml)
}

async fn a_minor_is_paid_through_the_representative_until_of_age(database: TestDatabase) {
    let w = approved(database).await;
    let services = w.server.token("cem", USER_PASSWORD).await;
    let today = w.server.app.today(); // the fund's calendar day (Lima), not UTC's
    let born = today.replace_year(today.year() - 18).unwrap() + time::Duration::days(20);
    let minor = ok(w
        .server
        .post("/api/v1/victims", &services, json!({"given_names": "Yeraldine", "surnames": "Pérez Ríos",
            "document_type": "dni", "document_number": "80223344", "birth_date": born.to_string(), "sex": "female",
            "nationality": "PE", "consent": true, "bank_account": "01136600010003254221",
            "legal_representative": {"given_names": "Rosa", "surnames": "Ríos Guzmán", "document_type": "ce",
                "document_number": "001234567", "relationship": "mother", "legal_basis": "Patria potestad",
                "bank_account": "00219300987654321013"}}))
        .await)
    .await["code"]
        .as_str()
        .unwrap()
        .to_string();
    let verify = format!("/api/v1/victims/{minor}/identity-verification");
    assert_eq!(w.server.post(&verify, &services, json!({"method": "registry_check"})).await.status(), 204);
    let case = open_case(&w, "FPT-2025-0903", &[&minor]).await;
    let defendant = ok(w.server.get(&format!("/api/v1/cases/{case}"), &w.officer).await).await["defendants"]
        [0]["id"]
        .clone();
    let judgment = ok(w
        .server
        .post("/api/v1/judgments", &w.clerk, json!({"case_id": case, "judged_on": "2026-01-10", "court": "Juzgado Penal de Lima",
            "convicted": [defendant], "final_on": "2026-02-10",
            "orders": [{"victim": minor, "items": [{"head": "moral_damage", "amount": "2000.00"}], "debtors": [defendant]}]}))
        .await)
    .await;
    let order = judgment["orders"][0]["id"].as_i64().unwrap();
    let finding = json!({"found_on": "2026-03-01", "basis": "Sin bienes"});
    ok(w.server.post(&format!("/api/v1/orders/{order}/insolvency"), &w.clerk, finding).await).await;
    let claim = ok(w
        .server
        .post("/api/v1/claims", &services, json!({"victim": minor, "order_id": order, "needs": ["minor"]}))
        .await)
    .await;
    let claim_id = claim["id"].as_i64().unwrap();
    ok(w.server
        .post(&format!("/api/v1/claims/{claim_id}/decision"), &w.officer, json!({"decision": "approve"}))
        .await)
    .await;
    let top_up = json!({"id": "7c1f0a3e-2c2d-4e3f-8a9b-0c1d2e3f4a5b", "debit_account": "assets:bank:fund",
        "credit_account": "income:budget", "amount": "2000.00", "currency": "PEN"});
    ok(w.server.post("/api/v1/ledger/transfers", &w.officer, top_up).await).await;

    // While she is a minor, her mother is the creditor and she the ultimate creditor.
    let (batch, xml) = pay_round(&w, &w.officer, &w.dual, &w.treasurer).await;
    let lines = ok(w.server.get(&format!("/api/v1/batches/{batch}"), &w.treasurer).await).await;
    let e2e_of = |lines: &Value| {
        lines["lines"].as_array().unwrap().iter().find(|l| l["claim_id"] == claim_id).unwrap()
            ["end_to_end_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let first = e2e_of(&lines);
    let payment = payment_in(&xml, &first);
    assert!(
        payment.contains("<Nm>Rosa Ríos Guzmán</Nm>") && payment.contains("00219300987654321013"),
        "{payment}"
    );
    assert!(payment.contains("<UltmtCdtr>"), "{payment}");
    // The bank does not pay (not for the account): the claim goes back to the queue.
    let message_id = lines["message_id"].as_str().unwrap().to_string();
    let rejected = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>BCP-MINOR</MsgId><CreDtTm>2026-12-01T16:05:12-05:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{message_id}</OrgnlMsgId></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>B{batch}-TRF</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>{first}</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>MS03</Cd></Rsn></StsRsnInf></TxInfAndSts></OrgnlPmtInfAndSts>
</CstmrPmtStsRpt></Document>"#
    );
    let path = format!("/api/v1/batches/{batch}/status-report");
    let answer = w
        .server
        .client
        .post(w.server.url(&path))
        .bearer_auth(&w.treasurer)
        .header("content-type", "application/xml")
        .body(rejected)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.text().await.unwrap());

    // A month later she is of age: the next file pays her, into her own account.
    w.server.clock.advance_seconds(30 * 24 * 3_600);
    let officer = w.server.token("oficial", USER_PASSWORD).await;
    let dual = w.server.token("dual", USER_PASSWORD).await;
    let treasurer = w.server.token("tesorera", USER_PASSWORD).await;
    let (batch, xml) = pay_round(&w, &officer, &dual, &treasurer).await;
    let lines = ok(w.server.get(&format!("/api/v1/batches/{batch}"), &treasurer).await).await;
    let payment = payment_in(&xml, &e2e_of(&lines));
    assert!(
        payment.contains("<Nm>Yeraldine Pérez Ríos</Nm>") && payment.contains("01136600010003254221"),
        "{payment}"
    );
    assert!(!payment.contains("Rosa") && !payment.contains("<UltmtCdtr>"), "{payment}");
}
