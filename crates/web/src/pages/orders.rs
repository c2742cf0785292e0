//! Judgments and reparation orders: recording a judgment, finality, payments by the convicted,
//! insolvency findings and later recoveries.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{context, Value};
use redress_app::AppError;
use redress_domain::policy::rules;

use super::filters::{kept, list_page, next_after, number, parsed, text, LIST_LIMIT};
use super::forms::{failure, form_error, notice, Fields, Refusal};
use super::render::render;
use super::{PagePath, PageRoutes, Viewer};
use crate::extract::Context;
use crate::i18n::{self, codes};
use crate::views::orders::JudgmentJson;
use crate::AppState;

fn heads() -> Vec<&'static str> {
    redress_domain::orders::HeadOfDamage::ALL.iter().map(|h| h.as_str()).collect()
}

async fn judgment_form(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
) -> Response {
    match state.app.case(viewer.actor(), id).await {
        Ok(case) => render(
            &viewer,
            StatusCode::OK,
            "judgment_new.html",
            context! { case => Value::from_serialize(&case), heads => heads(), form => context! {} },
        ),
        Err(error) => failure(&viewer, error),
    }
}

async fn record_judgment(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let case = match state.app.case(viewer.actor(), id).await {
        Ok(case) => case,
        Err(error) => return failure(&viewer, error),
    };
    let convicted: Vec<i64> = fields.all("convicted").iter().filter_map(|d| d.parse().ok()).collect();
    let (orders, cells) = judgment_orders(&case.victims, &fields, &convicted);
    let request = redress_app::orders::RecordJudgment {
        case_id: id,
        judged_on: fields.get("judged_on"),
        court: fields.get("court"),
        convicted,
        final_on: fields.optional("final_on"),
        orders,
        confirm_duplicate: fields.get("confirm_duplicate") == "true",
    };
    match state.app.record_judgment(viewer.actor(), &context, request).await {
        Ok(judgment) => {
            Redirect::to(&format!("/judgments/{}?notice=judgment-recorded", judgment.judgment.id))
                .into_response()
        }
        Err(AppError::Invalid(errors)) => {
            // Each error goes next to the cell or field it is about, named by its label.
            let mut by_field = std::collections::BTreeMap::new();
            let mut list = Vec::new();
            for error in &errors.0 {
                let reason = codes::reason(viewer.locale, &error.reason);
                let (field, label) = match cell_of(&error.field, &cells) {
                    Some((name, victim, head)) => {
                        let head = i18n::translate(viewer.locale, &format!("head-{head}"), &[]);
                        (name, format!("{victim} · {head}"))
                    }
                    None => (error.field.clone(), codes::field_label(viewer.locale, &error.field)),
                };
                list.push(format!("{label}: {reason}"));
                by_field.insert(field, reason);
            }
            render(
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                "judgment_new.html",
                context! {
                    case => Value::from_serialize(&case),
                    heads => heads(),
                    errors => by_field,
                    error_list => list,
                    form => fields.value(),
                },
            )
        }
        Err(error) => form_error(
            &viewer,
            "judgment_new.html",
            error,
            context! { case => Value::from_serialize(&case), heads => heads() },
            &fields,
        ),
    }
}

