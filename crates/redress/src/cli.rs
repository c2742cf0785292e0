//! The command line: `serve`, `init`, `user`, `audit`, `config`, `backup`, `restore`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use redress_app::accounts::{CreateUser, InstitutionChoice};
use redress_app::settings::{Engine, LogFormat};
use redress_app::{Actor, App, AppError, RequestContext, Settings};
use redress_domain::Secret;
use redress_store::{SqlStore, StoreOptions};

use crate::config::{self, Overrides};

#[derive(Parser)]
#[command(
    name = "redress",
    version,
    about = "Redress: a reparations fund for victims of trafficking in persons"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct GlobalArgs {
    /// Configuration file (TOML). Default: ./redress.toml when it exists.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Folder for the embedded database and keys. Default: ./redress-data
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// postgres://… or sqlite://… (also REDRESS_DATABASE_URL). Default: SQLite in the data folder.
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
}

// Parsed once at start-up: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Start the server (creates the database and the first administrator when needed).
    Serve {
        /// Address and port to listen on (default 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Look around: a throwaway database in a temporary folder, seeded with a synthetic
        /// country; the demo users' credentials are printed.
        #[arg(long)]
        demo: bool,
        /// With --demo: how many victims to make.
        #[arg(long, default_value_t = 300, requires = "demo")]
        victims: usize,
    },
    /// Demo data.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Create the database and the first administrator without starting the server.
    Init,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(crate::audit::AuditCommand),
    /// The configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The fund ledger.
    #[command(subcommand)]
    Ledger(crate::ledger::LedgerCommand),
    /// The fund's details for bank files: name, bank account, BIC, bank, RUC.
    #[command(subcommand)]
    Fund(crate::fund::FundCommand),
    /// Check the ledger, the audit chain (with its checkpoints) and the money against the
    /// records: no order overpaid, no claim paid twice, holds matching bank results, escrow
    /// matching the assets. Exit 0 when intact, 1 naming each break.
    Verify,
    /// Copy the SQLite database, online and consistent, into FILE (which must not exist). On
    /// PostgreSQL: explains pg_dump and exits 1. The key files are backed up separately.
    Backup {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Replace the SQLite database with the backup FILE, after checking the copy: the data keys
    /// open it, the ledger balances, the audit chain is intact, the money agrees. Stop the
    /// server first. A non-empty database is only replaced with --force (and kept, renamed).
    Restore {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Replace a database that is not empty.
        #[arg(long)]
        force: bool,
    },
    /// Import existing records from CSV (all or nothing, with a row-by-row report).
    #[command(subcommand)]
    Import(ImportCommand),
    /// The data keys that protect victims' identity.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Benchmarks (print measured figures next to their baselines).
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input (one line).
    Add {
        #[arg(long)]
        username: String,
        /// A role; repeat for several (victim_services, prosecutor, court_clerk, asset_manager,
        /// fund_officer, treasurer, auditor, analyst, admin).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// The user's institution; created when it does not exist yet.
        #[arg(long, default_value = "Fondo de Reparaciones")]
        institution: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List users and their roles.
    List,
    #[command(flatten)]
    Admin(crate::users::UserAdminCommand),
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Seed the configured (empty) database with a synthetic country, sized by --victims; the
    /// demo users' password is printed. Also feeds benchmarks with realistic data.
    Seed {
        #[arg(long, default_value_t = 300)]
        victims: usize,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// An asset agency's register: one row per asset.
    Assets {
        /// The asset manager the import is recorded under.
        #[arg(long = "as", value_name = "USERNAME")]
        username: String,
        file: PathBuf,
    },
    /// Cases, defendants, victims (by code), judgments and orders, one row per victim.
    Cases {
        /// The user the import is recorded under (prosecutor or court clerk).
        #[arg(long = "as", value_name = "USERNAME")]
        username: String,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new data key, make it current, and re-encrypt every identity under it. Old keys
    /// stay in the file so nothing becomes unreadable. Restart running servers afterwards.
    Rotate,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration with secrets masked.
    Print,
}

/// Exit codes: 0 success, 1 the operation failed, 2 bad configuration or usage.
pub(crate) const EXIT_FAILED: u8 = 1;
pub(crate) const EXIT_CONFIGURATION: u8 = 2;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let (listen, demo) = match &cli.command {
        Command::Serve { listen, demo, .. } => (listen.clone(), *demo),
        _ => (None, false),
    };
    // A demo never touches real data: its own temporary folder and SQLite database.
    let demo_dir =
        demo.then(|| std::env::temp_dir().join(format!("redress-demo-{}", uuid::Uuid::new_v4().simple())));
    let overrides = Overrides {
        config: cli.global.config.clone(),
        data_dir: demo_dir.clone().or(cli.global.data_dir.clone()),
        database_url: match &demo_dir {
            Some(dir) => Some(format!("sqlite://{}", dir.join("redress.db").display())),
            None => cli.global.database_url.clone(),
        },
        listen,
    };
    let settings = match config::load(&overrides) {
        Ok(mut settings) => {
            if demo && settings.fund.bank_account.is_none() {
                settings.fund.bank_account = Some(crate::demo::DEMO_FUND_ACCOUNT.to_string());
            }
            settings
        }
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(EXIT_CONFIGURATION);
        }
    };
    if let Command::Config(ConfigCommand::Print) = cli.command {
        print!("{}", config::print(&settings));
        return ExitCode::SUCCESS;
    }
    if let Command::Audit(crate::audit::AuditCommand::VerifyExport { file, public_key }) = &cli.command {
        return crate::audit::verify_export(file, public_key);
    }
    init_logging(&settings);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let code = match runtime.block_on(run(cli.command, settings)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_FAILED)
        }
    };
    // The demo's throwaway database, keys and checkpoints go when it stops, however it stops.
    drop(runtime);
    if let Some(dir) = demo_dir {
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => eprintln!("demo: removed {}", dir.display()),
            Err(error) => eprintln!("demo: could not remove {}: {error}", dir.display()),
        }
    }
    code
}

