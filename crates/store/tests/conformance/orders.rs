//! Judgments, reparation orders, their payments and insolvency findings, and the money records
//! of assets (valuations, leases, escrow and flows), on both engines.

use redress_app::store::{
    InsolvencyFinding, JudgmentRecord, Lease, OrderPayment, OrderRecord, Store, Valuation,
};
use redress_domain::assets::AssetKind;
use redress_domain::orders::{AppealOutcome, PaymentSource};
use redress_domain::{Amount, InstitutionKind};
use redress_store::testing::TestDatabase;

use super::typed::{asset_record, case_record};
use super::{pen, t};

pub(crate) fn judgment(case_id: i64, convicted: Vec<i64>) -> JudgmentRecord {
    JudgmentRecord {
        id: 0,
        case_id,
        judged_on: "2026-05-01".to_string(),
        court: "Juzgado Penal de Tumbes".to_string(),
        final_on: None,
        appeal_filed_on: None,
        outcome: None,
        outcome_on: None,
        outcome_note: None,
        convicted,
        created_at: t(1),
        created_by: "juez".to_string(),
    }
}

pub(crate) async fn judgments_orders_and_their_payments_round_trip(database: &TestDatabase) {
    let store = database.open().await;
    let mut tx = store.write().await.unwrap();
    let office = tx.insert_institution("Fiscalía", InstitutionKind::Prosecutor, t(0)).await.unwrap();
    let case = tx.insert_case(&case_record(office, "F-1")).await.unwrap();
    let defendant = tx.insert_defendant(case, "Juan Pérez").await.unwrap();
    let victim = tx.insert_victim(&super::records::victim_record(office, 1, "idx")).await.unwrap();
    let judgment_id = tx.insert_judgment(&judgment(case, vec![defendant])).await.unwrap();
    let order = OrderRecord {
        id: 0,
        judgment_id,
        victim_id: victim,
        victim_code: "V-2026-00001".to_string(),
        currency: pen(),
        payment_deadline: Some("2026-08-01".to_string()),
        // Read back by head of damage, on both engines.
        items: vec![
            ("lost_earnings".to_string(), Amount::from_minor(120_000)),
            ("moral".to_string(), Amount::from_minor(500_000)),
        ],
        debtors: vec![defendant],
        created_at: t(2),
        created_by: "juez".to_string(),
    };
    let order_id = tx.insert_order(&order).await.unwrap();
    let payment = OrderPayment {
        source: PaymentSource::Debtor,
        amount: Amount::from_minor(20_000),
        paid_on: "2026-06-01".to_string(),
        reference: Some("Depósito 77".to_string()),
        recorded_at: t(3),
        recorded_by: "fondo".to_string(),
    };
    tx.insert_order_payment(order_id, &payment).await.unwrap();
    let finding = InsolvencyFinding {
        found_on: "2026-07-01".to_string(),
        basis: "sin bienes embargables".to_string(),
        recorded_at: t(4),
        recorded_by: "fondo".to_string(),
    };
    tx.insert_insolvency_finding(order_id, &finding).await.unwrap();
    tx.set_judgment_final(judgment_id, "2026-05-20").await.unwrap();
    let mut appealed = judgment(case, vec![defendant]);
    appealed.id = judgment_id;
    appealed.appeal_filed_on = Some("2026-05-10".to_string());
    appealed.outcome = Some(AppealOutcome::Confirmed);
    appealed.outcome_on = Some("2026-05-20".to_string());
    appealed.outcome_note = Some("Sala de Apelaciones, exp. 12".to_string());
    tx.set_judgment_appeal(&appealed).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    let stored = tx.judgment(judgment_id).await.unwrap().unwrap();
    assert_eq!(stored.final_on.as_deref(), Some("2026-05-20"));
    assert_eq!(
        (stored.appeal_filed_on.clone(), stored.outcome),
        (appealed.appeal_filed_on.clone(), appealed.outcome)
    );
    assert_eq!(
        (stored.outcome_on.clone(), stored.outcome_note.clone()),
        (appealed.outcome_on, appealed.outcome_note)
    );
    assert_eq!(stored.convicted, vec![defendant]);
    assert!(tx.judgment(judgment_id + 1).await.unwrap().is_none());
    assert_eq!(
        tx.judgments_of_case(case).await.unwrap().iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![judgment_id]
    );
    let orders = tx.orders_of_judgment(judgment_id).await.unwrap();
    assert_eq!(orders.len(), 1);
    let stored = tx.order(order_id).await.unwrap().unwrap();
    assert_eq!((stored.items.clone(), stored.debtors.clone()), (order.items.clone(), order.debtors.clone()));
    assert_eq!(
        (stored.victim_id, stored.currency, stored.payment_deadline.clone()),
        (victim, pen(), order.payment_deadline)
    );
    assert_eq!(orders[0], stored);
    assert_eq!(tx.order_payments(order_id).await.unwrap(), vec![payment]);
    assert_eq!(tx.insolvency_findings(order_id).await.unwrap(), vec![finding]);
    assert!(tx.order(order_id + 1).await.unwrap().is_none());
}

