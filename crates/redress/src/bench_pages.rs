//! `redress bench pages`: the latency of every staff page and API read on a seeded country, one
//! request at a time and then from many sessions at once, printed next to the figures issue #13
//! measured before the home page, the public page and the lists were made to scale.
//!
//! It uses the configured database (`--database-url`, or SQLite in `--data-dir`): an empty one
//! is seeded with the demo country first (`--victims`), a seeded one is reused as it is.
//! `--postgres URL` seeds a throwaway database on that server instead and drops it afterwards.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use redress_app::accounts::{CreateUser, InstitutionChoice};
use redress_app::{Actor, App, RequestContext, Settings};
use redress_domain::Secret;
use redress_store::testing::TestDatabase;

const USERNAME: &str = "bench-pages";
const PASSWORD: &str = "Bench-Clave-Segura-2026";

/// What a read needs: a session cookie (pages), a bearer token (API) or nothing (public).
#[derive(Clone, Copy, PartialEq)]
enum Credential {
    Cookie,
    Bearer,
    Anonymous,
}

/// A read measured, with the figures before the change (SQLite, 2 cores) at 3,000 and
/// 30,000 victims, when it measured them.
struct Read {
    label: &'static str,
    path: String,
    credential: Credential,
    before: Option<(&'static str, &'static str)>,
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
        read("GET /api/v1/me", "/api/v1/me", Credential::Bearer, None),
        read("/assets page", "/assets", Credential::Cookie, None),
    ];
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

struct Session {
    base: String,
    token: String,
    client: reqwest::Client,
}

impl Session {
    async fn get(&self, read: &Read) -> Result<Duration, String> {
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

async fn login(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
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

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3
}

/// Options of `redress bench pages`.
pub struct PagesOptions {
    pub victims: usize,
    pub postgres: Option<String>,
    pub requests: usize,
    pub concurrency: usize,
    pub rounds: usize,
}

pub async fn run(mut settings: Settings, options: PagesOptions) -> anyhow::Result<ExitCode> {
    let throwaway = match &options.postgres {
        Some(url) => Some(TestDatabase::postgres_on(url).await),
        None => None,
    };
    if let Some(database) = &throwaway {
        settings.database.url = Some(Secret::new(database.url.clone()));
    }
    settings.database.connections_max = settings.database.connections_max.max(16);
    let app = crate::cli::open_app(settings).await?;
    crate::cli::bootstrap(&app, "http://127.0.0.1").await?;
    let empty =
        app.store.read().await?.victims(redress_app::store::Page { after: None, limit: 1 }).await?.is_empty();
    if empty {
        let started = Instant::now();
        crate::cli::seed_demo(&app, options.victims).await?;
        println!(
            "demo seed: {:.1} s  (issue, before: 35 s at 3,000, 606 s at 30,000)",
            started.elapsed().as_secs_f64()
        );
    }
    ensure_user(&app).await?;
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
    let claim = claims["items"][0]["id"].as_i64();
    let reads = reads(claim);
    println!("engine: {}   data: {}", app.store.engine(), size_line(&app).await?);
    sequential(&session, &reads, options.requests).await;
    if options.concurrency > 0 {
        concurrent(&client, &base, &reads, options.concurrency, options.rounds).await?;
    }
    let _ = stop.send(());
    drop(throwaway);
    Ok(ExitCode::SUCCESS)
}

async fn size_line(app: &App) -> anyhow::Result<String> {
    let actor = Actor { roles: vec![redress_domain::Role::FundOfficer], ..Actor::system() };
    let summary = app.fund_summary(&actor).await?;
    let waiting: i64 = summary.tiers.iter().map(|t| t.received + t.approved).sum();
    Ok(format!("{waiting} claims waiting (received or approved), {} overdue", summary.overdue))
}

/// Each read `requests` times, one at a time (after one warm-up request).
async fn sequential(session: &Session, reads: &[Read], requests: usize) {
    println!(
        "{:<30} {:>9} {:>9} {:>9}   {:>10} {:>10}",
        "one request at a time", "p50 ms", "p99 ms", "max ms", "before@3k", "before@30k"
    );
    for read in reads {
        let cold = session.get(read).await;
        let mut times = Vec::with_capacity(requests);
        let mut errors = 0usize;
        for _ in 0..requests {
            match session.get(read).await {
                Ok(elapsed) => times.push(elapsed),
                Err(_) => errors += 1,
            }
        }
        times.sort();
        let (small, large) = read.before.unwrap_or(("—", "—"));
        let cold = cold.map_or_else(|e| e, |d| format!("first {:.1} ms", d.as_secs_f64() * 1e3));
        let errors = if errors > 0 { format!(", {errors} errors") } else { String::new() };
        println!(
            "{:<30} {:>9.1} {:>9.1} {:>9.1}   {:>10} {:>10}   ({cold}{errors})",
            read.label,
            quantile(&times, 0.5),
            quantile(&times, 0.99),
            quantile(&times, 1.0),
            small,
            large
        );
    }
}

/// `concurrency` sessions at once, each going `rounds` times through the staff reads (home
/// page, lists, a claim, the public page), with their own session.
async fn concurrent(
    client: &reqwest::Client,
    base: &str,
    reads: &[Read],
    concurrency: usize,
    rounds: usize,
) -> anyhow::Result<()> {
    let mut sessions = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        sessions.push(Session {
            base: base.to_string(),
            token: login(client, base).await?,
            client: client.clone(),
        });
    }
    let mixed: Vec<Read> = reads
        .iter()
        .filter(|r| r.label != "/public/assets.json")
        .map(|r| Read { label: r.label, path: r.path.clone(), credential: r.credential, before: None })
        .collect();
    let mixed = std::sync::Arc::new(mixed);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (index, session) in sessions.into_iter().enumerate() {
        let mixed = mixed.clone();
        tasks.spawn(async move {
            let mut times = Vec::new();
            let mut errors = Vec::new();
            for round in 0..rounds {
                for offset in 0..mixed.len() {
                    let read = &mixed[(index + round + offset) % mixed.len()];
                    match session.get(read).await {
                        Ok(elapsed) => times.push(elapsed),
                        Err(error) => errors.push(error),
                    }
                }
            }
            (times, errors)
        });
    }
    let mut times = Vec::new();
    let mut errors = Vec::new();
    while let Some(result) = tasks.join_next().await {
        let (t, e) = result?;
        times.extend(t);
        errors.extend(e);
    }
    let wall = started.elapsed();
    times.sort();
    println!(
        "{concurrency} sessions at once, mixed reads: {} requests in {:.1} s ({:.0}/s): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {} errors  (goal: p99 ≤ 500 ms, no errors; issue, before: no home page in 15 s with 64)",
        times.len() + errors.len(),
        wall.as_secs_f64(),
        (times.len() + errors.len()) as f64 / wall.as_secs_f64().max(1e-9),
        quantile(&times, 0.5),
        quantile(&times, 0.99),
        quantile(&times, 1.0),
        errors.len()
    );
    if let Some(first) = errors.first() {
        println!("  first error: {first}");
    }
    Ok(())
}
