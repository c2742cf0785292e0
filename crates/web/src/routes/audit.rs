//! The audit trail, for auditors.

use axum::extract::State;
use axum::Json;
use redress_domain::audit::AuditRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::{Access, Routes};
use crate::extract::{ApiQuery, CurrentActor};
use crate::problem::ApiResult;
use crate::AppState;
use redress_domain::policy::rules;
use utoipa_axum::routes;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries with a sequence number below this (from `next_before`).
    pub before: Option<i64>,
    /// At most this many entries (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: String,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub institution: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub purpose: Option<String>,
    pub request_id: Option<String>,
    /// Extra facts, a JSON object.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditRecord> for AuditEntryView {
    fn from(record: AuditRecord) -> Self {
        let event = record.event;
        AuditEntryView {
            seq: record.seq,
            at: event.at.to_rfc3339(),
            actor_user_id: event.actor_user_id,
            actor: event.actor,
            institution: event.institution,
            action: event.action,
            target_type: event.target_type,
            target_id: event.target_id,
            purpose: event.purpose,
            request_id: event.request_id,
            details: serde_json::from_str(&event.details).unwrap_or(serde_json::Value::String(event.details)),
            prev_hash: record.prev_hash,
            hash: record.hash,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryView>,
    /// Pass as `before` for older entries; `null` when there are none.
    pub next_before: Option<i64>,
}

/// The audit trail, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage)))]
pub async fn list_audit(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let records = state.app.audit_page(&actor, query.before, query.limit).await?;
    let next_before = records.last().map(|r| r.seq).filter(|seq| *seq > 1);
    Ok(Json(AuditPage { items: records.into_iter().map(AuditEntryView::from).collect(), next_before }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    /// Whether every entry and the chain head check out.
    pub intact: bool,
    /// Entries checked (when intact).
    pub entries: Option<u64>,
    /// The newest entry's hash (when intact): note it to detect later tampering.
    pub head_hash: Option<String>,
    /// The first broken entry (when not intact).
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
}

/// Recomputes the whole hash chain and reports the first broken entry, if any.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = Verification)))]
pub async fn verify_audit(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<Verification>> {
    let verification = match state.app.verify_audit(&actor).await? {
        Ok(summary) => Verification {
            intact: true,
            entries: Some(summary.entries),
            head_hash: summary.head_hash,
            broken_at: None,
            reason: None,
        },
        Err(broken) => Verification {
            intact: false,
            entries: None,
            head_hash: None,
            broken_at: Some(broken.seq),
            reason: Some(broken.reason),
        },
    };
    Ok(Json(verification))
}

/// This resource's routes, each with its access rule.
pub(super) fn register(routes: Routes) -> Routes {
    routes
        .add(Access::Policy(rules::READ_AUDIT_TRAIL), routes!(list_audit))
        .add(Access::Policy(rules::READ_AUDIT_TRAIL), routes!(verify_audit))
}
