//! # redress-web — the HTTP interface
//!
//! An axum server with the JSON API under `/api/v1`, its OpenAPI 3.1 document generated from the
//! handlers (utoipa), health and metrics endpoints, and the cross-cutting layers: request ids,
//! structured request logs, security headers, body limits, timeouts and metrics.
//!
//! Design decisions:
//! - **No route without a policy.** Routes are added only through [`access::Routes::add`], which
//!   takes the route's [`access::Access`] and its documented handler together, wraps the handler
//!   in the check, and records both in the [`access::RouteTable`]. The check runs before the
//!   handler and hands it the [`redress_app::Actor`]; a handler that asks for an actor on a route
//!   without a check fails closed. A test walks every documented route and asserts 401/403.
//! - **Errors are RFC 9457 problem documents**, chosen in exactly one place ([`problem`]), with
//!   the invalid fields named; internal detail is logged with the request id, never returned.
//! - **Sessions live in the database**, so several server processes can serve one PostgreSQL.
//!   Clients send the token as `Authorization: Bearer …` or as the `redress_session` cookie
//!   (`HttpOnly`, `SameSite=Strict`); state-changing requests made with the cookie must echo the
//!   session's CSRF token in `X-CSRF-Token`.

pub mod access;
pub mod charts;
pub mod credentials;
pub mod extract;
pub mod fallback;
pub mod i18n;
pub mod idempotency;
pub mod layers;
pub mod openapi;
pub mod pages;
pub mod problem;
pub mod public_cache;
pub mod public_limit;
pub mod routes;
pub mod transport;
pub mod views;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use redress_app::App;
use tokio::net::TcpListener;

pub use access::{Access, RouteTable};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub metrics: PrometheusHandle,
    /// The OpenAPI document as JSON, filled in once the router is built.
    pub openapi_json: Arc<OnceLock<String>>,
    /// The anonymous public page and feeds, kept briefly (see [`public_cache`]).
    pub public_cache: Arc<public_cache::PublicCache>,
}

/// The process-wide Prometheus recorder (installed on first use).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = metrics_exporter_prometheus::PrometheusBuilder::new();
            match builder.install_recorder() {
                Ok(handle) => handle,
                // Another recorder is installed (tests embedding several servers): keep a
                // private one so /metrics still answers.
                Err(_) => metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder().handle(),
            }
        })
        .clone()
}

/// The complete application: the router with every layer, the table of route policies, and the
/// OpenAPI document.
pub struct Built {
    pub router: Router,
    pub routes: RouteTable,
    /// The web pages and their access rules.
    pub pages: Vec<pages::PageEntry>,
    pub openapi: utoipa::openapi::OpenApi,
}

pub fn build(app: App) -> Built {
    i18n::format::set_time_zone(app.settings.time_zone());
    let state = AppState {
        app,
        metrics: metrics_handle(),
        openapi_json: Arc::new(OnceLock::new()),
        public_cache: Arc::new(public_cache::PublicCache::default()),
    };
    let routes = routes::all(access::Routes::new(state.clone()));
    let (router, openapi, table) = routes.finish();
    let (pages, page_table) = pages::routes(state.clone()).finish();
    let router = pages
        .merge(router)
        .fallback(fallback::no_route)
        .method_not_allowed_fallback(fallback::method_not_allowed);
    let json = openapi.to_pretty_json().unwrap_or_else(|_| "{}".to_string());
    let _ = state.openapi_json.set(json);
    let server = &state.app.settings.server;
    let limiter = Arc::new(public_limit::PublicLimiter::new(
        server.public_requests_per_minute,
        server.trust_forwarded_for,
    ));
    let router = router
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(limiter, public_limit::limit));
    let router = layers::wrap(router, &state.app.settings)
        .layer(axum::middleware::from_fn(fallback::problem_for_bare_errors));
    Built { router, routes: table, pages: page_table, openapi }
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    app: App,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let built = build(app);
    axum::serve(listener, built.router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
