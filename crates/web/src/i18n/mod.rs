//! Localisation of the web pages: every user-facing string comes from a Fluent file
//! (`crates/web/locales/{es,en}.ftl`), Spanish by default; numbers, money and dates are written
//! by CLDR's patterns for the locale ([`format`]: `S/ 1,250.00` and `28/11/2026` for es-PE) and
//! read back in the same forms ([`input`]); codes (states, kinds, roles, bank reasons) and the
//! use cases' reasons become messages in [`codes`].

pub mod codes;
pub mod format;
pub mod input;

pub use format::{date, money, number};

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

/// The languages of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    Es,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::Es, Locale::En];

    pub fn code(self) -> &'static str {
        match self {
            Locale::Es => "es",
            Locale::En => "en",
        }
    }

    /// The name of the language in itself, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::Es => "Español",
            Locale::En => "English",
        }
    }

    pub fn parse(code: &str) -> Option<Locale> {
        match code.trim().to_ascii_lowercase().as_str() {
            "es" => Some(Locale::Es),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header; Spanish otherwise.
    pub fn from_accept_language(header: Option<&str>) -> Locale {
        header
            .unwrap_or("")
            .split(',')
            .filter_map(|part| part.split(';').next())
            .filter_map(|tag| Locale::parse(tag.trim().split('-').next().unwrap_or("")))
            .next()
            .unwrap_or_default()
    }

    fn source(self) -> &'static str {
        match self {
            Locale::Es => include_str!("../../locales/es.ftl"),
            Locale::En => include_str!("../../locales/en.ftl"),
        }
    }
}

fn bundle(locale: Locale) -> &'static FluentBundle<FluentResource> {
    static ES: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    static EN: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    let cell = match locale {
        Locale::Es => &ES,
        Locale::En => &EN,
    };
    cell.get_or_init(|| {
        let id: LanguageIdentifier = locale.code().parse().expect("a valid language tag");
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // No Unicode isolation marks around arguments: they would show up in plain-text places
        // (titles, the browser test's assertions).
        bundle.set_use_isolating(false);
        let resource = FluentResource::try_new(locale.source().to_string())
            .unwrap_or_else(|(_, errors)| panic!("{} Fluent file does not parse: {errors:?}", locale.code()));
        bundle.add_resource(resource).expect("no duplicate messages");
        bundle
    })
}

/// The message `key` in `locale` with its arguments; the key itself when missing (a test
/// checks that every key used exists in every language).
pub fn translate(locale: Locale, key: &str, args: &[(&str, String)]) -> String {
    let bundle = bundle(locale);
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return key.to_string();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    bundle.format_pattern(pattern, Some(&fluent_args), &mut errors).into_owned()
}

/// Whether `key` exists in `locale`.
pub fn has_message(locale: Locale, key: &str) -> bool {
    bundle(locale).has_message(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_translated_with_their_arguments() {
        assert_eq!(translate(Locale::Es, "claim-title", &[("id", "7".into())]), "Reclamo 7");
        assert_eq!(translate(Locale::En, "claim-title", &[("id", "7".into())]), "Claim 7");
        assert_eq!(translate(Locale::Es, "no-such-key", &[]), "no-such-key");
        assert_eq!(Locale::from_accept_language(Some("en-GB,en;q=0.9")), Locale::En);
        assert_eq!(Locale::from_accept_language(Some("fr-FR")), Locale::Es);
        assert_eq!(Locale::from_accept_language(None), Locale::Es);
    }

    /// Every message the Rust code asks for by a literal key, and every one-time notice, exists
    /// in both languages (keys built at run time are checked by the codes tests).
    #[test]
    fn every_message_the_code_names_exists_in_both_languages() {
        let mut missing = Vec::new();
        let mut checked = 0;
        let mut check = |key: &str, whence: &str| {
            checked += 1;
            for locale in Locale::ALL {
                if !has_message(locale, key) {
                    missing.push(format!("{whence}: {key} ({})", locale.code()));
                }
            }
        };
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut folders = vec![root];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                    continue;
                }
                let source = std::fs::read_to_string(&path).unwrap_or_default();
                let source = source.split("#[cfg(test)]").next().unwrap_or("");
                for call in source.split("translate(").skip(1) {
                    let Some((_, rest)) = call.split_once(',') else { continue };
                    let rest = rest.trim_start();
                    if let Some(literal) = rest.strip_prefix('"') {
                        let key = literal.split('"').next().unwrap_or("");
                        check(key, &path.display().to_string());
                    }
                }
            }
        }
        let forms = include_str!("../pages/forms.rs");
        let allowed = forms.split("let allowed = [").nth(1).and_then(|rest| rest.split("];").next()).unwrap();
        for key in allowed.split('"').skip(1).step_by(2) {
            check(key, "notice");
        }
        assert!(checked > 20, "the keys were found: {checked}");
        assert!(missing.is_empty(), "missing messages: {missing:?}");
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        let keys = |source: &str| -> Vec<String> {
            let mut keys: Vec<String> = source
                .lines()
                .filter_map(|line| line.split_once(" = ").map(|(k, _)| k.trim().to_string()))
                .filter(|k| !k.is_empty() && !k.starts_with('#'))
                .collect();
            keys.sort();
            keys
        };
        assert_eq!(keys(Locale::Es.source()), keys(Locale::En.source()));
    }
}