fn init_logging(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("REDRESS_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(&settings.logging.level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match settings.logging.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Creates the data folder (owner-only) when the database lives in it.
fn prepare_data_dir(settings: &Settings) -> anyhow::Result<()> {
    if settings.engine() != Some(Engine::Sqlite) {
        return Ok(());
    }
    let dir = &settings.data_dir;
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| anyhow::anyhow!("cannot create the data folder {}: {e}", dir.display()))?;
    }
    Ok(())
}

/// Loads the data key ring, creating the file (and its folder, owner-only) on first use.
fn load_keys(settings: &Settings) -> anyhow::Result<redress_app::protect::KeyRing> {
    let path = settings.keys_path();
    create_private_folder_of(&path)?;
    Ok(redress_app::protect::KeyRing::load_or_create(&path)?)
}

/// Loads the audit signing key, creating the file (and its folder, owner-only) on first use.
fn load_audit_signer(settings: &Settings) -> anyhow::Result<redress_app::checkpoint::AuditSigner> {
    let path = settings.audit_signing_key_path();
    create_private_folder_of(&path)?;
    Ok(redress_app::checkpoint::AuditSigner::load_or_create(&path)?)
}

fn create_private_folder_of(path: &std::path::Path) -> anyhow::Result<()> {
    if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty() && !f.exists()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(folder)?;
    }
    Ok(())
}

/// On PostgreSQL, warns (with the SQL that fixes it) when the connected role could change or
/// remove audit entries; the triggers alone do not stop a role that may drop them.
async fn warn_about_audit_privileges(store: &SqlStore) {
    match store.audit_privileges().await {
        Ok(Some(privileges)) if !privileges.is_safe() => {
            tracing::warn!(
                role = %privileges.role,
                "{}",
                privileges.advice()
            );
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "could not check the database role's rights on the audit trail"),
    }
}

pub(crate) async fn open_app(settings: Settings) -> anyhow::Result<App> {
    Ok(open_app_and_store(settings).await?.0)
}

