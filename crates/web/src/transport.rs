//! How a request reached the server, as far as the server can know: over https (said by the
//! configured public URL, or by a trusted proxy's `X-Forwarded-Proto`), and from which site
//! (`Sec-Fetch-Site`, `Origin`). It decides the session cookie's `Secure` attribute, HSTS, and
//! whether a login may set a cookie at all.

use axum::http::{header, HeaderMap, HeaderValue};
use redress_app::Settings;

/// One year: browsers keep to https for that long once they saw it over https.
pub const HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000");

/// Whether the browser used https: a trusted proxy's `X-Forwarded-Proto` when there is one,
/// else the scheme of `server.public_url`.
pub fn is_https(settings: &Settings, headers: &HeaderMap) -> bool {
    if settings.server.trust_forwarded_for {
        let forwarded = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok());
        if let Some(proto) = forwarded.and_then(|v| v.split(',').next()) {
            return proto.trim().eq_ignore_ascii_case("https");
        }
    }
    settings.server.public_url.as_deref().is_some_and(|url| url.starts_with("https://"))
}

/// Whether the session cookie is `Secure`: over https always; with an `http://` public URL
/// never (the browser would drop it); without a public URL as `server.cookie_secure` says.
pub fn cookie_secure(settings: &Settings, headers: &HeaderMap) -> bool {
    is_https(settings, headers) || (settings.server.public_url.is_none() && settings.server.cookie_secure)
}

/// Whether a request was sent by a page of another site (a login form posted from elsewhere
/// would log the browser into the attacker's account). Browsers say so in `Sec-Fetch-Site`;
/// older ones send `Origin`, which must then be this server's. Requests with neither (scripts,
/// API clients) are not a browser's cross-site request.
pub fn is_cross_site(settings: &Settings, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return false };
    let Ok(origin) = origin.to_str() else { return true };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let own = |scheme: &str| host.is_some_and(|host| origin == format!("{scheme}://{host}"));
    let public = settings
        .server
        .public_url
        .as_deref()
        .is_some_and(|url| url.trim_end_matches('/').eq_ignore_ascii_case(origin));
    !(own("http") || own("https") || public)
}

/// Why a browser came back from a login without the session cookie, as a message key: a
/// `Secure` cookie sent to a browser on plain http (other than on localhost), or cookies refused.
pub fn missing_cookie_reason(settings: &Settings, headers: &HeaderMap) -> &'static str {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(name, _)| name);
    let local = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    if cookie_secure(settings, headers) && !is_https(settings, headers) && !local {
        "login-cookie-insecure"
    } else {
        "login-cookie-missing"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn https_comes_from_the_public_url_or_a_trusted_proxy_only() {
        let mut settings = Settings::default();
        let forwarded = headers(&[("x-forwarded-proto", "https")]);
        assert!(!is_https(&settings, &forwarded), "an untrusted header is ignored");
        settings.server.trust_forwarded_for = true;
        assert!(is_https(&settings, &forwarded));
        settings.server.public_url = Some("https://fondo.example.pe".into());
        assert!(!is_https(&settings, &headers(&[("x-forwarded-proto", "http")])), "the proxy knows best");
        settings.server.trust_forwarded_for = false;
        assert!(is_https(&settings, &HeaderMap::new()));
    }

    #[test]
    fn the_cookie_is_secure_unless_the_public_url_is_plain_http() {
        let mut settings = Settings::default();
        assert!(cookie_secure(&settings, &HeaderMap::new()));
        settings.server.public_url = Some("http://servidor:8080".into());
        assert!(!cookie_secure(&settings, &HeaderMap::new()));
        settings.server.public_url = Some("https://fondo.example.pe".into());
        assert!(cookie_secure(&settings, &HeaderMap::new()));
    }

    #[test]
    fn cross_site_posts_are_recognised() {
        let settings = Settings::default();
        assert!(is_cross_site(&settings, &headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&settings, &headers(&[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&settings, &headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!is_cross_site(&settings, &HeaderMap::new()));
        let from = |origin: &'static str| headers(&[("origin", origin), ("host", "servidor:8080")]);
        assert!(is_cross_site(&settings, &from("https://evil.example")));
        assert!(is_cross_site(&settings, &from("null")));
        assert!(!is_cross_site(&settings, &from("http://servidor:8080")));
    }
}
