//! Seized assets end to end, on both engines: the three paths of the issue with the fund's and
//! escrow's balances after each step, and refused moves that write and move nothing.

mod common;

use std::collections::HashMap;

use common::{expect_problem, problem_fields, TestServer};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    an_early_sale_then_confiscation_brings_the_proceeds_to_the_fund,
    a_confiscation_then_auction_brings_the_price_to_the_fund,
    an_early_sale_then_return_pays_the_escrow_back,
    refused_moves_write_nothing_and_move_no_money,
    the_public_feed_shows_assets_and_money_without_personal_data,
    valuations_rent_arrears_and_custody_costs_are_kept,
    the_pipeline_shows_what_the_fund_can_count_on,
);

struct Setup {
    server: TestServer,
    manager: String,
    officer: String,
}

async fn setup(database: TestDatabase) -> Setup {
    let server = TestServer::start(database).await;
    let manager = server.user_token("pronabi", &["asset_manager"]).await;
    let officer = server.user_token("oficial", &["fund_officer"]).await;
    Setup { server, manager, officer }
}

/// Seized money belongs to a case: a prosecutor opens one for it.
async fn money_case(s: &Setup) -> i64 {
    let prosecutor = s.server.user_token(&format!("fiscal{}", rand_suffix()), &["prosecutor"]).await;
    let body = json!({"prosecutor_file": format!("FPT-CASH-{}", rand_suffix()), "jurisdiction": "Tumbes",
        "offences": ["129-A"], "reported_on": "2025-01-02", "defendants": ["Juan Pérez Salas"]});
    let case: Value = s.server.post("/api/v1/cases", &prosecutor, body).await.json().await.unwrap();
    case["id"].as_i64().unwrap()
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::SeqCst).to_string()
}

async fn register(s: &Setup, kind: &str) -> i64 {
    let mut body = json!({"kind": kind, "description": "Camioneta Toyota Hilux 2019", "identifiers": "Placa ABC-123",
        "location": "Depósito PRONABI, Tumbes", "region": "Tumbes", "custodian": "PRONABI", "seized_on": "2025-01-10",
        "document": "Resolución de incautación 12-2025"});
    if matches!(kind, "cash" | "bank_balance") {
        body["case_id"] = json!(money_case(s).await);
    }
    let response = s.server.post("/api/v1/assets", &s.manager, body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn step(s: &Setup, id: i64, body: Value) -> Value {
    let response = s.server.post(&format!("/api/v1/assets/{id}/moves"), &s.manager, body.clone()).await;
    assert_eq!(response.status(), 200, "{body}");
    response.json().await.unwrap()
}

fn to(state: &str, date: &str) -> Value {
    json!({"to": state, "date": date, "document": format!("Resolución {state}")})
}

/// Account name → posted balance.
async fn balances(s: &Setup) -> HashMap<String, String> {
    let accounts: Value = s.server.get("/api/v1/ledger/accounts", &s.officer).await.json().await.unwrap();
    accounts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap().to_string(), a["posted"].as_str().unwrap().to_string()))
        .collect()
}

async fn an_early_sale_then_confiscation_brings_the_proceeds_to_the_fund(database: TestDatabase) {
    let s = setup(database).await;
    let id = register(&s, "vehicle").await;
    step(&s, id, to("in_custody", "2025-01-12")).await;
    step(&s, id, to("sale_authorised", "2025-03-01")).await;
    let mut sale = to("sold_early", "2025-04-01");
    sale["amount"] = json!("30000.00");
    sale["costs"] = json!("1500.00");
    let sold = step(&s, id, sale).await;
    assert_eq!(sold["escrow"], "28500.00");
    let b = balances(&s).await;
    assert_eq!(b["assets:bank:escrow"], "28500.00");
    assert_eq!(b[&format!("liabilities:escrow:asset/{id}")], "28500.00");
    assert_eq!(b["assets:bank:fund"], "0.00");

    let released = step(&s, id, to("released", "2026-05-01")).await;
    assert_eq!(released["state"], "released");
    assert_eq!(released["escrow"], "0.00");
    // The price in, the sale costs out of escrow, then the release: escrow → income, escrow → fund.
    assert_eq!(released["money"].as_array().unwrap().len(), 4, "{released}");
    let asset_id = id.to_string();
    assert!(released["money"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["references"]["asset"].as_str() == Some(asset_id.as_str())));
    let b = balances(&s).await;
    assert_eq!(b["assets:bank:fund"], "28500.00");
    assert_eq!(b["assets:bank:escrow"], "0.00");
    assert_eq!(b["income:confiscations"], "28500.00");
    assert_eq!(b[&format!("liabilities:escrow:asset/{id}")], "0.00");

    let twice = expect_problem(
        s.server.post(&format!("/api/v1/assets/{id}/moves"), &s.manager, to("released", "2026-05-02")).await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&twice), vec!["to"]);
    assert_eq!(balances(&s).await["assets:bank:fund"], "28500.00", "released once");
}

