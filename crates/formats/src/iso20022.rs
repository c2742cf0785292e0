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

use std::collections::BTreeSet;

use quick_xml::events::Event;
use quick_xml::Reader;
use redress_domain::{Amount, Currency};
use time::{Date, OffsetDateTime};

/// The namespace of the documents [`write_pain001`] writes.
pub const PAIN001_NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09";

// ---------------------------------------------------------------------------------------------
// pain.001: the payment order
// ---------------------------------------------------------------------------------------------

/// An account identification (`CashAccount38/Id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountId {
    /// An IBAN, written as `<IBAN>`: upper-case letters and digits without spaces, with a valid
    /// ISO 13616 check (mod 97).
    Iban(String),
    /// Any other account number, written as `<Othr><Id>`, at most 34 characters. With a scheme,
    /// also `<SchmeNm><Prtry>scheme</Prtry></SchmeNm>`; the scheme `CCI` (Peru's Código de
    /// Cuenta Interbancario) requires exactly 20 digits.
    Other { id: String, scheme: Option<String> },
}

/// How the payments of a block are made (`PmtMtd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `TRF`: credit transfer to the creditor's account, which every transaction must give.
    Transfer,
    /// `CHK`: a bank cheque made out to the creditor; transactions give no account or agent.
    Cheque,
}

/// A debtor or creditor: a name, and for accounts the account and its bank's BIC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// `Nm`, 1 to 140 characters.
    pub name: String,
    /// Required for the debtor and for creditors of transfers; absent for cheques.
    pub account: Option<AccountId>,
    /// The BIC (8 or 11 characters) of the party's bank, when known.
    pub agent_bic: Option<String>,
    /// A person's identity document (`Id/PrvtId/Othr`): a cheque or window payment is handed
    /// over against it, and a representative paid for a minor is named by it.
    pub identification: Option<PersonId>,
}

/// `GenericPersonIdentification1`: a document number and its scheme, by ISO code (`NIDN`
/// national identity number, `CCPT` passport, `ARNU` alien registration number) or, for
/// documents without one (Peru's PTP), by a proprietary name; `Issr` is the issuing country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonId {
    pub id: String,
    pub scheme: PersonIdScheme,
    pub issuer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonIdScheme {
    Code(String),
    Proprietary(String),
}

/// One payment (`CdtTrfTxInf`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditTransfer {
    /// `PmtId/EndToEndId`: travels with the payment to the creditor and back in pain.002.
    pub end_to_end_id: String,
    /// `PmtId/InstrId`: the reference between the fund and its bank.
    pub instruction_id: String,
    /// In the initiation's currency; must be positive.
    pub amount: Amount,
    /// Who is paid (`Cdtr`, `CdtrAcct`, `CdtrAgt`): the victim, or a legal representative.
    pub creditor: Party,
    /// The person the payment is finally for (`UltmtCdtr/Nm`), when the creditor receives it on
    /// their behalf (a legal representative or guardian receiving a victim's reparation).
    pub ultimate_creditor: Option<String>,
    /// `RmtInf/Ustrd`, 1 to 140 characters, shown to the creditor.
    pub remittance: String,
}

/// A group of payments with one method and one execution date (`PmtInf`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentBlock {
    /// `PmtInfId`.
    pub id: String,
    pub method: Method,
    /// `ReqdExctnDt/Dt`.
    pub requested_execution_date: Date,
    /// At least one.
    pub transactions: Vec<CreditTransfer>,
}

/// A whole payment order file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initiation {
    /// `GrpHdr/MsgId`: unique per file; banks refuse a message id they have seen before.
    pub message_id: String,
    /// `GrpHdr/CreDtTm`, written to the second with its offset (`Z` for UTC,
    /// `2026-11-28T10:00:00-05:00` for Lima time); sub-second precision is dropped.
    pub created_at: OffsetDateTime,
    /// `GrpHdr/InitgPty/Nm`: who sends the file (the fund or its operator).
    pub initiating_party: String,
    /// The fund: name, account (required) and bank BIC.
    pub debtor: Party,
    /// The currency of every amount in the file, and of the debtor account.
    pub currency: Currency,
    /// At least one.
    pub blocks: Vec<PaymentBlock>,
}

/// An initiation the writer refuses: `field` names it as in the input
/// (`blocks[0].transactions[3].end_to_end_id`), `reason` says why, in English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pain001Error {
    pub field: String,
    pub reason: String,
}

impl Pain001Error {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { field: field.into(), reason: reason.into() }
    }
}

