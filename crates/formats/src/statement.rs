//! Printable statements for people (bilingual headings, Spanish first).

use redress_domain::ledger::TraceNode;

fn describe(node: &TraceNode) -> String {
    let t = &node.transfer;
    let mut references = Vec::new();
    for (name, value) in [
        ("caso/case", &t.references.case),
        ("bien/asset", &t.references.asset),
        ("orden/order", &t.references.order),
        ("solicitud/claim", &t.references.claim),
        ("lote/batch", &t.references.batch),
    ] {
        if let Some(value) = value {
            references.push(format!("{name} {value}"));
        }
    }
    let memo = t.memo.as_deref().map(|m| format!(" \"{m}\"")).unwrap_or_default();
    format!(
        "{} {} {}  {} -> {}  [{}]{}{}",
        &t.created_at.to_rfc3339()[..10],
        t.currency.code(),
        node.share.format(t.currency),
        t.credit_account,
        t.debit_account,
        t.id,
        if references.is_empty() { String::new() } else { format!("  {}", references.join(", ")) },
        memo
    )
}

fn walk(node: &TraceNode, depth: usize, out: &mut String) {
    for source in &node.sources {
        out.push_str(&format!("{}- {}\n", "  ".repeat(depth), describe(source)));
        walk(source, depth + 1, out);
    }
}

/// The sources of a transfer, as an indented tree a person can read and an auditor can check.
pub fn trace_text(root: &TraceNode) -> String {
    let t = &root.transfer;
    let mut out = String::new();
    out.push_str("REDRESS — Trazabilidad de fondos / Funds trace\n");
    out.push_str(&format!("Transferencia / Transfer: {}\n", t.id));
    out.push_str(&format!("  {}\n", describe(root)));
    out.push_str(
        "Origen de los fondos, primero en entrar, primero en salir / Sources, first in, first out:\n",
    );
    if root.sources.is_empty() {
        out.push_str("  (ninguno: la transferencia no sale de una cuenta de activo / none: not an outflow from an asset account)\n");
    }
    walk(root, 1, &mut out);
    out
}
