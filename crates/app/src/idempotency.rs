//! Requests sent with an `Idempotency-Key`: run at most once per user and key, and a retry gets
//! the first answer again — also after a crash or a timeout.
//!
//! A request first *claims* its key for a lease (the request timeout and a margin) in a short
//! transaction of its own. While the request runs, [`CURRENT`] names the key, and every write
//! transaction the request commits also stamps the key `applied` — in the same transaction as
//! the work (see the store's `commit`). When the answer is ready it is stored under the key.
//!
//! A retry therefore always learns the truth:
//! - answer stored → the same answer again;
//! - lease still running → "still being processed" (409, retry shortly);
//! - lease run out, never applied (the holder died or timed out before its work committed) →
//!   the retry takes the key over and runs the request, once;
//! - lease run out, applied but no answer (the holder died in the instant between its work and
//!   its answer) → the work is never run again: the retry is told it was applied and when
//!   ([`IdempotencyStart::AppliedAnswerLost`]).

use redress_domain::{FieldError, Timestamp, UserId};

use crate::actor::Actor;
use crate::error::AppError;
use crate::store::IdempotentResponse;
use crate::App;

/// How long an idempotency key is remembered.
pub const IDEMPOTENCY_SECONDS: i64 = 24 * 3_600;
/// How long past the request timeout a claim is held before a retry may take it over.
const LEASE_MARGIN_SECONDS: i64 = 5;

/// The key of the request this task is running (set by the web layer around the handler).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInUse {
    pub user: UserId,
    pub key: String,
}

tokio::task_local! {
    /// Set while an idempotent request runs; read by the store when a write transaction commits.
    pub static CURRENT: KeyInUse;
}

/// The key the current task's request runs under, if any.
pub fn current() -> Option<KeyInUse> {
    CURRENT.try_with(Clone::clone).ok()
}

/// What to do with a request sent with an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyStart {
    /// First time (or a takeover of a claim whose holder died before applying): run it, then
    /// call [`App::idempotency_finish`].
    Fresh,
    /// Done before: give this answer again.
    Replay(IdempotentResponse),
    /// The key was used for a different request.
    Mismatch,
    /// The first request with this key is still running (or its lease has not run out yet):
    /// retry after this many seconds.
    InProgress { retry_after_seconds: i64 },
    /// The request was applied at this instant, but the server stopped before storing its
    /// answer. It is never run again.
    AppliedAnswerLost { applied_at: Timestamp },
}

/// The hash that tells whether a retry is the same request.
pub fn idempotency_hash(method: &str, path: &str, body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update([0]);
    hasher.update(path.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    hex::encode(hasher.finalize())
}

fn check_key(key: &str) -> Result<(), AppError> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(FieldError::new(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters, such as a UUID",
        )
        .into());
    }
    Ok(())
}

impl App {
    fn idempotency_lease_seconds(&self) -> i64 {
        i64::try_from(self.settings.server.request_timeout_seconds)
            .unwrap_or(600)
            .saturating_add(LEASE_MARGIN_SECONDS)
    }

    /// Starts a request sent with an `Idempotency-Key` (see the module documentation). Keys are
    /// kept for a day, per user.
    pub async fn idempotency_begin(
        &self,
        actor: &Actor,
        key: &str,
        request_hash: &str,
    ) -> Result<IdempotencyStart, AppError> {
        let Some(user) = actor.user_id else { return Ok(IdempotencyStart::Fresh) };
        check_key(key)?;
        let now = self.clock.now();
        let lease_until = now.plus_seconds(self.idempotency_lease_seconds());
        let mut tx = self.store.write().await?;
        tx.delete_idempotency_keys_before(now.minus_seconds(IDEMPOTENCY_SECONDS)).await?;
        let outcome = if tx.claim_idempotency_key(user, key, request_hash, now, lease_until).await? {
            IdempotencyStart::Fresh
        } else {
            match tx.idempotency_key(user, key).await? {
                None => IdempotencyStart::InProgress { retry_after_seconds: 1 },
                Some(stored) if stored.response.request_hash != request_hash => IdempotencyStart::Mismatch,
                Some(stored) if stored.response.status != 0 => IdempotencyStart::Replay(stored.response),
                Some(stored) if stored.lease_until > now => IdempotencyStart::InProgress {
                    retry_after_seconds: (stored.lease_until.unix_micros().saturating_sub(now.unix_micros())
                        / 1_000_000)
                        .saturating_add(1),
                },
                Some(stored) => match stored.applied_at {
                    Some(applied_at) => IdempotencyStart::AppliedAnswerLost { applied_at },
                    None if tx
                        .take_over_idempotency_key(user, key, stored.lease_until, lease_until)
                        .await? =>
                    {
                        tracing::warn!(
                            user = user.0,
                            "took over an idempotency key abandoned before its work applied"
                        );
                        IdempotencyStart::Fresh
                    }
                    None => IdempotencyStart::InProgress { retry_after_seconds: 1 },
                },
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Remembers the answer given to a request with a key. A server error forgets the key so
    /// that a retry runs again — unless the request's work was applied, in which case the error is
    /// its answer (it is never run twice).
    pub async fn idempotency_finish(
        &self,
        actor: &Actor,
        key: &str,
        response: &IdempotentResponse,
        server_error: bool,
    ) -> Result<(), AppError> {
        let Some(user) = actor.user_id else { return Ok(()) };
        let mut tx = self.store.write().await?;
        if !server_error || !tx.release_unapplied_idempotency_key(user, key).await? {
            tx.finish_idempotency_key(user, key, response).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A request that stopped without an answer (its client went away, or the request timeout
    /// cut it short): the key is forgotten if its work never applied; otherwise its lease ends
    /// now, so that a retry learns at once that it was applied.
    pub async fn idempotency_abandon(&self, user: UserId, key: &str) -> Result<(), AppError> {
        let mut tx = self.store.write().await?;
        if !tx.release_unapplied_idempotency_key(user, key).await? {
            tx.end_idempotency_lease(user, key, self.clock.now()).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
