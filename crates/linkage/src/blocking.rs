//! Blocking: which pairs are worth comparing.
//!
//! Each record yields a few keys, one or more per rule; two records are a candidate pair when
//! they share any key (the rules are OR-ed). Keys are plain strings built from normalised
//! tokens, prefixed with the rule's name so two rules never collide. The caller passes them
//! through its own keyed hash (the blind index) before storing them: the store never holds a
//! clear name, date or number, only `HMAC(key)`, and the matching side ([`BlockIndex`],
//! [`dedupe_candidates`], [`link_candidates`]) treats keys as opaque strings, so it works the
//! same on hashed ones.
//!
//! Rules (see `docs/duplicates.md`):
//!
//! | rule | key | catches |
//! |---|---|---|
//! | `dob` | full birth date | names rewritten, document changed |
//! | `sy` | each surname word + birth year | day/month swapped or typo'd, document changed |
//! | `doc` | each document number, and for numbers of six characters or more each of its one-character deletions | everything else rewritten, a typo in the number |
//! | `tel` | last seven phone digits | birth date missing, names rewritten |
//! | `ss` | phonetic keys of the surname words, sorted | birth date missing, typos, swapped order |
//! | `gsd` | given-name initial + first three letters of a surname word + {day, month} | surname typo late in the word, year typo, day/month swapped |
//! | `gs` | phonetic first given name and phonetic surname word, in alphabetical order | birth date missing or wrong, document changed, given names and surnames in each other's fields |
//! | `gy` | first given name + birth year | surname changed or misspelt, document changed |
//!
//! A block larger than [`BlockingOptions::max_block_size`] records is skipped, not compared:
//! such a key is too common to tell people apart ("Quispe" + 1990 in Puno), and the other rules
//! still bring the true pairs in it together. Skipping keeps the number of pairs near linear in
//! the number of records.

use std::collections::HashMap;
use std::hash::Hash;

use crate::compare::Prepared;
use crate::normalize;
use crate::record::Record;

/// How candidate pairs are formed.
#[derive(Clone, Debug)]
pub struct BlockingOptions {
    /// Blocks with more records than this (both sides together, when linking) are skipped.
    pub max_block_size: usize,
}

impl Default for BlockingOptions {
    fn default() -> BlockingOptions {
        BlockingOptions { max_block_size: 200 }
    }
}

/// The blocking keys of a record, in clear: hash them before storing.
pub fn blocking_keys(record: &Record) -> Vec<String> {
    prepared_keys(&Prepared::new(record))
}

