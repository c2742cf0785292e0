//! Codes and reasons as words in the reader's language.
//!
//! The API speaks in codes (`pending`, `fund_officer`, `RJCT`, `AC04`) and in English reasons
//! (`must not be empty`); a page never shows either. Each code of a domain enum is the message
//! `<group>-<code>` ([`GROUPS`] lists them all, and a test checks every one exists in every
//! language); a use case's reason is matched against [`REASONS`] and written as its message,
//! with the field named by its label, not its API path (`orders[0].items[0].amount` →
//! "Monto"). A reason with no message yet is shown as it is: better English than nothing.

use std::collections::BTreeMap;

use redress_domain::alerts::{AlertState, ClosureReason, Urgency};
use redress_domain::assets::{AssetKind, AssetState};
use redress_domain::cases::Stage;
use redress_domain::claims::{ClaimState, Need, Waiting};
use redress_domain::orders::{AppealOutcome, HeadOfDamage, PaymentState};
use redress_domain::payments::{BatchState, LineStatus};
use redress_domain::victims::{DocumentType, Relationship};
use redress_domain::{InstitutionKind, Role};

use super::{has_message, translate, Locale};

/// ISO 20022 payment status codes and status reason codes the pages name (the bank's file
/// carries them; ExternalStatusReason1Code and ExternalPaymentTransactionStatus1Code).
pub const BANK_CODES: &[&str] = &[
    "ACSC", "ACCC", "ACSP", "ACWC", "ACCP", "ACTC", "ACFC", "ACIS", "ACWP", "PDNG", "RCVD", "PART", "RJCT",
    "CANC", "AC01", "AC03", "AC04", "AC06", "AC07", "AC14", "AG03", "AM04", "AM05", "BE01", "BE04", "BE06",
    "BE07", "MD07", "MS03", "RC07", "RR03", "NARR", "FOCR", "DUPL",
];

/// Audited actions (`noun.verb`; the domain's `audit::action` and each use case's own), as
/// `audit-<noun>-<verb>` messages.
pub const AUDIT_ACTIONS: &[&str] = &[
    "system.bootstrap",
    "institution.create",
    "user.create",
    "user.password_change",
    "user.password_change_failed",
    "user.deactivate",
    "user.reactivate",
    "user.password_reset",
    "user.roles_change",
    "user.institution_change",
    "user.unlock",
    "session.create",
    "session.delete",
    "session.login_failed",
    "audit.verify",
    "asset.register",
    "asset.move",
    "asset.valuation",
    "asset.lease",
    "asset.rent",
    "asset.custody_cost",
    "batch.propose",
    "batch.approve",
    "batch.export",
    "batch.results",
    "batch.line_resolve",
    "case.open",
    "case.stage_change",
    "case.court",
    "case.defendant_add",
    "case.victim_add",
    "claim.file",
    "claim.decide",
    "claim.withdraw",
    "import.assets",
    "import.cases",
    "judgment.record",
    "judgment.final",
    "judgment.appeal",
    "judgment.appeal_decided",
    "keys.register",
    "ledger.account_create",
    "ledger.chart_create",
    "ledger.holds_expire",
    "ledger.transfers_create",
    "order.debtor_payment",
    "order.insolvency",
    "order.recovery",
    "policy.publish",
    "round.commit",
    "victim.register",
    "victim.identity_read",
    "victim.identity_verified",
    "victim.identities_reseal",
    "victim.lookup",
    "victim.refer",
    "victim.correct",
    "victim.consent_withdraw",
    "alert.record",
    "alert.meeting_convene",
    "alert.meeting_hold",
    "alert.close",
    "alert.confirm",
];
/// What an audit entry is about.
pub const AUDIT_OBJECTS: &[&str] = &[
    "victim",
    "user",
    "batch",
    "claim",
    "case",
    "judgment",
    "order",
    "asset",
    "round",
    "policy",
    "institution",
    "transfer",
    "ledger",
    "audit",
    "import",
    "session",
    "account",
    "alert",
];
/// Why a protected read happened.
pub const AUDIT_PURPOSES: &[&str] =
    &["web_view", "payment", "payment_receipt", "correction", "api_read", "export", "verification"];

