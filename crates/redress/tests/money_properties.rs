//! Random sequences of rounds, batches and bank reports — block-level and payment-level
//! statuses, group statuses, repeated reports, contradictions and late acceptances, and a
//! treasurer's resolutions — on a real SQLite database; after every step the money must agree
//! with the records (`GET /api/v1/verify`): no order overpaid, no claim paid twice, every hold
//! in the state its bank result says.
//!
//! `PROPTEST_CASES` sets how many sequences run (8 by default: each builds its own database).

mod common;

use common::world::{intact, ok, world, World};
use proptest::prelude::*;
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

#[derive(Debug, Clone)]
enum Step {
    /// A round (dry run committed), a batch proposed, approved and exported.
    NewBatch,
    /// A status for one block (transfers or cheques) of the newest exported batch.
    Block { cheques: bool, code: &'static str },
    /// A status for the whole file.
    Group { code: &'static str },
    /// Statuses for some of the file's payments (a bit per line, in line order).
    Payments { mask: u8, code: &'static str },
    /// The newest report sent again.
    Repeat,
    /// A treasurer settles every line the bank contradicted itself about.
    Resolve { paid: bool },
    /// Victim services correct the payee details of every claim waiting for them.
    Correct,
    /// More money for the fund.
    TopUp,
}

fn code() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("ACSC"), Just("RJCT"), Just("ACTC"), Just("PDNG")]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => Just(Step::NewBatch),
        3 => (any::<bool>(), code()).prop_map(|(cheques, code)| Step::Block { cheques, code }),
        1 => code().prop_map(|code| Step::Group { code }),
        3 => (1u8..8, code()).prop_map(|(mask, code)| Step::Payments { mask, code }),
        1 => Just(Step::Repeat),
        1 => any::<bool>().prop_map(|paid| Step::Resolve { paid }),
        1 => Just(Step::Correct),
        1 => Just(Step::TopUp),
    ]
}

/// The batch the bank is answering for: its id, message id and (end-to-end id, method) lines.
struct Current {
    batch: i64,
    message_id: String,
    lines: Vec<(String, String)>,
    last_report: Option<String>,
    reports: u32,
}

async fn current(w: &World, batch: i64) -> Current {
    let view = ok(w.server.get(&format!("/api/v1/batches/{batch}"), &w.treasurer).await).await;
    let lines = view["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (l["end_to_end_id"].as_str().unwrap().to_string(), l["method"].as_str().unwrap_or("").to_string())
        })
        .collect();
    Current {
        batch,
        message_id: view["message_id"].as_str().unwrap_or("").to_string(),
        lines,
        last_report: None,
        reports: 0,
    }
}

fn xml(c: &Current, n: u32, group: &str, blocks: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>P-{}-{n}</MsgId><CreDtTm>2026-12-01T16:05:12-05:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{}</OrgnlMsgId>{group}</OrgnlGrpInfAndSts>{blocks}
</CstmrPmtStsRpt></Document>"#,
        c.batch, c.message_id
    )
}

async fn post_report(w: &World, c: &mut Current, body: String) {
    let path = format!("/api/v1/batches/{}/status-report", c.batch);
    let response = w
        .server
        .client
        .post(w.server.url(&path))
        .bearer_auth(&w.treasurer)
        .header("content-type", "application/xml")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}: {}", response.status(), response.text().await.unwrap());
    c.last_report = Some(body);
}

async fn new_batch(w: &World, c: &mut Current) {
    let round = w.server.post("/api/v1/rounds", &w.officer, json!({"dry_run": false})).await;
    if !round.status().is_success() {
        return; // nothing to allocate (no money, or every claim waits or is paid)
    }
    let round: Value = round.json().await.unwrap();
    let batch = w.server.post("/api/v1/batches", &w.dual, json!({"round_id": round["id"]})).await;
    if !batch.status().is_success() {
        return;
    }
    let batch: Value = batch.json().await.unwrap();
    let id = batch["id"].as_i64().unwrap();
    ok(w.server.post(&format!("/api/v1/batches/{id}/approval"), &w.treasurer, json!({})).await).await;
    assert_eq!(w.server.get(&format!("/api/v1/batches/{id}/pain001"), &w.treasurer).await.status(), 200);
    *c = current(w, id).await;
}

