//! Comparison vectors: for each field, the level at which two records agree.

use serde::{Deserialize, Serialize};
use strsim::osa_distance;

use crate::normalize::{self, NameKind, NameToken, PartialDate};
use crate::record::{Record, Sex};

/// Jaro-Winkler similarity, the standard definition (as `strsim::jaro_winkler`, which it falls
/// back to).
///
/// Written here for speed: place comparison runs Jaro-Winkler on every pair of words of two
/// addresses, and training compares some 300,000 pairs; `strsim` allocates two flag vectors
/// per call and scans the whole second string for each character. For ASCII words of up to 64
/// bytes (nearly every folded word) this version keeps the flags in two `u64` and scans only
/// the match window, with no allocation. A test checks it against `strsim` on many pairs.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !(a.is_ascii() && b.is_ascii() && x.len() <= 64 && y.len() <= 64) {
        return strsim::jaro_winkler(a, b);
    }
    if x.is_empty() && y.is_empty() {
        return 1.0;
    }
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let window = (x.len().max(y.len()) / 2).saturating_sub(1);
    let (mut x_flags, mut y_flags) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, c) in x.iter().enumerate() {
        let low = i.saturating_sub(window);
        let high = (i + window + 1).min(y.len());
        for (j, d) in y.iter().enumerate().take(high).skip(low) {
            if y_flags & (1 << j) == 0 && d == c {
                x_flags |= 1 << i;
                y_flags |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut half_transpositions = 0usize;
    let mut k = 0usize;
    for (i, c) in x.iter().enumerate() {
        if x_flags & (1 << i) != 0 {
            while y_flags & (1 << k) == 0 {
                k += 1;
            }
            if y[k] != *c {
                half_transpositions += 1;
            }
            k += 1;
        }
    }
    let m = matches as f64;
    let t = (half_transpositions / 2) as f64;
    let jaro = (m / x.len() as f64 + m / y.len() as f64 + (m - t) / m) / 3.0;
    if jaro > 0.7 {
        let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count();
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    } else {
        jaro
    }
}

/// Whether two strings are at most one edit apart: one substitution, insertion, deletion or
/// transposition of adjacent characters (optimal string alignment distance ≤ 1).
///
/// Written here because that is the only question the comparisons ask of dates, documents and
/// phones: one pass, no allocation, where `strsim::osa_distance` fills a matrix. A test checks
/// it against `strsim`.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !(a.is_ascii() && b.is_ascii()) {
        return osa_distance(a, b) <= 1;
    }
    let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    match long.len() - short.len() {
        0 => {
            let Some(first) = x.iter().zip(y).position(|(p, q)| p != q) else {
                return true;
            };
            let rest = first + 1;
            // A substitution: the rest is equal.
            if x[rest..] == y[rest..] {
                return true;
            }
            // A transposition of `first` and `first + 1`.
            rest < x.len() && x[first] == y[rest] && x[rest] == y[first] && x[rest + 1..] == y[rest + 1..]
        }
        1 => {
            let first = short.iter().zip(long).position(|(p, q)| p != q).unwrap_or(short.len());
            short[first..] == long[first + 1..]
        }
        _ => false,
    }
}

/// A field of the record, as compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    GivenNames,
    Surnames,
    BirthDate,
    Sex,
    Nationality,
    Documents,
    Phone,
    Place,
}

/// Number of compared fields.
pub const FIELD_COUNT: usize = 8;

/// The compared fields, in the order of [`Comparison::levels`].
pub const FIELDS: [Field; FIELD_COUNT] = [
    Field::GivenNames,
    Field::Surnames,
    Field::BirthDate,
    Field::Sex,
    Field::Nationality,
    Field::Documents,
    Field::Phone,
    Field::Place,
];

const NAME_LEVELS: &[Level] = &[
    Level::Exact,
    Level::ExactFolded,
    Level::Swapped,
    Level::JaroWinklerHigh,
    Level::JaroWinklerMid,
    Level::Partial,
    Level::SharesToken,
    Level::Initials,
    Level::Disagree,
];
const DATE_LEVELS: &[Level] = &[
    Level::Exact,
    Level::DayMonthSwapped,
    Level::OneTypo,
    Level::Partial,
    Level::YearClose,
    Level::Disagree,
];
const AGREE_LEVELS: &[Level] = &[Level::Agree, Level::Disagree];
const DOCUMENT_LEVELS: &[Level] = &[
    Level::SameDocument,
    Level::SameNumberOtherType,
    Level::NumberTypo,
    Level::OtherDocuments,
    Level::Disagree,
];
const PHONE_LEVELS: &[Level] = &[Level::Exact, Level::OneTypo, Level::Disagree];
const PLACE_LEVELS: &[Level] =
    &[Level::Exact, Level::JaroWinklerHigh, Level::JaroWinklerMid, Level::SharesToken, Level::Disagree];

