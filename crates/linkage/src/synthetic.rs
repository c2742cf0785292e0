//! A synthetic population of the fund's region, with repeats, to measure the linkage where no
//! labelled data may leave the fund.
//!
//! People are Peruvian, Venezuelan (living in Peru), Colombian, Ecuadorian and Brazilian:
//! compound given names, two surnames (Spanish paternal–maternal, Portuguese maternal–paternal,
//! with particles), frequent surnames frequent (a Zipf law over real frequent surnames, plus a
//! tail of rare ones built from syllables), birth dates, sex, nationality written in several
//! ways, DNI/CE/PTP/CPP/passport/cédula/CPF numbers (some people have none: traffickers keep
//! documents), phones, districts. Some people are siblings of another: same surnames, same
//! district, often the same phone — the hard case for precision.
//!
//! Repeats are registrations of an existing person rewritten in one to three ways: typos,
//! surnames swapped, accents lost, given names abbreviated or shortened or reduced to an
//! initial, second surname dropped, a new document type (and number), day and month swapped, a
//! digit wrong, a birth date missing or only the year, phone missing or new, place missing or
//! misspelt, sex or nationality missing. On top, formatting that should not matter: capitals,
//! nationality as a code or a name, phone with or without country code, a DNI without its
//! leading zero. Some people have two repeats.

use std::collections::HashSet;

use crate::normalize::fold;
use crate::record::{Document, Record, Sex};
use crate::rng::SplitMix64;

/// Size and seed of a synthetic population.
#[derive(Clone, Debug)]
pub struct Options {
    pub people: usize,
    pub duplicates: usize,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options { people: 5_000, duplicates: 1_000, seed: 16 }
    }
}

/// Records and who each one is.
#[derive(Clone, Debug)]
pub struct Population {
    pub records: Vec<Record>,
    /// The person of each record.
    pub person: Vec<usize>,
}

