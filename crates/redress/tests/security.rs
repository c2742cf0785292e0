//! Security holes closed, each over HTTP against a real server on both engines: sessions that
//! stay alive while used, cross-site logins refused, HSTS and the session cookie decided by how
//! the server is reached, password strength, and request limits that agree with batch sizes.

mod common;

use common::{expect_problem, urlencode, TestServer};
use redress_store::testing::TestDatabase;
use serde_json::json;

async fn an_active_user_is_not_logged_out_by_a_short_idle_timeout(database: TestDatabase) {
    let server = TestServer::start_with(database, |s| s.security.session_idle_minutes = 1).await;
    let token = server.admin_token().await;
    // Active every 20 to 25 seconds: more than a minute in all, never a minute idle.
    for seconds in [20, 20, 25, 25] {
        server.clock.advance_seconds(seconds);
        assert_eq!(server.get("/api/v1/me", &token).await.status(), 200, "after {seconds} s more");
    }
    server.clock.advance_seconds(61);
    expect_problem(server.get("/api/v1/me", &token).await, 401).await;
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn form_login(server: &TestServer, http: &reqwest::Client) -> reqwest::RequestBuilder {
    http.post(server.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username=admin&password={}&next=/claims", urlencode(&server.admin_password)))
}

fn set_cookie(response: &reqwest::Response) -> Option<String> {
    response.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_string())
}

async fn a_login_posted_from_another_site_does_not_log_the_browser_in(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let http = no_redirects();
    let before = server.audit_length().await;
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "https://evil.example"),
    ] {
        let refused = form_login(&server, &http).header(name, value).send().await.unwrap();
        assert_eq!(refused.status(), 403, "{name}: {value}");
        assert!(set_cookie(&refused).is_none(), "no session cookie for {name}: {value}");
        assert!(refused.text().await.unwrap().contains("No se puede iniciar sesión desde otro sitio"));
        let api = http
            .post(server.url("/api/v1/session"))
            .header(name, value)
            .json(&json!({"username": "admin", "password": server.admin_password}))
            .send()
            .await
            .unwrap();
        assert!(set_cookie(&api).is_none());
        expect_problem(api, 403).await;
    }
    assert_eq!(server.audit_length().await, before, "no session was made");
    let own_origin = server.base.clone();
    let genuine =
        form_login(&server, &http).header("origin", own_origin).header("sec-fetch-site", "same-origin");
    let genuine = genuine.send().await.unwrap();
    assert_eq!(genuine.status(), 303);
    assert!(set_cookie(&genuine).unwrap().starts_with("redress_session="));
}

async fn a_login_whose_cookie_the_browser_dropped_says_why(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let http = no_redirects();
    let logged_in = form_login(&server, &http).send().await.unwrap();
    assert_eq!(logged_in.status(), 303);
    let check = logged_in.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(check, "/login?check=1&next=%2Fclaims");
    let cookie = set_cookie(&logged_in).unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    // The browser kept the cookie: on to the page asked for.
    let kept = http.get(server.url(&check)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(kept.status(), 303);
    assert_eq!(kept.headers()["location"], "/claims");
    // It did not, on plain http by another name: the page says why instead of looping.
    let dropped = http.get(server.url(&check)).header("host", "servidor:8080").send().await.unwrap();
    assert_eq!(dropped.status(), 200);
    let page = dropped.text().await.unwrap();
    assert!(page.contains("solo HTTPS") && page.contains("server.public_url"), "{page}");
    let english = http.get(server.url(&check)).header("accept-language", "en").send().await.unwrap();
    assert!(english.text().await.unwrap().contains("did not keep the session cookie"));
}

async fn the_session_cookie_and_hsts_follow_the_public_url_and_a_trusted_proxy(database: TestDatabase) {
    let server = TestServer::start_with(database, |s| {
        s.server.public_url = Some("http://servidor:8080".into());
        s.server.trust_forwarded_for = true;
    })
    .await;
    let login = |proto: Option<&'static str>| {
        let mut request = server
            .client
            .post(server.url("/api/v1/session"))
            .json(&json!({"username": "admin", "password": server.admin_password}));
        if let Some(proto) = proto {
            request = request.header("x-forwarded-proto", proto);
        }
        request.send()
    };
    let plain = login(None).await.unwrap();
    assert!(
        !set_cookie(&plain).unwrap().contains("Secure"),
        "an http public URL: the cookie must work on http"
    );
    assert!(plain.headers().get("strict-transport-security").is_none());
    let proxied = login(Some("https")).await.unwrap();
    assert!(set_cookie(&proxied).unwrap().contains("; Secure"));
    assert_eq!(proxied.headers()["strict-transport-security"], "max-age=31536000");
    let health =
        server.client.get(server.url("/healthz")).header("x-forwarded-proto", "https").send().await.unwrap();
    assert!(health.headers().get("strict-transport-security").is_some());
}

async fn without_a_public_url_the_cookie_stays_secure_and_no_hsts_is_sent(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let response = server.login("admin", &server.admin_password).await;
    assert!(set_cookie(&response).unwrap().contains("; Secure"));
    let forged =
        server.client.get(server.url("/healthz")).header("x-forwarded-proto", "https").send().await.unwrap();
    assert!(forged.headers().get("strict-transport-security").is_none(), "no proxy is trusted");
    let https = TestServer::start_with(TestDatabase::sqlite(), |s| {
        s.server.public_url = Some("https://fondo.example.pe".into())
    })
    .await;
    let health = https.client.get(https.url("/healthz")).send().await.unwrap();
    assert_eq!(health.headers()["strict-transport-security"], "max-age=31536000");
}

