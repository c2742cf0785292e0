//! Alerts and the 24-hour meeting end to end, on both engines: the contract checked from
//! outside (201 `{id}`, `meeting_due` exactly 24 hours after `reported_at`, `overdue` by the
//! server's clock), the states, bad input, who may read and act, retries, and the pages in
//! Spanish with the overdue count on a concerned user's home page.

mod common;

use common::{expect_problem, problem_fields, TestServer, USER_PASSWORD};
use redress_app::Clock;
use redress_domain::Timestamp;
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    an_alert_is_due_for_its_meeting_24_hours_after_the_report,
    an_alert_runs_from_report_to_meeting_to_case,
    bad_alerts_name_the_field_and_write_nothing,
    only_the_institutions_involved_read_and_act_on_an_alert,
    a_retried_alert_is_recorded_once,
    the_pages_show_alerts_in_spanish_and_the_overdue_count_at_home,
);

/// A user with `role` in a new institution of `kind`: (token, institution id).
async fn member(
    server: &TestServer,
    institution: &str,
    kind: &str,
    username: &str,
    role: &str,
) -> (String, i64) {
    let admin = server.admin_token().await;
    let created: Value = server
        .post("/api/v1/institutions", &admin, json!({"name": institution, "kind": kind}))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let body =
        json!({"username": username, "institution_id": id, "roles": [role], "password": USER_PASSWORD});
    assert_eq!(server.post("/api/v1/users", &admin, body).await.status(), 201);
    (server.token(username, USER_PASSWORD).await, id)
}

fn hours_ago(server: &TestServer, hours: i64) -> Timestamp {
    server.clock.now().minus_seconds(hours * 3600)
}

