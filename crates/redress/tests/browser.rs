//! The web interface in a real browser: headless Chromium driven over WebDriver
//! (chromedriver), on SQLite. Victim services register a victim and file a claim; the fund
//! officer approves it, runs an allocation and proposes a batch; the treasurer approves it and
//! downloads the bank file; the language switch is checked on one page.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the
//! test says so and passes, except in CI (`CI` set), where it fails.

mod common;

use common::browser::{member, Browser, ELEMENT};
use common::TestServer;
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_do_their_jobs_in_a_real_browser() {
    let Some(browser) = Browser::start().await else { return };
    let server = TestServer::start_with(TestDatabase::sqlite(), |settings| {
        settings.fund.bank_account = Some("00219300999999999910".to_string());
    })
    .await;
    let admin = server.admin_token().await;
    let services = member(&server, &admin, "CEM Tumbes", "ministry", "cem", "victim_services").await;
    let prosecutor =
        member(&server, &admin, "Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor").await;
    let clerk =
        member(&server, &admin, "Juzgado Penal de Tumbes", "court", "secretario", "court_clerk").await;
    let officer =
        member(&server, &admin, "Fondo de Reparaciones", "fund_unit", "oficial", "fund_officer").await;
    member(&server, &admin, "Fondo de Reparaciones", "fund_unit", "tesorera", "treasurer").await;
    let budget = json!({"id": "0b7f8a0e-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "debit_account": "assets:bank:fund",
        "credit_account": "income:budget", "amount": "12500.00", "currency": "PEN", "memo": "Transferencia MIMP"});
    assert_eq!(server.post("/api/v1/ledger/transfers", &officer, budget).await.status(), 201);

    // Not logged in: the login form, in Spanish.
    browser.goto(&server.url("/claims")).await;
    assert!(browser.url().await.contains("/login?next="), "a page without a session goes to the login form");
    assert_eq!(browser.text("h1").await, "Iniciar sesión");

    // Victim services registers a victim and verifies her identity.
    browser.login(&server, "cem").await;
    browser.goto(&server.url("/victims/new")).await;
    browser.type_into("#given_names", "Rosa Elvira").await;
    browser.type_into("#surnames", "Quispe Mamani").await;
    browser.type_into("#document_number", "41234567").await;
    // A date input takes the digits in the browser's locale order; set it directly.
    let date_id = browser.find("#birth_date").await;
    browser
        .command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": "arguments[0].value = '1990-04-12';", "args": [{ELEMENT: date_id}]})),
        )
        .await;
    browser.type_into("#nationality", "PE").await;
    browser.type_into("#bank_account", "00219300123456789013").await;
    browser.click("#register-victim").await;
    // Consent is required: the form says so next to the field and keeps what was typed.
    browser.find("#consent-error").await;
    let id = browser.find("#given_names").await;
    let kept = browser.command(reqwest::Method::GET, &format!("/element/{id}/property/value"), None).await;
    assert_eq!(kept, "Rosa Elvira");
    browser.click("#consent").await;
    browser.click("#register-victim").await;
    browser.expect_text("#notice", "Víctima registrada con el código V-").await;
    let code = browser.text("#victim-code").await.replace("Víctima ", "");
    assert!(code.starts_with("V-"), "{code}");
    browser.click("#verify-identity").await;
    browser.expect_text("#notice", "Identidad verificada").await;

    // The court's side, through the API: a case, a final judgment, an order, insolvency.
    let case: Value = server
        .post(
            "/api/v1/cases",
            &prosecutor,
            json!({"prosecutor_file": "FPT-2025-0042", "jurisdiction": "Tumbes",
            "offences": ["129-A"], "reported_on": "2025-01-10", "defendants": ["Marco Salas Vera"],
            "court_id": server.institution_id(&admin, "Juzgado Penal de Tumbes").await}),
        )
        .await
        .json()
        .await
        .unwrap();
    server.link_victims(&services, case["id"].as_i64().unwrap(), &[&code]).await;
    let defendant = case["defendants"][0]["id"].as_i64().unwrap();
    let judgment: Value = server
        .post("/api/v1/judgments", &clerk, json!({"case_id": case["id"], "judged_on": "2026-02-02",
            "court": "Juzgado Penal Colegiado de Tumbes", "convicted": [defendant], "final_on": "2026-03-03",
            "orders": [{"victim": code, "items": [{"head": "moral_damage", "amount": "8000.00"}], "debtors": [defendant]}]}))
        .await
        .json()
        .await
        .unwrap();
    let order_id = judgment["orders"][0]["id"].as_i64().unwrap();
    let insolvency = server
        .post(
            &format!("/api/v1/orders/{order_id}/insolvency"),
            &clerk,
            json!({"found_on": "2026-05-01", "basis": "Informe de bienes negativo"}),
        )
        .await;
    assert_eq!(insolvency.status(), 200);

    // Victim services files the claim.
    browser.goto(&server.url(&format!("/victims/{code}"))).await;
    browser.click("#new-claim").await;
    browser.set_value("#order_id", &order_id.to_string()).await;
    browser.click("#need-no_income").await;
    browser.click("#file-claim").await;
    browser.expect_text("#notice", "presentado").await;
    browser.expect_text("#claim-state", "recibido").await;
    browser.expect_text("#eligibility", "Elegible para pago").await;
    let claim_url = browser.url().await;
    browser.logout().await;

    // The fund officer approves it, runs an allocation and proposes the batch.
    browser.login(&server, "oficial").await;
    browser.expect_text("#fund-cash", "S/ 12,500.00").await;
    browser.goto(&claim_url).await;
    browser.click("#approve").await;
    browser.expect_text("#notice", "Decisión registrada").await;
    browser.expect_text("#claim-state", "aprobado").await;
    browser.goto(&server.url("/")).await;
    browser.click("#run-allocation").await;
    browser.expect_text("#round-status", "Simulación").await;
    browser.expect_text("#round-allocated", "S/ 8,000.00").await;
    browser.click("#commit-round").await;
    browser.expect_text("#round-status", "confirmada").await;
    browser.click("#replay").await;
    browser.expect_text("#replay-result", "reproducible").await;
    browser.click("#propose-batch").await;
    browser.expect_text("#batch-state", "propuesto").await;
    let batch_url = browser.url().await;
    // The dashboard, for the README (REDRESS_SCREENSHOT=path writes it).
    if let Some(path) = std::env::var_os("REDRESS_SCREENSHOT") {
        browser.goto(&server.url("/")).await;
        browser.find("#fund-cash").await;
        std::fs::write(path, browser.screenshot().await).unwrap();
    }
    browser.logout().await;

    // The treasurer approves it and downloads the bank file.
    browser.login(&server, "tesorera").await;
    browser.goto(&batch_url).await;
    browser.click("#approve-batch").await;
    browser.expect_text("#batch-state", "aprobado").await;
    browser.find("#download-pain001").await;
    let href = browser.script_async(
        "const done = arguments[arguments.length - 1]; \
         fetch(document.querySelector('#download-pain001').href).then(r => r.text()).then(done, e => done(String(e)));",
    )
    .await;
    let xml = href.as_str().unwrap_or("");
    assert!(xml.contains("urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"), "{xml}");
    assert!(xml.contains("<InstdAmt Ccy=\"PEN\">8000.00</InstdAmt>"), "{xml}");

    // The language switch: the same page in English, kept for the user.
    browser.click("#language-select option[value='en']").await;
    browser.click("#language-submit").await;
    browser.expect_text("h1", "Payment batch").await;
    browser.expect_text("#batch-state", "sent to the bank").await;
    browser.goto(&server.url("/")).await;
    browser.expect_text("h1", "Home").await;
}