impl std::fmt::Display for Pain001Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for Pain001Error {}

impl From<Pain001Error> for redress_domain::FieldError {
    fn from(error: Pain001Error) -> Self {
        redress_domain::FieldError::new(error.field, error.reason)
    }
}

/// The largest amount in minor units that fits the schema's 18 total digits.
const MAX_UNITS: i64 = 999_999_999_999_999_999;

/// Writes `initiation` as a pain.001.001.09 document (UTF-8, with the XML declaration).
///
/// Group and block `CtrlSum` are the exact sums of the amounts, with the currency's decimals.
/// Refused, naming the field: no block or a block without transactions, amounts that are not
/// positive or that overflow the schema's 18 digits, texts that are empty, too long or hold
/// control characters, malformed identifiers, IBANs, CCIs or BICs, a transfer without a creditor
/// account, a cheque with one, and duplicate block, instruction or end-to-end ids.
pub fn write_pain001(initiation: &Initiation) -> Result<String, Pain001Error> {
    let sums = validate(initiation)?;
    let currency = initiation.currency;
    let total_count: usize = initiation.blocks.iter().map(|b| b.transactions.len()).sum();
    let total = sums.iter().try_fold(Amount::ZERO, |acc, s| acc.checked_add(*s).ok());
    let total = match total {
        Some(total) if total.0 <= MAX_UNITS => total,
        _ => return Err(Pain001Error::new("blocks", "the sum of all amounts exceeds 18 digits")),
    };

    let mut w = Writer::default();
    w.out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    w.out.push_str(&format!("<Document xmlns=\"{PAIN001_NAMESPACE}\">\n"));
    w.depth = 1;
    w.open("CstmrCdtTrfInitn");
    w.open("GrpHdr");
    w.leaf("MsgId", &initiation.message_id);
    w.leaf("CreDtTm", &iso_datetime(initiation.created_at)?);
    w.leaf("NbOfTxs", &total_count.to_string());
    w.leaf("CtrlSum", &total.format(currency));
    w.open("InitgPty");
    w.leaf("Nm", &initiation.initiating_party);
    w.close("InitgPty");
    w.close("GrpHdr");

    let debtor = &initiation.debtor;
    for (block, sum) in initiation.blocks.iter().zip(&sums) {
        w.open("PmtInf");
        w.leaf("PmtInfId", &block.id);
        w.leaf("PmtMtd", if block.method == Method::Cheque { "CHK" } else { "TRF" });
        w.leaf("NbOfTxs", &block.transactions.len().to_string());
        w.leaf("CtrlSum", &sum.format(currency));
        w.open("ReqdExctnDt");
        w.leaf("Dt", &iso_date(block.requested_execution_date));
        w.close("ReqdExctnDt");
        w.open("Dbtr");
        w.leaf("Nm", &debtor.name);
        w.close("Dbtr");
        if let Some(account) = &debtor.account {
            w.account("DbtrAcct", account, Some(currency));
        }
        w.agent("DbtrAgt", debtor.agent_bic.as_deref());
        w.leaf("ChrgBr", "DEBT");
        for tx in &block.transactions {
            w.open("CdtTrfTxInf");
            w.open("PmtId");
            w.leaf("InstrId", &tx.instruction_id);
            w.leaf("EndToEndId", &tx.end_to_end_id);
            w.close("PmtId");
            w.open("Amt");
            w.line(&format!(
                "<InstdAmt Ccy=\"{}\">{}</InstdAmt>",
                escape(currency.code()),
                tx.amount.format(currency)
            ));
            w.close("Amt");
            if block.method == Method::Cheque {
                w.open("ChqInstr");
                w.leaf("ChqTp", "BCHQ");
                w.open("DlvryMtd");
                w.leaf("Cd", "PUDB");
                w.close("DlvryMtd");
                w.close("ChqInstr");
            }
            if let Some(bic) = &tx.creditor.agent_bic {
                w.agent("CdtrAgt", Some(bic));
            }
            w.open("Cdtr");
            w.leaf("Nm", &tx.creditor.name);
            if let Some(person) = &tx.creditor.identification {
                w.person_id(person);
            }
            w.close("Cdtr");
            if let Some(account) = &tx.creditor.account {
                w.account("CdtrAcct", account, None);
            }
            if let Some(name) = &tx.ultimate_creditor {
                w.open("UltmtCdtr");
                w.leaf("Nm", name);
                w.close("UltmtCdtr");
            }
            w.open("RmtInf");
            w.leaf("Ustrd", &tx.remittance);
            w.close("RmtInf");
            w.close("CdtTrfTxInf");
        }
        w.close("PmtInf");
    }
    w.close("CstmrCdtTrfInitn");
    w.out.push_str("</Document>\n");
    Ok(w.out)
}

