//! Judgments and reparation orders end to end, on both engines: what is owed, fund eligibility
//! with its reasons, payments by the convicted, insolvency, and bad input writing nothing.

mod common;

use common::{expect_problem, problem_fields, TestServer, USER_PASSWORD};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    an_order_becomes_eligible_when_final_owed_and_the_debtor_cannot_pay,
    an_order_unpaid_past_its_deadline_is_eligible_without_a_finding,
    bad_judgments_name_the_field_and_write_nothing,
);

struct Setup {
    server: TestServer,
    clerk: String,
    case_id: i64,
    defendant: i64,
    victim: String,
}

/// A case with one defendant and one victim, and a court clerk's token.
async fn setup(database: TestDatabase, with_defendant: bool) -> Setup {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let mut tokens = Vec::new();
    for (institution, kind, username, role) in [
        ("CEM Tumbes", "ministry", "cem", "victim_services"),
        ("Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor"),
        ("Juzgado Penal de Tumbes", "court", "secretario", "court_clerk"),
    ] {
        let created: Value = server
            .post("/api/v1/institutions", &admin, json!({"name": institution, "kind": kind}))
            .await
            .json()
            .await
            .unwrap();
        let body = json!({"username": username, "institution_id": created["id"], "roles": [role], "password": USER_PASSWORD});
        assert_eq!(server.post("/api/v1/users", &admin, body).await.status(), 201);
        tokens.push(server.token(username, USER_PASSWORD).await);
    }
    let victim: Value = server
        .post("/api/v1/victims", &tokens[0], json!({"given_names": "Milagros", "surnames": "Huamán Ccori", "document_type": "dni",
            "document_number": "70112233", "birth_date": "2000-01-05", "sex": "female", "nationality": "PE", "consent": true}))
        .await
        .json()
        .await
        .unwrap();
    let victim = victim["code"].as_str().unwrap().to_string();
    let defendants: Vec<&str> = if with_defendant { vec!["Jorge Paredes Lima"] } else { vec![] };
    let case: Value = server
        .post(
            "/api/v1/cases",
            &tokens[1],
            json!({"prosecutor_file": "FPT-2024-0101", "jurisdiction": "Tumbes",
            "offences": ["129-A"], "reported_on": "2024-05-01", "defendants": defendants,
            "court_id": server.institution_id(&admin, "Juzgado Penal de Tumbes").await}),
        )
        .await
        .json()
        .await
        .unwrap();
    server.link_victims(&tokens[0], case["id"].as_i64().unwrap(), &[&victim]).await;
    let defendant = case["defendants"].get(0).map_or(0, |d| d["id"].as_i64().unwrap());
    Setup { server, clerk: tokens[2].clone(), case_id: case["id"].as_i64().unwrap(), defendant, victim }
}

fn judgment(s: &Setup, final_on: Option<&str>, deadline: &str) -> Value {
    json!({
        "case_id": s.case_id,
        "judged_on": "2026-03-01",
        "court": "Juzgado Penal Colegiado de Tumbes",
        "convicted": [s.defendant],
        "final_on": final_on,
        "orders": [{
            "victim": s.victim,
            "payment_deadline": deadline,
            "items": [{"head": "unpaid_wages", "amount": "3000.00"}, {"head": "moral_damage", "amount": "2000.00"}],
            "debtors": [s.defendant]
        }]
    })
}