/// A judgment form's cells: the field name, victim and head of each item of each order.
type Cells = Vec<Vec<(String, String, &'static str)>>;

/// The orders typed in a judgment form (one per victim with an amount), and the form's cell
/// behind each `orders[i].items[j]` of the request, to put an error back next to its cell.
fn judgment_orders(
    victims: &[String],
    fields: &Fields,
    convicted: &[i64],
) -> (Vec<redress_app::orders::OrderRequest>, Cells) {
    let deadline = fields.optional("payment_deadline");
    let mut orders = Vec::new();
    let mut cells = Vec::new();
    for code in victims {
        let typed: Vec<(String, &'static str, String)> = heads()
            .into_iter()
            .filter_map(|head| {
                let name = format!("amount:{code}:{head}");
                fields.optional(&name).map(|amount| (name, head, amount))
            })
            .collect();
        if typed.is_empty() {
            continue;
        }
        cells.push(typed.iter().map(|(name, head, _)| (name.clone(), code.clone(), *head)).collect());
        orders.push(redress_app::orders::OrderRequest {
            victim: code.clone(),
            currency: None,
            payment_deadline: deadline.clone(),
            items: typed.into_iter().map(|(_, head, amount)| (head.to_string(), amount)).collect(),
            debtors: convicted.to_vec(),
        });
    }
    (orders, cells)
}

/// `orders[1].items[0].amount` → the cell's (field name, victim, head), when it is one.
fn cell_of(path: &str, cells: &Cells) -> Option<(String, String, &'static str)> {
    let rest = path.strip_prefix("orders[")?;
    let (order, rest) = rest.split_once("].items[")?;
    let (item, _) = rest.split_once(']')?;
    let row = cells.get(order.parse::<usize>().ok()?)?;
    row.get(item.parse::<usize>().ok()?).cloned()
}

async fn judgment_view(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    status: StatusCode,
    extra: Value,
) -> Response {
    match state.app.judgment(viewer.actor(), id).await {
        Ok(judgment) => {
            let json = JudgmentJson::from(judgment);
            render(
                viewer,
                status,
                "judgment.html",
                context! {
                    ..extra,
                    ..context! {
                        judgment => Value::from_serialize(&json),
                        can_record => rules::RECORD_JUDGMENTS.allows(&viewer.actor().roles),
                        can_recover => rules::DECIDE_CLAIMS.allows(&viewer.actor().roles),
                    }
                },
            )
        }
        Err(error) => failure(viewer, error),
    }
}

async fn judgment_page(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&viewer, &query);
    judgment_view(&state, &viewer, id, StatusCode::OK, context! { notice => notice }).await
}

/// Judgments newest first, as the reader may list them: final or not, of a case, by file.
async fn judgments_list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let locale = viewer.locale;
    let (form, link) = kept(&query, &["final", "case", "file"]);
    let mut errors = std::collections::BTreeMap::new();
    let filter = redress_app::record_lists::JudgmentFilter {
        is_final: parsed(locale, &query, "final", &mut errors, |v| match v {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => Err("must be one of yes, no".to_string()),
        }),
        case_id: parsed(locale, &query, "case", &mut errors, number),
        file: text(&query, "file"),
    };
    let after = query.get("after").and_then(|a| a.parse().ok());
    let mut next = None;
    let rows = if errors.is_empty() {
        state.app.judgments(viewer.actor(), &filter, after, Some(LIST_LIMIT)).await.map(|rows| {
            next = next_after(rows.iter().map(|r| r.id), LIST_LIMIT);
            Value::from_serialize(&rows)
        })
    } else {
        Ok(Value::from(Vec::<Value>::new()))
    };
    let values = context! { form => form, link => link, next_after => next };
    list_page(&viewer, "judgments.html", rows, errors, values)
}

/// Reparation orders newest first, as the reader may list them: by payment state, of a case,
/// by file.
async fn orders_list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    use redress_domain::orders::PaymentState;
    let locale = viewer.locale;
    let (form, link) = kept(&query, &["state", "case", "file"]);
    let mut errors = std::collections::BTreeMap::new();
    let states = parsed(locale, &query, "state", &mut errors, |v| {
        PaymentState::parse("state", v).map_err(|e| e.reason)
    });
    let filter = redress_app::record_lists::OrderFilter {
        states: states.into_iter().collect(),
        case_id: parsed(locale, &query, "case", &mut errors, number),
        file: text(&query, "file"),
    };
    let after = query.get("after").and_then(|a| a.parse().ok());
    let mut next = None;
    let rows = if errors.is_empty() {
        state.app.orders(viewer.actor(), &filter, after, Some(LIST_LIMIT)).await.map(|rows| {
            next = next_after(rows.iter().map(|r| r.id), LIST_LIMIT);
            Value::from_serialize(&rows)
        })
    } else {
        Ok(Value::from(Vec::<Value>::new()))
    };
    let all: Vec<&str> = PaymentState::ALL.iter().map(|s| s.as_str()).collect();
    let values = context! {
        form => form,
        link => link,
        next_after => next,
        states => all,
        can_read_cases => rules::READ_CASES.allows(&viewer.actor().roles),
    };
    list_page(&viewer, "orders.html", rows, errors, values)
}

