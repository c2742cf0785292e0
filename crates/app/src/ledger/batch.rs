//! Applying a batch of transfers in memory, in order: everything the batch refers to is loaded
//! once, each transfer goes through [`Ledger::apply`] against the accounts as they stand in the
//! batch, a linked chain applies whole or not at all, and the caller writes the result.
//!
//! The steps of one transfer return `Result<_, TransferOutcome>`: the `Err` side is the
//! transfer's refusal, an outcome as large as a success, not an error to box.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, HashSet};

use redress_domain::ledger::{
    Account, AccountName, Ledger, PendingStatus, PendingTransfer, Totals, Transfer, TransferError,
    TransferKind, TransferType,
};
use redress_domain::{Amount, Currency, FieldError, FieldErrors, Timestamp};
use time::Date;

use super::{invalid, refused, same_request, Parsed, TransferOutcome};
use crate::store::WriteTx;
use crate::AppError;

pub(super) type AccountKey = (String, &'static str);

/// The in-memory state of a batch being applied.
pub(super) struct Batch {
    pub(super) accounts: HashMap<AccountKey, Account>,
    pub(super) staged: Vec<Transfer>,
    /// Where each staged transfer is in `staged`, by id.
    positions: HashMap<String, usize>,
    /// Transfers reversed by this batch.
    reversed: HashSet<String>,
    pub(super) statuses: HashMap<String, PendingStatus>,
    seq: i64,
    /// Each loaded account's totals as they were stored, for the double-entry check.
    opened: HashMap<AccountKey, Totals>,
}

/// A batch's state before a linked chain.
struct Snapshot {
    accounts: HashMap<AccountKey, Account>,
    staged: usize,
    statuses: HashMap<String, PendingStatus>,
    reversed: HashSet<String>,
    seq: i64,
}

/// What the batch refers to that was stored before it.
struct Stored {
    transfers: HashMap<String, Transfer>,
    /// Of the transfers the batch reverses, those reversed already.
    reversed: HashSet<String>,
    /// Loaded accounts by id.
    account_ids: HashMap<i64, AccountKey>,
}

/// The instants a batch applies at: when its transfers are entered (never before the last
/// stored one), and the range their value dates may take.
#[derive(Clone, Copy)]
struct Times {
    created_at: Timestamp,
    today: Date,
    floor: Date,
    now: Timestamp,
}

/// Applies a batch: an outcome per item, and the batch to write.
pub(super) async fn apply(
    tx: &mut dyn WriteTx,
    actor: &str,
    parsed: Vec<Result<Parsed, FieldErrors>>,
    (now, today): (Timestamp, Date),
    value_date_past_days_max: i64,
) -> Result<(Vec<TransferOutcome>, Batch), AppError> {
    let (stored, mut batch) = load(tx, &parsed).await?;
    let (last_seq, last_at) = tx.last_transfer().await?.unwrap_or((0, now));
    batch.seq = last_seq;
    let floor = today.checked_sub(time::Duration::days(value_date_past_days_max)).unwrap_or(today);
    let times = Times { created_at: now.max(last_at), today, floor, now };
    let outcomes = batch.apply_chains(&stored, &parsed, actor, times);
    // Holds created and resolved in the same batch are stored with their final status.
    for transfer in batch.staged.iter_mut() {
        if let Some(status) = batch.statuses.get(&transfer.id) {
            transfer.pending_status = Some(*status);
        }
    }
    batch.check_balanced()?;
    Ok((outcomes, batch))
}

/// Everything the batch refers to, loaded once: the transfers it names, the reversals already
/// made, and the accounts it moves money between.
async fn load(
    tx: &mut dyn WriteTx,
    parsed: &[Result<Parsed, FieldErrors>],
) -> Result<(Stored, Batch), AppError> {
    let mut ids: Vec<String> = Vec::new();
    for item in parsed.iter().flatten() {
        ids.push(item.id.clone());
        ids.extend(item.pending_id.clone());
        ids.extend(item.reverses.clone());
    }
    ids.sort();
    ids.dedup();
    let transfers: HashMap<String, Transfer> =
        tx.transfers_by_ids(&ids).await?.into_iter().map(|t| (t.id.clone(), t)).collect();
    let to_reverse: Vec<String> = parsed.iter().flatten().filter_map(|p| p.reverses.clone()).collect();
    let reversed: HashSet<String> = tx.reversals_of(&to_reverse).await?.into_iter().collect();
    let mut batch = Batch {
        accounts: HashMap::new(),
        staged: Vec::new(),
        positions: HashMap::new(),
        reversed: HashSet::new(),
        statuses: HashMap::new(),
        seq: 0,
        opened: HashMap::new(),
    };
    let mut account_ids: HashMap<i64, AccountKey> = HashMap::new();
    let mut wanted: HashMap<Currency, HashSet<String>> = HashMap::new();
    for item in parsed.iter().flatten() {
        for name in [&item.debit, &item.credit].into_iter().flatten() {
            wanted.entry(item.currency).or_default().insert(name.as_str().to_string());
        }
    }
    for (currency, names) in wanted {
        let mut names: Vec<String> = names.into_iter().collect();
        names.sort();
        for account in tx.ledger_accounts_named(&names, currency).await? {
            let key = (account.name.as_str().to_string(), currency.code());
            account_ids.insert(account.id, key.clone());
            batch.accounts.insert(key, account);
        }
    }
    // Holds resolved and transfers reversed by this batch but created before it: their
    // accounts too.
    for item in parsed.iter().flatten() {
        let referenced = item.pending_id.as_ref().or(item.reverses.as_ref());
        let Some(hold) = referenced.and_then(|id| transfers.get(id)) else { continue };
        for id in [hold.debit_account_id, hold.credit_account_id] {
            if let std::collections::hash_map::Entry::Vacant(entry) = account_ids.entry(id) {
                if let Some(account) = tx.ledger_account_by_id(id).await? {
                    let key = (account.name.as_str().to_string(), account.currency.code());
                    entry.insert(key.clone());
                    batch.accounts.entry(key).or_insert(account);
                }
            }
        }
    }
    batch.opened = batch.accounts.iter().map(|(key, account)| (key.clone(), account.totals)).collect();
    Ok((Stored { transfers, reversed, account_ids }, batch))
}

impl Batch {
    /// The double-entry invariant over what the batch staged: in each currency, what it added
    /// to its accounts' debits equals what it added to their credits, pending and posted alike.
    /// A difference is a bug in applying transfers, never the caller's input: the batch is not
    /// written and the request fails as an internal error.
    fn check_balanced(&self) -> Result<(), AppError> {
        let overflow = |_| AppError::Internal("the batch's totals overflow".into());
        let mut sums: HashMap<&'static str, [Amount; 4]> = HashMap::new();
        for (key, account) in &self.accounts {
            let before = self.opened.get(key).copied().unwrap_or_default();
            let after = account.totals;
            let changes = [
                after.debits_pending.checked_sub(before.debits_pending).map_err(overflow)?,
                after.credits_pending.checked_sub(before.credits_pending).map_err(overflow)?,
                after.debits_posted.checked_sub(before.debits_posted).map_err(overflow)?,
                after.credits_posted.checked_sub(before.credits_posted).map_err(overflow)?,
            ];
            let sum = sums.entry(key.1).or_insert([Amount::ZERO; 4]);
            for (total, change) in sum.iter_mut().zip(changes) {
                *total = total.checked_add(change).map_err(overflow)?;
            }
        }
        for (currency, [debits_pending, credits_pending, debits_posted, credits_posted]) in sums {
            if debits_pending != credits_pending || debits_posted != credits_posted {
                return Err(AppError::Internal(format!(
                    "a batch in {currency} staged unequal debits and credits: pending {} / {}, posted {} / {}",
                    debits_pending.minor_units(),
                    credits_pending.minor_units(),
                    debits_posted.minor_units(),
                    credits_posted.minor_units()
                )));
            }
        }
        Ok(())
    }

    /// Applies the items in order; a linked chain (items marked `linked` up to the first that
    /// is not) applies whole or not at all, and a chain left open at the end applies not at all.
    fn apply_chains(
        &mut self,
        stored: &Stored,
        parsed: &[Result<Parsed, FieldErrors>],
        actor: &str,
        times: Times,
    ) -> Vec<TransferOutcome> {
        let linked = |item: &Result<Parsed, FieldErrors>| item.as_ref().is_ok_and(|p| p.linked);
        let mut outcomes = Vec::with_capacity(parsed.len());
        // Each chain ends at the first item not marked linked; only the last can lack one.
        for chain in parsed.split_inclusive(|item| !linked(item)) {
            if chain.last().is_some_and(linked) {
                outcomes.extend(chain.iter().map(|_| refused(&TransferError::LinkedChainOpen)));
            } else {
                outcomes.extend(self.apply_chain(stored, chain, actor, times));
            }
        }
        outcomes
    }

    /// One chain (a single item, or linked items and the one that closes them): when one of
    /// several fails, the batch is restored to before the chain and the others are refused.
    fn apply_chain(
        &mut self,
        stored: &Stored,
        chain: &[Result<Parsed, FieldErrors>],
        actor: &str,
        times: Times,
    ) -> Vec<TransferOutcome> {
        let chained = chain.len() > 1;
        let snapshot = chained.then(|| self.snapshot());
        let mut outcomes = Vec::with_capacity(chain.len());
        for (position, item) in chain.iter().enumerate() {
            let outcome = match item {
                Err(errors) => invalid(errors.clone()),
                Ok(item) => self.apply_one(stored, item, actor, times),
            };
            if chained && matches!(outcome, TransferOutcome::Failed { .. }) {
                if let Some(before) = snapshot {
                    self.restore(before);
                }
                let mut refusals: Vec<TransferOutcome> =
                    chain.iter().map(|_| refused(&TransferError::LinkedTransferFailed)).collect();
                refusals[position] = outcome;
                return refusals;
            }
            outcomes.push(outcome);
        }
        outcomes
    }

    /// What a linked chain may have to undo (the staged transfers only grow, so their count is
    /// enough for them).
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            accounts: self.accounts.clone(),
            staged: self.staged.len(),
            statuses: self.statuses.clone(),
            reversed: self.reversed.clone(),
            seq: self.seq,
        }
    }

    fn restore(&mut self, snapshot: Snapshot) {
        self.accounts = snapshot.accounts;
        for dropped in self.staged.drain(snapshot.staged..) {
            self.positions.remove(&dropped.id);
        }
        self.statuses = snapshot.statuses;
        self.reversed = snapshot.reversed;
        self.seq = snapshot.seq;
    }

    /// A transfer as it stands in this batch or, failing that, as stored.
    fn find<'a>(&'a self, stored: &'a Stored, id: &str) -> Option<&'a Transfer> {
        self.positions.get(id).map(|&i| &self.staged[i]).or_else(|| stored.transfers.get(id))
    }

    /// Applies one transfer against the accounts as they stand in the batch.
    fn apply_one(&mut self, stored: &Stored, item: &Parsed, actor: &str, times: Times) -> TransferOutcome {
        match self.try_apply(stored, item, actor, times) {
            Ok(outcome) | Err(outcome) => outcome,
        }
    }

    fn try_apply(
        &mut self,
        stored: &Stored,
        item: &Parsed,
        actor: &str,
        times: Times,
    ) -> Result<TransferOutcome, TransferOutcome> {
        let value_date = value_date(item, times)?;
        let prior =
            stored.transfers.get(&item.id).or_else(|| self.positions.get(&item.id).map(|&i| &self.staged[i]));
        if let Some(prior) = prior {
            return Ok(if same_request(prior, item) {
                TransferOutcome::Exists(prior.clone())
            } else {
                refused(&TransferError::ExistsWithDifferentFields)
            });
        }
        let hold = self.hold_of(stored, item)?;
        let sides = hold.as_ref().map(|h| (h.debit_account_id, h.credit_account_id));
        let (amount, sides) = self.reversal(stored, item, sides)?;
        let key_for = |name: &Option<AccountName>, side_id: Option<i64>| -> Option<AccountKey> {
            match name {
                Some(name) => Some((name.as_str().to_string(), item.currency.code())),
                None => side_id.and_then(|id| stored.account_ids.get(&id).cloned()),
            }
        };
        let debit_key = key_for(&item.debit, sides.map(|(debit, _)| debit));
        let credit_key = key_for(&item.credit, sides.map(|(_, credit)| credit));
        let mut debit = self.account(debit_key.as_ref(), "debit_account", &item.debit, item.currency)?;
        let mut credit = self.account(credit_key.as_ref(), "credit_account", &item.credit, item.currency)?;
        if let Some((debit_id, credit_id)) = sides.filter(|_| item.reverses.is_some()) {
            if debit.id != debit_id || credit.id != credit_id {
                return Err(refused(&TransferError::PendingMismatch));
            }
        }
        let effect = Ledger::apply(
            item.kind,
            amount,
            item.currency,
            &mut debit,
            &mut credit,
            hold.as_ref(),
            times.now,
        )
        .map_err(|error| refused(&error))?;
        self.seq = self.seq.checked_add(1).ok_or_else(|| refused(&TransferError::Overflow))?;
        let transfer = staged_transfer(
            self.seq,
            item,
            &debit,
            &credit,
            effect.posted,
            actor,
            times.created_at,
            value_date,
        );
        if let (Some(status), Some(id)) = (effect.resolves, &item.pending_id) {
            self.statuses.insert(id.clone(), status);
        }
        if let Some(target) = &item.reverses {
            self.reversed.insert(target.clone());
        }
        for (key, account) in [(debit_key, debit), (credit_key, credit)] {
            if let Some(key) = key {
                self.accounts.insert(key, account);
            }
        }
        self.positions.insert(transfer.id.clone(), self.staged.len());
        self.staged.push(transfer.clone());
        Ok(TransferOutcome::Created(transfer))
    }

    /// The hold a post or void resolves, as it stands in this batch.
    fn hold_of(&self, stored: &Stored, item: &Parsed) -> Result<Option<PendingTransfer>, TransferOutcome> {
        let Some(id) = &item.pending_id else { return Ok(None) };
        let Some(hold) = self.find(stored, id) else {
            return Err(refused(&TransferError::PendingNotFound));
        };
        if hold.kind != TransferType::Pending {
            return Err(refused(&TransferError::NotPending));
        }
        let status = self.statuses.get(id).copied().or(hold.pending_status).unwrap_or(PendingStatus::Pending);
        Ok(Some(PendingTransfer {
            debit_account_id: hold.debit_account_id,
            credit_account_id: hold.credit_account_id,
            currency: hold.currency,
            amount: hold.amount,
            status,
            expires_at: hold.expires_at,
        }))
    }

    /// A reversal moves the original's posted amount back between the same accounts: the
    /// amount and sides to use (the item's own otherwise).
    fn reversal(
        &self,
        stored: &Stored,
        item: &Parsed,
        sides: Option<(i64, i64)>,
    ) -> Result<(Amount, Option<(i64, i64)>), TransferOutcome> {
        let Some(target) = &item.reverses else { return Ok((item.amount, sides)) };
        let Some(original) = self.find(stored, target) else {
            return Err(refused(&TransferError::ReversedNotFound));
        };
        let refusal = if original.kind == TransferType::Reversal {
            Some(TransferError::ReversalOfReversal)
        } else if original.posted == Amount::ZERO {
            Some(TransferError::NotReversible)
        } else if stored.reversed.contains(target) || self.reversed.contains(target) {
            Some(TransferError::AlreadyReversed)
        } else if item.amount != Amount::ZERO && item.amount != original.posted {
            Some(TransferError::ExceedsPendingAmount)
        } else {
            None
        };
        match refusal {
            Some(error) => Err(refused(&error)),
            None => Ok((original.posted, Some((original.credit_account_id, original.debit_account_id)))),
        }
    }

    /// The account on one side, as it stands in the batch.
    fn account(
        &self,
        key: Option<&AccountKey>,
        field: &str,
        name: &Option<AccountName>,
        currency: Currency,
    ) -> Result<Account, TransferOutcome> {
        key.and_then(|k| self.accounts.get(k)).cloned().ok_or_else(|| TransferOutcome::Failed {
            refusal: super::TransferRefusal::AccountNotFound,
            errors: FieldError::new(
                field,
                format!(
                    "no account named {} in {}",
                    name.as_ref().map_or("(the hold's account)", |n| n.as_str()),
                    currency
                ),
            )
            .into(),
        })
    }
}

