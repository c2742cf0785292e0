//! Property: replaying the same transfers with retries anywhere, in batches of any size, gives
//! the same balances as applying each once — and the books always balance. Runs the real use
//! case on a real SQLite database (a few cases; each makes its own database).

use std::sync::Arc;

use proptest::prelude::*;
use redress_app::ledger::TransferRequest;
use redress_app::{Actor, App, RequestContext, Settings};
use redress_domain::ledger::Totals;
use redress_domain::Role;
use redress_store::testing::TestDatabase;

const ACCOUNTS: [&str; 4] = ["assets:bank:fund", "income:budget", "expenses:reparations", "expenses:custody"];

fn officer() -> Actor {
    Actor { roles: vec![Role::FundOfficer, Role::Auditor], ..Actor::system() }
}

fn request(n: usize, from: usize, to: usize, units: u32) -> TransferRequest {
    TransferRequest {
        id: format!("00000000-0000-4000-8000-{n:012}"),
        debit_account: Some(ACCOUNTS[to].to_string()),
        credit_account: Some(ACCOUNTS[from].to_string()),
        amount: format!("{}.{:02}", units / 100, units % 100),
        currency: "PEN".to_string(),
        ..TransferRequest::default()
    }
}

/// Applies `requests` in batches of the given sizes and returns every account's totals.
async fn apply(requests: &[TransferRequest], batch_sizes: &[usize]) -> Vec<(String, Totals)> {
    let database = TestDatabase::sqlite();
    let app = App::new(Arc::new(database.open().await), Settings::default());
    app.ensure_chart_of_accounts().await.unwrap();
    let mut rest = requests;
    let mut sizes = batch_sizes.iter().cycle();
    while !rest.is_empty() {
        let size = (*sizes.next().unwrap()).clamp(1, rest.len());
        let (batch, tail) = rest.split_at(size);
        app.create_transfers(&officer(), &RequestContext::default(), batch).await.unwrap();
        rest = tail;
    }
    let check = app.verify_ledger(&officer()).await.unwrap();
    assert!(check.balanced, "{:?}", check.problems);
    let accounts = app.ledger_accounts(&officer()).await.unwrap();
    accounts.into_iter().map(|a| (a.name.as_str().to_string(), a.totals)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn retries_in_any_position_and_any_batching_give_the_same_balances(
        transfers in proptest::collection::vec((0usize..4, 0usize..4, 1u32..50_000), 1..40),
        retries in proptest::collection::vec((0usize..40, 0usize..80), 0..30),
        once_sizes in proptest::collection::vec(1usize..12, 1..4),
        retried_sizes in proptest::collection::vec(1usize..12, 1..4),
    ) {
        // The fund starts with more than all transfers together move, so none is refused for
        // lack of money (a refused transfer is not recorded, and a later retry could succeed).
        let mut once = vec![TransferRequest { amount: "1000000.00".into(), ..request(999, 1, 0, 1) }];
        once.extend(transfers.iter().enumerate().map(|(n, (from, to, units))| request(n, *from, *to, *units)));
        // Each retry repeats an earlier transfer somewhere after it.
        let mut retried = once.clone();
        for (which, offset) in retries {
            let which = which % once.len();
            let position = (which + 1 + offset).min(retried.len());
            retried.insert(position, once[which].clone());
        }
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let (expected, replayed) = runtime.block_on(async {
            (apply(&once, &once_sizes).await, apply(&retried, &retried_sizes).await)
        });
        prop_assert_eq!(expected, replayed);
    }
}
