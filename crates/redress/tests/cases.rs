//! Criminal cases end to end, on both engines: opening, the stage machine, bad input, and a
//! prosecutor seeing the identity of the victims of their own cases only.

mod common;

use common::{expect_problem, problem_fields, TestServer, USER_PASSWORD};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    a_case_is_opened_and_moves_through_its_stages,
    bad_cases_and_moves_name_the_field_and_write_nothing,
    prosecutors_see_the_identity_of_victims_of_their_own_cases,
    the_offence_list_is_reference_data_set_by_configuration,
    today_is_the_funds_day_not_utcs,
);

/// A user with `role` in a new institution of `kind`; returns their token.
async fn member(
    server: &TestServer,
    admin: &str,
    institution: &str,
    kind: &str,
    username: &str,
    role: &str,
) -> String {
    let created: Value = server
        .post("/api/v1/institutions", admin, json!({"name": institution, "kind": kind}))
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"username": username, "institution_id": created["id"], "roles": [role], "password": USER_PASSWORD});
    assert_eq!(server.post("/api/v1/users", admin, body).await.status(), 201);
    server.token(username, USER_PASSWORD).await
}

async fn victim(server: &TestServer, services: &str, document: &str) -> String {
    let body = json!({"given_names": "Yessenia", "surnames": "Rojas Pérez", "document_type": "ptp",
        "document_number": document, "birth_date": "1999-08-02", "sex": "female", "nationality": "VE", "consent": true});
    let response = server.post("/api/v1/victims", services, body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["code"].as_str().unwrap().to_string()
}

fn case_body(file: &str, victims: &[&str]) -> Value {
    json!({
        "prosecutor_file": file,
        "jurisdiction": "Tumbes",
        "offences": ["129-a", "129-C"],
        "reported_on": "2025-01-15",
        "cross_border": true,
        "partner_country": "EC",
        "tracing_notes": "Embargo preventivo sobre vehículo placa ABC-123",
        "defendants": ["Carlos Mendoza Ríos"],
        "victims": victims
    })
}

async fn a_case_is_opened_and_moves_through_its_stages(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let services = member(&server, &admin, "CEM Tumbes", "ministry", "cem", "victim_services").await;
    let prosecutor =
        member(&server, &admin, "Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor").await;
    let clerk =
        member(&server, &admin, "Juzgado Penal de Tumbes", "court", "secretario", "court_clerk").await;
    let code = victim(&server, &services, "PTP001234").await;
    let response = server.post("/api/v1/cases", &prosecutor, case_body("FPT-2025-0017", &[])).await;
    assert_eq!(response.status(), 201);
    let case: Value = response.json().await.unwrap();
    assert_eq!(case["stage"], "reported");
    assert_eq!(case["offences"], json!(["129-A", "129-C"]));
    assert_eq!(case["defendants"][0]["name"], "Carlos Mendoza Ríos");
    let id = case["id"].as_i64().unwrap();
    // Victim services add the victim they look after.
    let added = server.post(&format!("/api/v1/cases/{id}/victims"), &services, json!({"code": code})).await;
    assert_eq!(added.status(), 200);
    for (stage, date) in [("investigation", "2025-02-01"), ("charged", "2025-06-10"), ("trial", "2025-10-01")]
    {
        let moved = server
            .post(&format!("/api/v1/cases/{id}/stage"), &prosecutor, json!({"stage": stage, "date": date}))
            .await;
        assert_eq!(moved.status(), 200, "{stage}");
    }
    // Judgment and finality follow from the court's records, not from a typed stage.
    let typed = expect_problem(
        server
            .post(
                &format!("/api/v1/cases/{id}/stage"),
                &prosecutor,
                json!({"stage": "judgment", "date": "2026-03-01"}),
            )
            .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&typed), vec!["stage"]);
    // The clerk records nothing until the prosecutor names the court.
    let judgment = json!({"case_id": id, "judged_on": "2026-03-01", "court": "Juzgado Penal de Tumbes",
        "convicted": [case["defendants"][0]["id"]],
        "orders": [{"victim": code, "items": [{"head": "moral_damage", "amount": "5000.00"}], "debtors": [case["defendants"][0]["id"]]}]});
    expect_problem(server.post("/api/v1/judgments", &clerk, judgment.clone()).await, 403).await;
    let institutions: Value = server.get("/api/v1/institutions", &admin).await.json().await.unwrap();
    let court = institutions["items"].as_array().unwrap().iter().find(|i| i["kind"] == "court").unwrap()
        ["id"]
        .clone();
    let named =
        server.post(&format!("/api/v1/cases/{id}/court"), &prosecutor, json!({"court_id": court})).await;
    assert_eq!(named.status(), 200);
    let recorded: Value = server.post("/api/v1/judgments", &clerk, judgment).await.json().await.unwrap();
    let case: Value = server.get(&format!("/api/v1/cases/{id}"), &services).await.json().await.unwrap();
    assert_eq!(case["stage"], "judgment");
    let finality = server
        .post(
            &format!("/api/v1/judgments/{}/finality", recorded["id"]),
            &clerk,
            json!({"final_on": "2026-04-01"}),
        )
        .await;
    assert_eq!(finality.status(), 200);
    let case: Value = server.get(&format!("/api/v1/cases/{id}"), &services).await.json().await.unwrap();
    assert_eq!(case["stage"], "final");
    assert_eq!(case["stage_changed_on"], "2026-04-01");
    let history: Vec<&str> =
        case["history"].as_array().unwrap().iter().map(|h| h["to"].as_str().unwrap()).collect();
    assert_eq!(history, vec!["reported", "investigation", "charged", "trial", "judgment", "final"]);
    // A final conviction cannot be turned into an acquittal by hand.
    expect_problem(
        server
            .post(
                &format!("/api/v1/cases/{id}/stage"),
                &prosecutor,
                json!({"stage": "acquitted", "date": "2026-11-30"}),
            )
            .await,
        409,
    )
    .await;
    let added = server
        .post(&format!("/api/v1/cases/{id}/defendants"), &prosecutor, json!({"name": "Luis Aguirre Soto"}))
        .await;
    assert_eq!(added.status(), 200);
    let analyst = server.user_token("analista", &["analyst"]).await;
    expect_problem(server.get(&format!("/api/v1/cases/{id}"), &analyst).await, 403).await;
    expect_problem(server.post("/api/v1/cases", &services, case_body("FPT-2025-0099", &[])).await, 403).await;
}

