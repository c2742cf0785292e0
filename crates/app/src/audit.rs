//! Reading and verifying the audit trail, signing checkpoints of its head, and exporting it
//! for a third party who verifies it offline with the public key alone.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use ed25519_dalek::VerifyingKey;
use redress_domain::audit::{AuditEvent, AuditRecord, ChainBreak, ChainSummary, ChainVerifier};
use redress_domain::checkpoint::{CheckpointMatcher, TrustedCheckpoint};
use redress_domain::policy::rules;
use redress_domain::{FieldError, Timestamp};
use serde::{Deserialize, Serialize};

use crate::checkpoint::{trust, ChainBreakOr, CheckpointFolder, SignedCheckpoint};
use crate::store::Store;
use crate::{Actor, App, AppError};

/// Entries read per batch while verifying (bounded memory whatever the trail's length).
pub const VERIFY_BATCH: i64 = 2_000;

/// The outcome of a verification: intact (with its summary) or broken (with the first bad entry).
pub type Verification = Result<ChainSummary, ChainBreak>;

impl App {
    /// Newest first; `before` pages backwards by sequence number.
    pub async fn audit_page(
        &self,
        actor: &Actor,
        before: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<AuditRecord>, AppError> {
        actor.require(rules::READ_AUDIT_TRAIL)?;
        let limit = limit.unwrap_or(100);
        if !(1..=crate::accounts::PAGE_LIMIT_MAX).contains(&limit) {
            return Err(FieldError::new("limit", "must be between 1 and 500").into());
        }
        if before.is_some_and(|b| b < 1) {
            return Err(FieldError::new("before", "must be a positive sequence number").into());
        }
        Ok(self.store.read().await?.audit_newest(before, limit).await?)
    }

    /// Verifies the chain (and the checkpoints, when this app signs them) for an auditor.
    pub async fn verify_audit(&self, actor: &Actor) -> Result<Verification, AppError> {
        actor.require(rules::READ_AUDIT_TRAIL)?;
        self.verify_audit_with_checkpoints(|_| {}).await
    }

    /// The checkpoint folder named by the settings.
    pub fn checkpoint_folder(&self) -> CheckpointFolder {
        CheckpointFolder::new(self.settings.audit_checkpoint_dir())
    }

    /// The chain's head (sequence number and hash), `None` for an empty trail.
    pub async fn audit_chain_head(&self) -> Result<Option<(i64, String)>, AppError> {
        Ok(self.store.read().await?.audit_head().await?)
    }

    /// Signs the head (`seq`, `hash`) now and writes the checkpoint file. Not itself audited:
    /// an entry for it would move the head past what it signs; the file is the record.
    pub fn write_checkpoint(&self, seq: i64, hash: &str) -> Result<(SignedCheckpoint, PathBuf), AppError> {
        let signer = self
            .audit_signer
            .as_ref()
            .ok_or_else(|| AppError::Internal("no audit signing key is loaded".to_string()))?;
        let checkpoint = signer.sign(seq, hash, self.clock.now());
        let path = self.checkpoint_folder().write(&checkpoint)?;
        Ok((checkpoint, path))
    }

    /// Signs the current head and writes it as a checkpoint; `None` when the trail is empty.
    pub async fn checkpoint_audit(&self) -> Result<Option<(SignedCheckpoint, PathBuf)>, AppError> {
        match self.audit_chain_head().await? {
            Some((seq, hash)) => Ok(Some(self.write_checkpoint(seq, &hash)?)),
            None => Ok(None),
        }
    }

    /// The checkpoints of the folder whose signatures verify under this app's key. Without a
    /// key there are none to trust. A file that does not parse or verify is a break.
    fn trusted_checkpoints(&self) -> Result<Result<Vec<TrustedCheckpoint>, ChainBreak>, AppError> {
        let Some(signer) = &self.audit_signer else { return Ok(Ok(Vec::new())) };
        match self.checkpoint_folder().read_all() {
            Ok(checkpoints) => Ok(trust(&checkpoints, &signer.verifying_key())),
            Err(ChainBreakOr::Broken(broken)) => Ok(Err(broken)),
            Err(ChainBreakOr::App(error)) => Err(error),
        }
    }

    /// Verifies the chain link by link and against every checkpoint in the folder.
    pub async fn verify_audit_with_checkpoints(
        &self,
        progress: impl FnMut(u64),
    ) -> Result<Verification, AppError> {
        let checkpoints = match self.trusted_checkpoints()? {
            Ok(checkpoints) => checkpoints,
            Err(broken) => return Ok(Err(broken)),
        };
        verify_audit_chain_against(self.store.as_ref(), checkpoints, progress).await
    }
}

impl App {
    /// For a restored copy: the chain link by link, and every checkpoint of an entry the copy
    /// holds must match it (a rewrite otherwise). Checkpoints of later entries are what was
    /// written after the backup was taken; their count is returned beside the verification.
    pub async fn verify_audit_for_restore(&self) -> Result<(Verification, usize), AppError> {
        let checkpoints = match self.trusted_checkpoints()? {
            Ok(checkpoints) => checkpoints,
            Err(broken) => return Ok((Err(broken), 0)),
        };
        let head = self.store.read().await?.audit_head().await?.map_or(0, |(seq, _)| seq);
        let (held, later): (Vec<_>, Vec<_>) = checkpoints.into_iter().partition(|c| c.seq <= head);
        let verification = verify_audit_chain_against(self.store.as_ref(), held, |_| {}).await?;
        Ok((verification, later.len()))
    }
}

/// Recomputes the whole chain in batches, inside one read transaction (a consistent snapshot on
/// both engines), so entries appended meanwhile are not seen. `progress` is told how many
/// entries were checked so far.
pub async fn verify_audit_chain(
    store: &dyn Store,
    progress: impl FnMut(u64),
) -> Result<Verification, AppError> {
    verify_audit_chain_against(store, Vec::new(), progress).await
}

/// [`verify_audit_chain`], and every trusted checkpoint must still match the trail: a checkpoint
/// of an entry the trail no longer holds is a rollback, one whose hash differs is a rewrite.
pub async fn verify_audit_chain_against(
    store: &dyn Store,
    checkpoints: Vec<TrustedCheckpoint>,
    mut progress: impl FnMut(u64),
) -> Result<Verification, AppError> {
    let mut tx = store.read().await?;
    let head = tx.audit_head().await?;
    let mut verifier = ChainVerifier::new();
    let mut matcher = CheckpointMatcher::new(checkpoints);
    let mut next = 1;
    loop {
        let batch = tx.audit_from(next, VERIFY_BATCH).await?;
        let Some(last_in_batch) = batch.last().map(|r| r.seq) else { break };
        for record in &batch {
            if let Err(broken) = verifier.push(record).and_then(|()| matcher.push(record)) {
                return Ok(Err(broken));
            }
        }
        // The verifier admits entries 1, 2, 3… only: the last one's number is how many it checked.
        progress(last_in_batch.unsigned_abs());
        let Some(after) = last_in_batch.checked_add(1) else { break };
        next = after;
    }
    let summary = match verifier.finish(head.as_ref().map(|(seq, hash)| (*seq, hash.as_str()))) {
        Ok(summary) => summary,
        Err(broken) => return Ok(Err(broken)),
    };
    let last_seq = head.map_or(0, |(seq, _)| seq);
    Ok(matcher
        .finish(last_seq)
        .map(|checkpoints| ChainSummary { checkpoints: checkpoints as u64, ..summary }))
}

/// The export's format tag (its first line's `format`).
pub const EXPORT_FORMAT: &str = "redress-audit-export-v1";

/// One line of an export (JSON Lines): a header, then the checkpoints, then the entries in order.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum ExportLine {
    Header { format: String, public_key: String, exported_at: String, entries: i64 },
    Checkpoint(SignedCheckpoint),
    Entry(ExportedEntry),
}

