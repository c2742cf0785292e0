//! ISO 20022 bank files end to end: a realistic pain.001 validated against the official XSD with
//! `xmllint` (Debian package `libxml2-utils`), and pain.002 samples from `tests/data`.
//!
//! Without `xmllint` the schema tests print a message and pass, unless `CI` is set: there they
//! fail, so that a CI machine without the validator cannot pass silently.

use std::path::PathBuf;
use std::process::Command;

use redress_domain::{Amount, Currency};
use redress_formats::iso20022::{
    parse_pain002, write_pain001, AccountId, CreditTransfer, Initiation, Method, Pain002Error, Party,
    PaymentBlock, PersonId, PersonIdScheme, TxStatus,
};
use time::macros::{date, datetime};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap()
}

fn cci(id: &str) -> Option<AccountId> {
    Some(AccountId::Other { id: id.into(), scheme: Some("CCI".into()) })
}

fn transfer(n: u32, units: i64, creditor: &str, account: Option<AccountId>) -> CreditTransfer {
    CreditTransfer {
        end_to_end_id: format!("RDR-E2E-{n:04}"),
        instruction_id: format!("RDR-INS-{n:04}"),
        amount: Amount::from_minor(units),
        creditor: Party { name: creditor.into(), account, agent_bic: None, identification: None },
        ultimate_creditor: None,
        remittance: format!("Reparacion civil EXP-2024-17 orden {n}"),
    }
}

/// Two blocks: four transfers (three to CCI accounts, one to a Spanish IBAN; one of them to a
/// legal representative for a victim) and one bank cheque.
fn realistic() -> Initiation {
    let mut representative =
        transfer(3, 300_000, "Estudio Jurídico Pérez & Asociados S.A.C.", cci("00319400300123456789"));
    representative.ultimate_creditor = Some("María José Ñahui Quispe".into());
    representative.creditor.agent_bic = Some("BINPPEPL".into());
    representative.creditor.identification = Some(PersonId {
        id: "45879632".into(),
        scheme: PersonIdScheme::Code("NIDN".into()),
        issuer: Some("PE".into()),
    });
    let mut abroad = transfer(
        4,
        125_050,
        "Lucía Fernández Gómez",
        Some(AccountId::Iban("ES9121000418450200051332".into())),
    );
    abroad.creditor.agent_bic = Some("CAIXESBBXXX".into());
    let mut cheque = transfer(5, 200_000, "Rosa Elvira Condori Huamán", None);
    cheque.creditor.identification = Some(PersonId {
        id: "PTP0098765".into(),
        scheme: PersonIdScheme::Proprietary("PTP".into()),
        issuer: Some("PE".into()),
    });
    Initiation {
        message_id: "RDR-20261128-0001".into(),
        created_at: datetime!(2026-11-28 10:00:00 -5),
        initiating_party: "Fondo Especial de Reparaciones - Redress".into(),
        debtor: Party {
            name: "Fondo Especial de Reparaciones para Víctimas de Trata".into(),
            account: cci("00219300123456789012"),
            agent_bic: Some("BCPLPEPL".into()),
            identification: None,
        },
        currency: Currency::parse("PEN").unwrap(),
        blocks: vec![
            PaymentBlock {
                id: "RDR-TRF-20261201".into(),
                method: Method::Transfer,
                requested_execution_date: date!(2026 - 12 - 01),
                transactions: vec![
                    transfer(1, 250_000, "Rosa Quispe Mamani", cci("00219300987654321098")),
                    transfer(2, 150_025, "Juana Huamaní Torres", cci("01119800001234567890")),
                    representative,
                    abroad,
                ],
            },
            PaymentBlock {
                id: "RDR-CHK-20261201".into(),
                method: Method::Cheque,
                requested_execution_date: date!(2026 - 12 - 01),
                transactions: vec![cheque],
            },
        ],
    }
}

