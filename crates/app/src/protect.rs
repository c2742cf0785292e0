//! Protecting victims' identity: authenticated encryption under data keys kept outside the
//! database, and a keyed hash (blind index) of document numbers for exact look-ups.
//!
//! - Cipher: XChaCha20-Poly1305 with a random 192-bit nonce per value. The victim's code is the
//!   associated data, so a ciphertext moved to another record fails to decrypt.
//! - Stored form: `v1:<key id>:<base64url(nonce ‖ ciphertext)>`. The key id says which key
//!   decrypts it; `redress keys rotate` adds a key, makes it current, and re-encrypts.
//! - Blind index: HMAC-SHA-256 under a separate index key over the document type and the
//!   normalised number. It finds a victim or a duplicate without decrypting anything.
//! - The key ring is a JSON file, created owner-only (0600) beside the data, or named by
//!   `security.keys_file` / `REDRESS_SECURITY__KEYS_FILE`. It is never in the database and never
//!   logged.

use std::collections::BTreeMap;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::AppError;

const PREFIX: &str = "v1";

/// The key ring as stored in its file.
#[derive(Clone, Serialize, Deserialize)]
struct KeyFile {
    current: String,
    keys: BTreeMap<String, String>,
    index_key: String,
}

/// The data keys: the current one encrypts; any listed one decrypts.
#[derive(Clone)]
pub struct KeyRing {
    current: String,
    keys: BTreeMap<String, [u8; 32]>,
    index_key: [u8; 32],
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyRing(current: {}, keys: {}, ***)", self.current, self.keys.len())
    }
}

fn random_key() -> [u8; 32] {
    rand::thread_rng().gen()
}

fn decode_key(text: &str) -> Result<[u8; 32], AppError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| AppError::Internal("a key in the key file is not base64".into()))?;
    bytes.try_into().map_err(|_| AppError::Internal("a key in the key file is not 32 bytes".into()))
}

impl KeyRing {
    /// A new ring with one data key and an index key.
    pub fn generate() -> KeyRing {
        let mut keys = BTreeMap::new();
        keys.insert("k1".to_string(), random_key());
        KeyRing { current: "k1".to_string(), keys, index_key: random_key() }
    }

    /// Loads the ring from `path`, creating it (0600) when it does not exist. Two processes
    /// starting at once agree on one file: the new ring is written aside and linked into place
    /// only if no file is there yet (an atomic no-clobber), then whatever is in place is loaded.
    pub fn load_or_create(path: &Path) -> Result<KeyRing, AppError> {
        if !path.exists() {
            let aside = path.with_extension(format!("new-{}", uuid::Uuid::new_v4().simple()));
            Self::generate().save(&aside)?;
            match std::fs::hard_link(&aside, path) {
                Ok(()) => tracing::info!(path = %path.display(), "created a new data key file"),
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(error) => {
                    let _ = std::fs::remove_file(&aside);
                    return Err(AppError::Internal(format!(
                        "cannot create the key file {}: {error}",
                        path.display()
                    )));
                }
            }
            let _ = std::fs::remove_file(&aside);
        }
        Self::load(path)
    }

