//! The set-based and aggregate reads the pages are built from: the page reads by id
//! (`PageReads`), the summary figures (`SummaryReads`), the filtered lists (`ListReads`), the
//! record lists of cases, rounds and batches, and the ledger's reads as of an instant — each
//! checked against a small data set written through the store's own writes, on both engines.

use std::collections::HashMap;

use redress_app::lists::{AuditFilter, StatementFilter};
use redress_app::record_lists::RoundFilter;
use redress_app::store::{
    AssetMove, BatchRecord, ClaimEvent, ClaimRecord, InsolvencyFinding, OrderPayment, OrderRecord, Page,
    PolicyRecord, RoundLine, RoundRecord, Store,
};
use redress_app::summary::{ClaimCount, ClaimGroup, PublishedAsset};
use redress_domain::assets::{AssetKind, AssetState};
use redress_domain::audit::AuditEvent;
use redress_domain::cases::Stage;
use redress_domain::claims::{ClaimKind, ClaimState};
use redress_domain::ledger::{PendingStatus, Transfer, TransferType};
use redress_domain::orders::PaymentSource;
use redress_domain::payments::BatchState;
use redress_domain::{Amount, Currency, InstitutionId, InstitutionKind};
use redress_store::testing::TestDatabase;

use super::claims::{batch, claim, round, two_claims};
use super::orders::judgment;
use super::records::victim_record;
use super::typed::{asset_record, case_record};
use super::{insert, open_account, pen, posted_transfer, t};

const ALL: Page = Page { after: None, limit: 100 };

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

/// Rows of a child table grouped by their parent's id, each group in the order read.
fn by_parent<T>(rows: Vec<(i64, T)>) -> HashMap<i64, Vec<T>> {
    let mut groups: HashMap<i64, Vec<T>> = HashMap::new();
    for (id, row) in rows {
        groups.entry(id).or_default().push(row);
    }
    groups
}

fn sorted<T: Ord>(mut values: Vec<T>) -> Vec<T> {
    values.sort();
    values
}

async fn policy_one(tx: &mut dyn redress_app::store::WriteTx) {
    let policy = PolicyRecord {
        version: 1,
        document: "{}".to_string(),
        created_at: t(1),
        created_by: "a".to_string(),
    };
    tx.insert_fund_policy(&policy).await.unwrap();
}

// ---- Page reads by id ---------------------------------------------------------------------------

fn order(judgment_id: i64, victim_id: i64, number: i64, moral: i64, debtors: Vec<i64>) -> OrderRecord {
    OrderRecord {
        id: 0,
        judgment_id,
        victim_id,
        victim_code: format!("V-2026-{number:05}"),
        currency: pen(),
        payment_deadline: Some(format!("2026-08-{number:02}")),
        items: vec![
            ("lost_earnings".to_string(), Amount::from_minor(100 * number)),
            ("moral".to_string(), Amount::from_minor(moral)),
        ],
        debtors,
        created_at: t(2),
        created_by: "juez".to_string(),
    }
}

fn payment(source: PaymentSource, amount: i64, at: i64) -> OrderPayment {
    OrderPayment {
        source,
        amount: Amount::from_minor(amount),
        paid_on: format!("2026-06-{:02}", at),
        reference: Some(format!("Depósito {at}")),
        recorded_at: t(at),
        recorded_by: "fondo".to_string(),
    }
}

fn claim_event(from: Option<ClaimState>, to: ClaimState, at: i64) -> ClaimEvent {
    ClaimEvent {
        from_state: from,
        to_state: to,
        at: t(at),
        by: "fondo".to_string(),
        note: Some(format!("n{at}")),
    }
}

