//! Who is acting, and the request they act in.

use redress_domain::{InstitutionId, Policy, Role, UserId};
use serde::Serialize;

use crate::AppError;

/// The authenticated caller. Built only by authentication (a session) or by the local operator's
/// CLI ([`Actor::operator`]); handlers never build one from request data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// `None` for the operator at the command line.
    pub user_id: Option<UserId>,
    pub username: String,
    pub display_name: Option<String>,
    pub roles: Vec<Role>,
    pub institution_id: Option<InstitutionId>,
    pub institution: Option<String>,
    /// The session the request came with (hash of its token), when it came with one.
    #[serde(skip)]
    pub session_id: Option<String>,
}

impl Actor {
    /// The operator running `redress` commands on the server itself. Having the database, the
    /// operator can do what an administrator does — and no more: no victims' identity.
    pub fn operator() -> Actor {
        Actor {
            user_id: None,
            username: "cli".to_string(),
            display_name: None,
            roles: vec![Role::Admin],
            institution_id: None,
            institution: None,
            session_id: None,
        }
    }

    /// The server acting on its own behalf (bootstrap, scheduled work).
    pub fn system() -> Actor {
        Actor { username: "system".to_string(), ..Actor::operator() }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// `Ok` when `policy` admits this actor, `Forbidden` otherwise.
    pub fn require(&self, policy: Policy) -> Result<(), AppError> {
        if policy.allows(&self.roles) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Facts about the request that the audit trail records.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub request_id: Option<String>,
    /// The client's address as seen by the server (or by a trusted proxy).
    pub client_address: Option<String>,
    pub user_agent: Option<String>,
}
