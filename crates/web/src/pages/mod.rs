//! Server-rendered pages for the people who run the fund, in Spanish (default) and English.
//!
//! Pages are plain HTML forms and links: they work with JavaScript off, on a modest PC and a
//! slow connection, with no third-party resources. Like the API, a page can only be added with
//! an access rule ([`PageRoutes::add`]); without a session a page redirects to the login form,
//! and a role that may not gets a 403 page. Every form that changes something carries the
//! session's CSRF token in a hidden `_csrf` field, checked here before any handler runs.

mod handlers;
pub(crate) mod render;
mod victim_edit;

use std::collections::BTreeMap;

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::MethodRouter;
use axum::Router;
use redress_app::password::constant_time_equal;
use redress_app::Actor;
use redress_domain::Policy;

use crate::access::SESSION_COOKIE;
use crate::i18n::Locale;
use crate::AppState;

pub use render::render_error;

/// The cookie remembering the language of a visitor who is not logged in.
pub const LANGUAGE_COOKIE: &str = "redress_lang";
/// Largest form accepted.
const FORM_BYTES_MAX: usize = 64 * 1024;

/// Who is looking at a page, and in which language. Inserted by the access check.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub locale: Locale,
    pub actor: Option<Actor>,
    /// The session's CSRF token, to put in every form.
    pub csrf: Option<String>,
    /// The session token (for logging out).
    pub session: Option<String>,
    /// The page's path and query (to come back to after switching the language).
    pub path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .ok_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

impl Viewer {
    /// The logged-in actor (pages behind a non-public rule always have one).
    pub fn actor(&self) -> &Actor {
        self.actor.as_ref().expect("the access check requires a session for this page")
    }
}

/// One page route and its rule (for the access test).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageEntry {
    pub method: String,
    pub path: String,
    pub policy: Policy,
}

/// The only way to add a page: with its access rule.
pub struct PageRoutes {
    state: AppState,
    router: Router<AppState>,
    table: Vec<PageEntry>,
}

impl PageRoutes {
    pub fn new(state: AppState) -> PageRoutes {
        PageRoutes { state, router: Router::new(), table: Vec::new() }
    }

    pub fn add(
        mut self,
        policy: Policy,
        methods: &[&str],
        path: &str,
        route: MethodRouter<AppState>,
    ) -> PageRoutes {
        for method in methods {
            self.table.push(PageEntry { method: method.to_string(), path: path.to_string(), policy });
        }
        let route = route.layer(from_fn_with_state(
            self.state.clone(),
            move |State(state): State<AppState>, request: Request, next: Next| {
                guard(state, policy, request, next)
            },
        ));
        self.router = self.router.route(path, route);
        self
    }

    pub fn finish(self) -> (Router<AppState>, Vec<PageEntry>) {
        (self.router, self.table)
    }
}

fn cookies(request: &Request) -> BTreeMap<String, String> {
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The access check in front of every page.
async fn guard(state: AppState, policy: Policy, request: Request, next: Next) -> Response {
    let cookies = cookies(&request);
    let session = match cookies.get(SESSION_COOKIE) {
        Some(token) => {
            state.app.authenticate(token).await.ok().map(|(actor, csrf)| (actor, csrf, token.clone()))
        }
        None => None,
    };
    let fallback_locale = cookies.get(LANGUAGE_COOKIE).and_then(|c| Locale::parse(c)).unwrap_or_else(|| {
        Locale::from_accept_language(
            request.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
        )
    });
    let locale = match &session {
        Some((actor, _, _)) => match state.app.user_locale(actor).await {
            Ok(Some(code)) => Locale::parse(&code).unwrap_or(fallback_locale),
            _ => fallback_locale,
        },
        None => fallback_locale,
    };
    let viewer = Viewer {
        locale,
        actor: session.as_ref().map(|(a, _, _)| a.clone()),
        csrf: session.as_ref().map(|(_, c, _)| c.clone()),
        session: session.as_ref().map(|(_, _, t)| t.clone()),
        path: request.uri().path_and_query().map_or("/".to_string(), |p| p.as_str().to_string()),
    };
    if policy.requires_session() && viewer.actor.is_none() {
        let target = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let next_path = if request.method() == Method::GET { target } else { "/" };
        return Redirect::to(&format!("/login?next={}", urlencode(next_path))).into_response();
    }
    if let Some(actor) = &viewer.actor {
        if !policy.allows(&actor.roles) {
            return render_error(&viewer, StatusCode::FORBIDDEN, "forbidden-title", Some("forbidden-text"));
        }
    }
    let (mut parts, body) = request.into_parts();
    let body = if parts.method == Method::POST {
        let Ok(bytes) = to_bytes(body, FORM_BYTES_MAX).await else {
            return render_error(&viewer, StatusCode::PAYLOAD_TOO_LARGE, "error-title", None);
        };
        // With a session, every form must carry its CSRF token.
        if let Some(expected) = &viewer.csrf {
            let sent: Option<String> = form_urlencoded::parse(&bytes)
                .find(|(name, _)| name == "_csrf")
                .map(|(_, value)| value.into_owned());
            if !sent.is_some_and(|sent| constant_time_equal(&sent, expected)) {
                return render_error(&viewer, StatusCode::FORBIDDEN, "forbidden-title", None);
            }
        }
        Body::from(bytes)
    } else {
        body
    };
    parts.extensions.insert(viewer);
    next.run(Request::from_parts(parts, body)).await
}

pub(crate) fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Every page, each with its rule.
pub fn routes(state: AppState) -> PageRoutes {
    handlers::all(PageRoutes::new(state))
}
