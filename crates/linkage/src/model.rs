//! The Fellegi–Sunter model: m and u probabilities per field and level, the prior, term
//! frequencies of names, and the score of a pair with its explanation.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::compare::{self, Comparison, Field, Level, Prepared, FIELDS, FIELD_COUNT, MISSING};
use crate::normalize::NameToken;
use crate::record::Record;

/// Probabilities are kept in `[PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR]`, so no level is
/// certain proof for or against (a weight of ±infinity).
pub const PROBABILITY_FLOOR: f64 = 1e-7;

/// One level of one field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelParameters {
    pub level: Level,
    /// P(this level | the records are the same person).
    pub m: f64,
    /// P(this level | the records are different people).
    pub u: f64,
    /// For the household fields ([`HOUSEHOLD_FIELDS`]): P(this level | different people whose
    /// surnames agree). Sisters share surnames, a district and often one phone; with the plain
    /// `u`, a shared phone would count as if strangers shared it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub u_same_surnames: Option<f64>,
}

/// Fields a family shares: among different people, they agree far more often when the
/// surnames agree, so the model does not take them as independent of the surnames.
pub const HOUSEHOLD_FIELDS: [Field; 2] = [Field::Phone, Field::Place];

/// Whether a surname level counts as "the surnames agree" for the household fields.
pub fn surnames_agree(level: Level) -> bool {
    matches!(level, Level::Exact | Level::ExactFolded | Level::Swapped | Level::JaroWinklerHigh)
}

/// The levels of one field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldParameters {
    pub field: Field,
    /// In the order of [`Field::levels`].
    pub levels: Vec<LevelParameters>,
}

/// How often each word of a name occurs in the population being linked. A rare surname that
/// agrees is stronger evidence than "García" or "Quispe" agreeing.
///
/// It holds clear name words: keep it in memory, or with the sealed data, never beside the
/// blind index.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TermFrequencies {
    given: HashMap<String, u32>,
    given_total: u64,
    surnames: HashMap<String, u32>,
    surnames_total: u64,
}

impl TermFrequencies {
    /// Counts the name words of these records.
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a Record>) -> TermFrequencies {
        let prepared: Vec<Prepared> = records.into_iter().map(Prepared::new).collect();
        TermFrequencies::from_prepared(prepared.iter())
    }

    pub(crate) fn from_prepared<'a>(records: impl IntoIterator<Item = &'a Prepared>) -> TermFrequencies {
        let mut tf = TermFrequencies::default();
        for record in records {
            for token in record.given.iter().filter(|t| !t.initial) {
                *tf.given.entry(token.folded.clone()).or_insert(0) += 1;
                tf.given_total += 1;
            }
            for token in record.surnames.iter().filter(|t| !t.initial) {
                *tf.surnames.entry(token.folded.clone()).or_insert(0) += 1;
                tf.surnames_total += 1;
            }
        }
        tf
    }

    pub fn is_empty(&self) -> bool {
        self.given_total == 0 && self.surnames_total == 0
    }

    /// The share of all words of this field's names that are this word; a word never seen
    /// counts as seen once.
    pub fn frequency(&self, field: Field, word: &str) -> Option<f64> {
        let (table, total) = match field {
            Field::GivenNames => (&self.given, self.given_total),
            Field::Surnames => (&self.surnames, self.surnames_total),
            _ => return None,
        };
        if total == 0 {
            return None;
        }
        let count = table.get(word).copied().unwrap_or(0).max(1);
        Some(f64::from(count) / total as f64)
    }

    /// The probability that a random other record has this name: the product of its words'
    /// frequencies, but never below a word seen once (with a few thousand records nothing
    /// rarer can be measured).
    pub fn name_u(&self, field: Field, tokens: &[NameToken]) -> Option<f64> {
        let total = match field {
            Field::GivenNames => self.given_total,
            Field::Surnames => self.surnames_total,
            _ => return None,
        };
        let mut u = 1.0;
        let mut any = false;
        for token in tokens.iter().filter(|t| !t.initial) {
            u *= self.frequency(field, &token.folded)?;
            any = true;
        }
        any.then(|| u.max(1.0 / total as f64))
    }
}

/// The parameters of the Fellegi–Sunter model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// λ: the probability that two records drawn at random are the same person.
    pub prior: f64,
    /// One entry per field, in [`FIELDS`] order.
    pub fields: Vec<FieldParameters>,
    /// Name word frequencies for the term-frequency adjustment; empty: no adjustment.
    pub term_frequencies: TermFrequencies,
}

