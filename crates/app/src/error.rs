//! The errors a use case returns. The web layer maps each to one HTTP status in one place.

use redress_domain::money::Overflow;
use redress_domain::{FieldError, FieldErrors};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input is wrong; each entry names a field and the reason.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// No valid credentials (missing, wrong, or expired).
    #[error("authentication required")]
    Unauthenticated,
    /// Logged in, but the role does not allow it.
    #[error("forbidden")]
    Forbidden,
    /// The role allows the action in general, but not for this caller on this record (the
    /// proposer of a payment batch approving it, for example).
    #[error("refused: {0}")]
    Refused(FieldError),
    #[error("not found: {0}")]
    NotFound(String),
    /// The request conflicts with the current state (a duplicate name, a stale transition).
    #[error("conflict: {0}")]
    Conflict(FieldError),
    /// Too many attempts; try again after this many seconds.
    #[error("too many attempts; retry after {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: u64 },
    /// The database cannot be reached.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; the detail is logged, never shown to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Invalid(errors)
    }
}

impl From<FieldError> for AppError {
    fn from(error: FieldError) -> Self {
        AppError::Invalid(error.into())
    }
}

/// Money arithmetic left the range of an `Amount` (the figures involved, one of them typed in as
/// a rule, are too large to add up): refused as invalid, never wrapped.
impl From<Overflow> for AppError {
    fn from(_: Overflow) -> Self {
        AppError::Invalid(
            FieldError::new("amount", "out of range: the amounts involved are too large").into(),
        )
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(field_error) => AppError::Conflict(field_error),
            StoreError::Unavailable(detail) => AppError::Unavailable(detail),
            StoreError::Corrupt(detail) | StoreError::Other(detail) => AppError::Internal(detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_past_the_range_is_invalid_input_on_the_amount() {
        let AppError::Invalid(errors) = AppError::from(Overflow) else { panic!("not invalid") };
        assert_eq!(
            errors.0,
            vec![FieldError::new("amount", "out of range: the amounts involved are too large")]
        );
    }
}
