//! Victims: registration with consent, the record (identity only for those allowed, every such
//! read audited with its purpose), consent withdrawal.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use redress_app::identity::{IdentityPatch, RepresentativeInput};
use redress_app::victims::{RegisterVictim, VictimCorrection, VictimView};
use redress_domain::victims::{Identity, Representative};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::{Access, Routes};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Context, CurrentActor};
use crate::problem::{ApiResult, Problem};
use crate::AppState;
use redress_domain::policy::rules;
use utoipa_axum::routes;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterVictimRequest {
    /// As the person writes them, particles and accents kept.
    pub given_names: String,
    /// Both surnames where there are two ("Quispe de la Cruz").
    pub surnames: String,
    /// dni, ce, passport, ptp or other_foreign.
    pub document_type: String,
    pub document_number: String,
    /// Issuing country (ISO 3166 alpha-2); default: the nationality.
    pub document_country: Option<String>,
    /// ISO date, `1998-04-23`.
    pub birth_date: String,
    /// female, male, other or unknown.
    pub sex: String,
    /// ISO 3166 alpha-2, `PE`, `VE`.
    pub nationality: String,
    /// `true` when the victim agreed to the processing of personal data (required).
    pub consent: bool,
    /// What the consent covers (default `reparation_fund`).
    pub consent_scope: Option<String>,
    pub contact: Option<String>,
    pub address: Option<String>,
    pub bank_account: Option<String>,
    /// Required for a minor: the person who acts for the victim (and is paid while the victim
    /// is a minor), with their own document and account.
    pub legal_representative: Option<RepresentativeInput>,
    /// Region (department): kept in clear for statistics.
    pub region: Option<String>,
    /// Type of exploitation (HTCDS): kept in clear for statistics.
    pub exploitation: Option<String>,
    /// Languages spoken (`es`, `qu`, `ay`…); protected.
    #[serde(default)]
    pub languages: Vec<String>,
    /// HTCDS context: how the victim was recruited; protected.
    pub recruitment: Option<String>,
    /// HTCDS context: methods of control; protected.
    #[serde(default)]
    pub methods_of_control: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityJson {
    pub given_names: String,
    pub surnames: String,
    pub document_type: String,
    pub document_number: String,
    pub document_country: String,
    pub birth_date: String,
    pub contact: Option<String>,
    pub address: Option<String>,
    pub bank_account: Option<String>,
    pub legal_representative: Option<RepresentativeJson>,
    pub languages: Vec<String>,
    pub recruitment: Option<String>,
    pub methods_of_control: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RepresentativeJson {
    pub given_names: String,
    pub surnames: String,
    pub document_type: String,
    pub document_number: String,
    pub document_country: String,
    pub relationship: String,
    pub legal_basis: String,
    pub bank_account: Option<String>,
    pub contact: Option<String>,
}

impl From<Representative> for RepresentativeJson {
    fn from(r: Representative) -> Self {
        RepresentativeJson {
            given_names: r.given_names,
            surnames: r.surnames,
            document_type: r.document_type.as_str().to_string(),
            document_number: r.document_number,
            document_country: r.document_country,
            relationship: r.relationship.as_str().to_string(),
            legal_basis: r.legal_basis,
            bank_account: r.bank_account,
            contact: r.contact,
        }
    }
}

impl From<Identity> for IdentityJson {
    fn from(i: Identity) -> Self {
        IdentityJson {
            given_names: i.given_names,
            surnames: i.surnames,
            document_type: i.document_type.as_str().to_string(),
            document_number: i.document_number,
            document_country: i.document_country,
            birth_date: i.birth_date,
            contact: i.contact,
            address: i.address,
            bank_account: i.bank_account,
            legal_representative: i.legal_representative.map(RepresentativeJson::from),
            languages: i.languages,
            recruitment: i.recruitment,
            methods_of_control: i.methods_of_control,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VictimJson {
    /// The pseudonymous code used everywhere else, `V-2026-000123`.
    pub code: String,
    pub sex: String,
    pub nationality: String,
    pub age_band: String,
    pub minor: bool,
    pub region: Option<String>,
    pub exploitation: Option<String>,
    pub consent_given_at: String,
    pub consent_scope: String,
    pub consent_withdrawn_at: Option<String>,
    pub institution_id: i64,
    pub created_at: String,
    /// Only for callers allowed to see it, while consent stands.
    pub identity: Option<IdentityJson>,
    /// `not_allowed` or `consent_withdrawn` when the identity is not shown.
    pub identity_withheld: Option<String>,
}

impl From<VictimView> for VictimJson {
    fn from(v: VictimView) -> Self {
        VictimJson {
            code: v.code,
            sex: v.sex,
            nationality: v.nationality,
            age_band: v.age_band,
            minor: v.minor,
            region: v.region,
            exploitation: v.exploitation,
            consent_given_at: v.consent_given_at.to_rfc3339(),
            consent_scope: v.consent_scope,
            consent_withdrawn_at: v.consent_withdrawn_at.map(|t| t.to_rfc3339()),
            institution_id: v.institution_id,
            created_at: v.created_at.to_rfc3339(),
            identity: v.identity.map(IdentityJson::from),
            identity_withheld: v.identity_withheld.map(str::to_string),
        }
    }
}

/// Registers a victim of the caller's institution, with their consent. The identity is
/// encrypted before it is stored; a document registered before is a 409 naming its code.
#[utoipa::path(post, path = "/api/v1/victims", tag = "victims", request_body = RegisterVictimRequest,
    responses((status = 201, body = VictimJson),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn register_victim(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiJson(r): ApiJson<RegisterVictimRequest>,
) -> ApiResult<(StatusCode, Json<VictimJson>)> {
    let request = RegisterVictim {
        given_names: r.given_names,
        surnames: r.surnames,
        document_type: r.document_type,
        document_number: r.document_number,
        document_country: r.document_country,
        birth_date: r.birth_date,
        sex: r.sex,
        nationality: r.nationality,
        consent: r.consent,
        consent_scope: r.consent_scope,
        contact: r.contact,
        address: r.address,
        bank_account: r.bank_account,
        legal_representative: r.legal_representative,
        region: r.region,
        exploitation: r.exploitation,
        languages: r.languages,
        recruitment: r.recruitment,
        methods_of_control: r.methods_of_control,
    };
    let view = state.app.register_victim(&actor, &context, request).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// A field that may be sent as null to clear it: absent is `None`, null is `Some(None)`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Some(Option::<T>::deserialize(deserializer)?))
}

/// A correction (JSON merge patch): a field left out stays as it is; an optional field sent as
/// `null` is cleared. `reason` is required.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectVictimRequest {
    /// Why the record is corrected (kept in the history and the audit trail).
    pub reason: Option<String>,
    pub given_names: Option<String>,
    pub surnames: Option<String>,
    pub document_type: Option<String>,
    pub document_number: Option<String>,
    pub document_country: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub nationality: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub contact: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    /// A CCI (20 digits with valid check digits) or an IBAN; null removes it (cheque).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub bank_account: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<RepresentativeInput>)]
    pub legal_representative: Option<Option<RepresentativeInput>>,
    pub languages: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub recruitment: Option<Option<String>>,
    pub methods_of_control: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub exploitation: Option<Option<String>>,
}

impl From<CorrectVictimRequest> for VictimCorrection {
    fn from(r: CorrectVictimRequest) -> Self {
        VictimCorrection {
            identity: IdentityPatch {
                given_names: r.given_names,
                surnames: r.surnames,
                document_type: r.document_type,
                document_number: r.document_number,
                document_country: r.document_country,
                birth_date: r.birth_date,
                contact: r.contact,
                address: r.address,
                bank_account: r.bank_account,
                legal_representative: r.legal_representative,
                languages: r.languages,
                recruitment: r.recruitment,
                methods_of_control: r.methods_of_control,
            },
            sex: r.sex,
            nationality: r.nationality,
            region: r.region,
            exploitation: r.exploitation,
            reason: r.reason,
        }
    }
}

/// Corrects a victim's record (victim services of the victim's institution): any identity
/// field, the bank account and the legal representative included, with a reason. The previous
/// identity is kept, sealed, in the record's history; the change is audited. Claims that the
/// bank refused for the payee's details go back to the queue.
#[utoipa::path(patch, path = "/api/v1/victims/{code}", tag = "victims",
    params(("code" = String, Path, description = "V-2026-000123")), request_body = CorrectVictimRequest,
    responses((status = 200, body = VictimJson),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn correct_victim(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(code): ApiPath<String>,
    ApiJson(r): ApiJson<CorrectVictimRequest>,
) -> ApiResult<Json<VictimJson>> {
    Ok(Json(state.app.correct_victim(&actor, &context, &code, r.into()).await?.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VictimQuery {
    /// Why the identity is being read (recorded in the audit trail); default `record_view`.
    pub purpose: Option<String>,
}

/// A victim's record. Identity fields appear only for roles allowed to see them (victim
/// services of the registering institution, fund officers, auditors), never after consent is
/// withdrawn; each such read is audited with its purpose.
#[utoipa::path(get, path = "/api/v1/victims/{code}", tag = "victims",
    params(("code" = String, Path, description = "V-2026-000123"), VictimQuery),
    responses((status = 200, body = VictimJson),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_victim(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<VictimQuery>,
) -> ApiResult<Json<VictimJson>> {
    Ok(Json(state.app.victim(&actor, &context, &code, query.purpose.as_deref()).await?.into()))
}

/// Records that the victim withdrew consent: the identity is no longer shown to anyone; the
/// record and its statistics remain.
#[utoipa::path(post, path = "/api/v1/victims/{code}/consent-withdrawal", tag = "victims",
    params(("code" = String, Path, description = "V-2026-000123")),
    responses((status = 200, body = VictimJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<VictimJson>> {
    Ok(Json(state.app.withdraw_consent(&actor, &context, &code).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralRequest {
    /// The institution whose victim services take the victim on.
    pub institution_id: i64,
}

/// Refers a victim to another institution (its victim services then see the identity).
#[utoipa::path(post, path = "/api/v1/victims/{code}/referrals", tag = "victims",
    params(("code" = String, Path, description = "V-2026-000123")), request_body = ReferralRequest,
    responses((status = 200, body = VictimJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn refer_victim(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiPath(code): ApiPath<String>,
    ApiJson(r): ApiJson<ReferralRequest>,
) -> ApiResult<Json<VictimJson>> {
    Ok(Json(state.app.refer_victim(&actor, &context, &code, r.institution_id).await?.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DocumentQuery {
    pub document_type: String,
    pub document_number: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VictimCodes {
    pub codes: Vec<String>,
}

/// Finds victims by identity document (an exact match through a keyed hash; nothing is
/// decrypted). Answers codes only; the look-up is audited.
#[utoipa::path(get, path = "/api/v1/victims", tag = "victims", params(DocumentQuery),
    responses((status = 200, body = VictimCodes),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn find_victims(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Context(context): Context,
    ApiQuery(query): ApiQuery<DocumentQuery>,
) -> ApiResult<Json<VictimCodes>> {
    let codes = state
        .app
        .find_victims_by_document(&actor, &context, &query.document_type, &query.document_number)
        .await?;
    Ok(Json(VictimCodes { codes }))
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(Access::Policy(rules::REGISTER_VICTIMS), routes!(register_victim))
        .add(Access::Policy(rules::READ_VICTIMS), routes!(get_victim))
        .add(Access::Policy(rules::REGISTER_VICTIMS), routes!(correct_victim))
        .add(Access::Policy(rules::REGISTER_VICTIMS), routes!(withdraw_consent))
        .add(Access::Policy(rules::REGISTER_VICTIMS), routes!(refer_victim))
        .add(Access::Policy(rules::READ_VICTIMS), routes!(find_victims))
}
