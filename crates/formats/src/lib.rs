//! # redress-formats — pure writers and parsers
//!
//! Files Redress hands to other tools, written without IO so they can be tested byte for byte:
//! the plain-text journal that `hledger` and `ledger` both read ([`journal`]), CSV exports
//! ([`csv`]), printable statements ([`statement`]) and ISO 20022 bank files ([`iso20022`]:
//! pain.001 payment orders out, pain.002 status reports in). Writers take rows and return
//! strings, parsers take strings; the caller does the IO.

pub mod csv;
pub mod iso20022;
pub mod journal;
pub mod statement;
