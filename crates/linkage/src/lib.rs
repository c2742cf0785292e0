//! # redress-linkage — one person, one record (issue #16)
//!
//! Probabilistic record linkage for the fund's registrations: the same victim registered twice
//! (by a shelter and by a prosecutor, under a passport and later a residence permit, with
//! María José written "Ma. José") must be one person.
//!
//! - [`Record`]: what a registration says, as written.
//! - [`normalize`]: names as people in the region write them (accents, ñ, particles, two
//!   surnames in either order, compound given names, abbreviations, initials), dates,
//!   documents, phones, nationalities.
//! - [`compare`]: comparison vectors, a [`Level`] per [`Field`].
//! - [`Model`]: Fellegi–Sunter m and u per level, the prior, name frequencies;
//!   [`score_pair`] gives a probability and an [`Explanation`] per field.
//! - [`train()`]: m by EM on candidate pairs, u from random pairs, no labels.
//! - [`blocking`]: keys as plain strings for the caller to hash (the blind index), and the
//!   candidate pairs they give.
//! - [`link()`] / [`dedupe()`]: batches; [`bench`]: FEBRL 4 and the [`synthetic`] population.
//!
//! Pure: no IO except [`febrl::read`], which takes a path.

pub mod bench;
pub mod blocking;
pub mod compare;
pub mod febrl;
pub mod link;
pub mod model;
pub mod normalize;
mod parallel;
pub mod record;
pub mod rng;
pub mod synthetic;
pub mod train;

pub use blocking::{blocking_keys, BlockIndex, BlockingOptions};
pub use compare::{Field, Level, FIELDS};
pub use link::{dedupe, dedupe_with, link, link_with, LinkOptions, Linkage, ScoredPair};
pub use model::{score_pair, Explanation, Model, Scored, TermFrequencies};
pub use record::{Document, Record, Sex};
pub use train::{train, train_link, train_with, TrainingOptions, TrainingReport};
