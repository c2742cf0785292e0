//! Normalisation of what people write on a registration, as people in the region write it.
//!
//! Names keep two forms for each token: `raw` (lowercase, punctuation removed, accents kept) and
//! `folded` (Unicode NFKD with the combining marks removed, so `ñ` → `n`, `ç` → `c`, `ª` → `a`,
//! plus the few Latin letters NFKD does not decompose: `ø`, `ł`, `đ`, `ß`, `æ`, `œ`). Comparing
//! `raw` first lets an exact match weigh more than one that holds only after folding.
//!
//! Particles (de, del, de la, de los, de las, da, das, do, dos, y, e, van, von, der) are removed
//! from names: "María de los Ángeles" and "María Ángeles" compare equal, and "de la Cruz" is one
//! surname, not three. Abbreviations and a few unambiguous nicknames are expanded from
//! [`GIVEN_NAME_ABBREVIATIONS`] and [`SURNAME_ABBREVIATIONS`].

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// One word of a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameToken {
    /// Lowercase, punctuation removed, accents kept; for an expanded abbreviation, the
    /// abbreviation as written (so "Ma." never equals "María" exactly, only after folding).
    pub raw: String,
    /// Accents and diacritics removed, abbreviation expanded.
    pub folded: String,
    /// A single letter ("J." in "J. Carlos"): agrees weakly with any name starting with it.
    pub initial: bool,
}

/// Which table of abbreviations applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Given,
    Surname,
}

/// Abbreviations and nicknames of given names, as written on forms in Peru, Colombia, Ecuador,
/// Brazil and the Caribbean (keys are folded, without the period). Only unambiguous ones: "M."
/// stays an initial because it may be María, Manuel or Marco; "Alej." is left out because it may
/// be Alejandro or Alejandra.
pub const GIVEN_NAME_ABBREVIATIONS: &[(&str, &str)] = &[
    ("ma", "maría"), // "Ma.", "Mª", "M.ª" (NFKD folds ª to a)
    ("mria", "maría"),
    ("fco", "francisco"),
    ("jn", "juan"),
    ("jse", "josé"),
    ("ant", "antonio"),
    ("anto", "antonio"),
    ("gmo", "guillermo"),
    ("fdo", "fernando"),
    ("mig", "miguel"),
    ("gpe", "guadalupe"),
    // Nicknames that stand for one name only.
    ("pepe", "josé"),
    ("ze", "josé"),
    ("paco", "francisco"),
    ("pancho", "francisco"),
    ("chico", "francisco"),
    ("nacho", "ignacio"),
    ("chema", "josé maría"),
    ("lucho", "luis"),
    ("tono", "antonio"),
    ("memo", "guillermo"),
    ("quique", "enrique"),
    ("lupe", "guadalupe"),
    ("charo", "rosario"),
    ("conchita", "concepción"),
    ("maite", "maría teresa"),
    ("mayte", "maría teresa"),
];

/// Abbreviations of frequent patronymic surnames (keys folded, without the period).
pub const SURNAME_ABBREVIATIONS: &[(&str, &str)] = &[
    ("glez", "gonzález"),
    ("gzlez", "gonzález"),
    ("hdez", "hernández"),
    ("hndez", "hernández"),
    ("fdez", "fernández"),
    ("fndez", "fernández"),
    ("rguez", "rodríguez"),
    ("rodz", "rodríguez"),
    ("rdguez", "rodríguez"),
    ("mtz", "martínez"),
    ("mnez", "martínez"),
    ("gtz", "gutiérrez"),
    ("gtrrez", "gutiérrez"),
    ("dguez", "domínguez"),
    ("lpz", "lópez"),
    ("schez", "sánchez"),
];

