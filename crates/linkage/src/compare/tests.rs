//! Tests of the field comparisons.
use super::*;
use crate::record::Document;

fn names(a: &str, b: &str, kind: NameKind) -> Level {
    let a = normalize::name_tokens(a, kind);
    let b = normalize::name_tokens(b, kind);
    let (aj, asrt) = joined(&a);
    let (bj, bsrt) = joined(&b);
    compare_names(&a, &b, &aj, &bj, &asrt, &bsrt)
}

fn given(a: &str, b: &str) -> Level {
    names(a, b, NameKind::Given)
}

fn surnames(a: &str, b: &str) -> Level {
    names(a, b, NameKind::Surname)
}

#[test]
fn jaro_winkler_is_strsims() {
    let words = [
        "",
        "a",
        "ab",
        "martha",
        "marhta",
        "dixon",
        "dicksonx",
        "jellyfish",
        "smellyfish",
        "quispe",
        "qispe",
        "mamani",
        "huaman",
        "huanca",
        "san",
        "juan",
        "lurigancho",
        "lurigancio",
        "jhonatan",
        "jonathan",
        "crescent",
        "street",
        "4223",
        "4232",
        "nsw",
        "vic",
        "winstonhills",
        "stanley",
        "aaaaaaaaaa",
    ];
    for x in words {
        for y in words {
            let (ours, theirs) = (jaro_winkler(x, y), strsim::jaro_winkler(x, y));
            assert!((ours - theirs).abs() < 1e-12, "{x} {y}: {ours} against {theirs}");
        }
    }
    // Random words over a small alphabet: many repeats and transpositions.
    let mut rng = crate::rng::SplitMix64::new(5);
    let word = |rng: &mut crate::rng::SplitMix64| -> String {
        let len = rng.below(14);
        (0..len).map(|_| char::from(b"abcde"[rng.below(5)])).collect()
    };
    for _ in 0..20_000 {
        let (x, y) = (word(&mut rng), word(&mut rng));
        let (ours, theirs) = (jaro_winkler(&x, &y), strsim::jaro_winkler(&x, &y));
        assert!((ours - theirs).abs() < 1e-12, "{x} {y}: {ours} against {theirs}");
    }
    // Beyond the fast path.
    assert_eq!(jaro_winkler("pérez", "perez"), strsim::jaro_winkler("pérez", "perez"));
    let long = "x".repeat(70);
    assert_eq!(jaro_winkler(&long, "xx"), strsim::jaro_winkler(&long, "xx"));
}

#[test]
fn within_one_edit_is_osa_distance_one() {
    let mut rng = crate::rng::SplitMix64::new(11);
    let word = |rng: &mut crate::rng::SplitMix64| -> String {
        let len = rng.below(7);
        (0..len).map(|_| char::from(b"abc"[rng.below(3)])).collect()
    };
    for _ in 0..50_000 {
        let (x, y) = (word(&mut rng), word(&mut rng));
        assert_eq!(within_one_edit(&x, &y), osa_distance(&x, &y) <= 1, "{x} {y}");
    }
    assert!(within_one_edit("19900307", "19900370"));
    assert!(!within_one_edit("19900307", "19910308"));
    assert!(within_one_edit("ñandú", "ñandu"));
}

#[test]
fn name_levels_in_order_of_strength() {
    assert_eq!(surnames("Quispe Mamani", "QUISPE MAMANI"), Level::Exact);
    assert_eq!(surnames("Núñez Pérez", "Nunez Perez"), Level::ExactFolded);
    assert_eq!(surnames("de la Cruz Huamán", "Cruz Huaman"), Level::ExactFolded);
    // Portuguese order against Spanish order.
    assert_eq!(surnames("Santos Silva", "Silva Santos"), Level::Swapped);
    assert_eq!(surnames("da Silva Santos", "Santos da Silva"), Level::Swapped);
    assert_eq!(surnames("Quispe Mamani", "Qispe Mamani"), Level::JaroWinklerHigh);
    // A swap with a typo is still near.
    assert_eq!(surnames("Mamani Quispe", "Qispe Mamani"), Level::JaroWinklerHigh);
    assert_eq!(surnames("García", "García Quispe"), Level::Partial);
    assert_eq!(surnames("García Quispe", "García Mamani"), Level::SharesToken);
    assert_eq!(surnames("Rodríguez", "Huamán"), Level::Disagree);
    assert_eq!(surnames("", "Huamán"), Level::Missing);
}

