//! What `redress bench pages` measures on: a database seeded with the demo country (when
//! empty) and topped up with ledger transfers (`--transfers`), and the bench user.

use std::time::Instant;

use redress_app::accounts::{CreateUser, InstitutionChoice};
use redress_app::ledger::TransferRequest;
use redress_app::{Actor, App, RequestContext};
use redress_domain::ledger::{AccountFlags, References};
use redress_domain::{Role, Secret};
use redress_store::SqlStore;
use sqlx::Row;

pub(crate) const USERNAME: &str = "bench-pages";
pub(crate) const PASSWORD: &str = "Bench-Clave-Segura-2026";

/// The accounts the bench's transfers move money between (besides the fund's own ones).
const ACCOUNTS: usize = 64;
/// Transfers per `create_transfers` call (one write transaction each).
const BATCH: usize = 1_000;

/// What the database held when measured, and how long it took to make.
pub(crate) struct Prepared {
    pub victims: i64,
    pub claims: i64,
    pub assets: i64,
    pub transfers: i64,
    /// Seconds the demo seed took, when this run seeded it.
    pub seed_seconds: Option<f64>,
    /// Transfers this run added and the seconds that took.
    pub added: Option<(usize, f64)>,
}

/// Seeds an empty database with `victims`, then adds ledger transfers up to `transfers`.
pub(crate) async fn prepare(
    app: &App,
    store: &SqlStore,
    victims: usize,
    transfers: usize,
) -> anyhow::Result<Prepared> {
    let empty =
        app.store.read().await?.victims(redress_app::store::Page { after: None, limit: 1 }).await?.is_empty();
    let mut seed_seconds = None;
    if empty {
        let started = Instant::now();
        crate::cli::seed_demo(app, victims).await?;
        seed_seconds = Some(started.elapsed().as_secs_f64());
    }
    let have = count(store, "ledger_transfers").await?;
    let mut added = None;
    if (have as usize) < transfers {
        let started = Instant::now();
        let count = transfers - have as usize;
        add_transfers(app, count).await?;
        added = Some((count, started.elapsed().as_secs_f64()));
    }
    ensure_user(app).await?;
    Ok(Prepared {
        victims: count(store, "victims").await?,
        claims: count(store, "claims").await?,
        assets: count(store, "assets").await?,
        transfers: count(store, "ledger_transfers").await?,
        seed_seconds,
        added,
    })
}

async fn count(store: &SqlStore, table: &str) -> anyhow::Result<i64> {
    let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}")).fetch_one(store.pool()).await?;
    Ok(row.try_get("n")?)
}

/// `count` transfers through the ledger's use case, a thousand per transaction: one in a hundred
/// moves money between the fund and a bench account, the others between bench accounts.
async fn add_transfers(app: &App, count: usize) -> anyhow::Result<()> {
    let actor = Actor { username: "bench-pages".into(), roles: vec![Role::FundOfficer], ..Actor::system() };
    let context = RequestContext::default();
    let currency = app.settings.fund.currency.clone();
    let accounts = app.ledger_accounts(&actor).await?;
    for i in 0..ACCOUNTS {
        let name = format!("assets:bench:a{i}");
        if !accounts.iter().any(|a| a.name.as_str() == name) {
            app.create_ledger_account(&actor, &context, &name, &currency, AccountFlags::default()).await?;
        }
    }
    eprintln!("adding {count} ledger transfers…");
    let mut random = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |n: u64| {
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        random % n
    };
    let mut done = 0;
    while done < count {
        let rows: Vec<TransferRequest> = (0..BATCH.min(count - done))
            .map(|_| {
                let to = next(ACCOUNTS as u64);
                let from = (to + 1 + next(ACCOUNTS as u64 - 1)) % ACCOUNTS as u64;
                let (debit, credit) = match next(100) {
                    0 => ("assets:bank:fund".to_string(), format!("assets:bench:a{from}")),
                    1 => (format!("assets:bench:a{to}"), "assets:bank:fund".to_string()),
                    _ => (format!("assets:bench:a{to}"), format!("assets:bench:a{from}")),
                };
                let units = 1 + next(50_000);
                TransferRequest {
                    id: uuid::Uuid::new_v4().to_string(),
                    debit_account: Some(debit),
                    credit_account: Some(credit),
                    amount: format!("{}.{:02}", units / 100, units % 100),
                    currency: currency.clone(),
                    references: References {
                        claim: Some(format!("C-{}", next(100_000))),
                        ..References::default()
                    },
                    memo: Some("bench".to_string()),
                    ..TransferRequest::default()
                }
            })
            .collect();
        let outcomes = app.create_transfers(&actor, &context, &rows).await?;
        let created =
            outcomes.iter().filter(|o| matches!(o, redress_app::ledger::TransferOutcome::Created(_))).count();
        anyhow::ensure!(created == rows.len(), "only {created} of {} transfers were created", rows.len());
        done += rows.len();
        if done % (count / 10).max(BATCH) < BATCH {
            eprintln!("  transfers: {}%", done * 100 / count);
        }
    }
    Ok(())
}

/// The bench user (a fund officer who is also an analyst), created once.
async fn ensure_user(app: &App) -> anyhow::Result<()> {
    if app.store.read().await?.user_by_username(USERNAME).await?.is_some() {
        return Ok(());
    }
    let request = CreateUser {
        username: USERNAME.into(),
        display_name: None,
        institution: InstitutionChoice::NameOrCreate("Fondo de Reparaciones".into()),
        roles: vec!["fund_officer".into(), "analyst".into()],
        password: Secret::new(PASSWORD.into()),
    };
    app.create_user(&Actor::operator(), &RequestContext::default(), request).await?;
    Ok(())
}
