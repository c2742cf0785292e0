//! `redress bench pages`: the latency of every staff page and API read on a seeded country, one
//! request at a time and then from many sessions at once (reads and a few writes), at the size
//! asked and at a tenth of it, printed side by side with the figures issue #13 measured before
//! the home page, the public page and the lists were made to scale.
//!
//! It uses the configured database (`--database-url`, or SQLite in `--data-dir`): an empty one
//! is seeded with the demo country first (`--victims`) and topped up to `--transfers` ledger
//! transfers, a seeded one is reused as it is. The tenth size lives in `<data-dir>/tenth` (or
//! `--tenth-database-url`).
//! `--postgres URL` seeds throwaway databases on that server instead and drops them afterwards.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use redress_app::{Actor, App, Settings};
use redress_domain::Secret;
use redress_store::testing::TestDatabase;

use crate::bench_concurrent::{concurrent, Concurrent};
use crate::bench_load::{prepare, Prepared, PASSWORD, USERNAME};

/// What a read needs: a session cookie (pages), a bearer token (API) or nothing (public).
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Credential {
    Cookie,
    Bearer,
    Anonymous,
}

/// A read measured, with the figures before the change (SQLite, 2 cores) at 3,000 and
/// 30,000 victims, when it measured them.
pub(crate) struct Read {
    pub label: &'static str,
    pub path: String,
    pub credential: Credential,
    pub before: Option<(&'static str, &'static str)>,
}

fn reads(claim: Option<i64>) -> Vec<Read> {
    let read =
        |label, path: &str, credential, before| Read { label, path: path.to_string(), credential, before };
    let mut reads = vec![
        read("home / (fund officer)", "/", Credential::Cookie, Some(("664 ms", "12.1 s"))),
        read(
            "GET /api/v1/claims (100)",
            "/api/v1/claims?limit=100",
            Credential::Bearer,
            Some(("66 ms", "476 ms")),
        ),
        read("/claims page", "/claims", Credential::Cookie, None),
        read("/statistics", "/statistics", Credential::Cookie, Some(("99 ms", "953 ms"))),
        read("/public (anonymous)", "/public", Credential::Anonymous, Some(("41 ms", "493 ms"))),
        read("/public/assets.json", "/public/assets.json", Credential::Anonymous, None),
        read("GET /api/v1/ledger/accounts", "/api/v1/ledger/accounts", Credential::Bearer, None),
        read("GET /api/v1/ledger/balances", "/api/v1/ledger/balances", Credential::Bearer, None),
        read(
            "GET /api/v1/ledger/statement",
            "/api/v1/ledger/statement?account=assets:bank:fund",
            Credential::Bearer,
            None,
        ),
        read("/ledger page", "/ledger", Credential::Cookie, None),
        read("GET /api/v1/me", "/api/v1/me", Credential::Bearer, None),
        read("/assets page", "/assets", Credential::Cookie, None),
    ];
    let month_ago = (time::OffsetDateTime::now_utc() - time::Duration::days(30))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    reads.push(read(
        "GET /api/v1/ledger/balances?at=",
        &format!("/api/v1/ledger/balances?at={month_ago}"),
        Credential::Bearer,
        None,
    ));
    if let Some(id) = claim {
        reads.push(read(
            "GET /api/v1/claims/{id}",
            &format!("/api/v1/claims/{id}"),
            Credential::Bearer,
            None,
        ));
        reads.push(read("/claims/{id} page", &format!("/claims/{id}"), Credential::Cookie, None));
    }
    reads
}

pub(crate) struct Session {
    pub base: String,
    pub token: String,
    pub client: reqwest::Client,
}

impl Session {
    pub(crate) async fn get(&self, read: &Read) -> Result<Duration, String> {
        let mut request = self.client.get(format!("{}{}", self.base, read.path));
        request = match read.credential {
            Credential::Cookie => request.header("cookie", format!("redress_session={}", self.token)),
            Credential::Bearer => request.bearer_auth(&self.token),
            Credential::Anonymous => request,
        };
        let started = Instant::now();
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        response.bytes().await.map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        if status.is_success() {
            Ok(elapsed)
        } else {
            Err(format!("{} answered {status}", read.path))
        }
    }
}

