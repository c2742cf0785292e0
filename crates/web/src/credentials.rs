//! The one reader of what a request carries to say who sends it: the bearer token or the
//! session cookie, the other cookies, and the CSRF token that must come with the cookie on a
//! request that changes something. The API's access check ([`crate::access`]) and the pages'
//! ([`crate::pages`]) both read requests through it.

use std::collections::BTreeMap;

use axum::http::{header, HeaderMap, Method};
use redress_app::password::constant_time_equal;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "redress_session";
/// The header carrying the CSRF token on state-changing API requests authenticated by cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field carrying the CSRF token on the pages' forms.
pub const CSRF_FIELD: &str = "_csrf";

/// The cookies of a request, by name.
pub struct Cookies(BTreeMap<String, String>);

impl Cookies {
    pub fn of(headers: &HeaderMap) -> Cookies {
        Cookies(
            headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|pair| pair.trim().split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The session token, when the request carries the session cookie.
    pub fn session(&self) -> Option<&str> {
        self.get(SESSION_COOKIE)
    }
}

/// Credentials found on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    Bearer(String),
    Cookie(String),
}

impl Credentials {
    /// An `Authorization: Bearer` token first (another scheme there is no credential at all),
    /// then the session cookie.
    pub fn of(headers: &HeaderMap) -> Option<Credentials> {
        if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
            let (scheme, token) = value.split_once(' ')?;
            return scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| Credentials::Bearer(token.trim().to_string()));
        }
        Cookies::of(headers).session().map(|token| Credentials::Cookie(token.to_string()))
    }

    pub fn token(&self) -> &str {
        match self {
            Credentials::Bearer(token) | Credentials::Cookie(token) => token,
        }
    }

    /// Whether the request must prove with the CSRF token that it comes from our own pages:
    /// a browser sends the cookie by itself, even on a request another site made it send.
    pub fn needs_csrf(&self, method: &Method) -> bool {
        matches!(self, Credentials::Cookie(_)) && is_state_changing(method)
    }
}

pub fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether `sent` is the session's CSRF token (compared in constant time; none is wrong).
pub fn csrf_matches(sent: Option<&str>, expected: &str) -> bool {
    sent.is_some_and(|sent| constant_time_equal(sent, expected))
}

/// The CSRF token an API request sends, in its header.
pub fn csrf_header(headers: &HeaderMap) -> Option<&str> {
    headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok())
}

/// The CSRF token a page's form sends, in its hidden field.
pub fn csrf_field(form: &[u8]) -> Option<String> {
    form_urlencoded::parse(form).find(|(name, _)| name == CSRF_FIELD).map(|(_, value)| value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn a_bearer_token_comes_before_the_cookie() {
        let found = Credentials::of(&headers(&[
            (header::AUTHORIZATION, "Bearer abc"),
            (header::COOKIE, "redress_session=xyz"),
        ]));
        assert_eq!(found, Some(Credentials::Bearer("abc".into())));
    }

    #[test]
    fn another_authorization_scheme_is_no_credential() {
        let found = Credentials::of(&headers(&[
            (header::AUTHORIZATION, "Basic abc"),
            (header::COOKIE, "redress_session=xyz"),
        ]));
        assert_eq!(found, None);
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let map = headers(&[(header::COOKIE, "redress_lang=en; redress_session=xyz")]);
        assert_eq!(Credentials::of(&map), Some(Credentials::Cookie("xyz".into())));
        assert_eq!(Cookies::of(&map).get("redress_lang"), Some("en"));
    }

    #[test]
    fn only_a_cookie_on_a_state_changing_request_needs_the_csrf_token() {
        let cookie = Credentials::Cookie("t".into());
        assert!(cookie.needs_csrf(&Method::POST));
        assert!(!cookie.needs_csrf(&Method::GET));
        assert!(!Credentials::Bearer("t".into()).needs_csrf(&Method::POST));
        assert!(!csrf_matches(None, "x"));
        assert!(csrf_matches(csrf_field(b"a=1&_csrf=x").as_deref(), "x"));
    }
}
