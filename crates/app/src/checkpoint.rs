//! Signed checkpoints of the audit chain's head, kept outside the database.
//!
//! - The signing key is an Ed25519 key in its own file (`audit-signing.key` in the data folder, or
//!   `security.audit_signing_key_file`), created owner-only (0600) on first start, never in the
//!   database and never logged. Whoever holds only the public key can check every checkpoint.
//! - A checkpoint signs the message of [`redress_domain::checkpoint::checkpoint_message`] (the
//!   head's sequence number, hash and time) and is written as one JSON file per checkpoint in the
//!   checkpoint folder (`checkpoints/` in the data folder, or `security.audit_checkpoint_dir`).
//!   A copy elsewhere (another machine, write-once storage, the outside party the server posts
//!   to) is what makes a rollback of the database and the folder together detectable.
//! - Verification trusts a checkpoint only if its signature checks under the configured key; a
//!   file that does not parse or does not verify fails the verification, naming the file.

use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use redress_domain::audit::ChainBreak;
use redress_domain::checkpoint::{checkpoint_message, TrustedCheckpoint, CHECKPOINT_FORMAT};
use redress_domain::Timestamp;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// The signing key as stored in its file.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    algorithm: String,
    /// The 32-byte Ed25519 secret key (seed), lower-case hex.
    secret_key: String,
    /// The matching public key, lower-case hex (for people; it is derived again on load).
    public_key: String,
}

/// The key that signs checkpoints.
pub struct AuditSigner {
    key: SigningKey,
}

impl std::fmt::Debug for AuditSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditSigner(public: {}, ***)", self.public_key_hex())
    }
}

fn internal(message: String) -> AppError {
    AppError::Internal(message)
}

impl AuditSigner {
    pub fn generate() -> AuditSigner {
        AuditSigner { key: SigningKey::generate(&mut rand::rngs::OsRng) }
    }

    /// Loads the key from `path`, creating it (0600) when it does not exist. Two processes
    /// starting at once agree on one file: the new key is written aside and linked into place
    /// only if no file is there yet.
    pub fn load_or_create(path: &Path) -> Result<AuditSigner, AppError> {
        if !path.exists() {
            let aside = path.with_extension(format!("new-{}", uuid::Uuid::new_v4().simple()));
            Self::generate().save(&aside)?;
            match std::fs::hard_link(&aside, path) {
                Ok(()) => tracing::info!(path = %path.display(), "created a new audit signing key"),
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(error) => {
                    let _ = std::fs::remove_file(&aside);
                    return Err(internal(format!(
                        "cannot create the audit signing key {}: {error}",
                        path.display()
                    )));
                }
            }
            let _ = std::fs::remove_file(&aside);
        }
        Self::load(path)
    }

    pub fn load(path: &Path) -> Result<AuditSigner, AppError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| internal(format!("cannot read the audit signing key {}: {e}", path.display())))?;
        let file: KeyFile = serde_json::from_str(&text)
            .map_err(|e| internal(format!("the audit signing key {} is malformed: {e}", path.display())))?;
        let seed: [u8; 32] = hex::decode(file.secret_key.trim())
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .filter(|_| file.algorithm == "ed25519")
            .ok_or_else(|| {
                internal(format!("the audit signing key {} is not an Ed25519 key", path.display()))
            })?;
        Ok(AuditSigner { key: SigningKey::from_bytes(&seed) })
    }

    fn save(&self, path: &Path) -> Result<(), AppError> {
        let file = KeyFile {
            algorithm: "ed25519".to_string(),
            secret_key: hex::encode(self.key.to_bytes()),
            public_key: self.public_key_hex(),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| internal(e.to_string()))?;
        write_private(path, text.as_bytes())
            .map_err(|e| internal(format!("cannot write the audit signing key {}: {e}", path.display())))
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The public key, 64 lower-case hex digits: what a third party needs to verify.
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    /// Signs the head (`seq`, `hash`) as of `at`.
    pub fn sign(&self, seq: i64, hash: &str, at: Timestamp) -> SignedCheckpoint {
        let signature = self.key.sign(&checkpoint_message(seq, hash, at));
        SignedCheckpoint {
            format: CHECKPOINT_FORMAT.to_string(),
            seq,
            hash: hash.to_string(),
            at_unix_micros: at.unix_micros(),
            at: at.to_rfc3339(),
            public_key: self.public_key_hex(),
            signature: hex::encode(signature.to_bytes()),
        }
    }
}

