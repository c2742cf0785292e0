//! Estimating the model without labels.
//!
//! - **u** (how often each level occurs between different people) is counted on pairs drawn at
//!   random: almost all of them are different people. Levels never seen get half a count, so
//!   a document number agreeing is strong evidence but not infinite.
//! - **m** (how often each level occurs between two records of the same person) comes from
//!   expectation–maximisation on the candidate pairs the blocking rules produce: a two-class
//!   mixture of comparison vectors, fields independent within each class. EM estimates m, the
//!   candidates' own u and the share of matches among candidates; only m is kept, because the
//!   candidates' u is biased by the blocking (candidates agree on some key by construction).
//! - **the prior λ** is the expected number of matches among the candidates (the sum of EM's
//!   posterior probabilities) divided by the number of all possible pairs.
//!
//! EM runs on the distinct comparison vectors with their counts, not on pairs: a few thousand
//! patterns stand for hundreds of thousands of pairs.

use std::collections::HashMap;

use crate::blocking::{self, BlockingOptions};
use crate::compare::{self, Comparison, Prepared, FIELDS, MISSING};
use crate::model::{
    clamp, surnames_agree, FieldParameters, LevelParameters, Model, TermFrequencies, HOUSEHOLD_FIELDS,
};
use crate::record::Record;
use crate::rng::SplitMix64;

/// How training runs.
#[derive(Clone, Debug)]
pub struct TrainingOptions {
    /// Random pairs to count u on.
    pub random_pairs: usize,
    pub max_iterations: usize,
    /// EM stops when no parameter moves more than this.
    pub tolerance: f64,
    pub seed: u64,
}

impl Default for TrainingOptions {
    fn default() -> TrainingOptions {
        TrainingOptions { random_pairs: 200_000, max_iterations: 200, tolerance: 1e-6, seed: 0x5EED_0016 }
    }
}

/// What training did.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingReport {
    pub candidate_pairs: usize,
    pub distinct_patterns: usize,
    pub random_pairs: usize,
    pub iterations: usize,
    pub converged: bool,
    /// Expected matches among the candidates (sum of posterior probabilities).
    pub expected_matches: f64,
}

/// One or two sets of prepared records.
#[derive(Clone, Copy)]
pub(crate) enum Sides<'a> {
    Dedupe(&'a [Prepared]),
    Link(&'a [Prepared], &'a [Prepared]),
}

impl<'a> Sides<'a> {
    pub fn pair(&self, i: u32, j: u32) -> (&'a Prepared, &'a Prepared) {
        match *self {
            Sides::Dedupe(records) => (&records[i as usize], &records[j as usize]),
            Sides::Link(a, b) => (&a[i as usize], &b[j as usize]),
        }
    }

    pub fn total_pairs(&self) -> f64 {
        match *self {
            Sides::Dedupe(records) => {
                let n = records.len() as f64;
                n * (n - 1.0) / 2.0
            }
            Sides::Link(a, b) => a.len() as f64 * b.len() as f64,
        }
    }

    fn random_pair(&self, rng: &mut SplitMix64) -> Option<(u32, u32)> {
        match *self {
            Sides::Dedupe(records) => {
                if records.len() < 2 {
                    return None;
                }
                let i = rng.below(records.len());
                let mut j = rng.below(records.len() - 1);
                if j >= i {
                    j += 1;
                }
                Some((i as u32, j as u32))
            }
            Sides::Link(a, b) => {
                if a.is_empty() || b.is_empty() {
                    return None;
                }
                Some((rng.below(a.len()) as u32, rng.below(b.len()) as u32))
            }
        }
    }

    pub fn term_frequencies(&self) -> TermFrequencies {
        match *self {
            Sides::Dedupe(records) => TermFrequencies::from_prepared(records),
            Sides::Link(a, b) => TermFrequencies::from_prepared(a.iter().chain(b)),
        }
    }
}

/// Per field, per level (in [`crate::Field::levels`] order).
pub type Probabilities = Vec<Vec<f64>>;

/// The parameters EM estimates.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameters {
    pub m: Probabilities,
    pub u: Probabilities,
    /// u of the household fields among pairs whose surnames agree (used for those fields
    /// only; see [`crate::model::HOUSEHOLD_FIELDS`]).
    pub u_same_surnames: Probabilities,
    /// Share of matches among the pairs.
    pub lambda: f64,
}

impl Parameters {
    /// The parameters of a model (its prior as λ).
    pub fn of(model: &Model) -> Parameters {
        let take = |f: &dyn Fn(&LevelParameters) -> f64| -> Probabilities {
            model.fields.iter().map(|p| p.levels.iter().map(f).collect()).collect()
        };
        Parameters {
            m: take(&|l| l.m),
            u: take(&|l| l.u),
            u_same_surnames: take(&|l| l.u_same_surnames.unwrap_or(l.u)),
            lambda: model.prior,
        }
    }
}