async fn a_confiscation_then_auction_brings_the_price_to_the_fund(database: TestDatabase) {
    let s = setup(database).await;
    let id = register(&s, "real_estate").await;
    step(&s, id, to("in_custody", "2025-01-12")).await;
    step(&s, id, to("leased", "2025-02-01")).await;
    step(&s, id, to("in_custody", "2025-08-01")).await;
    let confiscated = step(&s, id, to("confiscated", "2026-01-15")).await;
    assert_eq!(balances(&s).await["assets:bank:fund"], "0.00", "confiscation alone moves no money");
    assert_eq!(confiscated["money"].as_array().unwrap().len(), 0);
    let mut auction = to("sold", "2026-06-20");
    auction["amount"] = json!("120000.00");
    auction["costs"] = json!("5000.00");
    auction["currency"] = json!("PEN");
    let sold = step(&s, id, auction).await;
    assert_eq!(sold["moves"].as_array().unwrap().len(), 6);
    let b = balances(&s).await;
    assert_eq!(b["assets:bank:fund"], "115000.00");
    assert_eq!(b["income:confiscations"], "120000.00", "the gross price is income");
    assert_eq!(b["expenses:asset-sales"], "5000.00", "the sale's costs are in the ledger");
    assert_eq!(b["assets:bank:escrow"], "0.00");
}

async fn an_early_sale_then_return_pays_the_escrow_back(database: TestDatabase) {
    let s = setup(database).await;
    let id = register(&s, "valuables").await;
    step(&s, id, to("in_custody", "2025-01-12")).await;
    step(&s, id, to("sale_authorised", "2025-03-01")).await;
    let mut sale = to("sold_early", "2025-04-01");
    sale["amount"] = json!("10000.00");
    step(&s, id, sale).await;
    assert_eq!(balances(&s).await["assets:bank:escrow"], "10000.00");
    let returned = step(&s, id, to("returned", "2026-02-01")).await;
    assert_eq!(returned["state"], "returned");
    let b = balances(&s).await;
    assert_eq!(b["assets:bank:escrow"], "0.00");
    assert_eq!(b["assets:bank:fund"], "0.00");
    assert_eq!(b["income:confiscations"], "0.00");
    let again = expect_problem(
        s.server
            .post(&format!("/api/v1/assets/{id}/moves"), &s.manager, to("confiscated", "2026-03-01"))
            .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&again), vec!["to"]);
}

