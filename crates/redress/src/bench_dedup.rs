//! `redress bench dedup`: the record linkage of issue #16 (`redress-linkage`) on FEBRL 4, next
//! to Splink on the same files when Python has it, then on the synthetic population of the
//! region. One line per system:
//!
//! ```text
//! redress-febrl4: precision P recall R f1 F seconds S
//! splink-febrl4: precision P recall R f1 F seconds S
//! redress-synthetic: precision P recall R f1 F seconds S
//! ```
//!
//! The Splink run is `crates/linkage/scripts/splink_febrl4.py`, compiled into the binary and
//! fed to `python3` on its standard input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use redress_linkage::{bench, synthetic, LinkOptions};

const SPLINK_SCRIPT: &str = include_str!("../../linkage/scripts/splink_febrl4.py");

/// The script's exit status when `import splink` fails.
const SPLINK_MISSING: i32 = 3;

fn splink(dir: &Path, threshold: f64) -> String {
    let child = Command::new("python3")
        .arg("-")
        .arg(dir)
        .arg(threshold.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        return "splink-febrl4: not installed (pip install splink)".to_string();
    };
    if let Some(mut stdin) = child.stdin.take() {
        if let Err(e) = stdin.write_all(SPLINK_SCRIPT.as_bytes()) {
            return format!("splink-febrl4: failed ({e})");
        }
    }
    let output = match child.wait_with_output() {
        Ok(output) => output,
        Err(e) => return format!("splink-febrl4: failed ({e})"),
    };
    if output.status.code() == Some(SPLINK_MISSING) {
        return "splink-febrl4: not installed (pip install splink)".to_string();
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    match stdout.lines().find(|l| l.starts_with("splink-febrl4:")) {
        Some(line) if output.status.success() => line.to_string(),
        _ => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no output");
            format!("splink-febrl4: failed ({last})")
        }
    }
}

pub fn run(febrl: Option<PathBuf>, threshold: f64, people: usize, duplicates: usize) -> ExitCode {
    let options = LinkOptions { threshold, ..LinkOptions::default() };
    let mut ok = true;
    match &febrl {
        Some(dir) => match bench::febrl4(dir, &options) {
            Ok(report) => {
                println!("{}", report.line());
                eprintln!("{}", report.details());
                println!("{}", splink(dir, threshold));
            }
            Err(e) => {
                eprintln!("FEBRL 4 in {}: {e}", dir.display());
                ok = false;
            }
        },
        None => eprintln!("redress-febrl4: skipped (give --febrl DIR with dataset4a.csv and dataset4b.csv)"),
    }
    let population = synthetic::Options { people, duplicates, ..synthetic::Options::default() };
    let report = bench::synthetic(&options, &population);
    println!("{}", report.line());
    eprintln!("{}", report.details());
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