/// Writes `bytes` to `path` owner-only (0600), replacing it atomically.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let temporary = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut handle = options.open(&temporary)?;
        handle.write_all(bytes)?;
        handle.sync_all()?;
    }
    std::fs::rename(&temporary, path)
}

/// Reads a public key given as 64 hex digits, or as a file holding them (or holding a signing
/// key file's JSON, whose `public_key` is taken).
pub fn parse_public_key(text_or_path: &str) -> Result<VerifyingKey, String> {
    let from_hex = |text: &str| -> Option<VerifyingKey> {
        let bytes: [u8; 32] = hex::decode(text.trim()).ok()?.try_into().ok()?;
        VerifyingKey::from_bytes(&bytes).ok()
    };
    if let Some(key) = from_hex(text_or_path) {
        return Ok(key);
    }
    let content = std::fs::read_to_string(text_or_path)
        .map_err(|_| format!("public key: {text_or_path} is neither 64 hex digits nor a readable file"))?;
    let text = serde_json::from_str::<serde_json::Value>(&content)
        .ok()
        .and_then(|value| value.get("public_key").and_then(|k| k.as_str()).map(str::to_string))
        .unwrap_or(content);
    from_hex(&text).ok_or_else(|| format!("public key: {text_or_path} does not hold an Ed25519 public key"))
}

/// A checkpoint as written to its file, posted to the outside party and put in an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedCheckpoint {
    /// Always `redress-audit-checkpoint-v1`.
    pub format: String,
    /// The sequence number of the newest entry when signed.
    pub seq: i64,
    /// That entry's hash, 64 lower-case hex digits.
    pub hash: String,
    /// When it was signed, microseconds since the Unix epoch (this is what is signed).
    pub at_unix_micros: i64,
    /// The same instant in RFC 3339, for people (not signed).
    pub at: String,
    /// The signer's public key, hex (informational: verifiers use the key they trust).
    pub public_key: String,
    /// The Ed25519 signature of the checkpoint message, 128 lower-case hex digits.
    pub signature: String,
}

impl SignedCheckpoint {
    /// Checks the signature under `key`; the error says why it does not verify.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), String> {
        if self.format != CHECKPOINT_FORMAT {
            return Err(format!("its format is {:?}, not {CHECKPOINT_FORMAT}", self.format));
        }
        let bytes: [u8; 64] = hex::decode(&self.signature)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| "its signature is not 128 hex digits".to_string())?;
        let message =
            checkpoint_message(self.seq, &self.hash, Timestamp::from_unix_micros(self.at_unix_micros));
        key.verify(&message, &Signature::from_bytes(&bytes)).map_err(|_| {
            if self.public_key != hex::encode(key.to_bytes()) {
                "it was not signed by the trusted audit key".to_string()
            } else {
                "its signature does not match its contents (the checkpoint was altered)".to_string()
            }
        })
    }

    /// The checkpoint's file name: sorted by sequence number, unique per signing time.
    pub fn file_name(&self) -> String {
        format!("checkpoint-{:012}-{}.json", self.seq, self.at_unix_micros)
    }
}

/// The folder of checkpoint files.
#[derive(Debug, Clone)]
pub struct CheckpointFolder {
    pub dir: PathBuf,
}

