//! Paying victims: bank accounts as the banks check them, payment batches and their lines as
//! state machines, and what a bank's status codes mean for a line.
//!
//! A batch is proposed by a fund officer, approved by someone else, exported as a bank file, and
//! closed when the bank has answered for every line. A line is `pending` until the bank accepts
//! it (the money left the fund) or rejects it (the money stays, the claim waits again). A line's
//! result is applied once: a later word from the bank that contradicts it never re-resolves it,
//! it is reported as a conflict and the claim is held for a person to look at.

use serde::Serialize;

use crate::FieldError;

/// A payee's bank account, validated the way Peru's banks and the IBAN registry check them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "scheme", content = "id", rename_all = "snake_case")]
pub enum BankAccount {
    /// Peru's Código de Cuenta Interbancario: bank (3) · office (3) · account (12) · two
    /// check digits, the first over bank and office, the second over the account.
    Cci(String),
    /// An International Bank Account Number (ISO 13616), checked by mod 97.
    Iban(String),
}

impl BankAccount {
    /// Reads an account as people type it (spaces, dashes and dots allowed between digits).
    pub fn parse(field: &str, value: &str) -> Result<BankAccount, FieldError> {
        let cleaned: String = value
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '\u{a0}'))
            .collect::<String>()
            .to_ascii_uppercase();
        let error = |reason: &str| Err(FieldError::new(field, reason));
        if cleaned.is_empty() {
            return error("must not be empty");
        }
        if cleaned.bytes().all(|b| b.is_ascii_digit()) {
            if cleaned.len() != 20 {
                return error("a CCI has exactly 20 digits (bank, office, account and two check digits)");
            }
            if !cci_check_digits_match(&cleaned) {
                return error("the CCI's check digits do not match: check the number with the bank");
            }
            return Ok(BankAccount::Cci(cleaned));
        }
        let bytes = cleaned.as_bytes();
        let iban_shaped = (15..=34).contains(&bytes.len())
            && bytes[..2].iter().all(u8::is_ascii_uppercase)
            && bytes[2..4].iter().all(u8::is_ascii_digit)
            && bytes.iter().all(u8::is_ascii_alphanumeric);
        if !iban_shaped {
            return error(
                "must be a CCI (20 digits) or an IBAN (two letters, two check digits, then the account)",
            );
        }
        if iban_mod97(&cleaned) != Some(1) {
            return error("the IBAN's check digits do not match: check the number with the bank");
        }
        Ok(BankAccount::Iban(cleaned))
    }

    /// The account as written in a bank file: digits and capital letters only.
    pub fn as_str(&self) -> &str {
        match self {
            BankAccount::Cci(id) | BankAccount::Iban(id) => id,
        }
    }
}

/// One CCI check digit: digits weighted 1, 2, 1, 2… from the left, the digits of each product
/// summed, and the complement of the total to the next ten. `None` for a byte that is not a digit.
fn cci_check_digit(digits: &[u8]) -> Option<u32> {
    let mut sum: u32 = 0;
    for (index, byte) in digits.iter().enumerate() {
        let digit = char::from(*byte).to_digit(10)?;
        let product = if index % 2 == 0 { digit } else { digit.checked_mul(2)? };
        sum = sum.checked_add(product / 10)?.checked_add(product % 10)?;
    }
    Some(10_u32.checked_sub(sum % 10)? % 10)
}

fn cci_check_digits_match(cci: &str) -> bool {
    let bytes = cci.as_bytes();
    let digit = |at: usize| char::from(bytes[at]).to_digit(10);
    let expected = cci_check_digit(&bytes[..6]).zip(cci_check_digit(&bytes[6..18]));
    expected.is_some() && expected == digit(18).zip(digit(19))
}

/// ISO 13616: move the first four characters to the end, letters to numbers (A = 10 …), mod 97.
fn iban_mod97(iban: &str) -> Option<u32> {
    let (head, tail) = iban.split_at(4);
    tail.chars().chain(head.chars()).try_fold(0, |remainder: u32, c| {
        let value = c.to_digit(36).unwrap_or(0);
        let shift = if value >= 10 { 100 } else { 10 };
        Some(remainder.checked_mul(shift)?.checked_add(value)? % 97)
    })
}

/// Computes the two check digits a CCI must end with (for test data and the demo).
pub fn cci_with_check_digits(first_eighteen: &str) -> Option<String> {
    let bytes = first_eighteen.as_bytes();
    if bytes.len() != 18 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(format!("{first_eighteen}{}{}", cci_check_digit(&bytes[..6])?, cci_check_digit(&bytes[6..18])?))
}

/// How a line is paid, which is also the block of the bank file it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// A credit transfer to the payee's account.
    Transfer,
    /// A cheque (or window payment) for a payee without a usable account.
    Cheque,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Transfer => "transfer",
            PaymentMethod::Cheque => "cheque",
        }
    }

    pub fn parse(value: &str) -> Option<PaymentMethod> {
        match value {
            "transfer" => Some(PaymentMethod::Transfer),
            "cheque" => Some(PaymentMethod::Cheque),
            _ => None,
        }
    }

    /// The id of this method's block (`PmtInfId`) in batch `batch_id`'s bank file.
    pub fn block_id(self, batch_id: i64) -> String {
        match self {
            PaymentMethod::Transfer => format!("B{batch_id}-TRF"),
            PaymentMethod::Cheque => format!("B{batch_id}-CHQ"),
        }
    }
}

