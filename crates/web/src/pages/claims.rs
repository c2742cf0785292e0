//! Claims: the list with filters, filing, a claim with its decision form, withdrawal.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{context, Value};
use redress_app::claims::{Decision, FileClaim};
use redress_app::record_lists::OrderSummary;
use redress_app::AppError;
use redress_domain::claims::{ClaimState, Need};
use redress_domain::policy::rules;

use super::forms::{failure, notice, Fields, Refusal};
use super::render::render;
use super::{PagePath, PageRoutes, Viewer};
use crate::extract::Context;
use crate::AppState;

async fn claims_list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let state_filter = query.get("state").filter(|s| !s.is_empty()).cloned();
    let tier = query.get("tier").and_then(|t| t.parse::<u8>().ok());
    let overdue = query.get("overdue").is_some_and(|v| v == "true");
    let after = query.get("after").and_then(|a| a.parse::<i64>().ok());
    let limit = 50;
    match state.app.claims(viewer.actor(), state_filter.as_deref(), tier, overdue, after, Some(limit)).await {
        Ok(claims) => {
            let next_after = (claims.len() as i64 == limit).then(|| claims.last().map(|c| c.id)).flatten();
            let states: Vec<&str> = ClaimState::ALL.iter().map(|s| s.as_str()).collect();
            render(
                &viewer,
                StatusCode::OK,
                "claims.html",
                context! {
                    claims => Value::from_serialize(&claims),
                    states => states,
                    next_after => next_after,
                    filter => context! { state => state_filter, tier => tier, overdue => overdue },
                },
            )
        }
        Err(error) => failure(&viewer, error),
    }
}

/// The claim's page with `extra` values (a form's refusal), or the error page.
async fn claim_view(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    status: StatusCode,
    extra: Value,
) -> Response {
    // The batches (and rounds) the claim was in, for those who read payments.
    let batches = if rules::READ_PAYMENTS.allows(&viewer.actor().roles) {
        match state.app.claim_batches(viewer.actor(), id).await {
            Ok(batches) => batches,
            Err(error) => return failure(viewer, error),
        }
    } else {
        Vec::new()
    };
    match state.app.claim(viewer.actor(), id).await {
        Ok(claim) => {
            let roles = &viewer.actor().roles;
            let values = context! {
                claim => Value::from_serialize(&claim),
                batches => Value::from_serialize(&batches),
                can_decide => rules::DECIDE_CLAIMS.allows(roles),
                can_read_cases => rules::READ_CASES.allows(roles),
                can_read_orders => rules::READ_ORDERS.allows(roles),
            };
            render(viewer, status, "claim.html", context! { ..extra, ..values })
        }
        Err(error) => failure(viewer, error),
    }
}

async fn claim_page(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let extra = context! { notice => notice(&viewer, &query) };
    claim_view(&state, &viewer, id, StatusCode::OK, extra).await
}

async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let decision = Decision {
        decision: fields.get("decision"),
        amount: fields.optional("amount"),
        tier: fields.optional("tier").and_then(|t| t.parse().ok()),
        reason: fields.optional("reason"),
    };
    match state.app.decide_claim(viewer.actor(), &context, id, decision).await {
        Ok(_) => Redirect::to(&format!("/claims/{id}?notice=claim-decided")).into_response(),
        Err(error) => match Refusal::of(viewer.locale, error) {
            Ok(refusal) => {
                let extra = context! { form => fields.value(), ..refusal.values() };
                claim_view(&state, &viewer, id, refusal.status, extra).await
            }
            Err(error) => failure(&viewer, error),
        },
    }
}

/// The needs a claim may name (also offered by the policy page).
pub(super) fn needs() -> Vec<&'static str> {
    Need::ALL.iter().map(|n| n.as_str()).collect()
}

/// The orders the claim form offers for `victim`, or why it cannot (an error next to the
/// victim's field and its status: a code that does not read or names nobody, a victim another
/// institution looks after); any other error is the error page's.
async fn claim_orders(
    state: &AppState,
    viewer: &Viewer,
    victim: &str,
) -> Result<Result<Vec<OrderSummary>, (StatusCode, String)>, AppError> {
    match state.app.claimable_orders(viewer.actor(), victim).await {
        Ok(orders) => Ok(Ok(orders)),
        Err(AppError::Forbidden) => Ok(Err((
            StatusCode::FORBIDDEN,
            crate::i18n::translate(viewer.locale, "claim-victim-not-yours", &[]),
        ))),
        Err(AppError::Invalid(errors)) => {
            let reason = errors.0.first().map(|e| e.reason.clone()).unwrap_or_default();
            Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, crate::i18n::codes::reason(viewer.locale, &reason))))
        }
        Err(error) => Err(error),
    }
}

