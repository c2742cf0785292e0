//! Every route of the application, each added with its access rule.

mod alerts;
pub(crate) mod assets;
pub(crate) mod audit;
mod cases;
mod claims;
mod fund;
mod health;
mod institutions;
pub(crate) mod ledger;
pub(crate) mod orders;
mod public;
pub(crate) mod session;
mod user_admin;
mod users;
mod victims;

use redress_domain::Policy;

use crate::access::{Access, Routes};

pub(crate) const PUBLIC: Access = Access::Policy(Policy::Public);
pub(crate) const AUTHENTICATED: Access = Access::Policy(Policy::Authenticated);

/// Every resource's routes, each module registering its own with their access rules.
pub fn all(mut routes: Routes) -> Routes {
    for register in [
        health::register,
        session::register,
        users::register,
        user_admin::register,
        fund::register,
        institutions::register,
        audit::register,
        ledger::register,
        victims::register,
        cases::register,
        orders::register,
        claims::register,
        assets::register,
        alerts::register,
        public::register,
    ] {
        routes = register(routes);
    }
    routes
}
