//! Who may use a route or a use case. Deny by default: a route is reachable only through a
//! declared [`Policy`], and [`Policy::allows`] is the one place where roles are compared.

use crate::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// No login: health checks, the public transparency pages, logging in.
    Public,
    /// Any logged-in user, whatever their roles (their own profile, logging out).
    Authenticated,
    /// A logged-in user holding at least one of these roles.
    AnyOf(&'static [Role]),
}

impl Policy {
    /// Whether a caller holding `roles` may pass. `Public` lets anyone through, including callers
    /// with no session; the other variants require a session (checked by the caller of this).
    pub fn allows(&self, roles: &[Role]) -> bool {
        match self {
            Policy::Public | Policy::Authenticated => true,
            Policy::AnyOf(allowed) => roles.iter().any(|role| allowed.contains(role)),
        }
    }

    pub fn requires_session(&self) -> bool {
        !matches!(self, Policy::Public)
    }

    /// A short human description, used in the OpenAPI document: `public`, `authenticated`,
    /// `roles: admin, auditor`.
    pub fn describe(&self) -> String {
        match self {
            Policy::Public => "public".to_string(),
            Policy::Authenticated => "authenticated".to_string(),
            Policy::AnyOf(roles) => {
                let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
                format!("roles: {}", names.join(", "))
            }
        }
    }
}

/// The policies used by the foundation's routes, named so that the access rules read as a table.
pub mod rules {
    use super::Policy;
    use crate::Role;

    /// Managing users and institutions.
    pub const ADMINISTER_USERS: Policy = Policy::AnyOf(&[Role::Admin]);
    /// Reading the audit trail and verifying its chain.
    pub const READ_AUDIT_TRAIL: Policy = Policy::AnyOf(&[Role::Auditor]);
    /// Reading the ledger: accounts, statements, balances, traces, exports.
    pub const READ_LEDGER: Policy = Policy::AnyOf(&[Role::FundOfficer, Role::Treasurer, Role::Auditor]);
    /// Creating ledger accounts and manual transfers (budget transfers, holds, corrections).
    pub const WRITE_LEDGER: Policy = Policy::AnyOf(&[Role::FundOfficer]);
    /// Checking the ledger's invariants.
    pub const VERIFY_LEDGER: Policy = Policy::AnyOf(&[Role::Auditor, Role::FundOfficer]);
    /// Opening cases, moving them through their stages, adding defendants and victims.
    pub const MANAGE_CASES: Policy = Policy::AnyOf(&[Role::Prosecutor, Role::CourtClerk]);
    /// Adding a victim to a case: victim services (their own victims), or the case's prosecutor
    /// or court (victims they may already see).
    pub const LINK_CASE_VICTIMS: Policy =
        Policy::AnyOf(&[Role::Prosecutor, Role::CourtClerk, Role::VictimServices]);
    /// Naming the court a case is at: the case's prosecutor's office, or an administrator.
    pub const ASSIGN_CASE_COURT: Policy = Policy::AnyOf(&[Role::Prosecutor, Role::Admin]);
    /// Reading cases (no identity in them: victims appear by code).
    pub const READ_CASES: Policy = Policy::AnyOf(&[
        Role::VictimServices,
        Role::Prosecutor,
        Role::CourtClerk,
        Role::FundOfficer,
        Role::Auditor,
    ]);
    /// Recording alerts (reported or suspected cases) and running their response: convening
    /// and holding the 24-hour meeting, closing or confirming the alert. The institutions of
    /// the response that have a role today; the police has none yet. Each write also needs the
    /// caller's institution to have recorded the alert or be concerned by it.
    pub const RECORD_ALERTS: Policy =
        Policy::AnyOf(&[Role::Prosecutor, Role::VictimServices, Role::FundOfficer]);
    /// Reading alerts (no identity in them): the institutions an alert concerns and the one
    /// that recorded it, fund officers and auditors.
    pub const READ_ALERTS: Policy =
        Policy::AnyOf(&[Role::Prosecutor, Role::VictimServices, Role::FundOfficer, Role::Auditor]);
    /// Recording judgments, reparation orders, finality, payments by the convicted and
    /// insolvency findings.
    pub const RECORD_JUDGMENTS: Policy = Policy::AnyOf(&[Role::CourtClerk]);
    /// Reading judgments and orders with their figures and fund eligibility.
    pub const READ_ORDERS: Policy = Policy::AnyOf(&[
        Role::VictimServices,
        Role::Prosecutor,
        Role::CourtClerk,
        Role::FundOfficer,
        Role::Auditor,
    ]);
    /// The asset register and its lifecycle (the money moves with it).
    pub const MANAGE_ASSETS: Policy = Policy::AnyOf(&[Role::AssetManager]);
    /// Reading assets with their money trail.
    pub const READ_ASSETS: Policy =
        Policy::AnyOf(&[Role::AssetManager, Role::FundOfficer, Role::Auditor, Role::Prosecutor]);
    /// Registering victims, their consent and its withdrawal.
    pub const REGISTER_VICTIMS: Policy = Policy::AnyOf(&[Role::VictimServices]);
    /// Reading a victim's record (identity only as [`identity_visible`] allows).
    pub const READ_VICTIMS: Policy = Policy::AnyOf(&[
        Role::VictimServices,
        Role::Prosecutor,
        Role::CourtClerk,
        Role::FundOfficer,
        Role::Treasurer,
        Role::Auditor,
    ]);

