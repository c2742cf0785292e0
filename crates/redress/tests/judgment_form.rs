//! The judgment form as a court clerk uses it, on both engines: after a refusal every typed
//! amount and every choice comes back as typed and nothing is saved; a judgment saves all of
//! its orders; a second judgment of the same court on the same day asks for a confirmation,
//! which the form then offers.

mod common;

use common::{urlencode, TestServer, USER_PASSWORD};
use redress_app::store::Store;
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(the_judgment_form_keeps_what_was_typed_and_asks_before_a_duplicate);

async fn member(
    server: &TestServer,
    admin: &str,
    institution: &str,
    kind: &str,
    user: &str,
    role: &str,
) -> String {
    let created: Value = server
        .post("/api/v1/institutions", admin, json!({"name": institution, "kind": kind}))
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"username": user, "institution_id": created["id"], "roles": [role], "password": USER_PASSWORD});
    assert_eq!(server.post("/api/v1/users", admin, body).await.status(), 201);
    server.token(user, USER_PASSWORD).await
}

async fn the_judgment_form_keeps_what_was_typed_and_asks_before_a_duplicate(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let services = member(&server, &admin, "CEM Tumbes", "ministry", "cem", "victim_services").await;
    let prosecutor =
        member(&server, &admin, "Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor").await;
    member(&server, &admin, "Juzgado de Tumbes", "court", "secretario", "court_clerk").await;
    let mut codes = Vec::new();
    for (name, document) in [("Rosa", "41234567"), ("Elena", "41234568")] {
        let body = json!({"given_names": name, "surnames": "Quispe", "document_type": "dni", "document_number": document,
            "birth_date": "1990-04-12", "sex": "female", "nationality": "PE", "consent": true});
        let victim: Value = server.post("/api/v1/victims", &services, body).await.json().await.unwrap();
        codes.push(victim["code"].as_str().unwrap().to_string());
    }
    let court = server.institution_id(&admin, "Juzgado de Tumbes").await;
    let case: Value = server
        .post("/api/v1/cases", &prosecutor, json!({"prosecutor_file": "FPT-2025-0077", "jurisdiction": "Tumbes",
            "offences": ["129-A"], "reported_on": "2025-01-10", "defendants": ["Marco Salas Vera", "Iván Ruiz Soto"],
            "court_id": court}))
        .await
        .json()
        .await
        .unwrap();
    let case_id = case["id"].as_i64().unwrap();
    let (first, second) =
        (case["defendants"][0]["id"].as_i64().unwrap(), case["defendants"][1]["id"].as_i64().unwrap());
    server.link_victims(&services, case_id, &[&codes[0], &codes[1]]).await;

    let login = server.session("secretario", USER_PASSWORD).await;
    let cookie = format!("redress_session={}", login["token"].as_str().unwrap());
    let csrf = login["csrf_token"].as_str().unwrap().to_string();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let post = |body: String| {
        http.post(server.url(&format!("/cases/{case_id}/judgment")))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let (rosa, elena) = (&codes[0], &codes[1]);
    // Only the first defendant convicted; two orders, one with two heads; the court left empty.
    let typed = |court: &str, extra: &str| {
        format!(
            "_csrf={csrf}&submitted=1&judged_on=2026-02-02&court={}&convicted={first}\
             &{}=8000.00&{}=1500.50&{}=3200.00{extra}",
            urlencode(court),
            urlencode(&format!("amount:{rosa}:moral_damage")),
            urlencode(&format!("amount:{rosa}:unpaid_wages")),
            urlencode(&format!("amount:{elena}:moral_damage")),
        )
    };
    let refused = post(typed("", "")).await.unwrap();
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    for amount in ["8000.00", "1500.50", "3200.00"] {
        assert!(page.contains(&format!("value=\"{amount}\"")), "{amount} was lost after the error");
    }
    assert!(page.contains(&format!("value=\"{first}\" checked")), "the convicted defendant stays checked");
    assert!(!page.contains(&format!("value=\"{second}\" checked")), "the acquitted one stays unchecked");
    assert!(page.contains("value=\"2026-02-02\""));
    let officer = server.user_token("oficial", &["fund_officer"]).await;
    let judgments = || async {
        let mut tx = server.store.read().await.unwrap();
        tx.judgments_of_case(case_id).await.unwrap().len()
    };
    assert_eq!(judgments().await, 0, "nothing saved on a refusal");

    let saved = post(typed("Juzgado Penal de Tumbes", "")).await.unwrap();
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    let location = saved.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
    let judgment_id: i64 = location.trim_start_matches("/judgments/").parse().unwrap();
    let judgment: Value =
        server.get(&format!("/api/v1/judgments/{judgment_id}"), &officer).await.json().await.unwrap();
    let orders = judgment["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 2, "both orders saved: {judgment}");
    let owed: Vec<&str> = orders.iter().map(|o| o["ordered"].as_str().unwrap()).collect();
    assert!(owed.contains(&"9500.50") && owed.contains(&"3200.00"), "{owed:?}");
    assert_eq!(judgment["convicted"].as_array().unwrap().len(), 1);

    // The same court on the same day again: the form asks, keeping everything typed.
    let asked = post(typed("Juzgado Penal de Tumbes", "")).await.unwrap();
    assert_eq!(asked.status(), 409);
    let page = asked.text().await.unwrap();
    assert!(page.contains("name=\"confirm_duplicate\""), "the form offers the confirmation");
    assert!(page.contains("value=\"8000.00\"") && page.contains("value=\"3200.00\""));
    assert_eq!(judgments().await, 1, "not saved without the confirmation");
    let confirmed = post(typed("Juzgado Penal de Tumbes", "&confirm_duplicate=true")).await.unwrap();
    assert_eq!(confirmed.status(), 303);
    assert_eq!(judgments().await, 2);
}
