//! `redress audit …`: verify the trail against its checkpoints, sign a checkpoint, export the
//! trail for a third party and verify such an export offline; and the server's periodic
//! checkpoints, posted to an outside party when one is configured.

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use redress_app::checkpoint::{parse_public_key, SignedCheckpoint};
use redress_app::App;

use crate::cli::{EXIT_CONFIGURATION, EXIT_FAILED};

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain and check it against every signed checkpoint; exit 1 naming the
    /// first broken entry (or the checkpoint a rollback or rewrite contradicts).
    Verify,
    /// Sign the chain's head now and write the checkpoint file (the server also does this
    /// periodically).
    Checkpoint,
    /// Print the public key that verifies checkpoints (give it to whoever verifies exports).
    PublicKey,
    /// Write the whole trail with its checkpoints and the public key (JSON Lines), after signing
    /// the head it ends at; verify it with `redress audit verify-export`.
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Verify an export offline, with the public key alone (no database, no configuration).
    VerifyExport {
        file: PathBuf,
        /// The trusted public key: 64 hex digits, or a file holding them.
        #[arg(long, value_name = "KEY")]
        public_key: String,
    },
}

/// `verify-export` needs no database: it runs before anything is opened.
pub fn verify_export(file: &PathBuf, public_key: &str) -> ExitCode {
    let key = match parse_public_key(public_key) {
        Ok(key) => key,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_CONFIGURATION);
        }
    };
    let input = match std::fs::File::open(file) {
        Ok(input) => std::io::BufReader::new(input),
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", file.display());
            return ExitCode::from(EXIT_CONFIGURATION);
        }
    };
    match redress_app::audit::verify_export(input, &key) {
        Ok(summary) => {
            println!(
                "export intact: {} entries, {} signed checkpoints, head {}",
                summary.entries,
                summary.checkpoints,
                summary.head_hash.as_deref().unwrap_or("(empty)")
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            println!("export BROKEN: {message}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

pub async fn run(app: &App, command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify => {
            let interactive = std::io::stderr().is_terminal();
            let verification = app
                .verify_audit_with_checkpoints(|checked| {
                    if interactive {
                        eprint!("\rchecked {checked} entries");
                    }
                })
                .await?;
            if interactive {
                eprintln!();
            }
            match verification {
                Ok(summary) => {
                    println!(
                        "audit chain intact: {} entries, head {}, {} signed checkpoints match",
                        summary.entries,
                        summary.head_hash.as_deref().unwrap_or("(empty)"),
                        summary.checkpoints
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(broken) => {
                    println!("audit chain BROKEN at entry {}: {}", broken.seq, broken.reason);
                    Ok(ExitCode::from(EXIT_FAILED))
                }
            }
        }
        AuditCommand::Checkpoint => match app.checkpoint_audit().await? {
            Some((checkpoint, path)) => {
                println!("signed entry {} (hash {}) in {}", checkpoint.seq, checkpoint.hash, path.display());
                println!("public key {}", checkpoint.public_key);
                Ok(ExitCode::SUCCESS)
            }
            None => {
                println!("the audit trail is empty: nothing to sign");
                Ok(ExitCode::SUCCESS)
            }
        },
        AuditCommand::PublicKey => {
            let signer = app.audit_signer.as_ref().ok_or_else(|| anyhow::anyhow!("no audit signing key"))?;
            println!("{}", signer.public_key_hex());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Export { out } => {
            let file = std::fs::File::create(&out)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
            let mut writer = std::io::BufWriter::new(file);
            let summary = app.export_audit(&mut writer).await?;
            println!(
                "exported {} entries and {} checkpoints to {}",
                summary.entries,
                summary.checkpoints,
                out.display()
            );
            if let Some(signer) = &app.audit_signer {
                println!(
                    "verify it with: redress audit verify-export {} --public-key {}",
                    out.display(),
                    signer.public_key_hex()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::VerifyExport { file, public_key } => Ok(verify_export(&file, &public_key)),
    }
}

/// Checkpoints not yet accepted by the outside party, oldest first; the files stay in the
/// folder whatever happens to this queue.
const UNSENT_MAX: usize = 1_000;

/// Signs the head every `security.audit_checkpoint_interval_seconds` when it moved, and posts
/// each checkpoint to `security.audit_checkpoint_url` when set, retrying unsent ones on the
/// next tick. Runs until the server stops.
pub async fn run_checkpoints(app: App) {
    let period = Duration::from_secs(app.settings.security.audit_checkpoint_interval_seconds);
    let url = app.settings.security.audit_checkpoint_url.clone();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
    let mut interval = tokio::time::interval(period);
    let mut signed_seq = None;
    let mut unsent: VecDeque<SignedCheckpoint> = VecDeque::new();
    loop {
        interval.tick().await;
        match app.audit_chain_head().await {
            Ok(Some((seq, hash))) if signed_seq != Some(seq) => match app.write_checkpoint(seq, &hash) {
                Ok((checkpoint, path)) => {
                    tracing::info!(seq, path = %path.display(), "signed an audit checkpoint");
                    signed_seq = Some(seq);
                    if url.is_some() {
                        if unsent.len() == UNSENT_MAX {
                            unsent.pop_front();
                            tracing::warn!("dropped the oldest unsent audit checkpoint (its file is kept)");
                        }
                        unsent.push_back(checkpoint);
                    }
                }
                Err(error) => tracing::warn!(%error, "signing an audit checkpoint failed"),
            },
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "reading the audit chain head failed"),
        }
        if let Some(url) = &url {
            send_unsent(&client, url, &mut unsent).await;
        }
    }
}

/// Posts queued checkpoints in order; stops at the first refusal, to try again next tick.
async fn send_unsent(client: &reqwest::Client, url: &str, unsent: &mut VecDeque<SignedCheckpoint>) {
    while let Some(checkpoint) = unsent.front() {
        match client.post(url).json(checkpoint).send().await {
            Ok(response) if response.status().is_success() => {
                tracing::info!(seq = checkpoint.seq, "sent an audit checkpoint to the outside party");
                unsent.pop_front();
            }
            Ok(response) => {
                tracing::warn!(status = %response.status(), "the outside party refused an audit checkpoint; retrying on the next tick");
                return;
            }
            Err(error) => {
                // Without the URL: it may carry a token.
                let error = error.without_url();
                tracing::warn!(%error, "sending an audit checkpoint failed; retrying on the next tick");
                return;
            }
        }
    }
}
