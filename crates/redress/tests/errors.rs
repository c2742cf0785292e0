//! Every error is the same kind of error: over HTTP, on both engines, a bad query string, path
//! parameter, body or content type is a problem document naming what is wrong; an unknown API
//! route is a problem, an unknown page an HTML page; a page answers the status the API answers
//! for the same application error (503, 429), never a bare 500; and every status answered here
//! is in the operation's OpenAPI.

mod common;

use common::{expect_problem, problem_fields, TestServer, USER_PASSWORD};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    query_and_path_errors_name_the_parameter,
    body_errors_are_problems_too,
    unknown_routes_answer_in_the_kind_of_their_area,
    a_page_answers_the_status_the_api_answers,
);

/// The statuses the served document lists for an operation.
async fn documented(server: &TestServer, method: &str, path: &str) -> Vec<String> {
    let document: Value =
        server.client.get(server.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let responses = document["paths"][path][method]["responses"].as_object().unwrap_or_else(|| {
        panic!("{method} {path} is not documented");
    });
    responses.keys().cloned().collect()
}

async fn query_and_path_errors_name_the_parameter(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let officer = server.user_token("oficial", &["fund_officer"]).await;
    let prosecutor = server.user_token("fiscal", &["prosecutor"]).await;
    let services = server.user_token("cem", &["victim_services"]).await;

    let problem = expect_problem(server.get("/api/v1/claims?limit=abc", &officer).await, 400).await;
    assert_eq!(problem_fields(&problem), vec!["limit"]);
    let problem = expect_problem(server.get("/api/v1/claims?tier=300", &officer).await, 400).await;
    assert_eq!(problem_fields(&problem), vec!["tier"]);
    let problem = expect_problem(server.get("/api/v1/claims?colour=red", &officer).await, 400).await;
    assert_eq!(problem_fields(&problem), vec!["colour"]);
    let problem = expect_problem(server.get("/api/v1/victims?document_type=dni", &services).await, 400).await;
    assert_eq!(problem_fields(&problem), vec!["document_number"]);

    let problem =
        expect_problem(server.get("/api/v1/cases/9223372036854775808", &prosecutor).await, 400).await;
    assert_eq!(problem_fields(&problem), vec!["id"]);
    let problem = expect_problem(server.get("/api/v1/claims/abc", &officer).await, 400).await;
    assert_eq!(problem_fields(&problem), vec!["id"]);
    // A well-formed id that names nothing is a 404, as before.
    expect_problem(server.get("/api/v1/cases/9223372036854775807", &prosecutor).await, 404).await;

    // An operation answering in two formats documents both (schemathesis found only one).
    let document: Value =
        server.client.get(server.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let trace =
        &document["paths"]["/api/v1/ledger/transfers/{id}/trace"]["get"]["responses"]["200"]["content"];
    assert!(trace["application/json"].is_object() && trace["text/plain"].is_object(), "{trace}");

    for (method, path) in [("get", "/api/v1/claims"), ("get", "/api/v1/cases/{id}")] {
        let statuses = documented(&server, method, path).await;
        for status in ["400", "401", "403", "503"] {
            assert!(
                statuses.contains(&status.to_string()),
                "{method} {path} documents {status}: {statuses:?}"
            );
        }
    }
}

async fn body_errors_are_problems_too(database: TestDatabase) {
    let server = TestServer::start_with(database, |s| s.server.body_limit_bytes = 4096).await;
    let admin = server.admin_token().await;
    let treasurer = server.user_token("tesorera", &["treasurer"]).await;
    let before = server.audit_length().await;
    let send = |path: &str, content_type: &str, body: String, token: &str| {
        server
            .client
            .post(server.url(path))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let form = "name=CHS&kind=ngo".to_string();
    let problem = expect_problem(
        send("/api/v1/institutions", "application/x-www-form-urlencoded", form, &admin).await.unwrap(),
        415,
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("application/json"));
    let wrong_type = json!({"name": 7, "kind": "ngo"}).to_string();
    let problem = expect_problem(
        send("/api/v1/institutions", "application/json", wrong_type, &admin).await.unwrap(),
        422,
    )
    .await;
    assert_eq!(problem_fields(&problem), vec!["name"]);
    let oversized = json!({"name": "x".repeat(10_000), "kind": "ngo"}).to_string();
    expect_problem(send("/api/v1/institutions", "application/json", oversized, &admin).await.unwrap(), 413)
        .await;
    // The bank's status report is XML: JSON is the wrong content type, and its path names the id.
    let report = send("/api/v1/batches/1/status-report", "application/json", "{}".into(), &treasurer);
    expect_problem(report.await.unwrap(), 415).await;
    let report = send("/api/v1/batches/x/status-report", "application/xml", "<a/>".into(), &treasurer);
    let problem = expect_problem(report.await.unwrap(), 400).await;
    assert_eq!(problem_fields(&problem), vec!["id"]);
    assert_eq!(server.audit_length().await, before, "a refused request wrote something");

    // A public operation documents what it answers itself: logging in with a wrong password.
    let statuses = documented(&server, "post", "/api/v1/session").await;
    for status in ["200", "400", "401", "415", "422", "429", "503"] {
        assert!(statuses.contains(&status.to_string()), "POST /api/v1/session documents {status}");
    }
    let statuses = documented(&server, "post", "/api/v1/institutions").await;
    for status in ["400", "401", "403", "409", "413", "415", "422", "503"] {
        assert!(statuses.contains(&status.to_string()), "POST /api/v1/institutions documents {status}");
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn unknown_routes_answer_in_the_kind_of_their_area(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let http = client();
    let admin = server.admin_token().await;
    let problem = expect_problem(
        http.get(server.url("/api/v1/nothing-here")).bearer_auth(&admin).send().await.unwrap(),
        404,
    )
    .await;
    assert_eq!(problem["type"], "urn:redress:problem:not-found");
    expect_problem(http.delete(server.url("/api/v1/me")).bearer_auth(&admin).send().await.unwrap(), 405)
        .await;

    // Elsewhere a browser asked for a page: the HTML error page, in Spanish unless asked otherwise.
    let page = http.get(server.url("/orders/1/nothing")).send().await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let text = page.text().await.unwrap();
    assert!(text.contains("<html lang=\"es\">") && text.contains("No encontrado"), "{text}");
    let page = http.get(server.url("/nothing")).header("accept-language", "en").send().await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("Not found"));
    let page = http.get(server.url("/logout")).send().await.unwrap();
    assert_eq!(page.status(), 405);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));

    // A page whose id does not parse is no page either; a refusal on a page is a page too.
    server.create_user(&admin, "cem", &["victim_services"]).await;
    let login = server.session("cem", USER_PASSWORD).await;
    let cookie = format!("redress_session={}", login["token"].as_str().unwrap());
    let page = http.get(server.url("/claims/abc")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("No encontrado"));
    let page = http.get(server.url("/claims/999/receipt")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}

async fn a_page_answers_the_status_the_api_answers(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let http = client();
    let admin = server.admin_token().await;
    server.create_user(&admin, "cem", &["victim_services"]).await;
    let login = server.session("cem", USER_PASSWORD).await;
    let cookie = format!("redress_session={}", login["token"].as_str().unwrap());

    // Too many failed logins: 429 with Retry-After on the login page, as on the API.
    let mut last = None;
    for _ in 0..8 {
        let response = http
            .post(server.url("/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("username=cem&password=wrong-password-here&next=/")
            .send()
            .await
            .unwrap();
        last = Some(response);
    }
    let limited = last.unwrap();
    assert_eq!(limited.status(), 429);
    assert!(limited.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    expect_problem(server.login("cem", "wrong-password-here").await, 429).await;

    // The database stops answering: 503 for the API and for the pages alike, never a 500 and
    // never "log in again".
    server.store.close().await;
    expect_problem(server.get("/api/v1/me", &admin).await, 503).await;
    let page = http.get(server.url("/claims")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.status(), 503);
    let text = page.text().await.unwrap();
    assert!(text.contains("Servicio no disponible"), "{text}");
    let page = http
        .post(server.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=cem&password=x&next=/")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 503);
}