impl Field {
    /// A stable snake_case name, as in explanations and stored models.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::GivenNames => "given_names",
            Field::Surnames => "surnames",
            Field::BirthDate => "birth_date",
            Field::Sex => "sex",
            Field::Nationality => "nationality",
            Field::Documents => "documents",
            Field::Phone => "phone",
            Field::Place => "place",
        }
    }

    /// The levels this field can take, strongest agreement first; [`Level::Missing`] is not
    /// among them (a missing value weighs nothing).
    pub fn levels(self) -> &'static [Level] {
        match self {
            Field::GivenNames | Field::Surnames => NAME_LEVELS,
            Field::BirthDate => DATE_LEVELS,
            Field::Sex | Field::Nationality => AGREE_LEVELS,
            Field::Documents => DOCUMENT_LEVELS,
            Field::Phone => PHONE_LEVELS,
            Field::Place => PLACE_LEVELS,
        }
    }

    /// Position in [`FIELDS`].
    pub fn index(self) -> usize {
        match self {
            Field::GivenNames => 0,
            Field::Surnames => 1,
            Field::BirthDate => 2,
            Field::Sex => 3,
            Field::Nationality => 4,
            Field::Documents => 5,
            Field::Phone => 6,
            Field::Place => 7,
        }
    }
}

/// How far two values agree. The name is stable (`as_str`) and appears in explanations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Equal as written (lowercase, punctuation removed, accents kept).
    Exact,
    /// Equal once accents are removed and abbreviations expanded.
    ExactFolded,
    /// The same words in another order (Spanish paternal–maternal against Portuguese
    /// maternal–paternal), or given names and surnames written in each other's fields.
    Swapped,
    /// Jaro-Winkler similarity of at least 0.92 (a typo), in either word order.
    JaroWinklerHigh,
    /// Jaro-Winkler similarity of at least 0.85.
    JaroWinklerMid,
    /// One is part of the other: a shortened compound ("María" / "María José"), one surname of
    /// two; for dates, a partial date whose known parts agree.
    Partial,
    /// Some word in common, others different ("García Quispe" / "García Mamani"); for places,
    /// half the words or more found in the other.
    SharesToken,
    /// Agree only through initials ("J. Carlos" / "Juan Carlos").
    Initials,
    /// Day and month swapped.
    DayMonthSwapped,
    /// One character differs or two adjacent ones are transposed.
    OneTypo,
    /// Years at most one apart.
    YearClose,
    /// The same type of document with the same number.
    SameDocument,
    /// The same number under another type (a form that recorded the type wrongly).
    SameNumberOtherType,
    /// The same type, the number one typo apart.
    NumberTypo,
    /// Documents of different types only: the person may have changed document (passport, then
    /// a residence permit), so this is no evidence against.
    OtherDocuments,
    Agree,
    Disagree,
    /// Missing on either record: weighs nothing.
    Missing,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Exact => "exact",
            Level::ExactFolded => "exact_folded",
            Level::Swapped => "swapped",
            Level::JaroWinklerHigh => "jaro_winkler_high",
            Level::JaroWinklerMid => "jaro_winkler_mid",
            Level::Partial => "partial",
            Level::SharesToken => "shares_token",
            Level::Initials => "initials",
            Level::DayMonthSwapped => "day_month_swapped",
            Level::OneTypo => "one_typo",
            Level::YearClose => "year_close",
            Level::SameDocument => "same_document",
            Level::SameNumberOtherType => "same_number_other_type",
            Level::NumberTypo => "number_typo",
            Level::OtherDocuments => "other_documents",
            Level::Agree => "agree",
            Level::Disagree => "disagree",
            Level::Missing => "missing",
        }
    }
}

/// Index of a missing value in [`Comparison::levels`].
pub const MISSING: u8 = u8::MAX;

