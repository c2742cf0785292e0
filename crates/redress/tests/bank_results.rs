//! The bank's word on a batch at every level it can speak — the whole file, one block, one
//! payment — and their combinations, on a mixed batch of transfers and a cheque, on both
//! engines. After every report the money is checked against the records (`GET /api/v1/verify`).

mod common;

use std::collections::HashMap;

use common::{expect_problem, TestServer, USER_PASSWORD};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    a_block_rejection_reaches_only_that_blocks_lines,
    a_group_status_reaches_every_line,
    a_payments_own_status_wins_over_its_blocks,
    a_block_rejection_keeps_a_payments_own_acceptance,
    unknown_ids_blocks_and_codes_are_problems_not_results,
    a_later_contradiction_holds_the_claim_until_a_treasurer_resolves_it,
    the_proposer_never_handles_the_bank_side,
);

struct World {
    server: TestServer,
    treasurer: String,
    officer: String,
    /// Holds fund_officer and treasurer: proposes the batch.
    dual: String,
    batch: i64,
    message_id: String,
    /// Claim id and end-to-end id by victim name.
    lines: HashMap<&'static str, (i64, String)>,
}

async fn member(
    server: &TestServer,
    admin: &str,
    institution: &str,
    kind: &str,
    user: &str,
    roles: &[&str],
) -> String {
    let created: Value = server
        .post("/api/v1/institutions", admin, json!({"name": institution, "kind": kind}))
        .await
        .json()
        .await
        .unwrap();
    let id = match created["id"].as_i64() {
        Some(id) => id,
        None => server.institution_id(admin, institution).await,
    };
    let body = json!({"username": user, "institution_id": id, "roles": roles, "password": USER_PASSWORD});
    assert_eq!(server.post("/api/v1/users", admin, body).await.status(), 201);
    server.token(user, USER_PASSWORD).await
}

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// Three adult victims with final, insolvent orders, approved claims, S/ 9,000 in the fund, one
/// round and an exported batch: Ana and Carla are paid by transfer (a CCI, an IBAN), Berta by
/// cheque (no account).
async fn world(database: TestDatabase) -> World {
    let server = TestServer::start_with(database, |settings| {
        settings.fund.bank_account = Some("00219300999999999910".to_string());
    })
    .await;
    let admin = server.admin_token().await;
    let services = member(&server, &admin, "CEM Lima", "ministry", "cem", &["victim_services"]).await;
    let prosecutor =
        member(&server, &admin, "Fiscalía de Lima", "prosecutor", "fiscal", &["prosecutor"]).await;
    let clerk =
        member(&server, &admin, "Juzgado Penal de Lima", "court", "secretario", &["court_clerk"]).await;
    let officer = member(&server, &admin, "Fondo", "fund_unit", "oficial", &["fund_officer"]).await;
    let dual = member(&server, &admin, "Fondo", "fund_unit", "dual", &["fund_officer", "treasurer"]).await;
    let treasurer = member(&server, &admin, "Fondo", "fund_unit", "tesorera", &["treasurer"]).await;
    let budget = json!({"id": "5b1f0a3e-2c2d-4e3f-8a9b-0c1d2e3f4a5b", "debit_account": "assets:bank:fund",
        "credit_account": "income:budget", "amount": "9000.00", "currency": "PEN"});
    ok(server.post("/api/v1/ledger/transfers", &officer, budget).await).await;
    let mut codes = Vec::new();
    for (name, document, account) in [
        ("Ana", "41000001", Some("00219300123456789013")),
        ("Berta", "41000002", None),
        ("Carla", "41000003", Some("ES9121000418450200051332")),
    ] {
        let mut body = json!({"given_names": name, "surnames": "Quispe Mamani", "document_type": "dni",
            "document_number": document, "birth_date": "1990-01-01", "sex": "female", "nationality": "PE", "consent": true});
        if let Some(account) = account {
            body["bank_account"] = json!(account);
        }
        let code = ok(server.post("/api/v1/victims", &services, body).await).await["code"]
            .as_str()
            .unwrap()
            .to_string();
        let path = format!("/api/v1/victims/{code}/identity-verification");
        assert_eq!(
            server.post(&path, &services, json!({"method": "document_in_person"})).await.status(),
            204
        );
        codes.push((name, code));
    }
    let court = server.institution_id(&admin, "Juzgado Penal de Lima").await;
    let case = ok(server
        .post("/api/v1/cases", &prosecutor, json!({"prosecutor_file": "FPT-2025-0900", "jurisdiction": "Lima",
            "offences": ["129-A"], "reported_on": "2025-01-02", "defendants": ["Marco Salas Vera"], "court_id": court}))
        .await)
    .await;
    let case_id = case["id"].as_i64().unwrap();
    let all: Vec<&str> = codes.iter().map(|(_, c)| c.as_str()).collect();
    server.link_victims(&services, case_id, &all).await;
    let defendant = case["defendants"][0]["id"].as_i64().unwrap();
    let orders: Vec<Value> = codes
        .iter()
        .map(|(_, code)| json!({"victim": code, "items": [{"head": "moral_damage", "amount": "3000.00"}], "debtors": [defendant]}))
        .collect();
    let judgment = ok(server
        .post(
            "/api/v1/judgments",
            &clerk,
            json!({"case_id": case_id, "judged_on": "2026-01-10", "court": "Juzgado Penal de Lima",
            "convicted": [defendant], "final_on": "2026-02-10", "orders": orders}),
        )
        .await)
    .await;
    let mut lines = HashMap::new();
    for (order, (name, code)) in judgment["orders"].as_array().unwrap().iter().zip(&codes) {
        let id = order["id"].as_i64().unwrap();
        let finding = json!({"found_on": "2026-03-01", "basis": "Sin bienes"});
        ok(server.post(&format!("/api/v1/orders/{id}/insolvency"), &clerk, finding).await).await;
        let claim =
            ok(server.post("/api/v1/claims", &services, json!({"victim": code, "order_id": id})).await).await;
        let claim_id = claim["id"].as_i64().unwrap();
        ok(server
            .post(&format!("/api/v1/claims/{claim_id}/decision"), &officer, json!({"decision": "approve"}))
            .await)
        .await;
        lines.insert(*name, (claim_id, String::new()));
    }
    let round =
        ok(server.post("/api/v1/rounds", &officer, json!({"dry_run": false})).await).await["id"].clone();
    let batch = ok(server.post("/api/v1/batches", &dual, json!({"round_id": round})).await).await;
    let batch_id = batch["id"].as_i64().unwrap();
    ok(server.post(&format!("/api/v1/batches/{batch_id}/approval"), &treasurer, json!({})).await).await;
    let file = server.get(&format!("/api/v1/batches/{batch_id}/pain001"), &treasurer).await;
    assert_eq!(file.status(), 200);
    let exported = ok(server.get(&format!("/api/v1/batches/{batch_id}"), &treasurer).await).await;
    for line in exported["lines"].as_array().unwrap() {
        let claim = line["claim_id"].as_i64().unwrap();
        let entry = lines.values_mut().find(|(id, _)| *id == claim).unwrap();
        entry.1 = line["end_to_end_id"].as_str().unwrap().to_string();
    }
    let message_id = exported["message_id"].as_str().unwrap().to_string();
    World { server, treasurer, officer, dual, batch: batch_id, message_id, lines }
}