/// One reparation order: its figures, eligibility, payments and findings, with links to its
/// judgment and victim (the same access as the API's `GET /api/v1/orders/{id}`).
async fn order_page(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> Response {
    let order = match state.app.order(viewer.actor(), id).await {
        Ok(order) => crate::views::orders::OrderJson::from(order),
        Err(error) => return failure(&viewer, error),
    };
    // The claims on the order, for those who may also read claims.
    let claims = if rules::READ_CLAIMS.allows(&viewer.actor().roles) {
        match state.app.order_claims(viewer.actor(), id).await {
            Ok(claims) => Some(claims),
            Err(error) => return failure(&viewer, error),
        }
    } else {
        None
    };
    render(
        &viewer,
        StatusCode::OK,
        "order.html",
        context! { o => Value::from_serialize(&order), claims => Value::from_serialize(&claims) },
    )
}

async fn judgment_final(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    match state.app.set_judgment_final(viewer.actor(), &context, id, &fields.get("final_on")).await {
        Ok(_) => Redirect::to(&format!("/judgments/{id}?notice=judgment-updated")).into_response(),
        Err(error) => match Refusal::of(viewer.locale, error) {
            Ok(refusal) => judgment_view(&state, &viewer, id, refusal.status, refusal.as_line()).await,
            Err(error) => failure(&viewer, error),
        },
    }
}

/// A form on an order: back to its judgment, or the judgment with the problem.
async fn order_form(
    state: &AppState,
    viewer: &Viewer,
    result: Result<(), AppError>,
    order_id: i64,
) -> Response {
    let judgment_id = match state.app.order(viewer.actor(), order_id).await {
        Ok(order) => order.order.judgment_id,
        Err(error) => return failure(viewer, error),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/judgments/{judgment_id}?notice=judgment-updated#order-{order_id}"))
            .into_response(),
        Err(error) => match Refusal::of(viewer.locale, error) {
            Ok(refusal) => judgment_view(state, viewer, judgment_id, refusal.status, refusal.as_line()).await,
            Err(error) => failure(viewer, error),
        },
    }
}

async fn order_payment(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state
        .app
        .record_debtor_payment(
            viewer.actor(),
            &context,
            id,
            &fields.get("amount"),
            &fields.get("paid_on"),
            None,
        )
        .await;
    order_form(&state, &viewer, result.map(|_| ()), id).await
}

async fn order_insolvency(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let result = state
        .app
        .record_insolvency(viewer.actor(), &context, id, &fields.get("found_on"), &fields.get("basis"))
        .await;
    order_form(&state, &viewer, result.map(|_| ()), id).await
}

async fn record_recovery(
    State(state): State<AppState>,
    viewer: Viewer,
    Context(context): Context,
    PagePath(id): PagePath<i64>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let result = state
        .app
        .record_recovery(viewer.actor(), &context, id, &f.get("amount"), &f.get("received_on"), None)
        .await;
    order_form(&state, &viewer, result.map(|_| ()), id).await
}

pub(super) fn routes(pages: PageRoutes) -> PageRoutes {
    pages
        .add(
            rules::RECORD_JUDGMENTS,
            &["GET", "POST"],
            "/cases/{id}/judgment",
            get(judgment_form).post(record_judgment),
        )
        .add(rules::READ_ORDERS, &["GET"], "/judgments", get(judgments_list))
        .add(rules::READ_ORDERS, &["GET"], "/orders", get(orders_list))
        .add(rules::READ_ORDERS, &["GET"], "/judgments/{id}", get(judgment_page))
        .add(rules::READ_ORDERS, &["GET"], "/orders/{id}", get(order_page))
        .add(rules::RECORD_JUDGMENTS, &["POST"], "/judgments/{id}/finality", post(judgment_final))
        .add(rules::RECORD_JUDGMENTS, &["POST"], "/orders/{id}/payments", post(order_payment))
        .add(rules::RECORD_JUDGMENTS, &["POST"], "/orders/{id}/insolvency", post(order_insolvency))
        .add(rules::DECIDE_CLAIMS, &["POST"], "/orders/{id}/recoveries", post(record_recovery))
}
