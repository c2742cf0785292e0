//! End-to-end tests of the API: a real server on port 0, spoken to over HTTP, on both engines.

mod common;

use common::{expect_problem, problem_fields, TestServer, USER_PASSWORD};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    a_retried_post_with_an_idempotency_key_creates_once,
    health_reports_the_engine,
    a_user_logs_in_sees_themself_and_logs_out,
    a_wrong_password_and_an_unknown_user_get_the_same_answer,
    repeated_failed_logins_are_refused_for_a_while,
    sessions_end_after_idle_time_and_lifetime,
    an_admin_creates_an_institution_and_a_user_who_can_log_in,
    bad_input_names_the_field_and_writes_nothing,
    a_duplicate_username_is_a_conflict_and_writes_nothing,
    an_oversized_body_is_refused,
    missing_credentials_are_401_and_a_wrong_role_is_403,
    cookie_requests_that_change_state_need_the_csrf_token,
    changing_the_password_ends_other_sessions,
    every_write_is_audited_with_its_request_id,
    auditors_page_through_the_trail_and_verify_it,
    metrics_need_a_role_or_the_scrape_token,
    every_response_carries_the_security_headers,
);

async fn health_reports_the_engine(database: TestDatabase) {
    let engine = match database.engine {
        redress_app::settings::Engine::Sqlite => "sqlite",
        redress_app::settings::Engine::Postgres => "postgres",
    };
    let server = TestServer::start(database).await;
    let response = server.client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], engine);
}