impl CheckpointFolder {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Writes a checkpoint as its own file (created owner-only, the folder too) and returns the path.
    pub fn write(&self, checkpoint: &SignedCheckpoint) -> Result<PathBuf, AppError> {
        let fail =
            |e: std::io::Error| internal(format!("cannot write a checkpoint in {}: {e}", self.dir.display()));
        if !self.dir.exists() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(&self.dir).map_err(fail)?;
        }
        let path = self.dir.join(checkpoint.file_name());
        let text = serde_json::to_string_pretty(checkpoint).map_err(|e| internal(e.to_string()))?;
        write_private(&path, format!("{text}\n").as_bytes()).map_err(fail)?;
        Ok(path)
    }

    /// Every `*.json` file in the folder, parsed, in name order (an absent folder holds none).
    /// A file that does not parse is an error naming it: a damaged checkpoint is not skipped.
    pub fn read_all(&self) -> Result<Vec<(String, SignedCheckpoint)>, ChainBreakOr> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => {
                return Err(ChainBreakOr::App(internal(format!(
                    "cannot read the checkpoint folder {}: {error}",
                    self.dir.display()
                ))))
            }
        };
        let mut names: Vec<String> = entries
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().to_string())
            .filter(|name| name.ends_with(".json"))
            .collect();
        names.sort();
        let mut checkpoints = Vec::with_capacity(names.len());
        for name in names {
            let text = std::fs::read_to_string(self.dir.join(&name))
                .map_err(|e| ChainBreakOr::App(internal(format!("cannot read checkpoint {name}: {e}"))))?;
            let checkpoint: SignedCheckpoint = serde_json::from_str(&text).map_err(|e| {
                ChainBreakOr::Broken(ChainBreak {
                    seq: 0,
                    reason: format!("checkpoint {name} is malformed: {e}"),
                })
            })?;
            checkpoints.push((name, checkpoint));
        }
        Ok(checkpoints)
    }
}

/// Reading checkpoints either fails to run (an app error) or finds a bad checkpoint (a break).
#[derive(Debug)]
pub enum ChainBreakOr {
    Broken(ChainBreak),
    App(AppError),
}

/// Checks each checkpoint's signature under `key` and returns what they vouch for; the first one
/// that does not verify is a break naming it.
pub fn trust(
    checkpoints: &[(String, SignedCheckpoint)],
    key: &VerifyingKey,
) -> Result<Vec<TrustedCheckpoint>, ChainBreak> {
    checkpoints
        .iter()
        .map(|(name, checkpoint)| {
            checkpoint.verify(key).map_err(|why| ChainBreak {
                seq: checkpoint.seq,
                reason: format!("checkpoint {name} does not verify: {why}"),
            })?;
            Ok(TrustedCheckpoint { name: name.clone(), seq: checkpoint.seq, hash: checkpoint.hash.clone() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> PathBuf {
        std::env::temp_dir().join(format!("redress-checkpoint-{}", uuid::Uuid::new_v4().simple()))
    }

    #[test]
    fn a_checkpoint_verifies_only_under_its_key_and_unchanged() {
        let signer = AuditSigner::generate();
        let checkpoint =
            signer.sign(12, &"ab".repeat(32), Timestamp::from_unix_micros(1_700_000_000_000_000));
        checkpoint.verify(&signer.verifying_key()).unwrap();
        let other = AuditSigner::generate();
        assert!(checkpoint.verify(&other.verifying_key()).unwrap_err().contains("not signed by the trusted"));
        let mut altered = checkpoint.clone();
        altered.seq = 11;
        assert!(altered.verify(&signer.verifying_key()).unwrap_err().contains("altered"));
    }

    #[test]
    fn the_signing_key_file_is_created_once_owner_only() {
        let dir = folder();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit-signing.key");
        let first = AuditSigner::load_or_create(&path).unwrap();
        let again = AuditSigner::load_or_create(&path).unwrap();
        assert_eq!(first.public_key_hex(), again.public_key_hex());
        assert!(!format!("{first:?}").contains(&hex::encode(first.key.to_bytes())));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(parse_public_key(path.to_str().unwrap()).unwrap(), first.verifying_key());
        assert_eq!(parse_public_key(&first.public_key_hex()).unwrap(), first.verifying_key());
        assert!(parse_public_key("zz").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn checkpoints_round_trip_through_their_folder_and_a_damaged_one_is_named() {
        let dir = folder();
        let signer = AuditSigner::generate();
        let checkpoints = CheckpointFolder::new(dir.clone());
        assert!(checkpoints.read_all().unwrap().is_empty());
        let written = signer.sign(3, &"cd".repeat(32), Timestamp::from_unix_micros(10));
        checkpoints.write(&written).unwrap();
        let read = checkpoints.read_all().unwrap();
        assert_eq!(read, vec![(written.file_name(), written.clone())]);
        assert_eq!(trust(&read, &signer.verifying_key()).unwrap()[0].seq, 3);
        std::fs::write(dir.join("checkpoint-zzz.json"), "{").unwrap();
        match checkpoints.read_all() {
            Err(ChainBreakOr::Broken(broken)) => assert!(broken.reason.contains("checkpoint-zzz.json")),
            other => panic!("expected a break, got {other:?}"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