/// What one field says about a pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub field: Field,
    pub level: Level,
    /// log2(m/u) for this level plus the term-frequency adjustment: positive supports the
    /// match, negative opposes it, zero (a missing value) says nothing.
    pub weight: f64,
    /// The part of `weight` due to how common the agreeing name is (negative for García,
    /// positive for a rare surname).
    pub term_frequency_adjustment: f64,
}

/// The score of a pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// P(same person | comparison vector).
    pub probability: f64,
    /// log2 of the posterior odds: `prior_weight` plus the fields' weights.
    pub match_weight: f64,
    /// log2(λ / (1 − λ)).
    pub prior_weight: f64,
    /// One per field, in [`FIELDS`] order.
    pub explanations: Vec<Explanation>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {:+.2}", self.field.as_str(), self.level.as_str(), self.weight)?;
        if self.term_frequency_adjustment != 0.0 {
            write!(f, " (name frequency {:+.2})", self.term_frequency_adjustment)?;
        }
        Ok(())
    }
}

impl fmt::Display for Scored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "probability {:.4}, match weight {:+.2} (prior {:+.2})",
            self.probability, self.match_weight, self.prior_weight
        )?;
        for e in &self.explanations {
            write!(f, "; {e}")?;
        }
        Ok(())
    }
}

/// Converts a match weight (log2 odds) to a probability.
pub fn probability(match_weight: f64) -> f64 {
    let odds = match_weight.exp2();
    if odds.is_infinite() {
        1.0
    } else {
        odds / (1.0 + odds)
    }
}

/// log2(p / (1 − p)).
pub fn log_odds(p: f64) -> f64 {
    let p = p.clamp(PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR);
    (p / (1.0 - p)).log2()
}

pub(crate) fn clamp(p: f64) -> f64 {
    p.clamp(PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR)
}

/// Whether the term-frequency adjustment applies to this level of this field.
pub fn term_frequency_level(field: Field, level: Level) -> bool {
    matches!(field, Field::GivenNames | Field::Surnames)
        && matches!(level, Level::Exact | Level::ExactFolded | Level::Swapped)
}

/// A field and its (level, m, u) rows, for the hand-set default model.
type FieldTable = (Field, Vec<(Level, f64, f64)>);

impl Default for Model {
    fn default() -> Model {
        Model::default_parameters()
    }
}

