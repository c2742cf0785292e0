//! # redress-formats — pure writers
//!
//! Files Redress hands to other tools, written without IO so they can be tested byte for byte:
//! the plain-text journal that `hledger` and `ledger` both read ([`journal`]), CSV exports
//! ([`csv`]) and printable statements ([`statement`]). Writers take rows and return strings;
//! the caller streams them.

pub mod csv;
pub mod journal;
pub mod statement;
