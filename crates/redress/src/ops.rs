//! Operations: `redress backup FILE` (an online, consistent copy of the SQLite database) and
//! `redress restore FILE` (the copy checked — data keys, ledger, audit chain, money — before it
//! replaces the database). On PostgreSQL both explain `pg_dump`/`pg_restore` and exit non-zero.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use redress_app::settings::Engine;
use redress_app::Settings;

use crate::cli::{open_app_and_store, EXIT_FAILED};

const PG_BACKUP: &str = "\
Redress on PostgreSQL is backed up with PostgreSQL's own tools, while the server runs:
  pg_dump --format=custom --file=redress-$(date +%F).dump \"$REDRESS_DATABASE_URL\"
and restored into an empty database, with the server stopped:
  pg_restore --no-owner --dbname=\"$REDRESS_DATABASE_URL\" redress-YYYY-MM-DD.dump
  redress verify
Back up the data key file and the audit signing key separately (see docs/operations.md).";

/// The file of an SQLite URL (`sqlite://path?…`).
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(':')).then(|| PathBuf::from(path))
}

fn on_postgres(settings: &Settings) -> Option<ExitCode> {
    (settings.engine() == Some(Engine::Postgres)).then(|| {
        eprintln!("{PG_BACKUP}");
        ExitCode::from(EXIT_FAILED)
    })
}

fn key_reminder(settings: &Settings) {
    println!(
        "Guarde también, por separado / also back up, separately:\n  {} (claves de datos / data keys)\n  {} (clave de firma de la auditoría / audit signing key)",
        settings.keys_path().display(),
        settings.audit_signing_key_path().display()
    );
}

/// `redress backup FILE`.
pub(crate) async fn backup(settings: Settings, file: &Path) -> anyhow::Result<ExitCode> {
    if let Some(code) = on_postgres(&settings) {
        return Ok(code);
    }
    if file.exists() {
        anyhow::bail!("{} already exists: choose a new file name", file.display());
    }
    // A backup folder that does not exist yet is made, owner-only like the data folder.
    if let Some(folder) = file.parent().filter(|f| !f.as_os_str().is_empty() && !f.exists()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(folder)
            .map_err(|e| anyhow::anyhow!("cannot create the folder {}: {e}", folder.display()))?;
    }
    let (app, store) = open_app_and_store(settings).await?;
    let bytes = store.backup_into(file).await?;
    store.close().await;
    println!("Copia de seguridad / backup: {} ({bytes} bytes)", file.display());
    key_reminder(&app.settings);
    Ok(ExitCode::SUCCESS)
}

/// `redress restore FILE [--force]`.
pub(crate) async fn restore(settings: Settings, file: &Path, force: bool) -> anyhow::Result<ExitCode> {
    if let Some(code) = on_postgres(&settings) {
        return Ok(code);
    }
    let target = sqlite_path(&settings.database_url())
        .ok_or_else(|| anyhow::anyhow!("the configured database is not an SQLite file"))?;
    let mut header = [0u8; 16];
    let readable = std::fs::File::open(file).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header));
    if readable.is_err() || &header != b"SQLite format 3\0" {
        anyhow::bail!("{} is not an SQLite backup made by `redress backup`", file.display());
    }
    let occupied = std::fs::metadata(&target).is_ok_and(|m| m.len() > 0);
    if occupied && !force {
        anyhow::bail!(
            "the database {} is not empty: stop the server, and pass --force to replace it (it is kept beside, renamed)",
            target.display()
        );
    }
    for (path, what) in
        [(settings.keys_path(), "data key file"), (settings.audit_signing_key_path(), "audit signing key")]
    {
        if !path.exists() {
            anyhow::bail!("the {what} {} is missing: restore it from its own backup first", path.display());
        }
    }
    let folder = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)?;
    let staging = folder.join(format!(".restoring-{}.db", uuid::Uuid::new_v4().simple()));
    copy_private(file, &staging)?;
    if let Err(error) = verify_copy(&settings, &staging).await {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", staging.display()));
        }
        eprintln!("error: the backup failed verification; nothing was changed: {error:#}");
        return Ok(ExitCode::from(EXIT_FAILED));
    }
    if occupied {
        let aside = PathBuf::from(format!(
            "{}.replaced-{}",
            target.display(),
            time::OffsetDateTime::now_utc().unix_timestamp()
        ));
        std::fs::rename(&target, &aside)?;
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::rename(
                format!("{}{suffix}", target.display()),
                format!("{}{suffix}", aside.display()),
            );
        }
        println!("La base anterior se conservó en / the previous database was kept as {}", aside.display());
    }
    std::fs::rename(&staging, &target)?;
    println!("Restaurada y verificada / restored and verified: {}", target.display());
    Ok(ExitCode::SUCCESS)
}

fn copy_private(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(to)?;
    std::io::copy(&mut std::fs::File::open(from)?, &mut out)?;
    out.sync_all()?;
    Ok(())
}

/// Opens the staged copy (migrating it to this version) with the configured keys and checks
/// it: the data keys open it, the ledger balances, the audit chain is intact and agrees with
/// every checkpoint of the entries it holds, the money agrees with the records.
async fn verify_copy(settings: &Settings, staging: &Path) -> anyhow::Result<()> {
    let mut settings = settings.clone();
    settings.database.url = Some(redress_domain::Secret::new(format!("sqlite://{}", staging.display())));
    // Opening fails when the data key file does not match the copy.
    let (app, store) = open_app_and_store(settings).await?;
    let mut operator = redress_app::Actor::operator();
    operator.roles = vec![redress_domain::Role::Auditor];
    let ledger = app.verify_ledger(&operator).await?;
    let (audit, later) = app.verify_audit_for_restore().await?;
    let money = app.verify_money(&operator).await?;
    let entries = match &audit {
        Ok(summary) => summary.entries,
        Err(broken) => anyhow::bail!("audit chain broken at entry {}: {}", broken.seq, broken.reason),
    };
    let breaks: Vec<&String> = ledger.problems.iter().chain(&money.breaks).collect();
    if !ledger.balanced || !breaks.is_empty() {
        anyhow::bail!("ledger balanced: {}; breaks: {breaks:?}", ledger.balanced);
    }
    println!(
        "verificado / verified: claves / keys match; ledger balanced ({} accounts); audit chain intact ({entries} entries); money: {} orders, {} claims, {} bank lines",
        ledger.accounts, money.orders, money.claims, money.lines
    );
    if later > 0 {
        println!("aviso / note: {later} audit checkpoint(s) are of entries written after this backup; those entries are not in it");
    }
    drop(app);
    // Everything written while checking (migrations, key checks) into the file itself, so
    // that it alone is the database once moved into place.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(store.pool()).await?;
    store.close().await;
    Ok(())
}
