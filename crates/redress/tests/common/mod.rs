//! Test support: a real server on port 0 over a fresh database, an HTTP client, and helpers to
//! log in. Every test runs against SQLite, and against PostgreSQL when
//! `REDRESS_TEST_POSTGRES_URL` is set.
#![allow(dead_code)]

pub mod binary;
pub mod browser;
pub mod world;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use redress_app::{App, Clock, Settings, SystemClock};
use redress_domain::Timestamp;
use redress_store::testing::TestDatabase;
use redress_store::SqlStore;
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// Generates one test per engine for each scenario.
#[macro_export]
macro_rules! on_both_engines {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(redress_store::testing::TestDatabase::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let Some(database) = redress_store::testing::TestDatabase::postgres().await else {
                        eprintln!("skipped: REDRESS_TEST_POSTGRES_URL is not set");
                        return;
                    };
                    super::$scenario(database).await;
                }
            )*
        }
    };
}

/// Percent-encodes a form value (every byte but ASCII letters and digits).
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// The password of users created by [`TestServer::create_user`] (no test username is part of it).
pub const USER_PASSWORD: &str = "Tumbes-Lima-2026-#Fondo";

/// A clock tests can move forward.
pub struct TestClock(AtomicI64);

impl TestClock {
    pub fn advance_seconds(&self, seconds: i64) {
        self.0.fetch_add(seconds * 1_000_000, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_micros(self.0.load(Ordering::SeqCst))
    }
}

pub struct TestServer {
    pub base: String,
    pub app: App,
    pub store: Arc<SqlStore>,
    pub clock: Arc<TestClock>,
    pub client: reqwest::Client,
    pub admin_password: String,
    shutdown: Option<oneshot::Sender<()>>,
    // Dropped last: the database outlives the server.
    pub database: TestDatabase,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl TestServer {
    pub async fn start(database: TestDatabase) -> TestServer {
        Self::start_with(database, |_| {}).await
    }

    /// Starts a server whose settings `adjust` may change.
    pub async fn start_with(database: TestDatabase, adjust: impl FnOnce(&mut Settings)) -> TestServer {
        let store = Arc::new(database.open().await);
        let mut settings = Settings::default();
        settings.server.listen = "127.0.0.1:0".to_string();
        adjust(&mut settings);
        let clock = Arc::new(TestClock(AtomicI64::new(SystemClock.now().unix_micros())));
        let app = App::new(store.clone(), settings)
            .with_clock(clock.clone())
            .with_keys(redress_app::protect::KeyRing::generate());
        app.check_data_keys().await.expect("data keys");
        app.ensure_chart_of_accounts().await.expect("chart of accounts");
        let admin = app.bootstrap().await.expect("bootstrap").expect("a new database gets an administrator");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (shutdown, signal) = oneshot::channel::<()>();
        let served = app.clone();
        tokio::spawn(async move {
            let _ = redress_web::serve(listener, served, async {
                let _ = signal.await;
            })
            .await;
        });
        TestServer {
            base,
            app,
            store,
            clock,
            client: reqwest::Client::new(),
            admin_password: admin.password.expose().clone(),
            shutdown: Some(shutdown),
            database,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/session"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .expect("request")
    }

    /// Logs in and returns the whole login answer (token, csrf_token, user).
    pub async fn session(&self, username: &str, password: &str) -> Value {
        let response = self.login(username, password).await;
        assert_eq!(response.status(), 200, "login as {username}");
        response.json().await.unwrap()
    }

    pub async fn token(&self, username: &str, password: &str) -> String {
        self.session(username, password).await["token"].as_str().unwrap().to_string()
    }

    pub async fn admin_token(&self) -> String {
        self.token("admin", &self.admin_password.clone()).await
    }

    /// Creates a user through the API (as admin) in the bootstrap institution; returns the
    /// password.
    pub async fn create_user(&self, admin_token: &str, username: &str, roles: &[&str]) -> String {
        let password = USER_PASSWORD.to_string();
        let response = self
            .client
            .post(self.url("/api/v1/users"))
            .bearer_auth(admin_token)
            .json(&json!({"username": username, "institution_id": 1, "roles": roles, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "create {username}: {}", response.text().await.unwrap());
        password
    }

    /// Creates a user with these roles and returns a token for them.
    pub async fn user_token(&self, username: &str, roles: &[&str]) -> String {
        let admin = self.admin_token().await;
        let password = self.create_user(&admin, username, roles).await;
        self.token(username, &password).await
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.client.post(self.url(path)).bearer_auth(token).json(&body).send().await.unwrap()
    }

    /// The id of the institution named `name` (as the administrator sees it).
    pub async fn institution_id(&self, admin: &str, name: &str) -> i64 {
        let list: Value = self.get("/api/v1/institutions?limit=500", admin).await.json().await.unwrap();
        list["items"].as_array().unwrap().iter().find(|i| i["name"] == name).unwrap()["id"].as_i64().unwrap()
    }

    /// Victim services who look after `codes` add them to the case.
    pub async fn link_victims(&self, services: &str, case_id: i64, codes: &[&str]) {
        for code in codes {
            let response =
                self.post(&format!("/api/v1/cases/{case_id}/victims"), services, json!({"code": code})).await;
            assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        }
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.client.patch(self.url(path)).bearer_auth(token).json(&body).send().await.unwrap()
    }

    /// The audit head's sequence number (0 for an empty trail): a cheap "was anything written".
    pub async fn audit_length(&self) -> i64 {
        use redress_app::Store;
        let mut tx = self.store.read().await.unwrap();
        tx.audit_head().await.unwrap().map_or(0, |(seq, _)| seq)
    }
}

/// Asserts an RFC 9457 problem with this status and returns its body.
pub async fn expect_problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status, "unexpected status");
    let content_type = response.headers().get("content-type").unwrap().to_str().unwrap().to_string();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    body
}

/// The fields named by a problem.
pub fn problem_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["field"].as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default()
}