/// An entry with every hashed field, its instant as integer microseconds (what is hashed).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportedEntry {
    seq: i64,
    at_unix_micros: i64,
    actor_user_id: Option<i64>,
    actor: String,
    institution: Option<String>,
    action: String,
    target_type: Option<String>,
    target_id: Option<String>,
    purpose: Option<String>,
    request_id: Option<String>,
    details: String,
    prev_hash: String,
    hash: String,
}

impl From<AuditRecord> for ExportedEntry {
    fn from(record: AuditRecord) -> Self {
        let event = record.event;
        ExportedEntry {
            seq: record.seq,
            at_unix_micros: event.at.unix_micros(),
            actor_user_id: event.actor_user_id,
            actor: event.actor,
            institution: event.institution,
            action: event.action,
            target_type: event.target_type,
            target_id: event.target_id,
            purpose: event.purpose,
            request_id: event.request_id,
            details: event.details,
            prev_hash: record.prev_hash,
            hash: record.hash,
        }
    }
}

impl From<ExportedEntry> for AuditRecord {
    fn from(entry: ExportedEntry) -> Self {
        AuditRecord {
            seq: entry.seq,
            event: AuditEvent {
                at: Timestamp::from_unix_micros(entry.at_unix_micros),
                actor_user_id: entry.actor_user_id,
                actor: entry.actor,
                institution: entry.institution,
                action: entry.action,
                target_type: entry.target_type,
                target_id: entry.target_id,
                purpose: entry.purpose,
                request_id: entry.request_id,
                details: entry.details,
            },
            prev_hash: entry.prev_hash,
            hash: entry.hash,
        }
    }
}

/// What an export held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub entries: i64,
    pub checkpoints: usize,
    pub head_hash: Option<String>,
}

fn write_line(out: &mut dyn Write, line: &ExportLine) -> Result<(), AppError> {
    let text = serde_json::to_string(line).map_err(|e| AppError::Internal(e.to_string()))?;
    writeln!(out, "{text}").map_err(|e| AppError::Internal(format!("cannot write the export: {e}")))
}

