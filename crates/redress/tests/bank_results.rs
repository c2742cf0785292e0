//! The bank's word on a batch at every level it can speak — the whole file, one block, one
//! payment — and their combinations, on a mixed batch of transfers and a cheque, on both
//! engines. After every report the money is checked against the records (`GET /api/v1/verify`).

mod common;

use common::expect_problem;
use common::world::{e2e, intact, line_states, ok, report, send, states, world};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    a_block_rejection_reaches_only_that_blocks_lines,
    a_group_status_reaches_every_line,
    a_payments_own_status_wins_over_its_blocks,
    a_block_rejection_keeps_a_payments_own_acceptance,
    unknown_ids_blocks_and_codes_are_problems_not_results,
    a_later_contradiction_holds_the_claim_until_a_treasurer_resolves_it,
    the_proposer_never_handles_the_bank_side,
    an_accepted_payment_the_bank_returns_later_is_owed_again_once,
);

async fn a_block_rejection_reaches_only_that_blocks_lines(database: TestDatabase) {
    let w = world(database).await;
    let trf = format!("B{}-TRF", w.batch);
    let chq = format!("B{}-CHQ", w.batch);
    let summary =
        ok(send(&w, &w.treasurer, report(&w, "1", None, &[(&trf, Some(("RJCT", Some("AC04"))), &[])])).await)
            .await;
    assert_eq!(summary["applied"], 2, "{summary}");
    assert_eq!(
        states(&w).await,
        ["rejected", "pending", "rejected"],
        "the cheque is not in the rejected block"
    );
    let line = line_states(&w).await;
    assert_eq!(line.len(), 3);
    intact(&w).await;
    // The block's reason reaches its lines: both wait for new payee details.
    let ana = ok(w.server.get(&format!("/api/v1/claims/{}", w.lines["Ana"].0), &w.officer).await).await;
    assert_eq!(ana["waiting_for"], "payee_details", "{ana}");
    // …and the fund officer's pages say so, in Spanish.
    let login = w.server.session("oficial", common::USER_PASSWORD).await;
    let cookie = format!("redress_session={}", login["token"].as_str().unwrap());
    for path in ["/claims".to_string(), format!("/claims/{}", w.lines["Ana"].0)] {
        let page = w
            .server
            .client
            .get(w.server.url(&path))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("espera datos corregidos del beneficiario"),
            "{path} does not say what the claim waits for"
        );
    }
    // The bank later pays the cheque: it is accepted, not a conflict.
    let later =
        ok(send(&w, &w.treasurer, report(&w, "2", None, &[(&chq, Some(("ACSC", None)), &[])])).await).await;
    assert_eq!(later["applied"], 1, "{later}");
    assert_eq!(later["conflicts"].as_array().unwrap().len(), 0);
    assert_eq!(states(&w).await, ["rejected", "accepted", "rejected"]);
    assert_eq!(later["batch_state"], "closed");
    intact(&w).await;
}

async fn a_group_status_reaches_every_line(database: TestDatabase) {
    let w = world(database).await;
    let summary = ok(send(&w, &w.treasurer, report(&w, "1", Some("RJCT"), &[])).await).await;
    assert_eq!(summary["applied"], 3, "{summary}");
    assert_eq!(states(&w).await, ["rejected", "rejected", "rejected"]);
    let cash = ok(w.server.get("/api/v1/ledger/accounts", &w.officer).await).await;
    let fund =
        cash["items"].as_array().unwrap().iter().find(|a| a["name"] == "assets:bank:fund").unwrap().clone();
    assert_eq!(
        (fund["posted"].as_str(), fund["pending"].as_str()),
        (Some("9000.00"), Some("0.00")),
        "{fund}"
    );
    intact(&w).await;
    // A group acceptance that is only technical (ACTC) says nothing final.
    let w2 = ok(send(&w, &w.treasurer, report(&w, "2", Some("ACTC"), &[])).await).await;
    assert_eq!(w2["applied"], 0);
}

async fn a_payments_own_status_wins_over_its_blocks(database: TestDatabase) {
    let w = world(database).await;
    let trf = format!("B{}-TRF", w.batch);
    let chq = format!("B{}-CHQ", w.batch);
    // The transfer block is partly accepted: Carla paid, Ana rejected; the cheque block is
    // accepted as a whole; the group says PART.
    let xml = report(
        &w,
        "1",
        Some("PART"),
        &[
            (&trf, Some(("PART", None)), &[(e2e(&w, "Carla"), "ACSC"), (e2e(&w, "Ana"), "RJCT")]),
            (&chq, Some(("ACSC", None)), &[]),
        ],
    );
    let summary = ok(send(&w, &w.treasurer, xml).await).await;
    assert_eq!(summary["applied"], 3, "{summary}");
    assert_eq!(states(&w).await, ["rejected", "accepted", "accepted"]);
    intact(&w).await;
}