/// Runs `xmllint --schema` on `xml`. `None` when xmllint is not installed and `CI` is not set.
fn validate(xml: &str, name: &str) -> Option<Result<(), String>> {
    if Command::new("xmllint").arg("--version").output().is_err() {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        assert!(!ci, "xmllint is required when CI is set: apt-get install libxml2-utils");
        eprintln!("skipping XSD validation: xmllint not found (apt-get install libxml2-utils)");
        return None;
    }
    let path = std::env::temp_dir().join(format!("redress-{}-{name}.xml", std::process::id()));
    std::fs::write(&path, xml).unwrap();
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(data("pain.001.001.09.xsd"))
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).ok();
    if output.status.success() {
        Some(Ok(()))
    } else {
        Some(Err(String::from_utf8_lossy(&output.stderr).into_owned()))
    }
}

#[test]
fn a_realistic_payment_order_validates_against_the_xsd() {
    let xml = write_pain001(&realistic()).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09\">"));
    assert!(xml.contains("<NbOfTxs>5</NbOfTxs>\n      <CtrlSum>10250.75</CtrlSum>"), "{xml}");
    assert!(xml.contains("<CtrlSum>8250.75</CtrlSum>"));
    assert!(xml.contains("<CtrlSum>2000.00</CtrlSum>"));
    assert!(xml.contains("<Nm>Estudio Jurídico Pérez &amp; Asociados S.A.C.</Nm>"));
    assert!(xml.contains("<Othr>\n                <Id>45879632</Id>\n                <SchmeNm>\n                  <Cd>NIDN</Cd>"), "{xml}");
    assert!(xml.contains("<Prtry>PTP</Prtry>"));
    assert!(xml.contains("<UltmtCdtr>\n          <Nm>María José Ñahui Quispe</Nm>"));
    assert!(xml.contains("<Prtry>CCI</Prtry>"));
    assert!(xml.contains("<IBAN>ES9121000418450200051332</IBAN>"));
    assert!(xml.contains("<ChrgBr>DEBT</ChrgBr>"));
    assert_eq!(xml.matches("<CdtrAcct>").count(), 4);
    assert_eq!(xml.matches("<ChqInstr>").count(), 1);
    if let Some(result) = validate(&xml, "realistic") {
        result.unwrap_or_else(|e| panic!("the XSD refuses the file:\n{e}\n{xml}"));
    }
    // Without the fund bank's BIC the debtor agent is `Othr/Id` NOTPROVIDED.
    let mut without_bic = realistic();
    without_bic.debtor.agent_bic = None;
    let xml = write_pain001(&without_bic).unwrap();
    assert!(xml.contains("<FinInstnId>\n          <Othr>\n            <Id>NOTPROVIDED</Id>"), "{xml}");
    if let Some(result) = validate(&xml, "without-bic") {
        result.unwrap_or_else(|e| panic!("the XSD refuses the file:\n{e}\n{xml}"));
    }
}

#[test]
fn the_validator_refuses_broken_documents() {
    let xml = write_pain001(&realistic()).unwrap();
    // Elements out of the schema's order.
    let reordered = xml.replacen(
        "<MsgId>RDR-20261128-0001</MsgId>\n      <CreDtTm>2026-11-28T10:00:00-05:00</CreDtTm>",
        "<CreDtTm>2026-11-28T10:00:00-05:00</CreDtTm>\n      <MsgId>RDR-20261128-0001</MsgId>",
        1,
    );
    assert_ne!(reordered, xml);
    // A code the schema does not list.
    let bad_code = xml.replacen("<ChrgBr>DEBT</ChrgBr>", "<ChrgBr>FREE</ChrgBr>", 1);
    assert_ne!(bad_code, xml);
    for (name, broken) in [("reordered", reordered), ("bad-code", bad_code)] {
        if let Some(result) = validate(&broken, name) {
            assert!(result.is_err(), "xmllint accepted the broken document {name}");
        }
    }
}

