//! The OpenAPI document: its frame (description, tags, security schemes) and the answers every
//! operation shares, which [`crate::access::Routes::add`] writes into each operation so that
//! the document lists every status an operation can answer without hand edits.

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::credentials::SESSION_COOKIE;
use crate::problem::{self, Problem, ProblemField};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Redress API",
        description = "Redress runs a reparations fund for victims of trafficking in persons. \
            Errors are RFC 9457 problem documents (application/problem+json). Log in with \
            POST /api/v1/session and send the token as `Authorization: Bearer <token>`, or use \
            the session cookie and echo the CSRF token in `X-CSRF-Token` on state-changing requests. \
            Each operation states who may call it (`x-redress-access`)."
    ),
    modifiers(&SecuritySchemes),
    components(schemas(Problem, ProblemField)),
    tags(
        (name = "operations", description = "Health, metrics and this document"),
        (name = "session", description = "Logging in and out, the current user"),
        (name = "administration", description = "Users, institutions and the fund's details"),
        (name = "audit", description = "The tamper-evident audit trail"),
        (name = "ledger", description = "The fund's double-entry ledger"),
        (name = "victims", description = "Victims, their consent and their protected identity"),
        (name = "cases", description = "Criminal cases, their stages, defendants and victims"),
        (name = "alerts", description = "Alerts of reported or suspected cases and their 24-hour meeting"),
        (name = "orders", description = "Judgments and reparation orders"),
        (name = "assets", description = "Seized and confiscated assets, from seizure to money in the fund"),
        (name = "claims", description = "Claims, the allocation policy and rounds, payment batches, bank files and results"),
        (name = "public", description = "The public transparency page and feeds (no login, no personal data)"),
    )
)]
pub struct ApiDoc;

/// The document before any route is added: its description, tags and security schemes.
pub fn base() -> utoipa::openapi::OpenApi {
    <ApiDoc as OpenApi>::openapi()
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        );
    }
}

/// A problem answer, as every error is documented.
fn problem_answer(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
    RefOr::T(ResponseBuilder::new().description(description).content(problem::CONTENT_TYPE, content).build())
}

/// Writes into an operation the answers it can give besides its own: those of the access
/// check, of the extractors that parse its parameters and body, of the `Idempotency-Key`
/// handling, and of a storage outage or timeout. An answer the operation documents itself
/// (with its own description) is kept.
pub fn add_common_answers(operation: &mut Operation, method: &str, public: bool) {
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let has_path = parameters.iter().any(|p| p.parameter_in == ParameterIn::Path);
    let has_parameters = !parameters.is_empty();
    let has_body = operation.request_body.is_some();
    let mut answers: Vec<(&str, &str)> = Vec::new();
    if has_parameters || has_body {
        answers.push((
            "400",
            "Malformed request: a parameter or the body does not parse (the problem names it)",
        ));
        answers.push(("422", "Invalid input (the problem names each field)"));
    }
    if !public {
        answers.push(("401", "No valid credentials"));
        answers
            .push(("403", "The caller's roles do not allow this, or a cookie request lacks its CSRF token"));
    }
    if has_path {
        answers.push(("404", "No such record"));
    }
    if has_body {
        answers.push(("413", "The body is larger than the server accepts"));
        answers.push(("415", "The body is not in the documented content type"));
    }
    if method == "POST" && !public {
        answers.push(("409", "Conflict, or a request with the same Idempotency-Key still running"));
        answers.push(("422", "Invalid input, or an Idempotency-Key already used for another request"));
    }
    answers.push(("503", "The database does not answer, or the request took too long"));
    for (status, description) in answers {
        operation
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| problem_answer(description));
    }
}