    /// Whether a caller with `roles` may see a victim's identity (the role table in docs/design.md):
    /// victim services only for victims of their own institution; prosecutors and court clerks
    /// only for victims of their cases; fund officers and auditors always (every read audited);
    /// treasurers only as payees of their batches; analysts and administrators never.
    pub fn identity_visible(
        roles: &[Role],
        same_institution: bool,
        in_their_case: bool,
        payee_of_their_batch: bool,
    ) -> bool {
        roles.iter().any(|role| match role {
            Role::VictimServices => same_institution,
            Role::Prosecutor | Role::CourtClerk => in_their_case,
            Role::FundOfficer | Role::Auditor => true,
            Role::Treasurer => payee_of_their_batch,
            Role::AssetManager | Role::Analyst | Role::Admin => false,
        })
    }

    /// Filing claims and advance requests for victims, and recording identity verification.
    pub const FILE_CLAIMS: Policy = Policy::AnyOf(&[Role::VictimServices]);
    /// Deciding claims (approve or reject), running allocation rounds, proposing payment
    /// batches and recording recoveries from the convicted.
    pub const DECIDE_CLAIMS: Policy = Policy::AnyOf(&[Role::FundOfficer]);
    /// Reading claims with their eligibility, tier and deadlines (victim services: only their
    /// institution's victims).
    pub const READ_CLAIMS: Policy =
        Policy::AnyOf(&[Role::VictimServices, Role::FundOfficer, Role::Treasurer, Role::Auditor]);
    /// Reading allocation rounds and payment batches.
    pub const READ_PAYMENTS: Policy = Policy::AnyOf(&[Role::FundOfficer, Role::Treasurer, Role::Auditor]);
    /// Approving payment batches (never one's own), exporting bank files, recording bank results.
    pub const APPROVE_PAYMENTS: Policy = Policy::AnyOf(&[Role::Treasurer]);
    /// Aggregate statistics with small cells suppressed (never a person).
    pub const READ_STATISTICS: Policy =
        Policy::AnyOf(&[Role::Analyst, Role::Auditor, Role::FundOfficer, Role::VictimServices]);
    /// Publishing a new version of the fund's allocation policy (configuration).
    pub const MANAGE_POLICY: Policy = Policy::AnyOf(&[Role::Admin]);

    /// Setting the fund's details (name, bank account, bank, tax id).
    pub const MANAGE_FUND: Policy = Policy::AnyOf(&[Role::Admin]);
    /// Reading the fund's details and what is missing for a first payment.
    pub const READ_FUND: Policy =
        Policy::AnyOf(&[Role::Admin, Role::FundOfficer, Role::Treasurer, Role::Auditor]);

    /// Scraping operational metrics (no personal data in them).
    pub const READ_METRICS: Policy = Policy::AnyOf(&[Role::Admin, Role::Auditor]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_policy_admits_only_its_roles() {
        let policy = rules::ADMINISTER_USERS;
        assert!(policy.allows(&[Role::Admin]));
        assert!(policy.allows(&[Role::Analyst, Role::Admin]));
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
            assert!(!policy.allows(&[role]), "{role} must not administer users");
        }
        assert!(!policy.allows(&[]));
    }

    #[test]
    fn the_audit_trail_is_for_auditors_only() {
        for role in Role::ALL {
            assert_eq!(rules::READ_AUDIT_TRAIL.allows(&[role]), role == Role::Auditor);
        }
    }

    #[test]
    fn identity_is_never_visible_to_analysts_or_admins() {
        for role in [Role::Analyst, Role::Admin, Role::AssetManager] {
            assert!(!rules::identity_visible(&[role], true, true, true), "{role}");
        }
        assert!(rules::identity_visible(&[Role::VictimServices], true, false, false));
        assert!(!rules::identity_visible(&[Role::VictimServices], false, false, false));
        assert!(!rules::identity_visible(&[Role::Prosecutor], true, false, false));
        assert!(rules::identity_visible(&[Role::Prosecutor], false, true, false));
        assert!(rules::identity_visible(&[Role::Auditor], false, false, false));
        assert!(!rules::identity_visible(&[Role::Treasurer], true, false, false));
    }

    #[test]
    fn only_public_needs_no_session() {
        assert!(!Policy::Public.requires_session());
        assert!(Policy::Authenticated.requires_session());
        assert!(rules::ADMINISTER_USERS.requires_session());
        assert_eq!(rules::READ_METRICS.describe(), "roles: admin, auditor");
    }
}