async fn bad_cases_and_moves_name_the_field_and_write_nothing(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let prosecutor =
        member(&server, &admin, "Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor").await;
    let created: Value = server
        .post("/api/v1/cases", &prosecutor, case_body("FPT-2025-0017", &[]))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let before = server.audit_length().await;
    let with = |changes: Value| {
        let mut body = case_body("FPT-2025-0018", &[]);
        for (key, value) in changes.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let cases = vec![
        (with(json!({"offences": ["153"]})), vec!["offences[0]"]),
        (with(json!({"offences": []})), vec!["offences"]),
        (with(json!({"reported_on": "2999-01-01"})), vec!["reported_on"]),
        (with(json!({"partner_country": null})), vec!["partner_country"]),
        (with(json!({"cross_border": false})), vec!["partner_country"]),
        (with(json!({"prosecutor_file": "x"})), vec!["prosecutor_file"]),
        (with(json!({"victims": ["V-2020-999999"]})), vec!["victims[0]"]),
        (with(json!({"victims": ["nope"]})), vec!["victims[0]"]),
        (with(json!({"defendants": ["R2D2"]})), vec!["defendants[0]"]),
    ];
    for (body, fields) in cases {
        let problem =
            expect_problem(server.post("/api/v1/cases", &prosecutor, body.clone()).await, 422).await;
        assert_eq!(problem_fields(&problem), fields, "{body}");
    }
    let duplicate =
        expect_problem(server.post("/api/v1/cases", &prosecutor, case_body("FPT-2025-0017", &[])).await, 409)
            .await;
    assert_eq!(problem_fields(&duplicate), vec!["prosecutor_file"]);
    let stage = format!("/api/v1/cases/{id}/stage");
    let skip = expect_problem(
        server.post(&stage, &prosecutor, json!({"stage": "trial", "date": "2025-02-01"})).await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&skip), vec!["stage"]);
    assert!(skip["detail"].as_str().unwrap().contains("investigation or archived"));
    let early = expect_problem(
        server.post(&stage, &prosecutor, json!({"stage": "investigation", "date": "2024-12-31"})).await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&early), vec!["date"]);
    let unknown = expect_problem(
        server.post(&stage, &prosecutor, json!({"stage": "closed", "date": "2025-02-01"})).await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&unknown), vec!["stage"]);
    expect_problem(
        server
            .post(
                "/api/v1/cases/999/stage",
                &prosecutor,
                json!({"stage": "investigation", "date": "2025-02-01"}),
            )
            .await,
        404,
    )
    .await;
    assert_eq!(server.audit_length().await, before, "refused requests wrote something");
    let case: Value = server.get(&format!("/api/v1/cases/{id}"), &prosecutor).await.json().await.unwrap();
    assert_eq!(case["stage"], "reported");
}

