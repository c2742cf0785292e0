//! CSV (RFC 4180) with protection against formula injection: a cell that a spreadsheet would
//! run as a formula (`=`, `+`, `-`, `@` at the start of text) is prefixed with `'`.

use redress_domain::ledger::Transfer;

/// One cell, quoted when needed.
pub fn cell(value: &str, numeric: bool) -> String {
    let guarded = if !numeric && value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

pub const TRANSFER_HEADER: &str =
    "seq,id,created_at,type,debit_account,credit_account,amount,posted,currency,\
pending_id,reverses_id,pending_status,expires_at,case,asset,order,claim,batch,memo,actor\r\n";

pub fn transfer_row(t: &Transfer) -> String {
    let text = |value: &Option<String>| cell(value.as_deref().unwrap_or(""), false);
    let fields = [
        t.seq.to_string(),
        cell(&t.id, false),
        t.created_at.to_rfc3339(),
        cell(t.kind.as_str(), false),
        cell(&t.debit_account, false),
        cell(&t.credit_account, false),
        t.amount.format(t.currency),
        t.posted.format(t.currency),
        t.currency.code().to_string(),
        text(&t.pending_id),
        text(&t.reverses_id),
        t.pending_status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        t.expires_at.map(|e| e.to_rfc3339()).unwrap_or_default(),
        text(&t.references.case),
        text(&t.references.asset),
        text(&t.references.order),
        text(&t.references.claim),
        text(&t.references.batch),
        text(&t.memo),
        cell(&t.actor, false),
    ];
    format!("{}\r\n", fields.join(","))
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain", false), "plain");
        assert_eq!(cell("a,b", false), "\"a,b\"");
        assert_eq!(cell("say \"hi\"", false), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")", false), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-3.50", true), "-3.50");
        assert_eq!(cell("-3.50", false), "'-3.50");
    }
}