/// One block of a report: its id, its own status (code, reason) and its payments' statuses.
type Block<'a> = (&'a str, Option<(&'a str, Option<&'a str>)>, &'a [(&'a str, &'a str)]);

/// A pain.002: an optional group status, then blocks, each with an optional status and its
/// payments' own statuses.
fn report(w: &World, id: &str, group: Option<&str>, blocks: &[Block]) -> String {
    let group = group.map(|s| format!("<GrpSts>{s}</GrpSts>")).unwrap_or_default();
    let mut body = String::new();
    for (block, status, payments) in blocks {
        let status = status
            .map(|(code, reason)| {
                let reason = reason
                    .map(|r| format!("<StsRsnInf><Rsn><Cd>{r}</Cd></Rsn></StsRsnInf>"))
                    .unwrap_or_default();
                format!("<PmtInfSts>{code}</PmtInfSts>{reason}")
            })
            .unwrap_or_default();
        let payments: String = payments
            .iter()
            .map(|(e2e, code)| format!("<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>{code}</TxSts></TxInfAndSts>"))
            .collect();
        body.push_str(&format!(
            "<OrgnlPmtInfAndSts><OrgnlPmtInfId>{block}</OrgnlPmtInfId>{status}{payments}</OrgnlPmtInfAndSts>"
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>BCP-{id}</MsgId><CreDtTm>2026-12-01T16:05:12-05:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>{group}</OrgnlGrpInfAndSts>
{body}
</CstmrPmtStsRpt></Document>"#,
        w.message_id
    )
}

async fn send(w: &World, token: &str, xml: String) -> reqwest::Response {
    let path = format!("/api/v1/batches/{}/status-report", w.batch);
    w.server
        .client
        .post(w.server.url(&path))
        .bearer_auth(token)
        .header("content-type", "application/xml")
        .body(xml)
        .send()
        .await
        .unwrap()
}

fn e2e<'a>(w: &'a World, name: &str) -> &'a str {
    &w.lines[name].1
}