pub(crate) async fn asset_valuations_leases_and_flows_round_trip(database: &TestDatabase) {
    let store = database.open().await;
    let mut tx = store.write().await.unwrap();
    let agency = tx.insert_institution("PRONABI", InstitutionKind::AssetAgency, t(0)).await.unwrap();
    let asset = tx.insert_asset(&asset_record(agency, AssetKind::RealEstate)).await.unwrap();
    let valuation = Valuation {
        valued_on: "2026-02-01".to_string(),
        amount: Amount::from_minor(30_000_000),
        basis: "tasación comercial".to_string(),
        recorded_by: "pronabi".to_string(),
    };
    tx.insert_valuation(asset, &valuation, t(2)).await.unwrap();
    tx.set_estimated_value(asset, valuation.amount).await.unwrap();
    let lease = Lease {
        monthly_rent: Amount::from_minor(150_000),
        starts_on: "2026-03-01".to_string(),
        ends_on: Some("2027-02-28".to_string()),
        recorded_by: "pronabi".to_string(),
    };
    tx.insert_lease(asset, &lease, t(3)).await.unwrap();
    tx.commit().await.unwrap();
    let cash = super::open_account(&store, "assets:bank:fund", pen()).await;
    let income = super::open_account(&store, "income:leases", pen()).await;
    let mut rent = super::posted_transfer(1, cash, income, 150_000, ((150_000, 0), (0, 150_000)));
    rent.references.asset = Some(asset.to_string());
    let mut other = super::posted_transfer(2, cash, income, 70_000, ((220_000, 0), (0, 220_000)));
    other.value_date = time::macros::date!(2026 - 12 - 02);
    super::insert(&store, &[rent.clone(), other]).await;

    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.asset_valuations(asset).await.unwrap(), vec![valuation.clone()]);
    assert_eq!(tx.asset(asset).await.unwrap().unwrap().estimated_value, Some(valuation.amount));
    assert_eq!(tx.asset_leases(asset).await.unwrap(), vec![lease]);
    let transfers = tx.asset_transfers(asset).await.unwrap();
    assert_eq!(transfers.iter().map(|t| t.id.clone()).collect::<Vec<_>>(), vec![rent.id.clone()]);
    let november = (time::macros::date!(2026 - 11 - 01), time::macros::date!(2026 - 12 - 01));
    assert_eq!(
        tx.account_flows(cash, november.0, november.1).await.unwrap(),
        (Amount::from_minor(150_000), Amount::from_minor(0))
    );
    assert_eq!(
        tx.account_flows(income, november.0, november.1).await.unwrap(),
        (Amount::from_minor(0), Amount::from_minor(150_000))
    );
    let december = (time::macros::date!(2026 - 12 - 01), time::macros::date!(2027 - 01 - 01));
    assert_eq!(
        tx.account_flows(cash, december.0, december.1).await.unwrap(),
        (Amount::from_minor(70_000), Amount::from_minor(0))
    );
    assert_eq!(tx.sale_escrow_held(pen()).await.unwrap(), Amount::from_minor(0), "no asset is sold early");
    assert_eq!(tx.reversals_of(&[rent.id.clone()]).await.unwrap(), Vec::<String>::new());
}

