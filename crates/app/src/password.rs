//! Password hashing (Argon2id with the `argon2` crate's defaults: 19 MiB, 2 passes, 1 lane —
//! OWASP's recommended minimum), random tokens and generated passwords.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::Rng;
use redress_domain::{FieldError, Password, Secret};
use sha2::{Digest, Sha256};

use crate::AppError;

/// The weakest estimated strength a new password may have, on zxcvbn's scale of 0 to 4
/// (3: "safely unguessable", about 10^10 guesses).
pub const PASSWORD_SCORE_MIN: u8 = 3;

/// Only this many characters are estimated: the estimator's work grows quickly with length,
/// and a longer password is not made weaker by what follows.
const STRENGTH_CHARS_MAX: usize = 100;

/// Refuses a new password that a guesser would find quickly: common passwords, words with
/// digits (`Password1234`), keyboard walks, dates, and anything built from `user_inputs` (the
/// username and display name). Uses the maintained zxcvbn estimator.
pub fn check_strength(password: &Password, user_inputs: &[&str]) -> Result<(), FieldError> {
    let text: String = password.expose().chars().take(STRENGTH_CHARS_MAX).collect();
    // The estimator matches inputs as whole words: give it each word of a name, also without
    // its accents (`María Quispe` → `maría`, `maria`, `quispe`).
    let mut words: Vec<String> = Vec::new();
    for input in user_inputs {
        for word in input.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 3) {
            let word = word.to_lowercase();
            words.push(fold_accents(&word));
            words.push(word);
        }
    }
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(&text, &words);
    if u8::from(estimate.score()) >= PASSWORD_SCORE_MIN {
        return Ok(());
    }
    let hint = estimate.feedback().and_then(|f| f.warning()).map(|w| format!(" ({w})")).unwrap_or_default();
    Err(FieldError::new(
        "password",
        format!("is too easy to guess{hint}: use a longer phrase of unrelated words, or a password manager"),
    ))
}

/// Lower-case Spanish and Portuguese accented letters folded to their base letter.
fn fold_accents(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            other => other,
        })
        .collect()
}

fn hash_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AppError::Internal(format!("password hashing failed: {error}")))
}

/// Hashes a new password on the blocking pool (hashing takes tens of milliseconds of CPU).
pub async fn hash_password(password: &Password) -> Result<String, AppError> {
    let plain = Secret::new(password.expose().to_string());
    tokio::task::spawn_blocking(move || hash_blocking(plain.expose()))
        .await
        .map_err(|error| AppError::Internal(format!("hashing task failed: {error}")))?
}

/// Whether `candidate` matches the stored PHC `hash`. A malformed hash never matches.
pub async fn verify_password(hash: String, candidate: Secret<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else {
            tracing::error!("a stored password hash is malformed");
            return false;
        };
        Argon2::default().verify_password(candidate.expose().as_bytes(), &parsed).is_ok()
    })
    .await
    .map_err(|error| AppError::Internal(format!("verification task failed: {error}")))
}

/// A hash of a random password, verified against when the username does not exist so that a
/// failed login takes the same time whether or not the user exists.
pub fn dummy_hash() -> String {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            hash_blocking(&random_token()).unwrap_or_else(|_| {
                // Unreachable in practice; a constant PHC string still costs a full verification.
                "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$L2QeBGSZmPG8ZrI2r/pjVEXt1PdGdx/3nEDvbMDbbsk"
                    .to_string()
            })
        })
        .clone()
}

/// 256 random bits, URL-safe base64: session tokens, CSRF tokens.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::thread_rng().gen();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// How a token is stored and looked up: its SHA-256, hex. A database leak yields no tokens.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A password for the first administrator: 24 characters from an alphabet without look-alikes
/// (no 0/O, 1/l/I), about 139 bits, in groups of four for reading aloud.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    let characters: Vec<char> = (0..24).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    characters.chunks(4).map(|chunk| chunk.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// Constant-time string equality (CSRF tokens, scrape tokens).
pub fn constant_time_equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strength(text: &str, inputs: &[&str]) -> Result<(), FieldError> {
        check_strength(&Password::parse(text, &PasswordRules::default(), None).unwrap(), inputs)
    }

    #[test]
    fn common_and_personal_passwords_are_refused_and_strong_ones_accepted() {
        for weak in ["Password1234", "password12345", "qwertyuiop123", "123456789012", "Lima20262026"] {
            let error = strength(weak, &[]).expect_err(weak);
            assert!(error.reason.contains("too easy to guess"), "{weak}: {}", error.reason);
        }
        // Built from the display name: refused with it as an input, not without (an honest check).
        for personal in ["Quispe202620", "Quispemaria1", "quispe123456"] {
            assert!(strength(personal, &["mquispe", "María Quispe"]).is_err(), "{personal}");
            assert!(strength(personal, &[]).is_ok(), "{personal}");
        }
        for strong in ["Tumbes-Lima-2026-#Fondo", "caballo correcto bateria grapa", "k7Qe-2mZr-Wp9x-Lh4t"] {
            strength(strong, &["admin"]).unwrap_or_else(|e| panic!("{strong}: {}", e.reason));
        }
    }
    use redress_domain::PasswordRules;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let password = Password::parse("correct horse battery", &PasswordRules::default(), None).unwrap();
        let hash = hash_password(&password).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains("horse"));
        assert!(verify_password(hash.clone(), Secret::new("correct horse battery".into())).await.unwrap());
        assert!(!verify_password(hash, Secret::new("correct horse battery!".into())).await.unwrap());
    }

    #[tokio::test]
    async fn a_malformed_hash_never_matches() {
        assert!(!verify_password("not-a-hash".into(), Secret::new("x".into())).await.unwrap());
    }

    #[test]
    fn generated_passwords_pass_the_rules_and_differ() {
        let a = generate_password();
        let b = generate_password();
        assert_ne!(a, b);
        assert_eq!(a.len(), 24 + 5);
        assert!(Password::parse(&a, &PasswordRules::default(), None).is_ok());
    }

    #[test]
    fn tokens_are_long_random_and_stored_as_digests() {
        let token = random_token();
        assert_eq!(token.len(), 43);
        assert_ne!(token, random_token());
        assert_eq!(token_digest(&token).len(), 64);
        assert!(constant_time_equal(&token, &token.clone()));
        assert!(!constant_time_equal(&token, &random_token()));
    }
}
