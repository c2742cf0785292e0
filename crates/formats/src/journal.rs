//! The ledger as a plain-text journal (hledger / Ledger syntax).
//!
//! One transaction per transfer that moved posted money; holds are not money yet and voids
//! moved none, so both appear only as comments, and the journal's balances equal Redress's
//! posted balances account by account. Amounts are written as `PEN 1250.00`: the commodity
//! code, a space, and exactly the currency's decimals, which both tools read the same way.
//! The transfer id and references go into `;` comments as `key: value` tags.

use redress_domain::ledger::{Account, Transfer, TransferType};

/// The head of the journal: account and commodity declarations.
pub fn header(accounts: &[Account], exported_at: &str) -> String {
    let mut out = String::new();
    out.push_str("; Redress ledger journal (hledger / Ledger format)\n");
    out.push_str(&format!(
        "; exported {exported_at}; amounts are posted amounts, holds appear as comments\n\n"
    ));
    let mut currencies: Vec<_> = accounts.iter().map(|a| a.currency).collect();
    currencies.sort();
    currencies.dedup();
    for currency in currencies {
        out.push_str(&format!("commodity {}\n", currency.code()));
        if let Ok(sample) = redress_domain::Amount::from_major(100_000, currency) {
            out.push_str(&format!("    format {} {}\n", currency.code(), sample.format(currency)));
        }
    }
    let mut names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        out.push_str(&format!("account {name}\n"));
    }
    out.push('\n');
    out
}

/// Text safe for a transaction description or a comment: one line, no `;`.
fn clean(text: &str) -> String {
    text.chars().map(|c| if redress_domain::user::is_hidden_char(c) || c == ';' { ' ' } else { c }).collect()
}

/// One transfer as a journal entry, dated the day the money moved (its value date); the day
/// it was entered is a tag when it differs.
pub fn entry(transfer: &Transfer) -> String {
    let date = transfer.value_date.to_string();
    let entered = transfer.created_at.to_rfc3339();
    let entered = &entered[..10];
    let currency = transfer.currency;
    let mut tags = vec![
        format!("id: {}", transfer.id),
        format!("seq: {}", transfer.seq),
        format!("type: {}", transfer.kind),
    ];
    if entered != date {
        tags.push(format!("entered: {entered}"));
    }
    let references = &transfer.references;
    for (name, value) in [
        ("case", &references.case),
        ("asset", &references.asset),
        ("order", &references.order),
        ("claim", &references.claim),
        ("batch", &references.batch),
    ] {
        if let Some(value) = value {
            tags.push(format!("{name}: {}", clean(value)));
        }
    }
    if let Some(pending) = &transfer.pending_id {
        tags.push(format!("hold: {pending}"));
    }
    if let Some(reversed) = &transfer.reverses_id {
        tags.push(format!("reverses: {reversed}"));
    }
    if transfer.posted == redress_domain::Amount::ZERO {
        let what = match transfer.kind {
            TransferType::Pending => "hold",
            TransferType::VoidPending => "hold released",
            _ => "no posted amount",
        };
        return format!(
            "; {date} {what}: {} {} from {} to {} ({})\n\n",
            currency.code(),
            transfer.amount.format(currency),
            transfer.credit_account,
            transfer.debit_account,
            tags.join(", ")
        );
    }
    let description =
        transfer.memo.as_deref().map(clean).unwrap_or_else(|| format!("transfer {}", transfer.kind));
    let amount = transfer.posted.format(currency);
    // A transfer posts a positive amount (the ledger refuses others), so its negation is this.
    let negative = format!("-{amount}");
    format!(
        "{date} * {description}\n    ; {}\n    {}  {} {amount}\n    {}  {} {negative}\n\n",
        tags.join(", "),
        transfer.debit_account,
        currency.code(),
        transfer.credit_account,
        currency.code()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use redress_domain::ledger::{AccountFlags, AccountName, References, Totals};
    use redress_domain::{Amount, Currency, Timestamp};

    fn transfer(kind: &str, posted: i64) -> Transfer {
        let pen = Currency::parse("PEN").unwrap();
        Transfer {
            seq: 7,
            id: "0b9f3a52-3f5e-4d2a-9d0e-1c2b3a4d5e6f".into(),
            debit_account_id: 1,
            credit_account_id: 2,
            debit_account: "assets:bank:fund".into(),
            credit_account: "income:budget".into(),
            amount: Amount::from_minor(125_000),
            posted: Amount::from_minor(posted),
            currency: pen,
            kind: TransferType::parse(kind).expect("a transfer type"),
            pending_id: None,
            reverses_id: None,
            pending_status: None,
            expires_at: None,
            references: References { case: Some("EXP-2024-17".into()), ..References::default() },
            memo: Some("Transferencia presupuestal; enero".into()),
            actor: "mrojas".into(),
            created_at: Timestamp::from_unix_micros(1_795_883_593_000_000),
            value_date: time::macros::date!(2026 - 11 - 28),
            debit_account_posted_after: (Amount::from_minor(posted), Amount::from_minor(0)),
            credit_account_posted_after: (Amount::from_minor(0), Amount::from_minor(posted)),
        }
    }

    #[test]
    fn an_entry_is_dated_when_the_money_moved() {
        let mut late = transfer("single", 125_000);
        late.value_date = time::macros::date!(2025 - 03 - 05);
        let text = entry(&late);
        assert!(text.starts_with("2025-03-05 * "), "{text}");
        assert!(text.contains("entered: 2026-11-28"), "{text}");
    }

    #[test]
    fn a_posted_transfer_is_a_balanced_entry() {
        let text = entry(&transfer("single", 125_000));
        assert_eq!(
            text,
            "2026-11-28 * Transferencia presupuestal  enero\n    \
             ; id: 0b9f3a52-3f5e-4d2a-9d0e-1c2b3a4d5e6f, seq: 7, type: single, case: EXP-2024-17\n    \
             assets:bank:fund  PEN 1250.00\n    income:budget  PEN -1250.00\n\n"
        );
    }

    #[test]
    fn a_hold_is_only_a_comment() {
        let text = entry(&transfer("pending", 0));
        assert!(text.starts_with("; 2026-11-28 hold: PEN 1250.00"), "{text}");
        assert_eq!(text.trim_end().lines().count(), 1);
    }

    #[test]
    fn the_header_declares_commodities_and_accounts() {
        let account = Account {
            id: 1,
            name: AccountName::parse("assets:bank:fund").unwrap(),
            currency: Currency::parse("PEN").unwrap(),
            flags: AccountFlags::default(),
            totals: Totals::default(),
        };
        let text = header(&[account], "2026-11-28T00:00:00Z");
        assert!(text.contains("commodity PEN\n    format PEN 100000.00\n"), "{text}");
        assert!(text.contains("account assets:bank:fund\n"));
    }
}