/// Nationalities the fund's victims come from most (ISO 3166 alpha-2), named in words.
pub const COUNTRIES: &[&str] =
    &["PE", "VE", "CO", "EC", "BO", "CL", "AR", "BR", "PY", "DO", "HT", "CN", "CU", "MX", "US", "ES"];

/// Every group of codes with all its values, from the domain's own lists.
pub fn groups() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("state", ClaimState::ALL.iter().map(|s| s.as_str()).collect()),
        ("kind", vec!["reparation", "advance"]),
        ("waiting", Waiting::ALL.iter().map(|w| w.as_str()).collect()),
        ("need", Need::ALL.iter().map(|n| n.as_str()).collect()),
        ("batch-state", BatchState::ALL.iter().map(|s| s.as_str()).collect()),
        ("payment-state", PaymentState::ALL.iter().map(|s| s.as_str()).collect()),
        (
            "round-state",
            std::iter::once(redress_app::record_lists::ROUND_WITHOUT_BATCH)
                .chain(BatchState::ALL.iter().map(|s| s.as_str()))
                .collect(),
        ),
        ("line-status", LineStatus::ALL.iter().map(|s| s.as_str()).collect()),
        ("asset-state", AssetState::ALL.iter().map(|s| s.as_str()).collect()),
        ("asset-kind", AssetKind::ALL.iter().map(|k| k.as_str()).collect()),
        ("stage", Stage::ALL.iter().map(|s| s.as_str()).collect()),
        ("head", HeadOfDamage::ALL.iter().map(|h| h.as_str()).collect()),
        ("outcome", AppealOutcome::ALL.iter().map(|o| o.as_str()).collect()),
        ("role", Role::ALL.iter().map(|r| r.as_str()).collect()),
        ("institution-kind", InstitutionKind::ALL.iter().map(|k| k.as_str()).collect()),
        ("document", DocumentType::ALL.iter().map(|d| d.as_str()).collect()),
        ("relationship", Relationship::ALL.iter().map(|r| r.as_str()).collect()),
        ("victim-sex", vec!["female", "male", "other", "unknown"]),
        ("exploitation", vec!["sexual", "labour", "domestic_servitude", "begging", "forced_crime", "other"]),
        ("bank", BANK_CODES.to_vec()),
        ("audit-object", AUDIT_OBJECTS.to_vec()),
        ("rule", vec!["paid_in_full", "pro_rata", "below_minimum", "tier_waits"]),
        ("country", COUNTRIES.to_vec()),
        ("audit-purpose", AUDIT_PURPOSES.to_vec()),
        ("alert-state", AlertState::ALL.iter().map(|s| s.as_str()).collect()),
        ("urgency", Urgency::ALL.iter().map(|u| u.as_str()).collect()),
        ("closure", ClosureReason::ALL.iter().map(|r| r.as_str()).collect()),
    ]
}

/// The word for `value` in `group` (`code(Es, "role", "fund_officer")` → "Oficial del fondo");
/// the value itself when the group has no message for it.
pub fn code(locale: Locale, group: &str, value: &str) -> String {
    let key = format!("{group}-{value}");
    if has_message(locale, &key) {
        translate(locale, &key, &[])
    } else {
        value.to_string()
    }
}

/// An audited action in words (`victim.identity_read` → "lectura de la identidad").
pub fn audit_action(locale: Locale, action: &str) -> String {
    code(locale, "audit", &action.replace('.', "-"))
}

/// A ledger account in words: `assets:bank:fund` is the message `account-assets-bank-fund`;
/// an account of one asset (`liabilities:escrow:asset/7`) is `account-escrow-asset` with the
/// asset's number. An account with no message keeps its name (accounts a user made).
pub fn account(locale: Locale, name: &str) -> String {
    if let Some(asset) = name.strip_prefix("liabilities:escrow:asset/") {
        return translate(locale, "account-escrow-asset", &[("value", asset.to_string())]);
    }
    let key = format!("account-{}", name.replace(':', "-"));
    if has_message(locale, &key) {
        translate(locale, &key, &[])
    } else {
        name.to_string()
    }
}

