//! ISO 20022 bank files: payment orders to the fund's bank (pain.001) and the bank's status
//! reports on them (pain.002).
//!
//! [`write_pain001`] turns an [`Initiation`] into a `pain.001.001.09` (Customer Credit Transfer
//! Initiation V09) document that validates against the official XSD: element order, lengths and
//! patterns follow the schema, and every input that the schema would refuse is refused here first
//! with a [`Pain001Error`] that names the field (`blocks[0].transactions[3].end_to_end_id`).
//! The output is deterministic: the same initiation gives byte-identical XML.
//!
//! [`parse_pain002`] reads a Customer Payment Status Report, versions `pain.002.001.03` to
//! `pain.002.001.10`. Elements are matched by local name, so the namespace (and the version) do
//! not matter; a `<!DOCTYPE>` is refused, so no entity is ever expanded.
//!
//! Choices made for Redress (a fund paying victims through a Peruvian bank, outside SEPA):
//!
//! - Charges: every payment block says `ChrgBr` `DEBT`, the fund (the debtor) bears all charges.
//!   `SLEV` only has a meaning under a service level such as SEPA, and `SHAR` would let the
//!   creditor's bank deduct its fees from a reparation; with `DEBT` the victim receives the full
//!   amount ordered by the court.
//! - Cheques: a `CHK` block asks the bank for a bank cheque (`ChqTp` `BCHQ`) picked up by the fund
//!   (`DlvryMtd` `PUDB`), which hands it to the victim: nothing is posted to a victim's address.
//! - The debtor's agent is written as `FinInstnId/BICFI` when the BIC is known and
//!   `FinInstnId/Othr/Id` `NOTPROVIDED` otherwise; a creditor's agent is written only when its
//!   BIC is known (a Peruvian CCI already identifies the bank).
//! - Identifiers (`MsgId`, `PmtInfId`, `InstrId`, `EndToEndId`) are 1 to 35 printable ASCII
//!   characters without spaces, which every bank accepts; a hyphenated UUID (36 characters) is
//!   one too long, use its 32-digit simple form. End-to-end and instruction ids, and payment
//!   block ids, must be unique in the file.
//! - Free text (names, remittance) is Unicode (the file is UTF-8) without control characters.
//!   Some banks accept only the SWIFT Latin character set; transliterating is the caller's
//!   choice, not done here.

mod pain001;
mod pain002;

pub use pain001::*;
pub use pain002::*;

#[cfg(test)]
mod tests {
    use super::pain001::*;
    use super::pain002::*;
    use super::*;
    use redress_domain::{Amount, Currency};
    use time::macros::{date, datetime};

    fn pen() -> Currency {
        Currency::parse("PEN").unwrap()
    }

    fn transfer(id: &str, units: i64) -> CreditTransfer {
        CreditTransfer {
            end_to_end_id: format!("E2E-{id}"),
            instruction_id: format!("INS-{id}"),
            amount: Amount::from_minor(units),
            creditor: Party {
                name: format!("Beneficiaria {id}"),
                account: Some(AccountId::Other {
                    id: "00219300123456789012".into(),
                    scheme: Some("CCI".into()),
                }),
                agent_bic: None,
                identification: None,
            },
            ultimate_creditor: None,
            remittance: format!("Reparacion {id}"),
        }
    }

    fn initiation(currency: Currency, transactions: Vec<CreditTransfer>) -> Initiation {
        Initiation {
            message_id: "MSG-1".into(),
            created_at: datetime!(2026-11-28 10:00:00 -5),
            initiating_party: "Fondo".into(),
            debtor: Party {
                name: "Fondo".into(),
                account: Some(AccountId::Other { id: "1234567890".into(), scheme: None }),
                agent_bic: Some("BCPLPEPL".into()),
                identification: None,
            },
            currency,
            blocks: vec![PaymentBlock {
                id: "PMT-1".into(),
                method: Method::Transfer,
                requested_execution_date: date!(2026 - 12 - 01),
                transactions,
            }],
        }
    }