/// Checks everything the schema (and common bank rules) would refuse; returns each block's sum.
fn validate(initiation: &Initiation) -> Result<Vec<Amount>, Pain001Error> {
    identifier("message_id", &initiation.message_id)?;
    iso_datetime(initiation.created_at)?;
    text("initiating_party", &initiation.initiating_party, 140)?;
    let debtor = &initiation.debtor;
    text("debtor.name", &debtor.name, 140)?;
    match &debtor.account {
        Some(account) => account_id("debtor.account", account)?,
        None => return Err(Pain001Error::new("debtor.account", "the fund's account is required")),
    }
    if let Some(bic) = &debtor.agent_bic {
        check_bic("debtor.agent_bic", bic)?;
    }
    if initiation.blocks.is_empty() {
        return Err(Pain001Error::new("blocks", "at least one payment block is required"));
    }

    let mut block_ids = BTreeSet::new();
    let mut end_to_end_ids = BTreeSet::new();
    let mut instruction_ids = BTreeSet::new();
    let mut sums = Vec::with_capacity(initiation.blocks.len());
    for (b, block) in initiation.blocks.iter().enumerate() {
        let at = |field: &str| format!("blocks[{b}].{field}");
        identifier(&at("id"), &block.id)?;
        if !block_ids.insert(block.id.as_str()) {
            return Err(Pain001Error::new(at("id"), format!("{:?} is used by an earlier block", block.id)));
        }
        iso_date_checked(&at("requested_execution_date"), block.requested_execution_date)?;
        if block.transactions.is_empty() {
            return Err(Pain001Error::new(at("transactions"), "at least one transaction is required"));
        }
        let mut sum = Amount::ZERO;
        for (t, tx) in block.transactions.iter().enumerate() {
            let at = |field: &str| format!("blocks[{b}].transactions[{t}].{field}");
            identifier(&at("end_to_end_id"), &tx.end_to_end_id)?;
            if !end_to_end_ids.insert(tx.end_to_end_id.as_str()) {
                return Err(Pain001Error::new(
                    at("end_to_end_id"),
                    format!("{:?} is used by an earlier transaction", tx.end_to_end_id),
                ));
            }
            identifier(&at("instruction_id"), &tx.instruction_id)?;
            if !instruction_ids.insert(tx.instruction_id.as_str()) {
                return Err(Pain001Error::new(
                    at("instruction_id"),
                    format!("{:?} is used by an earlier transaction", tx.instruction_id),
                ));
            }
            if !tx.amount.is_positive() {
                return Err(Pain001Error::new(at("amount"), "must be positive"));
            }
            if tx.amount.0 > MAX_UNITS {
                return Err(Pain001Error::new(at("amount"), "exceeds the 18 digits the schema allows"));
            }
            sum = match sum.checked_add(tx.amount) {
                Ok(sum) if sum.0 <= MAX_UNITS => sum,
                _ => {
                    return Err(Pain001Error::new(
                        at("amount"),
                        "the block's sum of amounts exceeds 18 digits",
                    ))
                }
            };
            text(&at("creditor.name"), &tx.creditor.name, 140)?;
            if let Some(person) = &tx.creditor.identification {
                text(&at("creditor.identification.id"), &person.id, 35)?;
                match &person.scheme {
                    PersonIdScheme::Code(code) if code.len() <= 4 && !code.is_empty() => {}
                    PersonIdScheme::Code(_) => {
                        return Err(Pain001Error::new(
                            at("creditor.identification.scheme"),
                            "a code has 1 to 4 letters",
                        ))
                    }
                    PersonIdScheme::Proprietary(name) => {
                        text(&at("creditor.identification.scheme"), name, 35)?
                    }
                }
                if let Some(issuer) = &person.issuer {
                    text(&at("creditor.identification.issuer"), issuer, 35)?;
                }
            }
            match (block.method, &tx.creditor.account) {
                (Method::Transfer, Some(account)) => account_id(&at("creditor.account"), account)?,
                (Method::Transfer, None) => {
                    return Err(Pain001Error::new(
                        at("creditor.account"),
                        "a transfer needs the creditor's account",
                    ))
                }
                (Method::Cheque, Some(_)) => {
                    return Err(Pain001Error::new(
                        at("creditor.account"),
                        "a cheque is not paid into an account; leave it empty",
                    ))
                }
                (Method::Cheque, None) => {}
            }
            match (block.method, &tx.creditor.agent_bic) {
                (Method::Transfer, Some(bic)) => check_bic(&at("creditor.agent_bic"), bic)?,
                (Method::Cheque, Some(_)) => {
                    return Err(Pain001Error::new(
                        at("creditor.agent_bic"),
                        "a cheque has no creditor bank; leave it empty",
                    ))
                }
                (_, None) => {}
            }
            if let Some(name) = &tx.ultimate_creditor {
                text(&at("ultimate_creditor"), name, 140)?;
            }
            text(&at("remittance"), &tx.remittance, 140)?;
        }
        sums.push(sum);
    }
    Ok(sums)
}

