//! Correcting a victim's record (victim services of the victim's institution): the identity,
//! the bank account and the legal representative, with a reason. Opening the form shows the
//! current identity, which is an identity read (audited, purpose `correction`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::{context, Value};
use redress_app::identity::{IdentityPatch, RepresentativeInput};
use redress_app::victims::VictimCorrection;
use redress_domain::policy::rules;
use redress_domain::victims::{DocumentType, Relationship};

use super::forms::{failure, form_error, Fields};
use super::render::render;
use super::{PageRoutes, Viewer};
use crate::extract::Context;
use crate::AppState;

/// The representative typed into a form (fields `rep_…`), if any of them was filled in.
pub(super) fn representative_from(fields: &Fields) -> Option<RepresentativeInput> {
    let names = [
        "rep_given_names",
        "rep_surnames",
        "rep_document_type",
        "rep_document_number",
        "rep_relationship",
        "rep_legal_basis",
        "rep_bank_account",
    ];
    let typed = names.iter().any(|n| fields.optional(n).is_some_and(|v| !matches!(v.as_str(), "" | "none")));
    typed.then(|| RepresentativeInput {
        given_names: fields.get("rep_given_names"),
        surnames: fields.get("rep_surnames"),
        document_type: fields.get("rep_document_type"),
        document_number: fields.get("rep_document_number"),
        document_country: fields.optional("rep_document_country"),
        relationship: fields.get("rep_relationship"),
        legal_basis: fields.get("rep_legal_basis"),
        bank_account: fields.optional("rep_bank_account"),
        contact: fields.optional("rep_contact"),
    })
}

/// The choices the victim forms offer.
pub(super) fn choices() -> Value {
    let documents: Vec<&str> = DocumentType::ALL.iter().map(|d| d.as_str()).collect();
    let relationships: Vec<&str> = Relationship::ALL.iter().map(|r| r.as_str()).collect();
    context! { document_types => documents, relationships => relationships }
}

/// The current record as form values (the names the form uses).
fn current_form(victim: &redress_app::victims::VictimView) -> Value {
    let Some(identity) = &victim.identity else { return Value::from(()) };
    let rep = identity.legal_representative.as_ref();
    context! {
        given_names => identity.given_names.clone(),
        surnames => identity.surnames.clone(),
        document_type => identity.document_type.as_str(),
        document_number => identity.document_number.clone(),
        birth_date => identity.birth_date.clone(),
        contact => identity.contact.clone(),
        address => identity.address.clone(),
        bank_account => identity.bank_account.clone(),
        rep_given_names => rep.map(|r| r.given_names.clone()),
        rep_surnames => rep.map(|r| r.surnames.clone()),
        rep_document_type => rep.map(|r| r.document_type.as_str()),
        rep_document_number => rep.map(|r| r.document_number.clone()),
        rep_relationship => rep.map(|r| r.relationship.as_str()),
        rep_legal_basis => rep.map(|r| r.legal_basis.clone()),
        rep_bank_account => rep.and_then(|r| r.bank_account.clone()),
    }
}

async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(code): Path<String>,
) -> Response {
    match state.app.victim(viewer.actor(), &context, &code, Some("correction")).await {
        Ok(victim) if victim.identity.is_some() => render(
            &viewer,
            StatusCode::OK,
            "victim_edit.html",
            context! { ..choices(), ..context! { code => victim.code.clone(), form => current_form(&victim) } },
        ),
        Ok(_) => failure(&viewer, redress_app::AppError::Forbidden),
        Err(error) => failure(&viewer, error),
    }
}

/// A text field of the form as a patch: unchanged when it equals what was shown, cleared when
/// emptied.
fn changed(fields: &Fields, name: &str) -> Option<Option<String>> {
    let shown = fields.get(&format!("was_{name}"));
    let now = fields.get(name);
    (now != shown).then(|| Some(now).filter(|v| !v.is_empty()))
}

fn required_changed(fields: &Fields, name: &str) -> Option<String> {
    changed(fields, name).map(|v| v.unwrap_or_default())
}

fn correction_from(fields: &Fields) -> VictimCorrection {
    let representative_fields = [
        "rep_given_names",
        "rep_surnames",
        "rep_document_type",
        "rep_document_number",
        "rep_relationship",
        "rep_legal_basis",
        "rep_bank_account",
    ];
    let representative_changed = representative_fields.iter().any(|n| changed(fields, n).is_some());
    VictimCorrection {
        identity: IdentityPatch {
            given_names: required_changed(fields, "given_names"),
            surnames: required_changed(fields, "surnames"),
            document_type: required_changed(fields, "document_type"),
            document_number: required_changed(fields, "document_number"),
            birth_date: required_changed(fields, "birth_date"),
            contact: changed(fields, "contact"),
            address: changed(fields, "address"),
            bank_account: changed(fields, "bank_account"),
            legal_representative: representative_changed.then(|| representative_from(fields)),
            ..IdentityPatch::default()
        },
        reason: fields.optional("reason"),
        ..VictimCorrection::default()
    }
}

async fn correct(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    match state.app.correct_victim(viewer.actor(), &context, &code, correction_from(&fields)).await {
        Ok(view) => Redirect::to(&format!("/victims/{}?notice=victim-corrected", view.code)).into_response(),
        Err(error) => {
            let was: std::collections::BTreeMap<String, String> = fields
                .0
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("was_").map(|name| (name.to_string(), v.clone())))
                .collect();
            let values = context! { ..choices(), ..context! { code => code.clone(), was => was } };
            form_error(&viewer, "victim_edit.html", error, values, &fields)
        }
    }
}

pub(super) fn pages(pages: PageRoutes) -> PageRoutes {
    pages.add(rules::REGISTER_VICTIMS, &["GET", "POST"], "/victims/{code}/edit", get(edit_form).post(correct))
}
