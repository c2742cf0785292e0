//! Extractors: JSON and text bodies, query strings and path parameters, each refusing bad
//! input with a problem document naming the field or parameter; the acting user; the request
//! context. The API's handlers take these instead of axum's own, whose rejections are plain
//! text.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use redress_app::{Actor, RequestContext};
use redress_domain::FieldError;
use serde::de::DeserializeOwned;

use crate::problem::{Problem, ProblemField};
use crate::AppState;

/// A JSON request body. Requires `Content-Type: application/json` (which a cross-site HTML form
/// cannot send), and reports a malformed body, an unknown field, a missing field or a wrong type
/// as a problem naming the field.
pub struct ApiJson<T>(pub T);

/// Turns a serde error into the field it concerns. serde reports an unknown or missing field in
/// its message (`unknown field \`x\``) with the path of the enclosing object.
fn field_of(path: &str, message: &str) -> String {
    let base = if path == "." { String::new() } else { path.to_string() };
    let quoted = message.split('`').nth(1);
    if message.starts_with("missing field") {
        if let Some(name) = quoted {
            // The path is the object that lacks the field.
            return if base.is_empty() { name.to_string() } else { format!("{base}.{name}") };
        }
    }
    if (message.starts_with("unknown field") || message.starts_with("duplicate field")) && base.is_empty() {
        if let Some(name) = quoted {
            return name.to_string();
        }
    }
    // Unknown fields and wrong types: the path already ends at the field.
    if base.is_empty() {
        "body".to_string()
    } else {
        base
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        // Drop serde's " at line 1 column 9": the field name says where.
        let message = inner.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        if inner.is_syntax() || inner.is_eof() {
            Problem::bad_request(FieldError::new("body", format!("not valid JSON: {message}")))
        } else {
            let mut problem = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Invalid input",
                Some(message.clone()),
            );
            problem.errors = vec![ProblemField { field: field_of(&path, &message), reason: message }];
            problem
        }
    })
}

/// Whether the request's `Content-Type` is `mime` (parameters such as `charset` aside).
fn has_content_type(request: &Request, mimes: &[&str]) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mimes.iter().any(|m| mime.trim().eq_ignore_ascii_case(m)))
}

fn unsupported_media_type(expected: &str) -> Problem {
    Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
        "Unsupported media type",
        Some(format!("send the body as Content-Type: {expected}")),
    )
}

/// The whole body, within the server's body limit (413 beyond it).
async fn body_bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, Problem> {
    Bytes::from_request(request, state).await.map_err(|rejection| match rejection {
        BytesRejection::FailedToBufferBody(_) => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Request body too large",
            Some("the request body is larger than this server accepts".into()),
        ),
        other => Problem::bad_request(FieldError::new("body", other.body_text())),
    })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !has_content_type(&request, &["application/json"]) {
            return Err(unsupported_media_type("application/json"));
        }
        let bytes = body_bytes(request, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// An XML document as the request body (`application/xml` or `text/xml`), as UTF-8 text.
pub struct ApiXml(pub String);

impl<S: Send + Sync> FromRequest<S> for ApiXml {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !has_content_type(&request, &["application/xml", "text/xml"]) {
            return Err(unsupported_media_type("application/xml"));
        }
        let bytes = body_bytes(request, state).await?;
        String::from_utf8(bytes.to_vec())
            .map(ApiXml)
            .map_err(|_| Problem::bad_request(FieldError::new("body", "is not UTF-8 text")))
    }
}

/// The query string, parsed into `T`; a value of the wrong type (`?limit=abc`), an unknown or
/// a missing parameter is a 400 problem naming the parameter.
pub struct ApiQuery<T>(pub T);

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, Problem> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        let field = field_of(&path, &message);
        let field = if field == "body" { "query".to_string() } else { field };
        Problem::bad_request(FieldError::new(field, message))
    })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or("")).map(ApiQuery)
    }
}

