//! Seized and confiscated assets: their kinds and their lifecycle, from seizure to money in the
//! fund (or back to their owner, or written off).
//!
//! ```text
//! seized ─► in_custody ─► leased / assigned ─► (back to in_custody)
//!              │
//!              ├─► sale_authorised ─► sold_early (proceeds in escrow) ─┬─► released (confiscation: escrow → fund)
//!              │                                                       └─► returned (escrow paid back)
//!              ├─► confiscated ─► sold (proceeds to the fund)
//!              │        └─► released (cash, or proceeds already in hand, to the fund)
//!              ├─► returned (acquittal, good-faith third party)
//!              └─► written_off (lost, destroyed)
//! ```
//!
//! Each move is dated and cites the document (court order) that allows it. The money each move
//! carries is decided by the app layer, as ledger transfers.

use serde::Serialize;

use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    Cash,
    BankBalance,
    Vehicle,
    RealEstate,
    Business,
    Valuables,
    Other,
}

impl AssetKind {
    pub const ALL: [AssetKind; 7] = [
        AssetKind::Cash,
        AssetKind::BankBalance,
        AssetKind::Vehicle,
        AssetKind::RealEstate,
        AssetKind::Business,
        AssetKind::Valuables,
        AssetKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Cash => "cash",
            AssetKind::BankBalance => "bank_balance",
            AssetKind::Vehicle => "vehicle",
            AssetKind::RealEstate => "real_estate",
            AssetKind::Business => "business",
            AssetKind::Valuables => "valuables",
            AssetKind::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Result<AssetKind, FieldError> {
        let wanted = value.trim().to_ascii_lowercase();
        AssetKind::ALL.into_iter().find(|k| k.as_str() == wanted).ok_or_else(|| {
            FieldError::new(
                "kind",
                "must be cash, bank_balance, vehicle, real_estate, business, valuables or other",
            )
        })
    }

    /// Money itself: it is not sold, its amount goes to the fund when confiscated.
    pub fn is_money(self) -> bool {
        matches!(self, AssetKind::Cash | AssetKind::BankBalance)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetState {
    Seized,
    InCustody,
    Leased,
    Assigned,
    SaleAuthorised,
    SoldEarly,
    Confiscated,
    Sold,
    Released,
    Returned,
    WrittenOff,
}

impl AssetState {
    pub const ALL: [AssetState; 11] = [
        AssetState::Seized,
        AssetState::InCustody,
        AssetState::Leased,
        AssetState::Assigned,
        AssetState::SaleAuthorised,
        AssetState::SoldEarly,
        AssetState::Confiscated,
        AssetState::Sold,
        AssetState::Released,
        AssetState::Returned,
        AssetState::WrittenOff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssetState::Seized => "seized",
            AssetState::InCustody => "in_custody",
            AssetState::Leased => "leased",
            AssetState::Assigned => "assigned",
            AssetState::SaleAuthorised => "sale_authorised",
            AssetState::SoldEarly => "sold_early",
            AssetState::Confiscated => "confiscated",
            AssetState::Sold => "sold",
            AssetState::Released => "released",
            AssetState::Returned => "returned",
            AssetState::WrittenOff => "written_off",
        }
    }

    pub fn parse(value: &str) -> Result<AssetState, FieldError> {
        let wanted = value.trim().to_ascii_lowercase();
        AssetState::ALL.into_iter().find(|s| s.as_str() == wanted).ok_or_else(|| {
            let names: Vec<&str> = AssetState::ALL.iter().map(|s| s.as_str()).collect();
            FieldError::new("state", format!("must be one of {}", names.join(", ")))
        })
    }

    /// The states an asset may move to from this one.
    pub fn next(self) -> &'static [AssetState] {
        use AssetState::*;
        match self {
            Seized => &[InCustody, Confiscated, Returned, WrittenOff],
            InCustody => &[Leased, Assigned, SaleAuthorised, Confiscated, Returned, WrittenOff],
            Leased | Assigned => &[InCustody, SaleAuthorised, Confiscated, Returned, WrittenOff],
            SaleAuthorised => &[SoldEarly, InCustody, Confiscated, Returned],
            SoldEarly => &[Released, Returned],
            Confiscated => &[Sold, Released, WrittenOff],
            Sold | Released | Returned | WrittenOff => &[],
        }
    }

    /// Moves to `to`, or says which moves are allowed from here.
    pub fn transition(self, to: AssetState) -> Result<AssetState, FieldError> {
        if self.next().contains(&to) {
            return Ok(to);
        }
        let allowed: Vec<&str> = self.next().iter().map(|s| s.as_str()).collect();
        let reason = match (self, to) {
            (_, AssetState::SoldEarly) => "an early sale needs a sale authorisation first".to_string(),
            _ if allowed.is_empty() => format!("an asset that is {} cannot change state", self.as_str()),
            _ => format!("an asset that is {} can move only to {}", self.as_str(), allowed.join(", ")),
        };
        Err(FieldError::new("state", reason))
    }

    /// Whether the asset's story has ended.
    pub fn is_final(self) -> bool {
        self.next().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssetState::*;

    fn walk(path: &[AssetState]) -> Result<AssetState, FieldError> {
        let mut state = path[0];
        for next in &path[1..] {
            state = state.transition(*next)?;
        }
        Ok(state)
    }

    #[test]
    fn the_three_paths_of_the_issue_are_allowed() {
        assert_eq!(walk(&[Seized, InCustody, SaleAuthorised, SoldEarly, Released]), Ok(Released));
        assert_eq!(walk(&[Seized, InCustody, Confiscated, Sold]), Ok(Sold));
        assert_eq!(walk(&[Seized, InCustody, SaleAuthorised, SoldEarly, Returned]), Ok(Returned));
        assert_eq!(walk(&[Seized, InCustody, Leased, InCustody, Confiscated, Released]), Ok(Released));
    }

    #[test]
    fn a_sale_without_authorisation_is_refused_with_the_reason() {
        let error = InCustody.transition(SoldEarly).unwrap_err();
        assert_eq!(error.field, "state");
        assert!(error.reason.contains("authorisation"), "{}", error.reason);
    }

    #[test]
    fn a_returned_asset_cannot_be_confiscated_and_escrow_is_released_once() {
        assert!(Returned.transition(Confiscated).is_err());
        assert!(Released.transition(Released).is_err());
        assert!(Sold.is_final() && Returned.is_final() && WrittenOff.is_final());
        assert!(!SoldEarly.is_final());
    }

    #[test]
    fn kinds_and_states_parse_by_name() {
        assert_eq!(AssetKind::parse("Real_Estate"), Ok(AssetKind::RealEstate));
        assert!(AssetKind::Cash.is_money() && !AssetKind::Vehicle.is_money());
        assert_eq!(AssetKind::parse("boat").unwrap_err().field, "kind");
        assert_eq!(AssetState::parse("sold_early"), Ok(SoldEarly));
        assert_eq!(AssetState::parse("gone").unwrap_err().field, "state");
    }
}