async fn guessable_passwords_are_refused_and_wrong_current_passwords_are_rate_limited(
    database: TestDatabase,
) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let before = server.audit_length().await;
    let weak = server
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "mquispe", "display_name": "María Quispe", "institution_id": 1,
                   "roles": ["analyst"], "password": "Password1234"}),
        )
        .await;
    let problem = expect_problem(weak, 422).await;
    assert_eq!(common::problem_fields(&problem), vec!["password"]);
    let personal = server
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "mquispe", "display_name": "María Quispe", "institution_id": 1,
                   "roles": ["analyst"], "password": "Quispe202620"}),
        )
        .await;
    expect_problem(personal, 422).await;
    assert_eq!(server.audit_length().await, before, "nothing was written");

    let token = server.user_token("mquispe", &["analyst"]).await;
    let change = |current: &str, new: &str| {
        server.client.put(server.url("/api/v1/me/password")).bearer_auth(&token).json(&json!({
            "current_password": current, "new_password": new
        }))
    };
    let weak_new = change(common::USER_PASSWORD, "Password1234").send().await.unwrap();
    assert_eq!(common::problem_fields(&expect_problem(weak_new, 422).await), vec!["new_password"]);
    let strong = "Otra-Clave-Segura-De-2027";
    for attempt in 1..=5 {
        let wrong = change("not-the-password-at-all", strong).send().await.unwrap();
        assert_eq!(expect_problem(wrong, 422).await["status"], 422, "attempt {attempt}");
    }
    // Limited now, even with the right current password; logins too.
    let limited = change(common::USER_PASSWORD, strong).send().await.unwrap();
    assert!(limited.headers().get("retry-after").is_some());
    expect_problem(limited, 429).await;
    expect_problem(server.login("mquispe", common::USER_PASSWORD).await, 429).await;
    server.clock.advance_seconds(16 * 60);
    let changed = change(common::USER_PASSWORD, strong).send().await.unwrap();
    assert_eq!(changed.status(), 204);
    assert_eq!(server.login("mquispe", strong).await.status(), 200);
}

async fn names_and_free_text_refuse_invisible_formatting_characters(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let officer = server.user_token("oficial", &["fund_officer"]).await;
    let before = server.audit_length().await;
    // A right-to-left override makes "Fiscalía" read backwards on a page; a zero-width space
    // makes two names that look alike differ.
    let institution = server
        .post(
            "/api/v1/institutions",
            &admin,
            json!({"name": "Fiscalía \u{202E}seb\u{202C} de Tumbes", "kind": "prosecutor"}),
        )
        .await;
    assert_eq!(common::problem_fields(&expect_problem(institution, 422).await), vec!["name"]);
    let user = server
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "nuevo", "display_name": "Ana\u{200B}Quispe", "institution_id": 1,
                   "roles": ["analyst"], "password": common::USER_PASSWORD}),
        )
        .await;
    let problem = expect_problem(user, 422).await;
    assert_eq!(common::problem_fields(&problem), vec!["display_name"]);
    assert!(problem.to_string().contains("U+200B"), "{problem}");
    let transfer = server
        .post(
            "/api/v1/ledger/transfers",
            &officer,
            json!({"id": "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f", "debit_account": "assets:bank:fund",
                   "credit_account": "income:budget", "amount": "10.00", "currency": "PEN",
                   "memo": "Presupuesto\u{2066} 2026"}),
        )
        .await;
    assert_eq!(common::problem_fields(&expect_problem(transfer, 422).await), vec!["memo"]);
    assert_eq!(server.audit_length().await, before, "nothing was written");
}

async fn the_largest_ledger_batch_fits_under_the_body_limit(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let officer = server.user_token("oficial", &["fund_officer"]).await;
    let batch_max = server.app.settings.ledger.batch_max;
    let transfers: Vec<serde_json::Value> = (0..batch_max)
        .map(|n| {
            json!({"id": uuid::Uuid::new_v4().to_string(), "debit_account": "assets:bank:fund",
                   "credit_account": "income:budget", "amount": "1250.50", "currency": "PEN",
                   "references": {"order": format!("{n}"), "batch": "2026-11"},
                   "memo": format!("Presupuesto 2026, partida {n}")})
        })
        .collect();
    let body = json!({ "transfers": transfers });
    let size = serde_json::to_vec(&body).unwrap().len();
    assert!(size > 1024 * 1024, "the batch is larger than the old 1 MiB limit ({size} bytes)");
    let response = server.post("/api/v1/ledger/transfers/batch", &officer, body).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let result: serde_json::Value = response.json().await.unwrap();
    assert_eq!(result["created"].as_u64(), Some(batch_max as u64));
}

on_both_engines!(
    an_active_user_is_not_logged_out_by_a_short_idle_timeout,
    a_login_posted_from_another_site_does_not_log_the_browser_in,
    a_login_whose_cookie_the_browser_dropped_says_why,
    the_session_cookie_and_hsts_follow_the_public_url_and_a_trusted_proxy,
    without_a_public_url_the_cookie_stays_secure_and_no_hsts_is_sent,
    guessable_passwords_are_refused_and_wrong_current_passwords_are_rate_limited,
    names_and_free_text_refuse_invisible_formatting_characters,
    the_largest_ledger_batch_fits_under_the_body_limit,
);