/// The day the money moved: the item's, or today; never in the future nor before the floor.
fn value_date(item: &Parsed, times: Times) -> Result<Date, TransferOutcome> {
    let value_date = item.value_date.unwrap_or(times.today);
    if value_date > times.today {
        return Err(invalid(FieldError::new("value_date", "must not be in the future").into()));
    }
    if value_date < times.floor {
        return Err(invalid(
            FieldError::new("value_date", format!("must not be before {}", times.floor)).into(),
        ));
    }
    Ok(value_date)
}

/// The transfer as staged, with the accounts' posted totals after it.
#[allow(clippy::too_many_arguments)]
fn staged_transfer(
    seq: i64,
    item: &Parsed,
    debit: &Account,
    credit: &Account,
    posted: Amount,
    actor: &str,
    created_at: Timestamp,
    value_date: Date,
) -> Transfer {
    Transfer {
        seq,
        id: item.id.clone(),
        debit_account_id: debit.id,
        credit_account_id: credit.id,
        debit_account: debit.name.as_str().to_string(),
        credit_account: credit.name.as_str().to_string(),
        amount: item.amount,
        posted,
        currency: item.currency,
        kind: item.kind.transfer_type(),
        pending_id: item.pending_id.clone(),
        reverses_id: item.reverses.clone(),
        pending_status: matches!(item.kind, TransferKind::Pending { .. }).then_some(PendingStatus::Pending),
        expires_at: match item.kind {
            TransferKind::Pending { expires_at } => expires_at,
            _ => None,
        },
        references: item.references.clone(),
        memo: item.memo.clone(),
        actor: actor.to_string(),
        created_at,
        value_date,
        debit_account_posted_after: (debit.totals.debits_posted, debit.totals.credits_posted),
        credit_account_posted_after: (credit.totals.debits_posted, credit.totals.credits_posted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redress_domain::ledger::AccountFlags;

    fn batch_of(names: &[&str]) -> Batch {
        let pen = Currency::parse("PEN").unwrap();
        let mut batch = Batch {
            accounts: HashMap::new(),
            staged: Vec::new(),
            positions: HashMap::new(),
            reversed: HashSet::new(),
            statuses: HashMap::new(),
            seq: 0,
            opened: HashMap::new(),
        };
        for (id, name) in (1..).zip(names) {
            let totals = Totals { debits_posted: Amount::from_minor(500), ..Totals::default() };
            let account = Account {
                id,
                name: AccountName::parse(name).unwrap(),
                currency: pen,
                flags: AccountFlags::default(),
                totals,
            };
            batch.accounts.insert((name.to_string(), pen.code()), account);
        }
        batch.opened = batch.accounts.iter().map(|(k, a)| (k.clone(), a.totals)).collect();
        batch
    }

    fn add(batch: &mut Batch, name: &str, change: impl Fn(&mut Totals)) {
        let account = batch.accounts.get_mut(&(name.to_string(), "PEN")).unwrap();
        change(&mut account.totals);
    }

    #[test]
    fn a_batch_whose_debits_equal_its_credits_passes_and_any_other_is_refused() {
        let mut batch = batch_of(&["assets:bank:fund", "income:donations"]);
        assert!(batch.check_balanced().is_ok(), "an untouched batch is balanced");
        add(&mut batch, "assets:bank:fund", |t| t.debits_posted = Amount::from_minor(800));
        add(&mut batch, "income:donations", |t| t.credits_posted = Amount::from_minor(300));
        assert!(batch.check_balanced().is_ok(), "300 debited and 300 credited");
        add(&mut batch, "income:donations", |t| t.credits_pending = Amount::from_minor(7));
        let refused = batch.check_balanced().unwrap_err();
        assert!(
            matches!(&refused, AppError::Internal(detail) if detail.contains("pending 0 / 7")),
            "{refused:?}"
        );
        add(&mut batch, "assets:bank:fund", |t| t.debits_pending = Amount::from_minor(7));
        add(&mut batch, "assets:bank:fund", |t| t.debits_posted = Amount::from_minor(799));
        let refused = batch.check_balanced().unwrap_err();
        assert!(
            matches!(&refused, AppError::Internal(detail) if detail.contains("posted 299 / 300")),
            "{refused:?}"
        );
    }
}