#[test]
fn given_name_abbreviations_initials_and_compounds() {
    assert_eq!(given("María José", "María José"), Level::Exact);
    assert_eq!(given("Ma. José", "María José"), Level::ExactFolded);
    assert_eq!(given("Mª del Carmen", "María del Carmen"), Level::ExactFolded);
    assert_eq!(given("Fco. Javier", "Francisco Javier"), Level::ExactFolded);
    assert_eq!(given("María", "María José"), Level::Partial);
    assert_eq!(given("J. Carlos", "Juan Carlos"), Level::Initials);
    assert_eq!(given("J.", "Jorge"), Level::Initials);
    assert_eq!(given("J.", "Pedro"), Level::Disagree);
    assert_eq!(given("Juan Carlos", "Juan Pablo"), Level::SharesToken);
    assert_eq!(given("Jhonatan", "Jonathan"), Level::JaroWinklerHigh);
    assert_eq!(given("Yesenia", "Jessenia"), Level::JaroWinklerMid);
}

fn date(text: &str) -> Option<PartialDate> {
    normalize::parse_date(text)
}

#[test]
fn date_levels() {
    let d = |a: &str, b: &str| compare_dates(date(a).as_ref(), date(b).as_ref());
    assert_eq!(d("1990-03-07", "07/03/1990"), Level::Exact);
    assert_eq!(d("1990-03-07", "1990-07-03"), Level::DayMonthSwapped);
    assert_eq!(d("1990-03-07", "1990-03-17"), Level::OneTypo);
    assert_eq!(d("1990-03-07", "1909-03-07"), Level::OneTypo);
    assert_eq!(d("1990-03-07", "1990"), Level::Partial);
    assert_eq!(d("1990-03-07", "1990-04"), Level::YearClose);
    assert_eq!(d("1990-03-07", "1991-11-25"), Level::YearClose);
    assert_eq!(d("1990-03-07", "1975-11-25"), Level::Disagree);
    assert_eq!(d("1990-03-07", ""), Level::Missing);
}

fn docs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let record =
        Record { documents: list.iter().map(|(k, n)| Document::new(*k, *n)).collect(), ..Record::default() };
    Prepared::new(&record).documents
}

#[test]
fn document_levels() {
    let dni = docs(&[("DNI", "45678912")]);
    assert_eq!(compare_documents(&dni, &docs(&[("dni", "45678912")])), Level::SameDocument);
    assert_eq!(compare_documents(&dni, &docs(&[("CE", "45678912")])), Level::SameNumberOtherType);
    assert_eq!(compare_documents(&dni, &docs(&[("DNI", "45678812")])), Level::NumberTypo);
    assert_eq!(compare_documents(&dni, &docs(&[("DNI", "11122233")])), Level::Disagree);
    // A changed document: passport then a residence permit, new number.
    assert_eq!(compare_documents(&dni, &docs(&[("Pasaporte", "A1234567")])), Level::OtherDocuments);
    // Any document agreeing is enough.
    let two = docs(&[("Pasaporte", "A1234567"), ("PTP", "001234567")]);
    assert_eq!(compare_documents(&two, &docs(&[("PTP", "1234567")])), Level::SameDocument);
    assert_eq!(compare_documents(&dni, &[]), Level::Missing);
}

