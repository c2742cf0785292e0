//! Administering users over the API and the command line, on both engines: deactivate and
//! reactivate (sessions end), reset a password (the session is confined to changing it), change
//! roles and institution, unlock; administrators only, each audited, and bad input changes
//! nothing.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{expect_problem, problem_fields, TestServer, USER_PASSWORD};
use redress_app::Store;
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

async fn user_id(server: &TestServer, admin: &str, username: &str) -> i64 {
    let users: Value = server.get("/api/v1/users", admin).await.json().await.unwrap();
    users["items"].as_array().unwrap().iter().find(|u| u["username"] == username).unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn deactivation_ends_sessions_and_logins_until_reactivated(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let ana = server.user_token("ana", &["analyst"]).await;
    let id = user_id(&server, &admin, "ana").await;
    let path = |action: &str| format!("/api/v1/users/{id}/{action}");

    // Only an administrator, and never on oneself; a refusal writes nothing.
    let before = server.audit_length().await;
    expect_problem(server.post(&path("deactivate"), &ana, json!({})).await, 403).await;
    let admin_id = user_id(&server, &admin, "admin").await;
    expect_problem(
        server.post(&format!("/api/v1/users/{admin_id}/deactivate"), &admin, json!({})).await,
        403,
    )
    .await;
    expect_problem(server.post("/api/v1/users/999/deactivate", &admin, json!({})).await, 404).await;
    assert_eq!(server.audit_length().await, before);
    assert_eq!(server.get("/api/v1/statistics", &ana).await.status(), 200);

    let deactivated: Value = server.post(&path("deactivate"), &admin, json!({})).await.json().await.unwrap();
    assert_eq!(deactivated["active"], false);
    assert_eq!(server.audit_length().await, before + 1, "audited");
    expect_problem(server.get("/api/v1/statistics", &ana).await, 401).await;
    expect_problem(server.login("ana", USER_PASSWORD).await, 401).await;

    let reactivated: Value = server.post(&path("reactivate"), &admin, json!({})).await.json().await.unwrap();
    assert_eq!(reactivated["active"], true);
    assert_eq!(server.login("ana", USER_PASSWORD).await.status(), 200);
}

async fn a_reset_password_must_be_changed_before_anything_else(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let old_session = server.user_token("ana", &["analyst"]).await;
    let id = user_id(&server, &admin, "ana").await;
    let reset: Value = server
        .post(&format!("/api/v1/users/{id}/reset-password"), &admin, json!({}))
        .await
        .json()
        .await
        .unwrap();
    let one_time = reset["password"].as_str().unwrap().to_string();
    assert_eq!(reset["user"]["must_change_password"], true);
    expect_problem(server.get("/api/v1/me", &old_session).await, 401).await;
    expect_problem(server.login("ana", USER_PASSWORD).await, 401).await;

    let session = server.session("ana", &one_time).await;
    assert_eq!(session["user"]["must_change_password"], true);
    let token = session["token"].as_str().unwrap().to_string();
    assert_eq!(server.get("/api/v1/me", &token).await.status(), 200);
    expect_problem(server.get("/api/v1/statistics", &token).await, 403).await;
    let changed = server
        .client
        .put(server.url("/api/v1/me/password"))
        .bearer_auth(&token)
        .json(&json!({"current_password": one_time, "new_password": "Nueva-Clave-Propia-2027"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 204);
    assert_eq!(server.get("/api/v1/statistics", &token).await.status(), 200, "free again");
    let me: Value = server.get("/api/v1/me", &token).await.json().await.unwrap();
    assert_eq!(me["must_change_password"], false);
}

async fn roles_institution_and_lockouts_are_changed_by_an_administrator(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let ana = server.user_token("ana", &["analyst"]).await;
    let id = user_id(&server, &admin, "ana").await;
    let put = |path: String, body: Value| {
        server.client.put(server.url(&path)).bearer_auth(&admin).json(&body).send()
    };

    let before = server.audit_length().await;
    let bad =
        put(format!("/api/v1/users/{id}/roles"), json!({"roles": ["auditor", "wizard"]})).await.unwrap();
    assert_eq!(problem_fields(&expect_problem(bad, 422).await), vec!["roles[1]"]);
    let admin_id = user_id(&server, &admin, "admin").await;
    let demote_self =
        put(format!("/api/v1/users/{admin_id}/roles"), json!({"roles": ["auditor"]})).await.unwrap();
    expect_problem(demote_self, 403).await;
    assert_eq!(server.audit_length().await, before, "nothing changed");

    expect_problem(server.get("/api/v1/audit", &ana).await, 403).await;
    let changed: Value = put(format!("/api/v1/users/{id}/roles"), json!({"roles": ["auditor"]}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(changed["roles"], json!(["auditor"]));
    assert_eq!(server.get("/api/v1/audit", &ana).await.status(), 200, "from the next request");

    let created: Value = server
        .post("/api/v1/institutions", &admin, json!({"name": "Fiscalía de Tumbes", "kind": "prosecutor"}))
        .await
        .json()
        .await
        .unwrap();
    let moved = put(format!("/api/v1/users/{id}/institution"), json!({"institution_id": created["id"]}))
        .await
        .unwrap();
    let moved: Value = moved.json().await.unwrap();
    assert_eq!(moved["institution"], "Fiscalía de Tumbes");
    expect_problem(server.get("/api/v1/audit", &ana).await, 401).await;
    let nowhere =
        put(format!("/api/v1/users/{id}/institution"), json!({"institution_id": 999})).await.unwrap();
    assert_eq!(problem_fields(&expect_problem(nowhere, 422).await), vec!["institution_id"]);

    for _ in 0..5 {
        server.login("ana", "not-her-password").await;
    }
    expect_problem(server.login("ana", USER_PASSWORD).await, 429).await;
    let unlocked = server.post(&format!("/api/v1/users/{id}/unlock"), &admin, json!({})).await;
    assert_eq!(unlocked.status(), 200);
    assert_eq!(server.login("ana", USER_PASSWORD).await.status(), 200);
}

async fn a_lost_admin_password_is_recovered_on_the_server(database: TestDatabase) {
    let folder = std::env::temp_dir().join(format!("redress-users-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).unwrap();
    let redress = |args: &[&str]| {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_redress"));
        command.current_dir(&folder).args(args).args(["--database-url", &database.url]);
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("REDRESS_")) {
            command.env_remove(key);
        }
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        command
    };
    let output = |mut command: tokio::process::Command| async move {
        let out = tokio::time::timeout(Duration::from_secs(60), command.output()).await.unwrap().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    assert_eq!(output(redress(&["init"])).await.0, Some(0));
    let (code, text) = output(redress(&["user", "reset-password", "--username", "admin"])).await;
    assert_eq!(code, Some(0), "{text}");
    let password =
        text.split("one-time password:").nth(1).unwrap().split_whitespace().next().unwrap().to_string();

    let store = database.open().await;
    let admin = store.read().await.unwrap().user_by_username("admin").await.unwrap().unwrap();
    assert!(admin.must_change_password);
    assert!(redress_app::password::verify_password(
        admin.password_hash,
        redress_domain::Secret::new(password)
    )
    .await
    .unwrap());

    let (code, text) = output(redress(&[
        "user",
        "set-roles",
        "--username",
        "admin",
        "--role",
        "admin",
        "--role",
        "auditor",
    ]))
    .await;
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = output(redress(&["user", "deactivate", "--username", "nadie"])).await;
    assert_eq!(code, Some(1));
    assert!(text.contains("no user is named nadie"), "{text}");
    for action in ["deactivate", "reactivate", "unlock"] {
        let (code, text) = output(redress(&["user", action, "--username", "admin"])).await;
        assert_eq!(code, Some(0), "{action}: {text}");
    }
    let records = store.read().await.unwrap().audit_newest(None, 5).await.unwrap();
    let actions: Vec<&str> = records.iter().map(|r| r.event.action.as_str()).collect();
    assert_eq!(
        actions,
        ["user.unlock", "user.reactivate", "user.deactivate", "user.roles_change", "user.password_reset"]
    );
    assert!(records.iter().all(|r| r.event.actor.starts_with("cli")), "the operator is named");
    store.close().await;
    let _ = std::fs::remove_dir_all(&folder);
}

on_both_engines!(
    deactivation_ends_sessions_and_logins_until_reactivated,
    a_reset_password_must_be_changed_before_anything_else,
    roles_institution_and_lockouts_are_changed_by_an_administrator,
    a_lost_admin_password_is_recovered_on_the_server,
);
