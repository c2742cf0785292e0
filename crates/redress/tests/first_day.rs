//! A fund's first day, in a real browser, from an empty start: `redress serve` on a new data
//! folder, reached over plain http by an office name (`http://redress.oficina:PORT`, not
//! localhost), everything in Spanish and every amount typed the way the pages show it.
//!
//! The administrator logs in with the password printed at the first start, sees what is missing
//! for a first payment, sets the fund's details, creates the institutions and the staff; the
//! fund officer records the opening budget; victim services register a victim and refer her to
//! the prosecutor; the prosecutor opens the case; the court clerk records the judgment and the
//! convicted person's insolvency; victim services file the claim; the fund officer approves it
//! and proposes the batch; the treasurer approves it and downloads the bank file.

mod common;

use common::binary::{redress, serve_on, temporary_folder};
use common::browser::{free_port, Browser};
use common::USER_PASSWORD;
use std::process::Stdio;

const HOST: &str = "redress.oficina";

/// Logs in; a first login with a password the administrator set goes through the change form.
async fn first_login(browser: &Browser, base: &str, username: &str, password: &str) {
    browser.goto(&format!("{base}/login")).await;
    browser.type_into("#username", username).await;
    browser.type_into("#password", password).await;
    browser.click("#login-submit").await;
    browser.find("form[action='/logout']").await;
    if browser.url().await.contains("/password") {
        browser.type_into("#current", password).await;
        browser.type_into("#new", &format!("{password}-propia")).await;
        browser.click("form[action='/password'] button[type='submit']").await;
        browser.wait_url("a page past the password form", |url| !url.contains("/password")).await;
        browser.find("form[action='/logout']").await;
    }
}

async fn logout(browser: &Browser) {
    browser.click("form[action='/logout'] button").await;
    browser.find("#login-submit").await;
}

/// The administrator creates an institution on the users page.
async fn institution(browser: &Browser, base: &str, name: &str, kind: &str) {
    browser.goto(&format!("{base}/admin/users")).await;
    browser.type_into("#i-name", name).await;
    browser.set_value("#i-kind", kind).await;
    browser.click("#create-institution").await;
    browser.expect_text("#institution-list", name).await;
}

