//! Victims end to end, on both engines: registration with consent, who sees the identity,
//! audited reads, bad input, duplicates, consent withdrawal, encryption at rest and key rotation.

mod common;

use common::{expect_problem, problem_fields, TestServer, USER_PASSWORD};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    a_victim_is_registered_and_known_by_a_code,
    identity_is_shown_only_to_those_allowed_and_every_read_is_audited,
    bad_registrations_name_the_field_and_write_nothing,
    a_minor_needs_a_legal_representative,
    withdrawn_consent_hides_the_identity_and_keeps_the_record,
    key_rotation_keeps_every_record_readable,
    a_server_with_the_wrong_key_file_refuses_to_start,
    a_referred_victim_is_seen_by_the_other_institution_and_found_by_document,
);

fn rosa() -> Value {
    json!({
        "given_names": "Rosa María",
        "surnames": "Quispe de la Cruz",
        "document_type": "dni",
        "document_number": "45678912",
        "birth_date": "1998-04-23",
        "sex": "female",
        "nationality": "PE",
        "consent": true,
        "contact": "+51 987 654 321",
        "address": "Jr. Los Olivos 123, Tumbes",
        "region": "Tumbes",
        "exploitation": "sexual",
        "languages": ["es", "qu"],
        "recruitment": "oferta de empleo falsa por redes sociales",
        "methods_of_control": ["deuda", "retención de documentos"]
    })
}

/// A victim-services user of a new institution; returns their token.
async fn services_of(server: &TestServer, admin: &str, institution: &str, username: &str) -> String {
    let created: Value = server
        .post("/api/v1/institutions", admin, json!({"name": institution, "kind": "ministry"}))
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"username": username, "institution_id": created["id"], "roles": ["victim_services"], "password": USER_PASSWORD});
    assert_eq!(server.post("/api/v1/users", admin, body).await.status(), 201);
    server.token(username, USER_PASSWORD).await
}

async fn register(server: &TestServer, token: &str, body: Value) -> Value {
    let response = server.post("/api/v1/victims", token, body).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn a_victim_is_registered_and_known_by_a_code(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let cem = services_of(&server, &admin, "CEM Tumbes", "cem").await;
    let first = register(&server, &cem, rosa()).await;
    let year = time::OffsetDateTime::now_utc().year();
    assert_eq!(first["code"], format!("V-{year}-000001"));
    assert_eq!(first["identity"]["surnames"], "Quispe de la Cruz");
    assert_eq!(first["identity"]["languages"], json!(["es", "qu"]));
    assert_eq!(first["identity"]["methods_of_control"], json!(["deuda", "retención de documentos"]));
    assert_eq!(first["age_band"], "25-34");
    assert_eq!(first["minor"], false);
    assert_eq!(first["consent_scope"], "reparation_fund");
    let mut second = rosa();
    second["document_number"] = json!("12345678");
    second["nationality"] = json!("ve");
    second["document_type"] = json!("ptp");
    let second = register(&server, &cem, second).await;
    assert_eq!(second["code"], format!("V-{year}-000002"));
    assert_eq!(second["nationality"], "VE");

    if let Some(folder) = server.database.folder() {
        // Nothing identifying in the database files, WAL included.
        for entry in std::fs::read_dir(folder).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for secret in [
                "Quispe",
                "Rosa María",
                "45678912",
                "12345678",
                "987 654 321",
                "Los Olivos",
                "redes sociales",
            ] {
                assert!(!text.contains(secret), "{secret:?} is in the database file");
            }
        }
    }
}