#[test]
fn the_same_order_gives_the_same_bytes() {
    let first = write_pain001(&realistic()).unwrap();
    let second = write_pain001(&realistic().clone()).unwrap();
    assert_eq!(first.as_bytes(), second.as_bytes());
}

#[test]
fn a_payment_order_is_not_a_status_report() {
    let xml = write_pain001(&realistic()).unwrap();
    assert!(matches!(parse_pain002(&xml), Err(Pain002Error::NotAStatusReport(_))));
}

#[test]
fn mixed_transaction_statuses_are_read_with_their_reasons() {
    let report = parse_pain002(&read("pain.002.001.10-mixed.xml")).unwrap();
    assert_eq!(report.message_id, "BCP-STS-20261201-0001");
    assert_eq!(report.original_message_id, "RDR-20261128-0001");
    assert_eq!(report.original_message_name.as_deref(), Some("pain.001.001.09"));
    assert_eq!(report.group_status, Some(TxStatus::Pending("PART".into())));
    assert_eq!(report.payment_infos.len(), 1);
    let [paid, wrong, closed] = &report.transactions[..] else { panic!("{report:?}") };
    assert_eq!(paid.original_end_to_end_id, "E2E-0001");
    assert_eq!(paid.original_instruction_id.as_deref(), Some("INS-0001"));
    assert_eq!(paid.status, TxStatus::Accepted("ACSC".into()));
    assert_eq!((paid.reason_code.as_deref(), paid.reason_text.as_deref()), (None, None));
    assert_eq!(wrong.status, TxStatus::Rejected("RJCT".into()));
    assert!(!wrong.status_inherited);
    assert_eq!(wrong.reason_code.as_deref(), Some("AC01"));
    assert_eq!(wrong.reason_text.as_deref(), Some("CCI no existe verifique los dígitos de control"));
    assert_eq!(closed.original_end_to_end_id, "E2E-0003");
    assert_eq!(closed.reason_code.as_deref(), Some("AC04"));
    assert_eq!(closed.status.code(), "RJCT");
    assert_eq!(report.status_for("RDR-TRF-20261201", "E2E-0002"), Some(&TxStatus::Rejected("RJCT".into())));
    // PART at block and group level says nothing about a transaction the report does not list.
    assert_eq!(report.status_for("RDR-TRF-20261201", "E2E-0099"), None);
}

#[test]
fn a_file_rejected_as_a_whole_has_only_a_group_status() {
    let report = parse_pain002(&read("pain.002.001.09-group-rejected.xml")).unwrap();
    assert_eq!(report.original_message_id, "RDR-20261128-0001");
    assert_eq!(report.group_status, Some(TxStatus::Rejected("RJCT".into())));
    assert_eq!(report.group_reason_code.as_deref(), Some("FF01"));
    assert_eq!(report.group_reason_text.as_deref(), Some("Archivo no válido: CtrlSum & NbOfTxs no cuadran"));
    assert!(report.transactions.is_empty() && report.payment_infos.is_empty());
    assert_eq!(report.status_for("RDR-TRF-20261201", "RDR-E2E-0001").map(TxStatus::code), Some("RJCT"));
}

#[test]
fn version_03_block_statuses_apply_to_their_transactions() {
    let report = parse_pain002(&read("pain.002.001.03-blocks.xml")).unwrap();
    assert_eq!(report.message_id, "STS-2026-000417");
    assert_eq!(report.group_status, None);
    let [accepted, rejected] = &report.payment_infos[..] else { panic!("{report:?}") };
    assert_eq!(accepted.status, Some(TxStatus::Accepted("ACCP".into())));
    assert_eq!(rejected.status, Some(TxStatus::Rejected("RJCT".into())));
    assert_eq!(rejected.reason_code.as_deref(), Some("NOCHQ"));
    let [cheque] = &report.transactions[..] else { panic!("{report:?}") };
    assert_eq!(cheque.original_payment_info_id, "RDR-CHK-20261201");
    assert_eq!(cheque.status, TxStatus::Rejected("RJCT".into()));
    assert!(cheque.status_inherited);
    assert_eq!(cheque.reason_code.as_deref(), Some("NARR"));
    assert_eq!(
        report.status_for("RDR-TRF-20261201", "RDR-E2E-0001"),
        Some(&TxStatus::Accepted("ACCP".into()))
    );
    assert_eq!(report.status_for("RDR-OTHER", "RDR-E2E-0001"), None);
}

