//! Each role's home page shows its own sections and no other's, on both engines: the treasurer
//! sees a batch at the bank under "waiting for the bank", not under "to approve"; prosecutors
//! and court clerks see their cases and what waits on them; the case list is scoped and paged.

mod common;

use common::world::{ok, world};
use common::{TestServer, USER_PASSWORD};
use redress_store::testing::TestDatabase;
use serde_json::json;

on_both_engines!(
    each_home_page_shows_its_roles_sections_only,
    the_case_list_is_scoped_filtered_and_paged,
    a_claim_links_to_its_order_case_and_judgment,
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

/// Opens a case at the world's court and moves it through `stages`.
async fn case_at(server: &TestServer, prosecutor: &str, court: i64, file: &str, stages: &[&str]) -> i64 {
    let body = json!({"prosecutor_file": file, "jurisdiction": "Lima", "offences": ["129-A"],
        "reported_on": "2025-01-02", "defendants": ["Luis Rojas"], "court_id": court});
    let id = ok(server.post("/api/v1/cases", prosecutor, body).await).await["id"].as_i64().unwrap();
    for (i, stage) in stages.iter().enumerate() {
        let body = json!({"stage": stage, "date": format!("2025-02-0{}", i + 1)});
        ok(server.post(&format!("/api/v1/cases/{id}/stage"), prosecutor, body).await).await;
    }
    id
}

const SECTIONS: [&str; 9] = [
    "id=\"fund-cash\"",
    "id=\"batches-to_approve\"",
    "id=\"batches-at_bank\"",
    "id=\"my-claims\"",
    "id=\"prosecutor-cases\"",
    "id=\"court-cases\"",
    "id=\"verify-chain\"",
    "Lotes por aprobar",
    "Reclamos de mis víctimas",
];

async fn each_home_page_shows_its_roles_sections_only(database: TestDatabase) {
    let w = world(database).await;
    let server = &w.server;
    let admin = server.admin_token().await;
    let fiscal = server.token("fiscal", USER_PASSWORD).await;
    let court = server.institution_id(&admin, "Juzgado Penal de Lima").await;
    case_at(server, &fiscal, court, "FPT-2025-0901", &["investigation"]).await;
    case_at(server, &fiscal, court, "FPT-2025-0902", &["investigation", "charged", "trial"]).await;
    let auditor = server.user_token("auditora", &["auditor"]).await;
    let analyst = server.user_token("analista", &["analyst"]).await;
    let cem = server.token("cem", USER_PASSWORD).await;

    let shown: [(&str, &str, &[usize]); 8] = [
        ("admin", &admin, &[]),
        ("victim services", &cem, &[3, 8]),
        ("prosecutor", &fiscal, &[4]),
        ("court clerk", &w.clerk, &[5]),
        ("fund officer", &w.officer, &[0]),
        ("treasurer", &w.treasurer, &[1, 2, 7]),
        ("auditor", &auditor, &[6]),
        ("analyst", &analyst, &[]),
    ];
    for (role, token, expected) in shown {
        let (status, home) = page(server, token, "/").await;
        assert_eq!(status, 200, "{role}");
        for (i, section) in SECTIONS.iter().enumerate() {
            assert_eq!(home.contains(section), expected.contains(&i), "{role}: {section}\n{home}");
        }
    }

    // The treasurer: the exported batch waits for the bank, there is nothing to approve.
    let (_, home) = page(server, &w.treasurer, "/").await;
    let at_bank = home.split("id=\"batches-at_bank\"").nth(1).unwrap();
    assert!(at_bank.contains(&format!("/batches/{}", w.batch)), "{home}");
    let to_approve =
        home.split("id=\"batches-to_approve\"").nth(1).unwrap().split("</section>").next().unwrap();
    assert!(to_approve.contains("No hay lotes por aprobar.") && !to_approve.contains("/batches/"), "{home}");

    // The prosecutor's office: the case under investigation, with what it waits for; not the
    // one at trial (that waits on the court).
    let (_, home) = page(server, &fiscal, "/").await;
    assert!(home.contains("FPT-2025-0901") && home.contains("que la fiscalía lo pase a la siguiente etapa"));
    assert!(!home.contains("FPT-2025-0902"), "{home}");
    // The court: the case at trial waits for its judgment.
    let (_, home) = page(server, &w.clerk, "/").await;
    assert!(
        home.contains("FPT-2025-0902") && home.contains("que el juzgado registre la sentencia"),
        "{home}"
    );
    assert!(!home.contains("FPT-2025-0901"), "{home}");
}

async fn the_case_list_is_scoped_filtered_and_paged(database: TestDatabase) {
    let w = world(database).await;
    let server = &w.server;
    let admin = server.admin_token().await;
    let fiscal = server.token("fiscal", USER_PASSWORD).await;
    let court = server.institution_id(&admin, "Juzgado Penal de Lima").await;
    for n in 0..52 {
        case_at(server, &fiscal, court, &format!("FPT-2025-1{n:03}"), &[]).await;
    }
    case_at(server, &fiscal, court, "FPT-2025-0903", &["investigation"]).await;
    // Another office's case is not in this office's list.
    let other = server.institution_id(&admin, "CEM Lima").await;
    let body = json!({"name": "Fiscalía de Tumbes", "kind": "prosecutor"});
    let tumbes = ok(server.post("/api/v1/institutions", &admin, body).await).await["id"].as_i64().unwrap();
    assert_ne!(tumbes, other);
    let body = json!({"username": "fiscal2", "institution_id": tumbes, "roles": ["prosecutor"], "password": USER_PASSWORD});
    assert_eq!(server.post("/api/v1/users", &admin, body).await.status(), 201);
    let tumbes_token = server.token("fiscal2", USER_PASSWORD).await;
    case_at(server, &tumbes_token, court, "FPT-2025-0999", &[]).await;

    let (status, list) = page(server, &fiscal, "/cases").await;
    assert_eq!(status, 200);
    assert!(
        list.contains("FPT-2025-0903") && !list.contains("FPT-2025-0999"),
        "newest first, own office only"
    );
    assert_eq!(list.matches("<a href=\"/cases/").count(), 50, "a page of fifty");
    let next = list
        .split("id=\"next-page\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let (_, second) = page(server, &fiscal, &next).await;
    assert!(second.contains("FPT-2025-0900") && !second.contains("FPT-2025-0903"), "{second}");
    // By stage.
    let (_, filtered) = page(server, &fiscal, "/cases?stage=investigation").await;
    assert!(filtered.contains("FPT-2025-0903") && !filtered.contains("FPT-2025-1000"), "{filtered}");
    // The court sees both offices' cases at it; the fund officer every case; an analyst none.
    let (_, clerk) = page(server, &w.clerk, "/cases?stage=reported").await;
    assert!(clerk.contains("FPT-2025-0999") && clerk.contains("FPT-2025-1051"));
    let (status, _) = page(server, &w.officer, "/cases").await;
    assert_eq!(status, 200);
    let analyst = server.user_token("analista", &["analyst"]).await;
    assert_eq!(page(server, &analyst, "/cases").await.0, 403);
    let (status, _) = page(server, &fiscal, "/cases?stage=nonsense").await;
    assert_eq!(status, 422);
}

async fn a_claim_links_to_its_order_case_and_judgment(database: TestDatabase) {
    let w = world(database).await;
    let server = &w.server;
    let claim = w.lines["Ana"].0;
    let claim_json = ok(server.get(&format!("/api/v1/claims/{claim}"), &w.officer).await).await;
    let (order, case) = (claim_json["order_id"].as_i64().unwrap(), claim_json["case_id"].as_i64().unwrap());
    let (_, page_text) = page(server, &w.officer, &format!("/claims/{claim}")).await;
    assert!(
        page_text.contains(&format!("href=\"/orders/{order}\""))
            && page_text.contains(&format!("href=\"/cases/{case}\""))
    );
    let (status, order_page) = page(server, &w.officer, &format!("/orders/{order}")).await;
    assert_eq!(status, 200, "{order_page}");
    assert!(order_page.contains(&format!("href=\"/judgments/{}\"", w.judgment)), "{order_page}");
    assert!(order_page.contains("S/ 3,000.00") || order_page.contains("S&#x2f; 3,000.00"), "{order_page}");
    assert!(order_page.contains("Daño moral") || order_page.contains("daño moral"), "{order_page}");
    let (_, case_page) = page(server, &w.clerk, &format!("/cases/{case}")).await;
    assert!(case_page.contains(&format!("href=\"/judgments/{}\"", w.judgment)), "{case_page}");
    let (_, judgment) = page(server, &w.clerk, &format!("/judgments/{}", w.judgment)).await;
    assert!(judgment.contains(&format!("href=\"/orders/{order}\"")));
    // Another office may not read it.
    let admin = server.admin_token().await;
    let body = json!({"name": "Fiscalía de Piura", "kind": "prosecutor"});
    let piura = ok(server.post("/api/v1/institutions", &admin, body).await).await["id"].as_i64().unwrap();
    let body = json!({"username": "fiscal3", "institution_id": piura, "roles": ["prosecutor"], "password": USER_PASSWORD});
    assert_eq!(server.post("/api/v1/users", &admin, body).await.status(), 201);
    let other = server.token("fiscal3", USER_PASSWORD).await;
    assert_eq!(page(server, &other, &format!("/orders/{order}")).await.0, 403);
}