fn unmet(order: &Value) -> Vec<String> {
    order["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["met"] == false)
        .map(|c| c["condition"].as_str().unwrap().to_string())
        .collect()
}

async fn an_order_becomes_eligible_when_final_owed_and_the_debtor_cannot_pay(database: TestDatabase) {
    let s = setup(database, true).await;
    let server = &s.server;
    let deadline = (time::OffsetDateTime::now_utc().date() + time::Duration::days(60)).to_string();
    let identity_path = format!("/api/v1/victims/{}", s.victim);
    let elsewhere = server.user_token("secretario.lima", &["court_clerk"]).await;
    let before: Value = server.get(&identity_path, &elsewhere).await.json().await.unwrap();
    assert_eq!(before["identity_withheld"], "not_allowed", "a clerk of another court");
    expect_problem(server.post("/api/v1/judgments", &elsewhere, judgment(&s, None, &deadline)).await, 403)
        .await;
    let response = server.post("/api/v1/judgments", &s.clerk, judgment(&s, None, &deadline)).await;
    assert_eq!(response.status(), 201);
    let recorded: Value = response.json().await.unwrap();
    let after: Value = server.get(&identity_path, &s.clerk).await.json().await.unwrap();
    assert_eq!(after["identity"]["document_number"], "70112233", "the judging court's clerk sees the victim");
    let order = &recorded["orders"][0];
    assert_eq!(order["ordered"], "5000.00");
    assert_eq!(order["owed"], "5000.00");
    assert_eq!(order["eligible"], false);
    assert_eq!(unmet(order), vec!["order_final", "debtor_cannot_pay"]);
    let (judgment_id, order_id) = (recorded["id"].as_i64().unwrap(), order["id"].as_i64().unwrap());

    let finality = server
        .post(
            &format!("/api/v1/judgments/{judgment_id}/finality"),
            &s.clerk,
            json!({"final_on": "2026-04-10"}),
        )
        .await;
    assert_eq!(finality.status(), 200);
    let again = expect_problem(
        server
            .post(
                &format!("/api/v1/judgments/{judgment_id}/finality"),
                &s.clerk,
                json!({"final_on": "2026-04-11"}),
            )
            .await,
        409,
    )
    .await;
    assert_eq!(problem_fields(&again), vec!["final_on"]);

    let paid: Value = server
        .post(
            &format!("/api/v1/orders/{order_id}/payments"),
            &s.clerk,
            json!({"amount": "500.00", "paid_on": "2026-05-02", "reference": "Depósito judicial 123"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paid["paid_by_debtors"], "500.00");
    assert_eq!(paid["owed"], "4500.00");
    assert_eq!(unmet(&paid), vec!["debtor_cannot_pay"]);
    let over = expect_problem(
        server
            .post(
                &format!("/api/v1/orders/{order_id}/payments"),
                &s.clerk,
                json!({"amount": "4500.01", "paid_on": "2026-05-03"}),
            )
            .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&over), vec!["amount"]);

    let insolvent: Value = server
        .post(
            &format!("/api/v1/orders/{order_id}/insolvency"),
            &s.clerk,
            json!({"found_on": "2026-06-01", "basis": "Informe de bienes negativo, Resolución 4"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(insolvent["eligible"], true, "{insolvent}");
    let officer = server.user_token("oficial", &["fund_officer"]).await;
    let seen: Value = server.get(&format!("/api/v1/orders/{order_id}"), &officer).await.json().await.unwrap();
    assert_eq!(seen["eligible"], true);
    assert_eq!(seen["insolvency_findings"][0]["basis"], "Informe de bienes negativo, Resolución 4");
    let analyst = server.user_token("analista", &["analyst"]).await;
    expect_problem(server.get(&format!("/api/v1/orders/{order_id}"), &analyst).await, 403).await;
}

async fn an_order_unpaid_past_its_deadline_is_eligible_without_a_finding(database: TestDatabase) {
    let s = setup(database, true).await;
    let recorded: Value = s
        .server
        .post("/api/v1/judgments", &s.clerk, judgment(&s, Some("2026-03-20"), "2026-04-01"))
        .await
        .json()
        .await
        .unwrap();
    // Today is long past 2026-04-01 plus the 30 days of grace.
    assert_eq!(recorded["orders"][0]["eligible"], true, "{recorded}");
}

async fn bad_judgments_name_the_field_and_write_nothing(database: TestDatabase) {
    let s = setup(database, true).await;
    let server = &s.server;
    let before = server.audit_length().await;
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Change, Vec<&str>)> = vec![
        (Box::new(|j| j["judged_on"] = json!("2999-01-01")), vec!["judged_on"]),
        (Box::new(|j| j["case_id"] = json!(9999)), vec!["case_id"]),
        (Box::new(|j| j["convicted"] = json!([424242])), vec!["convicted[0]", "orders[0].debtors[0]"]),
        (Box::new(|j| j["orders"][0]["victim"] = json!("V-2020-000001")), vec!["orders[0].victim"]),
        (
            Box::new(|j| j["orders"][0]["items"][0]["amount"] = json!("10.005")),
            vec!["orders[0].items[0].amount"],
        ),
        (
            Box::new(|j| j["orders"][0]["items"][1]["head"] = json!("unpaid_wages")),
            vec!["orders[0].items[1].head"],
        ),
        (Box::new(|j| j["orders"][0]["items"][0]["head"] = json!("pain")), vec!["orders[0].items[0].head"]),
        (Box::new(|j| j["orders"][0]["debtors"] = json!([])), vec!["orders[0].debtors"]),
        (
            Box::new(|j| j["orders"][0]["payment_deadline"] = json!("2025-01-01")),
            vec!["orders[0].payment_deadline"],
        ),
        (Box::new(|j| j["final_on"] = json!("2026-02-01")), vec!["final_on"]),
        (Box::new(|j| j["orders"] = json!([])), vec!["orders"]),
    ];
    for (change, fields) in cases {
        let mut body = judgment(&s, None, "2026-06-01");
        change(&mut body);
        let problem =
            expect_problem(server.post("/api/v1/judgments", &s.clerk, body.clone()).await, 422).await;
        assert_eq!(problem_fields(&problem), fields, "{body}");
    }
    assert_eq!(server.audit_length().await, before, "refused judgments wrote something");

    let without = setup(TestDatabase::sqlite(), false).await;
    let mut body = judgment(&without, None, "2026-06-01");
    body["convicted"] = json!([]);
    body["orders"][0]["debtors"] = json!([]);
    let problem =
        expect_problem(without.server.post("/api/v1/judgments", &without.clerk, body).await, 422).await;
    assert_eq!(problem_fields(&problem)[0], "convicted");
    assert!(problem["detail"].as_str().unwrap().contains("no defendants"));
}