async fn a_user_logs_in_sees_themself_and_logs_out(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let response = server.login("admin", &server.admin_password).await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.starts_with("redress_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing from {cookie}");
    }
    let session: Value = response.json().await.unwrap();
    let token = session["token"].as_str().unwrap();
    assert!(cookie.contains(token));
    assert_eq!(session["user"]["roles"], json!(["admin"]));

    let me: Value = server.get("/api/v1/me", token).await.json().await.unwrap();
    assert_eq!(me["username"], "admin");
    assert_eq!(me["institution"], "Fondo de Reparaciones");
    assert!(me.get("password_hash").is_none());

    // The cookie alone works for reading.
    let by_cookie = server
        .client
        .get(server.url("/api/v1/me"))
        .header("cookie", format!("redress_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 200);

    let logout = server.client.delete(server.url("/api/v1/session")).bearer_auth(token).send().await.unwrap();
    assert_eq!(logout.status(), 204);
    assert!(logout.headers().get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    expect_problem(server.get("/api/v1/me", token).await, 401).await;
}

async fn a_wrong_password_and_an_unknown_user_get_the_same_answer(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let before = server.audit_length().await;
    let wrong = expect_problem(server.login("admin", "not the password at all").await, 401).await;
    let unknown = expect_problem(server.login("nobody", "not the password at all").await, 401).await;
    assert_eq!(wrong, unknown);
    // Both failures are audited; the unknown name is not recorded.
    let admin = server.admin_token().await;
    let auditor = {
        let password = server.create_user(&admin, "auditora", &["auditor"]).await;
        server.token("auditora", &password).await
    };
    let trail: Value = server.get("/api/v1/audit?limit=50", &auditor).await.json().await.unwrap();
    let failures: Vec<&Value> =
        trail["items"].as_array().unwrap().iter().filter(|e| e["action"] == "session.login_failed").collect();
    assert_eq!(failures.len(), 2);
    assert!(failures.iter().any(|e| e["actor"] == "admin"));
    assert!(failures.iter().any(|e| e["actor"] == "anonymous"));
    assert!(!trail.to_string().contains("nobody"));
    assert!(server.audit_length().await > before);
}

async fn repeated_failed_logins_are_refused_for_a_while(database: TestDatabase) {
    let server = TestServer::start_with(database, |s| s.security.login_failures_max = 3).await;
    for _ in 0..3 {
        expect_problem(server.login("admin", "wrong password here").await, 401).await;
    }
    // Locked out: even the right password is refused, with a Retry-After.
    let response = server.login("admin", &server.admin_password).await;
    assert_eq!(response.headers().get("retry-after").unwrap().to_str().unwrap(), "900");
    expect_problem(response, 429).await;
    // Other users are not affected.
    let admin_password = server.admin_password.clone();
    server.clock.advance_seconds(901);
    let token = server.token("admin", &admin_password).await;
    assert!(!token.is_empty());
}

async fn sessions_end_after_idle_time_and_lifetime(database: TestDatabase) {
    let server = TestServer::start_with(database, |s| {
        s.security.session_idle_minutes = 10;
        s.security.session_lifetime_minutes = 30;
    })
    .await;
    let token = server.admin_token().await;
    // Activity every 9 minutes keeps the session alive...
    for _ in 0..3 {
        server.clock.advance_seconds(9 * 60);
        assert_eq!(server.get("/api/v1/me", &token).await.status(), 200);
    }
    // ...until its lifetime ends.
    server.clock.advance_seconds(4 * 60);
    expect_problem(server.get("/api/v1/me", &token).await, 401).await;

    let idle = server.admin_token().await;
    server.clock.advance_seconds(11 * 60);
    expect_problem(server.get("/api/v1/me", &idle).await, 401).await;
}

async fn an_admin_creates_an_institution_and_a_user_who_can_log_in(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let response = server
        .post(
            "/api/v1/institutions",
            &admin,
            json!({"name": "Ministerio Público – Fiscalía de Tumbes", "kind": "prosecutor"}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let institution: Value = response.json().await.unwrap();
    let response = server
        .post(
            "/api/v1/users",
            &admin,
            json!({
                "username": "JQuispe",
                "display_name": "Juana Quispe de la Cruz",
                "institution_id": institution["id"],
                "roles": ["prosecutor", "analyst"],
                "password": USER_PASSWORD
            }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["username"], "jquispe");
    assert_eq!(created["roles"], json!(["prosecutor", "analyst"]));

    let me: Value =
        server.get("/api/v1/me", &server.token("jquispe", USER_PASSWORD).await).await.json().await.unwrap();
    assert_eq!(me["institution"], "Ministerio Público – Fiscalía de Tumbes");
    assert_eq!(me["display_name"], "Juana Quispe de la Cruz");

    let users: Value = server.get("/api/v1/users", &admin).await.json().await.unwrap();
    let names: Vec<&str> =
        users["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["admin", "jquispe"]);
    let page: Value = server.get("/api/v1/users?limit=1", &admin).await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let next: Value = server
        .get(&format!("/api/v1/users?limit=1&after={}", page["next_after"]), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["items"][0]["username"], "jquispe");
    let institutions: Value = server.get("/api/v1/institutions", &admin).await.json().await.unwrap();
    assert_eq!(institutions["items"].as_array().unwrap().len(), 2);
}

async fn bad_input_names_the_field_and_writes_nothing(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let before = server.audit_length().await;
    let send = |body: &'static str| {
        server
            .client
            .post(server.url("/api/v1/users"))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let malformed = expect_problem(send(r#"{"username": "#).await.unwrap(), 400).await;
    assert_eq!(problem_fields(&malformed), vec!["body"]);

    let unknown = expect_problem(
        send(r#"{"username":"ana","institution_id":1,"roles":["admin"],"password":"long enough pw","is_root":true}"#)
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(problem_fields(&unknown), vec!["is_root"]);

    let missing = expect_problem(
        send(r#"{"username":"ana","roles":["admin"],"password":"long enough pw"}"#).await.unwrap(),
        422,
    )
    .await;
    assert_eq!(problem_fields(&missing), vec!["institution_id"]);

    let wrong_type = expect_problem(
        send(r#"{"username":"ana","institution_id":"one","roles":[],"password":"x"}"#).await.unwrap(),
        422,
    )
    .await;
    assert_eq!(problem_fields(&wrong_type), vec!["institution_id"]);

    let invalid = expect_problem(
        send(r#"{"username":"","institution_id":1,"roles":["admin","boss"],"password":"short"}"#)
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(problem_fields(&invalid), vec!["username", "roles[1]", "password"]);

    let no_roles = expect_problem(
        send(r#"{"username":"ana","institution_id":1,"roles":[],"password":"long enough pw"}"#)
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(problem_fields(&no_roles), vec!["roles"]);

    let no_institution = expect_problem(
        send(r#"{"username":"ana","institution_id":999,"roles":["auditor"],"password":"long enough pw"}"#)
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(problem_fields(&no_institution), vec!["institution_id"]);

    let not_json = server
        .client
        .post(server.url("/api/v1/users"))
        .bearer_auth(&admin)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=ana")
        .send()
        .await
        .unwrap();
    expect_problem(not_json, 415).await;

    let empty_name = expect_problem(
        server.post("/api/v1/institutions", &admin, json!({"name": "   ", "kind": "ngo"})).await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&empty_name), vec!["name"]);
    let bad_kind = expect_problem(
        server.post("/api/v1/institutions", &admin, json!({"name": "CHS", "kind": "bank"})).await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&bad_kind), vec!["kind"]);
    let bad_limit = expect_problem(server.get("/api/v1/users?limit=100000", &admin).await, 422).await;
    assert_eq!(problem_fields(&bad_limit), vec!["limit"]);

    assert_eq!(server.audit_length().await, before, "a refused request wrote to the audit trail");
    let users: Value = server.get("/api/v1/users", &admin).await.json().await.unwrap();
    assert_eq!(users["items"].as_array().unwrap().len(), 1);
}

async fn a_duplicate_username_is_a_conflict_and_writes_nothing(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    server.create_user(&admin, "ana", &["auditor"]).await;
    let before = server.audit_length().await;
    let body =
        json!({"username": "ANA", "institution_id": 1, "roles": ["treasurer"], "password": USER_PASSWORD});
    let problem = expect_problem(server.post("/api/v1/users", &admin, body).await, 409).await;
    assert_eq!(problem_fields(&problem), vec!["username"]);
    let duplicate = expect_problem(
        server
            .post(
                "/api/v1/institutions",
                &admin,
                json!({"name": "Fondo de Reparaciones", "kind": "fund_unit"}),
            )
            .await,
        409,
    )
    .await;
    assert_eq!(problem_fields(&duplicate), vec!["name"]);
    assert_eq!(server.audit_length().await, before);
}

async fn an_oversized_body_is_refused(database: TestDatabase) {
    let server = TestServer::start_with(database, |s| s.server.body_limit_bytes = 4096).await;
    let admin = server.admin_token().await;
    let before = server.audit_length().await;
    let body = json!({"name": "x".repeat(10_000), "kind": "ngo"});
    expect_problem(server.post("/api/v1/institutions", &admin, body).await, 413).await;
    // Within the body limit but over the field's own limit.
    let body = json!({"name": "x".repeat(201), "kind": "ngo"});
    let problem = expect_problem(server.post("/api/v1/institutions", &admin, body).await, 422).await;
    assert_eq!(problem_fields(&problem), vec!["name"]);
    assert_eq!(server.audit_length().await, before);
}

async fn missing_credentials_are_401_and_a_wrong_role_is_403(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let analyst = server.user_token("analista", &["analyst"]).await;
    let before = server.audit_length().await;
    let unauthenticated = server.client.get(server.url("/api/v1/users")).send().await.unwrap();
    assert!(unauthenticated.headers().get("www-authenticate").is_some());
    expect_problem(unauthenticated, 401).await;
    expect_problem(server.get("/api/v1/users", "not-a-real-token").await, 401).await;
    expect_problem(server.get("/api/v1/users", &analyst).await, 403).await;
    expect_problem(server.get("/api/v1/audit", &analyst).await, 403).await;
    let body =
        json!({"username": "intruso", "institution_id": 1, "roles": ["admin"], "password": USER_PASSWORD});
    expect_problem(server.post("/api/v1/users", &analyst, body).await, 403).await;
    assert_eq!(server.audit_length().await, before, "a denied request wrote something");
    let admin = server.admin_token().await;
    let users: Value = server.get("/api/v1/users", &admin).await.json().await.unwrap();
    assert!(!users.to_string().contains("intruso"));
}

async fn cookie_requests_that_change_state_need_the_csrf_token(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let session = server.session("admin", &server.admin_password).await;
    let cookie = format!("redress_session={}", session["token"].as_str().unwrap());
    let body = json!({"name": "CHS Alternativo", "kind": "ngo"});
    let without = server
        .client
        .post(server.url("/api/v1/institutions"))
        .header("cookie", &cookie)
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_problem(without, 403).await;
    let wrong = server
        .client
        .post(server.url("/api/v1/institutions"))
        .header("cookie", &cookie)
        .header("x-csrf-token", "guess")
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_problem(wrong, 403).await;
    let with = server
        .client
        .post(server.url("/api/v1/institutions"))
        .header("cookie", &cookie)
        .header("x-csrf-token", session["csrf_token"].as_str().unwrap())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), 201);
}

async fn changing_the_password_ends_other_sessions(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    server.create_user(&admin, "luis", &["fund_officer"]).await;
    let current = server.token("luis", USER_PASSWORD).await;
    let other = server.token("luis", USER_PASSWORD).await;
    let change = |current_password: &str, new_password: &str| {
        server
            .client
            .put(server.url("/api/v1/me/password"))
            .bearer_auth(&current)
            .json(&json!({"current_password": current_password, "new_password": new_password}))
            .send()
    };
    let wrong = expect_problem(change("not my password", "Otra-Clave-Nueva-2027").await.unwrap(), 422).await;
    assert_eq!(problem_fields(&wrong), vec!["current_password"]);
    let weak = expect_problem(change(USER_PASSWORD, "short").await.unwrap(), 422).await;
    assert_eq!(problem_fields(&weak), vec!["new_password"]);
    let with_name = expect_problem(change(USER_PASSWORD, "luis-Clave-Nueva-2027").await.unwrap(), 422).await;
    assert_eq!(problem_fields(&with_name), vec!["new_password"]);
    assert_eq!(change(USER_PASSWORD, "Otra-Clave-Nueva-2027").await.unwrap().status(), 204);

    assert_eq!(server.get("/api/v1/me", &current).await.status(), 200);
    expect_problem(server.get("/api/v1/me", &other).await, 401).await;
    expect_problem(server.login("luis", USER_PASSWORD).await, 401).await;
    assert_eq!(server.login("luis", "Otra-Clave-Nueva-2027").await.status(), 200);
}

async fn every_write_is_audited_with_its_request_id(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let response = server
        .post("/api/v1/users", &admin, json!({"username": "rosa", "institution_id": 1, "roles": ["treasurer"], "password": USER_PASSWORD}))
        .await;
    let request_id = response.headers().get("x-request-id").unwrap().to_str().unwrap().to_string();
    let created: Value = response.json().await.unwrap();
    let auditor = server.user_token("auditora", &["auditor"]).await;
    let trail: Value = server.get("/api/v1/audit?limit=500", &auditor).await.json().await.unwrap();
    let entries = trail["items"].as_array().unwrap();
    let creation = entries
        .iter()
        .find(|e| {
            e["action"] == "user.create"
                && e["target_id"].as_str() == Some(created["id"].to_string().as_str())
        })
        .expect("the creation is audited");
    assert_eq!(creation["actor"], "admin");
    assert_eq!(creation["institution"], "Fondo de Reparaciones");
    assert_eq!(creation["request_id"], request_id.as_str());
    assert_eq!(creation["details"]["roles"], json!(["treasurer"]));
    assert!(!trail.to_string().contains(USER_PASSWORD));
    let actions: Vec<&str> = entries.iter().rev().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions[..4], ["keys.register", "policy.publish", "ledger.chart_create", "system.bootstrap"]);
    assert!(actions.contains(&"session.create"));
}

async fn auditors_page_through_the_trail_and_verify_it(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let auditor = server.user_token("auditora", &["auditor"]).await;
    let first: Value = server.get("/api/v1/audit?limit=2", &auditor).await.json().await.unwrap();
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let newest = items[0]["seq"].as_i64().unwrap();
    assert_eq!(items[1]["seq"].as_i64().unwrap(), newest - 1);
    assert_eq!(items[0]["prev_hash"], items[1]["hash"]);
    let next_before = first["next_before"].as_i64().unwrap();
    let second: Value = server
        .get(&format!("/api/v1/audit?limit=2&before={next_before}"), &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"][0]["seq"].as_i64().unwrap(), newest - 2);

    let verification: Value = server.get("/api/v1/audit/verify", &auditor).await.json().await.unwrap();
    assert_eq!(verification["intact"], true);
    assert_eq!(verification["head_hash"], items[0]["hash"]);

    redress_store::testing::drop_audit_guards(&server.store).await;
    sqlx::query("UPDATE audit_log SET details = '{\"roles\":[\"admin\"]}' WHERE seq = 2")
        .execute(server.store.pool())
        .await
        .unwrap();
    let verification: Value = server.get("/api/v1/audit/verify", &auditor).await.json().await.unwrap();
    assert_eq!(verification["intact"], false);
    assert_eq!(verification["broken_at"], 2);
    let admin = server.admin_token().await;
    expect_problem(server.get("/api/v1/audit/verify", &admin).await, 403).await;
}

async fn metrics_need_a_role_or_the_scrape_token(database: TestDatabase) {
    let scrape_token = "prometheus-scrape-token-0123456789";
    let server = TestServer::start_with(database, |s| {
        s.metrics.token = Some(redress_domain::Secret::new(scrape_token.to_string()));
    })
    .await;
    server.client.get(server.url("/healthz")).send().await.unwrap();
    expect_problem(server.client.get(server.url("/metrics")).send().await.unwrap(), 401).await;
    let analyst = server.user_token("analista", &["analyst"]).await;
    expect_problem(server.get("/metrics", &analyst).await, 403).await;
    let scraped = server.get("/metrics", scrape_token).await;
    assert_eq!(scraped.status(), 200);
    let text = scraped.text().await.unwrap();
    assert!(text.contains("redress_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/healthz\""));
    let admin = server.admin_token().await;
    assert_eq!(server.get("/metrics", &admin).await.status(), 200);
}

async fn every_response_carries_the_security_headers(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let responses = vec![
        server.client.get(server.url("/healthz")).send().await.unwrap(),
        server.client.get(server.url("/api/v1/users")).send().await.unwrap(),
        server.client.get(server.url("/no/such/page")).send().await.unwrap(),
        server.login("admin", "wrong password here").await,
    ];
    for response in responses {
        let headers = response.headers();
        let csp = headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("default-src 'self'"));
        assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(headers.get("referrer-policy").unwrap(), "same-origin");
        assert_eq!(headers.get("x-frame-options").unwrap(), "DENY");
        assert!(headers.get("x-request-id").is_some());
    }
}

async fn a_retried_post_with_an_idempotency_key_creates_once(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let token = server.user_token("cem", &["victim_services"]).await;
    let body = json!({"given_names": "Ana", "surnames": "Flores", "document_type": "dni", "document_number": "44556677",
        "birth_date": "1990-01-01", "sex": "female", "nationality": "PE", "consent": true});
    let send = |key: &'static str, body: Value| {
        let request = server
            .client
            .post(server.url("/api/v1/victims"))
            .bearer_auth(&token)
            .header("idempotency-key", key)
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    let first = send("3f1c2a9e-0b4d-4c1e-9a57-3d2f8e6b1c00", body.clone()).await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let audit = server.audit_length().await;
    // The client did not hear the answer and retries: the same answer, nothing created again.
    let retry = send("3f1c2a9e-0b4d-4c1e-9a57-3d2f8e6b1c00", body.clone()).await;
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry["code"], first["code"]);
    assert_eq!(server.audit_length().await, audit, "nothing written by the retry");
    // The same key for another request is refused; a new key is a new request.
    let mut other = body.clone();
    other["document_number"] = json!("44556678");
    let misuse = expect_problem(send("3f1c2a9e-0b4d-4c1e-9a57-3d2f8e6b1c00", other.clone()).await, 422).await;
    assert_eq!(problem_fields(&misuse), vec!["Idempotency-Key"]);
    assert_eq!(send("new-key-1", other).await.status(), 201);
    // A refused request is remembered too: its retry gets the same refusal, and changes nothing.
    let refused = send("new-key-2", body.clone()).await;
    assert_eq!(refused.status(), 409, "the document is already registered");
    assert_eq!(send("new-key-2", body).await.status(), 409);
    let bad = expect_problem(send("   ", json!({})).await, 422).await;
    assert_eq!(problem_fields(&bad), vec!["Idempotency-Key"]);
}