/// A record normalised once for many comparisons.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub given: Vec<NameToken>,
    pub surnames: Vec<NameToken>,
    pub birth: Option<PartialDate>,
    pub sex: Option<Sex>,
    pub nationality: Option<String>,
    /// (canonical kind, normalised number).
    pub documents: Vec<(String, String)>,
    pub phone: Option<String>,
    pub place: Vec<String>,
    given_joined: String,
    given_sorted: String,
    surnames_joined: String,
    surnames_sorted: String,
    place_words: Vec<PlaceWord>,
}

/// A word of a place, with its letters sorted for the bound in [`place_similarity`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaceWord {
    pub word: String,
    letters: Vec<u8>,
    /// Which letters occur (a bit per letter or digit; other bytes share bits, which only
    /// loosens the bound).
    mask: u64,
}

fn letter_bit(b: u8) -> u64 {
    let bit = match b {
        b'a'..=b'z' => b - b'a',
        b'0'..=b'9' => 26 + b - b'0',
        other => 36 + other % 28,
    };
    1 << bit
}

impl PlaceWord {
    pub fn new(word: &str) -> PlaceWord {
        let mut letters = word.as_bytes().to_vec();
        letters.sort_unstable();
        let mask = letters.iter().fold(0, |m, b| m | letter_bit(*b));
        PlaceWord { word: word.to_string(), letters, mask }
    }
}

/// The words of a place as compared: distinct, sorted.
pub fn place_words(place: &str) -> Vec<PlaceWord> {
    let mut words = normalize::place_tokens(place);
    words.sort();
    words.dedup();
    words.iter().map(|w| PlaceWord::new(w)).collect()
}

fn joined(tokens: &[NameToken]) -> (String, String) {
    let ordered: String = tokens.iter().map(|t| t.folded.as_str()).collect();
    let mut sorted: Vec<&str> = tokens.iter().map(|t| t.folded.as_str()).collect();
    sorted.sort_unstable();
    (ordered, sorted.concat())
}

impl Prepared {
    pub fn new(record: &Record) -> Prepared {
        let given = record
            .given_names
            .as_deref()
            .map(|g| normalize::name_tokens(g, NameKind::Given))
            .unwrap_or_default();
        let surnames = record
            .surnames
            .as_deref()
            .map(|s| normalize::name_tokens(s, NameKind::Surname))
            .unwrap_or_default();
        let (given_joined, given_sorted) = joined(&given);
        let (surnames_joined, surnames_sorted) = joined(&surnames);
        let mut documents: Vec<(String, String)> = record
            .documents
            .iter()
            .filter_map(|d| Some((normalize::document_kind(&d.kind), normalize::document_number(&d.number)?)))
            .collect();
        documents.sort();
        documents.dedup();
        let place: Vec<String> = record.place.as_deref().map(normalize::place_tokens).unwrap_or_default();
        let place_words = record.place.as_deref().map(place_words).unwrap_or_default();
        Prepared {
            given,
            surnames,
            birth: record.birth_date.as_deref().and_then(normalize::parse_date),
            sex: record.sex,
            nationality: record.nationality.as_deref().and_then(normalize::nationality),
            documents,
            phone: record.phone.as_deref().and_then(normalize::phone_digits),
            place,
            given_joined,
            given_sorted,
            surnames_joined,
            surnames_sorted,
            place_words,
        }
    }
}

/// The comparison vector of a pair: for each field in [`FIELDS`] order, the index of its level
/// in [`Field::levels`], or [`MISSING`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Comparison {
    pub levels: [u8; FIELD_COUNT],
}

impl Comparison {
    /// The level of one field.
    pub fn level(&self, field: Field) -> Level {
        let index = self.levels[field.index()];
        if index == MISSING {
            Level::Missing
        } else {
            field.levels()[usize::from(index)]
        }
    }
}

fn index_of(field: Field, level: Level) -> u8 {
    if level == Level::Missing {
        return MISSING;
    }
    let position = field.levels().iter().position(|l| *l == level).expect("level belongs to the field");
    u8::try_from(position).expect("fewer than 255 levels")
}

