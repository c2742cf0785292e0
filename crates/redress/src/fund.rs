//! `redress fund show|set`: the fund's details (name, bank account, BIC, bank, RUC) from the
//! server's command line, as the operator (audited as `cli:<login>`), for a fund set up before
//! anyone has a browser at hand.

use std::process::ExitCode;

use clap::Subcommand;
use redress_app::fund::FundView;
use redress_app::{Actor, App, RequestContext};
use redress_domain::fund::FundDetailsInput;

use crate::cli::{print_app_error, EXIT_FAILED};

#[derive(Subcommand)]
pub enum FundCommand {
    /// Print the fund's details as bank files use them, and what is missing for a first payment.
    Show,
    /// Set the fund's details, all at once (a detail left out is cleared). Audited.
    Set {
        /// The fund's name as its bank knows it (at most 140 characters).
        #[arg(long)]
        name: String,
        /// The account the fund pays from: a CCI (20 digits) or an IBAN.
        #[arg(long)]
        bank_account: Option<String>,
        /// The BIC of the fund's bank (8 or 11 characters).
        #[arg(long)]
        bank_bic: Option<String>,
        #[arg(long)]
        bank_name: Option<String>,
        /// The fund's RUC (11 digits).
        #[arg(long)]
        tax_id: Option<String>,
    },
}

fn print(fund: &FundView) {
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    println!("nombre / name:          {}", fund.name);
    println!("cuenta / bank account:  {}", or_dash(&fund.bank_account));
    println!("BIC:                    {}", or_dash(&fund.bank_bic));
    println!("banco / bank:           {}", or_dash(&fund.bank_name));
    println!("RUC / tax id:           {}", or_dash(&fund.tax_id));
    println!("origen / source:        {}", fund.source);
    if fund.missing.is_empty() {
        println!("listo para el primer pago / ready for a first payment");
    } else {
        println!("falta para el primer pago / missing for a first payment: {}", fund.missing.join(", "));
    }
}

pub async fn run(app: &App, operator: &Actor, command: FundCommand) -> anyhow::Result<ExitCode> {
    let result = match command {
        FundCommand::Show => app.fund(operator).await,
        FundCommand::Set { name, bank_account, bank_bic, bank_name, tax_id } => {
            let input = FundDetailsInput { name, bank_account, bank_bic, bank_name, tax_id };
            app.set_fund_details(operator, &RequestContext::default(), &input).await
        }
    };
    match result {
        Ok(fund) => {
            print(&fund);
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            print_app_error(&error);
            Ok(ExitCode::from(EXIT_FAILED))
        }
    }
}
