//! The audit page's filters (user, action, object, days in Lima) and the ledger statement
//! (newest first, days, holds only when asked), over a payments world, on both engines.

mod common;

use common::world::world;
use common::{TestServer, USER_PASSWORD};
use redress_store::testing::TestDatabase;

on_both_engines!(
    the_audit_trail_is_filtered_by_user_action_object_and_day,
    the_statement_is_newest_first_by_day_without_holds,
    a_claim_links_its_case_only_for_roles_that_may_read_it
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
