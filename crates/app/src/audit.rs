//! Reading and verifying the audit trail.

use redress_domain::audit::{AuditRecord, ChainBreak, ChainSummary, ChainVerifier};
use redress_domain::policy::rules;
use redress_domain::FieldError;

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

    /// Verifies the chain for an auditor (the CLI calls [`verify_audit_chain`] directly).
    pub async fn verify_audit(&self, actor: &Actor) -> Result<Verification, AppError> {
        actor.require(rules::READ_AUDIT_TRAIL)?;
        verify_audit_chain(self.store.as_ref(), |_| {}).await
    }
}

/// Recomputes the whole chain in batches, inside one read transaction (a consistent snapshot on
/// both engines), so entries appended meanwhile are not seen. `progress` is told how many
/// entries were checked so far.
pub async fn verify_audit_chain(
    store: &dyn Store,
    mut progress: impl FnMut(u64),
) -> Result<Verification, AppError> {
    let mut tx = store.read().await?;
    let head = tx.audit_head().await?;
    let mut verifier = ChainVerifier::new();
    let mut next = 1;
    let mut checked = 0u64;
    loop {
        let batch = tx.audit_from(next, VERIFY_BATCH).await?;
        let Some(last_in_batch) = batch.last().map(|r| r.seq) else { break };
        for record in &batch {
            if let Err(broken) = verifier.push(record) {
                return Ok(Err(broken));
            }
            checked += 1;
        }
        progress(checked);
        next = last_in_batch + 1;
    }
    Ok(verifier.finish(head.as_ref().map(|(seq, hash)| (*seq, hash.as_str()))))
}