/// A schema text (`Max35Text`, `Max140Text`, ...): 1 to `max` characters, not blank, and only
/// characters that XML allows outside control characters (no tabs or line breaks either).
fn text(field: &str, value: &str, max: usize) -> Result<(), Pain001Error> {
    if value.trim().is_empty() {
        return Err(Pain001Error::new(field, "must not be empty"));
    }
    let length = value.chars().count();
    if length > max {
        return Err(Pain001Error::new(field, format!("is {length} characters long, at most {max} allowed")));
    }
    if let Some((position, c)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| redress_domain::user::is_hidden_char(*c) || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    {
        return Err(Pain001Error::new(
            field,
            format!(
                "contains the control or invisible character U+{:04X} at position {position}",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

/// An identifier: 1 to 35 printable ASCII characters without spaces.
fn identifier(field: &str, value: &str) -> Result<(), Pain001Error> {
    text(field, value, 35)?;
    if let Some(c) = value.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(Pain001Error::new(
            field,
            format!("{c:?} is not allowed: identifiers are printable ASCII without spaces"),
        ));
    }
    Ok(())
}

fn account_id(field: &str, account: &AccountId) -> Result<(), Pain001Error> {
    match account {
        AccountId::Iban(iban) => check_iban(&format!("{field}.iban"), iban),
        AccountId::Other { id, scheme } => {
            let id_field = format!("{field}.id");
            text(&id_field, id, 34)?;
            if let Some(scheme) = scheme {
                text(&format!("{field}.scheme"), scheme, 35)?;
                if scheme == "CCI" && (id.len() != 20 || !id.bytes().all(|b| b.is_ascii_digit())) {
                    return Err(Pain001Error::new(id_field, "a CCI is exactly 20 digits"));
                }
            }
            Ok(())
        }
    }
}

/// `[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}` (the schema), upper case, and the ISO 13616 check.
fn check_iban(field: &str, iban: &str) -> Result<(), Pain001Error> {
    let bytes = iban.as_bytes();
    let shape = bytes.len() >= 5
        && bytes.len() <= 34
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && bytes[2..4].iter().all(u8::is_ascii_digit)
        && bytes[4..].iter().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
    if !shape {
        return Err(Pain001Error::new(
            field,
            "is not an IBAN: country code, two check digits and up to 30 upper-case letters or \
             digits, without spaces",
        ));
    }
    let mut remainder: u32 = 0;
    for &b in bytes[4..].iter().chain(&bytes[..4]) {
        let value = if b.is_ascii_digit() { u32::from(b - b'0') } else { u32::from(b - b'A') + 10 };
        remainder = if value < 10 { (remainder * 10 + value) % 97 } else { (remainder * 100 + value) % 97 };
    }
    if remainder != 1 {
        return Err(Pain001Error::new(field, "the IBAN's check digits are wrong"));
    }
    Ok(())
}

/// `[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?`.
fn check_bic(field: &str, bic: &str) -> Result<(), Pain001Error> {
    let bytes = bic.as_bytes();
    let alnum = |b: &u8| b.is_ascii_digit() || b.is_ascii_uppercase();
    let valid = (bytes.len() == 8 || bytes.len() == 11)
        && bytes[..4].iter().all(alnum)
        && bytes[4..6].iter().all(u8::is_ascii_uppercase)
        && bytes[6..].iter().all(alnum);
    if !valid {
        return Err(Pain001Error::new(field, "is not a BIC: 8 or 11 upper-case letters and digits"));
    }
    Ok(())
}

fn iso_date_checked(field: &str, date: Date) -> Result<(), Pain001Error> {
    if !(1..=9999).contains(&date.year()) {
        return Err(Pain001Error::new(field, "the year must be between 1 and 9999"));
    }
    Ok(())
}

/// `YYYY-MM-DD` (the year is checked by [`iso_date_checked`]).
fn iso_date(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// `YYYY-MM-DDThh:mm:ss` and `Z` or `±hh:mm`.
fn iso_datetime(at: OffsetDateTime) -> Result<String, Pain001Error> {
    iso_date_checked("created_at", at.date())?;
    let offset = at.offset();
    let (hours, minutes, seconds) = offset.as_hms();
    if seconds != 0 {
        return Err(Pain001Error::new("created_at", "the UTC offset must be whole minutes"));
    }
    let zone = if offset.is_utc() {
        "Z".to_string()
    } else {
        let sign = if offset.is_negative() { '-' } else { '+' };
        format!("{sign}{:02}:{:02}", hours.unsigned_abs(), minutes.unsigned_abs())
    };
    Ok(format!("{}T{:02}:{:02}:{:02}{zone}", iso_date(at.date()), at.hour(), at.minute(), at.second()))
}

/// Escapes the five XML special characters.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// An indenting writer for well-formed, already validated content (two spaces per level).
#[derive(Default)]
struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn line(&mut self, line: &str) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str(line);
        self.out.push('\n');
    }

    fn open(&mut self, tag: &str) {
        self.line(&format!("<{tag}>"));
        self.depth += 1;
    }

    fn close(&mut self, tag: &str) {
        self.depth -= 1;
        self.line(&format!("</{tag}>"));
    }

    fn leaf(&mut self, tag: &str, text: &str) {
        self.line(&format!("<{tag}>{}</{tag}>", escape(text)));
    }

    fn account(&mut self, tag: &str, account: &AccountId, currency: Option<Currency>) {
        self.open(tag);
        self.open("Id");
        match account {
            AccountId::Iban(iban) => self.leaf("IBAN", iban),
            AccountId::Other { id, scheme } => {
                self.open("Othr");
                self.leaf("Id", id);
                if let Some(scheme) = scheme {
                    self.open("SchmeNm");
                    self.leaf("Prtry", scheme);
                    self.close("SchmeNm");
                }
                self.close("Othr");
            }
        }
        self.close("Id");
        if let Some(currency) = currency {
            self.leaf("Ccy", currency.code());
        }
        self.close(tag);
    }

    fn person_id(&mut self, person: &PersonId) {
        self.open("Id");
        self.open("PrvtId");
        self.open("Othr");
        self.leaf("Id", &person.id);
        self.open("SchmeNm");
        match &person.scheme {
            PersonIdScheme::Code(code) => self.leaf("Cd", code),
            PersonIdScheme::Proprietary(name) => self.leaf("Prtry", name),
        }
        self.close("SchmeNm");
        if let Some(issuer) = &person.issuer {
            self.leaf("Issr", issuer);
        }
        self.close("Othr");
        self.close("PrvtId");
        self.close("Id");
    }

    fn agent(&mut self, tag: &str, bic: Option<&str>) {
        self.open(tag);
        self.open("FinInstnId");
        match bic {
            Some(bic) => self.leaf("BICFI", bic),
            None => {
                self.open("Othr");
                self.leaf("Id", "NOTPROVIDED");
                self.close("Othr");
            }
        }
        self.close("FinInstnId");
        self.close(tag);
    }
}

// ---------------------------------------------------------------------------------------------
// pain.002: the bank's status report
// ---------------------------------------------------------------------------------------------

/// A status code, classified, with the bank's raw code kept (`ACSC`, `RJCT`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxStatus {
    /// `ACCP`, `ACSC`, `ACSP`, `ACTC`, `ACWC`, `ACCC`, `ACFC`, `ACIS`. Only `ACSC` (debtor's
    /// account debited) and `ACCC` (creditor's account credited) say the money has moved; the
    /// others say the bank accepted the order.
    Accepted(String),
    /// `RJCT`, and `CANC` (cancelled before execution): the money was not paid.
    Rejected(String),
    /// `PDNG`, `RCVD`, `ACWP`, `PART` (a group or block partly accepted: see its transactions),
    /// `PATC` and any code this module does not know: not settled either way.
    Pending(String),
}

impl TxStatus {
    /// Classifies a code of 1 to 4 upper-case letters or digits.
    fn parse(code: &str) -> Option<TxStatus> {
        if code.is_empty()
            || code.len() > 4
            || !code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return None;
        }
        let code = code.to_string();
        Some(match code.as_str() {
            "ACCP" | "ACSC" | "ACSP" | "ACTC" | "ACWC" | "ACCC" | "ACFC" | "ACIS" => TxStatus::Accepted(code),
            "RJCT" | "CANC" => TxStatus::Rejected(code),
            _ => TxStatus::Pending(code),
        })
    }

    /// The raw ISO 20022 code.
    pub fn code(&self) -> &str {
        match self {
            TxStatus::Accepted(code) | TxStatus::Rejected(code) | TxStatus::Pending(code) => code,
        }
    }

    /// `PART`: the group or block was partly accepted; its status says nothing about any one
    /// transaction.
    fn is_partial(&self) -> bool {
        self.code() == "PART"
    }
}

/// The status of one original payment block (`OrgnlPmtInfAndSts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentInfoStatus {
    /// `OrgnlPmtInfId`: the [`PaymentBlock::id`] it reports on.
    pub original_payment_info_id: String,
    /// `PmtInfSts`; when there are no transaction entries for the block, it applies to all of
    /// the block's transactions (unless it is `PART`).
    pub status: Option<TxStatus>,
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
}

/// The status of one original transaction (`TxInfAndSts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionStatus {
    /// `OrgnlPmtInfId` of the enclosing block entry.
    pub original_payment_info_id: String,
    pub original_end_to_end_id: String,
    pub original_instruction_id: Option<String>,
    /// `TxSts`, or, where the entry has none (allowed when the block is rejected as a whole
    /// and the entry only gives reasons), the block's status, else the group's.
    pub status: TxStatus,
    /// True when `status` came from the block or the group, not from a `TxSts`.
    pub status_inherited: bool,
    /// The first `StsRsnInf/Rsn/Cd` (or `Prtry`), such as `AC01` (incorrect account number) or
    /// `AC04` (closed account).
    pub reason_code: Option<String>,
    /// Every `StsRsnInf/AddtlInf`, joined with spaces.
    pub reason_text: Option<String>,
}