async fn record(server: &TestServer, token: &str, body: Value) -> Value {
    let response = server.post("/api/v1/alerts", token, body).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn alert(server: &TestServer, token: &str, id: i64) -> Value {
    let response = server.get(&format!("/api/v1/alerts/{id}"), token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn an_alert_is_due_for_its_meeting_24_hours_after_the_report(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let (fiscal, _) = member(&server, "Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor").await;
    let reported = hours_ago(&server, 1);
    let created = record(
        &server,
        &fiscal,
        json!({"summary": "Dos adolescentes en un bar de Zarumilla", "reported_at": reported.to_rfc3339()}),
    )
    .await;
    let id = created["id"].as_i64().expect("201 {id}");
    let shown = alert(&server, &fiscal, id).await;
    let due = time::OffsetDateTime::parse(
        shown["meeting_due"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(Timestamp::from_datetime(due), reported.plus_seconds(24 * 3600), "exactly 24 hours");
    assert_eq!(shown["state"], "open");
    assert_eq!(shown["urgency"], "high", "the default");
    assert_eq!(shown["minors_involved"], false);
    assert_eq!(shown["overdue"], false);
    server.clock.advance_seconds(25 * 3600);
    let fiscal = server.token("fiscal", USER_PASSWORD).await; // the session idled out meanwhile
    assert_eq!(alert(&server, &fiscal, id).await["overdue"], true);
    let overdue: Value = server.get("/api/v1/alerts?overdue=true", &fiscal).await.json().await.unwrap();
    assert_eq!(overdue["items"].as_array().unwrap().len(), 1);
    // Held late, it is no longer overdue.
    let held = json!({"held_at": server.clock.now().to_rfc3339(), "participants": ["Policía Nacional - Divintrap"],
        "decisions": "Operativo de rescate esta noche"});
    let response = server.post(&format!("/api/v1/alerts/{id}/meeting"), &fiscal, held).await;
    assert_eq!(response.status(), 200);
    let shown: Value = response.json().await.unwrap();
    assert_eq!(shown["state"], "meeting_held");
    assert_eq!(shown["overdue"], false);
    let overdue: Value = server.get("/api/v1/alerts?overdue=true", &fiscal).await.json().await.unwrap();
    assert!(overdue["items"].as_array().unwrap().is_empty());
}

async fn an_alert_runs_from_report_to_meeting_to_case(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let (fiscal, _) = member(&server, "Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor").await;
    let (cem, cem_id) = member(&server, "CEM Tumbes", "ministry", "cem", "victim_services").await;
    let body = json!({"summary": "Reporte de explotación laboral en una mina", "reported_at": hours_ago(&server, 2).to_rfc3339(),
        "place": "Madre de Dios", "urgency": "immediate", "minors_involved": true, "origin_country": "ve",
        "concerned_institutions": [cem_id]});
    let id = record(&server, &fiscal, body).await["id"].as_i64().unwrap();
    // The concerned institution reads and convenes it.
    let shown = alert(&server, &cem, id).await;
    assert_eq!(shown["origin_country"], "VE");
    assert_eq!(shown["concerned_institutions"][0]["name"], "CEM Tumbes");
    let at = server.clock.now().plus_seconds(3600).to_rfc3339();
    let convened =
        server.post(&format!("/api/v1/alerts/{id}/meeting"), &cem, json!({"scheduled_for": at})).await;
    assert_eq!(convened.status(), 200);
    // Confirmation needs the meeting held first.
    let early =
        server.post(&format!("/api/v1/alerts/{id}/confirmation"), &fiscal, json!({"case_id": 1})).await;
    assert_eq!(problem_fields(&expect_problem(early, 422).await), ["case_id"], "no case yet");
    let held = json!({"held_at": server.clock.now().to_rfc3339(), "participants": [cem_id, "Policía Nacional"], "decisions": "Rescate"});
    assert_eq!(server.post(&format!("/api/v1/alerts/{id}/meeting"), &fiscal, held).await.status(), 200);
    let case: Value = server
        .post(
            "/api/v1/cases",
            &fiscal,
            json!({"prosecutor_file": "FPT-2026-0101", "jurisdiction": "Madre de Dios",
            "offences": ["129-N"], "reported_on": "2026-01-05"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let case_id = case["id"].as_i64().unwrap();
    let confirmed =
        server.post(&format!("/api/v1/alerts/{id}/confirmation"), &fiscal, json!({"case_id": case_id})).await;
    assert_eq!(confirmed.status(), 200);
    let shown: Value = confirmed.json().await.unwrap();
    assert_eq!(shown["state"], "confirmed");
    assert_eq!(shown["case_id"], case_id);
    assert_eq!(shown["meeting"]["participants"].as_array().unwrap().len(), 2);
    let states: Vec<&str> =
        shown["history"].as_array().unwrap().iter().map(|h| h["to"].as_str().unwrap()).collect();
    assert_eq!(states, ["open", "meeting_convened", "meeting_held", "confirmed"]);
    let closed =
        server.post(&format!("/api/v1/alerts/{id}/closure"), &fiscal, json!({"reason": "duplicate"})).await;
    assert_eq!(problem_fields(&expect_problem(closed, 422).await), ["state"]);
}

async fn bad_alerts_name_the_field_and_write_nothing(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let (fiscal, _) = member(&server, "Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor").await;
    let before = server.audit_length().await;
    let cases = [
        (json!({"reported_at": hours_ago(&server, 1).to_rfc3339()}), "summary"),
        (json!({"summary": "Algo", "reported_at": "ayer por la tarde"}), "reported_at"),
        (json!({"summary": "Algo", "reported_at": "2026-13-01T10:00:00Z"}), "reported_at"),
        (json!({"summary": "Algo", "reported_at": hours_ago(&server, -2).to_rfc3339()}), "reported_at"),
        (
            json!({"summary": "Algo", "reported_at": hours_ago(&server, 1).to_rfc3339(), "urgency": "urgent"}),
            "urgency",
        ),
        (
            json!({"summary": "Algo", "reported_at": hours_ago(&server, 1).to_rfc3339(), "origin_country": "XX"}),
            "origin_country",
        ),
        (
            json!({"summary": "Algo", "reported_at": hours_ago(&server, 1).to_rfc3339(), "concerned_institutions": [9999]}),
            "concerned_institutions[0]",
        ),
    ];
    for (body, field) in cases {
        let problem = expect_problem(server.post("/api/v1/alerts", &fiscal, body.clone()).await, 422).await;
        assert_eq!(problem_fields(&problem), [field], "{body}");
    }
    let both = json!({"summary": " ", "reported_at": "x", "urgency": "urgent"});
    let problem = expect_problem(server.post("/api/v1/alerts", &fiscal, both).await, 422).await;
    assert_eq!(problem_fields(&problem), ["summary", "reported_at", "urgency"], "every field at once");
    assert_eq!(server.audit_length().await, before, "nothing written");
    let list: Value = server.get("/api/v1/alerts", &fiscal).await.json().await.unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
}

async fn only_the_institutions_involved_read_and_act_on_an_alert(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let (fiscal, _) = member(&server, "Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor").await;
    let (outsider, _) = member(&server, "CEM Piura", "ministry", "cem.piura", "victim_services").await;
    let auditor = server.user_token("auditora", &["auditor"]).await;
    let analyst = server.user_token("analista", &["analyst"]).await;
    let id = record(
        &server,
        &fiscal,
        json!({"summary": "Sospecha en Aguas Verdes", "reported_at": hours_ago(&server, 1).to_rfc3339()}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/alerts/{id}");
    expect_problem(server.get(&path, &outsider).await, 403).await;
    expect_problem(server.get(&path, &analyst).await, 403).await;
    assert_eq!(alert(&server, &auditor, id).await["id"], id, "auditors read every alert");
    let list: Value = server.get("/api/v1/alerts", &outsider).await.json().await.unwrap();
    assert!(list["items"].as_array().unwrap().is_empty(), "not in another institution's list");
    let before = server.audit_length().await;
    // Acting on it, or naming itself in the body, does not make the outsider concerned.
    let closed = server.post(&format!("{path}/closure"), &outsider, json!({"reason": "unfounded"})).await;
    expect_problem(closed, 403).await;
    let convened = server
        .post(
            &format!("{path}/meeting"),
            &outsider,
            json!({"scheduled_for": server.clock.now().to_rfc3339()}),
        )
        .await;
    expect_problem(convened, 403).await;
    let forged = json!({"summary": "x", "reported_at": hours_ago(&server, 1).to_rfc3339(), "institution_id": 1, "recorded_by": 1});
    expect_problem(server.post("/api/v1/alerts", &outsider, forged).await, 422).await;
    assert_eq!(server.audit_length().await, before);
    expect_problem(server.get(&path, &outsider).await, 403).await;
    assert_eq!(alert(&server, &fiscal, id).await["state"], "open");
    expect_problem(server.get("/api/v1/alerts/9999", &fiscal).await, 404).await;
}

async fn a_retried_alert_is_recorded_once(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let (fiscal, _) = member(&server, "Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor").await;
    let body = json!({"summary": "Reporte anónimo", "reported_at": hours_ago(&server, 1).to_rfc3339()});
    let send = || {
        server
            .client
            .post(server.url("/api/v1/alerts"))
            .bearer_auth(&fiscal)
            .header("Idempotency-Key", "alert-retry-1")
            .json(&body)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    let list: Value = server.get("/api/v1/alerts", &fiscal).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn page(server: &TestServer, cookie: &str, path: &str) -> (u16, String) {
    let response = client().get(server.url(path)).header("cookie", cookie).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn the_pages_show_alerts_in_spanish_and_the_overdue_count_at_home(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let (_, cem_id) = member(&server, "CEM Tumbes", "ministry", "cem", "victim_services").await;
    member(&server, "Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor").await;
    let login = server.session("fiscal", USER_PASSWORD).await;
    let cookie = format!("redress_session={}", login["token"].as_str().unwrap());
    let csrf = login["csrf_token"].as_str().unwrap();
    let (status, home) = page(&server, &cookie, "/").await;
    assert_eq!(status, 200);
    assert!(home.contains("href=\"/alerts\""), "a nav link");
    // A form sent without its summary comes back with the error next to the field, in Spanish.
    let form = format!("summary=&reported_at=2026-01-05T10%3A30&place=Tumbes&urgency=immediate&concerned_institutions={cem_id}&_csrf={csrf}");
    let refused = client()
        .post(server.url("/alerts"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("aria-describedby=\"summary-error\""), "{html}");
    assert!(html.contains("no puede quedar vacío"), "in Spanish");
    assert!(html.contains("value=\"Tumbes\""), "what was typed is kept");
    assert!(html.contains(&format!("value=\"{cem_id}\" checked")), "the checked institution too");
    let form = format!("summary=Dos+menores+en+Zarumilla&reported_at=2026-01-05T10%3A30&place=Tumbes&urgency=immediate&minors_involved=true&concerned_institutions={cem_id}&_csrf={csrf}");
    let created = client()
        .post(server.url("/alerts"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 303);
    let location = created.headers()["location"].to_str().unwrap().to_string();
    let (status, detail) = page(&server, &cookie, &location).await;
    assert_eq!(status, 200);
    // Reported at 10:30 in Lima (UTC-5): due the next day at 10:30, Lima time, to the minute.
    assert!(detail.contains("id=\"meeting-due\">6&#x2f;01&#x2f;2026, 10:30"), "{detail}");
    assert!(detail.contains("Reunión vencida"), "the overdue badge");
    assert!(detail.contains("inmediata") && detail.contains("abierta"));
    // The concerned institution's user sees the overdue count on the home page.
    let cem = server.session("cem", USER_PASSWORD).await;
    let cem_cookie = format!("redress_session={}", cem["token"].as_str().unwrap());
    let (_, home) = page(&server, &cem_cookie, "/").await;
    assert!(home.contains("Alertas con la reunión de 24 horas vencida: 1"), "{home}");
    let (status, list) = page(&server, &cem_cookie, "/alerts?overdue=true").await;
    assert_eq!(status, 200);
    assert!(list.contains("Dos menores en Zarumilla"));
    // Closing it from the page takes it off the count.
    let id = location.trim_start_matches("/alerts/").split('?').next().unwrap().to_string();
    let closed = client()
        .post(server.url(&format!("/alerts/{id}/closure")))
        .header("cookie", &cem_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("reason=referred_elsewhere&_csrf={}", cem["csrf_token"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 303);
    let (_, home) = page(&server, &cem_cookie, "/").await;
    assert!(home.contains("Ninguna alerta tiene la reunión de 24 horas vencida."));
    let (_, detail) = page(&server, &cem_cookie, &format!("/alerts/{id}")).await;
    assert!(detail.contains("derivada a otra instancia") && detail.contains("cerrada"));
}
