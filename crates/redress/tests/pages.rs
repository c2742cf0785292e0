//! The web pages over HTTP, on both engines: every page is behind its access rule (no session:
//! the login form; a role that may not: 403), every form needs the session's CSRF token, the
//! language is Spanish by default and kept per user, and forms show errors next to the field.

mod common;

use common::{TestServer, USER_PASSWORD};
use redress_domain::Policy;
use redress_store::testing::TestDatabase;

on_both_engines!(
    every_page_is_behind_its_rule_and_every_form_needs_its_csrf_token,
    language_and_form_errors,
    an_asset_goes_from_seizure_to_escrow_in_the_pages,
    a_case_reaches_judgment_in_the_pages_and_the_auditor_and_admin_do_their_part,
    the_fund_officer_moves_money_and_the_admin_publishes_a_policy_in_the_pages,
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A session for `username`: (cookie header, CSRF token).
async fn session(server: &TestServer, username: &str, password: &str) -> (String, String) {
    let login = server.session(username, password).await;
    (
        format!("redress_session={}", login["token"].as_str().unwrap()),
        login["csrf_token"].as_str().unwrap().to_string(),
    )
}

fn concrete(path: &str) -> String {
    path.replace("{id}", "1").replace("{code}", "V-2026-000001")
}

async fn every_page_is_behind_its_rule_and_every_form_needs_its_csrf_token(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let pages = redress_web::build(server.app.clone()).pages;
    assert!(pages.len() >= 20, "the pages are registered with their rules");
    let http = client();
    for page in &pages {
        let url = server.url(&concrete(&page.path));
        let request = match page.method.as_str() {
            "GET" => http.get(&url),
            _ => http.post(&url).header("content-type", "application/x-www-form-urlencoded").body("a=b"),
        };
        let response = request.send().await.unwrap();
        if page.policy == Policy::Public {
            assert_ne!(response.status(), 403, "{} {} is public", page.method, page.path);
            continue;
        }
        assert_eq!(response.status(), 303, "{} {} without a session", page.method, page.path);
        let location = response.headers()["location"].to_str().unwrap();
        assert!(location.starts_with("/login"), "{location}");
    }

    // An analyst may see the home page, and nothing about claims, victims or payments.
    let admin = server.admin_token().await;
    server.create_user(&admin, "analista", &["analyst"]).await;
    let (cookie, csrf) = session(&server, "analista", USER_PASSWORD).await;
    for page in pages.iter().filter(|p| p.method == "GET") {
        let response =
            http.get(server.url(&concrete(&page.path))).header("cookie", &cookie).send().await.unwrap();
        let expected = match page.policy {
            Policy::Public | Policy::Authenticated => response.status() != 403,
            Policy::AnyOf(roles) => {
                (response.status() == 403) != roles.contains(&redress_domain::Role::Analyst)
            }
        };
        assert!(expected, "{} as an analyst: {}", page.path, response.status());
    }

    // A form without its CSRF token changes nothing.
    server.user_token("cem", &["victim_services"]).await;
    let (cookie, csrf_services) = session(&server, "cem", USER_PASSWORD).await;
    let before = server.audit_length().await;
    let form =
        "given_names=Ana&surnames=Flores&document_type=dni&document_number=44556677&birth_date=1990-01-01\
                &sex=female&nationality=PE&consent=true";
    let forged = http
        .post(server.url("/victims"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let wrong = http
        .post(server.url("/victims"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("{form}&_csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403, "another session's token");
    assert_eq!(server.audit_length().await, before, "nothing was written");
    let genuine = http
        .post(server.url("/victims"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("{form}&_csrf={csrf_services}"))
        .send()
        .await
        .unwrap();
    assert_eq!(genuine.status(), 303);
    assert!(genuine.headers()["location"].to_str().unwrap().starts_with("/victims/V-"));
}

async fn language_and_form_errors(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let http = client();
    // Spanish by default, English when the browser asks for it and nothing else is known.
    let page = http.get(server.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<html lang=\"es\">") && page.contains("Iniciar sesión"));
    let page = http
        .get(server.url("/login"))
        .header("accept-language", "en-US,en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Log in"));
    // A wrong password: the form again, with the message, and the username kept.
    let failed = http
        .post(server.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=nadie&password=equivocada&next=/")
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), 401);
    let text = failed.text().await.unwrap();
    assert!(text.contains("Usuario o contraseña incorrectos.") && text.contains("value=\"nadie\""));

    // The language is kept per user, whatever the browser says.
    server.user_token("oficial", &["fund_officer"]).await;
    let (cookie, csrf) = session(&server, "oficial", USER_PASSWORD).await;
    let switched = http
        .post(server.url("/language"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("locale=en&back=/claims&_csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 303);
    assert_eq!(switched.headers()["location"], "/claims");
    let home = http
        .get(server.url("/"))
        .header("cookie", &cookie)
        .header("accept-language", "es-PE")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("<html lang=\"en\">") && home.contains("Held for payments"), "{home}");
    assert!(home.contains("PEN 0.00"), "money in the English format");

    // Victim services: a form with errors says which field and keeps what was typed.
    server.user_token("cem", &["victim_services"]).await;
    let (cookie, csrf) = session(&server, "cem", USER_PASSWORD).await;
    let before = server.audit_length().await;
    let response = http
        .post(server.url("/victims"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "given_names=Ana&surnames=&document_type=dni&document_number=1&birth_date=2990-01-01&sex=female&nationality=PE&_csrf={csrf}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    for field in ["surnames-error", "birth_date-error", "consent-error"] {
        assert!(page.contains(field), "{field} shown next to the field");
    }
    assert!(page.contains("value=\"Ana\""), "what was typed is kept");
    assert_eq!(server.audit_length().await, before);
}

async fn post_form(
    http: &reqwest::Client,
    server: &TestServer,
    path: &str,
    cookie: &str,
    body: String,
) -> reqwest::Response {
    http.post(server.url(path))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn an_asset_goes_from_seizure_to_escrow_in_the_pages(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let created: serde_json::Value = server
        .post("/api/v1/institutions", &admin, serde_json::json!({"name": "PRONABI", "kind": "asset_agency"}))
        .await
        .json()
        .await
        .unwrap();
    let body = serde_json::json!({"username": "bienes", "institution_id": created["id"], "roles": ["asset_manager"], "password": USER_PASSWORD});
    assert_eq!(server.post("/api/v1/users", &admin, body).await.status(), 201);
    let (cookie, csrf) = session(&server, "bienes", USER_PASSWORD).await;
    let http = client();
    let registered = post_form(
        &http,
        &server,
        "/assets",
        &cookie,
        format!(
            "kind=vehicle&description=Camioneta+Hilux&region=Tumbes&estimated_value=30000.00&seized_on=2025-01-10\
             &document=Resoluci%C3%B3n+1&_csrf={csrf}"
        ),
    )
    .await;
    assert_eq!(registered.status(), 303);
    let location = registered.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = location.trim_start_matches("/assets/").split('?').next().unwrap().parse().unwrap();
    for step in [
        "to=in_custody&date=2025-01-12&document=Acta",
        "to=sale_authorised&date=2025-03-01&document=Auto+de+venta",
        "to=sold_early&date=2025-04-01&document=Acta+de+venta&amount=30000.00&costs=1500.00",
    ] {
        let moved = post_form(
            &http,
            &server,
            &format!("/assets/{id}/moves"),
            &cookie,
            format!("{step}&_csrf={csrf}"),
        )
        .await;
        assert_eq!(moved.status(), 303, "{step}");
    }
    let page = http.get(server.url(&format!("/assets/{id}"))).header("cookie", &cookie).send().await.unwrap();
    let html = page.text().await.unwrap().replace("&#x2f;", "/");
    assert!(
        html.contains("vendido anticipadamente") && html.contains("S/ 28,500.00"),
        "escrow shown: {html}"
    );
    // An illegal move (returned → confiscated is not offered, and forged is refused) writes nothing.
    let before = server.audit_length().await;
    let illegal = post_form(
        &http,
        &server,
        &format!("/assets/{id}/moves"),
        &cookie,
        format!("to=sold&date=2025-05-01&document=X&amount=1.00&_csrf={csrf}"),
    )
    .await;
    assert!(illegal.status() == 409 || illegal.status() == 422, "{}", illegal.status());
    assert_eq!(server.audit_length().await, before);
    // An appraisal and a lease through their forms; a negative rent is refused with its reason.
    let valued = post_form(
        &http,
        &server,
        &format!("/assets/{id}/valuations"),
        &cookie,
        format!("valued_on=2025-02-01&amount=31000.00&basis=Tasaci%C3%B3n+SBS&_csrf={csrf}"),
    )
    .await;
    assert_eq!(valued.status(), 303);
    let negative = post_form(
        &http,
        &server,
        &format!("/assets/{id}/leases"),
        &cookie,
        format!("monthly_rent=-5.00&starts_on=2025-02-01&_csrf={csrf}"),
    )
    .await;
    assert_eq!(negative.status(), 422);
    assert!(negative.text().await.unwrap().contains("monthly_rent"), "the field is named");
    let list =
        http.get(server.url("/assets")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Camioneta Hilux") && list.contains("<svg"), "the register and the pipeline chart");
}

async fn member_with_institution(
    server: &TestServer,
    admin: &str,
    institution: &str,
    kind: &str,
    username: &str,
    role: &str,
) {
    let created: serde_json::Value = server
        .post("/api/v1/institutions", admin, serde_json::json!({"name": institution, "kind": kind}))
        .await
        .json()
        .await
        .unwrap();
    let body = serde_json::json!({"username": username, "institution_id": created["id"], "roles": [role], "password": USER_PASSWORD});
    assert_eq!(server.post("/api/v1/users", admin, body).await.status(), 201);
}

async fn a_case_reaches_judgment_in_the_pages_and_the_auditor_and_admin_do_their_part(
    database: TestDatabase,
) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    member_with_institution(&server, &admin, "CEM Tumbes", "ministry", "cem", "victim_services").await;
    member_with_institution(&server, &admin, "Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor")
        .await;
    member_with_institution(&server, &admin, "Juzgado de Tumbes", "court", "secretario", "court_clerk").await;
    server.create_user(&admin, "auditora", &["auditor"]).await;
    let services = server.token("cem", USER_PASSWORD).await;
    let victim: serde_json::Value = server
        .post("/api/v1/victims", &services, serde_json::json!({"given_names": "Rosa", "surnames": "Quispe", "document_type": "dni",
            "document_number": "41234567", "birth_date": "1990-04-12", "sex": "female", "nationality": "PE", "consent": true}))
        .await
        .json()
        .await
        .unwrap();
    let code = victim["code"].as_str().unwrap().to_string();
    let http = client();

    // The prosecutor opens the case with a form, then moves it on.
    let (cookie, csrf) = session(&server, "fiscal", USER_PASSWORD).await;
    let opened = post_form(
        &http,
        &server,
        "/cases",
        &cookie,
        format!(
            "prosecutor_file=FPT-2025-0042&jurisdiction=Tumbes&reported_on=2025-01-10&offences=129-A\
             &defendants=Marco+Salas+Vera&court_id={court}&_csrf={csrf}",
            court = server.institution_id(&admin, "Juzgado de Tumbes").await
        ),
    )
    .await;
    assert_eq!(opened.status(), 303);
    let case_path = opened.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
    let case_id: i64 = case_path.trim_start_matches("/cases/").parse().unwrap();
    server.link_victims(&services, case_id, &[&code]).await;
    let moved = post_form(
        &http,
        &server,
        &format!("{case_path}/stage"),
        &cookie,
        format!("stage=investigation&date=2025-02-01&_csrf={csrf}"),
    )
    .await;
    assert_eq!(moved.status(), 303);
    let wrong = post_form(
        &http,
        &server,
        &format!("{case_path}/stage"),
        &cookie,
        format!("stage=reported&date=2025-02-02&_csrf={csrf}"),
    )
    .await;
    assert!(wrong.status() == 409 || wrong.status() == 422, "a backward move is refused: {}", wrong.status());
    let found = http
        .get(server.url("/cases/find?file=FPT-2025-0042"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(found.headers()["location"].to_str().unwrap(), case_path);

    // The clerk records the judgment with its order, then the insolvency.
    let (cookie, csrf) = session(&server, "secretario", USER_PASSWORD).await;
    let form = http
        .get(server.url(&format!("{case_path}/judgment")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let defendant =
        form.split("name=\"convicted\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let recorded = post_form(
        &http,
        &server,
        &format!("{case_path}/judgment"),
        &cookie,
        format!(
            "judged_on=2026-02-02&court=Juzgado+Penal+de+Tumbes&final_on=2026-03-03&convicted={defendant}\
             &amount%3A{code}%3Amoral_damage=8000.00&_csrf={csrf}"
        ),
    )
    .await;
    assert_eq!(recorded.status(), 303, "{}", recorded.text().await.unwrap());
    let judgment_path =
        recorded.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
    let page = http
        .get(server.url(&judgment_path))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let order_id = page.split("action=\"/orders/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let insolvent = post_form(
        &http,
        &server,
        &format!("/orders/{order_id}/insolvency"),
        &cookie,
        format!("found_on=2026-05-01&basis=Informe+de+bienes+negativo&_csrf={csrf}"),
    )
    .await;
    assert_eq!(insolvent.status(), 303);
    let page = http
        .get(server.url(&judgment_path))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.replace("&#x2f;", "/").contains("S/ 8,000.00") && page.contains("class=\"met\""),
        "the order and its eligibility"
    );

    // Victim services finds the victim by document and records the withdrawal of consent.
    let (cookie, csrf) = session(&server, "cem", USER_PASSWORD).await;
    let found = http
        .get(server.url("/victims/find?document_type=dni&document_number=41234567"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(found.contains(&format!("/victims/{code}")), "found by document");
    // Withdrawing consent asks first: the reason and a confirmation, each said next to its field.
    let path = format!("/victims/{code}/consent-withdrawal");
    let asked = http.get(server.url(&path)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(asked.status(), 200);
    assert!(asked.text().await.unwrap().contains("name=\"confirm\""));
    let before = server.audit_length().await;
    let unconfirmed =
        post_form(&http, &server, &path, &cookie, format!("reason=victim_request&_csrf={csrf}")).await;
    assert_eq!(unconfirmed.status(), 422);
    let text = unconfirmed.text().await.unwrap();
    assert!(
        text.contains("id=\"confirm-error\"") && text.contains("aria-describedby=\"confirm-error\""),
        "{text}"
    );
    assert!(text.contains("value=\"victim_request\" selected"), "the reason chosen is kept");
    assert_eq!(server.audit_length().await, before, "nothing was withdrawn");
    let withdrawn =
        post_form(&http, &server, &path, &cookie, format!("reason=victim_request&confirm=yes&_csrf={csrf}"))
            .await;
    assert_eq!(withdrawn.status(), 303);
    let page = http
        .get(server.url(&format!("/victims/{code}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("41234567"), "the identity is hidden after withdrawal");

    // The auditor reads the trail and the books; the admin creates a user with a form.
    let (cookie, _) = session(&server, "auditora", USER_PASSWORD).await;
    let trail =
        http.get(server.url("/audit")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    assert!(trail.contains("sentencia registrada") && trail.contains("caso abierto"), "the audit trail page");
    // (The filter's options carry the codes as their values; the trail itself shows words.)
    let table = trail.split("<table id=\"audit\">").nth(1).unwrap();
    assert!(!table.contains("judgment.record"), "actions in words, not codes");
    let books =
        http.get(server.url("/ledger")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    assert!(books.contains("Banco: cuenta del fondo"), "accounts in words");
    let login = server.session("admin", &server.admin_password.clone()).await;
    let (cookie, csrf) = (
        format!("redress_session={}", login["token"].as_str().unwrap()),
        login["csrf_token"].as_str().unwrap().to_string(),
    );
    let created = post_form(
        &http,
        &server,
        "/admin/users",
        &cookie,
        format!(
            "username=tesorero&institution=1&roles=treasurer&password={}&_csrf={csrf}",
            "Tumbes-Lima-2026-%23Fondo"
        ),
    )
    .await;
    assert_eq!(created.status(), 303);
    server.token("tesorero", USER_PASSWORD).await;
    let refused = post_form(
        &http,
        &server,
        "/admin/users",
        &cookie,
        format!("username=x&institution=1&password=short&_csrf={csrf}"),
    )
    .await;
    assert_eq!(refused.status(), 422, "errors next to the fields");
}

async fn the_fund_officer_moves_money_and_the_admin_publishes_a_policy_in_the_pages(database: TestDatabase) {
    let server = TestServer::start(database).await;
    server.user_token("oficial", &["fund_officer"]).await;
    let http = client();
    let (cookie, csrf) = session(&server, "oficial", USER_PASSWORD).await;
    let form =
        http.get(server.url("/ledger")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    let id = form.split("name=\"id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let body = format!(
        "id={id}&debit_account=assets%3Abank%3Afund&credit_account=income%3Abudget&amount=2500.00&memo=Presupuesto&_csrf={csrf}"
    );
    let first = post_form(&http, &server, "/ledger/transfers", &cookie, body.clone()).await;
    assert_eq!(first.headers()["location"], "/ledger?notice=ledger-transferred");
    let again = post_form(&http, &server, "/ledger/transfers", &cookie, body).await;
    assert_eq!(
        again.headers()["location"],
        "/ledger?notice=ledger-transfer-exists",
        "a double submit is applied once"
    );
    let overdraft = post_form(&http, &server, "/ledger/transfers", &cookie, format!(
        "id={}&debit_account=expenses%3Acustody&credit_account=assets%3Abank%3Afund&amount=9999.00&_csrf={csrf}",
        "4b7f8a0e-1c2d-4e3f-8a9b-0c1d2e3f4a5b"
    )).await;
    assert_eq!(overdraft.status(), 422, "the fund's cash never goes negative");
    let books =
        http.get(server.url("/ledger")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    assert!(books.replace("&#x2f;", "/").contains("S/ 2,500.00"));

    // The policy: everyone reads it; only the administrator publishes a new version.
    let page = http.get(server.url("/policy")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let refused = post_form(&http, &server, "/policy", &cookie, format!("reserve=0.00&_csrf={csrf}")).await;
    assert_eq!(refused.status(), 403);
    let login = server.session("admin", &server.admin_password.clone()).await;
    let (cookie, csrf) = (
        format!("redress_session={}", login["token"].as_str().unwrap()),
        login["csrf_token"].as_str().unwrap().to_string(),
    );
    let bad = post_form(&http, &server, "/policy", &cookie, format!(
        "reserve=-1.00&minimum_line=50.00&advance_cap=5000.00&urgent_decision_hours=72&standard_decision_days=56\
         &payment_working_days=10&urgent=minor&_csrf={csrf}"
    )).await;
    assert_eq!(bad.status(), 422);
    let published = post_form(&http, &server, "/policy", &cookie, format!(
        "reserve=1000.00&minimum_line=50.00&advance_cap=4000.00&urgent_decision_hours=48&standard_decision_days=56\
         &payment_working_days=10&urgent=minor&urgent=pregnancy&high=no_income&_csrf={csrf}"
    )).await;
    assert_eq!(published.status(), 303);
    let policy: serde_json::Value =
        server.get("/api/v1/policy", &server.admin_token().await).await.json().await.unwrap();
    assert_eq!(policy["version"], 2);
    assert_eq!(policy["policy"]["reserve"], "1000.00");
}