/// A pain.002 Customer Payment Status Report.
///
/// A bank may report at three levels. Transaction entries (`transactions`) are the most
/// precise. A report may instead give only a status for a whole block (`payment_infos`) or
/// for the whole file (`group_status`), typically `RJCT` when the file was refused as a whole:
/// that status then applies to every transaction of that block or file, which this parser does
/// not know. [`StatusReport::status_for`] applies these rules for one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// `GrpHdr/MsgId` of the report itself.
    pub message_id: String,
    /// `OrgnlGrpInfAndSts/OrgnlMsgId`: the [`Initiation::message_id`] it reports on.
    pub original_message_id: String,
    /// `OrgnlMsgNmId`, such as `pain.001.001.09`, when given.
    pub original_message_name: Option<String>,
    /// `GrpSts`: applies to every transaction of the original file (unless it is `PART`).
    pub group_status: Option<TxStatus>,
    pub group_reason_code: Option<String>,
    pub group_reason_text: Option<String>,
    pub payment_infos: Vec<PaymentInfoStatus>,
    pub transactions: Vec<TransactionStatus>,
}

impl StatusReport {
    /// What the report says about one transaction of the original file: its own entry if
    /// there is one, else its block's status, else the group status; `PART` at block or group
    /// level, or no word at all, gives `None`.
    pub fn status_for(&self, payment_info_id: &str, end_to_end_id: &str) -> Option<&TxStatus> {
        if let Some(tx) = self.transactions.iter().find(|t| {
            t.original_end_to_end_id == end_to_end_id && t.original_payment_info_id == payment_info_id
        }) {
            return Some(&tx.status);
        }
        let block = self
            .payment_infos
            .iter()
            .find(|p| p.original_payment_info_id == payment_info_id)
            .and_then(|p| p.status.as_ref());
        [block, self.group_status.as_ref()].into_iter().flatten().find(|s| !s.is_partial())
    }
}

