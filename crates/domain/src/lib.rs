//! # redress-domain — the rules of the fund, with no IO
//!
//! This crate is the bottom of the dependency graph: it knows nothing about SQL, HTTP, async or
//! the clock. Everything here is a plain value or a pure function, tested in microseconds.
//!
//! Design decisions:
//! - **Parse, don't validate.** Every string from outside becomes a newtype through `parse`
//!   ([`Username::parse`], [`InstitutionName::parse`], [`Role`]'s `FromStr`), and the code above
//!   accepts only the parsed types. Errors name the field and the reason ([`FieldError`]).
//! - **Authorization is data.** [`Policy`] says, for each route or use case, which roles may act;
//!   the web layer refuses to register a route without one.
//! - **The audit chain is computed here** ([`audit`]): the hash of an entry covers every field and
//!   the previous entry's hash, so altering, removing or reordering a row breaks the chain at
//!   that row, and [`audit::verify_chain`] names it.
//! - **Secrets** are wrapped in [`Secret`], whose `Debug` and `Display` print `***`.
//! - **Money is opaque** ([`Amount`]): its count of minor units is private and changes only
//!   through checked operations returning [`money::Overflow`]. The crate denies
//!   `clippy::arithmetic_side_effects`, so no integer operator here can wrap or panic unseen.
#![deny(clippy::float_arithmetic)]
#![deny(clippy::arithmetic_side_effects)]

pub mod alerts;
pub mod allocation;
pub mod assets;
pub mod audit;
pub mod cases;
pub mod checkpoint;
pub mod claims;
pub mod error;
pub mod fund;
pub mod ids;
pub mod ledger;
pub mod money;
pub mod orders;
pub mod payments;
pub mod policy;
pub mod role;
pub mod secret;
pub mod time;
pub mod user;
pub mod victims;

pub use error::{FieldError, FieldErrors};
pub use ids::{InstitutionId, UserId};
pub use money::{Amount, Currency};
pub use policy::Policy;
pub use role::Role;
pub use secret::Secret;
pub use time::Timestamp;
pub use user::{InstitutionKind, InstitutionName, Password, PasswordRules, Username};
