//! Claims to payment end to end, on both engines: filing with eligibility and needs tiers,
//! approval, allocation rounds with ledger holds and replay, maker-checker batches, the pain.001
//! bank file checked against the official XSD, a pain.002 status report applied exactly once
//! (paid and rejected-and-requeued), receipts, recoveries, and bad input changing nothing.

mod common;

use std::collections::HashMap;
use std::process::Command;

use common::{expect_problem, problem_fields, TestServer, USER_PASSWORD};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    a_claim_goes_from_order_to_paid_and_a_bank_rejection_requeues_it,
    bad_claims_name_the_field_and_change_nothing,
    an_advance_is_paid_before_the_order_and_deducted_from_it,
);

const FUND_ACCOUNT: &str = "00219300999999999910";

struct Setup {
    server: TestServer,
    services: String,
    officer: String,
    /// Holds fund_officer and treasurer: proposes, and must not approve its own batch.
    maker: String,
    treasurer: String,
    clerk: String,
    case_id: i64,
    adult: String,
    minor: String,
    adult_order: i64,
    minor_order: i64,
}

async fn member(
    server: &TestServer,
    admin: &str,
    institution: &str,
    kind: &str,
    username: &str,
    roles: &[&str],
) -> String {
    let created: Value = server
        .post("/api/v1/institutions", admin, json!({"name": institution, "kind": kind}))
        .await
        .json()
        .await
        .unwrap();
    let institution_id = match created["id"].as_i64() {
        Some(id) => id,
        None => {
            let list: Value = server.get("/api/v1/institutions", admin).await.json().await.unwrap();
            list["items"].as_array().unwrap().iter().find(|i| i["name"] == institution).unwrap()["id"]
                .as_i64()
                .unwrap()
        }
    };
    let body = json!({"username": username, "institution_id": institution_id, "roles": roles, "password": USER_PASSWORD});
    let response = server.post("/api/v1/users", admin, body).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    server.token(username, USER_PASSWORD).await
}

async fn created(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status == 201 || status == 200, "{status}: {body}");
    body
}

