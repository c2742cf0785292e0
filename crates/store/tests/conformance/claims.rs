//! Claims, fund policies, allocation rounds, payment batches and bank reports, on both engines.

use redress_app::store::{
    BankReport, BatchLine, BatchRecord, ClaimEvent, ClaimFilter, ClaimRecord, Page, PolicyRecord, RoundLine,
    RoundRecord, Store,
};
use redress_domain::claims::{ClaimKind, ClaimState, Waiting};
use redress_domain::payments::{BatchState, LineStatus, PaymentMethod};
use redress_domain::{Amount, InstitutionId, InstitutionKind};
use redress_store::testing::TestDatabase;

use super::records::victim_record;
use super::typed::case_record;
use super::{pen, t};

pub(crate) fn claim(victim_id: i64, victim_institution: InstitutionId, case_id: i64) -> ClaimRecord {
    ClaimRecord {
        id: 0,
        kind: ClaimKind::Advance,
        victim_id,
        victim_code: "V-2026-00001".to_string(),
        victim_institution,
        case_id,
        order_id: None,
        currency: pen(),
        state: ClaimState::Received,
        requested: Amount::from_minor(300_000),
        needs: vec!["housing".to_string()],
        tier: 1,
        tier_reasons: vec!["minor".to_string()],
        policy_version: 1,
        eligibility: "{\"ok\":true}".to_string(),
        approved_amount: None,
        paid: Amount::from_minor(0),
        decision_reason: None,
        filed_at: t(10),
        filed_by: "ong".to_string(),
        decision_due: t(20),
        decided_at: None,
        decided_by: None,
        payment_due: None,
        hold_id: None,
        hold_amount: None,
        waiting_for: None,
    }
}

pub(crate) fn round() -> RoundRecord {
    RoundRecord {
        id: 0,
        currency: pen(),
        policy_version: 1,
        cash: Amount::from_minor(1_000_000),
        holds: Amount::from_minor(0),
        reserve: Amount::from_minor(100_000),
        available: Amount::from_minor(900_000),
        minimum_line: Amount::from_minor(1_000),
        inputs: "[]".to_string(),
        inputs_hash: "ab".repeat(32),
        allocated: Amount::from_minor(250_000),
        created_at: t(30),
        created_by: "fondo".to_string(),
    }
}

pub(crate) fn batch(round_id: i64) -> BatchRecord {
    BatchRecord {
        id: 0,
        round_id,
        currency: pen(),
        state: BatchState::Proposed,
        execution_date: "2026-12-05".to_string(),
        total: Amount::from_minor(250_000),
        proposed_at: t(40),
        proposed_by: "fondo".to_string(),
        approved_at: None,
        approved_by: None,
        message_id: None,
        file_sha256: None,
        exported_at: None,
        exported_by: None,
        debtor: None,
    }
}

fn line(batch_id: i64, claim_id: i64, amount: i64) -> BatchLine {
    BatchLine {
        batch_id,
        claim_id,
        amount: Amount::from_minor(amount),
        hold_id: format!("hold-{claim_id}"),
        end_to_end_id: format!("E2E-{claim_id}"),
        payee: None,
        method: None,
        status: LineStatus::Pending,
        reason_code: None,
        reason: None,
        resolved_at: None,
        resolved_by: None,
        result_source: None,
        transfer_id: None,
    }
}

/// Two claims of one victim, a policy, and the ids: (victim, claims).
pub(crate) async fn two_claims(store: &dyn Store) -> (i64, [i64; 2]) {
    let mut tx = store.write().await.unwrap();
    let ngo = tx.insert_institution("ONG", InstitutionKind::Ngo, t(0)).await.unwrap();
    let case = tx.insert_case(&case_record(ngo, "F-1")).await.unwrap();
    let victim = tx.insert_victim(&victim_record(ngo, 1, "idx")).await.unwrap();
    let policy = PolicyRecord {
        version: 1,
        document: "{}".to_string(),
        created_at: t(1),
        created_by: "a".to_string(),
    };
    tx.insert_fund_policy(&policy).await.unwrap();
    tx.insert_fund_policy(&PolicyRecord { version: 2, ..policy }).await.unwrap();
    tx.insert_identity_verification(victim, "dni_in_person", t(5), "ong").await.unwrap();
    let first = tx.insert_claim(&claim(victim, ngo, case)).await.unwrap();
    let second = tx
        .insert_claim(&ClaimRecord { kind: ClaimKind::Reparation, tier: 2, ..claim(victim, ngo, case) })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (victim, [first, second])
}

