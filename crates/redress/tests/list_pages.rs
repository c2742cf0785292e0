//! The audit page's filters (user, action, object, days in Lima) and the ledger statement
//! (newest first, days, holds only when asked), over a payments world; the lists of judgments,
//! orders, rounds and batches (the reader's institution, filters, pages without overlap or gap)
//! and the claim form's order picker; on both engines.

mod common;

use common::world::{member, ok, world};
use common::{TestServer, USER_PASSWORD};
use redress_store::testing::TestDatabase;
use serde_json::json;

on_both_engines!(
    the_audit_trail_is_filtered_by_user_action_object_and_day,
    the_statement_is_newest_first_by_day_without_holds,
    a_claim_links_its_case_only_for_roles_that_may_read_it,
    judgments_and_orders_are_listed_for_the_readers_institution_filtered_and_paged,
    the_claim_form_offers_exactly_the_victims_open_orders,
    rounds_and_batches_are_listed_by_state_and_linked_both_ways,
    the_victims_page_lists_her_claims_for_those_who_read_them
);

async fn page(server: &TestServer, token: &str, path: &str) -> (u16, String) {
    let response = server
        .client
        .get(server.url(path))
        .header("cookie", format!("redress_session={token}"))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The rows of the table with this id, as their cells' text.
fn rows(page: &str, table: &str) -> Vec<Vec<String>> {
    let body = page.split(&format!("<table id=\"{table}\">")).nth(1).unwrap();
    let body = body.split("<tbody>").nth(1).unwrap().split("</tbody>").next().unwrap();
    body.split("<tr>")
        .skip(1)
        .filter(|r| !r.contains("colspan"))
        .map(|r| {
            r.split("<td")
                .skip(1)
                .map(|c| {
                    let inner = c.split_once('>').map_or("", |(_, rest)| rest);
                    let inner = inner.split("</td>").next().unwrap_or("");
                    let mut text = String::new();
                    let mut tag = false;
                    for ch in inner.chars() {
                        match ch {
                            '<' => tag = true,
                            '>' => tag = false,
                            _ if !tag => text.push(ch),
                            _ => {}
                        }
                    }
                    decode(text.trim())
                })
                .collect()
        })
        .collect()
}

/// The page's text with the entities minijinja writes read back.
fn decode(text: &str) -> String {
    text.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Today in Lima, as the pages show it (`28/11/2026`), and tomorrow.
fn lima_days() -> (String, String) {
    let offset = time::UtcOffset::from_hms(-5, 0, 0).unwrap();
    let today = time::OffsetDateTime::now_utc().to_offset(offset).date();
    let show = |d: time::Date| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
    (show(today), show(today.next_day().unwrap()))
}

async fn the_audit_trail_is_filtered_by_user_action_object_and_day(database: TestDatabase) {
    let w = world(database).await;
    let server = &w.server;
    let auditor = server.user_token("auditora", &["auditor"]).await;
    let (status, all) = page(server, &auditor, "/audit").await;
    assert_eq!(status, 200);
    let everything = rows(&all, "audit");
    assert!(everything.len() > 20, "{}", everything.len());
    let seqs: Vec<i64> = everything.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(seqs.windows(2).all(|p| p[0] > p[1]), "newest first");

    // By user: only the victim services' entries.
    let (_, cem) = page(server, &auditor, "/audit?user=cem").await;
    let cem_rows = rows(&cem, "audit");
    assert!(!cem_rows.is_empty() && cem_rows.iter().all(|r| r[2] == "cem"), "{cem_rows:?}");
    assert!(cem.contains("value=\"cem\""), "the filter is kept");
    // By action, in words.
    let (_, filed) = page(server, &auditor, "/audit?action=claim.file").await;
    let filed_rows = rows(&filed, "audit");
    assert_eq!(filed_rows.len(), 3, "{filed_rows:?}");
    assert!(filed_rows.iter().all(|r| r[3] == "reclamo presentado"));
    // By object: one claim's entries.
    let claim = w.lines["Ana"].0;
    let (_, one) = page(server, &auditor, &format!("/audit?object=claim&id={claim}")).await;
    let one_rows = rows(&one, "audit");
    assert!(
        one_rows.len() >= 2 && one_rows.iter().all(|r| r[4] == format!("reclamo {claim}")),
        "{one_rows:?}"
    );
    // By day in Lima: today has them all, tomorrow none.
    let (today, tomorrow) = lima_days();
    let (_, from_today) = page(server, &auditor, &format!("/audit?from={today}&to={today}")).await;
    assert_eq!(rows(&from_today, "audit").len(), everything.len());
    let (_, none) = page(server, &auditor, &format!("/audit?from={tomorrow}")).await;
    assert!(rows(&none, "audit").is_empty() && none.contains("No hay entradas con estos filtros."));
    // A day that is not one: said next to its field, what was typed kept.
    let (status, wrong) = page(server, &auditor, "/audit?from=31%2F02%2F2026&user=cem").await;
    assert_eq!(status, 422);
    assert!(
        wrong.contains("aria-invalid=\"true\" aria-describedby=\"f-from-error\"")
            && wrong.contains("id=\"f-from-error\"")
    );
    let wrong = decode(&wrong);
    assert!(wrong.contains("value=\"31/02/2026\"") && wrong.contains("value=\"cem\""), "{wrong}");
    // Paging keeps the filters.
    let (_, first) = page(server, &auditor, "/audit?user=admin").await;
    if let Some(link) = first.split("id=\"next-page\" href=\"").nth(1) {
        assert!(link.split('"').next().unwrap().contains("user=admin"));
    }
    // Only auditors.
    assert_eq!(page(server, &w.officer, "/audit?user=cem").await.0, 403);
}

async fn the_statement_is_newest_first_by_day_without_holds(database: TestDatabase) {
    let w = world(database).await;
    let server = &w.server;
    let officer = server.token("oficial", USER_PASSWORD).await;
    let path = "/ledger/statement?account=assets:bank:fund&currency=PEN";
    let (status, plain) = page(server, &officer, path).await;
    assert_eq!(status, 200, "{plain}");
    let plain_rows = rows(&plain, "statement");
    let (_, with_holds) = page(server, &officer, &format!("{path}&zero=1")).await;
    let hold_rows = rows(&with_holds, "statement");
    assert!(hold_rows.len() > plain_rows.len(), "{plain_rows:?} {hold_rows:?}");
    assert!(plain_rows.iter().all(|r| r[2] != "S/ 0.00"), "no line that posts nothing: {plain_rows:?}");
    assert!(hold_rows.iter().any(|r| r[2] == "S/ 0.00"), "holds when asked: {hold_rows:?}");
    assert!(plain_rows.iter().any(|r| r[2] == "S/ 9,000.00" && r[3] == "S/ 9,000.00"), "{plain_rows:?}");
    let seqs: Vec<i64> = hold_rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(seqs.windows(2).all(|p| p[0] > p[1]), "newest first: {seqs:?}");
    assert!(with_holds.contains("name=\"zero\" value=\"1\" checked"));
    let (today, tomorrow) = lima_days();
    let (_, today_rows) = page(server, &officer, &format!("{path}&from={today}&to={today}")).await;
    assert_eq!(rows(&today_rows, "statement").len(), plain_rows.len());
    let (_, later) = page(server, &officer, &format!("{path}&from={tomorrow}")).await;
    assert!(rows(&later, "statement").is_empty());
    let (status, wrong) = page(server, &officer, &format!("{path}&to=mañana")).await;
    assert_eq!(status, 422);
    assert!(wrong.contains("id=\"f-to-error\""));
}

/// A claim page links to its case and order only for roles that may read them: a treasurer
/// (who may not read cases or orders, 403) sees their numbers without links.
async fn a_claim_links_its_case_only_for_roles_that_may_read_it(database: TestDatabase) {
    let w = world(database).await;
    let server = &w.server;
    let (claim, _) = w.lines["Ana"].clone();
    let path = format!("/claims/{claim}");
    let (status, officer_page) = page(server, &w.officer, &path).await;
    assert_eq!(status, 200);
    assert!(officer_page.contains("id=\"claim-case\""), "{officer_page}");
    assert!(officer_page.contains("id=\"claim-order\""), "{officer_page}");
    let case = officer_page.split("href=\"/cases/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let (status, treasurer_page) = page(server, &w.treasurer, &path).await;
    assert_eq!(status, 200);
    assert!(!treasurer_page.contains("id=\"claim-case\""), "{treasurer_page}");
    assert!(!treasurer_page.contains("href=\"/cases/"), "{treasurer_page}");
    assert!(!treasurer_page.contains("id=\"claim-order\""), "{treasurer_page}");
    assert_eq!(page(server, &w.treasurer, &format!("/cases/{case}")).await.0, 403);
}

/// The ids a table links to under `prefix` (`/orders/`), in the table's order.
fn linked_ids(page: &str, table: &str, prefix: &str) -> Vec<i64> {
    let body = page.split(&format!("<table id=\"{table}\">")).nth(1).unwrap();
    let body = body.split("</tbody>").next().unwrap();
    let mut ids: Vec<i64> = Vec::new();
    for rest in body.split(&format!("href=\"{prefix}")).skip(1) {
        let id = rest.split('"').next().unwrap().parse().unwrap();
        if ids.last() != Some(&id) {
            ids.push(id);
        }
    }
    ids
}

/// Every page of a list, following its "next" link: the ids of each page.
async fn pages_of(server: &TestServer, token: &str, path: &str, table: &str, prefix: &str) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    let mut next = Some(path.to_string());
    while let Some(path) = next {
        let (status, html) = page(server, token, &path).await;
        assert_eq!(status, 200, "{path}: {html}");
        pages.push(linked_ids(&html, table, prefix));
        next =
            html.split("id=\"next-page\" href=\"").nth(1).map(|rest| decode(rest.split('"').next().unwrap()));
        assert!(pages.len() < 10, "a list without an end");
    }
    pages
}

/// A case world for the lists: `cases` cases of the Lima prosecutor's office at the Lima
/// court, each with one judgment (every other one final) and one order of S/ 1,000.00 for Ana
/// (CEM Lima); the first order paid in full, the second in part, the third with an insolvency
/// finding, a claim open on the fourth. Another office, another court and another victim
/// services have nothing. (server, orders and judgments newest first, case ids.)
struct Lists {
    server: TestServer,
    officer: String,
    fiscal: String,
    clerk: String,
    services: String,
    other_office: String,
    other_services: String,
    ana: String,
    /// Order ids by case, in the cases' order.
    orders: Vec<i64>,
    judgments: Vec<i64>,
    cases: Vec<i64>,
}

async fn lists_world(database: TestDatabase, cases: usize) -> Lists {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let services = member(&server, &admin, "CEM Lima", "ministry", "cem", &["victim_services"]).await;
    let other_services =
        member(&server, &admin, "CEM Tumbes", "ministry", "cem.tumbes", &["victim_services"]).await;
    let fiscal = member(&server, &admin, "Fiscalía de Lima", "prosecutor", "fiscal", &["prosecutor"]).await;
    let other_office =
        member(&server, &admin, "Fiscalía de Tumbes", "prosecutor", "fiscal.tumbes", &["prosecutor"]).await;
    let clerk =
        member(&server, &admin, "Juzgado Penal de Lima", "court", "secretario", &["court_clerk"]).await;
    member(&server, &admin, "Juzgado Penal de Tumbes", "court", "secretario.tumbes", &["court_clerk"]).await;
    let officer = member(&server, &admin, "Fondo", "fund_unit", "oficial", &["fund_officer"]).await;
    let body = json!({"given_names": "Ana", "surnames": "Quispe Mamani", "document_type": "dni",
        "document_number": "41000001", "birth_date": "1990-01-01", "sex": "female", "nationality": "PE", "consent": true});
    let ana =
        ok(server.post("/api/v1/victims", &services, body).await).await["code"].as_str().unwrap().to_string();
    let court = server.institution_id(&admin, "Juzgado Penal de Lima").await;
    let (mut orders, mut judgments, mut case_ids) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..cases {
        let body = json!({"prosecutor_file": format!("FPT-LISTS-{i:04}"), "jurisdiction": "Lima",
            "offences": ["129-A"], "reported_on": "2025-01-02", "defendants": ["Marco Salas Vera"], "court_id": court});
        let case = ok(server.post("/api/v1/cases", &fiscal, body).await).await;
        let case_id = case["id"].as_i64().unwrap();
        server.link_victims(&services, case_id, &[ana.as_str()]).await;
        let defendant = case["defendants"][0]["id"].as_i64().unwrap();
        let mut body = json!({"case_id": case_id, "judged_on": "2026-01-10", "court": "Juzgado Penal de Lima",
            "convicted": [defendant], "orders": [{"victim": ana, "items": [{"head": "moral_damage", "amount": "1000.00"}],
            "debtors": [defendant], "payment_deadline": "2026-02-10"}]});
        if i % 2 == 0 {
            body["final_on"] = json!("2026-02-10");
        }
        let judgment = ok(server.post("/api/v1/judgments", &clerk, body).await).await;
        judgments.push(judgment["id"].as_i64().unwrap());
        orders.push(judgment["orders"][0]["id"].as_i64().unwrap());
        case_ids.push(case_id);
    }
    let pay = |amount: &str| json!({"amount": amount, "paid_on": "2026-03-01"});
    ok(server.post(&format!("/api/v1/orders/{}/payments", orders[0]), &clerk, pay("1000.00")).await).await;
    ok(server.post(&format!("/api/v1/orders/{}/payments", orders[1]), &clerk, pay("100.00")).await).await;
    let finding = json!({"found_on": "2026-03-01", "basis": "Sin bienes"});
    ok(server.post(&format!("/api/v1/orders/{}/insolvency", orders[2]), &clerk, finding).await).await;
    ok(server.post("/api/v1/claims", &services, json!({"victim": ana, "order_id": orders[3]})).await).await;
    Lists {
        server,
        officer,
        fiscal,
        clerk,
        services,
        other_office,
        other_services,
        ana,
        orders,
        judgments,
        cases: case_ids,
    }
}

fn newest_first(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids
}

async fn judgments_and_orders_are_listed_for_the_readers_institution_filtered_and_paged(
    database: TestDatabase,
) {
    let w = lists_world(database, 53).await;
    let server = &w.server;
    let all_orders = newest_first(w.orders.clone());
    let all_judgments = newest_first(w.judgments.clone());
    // Everyone who may read them sees all of them, fifty a page: the pages follow one another
    // with no overlap and no gap.
    for token in [&w.officer, &w.fiscal, &w.clerk, &w.services] {
        let pages = pages_of(server, token, "/orders", "orders", "/orders/").await;
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![50, 3]);
        assert_eq!(pages.concat(), all_orders);
    }
    for token in [&w.officer, &w.fiscal, &w.clerk] {
        let pages = pages_of(server, token, "/judgments", "judgments", "/judgments/").await;
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![50, 3]);
        assert_eq!(pages.concat(), all_judgments);
    }
    // Victim services reach judgments through their victims' orders, as cases.
    assert_eq!(page(server, &w.services, "/judgments").await.0, 403);
    // Another prosecutor's office, another victim services: none of them.
    for token in [&w.other_office, &w.other_services] {
        let (status, html) = page(server, token, "/orders").await;
        assert_eq!(status, 200);
        assert!(linked_ids(&html, "orders", "/orders/").is_empty(), "{html}");
        assert!(html.contains("No hay órdenes con estos filtros."));
        let (_, html) = page(server, token, "/orders?state=unpaid").await;
        assert!(linked_ids(&html, "orders", "/orders/").is_empty(), "{html}");
    }
    let (_, html) = page(server, &w.other_office, "/judgments").await;
    assert!(linked_ids(&html, "judgments", "/judgments/").is_empty(), "{html}");
    assert!(html.contains("No hay sentencias con estos filtros."));
    let other_clerk = server.token("secretario.tumbes", USER_PASSWORD).await;
    let (_, html) = page(server, &other_clerk, "/judgments?final=yes").await;
    assert!(linked_ids(&html, "judgments", "/judgments/").is_empty(), "{html}");
    // Roles that read no orders.
    let treasurer = server.user_token("tesorera", &["treasurer"]).await;
    assert_eq!(page(server, &treasurer, "/orders").await.0, 403);
    assert_eq!(page(server, &treasurer, "/judgments").await.0, 403);

    // By payment state, as the domain has it.
    let in_state = |state: &str| format!("/orders?state={state}");
    let officer = &w.officer;
    assert_eq!(
        pages_of(server, officer, &in_state("paid"), "orders", "/orders/").await.concat(),
        vec![w.orders[0]]
    );
    assert_eq!(
        pages_of(server, officer, &in_state("partly"), "orders", "/orders/").await.concat(),
        vec![w.orders[1]]
    );
    assert_eq!(
        pages_of(server, officer, &in_state("insolvent"), "orders", "/orders/").await.concat(),
        vec![w.orders[2]]
    );
    let unpaid = pages_of(server, officer, &in_state("unpaid"), "orders", "/orders/").await;
    assert_eq!(unpaid.concat(), newest_first(w.orders[3..].to_vec()));
    let (_, paid) = page(server, &w.officer, "/orders?state=paid").await;
    let row = &rows(&paid, "orders")[0];
    assert_eq!(row[4..8], ["S/ 1,000.00", "S/ 1,000.00", "S/ 0.00", "pagada"], "{row:?}");
    // By finality, the filter kept in the next page's link.
    let finals = pages_of(server, &w.fiscal, "/judgments?final=yes", "judgments", "/judgments/").await;
    assert_eq!(finals.concat(), newest_first(w.judgments.iter().step_by(2).copied().collect()));
    let (_, first) = page(server, &w.fiscal, "/judgments?final=no").await;
    assert!(first.contains("<option value=\"no\" selected>"));
    let open = pages_of(server, &w.fiscal, "/judgments?final=no", "judgments", "/judgments/").await;
    assert_eq!(open.concat(), newest_first(w.judgments.iter().skip(1).step_by(2).copied().collect()));
    // By case and by file number.
    let (_, one) = page(server, &w.clerk, &format!("/orders?case={}", w.cases[7])).await;
    assert_eq!(linked_ids(&one, "orders", "/orders/"), vec![w.orders[7]]);
    let (_, one) = page(server, &w.clerk, "/judgments?file=FPT-LISTS-0007").await;
    assert_eq!(linked_ids(&one, "judgments", "/judgments/"), vec![w.judgments[7]]);
    let (_, none) = page(server, &w.clerk, "/orders?file=FPT-NONE").await;
    assert!(linked_ids(&none, "orders", "/orders/").is_empty());
    // A filter that does not read: said next to its field, what was typed kept.
    let (status, wrong) = page(server, &w.officer, "/orders?state=owed&file=FPT-LISTS-0001").await;
    assert_eq!(status, 422);
    assert!(wrong.contains("aria-invalid=\"true\" aria-describedby=\"f-state-error\""), "{wrong}");
    assert!(wrong.contains("elija una opción de la lista"), "in Spanish: {wrong}");
    assert!(decode(&wrong).contains("value=\"FPT-LISTS-0001\""));
    let (status, wrong) = page(server, &w.officer, "/judgments?case=abc").await;
    assert_eq!(status, 422);
    assert!(wrong.contains("id=\"f-case-error\""), "{wrong}");

    // A case links its orders; an order links its claims for those who read claims.
    let (_, case) = page(server, &w.officer, &format!("/cases/{}", w.cases[3])).await;
    assert!(case.contains(&format!("href=\"/orders?case={}\"", w.cases[3])), "{case}");
    let (_, order) = page(server, &w.officer, &format!("/orders/{}", w.orders[3])).await;
    assert_eq!(linked_ids(&order, "order-claims", "/claims/").len(), 1, "{order}");
    let (_, order) = page(server, &w.fiscal, &format!("/orders/{}", w.orders[3])).await;
    assert!(!order.contains("id=\"order-claims\""), "a prosecutor reads no claims: {order}");
    let _ = &w.ana;
}

