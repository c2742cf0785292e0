//! The typed configuration. Loaded by the binary in layers — defaults, then a TOML file, then
//! `REDRESS_SECTION__KEY` environment variables, then command-line flags — and checked here by
//! [`Settings::validate`] before anything starts. Every limit the server enforces is named here.

use std::net::SocketAddr;
use std::path::PathBuf;

use redress_domain::{PasswordRules, Secret};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the embedded database, keys and exports live. Created on first start.
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub security: SecuritySettings,
    pub bootstrap: BootstrapSettings,
    pub logging: LoggingSettings,
    pub metrics: MetricsSettings,
    pub fund: FundSettings,
    pub ledger: LedgerSettings,
    pub cases: CaseSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("redress-data"),
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            security: SecuritySettings::default(),
            bootstrap: BootstrapSettings::default(),
            logging: LoggingSettings::default(),
            metrics: MetricsSettings::default(),
            fund: FundSettings::default(),
            ledger: LedgerSettings::default(),
            cases: CaseSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address and port to listen on; port 0 picks a free port.
    pub listen: String,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Longest a request may take before the server answers 503.
    pub request_timeout_seconds: u64,
    /// The address people type to reach Redress (`https://fondo.example.pe` behind a TLS proxy,
    /// or `http://servidor:8080` on an office network). It decides the session cookie: `Secure`
    /// when it is https (or when a trusted proxy says the request came over https), not `Secure`
    /// when it is http. Unset: `cookie_secure` decides.
    pub public_url: Option<String>,
    /// Without `public_url`: mark the session cookie `Secure` (sent over HTTPS only; browsers
    /// also accept it on `localhost` and `127.0.0.1`).
    pub cookie_secure: bool,
    /// Trust the reverse proxy's `X-Forwarded-For` (the client address) and `X-Forwarded-Proto`
    /// (whether the browser used https). Only behind a proxy you run, which sets both.
    pub trust_forwarded_for: bool,
    /// Requests a minute each client address may make to the anonymous public page and feeds
    /// (a burst of that many, refilled evenly); 0 turns the limit off.
    pub public_requests_per_minute: u32,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_string(),
            // Room for a ledger batch of `ledger.batch_max` (8,000) transfers; see
            // `LEDGER_TRANSFER_BYTES`.
            body_limit_bytes: 3 * 1024 * 1024,
            request_timeout_seconds: 30,
            public_url: None,
            cookie_secure: true,
            trust_forwarded_for: false,
            public_requests_per_minute: 120,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://user:password@host/db` or `sqlite://path`. Empty: SQLite in `data_dir`.
    pub url: Option<Secret<String>>,
    pub connections_max: u32,
    /// How long a statement waits for a lock before failing (SQLite busy timeout, PostgreSQL
    /// lock timeout for the write lock).
    pub busy_timeout_ms: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self { url: None, connections_max: 8, busy_timeout_ms: 5_000 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// A session ends this long after login, whatever happens.
    pub session_lifetime_minutes: i64,
    /// A session ends after this long without a request.
    pub session_idle_minutes: i64,
    /// Failed logins allowed for one username within the window before it is locked out.
    pub login_failures_max: i64,
    /// Failed logins allowed from one client address within the window.
    pub login_failures_per_address_max: i64,
    pub login_failure_window_seconds: i64,
    pub password_length_min: usize,
    /// The data key file (victims' identity). Default: `keys.json` in `data_dir`. Keep it out
    /// of database backups, and back it up separately: without it identities cannot be read.
    pub keys_file: Option<PathBuf>,
    /// The Ed25519 key that signs audit checkpoints. Default: `audit-signing.key` in
    /// `data_dir`. Created owner-only on first start; like the data keys, never in the database.
    pub audit_signing_key_file: Option<PathBuf>,
    /// The folder checkpoint files are written to. Default: `checkpoints` in `data_dir`. Copy it
    /// off the machine: a checkpoint only helps where an insider cannot roll it back too.
    pub audit_checkpoint_dir: Option<PathBuf>,
    /// How often the server signs the chain's head (only when it moved), in seconds.
    pub audit_checkpoint_interval_seconds: u64,
    /// An outside `http(s)://` URL each checkpoint is POSTed to as JSON. Best effort: a
    /// checkpoint that could not be sent is sent again on the next tick.
    pub audit_checkpoint_url: Option<String>,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            session_lifetime_minutes: 8 * 60,
            session_idle_minutes: 30,
            login_failures_max: 5,
            login_failures_per_address_max: 50,
            login_failure_window_seconds: 15 * 60,
            password_length_min: 12,
            keys_file: None,
            audit_signing_key_file: None,
            audit_checkpoint_dir: None,
            audit_checkpoint_interval_seconds: 600,
            audit_checkpoint_url: None,
        }
    }
}

