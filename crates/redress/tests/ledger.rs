//! The fund ledger end to end, over HTTP, on both engines: idempotency, limits, holds, linked
//! batches, statements, balances as of an instant, FIFO tracing, exports checked by hledger and
//! ledger, the invariant check, and many concurrent clients.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::{expect_problem, problem_fields, TestServer};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    the_chart_of_accounts_exists_from_the_first_start,
    a_transfer_is_applied_once_whatever_the_retries,
    bad_transfers_are_refused_and_write_nothing,
    the_fund_cash_never_goes_negative,
    holds_are_posted_or_voided_exactly_once,
    expired_holds_release_their_money,
    a_linked_chain_succeeds_or_fails_whole,
    statements_carry_a_running_balance_and_balances_have_a_past,
    a_payment_is_traced_back_to_its_sources_first_in_first_out,
    the_journal_balances_in_hledger_and_ledger_as_in_redress,
    the_csv_export_has_one_row_per_transfer,
    the_invariant_check_catches_a_hand_edited_balance,
    many_concurrent_clients_never_overdraw_or_double_apply,
    a_mistake_is_corrected_by_a_reversal_once,
    the_ledger_page_lists_accounts_a_hundred_at_a_time,
);

fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A server, a fund officer's token and an auditor's token.
async fn start(database: TestDatabase) -> (TestServer, String, String) {
    let server = TestServer::start(database).await;
    let officer = server.user_token("oficial", &["fund_officer"]).await;
    let auditor = server.user_token("auditora", &["auditor"]).await;
    (server, officer, auditor)
}

async fn transfer(server: &TestServer, token: &str, body: Value) -> reqwest::Response {
    server.post("/api/v1/ledger/transfers", token, body).await
}

async fn move_money(server: &TestServer, token: &str, debit: &str, credit: &str, amount: &str) -> Value {
    let response =
        transfer(server, token, json!({"id": id(), "debit_account": debit, "credit_account": credit, "amount": amount, "currency": "PEN"}))
            .await;
    assert_eq!(response.status(), 201, "{debit} <- {credit} {amount}");
    response.json().await.unwrap()
}

/// Account name → (posted, pending) as the API shows them.
async fn balances(server: &TestServer, token: &str) -> HashMap<String, (String, String)> {
    let accounts: Value = server.get("/api/v1/ledger/accounts", token).await.json().await.unwrap();
    accounts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                (a["posted"].as_str().unwrap().to_string(), a["pending"].as_str().unwrap().to_string()),
            )
        })
        .collect()
}

async fn posted(server: &TestServer, token: &str, account: &str) -> String {
    balances(server, token).await[account].0.clone()
}

async fn the_chart_of_accounts_exists_from_the_first_start(database: TestDatabase) {
    let (server, officer, _) = start(database).await;
    let accounts = balances(&server, &officer).await;
    for name in [
        "assets:bank:fund",
        "assets:bank:escrow",
        "income:confiscations",
        "income:budget",
        "expenses:reparations",
        "equity:opening",
    ] {
        assert_eq!(accounts[name], ("0.00".to_string(), "0.00".to_string()), "{name}");
    }
    let listed: Value = server.get("/api/v1/ledger/accounts", &officer).await.json().await.unwrap();
    let fund =
        listed["items"].as_array().unwrap().iter().find(|a| a["name"] == "assets:bank:fund").unwrap().clone();
    assert_eq!(fund["currency"], "PEN");
    assert_eq!(fund["kind"], "asset");
    assert_eq!(fund["credits_must_not_exceed_debits"], true);
    // Idempotent: a second start creates nothing.
    assert_eq!(server.app.ensure_chart_of_accounts().await.unwrap(), 0);
}

