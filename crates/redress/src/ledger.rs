//! `redress ledger …`: the ledger from the command line, acting as a named user (`--as`) so
//! that every act is checked against that user's roles and audited under their name.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use redress_app::ledger::{TransferOutcome, TransferRequest};
use redress_app::{App, RequestContext};
use redress_domain::ledger::{AccountFlags, References};

#[derive(Args)]
pub struct Acting {
    /// The user to act as (their roles decide what is allowed; the audit trail names them).
    #[arg(long = "as", value_name = "USERNAME")]
    username: String,
}

#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum LedgerCommand {
    /// List the accounts and their balances.
    Accounts(Acting),
    /// Open an account.
    OpenAccount {
        #[command(flatten)]
        acting: Acting,
        #[arg(long)]
        name: String,
        /// Default: the fund's currency.
        #[arg(long)]
        currency: Option<String>,
        /// The account may never go below zero (an asset such as cash).
        #[arg(long)]
        no_negative: bool,
    },
    /// Record a transfer: a movement, a hold (--type pending), or the post or void of a hold.
    Transfer {
        #[command(flatten)]
        acting: Acting,
        /// A UUID; generated when omitted. Repeat a failed command with the same id to retry safely.
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        debit: Option<String>,
        #[arg(long)]
        credit: Option<String>,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        currency: Option<String>,
        /// single (default), pending, post_pending, void_pending, reversal.
        #[arg(long = "type")]
        kind: Option<String>,
        #[arg(long)]
        pending_id: Option<String>,
        /// With --type reversal: the transfer to undo.
        #[arg(long)]
        reverses: Option<String>,
        #[arg(long)]
        expires_at: Option<String>,
        #[arg(long)]
        memo: Option<String>,
        /// The day the money moved (YYYY-MM-DD); default today.
        #[arg(long)]
        value_date: Option<String>,
        #[arg(long)]
        case: Option<String>,
        #[arg(long)]
        asset: Option<String>,
        #[arg(long)]
        order: Option<String>,
        #[arg(long)]
        claim: Option<String>,
    },
    /// An account's transfers with its running balance.
    Statement {
        #[command(flatten)]
        acting: Acting,
        #[arg(long)]
        account: String,
        #[arg(long)]
        currency: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Where the money of a transfer came from (first in, first out), as a printable statement.
    Trace {
        #[command(flatten)]
        acting: Acting,
        id: String,
    },
    /// Write the whole ledger as an hledger/Ledger journal.
    Journal {
        #[command(flatten)]
        acting: Acting,
        /// Default: standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Check the invariants (debits = credits, totals = transfers, limits); exit 1 if broken.
    Verify(Acting),
    /// Release holds whose expiry has passed.
    Expire,
}

pub async fn run(app: &App, command: LedgerCommand) -> anyhow::Result<ExitCode> {
    let context = RequestContext::default();
    let fund_currency = app.settings.fund.currency.clone();
    match command {
        LedgerCommand::Accounts(acting) => accounts(app, &app.act_as(&acting.username).await?).await?,
        LedgerCommand::OpenAccount { acting, name, currency, no_negative } => {
            let actor = app.act_as(&acting.username).await?;
            let flags =
                AccountFlags { credits_must_not_exceed_debits: no_negative, ..AccountFlags::default() };
            let currency = currency.unwrap_or(fund_currency);
            let account = app.create_ledger_account(&actor, &context, &name, &currency, flags).await?;
            println!("opened {} in {}", account.name, account.currency);
        }
        LedgerCommand::Transfer {
            acting,
            id,
            debit,
            credit,
            amount,
            currency,
            kind,
            pending_id,
            reverses,
            expires_at,
            memo,
            value_date,
            case,
            asset,
            order,
            claim,
        } => {
            let actor = app.act_as(&acting.username).await?;
            let request = TransferRequest {
                id: id.unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
                debit_account: debit,
                credit_account: credit,
                amount,
                currency: currency.unwrap_or(fund_currency),
                kind,
                pending_id,
                reverses,
                expires_at,
                linked: false,
                references: References { case, asset, order, claim, batch: None },
                memo,
                value_date,
            };
            return transfer(app, &actor, &context, request).await;
        }
        LedgerCommand::Statement { acting, account, currency, limit } => {
            let actor = app.act_as(&acting.username).await?;
            statement(app, &actor, &account, &currency.unwrap_or(fund_currency), limit).await?;
        }
        LedgerCommand::Trace { acting, id } => {
            let actor = app.act_as(&acting.username).await?;
            let node = app.trace(&actor, &id).await?;
            print!("{}", redress_formats::statement::trace_text(&node));
        }
        LedgerCommand::Journal { acting, output } => {
            journal(app, &app.act_as(&acting.username).await?, output.as_deref()).await?
        }
        LedgerCommand::Verify(acting) => {
            let actor = app.act_as(&acting.username).await?;
            let check = app.verify_ledger(&actor).await?;
            if !check.balanced {
                for problem in &check.problems {
                    println!("ledger problem: {problem}");
                }
                return Ok(ExitCode::from(1));
            }
            println!(
                "ledger balanced: {} accounts, currencies {}",
                check.accounts,
                check.currencies.join(", ")
            );
        }
        LedgerCommand::Expire => {
            let count = app.expire_holds().await?;
            println!("released {count} expired holds");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every account with its posted and pending balance.
async fn accounts(app: &App, actor: &redress_app::Actor) -> anyhow::Result<()> {
    println!("{:<40} {:<4} {:>18} {:>18}", "account", "cur", "posted", "pending");
    for account in app.ledger_accounts(actor).await? {
        let kind = account.kind();
        println!(
            "{:<40} {:<4} {:>18} {:>18}",
            account.name.as_str(),
            account.currency.code(),
            account.totals.posted_balance(kind)?.format(account.currency),
            account.totals.pending_balance(kind)?.format(account.currency)
        );
    }
    Ok(())
}

/// One transfer; exit 1 naming each problem when it is refused.
async fn transfer(
    app: &App,
    actor: &redress_app::Actor,
    context: &RequestContext,
    request: TransferRequest,
) -> anyhow::Result<ExitCode> {
    let id = request.id.clone();
    match app.create_transfers(actor, context, &[request]).await?.remove(0) {
        TransferOutcome::Created(t) => println!(
            "created transfer {} (seq {}): {} {} {} -> {}",
            t.id,
            t.seq,
            t.currency,
            t.amount.format(t.currency),
            t.credit_account,
            t.debit_account
        ),
        TransferOutcome::Exists(t) => {
            println!("transfer {} already exists (seq {}); nothing changed", t.id, t.seq)
        }
        TransferOutcome::Failed { refusal, errors } => {
            let code = refusal.code();
            for error in &errors.0 {
                eprintln!("error: {}: {} ({code})", error.field, error.reason);
            }
            eprintln!("transfer {id} refused; nothing was written");
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// An account's statement, oldest first, up to `limit` lines.
async fn statement(
    app: &App,
    actor: &redress_app::Actor,
    account: &str,
    currency: &str,
    limit: i64,
) -> anyhow::Result<()> {
    let mut after = None;
    let mut printed = 0;
    loop {
        let page_limit = (limit - printed).clamp(1, 500);
        let (account, lines) = app.statement(actor, account, currency, after, Some(page_limit)).await?;
        if printed == 0 {
            println!("{} {}", account.name, account.currency);
            println!("{:>8}  {:<25} {:<12} {:>16} {:>16}  memo", "seq", "date", "type", "change", "balance");
        }
        for line in &lines {
            let t = &line.transfer;
            println!(
                "{:>8}  {:<25} {:<12} {:>16} {:>16}  {}",
                t.seq,
                t.created_at.to_rfc3339(),
                t.kind,
                line.normal_change(account.kind())?.format(account.currency),
                line.balance_after.format(account.currency),
                t.memo.as_deref().unwrap_or("")
            );
        }
        printed += lines.len() as i64;
        if (lines.len() as i64) < page_limit || printed >= limit {
            return Ok(());
        }
        after = lines.last().map(|l| l.transfer.seq);
    }
}

/// The whole ledger as an hledger journal, to a file or standard output.
async fn journal(
    app: &App,
    actor: &redress_app::Actor,
    output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let accounts = app.ledger_accounts(actor).await?;
    let mut sink: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(std::fs::File::create(path)?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    sink.write_all(redress_formats::journal::header(&accounts, &app.clock.now().to_rfc3339()).as_bytes())?;
    let mut tx = app.store.read().await?;
    let mut after = None;
    loop {
        let page = app.transfers_page(actor, tx.as_mut(), after, 5_000).await?;
        for transfer in &page {
            sink.write_all(redress_formats::journal::entry(transfer).as_bytes())?;
        }
        if page.len() < 5_000 {
            break;
        }
        after = page.last().map(|t| t.seq);
    }
    sink.flush()?;
    Ok(())
}