/// An allocation line's rule in words (`rule-<rule>` with the tier and the pro-rata share as a
/// percentage in the reader's form); the app's own sentence when the rule has no message.
pub fn round_rule(
    locale: Locale,
    rule: &str,
    tier: u8,
    share_basis_points: Option<u32>,
    sentence: &str,
) -> String {
    let key = format!("rule-{rule}");
    if !has_message(locale, &key) {
        return sentence.to_string();
    }
    let share = share_basis_points.map_or_else(String::new, |bp| {
        super::format::percent(locale, &format!("{}.{:02}", bp / 100, bp % 100))
    });
    translate(locale, &key, &[("tier", tier.to_string()), ("share", share)])
}

/// A statistics category by its dimension: the sex, state or exploitation type in words.
pub fn category(locale: Locale, dimension: &str, value: &str) -> String {
    let group = match dimension {
        "sex" => "victim-sex",
        "state" => "state",
        "exploitation" => "exploitation",
        "tier" => "tier",
        "delay" => "delay",
        "nationality" => "country",
        _ => return value.to_string(),
    };
    code(locale, group, value)
}

/// A bank's result as words: each ISO 20022 code in it named (`RJCT AC04` → "rechazado:
/// cuenta cerrada (AC04)"), other words kept.
pub fn bank_reason(locale: Locale, text: &str) -> String {
    text.split_whitespace()
        .map(|word| {
            let key = format!("bank-{word}");
            if BANK_CODES.contains(&word) && has_message(locale, &key) {
                format!("{} ({word})", translate(locale, &key, &[]))
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A note of a claim's history as words: the app writes `round 3`, `batch 3`, `paid 4000.00
/// (RDR-R3-C171)`, `returned RDR-…`, `bank_rejected RDR-… RJCT BE01` or `court_decision`;
/// anything else (a note a person typed) is shown as it is.
pub fn note(locale: Locale, text: &str, currency: &str) -> String {
    let (word, rest) = text.split_once(' ').unwrap_or((text, ""));
    let args: Vec<(&str, String)> = match word {
        "round" | "batch" | "returned" | "court_decision" => vec![("value", rest.to_string())],
        "paid" => {
            let (amount, reference) = rest.split_once(' ').unwrap_or((rest, ""));
            vec![
                ("amount", super::format::money(locale, amount, currency)),
                ("value", reference.trim_matches(|c| c == '(' || c == ')').to_string()),
            ]
        }
        "bank_rejected" => {
            let (reference, reason) = rest.split_once(' ').unwrap_or((rest, ""));
            vec![("value", reference.to_string()), ("reason", bank_reason(locale, reason))]
        }
        _ => return text.to_string(),
    };
    translate(locale, &format!("note-{word}"), &args)
}

/// The use cases' reasons the pages know, exact or around one value: `…` marks where the reason
/// holds it (passed to the message as `$value`), and `…{group}` a code of that group, passed in
/// words.
const REASONS: &[(&str, &str)] = &[
    ("must not be empty", "reason-empty"),
    ("is required", "reason-required"),
    ("must be greater than zero", "reason-positive"),
    ("must be greater than zero (or left out)", "reason-positive-or-empty"),
    ("must not be negative", "reason-not-negative"),
    ("must not be in the future", "reason-not-future"),
    ("must not be in the past", "reason-not-past"),
    ("must not be before the judgment", "reason-not-before-judgment"),
    ("is required for a minor", "reason-required-minor"),
    ("is required for a cross-border case", "reason-required-cross-border"),
    ("is only for cross-border cases", "reason-only-cross-border"),
    ("must not contain digits", "reason-no-digits"),
    ("must not exceed what was requested", "reason-not-above-request"),
    ("must be 1, 2 or 3", "reason-tier"),
    ("must look like V-2026-000123", "reason-victim-code"),
    ("must differ from the current password", "reason-new-password"),
    ("this username is already taken", "reason-username-taken"),
    ("no institution has this id", "reason-no-institution"),
    ("is not a court", "reason-not-court"),
    ("no case has this id", "reason-no-case"),
    ("no victim has this code", "reason-no-victim"),
    ("the victim withdrew consent: no claim can be filed", "reason-consent-withdrawn"),
    ("the identity is already verified", "reason-already-verified"),
    ("the judgment is already final", "reason-already-final"),
    ("nothing is owed on this order any more", "reason-nothing-owed"),
    ("must be one line of 1 to 200 characters", "reason-one-line"),
    ("must be one line of at most 500 characters", "reason-one-line-long"),
    ("must be one of dni, ce, passport, ptp, other_foreign", "reason-document-type"),
    ("must be female, male, other or unknown", "reason-sex"),
    ("a DNI has exactly 8 digits", "reason-dni"),
    ("is not a decimal number such as 1250.00", "reason-decimal"),
    ("must be a date such as 2026-03-14", "reason-date"),
    ("must be a date such as 1998-04-23", "reason-date"),
    ("… is not a decimal number such as 1250.00", "reason-decimal"),
    ("… has more than 2 decimal places, the precision of PEN", "reason-decimals"),
    ("… is too large", "reason-too-large"),
    ("a victim with this document is already registered as …", "reason-duplicate-victim"),
    ("no victim has the code …", "reason-no-victim-code"),
    ("the claims or the money changed since the dry run: run it again and review", "reason-dry-run-stale"),
    ("malformed XML: …", "reason-malformed-xml"),
    ("must be one of …", "reason-choose"),
    ("unknown kind …", "reason-choose"),
    ("unknown role …", "reason-choose"),
    ("unknown state; expected one of …", "reason-choose"),
    ("unknown need; expected one of …", "reason-choose"),
    ("unknown offence …", "reason-choose"),
    ("must be reported, investigation, charged, trial, judgment, final, archived or acquitted", "reason-choose"),
    ("must be document_in_person, registry_check or consular_check", "reason-choose"),
    ("must be cash, bank_balance, vehicle, real_estate, business, valuables or other", "reason-choose"),
    ("must be unpaid_wages, treatment, rehabilitation, lost_opportunities, moral_damage or other", "reason-choose"),
    ("must be confirmed, annulled or acquitted", "reason-choose"),
    ("must be reparation or advance", "reason-choose"),
    ("must be approve or reject", "reason-choose"),
    ("must be accepted or rejected", "reason-choose"),
    ("must be unpaid, partly, insolvent or paid", "reason-choose"),
    ("must be no_batch, proposed, approved, exported or closed", "reason-choose"),
    ("must be proposed, approved, exported or closed", "reason-choose"),
    ("must be a number", "reason-number"),
    ("must be a CCI (20 digits) or an IBAN (two letters, two check digits, then the account)", "reason-bank-account"),
    ("must be 3 to 64 characters long", "reason-username-length"),
    ("must be a UUID such as 7f1c2a9e-0b4d-4c1e-9a57-3d2f8e6b1c00", "reason-form-id"),
    ("must be at least … characters long", "reason-min-length"),
    ("not a pain.002 customer payment status report: …", "reason-not-pain002"),
    ("missing required element …", "reason-missing-element"),
    ("no claim has id …", "reason-no-claim-id"),
    ("no case has id …", "reason-no-case-id"),
    ("no asset has id …", "reason-no-asset-id"),
    ("no judgment has id …", "reason-no-judgment-id"),
    ("no order has id …", "reason-no-order-id"),
    ("no transfer has id …", "reason-no-transfer-id"),
    ("no round has id …", "reason-no-round-id"),
    ("no batch has id …", "reason-no-batch-id"),
    ("no user is named …", "reason-no-user-is-named"),
    ("a case with this file number exists (id …)", "reason-a-case-with-this-file"),
    ("exceeds the advance cap: … may still be advanced to this victim (in any case)", "reason-exceeds-the-advance-cap"),
    ("exceeds the policy's cap per claim (…)", "reason-exceeds-the-policys-cap-per"),
    ("exceeds what is still owed (…)", "reason-exceeds-what-is-still-owed"),
    ("exceeds what is still owed on the order (…)", "reason-exceeds-what-is-still-owed-2"),
    ("judgment … of this court on this day is already recorded: confirm to record another", "reason-judgment"),
    ("no user named …", "reason-no-user-named"),
    ("the claim is not eligible now: …", "reason-the-claim-is-not-eligible"),
    ("the case is …{stage}: it takes no judgment", "reason-the-case-is"),
    ("… is not a victim your institution looks after: victim services who registered them add them to the case, or refer them to your office", "reason-is-not-a-victim-your"),
    ("a case reaches judgment and final by the judgments recorded by its court, not by hand", "reason-a-case-reaches-judgment-and"),
    ("a correction states its reason", "reason-a-correction-states-its-reason"),
    ("a judgment records at least one reparation order", "reason-a-judgment-records-at-least"),
    ("a rejection states its reason", "reason-a-rejection-states-its-reason"),
    ("a rejection states the bank's reason", "reason-a-rejection-states-the-banks"),
    ("a reparation claim names its reparation order", "reason-a-reparation-claim-names-its"),
    ("a resolution states its reason", "reason-a-resolution-states-its-reason"),
    ("a withdrawal states its reason", "reason-a-withdrawal-states-its-reason"),
    ("already has an open advance request", "reason-already-has-an-open-advance"),
    ("an advance names the case (or the order)", "reason-an-advance-names-the-case"),
    ("an advance states the amount asked", "reason-an-advance-states-the-amount"),
    ("an institution with this name already exists", "reason-an-institution-with-this-name"),
    ("another claim on this order is still open", "reason-another-claim-on-this-order"),
    ("appears twice", "reason-appears-twice"),
    ("at least one debtor is required", "reason-at-least-one-debtor-is"),
    ("at least one defendant must be convicted", "reason-at-least-one-defendant-must"),
    ("at least one head of damage is required", "reason-at-least-one-head-of"),
    ("at least one offence is required", "reason-at-least-one-offence-is"),
    ("at least one role is required", "reason-at-least-one-role-is"),
    ("cases are opened by the prosecutor's office", "reason-cases-are-opened-by-the"),
    ("has two orders in this judgment", "reason-has-two-orders-in-this"),
    ("is already an urgent need", "reason-is-already-an-urgent-need"),
    ("is an order for another victim", "reason-is-an-order-for-another"),
    ("is not a defendant of this case", "reason-is-not-a-defendant-of"),
    ("is not a victim of this case", "reason-is-not-a-victim-of"),
    ("is not convicted by this judgment", "reason-is-not-convicted-by-this"),
    ("is not correct", "reason-is-not-correct"),
    ("is required for this move", "reason-is-required-for-this-move"),
    ("is required to change the assessed tier", "reason-is-required-to-change-the"),
    ("lists a need twice", "reason-lists-a-need-twice"),
    ("must be 3 to 60 printable characters", "reason-must-be-3-to-60"),
    ("must be after 1900", "reason-must-be-after-1900"),
    ("must be an ISO 3166-1 alpha-2 country code such as PE or VE", "reason-must-be-an-iso-31661"),
    ("must be at most 200 characters long", "reason-must-be-at-most-200"),
    ("must be at most 2000 characters long", "reason-must-be-at-most-2000"),
    ("must be between 1 and 120", "reason-must-be-between-1-and"),
    ("must be between 1 and 365", "reason-must-be-between-1-and-2"),
    ("must be between 1 and 720", "reason-must-be-between-1-and-3"),
    ("must be less than the sale price", "reason-must-be-less-than-the"),
    ("must be one line without control characters", "reason-must-be-one-line-without"),
    ("must not be before reported_on", "reason-must-not-be-before-reportedon"),
    ("must not be before starts_on", "reason-must-not-be-before-startson"),
    ("must not be before the asset's previous move", "reason-must-not-be-before-the"),
    ("must not be before the case's previous change", "reason-must-not-be-before-the-2"),
    ("name at least one field to correct", "reason-name-at-least-one-field"),
    ("no institution has this name", "reason-no-institution-has-this-name"),
    ("no line of this round is waiting for payment", "reason-no-line-of-this-round"),
    ("no order has this id", "reason-no-order-has-this-id"),
    ("nothing has been paid on this claim yet", "reason-nothing-has-been-paid-on"),
    ("only money is released as such; sell the asset instead", "reason-only-money-is-released-as"),
    ("seized money belongs to a case: name the case", "reason-seized-money-belongs-to-a"),
    ("the appeal was already decided", "reason-the-appeal-was-already-decided"),
    ("the bank reported nothing contradictory on this line", "reason-the-bank-reported-nothing-contradictory"),
    ("the batch is not approved yet", "reason-the-batch-is-not-approved"),
    ("the case has a judgment in force: its court records the appeal decision on the judgment", "reason-the-case-has-a-judgment"),
    ("the case has no defendants: add them before recording a judgment", "reason-the-case-has-no-defendants"),
    ("the case is at this court already", "reason-the-case-is-at-this"),
    ("the claim is in a newer batch: record that batch's result first", "reason-the-claim-is-in-a"),
    ("the fund's bank account is not configured: set fund.bank_account (REDRESS_FUND__BANK_ACCOUNT)", "reason-the-funds-bank-account-is"),
    ("the judgment was already appealed", "reason-the-judgment-was-already-appealed"),
    ("the judgment was appealed: record the appeal's outcome instead", "reason-the-judgment-was-appealed-record"),
    ("the victim is already in this case", "reason-the-victim-is-already-in"),
    ("the victim is already with this institution", "reason-the-victim-is-already-with"),
    ("the victim is not in this case", "reason-the-victim-is-not-in"),
    ("the victim withdrew consent: the identity is no longer processed", "reason-the-victim-withdrew-consent-the"),
    ("the victim's consent to the processing of personal data is required to register them", "reason-the-victims-consent-to-the"),
    ("this case belongs to another office", "reason-this-case-belongs-to-another"),
    ("this move carries no amount", "reason-this-move-carries-no-amount"),
    ("this round would allocate nothing: no approved claim, or no money available", "reason-this-round-would-allocate-nothing"),
    ("was already withdrawn", "reason-was-already-withdrawn"),
    ("you cannot deactivate yourself", "reason-you-cannot-deactivate-yourself"),
    ("you cannot take away your own admin role", "reason-you-cannot-take-away-your"),
    ("must be true or false", "reason-must-be-true-or-false"),
    ("the batch is …{batch-state}; only a proposed batch can be approved", "reason-the-batch-is"),
    ("must be immediate, high or normal", "reason-choose"),
    ("must be open, meeting_convened, meeting_held, confirmed or closed", "reason-choose"),
    ("must be unfounded, duplicate or referred_elsewhere", "reason-choose"),
    ("must be an RFC 3339 instant such as 2026-11-28T15:00:00Z", "reason-instant"),
    ("must be at most 120 characters long", "reason-must-be-at-most-120"),
    ("must not be before the alert was reported", "reason-not-before-alert"),
    ("at least one participant is required", "reason-at-least-one-participant"),
    ("this alert concerns other institutions", "reason-alert-other-institutions"),
    ("no alert has id …", "reason-no-alert-id"),
    ("an alert that is …{alert-state} cannot have its meeting convened", "reason-alert-cannot-convene"),
    ("an alert that is …{alert-state} cannot have its meeting held", "reason-alert-cannot-hold"),
    ("an alert that is …{alert-state} cannot be closed", "reason-alert-cannot-close"),
    ("an alert that is …{alert-state} cannot be confirmed: its meeting is held first", "reason-alert-cannot-confirm"),
];

/// A use case's reason in the reader's language, or as it is when it has no message.
pub fn reason(locale: Locale, text: &str) -> String {
    for (pattern, key) in REASONS {
        let Some((prefix, rest)) = pattern.split_once('…') else {
            if text == *pattern {
                return translate(locale, key, &[]);
            }
            continue;
        };
        let (group, suffix) = match rest.strip_prefix('{').and_then(|r| r.split_once('}')) {
            Some((group, suffix)) => (Some(group), suffix),
            None => (None, rest),
        };
        let value =
            text.strip_prefix(prefix).and_then(|t| t.strip_suffix(suffix)).filter(|value| !value.is_empty());
        if let Some(value) = value {
            let value = value.trim_matches('"');
            let shown = group.map_or_else(|| value.to_string(), |group| code(locale, group, value));
            return translate(locale, key, &[("value", shown)]);
        }
    }
    text.to_string()
}

/// A field's label from its API path: the last name in it (`orders[0].items[1].amount` →
/// `amount`) as the message `field-<name>`, or the name itself.
pub fn field_label(locale: Locale, path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    let name = last.split('[').next().unwrap_or(last);
    code(locale, "field", name)
}

/// An eligibility condition in words: the message `condition-<condition>-<variant>` (or `-met`
/// / `-unmet`) with the condition's values, dates and amounts written the locale's way; its
/// English `detail` when there is no message or a value is missing (an old stored snapshot).
pub fn condition(
    locale: Locale,
    condition: &str,
    met: bool,
    variant: Option<&str>,
    args: &BTreeMap<String, String>,
    detail: &str,
) -> String {
    let wording = variant.unwrap_or(if met { "met" } else { "unmet" });
    let key = format!("condition-{condition}-{wording}");
    if !has_message(locale, &key) {
        return detail.to_string();
    }
    let mut values: Vec<(&str, String)> = Vec::new();
    for (name, value) in args {
        let shown = match name.as_str() {
            "date" => super::format::date(locale, value),
            "amount" => {
                super::format::money(locale, value, args.get("currency").map_or("PEN", String::as_str))
            }
            _ => value.clone(),
        };
        values.push((name.as_str(), shown));
    }
    let text = translate(locale, &key, &values);
    if text.contains("{$") {
        detail.to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_every_group_has_a_message_in_both_languages() {
        let mut missing = Vec::new();
        for (group, values) in groups() {
            for value in values {
                for locale in Locale::ALL {
                    if !has_message(locale, &format!("{group}-{value}")) {
                        missing.push(format!("{group}-{value} ({})", locale.code()));
                    }
                }
            }
        }
        for action in AUDIT_ACTIONS {
            for locale in Locale::ALL {
                if audit_action(locale, action) == action.replace('.', "-") {
                    missing.push(format!("audit {action} ({})", locale.code()));
                }
            }
        }
        for (name, _) in redress_app::ledger::CHART {
            for locale in Locale::ALL {
                if account(locale, name) == *name {
                    missing.push(format!("account {name} ({})", locale.code()));
                }
            }
        }
        for (_, key) in REASONS {
            for locale in Locale::ALL {
                if !has_message(locale, key) {
                    missing.push(format!("{key} ({})", locale.code()));
                }
            }
        }
        assert!(missing.is_empty(), "missing messages: {missing:?}");
    }

    /// Every field a form sends can be named in an error by its label.
    #[test]
    fn every_form_field_has_a_label_for_its_errors() {
        // Filters and hidden plumbing, not fields a use case refuses.
        let not_fields = [
            "_csrf",
            "id",
            "next",
            "viewport",
            "inputs_hash",
            "round_id",
            "back",
            "replay",
            "verify",
            "overdue",
            "submitted",
        ];
        let mut missing = Vec::new();
        for (template, source) in crate::pages::render::TEMPLATES {
            let literal = source.split("name=\"").skip(1).filter_map(|rest| rest.split('"').next());
            // Fields a template lists with their label: `["given_names", "victim-given-names"`.
            let listed = source.split("[\"").skip(1).filter_map(|rest| {
                let (name, rest) = rest.split_once("\", \"")?;
                rest.split('"').next().filter(|label| label.contains('-')).map(|_| name)
            });
            for name in literal.chain(listed) {
                let is_name = !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
                if !is_name || not_fields.contains(&name) || name.starts_with("was_") {
                    continue;
                }
                for locale in Locale::ALL {
                    if field_label(locale, name) == name {
                        missing.push(format!("{template}: {name} ({})", locale.code()));
                    }
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "fields without a label: {missing:?}");
    }

    #[test]
    fn codes_and_reasons_are_words_in_spanish() {
        assert_eq!(code(Locale::Es, "role", "fund_officer"), "Oficial del fondo");
        assert_eq!(code(Locale::En, "role", "fund_officer"), "Fund officer");
        assert_eq!(code(Locale::Es, "role", "no_such_role"), "no_such_role");
        assert_eq!(bank_reason(Locale::Es, "RJCT AC04"), "rechazado (RJCT) cuenta cerrada (AC04)");
        assert_eq!(reason(Locale::Es, "must not be empty"), "no puede quedar vacío");
        assert_eq!(
            reason(Locale::Es, "a victim with this document is already registered as V-2026-000301"),
            "ya hay una víctima registrada con este documento: V-2026-000301"
        );
        assert_eq!(reason(Locale::Es, "something new"), "something new");
        assert_eq!(
            reason(Locale::Es, "the batch is exported; only a proposed batch can be approved"),
            "el lote está en estado enviado al banco; solo se puede aprobar un lote propuesto"
        );
        assert_eq!(
            reason(Locale::Es, "exceeds what is still owed (S/ 5,000.00)"),
            "supera lo que aún se adeuda (S/ 5,000.00)"
        );
        assert_eq!(
            reason(Locale::Es, "\"12.500,00\" is not a decimal number such as 1250.00"),
            "escriba el monto como S/ 1,250.50 o 1250.50"
        );
        assert_eq!(
            reason(Locale::Es, "\"1.234\" has more than 2 decimal places, the precision of PEN"),
            "«1.234» tiene más de dos decimales: escriba el monto como S/ 1,250.50"
        );
        assert_eq!(field_label(Locale::Es, "orders[0].items[0].amount"), "Monto");
        assert_eq!(note(Locale::Es, "paid 4000.00 (RDR-R3-C171)", "PEN"), "pagado S/ 4,000.00 (RDR-R3-C171)");
        assert_eq!(
            note(Locale::Es, "bank_rejected RDR-R3-C172 AC04", "PEN"),
            "rechazado por el banco: cuenta cerrada (AC04); vuelve a la cola (RDR-R3-C172)"
        );
        assert_eq!(note(Locale::Es, "round 3", "PEN"), "ronda 3");
        assert_eq!(note(Locale::Es, "a typed note", "PEN"), "a typed note");
    }

    #[test]
    fn an_allocation_rule_is_written_with_its_share_as_a_percentage() {
        assert_eq!(round_rule(Locale::Es, "pro_rata", 3, Some(5810), ""), "nivel 3, 58.10 % a prorrata");
        assert_eq!(round_rule(Locale::En, "pro_rata", 3, Some(5810), ""), "tier 3, 58.10% pro rata");
        assert_eq!(round_rule(Locale::Es, "paid_in_full", 1, None, ""), "nivel 1, pagado en su totalidad");
        assert_eq!(round_rule(Locale::Es, "new_rule", 1, None, "as the app says"), "as the app says");
    }

    #[test]
    fn a_condition_is_written_with_its_values_in_the_locale() {
        let args: BTreeMap<String, String> = [("amount", "5500.00"), ("currency", "PEN")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            condition(Locale::Es, "something_owed", true, None, &args, "S/ 5,500.00 still owed"),
            "se adeudan S/ 5,500.00"
        );
        // A stored snapshot without its values keeps its English detail.
        let text =
            condition(Locale::Es, "order_final", true, None, &BTreeMap::new(), "final since 2026-06-02");
        assert_eq!(text, "final since 2026-06-02");
    }
}
