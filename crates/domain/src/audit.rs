//! The tamper-evident audit trail: what an entry holds, how its hash is computed, and how a chain
//! is verified.
//!
//! Each entry's hash is SHA-256 over a versioned, length-prefixed encoding of every field and the
//! previous entry's hash. Length prefixes make the encoding unambiguous (no two different entries
//! encode to the same bytes). Verification walks entries in sequence order and reports the first
//! entry whose sequence number skips (a row was removed), whose `prev_hash` differs from the hash
//! before it (removed or reordered), or whose own hash does not match its fields (altered).
//! A separately stored chain head (last sequence and hash) catches the removal of the newest rows.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Timestamp;

/// The hash before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Names of audited actions, `noun.verb`. New capabilities add their own.
pub mod action {
    pub const SYSTEM_BOOTSTRAP: &str = "system.bootstrap";
    pub const INSTITUTION_CREATE: &str = "institution.create";
    pub const USER_CREATE: &str = "user.create";
    pub const USER_PASSWORD_CHANGE: &str = "user.password_change";
    /// A password change refused because the current password was wrong (counted like a
    /// failed login).
    pub const USER_PASSWORD_CHANGE_FAILED: &str = "user.password_change_failed";
    pub const SESSION_CREATE: &str = "session.create";
    pub const SESSION_DELETE: &str = "session.delete";
    pub const SESSION_LOGIN_FAILED: &str = "session.login_failed";
    pub const AUDIT_VERIFY: &str = "audit.verify";
}

/// Everything an entry records, before it is chained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub at: Timestamp,
    /// The user who acted, when a user did (`None` for the system or the operator's CLI).
    pub actor_user_id: Option<i64>,
    /// A readable name for the actor: the username, `system`, or `cli`.
    pub actor: String,
    pub institution: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// Why a protected read happened (required for reads of victims' identity).
    pub purpose: Option<String>,
    pub request_id: Option<String>,
    /// Extra facts as a JSON object, stored and hashed exactly as written.
    pub details: String,
}

/// An entry as stored: the event, its place in the chain and its hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    #[serde(flatten)]
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

fn put(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

fn put_optional(hasher: &mut Sha256, value: Option<&str>) {
    match value {
        None => hasher.update([0u8]),
        Some(text) => {
            hasher.update([1u8]);
            put(hasher, text.as_bytes());
        }
    }
}

/// The hash of entry `seq` holding `event`, chained after `prev_hash`. Lower-case hex.
pub fn entry_hash(seq: i64, event: &AuditEvent, prev_hash: &str) -> String {
    let mut hasher = Sha256::new();
    put(&mut hasher, b"redress-audit-v1");
    hasher.update(seq.to_be_bytes());
    hasher.update(event.at.unix_micros().to_be_bytes());
    match event.actor_user_id {
        None => hasher.update([0u8]),
        Some(id) => {
            hasher.update([1u8]);
            hasher.update(id.to_be_bytes());
        }
    }
    put(&mut hasher, event.actor.as_bytes());
    put_optional(&mut hasher, event.institution.as_deref());
    put(&mut hasher, event.action.as_bytes());
    put_optional(&mut hasher, event.target_type.as_deref());
    put_optional(&mut hasher, event.target_id.as_deref());
    put_optional(&mut hasher, event.purpose.as_deref());
    put_optional(&mut hasher, event.request_id.as_deref());
    put(&mut hasher, event.details.as_bytes());
    put(&mut hasher, prev_hash.as_bytes());
    hex::encode(hasher.finalize())
}

/// Chains `event` after the entry (`seq`, `hash`) of the current head (`None` for an empty trail).
pub fn chain(head: Option<(i64, &str)>, event: AuditEvent) -> Result<AuditRecord, TrailFull> {
    let (seq, prev_hash) = match head {
        None => (1, GENESIS_HASH.to_string()),
        Some((seq, hash)) => (seq.checked_add(1).ok_or(TrailFull)?, hash.to_string()),
    };
    let hash = entry_hash(seq, &event, &prev_hash);
    Ok(AuditRecord { seq, event, prev_hash, hash })
}

/// The head is entry `i64::MAX`: no sequence number is left for another entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the audit trail has no sequence number left")]
pub struct TrailFull;

/// Where and why the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at entry {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Walks a trail in sequence order; stops at the first broken link.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    /// The last entry checked. The walk starts at 1 and goes up by one, so its number is also
    /// how many entries were checked.
    last: Option<(i64, String)>,
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the next entry (in ascending `seq` order as stored).
    pub fn push(&mut self, record: &AuditRecord) -> Result<(), ChainBreak> {
        let (expected_seq, expected_prev) = match &self.last {
            None => (Some(1), GENESIS_HASH),
            Some((seq, hash)) => (seq.checked_add(1), hash.as_str()),
        };
        let broken = |reason: String| Err(ChainBreak { seq: record.seq, reason });
        if Some(record.seq) != expected_seq {
            let expected = expected_seq.map_or_else(|| "no entry".to_string(), |seq| format!("entry {seq}"));
            return broken(format!(
                "expected {expected} next, found {} (entries removed or renumbered)",
                record.seq
            ));
        }
        if record.prev_hash != expected_prev {
            return broken(
                "its previous-hash does not match the entry before it (entries removed or reordered)"
                    .to_string(),
            );
        }
        let recomputed = entry_hash(record.seq, &record.event, &record.prev_hash);
        if recomputed != record.hash {
            return broken("its contents do not match its hash (the entry was altered)".to_string());
        }
        self.last = Some((record.seq, record.hash.clone()));
        Ok(())
    }

    /// Compares the end of the walk with the separately stored head, catching removed newest
    /// entries. `head` is `None` when the store records no entries.
    pub fn finish(self, head: Option<(i64, &str)>) -> Result<ChainSummary, ChainBreak> {
        let last = self.last.as_ref().map(|(seq, hash)| (*seq, hash.as_str()));
        if last != head {
            // The first entry missing (the report stops at the last number there is).
            let seq = last.map_or(1, |(seq, _)| seq.saturating_add(1));
            let reason = match head {
                Some((head_seq, _)) => format!(
                    "the chain head records entry {head_seq} but the trail ends at {}",
                    last.map_or(0, |(seq, _)| seq)
                ),
                None => "the trail holds entries the chain head does not record".to_string(),
            };
            return Err(ChainBreak { seq, reason });
        }
        Ok(ChainSummary {
            entries: last.map_or(0, |(seq, _)| seq.unsigned_abs()),
            head_hash: last.map(|(_, h)| h.to_string()),
            checkpoints: 0,
        })
    }
}