    pub fn load(path: &Path) -> Result<KeyRing, AppError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| AppError::Internal(format!("cannot read the key file {}: {e}", path.display())))?;
        let file: KeyFile = serde_json::from_str(&text)
            .map_err(|e| AppError::Internal(format!("the key file {} is malformed: {e}", path.display())))?;
        let mut keys = BTreeMap::new();
        for (id, key) in &file.keys {
            keys.insert(id.clone(), decode_key(key)?);
        }
        if !keys.contains_key(&file.current) {
            return Err(AppError::Internal("the key file's current key is not among its keys".into()));
        }
        Ok(KeyRing { current: file.current, keys, index_key: decode_key(&file.index_key)? })
    }

    /// Writes the ring owner-only, replacing the file atomically.
    pub fn save(&self, path: &Path) -> Result<(), AppError> {
        let file = KeyFile {
            current: self.current.clone(),
            keys: self.keys.iter().map(|(id, key)| (id.clone(), URL_SAFE_NO_PAD.encode(key))).collect(),
            index_key: URL_SAFE_NO_PAD.encode(self.index_key),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| AppError::Internal(e.to_string()))?;
        let temporary = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        let fail = |e: std::io::Error| {
            AppError::Internal(format!("cannot write the key file {}: {e}", path.display()))
        };
        {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut handle = options.open(&temporary).map_err(fail)?;
            handle.write_all(text.as_bytes()).map_err(fail)?;
            handle.sync_all().map_err(fail)?;
        }
        std::fs::rename(&temporary, path).map_err(fail)
    }

    /// Adds a new key and makes it current; returns its id.
    pub fn rotate(&mut self) -> String {
        let next = (1..).map(|n| format!("k{n}")).find(|id| !self.keys.contains_key(id)).unwrap_or_default();
        self.keys.insert(next.clone(), random_key());
        self.current = next.clone();
        next
    }

    pub fn current_key_id(&self) -> &str {
        &self.current
    }

    /// Encrypts `plain`, bound to `context` (the record's code).
    pub fn seal(&self, plain: &[u8], context: &str) -> Result<String, AppError> {
        self.seal_with(&self.current, plain, context)
    }

    /// The ids of every key in the ring.
    pub fn key_ids(&self) -> Vec<String> {
        self.keys.keys().cloned().collect()
    }

    /// Encrypts under a given key of the ring.
    pub fn seal_with(&self, key_id: &str, plain: &[u8], context: &str) -> Result<String, AppError> {
        let key = self.keys.get(key_id).ok_or_else(|| AppError::Internal(format!("no data key {key_id}")))?;
        let cipher = XChaCha20Poly1305::new(key.into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, Payload { msg: plain, aad: context.as_bytes() })
            .map_err(|_| AppError::Internal("encryption failed".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        Ok(format!("{PREFIX}:{key_id}:{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Decrypts a value sealed for `context`. Fails if the key is unknown, the value was
    /// altered, or it belongs to another record.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, AppError> {
        let corrupt = || AppError::Internal("a protected value cannot be decrypted".into());
        let mut parts = sealed.splitn(3, ':');
        let (Some(PREFIX), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(corrupt());
        };
        let key = self.keys.get(key_id).ok_or_else(|| {
            AppError::Internal(format!("the data key {key_id} is missing from the key file"))
        })?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| corrupt())?;
        if bytes.len() < 24 {
            return Err(corrupt());
        }
        let (nonce, sealed) = bytes.split_at(24);
        XChaCha20Poly1305::new(key.into())
            .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: context.as_bytes() })
            .map_err(|_| corrupt())
    }

    /// The key id a sealed value was encrypted under.
    pub fn key_id_of(sealed: &str) -> Option<&str> {
        sealed.split(':').nth(1)
    }

    /// The blind index of a normalised document: equal documents give equal indexes.
    pub fn blind_index(&self, document_type: &str, normalized_number: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key).expect("HMAC takes any key length");
        mac.update(b"redress-document-v1:");
        mac.update(document_type.as_bytes());
        mac.update(b":");
        mac.update(normalized_number.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_for_its_record() {
        let ring = KeyRing::generate();
        let sealed = ring.seal(b"Rosa Quispe", "V-2026-000001").unwrap();
        assert!(sealed.starts_with("v1:k1:"));
        assert!(!sealed.contains("Rosa"));
        assert_eq!(ring.open(&sealed, "V-2026-000001").unwrap(), b"Rosa Quispe");
        assert!(ring.open(&sealed, "V-2026-000002").is_err(), "moved to another record");
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(ring.open(&altered, "V-2026-000001").is_err(), "altered");
        assert!(KeyRing::generate().open(&sealed, "V-2026-000001").is_err(), "another key ring");
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_seals_with_the_new_key() {
        let mut ring = KeyRing::generate();
        let old = ring.seal(b"x", "c").unwrap();
        assert_eq!(ring.rotate(), "k2");
        let new = ring.seal(b"y", "c").unwrap();
        assert_eq!(KeyRing::key_id_of(&new), Some("k2"));
        assert_eq!(ring.open(&old, "c").unwrap(), b"x");
        assert_eq!(ring.open(&new, "c").unwrap(), b"y");
    }

    #[test]
    fn blind_indexes_are_keyed_and_stable() {
        let ring = KeyRing::generate();
        assert_eq!(ring.blind_index("dni", "45678912"), ring.blind_index("dni", "45678912"));
        assert_ne!(ring.blind_index("dni", "45678912"), ring.blind_index("ce", "45678912"));
        assert_ne!(ring.blind_index("dni", "45678912"), KeyRing::generate().blind_index("dni", "45678912"));
    }

    #[test]
    fn the_key_file_round_trips_owner_only() {
        let path = std::env::temp_dir().join(format!("redress-keys-{}.json", uuid::Uuid::new_v4()));
        let mut ring = KeyRing::load_or_create(&path).unwrap();
        ring.rotate();
        ring.save(&path).unwrap();
        let loaded = KeyRing::load(&path).unwrap();
        assert_eq!(loaded.current_key_id(), "k2");
        let sealed = ring.seal(b"z", "c").unwrap();
        assert_eq!(loaded.open(&sealed, "c").unwrap(), b"z");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(!format!("{loaded:?}").contains(&URL_SAFE_NO_PAD.encode(loaded.index_key)));
        std::fs::remove_file(&path).unwrap();
    }
}