/// The claim form sent as a browser sends it, with the session's cookie.
async fn post_claim(server: &TestServer, token: &str, body: String) -> reqwest::Response {
    server
        .client
        .post(server.url("/claims"))
        .header("cookie", format!("redress_session={token}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn the_claim_form_offers_exactly_the_victims_open_orders(database: TestDatabase) {
    let w = lists_world(database, 6).await;
    let server = &w.server;
    // The first step asks for the victim; the second offers the victim's open orders: not the
    // paid one, not the one with an open claim.
    let (status, first) = page(server, &w.services, "/claims/new").await;
    assert_eq!(status, 200);
    assert!(first.contains("id=\"choose-victim\"") && !first.contains("id=\"claim-form\""));
    let (status, form) = page(server, &w.services, &format!("/claims/new?victim={}", w.ana)).await;
    assert_eq!(status, 200, "{form}");
    let select = form.split("<select id=\"order_id\"").nth(1).unwrap().split("</select>").next().unwrap();
    let offered: Vec<i64> = select
        .split("<option value=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().unwrap().parse().ok())
        .collect();
    let mut expected = vec![w.orders[1], w.orders[2], w.orders[4], w.orders[5]];
    expected.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(offered, expected, "{select}");
    // Each with its case file, court, what is owed in soles and the judgment's date.
    let partly = decode(select.split(&format!("<option value=\"{}\"", w.orders[1])).nth(1).unwrap());
    let partly = partly.split("</option>").next().unwrap();
    assert!(
        partly.contains("FPT-LISTS-0001")
            && partly.contains("Juzgado Penal de Lima")
            && partly.contains("S/ 900.00")
            && partly.contains(&redress_web::i18n::date(redress_web::i18n::Locale::Es, "2026-01-10")),
        "{partly}"
    );
    // Another institution's victim services are refused, next to the victim's field.
    let (status, refused) = page(server, &w.other_services, &format!("/claims/new?victim={}", w.ana)).await;
    assert_eq!(status, 403);
    assert!(refused.contains("aria-invalid=\"true\" aria-describedby=\"victim-error\""), "{refused}");
    assert!(refused.contains("su institución no atiende a esta víctima"), "{refused}");
    assert!(
        !refused.contains("id=\"claim-form\"") && !refused.contains(&format!("value=\"{}\"", w.orders[1]))
    );
    // A code that names nobody: said next to the field, kept.
    let (status, unknown) = page(server, &w.services, "/claims/new?victim=V-2026-999999").await;
    assert_eq!(status, 422);
    assert!(unknown.contains("id=\"victim-error\"") && unknown.contains("value=\"V-2026-999999\""));
    // Others may not use it at all.
    assert_eq!(page(server, &w.officer, &format!("/claims/new?victim={}", w.ana)).await.0, 403);

    // A refused claim keeps what was typed and the picker, the error next to its field.
    let login = server.session("cem", USER_PASSWORD).await;
    let (token, csrf) = (login["token"].as_str().unwrap(), login["csrf_token"].as_str().unwrap());
    let body = format!(
        "_csrf={csrf}&victim={}&kind=reparation&order_id={}&amount=abc&needs=no_income",
        w.ana, w.orders[2]
    );
    let response = post_claim(server, token, body).await;
    assert_eq!(response.status(), 422);
    let again = response.text().await.unwrap();
    assert!(again.contains("aria-invalid=\"true\" aria-describedby=\"amount-error\""), "{again}");
    assert!(again.contains("value=\"abc\"") && again.contains("id=\"need-no_income\" checked"), "{again}");
    assert!(again.contains(&format!("<option value=\"{}\" selected>", w.orders[2])), "{again}");
    // Filed on the chosen order, it is no longer offered.
    let body = format!("_csrf={csrf}&victim={}&kind=reparation&order_id={}", w.ana, w.orders[2]);
    let response = post_claim(server, token, body).await;
    assert!(response.url().as_str().contains("notice=claim-filed"), "{}", response.url());
    let (_, form) = page(server, &w.services, &format!("/claims/new?victim={}", w.ana)).await;
    assert!(!form.contains(&format!("<option value=\"{}\"", w.orders[2])));
    // Chosen again meanwhile (another tab): refused next to the order, which stays chosen.
    let body = format!("_csrf={csrf}&victim={}&kind=reparation&order_id={}&amount=50", w.ana, w.orders[2]);
    let response = post_claim(server, token, body).await;
    assert!(response.status().is_client_error(), "{}", response.status());
    let again = response.text().await.unwrap();
    assert!(again.contains(&format!("<option value=\"{}\" selected>", w.orders[2])), "{again}");
    assert!(again.contains("value=\"50\""), "{again}");
    assert!(form.contains(&format!("<option value=\"{}\"", w.orders[4])));
}

async fn rounds_and_batches_are_listed_by_state_and_linked_both_ways(database: TestDatabase) {
    let w = world(database).await;
    let server = &w.server;
    let (status, rounds) = page(server, &w.officer, "/rounds").await;
    assert_eq!(status, 200, "{rounds}");
    let round_ids = linked_ids(&rounds, "rounds", "/rounds/");
    assert_eq!(round_ids.len(), 1, "{rounds}");
    let round = round_ids[0];
    assert_eq!(linked_ids(&rounds, "rounds", "/batches/"), vec![w.batch]);
    assert!(rows(&rounds, "rounds")[0][5].contains("lote enviado al banco"), "{rounds}");
    let (_, exported) = page(server, &w.treasurer, "/rounds?state=exported").await;
    assert_eq!(linked_ids(&exported, "rounds", "/rounds/"), vec![round]);
    let (_, none) = page(server, &w.treasurer, "/rounds?state=no_batch").await;
    assert!(linked_ids(&none, "rounds", "/rounds/").is_empty());
    let (status, wrong) = page(server, &w.treasurer, "/rounds?state=sent").await;
    assert_eq!(status, 422);
    assert!(wrong.contains("id=\"f-state-error\""));
    // Batches by state.
    let (_, batches) = page(server, &w.treasurer, "/batches?state=exported").await;
    assert_eq!(linked_ids(&batches, "batches", "/batches/"), vec![w.batch]);
    assert_eq!(linked_ids(&batches, "batches", "/rounds/"), vec![round]);
    let (_, closed) = page(server, &w.treasurer, "/batches?state=closed").await;
    assert!(linked_ids(&closed, "batches", "/batches/").is_empty());
    assert!(closed.contains("<option value=\"closed\" selected>"));
    // A round links its batch, a batch its round, a claim both (for those who read payments).
    let (_, round_page) = page(server, &w.officer, &format!("/rounds/{round}")).await;
    assert!(round_page.contains(&format!("href=\"/batches/{}\"", w.batch)));
    let (_, batch_page) = page(server, &w.treasurer, &format!("/batches/{}", w.batch)).await;
    assert!(batch_page.contains(&format!("href=\"/rounds/{round}\"")));
    let claim = w.lines["Ana"].0;
    let (_, claim_page) = page(server, &w.officer, &format!("/claims/{claim}")).await;
    assert!(claim_page.contains(&format!("href=\"/rounds/{round}\"")), "{claim_page}");
    assert!(claim_page.contains(&format!("href=\"/batches/{}\"", w.batch)));
    let services = server.token("cem", USER_PASSWORD).await;
    let (status, claim_page) = page(server, &services, &format!("/claims/{claim}")).await;
    assert_eq!(status, 200);
    assert!(!claim_page.contains("href=\"/rounds/") && !claim_page.contains("href=\"/batches/"));
    // Only those who read payments.
    assert_eq!(page(server, &services, "/rounds").await.0, 403);
    assert_eq!(page(server, &w.clerk, "/batches").await.0, 403);
}

/// The victim's page lists the claims filed for her, each linked, with its state and amounts,
/// for the fund officer; a prosecutor (who reads victims but not claims) gets no such table.
async fn the_victims_page_lists_her_claims_for_those_who_read_them(database: TestDatabase) {
    let w = world(database).await;
    let server = &w.server;
    let (claim_id, _) = w.lines.values().next().unwrap();
    let claim: serde_json::Value =
        server.get(&format!("/api/v1/claims/{claim_id}"), &w.officer).await.json().await.unwrap();
    let code = claim["victim"].as_str().unwrap();
    let (status, html) = page(server, &w.officer, &format!("/victims/{code}")).await;
    assert_eq!(status, 200, "{html}");
    let listed = rows(&html, "victim-claims");
    let row = listed.iter().find(|r| r[0] == claim_id.to_string()).unwrap_or_else(|| panic!("{listed:?}"));
    assert!(row[2].chars().next().is_some_and(char::is_alphabetic), "a state in words: {row:?}");
    assert!(row[3].starts_with("S/ "), "{row:?}");
    assert!(html.contains(&format!("href=\"/claims/{claim_id}\"")), "{html}");
    let prosecutor = server.user_token("fiscal.victima", &["prosecutor"]).await;
    let (status, html) = page(server, &prosecutor, &format!("/victims/{code}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"victim-profile\"") && !html.contains("id=\"victim-claims\""), "{html}");
}