/// Why a pain.002 document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pain002Error {
    /// Not well-formed XML, or a construct refused for safety (`<!DOCTYPE>`, unknown entity,
    /// excessive nesting).
    Malformed(String),
    /// Well-formed, but not a `Document/CstmrPmtStsRpt`.
    NotAStatusReport(String),
    /// A required element is missing: its path, such as
    /// `CstmrPmtStsRpt/OrgnlGrpInfAndSts/OrgnlMsgId`.
    Missing(String),
    /// An element holds a value that is not allowed (a status code of the wrong shape).
    Invalid { path: String, reason: String },
}

impl std::fmt::Display for Pain002Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pain002Error::Malformed(reason) => write!(f, "malformed XML: {reason}"),
            Pain002Error::NotAStatusReport(reason) => {
                write!(f, "not a pain.002 customer payment status report: {reason}")
            }
            Pain002Error::Missing(path) => write!(f, "missing required element {path}"),
            Pain002Error::Invalid { path, reason } => write!(f, "{path}: {reason}"),
        }
    }
}

impl std::error::Error for Pain002Error {}

/// Deeper nesting than this is refused (a pain.002 needs about 12 levels).
const MAX_DEPTH: usize = 64;

/// Parses a pain.002.001.03 to .10 status report (any namespace; elements by local name).
///
/// Required: `GrpHdr/MsgId`, `OrgnlGrpInfAndSts/OrgnlMsgId`, each block entry's
/// `OrgnlPmtInfId`, each transaction entry's `OrgnlEndToEndId`, a status for each transaction
/// entry (its own or inherited, see [`TransactionStatus::status`]), and a status somewhere in the
/// report. Status codes must be 1 to 4 upper-case letters or digits. Unknown elements are ignored.
pub fn parse_pain002(xml: &str) -> Result<StatusReport, Pain002Error> {
    let root = parse_tree(xml)?;
    if root.name != "Document" {
        return Err(Pain002Error::NotAStatusReport(format!(
            "the root element is <{}>, not <Document>",
            root.name
        )));
    }
    let report = root.child("CstmrPmtStsRpt").ok_or_else(|| {
        let found = root.children.first().map(|c| c.name.as_str()).unwrap_or("nothing");
        Pain002Error::NotAStatusReport(format!("<Document> holds <{found}>, not <CstmrPmtStsRpt>"))
    })?;
    const R: &str = "CstmrPmtStsRpt";

    let message_id = report.required(&["GrpHdr", "MsgId"], R)?;
    let group = report
        .child("OrgnlGrpInfAndSts")
        .ok_or_else(|| Pain002Error::Missing(format!("{R}/OrgnlGrpInfAndSts")))?;
    let g = format!("{R}/OrgnlGrpInfAndSts");
    let original_message_id = group.required(&["OrgnlMsgId"], &g)?;
    let original_message_name = group.text(&["OrgnlMsgNmId"]);
    let group_status = status(group, "GrpSts", &g)?;
    let (group_reason_code, group_reason_text) = reasons(group);

    let mut payment_infos = Vec::new();
    let mut transactions = Vec::new();
    for (p, block) in report.children_named("OrgnlPmtInfAndSts").enumerate() {
        let bp = format!("{R}/OrgnlPmtInfAndSts[{p}]");
        let id = block.required(&["OrgnlPmtInfId"], &bp)?;
        let block_status = status(block, "PmtInfSts", &bp)?;
        for (t, tx) in block.children_named("TxInfAndSts").enumerate() {
            let tp = format!("{bp}/TxInfAndSts[{t}]");
            let end_to_end_id = tx.required(&["OrgnlEndToEndId"], &tp)?;
            let own = status(tx, "TxSts", &tp)?;
            let status_inherited = own.is_none();
            let status = own
                .or_else(|| block_status.clone())
                .or_else(|| group_status.clone())
                .ok_or_else(|| Pain002Error::Missing(format!("{tp}/TxSts")))?;
            let (reason_code, reason_text) = reasons(tx);
            transactions.push(TransactionStatus {
                original_payment_info_id: id.clone(),
                original_end_to_end_id: end_to_end_id,
                original_instruction_id: tx.text(&["OrgnlInstrId"]),
                status,
                status_inherited,
                reason_code,
                reason_text,
            });
        }
        let (reason_code, reason_text) = reasons(block);
        payment_infos.push(PaymentInfoStatus {
            original_payment_info_id: id,
            status: block_status,
            reason_code,
            reason_text,
        });
    }
    if group_status.is_none() && transactions.is_empty() && payment_infos.iter().all(|p| p.status.is_none()) {
        return Err(Pain002Error::Missing(format!(
            "{g}/GrpSts (the report gives no status for the group, a block or a transaction)"
        )));
    }
    Ok(StatusReport {
        message_id,
        original_message_id,
        original_message_name,
        group_status,
        group_reason_code,
        group_reason_text,
        payment_infos,
        transactions,
    })
}