#[test]
fn phone_and_place_levels() {
    let p = |x: &str| normalize::phone_digits(x);
    assert_eq!(compare_phones(p("+51 987 654 321").as_deref(), p("987654321").as_deref()), Level::Exact);
    assert_eq!(compare_phones(p("987654321").as_deref(), p("987654331").as_deref()), Level::OneTypo);
    assert_eq!(compare_phones(p("987654321").as_deref(), p("912345678").as_deref()), Level::Disagree);
    assert_eq!(compare_phones(None, p("912345678").as_deref()), Level::Missing);
    let place = place_words;
    assert_eq!(
        compare_places(&place("San Juan de Lurigancho, Lima"), &place("Lima, San Juan de Lurigancho")),
        Level::Exact
    );
    assert_eq!(
        compare_places(&place("San Juan de Lurigancho, Lima"), &place("San Juan de Lurigancio, Lima")),
        Level::JaroWinklerHigh
    );
    assert_eq!(
        compare_places(&place("Comas, Lima"), &place("Puerto Maldonado, Madre de Dios")),
        Level::Disagree
    );
    // One word of two missing, the rest found.
    assert_eq!(compare_places(&place("Comas, Lima"), &place("Comas")), Level::JaroWinklerMid);
    let febrl = place("8 stanley street miami winston hills 4223 nsw");
    assert_eq!(
        compare_places(&febrl, &place("8 stanley stret winston hills 4223 nsw")),
        Level::JaroWinklerHigh
    );
    assert_eq!(
        compare_places(&febrl, &place("12 pinkerton circuit bega flats richlands 4560 vic")),
        Level::Disagree
    );
}

#[test]
fn the_place_bound_skips_only_what_cannot_reach_the_threshold() {
    let mut rng = crate::rng::SplitMix64::new(8);
    let word = |rng: &mut crate::rng::SplitMix64| -> String {
        let len = 1 + rng.below(10);
        (0..len).map(|_| char::from(b"aeinrst"[rng.below(7)])).collect()
    };
    for _ in 0..20_000 {
        let (x, y) = (word(&mut rng), word(&mut rng));
        let full = jaro_winkler(&x, &y);
        let expected = if x == y {
            1.0
        } else if full >= PLACE_WORD_SIMILARITY {
            full
        } else {
            0.0
        };
        assert_eq!(place_word_similarity(&PlaceWord::new(&x), &PlaceWord::new(&y)), expected, "{x} {y}");
    }
}

#[test]
fn given_names_and_surnames_in_each_others_fields() {
    let a = Prepared::new(&Record {
        given_names: Some("María".into()),
        surnames: Some("Quispe Mamani".into()),
        ..Record::default()
    });
    let b = Prepared::new(&Record {
        given_names: Some("QUISPE MAMANI".into()),
        surnames: Some("Maria".into()),
        ..Record::default()
    });
    let c = compare(&a, &b);
    assert_eq!((c.level(Field::GivenNames), c.level(Field::Surnames)), (Level::Swapped, Level::Swapped));
    // Only one field matching the other's is no swap.
    let d = Prepared::new(&Record {
        given_names: Some("Quispe".into()),
        surnames: Some("Torres".into()),
        ..Record::default()
    });
    let c = compare(&a, &d);
    assert_eq!((c.level(Field::GivenNames), c.level(Field::Surnames)), (Level::Disagree, Level::Disagree));
}

#[test]
fn a_full_comparison_vector() {
    let a = Record {
        given_names: Some("María José".into()),
        surnames: Some("Quispe Mamani".into()),
        birth_date: Some("1990-03-07".into()),
        sex: Some(Sex::Female),
        nationality: Some("PE".into()),
        documents: vec![Document::new("DNI", "45678912")],
        phone: Some("987654321".into()),
        place: Some("Comas, Lima".into()),
    };
    let b = Record {
        given_names: Some("Maria".into()),
        surnames: Some("Mamani Quispe".into()),
        birth_date: Some("1990-07-03".into()),
        sex: None,
        nationality: Some("Perú".into()),
        documents: vec![Document::new("Pasaporte", "P1234567")],
        phone: Some("+51 987654321".into()),
        place: Some("Comas - Lima".into()),
    };
    let c = compare(&Prepared::new(&a), &Prepared::new(&b));
    let levels: Vec<Level> = FIELDS.iter().map(|f| c.level(*f)).collect();
    assert_eq!(
        levels,
        [
            Level::Partial, // the shortened compound, accents lost
            Level::Swapped,
            Level::DayMonthSwapped,
            Level::Missing,
            Level::Agree,
            Level::OtherDocuments,
            Level::Exact,
            Level::Exact,
        ]
    );
}