/// What an intact chain looks like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainSummary {
    pub entries: u64,
    pub head_hash: Option<String>,
    /// How many signed checkpoints the trail was checked against.
    pub checkpoints: u64,
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn event(n: i64) -> AuditEvent {
        AuditEvent {
            at: Timestamp::from_unix_micros(1_700_000_000_000_000 + n),
            actor_user_id: Some(n % 3),
            actor: format!("user{n}"),
            institution: None,
            action: action::USER_CREATE.to_string(),
            target_type: Some("user".to_string()),
            target_id: Some(n.to_string()),
            purpose: None,
            request_id: Some(format!("req-{n}")),
            details: "{}".to_string(),
        }
    }

    fn trail(length: i64) -> Vec<AuditRecord> {
        let mut records: Vec<AuditRecord> = Vec::new();
        for n in 0..length {
            let head = records.last().map(|r| (r.seq, r.hash.as_str()));
            records.push(chain(head, event(n)).unwrap());
        }
        records
    }

    fn verify(records: &[AuditRecord]) -> Result<ChainSummary, ChainBreak> {
        let mut verifier = ChainVerifier::new();
        for record in records {
            verifier.push(record)?;
        }
        let head = records.last().map(|r| (r.seq, r.hash.as_str()));
        verifier.finish(head)
    }

    #[test]
    fn an_intact_trail_verifies() {
        let records = trail(5);
        assert_eq!(records[0].prev_hash, GENESIS_HASH);
        assert_eq!(verify(&records).unwrap().entries, 5);
    }

    #[test]
    fn an_altered_entry_is_named() {
        let mut records = trail(5);
        records[2].event.actor = "mallory".to_string();
        let error = verify(&records).unwrap_err();
        assert_eq!(error.seq, 3);
        assert!(error.reason.contains("altered"));
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut records = trail(5);
        records.remove(1);
        assert_eq!(verify(&records).unwrap_err().seq, 3);
    }

    #[test]
    fn reordered_entries_are_caught() {
        let mut records = trail(5);
        // Swap the contents of entries 2 and 3 but keep the sequence numbers in order.
        let (a, b) = (records[1].clone(), records[2].clone());
        records[1] = AuditRecord { seq: 2, ..b };
        records[2] = AuditRecord { seq: 3, ..a };
        assert_eq!(verify(&records).unwrap_err().seq, 2);
    }

    #[test]
    fn removing_the_newest_entries_is_caught_by_the_head() {
        let records = trail(5);
        let mut verifier = ChainVerifier::new();
        for record in &records[..3] {
            verifier.push(record).unwrap();
        }
        let error = verifier.finish(Some((5, records[4].hash.as_str()))).unwrap_err();
        assert_eq!(error.seq, 4);
    }

    #[test]
    fn an_empty_trail_with_no_head_verifies() {
        assert_eq!(ChainVerifier::new().finish(None).unwrap().entries, 0);
    }

    #[test]
    fn no_entry_can_follow_the_last_sequence_number() {
        assert_eq!(chain(Some((i64::MAX, GENESIS_HASH)), event(1)), Err(TrailFull));
        let last = chain(Some((i64::MAX - 1, GENESIS_HASH)), event(1)).unwrap();
        assert_eq!(last.seq, i64::MAX);
        let mut verifier = ChainVerifier { last: Some((last.seq, last.hash.clone())) };
        let after = AuditRecord { seq: i64::MIN, ..last };
        let error = verifier.push(&after).unwrap_err();
        assert!(error.reason.starts_with("expected no entry next"), "{}", error.reason);
    }

    #[test]
    fn optional_fields_cannot_be_confused_with_empty_ones() {
        let mut with_none = event(1);
        with_none.purpose = None;
        let mut with_empty = event(1);
        with_empty.purpose = Some(String::new());
        assert_ne!(entry_hash(1, &with_none, GENESIS_HASH), entry_hash(1, &with_empty, GENESIS_HASH));
    }

    proptest! {
        #[test]
        fn changing_any_byte_of_the_actor_or_details_breaks_the_chain(
            length in 1i64..20, index in 0usize..20, text in "[a-z]{1,8}"
        ) {
            let mut records = trail(length);
            let index = index % records.len();
            records[index].event.details = format!("{{\"x\":\"{text}\"}}");
            let error = verify(&records).unwrap_err();
            prop_assert_eq!(error.seq, records[index].seq);
        }
    }
}