/// Path parameters, parsed into `T`; one that does not parse (`/cases/9223372036854775808`)
/// is a 400 problem naming the parameter.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let rejection = match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => return Ok(ApiPath(value)),
            Err(rejection) => rejection,
        };
        // A single parameter's parse error does not carry its name: take it from the route.
        let only_name = RawPathParams::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|params| {
                let names: Vec<String> = params.iter().map(|(name, _)| name.to_string()).collect();
                (names.len() == 1).then(|| names[0].clone())
            })
            .unwrap_or_else(|| "path".to_string());
        let field = match &rejection {
            PathRejection::FailedToDeserializePathParams(error) => match error.kind() {
                ErrorKind::ParseErrorAtKey { key, expected_type, .. } => {
                    FieldError::new(key.clone(), format!("must be a {}", type_name(expected_type)))
                }
                ErrorKind::ParseError { expected_type, .. } => {
                    FieldError::new(only_name, format!("must be a {}", type_name(expected_type)))
                }
                ErrorKind::InvalidUtf8InPathParam { key } => FieldError::new(key.clone(), "is not UTF-8"),
                ErrorKind::DeserializeError { key, message, .. } => {
                    FieldError::new(key.clone(), message.clone())
                }
                other => FieldError::new(only_name, other.to_string()),
            },
            other => FieldError::new(only_name, other.body_text()),
        };
        Err(Problem::bad_request(field))
    }
}

/// A Rust type as a reader of the API knows it.
fn type_name(rust: &str) -> &'static str {
    match rust {
        "i64" => "whole number from -9223372036854775808 to 9223372036854775807",
        "i32" | "i16" | "i8" | "u64" | "u32" | "u16" | "u8" => "whole number in range",
        "bool" => "boolean (true or false)",
        _ => "value of the documented type",
    }
}

/// The acting user, placed in the request by the route's access check. A handler on a route
/// without a check gets a 500 instead of running unauthenticated.
pub struct CurrentActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for CurrentActor {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Actor>().cloned().map(CurrentActor).ok_or_else(|| {
            tracing::error!(path = %parts.uri.path(), "a handler needs an actor but its route has no access check");
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", None)
        })
    }
}

/// Request id, client address and user agent, for the audit trail.
pub struct Context(pub RequestContext);

pub fn context_of(parts: &Parts, trust_forwarded_for: bool) -> RequestContext {
    let header_text = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let forwarded = if trust_forwarded_for {
        header_text("x-forwarded-for").and_then(|v| v.split(',').next().map(|s| s.trim().to_string()))
    } else {
        None
    };
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip().to_string());
    RequestContext {
        request_id: header_text("x-request-id"),
        client_address: forwarded.or(peer),
        user_agent: header_text("user-agent"),
    }
}

impl FromRequestParts<AppState> for Context {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Context(context_of(parts, state.app.settings.server.trust_forwarded_for)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        username: String,
        roles: Vec<String>,
    }

    fn fields(problem: &Problem) -> Vec<String> {
        problem.errors.iter().map(|e| e.field.clone()).collect()
    }

    #[test]
    fn an_unknown_field_is_named() {
        let problem = parse_json::<Body>(br#"{"username":"a","roles":[],"isAdmin":true}"#).unwrap_err();
        assert_eq!(problem.status, 422);
        assert_eq!(fields(&problem), vec!["isAdmin"]);
    }

    #[test]
    fn a_missing_field_is_named() {
        let problem = parse_json::<Body>(br#"{"roles":[]}"#).unwrap_err();
        assert_eq!(fields(&problem), vec!["username"]);
    }

    #[test]
    fn a_wrong_type_is_named_with_its_path() {
        let problem = parse_json::<Body>(br#"{"username":"a","roles":["x", 3]}"#).unwrap_err();
        assert_eq!(fields(&problem), vec!["roles[1]"]);
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        let problem = parse_json::<Body>(br#"{"username": "#).unwrap_err();
        assert_eq!(problem.status, 400);
        assert_eq!(fields(&problem), vec!["body"]);
    }
}