impl Model {
    /// Parameters set by hand, for matching a registration on arrival before any training.
    ///
    /// These are assumptions, not measurements (there are no labelled registrations to measure
    /// on): m (how often a level occurs between two registrations of the same person) assumes
    /// names mostly exact, one in ten with a typo or lost accents, a document changed in a sixth
    /// of the repeats; u (how often it occurs between different people) assumes a registry of
    /// some ten thousand people with the region's frequent names; the prior assumes one
    /// registration in ten is a repeat, so λ ≈ 0.1 / 10 000. [`crate::train`] estimates all of
    /// them from the data instead.
    pub fn default_parameters() -> Model {
        use Level::*;
        // (level, m, u, u among different people with the same surnames).
        let names = |exact_u: f64| -> Vec<(Level, f64, f64)> {
            vec![
                (Exact, 0.78, exact_u),
                (ExactFolded, 0.06, exact_u * 0.3),
                (Swapped, 0.03, exact_u * 0.05),
                (JaroWinklerHigh, 0.05, 0.002),
                (JaroWinklerMid, 0.02, 0.01),
                (Partial, 0.03, 0.004),
                (SharesToken, 0.01, 0.03),
                (Initials, 0.01, 0.002),
                (Disagree, 0.01, 0.95),
            ]
        };
        let table: [FieldTable; FIELD_COUNT] = [
            (Field::GivenNames, names(0.004)),
            (Field::Surnames, names(0.002)),
            (
                Field::BirthDate,
                vec![
                    (Exact, 0.88, 0.00007),
                    (DayMonthSwapped, 0.02, 0.00003),
                    (OneTypo, 0.05, 0.0015),
                    (Partial, 0.02, 0.003),
                    (YearClose, 0.01, 0.06),
                    (Disagree, 0.02, 0.94),
                ],
            ),
            (Field::Sex, vec![(Agree, 0.98, 0.5), (Disagree, 0.02, 0.5)]),
            (Field::Nationality, vec![(Agree, 0.96, 0.6), (Disagree, 0.04, 0.4)]),
            (
                Field::Documents,
                vec![
                    (SameDocument, 0.72, 0.00001),
                    (SameNumberOtherType, 0.03, 0.00001),
                    (NumberTypo, 0.03, 0.0001),
                    (OtherDocuments, 0.17, 0.3),
                    (Disagree, 0.05, 0.7),
                ],
            ),
            (Field::Phone, vec![(Exact, 0.6, 0.0002), (OneTypo, 0.03, 0.0005), (Disagree, 0.37, 0.9993)]),
            (
                Field::Place,
                vec![
                    (Exact, 0.55, 0.03),
                    (JaroWinklerHigh, 0.2, 0.02),
                    (JaroWinklerMid, 0.08, 0.03),
                    (SharesToken, 0.05, 0.05),
                    (Disagree, 0.12, 0.87),
                ],
            ),
        ];
        // Among different people with the same surnames (siblings, cousins, strangers with
        // frequent surnames): one pair in twenty shares a phone, two in five a district.
        let same_surnames = |field: Field, level: Level| -> Option<f64> {
            match (field, level) {
                (Field::Phone, Exact) => Some(0.05),
                (Field::Phone, OneTypo) => Some(0.001),
                (Field::Phone, Disagree) => Some(0.949),
                (Field::Place, Exact) => Some(0.4),
                (Field::Place, JaroWinklerHigh) => Some(0.05),
                (Field::Place, JaroWinklerMid) => Some(0.05),
                (Field::Place, SharesToken) => Some(0.1),
                (Field::Place, Disagree) => Some(0.4),
                _ => None,
            }
        };
        let fields = table
            .into_iter()
            .map(|(field, levels)| FieldParameters {
                field,
                levels: levels
                    .into_iter()
                    .map(|(level, m, u)| LevelParameters {
                        level,
                        m,
                        u,
                        u_same_surnames: same_surnames(field, level),
                    })
                    .collect(),
            })
            .collect();
        Model { prior: 0.1 / 10_000.0, fields, term_frequencies: TermFrequencies::default() }
    }

    /// The same model with these name frequencies for the term-frequency adjustment.
    pub fn with_term_frequencies(mut self, term_frequencies: TermFrequencies) -> Model {
        self.term_frequencies = term_frequencies;
        self
    }

    /// The same model with another prior (the registry grew, or one in five arrivals is known
    /// to be a repeat).
    pub fn with_prior(mut self, prior: f64) -> Model {
        self.prior = clamp(prior);
        self
    }

    /// Checks the shape: every field once, in order, with its levels in order, probabilities
    /// in (0, 1).
    pub fn validate(&self) -> Result<(), String> {
        if self.fields.len() != FIELD_COUNT {
            return Err(format!("{} fields, expected {FIELD_COUNT}", self.fields.len()));
        }
        for (parameters, field) in self.fields.iter().zip(FIELDS) {
            if parameters.field != field {
                return Err(format!("field {} out of order", parameters.field.as_str()));
            }
            let levels: Vec<Level> = parameters.levels.iter().map(|l| l.level).collect();
            if levels != field.levels() {
                return Err(format!("levels of {} do not match", field.as_str()));
            }
            for l in &parameters.levels {
                if !(l.m > 0.0 && l.m < 1.0 && l.u > 0.0 && l.u < 1.0) {
                    return Err(format!(
                        "{}.{}: m and u must be in (0, 1)",
                        field.as_str(),
                        l.level.as_str()
                    ));
                }
                let household = HOUSEHOLD_FIELDS.contains(&field);
                match l.u_same_surnames {
                    Some(u) if household && u > 0.0 && u < 1.0 => {}
                    None if !household => {}
                    _ => {
                        return Err(format!(
                            "{}.{}: u_same_surnames is required in (0, 1) for household fields only",
                            field.as_str(),
                            l.level.as_str()
                        ))
                    }
                }
            }
        }
        if !(self.prior > 0.0 && self.prior < 1.0) {
            return Err("prior must be in (0, 1)".to_string());
        }
        Ok(())
    }