#[test]
fn malformed_xml_is_refused() {
    let sample = read("pain.002.001.10-mixed.xml");
    let cases = [
        ("empty", String::new()),
        ("not xml", "this is not XML".to_string()),
        ("unclosed", "<Document><CstmrPmtStsRpt><GrpHdr>".to_string()),
        ("mismatched", "<Document><CstmrPmtStsRpt></Document></CstmrPmtStsRpt>".to_string()),
        ("two roots", "<Document/><Document/>".to_string()),
        ("truncated", sample[..sample.len() / 2].to_string()),
        ("unknown entity", sample.replacen("CCI no existe", "&foo;", 1)),
        (
            "doctype",
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\
             <Document><CstmrPmtStsRpt>&lol2;</CstmrPmtStsRpt></Document>"
                .to_string(),
        ),
    ];
    for (name, xml) in cases {
        match parse_pain002(&xml) {
            Err(Pain002Error::Malformed(reason)) => assert!(!reason.is_empty()),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn missing_ids_and_statuses_are_refused_by_path() {
    let sample = read("pain.002.001.10-mixed.xml");
    let without_original_id = sample.replacen("<OrgnlMsgId>RDR-20261128-0001</OrgnlMsgId>", "", 1);
    assert_eq!(
        parse_pain002(&without_original_id),
        Err(Pain002Error::Missing("CstmrPmtStsRpt/OrgnlGrpInfAndSts/OrgnlMsgId".into()))
    );
    let without_message_id = sample.replacen("<MsgId>BCP-STS-20261201-0001</MsgId>", "", 1);
    assert_eq!(
        parse_pain002(&without_message_id),
        Err(Pain002Error::Missing("CstmrPmtStsRpt/GrpHdr/MsgId".into()))
    );
    let without_statuses = sample
        .replacen("<GrpSts>PART</GrpSts>", "", 1)
        .replacen("<PmtInfSts>PART</PmtInfSts>", "", 1)
        .replacen("<TxSts>ACSC</TxSts>", "", 1);
    assert_eq!(
        parse_pain002(&without_statuses),
        Err(Pain002Error::Missing("CstmrPmtStsRpt/OrgnlPmtInfAndSts[0]/TxInfAndSts[0]/TxSts".into()))
    );
    let group_only = read("pain.002.001.09-group-rejected.xml").replacen("<GrpSts>RJCT</GrpSts>", "", 1);
    assert!(
        matches!(parse_pain002(&group_only), Err(Pain002Error::Missing(path)) if path.ends_with("GrpSts (the report gives no status for the group, a block or a transaction)"))
    );
    let without_end_to_end = sample.replacen("<OrgnlEndToEndId>E2E-0003</OrgnlEndToEndId>", "", 1);
    assert_eq!(
        parse_pain002(&without_end_to_end),
        Err(Pain002Error::Missing(
            "CstmrPmtStsRpt/OrgnlPmtInfAndSts[0]/TxInfAndSts[2]/OrgnlEndToEndId".into()
        ))
    );
    let bad_code = sample.replacen("<TxSts>ACSC</TxSts>", "<TxSts>accepted</TxSts>", 1);
    assert!(matches!(
        parse_pain002(&bad_code),
        Err(Pain002Error::Invalid { path, .. }) if path == "CstmrPmtStsRpt/OrgnlPmtInfAndSts[0]/TxInfAndSts[0]/TxSts"
    ));
    let other_document =
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt/></Document>";
    assert!(matches!(parse_pain002(other_document), Err(Pain002Error::NotAStatusReport(_))));
}
