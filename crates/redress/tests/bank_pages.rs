//! The treasurer's pages around the bank, on both engines: a batch's execution date is chosen
//! when proposing (a past day refused next to its field, the date kept), and after a pain.002
//! upload a summary page says what was accepted, what was rejected with the bank's reasons in
//! Spanish, and what could not be applied.

mod common;

use common::world::{approved, report, world, World};
use redress_store::testing::TestDatabase;
use serde_json::json;

on_both_engines!(a_batch_is_proposed_for_a_chosen_day_never_a_past_one, a_pain002_upload_shows_its_summary);

async fn csrf_of(w: &World, username: &str) -> (String, String) {
    let login = w.server.session(username, common::USER_PASSWORD).await;
    (login["token"].as_str().unwrap().to_string(), login["csrf_token"].as_str().unwrap().to_string())
}

async fn send_form(w: &World, session: &(String, String), path: &str, body: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(w.server.url(path))
        .header("cookie", format!("redress_session={}", session.0))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("{body}&_csrf={}", common::urlencode(&session.1)))
        .send()
        .await
        .unwrap()
}

async fn a_batch_is_proposed_for_a_chosen_day_never_a_past_one(database: TestDatabase) {
    let w = approved(database).await;
    let round =
        common::world::ok(w.server.post("/api/v1/rounds", &w.officer, json!({"dry_run": false})).await).await;
    let round = round["id"].as_i64().unwrap();
    let dual = csrf_of(&w, "dual").await;
    // The round's page offers the form with tomorrow suggested.
    let page = w
        .server
        .client
        .get(w.server.url(&format!("/rounds/{round}")))
        .header("cookie", format!("redress_session={}", dual.0))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"execution_date\" type=\"date\" required value=\"20"), "{page}");
    // A past day: refused next to the field, kept, nothing proposed.
    let refused =
        send_form(&w, &dual, "/batches", &format!("round_id={round}&execution_date=02%2F01%2F2025")).await;
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.unwrap();
    assert!(text.contains("id=\"execution_date-error\"") && text.contains("aria-invalid=\"true\""), "{text}");
    assert!(text.contains("value=\"2025-01-02\""), "the date typed is kept: {text}");
    let batches = common::world::ok(w.server.get("/api/v1/batches", &w.dual).await).await;
    assert_eq!(batches["items"].as_array().map_or(0, Vec::len), 0, "{batches}");
    // A day in the future, typed as the pages show dates.
    let day = time::OffsetDateTime::now_utc().date() + time::Duration::days(10);
    let typed = format!("{:02}%2F{:02}%2F{}", day.day(), u8::from(day.month()), day.year());
    let proposed =
        send_form(&w, &dual, "/batches", &format!("round_id={round}&execution_date={typed}")).await;
    assert_eq!(proposed.status(), 303);
    let location = proposed.headers()["location"].to_str().unwrap().to_string();
    let id = location.trim_start_matches("/batches/");
    let batch = common::world::ok(w.server.get(&format!("/api/v1/batches/{id}"), &w.dual).await).await;
    assert_eq!(batch["execution_date"], day.to_string());
}

async fn a_pain002_upload_shows_its_summary(database: TestDatabase) {
    let w = world(database).await;
    let treasurer = csrf_of(&w, "tesorera").await;
    let (ana, carla) = (w.lines["Ana"].1.clone(), w.lines["Carla"].1.clone());
    let blocks: &[common::world::Block] =
        &[("ignored", None, &[(ana.as_str(), "ACSC"), (carla.as_str(), "RJCT"), ("RDR-UNKNOWN", "ACSC")])];
    let mut xml = report(&w, "1", None, blocks);
    // The bank's reason for Carla's refusal: a closed account.
    xml = xml.replace(
        &format!("<OrgnlEndToEndId>{carla}</OrgnlEndToEndId><TxSts>RJCT</TxSts>"),
        &format!("<OrgnlEndToEndId>{carla}</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf>"),
    );
    let body = format!("report={}", common::urlencode(&xml));
    let response = send_form(&w, &treasurer, &format!("/batches/{}/report", w.batch), &body).await;
    let status = response.status();
    let page = response.text().await.unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Resultados del banco: lote"), "{page}");
    assert!(page.contains("id=\"accepted-count\">1<") && page.contains("id=\"rejected-count\">1<"), "{page}");
    let rejected = page.split("<table id=\"rejected\">").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(rejected.contains(&carla) && rejected.contains("cuenta cerrada (AC04)"), "{rejected}");
    let accepted = page.split("<table id=\"accepted\">").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(accepted.contains(&ana), "{accepted}");
    assert!(page.contains("el banco informa un pago que no es de este lote (RDR-UNKNOWN)"), "{page}");
    for english in ["unknown_end_to_end_id", "accepted", "rejected", "AC04 "] {
        assert!(!page.contains(&format!(">{english}")), "{english} in {page}");
    }
    // The same file again: said, nothing changed.
    let again = send_form(&w, &treasurer, &format!("/batches/{}/report", w.batch), &body).await;
    assert!(again.text().await.unwrap().contains("Este informe ya se había importado"));
}
