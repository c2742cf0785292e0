//! At a size above every list limit, the fund officer's home page shows what the database holds:
//! claims by tier and state, overdue claims, received claims by age, the fund's cash, its
//! balance at each month end and its flows — computed here independently from the rows.

mod common;

use common::world::{ok, world};
use common::{TestServer, USER_PASSWORD};
use redress_app::{Actor, Clock};
use redress_domain::{Role, Timestamp};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};
use sqlx::Row;

on_both_engines!(
    the_fund_officers_home_page_counts_every_claim_in_the_database,
    every_accounts_balance_now_and_in_the_past_is_the_sum_of_its_transfers,
    ledger_accounts_and_public_assets_come_a_page_at_a_time_and_the_public_ones_are_cached,
    a_page_of_claims_shows_each_claim_as_it_is_shown_alone,
    the_public_payment_delays_count_every_paid_claim_once,
);

/// More claims than any page limit (500) or list the home page could read.
const EXTRA_CLAIMS: i64 = 1_200;

const DAY: i64 = 86_400;

/// Copies an existing claim `count` times with varied tiers, states and dates.
async fn add_claims(pool: &sqlx::AnyPool, now: Timestamp, today: time::Date, count: i64) {
    let template: i64 =
        sqlx::query("SELECT MIN(id) AS id FROM claims").fetch_one(pool).await.unwrap().try_get("id").unwrap();
    let states =
        ["received", "approved", "received", "allocated", "rejected", "paid", "received", "approved"];
    let mut tx = pool.begin().await.unwrap();
    for i in 0..count {
        let state = states[(i % 8) as usize];
        let tier = 1 + (i * 7 / 5) % 3;
        let filed_at = now.unix_micros() - (i % 90) * DAY * 1_000_000 - i;
        let decision_due = filed_at + 30 * DAY * 1_000_000;
        let payment_due =
            (state != "received").then(|| (today + time::Duration::days(i % 21 - 10)).to_string());
        sqlx::query(
            "INSERT INTO claims (kind, victim_id, case_id, order_id, currency, state, requested, needs, tier, \
             tier_reasons, policy_version, eligibility, approved_amount, paid, decision_reason, filed_at, filed_by, \
             decision_due, decided_at, decided_by, payment_due, hold_id, hold_amount, waiting_for) \
             SELECT kind, victim_id, case_id, NULL, currency, $1, requested, needs, $2, tier_reasons, policy_version, \
             eligibility, approved_amount, 0, NULL, $3, filed_by, $4, NULL, NULL, $5, NULL, NULL, NULL \
             FROM claims WHERE id = $6",
        )
        .bind(state)
        .bind(tier)
        .bind(filed_at)
        .bind(decision_due)
        .bind(payment_due)
        .bind(template)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// The figures the home page should show, from every claim row, by the rules of a claim view.
struct Expected {
    tiers: Vec<(i64, i64)>,
    overdue: i64,
    ageing: [i64; 4],
}

/// `app` gives the fund's calendar (Lima): "today" and the day a claim was filed are its days.
async fn expected(pool: &sqlx::AnyPool, app: &redress_app::App, now: Timestamp) -> Expected {
    let rows = sqlx::query("SELECT state, tier, filed_at, decision_due, payment_due FROM claims")
        .fetch_all(pool)
        .await
        .unwrap();
    assert!(rows.len() as i64 > EXTRA_CLAIMS);
    let today = app.local_date(now);
    let mut result = Expected { tiers: vec![(0, 0); 3], overdue: 0, ageing: [0; 4] };
    for row in &rows {
        let state: String = row.try_get("state").unwrap();
        let tier: i64 = row.try_get("tier").unwrap();
        let filed_at: i64 = row.try_get("filed_at").unwrap();
        let decision_due: i64 = row.try_get("decision_due").unwrap();
        let payment_due: Option<String> = row.try_get("payment_due").unwrap();
        let index = (tier - 1) as usize;
        match state.as_str() {
            "received" => {
                result.tiers[index].0 += 1;
                result.overdue += i64::from(now.unix_micros() > decision_due);
                let days = (today - app.local_date(Timestamp::from_unix_micros(filed_at))).whole_days();
                result.ageing[match days {
                    0..=3 => 0,
                    4..=14 => 1,
                    15..=56 => 2,
                    _ => 3,
                }] += 1;
            }
            "approved" | "allocated" | "in_batch" => {
                if state == "approved" {
                    result.tiers[index].1 += 1;
                }
                result.overdue += i64::from(payment_due.is_some_and(|d| d < today.to_string()));
            }
            _ => {}
        }
    }
    result
}

/// The texts of each row's cells in the HTML between `from` and the next `</table>`.
fn rows(html: &str) -> Vec<Vec<String>> {
    let table = &html[..html.find("</table>").unwrap_or(html.len())];
    table
        .split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let text = &cell[cell.find('>').unwrap() + 1..];
                    text[..text.find("</td>").unwrap_or(text.len())].to_string()
                })
                .collect::<Vec<_>>()
        })
        .filter(|cells| !cells.is_empty())
        .collect()
}