async fn a_transfer_is_applied_once_whatever_the_retries(database: TestDatabase) {
    let (server, officer, _) = start(database).await;
    let body = json!({"id": id(), "debit_account": "assets:bank:fund", "credit_account": "income:budget",
        "amount": "1000.00", "currency": "PEN", "memo": "Transferencia presupuestal 2026", "references": {"case": "EXP-17"}});
    let first = transfer(&server, &officer, body.clone()).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["result"], "created");
    assert_eq!(first["transfer"]["amount"], "1000.00");
    assert_eq!(first["transfer"]["references"]["case"], "EXP-17");
    let audit_before = server.audit_length().await;
    for _ in 0..3 {
        let again = transfer(&server, &officer, body.clone()).await;
        assert_eq!(again.status(), 200);
        let again: Value = again.json().await.unwrap();
        assert_eq!(again["result"], "exists");
        assert_eq!(again["transfer"]["seq"], first["transfer"]["seq"]);
    }
    assert_eq!(posted(&server, &officer, "assets:bank:fund").await, "1000.00");
    assert_eq!(posted(&server, &officer, "income:budget").await, "1000.00");
    let mut different = body.clone();
    different["amount"] = json!("999.00");
    let conflict = expect_problem(transfer(&server, &officer, different).await, 409).await;
    assert_eq!(problem_fields(&conflict), vec!["id"]);
    assert_eq!(server.audit_length().await, audit_before, "retries write nothing");
    let fetched: Value = server
        .get(&format!("/api/v1/ledger/transfers/{}", body["id"].as_str().unwrap()), &officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["memo"], "Transferencia presupuestal 2026");
}

