//! Route registration with a mandatory access rule, and the check that enforces it.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use redress_app::password::constant_time_equal;
use redress_app::{Actor, AppError};
use redress_domain::policy::rules;
use redress_domain::Policy;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use crate::credentials::{csrf_header, csrf_matches, Credentials};
use crate::problem::Problem;
use crate::AppState;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A role policy from the domain (public, any logged-in user, or some roles).
    Policy(Policy),
    /// Prometheus scraping: the configured scrape token, or a session allowed by
    /// [`rules::READ_METRICS`].
    MetricsScrape,
}

impl Access {
    pub fn describe(&self) -> String {
        match self {
            Access::Policy(policy) => policy.describe(),
            Access::MetricsScrape => format!("metrics scrape token, or {}", rules::READ_METRICS.describe()),
        }
    }

    fn is_public(&self) -> bool {
        matches!(self, Access::Policy(Policy::Public))
    }
}

/// One registered route and its rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    pub method: String,
    pub path: String,
    pub access: Access,
}

/// Every route of the application with its access rule.
#[derive(Debug, Clone, Default)]
pub struct RouteTable(pub Vec<RouteEntry>);

impl RouteTable {
    pub fn find(&self, method: &str, path: &str) -> Option<&RouteEntry> {
        self.0.iter().find(|entry| entry.method == method && entry.path == path)
    }
}

/// The only way to add a route: with its access rule.
pub struct Routes {
    state: AppState,
    router: OpenApiRouter<AppState>,
    table: RouteTable,
}

fn operations(item: &mut utoipa::openapi::PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("GET", item.get.as_mut()),
        ("POST", item.post.as_mut()),
        ("PUT", item.put.as_mut()),
        ("PATCH", item.patch.as_mut()),
        ("DELETE", item.delete.as_mut()),
        ("HEAD", item.head.as_mut()),
        ("OPTIONS", item.options.as_mut()),
        ("TRACE", item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|op| (method, op)))
    .collect()
}

impl Routes {
    pub fn new(state: AppState) -> Routes {
        Routes {
            state,
            router: OpenApiRouter::with_openapi(crate::openapi::base()),
            table: RouteTable::default(),
        }
    }

    /// Adds the documented handler(s) of `routes!(…)` behind `access`. The rule is written into
    /// the OpenAPI operation (`x-redress-access`, security requirements) and the route table.
    pub fn add(
        mut self,
        access: Access,
        (schemas, mut paths, method_router): UtoipaMethodRouter<AppState>,
    ) -> Routes {
        for (path, item) in paths.paths.iter_mut() {
            for (method, operation) in operations(item) {
                self.table.0.push(RouteEntry { method: method.to_string(), path: path.clone(), access });
                let extensions = operation.extensions.get_or_insert_with(Default::default);
                extensions
                    .insert("x-redress-access".to_string(), serde_json::Value::String(access.describe()));
                let note = format!("Access: {}.", access.describe());
                operation.description = Some(match operation.description.take() {
                    Some(text) if !text.is_empty() => format!("{text}\n\n{note}"),
                    _ => note,
                });
                crate::openapi::add_common_answers(operation, method, access.is_public());
                if !access.is_public() {
                    operation.security = Some(vec![
                        SecurityRequirement::new("bearer", Vec::<String>::new()),
                        SecurityRequirement::new("cookie", Vec::<String>::new()),
                    ]);
                }
            }
        }
        let state = self.state.clone();
        let method_router = method_router.layer(from_fn_with_state(
            state,
            move |State(state): State<AppState>, request: Request, next: Next| {
                enforce(state, access, request, next)
            },
        ));
        self.router = self.router.routes((schemas, paths, method_router));
        self
    }

    pub fn finish(self) -> (Router<AppState>, OpenApi, RouteTable) {
        let (router, openapi) = self.router.split_for_parts();
        let mut table = self.table;
        table.0.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
        (router, openapi, table)
    }
}

/// The check in front of every non-public handler.
async fn enforce(state: AppState, access: Access, mut request: Request, next: Next) -> Response {
    if access.is_public() {
        return next.run(request).await;
    }
    let Some(credentials) = Credentials::of(request.headers()) else {
        return Problem::unauthenticated().into_response();
    };
    if let (Access::MetricsScrape, Credentials::Bearer(token)) = (&access, &credentials) {
        if let Some(expected) = &state.app.settings.metrics.token {
            if constant_time_equal(token, expected.expose()) {
                return next.run(request).await;
            }
        }
    }
    let (actor, csrf_token) = match state.app.authenticate(credentials.token()).await {
        Ok(found) => found,
        Err(error) => return Problem::from(error).into_response(),
    };
    if credentials.needs_csrf(request.method()) && !csrf_matches(csrf_header(request.headers()), &csrf_token)
    {
        return Problem::forbidden("a request authenticated by cookie must carry the session's X-CSRF-Token")
            .into_response();
    }
    let policy = match access {
        Access::Policy(policy) => policy,
        Access::MetricsScrape => rules::READ_METRICS,
    };
    if !policy.allows(&actor.roles) {
        tracing::info!(user = %actor.username, path = %request.uri().path(), "denied by role");
        return Problem::from(AppError::Forbidden).into_response();
    }
    let key = (request.method() == Method::POST)
        .then(|| {
            request
                .headers()
                .get(crate::idempotency::IDEMPOTENCY_HEADER)
                .map(|v| v.to_str().unwrap_or("\u{0}").to_string())
        })
        .flatten();
    request.extensions_mut().insert::<Actor>(actor.clone());
    match key {
        Some(key) => crate::idempotency::idempotent(state, actor, key, request, next).await,
        None => next.run(request).await,
    }
}