async fn refused_moves_write_nothing_and_move_no_money(database: TestDatabase) {
    let s = setup(database).await;
    let id = register(&s, "vehicle").await;
    step(&s, id, to("in_custody", "2025-01-12")).await;
    let before = (s.server.audit_length().await, balances(&s).await);
    let path = format!("/api/v1/assets/{id}/moves");
    let with = |base: Value, changes: Value| {
        let mut body = base;
        for (key, value) in changes.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let cases = vec![
        (with(to("sold_early", "2025-04-01"), json!({"amount": "100.00"})), vec!["to"]),
        (with(to("confiscated", "2025-04-01"), json!({"amount": "100.00"})), vec!["amount"]),
        (to("teleported", "2025-04-01"), vec!["to"]),
        (to("confiscated", "2999-01-01"), vec!["date"]),
        (to("confiscated", "2025-01-01"), vec!["date"]),
        (with(to("confiscated", "2025-04-01"), json!({"document": " "})), vec!["document"]),
    ];
    for (body, fields) in cases {
        let problem = expect_problem(s.server.post(&path, &s.manager, body.clone()).await, 422).await;
        assert_eq!(problem_fields(&problem), fields, "{body}");
    }
    step(&s, id, to("sale_authorised", "2025-03-01")).await;
    let after_authorisation = (s.server.audit_length().await, balances(&s).await);
    assert_eq!(after_authorisation.1, before.1);
    let sale =
        |changes: Value| with(with(to("sold_early", "2025-04-01"), json!({"amount": "500.00"})), changes);
    for (body, fields) in [
        (sale(json!({"currency": "USD"})), vec!["currency"]),
        (sale(json!({"costs": "-5.00"})), vec!["costs"]),
        (sale(json!({"costs": "600.00"})), vec!["costs"]),
        (sale(json!({"amount": "500.001"})), vec!["amount"]),
    ] {
        let problem = expect_problem(s.server.post(&path, &s.manager, body.clone()).await, 422).await;
        assert_eq!(problem_fields(&problem), fields, "{body}");
    }
    assert_eq!(
        (s.server.audit_length().await, balances(&s).await),
        after_authorisation,
        "refused moves changed something"
    );
    expect_problem(s.server.post(&path, &s.officer, to("in_custody", "2025-04-01")).await, 403).await;
    let view: Value = s.server.get(&format!("/api/v1/assets/{id}"), &s.officer).await.json().await.unwrap();
    assert_eq!(view["state"], "sale_authorised");
}

async fn the_public_feed_shows_assets_and_money_without_personal_data(database: TestDatabase) {
    let s = setup(database).await;
    let prosecutor = s.server.user_token("fiscal", &["prosecutor"]).await;
    let case: Value = s
        .server
        .post(
            "/api/v1/cases",
            &prosecutor,
            json!({"prosecutor_file": "FPT-2025-0777", "jurisdiction": "Tumbes",
            "offences": ["129-A"], "reported_on": "2025-01-02", "defendants": ["Juan Pérez Salas"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"kind": "vehicle", "description": "Camioneta de Juan Pérez Salas", "identifiers": "Placa ABC-123",
        "location": "Jr. Los Olivos 123, Tumbes", "region": "Tumbes", "custodian": "Depósito Norte", "case_id": case["id"],
        "agency_reference": "PRONABI-7788", "seized_on": "2025-01-10", "document": "Resolución 1"});
    let id = s.server.post("/api/v1/assets", &s.manager, body).await.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    step(&s, id, to("in_custody", "2025-01-12")).await;
    step(&s, id, to("confiscated", "2026-01-15")).await;
    let mut auction = to("sold", "2026-06-20");
    auction["amount"] = json!("120000.00");
    auction["costs"] = json!("5000.00");
    step(&s, id, auction).await;
    // Not published: an asset still in custody.
    register(&s, "cash").await;

    let client = &s.server.client;
    let feed: Value =
        client.get(s.server.url("/public/assets.json")).send().await.unwrap().json().await.unwrap();
    let assets = feed["assets"].as_array().unwrap();
    assert_eq!(assets.len(), 1);
    assert_eq!(assets[0]["kind"], "vehicle");
    assert_eq!(assets[0]["region"], "Tumbes");
    assert_eq!(assets[0]["state"], "sold");
    assert_eq!(assets[0]["confiscated_on"], "2026-01-15");
    assert_eq!(assets[0]["sale_amount"], "120000.00");
    let csv = client.get(s.server.url("/public/assets.csv")).send().await.unwrap().text().await.unwrap();
    let page = client.get(s.server.url("/public")).send().await.unwrap();
    let kind = page.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("text/html"), "{kind}: {:?}", page.text().await);
    let page = client.get(s.server.url("/public")).send().await.unwrap();
    let page = page.text().await.unwrap().replace("&#x2f;", "/");
    assert!(page.contains("Transparencia del Fondo") && page.contains("S/ 120,000.00"), "{page}");
    assert!(page.contains("<td>vehículo</td>") && page.contains("<td>subastado</td>"), "{page}");
    assert!(page.contains("15/01/2026") && page.contains("jun. 2026"), "{page}");
    assert!(
        page.contains("/static/redress.css") && !page.contains("style="),
        "styled by the stylesheet only"
    );
    // The language switch is a link (a form would need a session's CSRF token, and the page is
    // the same for everyone): the English page, and back.
    assert!(page.contains("href=\"/public?lang=en\""), "the language switch: {page}");
    let by_link = client.get(s.server.url("/public?lang=en")).send().await.unwrap().text().await.unwrap();
    assert!(
        by_link.contains("Reparations Fund transparency") && by_link.contains("href=\"/public?lang=es\"")
    );
    let english = client.get(s.server.url("/public")).header("accept-language", "en").send().await.unwrap();
    let english = english.text().await.unwrap().replace("&#x2f;", "/");
    assert!(
        english.contains("Reparations Fund transparency") && english.contains("PEN 120,000.00"),
        "{english}"
    );
    assert!(english.contains("<td>vehicle</td>") && english.contains("Jun 2026"), "{english}");
    assert!(!english.contains("Transparencia del Fondo"));
    let cookie =
        client.get(s.server.url("/public")).header("cookie", "redress_lang=en").send().await.unwrap();
    assert!(cookie.text().await.unwrap().contains("Reparations Fund transparency"));
    // Every table's downloads, as linked from the page, parse.
    for download in [
        "public-assets-csv",
        "public-assets-json",
        "public-flows-csv",
        "public-flows-json",
        "public-money-csv",
        "public-money-json",
    ] {
        let link = page.split(&format!("id=\"{download}\"")).next().unwrap();
        let href = link.rsplit("href=\"").next().unwrap().split('"').next().unwrap().replace("&#x2f;", "/");
        let response = client.get(s.server.url(&href)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{href}");
        let text = response.text().await.unwrap();
        if href.ends_with(".json") {
            serde_json::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{href}: {e}"));
        } else {
            let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
            assert!(rows.len() > 1 && rows.iter().all(|r| r.len() == rows[0].len()), "{href}: {text}");
        }
    }
    // Rendered for an anonymous reader whatever the session (it is cached for everyone).
    let with_session = client
        .get(s.server.url("/public?after=0"))
        .header("cookie", format!("redress_session={}", s.manager))
        .send()
        .await
        .unwrap();
    let with_session = with_session.text().await.unwrap();
    assert!(with_session.contains("Transparencia del Fondo"), "{with_session}");
    assert!(!with_session.contains("_csrf") && !with_session.contains("/logout"), "{with_session}");
    // The money by source and by use, as the ledger has it: the sale's price in, its costs out.
    let money: Value =
        client.get(s.server.url("/public/money.json")).send().await.unwrap().json().await.unwrap();
    let sum = |rows: &Value| -> f64 {
        rows.as_array().unwrap().iter().map(|a| a["amount"].as_str().unwrap().parse::<f64>().unwrap()).sum()
    };
    assert_eq!((sum(&money["sources"]), sum(&money["uses"])), (120000.0, 5000.0), "{money}");
    assert_eq!(
        (money["paid_claims_total"].as_u64(), money["paid_to_victims"].as_str()),
        (Some(0), Some("0.00"))
    );
    assert!(page.contains("id=\"public-sources-table\"") && page.contains("S/ 5,000.00"), "{page}");
    assert!(english.contains("By source") && english.contains("PEN 5,000.00"), "{english}");
    let money_csv = client.get(s.server.url("/public/money.csv")).send().await.unwrap().text().await.unwrap();
    assert!(money_csv.contains(",,5000.00,PEN\r\n"), "{money_csv}");
    assert!(money_csv.ends_with("paid_to_victims,,,0.00,PEN\r\n"), "{money_csv}");
    let flows_csv =
        client.get(s.server.url("/public/fund-flows.csv")).send().await.unwrap().text().await.unwrap();
    assert!(flows_csv.starts_with("month,currency,inflows,outflows\r\n"), "{flows_csv}");
    assert!(flows_csv.contains("2026-06,PEN,120000.00,5000.00\r\n"), "{flows_csv}");
    let flows: Value =
        client.get(s.server.url("/public/fund-flows.json")).send().await.unwrap().json().await.unwrap();
    let months = flows["months"].as_array().unwrap();
    assert_eq!(months.len(), 24);
    // Dated when the money moved (the sale in June), not when it was entered; the gross price
    // comes in and the sale's costs go out.
    let june = months.iter().find(|m| m["month"] == "2026-06").unwrap();
    assert_eq!(
        (june["inflows"].as_str(), june["outflows"].as_str()),
        (Some("120000.00"), Some("5000.00")),
        "{flows}"
    );
    for published in
        [feed.to_string(), csv, page, english, flows_csv, flows.to_string(), money_csv, money.to_string()]
    {
        for private in [
            "Pérez",
            "Juan",
            "ABC-123",
            "Olivos",
            "FPT-2025-0777",
            "PRONABI-7788",
            "Depósito Norte",
            "Resolución",
        ] {
            assert!(!published.contains(private), "{private:?} is published");
        }
    }
}

async fn valuations_rent_arrears_and_custody_costs_are_kept(database: TestDatabase) {
    let s = setup(database).await;
    let id = register(&s, "real_estate").await;
    let base = format!("/api/v1/assets/{id}");
    let valued: Value = s
        .server
        .post(
            &format!("{base}/valuations"),
            &s.manager,
            json!({"valued_on": "2025-02-01", "amount": "250000.00", "basis": "Tasación CONATA 55"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(valued["estimated_value"], "250000.00");
    assert_eq!(valued["valuations"][0]["basis"], "Tasación CONATA 55");
    // A lease of 1,000.00 a month over three months: 3,000.00 expected.
    let leased: Value = s
        .server
        .post(
            &format!("{base}/leases"),
            &s.manager,
            json!({"monthly_rent": "1000.00", "starts_on": "2025-03-01", "ends_on": "2025-05-20"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(leased["rent_expected"], "3000.00");
    assert_eq!(leased["rent_arrears"], "3000.00");
    let paid: Value = s
        .server
        .post(&format!("{base}/rent"), &s.manager, json!({"amount": "2000.00", "date": "2025-04-02"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paid["rent_received"], "2000.00");
    assert_eq!(paid["rent_arrears"], "1000.00");
    // The asset is only seized: its rent waits in escrow, it is not the fund's to spend.
    let b = balances(&s).await;
    assert_eq!(b["assets:bank:escrow"], "2000.00");
    assert_eq!(b[&format!("liabilities:escrow:rent/{id}")], "2000.00");
    assert_eq!(b["assets:bank:fund"], "0.00");
    assert_eq!(b["income:leases"], "0.00");
    // The fund gets a budget transfer to pay custody from.
    let budget = json!({"id": "7f1c2a9e-0b4d-4c1e-9a57-3d2f8e6b1c00", "debit_account": "assets:bank:fund",
        "credit_account": "income:budget", "amount": "2000.00", "currency": "PEN", "memo": "Presupuesto"});
    assert_eq!(s.server.post("/api/v1/ledger/transfers", &s.officer, budget).await.status(), 201);
    // Custody is paid from the fund: more than it holds is refused, and nothing moves.
    let too_much = expect_problem(
        s.server
            .post(
                &format!("{base}/custody-costs"),
                &s.manager,
                json!({"amount": "2500.00", "date": "2025-04-03"}),
            )
            .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&too_much), vec!["amount"]);
    let costs: Value = s
        .server
        .post(
            &format!("{base}/custody-costs"),
            &s.manager,
            json!({"amount": "300.00", "date": "2025-04-03", "memo": "Vigilancia"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(costs["custody_costs"], "300.00");
    let b = balances(&s).await;
    assert_eq!(b["assets:bank:fund"], "1700.00");
    assert_eq!(b["expenses:custody"], "300.00");
    // Confiscation makes the rent held in escrow the fund's income.
    step(&s, id, to("in_custody", "2025-06-01")).await;
    step(&s, id, to("confiscated", "2026-01-15")).await;
    let b = balances(&s).await;
    assert_eq!(b["assets:bank:fund"], "3700.00");
    assert_eq!(b["income:leases"], "2000.00");
    assert_eq!(b["assets:bank:escrow"], "0.00");
    assert_eq!(b[&format!("liabilities:escrow:rent/{id}")], "0.00");
    for (path, body, field) in [
        ("valuations", json!({"valued_on": "2999-01-01", "amount": "1.00", "basis": "x"}), "valued_on"),
        ("leases", json!({"monthly_rent": "-1.00", "starts_on": "2025-01-01"}), "monthly_rent"),
        (
            "leases",
            json!({"monthly_rent": "1.00", "starts_on": "2025-05-01", "ends_on": "2025-04-01"}),
            "ends_on",
        ),
        ("rent", json!({"amount": "0", "date": "2025-01-01"}), "amount"),
    ] {
        let problem =
            expect_problem(s.server.post(&format!("{base}/{path}"), &s.manager, body).await, 422).await;
        assert_eq!(problem_fields(&problem), vec![field], "{path}");
    }
}

async fn the_pipeline_shows_what_the_fund_can_count_on(database: TestDatabase) {
    let s = setup(database).await;
    let early = register(&s, "vehicle").await;
    step(&s, early, to("in_custody", "2025-01-12")).await;
    step(&s, early, to("sale_authorised", "2025-03-01")).await;
    let mut sale = to("sold_early", "2025-04-01");
    sale["amount"] = json!("8000.00");
    step(&s, early, sale).await;
    let house = register(&s, "real_estate").await;
    step(&s, house, to("in_custody", "2025-01-12")).await;
    s.server
        .post(
            &format!("/api/v1/assets/{house}/valuations"),
            &s.manager,
            json!({"valued_on": "2025-02-01", "amount": "90000.00", "basis": "Tasación"}),
        )
        .await;
    step(&s, house, to("confiscated", "2026-01-15")).await;
    register(&s, "cash").await;
    let pipeline: Value = s.server.get("/api/v1/assets/pipeline", &s.officer).await.json().await.unwrap();
    let stage = |name: &str| {
        pipeline["stages"].as_array().unwrap().iter().find(|x| x["state"] == name).unwrap().clone()
    };
    assert_eq!(stage("sold_early")["assets"], 1);
    assert_eq!(stage("sold_early")["expected_inflow"], "8000.00");
    assert_eq!(stage("confiscated")["expected_inflow"], "90000.00");
    assert_eq!(stage("seized")["assets"], 1);
    assert!(stage("confiscated")["average_days_in_state"].as_i64().unwrap() > 0);
    assert_eq!(pipeline["expected_inflow"], "98000.00");
    let analyst = s.server.user_token("analista", &["analyst"]).await;
    expect_problem(s.server.get("/api/v1/assets/pipeline", &analyst).await, 403).await;
}

/// Anonymous traffic is limited per client address (`server.public_requests_per_minute`): a
/// client past its allowance gets 429 with Retry-After, and staff are not affected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_pages_are_limited_per_client() {
    let server = TestServer::start_with(TestDatabase::sqlite(), |settings| {
        settings.server.public_requests_per_minute = 5;
    })
    .await;
    let client = reqwest::Client::new();
    for path in ["/public", "/public/fund-flows.json", "/public/assets.json", "/public/assets.csv", "/public"]
    {
        let answer = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{path} within the allowance");
    }
    let refused = client.get(server.url("/public/fund-flows.json")).send().await.unwrap();
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_eq!(refused.headers()["content-type"], "application/problem+json");
    // A person at the public page gets the page's answer, in Spanish by default, not JSON.
    let page = client.get(server.url("/public")).send().await.unwrap();
    assert_eq!(page.status(), 429);
    assert!(page.headers().contains_key("retry-after"));
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("Demasiadas solicitudes") && html.contains("segundos"), "{html}");
    let admin = server.admin_token().await;
    assert_eq!(server.get("/api/v1/me", &admin).await.status(), 200, "staff are not limited");
}
