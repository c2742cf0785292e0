//! Checkpoints of the audit chain: what a signature over the chain's head covers, and how a
//! chain is compared with the checkpoints signed earlier.
//!
//! The hash chain alone proves that the entries agree with each other, not that they are the
//! entries that were written: someone who can write to the database can delete the newest entries
//! together with the stored head (a rollback), or change an entry and recompute every later hash
//! (a rewrite). A checkpoint is the head (sequence number and hash) at a moment, signed with a key
//! kept outside the database and stored outside it too. Because each hash covers every entry
//! before it, a trail that still holds entry `seq` with the signed hash holds every earlier entry
//! unchanged; a trail that ends before `seq`, or whose entry `seq` hashes differently, has been
//! rolled back or rewritten.
//!
//! The signing itself (Ed25519) lives outside the domain; here is only the exact message signed,
//! so that anyone can check a signature with their own tool.

use std::collections::VecDeque;

use crate::audit::{AuditRecord, ChainBreak};
use crate::Timestamp;

/// The version tag that starts every signed checkpoint message.
pub const CHECKPOINT_FORMAT: &str = "redress-audit-checkpoint-v1";

/// The exact bytes an Ed25519 checkpoint signature covers: four lines of ASCII, each ending in
/// `\n` — the format tag, `seq=<decimal>`, `hash=<64 lower-case hex digits>` and
/// `at=<microseconds since the Unix epoch, decimal>`.
pub fn checkpoint_message(seq: i64, hash: &str, at: Timestamp) -> Vec<u8> {
    format!("{CHECKPOINT_FORMAT}\nseq={seq}\nhash={hash}\nat={}\n", at.unix_micros()).into_bytes()
}

/// A checkpoint whose signature has been checked: the trail must still hold entry `seq` with
/// this hash. `name` says where it came from (a file name) for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedCheckpoint {
    pub name: String,
    pub seq: i64,
    pub hash: String,
}

/// Walks a trail (already checked link by link with [`crate::audit::ChainVerifier`]) against
/// trusted checkpoints and reports the first one it contradicts.
#[derive(Debug)]
pub struct CheckpointMatcher {
    /// The checkpoints the walk has not reached yet, oldest first.
    ahead: VecDeque<TrustedCheckpoint>,
    /// How many checkpoints there are in all.
    count: usize,
    /// The newest entry any checkpoint covers (0 when none).
    newest_seq: i64,
    /// The newest entry a checkpoint confirmed so far (0 before any).
    confirmed_seq: i64,
}

impl CheckpointMatcher {
    pub fn new(mut checkpoints: Vec<TrustedCheckpoint>) -> Self {
        checkpoints.sort_by(|a, b| a.seq.cmp(&b.seq).then_with(|| a.name.cmp(&b.name)));
        let (count, newest_seq) = (checkpoints.len(), checkpoints.last().map_or(0, |c| c.seq));
        let mut ahead = VecDeque::from(checkpoints);
        // A checkpoint of an empty trail (sequence 0) says nothing a walk could contradict.
        while ahead.front().is_some_and(|c| c.seq < 1) {
            ahead.pop_front();
        }
        Self { ahead, count, newest_seq, confirmed_seq: 0 }
    }

    /// How many checkpoints there are to match.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The newest entry any checkpoint covers (0 when none).
    pub fn newest_seq(&self) -> i64 {
        self.newest_seq
    }

    /// Checks the next entry of the walk (in ascending sequence order).
    pub fn push(&mut self, record: &AuditRecord) -> Result<(), ChainBreak> {
        while let Some(checkpoint) = self.ahead.front().filter(|c| c.seq == record.seq) {
            if checkpoint.hash != record.hash {
                return Err(ChainBreak {
                    seq: record.seq,
                    reason: format!(
                        "checkpoint {} signed entry {} with hash {}, but the trail's entry {} hashes to {}: \
                         an entry from {} to {} was rewritten and every later hash recomputed",
                        checkpoint.name,
                        checkpoint.seq,
                        checkpoint.hash,
                        record.seq,
                        record.hash,
                        // Below record.seq, so never at the limit.
                        self.confirmed_seq.saturating_add(1),
                        record.seq
                    ),
                });
            }
            self.confirmed_seq = record.seq;
            self.ahead.pop_front();
        }
        Ok(())
    }