async fn line_states(w: &World) -> HashMap<String, String> {
    let batch = ok(w.server.get(&format!("/api/v1/batches/{}", w.batch), &w.treasurer).await).await;
    batch["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (l["end_to_end_id"].as_str().unwrap().to_string(), l["status"].as_str().unwrap().to_string())
        })
        .collect()
}

async fn states(w: &World) -> [String; 3] {
    let states = line_states(w).await;
    ["Ana", "Berta", "Carla"].map(|n| states[e2e(w, n)].clone())
}

/// The money agrees with the records.
async fn intact(w: &World) {
    let check = ok(w.server.get("/api/v1/verify", &w.officer).await).await;
    assert_eq!(check["intact"], true, "{check}");
}

async fn a_block_rejection_reaches_only_that_blocks_lines(database: TestDatabase) {
    let w = world(database).await;
    let trf = format!("B{}-TRF", w.batch);
    let chq = format!("B{}-CHQ", w.batch);
    let summary =
        ok(send(&w, &w.treasurer, report(&w, "1", None, &[(&trf, Some(("RJCT", Some("AC04"))), &[])])).await)
            .await;
    assert_eq!(summary["applied"], 2, "{summary}");
    assert_eq!(
        states(&w).await,
        ["rejected", "pending", "rejected"],
        "the cheque is not in the rejected block"
    );
    let line = line_states(&w).await;
    assert_eq!(line.len(), 3);
    intact(&w).await;
    // The block's reason reaches its lines: both wait for new payee details.
    let ana = ok(w.server.get(&format!("/api/v1/claims/{}", w.lines["Ana"].0), &w.officer).await).await;
    assert_eq!(ana["waiting_for"], "payee_details", "{ana}");
    // The bank later pays the cheque: it is accepted, not a conflict.
    let later =
        ok(send(&w, &w.treasurer, report(&w, "2", None, &[(&chq, Some(("ACSC", None)), &[])])).await).await;
    assert_eq!(later["applied"], 1, "{later}");
    assert_eq!(later["conflicts"].as_array().unwrap().len(), 0);
    assert_eq!(states(&w).await, ["rejected", "accepted", "rejected"]);
    assert_eq!(later["batch_state"], "closed");
    intact(&w).await;
}

