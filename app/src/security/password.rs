//! Password hashing (argon2id, off the async threads) and the strength rule.

use crate::domain::Code;
use std::sync::OnceLock;

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::domain::check_password_shape;

/// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password on a blocking thread.
pub async fn hash_password(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// A hash of a random password, verified against when the email is unknown so
/// that both answers take the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        let random = uuid::Uuid::new_v4().to_string();
        hasher()
            .hash_password(random.as_bytes(), &salt)
            .expect("hashing a random password")
            .to_string()
    })
}

/// Warms the dummy hash so the first unknown-email sign-in is not faster.
pub fn warm_up() {
    let _ = dummy_hash();
}

/// Checks `password` against `hash` (or a dummy when there is no user) on a
/// blocking thread. Always does the full work.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    let known = hash.is_some();
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let ok = hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && known
    })
    .await
    .unwrap_or(false)
}

/// The full rule for a new password: the shape rule the browser also checks,
/// then a guessability estimate (zxcvbn score 3 of 4 at least), which also
/// refuses passwords made of the user's own email or name.
pub fn check_new_password(password: &str, user_inputs: &[&str]) -> Result<(), Code> {
    check_password_shape(password)?;
    let estimate = zxcvbn::zxcvbn(password, user_inputs);
    if u8::from(estimate.score()) < 3 {
        return Err(Code::PasswordWeak);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let h = hash_password("correct horse battery staple".into())
            .await
            .unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery staple".into(), Some(h.clone())).await);
        assert!(!verify_password("wrong horse battery staple".into(), Some(h)).await);
        assert!(!verify_password("anything".into(), None).await);
    }

    #[test]
    fn strength() {
        assert_eq!(
            check_new_password("password1234", &[]),
            Err(Code::PasswordWeak)
        );
        assert_eq!(
            check_new_password("ana@example.com1", &["ana@example.com"]),
            Err(Code::PasswordWeak)
        );
        assert_eq!(
            check_new_password("short", &[]),
            Err(Code::PasswordTooShort)
        );
        assert!(check_new_password("violet-harbour-93-lantern", &[]).is_ok());
    }
}
