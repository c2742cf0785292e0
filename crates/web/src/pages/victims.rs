//! Victims: registration, the record, identity verification, finding by document, consent
//! withdrawal and referral.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{context, Value};
use redress_app::victims::RegisterVictim;
use redress_app::{AppError, RequestContext};
use redress_domain::policy::rules;
use redress_domain::FieldError;

use super::forms::{failure, form_error, joined, notice, Fields, Refusal};
use super::render::render;
use super::{urlencode, PagePath, PageRoutes, Viewer};
use crate::extract::Context;
use crate::AppState;

async fn victim_form(viewer: Viewer) -> Response {
    render(
        &viewer,
        StatusCode::OK,
        "victim_new.html",
        context! { ..super::victim_edit::choices(), ..context! { form => context! { document_type => "dni", sex => "female" } } },
    )
}

async fn register_victim(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let request = RegisterVictim {
        given_names: fields.get("given_names"),
        surnames: fields.get("surnames"),
        document_type: fields.get("document_type"),
        document_number: fields.get("document_number"),
        document_country: None,
        birth_date: fields.get("birth_date"),
        sex: fields.get("sex"),
        nationality: fields.get("nationality"),
        consent: fields.get("consent") == "true",
        consent_scope: None,
        contact: None,
        address: None,
        bank_account: fields.optional("bank_account"),
        legal_representative: super::victim_edit::representative_from(&fields),
        region: None,
        exploitation: None,
        languages: Vec::new(),
        recruitment: None,
        methods_of_control: Vec::new(),
    };
    match state.app.register_victim(viewer.actor(), &context, request).await {
        Ok(view) => Redirect::to(&format!(
            "/victims/{}?notice=victim-registered&code={}",
            view.code,
            urlencode(&view.code)
        ))
        .into_response(),
        Err(error) => form_error(&viewer, "victim_new.html", error, super::victim_edit::choices(), &fields),
    }
}

/// The victim's page with `extra` values (a form's refusal), or the error page. Reading it
/// again after a refusal is an audited identity read like any other.
async fn victim_view(
    state: &AppState,
    viewer: &Viewer,
    context: &RequestContext,
    code: &str,
    status: StatusCode,
    extra: Value,
) -> Response {
    let victim = match state.app.victim(viewer.actor(), context, code, Some("web_view")).await {
        Ok(victim) => victim,
        Err(error) => return failure(viewer, error),
    };
    let institutions = if rules::REGISTER_VICTIMS.allows(&viewer.actor().roles) {
        match state.app.referral_institutions(viewer.actor()).await {
            Ok(list) => list
                .into_iter()
                .map(|i| context! { id => i.id.0, name => i.name, kind => i.kind.as_str() })
                .collect(),
            Err(error) => return failure(viewer, error),
        }
    } else {
        Vec::new()
    };
    let file = match state.app.victim_file(viewer.actor(), code).await {
        Ok(file) => file,
        Err(error) => return failure(viewer, error),
    };
    let values = context! {
        victim => Value::from_serialize(&victim),
        file => Value::from_serialize(&file),
        institutions => institutions,
    };
    render(viewer, status, "victim.html", context! { ..extra, ..values })
}

async fn victim_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(code): PagePath<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let extra = context! { notice => notice(&viewer, &query) };
    victim_view(&state, &viewer, &context, &code, StatusCode::OK, extra).await
}

/// A small form's refusal on the victim's page, under `name` (its fields' errors, everything on
/// its problem line, what was chosen), or the error page.
async fn victim_refusal(
    state: &AppState,
    viewer: &Viewer,
    context: &RequestContext,
    code: &str,
    name: &str,
    chosen: String,
    error: AppError,
) -> Response {
    match Refusal::of(viewer.locale, error) {
        Ok(refusal) => {
            let form = context! { chosen => chosen, errors => refusal.errors(), ..refusal.as_line() };
            let extra = Value::from_iter([(name.to_string(), form)]);
            victim_view(state, viewer, context, code, refusal.status, extra).await
        }
        Err(error) => failure(viewer, error),
    }
}

async fn verify_victim(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(code): PagePath<String>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    match state.app.verify_identity(viewer.actor(), &context, &code, &fields.get("method")).await {
        Ok(()) => {
            Redirect::to(&format!("/victims/{}?notice=victim-verified", urlencode(&code))).into_response()
        }
        Err(error) => {
            victim_refusal(&state, &viewer, &context, &code, "verification", fields.get("method"), error)
                .await
        }
    }
}