impl SecuritySettings {
    pub fn password_rules(&self) -> PasswordRules {
        PasswordRules { length_min: self.password_length_min }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BootstrapSettings {
    /// Username of the administrator created on the first start of an empty database.
    pub admin_username: String,
    /// The institution that administrator belongs to.
    pub institution: String,
}

impl Default for BootstrapSettings {
    fn default() -> Self {
        Self { admin_username: "admin".to_string(), institution: "Fondo de Reparaciones".to_string() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoggingSettings {
    pub format: LogFormat,
    /// A `tracing` filter: `info`, `redress=debug,sqlx=warn`…
    pub level: String,
}

impl Default for LoggingSettings {
    fn default() -> Self {
        Self { format: LogFormat::Text, level: "info".to_string() }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// A bearer token a Prometheus scraper may use on `/metrics` (at least 24 characters).
    /// Without it, only logged-in admins and auditors may read the metrics.
    pub token: Option<Secret<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FundSettings {
    /// The fund's currency (ISO 4217); its chart of accounts is created on first start.
    pub currency: String,
    /// An order unpaid this many days after its deadline counts as unpayable by the convicted
    /// (the other way being an insolvency finding).
    pub eligibility_grace_days: i64,
    /// The fund's name as the bank knows it (the debtor and initiating party of bank files).
    pub name: String,
    /// The fund's own bank account paying victims: an IBAN, or another id such as Peru's
    /// 20-digit CCI. Bank files cannot be exported until it is set.
    pub bank_account: Option<String>,
    /// The BIC of the fund's bank, if it has one.
    pub bank_bic: Option<String>,
    /// Starts every bank file's message id (`<prefix>-B12`): give each deployment its own, so
    /// that message ids stay unique at the bank across databases.
    pub message_id_prefix: String,
    /// Where receipts are issued (printed on them).
    pub city: String,
    /// The fund's time zone (an IANA name): "today" for deadlines and dates typed as past, and
    /// every time the pages show.
    pub time_zone: String,
}

impl Default for FundSettings {
    fn default() -> Self {
        Self {
            currency: "PEN".to_string(),
            eligibility_grace_days: 30,
            name: "Fondo de Reparación a Víctimas de Trata de Personas".to_string(),
            bank_account: None,
            bank_bic: None,
            message_id_prefix: "REDRESS".to_string(),
            city: "Lima".to_string(),
            time_zone: "America/Lima".to_string(),
        }
    }
}

/// The size a ledger batch is planned for, per transfer, in JSON: an id, two account names, an
/// amount, references and a short memo come to about 250 bytes; this leaves room for more.
pub const LEDGER_TRANSFER_BYTES: usize = 320;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LedgerSettings {
    /// Most transfers accepted in one batch request.
    pub batch_max: usize,
    /// How often the server releases expired holds, in seconds.
    pub expiry_sweep_seconds: u64,
    /// How far back a transfer's value date may be (money recorded late), in days.
    pub value_date_past_days_max: i64,
}

impl Default for LedgerSettings {
    fn default() -> Self {
        Self { batch_max: 8_000, expiry_sweep_seconds: 60, value_date_past_days_max: 1_096 }
    }
}

/// One offence of the reference list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offence {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaseSettings {
    /// The offences cases may concern (reference data). Default: Peru's Código Penal
    /// arts. 129-A to 129-Ñ; another country lists its own.
    pub offences: Vec<Offence>,
}

impl Default for CaseSettings {
    fn default() -> Self {
        Self {
            offences: redress_domain::cases::OFFENCES_PERU
                .iter()
                .map(|(code, name)| Offence { code: code.to_string(), name: name.to_string() })
                .collect(),
        }
    }
}

/// Which engine a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Settings {
    /// The database URL to connect to: the configured one, or SQLite inside `data_dir`.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) if !url.expose().trim().is_empty() => url.expose().trim().to_string(),
            _ => format!("sqlite://{}", self.data_dir.join("redress.db").display()),
        }
    }

    pub fn engine(&self) -> Option<Engine> {
        engine_of(&self.database_url())
    }

    /// Every problem with the configuration, each naming its key. Empty when valid.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Problems(Vec::new());
        self.check_server(&mut problems);
        self.check_security(&mut problems);
        self.check_fund(&mut problems);
        self.check_ledger_and_cases(&mut problems);
        problems.0
    }

    /// The server and the database.
    fn check_server(&self, p: &mut Problems) {
        p.check(
            self.server.public_requests_per_minute <= 100_000,
            "server.public_requests_per_minute",
            "must be between 0 (no limit) and 100000",
        );
        p.check(
            self.server.listen.parse::<SocketAddr>().is_ok(),
            "server.listen",
            "must be an address and port such as 127.0.0.1:8080",
        );
        p.check(
            (1024..=64 * 1024 * 1024).contains(&self.server.body_limit_bytes),
            "server.body_limit_bytes",
            "must be between 1024 and 67108864",
        );
        p.check(
            self.server.public_url.as_deref().is_none_or(|url| public_url_host(url).is_some()),
            "server.public_url",
            "must be an http:// or https:// URL with a host, such as https://fondo.example.pe",
        );
        p.check(
            (1..=600).contains(&self.server.request_timeout_seconds),
            "server.request_timeout_seconds",
            "must be between 1 and 600",
        );
        p.check(
            self.engine().is_some(),
            "database.url",
            "must start with sqlite:// or postgres:// (or postgresql://)",
        );
        p.check(
            (1..=256).contains(&self.database.connections_max),
            "database.connections_max",
            "must be between 1 and 256",
        );
        p.check(
            (100..=600_000).contains(&self.database.busy_timeout_ms),
            "database.busy_timeout_ms",
            "must be between 100 and 600000",
        );
    }

    /// Sessions, logins, passwords, the audit checkpoints, the first administrator, logs and metrics.
    fn check_security(&self, p: &mut Problems) {
        let security = &self.security;
        p.check(
            (5..=7 * 24 * 60).contains(&security.session_lifetime_minutes),
            "security.session_lifetime_minutes",
            "must be between 5 and 10080 (one week)",
        );
        p.check(
            (1..=security.session_lifetime_minutes.max(1)).contains(&security.session_idle_minutes),
            "security.session_idle_minutes",
            "must be at least 1 and at most the session lifetime",
        );
        p.check(
            (1..=1000).contains(&security.login_failures_max),
            "security.login_failures_max",
            "must be between 1 and 1000",
        );
        p.check(
            (1..=100_000).contains(&security.login_failures_per_address_max),
            "security.login_failures_per_address_max",
            "must be between 1 and 100000",
        );
        p.check(
            (10..=7 * 24 * 3600).contains(&security.login_failure_window_seconds),
            "security.login_failure_window_seconds",
            "must be between 10 and 604800",
        );
        p.check(
            (8..=128).contains(&security.password_length_min),
            "security.password_length_min",
            "must be between 8 and 128",
        );
        p.check(
            (1..=86_400).contains(&security.audit_checkpoint_interval_seconds),
            "security.audit_checkpoint_interval_seconds",
            "must be between 1 and 86400 (one day)",
        );
        p.check(
            security.audit_checkpoint_url.as_ref().is_none_or(|url| {
                (url.starts_with("http://") || url.starts_with("https://"))
                    && !url.contains(char::is_whitespace)
            }),
            "security.audit_checkpoint_url",
            "must be an http:// or https:// URL",
        );
        p.check(
            redress_domain::Username::parse(&self.bootstrap.admin_username).is_ok(),
            "bootstrap.admin_username",
            "must be a valid username (3-64 of a-z, 0-9, '.', '_', '-', starting with a letter)",
        );
        p.check(
            redress_domain::InstitutionName::parse(&self.bootstrap.institution).is_ok(),
            "bootstrap.institution",
            "must be a non-empty name of at most 200 characters",
        );
        p.check(
            tracing_filter_is_plausible(&self.logging.level),
            "logging.level",
            "must be a tracing filter such as info or redress=debug,sqlx=warn",
        );
        p.check(
            self.metrics.token.as_ref().is_none_or(|t| t.expose().len() >= 24),
            "metrics.token",
            "must be at least 24 characters long",
        );
    }

    /// The fund's currency, name, bank details and grace days.
    fn check_fund(&self, p: &mut Problems) {
        p.check(
            redress_domain::Currency::parse(&self.fund.currency).is_ok(),
            "fund.currency",
            "must be a supported ISO 4217 code such as PEN, USD, COP, BRL, DOP, TTD, AWG or XCG",
        );
        p.check(
            (0..=3_650).contains(&self.fund.eligibility_grace_days),
            "fund.eligibility_grace_days",
            "must be between 0 and 3650",
        );
        p.check(
            !self.fund.name.trim().is_empty() && self.fund.name.chars().count() <= 140,
            "fund.name",
            "must be a name of 1 to 140 characters (the bank's limit)",
        );
        p.check(
            self.fund
                .bank_account
                .as_ref()
                .is_none_or(|a| redress_domain::payments::BankAccount::parse("fund.bank_account", a).is_ok()),
            "fund.bank_account",
            "must be a CCI (20 digits with valid check digits) or an IBAN",
        );
        p.check(
            (1..=20).contains(&self.fund.message_id_prefix.len())
                && self
                    .fund
                    .message_id_prefix
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'),
            "fund.message_id_prefix",
            "must be 1 to 20 capital letters, digits or dashes",
        );
        p.check(
            !self.fund.city.trim().is_empty() && self.fund.city.chars().count() <= 80,
            "fund.city",
            "must be a place name of 1 to 80 characters",
        );
        p.check(
            self.fund.bank_bic.as_ref().is_none_or(|b| {
                matches!(b.len(), 8 | 11) && b.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            }),
            "fund.bank_bic",
            "must be a BIC of 8 or 11 capital letters and digits",
        );
        p.check(
            jiff::tz::TimeZone::get(&self.fund.time_zone).is_ok(),
            "fund.time_zone",
            "must be an IANA time zone such as America/Lima, America/Guayaquil or America/Bogota",
        );
    }

    /// The fund's time zone; UTC only if the setting was never validated.
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.fund.time_zone).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// The offence list and the ledger's limits (a batch must fit under the body limit).
    fn check_ledger_and_cases(&self, p: &mut Problems) {
        p.check(
            !self.cases.offences.is_empty()
                && self
                    .cases
                    .offences
                    .iter()
                    .all(|o| !o.code.trim().is_empty() && o.code == o.code.to_uppercase()),
            "cases.offences",
            "must list at least one offence, each with an upper-case code",
        );
        p.check(
            (1..=8_000).contains(&self.ledger.batch_max),
            "ledger.batch_max",
            "must be between 1 and 8000",
        );
        let batch_bytes = self.ledger.batch_max.saturating_mul(LEDGER_TRANSFER_BYTES);
        p.check(
            self.server.body_limit_bytes >= batch_bytes,
            "server.body_limit_bytes",
            &format!(
                "must hold a ledger batch of ledger.batch_max = {} transfers (about {LEDGER_TRANSFER_BYTES} bytes \
                 each): at least {batch_bytes}; raise it or lower ledger.batch_max",
                self.ledger.batch_max
            ),
        );
        p.check(
            (1..=3_600).contains(&self.ledger.expiry_sweep_seconds),
            "ledger.expiry_sweep_seconds",
            "must be between 1 and 3600",
        );
    }

    /// Where the data key file is.
    pub fn keys_path(&self) -> PathBuf {
        self.security.keys_file.clone().unwrap_or_else(|| self.data_dir.join("keys.json"))
    }

    /// Where the audit signing key is.
    pub fn audit_signing_key_path(&self) -> PathBuf {
        self.security
            .audit_signing_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit-signing.key"))
    }

    /// Where checkpoint files are written.
    pub fn audit_checkpoint_dir(&self) -> PathBuf {
        self.security.audit_checkpoint_dir.clone().unwrap_or_else(|| self.data_dir.join("checkpoints"))
    }

    /// The fund's currency (validated at start-up).
    pub fn fund_currency(&self) -> redress_domain::Currency {
        redress_domain::Currency::parse(&self.fund.currency)
            .unwrap_or_else(|_| redress_domain::Currency::parse("PEN").expect("PEN is a known currency"))
    }

    /// The database URL with any password replaced by `***`, safe to print.
    pub fn database_url_masked(&self) -> String {
        mask_url_password(&self.database_url())
    }
}

/// The host of an `http://` or `https://` URL (without port, path or user), if it has one.
pub fn public_url_host(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') || authority.contains(char::is_whitespace) {
        return None;
    }
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    (!host.is_empty()).then_some(host)
}

