//! Figures for the pages that show totals, computed in SQL: counts and sums by `GROUP BY`, the
//! balances a page needs in one query, never counted from a truncated list. Their cost grows
//! with what a page shows (a dozen months, three tiers), not with the data behind it.

use async_trait::async_trait;
use redress_domain::claims::ClaimState;
use redress_domain::ledger::Account;
use redress_domain::money::Overflow;
use redress_domain::policy::rules;
use redress_domain::{Amount, Currency, Timestamp};
use time::{Date, Duration, Month, OffsetDateTime};

use crate::public::MonthFlow;
use crate::store::StoreResult;
use crate::{Actor, App, AppError};

/// How many claims are in one tier and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimCount {
    pub tier: u8,
    pub state: ClaimState,
    pub claims: i64,
}

/// An account's posted inflows (debits) and outflows (credits) in one month of value dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthSums {
    /// `YYYY-MM`.
    pub month: String,
    pub debits: Amount,
    pub credits: Amount,
}

/// A published asset with the dates of its moves, read in the same query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedAsset {
    pub id: i64,
    pub kind: String,
    pub region: Option<String>,
    pub state: String,
    pub currency: Currency,
    pub seized_on: Option<String>,
    /// The first move to confiscated (or released).
    pub confiscated_on: Option<String>,
    /// The first sale (or early sale) and its price.
    pub sold_on: Option<String>,
    pub sale_amount: Option<Amount>,
}

/// How many victims share one combination of the coarse attributes statistics publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VictimProfile {
    pub sex: String,
    pub nationality: String,
    pub age_band: String,
    pub region: Option<String>,
    pub exploitation: Option<String>,
    pub victims: i64,
}

/// Claims in one state and tier, and what they were paid in the fund's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimGroup {
    pub state: String,
    pub tier: i64,
    pub claims: i64,
    pub paid: Amount,
}

/// Aggregate reads: each is one SQL statement whose cost does not grow with the whole table.
#[async_trait]
pub trait SummaryReads: Send {
    /// Claims in any of `states`, counted by tier and state.
    async fn claim_counts(&mut self, states: &[ClaimState]) -> StoreResult<Vec<ClaimCount>>;
    /// Claims overdue at `now`: received past their decision instant, or approved, allocated or
    /// in a batch with a payment date before `today` (`YYYY-MM-DD`).
    async fn overdue_claims(&mut self, now: Timestamp, today: &str) -> StoreResult<i64>;
    /// Received claims filed in each [from, to) range, and all received claims (the last value).
    async fn received_claims_filed(&mut self, ranges: &[(Timestamp, Timestamp)]) -> StoreResult<Vec<i64>>;
    /// Accounts in `currency` named one of `names` or starting with one of `prefixes`.
    async fn ledger_accounts_matching(
        &mut self,
        currency: Currency,
        names: &[&str],
        prefixes: &[&str],
    ) -> StoreResult<Vec<Account>>;
    /// An account's posted (debits, credits) as of each of `instants`, in their order.
    async fn posted_totals_at_each(
        &mut self,
        account_id: i64,
        instants: &[Timestamp],
    ) -> StoreResult<Vec<(Amount, Amount)>>;
    /// An account's posted sums by month of value date in [`from`, `to`), months with none left
    /// out; `from` and `to` are first days of months (a month is read whole).
    async fn account_flows_by_month(
        &mut self,
        account_id: i64,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<MonthSums>>;
    /// Assets in any of `states` by id after `page.after`, each with its move dates: one query
    /// for the page, not one per asset.
    async fn published_assets(
        &mut self,
        states: &[&str],
        page: crate::store::Page,
    ) -> StoreResult<Vec<PublishedAsset>>;
    /// Victims counted by (sex, nationality, age band, region, exploitation), as the database
    /// maintains the counts (migration 0066).
    async fn victim_profiles(&mut self) -> StoreResult<Vec<VictimProfile>>;
    /// The counts the database maintains (victims by profile, assets by state, days along the
    /// asset paths) recomputed from the rows: a line for each table that differs, naming how many
    /// of its groups do; empty when every count is exact.
    async fn maintained_count_mismatches(&mut self) -> StoreResult<Vec<String>>;
    /// Claims counted by state and tier, with their payments in `currency`.
    async fn claim_groups(&mut self, currency: Currency) -> StoreResult<Vec<ClaimGroup>>;
    /// How many ledger accounts there are.
    async fn ledger_account_count(&mut self) -> StoreResult<i64>;
    /// Paid claims counted by the time from filing to payment (the first `paid` event), in
    /// [`DELAY_BANDS`]: `(band, claims)`, bands with none left out.
    async fn paid_claim_delays(&mut self) -> StoreResult<Vec<(String, i64)>>;
}

/// The bands of days from filing to payment that the public page counts paid claims in, each
/// with its upper bound in days (the last has none). Their codes sort in their order.
pub const DELAY_BANDS: &[(&str, Option<i64>)] =
    &[("d030", Some(30)), ("d090", Some(90)), ("d180", Some(180)), ("d365", Some(365)), ("dmax", None)];

/// Claims waiting for a decision or for money in one tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierFigures {
    pub tier: u8,
    pub received: i64,
    pub approved: i64,
}