    /// log2(m/u) of each level of each field, before term frequencies.
    pub(crate) fn weights(&self) -> Weights {
        let mut table = [[0.0; 16]; FIELD_COUNT];
        let mut same_surnames = [[0.0; 16]; FIELD_COUNT];
        let mut reference_u = [None; FIELD_COUNT];
        for (i, parameters) in self.fields.iter().enumerate() {
            for (j, level) in parameters.levels.iter().enumerate() {
                table[i][j] = (clamp(level.m) / clamp(level.u)).log2();
                same_surnames[i][j] =
                    (clamp(level.m) / clamp(level.u_same_surnames.unwrap_or(level.u))).log2();
                if level.level == Level::Exact && term_frequency_level(parameters.field, Level::Exact) {
                    reference_u[i] = Some(clamp(level.u));
                }
            }
        }
        Weights { table, same_surnames, reference_u, prior_weight: log_odds(self.prior) }
    }

    /// Scores a pair of records with this model, with the explanation.
    pub fn score(&self, a: &Record, b: &Record) -> Scored {
        self.score_prepared(&Prepared::new(a), &Prepared::new(b))
    }

    /// Scores two prepared records.
    pub fn score_prepared(&self, a: &Prepared, b: &Prepared) -> Scored {
        let comparison = compare::compare(a, b);
        self.weights().explain(self, &comparison, a)
    }
}

/// The weights of a model, computed once for many pairs.
pub(crate) struct Weights {
    table: [[f64; 16]; FIELD_COUNT],
    /// For household fields when the surnames agree.
    same_surnames: [[f64; 16]; FIELD_COUNT],
    reference_u: [Option<f64>; FIELD_COUNT],
    pub prior_weight: f64,
}

impl Weights {
    fn term_adjustment(&self, model: &Model, field: Field, level: Level, a: &Prepared) -> f64 {
        if model.term_frequencies.is_empty() || !term_frequency_level(field, level) {
            return 0.0;
        }
        let Some(reference) = self.reference_u[field.index()] else {
            return 0.0;
        };
        let tokens = match field {
            Field::GivenNames => &a.given,
            _ => &a.surnames,
        };
        match model.term_frequencies.name_u(field, tokens) {
            Some(u) => (reference / u).log2(),
            None => 0.0,
        }
    }

    /// The match weight of a comparison (prior included); `a` is one of the two records (both
    /// have the same name words when a term-frequency level applies).
    fn table_for(&self, comparison: &Comparison) -> [&[f64; 16]; FIELD_COUNT] {
        let same = surnames_agree(comparison.level(Field::Surnames));
        let mut rows = [&self.table[0]; FIELD_COUNT];
        for (i, field) in FIELDS.iter().enumerate() {
            rows[i] = if same && HOUSEHOLD_FIELDS.contains(field) {
                &self.same_surnames[i]
            } else {
                &self.table[i]
            };
        }
        rows
    }

    pub fn match_weight(&self, model: &Model, comparison: &Comparison, a: &Prepared) -> f64 {
        let rows = self.table_for(comparison);
        let mut total = self.prior_weight;
        for (i, field) in FIELDS.iter().enumerate() {
            let index = comparison.levels[i];
            if index == MISSING {
                continue;
            }
            let level = field.levels()[usize::from(index)];
            total += rows[i][usize::from(index)] + self.term_adjustment(model, *field, level, a);
        }
        total
    }

    pub fn explain(&self, model: &Model, comparison: &Comparison, a: &Prepared) -> Scored {
        let rows = self.table_for(comparison);
        let mut explanations = Vec::with_capacity(FIELD_COUNT);
        let mut total = self.prior_weight;
        for (i, field) in FIELDS.iter().enumerate() {
            let index = comparison.levels[i];
            let level = comparison.level(*field);
            let (weight, adjustment) = if index == MISSING {
                (0.0, 0.0)
            } else {
                let adjustment = self.term_adjustment(model, *field, level, a);
                (rows[i][usize::from(index)] + adjustment, adjustment)
            };
            total += weight;
            explanations.push(Explanation {
                field: *field,
                level,
                weight,
                term_frequency_adjustment: adjustment,
            });
        }
        Scored {
            probability: probability(total),
            match_weight: total,
            prior_weight: self.prior_weight,
            explanations,
        }
    }
}