/// Compares two prepared records field by field.
pub fn compare(a: &Prepared, b: &Prepared) -> Comparison {
    let (given, surnames) = compare_name_fields(a, b);
    let levels = [
        index_of(Field::GivenNames, given),
        index_of(Field::Surnames, surnames),
        index_of(Field::BirthDate, compare_dates(a.birth.as_ref(), b.birth.as_ref())),
        index_of(Field::Sex, compare_equal(a.sex.as_ref(), b.sex.as_ref())),
        index_of(Field::Nationality, compare_equal(a.nationality.as_ref(), b.nationality.as_ref())),
        index_of(Field::Documents, compare_documents(&a.documents, &b.documents)),
        index_of(Field::Phone, compare_phones(a.phone.as_deref(), b.phone.as_deref())),
        index_of(Field::Place, compare_places(&a.place_words, &b.place_words)),
    ];
    Comparison { levels }
}

fn given_vs_given(a: &Prepared, b: &Prepared) -> Level {
    compare_names(&a.given, &b.given, &a.given_joined, &b.given_joined, &a.given_sorted, &b.given_sorted)
}

fn surnames_vs_surnames(a: &Prepared, b: &Prepared) -> Level {
    compare_names(
        &a.surnames,
        &b.surnames,
        &a.surnames_joined,
        &b.surnames_joined,
        &a.surnames_sorted,
        &b.surnames_sorted,
    )
}

/// Given names and surnames, also when one registration wrote them in each other's fields
/// ("Quispe Mamani" as given names, "María" as surnames): when both fields disagree but each
/// agrees with the other's, both are [`Level::Swapped`].
fn compare_name_fields(a: &Prepared, b: &Prepared) -> (Level, Level) {
    let given = given_vs_given(a, b);
    let surnames = surnames_vs_surnames(a, b);
    if given == Level::Disagree && surnames == Level::Disagree {
        let strong = |l: Level| {
            matches!(l, Level::Exact | Level::ExactFolded | Level::Swapped | Level::JaroWinklerHigh)
        };
        let given_as_surnames = compare_names(
            &a.given,
            &b.surnames,
            &a.given_joined,
            &b.surnames_joined,
            &a.given_sorted,
            &b.surnames_sorted,
        );
        if strong(given_as_surnames) {
            let surnames_as_given = compare_names(
                &a.surnames,
                &b.given,
                &a.surnames_joined,
                &b.given_joined,
                &a.surnames_sorted,
                &b.given_sorted,
            );
            if strong(surnames_as_given) {
                return (Level::Swapped, Level::Swapped);
            }
        }
    }
    (given, surnames)
}

/// How one word of the shorter name found its counterpart in the longer one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TokenMatch {
    Equal,
    Typo,
    Initial,
}

fn token_match(a: &NameToken, b: &NameToken) -> Option<TokenMatch> {
    if a.folded == b.folded {
        return Some(TokenMatch::Equal);
    }
    if a.initial || b.initial {
        let (initial, full) = if a.initial { (a, b) } else { (b, a) };
        return full.folded.starts_with(initial.folded.as_str()).then_some(TokenMatch::Initial);
    }
    (jaro_winkler(&a.folded, &b.folded) >= 0.92).then_some(TokenMatch::Typo)
}

/// Similarity of two names with as many words each: the worst word of the best alignment (the
/// written order, or for two words also the swapped one), so "Juan Carlos" and "Juan Pablo" are
/// not similar because they start alike, while a typo in one word of two still counts.
fn word_similarity(a: &[NameToken], b: &[NameToken]) -> f64 {
    let aligned = |b: &mut dyn Iterator<Item = &NameToken>| -> f64 {
        a.iter().zip(b).map(|(x, y)| jaro_winkler(&x.folded, &y.folded)).fold(1.0, f64::min)
    };
    let straight = aligned(&mut b.iter());
    if a.len() == 2 {
        straight.max(aligned(&mut b.iter().rev()))
    } else {
        straight
    }
}