async fn waiting(w: &World, what: &str) -> Vec<Value> {
    let claims = ok(w.server.get("/api/v1/claims?limit=500", &w.officer).await).await;
    let items =
        claims["items"].as_array().cloned().or_else(|| claims.as_array().cloned()).unwrap_or_default();
    items.into_iter().filter(|c| c["waiting_for"] == what).collect()
}

async fn resolve(w: &World, paid: bool) {
    for claim in waiting(w, "bank_conflict").await {
        let id = claim["id"].as_i64().unwrap();
        let batches = ok(w.server.get("/api/v1/batches?limit=500", &w.treasurer).await).await;
        let items =
            batches["items"].as_array().cloned().or_else(|| batches.as_array().cloned()).unwrap_or_default();
        for batch in items {
            for line in batch["lines"].as_array().unwrap() {
                if line["claim_id"] != id || line["claim_waiting_for"] != "bank_conflict" {
                    continue;
                }
                let path = format!(
                    "/api/v1/batches/{}/lines/{}/resolution",
                    batch["id"],
                    line["end_to_end_id"].as_str().unwrap()
                );
                // A line of another batch than the contradicted one answers 409: that is fine.
                let _ = w
                    .server
                    .post(&path, &w.treasurer, json!({"paid": paid, "reason": "Según el extracto"}))
                    .await;
            }
        }
    }
}

async fn correct(w: &World) {
    let services = w.server.token("cem", common::USER_PASSWORD).await;
    for claim in waiting(w, "payee_details").await {
        let code = claim["victim"].as_str().unwrap();
        let body = json!({"reason": "Cuenta nueva", "bank_account": "01136600010003254221"});
        ok(w.server.patch(&format!("/api/v1/victims/{code}"), &services, body).await).await;
    }
}

async fn run(w: &World, c: &mut Current, step: &Step) {
    let block = |cheques: bool| format!("B{}-{}", c.batch, if cheques { "CHQ" } else { "TRF" });
    c.reports += 1;
    let n = c.reports;
    match step {
        Step::NewBatch => new_batch(w, c).await,
        Step::Block { cheques, code } => {
            let body = format!("<OrgnlPmtInfAndSts><OrgnlPmtInfId>{}</OrgnlPmtInfId><PmtInfSts>{code}</PmtInfSts></OrgnlPmtInfAndSts>", block(*cheques));
            post_report(w, c, xml(c, n, "", &body)).await;
        }
        Step::Group { code } => post_report(w, c, xml(c, n, &format!("<GrpSts>{code}</GrpSts>"), "")).await,
        Step::Payments { mask, code } => {
            let mut body = String::new();
            for (index, (e2e, method)) in c.lines.iter().enumerate() {
                if mask & (1 << index) == 0 {
                    continue;
                }
                let block = block(method == "cheque");
                body.push_str(&format!(
                    "<OrgnlPmtInfAndSts><OrgnlPmtInfId>{block}</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>{code}</TxSts></TxInfAndSts></OrgnlPmtInfAndSts>"
                ));
            }
            if !body.is_empty() {
                // (a mask naming only lines the batch does not have says nothing: skip it)
                post_report(w, c, xml(c, n, "", &body)).await;
            }
        }
        Step::Repeat => {
            if let Some(report) = c.last_report.clone() {
                post_report(w, c, report).await;
            }
        }
        Step::Resolve { paid } => resolve(w, *paid).await,
        Step::Correct => correct(w).await,
        Step::TopUp => {
            let body = json!({"id": uuid::Uuid::new_v4().to_string(), "debit_account": "assets:bank:fund",
                "credit_account": "income:budget", "amount": "2500.00", "currency": "PEN"});
            ok(w.server.post("/api/v1/ledger/transfers", &w.officer, body).await).await;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(8),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_sequence_of_bank_reports_keeps_the_money_right(steps in proptest::collection::vec(step(), 4..14)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async {
            let w = world(TestDatabase::sqlite()).await;
            let mut c = current(&w, w.batch).await;
            intact(&w).await;
            for step in &steps {
                run(&w, &mut c, step).await;
                intact(&w).await;
            }
        });
    }
}
