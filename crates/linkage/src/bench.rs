//! The benchmarks behind `redress bench dedup`: FEBRL 4 (linking two files of 5,000 records,
//! 5,000 true pairs) and the synthetic population of the region. Precision, recall and F1 are
//! over pairs; the time covers normalisation, blocking, training and scoring, not reading files.

use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

use crate::blocking;
use crate::compare::Prepared;
use crate::febrl::{self, FebrlError};
use crate::link::{self, LinkOptions};
use crate::synthetic;

/// The figures of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// `redress-febrl4`, `redress-synthetic`.
    pub system: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub seconds: f64,
    pub true_pairs: usize,
    pub predicted_pairs: usize,
    pub correct_pairs: usize,
    pub candidate_pairs: usize,
    /// Share of the true pairs that blocking made candidates (the ceiling on recall).
    pub pairs_completeness: f64,
}

impl Report {
    /// `system: precision P recall R f1 F seconds S`.
    pub fn line(&self) -> String {
        format!(
            "{}: precision {:.4} recall {:.4} f1 {:.4} seconds {:.2}",
            self.system, self.precision, self.recall, self.f1, self.seconds
        )
    }

    /// Candidates, blocking ceiling and counts, for a second line.
    pub fn details(&self) -> String {
        format!(
            "  {} true pairs, {} predicted, {} correct; {} candidate pairs, blocking keeps {:.4} of the true pairs",
            self.true_pairs, self.predicted_pairs, self.correct_pairs, self.candidate_pairs, self.pairs_completeness
        )
    }
}

fn report(
    system: &str,
    predicted: &[(usize, usize)],
    truth: &HashSet<(usize, usize)>,
    seconds: f64,
    candidate_pairs: usize,
    pairs_completeness: f64,
) -> Report {
    let correct = predicted.iter().filter(|p| truth.contains(p)).count();
    let precision = if predicted.is_empty() { 0.0 } else { correct as f64 / predicted.len() as f64 };
    let recall = if truth.is_empty() { 0.0 } else { correct as f64 / truth.len() as f64 };
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    Report {
        system: system.to_string(),
        precision,
        recall,
        f1,
        seconds,
        true_pairs: truth.len(),
        predicted_pairs: predicted.len(),
        correct_pairs: correct,
        candidate_pairs,
        pairs_completeness,
    }
}

/// Links `dataset4a.csv` with `dataset4b.csv` in `dir`, training on them.
pub fn febrl4(dir: &Path, options: &LinkOptions) -> Result<Report, FebrlError> {
    let a = febrl::read(&dir.join("dataset4a.csv"))?;
    let b = febrl::read(&dir.join("dataset4b.csv"))?;
    let records_a: Vec<_> = a.iter().map(|r| r.record.clone()).collect();
    let records_b: Vec<_> = b.iter().map(|r| r.record.clone()).collect();
    let started = Instant::now();
    let linkage = link::link(&records_a, &records_b, options);
    let seconds = started.elapsed().as_secs_f64();
    let mut truth = HashSet::new();
    let mut by_person = std::collections::HashMap::new();
    for (i, r) in a.iter().enumerate() {
        if let Some(p) = r.person() {
            by_person.insert(p.to_string(), i);
        }
    }
    for (j, r) in b.iter().enumerate() {
        if let Some(i) = r.person().and_then(|p| by_person.get(p)) {
            truth.insert((*i, j));
        }
    }
    let predicted: Vec<(usize, usize)> = linkage.matches.iter().map(|p| (p.a, p.b)).collect();
    // The blocking ceiling, outside the timing.
    let keys_a: Vec<Vec<String>> =
        records_a.iter().map(|r| blocking::prepared_keys(&Prepared::new(r))).collect();
    let keys_b: Vec<Vec<String>> =
        records_b.iter().map(|r| blocking::prepared_keys(&Prepared::new(r))).collect();
    let candidates = blocking::link_candidates(&keys_a, &keys_b, &options.blocking);
    let candidate_set: HashSet<(usize, usize)> =
        candidates.pairs.iter().map(|&(i, j)| (i as usize, j as usize)).collect();
    let completeness =
        truth.iter().filter(|p| candidate_set.contains(p)).count() as f64 / truth.len().max(1) as f64;
    Ok(report("redress-febrl4", &predicted, &truth, seconds, linkage.candidate_pairs, completeness))
}

/// Deduplicates a synthetic population, training on it.
pub fn synthetic(options: &LinkOptions, population: &synthetic::Options) -> Report {
    let population = synthetic::population(population);
    let started = Instant::now();
    let linkage = link::dedupe(&population.records, options);
    let seconds = started.elapsed().as_secs_f64();
    let truth = population.true_pairs();
    let predicted: Vec<(usize, usize)> = linkage.matches.iter().map(|p| (p.a, p.b)).collect();
    let keys: Vec<Vec<String>> =
        population.records.iter().map(|r| blocking::prepared_keys(&Prepared::new(r))).collect();
    let candidates = blocking::dedupe_candidates(&keys, &options.blocking);
    let candidate_set: HashSet<(usize, usize)> =
        candidates.pairs.iter().map(|&(i, j)| (i as usize, j as usize)).collect();
    let completeness =
        truth.iter().filter(|p| candidate_set.contains(p)).count() as f64 / truth.len().max(1) as f64;
    report("redress-synthetic", &predicted, &truth, seconds, linkage.candidate_pairs, completeness)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_computed_from_the_pairs() {
        let truth: HashSet<(usize, usize)> = [(0, 1), (2, 3), (4, 5), (6, 7)].into_iter().collect();
        let r = report("x", &[(0, 1), (2, 3), (1, 9)], &truth, 1.234, 10, 1.0);
        assert!((r.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((r.recall - 0.5).abs() < 1e-12);
        assert!((r.f1 - 4.0 / 7.0).abs() < 1e-12);
        assert_eq!(r.line(), "x: precision 0.6667 recall 0.5000 f1 0.5714 seconds 1.23");
    }

    /// The hand-set default model, untrained, on a population it has not seen (another seed):
    /// what the server gets on arrival before the first training.
    #[test]
    fn the_default_model_works_without_training() {
        let population =
            synthetic::population(&synthetic::Options { people: 2_000, duplicates: 400, seed: 7 });
        let linkage =
            link::dedupe_with(&crate::Model::default(), &population.records, &LinkOptions::default());
        assert!(linkage.training.is_none());
        let truth = population.true_pairs();
        let predicted: Vec<(usize, usize)> = linkage.matches.iter().map(|p| (p.a, p.b)).collect();
        let r = report("default", &predicted, &truth, 0.0, linkage.candidate_pairs, 1.0);
        assert!(r.precision >= 0.95, "{}", r.line());
        assert!(r.recall >= 0.9, "{}", r.line());
    }

    /// End to end on the synthetic population (smaller than the benchmark's, for debug builds):
    /// trained without labels, the linkage finds the repeats.
    #[test]
    fn synthetic_population_end_to_end() {
        let population = synthetic::Options { people: 2_000, duplicates: 400, seed: 99 };
        let r = synthetic(&LinkOptions::default(), &population);
        assert!(r.precision >= 0.98, "{}\n{}", r.line(), r.details());
        assert!(r.recall >= 0.95, "{}\n{}", r.line(), r.details());
    }
}
