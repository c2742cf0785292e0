//! Batch linkage: two sets of records against each other, or one set against itself.

use crate::blocking::{self, BlockingOptions, Candidates};
use crate::compare::{Comparison, Prepared};
use crate::model::Model;
use crate::record::Record;
use crate::train::{self, Sides, TrainingOptions, TrainingReport};

/// How a batch runs.
#[derive(Clone, Debug)]
pub struct LinkOptions {
    /// Pairs with a probability at or above this are matches.
    pub threshold: f64,
    /// When linking two sets, match each record at most once, best score first (each set is
    /// assumed to hold each person once). Ignored for deduplication, where a person may have
    /// several repeats.
    pub one_to_one: bool,
    pub blocking: BlockingOptions,
    pub training: TrainingOptions,
}

impl Default for LinkOptions {
    fn default() -> LinkOptions {
        LinkOptions {
            threshold: 0.5,
            one_to_one: true,
            blocking: BlockingOptions::default(),
            training: TrainingOptions::default(),
        }
    }
}

/// A pair above the threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoredPair {
    /// Index in the first set.
    pub a: usize,
    /// Index in the second set (or in the same set, `a < b`, when deduplicating).
    pub b: usize,
    pub probability: f64,
    pub match_weight: f64,
}

/// The outcome of a batch.
#[derive(Clone, Debug)]
pub struct Linkage {
    /// The model used (trained on these records, or the one given).
    pub model: Model,
    /// Matches, highest probability first.
    pub matches: Vec<ScoredPair>,
    pub candidate_pairs: usize,
    pub skipped_blocks: usize,
    /// Present when the model was trained here.
    pub training: Option<TrainingReport>,
}

fn score(
    model: &Model,
    sides: Sides<'_>,
    candidates: &Candidates,
    comparisons: &[Comparison],
    threshold: f64,
) -> Vec<ScoredPair> {
    let weights = model.weights();
    let mut matches: Vec<ScoredPair> = candidates
        .pairs
        .iter()
        .zip(comparisons)
        .filter_map(|(&(i, j), comparison)| {
            let (a, _) = sides.pair(i, j);
            let match_weight = weights.match_weight(model, comparison, a);
            let probability = crate::model::probability(match_weight);
            (probability >= threshold).then_some(ScoredPair {
                a: i as usize,
                b: j as usize,
                probability,
                match_weight,
            })
        })
        .collect();
    matches.sort_by(|x, y| y.match_weight.total_cmp(&x.match_weight).then((x.a, x.b).cmp(&(y.a, y.b))));
    matches
}

/// Keeps each record in at most one pair, best first.
fn one_to_one(matches: Vec<ScoredPair>, a_len: usize, b_len: usize) -> Vec<ScoredPair> {
    let mut used_a = vec![false; a_len];
    let mut used_b = vec![false; b_len];
    matches
        .into_iter()
        .filter(|p| {
            if used_a[p.a] || used_b[p.b] {
                return false;
            }
            used_a[p.a] = true;
            used_b[p.b] = true;
            true
        })
        .collect()
}

fn prepare(records: &[Record]) -> Vec<Prepared> {
    crate::parallel::map(records, 2_000, Prepared::new)
}

fn keys(records: &[Prepared]) -> Vec<Vec<String>> {
    crate::parallel::map(records, 2_000, blocking::prepared_keys)
}

fn run_link(model: Option<&Model>, a: &[Record], b: &[Record], options: &LinkOptions) -> Linkage {
    let a = prepare(a);
    let b = prepare(b);
    let keys_a = keys(&a);
    let keys_b = keys(&b);
    let candidates = blocking::link_candidates(&keys_a, &keys_b, &options.blocking);
    let sides = Sides::Link(&a, &b);
    let comparisons = train::compare_pairs(sides, &candidates.pairs);
    let (model, training) = resolve(model, sides, &comparisons, options);
    let mut matches = score(&model, sides, &candidates, &comparisons, options.threshold);
    if options.one_to_one {
        matches = one_to_one(matches, a.len(), b.len());
    }
    Linkage {
        model,
        matches,
        candidate_pairs: candidates.pairs.len(),
        skipped_blocks: candidates.skipped_blocks,
        training,
    }
}

fn resolve(
    model: Option<&Model>,
    sides: Sides<'_>,
    comparisons: &[Comparison],
    options: &LinkOptions,
) -> (Model, Option<TrainingReport>) {
    match model {
        Some(model) if model.term_frequencies.is_empty() => {
            (model.clone().with_term_frequencies(sides.term_frequencies()), None)
        }
        Some(model) => (model.clone(), None),
        None => {
            let (model, report) = train::train_sides(sides, comparisons, &options.training);
            (model, Some(report))
        }
    }
}

fn run_dedupe(model: Option<&Model>, records: &[Record], options: &LinkOptions) -> Linkage {
    let prepared = prepare(records);
    let keys = keys(&prepared);
    let candidates = blocking::dedupe_candidates(&keys, &options.blocking);
    let sides = Sides::Dedupe(&prepared);
    let comparisons = train::compare_pairs(sides, &candidates.pairs);
    let (model, training) = resolve(model, sides, &comparisons, options);
    let matches = score(&model, sides, &candidates, &comparisons, options.threshold);
    Linkage {
        model,
        matches,
        candidate_pairs: candidates.pairs.len(),
        skipped_blocks: candidates.skipped_blocks,
        training,
    }
}

/// Links two sets of records, training the model on them first.
pub fn link(a: &[Record], b: &[Record], options: &LinkOptions) -> Linkage {
    run_link(None, a, b, options)
}

/// Links two sets of records with a given model (term frequencies are taken from the records
/// when the model has none).
pub fn link_with(model: &Model, a: &[Record], b: &[Record], options: &LinkOptions) -> Linkage {
    run_link(Some(model), a, b, options)
}

/// Finds repeats within one set of records, training the model on them first.
pub fn dedupe(records: &[Record], options: &LinkOptions) -> Linkage {
    run_dedupe(None, records, options)
}

/// Finds repeats within one set of records with a given model.
pub fn dedupe_with(model: &Model, records: &[Record], options: &LinkOptions) -> Linkage {
    run_dedupe(Some(model), records, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_to_one_keeps_the_best_pair_for_each_record() {
        let pair = |a, b, w: f64| ScoredPair { a, b, probability: 0.9, match_weight: w };
        // Sorted best first, as `score` returns them.
        let kept = one_to_one(vec![pair(0, 0, 9.0), pair(1, 0, 8.0), pair(1, 1, 7.0), pair(0, 1, 6.0)], 2, 2);
        assert_eq!(kept, vec![pair(0, 0, 9.0), pair(1, 1, 7.0)]);
    }
}