async fn refer_victim(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(code): PagePath<String>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let chosen = f.get("institution_id");
    let result = match chosen.parse::<i64>() {
        Ok(institution) => state.app.refer_victim(viewer.actor(), &context, &code, institution).await,
        Err(_) => Err(FieldError::new("institution_id", "must be a number").into()),
    };
    match result {
        Ok(_) => {
            Redirect::to(&format!("/victims/{}?notice=victim-referred", urlencode(&code))).into_response()
        }
        Err(error) => victim_refusal(&state, &viewer, &context, &code, "referral", chosen, error).await,
    }
}

async fn find_victim(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let kind = query.get("document_type").cloned().unwrap_or_default();
    let number = query.get("document_number").cloned().unwrap_or_default();
    match state.app.find_victims_by_document(viewer.actor(), &context, &kind, &number).await {
        Ok(codes) => render(
            &viewer,
            StatusCode::OK,
            "victim_new.html",
            context! { ..super::victim_edit::choices(), ..context! { found => codes, form => context! { document_type => "dni", sex => "female" } } },
        ),
        Err(AppError::Invalid(errors)) => {
            let text = joined(viewer.locale, &errors);
            render(
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                "victim_new.html",
                context! { ..super::victim_edit::choices(), ..context! { problem => text, form => context! { document_type => "dni", sex => "female" } } },
            )
        }
        Err(error) => failure(&viewer, error),
    }
}

/// The confirmation before consent is withdrawn: what it does, the reason, a box to tick.
/// (Nothing about the victim is read here: the withdrawal itself checks who may.)
async fn consent_form(viewer: Viewer, PagePath(code): PagePath<String>) -> Response {
    consent_page(&viewer, &code, StatusCode::OK, context! {}, context! {})
}

fn consent_page(viewer: &Viewer, code: &str, status: StatusCode, errors: Value, form: Value) -> Response {
    let reasons = redress_app::victims::CONSENT_WITHDRAWAL_REASONS;
    let values = context! { code => code, reasons => reasons, errors => errors, form => form };
    render(viewer, status, "consent_withdrawal.html", values)
}

async fn withdraw_consent(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(code): PagePath<String>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let reason = fields.optional("reason");
    let mut errors = std::collections::BTreeMap::new();
    let known = redress_app::victims::CONSENT_WITHDRAWAL_REASONS;
    match reason.as_deref() {
        None => {
            errors.insert("reason", crate::i18n::translate(viewer.locale, "reason-required", &[]));
        }
        Some(r) if !known.contains(&r) => {
            errors.insert("reason", crate::i18n::translate(viewer.locale, "consent-reason-unknown", &[]));
        }
        Some(_) => {}
    }
    if fields.optional("confirm").is_none() {
        errors.insert("confirm", crate::i18n::translate(viewer.locale, "consent-confirm-required", &[]));
    }
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return consent_page(&viewer, &code, status, Value::from_serialize(&errors), fields.value());
    }
    match state.app.withdraw_consent_because(viewer.actor(), &context, &code, reason.as_deref()).await {
        Ok(_) => {
            Redirect::to(&format!("/victims/{}?notice=victim-withdrawn", urlencode(&code))).into_response()
        }
        Err(error) => failure(&viewer, error),
    }
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages
        .add(rules::REGISTER_VICTIMS, &["GET"], "/victims/new", get(victim_form))
        .add(rules::REGISTER_VICTIMS, &["POST"], "/victims", post(register_victim))
        .add(rules::READ_VICTIMS, &["GET"], "/victims/find", get(find_victim))
        .add(rules::READ_VICTIMS, &["GET"], "/victims/{code}", get(victim_page))
        .add(rules::FILE_CLAIMS, &["POST"], "/victims/{code}/verification", post(verify_victim))
        .add(
            rules::REGISTER_VICTIMS,
            &["GET", "POST"],
            "/victims/{code}/consent-withdrawal",
            get(consent_form).post(withdraw_consent),
        )
        .add(rules::REGISTER_VICTIMS, &["POST"], "/victims/{code}/referrals", post(refer_victim))
}