/// The result of EM.
#[derive(Clone, Debug)]
pub struct EmOutcome {
    pub parameters: Parameters,
    pub iterations: usize,
    pub converged: bool,
}

/// Turns counts into probabilities, none below the floor; all zero counts give a uniform
/// distribution.
fn normalise(values: &mut [f64]) {
    let total: f64 = values.iter().sum();
    let uniform = 1.0 / values.len() as f64;
    for v in values.iter_mut() {
        *v = clamp(if total > 0.0 { *v / total } else { uniform });
    }
    let total: f64 = values.iter().sum();
    for v in values.iter_mut() {
        *v /= total;
    }
}

/// Pseudo-pairs of the Dirichlet prior EM puts on each field's m and u (see
/// [`expectation_maximisation`]).
pub const PRIOR_PAIRS: f64 = 10.0;

fn household(f: usize) -> bool {
    HOUSEHOLD_FIELDS.iter().any(|h| h.index() == f)
}

/// Whether the household fields of this comparison use `u_same_surnames`.
fn same_surnames(comparison: &Comparison) -> bool {
    surnames_agree(comparison.level(crate::Field::Surnames))
}

fn scaled(p: &Probabilities, by: f64) -> Probabilities {
    p.iter().map(|l| l.iter().map(|x| x * by).collect()).collect()
}

/// Expectation–maximisation of a two-class mixture over comparison vectors (`patterns`, each
/// with how many pairs have it). Within the match class fields are independent; within the
/// non-match class too, except that the household fields (phone, place) depend on whether the
/// surnames agree: families share them. A missing value contributes to neither class.
///
/// Each M-step adds [`PRIOR_PAIRS`] pseudo-pairs distributed as the starting parameters (a
/// maximum a posteriori estimate under a Dirichlet prior centred on them). Without it a level
/// no true pair happened to show in a few hundred matches (a sex recorded wrongly, a renewed
/// passport) gets m ≈ 0, a weight of −20, and vetoes every future match that shows it.
pub fn expectation_maximisation(
    patterns: &[(Comparison, f64)],
    start: &Parameters,
    max_iterations: usize,
    tolerance: f64,
) -> EmOutcome {
    let mut current = start.clone();
    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_iterations {
        iterations += 1;
        let mut m_sum = scaled(&start.m, PRIOR_PAIRS);
        let mut u_sum = scaled(&start.u, PRIOR_PAIRS);
        let mut s_sum = scaled(&start.u_same_surnames, PRIOR_PAIRS);
        let mut matches = 0.0;
        let mut total = 0.0;
        for (comparison, count) in patterns {
            let same = same_surnames(comparison);
            let mut log_m = current.lambda.ln();
            let mut log_u = (1.0 - current.lambda).ln();
            for (f, index) in comparison.levels.iter().enumerate() {
                if *index != MISSING {
                    let l = usize::from(*index);
                    log_m += current.m[f][l].ln();
                    log_u +=
                        if same && household(f) { current.u_same_surnames[f][l] } else { current.u[f][l] }
                            .ln();
                }
            }
            // Posterior of the match class, computed in logs so long vectors do not underflow.
            let posterior = 1.0 / (1.0 + (log_u - log_m).exp());
            let weight_m = posterior * count;
            let weight_u = (1.0 - posterior) * count;
            matches += weight_m;
            total += count;
            for (f, index) in comparison.levels.iter().enumerate() {
                if *index != MISSING {
                    let l = usize::from(*index);
                    m_sum[f][l] += weight_m;
                    if same && household(f) {
                        s_sum[f][l] += weight_u;
                    } else {
                        u_sum[f][l] += weight_u;
                    }
                }
            }
        }
        let mut change: f64 = 0.0;
        for f in 0..current.m.len() {
            for (next, now) in [
                (&mut m_sum[f], &current.m[f]),
                (&mut u_sum[f], &current.u[f]),
                (&mut s_sum[f], &current.u_same_surnames[f]),
            ] {
                normalise(next);
                for (a, b) in next.iter().zip(now) {
                    change = change.max((a - b).abs());
                }
            }
        }
        let lambda = clamp(if total > 0.0 { matches / total } else { current.lambda });
        change = change.max((lambda - current.lambda).abs());
        current = Parameters { m: m_sum, u: u_sum, u_same_surnames: s_sum, lambda };
        if change < tolerance {
            converged = true;
            break;
        }
    }
    EmOutcome { parameters: current, iterations, converged }
}