impl Settings {
    /// Set-ups that start but cannot work for browsers, each with what to do (in English, for
    /// the log). `listening` is the address the server is bound to.
    pub fn setup_warnings(&self, listening: SocketAddr) -> Vec<String> {
        let server = &self.server;
        let mut warnings = Vec::new();
        match server.public_url.as_deref() {
            None if !listening.ip().is_loopback() && server.cookie_secure => warnings.push(format!(
                "listening on {listening} for other machines, but server.public_url is not set and the session \
                 cookie is Secure: browsers reaching http://{listening} will not keep it and logins will loop. \
                 Set server.public_url to the https:// address of your TLS proxy (see the README), or to the \
                 http:// address on a trusted office network"
            )),
            Some(url) if url.starts_with("http://") && !public_url_host(url).is_some_and(is_local_host) => {
                warnings.push(format!(
                    "server.public_url is {url}: passwords and session cookies cross the network unencrypted. \
                     Put Redress behind a TLS proxy (see the README) and use its https:// address"
                ))
            }
            Some(url) if url.starts_with("https://") && !server.trust_forwarded_for && !listening.ip().is_loopback() => {
                warnings.push(format!(
                    "server.public_url is {url} but Redress listens on {listening} itself, which speaks plain \
                     http: browsers must reach it through the TLS proxy; listen on 127.0.0.1 behind it"
                ))
            }
            _ => {}
        }
        warnings
    }
}

