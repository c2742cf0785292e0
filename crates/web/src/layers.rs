//! The layers around every route: request ids, request logs, metrics, security headers, body
//! limit and timeout.

use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{from_fn, Next};
use axum::response::Response;
use axum::Router;
use redress_app::Settings;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Pages and API alike: nothing from other origins, no framing, no inline script.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn static_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// Counts requests and their duration by route template (never by concrete path, which could
/// carry an identifier) and status.
async fn record_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |path| path.as_str().to_string());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("redress_http_requests_total", &labels).increment(1);
    metrics::histogram!("redress_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// `Strict-Transport-Security` on answers to requests that came over https (as far as
/// [`crate::transport::is_https`] can tell): over plain http browsers ignore it anyway, and an
/// office network on http must not be told to insist on https.
async fn strict_transport(settings: std::sync::Arc<Settings>, request: Request, next: Next) -> Response {
    let https = crate::transport::is_https(&settings, request.headers());
    let mut response = next.run(request).await;
    if https {
        response.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, crate::transport::HSTS);
    }
    response
}

pub fn wrap(router: Router, settings: &Settings) -> Router {
    let shared = std::sync::Arc::new(settings.clone());
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let request_id = request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
            // The path only: query strings may carry search terms about people.
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
        })
        .on_response(|response: &Response, latency: Duration, _span: &tracing::Span| {
            tracing::info!(status = response.status().as_u16(), latency_ms = latency.as_millis() as u64, "response");
        });
    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(trace)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(static_header(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .layer(static_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(static_header(header::X_FRAME_OPTIONS, "DENY"))
        // `same-origin`, not `no-referrer`: no page address (victim codes are in them) leaves for
        // another site, but the browser's own form posts keep their `Origin`. Over plain http
        // on an office name browsers send no `Sec-Fetch-Site`, and with `no-referrer` they send
        // `Origin: null`, so the login's cross-site check refused every login.
        .layer(static_header(header::REFERRER_POLICY, "same-origin"))
        .layer(static_header(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ))
        .layer(static_header(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
        .layer(static_header(header::CACHE_CONTROL, "no-store"))
        .layer(from_fn(move |request: Request, next: Next| strict_transport(shared.clone(), request, next)))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(settings.server.request_timeout_seconds),
        ))
        .layer(DefaultBodyLimit::max(settings.server.body_limit_bytes));
    router.route_layer(from_fn(record_metrics)).layer(layers)
}