/// An amount shown on the page (`S/ 1.234,50`) in minor units.
fn units(text: &str) -> i64 {
    // Without HTML entities (`S&#x2f; 1.234,50`).
    let mut plain = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        plain.push_str(&rest[..start]);
        rest = rest[start..].split_once(';').map_or("", |(_, after)| after);
    }
    plain.push_str(rest);
    let digits: String = plain.chars().filter(char::is_ascii_digit).collect();
    digits.parse().unwrap_or_else(|_| panic!("no amount in {text:?}"))
}

fn after<'a>(html: &'a str, marker: &str) -> &'a str {
    &html[html.find(marker).unwrap_or_else(|| panic!("{marker} not on the page")) + marker.len()..]
}

async fn fund_balance(pool: &sqlx::AnyPool, column: &str) -> i64 {
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(posted), 0) AS BIGINT) AS total FROM ledger_transfers t \
         JOIN ledger_accounts a ON a.id = t.{column}_account_id WHERE a.name = 'assets:bank:fund'"
    );
    sqlx::query(&sql).fetch_one(pool).await.unwrap().try_get("total").unwrap()
}

async fn the_fund_officers_home_page_counts_every_claim_in_the_database(database: TestDatabase) {
    let w = world(database).await;
    let server = &w.server;
    // Money arriving over three months, so that month ends differ (a new session each time:
    // the clock jumps past the idle timeout).
    let mut officer = w.officer.clone();
    for (days, id, amount) in [
        (40, "7c2a4f0e-1d2b-4c3d-9e4f-5a6b7c8d9e01", "1000.00"),
        (35, "7c2a4f0e-1d2b-4c3d-9e4f-5a6b7c8d9e02", "250.50"),
    ] {
        server.clock.advance_seconds(days * DAY);
        officer = server.token("oficial", USER_PASSWORD).await;
        let body = json!({"id": id, "debit_account": "assets:bank:fund", "credit_account": "income:donations",
            "amount": amount, "currency": "PEN"});
        ok(server.post("/api/v1/ledger/transfers", &officer, body).await).await;
    }
    let now = server.clock.now();
    let pool = server.store.pool();
    add_claims(pool, now, server.app.today(), EXTRA_CLAIMS).await;
    let want = expected(pool, &server.app, now).await;

    let response = server
        .client
        .get(server.url("/"))
        .header("cookie", format!("redress_session={officer}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();

    let tiers: Vec<(i64, i64)> = rows(after(after(&html, "id=\"overdue\""), "<tbody>"))
        .iter()
        .map(|cells| (cells[1].parse().unwrap(), cells[2].parse().unwrap()))
        .collect();
    assert_eq!(tiers, want.tiers, "claims by tier: received, approved");
    assert!(want.tiers.iter().map(|t| t.0 + t.1).sum::<i64>() > 500, "more claims waiting than a list holds");
    let overdue: i64 = after(&html, "id=\"overdue\">").split('<').next().unwrap().parse().unwrap();
    assert_eq!(overdue, want.overdue, "overdue claims");

    let charts: Vec<&str> = html.split("<table class=\"chart-data\">").skip(1).collect();
    assert_eq!(charts.len(), 4, "ageing, balance, flows and sources");
    let ageing: Vec<i64> = rows(charts[0]).iter().map(|cells| cells[1].parse().unwrap()).collect();
    assert_eq!(ageing, want.ageing.to_vec(), "received claims by age");

    let cash = fund_balance(pool, "debit").await - fund_balance(pool, "credit").await;
    assert_eq!(units(after(&html, "id=\"fund-cash\">").split('<').next().unwrap()), cash, "cash");
    let balance = rows(charts[1]);
    assert_eq!(balance.len(), 13, "twelve month ends and now");
    assert_eq!(units(&balance[12][1]), cash, "the balance now");
    let reader = Actor { username: "oficial".into(), roles: vec![Role::FundOfficer], ..Actor::system() };
    let mut distinct = std::collections::BTreeSet::new();
    for cells in &balance[..12] {
        // Months are labelled as Peru writes them: `dic. 2025`.
        let (name, year) = cells[0].split_once(' ').unwrap();
        let months =
            ["ene.", "feb.", "mar.", "abr.", "may.", "jun.", "jul.", "ago.", "set.", "oct.", "nov.", "dic."];
        let month = months.iter().position(|m| *m == name).unwrap_or_else(|| panic!("month {}", cells[0]));
        let (year, month): (i32, u8) = (year.parse().unwrap(), u8::try_from(month + 1).unwrap());
        let (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
        let first = time::Date::from_calendar_date(year, time::Month::try_from(month).unwrap(), 1).unwrap();
        let at = Timestamp::from_datetime(first.midnight().assume_utc());
        let balances = server.app.balances_at(&reader, at, None, Some(500)).await.unwrap();
        let (_, totals) = balances.iter().find(|(a, _)| a.name.as_str() == "assets:bank:fund").unwrap();
        let want = totals.debits_posted.minor_units() - totals.credits_posted.minor_units();
        assert_eq!(units(&cells[1]), want, "the balance at the end of {}", cells[0]);
        distinct.insert(want);
    }
    assert!(distinct.len() >= 2, "month ends differ: {balance:?}");

    let flows = rows(charts[2]);
    let inflows: i64 = flows.iter().map(|cells| units(&cells[1])).sum();
    let outflows: i64 = flows.iter().map(|cells| units(&cells[2])).sum();
    assert_eq!((inflows, outflows), (fund_balance(pool, "debit").await, fund_balance(pool, "credit").await));
}

/// Each account's posted (debits, credits) from the transfer rows up to `at`.
async fn sums_at(pool: &sqlx::AnyPool, at: Timestamp) -> std::collections::BTreeMap<i64, (i64, i64)> {
    let rows = sqlx::query(
        "SELECT a.id AS id, \
         CAST((SELECT COALESCE(SUM(posted), 0) FROM ledger_transfers t WHERE t.debit_account_id = a.id AND t.created_at <= $1) AS BIGINT) AS d, \
         CAST((SELECT COALESCE(SUM(posted), 0) FROM ledger_transfers t WHERE t.credit_account_id = a.id AND t.created_at <= $1) AS BIGINT) AS c \
         FROM ledger_accounts a",
    )
    .bind(at.unix_micros())
    .fetch_all(pool)
    .await
    .unwrap();
    rows.iter()
        .map(|r| (r.try_get("id").unwrap(), (r.try_get("d").unwrap(), r.try_get("c").unwrap())))
        .collect()
}

/// `balances_at` answers "now" from the totals the ledger maintains and a past instant with one
/// statement for a page of accounts: both agree with the rows, and pages of seven accounts
/// cover every account once (no gap, no overlap).
async fn every_accounts_balance_now_and_in_the_past_is_the_sum_of_its_transfers(database: TestDatabase) {
    let w = world(database).await;
    let server = &w.server;
    let mut instants = Vec::new();
    for (days, id, amount) in [
        (40, "6d1b3e9f-0c1a-4b2c-8d3e-4f5a6b7c8d01", "1000.00"),
        (35, "6d1b3e9f-0c1a-4b2c-8d3e-4f5a6b7c8d02", "250.50"),
    ] {
        instants.push(server.clock.now());
        server.clock.advance_seconds(days * DAY);
        let officer = server.token("oficial", USER_PASSWORD).await;
        let body = json!({"id": id, "debit_account": "assets:bank:fund", "credit_account": "income:donations",
            "amount": amount, "currency": "PEN"});
        ok(server.post("/api/v1/ledger/transfers", &officer, body).await).await;
    }
    instants.push(server.clock.now());
    let reader = Actor { username: "oficial".into(), roles: vec![Role::FundOfficer], ..Actor::system() };
    let pool = server.store.pool();
    for at in instants {
        let mut got = std::collections::BTreeMap::new();
        let mut after = None;
        loop {
            let page = server.app.balances_at(&reader, at, after, Some(7)).await.unwrap();
            for (account, totals) in &page {
                let previous = got.insert(
                    account.id,
                    (totals.debits_posted.minor_units(), totals.credits_posted.minor_units()),
                );
                assert!(previous.is_none(), "account {} is on two pages", account.id);
            }
            after = page.last().map(|(a, _)| a.id);
            if page.len() < 7 {
                break;
            }
        }
        assert_eq!(got, sums_at(pool, at).await, "every account's posted totals at {at:?}");
    }
}

/// Published (confiscated) assets, inserted directly: more than a page of the public page.
async fn add_confiscated_assets(pool: &sqlx::AnyPool, count: i64) {
    let institution: i64 = sqlx::query("SELECT MIN(id) AS id FROM institutions")
        .fetch_one(pool)
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    for i in 0..count {
        let id: i64 = sqlx::query(
            "INSERT INTO assets (kind, description, region, currency, state, state_changed_on, institution_id, \
             created_at, created_by) VALUES ('vehicle', $1, 'Tumbes', 'PEN', 'confiscated', '2026-02-01', $2, 0, 'test') \
             RETURNING id",
        )
        .bind(format!("Camioneta {i}"))
        .bind(institution)
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
        for (state, on) in [("seized", "2025-01-10"), ("confiscated", "2026-02-01")] {
            sqlx::query(
                "INSERT INTO asset_moves (asset_id, to_state, on_date, document, recorded_at, recorded_by) \
                 VALUES ($1, $2, $3, 'Resolución', 0, 'test')",
            )
            .bind(id)
            .bind(state)
            .bind(on)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
}

async fn json_at(server: &TestServer, path: &str, token: Option<&str>) -> Value {
    let mut request = server.client.get(server.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

async fn ledger_accounts_and_public_assets_come_a_page_at_a_time_and_the_public_ones_are_cached(
    database: TestDatabase,
) {
    let server = TestServer::start(database).await;
    let officer = server.user_token("oficial", &["fund_officer"]).await;
    for i in 0..120 {
        let body = json!({"name": format!("liabilities:escrow:test/{i}"), "currency": "PEN"});
        assert_eq!(server.post("/api/v1/ledger/accounts", &officer, body).await.status(), 201);
    }
    let pool = server.store.pool();
    let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM ledger_accounts")
        .fetch_one(pool)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut path = "/api/v1/ledger/accounts?limit=50".to_string();
    loop {
        let page = json_at(&server, &path, Some(&officer)).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 50);
        seen.extend(items.iter().map(|a| a["name"].as_str().unwrap().to_string()));
        match page["next_after"].as_i64() {
            Some(after) => path = format!("/api/v1/ledger/accounts?limit=50&after={after}"),
            None => break,
        }
    }
    assert_eq!(seen.len() as i64, count, "every account once");
    let first = json_at(&server, "/api/v1/ledger/accounts", Some(&officer)).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 100, "a hundred by default");
    let refused = server.get("/api/v1/ledger/accounts?limit=501", &officer).await;
    assert_eq!(refused.status(), 422);

    add_confiscated_assets(pool, 130).await;
    let mut assets = Vec::new();
    let mut path = "/public/assets.json?limit=50".to_string();
    loop {
        let page = json_at(&server, &path, None).await;
        assets.extend(page["assets"].as_array().unwrap().iter().cloned());
        match page["next_after"].as_i64() {
            Some(after) => path = format!("/public/assets.json?limit=50&after={after}"),
            None => break,
        }
    }
    assert_eq!(assets.len(), 130);
    assert!(assets.iter().all(|a| a["seized_on"] == "2025-01-10" && a["confiscated_on"] == "2026-02-01"));
    let page = server.client.get(server.url("/public")).send().await.unwrap();
    assert!(page.headers()["cache-control"].to_str().unwrap().contains("max-age=60"));
    let page = page.text().await.unwrap();
    assert_eq!(page.matches("<td>vehículo</td>").count(), 100, "a hundred assets a page");
    assert!(!page.contains("Camioneta"), "descriptions are not published");
    let next = page.split("href=\"/public?after=").nth(1).unwrap().split('"').next().unwrap().to_string();
    let rest = server.client.get(server.url(&format!("/public?after={next}"))).send().await.unwrap();
    assert_eq!(rest.text().await.unwrap().matches("<td>vehículo</td>").count(), 30);

    // Kept for up to a minute: a new asset shows on pages not read yet, not on those cached.
    add_confiscated_assets(pool, 1).await;
    let again = json_at(&server, "/public/assets.json?limit=50", None).await;
    assert_eq!(again["assets"].as_array().unwrap().len(), 50);
    let cached =
        json_at(&server, &format!("/public/assets.json?limit=50&after={}", assets[99]["id"]), None).await;
    assert_eq!(cached["assets"].as_array().unwrap().len(), 30, "cached");
    let fresh =
        json_at(&server, &format!("/public/assets.json?limit=100&after={}", assets[99]["id"]), None).await;
    assert_eq!(fresh["assets"].as_array().unwrap().len(), 31, "not cached yet");
}

/// A list builds its views from a few reads for the whole page; each must be exactly the view
/// `GET /api/v1/claims/{id}` builds from that claim's own reads.
async fn a_page_of_claims_shows_each_claim_as_it_is_shown_alone(database: TestDatabase) {
    let w = world(database).await;
    let server = &w.server;
    let pool = server.store.pool();
    add_claims(pool, server.clock.now(), server.app.today(), 40).await;
    let max: i64 =
        sqlx::query("SELECT MAX(id) AS id FROM claims").fetch_one(pool).await.unwrap().try_get("id").unwrap();
    sqlx::query("UPDATE claims SET kind = 'advance' WHERE id > $1")
        .bind(max - 10)
        .execute(pool)
        .await
        .unwrap();
    let mut listed = Vec::new();
    let mut path = "/api/v1/claims?limit=17".to_string();
    loop {
        let page = json_at(server, &path, Some(&w.officer)).await;
        let items = page["items"].as_array().unwrap().clone();
        let last = items.last().map(|c| c["id"].as_i64().unwrap());
        listed.extend(items);
        match (page["next_after"].as_i64(), last) {
            (Some(after), _) => path = format!("/api/v1/claims?limit=17&after={after}"),
            _ => break,
        }
    }
    assert!(listed.len() > 40);
    assert!(listed.iter().any(|c| c["order_id"].is_i64()), "claims on orders");
    assert!(listed.iter().any(|c| c["state"] == "received" && c["kind"] == "advance"), "received advances");
    assert!(listed.iter().any(|c| c["state"] == "received" && c["kind"] == "reparation"), "received claims");
    assert!(listed.iter().any(|c| c["state"] != "received"), "decided claims");
    for item in &listed {
        let alone = json_at(server, &format!("/api/v1/claims/{}", item["id"]), Some(&w.officer)).await;
        assert_eq!(item, &alone, "claim {}", item["id"]);
    }
}

/// The public page's payment delays count every paid claim of the database once, in the band
/// of whole days from its filing to its first `paid` event (a claim paid twice counts once),
/// with the statistics' suppression; claims in other states are not counted.
async fn the_public_payment_delays_count_every_paid_claim_once(database: TestDatabase) {
    let w = world(database).await;
    let server = &w.server;
    let now = server.clock.now();
    let pool = server.store.pool();
    add_claims(pool, now, server.app.today(), EXTRA_CLAIMS).await;
    // A payment 0–399 days after filing for each paid claim (and for a few others, which must
    // not count), then a later second `paid` event for some, which must not move them.
    sqlx::query(
        "INSERT INTO claim_events (claim_id, from_state, to_state, at, by_user) \
         SELECT id, 'in_batch', 'paid', filed_at + (id * 37 % 400) * 86400000000 + 5, 'test' FROM claims \
         WHERE state IN ('paid', 'approved')",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO claim_events (claim_id, from_state, to_state, at, by_user) \
         SELECT id, 'in_batch', 'paid', filed_at + 900 * 86400000000, 'test' FROM claims WHERE state = 'paid' AND id % 3 = 0",
    )
    .execute(pool)
    .await
    .unwrap();
    let rows = sqlx::query(
        "SELECT c.id AS id, c.filed_at AS filed_at, MIN(e.at) AS paid_at FROM claims c \
         JOIN claim_events e ON e.claim_id = c.id AND e.to_state = 'paid' WHERE c.state = 'paid' GROUP BY c.id, c.filed_at",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(rows.len() > 100, "enough paid claims to show every band: {}", rows.len());
    let mut bands: std::collections::BTreeMap<String, u64> = Default::default();
    for row in &rows {
        let (filed, paid): (i64, i64) = (row.try_get("filed_at").unwrap(), row.try_get("paid_at").unwrap());
        let days = (paid - filed) / (DAY * 1_000_000);
        let band = match days {
            ..=30 => "d030",
            31..=90 => "d090",
            91..=180 => "d180",
            181..=365 => "d365",
            _ => "dmax",
        };
        *bands.entry(band.to_string()).or_default() += 1;
    }
    let want = redress_app::statistics::table("delay", &bands, 11);
    let money: Value =
        server.client.get(server.url("/public/money.json")).send().await.unwrap().json().await.unwrap();
    let got: Vec<(String, Option<u64>)> = money["payment_delays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["delay"].as_str().unwrap().to_string(), c["claims"].as_u64()))
        .collect();
    let want_cells: Vec<(String, Option<u64>)> =
        want.cells.iter().map(|c| (c.category.clone(), c.count)).collect();
    assert_eq!(got, want_cells, "{bands:?}");
    assert!(got.iter().filter(|(_, n)| n.is_some()).count() >= 4, "most bands shown: {got:?}");
    assert_eq!(money["payment_delays_total"].as_u64(), Some(want.total));
    let page = server.client.get(server.url("/public")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"public-delays\"") && page.contains("De 31 a 90 días"), "{page}");
    let csv = server.client.get(server.url("/public/money.csv")).send().await.unwrap().text().await.unwrap();
    assert!(csv.contains(&format!("payment_delay,total,{},,\r\n", want.total)), "{csv}");
}
