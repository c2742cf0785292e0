//! # redress — the binary
//!
//! Glue, not a library: parse the command line, load and validate the configuration, open the
//! store, and hand over to the app (`redress-app`) or the server (`redress-web`).

mod audit;
mod bench;
mod bench_concurrent;
mod bench_load;
mod bench_pages;
mod cli;
mod config;
mod demo;
mod fund;
mod import;
mod ledger;
mod ops;
mod users;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
