//! `redress import cases FILE --as USER`: migrating existing cases and orders from CSV.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use redress_app::import::{ImportError, ASSET_COLUMNS, COLUMNS};
use redress_app::{App, RequestContext};

/// A text progress bar on standard error, drawn only on a terminal and only for large files.
struct Progress {
    total: usize,
    label: &'static str,
    drawn: usize,
    visible: bool,
}

impl Progress {
    fn new(total: usize, label: &'static str) -> Progress {
        Progress {
            total,
            label,
            drawn: usize::MAX,
            visible: std::io::stderr().is_terminal() && total >= 1_000,
        }
    }

    fn update(&mut self, done: usize) {
        if !self.visible {
            return;
        }
        let percent = done * 100 / self.total.max(1);
        if percent == self.drawn {
            return;
        }
        self.drawn = percent;
        let filled = percent / 4;
        eprint!(
            "\r{} [{}{}] {percent:>3}% ({done}/{})",
            self.label,
            "#".repeat(filled),
            "-".repeat(25 - filled),
            self.total
        );
        let _ = std::io::stderr().flush();
        if done >= self.total {
            eprintln!();
        }
    }
}

/// Reads a CSV file with a header into rows of column → value.
pub fn read_rows(path: &Path) -> anyhow::Result<Vec<HashMap<String, String>>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_path(path)?;
    let header: Vec<String> = reader.headers()?.iter().map(|h| h.trim().to_lowercase()).collect();
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| anyhow::anyhow!("row {}: {e}", index + 1))?;
        rows.push(header.iter().cloned().zip(record.iter().map(str::to_string)).collect());
    }
    Ok(rows)
}

pub async fn run(app: &App, username: &str, path: &Path) -> anyhow::Result<ExitCode> {
    let actor = app.act_as(username).await?;
    let rows = read_rows(path)?;
    let mut progress = Progress::new(rows.len(), "checking");
    match app.import_cases(&actor, &RequestContext::default(), &rows, |done| progress.update(done)).await {
        Ok(summary) => {
            println!(
                "imported {} cases, {} victims linked, {} judgments, {} orders from {} rows",
                summary.cases,
                summary.victims_linked,
                summary.judgments,
                summary.orders,
                rows.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportError::Invalid(problems)) => {
            println!("nothing was imported: {} problems", problems.len());
            for problem in &problems {
                println!("  {problem}");
            }
            println!("columns: {}", COLUMNS.join(","));
            Ok(ExitCode::from(1))
        }
        Err(ImportError::Failed(error)) => Err(error.into()),
    }
}

pub async fn run_assets(app: &App, username: &str, path: &Path) -> anyhow::Result<ExitCode> {
    let actor = app.act_as(username).await?;
    let rows = read_rows(path)?;
    let mut progress = Progress::new(rows.len(), "checking");
    match app.import_assets(&actor, &RequestContext::default(), &rows, |done| progress.update(done)).await {
        Ok(done) => {
            println!(
                "imported {} assets from {} rows ({} imported before, by agency_reference)",
                done.created,
                rows.len(),
                done.already_imported
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportError::Invalid(problems)) => {
            println!("nothing was imported: {} problems", problems.len());
            for problem in &problems {
                println!("  {problem}");
            }
            println!("columns: {}", ASSET_COLUMNS.join(","));
            Ok(ExitCode::from(1))
        }
        Err(ImportError::Failed(error)) => Err(error.into()),
    }
}