/// Where a payment batch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    /// Proposed by a fund officer; waiting for a treasurer who is not the proposer.
    Proposed,
    /// Approved: payees frozen, the bank file can be produced.
    Approved,
    /// The bank file was produced; waiting for the bank's results.
    Exported,
    /// Every line has a final result.
    Closed,
}

impl BatchState {
    pub const ALL: [BatchState; 4] =
        [BatchState::Proposed, BatchState::Approved, BatchState::Exported, BatchState::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            BatchState::Proposed => "proposed",
            BatchState::Approved => "approved",
            BatchState::Exported => "exported",
            BatchState::Closed => "closed",
        }
    }

    pub fn parse(value: &str) -> Option<BatchState> {
        BatchState::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Approval: only a proposed batch.
    pub fn approve(self) -> Result<BatchState, FieldError> {
        match self {
            BatchState::Proposed => Ok(BatchState::Approved),
            other => Err(FieldError::new(
                "state",
                format!("the batch is {}; only a proposed batch can be approved", other.as_str()),
            )),
        }
    }

    /// Producing the bank file: an approved batch becomes exported; an exported or closed one
    /// may be produced again (the same bytes), and stays as it is.
    pub fn export(self) -> Result<BatchState, FieldError> {
        match self {
            BatchState::Proposed => Err(FieldError::new("state", "the batch is not approved yet")),
            BatchState::Approved => Ok(BatchState::Exported),
            state => Ok(state),
        }
    }

    /// Whether the bank's results may be recorded: only once the file went to the bank.
    pub fn accepts_results(self) -> Result<(), FieldError> {
        match self {
            BatchState::Exported | BatchState::Closed => Ok(()),
            other => Err(FieldError::new(
                "state",
                format!("the batch is {}: results come after its bank file was exported", other.as_str()),
            )),
        }
    }

    /// After results were applied: closed when no line is pending any more.
    pub fn after_results(self, any_line_pending: bool) -> BatchState {
        match self {
            BatchState::Exported if !any_line_pending => BatchState::Closed,
            state => state,
        }
    }
}

/// Where one line of a batch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    Pending,
    /// The bank paid: the hold was posted.
    Accepted,
    /// The bank did not pay: the hold was voided and the claim waits again.
    Rejected,
}

/// Where a line's result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ResultSource {
    /// A bank status report (`pain.002`) uploaded for the batch.
    #[serde(rename = "pain.002")]
    Pain002,
    /// A treasurer entered the bank's answer by hand.
    #[serde(rename = "manual")]
    Manual,
    /// A correction after the fact (the bank paid a line reported as rejected, or the reverse).
    #[serde(rename = "correction")]
    Correction,
}

impl ResultSource {
    pub const ALL: [ResultSource; 3] =
        [ResultSource::Pain002, ResultSource::Manual, ResultSource::Correction];

    pub fn as_str(self) -> &'static str {
        match self {
            ResultSource::Pain002 => "pain.002",
            ResultSource::Manual => "manual",
            ResultSource::Correction => "correction",
        }
    }

    pub fn parse(value: &str) -> Option<ResultSource> {
        ResultSource::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// The bank's final word on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineOutcome {
    Accepted,
    Rejected,
}

impl LineOutcome {
    pub fn status(self) -> LineStatus {
        match self {
            LineOutcome::Accepted => LineStatus::Accepted,
            LineOutcome::Rejected => LineStatus::Rejected,
        }
    }
}

/// What applying a result to a line does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// The line was pending and now has this result: post or void its hold.
    Apply(LineOutcome),
    /// The line already had this result (a repeated report): nothing to do.
    Unchanged,
    /// The line already has the other result: never re-resolved; a person must look.
    Conflict { had: LineStatus },
}

impl LineStatus {
    pub const ALL: [LineStatus; 3] = [LineStatus::Pending, LineStatus::Accepted, LineStatus::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            LineStatus::Pending => "pending",
            LineStatus::Accepted => "accepted",
            LineStatus::Rejected => "rejected",
        }
    }

    pub fn parse(value: &str) -> Option<LineStatus> {
        LineStatus::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// What a final result means for a line in this status.
    pub fn settle(self, outcome: LineOutcome) -> Settlement {
        match self {
            LineStatus::Pending => Settlement::Apply(outcome),
            had if had == outcome.status() => Settlement::Unchanged,
            had => Settlement::Conflict { had },
        }
    }
}

/// What a bank status code says about a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BankStatusMeaning {
    /// The money moved (settled, or settlement under way at the debtor's bank).
    Paid,
    /// The bank will not pay (rejected or cancelled).
    NotPaid,
    /// Received or technically accepted; a final word will follow.
    Waiting,
    /// A code ISO 20022 does not define: reported back as a problem, changes nothing.
    Unknown,
}

