//! Layered configuration: defaults → TOML file → `REDRESS_…` environment variables → flags.
//!
//! The file is the one given with `--config` (or `REDRESS_CONFIG`), else `redress.toml` in the
//! working directory when it exists. Environment variables name a key as
//! `REDRESS_SECTION__KEY` (`REDRESS_SERVER__LISTEN=0.0.0.0:8080`); `REDRESS_DATABASE_URL` and
//! `REDRESS_DATA_DIR` are accepted as they are. Other `REDRESS_` variables (such as the tests'
//! `REDRESS_TEST_POSTGRES_URL`) are not configuration and are ignored.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::Uncased;
use figment::Figment;
use redress_app::Settings;

/// Top-level keys that may come from the environment.
const SECTIONS: [&str; 9] =
    ["server", "database", "security", "bootstrap", "logging", "metrics", "fund", "ledger", "cases"];

/// Values given on the command line, which win over everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
}

fn environment() -> Env {
    Env::prefixed("REDRESS_").filter_map(|key| {
        let key = key.as_str().to_ascii_lowercase();
        if key == "database_url" {
            return Some(Uncased::from_owned("database.url".to_string()));
        }
        if key == "data_dir" {
            return Some(Uncased::from_owned(key));
        }
        let (section, rest) = key.split_once("__")?;
        SECTIONS
            .contains(&section)
            .then(|| Uncased::from_owned(format!("{section}.{}", rest.replace("__", "."))))
    })
}

/// Loads and validates the settings. The error lists every problem, each naming its key.
pub fn load(overrides: &Overrides) -> Result<Settings, String> {
    let mut figment = Figment::from(Serialized::defaults(Settings::default()));
    let file = overrides
        .config
        .clone()
        .or_else(|| std::env::var_os("REDRESS_CONFIG").map(PathBuf::from))
        .map(|path| (path, true))
        .or_else(|| Some((PathBuf::from("redress.toml"), false)).filter(|(p, _)| Path::new(p).exists()));
    if let Some((path, explicit)) = file {
        if explicit && !path.exists() {
            return Err(format!("configuration file {} does not exist", path.display()));
        }
        figment = figment.merge(Toml::file_exact(&path));
    }
    // Each variable is kept as the text it is: figment's own parsing would read the account
    // `00219300999999999912` as a number. Numbers and booleans are read from text when the
    // setting wants one (the lossy extraction below).
    for (key, value) in environment().iter() {
        figment = figment.merge(Serialized::default(key.as_str(), value));
    }
    if let Some(dir) = &overrides.data_dir {
        figment = figment.merge(Serialized::default("data_dir", dir));
    }
    if let Some(url) = &overrides.database_url {
        figment = figment.merge(Serialized::default("database.url", url));
    }
    if let Some(listen) = &overrides.listen {
        figment = figment.merge(Serialized::default("server.listen", listen));
    }
    let settings: Settings = figment.extract_lossy().map_err(|error| {
        error.into_iter().map(|e| format!("configuration: {e}")).collect::<Vec<_>>().join("\n")
    })?;
    let problems = settings.validate();
    if problems.is_empty() {
        Ok(settings)
    } else {
        Err(problems.iter().map(|p| format!("configuration: {p}")).collect::<Vec<_>>().join("\n"))
    }
}

/// The effective configuration as TOML, secrets masked (`redress config print`).
pub fn print(settings: &Settings) -> String {
    let mut value = toml::Value::try_from(settings).unwrap_or(toml::Value::Table(Default::default()));
    if let Some(database) = value.get_mut("database").and_then(|d| d.as_table_mut()) {
        database.insert("url".to_string(), toml::Value::String(settings.database_url_masked()));
    }
    let body = toml::to_string_pretty(&value).unwrap_or_default();
    format!("# Effective configuration (defaults, file, environment, flags); secrets are masked.\n{body}")
}