/// Compares two names (given names or surnames) word by word.
///
/// The order of the tests is the order of the levels: exact as written, exact after folding,
/// the same words in another order, one name contained in the other, a typo (Jaro-Winkler word
/// by word when both have as many words, in either order for two, so a swap with a typo still
/// counts; on the words joined otherwise, so "Mariajose" meets "María José"), initials, a word in
/// common.
pub fn compare_names(
    a: &[NameToken],
    b: &[NameToken],
    a_joined: &str,
    b_joined: &str,
    a_sorted: &str,
    b_sorted: &str,
) -> Level {
    if a.is_empty() || b.is_empty() {
        return Level::Missing;
    }
    if a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.raw == y.raw && x.folded == y.folded) {
        return Level::Exact;
    }
    if a_joined == b_joined {
        return Level::ExactFolded;
    }
    if a.len() == b.len() && a.len() >= 2 && a_sorted == b_sorted {
        return Level::Swapped;
    }
    // Align the words of the shorter name with distinct words of the longer one (a name of
    // more than 64 words is not a name: the rest is ignored).
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let long = &long[..long.len().min(64)];
    let mut used = 0u64;
    let (mut found, mut initials, mut equal) = (0usize, 0usize, 0usize);
    for s in short {
        // Prefer an equal word, then a typo, then an initial.
        let mut best: Option<(usize, TokenMatch)> = None;
        for (i, l) in long.iter().enumerate() {
            if used & (1 << i) != 0 {
                continue;
            }
            if let Some(kind) = token_match(s, l) {
                let rank = |k: TokenMatch| match k {
                    TokenMatch::Equal => 0,
                    TokenMatch::Typo => 1,
                    TokenMatch::Initial => 2,
                };
                if best.is_none_or(|(_, b)| rank(kind) < rank(b)) {
                    best = Some((i, kind));
                    if kind == TokenMatch::Equal {
                        break;
                    }
                }
            }
        }
        if let Some((i, kind)) = best {
            used |= 1 << i;
            found += 1;
            match kind {
                TokenMatch::Equal => equal += 1,
                TokenMatch::Initial => initials += 1,
                TokenMatch::Typo => {}
            }
        }
    }
    let all_found = found == short.len();
    let any_initial = initials > 0;
    let all_equal = equal == found;
    if all_found && all_equal && short.len() < long.len() {
        return Level::Partial;
    }
    let similarity = if a.len() == b.len() {
        word_similarity(a, b)
    } else {
        jaro_winkler(a_joined, b_joined).max(jaro_winkler(a_sorted, b_sorted))
    };
    if !any_initial || !all_found {
        if similarity >= 0.92 {
            return Level::JaroWinklerHigh;
        }
        if similarity >= 0.85 {
            return Level::JaroWinklerMid;
        }
    }
    if all_found && any_initial {
        return Level::Initials;
    }
    if all_found && short.len() < long.len() {
        return Level::Partial;
    }
    if found > initials {
        return Level::SharesToken;
    }
    Level::Disagree
}

/// Compares birth dates: exact, day and month swapped, one typo in the digits, partial dates
/// whose known parts agree, years at most one apart.
pub fn compare_dates(a: Option<&PartialDate>, b: Option<&PartialDate>) -> Level {
    let (Some(a), Some(b)) = (a, b) else {
        return Level::Missing;
    };
    let year_close = a.year.abs_diff(b.year) <= 1;
    match (a.digits(), b.digits()) {
        (Some(x), Some(y)) => {
            if x == y {
                Level::Exact
            } else if a.year == b.year && a.month == b.day && a.day == b.month {
                Level::DayMonthSwapped
            } else if within_one_edit(&x, &y) {
                Level::OneTypo
            } else if year_close {
                Level::YearClose
            } else {
                Level::Disagree
            }
        }
        _ => {
            let agrees = |x: Option<u8>, y: Option<u8>| x.is_none() || y.is_none() || x == y;
            if a.year == b.year && agrees(a.month, b.month) && agrees(a.day, b.day) {
                Level::Partial
            } else if year_close {
                Level::YearClose
            } else {
                Level::Disagree
            }
        }
    }
}

fn compare_equal<T: PartialEq>(a: Option<&T>, b: Option<&T>) -> Level {
    match (a, b) {
        (Some(a), Some(b)) if a == b => Level::Agree,
        (Some(_), Some(_)) => Level::Disagree,
        _ => Level::Missing,
    }
}

/// Compares the documents of two records, the best agreement over all pairs of documents.
pub fn compare_documents(a: &[(String, String)], b: &[(String, String)]) -> Level {
    if a.is_empty() || b.is_empty() {
        return Level::Missing;
    }
    let mut best = Level::Disagree;
    let mut common_kind = false;
    let rank = |l: Level| match l {
        Level::SameDocument => 0,
        Level::SameNumberOtherType => 1,
        Level::NumberTypo => 2,
        _ => 3,
    };
    for (ka, na) in a {
        for (kb, nb) in b {
            let same_kind = ka == kb;
            common_kind |= same_kind;
            let level = if na == nb {
                if same_kind {
                    Level::SameDocument
                } else {
                    Level::SameNumberOtherType
                }
            } else if same_kind && na.len() >= 6 && within_one_edit(na, nb) {
                Level::NumberTypo
            } else {
                continue;
            };
            if rank(level) < rank(best) {
                best = level;
            }
        }
    }
    if best == Level::Disagree && !common_kind {
        Level::OtherDocuments
    } else {
        best
    }
}