async fn identity_is_shown_only_to_those_allowed_and_every_read_is_audited(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let cem = services_of(&server, &admin, "CEM Tumbes", "cem").await;
    let other = services_of(&server, &admin, "Defensoría de Lima", "defensoria").await;
    let code = register(&server, &cem, rosa()).await["code"].as_str().unwrap().to_string();
    let officer = server.user_token("oficial", &["fund_officer"]).await;
    let auditor = server.user_token("auditora", &["auditor"]).await;
    let prosecutor = server.user_token("fiscal", &["prosecutor"]).await;
    let analyst = server.user_token("analista", &["analyst"]).await;
    let path = format!("/api/v1/victims/{code}?purpose=claim%20review");

    let before = server.audit_length().await;
    for token in [&cem, &officer, &auditor] {
        let view: Value = server.get(&path, token).await.json().await.unwrap();
        assert_eq!(view["identity"]["document_number"], "45678912");
    }
    assert_eq!(server.audit_length().await, before + 3, "each identity read is audited");
    for token in [&other, &prosecutor] {
        let view: Value = server.get(&path, token).await.json().await.unwrap();
        assert!(view["identity"].is_null());
        assert_eq!(view["identity_withheld"], "not_allowed");
        assert_eq!(view["sex"], "female");
    }
    assert_eq!(server.audit_length().await, before + 3, "a read without identity is not an identity read");
    expect_problem(server.get(&path, &analyst).await, 403).await;
    expect_problem(server.get(&path, &admin).await, 403).await;

    let trail: Value = server.get("/api/v1/audit?limit=20", &auditor).await.json().await.unwrap();
    let reads: Vec<&Value> =
        trail["items"].as_array().unwrap().iter().filter(|e| e["action"] == "victim.identity_read").collect();
    assert_eq!(reads.len(), 3);
    assert!(reads.iter().all(|e| e["purpose"] == "claim review" && e["target_id"] == code.as_str()));
    assert!(!trail.to_string().contains("45678912") && !trail.to_string().contains("Quispe"));
    expect_problem(server.get("/api/v1/victims/V-2020-999999", &officer).await, 404).await;
    let bad = expect_problem(server.get("/api/v1/victims/not-a-code", &officer).await, 422).await;
    assert_eq!(problem_fields(&bad), vec!["code"]);
}

