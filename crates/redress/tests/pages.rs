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
    assert!(home.contains("S/ 0.00"), "money in the English format");

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
        html.contains("vendido anticipadamente") && html.contains("S/ 28.500,00"),
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
    let list =
        http.get(server.url("/assets")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Camioneta Hilux") && list.contains("<svg"), "the register and the pipeline chart");
}