    /// Ends the walk at entry `last_seq` (0 for an empty trail): a checkpoint of a later entry
    /// means entries were removed together with the stored head. Returns how many checkpoints
    /// matched.
    pub fn finish(self, last_seq: i64) -> Result<usize, ChainBreak> {
        match self.ahead.front() {
            Some(checkpoint) => Err(ChainBreak {
                seq: checkpoint.seq,
                reason: format!(
                    "checkpoint {} signed entry {}, but the trail ends at entry {last_seq}: entries {} to {} \
                     were removed (rolled back together with the chain head)",
                    checkpoint.name,
                    checkpoint.seq,
                    // Below checkpoint.seq, so never at the limit.
                    last_seq.saturating_add(1),
                    checkpoint.seq
                ),
            }),
            None => Ok(self.count),
        }
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::audit::{action, chain, entry_hash, AuditEvent, ChainVerifier};

    fn event(n: i64) -> AuditEvent {
        AuditEvent {
            at: Timestamp::from_unix_micros(1_700_000_000_000_000 + n),
            actor_user_id: None,
            actor: format!("user{n}"),
            institution: None,
            action: action::USER_CREATE.to_string(),
            target_type: None,
            target_id: None,
            purpose: None,
            request_id: None,
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

    fn checkpoint_of(records: &[AuditRecord], seq: i64) -> TrustedCheckpoint {
        let record = &records[(seq - 1) as usize];
        TrustedCheckpoint { name: format!("cp-{seq}"), seq, hash: record.hash.clone() }
    }

    /// Verifies links, the head (the last entry, as an attacker would leave it) and checkpoints.
    fn verify(records: &[AuditRecord], checkpoints: Vec<TrustedCheckpoint>) -> Result<(), ChainBreak> {
        let mut links = ChainVerifier::new();
        let mut matcher = CheckpointMatcher::new(checkpoints);
        for record in records {
            links.push(record)?;
            matcher.push(record)?;
        }
        let head = records.last().map(|r| (r.seq, r.hash.as_str()));
        links.finish(head)?;
        matcher.finish(records.last().map_or(0, |r| r.seq)).map(|_| ())
    }

    /// Changes entry `seq` and recomputes every hash from there on.
    fn rewrite(records: &mut [AuditRecord], seq: i64) {
        records[(seq - 1) as usize].event.actor = "mallory".to_string();
        for index in (seq - 1) as usize..records.len() {
            let prev = if index == 0 {
                crate::audit::GENESIS_HASH.to_string()
            } else {
                records[index - 1].hash.clone()
            };
            records[index].prev_hash = prev.clone();
            records[index].hash = entry_hash(records[index].seq, &records[index].event, &prev);
        }
    }

    #[test]
    fn the_message_signed_is_four_plain_lines() {
        let message = checkpoint_message(7, "ab", Timestamp::from_unix_micros(5));
        assert_eq!(message, b"redress-audit-checkpoint-v1\nseq=7\nhash=ab\nat=5\n");
    }

    #[test]
    fn a_trail_that_grew_after_its_checkpoints_verifies() {
        let records = trail(10);
        let checkpoints = vec![checkpoint_of(&records, 4), checkpoint_of(&records, 8)];
        verify(&records, checkpoints).unwrap();
    }

    #[test]
    fn a_rollback_with_the_head_passes_the_chain_but_not_a_checkpoint() {
        let mut records = trail(10);
        let checkpoint = checkpoint_of(&records, 9);
        records.truncate(6);
        verify(&records, vec![]).unwrap();
        let broken = verify(&records, vec![checkpoint]).unwrap_err();
        assert_eq!(broken.seq, 9);
        assert!(
            broken.reason.contains("cp-9") && broken.reason.contains("ends at entry 6"),
            "{}",
            broken.reason
        );
    }

    #[test]
    fn a_rewrite_with_recomputed_hashes_passes_the_chain_but_not_a_checkpoint() {
        let mut records = trail(10);
        let checkpoints = vec![checkpoint_of(&records, 3), checkpoint_of(&records, 8)];
        rewrite(&mut records, 5);
        verify(&records, vec![]).unwrap();
        let broken = verify(&records, checkpoints).unwrap_err();
        assert_eq!(broken.seq, 8);
        assert!(broken.reason.contains("cp-8") && broken.reason.contains("from 4 to 8"), "{}", broken.reason);
    }

    #[test]
    fn a_rewrite_after_the_newest_checkpoint_is_not_claimed_to_be_caught() {
        let mut records = trail(10);
        let checkpoints = vec![checkpoint_of(&records, 5)];
        rewrite(&mut records, 7);
        verify(&records, checkpoints).unwrap();
    }
}
