//! `Idempotency-Key` around a crash, on both engines, with a bank-result upload: the states a
//! dead server leaves behind are set up exactly (a claim whose lease runs out before or after
//! its work applied) and the test clock is moved past the lease. The real kill -9 is in
//! `crash.rs`.

mod common;

use common::world::{e2e, intact, ok, report, states, world, World};
use redress_app::clock::Clock;
use redress_app::idempotency::{idempotency_hash, KeyInUse, CURRENT};
use redress_app::store::Store;
use redress_domain::{Timestamp, UserId};
use redress_store::testing::TestDatabase;
use serde_json::Value;

on_both_engines!(
    a_retry_takes_over_a_key_whose_holder_died_before_its_work_applied,
    a_retry_never_reruns_work_that_applied_before_the_answer_was_lost,
    the_work_and_the_applied_mark_commit_together,
);

const LEASE_SECONDS: i64 = 30 + 5;

async fn treasurer_id(w: &World) -> UserId {
    let me = ok(w.server.get("/api/v1/me", &w.treasurer).await).await;
    UserId(me["user"]["id"].as_i64().or_else(|| me["id"].as_i64()).expect("the user's id"))
}

fn path(w: &World) -> String {
    format!("/api/v1/batches/{}/status-report", w.batch)
}

/// What a server that died while handling `xml` under `key` left behind: a claim with a lease,
/// stamped applied when `applied`.
async fn left_by_a_dead_server(w: &World, user: UserId, key: &str, xml: &str, applied: bool) {
    let now = w.server.clock.now();
    let hash = idempotency_hash("POST", &path(w), xml.as_bytes());
    let mut tx = w.server.store.write().await.unwrap();
    assert!(tx.claim_idempotency_key(user, key, &hash, now, now.plus_seconds(LEASE_SECONDS)).await.unwrap());
    tx.commit().await.unwrap();
    if applied {
        // A write committed while the request ran stamps the key (the work itself is left out,
        // so that running it again would show).
        let in_use = KeyInUse { user, key: key.to_string() };
        CURRENT
            .scope(in_use, async {
                let tx = w.server.store.write().await.unwrap();
                tx.commit().await.unwrap();
            })
            .await;
    }
}

async fn send_with_key(w: &World, key: &str, xml: &str) -> reqwest::Response {
    w.server
        .client
        .post(w.server.url(&path(w)))
        .bearer_auth(&w.treasurer)
        .header("content-type", "application/xml")
        .header("idempotency-key", key)
        .body(xml.to_string())
        .send()
        .await
        .unwrap()
}

fn all_accepted(w: &World, id: &str) -> String {
    report(w, id, Some("ACSC"), &[])
}

async fn a_retry_takes_over_a_key_whose_holder_died_before_its_work_applied(database: TestDatabase) {
    let w = world(database).await;
    let user = treasurer_id(&w).await;
    let xml = all_accepted(&w, "1");
    left_by_a_dead_server(&w, user, "k-died-early", &xml, false).await;

    let waiting = send_with_key(&w, "k-died-early", &xml).await;
    assert_eq!(waiting.status(), 409, "the lease still runs");
    let retry_after: i64 = waiting.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=LEASE_SECONDS + 1).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(states(&w).await, ["pending", "pending", "pending"].map(String::from), "nothing ran yet");

    w.server.clock.advance_seconds(LEASE_SECONDS + 1);
    let ran = send_with_key(&w, "k-died-early", &xml).await;
    assert_eq!(ran.status(), 200, "the retry runs the request");
    assert!(ran.headers().get("idempotent-replayed").is_none());
    let first: Value = ran.json().await.unwrap();
    assert_eq!(states(&w).await, ["accepted", "accepted", "accepted"].map(String::from));

    let again = send_with_key(&w, "k-died-early", &xml).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first, "the same answer, not a second run");
    intact(&w).await;
}

async fn a_retry_never_reruns_work_that_applied_before_the_answer_was_lost(database: TestDatabase) {
    let w = world(database).await;
    let user = treasurer_id(&w).await;
    let xml = all_accepted(&w, "2");
    left_by_a_dead_server(&w, user, "k-died-late", &xml, true).await;

    assert_eq!(send_with_key(&w, "k-died-late", &xml).await.status(), 409, "the lease still runs");
    w.server.clock.advance_seconds(LEASE_SECONDS + 1);
    let answer = send_with_key(&w, "k-died-late", &xml).await;
    assert_eq!(answer.status(), 409);
    let problem: Value = answer.json().await.unwrap();
    assert_eq!(problem["type"], "urn:redress:problem:idempotency-applied", "{problem}");
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    // The stand-in work was empty: had the retry run the report, the lines would be paid.
    assert_eq!(states(&w).await, ["pending", "pending", "pending"].map(String::from));

    // The same report under another key is a new request and runs.
    assert_eq!(send_with_key(&w, "k-new", &xml).await.status(), 200);
    assert_eq!(states(&w).await[0], "accepted");
    intact(&w).await;
}

async fn the_work_and_the_applied_mark_commit_together(database: TestDatabase) {
    let w = world(database).await;
    let user = treasurer_id(&w).await;
    let ana = e2e(&w, "Ana").to_string();
    let block = format!("B{}-TRF", w.batch);
    let xml = report(&w, "3", None, &[(block.as_str(), None, &[(ana.as_str(), "ACSC")])]);
    let done = send_with_key(&w, "k-normal", &xml).await;
    assert!(done.status().is_success(), "{}", done.text().await.unwrap());
    let mut tx = w.server.store.read().await.unwrap();
    let record = tx.idempotency_key(user, "k-normal").await.unwrap().expect("remembered");
    assert!(record.applied_at.is_some(), "the report's transaction stamped the key");
    assert_eq!(record.response.status, 200);
    drop(tx);

    // A refusal before any work commits leaves the key unapplied, with its answer stored.
    let garbage = "<Document/>";
    assert_eq!(send_with_key(&w, "k-refused", garbage).await.status(), 422);
    let mut tx = w.server.store.read().await.unwrap();
    let refused = tx.idempotency_key(user, "k-refused").await.unwrap().expect("remembered");
    assert_eq!(refused.response.status, 422);
    assert_eq!(refused.applied_at, None::<Timestamp>);
}