impl Population {
    /// Every pair of records of the same person, `(i, j)` with `i < j`.
    pub fn true_pairs(&self) -> HashSet<(usize, usize)> {
        let mut by_person: std::collections::HashMap<usize, Vec<usize>> = std::collections::HashMap::new();
        for (i, p) in self.person.iter().enumerate() {
            by_person.entry(*p).or_default().push(i);
        }
        let mut pairs = HashSet::new();
        for records in by_person.values() {
            for (x, &i) in records.iter().enumerate() {
                for &j in &records[x + 1..] {
                    pairs.insert((i.min(j), i.max(j)));
                }
            }
        }
        pairs
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Country {
    Peru,
    Venezuela,
    Colombia,
    Ecuador,
    Brazil,
}

const SPANISH_FEMALE: &[&str] = &[
    "María",
    "Rosa",
    "Ana",
    "Carmen",
    "Juana",
    "Luz",
    "Elena",
    "Milagros",
    "Yesenia",
    "Gladys",
    "Flor",
    "Lucía",
    "Sofía",
    "Valentina",
    "Camila",
    "Daniela",
    "Yuliana",
    "Katherine",
    "Jhoselyn",
    "Fiorella",
    "Ángela",
    "Isabel",
    "Patricia",
    "Teresa",
    "Guadalupe",
    "Rosario",
    "Pilar",
    "Concepción",
    "Marisol",
    "Nelly",
    "Yolanda",
    "Sandra",
    "Karina",
    "Liliana",
    "Maribel",
    "Roxana",
    "Jazmín",
    "Nayeli",
    "Ximena",
    "Dayana",
    "Mariela",
    "Esther",
    "Beatriz",
    "Zoila",
    "Edith",
    "Noemí",
    "Raquel",
    "Soledad",
    "Inés",
    "Yanina",
];
const SPANISH_MALE: &[&str] = &[
    "José",
    "Juan",
    "Luis",
    "Carlos",
    "Jorge",
    "Miguel",
    "Pedro",
    "Francisco",
    "Antonio",
    "Manuel",
    "Jesús",
    "Víctor",
    "Guillermo",
    "Fernando",
    "Julio",
    "César",
    "Alexander",
    "Kevin",
    "Brayan",
    "Jhon",
    "Wilmer",
    "Edwin",
    "Ángel",
    "Raúl",
    "Óscar",
    "Hugo",
    "Andrés",
    "Diego",
    "Alberto",
    "Marco",
];
const PORTUGUESE_FEMALE: &[&str] = &[
    "Maria",
    "Ana",
    "Francisca",
    "Antônia",
    "Adriana",
    "Juliana",
    "Márcia",
    "Fernanda",
    "Patrícia",
    "Aline",
    "Conceição",
    "Luciana",
    "Vitória",
    "Letícia",
    "Bruna",
    "Camila",
    "Raimunda",
    "Sebastiana",
    "Jéssica",
    "Tatiane",
];
const PORTUGUESE_MALE: &[&str] = &[
    "José",
    "João",
    "Antônio",
    "Francisco",
    "Carlos",
    "Paulo",
    "Pedro",
    "Lucas",
    "Luiz",
    "Marcos",
    "Gabriel",
    "Rafael",
    "Raimundo",
    "Sebastião",
];
const PERUVIAN_SURNAMES: &[&str] = &[
    "Quispe",
    "Flores",
    "Sánchez",
    "Rodríguez",
    "García",
    "Mamani",
    "Huamán",
    "Rojas",
    "Díaz",
    "Torres",
    "Chávez",
    "Ramírez",
    "Gonzales",
    "López",
    "Vásquez",
    "Mendoza",
    "Castillo",
    "Espinoza",
    "Ramos",
    "Fernández",
    "Gutiérrez",
    "Pérez",
    "Condori",
    "Huanca",
    "Apaza",
    "Ticona",
    "Choque",
    "Cárdenas",
    "Peña",
    "Zúñiga",
    "Paredes",
    "Salazar",
    "de la Cruz",
    "Villanueva",
    "Cusi",
    "Huillca",
    "Puma",
    "Ccori",
    "Yupanqui",
    "Ñahui",
    "Mayta",
    "Cahuana",
    "Inga",
    "Palomino",
    "Vargas",
    "Romero",
    "Cruz",
    "Aguilar",
    "Medina",
    "Córdova",
];
const COLOMBIAN_SURNAMES: &[&str] = &[
    "Rodríguez",
    "Gómez",
    "González",
    "Martínez",
    "García",
    "López",
    "Hernández",
    "Sánchez",
    "Ramírez",
    "Pérez",
    "Díaz",
    "Muñoz",
    "Rojas",
    "Moreno",
    "Jiménez",
    "Londoño",
    "Ospina",
    "Arango",
    "Cardona",
    "Restrepo",
    "Zapata",
    "Castaño",
    "Giraldo",
    "Betancur",
    "Quintero",
];
const VENEZUELAN_SURNAMES: &[&str] = &[
    "Rodríguez",
    "González",
    "Pérez",
    "Hernández",
    "García",
    "Martínez",
    "López",
    "Ramírez",
    "Sánchez",
    "Díaz",
    "Torres",
    "Rojas",
    "Contreras",
    "Medina",
    "Castillo",
    "Blanco",
    "Rivas",
    "Marcano",
    "Guerrero",
    "Briceño",
];
const ECUADORIAN_SURNAMES: &[&str] = &[
    "Zambrano", "Vera", "Cedeño", "Mendoza", "Pincay", "Macías", "Alava", "Chiluisa", "Quishpe", "Guamán",
    "Tenesaca", "Yánez", "Andrade", "Ortiz", "Salazar",
];
const BRAZILIAN_SURNAMES: &[&str] = &[
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Almeida",
    "Lopes",
    "Sousa",
    "Fernandes",
    "Vieira",
    "Barbosa",
    "Conceição",
    "Araújo",
    "Gonçalves",
    "Nascimento",
    "Moraes",
];
const SYLLABLES: &[&str] = &[
    "hua", "cca", "llu", "qui", "ma", "ta", "pa", "chu", "yu", "ri", "co", "sa", "na", "ru", "ti", "mi",
    "lla", "pu", "cha", "ya", "ro", "be", "ga", "lo", "ne", "zu", "ñu", "que", "ji", "so",
];
const PERUVIAN_PLACES: &[&str] = &[
    "San Juan de Lurigancho, Lima",
    "Comas, Lima",
    "Villa El Salvador, Lima",
    "Ate, Lima",
    "San Martín de Porres, Lima",
    "La Victoria, Lima",
    "Callao",
    "Puente Piedra, Lima",
    "Los Olivos, Lima",
    "Independencia, Lima",
    "Puerto Maldonado, Madre de Dios",
    "La Pampa, Madre de Dios",
    "Juliaca, Puno",
    "Puno",
    "Iquitos, Loreto",
    "Cusco",
    "Tumbes",
    "Arequipa",
    "Trujillo, La Libertad",
    "Chiclayo, Lambayeque",
    "Piura",
    "Huancayo, Junín",
];
const COLOMBIAN_PLACES: &[&str] = &[
    "Kennedy, Bogotá",
    "Bosa, Bogotá",
    "Medellín",
    "Cali",
    "Cúcuta",
    "Barranquilla",
    "Pereira",
    "Ipiales, Nariño",
];
const ECUADORIAN_PLACES: &[&str] = &["Guayaquil", "Quito", "Manta", "Cuenca", "Machala", "Santo Domingo"];
const BRAZILIAN_PLACES: &[&str] = &[
    "São Paulo",
    "Manaus, Amazonas",
    "Belém, Pará",
    "Rio de Janeiro",
    "Boa Vista, Roraima",
    "Rio Branco, Acre",
];

const ABBREVIATIONS: &[(&str, &[&str])] = &[
    ("María", &["Ma.", "Mª", "Ma"]),
    ("Maria", &["Ma.", "Mª"]),
    ("Francisco", &["Fco.", "Fco"]),
    ("José", &["Jse.", "Jse"]),
    ("Juan", &["Jn", "Jn."]),
    ("Antonio", &["Ant.", "Ant"]),
    ("Antônio", &["Ant."]),
    ("Guillermo", &["Gmo.", "Gmo"]),
    ("Fernando", &["Fdo."]),
    ("Miguel", &["Mig."]),
];

fn cumulative_zipf(n: usize) -> Vec<f64> {
    let mut total = 0.0;
    (0..n)
        .map(|r| {
            total += 1.0 / (r as f64 + 1.0).powf(0.9);
            total
        })
        .collect()
}

struct Generator {
    rng: SplitMix64,
    zipf: std::collections::HashMap<usize, Vec<f64>>,
}

impl Generator {
    fn zipf_pick(&mut self, list: &[&'static str]) -> &'static str {
        let cumulative = self.zipf.entry(list.len()).or_insert_with(|| cumulative_zipf(list.len()));
        let i = self.rng.weighted(cumulative);
        list[i]
    }

    fn rare_surname(&mut self) -> String {
        let syllables = 2 + self.rng.below(2);
        let word: String = (0..syllables).map(|_| *self.rng.pick(SYLLABLES)).collect();
        let mut chars = word.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => word,
        }
    }

    fn surname(&mut self, country: Country) -> String {
        if self.rng.chance(0.25) {
            return self.rare_surname();
        }
        let list = match country {
            Country::Peru => PERUVIAN_SURNAMES,
            Country::Venezuela => VENEZUELAN_SURNAMES,
            Country::Colombia => COLOMBIAN_SURNAMES,
            Country::Ecuador => ECUADORIAN_SURNAMES,
            Country::Brazil => BRAZILIAN_SURNAMES,
        };
        self.zipf_pick(list).to_string()
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + self.rng.below(10) as u8)).collect()
    }

    fn given_names(&mut self, country: Country, sex: Sex) -> String {
        let list = match (country, sex) {
            (Country::Brazil, Sex::Female) => PORTUGUESE_FEMALE,
            (Country::Brazil, _) => PORTUGUESE_MALE,
            (_, Sex::Female) => SPANISH_FEMALE,
            _ => SPANISH_MALE,
        };
        let first = self.zipf_pick(list);
        if self.rng.chance(0.45) {
            let mut second = *self.rng.pick(list);
            while second == first {
                second = *self.rng.pick(list);
            }
            // "María del Carmen", "María de los Ángeles" now and then.
            if first.starts_with("Mar") && self.rng.chance(0.15) {
                return format!("{first} del Carmen");
            }
            format!("{first} {second}")
        } else {
            first.to_string()
        }
    }

    fn documents(&mut self, country: Country) -> Vec<Document> {
        if self.rng.chance(0.12) {
            return Vec::new();
        }
        let mut documents = Vec::new();
        match country {
            Country::Peru => {
                documents.push(Document::new("DNI", self.digits(8)));
                if self.rng.chance(0.1) {
                    let n = self.digits(7);
                    documents.push(Document::new("Pasaporte", format!("P{n}")));
                }
            }
            Country::Venezuela => {
                if self.rng.chance(0.6) {
                    documents.push(Document::new("Pasaporte", self.digits(9)));
                }
                if documents.is_empty() || self.rng.chance(0.6) {
                    let kind = *self.rng.pick(&["CE", "PTP", "CPP"]);
                    documents.push(Document::new(kind, self.digits(9)));
                }
            }
            Country::Colombia | Country::Ecuador => {
                if self.rng.chance(0.8) {
                    documents.push(Document::new("Cédula", self.digits(10)));
                } else {
                    let n = self.digits(6);
                    documents.push(Document::new("Pasaporte", format!("AU{n}")));
                }
            }
            Country::Brazil => {
                if self.rng.chance(0.8) {
                    let d = self.digits(11);
                    documents.push(Document::new(
                        "CPF",
                        format!("{}.{}.{}-{}", &d[0..3], &d[3..6], &d[6..9], &d[9..]),
                    ));
                } else {
                    let n = self.digits(6);
                    documents.push(Document::new("Passaporte", format!("FA{n}")));
                }
            }
        }
        documents
    }

    fn phone(&mut self, country: Country) -> String {
        let number = self.digits(8);
        match country {
            Country::Brazil => format!("9{number}"),
            Country::Colombia => format!("3{number}"),
            _ => format!("9{number}"),
        }
    }

    fn place(&mut self, country: Country) -> String {
        let list = match country {
            Country::Colombia => COLOMBIAN_PLACES,
            Country::Ecuador => ECUADORIAN_PLACES,
            Country::Brazil => BRAZILIAN_PLACES,
            // Venezuelans in the population live in Peru.
            _ => PERUVIAN_PLACES,
        };
        self.zipf_pick(list).to_string()
    }

    fn nationality(&mut self, country: Country) -> String {
        let spellings: &[&str] = match country {
            Country::Peru => &["PE", "PER", "Perú", "peruana"],
            Country::Venezuela => &["VE", "VEN", "Venezuela", "venezolana"],
            Country::Colombia => &["CO", "COL", "Colombia", "colombiana"],
            Country::Ecuador => &["EC", "ECU", "Ecuador", "ecuatoriana"],
            Country::Brazil => &["BR", "BRA", "Brasil", "brasileira"],
        };
        (*self.rng.pick(spellings)).to_string()
    }

    fn surnames(&mut self, country: Country) -> String {
        let first = self.surname(country);
        if self.rng.chance(0.06) {
            return first;
        }
        let second = self.surname(country);
        if country == Country::Brazil && self.rng.chance(0.4) {
            let particle = *self.rng.pick(&["da", "dos", "de"]);
            return format!("{first} {particle} {second}");
        }
        format!("{first} {second}")
    }

    fn birth(&mut self, year_from: usize) -> (usize, usize, usize) {
        (year_from + self.rng.below(44), 1 + self.rng.below(12), 1 + self.rng.below(28))
    }

    fn person(&mut self, sibling_of: Option<(&Record, Country)>) -> (Record, Country) {
        let country = match sibling_of {
            Some((_, c)) => c,
            None => {
                let x = self.rng.unit();
                if x < 0.5 {
                    Country::Peru
                } else if x < 0.65 {
                    Country::Venezuela
                } else if x < 0.8 {
                    Country::Colombia
                } else if x < 0.85 {
                    Country::Ecuador
                } else {
                    Country::Brazil
                }
            }
        };
        let sex = if self.rng.chance(0.75) { Sex::Female } else { Sex::Male };
        let (y, m, d) = self.birth(1965);
        let mut record = Record {
            given_names: Some(self.given_names(country, sex)),
            surnames: Some(self.surnames(country)),
            birth_date: Some(format!("{y:04}-{m:02}-{d:02}")),
            sex: Some(sex),
            nationality: Some(self.nationality(country)),
            documents: self.documents(country),
            phone: self.rng.chance(0.7).then(|| self.phone(country)),
            place: self.rng.chance(0.9).then(|| self.place(country)),
        };
        if let Some((sibling, _)) = sibling_of {
            record.surnames.clone_from(&sibling.surnames);
            record.place.clone_from(&sibling.place);
            if self.rng.chance(0.4) {
                record.phone.clone_from(&sibling.phone);
            }
            if let Some(year) = sibling.birth_date.as_deref().and_then(|b| b.get(0..4)?.parse::<usize>().ok())
            {
                let gap = 1 + self.rng.below(8);
                let year = if self.rng.chance(0.5) { year + gap } else { year.saturating_sub(gap) };
                let (_, m, d) = self.birth(1965);
                record.birth_date = Some(format!("{year:04}-{m:02}-{d:02}"));
            }
        }
        (record, country)
    }

    /// One typo: a confusion of the region's spelling, a letter dropped, doubled or two
    /// swapped.
    fn typo(&mut self, text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let letters: Vec<usize> = (0..chars.len()).filter(|i| chars[*i].is_alphabetic()).collect();
        if letters.len() < 3 {
            return text.to_string();
        }
        // Not the first letter: clerks rarely get that wrong.
        let at = letters[1 + self.rng.below(letters.len() - 1)];
        let mut out = chars.clone();
        match self.rng.below(4) {
            0 => {
                let c = chars[at].to_lowercase().next().unwrap_or(chars[at]);
                let replacement = match c {
                    'b' => 'v',
                    'v' => 'b',
                    's' => 'z',
                    'z' => 's',
                    'c' => 's',
                    'i' => 'y',
                    'y' => 'i',
                    'n' => 'ñ',
                    'ñ' => 'n',
                    'e' => 'i',
                    'o' => 'u',
                    _ => *self.rng.pick(&['a', 'e', 'r', 'n', 'l']),
                };
                out[at] = replacement;
            }
            1 => {
                out.remove(at);
            }
            2 => out.insert(at, chars[at]),
            _ => {
                if at + 1 < out.len() && out[at + 1].is_alphabetic() {
                    out.swap(at, at + 1);
                } else {
                    out.swap(at - 1, at);
                }
            }
        }
        out.into_iter().collect()
    }

    fn rewrite(&mut self, original: &Record, country: Country) -> Record {
        let mut r = original.clone();
        let count = match self.rng.unit() {
            x if x < 0.35 => 1,
            x if x < 0.75 => 2,
            _ => 3,
        };
        const WEIGHTS: [f64; 19] =
            [10.0, 10.0, 8.0, 8.0, 6.0, 6.0, 3.0, 5.0, 8.0, 5.0, 5.0, 4.0, 5.0, 4.0, 4.0, 4.0, 2.0, 2.0, 5.0];
        let mut cumulative = [0.0; 19];
        let mut total = 0.0;
        for (c, w) in cumulative.iter_mut().zip(WEIGHTS) {
            total += w;
            *c = total;
        }
        for _ in 0..count {
            match self.rng.weighted(&cumulative) {
                0 => r.given_names = r.given_names.map(|g| self.typo(&g)),
                1 => r.surnames = r.surnames.map(|s| self.typo(&s)),
                2 => {
                    r.surnames = r.surnames.map(|s| {
                        let words: Vec<&str> = s.split(' ').collect();
                        match words.as_slice() {
                            [a, b] => format!("{b} {a}"),
                            [a, p, b] => format!("{b} {p} {a}"),
                            _ => s.clone(),
                        }
                    })
                }
                3 => {
                    r.given_names = r.given_names.map(|g| strip_accents(&g));
                    r.surnames = r.surnames.map(|s| strip_accents(&s));
                }
                4 => r.given_names = r.given_names.map(|g| self.abbreviate(&g)),
                5 => {
                    r.given_names = r.given_names.map(|g| match g.split_once(' ') {
                        Some((first, _)) => first.to_string(),
                        None => self.typo(&g),
                    })
                }
                6 => {
                    r.given_names = r.given_names.map(|g| match g.split_once(' ') {
                        Some((first, rest)) => format!("{}. {rest}", first.chars().next().unwrap_or('X')),
                        None => g,
                    })
                }
                7 => {
                    r.surnames = r.surnames.map(|s| match s.rsplit_once(' ') {
                        Some((first, _)) if !first.ends_with(" de la") && first != "de la" => {
                            first.to_string()
                        }
                        _ => s,
                    })
                }
                8 => r.documents = self.new_documents(&r.documents, country),
                9 => r.birth_date = r.birth_date.map(|b| swap_day_month(&b)),
                10 => r.birth_date = r.birth_date.map(|b| self.date_typo(&b)),
                11 => {
                    r.birth_date = if self.rng.chance(0.5) {
                        None
                    } else {
                        r.birth_date.and_then(|b| b.get(0..4).map(str::to_string))
                    }
                }
                12 => r.phone = None,
                13 => r.phone = Some(self.phone(country)),
                14 => r.place = None,
                15 => r.place = r.place.map(|p| self.typo(&p)),
                16 => r.sex = None,
                17 => r.nationality = None,
                _ => r.documents.clear(),
            }
        }
        // Formatting that should not matter.
        if self.rng.chance(0.3) {
            r.given_names = r.given_names.map(|g| g.to_uppercase());
            r.surnames = r.surnames.map(|s| s.to_uppercase());
        }
        if r.nationality.is_some() {
            r.nationality = Some(self.nationality(country));
        }
        if self.rng.chance(0.5) {
            r.phone = r.phone.map(|p| match country {
                Country::Brazil => format!("+55 11 {p}"),
                Country::Colombia => format!("+57 {p}"),
                Country::Ecuador => format!("+593 {p}"),
                _ => format!("+51 {} {} {}", &p[0..3], &p[3..6], &p[6..]),
            });
        }
        for d in r.documents.iter_mut() {
            if d.kind == "DNI" && self.rng.chance(0.1) {
                d.number = d.number.trim_start_matches('0').to_string();
            }
        }
        r
    }

    fn abbreviate(&mut self, given: &str) -> String {
        let words: Vec<&str> = given.split(' ').collect();
        for (i, w) in words.iter().enumerate() {
            if let Some((_, forms)) = ABBREVIATIONS.iter().find(|(name, _)| name == w) {
                let mut out: Vec<String> = words.iter().map(|w| (*w).to_string()).collect();
                out[i] = (*self.rng.pick(forms)).to_string();
                return out.join(" ");
            }
        }
        // No known abbreviation: an initial for the first of two names, or a typo.
        match given.split_once(' ') {
            Some((first, rest)) => format!("{}. {rest}", first.chars().next().unwrap_or('X')),
            None => self.typo(given),
        }
    }

    /// A new document of another type (a Venezuelan passport replaced by a residence permit, a
    /// DNI not shown and a passport instead), or a renewed passport: a new number.
    fn new_documents(&mut self, documents: &[Document], country: Country) -> Vec<Document> {
        let kinds: &[&str] = match country {
            Country::Peru => &["Pasaporte", "Partida de nacimiento"],
            Country::Venezuela => &["CE", "PTP", "CPP", "Pasaporte"],
            Country::Colombia | Country::Ecuador => &["Pasaporte", "PPT", "CE"],
            Country::Brazil => &["Passaporte", "RG", "CRNM"],
        };
        // A renewed passport: same type, new number.
        if let Some(passport) = documents.iter().find(|d| d.kind.starts_with("Pas")) {
            if self.rng.chance(0.3) {
                return vec![Document::new(passport.kind.clone(), format!("N{}", self.digits(8)))];
            }
        }
        let held: Vec<String> = documents.iter().map(|d| d.kind.clone()).collect();
        let candidates: Vec<&str> = kinds.iter().copied().filter(|k| !held.iter().any(|h| h == k)).collect();
        let kind = if candidates.is_empty() { "Pasaporte" } else { *self.rng.pick(&candidates) };
        vec![Document::new(kind, self.digits(9))]
    }

    fn date_typo(&mut self, date: &str) -> String {
        let mut chars: Vec<char> = date.chars().collect();
        let positions: Vec<usize> = (0..chars.len()).filter(|i| chars[*i].is_ascii_digit()).collect();
        // Not the century: nobody writes 1890 for 1990.
        let at = positions[2 + self.rng.below(positions.len() - 2)];
        let digit = chars[at].to_digit(10).unwrap_or(0);
        let new = (digit + 1 + self.rng.below(9) as u32) % 10;
        chars[at] = char::from_digit(new, 10).unwrap_or('0');
        chars.into_iter().collect()
    }
}

fn strip_accents(text: &str) -> String {
    // Keep the capitals as written, lose the marks.
    text.chars()
        .map(|c| {
            let folded = fold(&c.to_string());
            let mut f = folded.chars();
            match (f.next(), f.next()) {
                (Some(x), None) if c.is_uppercase() => x.to_uppercase().next().unwrap_or(x),
                (Some(x), None) => x,
                _ => c,
            }
        })
        .collect()
}

fn swap_day_month(date: &str) -> String {
    let parts: Vec<&str> = date.split('-').collect();
    match parts.as_slice() {
        [y, m, d] if d.parse::<u8>().is_ok_and(|d| d <= 12) => format!("{y}-{d}-{m}"),
        // A day over 12 cannot be a month: the clerk wrote it day first instead.
        [y, m, d] => format!("{d}/{m}/{y}"),
        _ => date.to_string(),
    }
}

/// Generates a population.
pub fn population(options: &Options) -> Population {
    let mut g = Generator { rng: SplitMix64::new(options.seed), zipf: Default::default() };
    let mut originals: Vec<(Record, Country)> = Vec::with_capacity(options.people);
    for _ in 0..options.people {
        let sibling = if !originals.is_empty() && g.rng.chance(0.06) {
            let i = g.rng.below(originals.len());
            Some(originals[i].clone())
        } else {
            None
        };
        let person = g.person(sibling.as_ref().map(|(r, c)| (r, *c)));
        originals.push(person);
    }
    let mut records: Vec<Record> = originals.iter().map(|(r, _)| r.clone()).collect();
    let mut person: Vec<usize> = (0..options.people).collect();
    let mut repeated: Vec<usize> = Vec::new();
    for _ in 0..options.duplicates {
        if options.people == 0 {
            break;
        }
        let who = if !repeated.is_empty() && g.rng.chance(0.08) {
            *g.rng.pick(&repeated)
        } else {
            g.rng.below(options.people)
        };
        repeated.push(who);
        let (original, country) = &originals[who];
        let rewritten = g.rewrite(original, *country);
        records.push(rewritten);
        person.push(who);
    }
    // Shuffle so repeats are not all at the end (Fisher–Yates).
    let n = records.len();
    for i in (1..n).rev() {
        let j = g.rng.below(i + 1);
        records.swap(i, j);
        person.swap(i, j);
    }
    Population { records, person }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_sized_and_realistic() {
        let options = Options { people: 2_000, duplicates: 400, seed: 1 };
        let a = population(&options);
        let b = population(&options);
        assert_eq!(a.records, b.records);
        assert_eq!(a.records.len(), 2_400);
        let pairs = a.true_pairs();
        assert!(pairs.len() >= 400, "{}", pairs.len());
        // Frequent surnames are frequent.
        let quispe =
            a.records.iter().filter(|r| r.surnames.as_deref().is_some_and(|s| s.contains("Quispe"))).count();
        assert!(quispe > 40, "{quispe}");
        // Accents, compound names and people without documents exist.
        assert!(a.records.iter().any(|r| r.given_names.as_deref().is_some_and(|g| g.contains(' '))));
        assert!(a.records.iter().any(|r| r.surnames.as_deref().is_some_and(|g| g.contains('í'))));
        assert!(a.records.iter().any(|r| r.documents.is_empty()));
        // Different seeds differ.
        let c = population(&Options { seed: 2, ..options });
        assert_ne!(a.records, c.records);
    }

    #[test]
    fn rewriting_helpers() {
        assert_eq!(strip_accents("Ñahui PÉREZ"), "Nahui PEREZ");
        assert_eq!(swap_day_month("1990-03-07"), "1990-07-03");
        assert_eq!(swap_day_month("1990-03-27"), "27/03/1990");
    }
}