/// Each `…_in` read returns exactly the rows of the ids asked for (those that exist, once
/// each), children with their parent's id and oldest first, and nothing for no ids.
pub(crate) async fn set_based_page_reads_match_the_rows_they_read(database: &TestDatabase) {
    let store = database.open().await;
    let mut tx = store.write().await.unwrap();
    let office = tx.insert_institution("Fiscalía", InstitutionKind::Prosecutor, t(0)).await.unwrap();
    policy_one(&mut *tx).await;
    let first_case = tx.insert_case(&case_record(office, "F-1")).await.unwrap();
    let second_case = tx.insert_case(&case_record(office, "F-2")).await.unwrap();
    tx.set_case_stage(first_case, Stage::Investigation, "2026-02-01").await.unwrap();
    let defendant = tx.insert_defendant(first_case, "Juan Pérez").await.unwrap();
    let other_defendant = tx.insert_defendant(first_case, "Rosa Díaz").await.unwrap();
    let victims = [
        tx.insert_victim(&victim_record(office, 1, "idx-1")).await.unwrap(),
        tx.insert_victim(&victim_record(office, 2, "idx-2")).await.unwrap(),
        tx.insert_victim(&victim_record(office, 3, "idx-3")).await.unwrap(),
    ];
    // The first victim consented and was verified; the second withdrew; the third withdrew
    // after being verified.
    tx.insert_identity_verification(victims[0], "dni_in_person", t(5), "ong").await.unwrap();
    tx.insert_identity_verification(victims[2], "dni_in_person", t(5), "ong").await.unwrap();
    tx.set_consent_withdrawn("V-2026-00002", t(6)).await.unwrap();
    tx.set_consent_withdrawn("V-2026-00003", t(6)).await.unwrap();
    let first_judgment =
        tx.insert_judgment(&judgment(first_case, vec![other_defendant, defendant])).await.unwrap();
    let second_judgment = tx.insert_judgment(&judgment(second_case, vec![])).await.unwrap();
    tx.set_judgment_final(first_judgment, "2026-05-20").await.unwrap();
    let orders = [
        tx.insert_order(&order(first_judgment, victims[0], 1, 500_000, vec![defendant])).await.unwrap(),
        tx.insert_order(&order(first_judgment, victims[1], 2, 70_000, vec![defendant, other_defendant]))
            .await
            .unwrap(),
        tx.insert_order(&order(second_judgment, victims[2], 3, 9_000, vec![])).await.unwrap(),
    ];
    // Payments interleaved between orders, so that "oldest first" is per order.
    let payments = [
        (orders[0], payment(PaymentSource::Debtor, 100, 1)),
        (orders[2], payment(PaymentSource::Fund, 300, 2)),
        (orders[0], payment(PaymentSource::Recovery, 200, 3)),
    ];
    for (order_id, payment) in &payments {
        tx.insert_order_payment(*order_id, payment).await.unwrap();
    }
    let finding = |basis: &str, at: i64| InsolvencyFinding {
        found_on: format!("2026-07-{at:02}"),
        basis: basis.to_string(),
        recorded_at: t(at),
        recorded_by: "juez".to_string(),
    };
    let findings = [(orders[1], finding("sin bienes", 4)), (orders[1], finding("sin ingresos", 5))];
    for (order_id, finding) in &findings {
        tx.insert_insolvency_finding(*order_id, finding).await.unwrap();
    }
    let claim_of = |victim: usize, kind: ClaimKind, order_id: Option<i64>, state: ClaimState| ClaimRecord {
        kind,
        order_id,
        state,
        victim_code: format!("V-2026-{:05}", victim + 1),
        ..claim(victims[victim], office, if victim == 2 { second_case } else { first_case })
    };
    let claims = [
        tx.insert_claim(&claim_of(0, ClaimKind::Reparation, Some(orders[0]), ClaimState::Received))
            .await
            .unwrap(),
        tx.insert_claim(&claim_of(0, ClaimKind::Advance, None, ClaimState::Approved)).await.unwrap(),
        tx.insert_claim(&claim_of(1, ClaimKind::Advance, None, ClaimState::Received)).await.unwrap(),
        tx.insert_claim(&claim_of(1, ClaimKind::Reparation, Some(orders[1]), ClaimState::Rejected))
            .await
            .unwrap(),
        tx.insert_claim(&claim_of(0, ClaimKind::Reparation, Some(orders[0]), ClaimState::Withdrawn))
            .await
            .unwrap(),
        tx.insert_claim(&claim_of(2, ClaimKind::Reparation, None, ClaimState::Received)).await.unwrap(),
    ];
    let events = [
        (claims[0], claim_event(None, ClaimState::Received, 10)),
        (claims[1], claim_event(None, ClaimState::Received, 11)),
        (claims[0], claim_event(Some(ClaimState::Received), ClaimState::Received, 12)),
        (claims[1], claim_event(Some(ClaimState::Received), ClaimState::Approved, 13)),
        (claims[3], claim_event(Some(ClaimState::Received), ClaimState::Rejected, 14)),
    ];
    for (claim_id, event) in &events {
        tx.insert_claim_event(*claim_id, event).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    let missing = 9_999;

    // Orders: the ones asked for that exist, once each, with their items and debtors.
    let mut found = tx.orders_in(&[orders[2], missing, orders[0], orders[2]]).await.unwrap();
    found.sort_by_key(|o| o.id);
    assert_eq!(found.iter().map(|o| o.id).collect::<Vec<_>>(), vec![orders[0], orders[2]]);
    for row in &found {
        assert_eq!(Some(row), tx.order(row.id).await.unwrap().as_ref());
    }
    let expected =
        OrderRecord { id: orders[0], ..order(first_judgment, victims[0], 1, 500_000, vec![defendant]) };
    assert_eq!(found[0], expected);
    assert_eq!((found[1].debtors.clone(), found[1].victim_code.as_str()), (vec![], "V-2026-00003"));
    let second = tx.orders_in(&[orders[1]]).await.unwrap();
    let mut debtors = vec![defendant, other_defendant];
    debtors.sort();
    assert_eq!(second.iter().map(|o| o.debtors.clone()).collect::<Vec<_>>(), vec![debtors]);
    assert!(tx.orders_in(&[]).await.unwrap().is_empty());
    assert!(tx.orders_in(&[missing]).await.unwrap().is_empty());

    // Judgments, with their convicted defendants.
    let mut found = tx.judgments_in(&[second_judgment, first_judgment, missing]).await.unwrap();
    found.sort_by_key(|j| j.id);
    assert_eq!(found.iter().map(|j| j.id).collect::<Vec<_>>(), vec![first_judgment, second_judgment]);
    for row in &found {
        assert_eq!(Some(row), tx.judgment(row.id).await.unwrap().as_ref());
    }
    let mut convicted = vec![other_defendant, defendant];
    convicted.sort();
    assert_eq!(found[0].convicted, convicted);
    assert_eq!(found[0].final_on.as_deref(), Some("2026-05-20"));
    assert_eq!(
        (found[1].case_id, found[1].convicted.clone(), found[1].final_on.clone()),
        (second_case, vec![], None)
    );
    assert!(tx.judgments_in(&[]).await.unwrap().is_empty());

    // Payments and findings: with their order's id, oldest first within each order.
    let read = tx.order_payments_in(&[orders[0], orders[1], orders[2]]).await.unwrap();
    assert_eq!(read.len(), 3);
    let mut groups = by_parent(read);
    assert_eq!(groups.remove(&orders[0]), Some(vec![payments[0].1.clone(), payments[2].1.clone()]));
    assert_eq!(groups.remove(&orders[2]), Some(vec![payments[1].1.clone()]));
    assert!(groups.is_empty(), "the second order has no payment: {groups:?}");
    assert_eq!(tx.order_payments_in(&[orders[2]]).await.unwrap(), vec![payments[1].clone()]);
    assert!(tx.order_payments_in(&[orders[1]]).await.unwrap().is_empty());
    assert!(tx.order_payments_in(&[]).await.unwrap().is_empty());
    assert_eq!(tx.insolvency_findings_in(&[orders[0], orders[1]]).await.unwrap(), findings.to_vec());
    assert!(tx.insolvency_findings_in(&[orders[0], orders[2]]).await.unwrap().is_empty());
    assert!(tx.insolvency_findings_in(&[]).await.unwrap().is_empty());

    // Claim histories.
    let mut groups = by_parent(tx.claim_events_in(&[claims[0], claims[1], claims[2]]).await.unwrap());
    assert_eq!(groups.remove(&claims[0]), Some(vec![events[0].1.clone(), events[2].1.clone()]));
    assert_eq!(groups.remove(&claims[1]), Some(vec![events[1].1.clone(), events[3].1.clone()]));
    assert!(groups.is_empty(), "the third claim has no event: {groups:?}");
    assert_eq!(tx.claim_events_in(&[claims[3]]).await.unwrap(), vec![events[4].clone()]);
    assert!(tx.claim_events_in(&[]).await.unwrap().is_empty());
    for claim_id in claims {
        let one: Vec<ClaimEvent> =
            tx.claim_events_in(&[claim_id]).await.unwrap().into_iter().map(|(_, e)| e).collect();
        assert_eq!(one, tx.claim_events(claim_id).await.unwrap());
    }

    // Eligibility facts: (victim, consent given, identity verified).
    assert_eq!(
        sorted(tx.victim_facts_in(&[victims[2], victims[1], victims[0], missing]).await.unwrap()),
        vec![(victims[0], true, true), (victims[1], false, false), (victims[2], false, true)]
    );
    assert!(tx.victim_facts_in(&[]).await.unwrap().is_empty());
    let mut stages = tx.case_stages_in(&[second_case, first_case, missing]).await.unwrap();
    stages.sort_by_key(|s| s.0);
    assert_eq!(stages, vec![(first_case, Stage::Investigation), (second_case, Stage::Reported)]);
    assert_eq!(tx.case_stages_in(&[second_case]).await.unwrap(), vec![(second_case, Stage::Reported)]);
    assert!(tx.case_stages_in(&[]).await.unwrap().is_empty());

    // Claims on orders (open or closed), and advance claims of victims.
    let ids = |claims: Vec<ClaimRecord>| sorted(claims.iter().map(|c| c.id).collect::<Vec<_>>());
    let on_orders = tx.claims_on_orders(&[orders[0], orders[2]]).await.unwrap();
    for row in &on_orders {
        assert_eq!(Some(row), tx.claim(row.id).await.unwrap().as_ref());
    }
    assert_eq!(ids(on_orders), vec![claims[0], claims[4]]);
    assert_eq!(ids(tx.claims_on_orders(&[orders[1]]).await.unwrap()), vec![claims[3]]);
    assert!(tx.claims_on_orders(&[orders[2]]).await.unwrap().is_empty());
    assert!(tx.claims_on_orders(&[]).await.unwrap().is_empty());
    let advances = tx.advances_of_victims(&[victims[0], victims[1], victims[2]]).await.unwrap();
    assert!(advances.iter().all(|c| c.kind == ClaimKind::Advance), "{advances:?}");
    assert_eq!(ids(advances), vec![claims[1], claims[2]]);
    assert_eq!(ids(tx.advances_of_victims(&[victims[1]]).await.unwrap()), vec![claims[2]]);
    assert!(tx.advances_of_victims(&[victims[2]]).await.unwrap().is_empty(), "only a reparation claim");
    assert!(tx.advances_of_victims(&[]).await.unwrap().is_empty());
}

// ---- Summary figures ----------------------------------------------------------------------------

/// One victim's case and the fund's first policy, for claims: (victim, its institution, case).
async fn a_victim_with_a_case(store: &dyn Store) -> (i64, InstitutionId, i64) {
    let mut tx = store.write().await.unwrap();
    let ngo = tx.insert_institution("ONG", InstitutionKind::Ngo, t(0)).await.unwrap();
    let case = tx.insert_case(&case_record(ngo, "F-1")).await.unwrap();
    let victim = tx.insert_victim(&victim_record(ngo, 1, "idx")).await.unwrap();
    policy_one(&mut *tx).await;
    tx.commit().await.unwrap();
    (victim, ngo, case)
}

/// The counts and sums a summary page shows come from every claim row in its state, tier,
/// currency and dates, and leave the others out.
pub(crate) async fn summary_counts_come_from_every_row(database: &TestDatabase) {
    let store = database.open().await;
    let (victim, ngo, case) = a_victim_with_a_case(&store).await;
    let base = claim(victim, ngo, case);
    struct Row {
        state: ClaimState,
        tier: u8,
        filed: i64,
        decision_due: i64,
        payment_due: Option<&'static str>,
        currency: Currency,
        paid: i64,
    }
    let row = |state, tier, filed, payment_due| Row {
        state,
        tier,
        filed,
        decision_due: filed + 800,
        payment_due,
        currency: pen(),
        paid: 0,
    };
    let rows = [
        Row { decision_due: 500, ..row(ClaimState::Received, 1, 100, None) },
        row(ClaimState::Received, 2, 200, None),
        row(ClaimState::Received, 1, 300, None),
        row(ClaimState::Approved, 1, 150, Some("2026-12-01")),
        row(ClaimState::Allocated, 3, 250, Some("2026-11-15")),
        row(ClaimState::InBatch, 2, 260, None),
        Row { paid: 250_000, ..row(ClaimState::Paid, 1, 50, Some("2026-01-01")) },
        Row { paid: 40_000, ..row(ClaimState::Paid, 1, 60, None) },
        Row { paid: 10_000, currency: usd(), ..row(ClaimState::Paid, 1, 70, None) },
        Row { decision_due: 10, ..row(ClaimState::Rejected, 2, 5, Some("2026-01-01")) },
    ];
    let mut tx = store.write().await.unwrap();
    for row in &rows {
        let record = ClaimRecord {
            state: row.state,
            tier: row.tier,
            filed_at: t(row.filed),
            decision_due: t(row.decision_due),
            payment_due: row.payment_due.map(str::to_string),
            currency: row.currency,
            paid: Amount::from_minor(row.paid),
            ..base.clone()
        };
        tx.insert_claim(&record).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    let count = |tier: u8, state: ClaimState, claims: i64| ClaimCount { tier, state, claims };
    let mut counts = tx.claim_counts(&[ClaimState::Received, ClaimState::Approved]).await.unwrap();
    counts.sort_by_key(|c| (c.tier, c.state.as_str()));
    assert_eq!(
        counts,
        vec![
            count(1, ClaimState::Approved, 1),
            count(1, ClaimState::Received, 2),
            count(2, ClaimState::Received, 1)
        ]
    );
    assert_eq!(tx.claim_counts(&[ClaimState::Paid]).await.unwrap(), vec![count(1, ClaimState::Paid, 3)]);
    assert!(tx.claim_counts(&[ClaimState::Withdrawn, ClaimState::Stopped]).await.unwrap().is_empty());
    assert!(tx.claim_counts(&[]).await.unwrap().is_empty());

    // Overdue: a received claim strictly past its decision instant; an approved, allocated or
    // batched one strictly past its payment date. Paid and rejected ones never are.
    assert_eq!(tx.overdue_claims(t(500), "2026-12-01").await.unwrap(), 1, "only the allocated one");
    assert_eq!(tx.overdue_claims(t(501), "2026-12-02").await.unwrap(), 3);
    assert_eq!(tx.overdue_claims(t(1_101), "2026-12-02").await.unwrap(), 5);
    assert_eq!(tx.overdue_claims(t(0), "2026-01-01").await.unwrap(), 0);

    // Received claims filed in each [from, to), then all received claims.
    let ranges = [(t(100), t(200)), (t(200), t(301)), (t(0), t(100)), (t(0), t(1_000))];
    assert_eq!(tx.received_claims_filed(&ranges).await.unwrap(), vec![1, 2, 0, 3, 3]);
    assert_eq!(tx.received_claims_filed(&[]).await.unwrap(), vec![3]);

    // Groups by state and tier; what was paid counts only in the currency asked for.
    let group = |state: &str, tier: i64, claims: i64, paid: i64| ClaimGroup {
        state: state.to_string(),
        tier,
        claims,
        paid: Amount::from_minor(paid),
    };
    let groups = |mut groups: Vec<ClaimGroup>| {
        groups.sort_by(|a, b| (&a.state, a.tier).cmp(&(&b.state, b.tier)));
        groups
    };
    let pen_groups = vec![
        group("allocated", 3, 1, 0),
        group("approved", 1, 1, 0),
        group("in_batch", 2, 1, 0),
        group("paid", 1, 3, 290_000),
        group("received", 1, 2, 0),
        group("received", 2, 1, 0),
        group("rejected", 2, 1, 0),
    ];
    assert_eq!(groups(tx.claim_groups(pen()).await.unwrap()), pen_groups);
    let usd_paid: Vec<(String, i64, Amount)> = groups(tx.claim_groups(usd()).await.unwrap())
        .into_iter()
        .filter(|g| g.paid != Amount::ZERO)
        .map(|g| (g.state, g.claims, g.paid))
        .collect();
    assert_eq!(usd_paid, vec![("paid".to_string(), 3, Amount::from_minor(10_000))]);
}

/// Paid claims are counted by whole days from filing to their first `paid` event; a claim
/// not paid (whatever its events) or paid without an event is left out.
pub(crate) async fn paid_claim_delays_are_banded_from_filing_to_the_first_payment(database: &TestDatabase) {
    const DAY: i64 = 86_400_000_000;
    let store = database.open().await;
    assert!(store.read().await.unwrap().paid_claim_delays().await.unwrap().is_empty());
    let (victim, ngo, case) = a_victim_with_a_case(&store).await;
    let base = ClaimRecord { filed_at: t(10), ..claim(victim, ngo, case) };
    // (state, the instants of its `paid` events, after filing)
    let claims: Vec<(ClaimState, Vec<i64>)> = vec![
        (ClaimState::Paid, vec![30 * DAY, 400 * DAY]), // the first payment counts: d030
        (ClaimState::Paid, vec![31 * DAY - 1]),        // 30 whole days: d030
        (ClaimState::Paid, vec![31 * DAY]),            // d090
        (ClaimState::Paid, vec![365 * DAY]),           // d365
        (ClaimState::Paid, vec![366 * DAY]),           // dmax
        (ClaimState::Paid, vec![]),                    // no event: left out
        (ClaimState::Approved, vec![DAY]),             // not paid: left out
    ];
    let mut tx = store.write().await.unwrap();
    for (state, paid_at) in &claims {
        let id = tx.insert_claim(&ClaimRecord { state: *state, ..base.clone() }).await.unwrap();
        // An earlier event to another state does not count.
        tx.insert_claim_event(id, &ClaimEvent { at: t(10), ..claim_event(None, ClaimState::Received, 0) })
            .await
            .unwrap();
        for at in paid_at {
            let event =
                ClaimEvent { at: t(10 + at), ..claim_event(Some(ClaimState::InBatch), ClaimState::Paid, 0) };
            tx.insert_claim_event(id, &event).await.unwrap();
        }
    }
    tx.commit().await.unwrap();
    let delays = store.read().await.unwrap().paid_claim_delays().await.unwrap();
    let expected: Vec<(String, i64)> = [("d030", 2), ("d090", 1), ("d365", 1), ("dmax", 1)]
        .iter()
        .map(|(b, n)| (b.to_string(), *n))
        .collect();
    assert_eq!(delays, expected, "bands in their order, empty ones left out");
}

/// Published assets: those in the states asked for, by id after `after`, each with the dates
/// of its first moves to seized, confiscated (or released) and sold (or sold early).
pub(crate) async fn published_assets_come_with_their_move_dates(database: &TestDatabase) {
    let store = database.open().await;
    let mut tx = store.write().await.unwrap();
    let agency = tx.insert_institution("PRONABI", InstitutionKind::AssetAgency, t(0)).await.unwrap();
    let movement = |from: Option<AssetState>, to: AssetState, on: &str, amount: Option<i64>| AssetMove {
        from_state: from,
        to_state: to,
        on_date: on.to_string(),
        document: format!("Resolución {on}"),
        amount: amount.map(Amount::from_minor),
        costs: None,
        recorded_at: t(3),
        recorded_by: "pronabi".to_string(),
    };
    use AssetState::*;
    let histories: Vec<(AssetKind, Vec<AssetMove>)> = vec![
        (
            AssetKind::RealEstate,
            vec![
                movement(None, Seized, "2026-01-01", None),
                movement(Some(Seized), Confiscated, "2026-03-01", None),
            ],
        ),
        (AssetKind::Vehicle, vec![movement(None, Seized, "2026-01-02", None)]),
        (
            AssetKind::Vehicle,
            vec![
                movement(None, Seized, "2026-01-03", None),
                movement(Some(Seized), Confiscated, "2026-02-03", None),
                movement(Some(Confiscated), Sold, "2026-04-03", Some(1_500_000)),
                movement(Some(Sold), Sold, "2026-05-03", Some(9)),
            ],
        ),
        (
            AssetKind::Vehicle,
            vec![
                movement(Some(SaleAuthorised), SoldEarly, "2026-02-04", Some(800_000)),
                movement(Some(SoldEarly), Released, "2026-06-04", None),
            ],
        ),
    ];
    let mut ids = Vec::new();
    for (kind, moves) in &histories {
        let id = tx.insert_asset(&asset_record(agency, *kind)).await.unwrap();
        for movement in moves {
            tx.insert_asset_move(id, movement).await.unwrap();
        }
        let last = moves.last().unwrap();
        tx.set_asset_state(id, last.to_state, &last.on_date).await.unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();

    let published =
        |id: i64, kind: AssetKind, state: AssetState, dates: [Option<&str>; 3], sale: Option<i64>| {
            PublishedAsset {
                id,
                kind: kind.as_str().to_string(),
                region: Some("Tumbes".to_string()),
                state: state.as_str().to_string(),
                currency: pen(),
                seized_on: dates[0].map(str::to_string),
                confiscated_on: dates[1].map(str::to_string),
                sold_on: dates[2].map(str::to_string),
                sale_amount: sale.map(Amount::from_minor),
            }
        };
    let expected = vec![
        published(
            ids[0],
            AssetKind::RealEstate,
            Confiscated,
            [Some("2026-01-01"), Some("2026-03-01"), None],
            None,
        ),
        published(
            ids[2],
            AssetKind::Vehicle,
            Sold,
            [Some("2026-01-03"), Some("2026-02-03"), Some("2026-04-03")],
            Some(1_500_000),
        ),
        published(
            ids[3],
            AssetKind::Vehicle,
            Released,
            [None, Some("2026-06-04"), Some("2026-02-04")],
            Some(800_000),
        ),
    ];
    let states = ["confiscated", "sold", "released"];
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.published_assets(&states, ALL).await.unwrap(), expected);
    let first = tx.published_assets(&states, Page { after: None, limit: 2 }).await.unwrap();
    assert_eq!(first, expected[..2]);
    let rest = tx.published_assets(&states, Page { after: Some(first[1].id), limit: 2 }).await.unwrap();
    assert_eq!(rest, expected[2..]);
    assert!(tx.published_assets(&states, Page { after: Some(ids[3]), limit: 2 }).await.unwrap().is_empty());
    assert_eq!(
        tx.published_assets(&["seized"], ALL).await.unwrap().iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![ids[1]]
    );
    assert!(tx.published_assets(&["returned"], ALL).await.unwrap().is_empty());
    assert!(tx.published_assets(&[], ALL).await.unwrap().is_empty(), "no state asked, on both engines");
    assert!(tx.assets_in_states(&[], ALL).await.unwrap().is_empty(), "no state asked, on both engines");
}

// ---- Filtered lists -----------------------------------------------------------------------------

fn audit_event(at: i64, actor: &str, action: &str, target: Option<(&str, &str)>) -> AuditEvent {
    AuditEvent {
        at: t(at),
        actor_user_id: None,
        actor: actor.to_string(),
        institution: None,
        action: action.to_string(),
        target_type: target.map(|t| t.0.to_string()),
        target_id: target.map(|t| t.1.to_string()),
        purpose: None,
        request_id: None,
        details: "{}".to_string(),
    }
}

/// The audit trail newest first, each filter exact, the time range [from, to), and `before`
/// a page boundary by sequence number.
pub(crate) async fn the_audit_trail_is_filtered_newest_first(database: &TestDatabase) {
    let store = database.open().await;
    let events = [
        audit_event(100, "ana", "victim.registered", Some(("victim", "1"))),
        audit_event(200, "luis", "claim.filed", Some(("claim", "7"))),
        audit_event(300, "ana", "claim.filed", Some(("claim", "8"))),
        audit_event(400, "ana", "victim.registered", Some(("victim", "8"))),
        audit_event(500, "system", "backup.made", None),
    ];
    let mut tx = store.write().await.unwrap();
    for event in &events {
        tx.append_audit(event.clone()).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    let all = tx.audit_filtered(&AuditFilter::default(), None, 10).await.unwrap();
    assert_eq!(all.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![5, 4, 3, 2, 1]);
    assert_eq!(
        all.iter().map(|r| r.event.clone()).collect::<Vec<_>>(),
        events.iter().rev().cloned().collect::<Vec<_>>()
    );
    let text = |s: &str| Some(s.to_string());
    let cases: Vec<(AuditFilter, Option<i64>, i64, Vec<i64>)> = vec![
        (AuditFilter { actor: text("ana"), ..AuditFilter::default() }, None, 10, vec![4, 3, 1]),
        (AuditFilter { actor: text("Ana"), ..AuditFilter::default() }, None, 10, vec![]),
        (AuditFilter { action: text("claim.filed"), ..AuditFilter::default() }, None, 10, vec![3, 2]),
        (
            AuditFilter { actor: text("ana"), action: text("claim.filed"), ..AuditFilter::default() },
            None,
            10,
            vec![3],
        ),
        (AuditFilter { target_type: text("victim"), ..AuditFilter::default() }, None, 10, vec![4, 1]),
        (AuditFilter { target_id: text("8"), ..AuditFilter::default() }, None, 10, vec![4, 3]),
        (
            AuditFilter { target_type: text("claim"), target_id: text("8"), ..AuditFilter::default() },
            None,
            10,
            vec![3],
        ),
        (
            AuditFilter { from: Some(t(200)), to: Some(t(400)), ..AuditFilter::default() },
            None,
            10,
            vec![3, 2],
        ),
        (AuditFilter { from: Some(t(401)), ..AuditFilter::default() }, None, 10, vec![5]),
        (AuditFilter { to: Some(t(100)), ..AuditFilter::default() }, None, 10, vec![]),
        (AuditFilter { actor: text("ana"), ..AuditFilter::default() }, Some(4), 10, vec![3, 1]),
        (AuditFilter { actor: text("ana"), ..AuditFilter::default() }, None, 2, vec![4, 3]),
        (AuditFilter::default(), Some(3), 1, vec![2]),
        (AuditFilter::default(), Some(1), 10, vec![]),
        (AuditFilter { actor: text("nobody"), ..AuditFilter::default() }, None, 10, vec![]),
    ];
    for (filter, before, limit, expected) in cases {
        let found = tx.audit_filtered(&filter, before, limit).await.unwrap();
        assert_eq!(found.iter().map(|r| r.seq).collect::<Vec<_>>(), expected, "{filter:?} before {before:?}");
    }
}

// ---- Record lists -------------------------------------------------------------------------------

/// Cases newest first, of an institution (opened by it or at its court), in the stages asked
/// for, paged by id without gap or overlap.
pub(crate) async fn record_list_pages_are_scoped_and_paged(database: &TestDatabase) {
    let store = database.open().await;
    let mut tx = store.write().await.unwrap();
    let office = tx.insert_institution("Fiscalía", InstitutionKind::Prosecutor, t(0)).await.unwrap();
    let other = tx.insert_institution("Otra fiscalía", InstitutionKind::Prosecutor, t(0)).await.unwrap();
    let court = tx.insert_institution("Juzgado", InstitutionKind::Court, t(0)).await.unwrap();
    let plan = [
        (office, Stage::Reported, false),
        (other, Stage::Investigation, false),
        (office, Stage::Trial, true),
        (other, Stage::Reported, true),
        (office, Stage::Investigation, false),
    ];
    let mut cases = Vec::new();
    for (n, (institution, stage, at_court)) in plan.iter().enumerate() {
        let id = tx.insert_case(&case_record(*institution, &format!("F-{n}"))).await.unwrap();
        tx.set_case_stage(id, *stage, "2026-03-01").await.unwrap();
        if *at_court {
            tx.set_case_court(id, court).await.unwrap();
        }
        cases.push(id);
    }
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    let page = |after: Option<usize>, limit: i64| Page { after: after.map(|n| cases[n]), limit };
    // (institution, stages, page, the cases expected by their index in `plan`)
    type Listed<'a> = (Option<InstitutionId>, Vec<&'a str>, Page, Vec<usize>);
    let listed: Vec<Listed> = vec![
        (None, vec![], ALL, vec![4, 3, 2, 1, 0]),
        (Some(office), vec![], ALL, vec![4, 2, 0]),
        (Some(other), vec![], ALL, vec![3, 1]),
        (Some(court), vec![], ALL, vec![3, 2]),
        (Some(office), vec!["investigation", "trial"], ALL, vec![4, 2]),
        (None, vec!["reported"], ALL, vec![3, 0]),
        (Some(court), vec!["reported"], ALL, vec![3]),
        (Some(other), vec!["trial"], ALL, vec![]),
        (None, vec!["archived"], ALL, vec![]),
        (None, vec![], page(None, 2), vec![4, 3]),
        (None, vec![], page(Some(3), 2), vec![2, 1]),
        (None, vec![], page(Some(1), 2), vec![0]),
        (None, vec![], page(Some(0), 2), vec![]),
        (Some(office), vec!["reported", "investigation"], page(Some(4), 1), vec![0]),
    ];
    for (institution, stages, page, expected) in listed {
        let rows = tx.cases_page(institution, &stages, page).await.unwrap();
        let expected: Vec<i64> = expected.iter().map(|n| cases[*n]).collect();
        assert_eq!(
            rows.iter().map(|c| c.id).collect::<Vec<_>>(),
            expected,
            "{institution:?} {stages:?} {page:?}"
        );
        for row in &rows {
            assert_eq!(Some(row), tx.case(row.id).await.unwrap().as_ref());
        }
    }
    let newest = tx.cases_page(None, &[], page(None, 1)).await.unwrap();
    assert_eq!(
        (newest[0].stage, newest[0].institution_id, newest[0].court_id, newest[0].prosecutor_file.as_str()),
        (Stage::Investigation, office, None, "F-4")
    );
}

/// Rounds newest first with their line count and batch, filtered by where the batch stands;
/// batches newest first in the states asked for.
pub(crate) async fn rounds_and_batches_are_listed_by_batch_state(database: &TestDatabase) {
    let store = database.open().await;
    let (_, [first, second]) = two_claims(&store).await;
    let mut tx = store.write().await.unwrap();
    let line = |claim_id: i64, position: i64| RoundLine {
        claim_id,
        position,
        amount: Amount::from_minor(1_000 * (position + 1)),
        explanation: "{}".to_string(),
        hold_id: None,
    };
    // Rounds: without batch, proposed, exported, without batch.
    let plan: [(Vec<RoundLine>, Option<BatchState>); 4] = [
        (vec![line(first, 0)], None),
        (vec![line(first, 0), line(second, 1)], Some(BatchState::Proposed)),
        (vec![], Some(BatchState::Exported)),
        (vec![line(second, 0)], None),
    ];
    let mut rounds = Vec::new();
    let mut batches: Vec<BatchRecord> = Vec::new();
    for (n, (lines, state)) in plan.iter().enumerate() {
        let record = RoundRecord {
            available: Amount::from_minor(900_000 + n as i64),
            created_at: t(30 + n as i64),
            created_by: format!("fondo-{n}"),
            ..round()
        };
        let id = tx.insert_round(&record, lines).await.unwrap();
        rounds.push((id, record, lines.len() as i64));
        if let Some(state) = state {
            let batch_id = tx.insert_batch(&batch(id), &[]).await.unwrap();
            let mut stored = tx.batch(batch_id).await.unwrap().unwrap();
            if *state != BatchState::Proposed {
                stored.state = *state;
                stored.approved_at = Some(t(41));
                stored.approved_by = Some("tesorero".to_string());
                tx.update_batch(&stored).await.unwrap();
            }
            batches.push(stored);
        }
    }
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    let row_of = |n: usize| {
        let (id, record, lines) = &rounds[n];
        let batch = batches.iter().find(|b| b.round_id == *id);
        redress_app::record_lists::RoundRow {
            id: *id,
            currency: record.currency,
            available: record.available,
            allocated: record.allocated,
            lines: *lines,
            created_at: record.created_at,
            created_by: record.created_by.clone(),
            batch_id: batch.map(|b| b.id),
            batch_state: batch.map(|b| b.state),
        }
    };
    let page = |after: Option<usize>, limit: i64| Page { after: after.map(|n| rounds[n].0), limit };
    let listed: Vec<(RoundFilter, Page, Vec<usize>)> = vec![
        (RoundFilter::Any, ALL, vec![3, 2, 1, 0]),
        (RoundFilter::WithoutBatch, ALL, vec![3, 0]),
        (RoundFilter::Batch(BatchState::Proposed), ALL, vec![1]),
        (RoundFilter::Batch(BatchState::Exported), ALL, vec![2]),
        (RoundFilter::Batch(BatchState::Closed), ALL, vec![]),
        (RoundFilter::Any, page(None, 2), vec![3, 2]),
        (RoundFilter::Any, page(Some(2), 2), vec![1, 0]),
        (RoundFilter::Any, page(Some(0), 2), vec![]),
        (RoundFilter::WithoutBatch, page(Some(3), 1), vec![0]),
        (RoundFilter::Batch(BatchState::Proposed), page(Some(1), 10), vec![]),
    ];
    for (filter, page, expected) in listed {
        let rows = tx.rounds_page(filter, page).await.unwrap();
        let expected: Vec<_> = expected.into_iter().map(row_of).collect();
        assert_eq!(rows, expected, "{filter:?} {page:?}");
    }

    // Batches: [proposed, exported].
    let batch_ids = |rows: Vec<BatchRecord>| rows.iter().map(|b| b.id).collect::<Vec<_>>();
    let (proposed, exported) = (batches[0].id, batches[1].id);
    assert_eq!(tx.batches_page(&[], ALL).await.unwrap(), vec![batches[1].clone(), batches[0].clone()]);
    assert_eq!(batch_ids(tx.batches_page(&[BatchState::Proposed], ALL).await.unwrap()), vec![proposed]);
    assert_eq!(
        batch_ids(tx.batches_page(&[BatchState::Proposed, BatchState::Exported], ALL).await.unwrap()),
        vec![exported, proposed]
    );
    assert!(tx.batches_page(&[BatchState::Closed, BatchState::Approved], ALL).await.unwrap().is_empty());
    assert_eq!(
        batch_ids(tx.batches_page(&[], Page { after: None, limit: 1 }).await.unwrap()),
        vec![exported]
    );
    let after = Page { after: Some(exported), limit: 1 };
    assert_eq!(batch_ids(tx.batches_page(&[], after).await.unwrap()), vec![proposed]);
    assert!(tx.batches_page(&[BatchState::Exported], after).await.unwrap().is_empty());
}

// ---- Ledger reads for pages ---------------------------------------------------------------------

/// An account's statement newest first (filtered by time, paged by sequence, holds only when
/// asked for), balances as of an instant for one account at many instants and for a page of
/// accounts, and the accounts a page names or reaches by prefix.
pub(crate) async fn ledger_reads_for_pages(database: &TestDatabase) {
    let store = database.open().await;
    assert_eq!(store.read().await.unwrap().ledger_account_count().await.unwrap(), 0);
    let fund = open_account(&store, "assets:bank:fund", pen()).await;
    let budget = open_account(&store, "income:budget", pen()).await;
    let spent = open_account(&store, "expenses:reparations", pen()).await;
    let idle = open_account(&store, "expenses:idle", pen()).await;
    // Transfer n at t(n * 1000), but the fourth at the same instant as the third (a hold).
    let mut hold = posted_transfer(3, spent, fund, 50, ((300, 0), (1_000, 300)));
    (hold.kind, hold.posted, hold.pending_status) =
        (TransferType::Pending, Amount::ZERO, Some(PendingStatus::Pending));
    let mut fourth = posted_transfer(4, fund, budget, 500, ((1_500, 300), (0, 1_500)));
    fourth.created_at = t(3_000);
    let transfers = [
        posted_transfer(1, fund, budget, 1_000, ((1_000, 0), (0, 1_000))),
        posted_transfer(2, spent, fund, 300, ((300, 0), (1_000, 300))),
        hold,
        fourth,
        posted_transfer(5, spent, fund, 200, ((500, 0), (1_500, 500))),
    ];
    insert(&store, &transfers[..2]).await;
    insert(&store, &transfers[2..]).await;

    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.ledger_account_count().await.unwrap(), 4);

    // Statements newest first.
    let seqs = |lines: Vec<Transfer>| lines.iter().map(|l| l.seq).collect::<Vec<_>>();
    let statement = |before: Option<i64>, from: Option<i64>, to: Option<i64>, with_zero: bool| {
        StatementFilter { before, from: from.map(t), to: to.map(t), with_zero }
    };
    let newest = tx.account_transfers_newest(fund, &StatementFilter::default(), 10).await.unwrap();
    let ids: Vec<String> = newest.iter().map(|l| l.id.clone()).collect();
    let mut stored = tx.transfers_by_ids(&ids).await.unwrap();
    stored.sort_by_key(|l| std::cmp::Reverse(l.seq));
    assert_eq!(newest, stored, "each line as stored, with its accounts' names");
    assert_eq!(newest[0].debit_account, "expenses:reparations");
    let listed: Vec<(i64, StatementFilter, i64, Vec<i64>)> = vec![
        (fund, statement(None, None, None, false), 10, vec![5, 4, 2, 1]),
        (fund, statement(None, None, None, true), 10, vec![5, 4, 3, 2, 1]),
        (fund, statement(None, None, None, true), 2, vec![5, 4]),
        (fund, statement(Some(4), None, None, true), 2, vec![3, 2]),
        (fund, statement(Some(2), None, None, true), 2, vec![1]),
        (fund, statement(Some(1), None, None, true), 2, vec![]),
        (fund, statement(None, Some(2_000), Some(5_000), false), 10, vec![4, 2]),
        (fund, statement(None, Some(2_000), Some(5_000), true), 10, vec![4, 3, 2]),
        (fund, statement(Some(4), Some(2_000), None, false), 10, vec![2]),
        (spent, statement(None, None, None, false), 10, vec![5, 2]),
        (spent, statement(None, None, None, true), 1, vec![5]),
        (budget, statement(None, None, Some(3_000), false), 10, vec![1]),
        (idle, statement(None, None, None, true), 10, vec![]),
    ];
    for (account, filter, limit, expected) in listed {
        let lines = tx.account_transfers_newest(account, &filter, limit).await.unwrap();
        assert_eq!(seqs(lines), expected, "account {account}, {filter:?}, limit {limit}");
    }

    // One account at many instants, in the order asked, as `posted_totals_at` finds each.
    let amounts = |d: i64, c: i64| (Amount::from_minor(d), Amount::from_minor(c));
    let instants = [t(9_999), t(0), t(1_000), t(2_999), t(3_000), t(4_999), t(5_000), t(1_000)];
    let at_each = tx.posted_totals_at_each(fund, &instants).await.unwrap();
    assert_eq!(
        at_each,
        vec![
            amounts(1_500, 500),
            amounts(0, 0),
            amounts(1_000, 0),
            amounts(1_000, 300),
            amounts(1_500, 300),
            amounts(1_500, 300),
            amounts(1_500, 500),
            amounts(1_000, 0),
        ]
    );
    for account in [fund, budget, spent, idle] {
        let mut one_by_one = Vec::new();
        for at in instants {
            one_by_one.push(tx.posted_totals_at(account, at).await.unwrap());
        }
        assert_eq!(
            tx.posted_totals_at_each(account, &instants).await.unwrap(),
            one_by_one,
            "account {account}"
        );
    }
    assert_eq!(tx.posted_totals_at_each(idle, &[t(9_999)]).await.unwrap(), vec![amounts(0, 0)]);
    assert!(tx.posted_totals_at_each(fund, &[]).await.unwrap().is_empty());

    // A page of accounts as of an instant, by id.
    let row = |id: i64, d: i64, c: i64| (id, Amount::from_minor(d), Amount::from_minor(c));
    assert_eq!(
        tx.posted_totals_at_page(t(3_000), ALL).await.unwrap(),
        vec![row(fund, 1_500, 300), row(budget, 0, 1_500), row(spent, 300, 0), row(idle, 0, 0)]
    );
    assert_eq!(
        tx.posted_totals_at_page(t(2_500), Page { after: Some(fund), limit: 2 }).await.unwrap(),
        vec![row(budget, 0, 1_000), row(spent, 300, 0)]
    );
    assert_eq!(
        tx.posted_totals_at_page(t(999), Page { after: None, limit: 2 }).await.unwrap(),
        vec![row(fund, 0, 0), row(budget, 0, 0)]
    );
    assert!(tx
        .posted_totals_at_page(t(9_999), Page { after: Some(idle), limit: 10 })
        .await
        .unwrap()
        .is_empty());
    for at in [t(0), t(1_500), t(3_000), t(9_999)] {
        for (id, debits, credits) in tx.posted_totals_at_page(at, ALL).await.unwrap() {
            assert_eq!(
                tx.posted_totals_at(id, at).await.unwrap(),
                (debits, credits),
                "account {id} at {at:?}"
            );
        }
    }
    drop(tx);

    // Accounts by name or prefix, in one currency, by name.
    for name in [
        "liabilities:claims:1",
        "liabilities:claims:2",
        "liabilities:claimsx:1",
        "assets:a_b:1",
        "assets:axb:1",
    ] {
        open_account(&store, name, pen()).await;
    }
    open_account(&store, "liabilities:claims:3", usd()).await;
    open_account(&store, "assets:bank:fund", usd()).await;
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.ledger_account_count().await.unwrap(), 11);
    let names = |accounts: Vec<redress_domain::ledger::Account>| {
        // The contract names no order: compared sorted.
        sorted(
            accounts.iter().map(|a| (a.name.as_str().to_string(), a.currency.code().to_string())).collect(),
        )
    };
    let pen_names =
        |list: &[&str]| list.iter().map(|n| (n.to_string(), "PEN".to_string())).collect::<Vec<_>>();
    let matching = tx
        .ledger_accounts_matching(
            pen(),
            &["income:budget", "assets:bank:fund", "income:none"],
            &["liabilities:claims:"],
        )
        .await
        .unwrap();
    let fund_account = matching.iter().find(|a| a.id == fund).unwrap();
    assert!(fund_account.flags.credits_must_not_exceed_debits);
    assert_eq!(Some(fund_account), tx.ledger_account_by_id(fund).await.unwrap().as_ref());
    assert_eq!(
        names(matching),
        pen_names(&["assets:bank:fund", "income:budget", "liabilities:claims:1", "liabilities:claims:2"])
    );
    assert_eq!(
        names(tx.ledger_accounts_matching(pen(), &[], &["assets:a_b"]).await.unwrap()),
        pen_names(&["assets:a_b:1"])
    );
    assert_eq!(
        names(tx.ledger_accounts_matching(pen(), &[], &["expenses:", "liabilities:claims"]).await.unwrap()),
        pen_names(&[
            "expenses:idle",
            "expenses:reparations",
            "liabilities:claims:1",
            "liabilities:claims:2",
            "liabilities:claimsx:1"
        ])
    );
    assert_eq!(
        names(tx.ledger_accounts_matching(usd(), &["assets:bank:fund"], &["liabilities:"]).await.unwrap()),
        vec![
            ("assets:bank:fund".to_string(), "USD".to_string()),
            ("liabilities:claims:3".to_string(), "USD".to_string())
        ]
    );
    assert!(tx.ledger_accounts_matching(pen(), &[], &[]).await.unwrap().is_empty());
    assert!(tx.ledger_accounts_matching(pen(), &["assets:bank"], &["equity:"]).await.unwrap().is_empty());
}
