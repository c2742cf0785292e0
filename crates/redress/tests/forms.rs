//! Forms that help, on both engines: money is typed as the pages show it (`S/ 4,500.00`,
//! `2,500.50`, `5000`) and dates day first (`02/02/2026`); a value that cannot be read is
//! refused with a Spanish message next to its field, named by its label, and nothing typed is
//! lost: the form comes back with every value, and the fixed form saves all of it.

mod common;

use common::{TestServer, USER_PASSWORD};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    a_judgment_typed_as_the_pages_show_keeps_every_amount_after_an_error,
    a_victim_and_an_asset_are_registered_with_dates_and_money_as_shown,
    a_transfer_accepts_money_as_shown_and_refuses_spains_form_in_spanish,
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A session for `username`: (cookie header, CSRF token).
async fn session(server: &TestServer, username: &str) -> (String, String) {
    let login = server.session(username, USER_PASSWORD).await;
    (
        format!("redress_session={}", login["token"].as_str().unwrap()),
        login["csrf_token"].as_str().unwrap().to_string(),
    )
}

async fn post_form(server: &TestServer, path: &str, cookie: &str, body: String) -> reqwest::Response {
    client()
        .post(server.url(path))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-language", "es-PE,es")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn member(server: &TestServer, admin: &str, institution: &str, kind: &str, username: &str, role: &str) {
    let created: Value = server
        .post("/api/v1/institutions", admin, json!({"name": institution, "kind": kind}))
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"username": username, "institution_id": created["id"], "roles": [role], "password": USER_PASSWORD});
    assert_eq!(server.post("/api/v1/users", admin, body).await.status(), 201);
}

async fn victim(server: &TestServer, services: &str, number: &str) -> String {
    let body = json!({"given_names": "Rosa", "surnames": "Quispe", "document_type": "dni", "document_number": number,
        "birth_date": "1990-04-12", "sex": "female", "nationality": "PE", "consent": true});
    let created: Value = server.post("/api/v1/victims", services, body).await.json().await.unwrap();
    created["code"].as_str().unwrap_or_else(|| panic!("{created}")).to_string()
}