async fn bad_registrations_name_the_field_and_write_nothing(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let cem = services_of(&server, &admin, "CEM Tumbes", "cem").await;
    let existing = register(&server, &cem, rosa()).await["code"].as_str().unwrap().to_string();
    let before = server.audit_length().await;
    let with = |changes: Value| {
        let mut body = rosa();
        body["document_number"] = json!("87654321");
        for (key, value) in changes.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let cases = vec![
        (with(json!({"consent": false})), vec!["consent"]),
        (with(json!({"birth_date": "2999-01-01"})), vec!["birth_date"]),
        (with(json!({"birth_date": "23/04/1998"})), vec!["birth_date"]),
        (with(json!({"document_number": "123"})), vec!["document_number"]),
        (with(json!({"document_type": "licence"})), vec!["document_type"]),
        (with(json!({"nationality": "XX"})), vec!["nationality"]),
        (with(json!({"sex": "x"})), vec!["sex"]),
        (with(json!({"given_names": "  ", "surnames": "Quispe 2"})), vec!["given_names", "surnames"]),
        (with(json!({"address": "x".repeat(301)})), vec!["address"]),
    ];
    for (body, fields) in cases {
        let problem = expect_problem(server.post("/api/v1/victims", &cem, body.clone()).await, 422).await;
        assert_eq!(problem_fields(&problem), fields, "{body}");
    }
    let mut missing = rosa();
    missing.as_object_mut().unwrap().remove("consent");
    let problem = expect_problem(server.post("/api/v1/victims", &cem, missing).await, 422).await;
    assert_eq!(problem_fields(&problem), vec!["consent"]);
    // The same document, written differently, is a duplicate.
    let duplicate = expect_problem(
        server.post("/api/v1/victims", &cem, with(json!({"document_number": "4567-8912"}))).await,
        409,
    )
    .await;
    assert_eq!(problem_fields(&duplicate), vec!["document_number"]);
    assert!(duplicate["detail"].as_str().unwrap().contains(&existing));
    let officer = server.user_token("oficial", &["fund_officer"]).await;
    let before_officer = server.audit_length().await;
    expect_problem(server.post("/api/v1/victims", &officer, with(json!({}))).await, 403).await;
    assert_eq!(server.audit_length().await, before_officer);
    assert!(before_officer > before, "only the officer's creation was written");
}

async fn a_minor_needs_a_legal_representative(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let cem = services_of(&server, &admin, "CEM Tumbes", "cem").await;
    let mut child = rosa();
    child["birth_date"] = json!("2013-02-10");
    let problem = expect_problem(server.post("/api/v1/victims", &cem, child.clone()).await, 422).await;
    assert_eq!(problem_fields(&problem), vec!["legal_representative"]);
    child["legal_representative"] = json!({"given_names": "Juana", "surnames": "Quispe Mamani",
        "document_type": "dni", "document_number": "11223344", "relationship": "mother",
        "legal_basis": "Patria potestad"});
    let registered = register(&server, &cem, child).await;
    assert_eq!(registered["minor"], true);
    assert_eq!(registered["age_band"], "12-17");
}

async fn withdrawn_consent_hides_the_identity_and_keeps_the_record(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let cem = services_of(&server, &admin, "CEM Tumbes", "cem").await;
    let other = services_of(&server, &admin, "Defensoría de Lima", "defensoria").await;
    let code = register(&server, &cem, rosa()).await["code"].as_str().unwrap().to_string();
    let path = format!("/api/v1/victims/{code}/consent-withdrawal");
    expect_problem(server.post(&path, &other, json!({})).await, 403).await;
    let withdrawn: Value = server.post(&path, &cem, json!({})).await.json().await.unwrap();
    assert!(withdrawn["consent_withdrawn_at"].is_string());
    let officer = server.user_token("oficial", &["fund_officer"]).await;
    for token in [&cem, &officer] {
        let view: Value = server.get(&format!("/api/v1/victims/{code}"), token).await.json().await.unwrap();
        assert!(view["identity"].is_null());
        assert_eq!(view["identity_withheld"], "consent_withdrawn");
        assert_eq!(view["nationality"], "PE", "statistics are kept");
    }
    let again = expect_problem(server.post(&path, &cem, json!({})).await, 409).await;
    assert_eq!(problem_fields(&again), vec!["consent"]);
}

async fn key_rotation_keeps_every_record_readable(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let cem = services_of(&server, &admin, "CEM Tumbes", "cem").await;
    let mut codes = Vec::new();
    for n in 0..3 {
        let mut body = rosa();
        body["document_number"] = json!(format!("4567891{n}"));
        codes.push(register(&server, &cem, body).await["code"].as_str().unwrap().to_string());
    }
    let mut keys = server.app.keys.as_deref().unwrap().clone();
    assert_eq!(keys.rotate(), "k2");
    assert_eq!(server.app.reseal_identities(&keys).await.unwrap(), 3);
    assert_eq!(server.app.reseal_identities(&keys).await.unwrap(), 0, "nothing left under the old key");
    // A server holding only the rotated ring reads every record.
    let rotated = server.app.clone().with_keys(keys);
    let officer =
        redress_app::Actor { roles: vec![redress_domain::Role::FundOfficer], ..redress_app::Actor::system() };
    for (n, code) in codes.iter().enumerate() {
        let view = rotated.victim(&officer, &Default::default(), code, Some("rotation check")).await.unwrap();
        assert_eq!(view.identity.unwrap().document_number, format!("4567891{n}"));
    }
    rotated.check_data_keys().await.unwrap();
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT identity FROM victims").fetch_all(server.store.pool()).await.unwrap();
    assert!(stored.iter().all(|s| s.starts_with("v1:k2:")), "{stored:?}");
}

async fn a_server_with_the_wrong_key_file_refuses_to_start(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let cem = services_of(&server, &admin, "CEM Tumbes", "cem").await;
    register(&server, &cem, rosa()).await;
    let wrong = server.app.clone().with_keys(redress_app::protect::KeyRing::generate());
    let error = wrong.check_data_keys().await.unwrap_err().to_string();
    assert!(error.contains("does not match this database"), "{error}");
    server.app.check_data_keys().await.unwrap();
}

async fn a_referred_victim_is_seen_by_the_other_institution_and_found_by_document(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let cem = services_of(&server, &admin, "CEM Tumbes", "cem").await;
    let other = services_of(&server, &admin, "Defensoría de Lima", "defensoria").await;
    let code = register(&server, &cem, rosa()).await["code"].as_str().unwrap().to_string();
    let lima: Value = server.get("/api/v1/institutions", &admin).await.json().await.unwrap();
    let lima_id =
        lima["items"].as_array().unwrap().iter().find(|i| i["name"] == "Defensoría de Lima").unwrap()["id"]
            .clone();
    let referrals = format!("/api/v1/victims/{code}/referrals");
    expect_problem(server.post(&referrals, &other, json!({"institution_id": lima_id})).await, 403).await;
    let bad = expect_problem(server.post(&referrals, &cem, json!({"institution_id": 999})).await, 422).await;
    assert_eq!(problem_fields(&bad), vec!["institution_id"]);
    assert_eq!(server.post(&referrals, &cem, json!({"institution_id": lima_id})).await.status(), 200);
    expect_problem(server.post(&referrals, &cem, json!({"institution_id": lima_id})).await, 409).await;
    let view: Value = server.get(&format!("/api/v1/victims/{code}"), &other).await.json().await.unwrap();
    assert_eq!(view["identity"]["surnames"], "Quispe de la Cruz");

    let found: Value = server
        .get("/api/v1/victims?document_type=DNI&document_number=4567-8912", &other)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["codes"], json!([code]));
    let none: Value = server
        .get("/api/v1/victims?document_type=dni&document_number=11111111", &other)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["codes"], json!([]));
    let bad =
        expect_problem(server.get("/api/v1/victims?document_type=dni&document_number=12", &other).await, 422)
            .await;
    assert_eq!(problem_fields(&bad), vec!["document_number"]);
    let auditor = server.user_token("auditora", &["auditor"]).await;
    let trail: Value = server.get("/api/v1/audit?limit=50", &auditor).await.json().await.unwrap();
    assert!(trail["items"].as_array().unwrap().iter().any(|e| e["action"] == "victim.lookup"));
    assert!(trail["items"].as_array().unwrap().iter().any(|e| e["action"] == "victim.refer"));

    // The victim's page: the registering institution sees the profile, the consent, how the
    // identity was verified, whom she was referred to and her claims; the institution she was
    // referred to sees the profile and the consent, not the others' work.
    let verify = format!("/api/v1/victims/{code}/identity-verification");
    assert!(server.post(&verify, &cem, json!({"method": "document_in_person"})).await.status().is_success());
    let page = |token: String| {
        let server = &server;
        let code = code.clone();
        async move {
            let response = server
                .client
                .get(server.url(&format!("/victims/{code}")))
                .header("cookie", format!("redress_session={token}"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    let cell = |html: &str, id: &str| {
        html.split(&format!("id=\"{id}\">"))
            .nth(1)
            .map(|rest| rest.split("</td>").next().unwrap_or("").to_string())
    };
    let own = page(cem.clone()).await;
    assert!(own.contains("id=\"victim-profile\""), "{own}");
    assert!(cell(&own, "victim-consent").unwrap().starts_with("otorgado el "), "{own}");
    assert!(cell(&own, "victim-referrals").unwrap().contains("Defensoría de Lima"), "{own}");
    assert!(cell(&own, "victim-verification").unwrap().contains(" · cem"), "{own}");
    assert!(own.contains("No hay reclamos presentados para esta víctima."), "{own}");
    let referred = page(other.clone()).await;
    assert!(referred.contains("id=\"victim-profile\"") && cell(&referred, "victim-consent").is_some());
    assert!(
        cell(&referred, "victim-referrals").is_none() && cell(&referred, "victim-verification").is_none()
    );
    assert!(!referred.contains("id=\"victim-claims\""), "{referred}");
}