async fn a_group_status_reaches_every_line(database: TestDatabase) {
    let w = world(database).await;
    let summary = ok(send(&w, &w.treasurer, report(&w, "1", Some("RJCT"), &[])).await).await;
    assert_eq!(summary["applied"], 3, "{summary}");
    assert_eq!(states(&w).await, ["rejected", "rejected", "rejected"]);
    let cash = ok(w.server.get("/api/v1/ledger/accounts", &w.officer).await).await;
    let fund =
        cash["items"].as_array().unwrap().iter().find(|a| a["name"] == "assets:bank:fund").unwrap().clone();
    assert_eq!(
        (fund["posted"].as_str(), fund["pending"].as_str()),
        (Some("9000.00"), Some("0.00")),
        "{fund}"
    );
    intact(&w).await;
    // A group acceptance that is only technical (ACTC) says nothing final.
    let w2 = ok(send(&w, &w.treasurer, report(&w, "2", Some("ACTC"), &[])).await).await;
    assert_eq!(w2["applied"], 0);
}

async fn a_payments_own_status_wins_over_its_blocks(database: TestDatabase) {
    let w = world(database).await;
    let trf = format!("B{}-TRF", w.batch);
    let chq = format!("B{}-CHQ", w.batch);
    // The transfer block is partly accepted: Carla paid, Ana rejected; the cheque block is
    // accepted as a whole; the group says PART.
    let xml = report(
        &w,
        "1",
        Some("PART"),
        &[
            (&trf, Some(("PART", None)), &[(e2e(&w, "Carla"), "ACSC"), (e2e(&w, "Ana"), "RJCT")]),
            (&chq, Some(("ACSC", None)), &[]),
        ],
    );
    let summary = ok(send(&w, &w.treasurer, xml).await).await;
    assert_eq!(summary["applied"], 3, "{summary}");
    assert_eq!(states(&w).await, ["rejected", "accepted", "accepted"]);
    intact(&w).await;
}

async fn a_block_rejection_keeps_a_payments_own_acceptance(database: TestDatabase) {
    let w = world(database).await;
    let trf = format!("B{}-TRF", w.batch);
    let xml = report(&w, "1", None, &[(&trf, Some(("RJCT", None)), &[(e2e(&w, "Carla"), "ACSC")])]);
    let summary = ok(send(&w, &w.treasurer, xml).await).await;
    assert_eq!(summary["applied"], 2, "{summary}");
    assert_eq!(states(&w).await, ["rejected", "pending", "accepted"]);
    intact(&w).await;
}