pub(crate) async fn claims_are_filed_decided_and_listed(database: &TestDatabase) {
    let store = database.open().await;
    let (victim, [first, second]) = two_claims(&store).await;
    let mut tx = store.write().await.unwrap();
    let mut decided = tx.claim(first).await.unwrap().unwrap();
    decided.state = ClaimState::Approved;
    decided.approved_amount = Some(Amount::from_minor(250_000));
    decided.decided_at = Some(t(15));
    decided.decided_by = Some("fondo".to_string());
    decided.payment_due = Some("2026-12-31".to_string());
    decided.waiting_for = Some(Waiting::PayeeDetails);
    tx.update_claim(&decided).await.unwrap();
    let event = ClaimEvent {
        from_state: Some(ClaimState::Received),
        to_state: ClaimState::Approved,
        at: t(15),
        by: "fondo".to_string(),
        note: Some("aprobada".to_string()),
    };
    tx.insert_claim_event(first, &event).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.fund_policy(None).await.unwrap().unwrap().version, 2, "the newest policy");
    assert_eq!(tx.fund_policy(Some(1)).await.unwrap().unwrap().version, 1);
    assert!(tx.fund_policy(Some(3)).await.unwrap().is_none());
    assert_eq!(tx.fund_policies().await.unwrap().len(), 2);
    let verification = tx.identity_verification(victim).await.unwrap().unwrap();
    assert_eq!((verification.0.as_str(), verification.1), ("dni_in_person", t(5)));
    assert_eq!(tx.claim(first).await.unwrap().unwrap(), decided);
    assert_eq!(tx.claim_events(first).await.unwrap(), vec![event]);
    let page = Page { after: None, limit: 10 };
    let ids = |claims: Vec<ClaimRecord>| claims.iter().map(|c| c.id).collect::<Vec<_>>();
    let approved = ClaimFilter { states: vec![ClaimState::Approved], ..ClaimFilter::default() };
    assert_eq!(ids(tx.claims(&approved, page).await.unwrap()), vec![first]);
    let ready = ClaimFilter { ready_only: true, ..ClaimFilter::default() };
    assert_eq!(ids(tx.claims(&ready, page).await.unwrap()), vec![second], "the first waits for the payee");
    let tier = ClaimFilter { tier: Some(2), kind: Some(ClaimKind::Reparation), ..ClaimFilter::default() };
    assert_eq!(ids(tx.claims(&tier, page).await.unwrap()), vec![second]);
    let after = Page { after: Some(first), limit: 10 };
    assert_eq!(ids(tx.claims(&ClaimFilter::default(), after).await.unwrap()), vec![second]);
    let money = tx.claim_money(0, 10).await.unwrap();
    assert_eq!(money.iter().map(|m| m.0).collect::<Vec<_>>(), vec![first, second]);
    assert!(tx.order_money(0, 10).await.unwrap().is_empty(), "no order yet");
}

pub(crate) async fn rounds_and_batches_carry_lines_and_bank_reports(database: &TestDatabase) {
    let store = database.open().await;
    let (_, [first, second]) = two_claims(&store).await;
    let mut tx = store.write().await.unwrap();
    let lines: Vec<RoundLine> = [(first, 200_000), (second, 50_000)]
        .iter()
        .enumerate()
        .map(|(position, (claim_id, amount))| RoundLine {
            claim_id: *claim_id,
            position: position as i64,
            amount: Amount::from_minor(*amount),
            explanation: "{}".to_string(),
            hold_id: Some(format!("hold-{claim_id}")),
        })
        .collect();
    let round_id = tx.insert_round(&round(), &lines).await.unwrap();
    let batch_lines = vec![line(0, first, 200_000), line(0, second, 50_000)];
    let batch_id = tx.insert_batch(&batch(round_id), &batch_lines).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.write().await.unwrap();
    tx.remove_batch_line(batch_id, second).await.unwrap();
    let mut stored = tx.batch(batch_id).await.unwrap().unwrap();
    stored.total = Amount::from_minor(200_000);
    tx.update_batch_total(&stored).await.unwrap();
    stored.state = BatchState::Exported;
    stored.approved_at = Some(t(41));
    stored.approved_by = Some("tesorero".to_string());
    stored.message_id = Some("MSG-1".to_string());
    stored.file_sha256 = Some("cd".repeat(32));
    stored.exported_at = Some(t(42));
    stored.exported_by = Some("tesorero".to_string());
    stored.debtor = Some("{}".to_string());
    tx.update_batch(&stored).await.unwrap();
    let mut paid = line(batch_id, first, 200_000);
    paid.payee = Some("v1:k1:payee".to_string());
    paid.method = Some(PaymentMethod::Transfer);
    paid.status = LineStatus::Rejected;
    paid.reason_code = Some("AC04".to_string());
    paid.reason = Some("closed account".to_string());
    paid.resolved_at = Some(t(50));
    paid.resolved_by = Some("tesorero".to_string());
    paid.result_source = Some(redress_domain::payments::ResultSource::Pain002);
    tx.update_batch_line(&paid).await.unwrap();
    let report = BankReport {
        message_id: "STS-1".to_string(),
        sha256: "ef".repeat(32),
        applied: 1,
        unchanged: 0,
        conflicts: 0,
        problems: vec!["unknown end-to-end id E2E-9".to_string()],
        received_at: t(50),
        received_by: "tesorero".to_string(),
    };
    tx.insert_bank_report(batch_id, &report).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    let stored_round = tx.round(round_id).await.unwrap().unwrap();
    assert_eq!(stored_round, RoundRecord { id: round_id, ..round() });
    assert_eq!(tx.rounds(Page { after: None, limit: 10 }).await.unwrap(), vec![stored_round]);
    assert_eq!(tx.round_lines(round_id).await.unwrap(), lines);
    assert_eq!(tx.batch(batch_id).await.unwrap().unwrap(), stored);
    assert_eq!(tx.batch_of_round(round_id).await.unwrap().map(|b| b.id), Some(batch_id));
    assert_eq!(tx.batches(Page { after: None, limit: 10 }).await.unwrap(), vec![stored]);
    assert_eq!(tx.batch_lines(batch_id).await.unwrap(), vec![paid.clone()]);
    assert_eq!(tx.batch_lines_of_claim(first).await.unwrap(), vec![paid]);
    assert!(tx.batch_lines_of_claim(second).await.unwrap().is_empty(), "the line was taken out");
    assert_eq!(tx.bank_reports(batch_id).await.unwrap(), vec![report]);
    let holds = tx.line_holds((0, 0), 10).await.unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!(
        (holds[0].claim_id, holds[0].status, holds[0].hold_status),
        (first, LineStatus::Rejected, None)
    );
}