/// The ISO 20022 external payment status codes and what each means for a line.
pub fn bank_status_meaning(code: &str) -> BankStatusMeaning {
    match code {
        "ACSC" | "ACCC" | "ACSP" | "ACWC" => BankStatusMeaning::Paid,
        "RJCT" | "CANC" => BankStatusMeaning::NotPaid,
        "ACCP" | "ACTC" | "ACFC" | "ACIS" | "ACWP" | "PDNG" | "RCVD" | "PART" | "PATC" | "ACPD" | "BLCK" => {
            BankStatusMeaning::Waiting
        }
        _ => BankStatusMeaning::Unknown,
    }
}

/// Rejection reasons (ISO 20022 external status reason codes) that mean the payee's details
/// are wrong: paying again to the same details would fail again (or reach the wrong person),
/// so the claim waits until victim services correct them.
pub fn reason_needs_new_payee_details(code: &str) -> bool {
    matches!(
        code,
        "AC01" // incorrect account number
            | "AC03" // invalid creditor account number
            | "AC04" // closed account
            | "AC06" // blocked account
            | "AC07" // closed creditor account
            | "AC14" // invalid creditor account type
            | "AG03" // transaction type not supported on this account
            | "BE01" // inconsistent with end customer (name does not match the account)
            | "BE04" // missing creditor address
            | "BE06" // unknown end customer
            | "BE07" // missing debtor/creditor address
            | "MD07" // end customer deceased
            | "RC07" // invalid creditor BIC
            | "RR03" // missing creditor name or address
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cci_with_its_check_digits_is_accepted_as_typed() {
        for typed in ["011-366-000100032542-21", "01124100019000658270", "002-193-009999999999-10"] {
            let account = BankAccount::parse("bank_account", typed).unwrap();
            assert!(matches!(account, BankAccount::Cci(_)), "{typed}");
        }
        assert_eq!(cci_with_check_digits("011366000100032542").as_deref(), Some("01136600010003254221"));
    }

    #[test]
    fn a_short_or_wrongly_checked_cci_is_refused() {
        for bad in ["12", "123", "01136600010003254222", "0113660001000325421", "01136600010003254231"] {
            let error = BankAccount::parse("bank_account", bad).unwrap_err();
            assert_eq!(error.field, "bank_account", "{bad}");
        }
    }

    #[test]
    fn an_iban_is_checked_by_mod_97() {
        assert!(matches!(
            BankAccount::parse("bank_account", "GB82 WEST 1234 5698 7654 32"),
            Ok(BankAccount::Iban(iban)) if iban == "GB82WEST12345698765432"
        ));
        assert!(BankAccount::parse("bank_account", "GB82 WEST 1234 5698 7654 33").is_err());
        assert!(BankAccount::parse("bank_account", "ES9121000418450200051332").is_ok());
        assert!(BankAccount::parse("bank_account", "cuenta 123").is_err());
    }

    #[test]
    fn a_batch_moves_proposed_approved_exported_closed() {
        let approved = BatchState::Proposed.approve().unwrap();
        assert!(approved.approve().is_err());
        assert!(BatchState::Proposed.export().is_err());
        assert!(approved.accepts_results().is_err());
        let exported = approved.export().unwrap();
        assert_eq!(exported.export(), Ok(BatchState::Exported));
        assert_eq!(exported.after_results(true), BatchState::Exported);
        assert_eq!(exported.after_results(false), BatchState::Closed);
        assert!(BatchState::Closed.accepts_results().is_ok());
    }

    #[test]
    fn a_resolved_line_is_never_resolved_again() {
        assert_eq!(
            LineStatus::Pending.settle(LineOutcome::Rejected),
            Settlement::Apply(LineOutcome::Rejected)
        );
        assert_eq!(LineStatus::Accepted.settle(LineOutcome::Accepted), Settlement::Unchanged);
        assert_eq!(
            LineStatus::Rejected.settle(LineOutcome::Accepted),
            Settlement::Conflict { had: LineStatus::Rejected }
        );
        assert_eq!(
            LineStatus::Accepted.settle(LineOutcome::Rejected),
            Settlement::Conflict { had: LineStatus::Accepted }
        );
    }

    #[test]
    fn bank_codes_are_classified_and_unknown_ones_flagged() {
        assert_eq!(bank_status_meaning("ACSC"), BankStatusMeaning::Paid);
        assert_eq!(bank_status_meaning("RJCT"), BankStatusMeaning::NotPaid);
        assert_eq!(bank_status_meaning("ACTC"), BankStatusMeaning::Waiting);
        assert_eq!(bank_status_meaning("ZZZZ"), BankStatusMeaning::Unknown);
        assert!(reason_needs_new_payee_details("AC04"));
        assert!(!reason_needs_new_payee_details("AM04"));
    }

    #[test]
    fn block_ids_name_the_method() {
        assert_eq!(PaymentMethod::Transfer.block_id(3), "B3-TRF");
        assert_eq!(PaymentMethod::Cheque.block_id(3), "B3-CHQ");
    }
}