/// Two victims (an adult paid by transfer to a CCI account, a minor paid by cheque to her
/// representative), a final judgment with an order each, an insolvency finding, and
/// S/ 6,000.00 in the fund.
async fn setup(database: TestDatabase) -> Setup {
    let server = TestServer::start_with(database, |settings| {
        settings.fund.bank_account = Some(FUND_ACCOUNT.to_string());
        settings.fund.bank_bic = Some("BCPLPEPL".to_string());
    })
    .await;
    let admin = server.admin_token().await;
    let services = member(&server, &admin, "CEM Tumbes", "ministry", "cem", &["victim_services"]).await;
    let prosecutor =
        member(&server, &admin, "Fiscalía de Tumbes", "prosecutor", "fiscal", &["prosecutor"]).await;
    let clerk =
        member(&server, &admin, "Juzgado Penal de Tumbes", "court", "secretario", &["court_clerk"]).await;
    let officer =
        member(&server, &admin, "Fondo de Reparaciones", "fund_unit", "oficial", &["fund_officer"]).await;
    let maker = member(
        &server,
        &admin,
        "Fondo de Reparaciones",
        "fund_unit",
        "oficial.tesorero",
        &["fund_officer", "treasurer"],
    )
    .await;
    let treasurer =
        member(&server, &admin, "Fondo de Reparaciones", "fund_unit", "tesorera", &["treasurer"]).await;
    let adult = created(
        server
            .post("/api/v1/victims", &services, json!({"given_names": "Milagros", "surnames": "Huamán Ccori",
                "document_type": "dni", "document_number": "70112233", "birth_date": "1999-01-05", "sex": "female",
                "nationality": "PE", "consent": true, "bank_account": "002-193-00123456789013"}))
            .await,
    )
    .await["code"]
        .as_str()
        .unwrap()
        .to_string();
    let minor = created(
        server
            .post("/api/v1/victims", &services, json!({"given_names": "Yeraldine", "surnames": "Pérez Ríos",
                "document_type": "dni", "document_number": "80223344", "birth_date": "2012-03-03", "sex": "female",
                "nationality": "VE", "consent": true, "legal_representative": {"given_names": "Rosa", "surnames": "Ríos Guzmán",
                "document_type": "ce", "document_number": "001234567", "relationship": "mother",
                "legal_basis": "Patria potestad"}}))
            .await,
    )
    .await["code"]
        .as_str()
        .unwrap()
        .to_string();
    let case = created(
        server
            .post(
                "/api/v1/cases",
                &prosecutor,
                json!({"prosecutor_file": "FPT-2024-0101", "jurisdiction": "Tumbes",
                "offences": ["129-A"], "reported_on": "2024-05-01", "defendants": ["Jorge Paredes Lima"],
                "court_id": server.institution_id(&admin, "Juzgado Penal de Tumbes").await}),
            )
            .await,
    )
    .await;
    let case_id = case["id"].as_i64().unwrap();
    server.link_victims(&services, case_id, &[&adult, &minor]).await;
    let defendant = case["defendants"][0]["id"].as_i64().unwrap();
    let judgment = created(
        server
            .post("/api/v1/judgments", &clerk, json!({"case_id": case_id, "judged_on": "2026-03-01",
                "court": "Juzgado Penal Colegiado de Tumbes", "convicted": [defendant], "final_on": "2026-04-10",
                "orders": [
                    {"victim": adult, "items": [{"head": "unpaid_wages", "amount": "5000.00"}], "debtors": [defendant]},
                    {"victim": minor, "items": [{"head": "moral_damage", "amount": "3000.00"}], "debtors": [defendant]}
                ]}))
            .await,
    )
    .await;
    let mut orders = HashMap::new();
    for order in judgment["orders"].as_array().unwrap() {
        let id = order["id"].as_i64().unwrap();
        created(
            server
                .post(
                    &format!("/api/v1/orders/{id}/insolvency"),
                    &clerk,
                    json!({"found_on": "2026-06-01", "basis": "Informe de bienes negativo"}),
                )
                .await,
        )
        .await;
        orders.insert(order["victim"].as_str().unwrap().to_string(), id);
    }
    let budget = json!({"id": "5b7f8a0e-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "debit_account": "assets:bank:fund",
        "credit_account": "income:budget", "amount": "6000.00", "currency": "PEN", "memo": "Transferencia MIMP"});
    created(server.post("/api/v1/ledger/transfers", &officer, budget).await).await;
    Setup {
        adult_order: orders[&adult],
        minor_order: orders[&minor],
        server,
        services,
        officer,
        maker,
        treasurer,
        clerk,
        case_id,
        adult,
        minor,
    }
}

