//! Judgments, reparation orders, their payments and insolvency findings, and the money records
//! of assets (valuations, leases, escrow and flows), on both engines.

use redress_app::store::{
    InsolvencyFinding, JudgmentRecord, Lease, OrderPayment, OrderRecord, Store, Valuation,
};
use redress_domain::assets::AssetKind;
use redress_domain::orders::AppealOutcome;
use redress_domain::{Amount, InstitutionKind};
use redress_store::testing::TestDatabase;

use super::typed::{asset_record, case_record};
use super::{pen, t};

fn judgment(case_id: i64, convicted: Vec<i64>) -> JudgmentRecord {
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
        source: "debtor".to_string(),
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