/// The optional status element `name` of `element`, classified.
fn status(element: &Element, name: &str, path: &str) -> Result<Option<TxStatus>, Pain002Error> {
    match element.text(&[name]) {
        None => Ok(None),
        Some(code) => TxStatus::parse(&code).map(Some).ok_or_else(|| Pain002Error::Invalid {
            path: format!("{path}/{name}"),
            reason: format!("{code:?} is not a status code (1 to 4 upper-case letters or digits)"),
        }),
    }
}

/// The first reason code and all additional information of `element`'s `StsRsnInf` entries.
fn reasons(element: &Element) -> (Option<String>, Option<String>) {
    let entries: Vec<&Element> = element.children_named("StsRsnInf").collect();
    let code = entries.iter().find_map(|r| r.text(&["Rsn", "Cd"]).or_else(|| r.text(&["Rsn", "Prtry"])));
    let texts: Vec<String> = entries
        .iter()
        .flat_map(|r| r.children_named("AddtlInf"))
        .map(|a| a.text.trim().to_string())
        .collect();
    let texts: Vec<String> = texts.into_iter().filter(|t| !t.is_empty()).collect();
    (code, if texts.is_empty() { None } else { Some(texts.join(" ")) })
}

/// A minimal element tree: local name, concatenated text, children in document order.
#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed, non-empty text at a path of child names.
    fn text(&self, path: &[&str]) -> Option<String> {
        let mut element = self;
        for name in path {
            element = element.child(name)?;
        }
        let text = element.text.trim();
        (!text.is_empty()).then(|| text.to_string())
    }

    fn required(&self, path: &[&str], at: &str) -> Result<String, Pain002Error> {
        self.text(path).ok_or_else(|| Pain002Error::Missing(format!("{at}/{}", path.join("/"))))
    }
}