async fn prosecutors_see_the_identity_of_victims_of_their_own_cases(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let services = member(&server, &admin, "CEM Tumbes", "ministry", "cem", "victim_services").await;
    let tumbes = member(&server, &admin, "Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor").await;
    let lima = member(&server, &admin, "Fiscalía de Lima", "prosecutor", "fiscal-lima", "prosecutor").await;
    let code = victim(&server, &services, "PTP009876").await;
    let path = format!("/api/v1/victims/{code}?purpose=acusación");
    let before: Value = server.get(&path, &tumbes).await.json().await.unwrap();
    assert_eq!(before["identity_withheld"], "not_allowed", "not yet in a case of theirs");
    // Naming a victim one may not see grants nothing: refused, and nothing written.
    let audit = server.audit_length().await;
    expect_problem(server.post("/api/v1/cases", &tumbes, case_body("FPT-2025-0019", &[&code])).await, 403)
        .await;
    let created: Value =
        server.post("/api/v1/cases", &tumbes, case_body("FPT-2025-0020", &[])).await.json().await.unwrap();
    expect_problem(
        server
            .post(&format!("/api/v1/cases/{}/victims", created["id"]), &tumbes, json!({"code": code}))
            .await,
        403,
    )
    .await;
    assert_eq!(server.audit_length().await, audit + 1, "only the case without victims was written");
    // Victim services who look after the victim add her to the case.
    let added = server
        .post(&format!("/api/v1/cases/{}/victims", created["id"]), &services, json!({"code": code}))
        .await;
    assert_eq!(added.status(), 200);
    let after: Value = server.get(&path, &tumbes).await.json().await.unwrap();
    assert_eq!(after["identity"]["document_number"], "PTP009876");
    let other: Value = server.get(&path, &lima).await.json().await.unwrap();
    assert!(other["identity"].is_null(), "another institution's prosecutor");
    expect_problem(server.get(&format!("/api/v1/cases/{}", created["id"]), &lima).await, 403).await;
    let again = expect_problem(
        server
            .post(&format!("/api/v1/cases/{}/victims", created["id"]), &services, json!({"code": code}))
            .await,
        409,
    )
    .await;
    assert_eq!(problem_fields(&again), vec!["code"]);
}

async fn the_offence_list_is_reference_data_set_by_configuration(database: TestDatabase) {
    let server = TestServer::start_with(database, |settings| {
        settings.cases.offences =
            vec![redress_app::settings::Offence { code: "TIP-1".into(), name: "Trata de personas".into() }];
    })
    .await;
    let admin = server.admin_token().await;
    let prosecutor = member(&server, &admin, "Fiscalía de Quito", "prosecutor", "fiscal", "prosecutor").await;
    let listed: Value = server.get("/api/v1/reference/offences", &prosecutor).await.json().await.unwrap();
    assert_eq!(listed, json!([{"code": "TIP-1", "name": "Trata de personas"}]));
    let mut body = case_body("FQ-2025-0001", &[]);
    let problem = expect_problem(server.post("/api/v1/cases", &prosecutor, body.clone()).await, 422).await;
    assert_eq!(problem_fields(&problem), vec!["offences[0]", "offences[1]"]);
    body["offences"] = json!(["tip-1"]);
    assert_eq!(server.post("/api/v1/cases", &prosecutor, body).await.status(), 201);
}

/// At 23:00 in Lima it is already tomorrow in UTC: "today" is the fund's day (`fund.time_zone`,
/// America/Lima), so a case reported "tomorrow" by UTC's calendar is still in the future.
async fn today_is_the_funds_day_not_utcs(database: TestDatabase) {
    use redress_app::Clock;
    let server = TestServer::start(database).await;
    // Move the clock to the next 04:00 UTC: 23:00 of the day before in Lima (UTC−5).
    let now = server.clock.now().to_datetime();
    let mut target = now.replace_time(time::Time::from_hms(4, 0, 0).unwrap());
    if target <= now {
        target += time::Duration::days(1);
    }
    server.clock.advance_seconds((target - now).whole_seconds());
    let utc_day = target.date();
    let lima_day = utc_day.previous_day().unwrap();
    let admin = server.admin_token().await;
    let prosecutor =
        member(&server, &admin, "Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor").await;

    let mut body = case_body("FPT-2026-0042", &[]);
    body["reported_on"] = json!(utc_day.to_string());
    let refused = server.post("/api/v1/cases", &prosecutor, body.clone()).await;
    assert_eq!(
        problem_fields(&expect_problem(refused, 422).await),
        ["reported_on"],
        "UTC's day is Lima's tomorrow"
    );
    body["reported_on"] = json!(lima_day.to_string());
    let opened = server.post("/api/v1/cases", &prosecutor, body).await;
    assert_eq!(opened.status(), 201, "Lima's today is accepted");
}
