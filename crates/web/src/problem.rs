//! RFC 9457 problem documents: the one place where an error becomes an HTTP status.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use redress_app::ledger::TransferRefusal;
use redress_app::AppError;
use redress_domain::ledger::TransferError;
use redress_domain::money::Overflow;
use redress_domain::{FieldError, FieldErrors};
use serde::Serialize;
use utoipa::ToSchema;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// An error, as `application/problem+json`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:redress:problem:validation`).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    pub status: u16,
    /// What went wrong in this case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Each invalid field and why (for validation problems).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// Seconds to wait before retrying (rate limits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// The field as named in the request (`username`, `roles[1]`).
    pub field: String,
    pub reason: String,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: Option<String>) -> Problem {
        Problem {
            kind: format!("urn:redress:problem:{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn invalid(errors: &FieldErrors) -> Problem {
        let mut problem = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "Invalid input",
            Some(errors.to_string()),
        );
        problem.errors = errors
            .0
            .iter()
            .map(|e| ProblemField { field: e.field.clone(), reason: e.reason.clone() })
            .collect();
        problem
    }

    pub fn bad_request(field: FieldError) -> Problem {
        let mut problem = Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-request",
            "Malformed request",
            Some(field.to_string()),
        );
        problem.errors = vec![ProblemField { field: field.field, reason: field.reason }];
        problem
    }

    pub fn unauthenticated() -> Problem {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Authentication required",
            Some("log in with POST /api/v1/session and send the token as a bearer token or cookie".into()),
        )
    }

    pub fn forbidden(detail: &str) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", Some(detail.to_string()))
    }

    pub fn not_found(detail: String) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", Some(detail))
    }

    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = self.retry_after;
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"redress\""));
        }
        if let Some(seconds) = retry_after {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                headers.insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// An [`AppError`] on its way out of a handler.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        ApiError(AppError::Invalid(errors))
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ApiError(AppError::Invalid(error.into()))
    }
}

impl From<Overflow> for ApiError {
    fn from(error: Overflow) -> Self {
        ApiError(error.into())
    }
}

/// The one mapping from an application error to an HTTP status, used by the API (through
/// [`Problem`]) and by the pages (their error page) alike.
pub fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden | AppError::Refused(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The status of a ledger transfer the ledger refused, by its refusal code: the same id with
/// other fields is a conflict, anything else input the ledger cannot apply.
pub fn transfer_refusal_status(refusal: TransferRefusal) -> StatusCode {
    match refusal {
        TransferRefusal::Rule(TransferError::ExistsWithDifferentFields) => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// Logs what the client is never told: the detail of a storage outage or an internal error.
pub fn log_server_side(error: &AppError) {
    match error {
        AppError::Unavailable(detail) => tracing::error!(%detail, "storage unavailable"),
        AppError::Internal(detail) => tracing::error!(%detail, "internal error"),
        _ => {}
    }
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Problem {
        log_server_side(&error);
        let status = status_of(&error);
        let field_problem = |slug: &str, title: &str, field: FieldError, detail: String| {
            let mut problem = Problem::new(status, slug, title, Some(detail));
            problem.errors = vec![ProblemField { field: field.field, reason: field.reason }];
            problem
        };
        match error {
            AppError::Invalid(errors) => Problem::invalid(&errors),
            AppError::Unauthenticated => Problem::unauthenticated(),
            AppError::Forbidden => Problem::forbidden("your roles do not allow this"),
            AppError::Refused(field) => {
                let detail = field.reason.clone();
                field_problem("forbidden", "Forbidden", field, detail)
            }
            AppError::NotFound(what) => Problem::not_found(what),
            AppError::Conflict(field) => {
                let detail = field.to_string();
                field_problem("conflict", "Conflict", field, detail)
            }
            AppError::RateLimited { retry_after_seconds } => {
                let mut problem = Problem::new(
                    status,
                    "rate-limited",
                    "Too many attempts",
                    Some(format!("too many failed attempts; try again in {retry_after_seconds} seconds")),
                );
                problem.retry_after = Some(retry_after_seconds);
                problem
            }
            AppError::Unavailable(_) => Problem::new(status, "unavailable", "Service unavailable", None),
            AppError::Internal(_) => Problem::new(status, "internal", "Internal error", None),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        Problem::from(self.0).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_detail_never_reaches_the_client() {
        let problem = Problem::from(AppError::Internal("password hash for ana is broken".into()));
        assert_eq!(problem.status, 500);
        assert!(!serde_json::to_string(&problem).unwrap().contains("ana"));
    }

    #[test]
    fn a_validation_problem_lists_every_field() {
        let mut errors = FieldErrors::new();
        errors.push(FieldError::new("username", "must not be empty"));
        errors.push(FieldError::new("roles[0]", "unknown role"));
        let problem = Problem::invalid(&errors);
        assert_eq!(problem.status, 422);
        let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["username", "roles[0]"]);
    }
}