async fn a_block_rejection_keeps_a_payments_own_acceptance(database: TestDatabase) {
    let w = world(database).await;
    let trf = format!("B{}-TRF", w.batch);
    let xml = report(&w, "1", None, &[(&trf, Some(("RJCT", None)), &[(e2e(&w, "Carla"), "ACSC")])]);
    let summary = ok(send(&w, &w.treasurer, xml).await).await;
    assert_eq!(summary["applied"], 2, "{summary}");
    assert_eq!(states(&w).await, ["rejected", "pending", "accepted"]);
    intact(&w).await;
}

async fn unknown_ids_blocks_and_codes_are_problems_not_results(database: TestDatabase) {
    let w = world(database).await;
    let trf = format!("B{}-TRF", w.batch);
    let xml = report(
        &w,
        "1",
        None,
        &[
            (&trf, None, &[(e2e(&w, "Ana"), "ZZZZ"), ("RDR-R9-C999", "ACSC"), (e2e(&w, "Carla"), "ACSC")]),
            ("B999-XYZ", Some(("RJCT", None)), &[]),
        ],
    );
    let summary = ok(send(&w, &w.treasurer, xml).await).await;
    assert_eq!(summary["applied"], 1, "only Carla's payment has a known, final status: {summary}");
    let problems: Vec<&str> =
        summary["problems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(problems.iter().any(|p| p.contains("RDR-R9-C999")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("B999-XYZ")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("ZZZZ")), "{problems:?}");
    assert_eq!(states(&w).await, ["pending", "pending", "accepted"]);
    let batch = ok(w.server.get(&format!("/api/v1/batches/{}", w.batch), &w.treasurer).await).await;
    assert_eq!(batch["bank_reports"][0]["problems"].as_array().unwrap().len(), 3, "kept with the report");
    intact(&w).await;
}

async fn a_later_contradiction_holds_the_claim_until_a_treasurer_resolves_it(database: TestDatabase) {
    let w = world(database).await;
    let chq = format!("B{}-CHQ", w.batch);
    let trf = format!("B{}-TRF", w.batch);
    ok(send(
        &w,
        &w.treasurer,
        report(
            &w,
            "1",
            None,
            &[(&chq, Some(("RJCT", Some("MS03"))), &[]), (&trf, Some(("ACSC", None)), &[])],
        ),
    )
    .await)
    .await;
    assert_eq!(states(&w).await, ["accepted", "rejected", "accepted"]);
    let berta = w.lines["Berta"].0;
    // The bank then says the cheque was cashed after all: never re-resolved, but held.
    let contrary =
        ok(send(&w, &w.treasurer, report(&w, "2", None, &[(&chq, None, &[(e2e(&w, "Berta"), "ACSC")])]))
            .await)
        .await;
    assert_eq!(contrary["conflicts"].as_array().unwrap().len(), 1, "{contrary}");
    assert_eq!(states(&w).await, ["accepted", "rejected", "accepted"]);
    let claim = ok(w.server.get(&format!("/api/v1/claims/{berta}"), &w.officer).await).await;
    assert_eq!(claim["waiting_for"], "bank_conflict");
    // Not paid again by the next round while it waits.
    let round = ok(w.server.post("/api/v1/rounds", &w.officer, json!({"dry_run": true})).await).await;
    assert!(round["lines"].as_array().unwrap().iter().all(|l| l["claim_id"] != berta), "{round}");
    // The treasurer checks the bank statement: cashed. Recorded once; the order is not overpaid.
    let path = format!("/api/v1/batches/{}/lines/{}/resolution", w.batch, e2e(&w, "Berta"));
    ok(w.server
        .post(&path, &w.treasurer, json!({"paid": true, "reason": "Cheque cobrado según extracto"}))
        .await)
    .await;
    let claim = ok(w.server.get(&format!("/api/v1/claims/{berta}"), &w.officer).await).await;
    assert_eq!(
        (claim["state"].as_str(), claim["paid"].as_str(), &claim["waiting_for"]),
        (Some("paid"), Some("3000.00"), &Value::Null)
    );
    expect_problem(
        w.server.post(&path, &w.treasurer, json!({"paid": true, "reason": "otra vez"})).await,
        409,
    )
    .await;
    intact(&w).await;
}

async fn the_proposer_never_handles_the_bank_side(database: TestDatabase) {
    let w = world(database).await;
    let trf = format!("B{}-TRF", w.batch);
    let audit = w.server.audit_length().await;
    expect_problem(w.server.get(&format!("/api/v1/batches/{}/pain001", w.batch), &w.dual).await, 403).await;
    expect_problem(send(&w, &w.dual, report(&w, "1", None, &[(&trf, Some(("ACSC", None)), &[])])).await, 403)
        .await;
    let manual = json!({"results": [{"end_to_end_id": e2e(&w, "Ana"), "status": "accepted"}]});
    expect_problem(
        w.server.post(&format!("/api/v1/batches/{}/results", w.batch), &w.dual, manual).await,
        403,
    )
    .await;
    assert_eq!(w.server.audit_length().await, audit, "nothing written");
    assert_eq!(states(&w).await, ["pending", "pending", "pending"]);
    // The invariant check names a claim whose recorded payment no bank line backs, and a line
    // whose hold disagrees with it.
    intact(&w).await;
    use sqlx::Executor;
    let claim = w.lines["Ana"].0;
    w.server
        .store
        .pool()
        .execute(format!("UPDATE claims SET paid = 300000 WHERE id = {claim}").as_str())
        .await
        .unwrap();
    w.server
        .store
        .pool()
        .execute(
            format!(
                "UPDATE batch_lines SET status = 'accepted' WHERE end_to_end_id = '{}'",
                e2e(&w, "Carla")
            )
            .as_str(),
        )
        .await
        .unwrap();
    let check = ok(w.server.get("/api/v1/verify", &w.officer).await).await;
    assert_eq!(check["intact"], false);
    let breaks = check["money"]["breaks"].to_string();
    assert!(breaks.contains(&format!("claim {claim}")), "{breaks}");
    assert!(breaks.contains(e2e(&w, "Carla")), "{breaks}");
}

/// The bank accepts a transfer, then says it was returned. Held until a treasurer resolves it;
/// "not paid" takes the money back into the fund once, the order is owed again (its payment
/// reversed by a returned entry) and the claim is approved again, waiting for the payee's
/// details before it can be paid again.
async fn an_accepted_payment_the_bank_returns_later_is_owed_again_once(database: TestDatabase) {
    let w = world(database).await;
    let trf = format!("B{}-TRF", w.batch);
    ok(send(&w, &w.treasurer, report(&w, "1", None, &[(&trf, Some(("ACSC", None)), &[])])).await).await;
    let ana = w.lines["Ana"].0;
    let claim = ok(w.server.get(&format!("/api/v1/claims/{ana}"), &w.officer).await).await;
    assert_eq!(claim["state"], "paid", "{claim}");
    let paid = claim["paid"].as_str().unwrap().to_string();
    let order_id = claim["order_id"].as_i64().unwrap();
    let order_path = format!("/api/v1/orders/{order_id}");
    let before = ok(w.server.get(&order_path, &w.officer).await).await;
    let contrary =
        ok(send(&w, &w.treasurer, report(&w, "2", None, &[(&trf, None, &[(e2e(&w, "Ana"), "RJCT")])])).await)
            .await;
    assert_eq!(contrary["conflicts"].as_array().unwrap().len(), 1, "{contrary}");
    let held = ok(w.server.get(&format!("/api/v1/claims/{ana}"), &w.officer).await).await;
    assert_eq!(held["waiting_for"], "bank_conflict", "{held}");
    let path = format!("/api/v1/batches/{}/lines/{}/resolution", w.batch, e2e(&w, "Ana"));
    ok(w.server.post(&path, &w.treasurer, json!({"paid": false, "reason": "Devuelto según extracto"})).await)
        .await;
    let claim = ok(w.server.get(&format!("/api/v1/claims/{ana}"), &w.officer).await).await;
    assert_eq!(
        (claim["state"].as_str(), claim["paid"].as_str()),
        (Some("approved"), Some("0.00")),
        "{claim}"
    );
    assert_eq!(claim["waiting_for"], "payee_details", "not paid again to the account that returned it");
    let after = ok(w.server.get(&order_path, &w.officer).await).await;
    let units = |v: &Value, k: &str| -> i64 { v[k].as_str().unwrap().replace('.', "").parse().unwrap() };
    let paid_units: i64 = paid.replace('.', "").parse().unwrap();
    assert_eq!(units(&after, "paid_by_fund"), units(&before, "paid_by_fund") - paid_units, "{after}");
    assert_eq!(units(&after, "owed"), units(&before, "owed") + paid_units, "{after}");
    expect_problem(
        w.server.post(&path, &w.treasurer, json!({"paid": false, "reason": "otra vez"})).await,
        409,
    )
    .await;
    intact(&w).await;
}