/// Removed from names when something else is left. "la", "las", "los" only after "de", so the
/// surname "La Torre" is not cut; "y" and "e" only between two words, so "Y." stays an initial.
const PARTICLES: &[&str] = &["de", "del", "da", "das", "do", "dos", "van", "von", "der", "den", "di", "du"];
const ARTICLES_AFTER_DE: &[&str] = &["la", "las", "los", "le"];
const CONJUNCTIONS: &[&str] = &["y", "e"];

/// Folds one string: NFKD, combining marks removed, lowercase, a few undecomposable letters
/// spelt out.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        for l in c.to_lowercase() {
            match l {
                'ø' => out.push('o'),
                'ł' => out.push('l'),
                'đ' | 'ð' => out.push('d'),
                'ß' => out.push_str("ss"),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                'þ' => out.push_str("th"),
                'ı' => out.push('i'),
                other => out.push(other),
            }
        }
    }
    out
}

/// A word as written, before particles and abbreviations are handled.
struct Word {
    raw: String,
    folded: String,
    /// Written with a period after it ("Ma.", "J.").
    dotted: bool,
}

/// Splits on anything that is not a letter or a digit; apostrophes join ("D'Ángelo" →
/// "dángelo"); a period is remembered on the word before it.
fn words(text: &str) -> Vec<Word> {
    let mut words = Vec::new();
    let mut current = String::new();
    // "M.ª" is one abbreviation, not an initial and a letter.
    let lower: String = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        let text = text.replace(".ª", "ª").replace(".º", "º");
        text.nfc().flat_map(char::to_lowercase).collect()
    };
    let flush = |current: &mut String, dotted: bool, words: &mut Vec<Word>| {
        if !current.is_empty() {
            let raw = std::mem::take(current);
            let folded: String = fold(&raw).chars().filter(|c| c.is_alphanumeric()).collect();
            if !folded.is_empty() {
                words.push(Word { raw, folded, dotted });
            }
        }
    };
    for c in lower.chars() {
        if c.is_alphanumeric() || is_combining_mark(c) {
            current.push(c);
        } else if matches!(c, '\'' | '’' | '`' | '´' | 'ʼ') {
            // Joined: "D'Angelo", "O'Higgins".
        } else {
            flush(&mut current, c == '.', &mut words);
        }
    }
    flush(&mut current, false, &mut words);
    words
}

