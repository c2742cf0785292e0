//! Instants as integer microseconds since the Unix epoch, UTC: exact, sortable, and stored the
//! same way on SQLite and PostgreSQL. Reading the clock is the caller's business (no IO here).

use serde::{Deserialize, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_unix_micros(micros: i64) -> Self {
        Self(micros)
    }

    pub const fn unix_micros(self) -> i64 {
        self.0
    }

    pub fn from_datetime(value: OffsetDateTime) -> Self {
        // i128 nanoseconds / 1000 fits i64 for any date the `time` crate can represent by default.
        let micros = value.unix_timestamp_nanos() / 1_000;
        Self(i64::try_from(micros).unwrap_or(i64::MAX))
    }

    pub fn to_datetime(self) -> OffsetDateTime {
        i128::from(self.0)
            .checked_mul(1_000)
            .and_then(|nanos| OffsetDateTime::from_unix_timestamp_nanos(nanos).ok())
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// The calendar day at this instant where the clock is `offset_seconds` from UTC (the
    /// caller looks the offset up in its time zone); UTC's day if the offset is out of range.
    pub fn date_at_offset(self, offset_seconds: i32) -> time::Date {
        let utc = self.to_datetime();
        time::UtcOffset::from_whole_seconds(offset_seconds)
            .map_or(utc.date(), |offset| utc.to_offset(offset).date())
    }

    /// RFC 3339 in UTC with microseconds, e.g. `2026-11-28T14:33:13.123456Z`.
    pub fn to_rfc3339(self) -> String {
        self.to_datetime().format(&Rfc3339).unwrap_or_else(|_| self.0.to_string())
    }

    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(1_000_000)))
    }

    pub fn minus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_sub(seconds.saturating_mul(1_000_000)))
    }
}

/// JSON carries instants as RFC 3339 strings; storage uses [`Timestamp::unix_micros`].
impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamp_formats_as_rfc3339_utc() {
        let t = Timestamp::from_unix_micros(1_795_883_593_123_456);
        assert_eq!(t.to_rfc3339(), "2026-11-28T16:33:13.123456Z");
        assert_eq!(Timestamp::from_datetime(t.to_datetime()), t);
    }

    #[test]
    fn adding_seconds_moves_by_a_million_micros_each() {
        let t = Timestamp::from_unix_micros(0);
        assert_eq!(t.plus_seconds(3).unix_micros(), 3_000_000);
        assert_eq!(t.plus_seconds(3).minus_seconds(1).unix_micros(), 2_000_000);
    }
}