/// Reads `xml` into an [`Element`] tree, refusing DTDs, unknown entities and deep nesting.
fn parse_tree(xml: &str) -> Result<Element, Pain002Error> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let malformed = |reader: &Reader<&[u8]>, error: &dyn std::fmt::Display| {
        Pain002Error::Malformed(format!("at byte {}: {error}", reader.error_position()))
    };
    loop {
        let event = reader.read_event().map_err(|e| malformed(&reader, &e))?;
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() && stack.is_empty() => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                return Err(Pain002Error::Malformed(format!("a second root element <{name}>")));
            }
            Event::Start(start) => {
                for attribute in start.attributes() {
                    attribute.map_err(|e| malformed(&reader, &e))?;
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(Pain002Error::Malformed(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                stack.push(Element { name, ..Element::default() });
            }
            Event::Empty(start) => {
                for attribute in start.attributes() {
                    attribute.map_err(|e| malformed(&reader, &e))?;
                }
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                let element = Element { name, ..Element::default() };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                // quick-xml has checked that the end tag matches the open element.
                let element =
                    stack.pop().ok_or_else(|| Pain002Error::Malformed("unexpected end tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(text) => {
                let text = text.xml10_content().map_err(|e| malformed(&reader, &e))?;
                append_text(&mut stack, &text)?;
            }
            Event::CData(data) => {
                let text = data.xml10_content().map_err(|e| malformed(&reader, &e))?;
                append_text(&mut stack, &text)?;
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(|e| malformed(&reader, &e))? {
                    Some(c) => c,
                    None => {
                        let name = reference.decode().map_err(|e| malformed(&reader, &e))?;
                        match name.as_ref() {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "apos" => '\'',
                            "quot" => '"',
                            other => {
                                return Err(Pain002Error::Malformed(format!(
                                    "unknown entity &{other}; (only the five XML entities are allowed)"
                                )))
                            }
                        }
                    }
                };
                append_text(&mut stack, resolved.encode_utf8(&mut [0; 4]))?;
            }
            Event::DocType(_) => {
                return Err(Pain002Error::Malformed("a <!DOCTYPE> is not allowed in a pain.002".into()))
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(Pain002Error::Malformed(format!("the document ends inside <{}>", open.name)));
    }
    root.ok_or_else(|| Pain002Error::Malformed("no root element".into()))
}

/// Adds text to the open element; outside the root element only whitespace is allowed.
fn append_text(stack: &mut [Element], text: &str) -> Result<(), Pain002Error> {
    match stack.last_mut() {
        Some(element) => element.text.push_str(text),
        None if text.trim().is_empty() => {}
        None => return Err(Pain002Error::Malformed("text outside the root element".into())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn pen() -> Currency {
        Currency::parse("PEN").unwrap()
    }

    fn transfer(id: &str, units: i64) -> CreditTransfer {
        CreditTransfer {
            end_to_end_id: format!("E2E-{id}"),
            instruction_id: format!("INS-{id}"),
            amount: Amount(units),
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
        order.blocks[0].transactions[1].amount = Amount(-5);
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