/// (posted, pending) of a ledger account.
async fn account(s: &Setup, name: &str) -> (String, String) {
    let accounts: Value = s.server.get("/api/v1/ledger/accounts", &s.officer).await.json().await.unwrap();
    let found = accounts["items"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap().clone();
    (found["posted"].as_str().unwrap().to_string(), found["pending"].as_str().unwrap().to_string())
}

async fn claim(s: &Setup, id: i64) -> Value {
    s.server.get(&format!("/api/v1/claims/{id}"), &s.officer).await.json().await.unwrap()
}

fn unmet(claim: &Value) -> Vec<String> {
    claim["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["met"] == false)
        .map(|c| c["condition"].as_str().unwrap().to_string())
        .collect()
}

/// Validates a pain.001 against the official XSD with xmllint (required in CI).
fn validate_against_xsd(xml: &str) {
    if Command::new("xmllint").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "xmllint is required in CI (Debian package libxml2-utils)");
        eprintln!("skipping the XSD check: xmllint is not installed (apt-get install libxml2-utils)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("redress-pain001-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}.xml", uuid::Uuid::new_v4()));
    std::fs::write(&file, xml).unwrap();
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/../formats/tests/data/pain.001.001.09.xsd");
    let output = Command::new("xmllint").args(["--noout", "--schema", schema]).arg(&file).output().unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(
        output.status.success(),
        "pain.001 does not validate: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn status_report(message_id: &str, results: &[(&str, &str, Option<&str>)]) -> String {
    let mut transactions = String::new();
    for (e2e, status, reason) in results {
        let reason = reason
            .map(|code| format!("<StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf>"))
            .unwrap_or_default();
        transactions.push_str(&format!(
            "<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>{status}</TxSts>{reason}</TxInfAndSts>"
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>BCP-STS-{message_id}</MsgId><CreDtTm>2026-12-01T16:05:12-05:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{message_id}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>ANY</OrgnlPmtInfId>{transactions}</OrgnlPmtInfAndSts>
</CstmrPmtStsRpt></Document>"#
    )
}

async fn post_xml(s: &Setup, path: &str, token: &str, xml: String) -> reqwest::Response {
    s.server
        .client
        .post(s.server.url(path))
        .bearer_auth(token)
        .header("content-type", "application/xml")
        .body(xml)
        .send()
        .await
        .unwrap()
}

async fn a_claim_goes_from_order_to_paid_and_a_bank_rejection_requeues_it(database: TestDatabase) {
    let s = setup(database).await;
    let server = &s.server;

    // Filing: the adult's claim defaults to what is owed; identity is not verified yet.
    let adult_claim = created(
        server
            .post("/api/v1/claims", &s.services, json!({"victim": s.adult, "order_id": s.adult_order}))
            .await,
    )
    .await;
    assert_eq!(adult_claim["requested"], "5000.00");
    assert_eq!(adult_claim["tier"], 3);
    assert_eq!(adult_claim["state"], "received");
    assert_eq!(unmet(&adult_claim), vec!["identity_verified"]);
    let adult_id = adult_claim["id"].as_i64().unwrap();
    let refused = expect_problem(
        server
            .post(&format!("/api/v1/claims/{adult_id}/decision"), &s.officer, json!({"decision": "approve"}))
            .await,
        409,
    )
    .await;
    assert!(refused["detail"].as_str().unwrap().contains("identity_verified"), "{refused}");

    for code in [&s.adult, &s.minor] {
        let verified = server
            .post(
                &format!("/api/v1/victims/{code}/identity-verification"),
                &s.services,
                json!({"method": "document_in_person"}),
            )
            .await;
        assert_eq!(verified.status(), 204);
    }
    let minor_claim = created(
        server
            .post(
                "/api/v1/claims",
                &s.services,
                json!({"victim": s.minor, "order_id": s.minor_order, "needs": ["minor", "no_income"]}),
            )
            .await,
    )
    .await;
    assert_eq!(minor_claim["tier"], 1, "a minor is urgent");
    assert_eq!(minor_claim["tier_reasons"], json!(["minor"]));
    assert_eq!(minor_claim["eligible"], true);
    let minor_id = minor_claim["id"].as_i64().unwrap();
    // Second open claim on the same order.
    expect_problem(
        server
            .post("/api/v1/claims", &s.services, json!({"victim": s.minor, "order_id": s.minor_order}))
            .await,
        409,
    )
    .await;

    for id in [adult_id, minor_id] {
        let approved = created(
            server
                .post(&format!("/api/v1/claims/{id}/decision"), &s.officer, json!({"decision": "approve"}))
                .await,
        )
        .await;
        assert_eq!(approved["state"], "approved");
        assert!(approved["payment_due"].as_str().is_some());
    }

    // Round 1: S/ 6,000 for S/ 8,000 of claims. The minor (tier 1) in full, the adult pro rata.
    let dry = created(server.post("/api/v1/rounds", &s.officer, json!({"dry_run": true})).await).await;
    assert_eq!(dry["committed"], false);
    assert_eq!(dry["available"], "6000.00");
    let lines: Vec<(i64, String, String)> = dry["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["claim_id"].as_i64().unwrap(),
                l["amount"].as_str().unwrap().to_string(),
                l["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            (minor_id, "3000.00".into(), "paid_in_full".into()),
            (adult_id, "3000.00".into(), "pro_rata".into())
        ]
    );
    assert_eq!(dry["lines"][1]["explanation"], "nivel 3, 60.00% a prorrata");
    assert_eq!(
        account(&s, "assets:bank:fund").await,
        ("6000.00".into(), "0.00".into()),
        "a dry run holds nothing"
    );
    let stale = expect_problem(
        server
            .post(
                "/api/v1/rounds",
                &s.officer,
                json!({"dry_run": false, "expected_inputs_hash": "0".repeat(64)}),
            )
            .await,
        409,
    )
    .await;
    assert_eq!(problem_fields(&stale), vec!["expected_inputs_hash"]);
    let round = server
        .post(
            "/api/v1/rounds",
            &s.officer,
            json!({"dry_run": false, "expected_inputs_hash": dry["inputs_hash"]}),
        )
        .await;
    assert_eq!(round.status(), 201);
    let round: Value = round.json().await.unwrap();
    let round_id = round["id"].as_i64().unwrap();
    assert_eq!(round["policy_version"], 1);
    assert_eq!(
        account(&s, "assets:bank:fund").await,
        ("6000.00".into(), "-6000.00".into()),
        "a hold per line"
    );
    assert_eq!(claim(&s, adult_id).await["state"], "allocated");
    let replay: Value =
        server.get(&format!("/api/v1/rounds/{round_id}/replay"), &s.treasurer).await.json().await.unwrap();
    assert_eq!(replay["lines_match"], true);
    assert_eq!(replay["inputs_hash_matches"], true);

    // Batch: proposed by one person, never approved by the same one.
    let batch = created(server.post("/api/v1/batches", &s.maker, json!({"round_id": round_id})).await).await;
    let batch_id = batch["id"].as_i64().unwrap();
    assert_eq!(batch["total"], "6000.00");
    assert_eq!(claim(&s, minor_id).await["state"], "in_batch");
    expect_problem(
        server.post(&format!("/api/v1/batches/{batch_id}/approval"), &s.maker, json!({})).await,
        403,
    )
    .await;
    expect_problem(server.get(&format!("/api/v1/batches/{batch_id}/pain001"), &s.treasurer).await, 409).await;
    let approved =
        created(server.post(&format!("/api/v1/batches/{batch_id}/approval"), &s.treasurer, json!({})).await)
            .await;
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["approved_by"], "tesorera");

    // The bank file: valid against the XSD, exact amounts, the same bytes every time.
    let file = server.get(&format!("/api/v1/batches/{batch_id}/pain001"), &s.treasurer).await;
    assert_eq!(file.status(), 200);
    let xml = file.text().await.unwrap();
    validate_against_xsd(&xml);
    assert!(xml.contains("<CtrlSum>6000.00</CtrlSum>"), "{xml}");
    assert!(xml.contains("00219300123456789013"), "the adult's CCI");
    assert!(xml.contains("<Prtry>CCI</Prtry>"));
    assert!(xml.contains("<Nm>Rosa Ríos Guzmán</Nm>"), "the minor's representative is the payee");
    assert!(xml.contains("<Id>001234567</Id>") && xml.contains("<Cd>ARNU</Cd>"), "named by her own document");
    assert!(xml.contains("<UltmtCdtr>"), "the minor is the ultimate creditor");
    assert!(xml.contains("<PmtMtd>CHK</PmtMtd>"), "no account: a cheque");
    assert!(xml.contains(FUND_ACCOUNT));
    let again =
        server.get(&format!("/api/v1/batches/{batch_id}/pain001"), &s.treasurer).await.text().await.unwrap();
    assert_eq!(again, xml, "re-export gives the same file");
    let exported: Value =
        server.get(&format!("/api/v1/batches/{batch_id}"), &s.officer).await.json().await.unwrap();
    assert_eq!(exported["state"], "exported");
    assert_eq!(exported["file_sha256"].as_str().unwrap().len(), 64);
    let message_id = exported["message_id"].as_str().unwrap().to_string();
    let e2e: HashMap<i64, String> = exported["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["claim_id"].as_i64().unwrap(), l["end_to_end_id"].as_str().unwrap().to_string()))
        .collect();

    // The bank pays the adult and rejects the minor's cheque.
    let report = status_report(
        &message_id,
        &[(&e2e[&adult_id], "ACSC", None), (&e2e[&minor_id], "RJCT", Some("AC04"))],
    );
    let path = format!("/api/v1/batches/{batch_id}/status-report");
    let applied: Value = post_xml(&s, &path, &s.treasurer, report.clone()).await.json().await.unwrap();
    assert_eq!(applied["applied"], 2, "{applied}");
    assert_eq!(applied["batch_state"], "closed");
    assert_eq!(account(&s, "assets:bank:fund").await, ("3000.00".into(), "0.00".into()));
    assert_eq!(account(&s, "expenses:reparations").await.0, "3000.00");
    let adult_now = claim(&s, adult_id).await;
    assert_eq!(adult_now["state"], "approved", "paid in part: back in the queue for the rest");
    assert_eq!(adult_now["paid"], "3000.00");
    assert_eq!(adult_now["outstanding"], "2000.00");
    let minor_now = claim(&s, minor_id).await;
    assert_eq!(minor_now["state"], "approved", "rejected by the bank: back in the queue");
    assert_eq!(minor_now["waiting_for"], "payee_details", "AC04: not paid again to the same details");
    assert!(minor_now["history"].as_array().unwrap().last().unwrap()["note"]
        .as_str()
        .unwrap()
        .contains("AC04"));
    let order: Value =
        server.get(&format!("/api/v1/orders/{}", s.adult_order), &s.officer).await.json().await.unwrap();
    assert_eq!((order["paid_by_fund"].as_str(), order["owed"].as_str()), (Some("3000.00"), Some("2000.00")));

    // Re-importing the same report changes nothing at all.
    let audit_before = server.audit_length().await;
    let repeated: Value = post_xml(&s, &path, &s.treasurer, report).await.json().await.unwrap();
    assert_eq!(repeated["duplicate"], true);
    assert_eq!(server.audit_length().await, audit_before);
    assert_eq!(account(&s, "assets:bank:fund").await, ("3000.00".into(), "0.00".into()));
    // A different report contradicting an applied result leaves it as it was.
    let contrary = status_report(&message_id, &[(&e2e[&adult_id], "RJCT", Some("AC01"))]);
    let contradicted: Value = post_xml(&s, &path, &s.treasurer, contrary).await.json().await.unwrap();
    assert_eq!(contradicted["applied"], 0);
    assert_eq!(contradicted["conflicts"].as_array().unwrap().len(), 1);
    assert_eq!(account(&s, "assets:bank:fund").await, ("3000.00".into(), "0.00".into()));
    assert_eq!(claim(&s, adult_id).await["waiting_for"], "bank_conflict", "held until a treasurer looks");
    // Neither waiting claim is in a round now.
    let held = created(server.post("/api/v1/rounds", &s.officer, json!({"dry_run": true})).await).await;
    assert_eq!(held["lines"].as_array().unwrap().len(), 0, "{held}");
    // The treasurer checks the bank statement: the adult was paid. The proposer may not say so.
    let resolution = format!("/api/v1/batches/{batch_id}/lines/{}/resolution", e2e[&adult_id]);
    let body = json!({"paid": true, "reason": "El extracto bancario muestra el abono"});
    expect_problem(server.post(&resolution, &s.maker, body.clone()).await, 403).await;
    created(server.post(&resolution, &s.treasurer, body).await).await;
    assert_eq!(claim(&s, adult_id).await["waiting_for"], Value::Null);
    assert_eq!(
        account(&s, "assets:bank:fund").await,
        ("3000.00".into(), "0.00".into()),
        "nothing paid twice"
    );
    // Victim services correct the minor's payee: her mother's own account.
    let correction = json!({"reason": "Cuenta cerrada (AC04): la madre abrió una cuenta",
        "legal_representative": {"given_names": "Rosa", "surnames": "Ríos Guzmán", "document_type": "ce",
        "document_number": "001234567", "relationship": "mother", "legal_basis": "Patria potestad",
        "bank_account": "00219300987654321013"}});
    let response = server.patch(&format!("/api/v1/victims/{}", s.minor), &s.services, correction).await;
    assert_eq!(response.status(), 200);
    assert_eq!(claim(&s, minor_id).await["waiting_for"], Value::Null, "back in the queue");

    // The receipt, in Spanish.
    let receipt = server.get(&format!("/api/v1/claims/{adult_id}/receipt"), &s.services).await;
    assert_eq!(receipt.status(), 200);
    let html = receipt.text().await.unwrap();
    assert!(
        html.contains("Constancia de pago")
            && html.contains("3,000.00")
            && html.contains("Milagros Huamán Ccori")
    );

    // Round 2: S/ 3,000 left; the minor (tier 1) first, the adult waits. Results by hand.
    let round2 = created(server.post("/api/v1/rounds", &s.officer, json!({"dry_run": false})).await).await;
    assert_eq!(round2["lines"][0]["claim_id"], minor_id);
    assert_eq!(round2["lines"][1]["rule"], "tier_waits");
    let batch2 =
        created(server.post("/api/v1/batches", &s.officer, json!({"round_id": round2["id"]})).await).await;
    let batch2_id = batch2["id"].as_i64().unwrap();
    created(server.post(&format!("/api/v1/batches/{batch2_id}/approval"), &s.treasurer, json!({})).await)
        .await;
    let xml2 =
        server.get(&format!("/api/v1/batches/{batch2_id}/pain001"), &s.treasurer).await.text().await.unwrap();
    validate_against_xsd(&xml2);
    let line = batch2["lines"][0]["end_to_end_id"].as_str().unwrap().to_string();
    let manual = json!({"results": [{"end_to_end_id": line, "status": "accepted"}]});
    let results: Value = server
        .post(&format!("/api/v1/batches/{batch2_id}/results"), &s.treasurer, manual.clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(results["applied"], 1);
    let results: Value = server
        .post(&format!("/api/v1/batches/{batch2_id}/results"), &s.treasurer, manual)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((results["applied"].as_u64(), results["unchanged"].as_u64()), (Some(0), Some(1)));
    assert_eq!(claim(&s, minor_id).await["state"], "paid");
    assert_eq!(account(&s, "assets:bank:fund").await, ("0.00".into(), "0.00".into()));

    // The convicted pays S/ 4,000 later: S/ 2,000 makes the adult whole, S/ 2,000 goes back to
    // the fund. More than what is owed to both is refused.
    let too_much = expect_problem(
        server
            .post(
                &format!("/api/v1/orders/{}/recoveries", s.adult_order),
                &s.officer,
                json!({"amount": "5000.01", "received_on": "2026-10-01"}),
            )
            .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&too_much), vec!["amount"]);
    let recovery = created(
        server
            .post(
                &format!("/api/v1/orders/{}/recoveries", s.adult_order),
                &s.officer,
                json!({"amount": "4000.00", "received_on": "2026-10-01", "reference": "CDJ 2026-118"}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (recovery["to_victim"].as_str(), recovery["to_fund"].as_str()),
        (Some("2000.00"), Some("2000.00"))
    );
    assert_eq!(account(&s, "assets:bank:fund").await.0, "2000.00");
    assert_eq!(account(&s, "income:recoveries").await.0, "2000.00");
    let order: Value =
        server.get(&format!("/api/v1/orders/{}", s.adult_order), &s.officer).await.json().await.unwrap();
    assert_eq!(order["owed"], "0.00");
    assert_eq!(claim(&s, adult_id).await["outstanding"], "0.00", "nothing more to allocate to the adult");

    // The ledger still balances, and the audit chain is intact.
    let check: Value = server.get("/api/v1/ledger/verify", &s.officer).await.json().await.unwrap();
    assert_eq!(check["balanced"], true, "{check}");
    let _ = (&s.clerk, s.case_id);
}

async fn bad_claims_name_the_field_and_change_nothing(database: TestDatabase) {
    let s = setup(database).await;
    let server = &s.server;
    let before = server.audit_length().await;
    let cases = [
        (json!({"victim": "V-2026-999999", "order_id": s.adult_order}), 422, vec!["victim"]),
        (json!({"victim": s.adult, "order_id": s.adult_order, "amount": "5000.01"}), 422, vec!["amount"]),
        (json!({"victim": s.adult, "order_id": s.minor_order}), 422, vec!["order_id"]),
        (json!({"victim": s.adult}), 422, vec!["order_id"]),
        (json!({"victim": s.adult, "order_id": s.adult_order, "needs": ["rich"]}), 422, vec!["needs[0]"]),
        (json!({"victim": s.adult, "order_id": s.adult_order, "amount": "-1.00"}), 422, vec!["amount"]),
        (
            json!({"victim": s.adult, "kind": "advance", "case_id": s.case_id, "amount": "5000.01"}),
            422,
            vec!["amount"],
        ),
        (json!({"victim": s.adult, "kind": "gift", "order_id": s.adult_order}), 422, vec!["kind"]),
    ];
    for (body, status, fields) in cases {
        let problem =
            expect_problem(server.post("/api/v1/claims", &s.services, body.clone()).await, status).await;
        assert_eq!(problem_fields(&problem), fields, "{body}");
    }
    // Roles: the fund officer does not file, victim services does not decide or allocate.
    expect_problem(
        server
            .post("/api/v1/claims", &s.officer, json!({"victim": s.adult, "order_id": s.adult_order}))
            .await,
        403,
    )
    .await;
    expect_problem(server.post("/api/v1/rounds", &s.services, json!({})).await, 403).await;
    // Nothing approved: committing a round allocates nothing and is refused.
    expect_problem(server.post("/api/v1/rounds", &s.officer, json!({"dry_run": false})).await, 409).await;
    assert_eq!(server.audit_length().await, before, "nothing was written");
    let claims: Value = server.get("/api/v1/claims", &s.officer).await.json().await.unwrap();
    assert_eq!(claims["items"].as_array().unwrap().len(), 0);

    // An advance in a charged case, within the cap; a second one while it is open is refused.
    let advance = created(
        server
            .post(
                "/api/v1/claims",
                &s.services,
                json!({"victim": s.minor, "kind": "advance", "case_id": s.case_id,
                "amount": "1500.00", "needs": ["pregnancy"]}),
            )
            .await,
    )
    .await;
    assert_eq!(advance["kind"], "advance");
    assert_eq!(advance["tier"], 1);
    let second = expect_problem(
        server
            .post(
                "/api/v1/claims",
                &s.services,
                json!({"victim": s.minor, "kind": "advance", "case_id": s.case_id, "amount": "100.00"}),
            )
            .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&second), vec!["victim"]);
    // An urgent claim must be decided within 72 hours: after that it is flagged overdue.
    let id = advance["id"].as_i64().unwrap();
    assert_eq!(advance["overdue"], false);
    let overdue: Value = server.get("/api/v1/claims?overdue=true", &s.officer).await.json().await.unwrap();
    assert_eq!(overdue["items"].as_array().unwrap().len(), 0);
    server.clock.advance_seconds(73 * 3_600);
    // (Sessions lapsed meanwhile: log in again.)
    let officer = server.token("oficial", USER_PASSWORD).await;
    let services = server.token("cem", USER_PASSWORD).await;
    let overdue: Value = server.get("/api/v1/claims?overdue=true", &officer).await.json().await.unwrap();
    assert_eq!(overdue["items"][0]["id"], id);
    let mine: Value = server.get("/api/v1/claims?state=received", &services).await.json().await.unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "victim services see their victims' claims");
    // Decisions: a rejection needs its reason; an amount above the request is refused.
    let path = format!("/api/v1/claims/{id}/decision");
    let no_reason =
        expect_problem(server.post(&path, &officer, json!({"decision": "reject"})).await, 422).await;
    assert_eq!(problem_fields(&no_reason), vec!["reason"]);
    let over = expect_problem(
        server.post(&path, &officer, json!({"decision": "approve", "amount": "1500.01"})).await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&over), vec!["amount"]);
    let rejected =
        created(server.post(&path, &officer, json!({"decision": "reject", "reason": "Duplicado"})).await)
            .await;
    assert_eq!(rejected["state"], "rejected");
    expect_problem(server.post(&path, &officer, json!({"decision": "approve"})).await, 409).await;
    // The clerk reads no claims.
    let clerk = server.token("secretario", USER_PASSWORD).await;
    expect_problem(server.get("/api/v1/claims", &clerk).await, 403).await;
}

async fn an_advance_is_paid_before_the_order_and_deducted_from_it(database: TestDatabase) {
    let s = setup(database).await;
    let server = &s.server;
    let prosecutor = server.token("fiscal", USER_PASSWORD).await;
    let verified = server
        .post(
            &format!("/api/v1/victims/{}/identity-verification", s.minor),
            &s.services,
            json!({"method": "registry_check"}),
        )
        .await;
    assert_eq!(verified.status(), 204);
    // Another case of hers, only reported: an advance waits for charges.
    let other = created(
        server
            .post(
                "/api/v1/cases",
                &prosecutor,
                json!({"prosecutor_file": "FPT-2024-0202", "jurisdiction": "Tumbes",
                "offences": ["129-A"], "reported_on": "2024-05-01", "defendants": ["Luis Paredes Lima"]}),
            )
            .await,
    )
    .await;
    let other_id = other["id"].as_i64().unwrap();
    server.link_victims(&s.services, other_id, &[&s.minor]).await;
    let early_body = json!({"victim": s.minor, "kind": "advance", "case_id": other_id, "amount": "1000.00", "needs": ["pregnancy"]});
    let early = created(server.post("/api/v1/claims", &s.services, early_body).await).await;
    assert_eq!(unmet(&early), vec!["case_charged"], "an advance waits for charges");
    let withdrawn = server
        .post(
            &format!("/api/v1/claims/{}/withdrawal", early["id"]),
            &s.services,
            json!({"reason": "Presentado antes de tiempo"}),
        )
        .await;
    assert_eq!(withdrawn.status(), 200);
    for (stage, date) in [("investigation", "2024-06-01"), ("charged", "2024-09-01")] {
        let moved = server
            .post(
                &format!("/api/v1/cases/{other_id}/stage"),
                &prosecutor,
                json!({"stage": stage, "date": date}),
            )
            .await;
        assert_eq!(moved.status(), 200, "{stage}");
    }
    let charged = json!({"victim": s.minor, "kind": "advance", "case_id": other_id, "amount": "1000.00", "needs": ["pregnancy"]});
    let eligible = created(server.post("/api/v1/claims", &s.services, charged).await).await;
    assert_eq!(eligible["eligible"], true, "{eligible}");
    created(
        server
            .post(
                &format!("/api/v1/claims/{}/withdrawal", eligible["id"]),
                &s.services,
                json!({"reason": "Se pide en el otro caso"}),
            )
            .await,
    )
    .await;
    // The case with her final judgment is past the charges: the advance is paid there.
    let body = json!({"victim": s.minor, "kind": "advance", "case_id": s.case_id, "amount": "1000.00", "needs": ["pregnancy"]});
    let advance = created(server.post("/api/v1/claims", &s.services, body).await).await;
    assert_eq!(advance["eligible"], true, "{advance}");
    let id = advance["id"].as_i64().unwrap();
    created(
        server
            .post(&format!("/api/v1/claims/{id}/decision"), &s.officer, json!({"decision": "approve"}))
            .await,
    )
    .await;
    let round = created(server.post("/api/v1/rounds", &s.officer, json!({"dry_run": false})).await).await;
    let batch =
        created(server.post("/api/v1/batches", &s.officer, json!({"round_id": round["id"]})).await).await;
    let batch_id = batch["id"].as_i64().unwrap();
    created(server.post(&format!("/api/v1/batches/{batch_id}/approval"), &s.treasurer, json!({})).await)
        .await;
    assert_eq!(server.get(&format!("/api/v1/batches/{batch_id}/pain001"), &s.treasurer).await.status(), 200);
    let line = batch["lines"][0]["end_to_end_id"].clone();
    let results = json!({"results": [{"end_to_end_id": line, "status": "accepted"}]});
    created(server.post(&format!("/api/v1/batches/{batch_id}/results"), &s.treasurer, results).await).await;
    assert_eq!(claim(&s, id).await["state"], "paid");
    assert_eq!(account(&s, "expenses:advances").await.0, "1000.00");

    // The reparation claim on the order: the advance is deducted from what is owed.
    let reparation = created(
        server
            .post("/api/v1/claims", &s.services, json!({"victim": s.minor, "order_id": s.minor_order}))
            .await,
    )
    .await;
    assert_eq!(reparation["requested"], "2000.00");
    let order: Value =
        server.get(&format!("/api/v1/orders/{}", s.minor_order), &s.officer).await.json().await.unwrap();
    assert_eq!(
        (order["advanced_by_fund"].as_str(), order["owed"].as_str()),
        (Some("1000.00"), Some("2000.00"))
    );
    let over = expect_problem(
        server
            .post(
                "/api/v1/claims",
                &s.services,
                json!({"victim": s.minor, "kind": "advance", "case_id": s.case_id, "amount": "4000.01"}),
            )
            .await,
        422,
    )
    .await;
    assert!(
        problem_fields(&over).contains(&"amount".to_string()),
        "S/ 4,000.00 left under the S/ 5,000.00 cap"
    );
    assert!(over["detail"].as_str().unwrap().contains("S/ 4,000.00"), "{over}");
    // The cap is per victim: the other case has no fresh S/ 5,000.00.
    let elsewhere = expect_problem(
        server
            .post(
                "/api/v1/claims",
                &s.services,
                json!({"victim": s.minor, "kind": "advance", "case_id": other_id, "amount": "4500.00"}),
            )
            .await,
        422,
    )
    .await;
    assert!(problem_fields(&elsewhere).contains(&"amount".to_string()), "{elsewhere}");
}
