//! Anonymous traffic limited per client: the public transparency page and its feeds
//! (`/public`, `/public/…`) answer each client address at most `server.public_requests_per_minute`
//! times a minute (a token bucket: that many at once, refilled evenly), then `429` with
//! `Retry-After`. Together with the public cache (one database read per page a minute, see
//! [`crate::public_cache`]) this keeps a scraper or a crowd from taking what staff need.
//!
//! The client is the peer address, or the first `X-Forwarded-For` address when
//! `server.trust_forwarded_for` says a proxy in front sets it (behind a proxy without that
//! setting every client would share the proxy's bucket). The table of buckets is bounded: when
//! it is full, buckets that have refilled are dropped (they hold nothing a new one would not).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;

/// Client addresses tracked at once; beyond it, full buckets are forgotten first.
const CLIENTS_MAX: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The per-client buckets of the public pages.
#[derive(Debug)]
pub struct PublicLimiter {
    per_minute: u32,
    trust_forwarded_for: bool,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl PublicLimiter {
    /// `per_minute` requests a minute per client; 0 turns the limit off.
    pub fn new(per_minute: u32, trust_forwarded_for: bool) -> Self {
        Self { per_minute, trust_forwarded_for, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request from `client`'s bucket at `now`: `Ok`, or the seconds until one is
    /// back.
    pub fn take(&self, client: &str, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        if buckets.len() >= CLIENTS_MAX && !buckets.contains_key(client) {
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * per_second < capacity);
            if buckets.len() >= CLIENTS_MAX {
                // Every tracked client is mid-burst: refuse newcomers rather than grow.
                return Err(1);
            }
        }
        let bucket = buckets.entry(client.to_string()).or_insert(Bucket { tokens: capacity, at: now });
        let refilled = bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = refilled.min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / per_second).ceil();
            Err(if wait.is_finite() && wait >= 1.0 { wait as u64 } else { 1 })
        }
    }
}

/// Whether `path` is one of the anonymous public pages or feeds.
fn is_public(path: &str) -> bool {
    path == "/public" || path.starts_with("/public/")
}

/// The answer beyond the limit, with `Retry-After`: the HTML page in the reader's language for
/// the public page (a person in a browser), a problem document for the feeds (a program).
fn refusal(parts: &axum::http::request::Parts, retry_after: u64) -> Response {
    if parts.uri.path() == "/public" {
        let viewer = crate::pages::anonymous_viewer(&parts.headers, &parts.uri);
        let detail = crate::i18n::translate(
            viewer.locale,
            "public-limited-text",
            &[("seconds", retry_after.to_string())],
        );
        let mut page = crate::pages::render_problem(
            &viewer,
            StatusCode::TOO_MANY_REQUESTS,
            "public-limited-title",
            &detail,
        );
        if let Ok(value) = axum::http::HeaderValue::from_str(&retry_after.to_string()) {
            page.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
        }
        return page;
    }
    let detail = format!("too many requests from this address; try again in {retry_after} seconds");
    let mut problem =
        Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", "Too many requests", Some(detail));
    problem.retry_after = Some(retry_after);
    problem.into_response()
}

/// The middleware: counts public requests per client and refuses the excess.
pub async fn limit(State(limiter): State<Arc<PublicLimiter>>, request: Request, next: Next) -> Response {
    if !is_public(request.uri().path()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let client = crate::extract::context_of(&parts, limiter.trust_forwarded_for)
        .client_address
        .unwrap_or_else(|| "unknown".to_string());
    if let Err(retry_after) = limiter.take(&client, Instant::now()) {
        return refusal(&parts, retry_after);
    }
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_client_gets_its_burst_then_waits_for_the_refill() {
        let limiter = PublicLimiter::new(60, false);
        let start = Instant::now();
        for _ in 0..60 {
            assert_eq!(limiter.take("10.0.0.7", start), Ok(()));
        }
        assert_eq!(limiter.take("10.0.0.7", start), Err(1), "one a second comes back");
        assert_eq!(limiter.take("10.0.0.8", start), Ok(()), "another client has its own bucket");
        assert_eq!(limiter.take("10.0.0.7", start + Duration::from_millis(1_100)), Ok(()));
        assert!(limiter.take("10.0.0.7", start + Duration::from_millis(1_200)).is_err());
        assert_eq!(PublicLimiter::new(0, false).take("x", start), Ok(()), "0 turns it off");
    }

    #[test]
    fn the_table_of_clients_stays_bounded() {
        let limiter = PublicLimiter::new(2, false);
        let start = Instant::now();
        for n in 0..CLIENTS_MAX {
            assert_eq!(limiter.take(&format!("c{n}"), start), Ok(()));
        }
        // All are mid-burst: a newcomer waits, and the table does not grow.
        assert!(limiter.take("newcomer", start).is_err());
        // A minute later every bucket has refilled and is forgotten to make room.
        assert_eq!(limiter.take("newcomer", start + Duration::from_secs(60)), Ok(()));
        assert_eq!(limiter.buckets.lock().unwrap().len(), 1);
    }

    #[test]
    fn only_the_public_pages_are_limited() {
        assert!(is_public("/public"));
        assert!(is_public("/public/assets.json"));
        assert!(!is_public("/publicity"));
        assert!(!is_public("/api/v1/me"));
    }
}
