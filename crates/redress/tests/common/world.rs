//! A payments world for the bank-result tests: three victims with approved claims, a round and
//! an exported mixed batch (two transfers and a cheque), and helpers to speak as the bank.

use std::collections::HashMap;

use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

use super::{TestServer, USER_PASSWORD};

pub struct World {
    pub server: TestServer,
    pub treasurer: String,
    pub officer: String,
    /// Holds fund_officer and treasurer: proposes the batch.
    pub dual: String,
    /// The court clerk who recorded the judgment, and the judgment.
    pub clerk: String,
    pub judgment: i64,
    /// The exported batch (0 before one is made, see [`approved`]).
    pub batch: i64,
    pub message_id: String,
    /// Claim id and end-to-end id by victim name.
    pub lines: HashMap<&'static str, (i64, String)>,
}

pub async fn member(
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

pub async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// Three adult victims with final, insolvent orders, approved claims, S/ 9,000 in the fund, one
/// round and an exported batch: Ana and Carla are paid by transfer (a CCI, an IBAN), Berta by
/// cheque (no account).
pub async fn world(database: TestDatabase) -> World {
    world_with(database, None).await
}

/// [`world`], with the fund's details set by the administrator (`PUT /api/v1/fund`) instead of
/// the configuration's bank account, when `fund` is given.
pub async fn world_with(database: TestDatabase, fund: Option<Value>) -> World {
    let mut w = approved_with(database, fund).await;
    let round =
        ok(w.server.post("/api/v1/rounds", &w.officer, json!({"dry_run": false})).await).await["id"].clone();
    let batch = ok(w.server.post("/api/v1/batches", &w.dual, json!({"round_id": round})).await).await;
    let batch_id = batch["id"].as_i64().unwrap();
    ok(w.server.post(&format!("/api/v1/batches/{batch_id}/approval"), &w.treasurer, json!({})).await).await;
    let file = w.server.get(&format!("/api/v1/batches/{batch_id}/pain001"), &w.treasurer).await;
    assert_eq!(file.status(), 200);
    let exported = ok(w.server.get(&format!("/api/v1/batches/{batch_id}"), &w.treasurer).await).await;
    for line in exported["lines"].as_array().unwrap() {
        let claim = line["claim_id"].as_i64().unwrap();
        let entry = w.lines.values_mut().find(|(id, _)| *id == claim).unwrap();
        entry.1 = line["end_to_end_id"].as_str().unwrap().to_string();
    }
    w.message_id = exported["message_id"].as_str().unwrap().to_string();
    w.batch = batch_id;
    w
}

/// The same world up to the approved claims: no round, no batch yet.
pub async fn approved(database: TestDatabase) -> World {
    approved_with(database, None).await
}

/// [`approved`], with the fund's details set by the administrator when `fund` is given.
pub async fn approved_with(database: TestDatabase, fund: Option<Value>) -> World {
    let configured = fund.is_none();
    let server = TestServer::start_with(database, |settings| {
        if configured {
            settings.fund.bank_account = Some("00219300999999999910".to_string());
        }
    })
    .await;
    let admin = server.admin_token().await;
    if let Some(fund) = fund {
        let response = server.client.put(server.url("/api/v1/fund")).bearer_auth(&admin).json(&fund).send();
        ok(response.await.unwrap()).await;
    }
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
    let judgment = judgment["id"].as_i64().unwrap();
    World { server, treasurer, officer, dual, clerk, judgment, batch: 0, message_id: String::new(), lines }
}

/// One block of a report: its id, its own status (code, reason) and its payments' statuses.
pub type Block<'a> = (&'a str, Option<(&'a str, Option<&'a str>)>, &'a [(&'a str, &'a str)]);

/// A pain.002: an optional group status, then blocks, each with an optional status and its
/// payments' own statuses.
pub fn report(w: &World, id: &str, group: Option<&str>, blocks: &[Block]) -> String {
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

pub async fn send(w: &World, token: &str, xml: String) -> reqwest::Response {
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

pub fn e2e<'a>(w: &'a World, name: &str) -> &'a str {
    &w.lines[name].1
}

pub async fn line_states(w: &World) -> HashMap<String, String> {
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

pub async fn states(w: &World) -> [String; 3] {
    let states = line_states(w).await;
    ["Ana", "Berta", "Carla"].map(|n| states[e2e(w, n)].clone())
}

/// The money agrees with the records.
pub async fn intact(w: &World) {
    let check = ok(w.server.get("/api/v1/verify", &w.officer).await).await;
    assert_eq!(check["intact"], true, "{check}");
}