/// Scores one new registration against one candidate with a trained or fixed model: the
/// probability that they are the same person and each field's weight.
pub fn score_pair(model: &Model, a: &Record, b: &Record) -> Scored {
    model.score(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Document, Sex};

    fn person(given: &str, surnames: &str) -> Record {
        Record {
            given_names: Some(given.into()),
            surnames: Some(surnames.into()),
            birth_date: Some("1992-05-14".into()),
            sex: Some(Sex::Female),
            nationality: Some("PE".into()),
            documents: vec![Document::new("DNI", "41234567")],
            phone: None,
            place: Some("Comas, Lima".into()),
        }
    }

    #[test]
    fn default_model_is_valid_and_serialises() {
        let model = Model::default();
        model.validate().unwrap();
        let json = serde_json::to_string(&model).unwrap();
        let back: Model = serde_json::from_str(&json).unwrap();
        assert_eq!(back, model);
        assert!(json.contains("\"same_document\""), "levels are stored by their stable name");
    }

    #[test]
    fn same_person_scores_high_and_explains_itself() {
        let model = Model::default();
        let a = person("María José", "Quispe Mamani");
        let mut b = person("Ma. José", "Mamani Quispe");
        b.phone = Some("987654321".into());
        let scored = score_pair(&model, &a, &b);
        assert!(scored.probability > 0.99, "{scored}");
        let weights: Vec<(Field, Level)> = scored.explanations.iter().map(|e| (e.field, e.level)).collect();
        assert_eq!(weights[0], (Field::GivenNames, Level::ExactFolded));
        assert_eq!(weights[1], (Field::Surnames, Level::Swapped));
        assert_eq!(weights[6], (Field::Phone, Level::Missing));
        assert_eq!(scored.explanations[6].weight, 0.0);
        let sum: f64 = scored.explanations.iter().map(|e| e.weight).sum::<f64>() + scored.prior_weight;
        assert!((sum - scored.match_weight).abs() < 1e-9);
        assert!(scored.explanations.iter().all(|e| e.field == Field::Phone || e.weight > 0.0));
    }

    #[test]
    fn different_people_score_low_with_negative_weights() {
        let model = Model::default();
        let a = person("María José", "Quispe Mamani");
        let mut b = person("Rosa", "Huamán Torres");
        b.birth_date = Some("1970-12-01".into());
        b.documents = vec![Document::new("DNI", "09876543")];
        let scored = score_pair(&model, &a, &b);
        assert!(scored.probability < 0.001, "{scored}");
        for field in [Field::GivenNames, Field::Surnames, Field::BirthDate, Field::Documents] {
            let e = &scored.explanations[field.index()];
            assert!(e.weight < 0.0, "{e}");
        }
    }

    #[test]
    fn a_common_surname_agreeing_weighs_less_than_a_rare_one() {
        // A registry of 4,000 people, a quarter of them García García.
        let mut records = Vec::new();
        for i in 0..4_000 {
            let surnames =
                if i % 4 == 0 { "García García".to_string() } else { format!("Torres Apellido{i}") };
            records.push(person("Ana", &surnames));
        }
        records.push(person("Ana", "Ccallo Huillca"));
        let tf = TermFrequencies::from_records(&records);
        let model = Model::default().with_term_frequencies(tf);
        let common = score_pair(&model, &person("Ana", "García García"), &person("Ana", "García García"));
        let rare = score_pair(&model, &person("Ana", "Ccallo Huillca"), &person("Ana", "Ccallo Huillca"));
        let c = &common.explanations[Field::Surnames.index()];
        let r = &rare.explanations[Field::Surnames.index()];
        assert_eq!(c.level, Level::Exact);
        assert_eq!(r.level, Level::Exact);
        assert!(c.weight < r.weight, "García {c} against rare {r}");
        assert!(c.term_frequency_adjustment < r.term_frequency_adjustment);
        assert!(r.term_frequency_adjustment > 0.0);
        assert!(common.probability < rare.probability);
        // No adjustment without frequencies.
        let plain =
            score_pair(&Model::default(), &person("Ana", "García García"), &person("Ana", "García García"));
        assert_eq!(plain.explanations[Field::Surnames.index()].term_frequency_adjustment, 0.0);
    }

    #[test]
    fn probability_and_log_odds_are_inverse() {
        for p in [0.001, 0.2, 0.5, 0.97] {
            assert!((probability(log_odds(p)) - p).abs() < 1e-12);
        }
        assert_eq!(probability(5000.0), 1.0);
        assert_eq!(probability(-5000.0), 0.0);
    }
}