/// The claim form in two steps, without JavaScript: the victim's code first (a GET), then the
/// form with the orders a claim may be filed on for that victim to choose from.
async fn claim_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let victim = query.get("victim").map(|v| v.trim().to_string()).unwrap_or_default();
    let form = context! { victim => victim, kind => "reparation", needs => Vec::<String>::new() };
    if victim.is_empty() {
        return render(
            &viewer,
            StatusCode::OK,
            "claim_new.html",
            context! { needs => needs(), form => form },
        );
    }
    match claim_orders(&state, &viewer, &victim).await {
        Ok(Ok(orders)) => render(
            &viewer,
            StatusCode::OK,
            "claim_new.html",
            context! { needs => needs(), form => form, chosen => true, orders => Value::from_serialize(&orders) },
        ),
        Ok(Err((status, reason))) => render(
            &viewer,
            status,
            "claim_new.html",
            context! { needs => needs(), form => form, errors => context! { victim => reason } },
        ),
        Err(error) => failure(&viewer, error),
    }
}

async fn file_claim(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let mut errors = BTreeMap::new();
    let mut number = |name: &str| -> Option<i64> {
        let text = fields.get(name);
        if text.is_empty() {
            return None;
        }
        text.parse::<i64>().map(Some).unwrap_or_else(|_| {
            errors.insert(name.to_string(), crate::i18n::codes::reason(viewer.locale, "must be a number"));
            None
        })
    };
    let order_id = number("order_id");
    let case_id = number("case_id");
    let request = FileClaim {
        victim: fields.get("victim"),
        kind: fields.optional("kind"),
        order_id,
        case_id,
        amount: fields.optional("amount"),
        needs: fields.all("needs"),
        note: None,
    };
    let result = if errors.is_empty() {
        state.app.file_claim(viewer.actor(), &context, request).await
    } else {
        Err(AppError::Invalid(redress_domain::FieldErrors::new()))
    };
    match result {
        Ok(claim) => {
            Redirect::to(&format!("/claims/{}?notice=claim-filed&id={}", claim.id, claim.id)).into_response()
        }
        Err(error) => {
            let refusal = match Refusal::of(viewer.locale, error) {
                Ok(refusal) => refusal,
                Err(error) => return failure(&viewer, error),
            };
            errors.extend(refusal.errors());
            // The form comes back whole: the victim's orders to choose from again (none when
            // the victim's code is what is wrong), everything typed kept.
            let orders = match claim_orders(&state, &viewer, &fields.get("victim")).await {
                Ok(Ok(orders)) => orders,
                Ok(Err((_, reason))) => {
                    errors.entry("victim".to_string()).or_insert(reason);
                    Vec::new()
                }
                Err(error) => return failure(&viewer, error),
            };
            // An order chosen that is no longer offered (claimed meanwhile) stays chosen.
            let typed = fields.get("order_id");
            let kept_order =
                (!typed.is_empty() && !orders.iter().any(|o| o.id.to_string() == typed)).then_some(typed);
            render(
                &viewer,
                refusal.status,
                "claim_new.html",
                context! {
                    needs => needs(),
                    errors => errors,
                    form => fields.value(),
                    chosen => true,
                    orders => Value::from_serialize(&orders),
                    kept_order => kept_order,
                    ..refusal.values()
                },
            )
        }
    }
}

async fn withdraw_claim(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    match state.app.withdraw_claim(viewer.actor(), &context, id, &f.get("reason")).await {
        Ok(_) => Redirect::to(&format!("/claims/{id}?notice=claim-withdrawn")).into_response(),
        // The withdrawal's own refusal, next to its own field (the decision form has a reason too).
        Err(error) => match Refusal::of(viewer.locale, error) {
            Ok(refusal) => {
                let withdrawal =
                    context! { reason => f.get("reason"), errors => refusal.errors(), ..refusal.as_line() };
                claim_view(&state, &viewer, id, refusal.status, context! { withdrawal => withdrawal }).await
            }
            Err(error) => failure(&viewer, error),
        },
    }
}

/// The printable receipt of a paid claim, opened from its page; a refusal is an error page.
async fn claim_receipt(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
) -> Response {
    match state.app.claim_receipt(viewer.actor(), &context, id).await {
        Ok(receipt) => {
            super::render::render_document(viewer.locale, "receipt.html", context! { receipt => receipt })
        }
        Err(error) => failure(&viewer, error),
    }
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages
        .add(rules::READ_CLAIMS, &["GET"], "/claims", get(claims_list))
        .add(rules::FILE_CLAIMS, &["POST"], "/claims", post(file_claim))
        .add(rules::FILE_CLAIMS, &["GET"], "/claims/new", get(claim_form))
        .add(rules::READ_CLAIMS, &["GET"], "/claims/{id}", get(claim_page))
        .add(rules::DECIDE_CLAIMS, &["POST"], "/claims/{id}/decision", post(decide))
        .add(rules::READ_CLAIMS, &["GET"], "/claims/{id}/receipt", get(claim_receipt))
        .add(rules::FILE_CLAIMS, &["POST"], "/claims/{id}/withdrawal", post(withdraw_claim))
}