/// Counts comparison vectors.
pub(crate) fn patterns(comparisons: &[Comparison]) -> Vec<(Comparison, f64)> {
    let mut counts: HashMap<Comparison, f64> = HashMap::new();
    for comparison in comparisons {
        *counts.entry(*comparison).or_insert(0.0) += 1.0;
    }
    let mut patterns: Vec<(Comparison, f64)> = counts.into_iter().collect();
    // A fixed order, so sums (and the result) do not depend on hashing.
    patterns.sort_by_key(|p| p.0.levels);
    patterns
}

/// u from random pairs, with half a count for levels never seen.
pub(crate) fn random_u(sides: Sides<'_>, samples: usize, seed: u64) -> (Probabilities, usize) {
    let mut rng = SplitMix64::new(seed);
    let mut counts: Probabilities = FIELDS.iter().map(|f| vec![0.0; f.levels().len()]).collect();
    let pairs: Vec<(u32, u32)> = (0..samples).map_while(|_| sides.random_pair(&mut rng)).collect();
    let drawn = pairs.len();
    for comparison in compare_pairs(sides, &pairs) {
        for (f, index) in comparison.levels.iter().enumerate() {
            if *index != MISSING {
                counts[f][usize::from(*index)] += 1.0;
            }
        }
    }
    for levels in counts.iter_mut() {
        for c in levels.iter_mut() {
            *c += 0.5;
        }
        normalise(levels);
    }
    (counts, drawn)
}

fn model_from(
    m: &Probabilities,
    u: &Probabilities,
    u_same_surnames: &Probabilities,
    prior: f64,
    term_frequencies: TermFrequencies,
) -> Model {
    let fields = FIELDS
        .iter()
        .enumerate()
        .map(|(f, field)| FieldParameters {
            field: *field,
            levels: field
                .levels()
                .iter()
                .enumerate()
                .map(|(l, level)| LevelParameters {
                    level: *level,
                    m: m[f][l],
                    u: u[f][l],
                    u_same_surnames: household(f).then(|| u_same_surnames[f][l]),
                })
                .collect(),
        })
        .collect();
    Model { prior: clamp(prior), fields, term_frequencies }
}

/// The comparison vectors of these pairs.
pub(crate) fn compare_pairs(sides: Sides<'_>, pairs: &[(u32, u32)]) -> Vec<Comparison> {
    crate::parallel::map(pairs, 20_000, |&(i, j)| {
        let (a, b) = sides.pair(i, j);
        compare::compare(a, b)
    })
}

/// Trains on prepared records and the comparison vectors of their candidate pairs.
pub(crate) fn train_sides(
    sides: Sides<'_>,
    candidates: &[Comparison],
    options: &TrainingOptions,
) -> (Model, TrainingReport) {
    let (u_random, drawn) = random_u(sides, options.random_pairs, options.seed);
    let patterns = patterns(candidates);
    let mut start = Parameters::of(&Model::default_parameters());
    start.u.clone_from(&u_random);
    // Candidates are enriched in matches; start from one in twenty.
    start.lambda = 0.05;
    let outcome = expectation_maximisation(&patterns, &start, options.max_iterations, options.tolerance);
    let estimated = &outcome.parameters;
    let expected_matches = estimated.lambda * candidates.len() as f64;
    let total = sides.total_pairs().max(1.0);
    let prior = expected_matches.max(1.0) / total;
    // Pairs whose surnames agree are nearly all candidates (the surname rules bring them
    // together), so the candidates' u for them is that of the population.
    let model =
        model_from(&estimated.m, &u_random, &estimated.u_same_surnames, prior, sides.term_frequencies());
    let report = TrainingReport {
        candidate_pairs: candidates.len(),
        distinct_patterns: patterns.len(),
        random_pairs: drawn,
        iterations: outcome.iterations,
        converged: outcome.converged,
        expected_matches,
    };
    (model, report)
}

/// Trains a model to find duplicates within these records.
pub fn train(records: &[Record]) -> Model {
    train_with(records, &TrainingOptions::default(), &BlockingOptions::default()).0
}

/// Trains on one set of records (deduplication), with options.
pub fn train_with(
    records: &[Record],
    options: &TrainingOptions,
    blocking: &BlockingOptions,
) -> (Model, TrainingReport) {
    let prepared: Vec<Prepared> = records.iter().map(Prepared::new).collect();
    let keys: Vec<Vec<String>> = prepared.iter().map(blocking::prepared_keys).collect();
    let candidates = blocking::dedupe_candidates(&keys, blocking);
    let sides = Sides::Dedupe(&prepared);
    train_sides(sides, &compare_pairs(sides, &candidates.pairs), options)
}

