//! The concurrent run of `redress bench pages`: many staff sessions at once going through the
//! reads, each posting a ledger transfer once a round (the writes of the mix).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::bench_pages::{login, quantile, Read, Session};

/// What the concurrent run measured.
pub(crate) struct Concurrent {
    sessions: usize,
    wall: Duration,
    reads: Vec<Duration>,
    writes: Vec<Duration>,
    errors: Vec<String>,
}

impl std::fmt::Display for Concurrent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut all: Vec<Duration> = self.reads.iter().chain(&self.writes).copied().collect();
        all.sort();
        let total = all.len() + self.errors.len();
        write!(
            f,
            "{} sessions at once, mixed: {total} requests ({} writes) in {:.1} s ({:.0}/s): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; reads p99 {:.1} ms, writes p50 {:.1} / p99 {:.1} ms; {} errors",
            self.sessions,
            self.writes.len(),
            self.wall.as_secs_f64(),
            total as f64 / self.wall.as_secs_f64().max(1e-9),
            quantile(&all, 0.5),
            quantile(&all, 0.99),
            quantile(&all, 1.0),
            quantile(&self.reads, 0.99),
            quantile(&self.writes, 0.5),
            quantile(&self.writes, 0.99),
            self.errors.len()
        )?;
        if let Some(first) = self.errors.first() {
            write!(f, " (first: {first})")?;
        }
        Ok(())
    }
}

impl Session {
    /// A small transfer into the fund, as a fund officer records a donation.
    async fn post_transfer(&self, currency: &str) -> Result<Duration, String> {
        let body = serde_json::json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "debit_account": "assets:bank:fund",
            "credit_account": "income:donations",
            "amount": "1.00",
            "currency": currency,
            "memo": "bench pages",
        });
        let started = Instant::now();
        let response = self
            .client
            .post(format!("{}/api/v1/ledger/transfers", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        response.bytes().await.map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        if status.as_u16() == 201 {
            Ok(elapsed)
        } else {
            Err(format!("POST /api/v1/ledger/transfers answered {status}"))
        }
    }
}

/// `concurrency` sessions at once, each going `rounds` times through the reads (home page,
/// lists, a claim, the ledger, the public page) and posting one transfer a round.
pub(crate) async fn concurrent(
    client: &reqwest::Client,
    base: &str,
    reads: &[Read],
    currency: &str,
    concurrency: usize,
    rounds: usize,
) -> anyhow::Result<Concurrent> {
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
    let mixed = Arc::new(mixed);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (index, session) in sessions.into_iter().enumerate() {
        let mixed = mixed.clone();
        let currency = currency.to_string();
        tasks.spawn(async move {
            let (mut reads, mut writes, mut errors) = (Vec::new(), Vec::new(), Vec::new());
            for round in 0..rounds {
                for offset in 0..mixed.len() {
                    let read = &mixed[(index + round + offset) % mixed.len()];
                    match session.get(read).await {
                        Ok(elapsed) => reads.push(elapsed),
                        Err(error) => errors.push(error),
                    }
                    if offset == (index + round) % mixed.len() {
                        match session.post_transfer(&currency).await {
                            Ok(elapsed) => writes.push(elapsed),
                            Err(error) => errors.push(error),
                        }
                    }
                }
            }
            (reads, writes, errors)
        });
    }
    let mut measured = Concurrent {
        sessions: concurrency,
        wall: Duration::ZERO,
        reads: Vec::new(),
        writes: Vec::new(),
        errors: Vec::new(),
    };
    while let Some(result) = tasks.join_next().await {
        let (reads, writes, errors) = result?;
        measured.reads.extend(reads);
        measured.writes.extend(writes);
        measured.errors.extend(errors);
    }
    measured.wall = started.elapsed();
    measured.reads.sort();
    measured.writes.sort();
    Ok(measured)
}
