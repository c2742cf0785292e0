//! The fund's details over the API, on both engines: administrators set them (audited, every
//! bad field named and nothing changed), the fund's staff read them with what is missing for a
//! first payment, and the bank file pays from the account saved — the first export's details
//! frozen, so that a later download is the same file.

mod common;

use common::world::{ok, world, world_with};
use common::{expect_problem, problem_fields, TestServer};
use redress_app::Store;
use redress_domain::payments::cci_with_check_digits;
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

async fn put(server: &TestServer, token: &str, body: Value) -> reqwest::Response {
    server.client.put(server.url("/api/v1/fund")).bearer_auth(token).json(&body).send().await.unwrap()
}

fn details(account: &str) -> Value {
    json!({"name": "Fondo Especial de Reparaciones", "bank_account": account, "bank_bic": "bcplpepl",
        "bank_name": "Banco de Crédito del Perú", "tax_id": "20131370645"})
}

async fn an_administrator_sets_the_details_and_bad_input_changes_nothing(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let analyst = server.user_token("ana", &["analyst"]).await;
    let treasurer = server.user_token("tesorera", &["treasurer"]).await;

    let fresh = ok(server.get("/api/v1/fund", &treasurer).await).await;
    assert_eq!(fresh["source"], "configuration");
    assert_eq!(fresh["missing"], json!(["bank_account", "budget", "policy"]), "{fresh}");
    expect_problem(server.get("/api/v1/fund", &analyst).await, 403).await;

    let before = server.audit_length().await;
    expect_problem(put(&server, &treasurer, details("00219300999999999910")).await, 403).await;
    let bad = json!({"name": " ", "bank_account": "0021-9300", "bank_bic": "BCP", "tax_id": "20131370646"});
    let problem = expect_problem(put(&server, &admin, bad).await, 422).await;
    assert_eq!(problem_fields(&problem), ["name", "bank_account", "bank_bic", "tax_id"], "{problem}");
    assert_eq!(server.audit_length().await, before, "a refusal writes nothing");
    assert_eq!(ok(server.get("/api/v1/fund", &admin).await).await["source"], "configuration");

    let account = cci_with_check_digits("002193007777777777").unwrap();
    let spaced = format!("{} {}", &account[..10], &account[10..]);
    let saved = ok(put(&server, &admin, details(&spaced)).await).await;
    assert_eq!(saved["source"], "database");
    assert_eq!(saved["bank_account"], account.as_str(), "stored as the bank writes it");
    assert_eq!(saved["bank_bic"], "BCPLPEPL");
    assert_eq!(saved["updated_by"], "admin");
    assert_eq!(saved["missing"], json!(["budget", "policy"]));
    assert_eq!(server.audit_length().await, before + 1, "audited");
    let records = server.store.read().await.unwrap().audit_newest(None, 1).await.unwrap();
    let event = &records[0].event;
    assert_eq!(event.action, "fund.details_change");
    assert!(event.details.contains("\"before\"") && event.details.contains(&account), "{}", event.details);
}

async fn the_bank_file_pays_from_the_saved_account(database: TestDatabase) {
    let account = cci_with_check_digits("002193001111111111").unwrap();
    let w = world_with(database, Some(details(&account))).await;
    let path = format!("/api/v1/batches/{}/pain001", w.batch);
    let file = w.server.get(&path, &w.treasurer).await.text().await.unwrap();
    assert!(file.contains(&account), "the debtor account is the saved one");
    assert!(file.contains("Fondo Especial de Reparaciones"));
    assert!(file.contains("<BICFI>BCPLPEPL</BICFI>"), "{file}");

    // A change of account applies to the next batch: this batch's file stays the same.
    let admin = w.server.admin_token().await;
    let other = cci_with_check_digits("002193002222222222").unwrap();
    ok(put(&w.server, &admin, details(&other)).await).await;
    let again = w.server.get(&path, &w.treasurer).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.text().await.unwrap(), file);
}

async fn the_configured_account_is_the_fallback(database: TestDatabase) {
    let w = world(database).await;
    let fund = ok(w.server.get("/api/v1/fund", &w.treasurer).await).await;
    assert_eq!(fund["source"], "configuration");
    assert_eq!(fund["bank_account"], "00219300999999999910");
    assert_eq!(fund["missing"], json!(["policy"]), "money came in; the policy is the default");
}

on_both_engines!(
    an_administrator_sets_the_details_and_bad_input_changes_nothing,
    the_bank_file_pays_from_the_saved_account,
    the_configured_account_is_the_fallback,
);