/// Trains a model to link two sets of records (each person at most once in each).
pub fn train_link(a: &[Record], b: &[Record]) -> Model {
    let a: Vec<Prepared> = a.iter().map(Prepared::new).collect();
    let b: Vec<Prepared> = b.iter().map(Prepared::new).collect();
    let keys_a: Vec<Vec<String>> = a.iter().map(blocking::prepared_keys).collect();
    let keys_b: Vec<Vec<String>> = b.iter().map(blocking::prepared_keys).collect();
    let candidates = blocking::link_candidates(&keys_a, &keys_b, &BlockingOptions::default());
    let sides = Sides::Link(&a, &b);
    train_sides(sides, &compare_pairs(sides, &candidates.pairs), &TrainingOptions::default()).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::FIELD_COUNT;

    /// Draws comparison vectors from a known mixture and checks that EM, started elsewhere,
    /// finds it again.
    #[test]
    fn em_recovers_a_known_mixture() {
        let mut rng = SplitMix64::new(42);
        // Three fields of three levels (agree, near, disagree); the rest missing.
        let true_m = [[0.85, 0.10, 0.05], [0.75, 0.15, 0.10], [0.90, 0.05, 0.05]];
        let true_u = [[0.02, 0.08, 0.90], [0.05, 0.05, 0.90], [0.01, 0.04, 0.95]];
        let true_lambda = 0.2;
        let draw = |rng: &mut SplitMix64, p: &[f64; 3]| -> u8 {
            let x = rng.unit();
            if x < p[0] {
                0
            } else if x < p[0] + p[1] {
                1
            } else {
                2
            }
        };
        let mut counts: HashMap<Comparison, f64> = HashMap::new();
        for _ in 0..50_000 {
            let is_match = rng.chance(true_lambda);
            let mut levels = [MISSING; FIELD_COUNT];
            for f in 0..3 {
                levels[f] = draw(&mut rng, if is_match { &true_m[f] } else { &true_u[f] });
            }
            *counts.entry(Comparison { levels }).or_insert(0.0) += 1.0;
        }
        let patterns: Vec<(Comparison, f64)> = counts.into_iter().collect();
        let flat = |v: f64| -> Probabilities {
            (0..FIELD_COUNT).map(|_| vec![v, (1.0 - v) / 2.0, (1.0 - v) / 2.0]).collect()
        };
        let start = Parameters { m: flat(0.6), u: flat(0.2), u_same_surnames: flat(0.2), lambda: 0.5 };
        let outcome = expectation_maximisation(&patterns, &start, 500, 1e-9);
        assert!(outcome.converged);
        let found = &outcome.parameters;
        assert!((found.lambda - true_lambda).abs() < 0.02, "lambda {}", found.lambda);
        for f in 0..3 {
            for l in 0..3 {
                assert!((found.m[f][l] - true_m[f][l]).abs() < 0.03, "m[{f}][{l}] = {}", found.m[f][l]);
                assert!((found.u[f][l] - true_u[f][l]).abs() < 0.02, "u[{f}][{l}] = {}", found.u[f][l]);
            }
        }
    }

    #[test]
    fn training_on_the_synthetic_population_finds_high_m_for_agreement() {
        let population = crate::synthetic::population(&crate::synthetic::Options {
            people: 1_500,
            duplicates: 300,
            seed: 3,
        });
        let (model, report) =
            train_with(&population.records, &TrainingOptions::default(), &BlockingOptions::default());
        model.validate().unwrap();
        assert!(report.converged, "{report:?}");
        // About 300 duplicates (and a few pairs within a person with two of them).
        assert!((250.0..450.0).contains(&report.expected_matches), "{report:?}");
        let m = |field: crate::Field, level: crate::Level| {
            model.fields[field.index()].levels.iter().find(|l| l.level == level).unwrap().m
        };
        let u = |field: crate::Field, level: crate::Level| {
            model.fields[field.index()].levels.iter().find(|l| l.level == level).unwrap().u
        };
        use crate::{Field, Level};
        assert!(m(Field::BirthDate, Level::Exact) > 0.6);
        assert!(m(Field::Documents, Level::SameDocument) > 0.5);
        assert!(m(Field::Sex, Level::Agree) > 0.9);
        assert!(m(Field::GivenNames, Level::Disagree) < 0.1);
        assert!(u(Field::BirthDate, Level::Exact) < 0.01);
        assert!(u(Field::Documents, Level::SameDocument) < 0.001);
        let expected = population.true_pairs().len() as f64;
        let total = population.records.len() as f64 * (population.records.len() as f64 - 1.0) / 2.0;
        assert!(model.prior > 0.5 * expected / total && model.prior < 2.0 * expected / total);
    }
}