    fn error(initiation: &Initiation) -> Pain001Error {
        write_pain001(initiation).unwrap_err()
    }

    #[test]
    fn control_sums_are_exact_decimals() {
        let xml = write_pain001(&initiation(pen(), vec![transfer("a", 10), transfer("b", 20)])).unwrap();
        assert_eq!(xml.matches("<CtrlSum>0.30</CtrlSum>").count(), 2, "{xml}");
        assert!(xml.contains("<InstdAmt Ccy=\"PEN\">0.10</InstdAmt>"));
        assert!(xml.contains("<NbOfTxs>2</NbOfTxs>"));

        let clp = Currency::parse("CLP").unwrap();
        let xml = write_pain001(&initiation(clp, vec![transfer("a", 1500), transfer("b", 1)])).unwrap();
        assert!(xml.contains("<CtrlSum>1501</CtrlSum>"), "{xml}");
        assert!(xml.contains("<InstdAmt Ccy=\"CLP\">1500</InstdAmt>"));
    }

    #[test]
    fn creation_time_is_written_to_the_second_with_its_offset() {
        let mut order = initiation(pen(), vec![transfer("a", 1)]);
        assert!(write_pain001(&order).unwrap().contains("<CreDtTm>2026-11-28T10:00:00-05:00</CreDtTm>"));
        order.created_at = datetime!(2026-11-28 15:00:00.123456 UTC);
        assert!(write_pain001(&order).unwrap().contains("<CreDtTm>2026-11-28T15:00:00Z</CreDtTm>"));
    }

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(escape(r#"A&B <c> "d" 'e'"#), "A&amp;B &lt;c&gt; &quot;d&quot; &apos;e&apos;");
        let mut tx = transfer("a", 100);
        tx.creditor.name = "Peña & Asociados <Abogados>".into();
        let xml = write_pain001(&initiation(pen(), vec![tx])).unwrap();
        assert!(xml.contains("<Nm>Peña &amp; Asociados &lt;Abogados&gt;</Nm>"), "{xml}");
    }

    #[test]
    fn errors_name_the_field() {
        let mut order = initiation(pen(), (0..4).map(|i| transfer(&i.to_string(), 100)).collect());
        order.blocks[0].transactions[3].end_to_end_id = "x".repeat(36);
        let e = error(&order);
        assert_eq!(e.field, "blocks[0].transactions[3].end_to_end_id");
        assert!(e.reason.contains("36 characters"), "{e}");

        let mut order = initiation(pen(), vec![transfer("a", 100), transfer("b", 0)]);
        assert_eq!(error(&order).field, "blocks[0].transactions[1].amount");
        order.blocks[0].transactions[1].amount = Amount::from_minor(-5);
        assert_eq!(error(&order).field, "blocks[0].transactions[1].amount");

        let mut order = initiation(pen(), vec![transfer("a", 100)]);
        order.blocks[0].transactions[0].remittance = "r".repeat(141);
        assert_eq!(error(&order).field, "blocks[0].transactions[0].remittance");
        order.blocks[0].transactions[0].remittance = "line\nbreak".into();
        let e = error(&order);
        assert_eq!(e.field, "blocks[0].transactions[0].remittance");
        assert!(e.reason.contains("U+000A"), "{e}");

        let mut order = initiation(pen(), vec![transfer("a", 100)]);
        order.blocks[0].transactions[0].creditor.name = "   ".into();
        assert_eq!(error(&order).field, "blocks[0].transactions[0].creditor.name");

        let mut order = initiation(pen(), vec![transfer("a", 100)]);
        order.blocks[0].transactions[0].ultimate_creditor = Some("\u{7}".into());
        assert_eq!(error(&order).field, "blocks[0].transactions[0].ultimate_creditor");

        let mut order = initiation(pen(), vec![transfer("a", 100)]);
        order.blocks[0].transactions[0].creditor.account =
            Some(AccountId::Other { id: "123".into(), scheme: Some("CCI".into()) });
        assert_eq!(error(&order).field, "blocks[0].transactions[0].creditor.account.id");
        order.blocks[0].transactions[0].creditor.account = None;
        assert_eq!(error(&order).field, "blocks[0].transactions[0].creditor.account");

        let mut order = initiation(pen(), vec![transfer("a", 100)]);
        order.blocks[0].transactions[0].creditor.agent_bic = Some("bcplpepl".into());
        assert_eq!(error(&order).field, "blocks[0].transactions[0].creditor.agent_bic");

        let mut order = initiation(pen(), vec![transfer("a", 100)]);
        order.message_id = "MSG 1".into();
        assert_eq!(error(&order).field, "message_id");
        order.message_id = "MSG-1".into();
        order.debtor.account = None;
        assert_eq!(error(&order).field, "debtor.account");
    }

    #[test]
    fn empty_orders_and_duplicates_are_refused() {
        let mut order = initiation(pen(), vec![]);
        assert_eq!(error(&order).field, "blocks[0].transactions");
        order.blocks.clear();
        assert_eq!(error(&order).field, "blocks");

        let mut order = initiation(pen(), vec![transfer("a", 1), transfer("b", 2)]);
        order.blocks[0].transactions[1].end_to_end_id = "E2E-a".into();
        assert_eq!(error(&order).field, "blocks[0].transactions[1].end_to_end_id");

        let mut order = initiation(pen(), vec![transfer("a", 1)]);
        let mut second = order.blocks[0].clone();
        second.transactions = vec![transfer("b", 2)];
        order.blocks.push(second);
        assert_eq!(error(&order).field, "blocks[1].id");
    }

    #[test]
    fn sums_beyond_the_schema_digits_are_refused() {
        let order = initiation(pen(), vec![transfer("a", MAX_UNITS), transfer("b", 1)]);
        assert_eq!(error(&order).field, "blocks[0].transactions[1].amount");
        let order = initiation(pen(), vec![transfer("a", i64::MAX)]);
        assert_eq!(error(&order).field, "blocks[0].transactions[0].amount");
    }

    #[test]
    fn ibans_are_checked() {
        assert!(check_iban("f", "DE89370400440532013000").is_ok());
        assert!(check_iban("f", "GB82WEST12345698765432").is_ok());
        assert!(check_iban("f", "DE89370400440532013001").is_err());
        assert!(check_iban("f", "DE89 3704 0044 0532 0130 00").is_err());
        assert!(check_iban("f", "de89370400440532013000").is_err());
    }

    #[test]
    fn cheques_carry_no_account() {
        let mut order = initiation(pen(), vec![transfer("a", 100)]);
        order.blocks[0].method = Method::Cheque;
        assert_eq!(error(&order).field, "blocks[0].transactions[0].creditor.account");
        order.blocks[0].transactions[0].creditor.account = None;
        let xml = write_pain001(&order).unwrap();
        assert!(xml.contains("<PmtMtd>CHK</PmtMtd>"));
        assert!(xml.contains("<ChqTp>BCHQ</ChqTp>"));
        assert!(!xml.contains("<CdtrAcct>"));
    }

    #[test]
    fn status_codes_are_classified() {
        assert_eq!(TxStatus::parse("ACSC"), Some(TxStatus::Accepted("ACSC".into())));
        assert_eq!(TxStatus::parse("RJCT"), Some(TxStatus::Rejected("RJCT".into())));
        assert_eq!(TxStatus::parse("PDNG"), Some(TxStatus::Pending("PDNG".into())));
        assert_eq!(TxStatus::parse("ZZZZ"), Some(TxStatus::Pending("ZZZZ".into())));
        assert_eq!(TxStatus::parse("acsc"), None);
        assert_eq!(TxStatus::parse("ACSCX"), None);
        assert_eq!(TxStatus::parse(""), None);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let xml = format!("{}{}", "<a>".repeat(MAX_DEPTH + 1), "</a>".repeat(MAX_DEPTH + 1));
        assert!(matches!(parse_tree(&xml), Err(Pain002Error::Malformed(_))));
    }
}