/// The blocking keys of a prepared record.
pub fn prepared_keys(record: &Prepared) -> Vec<String> {
    let mut keys = Vec::new();
    let surnames: Vec<&str> =
        record.surnames.iter().filter(|t| !t.initial).map(|t| t.folded.as_str()).collect();
    let first_given = record.given.first();
    if let Some(date) = &record.birth {
        if let Some(digits) = date.digits() {
            keys.push(format!("dob|{digits}"));
        }
        if let Some(given) = first_given.filter(|g| !g.initial) {
            keys.push(format!("gy|{}|{}", given.folded, date.year));
        }
        for s in &surnames {
            keys.push(format!("sy|{s}|{}", date.year));
        }
        if let (Some(month), Some(day), Some(given)) = (date.month, date.day, first_given) {
            let initial: String = given.folded.chars().take(1).collect();
            let (low, high) = (month.min(day), month.max(day));
            for s in &surnames {
                let prefix: String = s.chars().take(3).collect();
                keys.push(format!("gsd|{initial}|{prefix}|{low}-{high}"));
            }
        }
    }
    for (_, number) in &record.documents {
        keys.push(format!("doc|{number}"));
        // The number with each character left out in turn: two numbers one typo apart
        // (substituted, dropped, doubled or swapped digit) share one of these.
        if number.is_ascii() && number.len() >= 6 {
            for i in 0..number.len() {
                keys.push(format!("doc|{}{}", &number[..i], &number[i + 1..]));
            }
        }
    }
    if let Some(phone) = &record.phone {
        let start = phone.len().saturating_sub(7);
        keys.push(format!("tel|{}", &phone[start..]));
    }
    if !surnames.is_empty() {
        let mut sounds: Vec<String> = surnames.iter().map(|s| normalize::phonetic(s)).collect();
        sounds.sort();
        keys.push(format!("ss|{}", sounds.join("-")));
        if let Some(given) = first_given.filter(|g| !g.initial) {
            // In either order, so given names and surnames written in each other's fields
            // still meet.
            let g = normalize::phonetic(&given.folded);
            for s in &surnames {
                let s = normalize::phonetic(s);
                let (low, high) = if g <= s { (&g, &s) } else { (&s, &g) };
                keys.push(format!("gs|{low}|{high}"));
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// Candidate pairs and what blocking skipped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Candidates {
    /// (index, index): `i < j` within one set, or (index in A, index in B).
    pub pairs: Vec<(u32, u32)>,
    pub blocks: usize,
    /// Blocks larger than the cap, not compared.
    pub skipped_blocks: usize,
}

fn pack(i: u32, j: u32) -> u64 {
    (u64::from(i) << 32) | u64::from(j)
}

fn unpack(p: u64) -> (u32, u32) {
    ((p >> 32) as u32, p as u32)
}

fn index(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 4 294 967 296 records")
}

/// Pairs within one set of records that share a key.
pub fn dedupe_candidates(keys: &[Vec<String>], options: &BlockingOptions) -> Candidates {
    let mut blocks: HashMap<&str, Vec<u32>> = HashMap::new();
    for (i, record_keys) in keys.iter().enumerate() {
        for key in record_keys {
            blocks.entry(key.as_str()).or_default().push(index(i));
        }
    }
    let mut packed = Vec::new();
    let mut skipped = 0;
    let total = blocks.len();
    for members in blocks.values() {
        if members.len() > options.max_block_size {
            skipped += 1;
            continue;
        }
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                packed.push(if i < j { pack(i, j) } else { pack(j, i) });
            }
        }
    }
    packed.sort_unstable();
    packed.dedup();
    Candidates { pairs: packed.into_iter().map(unpack).collect(), blocks: total, skipped_blocks: skipped }
}

/// Pairs across two sets of records that share a key.
pub fn link_candidates(
    keys_a: &[Vec<String>],
    keys_b: &[Vec<String>],
    options: &BlockingOptions,
) -> Candidates {
    let mut blocks: HashMap<&str, (Vec<u32>, Vec<u32>)> = HashMap::new();
    for (i, record_keys) in keys_a.iter().enumerate() {
        for key in record_keys {
            blocks.entry(key.as_str()).or_default().0.push(index(i));
        }
    }
    for (j, record_keys) in keys_b.iter().enumerate() {
        for key in record_keys {
            if let Some(block) = blocks.get_mut(key.as_str()) {
                block.1.push(index(j));
            }
        }
    }
    let mut packed = Vec::new();
    let mut skipped = 0;
    let mut total = 0;
    for (a, b) in blocks.values() {
        if b.is_empty() {
            continue;
        }
        total += 1;
        if a.len() + b.len() > options.max_block_size {
            skipped += 1;
            continue;
        }
        for &i in a {
            for &j in b {
                packed.push(pack(i, j));
            }
        }
    }
    packed.sort_unstable();
    packed.dedup();
    Candidates { pairs: packed.into_iter().map(unpack).collect(), blocks: total, skipped_blocks: skipped }
}

/// An index from (hashed) blocking keys to records, for matching one new registration on
/// arrival: insert each record's keys, then ask for the candidates of a new one.
#[derive(Clone, Debug)]
pub struct BlockIndex<Id> {
    blocks: HashMap<String, Vec<Id>>,
    max_block_size: usize,
}

impl<Id: Clone + Eq + Hash + Ord> BlockIndex<Id> {
    pub fn new(options: &BlockingOptions) -> BlockIndex<Id> {
        BlockIndex { blocks: HashMap::new(), max_block_size: options.max_block_size }
    }

    /// Adds a record under its keys (clear or hashed, as long as it is always the same).
    pub fn insert<K: Into<String>>(&mut self, id: Id, keys: impl IntoIterator<Item = K>) {
        for key in keys {
            let members = self.blocks.entry(key.into()).or_default();
            if !members.contains(&id) {
                members.push(id.clone());
            }
        }
    }

    /// The records sharing a key with these keys, each once, skipping blocks over the cap.
    pub fn candidates<K: AsRef<str>>(&self, keys: &[K]) -> Vec<Id> {
        let mut found: Vec<Id> = keys
            .iter()
            .filter_map(|k| self.blocks.get(k.as_ref()))
            .filter(|members| members.len() <= self.max_block_size)
            .flatten()
            .cloned()
            .collect();
        found.sort();
        found.dedup();
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Document, Record};

    fn record(given: &str, surnames: &str, birth: &str, document: &str) -> Record {
        Record {
            given_names: Some(given.into()),
            surnames: Some(surnames.into()),
            birth_date: (!birth.is_empty()).then(|| birth.into()),
            documents: if document.is_empty() { vec![] } else { vec![Document::new("DNI", document)] },
            ..Record::default()
        }
    }

    fn shares_key(a: &Record, b: &Record) -> bool {
        let ka = blocking_keys(a);
        blocking_keys(b).iter().any(|k| ka.contains(k))
    }

    #[test]
    fn keys_are_prefixed_by_rule_and_carry_no_raw_text() {
        let keys = blocking_keys(&record("María José", "Ñahui Pérez", "1990-03-07", "41234567"));
        assert!(keys.contains(&"dob|19900307".to_string()), "{keys:?}");
        assert!(keys.contains(&"sy|nahui|1990".to_string()));
        assert!(keys.contains(&"doc|41234567".to_string()));
        assert!(keys.contains(&"doc|4123457".to_string()), "one deletion");
        assert!(keys.contains(&"gy|maria|1990".to_string()));
        assert!(keys.contains(&"gsd|m|nah|3-7".to_string()));
        assert!(keys.iter().all(|k| k.is_ascii()), "keys are folded: {keys:?}");
    }

    #[test]
    fn true_pairs_rewritten_in_many_ways_still_share_a_key() {
        let original = record("María José", "Quispe Mamani", "1990-03-07", "41234567");
        let rewrites = [
            // Surnames swapped, day and month swapped, new document.
            record("María José", "Mamani Quispe", "1990-07-03", "X999"),
            // No birth date, no document, accents and a typo.
            record("Maria Jose", "Quispe Mamany", "", ""),
            // Only the document.
            record("M.", "Q.", "", "41234567"),
            // Year typo, shortened compound.
            record("María", "Quispe Mamani", "1991-03-07", ""),
            // Everything else different, the document one transposition away.
            record("Rosa", "Huamán", "1970-01-01", "41235467"),
            // Names in each other's fields, nothing else.
            record("Quispe", "María", "", ""),
        ];
        for rewrite in &rewrites {
            assert!(shares_key(&original, rewrite), "{rewrite:?}");
        }
        let stranger = record("Rosa", "Huamán Torres", "1975-11-25", "09876543");
        assert!(!shares_key(&original, &stranger));
    }

    #[test]
    fn giant_blocks_are_skipped() {
        // 30 people with the same birth date and nothing else in common, and one true pair
        // that also shares a document number.
        let mut keys: Vec<Vec<String>> =
            (0..30).map(|i| vec!["dob|19900101".to_string(), format!("doc|{i}")]).collect();
        keys.push(vec!["dob|19900101".to_string(), "doc|7".to_string()]);
        let wide = dedupe_candidates(&keys, &BlockingOptions { max_block_size: 100 });
        assert_eq!(wide.pairs.len(), 31 * 30 / 2);
        let capped = dedupe_candidates(&keys, &BlockingOptions { max_block_size: 10 });
        assert_eq!(capped.pairs, vec![(7, 30)]);
        assert_eq!(capped.skipped_blocks, 1);

        let a: Vec<Vec<String>> = (0..20).map(|_| vec!["k".to_string()]).collect();
        let b: Vec<Vec<String>> = vec![vec!["k".to_string()], vec!["other".to_string()]];
        assert_eq!(link_candidates(&a, &b, &BlockingOptions { max_block_size: 25 }).pairs.len(), 20);
        assert!(link_candidates(&a, &b, &BlockingOptions { max_block_size: 20 }).pairs.is_empty());
    }

    #[test]
    fn the_index_matches_on_opaque_keys() {
        // The caller hashes keys; here a stand-in that is not the key itself.
        let hash = |k: &String| {
            format!("h{:x}", k.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))))
        };
        let mut index = BlockIndex::new(&BlockingOptions::default());
        let stored = [
            record("María José", "Quispe Mamani", "1990-03-07", "41234567"),
            record("Rosa", "Huamán Torres", "1975-11-25", "09876543"),
        ];
        for (id, r) in stored.iter().enumerate() {
            index.insert(id, blocking_keys(r).iter().map(hash));
        }
        let arrival = record("Maria", "Mamani Quispe", "1990-07-03", "");
        let keys: Vec<String> = blocking_keys(&arrival).iter().map(hash).collect();
        assert_eq!(index.candidates(&keys), vec![0]);
    }
}