/// An order's payment state follows its items, payments (a recovery does not count) and
/// findings; the order and judgment lists keep to their scope and
/// filters; the claim form offers only what is still open.
pub(crate) async fn orders_are_listed_by_payment_state_scope_and_page(database: &TestDatabase) {
    use redress_app::record_lists::{JudgmentFilter, OrderFilter, Scope};
    use redress_app::store::Page;
    use redress_domain::orders::PaymentState;

    let store = database.open().await;
    let mut tx = store.write().await.unwrap();
    let office = tx.insert_institution("Fiscalía", InstitutionKind::Prosecutor, t(0)).await.unwrap();
    let other = tx.insert_institution("Otra fiscalía", InstitutionKind::Prosecutor, t(0)).await.unwrap();
    let case = tx.insert_case(&case_record(office, "F-1")).await.unwrap();
    let defendant = tx.insert_defendant(case, "Juan Pérez").await.unwrap();
    let victim = tx.insert_victim(&super::records::victim_record(office, 1, "idx")).await.unwrap();
    let judgment_id = tx.insert_judgment(&judgment(case, vec![defendant])).await.unwrap();
    let order = OrderRecord {
        id: 0,
        judgment_id,
        victim_id: victim,
        victim_code: "V-2026-00001".to_string(),
        currency: pen(),
        payment_deadline: None,
        items: vec![
            ("lost_earnings".to_string(), Amount::from_minor(120_000)),
            ("moral".to_string(), Amount::from_minor(500_000)),
        ],
        debtors: vec![defendant],
        created_at: t(2),
        created_by: "juez".to_string(),
    };
    let order_id = tx.insert_order(&order).await.unwrap();
    tx.commit().await.unwrap();

    let all = Page { after: None, limit: 10 };
    let state_of = |state: PaymentState| OrderFilter { states: vec![state], ..OrderFilter::default() };
    async fn listed(
        store: &redress_store::SqlStore,
        scope: Scope,
        filter: &OrderFilter,
    ) -> Vec<(i64, i64, i64)> {
        let mut tx = store.read().await.unwrap();
        let rows = tx.orders_page(scope, filter, Page { after: None, limit: 10 }).await.unwrap();
        rows.iter().map(|r| (r.id, r.ordered.minor_units(), r.paid.minor_units())).collect()
    }
    let pay = |source: PaymentSource, amount: i64| OrderPayment {
        source,
        amount: Amount::from_minor(amount),
        paid_on: "2026-06-01".to_string(),
        reference: None,
        recorded_at: t(3),
        recorded_by: "fondo".to_string(),
    };
    let steps: Vec<(Option<OrderPayment>, bool, PaymentState, i64)> = vec![
        (None, false, PaymentState::Unpaid, 0),
        (Some(pay(PaymentSource::Debtor, 20_000)), false, PaymentState::Partly, 20_000),
        (Some(pay(PaymentSource::Recovery, 50_000)), false, PaymentState::Partly, 20_000),
        (None, true, PaymentState::Insolvent, 20_000),
        (Some(pay(PaymentSource::Fund, 600_000)), false, PaymentState::Paid, 620_000),
    ];
    for (payment, finding, state, paid) in steps {
        let mut tx = store.write().await.unwrap();
        if let Some(payment) = payment {
            tx.insert_order_payment(order_id, &payment).await.unwrap();
        }
        if finding {
            let finding = InsolvencyFinding {
                found_on: "2026-07-01".to_string(),
                basis: "sin bienes".to_string(),
                recorded_at: t(4),
                recorded_by: "juez".to_string(),
            };
            tx.insert_insolvency_finding(order_id, &finding).await.unwrap();
        }
        tx.commit().await.unwrap();
        assert_eq!(
            listed(&store, Scope::All, &state_of(state)).await,
            vec![(order_id, 620_000, paid)],
            "{state:?}"
        );
        let offered = store.read().await.unwrap().claimable_orders(victim, 10).await.unwrap();
        assert_eq!(offered.len(), usize::from(state != PaymentState::Paid), "offered to a claim while owed");
        for other_state in PaymentState::ALL.into_iter().filter(|s| *s != state) {
            assert!(listed(&store, Scope::All, &state_of(other_state)).await.is_empty(), "{other_state:?}");
        }
    }
    // Scope: the case's office (or court), the victim's institution (or one it was referred to).
    let any = OrderFilter::default();
    assert_eq!(listed(&store, Scope::Institution(office), &any).await.len(), 1);
    assert!(listed(&store, Scope::Institution(other), &any).await.is_empty());
    assert_eq!(listed(&store, Scope::VictimsOf(office), &any).await.len(), 1);
    assert!(listed(&store, Scope::VictimsOf(other), &any).await.is_empty());
    let by_file =
        OrderFilter { file: Some("F-1".to_string()), case_id: Some(case), ..OrderFilter::default() };
    assert_eq!(listed(&store, Scope::All, &by_file).await.len(), 1);
    let wrong_file = OrderFilter { file: Some("F-2".to_string()), ..OrderFilter::default() };
    assert!(listed(&store, Scope::All, &wrong_file).await.is_empty());
    let mut tx = store.write().await.unwrap();
    tx.insert_referral(victim, other, t(5), "cem").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(listed(&store, Scope::VictimsOf(other), &any).await.len(), 1);

    // Judgments: by finality and scope, each with its number of orders.
    let mut tx = store.read().await.unwrap();
    let not_final = JudgmentFilter { is_final: Some(false), ..JudgmentFilter::default() };
    let rows = tx.judgments_page(Some(office), &not_final, all).await.unwrap();
    assert_eq!(rows.iter().map(|j| (j.id, j.orders)).collect::<Vec<_>>(), vec![(judgment_id, 1)]);
    assert_eq!(rows[0].prosecutor_file, "F-1");
    let finals = JudgmentFilter { is_final: Some(true), ..JudgmentFilter::default() };
    assert!(tx.judgments_page(None, &finals, all).await.unwrap().is_empty());
    let everything = JudgmentFilter::default();
    assert!(tx.judgments_page(Some(other), &everything, all).await.unwrap().is_empty());
    let by_file = JudgmentFilter { file: Some("F-1".to_string()), ..JudgmentFilter::default() };
    assert_eq!(tx.judgments_page(None, &by_file, all).await.unwrap().len(), 1);
    // Paid in full: no longer offered to a claim; nothing after the last.
    assert!(tx.claimable_orders(victim, 10).await.unwrap().is_empty());
    let after = Page { after: Some(order_id), limit: 10 };
    assert!(tx.orders_page(Scope::All, &any, after).await.unwrap().is_empty());
    drop(tx);

    // The case goes to a court: its judgments and orders are that court's to list, and the
    // court's pages follow one another, newest first, without overlap or gap.
    let court = tx_court(&store).await;
    let mut tx = store.write().await.unwrap();
    tx.set_case_court(case, court).await.unwrap();
    let second = tx.insert_judgment(&judgment(case, vec![defendant])).await.unwrap();
    let mut more = Vec::new();
    for number in 2..=4 {
        let victim = tx
            .insert_victim(&super::records::victim_record(office, number, &format!("idx{number}")))
            .await
            .unwrap();
        more.push(
            tx.insert_order(&OrderRecord { judgment_id: second, victim_id: victim, ..order.clone() })
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.judgments_page(Some(court), &everything, all).await.unwrap().len(), 2);
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let rows = tx.orders_page(Scope::Institution(court), &any, Page { after, limit: 2 }).await.unwrap();
        seen.extend(rows.iter().map(|r| r.id));
        match rows.last() {
            Some(last) if rows.len() == 2 => after = Some(last.id),
            _ => break,
        }
    }
    assert_eq!(seen, vec![more[2], more[1], more[0], order_id]);
    let office_pages =
        tx.orders_page(Scope::Institution(office), &any, Page { after: None, limit: 3 }).await.unwrap();
    assert_eq!(office_pages.iter().map(|r| r.id).collect::<Vec<_>>(), vec![more[2], more[1], more[0]]);
}

async fn tx_court(store: &redress_store::SqlStore) -> redress_domain::InstitutionId {
    let mut tx = store.write().await.unwrap();
    let court = tx.insert_institution("Juzgado", InstitutionKind::Court, t(0)).await.unwrap();
    tx.commit().await.unwrap();
    court
}