/// [`open_app`], with the store itself (to close it, or for what only SQL can do).
pub(crate) async fn open_app_and_store(settings: Settings) -> anyhow::Result<(App, Arc<SqlStore>)> {
    prepare_data_dir(&settings)?;
    let keys = load_keys(&settings)?;
    let options = StoreOptions {
        connections_max: settings.database.connections_max,
        busy_timeout_ms: settings.database.busy_timeout_ms,
        bulk_load: false,
    };
    let url = settings.database_url();
    let store = SqlStore::open(&url, options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", settings.database_url_masked()))?;
    warn_about_audit_privileges(&store).await;
    let signer = load_audit_signer(&settings)?;
    let store = Arc::new(store);
    let app = App::new(store.clone(), settings).with_keys(keys).with_audit_signer(signer);
    app.check_data_keys().await?;
    Ok((app, store))
}

/// The operator at this terminal, as the audit trail names them.
fn operator() -> Actor {
    let mut actor = Actor::operator();
    if let Ok(user) = std::env::var("USER") {
        actor.username = format!("cli:{user}");
    }
    actor
}

pub(crate) fn print_app_error(error: &AppError) {
    match error {
        AppError::Invalid(errors) => {
            for field_error in &errors.0 {
                eprintln!("error: {}: {}", field_error.field, field_error.reason);
            }
        }
        AppError::Conflict(field_error) => eprintln!("error: {}: {}", field_error.field, field_error.reason),
        other => eprintln!("error: {other}"),
    }
}

pub(crate) async fn bootstrap(app: &App, url: &str) -> anyhow::Result<()> {
    let created = app.ensure_chart_of_accounts().await?;
    if created > 0 {
        println!("chart of accounts created ({} accounts in {})", created, app.settings.fund.currency);
    }
    if let Some(admin) = app.bootstrap().await? {
        let rule = "=".repeat(72);
        println!("{rule}");
        println!(
            "Primer inicio: se creó el usuario administrador. / First start: an administrator was created."
        );
        println!("  URL:                    {url}");
        println!("  usuario / username:     {}", admin.username);
        println!("  contraseña / password:  {}", admin.password.expose());
        println!("Guárdela ahora: no se volverá a mostrar. / Save it now: it will not be shown again.");
        println!("{rule}");
    }
    Ok(())
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { demo: false, .. } => serve(settings, None).await,
        Command::Serve { demo: true, victims, .. } => serve(settings, Some(victims)).await,
        Command::Demo(DemoCommand::Seed { victims }) => {
            let app = open_app(settings).await?;
            app.ensure_chart_of_accounts().await?;
            let listen = app.settings.server.listen.clone();
            bootstrap(&app, &format!("http://{listen}")).await?;
            seed_demo(&app, victims).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Init => {
            let listen = settings.server.listen.clone();
            let app = open_app(settings).await?;
            bootstrap(&app, &format!("http://{listen}")).await?;
            println!("database ready ({})", app.store.engine());
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Add { username, roles, institution, display_name, password_stdin }) => {
            if !password_stdin {
                eprintln!("error: --password-stdin is required");
                return Ok(ExitCode::from(EXIT_CONFIGURATION));
            }
            let password = read_password()?;
            let request = CreateUser {
                username,
                display_name,
                institution: InstitutionChoice::NameOrCreate(institution),
                roles,
                password,
            };
            add_user(&open_app(settings).await?, request).await
        }
        Command::User(UserCommand::Admin(command)) => {
            let app = open_app(settings).await?;
            crate::users::run(&app, &operator(), command).await
        }
        Command::User(UserCommand::List) => list_users(&open_app(settings).await?).await,
        Command::Audit(command) => {
            let app = open_app(settings).await?;
            crate::audit::run(&app, command).await
        }
        Command::Fund(command) => {
            let app = open_app(settings).await?;
            crate::fund::run(&app, &operator(), command).await
        }
        Command::Backup { file } => crate::ops::backup(settings, &file).await,
        Command::Restore { file, force } => crate::ops::restore(settings, &file, force).await,
        Command::Verify => verify(&open_app(settings).await?).await,
        Command::Config(ConfigCommand::Print) => {
            print!("{}", config::print(&settings));
            Ok(ExitCode::SUCCESS)
        }
        Command::Ledger(command) => {
            let app = open_app(settings).await?;
            app.ensure_chart_of_accounts().await?;
            failures_as_exit_codes(crate::ledger::run(&app, command).await)
        }
        Command::Bench(command) => crate::bench::run(command, settings).await,
        Command::Import(command) => {
            let app = open_app(settings).await?;
            failures_as_exit_codes(match command {
                ImportCommand::Cases { username, file } => crate::import::run(&app, &username, &file).await,
                ImportCommand::Assets { username, file } => {
                    crate::import::run_assets(&app, &username, &file).await
                }
            })
        }
        Command::Keys(KeysCommand::Rotate) => {
            let path = settings.keys_path();
            let app = open_app(settings).await?;
            let mut keys = redress_app::protect::KeyRing::load(&path)?;
            let id = keys.rotate();
            keys.save(&path)?;
            let app = app.with_keys(keys.clone());
            app.check_data_keys().await?;
            let resealed = app.reseal_identities(&keys).await?;
            println!("new data key {id} is current; {resealed} identities re-encrypted under it");
            println!("restart running servers so that they load the new key");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `redress user add`: the user, or each problem named.
async fn add_user(app: &App, request: CreateUser) -> anyhow::Result<ExitCode> {
    match app.create_user(&operator(), &RequestContext::default(), request).await {
        Ok(user) => {
            let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
            println!(
                "created user {} (id {}) in {} with roles {}",
                user.username,
                user.id,
                user.institution,
                roles.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            print_app_error(&error);
            Ok(ExitCode::from(EXIT_FAILED))
        }
    }
}

/// `redress user list`: every user, 500 at a time.
async fn list_users(app: &App) -> anyhow::Result<ExitCode> {
    let mut after = None;
    println!("{:>6}  {:<24} {:<32} roles", "id", "username", "institution");
    loop {
        let users = app.list_users(&operator(), after, Some(500)).await?;
        for user in &users {
            let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
            println!("{:>6}  {:<24} {:<32} {}", user.id, user.username, user.institution, roles.join(","));
        }
        match users.last() {
            Some(last) if users.len() == 500 => after = Some(last.id.0),
            _ => return Ok(ExitCode::SUCCESS),
        }
    }
}

/// `redress verify`: the ledger, the audit chain and the money; exit 1 naming each break.
async fn verify(app: &App) -> anyhow::Result<ExitCode> {
    let mut operator = redress_app::Actor::operator();
    operator.roles = vec![redress_domain::Role::Auditor];
    let check = app.verify_everything(&operator).await?;
    println!(
        "ledger: {} ({} accounts); audit chain: {}; money: {} orders, {} claims, {} bank lines, {} assets checked",
        if check.ledger.balanced { "balanced" } else { "NOT balanced" },
        check.ledger.accounts,
        check.audit_break.as_deref().map_or(format!("intact ({} entries)", check.audit_entries), |b| format!("BROKEN at {b}")),
        check.money.orders,
        check.money.claims,
        check.money.lines,
        check.money.assets
    );
    for problem in check.ledger.problems.iter().chain(&check.money.breaks) {
        println!("break: {problem}");
    }
    Ok(if check.intact { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAILED) })
}

/// A refusal by the application is printed field by field and exits 1; anything else is an error.
fn failures_as_exit_codes(outcome: anyhow::Result<ExitCode>) -> anyhow::Result<ExitCode> {
    match outcome {
        Ok(code) => Ok(code),
        Err(error) => match error.downcast::<AppError>() {
            Ok(app_error) => {
                print_app_error(&app_error);
                Ok(ExitCode::from(EXIT_FAILED))
            }
            Err(other) => Err(other),
        },
    }
}

/// Reads one line from standard input as the password (a trailing newline is not part of it).
fn read_password() -> anyhow::Result<Secret<String>> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        anyhow::bail!(
            "no password on standard input (pipe it in: echo '…' | redress user add … --password-stdin)"
        );
    }
    Ok(Secret::new(password))
}

/// Says at start-up what the fund still needs before its first payment can reach the bank.
async fn warn_about_first_payment(app: &App) {
    match app.first_payment_readiness().await {
        Ok(missing) if missing.is_empty() => {}
        Ok(missing) => {
            let what: Vec<&str> = missing
                .iter()
                .map(|m| match m {
                    redress_domain::fund::Missing::BankAccount => {
                        "the fund's bank account (an administrator sets it at /admin/fund)"
                    }
                    redress_domain::fund::Missing::Budget => {
                        "money in the fund (a fund officer records the opening budget at /ledger)"
                    }
                    redress_domain::fund::Missing::Policy => {
                        "a fund policy of its own, not only the defaults (an administrator publishes it at /policy)"
                    }
                })
                .collect();
            tracing::warn!(
                missing = ?missing.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
                "before the first payment the fund needs: {}",
                what.join("; ")
            );
        }
        Err(error) => tracing::warn!(%error, "could not check what the fund needs before its first payment"),
    }
}

/// Seeds the demo country and prints who can log in.
pub(crate) async fn seed_demo(app: &App, victims: usize) -> anyhow::Result<()> {
    let unused =
        app.store.read().await?.victims(redress_app::store::Page { after: None, limit: 1 }).await?.is_empty();
    if !unused {
        anyhow::bail!("the database already has victims: demo data goes only into an empty database");
    }
    let password = format!("Demo-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    eprintln!("seeding a synthetic country with {victims} victims…");
    let (bulk, store) = bulk_load_app(app).await?;
    let seeded = crate::demo::seed(&bulk, crate::demo::DemoSize { victims }, &password).await;
    finish_bulk_load(&store).await;
    let seeded = seeded?;
    let rule = "=".repeat(72);
    println!("{rule}");
    println!("Datos de demostración / demo data: {} víctimas / victims, {} casos / cases, {} órdenes / orders, {} bienes / assets, {} reclamos / claims",
        seeded.victims, seeded.cases, seeded.orders, seeded.assets, seeded.claims);
    println!("Usuarios / users (contraseña / password: {password}):");
    for (username, role, institution, _) in crate::demo::USERS {
        println!("  {username:<12} {role:<16} {institution}");
    }
    println!("{rule}");
    Ok(())
}

/// The app on a second connection pool to the same database whose commits are not flushed to
/// disk one by one (`StoreOptions::bulk_load`): the seed makes hundreds of thousands of small
/// transactions (each use case its own, audited), and waiting for the disk after each one was
/// most of its time.
async fn bulk_load_app(app: &App) -> anyhow::Result<(App, SqlStore)> {
    let options = StoreOptions {
        connections_max: 2,
        busy_timeout_ms: app.settings.database.busy_timeout_ms,
        bulk_load: true,
    };
    let store = SqlStore::connect(&app.settings.database_url(), options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database for the seed: {e}"))?;
    let mut bulk = app.clone();
    bulk.store = Arc::new(store.clone());
    Ok((bulk, store))
}

/// Makes the bulk load durable before its pool closes: on SQLite a checkpoint (which flushes the
/// log and the database file); on PostgreSQL the log writer flushes it within a second anyway,
/// and `VACUUM ANALYZE` gives the planner the tables' new sizes and marks their pages visible,
/// so that counts can be answered from indexes alone (without it, and before autovacuum gets
/// to them — if it runs at all — the home page of a fresh 10,000-victim seed took 850 ms, not
/// 120 ms).
async fn finish_bulk_load(store: &SqlStore) {
    let statement = match store.engine_kind() {
        Engine::Sqlite => "PRAGMA wal_checkpoint(FULL)",
        Engine::Postgres => "VACUUM ANALYZE",
    };
    if let Err(error) = sqlx::query(statement).execute(store.pool()).await {
        tracing::warn!("{statement} after the demo seed failed: {error}");
    }
    store.close().await;
}

async fn serve(settings: Settings, demo_victims: Option<usize>) -> anyhow::Result<ExitCode> {
    let listen = settings.server.listen.clone();
    let demo_dir = demo_victims.map(|_| settings.data_dir.clone());
    let app = open_app(settings).await?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr()?;
    for warning in app.settings.setup_warnings(address) {
        tracing::warn!("{warning}");
    }
    let url = app.settings.server.public_url.clone().unwrap_or_else(|| format!("http://{address}"));
    bootstrap(&app, &url).await?;
    if let (Some(victims), Some(dir)) = (demo_victims, &demo_dir) {
        seed_demo(&app, victims).await?;
        println!("Demostración: base de datos temporal en / demo: temporary database in {}", dir.display());
    }
    warn_about_first_payment(&app).await;
    let stop = shutdown_signal();
    println!("Redress escuchando en / listening on {url} ({})", app.store.engine());
    tracing::info!(%address, database = app.store.engine(), "listening");
    // Releases expired holds periodically (every write to the ledger also does, first).
    let sweeper = app.clone();
    let period = std::time::Duration::from_secs(app.settings.ledger.expiry_sweep_seconds);
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        loop {
            interval.tick().await;
            match sweeper.expire_holds().await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "released expired holds"),
                Err(error) => tracing::warn!(%error, "releasing expired holds failed"),
            }
        }
    });
    tokio::spawn(crate::audit::run_checkpoints(app.clone()));
    redress_web::serve(listener, app, stop).await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C or SIGTERM. The handlers are installed now, before the server says it listens, so
/// that a stop sent as soon as it is up is a graceful one.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let interrupt = tokio::signal::ctrl_c();
    async move {
        #[cfg(unix)]
        let terminate = async move {
            match terminate {
                Some(mut signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            _ = interrupt => {},
            () = terminate => {},
        }
    }
}