fn is_local_host(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The engine named by a URL's scheme.
pub fn engine_of(url: &str) -> Option<Engine> {
    if url.starts_with("sqlite:") {
        Some(Engine::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some(Engine::Postgres)
    } else {
        None
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`; also masks `password=`
/// query parameters.
pub fn mask_url_password(url: &str) -> String {
    let mut masked = url.to_string();
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((credentials, host)) = rest.split_once('@') {
            if let Some((user, _)) = credentials.split_once(':') {
                masked = format!("{scheme}://{user}:***@{host}");
            }
        }
    }
    if let Some((before, after)) = masked.split_once("password=") {
        let rest = after.find('&').map_or("", |end| &after[end..]);
        masked = format!("{before}password=***{rest}");
    }
    masked
}

fn tracing_filter_is_plausible(filter: &str) -> bool {
    !filter.trim().is_empty()
        && filter.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '-' | ':' | '=' | ',' | '.' | '[' | ']' | '{' | '}')
        })
}

/// Configuration problems, each `key: reason`.
struct Problems(Vec<String>);

impl Problems {
    fn check(&mut self, ok: bool, key: &str, reason: &str) {
        if !ok {
            self.0.push(format!("{key}: {reason}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_use_sqlite_in_the_data_folder() {
        let settings = Settings::default();
        assert!(settings.validate().is_empty(), "{:?}", settings.validate());
        assert_eq!(settings.engine(), Some(Engine::Sqlite));
        assert_eq!(settings.database_url(), "sqlite://redress-data/redress.db");
    }

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let mut settings = Settings::default();
        settings.server.listen = "nowhere".to_string();
        settings.database.url = Some(Secret::new("mysql://x".to_string()));
        settings.security.session_idle_minutes = 10_000;
        settings.metrics.token = Some(Secret::new("short".to_string()));
        let problems = settings.validate().join("\n");
        for key in ["server.listen", "database.url", "security.session_idle_minutes", "metrics.token"] {
            assert!(problems.contains(key), "{key} missing from {problems}");
        }
    }

    #[test]
    fn the_time_zone_is_an_iana_name_and_decides_the_funds_day() {
        let mut settings = Settings::default();
        assert_eq!(settings.time_zone().iana_name(), Some("America/Lima"));
        settings.fund.time_zone = "Peru/Lima".to_string();
        let problems = settings.validate();
        assert!(problems.iter().any(|p| p.starts_with("fund.time_zone")), "{problems:?}");
        settings.fund.time_zone = "America/Guayaquil".to_string();
        assert!(settings.validate().is_empty());
        // 2026-12-02 03:00 UTC is still 1 December in Guayaquil (UTC−5).
        let zone = settings.time_zone();
        let instant = jiff::Timestamp::from_second(1_796_180_400).unwrap();
        assert_eq!(zone.to_datetime(instant).date().to_string(), "2026-12-01");
    }

    #[test]
    fn the_body_limit_must_hold_the_largest_ledger_batch() {
        let mut settings = Settings::default();
        assert!(settings.server.body_limit_bytes >= settings.ledger.batch_max * LEDGER_TRANSFER_BYTES);
        settings.server.body_limit_bytes = 1024 * 1024;
        let problems = settings.validate().join("\n");
        assert!(
            problems.contains("server.body_limit_bytes") && problems.contains("ledger.batch_max"),
            "{problems}"
        );
        settings.ledger.batch_max = 3_000;
        assert!(settings.validate().is_empty(), "{:?}", settings.validate());
    }

    #[test]
    fn set_ups_that_cannot_work_for_browsers_are_warned_about() {
        let office: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let mut settings = Settings::default();
        assert!(settings.setup_warnings(local).is_empty(), "localhost keeps Secure cookies");
        let warnings = settings.setup_warnings(office).join("\n");
        assert!(warnings.contains("server.public_url is not set"), "{warnings}");
        settings.server.public_url = Some("http://servidor:8080".into());
        assert!(settings.setup_warnings(office).join("\n").contains("unencrypted"));
        settings.server.public_url = Some("https://fondo.example.pe".into());
        assert!(settings.setup_warnings(local).is_empty());
        assert!(settings.setup_warnings(office).join("\n").contains("TLS proxy"));
        settings.server.trust_forwarded_for = true;
        assert!(settings.setup_warnings(office).is_empty());
        settings.server.public_url = Some("ftp://x".into());
        assert!(settings.validate().join("\n").contains("server.public_url"));
        assert_eq!(public_url_host("http://[::1]:8080/x"), Some("::1"));
        assert_eq!(public_url_host("https://user@host"), None);
    }

    #[test]
    fn a_password_in_a_database_url_is_masked() {
        assert_eq!(
            mask_url_password("postgres://fund:s3cret@db.local:5432/redress"),
            "postgres://fund:***@db.local:5432/redress"
        );
        assert_eq!(
            mask_url_password("postgres://db/redress?user=a&password=s3cret&sslmode=require"),
            "postgres://db/redress?user=a&password=***&sslmode=require"
        );
        assert_eq!(mask_url_password("sqlite://data/redress.db"), "sqlite://data/redress.db");
    }
}
