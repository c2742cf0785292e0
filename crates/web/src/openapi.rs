//! The OpenAPI document: its frame (description, tags, security schemes) and the answers every
//! operation shares, which [`crate::access::Routes::add`] writes into each operation so that
//! the document lists every status an operation can answer without hand edits.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::credentials::SESSION_COOKIE;
use crate::problem::{Problem, ProblemField};

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
        (name = "administration", description = "Users and institutions"),
        (name = "audit", description = "The tamper-evident audit trail"),
        (name = "ledger", description = "The fund's double-entry ledger"),
        (name = "victims", description = "Victims, their consent and their protected identity"),
        (name = "cases", description = "Criminal cases, their stages, defendants and victims"),
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