/// The administrator creates a user with one role in an institution.
async fn staff(browser: &Browser, base: &str, username: &str, institution: &str, role: &str) {
    browser.goto(&format!("{base}/admin/users")).await;
    browser.type_into("#username", username).await;
    browser.select_by_text("#institution", institution).await;
    browser.click(&format!("input[name='roles'][value='{role}']")).await;
    browser.type_into("#password", USER_PASSWORD).await;
    browser.click("#create-user").await;
    browser.expect_text("#users", username).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_day_from_an_empty_start_in_a_real_browser() {
    let rule = format!("--host-resolver-rules=MAP {HOST} 127.0.0.1");
    let Some(browser) = Browser::start_with(&[&rule]).await else { return };
    let folder = temporary_folder();
    let port = free_port();
    let base = format!("http://{HOST}:{port}");
    let mut command = redress(&folder);
    command.env("REDRESS_SERVER__PUBLIC_URL", &base).env("REDRESS_LOG", "warn");
    let served = serve_on(command, &format!("127.0.0.1:{port}"), Stdio::null()).await;
    let password = served.admin_password.clone().expect("a first start prints the administrator's password");

    // The administrator's first login works over plain http on an office name.
    first_login(&browser, &base, "admin", &password).await;
    browser.goto(&format!("{base}/")).await;
    browser.find("#check-bank_account[data-done='false']").await;
    browser.find("#check-institutions[data-done='false']").await;

    // The fund's details.
    browser.goto(&format!("{base}/admin/fund")).await;
    browser.type_into("#fund-name", "Fondo de Reparación a Víctimas de Trata").await;
    browser.type_into("#fund-bank_account", "00219300999999999910").await;
    browser.type_into("#fund-bank_bic", "BCPLPEPL").await;
    browser.click("#save-fund").await;
    browser.wait_url("the saved notice", |url| url.contains("notice=fund-saved")).await;
    browser.goto(&format!("{base}/")).await;
    browser.find("#check-bank_account[data-done='true']").await;

    // Institutions and staff.
    for (name, kind) in [
        ("CEM Tumbes", "ministry"),
        ("Fiscalía Provincial de Tumbes", "prosecutor"),
        ("Juzgado Penal de Tumbes", "court"),
    ] {
        institution(&browser, &base, name, kind).await;
    }
    let fund = "Fondo de Reparaciones";
    for (username, institution_name, role) in [
        ("cem", "CEM Tumbes", "victim_services"),
        ("fiscal", "Fiscalía Provincial de Tumbes", "prosecutor"),
        ("secretario", "Juzgado Penal de Tumbes", "court_clerk"),
        ("oficial", fund, "fund_officer"),
        ("tesorera", fund, "treasurer"),
    ] {
        staff(&browser, &base, username, institution_name, role).await;
    }
    browser.goto(&format!("{base}/")).await;
    browser.find("#check-institutions[data-done='true']").await;
    browser.find("#check-users[data-done='true']").await;
    logout(&browser).await;

    // The fund officer records the opening budget, typed as the pages show money.
    first_login(&browser, &base, "oficial", USER_PASSWORD).await;
    browser.goto(&format!("{base}/ledger")).await;
    browser.type_into("#t-amount", "S/ 12,500.00").await;
    browser.type_into("#t-memo", "Transferencia del presupuesto 2026").await;
    browser.click("#record-transfer").await;
    browser.wait_url("the transfer's notice", |url| url.contains("notice=ledger-transferred")).await;
    browser.goto(&format!("{base}/")).await;
    browser.expect_text("#fund-cash", "S/ 12,500.00").await;
    logout(&browser).await;

    // Victim services register a victim and refer her to the prosecutor's office.
    first_login(&browser, &base, "cem", USER_PASSWORD).await;
    browser.goto(&format!("{base}/victims/new")).await;
    browser.type_into("#given_names", "Rosa Elvira").await;
    browser.type_into("#surnames", "Quispe Mamani").await;
    browser.type_into("#document_number", "41234567").await;
    browser.set_value("#birth_date", "1990-04-12").await;
    browser.type_into("#nationality", "PE").await;
    browser.type_into("#bank_account", "00219300123456789013").await;
    browser.click("#consent").await;
    browser.click("#register-victim").await;
    browser.expect_text("#notice", "Víctima registrada con el código V-").await;
    let code = browser.text("#victim-code").await.replace("Víctima ", "");
    browser.click("#verify-identity").await;
    browser.expect_text("#notice", "Identidad verificada").await;
    browser.select_by_text("#institution_id", "Fiscalía Provincial de Tumbes").await;
    browser.click("form[action$='/referrals'] button[type='submit']").await;
    browser.wait_url("the referral's notice", |url| url.contains("notice=victim-referred")).await;
    logout(&browser).await;

    // The prosecutor opens the case before the court, naming the victim.
    first_login(&browser, &base, "fiscal", USER_PASSWORD).await;
    browser.goto(&format!("{base}/cases/new")).await;
    browser.type_into("#prosecutor_file", "FPT-2026-0001").await;
    browser.type_into("#jurisdiction", "Tumbes").await;
    browser.set_value("#reported_on", "2025-01-10").await;
    browser.click("input[name='offences'][value='129-A']").await;
    browser.type_into("#defendants", "Marco Salas Vera").await;
    browser.select_by_text("#court_id", "Juzgado Penal de Tumbes").await;
    browser.type_into("#victims", &code).await;
    browser.click("#open-case").await;
    browser.expect_text("#case-stage", "").await;
    let case_url = browser.url().await;
    logout(&browser).await;

    // The court clerk records the final judgment, amounts typed as shown, and the insolvency.
    first_login(&browser, &base, "secretario", USER_PASSWORD).await;
    browser.goto(&case_url).await;
    browser.click("#record-judgment").await;
    browser.set_value("#judged_on", "2026-02-02").await;
    browser.type_into("#court", "Juzgado Penal Colegiado de Tumbes").await;
    browser.set_value("#final_on", "2026-03-03").await;
    // The defendant is ticked as convicted already (the usual case).
    let checkbox = browser.find("input[name='convicted']").await;
    let checked = browser.command(reqwest::Method::GET, &format!("/element/{checkbox}/selected"), None).await;
    assert_eq!(checked, serde_json::json!(true), "the convicted person is ticked");
    browser.type_into(&format!("#a-{code}-moral_damage"), "8,000.00").await;
    browser.click("#save-judgment").await;
    browser.wait_url("the judgment's page", |url| url.contains("notice=judgment-recorded")).await;
    let order = browser.attribute("[id^='order-']", "id").await;
    let order_id = order.trim_start_matches("order-").to_string();
    browser.set_value(&format!("#found-{order_id}"), "2026-05-01").await;
    browser.type_into(&format!("#basis-{order_id}"), "Informe de bienes negativo").await;
    browser.click(&format!("#insolvency-{order_id}")).await;
    browser.wait_url("the finding's notice", |url| url.contains("notice=judgment-updated")).await;
    logout(&browser).await;

    // Victim services file the claim on the order.
    first_login(&browser, &base, "cem", USER_PASSWORD).await;
    browser.goto(&format!("{base}/victims/{code}")).await;
    browser.click("#new-claim").await;
    browser.set_value("#order_id", &order_id).await;
    browser.click("#need-no_income").await;
    browser.click("#file-claim").await;
    browser.expect_text("#claim-state", "recibido").await;
    let claim_url = browser.url().await;
    logout(&browser).await;

    // The fund officer approves it, allocates and proposes the batch.
    first_login(&browser, &base, "oficial", USER_PASSWORD).await;
    browser.goto(&claim_url).await;
    browser.click("#approve").await;
    browser.expect_text("#claim-state", "aprobado").await;
    browser.goto(&format!("{base}/")).await;
    browser.click("#run-allocation").await;
    browser.expect_text("#round-allocated", "S/ 8,000.00").await;
    browser.click("#commit-round").await;
    browser.expect_text("#round-status", "confirmada").await;
    browser.click("#propose-batch").await;
    browser.expect_text("#batch-state", "propuesto").await;
    let batch_url = browser.url().await;
    logout(&browser).await;

    // The treasurer approves the batch and downloads the bank file, from the fund's account.
    first_login(&browser, &base, "tesorera", USER_PASSWORD).await;
    browser.goto(&batch_url).await;
    browser.click("#approve-batch").await;
    browser.expect_text("#batch-state", "aprobado").await;
    let xml = browser
        .script_async(
            "const done = arguments[arguments.length - 1]; \
             fetch(document.querySelector('#download-pain001').href).then(r => r.text()).then(done, e => done(String(e)));",
        )
        .await;
    let xml = xml.as_str().unwrap_or("");
    assert!(xml.contains("<InstdAmt Ccy=\"PEN\">8000.00</InstdAmt>"), "{xml}");
    assert!(xml.contains("00219300999999999910"), "paid from the fund's account set on the first day: {xml}");
    assert!(xml.contains("Fondo de Reparación a Víctimas de Trata"), "the fund's name as set: {xml}");
    drop(served);
    let _ = std::fs::remove_dir_all(folder);
}
