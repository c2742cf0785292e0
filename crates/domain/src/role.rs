//! The roles (see docs/design.md). A user holds one or more.

use serde::{Deserialize, Serialize};

use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Registers victims and consent, needs assessments, files claims.
    VictimServices,
    /// Cases, defendants, asset tracing.
    Prosecutor,
    /// Judgments, reparation orders, finality, convict payments, insolvency findings.
    CourtClerk,
    /// Seized assets through custody, sale and confiscation.
    AssetManager,
    /// Reviews claims, runs allocation rounds, proposes payment batches.
    FundOfficer,
    /// Approves batches (never one it proposed), exports bank files, records bank results.
    Treasurer,
    /// Reads everything, verifies the ledger and the audit chain; writes nothing.
    Auditor,
    /// Aggregate statistics only.
    Analyst,
    /// Users, institutions, configuration; never victims' identity.
    Admin,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::VictimServices,
        Role::Prosecutor,
        Role::CourtClerk,
        Role::AssetManager,
        Role::FundOfficer,
        Role::Treasurer,
        Role::Auditor,
        Role::Analyst,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::VictimServices => "victim_services",
            Role::Prosecutor => "prosecutor",
            Role::CourtClerk => "court_clerk",
            Role::AssetManager => "asset_manager",
            Role::FundOfficer => "fund_officer",
            Role::Treasurer => "treasurer",
            Role::Auditor => "auditor",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    /// Parses a role name as given by a user; the error lists the valid names.
    pub fn parse(value: &str) -> Result<Role, FieldError> {
        let wanted = value.trim();
        Role::ALL.into_iter().find(|role| role.as_str() == wanted).ok_or_else(|| {
            let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            FieldError::new("role", format!("unknown role {wanted:?}; expected one of {}", names.join(", ")))
        })
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = FieldError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Role::parse(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
            let json = serde_json_like(role);
            assert_eq!(json, role.as_str());
        }
    }

    #[test]
    fn an_unknown_role_is_refused_with_the_valid_names() {
        let error = Role::parse("superuser").unwrap_err();
        assert_eq!(error.field, "role");
        assert!(error.reason.contains("fund_officer"), "{}", error.reason);
    }

    fn serde_json_like(role: Role) -> String {
        // The serde name must equal `as_str`; Display uses `as_str`.
        role.to_string()
    }
}