/// Everything the fund officer's home page shows, from aggregates.
#[derive(Debug, Clone)]
pub struct FundSummary {
    pub currency: Currency,
    /// The fund's posted cash and its open holds.
    pub cash: Amount,
    pub holds: Amount,
    pub overdue: i64,
    pub tiers: Vec<TierFigures>,
    /// Received claims by age: up to 3 days, 4 to 14, 15 to 56, older.
    pub ageing: [i64; 4],
    /// The fund's balance at the start of each of the last twelve months, oldest first, with the
    /// month that ended there (`YYYY-MM`).
    pub month_ends: Vec<(String, Amount)>,
    /// Income accounts in the fund's currency (confiscations, budget, donations…).
    pub income: Vec<Account>,
}

/// The first day of a month.
pub(crate) fn month_start(year: i32, month: Month) -> Date {
    Date::from_calendar_date(year, month, 1).unwrap_or(Date::MIN)
}

/// The first days of the last `months` months up to the current one, oldest first.
pub(crate) fn month_starts(now: OffsetDateTime, months: u8) -> Vec<Date> {
    let (mut year, mut month) = (now.year(), now.month());
    let mut starts = Vec::with_capacity(usize::from(months));
    for _ in 0..months {
        starts.push(month_start(year, month));
        if month == Month::January {
            // Years lie within ±9999: never at i32's limit.
            year = year.saturating_sub(1);
        }
        month = month.previous();
    }
    starts.reverse();
    starts
}

fn midnight(date: Date) -> Timestamp {
    Timestamp::from_datetime(date.midnight().assume_utc())
}

/// The month flows of an account for the last `months` months, every month present.
pub(crate) async fn flows_by_month(
    tx: &mut dyn crate::store::ReadTx,
    account_id: i64,
    currency: Currency,
    now: OffsetDateTime,
    months: u8,
) -> StoreResult<Vec<MonthFlow>> {
    let starts = month_starts(now, months);
    let (Some(first), Some(last)) = (starts.first(), starts.last()) else { return Ok(Vec::new()) };
    let end = if last.month() == Month::December {
        month_start(last.year().saturating_add(1), Month::January)
    } else {
        month_start(last.year(), last.month().next())
    };
    let sums = tx.account_flows_by_month(account_id, *first, end).await?;
    Ok(starts
        .iter()
        .map(|start| {
            let month = format!("{:04}-{:02}", start.year(), start.month() as u8);
            let found = sums.iter().find(|s| s.month == month);
            MonthFlow {
                currency: currency.code().to_string(),
                inflows: found.map_or(Amount::ZERO, |s| s.debits).format(currency),
                outflows: found.map_or(Amount::ZERO, |s| s.credits).format(currency),
                month,
            }
        })
        .collect())
}

impl App {
    /// The fund officer's home page figures, in one read transaction of a few aggregate queries.
    pub async fn fund_summary(&self, actor: &Actor) -> Result<FundSummary, AppError> {
        actor.require(rules::READ_LEDGER)?;
        actor.require(rules::READ_CLAIMS)?;
        let currency = self.settings.fund_currency();
        let now = self.clock.now();
        let today = self.local_date(now);
        let mut tx = self.store.read().await?;
        let accounts = tx.ledger_accounts_matching(currency, &["assets:bank:fund"], &["income:"]).await?;
        let cash_account = accounts.iter().find(|a| a.name.as_str() == "assets:bank:fund");
        let (cash, holds) = match cash_account {
            Some(a) => {
                (a.totals.debits_posted.checked_sub(a.totals.credits_posted)?, a.totals.credits_pending)
            }
            None => (Amount::ZERO, Amount::ZERO),
        };
        let counts = tx.claim_counts(&[ClaimState::Received, ClaimState::Approved]).await?;
        let count = |tier: u8, state: ClaimState| {
            counts.iter().filter(|c| c.tier == tier && c.state == state).map(|c| c.claims).sum::<i64>()
        };
        let tiers = (1..=3u8)
            .map(|tier| TierFigures {
                tier,
                received: count(tier, ClaimState::Received),
                approved: count(tier, ClaimState::Approved),
            })
            .collect();
        let overdue = tx.overdue_claims(now, &today.to_string()).await?;
        // Days since filing 0–3, 4–14, 15–56 by the fund's calendar; the rest are older (or
        // dated ahead).
        let tomorrow = self.local_midnight(today.next_day().unwrap_or(Date::MAX));
        let days_ago =
            |days: i64| self.local_midnight(today.checked_sub(Duration::days(days)).unwrap_or(Date::MIN));
        let ranges = [(days_ago(3), tomorrow), (days_ago(14), days_ago(3)), (days_ago(56), days_ago(14))];
        let filed = tx.received_claims_filed(&ranges).await?;
        let at = |i: usize| filed.get(i).copied().unwrap_or(0);
        // The last count is of every received claim: the older ones are what the ranges left.
        let ageing =
            [at(0), at(1), at(2), at(3).saturating_sub(at(0)).saturating_sub(at(1)).saturating_sub(at(2))];
        let starts = month_starts(now.to_datetime(), 12);
        let month_ends = match cash_account {
            Some(account) => {
                let instants: Vec<Timestamp> = starts.iter().map(|d| midnight(*d)).collect();
                let totals = tx.posted_totals_at_each(account.id, &instants).await?;
                starts
                    .iter()
                    .zip(totals)
                    .map(|(start, (debits, credits))| {
                        let ended = start.previous_day().unwrap_or(Date::MIN).to_string();
                        Ok((ended[..7].to_string(), debits.checked_sub(credits)?))
                    })
                    .collect::<Result<_, Overflow>>()?
            }
            None => Vec::new(),
        };
        let income = accounts.into_iter().filter(|a| a.name.as_str().starts_with("income:")).collect();
        Ok(FundSummary { currency, cash, holds, overdue, tiers, ageing, month_ends, income })
    }
}