pub(crate) async fn login(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let session: serde_json::Value = client
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"username": USERNAME, "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    session["token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("bench login failed: {session}"))
}

pub(crate) fn quantile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3
}

/// Options of `redress bench pages`.
pub struct PagesOptions {
    pub victims: usize,
    pub transfers: usize,
    pub postgres: Option<String>,
    pub requests: usize,
    pub concurrency: usize,
    pub rounds: usize,
    /// Also measure at a tenth of the size, side by side.
    pub tenth: bool,
    /// The tenth-size database when the database is configured by URL.
    pub tenth_url: Option<String>,
    /// Readers' connections (`database.connections_max`); default: as configured.
    pub connections: Option<u32>,
}

/// One read's figures at one size, in milliseconds.
#[derive(Clone, Copy, Default)]
struct Figures {
    p50: f64,
    p99: f64,
    max: f64,
    first: f64,
    errors: usize,
}

/// Everything measured at one size.
struct Measured {
    engine: &'static str,
    prepared: Prepared,
    figures: Vec<Figures>,
    labels: Vec<(&'static str, Option<(&'static str, &'static str)>)>,
    concurrent: Option<Concurrent>,
}

pub async fn run(settings: Settings, options: PagesOptions) -> anyhow::Result<ExitCode> {
    let tenth = if options.tenth {
        match tenth_settings(&settings, &options) {
            Some(tenth) => {
                let (victims, transfers) = (options.victims / 10, options.transfers / 10);
                eprintln!("measuring at a tenth of the size ({victims} victims, {transfers} transfers)…");
                Some(measure(tenth, &options, victims, transfers).await?)
            }
            None => {
                eprintln!("no tenth size: the database is configured by URL (add --tenth-database-url)");
                None
            }
        }
    } else {
        None
    };
    eprintln!("measuring at {} victims, {} transfers…", options.victims, options.transfers);
    let full = measure(settings, &options, options.victims, options.transfers).await?;
    print(&full, tenth.as_ref());
    Ok(ExitCode::SUCCESS)
}

/// The settings of the tenth-size database: another throwaway on `--postgres`, or SQLite in
/// `<data-dir>/tenth`; none when the database is configured by URL.
fn tenth_settings(settings: &Settings, options: &PagesOptions) -> Option<Settings> {
    let configured = settings.database.url.as_ref().is_some_and(|u| !u.expose().trim().is_empty());
    if options.postgres.is_some() {
        return Some(settings.clone());
    }
    if let Some(url) = &options.tenth_url {
        let mut tenth = settings.clone();
        tenth.database.url = Some(Secret::new(url.clone()));
        return Some(tenth);
    }
    if configured {
        return None;
    }
    let mut tenth = settings.clone();
    tenth.data_dir = settings.data_dir.join("tenth");
    Some(tenth)
}

/// Seeds (when needed), serves and measures one database.
async fn measure(
    mut settings: Settings,
    options: &PagesOptions,
    victims: usize,
    transfers: usize,
) -> anyhow::Result<Measured> {
    let throwaway = match &options.postgres {
        Some(url) => Some(TestDatabase::postgres_on(url).await),
        None => None,
    };
    if let Some(database) = &throwaway {
        settings.database.url = Some(Secret::new(database.url.clone()));
    }
    if let Some(connections) = options.connections {
        settings.database.connections_max = connections;
    }
    // Every session of the bench comes from 127.0.0.1: the per-client limit on the public pages
    // (tested on its own) would count fifty people as one client and refuse them: no limit here.
    settings.server.public_requests_per_minute = 0;
    let (app, store) = crate::cli::open_app_and_store(settings).await?;
    crate::cli::bootstrap(&app, "http://127.0.0.1").await?;
    let prepared = prepare(&app, &store, victims, transfers).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = app.clone();
    let server = tokio::spawn(async move {
        let _ = redress_web::serve(listener, served, async {
            let _ = stopped.await;
        })
        .await;
    });
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let token = login(&client, &base).await?;
    let session = Session { base: base.clone(), token, client: client.clone() };
    let claims: serde_json::Value = client
        .get(format!("{base}/api/v1/claims?limit=1"))
        .bearer_auth(&session.token)
        .send()
        .await?
        .json()
        .await?;
    let reads = reads(claims["items"][0]["id"].as_i64());
    eprintln!("engine: {}   data: {}", app.store.engine(), size_line(&app).await?);
    let figures = sequential(&session, &reads, options.requests).await;
    let concurrent = if options.concurrency > 0 {
        let currency = app.settings.fund.currency.clone();
        Some(concurrent(&client, &base, &reads, &currency, options.concurrency, options.rounds).await?)
    } else {
        None
    };
    let _ = stop.send(());
    let _ = server.await;
    let engine = app.store.engine();
    drop(app);
    store.close().await;
    drop(throwaway);
    let labels = reads.iter().map(|r| (r.label, r.before)).collect();
    Ok(Measured { engine, prepared, figures, labels, concurrent })
}

async fn size_line(app: &App) -> anyhow::Result<String> {
    let actor = Actor { roles: vec![redress_domain::Role::FundOfficer], ..Actor::system() };
    let summary = app.fund_summary(&actor).await?;
    let waiting: i64 = summary.tiers.iter().map(|t| t.received + t.approved).sum();
    Ok(format!("{waiting} claims waiting (received or approved), {} overdue", summary.overdue))
}

/// Each read `requests` times, one at a time (after one warm-up request).
async fn sequential(session: &Session, reads: &[Read], requests: usize) -> Vec<Figures> {
    let mut all = Vec::with_capacity(reads.len());
    for read in reads {
        let first = session.get(read).await.map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
        let mut times = Vec::with_capacity(requests);
        let mut errors = 0usize;
        for _ in 0..requests {
            match session.get(read).await {
                Ok(elapsed) => times.push(elapsed),
                Err(_) => errors += 1,
            }
        }
        times.sort();
        all.push(Figures {
            p50: quantile(&times, 0.5),
            p99: quantile(&times, 0.99),
            max: quantile(&times, 1.0),
            first,
            errors,
        });
    }
    all
}

fn describe(measured: &Measured) -> String {
    let p = &measured.prepared;
    let mut line = format!(
        "{}: {} victims, {} claims, {} assets, {} ledger transfers",
        measured.engine, p.victims, p.claims, p.assets, p.transfers
    );
    if let Some(seconds) = p.seed_seconds {
        line.push_str(&format!("; demo seed {seconds:.1} s"));
    }
    if let Some((count, seconds)) = p.added {
        line.push_str(&format!("; {count} transfers added in {seconds:.1} s"));
    }
    line
}

/// The table: each read at the size, at a tenth of it, and the figures before.
fn print(full: &Measured, tenth: Option<&Measured>) {
    println!("at the size:     {}", describe(full));
    if let Some(tenth) = tenth {
        println!("at a tenth:      {}", describe(tenth));
    }
    println!("demo seed before issue #13: 35 s at 3,000 victims, 606 s at 30,000");
    println!(
        "{:<30} {:>15} {:>15} {:>9}   {:>10} {:>10}",
        "one request at a time (ms)", "p50 / p99", "tenth p50/p99", "max", "before@3k", "before@30k"
    );
    for (index, (label, before)) in full.labels.iter().enumerate() {
        let f = full.figures[index];
        let small = tenth
            .and_then(|t| t.figures.get(index))
            .map_or("—".to_string(), |t| format!("{:.1} / {:.1}", t.p50, t.p99));
        let (before_small, before_large) = before.unwrap_or(("—", "—"));
        let errors = if f.errors > 0 { format!(", {} errors", f.errors) } else { String::new() };
        let goal = if f.p99 > 100.0 { "  OVER 100 ms" } else { "" };
        println!(
            "{label:<30} {:>15} {small:>15} {:>9.1}   {before_small:>10} {before_large:>10}   (first {:.1}{errors}){goal}",
            format!("{:.1} / {:.1}", f.p50, f.p99),
            f.max,
            f.first
        );
    }
    for (name, measured) in [("at the size", Some(full)), ("at a tenth", tenth)] {
        if let Some(c) = measured.and_then(|m| m.concurrent.as_ref()) {
            println!("{name}: {c}");
        }
    }
    println!("(goal: every read p99 ≤ 100 ms; concurrent p99 ≤ 500 ms and no errors; issue, before: no home page in 15 s with 64 sessions)");
}
