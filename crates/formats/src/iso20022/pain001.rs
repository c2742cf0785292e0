//! pain.001: the payment order to the fund's bank (see the module documentation above).

use std::collections::BTreeSet;

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
pub(super) const MAX_UNITS: i64 = 999_999_999_999_999_999;

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
        Some(total) if total.minor_units() <= MAX_UNITS => total,
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
pub(super) fn validate(initiation: &Initiation) -> Result<Vec<Amount>, Pain001Error> {
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
            if tx.amount.minor_units() > MAX_UNITS {
                return Err(Pain001Error::new(at("amount"), "exceeds the 18 digits the schema allows"));
            }
            sum = match sum.checked_add(tx.amount) {
                Ok(sum) if sum.minor_units() <= MAX_UNITS => sum,
                _ => {
                    return Err(Pain001Error::new(
                        at("amount"),
                        "the block's sum of amounts exceeds 18 digits",
                    ))
                }
            };
            creditor(block.method, tx, &at)?;
            if let Some(name) = &tx.ultimate_creditor {
                text(&at("ultimate_creditor"), name, 140)?;
            }
            text(&at("remittance"), &tx.remittance, 140)?;
        }
        sums.push(sum);
    }
    Ok(sums)
}

/// A payment's creditor: the name, an identification with its scheme, and an account and bank
/// for a transfer (none for a cheque).
fn creditor(method: Method, tx: &CreditTransfer, at: &dyn Fn(&str) -> String) -> Result<(), Pain001Error> {
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
            PersonIdScheme::Proprietary(name) => text(&at("creditor.identification.scheme"), name, 35)?,
        }
        if let Some(issuer) = &person.issuer {
            text(&at("creditor.identification.issuer"), issuer, 35)?;
        }
    }
    match (method, &tx.creditor.account) {
        (Method::Transfer, Some(account)) => account_id(&at("creditor.account"), account)?,
        (Method::Transfer, None) => {
            return Err(Pain001Error::new(at("creditor.account"), "a transfer needs the creditor's account"))
        }
        (Method::Cheque, Some(_)) => {
            return Err(Pain001Error::new(
                at("creditor.account"),
                "a cheque is not paid into an account; leave it empty",
            ))
        }
        (Method::Cheque, None) => {}
    }
    match (method, &tx.creditor.agent_bic) {
        (Method::Transfer, Some(bic)) => check_bic(&at("creditor.agent_bic"), bic)?,
        (Method::Cheque, Some(_)) => {
            return Err(Pain001Error::new(
                at("creditor.agent_bic"),
                "a cheque has no creditor bank; leave it empty",
            ))
        }
        (_, None) => {}
    }
    Ok(())
}

/// A schema text (`Max35Text`, `Max140Text`, ...): 1 to `max` characters, not blank, and only
/// characters that XML allows outside control characters (no tabs or line breaks either).
pub(super) fn text(field: &str, value: &str, max: usize) -> Result<(), Pain001Error> {
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
pub(super) fn identifier(field: &str, value: &str) -> Result<(), Pain001Error> {
    text(field, value, 35)?;
    if let Some(c) = value.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(Pain001Error::new(
            field,
            format!("{c:?} is not allowed: identifiers are printable ASCII without spaces"),
        ));
    }
    Ok(())
}

pub(super) fn account_id(field: &str, account: &AccountId) -> Result<(), Pain001Error> {
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
pub(super) fn check_iban(field: &str, iban: &str) -> Result<(), Pain001Error> {
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
pub(super) fn check_bic(field: &str, bic: &str) -> Result<(), Pain001Error> {
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

pub(super) fn iso_date_checked(field: &str, date: Date) -> Result<(), Pain001Error> {
    if !(1..=9999).contains(&date.year()) {
        return Err(Pain001Error::new(field, "the year must be between 1 and 9999"));
    }
    Ok(())
}

/// `YYYY-MM-DD` (the year is checked by [`iso_date_checked`]).
pub(super) fn iso_date(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// `YYYY-MM-DDThh:mm:ss` and `Z` or `±hh:mm`.
pub(super) fn iso_datetime(at: OffsetDateTime) -> Result<String, Pain001Error> {
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
pub(super) fn escape(text: &str) -> String {
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
pub(super) struct Writer {
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