fn lookup(table: &[(&str, &'static str)], key: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The tokens of a name, particles removed and abbreviations expanded.
pub fn name_tokens(text: &str, kind: NameKind) -> Vec<NameToken> {
    let words = words(text);
    // Which words are particles.
    let count = words.len();
    let mut particle = vec![false; count];
    for (i, word) in words.iter().enumerate() {
        let w = word.folded.as_str();
        let after_de = i > 0 && words[i - 1].folded == "de";
        let between = i > 0 && i + 1 < count;
        particle[i] = (PARTICLES.contains(&w) && !word.dotted)
            || (ARTICLES_AFTER_DE.contains(&w) && after_de)
            || (CONJUNCTIONS.contains(&w) && !word.dotted && between);
    }
    let keep_particles = particle.iter().all(|p| *p);
    let table = match kind {
        NameKind::Given => GIVEN_NAME_ABBREVIATIONS,
        NameKind::Surname => SURNAME_ABBREVIATIONS,
    };
    let mut tokens = Vec::with_capacity(count);
    for (i, word) in words.into_iter().enumerate() {
        if particle[i] && !keep_particles {
            continue;
        }
        if word.folded.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if let Some(expansion) = lookup(table, &word.folded) {
            for part in expansion.split(' ') {
                tokens.push(NameToken { raw: word.raw.clone(), folded: fold(part), initial: false });
            }
            continue;
        }
        let initial = word.folded.chars().count() == 1;
        tokens.push(NameToken { raw: word.raw, folded: word.folded, initial });
    }
    tokens
}

/// A birth date, possibly partial. Components are kept even when out of range (a month of 13 is
/// a typo, still evidence for the person it was meant to be).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialDate {
    pub year: u16,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    pub fn is_full(&self) -> bool {
        self.month.is_some() && self.day.is_some()
    }

    /// `YYYYMMDD` for a full date.
    pub fn digits(&self) -> Option<String> {
        match (self.month, self.day) {
            (Some(m), Some(d)) => Some(format!("{:04}{:02}{:02}", self.year, m, d)),
            _ => None,
        }
    }
}

/// Reads `YYYY-MM-DD`, `YYYYMMDD`, `YYYY-MM`, `YYYY` and also `DD/MM/YYYY` (the order on forms
/// in Latin America; a date whose first part has one or two digits and last part four is read
/// day first). Separators may be `-`, `/`, `.` or spaces.
pub fn parse_date(text: &str) -> Option<PartialDate> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let parts: Vec<&str> = text.split(['-', '/', '.', ' ']).filter(|p| !p.is_empty()).collect();
    if !parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    let number = |p: &str| p.parse::<u16>().ok();
    match parts.as_slice() {
        [one] if one.len() == 8 => Some(PartialDate {
            year: number(&one[0..4])?,
            month: Some(u8::try_from(number(&one[4..6])?).ok()?),
            day: Some(u8::try_from(number(&one[6..8])?).ok()?),
        }),
        [one] if one.len() == 6 => Some(PartialDate {
            year: number(&one[0..4])?,
            month: Some(u8::try_from(number(&one[4..6])?).ok()?),
            day: None,
        }),
        [year] if year.len() == 4 => Some(PartialDate { year: number(year)?, month: None, day: None }),
        [year, month] if year.len() == 4 && month.len() <= 2 => Some(PartialDate {
            year: number(year)?,
            month: Some(u8::try_from(number(month)?).ok()?),
            day: None,
        }),
        [year, month, day] if year.len() == 4 && month.len() <= 2 && day.len() <= 2 => Some(PartialDate {
            year: number(year)?,
            month: Some(u8::try_from(number(month)?).ok()?),
            day: Some(u8::try_from(number(day)?).ok()?),
        }),
        [day, month, year] if year.len() == 4 && month.len() <= 2 && day.len() <= 2 => Some(PartialDate {
            year: number(year)?,
            month: Some(u8::try_from(number(month)?).ok()?),
            day: Some(u8::try_from(number(day)?).ok()?),
        }),
        _ => None,
    }
    .filter(|d| d.year > 0)
}

/// The canonical name of a document type: synonyms across the region's forms are one kind.
pub fn document_kind(kind: &str) -> String {
    let folded: String = fold(kind).chars().filter(|c| c.is_alphanumeric() || *c == ' ').collect();
    let folded = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    let canonical = match folded.as_str() {
        "dni" | "documento nacional de identidad" | "documento de identidad" => "dni",
        "ce" | "carne de extranjeria" | "carnet de extranjeria" | "cex" => "ce",
        "pasaporte" | "passport" | "passaporte" | "pas" | "pp" | "psp" => "passport",
        "ptp" | "permiso temporal de permanencia" => "ptp",
        "cpp" | "carne de permiso temporal de permanencia" => "cpp",
        "cc" | "cedula" | "cedula de ciudadania" | "cedula de identidad" | "ci" => "cedula",
        "ppt" | "permiso por proteccion temporal" => "ppt",
        "pep" | "permiso especial de permanencia" => "pep",
        "cpf" => "cpf",
        "rg" | "registro geral" => "rg",
        "rne" | "rnm" | "crnm" => "rnm",
        "ssn" | "soc sec id" | "social security" | "social security number" => "ssn",
        other => other,
    };
    canonical.to_string()
}

/// A document number as compared: letters and digits only, uppercase, leading zeros removed
/// (spreadsheets drop them: DNI 01234567 arrives as 1234567). `None` when fewer than four
/// characters are left: too short to identify anyone.
pub fn document_number(number: &str) -> Option<String> {
    let cleaned: String =
        fold(number).chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect();
    let trimmed = cleaned.trim_start_matches('0');
    (trimmed.chars().count() >= 4).then(|| trimmed.to_string())
}

/// The last nine digits of a phone number (country and trunk prefixes vary, the subscriber
/// number does not); `None` when fewer than seven digits.
pub fn phone_digits(phone: &str) -> Option<String> {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 7 {
        return None;
    }
    let start = digits.len().saturating_sub(9);
    Some(digits[start..].iter().collect())
}

/// ISO 3166 alpha-3 for the countries the fund works with and their neighbours, from a code
/// or a name (in Spanish, Portuguese or English, also the demonym). Anything else is kept
/// folded, so two equal spellings still agree.
pub fn nationality(text: &str) -> Option<String> {
    let folded = fold(text).chars().filter(|c| c.is_alphanumeric() || *c == ' ').collect::<String>();
    let folded = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.is_empty() {
        return None;
    }
    const TABLE: &[(&str, &[&str])] = &[
        ("PER", &["pe", "per", "peru", "peruana", "peruano"]),
        ("ECU", &["ec", "ecu", "ecuador", "ecuatoriana", "ecuatoriano"]),
        ("COL", &["co", "col", "colombia", "colombiana", "colombiano"]),
        ("BRA", &["br", "bra", "brasil", "brazil", "brasileira", "brasileiro", "brasilena", "brasileno"]),
        ("DOM", &["do", "dom", "republica dominicana", "dominican republic", "dominicana", "dominicano"]),
        ("TTO", &["tt", "tto", "trinidad and tobago", "trinidad y tobago", "trinidad e tobago"]),
        ("CUW", &["cw", "cuw", "curacao", "curazao"]),
        ("ABW", &["aw", "abw", "aruba"]),
        ("VEN", &["ve", "ven", "venezuela", "venezolana", "venezolano", "venezuelan"]),
        ("HTI", &["ht", "hti", "haiti", "haitiana", "haitiano"]),
        ("BOL", &["bo", "bol", "bolivia", "boliviana", "boliviano"]),
        ("CHL", &["cl", "chl", "chile", "chilena", "chileno"]),
        ("ARG", &["ar", "arg", "argentina", "argentino"]),
        ("PRY", &["py", "pry", "paraguay", "paraguaya", "paraguayo"]),
        ("CUB", &["cu", "cub", "cuba", "cubana", "cubano"]),
        ("CHN", &["cn", "chn", "china", "chinese"]),
        ("GUY", &["gy", "guy", "guyana"]),
        ("SUR", &["sr", "sur", "suriname", "surinam"]),
    ];
    for (code, names) in TABLE {
        if names.contains(&folded.as_str()) {
            return Some((*code).to_string());
        }
    }
    Some(folded)
}

/// The words of a place, folded, particles removed.
pub fn place_tokens(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .map(|w| w.folded)
        .filter(|w| !PARTICLES.contains(&w.as_str()) && !ARTICLES_AFTER_DE.contains(&w.as_str()))
        .collect()
}

/// A phonetic key for Spanish and Portuguese spellings. Soundex is made for English and keeps
/// apart what a clerk in Lima or Recife confuses: b/v, s/z/c(e,i)/ç, y/ll/i, silent h, j/g(e,i),
/// qu/k/c, ss/s, nh/ñ/ni, lh/ll. This keeps the first sound and the consonant skeleton with those
/// classes merged, so "Vásquez", "Basques" and "Vazquez" share a key.
pub fn phonetic(folded: &str) -> String {
    let chars: Vec<char> = folded.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    let mut out = String::new();
    // The last consonant class, forgotten after a vowel (as in Soundex): "Mamani" keeps three
    // nasals, "Herrera" one r.
    let mut last: Option<char> = None;
    let mut i = 0;
    let next = |i: usize| chars.get(i + 1).copied();
    while i < chars.len() {
        let c = chars[i];
        let n = next(i);
        let (code, skip) = match c {
            'y' if matches!(n, Some('a' | 'e' | 'i' | 'o' | 'u')) => (Some('Y'), 0),
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'w' => {
                if out.is_empty() {
                    out.push('A');
                }
                last = None;
                i += 1;
                continue;
            }
            'h' => (None, 0),
            'b' | 'v' | 'p' | 'f' => (Some(if c == 'p' || c == 'f' { 'P' } else { 'B' }), 0),
            'c' => match n {
                Some('e' | 'i') => (Some('S'), 0),
                Some('h') => (Some('C'), 1),
                _ => (Some('K'), 0),
            },
            'q' => (Some('K'), usize::from(n == Some('u'))),
            'k' => (Some('K'), 0),
            'g' => match n {
                Some('e' | 'i') => (Some('J'), 0),
                _ => (Some('G'), 0),
            },
            'j' => (Some('J'), 0),
            's' | 'z' | 'x' => (Some('S'), 0),
            'l' => match n {
                Some('l') => (Some('Y'), 1),
                Some('h') => (Some('Y'), 1),
                _ => (Some('L'), 0),
            },
            'm' | 'n' => (Some('N'), usize::from(n == Some('h'))),
            'r' => (Some('R'), 0),
            'd' | 't' => (Some('T'), 0),
            _ => (None, 0),
        };
        if let Some(code) = code {
            if last != Some(code) {
                out.push(code);
            }
            last = Some(code);
        }
        i += 1 + skip;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str, kind: NameKind) -> Vec<String> {
        name_tokens(text, kind).into_iter().map(|t| t.folded).collect()
    }

    #[test]
    fn accents_and_enye_fold_but_raw_keeps_them() {
        let tokens = name_tokens("Ñahui PÉREZ", NameKind::Surname);
        assert_eq!(tokens[0].raw, "ñahui");
        assert_eq!(tokens[0].folded, "nahui");
        assert_eq!(tokens[1].raw, "pérez");
        assert_eq!(tokens[1].folded, "perez");
        assert_eq!(fold("Conceição Øster Łukasz"), "conceicao oster lukasz");
    }

    #[test]
    fn particles_are_removed_but_not_everything() {
        assert_eq!(folded("María de los Ángeles", NameKind::Given), ["maria", "angeles"]);
        assert_eq!(folded("de la Cruz Quispe", NameKind::Surname), ["cruz", "quispe"]);
        assert_eq!(folded("da Silva dos Santos", NameKind::Surname), ["silva", "santos"]);
        assert_eq!(folded("Pérez y García", NameKind::Surname), ["perez", "garcia"]);
        assert_eq!(folded("van der Berg", NameKind::Surname), ["berg"]);
        // "La Torre" alone is a surname, not a particle.
        assert_eq!(folded("La Torre", NameKind::Surname), ["la", "torre"]);
        // A name made only of particles is kept.
        assert_eq!(folded("Da", NameKind::Surname), ["da"]);
        // "Y." at the end is an initial.
        let tokens = name_tokens("Ana Y.", NameKind::Given);
        assert_eq!(tokens.len(), 2);
        assert!(tokens[1].initial);
    }

    #[test]
    fn abbreviations_expand_and_never_count_as_exact() {
        for written in ["Ma. del Carmen", "Mª del Carmen", "M.ª del Carmen", "MA DEL CARMEN"] {
            assert_eq!(folded(written, NameKind::Given), ["maria", "carmen"], "{written}");
        }
        let tokens = name_tokens("Ma. José", NameKind::Given);
        assert_eq!(tokens[0].raw, "ma");
        assert_eq!(tokens[0].folded, "maria");
        assert_eq!(folded("Fco. Javier", NameKind::Given), ["francisco", "javier"]);
        assert_eq!(folded("Jn Carlos", NameKind::Given), ["juan", "carlos"]);
        assert_eq!(folded("Jse. Ant.", NameKind::Given), ["jose", "antonio"]);
        assert_eq!(folded("Gmo", NameKind::Given), ["guillermo"]);
        assert_eq!(folded("Chema", NameKind::Given), ["jose", "maria"]);
        assert_eq!(folded("Glez. Hdez.", NameKind::Surname), ["gonzalez", "hernandez"]);
        // Surname abbreviations do not apply to given names and the reverse.
        assert_eq!(folded("Ma", NameKind::Surname), ["ma"]);
    }

    #[test]
    fn initials_are_marked() {
        let tokens = name_tokens("J. Carlos", NameKind::Given);
        assert!(tokens[0].initial);
        assert_eq!(tokens[0].folded, "j");
        assert!(!tokens[1].initial);
        assert_eq!(folded("J.C.", NameKind::Given), ["j", "c"]);
    }

    #[test]
    fn apostrophes_join_and_hyphens_split() {
        assert_eq!(folded("D'Ángelo", NameKind::Surname), ["dangelo"]);
        assert_eq!(folded("García-Pérez", NameKind::Surname), ["garcia", "perez"]);
    }

    #[test]
    fn dates_full_partial_and_day_first() {
        let full = PartialDate { year: 1990, month: Some(3), day: Some(7) };
        assert_eq!(parse_date("1990-03-07"), Some(full.clone()));
        assert_eq!(parse_date("19900307"), Some(full.clone()));
        assert_eq!(parse_date("07/03/1990"), Some(full.clone()));
        assert_eq!(parse_date("7.3.1990"), Some(full));
        assert_eq!(parse_date("1990"), Some(PartialDate { year: 1990, month: None, day: None }));
        assert_eq!(parse_date("1990-03"), Some(PartialDate { year: 1990, month: Some(3), day: None }));
        assert_eq!(parse_date("unknown"), None);
        assert_eq!(parse_date(""), None);
        // A typo'd month is kept: it is still evidence.
        assert_eq!(parse_date("19901307").and_then(|d| d.month), Some(13));
    }

    #[test]
    fn documents_phones_and_nationalities() {
        assert_eq!(document_kind("Carné de Extranjería"), "ce");
        assert_eq!(document_kind("PASAPORTE"), "passport");
        assert_eq!(document_kind("Cédula de ciudadanía"), "cedula");
        assert_eq!(document_number("01234567"), Some("1234567".to_string()));
        assert_eq!(document_number("ab-12.345"), Some("AB12345".to_string()));
        assert_eq!(document_number("012"), None);
        assert_eq!(phone_digits("+51 987 654 321"), Some("987654321".to_string()));
        assert_eq!(phone_digits("0051-987654321"), Some("987654321".to_string()));
        assert_eq!(phone_digits("12-34"), None);
        assert_eq!(nationality("Perú").as_deref(), Some("PER"));
        assert_eq!(nationality("PE").as_deref(), Some("PER"));
        assert_eq!(nationality("venezolana").as_deref(), Some("VEN"));
        assert_eq!(nationality("Curaçao").as_deref(), Some("CUW"));
        assert_eq!(nationality("Nepal").as_deref(), Some("nepal"));
    }

    #[test]
    fn phonetic_merges_the_regions_confusions() {
        assert_eq!(phonetic("vasquez"), phonetic("basques"));
        assert_eq!(phonetic("vasquez"), phonetic("vazquez"));
        assert_eq!(phonetic("yupanqui"), phonetic("llupanqui"));
        assert_eq!(phonetic("herrera"), phonetic("errera"));
        assert_eq!(phonetic("jimenez"), phonetic("gimenez"));
        assert_eq!(phonetic("cecilia"), phonetic("sesilia"));
        assert_ne!(phonetic("quispe"), phonetic("mamani"));
    }
}