/// A case at the court with two victims, opened through the prosecutor's form with its date
/// typed day first; (case id, the defendant's id, the two victims).
async fn case_with_two_victims(server: &TestServer) -> (i64, String, [String; 2]) {
    let admin = server.admin_token().await;
    member(server, &admin, "CEM Tumbes", "ministry", "cem", "victim_services").await;
    member(server, &admin, "Fiscalía de Tumbes", "prosecutor", "fiscal", "prosecutor").await;
    member(server, &admin, "Juzgado de Tumbes", "court", "secretario", "court_clerk").await;
    let services = server.token("cem", USER_PASSWORD).await;
    let victims = [victim(server, &services, "41234567").await, victim(server, &services, "42345678").await];
    let (cookie, csrf) = session(server, "fiscal").await;
    let court = server.institution_id(&admin, "Juzgado de Tumbes").await;
    let opened = post_form(
        server,
        "/cases",
        &cookie,
        format!(
            "prosecutor_file=FPT-2025-0042&jurisdiction=Tumbes&reported_on=10%2F01%2F2025&offences=129-A\
             &defendants=Marco+Salas+Vera&court_id={court}&_csrf={csrf}"
        ),
    )
    .await;
    assert_eq!(opened.status(), 303, "a date typed 10/01/2025 is read: {}", opened.text().await.unwrap());
    let location = opened.headers()["location"].to_str().unwrap().to_string();
    let case_id: i64 = location.trim_start_matches("/cases/").split('?').next().unwrap().parse().unwrap();
    server.link_victims(&services, case_id, &[&victims[0], &victims[1]]).await;
    let case: Value = server.get(&format!("/api/v1/cases/{case_id}"), &services).await.json().await.unwrap();
    assert_eq!(case["history"][0]["on"], "2025-01-10", "{case}");
    let (cookie, _) = session(server, "secretario").await;
    let form = client()
        .get(server.url(&format!("/cases/{case_id}/judgment")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let defendant = form.split("name=\"convicted\" value=\"").nth(1).unwrap().split('"').next().unwrap();
    (case_id, defendant.to_string(), victims)
}

fn cell(code: &str, head: &str, amount: &str) -> String {
    format!("&amount%3A{code}%3A{head}={}", urlencode(amount))
}

/// A form value, percent-encoded (the test crate has no URL encoder of its own).
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            b' ' => "+".to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

async fn a_judgment_typed_as_the_pages_show_keeps_every_amount_after_an_error(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let (case_id, defendant, [first, second]) = case_with_two_victims(&server).await;
    let (cookie, csrf) = session(&server, "secretario").await;
    let form = |wages: &str| {
        format!(
            "judged_on=02%2F02%2F2026&court=Juzgado+Penal+de+Tumbes&final_on=2026-03-03&convicted={defendant}{}{}{}{}&_csrf={csrf}",
            cell(&first, "unpaid_wages", wages),
            cell(&first, "moral_damage", "S/ 3,000.00"),
            cell(&second, "moral_damage", "5000"),
            cell(&second, "rehabilitation", "2,500.50"),
        )
    };
    // Spain's `4.500,00` could be read two ways: refused, in Spanish, next to its cell.
    let refused = post_form(&server, &format!("/cases/{case_id}/judgment"), &cookie, form("4.500,00")).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap().replace("&#x2f;", "/");
    for typed in ["4.500,00", "S/ 3,000.00", "5000", "2,500.50", "Juzgado Penal de Tumbes", "2026-02-02"] {
        assert!(page.contains(&format!("value=\"{typed}\"")), "{typed} is kept: {page}");
    }
    assert!(page.contains("escriba el monto como S/ 1,250.50"), "a Spanish reason: {page}");
    assert!(page.contains(&format!("{first} · Salarios impagos")), "the cell is named by its labels: {page}");
    assert!(page.contains("aria-invalid=\"true\""), "the cell is marked: {page}");
    assert!(!page.contains("orders[0]"), "no API paths: {page}");
    assert!(!page.contains("is not a decimal"), "no English: {page}");

    // A field of the judgment itself is marked the same way.
    let no_court = form("4,500.00").replace("court=Juzgado+Penal+de+Tumbes", "court=");
    let refused = post_form(&server, &format!("/cases/{case_id}/judgment"), &cookie, no_court).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("aria-describedby=\"court-error\"") && page.contains("id=\"court-error\""),
        "{page}"
    );
    assert!(page.contains("Juzgado: no puede quedar vacío") || page.contains("Juzgado: debe"), "{page}");

    // The fixed form saves every order and every amount.
    let saved = post_form(&server, &format!("/cases/{case_id}/judgment"), &cookie, form("4,500.00")).await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    let location = saved.headers()["location"].to_str().unwrap();
    let id = location.trim_start_matches("/judgments/").split('?').next().unwrap();
    let clerk = server.token("secretario", USER_PASSWORD).await;
    let judgment: Value = server.get(&format!("/api/v1/judgments/{id}"), &clerk).await.json().await.unwrap();
    assert_eq!(judgment["judged_on"], "2026-02-02", "{judgment}");
    let mut items: Vec<(String, String, String)> = judgment["orders"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|order| {
            let victim = order["victim"].as_str().unwrap().to_string();
            order["items"].as_array().unwrap().iter().map(move |item| {
                (victim.clone(), item[0].as_str().unwrap().to_string(), item[1].as_str().unwrap().to_string())
            })
        })
        .collect();
    items.sort();
    let expected = vec![
        (first.clone(), "moral_damage".to_string(), "3000.00".to_string()),
        (first.clone(), "unpaid_wages".to_string(), "4500.00".to_string()),
        (second.clone(), "moral_damage".to_string(), "5000.00".to_string()),
        (second.clone(), "rehabilitation".to_string(), "2500.50".to_string()),
    ];
    assert_eq!(items, expected, "{judgment}");
}

async fn a_transfer_accepts_money_as_shown_and_refuses_spains_form_in_spanish(database: TestDatabase) {
    let server = TestServer::start(database).await;
    server.user_token("oficial", &["fund_officer"]).await;
    let (cookie, csrf) = session(&server, "oficial").await;
    let ledger = client().get(server.url("/ledger")).header("cookie", &cookie).send().await.unwrap();
    let page = ledger.text().await.unwrap();
    let id = page.split("name=\"id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let transfer = |amount: &str, memo: &str| {
        format!(
            "id={id}&debit_account=assets%3Abank%3Afund&credit_account=income%3Adonations&amount={}&memo={}&_csrf={csrf}",
            urlencode(amount),
            urlencode(memo)
        )
    };
    let refused = post_form(&server, "/ledger/transfers", &cookie, transfer("12.500,00", "Donación")).await;
    assert!(refused.status().is_client_error(), "{}", refused.status());
    let page = refused.text().await.unwrap().replace("&#x2f;", "/");
    assert!(page.contains("Monto: escriba el monto como S/ 1,250.50"), "the field by its label: {page}");
    assert!(page.contains("value=\"12.500,00\"") && page.contains("value=\"Donación\""), "kept: {page}");
    assert!(
        page.contains("value=\"income:donations\" selected")
            || page.contains("selected value=\"income:donations\"")
    );
    let saved = post_form(&server, "/ledger/transfers", &cookie, transfer("S/ 12,500.00", "Donación")).await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    let officer = server.token("oficial", USER_PASSWORD).await;
    let accounts: Value = server.get("/api/v1/ledger/accounts", &officer).await.json().await.unwrap();
    let fund =
        accounts["items"].as_array().unwrap().iter().find(|a| a["name"] == "assets:bank:fund").unwrap();
    assert_eq!(fund["posted"], "12500.00", "S/ 12,500.00 reached the books: {fund}");
}

async fn a_victim_and_an_asset_are_registered_with_dates_and_money_as_shown(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    member(&server, &admin, "CEM Tumbes", "ministry", "cem", "victim_services").await;
    member(&server, &admin, "PRONABI", "asset_agency", "bienes", "asset_manager").await;

    // A DNI of three digits is refused next to its field, in Spanish; what was typed stays.
    let (cookie, csrf) = session(&server, "cem").await;
    let victim = |number: &str| {
        format!(
            "given_names=Rosa&surnames=Quispe&document_type=dni&document_number={number}&birth_date=12%2F04%2F1990\
             &sex=female&nationality=PE&consent=true&_csrf={csrf}"
        )
    };
    let refused = post_form(&server, "/victims", &cookie, victim("123")).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("un DNI tiene exactamente 8 dígitos"), "{page}");
    assert!(page.contains("value=\"Quispe\"") && page.contains("value=\"1990-04-12\""), "kept: {page}");
    let registered = post_form(&server, "/victims", &cookie, victim("41234567")).await;
    assert_eq!(registered.status(), 303, "{}", registered.text().await.unwrap());
    let code = registered.headers()["location"].to_str().unwrap().trim_start_matches("/victims/").to_string();
    let code = code.split('?').next().unwrap();
    let services = server.token("cem", USER_PASSWORD).await;
    let shown: Value = server.get(&format!("/api/v1/victims/{code}"), &services).await.json().await.unwrap();
    assert!(shown.to_string().contains("1990-04-12"), "12/04/1990 is the 12th of April: {shown}");

    // An asset valued as the pages write money, seized on a day typed day first.
    let (cookie, csrf) = session(&server, "bienes").await;
    let asset = |value: &str| {
        format!(
            "kind=vehicle&description=Camioneta+Toyota+Hilux&estimated_value={}&seized_on=15%2F03%2F2026\
             &document=Resoluci%C3%B3n+de+incautaci%C3%B3n+7&_csrf={csrf}",
            urlencode(value)
        )
    };
    let refused = post_form(&server, "/assets", &cookie, asset("28.500,00")).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap().replace("&#x2f;", "/");
    assert!(page.contains("escriba el monto como S/ 1,250.50"), "{page}");
    assert!(page.contains("value=\"28.500,00\"") && page.contains("Camioneta Toyota Hilux"), "kept: {page}");
    let saved = post_form(&server, "/assets", &cookie, asset("S/ 28,500.00")).await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    let id = saved.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/assets/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let manager = server.token("bienes", USER_PASSWORD).await;
    let shown: Value = server.get(&format!("/api/v1/assets/{id}"), &manager).await.json().await.unwrap();
    let text = shown.to_string();
    assert!(text.contains("\"28500.00\"") && text.contains("2026-03-15"), "{shown}");
}