impl App {
    /// Writes the whole trail with every checkpoint of the folder and the public key, after
    /// signing the head the export ends at, so the export is covered to its last entry. Reads
    /// one consistent snapshot in bounded batches.
    pub async fn export_audit(&self, out: &mut dyn Write) -> Result<ExportSummary, AppError> {
        let signer = self
            .audit_signer
            .clone()
            .ok_or_else(|| AppError::Internal("no audit signing key is loaded".to_string()))?;
        let mut tx = self.store.read().await?;
        let head = tx.audit_head().await?;
        if let Some((seq, hash)) = &head {
            self.write_checkpoint(*seq, hash)?;
        }
        let checkpoints = match self.checkpoint_folder().read_all() {
            Ok(checkpoints) => checkpoints,
            Err(ChainBreakOr::Broken(broken)) => return Err(AppError::Internal(broken.reason)),
            Err(ChainBreakOr::App(error)) => return Err(error),
        };
        let last_seq = head.as_ref().map_or(0, |(seq, _)| *seq);
        let header = ExportLine::Header {
            format: EXPORT_FORMAT.to_string(),
            public_key: signer.public_key_hex(),
            exported_at: self.clock.now().to_rfc3339(),
            entries: last_seq,
        };
        write_line(out, &header)?;
        for (_, checkpoint) in &checkpoints {
            write_line(out, &ExportLine::Checkpoint(checkpoint.clone()))?;
        }
        let mut next = 1;
        while next <= last_seq {
            // Entries `next` to `last_seq`, both included (at least one: never at a limit).
            let left = last_seq.saturating_sub(next).saturating_add(1);
            let batch = tx.audit_from(next, VERIFY_BATCH.min(left)).await?;
            let Some(last_in_batch) = batch.last().map(|r| r.seq) else { break };
            for record in batch {
                write_line(out, &ExportLine::Entry(record.into()))?;
            }
            let Some(after) = last_in_batch.checked_add(1) else { break };
            next = after;
        }
        out.flush().map_err(|e| AppError::Internal(format!("cannot write the export: {e}")))?;
        Ok(ExportSummary {
            entries: last_seq,
            checkpoints: checkpoints.len(),
            head_hash: head.map(|(_, h)| h),
        })
    }
}

/// Verifies an export with nothing but the trusted public key: every checkpoint's signature,
/// every link of the chain, every checkpoint against the entries, and that the newest entry is
/// covered by a checkpoint. The error names the line, checkpoint or entry at fault.
pub fn verify_export(input: impl BufRead, key: &VerifyingKey) -> Result<ExportSummary, String> {
    let mut lines = (1_usize..).zip(input.lines());
    let parse = |number: usize, line: std::io::Result<String>| -> Result<ExportLine, String> {
        let line = line.map_err(|e| format!("line {number}: cannot be read: {e}"))?;
        serde_json::from_str(&line).map_err(|e| format!("line {number}: not an export line: {e}"))
    };
    match lines.next().map(|(number, line)| parse(number, line)).transpose()? {
        Some(ExportLine::Header { format, .. }) if format == EXPORT_FORMAT => {}
        _ => return Err(format!("line 1: not the header of a {EXPORT_FORMAT} file")),
    }
    let mut signed = Vec::new();
    let mut links = ChainVerifier::new();
    let mut matcher: Option<CheckpointMatcher> = None;
    let mut last: Option<(i64, String)> = None;
    let broken = |b: ChainBreak| format!("audit chain BROKEN at entry {}: {}", b.seq, b.reason);
    for (number, line) in lines {
        match parse(number, line)? {
            ExportLine::Header { .. } => return Err(format!("line {number}: a second header")),
            ExportLine::Checkpoint(checkpoint) if matcher.is_none() => {
                signed.push((format!("on line {number}"), checkpoint));
            }
            ExportLine::Checkpoint(_) => {
                return Err(format!("line {number}: checkpoints must come before the entries"))
            }
            ExportLine::Entry(entry) => {
                if matcher.is_none() {
                    matcher = Some(CheckpointMatcher::new(trust(&signed, key).map_err(broken)?));
                }
                let record = AuditRecord::from(entry);
                links.push(&record).map_err(broken)?;
                matcher.as_mut().map_or(Ok(()), |m| m.push(&record)).map_err(broken)?;
                last = Some((record.seq, record.hash));
            }
        }
    }
    let matcher = match matcher {
        Some(matcher) => matcher,
        None => CheckpointMatcher::new(trust(&signed, key).map_err(broken)?),
    };
    let newest_signed = matcher.newest_seq();
    links.finish(last.as_ref().map(|(seq, hash)| (*seq, hash.as_str()))).map_err(broken)?;
    let last_seq = last.as_ref().map_or(0, |(seq, _)| *seq);
    let checkpoints = matcher.finish(last_seq).map_err(broken)?;
    if last_seq > 0 && newest_signed < last_seq {
        return Err(format!(
            "entries {} to {last_seq} are not covered by any signed checkpoint",
            // Below last_seq, so never at the limit.
            newest_signed.saturating_add(1)
        ));
    }
    Ok(ExportSummary { entries: last_seq, checkpoints, head_hash: last.map(|(_, hash)| hash) })
}
