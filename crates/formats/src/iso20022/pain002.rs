//! pain.002: the bank's status report on a payment order.

use quick_xml::events::Event;
use quick_xml::Reader;

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
    pub(super) fn parse(code: &str) -> Option<TxStatus> {
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
pub(super) const MAX_DEPTH: usize = 64;

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
pub(super) fn status(element: &Element, name: &str, path: &str) -> Result<Option<TxStatus>, Pain002Error> {
    match element.text(&[name]) {
        None => Ok(None),
        Some(code) => TxStatus::parse(&code).map(Some).ok_or_else(|| Pain002Error::Invalid {
            path: format!("{path}/{name}"),
            reason: format!("{code:?} is not a status code (1 to 4 upper-case letters or digits)"),
        }),
    }
}

/// The first reason code and all additional information of `element`'s `StsRsnInf` entries.
pub(super) fn reasons(element: &Element) -> (Option<String>, Option<String>) {
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
pub(super) struct Element {
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
pub(super) fn parse_tree(xml: &str) -> Result<Element, Pain002Error> {
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
pub(super) fn append_text(stack: &mut [Element], text: &str) -> Result<(), Pain002Error> {
    match stack.last_mut() {
        Some(element) => element.text.push_str(text),
        None if text.trim().is_empty() => {}
        None => return Err(Pain002Error::Malformed("text outside the root element".into())),
    }
    Ok(())
}