/// Compares the last digits two phone numbers both have (at least seven).
pub fn compare_phones(a: Option<&str>, b: Option<&str>) -> Level {
    let (Some(a), Some(b)) = (a, b) else {
        return Level::Missing;
    };
    let common = a.len().min(b.len());
    let (a, b) = (&a[a.len() - common..], &b[b.len() - common..]);
    if a == b {
        Level::Exact
    } else if within_one_edit(a, b) {
        Level::OneTypo
    } else {
        Level::Disagree
    }
}

/// A word of one place counts as found in the other when some word there is at least this
/// similar (Jaro-Winkler): a typo, not a different word.
pub const PLACE_WORD_SIMILARITY: f64 = 0.85;

/// How many bytes two sorted byte strings have in common, with repeats.
fn common_letters(x: &[u8], y: &[u8]) -> usize {
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common
}

/// The similarity of two words of a place if it reaches [`PLACE_WORD_SIMILARITY`], else 0.
///
/// Jaro-Winkler cannot exceed `0.6 × Jaro + 0.4`, and Jaro cannot exceed
/// `(c/|x| + c/|y| + 1) / 3` where `c` counts the letters the words have in common; when that
/// bound is below the threshold the words are not compared. Between unrelated addresses this
/// skips nearly every comparison, with the same result.
fn place_word_similarity(x: &PlaceWord, y: &PlaceWord) -> f64 {
    if x.mask == y.mask && x.word == y.word {
        return 1.0;
    }
    // 0.6 × (c/lx + c/ly + 1)/3 + 0.4 < T  ⇔  c × (lx + ly) < K × lx × ly, with no division.
    const K: f64 = 3.0 * (PLACE_WORD_SIMILARITY - 0.4) / 0.6 - 1.0;
    let (lx, ly) = (x.letters.len() as f64, y.letters.len() as f64);
    let below = |c: f64| c * (lx + ly) < K * lx * ly;
    // First a looser bound from the masks alone: each distinct letter of one word missing from
    // the other removes at least one letter from those in common.
    let missing_x = (x.mask & !y.mask).count_ones() as usize;
    let missing_y = (y.mask & !x.mask).count_ones() as usize;
    let loose = x.letters.len().saturating_sub(missing_x).min(y.letters.len().saturating_sub(missing_y));
    if below(loose as f64) || below(common_letters(&x.letters, &y.letters) as f64) {
        return 0.0;
    }
    let s = jaro_winkler(&x.word, &y.word);
    if s >= PLACE_WORD_SIMILARITY {
        s
    } else {
        0.0
    }
}

/// How well the words of one place are found in the other: each word scores its best
/// similarity with a word of the other place (0 when none is within a typo), averaged both
/// ways, so a place that says only "Lima" does not fully agree with a full address in Lima.
pub fn place_similarity(a: &[PlaceWord], b: &[PlaceWord]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    // Best similarity of each word of `b`, filled while going through `a`.
    let b = &b[..b.len().min(64)];
    let mut best_b = [0.0f64; 64];
    let mut total_a = 0.0;
    for x in a {
        let mut best = 0.0f64;
        for (j, y) in b.iter().enumerate() {
            let s = place_word_similarity(x, y);
            best = best.max(s);
            best_b[j] = best_b[j].max(s);
        }
        total_a += best;
    }
    let total_b: f64 = best_b[..b.len()].iter().sum();
    (total_a / a.len() as f64 + total_b / b.len() as f64) / 2.0
}

fn compare_places(a: &[PlaceWord], b: &[PlaceWord]) -> Level {
    if a.is_empty() || b.is_empty() {
        return Level::Missing;
    }
    if a == b {
        return Level::Exact;
    }
    let similarity = place_similarity(a, b);
    if similarity >= 0.9 {
        Level::JaroWinklerHigh
    } else if similarity >= 0.75 {
        Level::JaroWinklerMid
    } else if similarity >= 0.5 {
        Level::SharesToken
    } else {
        Level::Disagree
    }
}

#[cfg(test)]
mod tests;
