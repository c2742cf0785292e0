//! Server-rendered pages for the people who run the fund, in Spanish (default) and English.
//!
//! Pages are plain HTML forms and links: they work with JavaScript off, on a modest PC and a
//! slow connection, with no third-party resources. Like the API, a page can only be added with
//! an access rule ([`PageRoutes::add`]); without a session a page redirects to the login form,
//! and a role that may not gets a 403 page. Every form that changes something carries the
//! session's CSRF token in a hidden `_csrf` field, checked here before any handler runs.
//!
//! One module per resource, as in [`crate::routes`], each registering its own pages; what
//! they share (the submitted form, the error page with the status [`crate::problem::status_of`]
//! chooses, a form shown again after a refusal, notices) is in `forms`.

mod admin;
mod alerts;
mod assets;
mod audit;
mod cases;
mod claims;
mod dashboard;
mod filters;
mod forms;
mod fund;
mod ledger;
mod orders;
mod payments;
mod policy;
pub(crate) mod render;
mod session;
mod setup;
mod statistics;
mod user_admin;
mod victim_edit;
mod victims;

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::MethodRouter;
use axum::Router;
use redress_app::{Actor, AppError};
use redress_domain::Policy;
use serde::de::DeserializeOwned;

use crate::credentials::{csrf_field, csrf_matches, Cookies};
use crate::i18n::Locale;
use crate::AppState;

pub use forms::urlencode;
pub use render::{render_anonymous, render_error, render_problem};

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

/// The language of a reader without a session: the `redress_lang` cookie, then the browser's
/// `Accept-Language`, then Spanish.
pub fn anonymous_locale(headers: &HeaderMap) -> Locale {
    Cookies::of(headers).get(LANGUAGE_COOKIE).and_then(Locale::parse).unwrap_or_else(|| {
        Locale::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
    })
}

/// A reader without a session, in the language their cookie or browser asks for, built without
/// touching the database (for answers that must stay cheap, such as a rate limit's).
pub fn anonymous_viewer(headers: &HeaderMap, uri: &Uri) -> Viewer {
    let path = uri.path_and_query().map_or("/".to_string(), |p| p.as_str().to_string());
    Viewer { locale: anonymous_locale(headers), actor: None, csrf: None, session: None, path }
}

/// Who is asking, from the session cookie (if it is a live session), and in which language:
/// the user's saved choice, else the language cookie, else the browser's, else Spanish. A
/// session that could not be checked (the database does not answer) comes back as the error
/// beside a viewer without a user, so that the page says so rather than asking to log in.
pub async fn viewer_of(state: &AppState, headers: &HeaderMap, uri: &Uri) -> (Viewer, Option<AppError>) {
    let cookies = Cookies::of(headers);
    let mut failed = None;
    let session = match cookies.session() {
        Some(token) => match state.app.authenticate(token).await {
            Ok((actor, csrf)) => Some((actor, csrf, token.to_string())),
            Err(AppError::Unauthenticated) => None,
            Err(error) => {
                failed = Some(error);
                None
            }
        },
        None => None,
    };
    let fallback_locale = anonymous_locale(headers);
    let locale = match &session {
        Some((actor, _, _)) => match state.app.user_locale(actor).await {
            Ok(Some(code)) => Locale::parse(&code).unwrap_or(fallback_locale),
            _ => fallback_locale,
        },
        None => fallback_locale,
    };
    let (actor, csrf, session) = match session {
        Some((actor, csrf, token)) => (Some(actor), Some(csrf), Some(token)),
        None => (None, None, None),
    };
    let path = uri.path_and_query().map_or("/".to_string(), |p| p.as_str().to_string());
    (Viewer { locale, actor, csrf, session, path }, failed)
}

/// The access check in front of every page.
async fn guard(state: AppState, policy: Policy, request: Request, next: Next) -> Response {
    let (viewer, failed) = viewer_of(&state, request.headers(), request.uri()).await;
    if let Some(error) = failed {
        return forms::failure(&viewer, error);
    }
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
            return render_error(&viewer, StatusCode::PAYLOAD_TOO_LARGE, "too-large-title", None);
        };
        // With a session, every form must carry its CSRF token.
        if let Some(expected) = &viewer.csrf {
            if !csrf_matches(csrf_field(&bytes).as_deref(), expected) {
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

/// A page's path parameters. One that does not parse (`/claims/abc`) names no page: the
/// "not found" page, in the viewer's language.
pub struct PagePath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PagePath<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(PagePath(value)),
            Err(_) => {
                let viewer = Viewer::from_request_parts(parts, state).await?;
                Err(render_error(&viewer, StatusCode::NOT_FOUND, "not-found-title", Some("not-found-text")))
            }
        }
    }
}

/// Every page, each with its rule, registered by the module of its resource.
pub fn routes(state: AppState) -> PageRoutes {
    let pages = PageRoutes::new(state);
    let pages = session::routes(pages);
    let pages = dashboard::routes(pages);
    let pages = victims::routes(pages);
    let pages = victim_edit::pages(pages);
    let pages = claims::routes(pages);
    let pages = cases::routes(pages);
    let pages = alerts::routes(pages);
    let pages = orders::routes(pages);
    let pages = assets::routes(pages);
    let pages = payments::routes(pages);
    let pages = ledger::routes(pages);
    let pages = policy::routes(pages);
    let pages = statistics::routes(pages);
    let pages = audit::routes(pages);
    let pages = fund::routes(pages);
    let pages = user_admin::routes(pages);
    admin::routes(pages)
}
