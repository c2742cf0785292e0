//! The access matrix: every route has a declared rule, every documented operation is a route,
//! and every protected route refuses the anonymous (401) and the wrong roles (403) over HTTP.
//! Engine-independent, so it runs on SQLite only.

mod common;

use common::{TestServer, USER_PASSWORD};
use redress_domain::policy::rules;
use redress_domain::{Policy, Role};
use redress_store::testing::TestDatabase;
use redress_web::access::RouteEntry;
use redress_web::Access;

fn policy_of(entry: &RouteEntry) -> Policy {
    match entry.access {
        Access::Policy(policy) => policy,
        Access::MetricsScrape => rules::READ_METRICS,
    }
}

/// A concrete path for a template: every `{parameter}` becomes `1`.
fn concrete(path: &str) -> String {
    let mut result = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => inside = true,
            '}' => {
                inside = false;
                result.push('1');
            }
            _ if !inside => result.push(c),
            _ => {}
        }
    }
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_has_a_rule_and_every_documented_operation_is_routed() {
    let server = TestServer::start(TestDatabase::sqlite()).await;
    let built = redress_web::build(server.app.clone());
    let document = serde_json::to_value(&built.openapi).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let mut documented = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let method = method.to_uppercase();
            let entry = built
                .routes
                .find(&method, path)
                .unwrap_or_else(|| panic!("{method} {path} is documented but has no access rule"));
            assert_eq!(operation["x-redress-access"], entry.access.describe(), "{method} {path}");
            documented.push((method, path.clone()));
        }
    }
    for entry in &built.routes.0 {
        assert!(
            documented.contains(&(entry.method.clone(), entry.path.clone())),
            "{} {} has a rule but is missing from the OpenAPI document",
            entry.method,
            entry.path
        );
    }
    // The contract's routes are all there.
    for (method, path) in [
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("GET", "/api/v1/openapi.json"),
        ("POST", "/api/v1/session"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/audit"),
    ] {
        assert!(built.routes.find(method, path).is_some(), "{method} {path} missing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_protected_route_refuses_the_anonymous_and_the_wrong_roles() {
    let server = TestServer::start(TestDatabase::sqlite()).await;
    let built = redress_web::build(server.app.clone());
    let admin = server.admin_token().await;
    for role in Role::ALL {
        server
            .create_user(&admin, &format!("user-{}", role.as_str().replace('_', "-")), &[role.as_str()])
            .await;
    }
    let username = |role: Role| format!("user-{}", role.as_str().replace('_', "-"));
    let request = |entry: &RouteEntry, token: Option<&str>| {
        let method = reqwest::Method::from_bytes(entry.method.as_bytes()).unwrap();
        let mut builder = server.client.request(method, server.url(&concrete(&entry.path)));
        if let Some(token) = token {
            builder = builder.bearer_auth(token);
        }
        if matches!(entry.method.as_str(), "POST" | "PUT" | "PATCH") {
            builder = builder.header("content-type", "application/json").body("{}");
        }
        builder.send()
    };
    let mut checked = 0;
    for entry in &built.routes.0 {
        let policy = policy_of(entry);
        if policy == Policy::Public {
            continue;
        }
        let anonymous = request(entry, None).await.unwrap();
        assert_eq!(anonymous.status(), 401, "{} {} without credentials", entry.method, entry.path);
        assert_eq!(anonymous.headers()["content-type"], "application/problem+json");
        for role in Role::ALL {
            // A fresh session per request: logging out (DELETE /api/v1/session) ends it.
            let token = server.token(&username(role), USER_PASSWORD).await;
            let status = request(entry, Some(&token)).await.unwrap().status().as_u16();
            if policy.allows(&[role]) {
                assert!(
                    status != 401 && status != 403,
                    "{} {} must admit {role}, got {status}",
                    entry.method,
                    entry.path
                );
            } else {
                assert_eq!(status, 403, "{} {} must refuse {role}", entry.method, entry.path);
            }
            checked += 1;
        }
    }
    assert!(checked >= 9 * 8, "only {checked} route and role pairs were checked");
}