async fn bad_transfers_are_refused_and_write_nothing(database: TestDatabase) {
    let (server, officer, _) = start(database).await;
    move_money(&server, &officer, "assets:bank:fund", "income:budget", "500.00").await;
    let before = (server.audit_length().await, balances(&server, &officer).await);
    let base = json!({"debit_account": "expenses:reparations", "credit_account": "assets:bank:fund", "amount": "10.00", "currency": "PEN"});
    let with = |changes: Value| {
        let mut body = base.clone();
        body["id"] = json!(id());
        for (key, value) in changes.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let cases: Vec<(Value, &str)> = vec![
        (with(json!({"debit_account": "expenses:nowhere"})), "debit_account"),
        (with(json!({"credit_account": "Assets:Bank"})), "credit_account"),
        (with(json!({"currency": "USD"})), "debit_account"),
        (with(json!({"currency": "XYZ"})), "currency"),
        (with(json!({"amount": "0"})), "amount"),
        (with(json!({"amount": "-5.00"})), "amount"),
        (with(json!({"amount": "10.001"})), "amount"),
        (with(json!({"amount": "1e3"})), "amount"),
        (with(json!({"id": "not-a-uuid"})), "id"),
        (with(json!({"type": "teleport"})), "type"),
        (with(json!({"credit_account": "expenses:reparations"})), "credit_account"),
        (with(json!({"amount": "600.00"})), "amount"),
        (with(json!({"type": "post_pending", "pending_id": id()})), "pending_id"),
        (with(json!({"memo": "x".repeat(501)})), "memo"),
        (with(json!({"expires_at": "2030-01-01T00:00:00Z"})), "expires_at"),
    ];
    for (body, field) in cases {
        let problem = expect_problem(transfer(&server, &officer, body.clone()).await, 422).await;
        assert_eq!(problem_fields(&problem), vec![field], "{body}");
    }
    let unknown = expect_problem(transfer(&server, &officer, with(json!({"extra": 1}))).await, 422).await;
    assert_eq!(problem_fields(&unknown), vec!["extra"]);
    let after = (server.audit_length().await, balances(&server, &officer).await);
    assert_eq!(before, after, "refused transfers changed something");
}

async fn the_fund_cash_never_goes_negative(database: TestDatabase) {
    let (server, officer, _) = start(database).await;
    move_money(&server, &officer, "assets:bank:fund", "income:donations", "100.00").await;
    let refused = expect_problem(
        transfer(&server, &officer, json!({"id": id(), "debit_account": "expenses:reparations", "credit_account": "assets:bank:fund", "amount": "100.01", "currency": "PEN"})).await,
        422,
    )
    .await;
    assert!(refused["title"].as_str().unwrap().contains("exceeds_debits"), "{refused}");
    move_money(&server, &officer, "expenses:reparations", "assets:bank:fund", "100.00").await;
    assert_eq!(posted(&server, &officer, "assets:bank:fund").await, "0.00");
}

async fn holds_are_posted_or_voided_exactly_once(database: TestDatabase) {
    let (server, officer, _) = start(database).await;
    move_money(&server, &officer, "assets:bank:fund", "income:budget", "1000.00").await;
    let hold = id();
    let held = transfer(&server, &officer, json!({"id": hold, "type": "pending", "debit_account": "expenses:reparations",
        "credit_account": "assets:bank:fund", "amount": "800.00", "currency": "PEN", "references": {"claim": "C-1"}})).await;
    assert_eq!(held.status(), 201);
    let accounts = balances(&server, &officer).await;
    assert_eq!(accounts["assets:bank:fund"], ("1000.00".into(), "-800.00".into()));
    // The hold reserves the money: only 200.00 is left to spend.
    expect_problem(
        transfer(&server, &officer, json!({"id": id(), "debit_account": "expenses:custody", "credit_account": "assets:bank:fund", "amount": "200.01", "currency": "PEN"})).await,
        422,
    )
    .await;
    // Post part of it; the accounts may be omitted (the hold's are used).
    let post = transfer(&server, &officer, json!({"id": id(), "type": "post_pending", "pending_id": hold, "amount": "750.00", "currency": "PEN"})).await;
    assert_eq!(post.status(), 201);
    let post: Value = post.json().await.unwrap();
    assert_eq!(post["transfer"]["posted"], "750.00");
    assert_eq!(post["transfer"]["debit_account"], "expenses:reparations");
    let accounts = balances(&server, &officer).await;
    assert_eq!(accounts["assets:bank:fund"], ("250.00".into(), "0.00".into()));
    assert_eq!(accounts["expenses:reparations"], ("750.00".into(), "0.00".into()));
    let status: Value =
        server.get(&format!("/api/v1/ledger/transfers/{hold}"), &officer).await.json().await.unwrap();
    assert_eq!(status["pending_status"], "posted");

    let twice = expect_problem(
        transfer(
            &server,
            &officer,
            json!({"id": id(), "type": "post_pending", "pending_id": hold, "amount": "0", "currency": "PEN"}),
        )
        .await,
        422,
    )
    .await;
    assert!(twice["title"].as_str().unwrap().contains("pending_already_posted"));
    let void_posted = expect_problem(
        transfer(
            &server,
            &officer,
            json!({"id": id(), "type": "void_pending", "pending_id": hold, "amount": "0", "currency": "PEN"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&void_posted), vec!["pending_id"]);

    let second = id();
    transfer(
        &server,
        &officer,
        json!({"id": second, "type": "pending", "debit_account": "expenses:reparations",
        "credit_account": "assets:bank:fund", "amount": "250.00", "currency": "PEN"}),
    )
    .await;
    let void = transfer(
        &server,
        &officer,
        json!({"id": id(), "type": "void_pending", "pending_id": second, "amount": "0", "currency": "PEN"}),
    )
    .await;
    assert_eq!(void.status(), 201);
    assert_eq!(balances(&server, &officer).await["assets:bank:fund"], ("250.00".into(), "0.00".into()));
    let over = expect_problem(
        transfer(&server, &officer, json!({"id": id(), "type": "post_pending", "pending_id": second, "amount": "0", "currency": "PEN"})).await,
        422,
    )
    .await;
    assert!(over["title"].as_str().unwrap().contains("pending_already_voided"));
}

async fn expired_holds_release_their_money(database: TestDatabase) {
    let (server, officer, _) = start(database).await;
    move_money(&server, &officer, "assets:bank:fund", "income:budget", "100.00").await;
    let hold = id();
    let expires = time::OffsetDateTime::now_utc() + time::Duration::minutes(10);
    let expires = expires.format(&time::format_description::well_known::Rfc3339).unwrap();
    let held = transfer(
        &server,
        &officer,
        json!({"id": hold, "type": "pending", "debit_account": "expenses:advances",
        "credit_account": "assets:bank:fund", "amount": "60.00", "currency": "PEN", "expires_at": expires}),
    )
    .await;
    assert_eq!(held.status(), 201);
    assert_eq!(balances(&server, &officer).await["assets:bank:fund"].1, "-60.00");
    server.clock.advance_seconds(11 * 60);
    assert_eq!(server.app.expire_holds().await.unwrap(), 1);
    assert_eq!(balances(&server, &officer).await["assets:bank:fund"], ("100.00".into(), "0.00".into()));
    let status: Value =
        server.get(&format!("/api/v1/ledger/transfers/{hold}"), &officer).await.json().await.unwrap();
    assert_eq!(status["pending_status"], "expired");
    let late = expect_problem(
        transfer(
            &server,
            &officer,
            json!({"id": id(), "type": "post_pending", "pending_id": hold, "amount": "0", "currency": "PEN"}),
        )
        .await,
        422,
    )
    .await;
    assert!(late["title"].as_str().unwrap().contains("pending_expired"));
    let past = expect_problem(
        transfer(&server, &officer, json!({"id": id(), "type": "pending", "debit_account": "expenses:advances",
            "credit_account": "assets:bank:fund", "amount": "1.00", "currency": "PEN", "expires_at": "2020-01-01T00:00:00Z"})).await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&past), vec!["expires_at"]);
}

async fn a_linked_chain_succeeds_or_fails_whole(database: TestDatabase) {
    let (server, officer, _) = start(database).await;
    move_money(&server, &officer, "assets:bank:fund", "income:budget", "100.00").await;
    let leg = |debit: &str, credit: &str, amount: &str, linked: bool| json!({"id": id(), "debit_account": debit, "credit_account": credit, "amount": amount, "currency": "PEN", "linked": linked});
    // A sale that pays escrow and costs at once; the second leg breaks the fund's limit.
    let batch = json!({"transfers": [
        leg("assets:bank:escrow", "income:confiscations", "50.00", true),
        leg("expenses:custody", "assets:bank:fund", "500.00", false),
        leg("assets:bank:fund", "income:donations", "5.00", false),
    ]});
    let result: Value =
        server.post("/api/v1/ledger/transfers/batch", &officer, batch).await.json().await.unwrap();
    assert_eq!((result["created"].as_u64(), result["failed"].as_u64()), (Some(1), Some(2)));
    assert_eq!(result["results"][0]["code"], "linked_transfer_failed");
    assert_eq!(result["results"][1]["code"], "exceeds_debits");
    assert_eq!(result["results"][1]["errors"][0]["field"], "transfers[1].amount");
    assert_eq!(result["results"][2]["result"], "created");
    let accounts = balances(&server, &officer).await;
    assert_eq!(accounts["assets:bank:escrow"].0, "0.00", "the failed chain left nothing");
    assert_eq!(accounts["assets:bank:fund"].0, "105.00");

    let good = json!({"transfers": [
        leg("assets:bank:escrow", "income:confiscations", "50.00", true),
        leg("expenses:custody", "assets:bank:escrow", "20.00", false),
    ]});
    let result: Value =
        server.post("/api/v1/ledger/transfers/batch", &officer, good).await.json().await.unwrap();
    assert_eq!(result["created"], 2);
    assert_eq!(posted(&server, &officer, "assets:bank:escrow").await, "30.00");

    let open = json!({"transfers": [leg("assets:bank:escrow", "income:confiscations", "1.00", true)]});
    let result: Value =
        server.post("/api/v1/ledger/transfers/batch", &officer, open).await.json().await.unwrap();
    assert_eq!(result["results"][0]["code"], "linked_chain_open");
    let empty = expect_problem(
        server.post("/api/v1/ledger/transfers/batch", &officer, json!({"transfers": []})).await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&empty), vec!["transfers"]);
}

async fn statements_carry_a_running_balance_and_balances_have_a_past(database: TestDatabase) {
    let (server, officer, _) = start(database).await;
    move_money(&server, &officer, "assets:bank:fund", "income:budget", "300.00").await;
    server.clock.advance_seconds(3600);
    let between = server.app.clock.now();
    server.clock.advance_seconds(3600);
    // Two idle hours ended the session.
    let officer = server.token("oficial", common::USER_PASSWORD).await;
    move_money(&server, &officer, "assets:bank:fund", "income:donations", "50.50").await;
    move_money(&server, &officer, "expenses:reparations", "assets:bank:fund", "120.25").await;
    let statement: Value = server
        .get("/api/v1/ledger/statement?account=assets:bank:fund&currency=PEN", &officer)
        .await
        .json()
        .await
        .unwrap();
    let lines: Vec<(&str, &str)> = statement["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["change"].as_str().unwrap(), l["balance"].as_str().unwrap()))
        .collect();
    assert_eq!(lines, vec![("300.00", "300.00"), ("50.50", "350.50"), ("-120.25", "230.25")]);
    let page: Value = server
        .get("/api/v1/ledger/statement?account=assets:bank:fund&limit=2", &officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["lines"].as_array().unwrap().len(), 2);
    let rest: Value = server
        .get(
            &format!(
                "/api/v1/ledger/statement?account=assets:bank:fund&limit=2&after={}",
                page["next_after"]
            ),
            &officer,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["lines"][0]["balance"], "230.25");

    let then: Value = server
        .get(&format!("/api/v1/ledger/balances?at={}", between.to_rfc3339()), &officer)
        .await
        .json()
        .await
        .unwrap();
    let at = |view: &Value, name: &str| {
        view["items"].as_array().unwrap().iter().find(|i| i["name"] == name).unwrap()["posted"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(at(&then, "assets:bank:fund"), "300.00");
    assert_eq!(at(&then, "income:donations"), "0.00");
    let now: Value = server.get("/api/v1/ledger/balances", &officer).await.json().await.unwrap();
    assert_eq!(at(&now, "assets:bank:fund"), "230.25");
    let before_everything: Value =
        server.get("/api/v1/ledger/balances?at=2000-01-01T00:00:00Z", &officer).await.json().await.unwrap();
    assert_eq!(at(&before_everything, "assets:bank:fund"), "0.00");
    let bad = expect_problem(server.get("/api/v1/ledger/balances?at=yesterday", &officer).await, 422).await;
    assert_eq!(problem_fields(&bad), vec!["at"]);
    // Paged by account id: two at a time covers the same accounts as one page, once each.
    let mut paged = Vec::new();
    let mut next = String::new();
    loop {
        let page: Value = server
            .get(&format!("/api/v1/ledger/balances?limit=2{next}"), &officer)
            .await
            .json()
            .await
            .unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        paged.extend(items.iter().map(|i| i["name"].as_str().unwrap().to_string()));
        match page["next_after"].as_i64() {
            Some(after) => next = format!("&after={after}"),
            None => break,
        }
    }
    let whole: Vec<String> =
        now["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(paged, whole);
    let bad = expect_problem(server.get("/api/v1/ledger/balances?limit=0", &officer).await, 422).await;
    assert_eq!(problem_fields(&bad), vec!["limit"]);
    expect_problem(server.get("/api/v1/ledger/statement?account=assets:bank:nowhere", &officer).await, 404)
        .await;
}

async fn a_payment_is_traced_back_to_its_sources_first_in_first_out(database: TestDatabase) {
    let (server, officer, auditor) = start(database).await;
    let with_refs = |debit: &str, credit: &str, amount: &str, references: Value| json!({"id": id(), "debit_account": debit, "credit_account": credit, "amount": amount, "currency": "PEN", "references": references});
    // A car sold early: proceeds in escrow, then confiscation releases them to the fund.
    for body in [
        with_refs(
            "assets:bank:escrow",
            "income:confiscations",
            "400.00",
            json!({"asset": "A-17", "case": "EXP-9"}),
        ),
        with_refs(
            "assets:bank:fund",
            "assets:bank:escrow",
            "400.00",
            json!({"asset": "A-17", "case": "EXP-9"}),
        ),
        with_refs("assets:bank:fund", "income:budget", "1000.00", json!({})),
    ] {
        assert_eq!(transfer(&server, &officer, body).await.status(), 201);
    }
    move_money(&server, &officer, "expenses:custody", "assets:bank:fund", "100.00").await;
    let payment = with_refs(
        "expenses:reparations",
        "assets:bank:fund",
        "500.00",
        json!({"claim": "C-3", "order": "R-1"}),
    );
    let payment_id = payment["id"].as_str().unwrap().to_string();
    assert_eq!(transfer(&server, &officer, payment).await.status(), 201);

    let trace: Value = server
        .get(&format!("/api/v1/ledger/transfers/{payment_id}/trace"), &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(trace["share"], "500.00");
    let sources = trace["sources"].as_array().unwrap();
    // The first 100.00 of the car money went to custody; the payment takes the other 300.00,
    // then 200.00 of the budget transfer.
    let shares: Vec<(&str, &str)> = sources
        .iter()
        .map(|s| (s["share"].as_str().unwrap(), s["transfer"]["credit_account"].as_str().unwrap()))
        .collect();
    assert_eq!(shares, vec![("300.00", "assets:bank:escrow"), ("200.00", "income:budget")]);
    let origin = &sources[0]["sources"][0];
    assert_eq!(origin["share"], "300.00");
    assert_eq!(origin["transfer"]["credit_account"], "income:confiscations");
    assert_eq!(origin["transfer"]["references"]["asset"], "A-17");

    let text = server
        .client
        .get(server.url(&format!("/api/v1/ledger/transfers/{payment_id}/trace?format=text")))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap();
    assert!(text.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = text.text().await.unwrap();
    assert!(
        text.contains("bien/asset A-17") && text.contains("PEN 300.00") && text.contains("income:budget"),
        "{text}"
    );
    expect_problem(server.get(&format!("/api/v1/ledger/transfers/{}/trace", id()), &auditor).await, 404)
        .await;
}

/// Runs a journal tool, or `None` when it is not installed (then the test says so; CI
/// installs both and requires them).
fn run_tool(tool: &str, args: &[&str]) -> Option<String> {
    match std::process::Command::new(tool).args(args).output() {
        Ok(output) => {
            assert!(output.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&output.stderr));
            Some(String::from_utf8_lossy(&output.stdout).to_string())
        }
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped {tool}: not installed (CI installs it)");
            None
        }
        Err(error) => panic!("{tool} is required in CI: {error}"),
    }
}

/// `PEN 1234.50  account` lines of a flat balance report → account → minor units.
fn parse_report(report: &str) -> HashMap<String, i64> {
    let mut balances = HashMap::new();
    for line in report.lines() {
        let mut parts = line.split_whitespace();
        let (Some("PEN"), Some(amount), Some(account)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let units: i64 = amount.replace([',', '.'], "").parse().unwrap();
        balances.insert(account.to_string(), units);
    }
    balances
}

async fn the_journal_balances_in_hledger_and_ledger_as_in_redress(database: TestDatabase) {
    let (server, officer, auditor) = start(database).await;
    move_money(&server, &officer, "assets:bank:fund", "income:budget", "1234.56").await;
    move_money(&server, &officer, "assets:bank:escrow", "income:confiscations", "99.99").await;
    move_money(&server, &officer, "assets:bank:fund", "assets:bank:escrow", "50.00").await;
    move_money(&server, &officer, "expenses:reparations", "assets:bank:fund", "700.01").await;
    let hold = id();
    transfer(&server, &officer, json!({"id": hold, "type": "pending", "debit_account": "expenses:reparations",
        "credit_account": "assets:bank:fund", "amount": "100.00", "currency": "PEN", "memo": "pago; con punto y coma"})).await;
    transfer(
        &server,
        &officer,
        json!({"id": id(), "type": "post_pending", "pending_id": hold, "amount": "40.00", "currency": "PEN"}),
    )
    .await;

    let response = server.get("/api/v1/ledger/journal", &auditor).await;
    assert_eq!(response.status(), 200);
    let journal = response.text().await.unwrap();
    assert!(journal.contains("commodity PEN"));
    let path = std::env::temp_dir().join(format!("redress-{}.journal", id()));
    std::fs::write(&path, &journal).unwrap();
    let file = path.to_str().unwrap();

    // Redress's own posted balances, debit-positive like the tools report them.
    let accounts: Value = server.get("/api/v1/ledger/accounts", &auditor).await.json().await.unwrap();
    let ours: HashMap<String, i64> = accounts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let units = |f: &str| a[f].as_str().unwrap().replace('.', "").parse::<i64>().unwrap();
            (a["name"].as_str().unwrap().to_string(), units("debits_posted") - units("credits_posted"))
        })
        .filter(|(_, units)| *units != 0)
        .collect();
    assert_eq!(ours["expenses:reparations"], 74_001);

    if let Some(report) = run_tool("hledger", &["-f", file, "balance", "--flat", "--no-total", "--no-elide"])
    {
        assert_eq!(parse_report(&report), ours, "hledger:\n{report}");
        run_tool("hledger", &["-f", file, "check", "accounts", "commodities"]);
    }
    if let Some(report) = run_tool("ledger", &["-f", file, "balance", "--flat", "--no-total"]) {
        assert_eq!(parse_report(&report), ours, "ledger:\n{report}");
    }
    std::fs::remove_file(&path).unwrap();
}

async fn the_csv_export_has_one_row_per_transfer(database: TestDatabase) {
    let (server, officer, auditor) = start(database).await;
    move_money(&server, &officer, "assets:bank:fund", "income:budget", "10.00").await;
    transfer(
        &server,
        &officer,
        json!({"id": id(), "debit_account": "assets:bank:fund", "credit_account": "income:donations",
        "amount": "5.00", "currency": "PEN", "memo": "=cmd|' /C calc'!A0, \"donación\""}),
    )
    .await;
    let response = server.get("/api/v1/ledger/export.csv", &auditor).await;
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = response.text().await.unwrap();
    let rows: Vec<&str> = text.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert!(rows[0].starts_with("seq,id,created_at"));
    assert!(
        rows[2].contains("\"'=cmd|' /C calc'!A0, \"\"donación\"\"\""),
        "a formula is defused: {}",
        rows[2]
    );
}

async fn the_invariant_check_catches_a_hand_edited_balance(database: TestDatabase) {
    let (server, officer, auditor) = start(database).await;
    move_money(&server, &officer, "assets:bank:fund", "income:budget", "10.00").await;
    let check: Value = server.get("/api/v1/ledger/verify", &auditor).await.json().await.unwrap();
    assert_eq!(check["balanced"], true, "{check}");
    sqlx::query(
        "UPDATE ledger_accounts SET debits_posted = debits_posted + 1 WHERE name = 'assets:bank:fund'",
    )
    .execute(server.store.pool())
    .await
    .unwrap();
    let check: Value = server.get("/api/v1/ledger/verify", &auditor).await.json().await.unwrap();
    assert_eq!(check["balanced"], false);
    let problems = check["problems"].to_string();
    assert!(problems.contains("PEN: posted debits") && problems.contains("assets:bank:fund"), "{problems}");
}

async fn many_concurrent_clients_never_overdraw_or_double_apply(database: TestDatabase) {
    let (server, officer, auditor) = start(database).await;
    move_money(&server, &officer, "assets:bank:fund", "income:budget", "1000.00").await;
    // A second server on the same database, as a second process would be.
    let second = Arc::new({
        let store = Arc::new(server.database.open().await);
        redress_app::App::new(store, redress_app::Settings::default())
    });
    let server = Arc::new(server);
    let mut tasks = Vec::new();
    for client in 0..16 {
        let server = server.clone();
        let second = second.clone();
        let officer = officer.clone();
        tasks.push(tokio::spawn(async move {
            let mut created = Vec::new();
            for n in 0..12 {
                // Amounts 10.00–69.00: together far more than the fund holds.
                let amount = format!("{}.00", 10 + (client * 7 + n * 13) % 60);
                let transfer_id = id();
                let body = json!({"id": transfer_id, "debit_account": "expenses:reparations",
                    "credit_account": "assets:bank:fund", "amount": amount, "currency": "PEN"});
                // Each transfer is sent twice at once, once to each server: a client's retry.
                let via_http = server.post("/api/v1/ledger/transfers", &officer, body.clone());
                let request = redress_app::ledger::TransferRequest {
                    id: transfer_id.clone(),
                    debit_account: Some("expenses:reparations".into()),
                    credit_account: Some("assets:bank:fund".into()),
                    amount: amount.clone(),
                    currency: "PEN".into(),
                    ..Default::default()
                };
                let context = redress_app::RequestContext::default();
                let actor = redress_app::Actor {
                    roles: vec![redress_domain::Role::FundOfficer],
                    ..redress_app::Actor::system()
                };
                let direct = second.create_transfers(&actor, &context, std::slice::from_ref(&request));
                let (response, outcomes) = tokio::join!(via_http, direct);
                let status = response.status().as_u16();
                // "Busy" (the write lock not had in time on a loaded machine) applies nothing; a
                // client retries it, like a 503.
                let direct_created = match outcomes {
                    Ok(mut outcomes) => {
                        matches!(outcomes.remove(0), redress_app::ledger::TransferOutcome::Created(_))
                    }
                    Err(redress_app::AppError::Unavailable(_)) => false,
                    Err(other) => panic!("unexpected failure: {other}"),
                };
                let applied = status == 201 || direct_created;
                let both_created = status == 201 && direct_created;
                assert!(!both_created, "a transfer was applied twice");
                if applied {
                    created.push(amount.replace('.', "").parse::<i64>().unwrap());
                }
            }
            created
        }));
    }
    let mut spent = 0;
    let mut count = 0;
    for task in tasks {
        let created = task.await.unwrap();
        count += created.len();
        spent += created.iter().sum::<i64>();
    }
    assert!(count > 0 && spent <= 100_000, "spent {spent} of 100000 in {count} transfers");
    let accounts = balances(&server, &auditor).await;
    let fund: i64 = accounts["assets:bank:fund"].0.replace('.', "").parse().unwrap();
    assert!(fund >= 0, "the fund went negative: {fund}");
    assert_eq!(fund, 100_000 - spent, "every applied transfer counted exactly once");
    let check: Value = server.get("/api/v1/ledger/verify", &auditor).await.json().await.unwrap();
    assert_eq!(check["balanced"], true, "{check}");
}

async fn a_mistake_is_corrected_by_a_reversal_once(database: TestDatabase) {
    let (server, officer, _) = start(database).await;
    let original = move_money(&server, &officer, "assets:bank:fund", "income:donations", "100.00").await;
    let original_id = original["transfer"]["id"].as_str().unwrap().to_string();
    let reversal_id = id();
    let reversal = transfer(
        &server,
        &officer,
        json!({"id": reversal_id, "type": "reversal", "reverses": original_id,
        "amount": "0", "currency": "PEN", "memo": "Donación registrada dos veces"}),
    )
    .await;
    assert_eq!(reversal.status(), 201);
    let reversal: Value = reversal.json().await.unwrap();
    assert_eq!(reversal["transfer"]["debit_account"], "income:donations");
    assert_eq!(reversal["transfer"]["credit_account"], "assets:bank:fund");
    assert_eq!(reversal["transfer"]["posted"], "100.00");
    assert_eq!(reversal["transfer"]["reverses_id"], original_id.as_str());
    let accounts = balances(&server, &officer).await;
    assert_eq!(
        (accounts["assets:bank:fund"].0.as_str(), accounts["income:donations"].0.as_str()),
        ("0.00", "0.00")
    );

    let refuse = |body: Value, code: &'static str| {
        let server = &server;
        let officer = &officer;
        async move {
            let problem = expect_problem(transfer(server, officer, body).await, 422).await;
            assert!(problem["title"].as_str().unwrap().contains(code), "{problem}");
            assert_eq!(problem_fields(&problem), vec!["reverses"]);
        }
    };
    let reverse = |target: &str| json!({"id": id(), "type": "reversal", "reverses": target, "amount": "0", "currency": "PEN"});
    refuse(reverse(&reversal_id), "reversal_of_reversal").await;
    refuse(reverse(&original_id), "already_reversed").await;
    refuse(reverse(&id()), "reversed_not_found").await;
    let hold = id();
    move_money(&server, &officer, "assets:bank:fund", "income:budget", "100.00").await;
    transfer(
        &server,
        &officer,
        json!({"id": hold, "type": "pending", "debit_account": "expenses:reparations",
        "credit_account": "assets:bank:fund", "amount": "10.00", "currency": "PEN"}),
    )
    .await;
    refuse(reverse(&hold), "not_reversible").await;

    // Reversing an inflow already spent would overdraw the fund: refused by its limit.
    let inflow = move_money(&server, &officer, "assets:bank:fund", "income:leases", "50.00").await;
    move_money(&server, &officer, "expenses:custody", "assets:bank:fund", "130.00").await;
    let overdraw = expect_problem(
        transfer(&server, &officer, reverse(inflow["transfer"]["id"].as_str().unwrap())).await,
        422,
    )
    .await;
    assert!(overdraw["title"].as_str().unwrap().contains("exceeds_debits"));
    let missing = expect_problem(
        transfer(
            &server,
            &officer,
            json!({"id": id(), "type": "reversal", "amount": "0", "currency": "PEN"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&missing), vec!["reverses"]);
}

/// `/ledger` shows a hundred accounts and a link to the next page, whatever the number of
/// accounts; the pages together list each account once.
async fn the_ledger_page_lists_accounts_a_hundred_at_a_time(database: TestDatabase) {
    let (server, officer, _) = start(database).await;
    for i in 0..110 {
        let body = json!({"name": format!("liabilities:victims:v{i:03}"), "currency": "PEN"});
        assert_eq!(server.post("/api/v1/ledger/accounts", &officer, body).await.status(), 201);
    }
    let total =
        server.get("/api/v1/ledger/accounts?limit=500", &officer).await.json::<Value>().await.unwrap()
            ["items"]
            .as_array()
            .unwrap()
            .len();
    let page = |path: String| {
        let server = &server;
        let officer = &officer;
        async move {
            let response = server
                .client
                .get(server.url(&path))
                .header("cookie", format!("redress_session={officer}"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    let first = page("/ledger".to_string()).await;
    let rows = |html: &str| html.matches("<tr><td><a href=\"/ledger/statement?").count();
    assert_eq!(rows(&first), 100);
    let next = first.split("id=\"next-page\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let second = page(next).await;
    assert_eq!(rows(&first) + rows(&second), total);
    assert!(!second.contains("id=\"next-page\""), "the last page has no next link");
}