async fn unknown_ids_blocks_and_codes_are_problems_not_results(database: TestDatabase) {
    let w = world(database).await;
    let trf = format!("B{}-TRF", w.batch);
    let xml = report(
        &w,
        "1",
        None,
        &[
            (&trf, None, &[(e2e(&w, "Ana"), "ZZZZ"), ("RDR-R9-C999", "ACSC"), (e2e(&w, "Carla"), "ACSC")]),
            ("B999-XYZ", Some(("RJCT", None)), &[]),
        ],
    );
    let summary = ok(send(&w, &w.treasurer, xml).await).await;
    assert_eq!(summary["applied"], 1, "only Carla's payment has a known, final status: {summary}");
    let problems: Vec<&str> =
        summary["problems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(problems.iter().any(|p| p.contains("RDR-R9-C999")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("B999-XYZ")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("ZZZZ")), "{problems:?}");
    assert_eq!(states(&w).await, ["pending", "pending", "accepted"]);
    let batch = ok(w.server.get(&format!("/api/v1/batches/{}", w.batch), &w.treasurer).await).await;
    assert_eq!(batch["bank_reports"][0]["problems"].as_array().unwrap().len(), 3, "kept with the report");
    intact(&w).await;
}

async fn a_later_contradiction_holds_the_claim_until_a_treasurer_resolves_it(database: TestDatabase) {
    let w = world(database).await;
    let chq = format!("B{}-CHQ", w.batch);
    let trf = format!("B{}-TRF", w.batch);
    ok(send(
        &w,
        &w.treasurer,
        report(
            &w,
            "1",
            None,
            &[(&chq, Some(("RJCT", Some("MS03"))), &[]), (&trf, Some(("ACSC", None)), &[])],
        ),
    )
    .await)
    .await;
    assert_eq!(states(&w).await, ["accepted", "rejected", "accepted"]);
    let berta = w.lines["Berta"].0;
    // The bank then says the cheque was cashed after all: never re-resolved, but held.
    let contrary =
        ok(send(&w, &w.treasurer, report(&w, "2", None, &[(&chq, None, &[(e2e(&w, "Berta"), "ACSC")])]))
            .await)
        .await;
    assert_eq!(contrary["conflicts"].as_array().unwrap().len(), 1, "{contrary}");
    assert_eq!(states(&w).await, ["accepted", "rejected", "accepted"]);
    let claim = ok(w.server.get(&format!("/api/v1/claims/{berta}"), &w.officer).await).await;
    assert_eq!(claim["waiting_for"], "bank_conflict");
    // Not paid again by the next round while it waits.
    let round = ok(w.server.post("/api/v1/rounds", &w.officer, json!({"dry_run": true})).await).await;
    assert!(round["lines"].as_array().unwrap().iter().all(|l| l["claim_id"] != berta), "{round}");
    // The treasurer checks the bank statement: cashed. Recorded once; the order is not overpaid.
    let path = format!("/api/v1/batches/{}/lines/{}/resolution", w.batch, e2e(&w, "Berta"));
    ok(w.server
        .post(&path, &w.treasurer, json!({"paid": true, "reason": "Cheque cobrado según extracto"}))
        .await)
    .await;
    let claim = ok(w.server.get(&format!("/api/v1/claims/{berta}"), &w.officer).await).await;
    assert_eq!(
        (claim["state"].as_str(), claim["paid"].as_str(), &claim["waiting_for"]),
        (Some("paid"), Some("3000.00"), &Value::Null)
    );
    expect_problem(
        w.server.post(&path, &w.treasurer, json!({"paid": true, "reason": "otra vez"})).await,
        409,
    )
    .await;
    intact(&w).await;
}

async fn the_proposer_never_handles_the_bank_side(database: TestDatabase) {
    let w = world(database).await;
    let trf = format!("B{}-TRF", w.batch);
    let audit = w.server.audit_length().await;
    expect_problem(w.server.get(&format!("/api/v1/batches/{}/pain001", w.batch), &w.dual).await, 403).await;
    expect_problem(send(&w, &w.dual, report(&w, "1", None, &[(&trf, Some(("ACSC", None)), &[])])).await, 403)
        .await;
    let manual = json!({"results": [{"end_to_end_id": e2e(&w, "Ana"), "status": "accepted"}]});
    expect_problem(
        w.server.post(&format!("/api/v1/batches/{}/results", w.batch), &w.dual, manual).await,
        403,
    )
    .await;
    assert_eq!(w.server.audit_length().await, audit, "nothing written");
    assert_eq!(states(&w).await, ["pending", "pending", "pending"]);
    // The invariant check names a claim whose recorded payment no bank line backs, and a line
    // whose hold disagrees with it.
    intact(&w).await;
    use sqlx::Executor;
    let claim = w.lines["Ana"].0;
    w.server
        .store
        .pool()
        .execute(format!("UPDATE claims SET paid = 300000 WHERE id = {claim}").as_str())
        .await
        .unwrap();
    w.server
        .store
        .pool()
        .execute(
            format!(
                "UPDATE batch_lines SET status = 'accepted' WHERE end_to_end_id = '{}'",
                e2e(&w, "Carla")
            )
            .as_str(),
        )
        .await
        .unwrap();
    let check = ok(w.server.get("/api/v1/verify", &w.officer).await).await;
    assert_eq!(check["intact"], false);
    let breaks = check["money"]["breaks"].to_string();
    assert!(breaks.contains(&format!("claim {claim}")), "{breaks}");
    assert!(breaks.contains(e2e(&w, "Carla")), "{breaks}");
}
