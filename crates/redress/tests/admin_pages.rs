//! The first day in the pages, on both engines: the administrator's checklist on the home
//! page, the fund's details page (errors next to their fields, what was typed kept, nothing
//! changed), what the treasurer's home says is missing, and the user administration pages
//! (one-time password shown once, refusals keep the choices, CSRF required).

mod common;

use common::{TestServer, USER_PASSWORD};
use redress_domain::payments::cci_with_check_digits;
use redress_store::testing::TestDatabase;

on_both_engines!(
    the_admin_sets_the_fund_up_from_the_checklist,
    the_admin_manages_a_user_in_the_pages,
    a_first_day_over_plain_http_completes_the_checklist,
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn session(server: &TestServer, username: &str, password: &str) -> (String, String) {
    let login = server.session(username, password).await;
    (
        format!("redress_session={}", login["token"].as_str().unwrap()),
        login["csrf_token"].as_str().unwrap().to_string(),
    )
}

async fn get(http: &reqwest::Client, server: &TestServer, path: &str, cookie: &str) -> String {
    let response = http.get(server.url(path)).header("cookie", cookie).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

async fn post(
    http: &reqwest::Client,
    server: &TestServer,
    path: &str,
    cookie: &str,
    body: &str,
) -> reqwest::Response {
    http.post(server.url(path))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

fn enc(text: &str) -> String {
    redress_web::pages::urlencode(text)
}

async fn the_admin_sets_the_fund_up_from_the_checklist(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let http = client();
    server.user_token("tesorera", &["treasurer"]).await;
    let (admin, csrf) = session(&server, "admin", &server.admin_password.clone()).await;
    let (treasurer, _) = session(&server, "tesorera", USER_PASSWORD).await;

    let home = get(&http, &server, "/", &admin).await;
    assert!(home.contains("id=\"checklist\""), "the admin's first-day checklist");
    assert!(home.contains("id=\"check-institutions\""));
    for item in ["users", "policy", "budget", "bank_account"] {
        assert!(home.contains(&format!("id=\"check-{item}\" data-done=\"false\"")), "{item} to do: {home}");
    }
    assert!(home.contains("href=\"/admin/fund\""));
    assert!(home.contains("Fiscalía"), "what each institution kind means, in Spanish");
    let home = get(&http, &server, "/", &treasurer).await;
    assert!(home.contains("id=\"missing-bank_account\""), "the treasurer is told before any bank file");

    // A bad account: the error is next to its field, what was typed stays, nothing changes.
    let before = server.audit_length().await;
    let bad = format!("name={}&bank_account=0021-93&tax_id=20131370645&_csrf={csrf}", enc("Fondo Especial"));
    let refused = post(&http, &server, "/admin/fund", &admin, &bad).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("aria-invalid=\"true\" aria-describedby=\"fund-bank_account-error"), "{page}");
    assert!(page.contains("value=\"0021-93\"") && page.contains("value=\"Fondo Especial\""), "kept");
    assert_eq!(server.audit_length().await, before);
    let forged = post(&http, &server, "/admin/fund", &admin, "name=X&bank_account=").await;
    assert_eq!(forged.status(), 403, "CSRF");

    let account = cci_with_check_digits("002193005555555555").unwrap();
    let good =
        format!("name={}&bank_account={account}&bank_bic=BCPLPEPL&_csrf={csrf}", enc("Fondo Especial"));
    let saved = post(&http, &server, "/admin/fund", &admin, &good).await;
    assert_eq!(saved.status(), 303);
    assert_eq!(server.audit_length().await, before + 1);
    let page = get(&http, &server, "/admin/fund?notice=fund-saved", &admin).await;
    assert!(page.contains(&account) && page.contains("Datos del fondo guardados"));
    let home = get(&http, &server, "/", &admin).await;
    assert!(home.contains("id=\"check-bank_account\" data-done=\"true\""));
    assert!(home.contains("id=\"check-users\" data-done=\"false\""), "no officer or victim services yet");
    let home = get(&http, &server, "/", &treasurer).await;
    assert!(!home.contains("id=\"missing-bank_account\"") && home.contains("id=\"missing-budget\""));
}

async fn the_admin_manages_a_user_in_the_pages(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let http = client();
    server.user_token("ana", &["analyst"]).await;
    let (admin, csrf) = session(&server, "admin", &server.admin_password.clone()).await;
    let list = get(&http, &server, "/admin/users", &admin).await;
    let id: i64 = list
        .split("href=\"/admin/users/")
        .find(|s| s.contains(">ana<"))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let admin_id: i64 = list
        .split("href=\"/admin/users/")
        .find(|s| s.contains(">admin<"))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let page = get(&http, &server, &format!("/admin/users/{id}"), &admin).await;
    assert!(page.contains("Analista") && page.contains("Activo"));

    // A refused new user keeps what was typed and ticked (never the password).
    let refused = post(
        &http,
        &server,
        "/admin/users",
        &admin,
        &format!("username=nuevo&institution=1&roles=treasurer&roles=auditor&password=corta&_csrf={csrf}"),
    )
    .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("value=\"nuevo\"") && page.contains("<option value=\"1\" selected>"), "{page}");
    assert!(page.contains("value=\"treasurer\" checked") && page.contains("value=\"auditor\" checked"));
    assert!(page.contains("aria-describedby=\"password-error\"") && !page.contains("corta"));

    // Resetting shows the one-time password on this answer only, never cached.
    let reset =
        post(&http, &server, &format!("/admin/users/{id}/reset-password"), &admin, &format!("_csrf={csrf}"))
            .await;
    assert_eq!(reset.status(), 200);
    assert_eq!(reset.headers()["cache-control"], "no-store");
    let page = reset.text().await.unwrap();
    let one_time =
        page.split("id=\"one-time-password\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert!(page.contains("debe cambiar su contraseña"));
    let session = server.session("ana", &one_time).await;
    assert_eq!(session["user"]["must_change_password"], true);
    assert!(
        !get(&http, &server, &format!("/admin/users/{id}"), &admin).await.contains(&one_time),
        "shown once"
    );

    // Taking away one's own admin role is refused, with the boxes as they were ticked.
    let own = post(
        &http,
        &server,
        &format!("/admin/users/{admin_id}/roles"),
        &admin,
        &format!("roles=auditor&_csrf={csrf}"),
    )
    .await;
    assert_eq!(own.status(), 403);
    let page = own.text().await.unwrap();
    assert!(page.contains("id=\"problem\"") && page.contains("value=\"auditor\" checked"), "{page}");
    assert!(!page.contains("value=\"admin\" checked"));

    let roles = post(
        &http,
        &server,
        &format!("/admin/users/{id}/roles"),
        &admin,
        &format!("roles=analyst&roles=auditor&_csrf={csrf}"),
    )
    .await;
    assert_eq!(roles.status(), 303);
    let bad = post(
        &http,
        &server,
        &format!("/admin/users/{id}/institution"),
        &admin,
        &format!("institution_id=999&_csrf={csrf}"),
    )
    .await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("id=\"institution-error\""));
    for _ in 0..5 {
        assert_eq!(server.login("ana", "not-her-password").await.status(), 401);
    }
    assert!(get(&http, &server, &format!("/admin/users/{id}"), &admin).await.contains("id=\"locked\""));
    for action in ["deactivate", "reactivate", "unlock"] {
        let done =
            post(&http, &server, &format!("/admin/users/{id}/{action}"), &admin, &format!("_csrf={csrf}"))
                .await;
        assert_eq!(done.status(), 303, "{action}");
    }
    let forged = post(&http, &server, &format!("/admin/users/{id}/deactivate"), &admin, "").await;
    assert_eq!(forged.status(), 403);
    let page = get(&http, &server, &format!("/admin/users/{id}?notice=user-unlocked"), &admin).await;
    assert!(page.contains("Usuario desbloqueado") && page.contains("Auditoría") && page.contains("Activo"));
    assert!(!page.contains("id=\"locked\""), "unlocked");
    let me = session_roles(&server, &one_time).await;
    assert!(me.is_empty() || me.contains(&"auditor".to_string()));
}

/// A user's roles after logging in (empty when the login is refused).
async fn session_roles(server: &TestServer, password: &str) -> Vec<String> {
    let response = server.login("ana", password).await;
    if response.status() != 200 {
        return Vec::new();
    }
    let body: serde_json::Value = response.json().await.unwrap();
    body["user"]["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect()
}

/// From an empty start, on an office network (`http://servidor:8080`): the administrator logs
/// in through the form (the cookie is not `Secure`), sets the fund up and creates the people
/// in the pages, the officer records the opening budget, the administrator publishes the
/// policy, and every checklist item is done; the treasurer's home says nothing is missing.
async fn a_first_day_over_plain_http_completes_the_checklist(database: TestDatabase) {
    let server = TestServer::start_with(database, |settings| {
        settings.server.public_url = Some("http://servidor:8080".into());
    })
    .await;
    let http = client();
    let login = format!("username=admin&password={}&next=%2F", enc(&server.admin_password.clone()));
    let answer = http
        .post(server.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(login)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303);
    let cookie_header = answer.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(!cookie_header.contains("Secure"), "plain http on the office network: {cookie_header}");
    let admin = cookie_header.split(';').next().unwrap().to_string();
    let home = get(&http, &server, "/", &admin).await;
    let csrf = home.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();

    let account = cci_with_check_digits("002193003333333333").unwrap();
    let fund =
        format!("name={}&bank_account={account}&tax_id=20131370645&_csrf={csrf}", enc("Fondo Especial"));
    assert_eq!(post(&http, &server, "/admin/fund", &admin, &fund).await.status(), 303);
    for (name, kind) in [("CEM Lima", "ministry"), ("Unidad del Fondo", "fund_unit")] {
        let body = format!("name={}&kind={kind}&_csrf={csrf}", enc(name));
        assert_eq!(post(&http, &server, "/admin/institutions", &admin, &body).await.status(), 303);
    }
    let list = get(&http, &server, "/admin/users", &admin).await;
    let institution = |name: &str| {
        list.split("<option value=\"")
            .find(|o| o.contains(&format!(">{name}<")))
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string()
    };
    for (user, role, at) in [
        ("cem", "victim_services", "CEM Lima"),
        ("oficial", "fund_officer", "Unidad del Fondo"),
        ("tesorera", "treasurer", "Unidad del Fondo"),
    ] {
        let body = format!(
            "username={user}&institution={}&roles={role}&password={}&_csrf={csrf}",
            institution(at),
            enc(USER_PASSWORD)
        );
        assert_eq!(post(&http, &server, "/admin/users", &admin, &body).await.status(), 303, "{user}");
    }

    let officer = server.token("oficial", USER_PASSWORD).await;
    let budget = serde_json::json!({"id": "0f6a1e2d-3c4b-4a59-8e7f-112233445566", "debit_account": "assets:bank:fund",
        "credit_account": "income:budget", "amount": "50000.00", "currency": "PEN"});
    assert_eq!(server.post("/api/v1/ledger/transfers", &officer, budget).await.status(), 201);
    let token = server.admin_token().await;
    let policy: serde_json::Value = server.get("/api/v1/policy", &token).await.json().await.unwrap();
    let published = server.post("/api/v1/policy/versions", &token, policy["policy"].clone()).await;
    assert!(published.status().is_success(), "{}", published.text().await.unwrap());

    let home = get(&http, &server, "/", &admin).await;
    for item in ["institutions", "users", "policy", "budget", "bank_account"] {
        assert!(home.contains(&format!("id=\"check-{item}\" data-done=\"true\"")), "{item} done");
    }
    let (treasurer, _) = session(&server, "tesorera", USER_PASSWORD).await;
    let home = get(&http, &server, "/", &treasurer).await;
    assert!(home.contains("id=\"readiness\"") && !home.contains("id=\"missing-"), "nothing missing");
}
