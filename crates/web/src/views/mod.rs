//! The shapes in which the API answers and the pages show records, shared by both so that a
//! record reads the same in JSON and on a page. Built from the application's views; no
//! handler logic here.

pub mod accounts;
pub mod assets;
pub mod ledger;
pub mod orders;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A page of items; pass `next_after` back as `after` for the next page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T: ToSchema> {
    pub items: Vec<T>,
    /// `null` on the last page.
    pub next_after: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Return items after this id (from `next_after`).
    pub after: Option<i64>,
    /// At most this many items (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}
